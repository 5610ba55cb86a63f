/* The new-pool wizard: a type the host supports and a name, then that type's source and
 * target, then whether to build, start and autostart it; the summary shows the XML; the
 * commit defines, builds and starts the pool and undefines it again when a step fails
 * (src/storage-actions.c). */
#include <string.h>

#include "storage.h"
#include "wizards.h"

typedef struct {
    NvPoolDraft *pool;
    NvConn *conn;
    guint types;        /* NvPoolType bits the host supports; every type until it answers */
    gboolean asking;    /* the host has not said yet */
    gboolean build;     /* build before starting */
    gboolean build_set; /* the user chose, so a change of type keeps the choice */
    gboolean start;
    gboolean autostart;
} Draft;

static void draft_free(Draft *d)
{
    nv_pool_draft_free(d->pool);
    g_free(d);
}

static char *field_text(NvForm *form, const char *id)
{
    NvField *f = nv_form_field(form, id);
    return g_strstrip(g_strdup(f ? nv_field_text(f) : ""));
}

static void take_field(NvForm *form, const char *id, char **dst)
{
    if (!nv_form_field(form, id))
        return;
    g_free(*dst);
    *dst = field_text(form, id);
}

/* ---- field checks ---- */

static gboolean check_name(const char *text, gpointer data, GError **err)
{
    g_autofree char *name = g_strdup(text);
    if (!nv_storage_name_check(name, err))
        return FALSE;
    const NvModel *m = nv_conn_model(data);
    for (guint i = 0; i < m->pools->len; i++)
        if (strcmp(((NvPool *)m->pools->pdata[i])->name, name) == 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("pool '%s' exists already"), name);
            return FALSE;
        }
    return TRUE;
}

static gboolean check_path(const char *text, gpointer data, GError **err)
{
    return nv_storage_path_check(text, _("path"), err);
}

static gboolean check_host(const char *text, gpointer data, GError **err)
{
    return nv_storage_host_check(text, err);
}

static gboolean check_iqn(const char *text, gpointer data, GError **err)
{
    return nv_storage_iqn_check(text, err);
}

static gboolean check_devices(const char *text, gpointer data, GError **err)
{
    g_auto(GStrv) devs = g_regex_split_simple("[\\s,]+", text, 0, 0);
    for (char **p = devs; *p; p++)
        if (**p && !nv_storage_path_check(*p, _("device"), err))
            return FALSE;
    return TRUE;
}

static gboolean check_group(const char *text, gpointer data, GError **err)
{
    return nv_storage_name_check(text, err);
}

/* ---- step 1: type and name ---- */

static void build_type(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    const char *values[NV_POOL_TYPE_COUNT + 1] = {NULL};
    const char *labels[NV_POOL_TYPE_COUNT + 1] = {NULL};
    guint n = 0;
    for (guint t = 0; t < NV_POOL_TYPE_COUNT; t++)
        if (d->types & (1u << t)) {
            values[n] = nv_pool_type_name(t);
            labels[n++] = nv_pool_type_label(t);
        }
    NvField *type = nv_field_enum_new("type", _("Type"), values, labels);
    nv_field_set_initial(type, nv_pool_type_label(d->pool->type));
    nv_field_set_hint(type, _("Space picks another"));
    nv_form_add_field(form, type);
    NvField *name = nv_field_text_new("name", _("Name"));
    nv_field_set_check(name, check_name, d->conn, NULL);
    nv_field_set_initial(name, d->pool->name);
    nv_form_add_field(form, name);
    if (d->asking)
        nv_form_add_text(form, "asking", _("Asking the host which pool types it supports…"));
    else if (d->types != NV_POOL_TYPES_ALL)
        nv_form_add_text(form, "asking", _("Only the types this host supports are offered."));
}

/* A new type keeps what it shares with the old one; a source format it cannot have goes. */
static void set_type(Draft *d, NvPoolType type)
{
    d->pool->type = type;
    const char *const *formats = nv_pool_source_formats(type);
    for (guint i = 0; formats && formats[i]; i++)
        if (strcmp(formats[i], d->pool->source_format) == 0)
            return;
    g_free(d->pool->source_format);
    d->pool->source_format = g_strdup(formats ? formats[0] : "");
}

static gboolean read_type(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    NvPoolType type;
    if (!nv_pool_type_from_name(nv_field_enum_value(nv_form_field(form, "type")), &type))
        return FALSE;
    set_type(d, type);
    if (!d->build_set)
        d->build = !nv_pool_type_build_destroys(type);
    take_field(form, "name", &d->pool->name);
    return TRUE;
}

/* ---- step 2: source and target ---- */

static NvField *text_field(NvForm *form, const char *id, const char *label, const char *value,
                           NvFieldCheck check)
{
    NvField *f = nv_field_text_new(id, label);
    if (check)
        nv_field_set_check(f, check, NULL, NULL);
    nv_field_set_initial(f, value);
    nv_form_add_field(form, f);
    return f;
}

static void format_field(NvForm *form, const Draft *d, const char *label)
{
    const char *const *formats = nv_pool_source_formats(d->pool->type);
    NvField *f = nv_field_enum_new("format", label, formats, NULL);
    nv_field_set_initial(f, d->pool->source_format);
    nv_form_add_field(form, f);
}

/* Where libvirt usually puts a pool of this type, when the user has not said. */
static char *default_target(const Draft *d)
{
    const NvPoolDraft *p = d->pool;
    if (*p->target_path)
        return g_strdup(p->target_path);
    switch (p->type) {
    case NV_POOL_DIR:
        return g_strdup_printf("/var/lib/libvirt/images/%s", p->name);
    case NV_POOL_FS:
    case NV_POOL_NETFS:
        return g_strdup_printf("/var/lib/libvirt/%s", p->name);
    case NV_POOL_DISK:
        return g_strdup("/dev");
    default:
        return g_strdup("");
    }
}

static void target_field(NvForm *form, const Draft *d, gboolean optional, const char *hint)
{
    g_autofree char *target = default_target(d);
    NvField *f = text_field(form, "target", _("Target path"), target, check_path);
    nv_field_set_optional(f, optional);
    if (hint)
        nv_field_set_hint(f, hint);
}

static void build_source(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    const NvPoolDraft *p = d->pool;
    NvField *f;
    switch (p->type) {
    case NV_POOL_DIR:
        nv_form_add_text(form, "about", _("A directory on the host; its files are the volumes."));
        target_field(form, d, FALSE, NULL);
        break;
    case NV_POOL_FS:
        text_field(form, "device", _("Source device"), p->source_device, check_path);
        format_field(form, d, _("Filesystem"));
        target_field(form, d, FALSE, _("where it is mounted"));
        break;
    case NV_POOL_NETFS:
        text_field(form, "host", _("Server"), p->source_host, check_host);
        text_field(form, "dir", _("Exported directory"), p->source_dir, check_path);
        format_field(form, d, _("Protocol"));
        target_field(form, d, FALSE, _("where it is mounted"));
        break;
    case NV_POOL_LOGICAL:
        f = text_field(form, "device", _("Source devices"), p->source_device, check_devices);
        nv_field_set_optional(f, TRUE);
        nv_field_set_hint(f, _("empty: an existing volume group"));
        f = text_field(form, "group", _("Volume group"), p->source_name, check_group);
        nv_field_set_optional(f, TRUE);
        nv_field_set_hint(f, _("empty: the pool's name"));
        target_field(form, d, TRUE, _("empty: /dev/<group>"));
        break;
    case NV_POOL_DISK:
        text_field(form, "device", _("Source disk"), p->source_device, check_path);
        format_field(form, d, _("Partition table"));
        target_field(form, d, FALSE, NULL);
        break;
    case NV_POOL_ISCSI:
        text_field(form, "host", _("Portal host"), p->source_host, check_host);
        text_field(form, "iqn", _("Target IQN"), p->iqn, check_iqn);
        f = text_field(form, "initiator", _("Initiator IQN"), p->initiator, check_iqn);
        nv_field_set_optional(f, TRUE);
        nv_field_set_hint(f, _("empty: the host's own"));
        target_field(form, d, TRUE, _("empty: /dev/disk/by-path"));
        break;
    default:
        break;
    }
}

static gboolean read_source(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    NvPoolDraft *p = d->pool;
    take_field(form, "target", &p->target_path);
    take_field(form, "device", &p->source_device);
    take_field(form, "host", &p->source_host);
    take_field(form, "dir", &p->source_dir);
    take_field(form, "group", &p->source_name);
    take_field(form, "iqn", &p->iqn);
    take_field(form, "initiator", &p->initiator);
    NvField *format = nv_form_field(form, "format");
    if (format) {
        g_free(p->source_format);
        p->source_format = g_strdup(nv_field_enum_value(format));
    }
    g_autoptr(GError) err = NULL;
    if (!nv_pool_draft_check(p, &err)) {
        nv_wizard_set_status(wz, err->message, TRUE);
        return FALSE;
    }
    return TRUE;
}

/* ---- step 3: build, start, autostart ---- */

static void bool_field(NvForm *form, const char *id, const char *label, gboolean value,
                       const char *hint)
{
    NvField *f = nv_field_bool_new(id, label);
    nv_field_set_initial(f, value ? _("yes") : _("no"));
    if (hint)
        nv_field_set_hint(f, hint);
    nv_form_add_field(form, f);
}

static const char *build_hint(NvPoolType type)
{
    switch (type) {
    case NV_POOL_DISK:
        return _("writes a new partition table: the disk's data is lost");
    case NV_POOL_LOGICAL:
        return _("makes the devices a volume group: their data is lost");
    case NV_POOL_ISCSI:
        return _("nothing to build for iSCSI");
    default:
        return _("creates the target directory");
    }
}

static void build_options(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    bool_field(form, "build", _("Build it"), d->build, build_hint(d->pool->type));
    bool_field(form, "start", _("Start it"), d->start, NULL);
    bool_field(form, "autostart", _("Start with the host"), d->autostart, NULL);
}

static gboolean read_options(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    gboolean build = nv_field_bool(nv_form_field(form, "build"));
    if (build != d->build)
        d->build_set = TRUE;
    d->build = build;
    d->start = nv_field_bool(nv_form_field(form, "start"));
    d->autostart = nv_field_bool(nv_form_field(form, "autostart"));
    return TRUE;
}

static const NvWizardStep steps[] = {
    {.title = N_("Type and name"), .build = build_type, .read = read_type},
    {.title = N_("Source and target"), .build = build_source, .read = read_source},
    {.title = N_("Options"), .build = build_options, .read = read_options},
};

/* ---- summary and commit ---- */

static char *summary(gpointer data, GError **err)
{
    Draft *d = data;
    g_autofree char *xml = nv_pool_draft_xml(d->pool, err);
    if (!xml)
        return NULL;
    GString *s = g_string_new("");
    g_string_append_printf(s, _("A new storage pool '%s' of type %s."), d->pool->name,
                           nv_pool_type_name(d->pool->type));
    g_string_append(s, "\n\n");
    if (d->build)
        g_string_append_printf(s, _("Build it: yes (%s)"), build_hint(d->pool->type));
    else
        g_string_append(s, _("Build it: no"));
    g_string_append_printf(s, "\n%s", d->start ? _("Start it: yes") : _("Start it: no"));
    g_string_append_printf(
        s, "\n%s", d->autostart ? _("Start with the host: yes") : _("Start with the host: no"));
    g_string_append_printf(s, "\n\n%s\n\n%s", _("The XML to define:"), xml);
    return g_string_free(s, FALSE);
}

typedef struct {
    NvWizard *wz;
    char *name;
} Commit;

static void created(const GError *err, gpointer data)
{
    Commit *c = data;
    g_autofree char *msg = g_strdup_printf(_("created pool '%s'"), c->name);
    nv_wizard_finished(c->wz, err, msg);
    nv_wizard_unref(c->wz);
    g_free(c->name);
    g_free(c);
}

static void commit(NvWizard *wz, gpointer data)
{
    Draft *d = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_pool_draft_xml(d->pool, &err);
    if (!xml) {
        nv_wizard_finished(wz, err, NULL);
        return;
    }
    Commit *c = g_new0(Commit, 1);
    c->wz = nv_wizard_ref(wz);
    c->name = g_strdup(d->pool->name);
    nv_pool_create(d->conn, xml, d->build, d->start, d->autostart, created, c);
}

static const NvWizardClass pool_wizard = {
    .title = N_("New storage pool"),
    .steps = steps,
    .n_steps = G_N_ELEMENTS(steps),
    .summary = summary,
    .commit = commit,
    .draft_free = (GDestroyNotify)draft_free,
};

/* ---- the host's pool types arrive after the wizard opened ---- */

typedef struct {
    NvWizard *wz;
    Draft *draft;
} TypesAsk;

static void types_known(guint types, const GError *err, gpointer data)
{
    TypesAsk *a = data;
    Draft *d = a->draft;
    d->asking = FALSE;
    if (err)
        nv_wizard_set_status(a->wz, err->message, TRUE);
    else if (types)
        d->types = types;
    if (!(d->types & (1u << d->pool->type)))
        for (guint t = 0; t < NV_POOL_TYPE_COUNT; t++)
            if (d->types & (1u << t)) {
                set_type(d, (NvPoolType)t);
                break;
            }
    nv_wizard_rebuild(a->wz);
    nv_wizard_unref(a->wz);
    g_free(a);
}

NvView *nv_wizard_pool_open(NvApp *app, NvPane *pane)
{
    if (nv_conn_get_state(nv_app_get_conn(app)) != NV_CONN_CONNECTED) {
        nv_app_message(app, _("Not connected: a pool cannot be created now."), TRUE);
        return NULL;
    }
    Draft *d = g_new0(Draft, 1);
    d->pool = nv_pool_draft_new(NV_POOL_DIR);
    d->conn = nv_app_get_conn(app);
    d->types = NV_POOL_TYPES_ALL;
    d->asking = TRUE;
    d->build = TRUE;
    d->start = TRUE;
    d->autostart = TRUE;
    NvView *view = nv_wizard_new(app, &pool_wizard, d);
    TypesAsk *a = g_new0(TypesAsk, 1);
    a->wz = nv_wizard_ref((NvWizard *)view);
    a->draft = d;
    nv_storage_pool_types(nv_app_get_conn(app), types_known, a);
    return view;
}
