/* The Storage pane: pools in the list; the selected pool's details and volumes beside it.
 * Pool actions apply to the selected pool. Enter moves into the volume list (Up/Down pick a
 * volume, Escape goes back), where the volume actions apply to the picked volume and its
 * details say which domains use it. Whatever destroys data asks first and names it. */
#include <string.h>

#include "field.h"
#include "pane-storage.h"
#include "storage.h"
#include "ui-internal.h"

enum { COL_STATE, COL_NAME, COL_TYPE, COL_CAPACITY, COL_AVAILABLE, COL_AUTOSTART, COL_PATH };

static const NvColumn columns[] = {
    {N_("State"), 9, FALSE},       {N_("Name"), 18, FALSE},
    {N_("Type"), 8, FALSE},        {N_("Capacity"), 10, TRUE},
    {N_("Available"), 10, TRUE},   {N_("Auto"), 4, FALSE},
    {N_("Target path"), 0, FALSE}, {NULL, 0, FALSE},
};

/* Where the user is in the volume list: pure UI state of this pane. (Which domains use a
 * volume is model data: nv_model_volume_users.) */
typedef struct {
    gboolean in_volumes; /* moving in the volume list (while the details have the focus) */
    char *pool;          /* the pool whose volumes are being moved in */
    char *volume;        /* the picked volume's name */
    guint index;         /* and its index, to stay near it when it goes */
    int line;            /* its first line in the details, for scrolling; -1 unknown */
} StorageUi;

/* The pane's instance: the base, then the volume list's state. */
typedef struct {
    NvPane base;
    StorageUi ui;
} StoragePane;

static StorageUi *ui_of(NvPane *pane)
{
    return &((StoragePane *)pane)->ui;
}

static void init(NvPane *pane)
{
    ui_of(pane)->line = -1;
}

static void finalize(NvPane *pane)
{
    StorageUi *ui = ui_of(pane);
    g_free(ui->pool);
    g_free(ui->volume);
}

static NvPool *pool_at(NvPane *pane, guint item)
{
    guint local;
    NvConn *conn = nv_pane_item_conn(pane, item, &local);
    return nv_conn_model(conn)->pools->pdata[local];
}

static NvPool *selected_pool(NvPane *pane)
{
    int item = nv_list_selected_item(&pane->list);
    return item >= 0 ? pool_at(pane, (guint)item) : NULL;
}

/* The pool's volumes once they are loaded, else NULL. */
static GPtrArray *volumes_of(NvPane *pane, const NvPool *p)
{
    return p ? nv_model_pool_volumes(nv_pane_model(pane), p->name, NULL) : NULL;
}

static gboolean in_volumes(NvPane *pane)
{
    StorageUi *ui = ui_of(pane);
    NvPool *p = selected_pool(pane);
    return ui->in_volumes && nv_pane_details_focused(pane) && p &&
           g_strcmp0(p->name, ui->pool) == 0;
}

/* The picked volume: by name, else the one now at its index (it was deleted or renamed). */
static NvVolume *picked_volume(NvPane *pane, guint *index)
{
    StorageUi *ui = ui_of(pane);
    GPtrArray *vols = volumes_of(pane, selected_pool(pane));
    if (!vols || vols->len == 0)
        return NULL;
    guint at = MIN(ui->index, vols->len - 1);
    for (guint i = 0; i < vols->len; i++)
        if (g_strcmp0(((NvVolume *)vols->pdata[i])->name, ui->volume) == 0)
            at = i;
    NvVolume *v = vols->pdata[at];
    ui->index = at;
    if (g_strcmp0(ui->volume, v->name) != 0) {
        g_free(ui->volume);
        ui->volume = g_strdup(v->name);
    }
    if (index)
        *index = at;
    return v;
}

/* ---- which domains use a volume ---- */

static char *users_text(NvPane *pane, const NvVolume *v)
{
    const char *error = NULL;
    GPtrArray *names = nv_model_volume_users(nv_pane_model(pane), v->path, &error);
    if (error)
        return g_strdup(error);
    if (!names)
        return g_strdup(_("checking…"));
    if (names->len == 0)
        return g_strdup(_("no domain"));
    g_autoptr(GString) s = g_string_new("");
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)names->pdata[i]);
    return g_strdup(s->str);
}

/* ---- the list ---- */

static guint n_items(NvPane *pane, NvConn *conn)
{
    return nv_conn_model(conn)->pools->len;
}

static const char *item_name(NvPane *pane, guint item)
{
    return pool_at(pane, item)->name;
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvPool *p = pool_at(pane, item);
    switch (column) {
    case COL_STATE:
        return g_strdup(_(nv_pool_state_name(p->state)));
    case COL_NAME:
        return g_strdup(p->name);
    case COL_TYPE:
        return g_strdup(p->type);
    case COL_CAPACITY:
        return nv_format_bytes(p->capacity);
    case COL_AVAILABLE:
        return nv_format_bytes(p->available);
    case COL_AUTOSTART:
        return g_strdup(p->autostart > 0 ? _("yes") : _("no"));
    case COL_PATH:
        return g_strdup(p->target_path);
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    return pool_at(pane, item)->active ? NV_COLOR_RUNNING : NV_COLOR_STOPPED;
}

/* ---- details ---- */

static void volume_lines(NvPane *pane, NvPool *p, GPtrArray *vols, NvLines *out)
{
    StorageUi *ui = ui_of(pane);
    gboolean picking = in_volumes(pane);
    guint picked = 0;
    if (picking)
        picked_volume(pane, &picked);
    ui->line = -1;
    for (guint i = 0; i < vols->len; i++) {
        NvVolume *v = vols->pdata[i];
        g_autofree char *cap = nv_format_bytes(v->capacity);
        g_autofree char *alloc = nv_format_bytes(v->allocation);
        gboolean here = picking && i == picked;
        g_autofree char *label =
            picking ? g_strdup_printf("%s %s", here ? "▶" : " ", v->name) : g_strdup(v->name);
        if (here)
            ui->line = (int)out->labels->len;
        nv_lines_addf(out, label, _("%s  capacity %s  allocation %s"),
                      *v->format ? v->format : v->type, cap, alloc);
        nv_lines_add(out, "", v->path);
        if (here) {
            /* Asked again when older than a few seconds: domains come and go. */
            nv_conn_want_volume_users(nv_pane_conn(pane), p->name, v->name, v->path);
            g_autofree char *users = users_text(pane, v);
            nv_lines_addf(out, "", _("used by: %s"), users);
        }
    }
}

static void volumes(NvPane *pane, NvPool *p, NvLines *out)
{
    nv_conn_want_pool(nv_pane_conn(pane), p->name); /* again when an event made them stale */
    const char *error = NULL;
    GPtrArray *vols = nv_model_pool_volumes(nv_pane_model(pane), p->name, &error);
    nv_lines_heading(out, in_volumes(pane) ? _("Volumes (↑↓ pick, Esc back)") : _("Volumes"));
    if (error) {
        nv_lines_add(out, "", error);
        return;
    }
    if (!vols) {
        nv_lines_add(out, "", _("loading volumes…"));
        return;
    }
    if (vols->len == 0)
        nv_lines_add(out, "", _("no volumes"));
    volume_lines(pane, p, vols, out);
}

/* Keeps the picked volume's lines in view (the details are drawn right after this). */
static void scroll_to_picked(NvPane *pane)
{
    StorageUi *ui = ui_of(pane);
    if (!in_volumes(pane) || ui->line < 0)
        return;
    int page = MAX(1, pane->details_page);
    if (ui->line < pane->details_scroll)
        pane->details_scroll = ui->line;
    else if (ui->line + 3 > pane->details_scroll + page)
        pane->details_scroll = ui->line + 3 - page;
}

static void details(NvPane *pane, int item, NvLines *out)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No storage pool selected."));
        return;
    }
    NvPool *p = pool_at(pane, (guint)item);
    g_autofree char *cap = nv_format_bytes(p->capacity);
    g_autofree char *alloc = nv_format_bytes(p->allocation);
    g_autofree char *avail = nv_format_bytes(p->available);
    nv_lines_add(out, _("Name"), p->name);
    nv_lines_add(out, _("UUID"), p->uuid);
    nv_lines_add(out, _("State"), _(nv_pool_state_name(p->state)));
    nv_lines_add(out, _("Type"), p->type);
    nv_lines_add(out, _("Target path"), p->target_path);
    nv_lines_add(out, _("Capacity"), cap);
    nv_lines_add(out, _("Allocation"), alloc);
    nv_lines_add(out, _("Available"), avail);
    nv_lines_add(out, _("Autostart"), p->autostart > 0 ? _("yes") : _("no"));
    nv_lines_add(out, _("Persistent"), p->persistent > 0 ? _("yes") : _("no"));
    volumes(pane, p, out);
    scroll_to_picked(pane);
}

static const char *details_title(NvPane *pane, int item)
{
    return pool_at(pane, (guint)item)->name;
}

static void selected(NvPane *pane, int item)
{
    if (item >= 0)
        nv_conn_want_pool(nv_pane_item_conn(pane, (guint)item, NULL),
                          pool_at(pane, (guint)item)->name);
}

/* ---- what an action is about, copied: the model may change while a dialog is open ---- */

/* What a volume action does once it is confirmed. */
typedef enum { VOLUME_DELETE, VOLUME_WIPE, VOLUME_UPLOAD, VOLUME_SHRINK } VolumeStep;

typedef struct {
    NvApp *app;
    NvPane *pane;
    NvConn *conn; /* the pool's host; nv_app_has_conn before each use after a question */
    char *pool;
    gboolean pool_active;
    NvPoolOp op;
    VolumeStep step;
    guint job_id; /* of a wipe in the status line */
    char *volume;
    char *path;
    char *format;
    guint64 capacity;
    guint64 new_size;
    NvLocalFile *file;  /* the upload's file, opened when its path was given */
    char *done_message; /* shown on success */
    GPtrArray *lines;   /* char*: what a confirmation lists */
} Ask;

static void ask_free(Ask *a)
{
    g_free(a->pool);
    g_free(a->volume);
    g_free(a->path);
    g_free(a->format);
    g_clear_pointer(&a->file, nv_local_file_unref);
    g_free(a->done_message);
    if (a->lines)
        g_ptr_array_unref(a->lines);
    g_free(a);
}

static Ask *ask_pool(NvPane *pane, const NvPool *p)
{
    Ask *a = g_new0(Ask, 1);
    a->app = pane->app;
    a->pane = pane;
    a->conn = nv_pane_conn(pane);
    a->pool = g_strdup(p->name);
    a->pool_active = p->active;
    a->lines = g_ptr_array_new_with_free_func(g_free);
    return a;
}

static Ask *ask_volume(NvPane *pane, const NvPool *p, const NvVolume *v)
{
    Ask *a = ask_pool(pane, p);
    a->volume = g_strdup(v->name);
    a->path = g_strdup(v->path);
    a->format = g_strdup(v->format);
    a->capacity = v->capacity;
    return a;
}

/* `text` as lines that fit a dialog (dialogs do not wrap). */
static void add_line(Ask *a, const char *text)
{
    g_autoptr(GPtrArray) lines = nv_status_wrap(a->app, text);
    for (guint i = 0; i < lines->len; i++)
        g_ptr_array_add(a->lines, g_strdup(lines->pdata[i]));
    if (lines->len == 0)
        g_ptr_array_add(a->lines, g_strdup(""));
}

static const char *const *lines_of(Ask *a)
{
    if (!a->lines->len || a->lines->pdata[a->lines->len - 1] != NULL)
        g_ptr_array_add(a->lines, NULL);
    return (const char *const *)a->lines->pdata;
}

/* The host is still open (it may be closed while a question is up); else says so and frees
 * `a`. */
static gboolean ask_live(Ask *a)
{
    if (nv_app_has_conn(a->app, a->conn))
        return TRUE;
    g_autofree char *msg = g_strdup_printf(_("'%s': its host was closed"), a->pool);
    nv_app_message(a->app, msg, TRUE);
    ask_free(a);
    return FALSE;
}

static void op_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ask *a = data;
    g_autoptr(GError) err = NULL;
    nv_storage_finish(res, &err);
    nv_app_report(a->app, err ? err->message : a->done_message, err != NULL);
    ask_free(a);
}

/* ---- pool actions ---- */

/* Takes `done_message`, shown when the action succeeded. */
static void run_pool_op(Ask *a, NvPoolOp op, char *done_message)
{
    a->done_message = done_message;
    if (ask_live(a))
        nv_pool_op_async(a->conn, a->pool, op, op_done, a, NULL);
}

static void pool_confirmed(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Ask *a = data;
    if (index != 0) {
        nv_app_message(app, _("cancelled"), FALSE);
        ask_free(a);
        return;
    }
    switch (a->op) {
    case NV_POOL_OP_STOP:
        run_pool_op(a, a->op, g_strdup_printf(_("stopped pool '%s'"), a->pool));
        break;
    case NV_POOL_OP_BUILD:
        run_pool_op(a, a->op, g_strdup_printf(_("built pool '%s'"), a->pool));
        break;
    case NV_POOL_OP_UNDEFINE:
        run_pool_op(a, a->op,
                    g_strdup_printf(_("removed pool '%s'; its data stays on the host"), a->pool));
        break;
    case NV_POOL_OP_DELETE_DATA:
        run_pool_op(a, a->op, g_strdup_printf(_("deleted pool '%s' and its data"), a->pool));
        break;
    default:
        ask_free(a);
        break;
    }
}

static void ask_stop(NvPane *pane, NvPool *p)
{
    Ask *a = ask_pool(pane, p);
    a->op = NV_POOL_OP_STOP;
    add_line(a, _("Its volumes cannot be listed or given to domains until it starts again."));
    add_line(a, _("Domains keep the disks they have open; the data stays."));
    g_autofree char *msg = g_strdup_printf(_("Stop pool '%s'?"), p->name);
    nv_app_confirm(pane->app, _("Stop pool"), msg, lines_of(a), pool_confirmed, a);
}

static void ask_build(NvPane *pane, NvPool *p)
{
    if (p->active) {
        g_autofree char *msg =
            g_strdup_printf(_("pool '%s' is running: stop it (S) before building it"), p->name);
        nv_app_message(pane->app, msg, TRUE);
        return;
    }
    Ask *a = ask_pool(pane, p);
    a->op = NV_POOL_OP_BUILD;
    NvPoolType type;
    if (!nv_pool_type_from_name(p->type, &type) || !nv_pool_type_build_destroys(type)) {
        run_pool_op(a, a->op, g_strdup_printf(_("built pool '%s'"), a->pool));
        return;
    }
    if (type == NV_POOL_DISK)
        add_line(a, _("Building a disk pool writes a new partition table on its disk: "
                      "everything on the disk is lost."));
    else
        add_line(a, _("Building a logical pool makes its devices into an LVM volume group: "
                      "everything on them is lost."));
    g_autofree char *msg = g_strdup_printf(_("Build pool '%s' (%s)?"), p->name, p->type);
    nv_app_confirm(pane->app, _("Build pool"), msg, lines_of(a), pool_confirmed, a);
}

/* The volumes a data delete takes along, as far as they are known. */
static void list_volumes_lost(NvPane *pane, Ask *a, NvPool *p)
{
    GPtrArray *vols = volumes_of(pane, p);
    if (!vols) {
        add_line(a, p->active ? _("Every volume in it is deleted.")
                              : _("Its storage is deleted (the pool is stopped: its volumes "
                                  "are not listed)."));
        return;
    }
    g_autofree char *n = g_strdup_printf(
        ngettext("Its %u volume is deleted:", "All %u of its volumes are deleted:", vols->len),
        vols->len);
    add_line(a, n);
    for (guint i = 0; i < vols->len && i < 8; i++)
        add_line(a, ((NvVolume *)vols->pdata[i])->name);
    if (vols->len > 8) {
        g_autofree char *more = g_strdup_printf(
            ngettext("… and %u more", "… and %u more", vols->len - 8), vols->len - 8);
        add_line(a, more);
    }
}

static void delete_chosen(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Ask *a = data;
    if (index < 0) {
        nv_app_message(app, _("cancelled"), FALSE);
        ask_free(a);
        return;
    }
    NvPool *p = selected_pool(a->pane);
    g_autofree char *msg = NULL;
    if (index == 0) {
        a->op = NV_POOL_OP_UNDEFINE;
        msg = g_strdup_printf(_("Remove pool '%s'? Its data stays."), a->pool);
        add_line(a, _("The definition goes; the directory, devices and volumes stay on the "
                      "host, and a new pool can take them up again."));
    } else {
        a->op = NV_POOL_OP_DELETE_DATA;
        msg = g_strdup_printf(_("DELETE pool '%s' AND ALL ITS DATA?"), a->pool);
        add_line(a, _("This cannot be undone."));
        if (p && g_strcmp0(p->name, a->pool) == 0)
            list_volumes_lost(a->pane, a, p);
        add_line(a, _("Then its storage goes (a dir pool's directory, a logical pool's "
                      "volume group), and the definition."));
        add_line(a, _("Domains with disks on it lose them."));
    }
    if (a->pool_active)
        add_line(a, _("It runs: it is stopped first."));
    nv_app_confirm(app, index == 0 ? _("Remove pool") : _("Delete pool and data"), msg, lines_of(a),
                   pool_confirmed, a);
}

static void ask_delete_pool(NvPane *pane, NvPool *p)
{
    Ask *a = ask_pool(pane, p);
    static const char *choices[3];
    choices[0] = _("Remove the definition only (the data stays)");
    choices[1] = _("Delete the data too: every volume and the pool's storage (!)");
    g_autofree char *msg = g_strdup_printf(_("Delete pool '%s':"), p->name);
    nv_app_menu(pane->app, _("Delete pool"), msg, choices, delete_chosen, a);
}

static gboolean pool_action(NvPane *pane, NvAction act)
{
    NvPool *p = selected_pool(pane);
    if (!p) {
        nv_app_message(pane->app, _("No storage pool selected."), TRUE);
        return TRUE;
    }
    if (!nv_app_check_writable(pane->app, nv_pane_conn(pane)))
        return TRUE;
    switch (act) {
    case NV_ACTION_POOL_START:
        run_pool_op(ask_pool(pane, p), NV_POOL_OP_START,
                    g_strdup_printf(_("started pool '%s'"), p->name));
        break;
    case NV_ACTION_POOL_STOP:
        ask_stop(pane, p);
        break;
    case NV_ACTION_POOL_BUILD:
        ask_build(pane, p);
        break;
    case NV_ACTION_POOL_REFRESH:
        run_pool_op(ask_pool(pane, p), NV_POOL_OP_REFRESH,
                    g_strdup_printf(_("refreshed pool '%s'"), p->name));
        break;
    case NV_ACTION_POOL_AUTOSTART:
        if (p->autostart > 0)
            run_pool_op(ask_pool(pane, p), NV_POOL_OP_AUTOSTART_OFF,
                        g_strdup_printf(_("pool '%s' no longer starts with the host"), p->name));
        else
            run_pool_op(ask_pool(pane, p), NV_POOL_OP_AUTOSTART_ON,
                        g_strdup_printf(_("pool '%s' now starts with the host"), p->name));
        break;
    default:
        ask_delete_pool(pane, p);
        break;
    }
    return TRUE;
}

/* ---- uploads and wipes: jobs in the status line ---- */

typedef struct {
    NvApp *app;
    guint id;
    NvJob *job; /* borrowed: it lives until it is done, and owns this */
    char *volume;
    char *file;
    guint64 size;
} JobUi;

static void job_ui_free(JobUi *j)
{
    g_free(j->volume);
    g_free(j->file);
    g_free(j);
}

static void cancel_job(gpointer data)
{
    JobUi *j = data;
    if (j->job)
        nv_job_cancel(j->job);
}

static void job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    JobUi *j = data;
    nv_app_job_progress(j->app, j->id, fraction, detail);
}

static void upload_done(NvJob *job, const GError *err, gpointer data)
{
    JobUi *j = data;
    nv_app_job_end(j->app, j->id);
    j->job = NULL;
    if (err) {
        nv_app_report(j->app, err->message, TRUE);
        return;
    }
    g_autofree char *size = nv_format_bytes(j->size);
    g_autofree char *msg =
        g_strdup_printf(_("uploaded '%s' (%s) into '%s'"), j->file, size, j->volume);
    nv_app_message(j->app, msg, FALSE);
}

void nv_storage_upload(NvApp *app, NvConn *conn, const char *pool, const char *volume,
                       NvLocalFile *file, gboolean created)
{
    JobUi *j = g_new0(JobUi, 1);
    j->app = app;
    j->volume = g_strdup(volume);
    j->file = g_strdup(file->path);
    j->size = file->size;
    g_autofree char *base = g_path_get_basename(file->path);
    g_autofree char *label = g_strdup_printf(_("upload %s into %s"), base, volume);
    j->id = nv_app_job_begin(app, label, cancel_job, j);
    NvUploadSpec spec = {
        .pool = pool,
        .volume = volume,
        .local_path = file->path,
        .file = file,
        .delete_on_failure = created,
        .progress = job_progress,
        .done = upload_done,
        .data = j,
        .data_free = (GDestroyNotify)job_ui_free,
    };
    j->job = nv_volume_upload(conn, &spec);
    nv_job_unref(j->job);
}

static void wipe_done(NvJob *job, const GError *err, gpointer data)
{
    Ask *a = data;
    nv_app_job_end(a->app, a->job_id);
    nv_app_report(a->app, err ? err->message : a->done_message, err != NULL);
    ask_free(a);
}

/* ---- volume actions ---- */

static void volume_confirmed(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Ask *a = data;
    if (index != 0) {
        nv_app_message(app, _("cancelled"), FALSE);
        ask_free(a);
        return;
    }
    if (!ask_live(a))
        return;
    switch (a->step) {
    case VOLUME_DELETE:
        a->done_message = g_strdup_printf(_("deleted volume '%s'"), a->volume);
        nv_volume_delete_async(a->conn, a->pool, a->volume, op_done, a, NULL);
        break;
    case VOLUME_WIPE: { /* a job with a spinner: libvirt cannot abort it */
        a->done_message = g_strdup_printf(_("wiped volume '%s'"), a->volume);
        g_autofree char *label = g_strdup_printf(_("wipe %s"), a->volume);
        a->job_id = nv_app_job_begin(app, label, NULL, NULL);
        nv_job_unref(nv_volume_wipe(a->conn, a->pool, a->volume, wipe_done, a));
        break;
    }
    case VOLUME_UPLOAD:
        nv_storage_upload(app, a->conn, a->pool, a->volume, a->file, FALSE);
        ask_free(a);
        break;
    case VOLUME_SHRINK:
        a->done_message = g_strdup_printf(_("resized volume '%s'"), a->volume);
        nv_volume_resize_async(a->conn, a->pool, a->volume, a->new_size, TRUE, op_done, a, NULL);
        break;
    }
}

/* The users are asked afresh before a destructive step: the answer is the warning. */
static void users_then_confirm(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Ask *a = data;
    g_autoptr(GError) err = NULL;
    GPtrArray *names = nv_volume_users_finish(res, &err);
    if (err) {
        g_autofree char *line =
            g_strdup_printf(_("Cannot tell which domains use it: %s"), err->message);
        add_line(a, line);
    } else if (names->len == 0) {
        add_line(a, _("No domain uses it."));
    } else {
        add_line(a, ngettext("Used by this domain, whose disk it is:",
                             "Used by these domains, whose disk it is:", names->len));
        for (guint i = 0; i < names->len; i++)
            add_line(a, names->pdata[i]);
    }
    if (names)
        g_ptr_array_unref(names);
    g_autofree char *msg = NULL;
    const char *title = _("Delete volume");
    if (a->step == VOLUME_DELETE) {
        msg = g_strdup_printf(_("Delete volume '%s' of pool '%s'? Its data is lost."), a->volume,
                              a->pool);
    } else if (a->step == VOLUME_WIPE) {
        title = _("Wipe volume");
        msg = g_strdup_printf(_("Wipe volume '%s'? Every byte becomes zero."), a->volume);
    } else {
        title = _("Upload into volume");
        msg = g_strdup_printf(_("Replace the content of '%s' with the file?"), a->volume);
    }
    nv_app_confirm(a->app, title, msg, lines_of(a), volume_confirmed, a);
}

static void ask_with_users(Ask *a, VolumeStep step)
{
    a->step = step;
    if (ask_live(a))
        nv_volume_users_async(a->conn, a->pool, a->volume, a->path, users_then_confirm, a, NULL);
}

static void ask_resize(Ask *a, const char *message, const char *initial);

static void size_answered(NvApp *app, const char *answer, gpointer data)
{
    Ask *a = data;
    if (!answer) {
        ask_free(a);
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!nv_parse_size(answer, 1, &a->new_size, &err) || a->new_size == 0) {
        ask_resize(a, err ? err->message : _("more than 0 bytes"), answer);
        return;
    }
    if (a->new_size == a->capacity) {
        nv_app_message(app, _("the size is unchanged"), FALSE);
        ask_free(a);
        return;
    }
    if (a->new_size > a->capacity) {
        a->done_message = g_strdup_printf(_("resized volume '%s'"), a->volume);
        if (ask_live(a))
            nv_volume_resize_async(a->conn, a->pool, a->volume, a->new_size, FALSE, op_done, a,
                                   NULL);
        return;
    }
    g_autofree char *from = nv_format_bytes(a->capacity);
    g_autofree char *to = nv_format_bytes(a->new_size);
    add_line(a, _("The data past the new end is lost for good."));
    add_line(a, _("A filesystem or partition in the volume must be shrunk first, inside the "
                  "guest, or it breaks."));
    g_autofree char *msg = g_strdup_printf(_("Shrink '%s' from %s to %s?"), a->volume, from, to);
    a->step = VOLUME_SHRINK;
    nv_app_confirm(app, _("Shrink volume"), msg, lines_of(a), volume_confirmed, a);
}

static void ask_resize(Ask *a, const char *message, const char *initial)
{
    g_autofree char *title = g_strdup_printf(_("Resize '%s'"), a->volume);
    nv_app_prompt(a->app, title, message, FALSE, size_answered, a);
    nv_app_prompt_text(a->app, initial);
}

static void ask_upload(Ask *a, const char *message, const char *initial);

static void file_answered(NvApp *app, const char *answer, gpointer data)
{
    Ask *a = data;
    if (!answer) {
        ask_free(a);
        return;
    }
    g_autoptr(GError) err = NULL;
    g_clear_pointer(&a->file, nv_local_file_unref);
    a->file = nv_local_file_open(answer, &err);
    if (!a->file) {
        ask_upload(a, err->message, answer);
        return;
    }
    if (a->file->size > a->capacity) {
        g_autofree char *fs = nv_format_bytes(a->file->size);
        g_autofree char *vs = nv_format_bytes(a->capacity);
        g_autofree char *msg =
            g_strdup_printf(_("the file (%s) is larger than the volume (%s)"), fs, vs);
        ask_upload(a, msg, answer);
        return;
    }
    g_autofree char *size = nv_format_bytes(a->file->size);
    g_autofree char *what =
        g_strdup_printf(_("%s (%s) replaces what the volume holds now."), answer, size);
    add_line(a, what);
    /* Only qcow2 is told apart here; raw content in a qcow2 volume (or the reverse) is the
     * mistake worth a warning. */
    if (*a->format &&
        (g_strcmp0(a->format, "qcow2") == 0) != (g_strcmp0(a->file->format, "qcow2") == 0)) {
        g_autofree char *note = g_strdup_printf(
            _("Note: the file looks like %s, the volume is %s."), a->file->format, a->format);
        add_line(a, note);
    }
    ask_with_users(a, VOLUME_UPLOAD);
}

static void ask_upload(Ask *a, const char *message, const char *initial)
{
    g_autofree char *title = g_strdup_printf(_("Upload into '%s'"), a->volume);
    nv_app_prompt(a->app, title, message, FALSE, file_answered, a);
    if (initial)
        nv_app_prompt_text(a->app, initial);
}

static gboolean volume_action(NvPane *pane, NvAction act)
{
    NvVolume *v = in_volumes(pane) ? picked_volume(pane, NULL) : NULL;
    if (!v) {
        nv_app_message(pane->app, _("Press Enter to move into the volumes and pick one first."),
                       TRUE);
        return TRUE;
    }
    if (!nv_app_check_writable(pane->app, nv_pane_conn(pane)))
        return TRUE;
    Ask *a = ask_volume(pane, selected_pool(pane), v);
    switch (act) {
    case NV_ACTION_VOLUME_DELETE:
        ask_with_users(a, VOLUME_DELETE);
        break;
    case NV_ACTION_VOLUME_WIPE:
        ask_with_users(a, VOLUME_WIPE);
        break;
    case NV_ACTION_VOLUME_RESIZE: {
        g_autofree char *now = nv_format_bytes(v->capacity);
        g_autofree char *msg = g_strdup_printf(_("New capacity (now %s), e.g. 20G or 512M:"), now);
        g_autofree char *initial = nv_format_size_input(v->capacity);
        ask_resize(a, msg, initial);
        break;
    }
    default: {
        g_autofree char *cap = nv_format_bytes(v->capacity);
        g_autofree char *msg = g_strdup_printf(_("Local file to upload (at most %s):"), cap);
        ask_upload(a, msg, NULL);
        break;
    }
    }
    return TRUE;
}

/* ---- moving in the volume list ---- */

static gboolean enter_volumes(NvPane *pane)
{
    NvPool *p = selected_pool(pane);
    GPtrArray *vols = volumes_of(pane, p);
    if (!vols || vols->len == 0)
        return FALSE; /* nothing to pick: the details just take the focus */
    StorageUi *ui = ui_of(pane);
    if (g_strcmp0(ui->pool, p->name) != 0) {
        g_free(ui->pool);
        ui->pool = g_strdup(p->name);
        g_clear_pointer(&ui->volume, g_free);
        ui->index = 0;
    }
    ui->in_volumes = TRUE;
    nv_pane_set_details_focus(pane, TRUE);
    picked_volume(pane, NULL);
    return TRUE;
}

static gboolean move_in_volumes(NvPane *pane, NvAction act)
{
    StorageUi *ui = ui_of(pane);
    GPtrArray *vols = volumes_of(pane, selected_pool(pane));
    guint at = 0;
    if (!vols || !picked_volume(pane, &at))
        return FALSE;
    /* A volume takes about three lines of the details: a page is a third of the box. */
    at = nv_list_step(at, vols->len, act, MAX(1, pane->details_page / 3) + 1);
    ui->index = at;
    g_free(ui->volume);
    ui->volume = g_strdup(((NvVolume *)vols->pdata[at])->name);
    return TRUE;
}

static gboolean volumes_mode_action(NvPane *pane, NvAction act)
{
    if (nv_list_is_move(act))
        return move_in_volumes(pane, act);
    switch (act) {
    case NV_ACTION_BACK:
        ui_of(pane)->in_volumes = FALSE;
        nv_pane_set_details_focus(pane, FALSE);
        return TRUE;
    case NV_ACTION_DETAILS:
        return TRUE;
    default:
        return FALSE;
    }
}

static gboolean action(NvPane *pane, NvAction act)
{
    if (in_volumes(pane) && volumes_mode_action(pane, act))
        return TRUE;
    switch (act) {
    case NV_ACTION_DETAILS:
        return enter_volumes(pane);
    case NV_ACTION_POOL_START:
    case NV_ACTION_POOL_STOP:
    case NV_ACTION_POOL_BUILD:
    case NV_ACTION_POOL_REFRESH:
    case NV_ACTION_POOL_AUTOSTART:
    case NV_ACTION_POOL_DELETE:
        return pool_action(pane, act);
    case NV_ACTION_VOLUME_DELETE:
    case NV_ACTION_VOLUME_RESIZE:
    case NV_ACTION_VOLUME_WIPE:
    case NV_ACTION_VOLUME_UPLOAD:
        return volume_action(pane, act);
    default:
        return FALSE;
    }
}

static const NvPaneClass storage_class = {
    .name = N_("Storage"),
    .context = NV_CTX_STORAGE,
    .columns = columns,
    .n_items = n_items,
    .item_name = item_name,
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
    .selected = selected,
    .action = action,
    .changes = NV_CHANGE_POOLS,
    .instance_size = sizeof(StoragePane),
    .init = init,
    .finalize = finalize,
};

const NvPaneClass *nv_pane_storage_class(void)
{
    return &storage_class;
}
