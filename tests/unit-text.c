/* Unit tests of text.c: sanitising hostile strings, display widths, fitting and sizes. */
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "text.h"

#define assert_sanitized(in, expect)                                                               \
    do {                                                                                           \
        g_autofree char *got_ = nv_text_sanitize(in);                                              \
        ck_assert_str_eq(got_, expect);                                                            \
    } while (0)

START_TEST(test_sanitize_ascii)
{
    assert_sanitized("web-01", "web-01");
    assert_sanitized("", "");
    assert_sanitized(NULL, "");
    assert_sanitized("a\tb", "a b");
    assert_sanitized("\x1b[31mred", "^[[31mred");
    assert_sanitized("\x01x\x7f", "^Ax^?");
    assert_sanitized("line\nnext\r", "line^Jnext^M");
}
END_TEST

START_TEST(test_sanitize_unicode)
{
    assert_sanitized("日本語", "日本語");
    assert_sanitized("café 😀", "café 😀");
    /* C1 control NEL (U+0085) and CSI (U+009B): terminals act on them. */
    assert_sanitized("a\xc2\x85z", "a<U+0085>z");
    assert_sanitized("\xc2\x9b"
                     "2J",
                     "<U+009B>2J");
    assert_sanitized("\u200b\u200d\ufeff", "<U+200B><U+200D><U+FEFF>");
    assert_sanitized("\u2066x\u2069\u200e\u200f\u061c",
                     "<U+2066>x<U+2069><U+200E><U+200F><U+061C>");
}
END_TEST

START_TEST(test_sanitize_bidi)
{
    g_autofree char *out = nv_text_sanitize("exe.\u202Etxt");
    ck_assert_str_eq(out, "exe.<U+202E>txt");
    ck_assert_ptr_null(strstr(out, "\u202E"));
    for (gunichar c = 0x202A; c <= 0x202E; c++) {
        char in[8] = {0};
        g_unichar_to_utf8(c, in);
        g_autofree char *o = nv_text_sanitize(in);
        g_autofree char *want = g_strdup_printf("<U+%04X>", c);
        ck_assert_str_eq(o, want);
    }
}
END_TEST

START_TEST(test_sanitize_invalid_utf8)
{
    assert_sanitized("a\xffz", "a\uFFFDz");
    assert_sanitized("\xc3", "\uFFFD");                     /* truncated sequence at the end */
    assert_sanitized("\xc0\xaf", "\uFFFD\uFFFD");           /* overlong '/' */
    assert_sanitized("\xed\xa0\x80", "\uFFFD\uFFFD\uFFFD"); /* a surrogate */
    g_autofree char *out = nv_text_sanitize("\xfe\xfe\x80 ok \xe6\x97");
    ck_assert(g_utf8_validate(out, -1, NULL));
    ck_assert_ptr_nonnull(strstr(out, " ok "));
}
END_TEST

START_TEST(test_width)
{
    ck_assert_int_eq(nv_text_width(""), 0);
    ck_assert_int_eq(nv_text_width(NULL), 0);
    ck_assert_int_eq(nv_text_width("web-01"), 6);
    ck_assert_int_eq(nv_text_width("日本語"), 6);
    ck_assert_int_eq(nv_text_width("😀"), 2);
    ck_assert_int_eq(nv_text_width("a😀b"), 4);
    ck_assert_int_eq(nv_text_width("e\u0301"), 1); /* combining acute */
    ck_assert_int_eq(nv_text_width("…"), 1);
    ck_assert_int_eq(nv_text_width("한국어"), 6);
}
END_TEST

/* The widths must not depend on the locale: ncvirt may run under LC_ALL=C. */
START_TEST(test_width_c_locale)
{
    char *old = g_strdup(setlocale(LC_ALL, NULL));
    setlocale(LC_ALL, "C");
    ck_assert_int_eq(nv_text_width("日本語"), 6);
    ck_assert_int_eq(nv_text_width("😀"), 2);
    g_autofree char *s = nv_text_sanitize("日本");
    ck_assert_str_eq(s, "日本");
    setlocale(LC_ALL, old);
    g_free(old);
}
END_TEST

START_TEST(test_fit_basic)
{
    g_autofree char *a = nv_text_fit("web-01", 10);
    ck_assert_str_eq(a, "web-01");
    g_autofree char *b = nv_text_fit("web-01", 6);
    ck_assert_str_eq(b, "web-01");
    g_autofree char *c = nv_text_fit("web-01", 5);
    ck_assert_str_eq(c, "web-…");
    g_autofree char *d = nv_text_fit("web-01", 1);
    ck_assert_str_eq(d, "…");
    g_autofree char *e = nv_text_fit("web-01", 0);
    ck_assert_str_eq(e, "");
    g_autofree char *f = nv_text_fit("web-01", -3);
    ck_assert_str_eq(f, "");
    g_autofree char *g = nv_text_fit(NULL, 4);
    ck_assert_str_eq(g, "");
    /* Sanitised before cutting: the escape never reaches the output. */
    g_autofree char *h = nv_text_fit("\x1b]0;pwned\x07", 40);
    ck_assert_str_eq(h, "^[]0;pwned^G");
}
END_TEST

START_TEST(test_fit_long_title)
{
    GString *title = g_string_new(NULL);
    for (int i = 0; i < 300; i++)
        g_string_append_c(title, (char)('a' + i % 26));
    g_autofree char *t = g_string_free(title, FALSE);
    g_autofree char *out = nv_text_fit(t, 40);
    ck_assert(g_str_has_suffix(out, "…"));
    ck_assert_int_le(nv_text_width(out), 40);
    ck_assert_int_eq(nv_text_width(out), 40);
    ck_assert(g_utf8_validate(out, -1, NULL));
}
END_TEST

START_TEST(test_fit_wide_never_exceeds)
{
    const char *mixed = "日本語abc한국어😀x中文";
    int full = nv_text_width(mixed);
    for (int cols = 0; cols <= full + 2; cols++) {
        g_autofree char *out = nv_text_fit(mixed, cols);
        int w = nv_text_width(out);
        ck_assert_msg(w <= cols, "cols %d gave width %d: %s", cols, w, out);
        /* A wide character that does not fit leaves at most one column unused. */
        if (cols > 0)
            ck_assert_msg(w >= MIN(cols, full) - 1, "cols %d gave width %d", cols, w);
        if (cols >= full)
            ck_assert_str_eq(out, mixed);
        ck_assert(g_utf8_validate(out, -1, NULL));
        if (cols < full && cols > 0)
            ck_assert(g_str_has_suffix(out, "…"));
    }
    g_autofree char *three = nv_text_fit("日本語", 4);
    ck_assert_str_eq(three, "日…");
}
END_TEST

START_TEST(test_pad)
{
    const char *inputs[] = {"", "web", "日本語", "a😀", "\x1b[2J", "日本語日本語日本語", NULL};
    for (int i = 0; inputs[i] != NULL; i++) {
        for (int cols = 1; cols <= 12; cols++) {
            g_autofree char *out = nv_text_pad(inputs[i], cols);
            ck_assert_msg(nv_text_width(out) == cols, "'%s' padded to %d is %d wide", inputs[i],
                          cols, nv_text_width(out));
        }
    }
    g_autofree char *p = nv_text_pad("ab", 5);
    ck_assert_str_eq(p, "ab   ");
    g_autofree char *z = nv_text_pad("ab", 0);
    ck_assert_str_eq(z, "");
}
END_TEST

#define assert_fmt(fn, v, expect)                                                                  \
    do {                                                                                           \
        g_autofree char *got_ = fn(v);                                                             \
        ck_assert_str_eq(got_, expect);                                                            \
    } while (0)

START_TEST(test_format_sizes)
{
    assert_fmt(nv_format_bytes, 0, "0 B");
    assert_fmt(nv_format_bytes, 1023, "1023 B");
    assert_fmt(nv_format_bytes, 1024, "1 KiB");
    assert_fmt(nv_format_bytes, 512 * 1024, "512 KiB");
    assert_fmt(nv_format_bytes, 2ULL << 30, "2.0 GiB");
    assert_fmt(nv_format_bytes, 3ULL << 39, "1.5 TiB");
    assert_fmt(nv_format_bytes, G_MAXUINT64, "16.0 EiB");
    assert_fmt(nv_format_kib, 0, "0 KiB");
    assert_fmt(nv_format_kib, 512, "512 KiB");
    assert_fmt(nv_format_kib, 1536, "1.5 MiB");
    assert_fmt(nv_format_kib, 2097152, "2.0 GiB");
    assert_fmt(nv_format_kib, 3ULL << 29, "1.5 TiB");
    /* Just under a unit rounds up into it instead of showing "1024.0 MiB". */
    assert_fmt(nv_format_kib, 1048575, "1.0 GiB");
    assert_fmt(nv_format_kib, 1023, "1023 KiB");
    assert_fmt(nv_format_kib, G_MAXUINT64, "16.0 ZiB");
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sanitize_ascii);
    tcase_add_test(tc, test_sanitize_unicode);
    tcase_add_test(tc, test_sanitize_bidi);
    tcase_add_test(tc, test_sanitize_invalid_utf8);
    tcase_add_test(tc, test_width);
    tcase_add_test(tc, test_width_c_locale);
    tcase_add_test(tc, test_fit_basic);
    tcase_add_test(tc, test_fit_long_title);
    tcase_add_test(tc, test_fit_wide_never_exceeds);
    tcase_add_test(tc, test_pad);
    tcase_add_test(tc, test_format_sizes);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    SRunner *sr = srunner_create(text_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
