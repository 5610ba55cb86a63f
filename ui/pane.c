/* The pane base, shared by every pane: the filter, marks, sorting, the rows an action applies
 * to, the rebuild from the model, and drawing the list and the details boxes. */
#include "ui-internal.h"

#define NV_SELECT_DELAY_MS 80

NvPane *nv_pane_new(const NvPaneClass *klass, NvApp *app)
{
    g_assert(klass->instance_size == 0 || klass->instance_size >= sizeof(NvPane));
    NvPane *pane = g_malloc0(klass->instance_size ? klass->instance_size : sizeof(NvPane));
    pane->klass = klass;
    pane->app = app;
    pane->filter = g_string_new("");
    pane->marked = nv_marks_new();
    nv_spans_init(&pane->spans);
    pane->sort_column = -1;
    nv_list_init(&pane->list);
    if (klass->init)
        klass->init(pane);
    return pane;
}

void nv_pane_free(NvPane *pane)
{
    if (!pane)
        return;
    if (pane->klass->finalize)
        pane->klass->finalize(pane);
    g_clear_handle_id(&pane->select_source, g_source_remove);
    nv_list_clear(&pane->list);
    g_string_free(pane->filter, TRUE);
    nv_marks_free(pane->marked);
    nv_spans_clear(&pane->spans);
    g_free(pane->last_selected_key);
    g_free(pane);
}

/* ---- items of several hosts ---- */

/* The hosts in view, in order, each with its items. */
static void build_spans(NvPane *pane)
{
    nv_spans_reset(&pane->spans);
    NvConn *scope = nv_app_scope(pane->app);
    for (guint i = 0; i < nv_app_n_conns(pane->app); i++) {
        NvConn *conn = nv_app_conn_at(pane->app, i);
        if (!scope || conn == scope)
            nv_spans_add(&pane->spans, conn, pane->klass->n_items(pane, conn));
    }
    if (pane->klass->n_loose)
        nv_spans_add(&pane->spans, NULL, pane->klass->n_loose(pane));
}

guint nv_pane_n_items(NvPane *pane)
{
    return pane->spans.total;
}

NvConn *nv_pane_item_conn(NvPane *pane, guint item, guint *local)
{
    return nv_spans_find(&pane->spans, item, local);
}

NvConn *nv_pane_conn(NvPane *pane)
{
    int item = nv_list_selected_item(&pane->list);
    NvConn *conn = item >= 0 ? nv_pane_item_conn(pane, (guint)item, NULL) : NULL;
    return conn ? conn : nv_app_get_conn(pane->app);
}

const NvModel *nv_pane_model(NvPane *pane)
{
    return nv_conn_model(nv_pane_conn(pane));
}

gboolean nv_pane_show_hosts(NvPane *pane)
{
    return nv_app_n_conns(pane->app) > 1 && !pane->klass->rows_are_hosts;
}

void nv_pane_forget_conn(NvPane *pane, NvConn *conn)
{
    nv_marks_drop_conn(pane->marked, conn);
    if (pane->last_selected_conn == conn)
        pane->last_selected_conn = NULL;
    /* The rows still name it until the rebuild that follows: none of them may be reached. */
    nv_spans_reset(&pane->spans);
    g_array_set_size(pane->list.rows, 0);
}

static const char *item_key(NvPane *pane, guint item, NvConn **conn)
{
    guint local;
    *conn = nv_pane_item_conn(pane, item, &local);
    return item < nv_pane_n_items(pane) ? pane->klass->item_name(pane, item) : NULL;
}

void nv_pane_set_details_focus(NvPane *pane, gboolean focus)
{
    pane->details_focus = focus;
    nv_app_dirty(pane->app);
}

gboolean nv_pane_details_focused(NvPane *pane)
{
    return pane->details_focus;
}

/* ---- selection and filtering ---- */

static gboolean notify_selected(gpointer data)
{
    NvPane *pane = data;
    pane->select_source = 0;
    if (pane->klass->selected)
        pane->klass->selected(pane, nv_list_selected_item(&pane->list));
    return G_SOURCE_REMOVE;
}

/* Holding a key down moves the selection many times a second; fetch details only once it
 * rests, so a slow link does not queue a request per row. */
void nv_pane_selection_changed(NvPane *pane, gboolean at_once)
{
    pane->details_scroll = 0;
    int item = nv_list_selected_item(&pane->list);
    g_free(pane->last_selected_key);
    pane->last_selected_key = NULL;
    pane->last_selected_conn = NULL;
    if (item >= 0)
        pane->last_selected_key = g_strdup(item_key(pane, (guint)item, &pane->last_selected_conn));
    g_clear_handle_id(&pane->select_source, g_source_remove);
    if (at_once)
        notify_selected(pane);
    else
        pane->select_source = g_timeout_add(NV_SELECT_DELAY_MS, notify_selected, pane);
}

gboolean nv_pane_move(NvPane *pane, NvAction a)
{
    if (!nv_list_move(&pane->list, a, pane->list_page))
        return FALSE;
    nv_pane_selection_changed(pane, FALSE);
    return TRUE;
}

gboolean nv_pane_is_marked(NvPane *pane, guint item)
{
    if (g_hash_table_size(pane->marked) == 0)
        return FALSE;
    NvConn *conn;
    const char *name = item_key(pane, item, &conn);
    return conn && nv_marks_has(pane->marked, conn, name);
}

static int compare_guint(gconstpointer a, gconstpointer b)
{
    guint x = *(const guint *)a, y = *(const guint *)b;
    return x < y ? -1 : x > y;
}

/* Only the marked rows the filter shows: an action must not reach rows the user cannot see
 * (nv_pane_marked_hidden counts those left out, for the caller to say so). */
GArray *nv_pane_targets(NvPane *pane)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
    if (g_hash_table_size(pane->marked) > 0) {
        GArray *rows = pane->list.rows;
        for (guint r = 0; rows && r < rows->len; r++) {
            guint item = g_array_index(rows, guint, r);
            if (nv_pane_is_marked(pane, item))
                g_array_append_val(out, item);
        }
        g_array_sort(out, compare_guint); /* the model's order, whatever the sort */
        return out;
    }
    int item = nv_list_selected_item(&pane->list);
    if (item >= 0) {
        guint u = (guint)item;
        g_array_append_val(out, u);
    }
    return out;
}

guint nv_pane_marked_hidden(NvPane *pane)
{
    if (g_hash_table_size(pane->marked) == 0)
        return 0;
    guint marked = nv_marks_count(pane->marked), shown = 0;
    GArray *rows = pane->list.rows;
    for (guint r = 0; rows && r < rows->len; r++)
        shown += nv_pane_is_marked(pane, g_array_index(rows, guint, r));
    return marked - shown;
}

/* A mark on an object that is gone (undefined behind our back) must not linger; marks on a
 * host out of the scope stay for when it is back in view. */
static void prune_marks(NvPane *pane, guint n)
{
    if (g_hash_table_size(pane->marked) == 0)
        return;
    g_autoptr(GHashTable) alive = g_hash_table_new_full(g_direct_hash, g_direct_equal, NULL,
                                                        (GDestroyNotify)g_hash_table_unref);
    for (guint i = 0; i < n; i++) {
        NvConn *conn;
        const char *name = item_key(pane, i, &conn);
        if (!conn)
            continue; /* a loose item has no mark */
        GHashTable *names = g_hash_table_lookup(alive, conn);
        if (!names) {
            names = g_hash_table_new(g_str_hash, g_str_equal);
            g_hash_table_insert(alive, conn, names);
        }
        g_hash_table_add(names, (gpointer)name);
    }
    /* A host in view with no items at all has nothing left to mark. */
    for (guint i = 0; i < nv_app_n_conns(pane->app); i++) {
        NvConn *conn = nv_app_conn_at(pane->app, i);
        guint first, count;
        if (nv_spans_range(&pane->spans, conn, &first, &count) && count == 0)
            g_hash_table_insert(alive, conn, g_hash_table_new(g_str_hash, g_str_equal));
    }
    nv_marks_prune(pane->marked, alive, TRUE);
}

static void toggle_mark(NvPane *pane)
{
    int item = nv_list_selected_item(&pane->list);
    if (item < 0)
        return;
    NvConn *conn;
    const char *name = item_key(pane, (guint)item, &conn);
    nv_marks_toggle(pane->marked, conn, name);
    nv_list_move(&pane->list, NV_ACTION_DOWN, 1);
    nv_pane_selection_changed(pane, FALSE);
}

/* With marks: clear them all; without: mark every row the filter shows. */
static void mark_all(NvPane *pane)
{
    if (g_hash_table_size(pane->marked) > 0) {
        nv_marks_clear(pane->marked);
        return;
    }
    for (guint r = 0; r < pane->list.rows->len; r++) {
        NvConn *conn;
        const char *name = item_key(pane, g_array_index(pane->list.rows, guint, r), &conn);
        nv_marks_set(pane->marked, conn, name, TRUE);
    }
}

/* ---- sorting ---- */

/* In the hosts' order (as given with -c, then added): no string compared, since a re-sort
 * runs on every refresh over every host's rows. */
static int compare_hosts(NvPane *pane, guint x, guint y)
{
    int a = nv_spans_host_index(&pane->spans, x), b = nv_spans_host_index(&pane->spans, y);
    return (a > b) - (a < b);
}

/* Equal keys keep the model's order (by name) in both directions, so equal rows never swap
 * places from one refresh to the next. */
static gint compare_rows(gconstpointer a, gconstpointer b, gpointer data)
{
    NvPane *pane = data;
    guint x = *(const guint *)a, y = *(const guint *)b;
    int c = pane->sort_column == NV_SORT_HOST ? compare_hosts(pane, x, y)
                                              : pane->klass->compare[pane->sort_column](pane, x, y);
    if (pane->sort_reverse)
        c = c > 0 ? -1 : c < 0;
    return c ? c : (x > y) - (x < y);
}

/* Sorts the visible rows (indices, never the model) on the pane's sort column; the selection
 * stays on the same item when `keep_selection`. */
static void sort_rows(NvPane *pane, gboolean keep_selection)
{
    NvList *list = &pane->list;
    if (pane->sort_column == -1 || list->rows->len < 2)
        return;
    int item = keep_selection ? nv_list_selected_item(list) : -1;
    g_array_sort_with_data(list->rows, compare_rows, pane);
    for (guint r = 0; item >= 0 && r < list->rows->len; r++) {
        if (g_array_index(list->rows, guint, r) == (guint)item) {
            list->selected = r;
            break;
        }
    }
}

void nv_pane_resort(NvPane *pane)
{
    if (pane->sort_column == -1)
        return;
    sort_rows(pane, TRUE);
}

/* `o`: the next column that can be sorted on, ascending; after the last, the first again. */
static void sort_next(NvPane *pane)
{
    const NvCompareFunc *compare = pane->klass->compare;
    int n = 0, first = -1, next = -1;
    while (compare && pane->klass->columns[n].title)
        n++;
    for (int c = 0; c < n; c++) {
        if (!compare[c])
            continue;
        if (first < 0)
            first = c;
        if (next < 0 && c > pane->sort_column) /* NV_SORT_HOST < every column */
            next = c;
    }
    if (first < 0)
        return;
    gboolean hosts = nv_pane_show_hosts(pane);
    /* The Host column comes first, and again after the last column. */
    if (hosts && (pane->sort_column == -1 || (pane->sort_column != NV_SORT_HOST && next < 0)))
        next = NV_SORT_HOST;
    pane->sort_column = next != -1 ? next : first;
    pane->sort_reverse = FALSE;
    nv_pane_resort(pane);
}

/* `O`: the other direction (sorting on the first sortable column if there was no sort). */
static void sort_reverse(NvPane *pane)
{
    if (pane->sort_column == -1) {
        sort_next(pane);
        if (pane->sort_column == -1)
            return;
    }
    pane->sort_reverse = !pane->sort_reverse;
    nv_pane_resort(pane);
}

void nv_pane_rebuild(NvPane *pane)
{
    NvList *list = &pane->list;
    int old_item = nv_list_selected_item(list);
    g_array_set_size(list->rows, 0);
    build_spans(pane);
    guint n = nv_pane_n_items(pane);
    g_autoptr(NvFilter) filter = nv_filter_new(pane->filter->str);
    gboolean found = FALSE;
    for (guint i = 0; i < n; i++) {
        const char *title = pane->klass->item_title ? pane->klass->item_title(pane, i) : NULL;
        NvConn *conn;
        const char *name = item_key(pane, i, &conn);
        /* The filter matches host names too: "hv2" shows every row of hv2. */
        if (!nv_filter_matches(filter, name, title) &&
            !nv_filter_matches(filter, conn ? nv_conn_name(conn) : NULL, NULL))
            continue;
        /* Keep the selection on the same object (by host and name) across reloads. */
        if (!found && pane->last_selected_key && conn == pane->last_selected_conn &&
            g_strcmp0(name, pane->last_selected_key) == 0) {
            list->selected = list->rows->len;
            found = TRUE;
        }
        g_array_append_val(list->rows, i);
    }
    sort_rows(pane, found);
    nv_list_keep_in_range(list);
    prune_marks(pane, n);
    int new_item = nv_list_selected_item(list);
    NvConn *new_conn = NULL;
    const char *new_key = new_item >= 0 ? item_key(pane, (guint)new_item, &new_conn) : NULL;
    /* Typing a filter moves the selection on every key: fetch its details once it rests,
     * except for the very first selection, which should show at once. */
    if (!found || old_item < 0 || g_strcmp0(new_key, pane->last_selected_key) != 0 ||
        new_conn != pane->last_selected_conn)
        nv_pane_selection_changed(pane, old_item < 0);
    nv_app_dirty(pane->app);
}

/* ---- the filter ---- */

void nv_pane_filter_clear(NvPane *pane)
{
    g_string_truncate(pane->filter, 0);
    nv_pane_rebuild(pane);
}

void nv_pane_filter_erase(NvPane *pane)
{
    if (pane->filter->len == 0)
        return;
    char *end = pane->filter->str + pane->filter->len;
    char *prev = g_utf8_find_prev_char(pane->filter->str, end);
    g_string_truncate(pane->filter, prev ? (gsize)(prev - pane->filter->str) : 0);
    nv_pane_rebuild(pane);
}

void nv_pane_filter_append(NvPane *pane, gunichar c)
{
    g_string_append_unichar(pane->filter, c);
    nv_pane_rebuild(pane);
}

/* ---- the list's own actions ---- */

static void scroll_details(NvPane *pane, NvAction a)
{
    int step = (a == NV_ACTION_PAGE_UP || a == NV_ACTION_PAGE_DOWN) ? pane->details_page : 1;
    if (a == NV_ACTION_UP || a == NV_ACTION_PAGE_UP)
        pane->details_scroll = MAX(0, pane->details_scroll - step);
    else if (a == NV_ACTION_HOME)
        pane->details_scroll = 0;
    else
        pane->details_scroll += a == NV_ACTION_END ? 10000 : step;
}

gboolean nv_pane_list_action(NvPane *pane, NvAction a)
{
    if (nv_list_is_move(a)) {
        if (pane->details_focus)
            scroll_details(pane, a);
        else
            nv_pane_move(pane, a);
        return TRUE;
    }
    switch (a) {
    case NV_ACTION_DETAILS:
        pane->details_focus = TRUE;
        return TRUE;
    case NV_ACTION_BACK:
        if (pane->details_focus)
            pane->details_focus = FALSE;
        else if (pane->filter->len)
            nv_pane_filter_clear(pane);
        return TRUE;
    case NV_ACTION_MARK:
        if (pane->klass->markable)
            toggle_mark(pane);
        return TRUE;
    case NV_ACTION_MARK_ALL:
        if (pane->klass->markable)
            mark_all(pane);
        return TRUE;
    case NV_ACTION_SORT:
        sort_next(pane);
        return TRUE;
    case NV_ACTION_SORT_REVERSE:
        sort_reverse(pane);
        return TRUE;
    default:
        return FALSE;
    }
}

/* ---- drawing ---- */

/* Splits `width` among the columns: fixed ones first, the flexible one takes the rest. */
static int column_width(const NvColumn *cols, guint i, int width)
{
    if (cols[i].width > 0)
        return MIN(cols[i].width, width);
    int fixed = 0;
    for (guint j = 0; cols[j].title; j++)
        if (j != i)
            fixed += cols[j].width + 1;
    return MAX(0, width - fixed);
}

static char *cell_text(NvPane *pane, int item, guint c)
{
    const NvColumn *cols = pane->klass->columns;
    if (item >= 0)
        return pane->klass->cell(pane, (guint)item, c);
    if ((int)c == pane->sort_column)
        return g_strconcat(_(cols[c].title), pane->sort_reverse ? "▼" : "▲", NULL);
    return g_strdup(_(cols[c].title));
}

static void draw_cell(int y, int x, int width, const char *text, gboolean right, attr_t base)
{
    if (!right) {
        nv_draw_text(stdscr, y, x, text, width, base);
        return;
    }
    g_autofree char *clean = nv_text_sanitize(text);
    int tw = nv_text_width(clean);
    if (tw < width) {
        nv_draw_fill(stdscr, y, x, width - tw, base);
        nv_draw_text(stdscr, y, x + width - tw, clean, tw, base);
    } else {
        nv_draw_text(stdscr, y, x, clean, width, base);
    }
}

/* As wide as the longest host name (within reason), for the Host column. */
static int host_column_width(NvPane *pane)
{
    int w = nv_text_width(_("Host")) + 1;
    for (guint i = 0; i < nv_app_n_conns(pane->app); i++)
        w = MAX(w, nv_text_width(nv_conn_name(nv_app_conn_at(pane->app, i))));
    return MIN(w, 16);
}

/* The Host column before the pane's own, when several hosts are open. */
static void draw_host_cell(NvPane *pane, int y, int *x, int *width, int item, attr_t base)
{
    int hw = MIN(pane->host_width, *width);
    g_autofree char *text = NULL;
    if (item >= 0)
        text = g_strdup(nv_conn_name(nv_pane_item_conn(pane, (guint)item, NULL)));
    else if (pane->sort_column == NV_SORT_HOST)
        text = g_strconcat(_("Host"), pane->sort_reverse ? "▼" : "▲", NULL);
    else
        text = g_strdup(_("Host"));
    draw_cell(y, *x, hw, text, FALSE, base);
    *x += hw;
    *width -= hw;
    if (*width > 0) {
        nv_draw_fill(stdscr, y, *x, 1, base);
        (*x)++;
        (*width)--;
    }
}

static void draw_row(NvPane *pane, int y, int x, int width, int item, attr_t base)
{
    const NvColumn *cols = pane->klass->columns;
    if (pane->klass->markable && width > 2) {
        gboolean marked = item >= 0 && nv_pane_is_marked(pane, (guint)item);
        nv_draw_text(stdscr, y, x, marked ? "*" : " ", 1, base | (marked ? A_BOLD : 0));
        nv_draw_fill(stdscr, y, x + 1, 1, base);
        x += 2;
        width -= 2;
    }
    if (nv_pane_show_hosts(pane) && width > 0)
        draw_host_cell(pane, y, &x, &width, item, base);
    int cx = x;
    for (guint c = 0; cols[c].title && cx < x + width; c++) {
        int cw = MIN(column_width(cols, c, width), x + width - cx);
        g_autofree char *text = cell_text(pane, item, c);
        draw_cell(y, cx, cw, text, cols[c].right, base);
        cx += cw;
        if (cx < x + width) {
            nv_draw_fill(stdscr, y, cx, 1, base);
            cx++;
        }
    }
    if (cx < x + width)
        nv_draw_fill(stdscr, y, cx, x + width - cx, base);
}

static char *list_title(NvPane *pane)
{
    g_autofree char *title = NULL;
    if (pane->filter->len)
        title = g_strdup_printf(
            ngettext("%s (%u of %u) /%s", "%s (%u of %u) /%s", nv_pane_n_items(pane)),
            _(pane->klass->name), pane->list.rows->len, nv_pane_n_items(pane), pane->filter->str);
    else
        title = g_strdup_printf("%s (%u)", _(pane->klass->name), pane->list.rows->len);
    guint nmarked = nv_marks_count(pane->marked);
    if (nmarked)
        return g_strdup_printf(ngettext("%s, %u marked", "%s, %u marked", nmarked), title, nmarked);
    return g_steal_pointer(&title);
}

static gboolean row_host_connected(NvPane *pane, guint item)
{
    NvConn *conn = nv_pane_item_conn(pane, item, NULL);
    return !conn || nv_conn_get_state(conn) == NV_CONN_CONNECTED;
}

static gboolean any_host_connected(NvPane *pane)
{
    NvConn *scope = nv_app_scope(pane->app);
    for (guint i = 0; i < nv_app_n_conns(pane->app); i++) {
        NvConn *conn = nv_app_conn_at(pane->app, i);
        if ((!scope || conn == scope) && nv_conn_get_state(conn) == NV_CONN_CONNECTED)
            return TRUE;
    }
    return FALSE;
}

void nv_pane_draw_list(NvPane *pane, int y, int x, int h, int w)
{
    g_autofree char *title = list_title(pane);
    nv_draw_box(stdscr, y, x, h, w, title, !pane->details_focus);
    int inner_h = h - 3, inner_w = w - 2;
    if (inner_h <= 0 || inner_w <= 0)
        return;
    pane->host_width = nv_pane_show_hosts(pane) ? host_column_width(pane) : 0;
    draw_row(pane, y + 1, x + 1, inner_w, -1, A_BOLD | A_UNDERLINE);
    pane->list_page = inner_h;
    NvList *list = &pane->list;
    nv_list_scroll(list, inner_h);
    for (int r = 0; r < inner_h; r++) {
        guint row = list->top + (guint)r;
        int yy = y + 2 + r;
        if (row >= list->rows->len) {
            nv_draw_fill(stdscr, yy, x + 1, inner_w, A_NORMAL);
            continue;
        }
        guint item = g_array_index(list->rows, guint, row);
        attr_t attr = COLOR_PAIR(pane->klass->row_color ? pane->klass->row_color(pane, item) : 0);
        /* A host that is not connected keeps its last rows, greyed. */
        if (!pane->klass->rows_are_hosts && !row_host_connected(pane, item))
            attr = A_DIM;
        if (row == list->selected)
            attr = COLOR_PAIR(NV_COLOR_SELECTED) | (pane->details_focus ? 0 : A_BOLD);
        draw_row(pane, yy, x + 1, inner_w, (int)item, attr);
    }
    if (list->rows->len == 0) {
        const char *empty = pane->filter->len          ? _("no match for the filter")
                            : any_host_connected(pane) ? _("none")
                                                       : _("not loaded yet");
        nv_draw_text(stdscr, y + 2, x + 2, empty, inner_w - 2, A_DIM);
    }
}

void nv_pane_draw_details(NvPane *pane, int y, int x, int h, int w)
{
    int item = nv_list_selected_item(&pane->list);
    const char *title = item >= 0 && pane->klass->details_title
                            ? pane->klass->details_title(pane, item)
                            : _("Details");
    nv_draw_box(stdscr, y, x, h, w, title, pane->details_focus);
    g_autoptr(NvLines) lines = nv_lines_new();
    pane->details_width = w - 4;
    pane->klass->details(pane, item, lines);
    int inner_h = h - 2;
    pane->details_page = MAX(1, inner_h);
    int max_scroll = MAX(0, (int)lines->labels->len - inner_h);
    pane->details_scroll = CLAMP(pane->details_scroll, 0, max_scroll);
    nv_lines_draw(lines, stdscr, y + 1, x + 2, inner_h, w - 4, pane->details_scroll);
}
