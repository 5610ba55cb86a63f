/* Constructors, destructors and words for the object model; libvirt's enum values are mirrored
 * here by number so that ui/ can name states without including libvirt. */
#include "model.h"

#include <string.h>

#include "i18n.h"

void nv_domain_free(NvDomain *d)
{
    if (d == NULL)
        return;
    g_free(d->name);
    g_free(d->uuid);
    g_free(d->title);
    g_free(d);
}

void nv_disk_free(NvDisk *d)
{
    if (d == NULL)
        return;
    g_free(d->device);
    g_free(d->target);
    g_free(d->bus);
    g_free(d->source);
    g_free(d->format);
    g_free(d);
}

void nv_nic_free(NvNic *n)
{
    if (n == NULL)
        return;
    g_free(n->mac);
    g_free(n->type);
    g_free(n->source);
    g_free(n->model);
    g_free(n->target);
    g_free(n);
}

gboolean nv_disk_kind_is_storage(NvDiskKind kind)
{
    return kind == NV_DISK_KIND_FILE || kind == NV_DISK_KIND_BLOCK || kind == NV_DISK_KIND_VOLUME;
}

gboolean nv_disk_takes_media(const NvDisk *d)
{
    return strcmp(d->device, "cdrom") == 0 || strcmp(d->device, "floppy") == 0;
}

const char *nv_disk_kind_name(NvDiskKind kind)
{
    static const char *const names[] = {
        [NV_DISK_KIND_EMPTY] = N_("empty"),
        [NV_DISK_KIND_FILE] = N_("image file"),
        [NV_DISK_KIND_BLOCK] = N_("block device"),
        [NV_DISK_KIND_DIR] = N_("host directory"),
        [NV_DISK_KIND_VOLUME] = N_("storage volume"),
        [NV_DISK_KIND_NETWORK] = N_("network disk"),
        [NV_DISK_KIND_NVME] = N_("NVMe namespace"),
        [NV_DISK_KIND_VHOSTUSER] = N_("vhost-user backend"),
        [NV_DISK_KIND_OTHER] = N_("unknown disk type"),
    };
    return (guint)kind < G_N_ELEMENTS(names) ? names[kind] : names[NV_DISK_KIND_OTHER];
}

void nv_chardev_free(NvChardev *c)
{
    if (c == NULL)
        return;
    g_free(c->kind);
    g_free(c->type);
    g_free(c->alias);
    g_free(c);
}

void nv_graphics_free(NvGraphics *g)
{
    if (g == NULL)
        return;
    g_free(g->type);
    g_free(g->listen);
    g_free(g->listen_text);
    g_free(g);
}

void nv_domain_details_free(NvDomainDetails *d)
{
    if (d == NULL)
        return;
    g_free(d->uuid);
    g_free(d->name);
    g_free(d->title);
    g_free(d->description);
    g_free(d->domain_type);
    g_free(d->os_type);
    g_free(d->arch);
    g_free(d->machine);
    if (d->disks != NULL)
        g_ptr_array_unref(d->disks);
    if (d->nics != NULL)
        g_ptr_array_unref(d->nics);
    if (d->chardevs != NULL)
        g_ptr_array_unref(d->chardevs);
    if (d->graphics != NULL)
        g_ptr_array_unref(d->graphics);
    g_free(d);
}

void nv_pool_free(NvPool *p)
{
    if (p == NULL)
        return;
    g_free(p->name);
    g_free(p->uuid);
    g_free(p->type);
    g_free(p->target_path);
    g_free(p);
}

void nv_volume_free(NvVolume *v)
{
    if (v == NULL)
        return;
    g_free(v->name);
    g_free(v->key);
    g_free(v->path);
    g_free(v->type);
    g_free(v->format);
    g_free(v);
}

void nv_net_ip_free(NvNetIp *ip)
{
    if (ip == NULL)
        return;
    g_free(ip->family);
    g_free(ip->address);
    g_free(ip->dhcp_start);
    g_free(ip->dhcp_end);
    g_free(ip);
}

void nv_network_free(NvNetwork *n)
{
    if (n == NULL)
        return;
    g_free(n->name);
    g_free(n->uuid);
    g_free(n->forward_mode);
    g_free(n->forward_dev);
    g_free(n->bridge);
    if (n->ips != NULL)
        g_ptr_array_unref(n->ips);
    g_free(n);
}

void nv_iface_free(NvIface *i)
{
    if (i == NULL)
        return;
    g_free(i->name);
    g_free(i->mac);
    g_free(i);
}

void nv_host_free(NvHost *h)
{
    if (h == NULL)
        return;
    g_free(h->uri);
    g_free(h->hostname);
    g_free(h->hv_type);
    g_free(h->arch);
    g_free(h->cpu_model);
    g_free(h->kvm_explain);
    g_free(h);
}

NvDomainDetails *nv_domain_details_new(void)
{
    NvDomainDetails *d = g_new0(NvDomainDetails, 1);
    d->uuid = g_strdup("");
    d->name = g_strdup("");
    d->title = g_strdup("");
    d->description = g_strdup("");
    d->domain_type = g_strdup("");
    d->os_type = g_strdup("");
    d->arch = g_strdup("");
    d->machine = g_strdup("");
    d->disks = g_ptr_array_new_with_free_func((GDestroyNotify)nv_disk_free);
    d->nics = g_ptr_array_new_with_free_func((GDestroyNotify)nv_nic_free);
    d->chardevs = g_ptr_array_new_with_free_func((GDestroyNotify)nv_chardev_free);
    d->graphics = g_ptr_array_new_with_free_func((GDestroyNotify)nv_graphics_free);
    d->state = NV_DOMAIN_NOSTATE;
    /* Filled from API calls, not the XML: unknown until someone asks. */
    d->autostart = -1;
    d->persistent = -1;
    return d;
}

NvNetwork *nv_network_new(void)
{
    NvNetwork *n = g_new0(NvNetwork, 1);
    n->name = g_strdup("");
    n->uuid = g_strdup("");
    n->forward_mode = g_strdup("");
    n->forward_dev = g_strdup("");
    n->bridge = g_strdup("");
    n->autostart = -1;
    n->persistent = -1;
    n->ips = g_ptr_array_new_with_free_func((GDestroyNotify)nv_net_ip_free);
    return n;
}

NvPool *nv_pool_new(void)
{
    NvPool *p = g_new0(NvPool, 1);
    p->name = g_strdup("");
    p->uuid = g_strdup("");
    p->type = g_strdup("");
    p->target_path = g_strdup("");
    p->autostart = -1;
    p->persistent = -1;
    return p;
}

NvVolume *nv_volume_new(void)
{
    NvVolume *v = g_new0(NvVolume, 1);
    v->name = g_strdup("");
    v->key = g_strdup("");
    v->path = g_strdup("");
    v->type = g_strdup("");
    v->format = g_strdup("");
    return v;
}

static const char *const state_names[NV_DOMAIN_STATE_COUNT] = {
    [NV_DOMAIN_NOSTATE] = N_("no state"),       [NV_DOMAIN_RUNNING] = N_("running"),
    [NV_DOMAIN_BLOCKED] = N_("blocked"),        [NV_DOMAIN_PAUSED] = N_("paused"),
    [NV_DOMAIN_SHUTDOWN] = N_("shutting down"), [NV_DOMAIN_SHUTOFF] = N_("shut off"),
    [NV_DOMAIN_CRASHED] = N_("crashed"),        [NV_DOMAIN_PMSUSPENDED] = N_("suspended"),
};

const char *nv_domain_state_name(NvDomainState state)
{
    /* The value may come straight from a remote daemon newer than us. */
    if ((unsigned)state >= NV_DOMAIN_STATE_COUNT)
        return N_("unknown");
    return state_names[state];
}

const char *nv_domain_state_glyph(NvDomainState state)
{
    /* Every glyph is one column wide in any locale (none is East Asian Wide). */
    switch (state) {
    case NV_DOMAIN_RUNNING:
    case NV_DOMAIN_BLOCKED:
        return "▶";
    case NV_DOMAIN_PAUSED:
    case NV_DOMAIN_PMSUSPENDED:
        return "‖";
    case NV_DOMAIN_SHUTDOWN:
        return "…";
    case NV_DOMAIN_SHUTOFF:
        return "■";
    case NV_DOMAIN_CRASHED:
        return "✖";
    default:
        return "?";
    }
}

/* Indexed by virDomain<State>Reason values, in libvirt's order (libvirt-domain.h). */
static const char *const reasons_nostate[] = {N_("unknown")};
static const char *const reasons_running[] = {
    N_("unknown"),            /* VIR_DOMAIN_RUNNING_UNKNOWN */
    N_("booted"),             /* BOOTED */
    N_("migrated"),           /* MIGRATED */
    N_("restored"),           /* RESTORED */
    N_("from snapshot"),      /* FROM_SNAPSHOT */
    N_("unpaused"),           /* UNPAUSED */
    N_("migration canceled"), /* MIGRATION_CANCELED */
    N_("save canceled"),      /* SAVE_CANCELED */
    N_("woken up"),           /* WAKEUP */
    N_("crashed"),            /* CRASHED */
    N_("post-copy"),          /* POSTCOPY */
    N_("post-copy failed"),   /* POSTCOPY_FAILED */
};
static const char *const reasons_blocked[] = {N_("unknown")};
static const char *const reasons_paused[] = {
    N_("unknown"),          /* VIR_DOMAIN_PAUSED_UNKNOWN */
    N_("user"),             /* USER */
    N_("migration"),        /* MIGRATION */
    N_("save"),             /* SAVE */
    N_("dump"),             /* DUMP */
    N_("I/O error"),        /* IOERROR */
    N_("watchdog"),         /* WATCHDOG */
    N_("from snapshot"),    /* FROM_SNAPSHOT */
    N_("shutting down"),    /* SHUTTING_DOWN */
    N_("snapshot"),         /* SNAPSHOT */
    N_("crashed"),          /* CRASHED */
    N_("starting up"),      /* STARTING_UP */
    N_("post-copy"),        /* POSTCOPY */
    N_("post-copy failed"), /* POSTCOPY_FAILED */
};
static const char *const reasons_shutdown[] = {
    N_("unknown"), /* VIR_DOMAIN_SHUTDOWN_UNKNOWN */
    N_("user"),    /* USER */
};
static const char *const reasons_shutoff[] = {
    N_("unknown"),       /* VIR_DOMAIN_SHUTOFF_UNKNOWN */
    N_("shutdown"),      /* SHUTDOWN */
    N_("destroyed"),     /* DESTROYED */
    N_("crashed"),       /* CRASHED */
    N_("migrated"),      /* MIGRATED */
    N_("saved"),         /* SAVED */
    N_("failed"),        /* FAILED */
    N_("from snapshot"), /* FROM_SNAPSHOT */
    N_("daemon"),        /* DAEMON */
};
static const char *const reasons_crashed[] = {
    N_("unknown"),  /* VIR_DOMAIN_CRASHED_UNKNOWN */
    N_("panicked"), /* PANICKED */
};
static const char *const reasons_pmsuspended[] = {N_("unknown")};

typedef struct {
    const char *const *names;
    size_t count;
} NvReasonTable;

static const NvReasonTable reason_tables[NV_DOMAIN_STATE_COUNT] = {
    [NV_DOMAIN_NOSTATE] = {reasons_nostate, G_N_ELEMENTS(reasons_nostate)},
    [NV_DOMAIN_RUNNING] = {reasons_running, G_N_ELEMENTS(reasons_running)},
    [NV_DOMAIN_BLOCKED] = {reasons_blocked, G_N_ELEMENTS(reasons_blocked)},
    [NV_DOMAIN_PAUSED] = {reasons_paused, G_N_ELEMENTS(reasons_paused)},
    [NV_DOMAIN_SHUTDOWN] = {reasons_shutdown, G_N_ELEMENTS(reasons_shutdown)},
    [NV_DOMAIN_SHUTOFF] = {reasons_shutoff, G_N_ELEMENTS(reasons_shutoff)},
    [NV_DOMAIN_CRASHED] = {reasons_crashed, G_N_ELEMENTS(reasons_crashed)},
    [NV_DOMAIN_PMSUSPENDED] = {reasons_pmsuspended, G_N_ELEMENTS(reasons_pmsuspended)},
};

const char *nv_domain_reason_name(NvDomainState state, int reason)
{
    if ((unsigned)state >= NV_DOMAIN_STATE_COUNT || reason < 0)
        return N_("unknown");
    const NvReasonTable *t = &reason_tables[state];
    if ((size_t)reason >= t->count)
        return N_("unknown");
    return t->names[reason];
}

const char *nv_pool_state_name(int state)
{
    /* Indexed by virStoragePoolState. */
    static const char *const names[] = {
        N_("inactive"), N_("building"), N_("running"), N_("degraded"), N_("inaccessible"),
    };
    if (state < 0 || (size_t)state >= G_N_ELEMENTS(names))
        return N_("unknown");
    return names[state];
}

/* A form of `s` in which case and compatibility variants compare equal. */
static char *fold(const char *s)
{
    g_autofree char *valid = g_utf8_make_valid(s, -1);
    g_autofree char *norm = g_utf8_normalize(valid, -1, G_NORMALIZE_ALL_COMPOSE);
    return g_utf8_casefold(norm != NULL ? norm : valid, -1);
}

struct NvFilter {
    char *folded;      /* the needle, normalised and case-folded once */
    gboolean is_ascii; /* then ASCII haystacks need no folding at all */
};

NvFilter *nv_filter_new(const char *needle)
{
    NvFilter *f = g_new0(NvFilter, 1);
    f->folded = fold(needle ? needle : "");
    f->is_ascii = g_str_is_ascii(f->folded);
    return f;
}

void nv_filter_free(NvFilter *f)
{
    if (!f)
        return;
    g_free(f->folded);
    g_free(f);
}

/* Case-insensitive substring search for an ASCII haystack and an already folded ASCII needle.
 * Returns -1 when the haystack is not ASCII, so the caller folds it properly. */
static int ascii_contains(const char *hay, const char *needle, size_t nlen)
{
    size_t hlen = 0;
    for (const char *p = hay; *p; p++, hlen++)
        if ((unsigned char)*p >= 0x80)
            return -1;
    for (size_t i = 0; i + nlen <= hlen; i++) {
        size_t j = 0;
        while (j < nlen && g_ascii_tolower(hay[i + j]) == needle[j])
            j++;
        if (j == nlen)
            return 1;
    }
    return 0;
}

static gboolean contains(const NvFilter *f, const char *hay)
{
    if (hay == NULL)
        return FALSE;
    if (f->is_ascii) {
        int r = ascii_contains(hay, f->folded, strlen(f->folded));
        if (r >= 0)
            return r == 1;
    }
    g_autofree char *h = fold(hay);
    return strstr(h, f->folded) != NULL;
}

gboolean nv_filter_matches(const NvFilter *f, const char *name, const char *title)
{
    if (f == NULL || f->folded[0] == '\0')
        return TRUE;
    return contains(f, name) || contains(f, title);
}

gboolean nv_filter_match(const char *needle, const char *name, const char *title)
{
    if (needle == NULL || *needle == '\0')
        return TRUE;
    g_autoptr(NvFilter) f = nv_filter_new(needle);
    return nv_filter_matches(f, name, title);
}

NvModel *nv_model_new(void)
{
    NvModel *m = g_new0(NvModel, 1);
    m->domains = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    m->pools = g_ptr_array_new_with_free_func((GDestroyNotify)nv_pool_free);
    m->networks = g_ptr_array_new_with_free_func((GDestroyNotify)nv_network_free);
    m->ifaces = g_ptr_array_new_with_free_func((GDestroyNotify)nv_iface_free);
    m->domain_details = nv_cache_new((GDestroyNotify)nv_domain_details_free);
    m->pool_volumes = nv_cache_new((GDestroyNotify)g_ptr_array_unref);
    m->volume_users = nv_cache_new((GDestroyNotify)g_ptr_array_unref);
    m->domain_stats = nv_domain_stats_table_new();
    return m;
}

void nv_model_free(NvModel *m)
{
    if (m == NULL)
        return;
    if (m->domains != NULL)
        g_ptr_array_unref(m->domains);
    if (m->pools != NULL)
        g_ptr_array_unref(m->pools);
    if (m->networks != NULL)
        g_ptr_array_unref(m->networks);
    if (m->ifaces != NULL)
        g_ptr_array_unref(m->ifaces);
    g_free(m->ifaces_error);
    nv_host_free(m->host);
    nv_cache_free(m->domain_details);
    nv_cache_free(m->pool_volumes);
    nv_cache_free(m->volume_users);
    if (m->domain_stats != NULL)
        g_hash_table_unref(m->domain_stats);
    g_free(m);
}

/* ---- caches ---- */

struct NvCache {
    GHashTable *entries; /* key -> NvCacheEntry* */
    GDestroyNotify value_free;
};

static void cache_entry_free(NvCache *c, NvCacheEntry *e)
{
    if (e->value)
        c->value_free(e->value);
    g_free(e->error);
    g_free(e->group);
    g_free(e);
}

NvCache *nv_cache_new(GDestroyNotify value_free)
{
    NvCache *c = g_new0(NvCache, 1);
    c->entries = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    c->value_free = value_free;
    return c;
}

void nv_cache_free(NvCache *c)
{
    if (c == NULL)
        return;
    nv_cache_evict(c, NULL, NULL);
    g_hash_table_unref(c->entries);
    g_free(c);
}

const NvCacheEntry *nv_cache_lookup(const NvCache *c, const char *key)
{
    return key ? g_hash_table_lookup(c->entries, key) : NULL;
}

NvCacheEntry *nv_cache_entry(NvCache *c, const char *key)
{
    NvCacheEntry *e = g_hash_table_lookup(c->entries, key);
    if (!e) {
        e = g_new0(NvCacheEntry, 1);
        g_hash_table_insert(c->entries, g_strdup(key), e);
    }
    return e;
}

gboolean nv_cache_store(NvCache *c, const char *key, gpointer value, const char *error)
{
    NvCacheEntry *e = g_hash_table_lookup(c->entries, key);
    if (!e) {
        if (value)
            c->value_free(value);
        return FALSE;
    }
    if (e->value)
        c->value_free(e->value);
    e->value = value;
    g_free(e->error);
    e->error = g_strdup(error);
    e->fetched_us = g_get_monotonic_time();
    e->stale = e->refetch;
    e->pending = e->refetch = FALSE;
    return TRUE;
}

static void entry_mark_stale(NvCacheEntry *e)
{
    e->stale = TRUE;
    e->refetch = e->pending;
}

void nv_cache_cancel(NvCache *c, const char *key)
{
    NvCacheEntry *e = g_hash_table_lookup(c->entries, key);
    if (e) {
        e->pending = e->refetch = FALSE;
        e->stale = TRUE;
    }
}

void nv_cache_mark_stale(NvCache *c, const char *key)
{
    if (key) {
        NvCacheEntry *e = g_hash_table_lookup(c->entries, key);
        if (e)
            entry_mark_stale(e);
        return;
    }
    GHashTableIter it;
    gpointer e;
    g_hash_table_iter_init(&it, c->entries);
    while (g_hash_table_iter_next(&it, NULL, &e))
        entry_mark_stale(e);
}

guint nv_cache_evict(NvCache *c, NvCacheKeepFunc keep, gconstpointer data)
{
    guint gone = 0;
    GHashTableIter it;
    gpointer key, e;
    g_hash_table_iter_init(&it, c->entries);
    while (g_hash_table_iter_next(&it, &key, &e)) {
        if (keep && keep(key, e, data))
            continue;
        cache_entry_free(c, e);
        g_hash_table_iter_remove(&it);
        gone++;
    }
    return gone;
}

guint nv_cache_size(const NvCache *c)
{
    return g_hash_table_size(c->entries);
}

static gpointer cached(const NvCache *c, const char *key, const char **error)
{
    const NvCacheEntry *e = nv_cache_lookup(c, key);
    if (error)
        *error = e ? e->error : NULL;
    return e ? e->value : NULL;
}

const NvDomainDetails *nv_model_domain_details(const NvModel *m, const char *uuid,
                                               const char **error)
{
    return cached(m->domain_details, uuid, error);
}

GPtrArray *nv_model_pool_volumes(const NvModel *m, const char *pool, const char **error)
{
    return cached(m->pool_volumes, pool, error);
}

GPtrArray *nv_model_volume_users(const NvModel *m, const char *path, const char **error)
{
    return cached(m->volume_users, path, error);
}

/* ---- eviction ---- */

static gboolean listed_domain(const char *uuid, const NvCacheEntry *e, gconstpointer data)
{
    const GPtrArray *domains = data;
    for (guint i = 0; i < domains->len; i++)
        if (g_strcmp0(((NvDomain *)domains->pdata[i])->uuid, uuid) == 0)
            return TRUE;
    return FALSE;
}

static gboolean listed_pool(const char *name, const GPtrArray *pools)
{
    for (guint i = 0; i < pools->len; i++)
        if (g_strcmp0(((NvPool *)pools->pdata[i])->name, name) == 0)
            return TRUE;
    return FALSE;
}

static gboolean listed_pool_key(const char *name, const NvCacheEntry *e, gconstpointer data)
{
    return listed_pool(name, data);
}

static gboolean listed_pool_group(const char *path, const NvCacheEntry *e, gconstpointer data)
{
    return listed_pool(e->group, data);
}

typedef struct {
    const char *pool;
    const GPtrArray *volumes;
} PoolVolumes;

static gboolean listed_volume(const char *path, const NvCacheEntry *e, gconstpointer data)
{
    const PoolVolumes *pv = data;
    if (g_strcmp0(e->group, pv->pool) != 0)
        return TRUE;
    for (guint i = 0; pv->volumes && i < pv->volumes->len; i++)
        if (g_strcmp0(((NvVolume *)pv->volumes->pdata[i])->path, path) == 0)
            return TRUE;
    return FALSE;
}

void nv_model_count_domains(NvModel *m)
{
    m->running = m->paused = 0;
    for (guint i = 0; i < m->domains->len; i++) {
        const NvDomain *d = m->domains->pdata[i];
        if (d->id < 0)
            continue;
        m->running++;
        m->paused += d->state == NV_DOMAIN_PAUSED;
    }
}

void nv_model_evict_domains(NvModel *m)
{
    /* One pass over the cache, each entry against the list: the cache holds what the user
     * looked at, a handful, so this stays small beside the relist itself. */
    nv_cache_evict(m->domain_details, listed_domain, m->domains);
}

void nv_model_evict_pools(NvModel *m)
{
    nv_cache_evict(m->pool_volumes, listed_pool_key, m->pools);
    nv_cache_evict(m->volume_users, listed_pool_group, m->pools);
}

void nv_model_evict_volumes(NvModel *m, const char *pool)
{
    PoolVolumes pv = {pool, nv_model_pool_volumes(m, pool, NULL)};
    nv_cache_evict(m->volume_users, listed_volume, &pv);
}

/* ---- references ---- */

NvRef *nv_ref_new(NvConn *conn, const char *key)
{
    NvRef *r = g_new0(NvRef, 1);
    r->conn = conn;
    r->key = g_strdup(key ? key : "");
    return r;
}

NvRef *nv_ref_copy(const NvRef *r)
{
    return nv_ref_new(r->conn, r->key);
}

void nv_ref_free(NvRef *r)
{
    if (r == NULL)
        return;
    g_free(r->key);
    g_free(r);
}

guint nv_ref_hash(gconstpointer r)
{
    const NvRef *ref = r;
    return g_str_hash(ref->key) * 31u + g_direct_hash(ref->conn);
}

gboolean nv_ref_equal(gconstpointer a, gconstpointer b)
{
    return nv_ref_compare(a, b) == 0;
}

int nv_ref_compare(const NvRef *a, const NvRef *b)
{
    if (a->conn != b->conn)
        return (guintptr)a->conn < (guintptr)b->conn ? -1 : 1;
    return strcmp(a->key, b->key);
}

NvRef *nv_domain_ref(const NvDomain *d)
{
    return nv_ref_new(d->conn, d->uuid);
}

NvRef *nv_pool_ref(const NvPool *p)
{
    return nv_ref_new(p->conn, p->name);
}

NvRef *nv_network_ref(const NvNetwork *n)
{
    return nv_ref_new(n->conn, n->uuid);
}
