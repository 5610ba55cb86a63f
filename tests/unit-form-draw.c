/* Unit tests of the form widget's drawing of a text field (ui/widget-form.c): what a field
 * shows around its cursor, and that drawing a huge value (a 200,000-character listen address
 * from domain XML) costs what is visible, not the square of its length. The cost is counted,
 * not timed: this test is linked with -Wl,--wrap for the text functions every drawn string
 * goes through, and the wrappers add up the bytes they are handed. */
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "widget-form.h"

#define HUGE_CHARS 200000
/* Far below one pass over the huge value: the quadratic drawing handed the text functions
 * about HUGE_CHARS^2 / 2 bytes; drawing what is visible needs a few hundred. */
#define BYTES_LIMIT 20000

char *__real_nv_text_sanitize(const char *in);
int __real_nv_text_width(const char *utf8);
char *__real_nv_text_pad(const char *in, int cols);
char *__wrap_nv_text_sanitize(const char *in);
int __wrap_nv_text_width(const char *utf8);
char *__wrap_nv_text_pad(const char *in, int cols);

static gboolean counting;
static gsize bytes_handed;

static void count(const char *s)
{
    if (!counting || !s)
        return;
    bytes_handed += strlen(s);
    /* Stop at once rather than spend minutes in the quadratic loop. */
    if (bytes_handed > BYTES_LIMIT)
        ck_abort_msg("drawing one field handed the text functions over %d bytes", BYTES_LIMIT);
}

char *__wrap_nv_text_sanitize(const char *in)
{
    count(in);
    return __real_nv_text_sanitize(in);
}

int __wrap_nv_text_width(const char *utf8)
{
    count(utf8);
    return __real_nv_text_width(utf8);
}

char *__wrap_nv_text_pad(const char *in, int cols)
{
    count(in);
    return __real_nv_text_pad(in, cols);
}

static SCREEN *screen;
static FILE *term_out, *term_in;

static void setup(void)
{
    setenv("TERM", "xterm", 1);
    term_out = fopen("/dev/null", "w");
    term_in = fopen("/dev/null", "r");
    screen = newterm(NULL, term_out, term_in);
    ck_assert_ptr_nonnull(screen);
}

static void teardown(void)
{
    endwin();
    delscreen(screen);
    fclose(term_out);
    fclose(term_in);
}

/* "0123456789" repeated to `chars` characters. */
static char *digits(gsize chars)
{
    char *s = g_malloc(chars + 1);
    for (gsize i = 0; i < chars; i++)
        s[i] = (char)('0' + i % 10);
    s[chars] = '\0';
    return s;
}

/* A form of one text field "Listen" holding `text` (and a second field to move the focus to),
 * drawn 80 columns wide: the label takes 6, so the value's 34 columns start at column 9. */
#define VALUE_X 9
#define VALUE_W 34

static NvForm *form_with(const char *text, NvField **field)
{
    NvForm *form = nv_form_new();
    *field = nv_field_text_new("listen", "Listen");
    nv_field_set_text(*field, text);
    nv_form_add_field(form, *field);
    NvField *other = nv_field_text_new("other", "Other");
    nv_form_add_field(form, other);
    ck_assert(nv_form_focus(form, "listen"));
    return form;
}

/* The same with a HUGE_CHARS value, the cursor at its end. */
static NvForm *huge_form(NvField **field)
{
    g_autofree char *text = digits(HUGE_CHARS);
    return form_with(text, field);
}

/* Draws the form into a fresh pad, counting what the text functions are handed; returns the
 * value's columns as drawn. */
static char *draw_value_cols(NvForm *form)
{
    WINDOW *pad = newpad(2, 80);
    ck_assert_ptr_nonnull(pad);
    bytes_handed = 0;
    counting = TRUE;
    nv_form_draw(form, pad, 0, 0, 2, 80);
    counting = FALSE;
    char buf[VALUE_W + 1] = "";
    mvwinnstr(pad, 0, VALUE_X, buf, VALUE_W);
    delwin(pad);
    return g_strdup(buf);
}

START_TEST(test_short_value)
{
    NvField *f;
    g_autoptr(NvForm) form = form_with("10.0.0.1", &f);
    g_autofree char *end = draw_value_cols(form);
    ck_assert_str_eq(end, "10.0.0.1                          ");
    nv_field_move_to(f, FALSE);
    g_autofree char *home = draw_value_cols(form);
    ck_assert_str_eq(home, "10.0.0.1                          ");
}
END_TEST

/* A control character is measured as drawn (^A, two columns), not as one byte. */
START_TEST(test_controls_measured_as_drawn)
{
    g_autofree char *text = g_strnfill(1000, '\x01');
    NvField *f;
    g_autoptr(NvForm) form = form_with(text, &f);
    g_autofree char *cols = draw_value_cols(form);
    ck_assert_str_eq(cols, "^A^A^A^A^A^A^A^A^A^A^A^A^A^A^A^A  ");
}
END_TEST

START_TEST(test_huge_value_cursor_at_end)
{
    NvField *f;
    g_autoptr(NvForm) form = huge_form(&f);
    g_autofree char *cols = draw_value_cols(form);
    /* The last 32 characters, then the cursor's cell and one spare column. */
    ck_assert_str_eq(cols, "89012345678901234567890123456789  ");
    ck_assert_uint_lt(bytes_handed, BYTES_LIMIT);
}
END_TEST

START_TEST(test_huge_value_cursor_at_start)
{
    NvField *f;
    g_autoptr(NvForm) form = huge_form(&f);
    nv_field_move_to(f, FALSE);
    g_autofree char *cols = draw_value_cols(form);
    /* The cursor on the first character, then what fits before the ellipsis. */
    ck_assert(g_str_has_prefix(cols, "012345678901234567890123456789012"));
    ck_assert_uint_lt(bytes_handed, BYTES_LIMIT);
}
END_TEST

START_TEST(test_huge_value_cursor_in_middle)
{
    NvField *f;
    g_autoptr(NvForm) form = huge_form(&f);
    nv_field_move_to(f, FALSE);
    nv_field_move(f, HUGE_CHARS / 2 + 5); /* on a '5' */
    g_autofree char *cols = draw_value_cols(form);
    /* 32 characters before the cursor, the cursor's '5', then the ellipsis at the edge. */
    ck_assert(g_str_has_prefix(cols, "34567890123456789012345678901234"
                                     "5"));
    ck_assert(!g_str_has_prefix(cols, "34567890123456789012345678901234"
                                      "56"));
    ck_assert_uint_lt(bytes_handed, BYTES_LIMIT);
}
END_TEST

START_TEST(test_huge_value_unfocused)
{
    NvField *f;
    g_autoptr(NvForm) form = huge_form(&f);
    ck_assert(nv_form_focus(form, "other"));
    g_autofree char *cols = draw_value_cols(form);
    ck_assert_str_eq(cols, "89012345678901234567890123456789  ");
    ck_assert_uint_lt(bytes_handed, BYTES_LIMIT);
}
END_TEST

START_TEST(test_huge_value_masked)
{
    NvField *f;
    g_autoptr(NvForm) form = huge_form(&f);
    nv_field_set_masked(f, TRUE);
    g_autofree char *cols = draw_value_cols(form);
    ck_assert_str_eq(cols, "********************************  ");
    ck_assert_uint_lt(bytes_handed, BYTES_LIMIT);
}
END_TEST

static Suite *form_draw_suite(void)
{
    Suite *s = suite_create("form-draw");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_short_value);
    tcase_add_test(tc, test_controls_measured_as_drawn);
    tcase_add_test(tc, test_huge_value_cursor_at_end);
    tcase_add_test(tc, test_huge_value_cursor_at_start);
    tcase_add_test(tc, test_huge_value_cursor_in_middle);
    tcase_add_test(tc, test_huge_value_unfocused);
    tcase_add_test(tc, test_huge_value_masked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "C.UTF-8");
    SRunner *sr = srunner_create(form_draw_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
