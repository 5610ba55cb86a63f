/* Tests of src/domain-migrate.c: the flags and the summary (pure), and the check before a
 * migration against two test-driver hosts: test:///default and a node file of the test's own
 * that lacks the network the guest uses and has a domain of the same name. The migration
 * itself needs two real daemons (tests/daemon-migrate.sh). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <string.h>

#include "domain-migrate.h"
#include "test-util.h"

#define TEST_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f" /* test:///default's "test" */

START_TEST(test_flags)
{
    NvMigrateSpec s = {.live = TRUE, .persistent = TRUE};
    unsigned long f = nv_migrate_flags(&s, TRUE);
    ck_assert(f & VIR_MIGRATE_LIVE);
    ck_assert(f & VIR_MIGRATE_PERSIST_DEST);
    ck_assert(f & VIR_MIGRATE_ABORT_ON_ERROR);
    ck_assert(
        !(f & (VIR_MIGRATE_UNDEFINE_SOURCE | VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_OFFLINE)));
    s.undefine_source = TRUE;
    s.storage = NV_MIGRATE_STORAGE_ALL;
    s.auto_converge = s.postcopy = s.compressed = TRUE;
    f = nv_migrate_flags(&s, TRUE);
    ck_assert(f & VIR_MIGRATE_UNDEFINE_SOURCE);
    ck_assert(f & VIR_MIGRATE_NON_SHARED_DISK);
    ck_assert(!(f & VIR_MIGRATE_NON_SHARED_INC));
    ck_assert(f & VIR_MIGRATE_AUTO_CONVERGE);
    ck_assert(f & VIR_MIGRATE_POSTCOPY);
    ck_assert(f & VIR_MIGRATE_COMPRESSED);
    s.storage = NV_MIGRATE_STORAGE_INC;
    ck_assert(nv_migrate_flags(&s, TRUE) & VIR_MIGRATE_NON_SHARED_INC);
    /* A shut-off domain moves offline: the definition only, kept at the destination. */
    f = nv_migrate_flags(&s, FALSE);
    ck_assert(f & VIR_MIGRATE_OFFLINE);
    ck_assert(f & VIR_MIGRATE_PERSIST_DEST);
    ck_assert(!(f & (VIR_MIGRATE_LIVE | VIR_MIGRATE_NON_SHARED_DISK | VIR_MIGRATE_POSTCOPY)));
}
END_TEST

START_TEST(test_spec_check)
{
    NvMigrateSpec s = {.live = FALSE, .persistent = FALSE};
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL, e4 = NULL;
    ck_assert(!nv_migrate_spec_check(&s, FALSE, &e1));
    ck_assert_ptr_nonnull(strstr(e1->message, "keep it"));
    s.persistent = TRUE;
    ck_assert(nv_migrate_spec_check(&s, FALSE, NULL));
    s.storage = NV_MIGRATE_STORAGE_ALL;
    ck_assert(!nv_migrate_spec_check(&s, FALSE, &e2));
    s.storage = NV_MIGRATE_STORAGE_SHARED;
    s.postcopy = TRUE;
    ck_assert(!nv_migrate_spec_check(&s, FALSE, &e3));
    s.live = TRUE;
    ck_assert(nv_migrate_spec_check(&s, TRUE, NULL));
    s.address = (char *)"127.0.0.1/evil";
    ck_assert(!nv_migrate_spec_check(&s, TRUE, &e4));
    s.address = (char *)"::1";
    ck_assert(nv_migrate_spec_check(&s, TRUE, NULL));
}
END_TEST

START_TEST(test_summary)
{
    NvMigrateSpec s = {.live = TRUE,
                       .persistent = TRUE,
                       .undefine_source = TRUE,
                       .storage = NV_MIGRATE_STORAGE_ALL,
                       .bandwidth_mib = 100,
                       .max_downtime_ms = 300,
                       .postcopy = TRUE};
    g_autoptr(GPtrArray) l = nv_migrate_summary(&s, "web", TRUE, "hv1", "hv2");
    g_ptr_array_add(l, NULL);
    g_autofree char *all = g_strjoinv("\n", (char **)l->pdata);
    ck_assert_msg(strstr(all, "move 'web' from hv1 to hv2 while it runs"), "%s", all);
    ck_assert(strstr(all, "keep it defined at the destination"));
    ck_assert(strstr(all, "remove its definition at the source"));
    ck_assert(strstr(all, "copy every disk"));
    ck_assert(strstr(all, "100 MiB/s"));
    ck_assert(strstr(all, "300 ms"));
    ck_assert(strstr(all, "post-copy"));
    g_autoptr(GPtrArray) off = nv_migrate_summary(&s, "web", FALSE, "hv1", "hv2");
    ck_assert_ptr_nonnull(strstr(off->pdata[0], "offline"));
}
END_TEST

START_TEST(test_progress_text)
{
    double f = 0;
    NvMigrateStats st = {0};
    g_autofree char *wait = nv_migrate_progress_text(&st, &f);
    ck_assert(f < 0);
    ck_assert_str_eq(wait, "waiting for the destination");
    /* 3/4 of the memory done though only 10 MiB were sent: zero pages are skipped. */
    st = (NvMigrateStats){.processed = 10 << 20,
                          .remaining = 25 << 20,
                          .total = 100 << 20,
                          .bps = 5 << 20,
                          .iteration = 2,
                          .downtime_ms = 300};
    g_autofree char *text = nv_migrate_progress_text(&st, &f);
    ck_assert_double_eq_tol(f, 0.75, 1e-9);
    ck_assert_msg(strstr(text, "25.0 MiB left of 100.0 MiB, 10.0 MiB sent"), "%s", text);
    ck_assert_msg(strstr(text, "pass 2"), "%s", text);
    ck_assert_msg(strstr(text, "downtime ~300 ms"), "%s", text);
    ck_assert_msg(strstr(text, "6 s left"), "%s", text);
    st.remaining = st.total + 1; /* a bogus record reads as nothing done, not below zero */
    g_autofree char *odd = nv_migrate_progress_text(&st, &f);
    ck_assert_double_eq(f, 0);
}
END_TEST

typedef struct {
    gboolean done;
    GError *err;
    NvMigrateCheck *check;
} CheckWait;

static void on_check(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    CheckWait *w = data;
    w->check = nv_migrate_check_finish(res, &w->err);
    w->done = TRUE;
}

static gboolean has_item(const NvMigrateCheck *c, NvCheckLevel level, const char *text)
{
    for (guint i = 0; i < c->items->len; i++) {
        const NvCheckItem *it = c->items->pdata[i];
        if (it->level == level && strstr(it->text, text))
            return TRUE;
    }
    return FALSE;
}

static char *items_text(const NvMigrateCheck *c)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < c->items->len; i++) {
        const NvCheckItem *it = c->items->pdata[i];
        g_string_append_printf(s, "[%d] %s\n", it->level, it->text);
    }
    return g_string_free(s, FALSE);
}

START_TEST(test_check)
{
    g_autofree char *dir = g_dir_make_tmp("nvmigrate-XXXXXX", NULL);
    g_autofree char *node = g_build_filename(dir, "other.xml", NULL);
    const char *xml = "<node><domain type='test'><name>test</name><memory>8192</memory>"
                      "<os><type>hvm</type></os></domain></node>";
    ck_assert(g_file_set_contents(node, xml, -1, NULL));
    g_autofree char *uri = g_strdup_printf("test://%s", node);
    g_autoptr(NvConn) from = nv_test_conn_open("test:///default");
    g_autoptr(NvConn) to = nv_test_conn_open(uri);
    NvMigrateSpec s = {.live = TRUE, .persistent = TRUE};
    CheckWait w = {0};
    nv_migrate_check_async(from, to, TEST_UUID, &s, on_check, &w, NULL);
    ck_assert(nv_test_run_until_set(&w.done, 10000));
    ck_assert_msg(w.err == NULL, "%s", w.err ? w.err->message : "");
    g_autofree char *text = items_text(w.check);
    /* The guest's network is missing there, its name is taken, and the test driver is one
     * host whatever the file: each is a reason, none stops the check itself. */
    ck_assert_msg(has_item(w.check, NV_CHECK_BLOCKER, "network 'default' does not exist"), "%s",
                  text);
    ck_assert_msg(has_item(w.check, NV_CHECK_BLOCKER, "a domain named 'test' exists"), "%s", text);
    ck_assert_msg(has_item(w.check, NV_CHECK_BLOCKER, "disk vda"), "%s", text);
    ck_assert_uint_ge(w.check->blockers, 3);
    ck_assert(!has_item(w.check, NV_CHECK_BLOCKER, "same"));
    nv_migrate_check_free(w.check);

    /* A domain that is not running cannot move live. */
    CheckWait w2 = {0};
    nv_migrate_check_async(to, from, TEST_UUID, &s, on_check, &w2, NULL);
    ck_assert(nv_test_run_until_set(&w2.done, 10000));
    /* "test" has another UUID in the file: the source cannot find this one. */
    ck_assert_ptr_nonnull(w2.err);
    g_clear_error(&w2.err);

    /* The same host at both ends is refused. */
    g_autoptr(NvConn) again = nv_test_conn_open("test:///default");
    CheckWait w3 = {0};
    nv_migrate_check_async(from, again, TEST_UUID, &s, on_check, &w3, NULL);
    ck_assert(nv_test_run_until_set(&w3.done, 10000));
    ck_assert_ptr_null(w3.err);
    ck_assert(has_item(w3.check, NV_CHECK_BLOCKER, "same"));
    nv_migrate_check_free(w3.check);
    g_unlink(node);
    g_rmdir(dir);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("migrate");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, test_flags);
    tcase_add_test(pure, test_spec_check);
    tcase_add_test(pure, test_summary);
    tcase_add_test(pure, test_progress_text);
    suite_add_tcase(s, pure);
    TCase *driver = tcase_create("driver");
    tcase_add_test(driver, test_check);
    suite_add_tcase(s, driver);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
