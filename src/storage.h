/* Storage pools and volumes: drafts of new ones turned into XML (pure, golden-tested), the
 * pool types a host supports, and every pool and volume action through the connection's
 * worker, the upload of a local file into a volume running as a job (conn-job.h) with progress
 * and cancel. No libvirt types here: ui/ and wizards/ include it. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "conn-job.h"

/* ---- pool types ---- */

typedef enum {
    NV_POOL_DIR,
    NV_POOL_FS,
    NV_POOL_NETFS,
    NV_POOL_LOGICAL,
    NV_POOL_DISK,
    NV_POOL_ISCSI,
    NV_POOL_TYPE_COUNT
} NvPoolType;

/* Every type ncvirt can build, as a bit per NvPoolType. */
#define NV_POOL_TYPES_ALL ((1u << NV_POOL_TYPE_COUNT) - 1)

/* libvirt's name ("dir", "netfs", ...). */
const char *nv_pool_type_name(NvPoolType type);
/* What it is, for a choice list: "dir: a directory on the host" (translated). */
const char *nv_pool_type_label(NvPoolType type);
gboolean nv_pool_type_from_name(const char *name, NvPoolType *out);
/* Building it writes to a device (a partition table, a volume group): ask first. */
gboolean nv_pool_type_build_destroys(NvPoolType type);
/* Its volumes are files, so they have a format (qcow2, raw) and may have a backing file. */
gboolean nv_pool_type_is_file_based(const char *libvirt_name);

/* The pool types of a storage pool capabilities document (virConnectGetStoragePoolCapabilities)
 * that say supported='yes', as a mask of NvPoolType bits (types ncvirt does not build are
 * left out). Pure. */
gboolean nv_storage_parse_pool_caps(const char *xml, guint *types, GError **err);

/* ---- new pools ---- */

typedef struct {
    NvPoolType type;
    char *name;
    char *target_path;   /* dir, fs, netfs, disk (usually /dev); logical and iscsi: optional */
    char *source_device; /* fs, disk: one device; logical: devices separated by spaces or commas */
    char *source_host;   /* netfs, iscsi */
    char *source_dir;    /* netfs: the exported directory */
    char *source_format; /* netfs: auto, nfs, cifs, glusterfs; fs: auto, ext4...; disk: gpt... */
    char *source_name;   /* logical: the volume group (empty: the pool's name) */
    char *iqn;           /* iscsi: the target's IQN */
    char *initiator;     /* iscsi: our initiator IQN (optional) */
} NvPoolDraft;

NvPoolDraft *nv_pool_draft_new(NvPoolType type);
void nv_pool_draft_free(NvPoolDraft *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvPoolDraft, nv_pool_draft_free)

/* An absolute path without control characters. `what` names the field in the message. */
gboolean nv_storage_path_check(const char *path, const char *what, GError **err);
/* A host name or an IPv4/IPv6 address. */
gboolean nv_storage_host_check(const char *host, GError **err);
/* An iSCSI qualified name: iqn.YYYY-MM.reversed.domain[:name], or eui. / naa. forms. */
gboolean nv_storage_iqn_check(const char *iqn, GError **err);
/* The formats the source of a pool type may have ("auto", "nfs", ...); NULL-terminated, the
 * default first; NULL when the type has none to choose. */
const char *const *nv_pool_source_formats(NvPoolType type);

/* Every field the type needs, valid (NV_ERROR_INVALID naming the first that is not). */
gboolean nv_pool_draft_check(const NvPoolDraft *d, GError **err);
/* The <pool> document to define (checks first). */
char *nv_pool_draft_xml(const NvPoolDraft *d, GError **err);

/* ---- new volumes ---- */

typedef struct {
    char *name;
    char *format;         /* "qcow2", "raw"; "" for pools whose volumes have no format */
    guint64 capacity;     /* bytes */
    guint64 allocation;   /* bytes, at most the capacity */
    char *backing_path;   /* "" for none; qcow2 only */
    char *backing_format; /* of the backing volume: "qcow2" or "raw" */
} NvVolumeDraft;

NvVolumeDraft *nv_volume_draft_new(void);
void nv_volume_draft_free(NvVolumeDraft *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVolumeDraft, nv_volume_draft_free)

gboolean nv_volume_draft_check(const NvVolumeDraft *d, GError **err);
char *nv_volume_draft_xml(const NvVolumeDraft *d, GError **err);

/* The <name> of a pool or volume document ("" when it has none). Pure. */
char *nv_storage_xml_name(const char *xml);

/* Does this domain XML have a disk whose source is `path`, or volume `volume` of `pool`
 * (either may be NULL)? Pure. */
gboolean nv_domain_xml_uses_volume(const char *xml, const char *path, const char *pool,
                                   const char *volume);

/* A local file to upload, opened once: the checks and the upload use this descriptor, so a
 * path swapped for another file (or a link) after the check is not what gets sent. */
typedef struct {
    char *path; /* for messages only: never opened again */
    int fd;
    guint64 size;
    char *format; /* "qcow2" when it starts with the qcow2 magic, else "raw" */
    gint ref;     /* atomic */
} NvLocalFile;

/* Opens `path` (absolute) for reading without following a symbolic link as its last part,
 * and checks the open file is a regular file. Reads the local filesystem. */
NvLocalFile *nv_local_file_open(const char *path, GError **err);
NvLocalFile *nv_local_file_ref(NvLocalFile *file);
void nv_local_file_unref(NvLocalFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvLocalFile, nv_local_file_unref)
/* Reads up to `len` bytes at `offset` of the open file (not its path); 0 at the end, -1 with
 * `err`. Thread-safe: it keeps no file position. */
gssize nv_local_file_read(NvLocalFile *file, guint64 offset, void *buf, gsize len, GError **err);

/* The size and format of a local file, through nv_local_file_open (the same refusals). */
gboolean nv_storage_local_file(const char *path, guint64 *size, char **format, GError **err);

/* ---- actions, through the connection's worker; `done` on the main loop ---- */

/* Every call is an _async of conn-async.h. The changes without a value (pool create, pool
 * op, volume delete and resize) share one _finish; the lists are refreshed before `done`. */
gboolean nv_storage_finish(NvAsyncResult *res, GError **err);

/* The supported pool types: the host's capabilities when the driver has them, else every
 * type ncvirt can build (the test driver accepts them all). */
void nv_storage_pool_types_async(NvConn *conn, NvAsyncFunc done, gpointer data,
                                 GDestroyNotify data_free);
gboolean nv_storage_pool_types_finish(NvAsyncResult *res, guint *types, GError **err);

/* Defines the pool from `xml`, then builds, starts and marks it autostart as asked. On any
 * failure it undoes what it did (a dir pool's directory it built is removed when empty, the
 * definition is undefined) and `err` says what failed. Lists are refreshed afterwards. */
void nv_pool_create_async(NvConn *conn, const char *xml, gboolean build, gboolean start,
                          gboolean autostart, NvAsyncFunc done, gpointer data,
                          GDestroyNotify data_free);

typedef enum {
    NV_POOL_OP_BUILD,
    NV_POOL_OP_START,
    NV_POOL_OP_STOP, /* virStoragePoolDestroy: the data stays */
    NV_POOL_OP_REFRESH,
    NV_POOL_OP_AUTOSTART_ON,
    NV_POOL_OP_AUTOSTART_OFF,
    NV_POOL_OP_UNDEFINE,    /* stops it first when it runs; the data stays */
    NV_POOL_OP_DELETE_DATA, /* deletes every volume and the pool's storage, then undefines */
} NvPoolOp;

/* One action on one pool; the error says which pool and what libvirt answered. */
void nv_pool_op_async(NvConn *conn, const char *pool, NvPoolOp op, NvAsyncFunc done, gpointer data,
                      GDestroyNotify data_free);

void nv_volume_create_async(NvConn *conn, const char *pool, const char *xml, NvAsyncFunc done,
                            gpointer data, GDestroyNotify data_free);
/* The new volume's path on the host, the caller's (NULL with `err` on failure). */
char *nv_volume_create_finish(NvAsyncResult *res, GError **err);
void nv_volume_delete_async(NvConn *conn, const char *pool, const char *volume, NvAsyncFunc done,
                            gpointer data, GDestroyNotify data_free);
/* Grows the volume to `capacity` bytes. A smaller capacity is refused (NV_ERROR_INVALID)
 * unless `shrink`: shrinking drops the data past the new end. */
void nv_volume_resize_async(NvConn *conn, const char *pool, const char *volume, guint64 capacity,
                            gboolean shrink, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free);
/* Overwrites every byte of the volume with zeros: minutes for a large volume, so it runs as
 * a job on a thread and a connection of its own (libvirt cannot abort it). Returns a job
 * reference the caller owns; `done` once at the end. */
NvJob *nv_volume_wipe(NvConn *conn, const char *pool, const char *volume, NvJobDoneFunc done,
                      gpointer data);

/* The domains (running or not) that need the volume, sorted; the array is the caller's:
 * "web-01" has a disk on it, "web-02 (base of its disk vdb)" an overlay built on it, as the
 * domains' XML and the volumes' backing chains say (storage-users.h). */
void nv_volume_users_async(NvConn *conn, const char *pool, const char *volume, const char *path,
                           NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
GPtrArray *nv_volume_users_finish(NvAsyncResult *res, GError **err);

typedef struct {
    const char *pool;
    const char *volume;
    const char *local_path;
    /* The file as it was opened when checked (a reference is taken); when NULL, local_path
     * is opened once as the upload starts. */
    NvLocalFile *file;
    /* The volume was made for this upload: delete it when the upload fails or is cancelled. */
    gboolean delete_on_failure;
    NvJobProgressFunc progress; /* optional: fraction = bytes sent / file size */
    /* Once, at the end; a cancel reports G_IO_ERROR_CANCELLED. When a volume made for the
     * upload had to be deleted and could not be, the message says so. */
    NvJobDoneFunc done;
    gpointer data;
    GDestroyNotify data_free;
} NvUploadSpec;

/* Sends the file into the volume on a thread and a connection of its own (a stream of
 * chunks, read from the one open file at the size it had when opened; nv_job_cancel aborts
 * it). Returns a job reference the caller owns. */
NvJob *nv_volume_upload(NvConn *conn, const NvUploadSpec *spec);

/* ---- for tests ---- */

/* Makes the next pool or volume creation fail just after the step named `point`
 * ("pool-defined", "pool-built", "pool-started", "volume-created"), as a host could;
 * NULL turns it off. */
void nv_storage_set_fail_point(const char *point);
