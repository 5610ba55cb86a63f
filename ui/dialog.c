/* Modal dialogs over whatever is on screen: a one-line prompt (names, a VNC password), a
 * yes/no confirmation that lists what it is about, a menu, and a checklist. A dialog takes
 * every key until it is answered; keys come from the keymap's "dialog" context. */
#include <string.h>

#include "ui-internal.h"

typedef enum { DIALOG_PROMPT, DIALOG_CONFIRM, DIALOG_MENU, DIALOG_CHECKLIST } DialogKind;

struct NvPrompt {
    DialogKind kind;
    char *title;
    char *message;
    GString *input;   /* prompt */
    gboolean masked;  /* prompt */
    GPtrArray *items; /* confirm: lines listed; menu and checklist: choices */
    gboolean *checked;
    NvList list; /* over `items` (0..n-1 when there are items) */
    NvPromptFunc prompt_done;
    NvChoiceFunc choice_done;
    gpointer data;
};

static void dialog_free(NvPrompt *p)
{
    if (p->input) {
        /* The answer may be a password: do not leave it in freed memory. */
        memset(p->input->str, 0, p->input->allocated_len);
        g_string_free(p->input, TRUE);
    }
    if (p->items)
        g_ptr_array_unref(p->items);
    nv_list_clear(&p->list);
    g_free(p->checked);
    g_free(p->title);
    g_free(p->message);
    g_free(p);
}

/* Answers a dialog: `accepted` FALSE is a cancel. The callback may open another dialog. */
static void finish(NvApp *app, gboolean accepted)
{
    NvPrompt *p = nv_app_get_prompt(app);
    nv_app_set_prompt(app, NULL);
    if (p->kind == DIALOG_PROMPT)
        p->prompt_done(app, accepted ? p->input->str : NULL, p->data);
    else
        p->choice_done(app, accepted ? (int)p->list.selected : -1,
                       accepted && p->checked ? p->checked : NULL, p->data);
    dialog_free(p);
    clearok(curscr, TRUE);
    nv_app_dirty(app);
}

static void open_dialog(NvApp *app, NvPrompt *p)
{
    if (nv_app_get_prompt(app))
        finish(app, FALSE);
    nv_app_set_prompt(app, p);
    nv_app_dirty(app);
}

static NvPrompt *dialog_new(DialogKind kind, const char *title, const char *message)
{
    NvPrompt *p = g_new0(NvPrompt, 1);
    p->kind = kind;
    p->title = g_strdup(title);
    p->message = g_strdup(message ? message : "");
    nv_list_init(&p->list);
    return p;
}

static void set_items(NvPrompt *p, const char *const *items)
{
    p->items = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; items && items[i]; i++)
        g_ptr_array_add(p->items, g_strdup(items[i]));
    nv_list_set_count(&p->list, p->items->len);
}

void nv_app_prompt(NvApp *app, const char *title, const char *message, gboolean masked,
                   NvPromptFunc done, gpointer data)
{
    NvPrompt *p = dialog_new(DIALOG_PROMPT, title, message);
    p->input = g_string_sized_new(64);
    p->masked = masked;
    p->prompt_done = done;
    p->data = data;
    open_dialog(app, p);
}

void nv_app_prompt_text(NvApp *app, const char *initial)
{
    NvPrompt *p = nv_app_get_prompt(app);
    if (p && p->kind == DIALOG_PROMPT)
        g_string_assign(p->input, initial ? initial : "");
}

void nv_app_menu_select(NvApp *app, guint index)
{
    NvPrompt *p = nv_app_get_prompt(app);
    if (p && p->kind == DIALOG_MENU && index < p->items->len)
        p->list.selected = index;
}

void nv_app_confirm(NvApp *app, const char *title, const char *message, const char *const *lines,
                    NvChoiceFunc done, gpointer data)
{
    NvPrompt *p = dialog_new(DIALOG_CONFIRM, title, message);
    set_items(p, lines);
    p->choice_done = done;
    p->data = data;
    open_dialog(app, p);
}

void nv_app_menu(NvApp *app, const char *title, const char *message, const char *const *choices,
                 NvChoiceFunc done, gpointer data)
{
    NvPrompt *p = dialog_new(DIALOG_MENU, title, message);
    set_items(p, choices);
    p->choice_done = done;
    p->data = data;
    open_dialog(app, p);
}

void nv_app_checklist(NvApp *app, const char *title, const char *message,
                      const char *const *choices, const gboolean *checked, NvChoiceFunc done,
                      gpointer data)
{
    NvPrompt *p = dialog_new(DIALOG_CHECKLIST, title, message);
    set_items(p, choices);
    p->checked = g_new0(gboolean, MAX(1u, p->items->len));
    for (guint i = 0; checked && i < p->items->len; i++)
        p->checked[i] = checked[i];
    p->choice_done = done;
    p->data = data;
    open_dialog(app, p);
}

static void prompt_type(NvPrompt *p, NvKey key)
{
    if (key == NV_KEY_BACKSPACE) {
        if (!p->input->len)
            return;
        char *end = p->input->str + p->input->len;
        char *prev = g_utf8_find_prev_char(p->input->str, end);
        gsize keep = prev ? (gsize)(prev - p->input->str) : 0;
        memset(p->input->str + keep, 0, p->input->len - keep);
        g_string_truncate(p->input, keep);
        return;
    }
    if ((key & NV_KEY_MODS) == 0 && key >= 32 && key < NV_KEY_SPECIAL && g_unichar_isprint(key) &&
        p->input->len < 1024)
        g_string_append_unichar(p->input, key);
}

void nv_prompt_key(NvApp *app, NvKey key)
{
    NvPrompt *p = nv_app_get_prompt(app);
    NvAction a = nv_keymap_lookup(nv_app_get_keymap(app), NV_CTX_DIALOG, key);
    /* In a text prompt, letters are text even when the dialog context binds them. */
    if (p->kind == DIALOG_PROMPT && a != NV_ACTION_ACCEPT && a != NV_ACTION_CANCEL) {
        prompt_type(p, key);
        nv_app_dirty(app);
        return;
    }
    switch (a) {
    case NV_ACTION_ACCEPT:
        finish(app, TRUE);
        return;
    case NV_ACTION_CANCEL:
        finish(app, FALSE);
        return;
    case NV_ACTION_YES:
        if (p->kind == DIALOG_CONFIRM)
            finish(app, TRUE);
        return;
    case NV_ACTION_NO:
        if (p->kind == DIALOG_CONFIRM)
            finish(app, FALSE);
        return;
    case NV_ACTION_UP:
    case NV_ACTION_DOWN:
        nv_list_move(&p->list, a, 1);
        break;
    case NV_ACTION_MARK: {
        int i = nv_list_selected_item(&p->list);
        if (p->kind == DIALOG_CHECKLIST && i >= 0)
            p->checked[i] = !p->checked[i];
        break;
    }
    default:
        break;
    }
    nv_app_dirty(app);
}

static char *action_key(NvApp *app, NvAction action)
{
    g_autoptr(GArray) binds = nv_keymap_bindings(nv_app_get_keymap(app), NV_CTX_DIALOG);
    for (guint i = 0; i < binds->len; i++)
        if (g_array_index(binds, NvBinding, i).action == action)
            return nv_key_name(g_array_index(binds, NvBinding, i).key);
    return g_strdup("?");
}

static char *hint(NvApp *app, DialogKind kind)
{
    g_autofree char *ok = action_key(app, NV_ACTION_ACCEPT);
    g_autofree char *cancel = action_key(app, NV_ACTION_CANCEL);
    switch (kind) {
    case DIALOG_CONFIRM: {
        g_autofree char *yes = action_key(app, NV_ACTION_YES);
        g_autofree char *no = action_key(app, NV_ACTION_NO);
        return g_strdup_printf(_("%s or %s: yes · %s or %s: no"), yes, ok, no, cancel);
    }
    case DIALOG_CHECKLIST: {
        g_autofree char *mark = action_key(app, NV_ACTION_MARK);
        return g_strdup_printf(_("%s: tick/untick · %s: go ahead · %s: cancel"), mark, ok, cancel);
    }
    default:
        return g_strdup_printf(_("%s: accept · %s: cancel"), ok, cancel);
    }
}

static void draw_items(NvApp *app, NvPrompt *p, int y, int x, int h, int w)
{
    guint n = p->items->len;
    nv_list_scroll(&p->list, h);
    for (int r = 0; r < h && p->list.top + (guint)r < n; r++) {
        guint i = p->list.top + (guint)r;
        g_autofree char *text = NULL;
        if (p->kind == DIALOG_CHECKLIST)
            text =
                g_strdup_printf("[%s] %s", p->checked[i] ? "x" : " ", (char *)p->items->pdata[i]);
        else if (p->kind == DIALOG_MENU)
            text = g_strdup(p->items->pdata[i]);
        else
            text = g_strdup_printf("• %s", (char *)p->items->pdata[i]);
        attr_t attr = p->kind != DIALOG_CONFIRM && i == p->list.selected
                          ? COLOR_PAIR(NV_COLOR_SELECTED) | A_BOLD
                          : A_NORMAL;
        nv_draw_text(stdscr, y + r, x, text, w, attr);
    }
}

void nv_prompt_draw(NvApp *app)
{
    NvPrompt *p = nv_app_get_prompt(app);
    guint n = p->items ? p->items->len : 0;
    int rows = nv_app_rows(app), cols = nv_app_cols(app);
    int list_h = p->kind == DIALOG_PROMPT ? 1 : (int)MIN(n, (guint)MAX(1, rows - 10));
    int w = MIN(cols - 4, 76), h = list_h + 5;
    int y = MAX(0, (rows - h) / 2), x = MAX(0, (cols - w) / 2);
    for (int r = 0; r < h; r++)
        nv_draw_fill(stdscr, y + r, x, w, A_NORMAL);
    nv_draw_box(stdscr, y, x, h, w, p->title, TRUE);
    nv_draw_text(stdscr, y + 1, x + 2, p->message, w - 4, A_NORMAL);
    if (p->kind == DIALOG_PROMPT) {
        g_autoptr(GString) shown = g_string_new("> ");
        if (p->masked)
            for (glong i = g_utf8_strlen(p->input->str, -1); i > 0; i--)
                g_string_append_c(shown, '*');
        else
            g_string_append(shown, p->input->str);
        g_string_append(shown, "▏");
        /* Keep the end of a long answer in view. */
        const char *text = shown->str;
        while (nv_text_width(text) > w - 4 && *text)
            text = g_utf8_next_char(text);
        nv_draw_text(stdscr, y + 2, x + 2, text, w - 4, A_BOLD);
    } else {
        draw_items(app, p, y + 2, x + 2, list_h, w - 4);
    }
    g_autofree char *keys = hint(app, p->kind);
    nv_draw_text(stdscr, y + h - 2, x + 2, keys, w - 4, A_DIM);
}
