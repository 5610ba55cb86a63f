/* Unit tests of keymap.c: key names, the built-in defaults, and error reporting per line. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "keymap.h"

static NvKey key(const char *name)
{
    NvKey k = NV_KEY_NONE;
    ck_assert_msg(nv_key_parse(name, &k), "cannot parse key '%s'", name);
    return k;
}

START_TEST(test_default_loads)
{
    g_autoptr(NvKeymap) map = nv_keymap_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    const char *text = nv_keymap_default_text();
    ck_assert_ptr_nonnull(text);
    ck_assert_ptr_nonnull(strstr(text, "bind"));
    int bad = nv_keymap_load_text(map, text, "default.keys", errors);
    ck_assert_msg(bad == 0, "%d bad lines, first: %s", bad,
                  errors->len > 0 ? (char *)errors->pdata[0] : "");
    ck_assert_int_eq(errors->len, 0);

    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("q")), NV_ACTION_QUIT);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_LIST, key("j")), NV_ACTION_DOWN);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_LIST, key("Up")), NV_ACTION_UP);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("C-l")), NV_ACTION_REDRAW);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("F5")), NV_ACTION_REFRESH);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("S-Tab")), NV_ACTION_PANE_PREV);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_FILTER, key("BSpace")), NV_ACTION_FILTER_ERASE);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_HELP, key("?")), NV_ACTION_BACK);
    /* Exactly this context: j is not bound globally. */
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("j")), NV_ACTION_NONE);

    /* Same text twice gives the same pointer: it lives for the program. */
    ck_assert_ptr_eq(text, nv_keymap_default_text());
}
END_TEST

START_TEST(test_malformed_lines)
{
    const char *text = "# a comment\n"                    /* 1 */
                       "\n"                               /* 2 */
                       "bind global x quit\n"             /* 3 good */
                       "bnid global y quit\n"             /* 4 unknown directive */
                       "bind nowhere z quit\n"            /* 5 unknown context */
                       "bind global NoSuchKey quit\n"     /* 6 bad key */
                       "bind global w explode\n"          /* 7 unknown action */
                       "bind global v\n"                  /* 8 too few tokens */
                       "   bind   list,help  v  down  \n" /* 9 good */
                       "unbind global\n"                  /* 10 too few */
                       "bind global,bogus u quit\n"       /* 11 one bad context */
                       "bind global C-]   help\r\n"       /* 12 good, CRLF */
                       "bind global a quit extra\n";      /* 13 too many tokens */
    g_autoptr(NvKeymap) map = nv_keymap_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    int bad = nv_keymap_load_text(map, text, "my.keys", errors);

    const int bad_lines[] = {4, 5, 6, 7, 8, 10, 11, 13};
    ck_assert_int_eq(bad, G_N_ELEMENTS(bad_lines));
    ck_assert_int_eq(errors->len, G_N_ELEMENTS(bad_lines));
    for (guint i = 0; i < G_N_ELEMENTS(bad_lines); i++) {
        g_autofree char *prefix = g_strdup_printf("my.keys:%d: ", bad_lines[i]);
        const char *msg = errors->pdata[i];
        ck_assert_msg(g_str_has_prefix(msg, prefix), "error %u is '%s', wanted prefix '%s'", i, msg,
                      prefix);
        ck_assert_int_gt(strlen(msg), strlen(prefix));
    }
    ck_assert_ptr_nonnull(strstr(errors->pdata[1], "nowhere"));
    ck_assert_ptr_nonnull(strstr(errors->pdata[2], "NoSuchKey"));
    ck_assert_ptr_nonnull(strstr(errors->pdata[3], "explode"));
    ck_assert_ptr_nonnull(strstr(errors->pdata[6], "bogus"));

    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("x")), NV_ACTION_QUIT);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_LIST, key("v")), NV_ACTION_DOWN);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_HELP, key("v")), NV_ACTION_DOWN);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("C-]")), NV_ACTION_HELP);
    /* Nothing of a bad line applied, not even the valid half of line 11. */
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("u")), NV_ACTION_NONE);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("a")), NV_ACTION_NONE);
}
END_TEST

START_TEST(test_hostile_text)
{
    g_autoptr(NvKeymap) map = nv_keymap_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    /* Invalid UTF-8 and terminal escapes in a bad line: reported, never echoed raw. */
    int bad =
        nv_keymap_load_text(map, "bind global \xff quit\nbind \x1b[2J x quit\n", NULL, errors);
    ck_assert_int_eq(bad, 2);
    for (guint i = 0; i < errors->len; i++) {
        ck_assert(g_utf8_validate(errors->pdata[i], -1, NULL));
        ck_assert_ptr_null(strchr(errors->pdata[i], '\x1b'));
    }
    ck_assert_int_eq(nv_keymap_load_text(map, "", "x", errors), 0);
    ck_assert_int_eq(nv_keymap_load_text(map, NULL, "x", NULL), 0);
}
END_TEST

START_TEST(test_unbind_and_rebind)
{
    g_autoptr(NvKeymap) map = nv_keymap_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    nv_keymap_load_text(map,
                        "bind list a up\n"
                        "bind list b down\n"
                        "bind list c home\n"
                        "bind list b end\n"
                        "unbind list a\n"
                        "unbind list zz\n"
                        "unbind list d\n",
                        "t", errors);
    /* "zz" is no key name: the only error. Unbinding an unbound key is fine. */
    ck_assert_int_eq(errors->len, 1);
    ck_assert(g_str_has_prefix(errors->pdata[0], "t:6: "));

    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_LIST, key("a")), NV_ACTION_NONE);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_LIST, key("b")), NV_ACTION_END);

    g_autoptr(GArray) list = nv_keymap_bindings(map, NV_CTX_LIST);
    ck_assert_int_eq(list->len, 2);
    /* The rebind of b kept its place before c. */
    ck_assert_uint_eq(g_array_index(list, NvBinding, 0).key, 'b');
    ck_assert_int_eq(g_array_index(list, NvBinding, 0).action, NV_ACTION_END);
    ck_assert_uint_eq(g_array_index(list, NvBinding, 1).key, 'c');

    g_autoptr(GArray) empty = nv_keymap_bindings(map, NV_CTX_HOST);
    ck_assert_int_eq(empty->len, 0);

    /* Binding to "none" removes the binding so outer contexts apply. */
    nv_keymap_load_text(map, "bind list c none\n", "t", errors);
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_LIST, key("c")), NV_ACTION_NONE);
    g_autoptr(GArray) after = nv_keymap_bindings(map, NV_CTX_LIST);
    ck_assert_int_eq(after->len, 1);
}
END_TEST

static void assert_round_trip(const char *name, const char *canonical)
{
    NvKey k = key(name);
    g_autofree char *back = nv_key_name(k);
    ck_assert_msg(strcmp(back, canonical) == 0, "'%s' named '%s', wanted '%s'", name, back,
                  canonical);
    NvKey again = key(back);
    ck_assert_uint_eq(k, again);
}

START_TEST(test_key_names)
{
    assert_round_trip("j", "j");
    assert_round_trip("G", "G");
    assert_round_trip("?", "?");
    assert_round_trip("é", "é");
    assert_round_trip("日", "日");
    assert_round_trip("Space", "Space");
    assert_round_trip("C-]", "C-]");
    assert_round_trip("F12", "F12");
    assert_round_trip("f1", "F1");
    assert_round_trip("S-Tab", "BTab");
    assert_round_trip("BTab", "BTab");
    assert_round_trip("PgUp", "PageUp");
    assert_round_trip("PPage", "PageUp");
    assert_round_trip("NPage", "PageDown");
    assert_round_trip("Return", "Enter");
    assert_round_trip("Esc", "Escape");
    assert_round_trip("Backspace", "BSpace");
    assert_round_trip("DC", "Delete");
    assert_round_trip("IC", "Insert");
    assert_round_trip("C-M-x", "C-M-x");
    assert_round_trip("M-C-x", "C-M-x");
    assert_round_trip("C-X", "C-x");
    assert_round_trip("S-a", "A");
    assert_round_trip("S-Up", "S-Up");
    assert_round_trip("M-Enter", "M-Enter");
    assert_round_trip("C--", "C--");
    assert_round_trip("-", "-");
    assert_round_trip("C-Space", "C-Space");

    ck_assert_uint_eq(key("C-l"), 'l' | NV_KEY_MOD_CTRL);
    ck_assert_uint_eq(key("C-]"), ']' | NV_KEY_MOD_CTRL);
    ck_assert_uint_eq(key("F12"), NV_KEY_F12);
    ck_assert_uint_eq(key("F1"), NV_KEY_F1);
    ck_assert_uint_eq(key("S-Tab"), NV_KEY_BTAB);
    ck_assert_uint_eq(key("é"), 0xE9);

    const char *bad[] = {"",        "jj",   "F0",   "F13",    "F1x",     "C-", "X-a",
                         "C-NoKey", "\x01", "\xff", "\u202e", "Up Down", NULL};
    for (int i = 0; bad[i] != NULL; i++) {
        NvKey k;
        ck_assert_msg(!nv_key_parse(bad[i], &k), "'%s' parsed", bad[i]);
    }
    ck_assert(!nv_key_parse(NULL, NULL));

    /* Unnameable values still give printable text. */
    g_autofree char *ctl = nv_key_name(0x1b);
    ck_assert(g_utf8_validate(ctl, -1, NULL));
    ck_assert_ptr_null(strchr(ctl, '\x1b'));
}
END_TEST

START_TEST(test_contexts)
{
    for (int i = 0; i < NV_CTX_COUNT; i++) {
        NvContext c;
        ck_assert(nv_context_from_name(nv_context_name((NvContext)i), &c));
        ck_assert_int_eq(c, i);
    }
    ck_assert(!nv_context_from_name("Global", NULL));
    ck_assert_ptr_null(nv_context_name(NV_CTX_COUNT));
}
END_TEST

START_TEST(test_load_file)
{
    g_autoptr(NvKeymap) map = nv_keymap_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GError) err = NULL;

    ck_assert_int_eq(nv_keymap_load_file(map, "/nonexistent/ncvirt.keys", errors, &err), -1);
    ck_assert_ptr_nonnull(err);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE));
    ck_assert_ptr_nonnull(strstr(err->message, "/nonexistent/ncvirt.keys"));
    g_clear_error(&err);

    g_autofree char *dir = g_dir_make_tmp("ncvirt-keymap-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    g_autofree char *good = g_build_filename(dir, "good.keys", NULL);
    g_autofree char *binary = g_build_filename(dir, "binary.keys", NULL);
    ck_assert(g_file_set_contents(good, "bind global x quit\nbind global\n", -1, NULL));
    ck_assert(g_file_set_contents(binary, "bind global \xff\xfe quit\n", -1, NULL));

    ck_assert_int_eq(nv_keymap_load_file(map, good, errors, &err), 1);
    ck_assert_ptr_null(err);
    ck_assert_int_eq(errors->len, 1);
    g_autofree char *prefix = g_strdup_printf("%s:2: ", good);
    ck_assert(g_str_has_prefix(errors->pdata[0], prefix));
    ck_assert_int_eq(nv_keymap_lookup(map, NV_CTX_GLOBAL, key("x")), NV_ACTION_QUIT);

    ck_assert_int_eq(nv_keymap_load_file(map, binary, errors, &err), -1);
    ck_assert_ptr_nonnull(err);
    g_clear_error(&err);

    /* A directory cannot be read as a file. */
    ck_assert_int_eq(nv_keymap_load_file(map, dir, errors, &err), -1);
    ck_assert_ptr_nonnull(err);

    g_unlink(good);
    g_unlink(binary);
    g_rmdir(dir);
}
END_TEST

static Suite *keymap_suite(void)
{
    Suite *s = suite_create("keymap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_default_loads);
    tcase_add_test(tc, test_malformed_lines);
    tcase_add_test(tc, test_hostile_text);
    tcase_add_test(tc, test_unbind_and_rebind);
    tcase_add_test(tc, test_key_names);
    tcase_add_test(tc, test_contexts);
    tcase_add_test(tc, test_load_file);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    SRunner *sr = srunner_create(keymap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
