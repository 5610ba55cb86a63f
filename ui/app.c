/* The TUI's main loop: stdin, signals and connection changes wake one GLib loop; keys go
 * through the dispatch chain (dialog → view → pane → global, each level through the keymap,
 * innermost context first); the screen is laid out and redrawn once per wake-up. The status
 * line is status.c's, the pane base pane.c's. */
#include <glib-unix.h>
#include <signal.h>
#include <stdio.h>
#include <termios.h>
#include <unistd.h>

#include "ui-internal.h"
#include "vm-create.h"

#define NV_MIN_COLS 60
#define NV_MIN_ROWS 15
#define NV_WIDE_COLS 120

struct NvApp {
    NvKeymap *keymap;
    NvView *view; /* a console over the panes, or NULL */
    int rows, cols;

    GPtrArray *conns;    /* NvConn*, the caller's array: nv_app_add_conn/remove_conn change it */
    NvConn *scope;       /* the one host the panes show, or NULL for all */
    NvConn *wizard_host; /* while a wizard opens: the host chosen for it */
    GMainLoop *loop;
    GPtrArray *panes; /* NvPane*, in tab order */
    NvPane *current;
    NvPrompt *prompt;   /* a question over everything, or NULL */
    NvStatus *status;   /* the status line */
    gboolean suspended; /* another program ($EDITOR) has the terminal: draw nothing */
    guint stdin_source; /* 0 while ssh reads the terminal (nv_app_release_terminal) */
    gboolean help_open;
    int help_scroll;
    gboolean filter_editing;
    gboolean dirty;
    guint draw_source;
    int exit_status;
    /* Quitting waits for the jobs (issue 10, defect 6): nothing is left half made. */
    gboolean quitting;
    gboolean terminal_gone;   /* stdin hung up */
    gboolean hup_after_close; /* the SIGHUP that comes with it was seen */
    GPtrArray *exit_notes;    /* char*: printed after the screen ends */
};

/* Every pane, in tab order, with the action that brings it up. */
static const struct {
    const NvPaneClass *(*klass)(void);
    NvAction show;
} pane_table[] = {
    {nv_pane_domains_class, NV_ACTION_PANE_DOMAINS},
    {nv_pane_storage_class, NV_ACTION_PANE_STORAGE},
    {nv_pane_networks_class, NV_ACTION_PANE_NETWORKS},
    {nv_pane_host_class, NV_ACTION_PANE_HOST},
};

/* ---- accessors ---- */

NvConn *nv_app_get_conn(NvApp *app)
{
    if (app->scope)
        return app->scope;
    return app->conns->len > 0 ? app->conns->pdata[0] : NULL;
}

guint nv_app_n_conns(NvApp *app)
{
    return app->conns->len;
}

NvConn *nv_app_conn_at(NvApp *app, guint i)
{
    return i < app->conns->len ? app->conns->pdata[i] : NULL;
}

NvConn *nv_app_scope(NvApp *app)
{
    return app->scope;
}

NvConn *nv_app_current_conn(NvApp *app)
{
    if (app->wizard_host)
        return app->wizard_host;
    return app->current ? nv_pane_conn(app->current) : nv_app_get_conn(app);
}

gboolean nv_app_has_conn(NvApp *app, NvConn *conn)
{
    return conn && g_ptr_array_find(app->conns, conn, NULL);
}

gboolean nv_app_check_writable(NvApp *app, NvConn *conn)
{
    if (!conn || !nv_conn_is_readonly(conn))
        return TRUE;
    g_autofree char *msg = g_strdup_printf(_("%s is read-only (-r)"), nv_conn_name(conn));
    nv_app_message(app, msg, TRUE);
    return FALSE;
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

NvStatus *nv_app_get_status(NvApp *app)
{
    return app->status;
}

NvPrompt *nv_app_get_prompt(NvApp *app)
{
    return app->prompt;
}

void nv_app_set_prompt(NvApp *app, NvPrompt *prompt)
{
    app->prompt = prompt;
}

void nv_app_quit(NvApp *app)
{
    g_main_loop_quit(app->loop);
}

gboolean nv_app_quitting(NvApp *app)
{
    return app->quitting;
}

void nv_app_exit_note(NvApp *app, const char *note)
{
    g_ptr_array_add(app->exit_notes, g_strdup(note));
}

void nv_app_quit_if_jobs_done(NvApp *app)
{
    if (app->quitting && nv_app_job_count(app) == 0)
        nv_app_quit(app);
}

/* Quits once every job has ended; `cancel`: cancelling (and so rolling back) those that can
 * be, the others (a delete with its storage, a wipe) run to their end first. */
static void quit_after_jobs(NvApp *app, gboolean cancel)
{
    app->quitting = TRUE;
    if (cancel) {
        nv_app_job_cancel_all(app);
        nv_vm_create_abandon(); /* a new VM's commit is no job of its own to cancel */
    }
    guint n = nv_app_job_count(app);
    if (n == 0) {
        nv_app_quit(app);
        return;
    }
    g_autofree char *msg = g_strdup_printf(
        ngettext("quitting once %u job has ended…", "quitting once %u jobs have ended…", n), n);
    nv_app_message(app, msg, FALSE);
}

static void quit_answered(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    if (index == 0 || index == 1)
        quit_after_jobs(app, index == 1);
}

/* `q`: at once when nothing runs; else the user says whether to wait or to roll back. */
static void request_quit(NvApp *app)
{
    guint n = nv_app_job_count(app);
    if (n == 0) {
        nv_app_quit(app);
        return;
    }
    static const char *const choices[] = {N_("Wait for them, then quit"),
                                          N_("Cancel them (undoing what they made), then quit"),
                                          N_("Do not quit"), NULL};
    const char *translated[G_N_ELEMENTS(choices)];
    for (guint i = 0; i < G_N_ELEMENTS(choices); i++)
        translated[i] = choices[i] ? _(choices[i]) : NULL;
    g_autofree char *msg =
        g_strdup_printf(ngettext("%u job is running.", "%u jobs are running.", n), n);
    nv_app_menu(app, _("Quit"), msg, translated, quit_answered, NULL);
}

static gboolean draw_now(gpointer data);

void nv_app_dirty(NvApp *app)
{
    app->dirty = TRUE;
    if (!app->draw_source)
        app->draw_source = g_idle_add(draw_now, app);
}

/* Nothing may draw over the program that has the terminal, not even a dialog. */
void nv_app_suspend(NvApp *app)
{
    nv_screen_suspend();
    app->suspended = TRUE;
}

void nv_app_resume(NvApp *app)
{
    app->suspended = FALSE;
    nv_screen_resume();
    nv_app_dirty(app);
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer data);

gboolean nv_app_is_suspended(NvApp *app)
{
    return app->suspended;
}

void nv_app_release_terminal(NvApp *app)
{
    nv_app_suspend(app);
    g_clear_handle_id(&app->stdin_source, g_source_remove);
}

void nv_app_take_terminal(NvApp *app)
{
    /* Typed for ssh and not read by it (a password typed twice): not a key of ncvirt's. */
    tcflush(STDIN_FILENO, TCIFLUSH);
    if (!app->stdin_source)
        app->stdin_source =
            g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, app);
    nv_app_resume(app);
}

gboolean nv_app_busy(NvApp *app)
{
    for (guint i = 0; i < app->conns->len; i++) {
        NvConn *conn = app->conns->pdata[i];
        if (nv_conn_busy(conn) > 0 || nv_conn_get_state(conn) == NV_CONN_CONNECTING)
            return TRUE;
    }
    return FALSE;
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

/* ---- connection changes ---- */

/* Each pane hears of the changes it cares about: its list is rebuilt, or only re-sorted when
 * nothing but the live numbers changed. */
static void panes_changed(NvApp *app, unsigned changes)
{
    for (guint i = 0; i < app->panes->len; i++) {
        NvPane *pane = app->panes->pdata[i];
        unsigned mine = changes & pane->klass->changes;
        if (mine & ~NV_CHANGE_STATS)
            nv_pane_rebuild(pane);
        else if (mine & NV_CHANGE_STATS)
            nv_pane_resort(pane);
    }
}

/* What the connection has to say goes to the status line; only a lost host shows as an error
 * (a failed read while connected keeps what was there). */
static void on_conn_notice(NvConn *conn, NvNoticeLevel level, const char *text, gpointer data)
{
    nv_app_message(data, text, level == NV_NOTICE_ERROR);
}

static void on_conn_changed(NvConn *conn, unsigned changes, gpointer data)
{
    NvApp *app = data;
    panes_changed(app, changes);
    if (app->view && app->view->klass->model_changed)
        app->view->klass->model_changed(app->view, changes);
    if (nv_conn_busy(conn) > 0)
        nv_status_spin(app->status);
    /* Live numbers show in the panes that ask for them only: a refresh tick while another
     * pane, the help or a console is up has nothing to draw. */
    gboolean stats_shown =
        !app->view && !app->help_open && (app->current->klass->changes & NV_CHANGE_STATS);
    if (changes != NV_CHANGE_STATS || stats_shown)
        nv_app_dirty(app);
}

/* ---- the list of connections ---- */

/* Its label from the URI, made unique among the other connections ("hv1 (2)"). */
static void name_conn(NvApp *app, NvConn *conn)
{
    g_autoptr(GPtrArray) taken = g_ptr_array_new();
    for (guint i = 0; i < app->conns->len; i++)
        if (app->conns->pdata[i] != conn)
            g_ptr_array_add(taken, (gpointer)nv_conn_name(app->conns->pdata[i]));
    g_ptr_array_add(taken, NULL);
    g_autofree char *base = nv_conn_label_for_uri(nv_conn_uri(conn));
    g_autofree char *name = nv_conn_unique_label(base, (const char *const *)taken->pdata);
    nv_conn_set_name(conn, name);
}

static void start_conn(NvApp *app, NvConn *conn)
{
    nv_conn_set_listener(conn, on_conn_changed, app);
    nv_conn_set_notify(conn, on_conn_notice, app);
    nv_conn_start(conn);
    on_conn_changed(conn, NV_CHANGE_ALL, app);
}

NvConn *nv_app_add_conn(NvApp *app, const char *uri, gboolean readonly)
{
    NvConn *conn = nv_conn_new(uri, readonly);
    g_ptr_array_add(app->conns, conn);
    name_conn(app, conn);
    start_conn(app, conn);
    return conn;
}

/* `H`: all hosts → the first → the second → … → all again. */
static void cycle_scope(NvApp *app)
{
    guint at;
    NvConn *next = NULL;
    if (!app->scope)
        next = nv_app_conn_at(app, 0);
    else if (g_ptr_array_find(app->conns, app->scope, &at))
        next = nv_app_conn_at(app, at + 1);
    if (app->conns->len < 2)
        next = NULL;
    nv_app_set_scope(app, next);
    g_autofree char *msg = next ? g_strdup_printf(_("showing %s only"), nv_conn_name(next))
                                : g_strdup(_("showing all hosts"));
    nv_app_message(app, msg, FALSE);
}

void nv_app_set_scope(NvApp *app, NvConn *conn)
{
    app->scope = conn && g_ptr_array_find(app->conns, conn, NULL) ? conn : NULL;
    panes_changed(app, NV_CHANGE_ALL);
    nv_app_dirty(app);
}

/* Nothing that shows the host may outlive it: its view closes, the panes drop its rows and
 * marks; the connection itself is freed (its pending answers come back as "disconnected"). */
void nv_app_remove_conn(NvApp *app, NvConn *conn)
{
    guint at;
    if (!conn || !g_ptr_array_find(app->conns, conn, &at))
        return;
    if (app->view && app->view->conn == conn)
        nv_app_close_view(app);
    nv_conn_set_listener(conn, NULL, NULL);
    nv_conn_set_notify(conn, NULL, NULL);
    g_ptr_array_steal_index(app->conns, at);
    if (app->scope == conn)
        app->scope = NULL;
    for (guint i = 0; i < app->panes->len; i++)
        nv_pane_forget_conn(app->panes->pdata[i], conn);
    panes_changed(app, NV_CHANGE_ALL);
    nv_conn_free(conn);
    nv_app_dirty(app);
}

/* ---- keys ---- */

static void switch_pane(NvApp *app, NvPane *pane)
{
    if (!pane || pane == app->current)
        return;
    /* The layout is the same for every pane: the new one pages like the old one. */
    pane->list_page = app->current->list_page;
    pane->details_page = app->current->details_page;
    pane->details_width = app->current->details_width;
    app->current->details_focus = FALSE;
    app->current = pane;
    pane->details_focus = FALSE;
    app->filter_editing = FALSE;
    nv_pane_selection_changed(pane, TRUE);
    nv_app_dirty(app);
}

static guint pane_position(NvApp *app, NvPane *pane)
{
    guint i = 0;
    g_ptr_array_find(app->panes, pane, &i);
    return i;
}

/* The next pane in tab order (or the previous one), wrapping around. */
static NvPane *pane_beside(NvApp *app, gboolean forward)
{
    guint n = app->panes->len, at = pane_position(app, app->current);
    return app->panes->pdata[(at + (forward ? 1 : n - 1)) % n];
}

static NvPane *pane_shown_by(NvApp *app, NvAction a)
{
    for (guint i = 0; i < G_N_ELEMENTS(pane_table); i++)
        if (pane_table[i].show == a)
            return app->panes->pdata[i];
    return NULL;
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
    int max = MAX(0, nv_help_line_count(app, app->current) - help_page(app));
    switch (a) {
    case NV_ACTION_BACK:
    case NV_ACTION_HELP:
        app->help_open = FALSE;
        break;
    case NV_ACTION_QUIT:
        request_quit(app);
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

static void handle_filter_key(NvApp *app, NvKey key)
{
    NvPane *pane = app->current;
    const NvContext chain[] = {NV_CTX_FILTER};
    NvAction a = lookup_chain(app, key, chain, G_N_ELEMENTS(chain));
    switch (a) {
    case NV_ACTION_FILTER_DONE:
        app->filter_editing = FALSE;
        break;
    case NV_ACTION_FILTER_CANCEL:
        app->filter_editing = FALSE;
        nv_pane_filter_clear(pane);
        break;
    case NV_ACTION_FILTER_ERASE:
        nv_pane_filter_erase(pane);
        break;
    case NV_ACTION_UP:
    case NV_ACTION_DOWN:
    case NV_ACTION_PAGE_UP:
    case NV_ACTION_PAGE_DOWN:
        nv_pane_move(pane, a);
        break;
    default:
        if ((key & NV_KEY_MODS) == 0 && key >= 32 && key < NV_KEY_SPECIAL && g_unichar_isprint(key))
            nv_pane_filter_append(pane, key);
        break;
    }
    nv_app_dirty(app);
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

static NvViewFactory factories[NV_ACTION_COUNT];

void nv_ui_set_factory(NvAction action, NvViewFactory factory)
{
    if ((unsigned)action < NV_ACTION_COUNT)
        factories[action] = factory;
}

/* Every factory is a wizard that creates something on `conn`. */
static void run_factory(NvApp *app, NvAction a, NvConn *conn)
{
    if (!nv_app_check_writable(app, conn))
        return;
    app->wizard_host = conn;
    NvView *view = factories[a](app, app->current);
    app->wizard_host = NULL;
    if (view)
        nv_app_open_view(app, view);
}

typedef struct {
    NvAction action;
    GPtrArray *conns; /* NvConn*, in the order of the choices */
} HostChoice;

static void host_chosen(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    HostChoice *h = data;
    if (index >= 0 && (guint)index < h->conns->len && nv_app_has_conn(app, h->conns->pdata[index]))
        run_factory(app, h->action, h->conns->pdata[index]);
    g_ptr_array_unref(h->conns);
    g_free(h);
}

/* Several hosts in view: which one the wizard creates on, the selected row's by default. */
static void ask_host(NvApp *app, NvAction a)
{
    HostChoice *h = g_new0(HostChoice, 1);
    h->action = a;
    h->conns = g_ptr_array_copy(app->conns, NULL, NULL);
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
    guint selected = 0;
    NvConn *current = nv_app_current_conn(app);
    for (guint i = 0; i < h->conns->len; i++) {
        NvConn *conn = h->conns->pdata[i];
        if (conn == current)
            selected = i;
        g_ptr_array_add(labels,
                        g_strdup_printf("%s  %s%s", nv_conn_name(conn), nv_conn_uri(conn),
                                        nv_conn_is_readonly(conn) ? _(" (read-only)") : ""));
    }
    g_ptr_array_add(labels, NULL);
    nv_app_menu(app, _("Which host?"), _("Create it on:"), (const char *const *)labels->pdata,
                host_chosen, h);
    nv_app_menu_select(app, selected);
}

/* An action an upper layer registered a view for (a wizard); TRUE when there was one. The new
 * volume goes into the selected pool, on that pool's host; the other wizards ask which host
 * when several are in view. */
static gboolean open_factory_view(NvApp *app, NvAction a)
{
    if ((unsigned)a >= NV_ACTION_COUNT || !factories[a])
        return FALSE;
    if (a == NV_ACTION_CONN_ADD || a == NV_ACTION_CONN_EDIT) {
        /* The connection wizard works on no host (it makes them): no host menu, and it stays
         * open whatever host goes away. */
        NvView *view = factories[a](app, app->current);
        if (view)
            view->conn = NULL;
        if (view)
            nv_app_open_view(app, view);
        return TRUE;
    }
    if (nv_app_n_conns(app) == 0)
        return TRUE;
    if (a != NV_ACTION_NEW_VOLUME && !app->scope && nv_app_n_conns(app) > 1)
        ask_host(app, a);
    else
        run_factory(app, a, nv_app_current_conn(app));
    return TRUE;
}

/* The global actions; FALSE for those that belong to the pane. */
static gboolean global_action(NvApp *app, NvAction a)
{
    switch (a) {
    case NV_ACTION_QUIT:
        request_quit(app);
        return TRUE;
    case NV_ACTION_PANE_NEXT:
        switch_pane(app, pane_beside(app, TRUE));
        return TRUE;
    case NV_ACTION_PANE_PREV:
        switch_pane(app, pane_beside(app, FALSE));
        return TRUE;
    case NV_ACTION_HELP:
        app->help_open = TRUE;
        app->help_scroll = 0;
        return TRUE;
    case NV_ACTION_REFRESH:
        for (guint i = 0; i < app->conns->len; i++)
            nv_conn_refresh(app->conns->pdata[i], NV_CHANGE_ALL);
        return TRUE;
    case NV_ACTION_REDRAW:
        clearok(curscr, TRUE);
        return TRUE;
    case NV_ACTION_HOST_SCOPE:
        cycle_scope(app);
        return TRUE;
    case NV_ACTION_JOB_CANCEL:
        nv_app_job_cancel_newest(app);
        return TRUE;
    default:
        break;
    }
    NvPane *shown = pane_shown_by(app, a);
    if (shown)
        switch_pane(app, shown);
    return shown != NULL || open_factory_view(app, a);
}

static void handle_pane_key(NvApp *app, NvKey key)
{
    NvPane *pane = app->current;
    const NvContext chain[] = {pane->klass->context, NV_CTX_LIST, NV_CTX_GLOBAL};
    NvAction a = lookup_chain(app, key, chain, G_N_ELEMENTS(chain));
    /* global → the pane's own → the list's */
    gboolean done = global_action(app, a) || (pane->klass->action && pane->klass->action(pane, a));
    if (done) {
        nv_app_dirty(app);
        return;
    }
    if (a == NV_ACTION_FILTER) {
        pane->details_focus = FALSE;
        app->filter_editing = TRUE;
    } else {
        nv_pane_list_action(pane, a);
    }
    nv_app_dirty(app);
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
    } else if (app->view) {
        handle_view_key(app, key);
    } else if (app->help_open) {
        handle_help_key(app, key);
    } else if (app->filter_editing) {
        handle_filter_key(app, key);
    } else {
        handle_pane_key(app, key);
    }
}

static gboolean on_stdin(gint fd, GIOCondition cond, gpointer data)
{
    NvApp *app = data;
    if (cond & (G_IO_HUP | G_IO_ERR | G_IO_NVAL)) {
        /* The terminal went away: nobody is left to draw for, or to ask. Its SIGHUP comes
         * too: that one is no second signal (which would exit before the roll back). */
        app->exit_status = 1;
        app->terminal_gone = TRUE;
        quit_after_jobs(app, TRUE);
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

/* SIGHUP, SIGTERM: cancel and roll back, then exit; a second one exits at once. */
static gboolean on_terminate(gpointer data)
{
    NvApp *app = data;
    if (app->terminal_gone && !app->hup_after_close) {
        app->hup_after_close = TRUE; /* the closing terminal's own SIGHUP */
        return G_SOURCE_CONTINUE;
    }
    if (app->quitting)
        nv_app_quit(app);
    else
        quit_after_jobs(app, TRUE);
    return G_SOURCE_CONTINUE;
}

/* ---- layout and drawing ---- */

static const char *conn_state_text(NvConn *conn)
{
    switch (nv_conn_get_state(conn)) {
    case NV_CONN_CONNECTING:
        return _("connecting…");
    case NV_CONN_DISCONNECTED:
        return _("DISCONNECTED");
    default:
        return "";
    }
}

/* One host: " hv1 3/5" with " ro" and its state when not connected. */
static void append_host(GString *out, NvConn *conn)
{
    const NvModel *m = nv_conn_model(conn);
    g_string_append_printf(out, "%s %u/%u", nv_conn_name(conn), m->running - m->paused,
                           m->domains->len);
    if (nv_conn_is_readonly(conn))
        g_string_append(out, _(" ro"));
    const char *state = conn_state_text(conn);
    if (*state)
        g_string_append_printf(out, " %s", state);
}

/* Several hosts: "3 hosts ▾  all hosts (14/212 running)  hv1 3/5 · hv2 ro 11/207", or the one
 * host in scope with its own counts. */
static char *hosts_header(NvApp *app)
{
    GString *out = g_string_new(" ncvirt  ");
    guint n = app->conns->len, running = 0, total = 0;
    for (guint i = 0; i < n; i++) {
        const NvModel *m = nv_conn_model(app->conns->pdata[i]);
        running += m->running - m->paused;
        total += m->domains->len;
    }
    g_string_append_printf(out, ngettext("%u host ▾  ", "%u hosts ▾  ", n), n);
    if (app->scope) {
        const NvModel *m = nv_conn_model(app->scope);
        g_string_append_printf(out, _("%s (%u/%u running)"), nv_conn_name(app->scope),
                               m->running - m->paused, m->domains->len);
        if (nv_conn_is_readonly(app->scope))
            g_string_append(out, _(" ro"));
        const char *state = conn_state_text(app->scope);
        if (*state)
            g_string_append_printf(out, " %s", state);
        return g_string_free(out, FALSE);
    }
    g_string_append_printf(out, _("all hosts (%u/%u running)"), running, total);
    for (guint i = 0; i < n; i++) {
        g_string_append(out, i ? " · " : "  ");
        append_host(out, app->conns->pdata[i]);
    }
    return g_string_free(out, FALSE);
}

static void draw_header(NvApp *app)
{
    NvConn *conn = nv_app_get_conn(app);
    nv_draw_fill(stdscr, 0, 0, app->cols, COLOR_PAIR(NV_COLOR_HEADER));
    if (app->conns->len != 1) {
        g_autofree char *text = app->conns->len ? hosts_header(app) : g_strdup(" ncvirt");
        nv_draw_text(stdscr, 0, 0, text, app->cols - 2, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
        if (nv_app_busy(app))
            nv_draw_text(stdscr, 0, app->cols - 2, nv_status_spinner_frame(app->status), 2,
                         COLOR_PAIR(NV_COLOR_HEADER));
        return;
    }
    const NvModel *m = nv_conn_model(conn);
    /* A paused domain has an id but does not run: counted apart, and only when there is one. */
    guint n = m->domains->len, running = m->running - m->paused;
    g_autofree char *counts =
        m->paused > 0
            ? g_strdup_printf(ngettext("%u domain, %u running, %u paused",
                                       "%u domains, %u running, %u paused", n),
                              n, running, m->paused)
            : g_strdup_printf(ngettext("%u domain, %u running", "%u domains, %u running", n), n,
                              running);
    g_autofree char *text = g_strdup_printf(
        " ncvirt  %s%s  %s  %s  %s", nv_conn_uri(conn), nv_conn_is_readonly(conn) ? _(" ro") : "",
        m->host ? m->host->hostname : "", counts, conn_state_text(conn));
    nv_draw_text(stdscr, 0, 0, text, app->cols - 2, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
    if (nv_conn_busy(conn) > 0 || nv_conn_get_state(conn) == NV_CONN_CONNECTING)
        nv_draw_text(stdscr, 0, app->cols - 2, nv_status_spinner_frame(app->status), 2,
                     COLOR_PAIR(NV_COLOR_HEADER));
}

static void draw_tabs(NvApp *app)
{
    nv_draw_fill(stdscr, 1, 0, app->cols, A_NORMAL);
    int x = 1;
    for (guint i = 0; i < app->panes->len; i++) {
        NvPane *pane = app->panes->pdata[i];
        g_autofree char *tab = g_strdup_printf("[%u %s]", i + 1, _(pane->klass->name));
        int w = nv_text_width(tab);
        if (x + w >= app->cols)
            break;
        attr_t attr = pane == app->current ? (A_REVERSE | A_BOLD) : A_NORMAL;
        nv_draw_text(stdscr, 1, x, tab, w, attr);
        x += w + 1;
    }
}

static void draw_status_line(NvApp *app)
{
    int y = app->rows - 1;
    if (app->filter_editing) {
        g_autofree char *text =
            g_strdup_printf(_("filter: %s▏  Enter keep · Esc clear"), app->current->filter->str);
        nv_draw_text(stdscr, y, 0, text, app->cols, A_BOLD);
        return;
    }
    nv_status_draw(app->status, y, app->cols);
}

/* Word-wrapped and centred, so that even a very narrow terminal shows the whole message. */
static void draw_too_small(NvApp *app)
{
    erase();
    g_autofree char *msg =
        g_strdup_printf(_("Terminal too small: ncvirt needs at least %dx%d (now %dx%d)."),
                        NV_MIN_COLS, NV_MIN_ROWS, app->cols, app->rows);
    g_autoptr(GPtrArray) lines = nv_status_wrap_to(msg, app->cols);
    int y = MAX(0, (app->rows - (int)lines->len) / 2);
    for (guint i = 0; i < lines->len && y < app->rows; i++, y++) {
        int w = MIN(nv_text_width(lines->pdata[i]), app->cols);
        nv_draw_text(stdscr, y, MAX(0, (app->cols - w) / 2), lines->pdata[i], w, A_BOLD);
    }
}

/* The panes' screen: header, tabs, the list and its details (side by side when wide, stacked
 * when narrow) or the help, the status line, and a dialog over it all. */
static void draw_panes(NvApp *app)
{
    NvPane *pane = app->current;
    /* curses sends only the difference, so starting from blank costs nothing on the wire. */
    werase(stdscr);
    draw_header(app);
    draw_tabs(app);
    int body_y = 2, body_h = app->rows - 3;
    if (app->help_open) {
        nv_help_draw(app, pane, app->help_scroll, body_y, 0, body_h, app->cols);
    } else if (app->cols >= NV_WIDE_COLS) {
        int lw = app->cols * 55 / 100;
        nv_pane_draw_list(pane, body_y, 0, body_h, lw);
        nv_pane_draw_details(pane, body_y, lw, body_h, app->cols - lw);
    } else {
        int lh = MAX(5, body_h / 2);
        nv_pane_draw_list(pane, body_y, 0, lh, app->cols);
        nv_pane_draw_details(pane, body_y + lh, 0, body_h - lh, app->cols);
    }
    draw_status_line(app);
    if (app->prompt)
        nv_prompt_draw(app);
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
        draw_panes(app);
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
        msg = g_strdup_printf(ngettext("%s (and %u more)", "%s (and %u more)", notes->len - 1),
                              (char *)notes->pdata[0], notes->len - 1);
    nv_app_message(app, msg, TRUE);
}

static void app_init(NvApp *app, GPtrArray *conns, NvKeymap *keymap)
{
    app->conns = g_ptr_array_ref(conns);
    for (guint i = 0; i < conns->len; i++)
        name_conn(app, conns->pdata[i]);
    app->keymap = keymap;
    app->loop = g_main_loop_new(NULL, FALSE);
    app->status = nv_status_new(app);
    app->exit_notes = g_ptr_array_new_with_free_func(g_free);
    app->panes = g_ptr_array_new_with_free_func((GDestroyNotify)nv_pane_free);
    for (guint i = 0; i < G_N_ELEMENTS(pane_table); i++)
        g_ptr_array_add(app->panes, nv_pane_new(pane_table[i].klass(), app));
    app->current = app->panes->pdata[0];
}

static void app_clear(NvApp *app)
{
    g_clear_handle_id(&app->draw_source, g_source_remove);
    g_clear_pointer(&app->panes, g_ptr_array_unref);
    g_clear_pointer(&app->status, nv_status_free);
    g_clear_pointer(&app->loop, g_main_loop_unref);
    g_clear_pointer(&app->conns, g_ptr_array_unref);
    g_clear_pointer(&app->exit_notes, g_ptr_array_unref);
}

/* Runs the loop until the user quits; the connections' listeners are ours meanwhile. */
static void run(NvApp *app)
{
    app->stdin_source = g_unix_fd_add(STDIN_FILENO, G_IO_IN | G_IO_HUP | G_IO_ERR, on_stdin, app);
    guint sources[] = {
        g_unix_signal_add(SIGWINCH, on_winch, app),
        g_unix_signal_add(SIGTERM, on_terminate, app),
        g_unix_signal_add(SIGHUP, on_terminate, app),
    };
    NvAuthUi *auth = nv_auth_ui_new(app);
    for (guint i = 0; i < app->conns->len; i++)
        start_conn(app, app->conns->pdata[i]);

    g_main_loop_run(app->loop);

    if (app->prompt)
        nv_prompt_key(app, NV_KEY_ESCAPE);
    nv_auth_ui_free(auth);
    g_clear_handle_id(&app->stdin_source, g_source_remove);
    nv_app_close_view(app);
    for (guint i = 0; i < app->conns->len; i++) {
        nv_conn_set_listener(app->conns->pdata[i], NULL, NULL);
        nv_conn_set_notify(app->conns->pdata[i], NULL, NULL);
    }
    for (guint i = 0; i < G_N_ELEMENTS(sources); i++)
        g_source_remove(sources[i]);
}

int nv_ui_run(GPtrArray *conns, NvKeymap *keymap, GPtrArray *notes)
{
    NvApp app = {0};
    app_init(&app, conns, keymap);
    int saved_stderr = nv_stderr_redirect();
    nv_screen_init();
    getmaxyx(stdscr, app.rows, app.cols);
    show_notes(&app, notes);
    run(&app);
    g_clear_handle_id(&app.draw_source, g_source_remove);
    nv_screen_end();
    nv_stderr_restore(saved_stderr);
    for (guint i = 0; i < app.exit_notes->len; i++)
        fprintf(stderr, "ncvirt: %s\n", (char *)app.exit_notes->pdata[i]);
    app_clear(&app);
    return app.exit_status;
}
