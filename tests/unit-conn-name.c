/* Unit tests of conn-name.c: a host's label from its URI, and labels kept unique. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>

#include "conn-name.h"

static void check_label(const char *uri, const char *want)
{
    g_autofree char *got = nv_conn_label_for_uri(uri);
    ck_assert_msg(g_strcmp0(got, want) == 0, "%s: %s, expected %s", uri, got, want);
}

START_TEST(test_label)
{
    check_label("qemu:///system", "localhost");
    check_label("qemu:///session", "localhost");
    check_label("qemu+ssh://root@hv1/system", "hv1");
    check_label("qemu+ssh://root@hv1.example.org:2222/system?keyfile=/k", "hv1.example.org");
    check_label("qemu+tls://[fe80::1]/system", "fe80::1");
    check_label("test:///tmp/x/a.xml", "a");
    check_label("test+unix:///srv/b.xml", "b");
    check_label("test+ssh://root@127.0.0.1:22/srv/c.xml", "c");
    check_label("test:///default", "default");
    check_label("", "localhost");
    check_label(NULL, "localhost");
    check_label("not a uri", "not a uri");
}
END_TEST

START_TEST(test_unique)
{
    const char *taken[] = {"hv1", "hv1 (2)", "b", NULL};
    g_autofree char *a = nv_conn_unique_label("hv1", taken);
    ck_assert_str_eq(a, "hv1 (3)");
    g_autofree char *b = nv_conn_unique_label("hv2", taken);
    ck_assert_str_eq(b, "hv2");
    g_autofree char *c = nv_conn_unique_label("b", NULL);
    ck_assert_str_eq(c, "b");

    const char *uris[] = {"qemu+ssh://hv1/system", "qemu+ssh://root@hv1/session",
                          "test:///x/a.xml",       "qemu+ssh://hv1/system",
                          "test:///y/a.xml",       NULL};
    g_auto(GStrv) labels = nv_conn_labels(uris);
    ck_assert_uint_eq(g_strv_length(labels), 5);
    ck_assert_str_eq(labels[0], "hv1");
    ck_assert_str_eq(labels[1], "hv1 (2)");
    ck_assert_str_eq(labels[2], "a");
    ck_assert_str_eq(labels[3], "hv1 (3)");
    ck_assert_str_eq(labels[4], "a (2)");
}
END_TEST

int main(void)
{
    Suite *s = suite_create("conn-name");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_label);
    tcase_add_test(tc, test_unique);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
