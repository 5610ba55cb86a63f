/* Unit tests of src/error.c: the helper every check of the core uses to refuse a value. */
#include <check.h>
#include <glib.h>

#include "error.h"

START_TEST(test_invalid_sets_error)
{
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_error_invalid(&err, "'%s' is not %d%%", "x", 5));
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    ck_assert_str_eq(err->message, "'x' is not 5%");
}
END_TEST

START_TEST(test_invalid_without_error)
{
    /* A check asked only for its verdict. */
    ck_assert(!nv_error_invalid(NULL, "%s", "ignored"));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("error");
    TCase *tc = tcase_create("invalid");
    tcase_add_test(tc, test_invalid_sets_error);
    tcase_add_test(tc, test_invalid_without_error);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
