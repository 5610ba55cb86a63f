/* The form: rows of labelled typed fields (src/field.h), section headings, list items and
 * buttons, with a focus that moves between the rows that take it, editing of the focused
 * field, and a note beside each row (a field's own error first, in red). No curses here, so
 * the wizards fill and read forms through ui/wizard-api.h; widget-form.h draws them. */
#pragma once

#include "field.h"
#include "nvcore.h"

typedef enum {
    NV_FORM_HEADING, /* a section title */
    NV_FORM_FIELD,   /* a labelled NvField */
    NV_FORM_ITEM,    /* a line of a list (a disk, a NIC): Enter opens what can be done to it */
    NV_FORM_BUTTON,  /* an action: "[ Add a disk… ]" */
    NV_FORM_TEXT,    /* a remark */
} NvFormRowKind;

typedef enum {
    NV_NOTE_NONE,
    NV_NOTE_INFO,  /* dim */
    NV_NOTE_OK,    /* green: applied now */
    NV_NOTE_WARN,  /* yellow: after the next boot */
    NV_NOTE_ERROR, /* red */
    NV_NOTE_BUSY,  /* being applied */
} NvNoteKind;

typedef struct NvForm NvForm;

NvForm *nv_form_new(void);
void nv_form_free(NvForm *form);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvForm, nv_form_free)

/* Rows are appended; `key` names a row for the code (a field's key is its id). The form owns
 * the fields it is given. Each returns the new row's index. */
guint nv_form_add_heading(NvForm *form, const char *text);
guint nv_form_add_field(NvForm *form, NvField *field);
guint nv_form_add_item(NvForm *form, const char *group, const char *key, const char *text);
guint nv_form_add_button(NvForm *form, const char *key, const char *label);
guint nv_form_add_text(NvForm *form, const char *key, const char *text);
/* Replaces the items of `group` with new ones (texts[i] keyed keys[i]) placed just before the
 * row `before` (a key); the focus stays on the same key when it is still there. */
void nv_form_set_items(NvForm *form, const char *group, const char *before, const char *const *keys,
                       const char *const *texts);

NvField *nv_form_field(NvForm *form, const char *id);
/* -1 when no row has the key. */
int nv_form_row(NvForm *form, const char *key);
void nv_form_set_visible(NvForm *form, const char *key, gboolean visible);
void nv_form_set_label(NvForm *form, const char *key, const char *text);
/* A note beside the row (NULL clears); a field's validation error is shown instead while
 * there is one. Editing a field clears its note. */
void nv_form_set_note(NvForm *form, const char *key, NvNoteKind kind, const char *text);
void nv_form_clear_notes(NvForm *form);

/* The focused row: its kind, key (an item's, a button's or a field's id), field or NULL. */
NvFormRowKind nv_form_focus_kind(NvForm *form);
const char *nv_form_focus_key(NvForm *form);
NvField *nv_form_focus_field(NvForm *form);
gboolean nv_form_focus(NvForm *form, const char *key);

/* Moving: UP, DOWN, FIELD_NEXT, FIELD_PREV, PAGE_UP, PAGE_DOWN. FALSE for other actions. */
gboolean nv_form_action(NvForm *form, NvAction action);
/* A key no binding took: typed into the focused field (letters, Backspace, Delete, Left,
 * Right, Home, End, C-u clears, Space cycles a choice). TRUE when it changed something. */
gboolean nv_form_key(NvForm *form, NvKey key);
/* Completes the focused path field; the candidates show beside it. FALSE when the focused
 * row is not a path field. */
gboolean nv_form_complete(NvForm *form);

/* Every visible field is valid; otherwise focuses the first that is not. */
gboolean nv_form_check(NvForm *form);
/* Labels of the visible fields whose text differs from their initial value. */
GPtrArray *nv_form_changed_labels(NvForm *form);

/* Whether an edited field says "changed" beside it (not in a form that is all new). */
void nv_form_set_show_changes(NvForm *form, gboolean show);
/* Rows a form wants (visible ones), for sizing a box around it. */
int nv_form_height(NvForm *form);
