/* The list widget: the filtered rows of a pane, the selection and the scroll position. */
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

gboolean nv_list_move(NvList *list, NvAction action, int page)
{
    guint n = list->rows->len;
    if (n == 0)
        return FALSE;
    guint old = list->selected;
    guint step = page > 1 ? (guint)page - 1 : 1;
    switch (action) {
    case NV_ACTION_UP:
        list->selected = old > 0 ? old - 1 : 0;
        break;
    case NV_ACTION_DOWN:
        list->selected = old + 1 < n ? old + 1 : n - 1;
        break;
    case NV_ACTION_PAGE_UP:
        list->selected = old > step ? old - step : 0;
        break;
    case NV_ACTION_PAGE_DOWN:
        list->selected = old + step < n ? old + step : n - 1;
        break;
    case NV_ACTION_HOME:
        list->selected = 0;
        break;
    case NV_ACTION_END:
        list->selected = n - 1;
        break;
    default:
        return FALSE;
    }
    return list->selected != old;
}

int nv_list_selected_item(const NvList *list)
{
    if (!list->rows || list->selected >= list->rows->len)
        return -1;
    return (int)g_array_index(list->rows, guint, list->selected);
}
