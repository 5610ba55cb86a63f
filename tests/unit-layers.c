/* Enforces the layer arrows of DESIGN.md by reading #include lines: src/ never includes curses,
 * ui/ or wizards/; ui/ and wizards/ never include libvirt (or conn-fetch.h / conn-virt.h, which
 * expose it). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <string.h>

/* Headers that mean curses, matched on the include path. */
static gboolean is_curses_header(const char *inc)
{
    static const char *const names[] = {"ncurses.h", "curses.h",      "panel.h", "form.h",
                                        "menu.h",    "ncurses_dll.h", "term.h",  NULL};
    if (g_str_has_prefix(inc, "ncursesw/") || g_str_has_prefix(inc, "ncurses/"))
        return TRUE;
    for (int i = 0; names[i] != NULL; i++)
        if (strcmp(inc, names[i]) == 0)
            return TRUE;
    return FALSE;
}

static gboolean is_libvirt_header(const char *inc)
{
    g_autofree char *base = g_path_get_basename(inc);
    return g_str_has_prefix(inc, "libvirt/") || g_str_has_prefix(inc, "libvirt-glib/") ||
           strcmp(base, "conn-fetch.h") == 0 || strcmp(base, "conn-virt.h") == 0 ||
           strcmp(base, "conn-job-virt.h") == 0;
}

/* Does `inc` name a header of ui/ or wizards/ (by path, or by a file name only they have)? */
static gboolean is_upper_header(const char *inc, GHashTable *upper_headers)
{
    const char *p = inc;
    while (g_str_has_prefix(p, "../"))
        p += 3;
    if (g_str_has_prefix(p, "ui/") || g_str_has_prefix(p, "wizards/"))
        return TRUE;
    return strchr(inc, '/') == NULL && g_hash_table_contains(upper_headers, inc);
}

/* The path inside #include <...> or "...", or NULL when the line is no include. */
static char *include_of(const char *line)
{
    const char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (*p++ != '#')
        return NULL;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!g_str_has_prefix(p, "include"))
        return NULL;
    p += strlen("include");
    while (*p == ' ' || *p == '\t')
        p++;
    char close = *p == '<' ? '>' : *p == '"' ? '"' : '\0';
    if (close == '\0')
        return NULL;
    const char *start = p + 1;
    const char *end = strchr(start, close);
    if (end == NULL)
        return NULL;
    return g_strndup(start, end - start);
}

typedef void (*FileFn)(const char *path, gpointer data);

/* Every .c and .h under dir, recursively; a missing dir has no files. */
static void walk(const char *dir, FileFn fn, gpointer data)
{
    g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
    if (d == NULL)
        return;
    const char *name;
    while ((name = g_dir_read_name(d)) != NULL) {
        g_autofree char *path = g_build_filename(dir, name, NULL);
        if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK))
            walk(path, fn, data);
        else if (g_str_has_suffix(name, ".c") || g_str_has_suffix(name, ".h"))
            fn(path, data);
    }
}

static void add_header_name(const char *path, gpointer data)
{
    if (g_str_has_suffix(path, ".h"))
        g_hash_table_add(data, g_path_get_basename(path));
}

typedef enum { LAYER_SRC, LAYER_UPPER } Layer;

typedef struct {
    Layer layer;
    const char *root;
    GHashTable *upper_headers;
    GHashTable *src_headers;
    GPtrArray *violations;
} CheckCtx;

static void check_file(const char *path, gpointer data)
{
    CheckCtx *ctx = data;
    g_autofree char *text = NULL;
    const char *rel = path + strlen(ctx->root) + 1;
    if (!g_file_get_contents(path, &text, NULL, NULL)) {
        g_ptr_array_add(ctx->violations, g_strdup_printf("%s: cannot be read", rel));
        return;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i] != NULL; i++) {
        g_autofree char *inc = include_of(lines[i]);
        if (inc == NULL)
            continue;
        const char *why = NULL;
        /* src/ may have a form.h or menu.h of its own one day; that is not curses. */
        gboolean own = strchr(inc, '/') == NULL && g_hash_table_contains(ctx->src_headers, inc);
        if (ctx->layer == LAYER_SRC && !own && is_curses_header(inc))
            why = "src/ includes curses";
        else if (ctx->layer == LAYER_SRC && is_upper_header(inc, ctx->upper_headers))
            why = "src/ includes ui/ or wizards/";
        else if (ctx->layer == LAYER_UPPER && is_libvirt_header(inc))
            why = "ui/ and wizards/ must not include libvirt or conn-fetch.h";
        if (why != NULL)
            g_ptr_array_add(ctx->violations,
                            g_strdup_printf("%s:%d: %s (%s)", rel, i + 1, why, inc));
    }
}

/* Every violation of the layer rules in the tree at root, as "file:line: why (header)". */
static GPtrArray *check_tree(const char *root)
{
    GPtrArray *violations = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) upper = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(GHashTable) src_headers =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autofree char *src = g_build_filename(root, "src", NULL);
    g_autofree char *ui = g_build_filename(root, "ui", NULL);
    g_autofree char *wizards = g_build_filename(root, "wizards", NULL);

    walk(ui, add_header_name, upper);
    walk(wizards, add_header_name, upper);
    /* A name src/ has itself is src/'s own header, not a reach upward. */
    walk(src, add_header_name, src_headers);
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, src_headers);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_hash_table_remove(upper, key);

    CheckCtx ctx = {LAYER_SRC, root, upper, src_headers, violations};
    walk(src, check_file, &ctx);
    ctx.layer = LAYER_UPPER;
    walk(ui, check_file, &ctx);
    walk(wizards, check_file, &ctx);
    return violations;
}

static char *join_violations(GPtrArray *v)
{
    GString *s = g_string_new(NULL);
    for (guint i = 0; i < v->len; i++)
        g_string_append_printf(s, "\n  %s", (char *)v->pdata[i]);
    return g_string_free(s, FALSE);
}

START_TEST(test_source_tree)
{
    const char *root = g_getenv("NCVIRT_SRCDIR");
    ck_assert_msg(root != NULL, "NCVIRT_SRCDIR is not set (run through meson test)");
    g_autofree char *src = g_build_filename(root, "src", NULL);
    ck_assert_msg(g_file_test(src, G_FILE_TEST_IS_DIR), "%s is not a directory", src);

    g_autoptr(GPtrArray) v = check_tree(root);
    g_autofree char *list = join_violations(v);
    ck_assert_msg(v->len == 0, "layer violations:%s", list);
}
END_TEST

static void write_file(const char *root, const char *rel, const char *text)
{
    g_autofree char *path = g_build_filename(root, rel, NULL);
    g_autofree char *dir = g_path_get_dirname(path);
    ck_assert_int_eq(g_mkdir_with_parents(dir, 0700), 0);
    ck_assert(g_file_set_contents(path, text, -1, NULL));
}

static void remove_tree(const char *path)
{
    if (g_file_test(path, G_FILE_TEST_IS_DIR) && !g_file_test(path, G_FILE_TEST_IS_SYMLINK)) {
        g_autoptr(GDir) d = g_dir_open(path, 0, NULL);
        const char *name;
        while (d != NULL && (name = g_dir_read_name(d)) != NULL) {
            g_autofree char *child = g_build_filename(path, name, NULL);
            remove_tree(child);
        }
        g_rmdir(path);
    } else {
        g_unlink(path);
    }
}

/* The checker has to see violations, or a passing test_source_tree means nothing. */
START_TEST(test_checker_detects)
{
    g_autofree char *root = g_dir_make_tmp("ncvirt-layers-XXXXXX", NULL);
    ck_assert_ptr_nonnull(root);

    write_file(root, "src/ok.c", "#include <glib.h>\n#include \"model.h\"\n");
    write_file(root, "src/model.h", "#pragma once\n");
    write_file(root, "ui/ok.c", "#include \"nvcore.h\"\n#include <ncursesw/curses.h>\n");
    write_file(root, "ui/widget-list.h", "#pragma once\n");
    write_file(root, "wizards/ok.c", "#include \"widget-list.h\"\n");
    {
        g_autoptr(GPtrArray) clean = check_tree(root);
        g_autofree char *list = join_violations(clean);
        ck_assert_msg(clean->len == 0, "false alarms:%s", list);
    }

    write_file(root, "src/bad-curses.c", "/* x */\n#include <ncurses.h>\n");
    write_file(root, "src/bad-cursesw.c", "#  include <ncursesw/panel.h>\n");
    write_file(root, "src/bad-upward.c", "#include \"widget-list.h\"\n");
    write_file(root, "src/sub/bad-path.c", "#include \"../ui/screen.h\"\n");
    write_file(root, "ui/bad-virt.c", "#include <libvirt/libvirt.h>\n");
    write_file(root, "wizards/bad-fetch.c", "\n\n#include \"conn-fetch.h\"\n");

    g_autoptr(GPtrArray) v = check_tree(root);
    g_autofree char *list = join_violations(v);
    ck_assert_msg(v->len == 6, "expected 6 violations, got %u:%s", v->len, list);
    ck_assert_ptr_nonnull(strstr(list, "src/bad-curses.c:2: "));
    ck_assert_ptr_nonnull(strstr(list, "src/bad-cursesw.c:1: "));
    ck_assert_ptr_nonnull(strstr(list, "src/bad-upward.c:1: "));
    ck_assert_ptr_nonnull(strstr(list, "bad-path.c:1: "));
    ck_assert_ptr_nonnull(strstr(list, "ui/bad-virt.c:1: "));
    ck_assert_ptr_nonnull(strstr(list, "wizards/bad-fetch.c:3: "));

    remove_tree(root);
}
END_TEST

static Suite *layers_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checker_detects);
    tcase_add_test(tc, test_source_tree);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(layers_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
