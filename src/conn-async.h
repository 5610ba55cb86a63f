/* The one async idiom of the core, in the GTask style of libvirt-glib: every operation that
 * waits on libvirt (or on a slow local read) is a pair
 *
 *     void  nv_thing_do_async(NvConn *conn, <args>, NvAsyncFunc done, gpointer data,
 *                             GDestroyNotify data_free);
 *     Type *nv_thing_do_finish(NvAsyncResult *res, GError **err);  // or gboolean
 *
 * The _async call copies its arguments into a typed request, runs the work on the
 * connection's worker (calls to one host stay ordered) and posts the result to the main loop.
 *
 *     static void on_renamed(NvConn *conn, NvAsyncResult *res, gpointer data)
 *     {
 *         g_autoptr(GError) err = NULL;
 *         if (!nv_domain_rename_finish(res, &err))
 *             show(err->message);
 *     }
 *     nv_domain_rename_async(conn, uuid, "web-02", on_renamed, ctx, NULL);
 *
 * The rules:
 * - `done` runs exactly once, always on the main loop (nv_main_post), never on the calling
 *   thread: on success, on failure, when the connection is lost on the way and when it is
 *   closed (nv_conn_free) before the work ran (both NV_ERROR_DISCONNECTED). Then `data_free`
 *   runs on `data`.
 * - The result owns the value and the error. `_finish` hands the value to the caller (which
 *   frees it with its type's free function); a value no one took is freed after `done`
 *   returns. `res` is valid during `done` only, and `_finish` may be called once.
 * - `conn` is NULL in `done` for work that needs no connection (nv_async_run).
 * - A cancel (nv_vnc_open_cancel) is an answer too: `done` runs with G_IO_ERROR_CANCELLED, so
 *   a caller that may go first passes data it can clear (a link), not itself.
 * - A module whose answer takes more than one worker call (the VNC open connects on the loop,
 *   a lifecycle run waits for its jobs, the OS database answers every waiter of one load)
 *   composes the caller's result itself: nv_async_result_new, _set, _deliver.
 * Not in this shape, because they are events rather than the answer to a request: a job's
 * progress and end (conn-job.h), a clone run's progress, the connection's listener and
 * notices. */
#pragma once

#include <glib.h>

#include "conn.h"

typedef struct NvAsyncResult NvAsyncResult;

typedef void (*NvAsyncFunc)(NvConn *conn, NvAsyncResult *res, gpointer data);

/* A value-less success, for work that only succeeds or fails. */
#define NV_ASYNC_OK GINT_TO_POINTER(1)

/* For a module's _finish. The value, now the caller's; NULL with `err` set on failure (a
 * successful work may return NULL too, e.g. "nothing found"). `tag` is the _async function
 * that started the work: a result passed to the wrong _finish is a programming error. */
gpointer nv_async_result_take(NvAsyncResult *res, gconstpointer tag, GError **err);
/* For a _finish of work without a value: TRUE, or FALSE with `err`. */
gboolean nv_async_result_ok(NvAsyncResult *res, gconstpointer tag, GError **err);

/* Work off the main thread that needs no connection (reading the OS database): on a thread
 * of its own; returns the value (freed by `value_free` unless taken) or sets `err`. `req` is
 * taken and freed by `req_free` after the work. `done` gets conn NULL. */
typedef gpointer (*NvAsyncThreadFunc)(gpointer req, GError **err);

typedef struct {
    gconstpointer tag;         /* the _async function, checked by _finish */
    gpointer req;              /* the typed request; taken */
    GDestroyNotify req_free;   /* frees `req` once the work is through (on the main loop) */
    GDestroyNotify value_free; /* frees a value the callback did not take */
    /* NV_CHANGE_* the connection refreshes before `done` runs, success or not: for calls
     * that change what the lists show. */
    unsigned refresh;
    /* Optional: the module's own step on the main loop before `done`, with the request
     * (e.g. a refresh the work decided on); `err` NULL on success. Not run on close. */
    void (*settle)(NvConn *conn, gpointer req, const GError *err);
} NvAsyncSpec;

void nv_async_run(const NvAsyncSpec *spec, NvAsyncThreadFunc work, NvAsyncFunc done, gpointer data,
                  GDestroyNotify data_free);

/* ---- for the code that runs the work (conn.c, nv_async_run): a result in the making ---- */

NvAsyncResult *nv_async_result_new(const NvAsyncSpec *spec, NvAsyncFunc done, gpointer data,
                                   GDestroyNotify data_free);
/* The request, for the work to read and fill. */
gpointer nv_async_result_request(NvAsyncResult *res);
/* Stores what the work returned: the value, or the error (taken). */
void nv_async_result_set(NvAsyncResult *res, gpointer value, GError *err);
/* Whether the work failed already (e.g. the connection was lost), and with what message. */
gboolean nv_async_result_failed(NvAsyncResult *res);
const char *nv_async_result_error_message(NvAsyncResult *res);
/* On the main loop, before nv_async_result_deliver: the spec's `refresh` and `settle`. */
void nv_async_result_settle(NvAsyncResult *res, NvConn *conn);
/* On the main loop: runs `done` with `conn`, then frees the request, the value unless taken,
 * the error, and `data` through `data_free`. */
void nv_async_result_deliver(NvAsyncResult *res, NvConn *conn);
