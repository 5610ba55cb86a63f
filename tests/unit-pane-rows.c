/* Unit tests of ui/pane-rows.c: a pane's items over several hosts map back to the right host
 * and index, and marks are kept per host, so two hosts' objects of one name never mix. The
 * hosts are stand-in pointers: the map never looks inside them. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>

#include "ui-internal.h"

static int host_a, host_b, host_c;
#define A ((NvConn *)&host_a)
#define B ((NvConn *)&host_b)
#define C ((NvConn *)&host_c)

static void check_item(const NvSpans *s, guint item, NvConn *want, guint want_local)
{
    guint local = 999;
    NvConn *got = nv_spans_find(s, item, &local);
    ck_assert_msg(got == want, "item %u: wrong host", item);
    ck_assert_uint_eq(local, want_local);
}

START_TEST(test_spans)
{
    NvSpans s;
    nv_spans_init(&s);
    nv_spans_add(&s, A, 3);
    nv_spans_add(&s, B, 0); /* a host with nothing (yet) */
    nv_spans_add(&s, C, 2);
    ck_assert_uint_eq(s.total, 5);
    ck_assert_uint_eq(nv_spans_n_conns(&s), 3);
    check_item(&s, 0, A, 0);
    check_item(&s, 2, A, 2);
    check_item(&s, 3, C, 0); /* B's empty span is skipped */
    check_item(&s, 4, C, 1);
    ck_assert_ptr_null(nv_spans_find(&s, 5, NULL));
    ck_assert_int_eq(nv_spans_host_index(&s, 2), 0);
    ck_assert_int_eq(nv_spans_host_index(&s, 3), 2);
    ck_assert_int_eq(nv_spans_host_index(&s, 5), -1);
    guint first, n;
    ck_assert(nv_spans_range(&s, C, &first, &n));
    ck_assert_uint_eq(first, 3);
    ck_assert_uint_eq(n, 2);
    ck_assert(nv_spans_range(&s, B, &first, &n));
    ck_assert_uint_eq(n, 0);
    nv_spans_reset(&s);
    ck_assert_uint_eq(s.total, 0);
    ck_assert_ptr_null(nv_spans_find(&s, 0, NULL));
    ck_assert(!nv_spans_range(&s, A, &first, &n));
    nv_spans_clear(&s);
}
END_TEST

/* Many hosts: every item finds its host (the search is a bisection). */
START_TEST(test_spans_many)
{
    static int hosts[50];
    NvSpans s;
    nv_spans_init(&s);
    for (guint h = 0; h < G_N_ELEMENTS(hosts); h++)
        nv_spans_add(&s, (NvConn *)&hosts[h], h % 4); /* 0, 1, 2, 3 items in turn */
    guint item = 0;
    for (guint h = 0; h < G_N_ELEMENTS(hosts); h++)
        for (guint i = 0; i < h % 4; i++, item++)
            check_item(&s, item, (NvConn *)&hosts[h], i);
    ck_assert_uint_eq(item, s.total);
    nv_spans_clear(&s);
}
END_TEST

START_TEST(test_marks_per_host)
{
    NvMarks *m = nv_marks_new();
    ck_assert(nv_marks_toggle(m, A, "web"));
    ck_assert(nv_marks_has(m, A, "web"));
    ck_assert(!nv_marks_has(m, B, "web")); /* the same name on another host is not marked */
    nv_marks_set(m, B, "web", TRUE);
    nv_marks_set(m, B, "db", TRUE);
    ck_assert_uint_eq(nv_marks_count(m), 3);
    ck_assert(!nv_marks_toggle(m, A, "web")); /* unmarks A's only */
    ck_assert(!nv_marks_has(m, A, "web"));
    ck_assert(nv_marks_has(m, B, "web"));
    ck_assert_uint_eq(nv_marks_count(m), 2);
    nv_marks_drop_conn(m, B);
    ck_assert_uint_eq(nv_marks_count(m), 0);
    nv_marks_set(m, A, "x", TRUE);
    nv_marks_clear(m);
    ck_assert(!nv_marks_has(m, A, "x"));
    ck_assert(!nv_marks_has(m, A, NULL));
    nv_marks_free(m);
}
END_TEST

START_TEST(test_marks_prune)
{
    NvMarks *m = nv_marks_new();
    nv_marks_set(m, A, "web", TRUE);
    nv_marks_set(m, A, "gone", TRUE);
    nv_marks_set(m, B, "web", TRUE);
    nv_marks_set(m, C, "web", TRUE);
    g_autoptr(GHashTable) alive = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                        (GDestroyNotify)g_hash_table_unref);
    GHashTable *a = g_hash_table_new(g_str_hash, g_str_equal);
    g_hash_table_add(a, "web");
    g_hash_table_insert(alive, A, a);
    /* B is in view but its "web" is gone; C is out of view. */
    g_hash_table_insert(alive, B, g_hash_table_new(g_str_hash, g_str_equal));
    nv_marks_prune(m, alive, TRUE);
    ck_assert(nv_marks_has(m, A, "web"));
    ck_assert(!nv_marks_has(m, A, "gone"));
    ck_assert(!nv_marks_has(m, B, "web"));
    ck_assert(nv_marks_has(m, C, "web"));
    nv_marks_prune(m, alive, FALSE);
    ck_assert(!nv_marks_has(m, C, "web"));
    ck_assert_uint_eq(nv_marks_count(m), 1);
    nv_marks_free(m);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("pane-rows");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_spans);
    tcase_add_test(tc, test_spans_many);
    tcase_add_test(tc, test_marks_per_host);
    tcase_add_test(tc, test_marks_prune);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
