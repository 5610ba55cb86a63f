/* The async result of conn-async.h: one value and one error, owned until the callback takes
 * them, delivered on the main loop. */
#include "conn-async.h"

#include "conn-virt.h"

struct NvAsyncResult {
    NvAsyncSpec spec;
    gpointer value;
    GError *error;
    gboolean taken;
    NvAsyncFunc done;
    gpointer data;
    GDestroyNotify data_free;
    /* nv_async_run */
    NvAsyncThreadFunc work;
    GMainContext *ctx;
};

NvAsyncResult *nv_async_result_new(const NvAsyncSpec *spec, NvAsyncFunc done, gpointer data,
                                   GDestroyNotify data_free)
{
    NvAsyncResult *res = g_new0(NvAsyncResult, 1);
    res->spec = *spec;
    res->done = done;
    res->data = data;
    res->data_free = data_free;
    return res;
}

gpointer nv_async_result_request(NvAsyncResult *res)
{
    return res->spec.req;
}

void nv_async_result_set(NvAsyncResult *res, gpointer value, GError *err)
{
    if (err) {
        g_clear_error(&res->error);
        res->error = err;
        if (value && value != NV_ASYNC_OK && res->spec.value_free)
            res->spec.value_free(value);
        return;
    }
    res->value = value;
}

gboolean nv_async_result_failed(NvAsyncResult *res)
{
    return res->error != NULL;
}

const char *nv_async_result_error_message(NvAsyncResult *res)
{
    return res->error ? res->error->message : NULL;
}

void nv_async_result_settle(NvAsyncResult *res, NvConn *conn)
{
    if (res->spec.refresh)
        nv_conn_refresh(conn, res->spec.refresh);
    if (res->spec.settle)
        res->spec.settle(conn, res->spec.req, res->error);
}

static void result_free(NvAsyncResult *res)
{
    if (!res->taken && res->value && res->value != NV_ASYNC_OK && res->spec.value_free)
        res->spec.value_free(res->value);
    if (res->spec.req && res->spec.req_free)
        res->spec.req_free(res->spec.req);
    g_clear_error(&res->error);
    if (res->data_free)
        res->data_free(res->data);
    if (res->ctx)
        g_main_context_unref(res->ctx);
    g_free(res);
}

void nv_async_result_deliver(NvAsyncResult *res, NvConn *conn)
{
    if (res->done)
        res->done(conn, res, res->data);
    result_free(res);
}

gpointer nv_async_result_take(NvAsyncResult *res, gconstpointer tag, GError **err)
{
    g_return_val_if_fail(res->spec.tag == tag, NULL);
    g_return_val_if_fail(!res->taken, NULL);
    res->taken = TRUE;
    if (res->error) {
        g_propagate_error(err, g_error_copy(res->error));
        return NULL;
    }
    return res->value == NV_ASYNC_OK ? NULL : res->value;
}

gboolean nv_async_result_ok(NvAsyncResult *res, gconstpointer tag, GError **err)
{
    g_return_val_if_fail(res->spec.tag == tag, FALSE);
    res->taken = TRUE;
    if (res->error) {
        g_propagate_error(err, g_error_copy(res->error));
        return FALSE;
    }
    return TRUE;
}

/* ---- nv_async_run ---- */

static gboolean run_deliver(gpointer data)
{
    nv_async_result_deliver(data, NULL);
    return G_SOURCE_REMOVE;
}

static gpointer run_thread(gpointer data)
{
    NvAsyncResult *res = data;
    GError *err = NULL;
    gpointer value = res->work(res->spec.req, &err);
    nv_async_result_set(res, value, err);
    nv_main_post(res->ctx, run_deliver, res, NULL);
    return NULL;
}

void nv_async_run(const NvAsyncSpec *spec, NvAsyncThreadFunc work, NvAsyncFunc done, gpointer data,
                  GDestroyNotify data_free)
{
    NvAsyncResult *res = nv_async_result_new(spec, done, data, data_free);
    res->work = work;
    res->ctx = g_main_context_ref_thread_default();
    g_thread_unref(g_thread_new("nv-async", run_thread, res));
}
