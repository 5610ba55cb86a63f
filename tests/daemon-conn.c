/* NvConn against the real local daemon (qemu:///system): objects made behind its back with
 * virsh must show up through events, and a restarted libvirtd must be reconnected to.
 * Every object is named nvtest-<pid>-... and removed at the end, also when a test fails. */
#include <check.h>
#include <errno.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "model.h"

#define URI "qemu:///system"

static char *dom_name, *pool_name, *net_name, *bridge_name, *vol_name;
static char *tmp_dir;  /* mkdtemp'd by main, removed by main's exit */
static char *pool_dir; /* tmp_dir/pool: the pool's target */
static pid_t main_pid;
static char *start_script;

/* Runs argv; returns TRUE on exit status 0. Output goes to `out` (stdout + stderr) if given. */
static gboolean run(char **out, const char *const *argv)
{
    g_autofree char *o = NULL, *e = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, &o, &e, &status,
                      &err)) {
        if (out)
            *out = g_strdup(err->message);
        return FALSE;
    }
    if (out)
        *out = g_strconcat(o ? o : "", e ? e : "", NULL);
    return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* virsh -c URI ARGS... (NULL-terminated); fails the test with virsh's words when it fails. */
#define VIRSH_OK(...)                                                                              \
    do {                                                                                           \
        const char *argv_[] = {"virsh", "-q", "-c", URI, __VA_ARGS__, NULL};                       \
        g_autofree char *out_ = NULL;                                                              \
        ck_assert_msg(run(&out_, argv_), "virsh %s failed: %s", argv_[4], out_);                   \
    } while (0)

static void virsh_quiet(const char *a, const char *b)
{
    const char *argv[] = {"virsh", "-q", "-c", URI, a, b, NULL};
    run(NULL, argv);
}

/* Removes whatever a test may have left, in an order that always works. Idempotent. */
static void cleanup(void)
{
    if (!dom_name)
        return;
    virsh_quiet("destroy", dom_name);
    virsh_quiet("undefine", dom_name);
    if (vol_name) {
        const char *argv[] = {"virsh",  "-q",      "-c",     URI, "vol-delete",
                              "--pool", pool_name, vol_name, NULL};
        run(NULL, argv);
    }
    virsh_quiet("pool-destroy", pool_name);
    virsh_quiet("pool-undefine", pool_name);
    virsh_quiet("net-destroy", net_name);
    virsh_quiet("net-undefine", net_name);
    /* Check runs each test in a child that exits through here too: only main removes it. */
    if (tmp_dir && getpid() == main_pid) {
        const char *argv[] = {"rm", "-rf", "--", tmp_dir, NULL};
        run(NULL, argv);
    }
}

static void setup(void)
{
    cleanup();
}

static void teardown(void)
{
    cleanup();
}

/* ---- the main loop ---- */

typedef struct {
    unsigned changes;
} Seen;

static void on_change(NvConn *conn, unsigned changes, gpointer data)
{
    ((Seen *)data)->changes |= changes;
}

static gboolean tick(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

typedef gboolean (*Cond)(NvConn *conn, gconstpointer data);

static gboolean run_until(NvConn *conn, Cond cond, gconstpointer data, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint id = g_timeout_add(20, tick, NULL);
    gboolean ok;
    while (!(ok = cond(conn, data)) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(id);
    return ok;
}

static gboolean loaded(NvConn *conn, gconstpointer data)
{
    const NvModel *m = nv_conn_model(conn);
    const Seen *seen = data;
    return nv_conn_get_state(conn) == NV_CONN_CONNECTED && (seen->changes & NV_CHANGE_DOMAINS) &&
           m->domains && m->pools && m->networks;
}

static NvConn *open_loaded(Seen *seen)
{
    static gboolean init;
    if (!init)
        nv_virt_init();
    init = TRUE;
    NvConn *conn = nv_conn_new(URI, FALSE);
    nv_conn_set_listener(conn, on_change, seen);
    nv_conn_start(conn);
    ck_assert_msg(run_until(conn, loaded, seen, 20000), "%s not loaded after 20 s (state %d)", URI,
                  nv_conn_get_state(conn));
    return conn;
}

static const NvDomain *find_domain(NvConn *conn, const char *name)
{
    const NvModel *m = nv_conn_model(conn);
    for (guint i = 0; m->domains && i < m->domains->len; i++) {
        const NvDomain *d = m->domains->pdata[i];
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

static const NvPool *find_pool(NvConn *conn, const char *name)
{
    const NvModel *m = nv_conn_model(conn);
    for (guint i = 0; m->pools && i < m->pools->len; i++) {
        const NvPool *p = m->pools->pdata[i];
        if (strcmp(p->name, name) == 0)
            return p;
    }
    return NULL;
}

static const NvNetwork *find_network(NvConn *conn, const char *name)
{
    const NvModel *m = nv_conn_model(conn);
    for (guint i = 0; m->networks && i < m->networks->len; i++) {
        const NvNetwork *n = m->networks->pdata[i];
        if (strcmp(n->name, name) == 0)
            return n;
    }
    return NULL;
}

/* A wanted state: -1 absent, else an NvDomainState. */
static int want_dom;
static gboolean dom_is(NvConn *conn, gconstpointer data)
{
    const NvDomain *d = find_domain(conn, dom_name);
    return want_dom < 0 ? d == NULL : d && (int)d->state == want_dom;
}

static int want_pool; /* -1 absent, 0 inactive, 1 active */
static gboolean pool_is(NvConn *conn, gconstpointer data)
{
    const NvPool *p = find_pool(conn, pool_name);
    return want_pool < 0 ? p == NULL : p && p->active == (want_pool == 1);
}

static int want_net; /* -1 absent, 0 inactive, 1 active */
static gboolean net_is(NvConn *conn, gconstpointer data)
{
    const NvNetwork *n = find_network(conn, net_name);
    return want_net < 0 ? n == NULL : n && n->active == (want_net == 1);
}

/* Events must do it within 2 s; 2.5 s of main loop leaves room for scheduling. */
#define EVENT_MS 2500

static void expect_dom(NvConn *conn, int state, const char *after)
{
    want_dom = state;
    gint64 t0 = g_get_monotonic_time();
    gboolean ok = run_until(conn, dom_is, NULL, EVENT_MS);
    const NvDomain *d = find_domain(conn, dom_name);
    ck_assert_msg(ok, "after %s: %s is %s, wanted %s", after, dom_name,
                  d ? nv_domain_state_name(d->state) : "absent",
                  state < 0 ? "absent" : nv_domain_state_name(state));
    fprintf(stderr, "  %s: model updated in %.0f ms\n", after,
            (g_get_monotonic_time() - t0) / 1000.0);
}

static void write_temp(const char *name, const char *text, char **path_out)
{
    g_autoptr(GError) err = NULL;
    *path_out = g_build_filename(tmp_dir, name, NULL);
    ck_assert_msg(g_file_set_contents(*path_out, text, -1, &err), "%s", err ? err->message : "");
}

static void define_domain(void)
{
    g_autofree char *xml =
        g_strdup_printf("<domain type='qemu'>\n"
                        "  <name>%s</name>\n"
                        "  <title>ncvirt daemon test</title>\n"
                        "  <memory unit='MiB'>64</memory>\n"
                        "  <vcpu>1</vcpu>\n"
                        "  <os><type arch='x86_64'>hvm</type></os>\n"
                        "  <on_poweroff>destroy</on_poweroff>\n"
                        "  <devices>\n"
                        "    <serial type='pty'><target port='0'/></serial>\n"
                        "    <console type='pty'><target type='serial' port='0'/></console>\n"
                        "  </devices>\n"
                        "</domain>\n",
                        dom_name);
    g_autofree char *path = NULL;
    write_temp("domain.xml", xml, &path);
    VIRSH_OK("define", path);
}

START_TEST(test_domain_lifecycle)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);
    ck_assert_ptr_null(find_domain(conn, dom_name));

    define_domain();
    expect_dom(conn, NV_DOMAIN_SHUTOFF, "define");
    const NvDomain *d = find_domain(conn, dom_name);
    ck_assert_uint_eq(d->vcpus, 1);
    ck_assert_uint_eq(d->max_memory_kib, 65536);
    ck_assert_str_eq(d->title, "ncvirt daemon test");
    ck_assert_int_eq(d->id, -1);

    VIRSH_OK("start", dom_name);
    expect_dom(conn, NV_DOMAIN_RUNNING, "start");
    ck_assert_int_gt(find_domain(conn, dom_name)->id, 0);
    ck_assert_uint_gt(nv_conn_model(conn)->running, 0);

    VIRSH_OK("destroy", dom_name);
    expect_dom(conn, NV_DOMAIN_SHUTOFF, "destroy");
    VIRSH_OK("undefine", dom_name);
    expect_dom(conn, -1, "undefine");
}
END_TEST

static gboolean volume_listed(NvConn *conn, gconstpointer data)
{
    GPtrArray *vols = nv_model_pool_volumes(nv_conn_model(conn), pool_name, NULL);
    for (guint i = 0; vols && i < vols->len; i++)
        if (strcmp(((NvVolume *)vols->pdata[i])->name, vol_name) == 0)
            return TRUE;
    return FALSE;
}

START_TEST(test_pool_lifecycle)
{
    ck_assert_int_eq(g_mkdir_with_parents(pool_dir, 0700), 0);
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);

    VIRSH_OK("pool-define-as", pool_name, "dir", "--target", pool_dir);
    want_pool = 0;
    ck_assert_msg(run_until(conn, pool_is, NULL, EVENT_MS), "defined pool not in the model");
    VIRSH_OK("pool-start", pool_name);
    want_pool = 1;
    ck_assert_msg(run_until(conn, pool_is, NULL, EVENT_MS), "started pool not active");
    const NvPool *p = find_pool(conn, pool_name);
    ck_assert_str_eq(p->type, "dir");
    ck_assert_str_eq(p->target_path, pool_dir);
    ck_assert_int_eq(p->persistent, 1);

    VIRSH_OK("vol-create-as", pool_name, vol_name, "16M", "--format", "qcow2");
    nv_conn_want_pool(conn, pool_name);
    ck_assert_msg(run_until(conn, volume_listed, NULL, 5000), "volume %s not listed", vol_name);
    GPtrArray *vols = nv_model_pool_volumes(nv_conn_model(conn), pool_name, NULL);
    for (guint i = 0; i < vols->len; i++) {
        NvVolume *v = vols->pdata[i];
        if (strcmp(v->name, vol_name) != 0)
            continue;
        ck_assert_str_eq(v->format, "qcow2");
        ck_assert_uint_eq(v->capacity, 16 * 1024 * 1024);
        g_autofree char *path = g_build_filename(pool_dir, vol_name, NULL);
        ck_assert_str_eq(v->path, path);
    }

    VIRSH_OK("pool-destroy", pool_name);
    want_pool = 0;
    ck_assert_msg(run_until(conn, pool_is, NULL, EVENT_MS), "destroyed pool still active");
    VIRSH_OK("pool-undefine", pool_name);
    want_pool = -1;
    ck_assert_msg(run_until(conn, pool_is, NULL, EVENT_MS), "undefined pool still listed");
}
END_TEST

START_TEST(test_network_lifecycle)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);

    /* Isolated (no <forward>), no DHCP; nothing is ever sent on it. */
    int pid = (int)getpid();
    g_autofree char *addr = g_strdup_printf("10.231.%d.1", pid % 250);
    g_autofree char *xml = g_strdup_printf("<network>\n  <name>%s</name>\n  <bridge name='%s'/>\n"
                                           "  <ip address='%s' prefix='24'/>\n</network>\n",
                                           net_name, bridge_name, addr);
    g_autofree char *path = NULL;
    write_temp("network.xml", xml, &path);
    VIRSH_OK("net-define", path);
    want_net = 0;
    ck_assert_msg(run_until(conn, net_is, NULL, EVENT_MS), "defined network not in the model");
    VIRSH_OK("net-start", net_name);
    want_net = 1;
    ck_assert_msg(run_until(conn, net_is, NULL, EVENT_MS), "started network not active");
    const NvNetwork *n = find_network(conn, net_name);
    ck_assert_str_eq(n->forward_mode, "isolated");
    ck_assert_str_eq(n->bridge, bridge_name);
    ck_assert_uint_eq(n->ips->len, 1);
    NvNetIp *ip = n->ips->pdata[0];
    ck_assert_str_eq(ip->family, "ipv4");
    ck_assert_str_eq(ip->address, addr);
    ck_assert_uint_eq(ip->prefix, 24);
    ck_assert_str_eq(ip->dhcp_start, "");

    VIRSH_OK("net-destroy", net_name);
    want_net = 0;
    ck_assert_msg(run_until(conn, net_is, NULL, EVENT_MS), "destroyed network still active");
    VIRSH_OK("net-undefine", net_name);
    want_net = -1;
    ck_assert_msg(run_until(conn, net_is, NULL, EVENT_MS), "undefined network still listed");
}
END_TEST

static gboolean state_is(NvConn *conn, gconstpointer want)
{
    return nv_conn_get_state(conn) == (NvConnState)GPOINTER_TO_INT(want);
}

static gboolean reloaded(NvConn *conn, gconstpointer data)
{
    const Seen *seen = data;
    return nv_conn_get_state(conn) == NV_CONN_CONNECTED && (seen->changes & NV_CHANGE_DOMAINS) &&
           find_domain(conn, dom_name) != NULL;
}

static pid_t libvirtd_pid(void)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents("/run/libvirtd.pid", &text, NULL, NULL))
        return 0;
    return (pid_t)atoi(text);
}

START_TEST(test_daemon_restart)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);
    define_domain();
    expect_dom(conn, NV_DOMAIN_SHUTOFF, "define");

    pid_t pid = libvirtd_pid();
    ck_assert_msg(pid > 1, "no pid in /run/libvirtd.pid");
    ck_assert_msg(kill(pid, SIGTERM) == 0, "kill %d: %s", (int)pid, g_strerror(errno));
    ck_assert_msg(run_until(conn, state_is, GINT_TO_POINTER(NV_CONN_DISCONNECTED), 10000),
                  "still state %d 10 s after libvirtd was killed", nv_conn_get_state(conn));
    /* Wait for the old daemon to be gone before starting a new one. */
    for (int i = 0; i < 100 && kill(pid, 0) == 0; i++)
        g_usleep(100 * 1000);
    if (kill(pid, 0) == 0)
        kill(pid, SIGKILL);

    seen.changes = 0;
    const char *argv[] = {"bash", start_script, NULL};
    g_autofree char *out = NULL;
    ck_assert_msg(run(&out, argv), "restarting libvirtd failed: %s", out);
    gint64 t0 = g_get_monotonic_time();
    ck_assert_msg(run_until(conn, reloaded, &seen, 15000),
                  "15 s after libvirtd came back: state %d, domains %sreloaded",
                  nv_conn_get_state(conn), seen.changes & NV_CHANGE_DOMAINS ? "" : "not ");
    fprintf(stderr, "  reconnected and reloaded in %.1f s\n", (g_get_monotonic_time() - t0) / 1e6);
}
END_TEST

static Suite *daemon_suite(void)
{
    Suite *s = suite_create("daemon");
    TCase *tc = tcase_create("events");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_domain_lifecycle);
    tcase_add_test(tc, test_pool_lifecycle);
    tcase_add_test(tc, test_network_lifecycle);
    suite_add_tcase(s, tc);

    TCase *restart = tcase_create("restart");
    tcase_add_checked_fixture(restart, setup, teardown);
    tcase_set_timeout(restart, 120);
    tcase_add_test(restart, test_daemon_restart);
    suite_add_tcase(s, restart);
    return s;
}

/* Exit 77 (skip) only when the daemon cannot run here at all; says why. */
static void start_daemon_or_skip(void)
{
    const char *srcdir = g_getenv("NCVIRT_SRCDIR");
    if (!srcdir) {
        fprintf(stderr, "NCVIRT_SRCDIR is not set (run through meson test)\n");
        exit(1);
    }
    start_script = g_build_filename(srcdir, "scripts", "start-libvirtd", NULL);
    if (geteuid() != 0) {
        fprintf(stderr, "SKIP: not root, cannot start or use %s\n", URI);
        exit(77);
    }
    g_autofree char *libvirtd = g_find_program_in_path("libvirtd");
    g_autofree char *virsh = g_find_program_in_path("virsh");
    if (!libvirtd || !virsh) {
        fprintf(stderr, "SKIP: libvirtd or virsh is not installed (run scripts/bootstrap)\n");
        exit(77);
    }
    const char *argv[] = {"bash", start_script, NULL};
    g_autofree char *out = NULL;
    if (!run(&out, argv)) {
        fprintf(stderr, "SKIP: the local libvirt daemon cannot run here: %s\n", out);
        exit(77);
    }
}

int main(void)
{
    start_daemon_or_skip();
    int pid = (int)getpid();
    dom_name = g_strdup_printf("nvtest-%d-dom", pid);
    pool_name = g_strdup_printf("nvtest-%d-pool", pid);
    net_name = g_strdup_printf("nvtest-%d-net", pid);
    bridge_name = g_strdup_printf("nvt%d", pid);
    vol_name = g_strdup_printf("nvtest-%d-vol.qcow2", pid);
    /* Also when a test dies half-way or Check's timeout kills it. */
    g_autoptr(GError) err = NULL;
    main_pid = getpid();
    tmp_dir = g_dir_make_tmp("nvtest-XXXXXX", &err);
    if (!tmp_dir) {
        fprintf(stderr, "mkdtemp: %s\n", err->message);
        return EXIT_FAILURE;
    }
    pool_dir = g_build_filename(tmp_dir, "pool", NULL);
    atexit(cleanup);

    SRunner *sr = srunner_create(daemon_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
