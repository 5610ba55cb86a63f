/* The object model of one host: plain data the worker builds and the main thread reads.
 * No libvirt types here, so ui/ can include it. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "domain-stats.h"

/* Values mirror virDomainState. */
typedef enum {
    NV_DOMAIN_NOSTATE = 0,
    NV_DOMAIN_RUNNING,
    NV_DOMAIN_BLOCKED,
    NV_DOMAIN_PAUSED,
    NV_DOMAIN_SHUTDOWN,
    NV_DOMAIN_SHUTOFF,
    NV_DOMAIN_CRASHED,
    NV_DOMAIN_PMSUSPENDED,
    NV_DOMAIN_STATE_COUNT
} NvDomainState;

typedef struct {
    char *name;
    char *uuid;
    char *title; /* "" when none */
    int id;      /* -1 when not running */
    NvDomainState state;
    int reason;
    unsigned vcpus;
    unsigned long long memory_kib;     /* current */
    unsigned long long max_memory_kib; /* maximum */
    /* Live numbers: borrowed from NvModel.domain_stats, set on the main thread whenever the
     * list or the stats change (NULL when the domain has none, e.g. it is shut off). */
    const NvDomainStats *stats;
} NvDomain;

typedef struct {
    char *device; /* disk, cdrom, floppy, lun */
    char *target; /* vda */
    char *bus;    /* virtio */
    char *source; /* path, volume pool/name, or network name; "" when empty */
    char *format; /* qcow2, raw; "" when unknown */
} NvDisk;

typedef struct {
    char *mac;
    char *type;   /* network, bridge, direct, user */
    char *source; /* network or bridge or device name */
    char *model;  /* virtio, e1000; "" when default */
} NvNic;

/* A <serial> or <console> device: what the console view can open. */
typedef struct {
    char *kind;  /* serial, console */
    char *type;  /* pty, file, tcp, ... */
    int port;    /* target port; -1 when the XML gives none */
    char *alias; /* serial0, console0: the name virDomainOpenConsole takes */
} NvChardev;

/* A <graphics> device: what the VNC view connects to. */
typedef struct {
    char *type; /* vnc, spice */
    int port;   /* -1 when autoport has not assigned one yet (the domain is not running) */
    gboolean autoport;
    char *listen; /* address, or socket path for a socket listen; "" when none */
    gboolean has_password;
} NvGraphics;

typedef struct {
    char *uuid;
    char *name;
    char *title;
    char *description;
    char *domain_type; /* kvm, qemu, test */
    char *os_type;     /* hvm */
    char *arch;
    char *machine;
    unsigned vcpus;
    unsigned long long memory_kib;
    GPtrArray *disks;    /* NvDisk* */
    GPtrArray *nics;     /* NvNic* */
    GPtrArray *chardevs; /* NvChardev*, serials then consoles, in document order */
    GPtrArray *graphics; /* NvGraphics* */
    /* From API calls, not the XML: */
    NvDomainState state;
    int reason;
    int autostart;  /* 1, 0, -1 unknown */
    int persistent; /* 1, 0, -1 unknown */
} NvDomainDetails;

typedef struct {
    char *name;
    char *uuid;
    char *type;        /* dir, fs, netfs, logical, disk, iscsi, ... */
    char *target_path; /* "" when none */
    int state;         /* virStoragePoolState */
    bool active;
    int autostart;
    int persistent;
    unsigned long long capacity, allocation, available; /* bytes */
} NvPool;

typedef struct {
    char *name;
    char *key;
    char *path;
    char *type;                              /* file, block, dir, network */
    char *format;                            /* qcow2, raw, iso, ... "" when unknown */
    unsigned long long capacity, allocation; /* bytes */
} NvVolume;

typedef struct {
    char *family; /* ipv4, ipv6 */
    char *address;
    unsigned prefix;
    char *dhcp_start; /* "" when no DHCP */
    char *dhcp_end;
} NvNetIp;

typedef struct {
    char *name;
    char *uuid;
    char *forward_mode; /* nat, route, open, bridge, ... ; "isolated" when no <forward> */
    char *forward_dev;  /* "" when none */
    char *bridge;       /* bridge device name, "" when none */
    bool active;
    int autostart;
    int persistent;
    GPtrArray *ips; /* NvNetIp* */
} NvNetwork;

typedef struct {
    char *name;
    char *mac;
    bool active;
} NvIface;

typedef struct {
    char *uri;
    char *hostname;
    char *hv_type;             /* QEMU, Test */
    unsigned long hv_version;  /* major * 1000000 + minor * 1000 + release */
    unsigned long lib_version; /* same encoding */
    char *arch;
    char *cpu_model;
    unsigned cpus, mhz, nodes, sockets, cores, threads;
    unsigned long long mem_total_kib, mem_free_kib;
    bool kvm_available;
    char *kvm_explain; /* one line saying why and what it means */
} NvHost;

typedef struct {
    GPtrArray *domains; /* NvDomain*, sorted by name */
    unsigned running;   /* domains with an id (running, paused, ...) */
    GPtrArray *pools;   /* NvPool*, by name */
    char *volumes_pool; /* pool whose volumes are in `volumes`, NULL for none */
    GPtrArray *volumes; /* NvVolume*, by name */
    char *volumes_error;
    GPtrArray *networks; /* NvNetwork*, by name */
    GPtrArray *ifaces;   /* NvIface*, by name */
    char *ifaces_error;  /* why there is no list, e.g. the driver cannot list interfaces */
    NvHost *host;
    NvDomainDetails *details; /* of the selected domain, NULL until fetched */
    char *details_error;
    /* Live numbers, apart from `domains` so that they survive relists: uuid -> NvDomainStats*
     * for running domains that gave numbers (src/domain-stats.h); each NvDomain points at its own.
     */
    GHashTable *domain_stats;
    NvHostStats host_stats; /* have == 0 until the host gave numbers */
} NvModel;

void nv_domain_free(NvDomain *d);
void nv_disk_free(NvDisk *d);
void nv_nic_free(NvNic *n);
void nv_chardev_free(NvChardev *c);
void nv_graphics_free(NvGraphics *g);
void nv_domain_details_free(NvDomainDetails *d);
void nv_pool_free(NvPool *p);
void nv_volume_free(NvVolume *v);
void nv_net_ip_free(NvNetIp *ip);
void nv_network_free(NvNetwork *n);
void nv_iface_free(NvIface *i);
void nv_host_free(NvHost *h);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDomain, nv_domain_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDomainDetails, nv_domain_details_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvPool, nv_pool_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvVolume, nv_volume_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvNetwork, nv_network_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvHost, nv_host_free)

/* Constructors that leave every string "" and every array empty (never NULL). */
NvDomainDetails *nv_domain_details_new(void);
NvNetwork *nv_network_new(void);
NvPool *nv_pool_new(void);
NvVolume *nv_volume_new(void);

/* "running", "shut off", ... untranslated (N_); and a one-cell glyph. */
const char *nv_domain_state_name(NvDomainState state);
const char *nv_domain_state_glyph(NvDomainState state);
/* virDomainState reason code to words, e.g. "booted", "destroyed"; untranslated. */
const char *nv_domain_reason_name(NvDomainState state, int reason);
const char *nv_pool_state_name(int state);

/* Case-insensitive substring match of `needle` against name or title; "" matches all. */
gboolean nv_filter_match(const char *needle, const char *name, const char *title);

/* The same with the needle folded once, for filtering a whole list per keystroke. */
typedef struct NvFilter NvFilter;
NvFilter *nv_filter_new(const char *needle);
void nv_filter_free(NvFilter *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvFilter, nv_filter_free)
gboolean nv_filter_matches(const NvFilter *f, const char *name, const char *title);

NvModel *nv_model_new(void);
void nv_model_free(NvModel *m);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvModel, nv_model_free)
