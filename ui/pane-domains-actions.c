/* Domain actions of the Domains pane on the marked domains (else the selected one): lifecycle
 * with a summary per bulk action, managed save as a job with a progress bar, autostart,
 * rename, delete with a checklist of the storage to take along, and the XML in $EDITOR. */
#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "domain-actions.h"
#include "ui-internal.h"

typedef struct {
    NvConn *conn; /* the domain's host: checked with nv_app_has_conn before it is used */
    char *uuid;
    char *name;
    NvDomainState state;
} Target;

static void target_free(Target *t)
{
    g_free(t->uuid);
    g_free(t->name);
    g_free(t);
}

/* The domains an action applies to, copied: the model may change while a dialog is open. */
static GPtrArray *targets_of(NvPane *pane)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)target_free);
    g_autoptr(GArray) items = nv_pane_targets(pane);
    for (guint i = 0; i < items->len; i++) {
        guint item;
        NvConn *conn = nv_pane_item_conn(pane, g_array_index(items, guint, i), &item);
        const NvModel *m = conn ? nv_conn_model(conn) : NULL;
        if (!m || item >= m->domains->len)
            continue;
        const NvDomain *d = m->domains->pdata[item];
        Target *t = g_new0(Target, 1);
        t->conn = conn;
        t->uuid = g_strdup(d->uuid);
        t->name = g_strdup(d->name);
        t->state = d->state;
        g_ptr_array_add(out, t);
    }
    return out;
}

/* NULL-terminated views into the targets, for the core's and the dialogs' arrays; the
 * uuids of the targets on `conn` only. */
static const char **target_uuids(GPtrArray *targets, NvConn *conn)
{
    const char **out = g_new0(const char *, targets->len + 1);
    guint n = 0;
    for (guint i = 0; i < targets->len; i++)
        if (((Target *)targets->pdata[i])->conn == conn)
            out[n++] = ((Target *)targets->pdata[i])->uuid;
    return out;
}

/* A target's host may be closed while a question is open, and a read-only one takes no
 * change: FALSE after saying why. */
static gboolean target_usable(NvApp *app, const Target *t)
{
    if (!nv_app_has_conn(app, t->conn)) {
        g_autofree char *msg = g_strdup_printf(_("'%s': its host was closed"), t->name);
        nv_app_message(app, msg, TRUE);
        return FALSE;
    }
    return nv_app_check_writable(app, t->conn);
}

/* Every target's host takes changes: an action on read-only hosts' rows is refused whole. */
static gboolean targets_writable(NvApp *app, GPtrArray *targets)
{
    for (guint i = 0; i < targets->len; i++)
        if (!target_usable(app, targets->pdata[i]))
            return FALSE;
    return TRUE;
}

static const char **target_names(GPtrArray *targets)
{
    const char **out = g_new0(const char *, targets->len + 1);
    for (guint i = 0; i < targets->len; i++)
        out[i] = ((Target *)targets->pdata[i])->name;
    return out;
}

/* ---- lifecycle on every target ---- */

typedef struct {
    NvApp *app;
    GHashTable *jobs;   /* NvJob* (a reference) -> app job id */
    char *left_out;     /* said with the summary: marked domains the filter hid, or NULL */
    guint waiting;      /* hosts whose answer has not come yet: one call per host */
    GPtrArray *results; /* NvOpResult* of every host so far */
} OpUi;

static void op_ui_unref(OpUi *ui)
{
    if (--ui->waiting > 0)
        return;
    g_hash_table_unref(ui->jobs);
    g_ptr_array_unref(ui->results);
    g_free(ui->left_out);
    g_free(ui);
}

static void cancel_job(gpointer data)
{
    nv_job_cancel(data);
}

static void on_job_started(NvJob *job, gpointer data)
{
    OpUi *ui = data;
    guint id = nv_app_job_begin(ui->app, nv_job_label(job),
                                nv_job_can_cancel(job) ? cancel_job : NULL, job);
    g_hash_table_insert(ui->jobs, nv_job_ref(job), GUINT_TO_POINTER(id));
}

static void on_job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    OpUi *ui = data;
    guint id = GPOINTER_TO_UINT(g_hash_table_lookup(ui->jobs, job));
    if (id)
        nv_app_job_progress(ui->app, id, fraction, detail);
}

static void on_job_ended(NvJob *job, gpointer data)
{
    OpUi *ui = data;
    guint id = GPOINTER_TO_UINT(g_hash_table_lookup(ui->jobs, job));
    if (id)
        nv_app_job_end(ui->app, id);
    g_hash_table_remove(ui->jobs, job);
}

static void on_op_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    OpUi *ui = data;
    g_autoptr(GPtrArray) some = nv_domain_op_finish(res, NULL);
    for (guint i = 0; some && i < some->len; i++)
        g_ptr_array_add(ui->results, g_steal_pointer(&some->pdata[i]));
    if (ui->waiting > 1)
        return; /* one summary, once every host has answered */
    GPtrArray *results = ui->results;
    g_autofree char *summary = nv_op_summary(results);
    if (ui->left_out) {
        /* The result replaces the status line: keep saying who was left out.
         * TRANSLATORS: a bulk action's summary, then how many marked domains it left out. */
        char *both = g_strdup_printf(_("%s; %s"), summary, ui->left_out);
        g_free(summary);
        summary = both;
    }
    g_autoptr(GPtrArray) failures = g_ptr_array_new();
    for (guint i = 0; i < results->len; i++) {
        NvOpResult *r = results->pdata[i];
        if (!r->ok)
            g_ptr_array_add(failures, r->message);
    }
    nv_app_report_failures(ui->app, summary, failures, results->len);
}

static const NvOpEvents op_events = {on_job_started, on_job_progress, on_job_ended};

static void run_op(NvApp *app, NvDomainOp op, GPtrArray *targets, const char *left_out)
{
    if (!targets_writable(app, targets))
        return;
    OpUi *ui = g_new0(OpUi, 1);
    ui->app = app;
    ui->left_out = g_strdup(left_out);
    ui->jobs =
        g_hash_table_new_full(g_direct_hash, g_direct_equal, (GDestroyNotify)nv_job_unref, NULL);
    ui->results = g_ptr_array_new_with_free_func((GDestroyNotify)nv_op_result_free);
    /* One call per host, in the order the hosts first appear among the targets. */
    g_autoptr(GPtrArray) conns = g_ptr_array_new();
    for (guint i = 0; i < targets->len; i++) {
        NvConn *conn = ((Target *)targets->pdata[i])->conn;
        if (!g_ptr_array_find(conns, conn, NULL))
            g_ptr_array_add(conns, conn);
    }
    ui->waiting = conns->len;
    for (guint i = 0; i < conns->len; i++) {
        g_autofree const char **uuids = target_uuids(targets, conns->pdata[i]);
        nv_domain_op_async(conns->pdata[i], op, uuids, &op_events, on_op_done, ui,
                           (GDestroyNotify)op_ui_unref);
    }
}

/* A question before an action: what it is and to whom. */
typedef struct {
    NvDomainOp op;
    GPtrArray *targets;
    char *left_out;
} Pending;

static void pending_free(Pending *p)
{
    g_ptr_array_unref(p->targets);
    g_free(p->left_out);
    g_free(p);
}

static Pending *pending_new(NvDomainOp op, GPtrArray *targets, const char *left_out)
{
    Pending *p = g_new0(Pending, 1);
    p->op = op;
    p->targets = g_ptr_array_ref(targets);
    p->left_out = g_strdup(left_out);
    return p;
}

static void shutdown_chosen(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Pending *p = data;
    if (index == 0 || index == 1)
        run_op(app, index == 0 ? NV_DOMAIN_OP_SHUTDOWN_ACPI : NV_DOMAIN_OP_SHUTDOWN_AGENT,
               p->targets, p->left_out);
    pending_free(p);
}

static char *whom(GPtrArray *targets)
{
    if (targets->len == 1)
        return g_strdup_printf("'%s'", ((Target *)targets->pdata[0])->name);
    return g_strdup_printf(ngettext("%u domain", "%u domains", targets->len), targets->len);
}

static void ask_shutdown(NvApp *app, GPtrArray *targets, const char *left_out)
{
    static const char *choices[3];
    choices[0] = _("ACPI power button");
    choices[1] = _("guest agent");
    g_autofree char *who = whom(targets);
    g_autofree char *msg = g_strdup_printf(_("Shut down %s through:"), who);
    nv_app_menu(app, _("Shut down"), msg, choices, shutdown_chosen,
                pending_new(NV_DOMAIN_OP_SHUTDOWN_ACPI, targets, left_out));
}

static void confirmed(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Pending *p = data;
    if (index == 0)
        run_op(app, p->op, p->targets, p->left_out);
    else
        nv_app_message(app, _("cancelled"), FALSE);
    pending_free(p);
}

/* Force off and reset lose what the guest has not written: name every domain first. */
static void ask_destructive(NvApp *app, NvDomainOp op, GPtrArray *targets, const char *left_out)
{
    gboolean off = op == NV_DOMAIN_OP_FORCE_OFF;
    g_autofree const char **names = target_names(targets);
    g_autofree char *who = whom(targets);
    g_autofree char *msg =
        off ? g_strdup_printf(_("Force off %s at once? The guests lose unsaved data."), who)
            : g_strdup_printf(_("Reset %s at once? The guests lose unsaved data."), who);
    nv_app_confirm(app, off ? _("Force off") : _("Reset"), msg, names, confirmed,
                   pending_new(op, targets, left_out));
}

/* ---- rename ---- */

typedef struct {
    NvApp *app;
    NvPane *pane;
    NvConn *conn;
    char *uuid;
    char *old_name;
    char *new_name;
} RenameUi;

static void rename_ui_free(RenameUi *r)
{
    g_free(r->uuid);
    g_free(r->old_name);
    g_free(r->new_name);
    g_free(r);
}

static void ask_name(RenameUi *r, const char *message, const char *initial);

static void renamed(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    RenameUi *r = data;
    g_autoptr(GError) err = NULL;
    nv_domain_rename_finish(res, &err);
    if (err) {
        nv_app_message(r->app, err->message, TRUE);
    } else {
        g_autofree char *msg = g_strdup_printf(_("renamed '%s' to '%s'"), r->old_name, r->new_name);
        nv_app_message(r->app, msg, FALSE);
        /* Keep the selection on the domain under its new name. */
        g_free(r->pane->last_selected_key);
        r->pane->last_selected_key = g_strdup(r->new_name);
        r->pane->last_selected_conn = conn;
    }
    rename_ui_free(r);
}

static void name_answered(NvApp *app, const char *answer, gpointer data)
{
    RenameUi *r = data;
    if (!answer || strcmp(answer, r->old_name) == 0) {
        rename_ui_free(r);
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!nv_app_has_conn(app, r->conn)) {
        nv_app_message(app, _("the domain's host was closed"), TRUE);
        rename_ui_free(r);
        return;
    }
    if (!nv_domain_name_check(nv_conn_model(r->conn), r->uuid, answer, &err)) {
        /* Ask again with what was typed, so a typo costs one key. */
        ask_name(r, err->message, answer);
        return;
    }
    r->new_name = g_strdup(answer);
    nv_domain_rename_async(r->conn, r->uuid, r->new_name, renamed, r, NULL);
}

static void ask_name(RenameUi *r, const char *message, const char *initial)
{
    g_autofree char *title = g_strdup_printf(_("Rename '%s'"), r->old_name);
    nv_app_prompt(r->app, title, message, FALSE, name_answered, r);
    nv_app_prompt_text(r->app, initial);
}

static void start_rename(NvPane *pane, GPtrArray *targets)
{
    NvApp *app = pane->app;
    if (targets->len != 1) {
        nv_app_message(app, _("rename works on one domain: unmark the others"), TRUE);
        return;
    }
    Target *t = targets->pdata[0];
    if (!target_usable(app, t))
        return;
    if (t->state != NV_DOMAIN_SHUTOFF) {
        g_autofree char *msg = g_strdup_printf(_("cannot rename '%s': shut it off first"), t->name);
        nv_app_message(app, msg, TRUE);
        return;
    }
    RenameUi *r = g_new0(RenameUi, 1);
    r->app = app;
    r->pane = pane;
    r->conn = t->conn;
    r->uuid = g_strdup(t->uuid);
    r->old_name = g_strdup(t->name);
    ask_name(r, _("New name:"), t->name);
}

/* ---- delete: a checklist of the storage, a confirmation, then the deed, per domain ---- */

typedef struct {
    NvApp *app;
    GPtrArray *targets;
    guint index;
    NvDeletePlan *plan;
    gboolean *remove; /* per disk of the plan, what the user ticked */
    guint job;        /* app job id of the running step, 0 for none */
    guint deleted;
    char *last;          /* the message about the last domain deleted */
    GPtrArray *failures; /* char* */
} DeleteUi;

static void delete_ui_free(DeleteUi *d)
{
    if (d->job)
        nv_app_job_end(d->app, d->job);
    g_ptr_array_unref(d->targets);
    nv_delete_plan_free(d->plan);
    g_free(d->remove);
    g_free(d->last);
    g_ptr_array_unref(d->failures);
    g_free(d);
}

static void delete_next(DeleteUi *d);

static void delete_finish(DeleteUi *d)
{
    g_autofree char *summary = NULL;
    if (d->targets->len == 1 && d->failures->len == 0)
        summary = g_strdup(d->last ? d->last : "");
    else if (d->targets->len == 1 && d->deleted == 0)
        summary = g_strdup(d->failures->pdata[0]);
    else if (d->failures->len == 0)
        summary = g_strdup_printf(ngettext("deleted %u", "deleted %u", d->deleted), d->deleted);
    else
        summary = g_strdup_printf(
            ngettext("deleted %u, failed %u: %s", "deleted %u, failed %u: %s", d->failures->len),
            d->deleted, d->failures->len, (char *)d->failures->pdata[0]);
    nv_app_report_failures(d->app, summary, d->failures, d->targets->len);
    delete_ui_free(d);
}

static void end_step(DeleteUi *d)
{
    if (d->job)
        nv_app_job_end(d->app, d->job);
    d->job = 0;
}

static char *join(GPtrArray *strings, const char *sep)
{
    GString *s = g_string_new("");
    for (guint i = 0; i < strings->len; i++)
        g_string_append_printf(s, "%s%s", i ? sep : "", (const char *)strings->pdata[i]);
    return g_string_free(s, FALSE);
}

/* "vda /var/lib/libvirt/images/web.qcow2 (volume in pool default)"; what decides the tick
 * comes first in the parentheses, and a path too long for `width` keeps only its file name. */
static char *disk_line(const NvDeleteDisk *disk, int width)
{
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    if (disk->users->len) {
        g_autofree char *users = join(disk->users, ", ");
        g_ptr_array_add(notes, g_strdup_printf(_("also used by %s"), users));
    }
    if (!*disk->path)
        g_ptr_array_add(notes, g_strdup(_("empty")));
    else if (disk->pool)
        g_ptr_array_add(notes, g_strdup_printf(_("volume in pool %s"), disk->pool));
    else
        g_ptr_array_add(notes, g_strdup(_("not a storage volume: kept")));
    if (strcmp(disk->device, "disk") != 0)
        g_ptr_array_add(notes, g_strdup(disk->device));
    g_autofree char *joined = join(notes, "; ");
    const char *target = *disk->target ? disk->target : "?";
    char *line = g_strdup_printf("%s%s%s (%s)", target, *disk->path ? " " : "", disk->path, joined);
    if (nv_text_width(line) <= width || !strchr(disk->path, '/'))
        return line;
    g_free(line);
    g_autofree char *base = g_path_get_basename(disk->path);
    return g_strdup_printf("%s …/%s (%s)", target, base, joined);
}

static void deleted(NvConn *conn, NvAsyncResult *async, gpointer data)
{
    DeleteUi *d = data;
    end_step(d);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvDeleteResult) res = nv_domain_delete_finish(async, &err);
    if (err) {
        g_ptr_array_add(d->failures, g_strdup(err->message));
    } else {
        d->deleted++;
        g_free(d->last);
        if (res->deleted->len == 0) {
            d->last = g_strdup_printf(_("deleted '%s'; its storage is kept"), d->plan->name);
        } else {
            g_autofree char *vols = join(res->deleted, ", ");
            d->last = g_strdup_printf(_("deleted '%s' and %s"), d->plan->name, vols);
        }
        for (guint i = 0; i < res->errors->len; i++)
            g_ptr_array_add(d->failures, g_strdup(res->errors->pdata[i]));
    }
    d->index++;
    delete_next(d);
}

static void delete_confirmed(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    DeleteUi *d = data;
    if (index != 0) {
        g_autofree char *msg = g_strdup_printf(_("delete cancelled: '%s' is kept"), d->plan->name);
        nv_app_message(app, msg, FALSE);
        delete_ui_free(d);
        return;
    }
    g_autofree char *label = g_strdup_printf(_("deleting %s"), d->plan->name);
    Target *t = d->targets->pdata[d->index];
    if (!target_usable(app, t)) {
        delete_ui_free(d);
        return;
    }
    d->job = nv_app_job_begin(app, label, NULL, NULL);
    nv_domain_delete_async(t->conn, d->plan, d->remove, deleted, d, NULL);
}

/* Lists exactly what goes: the domain, and each ticked volume. */
static void ask_delete_confirm(DeleteUi *d)
{
    NvDeletePlan *plan = d->plan;
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(lines,
                    plan->active
                        ? g_strdup_printf(_("domain '%s' (running: forced off first)"), plan->name)
                        : g_strdup_printf(_("domain '%s' with its managed save, snapshot "
                                            "metadata and NVRAM"),
                                          plan->name));
    guint volumes = 0;
    for (guint i = 0; i < plan->disks->len; i++) {
        NvDeleteDisk *disk = plan->disks->pdata[i];
        if (!d->remove[i])
            continue;
        if (!disk->pool) {
            /* Only volumes can be deleted through libvirt, on any host. */
            d->remove[i] = FALSE;
            g_ptr_array_add(lines,
                            g_strdup_printf(_("kept: %s is not a storage volume"), disk->path));
            continue;
        }
        volumes++;
        g_ptr_array_add(
            lines, g_strdup_printf(_("volume %s/%s (%s)"), disk->pool, disk->volume, disk->path));
    }
    if (volumes == 0)
        g_ptr_array_add(lines, g_strdup(_("no storage: every disk is kept")));
    g_ptr_array_add(lines, NULL);
    g_autofree char *title = g_strdup_printf(_("Delete '%s'?"), plan->name);
    nv_app_confirm(d->app, title, _("This cannot be undone. Delete:"),
                   (const char *const *)lines->pdata, delete_confirmed, d);
}

static void storage_chosen(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    DeleteUi *d = data;
    if (index < 0 || !checked) {
        g_autofree char *msg = g_strdup_printf(_("delete cancelled: '%s' is kept"), d->plan->name);
        nv_app_message(app, msg, FALSE);
        delete_ui_free(d);
        return;
    }
    memcpy(d->remove, checked, sizeof(gboolean) * d->plan->disks->len);
    ask_delete_confirm(d);
}

static void plan_ready(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    DeleteUi *d = data;
    end_step(d);
    g_autoptr(GError) err = NULL;
    NvDeletePlan *plan = nv_domain_delete_plan_finish(res, &err);
    if (err) {
        g_ptr_array_add(d->failures, g_strdup(err->message));
        d->index++;
        delete_next(d);
        return;
    }
    nv_delete_plan_free(d->plan);
    d->plan = plan;
    g_free(d->remove);
    d->remove = g_new0(gboolean, MAX(1u, plan->disks->len));
    if (plan->disks->len == 0) {
        ask_delete_confirm(d);
        return;
    }
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < plan->disks->len; i++) {
        NvDeleteDisk *disk = plan->disks->pdata[i];
        /* The checklist's width: a dialog of at most 76 columns, its border and "[x] ". */
        g_ptr_array_add(lines, disk_line(disk, MIN(nv_app_cols(d->app) - 4, 76) - 8));
        d->remove[i] = disk->suggested;
    }
    g_ptr_array_add(lines, NULL);
    g_autofree char *title = g_strdup_printf(_("Delete '%s': storage"), plan->name);
    nv_app_checklist(d->app, title, _("Ticked volumes are deleted with the domain:"),
                     (const char *const *)lines->pdata, d->remove, storage_chosen, d);
}

static void delete_next(DeleteUi *d)
{
    if (d->index >= d->targets->len) {
        delete_finish(d);
        return;
    }
    Target *t = d->targets->pdata[d->index];
    if (!target_usable(d->app, t)) {
        delete_ui_free(d);
        return;
    }
    g_autofree char *label = g_strdup_printf(_("checking the storage of %s"), t->name);
    d->job = nv_app_job_begin(d->app, label, NULL, NULL);
    nv_domain_delete_plan_async(t->conn, t->uuid, plan_ready, d, NULL);
}

static void start_delete(NvApp *app, GPtrArray *targets)
{
    if (!targets_writable(app, targets))
        return;
    DeleteUi *d = g_new0(DeleteUi, 1);
    d->app = app;
    d->targets = g_ptr_array_ref(targets);
    d->failures = g_ptr_array_new_with_free_func(g_free);
    delete_next(d);
}

/* ---- the XML in $EDITOR ---- */

/* While the editor has the terminal, this view keeps the app from drawing: the main loop runs
 * on (libvirt's keepalive and events need it), but nothing is painted and, with stdin moved
 * aside, no key is read. */
static void editor_view_draw(NvView *view) {}

static gboolean editor_view_action(NvView *view, NvAction a)
{
    return TRUE;
}

static void editor_view_key(NvView *view, NvKey key) {}

static void editor_view_free(NvView *view)
{
    g_free(view);
}

static const NvViewClass editor_view_class = {
    .context = NV_CTX_DIALOG,
    .draw = editor_view_draw,
    .action = editor_view_action,
    .key = editor_view_key,
    .free = editor_view_free,
    .raw = TRUE,
};

typedef struct {
    NvApp *app;
    NvConn *conn;
    char *uuid;
    char *name;
    char *path;    /* the temp file */
    char *written; /* what the editor got */
    char *edited;  /* what it left */
    char *error;   /* libvirt's refusal of `edited` */
    int saved_stdin;
    int stdin_pipe; /* write end of the pipe standing in for stdin */
    struct sigaction old_int, old_quit;
} EditUi;

static void edit_ui_free(EditUi *e)
{
    if (e->path)
        g_unlink(e->path);
    g_free(e->uuid);
    g_free(e->name);
    g_free(e->path);
    g_free(e->written);
    g_free(e->edited);
    g_free(e->error);
    g_free(e);
}

static gboolean write_file(const char *path, const char *text, GError **err)
{
    /* g_file_set_contents would replace the file (a new inode, default mode): keep ours. */
    int fd = g_open(path, O_WRONLY | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), _("cannot write %s: %s"),
                    path, g_strerror(errno));
        return FALSE;
    }
    gsize left = strlen(text);
    const char *p = text;
    while (left > 0) {
        ssize_t n = write(fd, p, left);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(errno), _("cannot write %s: %s"),
                        path, g_strerror(errno));
            close(fd);
            return FALSE;
        }
        p += n;
        left -= (gsize)n;
    }
    close(fd);
    return TRUE;
}

static void child_setup(gpointer data)
{
    /* The editor gets the terminal's signals as usual; only ncvirt ignores them meanwhile. */
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
}

static void restore_terminal(EditUi *e)
{
    if (e->saved_stdin >= 0) {
        dup2(e->saved_stdin, STDIN_FILENO);
        close(e->saved_stdin);
        e->saved_stdin = -1;
    }
    if (e->stdin_pipe >= 0) {
        close(e->stdin_pipe);
        e->stdin_pipe = -1;
    }
    sigaction(SIGINT, &e->old_int, NULL);
    sigaction(SIGQUIT, &e->old_quit, NULL);
    nv_app_resume(e->app);
    nv_app_close_view(e->app);
}

static void edit_again_or_discard(NvApp *app, int index, const gboolean *checked, gpointer data);
static void run_editor(EditUi *e);

static void defined(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    EditUi *e = data;
    g_autoptr(GError) err = NULL;
    nv_domain_xml_define_finish(res, &err);
    if (!err) {
        g_autofree char *msg = g_strdup_printf(_("saved the new definition of '%s'"), e->name);
        nv_app_message(e->app, msg, FALSE);
        edit_ui_free(e);
        return;
    }
    nv_app_message(e->app, err->message, TRUE);
    g_free(e->error);
    e->error = g_strdup(err->message);
    /* A menu has one line of message; libvirt's reason often needs several, so the question
     * lists it in full: yes edits again, no discards. */
    g_autoptr(GPtrArray) lines = nv_status_wrap(e->app, err->message);
    g_ptr_array_add(lines, NULL);
    g_autofree char *title = g_strdup_printf(_("'%s' is unchanged"), e->name);
    nv_app_confirm(e->app, title, _("libvirt refused the edit. Edit again? (No discards it.)"),
                   (const char *const *)lines->pdata, edit_again_or_discard, e);
}

#define NOTE_START "<!-- ncvirt: "
#define NOTE_END "-->\n"

/* The edited text without a note we put in before. */
static const char *strip_note(const char *text)
{
    if (!g_str_has_prefix(text, NOTE_START))
        return text;
    const char *end = strstr(text, NOTE_END);
    return end ? end + strlen(NOTE_END) : text;
}

static char *with_note(const char *text, const char *error)
{
    /* "--" may not appear inside an XML comment. */
    g_autoptr(GString) msg = g_string_new(error);
    while (strstr(msg->str, "--"))
        g_string_replace(msg, "--", "- -", 0);
    const char *body = strip_note(text);
    return g_strdup_printf(NOTE_START "%s\n%s\n     %s -->\n%s",
                           _("libvirt refused this definition:"), msg->str,
                           _("Fix it and save, or quit without saving to keep the old one."), body);
}

static void edit_again_or_discard(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    EditUi *e = data;
    if (index != 0) {
        g_autofree char *msg =
            g_strdup_printf(_("discarded: the definition of '%s' is unchanged"), e->name);
        nv_app_message(app, msg, FALSE);
        edit_ui_free(e);
        return;
    }
    g_free(e->written);
    e->written = with_note(e->edited, e->error ? e->error : "");
    g_autoptr(GError) err = NULL;
    if (!write_file(e->path, e->written, &err)) {
        nv_app_message(app, err->message, TRUE);
        edit_ui_free(e);
        return;
    }
    run_editor(e);
}

static void editor_exited(GPid pid, gint status, gpointer data)
{
    EditUi *e = data;
    g_spawn_close_pid(pid);
    restore_terminal(e);
    g_autoptr(GError) err = NULL;
    if (!g_spawn_check_wait_status(status, &err)) {
        g_autofree char *msg =
            g_strdup_printf(_("the editor failed (%s): the definition of '%s' is unchanged"),
                            err->message, e->name);
        nv_app_message(e->app, msg, TRUE);
        edit_ui_free(e);
        return;
    }
    g_autofree char *text = NULL;
    if (!g_file_get_contents(e->path, &text, NULL, &err)) {
        nv_app_message(e->app, err->message, TRUE);
        edit_ui_free(e);
        return;
    }
    if (strcmp(text, e->written) == 0) {
        g_autofree char *msg =
            g_strdup_printf(_("no change: the definition of '%s' stays as it was"), e->name);
        nv_app_message(e->app, msg, FALSE);
        edit_ui_free(e);
        return;
    }
    g_free(e->edited);
    e->edited = g_steal_pointer(&text);
    if (!nv_app_has_conn(e->app, e->conn)) {
        nv_app_message(e->app, _("the domain's host was closed"), TRUE);
        edit_ui_free(e);
        return;
    }
    nv_domain_xml_define_async(e->conn, e->uuid, e->edited, defined, e, NULL);
}

static char **editor_argv(const char *path, GError **err)
{
    const char *editor = g_getenv("VISUAL");
    if (!editor || !*editor)
        editor = g_getenv("EDITOR");
    if (!editor || !*editor)
        editor = "vi";
    char **argv = NULL;
    int argc = 0;
    if (!g_shell_parse_argv(editor, &argc, &argv, err)) {
        g_prefix_error(err, _("cannot read the editor command '%s': "), editor);
        return NULL;
    }
    argv = g_renew(char *, argv, argc + 2);
    argv[argc] = g_strdup(path);
    argv[argc + 1] = NULL;
    return argv;
}

/* Hands the terminal to the editor; the loop runs on and hears when it exits. */
static void run_editor(EditUi *e)
{
    NvApp *app = e->app;
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = editor_argv(e->path, &err);
    int fds[2] = {-1, -1};
    if (!argv || !g_unix_open_pipe(fds, FD_CLOEXEC, &err)) {
        nv_app_message(app, err->message, TRUE);
        edit_ui_free(e);
        return;
    }
    NvView *view = g_new0(NvView, 1);
    view->klass = &editor_view_class;
    view->app = app;
    nv_app_open_view(app, view);
    nv_app_suspend(app);

    /* ncvirt's stdin becomes a pipe nobody writes, so the app reads no key the editor is
     * meant to get; the editor gets the terminal. */
    e->saved_stdin = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    dup2(fds[0], STDIN_FILENO);
    close(fds[0]);
    e->stdin_pipe = fds[1];
    struct sigaction ign = {0};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &e->old_int);
    sigaction(SIGQUIT, &ign, &e->old_quit);

    /* stdout is inherited as it is; stderr (ncvirt's goes to a log) becomes the terminal. A
     * descriptor passed in is closed in the child after its dup2, so stdout goes as a copy. */
    int term = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    GPid pid = 0;
    gboolean ok = g_spawn_async_with_fds(
        NULL, argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_DO_NOT_REAP_CHILD, child_setup, NULL, &pid,
        e->saved_stdin, -1, term >= 0 ? term : -1, &err);
    if (term >= 0)
        close(term);
    if (!ok) {
        restore_terminal(e);
        nv_app_message(app, err->message, TRUE);
        edit_ui_free(e);
        return;
    }
    g_child_watch_add(pid, editor_exited, e);
}

static void xml_fetched(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    EditUi *e = data;
    g_autoptr(GError) err = NULL;
    char *xml = nv_domain_xml_get_finish(res, &err);
    if (err) {
        nv_app_message(e->app, err->message, TRUE);
        edit_ui_free(e);
        return;
    }
    g_autofree char *text = xml;
    g_autoptr(GError) ferr = NULL;
    /* 0600 in the temp dir: the secure XML may hold passwords. */
    int fd = g_file_open_tmp("ncvirt-edit-XXXXXX.xml", &e->path, &ferr);
    if (fd < 0) {
        nv_app_message(e->app, ferr->message, TRUE);
        edit_ui_free(e);
        return;
    }
    close(fd);
    e->written = g_steal_pointer(&text);
    if (!write_file(e->path, e->written, &ferr)) {
        nv_app_message(e->app, ferr->message, TRUE);
        edit_ui_free(e);
        return;
    }
    run_editor(e);
}

static void start_edit_xml(NvApp *app, GPtrArray *targets)
{
    if (targets->len != 1) {
        nv_app_message(app, _("the XML editor works on one domain: unmark the others"), TRUE);
        return;
    }
    Target *t = targets->pdata[0];
    if (!target_usable(app, t))
        return;
    EditUi *e = g_new0(EditUi, 1);
    e->app = app;
    e->conn = t->conn;
    e->uuid = g_strdup(t->uuid);
    e->name = g_strdup(t->name);
    e->saved_stdin = -1;
    e->stdin_pipe = -1;
    nv_domain_xml_get_async(t->conn, t->uuid, xml_fetched, e, NULL);
}

/* ---- dispatch ---- */

gboolean nv_domain_action(NvPane *pane, NvAction a)
{
    NvDomainOp op = NV_DOMAIN_OP_START; /* not used by rename, delete and edit */
    if (!nv_domain_op_for_action(a, &op) && a != NV_ACTION_RENAME && a != NV_ACTION_DELETE &&
        a != NV_ACTION_EDIT_XML)
        return FALSE;
    NvApp *app = pane->app;
    g_autoptr(GPtrArray) targets = targets_of(pane);
    guint hidden = nv_pane_marked_hidden(pane);
    g_autofree char *left_out = NULL;
    if (hidden > 0) {
        /* Said before the question or the action, and again with its result, so nobody acts
         * on rows they cannot see unawares. */
        left_out = g_strdup_printf(ngettext("%u marked domain hidden by the filter was left out",
                                            "%u marked domains hidden by the filter were left out",
                                            hidden),
                                   hidden);
        nv_app_message(app, left_out, targets->len == 0);
    }
    if (targets->len == 0) {
        if (hidden == 0)
            nv_app_message(app, _("No domain selected."), TRUE);
        return TRUE;
    }
    /* A read-only host is refused before any question is asked. */
    if (!targets_writable(app, targets))
        return TRUE;
    switch (a) {
    case NV_ACTION_SHUTDOWN:
        ask_shutdown(app, targets, left_out);
        break;
    case NV_ACTION_RESET:
    case NV_ACTION_FORCE_OFF:
        ask_destructive(app, op, targets, left_out);
        break;
    case NV_ACTION_RENAME:
        start_rename(pane, targets);
        break;
    case NV_ACTION_DELETE:
        start_delete(app, targets);
        break;
    case NV_ACTION_EDIT_XML:
        start_edit_xml(app, targets);
        break;
    default:
        run_op(app, op, targets, left_out);
        break;
    }
    return TRUE;
}
