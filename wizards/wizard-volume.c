/* The new-volume wizard, in the selected pool: empty, filled from a local file, or a qcow2
 * overlay on a backing volume; then name, format, capacity and allocation (from the file
 * when there is one); the summary shows the XML; the commit creates the volume and starts
 * the upload, and a volume whose upload fails or is cancelled is deleted again. */
#include <string.h>

#include "storage.h"
#include "wizards.h"

typedef enum { FROM_EMPTY, FROM_FILE, FROM_BACKING } Source;

typedef struct {
    NvConn *conn;
    char *pool;
    gboolean file_based; /* its volumes have a format (dir, fs, netfs) */
    NvVolumeDraft *vol;
    Source source;
    char *file;        /* FROM_FILE: the local file */
    guint64 file_size; /* and what it held when it was picked */
    char *file_seen;   /* the file the name, format and capacity were last taken from */
} Draft;

static void draft_free(Draft *d)
{
    g_free(d->pool);
    nv_volume_draft_free(d->vol);
    g_free(d->file);
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

/* A note on the row at fault and the reason below the form. */
static gboolean refuse(NvWizard *wz, NvForm *form, const char *field, const char *why)
{
    nv_form_set_note(form, field, NV_NOTE_ERROR, why);
    nv_form_focus(form, field);
    nv_wizard_set_status(wz, why, TRUE);
    return FALSE;
}

/* ---- step 1: what it starts from ---- */

static void build_source(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    g_autofree char *about = g_strdup_printf(_("A new volume in pool '%s'."), d->pool);
    nv_form_add_text(form, "about", about);
    const char *values[] = {"empty", "file", "backing", NULL};
    const char *labels[] = {_("empty"), _("a copy of a local file (upload)"),
                            _("a qcow2 overlay on a backing volume"), NULL};
    /* A pool of block devices has no overlays: only the first two choices. */
    if (!d->file_based)
        values[2] = labels[2] = NULL;
    NvField *f = nv_field_enum_new("source", _("Start from"), values, labels);
    nv_field_set_initial(f, labels[d->source] ? labels[d->source] : labels[0]);
    nv_field_set_hint(f, _("Space picks another"));
    nv_form_add_field(form, f);
}

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

static void build_origin(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    if (d->source == FROM_FILE) {
        NvField *f = nv_field_path_new("file", _("Local file"));
        nv_field_set_check(f, check_file, NULL, NULL);
        nv_field_set_initial(f, d->file ? d->file : "");
        nv_field_set_hint(f, _("on this machine; C-t completes"));
        nv_form_add_field(form, f);
        nv_form_add_text(form, "about",
                         _("The volume takes the file's size and format; its content is "
                           "uploaded after it is created, with a progress bar (C-c stops it)."));
        return;
    }
    NvField *b = nv_field_text_new("backing", _("Backing volume"));
    nv_field_set_check(b, check_host_path, NULL, NULL);
    nv_field_set_initial(b, d->vol->backing_path);
    nv_field_set_hint(b, _("its path on the host"));
    nv_form_add_field(form, b);
    static const char *const formats[] = {"qcow2", "raw", NULL};
    NvField *f = nv_field_enum_new("backing_format", _("Its format"), formats, NULL);
    nv_field_set_initial(f, d->vol->backing_format);
    nv_form_add_field(form, f);
}

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
    const NvModel *m = nv_conn_model(d->conn);
    if (g_strcmp0(m->volumes_pool, d->pool) != 0)
        return;
    for (guint i = 0; i < m->volumes->len; i++) {
        NvVolume *v = m->volumes->pdata[i];
        if (g_strcmp0(v->path, d->vol->backing_path) == 0 && d->vol->capacity == 0)
            d->vol->capacity = v->capacity;
    }
}

static gboolean read_origin(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    if (d->source == FROM_FILE) {
        g_autofree char *file = field_text(form, "file");
        guint64 size = 0;
        g_autofree char *format = NULL;
        g_autoptr(GError) err = NULL;
        if (!nv_storage_local_file(file, &size, &format, &err))
            return refuse(wz, form, "file", err->message);
        if (size == 0)
            return refuse(wz, form, "file", _("the file is empty"));
        set_str(&d->file, file);
        take_file(d, file, size, format);
        return TRUE;
    }
    g_autofree char *backing = field_text(form, "backing");
    set_str(&d->vol->backing_path, backing);
    set_str(&d->vol->backing_format, nv_field_enum_value(nv_form_field(form, "backing_format")));
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
    if (!nv_storage_name_check(text, err))
        return FALSE;
    const NvModel *m = nv_conn_model(d->conn);
    if (g_strcmp0(m->volumes_pool, d->pool) != 0)
        return TRUE; /* not known here: the host refuses a duplicate */
    for (guint i = 0; i < m->volumes->len; i++)
        if (strcmp(((NvVolume *)m->volumes->pdata[i])->name, text) == 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("pool '%s' has a volume '%s'"), d->pool,
                        text);
            return FALSE;
        }
    return TRUE;
}

static void size_field(NvForm *form, const char *id, const char *label, guint64 min, guint64 value,
                       gboolean show, const char *hint)
{
    NvField *f = nv_field_size_new(id, label, G_GUINT64_CONSTANT(1) << 30, 1, min, G_MAXINT64);
    g_autofree char *text = show ? nv_format_size_input(value) : g_strdup("");
    nv_field_set_initial(f, text);
    nv_field_set_hint(f, hint);
    if (min == 0)
        nv_field_set_optional(f, TRUE);
    nv_form_add_field(form, f);
}

static void build_volume(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    NvField *name = nv_field_text_new("name", _("Name"));
    nv_field_set_check(name, check_name, d, NULL);
    nv_field_set_initial(name, d->vol->name);
    nv_form_add_field(form, name);
    if (d->file_based && d->source != FROM_BACKING) {
        static const char *const formats[] = {"qcow2", "raw", NULL};
        NvField *f = nv_field_enum_new("format", _("Format"), formats, NULL);
        nv_field_set_initial(f, d->vol->format);
        nv_field_set_hint(f, d->source == FROM_FILE ? _("as the file's content")
                                                    : _("qcow2 grows as written; raw is plain"));
        nv_form_add_field(form, f);
    }
    size_field(form, "capacity", _("Capacity"), 1, d->vol->capacity, d->vol->capacity > 0,
               _("e.g. 20G or 512M; a bare number is GiB"));
    size_field(form, "allocation", _("Allocation"), 0, d->vol->allocation, d->vol->allocation > 0,
               _("empty: space is taken as it is written"));
}

static gboolean read_volume(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    g_autofree char *name = field_text(form, "name");
    set_str(&d->vol->name, name);
    NvField *format = nv_form_field(form, "format");
    if (format)
        set_str(&d->vol->format, nv_field_enum_value(format));
    else if (!d->file_based)
        set_str(&d->vol->format, "");
    d->vol->capacity = nv_field_bytes(nv_form_field(form, "capacity"));
    NvField *alloc = nv_form_field(form, "allocation");
    d->vol->allocation = nv_field_is_empty(alloc) ? 0 : nv_field_bytes(alloc);
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
    {.title = N_("Contents"), .build = build_source, .read = read_source},
    {.title = N_("Source"), .build = build_origin, .read = read_origin, .skip = skip_origin},
    {.title = N_("Volume"), .build = build_volume, .read = read_volume},
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
    char *file; /* NULL: nothing to upload */
} Commit;

static void created(const char *path, const GError *err, gpointer data)
{
    Commit *c = data;
    if (err) {
        nv_wizard_finished(c->wz, err, NULL);
    } else if (c->file) {
        g_autofree char *msg = g_strdup_printf(_("created volume '%s'; uploading…"), c->name);
        NvApp *app = nv_wizard_app(c->wz);
        nv_wizard_finished(c->wz, NULL, msg);
        nv_wizard_upload(app, c->pool, c->name, c->file, TRUE);
    } else {
        g_autofree char *msg = g_strdup_printf(_("created volume '%s'"), c->name);
        nv_wizard_finished(c->wz, NULL, msg);
    }
    nv_wizard_unref(c->wz);
    g_free(c->pool);
    g_free(c->name);
    g_free(c->file);
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
    c->file = d->source == FROM_FILE ? g_strdup(d->file) : NULL;
    nv_volume_create(d->conn, d->pool, xml, created, c);
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
    int item = nv_wizard_pane_item(pane, NV_CTX_STORAGE);
    const NvModel *m = nv_conn_model(nv_app_get_conn(app));
    if (item < 0 || (guint)item >= m->pools->len) {
        nv_app_message(app, _("Select a storage pool first (in the Storage pane)."), TRUE);
        return NULL;
    }
    const NvPool *p = m->pools->pdata[item];
    if (!p->active) {
        g_autofree char *msg =
            g_strdup_printf(_("Pool '%s' is not running: start it (s) first."), p->name);
        nv_app_message(app, msg, TRUE);
        return NULL;
    }
    Draft *d = g_new0(Draft, 1);
    d->conn = nv_app_get_conn(app);
    d->pool = g_strdup(p->name);
    d->file_based = nv_pool_type_is_file_based(p->type);
    d->vol = nv_volume_draft_new();
    if (!d->file_based)
        set_str(&d->vol->format, "");
    return nv_wizard_new(app, &volume_wizard, d);
}
