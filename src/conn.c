/* One libvirt connection: every blocking call runs on a worker thread of its own (calls to one
 * host stay ordered), results come back to the main loop and replace parts of the model.
 * Events patch the model through debounced refreshes; a lost connection is reopened. */
#include "conn.h"

#include <gio/gio.h>
#include <libvirt-glib/libvirt-glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/xmlerror.h>
#include <string.h>

#include "error.h"
#include "conn-virt.h"
#include "conn-fetch.h"
#include "i18n.h"

/* The first retry after a loss, doubled after each failed open up to the maximum. */
#define NV_RECONNECT_SECONDS 2
#define NV_RECONNECT_MAX_SECONDS 8
#define NV_EVENT_DEBOUNCE_MS 100
#define NV_SAFETY_RELIST_SECONDS 60
/* A host that stops answering is closed after INTERVAL * (COUNT + 1) s of silence (libvirt
 * pings after INTERVAL s without a message, COUNT times): 9 s, so it shows disconnected well
 * within 15 s. Pings go only while the link is idle. */
#define NV_KEEPALIVE_INTERVAL 3
#define NV_KEEPALIVE_COUNT 2
#define NV_STATS_DEFAULT_SECONDS 2
/* "Used by" answers are asked again when wanted after this: domains come and go without a
 * volume event. */
#define NV_USERS_MAX_AGE_US (10 * G_USEC_PER_SEC)

typedef enum {
    JOB_OPEN,
    JOB_DOMAINS,
    JOB_POOLS,
    JOB_VOLUMES,
    JOB_NETWORKS,
    JOB_IFACES,
    JOB_HOST,
    JOB_DETAILS,
    JOB_STATS, /* live numbers: the periodic refresh */
    JOB_ASYNC, /* nv_conn_async: a typed request and its result (conn-async.h) */
} JobKind;

struct NvConn {
    gatomicrefcount refs;
    char *uri;
    char *name; /* the host's short label (conn-name.h), main thread only */
    gboolean readonly;
    GMainContext *main_ctx;
    GThreadPool *worker;
    gboolean closing; /* set by nv_conn_free: results that arrive later are dropped */

    /* Main thread only. */
    NvConnState state;
    NvModel *model;
    guint busy;
    NvConnListener listener;
    gpointer listener_data;
    NvConnNotifyFunc notify_fn;
    gpointer notify_data;
    guint reconnect_source;
    guint reconnect_delay; /* seconds before the next retry; 0: the first one */
    guint debounce_source;
    guint safety_source;
    guint stats_source; /* the periodic stats refresh, only while connected */
    guint refresh_seconds;
    unsigned pending_events; /* NvChange bits waiting for the debounce timer */
    GPtrArray *stale_titles; /* UUIDs whose cached title must be dropped */
    gboolean open_queued;
    guint generation; /* bumped on every open, to drop results of an old connection */

    /* Worker thread only. */
    virConnectPtr vconn;
    GHashTable *title_cache;
    int callback_ids[5];
    gboolean close_cb_registered;
    gint open_serial;        /* atomic: bumped per open, so a late close callback of an old one is
                              * told apart */
    gboolean events_pending; /* opened, events not registered yet (worker_run) */
    NvStatsQuery stats_query;

    /* Both: kinds queued but not started, so repeated requests collapse into one. */
    gint queued;
};

typedef struct {
    NvConn *conn;
    JobKind kind;
    guint generation;
    char *arg;               /* pool name or domain UUID */
    GPtrArray *stale_titles; /* JOB_DOMAINS */
    /* Results. */
    gpointer result;
    GDestroyNotify result_free;
    NvDomainSamples *samples; /* JOB_DOMAINS, JOB_STATS */
    NvHostSample host;        /* JOB_STATS */
    GError *error;
    gboolean lost; /* the connection turned out to be dead */
    /* JOB_ASYNC */
    NvAsyncResult *async;
    NvConnAsyncWork async_work;
} Job;

static NvConn *conn_ref(NvConn *conn)
{
    g_atomic_ref_count_inc(&conn->refs);
    return conn;
}

static void conn_unref(NvConn *conn)
{
    if (!g_atomic_ref_count_dec(&conn->refs))
        return;
    /* Only reached once the worker has no job left, so vconn is ours to close. */
    if (conn->vconn)
        virConnectClose(conn->vconn);
    g_clear_pointer(&conn->title_cache, g_hash_table_unref);
    g_clear_pointer(&conn->model, nv_model_free);
    g_clear_pointer(&conn->stale_titles, g_ptr_array_unref);
    g_free(conn->uri);
    g_free(conn->name);
    g_main_context_unref(conn->main_ctx);
    g_free(conn);
}

static void job_free(Job *job)
{
    if (job->result && job->result_free)
        job->result_free(job->result);
    g_clear_error(&job->error);
    g_clear_pointer(&job->stale_titles, g_ptr_array_unref);
    g_clear_pointer(&job->samples, nv_domain_samples_free);
    g_free(job->arg);
    conn_unref(job->conn);
    g_free(job);
}

static unsigned job_bit(JobKind kind)
{
    return 1u << kind;
}

/* ---- main thread: state, messages, listener ---- */

static void notify(NvConn *conn, unsigned changes)
{
    if (conn->listener && !conn->closing)
        conn->listener(conn, changes, conn->listener_data);
}

static void tell(NvConn *conn, NvNoticeLevel level, const char *text)
{
    if (conn->notify_fn && !conn->closing)
        conn->notify_fn(conn, level, text, conn->notify_data);
}

static void submit(NvConn *conn, JobKind kind, const char *arg);
static void schedule_reconnect(NvConn *conn);
static void schedule_stats(NvConn *conn);

static void set_disconnected(NvConn *conn, const char *why)
{
    if (conn->state == NV_CONN_DISCONNECTED)
        return;
    conn->state = NV_CONN_DISCONNECTED;
    g_clear_handle_id(&conn->stats_source, g_source_remove);
    conn->generation++;
    g_autofree char *msg = g_strdup_printf(_("disconnected from %s: %s; reconnecting"), conn->uri,
                                           why ? why : _("connection closed"));
    tell(conn, NV_NOTICE_ERROR, msg);
    notify(conn, NV_CHANGE_STATE);
    conn->reconnect_delay = 0;
    schedule_reconnect(conn);
}

static gboolean reconnect_tick(gpointer data)
{
    NvConn *conn = data;
    conn->reconnect_source = 0;
    if (conn->state == NV_CONN_DISCONNECTED && !conn->open_queued)
        submit(conn, JOB_OPEN, NULL);
    return G_SOURCE_REMOVE;
}

/* One retry, later each time it fails (2, 4, 8, 8... s): a host that is down for long is not
 * hammered, one that comes back is found within the maximum. */
static void schedule_reconnect(NvConn *conn)
{
    if (conn->reconnect_source || conn->closing)
        return;
    guint delay = conn->reconnect_delay ? conn->reconnect_delay : NV_RECONNECT_SECONDS;
    conn->reconnect_source = g_timeout_add_seconds(delay, reconnect_tick, conn);
    conn->reconnect_delay = MIN(delay * 2, NV_RECONNECT_MAX_SECONDS);
}

/* ---- worker thread ---- */

static void on_close(virConnectPtr vconn, int reason, void *opaque);

static void worker_drop_vconn(NvConn *conn)
{
    if (!conn->vconn)
        return;
    for (guint i = 0; i < G_N_ELEMENTS(conn->callback_ids); i++)
        conn->callback_ids[i] = -1;
    if (conn->close_cb_registered)
        virConnectUnregisterCloseCallback(conn->vconn, on_close);
    conn->close_cb_registered = FALSE;
    /* Closing also deregisters the event callbacks of this connection. */
    virConnectClose(conn->vconn);
    conn->vconn = NULL;
    virResetLastError();
}

static void on_domain_lifecycle(virConnectPtr vconn, virDomainPtr dom, int event, int detail,
                                void *opaque);
static void on_domain_metadata(virConnectPtr vconn, virDomainPtr dom, int type, const char *nsuri,
                               void *opaque);
static void on_pool_event(virConnectPtr vconn, virStoragePoolPtr pool, int event, int detail,
                          void *opaque);
static void on_pool_refresh(virConnectPtr vconn, virStoragePoolPtr pool, void *opaque);
static void on_network_event(virConnectPtr vconn, virNetworkPtr net, int event, int detail,
                             void *opaque);

static void unref_cb(void *opaque)
{
    conn_unref(opaque);
}

/* Events are a convenience: a driver without some of them still works, with relists. */
static void worker_register_events(NvConn *conn)
{
    virConnectPtr v = conn->vconn;
    conn->callback_ids[0] = virConnectDomainEventRegisterAny(
        v, NULL, VIR_DOMAIN_EVENT_ID_LIFECYCLE, VIR_DOMAIN_EVENT_CALLBACK(on_domain_lifecycle),
        conn_ref(conn), unref_cb);
    conn->callback_ids[1] = virConnectDomainEventRegisterAny(
        v, NULL, VIR_DOMAIN_EVENT_ID_METADATA_CHANGE, VIR_DOMAIN_EVENT_CALLBACK(on_domain_metadata),
        conn_ref(conn), unref_cb);
    conn->callback_ids[2] = virConnectStoragePoolEventRegisterAny(
        v, NULL, VIR_STORAGE_POOL_EVENT_ID_LIFECYCLE,
        VIR_STORAGE_POOL_EVENT_CALLBACK(on_pool_event), conn_ref(conn), unref_cb);
    conn->callback_ids[3] = virConnectStoragePoolEventRegisterAny(
        v, NULL, VIR_STORAGE_POOL_EVENT_ID_REFRESH,
        VIR_STORAGE_POOL_EVENT_CALLBACK(on_pool_refresh), conn_ref(conn), unref_cb);
    conn->callback_ids[4] = virConnectNetworkEventRegisterAny(
        v, NULL, VIR_NETWORK_EVENT_ID_LIFECYCLE, VIR_NETWORK_EVENT_CALLBACK(on_network_event),
        conn_ref(conn), unref_cb);
    /* A failed registration never calls its free callback: drop those references here. */
    for (guint i = 0; i < G_N_ELEMENTS(conn->callback_ids); i++)
        if (conn->callback_ids[i] < 0)
            conn_unref(conn);
    if (virConnectRegisterCloseCallback(v, on_close, conn_ref(conn), unref_cb) == 0)
        conn->close_cb_registered = TRUE;
    else
        conn_unref(conn);
    /* Keepalive notices a host that stops answering; not every driver has it. */
    virConnectSetKeepAlive(v, NV_KEEPALIVE_INTERVAL, NV_KEEPALIVE_COUNT);
    virResetLastError();
}

static void worker_open(NvConn *conn, Job *job)
{
    worker_drop_vconn(conn);
    conn->vconn = nv_virt_open_auth(conn->uri, conn->readonly, &job->error);
    if (!conn->vconn)
        return;
    g_atomic_int_inc(&conn->open_serial);
    g_hash_table_remove_all(conn->title_cache);
    memset(&conn->stats_query, 0, sizeof(conn->stats_query)); /* maybe another daemon now */
    conn->events_pending = TRUE;
}

static gboolean relist_after_events(gpointer data)
{
    nv_conn_refresh(data, NV_CHANGE_DOMAINS);
    return G_SOURCE_REMOVE;
}

/* Events are registered once the first list is on its way to the screen: on a slow link the
 * registrations are seven round trips the first page need not wait for. A relist then covers
 * what changed between that list and the registrations. */
static void worker_register_late(NvConn *conn)
{
    conn->events_pending = FALSE;
    worker_register_events(conn);
    nv_main_post(conn->main_ctx, relist_after_events, conn_ref(conn), (GDestroyNotify)conn_unref);
}

static void worker_fetch(NvConn *conn, Job *job)
{
    virConnectPtr v = conn->vconn;
    switch (job->kind) {
    case JOB_DOMAINS:
        for (guint i = 0; job->stale_titles && i < job->stale_titles->len; i++)
            g_hash_table_remove(conn->title_cache, job->stale_titles->pdata[i]);
        job->result = nv_fetch_domains_full(v, conn->title_cache, &job->samples, &job->error);
        job->result_free = (GDestroyNotify)g_ptr_array_unref;
        break;
    case JOB_STATS:
        job->samples = nv_fetch_domain_samples(v, &conn->stats_query, &job->error);
        if (job->samples) {
            /* The host's graphs are extras: without them the domains' numbers still count. */
            g_autoptr(GError) ignored = NULL;
            nv_fetch_host_sample(v, &conn->stats_query, &job->host, &ignored);
        }
        break;
    case JOB_POOLS:
        job->result = nv_fetch_pools(v, &job->error);
        job->result_free = (GDestroyNotify)g_ptr_array_unref;
        break;
    case JOB_VOLUMES:
        job->result = nv_fetch_volumes(v, job->arg, &job->error);
        job->result_free = (GDestroyNotify)g_ptr_array_unref;
        break;
    case JOB_NETWORKS:
        job->result = nv_fetch_networks(v, &job->error);
        job->result_free = (GDestroyNotify)g_ptr_array_unref;
        break;
    case JOB_IFACES:
        job->result = nv_fetch_ifaces(v, &job->error);
        job->result_free = (GDestroyNotify)g_ptr_array_unref;
        break;
    case JOB_HOST:
        job->result = nv_fetch_host(v, &job->error);
        job->result_free = (GDestroyNotify)nv_host_free;
        break;
    case JOB_DETAILS:
        job->result = nv_fetch_domain_details(v, job->arg, &job->error);
        job->result_free = (GDestroyNotify)nv_domain_details_free;
        /* A relist over a network asks nothing per domain: it reuses what details read. */
        nv_domain_extra_remember(conn->title_cache, job->arg, job->result);
        break;
    case JOB_ASYNC: {
        GError *err = NULL;
        gpointer value = job->async_work(v, nv_async_result_request(job->async), &err);
        if (err && virConnectIsAlive(v) != 1)
            job->lost = TRUE;
        nv_async_result_set(job->async, value, err);
        break;
    }
    case JOB_OPEN:
        break;
    }
}

static gboolean deliver(gpointer data);

static void worker_run(gpointer data, gpointer user_data)
{
    Job *job = data;
    NvConn *conn = job->conn;
    g_atomic_int_and(&conn->queued, ~job_bit(job->kind));

    if (g_atomic_int_get(&conn->closing) && job->kind != JOB_ASYNC) {
        job_free(job);
        return;
    }
    if (g_atomic_int_get(&conn->closing)) {
        /* An async caller always hears back (conn-async.h). */
        nv_async_result_set(job->async, NULL,
                            g_error_new(NV_ERROR, NV_ERROR_DISCONNECTED, _("connection closed")));
        nv_main_post(conn->main_ctx, deliver, job, NULL);
        return;
    }
    if (job->kind == JOB_OPEN) {
        worker_open(conn, job);
    } else if (!conn->vconn) {
        g_set_error(&job->error, NV_ERROR, NV_ERROR_DISCONNECTED, _("not connected"));
        job->lost = TRUE;
    } else {
        worker_fetch(conn, job);
        if (job->error && virConnectIsAlive(conn->vconn) != 1)
            job->lost = TRUE;
    }
    virResetLastError();
    gboolean register_now = job->kind == JOB_DOMAINS && conn->events_pending && conn->vconn;
    conn_ref(conn); /* the job, which holds a reference, may be freed once posted */
    nv_main_post(conn->main_ctx, deliver, job, NULL);
    if (register_now)
        worker_register_late(conn);
    conn_unref(conn);
}

/* ---- main thread: submitting and delivering ---- */

static void submit(NvConn *conn, JobKind kind, const char *arg)
{
    unsigned bit = job_bit(kind);
    /* Lists are idempotent: one queued request of a kind is enough. Details and volumes carry
     * a key, and their cache entry's `pending` already keeps one request per key. */
    gboolean collapsible = kind != JOB_VOLUMES && kind != JOB_DETAILS;
    if (collapsible && (g_atomic_int_or(&conn->queued, bit) & bit))
        return;
    Job *job = g_new0(Job, 1);
    job->conn = conn_ref(conn);
    job->kind = kind;
    job->generation = conn->generation;
    job->arg = g_strdup(arg);
    if (kind == JOB_DOMAINS && conn->stale_titles->len) {
        job->stale_titles = g_steal_pointer(&conn->stale_titles);
        conn->stale_titles = g_ptr_array_new_with_free_func(g_free);
    }
    if (kind == JOB_OPEN)
        conn->open_queued = TRUE;
    if (kind != JOB_STATS)
        conn->busy++;
    g_thread_pool_push(conn->worker, job, NULL);
}

static void replace_array(GPtrArray **slot, gpointer *result)
{
    g_clear_pointer(slot, g_ptr_array_unref);
    *slot = *result;
    *result = NULL;
}

static void deliver_open(NvConn *conn, Job *job)
{
    conn->open_queued = FALSE;
    if (job->error) {
        /* Never connected yet, or still down: keep trying, unless the user said no to a
         * question (asking again every few seconds would nag): then a refresh retries. */
        conn->state = NV_CONN_DISCONNECTED;
        tell(conn, NV_NOTICE_ERROR, job->error->message);
        notify(conn, NV_CHANGE_STATE);
        if (!g_error_matches(job->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
            schedule_reconnect(conn);
        return;
    }
    conn->reconnect_delay = 0;
    gboolean was_reconnect = conn->generation > 0;
    conn->generation++;
    conn->state = NV_CONN_CONNECTED;
    if (was_reconnect) {
        g_autofree char *msg = g_strdup_printf(_("reconnected to %s"), conn->uri);
        tell(conn, NV_NOTICE_INFO, msg);
    }
    /* Anything may have changed while away. */
    nv_cache_mark_stale(conn->model->domain_details, NULL);
    nv_cache_mark_stale(conn->model->pool_volumes, NULL);
    nv_cache_mark_stale(conn->model->volume_users, NULL);
    notify(conn, NV_CHANGE_STATE);
    nv_conn_refresh(conn, NV_CHANGE_ALL);
    schedule_stats(conn);
}

static void deliver_result(NvConn *conn, Job *job)
{
    NvModel *m = conn->model;
    unsigned change = 0;
    switch (job->kind) {
    case JOB_DOMAINS:
        replace_array(&m->domains, &job->result);
        nv_model_count_domains(m);
        /* The relist's stats call gives a first sample to domains that just started. */
        if (job->samples)
            nv_domain_stats_merge(m->domain_stats, job->samples, FALSE);
        nv_domain_stats_link(m->domains, m->domain_stats);
        for (guint i = 0; i < m->domains->len; i++)
            ((NvDomain *)m->domains->pdata[i])->conn = conn;
        nv_model_evict_domains(m);
        change = NV_CHANGE_DOMAINS;
        break;
    case JOB_STATS:
        /* Entries are updated in place: the links change only with the table's members. */
        if (nv_domain_stats_merge(m->domain_stats, job->samples, TRUE))
            nv_domain_stats_link(m->domains, m->domain_stats);
        nv_host_stats_update(&m->host_stats, &job->host);
        change = NV_CHANGE_STATS;
        break;
    case JOB_POOLS:
        replace_array(&m->pools, &job->result);
        for (guint i = 0; i < m->pools->len; i++)
            ((NvPool *)m->pools->pdata[i])->conn = conn;
        nv_model_evict_pools(m);
        change = NV_CHANGE_POOLS;
        break;
    case JOB_NETWORKS:
        replace_array(&m->networks, &job->result);
        for (guint i = 0; i < m->networks->len; i++)
            ((NvNetwork *)m->networks->pdata[i])->conn = conn;
        change = NV_CHANGE_NETWORKS;
        break;
    case JOB_IFACES:
        replace_array(&m->ifaces, &job->result);
        g_clear_pointer(&m->ifaces_error, g_free);
        change = NV_CHANGE_IFACES;
        break;
    case JOB_HOST:
        g_clear_pointer(&m->host, nv_host_free);
        m->host = g_steal_pointer(&job->result);
        change = NV_CHANGE_HOST;
        break;
    case JOB_VOLUMES:
        if (!nv_cache_store(m->pool_volumes, job->arg, g_steal_pointer(&job->result), NULL))
            return; /* the pool went away meanwhile */
        nv_model_evict_volumes(m, job->arg);
        change = NV_CHANGE_VOLUMES;
        break;
    case JOB_DETAILS:
        for (guint i = 0; job->result && m->domains && i < m->domains->len; i++) {
            NvDomain *d = m->domains->pdata[i];
            if (d->missing && strcmp(d->uuid, job->arg) == 0 &&
                nv_domain_fill_missing(d, job->result))
                change |= NV_CHANGE_DOMAINS;
        }
        if (!nv_cache_store(m->domain_details, job->arg, g_steal_pointer(&job->result), NULL))
            return;
        change |= NV_CHANGE_DETAILS;
        break;
    case JOB_OPEN:
    case JOB_ASYNC:
        break;
    }
    notify(conn, change);
}

/* A failed read keeps the previous list (nothing the user saw disappears) and says why. */
static void deliver_error(NvConn *conn, Job *job)
{
    NvModel *m = conn->model;
    switch (job->kind) {
    case JOB_IFACES:
        g_clear_pointer(&m->ifaces, g_ptr_array_unref);
        m->ifaces = g_ptr_array_new_with_free_func((GDestroyNotify)nv_iface_free);
        g_free(m->ifaces_error);
        m->ifaces_error = g_strdup(job->error->message);
        notify(conn, NV_CHANGE_IFACES);
        return;
    case JOB_VOLUMES:
        if (nv_cache_store(m->pool_volumes, job->arg, NULL, job->error->message))
            notify(conn, NV_CHANGE_VOLUMES);
        return;
    case JOB_DETAILS:
        if (nv_cache_store(m->domain_details, job->arg, NULL, job->error->message))
            notify(conn, NV_CHANGE_DETAILS);
        return;
    case JOB_STATS:
        /* The numbers stay as they were; saying so every two seconds would drown the status
         * line, and a lost connection is reported on its own. */
        return;
    default:
        tell(conn, NV_NOTICE_WARNING, job->error->message);
        return;
    }
}

/* A details or volumes fetch whose answer is dropped: its entry is fetched again when wanted. */
static void drop_cached(NvConn *conn, Job *job)
{
    if (job->kind == JOB_DETAILS)
        nv_cache_cancel(conn->model->domain_details, job->arg);
    else if (job->kind == JOB_VOLUMES)
        nv_cache_cancel(conn->model->pool_volumes, job->arg);
}

static void deliver_async(NvConn *conn, Job *job)
{
    /* The worker found the connection dead or missing: say so, then reconnect. */
    if (job->lost && !nv_async_result_failed(job->async))
        nv_async_result_set(job->async, NULL,
                            g_error_new(NV_ERROR, NV_ERROR_DISCONNECTED, _("not connected")));
    g_autofree char *lost = NULL;
    if (job->lost && !conn->closing)
        lost = g_strdup(nv_async_result_error_message(job->async));
    if (!conn->closing)
        nv_async_result_settle(job->async, conn);
    nv_async_result_deliver(g_steal_pointer(&job->async), conn);
    if (lost)
        set_disconnected(conn, lost);
}

static gboolean deliver(gpointer data)
{
    Job *job = data;
    NvConn *conn = job->conn;
    if (job->kind != JOB_STATS)
        conn->busy--;
    if (job->kind == JOB_ASYNC) {
        deliver_async(conn, job);
    } else if (conn->closing) {
        job_free(job);
        return G_SOURCE_REMOVE;
    } else if (job->kind == JOB_OPEN) {
        deliver_open(conn, job);
    } else if (job->generation != conn->generation) {
        /* A result from before a reconnect: a fresh request is already on its way. */
        drop_cached(conn, job);
    } else if (job->lost) {
        drop_cached(conn, job);
        set_disconnected(conn, job->error ? job->error->message : NULL);
    } else if (job->error) {
        deliver_error(conn, job);
    } else {
        deliver_result(conn, job);
    }
    job_free(job);
    return G_SOURCE_REMOVE;
}

/* ---- events (libvirt-glib runs them on the main loop) ---- */

static gboolean debounce_fire(gpointer data)
{
    NvConn *conn = data;
    conn->debounce_source = 0;
    unsigned what = conn->pending_events;
    conn->pending_events = 0;
    if (conn->state == NV_CONN_CONNECTED)
        nv_conn_refresh(conn, what);
    return G_SOURCE_REMOVE;
}

/* Events come in bursts (a start is several lifecycle events): one refresh per burst. */
static void queue_event_refresh(NvConn *conn, unsigned what)
{
    conn->pending_events |= what;
    if (!conn->debounce_source)
        conn->debounce_source = g_timeout_add(NV_EVENT_DEBOUNCE_MS, debounce_fire, conn);
}

static void domain_changed(NvConn *conn, virDomainPtr dom, gboolean title_may_change)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) < 0)
        return;
    if (title_may_change)
        g_ptr_array_add(conn->stale_titles, g_strdup(uuid));
    /* Fetched again when next wanted: after the relist this burst brings, the domain's pane
     * draws and asks for it. */
    nv_cache_mark_stale(conn->model->domain_details, uuid);
    queue_event_refresh(conn, NV_CHANGE_DOMAINS);
}

static void on_domain_lifecycle(virConnectPtr vconn, virDomainPtr dom, int event, int detail,
                                void *opaque)
{
    domain_changed(opaque, dom, event == VIR_DOMAIN_EVENT_DEFINED);
}

static void on_domain_metadata(virConnectPtr vconn, virDomainPtr dom, int type, const char *nsuri,
                               void *opaque)
{
    domain_changed(opaque, dom, TRUE);
}

static void on_pool_event(virConnectPtr vconn, virStoragePoolPtr pool, int event, int detail,
                          void *opaque)
{
    queue_event_refresh(opaque, NV_CHANGE_POOLS | NV_CHANGE_VOLUMES);
}

static void on_pool_refresh(virConnectPtr vconn, virStoragePoolPtr pool, void *opaque)
{
    queue_event_refresh(opaque, NV_CHANGE_POOLS | NV_CHANGE_VOLUMES);
}

static void on_network_event(virConnectPtr vconn, virNetworkPtr net, int event, int detail,
                             void *opaque)
{
    queue_event_refresh(opaque, NV_CHANGE_NETWORKS);
}

typedef struct {
    NvConn *conn;
    int reason;
    gint serial;
} CloseEvent;

static void close_event_free(CloseEvent *ev)
{
    conn_unref(ev->conn);
    g_free(ev);
}

static gboolean close_on_main(gpointer data)
{
    CloseEvent *ev = data;
    NvConn *conn = ev->conn;
    /* A close from before a reopen: the open it belonged to is gone already. */
    if (conn->closing || ev->serial != g_atomic_int_get(&conn->open_serial))
        return G_SOURCE_REMOVE;
    const char *why;
    switch (ev->reason) {
    case VIR_CONNECT_CLOSE_REASON_EOF:
        why = _("the daemon closed the connection");
        break;
    case VIR_CONNECT_CLOSE_REASON_KEEPALIVE:
        why = _("the host stopped answering (keepalive timeout)");
        break;
    case VIR_CONNECT_CLOSE_REASON_ERROR:
        why = _("connection error");
        break;
    default:
        why = _("connection closed");
        break;
    }
    set_disconnected(conn, why);
    return G_SOURCE_REMOVE;
}

/* libvirt calls this on whichever thread saw the end (the worker in the middle of a call, or
 * the event loop): the main loop's state is changed on the main loop only. */
static void on_close(virConnectPtr vconn, int reason, void *opaque)
{
    NvConn *conn = opaque;
    CloseEvent *ev = g_new0(CloseEvent, 1);
    ev->conn = conn_ref(conn);
    ev->reason = reason;
    ev->serial = g_atomic_int_get(&conn->open_serial);
    nv_main_post(conn->main_ctx, close_on_main, ev, (GDestroyNotify)close_event_free);
}

static gboolean stats_tick(gpointer data)
{
    NvConn *conn = data;
    if (conn->state != NV_CONN_CONNECTED) {
        conn->stats_source = 0;
        return G_SOURCE_REMOVE;
    }
    submit(conn, JOB_STATS, NULL);
    return G_SOURCE_CONTINUE;
}

/* The one timer that wakes an idle ncvirt regularly, and only while there is a host to ask. */
static void schedule_stats(NvConn *conn)
{
    g_clear_handle_id(&conn->stats_source, g_source_remove);
    if (conn->refresh_seconds && conn->state == NV_CONN_CONNECTED && !conn->closing)
        conn->stats_source = g_timeout_add_seconds(conn->refresh_seconds, stats_tick, conn);
}

static gboolean safety_relist(gpointer data)
{
    NvConn *conn = data;
    if (conn->state == NV_CONN_CONNECTED)
        nv_conn_refresh(conn, NV_CHANGE_ALL);
    return G_SOURCE_CONTINUE;
}

/* ---- public API ---- */

static void silent_error(void *data, virErrorPtr error) {}

static void silent_xml_error(void *data, const char *msg, ...) {}

void nv_virt_init(void)
{
    static gsize done = 0;
    if (g_once_init_enter(&done)) {
        /* libvirt prints errors to stderr by default, which would scribble over the screen. */
        virSetErrorFunc(NULL, silent_error);
        /* libxml2 (used by libvirt's drivers in-process, e.g. test://) prints parse warnings
         * the same way; its handlers are per thread, so set the default for new threads too. */
        xmlSetGenericErrorFunc(NULL, silent_xml_error);
        xmlThrDefSetGenericErrorFunc(NULL, silent_xml_error);
        virInitialize();
        gvir_event_register();
        g_once_init_leave(&done, 1);
    }
}

NvConn *nv_conn_new(const char *uri, gboolean readonly)
{
    NvConn *conn = g_new0(NvConn, 1);
    g_atomic_ref_count_init(&conn->refs);
    conn->uri = g_strdup(uri);
    conn->name = nv_conn_label_for_uri(uri);
    conn->readonly = readonly;
    conn->main_ctx = g_main_context_ref_thread_default();
    conn->state = NV_CONN_CONNECTING;
    conn->refresh_seconds = NV_STATS_DEFAULT_SECONDS;
    conn->model = nv_model_new();
    conn->model->conn = conn;
    conn->stale_titles = g_ptr_array_new_with_free_func(g_free);
    conn->title_cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    for (guint i = 0; i < G_N_ELEMENTS(conn->callback_ids); i++)
        conn->callback_ids[i] = -1;
    conn->worker = g_thread_pool_new(worker_run, conn, 1, FALSE, NULL);
    return conn;
}

void nv_conn_free(NvConn *conn)
{
    if (!conn)
        return;
    g_atomic_int_set(&conn->closing, TRUE);
    g_clear_handle_id(&conn->reconnect_source, g_source_remove);
    g_clear_handle_id(&conn->debounce_source, g_source_remove);
    g_clear_handle_id(&conn->safety_source, g_source_remove);
    g_clear_handle_id(&conn->stats_source, g_source_remove);
    conn->listener = NULL;
    /* Queued jobs still run, see `closing` and free themselves; a running one may be stuck on
     * a dead host, so do not wait. The close callback and event references keep conn alive
     * until libvirt lets go. */
    g_thread_pool_free(conn->worker, FALSE, FALSE);
    conn->worker = NULL;
    conn_unref(conn);
}

void nv_conn_set_listener(NvConn *conn, NvConnListener fn, gpointer data)
{
    conn->listener = fn;
    conn->listener_data = data;
}

void nv_conn_set_notify(NvConn *conn, NvConnNotifyFunc fn, gpointer data)
{
    conn->notify_fn = fn;
    conn->notify_data = data;
}

void nv_conn_start(NvConn *conn)
{
    conn->state = NV_CONN_CONNECTING;
    submit(conn, JOB_OPEN, NULL);
    if (!conn->safety_source)
        conn->safety_source = g_timeout_add_seconds(NV_SAFETY_RELIST_SECONDS, safety_relist, conn);
}

const char *nv_conn_uri(NvConn *conn)
{
    return conn->uri;
}

const char *nv_conn_name(NvConn *conn)
{
    return conn->name;
}

void nv_conn_set_name(NvConn *conn, const char *name)
{
    g_free(conn->name);
    conn->name = name && *name ? g_strdup(name) : nv_conn_label_for_uri(conn->uri);
}

gboolean nv_conn_is_readonly(NvConn *conn)
{
    return conn->readonly;
}

NvConnState nv_conn_get_state(NvConn *conn)
{
    return conn->state;
}

const NvModel *nv_conn_model(NvConn *conn)
{
    return conn->model;
}

guint nv_conn_busy(NvConn *conn)
{
    return conn->busy;
}

void nv_conn_refresh(NvConn *conn, unsigned what)
{
    /* Down with no retry on its way (the user cancelled a question): this is the retry. */
    if (conn->state == NV_CONN_DISCONNECTED && !conn->reconnect_source && !conn->open_queued &&
        !conn->closing) {
        conn->reconnect_delay = 0;
        submit(conn, JOB_OPEN, NULL);
        return;
    }
    if (conn->state != NV_CONN_CONNECTED || conn->closing)
        return;
    if (what & NV_CHANGE_DOMAINS)
        submit(conn, JOB_DOMAINS, NULL);
    if (what & NV_CHANGE_POOLS)
        submit(conn, JOB_POOLS, NULL);
    if (what & NV_CHANGE_NETWORKS)
        submit(conn, JOB_NETWORKS, NULL);
    if (what & NV_CHANGE_IFACES)
        submit(conn, JOB_IFACES, NULL);
    if (what & NV_CHANGE_HOST)
        submit(conn, JOB_HOST, NULL);
    if (what & NV_CHANGE_STATS)
        submit(conn, JOB_STATS, NULL);
    /* Cached answers are not fetched here: whoever shows one asks again (nv_conn_want_*). */
    unsigned stale = 0;
    if ((what & NV_CHANGE_VOLUMES) && nv_cache_size(conn->model->pool_volumes)) {
        nv_cache_mark_stale(conn->model->pool_volumes, NULL);
        stale |= NV_CHANGE_VOLUMES;
    }
    if ((what & NV_CHANGE_DETAILS) && nv_cache_size(conn->model->domain_details)) {
        nv_cache_mark_stale(conn->model->domain_details, NULL);
        stale |= NV_CHANGE_DETAILS;
    }
    if (stale)
        notify(conn, stale);
}

void nv_conn_set_refresh_seconds(NvConn *conn, guint seconds)
{
    conn->refresh_seconds = seconds;
    schedule_stats(conn);
}

guint nv_conn_get_refresh_seconds(NvConn *conn)
{
    return conn->refresh_seconds;
}

void nv_main_post(GMainContext *ctx, GSourceFunc fn, gpointer data, GDestroyNotify data_free)
{
    GSource *source = g_idle_source_new();
    g_source_set_priority(source, G_PRIORITY_DEFAULT);
    g_source_set_callback(source, fn, data, data_free);
    g_source_attach(source, ctx);
    g_source_unref(source);
}

void nv_conn_async(NvConn *conn, const NvAsyncSpec *spec, NvConnAsyncWork work, NvAsyncFunc done,
                   gpointer data, GDestroyNotify data_free)
{
    Job *job = g_new0(Job, 1);
    job->conn = conn_ref(conn);
    job->kind = JOB_ASYNC;
    job->generation = conn->generation;
    job->async = nv_async_result_new(spec, done, data, data_free);
    job->async_work = work;
    conn->busy++;
    if (conn->closing) /* asked from a callback after nv_conn_free: answer, do not queue */
        worker_run(job, NULL);
    else
        g_thread_pool_push(conn->worker, job, NULL);
}

void nv_conn_async_read(NvConn *conn, gconstpointer tag, const char *key, NvConnAsyncWork work,
                        GDestroyNotify value_free, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free)
{
    NvAsyncSpec spec = {
        .tag = tag, .req = g_strdup(key), .req_free = g_free, .value_free = value_free};
    nv_conn_async(conn, &spec, work, done, data, data_free);
}

/* Whether `e` needs a fetch now; if so it is marked pending (one fetch per entry at a time). */
static gboolean entry_wants_fetch(NvCacheEntry *e, gint64 max_age_us)
{
    if (e->pending)
        return FALSE;
    gboolean old = max_age_us > 0 && g_get_monotonic_time() - e->fetched_us >= max_age_us;
    if (e->fetched_us && !e->stale && !old)
        return FALSE;
    e->pending = TRUE;
    return TRUE;
}

/* The entry of `key` in `cache` when it should be fetched now, else NULL. */
static NvCacheEntry *want(NvConn *conn, NvCache *cache, const char *key, gint64 max_age_us)
{
    if (!key || conn->state != NV_CONN_CONNECTED)
        return NULL;
    NvCacheEntry *e = nv_cache_entry(cache, key);
    return entry_wants_fetch(e, max_age_us) ? e : NULL;
}

void nv_conn_want_domain_details(NvConn *conn, const char *uuid)
{
    if (want(conn, conn->model->domain_details, uuid, 0))
        submit(conn, JOB_DETAILS, uuid);
}

void nv_conn_want_pool(NvConn *conn, const char *pool)
{
    if (want(conn, conn->model->pool_volumes, pool, 0))
        submit(conn, JOB_VOLUMES, pool);
}

typedef struct {
    char *pool;
    char *volume;
    char *path;
} UsersFetch;

static void users_fetch_free(UsersFetch *f)
{
    g_free(f->pool);
    g_free(f->volume);
    g_free(f->path);
    g_free(f);
}

/* The answer: char*, the domains using the volume. */
static gpointer users_work(virConnectPtr vconn, gpointer data, GError **err)
{
    UsersFetch *f = data;
    return nv_fetch_volume_users(vconn, f->pool, f->volume, f->path, err);
}

/* `data` is the request itself, freed after this. */
static void users_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    UsersFetch *f = data;
    g_autoptr(GError) err = NULL;
    GPtrArray *users = nv_async_result_take(res, users_work, &err);
    if (nv_cache_store(conn->model->volume_users, f->path, users, err ? err->message : NULL))
        notify(conn, NV_CHANGE_VOLUMES);
}

void nv_conn_want_volume_users(NvConn *conn, const char *pool, const char *volume, const char *path)
{
    NvCacheEntry *e = want(conn, conn->model->volume_users, path, NV_USERS_MAX_AGE_US);
    if (!e)
        return;
    /* Evicted with the pool: a volume's path does not say which pool lists it. */
    g_free(e->group);
    e->group = g_strdup(pool);
    UsersFetch *f = g_new0(UsersFetch, 1);
    f->pool = g_strdup(pool);
    f->volume = g_strdup(volume);
    f->path = g_strdup(path);
    NvAsyncSpec spec = {.tag = users_work,
                        .req = f,
                        .req_free = (GDestroyNotify)users_fetch_free,
                        .value_free = (GDestroyNotify)g_ptr_array_unref};
    nv_conn_async(conn, &spec, users_work, users_done, f, NULL);
}
