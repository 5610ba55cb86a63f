/* Unit tests of src/conn-config.c: saved connections written and read back, groups it does not
 * own kept, bad lines reported with their line numbers and skipped, the file and its directory
 * private, and a password never written. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>

#include "conn-config.h"
#include "error.h"

static char *tmpdir;

static void setup(void)
{
    tmpdir = g_dir_make_tmp("nv-conn-config-XXXXXX", NULL);
    ck_assert_ptr_nonnull(tmpdir);
}

static void rm_rf(const char *path)
{
    g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
    const char *name;
    while (d && (name = g_dir_read_name(d))) {
        g_autofree char *p = g_build_filename(path, name, NULL);
        if (g_file_test(p, G_FILE_TEST_IS_DIR))
            rm_rf(p);
        else
            g_unlink(p);
    }
    g_rmdir(path);
}

static void teardown(void)
{
    rm_rf(tmpdir);
    g_clear_pointer(&tmpdir, g_free);
}

/* A path under the test's directory, in a subdirectory the save must create. */
static char *config_path(void)
{
    return g_build_filename(tmpdir, "ncvirt", "config", NULL);
}

static void write_file(const char *path, const char *text)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_mkdir_with_parents(dir, 0700);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static char *read_file(const char *path)
{
    char *text = NULL;
    ck_assert(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static NvConnConfig *load(const char *path, GPtrArray *notes)
{
    g_autoptr(GError) err = NULL;
    NvConnConfig *cfg = nv_conn_config_load(path, notes, &err);
    ck_assert_msg(cfg, "%s", err ? err->message : "");
    return cfg;
}

static void add(NvConnConfig *cfg, const char *name, const char *uri, gboolean ro, gboolean ac)
{
    g_autoptr(NvSavedConn) c = nv_saved_conn_new(name, uri, ro, ac);
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_conn_config_set(cfg, c, NULL, &err), "%s", err ? err->message : "");
}

static void assert_conn(NvConnConfig *cfg, guint i, const char *name, const char *uri, gboolean ro,
                        gboolean ac)
{
    ck_assert_uint_gt(cfg->conns->len, i);
    const NvSavedConn *c = cfg->conns->pdata[i];
    ck_assert_str_eq(c->name, name);
    ck_assert_str_eq(c->uri, uri);
    ck_assert_int_eq(c->readonly, ro);
    ck_assert_int_eq(c->autoconnect, ac);
}

START_TEST(test_missing_file)
{
    g_autofree char *path = config_path();
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NvConnConfig) cfg = load(path, notes);
    ck_assert_uint_eq(cfg->conns->len, 0);
    ck_assert_uint_eq(notes->len, 0);
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS)); /* loading never writes */
}
END_TEST

START_TEST(test_round_trip)
{
    g_autofree char *path = config_path();
    g_autoptr(NvConnConfig) cfg = nv_conn_config_new(path);
    add(cfg, "lab", "qemu+ssh://root@lab.example:2222/system?keyfile=/k/id%20x", FALSE, TRUE);
    add(cfg, "local", "qemu:///system", TRUE, FALSE);
    add(cfg, "caf\xc3\xa9 = 2", "test:///default", FALSE, FALSE);
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_conn_config_save(cfg, &err), "%s", err ? err->message : "");

    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NvConnConfig) back = load(path, notes);
    ck_assert_uint_eq(notes->len, 0);
    ck_assert_uint_eq(back->conns->len, 3);
    assert_conn(back, 0, "lab", "qemu+ssh://root@lab.example:2222/system?keyfile=/k/id%20x", FALSE,
                TRUE);
    assert_conn(back, 1, "local", "qemu:///system", TRUE, FALSE);
    assert_conn(back, 2, "caf\xc3\xa9 = 2", "test:///default", FALSE, FALSE);

    /* Rename, edit, remove: each lands in the file. */
    g_autoptr(NvSavedConn) edit = nv_saved_conn_new("lab2", "qemu:///session", TRUE, TRUE);
    ck_assert(nv_conn_config_set(back, edit, "lab", NULL));
    ck_assert(nv_conn_config_remove(back, "local"));
    ck_assert(!nv_conn_config_remove(back, "local"));
    ck_assert(nv_conn_config_save(back, NULL));
    g_autoptr(NvConnConfig) again = load(path, NULL);
    ck_assert_uint_eq(again->conns->len, 2);
    /* A renamed connection moves to the end of the file. */
    assert_conn(again, 1, "lab2", "qemu:///session", TRUE, TRUE);
    g_autofree char *text = read_file(path);
    ck_assert_ptr_null(strstr(text, "[connection lab]"));
    ck_assert_ptr_null(strstr(text, "[connection local]"));
}
END_TEST

START_TEST(test_duplicate_name)
{
    g_autofree char *path = config_path();
    g_autoptr(NvConnConfig) cfg = nv_conn_config_new(path);
    add(cfg, "a", "qemu:///system", FALSE, FALSE);
    add(cfg, "b", "test:///default", FALSE, FALSE);
    g_autoptr(NvSavedConn) c = nv_saved_conn_new("a", "lxc:///", FALSE, FALSE);
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_conn_config_set(cfg, c, "b", &err));
    ck_assert_ptr_nonnull(strstr(err->message, "saved already"));
    g_clear_error(&err);
    /* The same name replaces in place. */
    ck_assert(nv_conn_config_set(cfg, c, NULL, &err));
    assert_conn(cfg, 0, "a", "lxc:///", FALSE, FALSE);
    ck_assert_uint_eq(cfg->conns->len, 2);
    g_autoptr(NvSavedConn) bad = nv_saved_conn_new("x]y", "lxc:///", FALSE, FALSE);
    ck_assert(!nv_conn_config_set(cfg, bad, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "'[' or ']'"));
}
END_TEST

static const char other_groups[] = "# ncvirt's config\n"
                                   "[ui]\n"
                                   "# the theme\n"
                                   "theme=dark\n"
                                   "\n"
                                   "[connection old]\n"
                                   "uri=qemu:///system\n"
                                   "autoconnect=true\n"
                                   "[connection gone]\n"
                                   "uri=lxc:///\n"
                                   "[keys]\n"
                                   "refresh=F5\n";

START_TEST(test_unknown_groups_kept)
{
    g_autofree char *path = config_path();
    write_file(path, other_groups);
    g_autoptr(NvConnConfig) cfg = load(path, NULL);
    ck_assert_uint_eq(cfg->conns->len, 2);
    assert_conn(cfg, 0, "old", "qemu:///system", FALSE, TRUE);
    ck_assert(nv_conn_config_remove(cfg, "gone"));
    add(cfg, "new", "test:///default", FALSE, TRUE);
    ck_assert(nv_conn_config_save(cfg, NULL));
    g_autofree char *text = read_file(path);
    ck_assert_ptr_nonnull(strstr(text, "# ncvirt's config\n"));
    ck_assert_ptr_nonnull(strstr(text, "[ui]\n# the theme\ntheme=dark\n"));
    ck_assert_ptr_nonnull(strstr(text, "[keys]\nrefresh=F5\n"));
    ck_assert_ptr_nonnull(strstr(text, "[connection new]\nuri=test:///default\n"));
    ck_assert_ptr_null(strstr(text, "gone"));
}
END_TEST

/* Each bad line: the note names the file and the line, the rest is read. */
static const char bad_lines[] = "[ui]\n"                         /* 1 */
                                "theme=dark\n"                   /* 2 */
                                "this is no key\n"               /* 3 */
                                "[connection good]\n"            /* 4 */
                                "uri=qemu:///system\n"           /* 5 */
                                "readonly=perhaps\n"             /* 6 */
                                "autoconnect=true\n"             /* 7 */
                                "colour=blue\n"                  /* 8 */
                                "[connection nouri]\n"           /* 9 */
                                "readonly=true\n"                /* 10 */
                                "[connection badtransport]\n"    /* 11 */
                                "uri=qemu+carrier://h/system\n"  /* 12 */
                                "[connection pw]\n"              /* 13 */
                                "uri=qemu+ssh://u:pw@h/system\n" /* 14 */
                                "[broken\n"                      /* 15 */
                                "[connection last]\n"            /* 16 */
                                "uri=test:///default\n";         /* 17 */

START_TEST(test_bad_lines)
{
    g_autofree char *path = config_path();
    write_file(path, bad_lines);
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NvConnConfig) cfg = load(path, notes);
    ck_assert_uint_eq(cfg->conns->len, 2);
    assert_conn(cfg, 0, "good", "qemu:///system", FALSE, TRUE);
    assert_conn(cfg, 1, "last", "test:///default", FALSE, FALSE);
    static const char *const want[] = {
        ":3: not a key=value line",
        ":15: not a valid group header",
        ":6: readonly must be true or false",
        ":8: unknown key 'colour'",
        ":9: connection 'nouri' skipped: it has no uri",
        ":12: connection 'badtransport' skipped: unknown transport 'carrier'",
        ":14: connection 'pw' skipped: a URI may not hold a password",
    };
    g_autoptr(GString) all = g_string_new("");
    for (guint i = 0; i < notes->len; i++)
        g_string_append_printf(all, "%s\n", (char *)notes->pdata[i]);
    ck_assert_uint_eq(notes->len, G_N_ELEMENTS(want));
    for (guint i = 0; i < G_N_ELEMENTS(want); i++) {
        g_autofree char *line = g_strconcat(path, want[i], NULL);
        ck_assert_msg(strstr(all->str, line), "no '%s' in:\n%s", line, all->str);
    }
    /* Loading never rewrites the file. */
    g_autofree char *text = read_file(path);
    ck_assert_str_eq(text, bad_lines);
}
END_TEST

/* A connection group the load skipped is the user's to mend: a save leaves it as it is. */
START_TEST(test_bad_group_kept)
{
    g_autofree char *path = config_path();
    write_file(path, bad_lines);
    g_autoptr(NvConnConfig) cfg = load(path, NULL);
    add(cfg, "new", "lxc:///", FALSE, FALSE);
    ck_assert(nv_conn_config_save(cfg, NULL));
    g_autofree char *text = read_file(path);
    ck_assert_ptr_nonnull(strstr(text, "[connection nouri]\nreadonly=true\n"));
    ck_assert_ptr_nonnull(strstr(text, "[connection badtransport]\nuri=qemu+carrier://h/system\n"));
    /* A connection read is written with the values used. */
    ck_assert_ptr_nonnull(strstr(text, "[connection good]\nuri=qemu:///system\nreadonly=false\n"));
    ck_assert_ptr_nonnull(strstr(text, "colour=blue\n"));
    /* A line that is no group or key is kept as a comment. */
    ck_assert_ptr_nonnull(strstr(text, "#this is no key\n"));
    ck_assert_ptr_nonnull(strstr(text, "[connection last]\nuri=test:///default\n"));
    ck_assert_ptr_nonnull(strstr(text, "[connection new]\nuri=lxc:///\n"));
    /* Except one with a password: ncvirt never writes a file holding one. */
    ck_assert_ptr_null(strstr(text, "pw"));
}
END_TEST

START_TEST(test_key_before_group)
{
    g_autofree char *path = config_path();
    write_file(path, "uri=qemu:///system\n[connection a]\nuri=test:///default\n");
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NvConnConfig) cfg = load(path, notes);
    ck_assert_uint_eq(cfg->conns->len, 1);
    ck_assert_uint_eq(notes->len, 1);
    ck_assert_ptr_nonnull(strstr(notes->pdata[0], ":1: a key outside any group"));
}
END_TEST

START_TEST(test_modes)
{
    g_autofree char *path = config_path();
    g_autoptr(NvConnConfig) cfg = nv_conn_config_new(path);
    add(cfg, "a", "qemu:///system", FALSE, FALSE);
    ck_assert(nv_conn_config_save(cfg, NULL));
    struct stat st;
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    g_autofree char *dir = g_path_get_dirname(path);
    ck_assert_int_eq(g_stat(dir, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
    /* A file made readable by others is private again after a save. */
    ck_assert_int_eq(g_chmod(path, 0644), 0);
    ck_assert_int_eq(g_chmod(dir, 0755), 0);
    ck_assert(nv_conn_config_save(cfg, NULL));
    ck_assert_int_eq(g_stat(path, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0600);
    ck_assert_int_eq(g_stat(dir, &st), 0);
    ck_assert_uint_eq(st.st_mode & 07777, 0700);
}
END_TEST

START_TEST(test_password_refused)
{
    g_autofree char *path = config_path();
    g_autoptr(NvConnConfig) cfg = nv_conn_config_new(path);
    g_autoptr(NvSavedConn) c =
        nv_saved_conn_new("lab", "qemu+ssh://root:hunter2@lab/system", FALSE, FALSE);
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_conn_config_set(cfg, c, NULL, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "a password is never saved"));
    ck_assert_uint_eq(cfg->conns->len, 0);
    /* Even one slipped into the list by hand is not written. */
    g_ptr_array_add(cfg->conns, nv_saved_conn_copy(c));
    g_clear_error(&err);
    ck_assert(!nv_conn_config_save(cfg, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "a password is never saved"));
    ck_assert(!g_file_test(path, G_FILE_TEST_EXISTS));
}
END_TEST

START_TEST(test_unreadable)
{
    g_autofree char *path = config_path();
    write_file(path, "[connection a]\nuri=\xff\xfe\n");
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConnConfig) cfg = nv_conn_config_load(path, NULL, &err);
    ck_assert_ptr_null(cfg);
    ck_assert_ptr_nonnull(strstr(err->message, "not UTF-8"));
}
END_TEST

static Suite *config_suite(void)
{
    Suite *s = suite_create("conn-config");
    TCase *tc = tcase_create("config");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_missing_file);
    tcase_add_test(tc, test_round_trip);
    tcase_add_test(tc, test_duplicate_name);
    tcase_add_test(tc, test_unknown_groups_kept);
    tcase_add_test(tc, test_bad_lines);
    tcase_add_test(tc, test_bad_group_kept);
    tcase_add_test(tc, test_key_before_group);
    tcase_add_test(tc, test_modes);
    tcase_add_test(tc, test_password_refused);
    tcase_add_test(tc, test_unreadable);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
