/* The new-VM wizard's calls to the host, each on the connection's worker (nv_conn_call) with
 * its answer on the main loop: what the host offers, whether a name is free, the ISO volumes of
 * its pools, and the commit, which creates the volume, defines and starts the domain, and on any
 * failure removes what it had created. No libvirt types here. */
#pragma once

#include <glib.h>

#include "conn.h"
#include "vm-caps.h"
#include "vm-draft.h"

/* `caps` belongs to the callee (NULL on error). */
typedef void (*NvVmCapsFunc)(NvConn *conn, NvVmCaps *caps, const GError *err, gpointer data);
/* Capabilities, then the domain capabilities of each type (those the driver cannot give are
 * left unknown). */
void nv_vm_caps_fetch(NvConn *conn, NvVmCapsFunc done, gpointer data, GDestroyNotify data_free);

typedef void (*NvVmNameFunc)(NvConn *conn, gboolean taken, const GError *err, gpointer data);
/* Whether a domain (persistent or transient) has this name on the host now. */
void nv_vm_name_check(NvConn *conn, const char *name, NvVmNameFunc done, gpointer data,
                      GDestroyNotify data_free);

typedef struct {
    char *pool;
    char *name;
    char *path;
    guint64 capacity;
} NvVmMedium;

void nv_vm_medium_free(NvVmMedium *m);
/* `media` (NvVmMedium*, owned by the callee) lists the volumes of every active pool that are
 * ISO images (format iso, or a name ending in .iso), by pool then name. */
typedef void (*NvVmMediaFunc)(NvConn *conn, GPtrArray *media, const GError *err, gpointer data);
void nv_vm_media_list(NvConn *conn, NvVmMediaFunc done, gpointer data, GDestroyNotify data_free);

typedef struct {
    char *uuid;
    char *name;
    gboolean started;
    char *volume; /* the volume created, or NULL */
} NvVmCreated;

typedef void (*NvVmCreateFunc)(NvConn *conn, const NvVmCreated *created, const GError *err,
                               gpointer data);
/* Creates what the draft describes: the new volume (if any), the domain, and starts it unless
 * the draft says customize. Checks first that the name is free. On any failure after something
 * was created, the domain is undefined and the volume deleted before `done` hears of it; the
 * error then says whether that clean-up worked. FALSE (nothing queued) when the draft does not
 * make XML. */
gboolean nv_vm_create(NvConn *conn, const NvVmDraft *draft, NvVmCreateFunc done, gpointer data,
                      GDestroyNotify data_free, GError **err);

/* ---- for tests ---- */

typedef enum {
    NV_VM_STAGE_VOLUME_CREATED,
    NV_VM_STAGE_DEFINED,
    NV_VM_STAGE_STARTED,
} NvVmStage;

/* Called on the worker after each stage of nv_vm_create; returning FALSE (with `err` set) makes
 * the commit fail there, as a libvirt error would. NULL removes it. */
typedef gboolean (*NvVmCreateHook)(NvVmStage stage, GError **err);
void nv_vm_create_set_test_hook(NvVmCreateHook hook);
