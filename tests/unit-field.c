/* Unit tests of field.c: parsing integers, sizes, booleans and MACs; each field kind's
 * validation, editing at a cursor, choices, change tracking and path completion. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "field.h"

#define KIB 1024ULL
#define MIB (1024ULL * 1024)
#define GIB (1024ULL * 1024 * 1024)

static guint64 size_ok(const char *text, guint64 unit)
{
    guint64 b = 0;
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_parse_size(text, unit, &b, &err), "'%s' refused: %s", text,
                  err ? err->message : "");
    return b;
}

static void size_bad(const char *text, const char *needle)
{
    guint64 b = 12345;
    g_autoptr(GError) err = NULL;
    ck_assert_msg(!nv_parse_size(text, 1, &b, &err), "'%s' accepted", text);
    ck_assert_int_eq(b, 12345);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    ck_assert_msg(strstr(err->message, needle), "'%s': message '%s' lacks '%s'", text, err->message,
                  needle);
}

START_TEST(test_parse_size_units)
{
    ck_assert_uint_eq(size_ok("512M", 1), 512 * MIB);
    ck_assert_uint_eq(size_ok("2G", 1), 2 * GIB);
    ck_assert_uint_eq(size_ok("2g", 1), 2 * GIB);
    ck_assert_uint_eq(size_ok("1.5GiB", 1), 3 * GIB / 2);
    ck_assert_uint_eq(size_ok("1,5G", 1), 3 * GIB / 2);
    ck_assert_uint_eq(size_ok("2048", MIB), 2048 * MIB);
    ck_assert_uint_eq(size_ok("2048", KIB), 2 * MIB);
    ck_assert_uint_eq(size_ok(" 100 KB ", 1), 100000);
    ck_assert_uint_eq(size_ok("1MB", 1), 1000000);
    ck_assert_uint_eq(size_ok("7B", MIB), 7);
    ck_assert_uint_eq(size_ok("7 bytes", MIB), 7);
    ck_assert_uint_eq(size_ok("0", 1), 0);
    ck_assert_uint_eq(size_ok("0.5K", 1), 512);
    ck_assert_uint_eq(size_ok(".25M", 1), 256 * KIB);
    ck_assert_uint_eq(size_ok("1.50000G", 1), 3 * GIB / 2);
    ck_assert_uint_eq(size_ok("1T", 1), 1024 * GIB);
    ck_assert_uint_eq(size_ok("1.5", MIB), 3 * MIB / 2);
    ck_assert_uint_eq(size_ok("15E", 1), 15ULL << 60);
    ck_assert_uint_eq(size_ok("18446744073709551615", 1), G_MAXUINT64);
    ck_assert_uint_eq(size_ok("0.001KB", 1), 1);
}
END_TEST

START_TEST(test_parse_size_errors)
{
    size_bad("", "enter a size");
    size_bad("   ", "enter a size");
    size_bad("G", "starts with a number");
    size_bad("-1G", "starts with a number");
    size_bad("2X", "unknown unit");
    size_bad("2GG", "unknown unit");
    size_bad("2 G B", "unknown unit");
    size_bad("1.2.3", "unknown unit");
    size_bad("0.1K", "whole number of bytes");
    size_bad("0.3", "whole number of bytes");
    size_bad("16E", "too large");
    size_bad("18446744073709551616", "too large");
    size_bad("99999999999999999999999G", "too large");
    size_bad("18446744073709551.9KB", "too large");
    size_bad("15.9999E", "whole number of bytes");
    size_bad("1.0000000000000000001K", "too many digits");
}
END_TEST

START_TEST(test_format_size_input)
{
    const guint64 values[] = {0,       1,           1000,       1024,        1536,       512 * MIB,
                              2 * GIB, 3 * GIB / 2, 1024 * GIB, 15ULL << 60, G_MAXUINT64};
    const char *want[] = {"0",
                          "1B",
                          "1000B",
                          "1K",
                          "1536B",
                          "512M",
                          "2G",
                          "1536M",
                          "1T",
                          "15E",
                          "18446744073709551615B"};
    for (guint i = 0; i < G_N_ELEMENTS(values); i++) {
        g_autofree char *s = nv_format_size_input(values[i]);
        ck_assert_str_eq(s, want[i]);
        /* Whatever the default unit, it reads back exactly. */
        ck_assert_uint_eq(size_ok(s, values[i] == 0 ? 1 : MIB), values[i]);
    }
}
END_TEST

START_TEST(test_parse_int)
{
    gint64 v = 0;
    g_autoptr(GError) err = NULL;
    ck_assert(nv_parse_int(" 42 ", 1, 64, &v, NULL));
    ck_assert_int_eq(v, 42);
    ck_assert(nv_parse_int("-3", -5, 5, &v, NULL));
    ck_assert_int_eq(v, -3);
    ck_assert(!nv_parse_int("65", 1, 64, &v, &err));
    ck_assert_str_eq(err->message, "must be between 1 and 64");
    g_clear_error(&err);
    ck_assert(!nv_parse_int("0", 1, 64, &v, &err));
    g_clear_error(&err);
    ck_assert(!nv_parse_int("99999999999999999999", 1, 64, &v, &err));
    ck_assert_str_eq(err->message, "must be between 1 and 64");
    g_clear_error(&err);
    const char *bad[] = {"", "4x", "0x10", "1e3", "4 4", "+", "--1", "٣"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_msg(!nv_parse_int(bad[i], -100, 100, &v, &err), "'%s' accepted", bad[i]);
        ck_assert_str_eq(err->message, "enter a whole number");
        g_clear_error(&err);
    }
}
END_TEST

START_TEST(test_parse_bool)
{
    gboolean b = FALSE;
    const char *yes[] = {"yes", "Y", "true", "ON", "1"};
    const char *no[] = {"no", "n", "False", "off", "0"};
    for (guint i = 0; i < G_N_ELEMENTS(yes); i++) {
        ck_assert(nv_parse_bool(yes[i], &b, NULL));
        ck_assert(b);
        ck_assert(nv_parse_bool(no[i], &b, NULL));
        ck_assert(!b);
    }
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_parse_bool("maybe", &b, &err));
    ck_assert_str_eq(err->message, "answer yes or no");
}
END_TEST

START_TEST(test_parse_mac)
{
    g_autofree char *m = NULL;
    ck_assert(nv_parse_mac("52:54:00:AB:cd:0F", &m, NULL));
    ck_assert_str_eq(m, "52:54:00:ab:cd:0f");
    g_clear_pointer(&m, g_free);
    ck_assert(nv_parse_mac(" 52-54-00-01-02-03 ", &m, NULL));
    ck_assert_str_eq(m, "52:54:00:01:02:03");
    g_autoptr(GError) err = NULL;
    const char *bad[] = {"",
                         "52:54:00:01:02",
                         "52:54:00:01:02:03:04",
                         "52:54:00:01:02:0g",
                         "5254.0001.0203",
                         "52:54:00:01:02:3",
                         "52:54:00:01:02:03x"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        ck_assert_msg(!nv_parse_mac(bad[i], NULL, &err), "'%s' accepted", bad[i]);
        ck_assert(strstr(err->message, "six hex pairs"));
        g_clear_error(&err);
    }
    ck_assert(!nv_parse_mac("01:00:5e:00:00:01", NULL, &err));
    ck_assert(strstr(err->message, "multicast"));
    g_clear_error(&err);
    ck_assert(!nv_parse_mac("00:00:00:00:00:00", NULL, &err));
    ck_assert(strstr(err->message, "all-zero"));
    for (int i = 0; i < 50; i++) {
        g_autofree char *g = nv_mac_generate();
        g_autofree char *n = NULL;
        ck_assert(g_str_has_prefix(g, "52:54:00:"));
        ck_assert(nv_parse_mac(g, &n, NULL));
        ck_assert_str_eq(g, n);
    }
}
END_TEST

START_TEST(test_field_int)
{
    g_autoptr(NvField) f = nv_field_int_new("vcpus", "vCPUs", 1, 8);
    ck_assert_int_eq(nv_field_kind(f), NV_FIELD_INT);
    ck_assert_str_eq(nv_field_id(f), "vcpus");
    ck_assert_str_eq(nv_field_label(f), "vCPUs");
    /* Empty and required. */
    ck_assert_str_eq(nv_field_error(f), "a value is needed");
    nv_field_set_initial(f, "2");
    ck_assert(nv_field_is_valid(f));
    ck_assert(!nv_field_changed(f));
    ck_assert_int_eq(nv_field_int(f), 2);
    ck_assert(nv_field_insert(f, '0'));
    ck_assert_str_eq(nv_field_text(f), "20");
    ck_assert(nv_field_changed(f));
    ck_assert_str_eq(nv_field_error(f), "must be between 1 and 8");
    ck_assert(nv_field_erase_back(f));
    ck_assert(nv_field_is_valid(f));
    ck_assert(!nv_field_changed(f));
    nv_field_set_optional(f, TRUE);
    nv_field_set_text(f, "");
    ck_assert(nv_field_is_valid(f));
    ck_assert(nv_field_is_empty(f));
}
END_TEST

START_TEST(test_field_size)
{
    /* Memory: MiB by default, whole KiB, between 1 MiB and 1 TiB. */
    g_autoptr(NvField) f = nv_field_size_new("mem", "Memory", MIB, KIB, MIB, 1024 * GIB);
    nv_field_set_initial(f, "2048");
    ck_assert(nv_field_is_valid(f));
    ck_assert_uint_eq(nv_field_bytes(f), 2 * GIB);
    ck_assert_uint_eq(nv_field_kib(f), 2 * MIB);
    nv_field_set_text(f, "1.5G");
    ck_assert_uint_eq(nv_field_kib(f), 1536 * KIB);
    nv_field_set_text(f, "1000B");
    ck_assert_str_eq(nv_field_error(f), "must be a whole number of 1K");
    nv_field_set_text(f, "512K");
    ck_assert_str_eq(nv_field_error(f), "must be between 1M and 1T");
    nv_field_set_text(f, "2T");
    ck_assert_str_eq(nv_field_error(f), "must be between 1M and 1T");
    nv_field_set_text(f, "lots");
    ck_assert(strstr(nv_field_error(f), "starts with a number"));
    nv_field_set_text(f, "");
    ck_assert_str_eq(nv_field_error(f), "enter a size, e.g. 512M or 2G");
}
END_TEST

START_TEST(test_field_enum)
{
    const char *values[] = {"virtio", "e1000", "rtl8139", NULL};
    const char *labels[] = {"virtio (fast)", "e1000", "rtl8139", NULL};
    g_autoptr(NvField) f = nv_field_enum_new("model", "Model", values, labels);
    ck_assert(nv_field_is_choice(f));
    ck_assert_str_eq(nv_field_text(f), "virtio (fast)");
    ck_assert_str_eq(nv_field_enum_value(f), "virtio");
    ck_assert(nv_field_cycle(f, 1));
    ck_assert_str_eq(nv_field_enum_value(f), "e1000");
    ck_assert(nv_field_cycle(f, -1));
    ck_assert(nv_field_cycle(f, -1));
    ck_assert_str_eq(nv_field_enum_value(f), "rtl8139");
    ck_assert(nv_field_move(f, 1)); /* Right on a choice cycles */
    ck_assert_str_eq(nv_field_enum_value(f), "virtio");
    /* Typing picks by first letter; text cannot be typed freely or erased. */
    ck_assert(nv_field_insert(f, 'R'));
    ck_assert_str_eq(nv_field_enum_value(f), "rtl8139");
    ck_assert(!nv_field_insert(f, 'z'));
    ck_assert(!nv_field_erase_back(f));
    ck_assert(!nv_field_clear(f));
    /* A value or a label, any case, selects. */
    nv_field_set_text(f, "VIRTIO");
    ck_assert_str_eq(nv_field_enum_value(f), "virtio");
    nv_field_set_text(f, "pcnet");
    ck_assert(strstr(nv_field_error(f), "choose one of: virtio (fast), e1000, rtl8139"));
    ck_assert(nv_field_enum_value(f) == NULL);
    /* New choices keep the value when it is still there. */
    nv_field_set_text(f, "e1000");
    const char *v2[] = {"ne2k", "e1000", NULL};
    nv_field_enum_set_choices(f, v2, NULL);
    ck_assert_str_eq(nv_field_enum_value(f), "e1000");
    const char *v3[] = {"ne2k", NULL};
    nv_field_enum_set_choices(f, v3, NULL);
    ck_assert_str_eq(nv_field_enum_value(f), "ne2k");
    nv_field_enum_set_choices(f, NULL, NULL);
    ck_assert_str_eq(nv_field_error(f), "nothing to choose from");
}
END_TEST

START_TEST(test_field_bool)
{
    g_autoptr(NvField) f = nv_field_bool_new("autostart", "Autostart");
    ck_assert(!nv_field_bool(f));
    ck_assert_str_eq(nv_field_text(f), "no");
    ck_assert(nv_field_cycle(f, 1));
    ck_assert(nv_field_bool(f));
    ck_assert(nv_field_changed(f));
    nv_field_set_text(f, "on");
    ck_assert(nv_field_bool(f));
    nv_field_set_text(f, "off");
    ck_assert(!nv_field_bool(f));
    nv_field_set_text(f, "perhaps");
    ck_assert_str_eq(nv_field_error(f), "answer yes or no");
}
END_TEST

static gboolean no_spaces(const char *text, gpointer data, GError **err)
{
    (*(int *)data)++;
    if (strchr(text, ' ')) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, "no spaces please");
        return FALSE;
    }
    return TRUE;
}

START_TEST(test_field_text)
{
    g_autoptr(NvField) f = nv_field_text_new("name", "Name");
    nv_field_set_regex(f, "[a-z][a-z0-9-]*", "lower-case letters, digits and '-'");
    int calls = 0;
    nv_field_set_check(f, no_spaces, &calls, NULL);
    nv_field_set_text(f, "web-01");
    ck_assert(nv_field_is_valid(f));
    ck_assert_int_gt(calls, 0);
    /* The pattern must match the whole text, not a line or a part of it. */
    nv_field_set_text(f, "web-01\nrm");
    ck_assert_str_eq(nv_field_error(f), "lower-case letters, digits and '-'");
    nv_field_set_text(f, "Web");
    ck_assert_str_eq(nv_field_error(f), "lower-case letters, digits and '-'");
    nv_field_set_regex(f, ".*", "x");
    nv_field_set_text(f, "a b");
    ck_assert_str_eq(nv_field_error(f), "no spaces please");

    /* Editing at the cursor, multi-byte safe. */
    nv_field_set_text(f, "héllo");
    ck_assert_uint_eq(nv_field_cursor(f), strlen("héllo"));
    ck_assert(nv_field_move(f, -4));
    ck_assert_uint_eq(nv_field_cursor(f), 1);
    ck_assert(nv_field_erase_forward(f));
    ck_assert_str_eq(nv_field_text(f), "hllo");
    ck_assert(nv_field_insert(f, 0x00e8));
    ck_assert_str_eq(nv_field_text(f), "hèllo");
    ck_assert(nv_field_move_to(f, FALSE));
    ck_assert(!nv_field_erase_back(f));
    ck_assert(!nv_field_move(f, -1));
    ck_assert(nv_field_move_to(f, TRUE));
    ck_assert(!nv_field_move(f, 1));
    /* Controls and format characters are not text. */
    ck_assert(!nv_field_insert(f, '\n'));
    ck_assert(!nv_field_insert(f, 0x202e));
    ck_assert(nv_field_insert_text(f, "!\x01?"));
    ck_assert_str_eq(nv_field_text(f), "hèllo!?");
    /* Bounded input. */
    nv_field_set_max_length(f, 8);
    ck_assert(nv_field_insert(f, 'a'));
    ck_assert(!nv_field_insert(f, 'b'));
    ck_assert(nv_field_clear(f));
    ck_assert_str_eq(nv_field_error(f), "a value is needed");
}
END_TEST

START_TEST(test_field_rebase)
{
    g_autoptr(NvField) f = nv_field_int_new("n", "N", 0, 100);
    nv_field_set_initial(f, "4");
    nv_field_rebase(f, "5"); /* untouched: follows the host */
    ck_assert_str_eq(nv_field_text(f), "5");
    ck_assert(!nv_field_changed(f));
    nv_field_set_text(f, "9");
    nv_field_rebase(f, "6"); /* edited: the user's text stays */
    ck_assert_str_eq(nv_field_text(f), "9");
    ck_assert(nv_field_changed(f));
    nv_field_set_text(f, "6");
    ck_assert(!nv_field_changed(f));
}
END_TEST

START_TEST(test_field_masked)
{
    g_autoptr(NvField) f = nv_field_text_new("pw", "Password");
    nv_field_set_masked(f, TRUE);
    nv_field_set_optional(f, TRUE);
    ck_assert(nv_field_masked(f));
    ck_assert(nv_field_is_valid(f));
    nv_field_insert_text(f, "s3cret");
    ck_assert(nv_field_changed(f));
    ck_assert_str_eq(nv_field_text(f), "s3cret");
    nv_field_set_hint(f, "empty: unchanged");
    ck_assert_str_eq(nv_field_hint(f), "empty: unchanged");
}
END_TEST

START_TEST(test_field_path)
{
    g_autoptr(NvField) f = nv_field_path_new("path", "Path");
    ck_assert_str_eq(nv_field_error(f), "a value is needed");
    nv_field_set_text(f, "relative/x.iso");
    ck_assert_str_eq(nv_field_error(f), "enter an absolute path (starting with /)");
    nv_field_set_text(f, "/srv/iso/x.iso");
    ck_assert(nv_field_is_valid(f));
    g_autoptr(NvField) n = nv_field_int_new("n", "N", 0, 1);
    ck_assert(nv_field_complete(n) == NULL);
}
END_TEST

START_TEST(test_field_mac)
{
    g_autoptr(NvField) f = nv_field_mac_new("mac", "MAC");
    ck_assert(nv_field_is_valid(f)); /* "" generates */
    g_autofree char *g1 = nv_field_mac(f);
    ck_assert(g_str_has_prefix(g1, "52:54:00:"));
    nv_field_set_text(f, "generate");
    ck_assert(nv_field_is_valid(f));
    nv_field_set_text(f, "52:54:00:AA:BB:CC");
    ck_assert(nv_field_is_valid(f));
    g_autofree char *m = nv_field_mac(f);
    ck_assert_str_eq(m, "52:54:00:aa:bb:cc");
    nv_field_set_text(f, "ff:ff:ff:ff:ff:ff");
    ck_assert(strstr(nv_field_error(f), "multicast"));
    nv_field_set_text(f, "nope");
    ck_assert(strstr(nv_field_error(f), "six hex pairs"));
}
END_TEST

START_TEST(test_path_complete)
{
    g_autofree char *dir = g_dir_make_tmp("nvfield-XXXXXX", NULL);
    ck_assert(dir != NULL);
    const char *files[] = {"disk-a.qcow2", "disk-b.qcow2", "debian.iso", ".hidden"};
    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *p = g_build_filename(dir, files[i], NULL);
        ck_assert(g_file_set_contents(p, "", 0, NULL));
    }
    g_autofree char *sub = g_build_filename(dir, "images", NULL);
    ck_assert(g_mkdir(sub, 0700) == 0);

    g_autofree char *text = g_strconcat(dir, "/di", NULL);
    g_autofree char *completed = NULL;
    g_autoptr(GPtrArray) names = nv_path_complete(text, &completed);
    ck_assert_uint_eq(names->len, 2);
    ck_assert_str_eq(names->pdata[0], "disk-a.qcow2");
    ck_assert_str_eq(names->pdata[1], "disk-b.qcow2");
    g_autofree char *want = g_strconcat(dir, "/disk-", NULL);
    ck_assert_str_eq(completed, want);

    /* A lone directory completes with its slash; hidden names only when asked for. */
    g_autoptr(NvField) f = nv_field_path_new("p", "P");
    g_autofree char *im = g_strconcat(dir, "/im", NULL);
    nv_field_set_text(f, im);
    g_autoptr(GPtrArray) one = nv_field_complete(f);
    ck_assert_uint_eq(one->len, 1);
    g_autofree char *want_dir = g_strconcat(dir, "/images/", NULL);
    ck_assert_str_eq(nv_field_text(f), want_dir);
    g_autofree char *all = g_strconcat(dir, "/", NULL);
    g_autoptr(GPtrArray) listed = nv_path_complete(all, NULL);
    ck_assert_uint_eq(listed->len, 4);
    ck_assert_str_eq(listed->pdata[3], "images/");
    g_autofree char *dot = g_strconcat(dir, "/.h", NULL);
    g_autoptr(GPtrArray) hidden = nv_path_complete(dot, NULL);
    ck_assert_uint_eq(hidden->len, 1);
    /* Nothing there: no candidates, the text unchanged. */
    g_autofree char *none_completed = NULL;
    g_autoptr(GPtrArray) none = nv_path_complete("/nonexistent-dir-xyz/a", &none_completed);
    ck_assert_uint_eq(none->len, 0);
    ck_assert_str_eq(none_completed, "/nonexistent-dir-xyz/a");

    for (guint i = 0; i < G_N_ELEMENTS(files); i++) {
        g_autofree char *p = g_build_filename(dir, files[i], NULL);
        g_unlink(p);
    }
    g_rmdir(sub);
    g_rmdir(dir);
}
END_TEST

static Suite *field_suite(void)
{
    Suite *s = suite_create("field");
    TCase *parse = tcase_create("parse");
    tcase_add_test(parse, test_parse_size_units);
    tcase_add_test(parse, test_parse_size_errors);
    tcase_add_test(parse, test_format_size_input);
    tcase_add_test(parse, test_parse_int);
    tcase_add_test(parse, test_parse_bool);
    tcase_add_test(parse, test_parse_mac);
    suite_add_tcase(s, parse);
    TCase *fields = tcase_create("fields");
    tcase_add_test(fields, test_field_int);
    tcase_add_test(fields, test_field_size);
    tcase_add_test(fields, test_field_enum);
    tcase_add_test(fields, test_field_bool);
    tcase_add_test(fields, test_field_text);
    tcase_add_test(fields, test_field_rebase);
    tcase_add_test(fields, test_field_masked);
    tcase_add_test(fields, test_field_path);
    tcase_add_test(fields, test_field_mac);
    tcase_add_test(fields, test_path_complete);
    suite_add_tcase(s, fields);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    SRunner *sr = srunner_create(field_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
