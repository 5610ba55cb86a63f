/* Shared by the files of ui/: the app, panes (a vtable each), the list widget and drawing. */
#pragma once

#include <curses.h>

#include "ui.h"

typedef struct NvApp NvApp;
typedef struct NvPane NvPane;

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
/* Moves by an action (up, down, page, home, end); returns TRUE when the selection moved. */
gboolean nv_list_move(NvList *list, NvAction action, int page);
/* Keeps the selection on the same item (by index in the old rows) after a rebuild. */
void nv_list_keep_in_range(NvList *list);
/* The item index of the selected row, or -1 when empty. */
int nv_list_selected_item(const NvList *list);

/* ---- panes ---- */

typedef struct {
    const char *name;  /* N_(): tab title */
    NvContext context; /* key context of the pane */
    const NvColumn *columns;
    /* One per column, in the same order: how to sort on it (NULL: not on this column). NULL
     * for a pane whose list is not sorted (`o` does nothing there). */
    const NvCompareFunc *compare;
    /* Items before filtering, from the model. */
    guint (*n_items)(NvPane *pane);
    /* Strings the filter looks at. */
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
} NvPaneClass;

struct NvPane {
    const NvPaneClass *klass;
    NvApp *app;
    NvList list;
    int details_scroll;
    GString *filter;         /* this pane's filter; "" shows everything */
    char *last_selected_key; /* name of the selected item, to keep it across reloads */
    guint select_source;     /* pending `selected` notification */
    GHashTable *marked;      /* names of marked items (a set) */
    int sort_column;         /* column the rows are sorted on, -1 for the model's order */
    gboolean sort_reverse;   /* descending */
};

/* What an action applies to: the marked items in list order, else the selected one; an
 * array of guint item indices, empty when there is nothing. Caller frees. */
GArray *nv_pane_targets(NvPane *pane);
gboolean nv_pane_is_marked(NvPane *pane, guint item);

const NvPaneClass *nv_pane_domains_class(void);
const NvPaneClass *nv_pane_storage_class(void);
const NvPaneClass *nv_pane_networks_class(void);
const NvPaneClass *nv_pane_host_class(void);

/* ---- full-screen views (consoles): they take every key but the ones bound in their context */

typedef struct NvView NvView;

typedef struct {
    NvContext context;
    /* Draws the whole screen (app->rows x app->cols) into stdscr, or straight to the terminal
     * when `raw` is set (curses is then not refreshed while the view is open). */
    void (*draw)(NvView *view);
    /* An action bound in `context`; returning FALSE closes the view. */
    gboolean (*action)(NvView *view, NvAction action);
    /* Any other key: it belongs to the guest. */
    void (*key)(NvView *view, NvKey key);
    /* A mouse event at a screen cell; `buttons` is a curses mmask_t. Optional. */
    void (*mouse)(NvView *view, int y, int x, unsigned long buttons);
    /* The terminal changed size (app->rows/cols are already updated). Optional. */
    void (*resize)(NvView *view);
    /* The connection's model changed (a domain started or stopped). Optional. */
    void (*model_changed)(NvView *view, unsigned changes);
    void (*free)(NvView *view);
    gboolean raw;
} NvViewClass;

struct NvView {
    const NvViewClass *klass;
    NvApp *app;
};

/* Opens a view over the panes (closing any open one); the app owns it from here. */
void nv_app_open_view(NvApp *app, NvView *view);
void nv_app_close_view(NvApp *app);
/* Shows a message in the status line (after the view closes, if one is open). */
void nv_app_message(NvApp *app, const char *msg, gboolean error);

/* Domain actions on nv_pane_targets() of the Domains pane; FALSE when `a` is not theirs.
 * pane-domains-actions.c: lifecycle, autostart, rename, delete, XML edit; pane-domains-snapshots.c:
 * snapshots and clones; pane-domains-edit.c: the details editor. */
gboolean nv_domain_action(NvPane *pane, NvAction a);
gboolean nv_domain_snapshot_action(NvPane *pane, NvAction a);
gboolean nv_domain_edit_action(NvPane *pane, NvAction a);

/* ---- jobs: long actions shown with a progress bar in the status line (app.c) ---- */

typedef void (*NvJobCancelFunc)(gpointer data);
/* Starts showing a job; `cancel` (may be NULL: not cancellable) runs on the job-cancel key.
 * Returns an id for the calls below. */
guint nv_app_job_begin(NvApp *app, const char *label, NvJobCancelFunc cancel, gpointer data);
/* `fraction` 0..1, or < 0 when unknown (a spinner instead of a bar). */
void nv_app_job_progress(NvApp *app, guint id, double fraction, const char *detail);
void nv_app_job_end(NvApp *app, guint id);

/* Views that upper layers (the wizards) open for an action: ui/ cannot call into wizards/,
 * so main.c has wizards/ register a factory per action here. */
typedef NvView *(*NvViewFactory)(NvApp *app, NvPane *pane);
void nv_ui_set_factory(NvAction action, NvViewFactory factory);

/* The views, one file each (view-console.c, view-vnc.c). */
NvView *nv_view_console_new(NvApp *app, const char *uuid, const char *name);
NvView *nv_view_vnc_new(NvApp *app, const char *uuid, const char *name);

/* ---- dialogs (dialog.c) ---- */

typedef struct NvPrompt NvPrompt;
/* `answer` is NULL when the user cancelled; it is wiped after the call, copy what you keep. */
typedef void (*NvPromptFunc)(NvApp *app, const char *answer, gpointer data);
/* `index` is the chosen row (menu), 0 for yes (confirm) or any accept (checklist), and -1
 * when cancelled; `checked` (checklist only) holds one flag per choice, NULL on cancel. */
typedef void (*NvChoiceFunc)(NvApp *app, int index, const gboolean *checked, gpointer data);

/* Asks for one line of text over the screen; `masked` shows stars (passwords). */
void nv_app_prompt(NvApp *app, const char *title, const char *message, gboolean masked,
                   NvPromptFunc done, gpointer data);
/* Pre-fills the open prompt (e.g. the current name when renaming). */
void nv_app_prompt_text(NvApp *app, const char *initial);
/* Yes or no, listing `lines` (e.g. every domain the action will touch) under the message. */
void nv_app_confirm(NvApp *app, const char *title, const char *message, const char *const *lines,
                    NvChoiceFunc done, gpointer data);
/* One choice out of `choices` (NULL-terminated). */
void nv_app_menu(NvApp *app, const char *title, const char *message, const char *const *choices,
                 NvChoiceFunc done, gpointer data);
/* Ticks on a list; `checked` gives the starting state (may be NULL: all unticked). */
void nv_app_checklist(NvApp *app, const char *title, const char *message,
                      const char *const *choices, const gboolean *checked, NvChoiceFunc done,
                      gpointer data);
void nv_prompt_key(NvApp *app, NvKey key);
void nv_prompt_draw(NvApp *app);

/* ---- the app (app.c) ---- */

struct NvApp {
    NvConn *conn;
    NvKeymap *keymap;
    GMainLoop *loop;
    NvPane panes[4];
    guint current;
    NvView *view;       /* a console over the panes, or NULL */
    NvPrompt *prompt;   /* a question over everything, or NULL */
    gboolean suspended; /* another program ($EDITOR) has the terminal: draw nothing */
    GPtrArray *jobs;    /* NvJobInfo* in start order (app.c) */
    guint next_job_id;
    gboolean details_focus;
    gboolean help_open;
    int help_scroll;
    gboolean filter_editing;
    char *status; /* the last message */
    gboolean status_is_error;
    guint status_source; /* clears the message after a while */
    gboolean dirty;
    guint draw_source;
    guint spinner_source;
    guint spinner_phase;
    int rows, cols;
    int list_page; /* rows of the list box, for page moves */
    int details_page;
    int details_width; /* of the details box's interior, for graphs sized to fit */
    int exit_status;
};

NvConn *nv_app_conn(NvPane *pane);
const NvModel *nv_app_model(NvPane *pane);
void nv_app_dirty(NvApp *app);

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
/* Rebuilds a pane's visible rows from its items and the filter. */
void nv_pane_rebuild(NvPane *pane);

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

/* ---- help (help.c) ---- */

void nv_help_draw(NvApp *app, int y, int x, int h, int width);
int nv_help_line_count(NvApp *app);

/* ---- accessors (app.c): NvApp is opaque outside app.c ---- */

NvConn *nv_app_get_conn(NvApp *app);
NvKeymap *nv_app_get_keymap(NvApp *app);
int nv_app_rows(NvApp *app);
int nv_app_cols(NvApp *app);
NvView *nv_app_get_view(NvApp *app);
