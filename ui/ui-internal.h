/* Shared by the files of ui/: the app, panes (a vtable each), the list widget and drawing. */
#pragma once

#include <curses.h>

#include "app-api.h"
#include "ui.h"

/* ---- drawing (draw.c) ---- */

enum {
    NV_COLOR_DEFAULT = 0,
    NV_COLOR_HEADER,
    NV_COLOR_SELECTED,
    NV_COLOR_RUNNING,
    NV_COLOR_PAUSED,
    NV_COLOR_STOPPED,
    NV_COLOR_ERROR,
    NV_COLOR_BORDER,
    NV_COLOR_FOCUS,
    NV_COLOR_LABEL,
};

/* Draws untrusted text at y,x: sanitised, cut with "…" and padded to exactly `width`. */
void nv_draw_text(WINDOW *w, int y, int x, const char *text, int width, attr_t attr);
/* A box with a title in its top edge. */
void nv_draw_box(WINDOW *w, int y, int x, int h, int width, const char *title, gboolean focus);
/* Fills a row with spaces in `attr`. */
void nv_draw_fill(WINDOW *w, int y, int x, int width, attr_t attr);

/* ---- details (draw.c): lines of "label" + "value", drawn with a scroll offset ---- */

typedef struct {
    GPtrArray *labels; /* char*, "" for a continuation, NULL-free */
    GPtrArray *values; /* char* */
    GArray *heading;   /* gboolean per line: a section heading */
} NvLines;

NvLines *nv_lines_new(void);
void nv_lines_free(NvLines *l);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvLines, nv_lines_free)
void nv_lines_add(NvLines *l, const char *label, const char *value);
void nv_lines_addf(NvLines *l, const char *label, const char *fmt, ...) G_GNUC_PRINTF(3, 4);
void nv_lines_heading(NvLines *l, const char *heading);
/* Draws lines from `scroll` into the box interior at y,x of size h x width. */
void nv_lines_draw(NvLines *l, WINDOW *w, int y, int x, int h, int width, int scroll);

/* ---- the list widget (widget-list.c) ---- */

typedef struct {
    const char *title; /* N_() */
    int width;         /* columns; 0 takes what is left */
    gboolean right;    /* right-aligned */
} NvColumn;

/* Orders two items (indices into the pane's items) like strcmp, for sorting on one column.
 * Called O(n log n) times per sort of up to thousands of rows: compare stored values, build
 * no strings. */
typedef int (*NvCompareFunc)(NvPane *pane, guint a, guint b);

typedef struct {
    GArray *rows; /* guint indices into the pane's items that pass the filter */
    guint selected;
    guint top;
} NvList;

void nv_list_init(NvList *list);
void nv_list_clear(NvList *list);
/* Moves by an action (up, down, page, home, end) in a box of `page` rows (a page move keeps
 * one row in view); returns TRUE when the selection moved. */
gboolean nv_list_move(NvList *list, NvAction action, int page);
/* Up, down, page up/down, home or end: an action that moves in a list. */
gboolean nv_list_is_move(NvAction action);
/* The row such a move leads to from `at` among `n` rows (the arithmetic of nv_list_move, for
 * a cursor kept by name rather than by row). */
guint nv_list_step(guint at, guint n, NvAction action, int page);
/* Rows 0..n-1, for a list that is not a filtered view of items (a dialog's). */
void nv_list_set_count(NvList *list, guint n);
/* Scrolls so that the selection is among the `h` rows shown; a list that shrank fills them. */
void nv_list_scroll(NvList *list, int h);
/* Keeps the selection on the same item (by index in the old rows) after a rebuild. */
void nv_list_keep_in_range(NvList *list);
/* The item index of the selected row, or -1 when empty. */
int nv_list_selected_item(const NvList *list);

/* ---- rows of several hosts (pane-rows.c) ---- */

/* A pane's items are every host's in turn: host A's 0..nA-1, then host B's, and so on. */
typedef struct {
    GArray *spans; /* (conn, first item, count) per host, in order */
    guint total;
} NvSpans;

void nv_spans_init(NvSpans *s);
void nv_spans_clear(NvSpans *s);
void nv_spans_reset(NvSpans *s);
/* The next host's `n` items. */
void nv_spans_add(NvSpans *s, NvConn *conn, guint n);
/* The host of `item` and its index there (`local`), or NULL past the end. */
NvConn *nv_spans_find(const NvSpans *s, guint item, guint *local);
/* The position of `item`'s host among the spans (the app's order of hosts), -1 past the end. */
int nv_spans_host_index(const NvSpans *s, guint item);
/* Where `conn`'s items are; FALSE when it is not among the spans. */
gboolean nv_spans_range(const NvSpans *s, NvConn *conn, guint *first, guint *n);
guint nv_spans_n_conns(const NvSpans *s);

/* Marked names per host (a GHashTable of NvConn* → set of names): the same name on two hosts
 * is two marks. */
typedef GHashTable NvMarks;
NvMarks *nv_marks_new(void);
void nv_marks_free(NvMarks *m);
gboolean nv_marks_has(NvMarks *m, NvConn *conn, const char *name);
void nv_marks_set(NvMarks *m, NvConn *conn, const char *name, gboolean on);
/* Returns whether it is marked now. */
gboolean nv_marks_toggle(NvMarks *m, NvConn *conn, const char *name);
guint nv_marks_count(NvMarks *m);
void nv_marks_clear(NvMarks *m);
/* Drops marks on names gone from their host: `alive` maps each host in view (NvConn*) to the
 * set of its names; a host not in `alive` keeps its marks only if `keep_other_hosts`. */
void nv_marks_prune(NvMarks *m, GHashTable *alive, gboolean keep_other_hosts);
void nv_marks_drop_conn(NvMarks *m, NvConn *conn);

/* ---- panes ---- */

typedef struct {
    const char *name;  /* N_(): tab title */
    NvContext context; /* key context of the pane */
    const NvColumn *columns;
    /* One per column, in the same order: how to sort on it (NULL: not on this column). NULL
     * for a pane whose list is not sorted (`o` does nothing there). */
    const NvCompareFunc *compare;
    /* Items of one host before filtering, from its model; the base puts every host's in a
     * row (nv_pane_item_conn maps an item back to its host and index there). */
    guint (*n_items)(NvPane *pane, NvConn *conn);
    /* Strings the filter looks at (with the host's name). item_name is also the key of the
     * item's mark and of the kept selection, per host. */
    const char *(*item_name)(NvPane *pane, guint item);
    const char *(*item_title)(NvPane *pane, guint item);
    /* Text of one cell (untrusted, caller sanitises), owned by the caller. */
    char *(*cell)(NvPane *pane, guint item, guint column);
    /* Colour pair of a row. */
    int (*row_color)(NvPane *pane, guint item);
    /* Details of the selected item (or none when item < 0). */
    void (*details)(NvPane *pane, int item, NvLines *out);
    const char *(*details_title)(NvPane *pane, int item);
    /* The selection moved: fetch what the details need. */
    void (*selected)(NvPane *pane, int item);
    /* An action of the pane's own context (e.g. open a console); FALSE when not handled. */
    gboolean (*action)(NvPane *pane, NvAction action);
    /* Rows can be marked (space) so an action applies to all of them. */
    gboolean markable;
    /* Each row is a host itself (the Hosts pane): no Host column, no greying. */
    gboolean rows_are_hosts;
    /* Items of no host, after every host's (the Hosts pane's saved connections that are not
     * open): nv_pane_item_conn gives NULL for them. Optional. */
    guint (*n_loose)(NvPane *pane);
    /* The NV_CHANGE_* of the model that rebuild the list; with NV_CHANGE_STATS the pane shows
     * live numbers (redrawn, and re-sorted, on every refresh). */
    unsigned changes;
    /* The pane's instance: a struct whose first member is NvPane (0: a bare NvPane). */
    gsize instance_size;
    /* After the base is set up, and before it is torn down at exit. Optional. */
    void (*init)(NvPane *pane);
    void (*finalize)(NvPane *pane);
} NvPaneClass;

struct NvPane {
    const NvPaneClass *klass;
    NvApp *app;
    NvList list;
    int details_scroll;
    GString *filter;            /* this pane's filter; "" shows everything */
    char *last_selected_key;    /* name of the selected item, to keep it across reloads */
    NvConn *last_selected_conn; /* and its host */
    guint select_source;        /* pending `selected` notification */
    NvMarks *marked;            /* marked items, by host and name */
    NvSpans spans;              /* which host each item is from (rebuilt with the list) */
    int host_width;             /* of the Host column, measured once per paint */
    int sort_column;            /* column the rows are sorted on, -1 for the model's order,
                                   NV_SORT_HOST for the Host column */
    gboolean sort_reverse;      /* descending */
    gboolean details_focus;     /* keys move in the details box rather than the list */
    int list_page;              /* rows of the list box, for page moves */
    int details_page;           /* rows of the details box */
    int details_width;          /* of the details box's interior, for graphs sized to fit */
};

/* ---- the pane base (pane.c) ---- */

#define NV_SORT_HOST (-2)

/* A pane of `klass`: the instance, its base set up, then the class's init. */
NvPane *nv_pane_new(const NvPaneClass *klass, NvApp *app);
void nv_pane_free(NvPane *pane);
/* Rebuilds a pane's visible rows from its items and the filter. */
void nv_pane_rebuild(NvPane *pane);
/* Live numbers changed: rows move, the selection moves with its item. */
void nv_pane_resort(NvPane *pane);
/* The selection moved: the details start at the top and are fetched (now, or once the
 * selection rests). */
void nv_pane_selection_changed(NvPane *pane, gboolean at_once);
/* Moves the selection by an up/down/page/home/end action; TRUE when it moved. */
gboolean nv_pane_move(NvPane *pane, NvAction a);
/* The actions every list has (moving, details focus, marks, sort); FALSE when not one. */
gboolean nv_pane_list_action(NvPane *pane, NvAction a);
void nv_pane_filter_clear(NvPane *pane);
void nv_pane_filter_erase(NvPane *pane);
void nv_pane_filter_append(NvPane *pane, gunichar c);
/* Whether keys move in the details box (Enter) rather than the list (Escape). */
void nv_pane_set_details_focus(NvPane *pane, gboolean focus);
gboolean nv_pane_details_focused(NvPane *pane);
void nv_pane_draw_list(NvPane *pane, int y, int x, int h, int w);
void nv_pane_draw_details(NvPane *pane, int y, int x, int h, int w);
/* Items of every host in view (all, or the scope's one), before filtering. */
guint nv_pane_n_items(NvPane *pane);
/* The host `item` belongs to and its index in that host's model (`local`, may be NULL). */
NvConn *nv_pane_item_conn(NvPane *pane, guint item, guint *local);
/* The selected row's host (else the scope's or the first: never NULL while a host is open)
 * and its model: for what the details and a single-row action need. */
NvConn *nv_pane_conn(NvPane *pane);
const NvModel *nv_pane_model(NvPane *pane);
/* The Host column is shown: more than one host is open. */
gboolean nv_pane_show_hosts(NvPane *pane);
/* The host went away (nv_app_remove_conn): its marks and kept selection go with it. */
void nv_pane_forget_conn(NvPane *pane, NvConn *conn);

/* What an action applies to: the marked items the filter shows, in the model's order, else
 * the selected one; an array of guint item indices, empty when there is nothing. Caller
 * frees. The items may be of several hosts: an action maps each with nv_pane_item_conn,
 * groups them by host and calls the core once per host. */
GArray *nv_pane_targets(NvPane *pane);
/* Marked items the filter hides, which nv_pane_targets leaves out. */
guint nv_pane_marked_hidden(NvPane *pane);
gboolean nv_pane_is_marked(NvPane *pane, guint item);

const NvPaneClass *nv_pane_domains_class(void);
const NvPaneClass *nv_pane_storage_class(void);
const NvPaneClass *nv_pane_networks_class(void);
const NvPaneClass *nv_pane_host_class(void);

/* ---- full-screen views (consoles): they take every key but the ones bound in their context */

typedef struct NvView NvView;

typedef struct {
    NvContext context;
    /* Draws the whole screen (nv_app_rows x nv_app_cols) into stdscr, or straight to the terminal
     * when `raw` is set (curses is then not refreshed while the view is open). */
    void (*draw)(NvView *view);
    /* An action bound in `context`; returning FALSE closes the view. */
    gboolean (*action)(NvView *view, NvAction action);
    /* Any other key: it belongs to the guest. */
    void (*key)(NvView *view, NvKey key);
    /* A mouse event at a screen cell; `buttons` is a curses mmask_t. Optional. */
    void (*mouse)(NvView *view, int y, int x, unsigned long buttons);
    /* The terminal changed size (nv_app_rows/cols tell the new one). Optional. */
    void (*resize)(NvView *view);
    /* The connection's model changed (a domain started or stopped). Optional. */
    void (*model_changed)(NvView *view, unsigned changes);
    void (*free)(NvView *view);
    gboolean raw;
} NvViewClass;

struct NvView {
    const NvViewClass *klass;
    NvApp *app;
    NvConn *conn; /* the host it works on (closed with it, nv_app_remove_conn), or NULL */
};

/* Opens a view over the panes (closing any open one); the app owns it from here. */
void nv_app_open_view(NvApp *app, NvView *view);
void nv_app_close_view(NvApp *app);

/* Domain actions on nv_pane_targets() of the Domains pane; FALSE when `a` is not theirs.
 * pane-domains-actions.c: lifecycle, autostart, rename, delete, XML edit; pane-domains-snapshots.c:
 * snapshots and clones; pane-domains-edit.c: the details editor. */
gboolean nv_domain_action(NvPane *pane, NvAction a);
gboolean nv_domain_snapshot_action(NvPane *pane, NvAction a);
/* Migration (pane-domains-migrate.c): M and P. */
gboolean nv_domain_migrate_action(NvPane *pane, NvAction a);
gboolean nv_domain_edit_action(NvPane *pane, NvAction a);

/* ---- jobs: long actions shown with a progress bar in the status line (app.c) ---- */

typedef void (*NvJobCancelFunc)(gpointer data);
/* Starts showing a job; `cancel` (may be NULL: not cancellable) runs on the job-cancel key.
 * Returns an id for the calls below. */
guint nv_app_job_begin(NvApp *app, const char *label, NvJobCancelFunc cancel, gpointer data);
/* `fraction` 0..1, or < 0 when unknown (a spinner instead of a bar). */
void nv_app_job_progress(NvApp *app, guint id, double fraction, const char *detail);
void nv_app_job_end(NvApp *app, guint id);
/* The job-cancel key: cancels the newest job that can be cancelled. */
void nv_app_job_cancel_newest(NvApp *app);
guint nv_app_job_count(NvApp *app);
/* Quitting: cancels (rolls back) every job that can be; the others run to their end. */
void nv_app_job_cancel_all(NvApp *app);
/* After a job ended: a quit that waited for the jobs goes ahead once none is left. */
void nv_app_quit_if_jobs_done(NvApp *app);
/* A line printed on stderr once the screen is gone (what became of an edit cut short). */
void nv_app_exit_note(NvApp *app, const char *note);
/* Whether the app is on its way out, waiting for its jobs. */
gboolean nv_app_quitting(NvApp *app);

/* ---- the status line (status.c) ---- */

/* The one policy for libvirt's messages, which may be long and span lines (a schema error
 * names the element on the next one): nv_app_message shows them on one line, the breaks as
 * " · "; nv_app_report also shows an error that does not fit in full in a dialog (unless one
 * is open); a question that quotes one lists nv_status_wrap's lines. */
void nv_app_report(NvApp *app, const char *msg, gboolean error);
/* A bulk action's outcome: `summary` in the status line, and every failure (char*) with its
 * reason in a dialog when there are several or the summary does not fit. */
void nv_app_report_failures(NvApp *app, const char *summary, GPtrArray *failures, guint total);
/* `msg` on one line, its line breaks as " · ". */
char *nv_status_one_line(const char *msg);
/* `msg` as lines (char*) that fit a dialog's list on this terminal: dialogs do not wrap. */
GPtrArray *nv_status_wrap(NvApp *app, const char *msg);
/* The same at `width` columns: words never split, a word wider than that alone on its line. */
GPtrArray *nv_status_wrap_to(const char *msg, int width);
int nv_status_wrap_width(NvApp *app);

typedef struct NvStatus NvStatus;
NvStatus *nv_status_new(NvApp *app);
void nv_status_free(NvStatus *s);
/* Keeps the spinner turning while a connection is busy or a job runs. */
void nv_status_spin(NvStatus *s);
const char *nv_status_spinner_frame(NvStatus *s);
gboolean nv_status_has_jobs(NvStatus *s);
/* The newest job, else the last message, else the key hints. */
void nv_status_draw(NvStatus *s, int y, int cols);

/* Views that upper layers (the wizards) open for an action: ui/ cannot call into wizards/,
 * so main.c has wizards/ register a factory per action here. */
typedef NvView *(*NvViewFactory)(NvApp *app, NvPane *pane);
void nv_ui_set_factory(NvAction action, NvViewFactory factory);

/* The views, one file each (view-console.c, view-vnc.c), on domain `uuid` of host `conn`. */
NvView *nv_view_console_new(NvApp *app, NvConn *conn, const char *uuid, const char *name);
NvView *nv_view_vnc_new(NvApp *app, NvConn *conn, const char *uuid, const char *name);

/* ---- dialogs (dialog.c) ---- */

typedef struct NvPrompt NvPrompt;
/* `answer` is NULL when the user cancelled; it is wiped after the call, copy what you keep. */
typedef void (*NvPromptFunc)(NvApp *app, const char *answer, gpointer data);

/* Asks for one line of text over the screen; `masked` shows stars (passwords). */
void nv_app_prompt(NvApp *app, const char *title, const char *message, gboolean masked,
                   NvPromptFunc done, gpointer data);
/* Puts the open menu's cursor on choice `index` (the default). */
void nv_app_menu_select(NvApp *app, guint index);
/* Pre-fills the open prompt (e.g. the current name when renaming). */
void nv_app_prompt_text(NvApp *app, const char *initial);
/* Ticks on a list; `checked` gives the starting state (may be NULL: all unticked). */
void nv_app_checklist(NvApp *app, const char *title, const char *message,
                      const char *const *choices, const gboolean *checked, NvChoiceFunc done,
                      gpointer data);
void nv_prompt_key(NvApp *app, NvKey key);
void nv_prompt_draw(NvApp *app);

/* ---- the app (app.c): opaque, reached through these ---- */

NvKeymap *nv_app_get_keymap(NvApp *app);
int nv_app_rows(NvApp *app);
int nv_app_cols(NvApp *app);
/* The open view, or NULL. */
NvView *nv_app_get_view(NvApp *app);
NvStatus *nv_app_get_status(NvApp *app);
/* The open dialog, or NULL (dialog.c keeps it there). */
NvPrompt *nv_app_get_prompt(NvApp *app);
void nv_app_set_prompt(NvApp *app, NvPrompt *prompt);
/* Ends the loop: nv_ui_run returns. */
void nv_app_quit(NvApp *app);
/* Hands the terminal to another program ($EDITOR) and takes it back: nothing is drawn
 * meanwhile, not even a dialog; everything is repainted after. */
void nv_app_suspend(NvApp *app);
void nv_app_resume(NvApp *app);
/* As suspend/resume, for a program that reads the terminal itself (ssh asking a password):
 * stdin is not read meanwhile, and what was typed but not read is dropped on the way back. */
void nv_app_release_terminal(NvApp *app);
gboolean nv_app_is_suspended(NvApp *app);
void nv_app_take_terminal(NvApp *app);
/* A connection is busy or still connecting. */
gboolean nv_app_busy(NvApp *app);

/* Paces a view's repaints of changing content (a guest console, a VNC display): at most one
 * every `interval_us`. A change after a quiet moment paints at once; changes that come
 * faster are held for one paint when the interval has passed; nothing runs while nothing
 * changes. Zero-initialised but for `app` and `interval_us`. */
typedef struct {
    NvApp *app;
    gint64 interval_us;
    gint64 painted_us; /* set by nv_pacer_painted */
    guint source;      /* the held-back paint */
} NvPacer;

/* Something changed: marks the app dirty now or when the interval has passed. */
void nv_pacer_changed(NvPacer *p);
/* Call from the view's draw. */
void nv_pacer_painted(NvPacer *p);
/* Drops a held-back paint (the view is going). */
void nv_pacer_clear(NvPacer *p);

/* ---- live graphs in the details (graphs.c) ---- */

/* A details line whose value is a sparkline of `ring` (scaled 0..max, max <= 0: to its largest
 * value) followed by `value`: one glyph a sample, as many as the ring holds and the details
 * box has room for.
 * The width depends on the label column, known once every line is in: add the graphs with
 * nv_graphs_add while building the lines, then call nv_graphs_finish once at the end. */
typedef struct NvGraphs NvGraphs;
NvGraphs *nv_graphs_new(void);
void nv_graphs_free(NvGraphs *g);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvGraphs, nv_graphs_free)
void nv_graphs_add(NvGraphs *g, NvLines *l, const char *label, const NvRing *ring, double max,
                   const char *value);
void nv_graphs_finish(NvGraphs *g, NvLines *l, int width);

/* ---- screen (screen.c) ---- */

void nv_screen_init(void);
void nv_screen_end(void);
/* Reads every pending key; returns FALSE when none is left. */
gboolean nv_screen_read_key(NvKey *key);
/* The event behind an NV_KEY_MOUSE key. */
gboolean nv_screen_mouse(int *y, int *x, unsigned long *buttons);
/* Applies the terminal's new size to curses. */
void nv_screen_resize(int *rows, int *cols);
/* Gives the terminal back as curses found it (for $EDITOR, ssh), and takes it again. */
void nv_screen_suspend(void);
void nv_screen_resume(void);

/* ---- stderr while curses is up (stderr-log.c) ---- */

/* Sends stderr to a log file; returns the saved descriptor for nv_stderr_restore. */
int nv_stderr_redirect(void);
void nv_stderr_restore(int saved);

/* ---- authentication dialogs (auth.c) ---- */

/* The UI's handler of conn-auth.h, registered for the life of the object. */
typedef struct NvAuthUi NvAuthUi;
NvAuthUi *nv_auth_ui_new(NvApp *app);
/* Cancels what is still asked or waiting. */
void nv_auth_ui_free(NvAuthUi *ui);

/* ---- help (help.c) ---- */

/* The keys of `pane`'s context chain, from line `scroll`. */
void nv_help_draw(NvApp *app, NvPane *pane, int scroll, int y, int x, int h, int width);
int nv_help_line_count(NvApp *app, NvPane *pane);
