/* Storage actions through one NvConn and a GMainLoop, as the UI makes them. On libvirt's test
 * driver (test:///default): pool define/build/start/stop/autostart/refresh/delete with its
 * clean-up after failures injected at every step, volume create/delete, resize and wipe as
 * far as the driver goes (it has no resize, wipe or upload: their errors must name the
 * volume), an upload into a new volume that fails or is cancelled leaving no volume, and the
 * domains that use a volume. With NCVIRT_STORAGE_URI set (tests/daemon-storage.sh sets
 * qemu:///system), the "daemon" case does what the test driver cannot: upload a file and
 * read it back, cancel an upload half way, grow, refuse to shrink, shrink, and wipe. */
#include <check.h>
#include <fcntl.h>
#include <gio/gio.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <unistd.h>

#include <libvirt/virterror.h>

#include "conn-virt.h"
#include "error.h"
#include "virt-util.h"
#include "domain-actions.h"
#include "storage.h"
#include "test-util.h"

#define POOL "default-pool"

/* ---- answers of the calls under test ---- */

typedef struct {
    gboolean done;
    GError *err;
    char *path;
    guint types;
    GPtrArray *users;
    guint progress_calls;
    double last_fraction;
    NvJob *cancel_at_progress; /* cancel this job at its first progress report */
} Answer;

static void answer_clear(Answer *a)
{
    g_clear_error(&a->err);
    g_clear_pointer(&a->path, g_free);
    g_clear_pointer(&a->users, g_ptr_array_unref);
    a->done = FALSE;
}

static void answered(const GError *err, gpointer data)
{
    Answer *a = data;
    a->err = err ? g_error_copy(err) : NULL;
    a->done = TRUE;
}

static void on_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    nv_storage_finish(res, &err);
    answered(err, data);
}

static void on_created(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Answer *a = data;
    g_autoptr(GError) err = NULL;
    a->path = nv_volume_create_finish(res, &err);
    answered(err, data);
}

static void on_types(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Answer *a = data;
    g_autoptr(GError) err = NULL;
    nv_storage_pool_types_finish(res, &a->types, &err);
    answered(err, data);
}

static void on_users(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Answer *a = data;
    g_autoptr(GError) err = NULL;
    a->users = nv_volume_users_finish(res, &err);
    answered(err, data);
}

static void on_job_done(NvJob *job, const GError *err, gpointer data)
{
    answered(err, data);
}

static void on_job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Answer *a = data;
    a->progress_calls++;
    a->last_fraction = fraction;
    ck_assert(fraction <= 1.0);
    if (a->cancel_at_progress && fraction > 0) {
        nv_job_cancel(a->cancel_at_progress);
        a->cancel_at_progress = NULL;
    }
}

static void wait_ok(Answer *a, guint ms)
{
    nv_test_wait(&a->done, ms);
    ck_assert_msg(a->err == NULL, "%s", a->err ? a->err->message : "");
}

static void wait_error(Answer *a, guint ms, const char *says)
{
    nv_test_wait(&a->done, ms);
    ck_assert_msg(a->err != NULL, "no error; wanted one saying '%s'", says);
    ck_assert_msg(strstr(a->err->message, says) != NULL, "'%s' lacks '%s'", a->err->message, says);
}

/* ---- direct reads on the NvConn's own connection (the worker) ---- */

typedef struct {
    gboolean done;
    const char *pool;
    const char *arg;
    int active; /* -1: no such pool */
    int autostart;
    int volumes;      /* -1: not listable */
    char *names;      /* volume names, space-separated */
    guint64 capacity; /* of volume `arg` */
} Probe;

static gboolean probe_work(virConnectPtr c, gpointer data, GError **err)
{
    Probe *p = data;
    p->active = p->autostart = p->volumes = -1;
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, p->pool);
    if (!pool) {
        virResetLastError();
        return TRUE;
    }
    p->active = virStoragePoolIsActive(pool);
    virStoragePoolGetAutostart(pool, &p->autostart);
    virStorageVolPtr *vols = NULL;
    int n = virStoragePoolListAllVolumes(pool, &vols, 0);
    GString *names = g_string_new("");
    for (int i = 0; i < n; i++) {
        g_string_append_printf(names, "%s ", virStorageVolGetName(vols[i]));
        if (p->arg && strcmp(virStorageVolGetName(vols[i]), p->arg) == 0) {
            virStorageVolInfo info;
            if (virStorageVolGetInfo(vols[i], &info) == 0)
                p->capacity = info.capacity;
        }
        virStorageVolFree(vols[i]);
    }
    free(vols);
    p->volumes = n;
    g_free(p->names);
    p->names = g_string_free(names, FALSE);
    virStoragePoolFree(pool);
    virResetLastError();
    return TRUE;
}

static Probe probe(NvConn *conn, const char *pool, const char *volume)
{
    Probe p = {.pool = pool, .arg = volume};
    g_autoptr(GError) ignored = nv_test_call(conn, probe_work, &p);
    return p;
}

typedef struct {
    const char *xml;
    gboolean done;
} Define;

static gboolean define_work(virConnectPtr c, gpointer data, GError **err)
{
    Define *d = data;
    virDomainPtr dom = virDomainDefineXML(c, d->xml);
    if (!dom) {
        nv_set_virt_error(err, "cannot define");
        return FALSE;
    }
    virDomainFree(dom);
    return TRUE;
}

static void define_domain(NvConn *conn, const char *xml)
{
    Define d = {.xml = xml};
    nv_test_on_worker(conn, define_work, &d);
}

/* ---- helpers over the API under test ---- */

static char *dir_pool_xml(const char *name, const char *path)
{
    g_autoptr(NvPoolDraft) d = nv_pool_draft_new(NV_POOL_DIR);
    g_free(d->name);
    d->name = g_strdup(name);
    g_free(d->target_path);
    d->target_path = g_strdup(path);
    g_autoptr(GError) err = NULL;
    char *xml = nv_pool_draft_xml(d, &err);
    ck_assert_msg(xml != NULL, "%s", err ? err->message : "");
    return xml;
}

static char *volume_xml(const char *name, const char *format, guint64 capacity)
{
    g_autoptr(NvVolumeDraft) d = nv_volume_draft_new();
    g_free(d->name);
    d->name = g_strdup(name);
    g_free(d->format);
    d->format = g_strdup(format);
    d->capacity = capacity;
    g_autoptr(GError) err = NULL;
    char *xml = nv_volume_draft_xml(d, &err);
    ck_assert_msg(xml != NULL, "%s", err ? err->message : "");
    return xml;
}

static char *create_volume(NvConn *conn, const char *pool, const char *name, const char *format,
                           guint64 capacity)
{
    g_autofree char *xml = volume_xml(name, format, capacity);
    Answer a = {0};
    nv_volume_create_async(conn, pool, xml, on_created, &a, NULL);
    wait_ok(&a, 20000);
    ck_assert(a.path && *a.path);
    return a.path;
}

static void pool_op_ok(NvConn *conn, const char *pool, NvPoolOp op)
{
    Answer a = {0};
    nv_pool_op_async(conn, pool, op, on_done, &a, NULL);
    wait_ok(&a, 60000);
}

/* ---- the test driver ---- */

START_TEST(test_pool_types)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    Answer a = {0};
    nv_storage_pool_types_async(conn, on_types, &a, NULL);
    wait_ok(&a, 10000);
    /* The test driver has no pool capabilities: every type ncvirt builds is offered. */
    ck_assert_uint_eq(a.types, NV_POOL_TYPES_ALL);
}
END_TEST

START_TEST(test_pool_lifecycle)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *xml = dir_pool_xml("p1", "/nvtest/p1");
    Answer a = {0};
    nv_pool_create_async(conn, xml, TRUE, TRUE, TRUE, on_done, &a, NULL);
    wait_ok(&a, 10000);
    Probe p = probe(conn, "p1", NULL);
    ck_assert_int_eq(p.active, 1);
    ck_assert_int_eq(p.autostart, 1);
    g_free(p.names);

    pool_op_ok(conn, "p1", NV_POOL_OP_AUTOSTART_OFF);
    pool_op_ok(conn, "p1", NV_POOL_OP_REFRESH);
    pool_op_ok(conn, "p1", NV_POOL_OP_STOP);
    p = probe(conn, "p1", NULL);
    ck_assert_int_eq(p.active, 0);
    ck_assert_int_eq(p.autostart, 0);
    g_free(p.names);
    pool_op_ok(conn, "p1", NV_POOL_OP_BUILD);
    pool_op_ok(conn, "p1", NV_POOL_OP_START);
    pool_op_ok(conn, "p1", NV_POOL_OP_AUTOSTART_ON);
    p = probe(conn, "p1", NULL);
    ck_assert_int_eq(p.active, 1);
    ck_assert_int_eq(p.autostart, 1);
    g_free(p.names);

    /* Removing the definition of a running pool stops it first. */
    pool_op_ok(conn, "p1", NV_POOL_OP_UNDEFINE);
    p = probe(conn, "p1", NULL);
    ck_assert_int_eq(p.active, -1);
    g_free(p.names);

    Answer gone = {0};
    nv_pool_op_async(conn, "p1", NV_POOL_OP_START, on_done, &gone, NULL);
    wait_error(&gone, 10000, "cannot find pool 'p1'");
    answer_clear(&gone);
}
END_TEST

START_TEST(test_pool_delete_data)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *xml = dir_pool_xml("p2", "/nvtest/p2");
    Answer a = {0};
    nv_pool_create_async(conn, xml, TRUE, TRUE, FALSE, on_done, &a, NULL);
    wait_ok(&a, 10000);
    g_free(create_volume(conn, "p2", "a.qcow2", "qcow2", 1 << 20));
    g_free(create_volume(conn, "p2", "b.img", "raw", 1 << 20));
    Probe p = probe(conn, "p2", NULL);
    ck_assert_int_eq(p.volumes, 2);
    g_free(p.names);
    pool_op_ok(conn, "p2", NV_POOL_OP_DELETE_DATA);
    p = probe(conn, "p2", NULL);
    ck_assert_int_eq(p.active, -1);
    g_free(p.names);
}
END_TEST

/* A failure after each step of the creation leaves no pool behind. */
START_TEST(test_pool_create_failures)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    const char *points[] = {"pool-defined", "pool-built", "pool-started"};
    for (guint i = 0; i < G_N_ELEMENTS(points); i++) {
        g_autofree char *name = g_strdup_printf("fail-%u", i);
        g_autofree char *path = g_strdup_printf("/nvtest/%s", name);
        g_autofree char *xml = dir_pool_xml(name, path);
        nv_storage_set_fail_point(points[i]);
        Answer a = {0};
        nv_pool_create_async(conn, xml, TRUE, TRUE, TRUE, on_done, &a, NULL);
        nv_storage_set_fail_point(NULL);
        wait_error(&a, 10000, points[i]);
        answer_clear(&a);
        Probe p = probe(conn, name, NULL);
        ck_assert_msg(p.active == -1, "pool %s is left after a failure at %s", name, points[i]);
        g_free(p.names);
    }
    /* A name the host has already: the define itself fails, nothing changes. */
    g_autofree char *dup = dir_pool_xml(POOL, "/elsewhere");
    Answer a = {0};
    nv_pool_create_async(conn, dup, TRUE, TRUE, FALSE, on_done, &a, NULL);
    wait_error(&a, 10000, "cannot define pool 'default-pool'");
    answer_clear(&a);
    Probe p = probe(conn, POOL, NULL);
    ck_assert_int_eq(p.active, 1);
    g_free(p.names);
}
END_TEST

START_TEST(test_volume_create_delete)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *path = create_volume(conn, POOL, "v1.qcow2", "qcow2", 1 << 30);
    ck_assert_str_eq(path, "/default-pool/v1.qcow2");
    Probe p = probe(conn, POOL, "v1.qcow2");
    ck_assert_int_eq(p.volumes, 1);
    ck_assert_uint_eq(p.capacity, 1 << 30);
    g_free(p.names);

    /* A name taken: the host refuses, the error names the volume and the pool. */
    g_autofree char *xml = volume_xml("v1.qcow2", "qcow2", 1 << 20);
    Answer dup = {0};
    nv_volume_create_async(conn, POOL, xml, on_created, &dup, NULL);
    wait_error(&dup, 10000, "cannot create volume 'v1.qcow2' in pool 'default-pool'");
    answer_clear(&dup);

    Answer del = {0};
    nv_volume_delete_async(conn, POOL, "v1.qcow2", on_done, &del, NULL);
    wait_ok(&del, 10000);
    p = probe(conn, POOL, NULL);
    ck_assert_int_eq(p.volumes, 0);
    g_free(p.names);

    Answer again = {0};
    nv_volume_delete_async(conn, POOL, "v1.qcow2", on_done, &again, NULL);
    wait_error(&again, 10000, "cannot find volume 'v1.qcow2' in pool 'default-pool'");
    answer_clear(&again);
}
END_TEST

/* The injected failure comes after the volume exists: the action deletes it again. */
START_TEST(test_volume_failure_cleans)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *xml = volume_xml("doomed.img", "raw", 1 << 20);
    nv_storage_set_fail_point("volume-created");
    Answer a = {0};
    nv_volume_create_async(conn, POOL, xml, on_created, &a, NULL);
    nv_storage_set_fail_point(NULL);
    wait_error(&a, 10000, "injected failure after volume-created");
    ck_assert_ptr_null(a.path);
    answer_clear(&a);
    Probe p = probe(conn, POOL, NULL);
    ck_assert_msg(p.volumes == 0, "volumes left: %s", p.names);
    g_free(p.names);
}
END_TEST

/* What the test driver cannot do fails with the volume named, and changes nothing. */
START_TEST(test_volume_unsupported)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_free(create_volume(conn, POOL, "v.img", "raw", 4 << 20));
    Answer grow = {0};
    nv_volume_resize_async(conn, POOL, "v.img", 8 << 20, FALSE, on_done, &grow, NULL);
    wait_error(&grow, 10000, "cannot resize volume 'v.img'");
    answer_clear(&grow);

    /* Shrinking is refused before libvirt is asked, unless it is asked for. */
    Answer shrink = {0};
    nv_volume_resize_async(conn, POOL, "v.img", 1 << 20, FALSE, on_done, &shrink, NULL);
    wait_error(&shrink, 10000, "shrinking loses the data");
    ck_assert(g_error_matches(shrink.err, NV_ERROR, NV_ERROR_INVALID));
    answer_clear(&shrink);

    Answer wipe = {0};
    g_autoptr(NvJob) job = nv_volume_wipe(conn, POOL, "v.img", on_job_done, &wipe);
    wait_error(&wipe, 10000, "cannot wipe volume 'v.img'");
    answer_clear(&wipe);
    Probe p = probe(conn, POOL, "v.img");
    ck_assert_uint_eq(p.capacity, 4 << 20);
    g_free(p.names);
}
END_TEST

static NvJob *upload(NvConn *conn, const char *pool, const char *volume, const char *file,
                     gboolean created, Answer *a)
{
    NvUploadSpec spec = {
        .pool = pool,
        .volume = volume,
        .local_path = file,
        .delete_on_failure = created,
        .progress = on_job_progress,
        .done = on_job_done,
        .data = a,
    };
    return nv_volume_upload(conn, &spec);
}

static char *make_file(const char *dir, const char *name, gsize size)
{
    char *path = g_build_filename(dir, name, NULL);
    g_autofree char *bytes = g_malloc(size);
    for (gsize i = 0; i < size; i++)
        bytes[i] = (char)(i * 7 + i / 4096);
    ck_assert(g_file_set_contents(path, bytes, (gssize)size, NULL));
    return path;
}

/* The upload fails (the test driver has none) into a volume made for it: the volume goes;
 * into a volume that was there before, it stays. */
START_TEST(test_upload_failure_cleans)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *dir = g_dir_make_tmp("nvupload-XXXXXX", NULL);
    g_autofree char *file = make_file(dir, "small.iso", 100000);

    g_free(create_volume(conn, POOL, "new.iso", "raw", 100000));
    Answer a = {0};
    g_autoptr(NvJob) j1 = upload(conn, POOL, "new.iso", file, TRUE, &a);
    wait_error(&a, 20000, "cannot upload into volume 'new.iso'");
    ck_assert_msg(
        strstr(a.err->message, "upload into 'new.iso' failed, the new volume was deleted"), "%s",
        a.err->message);
    answer_clear(&a);
    Probe p = probe(conn, POOL, NULL);
    ck_assert_msg(p.volumes == 0, "volumes left: %s", p.names);
    g_free(p.names);

    g_free(create_volume(conn, POOL, "old.iso", "raw", 100000));
    g_autoptr(NvJob) j2 = upload(conn, POOL, "old.iso", file, FALSE, &a);
    wait_error(&a, 20000, "cannot upload into volume 'old.iso'");
    ck_assert(strstr(a.err->message, "deleted") == NULL);
    answer_clear(&a);
    p = probe(conn, POOL, NULL);
    ck_assert_int_eq(p.volumes, 1);
    g_free(p.names);

    /* A local file that is not there: nothing is sent, the new volume goes. */
    g_free(create_volume(conn, POOL, "ghost.iso", "raw", 100000));
    g_autofree char *missing = g_build_filename(dir, "missing.iso", NULL);
    g_autoptr(NvJob) j3 = upload(conn, POOL, "ghost.iso", missing, TRUE, &a);
    wait_error(&a, 20000, "cannot open");
    answer_clear(&a);
    p = probe(conn, POOL, NULL);
    ck_assert_msg(p.volumes == 1, "volumes: %s", p.names);
    g_free(p.names);
    g_unlink(file);
    g_rmdir(dir);
}
END_TEST

/* A path that is a symbolic link is refused before anything is sent, with the reason. */
START_TEST(test_upload_symlink)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *dir = g_dir_make_tmp("nvupload-XXXXXX", NULL);
    g_autofree char *file = make_file(dir, "real.iso", 4096);
    g_autofree char *link = g_build_filename(dir, "link.iso", NULL);
    ck_assert_int_eq(symlink(file, link), 0);
    g_free(create_volume(conn, POOL, "l.iso", "raw", 4096));
    Answer a = {0};
    g_autoptr(NvJob) job = upload(conn, POOL, "l.iso", link, TRUE, &a);
    wait_error(&a, 20000, "is a symbolic link");
    answer_clear(&a);
    g_unlink(link);
    g_unlink(file);
    g_rmdir(dir);
}
END_TEST

/* The file opened when it was checked is the one uploaded: its path made a link afterwards
 * is not looked at again (the upload gets as far as libvirt, which has none here). */
START_TEST(test_upload_opened_file)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *dir = g_dir_make_tmp("nvupload-XXXXXX", NULL);
    g_autofree char *file = make_file(dir, "disc.iso", 4096);
    g_autofree char *secret = make_file(dir, "secret", 100);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvLocalFile) opened = nv_local_file_open(file, &err);
    ck_assert_msg(opened, "%s", err ? err->message : "");
    ck_assert_int_eq(g_unlink(file), 0);
    ck_assert_int_eq(symlink(secret, file), 0);
    g_free(create_volume(conn, POOL, "o.iso", "raw", 4096));
    Answer a = {0};
    NvUploadSpec spec = {
        .pool = POOL,
        .volume = "o.iso",
        .file = opened,
        .delete_on_failure = TRUE,
        .done = on_job_done,
        .data = &a,
    };
    g_autoptr(NvJob) job = nv_volume_upload(conn, &spec);
    wait_error(&a, 20000, "cannot upload into volume 'o.iso'");
    ck_assert_msg(strstr(a.err->message, "symbolic link") == NULL, "%s", a.err->message);
    answer_clear(&a);
    g_unlink(file);
    g_unlink(secret);
    g_rmdir(dir);
}
END_TEST

/* Cancelled at once, before its thread starts: reported as a cancel, the volume goes. */
START_TEST(test_upload_cancel_early)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *dir = g_dir_make_tmp("nvupload-XXXXXX", NULL);
    g_autofree char *file = make_file(dir, "small.iso", 4096);
    g_free(create_volume(conn, POOL, "c.iso", "raw", 4096));
    Answer a = {0};
    g_autoptr(NvJob) job = upload(conn, POOL, "c.iso", file, TRUE, &a);
    ck_assert(nv_job_can_cancel(job));
    ck_assert(nv_job_cancel(job));
    nv_test_wait(&a.done, 20000);
    ck_assert(g_error_matches(a.err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    ck_assert_msg(
        strstr(a.err->message, "upload into 'c.iso' cancelled, the new volume was deleted"), "%s",
        a.err->message);
    answer_clear(&a);
    Probe p = probe(conn, POOL, NULL);
    ck_assert_msg(p.volumes == 0, "volumes left: %s", p.names);
    g_free(p.names);
    g_unlink(file);
    g_rmdir(dir);
}
END_TEST

START_TEST(test_volume_users)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *path = create_volume(conn, POOL, "shared.qcow2", "qcow2", 1 << 20);
    g_autofree char *lonely = create_volume(conn, POOL, "lonely.qcow2", "qcow2", 1 << 20);
#define DOMAIN_XML(name, disk)                                                                     \
    "<domain type='test'><name>" name "</name><memory>65536</memory>"                              \
    "<os><type>hvm</type></os><devices>" disk "</devices></domain>"
    g_autofree char *d1 =
        g_strdup_printf(DOMAIN_XML("zeta", "<disk type='file' device='disk'><source file='%s'/>"
                                           "<target dev='vda'/></disk>"),
                        path);
    g_autofree char *d2 =
        g_strdup(DOMAIN_XML("alpha", "<disk type='volume' device='disk'><source pool='" POOL
                                     "' volume='shared.qcow2'/><target dev='vdb'/></disk>"));
#undef DOMAIN_XML
    define_domain(conn, d1);
    define_domain(conn, d2);

    Answer a = {0};
    nv_volume_users_async(conn, POOL, "shared.qcow2", path, on_users, &a, NULL);
    wait_ok(&a, 10000);
    ck_assert_uint_eq(a.users->len, 2);
    ck_assert_str_eq(a.users->pdata[0], "alpha");
    ck_assert_str_eq(a.users->pdata[1], "zeta");
    answer_clear(&a);

    nv_volume_users_async(conn, POOL, "lonely.qcow2", lonely, on_users, &a, NULL);
    wait_ok(&a, 10000);
    ck_assert_uint_eq(a.users->len, 0);
    answer_clear(&a);

    /* The test driver's own domain "test" has /guest/diskimage1. */
    nv_volume_users_async(conn, "other", "diskimage1", "/guest/diskimage1", on_users, &a, NULL);
    wait_ok(&a, 10000);
    ck_assert_uint_eq(a.users->len, 1);
    ck_assert_str_eq(a.users->pdata[0], "test");
    answer_clear(&a);
}
END_TEST

/* A volume built on another: its <backingStore> is all libvirt keeps of a shut-off domain's
 * chain. Returns the path. */
static char *create_overlay(NvConn *conn, const char *name, const char *base_path)
{
    g_autofree char *xml = g_strdup_printf(
        "<volume><name>%s</name><capacity>1048576</capacity>"
        "<target><format type='qcow2'/></target>"
        "<backingStore><path>%s</path><format type='qcow2'/></backingStore></volume>",
        name, base_path);
    Answer a = {0};
    nv_volume_create_async(conn, POOL, xml, on_created, &a, NULL);
    wait_ok(&a, 20000);
    return a.path;
}

typedef struct {
    const char *xml;
    const char *redefine; /* after the start: the next boot's definition */
    gboolean transient;   /* virDomainCreateXML: running, with the live XML as given */
} Running;

static gboolean running_work(virConnectPtr c, gpointer data, GError **err)
{
    Running *r = data;
    g_autoptr(virDomain) dom =
        r->transient ? virDomainCreateXML(c, r->xml, 0) : virDomainDefineXML(c, r->xml);
    if (dom && !r->transient && virDomainCreate(dom) < 0)
        g_clear_pointer(&dom, virDomainFree);
    g_autoptr(virDomain) next = dom && r->redefine ? virDomainDefineXML(c, r->redefine) : NULL;
    if (!dom || (r->redefine && !next)) {
        nv_set_virt_error(err, "cannot start");
        return FALSE;
    }
    return TRUE;
}

static char *users_of(NvConn *conn, const char *volume, const char *path)
{
    Answer a = {0};
    nv_volume_users_async(conn, POOL, volume, path, on_users, &a, NULL);
    wait_ok(&a, 10000);
    GString *s = g_string_new("");
    for (guint i = 0; i < a.users->len; i++)
        g_string_append_printf(s, "%s%s", i ? ", " : "", (char *)a.users->pdata[i]);
    answer_clear(&a);
    return g_string_free(s, FALSE);
}

/* Issue 10, defect 2: a base image is in use by every domain whose disk is built on it, at any
 * depth, shut off (the chain only in the volumes' XML) or running (the chain in its live XML);
 * a running domain's next boot counts too. */
START_TEST(test_volume_users_backing)
{
    g_autoptr(NvConn) conn = nv_test_conn_open("test:///default");
    g_autofree char *base = create_volume(conn, POOL, "base.qcow2", "qcow2", 1 << 20);
    g_autofree char *mid = create_overlay(conn, "mid.qcow2", base);
    g_autofree char *top = create_overlay(conn, "top.qcow2", mid);
    g_autofree char *base2 = create_volume(conn, POOL, "base2.qcow2", "qcow2", 1 << 20);
    g_autofree char *now = create_volume(conn, POOL, "now.qcow2", "qcow2", 1 << 20);
    g_autofree char *later = create_volume(conn, POOL, "later.qcow2", "qcow2", 1 << 20);
#define DOMAIN_XML(name, disk)                                                                     \
    "<domain type='test'><name>" name "</name><memory>65536</memory>"                              \
    "<os><type>hvm</type></os><devices>" disk "</devices></domain>"
#define DISK(dev, path, chain)                                                                     \
    "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/><source file='" path        \
    "'/>" chain "<target dev='" dev "'/></disk>"
    define_domain(conn, DOMAIN_XML("linked", DISK("vdb", "/default-pool/top.qcow2", "")));
    Running live = {.transient = TRUE,
                    .xml = DOMAIN_XML("live", DISK("vdc", "/var/tmp/harden-ov.qcow2",
                                                   "<backingStore type='file'><format "
                                                   "type='qcow2'/><source "
                                                   "file='/default-pool/base2.qcow2'/>"
                                                   "<backingStore/></backingStore>"))};
    nv_test_on_worker(conn, running_work, &live);
    /* Redefined while it runs: the same UUID, the next boot on another disk. */
#define NEXT(disk)                                                                                 \
    "<domain type='test'><name>next</name><uuid>11111111-2222-3333-4444-555555555555</uuid>"       \
    "<memory>65536</memory><os><type>hvm</type></os><devices>" disk "</devices></domain>"
    Running next = {.xml = NEXT(DISK("vda", "/default-pool/now.qcow2", "")),
                    .redefine = NEXT(DISK("vda", "/default-pool/later.qcow2", ""))};
    nv_test_on_worker(conn, running_work, &next);
#undef NEXT
#undef DISK
#undef DOMAIN_XML

    g_autofree char *u_top = users_of(conn, "top.qcow2", top);
    ck_assert_str_eq(u_top, "linked");
    g_autofree char *u_mid = users_of(conn, "mid.qcow2", mid);
    ck_assert_str_eq(u_mid, "linked (base of its disk vdb)");
    g_autofree char *u_base = users_of(conn, "base.qcow2", base);
    ck_assert_str_eq(u_base, "linked (base of its disk vdb)");
    g_autofree char *u_base2 = users_of(conn, "base2.qcow2", base2);
    ck_assert_str_eq(u_base2, "live (base of its disk vdc)");
    g_autofree char *u_now = users_of(conn, "now.qcow2", now);
    ck_assert_str_eq(u_now, "next");
    g_autofree char *u_later = users_of(conn, "later.qcow2", later);
    ck_assert_str_eq(u_later, "next");
}
END_TEST

/* ---- a real storage driver (NCVIRT_STORAGE_URI, e.g. qemu:///system) ---- */

typedef struct {
    NvConn *conn;
    char *pool;
    char *dir;
} Real;

/* A dir pool of its own under a fresh directory; the shell test removes leftovers by the
 * NCVIRT_STORAGE_PREFIX it sets, should a check fail half way. */
static Real real_pool(const char *what)
{
    const char *uri = g_getenv("NCVIRT_STORAGE_URI");
    Real r = {0};
    r.conn = nv_test_conn_open(uri);
    const char *prefix = g_getenv("NCVIRT_STORAGE_PREFIX");
    r.pool = g_strdup_printf("%s-%s", prefix ? prefix : "nvtest-storage", what);
    g_autofree char *tmpl = g_strdup_printf("%s-XXXXXX", r.pool);
    r.dir = g_dir_make_tmp(tmpl, NULL);
    ck_assert_ptr_nonnull(r.dir);
    g_autofree char *target = g_build_filename(r.dir, "pool", NULL);
    g_autofree char *xml = dir_pool_xml(r.pool, target);
    Answer a = {0};
    nv_pool_create_async(r.conn, xml, TRUE, TRUE, FALSE, on_done, &a, NULL);
    wait_ok(&a, 30000);
    return r;
}

static void real_free(Real *r)
{
    Answer a = {0};
    nv_pool_op_async(r->conn, r->pool, NV_POOL_OP_DELETE_DATA, on_done, &a, NULL);
    wait_ok(&a, 30000);
    Probe p = probe(r->conn, r->pool, NULL);
    ck_assert_int_eq(p.active, -1);
    g_free(p.names);
    nv_conn_free(r->conn);
    g_rmdir(r->dir);
    g_free(r->dir);
    g_free(r->pool);
}

static gboolean real_enabled(void)
{
    if (g_getenv("NCVIRT_STORAGE_URI"))
        return TRUE;
    fprintf(stderr, "daemon case skipped: NCVIRT_STORAGE_URI is not set\n");
    return FALSE;
}

static gboolean same_content(const char *a, const char *b)
{
    g_autofree char *x = NULL, *y = NULL;
    gsize nx = 0, ny = 0;
    return g_file_get_contents(a, &x, &nx, NULL) && g_file_get_contents(b, &y, &ny, NULL) &&
           nx == ny && memcmp(x, y, nx) == 0;
}

START_TEST(test_real_upload)
{
    if (!real_enabled())
        return;
    Real r = real_pool("up");
    g_autofree char *file = make_file(r.dir, "disc.iso", 3 * 1024 * 1024 + 123);
    g_autofree char *path = create_volume(r.conn, r.pool, "disc.iso", "raw", 3 * 1024 * 1024 + 123);
    Answer a = {0};
    g_autoptr(NvJob) job = upload(r.conn, r.pool, "disc.iso", file, TRUE, &a);
    wait_ok(&a, 60000);
    ck_assert_msg(same_content(file, path), "%s differs from %s", path, file);
    g_unlink(file);
    real_free(&r);
}
END_TEST

/* Cancelled once the first bytes are through: the stream is aborted, the volume goes. */
START_TEST(test_real_upload_cancel)
{
    if (!real_enabled())
        return;
    Real r = real_pool("cancel");
    /* Large enough to be under way at the first progress report (500 ms), never sent in
     * full: a sparse file reads fast but is big. */
    g_autofree char *file = g_build_filename(r.dir, "big.img", NULL);
    int fd = g_open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)64 << 30), 0);
    close(fd);
    g_free(create_volume(r.conn, r.pool, "big.img", "raw", (guint64)64 << 30));
    Answer a = {0};
    NvJob *job = upload(r.conn, r.pool, "big.img", file, TRUE, &a);
    a.cancel_at_progress = job;
    nv_test_wait(&a.done, 120000);
    ck_assert_msg(g_error_matches(a.err, G_IO_ERROR, G_IO_ERROR_CANCELLED), "%s",
                  a.err ? a.err->message : "no error");
    ck_assert_msg(
        strstr(a.err->message, "upload into 'big.img' cancelled, the new volume was deleted"), "%s",
        a.err->message);
    ck_assert_uint_ge(a.progress_calls, 1);
    ck_assert(a.last_fraction > 0 && a.last_fraction < 1);
    nv_job_unref(job);
    answer_clear(&a);
    Probe p = probe(r.conn, r.pool, NULL);
    ck_assert_msg(p.volumes == 0, "volumes left: %s", p.names);
    g_free(p.names);
    g_unlink(file);
    real_free(&r);
}
END_TEST

START_TEST(test_real_resize_wipe)
{
    if (!real_enabled())
        return;
    Real r = real_pool("resize");
    g_autofree char *path = create_volume(r.conn, r.pool, "v.img", "raw", 1 << 20);
    g_autofree char *junk = make_file(r.dir, "junk", 1 << 20);
    Answer a = {0};
    g_autoptr(NvJob) up = upload(r.conn, r.pool, "v.img", junk, FALSE, &a);
    wait_ok(&a, 60000);
    answer_clear(&a);

    nv_volume_resize_async(r.conn, r.pool, "v.img", 4 << 20, FALSE, on_done, &a, NULL);
    wait_ok(&a, 30000);
    answer_clear(&a);
    Probe p = probe(r.conn, r.pool, "v.img");
    ck_assert_uint_eq(p.capacity, 4 << 20);
    g_free(p.names);

    nv_volume_resize_async(r.conn, r.pool, "v.img", 2 << 20, FALSE, on_done, &a, NULL);
    wait_error(&a, 30000, "shrinking loses the data");
    answer_clear(&a);
    nv_volume_resize_async(r.conn, r.pool, "v.img", 2 << 20, TRUE, on_done, &a, NULL);
    wait_ok(&a, 30000);
    answer_clear(&a);
    p = probe(r.conn, r.pool, "v.img");
    ck_assert_uint_eq(p.capacity, 2 << 20);
    g_free(p.names);

    g_autoptr(NvJob) wipe = nv_volume_wipe(r.conn, r.pool, "v.img", on_job_done, &a);
    wait_ok(&a, 60000);
    answer_clear(&a);
    g_autofree char *bytes = NULL;
    gsize n = 0;
    ck_assert(g_file_get_contents(path, &bytes, &n, NULL));
    for (gsize i = 0; i < n; i++)
        ck_assert_msg(bytes[i] == 0, "byte %zu is %d after the wipe", i, bytes[i]);
    g_unlink(junk);
    real_free(&r);
}
END_TEST

/* ---- backing chains made by qemu-img (tests/daemon-backing.sh sets NCVIRT_BACKING_*) ---- */

typedef struct {
    gboolean done;
    NvDeletePlan *plan;
    GError *err;
} PlanWait;

static void on_plan(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    PlanWait *w = data;
    w->plan = nv_domain_delete_plan_finish(res, &w->err);
    w->done = TRUE;
}

/* Issue 10, defect 2 on the real daemon: pool NCVIRT_BACKING_POOL holds base.qcow2 <- mid.qcow2
 * <- top.qcow2 (qemu-img); shut-off domain NCVIRT_BACKING_OWNER has base.qcow2 as vda and
 * NCVIRT_BACKING_LINKED has top.qcow2 as vdb. Neither domain's XML shows the chain. */
START_TEST(test_real_backing)
{
    const char *uri = g_getenv("NCVIRT_BACKING_URI");
    const char *pool = g_getenv("NCVIRT_BACKING_POOL");
    const char *dir = g_getenv("NCVIRT_BACKING_DIR");
    const char *owner = g_getenv("NCVIRT_BACKING_OWNER");
    const char *linked = g_getenv("NCVIRT_BACKING_LINKED");
    if (!uri || !pool || !dir || !owner || !linked) {
        fprintf(stderr, "backing case skipped: NCVIRT_BACKING_* are not set\n");
        return;
    }
    g_autoptr(NvConn) conn = nv_test_conn_open(uri);
    g_autofree char *base = g_build_filename(dir, "base.qcow2", NULL);
    g_autofree char *mid = g_build_filename(dir, "mid.qcow2", NULL);
    g_autofree char *as_base = g_strdup_printf("%s (base of its disk vdb)", linked);
    Answer a = {0};
    nv_volume_users_async(conn, pool, "base.qcow2", base, on_users, &a, NULL);
    wait_ok(&a, 30000);
    ck_assert_uint_eq(a.users->len, 2);
    ck_assert_str_eq(a.users->pdata[0], as_base);
    ck_assert_str_eq(a.users->pdata[1], owner);
    answer_clear(&a);
    nv_volume_users_async(conn, pool, "mid.qcow2", mid, on_users, &a, NULL);
    wait_ok(&a, 30000);
    ck_assert_uint_eq(a.users->len, 1);
    ck_assert_str_eq(a.users->pdata[0], as_base);
    answer_clear(&a);

    PlanWait w = {0};
    g_autofree char *owner_uuid = g_strdup(g_getenv("NCVIRT_BACKING_OWNER_UUID"));
    ck_assert_ptr_nonnull(owner_uuid);
    nv_domain_delete_plan_async(conn, owner_uuid, on_plan, &w, NULL);
    nv_test_wait(&w.done, 30000);
    ck_assert_msg(w.err == NULL, "%s", w.err ? w.err->message : "");
    g_autoptr(NvDeletePlan) plan = w.plan;
    ck_assert_uint_eq(plan->disks->len, 1);
    NvDeleteDisk *vda = plan->disks->pdata[0];
    ck_assert_str_eq(vda->path, base);
    ck_assert_msg(!vda->suggested, "the base of %s's overlay is ticked", linked);
    g_autofree char *named = g_strdup_printf("%s's disk vdb", linked);
    ck_assert_uint_eq(vda->bases_of->len, 1);
    ck_assert_str_eq(vda->bases_of->pdata[0], named);
}
END_TEST

static Suite *storage_driver_suite(void)
{
    Suite *s = suite_create("storage-driver");
    TCase *tc = tcase_create("testdriver");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_pool_types);
    tcase_add_test(tc, test_pool_lifecycle);
    tcase_add_test(tc, test_pool_delete_data);
    tcase_add_test(tc, test_pool_create_failures);
    tcase_add_test(tc, test_volume_create_delete);
    tcase_add_test(tc, test_volume_failure_cleans);
    tcase_add_test(tc, test_volume_unsupported);
    tcase_add_test(tc, test_upload_failure_cleans);
    tcase_add_test(tc, test_upload_cancel_early);
    tcase_add_test(tc, test_upload_symlink);
    tcase_add_test(tc, test_upload_opened_file);
    tcase_add_test(tc, test_volume_users);
    tcase_add_test(tc, test_volume_users_backing);
    suite_add_tcase(s, tc);
    TCase *daemon = tcase_create("daemon");
    tcase_set_timeout(daemon, 240);
    tcase_add_test(daemon, test_real_upload);
    tcase_add_test(daemon, test_real_upload_cancel);
    tcase_add_test(daemon, test_real_resize_wipe);
    suite_add_tcase(s, daemon);
    TCase *backing = tcase_create("backing");
    tcase_set_timeout(backing, 120);
    tcase_add_test(backing, test_real_backing);
    suite_add_tcase(s, backing);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(storage_driver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
