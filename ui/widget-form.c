/* The form widget: labelled typed fields, headings, list items and buttons in rows; focus,
 * editing of the focused field at a cursor, and a note beside each row. Validation lives in
 * the fields (src/field.c); this file only draws them and feeds them keys. */
#include <string.h>

#include "widget-form.h"

#define NV_FORM_LABEL_MAX 24
#define NV_FORM_VALUE_MIN 12
#define NV_FORM_VALUE_MAX 34

typedef struct {
    NvFormRowKind kind;
    char *key;
    char *group; /* items */
    char *text;  /* heading, item, button, remark */
    NvField *field;
    char *note;
    NvNoteKind note_kind;
    gboolean visible;
} Row;

struct NvForm {
    GPtrArray *rows; /* Row* */
    int focus;       /* row index, -1 when nothing can take it */
    int top;         /* first row drawn */
    gboolean show_changes;
};

static void row_free(Row *r)
{
    g_free(r->key);
    g_free(r->group);
    g_free(r->text);
    g_free(r->note);
    nv_field_free(r->field);
    g_free(r);
}

NvForm *nv_form_new(void)
{
    NvForm *f = g_new0(NvForm, 1);
    f->rows = g_ptr_array_new_with_free_func((GDestroyNotify)row_free);
    f->focus = -1;
    f->show_changes = TRUE;
    return f;
}

void nv_form_free(NvForm *form)
{
    if (!form)
        return;
    g_ptr_array_unref(form->rows);
    g_free(form);
}

static Row *row_at(NvForm *form, int i)
{
    return i >= 0 && (guint)i < form->rows->len ? form->rows->pdata[i] : NULL;
}

static gboolean takes_focus(const Row *r)
{
    return r && r->visible &&
           (r->kind == NV_FORM_FIELD || r->kind == NV_FORM_ITEM || r->kind == NV_FORM_BUTTON);
}

/* Keeps the focus on a row that can take it: the nearest one at or after, else before. */
static void settle_focus(NvForm *form)
{
    int n = (int)form->rows->len;
    if (takes_focus(row_at(form, form->focus)))
        return;
    int from = CLAMP(form->focus, 0, MAX(0, n - 1));
    for (int i = from; i < n; i++)
        if (takes_focus(row_at(form, i))) {
            form->focus = i;
            return;
        }
    for (int i = from; i >= 0; i--)
        if (takes_focus(row_at(form, i))) {
            form->focus = i;
            return;
        }
    form->focus = -1;
}

static guint insert_row(NvForm *form, int at, NvFormRowKind kind, const char *key, const char *text)
{
    Row *r = g_new0(Row, 1);
    r->kind = kind;
    r->key = g_strdup(key ? key : "");
    r->text = g_strdup(text ? text : "");
    r->visible = TRUE;
    if (at < 0 || (guint)at >= form->rows->len) {
        g_ptr_array_add(form->rows, r);
        at = (int)form->rows->len - 1;
    } else {
        g_ptr_array_insert(form->rows, at, r);
        if (form->focus >= at)
            form->focus++;
    }
    settle_focus(form);
    return (guint)at;
}

guint nv_form_add_heading(NvForm *form, const char *text)
{
    return insert_row(form, -1, NV_FORM_HEADING, NULL, text);
}

guint nv_form_add_field(NvForm *form, NvField *field)
{
    guint i = insert_row(form, -1, NV_FORM_FIELD, nv_field_id(field), NULL);
    ((Row *)form->rows->pdata[i])->field = field;
    settle_focus(form);
    return i;
}

guint nv_form_add_item(NvForm *form, const char *group, const char *key, const char *text)
{
    guint i = insert_row(form, -1, NV_FORM_ITEM, key, text);
    ((Row *)form->rows->pdata[i])->group = g_strdup(group);
    return i;
}

guint nv_form_add_button(NvForm *form, const char *key, const char *label)
{
    return insert_row(form, -1, NV_FORM_BUTTON, key, label);
}

guint nv_form_add_text(NvForm *form, const char *key, const char *text)
{
    return insert_row(form, -1, NV_FORM_TEXT, key, text);
}

int nv_form_row(NvForm *form, const char *key)
{
    for (guint i = 0; key && i < form->rows->len; i++)
        if (strcmp(((Row *)form->rows->pdata[i])->key, key) == 0)
            return (int)i;
    return -1;
}

void nv_form_set_items(NvForm *form, const char *group, const char *before, const char *const *keys,
                       const char *const *texts)
{
    g_autofree char *focused = g_strdup(nv_form_focus_key(form));
    /* Notes stay with items that are still there (a result reported on a disk). */
    g_autoptr(GHashTable) notes = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    for (guint i = form->rows->len; i > 0; i--) {
        Row *r = form->rows->pdata[i - 1];
        if (r->kind == NV_FORM_ITEM && g_strcmp0(r->group, group) == 0) {
            g_ptr_array_steal_index(form->rows, i - 1);
            if (r->note && !g_hash_table_contains(notes, r->key))
                g_hash_table_insert(notes, g_strdup(r->key), r);
            else
                row_free(r);
            if (form->focus >= (int)i - 1 && form->focus > 0)
                form->focus--;
        }
    }
    int at = nv_form_row(form, before);
    for (guint i = 0; keys && keys[i]; i++) {
        guint row = insert_row(form, at < 0 ? -1 : at + (int)i, NV_FORM_ITEM, keys[i], texts[i]);
        Row *r = form->rows->pdata[row];
        r->group = g_strdup(group);
        Row *old = g_hash_table_lookup(notes, keys[i]);
        if (old) {
            r->note = g_steal_pointer(&old->note);
            r->note_kind = old->note_kind;
        }
    }
    /* The old rows were kept for their notes until here. */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, notes);
    while (g_hash_table_iter_next(&it, NULL, &value))
        row_free(value);
    if (!focused || !nv_form_focus(form, focused))
        settle_focus(form);
}

NvField *nv_form_field(NvForm *form, const char *id)
{
    Row *r = row_at(form, nv_form_row(form, id));
    return r ? r->field : NULL;
}

void nv_form_set_visible(NvForm *form, const char *key, gboolean visible)
{
    Row *r = row_at(form, nv_form_row(form, key));
    if (!r || r->visible == visible)
        return;
    r->visible = visible;
    settle_focus(form);
}

void nv_form_set_label(NvForm *form, const char *key, const char *text)
{
    Row *r = row_at(form, nv_form_row(form, key));
    if (r) {
        g_free(r->text);
        r->text = g_strdup(text);
    }
}

void nv_form_set_note(NvForm *form, const char *key, NvNoteKind kind, const char *text)
{
    Row *r = row_at(form, nv_form_row(form, key));
    if (!r)
        return;
    g_free(r->note);
    r->note = g_strdup(text);
    r->note_kind = text ? kind : NV_NOTE_NONE;
}

void nv_form_clear_notes(NvForm *form)
{
    for (guint i = 0; i < form->rows->len; i++) {
        Row *r = form->rows->pdata[i];
        g_clear_pointer(&r->note, g_free);
        r->note_kind = NV_NOTE_NONE;
    }
}

NvFormRowKind nv_form_focus_kind(NvForm *form)
{
    Row *r = row_at(form, form->focus);
    return r ? r->kind : NV_FORM_TEXT;
}

const char *nv_form_focus_key(NvForm *form)
{
    Row *r = row_at(form, form->focus);
    return r ? r->key : NULL;
}

NvField *nv_form_focus_field(NvForm *form)
{
    Row *r = row_at(form, form->focus);
    return r ? r->field : NULL;
}

gboolean nv_form_focus(NvForm *form, const char *key)
{
    int i = nv_form_row(form, key);
    if (!takes_focus(row_at(form, i)))
        return FALSE;
    form->focus = i;
    return TRUE;
}

/* The next row that takes the focus in `dir`, or the current one at an end. */
static int step_focus(NvForm *form, int from, int dir)
{
    for (int i = from + dir; i >= 0 && (guint)i < form->rows->len; i += dir)
        if (takes_focus(row_at(form, i)))
            return i;
    return from;
}

gboolean nv_form_action(NvForm *form, NvAction action)
{
    int old = form->focus;
    switch (action) {
    case NV_ACTION_UP:
    case NV_ACTION_FIELD_PREV:
        form->focus = step_focus(form, form->focus, -1);
        break;
    case NV_ACTION_DOWN:
    case NV_ACTION_FIELD_NEXT:
        form->focus = step_focus(form, form->focus, 1);
        break;
    case NV_ACTION_PAGE_UP:
    case NV_ACTION_PAGE_DOWN:
        for (int i = 0; i < 10; i++)
            form->focus = step_focus(form, form->focus, action == NV_ACTION_PAGE_UP ? -1 : 1);
        break;
    case NV_ACTION_HOME:
        form->focus = step_focus(form, -1, 1);
        break;
    case NV_ACTION_END:
        form->focus = step_focus(form, (int)form->rows->len, -1);
        break;
    default:
        return FALSE;
    }
    if (form->focus < 0)
        form->focus = old;
    return TRUE;
}

gboolean nv_form_key(NvForm *form, NvKey key)
{
    Row *r = row_at(form, form->focus);
    if (!r || !r->field)
        return FALSE;
    NvField *f = r->field;
    gboolean changed = FALSE;
    switch (key) {
    case NV_KEY_BACKSPACE:
        changed = nv_field_erase_back(f);
        break;
    case NV_KEY_DELETE:
        changed = nv_field_erase_forward(f);
        break;
    case NV_KEY_LEFT:
        changed = nv_field_move(f, -1);
        break;
    case NV_KEY_RIGHT:
        changed = nv_field_move(f, 1);
        break;
    case NV_KEY_HOME:
    case 'a' | NV_KEY_MOD_CTRL:
        changed = nv_field_move_to(f, FALSE);
        break;
    case NV_KEY_END:
    case 'e' | NV_KEY_MOD_CTRL:
        changed = nv_field_move_to(f, TRUE);
        break;
    case 'u' | NV_KEY_MOD_CTRL:
        changed = nv_field_clear(f);
        break;
    case ' ':
        changed = nv_field_is_choice(f) ? nv_field_cycle(f, 1) : nv_field_insert(f, ' ');
        break;
    default:
        if ((key & NV_KEY_MODS) == 0 && key >= 32 && key < NV_KEY_SPECIAL)
            changed = nv_field_insert(f, key);
        break;
    }
    if (changed && r->note_kind != NV_NOTE_BUSY) {
        /* What the note said was about the old text. */
        g_clear_pointer(&r->note, g_free);
        r->note_kind = NV_NOTE_NONE;
    }
    return changed;
}

gboolean nv_form_complete(NvForm *form)
{
    Row *r = row_at(form, form->focus);
    if (!r || !r->field || nv_field_kind(r->field) != NV_FIELD_PATH)
        return FALSE;
    g_autoptr(GPtrArray) names = nv_field_complete(r->field);
    g_free(r->note);
    r->note = NULL;
    r->note_kind = NV_NOTE_NONE;
    if (names->len == 0) {
        r->note = g_strdup(_("no match"));
        r->note_kind = NV_NOTE_INFO;
    } else if (names->len > 1) {
        g_autoptr(GString) s = g_string_new("");
        for (guint i = 0; i < names->len && s->len < 200; i++)
            g_string_append_printf(s, "%s%s", i ? "  " : "", (char *)names->pdata[i]);
        r->note = g_strdup(s->str);
        r->note_kind = NV_NOTE_INFO;
    }
    return TRUE;
}

gboolean nv_form_check(NvForm *form)
{
    for (guint i = 0; i < form->rows->len; i++) {
        Row *r = form->rows->pdata[i];
        if (r->visible && r->field && !nv_field_is_valid(r->field)) {
            form->focus = (int)i;
            return FALSE;
        }
    }
    return TRUE;
}

GPtrArray *nv_form_changed_labels(NvForm *form)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < form->rows->len; i++) {
        Row *r = form->rows->pdata[i];
        if (r->visible && r->field && nv_field_changed(r->field))
            g_ptr_array_add(out, g_strdup(nv_field_label(r->field)));
    }
    return out;
}

void nv_form_set_show_changes(NvForm *form, gboolean show)
{
    form->show_changes = show;
}

int nv_form_height(NvForm *form)
{
    int n = 0;
    for (guint i = 0; i < form->rows->len; i++)
        n += ((Row *)form->rows->pdata[i])->visible;
    return n;
}

/* ---- drawing ---- */

static attr_t note_attr(NvNoteKind kind)
{
    switch (kind) {
    case NV_NOTE_OK:
        return COLOR_PAIR(NV_COLOR_RUNNING);
    case NV_NOTE_WARN:
        return COLOR_PAIR(NV_COLOR_PAUSED) | A_BOLD;
    case NV_NOTE_ERROR:
        return COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD;
    case NV_NOTE_BUSY:
        return A_BOLD;
    default:
        return A_DIM;
    }
}

/* The text as shown: stars for a password; a choice between arrows. */
static char *shown_text(NvField *f)
{
    const char *t = nv_field_text(f);
    if (nv_field_masked(f)) {
        GString *s = g_string_new("");
        for (glong i = g_utf8_strlen(t, -1); i > 0; i--)
            g_string_append_c(s, '*');
        return g_string_free(s, FALSE);
    }
    return g_strdup(t);
}

/* A text field's value can be as long as the XML it came from (a 100,000-character listen
 * address): everything below walks only the characters that are drawn, never the whole text,
 * or each paint costs the square of its length. */

/* Columns the character at p takes as drawn: a star when masked, else as sanitised (a control
 * shows as ^X or <U+XXXX>). */
static int cell_width(const char *p, gboolean masked)
{
    if (masked)
        return 1;
    g_autofree char *one = g_strndup(p, g_utf8_next_char(p) - p);
    g_autofree char *clean = nv_text_sanitize(one);
    return nv_text_width(clean);
}

/* The first character drawn: the earliest from which the text up to the cursor fits in
 * cols - 1 columns, leaving the last for the cursor. Scrolls by whole characters (a wide one
 * may leave a gap). */
static const char *window_start(const char *text, const char *cursor, int cols, gboolean masked)
{
    const char *start = cursor;
    int used = 0;
    while (start > text) {
        const char *prev = g_utf8_prev_char(start);
        int w = cell_width(prev, masked);
        if (used + w >= cols - 1)
            break;
        used += w;
        start = prev;
    }
    return start;
}

/* Where text drawn from `from` into `cols` columns may be cut and still draw the same: just
 * past the first character that overflows them (so the ellipsis still shows), or its end. */
static const char *window_end(const char *from, int cols, gboolean masked)
{
    const char *p = from;
    int used = 0;
    while (*p && used <= cols) {
        used += cell_width(p, masked);
        p = g_utf8_next_char(p);
    }
    return p;
}

/* The text from `from` to `to` as shown: itself, or a star per character when masked. */
static char *shown_slice(const char *from, const char *to, gboolean masked)
{
    if (!masked)
        return g_strndup(from, to - from);
    GString *s = g_string_new("");
    for (const char *p = from; p < to; p = g_utf8_next_char(p))
        g_string_append_c(s, '*');
    return g_string_free(s, FALSE);
}

/* A text field: the part around the cursor that fits, the cursor as a reversed cell. */
static void draw_value(NvField *f, WINDOW *w, int y, int x, int width, gboolean focused)
{
    attr_t base = focused ? (A_UNDERLINE | A_BOLD) : A_UNDERLINE;
    if (nv_field_is_choice(f)) {
        g_autofree char *shown = shown_text(f);
        g_autofree char *choice = g_strdup_printf(focused ? "‹ %s ›" : "%s", shown);
        nv_draw_text(w, y, x, choice, width, base);
        return;
    }
    const char *text = nv_field_text(f);
    const char *cur = text + nv_field_cursor(f);
    gboolean masked = nv_field_masked(f);
    const char *start = window_start(text, cur, width, masked);
    nv_draw_text(w, y, x, "", width, base); /* the underlined box */
    if (!focused) {
        g_autofree char *all = shown_slice(start, window_end(start, width, masked), masked);
        nv_draw_text(w, y, x, all, width, base);
        return;
    }
    const char *next = *cur ? g_utf8_next_char(cur) : cur;
    g_autofree char *before = shown_slice(start, cur, masked);
    g_autofree char *at = *cur ? shown_slice(cur, next, masked) : g_strdup(" ");
    g_autofree char *c_before = nv_text_sanitize(before);
    int bw = MIN(nv_text_width(c_before), width - 1);
    nv_draw_text(w, y, x, c_before, bw, base);
    g_autofree char *c_at = nv_text_sanitize(at);
    int aw = MAX(1, MIN(nv_text_width(c_at), width - bw));
    nv_draw_text(w, y, x + bw, c_at, aw, base | A_REVERSE);
    int rest = width - bw - aw;
    if (rest > 0) {
        g_autofree char *after = shown_slice(next, window_end(next, rest, masked), masked);
        nv_draw_text(w, y, x + bw + aw, after, rest, base);
    }
}

static int label_width(NvForm *form, int width)
{
    int lw = 0;
    for (guint i = 0; i < form->rows->len; i++) {
        Row *r = form->rows->pdata[i];
        if (r->visible && r->field)
            lw = MAX(lw, nv_text_width(nv_field_label(r->field)));
    }
    return MIN(MIN(lw, NV_FORM_LABEL_MAX), width / 3);
}

static void draw_row(NvForm *form, Row *r, gboolean focused, WINDOW *w, int y, int x, int width,
                     int lw, int vw)
{
    attr_t sel = COLOR_PAIR(NV_COLOR_SELECTED) | A_BOLD;
    switch (r->kind) {
    case NV_FORM_HEADING: {
        g_autofree char *t = g_strdup_printf("── %s ", r->text);
        nv_draw_text(w, y, x, t, width, A_BOLD);
        return;
    }
    case NV_FORM_TEXT:
        nv_draw_text(w, y, x + 2, r->text, width - 2, A_DIM);
        return;
    case NV_FORM_ITEM:
    case NV_FORM_BUTTON: {
        g_autofree char *t =
            r->kind == NV_FORM_BUTTON ? g_strdup_printf("[ %s ]", r->text) : g_strdup(r->text);
        g_autofree char *clean = nv_text_sanitize(t);
        int tw = MAX(0, MIN(nv_text_width(clean) + 1, width - 2));
        nv_draw_text(w, y, x + 2, clean, tw, focused ? sel : A_NORMAL);
        if (r->note && width - 2 - tw - 2 > 0)
            nv_draw_text(w, y, x + 2 + tw + 2, r->note, width - 4 - tw, note_attr(r->note_kind));
        return;
    }
    case NV_FORM_FIELD:
        break;
    }
    NvField *f = r->field;
    nv_draw_text(w, y, x + 2, nv_field_label(f), lw, focused ? A_BOLD : COLOR_PAIR(NV_COLOR_LABEL));
    int vx = x + 2 + lw + 1;
    draw_value(f, w, y, vx, vw, focused);
    int nx = vx + vw + 2, nw = x + width - nx;
    if (nw <= 0)
        return;
    const char *err = nv_field_error(f);
    /* An empty, untouched required field is not shouted at. */
    if (err && (nv_field_changed(f) || !nv_field_is_empty(f)))
        nv_draw_text(w, y, nx, err, nw, note_attr(NV_NOTE_ERROR));
    else if (r->note)
        nv_draw_text(w, y, nx, r->note, nw, note_attr(r->note_kind));
    else if (form->show_changes && nv_field_changed(f))
        nv_draw_text(w, y, nx, _("changed"), nw, note_attr(NV_NOTE_INFO) | A_BOLD);
    else if (focused && nv_field_hint(f))
        nv_draw_text(w, y, nx, nv_field_hint(f), nw, A_DIM);
}

void nv_form_draw(NvForm *form, WINDOW *w, int y, int x, int h, int width)
{
    if (h <= 0 || width <= 0)
        return;
    settle_focus(form);
    /* Visible rows in order, to scroll by them. */
    g_autoptr(GArray) vis = g_array_new(FALSE, FALSE, sizeof(int));
    int focus_pos = 0;
    for (guint i = 0; i < form->rows->len; i++)
        if (((Row *)form->rows->pdata[i])->visible) {
            if ((int)i == form->focus)
                focus_pos = (int)vis->len;
            int v = (int)i;
            g_array_append_val(vis, v);
        }
    if (focus_pos < form->top)
        form->top = MAX(0, focus_pos - 1); /* show the heading above when scrolling up */
    if (focus_pos >= form->top + h)
        form->top = focus_pos - h + 1;
    form->top = CLAMP(form->top, 0, MAX(0, (int)vis->len - h));
    int lw = label_width(form, width);
    int vw = CLAMP(width - lw - 4 - 30, NV_FORM_VALUE_MIN, NV_FORM_VALUE_MAX);
    vw = MIN(vw, MAX(1, width - lw - 3));
    for (int row = 0; row < h; row++) {
        nv_draw_fill(w, y + row, x, width, A_NORMAL);
        int pos = form->top + row;
        if (pos >= (int)vis->len)
            continue;
        int i = g_array_index(vis, int, pos);
        draw_row(form, form->rows->pdata[i], i == form->focus, w, y + row, x, width, lw, vw);
    }
}
