/* Storage actions: every pool and volume call, one round on the connection's worker that
 * undoes its own half-done work, and the upload of a local file as a job on a thread and a
 * connection of its own (conn-job-virt.h), so a large file never holds up the lists. */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "conn-fetch.h"
#include "conn-virt.h"
#include "error.h"
#include "i18n.h"
#include "conn-job-virt.h"
#include "text.h"
#include "virt-util.h"
#include "xml-read.h"

/* Bytes per virStreamSend: large enough that the round trips do not dominate, small enough
 * that a cancel is seen at once and the progress moves smoothly. */
#define NV_UPLOAD_CHUNK (256 * 1024)

/* Set by tests on the main thread; each action copies it when it is queued. */
static char *fail_point;

void nv_storage_set_fail_point(const char *point)
{
    g_free(fail_point);
    fail_point = g_strdup(point);
}

/* The requests, one per kind of call (conn-async.h); each copies the test hook's fail point
 * when it is queued. */
typedef struct {
    char *xml;
    gboolean build, start, autostart;
    char *fail_point;
} PoolCreateReq;

typedef struct {
    char *pool;
    NvPoolOp op;
} PoolOpReq;

typedef struct {
    char *pool;
    char *xml;
    char *fail_point;
} VolumeCreateReq;

/* Delete, resize (size, shrink) and "used by" (path). */
typedef struct {
    char *pool;
    char *volume;
    guint64 size;
    gboolean shrink;
    char *path;
} VolumeReq;

static void pool_create_req_free(PoolCreateReq *r)
{
    g_free(r->xml);
    g_free(r->fail_point);
    g_free(r);
}

static void pool_op_req_free(PoolOpReq *r)
{
    g_free(r->pool);
    g_free(r);
}

static void volume_create_req_free(VolumeCreateReq *r)
{
    g_free(r->pool);
    g_free(r->xml);
    g_free(r->fail_point);
    g_free(r);
}

static void volume_req_free(VolumeReq *r)
{
    g_free(r->pool);
    g_free(r->volume);
    g_free(r->path);
    g_free(r);
}

static VolumeReq *volume_req_new(const char *pool, const char *volume)
{
    VolumeReq *r = g_new0(VolumeReq, 1);
    r->pool = g_strdup(pool);
    r->volume = g_strdup(volume);
    return r;
}

/* The test hook: fails as the host would have, after `point`. */
static gboolean reached(const char *fail_at, const char *point, GError **err)
{
    if (g_strcmp0(fail_at, point) != 0)
        return TRUE;
    g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("injected failure after %s"), point);
    return FALSE;
}

/* Every change runs through here: the lists show it afterwards, failed or not. */
static void storage_submit(NvConn *conn, gconstpointer tag, gpointer req, GDestroyNotify req_free,
                           NvConnAsyncWork work, NvAsyncFunc done, gpointer data,
                           GDestroyNotify data_free)
{
    NvAsyncSpec spec = {.tag = tag,
                        .req = req,
                        .req_free = req_free,
                        .value_free = g_free,
                        .refresh = NV_CHANGE_POOLS | NV_CHANGE_VOLUMES};
    nv_conn_async(conn, &spec, work, done, data, data_free);
}

gboolean nv_storage_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_storage_finish, err);
}

static virStoragePoolPtr find_pool(virConnectPtr c, const char *name, GError **err)
{
    virStoragePoolPtr p = virStoragePoolLookupByName(c, name);
    if (!p)
        nv_set_virt_error(err, _("cannot find pool '%s'"), name);
    return p;
}

static virStorageVolPtr find_volume(virConnectPtr c, const char *pool, const char *name,
                                    GError **err)
{
    g_autoptr(virStoragePool) p = find_pool(c, pool, err);
    if (!p)
        return NULL;
    virStorageVolPtr v = virStorageVolLookupByName(p, name);
    if (!v)
        nv_set_virt_error(err, _("cannot find volume '%s' in pool '%s'"), name, pool);
    return v;
}

/* "<what failed>; <what the clean-up could not undo>": both matter to the user. */
static void add_cleanup_failure(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
static void add_cleanup_failure(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *what = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    virErrorPtr e = virGetLastError();
    if (err && *err) {
        /* Appended: the message says first what failed, then what is left of it. */
        char *msg =
            g_strdup_printf("%s; %s: %s", (*err)->message, what, e && e->message ? e->message : "");
        g_free((*err)->message);
        (*err)->message = msg;
    }
    virResetLastError();
}

/* -- pool types -- */

/* The value is a boxed guint. */
static gpointer types_work(virConnectPtr c, gpointer data, GError **err)
{
    g_autofree guint *types = g_new0(guint, 1);
    char *xml = virConnectGetStoragePoolCapabilities(c, 0);
    if (!xml) {
        /* Older hosts and the test driver: offer every type, the define will tell. */
        if (virGetLastErrorCode() == VIR_ERR_NO_SUPPORT) {
            virResetLastError();
            *types = NV_POOL_TYPES_ALL;
            return g_steal_pointer(&types);
        }
        nv_set_virt_error(err, _("cannot read the host's storage pool capabilities"));
        return NULL;
    }
    gboolean ok = nv_storage_parse_pool_caps(xml, types, err);
    free(xml);
    return ok ? g_steal_pointer(&types) : NULL;
}

void nv_storage_pool_types_async(NvConn *conn, NvAsyncFunc done, gpointer data,
                                 GDestroyNotify data_free)
{
    NvAsyncSpec spec = {.tag = nv_storage_pool_types_async, .value_free = g_free};
    nv_conn_async(conn, &spec, types_work, done, data, data_free);
}

gboolean nv_storage_pool_types_finish(NvAsyncResult *res, guint *types, GError **err)
{
    g_autofree guint *value = nv_async_result_take(res, nv_storage_pool_types_async, err);
    *types = value ? *value : 0;
    return value != NULL;
}

/* -- a new pool -- */

/* Takes back what create_work did before failing, newest first. */
static void undo_pool(virStoragePoolPtr p, const char *name, gboolean started, gboolean built,
                      gboolean is_dir, GError **err)
{
    if (started && virStoragePoolDestroy(p) < 0)
        add_cleanup_failure(err, _("and cannot stop '%s' again"), name);
    /* A dir pool's build made its directory; removing it fails harmlessly when it holds
     * anything. Other builds (a partition table, a volume group) cannot be taken back. */
    if (built && is_dir)
        virStoragePoolDelete(p, 0);
    virResetLastError();
    if (virStoragePoolUndefine(p) < 0)
        add_cleanup_failure(err, _("and cannot undefine '%s' again"), name);
}

static gpointer create_work(virConnectPtr c, gpointer data, GError **err)
{
    PoolCreateReq *k = data;
    g_autoptr(NvPool) parsed = nv_pool_new();
    if (!nv_xml_pool(k->xml, parsed, err))
        return NULL;
    const char *name = parsed->name;
    g_autoptr(virStoragePool) p = virStoragePoolDefineXML(c, k->xml, 0);
    if (!p) {
        nv_set_virt_error(err, _("cannot define pool '%s'"), name);
        return NULL;
    }
    gboolean built = FALSE, started = FALSE;
    gboolean ok = reached(k->fail_point, "pool-defined", err);
    if (ok && k->build) {
        ok = virStoragePoolBuild(p, 0) == 0;
        if (!ok)
            nv_set_virt_error(err, _("cannot build pool '%s'"), name);
        built = ok;
        ok = ok && reached(k->fail_point, "pool-built", err);
    }
    if (ok && k->start) {
        ok = virStoragePoolCreate(p, 0) == 0;
        if (!ok)
            nv_set_virt_error(err, _("cannot start pool '%s'"), name);
        started = ok;
        ok = ok && reached(k->fail_point, "pool-started", err);
    }
    if (ok && k->autostart && virStoragePoolSetAutostart(p, 1) < 0) {
        nv_set_virt_error(err, _("cannot mark pool '%s' autostart"), name);
        ok = FALSE;
    }
    if (!ok)
        undo_pool(p, name, started, built, g_strcmp0(parsed->type, "dir") == 0, err);
    return ok ? NV_ASYNC_OK : NULL;
}

void nv_pool_create_async(NvConn *conn, const char *xml, gboolean build, gboolean start,
                          gboolean autostart, NvAsyncFunc done, gpointer data,
                          GDestroyNotify data_free)
{
    PoolCreateReq *k = g_new0(PoolCreateReq, 1);
    k->xml = g_strdup(xml);
    k->build = build;
    k->start = start;
    k->autostart = autostart;
    k->fail_point = g_strdup(fail_point);
    storage_submit(conn, nv_storage_finish, k, (GDestroyNotify)pool_create_req_free, create_work,
                   done, data, data_free);
}

/* -- pool actions -- */

/* The volumes go first: a directory with files in it cannot be deleted. */
static gboolean delete_volumes(virStoragePoolPtr p, const char *name, GError **err)
{
    virStorageVolPtr *vols = NULL;
    int n = virStoragePoolListAllVolumes(p, &vols, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list the volumes of '%s'"), name);
        return FALSE;
    }
    gboolean ok = TRUE;
    for (int i = 0; i < n; i++) {
        if (ok && virStorageVolDelete(vols[i], 0) < 0) {
            nv_set_virt_error(err, _("cannot delete volume '%s' of '%s'"),
                              virStorageVolGetName(vols[i]), name);
            ok = FALSE;
        }
        virStorageVolFree(vols[i]);
    }
    free(vols);
    return ok;
}

static gboolean remove_pool(virStoragePoolPtr p, const char *name, gboolean data, GError **err)
{
    int active = virStoragePoolIsActive(p);
    int persistent = virStoragePoolIsPersistent(p);
    if (data && active == 1 && !delete_volumes(p, name, err))
        return FALSE;
    if (active == 1 && virStoragePoolDestroy(p) < 0) {
        nv_set_virt_error(err, _("cannot stop pool '%s'"), name);
        return FALSE;
    }
    if (data && virStoragePoolDelete(p, 0) < 0) {
        nv_set_virt_error(err, _("cannot delete the storage of pool '%s'"), name);
        return FALSE;
    }
    /* A transient pool is gone once stopped. */
    if (persistent != 0 && virStoragePoolUndefine(p) < 0) {
        nv_set_virt_error(err, _("cannot undefine pool '%s'"), name);
        return FALSE;
    }
    return TRUE;
}

/* libvirt's error is read here, before any other call clears it. */
static void pool_op_error(NvPoolOp op, const char *name, GError **err)
{
    switch (op) {
    case NV_POOL_OP_BUILD:
        nv_set_virt_error(err, _("cannot build pool '%s'"), name);
        break;
    case NV_POOL_OP_START:
        nv_set_virt_error(err, _("cannot start pool '%s'"), name);
        break;
    case NV_POOL_OP_STOP:
        nv_set_virt_error(err, _("cannot stop pool '%s'"), name);
        break;
    case NV_POOL_OP_REFRESH:
        nv_set_virt_error(err, _("cannot refresh pool '%s'"), name);
        break;
    default:
        nv_set_virt_error(err, _("cannot change the autostart of pool '%s'"), name);
        break;
    }
}

static gpointer pool_op_work(virConnectPtr c, gpointer data, GError **err)
{
    PoolOpReq *k = data;
    g_autoptr(virStoragePool) p = find_pool(c, k->pool, err);
    if (!p)
        return NULL;
    int rc = 0;
    switch (k->op) {
    case NV_POOL_OP_BUILD:
        rc = virStoragePoolBuild(p, 0);
        break;
    case NV_POOL_OP_START:
        rc = virStoragePoolCreate(p, 0);
        break;
    case NV_POOL_OP_STOP:
        rc = virStoragePoolDestroy(p);
        break;
    case NV_POOL_OP_REFRESH:
        rc = virStoragePoolRefresh(p, 0);
        break;
    case NV_POOL_OP_AUTOSTART_ON:
    case NV_POOL_OP_AUTOSTART_OFF:
        rc = virStoragePoolSetAutostart(p, k->op == NV_POOL_OP_AUTOSTART_ON);
        break;
    case NV_POOL_OP_UNDEFINE:
    case NV_POOL_OP_DELETE_DATA:
        rc = remove_pool(p, k->pool, k->op == NV_POOL_OP_DELETE_DATA, err) ? 0 : -2;
        break;
    }
    if (rc == -1)
        pool_op_error(k->op, k->pool, err);
    return rc == 0 ? NV_ASYNC_OK : NULL;
}

void nv_pool_op_async(NvConn *conn, const char *pool, NvPoolOp op, NvAsyncFunc done, gpointer data,
                      GDestroyNotify data_free)
{
    PoolOpReq *k = g_new0(PoolOpReq, 1);
    k->pool = g_strdup(pool);
    k->op = op;
    storage_submit(conn, nv_storage_finish, k, (GDestroyNotify)pool_op_req_free, pool_op_work, done,
                   data, data_free);
}

/* -- volumes -- */

/* The value is the new volume's path. */
static gpointer volume_create_work(virConnectPtr c, gpointer data, GError **err)
{
    VolumeCreateReq *k = data;
    g_autoptr(virStoragePool) p = find_pool(c, k->pool, err);
    if (!p)
        return NULL;
    g_autofree char *name = nv_storage_xml_name(k->xml);
    g_autoptr(virStorageVol) v = virStorageVolCreateXML(p, k->xml, 0);
    if (!v) {
        nv_set_virt_error(err, _("cannot create volume '%s' in pool '%s'"), name, k->pool);
        return NULL;
    }
    char *path = virStorageVolGetPath(v);
    g_autofree char *out_path = g_strdup(path ? path : "");
    free(path);
    virResetLastError();
    gboolean ok = reached(k->fail_point, "volume-created", err);
    if (!ok && virStorageVolDelete(v, 0) < 0)
        add_cleanup_failure(err, _("and cannot delete the new volume again"));
    return ok ? g_steal_pointer(&out_path) : NULL;
}

void nv_volume_create_async(NvConn *conn, const char *pool, const char *xml, NvAsyncFunc done,
                            gpointer data, GDestroyNotify data_free)
{
    VolumeCreateReq *k = g_new0(VolumeCreateReq, 1);
    k->pool = g_strdup(pool);
    k->xml = g_strdup(xml);
    k->fail_point = g_strdup(fail_point);
    storage_submit(conn, nv_volume_create_async, k, (GDestroyNotify)volume_create_req_free,
                   volume_create_work, done, data, data_free);
}

char *nv_volume_create_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_volume_create_async, err);
}

typedef enum { VOL_DELETE, VOL_RESIZE } VolOp;

/* Shrinking is refused unless asked for: the data past the new end is lost. */
static gboolean resize_allowed(VolumeReq *k, virStorageVolPtr v, GError **err)
{
    virStorageVolInfo info;
    if (k->shrink || virStorageVolGetInfo(v, &info) < 0 || k->size >= info.capacity) {
        virResetLastError();
        return TRUE;
    }
    g_autofree char *now = nv_format_bytes(info.capacity);
    g_autofree char *want = nv_format_bytes(k->size);
    g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                _("cannot resize volume '%s': %s is less than its capacity (%s), and "
                  "shrinking loses the data past the new end"),
                k->volume, want, now);
    return FALSE;
}

static gboolean volume_op(VolumeReq *k, virConnectPtr c, VolOp op, GError **err)
{
    g_autoptr(virStorageVol) v = find_volume(c, k->pool, k->volume, err);
    if (!v)
        return FALSE;
    gboolean ok = FALSE;
    switch (op) {
    case VOL_DELETE:
        ok = virStorageVolDelete(v, 0) == 0;
        if (!ok)
            nv_set_virt_error(err, _("cannot delete volume '%s'"), k->volume);
        break;
    case VOL_RESIZE:
        if (!resize_allowed(k, v, err))
            break;
        ok = virStorageVolResize(v, k->size, k->shrink ? VIR_STORAGE_VOL_RESIZE_SHRINK : 0) == 0;
        if (!ok)
            nv_set_virt_error(err, _("cannot resize volume '%s'"), k->volume);
        break;
    }
    return ok;
}

static gpointer delete_work(virConnectPtr c, gpointer data, GError **err)
{
    return volume_op(data, c, VOL_DELETE, err) ? NV_ASYNC_OK : NULL;
}

static gpointer resize_work(virConnectPtr c, gpointer data, GError **err)
{
    return volume_op(data, c, VOL_RESIZE, err) ? NV_ASYNC_OK : NULL;
}

void nv_volume_delete_async(NvConn *conn, const char *pool, const char *volume, NvAsyncFunc done,
                            gpointer data, GDestroyNotify data_free)
{
    storage_submit(conn, nv_storage_finish, volume_req_new(pool, volume),
                   (GDestroyNotify)volume_req_free, delete_work, done, data, data_free);
}

void nv_volume_resize_async(NvConn *conn, const char *pool, const char *volume, guint64 capacity,
                            gboolean shrink, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free)
{
    VolumeReq *k = volume_req_new(pool, volume);
    k->size = capacity;
    k->shrink = shrink;
    storage_submit(conn, nv_storage_finish, k, (GDestroyNotify)volume_req_free, resize_work, done,
                   data, data_free);
}

typedef struct {
    NvConn *conn;
    char *pool;
    char *volume;
    NvJobDoneFunc done;
    gpointer data;
} Wipe;

static void wipe_free(Wipe *w)
{
    g_free(w->pool);
    g_free(w->volume);
    g_free(w);
}

static gboolean wipe_run(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
{
    Wipe *w = data;
    g_autoptr(virStorageVol) v = find_volume(c, w->pool, w->volume, err);
    if (!v)
        return FALSE;
    gboolean ok = virStorageVolWipe(v, 0) == 0;
    if (!ok)
        nv_set_virt_error(err, _("cannot wipe volume '%s'"), w->volume);
    return ok;
}

static void wipe_done(NvJob *job, const GError *err, gpointer data)
{
    Wipe *w = data;
    nv_conn_refresh(w->conn, NV_CHANGE_POOLS | NV_CHANGE_VOLUMES);
    if (w->done)
        w->done(job, err, w->data);
}

NvJob *nv_volume_wipe(NvConn *conn, const char *pool, const char *volume, NvJobDoneFunc done,
                      gpointer data)
{
    Wipe *w = g_new0(Wipe, 1);
    w->conn = conn;
    w->pool = g_strdup(pool);
    w->volume = g_strdup(volume);
    w->done = done;
    w->data = data;
    g_autofree char *label = g_strdup_printf(_("wipe %s"), volume);
    NvJobSpec js = {
        .label = label,
        .run = wipe_run,
        .done = wipe_done,
        .data = w,
        .data_free = (GDestroyNotify)wipe_free,
    };
    return nv_job_start(conn, &js);
}

/* -- which domains use a volume -- */

static gpointer users_work(virConnectPtr c, gpointer data, GError **err)
{
    VolumeReq *k = data;
    return nv_fetch_volume_users(c, k->pool, k->volume, k->path, err);
}

void nv_volume_users_async(NvConn *conn, const char *pool, const char *volume, const char *path,
                           NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    VolumeReq *k = volume_req_new(pool, volume);
    k->path = g_strdup(path);
    NvAsyncSpec spec = {.tag = nv_volume_users_async,
                        .req = k,
                        .req_free = (GDestroyNotify)volume_req_free,
                        .value_free = (GDestroyNotify)g_ptr_array_unref};
    nv_conn_async(conn, &spec, users_work, done, data, data_free);
}

GPtrArray *nv_volume_users_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_volume_users_async, err);
}

/* ---- upload ---- */

typedef struct {
    NvConn *conn;
    char *pool;
    char *volume;
    char *local_path;
    NvLocalFile *file; /* the one open file the upload reads */
    gboolean delete_on_failure;
    NvJobProgressFunc progress;
    NvJobDoneFunc done;
    gpointer data;
    GDestroyNotify data_free;
    /* Shared by the job's thread (writes) and the worker's polls (reads). */
    GMutex lock;
    guint64 sent;
    guint64 size;
    gint cancel; /* atomic */
    /* The end, held while a volume made for the upload is deleted. */
    NvJob *job;
    GError *error;
} Upload;

static void upload_free(Upload *u)
{
    if (u->data_free)
        u->data_free(u->data);
    g_mutex_clear(&u->lock);
    g_free(u->pool);
    g_free(u->volume);
    g_free(u->local_path);
    g_clear_pointer(&u->file, nv_local_file_unref);
    g_clear_error(&u->error);
    g_free(u);
}

static void upload_count(Upload *u, guint64 sent, guint64 size)
{
    g_mutex_lock(&u->lock);
    u->sent = sent;
    u->size = size;
    g_mutex_unlock(&u->lock);
}

/* Reads up to a chunk at `sent`, never past `size` (what libvirt was told), and sends all of
 * it; 0 at the end of the file, -1 with `err`. */
static gssize upload_chunk(Upload *u, guint64 sent, guint64 size, virStreamPtr st, char *buf,
                           GError **err)
{
    gsize want = (gsize)MIN((guint64)NV_UPLOAD_CHUNK, size - sent);
    gssize n = nv_local_file_read(u->file, sent, buf, want, err);
    if (n < 0)
        return -1;
    for (gssize off = 0; off < n;) {
        int w = virStreamSend(st, buf + off, (size_t)(n - off));
        if (w < 0) {
            nv_set_virt_error(err, _("cannot send '%s' to volume '%s'"), u->local_path, u->volume);
            return -1;
        }
        off += w;
    }
    return n;
}

/* Sends the whole file; the stream is blocking because this runs on a thread of its own,
 * where waiting is what we want, and a cancel is seen between two chunks. */
static gboolean upload_stream(Upload *u, guint64 size, virStreamPtr st, GError **err)
{
    g_autofree char *buf = g_malloc(NV_UPLOAD_CHUNK);
    guint64 sent = 0;
    while (sent < size) {
        if (g_atomic_int_get(&u->cancel)) {
            g_set_error(err, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                        _("the upload into '%s' was stopped"), u->volume);
            return FALSE;
        }
        gssize n = upload_chunk(u, sent, size, st, buf, err);
        if (n < 0)
            return FALSE;
        if (n == 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("'%s' became shorter during the upload"),
                        u->local_path);
            return FALSE;
        }
        sent += (guint64)n;
        upload_count(u, MIN(sent, size), size);
    }
    if (virStreamFinish(st) < 0) {
        nv_set_virt_error(err, _("cannot finish the upload into '%s'"), u->volume);
        return FALSE;
    }
    return TRUE;
}

static gboolean upload_run(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
{
    Upload *u = data;
    if (!u->file)
        u->file = nv_local_file_open(u->local_path, err);
    if (!u->file)
        return FALSE;
    /* The size as the file was checked: what libvirt is told to expect. */
    guint64 size = u->file->size;
    upload_count(u, 0, size);
    g_autoptr(virStorageVol) v = find_volume(c, u->pool, u->volume, err);
    g_autoptr(virStream) st = v ? virStreamNew(c, 0) : NULL;
    gboolean ok = FALSE;
    if (v && !st) {
        nv_set_virt_error(err, _("cannot open a stream to '%s'"), u->volume);
    } else if (st && virStorageVolUpload(v, st, 0, size, 0) < 0) {
        nv_set_virt_error(err, _("cannot upload into volume '%s'"), u->volume);
    } else if (st) {
        ok = upload_stream(u, size, st, err);
        if (!ok)
            virStreamAbort(st);
    }
    virResetLastError();
    return ok;
}

static gboolean upload_poll(virConnectPtr c, virDomainPtr dom, gpointer data, double *fraction,
                            char **detail)
{
    Upload *u = data;
    g_mutex_lock(&u->lock);
    guint64 sent = u->sent, size = u->size;
    g_mutex_unlock(&u->lock);
    *fraction = size ? (double)sent / (double)size : 0.0;
    g_autofree char *a = nv_format_bytes(sent);
    g_autofree char *b = nv_format_bytes(size);
    *detail = g_strdup_printf(_("%s of %s"), a, b);
    return TRUE;
}

/* The worker only raises the flag: the thread aborts the stream between two chunks. */
static gboolean upload_abort(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
{
    Upload *u = data;
    g_atomic_int_set(&u->cancel, 1);
    return TRUE;
}

static void upload_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Upload *u = data;
    if (u->progress)
        u->progress(job, fraction, detail, u->data);
}

static void upload_finish(Upload *u, const GError *err)
{
    if (u->done)
        u->done(u->job, err, u->data);
    g_clear_pointer(&u->job, nv_job_unref);
}

static void upload_cleaned(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Upload *u = data;
    g_autoptr(GError) err = NULL;
    nv_storage_finish(res, &err);
    /* What became of the volume first: the status line may cut the rest. The error keeps
     * the upload's code, so a cancel stays a cancel. */
    gboolean cancelled = g_error_matches(u->error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_autoptr(GError) out = g_error_copy(u->error);
    g_free(out->message);
    if (err)
        out->message = g_strdup_printf(_("upload into '%s' failed and the new volume could not "
                                         "be deleted (%s): %s"),
                                       u->volume, err->message, u->error->message);
    else if (cancelled)
        out->message = g_strdup_printf(_("upload into '%s' cancelled, the new volume was "
                                         "deleted: %s"),
                                       u->volume, u->error->message);
    else
        out->message = g_strdup_printf(_("upload into '%s' failed, the new volume was deleted: "
                                         "%s"),
                                       u->volume, u->error->message);
    upload_finish(u, out);
}

static void upload_done(NvJob *job, const GError *err, gpointer data)
{
    Upload *u = data;
    /* Held until the end is reported: the job owns `u`. */
    u->job = nv_job_ref(job);
    if (!err || !u->delete_on_failure) {
        nv_conn_refresh(u->conn, NV_CHANGE_POOLS | NV_CHANGE_VOLUMES);
        upload_finish(u, err);
        return;
    }
    /* The volume was made for this upload: with part of a file in it, it is of no use. */
    u->error = g_error_copy(err);
    nv_volume_delete_async(u->conn, u->pool, u->volume, upload_cleaned, u, NULL);
}

NvJob *nv_volume_upload(NvConn *conn, const NvUploadSpec *spec)
{
    Upload *u = g_new0(Upload, 1);
    g_mutex_init(&u->lock);
    u->conn = conn;
    u->pool = g_strdup(spec->pool);
    u->volume = g_strdup(spec->volume);
    u->local_path = g_strdup(spec->local_path ? spec->local_path : spec->file->path);
    u->file = spec->file ? nv_local_file_ref(spec->file) : NULL;
    u->delete_on_failure = spec->delete_on_failure;
    u->progress = spec->progress;
    u->done = spec->done;
    u->data = spec->data;
    u->data_free = spec->data_free;
    g_autofree char *base = g_path_get_basename(u->local_path);
    g_autofree char *label = g_strdup_printf(_("upload %s into %s"), base, spec->volume);
    NvJobSpec js = {
        .label = label,
        .run = upload_run,
        .poll = upload_poll,
        .abort = upload_abort,
        .cancellable = TRUE,
        .progress = upload_progress,
        .done = upload_done,
        .data = u,
        .data_free = (GDestroyNotify)upload_free,
    };
    return nv_job_start(conn, &js);
}
