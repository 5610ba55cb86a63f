/* Actions on domains: lifecycle, autostart, rename, delete (with a plan of the storage it
 * would take along) and editing the XML. Every libvirt call goes through the connection's
 * worker; the long ones (managed save, a start that restores a save) run as jobs (conn-job.h).
 * Results come back per domain so the UI can summarise a bulk action. No libvirt types. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "conn-job.h"
#include "keymap-actions.h"

typedef enum {
    NV_DOMAIN_OP_START, /* restores a managed save when there is one */
    NV_DOMAIN_OP_SHUTDOWN_ACPI,
    NV_DOMAIN_OP_SHUTDOWN_AGENT,
    NV_DOMAIN_OP_REBOOT, /* ACPI */
    NV_DOMAIN_OP_RESET,
    NV_DOMAIN_OP_FORCE_OFF,
    NV_DOMAIN_OP_SUSPEND,
    NV_DOMAIN_OP_RESUME,
    NV_DOMAIN_OP_PAUSE_TOGGLE, /* suspends the running ones, resumes the paused ones */
    NV_DOMAIN_OP_MANAGED_SAVE,
    NV_DOMAIN_OP_AUTOSTART_ON,
    NV_DOMAIN_OP_AUTOSTART_OFF,
    NV_DOMAIN_OP_AUTOSTART_TOGGLE, /* on for all, or off for all when all are on already */
} NvDomainOp;

typedef struct {
    char *uuid;
    char *name;     /* the UUID when the domain was not found */
    NvDomainOp did; /* what was tried: SUSPEND or RESUME for a toggle, and so on */
    gboolean ok;
    /* On failure the error with context ("cannot start 'web-01': <libvirt's message>");
     * on success a note ("restored from its managed save") or "". */
    char *message;
} NvOpResult;

void nv_op_result_free(NvOpResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvOpResult, nv_op_result_free)

/* Events while an operation runs: a call on one domain runs as a job (managed save,
 * restore): show it, offer cancel. Every one is optional. */
typedef struct {
    void (*job_started)(NvJob *job, gpointer data);
    void (*job_progress)(NvJob *job, double fraction, const char *detail, gpointer data);
    void (*job_ended)(NvJob *job, gpointer data);
} NvOpEvents;

/* Runs `op` on each domain (NULL-terminated UUIDs); one domain failing does not stop the
 * others. An _async/_finish pair of conn-async.h; `events` (may be NULL) is copied and gets
 * `data` too. Domain lists are refreshed before `done`; `data_free` runs after the last event
 * and `done`. */
void nv_domain_op_async(NvConn *conn, NvDomainOp op, const char *const *uuids,
                        const NvOpEvents *events, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free);
/* NvOpResult*, one per domain in the order of `uuids`, the caller's. Never NULL: every
 * failure, a lost or closed connection too, is in the domains' results. */
GPtrArray *nv_domain_op_finish(NvAsyncResult *res, GError **err);

/* One status line for a bulk result: "started 'web-01'", "started 3, failed 1: cannot start
 * 'web-02': ...", "paused 2, resumed 1". */
char *nv_op_summary(GPtrArray *results);
/* "started", "paused", ... (translated). */
const char *nv_domain_op_verb(NvDomainOp op);
/* The operation a key action runs on the selected domains (one table in domain-actions.c);
 * FALSE for an action that is no lifecycle operation. */
gboolean nv_domain_op_for_action(NvAction action, NvDomainOp *op);

/* ---- rename ---- */

/* Checks a new name: a valid domain name (names.h, the new-VM wizard's and clone's rules), not
 * another domain's name in the model (NV_ERROR_INVALID with the reason). The worker checks
 * again before renaming. */
gboolean nv_domain_name_check(const NvModel *model, const char *uuid, const char *name,
                              GError **err);
/* virDomainRename; only a shut-off domain can be renamed. Pairs in the shape of
 * conn-async.h. */
void nv_domain_rename_async(NvConn *conn, const char *uuid, const char *new_name, NvAsyncFunc done,
                            gpointer data, GDestroyNotify data_free);
gboolean nv_domain_rename_finish(NvAsyncResult *res, GError **err);

/* ---- delete ---- */

typedef struct {
    char *target; /* vda; "" when the XML has none */
    char *device; /* disk, cdrom, floppy, lun */
    NvDiskKind kind;
    char *source;     /* as the user reads it (xml-devices.h); "" for an empty drive */
    char *path;       /* the local path (file, block, dir); "" for every other kind */
    char *pool;       /* the storage pool holding it, NULL when it is no storage volume */
    char *volume;     /* the volume's name in `pool` */
    GPtrArray *users; /* char*: names of the other domains that use the same storage */
    /* Ticked by default: a volume this domain alone uses, and no cdrom or floppy. */
    gboolean suggested;
} NvDeleteDisk;

typedef struct {
    char *uuid;
    char *name;
    gboolean active;  /* it runs: it is forced off first */
    GPtrArray *disks; /* NvDeleteDisk*, in the order of the XML */
} NvDeletePlan;

void nv_delete_plan_free(NvDeletePlan *plan);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDeletePlan, nv_delete_plan_free)

/* Looks at every disk of the domain: is it a volume (virStorageVolLookupByPath), does another
 * domain use it (every other domain's XML, live and inactive)? The plan is the caller's (NULL
 * with `err` on failure). */
void nv_domain_delete_plan_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                                 GDestroyNotify data_free);
NvDeletePlan *nv_domain_delete_plan_finish(NvAsyncResult *res, GError **err);

typedef struct {
    GPtrArray *deleted; /* char*: "pool/volume" of each volume deleted */
    GPtrArray *errors;  /* char*: a message per ticked disk that was not deleted */
} NvDeleteResult;

void nv_delete_result_free(NvDeleteResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDeleteResult, nv_delete_result_free)

/* Forces the domain off if it runs, undefines it with its managed save, snapshot and
 * checkpoint metadata and NVRAM (dropping flags the driver rejects), then deletes exactly
 * the volumes of the disks whose `remove` flag is set (one flag per plan->disks). */
void nv_domain_delete_async(NvConn *conn, const NvDeletePlan *plan, const gboolean *remove,
                            NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
/* NULL with `err`: the domain could not be stopped or undefined, and no volume was touched.
 * Else the domain is gone and the result (the caller's) says which volumes went. */
NvDeleteResult *nv_domain_delete_finish(NvAsyncResult *res, GError **err);

/* ---- the XML ---- */

/* The inactive definition with secure parts (virDomainGetXMLDesc INACTIVE | SECURE); the
 * XML is the caller's (NULL with `err`). */
void nv_domain_xml_get_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                             GDestroyNotify data_free);
char *nv_domain_xml_get_finish(NvAsyncResult *res, GError **err);
/* Defines `xml` (with schema validation) as the new definition of domain `uuid`. Refused
 * (NV_ERROR_INVALID) when its name or UUID differ, since that would define another domain;
 * on any error the definition stays as it was. */
void nv_domain_xml_define_async(NvConn *conn, const char *uuid, const char *xml, NvAsyncFunc done,
                                gpointer data, GDestroyNotify data_free);
gboolean nv_domain_xml_define_finish(NvAsyncResult *res, GError **err);
/* The <name> and <uuid> of a domain XML (uuid NULL when it has none). Pure. */
gboolean nv_domain_xml_identity(const char *xml, char **name, char **uuid, GError **err);
