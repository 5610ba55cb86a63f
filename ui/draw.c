/* Drawing helpers: every untrusted string reaches curses through nv_draw_text, sanitised and
 * measured; boxes; and the label/value lines of the details views. */
#include <stdarg.h>

#include "ui-internal.h"

void nv_draw_text(WINDOW *w, int y, int x, const char *text, int width, attr_t attr)
{
    if (width <= 0)
        return;
    g_autofree char *fitted = nv_text_pad(text, width);
    wattrset(w, attr);
    mvwaddstr(w, y, x, fitted);
    wattrset(w, A_NORMAL);
}

void nv_draw_fill(WINDOW *w, int y, int x, int width, attr_t attr)
{
    wattrset(w, attr);
    mvwhline(w, y, x, ' ', width);
    wattrset(w, A_NORMAL);
}

void nv_draw_box(WINDOW *w, int y, int x, int h, int width, const char *title, gboolean focus)
{
    if (h < 2 || width < 4)
        return;
    attr_t attr = COLOR_PAIR(focus ? NV_COLOR_FOCUS : NV_COLOR_BORDER) | (focus ? A_BOLD : 0);
    wattrset(w, attr);
    mvwaddch(w, y, x, ACS_ULCORNER);
    mvwhline(w, y, x + 1, ACS_HLINE, width - 2);
    mvwaddch(w, y, x + width - 1, ACS_URCORNER);
    mvwvline(w, y + 1, x, ACS_VLINE, h - 2);
    mvwvline(w, y + 1, x + width - 1, ACS_VLINE, h - 2);
    mvwaddch(w, y + h - 1, x, ACS_LLCORNER);
    mvwhline(w, y + h - 1, x + 1, ACS_HLINE, width - 2);
    mvwaddch(w, y + h - 1, x + width - 1, ACS_LRCORNER);
    wattrset(w, A_NORMAL);
    if (title && *title && width > 6) {
        g_autofree char *t = g_strdup_printf(" %s ", title);
        int tw = MIN(nv_text_width(t), width - 4);
        nv_draw_text(w, y, x + 2, t, tw, attr);
    }
}

NvLines *nv_lines_new(void)
{
    NvLines *l = g_new0(NvLines, 1);
    l->labels = g_ptr_array_new_with_free_func(g_free);
    l->values = g_ptr_array_new_with_free_func(g_free);
    l->heading = g_array_new(FALSE, FALSE, sizeof(gboolean));
    return l;
}

void nv_lines_free(NvLines *l)
{
    if (!l)
        return;
    g_ptr_array_unref(l->labels);
    g_ptr_array_unref(l->values);
    g_array_unref(l->heading);
    g_free(l);
}

static void lines_push(NvLines *l, const char *label, char *value, gboolean heading)
{
    g_ptr_array_add(l->labels, g_strdup(label ? label : ""));
    g_ptr_array_add(l->values, value);
    g_array_append_val(l->heading, heading);
}

void nv_lines_add(NvLines *l, const char *label, const char *value)
{
    lines_push(l, label, g_strdup(value ? value : ""), FALSE);
}

void nv_lines_addf(NvLines *l, const char *label, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *value = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    lines_push(l, label, value, FALSE);
}

void nv_lines_heading(NvLines *l, const char *heading)
{
    lines_push(l, heading, g_strdup(""), TRUE);
}

void nv_lines_draw(NvLines *l, WINDOW *w, int y, int x, int h, int width, int scroll)
{
    int label_w = 0;
    for (guint i = 0; i < l->labels->len; i++)
        if (!g_array_index(l->heading, gboolean, i))
            label_w = MAX(label_w, nv_text_width(l->labels->pdata[i]));
    label_w = MIN(label_w + 1, width / 2);
    for (int row = 0; row < h; row++) {
        guint i = (guint)(scroll + row);
        if (i >= l->labels->len) {
            nv_draw_fill(w, y + row, x, width, A_NORMAL);
            continue;
        }
        if (g_array_index(l->heading, gboolean, i)) {
            nv_draw_text(w, y + row, x, l->labels->pdata[i], width, A_BOLD);
            continue;
        }
        nv_draw_text(w, y + row, x, l->labels->pdata[i], label_w, COLOR_PAIR(NV_COLOR_LABEL));
        nv_draw_text(w, y + row, x + label_w, l->values->pdata[i], width - label_w, A_NORMAL);
    }
}
