/* Two hosts at once against libvirt's test driver: each connection is named from its file
 * (a.xml → "a"), the same domain name on both stays two domains, an action on one host's
 * domain leaves the other host's alone, and the read-only flag is kept per connection. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

#include "conn-async.h"
#include "conn.h"
#include "domain-actions.h"
#include "test-util.h"

static char *dir;

static const char node_fmt[] =
    "<node>\n"
    "  <domain type='test'><name>shared</name><uuid>%s</uuid><memory>65536</memory>"
    "<vcpu>%d</vcpu><os><type>hvm</type></os></domain>\n"
    "  <domain type='test'><name>only-%s</name><memory>65536</memory><vcpu>1</vcpu>"
    "<os><type>hvm</type></os></domain>\n"
    "</node>\n";

static char *write_node(const char *host, const char *uuid, int vcpus)
{
    g_autofree char *path = g_strdup_printf("%s/%s.xml", dir, host);
    g_autofree char *text = g_strdup_printf(node_fmt, uuid, vcpus, host);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
    return g_strdup_printf("test://%s", path);
}

static void setup(void)
{
    dir = g_dir_make_tmp("nvtest-hosts-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
}

static void teardown(void)
{
    g_autofree char *a = g_strdup_printf("%s/a.xml", dir);
    g_autofree char *b = g_strdup_printf("%s/b.xml", dir);
    g_unlink(a);
    g_unlink(b);
    g_rmdir(dir);
    g_clear_pointer(&dir, g_free);
}

static const NvDomain *find(NvConn *conn, const char *name)
{
    const NvModel *m = nv_conn_model(conn);
    for (guint i = 0; i < m->domains->len; i++) {
        const NvDomain *d = m->domains->pdata[i];
        if (strcmp(d->name, name) == 0)
            return d;
    }
    return NULL;
}

START_TEST(test_names)
{
    g_autofree char *ua = write_node("a", "11111111-1111-1111-1111-111111111111", 1);
    g_autofree char *ub = write_node("b", "22222222-2222-2222-2222-222222222222", 3);
    nv_virt_init();
    g_autoptr(NvConn) a = nv_conn_new(ua, FALSE);
    g_autoptr(NvConn) b = nv_conn_new(ub, TRUE);
    ck_assert_str_eq(nv_conn_name(a), "a");
    ck_assert_str_eq(nv_conn_name(b), "b");
    ck_assert(!nv_conn_is_readonly(a));
    ck_assert(nv_conn_is_readonly(b));
    nv_conn_set_name(b, "b (2)");
    ck_assert_str_eq(nv_conn_name(b), "b (2)");
    nv_conn_set_name(b, NULL); /* back to the URI's label */
    ck_assert_str_eq(nv_conn_name(b), "b");
}
END_TEST

typedef struct {
    gboolean done;
    gboolean ok;
} OpWait;

static void op_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    OpWait *w = data;
    g_autoptr(GPtrArray) results = nv_domain_op_finish(res, NULL);
    w->ok = results->len == 1 && ((NvOpResult *)results->pdata[0])->ok;
    w->done = TRUE;
}

static gboolean listed(gconstpointer conn)
{
    return nv_conn_model((NvConn *)conn)->domains->len == 2;
}

static gboolean shared_paused(gconstpointer conn)
{
    const NvDomain *d = find((NvConn *)conn, "shared");
    return d && d->state == NV_DOMAIN_PAUSED;
}

START_TEST(test_two_hosts)
{
    g_autofree char *ua = write_node("a", "11111111-1111-1111-1111-111111111111", 1);
    g_autofree char *ub = write_node("b", "22222222-2222-2222-2222-222222222222", 3);
    g_autoptr(NvConn) a = nv_test_conn_open(ua);
    g_autoptr(NvConn) b = nv_test_conn_open(ub);
    ck_assert(nv_test_run_until(listed, a, 30000));
    ck_assert(nv_test_run_until(listed, b, 30000));
    const NvDomain *sa = find(a, "shared"), *sb = find(b, "shared");
    ck_assert_ptr_nonnull(sa);
    ck_assert_ptr_nonnull(sb);
    ck_assert_uint_eq(sa->vcpus, 1);
    ck_assert_uint_eq(sb->vcpus, 3);
    ck_assert_ptr_null(find(a, "only-b"));
    ck_assert_ptr_null(find(b, "only-a"));

    const char *uuids[] = {"22222222-2222-2222-2222-222222222222", NULL};
    OpWait w = {0};
    nv_domain_op_async(b, NV_DOMAIN_OP_SUSPEND, uuids, NULL, op_done, &w, NULL);
    nv_test_wait_for(&w.done, "the pause on b");
    ck_assert(w.ok);
    ck_assert(nv_test_run_until(shared_paused, b, 30000)); /* the refresh that follows */
    nv_conn_refresh(a, NV_CHANGE_DOMAINS);
    nv_test_run_until(shared_paused, a, 1000);
    ck_assert_int_eq(find(a, "shared")->state, NV_DOMAIN_RUNNING);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("hosts");
    TCase *tc = tcase_create("driver");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_names);
    tcase_add_test(tc, test_two_hosts);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
