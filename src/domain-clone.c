/* Cloning a domain. The plan (names, MACs, volume names, the new definition) is pure and
 * tested without libvirt; the run copies each clone's volumes on a thread of its own (a copy
 * takes minutes and must not hold up the connection's worker: a job, conn-job-virt.h), polls the
 * new volume's size through the worker for progress, and undoes a clone that fails or is
 * cancelled. */
#include "domain-clone.h"

#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>

#include "conn-virt.h"
#include "error.h"
#include "virt-util.h"
#include "i18n.h"
#include "names.h"
#include "conn-job-virt.h"
#include "text.h"
#include "xml-devices.h"
#include "xml-read.h"
#include "xml-tree.h"

/* Clones copying at once: more only makes the disks seek. */
#define NV_CLONE_PARALLEL 3

void nv_clone_disk_free(NvCloneDisk *d)
{
    if (!d)
        return;
    g_free(d->target);
    g_free(d->device);
    g_free(d->type);
    g_free(d->source);
    g_free(d->path);
    g_free(d->format);
    g_free(d->pool);
    g_free(d->volume);
    g_free(d->volume_format);
    g_free(d);
}

void nv_clone_target_free(NvCloneTarget *t)
{
    if (!t)
        return;
    g_free(t->name);
    g_ptr_array_unref(t->macs);
    g_ptr_array_unref(t->volumes);
    g_free(t);
}

void nv_clone_plan_free(NvClonePlan *p)
{
    if (!p)
        return;
    g_free(p->source_name);
    g_free(p->source_uuid);
    g_free(p->source_xml);
    g_ptr_array_unref(p->disks);
    g_ptr_array_unref(p->source_macs);
    g_hash_table_unref(p->domain_names);
    g_hash_table_unref(p->volume_names);
    g_ptr_array_unref(p->targets);
    g_free(p);
}

/* ---- the source's XML ---- */

static xmlDoc *parse_domain(const char *xml, GError **err)
{
    return nv_xml_parse_root(xml, "domain", NV_XML_PARSE_DEFAULT, _("cannot read domain XML"), err);
}

static NvCloneDisk *disk_from_node(xmlNode *n)
{
    NvCloneDisk *d = g_new0(NvCloneDisk, 1);
    d->type = nv_xml_node_attr(n, "type");
    d->device = nv_xml_node_attr(n, "device");
    if (!*d->device) {
        g_free(d->device);
        d->device = g_strdup("disk");
    }
    d->target = nv_xml_node_attr(nv_xml_child_element(n, "target"), "dev");
    d->format = nv_xml_node_attr(nv_xml_child_element(n, "driver"), "type");
    NvDiskSource src;
    nv_disk_source_read(n, &src);
    d->kind = src.kind;
    d->source = g_steal_pointer(&src.display);
    /* Only a volume named by pool and name is known to be one here; a file or block device
     * may be a volume too, which the loader finds by its path. */
    gboolean named = src.kind == NV_DISK_KIND_VOLUME;
    d->pool = named ? g_steal_pointer(&src.pool) : g_strdup("");
    d->volume = named ? g_steal_pointer(&src.volume) : g_strdup("");
    d->path = g_steal_pointer(&src.path);
    d->volume_format = g_strdup("");
    nv_disk_source_clear(&src);
    d->readonly = nv_xml_child_element(n, "readonly") != NULL || strcmp(d->device, "cdrom") == 0;
    d->shareable = nv_xml_child_element(n, "shareable") != NULL;
    return d;
}

NvClonePlan *nv_clone_plan_from_xml(const char *xml, GError **err)
{
    g_autoptr(xmlDoc) doc = parse_domain(xml, err);
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    g_autoptr(NvClonePlan) p = g_new0(NvClonePlan, 1);
    p->source_name = nv_xml_node_text(nv_xml_child_element(root, "name"));
    p->source_uuid = nv_xml_node_text(nv_xml_child_element(root, "uuid"));
    p->source_state = NV_DOMAIN_SHUTOFF;
    p->source_xml = g_strdup(xml);
    p->disks = g_ptr_array_new_with_free_func((GDestroyNotify)nv_clone_disk_free);
    p->source_macs = g_ptr_array_new_with_free_func(g_free);
    p->domain_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    p->volume_names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    p->targets = g_ptr_array_new_with_free_func((GDestroyNotify)nv_clone_target_free);
    if (!*p->source_name) {
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE, _("cannot read domain XML: %s"),
                    _("the domain has no name"));
        return NULL;
    }
    xmlNode *devices = nv_xml_child_element(root, "devices");
    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        if (nv_xml_is_element(c, "disk"))
            g_ptr_array_add(p->disks, disk_from_node(c));
        else if (nv_xml_is_element(c, "interface"))
            g_ptr_array_add(p->source_macs,
                            nv_xml_node_attr(nv_xml_child_element(c, "mac"), "address"));
    }
    return g_steal_pointer(&p);
}

void nv_clone_plan_reset_choices(NvClonePlan *plan)
{
    for (guint i = 0; i < plan->disks->len; i++) {
        NvCloneDisk *d = plan->disks->pdata[i];
        d->clone = nv_clone_disk_writable(d) && nv_clone_disk_clonable(d);
    }
}

gboolean nv_clone_disk_clonable(const NvCloneDisk *d)
{
    return *d->pool && *d->volume;
}

const char *nv_clone_disk_why_shared(const NvCloneDisk *d)
{
    if (d->readonly)
        return _("read-only: shared");
    if (d->shareable)
        return _("shareable: shared");
    switch (d->kind) {
    case NV_DISK_KIND_NETWORK:
        return _("network disk, cannot be copied: shared");
    case NV_DISK_KIND_NVME:
        return _("NVMe namespace, cannot be copied: shared");
    case NV_DISK_KIND_VHOSTUSER:
        return _("vhost-user backend, cannot be copied: shared");
    case NV_DISK_KIND_DIR:
        return _("host directory, cannot be copied: shared");
    case NV_DISK_KIND_OTHER:
        return _("unknown disk type, cannot be copied: shared");
    default:
        return _("not in a storage pool: shared");
    }
}

gboolean nv_clone_disk_writable(const NvCloneDisk *d)
{
    /* Every kind with a medium counts, those ncvirt cannot copy included (network, NVMe,
     * vhost-user, unknown): sharing them is what corrupts a guest. */
    return !d->readonly && !d->shareable && d->kind != NV_DISK_KIND_EMPTY;
}

/* ---- names ---- */

static gboolean all_digits(const char *s, gsize len)
{
    if (len == 0 || len > 9)
        return FALSE;
    for (gsize i = 0; i < len; i++)
        if (!g_ascii_isdigit(s[i]))
            return FALSE;
    return TRUE;
}

G_GNUC_PRINTF(3, 4)
static GPtrArray *bad_pattern(GError **err, const char *pattern, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("'%s': %s"), pattern, why);
    return NULL;
}

GPtrArray *nv_clone_expand_names(const char *pattern, GError **err)
{
    if (!pattern)
        pattern = "";
    const char *open = strchr(pattern, '{');
    const char *close = strchr(pattern, '}');
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    if (!nv_name_check(NV_NAME_CLONE_PATTERN, pattern, err))
        return NULL;
    if (!open && !close) {
        if (!nv_name_check(NV_NAME_DOMAIN, pattern, err))
            return NULL;
        g_ptr_array_add(names, g_strdup(pattern));
        return g_steal_pointer(&names);
    }
    if (!open || !close || close < open)
        return bad_pattern(err, pattern, _("unbalanced braces; write a range as {01..10}"));
    if (strchr(open + 1, '{') || strchr(close + 1, '}'))
        return bad_pattern(err, pattern, _("only one {first..last} range is allowed"));
    const char *inner = open + 1;
    const char *dots = g_strstr_len(inner, close - inner, "..");
    if (!dots || !all_digits(inner, (gsize)(dots - inner)) ||
        !all_digits(dots + 2, (gsize)(close - dots - 2)))
        return bad_pattern(err, pattern, _("a range is two numbers: {first..last}, e.g. {01..10}"));
    guint64 first = g_ascii_strtoull(inner, NULL, 10);
    guint64 last = g_ascii_strtoull(dots + 2, NULL, 10);
    if (last < first)
        return bad_pattern(
            err, pattern,
            _("the range goes down; write it as {%" G_GUINT64_FORMAT "..%" G_GUINT64_FORMAT "}"),
            last, first);
    if (last - first + 1 > NV_CLONE_MAX)
        return bad_pattern(
            err, pattern,
            ngettext("the range makes %" G_GUINT64_FORMAT " name; at most %d at once",
                     "the range makes %" G_GUINT64_FORMAT " names; at most %d at once",
                     (unsigned long)(last - first + 1)),
            last - first + 1, NV_CLONE_MAX);
    /* The first number's width sets the padding: {01..10} gives 01, 02, ... 10. */
    int width = (int)(dots - inner);
    g_autofree char *prefix = g_strndup(pattern, (gsize)(open - pattern));
    for (guint64 i = first; i <= last; i++) {
        char *name = g_strdup_printf("%s%0*" G_GUINT64_FORMAT "%s", prefix, width, i, close + 1);
        g_ptr_array_add(names, name);
        if (!nv_name_check(NV_NAME_DOMAIN, name, err))
            return NULL;
    }
    return g_steal_pointer(&names);
}

/* ---- the plan ---- */

gboolean nv_clone_plan_check_source(const NvClonePlan *plan, GError **err)
{
    switch (plan->source_state) {
    case NV_DOMAIN_SHUTOFF:
    case NV_DOMAIN_PAUSED:
        return TRUE;
    default:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("cannot clone '%s' while it is %s: shut it off (or pause it) first"),
                    plan->source_name, _(nv_domain_state_name(plan->source_state)));
        return FALSE;
    }
}

static char *new_mac(GHashTable *taken)
{
    for (;;) {
        guint32 r = g_random_int();
        /* 52:54:00 is the prefix QEMU and libvirt use for locally made addresses. */
        char *mac =
            g_strdup_printf("52:54:00:%02x:%02x:%02x", (r >> 16) & 0xff, (r >> 8) & 0xff, r & 0xff);
        if (!g_hash_table_contains(taken, mac)) {
            g_hash_table_add(taken, g_strdup(mac));
            return mac;
        }
        g_free(mac);
    }
}

/* ".qcow2" of "web-01.qcow2"; "" when the name has no short extension. */
static char *volume_extension(const char *volume)
{
    const char *dot = strrchr(volume, '.');
    if (!dot || dot == volume || strlen(dot + 1) == 0 || strlen(dot + 1) > 8)
        return g_strdup("");
    for (const char *p = dot + 1; *p; p++)
        if (!g_ascii_isalnum(*p))
            return g_strdup("");
    return g_strdup(dot);
}

/* web-02.qcow2 for the first disk to clone, web-02-1.qcow2 for the second, and so on,
 * skipping names taken in the pool or by another clone of this batch. */
static char *new_volume_name(const char *name, const NvCloneDisk *disk, guint nth,
                             GHashTable *taken)
{
    g_autofree char *ext = volume_extension(disk->volume);
    for (guint i = nth;; i++) {
        g_autofree char *vol =
            i == 0 ? g_strconcat(name, ext, NULL) : g_strdup_printf("%s-%u%s", name, i, ext);
        g_autofree char *key = g_strdup_printf("%s/%s", disk->pool, vol);
        if (!g_hash_table_contains(taken, key)) {
            g_hash_table_add(taken, g_steal_pointer(&key));
            return g_steal_pointer(&vol);
        }
    }
}

gboolean nv_clone_plan_set_names(NvClonePlan *plan, const char *pattern, GError **err)
{
    g_autoptr(GPtrArray) names = nv_clone_expand_names(pattern, err);
    if (!names)
        return FALSE;
    for (guint i = 0; i < names->len; i++) {
        const char *name = names->pdata[i];
        if (g_hash_table_contains(plan->domain_names, name) ||
            strcmp(name, plan->source_name) == 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                        _("a domain named '%s' already exists on this host"), name);
            return FALSE;
        }
    }
    g_autoptr(GHashTable) macs = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = 0; i < plan->source_macs->len; i++)
        g_hash_table_add(macs, g_ascii_strdown(plan->source_macs->pdata[i], -1));
    g_autoptr(GHashTable) vols = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, plan->volume_names);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_hash_table_add(vols, g_strdup(key));
    g_ptr_array_set_size(plan->targets, 0);
    for (guint i = 0; i < names->len; i++) {
        NvCloneTarget *t = g_new0(NvCloneTarget, 1);
        t->name = g_strdup(names->pdata[i]);
        t->macs = g_ptr_array_new_with_free_func(g_free);
        t->volumes = g_ptr_array_new_with_free_func(g_free);
        for (guint m = 0; m < plan->source_macs->len; m++)
            g_ptr_array_add(t->macs, new_mac(macs));
        guint nth = 0;
        for (guint d = 0; d < plan->disks->len; d++) {
            NvCloneDisk *disk = plan->disks->pdata[d];
            g_ptr_array_add(t->volumes, nv_clone_disk_clonable(disk)
                                            ? new_volume_name(t->name, disk, nth++, vols)
                                            : g_strdup(""));
        }
        g_ptr_array_add(plan->targets, t);
    }
    return TRUE;
}

gboolean nv_clone_plan_check_disks(const NvClonePlan *plan, gboolean share_writable, GError **err)
{
    g_autoptr(GString) not_clonable = g_string_new("");
    for (guint i = 0; i < plan->disks->len; i++) {
        NvCloneDisk *d = plan->disks->pdata[i];
        if (d->clone && !nv_clone_disk_clonable(d))
            g_string_append_printf(not_clonable, "%s%s", not_clonable->len ? ", " : "", d->target);
    }
    if (not_clonable->len) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("cannot clone %s: not a volume of a storage pool (share it, or add its "
                      "directory as a pool)"),
                    not_clonable->str);
        return FALSE;
    }
    g_autoptr(GPtrArray) shared = nv_clone_plan_shared_writable(plan);
    if (shared->len && !share_writable) {
        g_ptr_array_add(shared, NULL);
        g_autofree char *list = g_strjoinv(", ", (char **)shared->pdata);
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("%s would be written by '%s' and its clones at once"), list,
                    plan->source_name);
        return FALSE;
    }
    return TRUE;
}

GPtrArray *nv_clone_plan_shared_writable(const NvClonePlan *plan)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < plan->disks->len; i++) {
        NvCloneDisk *d = plan->disks->pdata[i];
        if (!d->clone && nv_clone_disk_writable(d))
            g_ptr_array_add(out, g_strdup(d->target));
    }
    return out;
}

/* ---- the clone's definition ---- */

static void set_text(xmlNode *n, const char *text)
{
    xmlNodeSetContent(n, NULL);
    xmlNodeAddContent(n, (const xmlChar *)text);
}

static void remove_node(xmlNode *n)
{
    if (!n)
        return;
    xmlUnlinkNode(n);
    xmlFreeNode(n);
}

static void set_disk_source(xmlNode *disk, const NvCloneDisk *d, const char *volume,
                            GHashTable *paths)
{
    xmlNode *src = nv_xml_child_element(disk, "source");
    if (!src)
        src = xmlNewChild(disk, NULL, (const xmlChar *)"source", NULL);
    if (strcmp(d->type, "volume") == 0) {
        xmlSetProp(src, (const xmlChar *)"volume", (const xmlChar *)volume);
    } else {
        const char *path = paths ? g_hash_table_lookup(paths, d->target) : NULL;
        const char *attr = strcmp(d->type, "block") == 0 ? "dev" : "file";
        xmlSetProp(src, (const xmlChar *)attr, (const xmlChar *)(path ? path : volume));
    }
    /* The copy is a whole image; the source's backing chain does not describe it. */
    remove_node(nv_xml_child_element(disk, "backingStore"));
}

static void set_mac(xmlNode *iface, const char *mac)
{
    xmlNode *m = nv_xml_child_element(iface, "mac");
    if (!m) {
        m = xmlNewNode(NULL, (const xmlChar *)"mac");
        if (iface->children)
            xmlAddPrevSibling(iface->children, m);
        else
            xmlAddChild(iface, m);
    }
    xmlSetProp(m, (const xmlChar *)"address", (const xmlChar *)mac);
}

/* A fixed VNC/SPICE port would clash with the source's: let libvirt pick one. */
static void free_graphics_port(xmlNode *g)
{
    g_autofree char *autoport = nv_xml_node_attr(g, "autoport");
    g_autofree char *port = nv_xml_node_attr(g, "port");
    if (strcmp(autoport, "yes") == 0 || !*port || strcmp(port, "-1") == 0)
        return;
    xmlUnsetProp(g, (const xmlChar *)"port");
    xmlUnsetProp(g, (const xmlChar *)"tlsPort");
    xmlSetProp(g, (const xmlChar *)"autoport", (const xmlChar *)"yes");
}

char *nv_clone_domain_xml(const NvClonePlan *plan, guint target, GHashTable *paths, GError **err)
{
    g_return_val_if_fail(target < plan->targets->len, NULL);
    const NvCloneTarget *t = plan->targets->pdata[target];
    g_autoptr(xmlDoc) doc = parse_domain(plan->source_xml, err);
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    set_text(nv_xml_child_element(root, "name"), t->name);
    /* libvirt gives the clone a UUID of its own. */
    remove_node(nv_xml_child_element(root, "uuid"));
    /* UEFI variables: libvirt makes a fresh store from the template for the new name. */
    remove_node(nv_xml_child_element(nv_xml_child_element(root, "os"), "nvram"));
    guint disk = 0, nic = 0;
    xmlNode *devices = nv_xml_child_element(root, "devices");
    for (xmlNode *c = devices ? devices->children : NULL; c; c = c->next) {
        if (nv_xml_is_element(c, "disk")) {
            const NvCloneDisk *d = disk < plan->disks->len ? plan->disks->pdata[disk] : NULL;
            if (d && d->clone && *(char *)t->volumes->pdata[disk])
                set_disk_source(c, d, t->volumes->pdata[disk], paths);
            disk++;
        } else if (nv_xml_is_element(c, "interface")) {
            if (nic < t->macs->len)
                set_mac(c, t->macs->pdata[nic]);
            nic++;
        } else if (nv_xml_is_element(c, "graphics")) {
            free_graphics_port(c);
        }
    }
    xmlChar *out = NULL;
    int len = 0;
    xmlDocDumpMemory(doc, &out, &len);
    char *xml = g_strndup((const char *)out, (gsize)MAX(len, 0));
    xmlFree(out);
    return xml;
}

char *nv_clone_volume_xml(const NvCloneDisk *disk, const char *name)
{
    g_autofree char *n = g_markup_escape_text(name, -1);
    g_autoptr(GString) s = g_string_new("<volume>\n");
    g_string_append_printf(s, "  <name>%s</name>\n", n);
    g_string_append_printf(s, "  <capacity unit='bytes'>%llu</capacity>\n", disk->capacity);
    /* Sparse: the copy allocates what it writes. */
    g_string_append(s, "  <allocation unit='bytes'>0</allocation>\n");
    const char *format = *disk->volume_format ? disk->volume_format : disk->format;
    if (*format) {
        g_autofree char *f = g_markup_escape_text(format, -1);
        g_string_append_printf(s, "  <target>\n    <format type='%s'/>\n  </target>\n", f);
    }
    g_string_append(s, "</volume>\n");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

/* ---- loading a plan (worker) ---- */

static void fill_volume(virStorageVolPtr vol, NvCloneDisk *d)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByVolume(vol);
    if (!pool) {
        virResetLastError();
        return;
    }
    g_free(d->pool);
    d->pool = g_strdup(virStoragePoolGetName(pool));
    g_free(d->volume);
    d->volume = g_strdup(virStorageVolGetName(vol));
    virStorageVolInfo info;
    if (virStorageVolGetInfo(vol, &info) == 0) {
        d->capacity = info.capacity;
        d->allocation = info.allocation;
    }
    char *xml = virStorageVolGetXMLDesc(vol, 0);
    g_autoptr(NvVolume) v = nv_volume_new();
    if (xml && nv_xml_volume(xml, v, NULL)) {
        g_free(d->volume_format);
        d->volume_format = g_strdup(v->format);
    }
    free(xml);
    virResetLastError();
}

/* Finds the volume behind a disk; a disk that is not one stays unclonable. */
static void locate_disk(virConnectPtr vconn, NvCloneDisk *d)
{
    g_autoptr(virStorageVol) vol = NULL;
    if (strcmp(d->type, "volume") == 0 && *d->pool) {
        g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(vconn, d->pool);
        if (pool)
            vol = virStorageVolLookupByName(pool, d->volume);
        if (!vol) {
            /* Gone or the pool is down: it cannot be copied. */
            g_free(d->pool);
            d->pool = g_strdup("");
        }
    } else if ((d->kind == NV_DISK_KIND_FILE || d->kind == NV_DISK_KIND_BLOCK) && *d->path) {
        vol = virStorageVolLookupByPath(vconn, d->path);
    }
    if (vol)
        fill_volume(vol, d);
    virResetLastError();
}

static gboolean load_names(virConnectPtr vconn, NvClonePlan *plan, GError **err)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(vconn, &doms, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list domains"));
        return FALSE;
    }
    for (int i = 0; i < n; i++) {
        const char *name = virDomainGetName(doms[i]);
        if (name)
            g_hash_table_add(plan->domain_names, g_strdup(name));
        virDomainFree(doms[i]);
    }
    free(doms);
    g_autoptr(GHashTable) pools = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < plan->disks->len; i++) {
        NvCloneDisk *d = plan->disks->pdata[i];
        if (!nv_clone_disk_clonable(d) || g_hash_table_contains(pools, d->pool))
            continue;
        g_hash_table_add(pools, d->pool);
        virStoragePoolPtr pool = virStoragePoolLookupByName(vconn, d->pool);
        virStorageVolPtr *vols = NULL;
        int nv = pool ? virStoragePoolListAllVolumes(pool, &vols, 0) : -1;
        if (nv < 0) {
            nv_set_virt_error(err, _("cannot list the volumes of pool '%s'"), d->pool);
            if (pool)
                virStoragePoolFree(pool);
            return FALSE;
        }
        for (int j = 0; j < nv; j++) {
            g_hash_table_add(plan->volume_names,
                             g_strdup_printf("%s/%s", d->pool, virStorageVolGetName(vols[j])));
            virStorageVolFree(vols[j]);
        }
        free(vols);
        virStoragePoolFree(pool);
    }
    return TRUE;
}

/* The request is the domain's UUID. */
static gpointer load_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *uuid = data;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), uuid);
        return NULL;
    }
    /* Read before the calls below: each libvirt call clears the thread's last error. */
    g_autofree char *dname = g_strdup(virDomainGetName(dom));
    /* SECURE keeps passwords (VNC) in the copy; a read-only connection may not ask. */
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE);
    if (!xml)
        xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the definition of '%s'"), dname);
        return NULL;
    }
    virResetLastError();
    g_autoptr(NvClonePlan) plan = nv_clone_plan_from_xml(xml, err);
    free(xml);
    int state = 0, reason = 0;
    /* Unknown means not safe to copy: check_source refuses anything but shut off or paused. */
    if (plan)
        plan->source_state = NV_DOMAIN_NOSTATE;
    if (plan && virDomainGetState(dom, &state, &reason, 0) == 0 && state >= 0 &&
        state < NV_DOMAIN_STATE_COUNT)
        plan->source_state = state;
    if (!plan)
        return NULL;
    g_free(plan->source_uuid);
    plan->source_uuid = g_strdup(uuid);
    for (guint i = 0; i < plan->disks->len; i++)
        locate_disk(vconn, plan->disks->pdata[i]);
    nv_clone_plan_reset_choices(plan);
    if (!load_names(vconn, plan, err))
        return NULL;
    return g_steal_pointer(&plan);
}

void nv_clone_plan_load_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                              GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_clone_plan_load_async, uuid, load_work,
                       (GDestroyNotify)nv_clone_plan_free, done, data, data_free);
}

NvClonePlan *nv_clone_plan_load_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_clone_plan_load_async, err);
}

/* ---- running: one job (conn-job-virt.h) per clone ---- */

typedef enum { TASK_WAITING, TASK_RUNNING, TASK_ENDED } TaskState;

typedef struct {
    NvCloneRun *run;
    guint index;
    TaskState state; /* main thread */
    NvJob *job;      /* while running */
    gint cancelled;  /* atomic: the job's thread checks it between volumes */
    GMutex lock;     /* the fields below: written by the job's thread, read by the poll */
    char *copy_pool; /* the volume being written, NULL between copies */
    char *copy_volume;
    unsigned long long copy_expected; /* bytes the copy holds when done */
    unsigned long long done_bytes, total_bytes;
} Task;

struct NvCloneRun {
    NvConn *conn;
    NvClonePlan *plan;
    NvCloneCallbacks cb;
    gpointer data;
    Task *tasks;
    guint next, running, ended, defined;
};

const NvClonePlan *nv_clone_run_plan(const NvCloneRun *run)
{
    return run->plan;
}

static void run_free(NvCloneRun *run)
{
    for (guint i = 0; i < run->plan->targets->len; i++) {
        Task *t = &run->tasks[i];
        g_mutex_clear(&t->lock);
        g_free(t->copy_pool);
        g_free(t->copy_volume);
    }
    g_free(run->tasks);
    nv_clone_plan_free(run->plan);
    g_free(run);
}

/* The job's thread. */

static void set_copying(Task *t, const char *pool, const char *volume, unsigned long long expected)
{
    g_mutex_lock(&t->lock);
    g_free(t->copy_pool);
    g_free(t->copy_volume);
    t->copy_pool = g_strdup(pool);
    t->copy_volume = g_strdup(volume);
    if (!volume)
        t->done_bytes += t->copy_expected;
    t->copy_expected = expected;
    g_mutex_unlock(&t->lock);
}

static unsigned long long expected_bytes(const NvCloneDisk *d)
{
    return MAX(1ULL, d->allocation ? d->allocation : d->capacity);
}

/* Removes what this clone created; says what could not be removed. */
static void undo(GPtrArray *created, GString *note)
{
    guint removed = 0;
    for (guint i = created->len; i > 0; i--) {
        virStorageVolPtr vol = created->pdata[i - 1];
        g_autofree char *name = g_strdup(virStorageVolGetName(vol));
        if (virStorageVolDelete(vol, 0) == 0) {
            removed++;
        } else {
            virErrorPtr e = virGetLastError();
            g_string_append_printf(note, _("; could not remove volume '%s': %s"), name,
                                   e && e->message ? e->message : _("unknown libvirt error"));
        }
    }
    if (removed)
        g_string_append_printf(note,
                               ngettext("; removed the volume it had created",
                                        "; removed the %u volumes it had created", removed),
                               removed);
    virResetLastError();
}

static gboolean fail_task(GError **err, GError *e, GPtrArray *created)
{
    g_autoptr(GString) note = g_string_new(e->message);
    undo(created, note);
    g_free(e->message);
    e->message = g_strdup(note->str);
    g_propagate_error(err, e);
    return FALSE;
}

static gboolean stop_if_cancelled(Task *t, const char *name, GPtrArray *created, GError **err)
{
    if (!g_atomic_int_get(&t->cancelled))
        return FALSE;
    fail_task(err, g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED, _("'%s' was not created"), name),
              created);
    return TRUE;
}

static virStorageVolPtr copy_volume(virConnectPtr vconn, Task *t, const NvCloneDisk *d,
                                    const char *name, GError **err)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(vconn, d->pool);
    g_autoptr(virStorageVol) src = pool ? virStorageVolLookupByName(pool, d->volume) : NULL;
    virStorageVolPtr vol = NULL;
    if (src) {
        g_autofree char *xml = nv_clone_volume_xml(d, name);
        set_copying(t, d->pool, name, expected_bytes(d));
        vol = virStorageVolCreateXMLFrom(pool, xml, src, 0);
    }
    if (!vol)
        nv_set_virt_error(err, _("cannot copy volume '%s' to '%s' for '%s'"), d->volume, name,
                          ((NvCloneTarget *)t->run->plan->targets->pdata[t->index])->name);
    set_copying(t, NULL, NULL, 0);
    return vol;
}

/* Copies the volumes, then defines the clone; on a failure or a cancel, removes the volumes
 * it made, so nothing half-made is left behind. */
static gboolean clone_one(virConnectPtr vconn, virDomainPtr unused, gpointer data, GError **err)
{
    Task *t = data;
    const NvClonePlan *plan = t->run->plan;
    const NvCloneTarget *target = plan->targets->pdata[t->index];
    g_autoptr(GPtrArray) created =
        g_ptr_array_new_with_free_func((GDestroyNotify)(void (*)(void))virStorageVolFree);
    g_autoptr(GHashTable) paths = g_hash_table_new_full(g_str_hash, g_str_equal, NULL, free);
    for (guint i = 0; i < plan->disks->len; i++) {
        const NvCloneDisk *d = plan->disks->pdata[i];
        if (!d->clone || !nv_clone_disk_clonable(d))
            continue;
        if (stop_if_cancelled(t, target->name, created, err))
            return FALSE;
        GError *e = NULL;
        virStorageVolPtr vol = copy_volume(vconn, t, d, target->volumes->pdata[i], &e);
        if (!vol)
            return fail_task(err, e, created);
        g_ptr_array_add(created, vol);
        /* Without its path the definition would name the bare volume, not the copy. */
        char *path = virStorageVolGetPath(vol);
        if (!path) {
            nv_set_virt_error(&e, _("cannot read the path of volume '%s' for '%s'"),
                              (const char *)target->volumes->pdata[i], target->name);
            return fail_task(err, e, created);
        }
        g_hash_table_insert(paths, d->target, path);
    }
    if (stop_if_cancelled(t, target->name, created, err))
        return FALSE;
    GError *e = NULL;
    g_autofree char *xml = nv_clone_domain_xml(plan, t->index, paths, &e);
    g_autoptr(virDomain) dom = xml ? virDomainDefineXML(vconn, xml) : NULL;
    if (!dom) {
        if (!e)
            nv_set_virt_error(&e, _("cannot define '%s'"), target->name);
        return fail_task(err, e, created);
    }
    return TRUE;
}

/* The worker: how far the copies are. A volume being written shows its allocation so far. */
static gboolean clone_poll(virConnectPtr vconn, virDomainPtr unused, gpointer data,
                           double *fraction, char **detail)
{
    Task *t = data;
    g_mutex_lock(&t->lock);
    g_autofree char *pool_name = g_strdup(t->copy_pool);
    g_autofree char *vol_name = g_strdup(t->copy_volume);
    unsigned long long done = t->done_bytes, expected = t->copy_expected;
    unsigned long long total = t->total_bytes;
    g_mutex_unlock(&t->lock);
    if (total == 0)
        return FALSE;
    if (vol_name) {
        g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(vconn, pool_name);
        g_autoptr(virStorageVol) vol = pool ? virStorageVolLookupByName(pool, vol_name) : NULL;
        virStorageVolInfo info;
        /* Not visible yet right after the copy starts: count it as empty. */
        if (vol && virStorageVolGetInfo(vol, &info) == 0)
            done += MIN(info.allocation, expected);
        virResetLastError();
        g_autofree char *have = nv_format_bytes(MIN(done, total));
        g_autofree char *all = nv_format_bytes(total);
        *detail = g_strdup_printf(_("%s · %s of %s"), vol_name, have, all);
    } else {
        *detail = g_strdup(done >= total ? _("defining") : _("starting"));
    }
    *fraction = CLAMP((double)done / (double)total, 0.0, 1.0);
    return TRUE;
}

/* The worker, on nv_job_cancel: the copy in progress cannot be aborted, so the thread stops
 * after it. */
static gboolean clone_abort(virConnectPtr vconn, virDomainPtr unused, gpointer data, GError **err)
{
    Task *t = data;
    g_atomic_int_set(&t->cancelled, TRUE);
    return TRUE;
}

/* The main thread. */

static void start_more(NvCloneRun *run);

static void end_run_if_done(NvCloneRun *run)
{
    if (run->ended < run->plan->targets->len)
        return;
    if (run->cb.done)
        run->cb.done(run, run->defined, run->data);
    run_free(run);
}

static void task_ended(NvCloneRun *run, Task *t, const GError *err)
{
    gboolean was_running = t->state == TASK_RUNNING;
    t->state = TASK_ENDED;
    g_clear_pointer(&t->job, nv_job_unref);
    if (was_running)
        run->running--;
    run->ended++;
    if (!err)
        run->defined++;
    if (run->cb.finished)
        run->cb.finished(run, t->index, err, run->data);
    start_more(run);
    end_run_if_done(run);
}

static void job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Task *t = data;
    if (t->run->cb.progress && t->state == TASK_RUNNING)
        t->run->cb.progress(t->run, t->index, fraction, detail, t->run->data);
}

static void job_done(NvJob *job, const GError *err, gpointer data)
{
    Task *t = data;
    task_ended(t->run, t, err);
}

static void start_more(NvCloneRun *run)
{
    guint n = run->plan->targets->len;
    while (run->running < NV_CLONE_PARALLEL && run->next < n) {
        Task *t = &run->tasks[run->next++];
        const NvCloneTarget *target = run->plan->targets->pdata[t->index];
        if (g_atomic_int_get(&t->cancelled)) {
            g_autoptr(GError) e = g_error_new(G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                              _("cancelled: '%s' was not created"), target->name);
            task_ended(run, t, e);
            return; /* task_ended started the rest */
        }
        t->state = TASK_RUNNING;
        run->running++;
        g_autofree char *label = g_strdup_printf(_("clone %s"), target->name);
        NvJobSpec spec = {
            .label = label,
            .run = clone_one,
            .poll = clone_poll,
            .abort = clone_abort,
            .cancellable = TRUE,
            .progress = job_progress,
            .done = job_done,
            .data = t,
        };
        /* job_done may run before nv_job_start returns (no connection): keep our own ref. */
        NvJob *job = nv_job_start(run->conn, &spec);
        if (t->state == TASK_RUNNING)
            t->job = job;
        else
            nv_job_unref(job);
    }
}

NvCloneRun *nv_clone_run_start(NvConn *conn, NvClonePlan *plan, const NvCloneCallbacks *cb,
                               gpointer data)
{
    NvCloneRun *run = g_new0(NvCloneRun, 1);
    run->conn = conn;
    run->plan = plan;
    run->cb = *cb;
    run->data = data;
    guint n = plan->targets->len;
    run->tasks = g_new0(Task, MAX(1u, n));
    for (guint i = 0; i < n; i++) {
        Task *t = &run->tasks[i];
        t->run = run;
        t->index = i;
        g_mutex_init(&t->lock);
        for (guint d = 0; d < plan->disks->len; d++) {
            const NvCloneDisk *disk = plan->disks->pdata[d];
            if (disk->clone && nv_clone_disk_clonable(disk))
                t->total_bytes += expected_bytes(disk);
        }
    }
    if (n == 0) {
        end_run_if_done(run);
        return NULL;
    }
    start_more(run);
    return run;
}

void nv_clone_run_cancel(NvCloneRun *run, guint target)
{
    if (target >= run->plan->targets->len)
        return;
    Task *t = &run->tasks[target];
    g_atomic_int_set(&t->cancelled, TRUE);
    if (t->job)
        nv_job_cancel(t->job);
}
