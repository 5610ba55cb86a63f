/* Domain actions (src/domain-actions.c) and jobs (src/conn-job.c) against libvirt's test driver,
 * through the same NvConn and main loop the UI uses. test:///default keeps its state per
 * process while a connection is open, and Check forks per test, so every test starts from
 * the stock host: one running domain `test` and a pool `default-pool` (/default-pool). */
#include <check.h>
#include <gio/gio.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "conn-virt.h"
#include "domain-actions.h"
#include "error.h"
#include "conn-job-virt.h"
#include "test-util.h"
#include "vnc-domain.h"

#define URI "test:///default"

/* ---- the connection ---- */

static gboolean loaded(gconstpointer data)
{
    NvConn *conn = (NvConn *)data;
    const NvModel *m = nv_conn_model(conn);
    return nv_conn_get_state(conn) == NV_CONN_CONNECTED && m->domains && m->domains->len > 0;
}

static NvConn *open_conn(void)
{
    NvConn *conn = nv_test_conn_start(URI);
    nv_test_run_until(loaded, conn, 20000);
    ck_assert_msg(loaded(conn), "%s not loaded after 20 s", URI);
    return conn;
}

/* ---- running arbitrary libvirt calls on the connection's worker (the test's own checks) */

typedef struct {
    const char *arg;
    const char *arg2;
    char *out;
    int n;
} Io;

static gboolean define_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virDomainPtr d = virDomainDefineXML(c, io->arg);
    if (!d) {
        g_set_error(err, NV_ERROR, 0, "define: %s", virGetLastErrorMessage());
        return FALSE;
    }
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(d, uuid);
    io->out = g_strdup(uuid);
    virDomainFree(d);
    return TRUE;
}

/* Defines a small test-driver domain with the given <devices> content; returns its UUID. */
static char *define_domain(NvConn *conn, const char *name, const char *devices)
{
    g_autofree char *xml =
        g_strdup_printf("<domain type='test'><name>%s</name><memory>65536</memory><vcpu>1</vcpu>"
                        "<os><type>hvm</type></os><devices>%s</devices></domain>",
                        name, devices ? devices : "");
    Io io = {.arg = xml};
    nv_test_on_worker(conn, define_fn, &io);
    return io.out;
}

static gboolean uuid_of_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virDomainPtr d = virDomainLookupByName(c, io->arg);
    io->out = NULL;
    if (d) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        virDomainGetUUIDString(d, uuid);
        io->out = g_strdup(uuid);
        virDomainFree(d);
    }
    virResetLastError();
    return TRUE;
}

/* NULL when no domain has that name. */
static char *uuid_of(NvConn *conn, const char *name)
{
    Io io = {.arg = name};
    nv_test_on_worker(conn, uuid_of_fn, &io);
    return io.out;
}

static gboolean state_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virDomainPtr d = virDomainLookupByUUIDString(c, io->arg);
    int state = -1, reason = 0;
    if (d) {
        virDomainGetState(d, &state, &reason, 0);
        io->out = g_strdup(virDomainGetName(d));
        virDomainFree(d);
    }
    virResetLastError();
    io->n = state;
    return TRUE;
}

/* virDomainState of the domain, -1 when it is gone. */
static int state_of(NvConn *conn, const char *uuid)
{
    Io io = {.arg = uuid};
    nv_test_on_worker(conn, state_fn, &io);
    g_free(io.out);
    return io.n;
}

static char *name_of(NvConn *conn, const char *uuid)
{
    Io io = {.arg = uuid};
    nv_test_on_worker(conn, state_fn, &io);
    return io.out;
}

static gboolean autostart_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virDomainPtr d = virDomainLookupByUUIDString(c, io->arg);
    io->n = -1;
    if (d) {
        virDomainGetAutostart(d, &io->n);
        virDomainFree(d);
    }
    return TRUE;
}

static int autostart_of(NvConn *conn, const char *uuid)
{
    Io io = {.arg = uuid};
    nv_test_on_worker(conn, autostart_fn, &io);
    return io.n;
}

static gboolean has_save_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virDomainPtr d = virDomainLookupByUUIDString(c, io->arg);
    io->n = d ? virDomainHasManagedSaveImage(d, 0) : -1;
    if (d)
        virDomainFree(d);
    return TRUE;
}

static int has_managed_save(NvConn *conn, const char *uuid)
{
    Io io = {.arg = uuid};
    nv_test_on_worker(conn, has_save_fn, &io);
    return io.n;
}

static gboolean xml_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virDomainPtr d = virDomainLookupByUUIDString(c, io->arg);
    char *xml = d ? virDomainGetXMLDesc(d, VIR_DOMAIN_XML_INACTIVE | VIR_DOMAIN_XML_SECURE) : NULL;
    io->out = g_strdup(xml);
    free(xml);
    if (d)
        virDomainFree(d);
    return TRUE;
}

static char *inactive_xml(NvConn *conn, const char *uuid)
{
    Io io = {.arg = uuid};
    nv_test_on_worker(conn, xml_fn, &io);
    ck_assert_ptr_nonnull(io.out);
    return io.out;
}

static gboolean count_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    io->n = virConnectNumOfDomains(c) + virConnectNumOfDefinedDomains(c);
    return TRUE;
}

static int domain_count(NvConn *conn)
{
    Io io = {0};
    nv_test_on_worker(conn, count_fn, &io);
    return io.n;
}

static gboolean create_vol_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, "default-pool");
    g_autofree char *xml =
        g_strdup_printf("<volume><name>%s</name><capacity>1048576</capacity></volume>", io->arg);
    virStorageVolPtr vol = pool ? virStorageVolCreateXML(pool, xml, 0) : NULL;
    if (!vol) {
        g_set_error(err, NV_ERROR, 0, "create volume %s: %s", io->arg, virGetLastErrorMessage());
        if (pool)
            virStoragePoolFree(pool);
        return FALSE;
    }
    char *path = virStorageVolGetPath(vol);
    io->out = g_strdup(path);
    free(path);
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
    return TRUE;
}

/* Creates a volume in default-pool; returns its path. */
static char *create_volume(NvConn *conn, const char *name)
{
    Io io = {.arg = name};
    nv_test_on_worker(conn, create_vol_fn, &io);
    return io.out;
}

static gboolean list_vols_fn(virConnectPtr c, gpointer data, GError **err)
{
    Io *io = data;
    virStoragePoolPtr pool = virStoragePoolLookupByName(c, "default-pool");
    virStorageVolPtr *vols = NULL;
    int n = pool ? virStoragePoolListAllVolumes(pool, &vols, 0) : -1;
    g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n; i++) {
        g_ptr_array_add(names, g_strdup(virStorageVolGetName(vols[i])));
        virStorageVolFree(vols[i]);
    }
    free(vols);
    if (pool)
        virStoragePoolFree(pool);
    GString *s = g_string_new("");
    for (guint i = 0; i < names->len; i++)
        g_string_append_printf(s, "%s%s", i ? " " : "", (char *)names->pdata[i]);
    io->out = g_string_free(s, FALSE);
    return n >= 0;
}

static gint by_str(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The volumes of default-pool, sorted, separated by spaces. */
static char *volume_list(NvConn *conn)
{
    Io io = {0};
    nv_test_on_worker(conn, list_vols_fn, &io);
    g_auto(GStrv) parts = g_strsplit(io.out, " ", -1);
    g_free(io.out);
    g_autoptr(GPtrArray) a = g_ptr_array_new();
    for (char **p = parts; *p; p++)
        if (**p)
            g_ptr_array_add(a, *p);
    g_ptr_array_sort(a, by_str);
    g_ptr_array_add(a, NULL);
    return g_strjoinv(" ", (char **)a->pdata);
}

/* ---- nv_domain_op, synchronously ---- */

typedef struct {
    gboolean done;
    GPtrArray *results;
    guint jobs_started, jobs_ended;
    guint progress_calls;
} OpWait;

static void op_job_started(NvJob *job, gpointer data)
{
    OpWait *w = data;
    w->jobs_started++;
    ck_assert_ptr_nonnull(nv_job_label(job));
}

static void op_job_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    ((OpWait *)data)->progress_calls++;
}

static void op_job_ended(NvJob *job, gpointer data)
{
    ((OpWait *)data)->jobs_ended++;
}

static void op_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    OpWait *w = data;
    w->results = nv_domain_op_finish(res, NULL);
    w->done = TRUE;
}

static const NvOpEvents op_events = {op_job_started, op_job_progress, op_job_ended};

static OpWait run_op(NvConn *conn, NvDomainOp op, const char *const *uuids)
{
    OpWait w = {0};
    nv_domain_op_async(conn, op, uuids, &op_events, op_done, &w, NULL);
    ck_assert_msg(nv_test_run_until_set(&w.done, 30000), "operation %d did not finish", op);
    ck_assert_uint_eq(w.results->len, g_strv_length((char **)uuids));
    return w;
}

static NvOpResult *result_at(OpWait *w, guint i)
{
    return w->results->pdata[i];
}

static void assert_ok(OpWait *w)
{
    for (guint i = 0; i < w->results->len; i++) {
        NvOpResult *r = result_at(w, i);
        ck_assert_msg(r->ok, "%s failed: %s", r->name, r->message);
    }
}

/* An error with context and libvirt's own reason after it. */
static void assert_reason(const char *msg, const char *prefix)
{
    ck_assert_msg(g_str_has_prefix(msg, prefix), "'%s' does not start with '%s'", msg, prefix);
    ck_assert_msg(strlen(msg) > strlen(prefix) + 2, "no reason after the prefix: %s", msg);
    ck_assert_msg(!strstr(msg, "unknown libvirt error"), "libvirt's reason was lost: %s", msg);
}

#define UUIDS(...) ((const char *const[]){__VA_ARGS__, NULL})

/* ---- lifecycle ---- */

START_TEST(test_lifecycle_single)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    ck_assert_ptr_nonnull(test);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_RUNNING);

    /* The test driver has no ACPI button: the plain shutdown, and the result says so. */
    OpWait w = run_op(conn, NV_DOMAIN_OP_SHUTDOWN_ACPI, UUIDS(test));
    assert_ok(&w);
    ck_assert_str_eq(result_at(&w, 0)->name, "test");
    ck_assert_msg(*result_at(&w, 0)->message, "no note that the driver chose the method");
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_SHUTOFF);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_START, UUIDS(test));
    assert_ok(&w);
    ck_assert_uint_eq(w.jobs_started, 0); /* nothing to restore: no job */
    g_autofree char *summary = nv_op_summary(w.results);
    ck_assert_str_eq(summary, "started 'test'");
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_RUNNING);
    g_ptr_array_unref(w.results);

    /* The guest agent has no fallback: libvirt's refusal comes back with context. */
    w = run_op(conn, NV_DOMAIN_OP_SHUTDOWN_AGENT, UUIDS(test));
    ck_assert(!result_at(&w, 0)->ok);
    assert_reason(result_at(&w, 0)->message, "cannot shut down 'test': ");
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_RUNNING);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_PAUSE_TOGGLE, UUIDS(test));
    assert_ok(&w);
    ck_assert_int_eq(result_at(&w, 0)->did, NV_DOMAIN_OP_SUSPEND);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_PAUSED);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_PAUSE_TOGGLE, UUIDS(test));
    assert_ok(&w);
    ck_assert_int_eq(result_at(&w, 0)->did, NV_DOMAIN_OP_RESUME);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_RUNNING);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_REBOOT, UUIDS(test));
    assert_ok(&w);
    g_ptr_array_unref(w.results);
    w = run_op(conn, NV_DOMAIN_OP_RESET, UUIDS(test));
    assert_ok(&w);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_RUNNING);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_FORCE_OFF, UUIDS(test));
    assert_ok(&w);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_SHUTOFF);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_SUSPEND, UUIDS(test));
    ck_assert(!result_at(&w, 0)->ok);
    assert_reason(result_at(&w, 0)->message, "cannot pause 'test': ");
    g_ptr_array_unref(w.results);
}
END_TEST

START_TEST(test_lifecycle_bulk)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    g_autofree char *a = define_domain(conn, "bulk-a", NULL);
    g_autofree char *b = define_domain(conn, "bulk-b", NULL);

    /* One of three is running already: two start, one fails, the failure is named. */
    OpWait w = run_op(conn, NV_DOMAIN_OP_START, UUIDS(a, test, b));
    ck_assert(result_at(&w, 0)->ok);
    ck_assert(!result_at(&w, 1)->ok);
    ck_assert(result_at(&w, 2)->ok);
    ck_assert_str_eq(result_at(&w, 1)->name, "test");
    g_autofree char *s1 = nv_op_summary(w.results);
    ck_assert_msg(g_str_has_prefix(s1, "started 2, failed 1: cannot start 'test': "), "%s", s1);
    g_ptr_array_unref(w.results);
    ck_assert_int_eq(state_of(conn, a), VIR_DOMAIN_RUNNING);
    ck_assert_int_eq(state_of(conn, b), VIR_DOMAIN_RUNNING);

    /* A toggle pauses the running ones and resumes the paused one. */
    w = run_op(conn, NV_DOMAIN_OP_SUSPEND, UUIDS(b));
    assert_ok(&w);
    g_ptr_array_unref(w.results);
    w = run_op(conn, NV_DOMAIN_OP_PAUSE_TOGGLE, UUIDS(a, test, b));
    assert_ok(&w);
    g_autofree char *s2 = nv_op_summary(w.results);
    ck_assert_str_eq(s2, "paused 2, resumed 1");
    ck_assert_int_eq(state_of(conn, a), VIR_DOMAIN_PAUSED);
    ck_assert_int_eq(state_of(conn, b), VIR_DOMAIN_RUNNING);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_FORCE_OFF, UUIDS(a, test, b));
    assert_ok(&w);
    g_autofree char *s3 = nv_op_summary(w.results);
    ck_assert_str_eq(s3, "forced off 3");
    g_ptr_array_unref(w.results);

    /* A domain that is gone fails by itself; the others go on. */
    w = run_op(conn, NV_DOMAIN_OP_START, UUIDS("00000000-0000-0000-0000-00000000dead", a));
    ck_assert(!result_at(&w, 0)->ok);
    ck_assert(result_at(&w, 1)->ok);
    g_autofree char *s4 = nv_op_summary(w.results);
    ck_assert_msg(g_str_has_prefix(s4, "started 1, failed 1: cannot find domain"), "%s", s4);
    g_ptr_array_unref(w.results);
}
END_TEST

START_TEST(test_managed_save_restore)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    OpWait w = run_op(conn, NV_DOMAIN_OP_MANAGED_SAVE, UUIDS(test));
    assert_ok(&w);
    ck_assert_uint_eq(w.jobs_started, 1);
    ck_assert_uint_eq(w.jobs_ended, 1);
    g_autofree char *s1 = nv_op_summary(w.results);
    ck_assert_str_eq(s1, "saved 'test'");
    g_ptr_array_unref(w.results);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_SHUTOFF);
    ck_assert_int_eq(has_managed_save(conn, test), 1);

    /* Start restores it, as a job, and says so. */
    w = run_op(conn, NV_DOMAIN_OP_START, UUIDS(test));
    assert_ok(&w);
    ck_assert_uint_eq(w.jobs_started, 1);
    ck_assert_uint_eq(w.jobs_ended, 1);
    ck_assert_str_eq(result_at(&w, 0)->message, "restored from its managed save");
    g_autofree char *s2 = nv_op_summary(w.results);
    ck_assert_str_eq(s2, "started 'test' (restored from its managed save)");
    g_ptr_array_unref(w.results);
    ck_assert_int_eq(state_of(conn, test), VIR_DOMAIN_RUNNING);
    ck_assert_int_eq(has_managed_save(conn, test), 0);

    /* Saving a domain that is off fails with libvirt's reason. */
    w = run_op(conn, NV_DOMAIN_OP_FORCE_OFF, UUIDS(test));
    g_ptr_array_unref(w.results);
    w = run_op(conn, NV_DOMAIN_OP_MANAGED_SAVE, UUIDS(test));
    ck_assert(!result_at(&w, 0)->ok);
    assert_reason(result_at(&w, 0)->message, "cannot save 'test': ");
    g_ptr_array_unref(w.results);
}
END_TEST

START_TEST(test_autostart)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    g_autofree char *a = define_domain(conn, "auto-a", NULL);
    ck_assert_int_eq(autostart_of(conn, test), 0);

    OpWait w = run_op(conn, NV_DOMAIN_OP_AUTOSTART_TOGGLE, UUIDS(test));
    assert_ok(&w);
    ck_assert_int_eq(result_at(&w, 0)->did, NV_DOMAIN_OP_AUTOSTART_ON);
    ck_assert_int_eq(autostart_of(conn, test), 1);
    g_ptr_array_unref(w.results);

    /* Mixed: all on. */
    w = run_op(conn, NV_DOMAIN_OP_AUTOSTART_TOGGLE, UUIDS(test, a));
    assert_ok(&w);
    ck_assert_int_eq(autostart_of(conn, test), 1);
    ck_assert_int_eq(autostart_of(conn, a), 1);
    g_autofree char *s = nv_op_summary(w.results);
    ck_assert_str_eq(s, "autostart on for 2");
    g_ptr_array_unref(w.results);

    /* All on: all off. */
    w = run_op(conn, NV_DOMAIN_OP_AUTOSTART_TOGGLE, UUIDS(test, a));
    assert_ok(&w);
    ck_assert_int_eq(autostart_of(conn, test), 0);
    ck_assert_int_eq(autostart_of(conn, a), 0);
    g_ptr_array_unref(w.results);

    w = run_op(conn, NV_DOMAIN_OP_AUTOSTART_ON, UUIDS(a));
    assert_ok(&w);
    ck_assert_int_eq(autostart_of(conn, a), 1);
    g_ptr_array_unref(w.results);
}
END_TEST

/* ---- jobs ---- */

typedef struct {
    gint aborted; /* set by the abort, seen by the running call */
    gint polls;
    gboolean done;
    GError *err;
    guint progress_calls;
    double last_fraction;
    char *last_detail;
    gboolean freed;
} SlowJob;

static gboolean slow_run(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
{
    SlowJob *s = data;
    ck_assert_ptr_nonnull(dom);
    for (int i = 0; i < 1000 && !g_atomic_int_get(&s->aborted); i++)
        g_usleep(10000);
    if (g_atomic_int_get(&s->aborted)) {
        g_set_error_literal(err, NV_ERROR, NV_ERROR_LIBVIRT, "operation aborted by the test");
        return FALSE;
    }
    return TRUE;
}

static gboolean slow_poll(virConnectPtr c, virDomainPtr dom, gpointer data, double *fraction,
                          char **detail)
{
    SlowJob *s = data;
    int n = g_atomic_int_add(&s->polls, 1) + 1;
    *fraction = MIN(1.0, n / 10.0);
    *detail = g_strdup_printf("poll %d", n);
    return TRUE;
}

static gboolean slow_abort(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
{
    g_atomic_int_set(&((SlowJob *)data)->aborted, 1);
    return TRUE;
}

static void slow_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    SlowJob *s = data;
    s->progress_calls++;
    s->last_fraction = fraction;
    g_free(s->last_detail);
    s->last_detail = g_strdup(detail);
}

static void slow_done(NvJob *job, const GError *err, gpointer data)
{
    SlowJob *s = data;
    ck_assert(!s->done);
    s->err = err ? g_error_copy(err) : NULL;
    s->done = TRUE;
}

static void slow_free(gpointer data)
{
    ((SlowJob *)data)->freed = TRUE;
}

static gboolean progressed(gconstpointer data)
{
    return ((const SlowJob *)data)->progress_calls >= 1;
}

static gboolean progressed_twice(gconstpointer data)
{
    return ((const SlowJob *)data)->progress_calls >= 2;
}

static gboolean noop_fn(virConnectPtr c, gpointer data, GError **err)
{
    return TRUE;
}

/* The generic machinery: the call runs off the worker (which keeps answering), progress comes
 * every 500 ms, and cancel aborts the call and reports G_IO_ERROR_CANCELLED. */
START_TEST(test_job_progress_cancel)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    SlowJob s = {0};
    NvJobSpec spec = {.label = "slow test",
                      .uuid = test,
                      .run = slow_run,
                      .poll = slow_poll,
                      .abort = slow_abort,
                      .cancellable = TRUE,
                      .progress = slow_progress,
                      .done = slow_done,
                      .data = &s,
                      .data_free = slow_free};
    NvJob *job = nv_job_start(conn, &spec);
    ck_assert_str_eq(nv_job_label(job), "slow test");
    ck_assert(nv_job_can_cancel(job));

    /* Wait for two progress reports; the worker answers other calls meanwhile. */
    nv_test_run_until(progressed_twice, &s, 5000);
    ck_assert_uint_ge(s.progress_calls, 2);
    ck_assert(s.last_fraction > 0 && s.last_fraction <= 1);
    ck_assert_ptr_nonnull(s.last_detail);
    ck_assert(g_str_has_prefix(s.last_detail, "poll "));
    gint64 t0 = g_get_monotonic_time();
    nv_test_on_worker(conn, noop_fn, NULL);
    ck_assert_msg(g_get_monotonic_time() - t0 < G_USEC_PER_SEC, "the worker was held by the job");
    ck_assert(!s.done);

    ck_assert(nv_job_cancel(job));
    ck_assert_msg(nv_test_run_until_set(&s.done, 5000), "the job did not end after cancel");
    ck_assert_ptr_nonnull(s.err);
    ck_assert(g_error_matches(s.err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    ck_assert_msg(strstr(s.err->message, "operation aborted by the test"), "%s", s.err->message);
    ck_assert(nv_job_is_finished(job));
    ck_assert(!nv_job_cancel(job));
    ck_assert(!s.freed);
    nv_job_unref(job);
    /* Late poll results hold references too; they drain on the loop. */
    nv_test_run_until_set(&s.freed, 3000);
    ck_assert_msg(s.freed, "the job's data was never freed");
    g_clear_error(&s.err);
    g_free(s.last_detail);
}
END_TEST

/* A job on a domain that does not exist ends at once with the lookup error; one that is not
 * cancellable refuses cancel; the default poll on a driver without job stats reports
 * "unknown" (a spinner) rather than failing. */
START_TEST(test_job_errors)
{
    g_autoptr(NvConn) conn = open_conn();
    SlowJob s = {0};
    NvJobSpec spec = {.label = "gone",
                      .uuid = "00000000-0000-0000-0000-00000000dead",
                      .run = slow_run,
                      .done = slow_done,
                      .data = &s};
    g_autoptr(NvJob) job = nv_job_start(conn, &spec);
    ck_assert(nv_test_run_until_set(&s.done, 5000));
    ck_assert_ptr_nonnull(s.err);
    ck_assert_msg(strstr(s.err->message, "cannot find domain"), "%s", s.err->message);
    g_clear_error(&s.err);

    g_autofree char *test = uuid_of(conn, "test");
    SlowJob s2 = {0};
    NvJobSpec spec2 = {.label = "fixed",
                       .uuid = test,
                       .run = slow_run,
                       .abort = slow_abort,
                       .cancellable = FALSE,
                       .progress = slow_progress,
                       .done = slow_done,
                       .data = &s2};
    g_autoptr(NvJob) job2 = nv_job_start(conn, &spec2);
    ck_assert(!nv_job_cancel(job2));
    nv_test_run_until(progressed, &s2, 3000);
    /* The test driver has no job stats: unknown progress, or no report at all. */
    ck_assert(s2.progress_calls == 0 || s2.last_fraction < 0);
    g_atomic_int_set(&s2.aborted, 1); /* let the call end */
    ck_assert(nv_test_run_until_set(&s2.done, 15000));
    g_clear_error(&s2.err);
    g_free(s2.last_detail);
}
END_TEST

/* ---- rename ---- */

typedef struct {
    gboolean done;
    GError *err;
} ActWait;

static void rename_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    ActWait *w = data;
    nv_domain_rename_finish(res, &w->err);
    w->done = TRUE;
}

static void define_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    ActWait *w = data;
    nv_domain_xml_define_finish(res, &w->err);
    w->done = TRUE;
}

static GError *rename_sync(NvConn *conn, const char *uuid, const char *name)
{
    ActWait w = {0};
    nv_domain_rename_async(conn, uuid, name, rename_done, &w, NULL);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    return w.err;
}

START_TEST(test_rename)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    g_autofree char *other = define_domain(conn, "other", NULL);
    const NvModel *m = nv_conn_model(conn);

    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    ck_assert(!nv_domain_name_check(m, test, "", &e1));
    ck_assert(!nv_domain_name_check(m, test, "a/b", &e2));
    ck_assert(g_error_matches(e2, NV_ERROR, NV_ERROR_INVALID));
    ck_assert(strstr(e2->message, "'/'"));
    ck_assert(nv_domain_name_check(m, test, "fresh-name", NULL));
    ck_assert(!nv_domain_name_check(m, test, "test", &e3));

    /* Running: refused with a reason. */
    g_autoptr(GError) running = rename_sync(conn, test, "renamed");
    ck_assert_ptr_nonnull(running);
    ck_assert_msg(strstr(running->message, "shut it off"), "%s", running->message);

    OpWait w = run_op(conn, NV_DOMAIN_OP_FORCE_OFF, UUIDS(test));
    g_ptr_array_unref(w.results);

    /* Taken by another domain: refused by the worker too. */
    g_autoptr(GError) taken = rename_sync(conn, test, "other");
    ck_assert_ptr_nonnull(taken);
    ck_assert_msg(strstr(taken->message, "exists already"), "%s", taken->message);
    g_autoptr(GError) slash = rename_sync(conn, test, "x/y");
    ck_assert_ptr_nonnull(slash);

    g_autoptr(GError) ok = rename_sync(conn, test, "renamed");
    ck_assert_msg(ok == NULL, "%s", ok ? ok->message : "");
    g_autofree char *name = name_of(conn, test);
    ck_assert_str_eq(name, "renamed");
    g_autofree char *gone = uuid_of(conn, "test");
    ck_assert_ptr_null(gone);
    g_autofree char *still = name_of(conn, other);
    ck_assert_str_eq(still, "other");
}
END_TEST

/* Rename takes the names the new-VM wizard and clone take (names.h): a name with a control
 * character or a space at either end is refused by the core call, and the domain keeps its
 * name (libvirt's test driver itself would accept them). */
START_TEST(test_rename_refuses_bad_names)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *uuid = define_domain(conn, "nvname-keep", NULL);
    const char *bad[] = {" lead", "trail ", "bell\x07name", "tab\tname", "line\nname", "a/b", ""};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = rename_sync(conn, uuid, bad[i]);
        ck_assert_msg(err != NULL, "rename to '%s' accepted", bad[i]);
        ck_assert_msg(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID), "'%s': %s", bad[i],
                      err->message);
        g_autofree char *name = name_of(conn, uuid);
        ck_assert_str_eq(name, "nvname-keep");
        if (*bad[i]) {
            g_autofree char *other = uuid_of(conn, bad[i]);
            ck_assert_ptr_null(other);
        }
    }
}
END_TEST

/* ---- delete ---- */

typedef struct {
    gboolean done;
    NvDeletePlan *plan;
    NvDeleteResult *result;
    GError *err;
} DelWait;

static void plan_cb(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    DelWait *w = data;
    w->plan = nv_domain_delete_plan_finish(res, &w->err);
    w->done = TRUE;
}

static void delete_cb(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    DelWait *w = data;
    w->result = nv_domain_delete_finish(res, &w->err);
    w->done = TRUE;
}

static NvDeletePlan *plan_sync(NvConn *conn, const char *uuid)
{
    DelWait w = {0};
    nv_domain_delete_plan_async(conn, uuid, plan_cb, &w, NULL);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    ck_assert_msg(w.err == NULL, "plan: %s", w.err ? w.err->message : "");
    ck_assert_ptr_nonnull(w.plan);
    return w.plan;
}

static NvDeleteDisk *plan_disk(NvDeletePlan *plan, const char *target)
{
    for (guint i = 0; i < plan->disks->len; i++) {
        NvDeleteDisk *d = plan->disks->pdata[i];
        if (strcmp(d->target, target) == 0)
            return d;
    }
    ck_abort_msg("no disk %s in the plan", target);
    return NULL;
}

START_TEST(test_delete_plan_and_execute)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *own = create_volume(conn, "own.img");
    g_autofree char *shared = create_volume(conn, "shared.img");
    g_autofree char *spare = create_volume(conn, "spare.img");
    g_autofree char *devs = g_strdup_printf(
        "<disk type='file' device='disk'><source file='%s'/><target dev='vda'/></disk>"
        "<disk type='file' device='disk'><source file='%s'/><target dev='vdb'/></disk>"
        "<disk type='file' device='cdrom'><source file='/srv/iso/install.iso'/>"
        "<target dev='hdc'/><readonly/></disk>"
        "<disk type='volume' device='disk'><source pool='default-pool' volume='spare.img'/>"
        "<target dev='vdc'/></disk>",
        own, shared);
    g_autofree char *victim = define_domain(conn, "victim", devs);
    g_autofree char *other_devs = g_strdup_printf(
        "<disk type='file' device='disk'><source file='%s'/><target dev='vda'/></disk>", shared);
    g_autofree char *other = define_domain(conn, "other", other_devs);

    OpWait w = run_op(conn, NV_DOMAIN_OP_START, UUIDS(victim));
    assert_ok(&w);
    g_ptr_array_unref(w.results);

    g_autoptr(NvDeletePlan) plan = plan_sync(conn, victim);
    ck_assert_str_eq(plan->name, "victim");
    ck_assert(plan->active);
    ck_assert_uint_eq(plan->disks->len, 4);
    NvDeleteDisk *vda = plan_disk(plan, "vda");
    ck_assert_str_eq(vda->path, own);
    ck_assert_str_eq(vda->pool, "default-pool");
    ck_assert_str_eq(vda->volume, "own.img");
    ck_assert_uint_eq(vda->users->len, 0);
    ck_assert(vda->suggested);
    NvDeleteDisk *vdb = plan_disk(plan, "vdb");
    ck_assert_str_eq(vdb->pool, "default-pool");
    ck_assert_uint_eq(vdb->users->len, 1);
    ck_assert_str_eq(vdb->users->pdata[0], "other");
    ck_assert(!vdb->suggested);
    NvDeleteDisk *hdc = plan_disk(plan, "hdc");
    ck_assert_str_eq(hdc->device, "cdrom");
    ck_assert_ptr_null(hdc->pool);
    ck_assert(!hdc->suggested);
    NvDeleteDisk *vdc = plan_disk(plan, "vdc");
    ck_assert_str_eq(vdc->path, spare); /* a pool/volume disk resolved to its path */
    ck_assert(vdc->suggested);

    g_autofree char *before = volume_list(conn);
    ck_assert_str_eq(before, "own.img shared.img spare.img");

    /* Only vda ticked, plus the cdrom that is no volume: exactly own.img goes. */
    gboolean *remove = g_new0(gboolean, plan->disks->len);
    for (guint i = 0; i < plan->disks->len; i++) {
        NvDeleteDisk *d = plan->disks->pdata[i];
        remove[i] = d == vda || d == hdc;
    }
    DelWait dw = {0};
    nv_domain_delete_async(conn, plan, remove, delete_cb, &dw, NULL);
    g_free(remove);
    ck_assert(nv_test_run_until_set(&dw.done, 10000));
    ck_assert_msg(dw.err == NULL, "delete: %s", dw.err ? dw.err->message : "");
    ck_assert_uint_eq(dw.result->deleted->len, 1);
    ck_assert_str_eq(dw.result->deleted->pdata[0], "default-pool/own.img");
    ck_assert_uint_eq(dw.result->errors->len, 1);
    ck_assert_msg(strstr(dw.result->errors->pdata[0], "/srv/iso/install.iso"), "%s",
                  (char *)dw.result->errors->pdata[0]);
    nv_delete_result_free(dw.result);

    g_autofree char *after = volume_list(conn);
    ck_assert_str_eq(after, "shared.img spare.img");
    g_autofree char *gone = uuid_of(conn, "victim");
    ck_assert_ptr_null(gone);
    ck_assert_int_eq(state_of(conn, other), VIR_DOMAIN_SHUTOFF);

    /* The other domain, now the only user of shared.img: its plan suggests it. */
    g_autoptr(NvDeletePlan) plan2 = plan_sync(conn, other);
    ck_assert_uint_eq(plan2->disks->len, 1);
    ck_assert(((NvDeleteDisk *)plan2->disks->pdata[0])->suggested);
    ck_assert(!plan2->active);
}
END_TEST

/* Network, NVMe and vhost-user disks show their real source in the delete plan, are never
 * ticked, and a delete keeps them (ncvirt cannot delete them as volumes). */
START_TEST(test_delete_plan_unusual_disks)
{
    g_autoptr(NvConn) conn = open_conn();
    const char *devs =
        "<disk type='network' device='disk'><source protocol='iscsi' name='iqn.x:t/1'>"
        "<host name='san' port='3260'/></source><target dev='vda'/></disk>"
        "<disk type='nvme' device='disk'><source type='pci' namespace='2'><address "
        "domain='0x0000' bus='0x02' slot='0x00' function='0x0'/></source>"
        "<target dev='vdb'/></disk>"
        "<disk type='vhostuser' device='disk'><driver name='qemu' type='raw'/>"
        "<source type='unix' path='/run/vu.sock'/><target dev='vdc'/></disk>"
        "<disk type='file' device='cdrom'><target dev='hdc'/><readonly/></disk>";
    g_autofree char *uuid = define_domain(conn, "nvkinds", devs);
    g_autoptr(NvDeletePlan) plan = plan_sync(conn, uuid);
    ck_assert_uint_eq(plan->disks->len, 4);
    static const struct {
        const char *target;
        NvDiskKind kind;
        const char *source;
    } want[] = {
        {"vda", NV_DISK_KIND_NETWORK, "iscsi iqn.x:t/1 @ san:3260"},
        {"vdb", NV_DISK_KIND_NVME, "nvme 0000:02:00.0 namespace 2"},
        {"vdc", NV_DISK_KIND_VHOSTUSER, "vhost-user /run/vu.sock"},
        {"hdc", NV_DISK_KIND_EMPTY, ""},
    };
    gboolean *remove = g_new0(gboolean, plan->disks->len);
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        NvDeleteDisk *d = plan_disk(plan, want[i].target);
        ck_assert_int_eq(d->kind, want[i].kind);
        ck_assert_str_eq(d->source, want[i].source);
        ck_assert_str_eq(d->path, "");
        ck_assert_ptr_null(d->pool);
        ck_assert(!d->suggested);
    }
    for (guint i = 0; i < plan->disks->len; i++)
        remove[i] = TRUE; /* even ticked by hand, none of them is deleted */
    DelWait dw = {0};
    nv_domain_delete_async(conn, plan, remove, delete_cb, &dw, NULL);
    g_free(remove);
    ck_assert(nv_test_run_until_set(&dw.done, 10000));
    ck_assert_msg(dw.err == NULL, "delete: %s", dw.err ? dw.err->message : "");
    ck_assert_uint_eq(dw.result->deleted->len, 0);
    nv_delete_result_free(dw.result);
    g_autofree char *gone = uuid_of(conn, "nvkinds");
    ck_assert_ptr_null(gone);
}
END_TEST

/* A domain with a managed save image is undefined along with it (flags the test driver lacks
 * are dropped); with nothing ticked, no volume is touched. */
START_TEST(test_delete_saved_nothing_ticked)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *path = create_volume(conn, "keep.img");
    g_autofree char *devs = g_strdup_printf(
        "<disk type='file' device='disk'><source file='%s'/><target dev='vda'/></disk>", path);
    g_autofree char *uuid = define_domain(conn, "saved", devs);
    OpWait w = run_op(conn, NV_DOMAIN_OP_START, UUIDS(uuid));
    g_ptr_array_unref(w.results);
    w = run_op(conn, NV_DOMAIN_OP_MANAGED_SAVE, UUIDS(uuid));
    assert_ok(&w);
    g_ptr_array_unref(w.results);
    ck_assert_int_eq(has_managed_save(conn, uuid), 1);

    g_autoptr(NvDeletePlan) plan = plan_sync(conn, uuid);
    ck_assert(!plan->active);
    DelWait dw = {0};
    nv_domain_delete_async(conn, plan, NULL, delete_cb, &dw, NULL);
    ck_assert(nv_test_run_until_set(&dw.done, 10000));
    ck_assert_msg(dw.err == NULL, "delete: %s", dw.err ? dw.err->message : "");
    ck_assert_uint_eq(dw.result->deleted->len, 0);
    ck_assert_uint_eq(dw.result->errors->len, 0);
    nv_delete_result_free(dw.result);
    g_autofree char *gone = uuid_of(conn, "saved");
    ck_assert_ptr_null(gone);
    g_autofree char *vols = volume_list(conn);
    ck_assert_str_eq(vols, "keep.img");
}
END_TEST

/* ---- XML ---- */

typedef struct {
    gboolean done;
    char *xml;
    GError *err;
} XmlWait;

static void xml_cb(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    XmlWait *w = data;
    w->xml = nv_domain_xml_get_finish(res, &w->err);
    w->done = TRUE;
}

static char *xml_get_sync(NvConn *conn, const char *uuid)
{
    XmlWait w = {0};
    nv_domain_xml_get_async(conn, uuid, xml_cb, &w, NULL);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    ck_assert_msg(w.err == NULL, "%s", w.err ? w.err->message : "");
    return w.xml;
}

static GError *define_sync(NvConn *conn, const char *uuid, const char *xml)
{
    ActWait w = {0};
    nv_domain_xml_define_async(conn, uuid, xml, define_done, &w, NULL);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    return w.err;
}

static char *replace(const char *text, const char *old, const char *new)
{
    const char *at = strstr(text, old);
    ck_assert_msg(at != NULL, "'%s' not in the XML", old);
    return g_strdup_printf("%.*s%s%s", (int)(at - text), text, new, at + strlen(old));
}

START_TEST(test_xml_edit)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    g_autofree char *orig = xml_get_sync(conn, test);
    g_autofree char *direct = inactive_xml(conn, test);
    ck_assert_str_eq(orig, direct);
    int count = domain_count(conn);

    /* A bad element: libvirt's schema check refuses it, the definition stays byte for byte. */
    g_autofree char *bogus = replace(orig, "</devices>", "<bogus/></devices>");
    g_autoptr(GError) e1 = define_sync(conn, test, bogus);
    ck_assert_ptr_nonnull(e1);
    assert_reason(e1->message, "cannot define 'test': ");
    ck_assert_msg(strstr(e1->message, "schema"), "not libvirt's schema error: %s", e1->message);
    g_autofree char *after1 = inactive_xml(conn, test);
    ck_assert_str_eq(after1, orig);

    /* Not well-formed: libvirt's parser error. */
    g_autofree char *broken = replace(orig, "</devices>", "</devices");
    g_autoptr(GError) e2 = define_sync(conn, test, broken);
    ck_assert_ptr_nonnull(e2);
    g_autofree char *after2 = inactive_xml(conn, test);
    ck_assert_str_eq(after2, orig);

    /* Another name or UUID would define another domain: refused before libvirt sees it. */
    g_autofree char *renamed = replace(orig, "<name>test</name>", "<name>copy</name>");
    g_autoptr(GError) e3 = define_sync(conn, test, renamed);
    ck_assert_ptr_nonnull(e3);
    ck_assert(g_error_matches(e3, NV_ERROR, NV_ERROR_INVALID));
    ck_assert_msg(strstr(e3->message, "'copy'") && strstr(e3->message, "another domain"), "%s",
                  e3->message);
    g_autofree char *copy = uuid_of(conn, "copy");
    ck_assert_ptr_null(copy);
    g_autofree char *new_uuid = replace(orig, "6695eb01-f6a4-8304-79aa-97f2502e193f",
                                        "6695eb01-f6a4-8304-79aa-97f2502e1930");
    g_autoptr(GError) e4 = define_sync(conn, test, new_uuid);
    ck_assert_ptr_nonnull(e4);
    ck_assert(g_error_matches(e4, NV_ERROR, NV_ERROR_INVALID));
    ck_assert_int_eq(domain_count(conn), count);
    g_autofree char *after3 = inactive_xml(conn, test);
    ck_assert_str_eq(after3, orig);

    /* A good edit goes through. */
    g_autofree char *described =
        replace(orig, "<name>test</name>", "<name>test</name><description>edited</description>");
    g_autoptr(GError) e5 = define_sync(conn, test, described);
    ck_assert_msg(e5 == NULL, "%s", e5 ? e5->message : "");
    g_autofree char *after4 = inactive_xml(conn, test);
    ck_assert_msg(strstr(after4, "<description>edited</description>"), "%s", after4);
    ck_assert_int_eq(domain_count(conn), count);
}
END_TEST

START_TEST(test_xml_identity)
{
    g_autofree char *name = NULL, *uuid = NULL;
    ck_assert(nv_domain_xml_identity("<domain><name> a </name><uuid>u</uuid></domain>", &name,
                                     &uuid, NULL));
    ck_assert_str_eq(name, "a");
    ck_assert_str_eq(uuid, "u");
    g_autofree char *n2 = NULL, *u2 = NULL;
    ck_assert(nv_domain_xml_identity("<domain><name>b</name></domain>", &n2, &u2, NULL));
    ck_assert_ptr_null(u2);
    g_autoptr(GError) e1 = NULL, e2 = NULL;
    g_autofree char *n3 = NULL, *u3 = NULL;
    ck_assert(!nv_domain_xml_identity("<domain><name>", &n3, &u3, &e1));
    ck_assert(g_error_matches(e1, NV_ERROR, NV_ERROR_PARSE));
    ck_assert(!nv_domain_xml_identity("<pool/>", &n3, &u3, &e2));
}
END_TEST

/* ---- summaries (pure) ---- */

static NvOpResult *mk(const char *name, NvDomainOp did, gboolean ok, const char *msg)
{
    NvOpResult *r = g_new0(NvOpResult, 1);
    r->uuid = g_strdup(name);
    r->name = g_strdup(name);
    r->did = did;
    r->ok = ok;
    r->message = g_strdup(msg);
    return r;
}

START_TEST(test_summary)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func((GDestroyNotify)nv_op_result_free);
    g_autofree char *empty = nv_op_summary(a);
    ck_assert_str_eq(empty, "nothing to do");
    g_ptr_array_add(a, mk("web-01", NV_DOMAIN_OP_START, TRUE, ""));
    g_autofree char *one = nv_op_summary(a);
    ck_assert_str_eq(one, "started 'web-01'");
    g_ptr_array_add(a, mk("web-02", NV_DOMAIN_OP_START, FALSE, "cannot start 'web-02': no"));
    g_ptr_array_add(a, mk("web-03", NV_DOMAIN_OP_START, TRUE, ""));
    g_ptr_array_add(a, mk("web-04", NV_DOMAIN_OP_START, TRUE, ""));
    g_autofree char *bulk = nv_op_summary(a);
    ck_assert_str_eq(bulk, "started 3, failed 1: cannot start 'web-02': no");
    g_ptr_array_add(a, mk("web-05", NV_DOMAIN_OP_START, FALSE, "cannot start 'web-05': no"));
    g_autofree char *more = nv_op_summary(a);
    ck_assert_str_eq(more, "started 3, failed 2: cannot start 'web-02': no (and 1 more)");

    g_autoptr(GPtrArray) f = g_ptr_array_new_with_free_func((GDestroyNotify)nv_op_result_free);
    g_ptr_array_add(f, mk("a", NV_DOMAIN_OP_FORCE_OFF, FALSE, "cannot force off 'a': x"));
    g_autofree char *single_fail = nv_op_summary(f);
    ck_assert_str_eq(single_fail, "cannot force off 'a': x");
    g_ptr_array_add(f, mk("b", NV_DOMAIN_OP_FORCE_OFF, FALSE, "cannot force off 'b': y"));
    g_autofree char *all_fail = nv_op_summary(f);
    ck_assert_str_eq(all_fail, "failed 2: cannot force off 'a': x (and 1 more)");
}
END_TEST

/* The async idiom on the connection's worker (conn-async.h): a call still queued when the
 * connection is closed answers with NV_ERROR_DISCONNECTED, on the loop, instead of never. */
static gpointer block_work(virConnectPtr vconn, gpointer data, GError **err)
{
    while (!g_atomic_int_get((gint *)data))
        g_usleep(1000);
    return NV_ASYNC_OK;
}

START_TEST(test_async_answers_on_close)
{
    NvConn *conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    static gint release;
    g_atomic_int_set(&release, 0);
    NvAsyncSpec block = {.tag = block_work, .req = &release};
    nv_conn_async(conn, &block, block_work, NULL, NULL, NULL);
    XmlWait w = {0};
    nv_domain_xml_get_async(conn, test, xml_cb, &w, NULL);
    nv_conn_free(conn);
    g_atomic_int_set(&release, 1);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    ck_assert_ptr_null(w.xml);
    ck_assert(g_error_matches(w.err, NV_ERROR, NV_ERROR_DISCONNECTED));
    g_error_free(w.err);
}
END_TEST

/* The VNC open in the same shape: the test driver's domain has no VNC display, and an open
 * cancelled before the worker answers still answers, with G_IO_ERROR_CANCELLED. */
static void vnc_opened(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    ActWait *w = data;
    ck_assert(!nv_vnc_open_domain_finish(res, &w->err));
    w->done = TRUE;
}

START_TEST(test_vnc_open_answers)
{
    g_autoptr(NvConn) conn = open_conn();
    g_autofree char *test = uuid_of(conn, "test");
    NvVnc *vnc = nv_vnc_new();
    ActWait w = {0};
    nv_vnc_open_domain_async(conn, test, vnc, vnc_opened, &w, NULL);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    ck_assert_msg(strstr(w.err->message, "has no VNC display"), "%s", w.err->message);
    g_clear_error(&w.err);

    ActWait c = {0};
    NvVncOpen *open = nv_vnc_open_domain_async(conn, test, vnc, vnc_opened, &c, NULL);
    nv_vnc_open_cancel(open);
    ck_assert(nv_test_run_until_set(&c.done, 10000));
    ck_assert(g_error_matches(c.err, G_IO_ERROR, G_IO_ERROR_CANCELLED));
    g_clear_error(&c.err);
    nv_vnc_free(vnc);
}
END_TEST

static Suite *actions_suite(void)
{
    Suite *s = suite_create("actions");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, test_summary);
    tcase_add_test(pure, test_xml_identity);
    suite_add_tcase(s, pure);

    TCase *ops = tcase_create("ops");
    tcase_set_timeout(ops, 60);
    tcase_add_test(ops, test_lifecycle_single);
    tcase_add_test(ops, test_lifecycle_bulk);
    tcase_add_test(ops, test_managed_save_restore);
    tcase_add_test(ops, test_autostart);
    tcase_add_test(ops, test_job_progress_cancel);
    tcase_add_test(ops, test_job_errors);
    tcase_add_test(ops, test_rename);
    tcase_add_test(ops, test_async_answers_on_close);
    tcase_add_test(ops, test_vnc_open_answers);
    tcase_add_test(ops, test_rename_refuses_bad_names);
    tcase_add_test(ops, test_delete_plan_and_execute);
    tcase_add_test(ops, test_delete_saved_nothing_ticked);
    tcase_add_test(ops, test_delete_plan_unusual_disks);
    tcase_add_test(ops, test_xml_edit);
    suite_add_tcase(s, ops);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(actions_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
