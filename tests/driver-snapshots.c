/* Snapshots: the XML reader, the tree (order, ├─ └─ │ prefixes, orphans), name checks and the
 * create document, then the real calls against libvirt's test driver through one NvConn per
 * test (the test driver's state lives with the connection): a tree with parent and child,
 * the current marker, create, revert, delete one (children move up) and delete with
 * children. */
#include <check.h>
#include <gio/gio.h>
#include <glib.h>
#include <string.h>

#include "conn-virt.h"
#include "error.h"
#include "conn-job.h"
#include "domain-snapshot.h"
#include "test-util.h"

#define URI "test:///default"
#define TEST_DOMAIN_UUID "6695eb01-f6a4-8304-79aa-97f2502e193f" /* "test" in test:///default */

/* ---- pure ---- */

static const char *sample_xml =
    "<domainsnapshot>\n"
    "  <name>before-upgrade</name>\n"
    "  <description>kernel 6.1 &amp; friends</description>\n"
    "  <state>running</state>\n"
    "  <parent><name>base</name></parent>\n"
    "  <creationTime>1700000000</creationTime>\n"
    "  <memory snapshot='internal'/>\n"
    "  <disks><disk name='vda' snapshot='internal'/></disks>\n"
    "  <domain type='test'><name>web-01</name><description>not mine</description></domain>\n"
    "</domainsnapshot>\n";

START_TEST(test_from_xml)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvSnapshot) s = nv_snapshot_from_xml(sample_xml, &err);
    ck_assert_msg(s != NULL, "%s", err ? err->message : "");
    ck_assert_str_eq(s->name, "before-upgrade");
    ck_assert_str_eq(s->description, "kernel 6.1 & friends");
    ck_assert_str_eq(s->state, "running");
    ck_assert_str_eq(s->parent, "base");
    ck_assert_int_eq(s->created, 1700000000);
    ck_assert(s->memory);
    ck_assert(!s->external);
    ck_assert(!s->current);

    g_autoptr(NvSnapshot) disk =
        nv_snapshot_from_xml("<domainsnapshot><name>d</name><state>disk-snapshot</state>"
                             "<memory snapshot='no'/><disks><disk name='vda' snapshot='external'>"
                             "<source file='/x.d'/></disk></disks></domainsnapshot>",
                             NULL);
    ck_assert_ptr_nonnull(disk);
    ck_assert(!disk->memory);
    ck_assert(disk->external);
    ck_assert(!disk->internal);
    ck_assert_str_eq(disk->parent, "");
    ck_assert_str_eq(disk->description, "");

    /* Some disks inside the images, some in files: both, never "external files" alone. */
    g_autoptr(NvSnapshot) mixed = nv_snapshot_from_xml(
        "<domainsnapshot><name>m</name><state>shutoff</state><disks>"
        "<disk name='vda' snapshot='internal'/><disk name='vdb' snapshot='external'>"
        "<source file='/x.m'/></disk><disk name='vdc' snapshot='no'/></disks></domainsnapshot>",
        NULL);
    ck_assert(mixed->internal && mixed->external);

    /* A shut-off domain's snapshot has no memory even without <memory>. */
    g_autoptr(NvSnapshot) off =
        nv_snapshot_from_xml("<domainsnapshot><name>o</name><state>shutoff</state>"
                             "</domainsnapshot>",
                             NULL);
    ck_assert(!off->memory);

    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    ck_assert_ptr_null(nv_snapshot_from_xml("<domain><name>x</name></domain>", &e1));
    ck_assert_ptr_null(nv_snapshot_from_xml("<domainsnapshot><name>x", &e2));
    ck_assert_ptr_null(nv_snapshot_from_xml("<domainsnapshot/>", &e3));
    ck_assert(g_error_matches(e1, NV_ERROR, NV_ERROR_PARSE));
    ck_assert_ptr_nonnull(strstr(e3->message, "no name"));
}
END_TEST

static NvSnapshot *snap(const char *name, const char *parent, gint64 created)
{
    NvSnapshot *s = g_new0(NvSnapshot, 1);
    s->name = g_strdup(name);
    s->parent = g_strdup(parent);
    s->description = g_strdup("");
    s->state = g_strdup("running");
    s->created = created;
    return s;
}

static NvSnapshotList *tree_fixture(void)
{
    NvSnapshotList *l = g_new0(NvSnapshotList, 1);
    l->domain = g_strdup("web-01");
    l->uuid = g_strdup("u");
    l->snapshots = g_ptr_array_new_with_free_func((GDestroyNotify)nv_snapshot_free);
    /* Deliberately out of order: e (a root), then children before parents. */
    g_ptr_array_add(l->snapshots, snap("e", "", 5));
    g_ptr_array_add(l->snapshots, snap("d", "b", 4));
    g_ptr_array_add(l->snapshots, snap("c", "a", 3));
    g_ptr_array_add(l->snapshots, snap("b", "a", 2));
    g_ptr_array_add(l->snapshots, snap("a", "", 1));
    g_ptr_array_add(l->snapshots, snap("f", "gone", 6)); /* its parent is not listed */
    g_ptr_array_add(l->snapshots, snap("g", "c", 7));
    nv_snapshot_arrange(l->snapshots);
    return l;
}

START_TEST(test_arrange_tree)
{
    g_autoptr(NvSnapshotList) l = tree_fixture();
    const char *names[] = {"a", "b", "d", "c", "g", "e", "f"};
    const char *trees[] = {"", "├─ ", "│  └─ ", "└─ ", "   └─ ", "", ""};
    const guint depths[] = {0, 1, 2, 1, 2, 0, 0};
    ck_assert_uint_eq(l->snapshots->len, G_N_ELEMENTS(names));
    for (guint i = 0; i < G_N_ELEMENTS(names); i++) {
        NvSnapshot *s = l->snapshots->pdata[i];
        ck_assert_str_eq(s->name, names[i]);
        ck_assert_msg(strcmp(s->tree, trees[i]) == 0, "%s: tree '%s', want '%s'", s->name, s->tree,
                      trees[i]);
        ck_assert_uint_eq(s->depth, depths[i]);
    }
    NvSnapshot *a = l->snapshots->pdata[0];
    ck_assert_uint_eq(a->children, 2);
    ck_assert_uint_eq(a->descendants, 4);
    ck_assert_int_eq(nv_snapshot_find(l, "c"), 3);
    ck_assert_int_eq(nv_snapshot_find(l, "zz"), -1);
    g_autoptr(GPtrArray) under_a = nv_snapshot_descendants(l, "a");
    ck_assert_uint_eq(under_a->len, 4);
    ck_assert_str_eq(under_a->pdata[0], "b");
    ck_assert_str_eq(under_a->pdata[3], "g");
    g_autoptr(GPtrArray) under_e = nv_snapshot_descendants(l, "e");
    ck_assert_uint_eq(under_e->len, 0);
}
END_TEST

START_TEST(test_arrange_cycle)
{
    /* A corrupt host could report x -> y -> x: both must still show, once each. */
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func((GDestroyNotify)nv_snapshot_free);
    g_ptr_array_add(a, snap("x", "y", 1));
    g_ptr_array_add(a, snap("y", "x", 2));
    g_ptr_array_add(a, snap("z", "z", 3));
    nv_snapshot_arrange(a);
    ck_assert_uint_eq(a->len, 3);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < a->len; i++)
        ck_assert(g_hash_table_add(seen, ((NvSnapshot *)a->pdata[i])->name));
}
END_TEST

/* Found by fuzz-xml-snapshot: two snapshots of one name (never from libvirt, from a hostile
 * list) made a loop of children and the walk recursed until the stack ran out; before that,
 * one of them was listed twice and the other freed twice. Each must show exactly once. */
START_TEST(test_arrange_duplicate_names)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func((GDestroyNotify)nv_snapshot_free);
    g_ptr_array_add(a, snap("moop", "loop", 1));
    g_ptr_array_add(a, snap("loop", "", 2));
    g_ptr_array_add(a, snap("loop", "moop", 3));
    nv_snapshot_arrange(a);
    ck_assert_uint_eq(a->len, 3);
    g_autoptr(GHashTable) seen = g_hash_table_new(g_direct_hash, g_direct_equal);
    for (guint i = 0; i < a->len; i++)
        ck_assert(g_hash_table_add(seen, a->pdata[i]));
}
END_TEST

START_TEST(test_name_check)
{
    g_autoptr(NvSnapshotList) l = tree_fixture();
    ck_assert(nv_snapshot_name_check("before-upgrade", l, NULL));
    ck_assert(nv_snapshot_name_check("ünïcode snap", NULL, NULL));
    const char *bad[] = {"", "a/b", "tab\there", " lead", "trail ", "b"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        ck_assert_msg(!nv_snapshot_name_check(bad[i], l, &err), "'%s' accepted", bad[i]);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    }
    g_autoptr(GError) err = NULL;
    nv_snapshot_name_check("b", l, &err);
    ck_assert_str_eq(err->message, "'web-01' already has a snapshot named 'b'");
}
END_TEST

START_TEST(test_spec_xml)
{
    NvSnapshotSpec spec = {.name = "a<b", .description = "x & y", .kind = NV_SNAPSHOT_WITH_MEMORY};
    g_autofree char *xml = nv_snapshot_spec_xml(&spec);
    ck_assert_ptr_nonnull(strstr(xml, "<name>a&lt;b</name>"));
    ck_assert_ptr_nonnull(strstr(xml, "<description>x &amp; y</description>"));
    ck_assert_ptr_nonnull(strstr(xml, "<memory snapshot='internal'/>"));
    ck_assert_uint_eq(nv_snapshot_spec_flags(&spec, TRUE), 0);

    spec.kind = NV_SNAPSHOT_DISK_ONLY;
    spec.description = NULL;
    g_autofree char *disk = nv_snapshot_spec_xml(&spec);
    ck_assert_ptr_nonnull(strstr(disk, "<memory snapshot='no'/>"));
    ck_assert_ptr_null(strstr(disk, "<description>"));
    ck_assert_uint_eq(nv_snapshot_spec_flags(&spec, TRUE), VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
    ck_assert_uint_eq(nv_snapshot_spec_flags(&spec, FALSE), 0);
    spec.kind = NV_SNAPSHOT_DISK_EXTERNAL;
    ck_assert_uint_eq(nv_snapshot_spec_flags(&spec, TRUE),
                      VIR_DOMAIN_SNAPSHOT_CREATE_DISK_ONLY | VIR_DOMAIN_SNAPSHOT_CREATE_ATOMIC);
}
END_TEST

/* ---- against the test driver ---- */

typedef struct {
    gboolean done;
    GError *err;
    NvSnapshotList *list;
} Result;

static void result_clear(Result *r)
{
    g_clear_error(&r->err);
    g_clear_pointer(&r->list, nv_snapshot_list_free);
    r->done = FALSE;
}

static void on_list(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Result *r = data;
    r->list = nv_snapshot_list_finish(res, &r->err);
    r->done = TRUE;
}

static void on_job(NvJob *job, const GError *err, gpointer data)
{
    Result *r = data;
    r->err = err ? g_error_copy(err) : NULL;
    r->done = TRUE;
}

static void on_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    nv_snapshot_delete_finish(res, &err);
    on_job(NULL, err, data);
}

static NvSnapshotList *list_of(NvConn *conn)
{
    Result r = {0};
    nv_snapshot_list_async(conn, TEST_DOMAIN_UUID, on_list, &r, NULL);
    nv_test_wait(&r.done, 10000);
    ck_assert_msg(r.err == NULL, "%s", r.err ? r.err->message : "");
    return r.list;
}

static void create(NvConn *conn, const char *name, const char *description)
{
    Result r = {0};
    NvSnapshotSpec spec = {
        .name = (char *)name, .description = (char *)description, .kind = NV_SNAPSHOT_WITH_MEMORY};
    g_autoptr(NvJob) job =
        nv_snapshot_create(conn, TEST_DOMAIN_UUID, "test", &spec, NULL, on_job, &r, NULL);
    ck_assert_ptr_nonnull(job);
    g_autofree char *label = g_strdup_printf("snapshot '%s' of test", name);
    ck_assert_str_eq(nv_job_label(job), label);
    nv_test_wait(&r.done, 10000);
    ck_assert_msg(r.err == NULL, "%s", r.err ? r.err->message : "");
}

static void revert(NvConn *conn, const char *name)
{
    Result r = {0};
    g_autoptr(NvJob) job =
        nv_snapshot_revert(conn, TEST_DOMAIN_UUID, "test", name, FALSE, NULL, on_job, &r, NULL);
    ck_assert(!nv_job_can_cancel(job));
    nv_test_wait(&r.done, 10000);
    ck_assert_msg(r.err == NULL, "%s", r.err ? r.err->message : "");
}

static void delete (NvConn *conn, const char *name, gboolean children)
{
    Result r = {0};
    nv_snapshot_delete_async(conn, TEST_DOMAIN_UUID, name, children, on_done, &r, NULL);
    nv_test_wait(&r.done, 10000);
    ck_assert_msg(r.err == NULL, "%s", r.err ? r.err->message : "");
}

static NvSnapshot *get(NvSnapshotList *l, const char *name)
{
    int i = nv_snapshot_find(l, name);
    ck_assert_msg(i >= 0, "no snapshot '%s'", name);
    return l->snapshots->pdata[i];
}

static const char *current_of(NvSnapshotList *l)
{
    const char *cur = NULL;
    for (guint i = 0; i < l->snapshots->len; i++) {
        NvSnapshot *s = l->snapshots->pdata[i];
        if (s->current) {
            ck_assert_msg(cur == NULL, "two current snapshots: %s and %s", cur, s->name);
            cur = s->name;
        }
    }
    return cur;
}

START_TEST(test_tree_and_current)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    g_autoptr(NvSnapshotList) empty = list_of(conn);
    ck_assert_str_eq(empty->domain, "test");
    ck_assert_int_eq(empty->state, NV_DOMAIN_RUNNING);
    ck_assert_uint_eq(empty->snapshots->len, 0);

    create(conn, "s1", "first one");
    create(conn, "s2", NULL);
    g_autoptr(NvSnapshotList) l = list_of(conn);
    ck_assert_uint_eq(l->snapshots->len, 2);
    NvSnapshot *s1 = l->snapshots->pdata[0], *s2 = l->snapshots->pdata[1];
    ck_assert_str_eq(s1->name, "s1");
    ck_assert_str_eq(s1->description, "first one");
    ck_assert_str_eq(s1->parent, "");
    ck_assert_str_eq(s1->tree, "");
    ck_assert(s1->memory);
    ck_assert(s1->created > 0);
    ck_assert_str_eq(s2->parent, "s1");
    ck_assert_str_eq(s2->tree, "└─ ");
    ck_assert_uint_eq(s1->descendants, 1);
    ck_assert_str_eq(current_of(l), "s2");

    /* Reverting moves the current marker; a new snapshot becomes a child of the current. */
    revert(conn, "s1");
    g_autoptr(NvSnapshotList) after = list_of(conn);
    ck_assert_str_eq(current_of(after), "s1");
    create(conn, "s3", NULL);
    g_autoptr(NvSnapshotList) three = list_of(conn);
    ck_assert_str_eq(get(three, "s3")->parent, "s1");
    ck_assert_uint_eq(get(three, "s1")->children, 2);
    ck_assert_str_eq(get(three, "s2")->tree, "├─ ");
    ck_assert_str_eq(get(three, "s3")->tree, "└─ ");
    ck_assert_str_eq(current_of(three), "s3");
}
END_TEST

START_TEST(test_create_errors)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    create(conn, "dup", NULL);
    Result r = {0};
    NvSnapshotSpec spec = {.name = "dup", .kind = NV_SNAPSHOT_WITH_MEMORY};
    g_autoptr(NvJob) job =
        nv_snapshot_create(conn, TEST_DOMAIN_UUID, "test", &spec, NULL, on_job, &r, NULL);
    nv_test_wait(&r.done, 10000);
    ck_assert_ptr_nonnull(r.err);
    ck_assert_msg(g_str_has_prefix(r.err->message, "cannot take snapshot 'dup' of 'test': "), "%s",
                  r.err->message);
    /* libvirt's own words follow (every libvirt call clears the last error: easy to lose). */
    ck_assert_msg(strstr(r.err->message, "unknown libvirt error") == NULL &&
                      strlen(r.err->message) > strlen("cannot take snapshot 'dup' of 'test': "),
                  "%s", r.err->message);
    result_clear(&r);

    nv_snapshot_list_async(conn, "00000000-0000-0000-0000-000000000000", on_list, &r, NULL);
    nv_test_wait(&r.done, 10000);
    ck_assert_ptr_nonnull(r.err);
    ck_assert_ptr_null(r.list);
    result_clear(&r);

    nv_snapshot_delete_async(conn, TEST_DOMAIN_UUID, "nope", FALSE, on_done, &r, NULL);
    nv_test_wait(&r.done, 10000);
    ck_assert_ptr_nonnull(r.err);
    ck_assert_msg(g_str_has_prefix(r.err->message, "'test' has no snapshot 'nope'"), "%s",
                  r.err->message);
    ck_assert_ptr_null(strstr(r.err->message, "unknown libvirt error"));
    result_clear(&r);

    g_autoptr(NvJob) rj =
        nv_snapshot_revert(conn, TEST_DOMAIN_UUID, "test", "nope", FALSE, NULL, on_job, &r, NULL);
    nv_test_wait(&r.done, 10000);
    ck_assert_ptr_nonnull(r.err);
    result_clear(&r);
}
END_TEST

START_TEST(test_delete_one_reparents)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    create(conn, "root", NULL);
    create(conn, "mid", NULL);
    create(conn, "leaf", NULL);
    revert(conn, "mid");
    create(conn, "leaf2", NULL);
    delete (conn, "mid", FALSE);
    g_autoptr(NvSnapshotList) l = list_of(conn);
    ck_assert_int_eq(nv_snapshot_find(l, "mid"), -1);
    ck_assert_uint_eq(l->snapshots->len, 3);
    ck_assert_str_eq(get(l, "leaf")->parent, "root");
    ck_assert_str_eq(get(l, "leaf2")->parent, "root");
    ck_assert_uint_eq(get(l, "root")->descendants, 2);
}
END_TEST

START_TEST(test_delete_with_children)
{
    g_autoptr(NvConn) conn = nv_test_conn_open(URI);
    create(conn, "keep", NULL);
    revert(conn, "keep");
    create(conn, "p", NULL);
    create(conn, "q", NULL);
    create(conn, "r", NULL);
    g_autoptr(NvSnapshotList) before = list_of(conn);
    g_autoptr(GPtrArray) under = nv_snapshot_descendants(before, "p");
    ck_assert_uint_eq(under->len, 2);
    delete (conn, "p", TRUE);
    g_autoptr(NvSnapshotList) l = list_of(conn);
    ck_assert_uint_eq(l->snapshots->len, 1);
    ck_assert_str_eq(((NvSnapshot *)l->snapshots->pdata[0])->name, "keep");
}
END_TEST

static Suite *snapshots_suite(void)
{
    Suite *s = suite_create("snapshots");
    TCase *pure = tcase_create("pure");
    tcase_add_test(pure, test_from_xml);
    tcase_add_test(pure, test_arrange_tree);
    tcase_add_test(pure, test_arrange_cycle);
    tcase_add_test(pure, test_arrange_duplicate_names);
    tcase_add_test(pure, test_name_check);
    tcase_add_test(pure, test_spec_xml);
    suite_add_tcase(s, pure);
    TCase *driver = tcase_create("testdriver");
    tcase_set_timeout(driver, 60);
    tcase_add_test(driver, test_tree_and_current);
    tcase_add_test(driver, test_create_errors);
    tcase_add_test(driver, test_delete_one_reparents);
    tcase_add_test(driver, test_delete_with_children);
    suite_add_tcase(s, driver);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(snapshots_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
