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
    NvTestWorkFunc fn;
    gpointer data;
    gboolean done;
    GError *err;
} Sync;

static gpointer sync_work(virConnectPtr c, gpointer data, GError **err)
{
    Sync *s = data;
    return s->fn(c, s->data, err) ? NV_ASYNC_OK : NULL;
}

static void sync_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Sync *s = data;
    nv_async_result_ok(res, sync_work, &s->err);
    s->done = TRUE;
}

GError *nv_test_call(NvConn *conn, NvTestWorkFunc fn, gpointer data)
{
    Sync s = {fn, data, FALSE, NULL};
    NvAsyncSpec spec = {.tag = sync_work, .req = &s};
    nv_conn_async(conn, &spec, sync_work, sync_done, &s, NULL);
    ck_assert_msg(nv_test_run_until_set(&s.done, 20000), "worker call did not return");
    return s.err;
}

void nv_test_on_worker(NvConn *conn, NvTestWorkFunc fn, gpointer data)
{
    g_autoptr(GError) err = nv_test_call(conn, fn, data);
    ck_assert_msg(err == NULL, "worker call failed: %s", err ? err->message : "");
}
