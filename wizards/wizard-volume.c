/* The new-volume wizard, in the selected pool: empty, filled from a local file, or a qcow2
 * overlay on a backing volume; then name, format, capacity and allocation (from the file
 * when there is one); the summary shows the XML; the commit creates the volume and starts
 * the upload, and a volume whose upload fails or is cancelled is deleted again. */
#include <string.h>

#include "names.h"
#include "storage.h"
#include "wizards.h"

typedef enum { FROM_EMPTY, FROM_FILE, FROM_BACKING } Source;

typedef struct {
    NvConn *conn;
    char *pool;
    gboolean file_based; /* its volumes have a format (dir, fs, netfs) */
    NvVolumeDraft *vol;
    Source source;
    char *file;          /* FROM_FILE: the local file */
    NvLocalFile *opened; /* and that file opened when it was checked: what the upload sends */
    guint64 file_size;   /* and what it held when it was picked */
    char *file_seen;     /* the file the name, format and capacity were last taken from */
} Draft;

static void draft_free(Draft *d)
{
    g_free(d->pool);
    nv_volume_draft_free(d->vol);
    g_free(d->file);
    g_clear_pointer(&d->opened, nv_local_file_unref);
    g_free(d->file_seen);
    g_free(d);
}

static char *field_text(NvForm *form, const char *id)
{
    NvField *f = nv_form_field(form, id);
    return g_strstrip(g_strdup(f ? nv_field_text(f) : ""));
}

static void set_str(char **dst, const char *value)
{
    char *old = *dst;
    *dst = g_strdup(value);
    g_free(old);
}

static gpointer vol_of(gpointer data)
{
    return ((Draft *)data)->vol;
}

/* A note on the row at fault and the reason below the form. */
static gboolean refuse(NvWizard *wz, NvForm *form, const char *field, const char *why)
{
    nv_form_set_note(form, field, NV_NOTE_ERROR, why);
    nv_form_focus(form, field);
    nv_wizard_set_status(wz, why, TRUE);
    return FALSE;
}

/* ---- step 1: what it starts from ---- */

static const char *const source_values[] = {"empty", "file", "backing", NULL};
static const char *const source_labels[] = {N_("empty"), N_("a copy of a local file (upload)"),
                                            N_("a qcow2 overlay on a backing volume"), NULL};

static char *about_pool(gconstpointer data)
{
    return g_strdup_printf(_("A new volume in pool '%s'."), ((const Draft *)data)->pool);
}

/* A pool of block devices has no overlays: only the first two choices. */
static void source_choices(gconstpointer data, GPtrArray *values, GPtrArray *labels)
{
    guint n = ((const Draft *)data)->file_based ? 3 : 2;
    for (guint i = 0; i < n; i++) {
        g_ptr_array_add(values, g_strdup(source_values[i]));
        g_ptr_array_add(labels, g_strdup(_(source_labels[i])));
    }
}

static char *source_initial(gconstpointer data)
{
    const Draft *d = data;
    gboolean offered = d->source != FROM_BACKING || d->file_based;
    return g_strdup(_(source_labels[offered ? d->source : FROM_EMPTY]));
}

static const NvWizardField source_fields[] = {
    {.id = "about", .kind = NV_WIZARD_REMARK, .slot = NV_WIZARD_NO_SLOT, .initial = about_pool},
    {.id = "source",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Start from"),
     .hint = N_("Space picks another"),
     .slot = NV_WIZARD_NO_SLOT,
     .choices = source_choices,
     .initial = source_initial},
};

static gboolean read_source(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    const char *v = nv_field_enum_value(nv_form_field(form, "source"));
    d->source = g_strcmp0(v, "file") == 0      ? FROM_FILE
                : g_strcmp0(v, "backing") == 0 ? FROM_BACKING
                                               : FROM_EMPTY;
    return TRUE;
}

/* ---- step 2: the file or the backing volume ---- */

static gboolean check_file(const char *text, gpointer data, GError **err)
{
    guint64 size;
    return nv_storage_local_file(text, &size, NULL, err);
}

static gboolean check_host_path(const char *text, gpointer data, GError **err)
{
    return nv_storage_path_check(text, _("path"), err);
}

static guint origin_state(gconstpointer data)
{
    return 1u << ((const Draft *)data)->source;
}

static char *file_initial(gconstpointer data)
{
    const Draft *d = data;
    return g_strdup(d->file ? d->file : "");
}

static const char *const formats[] = {"qcow2", "raw", NULL};

static const NvWizardField origin_fields[] = {
    /* Not slotted: read_origin keeps the file only once it reads. */
    {.id = "file",
     .kind = NV_WIZARD_PATH,
     .label = N_("Local file"),
     .hint = N_("on this machine; C-t completes"),
     .check = check_file,
     .visible_when = 1u << FROM_FILE,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = file_initial},
    {.id = "about",
     .kind = NV_WIZARD_REMARK,
     .label = N_("The volume takes the file's size and format; its content is uploaded after it "
                 "is created, with a progress bar (C-c stops it)."),
     .visible_when = 1u << FROM_FILE,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "backing",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Backing volume"),
     .hint = N_("its path on the host"),
     .check = check_host_path,
     .visible_when = 1u << FROM_BACKING,
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, backing_path)},
    {.id = "backing_format",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Its format"),
     .visible_when = 1u << FROM_BACKING,
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, backing_format),
     .values = formats},
};

/* Name, format and capacity follow a newly picked file; what the user typed afterwards
 * stays while the file does. */
static void take_file(Draft *d, const char *file, guint64 size, const char *format)
{
    d->file_size = size;
    if (g_strcmp0(file, d->file_seen) == 0)
        return;
    set_str(&d->file_seen, file);
    g_autofree char *base = g_path_get_basename(file);
    set_str(&d->vol->name, base);
    if (d->file_based)
        set_str(&d->vol->format, format);
    d->vol->capacity = size;
    d->vol->allocation = 0;
}

/* The backing volume's size, when it is one of this pool's volumes the model knows. */
static void take_backing(Draft *d)
{
    GPtrArray *vols = nv_model_pool_volumes(nv_conn_model(d->conn), d->pool, NULL);
    for (guint i = 0; vols && i < vols->len; i++) {
        NvVolume *v = vols->pdata[i];
        if (g_strcmp0(v->path, d->vol->backing_path) == 0 && d->vol->capacity == 0)
            d->vol->capacity = v->capacity;
    }
}

static gboolean read_origin(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    if (d->source == FROM_FILE) {
        g_autofree char *file = field_text(form, "file");
        g_autoptr(GError) err = NULL;
        g_autoptr(NvLocalFile) opened = nv_local_file_open(file, &err);
        if (!opened)
            return refuse(wz, form, "file", err->message);
        if (opened->size == 0)
            return refuse(wz, form, "file", _("the file is empty"));
        set_str(&d->file, file);
        take_file(d, file, opened->size, opened->format);
        g_clear_pointer(&d->opened, nv_local_file_unref);
        d->opened = g_steal_pointer(&opened);
        return TRUE;
    }
    set_str(&d->vol->format, "qcow2");
    take_backing(d);
    return TRUE;
}

static gboolean skip_origin(gpointer data)
{
    return ((Draft *)data)->source == FROM_EMPTY;
}

/* ---- step 3: the volume ---- */

static gboolean check_name(const char *text, gpointer data, GError **err)
{
    Draft *d = data;
    if (!nv_name_check(NV_NAME_VOLUME, text, err))
        return FALSE;
    GPtrArray *vols = nv_model_pool_volumes(nv_conn_model(d->conn), d->pool, NULL);
    if (!vols)
        return TRUE; /* not known here: the host refuses a duplicate */
    for (guint i = 0; i < vols->len; i++)
        if (strcmp(((NvVolume *)vols->pdata[i])->name, text) == 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("pool '%s' has a volume '%s'"), d->pool,
                        text);
            return FALSE;
        }
    return TRUE;
}

/* The format is chosen in a pool of files, but not for an overlay (always qcow2). */
enum { FORMAT_OF_FILE = 1 << 0, FORMAT_OF_EMPTY = 1 << 1 };

static guint volume_state(gconstpointer data)
{
    const Draft *d = data;
    if (!d->file_based || d->source == FROM_BACKING)
        return 0;
    return d->source == FROM_FILE ? FORMAT_OF_FILE : FORMAT_OF_EMPTY;
}

static const NvWizardField volume_fields[] = {
    {.id = "name",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Name"),
     .check = check_name,
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, name)},
    {.id = "format",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Format"),
     .hint = N_("as the file's content"),
     .visible_when = FORMAT_OF_FILE,
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, format),
     .values = formats},
    {.id = "format",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Format"),
     .hint = N_("qcow2 grows as written; raw is plain"),
     .visible_when = FORMAT_OF_EMPTY,
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, format),
     .values = formats},
    {.id = "capacity",
     .kind = NV_WIZARD_SIZE,
     .label = N_("Capacity"),
     .min = 1,
     .hint = N_("e.g. 20G or 512M; a bare number is GiB"),
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, capacity)},
    {.id = "allocation",
     .kind = NV_WIZARD_SIZE,
     .label = N_("Allocation"),
     .optional = TRUE,
     .hint = N_("empty: space is taken as it is written"),
     .slot = G_STRUCT_OFFSET(NvVolumeDraft, allocation)},
};

static gboolean read_volume(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    if (!nv_form_field(form, "format") && !d->file_based)
        set_str(&d->vol->format, "");
    if (d->source == FROM_FILE && d->vol->capacity < d->file_size) {
        g_autofree char *size = nv_format_bytes(d->file_size);
        g_autofree char *why = g_strdup_printf(_("at least the file's size (%s)"), size);
        return refuse(wz, form, "capacity", why);
    }
    if (d->vol->allocation > d->vol->capacity)
        return refuse(wz, form, "allocation", _("at most the capacity"));
    g_autoptr(GError) err = NULL;
    if (!nv_volume_draft_check(d->vol, &err)) {
        nv_wizard_set_status(wz, err->message, TRUE);
        return FALSE;
    }
    return TRUE;
}

static const NvWizardStep steps[] = {
    {.title = N_("Contents"),
     .fields = source_fields,
     .n_fields = G_N_ELEMENTS(source_fields),
     .read = read_source},
    {.title = N_("Source"),
     .fields = origin_fields,
     .n_fields = G_N_ELEMENTS(origin_fields),
     .target = vol_of,
     .state = origin_state,
     .read = read_origin,
     .skip = skip_origin},
    {.title = N_("Volume"),
     .fields = volume_fields,
     .n_fields = G_N_ELEMENTS(volume_fields),
     .target = vol_of,
     .state = volume_state,
     .read = read_volume},
};

/* ---- summary and commit ---- */

static char *summary(gpointer data, GError **err)
{
    Draft *d = data;
    g_autofree char *xml = nv_volume_draft_xml(d->vol, err);
    if (!xml)
        return NULL;
    g_autofree char *cap = nv_format_bytes(d->vol->capacity);
    GString *s = g_string_new("");
    g_string_append_printf(s, _("A new volume '%s' of %s in pool '%s'."), d->vol->name, cap,
                           d->pool);
    if (d->source == FROM_FILE) {
        g_autofree char *size = nv_format_bytes(d->file_size);
        g_string_append(s, "\n");
        g_string_append_printf(s,
                               _("Then %s (%s) is uploaded into it; if that fails or is "
                                 "cancelled, the volume is deleted again."),
                               d->file, size);
    } else if (d->source == FROM_BACKING) {
        g_string_append(s, "\n");
        g_string_append_printf(s, _("It starts as a copy-on-write overlay on %s."),
                               d->vol->backing_path);
    }
    g_string_append_printf(s, "\n\n%s\n\n%s", _("The XML to create:"), xml);
    return g_string_free(s, FALSE);
}

typedef struct {
    NvWizard *wz;
    char *pool;
    char *name;
    NvLocalFile *file; /* NULL: nothing to upload */
} Commit;

static void created(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Commit *c = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *path = nv_volume_create_finish(res, &err);
    if (err) {
        nv_wizard_finished(c->wz, err, NULL);
    } else if (c->file) {
        g_autofree char *msg = g_strdup_printf(_("created volume '%s'; uploading…"), c->name);
        NvApp *app = nv_wizard_app(c->wz);
        nv_wizard_finished(c->wz, NULL, msg);
        nv_wizard_upload(app, conn, c->pool, c->name, c->file, TRUE);
    } else {
        g_autofree char *msg = g_strdup_printf(_("created volume '%s'"), c->name);
        nv_wizard_finished(c->wz, NULL, msg);
    }
    nv_wizard_unref(c->wz);
    g_free(c->pool);
    g_free(c->name);
    g_clear_pointer(&c->file, nv_local_file_unref);
    g_free(c);
}

static void commit(NvWizard *wz, gpointer data)
{
    Draft *d = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_volume_draft_xml(d->vol, &err);
    if (!xml) {
        nv_wizard_finished(wz, err, NULL);
        return;
    }
    Commit *c = g_new0(Commit, 1);
    c->wz = nv_wizard_ref(wz);
    c->pool = g_strdup(d->pool);
    c->name = g_strdup(d->vol->name);
    c->file = d->source == FROM_FILE && d->opened ? nv_local_file_ref(d->opened) : NULL;
    nv_volume_create_async(d->conn, d->pool, xml, created, c, NULL);
}

static const NvWizardClass volume_wizard = {
    .title = N_("New volume"),
    .steps = steps,
    .n_steps = G_N_ELEMENTS(steps),
    .summary = summary,
    .commit = commit,
    .draft_free = (GDestroyNotify)draft_free,
};

NvView *nv_wizard_volume_open(NvApp *app, NvPane *pane)
{
    NvConn *conn = NULL;
    int item = nv_wizard_pane_item(pane, NV_CTX_STORAGE, &conn);
    if (item < 0 || (guint)item >= nv_conn_model(conn)->pools->len) {
        nv_app_message(app, _("Select a storage pool first (in the Storage pane)."), TRUE);
        return NULL;
    }
    const NvPool *p = nv_conn_model(conn)->pools->pdata[item];
    if (!p->active) {
        g_autofree char *msg =
            g_strdup_printf(_("Pool '%s' is not running: start it (s) first."), p->name);
        nv_app_message(app, msg, TRUE);
        return NULL;
    }
    Draft *d = g_new0(Draft, 1);
    d->conn = conn;
    d->pool = g_strdup(p->name);
    d->file_based = nv_pool_type_is_file_based(p->type);
    d->vol = nv_volume_draft_new();
    if (!d->file_based)
        set_str(&d->vol->format, "");
    return nv_wizard_new(app, &volume_wizard, d);
}
