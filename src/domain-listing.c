/* `ncvirt --list` output: an aligned table for people and JSON for scripts, both built from
 * the model and safe whatever names and titles the host sends. */
#include "domain-listing.h"

#include <string.h>

#include "conn-fetch.h"
#include "conn-name.h"
#include "i18n.h"
#include "model.h"
#include "text.h"

enum { COL_HOST, COL_NAME, COL_STATE, COL_VCPUS, COL_MEMORY, COL_TITLE, N_COLS };

static const char *const headers[N_COLS] = {
    N_("Host"), N_("Name"), N_("State"), N_("vCPUs"), N_("Memory"), N_("Title"),
};

/* Numbers read better right-aligned. */
static const gboolean right_aligned[N_COLS] = {FALSE, FALSE, FALSE, TRUE, TRUE, FALSE};

#define COL_GAP "  "

/* The sanitised cells of one row; the host's is "" when there is one host. */
static char **domain_cells(const NvDomain *d, const char *host)
{
    char **cells = g_new0(char *, N_COLS + 1);
    cells[COL_HOST] = nv_text_sanitize(host ? host : "");
    cells[COL_NAME] = nv_text_sanitize(d->name);
    cells[COL_STATE] = nv_text_sanitize(_(nv_domain_state_name(d->state)));
    /* "-": a host over a network whose driver gives sizes only one domain at a time. */
    gboolean sized = !(d->missing & NV_DOMAIN_MISSING_SIZE);
    cells[COL_VCPUS] = sized ? g_strdup_printf("%u", d->vcpus) : g_strdup("-");
    cells[COL_MEMORY] = sized ? nv_format_kib(d->memory_kib) : g_strdup("-");
    cells[COL_TITLE] = nv_text_sanitize(d->title);
    return cells;
}

/* `first` is COL_HOST with a host column, else COL_NAME: one host prints as it always did;
 * `end` is N_COLS, or COL_TITLE when no title was read. */
static void append_row(GString *out, char *const *cells, const int *widths, int first, int end)
{
    g_assert(first >= 0 && end <= N_COLS);
    gsize start = out->len;
    for (int c = first; c < end; c++) {
        int pad = c == COL_TITLE ? 0 : widths[c] - nv_text_width(cells[c]);
        if (c > first)
            g_string_append(out, COL_GAP);
        if (right_aligned[c])
            for (int i = 0; i < pad; i++)
                g_string_append_c(out, ' ');
        g_string_append(out, cells[c]);
        if (!right_aligned[c])
            for (int i = 0; i < pad; i++)
                g_string_append_c(out, ' ');
    }
    /* An empty title would otherwise leave the padding of the columns before it. */
    while (out->len > start && out->str[out->len - 1] == ' ')
        g_string_truncate(out, out->len - 1);
    g_string_append_c(out, '\n');
}

static const char *host_at(GPtrArray *hosts, guint i)
{
    return hosts && i < hosts->len ? g_ptr_array_index(hosts, i) : NULL;
}

char *nv_listing_table_hosts(GPtrArray *domains, GPtrArray *hosts)
{
    guint n = domains != NULL ? domains->len : 0;
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);

    char **head = g_new0(char *, N_COLS + 1);
    for (int c = 0; c < N_COLS; c++)
        head[c] = nv_text_sanitize(_(headers[c]));
    g_ptr_array_add(rows, head);

    for (guint i = 0; i < n; i++) {
        const NvDomain *d = g_ptr_array_index(domains, i);
        if (d != NULL)
            g_ptr_array_add(rows, domain_cells(d, host_at(hosts, i)));
    }

    int widths[N_COLS] = {0};
    for (guint r = 0; r < rows->len; r++) {
        char **cells = g_ptr_array_index(rows, r);
        for (int c = 0; c < N_COLS; c++)
            widths[c] = MAX(widths[c], nv_text_width(cells[c]));
    }

    /* Titles cost a round trip per domain over a network: without them, no Title column. */
    gboolean titles = n == 0;
    for (guint i = 0; i < n && !titles; i++) {
        const NvDomain *d = g_ptr_array_index(domains, i);
        titles = d != NULL && !(d->missing & NV_DOMAIN_MISSING_TITLE);
    }
    GString *out = g_string_new(NULL);
    for (guint r = 0; r < rows->len; r++)
        append_row(out, g_ptr_array_index(rows, r), widths, hosts ? COL_HOST : COL_NAME,
                   titles ? N_COLS : COL_TITLE);
    return g_string_free(out, FALSE);
}

char *nv_listing_table(GPtrArray *domains)
{
    return nv_listing_table_hosts(domains, NULL);
}

/* Characters kept out of JSON strings as \uXXXX although JSON would allow them raw: they could
 * act on a terminal the output is shown on, or break JavaScript (U+2028/9). */
static gboolean json_needs_escape(gunichar c)
{
    if (c < 0x20 || (c >= 0x7F && c < 0xA0))
        return TRUE;
    if ((c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
        c == 0x200F || c == 0x061C)
        return TRUE;
    switch (g_unichar_type(c)) {
    case G_UNICODE_FORMAT:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
        return TRUE;
    default:
        return FALSE;
    }
}

static void json_append_u(GString *out, gunichar c)
{
    if (c < 0x10000) {
        g_string_append_printf(out, "\\u%04x", (unsigned)c);
        return;
    }
    /* Outside the BMP JSON needs a surrogate pair. */
    c -= 0x10000;
    g_string_append_printf(out, "\\u%04x\\u%04x", 0xD800u + (unsigned)(c >> 10),
                           0xDC00u + (unsigned)(c & 0x3FF));
}

static void json_append_string(GString *out, const char *s)
{
    /* Invalid UTF-8 from a host becomes U+FFFD: JSON must be valid Unicode. */
    g_autofree char *valid = g_utf8_make_valid(s != NULL ? s : "", -1);

    g_string_append_c(out, '"');
    for (const char *p = valid; *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        switch (c) {
        case '"':
            g_string_append(out, "\\\"");
            break;
        case '\\':
            g_string_append(out, "\\\\");
            break;
        case '\n':
            g_string_append(out, "\\n");
            break;
        case '\r':
            g_string_append(out, "\\r");
            break;
        case '\t':
            g_string_append(out, "\\t");
            break;
        default:
            if (json_needs_escape(c))
                json_append_u(out, c);
            else
                g_string_append_len(out, p, g_utf8_next_char(p) - p);
        }
    }
    g_string_append_c(out, '"');
}

static void json_append_domain(GString *out, const NvDomain *d, const char *host)
{
    g_string_append(out, "  {");
    if (host) {
        g_string_append(out, "\"host\": ");
        json_append_string(out, host);
        g_string_append(out, ", ");
    }
    g_string_append(out, "\"name\": ");
    json_append_string(out, d->name);
    g_string_append(out, ", \"uuid\": ");
    json_append_string(out, d->uuid);
    g_string_append(out, ", \"state\": ");
    /* Untranslated on purpose: scripts match these words. */
    json_append_string(out, nv_domain_state_name(d->state));
    g_string_append_printf(out, ", \"state_code\": %d, \"id\": %d", (int)d->state, d->id);
    /* null: not read, to keep the round trips constant over a network (conn-fetch.h). */
    if (d->missing & NV_DOMAIN_MISSING_SIZE)
        g_string_append(out, ", \"vcpus\": null, \"memory_kib\": null, \"max_memory_kib\": null");
    else
        g_string_append_printf(out,
                               ", \"vcpus\": %u, \"memory_kib\": %llu, \"max_memory_kib\": %llu",
                               d->vcpus, d->memory_kib, d->max_memory_kib);
    g_string_append(out, ", \"title\": ");
    if (d->missing & NV_DOMAIN_MISSING_TITLE)
        g_string_append(out, "null");
    else
        json_append_string(out, d->title);
    g_string_append_c(out, '}');
}

char *nv_listing_json_hosts(GPtrArray *domains, GPtrArray *hosts)
{
    GString *out = g_string_new("[");
    gboolean first = TRUE;

    for (guint i = 0; domains != NULL && i < domains->len; i++) {
        const NvDomain *d = g_ptr_array_index(domains, i);
        if (d == NULL)
            continue;
        g_string_append(out, first ? "\n" : ",\n");
        json_append_domain(out, d, host_at(hosts, i));
        first = FALSE;
    }
    g_string_append(out, first ? "]\n" : "\n]\n");
    return g_string_free(out, FALSE);
}

char *nv_listing_json(GPtrArray *domains)
{
    return nv_listing_json_hosts(domains, NULL);
}

/* Appends the domains of `uri` to `domains`, each with `label` in `hosts`. */
static gboolean fetch_host(const char *uri, const char *label, gboolean readonly,
                           GPtrArray *domains, GPtrArray *hosts, GError **err)
{
    virConnectPtr conn = nv_virt_open(uri, readonly, err);
    if (!conn)
        return FALSE;
    g_autoptr(GPtrArray) some = nv_fetch_domains(conn, NULL, err);
    virConnectClose(conn);
    if (!some)
        return FALSE;
    g_ptr_array_set_free_func(some, NULL); /* the domains move to `domains` */
    for (guint i = 0; i < some->len; i++) {
        g_ptr_array_add(domains, some->pdata[i]);
        g_ptr_array_add(hosts, g_strdup(label));
    }
    return TRUE;
}

char *nv_listing_fetch(const char *const *uris, gboolean readonly, gboolean json,
                       GPtrArray *failures, GError **err)
{
    guint n = uris ? g_strv_length((char **)uris) : 0;
    g_auto(GStrv) labels = nv_conn_labels(uris);
    g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    g_autoptr(GPtrArray) hosts = g_ptr_array_new_with_free_func(g_free);
    guint ok = 0;
    for (guint i = 0; i < n; i++) {
        g_autoptr(GError) one = NULL;
        if (fetch_host(uris[i], labels[i], readonly, domains, hosts, &one)) {
            ok++;
        } else if (n == 1) {
            g_propagate_error(err, g_steal_pointer(&one));
            return NULL;
        } else {
            if (failures)
                g_ptr_array_add(failures, g_strdup_printf("%s: %s", labels[i], one->message));
            if (ok == 0 && i == n - 1)
                g_propagate_error(err, g_steal_pointer(&one));
        }
    }
    if (ok == 0 && n > 1)
        return NULL;
    GPtrArray *by = n > 1 ? hosts : NULL;
    return json ? nv_listing_json_hosts(domains, by) : nv_listing_table_hosts(domains, by);
}
