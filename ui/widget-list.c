/* The list widget, the one cursor of every list on screen (panes, dialogs, the snapshots
 * view): the rows shown (a pane's filtered items, or simply 0..n-1), the selection and the
 * scroll position. */
#include "ui-internal.h"

void nv_list_init(NvList *list)
{
    list->rows = g_array_new(FALSE, FALSE, sizeof(guint));
    list->selected = 0;
    list->top = 0;
}

void nv_list_clear(NvList *list)
{
    g_clear_pointer(&list->rows, g_array_unref);
}

void nv_list_keep_in_range(NvList *list)
{
    if (list->rows->len == 0) {
        list->selected = 0;
        list->top = 0;
        return;
    }
    if (list->selected >= list->rows->len)
        list->selected = list->rows->len - 1;
    if (list->top > list->selected)
        list->top = list->selected;
}

gboolean nv_list_is_move(NvAction action)
{
    return action == NV_ACTION_UP || action == NV_ACTION_DOWN || action == NV_ACTION_PAGE_UP ||
           action == NV_ACTION_PAGE_DOWN || action == NV_ACTION_HOME || action == NV_ACTION_END;
}

guint nv_list_step(guint at, guint n, NvAction action, int page)
{
    if (n == 0)
        return 0;
    guint step = page > 1 ? (guint)page - 1 : 1;
    switch (action) {
    case NV_ACTION_UP:
        return at > 0 ? at - 1 : 0;
    case NV_ACTION_DOWN:
        return at + 1 < n ? at + 1 : n - 1;
    case NV_ACTION_PAGE_UP:
        return at > step ? at - step : 0;
    case NV_ACTION_PAGE_DOWN:
        return at + step < n ? at + step : n - 1;
    case NV_ACTION_HOME:
        return 0;
    case NV_ACTION_END:
        return n - 1;
    default:
        return at;
    }
}

gboolean nv_list_move(NvList *list, NvAction action, int page)
{
    guint old = list->selected;
    list->selected = nv_list_step(old, list->rows->len, action, page);
    return list->selected != old;
}

void nv_list_set_count(NvList *list, guint n)
{
    g_array_set_size(list->rows, n);
    for (guint i = 0; i < n; i++)
        g_array_index(list->rows, guint, i) = i;
    nv_list_keep_in_range(list);
}

void nv_list_scroll(NvList *list, int h)
{
    if (h <= 0)
        return;
    if (list->selected < list->top)
        list->top = list->selected;
    if (list->selected >= list->top + (guint)h)
        list->top = list->selected - (guint)h + 1;
    /* After the list shrank (a filter, a reload) fill the box instead of leaving a gap. */
    if (list->top + (guint)h > list->rows->len)
        list->top = list->rows->len > (guint)h ? list->rows->len - (guint)h : 0;
}

int nv_list_selected_item(const NvList *list)
{
    if (!list->rows || list->selected >= list->rows->len)
        return -1;
    return (int)g_array_index(list->rows, guint, list->selected);
}
