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
     * a local hypervisor connection, so a failure here just means "use the address". */
    if (ok)
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

/* ssh's argv for a tunnel to `host`:`port` as seen from the host of a URI such as
 * qemu+ssh://user@host:2222/system. */
static char **tunnel_argv(GUri *uri, const char *host, int port)
{
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_add_many(b, "ssh", "-o", "BatchMode=yes", NULL);
    if (g_uri_get_port(uri) > 0) {
        g_autofree char *p = g_strdup_printf("%d", g_uri_get_port(uri));
        g_strv_builder_add_many(b, "-p", p, NULL);
    }
    if (g_uri_get_user(uri)) {
        g_strv_builder_add_many(b, "-l", g_uri_get_user(uri), NULL);
    }
    /* ssh reads an IPv6 address's port only after brackets. */
    gboolean v6 = strchr(host, ':') != NULL;
    g_autofree char *target = g_strdup_printf(v6 ? "[%s]:%d" : "%s:%d", host, port);
    g_strv_builder_add_many(b, "-W", target, "--", g_uri_get_host(uri), NULL);
    return g_strv_builder_end(b);
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

/* Only the qemu+ssh transport is a tunnel this machine can open again (the user's ssh);
 * libssh and libssh2 use libvirt's own ssh client, with its own keys and known hosts. */
static NvVncRoute *route_remote(GUri *uri, const char *name, const char *listen, int port,
                                GError **err)
{
    const char *host = remote_host(uri);
    ListenKind kind = listen_kind(listen);
    if (g_str_has_suffix(g_uri_get_scheme(uri), "+ssh")) {
        NvVncRoute *r = g_new0(NvVncRoute, 1);
        r->kind = NV_VNC_ROUTE_COMMAND;
        r->argv = tunnel_argv(uri, kind == LISTEN_WILDCARD ? "127.0.0.1" : listen, port);
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
    g_autoptr(GUri) uri = g_uri_parse(uri_text, G_URI_FLAGS_NONE, NULL);
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

/* On the main loop: starts the session on what the worker found. */
static gboolean open_connect(OpenJob *job, GError **err)
{
    if (job->fd >= 0) {
        int fd = job->fd;
        job->fd = -1; /* the session owns it now, even on failure */
        return nv_vnc_connect_fd(job->vnc, fd, err);
    }
    g_autoptr(NvVncRoute) r = nv_vnc_route(job->uri, job->name, job->listen, job->port, err);
    if (!r)
        return FALSE;
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
    NvAsyncSpec spec = {.tag = nv_vnc_open_domain_async};
    NvAsyncResult *res = nv_async_result_new(&spec, job->done, job->data, job->data_free);
    nv_async_result_set(res, err ? NULL : NV_ASYNC_OK, err);
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

gboolean nv_vnc_open_domain_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_vnc_open_domain_async, err);
}
