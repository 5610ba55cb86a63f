/* The new-network wizard: name and mode, how the network connects, its addresses and DHCP,
 * static DHCP hosts; the summary shows the XML; the commit defines, starts and (when asked)
 * autostarts the network, and removes it again when a step fails (src/network.c). */
#include <stdio.h>
#include <string.h>

#include "network.h"
#include "wizards.h"

typedef struct {
    NvNetDraft *net;
    NvConn *conn;
    NvPane *pane;
    /* The two meanings of the draft's bridge, kept apart so switching modes does not carry a
     * host bridge over as the name of a new one. */
    char *host_bridge; /* bridge mode: the host's bridge */
    char *own_bridge;  /* other modes: the device libvirt creates ("" picks virbrN) */
} Draft;

static void draft_free(Draft *d)
{
    nv_net_draft_free(d->net);
    g_free(d->host_bridge);
    g_free(d->own_bridge);
    g_free(d);
}

static char *field_text(NvForm *form, const char *id)
{
    NvField *f = nv_form_field(form, id);
    return g_strstrip(g_strdup(f ? nv_field_text(f) : ""));
}

static void set_str(char **dst, char *value)
{
    g_free(*dst);
    *dst = value;
}

/* A check found by src/network.c names the field at fault: mark it, say why below. */
static void mark(NvWizard *wz, NvForm *form, const char *field, const GError *err)
{
    if (field && nv_form_row(form, field) >= 0)
        nv_form_set_note(form, field, NV_NOTE_ERROR, err->message);
    nv_wizard_set_status(wz, err->message, TRUE);
    if (field)
        nv_form_focus(form, field);
}

/* ---- field checks that need the host's model ---- */

/* Its data is the draft (a field table's check). */
static gboolean check_name(const char *text, gpointer data, GError **err)
{
    return nv_net_check_name(text, nv_conn_model(((Draft *)data)->conn), err);
}

/* A new bridge must not be one another network of this host uses already. */
static gboolean check_new_bridge(const char *text, gpointer data, GError **err)
{
    if (!nv_net_check_bridge(text, NULL, err))
        return FALSE;
    g_autofree char *s = g_strstrip(g_strdup(text));
    const NvModel *m = nv_conn_model(((Draft *)data)->conn);
    for (guint i = 0; i < m->networks->len; i++) {
        NvNetwork *n = m->networks->pdata[i];
        if (strcmp(n->bridge, s) == 0) {
            g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("network '%s' uses %s already"), n->name,
                        s);
            return FALSE;
        }
    }
    return TRUE;
}

/* ---- step 1: name and mode ---- */

static gpointer net_of(gpointer data)
{
    return ((Draft *)data)->net;
}

/* Short: the field is narrow; the summary says what each one means. In NvNetMode order. */
static const char *const mode_labels[] = {N_("NAT"), N_("routed"), N_("open (no firewall rules)"),
                                          N_("isolated"), N_("bridged to a host bridge")};

static void mode_choices(gconstpointer data, GPtrArray *values, GPtrArray *labels)
{
    for (int i = 0; i < NV_NET_MODE_COUNT; i++) {
        g_ptr_array_add(values, g_strdup(nv_net_mode_name(i)));
        g_ptr_array_add(labels, g_strdup(_(mode_labels[i])));
    }
}

static char *mode_initial(gconstpointer data)
{
    return g_strdup(_(mode_labels[((const Draft *)data)->net->mode]));
}

static const NvWizardField name_fields[] = {
    {.id = "name",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Name"),
     .max = 50,
     .check = check_name,
     .slot = G_STRUCT_OFFSET(NvNetDraft, name)},
    {.id = "mode",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Mode"),
     .hint = N_("Space: NAT, routed, open, isolated, bridged"),
     .slot = NV_WIZARD_NO_SLOT,
     .choices = mode_choices,
     .initial = mode_initial},
    {.id = "autostart",
     .kind = NV_WIZARD_BOOL,
     .label = N_("Start with the host"),
     .slot = G_STRUCT_OFFSET(NvNetDraft, autostart)},
};

static gboolean read_name(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    nv_net_mode_from_name(nv_field_enum_value(nv_form_field(form, "mode")), &d->net->mode);
    return TRUE;
}

/* ---- step 2: how it connects ---- */

/* Which rows the mode and the host's interfaces call for. */
enum {
    BRIDGED = 1 << 0,        /* joins a host bridge */
    BRIDGED_IFACES = 1 << 1, /* ...and the host lists its interfaces */
    BRIDGED_NO_IFACES = 1 << 2,
    FORWARD_IFACES = 1 << 3, /* NAT or routed: leaves by one of the listed interfaces */
    FORWARD_NO_IFACES = 1 << 4,
    OWN_BRIDGE = 1 << 5, /* libvirt makes the network's bridge */
};

static const NvModel *model_of(gconstpointer data)
{
    return nv_conn_model(((const Draft *)data)->conn);
}

static guint connection_state(gconstpointer data)
{
    NvNetMode mode = ((const Draft *)data)->net->mode;
    gboolean ifaces = model_of(data)->ifaces->len > 0;
    if (mode == NV_NET_BRIDGE)
        return BRIDGED | (ifaces ? BRIDGED_IFACES : BRIDGED_NO_IFACES);
    if (mode == NV_NET_NAT || mode == NV_NET_ROUTE)
        return OWN_BRIDGE | (ifaces ? FORWARD_IFACES : FORWARD_NO_IFACES);
    return OWN_BRIDGE;
}

static char *no_ifaces_text(gconstpointer data)
{
    const NvModel *m = model_of(data);
    return g_strdup(m->ifaces_error ? m->ifaces_error
                                    : _("This host lists no interfaces: type the name."));
}

static void iface_items(gconstpointer data, GPtrArray *keys, GPtrArray *texts)
{
    const NvModel *m = model_of(data);
    for (guint i = 0; i < m->ifaces->len; i++) {
        NvIface *iface = m->ifaces->pdata[i];
        g_ptr_array_add(keys, g_strdup_printf("iface:%s", iface->name));
        g_ptr_array_add(texts, g_strdup_printf("%s  %s  %s", iface->name, iface->mac,
                                               iface->active ? _("active") : _("inactive")));
    }
}

/* "" stands for any interface. */
static void forward_choices(gconstpointer data, GPtrArray *values, GPtrArray *labels)
{
    g_ptr_array_add(values, g_strdup(""));
    g_ptr_array_add(labels, g_strdup(_("any host interface")));
    const NvModel *m = model_of(data);
    for (guint i = 0; i < m->ifaces->len; i++) {
        NvIface *iface = m->ifaces->pdata[i];
        g_ptr_array_add(values, g_strdup(iface->name));
        g_ptr_array_add(labels, g_strdup(iface->name));
    }
}

static char *forward_initial(gconstpointer data)
{
    return g_strdup(((const Draft *)data)->net->forward_dev);
}

/* The enum's label: the interface, or any when the draft names none of them. */
static char *forward_choice_initial(gconstpointer data)
{
    const char *dev = ((const Draft *)data)->net->forward_dev;
    const NvModel *m = model_of(data);
    for (guint i = 0; *dev && i < m->ifaces->len; i++)
        if (strcmp(((NvIface *)m->ifaces->pdata[i])->name, dev) == 0)
            return g_strdup(dev);
    return g_strdup(_("any host interface"));
}

/* The bridges are slotted apart (see Draft); read_connection reads the forward device. */
static const NvWizardField connection_fields[] = {
    {.id = "bridge",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Host bridge"),
     .hint = N_("an existing bridge, e.g. br0"),
     .check = nv_net_check_bridge,
     .visible_when = BRIDGED,
     .slot = G_STRUCT_OFFSET(Draft, host_bridge)},
    {.id = "bridge-note",
     .kind = NV_WIZARD_REMARK,
     .label = N_("Guests join the host's LAN through it: libvirt gives them no addresses."),
     .visible_when = BRIDGED,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "no-ifaces",
     .kind = NV_WIZARD_REMARK,
     .visible_when = BRIDGED_NO_IFACES,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = no_ifaces_text},
    {.id = "ifaces-heading",
     .kind = NV_WIZARD_HEADING,
     .label = N_("Host interfaces (Enter picks one)"),
     .visible_when = BRIDGED_IFACES,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "ifaces",
     .kind = NV_WIZARD_ITEMS,
     .visible_when = BRIDGED_IFACES,
     .slot = NV_WIZARD_NO_SLOT,
     .choices = iface_items},
    {.id = "forward-dev",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Leaves by"),
     .optional = TRUE,
     .hint = N_("empty: any host interface"),
     .check = nv_net_check_bridge,
     .visible_when = FORWARD_NO_IFACES,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = forward_initial},
    {.id = "forward-dev",
     .kind = NV_WIZARD_ENUM,
     .label = N_("Leaves by"),
     .hint = N_("Space picks the next one"),
     .visible_when = FORWARD_IFACES,
     .slot = NV_WIZARD_NO_SLOT,
     .choices = forward_choices,
     .initial = forward_choice_initial},
    {.id = "bridge",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Bridge device"),
     .optional = TRUE,
     .hint = N_("empty: libvirt picks virbrN"),
     .check = check_new_bridge,
     .visible_when = OWN_BRIDGE,
     .slot = G_STRUCT_OFFSET(Draft, own_bridge)},
};

static void activate_connection(NvWizard *wz, NvForm *form, const char *key, gpointer data)
{
    NvField *bridge = nv_form_field(form, "bridge");
    if (bridge && g_str_has_prefix(key, "iface:")) {
        nv_field_set_text(bridge, key + strlen("iface:"));
        nv_form_focus(form, "bridge");
    }
}

static gboolean read_connection(NvWizard *wz, NvForm *form, gpointer data)
{
    Draft *d = data;
    NvField *dev = nv_form_field(form, "forward-dev");
    if (dev)
        set_str(&d->net->forward_dev, nv_field_is_choice(dev) ? g_strdup(nv_field_enum_value(dev))
                                                              : field_text(form, "forward-dev"));
    set_str(&d->net->bridge,
            g_strdup(d->net->mode == NV_NET_BRIDGE ? d->host_bridge : d->own_bridge));
    return TRUE;
}

/* ---- step 3: addresses, DHCP, DNS ---- */

static gboolean skip_addresses(gpointer data)
{
    return ((Draft *)data)->net->mode == NV_NET_BRIDGE;
}

static char *subnet_text(const NvNetDraft *n)
{
    return *n->ipv4 ? g_strdup_printf("%s/%u", n->ipv4, n->ipv4_prefix) : g_strdup("");
}

static char *subnet_initial(gconstpointer data)
{
    return subnet_text(((const Draft *)data)->net);
}

/* An empty range in the draft follows the subnet: show what it stands for. */
static char *range_initial(const NvNetDraft *n, gboolean end)
{
    if (*n->dhcp_start || *n->dhcp_end)
        return g_strdup(end ? n->dhcp_end : n->dhcp_start);
    g_autofree char *first = NULL, *last = NULL;
    if (*n->ipv4)
        nv_net_default_range(n->ipv4, n->ipv4_prefix, &first, &last);
    return g_strdup(end ? (last ? last : "") : (first ? first : ""));
}

static char *start_initial(gconstpointer data)
{
    return range_initial(((const Draft *)data)->net, FALSE);
}

static char *end_initial(gconstpointer data)
{
    return range_initial(((const Draft *)data)->net, TRUE);
}

static char *ipv6_initial(gconstpointer data)
{
    const NvNetDraft *n = ((const Draft *)data)->net;
    return *n->ipv6 ? g_strdup_printf("%s/%u", n->ipv6, n->ipv6_prefix) : g_strdup("");
}

enum { NEEDS_IPV4 = 1 << 0, MAY_LACK_IPV4 = 1 << 1 };

static guint addresses_state(gconstpointer data)
{
    return nv_net_mode_needs_ipv4(((const Draft *)data)->net->mode) ? NEEDS_IPV4 : MAY_LACK_IPV4;
}

#define IPV4(optional_, when_)                                                                     \
    {                                                                                              \
        .id = "ipv4", .kind = NV_WIZARD_TEXT, .label = N_("IPv4 subnet"), .optional = optional_,   \
        .hint = N_("the host's address/prefix, e.g. 192.168.100.1/24"),                            \
        .check = nv_net_check_ipv4_subnet, .visible_when = when_, .slot = NV_WIZARD_NO_SLOT,       \
        .initial = subnet_initial                                                                  \
    }

/* Slotted only DHCP and the domain: read_addresses parses the subnets and decides whether the
 * range follows the subnet. */
static const NvWizardField address_fields[] = {
    IPV4(FALSE, NEEDS_IPV4),
    IPV4(TRUE, MAY_LACK_IPV4),
    {.id = "dhcp",
     .kind = NV_WIZARD_BOOL,
     .label = N_("DHCP"),
     .hint = N_("hands out addresses from the range"),
     .slot = G_STRUCT_OFFSET(NvNetDraft, dhcp)},
    {.id = "dhcp-start",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Range start"),
     .optional = TRUE,
     .hint = N_("empty: from the subnet's first free address"),
     .check = nv_net_check_ipv4,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = start_initial},
    {.id = "dhcp-end",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Range end"),
     .optional = TRUE,
     .hint = N_("empty: to the subnet's last address"),
     .check = nv_net_check_ipv4,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = end_initial},
    {.id = "ipv6",
     .kind = NV_WIZARD_TEXT,
     .label = N_("IPv6 subnet"),
     .optional = TRUE,
     .hint = N_("optional, e.g. fd00:1::1/64"),
     .check = nv_net_check_ipv6_subnet,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = ipv6_initial},
    {.id = "domain",
     .kind = NV_WIZARD_TEXT,
     .label = N_("DNS domain"),
     .optional = TRUE,
     .hint = N_("optional, e.g. lab.example"),
     .check = nv_net_check_dns_name,
     .slot = G_STRUCT_OFFSET(NvNetDraft, domain)},
};

static gboolean read_addresses(NvWizard *wz, NvForm *form, gpointer data)
{
    NvNetDraft *n = ((Draft *)data)->net;
    g_autofree char *v4 = field_text(form, "ipv4");
    char *address = NULL;
    n->ipv4_prefix = 0;
    if (*v4)
        nv_net_parse_ipv4_subnet(v4, &address, &n->ipv4_prefix, NULL);
    set_str(&n->ipv4, address ? address : g_strdup(""));
    /* A range the user left alone follows the subnet, even one changed just now. */
    NvField *start = nv_form_field(form, "dhcp-start");
    NvField *end = nv_form_field(form, "dhcp-end");
    gboolean was_given = *n->dhcp_start || *n->dhcp_end;
    gboolean subnet_moved = nv_field_changed(nv_form_field(form, "ipv4"));
    gboolean touched =
        nv_field_changed(start) || nv_field_changed(end) || (was_given && !subnet_moved);
    set_str(&n->dhcp_start, touched ? field_text(form, "dhcp-start") : g_strdup(""));
    set_str(&n->dhcp_end, touched ? field_text(form, "dhcp-end") : g_strdup(""));
    g_autofree char *v6 = field_text(form, "ipv6");
    address = NULL;
    n->ipv6_prefix = 0;
    if (*v6)
        nv_net_parse_ipv6_subnet(v6, &address, &n->ipv6_prefix, NULL);
    set_str(&n->ipv6, address ? address : g_strdup(""));

    const char *field = NULL;
    g_autoptr(GError) err = NULL;
    if (nv_net_draft_check(n, &field, &err))
        return TRUE;
    if (g_strcmp0(field, "hosts") == 0) {
        /* Fixed on the next step, where the entries are. */
        nv_wizard_set_status(wz, err->message, TRUE);
        return TRUE;
    }
    mark(wz, form, field, err);
    return FALSE;
}

/* ---- step 4: static DHCP hosts ---- */

static gboolean skip_hosts(gpointer data)
{
    NvNetDraft *n = ((Draft *)data)->net;
    /* Shown with DHCP off too while entries remain, so they can be removed. */
    return n->mode == NV_NET_BRIDGE || !*n->ipv4 || (!n->dhcp && n->hosts->len == 0);
}

static char *host_line(const NvNetHost *h)
{
    return g_strdup_printf("%s  %s%s%s", h->mac, h->ip, *h->name ? "  " : "", h->name);
}

static void host_items(gconstpointer data, GPtrArray *keys, GPtrArray *texts)
{
    const NvNetDraft *n = ((const Draft *)data)->net;
    for (guint i = 0; i < n->hosts->len; i++) {
        g_ptr_array_add(keys, g_strdup_printf("host:%u", i));
        g_ptr_array_add(texts, host_line(n->hosts->pdata[i]));
    }
}

static char *subnet_network(gconstpointer data)
{
    const NvNetDraft *n = ((const Draft *)data)->net;
    return nv_net_ipv4_network(n->ipv4, n->ipv4_prefix);
}

static char *hosts_intro(gconstpointer data)
{
    g_autofree char *net = subnet_network(data);
    return g_strdup_printf(_("A guest with one of these MACs always gets its address in %s."), net);
}

static char *host_ip_hint(gconstpointer data)
{
    g_autofree char *net = subnet_network(data);
    return g_strdup_printf(_("inside %s"), net);
}

enum { HOSTS = 1 << 0, NO_HOSTS = 1 << 1 };

static guint hosts_state(gconstpointer data)
{
    return ((const Draft *)data)->net->hosts->len ? HOSTS : NO_HOSTS;
}

/* Live: the list and its "none" line follow the entries added and removed. The new entry's
 * fields are read by add_typed_host. */
static const NvWizardField host_fields[] = {
    {.id = "hosts-intro",
     .kind = NV_WIZARD_REMARK,
     .slot = NV_WIZARD_NO_SLOT,
     .initial = hosts_intro},
    {.id = "entries",
     .kind = NV_WIZARD_HEADING,
     .label = N_("Entries (Enter on one removes it)"),
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "hosts", .kind = NV_WIZARD_ITEMS, .slot = NV_WIZARD_NO_SLOT, .choices = host_items},
    {.id = "no-hosts",
     .kind = NV_WIZARD_REMARK,
     .label = N_("none: every guest gets an address from the range"),
     .visible_when = NO_HOSTS,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "new-entry",
     .kind = NV_WIZARD_HEADING,
     .label = N_("New entry"),
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "host-mac",
     .kind = NV_WIZARD_TEXT,
     .label = N_("MAC"),
     .optional = TRUE,
     .hint = N_("e.g. 52:54:00:12:34:56"),
     .check = nv_net_check_mac,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "host-ip",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Address"),
     .optional = TRUE,
     .check = nv_net_check_ipv4,
     .slot = NV_WIZARD_NO_SLOT,
     .hint_for = host_ip_hint},
    {.id = "host-name",
     .kind = NV_WIZARD_TEXT,
     .label = N_("Host name"),
     .optional = TRUE,
     .hint = N_("optional"),
     .check = nv_net_check_dns_name,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "add-host",
     .kind = NV_WIZARD_BUTTON,
     .label = N_("Add the entry"),
     .slot = NV_WIZARD_NO_SLOT},
};

static gboolean entry_typed(NvForm *form)
{
    const char *ids[] = {"host-mac", "host-ip", "host-name"};
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
        if (!nv_field_is_empty(nv_form_field(form, ids[i])))
            return TRUE;
    return FALSE;
}

/* Adds the entry typed in the fields; FALSE (with the field at fault marked) when it cannot. */
static gboolean add_typed_host(NvWizard *wz, NvForm *form, NvNetDraft *n)
{
    g_autofree char *mac = field_text(form, "host-mac");
    g_autofree char *ip = field_text(form, "host-ip");
    g_autofree char *name = field_text(form, "host-name");
    const char *field = NULL;
    g_autoptr(GError) err = NULL;
    if (!*mac || !*ip) {
        g_set_error_literal(&err, NV_ERROR, NV_ERROR_INVALID,
                            _("an entry needs a MAC and an address"));
        mark(wz, form, *mac ? "host-ip" : "host-mac", err);
        return FALSE;
    }
    if (!nv_net_draft_add_host(n, mac, ip, name, &field, &err)) {
        mark(wz, form, field, err);
        return FALSE;
    }
    const char *ids[] = {"host-mac", "host-ip", "host-name"};
    for (guint i = 0; i < G_N_ELEMENTS(ids); i++)
        nv_field_set_initial(nv_form_field(form, ids[i]), "");
    nv_wizard_refresh(wz);
    g_autofree char *msg = g_strdup_printf(_("added %s → %s"), mac, ip);
    nv_wizard_set_status(wz, msg, FALSE);
    return TRUE;
}

typedef struct {
    NvWizard *wz;
    Draft *draft;
    guint index;
} RemoveHost;

static void remove_answered(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    RemoveHost *r = data;
    if (index == 0 && nv_wizard_is_open(r->wz)) {
        nv_net_draft_remove_host(r->draft->net, r->index);
        nv_wizard_rebuild(r->wz);
    }
    nv_wizard_unref(r->wz);
    g_free(r);
}

static void activate_hosts(NvWizard *wz, NvForm *form, const char *key, gpointer data)
{
    Draft *d = data;
    if (strcmp(key, "add-host") == 0) {
        if (add_typed_host(wz, form, d->net))
            nv_form_focus(form, "host-mac");
        return;
    }
    guint index;
    if (sscanf(key, "host:%u", &index) != 1 || index >= d->net->hosts->len)
        return;
    NvNetHost *h = d->net->hosts->pdata[index];
    RemoveHost *r = g_new0(RemoveHost, 1);
    r->wz = nv_wizard_ref(wz);
    r->draft = d;
    r->index = index;
    g_autofree char *title = g_strdup_printf(_("Static host %s"), h->mac);
    g_autofree char *line = host_line(h);
    const char *choices[] = {_("Remove this entry"), NULL};
    nv_app_menu(nv_wizard_app(wz), title, line, choices, remove_answered, r);
}

static gboolean read_hosts(NvWizard *wz, NvForm *form, gpointer data)
{
    NvNetDraft *n = ((Draft *)data)->net;
    /* Typed but not added yet: add it rather than drop it. */
    if (entry_typed(form) && !add_typed_host(wz, form, n))
        return FALSE;
    const char *field = NULL;
    g_autoptr(GError) err = NULL;
    if (nv_net_draft_check(n, &field, &err))
        return TRUE;
    nv_wizard_set_status(wz, err->message, TRUE);
    return FALSE;
}

/* ---- summary and commit ---- */

static char *summary(gpointer data, GError **err)
{
    Draft *d = data;
    g_autofree char *xml = nv_net_draft_xml(d->net, err);
    if (!xml)
        return NULL;
    g_autofree char *text = nv_net_draft_describe(d->net);
    return g_strdup_printf("%s\n%s\n\n%s", text, _("The network's XML:"), xml);
}

typedef struct {
    NvWizard *wz;
    NvPane *pane;
    char *name;
    gboolean autostart;
} CreateUi;

static void created(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    CreateUi *c = data;
    g_autoptr(GError) err = NULL;
    nv_network_finish(res, &err);
    g_autofree char *msg =
        c->autostart
            ? g_strdup_printf(_("created network '%s': active, starts with the host"), c->name)
            : g_strdup_printf(_("created network '%s': active"), c->name);
    if (!err) {
        /* The list shows the new network selected once it reloads. */
        nv_wizard_pane_select(c->pane, conn, c->name);
    }
    nv_wizard_finished(c->wz, err, msg);
    nv_wizard_unref(c->wz);
    g_free(c->name);
    g_free(c);
}

static const NvWizardStep steps[] = {
    {.title = N_("Name and mode"),
     .fields = name_fields,
     .n_fields = G_N_ELEMENTS(name_fields),
     .target = net_of,
     .read = read_name},
    {.title = N_("Connection"),
     .fields = connection_fields,
     .n_fields = G_N_ELEMENTS(connection_fields),
     .state = connection_state,
     .read = read_connection,
     .activate = activate_connection},
    {.title = N_("Addresses"),
     .fields = address_fields,
     .n_fields = G_N_ELEMENTS(address_fields),
     .target = net_of,
     .state = addresses_state,
     .read = read_addresses,
     .skip = skip_addresses},
    {.title = N_("Static DHCP hosts"),
     .fields = host_fields,
     .n_fields = G_N_ELEMENTS(host_fields),
     .state = hosts_state,
     .live = TRUE,
     .read = read_hosts,
     .activate = activate_hosts,
     .skip = skip_hosts},
};

static void commit(NvWizard *wz, gpointer data);

static const NvWizardClass network_wizard = {
    .title = N_("New virtual network"),
    .steps = steps,
    .n_steps = G_N_ELEMENTS(steps),
    .summary = summary,
    .commit = commit,
    .draft_free = (GDestroyNotify)draft_free,
};

static void commit(NvWizard *wz, gpointer data)
{
    Draft *d = data;
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_net_draft_xml(d->net, &err);
    if (!xml) {
        nv_wizard_finished(wz, err, NULL);
        return;
    }
    CreateUi *c = g_new0(CreateUi, 1);
    c->wz = nv_wizard_ref(wz);
    c->pane = d->pane;
    c->name = g_strdup(d->net->name);
    c->autostart = d->net->autostart;
    nv_network_create_async(d->conn, xml, c->autostart, created, c, NULL);
}

NvView *nv_wizard_network_open(NvApp *app, NvPane *pane)
{
    NvConn *conn = nv_wizard_host(app, pane);
    if (nv_conn_get_state(conn) != NV_CONN_CONNECTED) {
        nv_app_message(app, _("Not connected: wait for the host, then try again."), TRUE);
        return NULL;
    }
    const NvModel *m = nv_conn_model(conn);
    Draft *d = g_new0(Draft, 1);
    d->conn = conn;
    d->pane = pane;
    d->net = nv_net_draft_new();
    d->net->autostart = TRUE;
    set_str(&d->net->name, nv_net_suggest_name(m));
    g_autofree char *subnet = nv_net_suggest_subnet(m);
    char *address = NULL;
    if (nv_net_parse_ipv4_subnet(subnet, &address, &d->net->ipv4_prefix, NULL))
        set_str(&d->net->ipv4, address);
    d->host_bridge = g_strdup("br0");
    for (guint i = 0; i < m->ifaces->len; i++) {
        NvIface *iface = m->ifaces->pdata[i];
        if (g_str_has_prefix(iface->name, "br")) {
            set_str(&d->host_bridge, g_strdup(iface->name));
            break;
        }
    }
    d->own_bridge = g_strdup("");
    return nv_wizard_new(app, &network_wizard, d);
}
