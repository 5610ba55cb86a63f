/* One libvirt connection: a worker thread makes every libvirt call, the model lives on the
 * main thread, events and reconnects keep it current. No libvirt types here (ui/ includes it). */
#pragma once

#include <glib.h>

#include "conn-name.h"
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
    NV_CHANGE_VOLUMES = 1 << 3, /* model->pool_volumes or ->volume_users: answers or stale */
    NV_CHANGE_NETWORKS = 1 << 4,
    NV_CHANGE_IFACES = 1 << 5,
    NV_CHANGE_HOST = 1 << 6,
    NV_CHANGE_DETAILS = 1 << 7, /* model->domain_details: an answer, or entries went stale */
    /* 1 << 8 was the status-line message: the core keeps no UI text (nv_conn_set_notify). */
    NV_CHANGE_STATS = 1 << 9, /* live numbers: model->domain_stats, model->host_stats */
    NV_CHANGE_ALL = (1 << 10) - 1,
} NvChange;

typedef struct NvConn NvConn;
typedef void (*NvConnListener)(NvConn *conn, unsigned changes, gpointer data);

typedef enum {
    NV_NOTICE_INFO,    /* "reconnected to ..." */
    NV_NOTICE_WARNING, /* a read failed while connected; what was there stays */
    NV_NOTICE_ERROR,   /* the host is unreachable */
} NvNoticeLevel;
/* What the connection has to tell the user ("cannot list pools: ...", "disconnected from ..."),
 * once, when it happens: the UI shows it (the status line); the core keeps no text for it. */
typedef void (*NvConnNotifyFunc)(NvConn *conn, NvNoticeLevel level, const char *text,
                                 gpointer data);

/* Call once, on the main thread, before any connection: silences libvirt's stderr printer
 * and registers libvirt's events on the GLib main loop. */
void nv_virt_init(void);

NvConn *nv_conn_new(const char *uri, gboolean readonly);
/* Safe to call with work still queued: the worker finishes alone and drops its results. */
void nv_conn_free(NvConn *conn);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvConn, nv_conn_free)

void nv_conn_set_listener(NvConn *conn, NvConnListener fn, gpointer data);
void nv_conn_set_notify(NvConn *conn, NvConnNotifyFunc fn, gpointer data);
/* Opens in the background, then loads every list and subscribes to events. */
void nv_conn_start(NvConn *conn);

const char *nv_conn_uri(NvConn *conn);
/* The host's short label ("hv1", "localhost"; conn-name.h), at first made from the URI; the
 * app makes it unique among its connections with nv_conn_set_name (NULL: from the URI). */
const char *nv_conn_name(NvConn *conn);
void nv_conn_set_name(NvConn *conn, const char *name);
/* Opened read-only (-r): the UI refuses every action that would change something on it. */
gboolean nv_conn_is_readonly(NvConn *conn);
NvConnState nv_conn_get_state(NvConn *conn);
/* The model as the main thread sees it; valid until the next return to the main loop. */
const NvModel *nv_conn_model(NvConn *conn);
/* Number of requests queued or running on the worker (the UI shows a spinner while > 0); the
 * periodic stats refresh does not count, it is nobody's wait. */
guint nv_conn_busy(NvConn *conn);

/* Ask for fresh lists (NvChange bits: DOMAINS, POOLS, NETWORKS, IFACES, HOST, STATS); DETAILS
 * and VOLUMES mark every cached answer of theirs stale (NV_CHANGE_DETAILS/_VOLUMES follows), to
 * be fetched again when next wanted. */
void nv_conn_refresh(NvConn *conn, unsigned what);
/* Live numbers are fetched every `seconds` (default 2) while connected: one bulk domain stats
 * call and the host's CPU and memory counters, then NV_CHANGE_STATS. 0 stops it. */
void nv_conn_set_refresh_seconds(NvConn *conn, guint seconds);
guint nv_conn_get_refresh_seconds(NvConn *conn);

/* ---- on request: fetched into the model's caches by key (model.h), never "the selected" ----
 * Each queues a fetch on the worker when the answer is not cached, is stale, or (volume users)
 * is older than 10 s, and no fetch for it is on its way; otherwise it costs a hash lookup, so
 * a pane may call it each time it draws (that is how a stale entry gets fetched again only
 * while something shows it). The answer comes with NV_CHANGE_DETAILS or NV_CHANGE_VOLUMES.
 * Nothing is asked while disconnected: the reconnect marks every entry stale. */

/* model->domain_details[uuid], read with nv_model_domain_details. */
void nv_conn_want_domain_details(NvConn *conn, const char *uuid);
/* model->pool_volumes[pool], read with nv_model_pool_volumes. */
void nv_conn_want_pool(NvConn *conn, const char *pool);
/* model->volume_users[path], the domains using the volume; read with nv_model_volume_users. */
void nv_conn_want_volume_users(NvConn *conn, const char *pool, const char *volume,
                               const char *path);
