/* A domain's snapshots: listing them as a tree, creating, reverting and deleting, each call on
 * the connection's worker (or, when it takes long, as a job) so the UI never waits. The tree and
 * the XML in and out are pure functions, tested without libvirt. */
#include "domain-snapshot.h"

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
#include "xml-tree.h"

G_DEFINE_QUARK(nv - snapshot - error - quark, nv_snapshot_error)

void nv_snapshot_free(NvSnapshot *s)
{
    if (!s)
        return;
    g_free(s->name);
    g_free(s->parent);
    g_free(s->description);
    g_free(s->state);
    g_free(s->tree);
    g_free(s);
}

void nv_snapshot_list_free(NvSnapshotList *l)
{
    if (!l)
        return;
    g_free(l->domain);
    g_free(l->uuid);
    if (l->snapshots)
        g_ptr_array_unref(l->snapshots);
    g_free(l);
}

static NvSnapshotList *list_new(void)
{
    NvSnapshotList *l = g_new0(NvSnapshotList, 1);
    l->domain = g_strdup("");
    l->uuid = g_strdup("");
    l->snapshots = g_ptr_array_new_with_free_func((GDestroyNotify)nv_snapshot_free);
    return l;
}

/* ---- reading the XML ---- */

static xmlDoc *parse_doc(const char *xml, const char *root, GError **err)
{
    return nv_xml_parse_root(xml, root, NV_XML_PARSE_DEFAULT, _("cannot read snapshot XML"), err);
}

static void read_disks(xmlNode *disks, NvSnapshot *s)
{
    for (xmlNode *d = disks->children; d; d = d->next) {
        if (!nv_xml_is_element(d, "disk"))
            continue;
        g_autofree char *where = nv_xml_node_attr(d, "snapshot");
        if (strcmp(where, "external") == 0)
            s->external = TRUE;
        else if (strcmp(where, "internal") == 0)
            s->internal = TRUE;
    }
}

NvSnapshot *nv_snapshot_from_xml(const char *xml, GError **err)
{
    xmlDoc *doc = parse_doc(xml, "domainsnapshot", err);
    if (!doc)
        return NULL;
    g_autoptr(NvSnapshot) s = g_new0(NvSnapshot, 1);
    xmlNode *root = xmlDocGetRootElement(doc);
    gboolean says_memory = nv_xml_child_element(root, "memory") != NULL;
    for (xmlNode *c = root->children; c; c = c->next) {
        if (nv_xml_is_element(c, "name")) {
            g_free(s->name);
            s->name = nv_xml_node_text(c);
        } else if (nv_xml_is_element(c, "description")) {
            g_free(s->description);
            s->description = nv_xml_node_text(c);
        } else if (nv_xml_is_element(c, "state")) {
            g_free(s->state);
            s->state = nv_xml_node_text(c);
        } else if (nv_xml_is_element(c, "creationTime")) {
            g_autofree char *t = nv_xml_node_text(c);
            s->created = g_ascii_strtoll(t, NULL, 10);
        } else if (nv_xml_is_element(c, "parent")) {
            xmlNode *pn = nv_xml_child_element(c, "name");
            if (pn) {
                g_free(s->parent);
                s->parent = nv_xml_node_text(pn);
            }
        } else if (nv_xml_is_element(c, "memory")) {
            g_autofree char *where = nv_xml_node_attr(c, "snapshot");
            s->memory = strcmp(where, "internal") == 0 || strcmp(where, "external") == 0;
            if (strcmp(where, "external") == 0)
                s->external = TRUE;
            else if (strcmp(where, "internal") == 0)
                s->internal = TRUE;
        } else if (nv_xml_is_element(c, "disks")) {
            read_disks(c, s);
        }
    }
    xmlFreeDoc(doc);
    if (!s->name || !*s->name) {
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE, _("cannot read snapshot XML: %s"),
                    _("the snapshot has no name"));
        return NULL;
    }
    if (!s->parent)
        s->parent = g_strdup("");
    if (!s->description)
        s->description = g_strdup("");
    if (!s->state)
        s->state = g_strdup("");
    /* Old documents have no <memory>: a snapshot of a running domain that is not disk-only
     * is a full system checkpoint. */
    if (!says_memory)
        s->memory = strcmp(s->state, "running") == 0 || strcmp(s->state, "paused") == 0;
    return g_steal_pointer(&s);
}

/* ---- the tree ---- */

static gint by_age(gconstpointer a, gconstpointer b)
{
    const NvSnapshot *x = *(NvSnapshot *const *)a;
    const NvSnapshot *y = *(NvSnapshot *const *)b;
    if (x->created != y->created)
        return x->created < y->created ? -1 : 1;
    return strcmp(x->name, y->name);
}

/* Appends `s` and its subtree to `out`; `lead` is what the ancestors draw ("│  " or "   "
 * each). Returns the number of descendants. */
static guint walk(NvSnapshot *s, GHashTable *kids, GString *lead, gboolean last, guint depth,
                  GPtrArray *out)
{
    s->depth = depth;
    g_free(s->tree);
    s->tree = depth == 0 ? g_strdup("") : g_strconcat(lead->str, last ? "└─ " : "├─ ", NULL);
    g_ptr_array_add(out, s);
    /* Keyed by the snapshot itself, never its name: two of one name (a hostile list) would
     * share children and loop. The depth bound is a second guard against any loop. */
    GPtrArray *children = depth <= out->len ? g_hash_table_lookup(kids, s) : NULL;
    s->children = children ? children->len : 0;
    s->descendants = 0;
    gsize keep = lead->len;
    if (depth > 0)
        g_string_append(lead, last ? "   " : "│  ");
    for (guint i = 0; children && i < children->len; i++)
        s->descendants +=
            1 + walk(children->pdata[i], kids, lead, i + 1 == children->len, depth + 1, out);
    g_string_truncate(lead, keep);
    return s->descendants;
}

void nv_snapshot_arrange(GPtrArray *snapshots)
{
    g_ptr_array_sort(snapshots, by_age);
    g_autoptr(GHashTable) names = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < snapshots->len; i++) {
        NvSnapshot *s = snapshots->pdata[i];
        if (!g_hash_table_contains(names, s->name)) /* the oldest of a name is the parent */
            g_hash_table_insert(names, s->name, s);
    }
    g_autoptr(GHashTable) kids = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                       (GDestroyNotify)g_ptr_array_unref);
    g_autoptr(GPtrArray) roots = g_ptr_array_new();
    for (guint i = 0; i < snapshots->len; i++) {
        NvSnapshot *s = snapshots->pdata[i];
        /* A parent that is not listed (or a loop through itself) would hide the snapshot. */
        if (!*s->parent || strcmp(s->parent, s->name) == 0 ||
            !g_hash_table_contains(names, s->parent)) {
            g_ptr_array_add(roots, s);
            continue;
        }
        NvSnapshot *parent = g_hash_table_lookup(names, s->parent);
        GPtrArray *list = g_hash_table_lookup(kids, parent);
        if (!list) {
            list = g_ptr_array_new();
            g_hash_table_insert(kids, parent, list);
        }
        g_ptr_array_add(list, s);
    }
    g_autoptr(GPtrArray) order = g_ptr_array_new();
    g_autoptr(GString) lead = g_string_new("");
    for (guint i = 0; i < roots->len; i++)
        walk(roots->pdata[i], kids, lead, TRUE, 0, order);
    /* A cycle of parents (a corrupt host) is reachable from no root: show those as roots. */
    if (order->len < snapshots->len) {
        g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
        for (guint i = 0; i < order->len; i++)
            g_hash_table_add(seen, order->pdata[i]);
        for (guint i = 0; i < snapshots->len; i++) {
            NvSnapshot *s = snapshots->pdata[i];
            if (g_hash_table_contains(seen, s))
                continue;
            NvSnapshot *parent = g_hash_table_lookup(names, s->parent);
            GPtrArray *siblings = parent ? g_hash_table_lookup(kids, parent) : NULL;
            if (siblings)
                g_ptr_array_remove(siblings, s);
            g_free(s->parent);
            s->parent = g_strdup("");
            walk(s, kids, lead, TRUE, 0, order);
            for (guint j = 0; j < order->len; j++)
                g_hash_table_add(seen, order->pdata[j]);
        }
    }
    /* `order` must be a permutation: two snapshots of one name (never from libvirt, but from
     * a hostile list) would put one twice and drop the other, freed twice later. */
    g_autoptr(GHashTable) placed = g_hash_table_new(g_direct_hash, g_direct_equal);
    guint n = 0;
    for (guint i = 0; i < order->len; i++)
        if (g_hash_table_add(placed, order->pdata[i]))
            order->pdata[n++] = order->pdata[i];
    g_ptr_array_set_size(order, (gint)n);
    for (guint i = 0; i < snapshots->len; i++)
        if (g_hash_table_add(placed, snapshots->pdata[i]))
            g_ptr_array_add(order, snapshots->pdata[i]);
    /* The same pointers in a new order; the array keeps owning them. */
    for (guint i = 0; i < order->len && i < snapshots->len; i++)
        snapshots->pdata[i] = order->pdata[i];
}

int nv_snapshot_find(const NvSnapshotList *list, const char *name)
{
    for (guint i = 0; list && name && i < list->snapshots->len; i++)
        if (strcmp(((NvSnapshot *)list->snapshots->pdata[i])->name, name) == 0)
            return (int)i;
    return -1;
}

GPtrArray *nv_snapshot_descendants(const NvSnapshotList *list, const char *name)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    int i = nv_snapshot_find(list, name);
    if (i < 0)
        return out;
    /* In tree order a subtree is the run of deeper rows right after its root. */
    NvSnapshot *top = list->snapshots->pdata[i];
    for (guint j = (guint)i + 1; j < list->snapshots->len; j++) {
        NvSnapshot *s = list->snapshots->pdata[j];
        if (s->depth <= top->depth)
            break;
        g_ptr_array_add(out, g_strdup(s->name));
    }
    return out;
}

gboolean nv_snapshot_name_check(const char *name, const NvSnapshotList *list, GError **err)
{
    if (!nv_name_check(NV_NAME_SNAPSHOT, name, err))
        return FALSE;
    if (nv_snapshot_find(list, name) >= 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("'%s' already has a snapshot named '%s'"),
                    list->domain, name);
        return FALSE;
    }
    return TRUE;
}

/* ---- the XML and flags for creating one ---- */

char *nv_snapshot_spec_xml(const NvSnapshotSpec *spec)
{
    g_autoptr(GString) s = g_string_new("<domainsnapshot>\n");
    g_autofree char *name = g_markup_escape_text(spec->name, -1);
    g_string_append_printf(s, "  <name>%s</name>\n", name);
    if (spec->description && *spec->description) {
        g_autofree char *desc = g_markup_escape_text(spec->description, -1);
        g_string_append_printf(s, "  <description>%s</description>\n", desc);
    }
    switch (spec->kind) {
    case NV_SNAPSHOT_WITH_MEMORY:
        /* libvirt's default for an active domain, said out loud. */
        g_string_append(s, "  <memory snapshot='internal'/>\n");
        break;
    case NV_SNAPSHOT_DISK_ONLY:
    case NV_SNAPSHOT_DISK_EXTERNAL:
        /* Disks take libvirt's default: internal, or external with the DISK_ONLY flag. */
        g_string_append(s, "  <memory snapshot='no'/>\n");
        break;
    }
    g_string_append(s, "</domainsnapshot>\n");
    return g_string_free(g_steal_pointer(&s), FALSE);
}

unsigned nv_snapshot_spec_flags(const NvSnapshotSpec *spec, gboolean active)
{
    switch (spec->kind) {
    case NV_SNAPSHOT_DISK_EXTERNAL:
        return VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC;
    case NV_SNAPSHOT_DISK_ONLY:
        /* All disks or none: a half-taken snapshot of a running guest is worse than none. */
        return active ? VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC : 0;
    default:
        return 0;
    }
}

/* ---- calls on the worker ---- */

/* A create's or a revert's job. */
typedef struct {
    char *uuid;
    char *name;
    NvSnapshotSpec spec;
    gboolean flag; /* revert: force */
    NvJobProgressFunc progress;
    NvJobDoneFunc job_done;
    gpointer data;
    GDestroyNotify data_free;
} Call;

static void call_free(Call *c)
{
    if (c->data_free)
        c->data_free(c->data);
    g_free(c->uuid);
    g_free(c->name);
    g_free(c->spec.name);
    g_free(c->spec.description);
    g_free(c);
}

static Call *call_new(const char *uuid, const char *name, gpointer data, GDestroyNotify data_free)
{
    Call *c = g_new0(Call, 1);
    c->uuid = g_strdup(uuid);
    c->name = g_strdup(name);
    c->data = data;
    c->data_free = data_free;
    return c;
}

static virDomainPtr lookup_domain(virConnectPtr vconn, const char *uuid, GError **err)
{
    virDomainPtr dom = virDomainLookupByUUIDString(vconn, uuid);
    if (!dom)
        nv_set_virt_error(err, _("cannot find domain %s"), uuid);
    return dom;
}

static gboolean domain_active(virDomainPtr dom)
{
    return virDomainIsActive(dom) == 1;
}

/* The request of a listing is the domain's UUID. */
static gpointer list_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *uuid = data;
    g_autoptr(virDomain) dom = lookup_domain(vconn, uuid, err);
    if (!dom)
        return NULL;
    g_autoptr(NvSnapshotList) list = list_new();
    g_free(list->domain);
    list->domain = g_strdup(virDomainGetName(dom));
    g_free(list->uuid);
    list->uuid = g_strdup(uuid);
    int state = 0, reason = 0;
    if (virDomainGetState(dom, &state, &reason, 0) == 0 && state >= 0 &&
        state < NV_DOMAIN_STATE_COUNT)
        list->state = state;
    virDomainSnapshotPtr *snaps = NULL;
    int n = virDomainListAllSnapshots(dom, &snaps, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list the snapshots of '%s'"), list->domain);
        return NULL;
    }
    gboolean ok = TRUE;
    for (int i = 0; i < n; i++) {
        if (ok) {
            char *xml = virDomainSnapshotGetXMLDesc(snaps[i], 0);
            NvSnapshot *s = NULL;
            if (!xml) {
                /* Deleted between the two calls: leave it out. */
                virResetLastError();
            } else if ((s = nv_snapshot_from_xml(xml, err))) {
                s->current = virDomainSnapshotIsCurrent(snaps[i], 0) == 1;
                g_ptr_array_add(list->snapshots, s);
            } else {
                ok = FALSE;
            }
            free(xml);
        }
        virDomainSnapshotFree(snaps[i]);
    }
    free(snaps);
    if (!ok)
        return NULL;
    nv_snapshot_arrange(list->snapshots);
    return g_steal_pointer(&list);
}

void nv_snapshot_list_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_snapshot_list_async, uuid, list_work,
                       (GDestroyNotify)nv_snapshot_list_free, done, data, data_free);
}

NvSnapshotList *nv_snapshot_list_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_snapshot_list_async, err);
}

static gboolean refused_internal(void)
{
    virErrorPtr e = virGetLastError();
    return e &&
           (e->code == VIR_ERR_CONFIG_UNSUPPORTED || e->code == VIR_ERR_OPERATION_UNSUPPORTED ||
            e->code == VIR_ERR_NO_SUPPORT || e->code == VIR_ERR_ARGUMENT_UNSUPPORTED);
}

/* The job's thread: `dom` was looked up by the job. */
static gboolean create_run(virConnectPtr vconn, virDomainPtr dom, gpointer data, GError **err)
{
    Call *c = data;
    /* Every libvirt call clears the thread's last error: names are read before the call. */
    const char *dname = virDomainGetName(dom);
    gboolean active = domain_active(dom);
    g_autofree char *xml = nv_snapshot_spec_xml(&c->spec);
    unsigned flags = nv_snapshot_spec_flags(&c->spec, active);
    g_autoptr(virDomainSnapshot) snap = virDomainSnapshotCreateXML(dom, xml, flags);
    if (!snap) {
        nv_set_virt_error(err, _("cannot take snapshot '%s' of '%s'"), c->spec.name, dname);
        /* Its own code, so the UI can offer external files and say why. */
        if (active && c->spec.kind == NV_SNAPSHOT_DISK_ONLY && refused_internal()) {
            (*err)->domain = NV_SNAPSHOT_ERROR;
            (*err)->code = NV_SNAPSHOT_ERROR_NEEDS_EXTERNAL;
        }
        return FALSE;
    }
    return TRUE;
}

static void job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Call *c = data;
    if (c->progress)
        c->progress(job, fraction, detail, c->data);
}

static void job_done(NvJob *job, const GError *err, gpointer data)
{
    Call *c = data;
    if (c->job_done)
        c->job_done(job, err, c->data);
}

static NvJob *start_job(NvConn *conn, Call *c, const char *label, NvJobRunFunc run,
                        gboolean cancellable)
{
    NvJobSpec spec = {
        .label = label,
        .uuid = c->uuid,
        .run = run,
        .cancellable = cancellable,
        .progress = job_progress,
        .done = job_done,
        .data = c,
        .data_free = (GDestroyNotify)call_free,
    };
    return nv_job_start(conn, &spec);
}

NvJob *nv_snapshot_create(NvConn *conn, const char *uuid, const char *domain,
                          const NvSnapshotSpec *spec, NvJobProgressFunc progress,
                          NvJobDoneFunc done, gpointer data, GDestroyNotify data_free)
{
    Call *c = call_new(uuid, spec->name, data, data_free);
    c->spec.name = g_strdup(spec->name);
    c->spec.description = g_strdup(spec->description ? spec->description : "");
    c->spec.kind = spec->kind;
    c->progress = progress;
    c->job_done = done;
    g_autofree char *label = g_strdup_printf(_("snapshot '%s' of %s"), spec->name, domain);
    /* libvirt decides whether the hypervisor can abort it (an internal one often cannot). */
    return start_job(conn, c, label, create_run, TRUE);
}

static virDomainSnapshotPtr lookup_snapshot(virDomainPtr dom, const char *name, GError **err)
{
    const char *dname = virDomainGetName(dom);
    virDomainSnapshotPtr snap = virDomainSnapshotLookupByName(dom, name, 0);
    if (!snap)
        nv_set_virt_error(err, _("'%s' has no snapshot '%s'"), dname, name);
    return snap;
}

static gboolean revert_run(virConnectPtr vconn, virDomainPtr dom, gpointer data, GError **err)
{
    Call *c = data;
    const char *dname = virDomainGetName(dom);
    g_autoptr(virDomainSnapshot) snap = lookup_snapshot(dom, c->name, err);
    if (!snap)
        return FALSE;
    unsigned flags = c->flag ? VIR_DOMAIN_SNAPSHOT_REVERT_FORCE : 0;
    gboolean ok = virDomainRevertToSnapshot(snap, flags) == 0;
    if (!ok) {
        nv_set_virt_error(err, _("cannot revert '%s' to '%s'"), dname, c->name);
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_SNAPSHOT_REVERT_RISKY) {
            (*err)->domain = NV_SNAPSHOT_ERROR;
            (*err)->code = NV_SNAPSHOT_ERROR_RISKY;
        }
    }
    return ok;
}

NvJob *nv_snapshot_revert(NvConn *conn, const char *uuid, const char *domain, const char *name,
                          gboolean force, NvJobProgressFunc progress, NvJobDoneFunc done,
                          gpointer data, GDestroyNotify data_free)
{
    Call *c = call_new(uuid, name, data, data_free);
    c->flag = force;
    c->progress = progress;
    c->job_done = done;
    g_autofree char *label = g_strdup_printf(_("revert %s to '%s'"), domain, name);
    /* A revert cannot be aborted half way: the domain would be in neither state. */
    return start_job(conn, c, label, revert_run, FALSE);
}

typedef struct {
    char *uuid;
    char *name;
    gboolean children;
} DeleteReq;

static void delete_req_free(DeleteReq *r)
{
    g_free(r->uuid);
    g_free(r->name);
    g_free(r);
}

static gpointer delete_work(virConnectPtr vconn, gpointer data, GError **err)
{
    DeleteReq *c = data;
    g_autoptr(virDomain) dom = lookup_domain(vconn, c->uuid, err);
    if (!dom)
        return NULL;
    const char *dname = virDomainGetName(dom);
    g_autoptr(virDomainSnapshot) snap = lookup_snapshot(dom, c->name, err);
    gboolean ok = snap != NULL;
    if (snap) {
        /* Without the flag libvirt moves the children up to this snapshot's parent. */
        unsigned flags = c->children ? VIR_DOMAIN_SNAPSHOT_DELETE_CHILDREN : 0;
        ok = virDomainSnapshotDelete(snap, flags) == 0;
        if (!ok)
            nv_set_virt_error(err,
                              c->children
                                  ? _("cannot delete snapshot '%s' of '%s' and its children")
                                  : _("cannot delete snapshot '%s' of '%s'"),
                              c->name, dname);
    }
    return ok ? NV_ASYNC_OK : NULL;
}

void nv_snapshot_delete_async(NvConn *conn, const char *uuid, const char *name, gboolean children,
                              NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    DeleteReq *r = g_new0(DeleteReq, 1);
    r->uuid = g_strdup(uuid);
    r->name = g_strdup(name);
    r->children = children;
    NvAsyncSpec spec = {
        .tag = nv_snapshot_delete_async, .req = r, .req_free = (GDestroyNotify)delete_req_free};
    nv_conn_async(conn, &spec, delete_work, done, data, data_free);
}

gboolean nv_snapshot_delete_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_snapshot_delete_async, err);
}
