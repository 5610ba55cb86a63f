/* Enforces the layer arrows of DESIGN.md (main.c -> wizards/ -> ui/ -> src/) by reading #include
 * lines: src/ never includes curses, ui/ or wizards/; ui/ never includes libvirt or libxml2 (or
 * the core headers that expose them) nor wizards/ (it reaches them through registered
 * factories); wizards/ never include curses, libvirt or ui internals, only ui/'s public wizard
 * API (wizard-api.h, which itself holds no curses); main.c never includes libvirt or curses.
 * And the meson.build files of ui/ and wizards/ do not depend on libvirt or libxml2. */
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

/* libvirt, libxml2, or a core header that exposes their types. */
static gboolean is_libvirt_header(const char *inc)
{
    static const char *const exposing[] = {
        "conn-fetch.h",    "conn-virt.h", "conn-job-virt.h", "virt-util.h", "xml-tree.h",
        "storage-users.h", NULL};
    g_autofree char *base = g_path_get_basename(inc);
    if (g_str_has_prefix(inc, "libvirt/") || g_str_has_prefix(inc, "libvirt-glib/") ||
        g_str_has_prefix(inc, "libxml/"))
        return TRUE;
    return g_strv_contains(exposing, base);
}

/* The one ui/ header wizards include, and the curses-free headers it is made of. */
static const char *const wizard_api[] = {"wizard-api.h", NULL};
static const char *const wizard_api_headers[] = {"wizard-api.h", "form-model.h", "app-api.h", NULL};

/* Does `inc` name a header of the layer `dir` ("ui/"), by path or by a file name only that
 * layer has (`names`)? */
static gboolean is_layer_header(const char *inc, const char *dir, GHashTable *names)
{
    const char *p = inc;
    while (g_str_has_prefix(p, "../"))
        p += 3;
    if (g_str_has_prefix(p, dir))
        return TRUE;
    return strchr(inc, '/') == NULL && g_hash_table_contains(names, inc);
}

static gboolean is_upper_header(const char *inc, GHashTable *ui, GHashTable *wizards)
{
    return is_layer_header(inc, "ui/", ui) || is_layer_header(inc, "wizards/", wizards);
}

/* A ui/ header other than those `allowed`. */
static gboolean is_ui_internal(const char *inc, GHashTable *ui, const char *const *allowed)
{
    g_autofree char *base = g_path_get_basename(inc);
    return is_layer_header(inc, "ui/", ui) && !g_strv_contains(allowed, base);
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

typedef enum { LAYER_SRC, LAYER_UI, LAYER_WIZARDS, LAYER_MAIN } Layer;

typedef struct {
    Layer layer;
    const char *root;
    GHashTable *ui_headers;      /* names only ui/ has */
    GHashTable *wizards_headers; /* names only wizards/ has */
    GHashTable *src_headers;
    GPtrArray *violations;
} CheckCtx;

/* Why `inc` may not be included from `path` (in ctx->layer), or NULL when it may. */
static const char *rule_broken(CheckCtx *ctx, const char *path, const char *inc)
{
    /* src/ may have a form.h or menu.h of its own one day; that is not curses. */
    gboolean own = strchr(inc, '/') == NULL && g_hash_table_contains(ctx->src_headers, inc);
    g_autofree char *base = g_path_get_basename(path);
    switch (ctx->layer) {
    case LAYER_SRC:
        if (!own && is_curses_header(inc))
            return "src/ includes curses";
        if (is_upper_header(inc, ctx->ui_headers, ctx->wizards_headers))
            return "src/ includes ui/ or wizards/";
        return NULL;
    case LAYER_UI:
        if (is_libvirt_header(inc))
            return "ui/ includes libvirt or libxml2 (or a core header exposing them)";
        if (is_layer_header(inc, "wizards/", ctx->wizards_headers))
            return "ui/ includes wizards/ (reach them through a registered factory)";
        /* The wizards' API is what they see of ui/: it must hold no curses or internals. */
        if (g_strv_contains(wizard_api_headers, base) &&
            (is_curses_header(inc) || is_ui_internal(inc, ctx->ui_headers, wizard_api_headers)))
            return "the wizard API includes curses or ui internals";
        return NULL;
    case LAYER_WIZARDS:
        if (is_libvirt_header(inc))
            return "wizards/ include libvirt or libxml2 (or a core header exposing them)";
        if (is_curses_header(inc))
            return "wizards/ include curses";
        if (is_ui_internal(inc, ctx->ui_headers, wizard_api))
            return "wizards/ include a ui/ header other than wizard-api.h";
        return NULL;
    case LAYER_MAIN:
        if (is_libvirt_header(inc))
            return "main.c includes libvirt (or a core header exposing it)";
        if (is_curses_header(inc))
            return "main.c includes curses";
        return NULL;
    }
    return NULL;
}

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
        const char *why = rule_broken(ctx, path, inc);
        if (why != NULL)
            g_ptr_array_add(ctx->violations,
                            g_strdup_printf("%s:%d: %s (%s)", rel, i + 1, why, inc));
    }
}

static GHashTable *name_set(void)
{
    return g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
}

/* Drops from `set` the names `other` has: a name two layers share is not one layer's. */
static void remove_names(GHashTable *set, GHashTable *other)
{
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, other);
    while (g_hash_table_iter_next(&it, &key, NULL))
        g_hash_table_remove(set, key);
}

/* The libraries ui/ and wizards/ may not depend on, read from their meson.build. */
static void check_meson(const char *root, const char *dir, GPtrArray *violations)
{
    static const char *const banned[] = {"libvirt_dep", "libvirt_glib_dep", "libxml_dep",
                                         "core_deps",   "core_virt_dep",    NULL};
    g_autofree char *path = g_build_filename(root, dir, "meson.build", NULL);
    g_autofree char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, NULL))
        return;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (int i = 0; lines[i] != NULL; i++) {
        const char *code = lines[i];
        while (*code == ' ')
            code++;
        for (int b = 0; banned[b] != NULL && *code != '#'; b++)
            if (strstr(code, banned[b]) != NULL)
                g_ptr_array_add(violations,
                                g_strdup_printf("%s/meson.build:%d: depends on libvirt (%s)", dir,
                                                i + 1, banned[b]));
    }
}

/* Every violation of the layer rules in the tree at root, as "file:line: why (header)". */
static GPtrArray *check_tree(const char *root)
{
    GPtrArray *violations = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(GHashTable) ui_names = name_set();
    g_autoptr(GHashTable) wizards_names = name_set();
    g_autoptr(GHashTable) src_headers = name_set();
    g_autofree char *src = g_build_filename(root, "src", NULL);
    g_autofree char *ui = g_build_filename(root, "ui", NULL);
    g_autofree char *wizards = g_build_filename(root, "wizards", NULL);
    g_autofree char *main_c = g_build_filename(root, "main.c", NULL);

    walk(ui, add_header_name, ui_names);
    walk(wizards, add_header_name, wizards_names);
    /* A name src/ has itself is src/'s own header, not a reach upward. */
    walk(src, add_header_name, src_headers);
    remove_names(ui_names, src_headers);
    remove_names(wizards_names, src_headers);
    remove_names(ui_names, wizards_names);

    CheckCtx ctx = {LAYER_SRC, root, ui_names, wizards_names, src_headers, violations};
    walk(src, check_file, &ctx);
    ctx.layer = LAYER_UI;
    walk(ui, check_file, &ctx);
    ctx.layer = LAYER_WIZARDS;
    walk(wizards, check_file, &ctx);
    ctx.layer = LAYER_MAIN;
    if (g_file_test(main_c, G_FILE_TEST_EXISTS))
        check_file(main_c, &ctx);
    check_meson(root, "ui", violations);
    check_meson(root, "wizards", violations);
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
    write_file(root, "ui/wizard-api.h", "#pragma once\n#include \"form-model.h\"\n");
    write_file(root, "ui/form-model.h", "#pragma once\n#include \"model.h\"\n");
    write_file(root, "wizards/ok.c", "#include \"wizard-api.h\"\n");
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

typedef struct {
    const char *path;
    const char *text;
} Fixture;

static void write_files(const char *root, const Fixture *files, guint n)
{
    for (guint i = 0; i < n; i++)
        write_file(root, files[i].path, files[i].text);
}

/* A tree that follows the rules: the wizard API, its users, and meson.build files. */
static const Fixture arrows_clean[] = {
    {"src/model.h", "#pragma once\n"},
    {"ui/ui-internal.h", "#pragma once\n#include <curses.h>\n"},
    {"ui/pane-storage.h", "#pragma once\n#include \"ui-internal.h\"\n"},
    {"ui/wizard-api.h", "#pragma once\n#include \"form-model.h\"\n"},
    {"ui/form-model.h", "#pragma once\n#include \"model.h\"\n"},
    {"ui/meson.build", "# not libvirt_dep\nui_deps = [core_dep, curses_dep]\n"},
    {"wizards/wizards.h", "#pragma once\n#include \"wizard-api.h\"\n"},
    {"wizards/meson.build", "dependencies: [ui_dep]\n"},
    {"main.c", "#include \"ui.h\"\n#include \"wizards.h\"\n"},
};

/* Then one bad file (or line) per rule, and where each must be reported. */
static const Fixture arrows_bad[] = {
    {"ui/bad-xml.c", "#include <libxml/tree.h>\n"},
    {"ui/bad-exposing.c", "#include \"xml-tree.h\"\n"},
    {"ui/bad-wizards.c", "#include \"wizards.h\"\n"},
    {"ui/bad-wizards-path.c", "#include \"../wizards/wizard-vm.h\"\n"},
    {"ui/form-model.h", "#pragma once\n#include \"ui-internal.h\"\n"},
    {"wizards/bad-curses.c", "#include <curses.h>\n"},
    {"wizards/bad-internal.c", "#include \"ui-internal.h\"\n"},
    {"wizards/bad-pane.c", "#include \"../ui/pane-storage.h\"\n"},
    {"wizards/bad-form.c", "#include \"form-model.h\"\n"},
    {"wizards/bad-virt.c", "#include <libvirt/libvirt.h>\n"},
    {"main.c", "#include \"conn-fetch.h\"\n#include <ncurses.h>\n"},
    {"ui/meson.build", "ui_deps = [core_dep, curses_dep, libvirt_dep]\n"},
    {"wizards/meson.build", "\ndependencies: [ui_dep, core_virt_dep]\n"},
};

static const char *const arrows_reported[] = {
    "ui/bad-xml.c:1: ",
    "ui/bad-exposing.c:1: ",
    "ui/bad-wizards.c:1: ",
    "ui/bad-wizards-path.c:1: ",
    "ui/form-model.h:2: ",
    "wizards/bad-curses.c:1: ",
    "wizards/bad-internal.c:1: ",
    "wizards/bad-pane.c:1: ",
    "wizards/bad-form.c:1: ",
    "wizards/bad-virt.c:1: ",
    "main.c:1: ",
    "main.c:2: ",
    "ui/meson.build:1: ",
    "wizards/meson.build:2: ",
};

/* One deliberately bad file per arrow added with the wizard API: each must be reported. */
START_TEST(test_checker_detects_arrows)
{
    g_autofree char *root = g_dir_make_tmp("ncvirt-layers-XXXXXX", NULL);
    ck_assert_ptr_nonnull(root);
    write_files(root, arrows_clean, G_N_ELEMENTS(arrows_clean));
    g_autoptr(GPtrArray) clean = check_tree(root);
    g_autofree char *clean_list = join_violations(clean);
    ck_assert_msg(clean->len == 0, "false alarms:%s", clean_list);

    write_files(root, arrows_bad, G_N_ELEMENTS(arrows_bad));
    g_autoptr(GPtrArray) v = check_tree(root);
    g_autofree char *list = join_violations(v);
    ck_assert_msg(v->len == G_N_ELEMENTS(arrows_reported), "expected %zu violations, got %u:%s",
                  G_N_ELEMENTS(arrows_reported), v->len, list);
    for (guint i = 0; i < G_N_ELEMENTS(arrows_reported); i++)
        ck_assert_msg(strstr(list, arrows_reported[i]) != NULL, "not reported: %s in%s",
                      arrows_reported[i], list);
    remove_tree(root);
}
END_TEST

static Suite *layers_suite(void)
{
    Suite *s = suite_create("layers");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_checker_detects);
    tcase_add_test(tc, test_checker_detects_arrows);
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
