/* The new-pool wizard: a type the host supports and a name, then that type's source and
 * target, then whether to build, start and autostart it; the summary shows the XML; the
 * commit defines, builds and starts the pool and undefines it again when a step fails
 * (src/storage-actions.c). */
#include <string.h>

#include "names.h"
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

static gpointer pool_of(gpointer data)
{
    return ((Draft *)data)->pool;
}

/* ---- field checks (their data is the draft) ---- */

static gboolean check_name(const char *text, gpointer data, GError **err)
{
    g_autofree char *name = g_strdup(text);
    if (!nv_name_check(NV_NAME_POOL, name, err))
        return FALSE;
    const NvModel *m = nv_conn_model(((Draft *)data)->conn);
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
    return nv_name_check(NV_NAME_POOL, text, err);
}

/* ---- step 1: type and name ---- */

enum { ASKING = 1 << 0, LIMITED = 1 << 1 };

static guint type_state(gconstpointer data)
{
    const Draft *d = data;
    return d->asking ? ASKING : d->types != NV_POOL_TYPES_ALL ? LIMITED : 0;
}

/* The types the host supports. */
static void type_choices(gconstpointer data, GPtrArray *values, GPtrArray *labels)
{
    const Draft *d = data;
    for (guint t = 0; t < NV_POOL_TYPE_COUNT; t++)
        if (d->types & (1u << t)) {
            g_ptr_array_add(values, g_strdup(nv_pool_type_name(t)));
            g_ptr_array_add(labels, g_strdup(nv_pool_type_label(t)));
        }
}

static char *type_initial(gconstpointer data)
{
    return g_strdup(nv_pool_type_label(((const Draft *)data)->pool->type));
}

static const NvWizardField type_fields[] = {
    {.id = "type",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Type"),
     .hint = N_("Space picks another"),
     .slot = NV_WIZARD_NO_SLOT,
     .choices = type_choices,
     .initial = type_initial},
    {.id = "name",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Name"),
     .check = check_name,
     .slot = G_STRUCT_OFFSET(NvPoolDraft, name)},
    {.id = "asking",
     .kind = NV_WIZARD_REMARK,
     .label = N_("Asking the host which pool types it supports…"),
     .visible_when = ASKING,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "asking",
     .kind = NV_WIZARD_REMARK,
     .label = N_("Only the types this host supports are offered."),
     .visible_when = LIMITED,
     .slot = NV_WIZARD_NO_SLOT},
};

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
    return TRUE;
}

/* ---- step 2: source and target, by type ---- */

#define T(type) (1u << (type))

static guint source_state(gconstpointer data)
{
    return T(((const Draft *)data)->pool->type);
}

static void format_choices(gconstpointer data, GPtrArray *values, GPtrArray *labels)
{
    const char *const *formats = nv_pool_source_formats(((const Draft *)data)->pool->type);
    for (guint i = 0; formats && formats[i]; i++) {
        g_ptr_array_add(values, g_strdup(formats[i]));
        g_ptr_array_add(labels, g_strdup(formats[i]));
    }
}

/* Where libvirt usually puts a pool of this type, when the user has not said. */
static char *default_target(gconstpointer data)
{
    const NvPoolDraft *p = ((const Draft *)data)->pool;
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

#define SOURCE(id_, label_, field_, check_, when_)                                                 \
    {                                                                                              \
        .id = id_, .kind = NV_WIZARD_TEXT, .label = label_, .check = check_,                       \
        .visible_when = when_, .slot = G_STRUCT_OFFSET(NvPoolDraft, field_)                        \
    }
#define FORMAT(label_, when_)                                                                      \
    {                                                                                              \
        .id = "format", .kind = NV_WIZARD_ENUM, .label = label_, .visible_when = when_,            \
        .slot = G_STRUCT_OFFSET(NvPoolDraft, source_format), .choices = format_choices             \
    }
#define TARGET(optional_, hint_, when_)                                                            \
    {                                                                                              \
        .id = "target", .kind = NV_WIZARD_TEXT, .label = N_("Target path"), .optional = optional_, \
        .hint = hint_, .check = check_path, .visible_when = when_,                                 \
        .slot = G_STRUCT_OFFSET(NvPoolDraft, target_path), .initial = default_target               \
    }

/* Each type's rows in the order shown; visible_when picks the type's. */
static const NvWizardField source_fields[] = {
    {.id = "about",
     .kind = NV_WIZARD_REMARK,
     .label = N_("A directory on the host; its files are the volumes."),
     .visible_when = T(NV_POOL_DIR),
     .slot = NV_WIZARD_NO_SLOT},
    SOURCE("device", N_("Source device"), source_device, check_path, T(NV_POOL_FS)),
    SOURCE("host", N_("Server"), source_host, check_host, T(NV_POOL_NETFS)),
    SOURCE("host", N_("Portal host"), source_host, check_host, T(NV_POOL_ISCSI)),
    SOURCE("dir", N_("Exported directory"), source_dir, check_path, T(NV_POOL_NETFS)),
    {.id = "device",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Source devices"),
     .optional = TRUE,
     .hint = N_("empty: an existing volume group"),
     .check = check_devices,
     .visible_when = T(NV_POOL_LOGICAL),
     .slot = G_STRUCT_OFFSET(NvPoolDraft, source_device)},
    {.id = "group",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Volume group"),
     .optional = TRUE,
     .hint = N_("empty: the pool's name"),
     .check = check_group,
     .visible_when = T(NV_POOL_LOGICAL),
     .slot = G_STRUCT_OFFSET(NvPoolDraft, source_name)},
    SOURCE("device", N_("Source disk"), source_device, check_path, T(NV_POOL_DISK)),
    SOURCE("iqn", N_("Target IQN"), iqn, check_iqn, T(NV_POOL_ISCSI)),
    {.id = "initiator",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Initiator IQN"),
     .optional = TRUE,
     .hint = N_("empty: the host's own"),
     .check = check_iqn,
     .visible_when = T(NV_POOL_ISCSI),
     .slot = G_STRUCT_OFFSET(NvPoolDraft, initiator)},
    FORMAT(N_("Filesystem"), T(NV_POOL_FS)),
    FORMAT(N_("Protocol"), T(NV_POOL_NETFS)),
    FORMAT(N_("Partition table"), T(NV_POOL_DISK)),
    TARGET(FALSE, NULL, T(NV_POOL_DIR) | T(NV_POOL_DISK)),
    TARGET(FALSE, N_("where it is mounted"), T(NV_POOL_FS) | T(NV_POOL_NETFS)),
    TARGET(TRUE, N_("empty: /dev/<group>"), T(NV_POOL_LOGICAL)),
    TARGET(TRUE, N_("empty: /dev/disk/by-path"), T(NV_POOL_ISCSI)),
};

static gboolean read_source(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    g_autoptr(GError) err = NULL;
    if (!nv_pool_draft_check(d->pool, &err)) {
        nv_wizard_set_status(wz, err->message, TRUE);
        return FALSE;
    }
    return TRUE;
}

/* ---- step 3: build, start, autostart ---- */

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

static char *build_hint_for(gconstpointer data)
{
    return g_strdup(build_hint(((const Draft *)data)->pool->type));
}

static char *build_initial(gconstpointer data)
{
    return g_strdup(((const Draft *)data)->build ? _("yes") : _("no"));
}

static const NvWizardField option_fields[] = {
    /* Not slotted: read_options notes when the user changed it. */
    {.id = "build",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Build it"),
     .slot = NV_WIZARD_NO_SLOT,
     .initial = build_initial,
     .hint_for = build_hint_for},
    {.id = "start",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Start it"),
     .slot = G_STRUCT_OFFSET(Draft, start)},
    {.id = "autostart",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Start with the host"),
     .slot = G_STRUCT_OFFSET(Draft, autostart)},
};

static gboolean read_options(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    gboolean build = nv_field_bool(nv_form_field(form, "build"));
    if (build != d->build)
        d->build_set = TRUE;
    d->build = build;
    return TRUE;
}

static const NvWizardStep steps[] = {
    {.title = N_("Type and name"),
     .fields = type_fields,
     .n_fields = G_N_ELEMENTS(type_fields),
     .target = pool_of,
     .state = type_state,
     .read = read_type},
    {.title = N_("Source and target"),
     .fields = source_fields,
     .n_fields = G_N_ELEMENTS(source_fields),
     .target = pool_of,
     .state = source_state,
     .read = read_source},
    {.title = N_("Options"),
     .fields = option_fields,
     .n_fields = G_N_ELEMENTS(option_fields),
     .read = read_options},
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

static void created(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Commit *c = data;
    g_autoptr(GError) err = NULL;
    nv_storage_finish(res, &err);
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
    nv_pool_create_async(d->conn, xml, d->build, d->start, d->autostart, created, c, NULL);
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

static void types_known(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    TypesAsk *a = data;
    g_autoptr(GError) err = NULL;
    guint types = 0;
    nv_storage_pool_types_finish(res, &types, &err);
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
    NvConn *conn = nv_wizard_host(app, pane);
    if (nv_conn_get_state(conn) != NV_CONN_CONNECTED) {
        nv_app_message(app, _("Not connected: a pool cannot be created now."), TRUE);
        return NULL;
    }
    Draft *d = g_new0(Draft, 1);
    d->pool = nv_pool_draft_new(NV_POOL_DIR);
    d->conn = conn;
    d->types = NV_POOL_TYPES_ALL;
    d->asking = TRUE;
    d->build = TRUE;
    d->start = TRUE;
    d->autostart = TRUE;
    NvView *view = nv_wizard_new(app, &pool_wizard, d);
    TypesAsk *a = g_new0(TypesAsk, 1);
    a->wz = nv_wizard_ref((NvWizard *)view);
    a->draft = d;
    nv_storage_pool_types_async(conn, types_known, a, NULL);
    return view;
}
