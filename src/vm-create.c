/* The new-VM wizard's libvirt calls, run on the connection's worker. The commit creates in the
 * order volume, definition, start, and undoes in reverse on any failure: a half-made VM (a
 * definition without its disk, a volume nobody uses) is never left behind. */
#include "vm-create.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#include <gio/gio.h>

#include "conn-virt.h"
#include "error.h"
#include "conn-fetch.h"
#include "i18n.h"
#include "virt-util.h"

/* ---- capabilities ---- */

/* No request: the host is the question. */
static gpointer caps_work(virConnectPtr conn, gpointer data, GError **err)
{
    char *xml = virConnectGetCapabilities(conn);
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the host's capabilities"));
        return NULL;
    }
    virNodeInfo info;
    g_autofree char *host_arch =
        virNodeGetInfo(conn, &info) == 0 ? g_strndup(info.model, sizeof(info.model)) : g_strdup("");
    NvVmCaps *caps = nv_vm_caps_new();
    gboolean ok = nv_vm_caps_read(caps, xml, host_arch, err);
    free(xml);
    if (!ok) {
        nv_vm_caps_free(caps);
        return NULL;
    }
    for (guint i = 0; i < caps->types->len; i++) {
        const char *type = ((NvVmVirtType *)caps->types->pdata[i])->type;
        char *dom = virConnectGetDomainCapabilities(conn, NULL, caps->arch, NULL, type, 0);
        /* Drivers without domain capabilities (the test driver) leave the type unknown. */
        if (dom)
            nv_vm_caps_read_domcaps(caps, dom, NULL);
        free(dom);
    }
    virResetLastError();
    return caps;
}

void nv_vm_caps_fetch_async(NvConn *conn, NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    NvAsyncSpec spec = {.tag = nv_vm_caps_fetch_async,
                        .value_free = (GDestroyNotify)nv_vm_caps_free};
    nv_conn_async(conn, &spec, caps_work, done, data, data_free);
}

NvVmCaps *nv_vm_caps_fetch_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_vm_caps_fetch_async, err);
}

/* ---- is the name free ---- */

/* TRUE when a domain has the name; FALSE with `err` unset when none has. */
static gboolean name_taken(virConnectPtr conn, const char *name, GError **err)
{
    g_autoptr(virDomain) dom = virDomainLookupByName(conn, name);
    if (dom)
        return TRUE;
    if (virGetLastErrorCode() != VIR_ERR_NO_DOMAIN)
        nv_set_virt_error(err, _("cannot check whether the name '%s' is free"), name);
    virResetLastError();
    return FALSE;
}

/* The request is the name; the value a boxed gboolean. */
static gpointer name_work(virConnectPtr conn, gpointer data, GError **err)
{
    GError *local = NULL;
    gboolean taken = name_taken(conn, data, &local);
    if (local) {
        g_propagate_error(err, local);
        return NULL;
    }
    return g_memdup2(&taken, sizeof taken);
}

void nv_vm_name_check_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_vm_name_check_async, name, name_work, g_free, done, data,
                       data_free);
}

gboolean nv_vm_name_check_finish(NvAsyncResult *res, gboolean *taken, GError **err)
{
    g_autofree gboolean *value = nv_async_result_take(res, nv_vm_name_check_async, err);
    *taken = value && *value;
    return value != NULL;
}

/* ---- installation media in the pools ---- */

void nv_vm_medium_free(NvVmMedium *m)
{
    if (!m)
        return;
    g_free(m->pool);
    g_free(m->name);
    g_free(m->path);
    g_free(m);
}

static gboolean is_iso(const NvVolume *v)
{
    g_autofree char *lower = g_ascii_strdown(v->name, -1);
    return strcmp(v->format, "iso") == 0 || g_str_has_suffix(lower, ".iso");
}

static gpointer media_work(virConnectPtr conn, gpointer data, GError **err)
{
    g_autoptr(GPtrArray) pools = nv_fetch_pools(conn, err);
    if (!pools)
        return NULL;
    GPtrArray *media = g_ptr_array_new_with_free_func((GDestroyNotify)nv_vm_medium_free);
    for (guint i = 0; i < pools->len; i++) {
        const NvPool *p = pools->pdata[i];
        if (!p->active)
            continue;
        /* One pool that cannot be listed must not hide the media of the others. */
        g_autoptr(GPtrArray) vols = nv_fetch_volumes(conn, p->name, NULL);
        for (guint j = 0; vols && j < vols->len; j++) {
            const NvVolume *v = vols->pdata[j];
            if (!is_iso(v) || !*v->path)
                continue;
            NvVmMedium *m = g_new0(NvVmMedium, 1);
            m->pool = g_strdup(p->name);
            m->name = g_strdup(v->name);
            m->path = g_strdup(v->path);
            m->capacity = v->capacity;
            g_ptr_array_add(media, m);
        }
    }
    virResetLastError();
    return media;
}

void nv_vm_media_list_async(NvConn *conn, NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    NvAsyncSpec spec = {.tag = nv_vm_media_list_async,
                        .value_free = (GDestroyNotify)g_ptr_array_unref};
    nv_conn_async(conn, &spec, media_work, done, data, data_free);
}

GPtrArray *nv_vm_media_list_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_vm_media_list_async, err);
}

/* ---- the commit ---- */

static NvVmCreateHook test_hook;
static gint abandoned; /* atomic: the app is quitting (nv_vm_create_abandon) */

void nv_vm_create_abandon(void)
{
    g_atomic_int_set(&abandoned, 1);
}

/* Between two steps: stop and roll back when the app is quitting, so a signal never leaves a
 * volume without its domain, or a domain that was never meant to be left defined. */
static gboolean still_wanted(GError **err)
{
    if (!g_atomic_int_get(&abandoned))
        return TRUE;
    g_set_error_literal(err, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cancelled: ncvirt is quitting"));
    return FALSE;
}

void nv_vm_create_set_test_hook(NvVmCreateHook hook)
{
    g_atomic_pointer_set(&test_hook, hook);
}

static gboolean run_hook(NvVmStage stage, GError **err)
{
    NvVmCreateHook hook = g_atomic_pointer_get(&test_hook);
    if (!hook || hook(stage, err))
        return TRUE;
    if (err && !*err)
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, "test hook failed at stage %d", stage);
    return FALSE;
}

typedef struct {
    char *name;
    char *xml;
    char *pool; /* NULL: no new volume */
    char *vol_xml;
    gboolean start;
    NvVmCreated result; /* filled as it goes; handed out on success */
} Create;

void nv_vm_created_free(NvVmCreated *c)
{
    if (!c)
        return;
    g_free(c->uuid);
    g_free(c->name);
    g_free(c->volume);
    g_free(c);
}

static void create_free(gpointer p)
{
    Create *c = p;
    g_free(c->name);
    g_free(c->xml);
    g_free(c->pool);
    g_free(c->vol_xml);
    g_free(c->result.uuid);
    g_free(c->result.name);
    g_free(c->result.volume);
    g_free(c);
}

/* libvirt's last message, for the clean-up report. */
static const char *last_message(void)
{
    virErrorPtr e = virGetLastError();
    return e && e->message ? e->message : _("unknown libvirt error");
}

static gboolean undefine(virDomainPtr dom)
{
    /* NVRAM: a UEFI guest's variable store goes with it. Drivers without the flag get the
     * plain call. */
    if (virDomainUndefineFlags(dom, VIR_DOMAIN_UNDEFINE_NVRAM) == 0)
        return TRUE;
    return nv_virt_last_error_is_flags() && virDomainUndefine(dom) == 0;
}

/* Removes what the failed commit made, newest first, and says in `err` how that went. */
static void roll_back(Create *c, virDomainPtr dom, virStorageVolPtr vol, GError **err)
{
    g_autoptr(GString) left = g_string_new("");
    if (dom) {
        if (virDomainIsActive(dom) == 1 && virDomainDestroy(dom) < 0)
            g_string_append_printf(left, _("cannot stop '%s': %s; "), c->name, last_message());
        if (!undefine(dom))
            g_string_append_printf(left, _("cannot undefine '%s': %s; "), c->name, last_message());
    }
    if (vol && virStorageVolDelete(vol, 0) < 0)
        g_string_append_printf(left, _("cannot delete the volume '%s': %s; "), c->result.volume,
                               last_message());
    virResetLastError();
    c->result.started = FALSE;
    if (!err || !*err || (!dom && !vol))
        return;
    g_autofree char *msg =
        left->len ? g_strdup_printf(_("%s (cleaning up failed: %.*s)"), (*err)->message,
                                    (int)left->len - 2, left->str)
                  : g_strdup_printf(_("%s (what was created has been removed)"), (*err)->message);
    g_free((*err)->message);
    (*err)->message = g_steal_pointer(&msg);
}

static virStorageVolPtr create_volume(virConnectPtr conn, Create *c, GError **err)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(conn, c->pool);
    if (!pool) {
        nv_set_virt_error(err, _("cannot find the storage pool '%s'"), c->pool);
        return NULL;
    }
    virStorageVolPtr vol = virStorageVolCreateXML(pool, c->vol_xml, 0);
    if (!vol)
        nv_set_virt_error(err, _("cannot create the volume in pool '%s'"), c->pool);
    else
        c->result.volume = g_strdup(virStorageVolGetName(vol));
    return vol;
}

static gboolean create_run(virConnectPtr conn, Create *c, GError **err)
{
    GError *local = NULL;
    gboolean taken = name_taken(conn, c->name, &local);
    if (local || taken) {
        if (local)
            g_propagate_error(err, local);
        else
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                        _("a domain named '%s' already exists on the host"), c->name);
        return FALSE;
    }
    g_autoptr(virStorageVol) vol = NULL;
    g_autoptr(virDomain) dom = NULL;
    gboolean ok = FALSE;
    if (c->vol_xml) {
        vol = create_volume(conn, c, err);
        if (!vol || !run_hook(NV_VM_STAGE_VOLUME_CREATED, err) || !still_wanted(err))
            goto out;
    }
    dom = virDomainDefineXML(conn, c->xml);
    if (!dom) {
        nv_set_virt_error(err, _("cannot define '%s'"), c->name);
        goto out;
    }
    char uuid[VIR_UUID_STRING_BUFLEN];
    if (virDomainGetUUIDString(dom, uuid) == 0)
        c->result.uuid = g_strdup(uuid);
    c->result.name = g_strdup(c->name);
    if (!run_hook(NV_VM_STAGE_DEFINED, err) || !still_wanted(err))
        goto out;
    if (c->start) {
        if (virDomainCreate(dom) < 0) {
            nv_set_virt_error(err, _("cannot start '%s'"), c->name);
            goto out;
        }
        c->result.started = TRUE;
        if (!run_hook(NV_VM_STAGE_STARTED, err))
            goto out;
    }
    ok = TRUE;
out:
    if (!ok)
        roll_back(c, dom, vol, err);
    virResetLastError();
    return ok;
}

static gpointer create_work(virConnectPtr conn, gpointer data, GError **err)
{
    Create *c = data;
    if (!create_run(conn, c, err))
        return NULL;
    NvVmCreated *out = g_new(NvVmCreated, 1);
    *out = c->result;
    memset(&c->result, 0, sizeof c->result);
    return out;
}

gboolean nv_vm_create_async(NvConn *conn, const NvVmDraft *draft, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free, GError **err)
{
    g_autofree char *xml = nv_vm_draft_xml(draft, err);
    if (!xml)
        return FALSE;
    g_autofree char *vol_xml = nv_vm_draft_volume_xml(draft, err);
    if (!vol_xml && nv_vm_draft_storage(draft) == NV_VM_STORAGE_NEW)
        return FALSE;
    Create *c = g_new0(Create, 1);
    c->name = g_strdup(draft->name);
    c->xml = g_steal_pointer(&xml);
    c->vol_xml = g_steal_pointer(&vol_xml);
    c->pool = c->vol_xml ? g_strdup(draft->pool) : NULL;
    c->start = !draft->customize;
    /* Lists on screen show the new domain and the pool's smaller free space at once. */
    NvAsyncSpec spec = {.tag = nv_vm_create_async,
                        .req = c,
                        .req_free = create_free,
                        .value_free = (GDestroyNotify)nv_vm_created_free,
                        .refresh = NV_CHANGE_DOMAINS | NV_CHANGE_POOLS | NV_CHANGE_VOLUMES};
    nv_conn_async(conn, &spec, create_work, done, data, data_free);
    return TRUE;
}

NvVmCreated *nv_vm_create_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_vm_create_async, err);
}
