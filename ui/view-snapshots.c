/* The snapshots view: one domain's snapshots as a tree (├─ └─ │), the current one marked, the
 * selected one's details beside it; n takes one, r reverts, d deletes (each asks first and
 * says what will happen). Creating and reverting run as jobs, so the view stays live. */
#include "view-snapshots.h"

#include <stdarg.h>

#include "conn-job.h"
#include "domain-snapshot.h"

#define NV_SNAP_WIDE_COLS 100
#define NV_SNAP_SPINNER_MS 150

static const char *const spinner_frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

typedef struct SnapView SnapView;

/* Callbacks outlive the view (a job, a dialog): they hold a link and find the view through
 * it, or NULL once the view is closed. */
typedef struct {
    gint refs;
    SnapView *view;
} Link;

struct SnapView {
    NvView base;
    Link *link;
    char *uuid;
    char *name;
    NvSnapshotList *list; /* NULL until loaded */
    char *load_error;
    gboolean loading;
    char *select_name; /* select this snapshot after the next load */
    NvList rows;       /* over list->snapshots */
    char *message;
    gboolean message_error;
    /* The operation in progress (one at a time): its label and progress. */
    char *busy;
    double fraction;
    char *detail;
    NvJob *job; /* when the operation is a job */
    guint spinner_source;
    guint phase;
};

/* An operation in flight. */
typedef struct {
    Link *link;
    NvApp *app;
    NvConn *conn;  /* the domain's host, checked with nv_app_has_conn once the view may be gone */
    guint app_job; /* the app's job bar, seen once the view is closed */
    NvJob *job;    /* not a reference: the job owns this Op (its data) */
    char *snapshot;
    NvSnapshotSpec spec;
    gboolean children;
} Op;

static Link *link_ref(Link *l)
{
    g_atomic_int_inc(&l->refs);
    return l;
}

static void link_unref(Link *l)
{
    if (g_atomic_int_dec_and_test(&l->refs))
        g_free(l);
}

static void op_free(Op *op)
{
    if (op->app_job)
        nv_app_job_end(op->app, op->app_job);
    link_unref(op->link);
    g_free(op->snapshot);
    g_free(op->spec.name);
    g_free(op->spec.description);
    g_free(op);
}

static Op *op_new(SnapView *v, const char *snapshot)
{
    Op *op = g_new0(Op, 1);
    op->link = link_ref(v->link);
    op->app = v->base.app;
    op->conn = v->base.conn;
    op->snapshot = g_strdup(snapshot);
    return op;
}

static void load(SnapView *v);

/* ---- state ---- */

static NvSnapshot *selected_snapshot(SnapView *v)
{
    int i = nv_list_selected_item(&v->rows);
    if (!v->list || i < 0)
        return NULL;
    return v->list->snapshots->pdata[i];
}

static const NvDomain *model_domain(SnapView *v)
{
    const NvModel *m = nv_conn_model(v->base.conn);
    for (guint i = 0; m->domains && i < m->domains->len; i++) {
        const NvDomain *d = m->domains->pdata[i];
        if (g_strcmp0(d->uuid, v->uuid) == 0)
            return d;
    }
    return NULL;
}

static NvDomainState domain_state(SnapView *v)
{
    const NvDomain *d = model_domain(v);
    if (d)
        return d->state;
    return v->list ? v->list->state : NV_DOMAIN_NOSTATE;
}

/* Running in any form: a snapshot can hold its memory. */
static gboolean domain_active(SnapView *v)
{
    const NvDomain *d = model_domain(v);
    if (d)
        return d->id >= 0;
    NvDomainState s = domain_state(v);
    return s != NV_DOMAIN_SHUTOFF && s != NV_DOMAIN_CRASHED && s != NV_DOMAIN_NOSTATE;
}

static gboolean spinner_tick(gpointer data)
{
    SnapView *v = data;
    v->phase++;
    nv_app_dirty(v->base.app);
    if (v->busy || v->loading)
        return G_SOURCE_CONTINUE;
    v->spinner_source = 0;
    return G_SOURCE_REMOVE;
}

static void spin(SnapView *v)
{
    if (!v->spinner_source)
        v->spinner_source = g_timeout_add(NV_SNAP_SPINNER_MS, spinner_tick, v);
    nv_app_dirty(v->base.app);
}

static void say(SnapView *v, const char *msg, gboolean error)
{
    g_free(v->message);
    v->message = g_strdup(msg);
    v->message_error = error;
    nv_app_dirty(v->base.app);
}

static void set_busy(SnapView *v, const char *label)
{
    g_free(v->busy);
    v->busy = g_strdup(label);
    v->fraction = -1;
    g_clear_pointer(&v->detail, g_free);
    if (label)
        spin(v);
    nv_app_dirty(v->base.app);
}

/* The result of an operation: into the view if it is open, else into the app's status line. */
static void report(Op *op, const char *msg, gboolean error)
{
    SnapView *v = op->link->view;
    if (v) {
        set_busy(v, NULL);
        g_clear_pointer(&v->job, nv_job_unref);
        say(v, msg, error);
        load(v);
    } else {
        nv_app_message(op->app, msg, error);
    }
}

/* Dialog lines are one row each: long text is cut into rows of whole words. */
#define NV_SNAP_LINE_COLS 68

static void add_para(GPtrArray *lines, const char *text)
{
    g_auto(GStrv) words = g_strsplit(text, " ", -1);
    GString *line = g_string_new("");
    gboolean empty = TRUE;
    for (guint i = 0; words[i]; i++) {
        if (!empty && nv_text_width(line->str) + 1 + nv_text_width(words[i]) > NV_SNAP_LINE_COLS) {
            g_ptr_array_add(lines, g_string_free(line, FALSE));
            line = g_string_new("  ");
            empty = TRUE;
        }
        g_string_append_printf(line, "%s%s", empty ? "" : " ", words[i]);
        empty = FALSE;
    }
    g_ptr_array_add(lines, g_string_free(line, FALSE));
}

static void add_paraf(GPtrArray *lines, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_paraf(GPtrArray *lines, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *text = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    add_para(lines, text);
}

static const char *const *lines_of(GPtrArray *lines)
{
    g_ptr_array_add(lines, NULL);
    return (const char *const *)lines->pdata;
}

/* ---- loading ---- */

static void on_list(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Link *l = data;
    g_autoptr(GError) err = NULL;
    NvSnapshotList *list = nv_snapshot_list_finish(res, &err);
    SnapView *v = l->view;
    if (!v) {
        nv_snapshot_list_free(list);
        return;
    }
    v->loading = FALSE;
    g_clear_pointer(&v->load_error, g_free);
    if (err) {
        v->load_error = g_strdup(err->message);
        nv_app_dirty(v->base.app);
        return;
    }
    /* Keep the selection on the same snapshot (by name) across reloads. */
    NvSnapshot *old = selected_snapshot(v);
    g_autofree char *want = g_strdup(v->select_name ? v->select_name : old ? old->name : NULL);
    g_clear_pointer(&v->select_name, g_free);
    nv_snapshot_list_free(v->list);
    v->list = list;
    int i = want ? nv_snapshot_find(list, want) : -1;
    if (i >= 0)
        v->rows.selected = (guint)i;
    nv_list_set_count(&v->rows, list->snapshots->len);
    nv_app_dirty(v->base.app);
}

static void load(SnapView *v)
{
    v->loading = TRUE;
    spin(v);
    nv_snapshot_list_async(v->base.conn, v->uuid, on_list, link_ref(v->link),
                           (GDestroyNotify)link_unref);
}

/* ---- jobs ---- */

static void cancel_job(gpointer data)
{
    Op *op = data;
    if (op->job && !nv_job_cancel(op->job))
        nv_app_message(op->app, _("this job cannot be cancelled"), FALSE);
}

static void on_job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Op *op = data;
    nv_app_job_progress(op->app, op->app_job, fraction, detail);
    SnapView *v = op->link->view;
    if (!v)
        return;
    v->fraction = fraction;
    g_free(v->detail);
    v->detail = g_strdup(detail);
    nv_app_dirty(v->base.app);
}

/* Shows a started job in the view and in the app's job bars. */
static void track_job(SnapView *v, Op *op, NvJob *job, gboolean cancellable)
{
    op->job = job;
    op->app_job =
        nv_app_job_begin(v->base.app, nv_job_label(job), cancellable ? cancel_job : NULL, op);
    set_busy(v, nv_job_label(job));
    g_clear_pointer(&v->job, nv_job_unref);
    v->job = nv_job_ref(job);
}

/* ---- create ---- */

static void start_create(SnapView *v, Op *op);

static void on_external_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (index != 0 || !v) {
        if (v)
            say(v, _("No snapshot taken."), FALSE);
        op_free(op);
        return;
    }
    op->spec.kind = NV_SNAPSHOT_DISK_EXTERNAL;
    start_create(v, op);
}

/* libvirt cannot keep a disk-only snapshot of a running guest inside its qcow2 files; the
 * only way is new overlay files, which change the domain for good: say so and ask. */
static void ask_external(SnapView *v, Op *op, const GError *err)
{
    g_autofree char *title = g_strdup_printf(_("Snapshot '%s': external files"), op->spec.name);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    add_para(lines, err->message);
    add_paraf(lines,
              _("Each disk of '%s' would get a new overlay file next to it (disk.qcow2 → "
                "disk.%s), and the guest writes to the overlays from now on."),
              v->name, op->spec.name);
    add_para(lines, _("The original files then hold the snapshot: keep them in place."));
    add_para(lines, _("Deleting the snapshot later does not remove the overlay files, and "
                      "older libvirt versions cannot revert to an external snapshot."));
    add_para(lines, _("To avoid this, take the snapshot with memory, or shut the domain off "
                      "first."));
    nv_app_confirm(v->base.app, title, _("Create an external disk-only snapshot?"), lines_of(lines),
                   on_external_answer, op);
}

static void on_created(NvJob *job, const GError *err, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (v && g_error_matches(err, NV_SNAPSHOT_ERROR, NV_SNAPSHOT_ERROR_NEEDS_EXTERNAL)) {
        set_busy(v, NULL);
        g_clear_pointer(&v->job, nv_job_unref);
        nv_app_job_end(op->app, op->app_job);
        op->app_job = 0;
        op->job = NULL;
        /* The Op goes on to the question; the job's own reference to it ends with the job. */
        Op *next = op_new(v, op->snapshot);
        next->spec.name = g_strdup(op->spec.name);
        next->spec.description = g_strdup(op->spec.description);
        ask_external(v, next, err);
        return;
    }
    if (v && !err) {
        g_free(v->select_name);
        v->select_name = g_strdup(op->spec.name);
    }
    g_autofree char *msg =
        err ? g_strdup(err->message)
            : g_strdup_printf(_("Took snapshot '%s' of '%s'."), op->spec.name, v ? v->name : "");
    report(op, msg, err != NULL);
}

static void start_create(SnapView *v, Op *op)
{
    NvJob *job = nv_snapshot_create(v->base.conn, v->uuid, v->name, &op->spec, on_job_progress,
                                    on_created, op, (GDestroyNotify)op_free);
    track_job(v, op, job, TRUE);
    nv_job_unref(job);
}

static void on_kind(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (index < 0 || !v) {
        op_free(op);
        return;
    }
    op->spec.kind = index == 0 ? NV_SNAPSHOT_WITH_MEMORY : NV_SNAPSHOT_DISK_ONLY;
    start_create(v, op);
}

static void on_description(NvApp *app, const char *answer, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (!answer || !v) {
        op_free(op);
        return;
    }
    op->spec.description = g_strdup(answer);
    if (!domain_active(v)) {
        /* Shut off: only the disks have a state to keep. */
        op->spec.kind = NV_SNAPSHOT_DISK_ONLY;
        start_create(v, op);
        return;
    }
    g_autofree char *msg =
        g_strdup_printf(_("'%s' is %s. What should snapshot '%s' keep?"), v->name,
                        _(nv_domain_state_name(domain_state(v))), op->spec.name);
    const char *choices[] = {
        _("Memory and disks: reverting resumes the guest exactly where it is now"),
        _("Disks only: reverting boots from the disks as they are now"),
        NULL,
    };
    nv_app_menu(app, _("New snapshot"), msg, choices, on_kind, op);
}

static void ask_name(SnapView *v, Op *op, const char *message, const char *text);

static void on_name(NvApp *app, const char *answer, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (!answer || !v) {
        op_free(op);
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!nv_snapshot_name_check(answer, v->list, &err)) {
        ask_name(v, op, err->message, answer);
        return;
    }
    g_free(op->spec.name);
    op->spec.name = g_strdup(answer);
    g_autofree char *msg = g_strdup_printf(_("A description for '%s' (may stay empty):"), answer);
    nv_app_prompt(app, _("New snapshot"), msg, FALSE, on_description, op);
}

static void ask_name(SnapView *v, Op *op, const char *message, const char *text)
{
    nv_app_prompt(v->base.app, _("New snapshot"), message, FALSE, on_name, op);
    if (text)
        nv_app_prompt_text(v->base.app, text);
}

static gboolean idle_or_say(SnapView *v)
{
    if (!v->busy)
        return TRUE;
    g_autofree char *msg = g_strdup_printf(_("Wait for %s to finish."), v->busy);
    say(v, msg, TRUE);
    return FALSE;
}

static void create(SnapView *v)
{
    if (!idle_or_say(v))
        return;
    if (!v->list) {
        say(v, _("The snapshots are not loaded yet."), TRUE);
        return;
    }
    g_autofree char *msg = g_strdup_printf(_("Name of the new snapshot of '%s':"), v->name);
    ask_name(v, op_new(v, NULL), msg, NULL);
}

/* ---- revert ---- */

static void start_revert(SnapView *v, Op *op, gboolean force);

static void on_force_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (index != 0 || !v) {
        op_free(op);
        return;
    }
    start_revert(v, op, TRUE);
}

static void on_reverted(NvJob *job, const GError *err, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (v && g_error_matches(err, NV_SNAPSHOT_ERROR, NV_SNAPSHOT_ERROR_RISKY)) {
        set_busy(v, NULL);
        g_clear_pointer(&v->job, nv_job_unref);
        g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
        add_para(lines, err->message);
        add_para(lines, _("Forcing it may lose the domain's current state for good."));
        g_autofree char *msg =
            g_strdup_printf(_("Revert '%s' to '%s' anyway?"), v->name, op->snapshot);
        nv_app_confirm(op->app, _("Forced revert"), msg, lines_of(lines), on_force_answer,
                       op_new(v, op->snapshot));
        report(op, "", FALSE);
        return;
    }
    g_autofree char *msg =
        err ? g_strdup(err->message)
            : g_strdup_printf(_("Reverted '%s' to '%s'."), v ? v->name : "", op->snapshot);
    report(op, msg, err != NULL);
    if (nv_app_has_conn(op->app, op->conn))
        nv_conn_refresh(op->conn, NV_CHANGE_DOMAINS | NV_CHANGE_DETAILS);
}

static void start_revert(SnapView *v, Op *op, gboolean force)
{
    NvJob *job = nv_snapshot_revert(v->base.conn, v->uuid, v->name, op->snapshot, force,
                                    on_job_progress, on_reverted, op, (GDestroyNotify)op_free);
    track_job(v, op, job, FALSE);
    nv_job_unref(job);
}

static void on_revert_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (index != 0 || !v) {
        op_free(op);
        return;
    }
    start_revert(v, op, FALSE);
}

static char *format_time_as(gint64 t, const char *format)
{
    if (t <= 0)
        return g_strdup(_("unknown"));
    g_autoptr(GDateTime) dt = g_date_time_new_from_unix_local(t);
    return dt ? g_date_time_format(dt, format) : g_strdup(_("unknown"));
}

static char *format_time(gint64 t)
{
    return format_time_as(t, "%Y-%m-%d %H:%M:%S");
}

/* What the domain is after reverting to `s`. */
typedef enum { AFTER_RUNNING, AFTER_PAUSED, AFTER_SHUTOFF } AfterRevert;

static AfterRevert state_after(const NvSnapshot *s)
{
    if (g_strcmp0(s->state, "running") == 0 && s->memory)
        return AFTER_RUNNING;
    if (g_strcmp0(s->state, "paused") == 0 && s->memory)
        return AFTER_PAUSED;
    return AFTER_SHUTOFF;
}

/* The revert prompt's sentence and the details' line: whole sentences for translators. */
static char *afterwards_text(const char *name, const NvSnapshot *s)
{
    switch (state_after(s)) {
    case AFTER_RUNNING:
        return g_strdup_printf(_("Afterwards '%s' is running, from that moment."), name);
    case AFTER_PAUSED:
        return g_strdup_printf(_("Afterwards '%s' is paused, at that moment."), name);
    case AFTER_SHUTOFF:
        break;
    }
    return g_strdup_printf(_("Afterwards '%s' is shut off."), name);
}

static char *ends_text(const char *name, const NvSnapshot *s)
{
    switch (state_after(s)) {
    case AFTER_RUNNING:
        return g_strdup_printf(_("'%s' ends running, from that moment."), name);
    case AFTER_PAUSED:
        return g_strdup_printf(_("'%s' ends paused, at that moment."), name);
    case AFTER_SHUTOFF:
        break;
    }
    return g_strdup_printf(_("'%s' ends shut off."), name);
}

static void revert(SnapView *v)
{
    NvSnapshot *s = selected_snapshot(v);
    if (!s || !idle_or_say(v))
        return;
    g_autofree char *when = format_time(s->created);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    add_paraf(lines, _("The disks go back to how they were on %s."), when);
    g_autofree char *afterwards = afterwards_text(v->name, s);
    add_para(lines, afterwards);
    add_para(lines, _("Everything written since then that no snapshot keeps is lost."));
    if (domain_active(v))
        add_paraf(lines, _("'%s' is %s now: that state is discarded."), v->name,
                  _(nv_domain_state_name(domain_state(v))));
    g_autofree char *msg = g_strdup_printf(_("Revert '%s' to snapshot '%s'?"), v->name, s->name);
    nv_app_confirm(v->base.app, _("Revert"), msg, lines_of(lines), on_revert_answer,
                   op_new(v, s->name));
}

/* ---- delete ---- */

static void on_deleted(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Op *op = data;
    g_autoptr(GError) err = NULL;
    nv_snapshot_delete_finish(res, &err);
    SnapView *v = op->link->view;
    g_autofree char *msg =
        err ? g_strdup(err->message)
        : op->children
            ? g_strdup_printf(_("Deleted snapshot '%s' and the snapshots under it."), op->snapshot)
            : g_strdup_printf(_("Deleted snapshot '%s'."), op->snapshot);
    report(op, msg, err != NULL);
    (void)v;
}

static void on_delete_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (index != 0 || !v) {
        op_free(op);
        return;
    }
    g_autofree char *label = g_strdup_printf(_("deleting snapshot '%s'"), op->snapshot);
    set_busy(v, label);
    nv_snapshot_delete_async(v->base.conn, v->uuid, op->snapshot, op->children, on_deleted, op,
                             (GDestroyNotify)op_free);
}

static void confirm_delete(SnapView *v, Op *op)
{
    NvSnapshot *s = v->list->snapshots->pdata[nv_snapshot_find(v->list, op->snapshot)];
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    add_para(lines, _("You can no longer revert to it; the domain itself is not changed."));
    if (op->children) {
        g_autoptr(GPtrArray) under = nv_snapshot_descendants(v->list, s->name);
        g_ptr_array_add(under, NULL);
        g_autofree char *names = g_strjoinv(", ", (char **)under->pdata);
        add_paraf(lines, _("Also deleted: %s."), names);
    } else if (s->children) {
        if (*s->parent)
            add_paraf(lines, _("Its children move up under '%s'."), s->parent);
        else
            add_para(lines, _("Its children become top-level snapshots."));
    }
    if (s->current)
        add_para(lines, _("It is the current snapshot: its parent becomes the current one."));
    g_autofree char *msg = g_strdup_printf(_("Delete snapshot '%s' of '%s'?"), s->name, v->name);
    nv_app_confirm(v->base.app, _("Delete snapshot"), msg, lines_of(lines), on_delete_answer, op);
}

static void on_delete_scope(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Op *op = data;
    SnapView *v = op->link->view;
    if (index < 0 || !v || nv_snapshot_find(v->list, op->snapshot) < 0) {
        op_free(op);
        return;
    }
    op->children = index == 1;
    confirm_delete(v, op);
}

static void delete_selected(SnapView *v)
{
    NvSnapshot *s = selected_snapshot(v);
    if (!s || !idle_or_say(v))
        return;
    Op *op = op_new(v, s->name);
    if (!s->descendants) {
        confirm_delete(v, op);
        return;
    }
    g_autofree char *one = g_strdup_printf(_("Only '%s' (its children move up)"), s->name);
    g_autofree char *all =
        g_strdup_printf(ngettext("'%s' and the snapshot under it",
                                 "'%s' and the %u snapshots under it", s->descendants),
                        s->name, s->descendants);
    const char *choices[] = {one, all, NULL};
    g_autofree char *msg = g_strdup_printf(_("'%s' has snapshots under it. Delete:"), s->name);
    nv_app_menu(v->base.app, _("Delete snapshot"), msg, choices, on_delete_scope, op);
}

/* ---- keys ---- */

static void move_selection(SnapView *v, NvAction a)
{
    /* A page moves by the height of the list box. */
    nv_list_move(&v->rows, a, MAX(1, nv_app_rows(v->base.app) - 6) + 1);
}

static gboolean view_action(NvView *view, NvAction a)
{
    SnapView *v = (SnapView *)view;
    g_clear_pointer(&v->message, g_free);
    gboolean changes = a == NV_ACTION_SNAPSHOT_CREATE || a == NV_ACTION_SNAPSHOT_REVERT ||
                       a == NV_ACTION_SNAPSHOT_DELETE;
    if (changes && !nv_app_check_writable(v->base.app, v->base.conn))
        return TRUE;
    switch (a) {
    case NV_ACTION_SNAPSHOT_CREATE:
        create(v);
        break;
    case NV_ACTION_SNAPSHOT_REVERT:
        revert(v);
        break;
    case NV_ACTION_SNAPSHOT_DELETE:
        delete_selected(v);
        break;
    case NV_ACTION_BACK:
        return FALSE;
    default:
        move_selection(v, a);
        break;
    }
    return TRUE;
}

/* Keys the snapshots context does not bind: moving ("list"), then "global". */
static void view_key(NvView *view, NvKey key)
{
    SnapView *v = (SnapView *)view;
    NvApp *app = view->app;
    NvAction a = nv_keymap_lookup(nv_app_get_keymap(app), NV_CTX_LIST, key);
    if (a == NV_ACTION_NONE)
        a = nv_keymap_lookup(nv_app_get_keymap(app), NV_CTX_GLOBAL, key);
    if (nv_list_is_move(a)) {
        move_selection(v, a);
        nv_app_dirty(app);
        return;
    }
    switch (a) {
    case NV_ACTION_BACK:
        nv_app_close_view(app); /* frees the view */
        return;
    case NV_ACTION_QUIT:
        nv_app_quit(app);
        break;
    case NV_ACTION_REFRESH:
        load(v);
        break;
    case NV_ACTION_REDRAW:
        clearok(curscr, TRUE);
        break;
    case NV_ACTION_JOB_CANCEL:
        if (v->job && !nv_job_cancel(v->job))
            say(v, _("This job cannot be cancelled."), TRUE);
        break;
    default:
        break;
    }
    nv_app_dirty(app);
}

/* ---- drawing ---- */

static char *key_of(NvApp *app, NvContext ctx, NvAction action)
{
    g_autoptr(GArray) binds = nv_keymap_bindings(nv_app_get_keymap(app), ctx);
    for (guint i = 0; i < binds->len; i++)
        if (g_array_index(binds, NvBinding, i).action == action)
            return nv_key_name(g_array_index(binds, NvBinding, i).key);
    return g_strdup("?");
}

static char *hints(NvApp *app)
{
    g_autofree char *n = key_of(app, NV_CTX_SNAPSHOTS, NV_ACTION_SNAPSHOT_CREATE);
    g_autofree char *r = key_of(app, NV_CTX_SNAPSHOTS, NV_ACTION_SNAPSHOT_REVERT);
    g_autofree char *d = key_of(app, NV_CTX_SNAPSHOTS, NV_ACTION_SNAPSHOT_DELETE);
    g_autofree char *b = key_of(app, NV_CTX_SNAPSHOTS, NV_ACTION_BACK);
    return g_strdup_printf(_(" %s new snapshot  %s revert  %s delete  ↑↓ move  %s back"), n, r, d,
                           b);
}

static char *status_line(SnapView *v)
{
    if (v->busy) {
        GString *s = g_string_new(" ");
        if (v->fraction >= 0) {
            double f = CLAMP(v->fraction, 0.0, 1.0);
            int filled = (int)(f * 20 + 0.5);
            g_string_append_c(s, '[');
            for (int i = 0; i < 20; i++)
                g_string_append(s, i < filled ? "█" : "░");
            g_string_append_printf(s, "] %3d%% ", (int)(f * 100 + 0.5));
        } else {
            g_string_append_printf(s, "%s ",
                                   spinner_frames[v->phase % G_N_ELEMENTS(spinner_frames)]);
        }
        g_string_append(s, v->busy);
        if (v->detail && *v->detail)
            g_string_append_printf(s, " · %s", v->detail);
        return g_string_free(s, FALSE);
    }
    if (v->message && *v->message)
        return g_strdup_printf(" %s", v->message);
    return hints(v->base.app);
}

static const char *kind_of(const NvSnapshot *s)
{
    if (s->memory)
        return s->external ? _("memory, ext") : _("memory");
    return s->external ? _("disks, ext") : _("disks");
}

static void draw_rows(SnapView *v, int y, int x, int h, int w)
{
    NvSnapshotList *l = v->list;
    guint n = l->snapshots->len;
    nv_list_scroll(&v->rows, h);
    int date_w = w >= 60 ? 16 : 0, kind_w = w >= 45 ? 12 : 0;
    int name_w = w - 2 - (date_w ? date_w + 1 : 0) - (kind_w ? kind_w + 1 : 0);
    for (int r = 0; r < h; r++) {
        guint i = v->rows.top + (guint)r;
        if (i >= n) {
            nv_draw_fill(stdscr, y + r, x, w, A_NORMAL);
            continue;
        }
        NvSnapshot *s = l->snapshots->pdata[i];
        attr_t attr = i == v->rows.selected ? COLOR_PAIR(NV_COLOR_SELECTED) | A_BOLD
                      : s->current          ? A_BOLD
                                            : A_NORMAL;
        int cx = x;
        nv_draw_text(stdscr, y + r, cx, s->current ? "●" : " ", 1,
                     attr | (i == v->rows.selected ? 0 : COLOR_PAIR(NV_COLOR_RUNNING)));
        nv_draw_fill(stdscr, y + r, cx + 1, 1, attr);
        cx += 2;
        /* The tree's lines are ours; the name is the host's and is sanitised. */
        g_autofree char *clean = nv_text_sanitize(s->name);
        g_autofree char *label = g_strconcat(s->tree, clean, NULL);
        nv_draw_text(stdscr, y + r, cx, label, name_w, attr);
        cx += name_w;
        if (date_w) {
            g_autofree char *when = format_time_as(s->created, "%Y-%m-%d %H:%M");
            nv_draw_fill(stdscr, y + r, cx++, 1, attr);
            nv_draw_text(stdscr, y + r, cx, when, date_w, attr);
            cx += date_w;
        }
        if (kind_w) {
            nv_draw_fill(stdscr, y + r, cx++, 1, attr);
            nv_draw_text(stdscr, y + r, cx, kind_of(s), kind_w, attr);
        }
    }
}

static void draw_list(SnapView *v, int y, int x, int h, int w)
{
    g_autofree char *title = v->list ? g_strdup_printf(_("Snapshots (%u)"), v->list->snapshots->len)
                                     : g_strdup(_("Snapshots"));
    nv_draw_box(stdscr, y, x, h, w, title, TRUE);
    int ih = h - 2, iw = w - 2;
    if (ih <= 0 || iw <= 0)
        return;
    for (int r = 0; r < ih; r++)
        nv_draw_fill(stdscr, y + 1 + r, x + 1, iw, A_NORMAL);
    if (v->load_error) {
        nv_draw_text(stdscr, y + 1, x + 2, v->load_error, iw - 2, COLOR_PAIR(NV_COLOR_ERROR));
        return;
    }
    if (!v->list) {
        nv_draw_text(stdscr, y + 1, x + 2, _("loading…"), iw - 2, A_DIM);
        return;
    }
    if (v->list->snapshots->len == 0) {
        g_autofree char *n = key_of(v->base.app, NV_CTX_SNAPSHOTS, NV_ACTION_SNAPSHOT_CREATE);
        g_autofree char *msg = g_strdup_printf(_("No snapshots yet: %s takes one."), n);
        nv_draw_text(stdscr, y + 1, x + 2, msg, iw - 2, A_DIM);
        return;
    }
    draw_rows(v, y + 1, x + 1, ih, iw);
}

static void details(SnapView *v, NvLines *out)
{
    NvSnapshot *s = selected_snapshot(v);
    if (!s) {
        nv_lines_add(out, "", _("No snapshot selected."));
        return;
    }
    g_autofree char *when = format_time(s->created);
    nv_lines_add(out, _("Name"), s->name);
    nv_lines_add(out, _("Description"), *s->description ? s->description : _("(none)"));
    nv_lines_add(out, _("Taken"), when);
    nv_lines_add(out, _("Domain was"), *s->state ? s->state : _("unknown"));
    nv_lines_add(out, _("Saved"), s->memory ? _("memory and disks") : _("disks only"));
    nv_lines_add(out, _("Stored"), s->external ? _("external files") : _("inside the disk images"));
    nv_lines_add(out, _("Current"), s->current ? _("yes: the domain runs on from it") : _("no"));
    nv_lines_add(out, _("Parent"), *s->parent ? s->parent : _("(none: top level)"));
    nv_lines_addf(out, _("Children"),
                  ngettext("%u (%u snapshot under it in all)", "%u (%u snapshots under it in all)",
                           s->descendants),
                  s->children, s->descendants);
    nv_lines_heading(out, _("Reverting to it"));
    g_autofree char *after = ends_text(v->name, s);
    nv_lines_add(out, "", after);
}

static void draw_details(SnapView *v, int y, int x, int h, int w)
{
    NvSnapshot *s = selected_snapshot(v);
    nv_draw_box(stdscr, y, x, h, w, s ? s->name : _("Details"), FALSE);
    if (h < 3 || w < 6)
        return;
    g_autoptr(NvLines) lines = nv_lines_new();
    details(v, lines);
    nv_lines_draw(lines, stdscr, y + 1, x + 2, h - 2, w - 4, 0);
}

static void view_draw(NvView *view)
{
    SnapView *v = (SnapView *)view;
    NvApp *app = view->app;
    werase(stdscr);
    nv_draw_fill(stdscr, 0, 0, nv_app_cols(app), COLOR_PAIR(NV_COLOR_HEADER));
    g_autofree char *head = g_strdup_printf(_(" ncvirt  snapshots of %s (%s)"), v->name,
                                            _(nv_domain_state_name(domain_state(v))));
    nv_draw_text(stdscr, 0, 0, head, nv_app_cols(app) - 2, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
    if (v->loading || v->busy)
        nv_draw_text(stdscr, 0, nv_app_cols(app) - 2,
                     spinner_frames[v->phase % G_N_ELEMENTS(spinner_frames)], 2,
                     COLOR_PAIR(NV_COLOR_HEADER));
    int body_y = 1, body_h = nv_app_rows(app) - 2;
    if (nv_app_cols(app) >= NV_SNAP_WIDE_COLS) {
        int lw = nv_app_cols(app) * 55 / 100;
        draw_list(v, body_y, 0, body_h, lw);
        draw_details(v, body_y, lw, body_h, nv_app_cols(app) - lw);
    } else {
        int lh = MAX(4, body_h / 2);
        draw_list(v, body_y, 0, lh, nv_app_cols(app));
        draw_details(v, body_y + lh, 0, body_h - lh, nv_app_cols(app));
    }
    g_autofree char *status = status_line(v);
    attr_t attr = v->busy                          ? A_BOLD
                  : v->message_error && v->message ? COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD
                  : v->message                     ? A_NORMAL
                                                   : A_DIM;
    nv_draw_text(stdscr, nv_app_rows(app) - 1, 0, status, nv_app_cols(app), attr);
}

static void view_model_changed(NvView *view, unsigned changes)
{
    if (changes & NV_CHANGE_DOMAINS)
        nv_app_dirty(view->app);
}

static void view_free(NvView *view)
{
    SnapView *v = (SnapView *)view;
    v->link->view = NULL;
    link_unref(v->link);
    g_clear_handle_id(&v->spinner_source, g_source_remove);
    g_clear_pointer(&v->job, nv_job_unref);
    nv_snapshot_list_free(v->list);
    nv_list_clear(&v->rows);
    g_free(v->load_error);
    g_free(v->select_name);
    g_free(v->message);
    g_free(v->busy);
    g_free(v->detail);
    g_free(v->uuid);
    g_free(v->name);
    g_free(v);
}

static const NvViewClass snapshots_class = {
    .context = NV_CTX_SNAPSHOTS,
    .draw = view_draw,
    .action = view_action,
    .key = view_key,
    .model_changed = view_model_changed,
    .free = view_free,
};

NvView *nv_view_snapshots_new(NvApp *app, NvConn *conn, const char *uuid, const char *name)
{
    SnapView *v = g_new0(SnapView, 1);
    v->base.klass = &snapshots_class;
    v->base.app = app;
    v->base.conn = conn;
    nv_list_init(&v->rows);
    v->link = g_new0(Link, 1);
    v->link->refs = 1;
    v->link->view = v;
    v->uuid = g_strdup(uuid);
    v->name = g_strdup(name);
    load(v);
    return &v->base;
}
