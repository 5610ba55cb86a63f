/* The Storage pane: pools in the list; the selected pool's details and volumes beside it. */
#include "ui-internal.h"

enum { COL_STATE, COL_NAME, COL_TYPE, COL_CAPACITY, COL_AVAILABLE, COL_AUTOSTART, COL_PATH };

static const NvColumn columns[] = {
    {N_("State"), 9, FALSE},      {N_("Name"), 18, FALSE},     {N_("Type"), 8, FALSE},
    {N_("Capacity"), 10, TRUE},   {N_("Available"), 10, TRUE}, {N_("Auto"), 4, FALSE},
    {N_("Target path"), 0, FALSE}, {NULL, 0, FALSE},
};

static NvPool *pool_at(NvPane *pane, guint item)
{
    return nv_app_model(pane)->pools->pdata[item];
}

static guint n_items(NvPane *pane)
{
    return nv_app_model(pane)->pools->len;
}

static const char *item_name(NvPane *pane, guint item)
{
    return pool_at(pane, item)->name;
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvPool *p = pool_at(pane, item);
    switch (column) {
    case COL_STATE:
        return g_strdup(_(nv_pool_state_name(p->state)));
    case COL_NAME:
        return g_strdup(p->name);
    case COL_TYPE:
        return g_strdup(p->type);
    case COL_CAPACITY:
        return nv_format_bytes(p->capacity);
    case COL_AVAILABLE:
        return nv_format_bytes(p->available);
    case COL_AUTOSTART:
        return g_strdup(p->autostart > 0 ? _("yes") : _("no"));
    case COL_PATH:
        return g_strdup(p->target_path);
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    return pool_at(pane, item)->active ? NV_COLOR_RUNNING : NV_COLOR_STOPPED;
}

static void volumes(NvPane *pane, NvPool *p, NvLines *out)
{
    const NvModel *m = nv_app_model(pane);
    nv_lines_heading(out, _("Volumes"));
    if (g_strcmp0(m->volumes_pool, p->name) != 0) {
        nv_lines_add(out, "", _("loading volumes…"));
        return;
    }
    if (m->volumes_error) {
        nv_lines_add(out, "", m->volumes_error);
        return;
    }
    if (m->volumes->len == 0)
        nv_lines_add(out, "", _("no volumes"));
    for (guint i = 0; i < m->volumes->len; i++) {
        NvVolume *v = m->volumes->pdata[i];
        g_autofree char *cap = nv_format_bytes(v->capacity);
        g_autofree char *alloc = nv_format_bytes(v->allocation);
        nv_lines_addf(out, v->name, _("%s  capacity %s  allocation %s"),
                      *v->format ? v->format : v->type, cap, alloc);
        nv_lines_add(out, "", v->path);
    }
}

static void details(NvPane *pane, int item, NvLines *out)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No storage pool selected."));
        return;
    }
    NvPool *p = pool_at(pane, (guint)item);
    g_autofree char *cap = nv_format_bytes(p->capacity);
    g_autofree char *alloc = nv_format_bytes(p->allocation);
    g_autofree char *avail = nv_format_bytes(p->available);
    nv_lines_add(out, _("Name"), p->name);
    nv_lines_add(out, _("UUID"), p->uuid);
    nv_lines_add(out, _("State"), _(nv_pool_state_name(p->state)));
    nv_lines_add(out, _("Type"), p->type);
    nv_lines_add(out, _("Target path"), p->target_path);
    nv_lines_add(out, _("Capacity"), cap);
    nv_lines_add(out, _("Allocation"), alloc);
    nv_lines_add(out, _("Available"), avail);
    nv_lines_add(out, _("Autostart"), p->autostart > 0 ? _("yes") : _("no"));
    nv_lines_add(out, _("Persistent"), p->persistent > 0 ? _("yes") : _("no"));
    volumes(pane, p, out);
}

static const char *details_title(NvPane *pane, int item)
{
    return pool_at(pane, (guint)item)->name;
}

static void selected(NvPane *pane, int item)
{
    nv_conn_select_pool(nv_app_conn(pane), item >= 0 ? pool_at(pane, (guint)item)->name : NULL);
}

static const NvPaneClass storage_class = {
    .name = N_("Storage"),
    .context = NV_CTX_STORAGE,
    .columns = columns,
    .n_items = n_items,
    .item_name = item_name,
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
    .selected = selected,
};

const NvPaneClass *nv_pane_storage_class(void)
{
    return &storage_class;
}
