/* Changes to one domain: vCPUs, memory, boot, autostart, disks, CD media, NICs and VNC. Each
 * goes into the persistent definition and into the running domain where the hypervisor allows,
 * and says which of the two happened. Calls run on the connection's worker (conn-async.h); the
 * XML builders and readers below are pure and need no connection. No libvirt types here. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "model.h"

/* What a change did. */
typedef enum {
    NV_EDIT_LIVE,      /* in effect now, and saved in the definition */
    NV_EDIT_NEXT_BOOT, /* saved in the definition; in effect from the domain's next boot */
    NV_EDIT_LIVE_ONLY, /* in effect now, but the domain is transient: nothing was saved */
} NvEditOutcome;

typedef struct {
    NvEditOutcome outcome;
    char *note;   /* why the running domain did not take the change (libvirt's words), or NULL */
    char *detail; /* what was chosen for the user, e.g. the new disk's target "vdb", or NULL */
} NvEditResult;

/* The editable settings of a domain, as its persistent definition holds them. */
typedef struct {
    char *uuid;
    char *name;
    char *domain_type; /* kvm, qemu, test */
    gboolean active;   /* running or paused: live changes are possible */
    gboolean persistent;
    int autostart;  /* 1, 0, -1 unknown */
    unsigned vcpus; /* current, from the definition */
    unsigned max_vcpus;
    unsigned hv_max_vcpus; /* the hypervisor's limit for this domain type, 0 unknown */
    unsigned live_vcpus;   /* in the running domain, 0 when not running */
    guint64 memory_kib;    /* current (balloon target), from the definition */
    guint64 max_memory_kib;
    guint64 live_memory_kib;  /* 0 when not running */
    gboolean boot_per_device; /* <boot order> on devices rather than <os><boot dev> */
    GPtrArray *boot_order;    /* char*: hd, cdrom, network, fd; or disk targets and NIC MACs */
    int boot_menu;            /* 1, 0, -1 when the definition does not say */
    GPtrArray *disks; /* NvDisk*: the running domain's when it runs (media in the drive now) */
    GPtrArray *nics;  /* NvNic* */
    gboolean has_vnc;
    char *vnc_listen;      /* the address; "" when none */
    char *vnc_listen_text; /* as xml-devices.h describes it: "socket /path", "network x" */
    gboolean vnc_has_password;
} NvEditState;

void nv_edit_state_free(NvEditState *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvEditState, nv_edit_state_free)

typedef enum {
    NV_DISK_NEW_VOLUME, /* create `volume` in `pool` with `capacity` bytes and `format` */
    NV_DISK_VOLUME,     /* an existing volume of `pool` */
    NV_DISK_PATH,       /* a file or block device on the host */
    NV_DISK_EMPTY,      /* no medium: an empty CD/DVD drive (add_disk only) */
} NvDiskSourceKind;

typedef struct {
    NvDiskSourceKind kind;
    const char *pool;
    const char *volume;
    guint64 capacity;   /* bytes, new volumes */
    const char *format; /* qcow2 or raw (new volumes and paths); NULL: raw, or the volume's */
    const char *path;
    const char *device; /* disk or cdrom; NULL: disk */
    const char *bus;    /* virtio, sata, scsi, ide, usb; NULL: virtio (sata for a cdrom) */
    const char *target; /* NULL or "": the first free name for the bus (vdb, vdc, ...) */
} NvDiskSpec;

typedef struct {
    const char *type;   /* network, bridge, direct */
    const char *source; /* network name, host bridge, or host interface (direct) */
    const char *mode;   /* direct only: bridge, vepa, private, passthrough; NULL: bridge */
    const char *model;  /* virtio, e1000, rtl8139; NULL: virtio */
    const char *mac;    /* NULL or "": libvirt generates one */
} NvNicSpec;

/* ---- pure: XML in, XML out ---- */

/* `inactive_xml` is the persistent definition (with secure info), `live_xml` the running
 * domain's or NULL. The API-only fields (autostart, hv_max_vcpus, ...) are left unknown. */
NvEditState *nv_edit_state_from_xml(const char *inactive_xml, const char *live_xml, GError **err);
/* A <disk>; `source_type` is file or block, or NULL for an empty drive (no source). */
char *nv_edit_disk_xml(const char *device, const char *bus, const char *target,
                       const char *source_type, const char *source, const char *format,
                       GError **err);
char *nv_edit_nic_xml(const NvNicSpec *spec, GError **err);
char *nv_edit_volume_xml(const char *name, guint64 capacity, const char *format, GError **err);
/* The first target name for `bus` not in `used` (NULL-terminated): vda..vdz, vdaa, ... */
char *nv_edit_free_target(const char *bus, const char *const *used);
/* The domain XML with a new boot order (NULL: unchanged) and boot menu (-1: unchanged). An
 * order of only hd/cdrom/network/fd becomes <os><boot dev>; one of disk targets and NIC MACs
 * becomes <boot order> on those devices. Either way the other form is removed. */
char *nv_edit_xml_set_boot(const char *xml, const char *const *order, int menu, GError **err);
/* A listen address for VNC: an IPv4 or IPv6 address ("" means the hypervisor's default). */
gboolean nv_edit_valid_listen(const char *listen, GError **err);

/* ---- calls on the connection's worker ---- */

/* Every call below is an _async of conn-async.h. A change's result (the caller's) comes from
 * nv_edit_finish, NULL with `err` on failure; the lists and details are refreshed first. */
NvEditResult *nv_edit_finish(NvAsyncResult *res, GError **err);
void nv_edit_result_free(NvEditResult *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvEditResult, nv_edit_result_free)

void nv_edit_load_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free);
NvEditState *nv_edit_load_finish(NvAsyncResult *res, GError **err); /* the caller's */
/* NvVolume* of an active pool, by name; the array is the caller's. */
void nv_edit_list_volumes_async(NvConn *conn, const char *pool, NvAsyncFunc done, gpointer data,
                                GDestroyNotify data_free);
GPtrArray *nv_edit_list_volumes_finish(NvAsyncResult *res, GError **err);

/* 0 leaves a value as it is. The current count goes live when the domain runs and the
 * hypervisor agrees; the maximum only ever changes the definition. */
void nv_edit_vcpus_async(NvConn *conn, const char *uuid, unsigned current, unsigned maximum,
                         NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
/* KiB; 0 leaves a value as it is. The current size goes live by ballooning. */
void nv_edit_memory_async(NvConn *conn, const char *uuid, guint64 current_kib, guint64 max_kib,
                          NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
/* See nv_edit_xml_set_boot; the definition is rewritten, so it takes effect at the next boot. */
void nv_edit_boot_async(NvConn *conn, const char *uuid, const char *const *order, int menu,
                        NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
void nv_edit_autostart_async(NvConn *conn, const char *uuid, gboolean on, NvAsyncFunc done,
                             gpointer data, GDestroyNotify data_free);
/* Inserts a medium into the cdrom/floppy at `target` (spec kind VOLUME or PATH), or ejects it
 * (spec NULL). */
void nv_edit_media_async(NvConn *conn, const char *uuid, const char *target, const NvDiskSpec *spec,
                         NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
/* A new volume that cannot be attached is deleted again: no orphan is left behind. The chosen
 * target is in result->detail. */
void nv_edit_add_disk_async(NvConn *conn, const char *uuid, const NvDiskSpec *spec,
                            NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
/* Detaches the disk; its storage is left alone. */
void nv_edit_remove_disk_async(NvConn *conn, const char *uuid, const char *target, NvAsyncFunc done,
                               gpointer data, GDestroyNotify data_free);
/* The MAC (given or generated by libvirt) is in result->detail. */
void nv_edit_add_nic_async(NvConn *conn, const char *uuid, const NvNicSpec *spec, NvAsyncFunc done,
                           gpointer data, GDestroyNotify data_free);
void nv_edit_remove_nic_async(NvConn *conn, const char *uuid, const char *mac, NvAsyncFunc done,
                              gpointer data, GDestroyNotify data_free);
/* The first VNC display's listen address ("" for the default). */
void nv_edit_vnc_listen_async(NvConn *conn, const char *uuid, const char *listen, NvAsyncFunc done,
                              gpointer data, GDestroyNotify data_free);
/* Sets the VNC password, or removes it (password NULL). The password is never logged and is
 * wiped from memory once sent. */
void nv_edit_vnc_password_async(NvConn *conn, const char *uuid, const char *password,
                                NvAsyncFunc done, gpointer data, GDestroyNotify data_free);
