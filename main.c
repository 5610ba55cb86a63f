/* ncvirt's entry point: options, the keymap, then either the one-shot listing or the TUI. */
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "config.h"
#include "nvcore.h"
#include "ui.h"
#include "wizards.h"

typedef struct {
    char **uris; /* one per -c, NULL-terminated */
    gboolean readonly;
    gboolean list;
    gboolean json;
    gboolean version;
} Options;

static gboolean parse_options(int *argc, char ***argv, Options *o)
{
    const GOptionEntry entries[] = {
        {"connect", 'c', 0, G_OPTION_ARG_STRING_ARRAY, &o->uris,
         N_("libvirt URI, once per host (default: $LIBVIRT_DEFAULT_URI, else qemu:///system)"),
         N_("URI")},
        {"readonly", 'r', 0, G_OPTION_ARG_NONE, &o->readonly, N_("Open every connection read-only"),
         NULL},
        {"list", 0, 0, G_OPTION_ARG_NONE, &o->list, N_("Print the domains and exit"), NULL},
        {"json", 0, 0, G_OPTION_ARG_NONE, &o->json, N_("With --list: print JSON"), NULL},
        {"version", 0, 0, G_OPTION_ARG_NONE, &o->version, N_("Print the version and exit"), NULL},
        {NULL, 0, 0, 0, NULL, NULL, NULL},
    };
    g_autoptr(GOptionContext) ctx = g_option_context_new(NULL);
    g_option_context_set_summary(ctx, _("A terminal virt-manager: browse and manage libvirt "
                                        "domains, storage and networks."));
    g_option_context_add_main_entries(ctx, entries, GETTEXT_PACKAGE);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, argc, argv, &err)) {
        g_autofree char *msg = nv_text_sanitize(err->message);
        fprintf(stderr, "ncvirt: %s\n", msg);
        return FALSE;
    }
    if (*argc > 1) {
        fprintf(stderr, _("ncvirt: unexpected argument '%s' (see --help)\n"), (*argv)[1]);
        return FALSE;
    }
    if (o->json && !o->list) {
        fprintf(stderr, _("ncvirt: --json goes with --list\n"));
        return FALSE;
    }
    if (!o->uris || !o->uris[0]) {
        const char *env = g_getenv("LIBVIRT_DEFAULT_URI");
        g_strfreev(o->uris);
        o->uris = g_new0(char *, 2);
        o->uris[0] = g_strdup(env && *env ? env : "qemu:///system");
    }
    return TRUE;
}

/* libvirt's text quotes the URI and the host's answer: neither reaches the terminal raw. */
static void print_error(const char *text)
{
    g_autofree char *msg = nv_text_sanitize(text);
    fprintf(stderr, "ncvirt: %s\n", msg);
}

/* With several hosts, one that cannot be reached is reported and the others still listed;
 * the exit status says that something is missing. */
static int run_list(const Options *o)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *out =
        nv_listing_fetch((const char *const *)o->uris, o->readonly, o->json, failures, &err);
    for (guint i = 0; i < failures->len; i++)
        print_error(failures->pdata[i]);
    if (!out) {
        if (failures->len == 0)
            print_error(err->message);
        return 1;
    }
    fputs(out, stdout);
    return fflush(stdout) == 0 && failures->len == 0 ? 0 : 1;
}

/* The built-in bindings, then the user's file on top; bad user lines are reported, not fatal. */
static NvKeymap *load_keymap(GPtrArray *notes)
{
    NvKeymap *map = nv_keymap_new();
    nv_keymap_load_text(map, nv_keymap_default_text(), "default.keys", notes);
    g_autofree char *path = g_build_filename(g_get_user_config_dir(), "ncvirt", "keys", NULL);
    if (g_file_test(path, G_FILE_TEST_EXISTS)) {
        g_autoptr(GError) err = NULL;
        if (nv_keymap_load_file(map, path, notes, &err) < 0)
            g_ptr_array_add(notes, g_strdup(err->message));
    }
    return map;
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    bindtextdomain(GETTEXT_PACKAGE, LOCALEDIR);
    bind_textdomain_codeset(GETTEXT_PACKAGE, "UTF-8");
    textdomain(GETTEXT_PACKAGE);

    Options o = {0};
    gboolean parsed = parse_options(&argc, &argv, &o);
    g_auto(GStrv) uris = o.uris; /* freed on every way out */
    if (!parsed)
        return 2;
    if (o.version) {
        printf("ncvirt %s\n", VERSION);
        return 0;
    }
    nv_virt_init();
    if (o.list)
        return run_list(&o);
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        fprintf(stderr, _("ncvirt: the interface needs a terminal (use --list for scripts)\n"));
        return 2;
    }
    g_autoptr(GPtrArray) notes = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(NvKeymap) keymap = load_keymap(notes);
    nv_wizards_register();
    /* A worker may still be waiting on a dead host: freeing lets the process end without
     * joining it. */
    g_autoptr(GPtrArray) conns = g_ptr_array_new_with_free_func((GDestroyNotify)nv_conn_free);
    for (guint i = 0; uris[i]; i++)
        g_ptr_array_add(conns, nv_conn_new(uris[i], o.readonly));
    return nv_ui_run(conns, keymap, notes);
}
