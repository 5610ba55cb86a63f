/* Who depends on which storage: every domain's disks and each disk's backing chain (the images
 * its overlay is built on), so nothing offers to delete or wipe what another domain needs.
 * Exposes libvirt types: for core modules working on the worker. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

typedef enum {
    NV_STORAGE_USE_DISK, /* the disk's own image */
    NV_STORAGE_USE_BASE, /* an image under the disk's overlay, at any depth */
} NvStorageUseKind;

typedef struct {
    char *domain; /* its name */
    char *uuid;
    char *target; /* vda; "?" when the XML has none */
    NvStorageUseKind kind;
} NvStorageUse;

/* One <disk> as its domain's XML names it. */
typedef struct {
    char *target;       /* "?" when the XML has none */
    GPtrArray *keys;    /* char*: the source's path, "vol:pool/volume" for a volume disk */
    GPtrArray *backing; /* char*: keys of the <backingStore> chain the XML shows, top down */
} NvDiskStorage;

void nv_disk_storage_free(NvDiskStorage *d);

/* The disks of a domain document, NvDiskStorage* in order; empty when it cannot be read. A
 * shut-off domain's XML has no <backingStore>: libvirt fills it in only while it runs. Pure. */
GPtrArray *nv_domain_xml_disk_storage(const char *xml);
/* A volume document's <backingStore><path>, NULL when it has none. Pure. */
char *nv_volume_xml_backing_path(const char *xml);

typedef struct NvStorageUsers NvStorageUsers;

/* On the worker: every domain's disks, from the XML it runs with and, for a running persistent
 * domain, its next boot's definition too; each disk's chain from that XML and from its volumes'
 * own XML (virStorageVolGetXMLDesc <backingStore>), followed to the end. NULL with `err` when
 * the domains cannot be listed. */
NvStorageUsers *nv_storage_users_collect(virConnectPtr vconn, GError **err);
void nv_storage_users_free(NvStorageUsers *u);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvStorageUsers, nv_storage_users_free)

/* The uses of the storage at `path`, or of volume `volume` in `pool` (any may be NULL), by
 * domains other than `skip_uuid` (NULL skips none): one per domain, disk and kind, sorted by
 * domain name. The array is the caller's; its elements belong to `u`. */
GPtrArray *nv_storage_users_of(const NvStorageUsers *u, const char *path, const char *pool,
                               const char *volume, const char *skip_uuid);
/* For a list of users: "web-01" for a disk, "web-02 (base of its disk vdb)" for a base. */
char *nv_storage_use_describe(const NvStorageUse *use);
