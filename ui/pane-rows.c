/* Where a pane's rows come from when they span several hosts: the item index → (host, index
 * in that host's model) map, and marks kept per host, so that two hosts' objects of the same
 * name never share a mark. Plain data, no curses: unit-pane-rows.c tests it. */
#include "ui-internal.h"

typedef struct {
    NvConn *conn;
    guint first, n;
} Span;

void nv_spans_init(NvSpans *s)
{
    s->spans = g_array_new(FALSE, FALSE, sizeof(Span));
    s->total = 0;
}

void nv_spans_clear(NvSpans *s)
{
    g_clear_pointer(&s->spans, g_array_unref);
    s->total = 0;
}

void nv_spans_reset(NvSpans *s)
{
    g_array_set_size(s->spans, 0);
    s->total = 0;
}

void nv_spans_add(NvSpans *s, NvConn *conn, guint n)
{
    Span span = {conn, s->total, n};
    g_array_append_val(s->spans, span);
    s->total += n;
}

/* Binary search: sorting thousands of rows asks this O(n log n) times. */
static guint span_of(const NvSpans *s, guint item)
{
    guint lo = 0, hi = s->spans->len;
    while (hi - lo > 1) {
        guint mid = (lo + hi) / 2;
        if (g_array_index(s->spans, Span, mid).first <= item)
            lo = mid;
        else
            hi = mid;
    }
    /* Hosts with no items share a `first` with the next: skip to the one that holds it. */
    while (lo < s->spans->len &&
           item >= g_array_index(s->spans, Span, lo).first + g_array_index(s->spans, Span, lo).n)
        lo++;
    return lo;
}

NvConn *nv_spans_find(const NvSpans *s, guint item, guint *local)
{
    if (item >= s->total)
        return NULL;
    const Span *span = &g_array_index(s->spans, Span, span_of(s, item));
    if (local)
        *local = item - span->first;
    return span->conn;
}

int nv_spans_host_index(const NvSpans *s, guint item)
{
    return item < s->total ? (int)span_of(s, item) : -1;
}

gboolean nv_spans_range(const NvSpans *s, NvConn *conn, guint *first, guint *n)
{
    for (guint i = 0; i < s->spans->len; i++) {
        const Span *span = &g_array_index(s->spans, Span, i);
        if (span->conn == conn) {
            *first = span->first;
            *n = span->n;
            return TRUE;
        }
    }
    return FALSE;
}

guint nv_spans_n_conns(const NvSpans *s)
{
    return s->spans->len;
}

/* ---- marks: host → set of names ---- */

NvMarks *nv_marks_new(void)
{
    return g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                 (GDestroyNotify)g_hash_table_unref);
}

void nv_marks_free(NvMarks *m)
{
    if (m)
        g_hash_table_unref(m);
}

static GHashTable *names_of(NvMarks *m, NvConn *conn, gboolean create)
{
    GHashTable *names = g_hash_table_lookup(m, conn);
    if (!names && create) {
        names = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_insert(m, conn, names);
    }
    return names;
}

gboolean nv_marks_has(NvMarks *m, NvConn *conn, const char *name)
{
    GHashTable *names = g_hash_table_size(m) ? g_hash_table_lookup(m, conn) : NULL;
    return names && name && g_hash_table_contains(names, name);
}

void nv_marks_set(NvMarks *m, NvConn *conn, const char *name, gboolean on)
{
    if (!name)
        return;
    if (on) {
        g_hash_table_add(names_of(m, conn, TRUE), g_strdup(name));
        return;
    }
    GHashTable *names = names_of(m, conn, FALSE);
    if (names && g_hash_table_remove(names, name) && g_hash_table_size(names) == 0)
        g_hash_table_remove(m, conn);
}

gboolean nv_marks_toggle(NvMarks *m, NvConn *conn, const char *name)
{
    gboolean on = !nv_marks_has(m, conn, name);
    nv_marks_set(m, conn, name, on);
    return on;
}

guint nv_marks_count(NvMarks *m)
{
    guint n = 0;
    GHashTableIter it;
    gpointer names;
    g_hash_table_iter_init(&it, m);
    while (g_hash_table_iter_next(&it, NULL, &names))
        n += g_hash_table_size(names);
    return n;
}

void nv_marks_clear(NvMarks *m)
{
    g_hash_table_remove_all(m);
}

/* `alive` maps each host in view to the set of its names that still exist; marks of other
 * hosts (closed, or out of scope) are kept only if `keep_other_hosts`. */
void nv_marks_prune(NvMarks *m, GHashTable *alive, gboolean keep_other_hosts)
{
    GHashTableIter it;
    gpointer conn, names;
    g_hash_table_iter_init(&it, m);
    while (g_hash_table_iter_next(&it, &conn, &names)) {
        GHashTable *live = g_hash_table_lookup(alive, conn);
        if (!live) {
            if (!keep_other_hosts)
                g_hash_table_iter_remove(&it);
            continue;
        }
        GHashTableIter jt;
        gpointer name;
        g_hash_table_iter_init(&jt, names);
        while (g_hash_table_iter_next(&jt, &name, NULL))
            if (!g_hash_table_contains(live, name))
                g_hash_table_iter_remove(&jt);
        if (g_hash_table_size(names) == 0)
            g_hash_table_iter_remove(&it);
    }
}

void nv_marks_drop_conn(NvMarks *m, NvConn *conn)
{
    g_hash_table_remove(m, conn);
}
