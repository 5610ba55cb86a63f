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
    char *host; /* the listen address to connect to, as seen from the libvirt host */
    int port;
    char *uri; /* the connection's URI, to decide on an ssh tunnel */
};
typedef struct NvVncOpen OpenJob;

static void open_job_free(OpenJob *job)
{
    if (job->fd >= 0)
        close(job->fd);
    g_free(job->uuid);
    g_free(job->host);
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
        /* A display listening on every address is reachable on loopback. */
        gboolean any = !*g->listen || !strcmp(g->listen, "0.0.0.0") || !strcmp(g->listen, "::");
        job->host = g_strdup(any ? "127.0.0.1" : g->listen);
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

/* ssh's argv for a remote URI such as qemu+ssh://user@host:2222/system, or NULL when the URI
 * is local (no host, or a transport that runs on this machine). */
static char **tunnel_argv(const char *uri_text, const char *host, int port)
{
    g_autoptr(GUri) uri = g_uri_parse(uri_text, G_URI_FLAGS_NONE, NULL);
    if (!uri || !g_uri_get_host(uri) || !*g_uri_get_host(uri))
        return NULL;
    const char *scheme = g_uri_get_scheme(uri);
    if (!scheme || !g_str_has_suffix(scheme, "+ssh"))
        return NULL;
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_add_many(b, "ssh", "-o", "BatchMode=yes", NULL);
    if (g_uri_get_port(uri) > 0) {
        g_autofree char *p = g_strdup_printf("%d", g_uri_get_port(uri));
        g_strv_builder_add_many(b, "-p", p, NULL);
    }
    if (g_uri_get_user(uri)) {
        g_strv_builder_add_many(b, "-l", g_uri_get_user(uri), NULL);
    }
    g_autofree char *target = g_strdup_printf("%s:%d", host, port);
    g_strv_builder_add_many(b, "-W", target, "--", g_uri_get_host(uri), NULL);
    return g_strv_builder_end(b);
}

/* On the main loop: starts the session on what the worker found. */
static gboolean open_connect(OpenJob *job, GError **err)
{
    if (job->fd >= 0) {
        int fd = job->fd;
        job->fd = -1; /* the session owns it now, even on failure */
        return nv_vnc_connect_fd(job->vnc, fd, err);
    }
    g_auto(GStrv) argv = tunnel_argv(job->uri, job->host, job->port);
    if (argv)
        return nv_vnc_connect_command(job->vnc, argv, err);
    return nv_vnc_connect_host(job->vnc, job->host, job->port, err);
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
