/* Who depends on which storage (see storage-users.h): the domains' disks and backing chains,
 * keyed by path and by "vol:pool/volume", so a volume is found however a disk names it. */
#include "storage-users.h"

#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "error.h"
#include "i18n.h"
#include "virt-util.h"
#include "xml-tree.h"

/* Deeper chains than this are a loop the keys did not catch, or not worth following. */
#define NV_CHAIN_MAX 64

/* ---- the documents ---- */

void nv_disk_storage_free(NvDiskStorage *d)
{
    if (!d)
        return;
    g_free(d->target);
    g_ptr_array_unref(d->keys);
    g_ptr_array_unref(d->backing);
    g_free(d);
}

/* What a <source> points at: its path and, for a volume named by pool and name, its key. */
static void source_keys(const xmlNode *source, GPtrArray *keys)
{
    static const char *const path_attrs[] = {"file", "dev", "dir"};
    for (guint i = 0; source && i < G_N_ELEMENTS(path_attrs); i++) {
        g_autofree char *path = nv_xml_node_attr_or_null(source, path_attrs[i]);
        if (path && *path)
            g_ptr_array_add(keys, g_steal_pointer(&path));
    }
    g_autofree char *pool = nv_xml_node_attr_or_null(source, "pool");
    g_autofree char *volume = nv_xml_node_attr_or_null(source, "volume");
    if (pool && volume && *pool && *volume)
        g_ptr_array_add(keys, g_strdup_printf("vol:%s/%s", pool, volume));
}

static NvDiskStorage *disk_storage(const xmlNode *disk)
{
    NvDiskStorage *d = g_new0(NvDiskStorage, 1);
    g_autofree char *target = nv_xml_node_attr_or_null(nv_xml_child_element(disk, "target"), "dev");
    d->target = g_strdup(target && *target ? target : "?");
    d->keys = g_ptr_array_new_with_free_func(g_free);
    d->backing = g_ptr_array_new_with_free_func(g_free);
    source_keys(nv_xml_child_element(disk, "source"), d->keys);
    const xmlNode *b = nv_xml_child_element(disk, "backingStore");
    for (guint depth = 0; b && depth < NV_CHAIN_MAX; depth++) {
        source_keys(nv_xml_child_element(b, "source"), d->backing);
        b = nv_xml_child_element(b, "backingStore");
    }
    return d;
}

GPtrArray *nv_domain_xml_disk_storage(const char *xml)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)nv_disk_storage_free);
    g_autoptr(xmlDoc) doc =
        nv_xml_parse_root(xml, "domain", NV_XML_PARSE_DEFAULT, _("cannot read domain XML"), NULL);
    xmlNode *devices = doc ? nv_xml_child_element(xmlDocGetRootElement(doc), "devices") : NULL;
    for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next)
        if (nv_xml_is_element(n, "disk"))
            g_ptr_array_add(out, disk_storage(n));
    return out;
}

char *nv_volume_xml_backing_path(const char *xml)
{
    g_autoptr(xmlDoc) doc =
        nv_xml_parse_root(xml, "volume", NV_XML_PARSE_DEFAULT, _("cannot read volume XML"), NULL);
    xmlNode *b = doc ? nv_xml_child_element(xmlDocGetRootElement(doc), "backingStore") : NULL;
    g_autofree char *path = nv_xml_node_text_stripped(nv_xml_child_element(b, "path"));
    return path && *path ? g_steal_pointer(&path) : NULL;
}

/* ---- the host ---- */

struct NvStorageUsers {
    GPtrArray *uses;    /* NvStorageUse*, owned */
    GHashTable *by_key; /* key -> GPtrArray of NvStorageUse* (borrowed from `uses`) */
};

static void use_free(NvStorageUse *use)
{
    g_free(use->domain);
    g_free(use->uuid);
    g_free(use->target);
    g_free(use);
}

void nv_storage_users_free(NvStorageUsers *u)
{
    if (!u)
        return;
    g_hash_table_unref(u->by_key);
    g_ptr_array_unref(u->uses);
    g_free(u);
}

/* What libvirt says about one key: the volume's other key and the image it is built on. */
typedef struct {
    char *path;
    char *vol_key;
    char *backing; /* a path, NULL at the end of the chain */
} Resolved;

static void resolved_free(Resolved *r)
{
    g_free(r->path);
    g_free(r->vol_key);
    g_free(r->backing);
    g_free(r);
}

typedef struct {
    virConnectPtr vconn;
    NvStorageUsers *u;
    GHashTable *resolved; /* key -> Resolved*: each volume asked once */
} Collect;

static virStorageVolPtr lookup_key(virConnectPtr vconn, const char *key)
{
    if (!g_str_has_prefix(key, "vol:"))
        return virStorageVolLookupByPath(vconn, key);
    const char *slash = strchr(key + 4, '/');
    if (!slash)
        return NULL;
    g_autofree char *pool_name = g_strndup(key + 4, (gsize)(slash - key - 4));
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(vconn, pool_name);
    return pool ? virStorageVolLookupByName(pool, slash + 1) : NULL;
}

static const Resolved *resolve(Collect *c, const char *key)
{
    Resolved *r = g_hash_table_lookup(c->resolved, key);
    if (r)
        return r;
    r = g_new0(Resolved, 1);
    g_hash_table_insert(c->resolved, g_strdup(key), r);
    g_autoptr(virStorageVol) vol = lookup_key(c->vconn, key);
    if (vol) {
        char *path = virStorageVolGetPath(vol);
        r->path = g_strdup(path);
        free(path);
        g_autoptr(virStoragePool) pool = virStoragePoolLookupByVolume(vol);
        if (pool)
            r->vol_key = g_strdup_printf("vol:%s/%s", virStoragePoolGetName(pool),
                                         virStorageVolGetName(vol));
        char *xml = virStorageVolGetXMLDesc(vol, 0);
        r->backing = xml ? nv_volume_xml_backing_path(xml) : NULL;
        free(xml);
    }
    /* A path in no pool is common (an ISO, a file made by hand): no chain known from it. */
    virResetLastError();
    return r;
}

static gboolean same_use(const NvStorageUse *a, const NvStorageUse *b)
{
    return a->kind == b->kind && strcmp(a->uuid, b->uuid) == 0 && strcmp(a->target, b->target) == 0;
}

static void add_under(NvStorageUsers *u, const char *key, NvStorageUse *use)
{
    if (!key)
        return;
    GPtrArray *list = g_hash_table_lookup(u->by_key, key);
    if (!list) {
        list = g_ptr_array_new();
        g_hash_table_insert(u->by_key, g_strdup(key), list);
    }
    for (guint i = 0; i < list->len; i++)
        if (list->pdata[i] == use)
            return;
    g_ptr_array_add(list, use);
}

/* The use, found again (live and inactive XML name the same disk) or new. */
static NvStorageUse *use_of(NvStorageUsers *u, const char *domain, const char *uuid,
                            const char *target, NvStorageUseKind kind)
{
    NvStorageUse want = {(char *)domain, (char *)uuid, (char *)target, kind};
    for (guint i = 0; i < u->uses->len; i++)
        if (same_use(u->uses->pdata[i], &want))
            return u->uses->pdata[i];
    NvStorageUse *use = g_new0(NvStorageUse, 1);
    use->domain = g_strdup(domain);
    use->uuid = g_strdup(uuid);
    use->target = g_strdup(target);
    use->kind = kind;
    g_ptr_array_add(u->uses, use);
    return use;
}

/* Files `key` under `use`, with its other names; returns the image it is built on. */
static const char *mark(Collect *c, const char *key, NvStorageUse *use)
{
    const Resolved *r = resolve(c, key);
    add_under(c->u, key, use);
    add_under(c->u, r->path, use);
    add_under(c->u, r->vol_key, use);
    return r->backing;
}

/* Every image under `key`, as the volumes' own XML says, each filed as a base of the disk. */
static void mark_chain(Collect *c, const char *key, NvStorageUse *base)
{
    g_autoptr(GHashTable) seen = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    const char *next = resolve(c, key)->backing;
    for (guint depth = 0; next && depth < NV_CHAIN_MAX; depth++) {
        if (!g_hash_table_add(seen, g_strdup(next)))
            break;
        next = mark(c, next, base);
    }
}

static void collect_xml(Collect *c, const char *xml, const char *name, const char *uuid)
{
    g_autoptr(GPtrArray) disks = nv_domain_xml_disk_storage(xml);
    for (guint i = 0; i < disks->len; i++) {
        const NvDiskStorage *d = disks->pdata[i];
        NvStorageUse *own = use_of(c->u, name, uuid, d->target, NV_STORAGE_USE_DISK);
        NvStorageUse *base = use_of(c->u, name, uuid, d->target, NV_STORAGE_USE_BASE);
        for (guint k = 0; k < d->keys->len; k++) {
            mark(c, d->keys->pdata[k], own);
            mark_chain(c, d->keys->pdata[k], base);
        }
        for (guint k = 0; k < d->backing->len; k++) {
            mark(c, d->backing->pdata[k], base);
            mark_chain(c, d->backing->pdata[k], base);
        }
    }
}

static void collect_domain(Collect *c, virDomainPtr dom)
{
    char uuid[VIR_UUID_STRING_BUFLEN];
    const char *name = virDomainGetName(dom);
    if (!name || virDomainGetUUIDString(dom, uuid) < 0)
        return;
    g_autofree char *dname = g_strdup(name);
    /* A running domain's next boot may use other disks than it has open now. */
    unsigned flags[2] = {0, VIR_DOMAIN_XML_INACTIVE};
    guint nflags = virDomainIsActive(dom) == 1 && virDomainIsPersistent(dom) == 1 ? 2 : 1;
    for (guint f = 0; f < nflags; f++) {
        char *xml = virDomainGetXMLDesc(dom, flags[f]);
        if (xml)
            collect_xml(c, xml, dname, uuid);
        free(xml);
    }
}

NvStorageUsers *nv_storage_users_collect(virConnectPtr vconn, GError **err)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(vconn, &doms, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list the domains"));
        return NULL;
    }
    NvStorageUsers *u = g_new0(NvStorageUsers, 1);
    u->uses = g_ptr_array_new_with_free_func((GDestroyNotify)use_free);
    u->by_key =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    Collect c = {
        vconn, u,
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)resolved_free)};
    for (int i = 0; i < n; i++) {
        collect_domain(&c, doms[i]);
        virDomainFree(doms[i]);
    }
    free(doms);
    g_hash_table_unref(c.resolved);
    /* A domain that vanished meanwhile is no user. */
    virResetLastError();
    return u;
}

static gint compare_uses(gconstpointer a, gconstpointer b)
{
    const NvStorageUse *x = *(NvStorageUse *const *)a, *y = *(NvStorageUse *const *)b;
    int by = g_strcmp0(x->domain, y->domain);
    if (!by)
        by = (int)x->kind - (int)y->kind;
    return by ? by : g_strcmp0(x->target, y->target);
}

GPtrArray *nv_storage_users_of(const NvStorageUsers *u, const char *path, const char *pool,
                               const char *volume, const char *skip_uuid)
{
    GPtrArray *out = g_ptr_array_new();
    g_autofree char *vol_key = pool && volume ? g_strdup_printf("vol:%s/%s", pool, volume) : NULL;
    const char *keys[] = {path && *path ? path : NULL, vol_key};
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++) {
        GPtrArray *list = keys[k] ? g_hash_table_lookup(u->by_key, keys[k]) : NULL;
        for (guint i = 0; list && i < list->len; i++) {
            NvStorageUse *use = list->pdata[i];
            guint at;
            if (g_strcmp0(use->uuid, skip_uuid) != 0 && !g_ptr_array_find(out, use, &at))
                g_ptr_array_add(out, use);
        }
    }
    g_ptr_array_sort(out, compare_uses);
    return out;
}

char *nv_storage_use_describe(const NvStorageUse *use)
{
    if (use->kind == NV_STORAGE_USE_DISK)
        return g_strdup(use->domain);
    return g_strdup_printf(_("%s (base of its disk %s)"), use->domain, use->target);
}
