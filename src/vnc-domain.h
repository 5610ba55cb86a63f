/* Connecting a VNC session to a domain's display through its libvirt connection. */
#pragma once

#include "conn-async.h"
#include "conn.h"
#include "vnc.h"

typedef struct NvVncOpen NvVncOpen;

/* How this machine reaches a display: a TCP address, or a tunnel command whose stdio is the
 * display's socket. */
typedef enum {
    NV_VNC_ROUTE_HOST,
    NV_VNC_ROUTE_COMMAND,
} NvVncRouteKind;

typedef struct {
    NvVncRouteKind kind;
    char *host; /* HOST: the address to connect to, as seen from this machine */
    int port;
    char **argv; /* COMMAND: the tunnel's argv (nv_vnc_tunnel_argv) */
} NvVncRoute;

void nv_vnc_route_free(NvVncRoute *route);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVncRoute, nv_vnc_route_free)

/* Where to connect for the VNC display of domain `name` that listens on `listen` (an address,
 * "" for none, or a socket path) and `port` of the host of connection `uri`. A remote domain
 * is reached through its host, never through this machine's loopback: a wildcard address
 * becomes the URI's host, a loopback address needs the ssh tunnel of an ssh transport
 * (nv_vnc_tunnel_argv: +ssh, +libssh, +libssh2) and is refused (NV_ERROR_INVALID, saying why)
 * for tls and tcp. Pure. */
NvVncRoute *nv_vnc_route(const char *uri, const char *name, const char *listen, int port,
                         GError **err);

/* What a session on route `r` (from nv_vnc_route for `uri`) goes through, for the status line
 * while it connects: "connecting through ssh to HOST…" or "connecting to HOST:PORT…",
 * sanitised (the URI and the domain's XML are not ours). Pure. */
char *nv_vnc_route_via(const char *uri, const NvVncRoute *r);

/* ssh's argv (no shell) for a tunnel from this machine to `host`:`port` as seen from the host
 * of `uri`, a +ssh, +libssh or +libssh2 URI: ssh -W through the URI's user, port and query
 * parameters (command = the ssh binary for +ssh, keyfile, no_verify, known_hosts,
 * known_hosts_verify, sshauth), never prompting (BatchMode) and with a connect timeout below
 * NV_VNC_OPEN_TIMEOUT_S. Each value is one argv element behind its option or after "--", so
 * none can become an option; a control character is refused (NV_ERROR_INVALID). Pure. */
char **nv_vnc_tunnel_argv(const char *uri, const char *host, int port, GError **err);

/* Finds the domain's VNC display on the worker and starts `vnc` on it: a socket from
 * virDomainOpenGraphicsFD for a local hypervisor, else the listen address, through
 * `ssh -W` for ssh transports (as nv_vnc_route decides). An _async/_finish pair of conn-async.h:
 * _finish is TRUE when the session was started (its handshake then reports through the NvVnc
 * callbacks), else FALSE with why the display could not be reached. Returns a handle for
 * cancelling. */
NvVncOpen *nv_vnc_open_domain_async(NvConn *conn, const char *uuid, NvVnc *vnc, NvAsyncFunc done,
                                    gpointer data, GDestroyNotify data_free);
gboolean nv_vnc_open_domain_finish(NvAsyncResult *res, GError **err);
/* The same, saying how the session connects while its handshake runs ("connecting through
 * ssh to HOST…", sanitised, caller frees); NULL with `err` when it could not start. */
char *nv_vnc_open_domain_finish_via(NvAsyncResult *res, GError **err);
/* Forgets `vnc` of an open still under way (its view went away): `done` still runs, with
 * G_IO_ERROR_CANCELLED. The handle is invalid once `done` has run or after this call. */
void nv_vnc_open_cancel(NvVncOpen *open);
