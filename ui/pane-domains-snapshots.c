/* The Domains pane's snapshot and clone actions: `t` opens the snapshots view of the selected
 * domain; `C` clones it: a name or a pattern (web-{01..10}), which disks to copy, then one
 * job bar per clone and a summary at the end. */
#include <gio/gio.h>
#include <string.h>

#include "domain-clone.h"
#include "ui-internal.h"
#include "view-snapshots.h"

/* ---- snapshots ---- */

static const NvDomain *domain_of(NvPane *pane, guint item, NvConn **conn)
{
    guint local;
    *conn = nv_pane_item_conn(pane, item, &local);
    return *conn ? nv_conn_model(*conn)->domains->pdata[local] : NULL;
}

static const NvDomain *selected_domain(NvPane *pane, NvConn **conn)
{
    int item = nv_list_selected_item(&pane->list);
    *conn = NULL;
    return item >= 0 ? domain_of(pane, (guint)item, conn) : NULL;
}

static gboolean open_snapshots(NvPane *pane)
{
    NvConn *conn;
    const NvDomain *d = selected_domain(pane, &conn);
    if (!d) {
        nv_app_message(pane->app, _("No domain selected."), TRUE);
        return TRUE;
    }
    nv_app_open_view(pane->app, nv_view_snapshots_new(pane->app, conn, d->uuid, d->name));
    return TRUE;
}

/* ---- clones ---- */

typedef struct CloneFlow CloneFlow;

typedef struct {
    CloneFlow *flow;
    guint index;
    guint job; /* the app's job bar, 0 once ended */
} CloneBar;

struct CloneFlow {
    NvApp *app;
    NvConn *conn;      /* the source's host: the clones go there */
    char *name;        /* the source */
    NvClonePlan *plan; /* until the run takes it */
    GArray *rows;      /* guint: the disk behind each checklist row */
    NvCloneRun *run;
    CloneBar *bars;
    guint n;
    GPtrArray *failures; /* char*: "web-03: why" */
    guint cancelled;
};

static void flow_free(CloneFlow *f)
{
    nv_clone_plan_free(f->plan);
    if (f->rows)
        g_array_unref(f->rows);
    for (guint i = 0; f->bars && i < f->n; i++)
        if (f->bars[i].job)
            nv_app_job_end(f->app, f->bars[i].job);
    g_free(f->bars);
    if (f->failures)
        g_ptr_array_unref(f->failures);
    g_free(f->name);
    g_free(f);
}

static void on_progress(NvCloneRun *run, guint target, double fraction, const char *detail,
                        gpointer data)
{
    CloneFlow *f = data;
    if (f->bars[target].job)
        nv_app_job_progress(f->app, f->bars[target].job, fraction, detail);
}

static void on_finished(NvCloneRun *run, guint target, const GError *err, gpointer data)
{
    CloneFlow *f = data;
    if (f->bars[target].job)
        nv_app_job_end(f->app, f->bars[target].job);
    f->bars[target].job = 0;
    if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        f->cancelled++;
    else if (err)
        g_ptr_array_add(f->failures, g_strdup(err->message));
}

/* Whole sentences joined by spaces, one count each, so each takes its own plural form. */
static char *partial_summary(CloneFlow *f, guint defined)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(parts, g_strdup_printf(ngettext("Made %u of %u clone of '%s'.",
                                                    "Made %u of %u clones of '%s'.", f->n),
                                           defined, f->n, f->name));
    if (f->cancelled)
        g_ptr_array_add(parts, g_strdup_printf(ngettext("%u was cancelled.", "%u were cancelled.",
                                                        f->cancelled),
                                               f->cancelled));
    guint failed = f->failures->len;
    if (failed)
        g_ptr_array_add(
            parts, g_strdup_printf(ngettext("%u failed: %s", "%u failed, the first: %s", failed),
                                   failed, (char *)f->failures->pdata[0]));
    g_ptr_array_add(parts, NULL);
    return g_strjoinv(" ", (char **)parts->pdata);
}

static char *summary(CloneFlow *f, const NvClonePlan *plan, guint defined)
{
    if (defined != f->n)
        return partial_summary(f, defined);
    if (f->n == 1)
        return g_strdup_printf(_("Cloned '%s' to '%s'."), f->name,
                               ((NvCloneTarget *)plan->targets->pdata[0])->name);
    return g_strdup_printf(
        ngettext("Cloned '%s' %u time: %s … %s.", "Cloned '%s' %u times: %s … %s.", f->n), f->name,
        f->n, ((NvCloneTarget *)plan->targets->pdata[0])->name,
        ((NvCloneTarget *)plan->targets->pdata[f->n - 1])->name);
}

static void on_run_done(NvCloneRun *run, guint defined, gpointer data)
{
    CloneFlow *f = data;
    g_autofree char *msg = summary(f, nv_clone_run_plan(run), defined);
    nv_app_message(f->app, msg, defined < f->n);
    if (nv_app_has_conn(f->app, f->conn))
        nv_conn_refresh(f->conn, NV_CHANGE_DOMAINS | NV_CHANGE_POOLS | NV_CHANGE_VOLUMES);
    flow_free(f);
}

static void cancel_clone(gpointer data)
{
    CloneBar *bar = data;
    nv_clone_run_cancel(bar->flow->run, bar->index);
}

static void run_plan(CloneFlow *f)
{
    static const NvCloneCallbacks callbacks = {on_progress, on_finished, on_run_done};
    if (!nv_app_has_conn(f->app, f->conn)) {
        nv_app_message(f->app, _("clone cancelled: the host was closed"), TRUE);
        flow_free(f);
        return;
    }
    NvClonePlan *plan = g_steal_pointer(&f->plan);
    f->n = plan->targets->len;
    f->bars = g_new0(CloneBar, f->n);
    f->failures = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < f->n; i++) {
        NvCloneTarget *t = plan->targets->pdata[i];
        g_autofree char *label = g_strdup_printf(_("clone %s → %s"), f->name, t->name);
        f->bars[i].flow = f;
        f->bars[i].index = i;
        f->bars[i].job = nv_app_job_begin(f->app, label, cancel_clone, &f->bars[i]);
        nv_app_job_progress(f->app, f->bars[i].job, -1, _("waiting"));
    }
    f->run = nv_clone_run_start(f->conn, plan, &callbacks, f);
}

static void ask_disks(CloneFlow *f, const char *message);

static void on_share_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    CloneFlow *f = data;
    if (index != 0) {
        ask_disks(f, _("Tick the writable disks to copy them for each clone."));
        return;
    }
    run_plan(f);
}

/* Two guests writing one image corrupt it: sharing a writable disk needs a clear yes. */
static void confirm_sharing(CloneFlow *f)
{
    g_autoptr(GPtrArray) shared = nv_clone_plan_shared_writable(f->plan);
    g_ptr_array_add(shared, NULL);
    g_autofree char *list = g_strjoinv(", ", (char **)shared->pdata);
    guint n = shared->len - 1;
    g_autofree char *l1 =
        g_strdup_printf(ngettext("%s stays shared with '%s': both write to it.",
                                 "%s stay shared with '%s': both write to them.", n),
                        list, f->name);
    const char *lines[] = {
        l1,
        _("Two running domains writing one disk image corrupt it."),
        _("Share only if they never run at the same time."),
        NULL,
    };
    nv_app_confirm(f->app, _("Share writable disks?"), _("Share these writable disks?"), lines,
                   on_share_answer, f);
}

static void on_disks(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    CloneFlow *f = data;
    if (index < 0) {
        nv_app_message(app, _("Clone cancelled."), FALSE);
        flow_free(f);
        return;
    }
    for (guint r = 0; r < f->rows->len; r++) {
        NvCloneDisk *d = f->plan->disks->pdata[g_array_index(f->rows, guint, r)];
        d->clone = checked[r];
    }
    g_autoptr(GError) err = NULL;
    if (!nv_clone_plan_check_disks(f->plan, TRUE, &err)) {
        ask_disks(f, err->message);
        return;
    }
    g_autoptr(GPtrArray) shared = nv_clone_plan_shared_writable(f->plan);
    if (shared->len)
        confirm_sharing(f);
    else
        run_plan(f);
}

static char *disk_row(const NvClonePlan *plan, guint i)
{
    const NvCloneDisk *d = plan->disks->pdata[i];
    const NvCloneTarget *t = plan->targets->pdata[0];
    if (!nv_clone_disk_clonable(d))
        return g_strdup_printf(_("%s %s %s (%s)"), d->target, d->device, d->source,
                               d->readonly ? _("read-only: shared")
                                           : _("not in a storage pool: shared"));
    g_autofree char *size = nv_format_bytes(d->capacity);
    const char *more = plan->targets->len > 1 ? " …" : "";
    return g_strdup_printf("%s %s → %s%s (%s)", d->target, d->volume, (char *)t->volumes->pdata[i],
                           more, size);
}

static void ask_disks(CloneFlow *f, const char *message)
{
    g_autoptr(GPtrArray) choices = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GArray) checked = g_array_new(FALSE, FALSE, sizeof(gboolean));
    if (!f->rows) {
        f->rows = g_array_new(FALSE, FALSE, sizeof(guint));
        for (guint i = 0; i < f->plan->disks->len; i++)
            if (*((NvCloneDisk *)f->plan->disks->pdata[i])->source)
                g_array_append_val(f->rows, i);
    }
    for (guint r = 0; r < f->rows->len; r++) {
        guint i = g_array_index(f->rows, guint, r);
        NvCloneDisk *d = f->plan->disks->pdata[i];
        g_ptr_array_add(choices, disk_row(f->plan, i));
        g_array_append_val(checked, d->clone);
    }
    if (choices->len == 0) {
        run_plan(f);
        return;
    }
    g_ptr_array_add(choices, NULL);
    g_autofree char *title = g_strdup_printf(_("Clone '%s': disks"), f->name);
    nv_app_checklist(f->app, title, message, (const char *const *)choices->pdata,
                     (const gboolean *)checked->data, on_disks, f);
}

static void ask_names(CloneFlow *f, const char *message, const char *text);

static void on_names(NvApp *app, const char *answer, gpointer data)
{
    CloneFlow *f = data;
    if (!answer) {
        flow_free(f);
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!nv_clone_plan_set_names(f->plan, answer, &err)) {
        ask_names(f, err->message, answer);
        return;
    }
    ask_disks(f, _("Ticked disks are copied for each clone; unticked ones are shared."));
}

static void ask_names(CloneFlow *f, const char *message, const char *text)
{
    g_autofree char *title = g_strdup_printf(_("Clone '%s'"), f->name);
    nv_app_prompt(f->app, title, message, FALSE, on_names, f);
    nv_app_prompt_text(f->app, text);
}

static void on_plan(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    CloneFlow *f = data;
    g_autoptr(GError) err = NULL;
    NvClonePlan *plan = nv_clone_plan_load_finish(res, &err);
    g_autoptr(GError) why = NULL;
    if (err || !nv_clone_plan_check_source(plan, &why)) {
        nv_app_message(f->app, err ? err->message : why->message, TRUE);
        nv_clone_plan_free(plan);
        flow_free(f);
        return;
    }
    f->plan = plan;
    g_autofree char *text = g_strdup_printf("%s-clone", f->name);
    g_autofree char *msg =
        g_strdup_printf(_("New name, or several: %s-{01..10} (at most %d)"), f->name, NV_CLONE_MAX);
    ask_names(f, msg, text);
}

static gboolean clone_domain(NvPane *pane)
{
    g_autoptr(GArray) targets = nv_pane_targets(pane);
    if (targets->len != 1) {
        nv_app_message(pane->app,
                       targets->len ? _("Clone one domain at a time (unmark the others).")
                                    : _("No domain selected."),
                       TRUE);
        return TRUE;
    }
    NvConn *conn;
    const NvDomain *d = domain_of(pane, g_array_index(targets, guint, 0), &conn);
    if (!d || !nv_app_check_writable(pane->app, conn))
        return TRUE;
    CloneFlow *f = g_new0(CloneFlow, 1);
    f->app = pane->app;
    f->conn = conn;
    f->name = g_strdup(d->name);
    g_autofree char *msg = g_strdup_printf(_("Reading the definition of '%s'…"), d->name);
    nv_app_message(pane->app, msg, FALSE);
    nv_clone_plan_load_async(conn, d->uuid, on_plan, f, NULL);
    return TRUE;
}

gboolean nv_domain_snapshot_action(NvPane *pane, NvAction a)
{
    switch (a) {
    case NV_ACTION_SNAPSHOTS:
        return open_snapshots(pane);
    case NV_ACTION_CLONE:
        return clone_domain(pane);
    default:
        return FALSE;
    }
}
