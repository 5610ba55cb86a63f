/* Cloning a domain: a plan from the source's inactive XML (new names, MACs and volumes, each
 * disk cloned or shared), then a run that copies volumes on threads of their own and defines
 * each clone, removing what a failed or cancelled clone created. No libvirt types here. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "model.h"

/* Copies made by one batch at most. */
#define NV_CLONE_MAX 100

typedef struct {
    char *target; /* vda */
    char *device; /* disk, cdrom, floppy, lun */
    char *type;   /* file, block, volume, network, dir, nvme, vhostuser */
    NvDiskKind kind;
    char *source;       /* as the user reads it (xml-devices.h), "" when empty */
    char *path;         /* file, block, dir: the path (the loader finds its volume by it) */
    char *format;       /* the driver type: qcow2, raw; "" when unknown */
    gboolean readonly;  /* <readonly/>, or a cdrom */
    gboolean shareable; /* <shareable/>: made to be used by several domains */
    /* Where it lives, when it is a storage volume (only those can be cloned): */
    char *pool;                              /* "" when the disk is not a volume of a pool */
    char *volume;                            /* its name in that pool */
    char *volume_format;                     /* the volume's own format, "" when unknown */
    unsigned long long capacity, allocation; /* bytes */
    gboolean clone; /* the choice: copy to a new volume (TRUE) or use the same path (FALSE) */
} NvCloneDisk;

typedef struct {
    char *name;
    GPtrArray *macs;    /* char*, one per NIC of the source, in order */
    GPtrArray *volumes; /* char*, the new volume's name per disk; "" for disks not clonable */
} NvCloneTarget;

typedef struct {
    char *source_name;
    char *source_uuid;
    NvDomainState source_state;
    char *source_xml;         /* inactive definition */
    GPtrArray *disks;         /* NvCloneDisk*, in document order */
    GPtrArray *source_macs;   /* char*, "" for a NIC without a <mac> */
    GHashTable *domain_names; /* set of every domain's name on the host */
    GHashTable *volume_names; /* set of "pool/volume" in the pools the disks live in */
    GPtrArray *targets;       /* NvCloneTarget*, filled by nv_clone_plan_set_names */
} NvClonePlan;

void nv_clone_disk_free(NvCloneDisk *d);
void nv_clone_target_free(NvCloneTarget *t);
void nv_clone_plan_free(NvClonePlan *p);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvClonePlan, nv_clone_plan_free)

/* The plan's source part from a domain's XML: name, UUID, disks (not their pools), MACs.
 * Every disk starts as shared; the loader then calls nv_clone_plan_reset_choices. */
NvClonePlan *nv_clone_plan_from_xml(const char *xml, GError **err);
/* The default choice per disk: clone when it is writable and clonable, else share. */
void nv_clone_plan_reset_choices(NvClonePlan *plan);
/* A disk that can be copied: a volume in a storage pool. */
gboolean nv_clone_disk_clonable(const NvCloneDisk *d);
/* Why a disk that cannot be cloned stays shared, for the disk checklist (translated). */
const char *nv_clone_disk_why_shared(const NvCloneDisk *d);
/* A disk that sharing would corrupt: writable and not marked shareable. */
gboolean nv_clone_disk_writable(const NvCloneDisk *d);

/* The names a pattern stands for: "web-02" is one name; "web-{01..10}" ten, zero-padded to
 * the width of the first number ("a-{8..11}": a-8 ... a-11). One range at most, going up,
 * at most NV_CLONE_MAX names. The pattern is checked as NV_NAME_CLONE_PATTERN and each name
 * as NV_NAME_DOMAIN (names.h). */
GPtrArray *nv_clone_expand_names(const char *pattern, GError **err);

/* The source may be copied when shut off (or paused); says why not otherwise. */
gboolean nv_clone_plan_check_source(const NvClonePlan *plan, GError **err);
/* Expands `pattern` into targets: names unique and not on the host, a new MAC per NIC
 * (52:54:00:xx:xx:xx) and a free volume name per clonable disk (web-02.qcow2,
 * web-02-1.qcow2, ...). Replaces targets set before. */
gboolean nv_clone_plan_set_names(NvClonePlan *plan, const char *pattern, GError **err);
/* Every disk marked clone can be cloned; writable disks are shared only with
 * `share_writable`. Lists the offenders. */
gboolean nv_clone_plan_check_disks(const NvClonePlan *plan, gboolean share_writable, GError **err);
/* Targets (vda, ...) of the writable disks the plan shares. Caller frees. */
GPtrArray *nv_clone_plan_shared_writable(const NvClonePlan *plan);

/* The clone's definition: `paths` maps a cloned disk's target to its new volume's path. */
char *nv_clone_domain_xml(const NvClonePlan *plan, guint target, GHashTable *paths, GError **err);
/* The <volume> document for copying disk `disk` into a volume named `name`. */
char *nv_clone_volume_xml(const NvCloneDisk *disk, const char *name);

/* Loads a plan for the domain on the worker: its inactive XML, each disk's pool and volume,
 * the host's domain names and the volume names of those pools. An _async/_finish pair of
 * conn-async.h; the plan is the caller's. */
void nv_clone_plan_load_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                              GDestroyNotify data_free);
NvClonePlan *nv_clone_plan_load_finish(NvAsyncResult *res, GError **err);

/* ---- running a plan ---- */

typedef struct NvCloneRun NvCloneRun;

typedef struct {
    /* Copying: `fraction` 0..1 of the clone's volumes, `detail` says which volume. */
    void (*progress)(NvCloneRun *run, guint target, double fraction, const char *detail,
                     gpointer data);
    /* One clone ended: defined (err NULL), or failed or cancelled with what it removed. */
    void (*finished)(NvCloneRun *run, guint target, const GError *err, gpointer data);
    /* Every clone ended; the run is freed right after this returns. */
    void (*done)(NvCloneRun *run, guint defined, gpointer data);
} NvCloneCallbacks;

/* Starts cloning every target of `plan` (taken), a few at once, each on a thread of its own
 * with the connection's libvirt handle. Callbacks run on the calling thread's main context. */
NvCloneRun *nv_clone_run_start(NvConn *conn, NvClonePlan *plan, const NvCloneCallbacks *cb,
                               gpointer data);
/* Stops a clone after the volume it is copying, then removes what it created. */
void nv_clone_run_cancel(NvCloneRun *run, guint target);
const NvClonePlan *nv_clone_run_plan(const NvCloneRun *run);
