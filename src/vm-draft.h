/* The new-VM wizard's draft: every choice the wizard collects, as plain data, the checks on it,
 * and the domain (and new volume) XML it turns into. Pure: no libvirt calls and no curses, so
 * tests build drafts directly and compare the XML with golden files. */
#pragma once

#include <glib.h>

#include "model.h"
#include "vm-os.h"

typedef enum {
    NV_VM_INSTALL_ISO,    /* boot an installer ISO (a path or a pool volume's path) */
    NV_VM_INSTALL_IMPORT, /* an existing disk image is the VM's disk */
    NV_VM_INSTALL_KERNEL, /* direct kernel boot: kernel, initrd, command line */
    NV_VM_INSTALL_PXE,    /* network boot */
    NV_VM_INSTALL_NONE,   /* no media: boots from its (empty) disk */
} NvVmInstall;

typedef enum {
    NV_VM_STORAGE_NEW,      /* a new volume in a pool */
    NV_VM_STORAGE_EXISTING, /* an existing volume's path, a file or a block device */
    NV_VM_STORAGE_NONE,
} NvVmStorage;

typedef enum {
    NV_VM_NET_NETWORK, /* a libvirt virtual network */
    NV_VM_NET_BRIDGE,  /* a host bridge */
    NV_VM_NET_MACVTAP, /* macvtap on a host interface (type='direct', mode bridge) */
    NV_VM_NET_NONE,
} NvVmNet;

typedef enum {
    NV_VM_CPU_DEFAULT, /* the hypervisor's default model: no <cpu> */
    NV_VM_CPU_HOST_PASSTHROUGH,
    NV_VM_CPU_HOST_MODEL,
} NvVmCpuMode;

/* Strings are never NULL ("" for none) once nv_vm_draft_new has made the draft. */
typedef struct {
    NvVmInstall install;
    char *media;   /* ISO */
    char *kernel;  /* direct kernel boot */
    char *initrd;  /* "" for none */
    char *cmdline; /* "" for none */

    char *os_id;              /* libosinfo's URI for the <metadata>, "" when generic */
    char *os_short;           /* "debian11", "generic" */
    char *os_name;            /* shown */
    char *disk_bus;           /* virtio, sata, ide */
    char *nic_model;          /* virtio, e1000 */
    gboolean clock_localtime; /* Windows keeps the clock in local time */

    guint64 memory_kib;
    guint vcpus;

    /* Import uses disk_path/disk_format as its disk whatever `storage` says. */
    NvVmStorage storage;
    char *pool;   /* new volume: the pool */
    char *volume; /* new volume: its name, "" for the default (see nv_vm_draft_volume_name) */
    guint64 disk_bytes;
    char *disk_format; /* qcow2 or raw: the new volume's, the existing disk's or the image's */
    char *disk_path;   /* existing disk or imported image: a file, or a block device (/dev/...) */

    char *name;
    NvVmNet net;
    char *net_source; /* network name, bridge, or host interface */

    gboolean uefi;
    char *uefi_loader; /* "" with uefi: firmware autoselection (<os firmware='efi'>) */
    char *virt_type;   /* kvm, qemu, test */
    char *arch;        /* x86_64 */
    NvVmCpuMode cpu;
    gboolean vnc;
    char *serial_log;   /* a file the serial console's output is copied to, "" for none */
    gboolean customize; /* define only: open the details editor instead of starting it */
} NvVmDraft;

NvVmDraft *nv_vm_draft_new(void);
void nv_vm_draft_free(NvVmDraft *d);
NvVmDraft *nv_vm_draft_copy(const NvVmDraft *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVmDraft, nv_vm_draft_free)
/* Replaces a string member: nv_vm_draft_set(&d->name, "web-01"). NULL stores "". */
void nv_vm_draft_set(char **member, const char *value);

/* Takes the OS's devices and clock, and (unless `keep_sizes`) its recommended memory, vCPUs and
 * disk size, held within the host's memory and CPUs (`host` may be NULL). */
void nv_vm_draft_set_os(NvVmDraft *d, const NvOsInfo *os, const NvHost *host, gboolean keep_sizes);

/* What the draft will store the VM on: import always uses its image, PXE/ISO/... `storage`. */
NvVmStorage nv_vm_draft_storage(const NvVmDraft *d);
/* The new volume's name: `volume`, or NAME.qcow2 / NAME.img. Caller frees. */
char *nv_vm_draft_volume_name(const NvVmDraft *d);

/* ---- checks: translated messages in NV_ERROR_INVALID ---- */

/* The name is already used by a domain of the model (as of its last refresh; the commit checks
 * the host again). */
gboolean nv_vm_name_in_model(const NvModel *model, const char *name);
/* At least 16 MiB and at most the host's memory (`host` NULL: no upper limit). */
gboolean nv_vm_check_memory(guint64 kib, const NvHost *host, GError **err);
/* 1 .. the host's CPUs and the hypervisor's limit (`max_vcpus` 0: unknown). */
gboolean nv_vm_check_vcpus(guint vcpus, const NvHost *host, guint max_vcpus, GError **err);
/* Fits in what the pool has available. */
gboolean nv_vm_check_disk_size(guint64 bytes, const NvPool *pool, GError **err);
/* A network name, bridge or host interface: 1..64 bytes, no spaces, '/' or controls. */
gboolean nv_vm_check_net_source(const char *source, GError **err);
/* An absolute path without control characters. */
gboolean nv_vm_check_path(const char *path, const char *what, GError **err);
/* The whole draft is consistent: every value above, plus what each install method needs
 * (media, kernel, image; a NIC for PXE). */
gboolean nv_vm_draft_check(const NvVmDraft *d, GError **err);

/* ---- XML ---- */

/* The domain XML, indented; NULL with the first problem nv_vm_draft_check finds. */
char *nv_vm_draft_xml(const NvVmDraft *d, GError **err);
/* The new volume's XML; NULL with `err` unset when the draft makes no volume. */
char *nv_vm_draft_volume_xml(const NvVmDraft *d, GError **err);
/* A few lines saying what will be created, for the summary (translated). */
char *nv_vm_draft_describe(const NvVmDraft *d);
