/* The Domains pane: every domain with state, vCPUs, memory and title; details from the XML. */
#include "ui-internal.h"

enum { COL_GLYPH, COL_STATE, COL_NAME, COL_VCPUS, COL_MEMORY, COL_TITLE };

static const NvColumn columns[] = {
    {" ", 1, FALSE},         {N_("State"), 13, FALSE}, {N_("Name"), 22, FALSE},
    {N_("vCPUs"), 5, TRUE},  {N_("Memory"), 10, TRUE}, {N_("Title"), 0, FALSE},
    {NULL, 0, FALSE},
};

static NvDomain *domain_at(NvPane *pane, guint item)
{
    return nv_app_model(pane)->domains->pdata[item];
}

static guint n_items(NvPane *pane)
{
    return nv_app_model(pane)->domains->len;
}

static const char *item_name(NvPane *pane, guint item)
{
    return domain_at(pane, item)->name;
}

static const char *item_title(NvPane *pane, guint item)
{
    return domain_at(pane, item)->title;
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvDomain *d = domain_at(pane, item);
    switch (column) {
    case COL_GLYPH:
        return g_strdup(nv_domain_state_glyph(d->state));
    case COL_STATE:
        return g_strdup(_(nv_domain_state_name(d->state)));
    case COL_NAME:
        return g_strdup(d->name);
    case COL_VCPUS:
        return g_strdup_printf("%u", d->vcpus);
    case COL_MEMORY:
        return nv_format_kib(d->memory_kib);
    case COL_TITLE:
        return g_strdup(d->title);
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    switch (domain_at(pane, item)->state) {
    case NV_DOMAIN_RUNNING:
    case NV_DOMAIN_BLOCKED:
        return NV_COLOR_RUNNING;
    case NV_DOMAIN_PAUSED:
    case NV_DOMAIN_PMSUSPENDED:
    case NV_DOMAIN_SHUTDOWN:
        return NV_COLOR_PAUSED;
    case NV_DOMAIN_CRASHED:
        return NV_COLOR_ERROR;
    default:
        return NV_COLOR_STOPPED;
    }
}

static const char *yes_no_unknown(int v)
{
    return v < 0 ? _("unknown") : v ? _("yes") : _("no");
}

static void disks_and_nics(const NvDomainDetails *det, NvLines *out)
{
    nv_lines_heading(out, _("Disks"));
    if (det->disks->len == 0)
        nv_lines_add(out, "", _("none"));
    for (guint i = 0; i < det->disks->len; i++) {
        NvDisk *disk = det->disks->pdata[i];
        nv_lines_addf(out, disk->target, "%s  %s  %s%s%s", disk->device, disk->bus,
                      *disk->source ? disk->source : _("(empty)"), *disk->format ? "  " : "",
                      disk->format);
    }
    nv_lines_heading(out, _("Network interfaces"));
    if (det->nics->len == 0)
        nv_lines_add(out, "", _("none"));
    for (guint i = 0; i < det->nics->len; i++) {
        NvNic *nic = det->nics->pdata[i];
        nv_lines_addf(out, nic->mac, "%s %s  %s %s", nic->type, nic->source, _("model"),
                      *nic->model ? nic->model : _("default"));
    }
}

static void details(NvPane *pane, int item, NvLines *out)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No domain selected."));
        return;
    }
    const NvModel *m = nv_app_model(pane);
    NvDomain *d = domain_at(pane, (guint)item);
    const NvDomainDetails *det = m->details;
    gboolean fresh = det && g_strcmp0(det->uuid, d->uuid) == 0;
    nv_lines_add(out, _("Name"), d->name);
    nv_lines_add(out, _("Title"), d->title);
    if (fresh)
        nv_lines_add(out, _("Description"), det->description);
    nv_lines_add(out, _("UUID"), d->uuid);
    const char *reason = fresh ? nv_domain_reason_name(det->state, det->reason)
                               : nv_domain_reason_name(d->state, d->reason);
    nv_lines_addf(out, _("State"), "%s (%s)", _(nv_domain_state_name(fresh ? det->state : d->state)),
                  _(reason));
    if (d->id >= 0)
        nv_lines_addf(out, _("ID"), "%d", d->id);
    g_autofree char *mem = nv_format_kib(d->memory_kib);
    g_autofree char *maxmem = nv_format_kib(d->max_memory_kib);
    nv_lines_addf(out, _("vCPUs"), "%u", d->vcpus);
    nv_lines_addf(out, _("Memory"), _("%s (maximum %s)"), mem, maxmem);
    if (!fresh) {
        const char *why = m->details_error && nv_app_conn(pane) ? m->details_error
                                                                : _("loading details…");
        nv_lines_add(out, "", why);
        return;
    }
    nv_lines_addf(out, _("OS"), "%s / %s%s%s", det->os_type, det->arch,
                  *det->machine ? " / " : "", det->machine);
    nv_lines_add(out, _("Virt type"), det->domain_type);
    nv_lines_add(out, _("Autostart"), yes_no_unknown(det->autostart));
    nv_lines_add(out, _("Persistent"), yes_no_unknown(det->persistent));
    disks_and_nics(det, out);
}

static const char *details_title(NvPane *pane, int item)
{
    return domain_at(pane, (guint)item)->name;
}

static void selected(NvPane *pane, int item)
{
    nv_conn_select_domain(nv_app_conn(pane), item >= 0 ? domain_at(pane, (guint)item)->uuid
                                                       : NULL);
}

static gboolean open_console(NvPane *pane, NvAction a)
{
    int item = nv_list_selected_item(&pane->list);
    if (item < 0) {
        nv_app_message(pane->app, _("No domain selected."), TRUE);
        return TRUE;
    }
    NvDomain *d = domain_at(pane, (guint)item);
    NvView *view = a == NV_ACTION_CONSOLE ? nv_view_console_new(pane->app, d->uuid, d->name)
                                          : nv_view_vnc_new(pane->app, d->uuid, d->name);
    if (view)
        nv_app_open_view(pane->app, view);
    return TRUE;
}

/* Each family of actions lives in a file of its own. */
static gboolean action(NvPane *pane, NvAction a)
{
    switch (a) {
    case NV_ACTION_CONSOLE:
    case NV_ACTION_VNC:
        return open_console(pane, a);
    case NV_ACTION_SNAPSHOTS:
    case NV_ACTION_CLONE:
        return nv_domain_snapshot_action(pane, a);
    case NV_ACTION_EDIT:
        return nv_domain_edit_action(pane, a);
    default:
        return nv_domain_action(pane, a);
    }
}

static const NvPaneClass domains_class = {
    .name = N_("Domains"),
    .context = NV_CTX_DOMAINS,
    .columns = columns,
    .n_items = n_items,
    .item_name = item_name,
    .item_title = item_title,
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
    .selected = selected,
    .action = action,
    .markable = TRUE,
};

const NvPaneClass *nv_pane_domains_class(void)
{
    return &domains_class;
}
