/* Operating systems for the new-VM wizard, from libosinfo's database: a searchable list of
 * variants, what each recommends (memory, vCPUs, disk) and supports (virtio), and detection from
 * an installation ISO. The database is big (≈0.6 s and tens of MiB to load): it is loaded on a
 * thread the first time a wizard asks for it, never at program start. No osinfo types here. */
#pragma once

#include <glib.h>

#include "conn-async.h"

/* What the wizard takes from one OS variant. Sizes in bytes, 0 when the database does not say. */
typedef struct {
    char *short_id; /* "debian11"; "generic" for the built-in fallback */
    char *name;     /* "Debian 11" */
    char *id;       /* the database's URI, http://debian.org/debian/11; "" for generic */
    char *family;   /* linux, winnt, freebsd, ... ; "" when unknown */
    guint64 min_ram, rec_ram;
    guint64 min_storage, rec_storage;
    guint rec_cpus;       /* 0 when unknown */
    gboolean virtio_disk; /* virtio-block (or virtio 1.0) drivers */
    gboolean virtio_net;
    gboolean sata; /* runs on an ICH9/AHCI chipset; otherwise disks go on IDE */
} NvOsInfo;

void nv_os_info_free(NvOsInfo *os);
NvOsInfo *nv_os_info_copy(const NvOsInfo *os);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvOsInfo, nv_os_info_free)
/* The fallback when there is no database or nothing fits: a modern guest with virtio. */
NvOsInfo *nv_os_info_generic(void);

/* One line of the searchable list: borrowed from the database. */
typedef struct {
    const char *short_id;
    const char *name;
} NvOsEntry;

typedef struct NvOsDb NvOsDb;

/* Blocking load (tests; the wizard uses the async one). `dir` NULL reads libosinfo's default
 * locations; an empty or missing database is not an error: it has no entries. */
NvOsDb *nv_os_db_load(const char *dir, GError **err);
NvOsDb *nv_os_db_ref(NvOsDb *db);
void nv_os_db_unref(NvOsDb *db);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvOsDb, nv_os_db_unref)

/* The process's database: loaded once on a thread, then kept (libosinfo does not give the memory
 * back when freed, so loading it again would only cost time). An _async/_finish pair of
 * conn-async.h without a connection: `done` runs on the main context, at once (from an idle)
 * when it is already loaded; _finish gives a reference, the caller's. */
void nv_os_db_get_async(NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
NvOsDb *nv_os_db_get_finish(NvAsyncResult *res, GError **err);

/* Variants in the database (0: no database installed). */
guint nv_os_db_count(NvOsDb *db);
/* Entries whose short id or name holds every word of `filter` (case-insensitive), newest
 * release first, "generic" first of all when it matches; at most `limit`. Array of NvOsEntry*. */
GPtrArray *nv_os_db_search(NvOsDb *db, const char *filter, guint limit);
/* Details of one variant for `arch` (resources are per architecture), or NULL when unknown.
 * "generic" always answers. */
NvOsInfo *nv_os_db_info(NvOsDb *db, const char *short_id, const char *arch);

/* Reads an ISO's volume descriptor on a thread and looks it up in the database; the answer
 * (the caller's) is NULL without an error when the medium is not recognised. Local files only. */
void nv_os_detect_async(NvOsDb *db, const char *path, const char *arch, NvAsyncFunc done,
                        gpointer data, GDestroyNotify data_free);
NvOsInfo *nv_os_detect_finish(NvAsyncResult *res, GError **err);
NvOsInfo *nv_os_detect(NvOsDb *db, const char *path, const char *arch, GError **err);
