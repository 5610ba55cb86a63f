/* Actions on domains through the connection's worker: lifecycle on a list of domains with a
 * result per domain, managed save and restore as jobs, rename, delete with a plan of the
 * storage it would take along, and defining an edited XML without ever defining another
 * domain by mistake. */
#include "domain-actions.h"

#include <string.h>

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>

#include "conn-virt.h"
#include "error.h"
#include "i18n.h"
#include "names.h"
#include "conn-job-virt.h"
#include "virt-util.h"
#include "xml-devices.h"
#include "xml-tree.h"

/* ---- results and summaries ---- */

void nv_op_result_free(NvOpResult *r)
{
    if (!r)
        return;
    g_free(r->uuid);
    g_free(r->name);
    g_free(r->message);
    g_free(r);
}

static char *op_one_sentence(NvDomainOp op, const char *name);
static char *op_count_sentence(NvDomainOp op, guint count);

char *nv_op_summary(GPtrArray *results)
{
    if (!results || results->len == 0)
        return g_strdup(_("nothing to do"));
    if (results->len == 1) {
        NvOpResult *r = results->pdata[0];
        if (!r->ok)
            return g_strdup(r->message);
        g_autofree char *sentence = op_one_sentence(r->did, r->name);
        if (*r->message)
            /* TRANSLATORS: a done operation ("started 'web-01'") and a note about it. */
            return g_strdup_printf(_("%s (%s)"), sentence, r->message);
        return g_steal_pointer(&sentence);
    }
    /* Counts per action, in the order they first appear (a toggle pauses and resumes). */
    GArray *ops = g_array_new(FALSE, TRUE, sizeof(NvDomainOp));
    GArray *counts = g_array_new(FALSE, TRUE, sizeof(guint));
    guint failed = 0;
    const NvOpResult *first_failure = NULL;
    for (guint i = 0; i < results->len; i++) {
        NvOpResult *r = results->pdata[i];
        if (!r->ok) {
            if (!first_failure)
                first_failure = r;
            failed++;
            continue;
        }
        guint j = 0;
        while (j < ops->len && g_array_index(ops, NvDomainOp, j) != r->did)
            j++;
        if (j == ops->len) {
            guint zero = 0;
            g_array_append_val(ops, r->did);
            g_array_append_val(counts, zero);
        }
        g_array_index(counts, guint, j)++;
    }
    GString *s = g_string_new("");
    for (guint j = 0; j < ops->len; j++) {
        g_autofree char *part =
            op_count_sentence(g_array_index(ops, NvDomainOp, j), g_array_index(counts, guint, j));
        g_string_append_printf(s, "%s%s", j ? ", " : "", part);
    }
    if (failed && s->len)
        g_string_append(s, ", ");
    if (failed == 1)
        g_string_append_printf(s, _("failed %u: %s"), failed, first_failure->message);
    else if (failed)
        g_string_append_printf(
            s, ngettext("failed %u: %s (and %u more)", "failed %u: %s (and %u more)", failed - 1),
            failed, first_failure->message, failed - 1);
    g_array_unref(ops);
    g_array_unref(counts);
    return g_string_free(s, FALSE);
}

/* ---- lifecycle on a list of domains ---- */

typedef struct {
    gatomicrefcount refs;
    NvConn *conn;
    NvDomainOp op;
    GStrv uuids;
    GPtrArray *results; /* NvOpResult*, one per UUID */
    GArray *job_items;  /* guint indices into results that still need a job */
    guint jobs_left;
    NvOpEvents cb;
    NvAsyncFunc done;
    gpointer data;
    GDestroyNotify data_free;
} OpRun;

static OpRun *op_run_ref(OpRun *run)
{
    g_atomic_ref_count_inc(&run->refs);
    return run;
}

static void op_run_unref(OpRun *run)
{
    if (!run || !g_atomic_ref_count_dec(&run->refs))
        return;
    if (run->data_free)
        run->data_free(run->data);
    g_strfreev(run->uuids);
    g_ptr_array_unref(run->results);
    g_array_unref(run->job_items);
    g_free(run);
}

static NvOpResult *result_new(const char *uuid, NvDomainOp did)
{
    NvOpResult *r = g_new0(NvOpResult, 1);
    r->uuid = g_strdup(uuid);
    r->name = g_strdup(uuid);
    r->did = did;
    r->message = g_strdup("");
    return r;
}

static void result_fail(NvOpResult *r, const GError *err)
{
    r->ok = FALSE;
    g_free(r->message);
    r->message = g_strdup(err->message);
}

static void result_ok(NvOpResult *r, const char *note)
{
    r->ok = TRUE;
    g_free(r->message);
    r->message = g_strdup(note ? note : "");
}

/* Shut down or reboot by the ACPI power button; a driver that cannot choose the method (the
 * test driver) gets the plain call, and the result says so. */
static int acpi_call(virDomainPtr dom, gboolean reboot, const char **note)
{
    int rc = reboot ? virDomainReboot(dom, VIR_DOMAIN_REBOOT_ACPI_POWER_BTN)
                    : virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_ACPI_POWER_BTN);
    if (rc == 0 || !nv_virt_last_error_is_flags())
        return rc;
    *note = _("the driver chose the method: it has no ACPI power button");
    return reboot ? virDomainReboot(dom, 0) : virDomainShutdown(dom);
}

/* The calls of the lifecycle operations, on the worker: libvirt's return code, or OP_NEEDS_JOB
 * when the operation takes long enough to run as a job instead. */
enum { OP_NEEDS_JOB = 1 };

static int call_start(virDomainPtr dom, NvOpResult *r, const char **note)
{
    /* virDomainCreate restores a managed save by itself, which takes as long as reading the
     * guest's memory back: run that as a job. */
    if (virDomainHasManagedSaveImage(dom, 0) > 0 && virDomainIsActive(dom) == 0)
        return OP_NEEDS_JOB;
    return virDomainCreate(dom);
}

static int call_needs_job(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return OP_NEEDS_JOB;
}

static int call_shutdown_acpi(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return acpi_call(dom, FALSE, note);
}

static int call_shutdown_agent(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainShutdownFlags(dom, VIR_DOMAIN_SHUTDOWN_GUEST_AGENT);
}

static int call_reboot(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return acpi_call(dom, TRUE, note);
}

static int call_reset(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainReset(dom, 0);
}

static int call_force_off(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainDestroy(dom);
}

static int call_suspend(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainSuspend(dom);
}

static int call_resume(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainResume(dom);
}

static int call_pause_toggle(virDomainPtr dom, NvOpResult *r, const char **note)
{
    int state = 0, reason = 0;
    gboolean paused = virDomainGetState(dom, &state, &reason, 0) == 0 && state == VIR_DOMAIN_PAUSED;
    r->did = paused ? NV_DOMAIN_OP_RESUME : NV_DOMAIN_OP_SUSPEND;
    return paused ? virDomainResume(dom) : virDomainSuspend(dom);
}

static int call_autostart_on(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainSetAutostart(dom, 1);
}

static int call_autostart_off(virDomainPtr dom, NvOpResult *r, const char **note)
{
    return virDomainSetAutostart(dom, 0);
}

typedef int (*OpCall)(virDomainPtr dom, NvOpResult *r, const char **note);

/* Every lifecycle operation: the key action that runs it (NV_ACTION_COUNT: none of its own),
 * its verb, the whole sentences of its summary (one domain by name; a count, singular and
 * plural for ngettext), the start of its failure message and its call. */
static const struct {
    NvDomainOp op;
    NvAction action;
    const char *verb;     /* N_() */
    const char *one;      /* N_(), with the domain's name */
    const char *count[2]; /* NP_(): singular and plural, with the count */
    const char *failure;  /* N_(), with the domain's name */
    OpCall call;          /* NULL: resolved to another operation before it runs */
} domain_ops[] = {
    {NV_DOMAIN_OP_START,
     NV_ACTION_START,
     N_("started"),
     N_("started '%s'"),
     {NP_("started %u", "started %u")},
     N_("cannot start '%s'"),
     call_start},
    {NV_DOMAIN_OP_SHUTDOWN_ACPI,
     NV_ACTION_SHUTDOWN,
     N_("shutting down"),
     N_("shutting down '%s'"),
     {NP_("shutting down %u", "shutting down %u")},
     N_("cannot shut down '%s'"),
     call_shutdown_acpi},
    {NV_DOMAIN_OP_SHUTDOWN_AGENT,
     NV_ACTION_COUNT,
     N_("shutting down"),
     N_("shutting down '%s'"),
     {NP_("shutting down %u", "shutting down %u")},
     N_("cannot shut down '%s'"),
     call_shutdown_agent},
    {NV_DOMAIN_OP_REBOOT,
     NV_ACTION_REBOOT,
     N_("rebooting"),
     N_("rebooting '%s'"),
     {NP_("rebooting %u", "rebooting %u")},
     N_("cannot reboot '%s'"),
     call_reboot},
    {NV_DOMAIN_OP_RESET,
     NV_ACTION_RESET,
     N_("reset"),
     N_("reset '%s'"),
     {NP_("reset %u", "reset %u")},
     N_("cannot reset '%s'"),
     call_reset},
    {NV_DOMAIN_OP_FORCE_OFF,
     NV_ACTION_FORCE_OFF,
     N_("forced off"),
     N_("forced off '%s'"),
     {NP_("forced off %u", "forced off %u")},
     N_("cannot force off '%s'"),
     call_force_off},
    {NV_DOMAIN_OP_SUSPEND,
     NV_ACTION_COUNT,
     N_("paused"),
     N_("paused '%s'"),
     {NP_("paused %u", "paused %u")},
     N_("cannot pause '%s'"),
     call_suspend},
    {NV_DOMAIN_OP_RESUME,
     NV_ACTION_COUNT,
     N_("resumed"),
     N_("resumed '%s'"),
     {NP_("resumed %u", "resumed %u")},
     N_("cannot resume '%s'"),
     call_resume},
    {NV_DOMAIN_OP_PAUSE_TOGGLE,
     NV_ACTION_PAUSE,
     N_("paused"),
     N_("paused '%s'"),
     {NP_("paused %u", "paused %u")},
     N_("cannot pause '%s'"),
     call_pause_toggle},
    {NV_DOMAIN_OP_MANAGED_SAVE,
     NV_ACTION_MANAGED_SAVE,
     N_("saved"),
     N_("saved '%s'"),
     {NP_("saved %u", "saved %u")},
     N_("cannot save '%s'"),
     call_needs_job},
    {NV_DOMAIN_OP_AUTOSTART_ON,
     NV_ACTION_COUNT,
     N_("autostart on for"),
     N_("autostart on for '%s'"),
     {NP_("autostart on for %u", "autostart on for %u")},
     N_("cannot turn autostart on for '%s'"),
     call_autostart_on},
    {NV_DOMAIN_OP_AUTOSTART_OFF,
     NV_ACTION_COUNT,
     N_("autostart off for"),
     N_("autostart off for '%s'"),
     {NP_("autostart off for %u", "autostart off for %u")},
     N_("cannot turn autostart off for '%s'"),
     call_autostart_off},
    {NV_DOMAIN_OP_AUTOSTART_TOGGLE,
     NV_ACTION_AUTOSTART,
     N_("autostart on for"),
     N_("autostart on for '%s'"),
     {NP_("autostart on for %u", "autostart on for %u")},
     N_("cannot turn autostart on for '%s'"),
     NULL},
};

/* The table is in the enum's order, so an operation is its own index. */
G_STATIC_ASSERT(G_N_ELEMENTS(domain_ops) == NV_DOMAIN_OP_AUTOSTART_TOGGLE + 1);

const char *nv_domain_op_verb(NvDomainOp op)
{
    g_return_val_if_fail((guint)op < G_N_ELEMENTS(domain_ops), "");
    return _(domain_ops[op].verb);
}

/* The summary sentences of the table are literals with one %s (the name) or one %u (the
 * count) each. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

/* "started 'web-01'": the operation's own sentence, not a verb glued to a name. */
static char *op_one_sentence(NvDomainOp op, const char *name)
{
    g_return_val_if_fail((guint)op < G_N_ELEMENTS(domain_ops), g_strdup(name));
    return g_strdup_printf(_(domain_ops[op].one), name);
}

/* "started 3". */
static char *op_count_sentence(NvDomainOp op, guint count)
{
    g_return_val_if_fail((guint)op < G_N_ELEMENTS(domain_ops), g_strdup(""));
    return g_strdup_printf(ngettext(domain_ops[op].count[0], domain_ops[op].count[1], count),
                           count);
}

#pragma GCC diagnostic pop

gboolean nv_domain_op_for_action(NvAction action, NvDomainOp *op)
{
    for (guint i = 0; action != NV_ACTION_COUNT && i < G_N_ELEMENTS(domain_ops); i++) {
        if (domain_ops[i].action == action) {
            *op = domain_ops[i].op;
            return TRUE;
        }
    }
    return FALSE;
}

/* One domain, on the worker. Returns TRUE when it needs a job instead (left pending). */
static gboolean op_one(virDomainPtr dom, NvDomainOp op, NvOpResult *r)
{
    g_assert(domain_ops[op].op == op && domain_ops[op].call); /* a toggle is resolved before */
    const char *note = NULL;
    int rc = domain_ops[op].call(dom, r, &note);
    if (rc == OP_NEEDS_JOB)
        return TRUE;
    if (rc < 0) {
        g_autoptr(GError) err = NULL;
        /* The failure texts of the table are literals with one %s each, for the name. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
        nv_set_virt_error(&err, _(domain_ops[r->did].failure), r->name);
#pragma GCC diagnostic pop
        result_fail(r, err);
    } else {
        result_ok(r, note);
    }
    return FALSE;
}

/* Toggling autostart on several domains: all on, unless all are on already. */
static NvDomainOp autostart_direction(virDomainPtr *doms, guint n)
{
    for (guint i = 0; i < n; i++) {
        int on = 0;
        if (doms[i] && (virDomainGetAutostart(doms[i], &on) < 0 || !on))
            return NV_DOMAIN_OP_AUTOSTART_ON;
    }
    return NV_DOMAIN_OP_AUTOSTART_OFF;
}

static gpointer op_work(virConnectPtr vconn, gpointer data, GError **err)
{
    OpRun *run = data;
    guint n = g_strv_length(run->uuids);
    g_autofree virDomainPtr *doms = g_new0(virDomainPtr, MAX(n, 1));
    for (guint i = 0; i < n; i++) {
        NvOpResult *r = run->results->pdata[i];
        doms[i] = virDomainLookupByUUIDString(vconn, run->uuids[i]);
        if (!doms[i]) {
            g_autoptr(GError) e = NULL;
            nv_set_virt_error(&e, _("cannot find domain %s"), run->uuids[i]);
            result_fail(r, e);
            continue;
        }
        g_free(r->name);
        r->name = g_strdup(virDomainGetName(doms[i]));
    }
    NvDomainOp op = run->op;
    if (op == NV_DOMAIN_OP_AUTOSTART_TOGGLE)
        op = autostart_direction(doms, n);
    for (guint i = 0; i < n; i++) {
        if (!doms[i])
            continue;
        NvOpResult *r = run->results->pdata[i];
        r->did = op;
        if (op_one(doms[i], op, r))
            g_array_append_val(run->job_items, i);
        virResetLastError();
        virDomainFree(doms[i]);
    }
    return NV_ASYNC_OK;
}

static void op_finish(OpRun *run)
{
    nv_conn_refresh(run->conn, NV_CHANGE_DOMAINS | NV_CHANGE_DETAILS);
    /* `data` stays the run's: the jobs' events may still hold it. */
    NvAsyncSpec spec = {.tag = nv_domain_op_async, .value_free = (GDestroyNotify)g_ptr_array_unref};
    NvAsyncResult *res = nv_async_result_new(&spec, run->done, run->data, NULL);
    nv_async_result_set(res, g_ptr_array_ref(run->results), NULL);
    nv_async_result_deliver(res, run->conn);
}

GPtrArray *nv_domain_op_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_domain_op_async, err);
}

typedef struct {
    OpRun *run;
    guint index;
} OpJob;

static void op_job_free(OpJob *j)
{
    op_run_unref(j->run);
    g_free(j);
}

/* The name is read before the call: every libvirt call clears the last error. */
static gboolean run_restore(virConnectPtr conn, virDomainPtr dom, gpointer data, GError **err)
{
    g_autofree char *name = g_strdup(virDomainGetName(dom));
    if (virDomainCreate(dom) == 0)
        return TRUE;
    nv_set_virt_error(err, _("cannot start '%s'"), name);
    return FALSE;
}

static gboolean run_save(virConnectPtr conn, virDomainPtr dom, gpointer data, GError **err)
{
    g_autofree char *name = g_strdup(virDomainGetName(dom));
    if (virDomainManagedSave(dom, 0) == 0)
        return TRUE;
    nv_set_virt_error(err, _("cannot save '%s'"), name);
    return FALSE;
}

static void op_job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    OpJob *j = data;
    if (j->run->cb.job_progress)
        j->run->cb.job_progress(job, fraction, detail, j->run->data);
}

static void op_job_done(NvJob *job, const GError *err, gpointer data)
{
    OpJob *j = data;
    OpRun *run = j->run;
    NvOpResult *r = run->results->pdata[j->index];
    if (err)
        result_fail(r, err);
    else
        result_ok(r, r->did == NV_DOMAIN_OP_START ? _("restored from its managed save") : NULL);
    if (run->cb.job_ended)
        run->cb.job_ended(job, run->data);
    if (--run->jobs_left == 0)
        op_finish(run);
}

static void op_start_jobs(OpRun *run)
{
    run->jobs_left = run->job_items->len;
    for (guint k = 0; k < run->job_items->len; k++) {
        guint i = g_array_index(run->job_items, guint, k);
        NvOpResult *r = run->results->pdata[i];
        gboolean save = r->did == NV_DOMAIN_OP_MANAGED_SAVE;
        g_autofree char *label =
            g_strdup_printf(save ? _("managed save %s") : _("restoring %s"), r->name);
        OpJob *j = g_new0(OpJob, 1);
        j->run = op_run_ref(run);
        j->index = i;
        NvJobSpec spec = {
            .label = label,
            .uuid = r->uuid,
            .run = save ? run_save : run_restore,
            /* An incoming restore has no job libvirt can abort. */
            .cancellable = save,
            .progress = op_job_progress,
            .done = op_job_done,
            .data = j,
            .data_free = (GDestroyNotify)op_job_free,
        };
        g_autoptr(NvJob) job = nv_job_start(run->conn, &spec);
        if (run->cb.job_started && !nv_job_is_finished(job))
            run->cb.job_started(job, run->data);
    }
}

static void op_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    OpRun *run = data;
    g_autoptr(GError) err = NULL;
    if (!nv_async_result_ok(res, op_work, &err)) {
        /* No connection: every domain failed the same way. */
        for (guint i = 0; i < run->results->len; i++)
            result_fail(run->results->pdata[i], err);
        g_array_set_size(run->job_items, 0);
    }
    if (run->job_items->len == 0) {
        op_finish(run);
        return;
    }
    op_start_jobs(run);
}

void nv_domain_op_async(NvConn *conn, NvDomainOp op, const char *const *uuids,
                        const NvOpEvents *events, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free)
{
    OpRun *run = g_new0(OpRun, 1);
    g_atomic_ref_count_init(&run->refs);
    run->conn = conn;
    run->op = op;
    run->uuids = g_strdupv((char **)uuids);
    run->results = g_ptr_array_new_with_free_func((GDestroyNotify)nv_op_result_free);
    for (guint i = 0; run->uuids[i]; i++)
        g_ptr_array_add(run->results, result_new(run->uuids[i], op));
    run->job_items = g_array_new(FALSE, FALSE, sizeof(guint));
    if (events)
        run->cb = *events;
    run->done = done;
    run->data = data;
    run->data_free = data_free;
    /* The run is the request too; the reference `data` holds keeps it for the work. */
    NvAsyncSpec spec = {.tag = op_work, .req = run};
    nv_conn_async(conn, &spec, op_work, op_done, run, (GDestroyNotify)op_run_unref);
}

/* ---- rename ---- */

gboolean nv_domain_name_check(const NvModel *model, const char *uuid, const char *name,
                              GError **err)
{
    if (!nv_name_check(NV_NAME_DOMAIN, name, err))
        return FALSE;
    for (guint i = 0; model && model->domains && i < model->domains->len; i++) {
        const NvDomain *d = model->domains->pdata[i];
        if (strcmp(d->name, name) != 0)
            continue;
        if (g_strcmp0(d->uuid, uuid) == 0)
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("'%s' is its name already"), name);
        else
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("a domain named '%s' exists already"),
                        name);
        return FALSE;
    }
    return TRUE;
}

/* The request of a rename: the domain and its new name. */
typedef struct {
    char *uuid;
    char *new_name;
} RenameReq;

static void rename_req_free(RenameReq *r)
{
    g_free(r->uuid);
    g_free(r->new_name);
    g_free(r);
}

static gpointer rename_work(virConnectPtr vconn, gpointer data, GError **err)
{
    RenameReq *r = data;
    const char *new_name = r->new_name;
    if (!nv_domain_name_check(NULL, r->uuid, new_name, err))
        return NULL;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, r->uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), r->uuid);
        return NULL;
    }
    g_autofree char *old = g_strdup(virDomainGetName(dom));
    gboolean ok = FALSE;
    g_autoptr(virDomain) other = virDomainLookupByName(vconn, new_name);
    if (other) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("a domain named '%s' exists already"),
                    new_name);
    } else if (virDomainIsActive(dom) == 1) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("cannot rename '%s': shut it off first (only a stopped domain can be "
                      "renamed)"),
                    old);
    } else if (virDomainRename(dom, new_name, 0) < 0) {
        nv_set_virt_error(err, _("cannot rename '%s' to '%s'"), old, new_name);
    } else {
        ok = TRUE;
    }
    return ok ? NV_ASYNC_OK : NULL;
}

void nv_domain_rename_async(NvConn *conn, const char *uuid, const char *new_name, NvAsyncFunc done,
                            gpointer data, GDestroyNotify data_free)
{
    RenameReq *r = g_new0(RenameReq, 1);
    r->uuid = g_strdup(uuid);
    r->new_name = g_strdup(new_name);
    NvAsyncSpec spec = {.tag = nv_domain_rename_async,
                        .req = r,
                        .req_free = (GDestroyNotify)rename_req_free,
                        .refresh = NV_CHANGE_DOMAINS | NV_CHANGE_DETAILS};
    nv_conn_async(conn, &spec, rename_work, done, data, data_free);
}

gboolean nv_domain_rename_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_domain_rename_async, err);
}

/* ---- reading disks out of domain XML ---- */

/* NULL for a document that cannot be read: its disks are then simply not known. */
static xmlDoc *parse_xml(const char *xml)
{
    return nv_xml_parse(xml, NV_XML_PARSE_DEFAULT, _("cannot read domain XML"), NULL);
}

/* Keys that name what a <source> element points at: its path, and "vol:pool/name" for a
 * volume given by pool and name. Two disks share storage when they share a key. */
static void source_keys(xmlNode *source, GPtrArray *keys)
{
    static const char *const path_attrs[] = {"file", "dev", "dir", NULL};
    for (guint i = 0; path_attrs[i]; i++) {
        g_autofree char *path = nv_xml_node_attr_or_null(source, path_attrs[i]);
        if (path && *path)
            g_ptr_array_add(keys, g_strdup(path));
    }
    g_autofree char *pool = nv_xml_node_attr_or_null(source, "pool");
    g_autofree char *volume = nv_xml_node_attr_or_null(source, "volume");
    if (pool && volume)
        g_ptr_array_add(keys, g_strdup_printf("vol:%s/%s", pool, volume));
}

/* Every <source> under a disk, backing chain included: a volume that is another domain's
 * backing file is in use too. */
static void disk_keys_deep(xmlNode *n, GPtrArray *keys)
{
    for (xmlNode *c = n->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE)
            continue;
        if (strcmp((const char *)c->name, "source") == 0)
            source_keys(c, keys);
        else if (strcmp((const char *)c->name, "backingStore") == 0)
            disk_keys_deep(c, keys);
    }
}

static xmlNode *devices_of(xmlDoc *doc)
{
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    if (!root || strcmp((const char *)root->name, "domain") != 0)
        return NULL;
    return nv_xml_child_element(root, "devices");
}

/* Adds key -> domain name for every storage the domain's disks use. */
static void collect_users(const char *xml, const char *name, GHashTable *users)
{
    g_autoptr(xmlDoc) doc = parse_xml(xml);
    xmlNode *devices = devices_of(doc);
    for (xmlNode *d = devices ? devices->children : NULL; d; d = d->next) {
        if (!nv_xml_is_element(d, "disk"))
            continue;
        g_autoptr(GPtrArray) keys = g_ptr_array_new_with_free_func(g_free);
        disk_keys_deep(d, keys);
        for (guint i = 0; i < keys->len; i++) {
            GPtrArray *names = g_hash_table_lookup(users, keys->pdata[i]);
            if (!names) {
                names = g_ptr_array_new_with_free_func(g_free);
                g_hash_table_insert(users, g_strdup(keys->pdata[i]), names);
            }
            gboolean seen = FALSE;
            for (guint k = 0; k < names->len && !seen; k++)
                seen = strcmp(names->pdata[k], name) == 0;
            if (!seen)
                g_ptr_array_add(names, g_strdup(name));
        }
    }
}

/* ---- delete: the plan ---- */

static void delete_disk_free(NvDeleteDisk *d)
{
    g_free(d->target);
    g_free(d->device);
    g_free(d->source);
    g_free(d->path);
    g_free(d->pool);
    g_free(d->volume);
    g_ptr_array_unref(d->users);
    g_free(d);
}

void nv_delete_plan_free(NvDeletePlan *plan)
{
    if (!plan)
        return;
    g_free(plan->uuid);
    g_free(plan->name);
    g_ptr_array_unref(plan->disks);
    g_free(plan);
}

void nv_delete_result_free(NvDeleteResult *r)
{
    if (!r)
        return;
    g_ptr_array_unref(r->deleted);
    g_ptr_array_unref(r->errors);
    g_free(r);
}

/* The disks of this domain's XML not in the plan yet (same target and path). */
static void plan_add_disks(NvDeletePlan *plan, const char *xml)
{
    g_autoptr(xmlDoc) doc = parse_xml(xml);
    xmlNode *devices = devices_of(doc);
    for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next) {
        if (!nv_xml_is_element(n, "disk"))
            continue;
        g_autofree char *device = nv_xml_node_attr_or_null(n, "device");
        g_autofree char *target =
            nv_xml_node_attr_or_null(nv_xml_child_element(n, "target"), "dev");
        NvDiskSource src;
        nv_disk_source_read(n, &src);
        NvDeleteDisk *d = g_new0(NvDeleteDisk, 1);
        d->device = g_strdup(device ? device : "disk");
        d->target = g_strdup(target ? target : "");
        d->kind = src.kind;
        d->source = g_steal_pointer(&src.display);
        /* Only files and block devices are looked up as volumes by their path. */
        gboolean local = src.kind == NV_DISK_KIND_FILE || src.kind == NV_DISK_KIND_BLOCK;
        d->path = local ? g_steal_pointer(&src.path) : g_strdup("");
        gboolean named = src.kind == NV_DISK_KIND_VOLUME;
        d->pool = named ? g_steal_pointer(&src.pool) : NULL;
        d->volume = named ? g_steal_pointer(&src.volume) : NULL;
        nv_disk_source_clear(&src);
        if (!d->pool || !*d->pool || !d->volume || !*d->volume) {
            g_clear_pointer(&d->pool, g_free);
            g_clear_pointer(&d->volume, g_free);
        }
        d->users = g_ptr_array_new_with_free_func(g_free);
        gboolean dup = FALSE;
        for (guint i = 0; i < plan->disks->len && !dup; i++) {
            NvDeleteDisk *o = plan->disks->pdata[i];
            dup = strcmp(o->target, d->target) == 0 && strcmp(o->path, d->path) == 0 &&
                  g_strcmp0(o->pool, d->pool) == 0 && g_strcmp0(o->volume, d->volume) == 0;
        }
        if (dup)
            delete_disk_free(d);
        else
            g_ptr_array_add(plan->disks, d);
    }
}

/* Which pool and volume a disk is: by path (virStorageVolLookupByPath), or for a disk that
 * names pool and volume, the volume's path. */
static void plan_resolve_volume(virConnectPtr vconn, NvDeleteDisk *d)
{
    g_autoptr(virStorageVol) vol = NULL;
    if (d->pool) {
        g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(vconn, d->pool);
        vol = pool ? virStorageVolLookupByName(pool, d->volume) : NULL;
        char *path = vol ? virStorageVolGetPath(vol) : NULL;
        if (path) {
            g_free(d->path);
            d->path = g_strdup(path);
            free(path);
        }
        if (!vol) {
            g_clear_pointer(&d->pool, g_free);
            g_clear_pointer(&d->volume, g_free);
        }
    } else if (*d->path) {
        vol = virStorageVolLookupByPath(vconn, d->path);
        g_autoptr(virStoragePool) pool = vol ? virStoragePoolLookupByVolume(vol) : NULL;
        if (pool) {
            d->pool = g_strdup(virStoragePoolGetName(pool));
            d->volume = g_strdup(virStorageVolGetName(vol));
        }
    }
    /* A path in no pool is the common case of "not a volume", not an error. */
    virResetLastError();
}

/* key -> GPtrArray of the names of every other domain that uses it. */
static GHashTable *other_users(virConnectPtr vconn, const char *uuid, GError **err)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(vconn, &doms, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list the other domains"));
        return NULL;
    }
    GHashTable *users =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    for (int i = 0; i < n; i++) {
        char other[VIR_UUID_STRING_BUFLEN];
        if (virDomainGetUUIDString(doms[i], other) == 0 && strcmp(other, uuid) != 0) {
            const char *name = virDomainGetName(doms[i]);
            /* A running domain's next boot may use other disks than it has now. */
            unsigned flags[2] = {0, VIR_DOMAIN_XML_INACTIVE};
            guint nflags =
                virDomainIsActive(doms[i]) == 1 && virDomainIsPersistent(doms[i]) == 1 ? 2 : 1;
            for (guint f = 0; f < nflags; f++) {
                char *xml = virDomainGetXMLDesc(doms[i], flags[f]);
                collect_users(xml, name, users);
                free(xml);
            }
        }
        virDomainFree(doms[i]);
    }
    free(doms);
    virResetLastError();
    return users;
}

static void plan_mark_shared(NvDeleteDisk *d, GHashTable *users)
{
    g_autofree char *vol_key = d->pool ? g_strdup_printf("vol:%s/%s", d->pool, d->volume) : NULL;
    const char *keys[] = {*d->path ? d->path : NULL, vol_key};
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
        GPtrArray *names = keys[k] ? g_hash_table_lookup(users, keys[k]) : NULL;
        for (guint i = 0; names && i < names->len; i++) {
            gboolean seen = FALSE;
            for (guint j = 0; j < d->users->len && !seen; j++)
                seen = strcmp(d->users->pdata[j], names->pdata[i]) == 0;
            if (!seen)
                g_ptr_array_add(d->users, g_strdup(names->pdata[i]));
        }
    }
    d->suggested = d->pool && d->users->len == 0 && strcmp(d->device, "disk") == 0;
}

/* The request of a delete plan is the domain's UUID. */
static gpointer plan_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *uuid = data;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), uuid);
        return NULL;
    }
    g_autoptr(NvDeletePlan) plan = g_new0(NvDeletePlan, 1);
    plan->uuid = g_strdup(uuid);
    plan->name = g_strdup(virDomainGetName(dom));
    plan->active = virDomainIsActive(dom) == 1;
    plan->disks = g_ptr_array_new_with_free_func((GDestroyNotify)delete_disk_free);
    /* Both definitions go, so both sets of disks are listed. */
    gboolean both = plan->active && virDomainIsPersistent(dom) == 1;
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the definition of '%s'"), plan->name);
        return NULL;
    }
    plan_add_disks(plan, xml);
    free(xml);
    if (both && (xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE))) {
        plan_add_disks(plan, xml);
        free(xml);
    }
    virResetLastError();

    g_autoptr(GHashTable) users = other_users(vconn, uuid, err);
    if (!users)
        return NULL;
    for (guint i = 0; i < plan->disks->len; i++) {
        plan_resolve_volume(vconn, plan->disks->pdata[i]);
        plan_mark_shared(plan->disks->pdata[i], users);
    }
    return g_steal_pointer(&plan);
}

void nv_domain_delete_plan_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                                 GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_domain_delete_plan_async, uuid, plan_work,
                       (GDestroyNotify)nv_delete_plan_free, done, data, data_free);
}

NvDeletePlan *nv_domain_delete_plan_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_domain_delete_plan_async, err);
}

/* ---- delete: execution ---- */

typedef struct {
    char *path;
    char *pool; /* NULL: not a volume */
    char *volume;
} Doomed;

static void doomed_free(Doomed *d)
{
    g_free(d->path);
    g_free(d->pool);
    g_free(d->volume);
    g_free(d);
}

typedef struct {
    char *uuid;
    char *name;
    GPtrArray *doomed; /* Doomed*: exactly the ticked disks */
} DeleteReq;

static void delete_req_free(DeleteReq *c)
{
    g_free(c->uuid);
    g_free(c->name);
    g_ptr_array_unref(c->doomed);
    g_free(c);
}

/* Undefines with everything libvirt keeps beside the definition. A driver that rejects a
 * flag gets fewer; dropping one is safe, since libvirt then refuses to undefine a domain
 * that still has what the flag would have removed. */
static gboolean undefine(virDomainPtr dom, const char *name, GError **err)
{
    static const unsigned all = VIR_DOMAIN_UNDEFINE_MANAGED_SAVE |
                                VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA | VIR_DOMAIN_UNDEFINE_NVRAM |
                                VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA;
    static const unsigned tries[] = {
        all,
        all & ~VIR_DOMAIN_UNDEFINE_CHECKPOINTS_METADATA,
        all & ~VIR_DOMAIN_UNDEFINE_NVRAM,
        VIR_DOMAIN_UNDEFINE_MANAGED_SAVE | VIR_DOMAIN_UNDEFINE_SNAPSHOTS_METADATA,
        VIR_DOMAIN_UNDEFINE_MANAGED_SAVE,
        0,
    };
    for (guint i = 0; i < G_N_ELEMENTS(tries); i++) {
        if (virDomainUndefineFlags(dom, tries[i]) == 0)
            return TRUE;
        if (!nv_virt_last_error_is_flags() || i + 1 == G_N_ELEMENTS(tries))
            break;
    }
    nv_set_virt_error(err, _("cannot undefine '%s'"), name);
    return FALSE;
}

static void delete_volume(virConnectPtr vconn, Doomed *d, NvDeleteResult *res)
{
    if (!d->pool) {
        g_ptr_array_add(res->errors,
                        g_strdup_printf(_("kept %s: it is not a storage volume"), d->path));
        return;
    }
    g_autofree char *what = g_strdup_printf("%s/%s", d->pool, d->volume);
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(vconn, d->pool);
    g_autoptr(virStorageVol) vol = pool ? virStorageVolLookupByName(pool, d->volume) : NULL;
    if (!vol || virStorageVolDelete(vol, 0) < 0) {
        g_autoptr(GError) e = NULL;
        nv_set_virt_error(&e, _("cannot delete volume %s"), what);
        g_ptr_array_add(res->errors, g_strdup(e->message));
    } else {
        g_ptr_array_add(res->deleted, g_steal_pointer(&what));
    }
    virResetLastError();
}

static gpointer delete_work(virConnectPtr vconn, gpointer data, GError **err)
{
    DeleteReq *c = data;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, c->uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain '%s'"), c->name);
        return NULL;
    }
    gboolean ok = TRUE;
    gboolean persistent = virDomainIsPersistent(dom) != 0;
    if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0) {
        nv_set_virt_error(err, _("cannot force off '%s'"), c->name);
        ok = FALSE;
    }
    /* A transient domain is gone once it is off. */
    if (ok && persistent)
        ok = undefine(dom, c->name, err);
    if (!ok)
        return NULL;
    NvDeleteResult *result = g_new0(NvDeleteResult, 1);
    result->deleted = g_ptr_array_new_with_free_func(g_free);
    result->errors = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < c->doomed->len; i++)
        delete_volume(vconn, c->doomed->pdata[i], result);
    return result;
}

void nv_domain_delete_async(NvConn *conn, const NvDeletePlan *plan, const gboolean *remove,
                            NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    DeleteReq *c = g_new0(DeleteReq, 1);
    c->uuid = g_strdup(plan->uuid);
    c->name = g_strdup(plan->name);
    c->doomed = g_ptr_array_new_with_free_func((GDestroyNotify)doomed_free);
    for (guint i = 0; remove && i < plan->disks->len; i++) {
        if (!remove[i])
            continue;
        const NvDeleteDisk *disk = plan->disks->pdata[i];
        Doomed *d = g_new0(Doomed, 1);
        d->path = g_strdup(disk->path);
        d->pool = g_strdup(disk->pool);
        d->volume = g_strdup(disk->volume);
        g_ptr_array_add(c->doomed, d);
    }
    NvAsyncSpec spec = {.tag = nv_domain_delete_async,
                        .req = c,
                        .req_free = (GDestroyNotify)delete_req_free,
                        .value_free = (GDestroyNotify)nv_delete_result_free,
                        .refresh = NV_CHANGE_DOMAINS | NV_CHANGE_POOLS | NV_CHANGE_VOLUMES};
    nv_conn_async(conn, &spec, delete_work, done, data, data_free);
}

NvDeleteResult *nv_domain_delete_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_domain_delete_async, err);
}

/* ---- the XML ---- */

gboolean nv_domain_xml_identity(const char *xml, char **name, char **uuid, GError **err)
{
    g_autoptr(xmlDoc) doc =
        nv_xml_parse_root(xml, "domain", NV_XML_PARSE_DEFAULT, _("cannot read domain XML"), err);
    if (!doc)
        return FALSE;
    xmlNode *root = xmlDocGetRootElement(doc);
    *name = nv_xml_node_text_stripped(nv_xml_child_element(root, "name"));
    *uuid = nv_xml_node_text_stripped(nv_xml_child_element(root, "uuid"));
    return TRUE;
}

/* UUIDs compare without case and dashes: libvirt accepts both spellings. */
static char *uuid_canonical(const char *uuid)
{
    GString *s = g_string_new("");
    for (const char *p = uuid; *p; p++)
        if (*p != '-' && *p != ' ')
            g_string_append_c(s, g_ascii_tolower(*p));
    return g_string_free(s, FALSE);
}

/* The request of a read is the domain's UUID. */
static gpointer xml_get_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *uuid = data;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), uuid);
        return NULL;
    }
    g_autofree char *name = g_strdup(virDomainGetName(dom));
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the definition of '%s'"), name);
        return NULL;
    }
    char *copy = g_strdup(xml);
    free(xml);
    return copy;
}

void nv_domain_xml_get_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                             GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_domain_xml_get_async, uuid, xml_get_work, g_free, done, data,
                       data_free);
}

char *nv_domain_xml_get_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_domain_xml_get_async, err);
}

/* Defining XML with another name or UUID creates a second domain (or clobbers a third):
 * refuse, since the user meant to edit this one. */
static gboolean same_domain(virDomainPtr dom, const char *xml, GError **err)
{
    g_autofree char *name = NULL, *uuid = NULL;
    g_autoptr(GError) parse_err = NULL;
    /* Not well-formed: libvirt's own message says where, let it speak. */
    if (!nv_domain_xml_identity(xml, &name, &uuid, &parse_err))
        return TRUE;
    const char *old_name = virDomainGetName(dom);
    if (name && strcmp(name, old_name) != 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("the edited XML names the domain '%s', not '%s': that would define "
                      "another domain (rename it instead)"),
                    name, old_name);
        return FALSE;
    }
    char old_uuid[VIR_UUID_STRING_BUFLEN];
    if (uuid && virDomainGetUUIDString(dom, old_uuid) == 0) {
        g_autofree char *a = uuid_canonical(uuid), *b = uuid_canonical(old_uuid);
        if (strcmp(a, b) != 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                        _("the edited XML has the UUID %s, not %s: that would define another "
                          "domain"),
                        uuid, old_uuid);
            return FALSE;
        }
    }
    return TRUE;
}

/* The request of a define: the domain and its new XML. */
typedef struct {
    char *uuid;
    char *xml;
} DefineReq;

static void define_req_free(DefineReq *r)
{
    g_free(r->uuid);
    g_free(r->xml);
    g_free(r);
}

static gpointer xml_define_work(virConnectPtr vconn, gpointer data, GError **err)
{
    DefineReq *c = data;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, c->uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), c->uuid);
        return NULL;
    }
    g_autofree char *name = g_strdup(virDomainGetName(dom));
    if (!same_domain(dom, c->xml, err))
        return NULL;
    g_autoptr(virDomain) defined =
        virDomainDefineXMLFlags(vconn, c->xml, VIR_DOMAIN_DEFINE_VALIDATE);
    /* A driver without schema validation still parses the document. A parse error that
     * happens to be an invalid argument only comes back the same. */
    if (!defined && nv_virt_last_error_is_flags())
        defined = virDomainDefineXML(vconn, c->xml);
    if (!defined) {
        nv_set_virt_error(err, _("cannot define '%s'"), name);
        return NULL;
    }
    return NV_ASYNC_OK;
}

void nv_domain_xml_define_async(NvConn *conn, const char *uuid, const char *xml, NvAsyncFunc done,
                                gpointer data, GDestroyNotify data_free)
{
    DefineReq *r = g_new0(DefineReq, 1);
    r->uuid = g_strdup(uuid);
    r->xml = g_strdup(xml);
    NvAsyncSpec spec = {.tag = nv_domain_xml_define_async,
                        .req = r,
                        .req_free = (GDestroyNotify)define_req_free,
                        .refresh = NV_CHANGE_DOMAINS | NV_CHANGE_DETAILS};
    nv_conn_async(conn, &spec, xml_define_work, done, data, data_free);
}

gboolean nv_domain_xml_define_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_domain_xml_define_async, err);
}
