/* Connecting a VNC session to a domain's display through its libvirt connection. */
#pragma once

#include "conn.h"
#include "vnc.h"

/* `err` is NULL when the session was started (its handshake then reports through the
 * NvVnc callbacks), else why the display could not be reached. Runs on the main loop. */
typedef void (*NvVncOpenFunc)(NvVnc *vnc, const GError *err, gpointer data);

typedef struct NvVncOpen NvVncOpen;

/* Finds the domain's VNC display on the worker and starts `vnc` on it: a socket from
 * virDomainOpenGraphicsFD for a local hypervisor, else the listen address, through
 * `ssh -W` for qemu+ssh:// URIs. `done` is not called if `conn` is freed first. */
NvVncOpen *nv_vnc_open_domain(NvConn *conn, const char *uuid, NvVnc *vnc, NvVncOpenFunc done,
                              gpointer data);
/* Forgets `done` and `vnc` of an open still under way (its view went away); the handle is
 * invalid once `done` has run or after this call. */
void nv_vnc_open_cancel(NvVncOpen *open);
