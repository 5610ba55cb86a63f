/* Migration between two connected hosts. The summary and the flags are pure; the check reads
 * the domain on the source's worker and asks the destination on its own (calls to one host
 * stay ordered, a slow host holds up nothing else); the migration itself is a job: one
 * blocking virDomainMigrate3 on a thread of its own, polled for progress. */
#include "domain-migrate.h"

#include <string.h>

#include <libvirt/libvirt.h>
#include <libxml/tree.h>

#include "conn-job-virt.h"
#include "conn-virt.h"
#include "domain-stats.h"
#include "error.h"
#include "i18n.h"
#include "text.h"
#include "virt-util.h"
#include "xml-devices.h"
#include "xml-tree.h"

void nv_migrate_spec_clear(NvMigrateSpec *spec)
{
    g_clear_pointer(&spec->address, g_free);
}

unsigned long nv_migrate_flags(const NvMigrateSpec *spec, gboolean running)
{
    unsigned long flags = VIR_MIGRATE_ABORT_ON_ERROR;
    if (!running || !spec->live) {
        /* Only the definition moves; libvirt requires keeping it at the destination. */
        return VIR_MIGRATE_OFFLINE | VIR_MIGRATE_PERSIST_DEST |
               (spec->undefine_source ? VIR_MIGRATE_UNDEFINE_SOURCE : 0);
    }
    flags |= VIR_MIGRATE_LIVE;
    if (spec->persistent)
        flags |= VIR_MIGRATE_PERSIST_DEST;
    if (spec->undefine_source)
        flags |= VIR_MIGRATE_UNDEFINE_SOURCE;
    if (spec->storage == NV_MIGRATE_STORAGE_ALL)
        flags |= VIR_MIGRATE_NON_SHARED_DISK;
    else if (spec->storage == NV_MIGRATE_STORAGE_INC)
        flags |= VIR_MIGRATE_NON_SHARED_INC;
    if (spec->auto_converge)
        flags |= VIR_MIGRATE_AUTO_CONVERGE;
    if (spec->postcopy)
        flags |= VIR_MIGRATE_POSTCOPY;
    if (spec->compressed)
        flags |= VIR_MIGRATE_COMPRESSED;
    return flags;
}

gboolean nv_migrate_spec_check(const NvMigrateSpec *spec, gboolean running, GError **err)
{
    gboolean offline = !running || !spec->live;
    if (offline && !spec->persistent)
        return nv_error_invalid(err, _("an offline migration moves only the definition: keep it "
                                       "at the destination")),
               FALSE;
    if (offline && spec->storage != NV_MIGRATE_STORAGE_SHARED)
        return nv_error_invalid(err, _("storage is copied only by a live migration of a running "
                                       "domain")),
               FALSE;
    if (offline && (spec->postcopy || spec->auto_converge || spec->compressed))
        return nv_error_invalid(err, _("post-copy, auto-converge and compression apply to a live "
                                       "migration only")),
               FALSE;
    if (spec->address && *spec->address && strpbrk(spec->address, "/ \t\n?#@"))
        return nv_error_invalid(err, _("the migration address must be a host name or an IP "
                                       "address")),
               FALSE;
    return TRUE;
}

GPtrArray *nv_migrate_summary(const NvMigrateSpec *spec, const char *name, gboolean running,
                              const char *from, const char *to)
{
    GPtrArray *lines = g_ptr_array_new_with_free_func(g_free);
    gboolean live = running && spec->live;
    g_ptr_array_add(
        lines, live ? g_strdup_printf(_("move '%s' from %s to %s while it runs"), name, from, to)
                    : g_strdup_printf(_("move the definition of '%s' from %s to %s "
                                        "(offline)"),
                                      name, from, to));
    if (live || spec->persistent)
        g_ptr_array_add(lines, g_strdup(spec->persistent || !live
                                            ? _("keep it defined at the destination")
                                            : _("not defined at the destination: it is gone "
                                                "there once it stops")));
    else
        g_ptr_array_add(lines, g_strdup(_("not defined at the destination")));
    g_ptr_array_add(lines, g_strdup(spec->undefine_source ? _("remove its definition at the source")
                                                          : _("keep its definition at the source "
                                                              "(shut off there)")));
    if (live) {
        static const char *const storage[] = {
            [NV_MIGRATE_STORAGE_SHARED] = N_("disks stay where they are (shared storage)"),
            [NV_MIGRATE_STORAGE_ALL] = N_("copy every disk to the destination"),
            [NV_MIGRATE_STORAGE_INC] = N_("copy the top disk images; backing files are shared"),
        };
        g_ptr_array_add(lines, g_strdup(_(storage[spec->storage])));
        if (spec->bandwidth_mib)
            g_ptr_array_add(lines, g_strdup_printf(_("at most %" G_GUINT64_FORMAT " MiB/s"),
                                                   spec->bandwidth_mib));
        if (spec->max_downtime_ms)
            g_ptr_array_add(lines, g_strdup_printf(_("pause the guest at most %" G_GUINT64_FORMAT
                                                     " ms at the switch"),
                                                   spec->max_downtime_ms));
        if (spec->auto_converge)
            g_ptr_array_add(lines, g_strdup(_("slow the guest down if it never converges")));
        if (spec->postcopy)
            g_ptr_array_add(lines, g_strdup(_("post-copy allowed (P switches while it runs)")));
        if (spec->compressed)
            g_ptr_array_add(lines, g_strdup(_("compress the memory stream")));
        if (spec->address && *spec->address)
            g_ptr_array_add(lines, g_strdup_printf(_("migration stream to %s"), spec->address));
    }
    return lines;
}

/* ---- the check ---- */

void nv_migrate_check_free(NvMigrateCheck *c)
{
    if (!c)
        return;
    g_ptr_array_unref(c->items);
    g_free(c);
}

static void check_item_free(NvCheckItem *i)
{
    g_free(i->text);
    g_free(i);
}

static void add_item(NvMigrateCheck *c, NvCheckLevel level, char *text)
{
    NvCheckItem *i = g_new0(NvCheckItem, 1);
    i->level = level;
    i->text = text;
    g_ptr_array_add(c->items, i);
    if (level == NV_CHECK_BLOCKER)
        c->blockers++;
}

/* What the destination is asked about, read at the source. */
typedef struct {
    char *name;
    char *uuid;
    gboolean running;
    guint64 memory_kib;
    char *arch, *machine, *virt_type;
    char *cpu_mode; /* custom, host-model, host-passthrough, maximum; "" when none */
    char *cpu_xml;  /* the <cpu> element, for a custom CPU */
    GPtrArray *networks, *bridges;
    GPtrArray *disk_targets, *disk_paths, *disk_pools; /* per copyable disk */
    guint64 disk_bytes;                                /* capacity of the copyable disks */
    char *host_uuid;
    char *host_name;
} Source;

static void source_free(Source *s)
{
    if (!s)
        return;
    g_free(s->name);
    g_free(s->uuid);
    g_free(s->arch);
    g_free(s->machine);
    g_free(s->virt_type);
    g_free(s->cpu_mode);
    g_free(s->cpu_xml);
    g_ptr_array_unref(s->networks);
    g_ptr_array_unref(s->bridges);
    g_ptr_array_unref(s->disk_targets);
    g_ptr_array_unref(s->disk_paths);
    g_ptr_array_unref(s->disk_pools);
    g_free(s->host_uuid);
    g_free(s->host_name);
    g_free(s);
}

typedef struct {
    char *uuid;
    NvMigrateSpec spec;
    Source *source;
    NvAsyncResult *res; /* the caller's answer */
    NvConn *to;
    char *from_uri;
} CheckReq;

static void check_req_free(CheckReq *r)
{
    g_free(r->uuid);
    g_free(r->from_uri);
    nv_migrate_spec_clear(&r->spec);
    source_free(r->source);
    g_free(r);
}

static char *host_uuid_of(virConnectPtr c)
{
    g_autofree char *caps = virConnectGetCapabilities(c);
    g_autoptr(xmlDoc) doc = caps ? nv_xml_parse(caps, NV_XML_PARSE_DEFAULT, "caps", NULL) : NULL;
    if (!doc)
        return g_strdup("");
    xmlNode *host = nv_xml_child_element(xmlDocGetRootElement(doc), "host");
    xmlNode *uuid = host ? nv_xml_child_element(host, "uuid") : NULL;
    char *text = uuid ? nv_xml_node_text_stripped(uuid) : NULL;
    return text ? text : g_strdup("");
}

static void read_interfaces(xmlNode *devices, Source *s)
{
    for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next) {
        if (!nv_xml_is_element(n, "interface"))
            continue;
        xmlNode *src = nv_xml_child_element(n, "source");
        if (nv_xml_attr_is(n, "type", "network"))
            g_ptr_array_add(s->networks, nv_xml_node_attr(src, "network"));
        else if (nv_xml_attr_is(n, "type", "bridge"))
            g_ptr_array_add(s->bridges, nv_xml_node_attr(src, "bridge"));
    }
}

/* Disks that are storage volumes and writable: where they are, in which pool, how big. */
static void read_disks(virConnectPtr c, xmlNode *devices, Source *s)
{
    for (xmlNode *n = devices ? devices->children : NULL; n; n = n->next) {
        if (!nv_xml_is_element(n, "disk") || nv_xml_child_element(n, "readonly") ||
            nv_xml_child_element(n, "shareable"))
            continue;
        NvDiskSource src;
        nv_disk_source_read(n, &src);
        g_autoptr(virStorageVol) vol = NULL;
        if (src.kind == NV_DISK_KIND_FILE || src.kind == NV_DISK_KIND_BLOCK)
            vol = virStorageVolLookupByPath(c, src.path);
        else if (src.kind == NV_DISK_KIND_VOLUME) {
            g_autoptr(virStoragePool) p = virStoragePoolLookupByName(c, src.pool);
            vol = p ? virStorageVolLookupByName(p, src.volume) : NULL;
        }
        if (nv_disk_kind_is_storage(src.kind)) {
            g_autoptr(virStoragePool) pool = vol ? virStoragePoolLookupByVolume(vol) : NULL;
            virStorageVolInfo info;
            if (vol && virStorageVolGetInfo(vol, &info) == 0)
                s->disk_bytes += info.capacity;
            char *path = vol ? virStorageVolGetPath(vol) : NULL;
            g_ptr_array_add(s->disk_targets,
                            nv_xml_node_attr(nv_xml_child_element(n, "target"), "dev"));
            g_ptr_array_add(s->disk_paths, g_strdup(path ? path : src.path));
            g_ptr_array_add(s->disk_pools, g_strdup(pool ? virStoragePoolGetName(pool) : ""));
            free(path);
        }
        nv_disk_source_clear(&src);
    }
    virResetLastError();
}

static gpointer gather_work(virConnectPtr c, gpointer req, GError **err)
{
    CheckReq *r = req;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(c, r->uuid);
    g_autofree char *xml = dom ? virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_MIGRATABLE) : NULL;
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the domain"));
        return NULL;
    }
    g_autoptr(xmlDoc) doc =
        nv_xml_parse_root(xml, "domain", NV_XML_PARSE_DEFAULT, _("cannot read domain XML"), err);
    if (!doc)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    Source *s = g_new0(Source, 1);
    s->name = g_strdup(virDomainGetName(dom));
    s->uuid = g_strdup(r->uuid);
    int state = VIR_DOMAIN_NOSTATE;
    virDomainGetState(dom, &state, NULL, 0);
    s->running = state == VIR_DOMAIN_RUNNING || state == VIR_DOMAIN_PAUSED;
    s->memory_kib = virDomainGetMaxMemory(dom);
    xmlNode *os_type = nv_xml_child_element(nv_xml_child_element(root, "os"), "type");
    s->arch = nv_xml_node_attr(os_type, "arch");
    s->machine = nv_xml_node_attr(os_type, "machine");
    s->virt_type = nv_xml_node_attr(root, "type");
    xmlNode *cpu = nv_xml_child_element(root, "cpu");
    s->cpu_mode = cpu ? nv_xml_node_attr(cpu, "mode") : g_strdup("");
    if (cpu && !*s->cpu_mode) {
        g_free(s->cpu_mode);
        s->cpu_mode = g_strdup("custom"); /* libvirt's default mode */
    }
    if (cpu) {
        g_autoptr(xmlBuffer) buf = xmlBufferCreate();
        xmlNodeDump(buf, doc, cpu, 0, 0);
        s->cpu_xml = g_strdup((const char *)xmlBufferContent(buf));
    } else {
        s->cpu_xml = g_strdup("");
    }
    s->networks = g_ptr_array_new_with_free_func(g_free);
    s->bridges = g_ptr_array_new_with_free_func(g_free);
    s->disk_targets = g_ptr_array_new_with_free_func(g_free);
    s->disk_paths = g_ptr_array_new_with_free_func(g_free);
    s->disk_pools = g_ptr_array_new_with_free_func(g_free);
    xmlNode *devices = nv_xml_child_element(root, "devices");
    read_interfaces(devices, s);
    read_disks(c, devices, s);
    s->host_uuid = host_uuid_of(c);
    char *hn = virConnectGetHostname(c);
    s->host_name = g_strdup(hn ? hn : "");
    free(hn);
    virResetLastError();
    return s;
}

static void check_cpu(virConnectPtr d, const Source *s, NvMigrateCheck *c)
{
    if (!*s->cpu_mode || strcmp(s->cpu_mode, "host-model") == 0) {
        add_item(c, NV_CHECK_OK,
                 g_strdup(_("CPU: the hypervisor's model, chosen again at the destination")));
        return;
    }
    if (strcmp(s->cpu_mode, "host-passthrough") == 0 || strcmp(s->cpu_mode, "maximum") == 0) {
        add_item(c, NV_CHECK_WARNING,
                 g_strdup_printf(_("CPU: %s copies the source's CPU; the destination's must be "
                                   "the same model (not comparable beforehand)"),
                                 s->cpu_mode));
        return;
    }
    int r = virConnectCompareHypervisorCPU(d, NULL, *s->arch ? s->arch : NULL,
                                           *s->machine ? s->machine : NULL,
                                           *s->virt_type ? s->virt_type : NULL, s->cpu_xml, 0);
    if (r == VIR_CPU_COMPARE_INCOMPATIBLE)
        add_item(c, NV_CHECK_BLOCKER,
                 g_strdup(_("CPU: the destination cannot run the guest's CPU model")));
    else if (r == VIR_CPU_COMPARE_ERROR) {
        const char *why = virGetLastErrorMessage();
        add_item(c, NV_CHECK_WARNING, g_strdup_printf(_("CPU: cannot compare: %s"), why));
    } else
        add_item(c, NV_CHECK_OK, g_strdup(_("CPU: the destination can run it")));
}

static void check_networks(virConnectPtr d, const Source *s, const char *to, NvMigrateCheck *c)
{
    for (guint i = 0; i < s->networks->len; i++) {
        const char *name = s->networks->pdata[i];
        g_autoptr(virNetwork) net = virNetworkLookupByName(d, name);
        if (!net)
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("network '%s' does not exist on %s"), name, to));
        else if (virNetworkIsActive(net) != 1)
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("network '%s' is not active on %s"), name, to));
        else
            add_item(c, NV_CHECK_OK, g_strdup_printf(_("network '%s' is active there"), name));
    }
    for (guint i = 0; i < s->bridges->len; i++) {
        const char *name = s->bridges->pdata[i];
        g_autoptr(virInterface) br = virInterfaceLookupByName(d, name);
        if (!br)
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("bridge '%s' does not exist on %s"), name, to));
        else if (virInterfaceIsActive(br) != 1)
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("bridge '%s' is not up on %s"), name, to));
        else
            add_item(c, NV_CHECK_OK, g_strdup_printf(_("bridge '%s' is up there"), name));
    }
}

/* Shared storage: each disk must be where the destination sees it. Copied: its pool must be
 * there, active, with room for every copy. */
static void check_disks(virConnectPtr d, const Source *s, const NvMigrateSpec *spec, const char *to,
                        NvMigrateCheck *c)
{
    gboolean copy = spec->live && s->running && spec->storage != NV_MIGRATE_STORAGE_SHARED;
    g_autoptr(GHashTable) pools = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < s->disk_paths->len; i++) {
        const char *target = s->disk_targets->pdata[i], *path = s->disk_paths->pdata[i];
        const char *pool = s->disk_pools->pdata[i];
        if (!copy) {
            g_autoptr(virStorageVol) vol = virStorageVolLookupByPath(d, path);
            if (vol)
                add_item(c, NV_CHECK_OK,
                         g_strdup_printf(_("disk %s: %s is on %s too"), target, path, to));
            else
                add_item(c, spec->live && s->running ? NV_CHECK_BLOCKER : NV_CHECK_WARNING,
                         g_strdup_printf(_("disk %s: %s is not a volume on %s (copy the "
                                           "storage, or share it)"),
                                         target, path, to));
            continue;
        }
        if (!*pool) {
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("disk %s: %s is in no storage pool here, so no pool "
                                       "at %s can take its copy"),
                                     target, path, to));
            continue;
        }
        g_hash_table_add(pools, (gpointer)pool);
    }
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, pools);
    while (g_hash_table_iter_next(&it, &key, NULL)) {
        const char *name = key;
        g_autoptr(virStoragePool) p = virStoragePoolLookupByName(d, name);
        virStoragePoolInfo info;
        if (!p || virStoragePoolGetInfo(p, &info) < 0) {
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("pool '%s' does not exist on %s"), name, to));
        } else if (info.state != VIR_STORAGE_POOL_RUNNING) {
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("pool '%s' is not active on %s"), name, to));
        } else if (info.available < s->disk_bytes) {
            g_autofree char *need = nv_format_bytes(s->disk_bytes);
            g_autofree char *have = nv_format_bytes(info.available);
            add_item(c, NV_CHECK_BLOCKER,
                     g_strdup_printf(_("pool '%s' on %s has %s free; the copies need %s"), name, to,
                                     have, need));
        } else {
            add_item(
                c, NV_CHECK_OK,
                g_strdup_printf(_("pool '%s' is active there with room for the copies"), name));
        }
    }
}

static void check_identity(virConnectPtr d, const CheckReq *r, const char *to, NvMigrateCheck *c)
{
    const Source *s = r->source;
    g_autofree char *host_uuid = host_uuid_of(d);
    if (*host_uuid && strcmp(host_uuid, s->host_uuid) == 0)
        add_item(
            c, NV_CHECK_BLOCKER,
            g_strdup_printf(_("%s is the same host as the source (host UUID %s)"), to, host_uuid));
    else if (strcmp(nv_conn_uri(r->to), r->from_uri) == 0)
        add_item(c, NV_CHECK_BLOCKER,
                 g_strdup_printf(_("%s is the same connection as the source"), to));
    g_autoptr(virDomain) by_name = virDomainLookupByName(d, s->name);
    g_autoptr(virDomain) by_uuid = virDomainLookupByUUIDString(d, s->uuid);
    if (by_name)
        add_item(c, NV_CHECK_BLOCKER,
                 g_strdup_printf(_("a domain named '%s' exists on %s already"), s->name, to));
    else if (by_uuid)
        add_item(c, NV_CHECK_BLOCKER,
                 g_strdup_printf(_("a domain with UUID %s exists on %s already"), s->uuid, to));
    else
        add_item(c, NV_CHECK_OK, g_strdup_printf(_("no domain '%s' on %s yet"), s->name, to));
    virResetLastError();
}

static void check_memory(virConnectPtr d, const Source *s, const char *to, NvMigrateCheck *c)
{
    unsigned long long free_bytes = virNodeGetFreeMemory(d);
    g_autofree char *need = nv_format_kib(s->memory_kib);
    if (free_bytes == 0) {
        add_item(c, NV_CHECK_WARNING,
                 g_strdup_printf(_("cannot read %s's free memory; the guest needs %s"), to, need));
        return;
    }
    g_autofree char *have = nv_format_bytes(free_bytes);
    if (free_bytes / 1024 < s->memory_kib)
        add_item(
            c, NV_CHECK_BLOCKER,
            g_strdup_printf(_("%s has %s of free memory; the guest needs %s"), to, have, need));
    else
        add_item(c, NV_CHECK_OK,
                 g_strdup_printf(_("memory: %s free there, the guest needs %s"), have, need));
}

static gpointer evaluate_work(virConnectPtr d, gpointer req, GError **err)
{
    CheckReq *r = req;
    const Source *s = r->source;
    NvMigrateCheck *c = g_new0(NvMigrateCheck, 1);
    c->items = g_ptr_array_new_with_free_func((GDestroyNotify)check_item_free);
    g_autofree char *to = g_strdup(nv_conn_name(r->to));
    gboolean live = r->spec.live && s->running;
    if (r->spec.live && !s->running)
        add_item(
            c, NV_CHECK_BLOCKER,
            g_strdup_printf(_("'%s' is not running: only an offline migration moves it"), s->name));
    check_identity(d, r, to, c);
    if (live) {
        check_cpu(d, s, c);
        check_memory(d, s, to, c);
    }
    check_networks(d, s, to, c);
    check_disks(d, s, &r->spec, to, c);
    virResetLastError();
    return c;
}

static void on_evaluated(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    CheckReq *r = data;
    GError *err = NULL;
    gpointer c = nv_async_result_take(res, evaluate_work, &err);
    nv_async_result_set(r->res, c, err);
    nv_async_result_deliver(r->res, conn);
}

static void on_gathered(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    CheckReq *r = data;
    GError *err = NULL;
    r->source = nv_async_result_take(res, gather_work, &err);
    if (!r->source) {
        nv_async_result_set(r->res, NULL, err);
        nv_async_result_deliver(r->res, conn);
        check_req_free(r);
        return;
    }
    NvAsyncSpec spec = {
        .tag = evaluate_work, .req = r, .value_free = (GDestroyNotify)nv_migrate_check_free};
    nv_conn_async(r->to, &spec, evaluate_work, on_evaluated, r, (GDestroyNotify)check_req_free);
}

void nv_migrate_check_async(NvConn *from, NvConn *to, const char *uuid, const NvMigrateSpec *spec,
                            NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    static const NvAsyncSpec outer = {.tag = nv_migrate_check_async,
                                      .value_free = (GDestroyNotify)nv_migrate_check_free};
    CheckReq *r = g_new0(CheckReq, 1);
    r->uuid = g_strdup(uuid);
    r->spec = *spec;
    r->spec.address = g_strdup(spec->address);
    r->to = to;
    r->from_uri = g_strdup(nv_conn_uri(from));
    r->res = nv_async_result_new(&outer, done, data, data_free);
    NvAsyncSpec inner = {.tag = gather_work, .req = r, .value_free = (GDestroyNotify)source_free};
    nv_conn_async(from, &inner, gather_work, on_gathered, r, NULL);
}

NvMigrateCheck *nv_migrate_check_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_migrate_check_async, err);
}

/* ---- the migration ---- */

typedef struct {
    char *to_uri;
    NvMigrateSpec spec;
    gboolean running;
    char *name;
    char *completed; /* the finished job's statistics, set by the job's thread */
    /* The caller's: */
    NvJobProgressFunc progress;
    NvJobDoneFunc done;
    gpointer data;
} MigrateCtx;

static void migrate_ctx_free(MigrateCtx *m)
{
    g_free(m->to_uri);
    g_free(m->name);
    g_free(m->completed);
    nv_migrate_spec_clear(&m->spec);
    g_free(m);
}

static gboolean param_ull(virTypedParameterPtr p, int n, const char *name, unsigned long long *v)
{
    return virTypedParamsGetULLong(p, n, name, v) == 1;
}

/* The finished migration's statistics, kept by the destination: "done in 6.3 s, downtime
 * 120 ms, 81 MiB sent in 3 passes". NULL when it keeps none. */
static char *completed_stats(virDomainPtr moved)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    if (virDomainGetJobStats(moved, &type, &p, &n, VIR_DOMAIN_JOB_STATS_COMPLETED) < 0) {
        virResetLastError();
        return NULL;
    }
    unsigned long long elapsed = 0, downtime = 0, processed = 0, iter = 0;
    gboolean has_downtime = param_ull(p, n, VIR_DOMAIN_JOB_DOWNTIME, &downtime);
    param_ull(p, n, VIR_DOMAIN_JOB_TIME_ELAPSED, &elapsed);
    param_ull(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &processed);
    param_ull(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION, &iter);
    virTypedParamsFree(p, n);
    if (elapsed == 0)
        return NULL; /* an offline move: nothing was transferred */
    g_autofree char *sent = nv_format_bytes(processed);
    GString *s = g_string_new(NULL);
    g_string_append_printf(s, _("done in %.1f s"), (double)elapsed / 1000.0);
    if (has_downtime)
        g_string_append_printf(s, _(", downtime %llu ms"), downtime);
    if (processed)
        g_string_append_printf(s, _(", %s sent"), sent);
    if (iter)
        g_string_append_printf(s, _(" in %llu passes"), iter);
    return g_string_free(s, FALSE);
}

static gboolean run_migrate(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
{
    MigrateCtx *m = data;
    /* As every connection of the TUI opens: credentials are asked in dialogs, ssh never
     * reads the terminal curses owns. */
    g_autoptr(GError) open_err = NULL;
    virConnectPtr dconn = nv_virt_open_auth(m->to_uri, FALSE, &open_err);
    if (!dconn) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot connect to the destination %s: %s"),
                    m->to_uri, open_err ? open_err->message : "?");
        return FALSE;
    }
    virTypedParameterPtr params = NULL;
    int n = 0, max = 0;
    if (m->spec.bandwidth_mib)
        virTypedParamsAddULLong(&params, &n, &max, VIR_MIGRATE_PARAM_BANDWIDTH,
                                m->spec.bandwidth_mib);
    if (m->spec.address && *m->spec.address) {
        /* The stream goes to this address and the destination listens on it alone. */
        g_autofree char *uri = strchr(m->spec.address, ':')
                                   ? g_strdup_printf("tcp://[%s]", m->spec.address)
                                   : g_strdup_printf("tcp://%s", m->spec.address);
        virTypedParamsAddString(&params, &n, &max, VIR_MIGRATE_PARAM_URI, uri);
        virTypedParamsAddString(&params, &n, &max, VIR_MIGRATE_PARAM_LISTEN_ADDRESS,
                                m->spec.address);
        if (m->spec.storage != NV_MIGRATE_STORAGE_SHARED)
            virTypedParamsAddString(&params, &n, &max, VIR_MIGRATE_PARAM_DISKS_URI, uri);
    }
    if (m->running && m->spec.live && m->spec.max_downtime_ms)
        virDomainMigrateSetMaxDowntime(dom, m->spec.max_downtime_ms, 0); /* best effort */
    unsigned long flags = nv_migrate_flags(&m->spec, m->running);
    virDomainPtr moved = virDomainMigrate3(dom, dconn, params, (unsigned)n, (unsigned)flags);
    gboolean ok = moved != NULL;
    if (!ok)
        nv_set_virt_error(err, _("cannot migrate '%s'"), m->name);
    if (moved) {
        m->completed = completed_stats(moved);
        virDomainFree(moved);
    }
    virTypedParamsFree(params, n);
    virConnectClose(dconn);
    return ok;
}

char *nv_migrate_progress_text(const NvMigrateStats *st, double *fraction)
{
    if (st->total == 0) {
        /* Begin, Prepare and Finish: no memory is moving. */
        *fraction = -1;
        return g_strdup(_("waiting for the destination"));
    }
    /* Skipped (zero) pages count as done: processed alone never reaches the total. */
    *fraction =
        st->remaining <= st->total ? (double)(st->total - st->remaining) / (double)st->total : 0;
    g_autofree char *sent = nv_format_bytes(st->processed);
    g_autofree char *all = nv_format_bytes(st->total);
    g_autofree char *left = nv_format_bytes(st->remaining);
    g_autofree char *rate = nv_format_rate((double)st->bps);
    GString *d = g_string_new(NULL);
    g_string_append_printf(d, _("%s left of %s, %s sent"), left, all, sent);
    if (st->bps)
        g_string_append_printf(d, " · %s", rate);
    if (st->iteration)
        g_string_append_printf(d, _(" · pass %" G_GUINT64_FORMAT), st->iteration);
    if (st->dirty_rate)
        g_string_append_printf(d, _(" · dirty %" G_GUINT64_FORMAT " pages/s"), st->dirty_rate);
    if (st->downtime_ms)
        g_string_append_printf(d, _(" · downtime ~%" G_GUINT64_FORMAT " ms"), st->downtime_ms);
    if (st->bps && st->remaining)
        g_string_append_printf(d, _(" · %" G_GUINT64_FORMAT " s left"),
                               st->remaining / st->bps + 1);
    return g_string_free(d, FALSE);
}

static gboolean poll_migrate(virConnectPtr c, virDomainPtr dom, gpointer data, double *fraction,
                             char **detail)
{
    int type = 0, n = 0;
    virTypedParameterPtr p = NULL;
    if (virDomainGetJobStats(dom, &type, &p, &n, 0) < 0 || type == VIR_DOMAIN_JOB_NONE) {
        virTypedParamsFree(p, n);
        virResetLastError();
        return FALSE;
    }
    unsigned long long processed = 0, remaining = 0, total = 0, bps = 0, dirty = 0, iter = 0,
                       downtime = 0;
    param_ull(p, n, VIR_DOMAIN_JOB_DATA_PROCESSED, &processed);
    param_ull(p, n, VIR_DOMAIN_JOB_DATA_REMAINING, &remaining);
    param_ull(p, n, VIR_DOMAIN_JOB_DATA_TOTAL, &total);
    param_ull(p, n, VIR_DOMAIN_JOB_MEMORY_BPS, &bps);
    param_ull(p, n, VIR_DOMAIN_JOB_MEMORY_DIRTY_RATE, &dirty);
    param_ull(p, n, VIR_DOMAIN_JOB_MEMORY_ITERATION, &iter);
    param_ull(p, n, VIR_DOMAIN_JOB_DOWNTIME, &downtime);
    virTypedParamsFree(p, n);
    NvMigrateStats st = {processed, remaining, total, bps, dirty, iter, downtime};
    *detail = nv_migrate_progress_text(&st, fraction);
    return TRUE;
}

static void on_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    MigrateCtx *m = data;
    if (m->progress)
        m->progress(job, fraction, detail, m->data);
}

static void on_done(NvJob *job, const GError *err, gpointer data)
{
    MigrateCtx *m = data;
    if (!err && m->completed && m->progress)
        m->progress(job, 1, m->completed, m->data);
    if (m->done)
        m->done(job, err, m->data);
}

static const NvDomain *find_domain(NvConn *conn, const char *uuid)
{
    const NvModel *model = nv_conn_model(conn);
    for (guint i = 0; model->domains && i < model->domains->len; i++) {
        const NvDomain *d = model->domains->pdata[i];
        if (strcmp(d->uuid, uuid) == 0)
            return d;
    }
    return NULL;
}

NvJob *nv_migrate_start(NvConn *from, NvConn *to, const char *uuid, const NvMigrateSpec *spec,
                        NvJobProgressFunc progress, NvJobDoneFunc done, gpointer data)
{
    MigrateCtx *m = g_new0(MigrateCtx, 1);
    m->to_uri = g_strdup(nv_conn_uri(to));
    m->spec = *spec;
    m->spec.address = g_strdup(spec->address);
    const NvDomain *d = find_domain(from, uuid);
    m->name = g_strdup(d ? d->name : uuid);
    m->running = d && (d->state == NV_DOMAIN_RUNNING || d->state == NV_DOMAIN_PAUSED);
    m->progress = progress;
    m->done = done;
    m->data = data;
    g_autofree char *label = g_strdup_printf(_("migrating %s to %s"), m->name, nv_conn_name(to));
    NvJobSpec js = {.label = label,
                    .uuid = uuid,
                    .run = run_migrate,
                    .poll = poll_migrate,
                    .cancellable = TRUE,
                    .progress = on_progress,
                    .done = on_done,
                    .data = m,
                    .data_free = (GDestroyNotify)migrate_ctx_free};
    return nv_job_start(from, &js);
}

/* ---- post-copy ---- */

static gpointer postcopy_work(virConnectPtr c, gpointer req, GError **err)
{
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(c, req);
    if (!dom || virDomainMigrateStartPostCopy(dom, 0) < 0) {
        nv_set_virt_error(err, _("cannot switch to post-copy"));
        return NULL;
    }
    return NV_ASYNC_OK;
}

void nv_migrate_postcopy_async(NvConn *from, const char *uuid, NvAsyncFunc done, gpointer data,
                               GDestroyNotify data_free)
{
    nv_conn_async_read(from, nv_migrate_postcopy_async, uuid, postcopy_work, NULL, done, data,
                       data_free);
}

gboolean nv_migrate_postcopy_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_migrate_postcopy_async, err);
}
