/* A domain's snapshots: the list as a tree, and creating, reverting and deleting them, each
 * call on the connection's worker. No libvirt types here (ui/ includes it). */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "conn-job.h"
#include "model.h"

#define NV_SNAPSHOT_ERROR (nv_snapshot_error_quark())

typedef enum {
    /* libvirt cannot take an internal disk-only snapshot of this running domain; only
     * external overlay files would do (the caller asks the user, then uses DISK_EXTERNAL). */
    NV_SNAPSHOT_ERROR_NEEDS_EXTERNAL,
    /* libvirt refuses a revert it considers risky; it can be forced. */
    NV_SNAPSHOT_ERROR_RISKY,
} NvSnapshotErrorCode;

GQuark nv_snapshot_error_quark(void);

typedef struct {
    char *name;
    char *parent;      /* "" for a root */
    char *description; /* "" when none */
    gint64 created;    /* seconds since the epoch, 0 when unknown */
    char *state;       /* the domain's state when taken: running, paused, shutoff, disk-snapshot */
    gboolean memory;   /* the guest's memory is saved: reverting resumes it where it was */
    gboolean external; /* disks or memory live in external files */
    gboolean internal; /* disks or memory live inside the images (both: a mixed snapshot) */
    gboolean current;
    /* Filled by nv_snapshot_arrange: */
    guint depth;
    guint children;    /* direct children */
    guint descendants; /* children, grandchildren, ... */
    char *tree;        /* what goes before the name: "│  ├─ ", "" for a root */
} NvSnapshot;

typedef struct {
    char *domain; /* the domain's name */
    char *uuid;
    NvDomainState state;  /* of the domain when listed */
    GPtrArray *snapshots; /* NvSnapshot*, in tree order (depth first, oldest child first) */
} NvSnapshotList;

void nv_snapshot_free(NvSnapshot *s);
void nv_snapshot_list_free(NvSnapshotList *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvSnapshot, nv_snapshot_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvSnapshotList, nv_snapshot_list_free)

/* Reads virDomainSnapshotGetXMLDesc's document (current stays FALSE: the XML does not say). */
NvSnapshot *nv_snapshot_from_xml(const char *xml, GError **err);
/* Sorts into tree order and fills depth, children, descendants and tree. A snapshot whose
 * parent is missing is shown as a root. */
void nv_snapshot_arrange(GPtrArray *snapshots);
/* Index in list->snapshots, or -1. */
int nv_snapshot_find(const NvSnapshotList *list, const char *name);
/* Names of every descendant of `name`, in tree order. */
GPtrArray *nv_snapshot_descendants(const NvSnapshotList *list, const char *name);
/* A new snapshot's name: a valid NV_NAME_SNAPSHOT (names.h) not taken in `list` (may be
 * NULL). */
gboolean nv_snapshot_name_check(const char *name, const NvSnapshotList *list, GError **err);

typedef enum {
    /* A running or paused domain: a full system checkpoint (memory, devices and disks). */
    NV_SNAPSHOT_WITH_MEMORY,
    /* Disks only, internal (inside the qcow2 files). For a running domain libvirt may refuse:
     * then the call fails with NV_SNAPSHOT_ERROR_NEEDS_EXTERNAL. */
    NV_SNAPSHOT_DISK_ONLY,
    /* Disks only, as new external overlay files next to each disk (the user agreed). */
    NV_SNAPSHOT_DISK_EXTERNAL,
} NvSnapshotKind;

typedef struct {
    char *name;
    char *description; /* may be NULL or "" */
    NvSnapshotKind kind;
} NvSnapshotSpec;

/* The <domainsnapshot> document for virDomainSnapshotCreateXML. */
char *nv_snapshot_spec_xml(const NvSnapshotSpec *spec);
/* The virDomainSnapshotCreateFlags for it, for a domain that is `active` or not. */
unsigned nv_snapshot_spec_flags(const NvSnapshotSpec *spec, gboolean active);

/* The domain's snapshots, as an _async/_finish pair of conn-async.h; the list is the
 * caller's. */
void nv_snapshot_list_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free);
NvSnapshotList *nv_snapshot_list_finish(NvAsyncResult *res, GError **err);
/* Taking a snapshot with memory, and reverting to one, can take minutes: both run as jobs
 * (conn-job.h) on a thread of their own, with progress where libvirt gives it. `domain` is the
 * domain's name for the job's label. The caller owns the returned reference. */
NvJob *nv_snapshot_create(NvConn *conn, const char *uuid, const char *domain,
                          const NvSnapshotSpec *spec, NvJobProgressFunc progress,
                          NvJobDoneFunc done, gpointer data, GDestroyNotify data_free);
/* `force`: also when libvirt calls it risky (after NV_SNAPSHOT_ERROR_RISKY). */
NvJob *nv_snapshot_revert(NvConn *conn, const char *uuid, const char *domain, const char *name,
                          gboolean force, NvJobProgressFunc progress, NvJobDoneFunc done,
                          gpointer data, GDestroyNotify data_free);
/* `children`: delete its descendants too; otherwise they move up to its parent. */
void nv_snapshot_delete_async(NvConn *conn, const char *uuid, const char *name, gboolean children,
                              NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
gboolean nv_snapshot_delete_finish(NvAsyncResult *res, GError **err);
