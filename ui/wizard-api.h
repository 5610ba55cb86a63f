/* The wizards' one window into ui/: the wizard runner (ui/view-wizard.c), which steps over a
 * draft and draws each step's form from a declarative field table, and the few things a wizard
 * may ask of the app. No curses and no ui internals: wizards/ include this header and src/
 * headers, nothing else (tests/unit-layers.c). */
#pragma once

#include "field.h"
#include "form-model.h"
#include "app-api.h"
#include "nvcore.h"
#include "storage.h"

typedef struct NvView NvView;
typedef struct NvWizard NvWizard;

/* ---- a step's fields, as data ---- */

typedef enum {
    NV_WIZARD_TEXT,    /* free text; its slot is a char *, stored without surrounding blanks */
    NV_WIZARD_PATH,    /* an absolute path (C-t completes); a char *, stored as typed */
    NV_WIZARD_ENUM,    /* one of `values` (or what `choices` gives); the value into a char * */
    NV_WIZARD_BOOL,    /* yes or no; a gboolean */
    NV_WIZARD_SIZE,    /* bytes in [min, max]; a guint64 in `scale` units, empty is 0 */
    NV_WIZARD_REMARK,  /* a line of text (`label`, or what `initial` gives: NULL hides it) */
    NV_WIZARD_INT,     /* a whole number in [min, max]; a guint */
    NV_WIZARD_INDEX,   /* one of the choices, as ENUM; its index among them into an int (enum) */
    NV_WIZARD_HEADING, /* a section title (`label`); no value */
    NV_WIZARD_BUTTON,  /* `label` as a button; Enter calls the step's activate with the id */
    /* A list: a line per choice (the keys and texts `choices` gives; Enter calls activate with
     * the key), then a remark keyed by the id (`label`, or what `initial` gives: NULL hides
     * it). No value. */
    NV_WIZARD_ITEMS,
} NvWizardFieldKind;

/* No slot: the step's `read` takes the value itself. */
#define NV_WIZARD_NO_SLOT (-1)

typedef struct {
    const char *id; /* the form row's key */
    NvWizardFieldKind kind;
    const char *label; /* N_() */
    /* SIZE: the range in bytes; INT: the range; TEXT, PATH: max characters. max 0 is no bound. */
    guint64 min, max;
    /* SIZE: the bytes a bare number means (0: GiB), what the size must be a multiple of (0: 1),
     * and the unit of the slot's number (0: bytes; 1024: the slot holds KiB). */
    guint64 unit, granularity, scale;
    gboolean optional; /* "" is accepted */
    const char *hint;  /* N_() or NULL: shown beside the field */
    /* An extra check on the text; its data is the draft. */
    NvFieldCheck check;
    /* visible-when: the row is shown only when the step's `state` shares a bit with this
     * mask; 0 shows it always. */
    guint visible_when;
    /* Offset of the value in the step's target (G_STRUCT_OFFSET), or NV_WIZARD_NO_SLOT. The
     * runner loads the field from it and stores the field back into it on Next. */
    gssize slot;
    /* ENUM, INDEX: values and their labels (N_(), NULL: the values), NULL-terminated. */
    const char *const *values;
    const char *const *labels;
    /* Optional, for what depends on the draft: the choices (new strings appended: values and
     * translated labels; ITEMS: keys and texts), the initial text (instead of the slot's), the
     * hint (a new translated string, or NULL). In a live step they are asked again on each
     * refresh. */
    void (*choices)(gconstpointer draft, GPtrArray *values, GPtrArray *labels);
    char *(*initial)(gconstpointer draft);
    char *(*hint_for)(gconstpointer draft);
    /* Live steps: each edit stores the field into its slot at once (when valid) and refreshes
     * the step, so what the step shows can follow it (e.g. an install method). */
    gboolean refresh;
    /* Live steps: while the user has not edited it, the field follows `initial` on each
     * refresh (a default derived from another field). */
    gboolean follow;
} NvWizardField;

typedef struct {
    const char *title; /* N_() */
    /* The step's rows, in order. */
    const NvWizardField *fields;
    guint n_fields;
    /* Where the fields' slots are: NULL is the draft itself. */
    gpointer (*target)(gpointer draft);
    /* The bits the fields' visible_when are matched against; NULL is every bit. */
    guint (*state)(gconstpointer draft);
    /* FALSE: the state is read once, when the step is entered, and only the rows visible in it
     * are built (ids may repeat between states). TRUE: every row is built (ids are unique) and
     * each refresh (a `refresh` field edited, nv_wizard_refresh) reads the state again, shows
     * the rows visible in it, and asks the draft again for remarks, lists, choices and hints.
     * A heading's visibility is decided when it is built. */
    gboolean live;
    /* On Next, after the slots are stored: reads what the table does not and checks the step
     * as a whole; FALSE (with notes set on the rows at fault) keeps the user on the step.
     * Fields are already valid by their own rules. Optional. */
    gboolean (*read)(NvWizard *wz, NvForm *form, gpointer draft);
    /* A button or list item of the step was activated (Enter on it). Optional. */
    void (*activate)(NvWizard *wz, NvForm *form, const char *key, gpointer draft);
    /* TRUE when the step does not apply to this draft (e.g. no storage for PXE). Optional. */
    gboolean (*skip)(gpointer draft);
} NvWizardStep;

typedef struct {
    const char *title; /* N_(): "New virtual machine" */
    const NvWizardStep *steps;
    guint n_steps;
    /* The text of the summary step: what will be created, then the full XML. NULL with `err`
     * when the draft cannot be turned into XML (shown instead; Create is refused). */
    char *(*summary)(gpointer draft, GError **err);
    /* Creates what the draft describes, asynchronously, then calls nv_wizard_finished. It
     * must leave nothing behind on failure (delete what it created before the failure). */
    void (*commit)(NvWizard *wz, gpointer draft);
    GDestroyNotify draft_free;
} NvWizardClass;

/* ---- the runner ---- */

/* A full-screen view running the wizard; the view owns the draft. */
NvView *nv_wizard_new(NvApp *app, const NvWizardClass *klass, gpointer draft);

NvApp *nv_wizard_app(NvWizard *wz);
NvConn *nv_wizard_conn(NvWizard *wz);
/* The end of commit: `err` NULL closes the wizard and shows `message`; an error keeps the
 * summary step open with the error, so the user can go back and change something. Safe to
 * call after the user closed the wizard (then only the message is shown). */
void nv_wizard_finished(NvWizard *wz, const GError *err, const char *message);
/* Rebuilds the current step's form from the draft (e.g. when data it lists has arrived). */
void nv_wizard_rebuild(NvWizard *wz);
/* Asks the draft again for what the current step shows (remarks, lists, choices, hints, and in
 * a live step the state), keeping what the user typed. */
void nv_wizard_refresh(NvWizard *wz);
/* The current step (its index in the class's steps) and its form; -1 and NULL on the
 * summary. */
int nv_wizard_step(NvWizard *wz);
NvForm *nv_wizard_form(NvWizard *wz);
/* Moves on as the Next key does (e.g. once an answer the step waited for arrived). */
void nv_wizard_next(NvWizard *wz);
/* A line under the form (e.g. "checking the name…"); NULL clears. */
void nv_wizard_set_status(NvWizard *wz, const char *text, gboolean error);
/* The wizard holds a reference while asynchronous work for it is in flight, so callbacks may
 * still use it after the user closed it (nv_wizard_is_open tells). */
NvWizard *nv_wizard_ref(NvWizard *wz);
void nv_wizard_unref(NvWizard *wz);
gboolean nv_wizard_is_open(NvWizard *wz);

/* ---- what a wizard may ask of the app ---- */

/* Opens a wizard for `action` (e.g. NV_ACTION_NEW_POOL) over the current pane, or returns
 * NULL after a message when it cannot. ui/ never calls wizards/: main.c has them register. */
typedef NvView *(*NvWizardOpenFunc)(NvApp *app, NvPane *pane);
void nv_wizard_register(NvAction action, NvWizardOpenFunc open);

/* The host a wizard opening over `pane` works on: the one the user chose (several hosts in
 * view), else the selected row's, else the scope's or the first. The wizard keeps it: its
 * view closes if that host is removed. */
NvConn *nv_wizard_host(NvApp *app, NvPane *pane);
/* The item selected in `pane` when it is a pane of `context`, as an index in the model of its
 * host (`conn`, may be NULL), else -1. */
int nv_wizard_pane_item(NvPane *pane, NvContext context, NvConn **conn);
/* Selects the item named `key` of host `conn` in `pane` once its list reloads (a newly created
 * object). */
void nv_wizard_pane_select(NvPane *pane, NvConn *conn, const char *key);
/* Views a finished wizard hands over to: a domain's serial console, its details editor (on
 * host `conn`; nothing when it was closed meanwhile). */
void nv_wizard_open_console(NvApp *app, NvConn *conn, const char *uuid, const char *name);
void nv_wizard_open_editor(NvApp *app, NvConn *conn, const char *uuid, const char *name);
/* Uploads a local file into a volume as a job in the status line (the Storage pane's
 * upload of the file opened when it was checked: a volume `created` for it is deleted
 * again when the upload fails). */
void nv_wizard_upload(NvApp *app, NvConn *conn, const char *pool, const char *volume,
                      NvLocalFile *file, gboolean created);
