/* Connecting a VNC session to a domain's display through its libvirt connection. */
#pragma once

#include "conn-async.h"
#include "conn.h"
#include "vnc.h"

typedef struct NvVncOpen NvVncOpen;

/* Finds the domain's VNC display on the worker and starts `vnc` on it: a socket from
 * virDomainOpenGraphicsFD for a local hypervisor, else the listen address, through
 * `ssh -W` for qemu+ssh:// URIs. An _async/_finish pair of conn-async.h: _finish is TRUE when
 * the session was started (its handshake then reports through the NvVnc callbacks), else
 * FALSE with why the display could not be reached. Returns a handle for cancelling. */
NvVncOpen *nv_vnc_open_domain_async(NvConn *conn, const char *uuid, NvVnc *vnc, NvAsyncFunc done,
                                    gpointer data, GDestroyNotify data_free);
gboolean nv_vnc_open_domain_finish(NvAsyncResult *res, GError **err);
/* Forgets `vnc` of an open still under way (its view went away): `done` still runs, with
 * G_IO_ERROR_CANCELLED. The handle is invalid once `done` has run or after this call. */
void nv_vnc_open_cancel(NvVncOpen *open);
