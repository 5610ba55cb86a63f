/* The help view: every binding of the current context chain, generated from the keymap so it
 * can never disagree with what the keys do. */
#include "ui-internal.h"

/* One line per action of each context, all its keys joined: "Up, k   up   Move up". */
static NvLines *help_lines(NvApp *app, NvPane *pane)
{
    NvLines *lines = nv_lines_new();
    const NvContext chain[] = {pane->klass->context, NV_CTX_LIST, NV_CTX_FILTER, NV_CTX_GLOBAL,
                               NV_CTX_HELP};
    for (guint c = 0; c < G_N_ELEMENTS(chain); c++) {
        g_autoptr(GArray) binds = nv_keymap_bindings(nv_app_get_keymap(app), chain[c]);
        if (binds->len == 0)
            continue;
        g_autofree char *heading =
            g_strdup_printf(_("Keys in context \"%s\""), nv_context_name(chain[c]));
        nv_lines_heading(lines, heading);
        gboolean done[NV_ACTION_COUNT] = {0};
        for (guint i = 0; i < binds->len; i++) {
            NvAction a = g_array_index(binds, NvBinding, i).action;
            if (a >= NV_ACTION_COUNT || done[a])
                continue;
            done[a] = TRUE;
            g_autoptr(GString) keys = g_string_new("");
            for (guint j = i; j < binds->len; j++) {
                NvBinding *b = &g_array_index(binds, NvBinding, j);
                if (b->action != a)
                    continue;
                g_autofree char *name = nv_key_name(b->key);
                g_string_append_printf(keys, "%s%s", keys->len ? ", " : "", name);
            }
            nv_lines_addf(lines, keys->str, "%-14s %s", nv_action_name(a), _(nv_action_help(a)));
        }
    }
    return lines;
}

int nv_help_line_count(NvApp *app, NvPane *pane)
{
    g_autoptr(NvLines) lines = help_lines(app, pane);
    return (int)lines->labels->len;
}

void nv_help_draw(NvApp *app, NvPane *pane, int scroll, int y, int x, int h, int width)
{
    nv_draw_box(stdscr, y, x, h, width, _("Help — Esc closes"), TRUE);
    g_autoptr(NvLines) lines = help_lines(app, pane);
    nv_lines_draw(lines, stdscr, y + 1, x + 2, h - 2, width - 4, scroll);
}
