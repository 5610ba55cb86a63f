/* The new-VM wizard's calls (src/vm-create.c) against libvirt's test driver, through NvConn's
 * worker as the wizard makes them: what the host offers, name checks, ISO volumes, and the
 * commit: it creates the volume and the domain; a failure injected after any stage leaves no
 * volume and no domain behind; a taken name or volume creates nothing and touches nothing that
 * was there; a wizard that is cancelled (its draft dropped) has created nothing. */
#include <check.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>

#include "conn.h"
#include "error.h"
#include "conn-fetch.h"
#include "test-util.h"
#include "vm-create.h"

#define URI "test:///default"
#define POOL "default-pool"
#define MIB (1024ULL * 1024)

static virConnectPtr direct;
static NvConn *conn;

static void setup(void)
{
    nv_virt_init();
    g_autoptr(GError) err = NULL;
    direct = nv_virt_open(URI, FALSE, &err);
    ck_assert_msg(direct != NULL, "%s", err ? err->message : "");
    conn = nv_test_conn_start(URI);
    nv_test_run_until(nv_test_connected, conn, 30000);
    ck_assert_msg(nv_test_connected(conn), "timed out waiting for the connection");
}

static void teardown(void)
{
    nv_vm_create_set_test_hook(NULL);
    nv_conn_free(conn);
    virConnectClose(direct);
}

/* ---- what is on the host ---- */

static gboolean volume_exists(const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(direct, POOL);
    ck_assert(pool != NULL);
    virStoragePoolRefresh(pool, 0);
    virStorageVolPtr vol = virStorageVolLookupByName(pool, name);
    virStoragePoolFree(pool);
    if (vol)
        virStorageVolFree(vol);
    virResetLastError();
    return vol != NULL;
}

static gboolean domain_exists(const char *name)
{
    virDomainPtr dom = virDomainLookupByName(direct, name);
    if (dom)
        virDomainFree(dom);
    virResetLastError();
    return dom != NULL;
}

static int count_domains(void)
{
    return virConnectNumOfDomains(direct) + virConnectNumOfDefinedDomains(direct);
}

static int count_volumes(void)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(direct, POOL);
    ck_assert(pool != NULL);
    int n = virStoragePoolNumOfVolumes(pool);
    virStoragePoolFree(pool);
    return n;
}

static void make_volume(const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(direct, POOL);
    g_autofree char *xml = g_strdup_printf("<volume><name>%s</name><capacity unit='M'>1"
                                           "</capacity></volume>",
                                           name);
    virStorageVolPtr vol = virStorageVolCreateXML(pool, xml, 0);
    ck_assert_msg(vol != NULL, "cannot create %s: %s", name, virGetLastErrorMessage());
    virStorageVolFree(vol);
    virStoragePoolFree(pool);
}

/* The draft the wizard would hand over for a test-driver host. */
static NvVmDraft *draft(const char *name)
{
    NvVmDraft *d = nv_vm_draft_new();
    nv_vm_draft_set(&d->name, name);
    nv_vm_draft_set(&d->virt_type, "test");
    nv_vm_draft_set(&d->arch, "i686");
    d->install = NV_VM_INSTALL_NONE;
    d->storage = NV_VM_STORAGE_NEW;
    nv_vm_draft_set(&d->pool, POOL);
    d->disk_bytes = 64 * MIB;
    d->memory_kib = 64 * 1024;
    d->vcpus = 1;
    d->net = NV_VM_NET_NONE;
    d->vnc = FALSE;
    return d;
}

/* ---- the commit ---- */

typedef struct {
    gboolean finished;
    gboolean ok;
    gboolean started;
    char *uuid;
    char *volume;
    char *error;
} Result;

static void result_clear(Result *r)
{
    g_free(r->uuid);
    g_free(r->volume);
    g_free(r->error);
    memset(r, 0, sizeof(*r));
}

static void on_created(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Result *r = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvVmCreated) created = nv_vm_create_finish(res, &err);
    r->finished = TRUE;
    r->ok = created != NULL;
    if (created) {
        r->started = created->started;
        r->uuid = g_strdup(created->uuid);
        r->volume = g_strdup(created->volume);
    }
    r->error = err ? g_strdup(err->message) : NULL;
}

static void commit(const NvVmDraft *d, Result *r)
{
    result_clear(r);
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_vm_create_async(conn, d, on_created, r, NULL, &err), "%s",
                  err ? err->message : "");
    nv_test_wait_for(&r->finished, "the commit");
}

START_TEST(test_create_and_start)
{
    g_autoptr(NvVmDraft) d = draft("nvtest-new");
    Result r = {0};
    commit(d, &r);
    ck_assert_msg(r.ok, "%s", r.error);
    ck_assert(r.started);
    ck_assert_str_eq(r.volume, "nvtest-new.qcow2");
    ck_assert(volume_exists("nvtest-new.qcow2"));
    virDomainPtr dom = virDomainLookupByUUIDString(direct, r.uuid);
    ck_assert(dom != NULL);
    ck_assert_int_eq(virDomainIsActive(dom), 1);
    ck_assert_int_eq(virDomainIsPersistent(dom), 1);
    char *xml = virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE);
    ck_assert_ptr_nonnull(strstr(xml, "volume='nvtest-new.qcow2'"));
    ck_assert_ptr_nonnull(strstr(xml, "<serial type='pty'>"));
    free(xml);
    virDomainFree(dom);
    result_clear(&r);
}
END_TEST

START_TEST(test_customize_defines_only)
{
    g_autoptr(NvVmDraft) d = draft("nvtest-custom");
    d->customize = TRUE;
    d->storage = NV_VM_STORAGE_NONE;
    Result r = {0};
    commit(d, &r);
    ck_assert_msg(r.ok, "%s", r.error);
    ck_assert(!r.started);
    ck_assert_ptr_null(r.volume);
    virDomainPtr dom = virDomainLookupByName(direct, "nvtest-custom");
    ck_assert(dom != NULL);
    ck_assert_int_eq(virDomainIsActive(dom), 0);
    virDomainFree(dom);
    result_clear(&r);
}
END_TEST

/* A failure injected after this stage: everything made before it is removed. */
static NvVmStage fail_at;

static gboolean fail_hook(NvVmStage stage, GError **err)
{
    if (stage != fail_at)
        return TRUE;
    g_set_error(err, NV_ERROR, NV_ERROR_LIBVIRT, "injected failure");
    return FALSE;
}

static const NvVmStage stages[] = {
    NV_VM_STAGE_VOLUME_CREATED,
    NV_VM_STAGE_DEFINED,
    NV_VM_STAGE_STARTED,
};

START_TEST(test_failure_leaves_nothing)
{
    fail_at = stages[_i];
    nv_vm_create_set_test_hook(fail_hook);
    int domains = count_domains(), volumes = count_volumes();
    g_autoptr(NvVmDraft) d = draft("nvtest-fail");
    Result r = {0};
    commit(d, &r);
    ck_assert(!r.ok);
    ck_assert_msg(strstr(r.error, "injected failure"), "%s", r.error);
    ck_assert_msg(strstr(r.error, "removed"), "the error does not say it cleaned up: %s", r.error);
    ck_assert(!volume_exists("nvtest-fail.qcow2"));
    ck_assert(!domain_exists("nvtest-fail"));
    ck_assert_int_eq(count_domains(), domains);
    ck_assert_int_eq(count_volumes(), volumes);
    result_clear(&r);
}
END_TEST

START_TEST(test_taken_name_creates_nothing)
{
    /* "test" is the test driver's own domain. */
    int volumes = count_volumes();
    g_autoptr(NvVmDraft) d = draft("test");
    Result r = {0};
    commit(d, &r);
    ck_assert(!r.ok);
    ck_assert_msg(strstr(r.error, "already exists"), "%s", r.error);
    ck_assert(!volume_exists("test.qcow2"));
    ck_assert_int_eq(count_volumes(), volumes);
    result_clear(&r);
}
END_TEST

START_TEST(test_taken_volume_is_left_alone)
{
    make_volume("nvtest-vol.qcow2");
    g_autoptr(NvVmDraft) d = draft("nvtest-vol");
    Result r = {0};
    commit(d, &r);
    ck_assert(!r.ok);
    ck_assert_msg(strstr(r.error, "volume"), "%s", r.error);
    /* Someone else's volume: not created by the commit, so not deleted by it. */
    ck_assert(volume_exists("nvtest-vol.qcow2"));
    ck_assert(!domain_exists("nvtest-vol"));
    result_clear(&r);
}
END_TEST

static gboolean worker_idle(gconstpointer data)
{
    return nv_conn_busy((NvConn *)data) == 0;
}

START_TEST(test_bad_draft_queues_nothing)
{
    g_autoptr(NvVmDraft) d = draft("bad name");
    g_autoptr(GError) err = NULL;
    Result r = {0};
    ck_assert(!nv_vm_create_async(conn, d, on_created, &r, NULL, &err));
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    /* Let the connection's own loading finish: the callback must never come. */
    nv_test_run_until(worker_idle, conn, 30000);
    ck_assert_msg(worker_idle(conn), "timed out waiting for the worker");
    ck_assert(!r.finished);
    ck_assert(!domain_exists("bad name"));
}
END_TEST

/* ---- the wizard's questions ---- */

typedef struct {
    gboolean finished;
    NvVmCaps *caps;
    gboolean taken;
    GPtrArray *media;
    char *error;
} Answer;

static void on_caps(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Answer *a = data;
    g_autoptr(GError) err = NULL;
    a->caps = nv_vm_caps_fetch_finish(res, &err);
    a->error = err ? g_strdup(err->message) : NULL;
    a->finished = TRUE;
}

static void on_name(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Answer *a = data;
    g_autoptr(GError) err = NULL;
    nv_vm_name_check_finish(res, &a->taken, &err);
    a->error = err ? g_strdup(err->message) : NULL;
    a->finished = TRUE;
}

static void on_media(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Answer *a = data;
    g_autoptr(GError) err = NULL;
    a->media = nv_vm_media_list_finish(res, &err);
    a->error = err ? g_strdup(err->message) : NULL;
    a->finished = TRUE;
}

static void answer_clear(Answer *a)
{
    nv_vm_caps_free(a->caps);
    if (a->media)
        g_ptr_array_unref(a->media);
    g_free(a->error);
    memset(a, 0, sizeof(*a));
}

static gboolean name_taken(const char *name)
{
    Answer a = {0};
    nv_vm_name_check_async(conn, name, on_name, &a, NULL);
    nv_test_wait_for(&a.finished, "the name check");
    ck_assert_msg(!a.error, "%s", a.error);
    gboolean taken = a.taken;
    answer_clear(&a);
    return taken;
}

START_TEST(test_caps)
{
    Answer a = {0};
    nv_vm_caps_fetch_async(conn, on_caps, &a, NULL);
    nv_test_wait_for(&a.finished, "the capabilities");
    ck_assert_msg(a.caps != NULL, "%s", a.error);
    ck_assert_str_eq(a.caps->arch, "i686");
    ck_assert_ptr_nonnull(nv_vm_caps_type(a.caps, "test"));
    ck_assert_str_eq(nv_vm_caps_default_type(a.caps, FALSE), "test");
    /* The test driver has no domain capabilities: no UEFI, the CPU modes left to it. */
    ck_assert(!nv_vm_caps_uefi(a.caps, "test"));
    ck_assert(nv_vm_caps_cpu_mode(a.caps, "test", "host-passthrough"));
    answer_clear(&a);
}
END_TEST

START_TEST(test_name_check)
{
    ck_assert(name_taken("test"));
    ck_assert(!name_taken("nvtest-free"));
}
END_TEST

START_TEST(test_media)
{
    make_volume("installer.iso");
    make_volume("data.qcow2");
    Answer a = {0};
    nv_vm_media_list_async(conn, on_media, &a, NULL);
    nv_test_wait_for(&a.finished, "the media list");
    ck_assert_msg(a.media != NULL, "%s", a.error);
    ck_assert_uint_eq(a.media->len, 1);
    NvVmMedium *m = a.media->pdata[0];
    ck_assert_str_eq(m->pool, POOL);
    ck_assert_str_eq(m->name, "installer.iso");
    ck_assert(g_str_has_suffix(m->path, "installer.iso"));
    answer_clear(&a);
}
END_TEST

/* Cancel: the wizard asks its questions, builds the XML for its summary, and is closed. */
START_TEST(test_cancel_creates_nothing)
{
    int domains = count_domains(), volumes = count_volumes();
    Answer a = {0};
    nv_vm_caps_fetch_async(conn, on_caps, &a, NULL);
    nv_test_wait_for(&a.finished, "the capabilities");
    answer_clear(&a);
    nv_vm_media_list_async(conn, on_media, &a, NULL);
    nv_test_wait_for(&a.finished, "the media list");
    answer_clear(&a);
    ck_assert(!name_taken("nvtest-cancel"));
    NvVmDraft *d = draft("nvtest-cancel");
    g_autofree char *xml = nv_vm_draft_xml(d, NULL);
    g_autofree char *vol = nv_vm_draft_volume_xml(d, NULL);
    ck_assert(xml && vol);
    nv_vm_draft_free(d);
    ck_assert_int_eq(count_domains(), domains);
    ck_assert_int_eq(count_volumes(), volumes);
    ck_assert(!domain_exists("nvtest-cancel"));
}
END_TEST

static Suite *vm_create_suite(void)
{
    Suite *s = suite_create("vm-create");
    TCase *tc = tcase_create("commit");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_create_and_start);
    tcase_add_test(tc, test_customize_defines_only);
    tcase_add_loop_test(tc, test_failure_leaves_nothing, 0, G_N_ELEMENTS(stages));
    tcase_add_test(tc, test_taken_name_creates_nothing);
    tcase_add_test(tc, test_taken_volume_is_left_alone);
    tcase_add_test(tc, test_bad_draft_queues_nothing);
    suite_add_tcase(s, tc);

    tc = tcase_create("questions");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_caps);
    tcase_add_test(tc, test_name_check);
    tcase_add_test(tc, test_media);
    tcase_add_test(tc, test_cancel_creates_nothing);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vm_create_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
