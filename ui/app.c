/* The TUI's main loop: stdin, signals and connection changes wake one GLib loop; keys go
 * through the keymap (innermost context first); the screen is redrawn once per wake-up. */
#include <fcntl.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <signal.h>
#include <unistd.h>

#include "ui-internal.h"

#define NV_MIN_COLS 60
#define NV_MIN_ROWS 15
#define NV_WIDE_COLS 120
#define NV_SELECT_DELAY_MS 80
#define NV_SPINNER_MS 150
#define NV_STATUS_SECONDS 10

static const char *const spinner_frames[] = {"⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"};

NvConn *nv_app_conn(NvPane *pane)
{
    return pane->app->conn;
}

const NvModel *nv_app_model(NvPane *pane)
{
    return nv_conn_model(pane->app->conn);
}

static gboolean draw_now(gpointer data);

void nv_app_dirty(NvApp *app)
{
    app->dirty = TRUE;
    if (!app->draw_source)
        app->draw_source = g_idle_add(draw_now, app);
}

static gboolean pacer_due(gpointer data)
{
    NvPacer *p = data;
    p->source = 0;
    nv_app_dirty(p->app);
    return G_SOURCE_REMOVE;
}

void nv_pacer_changed(NvPacer *p)
{
    if (p->source)
        return; /* a paint is already due */
    gint64 wait = p->painted_us + p->interval_us - g_get_monotonic_time();
    if (wait <= 0)
        nv_app_dirty(p->app);
    else
        p->source = g_timeout_add((guint)(wait / G_TIME_SPAN_MILLISECOND) + 1, pacer_due, p);
}

void nv_pacer_painted(NvPacer *p)
{
    p->painted_us = g_get_monotonic_time();
}

void nv_pacer_clear(NvPacer *p)
{
    g_clear_handle_id(&p->source, g_source_remove);
}

static NvPane *current_pane(NvApp *app)
{
    return &app->panes[app->current];
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
static void selection_changed(NvPane *pane, gboolean at_once)
{
    pane->details_scroll = 0;
    int item = nv_list_selected_item(&pane->list);
    g_free(pane->last_selected_key);
    pane->last_selected_key = item >= 0 ? g_strdup(pane->klass->item_name(pane, item)) : NULL;
    g_clear_handle_id(&pane->select_source, g_source_remove);
    if (at_once)
        notify_selected(pane);
    else
        pane->select_source = g_timeout_add(NV_SELECT_DELAY_MS, notify_selected, pane);
}

gboolean nv_pane_is_marked(NvPane *pane, guint item)
{
    return g_hash_table_size(pane->marked) > 0 &&
           g_hash_table_contains(pane->marked, pane->klass->item_name(pane, item));
}

GArray *nv_pane_targets(NvPane *pane)
{
    GArray *out = g_array_new(FALSE, FALSE, sizeof(guint));
    if (g_hash_table_size(pane->marked) > 0) {
        guint n = pane->klass->n_items(pane);
        for (guint i = 0; i < n; i++)
            if (nv_pane_is_marked(pane, i))
                g_array_append_val(out, i);
        return out;
    }
    int item = nv_list_selected_item(&pane->list);
    if (item >= 0) {
        guint u = (guint)item;
        g_array_append_val(out, u);
    }
    return out;
}

/* A mark on an object that is gone (undefined behind our back) must not linger. */
static void prune_marks(NvPane *pane, guint n)
{
    if (g_hash_table_size(pane->marked) == 0)
        return;
    g_autoptr(GHashTable) alive = g_hash_table_new(g_str_hash, g_str_equal);
    for (guint i = 0; i < n; i++)
        g_hash_table_add(alive, (gpointer)pane->klass->item_name(pane, i));
    GHashTableIter it;
    gpointer key;
    g_hash_table_iter_init(&it, pane->marked);
    while (g_hash_table_iter_next(&it, &key, NULL))
        if (!g_hash_table_contains(alive, key))
            g_hash_table_iter_remove(&it);
}

static void toggle_mark(NvPane *pane)
{
    int item = nv_list_selected_item(&pane->list);
    if (item < 0)
        return;
    const char *name = pane->klass->item_name(pane, (guint)item);
    if (!g_hash_table_remove(pane->marked, name))
        g_hash_table_add(pane->marked, g_strdup(name));
    nv_list_move(&pane->list, NV_ACTION_DOWN, 1);
    selection_changed(pane, FALSE);
}

/* With marks: clear them all; without: mark every row the filter shows. */
static void mark_all(NvPane *pane)
{
    if (g_hash_table_size(pane->marked) > 0) {
        g_hash_table_remove_all(pane->marked);
        return;
    }
    for (guint r = 0; r < pane->list.rows->len; r++) {
        guint item = g_array_index(pane->list.rows, guint, r);
        g_hash_table_add(pane->marked, g_strdup(pane->klass->item_name(pane, item)));
    }
}

/* Equal keys keep the model's order (by name) in both directions, so equal rows never swap
 * places from one refresh to the next. */
static gint compare_rows(gconstpointer a, gconstpointer b, gpointer data)
{
    NvPane *pane = data;
    guint x = *(const guint *)a, y = *(const guint *)b;
    int c = pane->klass->compare[pane->sort_column](pane, x, y);
    if (pane->sort_reverse)
        c = c > 0 ? -1 : c < 0;
    return c ? c : (x > y) - (x < y);
}

/* Sorts the visible rows (indices, never the model) on the pane's sort column; the selection
 * stays on the same item when `keep_selection`. */
static void sort_rows(NvPane *pane, gboolean keep_selection)
{
    NvList *list = &pane->list;
    if (pane->sort_column < 0 || list->rows->len < 2)
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

/* Live numbers changed (or the sort did): rows move, the selection moves with its item. The
 * caller redraws. */
static void resort(NvPane *pane)
{
    if (pane->sort_column < 0)
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
        if (next < 0 && c > pane->sort_column)
            next = c;
    }
    if (first < 0)
        return;
    pane->sort_column = next >= 0 ? next : first;
    pane->sort_reverse = FALSE;
    resort(pane);
}

/* `O`: the other direction (sorting on the first sortable column if there was no sort). */
static void sort_reverse(NvPane *pane)
{
    if (pane->sort_column < 0) {
        sort_next(pane);
        if (pane->sort_column < 0)
            return;
    }
    pane->sort_reverse = !pane->sort_reverse;
    resort(pane);
}

void nv_pane_rebuild(NvPane *pane)
{
    NvList *list = &pane->list;
    int old_item = nv_list_selected_item(list);
    g_array_set_size(list->rows, 0);
    guint n = pane->klass->n_items(pane);
    g_autoptr(NvFilter) filter = nv_filter_new(pane->filter->str);
    gboolean found = FALSE;
    for (guint i = 0; i < n; i++) {
        const char *title = pane->klass->item_title ? pane->klass->item_title(pane, i) : NULL;
        if (!nv_filter_matches(filter, pane->klass->item_name(pane, i), title))
            continue;
        /* Keep the selection on the same object (by name) across reloads and filtering. */
        if (!found && pane->last_selected_key &&
            g_strcmp0(pane->klass->item_name(pane, i), pane->last_selected_key) == 0) {
            list->selected = list->rows->len;
            found = TRUE;
        }
        g_array_append_val(list->rows, i);
    }
    sort_rows(pane, found);
    nv_list_keep_in_range(list);
    prune_marks(pane, n);
    int new_item = nv_list_selected_item(list);
    const char *new_key = new_item >= 0 ? pane->klass->item_name(pane, new_item) : NULL;
    /* Typing a filter moves the selection on every key: fetch its details once it rests,
     * except for the very first selection, which should show at once. */
    if (!found || old_item < 0 || g_strcmp0(new_key, pane->last_selected_key) != 0)
        selection_changed(pane, old_item < 0);
    nv_app_dirty(pane->app);
}

/* ---- connection changes ---- */

static gboolean spinner_tick(gpointer data)
{
    NvApp *app = data;
    app->spinner_phase++;
    if (nv_conn_busy(app->conn) == 0 && nv_conn_get_state(app->conn) != NV_CONN_CONNECTING &&
        app->jobs->len == 0) {
        app->spinner_source = 0;
        nv_app_dirty(app);
        return G_SOURCE_REMOVE;
    }
    nv_app_dirty(app);
    return G_SOURCE_CONTINUE;
}

static void set_status(NvApp *app, const char *msg, gboolean error);

static gboolean status_expired(gpointer data)
{
    NvApp *app = data;
    app->status_source = 0;
    g_clear_pointer(&app->status, g_free);
    nv_app_dirty(app);
    return G_SOURCE_REMOVE;
}

/* A message stays long enough to be read, then the key hints come back; a connection that is
 * down keeps its message, since that state lasts. */
void nv_app_message(NvApp *app, const char *msg, gboolean error)
{
    set_status(app, msg, error);
}

void nv_app_open_view(NvApp *app, NvView *view)
{
    nv_app_close_view(app);
    app->view = view;
    clearok(curscr, TRUE);
    nv_app_dirty(app);
}

void nv_app_close_view(NvApp *app)
{
    NvView *view = g_steal_pointer(&app->view);
    if (!view)
        return;
    view->klass->free(view);
    /* A raw view wrote past curses: make curses repaint everything from scratch. */
    clearok(curscr, TRUE);
    nv_app_dirty(app);
}

static void set_status(NvApp *app, const char *msg, gboolean error)
{
    g_free(app->status);
    app->status = g_strdup(msg);
    app->status_is_error = error;
    g_clear_handle_id(&app->status_source, g_source_remove);
    if (nv_conn_get_state(app->conn) != NV_CONN_DISCONNECTED)
        app->status_source = g_timeout_add_seconds(NV_STATUS_SECONDS, status_expired, app);
    nv_app_dirty(app);
}

static void on_conn_changed(NvConn *conn, unsigned changes, gpointer data)
{
    NvApp *app = data;
    if (changes & NV_CHANGE_DOMAINS)
        nv_pane_rebuild(&app->panes[0]);
    if (changes & NV_CHANGE_POOLS)
        nv_pane_rebuild(&app->panes[1]);
    if (changes & (NV_CHANGE_NETWORKS | NV_CHANGE_IFACES))
        nv_pane_rebuild(&app->panes[2]);
    if (changes & (NV_CHANGE_HOST | NV_CHANGE_STATE))
        nv_pane_rebuild(&app->panes[3]);
    if ((changes & NV_CHANGE_STATS) && !(changes & NV_CHANGE_DOMAINS))
        resort(&app->panes[0]);
    if (app->view && app->view->klass->model_changed)
        app->view->klass->model_changed(app->view, changes);
    if (changes & NV_CHANGE_MESSAGE) {
        g_autofree char *msg = nv_conn_take_message(conn);
        if (msg)
            set_status(app, msg, nv_conn_get_state(conn) != NV_CONN_CONNECTED);
    }
    if (nv_conn_busy(conn) > 0 && !app->spinner_source)
        app->spinner_source = g_timeout_add(NV_SPINNER_MS, spinner_tick, app);
    /* Live numbers show in the Domains and Host panes only: a refresh tick while another pane,
     * the help or a console is up has nothing to draw. */
    gboolean stats_shown =
        !app->view && !app->help_open && (app->current == 0 || app->current == 3);
    if (changes != NV_CHANGE_STATS || stats_shown)
        nv_app_dirty(app);
}

/* ---- keys ---- */

static void switch_pane(NvApp *app, guint index)
{
    if (index == app->current)
        return;
    app->current = index;
    app->details_focus = FALSE;
    app->filter_editing = FALSE;
    NvPane *pane = current_pane(app);
    selection_changed(pane, TRUE);
    nv_app_dirty(app);
}

static NvAction lookup_chain(NvApp *app, NvKey key, const NvContext *chain, guint n)
{
    for (guint i = 0; i < n; i++) {
        NvAction a = nv_keymap_lookup(app->keymap, chain[i], key);
        if (a != NV_ACTION_NONE)
            return a;
    }
    return NV_ACTION_NONE;
}

static int help_page(NvApp *app)
{
    return MAX(1, app->rows - 6);
}

static void handle_help_key(NvApp *app, NvKey key)
{
    const NvContext chain[] = {NV_CTX_HELP, NV_CTX_GLOBAL};
    NvAction a = lookup_chain(app, key, chain, G_N_ELEMENTS(chain));
    int max = MAX(0, nv_help_line_count(app) - help_page(app));
    switch (a) {
    case NV_ACTION_BACK:
    case NV_ACTION_HELP:
        app->help_open = FALSE;
        break;
    case NV_ACTION_QUIT:
        g_main_loop_quit(app->loop);
        break;
    case NV_ACTION_UP:
        app->help_scroll = MAX(0, app->help_scroll - 1);
        break;
    case NV_ACTION_DOWN:
        app->help_scroll = MIN(max, app->help_scroll + 1);
        break;
    case NV_ACTION_PAGE_UP:
        app->help_scroll = MAX(0, app->help_scroll - help_page(app));
        break;
    case NV_ACTION_PAGE_DOWN:
        app->help_scroll = MIN(max, app->help_scroll + help_page(app));
        break;
    case NV_ACTION_REDRAW:
        clearok(curscr, TRUE);
        break;
    default:
        break;
    }
    nv_app_dirty(app);
}

static void filter_changed(NvApp *app)
{
    nv_pane_rebuild(current_pane(app));
}

static void handle_filter_key(NvApp *app, NvKey key)
{
    NvPane *pane = current_pane(app);
    const NvContext chain[] = {NV_CTX_FILTER};
    NvAction a = lookup_chain(app, key, chain, G_N_ELEMENTS(chain));
    switch (a) {
    case NV_ACTION_FILTER_DONE:
        app->filter_editing = FALSE;
        break;
    case NV_ACTION_FILTER_CANCEL:
        app->filter_editing = FALSE;
        g_string_truncate(pane->filter, 0);
        filter_changed(app);
        break;
    case NV_ACTION_FILTER_ERASE:
        if (pane->filter->len > 0) {
            char *end = pane->filter->str + pane->filter->len;
            char *prev = g_utf8_find_prev_char(pane->filter->str, end);
            g_string_truncate(pane->filter, prev ? (gsize)(prev - pane->filter->str) : 0);
            filter_changed(app);
        }
        break;
    case NV_ACTION_UP:
    case NV_ACTION_DOWN:
    case NV_ACTION_PAGE_UP:
    case NV_ACTION_PAGE_DOWN:
        if (nv_list_move(&pane->list, a, app->list_page))
            selection_changed(pane, FALSE);
        break;
    default:
        if ((key & NV_KEY_MODS) == 0 && key >= 32 && key < NV_KEY_SPECIAL &&
            g_unichar_isprint(key)) {
            g_string_append_unichar(pane->filter, key);
            filter_changed(app);
        }
        break;
    }
    nv_app_dirty(app);
}

static void handle_list_action(NvApp *app, NvAction a)
{
    NvPane *pane = current_pane(app);
    switch (a) {
    case NV_ACTION_UP:
    case NV_ACTION_DOWN:
    case NV_ACTION_PAGE_UP:
    case NV_ACTION_PAGE_DOWN:
    case NV_ACTION_HOME:
    case NV_ACTION_END:
        if (app->details_focus) {
            int step = (a == NV_ACTION_PAGE_UP || a == NV_ACTION_PAGE_DOWN) ? app->details_page : 1;
            if (a == NV_ACTION_UP || a == NV_ACTION_PAGE_UP)
                pane->details_scroll = MAX(0, pane->details_scroll - step);
            else if (a == NV_ACTION_HOME)
                pane->details_scroll = 0;
            else
                pane->details_scroll += a == NV_ACTION_END ? 10000 : step;
        } else if (nv_list_move(&pane->list, a, app->list_page)) {
            selection_changed(pane, FALSE);
        }
        break;
    case NV_ACTION_DETAILS:
        app->details_focus = TRUE;
        break;
    case NV_ACTION_BACK:
        if (app->details_focus) {
            app->details_focus = FALSE;
        } else if (pane->filter->len) {
            g_string_truncate(pane->filter, 0);
            filter_changed(app);
        }
        break;
    case NV_ACTION_FILTER:
        app->details_focus = FALSE;
        app->filter_editing = TRUE;
        break;
    case NV_ACTION_MARK:
        if (pane->klass->markable)
            toggle_mark(pane);
        break;
    case NV_ACTION_MARK_ALL:
        if (pane->klass->markable)
            mark_all(pane);
        break;
    case NV_ACTION_SORT:
        sort_next(pane);
        break;
    case NV_ACTION_SORT_REVERSE:
        sort_reverse(pane);
        break;
    default:
        break;
    }
}

static void handle_view_key(NvApp *app, NvKey key)
{
    NvView *view = app->view;
    if (key == NV_KEY_MOUSE) {
        int y, x;
        unsigned long buttons;
        if (view->klass->mouse && nv_screen_mouse(&y, &x, &buttons))
            view->klass->mouse(view, y, x, buttons);
        return;
    }
    NvAction a = nv_keymap_lookup(app->keymap, view->klass->context, key);
    if (a == NV_ACTION_NONE)
        view->klass->key(view, key);
    else if (!view->klass->action(view, a))
        nv_app_close_view(app);
    nv_app_dirty(app);
}

static void resized(NvApp *app)
{
    clearok(curscr, TRUE);
    if (app->view && app->view->klass->resize)
        app->view->klass->resize(app->view);
    nv_app_dirty(app);
}

static void cancel_newest_job(NvApp *app);

static NvViewFactory factories[NV_ACTION_COUNT];

void nv_ui_set_factory(NvAction action, NvViewFactory factory)
{
    if ((unsigned)action < NV_ACTION_COUNT)
        factories[action] = factory;
}

/* An action an upper layer registered a view for (a wizard); TRUE when there was one. */
static gboolean open_factory_view(NvApp *app, NvAction a)
{
    if ((unsigned)a >= NV_ACTION_COUNT || !factories[a])
        return FALSE;
    NvView *view = factories[a](app, current_pane(app));
    if (view)
        nv_app_open_view(app, view);
    return TRUE;
}

static void handle_key(NvApp *app, NvKey key)
{
    if (key == NV_KEY_RESIZE) {
        /* curses has applied the new size already (and queued this key doing so). */
        getmaxyx(stdscr, app->rows, app->cols);
        resized(app);
        return;
    }
    if (key == NV_KEY_MOUSE && !app->view) {
        int y, x;
        unsigned long buttons;
        nv_screen_mouse(&y, &x, &buttons); /* only views use the mouse; drop the event */
        return;
    }
    if (app->prompt) {
        nv_prompt_key(app, key);
        if (!app->prompt)
            resized(app); /* a raw view repaints all it drew before the prompt covered it */
        return;
    }
    if (app->view) {
        handle_view_key(app, key);
        return;
    }
    if (app->help_open) {
        handle_help_key(app, key);
        return;
    }
    if (app->filter_editing) {
        handle_filter_key(app, key);
        return;
    }
    NvPane *pane = current_pane(app);
    const NvContext chain[] = {pane->klass->context, NV_CTX_LIST, NV_CTX_GLOBAL};
    NvAction a = lookup_chain(app, key, chain, G_N_ELEMENTS(chain));
    switch (a) {
    case NV_ACTION_QUIT:
        g_main_loop_quit(app->loop);
        break;
    case NV_ACTION_PANE_DOMAINS:
    case NV_ACTION_PANE_STORAGE:
    case NV_ACTION_PANE_NETWORKS:
    case NV_ACTION_PANE_HOST:
        switch_pane(app, a - NV_ACTION_PANE_DOMAINS);
        break;
    case NV_ACTION_PANE_NEXT:
        switch_pane(app, (app->current + 1) % G_N_ELEMENTS(app->panes));
        break;
    case NV_ACTION_PANE_PREV:
        switch_pane(app, (app->current + G_N_ELEMENTS(app->panes) - 1) % G_N_ELEMENTS(app->panes));
        break;
    case NV_ACTION_HELP:
        app->help_open = TRUE;
        app->help_scroll = 0;
        break;
    case NV_ACTION_REFRESH:
        nv_conn_refresh(app->conn, NV_CHANGE_ALL);
        break;
    case NV_ACTION_REDRAW:
        clearok(curscr, TRUE);
        break;
    case NV_ACTION_JOB_CANCEL:
        cancel_newest_job(app);
        break;
    default:
        if (open_factory_view(app, a))
            break;
        if (!pane->klass->action || !pane->klass->action(pane, a))
            handle_list_action(app, a);
        break;
    }
    nv_app_dirty(app);
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer data)
{
    NvApp *app = data;
    if (cond & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)) {
        /* The terminal went away: nobody is left to draw for. */
        app->exit_status = 1;
        g_main_loop_quit(app->loop);
        return G_SOURCE_REMOVE;
    }
    NvKey key;
    while (nv_screen_read_key(&key))
        if (key != NV_KEY_NONE)
            handle_key(app, key);
    return G_SOURCE_CONTINUE;
}

static gboolean on_winch(gpointer data)
{
    NvApp *app = data;
    nv_screen_resize(&app->rows, &app->cols);
    resized(app);
    return G_SOURCE_CONTINUE;
}

static gboolean on_terminate(gpointer data)
{
    NvApp *app = data;
    g_main_loop_quit(app->loop);
    return G_SOURCE_CONTINUE;
}

/* ---- drawing ---- */

static void draw_header(NvApp *app)
{
    const NvModel *m = nv_conn_model(app->conn);
    nv_draw_fill(stdscr, 0, 0, app->cols, COLOR_PAIR(NV_COLOR_HEADER));
    const char *state;
    switch (nv_conn_get_state(app->conn)) {
    case NV_CONN_CONNECTING:
        state = _("connecting…");
        break;
    case NV_CONN_DISCONNECTED:
        state = _("DISCONNECTED");
        break;
    default:
        state = "";
        break;
    }
    g_autofree char *counts = g_strdup_printf(
        ngettext("%u domain, %u running", "%u domains, %u running", m->domains->len),
        m->domains->len, m->running);
    g_autofree char *text = g_strdup_printf(" ncvirt  %s  %s  %s  %s", nv_conn_uri(app->conn),
                                            m->host ? m->host->hostname : "", counts, state);
    nv_draw_text(stdscr, 0, 0, text, app->cols - 2, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
    if (nv_conn_busy(app->conn) > 0 || nv_conn_get_state(app->conn) == NV_CONN_CONNECTING) {
        const char *frame = spinner_frames[app->spinner_phase % G_N_ELEMENTS(spinner_frames)];
        nv_draw_text(stdscr, 0, app->cols - 2, frame, 2, COLOR_PAIR(NV_COLOR_HEADER));
    }
}

static void draw_tabs(NvApp *app)
{
    nv_draw_fill(stdscr, 1, 0, app->cols, A_NORMAL);
    int x = 1;
    for (guint i = 0; i < G_N_ELEMENTS(app->panes); i++) {
        g_autofree char *tab = g_strdup_printf("[%u %s]", i + 1, _(app->panes[i].klass->name));
        int w = nv_text_width(tab);
        if (x + w >= app->cols)
            break;
        attr_t attr = i == app->current ? (A_REVERSE | A_BOLD) : A_NORMAL;
        nv_draw_text(stdscr, 1, x, tab, w, attr);
        x += w + 1;
    }
}

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
    int cx = x;
    for (guint c = 0; cols[c].title && cx < x + width; c++) {
        int cw = MIN(column_width(cols, c, width), x + width - cx);
        g_autofree char *text = NULL;
        if (item >= 0)
            text = pane->klass->cell(pane, (guint)item, c);
        else if ((int)c == pane->sort_column)
            text = g_strconcat(_(cols[c].title), pane->sort_reverse ? "▼" : "▲", NULL);
        else
            text = g_strdup(_(cols[c].title));
        if (cols[c].right) {
            g_autofree char *clean = nv_text_sanitize(text);
            int tw = nv_text_width(clean);
            if (tw < cw) {
                nv_draw_fill(stdscr, y, cx, cw - tw, base);
                nv_draw_text(stdscr, y, cx + cw - tw, clean, tw, base);
            } else {
                nv_draw_text(stdscr, y, cx, clean, cw, base);
            }
        } else {
            nv_draw_text(stdscr, y, cx, text, cw, base);
        }
        cx += cw;
        if (cx < x + width) {
            nv_draw_fill(stdscr, y, cx, 1, base);
            cx++;
        }
    }
    if (cx < x + width)
        nv_draw_fill(stdscr, y, cx, x + width - cx, base);
}

static void draw_list(NvApp *app, NvPane *pane, int y, int x, int h, int w)
{
    g_autofree char *title = NULL;
    if (pane->filter->len)
        title = g_strdup_printf(_("%s (%u of %u) /%s"), _(pane->klass->name), pane->list.rows->len,
                                pane->klass->n_items(pane), pane->filter->str);
    else
        title = g_strdup_printf("%s (%u)", _(pane->klass->name), pane->list.rows->len);
    guint nmarked = g_hash_table_size(pane->marked);
    if (nmarked) {
        g_autofree char *with = g_strdup_printf(_("%s, %u marked"), title, nmarked);
        g_free(title);
        title = g_steal_pointer(&with);
    }
    nv_draw_box(stdscr, y, x, h, w, title, !app->details_focus);
    int inner_h = h - 3, inner_w = w - 2;
    if (inner_h <= 0 || inner_w <= 0)
        return;
    draw_row(pane, y + 1, x + 1, inner_w, -1, A_BOLD | A_UNDERLINE);
    app->list_page = inner_h;
    NvList *list = &pane->list;
    if (list->selected < list->top)
        list->top = list->selected;
    if (list->selected >= list->top + (guint)inner_h)
        list->top = list->selected - (guint)inner_h + 1;
    /* After the list shrank (a filter, a reload) fill the box instead of leaving a gap. */
    if (list->top + (guint)inner_h > list->rows->len)
        list->top = list->rows->len > (guint)inner_h ? list->rows->len - (guint)inner_h : 0;
    for (int r = 0; r < inner_h; r++) {
        guint row = list->top + (guint)r;
        int yy = y + 2 + r;
        if (row >= list->rows->len) {
            nv_draw_fill(stdscr, yy, x + 1, inner_w, A_NORMAL);
            continue;
        }
        guint item = g_array_index(list->rows, guint, row);
        attr_t attr = COLOR_PAIR(pane->klass->row_color ? pane->klass->row_color(pane, item) : 0);
        if (row == list->selected)
            attr = COLOR_PAIR(NV_COLOR_SELECTED) | (app->details_focus ? 0 : A_BOLD);
        draw_row(pane, yy, x + 1, inner_w, (int)item, attr);
    }
    if (list->rows->len == 0) {
        const char *empty = pane->filter->len ? _("no match for the filter")
                            : nv_conn_get_state(app->conn) == NV_CONN_CONNECTED
                                ? _("none")
                                : _("not loaded yet");
        nv_draw_text(stdscr, y + 2, x + 2, empty, inner_w - 2, A_DIM);
    }
}

static void draw_details(NvApp *app, NvPane *pane, int y, int x, int h, int w)
{
    int item = nv_list_selected_item(&pane->list);
    const char *title = item >= 0 && pane->klass->details_title
                            ? pane->klass->details_title(pane, item)
                            : _("Details");
    nv_draw_box(stdscr, y, x, h, w, title, app->details_focus);
    g_autoptr(NvLines) lines = nv_lines_new();
    app->details_width = w - 4;
    pane->klass->details(pane, item, lines);
    int inner_h = h - 2;
    app->details_page = MAX(1, inner_h);
    int max_scroll = MAX(0, (int)lines->labels->len - inner_h);
    pane->details_scroll = CLAMP(pane->details_scroll, 0, max_scroll);
    nv_lines_draw(lines, stdscr, y + 1, x + 2, inner_h, w - 4, pane->details_scroll);
}

/* ---- jobs ---- */

typedef struct {
    guint id;
    char *label;
    char *detail;
    double fraction;
    NvJobCancelFunc cancel;
    gpointer data;
} NvJobInfo;

static void job_info_free(NvJobInfo *j)
{
    g_free(j->label);
    g_free(j->detail);
    g_free(j);
}

static NvJobInfo *find_job(NvApp *app, guint id)
{
    for (guint i = 0; i < app->jobs->len; i++)
        if (((NvJobInfo *)app->jobs->pdata[i])->id == id)
            return app->jobs->pdata[i];
    return NULL;
}

guint nv_app_job_begin(NvApp *app, const char *label, NvJobCancelFunc cancel, gpointer data)
{
    NvJobInfo *j = g_new0(NvJobInfo, 1);
    j->id = ++app->next_job_id;
    j->label = g_strdup(label);
    j->detail = g_strdup("");
    j->fraction = -1;
    j->cancel = cancel;
    j->data = data;
    g_ptr_array_add(app->jobs, j);
    if (!app->spinner_source)
        app->spinner_source = g_timeout_add(NV_SPINNER_MS, spinner_tick, app);
    nv_app_dirty(app);
    return j->id;
}

void nv_app_job_progress(NvApp *app, guint id, double fraction, const char *detail)
{
    NvJobInfo *j = find_job(app, id);
    if (!j)
        return;
    j->fraction = fraction;
    g_free(j->detail);
    j->detail = g_strdup(detail ? detail : "");
    nv_app_dirty(app);
}

void nv_app_job_end(NvApp *app, guint id)
{
    NvJobInfo *j = find_job(app, id);
    if (j)
        g_ptr_array_remove(app->jobs, j);
    nv_app_dirty(app);
}

static void cancel_newest_job(NvApp *app)
{
    for (guint i = app->jobs->len; i > 0; i--) {
        NvJobInfo *j = app->jobs->pdata[i - 1];
        if (j->cancel) {
            g_autofree char *msg = g_strdup_printf(_("cancelling %s…"), j->label);
            set_status(app, msg, FALSE);
            j->cancel(j->data);
            return;
        }
    }
    set_status(app, _("no job that can be cancelled is running"), FALSE);
}

/* "[#####-----]  45% managed save web-01" for the newest job, "+N" for the others. */
static char *job_line(NvApp *app)
{
    NvJobInfo *j = app->jobs->pdata[app->jobs->len - 1];
    GString *s = g_string_new(" ");
    if (j->fraction >= 0) {
        int filled = (int)(CLAMP(j->fraction, 0.0, 1.0) * 20 + 0.5);
        g_string_append_c(s, '[');
        for (int i = 0; i < 20; i++)
            g_string_append(s, i < filled ? "█" : "░");
        g_string_append_printf(s, "] %3d%% ", (int)(CLAMP(j->fraction, 0.0, 1.0) * 100 + 0.5));
    } else {
        g_string_append_printf(s, "%s ",
                               spinner_frames[app->spinner_phase % G_N_ELEMENTS(spinner_frames)]);
    }
    g_string_append(s, j->label);
    if (*j->detail)
        g_string_append_printf(s, " · %s", j->detail);
    if (app->jobs->len > 1)
        g_string_append_printf(s, _("  (+%u more)"), app->jobs->len - 1);
    return g_string_free(s, FALSE);
}

static void draw_status(NvApp *app)
{
    int y = app->rows - 1;
    NvPane *pane = current_pane(app);
    if (app->jobs->len && !app->filter_editing) {
        g_autofree char *line = job_line(app);
        nv_draw_text(stdscr, y, 0, line, app->cols, A_BOLD);
        return;
    }
    if (app->filter_editing) {
        g_autofree char *text =
            g_strdup_printf(_("filter: %s▏  Enter keep · Esc clear"), pane->filter->str);
        nv_draw_text(stdscr, y, 0, text, app->cols, A_BOLD);
        return;
    }
    if (app->status) {
        attr_t attr = app->status_is_error ? COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD : A_NORMAL;
        nv_draw_text(stdscr, y, 0, app->status, app->cols, attr);
        return;
    }
    nv_draw_text(stdscr, y, 0,
                 _(" 1-4 panes  Tab next  ↑↓ move  Enter details  / filter  ? help  q quit"),
                 app->cols, A_DIM);
}

/* Word-wrapped and centred, so that even a very narrow terminal shows the whole message. */
static void draw_too_small(NvApp *app)
{
    erase();
    g_autofree char *msg =
        g_strdup_printf(_("Terminal too small: ncvirt needs at least %dx%d (now %dx%d)."),
                        NV_MIN_COLS, NV_MIN_ROWS, app->cols, app->rows);
    g_auto(GStrv) words = g_strsplit(msg, " ", -1);
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    GString *line = g_string_new("");
    for (guint i = 0; words[i]; i++) {
        if (line->len && nv_text_width(line->str) + 1 + nv_text_width(words[i]) > app->cols) {
            g_ptr_array_add(lines, g_string_free(line, FALSE));
            line = g_string_new("");
        }
        g_string_append_printf(line, "%s%s", line->len ? " " : "", words[i]);
    }
    g_ptr_array_add(lines, g_string_free(line, FALSE));
    int y = MAX(0, (app->rows - (int)lines->len) / 2);
    for (guint i = 0; i < lines->len && y < app->rows; i++, y++) {
        int w = MIN(nv_text_width(lines->pdata[i]), app->cols);
        nv_draw_text(stdscr, y, MAX(0, (app->cols - w) / 2), lines->pdata[i], w, A_BOLD);
    }
}

static gboolean draw_now(gpointer data)
{
    NvApp *app = data;
    app->draw_source = 0;
    if (!app->dirty || app->suspended)
        return G_SOURCE_REMOVE; /* still dirty: drawn once the terminal is back */
    app->dirty = FALSE;
    if (app->cols < NV_MIN_COLS || app->rows < NV_MIN_ROWS) {
        draw_too_small(app);
    } else if (app->view && app->prompt && app->view->klass->raw) {
        /* A raw view stays still while curses shows the question. */
        werase(stdscr);
        nv_prompt_draw(app);
    } else if (app->view) {
        app->view->klass->draw(app->view);
        if (app->view->klass->raw)
            return G_SOURCE_REMOVE;
        if (app->prompt)
            nv_prompt_draw(app);
    } else {
        NvPane *pane = current_pane(app);
        /* curses sends only the difference, so starting from blank costs nothing on the wire. */
        werase(stdscr);
        draw_header(app);
        draw_tabs(app);
        int body_y = 2, body_h = app->rows - 3;
        if (app->help_open) {
            nv_help_draw(app, body_y, 0, body_h, app->cols);
        } else if (app->cols >= NV_WIDE_COLS) {
            int lw = app->cols * 55 / 100;
            draw_list(app, pane, body_y, 0, body_h, lw);
            draw_details(app, pane, body_y, lw, body_h, app->cols - lw);
        } else {
            int lh = MAX(5, body_h / 2);
            draw_list(app, pane, body_y, 0, lh, app->cols);
            draw_details(app, pane, body_y + lh, 0, body_h - lh, app->cols);
        }
        draw_status(app);
        if (app->prompt)
            nv_prompt_draw(app);
    }
    wnoutrefresh(stdscr);
    doupdate();
    return G_SOURCE_REMOVE;
}

/* ---- set-up ---- */

static void show_notes(NvApp *app, GPtrArray *notes)
{
    if (!notes || notes->len == 0)
        return;
    g_autofree char *msg = NULL;
    if (notes->len == 1)
        msg = g_strdup(notes->pdata[0]);
    else
        msg = g_strdup_printf(_("%s (and %u more)"), (char *)notes->pdata[0], notes->len - 1);
    set_status(app, msg, TRUE);
}

/* Anything a library writes to stderr while curses owns the screen would corrupt it: send it
 * to a log file instead, and give stderr back afterwards. Returns the saved descriptor. */
static int redirect_stderr(void)
{
    g_autofree char *dir = g_build_filename(g_get_user_state_dir(), "ncvirt", NULL);
    g_autofree char *path = g_build_filename(dir, "stderr.log", NULL);
    g_mkdir_with_parents(dir, 0700);
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        fd = open("/dev/null", O_WRONLY | O_CLOEXEC);
    int saved = dup(STDERR_FILENO);
    if (fd >= 0) {
        dup2(fd, STDERR_FILENO);
        close(fd);
    }
    return saved;
}

static void restore_stderr(int saved)
{
    if (saved >= 0) {
        dup2(saved, STDERR_FILENO);
        close(saved);
    }
}

int nv_ui_run(NvConn *conn, NvKeymap *keymap, GPtrArray *notes)
{
    NvApp app = {0};
    app.conn = conn;
    app.keymap = keymap;
    app.loop = g_main_loop_new(NULL, FALSE);
    app.jobs = g_ptr_array_new_with_free_func((GDestroyNotify)job_info_free);
    const NvPaneClass *classes[] = {nv_pane_domains_class(), nv_pane_storage_class(),
                                    nv_pane_networks_class(), nv_pane_host_class()};
    for (guint i = 0; i < G_N_ELEMENTS(app.panes); i++) {
        app.panes[i].klass = classes[i];
        app.panes[i].app = &app;
        app.panes[i].filter = g_string_new("");
        app.panes[i].marked = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        app.panes[i].sort_column = -1;
        nv_list_init(&app.panes[i].list);
    }

    int saved_stderr = redirect_stderr();
    nv_screen_init();
    getmaxyx(stdscr, app.rows, app.cols);
    guint stdin_src = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, &app);
    guint winch_src = g_unix_signal_add(SIGWINCH, on_winch, &app);
    guint term_src = g_unix_signal_add(SIGTERM, on_terminate, &app);
    guint hup_src = g_unix_signal_add(SIGHUP, on_terminate, &app);

    nv_conn_set_listener(conn, on_conn_changed, &app);
    show_notes(&app, notes);
    nv_conn_start(conn);
    on_conn_changed(conn, NV_CHANGE_ALL, &app);

    g_main_loop_run(app.loop);

    if (app.prompt)
        nv_prompt_key(&app, NV_KEY_ESCAPE);
    nv_app_close_view(&app);
    nv_conn_set_listener(conn, NULL, NULL);
    g_source_remove(stdin_src);
    g_source_remove(winch_src);
    g_source_remove(term_src);
    g_source_remove(hup_src);
    g_clear_handle_id(&app.draw_source, g_source_remove);
    g_clear_handle_id(&app.spinner_source, g_source_remove);
    g_clear_handle_id(&app.status_source, g_source_remove);
    nv_screen_end();
    restore_stderr(saved_stderr);
    for (guint i = 0; i < G_N_ELEMENTS(app.panes); i++) {
        g_clear_handle_id(&app.panes[i].select_source, g_source_remove);
        nv_list_clear(&app.panes[i].list);
        g_string_free(app.panes[i].filter, TRUE);
        g_hash_table_unref(app.panes[i].marked);
        g_free(app.panes[i].last_selected_key);
    }
    g_free(app.status);
    g_ptr_array_unref(app.jobs);
    g_main_loop_unref(app.loop);
    return app.exit_status;
}

/* ---- accessors: NvApp is opaque outside this file ---- */

NvConn *nv_app_get_conn(NvApp *app)
{
    return app->conn;
}

NvKeymap *nv_app_get_keymap(NvApp *app)
{
    return app->keymap;
}

int nv_app_rows(NvApp *app)
{
    return app->rows;
}

int nv_app_cols(NvApp *app)
{
    return app->cols;
}

NvView *nv_app_get_view(NvApp *app)
{
    return app->view;
}
