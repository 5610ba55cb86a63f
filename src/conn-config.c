/* Saved connections in ncvirt's config file (conn-config.h). GKeyFile reads the file but tells
 * no line numbers and refuses a whole file for one bad line, so the file is scanned here first:
 * lines GKeyFile would refuse are reported and read as comments, and every group and key gets
 * the line it is on for the notes. */
#include <errno.h>
#include <glib/gstdio.h>
#include <string.h>

#include "conn-config.h"
#include "conn-uri.h"
#include "error.h"
#include "i18n.h"

#define K_URI "uri"
#define K_READONLY "readonly"
#define K_AUTOCONNECT "autoconnect"

NvSavedConn *nv_saved_conn_new(const char *name, const char *uri, gboolean readonly,
                               gboolean autoconnect)
{
    NvSavedConn *c = g_new0(NvSavedConn, 1);
    c->name = g_strdup(name);
    c->uri = g_strdup(uri);
    c->readonly = readonly;
    c->autoconnect = autoconnect;
    return c;
}

NvSavedConn *nv_saved_conn_copy(const NvSavedConn *c)
{
    return nv_saved_conn_new(c->name, c->uri, c->readonly, c->autoconnect);
}

void nv_saved_conn_free(NvSavedConn *c)
{
    if (!c)
        return;
    g_free(c->name);
    g_free(c->uri);
    g_free(c);
}

char *nv_conn_config_default_path(void)
{
    return g_build_filename(g_get_user_config_dir(), "ncvirt", "config", NULL);
}

void nv_conn_config_free(NvConnConfig *cfg)
{
    if (!cfg)
        return;
    g_free(cfg->path);
    g_ptr_array_unref(cfg->conns);
    g_hash_table_unref(cfg->removed);
    g_free(cfg);
}

NvConnConfig *nv_conn_config_new(const char *path)
{
    NvConnConfig *cfg = g_new0(NvConnConfig, 1);
    cfg->path = g_strdup(path);
    cfg->conns = g_ptr_array_new_with_free_func((GDestroyNotify)nv_saved_conn_free);
    cfg->removed = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    return cfg;
}

/* ---- the scan: a text GKeyFile accepts, and where each group and key is ---- */

typedef struct {
    GString *text;     /* the file with bad lines turned into comments */
    GHashTable *lines; /* "group" and "group\nkey" -> line number (last one wins, as GKeyFile) */
    GPtrArray *bad;    /* "LINE: reason" notes for lines turned into comments */
} Scan;

static void scan_clear(Scan *s)
{
    g_string_free(s->text, TRUE);
    g_hash_table_unref(s->lines);
    g_ptr_array_unref(s->bad);
}

/* Whether GKeyFile takes `line` alone (a group) or under a group (a key). */
static gboolean keyfile_takes(const char *prefix, const char *line)
{
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autofree char *data = g_strconcat(prefix, line, "\n", NULL);
    return g_key_file_load_from_data(kf, data, -1, G_KEY_FILE_NONE, NULL);
}

/* NULL when the line is fine; sets *group when it opens one. */
static const char *scan_line(const char *line, char **group, GHashTable *lines, int n)
{
    const char *p = line;
    while (g_ascii_isspace(*p))
        p++;
    if (!*p || *p == '#')
        return NULL;
    if (*p == '[') {
        if (!keyfile_takes("", line))
            return _("not a valid group header");
        const char *end = strrchr(p, ']');
        g_free(*group);
        *group = g_strndup(p + 1, (gsize)(end - p - 1));
        g_hash_table_insert(lines, g_strdup(*group), GINT_TO_POINTER(n));
        return NULL;
    }
    if (!*group)
        return _("a key outside any group");
    if (!keyfile_takes("[g]\n", line))
        return _("not a key=value line");
    g_autofree char *key = g_strndup(p, strcspn(p, "="));
    g_strchomp(key);
    g_hash_table_insert(lines, g_strdup_printf("%s\n%s", *group, key), GINT_TO_POINTER(n));
    return NULL;
}

static void scan(Scan *s, const char *text)
{
    s->text = g_string_new("");
    s->lines = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    s->bad = g_ptr_array_new_with_free_func(g_free);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    g_autofree char *group = NULL;
    for (int i = 0; lines[i]; i++) {
        if (!lines[i + 1] && !*lines[i])
            break; /* the text's final newline */
        const char *why = scan_line(lines[i], &group, s->lines, i + 1);
        if (why)
            g_ptr_array_add(s->bad, g_strdup_printf("%d: %s", i + 1, why));
        g_string_append_printf(s->text, "%s%s\n", why ? "#" : "", lines[i]);
    }
}

static int line_of(const Scan *s, const char *group, const char *key)
{
    g_autofree char *k = key ? g_strdup_printf("%s\n%s", group, key) : g_strdup(group);
    return GPOINTER_TO_INT(g_hash_table_lookup(s->lines, k));
}

/* The file's text, "" when it does not exist; NULL with `err` when it cannot be read. */
static char *read_text(const char *path, GError **err)
{
    g_autofree char *text = NULL;
    gsize len = 0;
    g_autoptr(GError) local = NULL;
    g_autofree char *shown = g_filename_display_name(path);
    if (!g_file_get_contents(path, &text, &len, &local)) {
        if (g_error_matches(local, G_FILE_ERROR, G_FILE_ERROR_NOENT))
            return g_strdup("");
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE, _("cannot read %s: %s"), shown, local->message);
        return NULL;
    }
    if (strlen(text) != len || !g_utf8_validate(text, (gssize)len, NULL)) {
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE, _("cannot read %s: not UTF-8 text"), shown);
        return NULL;
    }
    return g_steal_pointer(&text);
}

/* The file as a GKeyFile with its comments, bad lines read as comments. */
static GKeyFile *read_keyfile(const char *path, Scan *s, GError **err)
{
    g_autofree char *text = read_text(path, err);
    if (!text)
        return NULL;
    scan(s, text);
    g_autoptr(GKeyFile) kf = g_key_file_new();
    g_autoptr(GError) local = NULL;
    if (!g_key_file_load_from_data(kf, s->text->str, s->text->len, G_KEY_FILE_KEEP_COMMENTS,
                                   &local)) {
        /* The scan let through only lines GKeyFile takes one by one: this is not expected. */
        g_autofree char *shown = g_filename_display_name(path);
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE, _("cannot read %s: %s"), shown, local->message);
        scan_clear(s);
        return NULL;
    }
    return g_steal_pointer(&kf);
}

/* ---- loading ---- */

typedef struct {
    const Scan *scan;
    const char *shown; /* the file's name in notes */
    GPtrArray *notes;
} Notes;

static void note(Notes *n, int line, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
static void note(Notes *n, int line, const char *fmt, ...)
{
    if (!n->notes)
        return;
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *why = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_ptr_array_add(n->notes, g_strdup_printf("%s:%d: %s", n->shown, line, why));
}

static gboolean read_bool(Notes *n, GKeyFile *kf, const char *group, const char *key)
{
    if (!g_key_file_has_key(kf, group, key, NULL))
        return FALSE;
    g_autoptr(GError) err = NULL;
    gboolean v = g_key_file_get_boolean(kf, group, key, &err);
    if (err)
        note(n, line_of(n->scan, group, key), _("%s must be true or false; false is used"), key);
    return err ? FALSE : v;
}

static void note_unknown_keys(Notes *n, GKeyFile *kf, const char *group)
{
    g_auto(GStrv) keys = g_key_file_get_keys(kf, group, NULL, NULL);
    for (guint i = 0; keys && keys[i]; i++)
        if (strcmp(keys[i], K_URI) != 0 && strcmp(keys[i], K_READONLY) != 0 &&
            strcmp(keys[i], K_AUTOCONNECT) != 0)
            note(n, line_of(n->scan, group, keys[i]), _("unknown key '%s' (ignored)"), keys[i]);
}

/* The connection a group describes, or NULL after a note. */
static NvSavedConn *read_group(Notes *n, GKeyFile *kf, const char *group)
{
    const char *name = group + strlen(NV_CONN_CONFIG_GROUP_PREFIX);
    int line = line_of(n->scan, group, NULL);
    g_autoptr(GError) err = NULL;
    if (!nv_conn_config_name_check(name, &err)) {
        note(n, line, _("connection skipped: %s"), err->message);
        return NULL;
    }
    g_autofree char *uri = g_key_file_get_string(kf, group, K_URI, NULL);
    if (!uri || !*uri) {
        note(n, line, _("connection '%s' skipped: it has no uri"), name);
        return NULL;
    }
    g_autoptr(NvUriFields) f = nv_uri_parse(uri, &err);
    if (!f) {
        note(n, line_of(n->scan, group, K_URI), _("connection '%s' skipped: %s"), name,
             err->message);
        return NULL;
    }
    note_unknown_keys(n, kf, group);
    return nv_saved_conn_new(name, uri, read_bool(n, kf, group, K_READONLY),
                             read_bool(n, kf, group, K_AUTOCONNECT));
}

NvConnConfig *nv_conn_config_load(const char *path, GPtrArray *notes, GError **err)
{
    Scan s;
    g_autoptr(GKeyFile) kf = read_keyfile(path, &s, err);
    if (!kf)
        return NULL;
    g_autofree char *shown = g_filename_display_name(path);
    Notes n = {&s, shown, notes};
    for (guint i = 0; i < s.bad->len; i++)
        if (notes)
            g_ptr_array_add(notes, g_strdup_printf("%s:%s", shown, (char *)s.bad->pdata[i]));
    NvConnConfig *cfg = nv_conn_config_new(path);
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (guint i = 0; groups[i]; i++) {
        if (!g_str_has_prefix(groups[i], NV_CONN_CONFIG_GROUP_PREFIX))
            continue;
        NvSavedConn *c = read_group(&n, kf, groups[i]);
        if (c)
            g_ptr_array_add(cfg->conns, c);
    }
    scan_clear(&s);
    return cfg;
}

/* ---- changes in memory ---- */

gboolean nv_conn_config_name_check(const char *name, GError **err)
{
    if (!name || !*name)
        return nv_error_invalid(err, _("a connection needs a name"));
    if (!g_utf8_validate(name, -1, NULL))
        return nv_error_invalid(err, _("a connection name must be valid UTF-8"));
    if (g_ascii_isspace(*name) || g_ascii_isspace(name[strlen(name) - 1]))
        return nv_error_invalid(err, _("a connection name cannot start or end with a space"));
    for (const char *p = name; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c == '[' || c == ']')
            return nv_error_invalid(err, _("a connection name cannot contain '[' or ']'"));
        if (g_unichar_iscntrl(c) || g_unichar_type(c) == G_UNICODE_FORMAT)
            return nv_error_invalid(err, _("a connection name cannot contain control characters"));
    }
    if (g_utf8_strlen(name, -1) > 64)
        return nv_error_invalid(err, _("a connection name has at most 64 characters"));
    return TRUE;
}

NvSavedConn *nv_conn_config_find(NvConnConfig *cfg, const char *name)
{
    for (guint i = 0; i < cfg->conns->len; i++) {
        NvSavedConn *c = cfg->conns->pdata[i];
        if (g_strcmp0(c->name, name) == 0)
            return c;
    }
    return NULL;
}

/* A URI fit to be saved: a libvirt URI, no password in it. */
static gboolean uri_check(const char *uri, GError **err)
{
    if (nv_uri_has_password(uri))
        return nv_error_invalid(err, _("a password is never saved: remove it from the URI "
                                       "(ncvirt asks for it when connecting)"));
    g_autoptr(NvUriFields) f = nv_uri_parse(uri, err);
    return f != NULL;
}

gboolean nv_conn_config_set(NvConnConfig *cfg, const NvSavedConn *c, const char *old_name,
                            GError **err)
{
    if (!nv_conn_config_name_check(c->name, err) || !uri_check(c->uri, err))
        return FALSE;
    NvSavedConn *old = nv_conn_config_find(cfg, old_name ? old_name : c->name);
    NvSavedConn *same = nv_conn_config_find(cfg, c->name);
    if (same && same != old)
        return nv_error_invalid(err, _("a connection named '%s' is saved already"), c->name);
    NvSavedConn *copy = nv_saved_conn_copy(c);
    if (old && strcmp(old->name, c->name) != 0)
        g_hash_table_add(cfg->removed, g_strdup(old->name));
    g_hash_table_remove(cfg->removed, c->name);
    guint at;
    if (old && g_ptr_array_find(cfg->conns, old, &at)) {
        nv_saved_conn_free(cfg->conns->pdata[at]);
        cfg->conns->pdata[at] = copy;
    } else {
        g_ptr_array_add(cfg->conns, copy);
    }
    return TRUE;
}

gboolean nv_conn_config_remove(NvConnConfig *cfg, const char *name)
{
    NvSavedConn *c = nv_conn_config_find(cfg, name);
    if (!c)
        return FALSE;
    g_hash_table_add(cfg->removed, g_strdup(name));
    return g_ptr_array_remove(cfg->conns, c);
}

/* ---- saving ---- */

/* Groups of connections that are gone, and bad ones holding a password (skipped when they
 * were loaded, so never saved again with it). */
static void drop_groups(NvConnConfig *cfg, GKeyFile *kf)
{
    g_auto(GStrv) groups = g_key_file_get_groups(kf, NULL);
    for (guint i = 0; groups[i]; i++) {
        if (!g_str_has_prefix(groups[i], NV_CONN_CONFIG_GROUP_PREFIX))
            continue;
        g_autofree char *uri = g_key_file_get_string(kf, groups[i], K_URI, NULL);
        const char *name = groups[i] + strlen(NV_CONN_CONFIG_GROUP_PREFIX);
        if (g_hash_table_contains(cfg->removed, name) || (uri && nv_uri_has_password(uri)))
            g_key_file_remove_group(kf, groups[i], NULL);
    }
}

static void put_conns(NvConnConfig *cfg, GKeyFile *kf)
{
    drop_groups(cfg, kf);
    for (guint i = 0; i < cfg->conns->len; i++) {
        const NvSavedConn *c = cfg->conns->pdata[i];
        g_autofree char *group = g_strconcat(NV_CONN_CONFIG_GROUP_PREFIX, c->name, NULL);
        g_key_file_set_string(kf, group, K_URI, c->uri);
        g_key_file_set_boolean(kf, group, K_READONLY, c->readonly);
        g_key_file_set_boolean(kf, group, K_AUTOCONNECT, c->autoconnect);
    }
}

/* The config directory, made private: the file names the hosts one manages. */
static gboolean make_dir(const char *path, GError **err)
{
    g_autofree char *dir = g_path_get_dirname(path);
    if (g_mkdir_with_parents(dir, 0700) < 0 || g_chmod(dir, 0700) < 0) {
        int e = errno;
        g_autofree char *shown = g_filename_display_name(dir);
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot create %s: %s"), shown,
                    g_strerror(e));
        return FALSE;
    }
    return TRUE;
}

gboolean nv_conn_config_save(NvConnConfig *cfg, GError **err)
{
    for (guint i = 0; i < cfg->conns->len; i++) {
        const NvSavedConn *c = cfg->conns->pdata[i];
        if (!nv_conn_config_name_check(c->name, err) || !uri_check(c->uri, err))
            return FALSE;
    }
    Scan s;
    g_autoptr(GKeyFile) kf = read_keyfile(cfg->path, &s, err);
    if (!kf)
        return FALSE;
    scan_clear(&s);
    put_conns(cfg, kf);
    gsize len = 0;
    g_autofree char *data = g_key_file_to_data(kf, &len, NULL);
    if (!make_dir(cfg->path, err))
        return FALSE;
    g_autoptr(GError) local = NULL;
    if (!g_file_set_contents_full(cfg->path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT,
                                  0600, &local)) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot save the connections: %s"),
                    local->message);
        return FALSE;
    }
    return TRUE;
}
