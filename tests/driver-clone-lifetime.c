/* A clone run's data outlives the work queued for it: a progress poll and an abort queued on
 * the connection's worker while the worker is busy must not run on freed tasks after the last
 * clone ended and the run was freed (issue 10, defect 1). Deterministic: the volume copy is
 * held in a wrapper of virStorageVolCreateXMLFrom (-Wl,--wrap) and the worker is held by a
 * call of the test's own, so the poll is queued behind it while the clone ends. The memory
 * error shows under AddressSanitizer (the -asan variant). */
#include <check.h>
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "conn-virt.h"
#include "domain-clone.h"
#include "error.h"
#include "test-util.h"
#include "virt-util.h"

#define URI "test:///default"
#define POOL "default-pool"

/* ---- a gate: one side waits until the other opens it ---- */

typedef struct {
    GMutex lock;
    GCond cond;
    gboolean entered; /* the held side arrived */
    gboolean open;    /* the test let it go on */
} Gate;

static Gate copy_gate, worker_gate;

static void gate_pass(Gate *g)
{
    g_mutex_lock(&g->lock);
    g->entered = TRUE;
    g_cond_broadcast(&g->cond);
    while (!g->open)
        g_cond_wait(&g->cond, &g->lock);
    g_mutex_unlock(&g->lock);
}

static void gate_open(Gate *g)
{
    g_mutex_lock(&g->lock);
    g->open = TRUE;
    g_cond_broadcast(&g->cond);
    g_mutex_unlock(&g->lock);
}

static gboolean gate_entered(gconstpointer data)
{
    Gate *g = (Gate *)data;
    g_mutex_lock(&g->lock);
    gboolean in = g->entered;
    g_mutex_unlock(&g->lock);
    return in;
}

/* The copy of a clone's volume: held at the gate until the test opens it. */
virStorageVolPtr __real_virStorageVolCreateXMLFrom(virStoragePoolPtr pool, const char *xml,
                                                   virStorageVolPtr src, unsigned int flags);
virStorageVolPtr __wrap_virStorageVolCreateXMLFrom(virStoragePoolPtr pool, const char *xml,
                                                   virStorageVolPtr src, unsigned int flags);
virStorageVolPtr __wrap_virStorageVolCreateXMLFrom(virStoragePoolPtr pool, const char *xml,
                                                   virStorageVolPtr src, unsigned int flags)
{
    gate_pass(&copy_gate);
    return __real_virStorageVolCreateXMLFrom(pool, xml, src, flags);
}

/* ---- the test's own calls on the worker ---- */

static gboolean hold_worker(virConnectPtr c, gpointer data, GError **err)
{
    gate_pass(&worker_gate);
    return TRUE;
}

static gboolean make_source(virConnectPtr c, gpointer data, GError **err)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(c, POOL);
    const char *vxml = "<volume><name>life.qcow2</name><capacity>1048576</capacity>"
                       "<target><format type='qcow2'/></target></volume>";
    g_autoptr(virStorageVol) vol = pool ? virStorageVolCreateXML(pool, vxml, 0) : NULL;
    const char *dxml = "<domain type='test'><name>life</name><memory>65536</memory>"
                       "<os><type>hvm</type></os><devices>"
                       "<disk type='file' device='disk'><driver name='qemu' type='qcow2'/>"
                       "<source file='/default-pool/life.qcow2'/><target dev='vda'/></disk>"
                       "</devices></domain>";
    g_autoptr(virDomain) dom = vol ? virDomainDefineXML(c, dxml) : NULL;
    if (!dom) {
        nv_set_virt_error(err, "cannot make the source");
        return FALSE;
    }
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(dom, uuid);
    *(char **)data = g_strdup(uuid);
    return TRUE;
}

typedef struct {
    gboolean done;
    NvClonePlan *plan;
} Loaded;

static void on_plan(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Loaded *l = data;
    l->plan = nv_clone_plan_load_finish(res, NULL);
    l->done = TRUE;
}

typedef struct {
    gboolean done;
    gboolean polled;
} Ran;

static void on_progress(NvCloneRun *run, guint target, double fraction, const char *detail,
                        gpointer data)
{
    ((Ran *)data)->polled = TRUE;
}

static void on_finished(NvCloneRun *run, guint target, const GError *err, gpointer data) {}

static void on_done(NvCloneRun *run, guint defined, gpointer data)
{
    ((Ran *)data)->done = TRUE;
}

static const NvCloneCallbacks callbacks = {on_progress, on_finished, on_done};

static void on_held(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    *(gboolean *)data = TRUE;
}

static gpointer hold_work(virConnectPtr c, gpointer data, GError **err)
{
    hold_worker(c, data, err);
    return NV_ASYNC_OK;
}

/* Runs the main loop for `ms`: the job's 500 ms poll timer fires meanwhile. */
static void spin(guint ms)
{
    gboolean never = FALSE;
    nv_test_run_until_set(&never, ms);
}

static void run_with_late_work(gboolean cancel)
{
    memset(&copy_gate, 0, sizeof copy_gate);
    memset(&worker_gate, 0, sizeof worker_gate);
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autofree char *uuid = NULL;
    nv_test_on_worker(conn, make_source, &uuid);
    Loaded l = {0};
    nv_clone_plan_load_async(conn, uuid, on_plan, &l, NULL);
    nv_test_wait(&l.done, 10000);
    ck_assert_ptr_nonnull(l.plan);
    ck_assert(nv_clone_plan_set_names(l.plan, "life-clone", NULL));
    Ran r = {0};
    NvCloneRun *run = nv_clone_run_start(conn, l.plan, &callbacks, &r);
    ck_assert_ptr_nonnull(run);

    /* The copy is under way; a poll has come back, so the next one is queued afresh. */
    ck_assert_msg(nv_test_run_until(gate_entered, &copy_gate, 10000), "the copy did not start");
    ck_assert_msg(nv_test_run_until_set(&r.polled, 5000), "no progress");

    /* The worker is busy (a slow host): what the job queues now waits behind it. */
    gboolean held_done = FALSE;
    NvAsyncSpec spec = {.tag = hold_work};
    nv_conn_async(conn, &spec, hold_work, on_held, &held_done, NULL);
    ck_assert(nv_test_run_until(gate_entered, &worker_gate, 10000));
    /* C-c now, before the next tick: the abort goes out, behind the held call. */
    if (cancel)
        nv_clone_run_cancel(run, 0);
    spin(1200); /* at least one poll queued behind the held call */

    /* The clone ends and the run is freed while its poll (and abort) still wait. */
    gate_open(&copy_gate);
    nv_test_wait(&r.done, 10000);

    /* Now the worker runs the queued poll and abort. */
    gate_open(&worker_gate);
    nv_test_wait(&held_done, 10000);
    spin(600);
}

START_TEST(test_poll_after_run_ended)
{
    run_with_late_work(FALSE);
}
END_TEST

START_TEST(test_abort_after_run_ended)
{
    run_with_late_work(TRUE);
}
END_TEST

static Suite *lifetime_suite(void)
{
    Suite *s = suite_create("clone-lifetime");
    TCase *tc = tcase_create("testdriver");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_poll_after_run_ended);
    tcase_add_test(tc, test_abort_after_run_ended);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(lifetime_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
