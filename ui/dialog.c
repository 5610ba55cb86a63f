/* A one-line prompt over whatever is on screen (a VNC password, later names and sizes):
 * it takes every key until Enter or Esc, and wipes what was typed once it is answered. */
#include <string.h>

#include "ui-internal.h"

struct NvPrompt {
    char *title;
    char *message;
    GString *input;
    gboolean masked;
    NvPromptFunc done;
    gpointer data;
};

static void prompt_free(NvPrompt *p)
{
    /* The answer may be a password: do not leave it in freed memory. */
    memset(p->input->str, 0, p->input->allocated_len);
    g_string_free(p->input, TRUE);
    g_free(p->title);
    g_free(p->message);
    g_free(p);
}

void nv_app_prompt(NvApp *app, const char *title, const char *message, gboolean masked,
                   NvPromptFunc done, gpointer data)
{
    if (app->prompt) {
        NvPrompt *old = g_steal_pointer(&app->prompt);
        old->done(app, NULL, old->data);
        prompt_free(old);
    }
    NvPrompt *p = g_new0(NvPrompt, 1);
    p->title = g_strdup(title);
    p->message = g_strdup(message);
    p->input = g_string_sized_new(64);
    p->masked = masked;
    p->done = done;
    p->data = data;
    app->prompt = p;
    nv_app_dirty(app);
}

static void finish(NvApp *app, gboolean accepted)
{
    NvPrompt *p = g_steal_pointer(&app->prompt);
    p->done(app, accepted ? p->input->str : NULL, p->data);
    prompt_free(p);
    clearok(curscr, TRUE);
    nv_app_dirty(app);
}

void nv_prompt_key(NvApp *app, NvKey key)
{
    NvPrompt *p = app->prompt;
    switch (key) {
    case NV_KEY_ENTER:
        finish(app, TRUE);
        return;
    case NV_KEY_ESCAPE:
        finish(app, FALSE);
        return;
    case NV_KEY_BACKSPACE:
        if (p->input->len) {
            char *end = p->input->str + p->input->len;
            char *prev = g_utf8_find_prev_char(p->input->str, end);
            gsize keep = prev ? (gsize)(prev - p->input->str) : 0;
            memset(p->input->str + keep, 0, p->input->len - keep);
            g_string_truncate(p->input, keep);
        }
        break;
    default:
        if ((key & NV_KEY_MODS) == 0 && key >= 32 && key < NV_KEY_SPECIAL &&
            g_unichar_isprint(key) && p->input->len < 1024)
            g_string_append_unichar(p->input, key);
        break;
    }
    nv_app_dirty(app);
}

void nv_prompt_draw(NvApp *app)
{
    NvPrompt *p = app->prompt;
    int w = MIN(app->cols - 4, 70), h = 6;
    int y = MAX(0, (app->rows - h) / 2), x = MAX(0, (app->cols - w) / 2);
    for (int r = 0; r < h; r++)
        nv_draw_fill(stdscr, y + r, x, w, A_NORMAL);
    nv_draw_box(stdscr, y, x, h, w, p->title, TRUE);
    nv_draw_text(stdscr, y + 1, x + 2, p->message, w - 4, A_NORMAL);
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
    nv_draw_text(stdscr, y + 3, x + 2, text, w - 4, A_BOLD);
    nv_draw_text(stdscr, y + 4, x + 2, _("Enter accepts · Esc cancels"), w - 4, A_DIM);
}
