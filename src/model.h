/* The object model of one host: plain data the worker builds and the main thread reads.
 * No libvirt types here, so ui/ can include it. */
#pragma once

#include <glib.h>
#include <stdbool.h>

#include "domain-stats.h"

/* The connection a model object came from (src/conn.h); the model only points at it. */
typedef struct NvConn NvConn;

/* NvDomain.missing bits. */
enum {
    NV_DOMAIN_MISSING_TITLE = 1 << 0, /* title */
    NV_DOMAIN_MISSING_SIZE = 1 << 1,  /* vcpus, memory_kib, max_memory_kib */
};

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
    char *title; /* "" when none (or not known) */
    int id;      /* -1 when not running */
    /* NV_DOMAIN_MISSING_*: what a relist over a network did not ask per domain (conn-fetch.h);
     * the field holds "" or 0 until the domain's details fill it in. */
    unsigned missing;
    NvDomainState state;
    int reason;
    unsigned vcpus;
    unsigned long long memory_kib;     /* current */
    unsigned long long max_memory_kib; /* maximum */
    /* Live numbers: borrowed from NvModel.domain_stats, set on the main thread whenever the
     * list or the stats change (NULL when the domain has none, e.g. it is shut off). */
    const NvDomainStats *stats;
    /* Owner: set when the list reaches a connection's model; NULL in a list read directly
     * (ncvirt --list, tests). With `uuid` it makes the object's NvRef. */
    NvConn *conn;
} NvDomain;

/* A disk's source kind (<disk type=...>), src/xml-devices.h reads and describes each. */
typedef enum {
    NV_DISK_KIND_EMPTY,     /* a drive with no medium */
    NV_DISK_KIND_FILE,      /* an image file */
    NV_DISK_KIND_BLOCK,     /* a block device */
    NV_DISK_KIND_DIR,       /* a host directory shown as a FAT disk */
    NV_DISK_KIND_VOLUME,    /* a volume of a storage pool, by pool and name */
    NV_DISK_KIND_NETWORK,   /* rbd, iscsi, nbd, gluster, http(s), ... on other hosts */
    NV_DISK_KIND_NVME,      /* an NVMe namespace of a host PCI device */
    NV_DISK_KIND_VHOSTUSER, /* a vhost-user backend process, through a socket */
    NV_DISK_KIND_OTHER,     /* a type this ncvirt does not know */
} NvDiskKind;

/* Whether ncvirt can copy (clone) and delete a disk of this kind as a storage volume: files,
 * block devices and pool volumes; never network, NVMe, vhost-user or directory disks. */
gboolean nv_disk_kind_is_storage(NvDiskKind kind);
/* "network disk", "NVMe namespace", ...: N_() strings, translate with _() where shown. */
const char *nv_disk_kind_name(NvDiskKind kind);

typedef struct {
    char *device; /* disk, cdrom, floppy, lun */
    char *target; /* vda */
    char *bus;    /* virtio */
    NvDiskKind kind;
    char *source; /* as the user reads it (xml-devices.h); "" when empty */
    char *format; /* qcow2, raw; "" when unknown */
} NvDisk;

/* A drive whose medium is inserted and ejected (cdrom, floppy); a lun or disk is not. */
gboolean nv_disk_takes_media(const NvDisk *d);

typedef struct {
    char *mac;
    char *type;   /* network, bridge, direct, hostdev, vhostuser, user, ethernet, udp, ... */
    char *source; /* what it connects to, as the user reads it (xml-devices.h) */
    char *model;  /* virtio, e1000; "" when default */
    char *target; /* the host-side device (vnet0, tap1); "" when none */
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
    char *listen;      /* address, or socket path for a socket listen; "" when none */
    char *listen_text; /* as the user reads it: "socket /path", "network default", "none" */
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
    NvConn *conn; /* owner, as NvDomain.conn; with `name` it makes the NvRef */
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
    NvConn *conn;   /* owner, as NvDomain.conn; with `uuid` it makes the NvRef */
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

/* ---- caches: what is fetched only on request (nv_conn_want_*), kept by key ----
 * Nothing here knows what the UI shows: a pane asks for what its selection needs and reads the
 * cache when it draws. An entry lives until its object leaves the lists (see the eviction
 * functions below), so a cache never holds more than the host has. */

/* One cached answer. `value` is NULL until the first answer and after a failed one (then
 * `error` says why). A stale entry keeps its value, shown until the next answer replaces it. */
typedef struct {
    gpointer value;
    char *error;
    char *group;       /* evicted with this: the pool of a volume's users; NULL else */
    gint64 fetched_us; /* monotonic time of the last answer; 0 before the first */
    gboolean stale;    /* an event or a refresh said it changed: fetched again when wanted */
    gboolean pending;  /* a fetch is on its way */
    gboolean refetch;  /* made stale while a fetch was on its way: that answer is already old */
} NvCacheEntry;

typedef struct NvCache NvCache;
/* `value_free` frees an entry's value. */
NvCache *nv_cache_new(GDestroyNotify value_free);
void nv_cache_free(NvCache *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvCache, nv_cache_free)
const NvCacheEntry *nv_cache_lookup(const NvCache *c, const char *key);
/* The entry of `key`, added empty when there is none. */
NvCacheEntry *nv_cache_entry(NvCache *c, const char *key);
/* Stores an answer (takes `value`; `error` NULL on success) and clears pending, and stale
 * unless it was made stale after the fetch started. Returns FALSE and frees `value` when the
 * entry was evicted meanwhile. */
gboolean nv_cache_store(NvCache *c, const char *key, gpointer value, const char *error);
/* Marks `key` (NULL: every entry) stale: the next want fetches it again, or, when a fetch is
 * on its way, the next want after its answer (one fetch per entry at a time). */
void nv_cache_mark_stale(NvCache *c, const char *key);
/* A fetch that will never answer (dropped with its connection): not pending, stale. */
void nv_cache_cancel(NvCache *c, const char *key);
/* Removes the entries `keep` refuses; returns how many went. */
typedef gboolean (*NvCacheKeepFunc)(const char *key, const NvCacheEntry *e, gconstpointer data);
guint nv_cache_evict(NvCache *c, NvCacheKeepFunc keep, gconstpointer data);
guint nv_cache_size(const NvCache *c);

typedef struct {
    NvConn *conn;        /* the connection this model belongs to; NULL for a bare model */
    GPtrArray *domains;  /* NvDomain*, sorted by name */
    unsigned running;    /* domains with an id (running, paused, ...) */
    unsigned paused;     /* of those, the paused ones (the header counts them apart) */
    GPtrArray *pools;    /* NvPool*, by name */
    GPtrArray *networks; /* NvNetwork*, by name */
    GPtrArray *ifaces;   /* NvIface*, by name */
    char *ifaces_error;  /* why there is no list, e.g. the driver cannot list interfaces */
    NvHost *host;
    /* On request, by key (nv_conn_want_*; read them with the lookups below): */
    NvCache *domain_details; /* uuid -> NvDomainDetails* */
    NvCache *pool_volumes;   /* pool name -> GPtrArray of NvVolume*, by name */
    NvCache *volume_users;   /* volume path -> GPtrArray of domain names (char*), sorted */
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

/* Sets m->running and m->paused from m->domains, after the list was replaced. */
void nv_model_count_domains(NvModel *m);

/* The cached answers, NULL until they are there (or when the fetch failed: then `error`, which
 * may be NULL, gets why). Valid until the next return to the main loop. */
const NvDomainDetails *nv_model_domain_details(const NvModel *m, const char *uuid,
                                               const char **error);
GPtrArray *nv_model_pool_volumes(const NvModel *m, const char *pool, const char **error);
GPtrArray *nv_model_volume_users(const NvModel *m, const char *path, const char **error);

/* Eviction, called after the lists they depend on were replaced: details of domains no longer
 * listed; volumes of pools no longer listed (and their volumes' users); users of the volumes
 * that `pool`'s new volume list no longer has. */
void nv_model_evict_domains(NvModel *m);
void nv_model_evict_pools(NvModel *m);
void nv_model_evict_volumes(NvModel *m, const char *pool);

/* ---- references: every model object is known by (connection, key) ----
 * The key is the object's UUID (domains, networks) or name (pools); a reference outlives the
 * object it names (it holds no pointer into the model), so marks, a selection to restore or a
 * job's target can be kept across relists and, with several hosts, told apart by host. */
typedef struct {
    NvConn *conn; /* not owned: a reference does not keep its connection alive */
    char *key;
} NvRef;

NvRef *nv_ref_new(NvConn *conn, const char *key);
NvRef *nv_ref_copy(const NvRef *r);
void nv_ref_free(NvRef *r);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvRef, nv_ref_free)
/* GHashTable-shaped: nv_ref_hash and nv_ref_equal take NvRef pointers. */
guint nv_ref_hash(gconstpointer r);
gboolean nv_ref_equal(gconstpointer a, gconstpointer b);
/* Like strcmp: by connection (address order), then key; for sorting. */
int nv_ref_compare(const NvRef *a, const NvRef *b);
/* The references of listed objects. */
NvRef *nv_domain_ref(const NvDomain *d);
NvRef *nv_pool_ref(const NvPool *p);
NvRef *nv_network_ref(const NvNetwork *n);
