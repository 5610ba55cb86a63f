/* A host that never answers must not hurt the main loop or the other hosts: a connection to a
 * socket that accepts and never replies (libvirt's open waits forever on the worker) next to
 * the test driver. Measured on the main loop: a 10 ms timer's lateness while the dead host's
 * worker is stuck, the other host connecting and answering, and nv_conn_free returning at once
 * (no main-thread call waits on a worker). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "conn.h"
#include "test-util.h"

#define MAX_LATE_MS 100

typedef struct {
    gint64 expected_us;
    gint64 worst_us;
    guint ticks;
} Ticker;

static gboolean tick(gpointer data)
{
    Ticker *t = data;
    gint64 now = g_get_monotonic_time();
    t->worst_us = MAX(t->worst_us, now - t->expected_us);
    t->expected_us = now + 10 * 1000;
    t->ticks++;
    return G_SOURCE_CONTINUE;
}

/* A unix socket that takes connections (the kernel's backlog) and never says a word. */
static int silent_socket(const char *path)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    ck_assert_int_ge(fd, 0);
    struct sockaddr_un addr = {.sun_family = AF_UNIX};
    g_strlcpy(addr.sun_path, path, sizeof(addr.sun_path));
    ck_assert_int_eq(bind(fd, (struct sockaddr *)&addr, sizeof(addr)), 0);
    ck_assert_int_eq(listen(fd, 8), 0);
    return fd;
}

static gboolean have_domains(gconstpointer data)
{
    NvConn *conn = (NvConn *)data;
    return nv_conn_model(conn)->domains->len > 0;
}

START_TEST(test_dead_host_blocks_nothing)
{
    g_autofree char *dir = g_dir_make_tmp("nv-dead-XXXXXX", NULL);
    g_autofree char *path = g_build_filename(dir, "silent.sock", NULL);
    int fd = silent_socket(path);
    g_autofree char *uri = g_strdup_printf("qemu+unix:///system?socket=%s", path);

    NvConn *dead = nv_test_conn_start(uri);
    Ticker t = {.expected_us = g_get_monotonic_time() + 10 * 1000};
    guint src = g_timeout_add(10, tick, &t);

    /* The other host connects and lists while the dead one's open hangs. */
    NvConn *alive = nv_test_conn_open("test:///default");
    ck_assert(nv_test_run_until(have_domains, alive, 10000));
    /* Requests for the dead host queue behind its open; none waits here. */
    nv_conn_refresh(dead, NV_CHANGE_ALL);
    nv_conn_want_domain_details(dead, "00000000-0000-0000-0000-000000000000");
    nv_conn_refresh(alive, NV_CHANGE_ALL);
    gboolean never = FALSE;
    nv_test_run_until_set(&never, 1500);
    ck_assert_int_eq(nv_conn_get_state(dead), NV_CONN_CONNECTING);
    ck_assert_int_eq(nv_conn_get_state(alive), NV_CONN_CONNECTED);
    ck_assert_uint_gt(t.ticks, 50);
    ck_assert_msg(t.worst_us < MAX_LATE_MS * 1000,
                  "the main loop was %" G_GINT64_FORMAT " ms late while a host hung",
                  t.worst_us / 1000);

    gint64 t0 = g_get_monotonic_time();
    nv_conn_free(dead);
    gint64 took = g_get_monotonic_time() - t0;
    ck_assert_msg(took < 50 * 1000, "nv_conn_free waited %" G_GINT64_FORMAT " ms on a dead host",
                  took / 1000);
    g_source_remove(src);
    nv_conn_free(alive);
    close(fd);
    g_unlink(path);
    g_rmdir(dir);
}
END_TEST

typedef struct {
    GArray *at_us; /* when each failed open was told */
} Attempts;

static void on_notice(NvConn *conn, NvNoticeLevel level, const char *text, gpointer data)
{
    Attempts *a = data;
    gint64 now = g_get_monotonic_time();
    if (level == NV_NOTICE_ERROR)
        g_array_append_val(a->at_us, now);
}

/* A host that refuses: retried after 2, 4, 8 s (backoff), not every 2 s. */
START_TEST(test_reconnect_backs_off)
{
    nv_virt_init();
    Attempts a = {.at_us = g_array_new(FALSE, FALSE, sizeof(gint64))};
    NvConn *conn = nv_conn_new("qemu+unix:///system?socket=/nonexistent/nv-dead.sock", TRUE);
    nv_conn_set_notify(conn, on_notice, &a);
    nv_conn_start(conn);
    gboolean never = FALSE;
    nv_test_run_until_set(&never, 15500);
    ck_assert_uint_ge(a.at_us->len, 4);
    const double want[] = {2, 4, 8};
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        double gap = (g_array_index(a.at_us, gint64, i + 1) - g_array_index(a.at_us, gint64, i)) /
                     (double)G_USEC_PER_SEC;
        ck_assert_msg(gap > want[i] - 0.5 && gap < want[i] + 1.0, "retry %u after %.1f s, not %.0f",
                      i + 1, gap, want[i]);
    }
    ck_assert_int_eq(nv_conn_get_state(conn), NV_CONN_DISCONNECTED);
    nv_conn_free(conn);
    g_array_unref(a.at_us);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("dead-host");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_dead_host_blocks_nothing);
    tcase_add_test(tc, test_reconnect_backs_off);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
