/* The Networks pane: virtual networks, then the host's interfaces, in one list. */
#include "ui-internal.h"

enum { COL_STATE, COL_NAME, COL_KIND, COL_MODE, COL_BRIDGE, COL_ADDRESS };

static const NvColumn columns[] = {
    {N_("State"), 8, FALSE},  {N_("Name"), 18, FALSE},   {N_("Kind"), 9, FALSE},
    {N_("Mode"), 9, FALSE},   {N_("Bridge"), 10, FALSE}, {N_("Address"), 0, FALSE},
    {NULL, 0, FALSE},
};

/* Items 0..networks-1 are virtual networks, the rest host interfaces. */
static guint n_networks(NvPane *pane)
{
    return nv_app_model(pane)->networks->len;
}

static NvNetwork *network_at(NvPane *pane, guint item)
{
    return item < n_networks(pane) ? nv_app_model(pane)->networks->pdata[item] : NULL;
}

static NvIface *iface_at(NvPane *pane, guint item)
{
    return nv_app_model(pane)->ifaces->pdata[item - n_networks(pane)];
}

static guint n_items(NvPane *pane)
{
    return n_networks(pane) + nv_app_model(pane)->ifaces->len;
}

static const char *item_name(NvPane *pane, guint item)
{
    NvNetwork *net = network_at(pane, item);
    return net ? net->name : iface_at(pane, item)->name;
}

static char *first_address(NvNetwork *net)
{
    if (net->ips->len == 0)
        return g_strdup("");
    NvNetIp *ip = net->ips->pdata[0];
    return g_strdup_printf("%s/%u", ip->address, ip->prefix);
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvNetwork *net = network_at(pane, item);
    if (!net) {
        NvIface *iface = iface_at(pane, item);
        switch (column) {
        case COL_STATE:
            return g_strdup(iface->active ? _("active") : _("inactive"));
        case COL_NAME:
            return g_strdup(iface->name);
        case COL_KIND:
            return g_strdup(_("interface"));
        case COL_ADDRESS:
            return g_strdup(iface->mac);
        default:
            return g_strdup("");
        }
    }
    switch (column) {
    case COL_STATE:
        return g_strdup(net->active ? _("active") : _("inactive"));
    case COL_NAME:
        return g_strdup(net->name);
    case COL_KIND:
        return g_strdup(_("network"));
    case COL_MODE:
        return g_strdup(net->forward_mode);
    case COL_BRIDGE:
        return g_strdup(net->bridge);
    case COL_ADDRESS:
        return first_address(net);
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    NvNetwork *net = network_at(pane, item);
    gboolean active = net ? net->active : iface_at(pane, item)->active;
    return active ? NV_COLOR_RUNNING : NV_COLOR_STOPPED;
}

static void interfaces_note(NvPane *pane, NvLines *out)
{
    const NvModel *m = nv_app_model(pane);
    if (m->ifaces_error) {
        nv_lines_heading(out, _("Host interfaces"));
        nv_lines_add(out, "", m->ifaces_error);
    }
}

static void network_details(NvPane *pane, NvNetwork *net, NvLines *out)
{
    nv_lines_add(out, _("Name"), net->name);
    nv_lines_add(out, _("UUID"), net->uuid);
    nv_lines_add(out, _("Active"), net->active ? _("yes") : _("no"));
    nv_lines_add(out, _("Autostart"), net->autostart > 0 ? _("yes") : _("no"));
    nv_lines_add(out, _("Persistent"), net->persistent > 0 ? _("yes") : _("no"));
    nv_lines_add(out, _("Forward mode"), net->forward_mode);
    if (*net->forward_dev)
        nv_lines_add(out, _("Forward device"), net->forward_dev);
    nv_lines_add(out, _("Bridge"), *net->bridge ? net->bridge : _("none"));
    for (guint i = 0; i < net->ips->len; i++) {
        NvNetIp *ip = net->ips->pdata[i];
        nv_lines_heading(out, g_strcmp0(ip->family, "ipv6") == 0 ? _("IPv6") : _("IPv4"));
        nv_lines_addf(out, _("Address"), "%s/%u", ip->address, ip->prefix);
        if (*ip->dhcp_start)
            nv_lines_addf(out, _("DHCP range"), "%s – %s", ip->dhcp_start, ip->dhcp_end);
        else
            nv_lines_add(out, _("DHCP"), _("off"));
    }
}

static void details(NvPane *pane, int item, NvLines *out)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No network selected."));
        interfaces_note(pane, out);
        return;
    }
    NvNetwork *net = network_at(pane, (guint)item);
    if (net) {
        network_details(pane, net, out);
    } else {
        NvIface *iface = iface_at(pane, (guint)item);
        nv_lines_add(out, _("Interface"), iface->name);
        nv_lines_add(out, _("MAC"), iface->mac);
        nv_lines_add(out, _("Active"), iface->active ? _("yes") : _("no"));
    }
    interfaces_note(pane, out);
}

static const char *details_title(NvPane *pane, int item)
{
    return item_name(pane, (guint)item);
}

static const NvPaneClass networks_class = {
    .name = N_("Networks"),
    .context = NV_CTX_NETWORKS,
    .columns = columns,
    .n_items = n_items,
    .item_name = item_name,
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
};

const NvPaneClass *nv_pane_networks_class(void)
{
    return &networks_class;
}
