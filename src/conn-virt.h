/* The libvirt side of NvConn, for core modules that make their own calls (consoles, actions):
 * run a function on the connection's worker thread and hear back on the main loop, in the one
 * shape of conn-async.h. */
#pragma once

#include <libvirt/libvirt.h>

#include "conn-async.h"
#include "conn.h"

/* Queues `fn` to run on `ctx`'s loop, from any thread; `data_free` releases `data` afterwards.
 * Unlike g_main_context_invoke, never runs `fn` on the calling thread: a worker that finds the
 * main context unowned (a test between iterations) would otherwise take it and run the main
 * thread's code itself. */
void nv_main_post(GMainContext *ctx, GSourceFunc fn, gpointer data, GDestroyNotify data_free);

/* The worker half of conn-async.h's idiom: runs on the connection's worker with the open
 * connection and the typed request; returns the value (NV_ASYNC_OK for none) or sets `err`. */
typedef gpointer (*NvConnAsyncWork)(virConnectPtr vconn, gpointer req, GError **err);

/* Queues `work` behind the connection's other calls; `done` hears back on the main loop, as
 * conn-async.h says (also when the connection is lost or closed first). */
void nv_conn_async(NvConn *conn, const NvAsyncSpec *spec, NvConnAsyncWork work, NvAsyncFunc done,
                   gpointer data, GDestroyNotify data_free);

/* The common read: its request is one string (a UUID, a name), copied; the value is freed by
 * `value_free` unless taken. */
void nv_conn_async_read(NvConn *conn, gconstpointer tag, const char *key, NvConnAsyncWork work,
                        GDestroyNotify value_free, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free);

/* ---- authentication (conn-auth.h) ---- */

/* What libvirt's auth callback carries through one open: the URI the questions are about,
 * whether the user cancelled, and the non-secret answers kept once the open works. */
typedef struct {
    const char *uri;
    gboolean cancelled;
    GHashTable *kept;
} NvAuthContext;

/* libvirt's auth callback (cbdata: an NvAuthContext), on the opening thread: the questions go
 * to the UI's handler on the main loop and this waits for the answers. -1 when cancelled. */
int nv_auth_callback(virConnectCredentialPtr cred, unsigned int ncred, void *cbdata);
/* After an open that worked: its non-secret answers become the defaults of the session's next
 * questions of that URI. Frees what the context kept either way. */
void nv_auth_context_finish(NvAuthContext *ctx, gboolean opened);

/* Opens `uri` as every connection of the TUI opens: virConnectOpenAuth with the callback
 * above; for the ssh transport first with no_tty=1, then, when ssh needs a person, with the
 * terminal handed over (conn-auth.h). A cancel fails with G_IO_ERROR_CANCELLED, "authentication
 * cancelled". Without a UI handler, libvirt's console prompts. On a worker, never the loop. */
virConnectPtr nv_virt_open_auth(const char *uri, gboolean readonly, GError **err);
