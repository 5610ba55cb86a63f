/* The connection wizard: a host to manage, described field by field (hypervisor, transport,
 * user, host, port, ssh key and known_hosts files) with the resulting URI shown as the fields
 * change, or typed as a whole URI; then a name, read-only and autoconnect. The commit saves it
 * in the config file (src/conn-config.c) and connects. Opened from the Hosts pane to add a
 * connection, or filled from the selected one to edit it. */
#include <string.h>

#include "conn-config.h"
#include "conn-uri.h"
#include "wizards.h"

typedef struct {
    char *how; /* "fields" or "uri" */
    char *raw; /* the whole URI, typed */
    char *hypervisor;
    char *mode; /* qemu, ch: "system" or "session" */
    char *path; /* other drivers: "/default", a test driver file... */
    char *transport;
    char *user;
    char *host;
    guint port;
    char *keyfile;
    char *known_hosts;
    gboolean no_verify;
    char *extra; /* an edited URI's parameters that have no field */
    char *name;
    gboolean readonly;
    gboolean autoconnect;
    char *old_name; /* editing: the name it is saved under; NULL for a new one */
    NvConn *conn;   /* editing: its open connection, or NULL */
    NvPane *pane;
} Draft;

static void draft_free(Draft *d)
{
    g_free(d->how);
    g_free(d->raw);
    g_free(d->hypervisor);
    g_free(d->mode);
    g_free(d->path);
    g_free(d->transport);
    g_free(d->user);
    g_free(d->host);
    g_free(d->keyfile);
    g_free(d->known_hosts);
    g_free(d->extra);
    g_free(d->name);
    g_free(d->old_name);
    g_free(d);
}

static gboolean is_raw(const Draft *d)
{
    return g_strcmp0(d->how, "uri") == 0;
}

/* qemu and Cloud Hypervisor have a system and a session daemon; the others a path. */
static gboolean has_mode(const char *hypervisor)
{
    return g_strcmp0(hypervisor, "qemu") == 0 || g_strcmp0(hypervisor, "ch") == 0;
}

static NvTransport transport_of(const Draft *d)
{
    NvTransport t = NV_TRANSPORT_LOCAL;
    nv_transport_from_name(d->transport, &t);
    return t;
}

static NvUriFields *fields_of(const Draft *d)
{
    NvUriFields *f = nv_uri_fields_new();
    g_free(f->hypervisor), f->hypervisor = g_strdup(d->hypervisor);
    f->transport = transport_of(d);
    gboolean remote = nv_transport_is_remote(f->transport);
    g_free(f->user), f->user = g_strdup(remote ? d->user : "");
    g_free(f->host), f->host = g_strdup(remote ? d->host : "");
    f->port = remote ? d->port : 0;
    g_free(f->path);
    /* An untouched path follows the driver's default (the field shows it). */
    f->path = has_mode(d->hypervisor) ? g_strconcat("/", d->mode, NULL)
              : *d->path              ? g_strdup(d->path)
                                      : g_strdup(nv_uri_default_path(d->hypervisor));
    gboolean ssh = nv_transport_is_ssh(f->transport);
    g_free(f->keyfile), f->keyfile = g_strdup(ssh ? d->keyfile : "");
    g_free(f->known_hosts), f->known_hosts = g_strdup(ssh ? d->known_hosts : "");
    f->no_verify = (ssh || f->transport == NV_TRANSPORT_TLS) && d->no_verify;
    g_free(f->extra), f->extra = g_strdup(d->extra);
    return f;
}

/* The URI the draft describes, or NULL with the reason. */
static char *draft_uri(const Draft *d, GError **err)
{
    if (is_raw(d)) {
        g_autoptr(NvUriFields) f = nv_uri_parse(d->raw, err);
        return f ? g_strdup(d->raw) : NULL;
    }
    g_autoptr(NvUriFields) f = fields_of(d);
    return nv_uri_build(f, err);
}

/* ---- step 1: the URI, field by field or whole ---- */

enum {
    RAW = 1 << 0,
    FIELDS = 1 << 1,
    MODE = 1 << 2,   /* a system/session choice */
    PATH = 1 << 3,   /* a path instead */
    REMOTE = 1 << 4, /* user, host, port */
    SSH = 1 << 5,    /* key file, known_hosts */
    VERIFY = 1 << 6, /* no_verify */
};

static guint uri_state(gconstpointer data)
{
    const Draft *d = data;
    if (is_raw(d))
        return RAW;
    NvTransport t = transport_of(d);
    guint s = FIELDS | (has_mode(d->hypervisor) ? MODE : PATH);
    if (nv_transport_is_remote(t))
        s |= REMOTE;
    if (nv_transport_is_ssh(t))
        s |= SSH | VERIFY;
    if (t == NV_TRANSPORT_TLS)
        s |= VERIFY;
    return s;
}

static const char *const how_values[] = {"fields", "uri", NULL};
static const char *const how_labels[] = {N_("field by field"), N_("a whole URI"), NULL};
static const char *const hv_values[] = {"qemu", "lxc", "xen", "ch", "test", NULL};
static const char *const hv_labels[] = {N_("QEMU/KVM"),         N_("LXC containers"), N_("Xen"),
                                        N_("Cloud Hypervisor"), N_("test driver"),    NULL};
static const char *const mode_values[] = {"system", "session", NULL};
static const char *const mode_labels[] = {N_("system: all of the host"),
                                          N_("session (the user's own)"), NULL};
static const char *const transport_values[] = {"local", "ssh", "libssh", "libssh2",
                                               "tls",   "tcp", "unix",   NULL};
static const char *const transport_labels[] = {
    N_("local"), N_("ssh (the ssh command)"), N_("libssh"),      N_("libssh2"),
    N_("TLS"),   N_("TCP (no encryption)"),   N_("unix socket"), NULL};

static gboolean check_raw(const char *text, gpointer data, GError **err)
{
    g_autoptr(NvUriFields) f = nv_uri_parse(text, err);
    return f != NULL;
}

static gboolean check_path(const char *text, gpointer data, GError **err)
{
    if (*text != '/')
        return nv_error_invalid(err, _("the path must start with '/'"));
    return TRUE;
}

static char *default_path(gconstpointer data)
{
    const Draft *d = data;
    return g_strdup(*d->path ? d->path : nv_uri_default_path(d->hypervisor));
}

static char *uri_remark(gconstpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *uri = draft_uri(data, &err);
    if (!uri)
        return g_strdup_printf(_("URI: (%s)"), err->message);
    return g_strdup_printf(_("URI: %s"), uri);
}

#define ENUM(id_, label_, member, values_, labels_, when_)                                         \
    {                                                                                              \
        .id = id_, .kind = NV_WIZARD_ENUM, .label = label_, .hint = N_("Space picks another"),     \
        .visible_when = when_, .slot = G_STRUCT_OFFSET(Draft, member), .values = values_,          \
        .labels = labels_, .refresh = TRUE                                                         \
    }
#define TEXT(id_, kind_, label_, member, hint_, when_)                                             \
    {                                                                                              \
        .id = id_, .kind = kind_, .label = label_, .optional = TRUE, .hint = hint_,                \
        .visible_when = when_, .slot = G_STRUCT_OFFSET(Draft, member), .refresh = TRUE             \
    }

static const NvWizardField uri_fields[] = {
    ENUM("how", N_("Describe it"), how, how_values, how_labels, 0),
    {.id = "uri",
     .kind = NV_WIZARD_TEXT,
     .label = N_("URI"),
     .hint = N_("e.g. qemu+ssh://root@host/system"),
     .check = check_raw,
     .visible_when = RAW,
     .slot = G_STRUCT_OFFSET(Draft, raw),
     .refresh = TRUE},
    ENUM("hypervisor", N_("Hypervisor"), hypervisor, hv_values, hv_labels, FIELDS),
    ENUM("mode", N_("Daemon"), mode, mode_values, mode_labels, MODE),
    {.id = "path",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Path"),
     .hint = N_("the test driver: /default or an XML file"),
     .check = check_path,
     .visible_when = PATH,
     .slot = G_STRUCT_OFFSET(Draft, path),
     .initial = default_path,
     .refresh = TRUE,
     .follow = TRUE},
    ENUM("transport", N_("Transport"), transport, transport_values, transport_labels, FIELDS),
    TEXT("user", NV_WIZARD_TEXT, N_("User"), user, N_("empty: as ssh or libvirt decide"), REMOTE),
    {.id = "host",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Host"),
     .hint = N_("a name or an address"),
     .visible_when = REMOTE,
     .slot = G_STRUCT_OFFSET(Draft, host),
     .refresh = TRUE},
    {.id = "port",
     .kind = NV_WIZARD_INT,
     .label = N_("Port"),
     .max = 65535,
     .hint = N_("0: the transport's own"),
     .visible_when = REMOTE,
     .slot = G_STRUCT_OFFSET(Draft, port),
     .refresh = TRUE},
    TEXT("keyfile", NV_WIZARD_PATH, N_("Key file"), keyfile, N_("empty: ssh's default keys"), SSH),
    TEXT("known-hosts", NV_WIZARD_PATH, N_("known_hosts file"), known_hosts,
         N_("empty: ssh's default"), SSH),
    {.id = "no-verify",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Skip host check"),
     .hint = N_("no host key or certificate check: only on a network you trust"),
     .visible_when = VERIFY,
     .slot = G_STRUCT_OFFSET(Draft, no_verify),
     .refresh = TRUE},
    {.id = "result", .kind = NV_WIZARD_REMARK, .slot = NV_WIZARD_NO_SLOT, .initial = uri_remark},
};

static gboolean read_uri(NvWizard *wz, NvForm *form, gpointer data)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *uri = draft_uri(data, &err);
    if (!uri) {
        nv_wizard_set_status(wz, err->message, TRUE);
        return FALSE;
    }
    return TRUE;
}

/* ---- step 2: name and options ---- */

static gboolean check_name(const char *text, gpointer data, GError **err)
{
    const Draft *d = data;
    g_autofree char *name = g_strstrip(g_strdup(text));
    if (!nv_conn_config_name_check(name, err))
        return FALSE;
    g_autofree char *path = nv_conn_config_default_path();
    g_autoptr(NvConnConfig) cfg = nv_conn_config_load(path, NULL, NULL);
    if (cfg && nv_conn_config_find(cfg, name) && g_strcmp0(name, d->old_name) != 0)
        return nv_error_invalid(err, _("a connection named '%s' is saved already"), name);
    return TRUE;
}

/* The host's name, or the driver's for a local one ("qemu session", "test"). */
static char *default_name(gconstpointer data)
{
    const Draft *d = data;
    if (*d->name)
        return g_strdup(d->name);
    g_autoptr(NvUriFields) f = nv_uri_parse(is_raw(d) ? d->raw : "", NULL);
    if (!f)
        f = fields_of(d);
    if (*f->host)
        return g_strdup(f->host);
    const char *base = strrchr(f->path, '/');
    return base && base[1] ? g_strdup_printf("%s %s", f->hypervisor, base + 1)
                           : g_strdup(f->hypervisor);
}

static const NvWizardField name_fields[] = {
    {.id = "name",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Name"),
     .hint = N_("shown in the Host column"),
     .check = check_name,
     .slot = G_STRUCT_OFFSET(Draft, name),
     .initial = default_name},
    {.id = "readonly",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Read-only"),
     .hint = N_("look, change nothing"),
     .slot = G_STRUCT_OFFSET(Draft, readonly)},
    {.id = "autoconnect",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Connect at start"),
     .hint = N_("when ncvirt starts without -c"),
     .slot = G_STRUCT_OFFSET(Draft, autoconnect)},
};

static const NvWizardStep steps[] = {
    {.title = N_("Host"),
     .fields = uri_fields,
     .n_fields = G_N_ELEMENTS(uri_fields),
     .state = uri_state,
     .live = TRUE,
     .read = read_uri},
    {.title = N_("Name and options"), .fields = name_fields, .n_fields = G_N_ELEMENTS(name_fields)},
};

/* ---- summary and commit ---- */

static char *summary(gpointer data, GError **err)
{
    Draft *d = data;
    g_autofree char *uri = draft_uri(d, err);
    if (!uri)
        return NULL;
    g_autofree char *path = nv_conn_config_default_path();
    g_autofree char *shown = g_filename_display_name(path);
    GString *s = g_string_new("");
    g_string_append_printf(
        s, d->old_name ? _("The connection '%s', changed:") : _("A new connection '%s':"), d->name);
    g_string_append_printf(s, "\n\n%s %s", _("URI:"), uri);
    g_string_append_printf(s, "\n%s", d->readonly ? _("Read-only: yes") : _("Read-only: no"));
    g_string_append_printf(s, "\n%s",
                           d->autoconnect ? _("Connect at start: yes") : _("Connect at start: no"));
    g_string_append_printf(s, "\n\n%s\n%s", _("Saved in (no password is ever saved):"), shown);
    return g_string_free(s, FALSE);
}

/* Saves the draft as a connection in the config file. */
static gboolean save(const Draft *d, const char *uri, GError **err)
{
    g_autofree char *path = nv_conn_config_default_path();
    g_autoptr(NvConnConfig) cfg = nv_conn_config_load(path, NULL, err);
    if (!cfg)
        return FALSE;
    g_autoptr(NvSavedConn) c = nv_saved_conn_new(d->name, uri, d->readonly, d->autoconnect);
    return nv_conn_config_set(cfg, c, d->old_name, err) && nv_conn_config_save(cfg, err);
}

/* An open connection follows its edit: renamed, or opened again on a new URI. */
static NvConn *connect(Draft *d, NvApp *app, const char *uri)
{
    NvConn *conn = d->conn && nv_app_has_conn(app, d->conn) ? d->conn : NULL;
    if (conn && strcmp(nv_conn_uri(conn), uri) == 0 && nv_conn_is_readonly(conn) == d->readonly) {
        nv_conn_set_name(conn, d->name);
        return conn;
    }
    if (conn)
        nv_app_remove_conn(app, conn);
    conn = nv_app_add_conn(app, uri, d->readonly);
    nv_conn_set_name(conn, d->name);
    return conn;
}

static void commit(NvWizard *wz, gpointer data)
{
    Draft *d = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *uri = draft_uri(d, &err);
    if (!uri || !save(d, uri, &err)) {
        nv_wizard_finished(wz, err, NULL);
        return;
    }
    /* Held: a wizard closed meanwhile is still safe to finish (nv_wizard_finished). */
    nv_wizard_ref(wz);
    NvConn *conn = connect(d, nv_wizard_app(wz), uri);
    nv_wizard_pane_select(d->pane, conn, d->name);
    g_autofree char *msg =
        g_strdup_printf(_("saved connection '%s'; connecting to %s"), d->name, uri);
    nv_wizard_finished(wz, NULL, msg);
    nv_wizard_unref(wz);
}

static const NvWizardClass connection_wizard = {
    .title = N_("Connection"),
    .steps = steps,
    .n_steps = G_N_ELEMENTS(steps),
    .summary = summary,
    .commit = commit,
    .draft_free = (GDestroyNotify)draft_free,
};

/* ---- opening ---- */

static Draft *draft_new(NvPane *pane)
{
    Draft *d = g_new0(Draft, 1);
    d->how = g_strdup("fields");
    d->raw = g_strdup("");
    d->hypervisor = g_strdup("qemu");
    d->mode = g_strdup("system");
    d->path = g_strdup("");
    d->transport = g_strdup("ssh");
    d->user = g_strdup("");
    d->host = g_strdup("");
    d->keyfile = g_strdup("");
    d->known_hosts = g_strdup("");
    d->extra = g_strdup("");
    d->name = g_strdup("");
    d->pane = pane;
    return d;
}

static gboolean in_values(const char *const *values, const char *v)
{
    for (guint i = 0; values[i]; i++)
        if (strcmp(values[i], v) == 0)
            return TRUE;
    return FALSE;
}

/* The fields of a URI when the form can show it whole (a driver and path it offers), else the
 * URI as typed. */
static void draft_fill(Draft *d, const char *uri)
{
    g_free(d->raw), d->raw = g_strdup(uri);
    g_autoptr(NvUriFields) f = nv_uri_parse(uri, NULL);
    const char *mode = f && *f->path ? f->path + 1 : "";
    if (!f || !in_values(hv_values, f->hypervisor) ||
        (has_mode(f->hypervisor) && !in_values(mode_values, mode))) {
        g_free(d->how), d->how = g_strdup("uri");
        return;
    }
    g_free(d->hypervisor), d->hypervisor = g_strdup(f->hypervisor);
    if (has_mode(f->hypervisor))
        g_free(d->mode), d->mode = g_strdup(mode);
    else
        g_free(d->path), d->path = g_strdup(f->path);
    g_free(d->transport), d->transport = g_strdup(nv_transport_name(f->transport));
    g_free(d->user), d->user = g_strdup(f->user);
    g_free(d->host), d->host = g_strdup(f->host);
    d->port = f->port;
    g_free(d->keyfile), d->keyfile = g_strdup(f->keyfile);
    g_free(d->known_hosts), d->known_hosts = g_strdup(f->known_hosts);
    d->no_verify = f->no_verify;
    g_free(d->extra), d->extra = g_strdup(f->extra);
}

NvView *nv_wizard_connection_open(NvApp *app, NvPane *pane)
{
    Draft *d = draft_new(pane);
    d->autoconnect = TRUE;
    return nv_wizard_new(app, &connection_wizard, d);
}

NvView *nv_wizard_connection_edit(NvApp *app, NvPane *pane)
{
    g_autoptr(NvSavedConn) saved = NULL;
    NvConn *conn = NULL;
    if (!nv_wizard_host_row(pane, &saved, &conn)) {
        nv_app_message(app, _("No connection selected (the Hosts pane lists them)."), TRUE);
        return NULL;
    }
    Draft *d = draft_new(pane);
    d->conn = conn;
    if (saved) {
        draft_fill(d, saved->uri);
        g_free(d->name), d->name = g_strdup(saved->name);
        d->old_name = g_strdup(saved->name);
        d->readonly = saved->readonly;
        d->autoconnect = saved->autoconnect;
    } else {
        /* Opened with -c and not saved yet: editing saves it. */
        draft_fill(d, nv_conn_uri(conn));
        d->readonly = nv_conn_is_readonly(conn);
    }
    return nv_wizard_new(app, &connection_wizard, d);
}
