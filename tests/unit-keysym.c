/* Unit tests of keymap-keysym.c: the built-in keysyms.txt, keys with modifiers, printable
 * characters, bad table lines, and the send-key menu's combinations. */
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "keymap.h"
#include "keymap-keysym.h"

#define XK_SHIFT_L 0xffe1u
#define XK_CONTROL_L 0xffe3u
#define XK_ALT_L 0xffe9u

static NvKey key(const char *name)
{
    NvKey k = NV_KEY_NONE;
    ck_assert_msg(nv_key_parse(name, &k), "cannot parse key '%s'", name);
    return k;
}

/* Asserts the chord for `name` is exactly the n keysyms that follow. */
static void check_chord(const char *name, int n, ...)
{
    uint32_t got[NV_KEYSYM_MAX_CHORD] = {0};
    int count = nv_keysym_from_key(key(name), got, NV_KEYSYM_MAX_CHORD);
    ck_assert_msg(count == n, "%s: %d keysyms, expected %d", name, count, n);
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        uint32_t want = va_arg(ap, uint32_t);
        ck_assert_msg(got[i] == want, "%s: keysym %d is 0x%x, expected 0x%x", name, i, got[i],
                      want);
    }
    va_end(ap);
}

START_TEST(test_default_loads)
{
    g_autoptr(NvKeysymTable) table = nv_keysym_table_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    const char *text = nv_keysym_default_text();
    ck_assert_ptr_nonnull(strstr(text, "0xff52"));
    int bad = nv_keysym_table_load_text(table, text, "keysyms.txt", errors);
    ck_assert_msg(bad == 0, "%d bad lines, first: %s", bad,
                  errors->len > 0 ? (char *)errors->pdata[0] : "");
    ck_assert_ptr_nonnull(nv_keysym_default_table());

    /* Every named key the terminal can deliver has a keysym (RESIZE and later are events). */
    for (NvKey k = NV_KEY_UP; k <= NV_KEY_F12; k++) {
        uint32_t ks[NV_KEYSYM_MAX_CHORD];
        ck_assert_msg(nv_keysym_table_from_key(table, k, ks, NV_KEYSYM_MAX_CHORD) > 0,
                      "no keysym for key 0x%x", k);
    }
}
END_TEST

START_TEST(test_named_keys)
{
    check_chord("Up", 1, 0xff52u);
    check_chord("Down", 1, 0xff54u);
    check_chord("F1", 1, 0xffbeu);
    check_chord("F12", 1, 0xffc9u);
    check_chord("Enter", 1, 0xff0du);
    check_chord("Escape", 1, 0xff1bu);
    check_chord("BSpace", 1, 0xff08u);
    check_chord("Tab", 1, 0xff09u);
    check_chord("Home", 1, 0xff50u);
    check_chord("Delete", 1, 0xffffu);
    check_chord("PageDown", 1, 0xff56u);
    check_chord("Space", 1, 0x20u);
    /* Shift+Tab arrives as BTab; its entry holds the Shift itself. */
    check_chord("BTab", 2, XK_SHIFT_L, 0xff09u);
    check_chord("S-Tab", 2, XK_SHIFT_L, 0xff09u);

    uint32_t ks[NV_KEYSYM_MAX_CHORD];
    ck_assert_int_eq(nv_keysym_from_key(NV_KEY_RESIZE, ks, NV_KEYSYM_MAX_CHORD), 0);
    ck_assert_int_eq(nv_keysym_from_key(NV_KEY_NONE, ks, NV_KEYSYM_MAX_CHORD), 0);
}
END_TEST

START_TEST(test_modifiers)
{
    check_chord("C-c", 2, XK_CONTROL_L, (uint32_t)'c');
    check_chord("M-x", 2, XK_ALT_L, (uint32_t)'x');
    check_chord("C-M-Delete", 3, XK_CONTROL_L, XK_ALT_L, 0xffffu);
    check_chord("S-Up", 2, XK_SHIFT_L, 0xff52u);
    check_chord("C-S-F5", 3, XK_CONTROL_L, XK_SHIFT_L, 0xffc2u);
    check_chord("M-BTab", 3, XK_ALT_L, XK_SHIFT_L, 0xff09u);

    /* Too small a buffer gives nothing rather than half a chord. */
    uint32_t ks[2];
    ck_assert_int_eq(nv_keysym_from_key(key("C-M-Delete"), ks, 2), 0);
    ck_assert_int_eq(nv_keysym_from_key(key("C-M-Delete"), NULL, 8), 0);
}
END_TEST

START_TEST(test_printable)
{
    check_chord("a", 1, (uint32_t)'a');
    check_chord("1", 1, (uint32_t)'1');
    /* Characters typed with Shift on a US layout get Shift_L (QEMU needs it). */
    check_chord("A", 2, XK_SHIFT_L, (uint32_t)'A');
    check_chord("!", 2, XK_SHIFT_L, (uint32_t)'!');
    check_chord("M-A", 3, XK_ALT_L, XK_SHIFT_L, (uint32_t)'A');
    /* Latin-1 maps to itself, the rest to 0x01000000 + code point. */
    check_chord("é", 1, 0xe9u);
    check_chord("€", 1, 0x010020acu);
    check_chord("я", 1, 0x0100044fu);

    uint32_t ks[NV_KEYSYM_MAX_CHORD];
    /* Raw control characters: keys of their own, else the Ctrl+letter that types them. */
    ck_assert_int_eq(nv_keysym_from_key(0x7f, ks, NV_KEYSYM_MAX_CHORD), 1);
    ck_assert_uint_eq(ks[0], 0xff08);
    ck_assert_int_eq(nv_keysym_from_key(0x0d, ks, NV_KEYSYM_MAX_CHORD), 1);
    ck_assert_uint_eq(ks[0], 0xff0d);
    ck_assert_int_eq(nv_keysym_from_key(0x03, ks, NV_KEYSYM_MAX_CHORD), 2);
    ck_assert_uint_eq(ks[0], XK_CONTROL_L);
    ck_assert_uint_eq(ks[1], 'c');
    /* C1 controls and surrogates have no keysym. */
    ck_assert_int_eq(nv_keysym_from_key(0x85, ks, NV_KEYSYM_MAX_CHORD), 0);
    ck_assert_int_eq(nv_keysym_from_key(0xd800, ks, NV_KEYSYM_MAX_CHORD), 0);
}
END_TEST

START_TEST(test_bad_lines)
{
    g_autoptr(NvKeysymTable) table = nv_keysym_table_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    const char *text = "# comment\n"
                       "Up 0xff52   # trailing comment\n"
                       "\n"
                       "Nonsense 0xff52\n"        /* 4: unknown key */
                       "Down\n"                   /* 5: no keysym */
                       "Left 0xzz\n"              /* 6: bad number */
                       "Right 65363\n"            /* 7: not hexadecimal */
                       "Home 0x0\n"               /* 8: NoSymbol */
                       "End 0x20000000\n"         /* 9: above 29 bits */
                       "C-Up 0xff52\n"            /* 10: modifiers */
                       "Up 0xff53\n"              /* 11: listed twice */
                       "F1 0x1 0x2 0x3 0x4 0x5\n" /* 12: too many */
                       "Tab 0xff09\xff\n"         /* 13: not UTF-8 */
                       "F2 0xffbf\n";
    int bad = nv_keysym_table_load_text(table, text, "test.txt", errors);
    ck_assert_int_eq(bad, 10);
    ck_assert_int_eq(errors->len, 10);
    const char *expect[] = {
        "test.txt:4: unknown key 'Nonsense'",     "test.txt:5: 'Down' needs at least one keysym",
        "test.txt:6: bad keysym '0xzz'",          "test.txt:7: bad keysym '65363'",
        "test.txt:8: bad keysym '0x0'",           "test.txt:9: bad keysym '0x20000000'",
        "test.txt:10: 'C-Up' has modifiers",      "test.txt:11: 'Up' is already listed on line 2",
        "test.txt:12: too many keysyms for 'F1'", "test.txt:13: the line is not valid UTF-8"};
    for (guint i = 0; i < G_N_ELEMENTS(expect); i++)
        ck_assert_msg(g_str_has_prefix(errors->pdata[i], expect[i]), "error %u is '%s', not '%s'",
                      i, (char *)errors->pdata[i], expect[i]);

    /* The good lines still apply, and the first Up wins. */
    uint32_t ks[NV_KEYSYM_MAX_CHORD];
    ck_assert_int_eq(nv_keysym_table_from_key(table, key("Up"), ks, NV_KEYSYM_MAX_CHORD), 1);
    ck_assert_uint_eq(ks[0], 0xff52);
    ck_assert_int_eq(nv_keysym_table_from_key(table, key("F2"), ks, NV_KEYSYM_MAX_CHORD), 1);
    ck_assert_uint_eq(ks[0], 0xffbf);
    ck_assert_int_eq(nv_keysym_table_from_key(table, key("Down"), ks, NV_KEYSYM_MAX_CHORD), 0);

    /* A hostile name is shown sanitised. */
    g_ptr_array_set_size(errors, 0);
    ck_assert_int_eq(nv_keysym_table_load_text(table, "\x1b]0;x\x07 0x1", "t", errors), 1);
    ck_assert_ptr_null(strchr(errors->pdata[0], 0x1b));

    ck_assert_int_eq(nv_keysym_table_load_text(table, NULL, "t", errors), 0);
    ck_assert_int_eq(nv_keysym_table_load_text(NULL, "Up 0x1", "t", errors), 0);
}
END_TEST

START_TEST(test_table_overrides_rules)
{
    g_autoptr(NvKeysymTable) table = nv_keysym_table_new();
    ck_assert_int_eq(nv_keysym_table_load_text(table, "a 0xffe1 0x41\n", "t", NULL), 0);
    uint32_t ks[NV_KEYSYM_MAX_CHORD];
    ck_assert_int_eq(nv_keysym_table_from_key(table, key("C-a"), ks, NV_KEYSYM_MAX_CHORD), 3);
    ck_assert_uint_eq(ks[0], XK_CONTROL_L);
    ck_assert_uint_eq(ks[1], XK_SHIFT_L);
    ck_assert_uint_eq(ks[2], 0x41);
    /* No table at all: the rules for characters still hold, named keys have nothing. */
    ck_assert_int_eq(nv_keysym_table_from_key(NULL, key("b"), ks, NV_KEYSYM_MAX_CHORD), 1);
    ck_assert_int_eq(nv_keysym_table_from_key(NULL, key("Up"), ks, NV_KEYSYM_MAX_CHORD), 0);
}
END_TEST

static const NvKeysymCombo *find_combo(const char *name)
{
    guint n = 0;
    const NvKeysymCombo *combos = nv_keysym_combos(&n);
    for (guint i = 0; i < n; i++)
        if (strcmp(combos[i].name, name) == 0)
            return &combos[i];
    return NULL;
}

START_TEST(test_combos)
{
    guint n = 0;
    const NvKeysymCombo *combos = nv_keysym_combos(&n);
    ck_assert_ptr_nonnull(combos);
    ck_assert_uint_ge(n, 16);
    for (guint i = 0; i < n; i++) {
        ck_assert_int_gt(combos[i].n, 0);
        ck_assert_int_le(combos[i].n, NV_KEYSYM_MAX_CHORD);
    }

    const NvKeysymCombo *cad = find_combo("Ctrl+Alt+Del");
    ck_assert_ptr_nonnull(cad);
    ck_assert_int_eq(cad->n, 3);
    ck_assert_uint_eq(cad->keysyms[0], XK_CONTROL_L);
    ck_assert_uint_eq(cad->keysyms[1], XK_ALT_L);
    ck_assert_uint_eq(cad->keysyms[2], 0xffff);

    const NvKeysymCombo *bs = find_combo("Ctrl+Alt+Backspace");
    ck_assert_ptr_nonnull(bs);
    ck_assert_uint_eq(bs->keysyms[2], 0xff08);

    for (int f = 1; f <= 12; f++) {
        g_autofree char *name = g_strdup_printf("Ctrl+Alt+F%d", f);
        const NvKeysymCombo *c = find_combo(name);
        ck_assert_msg(c != NULL, "no %s", name);
        ck_assert_int_eq(c->n, 3);
        ck_assert_uint_eq(c->keysyms[2], 0xffbe + (uint32_t)f - 1);
    }

    const NvKeysymCombo *print = find_combo("PrintScreen");
    ck_assert_ptr_nonnull(print);
    ck_assert_int_eq(print->n, 1);
    ck_assert_uint_eq(print->keysyms[0], 0xff61);

    const NvKeysymCombo *sysrq = find_combo("SysRq");
    ck_assert_ptr_nonnull(sysrq);
    ck_assert_int_eq(sysrq->n, 2);
    ck_assert_uint_eq(sysrq->keysyms[0], XK_ALT_L);
    ck_assert_uint_eq(sysrq->keysyms[1], 0xff15);
}
END_TEST

static Suite *keysym_suite(void)
{
    Suite *s = suite_create("keysym");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_default_loads);
    tcase_add_test(tc, test_named_keys);
    tcase_add_test(tc, test_modifiers);
    tcase_add_test(tc, test_printable);
    tcase_add_test(tc, test_bad_lines);
    tcase_add_test(tc, test_table_overrides_rules);
    tcase_add_test(tc, test_combos);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    SRunner *sr = srunner_create(keysym_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
