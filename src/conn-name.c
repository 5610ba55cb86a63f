/* Host labels from URIs, and their uniqueness (conn-name.h). */
#include "conn-name.h"

#include <string.h>

/* "test", "test+unix", "test+ssh": libvirt's test driver, whose identity is its file. */
static gboolean is_test_driver(const char *scheme)
{
    return g_ascii_strcasecmp(scheme, "test") == 0 || g_ascii_strncasecmp(scheme, "test+", 5) == 0;
}

static char *file_label(const char *path)
{
    g_autofree char *base = g_path_get_basename(path);
    if (g_str_has_suffix(base, ".xml") && strlen(base) > 4)
        base[strlen(base) - 4] = '\0';
    if (!*base || strcmp(base, "/") == 0 || strcmp(base, ".") == 0)
        return NULL;
    return g_steal_pointer(&base);
}

char *nv_conn_label_for_uri(const char *uri)
{
    if (!uri || !*uri)
        return g_strdup("localhost");
    g_autoptr(GUri) parsed = g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL);
    if (!parsed)
        return g_strdup(uri);
    const char *scheme = g_uri_get_scheme(parsed);
    const char *host = g_uri_get_host(parsed);
    const char *path = g_uri_get_path(parsed);
    if (scheme && is_test_driver(scheme) && path && *path) {
        char *label = file_label(path);
        if (label)
            return label;
    }
    if (host && *host)
        return g_strdup(host);
    return g_strdup("localhost");
}

char *nv_conn_unique_label(const char *base, const char *const *taken)
{
    char *name = g_strdup(base);
    for (guint n = 2; taken && g_strv_contains(taken, name); n++) {
        g_free(name);
        name = g_strdup_printf("%s (%u)", base, n);
    }
    return name;
}

char **nv_conn_labels(const char *const *uris)
{
    g_autoptr(GPtrArray) out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; uris && uris[i]; i++) {
        g_autofree char *base = nv_conn_label_for_uri(uris[i]);
        g_ptr_array_add(out, NULL); /* keeps the array NULL-terminated for the lookup */
        char *name = nv_conn_unique_label(base, (const char *const *)out->pdata);
        out->pdata[out->len - 1] = name;
    }
    g_ptr_array_add(out, NULL);
    return (char **)g_ptr_array_free(g_steal_pointer(&out), FALSE);
}
