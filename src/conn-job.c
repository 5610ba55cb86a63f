/* Jobs: one blocking libvirt call on a thread of its own, its progress polled through the
 * connection's worker every 500 ms, an abort on request (see conn-job-virt.h for the contract).
 * The worker must stay free for the UI, so it only looks the domain up, polls and aborts. */
#include "conn-job-virt.h"

#include <gio/gio.h>
#include <libvirt/virterror.h>

#include "conn-virt.h"
#include "error.h"
#include "virt-util.h"
#include "i18n.h"
#include "text.h"

#define NV_JOB_POLL_MS 500
/* An abort sent before the hypervisor job exists is refused; retry for this many polls. */
#define NV_JOB_ABORT_TRIES 20
/* As the connection's own keepalive: a host that stops answering ends the call. */
#define NV_JOB_KEEPALIVE_INTERVAL 3
#define NV_JOB_KEEPALIVE_COUNT 2

struct NvJob {
    gatomicrefcount refs;
    NvConn *conn;
    GMainContext *main_ctx;
    char *label;
    char *uuid;
    NvJobRunFunc run;
    NvJobPollFunc poll;
    NvJobAbortFunc abort;
    gboolean cancellable;
    NvJobProgressFunc progress;
    NvJobDoneFunc done;
    gpointer data;
    GDestroyNotify data_free;

    /* Set once on the worker before the thread starts; then only read. The connection's own
     * handles serve polls and aborts; `uri` is what the thread opens for the call itself. */
    virConnectPtr vconn;
    virDomainPtr dom;
    char *uri; /* NULL: run on `vconn` (a read-only or in-process test connection) */

    /* Main thread only. */
    gboolean running; /* the thread was started */
    gboolean finished;
    gboolean cancel_requested;
    gboolean abort_settled; /* the abort went through, or failed for good */
    guint abort_tries;
    gboolean poll_queued;
    gboolean poll_unsupported; /* the driver has no job stats: only aborts go out */
    guint poll_source;

    /* Written by the thread before it hands the job back to the main loop. */
    GError *error;
    gint cancel_flag; /* atomic: a cancel the thread sees before the call starts */
};

NvJob *nv_job_ref(NvJob *job)
{
    g_atomic_ref_count_inc(&job->refs);
    return job;
}

typedef struct {
    virConnectPtr vconn;
    virDomainPtr dom;
} Release;

/* Dropping the last reference to a connection closes it, which is a round trip: never on
 * the main loop. */
static gpointer release_thread(gpointer data)
{
    Release *r = data;
    if (r->dom)
        virDomainFree(r->dom);
    if (r->vconn)
        virConnectClose(r->vconn);
    g_free(r);
    return NULL;
}

void nv_job_unref(NvJob *job)
{
    if (!job || !g_atomic_ref_count_dec(&job->refs))
        return;
    if (job->data_free)
        job->data_free(job->data);
    if (job->dom || job->vconn) {
        Release *r = g_new0(Release, 1);
        r->vconn = job->vconn;
        r->dom = job->dom;
        g_thread_unref(g_thread_new("nv-job-free", release_thread, r));
    }
    g_clear_error(&job->error);
    g_free(job->uri);
    g_main_context_unref(job->main_ctx);
    g_free(job->label);
    g_free(job->uuid);
    g_free(job);
}

const char *nv_job_label(NvJob *job)
{
    return job->label;
}

gboolean nv_job_can_cancel(NvJob *job)
{
    return job->cancellable && !job->finished;
}

gboolean nv_job_is_finished(NvJob *job)
{
    return job->finished;
}

static void finish(NvJob *job, const GError *err)
{
    if (job->finished)
        return;
    job->finished = TRUE;
    g_clear_handle_id(&job->poll_source, g_source_remove);
    if (job->done)
        job->done(job, err, job->data);
}

static void set_cancelled(GError **err, const GError *why)
{
    if (why)
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled: %s"), why->message);
    else
        g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled"));
}

/* ---- default poll and abort ---- */

static gboolean fraction_of(unsigned long long processed, unsigned long long total,
                            double *fraction, char **detail)
{
    if (total == 0)
        return FALSE;
    *fraction = CLAMP((double)processed / (double)total, 0.0, 1.0);
    g_autofree char *done = nv_format_bytes(processed);
    g_autofree char *all = nv_format_bytes(total);
    *detail = g_strdup_printf(_("%s of %s"), done, all);
    return TRUE;
}

gboolean nv_job_poll_domain(virConnectPtr conn, virDomainPtr dom, gpointer data, double *fraction,
                            char **detail)
{
    if (!dom)
        return FALSE;
    int type = VIR_DOMAIN_JOB_NONE, n = 0;
    virTypedParameterPtr params = NULL;
    if (virDomainGetJobStats(dom, &type, &params, &n, 0) == 0) {
        unsigned long long total = 0, processed = 0, remaining = 0;
        gboolean have =
            virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DATA_TOTAL, &total) == 1 &&
            virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &processed) == 1;
        if (!have || total == 0)
            have = virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_MEMORY_TOTAL, &total) == 1 &&
                   virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_MEMORY_PROCESSED,
                                           &processed) == 1;
        /* The total counts pages that are never sent (zero pages): with what is left known,
         * processed + remaining is what the job will really move. */
        if (have &&
            virTypedParamsGetULLong(params, n, VIR_DOMAIN_JOB_DATA_REMAINING, &remaining) == 1 &&
            processed + remaining > 0 && processed + remaining < total)
            total = processed + remaining;
        virTypedParamsFree(params, n);
        return type != VIR_DOMAIN_JOB_NONE && have &&
               fraction_of(processed, total, fraction, detail);
    }
    /* Older drivers have only the fixed structure. */
    virDomainJobInfo info;
    if (virDomainGetJobInfo(dom, &info) < 0)
        return FALSE;
    unsigned long long total = info.dataTotal;
    if (info.dataRemaining > 0 && info.dataProcessed + info.dataRemaining < total)
        total = info.dataProcessed + info.dataRemaining;
    return info.type != VIR_DOMAIN_JOB_NONE &&
           fraction_of(info.dataProcessed, total, fraction, detail);
}

static gboolean abort_domain(virConnectPtr conn, virDomainPtr dom, gpointer data, GError **err)
{
    if (!dom) {
        g_set_error_literal(err, NV_ERROR, NV_ERROR_NO_SUPPORT, _("this job cannot be aborted"));
        return FALSE;
    }
    g_autofree char *name = g_strdup(virDomainGetName(dom));
    if (virDomainAbortJob(dom) == 0)
        return TRUE;
    nv_set_virt_error(err, _("cannot abort the job of '%s'"), name);
    return FALSE;
}

/* ---- polling (main loop -> worker -> main loop) ---- */

typedef struct {
    NvJob *job;
    gboolean do_abort;
    gboolean do_poll;
    gboolean aborted;
    int abort_code; /* libvirt's error code when the abort failed */
    GError *abort_error;
    gboolean have;
    double fraction;
    char *detail;
    gboolean unsupported;
} Poll;

static void poll_free(Poll *p)
{
    nv_job_unref(p->job);
    g_clear_error(&p->abort_error);
    g_free(p->detail);
    g_free(p);
}

static gpointer poll_work(virConnectPtr vconn, gpointer data, GError **err)
{
    Poll *p = data;
    NvJob *job = p->job;
    if (p->do_abort) {
        NvJobAbortFunc fn = job->abort ? job->abort : abort_domain;
        p->aborted = fn(job->vconn, job->dom, job->data, &p->abort_error);
        if (!p->aborted) {
            virErrorPtr e = virGetLastError();
            p->abort_code = e ? e->code : VIR_ERR_OK;
        }
        virResetLastError();
    }
    if (p->do_poll) {
        NvJobPollFunc fn = job->poll ? job->poll : nv_job_poll_domain;
        p->fraction = -1;
        p->have = fn(job->vconn, job->dom, job->data, &p->fraction, &p->detail);
        if (!p->have) {
            virErrorPtr e = virGetLastError();
            p->unsupported = e && e->code == VIR_ERR_NO_SUPPORT;
            p->fraction = -1;
        }
        virResetLastError();
    }
    return NV_ASYNC_OK;
}

static void abort_result(NvJob *job, Poll *p)
{
    if (p->aborted) {
        job->abort_settled = TRUE;
        return;
    }
    /* "no job is active": the call has not started its hypervisor job yet. */
    if (p->abort_code == VIR_ERR_OPERATION_INVALID && ++job->abort_tries < NV_JOB_ABORT_TRIES)
        return;
    job->abort_settled = TRUE;
    if (job->progress) {
        g_autofree char *note =
            g_strdup_printf(_("cannot cancel: %s"), p->abort_error ? p->abort_error->message : "");
        job->progress(job, -1, note, job->data);
    }
}

/* `data` is the request itself, freed after this. */
static void poll_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Poll *p = data;
    NvJob *job = p->job;
    g_autoptr(GError) err = NULL;
    nv_async_result_ok(res, poll_work, &err);
    job->poll_queued = FALSE;
    if (job->finished || err)
        return;
    if (p->do_abort)
        abort_result(job, p);
    if (p->unsupported)
        job->poll_unsupported = TRUE;
    if (!p->do_poll || !job->progress)
        return;
    if (job->cancel_requested && !p->have)
        job->progress(job, -1, _("cancelling…"), job->data);
    else
        job->progress(job, p->have ? p->fraction : -1, p->detail, job->data);
}

static void poll_now(NvJob *job)
{
    if (job->finished || job->poll_queued || !job->running)
        return;
    gboolean do_abort = job->cancel_requested && !job->abort_settled;
    gboolean do_poll = !job->poll_unsupported && (job->poll || job->dom);
    if (!do_abort && !do_poll)
        return;
    Poll *p = g_new0(Poll, 1);
    p->job = nv_job_ref(job);
    p->do_abort = do_abort;
    p->do_poll = do_poll;
    job->poll_queued = TRUE;
    NvAsyncSpec spec = {.tag = poll_work, .req = p, .req_free = (GDestroyNotify)poll_free};
    nv_conn_async(job->conn, &spec, poll_work, poll_done, p, NULL);
}

static gboolean poll_tick(gpointer data)
{
    NvJob *job = data;
    if (job->finished) {
        job->poll_source = 0;
        return G_SOURCE_REMOVE;
    }
    poll_now(job);
    return G_SOURCE_CONTINUE;
}

/* ---- the call's own thread ---- */

static gboolean thread_returned(gpointer data)
{
    NvJob *job = data;
    g_autoptr(GError) err = g_steal_pointer(&job->error);
    if (err && job->cancel_requested) {
        g_autoptr(GError) cancelled = NULL;
        set_cancelled(&cancelled, err);
        finish(job, cancelled);
        return G_SOURCE_REMOVE;
    }
    finish(job, err);
    return G_SOURCE_REMOVE;
}

/* A connection of the job's own, so the call cannot hold up the UI's: with libvirt 9.0 and
 * libvirtd, while one thread waits in virDomainManagedSave every later call on the same
 * connection (virDomainGetState, GetJobStats, AbortJob) waits for it to end, so the lists,
 * the progress and the cancel would all stall. NULL when it cannot be had: the caller then
 * shares the worker's connection. */
static virConnectPtr open_own(NvJob *job, virDomainPtr *dom)
{
    if (!job->uri)
        return NULL;
    /* Opened as the connection's own: the user's answers through the UI, ssh in BatchMode
     * first, a failure (or a cancelled question) falls back on the shared connection. */
    g_autoptr(GError) err = NULL;
    virConnectPtr own = nv_virt_open_auth(job->uri, FALSE, &err);
    if (own && job->uuid && !(*dom = virDomainLookupByUUIDString(own, job->uuid))) {
        virConnectClose(own);
        own = NULL;
    }
    if (own)
        virConnectSetKeepAlive(own, NV_JOB_KEEPALIVE_INTERVAL, NV_JOB_KEEPALIVE_COUNT);
    virResetLastError();
    return own;
}

static gpointer job_thread(gpointer data)
{
    NvJob *job = data;
    GError *err = NULL;
    virDomainPtr own_dom = NULL;
    virConnectPtr own = open_own(job, &own_dom);
    /* Opening a connection to a remote host takes a while: the user may have given up. */
    if (g_atomic_int_get(&job->cancel_flag))
        g_set_error(&err, NV_ERROR, NV_ERROR_FAILED, _("%s did not start"), job->label);
    else if (!job->run(own ? own : job->vconn, own ? own_dom : job->dom, job->data, &err) && !err)
        g_set_error(&err, NV_ERROR, NV_ERROR_FAILED, _("%s failed"), job->label);
    virResetLastError();
    if (own_dom)
        virDomainFree(own_dom);
    if (own)
        virConnectClose(own);
    job->error = err;
    /* The reference this thread held goes with the invocation. */
    nv_main_post(job->main_ctx, thread_returned, job, (GDestroyNotify)nv_job_unref);
    return NULL;
}

/* ---- start: look the domain up on the worker, then run on a thread ---- */

/* Is the connection writable? libvirt checks read-only before the arguments, on the client:
 * this call with no parameters fails at once either way, without asking the host. */
static gboolean writable(virConnectPtr vconn)
{
    virNodeSetMemoryParameters(vconn, NULL, 0, 0);
    gboolean denied = virGetLastErrorCode() == VIR_ERR_OPERATION_DENIED;
    virResetLastError();
    return !denied;
}

/* The URI for the job's own connection, or NULL to share the worker's: the test driver keeps
 * its state per connection (a second one would see another host, also through a daemon,
 * test+ssh://), and a read-only connection must not turn into a writable one. The URI the
 * user gave, not the one opened: that may carry the no_tty=1 of ssh's BatchMode (conn-auth.h),
 * which would leave no way to ask. */
static char *own_connection_uri(virConnectPtr vconn, const char *given)
{
    char *uri = virConnectGetURI(vconn);
    g_autofree char *out = g_strdup(uri);
    free(uri);
    virResetLastError();
    if (!out || g_str_has_prefix(out, "test:") || g_str_has_prefix(out, "test+") ||
        !writable(vconn))
        return NULL;
    return g_strdup(given ? given : out);
}

static gpointer prepare_work(virConnectPtr vconn, gpointer data, GError **err)
{
    NvJob *job = data;
    g_autoptr(virDomain) dom = NULL;
    if (job->uuid) {
        dom = virDomainLookupByUUIDString(vconn, job->uuid);
        if (!dom) {
            nv_set_virt_error(err, _("cannot find domain %s"), job->uuid);
            return NULL;
        }
    }
    if (virConnectRef(vconn) < 0) {
        nv_set_virt_error(err, _("cannot start %s"), job->label);
        return NULL;
    }
    job->vconn = vconn;
    job->dom = g_steal_pointer(&dom);
    job->uri = own_connection_uri(vconn, nv_conn_uri(job->conn));
    return NV_ASYNC_OK;
}

static void prepare_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    NvJob *job = data;
    g_autoptr(GError) err = NULL;
    if (!nv_async_result_ok(res, prepare_work, &err)) {
        finish(job, err);
        return;
    }
    if (job->cancel_requested) {
        g_autoptr(GError) cancelled = NULL;
        set_cancelled(&cancelled, NULL);
        finish(job, cancelled);
        return;
    }
    g_autoptr(GError) terr = NULL;
    GThread *t = g_thread_try_new("nv-job", job_thread, nv_job_ref(job), &terr);
    if (!t) {
        nv_job_unref(job);
        g_autoptr(GError) e = NULL;
        g_set_error(&e, NV_ERROR, NV_ERROR_FAILED, _("cannot start %s: %s"), job->label,
                    terr->message);
        finish(job, e);
        return;
    }
    g_thread_unref(t);
    job->running = TRUE;
    job->poll_source = g_timeout_add_full(G_PRIORITY_DEFAULT, NV_JOB_POLL_MS, poll_tick,
                                          nv_job_ref(job), (GDestroyNotify)nv_job_unref);
}

NvJob *nv_job_start(NvConn *conn, const NvJobSpec *spec)
{
    g_return_val_if_fail(spec->run != NULL, NULL);
    NvJob *job = g_new0(NvJob, 1);
    g_atomic_ref_count_init(&job->refs);
    job->conn = conn;
    job->main_ctx = g_main_context_ref_thread_default();
    job->label = g_strdup(spec->label ? spec->label : "");
    job->uuid = g_strdup(spec->uuid);
    job->run = spec->run;
    job->poll = spec->poll;
    job->abort = spec->abort;
    job->cancellable = spec->cancellable;
    job->progress = spec->progress;
    job->done = spec->done;
    job->data = spec->data;
    job->data_free = spec->data_free;
    /* The request is the job itself; the reference `data` holds keeps it for the work. */
    NvAsyncSpec prepare = {.tag = prepare_work, .req = job};
    nv_conn_async(conn, &prepare, prepare_work, prepare_done, nv_job_ref(job),
                  (GDestroyNotify)nv_job_unref);
    return job;
}

gboolean nv_job_cancel(NvJob *job)
{
    if (!job->cancellable || job->finished)
        return FALSE;
    if (job->cancel_requested)
        return TRUE;
    job->cancel_requested = TRUE;
    g_atomic_int_set(&job->cancel_flag, 1);
    /* Not started yet: prepare_done sees the flag. Running: the abort goes out now. */
    poll_now(job);
    return TRUE;
}
