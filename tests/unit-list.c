/* Unit tests of the ui's list widget (NvList, the one cursor of every list and dialog) and of
 * the status line's text policy (one line, wrapped for a dialog). No terminal is needed. */
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdlib.h>

#include "ui-internal.h"

static void list_of(NvList *list, guint n)
{
    nv_list_init(list);
    nv_list_set_count(list, n);
}

START_TEST(test_empty)
{
    NvList list;
    list_of(&list, 0);
    ck_assert_int_eq(nv_list_selected_item(&list), -1);
    ck_assert(!nv_list_move(&list, NV_ACTION_DOWN, 10));
    ck_assert(!nv_list_move(&list, NV_ACTION_END, 10));
    ck_assert_uint_eq(list.selected, 0);
    nv_list_scroll(&list, 5);
    ck_assert_uint_eq(list.top, 0);
    nv_list_clear(&list);
    ck_assert_int_eq(nv_list_selected_item(&list), -1);
}
END_TEST

START_TEST(test_moves)
{
    NvList list;
    list_of(&list, 10);
    ck_assert_int_eq(nv_list_selected_item(&list), 0);
    ck_assert(!nv_list_move(&list, NV_ACTION_UP, 4)); /* at the top already */
    ck_assert(nv_list_move(&list, NV_ACTION_DOWN, 4));
    ck_assert_uint_eq(list.selected, 1);
    /* A page of 4 rows moves 3, keeping one row in view. */
    ck_assert(nv_list_move(&list, NV_ACTION_PAGE_DOWN, 4));
    ck_assert_uint_eq(list.selected, 4);
    ck_assert(nv_list_move(&list, NV_ACTION_PAGE_UP, 4));
    ck_assert_uint_eq(list.selected, 1);
    ck_assert(nv_list_move(&list, NV_ACTION_PAGE_UP, 4));
    ck_assert_uint_eq(list.selected, 0);
    ck_assert(nv_list_move(&list, NV_ACTION_END, 4));
    ck_assert_uint_eq(list.selected, 9);
    ck_assert(!nv_list_move(&list, NV_ACTION_DOWN, 4)); /* stays on the last */
    ck_assert(!nv_list_move(&list, NV_ACTION_PAGE_DOWN, 4));
    ck_assert_uint_eq(list.selected, 9);
    ck_assert(nv_list_move(&list, NV_ACTION_HOME, 4));
    ck_assert_uint_eq(list.selected, 0);
    ck_assert(!nv_list_move(&list, NV_ACTION_QUIT, 4)); /* not a move */
    /* A box of one row (or none yet) still pages by one. */
    ck_assert(nv_list_move(&list, NV_ACTION_PAGE_DOWN, 0));
    ck_assert_uint_eq(list.selected, 1);
    nv_list_clear(&list);
}
END_TEST

START_TEST(test_step)
{
    ck_assert_uint_eq(nv_list_step(5, 10, NV_ACTION_UP, 1), 4);
    ck_assert_uint_eq(nv_list_step(9, 10, NV_ACTION_DOWN, 1), 9);
    ck_assert_uint_eq(nv_list_step(2, 10, NV_ACTION_PAGE_DOWN, 4), 5);
    ck_assert_uint_eq(nv_list_step(8, 10, NV_ACTION_PAGE_DOWN, 4), 9);
    ck_assert_uint_eq(nv_list_step(2, 10, NV_ACTION_PAGE_UP, 4), 0);
    ck_assert_uint_eq(nv_list_step(3, 0, NV_ACTION_END, 4), 0);
    ck_assert(nv_list_is_move(NV_ACTION_PAGE_UP));
    ck_assert(nv_list_is_move(NV_ACTION_END));
    ck_assert(!nv_list_is_move(NV_ACTION_DETAILS));
    ck_assert(!nv_list_is_move(NV_ACTION_NONE));
}
END_TEST

START_TEST(test_keep_in_range)
{
    NvList list;
    list_of(&list, 10);
    nv_list_move(&list, NV_ACTION_END, 1);
    nv_list_scroll(&list, 4);
    ck_assert_uint_eq(list.top, 6);
    /* The list shrank under the selection: it moves to the last row. */
    nv_list_set_count(&list, 3);
    ck_assert_uint_eq(list.selected, 2);
    ck_assert_int_eq(nv_list_selected_item(&list), 2);
    nv_list_set_count(&list, 0);
    ck_assert_uint_eq(list.selected, 0);
    ck_assert_uint_eq(list.top, 0);
    nv_list_clear(&list);
}
END_TEST

START_TEST(test_scroll)
{
    NvList list;
    list_of(&list, 20);
    nv_list_scroll(&list, 5);
    ck_assert_uint_eq(list.top, 0);
    list.selected = 7;
    nv_list_scroll(&list, 5); /* the selection is the last row shown */
    ck_assert_uint_eq(list.top, 3);
    list.selected = 1;
    nv_list_scroll(&list, 5); /* and the first one going back up */
    ck_assert_uint_eq(list.top, 1);
    /* A filtered view that shrank fills the box rather than leaving a gap. */
    list.top = 15;
    list.selected = 17;
    g_array_set_size(list.rows, 18);
    nv_list_scroll(&list, 5);
    ck_assert_uint_eq(list.top, 13);
    nv_list_clear(&list);
}
END_TEST

START_TEST(test_one_line)
{
    g_autofree char *a = nv_status_one_line("error: bad\n  element 'disk'\n\n");
    ck_assert_str_eq(a, "error: bad · element 'disk'");
    g_autofree char *b = nv_status_one_line("plain");
    ck_assert_str_eq(b, "plain");
    g_autofree char *c = nv_status_one_line(NULL);
    ck_assert_str_eq(c, "");
}
END_TEST

START_TEST(test_wrap)
{
    g_autoptr(GPtrArray) lines = nv_status_wrap_to("aaa bbb ccc\ndd  ee", 7);
    ck_assert_uint_eq(lines->len, 3);
    ck_assert_str_eq(lines->pdata[0], "aaa bbb");
    ck_assert_str_eq(lines->pdata[1], "ccc");
    ck_assert_str_eq(lines->pdata[2], "dd ee");
    g_autoptr(GPtrArray) wide = nv_status_wrap_to("averyveryverylongword x", 5);
    ck_assert_uint_eq(wide->len, 2);
    ck_assert_str_eq(wide->pdata[0], "averyveryverylongword");
    g_autoptr(GPtrArray) none = nv_status_wrap_to("", 10);
    ck_assert_uint_eq(none->len, 0);
}
END_TEST

static Suite *list_suite(void)
{
    Suite *s = suite_create("list");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_moves);
    tcase_add_test(tc, test_step);
    tcase_add_test(tc, test_keep_in_range);
    tcase_add_test(tc, test_scroll);
    tcase_add_test(tc, test_one_line);
    tcase_add_test(tc, test_wrap);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    SRunner *sr = srunner_create(list_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
