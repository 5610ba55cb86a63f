/* The harness shared by the Check tests that drive an NvConn (see test-util.h). */
#include "test-util.h"

#include <check.h>

#include "conn.h"

/* Wakes the loop now and then, so deadlines are checked even when nothing else happens. */
static gboolean tick(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

gboolean nv_test_run_until(NvTestCond cond, gconstpointer data, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint id = g_timeout_add(20, tick, NULL);
    gboolean ok;
    while (!(ok = cond(data)) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(id);
    return ok;
}

static gboolean flag_set(gconstpointer data)
{
    return *(const gboolean *)data;
}

gboolean nv_test_run_until_set(const gboolean *flag, guint timeout_ms)
{
    return nv_test_run_until(flag_set, flag, timeout_ms);
}

void nv_test_wait(gboolean *flag, guint timeout_ms)
{
    nv_test_run_until_set(flag, timeout_ms);
    ck_assert_msg(*flag, "no answer within %u ms", timeout_ms);
}

static gboolean give_up(gpointer data)
{
    ck_abort_msg("timed out waiting for %s", (const char *)data);
    return G_SOURCE_REMOVE;
}

void nv_test_wait_for(gboolean *flag, const char *what)
{
    guint t = g_timeout_add_seconds(30, give_up, (gpointer)what);
    while (!*flag)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(t);
}

gboolean nv_test_connected(gconstpointer conn)
{
    return nv_conn_get_state((NvConn *)conn) == NV_CONN_CONNECTED;
}

NvConn *nv_test_conn_start(const char *uri)
{
    nv_virt_init();
    NvConn *conn = nv_conn_new(uri, FALSE);
    nv_conn_start(conn);
    return conn;
}

NvConn *nv_test_conn_open(const char *uri)
{
    NvConn *conn = nv_test_conn_start(uri);
    nv_test_run_until(nv_test_connected, conn, 30000);
    ck_assert_int_eq(nv_conn_get_state(conn), NV_CONN_CONNECTED);
    return conn;
}

typedef struct {
    NvConnWorkFunc fn;
    gpointer data;
    gboolean done;
    GError *err;
} Sync;

static gboolean sync_work(virConnectPtr c, gpointer data, GError **err)
{
    Sync *s = data;
    return s->fn(c, s->data, err);
}

static void sync_done(NvConn *conn, gpointer data, const GError *err)
{
    Sync *s = data;
    s->err = err ? g_error_copy(err) : NULL;
    s->done = TRUE;
}

void nv_test_on_worker(NvConn *conn, NvConnWorkFunc fn, gpointer data)
{
    Sync s = {fn, data, FALSE, NULL};
    nv_conn_call(conn, sync_work, sync_done, &s, NULL);
    ck_assert_msg(nv_test_run_until_set(&s.done, 20000), "worker call did not return");
    ck_assert_msg(s.err == NULL, "worker call failed: %s", s.err ? s.err->message : "");
}
