/* The Networks pane: virtual networks, then the host's interfaces, in one list; the actions on
 * a network (start, stop, autostart, delete, DHCP leases) with confirmations that name the
 * domains using it; details with its static DHCP hosts and DNS domain. */
#include <string.h>

#include "network.h"
#include "ui-internal.h"

enum { COL_STATE, COL_NAME, COL_KIND, COL_MODE, COL_BRIDGE, COL_ADDRESS };

static const NvColumn columns[] = {
    {N_("State"), 8, FALSE}, {N_("Name"), 18, FALSE},   {N_("Kind"), 9, FALSE},
    {N_("Mode"), 9, FALSE},  {N_("Bridge"), 10, FALSE}, {N_("Address"), 0, FALSE},
    {NULL, 0, FALSE},
};

/* Each host's items: 0..networks-1 are its virtual networks, the rest its interfaces. */
static NvNetwork *network_at(NvPane *pane, guint item)
{
    guint local;
    const NvModel *m = nv_conn_model(nv_pane_item_conn(pane, item, &local));
    return local < m->networks->len ? m->networks->pdata[local] : NULL;
}

static NvIface *iface_at(NvPane *pane, guint item)
{
    guint local;
    const NvModel *m = nv_conn_model(nv_pane_item_conn(pane, item, &local));
    return m->ifaces->pdata[local - m->networks->len];
}

static guint n_items(NvPane *pane, NvConn *conn)
{
    const NvModel *m = nv_conn_model(conn);
    return m->networks->len + m->ifaces->len;
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
    const NvModel *m = nv_app_n_conns(pane->app) ? nv_pane_model(pane) : NULL;
    if (m && m->ifaces_error) {
        nv_lines_heading(out, _("Host interfaces"));
        nv_lines_add(out, "", m->ifaces_error);
    }
}

/* ---- what the model does not hold: static hosts and the DNS domain, read from the XML of
 * the network shown, once per network definition (keyed by UUID) ---- */

typedef struct {
    NvConn *conn;    /* the host of */
    char *uuid;      /* the network the rest is about */
    NvNetInfo *info; /* NULL while reading or after an error */
    char *error;
    gboolean pending;
} NetExtra;

/* The pane's instance: the base, then what the model does not hold. */
typedef struct {
    NvPane base;
    NetExtra extra;
} NetworksPane;

static NetExtra *extra_of(NvPane *pane)
{
    return &((NetworksPane *)pane)->extra;
}

static void finalize(NvPane *pane)
{
    NetExtra *x = extra_of(pane);
    g_free(x->uuid);
    nv_net_info_free(x->info);
    g_free(x->error);
}

typedef struct {
    NvPane *pane;
    NvConn *conn;
    char *uuid;
} InfoCall;

static void info_arrived(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    InfoCall *c = data;
    g_autoptr(GError) err = NULL;
    NvNetInfo *info = nv_network_info_finish(res, &err);
    NetExtra *x = extra_of(c->pane);
    if (x->conn == c->conn && g_strcmp0(x->uuid, c->uuid) == 0) {
        x->pending = FALSE;
        nv_net_info_free(x->info);
        x->info = g_steal_pointer(&info);
        g_free(x->error);
        x->error = err ? g_strdup(err->message) : NULL;
        nv_app_dirty(c->pane->app);
    }
    nv_net_info_free(info);
    g_free(c->uuid);
    g_free(c);
}

/* The extra details of `net`, asking the host for them the first time it is shown. */
static NetExtra *extra_for(NvPane *pane, NvNetwork *net)
{
    NetExtra *x = extra_of(pane);
    NvConn *conn = nv_pane_conn(pane);
    if (x->conn == conn && g_strcmp0(x->uuid, net->uuid) == 0)
        return x;
    x->conn = conn;
    g_free(x->uuid);
    x->uuid = g_strdup(net->uuid);
    g_clear_pointer(&x->info, nv_net_info_free);
    g_clear_pointer(&x->error, g_free);
    x->pending = TRUE;
    InfoCall *c = g_new0(InfoCall, 1);
    c->pane = pane;
    c->uuid = g_strdup(net->uuid);
    c->conn = conn;
    nv_network_info_async(conn, net->name, info_arrived, c, NULL);
    return x;
}

/* Forget what was read, so the details read the definition again (it changed). */
static void extra_forget(NvPane *pane)
{
    NetExtra *x = extra_of(pane);
    if (!x->pending)
        g_clear_pointer(&x->uuid, g_free);
}

/* The DNS domain line, or why it is not there. */
static NvNetInfo *extra_domain(NvPane *pane, NvNetwork *net, NvLines *out)
{
    NetExtra *x = extra_for(pane, net);
    if (x->pending)
        nv_lines_add(out, _("DNS domain"), _("reading…"));
    else if (!x->info)
        nv_lines_add(out, _("Definition"), x->error ? x->error : _("cannot read it"));
    else
        nv_lines_add(out, _("DNS domain"), *x->info->domain ? x->info->domain : _("none"));
    return x->info;
}

static void extra_hosts(NvNetInfo *info, NvLines *out)
{
    nv_lines_heading(out, _("Static DHCP hosts"));
    if (info->hosts->len == 0)
        nv_lines_add(out, "", _("none"));
    for (guint i = 0; i < info->hosts->len; i++) {
        NvNetHost *h = info->hosts->pdata[i];
        nv_lines_addf(out, *h->mac ? h->mac : _("(no MAC)"), "%s%s%s", h->ip, *h->name ? "  " : "",
                      h->name);
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
    NvNetInfo *info = extra_domain(pane, net, out);
    for (guint i = 0; i < net->ips->len; i++) {
        NvNetIp *ip = net->ips->pdata[i];
        nv_lines_heading(out, g_strcmp0(ip->family, "ipv6") == 0 ? _("IPv6") : _("IPv4"));
        nv_lines_addf(out, _("Address"), "%s/%u", ip->address, ip->prefix);
        if (*ip->dhcp_start)
            nv_lines_addf(out, _("DHCP range"), "%s – %s", ip->dhcp_start, ip->dhcp_end);
        else
            nv_lines_add(out, _("DHCP"), _("off"));
    }
    if (info && (info->hosts->len > 0 || net->ips->len > 0))
        extra_hosts(info, out);
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

/* ---- actions on the selected network ---- */

typedef struct {
    NvPane *pane;
    char *name;
    NvConn *conn; /* the network's host */
    NvNetOp op;
    gboolean active;
    guint job; /* app job id while the host is asked something, 0 for none */
} NetUi;

static NetUi *net_ui_new(NvPane *pane, NvNetwork *net, NvNetOp op)
{
    NetUi *u = g_new0(NetUi, 1);
    u->pane = pane;
    u->conn = nv_pane_conn(pane);
    u->name = g_strdup(net->name);
    u->op = op;
    u->active = net->active;
    return u;
}

static void net_ui_free(NetUi *u)
{
    if (u->job)
        nv_app_job_end(u->pane->app, u->job);
    g_free(u->name);
    g_free(u);
}

static void begin_job(NetUi *u, const char *label)
{
    u->job = nv_app_job_begin(u->pane->app, label, NULL, NULL);
}

static void end_job(NetUi *u)
{
    if (u->job)
        nv_app_job_end(u->pane->app, u->job);
    u->job = 0;
}

static void op_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    NetUi *u = data;
    g_autoptr(GError) err = NULL;
    nv_network_finish(res, &err);
    end_job(u);
    if (err) {
        nv_app_message(u->pane->app, err->message, TRUE);
    } else {
        g_autofree char *msg = nv_net_op_message(u->op, u->name);
        nv_app_message(u->pane->app, msg, FALSE);
    }
    /* Its definition may have changed (a bridge name given on start): read it again. */
    extra_forget(u->pane);
    net_ui_free(u);
}

static void run_op(NetUi *u)
{
    g_autofree char *msg = nv_net_op_message(u->op, u->name);
    if (!nv_app_has_conn(u->pane->app, u->conn)) {
        nv_app_message(u->pane->app, _("the network's host was closed"), TRUE);
        net_ui_free(u);
        return;
    }
    begin_job(u, msg);
    nv_network_op_async(u->conn, u->op, u->name, op_done, u, NULL);
}

static void confirmed(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    NetUi *u = data;
    if (index == 0) {
        run_op(u);
        return;
    }
    g_autofree char *msg = g_strdup_printf(_("cancelled: network '%s' is unchanged"), u->name);
    nv_app_message(app, msg, FALSE);
    net_ui_free(u);
}

/* The domains in the question: what the action does to them, by name. `note` (may be NULL)
 * is a last line, e.g. why the users are not known. The dialog shows one line of message and
 * bullets each listed line: the details go in the list. */
static void ask_with_users(NetUi *u, GPtrArray *users, const char *note)
{
    NvApp *app = u->pane->app;
    guint n = users ? users->len : 0;
    gboolean deleting = u->op == NV_NET_OP_DELETE;
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < n; i++)
        g_ptr_array_add(lines, g_strdup(users->pdata[i]));
    if (note)
        g_ptr_array_add(lines, g_strdup(note));
    if (deleting && (n || note))
        g_ptr_array_add(lines, g_strdup(_("Its users cannot start until a network of that "
                                          "name is back.")));
    if (deleting && u->active)
        g_ptr_array_add(lines, g_strdup(_("The network is stopped first.")));
    if (deleting)
        g_ptr_array_add(lines, g_strdup(_("This cannot be undone.")));
    g_ptr_array_add(lines, NULL);
    g_autofree char *title =
        g_strdup_printf(deleting ? _("Delete network '%s'?") : _("Stop network '%s'?"), u->name);
    g_autofree char *msg = NULL;
    if (n && deleting)
        msg = g_strdup_printf(ngettext("WARNING: %u domain uses it and loses its link:",
                                       "WARNING: %u domains use it and lose their link:", n),
                              n);
    else if (n)
        msg = g_strdup_printf(ngettext("%u domain uses it and loses its link:",
                                       "%u domains use it and lose their link:", n),
                              n);
    else if (note)
        msg = g_strdup(_("Domains on it lose their link."));
    else
        msg = g_strdup(_("No domain uses it."));
    nv_app_confirm(app, title, msg, (const char *const *)lines->pdata, confirmed, u);
}

static void users_known(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    NetUi *u = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) users = nv_network_users_finish(res, &err);
    end_job(u);
    if (err) {
        /* Not knowing who uses it is no reason to refuse: ask, saying so. */
        g_autofree char *note =
            g_strdup_printf(_("(cannot tell which domains use it: %s)"), err->message);
        ask_with_users(u, NULL, note);
        return;
    }
    ask_with_users(u, users, NULL);
}

static void ask_users_then_confirm(NetUi *u)
{
    g_autofree char *label = g_strdup_printf(_("finding the domains that use %s"), u->name);
    begin_job(u, label);
    nv_network_users_async(u->conn, u->name, users_known, u, NULL);
}

static char *expiry_text(gint64 expiry)
{
    if (expiry <= 0)
        return g_strdup(_("never"));
    g_autoptr(GDateTime) t = g_date_time_new_from_unix_local(expiry);
    return t ? g_date_time_format(t, "%Y-%m-%d %H:%M") : g_strdup("?");
}

static void ignore_choice(NvApp *app, int index, const gboolean *checked, gpointer data) {}

static void leases_known(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    NetUi *u = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) leases = nv_network_leases_finish(res, &err);
    end_job(u);
    NvApp *app = u->pane->app;
    if (err) {
        nv_app_message(app, err->message, TRUE);
        net_ui_free(u);
        return;
    }
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < leases->len; i++) {
        NvNetLease *l = leases->pdata[i];
        g_autofree char *expiry = expiry_text(l->expiry);
        g_ptr_array_add(lines, g_strdup_printf("%-17s  %-15s  %-16s %s", *l->mac ? l->mac : "-",
                                               l->ip, *l->hostname ? l->hostname : "-", expiry));
    }
    if (leases->len == 0)
        g_ptr_array_add(lines, g_strdup(u->active ? _("no leases: no guest has asked for an "
                                                      "address")
                                                  : _("no leases: the network is not active")));
    g_ptr_array_add(lines, NULL);
    g_autofree char *title = g_strdup_printf(_("DHCP leases of '%s'"), u->name);
    g_autofree char *head = g_strdup_printf("%-17s  %-15s  %-16s %s", _("MAC"), _("Address"),
                                            _("Host name"), _("Expires"));
    nv_app_menu(app, title, head, (const char *const *)lines->pdata, ignore_choice, NULL);
    net_ui_free(u);
}

static NvNetwork *selected_network(NvPane *pane)
{
    int item = nv_list_selected_item(&pane->list);
    return item >= 0 ? network_at(pane, (guint)item) : NULL;
}

static void refuse(NvPane *pane, char *msg)
{
    nv_app_message(pane->app, msg, TRUE);
    g_free(msg);
}

static gboolean action(NvPane *pane, NvAction a)
{
    if (a != NV_ACTION_NET_START && a != NV_ACTION_NET_STOP && a != NV_ACTION_NET_AUTOSTART &&
        a != NV_ACTION_NET_DELETE && a != NV_ACTION_NET_LEASES)
        return FALSE;
    NvNetwork *net = selected_network(pane);
    if (!net) {
        nv_app_message(pane->app, _("Select a virtual network: host interfaces have no actions."),
                       TRUE);
        return TRUE;
    }
    /* Reading the leases changes nothing; every other action is refused on a read-only host. */
    if (a != NV_ACTION_NET_LEASES && !nv_app_check_writable(pane->app, nv_pane_conn(pane)))
        return TRUE;
    switch (a) {
    case NV_ACTION_NET_START:
        if (net->active)
            refuse(pane, g_strdup_printf(_("network '%s' is active already"), net->name));
        else
            run_op(net_ui_new(pane, net, NV_NET_OP_START));
        break;
    case NV_ACTION_NET_STOP:
        if (!net->active)
            refuse(pane, g_strdup_printf(_("network '%s' is not active"), net->name));
        else
            ask_users_then_confirm(net_ui_new(pane, net, NV_NET_OP_STOP));
        break;
    case NV_ACTION_NET_AUTOSTART:
        if (net->persistent == 0)
            refuse(pane,
                   g_strdup_printf(_("network '%s' is transient: it has no autostart"), net->name));
        else
            run_op(net_ui_new(
                pane, net, net->autostart > 0 ? NV_NET_OP_AUTOSTART_OFF : NV_NET_OP_AUTOSTART_ON));
        break;
    case NV_ACTION_NET_DELETE:
        ask_users_then_confirm(net_ui_new(pane, net, NV_NET_OP_DELETE));
        break;
    default: {
        NetUi *u = net_ui_new(pane, net, NV_NET_OP_START);
        g_autofree char *label = g_strdup_printf(_("reading the leases of %s"), net->name);
        begin_job(u, label);
        nv_network_leases_async(u->conn, net->name, leases_known, u, NULL);
        break;
    }
    }
    return TRUE;
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
    .action = action,
    .changes = NV_CHANGE_NETWORKS | NV_CHANGE_IFACES,
    .instance_size = sizeof(NetworksPane),
    .finalize = finalize,
};

const NvPaneClass *nv_pane_networks_class(void)
{
    return &networks_class;
}
