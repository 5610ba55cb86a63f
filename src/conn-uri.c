/* libvirt URIs from fields and back (conn-uri.h). Every part is escaped here, so a user name
 * or a key file path with spaces, '@' or non-ASCII letters survives the round trip. */
#include <string.h>

#include "conn-uri.h"
#include "error.h"
#include "i18n.h"

static const char *const transport_names[NV_TRANSPORT_COUNT] = {
    "local", "ssh", "libssh", "libssh2", "tls", "tcp", "unix",
};

static const char *const hypervisors[] = {"qemu",  "lxc",  "xen",    "ch", "test",
                                          "bhyve", "vbox", "openvz", "vz", NULL};

/* The parameters with a field of their own; the rest go to `extra`. */
#define P_KEYFILE "keyfile"
#define P_KNOWN_HOSTS "known_hosts"
#define P_NO_VERIFY "no_verify"

NvUriFields *nv_uri_fields_new(void)
{
    NvUriFields *f = g_new0(NvUriFields, 1);
    f->hypervisor = g_strdup("qemu");
    f->user = g_strdup("");
    f->host = g_strdup("");
    f->path = g_strdup("/system");
    f->keyfile = g_strdup("");
    f->known_hosts = g_strdup("");
    f->extra = g_strdup("");
    return f;
}

void nv_uri_fields_free(NvUriFields *f)
{
    if (!f)
        return;
    g_free(f->hypervisor);
    g_free(f->user);
    g_free(f->host);
    g_free(f->path);
    g_free(f->keyfile);
    g_free(f->known_hosts);
    g_free(f->extra);
    g_free(f);
}

const char *nv_transport_name(NvTransport t)
{
    return t < NV_TRANSPORT_COUNT ? transport_names[t] : "local";
}

gboolean nv_transport_from_name(const char *name, NvTransport *out)
{
    for (guint t = 0; t < NV_TRANSPORT_COUNT; t++)
        if (name && strcmp(name, transport_names[t]) == 0) {
            *out = (NvTransport)t;
            return TRUE;
        }
    return FALSE;
}

gboolean nv_transport_is_remote(NvTransport t)
{
    return t != NV_TRANSPORT_LOCAL && t != NV_TRANSPORT_UNIX && t < NV_TRANSPORT_COUNT;
}

gboolean nv_transport_is_ssh(NvTransport t)
{
    return t == NV_TRANSPORT_SSH || t == NV_TRANSPORT_LIBSSH || t == NV_TRANSPORT_LIBSSH2;
}

const char *const *nv_uri_hypervisors(void)
{
    return hypervisors;
}

const char *nv_uri_default_path(const char *hypervisor)
{
    if (g_strcmp0(hypervisor, "test") == 0)
        return "/default";
    if (g_strcmp0(hypervisor, "lxc") == 0 || g_strcmp0(hypervisor, "vbox") == 0)
        return "/";
    return "/system";
}

/* ---- building ---- */

/* A driver name as libvirt's schemes have them: a lower-case letter, then letters and digits. */
static gboolean hypervisor_ok(const char *h)
{
    if (!h || !g_ascii_islower(*h))
        return FALSE;
    for (const char *p = h; *p; p++)
        if (!g_ascii_islower(*p) && !g_ascii_isdigit(*p))
            return FALSE;
    return TRUE;
}

/* A DNS name (letters, digits, '-', '.', '_') or an IP address; nothing that needs escaping. */
static gboolean host_ok(const char *h)
{
    if (g_hostname_is_ip_address(h))
        return TRUE;
    for (const char *p = h; *p; p++)
        if (!g_ascii_isalnum(*p) && *p != '-' && *p != '.' && *p != '_')
            return FALSE;
    return *h != '-' && *h != '.';
}

static void add_param(GString *q, const char *key, const char *value)
{
    if (q->len)
        g_string_append_c(q, '&');
    g_autofree char *v = g_uri_escape_string(value, "/:", FALSE);
    g_string_append_printf(q, "%s=%s", key, v);
}

static gboolean check_fields(const NvUriFields *f, GError **err)
{
    if (!hypervisor_ok(f->hypervisor))
        return nv_error_invalid(err, _("'%s' is not a hypervisor driver name"),
                                f->hypervisor ? f->hypervisor : "");
    if (f->transport >= NV_TRANSPORT_COUNT)
        return nv_error_invalid(err, _("unknown transport"));
    if (nv_transport_is_remote(f->transport) && !*f->host)
        return nv_error_invalid(err, _("the %s transport needs a host"),
                                nv_transport_name(f->transport));
    if (!nv_transport_is_remote(f->transport) && *f->host)
        return nv_error_invalid(err, _("a host needs a transport (ssh, tls, tcp...)"));
    if (*f->host && !host_ok(f->host))
        return nv_error_invalid(err, _("'%s' is not a host name or address"), f->host);
    if (f->port > 65535)
        return nv_error_invalid(err, _("the port must be 1 to 65535"));
    if (f->port && !*f->host)
        return nv_error_invalid(err, _("a port needs a host"));
    if (*f->user && !*f->host)
        return nv_error_invalid(err, _("a user needs a host"));
    if (*f->path && *f->path != '/')
        return nv_error_invalid(err, _("the path must start with '/'"));
    if ((*f->keyfile || *f->known_hosts) && !nv_transport_is_ssh(f->transport))
        return nv_error_invalid(err, _("a key file or known_hosts file needs an ssh transport"));
    return TRUE;
}

char *nv_uri_build(const NvUriFields *f, GError **err)
{
    if (!check_fields(f, err))
        return NULL;
    g_autofree char *scheme =
        f->transport == NV_TRANSPORT_LOCAL
            ? g_strdup(f->hypervisor)
            : g_strdup_printf("%s+%s", f->hypervisor, nv_transport_name(f->transport));
    g_autofree char *user = *f->user ? g_uri_escape_string(f->user, NULL, FALSE) : NULL;
    g_autofree char *path = g_uri_escape_string(f->path, "/", FALSE);
    g_autofree char *host = g_uri_escape_string(f->host, ":", FALSE); /* an IPv6 zone's '%' */
    g_autoptr(GString) q = g_string_new("");
    if (*f->keyfile)
        add_param(q, P_KEYFILE, f->keyfile);
    if (*f->known_hosts)
        add_param(q, P_KNOWN_HOSTS, f->known_hosts);
    if (f->no_verify)
        add_param(q, P_NO_VERIFY, "1");
    if (f->extra && *f->extra)
        g_string_append_printf(q, "%s%s", q->len ? "&" : "", f->extra);
    /* An empty host still writes "//", as libvirt's local URIs have it ("qemu:///system"). */
    return g_uri_join_with_user(G_URI_FLAGS_ENCODED, scheme, user, NULL, NULL, host,
                                f->port ? (int)f->port : -1, path, q->len ? q->str : NULL, NULL);
}

/* ---- parsing ---- */

static gboolean parse_scheme(NvUriFields *f, const char *scheme, GError **err)
{
    g_auto(GStrv) parts = g_strsplit(scheme, "+", 2);
    if (!hypervisor_ok(parts[0]))
        return nv_error_invalid(err, _("'%s' is not a hypervisor driver name"), parts[0]);
    g_free(f->hypervisor);
    f->hypervisor = g_strdup(parts[0]);
    if (parts[1] &&
        (!nv_transport_from_name(parts[1], &f->transport) || f->transport == NV_TRANSPORT_LOCAL))
        return nv_error_invalid(err, _("unknown transport '%s'"), parts[1]);
    return TRUE;
}

static gboolean parse_params(NvUriFields *f, const char *query, GError **err)
{
    GUriParamsIter it;
    g_uri_params_iter_init(&it, query, -1, "&", G_URI_PARAMS_NONE);
    g_autoptr(GString) extra = g_string_new("");
    char *key, *value;
    GError *local = NULL;
    while (g_uri_params_iter_next(&it, &key, &value, &local)) {
        if (strcmp(key, P_KEYFILE) == 0)
            g_free(f->keyfile), f->keyfile = g_strdup(value);
        else if (strcmp(key, P_KNOWN_HOSTS) == 0)
            g_free(f->known_hosts), f->known_hosts = g_strdup(value);
        else if (strcmp(key, P_NO_VERIFY) == 0)
            f->no_verify = strcmp(value, "0") != 0;
        else
            add_param(extra, key, value);
        g_free(key);
        g_free(value);
    }
    if (local) {
        nv_error_invalid(err, _("bad parameters in the URI: %s"), local->message);
        g_error_free(local);
        return FALSE;
    }
    g_free(f->extra);
    f->extra = g_string_free(g_steal_pointer(&extra), FALSE);
    return TRUE;
}

NvUriFields *nv_uri_parse(const char *text, GError **err)
{
    g_autoptr(GError) local = NULL;
    g_autoptr(GUri) uri =
        g_uri_parse(text ? text : "", G_URI_FLAGS_HAS_PASSWORD | G_URI_FLAGS_ENCODED_QUERY, &local);
    if (!uri) {
        nv_error_invalid(err, _("'%s' is not a URI: %s"), text ? text : "", local->message);
        return NULL;
    }
    if (g_uri_get_password(uri)) {
        nv_error_invalid(err, _("a URI may not hold a password: ncvirt asks for it instead"));
        return NULL;
    }
    g_autoptr(NvUriFields) f = nv_uri_fields_new();
    if (!parse_scheme(f, g_uri_get_scheme(uri), err))
        return NULL;
    const char *host = g_uri_get_host(uri);
    g_free(f->host);
    f->host = g_strdup(host ? host : "");
    if (*f->host && f->transport == NV_TRANSPORT_LOCAL)
        f->transport = NV_TRANSPORT_TLS;
    if (*f->host && !host_ok(f->host)) {
        nv_error_invalid(err, _("'%s' is not a host name or address"), f->host);
        return NULL;
    }
    g_free(f->user);
    f->user = g_strdup(g_uri_get_user(uri) ? g_uri_get_user(uri) : "");
    f->port = g_uri_get_port(uri) > 0 ? (guint)g_uri_get_port(uri) : 0;
    g_free(f->path);
    f->path = g_strdup(g_uri_get_path(uri));
    if (g_uri_get_query(uri) && !parse_params(f, g_uri_get_query(uri), err))
        return NULL;
    return g_steal_pointer(&f);
}

gboolean nv_uri_has_password(const char *text)
{
    g_autoptr(GUri) uri = g_uri_parse(text ? text : "", G_URI_FLAGS_HAS_PASSWORD, NULL);
    return uri && g_uri_get_password(uri) != NULL;
}
