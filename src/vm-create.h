/* The new-VM wizard's calls to the host, each an _async/_finish pair of conn-async.h (the
 * connection's worker, the answer on the main loop): what the host offers, whether a name is free,
 * the ISO volumes of its pools, and the commit, which creates the volume, defines and starts the
 * domain, and on any failure removes what it had created. No libvirt types here. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "vm-caps.h"
#include "vm-draft.h"

/* Capabilities, then the domain capabilities of each type (those the driver cannot give are
 * left unknown). The caps are the caller's. */
void nv_vm_caps_fetch_async(NvConn *conn, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free);
NvVmCaps *nv_vm_caps_fetch_finish(NvAsyncResult *res, GError **err);

/* Whether a domain (persistent or transient) has this name on the host now. */
void nv_vm_name_check_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free);
gboolean nv_vm_name_check_finish(NvAsyncResult *res, gboolean *taken, GError **err);

typedef struct {
    char *pool;
    char *name;
    char *path;
    guint64 capacity;
} NvVmMedium;

void nv_vm_medium_free(NvVmMedium *m);
/* The volumes (NvVmMedium*, the caller's array) of every active pool that are ISO images
 * (format iso, or a name ending in .iso), by pool then name. */
void nv_vm_media_list_async(NvConn *conn, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free);
GPtrArray *nv_vm_media_list_finish(NvAsyncResult *res, GError **err);

typedef struct {
    char *uuid;
    char *name;
    gboolean started;
    char *volume; /* the volume created, or NULL */
} NvVmCreated;

void nv_vm_created_free(NvVmCreated *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVmCreated, nv_vm_created_free)

/* Creates what the draft describes: the new volume (if any), the domain, and starts it unless
 * the draft says customize. Checks first that the name is free. On any failure after something
 * was created, the domain is undefined and the volume deleted before `done` hears of it; the
 * error then says whether that clean-up worked. FALSE (nothing queued) when the draft does not
 * make XML. */
/* The app is quitting (a signal, the terminal gone): a commit under way stops before its next
 * step and rolls back what it made, failing with G_IO_ERROR_CANCELLED. For the rest of the
 * process. */
void nv_vm_create_abandon(void);

gboolean nv_vm_create_async(NvConn *conn, const NvVmDraft *draft, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free, GError **err);
/* What was created, the caller's; NULL with `err` when the commit failed. */
NvVmCreated *nv_vm_create_finish(NvAsyncResult *res, GError **err);

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
