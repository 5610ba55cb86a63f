/* One libvirt connection: a worker thread makes every libvirt call, the model lives on the
 * main thread, events and reconnects keep it current. No libvirt types here (ui/ includes it). */
#pragma once

#include <glib.h>

#include "model.h"

typedef enum {
    NV_CONN_CONNECTING,
    NV_CONN_CONNECTED,
    NV_CONN_DISCONNECTED, /* lost or never opened; a reconnect is scheduled */
} NvConnState;

/* What changed, as bits for the listener. */
typedef enum {
    NV_CHANGE_STATE = 1 << 0,
    NV_CHANGE_DOMAINS = 1 << 1,
    NV_CHANGE_POOLS = 1 << 2,
    NV_CHANGE_VOLUMES = 1 << 3,
    NV_CHANGE_NETWORKS = 1 << 4,
    NV_CHANGE_IFACES = 1 << 5,
    NV_CHANGE_HOST = 1 << 6,
    NV_CHANGE_DETAILS = 1 << 7,
    NV_CHANGE_MESSAGE = 1 << 8,
    NV_CHANGE_STATS = 1 << 9, /* live numbers: model->domain_stats, model->host_stats */
    NV_CHANGE_ALL = (1 << 10) - 1,
} NvChange;

typedef struct NvConn NvConn;
typedef void (*NvConnListener)(NvConn *conn, unsigned changes, gpointer data);

/* Call once, on the main thread, before any connection: silences libvirt's stderr printer
 * and registers libvirt's events on the GLib main loop. */
void nv_virt_init(void);

NvConn *nv_conn_new(const char *uri, gboolean readonly);
/* Safe to call with work still queued: the worker finishes alone and drops its results. */
void nv_conn_free(NvConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvConn, nv_conn_free)

void nv_conn_set_listener(NvConn *conn, NvConnListener fn, gpointer data);
/* Opens in the background, then loads every list and subscribes to events. */
void nv_conn_start(NvConn *conn);

const char *nv_conn_uri(NvConn *conn);
NvConnState nv_conn_get_state(NvConn *conn);
/* The model as the main thread sees it; valid until the next return to the main loop. */
const NvModel *nv_conn_model(NvConn *conn);
/* The newest message for the status line ("cannot list pools: ..."), or NULL. Caller frees. */
char *nv_conn_take_message(NvConn *conn);
/* Number of requests queued or running on the worker (the UI shows a spinner while > 0); the
 * periodic stats refresh does not count, it is nobody's wait. */
guint nv_conn_busy(NvConn *conn);

/* Ask for fresh lists (NvChange bits: DOMAINS, POOLS, NETWORKS, IFACES, HOST, STATS). */
void nv_conn_refresh(NvConn *conn, unsigned what);
/* Live numbers are fetched every `seconds` (default 2) while connected: one bulk domain stats
 * call and the host's CPU and memory counters, then NV_CHANGE_STATS. 0 stops it. */
void nv_conn_set_refresh_seconds(NvConn *conn, guint seconds);
guint nv_conn_get_refresh_seconds(NvConn *conn);
/* Fetch the volumes of this pool into model->volumes (NULL clears). */
void nv_conn_select_pool(NvConn *conn, const char *pool_name);
/* Fetch details of this domain into model->details (NULL clears). */
void nv_conn_select_domain(NvConn *conn, const char *uuid);
