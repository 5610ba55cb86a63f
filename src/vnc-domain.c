/* Reaching a domain's VNC display: a socket straight from libvirt where it can give one,
 * else the listen address, and for remote hosts a tunnel through the user's ssh. */
#include "vnc-domain.h"

#include <gio/gio.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <unistd.h>

#include "conn-virt.h"
#include "error.h"
#include "virt-util.h"
#include "i18n.h"
#include "text.h"
#include "xml-read.h"

/* The request, and the handle the caller may cancel through. */
struct NvVncOpen {
    char *uuid;
    NvVnc *vnc; /* NULL once cancelled */
    NvAsyncFunc done;
    gpointer data;
    GDestroyNotify data_free;
    /* Filled by the worker. */
    int fd;
    char *name;
    char *listen; /* the display's listen address, as the domain's XML gives it */
    int port;
    char *uri; /* the connection's URI, to decide on an ssh tunnel */
    char *via; /* on the main loop: how the session connects, for the caller's status */
};
typedef struct NvVncOpen OpenJob;

static void open_job_free(OpenJob *job)
{
    if (job->fd >= 0)
        close(job->fd);
    g_free(job->uuid);
    g_free(job->name);
    g_free(job->listen);
    g_free(job->uri);
    g_free(job->via);
    g_free(job);
}

/* The first VNC display of the running domain, from its live XML. */
static gboolean find_display(virDomainPtr dom, OpenJob *job, GError **err)
{
    /* Every libvirt call resets the thread's last error: take the name before failing. */
    g_autofree char *dom_name = g_strdup(virDomainGetName(dom));
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the definition of '%s'"), dom_name);
        return FALSE;
    }
    g_autoptr(NvDomainDetails) det = nv_xml_domain_details(xml, err);
    free(xml);
    if (!det)
        return FALSE;
    for (guint i = 0; i < det->graphics->len; i++) {
        NvGraphics *g = det->graphics->pdata[i];
        if (g_strcmp0(g->type, "vnc") != 0)
            continue;
        if (g->port <= 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                        _("the VNC display of '%s' has no port yet"), det->name);
            return FALSE;
        }
        job->port = g->port;
        job->listen = g_strdup(g->listen);
        job->name = g_strdup(det->name);
        return TRUE;
    }
    g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("'%s' has no VNC display"), det->name);
    return FALSE;
}

static const char *remote_host(GUri *uri);

/* Does `uri` name a hypervisor on this machine? */
static gboolean uri_is_local(const char *uri_text)
{
    g_autoptr(GUri) uri = g_uri_parse(uri_text, G_URI_FLAGS_ENCODED_QUERY, NULL);
    return uri && !remote_host(uri);
}

static gpointer open_work(virConnectPtr vconn, gpointer data, GError **err)
{
    OpenJob *job = data;
    char *uri = virConnectGetURI(vconn);
    job->uri = g_strdup(uri ? uri : "");
    free(uri);
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, job->uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find the domain"));
        return NULL;
    }
    if (virDomainIsActive(dom) != 1) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("'%s' is not running: start it to see its display"), virDomainGetName(dom));
        return NULL;
    }
    gboolean ok = find_display(dom, job, err);
    /* A socket from libvirt needs no address, no password and no tunnel; it works only with
     * a local hypervisor connection, so a failure here just means "use the address". Never
     * asked of a remote one: it cannot pass a descriptor, and over ssh the failed call
     * leaves the connection's stream out of step, which drops the connection. */
    if (ok && uri_is_local(job->uri))
        job->fd = virDomainOpenGraphicsFD(dom, 0, VIR_DOMAIN_OPEN_GRAPHICS_SKIPAUTH);
    virResetLastError();
    return ok ? NV_ASYNC_OK : NULL;
}

void nv_vnc_route_free(NvVncRoute *route)
{
    if (!route)
        return;
    g_free(route->host);
    g_strfreev(route->argv);
    g_free(route);
}

/* The tunnel gives up on an unreachable host after this many seconds, inside the open's own
 * deadline (NV_VNC_OPEN_TIMEOUT_S), so that ssh's reason is what the user reads. */
#define TUNNEL_CONNECT_TIMEOUT_S 6

/* Is this a transport whose host we reach with ssh: +ssh (the user's ssh, as libvirt runs it)
 * and +libssh/+libssh2 (libvirt's own ssh client, which the same host's sshd answers)? */
static gboolean ssh_scheme(const char *scheme)
{
    return scheme && (g_str_has_suffix(scheme, "+ssh") || g_str_has_suffix(scheme, "+libssh") ||
                      g_str_has_suffix(scheme, "+libssh2"));
}

/* A value that goes into ssh's argv: control characters (a newline ends an -o line) are
 * refused; everything else is one argv element, never seen by a shell. */
static gboolean check_value(const char *what, const char *value, GError **err)
{
    for (const char *p = value; *p; p++)
        if ((guchar)*p < 0x20 || *p == 0x7f)
            return nv_error_invalid(err,
                                    _("cannot open an ssh tunnel for the VNC display: the "
                                      "connection's %s has a control character"),
                                    what);
    return TRUE;
}

/* "-o NAME=VALUE" with VALUE quoted for ssh's own option parser, which splits on blanks and
 * reads quotes and backslashes. */
static void add_quoted_option(GStrvBuilder *b, const char *name, const char *value)
{
    GString *s = g_string_new(name);
    g_string_append(s, "=\"");
    for (const char *p = value; *p; p++) {
        if (*p == '"' || *p == '\\')
            g_string_append_c(s, '\\');
        g_string_append_c(s, *p);
    }
    g_string_append_c(s, '"');
    g_strv_builder_add_many(b, "-o", s->str, NULL);
    g_string_free(s, TRUE);
}

/* sshauth (libvirt's libssh names: agent, privkey, password, keyboard-interactive) as ssh's
 * PreferredAuthentications; without "agent" the agent's keys are not offered either. */
static void add_sshauth(GStrvBuilder *b, const char *sshauth)
{
    g_auto(GStrv) methods = g_strsplit(sshauth, ",", -1);
    g_autoptr(GString) pref = g_string_new(NULL);
    gboolean agent = FALSE, pubkey = FALSE;
    for (char **m = methods; *m; m++) {
        const char *name = g_strstrip(*m);
        const char *ssh = NULL;
        if (g_str_equal(name, "agent") || g_str_equal(name, "privkey")) {
            agent = agent || g_str_equal(name, "agent");
            ssh = pubkey ? NULL : "publickey";
            pubkey = TRUE;
        } else if (g_str_equal(name, "password") || g_str_equal(name, "keyboard-interactive")) {
            ssh = name;
        }
        if (ssh && !strstr(pref->str, ssh))
            g_string_append_printf(pref, "%s%s", pref->len ? "," : "", ssh);
    }
    if (pref->len == 0)
        return;
    g_autofree char *opt = g_strdup_printf("PreferredAuthentications=%s", pref->str);
    g_strv_builder_add_many(b, "-o", opt, NULL);
    if (pubkey && !agent)
        g_strv_builder_add_many(b, "-o", "IdentityAgent=none", NULL);
}

/* Host-key checking: no_verify=1 (the ssh transport's name) or known_hosts_verify (libssh's:
 * normal, auto, ignore); a known_hosts file of the URI's own. BatchMode already refuses an
 * unknown key rather than asking. */
static void add_host_key_options(GStrvBuilder *b, GHashTable *params)
{
    const char *verify = g_hash_table_lookup(params, "known_hosts_verify");
    const char *no_verify = g_hash_table_lookup(params, "no_verify");
    const char *known = g_hash_table_lookup(params, "known_hosts");
    /* An integer, as libvirt reads it: anything but a number other than 0 verifies. */
    gint64 nv = 0;
    gboolean skip = no_verify &&
                    g_ascii_string_to_signed(no_verify, 10, G_MININT, G_MAXINT, &nv, NULL) &&
                    nv != 0;
    if (skip || g_strcmp0(verify, "ignore") == 0)
        g_strv_builder_add_many(b, "-o", "StrictHostKeyChecking=no", NULL);
    else if (g_strcmp0(verify, "auto") == 0)
        g_strv_builder_add_many(b, "-o", "StrictHostKeyChecking=accept-new", NULL);
    else if (g_strcmp0(verify, "normal") == 0)
        g_strv_builder_add_many(b, "-o", "StrictHostKeyChecking=yes", NULL);
    if (known && *known)
        add_quoted_option(b, "UserKnownHostsFile", known);
}

/* Percent-decoded, as libxml2 decodes for libvirt: '+' stays '+'. */
static char *unescape(const char *text, gsize len)
{
    char *raw = g_strndup(text, len);
    char *out = g_uri_unescape_string(raw, NULL);
    if (!out)
        return raw;
    g_free(raw);
    return out;
}

/* The query's parameters as libvirt's remote driver reads them: split at '&' (or at ';' once
 * no '&' is left), names without case, the last of a name wins. */
static GHashTable *uri_params(GUri *uri)
{
    GHashTable *params = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    const char *query = g_uri_get_query(uri);
    while (query && *query) {
        const char *end = strchr(query, '&');
        if (!end)
            end = strchr(query, ';');
        if (!end)
            end = query + strlen(query);
        const char *eq = memchr(query, '=', (gsize)(end - query));
        if (end > query) {
            g_autofree char *name = unescape(query, (gsize)((eq ? eq : end) - query));
            char *value = eq ? unescape(eq + 1, (gsize)(end - eq - 1)) : g_strdup("");
            g_hash_table_replace(params, g_ascii_strdown(name, -1), value);
        }
        query = *end ? end + 1 : end;
    }
    return params;
}

/* Every value the argv is built from, checked before any is used. */
static gboolean check_tunnel_values(GUri *uri, GHashTable *params, const char *host, GError **err)
{
    static const char *const names[] = {"command", "keyfile", "known_hosts", "sshauth"};
    if (!check_value(_("host"), g_uri_get_host(uri), err) ||
        !check_value(_("user"), g_uri_get_user(uri) ? g_uri_get_user(uri) : "", err) ||
        !check_value(_("display address"), host, err))
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        const char *v = g_hash_table_lookup(params, names[i]);
        if (v && !check_value(names[i], v, err))
            return FALSE;
    }
    return TRUE;
}

static char **tunnel_argv(GUri *uri, const char *host, int port, GError **err)
{
    g_autoptr(GHashTable) params = uri_params(uri);
    if (!check_tunnel_values(uri, params, host, err))
        return NULL;
    /* command= is the ssh binary of the ssh transport (run without a shell, as libvirt does);
     * libssh and libssh2 have none: the user's ssh then. */
    const char *command = g_hash_table_lookup(params, "command");
    gboolean own_ssh = g_str_has_suffix(g_uri_get_scheme(uri), "+ssh");
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_add(b, own_ssh && command && *command ? command : "ssh");
    /* Never a prompt: the terminal belongs to curses (the tunnel also has no tty). */
    g_autofree char *timeout = g_strdup_printf("ConnectTimeout=%d", TUNNEL_CONNECT_TIMEOUT_S);
    g_strv_builder_add_many(b, "-o", "BatchMode=yes", "-o", timeout, NULL);
    if (g_uri_get_port(uri) > 0) {
        g_autofree char *p = g_strdup_printf("%d", g_uri_get_port(uri));
        g_strv_builder_add_many(b, "-p", p, NULL);
    }
    /* Each option takes the next element whole, even one that starts with '-'. */
    if (g_uri_get_user(uri) && *g_uri_get_user(uri))
        g_strv_builder_add_many(b, "-l", g_uri_get_user(uri), NULL);
    const char *keyfile = g_hash_table_lookup(params, "keyfile");
    if (keyfile && *keyfile)
        g_strv_builder_add_many(b, "-i", keyfile, NULL);
    add_host_key_options(b, params);
    const char *sshauth = g_hash_table_lookup(params, "sshauth");
    if (sshauth)
        add_sshauth(b, sshauth);
    /* ssh reads an IPv6 address's port only after brackets. */
    gboolean v6 = strchr(host, ':') != NULL;
    g_autofree char *target = g_strdup_printf(v6 ? "[%s]:%d" : "%s:%d", host, port);
    /* After "--" the host is the destination whatever it starts with. */
    g_strv_builder_add_many(b, "-W", target, "--", g_uri_get_host(uri), NULL);
    return g_strv_builder_end(b);
}

char **nv_vnc_tunnel_argv(const char *uri_text, const char *host, int port, GError **err)
{
    g_autoptr(GUri) uri = g_uri_parse(uri_text, G_URI_FLAGS_ENCODED_QUERY, NULL);
    if (!uri || !ssh_scheme(g_uri_get_scheme(uri)) || !g_uri_get_host(uri) ||
        !*g_uri_get_host(uri)) {
        nv_error_invalid(err, _("'%s' is not a connection through ssh"), uri_text);
        return NULL;
    }
    return tunnel_argv(uri, host, port, err);
}

typedef enum {
    LISTEN_WILDCARD, /* every address of the host: "", 0.0.0.0, :: */
    LISTEN_LOOPBACK, /* the host's own loopback only */
    LISTEN_SOCKET,   /* a UNIX socket path */
    LISTEN_ADDRESS,  /* anything else: an address or name of the host's network */
} ListenKind;

/* An IPv4 address written as IPv6 (::ffff:a.b.c.d), which GLib calls neither any nor
 * loopback. */
static gboolean mapped_v4(GInetAddress *a, guint8 first, gboolean whole)
{
    static const guint8 prefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const guint8 *b = g_inet_address_to_bytes(a);
    if (g_inet_address_get_family(a) != G_SOCKET_FAMILY_IPV6 || memcmp(b, prefix, 12) != 0)
        return FALSE;
    return b[12] == first && (!whole || (b[13] == first && b[14] == first && b[15] == first));
}

static ListenKind listen_kind(const char *listen)
{
    if (!*listen)
        return LISTEN_WILDCARD;
    if (listen[0] == '/')
        return LISTEN_SOCKET;
    if (g_ascii_strcasecmp(listen, "localhost") == 0)
        return LISTEN_LOOPBACK;
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(listen);
    if (!a)
        return LISTEN_ADDRESS;
    if (g_inet_address_get_is_any(a) || mapped_v4(a, 0, TRUE))
        return LISTEN_WILDCARD;
    if (g_inet_address_get_is_loopback(a) || mapped_v4(a, 127, FALSE))
        return LISTEN_LOOPBACK;
    return LISTEN_ADDRESS;
}

/* The host of a remote URI, or NULL when the hypervisor runs on this machine (no host, or
 * the local socket of qemu+unix). */
static const char *remote_host(GUri *uri)
{
    const char *host = g_uri_get_host(uri);
    const char *scheme = g_uri_get_scheme(uri);
    if (!host || !*host || (scheme && g_str_has_suffix(scheme, "+unix")))
        return NULL;
    return host;
}

static NvVncRoute *route_host(const char *host, int port)
{
    NvVncRoute *r = g_new0(NvVncRoute, 1);
    r->kind = NV_VNC_ROUTE_HOST;
    r->host = g_strdup(host);
    r->port = port;
    return r;
}

/* An ssh transport reaches any address of the host through a tunnel of the same ssh
 * (ssh -W): the user, port, key and host-key choices of the URI. Others connect to the
 * host's own address. */
static NvVncRoute *route_remote(GUri *uri, const char *name, const char *listen, int port,
                                GError **err)
{
    const char *host = remote_host(uri);
    ListenKind kind = listen_kind(listen);
    if (ssh_scheme(g_uri_get_scheme(uri))) {
        char **argv = tunnel_argv(uri, kind == LISTEN_WILDCARD ? "127.0.0.1" : listen, port, err);
        if (!argv)
            return NULL;
        NvVncRoute *r = g_new0(NvVncRoute, 1);
        r->kind = NV_VNC_ROUTE_COMMAND;
        r->argv = argv;
        r->port = port;
        return r;
    }
    if (kind == LISTEN_WILDCARD)
        return route_host(host, port);
    if (kind == LISTEN_LOOPBACK) {
        nv_error_invalid(err,
                         _("the display of '%s' listens on %s of host %s only: open it through "
                           "qemu+ssh:// or make it listen on an address this machine can reach"),
                         name, listen, host);
        return NULL;
    }
    return route_host(listen, port);
}

NvVncRoute *nv_vnc_route(const char *uri_text, const char *name, const char *listen, int port,
                         GError **err)
{
    g_autoptr(GUri) uri = g_uri_parse(uri_text, G_URI_FLAGS_ENCODED_QUERY, NULL);
    if (!uri) {
        nv_error_invalid(err,
                         _("cannot tell where the display of '%s' is: the connection's "
                           "URI '%s' cannot be read"),
                         name, uri_text);
        return NULL;
    }
    if (listen_kind(listen) == LISTEN_SOCKET) {
        nv_error_invalid(err,
                         _("the display of '%s' listens on a UNIX socket only, which "
                           "libvirt does not hand out on this connection"),
                         name);
        return NULL;
    }
    if (remote_host(uri))
        return route_remote(uri, name, listen, port, err);
    /* A display listening on every address of this machine is reachable on loopback. */
    return route_host(listen_kind(listen) == LISTEN_WILDCARD ? "127.0.0.1" : listen, port);
}

char *nv_vnc_route_via(const char *uri_text, const NvVncRoute *r)
{
    if (r->kind == NV_VNC_ROUTE_COMMAND) {
        g_autoptr(GUri) uri = g_uri_parse(uri_text, G_URI_FLAGS_ENCODED_QUERY, NULL);
        g_autofree char *host = nv_text_sanitize(uri ? g_uri_get_host(uri) : uri_text);
        return g_strdup_printf(_("connecting through ssh to %s…"), host);
    }
    g_autofree char *host = nv_text_sanitize(r->host);
    return g_strdup_printf(
        strchr(host, ':') ? _("connecting to [%s]:%d…") : _("connecting to %s:%d…"), host, r->port);
}

/* On the main loop: starts the session on what the worker found. */
static gboolean open_connect(OpenJob *job, GError **err)
{
    if (job->fd >= 0) {
        int fd = job->fd;
        job->fd = -1; /* the session owns it now, even on failure */
        job->via = g_strdup(_("connecting…"));
        return nv_vnc_connect_fd(job->vnc, fd, err);
    }
    g_autoptr(NvVncRoute) r = nv_vnc_route(job->uri, job->name, job->listen, job->port, err);
    if (!r)
        return FALSE;
    job->via = nv_vnc_route_via(job->uri, r);
    if (r->kind == NV_VNC_ROUTE_COMMAND)
        return nv_vnc_connect_command(job->vnc, r->argv, err);
    return nv_vnc_connect_host(job->vnc, r->host, r->port, err);
}

/* The worker's half is through: connect, then give the caller its result. */
static void open_found(NvConn *conn, NvAsyncResult *found, gpointer data)
{
    OpenJob *job = data;
    GError *err = NULL;
    if (!job->vnc)
        g_set_error(&err, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled"));
    else if (nv_async_result_ok(found, open_work, &err))
        open_connect(job, &err);
    NvAsyncSpec spec = {.tag = nv_vnc_open_domain_async, .value_free = g_free};
    NvAsyncResult *res = nv_async_result_new(&spec, job->done, job->data, job->data_free);
    nv_async_result_set(res, err ? NULL : g_steal_pointer(&job->via), err);
    nv_async_result_deliver(res, conn);
}

void nv_vnc_open_cancel(NvVncOpen *open)
{
    open->vnc = NULL;
}

NvVncOpen *nv_vnc_open_domain_async(NvConn *conn, const char *uuid, NvVnc *vnc, NvAsyncFunc done,
                                    gpointer data, GDestroyNotify data_free)
{
    OpenJob *job = g_new0(OpenJob, 1);
    job->uuid = g_strdup(uuid);
    job->vnc = vnc;
    job->done = done;
    job->data = data;
    job->data_free = data_free;
    job->fd = -1;
    NvAsyncSpec spec = {.tag = open_work, .req = job, .req_free = (GDestroyNotify)open_job_free};
    nv_conn_async(conn, &spec, open_work, open_found, job, NULL);
    return job;
}

char *nv_vnc_open_domain_finish_via(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_vnc_open_domain_async, err);
}

gboolean nv_vnc_open_domain_finish(NvAsyncResult *res, GError **err)
{
    g_autofree char *via = nv_vnc_open_domain_finish_via(res, err);
    return via != NULL;
}
