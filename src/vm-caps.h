/* What a host offers a new VM: the guest architecture and virtualisation types from the
 * capabilities XML, and per type (domain capabilities XML) the vCPU limit, UEFI and CPU modes.
 * Pure: the XML comes from vm-create.c's worker call; tests feed files. */
#pragma once

#include <glib.h>

typedef struct {
    char *type;        /* kvm, qemu, test */
    gboolean known;    /* its domain capabilities were read; else nothing below is known */
    guint max_vcpus;   /* 0 when unknown */
    gboolean efi_auto; /* firmware autoselection offers efi: <os firmware='efi'> */
    char *efi_loader;  /* otherwise a UEFI loader the host has (<loader> value), or NULL */
    gboolean host_passthrough;
    gboolean host_model;
} NvVmVirtType;

typedef struct {
    char *arch;       /* the guests' architecture: the host's when it can run it */
    GPtrArray *types; /* NvVmVirtType*, in the order the capabilities list them */
} NvVmCaps;

NvVmCaps *nv_vm_caps_new(void);
void nv_vm_caps_free(NvVmCaps *caps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVmCaps, nv_vm_caps_free)

/* Capabilities XML: the hvm guest architecture (`host_arch` when listed) and its types. */
gboolean nv_vm_caps_read(NvVmCaps *caps, const char *xml, const char *host_arch, GError **err);
/* Domain capabilities XML of one type: fills that type's entry (added if missing). */
gboolean nv_vm_caps_read_domcaps(NvVmCaps *caps, const char *xml, GError **err);

const NvVmVirtType *nv_vm_caps_type(const NvVmCaps *caps, const char *type);
/* kvm when the host lists it and `kvm_usable` (NvHost.kvm_available), else qemu, else the first
 * type listed; NULL when there is none. */
const char *nv_vm_caps_default_type(const NvVmCaps *caps, gboolean kvm_usable);
/* UEFI can be offered for this type. */
gboolean nv_vm_caps_uefi(const NvVmCaps *caps, const char *type);
/* The CPU mode can be offered for this type: "default" always; the host ones when the domain
 * capabilities say so, or when they could not be read (the hypervisor then decides). */
gboolean nv_vm_caps_cpu_mode(const NvVmCaps *caps, const char *type, const char *mode);
