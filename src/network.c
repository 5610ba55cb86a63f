/* Virtual networks: drafts to XML (libxml2), the checks of the network wizard's fields, and the
 * network actions on the connection's worker. */
#include "network.h"

#include <arpa/inet.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "conn-virt.h"
#include "error.h"
#include "field.h"
#include "i18n.h"
#include "names.h"
#include "virt-util.h"
#include "xml-tree.h"

static const char *const mode_names[NV_NET_MODE_COUNT] = {"nat", "route", "open", "isolated",
                                                          "bridge"};

const char *nv_net_mode_name(NvNetMode mode)
{
    return mode < NV_NET_MODE_COUNT ? mode_names[mode] : "";
}

gboolean nv_net_mode_from_name(const char *name, NvNetMode *mode)
{
    for (int i = 0; i < NV_NET_MODE_COUNT; i++)
        if (g_strcmp0(name, mode_names[i]) == 0) {
            *mode = (NvNetMode)i;
            return TRUE;
        }
    return FALSE;
}

gboolean nv_net_mode_needs_ipv4(NvNetMode mode)
{
    return mode == NV_NET_NAT || mode == NV_NET_ROUTE || mode == NV_NET_OPEN;
}

/* The same, naming the field at fault for the wizard. */
static gboolean invalid_at(const char **field, const char *id, GError **err, const char *fmt, ...)
    G_GNUC_PRINTF(4, 5);

static gboolean invalid_at(const char **field, const char *id, GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    if (field)
        *field = id;
    return nv_error_invalid(err, "%s", msg);
}

/* ---- drafts ---- */

void nv_net_host_free(NvNetHost *h)
{
    if (!h)
        return;
    g_free(h->mac);
    g_free(h->ip);
    g_free(h->name);
    g_free(h);
}

NvNetDraft *nv_net_draft_new(void)
{
    NvNetDraft *d = g_new0(NvNetDraft, 1);
    d->name = g_strdup("");
    d->mode = NV_NET_NAT;
    d->forward_dev = g_strdup("");
    d->bridge = g_strdup("");
    d->ipv4 = g_strdup("");
    d->dhcp = TRUE;
    d->dhcp_start = g_strdup("");
    d->dhcp_end = g_strdup("");
    d->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)nv_net_host_free);
    d->ipv6 = g_strdup("");
    d->domain = g_strdup("");
    return d;
}

void nv_net_draft_free(NvNetDraft *d)
{
    if (!d)
        return;
    g_free(d->name);
    g_free(d->forward_dev);
    g_free(d->bridge);
    g_free(d->ipv4);
    g_free(d->dhcp_start);
    g_free(d->dhcp_end);
    g_ptr_array_unref(d->hosts);
    g_free(d->ipv6);
    g_free(d->domain);
    g_free(d);
}

/* ---- addresses ---- */

static char *trimmed(const char *text)
{
    return g_strstrip(g_strdup(text ? text : ""));
}

static gboolean ipv4_from_text(const char *text, guint32 *out)
{
    struct in_addr a;
    if (inet_pton(AF_INET, text, &a) != 1)
        return FALSE;
    *out = ntohl(a.s_addr);
    return TRUE;
}

static char *ipv4_to_text(guint32 ip)
{
    return g_strdup_printf("%u.%u.%u.%u", ip >> 24, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);
}

static guint32 ipv4_mask(guint prefix)
{
    return prefix == 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* A prefix of plain digits in [min, max]. */
static gboolean parse_prefix(const char *text, guint min, guint max, guint *out)
{
    if (!*text || strlen(text) > 3 || strspn(text, "0123456789") != strlen(text))
        return FALSE;
    guint v = (guint)atoi(text);
    if (v < min || v > max)
        return FALSE;
    *out = v;
    return TRUE;
}

gboolean nv_net_parse_ipv4(const char *text, char **address, GError **err)
{
    g_autofree char *s = trimmed(text);
    guint32 ip;
    if (!ipv4_from_text(s, &ip))
        return nv_error_invalid(err, _("'%s' is not an IPv4 address such as 192.168.100.10"), s);
    if (address)
        *address = ipv4_to_text(ip);
    return TRUE;
}

gboolean nv_net_parse_ipv4_subnet(const char *text, char **address, guint *prefix, GError **err)
{
    g_autofree char *s = trimmed(text);
    char *slash = strchr(s, '/');
    guint32 ip;
    guint p;
    if (!slash)
        return nv_error_invalid(err,
                                _("give the host's address and the prefix, e.g. 192.168.100.1/24"));
    *slash = '\0';
    if (!ipv4_from_text(s, &ip))
        return nv_error_invalid(err, _("'%s' is not an IPv4 address such as 192.168.100.1"), s);
    if (!parse_prefix(slash + 1, 8, 30, &p))
        return nv_error_invalid(err, _("the prefix must be a number from 8 to 30"));
    guint32 mask = ipv4_mask(p);
    g_autofree char *net = ipv4_to_text(ip & mask);
    if ((ip & ~mask) == 0) {
        g_autofree char *first = ipv4_to_text((ip & mask) + 1);
        return nv_error_invalid(err,
                                _("%s is the subnet's own address: give the host's address in it, "
                                  "e.g. %s/%u"),
                                s, first, p);
    }
    if ((ip & ~mask) == ~mask)
        return nv_error_invalid(err, _("%s is the broadcast address of %s/%u"), s, net, p);
    if (address)
        *address = ipv4_to_text(ip);
    if (prefix)
        *prefix = p;
    return TRUE;
}

gboolean nv_net_parse_ipv6_subnet(const char *text, char **address, guint *prefix, GError **err)
{
    g_autofree char *s = trimmed(text);
    char *slash = strchr(s, '/');
    guint8 ip[16];
    guint p;
    if (!slash)
        return nv_error_invalid(err,
                                _("give the host's address and the prefix, e.g. fd00:1::1/64"));
    *slash = '\0';
    if (inet_pton(AF_INET6, s, ip) != 1)
        return nv_error_invalid(err, _("'%s' is not an IPv6 address such as fd00:1::1"), s);
    if (!parse_prefix(slash + 1, 8, 126, &p))
        return nv_error_invalid(err, _("the IPv6 prefix must be a number from 8 to 126"));
    gboolean host_zero = TRUE;
    for (guint bit = p; bit < 128 && host_zero; bit++)
        host_zero = (ip[bit / 8] & (0x80 >> (bit % 8))) == 0;
    if (host_zero)
        return nv_error_invalid(err,
                                _("%s is the subnet's own address: give the host's address in it, "
                                  "e.g. ending in ::1"),
                                s);
    if (ip[0] == 0xff)
        return nv_error_invalid(err, _("%s is a multicast address"), s);
    if (address) {
        char buf[INET6_ADDRSTRLEN];
        *address = g_strdup(inet_ntop(AF_INET6, ip, buf, sizeof buf));
    }
    if (prefix)
        *prefix = p;
    return TRUE;
}

char *nv_net_ipv4_network(const char *address, guint prefix)
{
    guint32 ip = 0;
    ipv4_from_text(address, &ip);
    g_autofree char *net = ipv4_to_text(ip & ipv4_mask(prefix));
    return g_strdup_printf("%s/%u", net, prefix);
}

void nv_net_default_range(const char *address, guint prefix, char **start, char **end)
{
    guint32 ip = 0;
    ipv4_from_text(address, &ip);
    guint32 mask = ipv4_mask(prefix);
    guint32 first = (ip & mask) + 1, last = (ip | ~mask) - 1;
    /* The longer run on either side of the host's own address. */
    if (ip >= first && ip <= last) {
        if (last - ip >= ip - first)
            first = ip + 1;
        else
            last = ip - 1;
    }
    *start = ipv4_to_text(first);
    *end = ipv4_to_text(last);
}

/* Whether two IPv4 subnets share any address. */
static gboolean ipv4_overlap(guint32 a, guint pa, guint32 b, guint pb)
{
    guint32 mask = ipv4_mask(MIN(pa, pb));
    return (a & mask) == (b & mask);
}

char *nv_net_suggest_subnet(const NvModel *model)
{
    for (guint x = 100; x < 255; x++) {
        guint32 cand = (192u << 24) | (168u << 16) | (x << 8);
        gboolean used = FALSE;
        for (guint i = 0; model && model->networks && i < model->networks->len && !used; i++) {
            NvNetwork *n = model->networks->pdata[i];
            for (guint j = 0; n->ips && j < n->ips->len && !used; j++) {
                NvNetIp *ip = n->ips->pdata[j];
                guint32 other;
                if (g_strcmp0(ip->family, "ipv6") != 0 && ipv4_from_text(ip->address, &other))
                    used = ipv4_overlap(cand, 24, other, ip->prefix);
            }
        }
        if (!used)
            return g_strdup_printf("192.168.%u.1/24", x);
    }
    return g_strdup("10.200.0.1/24");
}

static gboolean network_exists(const NvModel *model, const char *name)
{
    for (guint i = 0; model && model->networks && i < model->networks->len; i++)
        if (strcmp(((NvNetwork *)model->networks->pdata[i])->name, name) == 0)
            return TRUE;
    return FALSE;
}

char *nv_net_suggest_name(const NvModel *model)
{
    for (guint i = 1;; i++) {
        g_autofree char *name = g_strdup_printf("network%u", i);
        if (!network_exists(model, name))
            return g_steal_pointer(&name);
    }
}

/* ---- field checks ---- */

gboolean nv_net_check_name(const char *text, const NvModel *model, GError **err)
{
    g_autofree char *s = trimmed(text);
    if (!nv_name_check(NV_NAME_NETWORK, s, err))
        return FALSE;
    if (network_exists(model, s))
        return nv_error_invalid(err, _("a network called '%s' exists"), s);
    return TRUE;
}

gboolean nv_net_check_bridge(const char *text, gpointer unused, GError **err)
{
    g_autofree char *s = trimmed(text);
    return nv_name_check(NV_NAME_INTERFACE, s, err);
}

gboolean nv_net_check_ipv4_subnet(const char *text, gpointer unused, GError **err)
{
    return nv_net_parse_ipv4_subnet(text, NULL, NULL, err);
}

gboolean nv_net_check_ipv6_subnet(const char *text, gpointer unused, GError **err)
{
    return nv_net_parse_ipv6_subnet(text, NULL, NULL, err);
}

gboolean nv_net_check_ipv4(const char *text, gpointer unused, GError **err)
{
    return nv_net_parse_ipv4(text, NULL, err);
}

gboolean nv_net_check_mac(const char *text, gpointer unused, GError **err)
{
    return nv_parse_mac(text, NULL, err);
}

gboolean nv_net_check_dns_name(const char *text, gpointer unused, GError **err)
{
    g_autofree char *s = trimmed(text);
    if (!*s)
        return nv_error_invalid(err, _("a name is needed"));
    if (strlen(s) > 253)
        return nv_error_invalid(err, _("a DNS name has at most 253 characters"));
    g_auto(GStrv) labels = g_strsplit(s, ".", -1);
    for (char **l = labels; *l; l++) {
        gsize n = strlen(*l);
        if (n == 0 || n > 63)
            return nv_error_invalid(err, _("each part of a DNS name has 1 to 63 characters"));
        if (strspn(*l, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-") != n)
            return nv_error_invalid(err, _("only letters, digits and '-' between the dots"));
        if ((*l)[0] == '-' || (*l)[n - 1] == '-')
            return nv_error_invalid(err, _("a part of a DNS name cannot start or end with '-'"));
    }
    return TRUE;
}

/* ---- the draft as a whole ---- */

typedef struct {
    guint32 host, mask;
    guint prefix;
} Subnet4;

static gboolean draft_subnet(const NvNetDraft *d, Subnet4 *sn)
{
    if (!*d->ipv4 || !ipv4_from_text(d->ipv4, &sn->host) || d->ipv4_prefix < 8 ||
        d->ipv4_prefix > 30)
        return FALSE;
    sn->prefix = d->ipv4_prefix;
    sn->mask = ipv4_mask(d->ipv4_prefix);
    return TRUE;
}

static char *subnet_text(const Subnet4 *sn)
{
    g_autofree char *net = ipv4_to_text(sn->host & sn->mask);
    return g_strdup_printf("%s/%u", net, sn->prefix);
}

/* An address a guest may hold in the subnet: inside it, and not its network, broadcast or
 * host address. `what` names the address in the messages ("the DHCP start"). */
static gboolean guest_address(const Subnet4 *sn, const char *text, const char *what, guint32 *out,
                              GError **err)
{
    g_autofree char *s = trimmed(text);
    guint32 ip;
    if (!ipv4_from_text(s, &ip))
        return nv_error_invalid(err, _("%s: '%s' is not an IPv4 address"), what, s);
    g_autofree char *net = subnet_text(sn);
    if ((ip & sn->mask) != (sn->host & sn->mask))
        return nv_error_invalid(err, _("%s %s is outside the subnet %s"), what, s, net);
    if ((ip & ~sn->mask) == 0)
        return nv_error_invalid(err, _("%s %s is the subnet's own address"), what, s);
    if ((ip & ~sn->mask) == ~sn->mask)
        return nv_error_invalid(err, _("%s %s is the subnet's broadcast address"), what, s);
    if (ip == sn->host)
        return nv_error_invalid(err, _("%s %s is the host's own address on the network"), what, s);
    *out = ip;
    return TRUE;
}

/* The range DHCP hands out: the draft's, or the default of the subnet when it gives none. */
static void effective_range(const NvNetDraft *d, char **start, char **end)
{
    if (*d->dhcp_start || *d->dhcp_end) {
        *start = trimmed(d->dhcp_start);
        *end = trimmed(d->dhcp_end);
    } else {
        nv_net_default_range(d->ipv4, d->ipv4_prefix, start, end);
    }
}

static gboolean check_range(const NvNetDraft *d, const Subnet4 *sn, const char **field,
                            GError **err)
{
    g_autofree char *start = NULL, *end = NULL;
    effective_range(d, &start, &end);
    guint32 a = 0, b = 0;
    if (!guest_address(sn, start, _("the DHCP start"), &a, err)) {
        if (field)
            *field = "dhcp-start";
        return FALSE;
    }
    if (!guest_address(sn, end, _("the DHCP end"), &b, err)) {
        if (field)
            *field = "dhcp-end";
        return FALSE;
    }
    if (a > b)
        return invalid_at(field, "dhcp-end", err,
                          _("the DHCP range ends (%s) before it starts (%s)"), end, start);
    if (sn->host >= a && sn->host <= b) {
        g_autofree char *host = ipv4_to_text(sn->host);
        return invalid_at(field, "dhcp-start", err,
                          _("the DHCP range %s – %s holds the host's own address %s"), start, end,
                          host);
    }
    return TRUE;
}

/* One entry against the subnet and the entries before it (indices < upto). */
static gboolean check_host(const NvNetDraft *d, const Subnet4 *sn, const char *mac, const char *ip,
                           const char *name, guint upto, const char **field, GError **err)
{
    g_autofree char *m = NULL;
    if (!nv_parse_mac(mac, &m, err)) {
        if (field)
            *field = "host-mac";
        return FALSE;
    }
    guint32 addr = 0;
    if (!guest_address(sn, ip, _("the address"), &addr, err)) {
        if (field)
            *field = "host-ip";
        return FALSE;
    }
    g_autofree char *nm = trimmed(name);
    if (*nm && !nv_net_check_dns_name(nm, NULL, err)) {
        if (field)
            *field = "host-name";
        return FALSE;
    }
    for (guint i = 0; i < upto && i < d->hosts->len; i++) {
        NvNetHost *h = d->hosts->pdata[i];
        guint32 other = 0;
        ipv4_from_text(h->ip, &other);
        if (g_ascii_strcasecmp(h->mac, m) == 0)
            return invalid_at(field, "host-mac", err, _("%s has an entry already (%s)"), m, h->ip);
        if (other == addr)
            return invalid_at(field, "host-ip", err, _("%s is given to %s already"), h->ip, h->mac);
        if (*nm && g_ascii_strcasecmp(h->name, nm) == 0)
            return invalid_at(field, "host-name", err, _("the name %s is taken by %s"), nm, h->mac);
    }
    return TRUE;
}

static gboolean check_addresses(const NvNetDraft *d, const char **field, GError **err)
{
    Subnet4 sn = {0};
    gboolean have4 = *d->ipv4 != '\0';
    if (have4) {
        g_autofree char *text = g_strdup_printf("%s/%u", d->ipv4, d->ipv4_prefix);
        if (!nv_net_parse_ipv4_subnet(text, NULL, NULL, err) || !draft_subnet(d, &sn)) {
            if (field)
                *field = "ipv4";
            return FALSE;
        }
    } else if (nv_net_mode_needs_ipv4(d->mode)) {
        return invalid_at(field, "ipv4", err, _("a %s network needs an IPv4 subnet"),
                          nv_net_mode_name(d->mode));
    }
    if (d->dhcp && !have4)
        return invalid_at(field, "dhcp", err,
                          _("DHCP needs an IPv4 subnet: give one or turn DHCP off"));
    if (d->dhcp && !check_range(d, &sn, field, err))
        return FALSE;
    if (d->hosts->len && !d->dhcp)
        return invalid_at(field, "hosts", err, _("static hosts need DHCP: turn it on"));
    for (guint i = 0; i < d->hosts->len; i++) {
        NvNetHost *h = d->hosts->pdata[i];
        if (!check_host(d, &sn, h->mac, h->ip, h->name, i, NULL, err)) {
            g_prefix_error(err, _("static host %s: "), h->mac);
            if (field)
                *field = "hosts";
            return FALSE;
        }
    }
    if (*d->ipv6) {
        g_autofree char *text = g_strdup_printf("%s/%u", d->ipv6, d->ipv6_prefix);
        if (!nv_net_parse_ipv6_subnet(text, NULL, NULL, err)) {
            if (field)
                *field = "ipv6";
            return FALSE;
        }
    }
    if (*d->domain) {
        if (!nv_net_check_dns_name(d->domain, NULL, err)) {
            if (field)
                *field = "domain";
            return FALSE;
        }
        if (!have4 && !*d->ipv6)
            return invalid_at(field, "domain", err,
                              _("a DNS domain needs an IPv4 or IPv6 subnet (libvirt's DNS "
                                "server listens there)"));
    }
    return TRUE;
}

gboolean nv_net_draft_check(const NvNetDraft *d, const char **field, GError **err)
{
    if (!nv_net_check_name(d->name, NULL, err)) {
        if (field)
            *field = "name";
        return FALSE;
    }
    if (d->mode >= NV_NET_MODE_COUNT)
        return invalid_at(field, "mode", err, _("unknown network mode"));
    if (d->mode == NV_NET_BRIDGE) {
        /* A bridged network is only a name for the host's bridge: no addresses of its own,
         * whatever the draft kept from another mode. */
        if (!nv_net_check_bridge(d->bridge, NULL, err)) {
            g_prefix_error(err, _("the host bridge: "));
            if (field)
                *field = "bridge";
            return FALSE;
        }
        return TRUE;
    }
    if (*d->bridge && !nv_net_check_bridge(d->bridge, NULL, err)) {
        if (field)
            *field = "bridge";
        return FALSE;
    }
    gboolean forwards = d->mode == NV_NET_NAT || d->mode == NV_NET_ROUTE;
    if (forwards && *d->forward_dev && !nv_net_check_bridge(d->forward_dev, NULL, err)) {
        if (field)
            *field = "forward-dev";
        return FALSE;
    }
    return check_addresses(d, field, err);
}

gboolean nv_net_draft_add_host(NvNetDraft *d, const char *mac, const char *ip, const char *name,
                               const char **field, GError **err)
{
    Subnet4 sn;
    if (!draft_subnet(d, &sn))
        return invalid_at(field, "host-ip", err, _("static hosts need an IPv4 subnet"));
    if (!check_host(d, &sn, mac, ip, name, d->hosts->len, field, err))
        return FALSE;
    NvNetHost *h = g_new0(NvNetHost, 1);
    nv_parse_mac(mac, &h->mac, NULL);
    nv_net_parse_ipv4(ip, &h->ip, NULL);
    h->name = trimmed(name);
    g_ptr_array_add(d->hosts, h);
    return TRUE;
}

void nv_net_draft_remove_host(NvNetDraft *d, guint index)
{
    if (index < d->hosts->len)
        g_ptr_array_remove_index(d->hosts, index);
}

/* ---- XML ---- */

static xmlNodePtr add_child(xmlNodePtr parent, const char *name)
{
    return xmlNewChild(parent, NULL, BAD_CAST name, NULL);
}

static void add_prop(xmlNodePtr node, const char *name, const char *value)
{
    xmlNewProp(node, BAD_CAST name, BAD_CAST value);
}

static void add_prefix(xmlNodePtr node, guint prefix)
{
    g_autofree char *p = g_strdup_printf("%u", prefix);
    add_prop(node, "prefix", p);
}

static void build_ipv4(const NvNetDraft *d, xmlNodePtr root)
{
    xmlNodePtr ip = add_child(root, "ip");
    add_prop(ip, "address", d->ipv4);
    add_prefix(ip, d->ipv4_prefix);
    if (!d->dhcp)
        return;
    xmlNodePtr dhcp = add_child(ip, "dhcp");
    xmlNodePtr range = add_child(dhcp, "range");
    g_autofree char *start = NULL, *end = NULL;
    effective_range(d, &start, &end);
    g_autofree char *s = NULL, *e = NULL;
    nv_net_parse_ipv4(start, &s, NULL);
    nv_net_parse_ipv4(end, &e, NULL);
    add_prop(range, "start", s);
    add_prop(range, "end", e);
    for (guint i = 0; i < d->hosts->len; i++) {
        NvNetHost *h = d->hosts->pdata[i];
        xmlNodePtr host = add_child(dhcp, "host");
        add_prop(host, "mac", h->mac);
        if (*h->name)
            add_prop(host, "name", h->name);
        add_prop(host, "ip", h->ip);
    }
}

static void build_forward(const NvNetDraft *d, xmlNodePtr root)
{
    if (d->mode == NV_NET_ISOLATED)
        return;
    xmlNodePtr fwd = add_child(root, "forward");
    add_prop(fwd, "mode", nv_net_mode_name(d->mode));
    if ((d->mode == NV_NET_NAT || d->mode == NV_NET_ROUTE) && *d->forward_dev) {
        g_autofree char *dev = trimmed(d->forward_dev);
        add_prop(fwd, "dev", dev);
    }
}

static xmlNodePtr build_tree(const NvNetDraft *d)
{
    xmlNodePtr root = xmlNewNode(NULL, BAD_CAST "network");
    g_autofree char *name = trimmed(d->name);
    xmlNewTextChild(root, NULL, BAD_CAST "name", BAD_CAST name);
    build_forward(d, root);
    g_autofree char *bridge = trimmed(d->bridge);
    if (*bridge)
        add_prop(add_child(root, "bridge"), "name", bridge);
    if (d->mode == NV_NET_BRIDGE)
        return root;
    if (*d->domain) {
        g_autofree char *domain = trimmed(d->domain);
        add_prop(add_child(root, "domain"), "name", domain);
    }
    if (*d->ipv4)
        build_ipv4(d, root);
    if (*d->ipv6) {
        xmlNodePtr ip = add_child(root, "ip");
        add_prop(ip, "family", "ipv6");
        add_prop(ip, "address", d->ipv6);
        add_prefix(ip, d->ipv6_prefix);
    }
    return root;
}

char *nv_net_draft_xml(const NvNetDraft *d, GError **err)
{
    if (!nv_net_draft_check(d, NULL, err))
        return NULL;
    xmlDocPtr doc = xmlNewDoc(BAD_CAST "1.0");
    xmlNodePtr root = build_tree(d);
    xmlDocSetRootElement(doc, root);
    xmlBufferPtr buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, root, 0, 1);
    char *xml = g_strdup_printf("%s\n", (const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    xmlFreeDoc(doc);
    return xml;
}

static const char *mode_description(NvNetMode mode)
{
    switch (mode) {
    case NV_NET_NAT:
        return _("NAT: guests reach out through the host's address");
    case NV_NET_ROUTE:
        return _("routed: guests' addresses are seen outside (routes needed there)");
    case NV_NET_OPEN:
        return _("open: routed, and libvirt adds no firewall rules");
    case NV_NET_ISOLATED:
        return _("isolated: guests reach each other and the host only");
    case NV_NET_BRIDGE:
        return _("bridged to a host bridge: guests sit on the host's LAN");
    default:
        return "";
    }
}

static void describe_addresses(const NvNetDraft *d, GString *s)
{
    if (*d->ipv4) {
        g_autofree char *net = nv_net_ipv4_network(d->ipv4, d->ipv4_prefix);
        g_string_append_printf(s, _("IPv4:        %s, the host is %s\n"), net, d->ipv4);
        if (d->dhcp) {
            g_autofree char *start = NULL, *end = NULL;
            effective_range(d, &start, &end);
            g_string_append_printf(s, _("DHCP:        %s – %s\n"), start, end);
        } else {
            g_string_append(s, _("DHCP:        off\n"));
        }
    } else {
        g_string_append(s, _("IPv4:        none\n"));
    }
    for (guint i = 0; d->dhcp && i < d->hosts->len; i++) {
        NvNetHost *h = d->hosts->pdata[i];
        g_string_append_printf(s, _("Static host: %s → %s%s%s\n"), h->mac, h->ip,
                               *h->name ? " " : "", h->name);
    }
    if (*d->ipv6)
        g_string_append_printf(s, _("IPv6:        %s/%u\n"), d->ipv6, d->ipv6_prefix);
    if (*d->domain)
        g_string_append_printf(s, _("DNS domain:  %s\n"), d->domain);
}

char *nv_net_draft_describe(const NvNetDraft *d)
{
    GString *s = g_string_new("");
    g_string_append_printf(s, _("Network:     %s\n"), d->name);
    g_string_append_printf(s, _("Mode:        %s\n"), mode_description(d->mode));
    if (d->mode == NV_NET_BRIDGE) {
        g_string_append_printf(s, _("Host bridge: %s\n"), d->bridge);
    } else {
        if (d->mode == NV_NET_NAT || d->mode == NV_NET_ROUTE)
            g_string_append_printf(s, _("Leaves by:   %s\n"),
                                   *d->forward_dev ? d->forward_dev : _("any host interface"));
        g_string_append_printf(s, _("Bridge:      %s\n"),
                               *d->bridge ? d->bridge : _("chosen by libvirt (virbrN)"));
        describe_addresses(d, s);
    }
    g_string_append_printf(s, _("Autostart:   %s\n"), d->autostart ? _("yes") : _("no"));
    return g_string_free(s, FALSE);
}

/* ---- reading network and domain XML ---- */

static xmlDocPtr read_doc(const char *xml, const char *what, GError **err)
{
    g_autofree char *failure = g_strdup_printf(_("cannot read %s XML"), what);
    return nv_xml_parse(xml, NV_XML_PARSE_NO_BLANKS, failure, err);
}

void nv_net_info_free(NvNetInfo *info)
{
    if (!info)
        return;
    g_free(info->domain);
    g_ptr_array_unref(info->hosts);
    g_free(info);
}

NvNetInfo *nv_net_info_from_xml(const char *xml, GError **err)
{
    g_autoptr(xmlDoc) doc = read_doc(xml, _("network"), err);
    if (!doc)
        return NULL;
    NvNetInfo *info = g_new0(NvNetInfo, 1);
    info->hosts = g_ptr_array_new_with_free_func((GDestroyNotify)nv_net_host_free);
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    g_autoptr(xmlXPathObject) name = nv_xml_xpath_nodes(ctx, "/network/domain/@name");
    info->domain = name ? nv_xml_node_text(name->nodesetval->nodeTab[0]) : g_strdup("");
    g_autoptr(xmlXPathObject) o = nv_xml_xpath_nodes(ctx, "/network/ip/dhcp/host");
    for (int i = 0; o && i < o->nodesetval->nodeNr; i++) {
        xmlNodePtr n = o->nodesetval->nodeTab[i];
        NvNetHost *h = g_new0(NvNetHost, 1);
        h->mac = nv_xml_node_attr(n, "mac");
        h->ip = nv_xml_node_attr(n, "ip");
        h->name = nv_xml_node_attr(n, "name");
        g_ptr_array_add(info->hosts, h);
    }
    return info;
}

gboolean nv_net_domain_uses(const char *domain_xml, const char *network)
{
    g_autoptr(xmlDoc) doc = read_doc(domain_xml, _("domain"), NULL);
    if (!doc)
        return FALSE;
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    /* The network's name is compared as a string, never put into the XPath. */
    g_autoptr(xmlXPathObject) o =
        nv_xml_xpath_nodes(ctx, "/domain/devices/interface[@type='network']/source/@network");
    gboolean uses = FALSE;
    for (int i = 0; o && i < o->nodesetval->nodeNr && !uses; i++) {
        g_autofree char *name = nv_xml_node_text(o->nodesetval->nodeTab[i]);
        uses = strcmp(name, network) == 0;
    }
    return uses;
}

/* ---- actions on the worker ---- */

/* The requests (conn-async.h): a create's, an operation's; users, leases and info take the
 * network's name alone. */
typedef struct {
    char *name; /* the name the XML gives, "" when none */
    char *xml;
    gboolean autostart;
} CreateReq;

typedef struct {
    char *name;
    NvNetOp op;
} OpReq;

static void create_req_free(CreateReq *c)
{
    g_free(c->name);
    g_free(c->xml);
    g_free(c);
}

static void op_req_free(OpReq *c)
{
    g_free(c->name);
    g_free(c);
}

gboolean nv_network_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_ok(res, nv_network_finish, err);
}

/* A change: the lists show it afterwards, failed or not. */
static void change_submit(NvConn *conn, gpointer req, GDestroyNotify req_free, NvConnAsyncWork work,
                          NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    NvAsyncSpec spec = {
        .tag = nv_network_finish, .req = req, .req_free = req_free, .refresh = NV_CHANGE_NETWORKS};
    nv_conn_async(conn, &spec, work, done, data, data_free);
}

static virNetworkPtr lookup(virConnectPtr vconn, const char *name, GError **err)
{
    virNetworkPtr net = virNetworkLookupByName(vconn, name);
    if (!net)
        nv_set_virt_error(err, _("cannot find network '%s'"), name);
    return net;
}

/* Undoes a create: stops the network when it runs, then undefines it. */
static gboolean remove_network(virNetworkPtr net, const char *name, GError **err)
{
    if (virNetworkIsActive(net) == 1 && virNetworkDestroy(net) < 0) {
        nv_set_virt_error(err, _("cannot stop network '%s'"), name);
        return FALSE;
    }
    if (virNetworkIsPersistent(net) == 1 && virNetworkUndefine(net) < 0) {
        nv_set_virt_error(err, _("cannot undefine network '%s'"), name);
        return FALSE;
    }
    return TRUE;
}

static gpointer create_work(virConnectPtr vconn, gpointer data, GError **err)
{
    CreateReq *c = data;
    if (!*c->name) {
        nv_error_invalid(err, _("cannot create a network: its XML gives no name"));
        return NULL;
    }
    /* Defining over an existing network would replace its definition: refuse instead, so a
     * failure here can never take away what was there before. */
    g_autoptr(virNetwork) existing = virNetworkLookupByName(vconn, c->name);
    if (existing) {
        nv_error_invalid(err, _("cannot create network '%s': a network with that name exists"),
                         c->name);
        return NULL;
    }
    virResetLastError();
    g_autoptr(virNetwork) net = virNetworkDefineXML(vconn, c->xml);
    if (!net) {
        nv_set_virt_error(err, _("cannot define network '%s'"), c->name);
        return NULL;
    }
    gboolean ok = TRUE;
    if (virNetworkCreate(net) < 0) {
        nv_set_virt_error(err, _("cannot start network '%s'"), c->name);
        ok = FALSE;
    } else if (c->autostart && virNetworkSetAutostart(net, 1) < 0) {
        nv_set_virt_error(err, _("cannot turn on autostart of network '%s'"), c->name);
        ok = FALSE;
    }
    if (!ok) {
        g_autoptr(GError) undo = NULL;
        if (!remove_network(net, c->name, &undo)) {
            GError *first = *err;
            *err =
                g_error_new(first->domain, first->code, _("%s; it could not be removed again: %s"),
                            first->message, undo->message);
            g_error_free(first);
        }
    }
    return ok ? NV_ASYNC_OK : NULL;
}

/* The name the XML gives, "" when none: what the worker checks is what libvirt defines. */
static char *xml_network_name(const char *xml)
{
    g_autoptr(xmlDoc) doc = read_doc(xml, "network", NULL);
    if (!doc)
        return g_strdup("");
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    g_autoptr(xmlXPathObject) o = nv_xml_xpath_nodes(ctx, "/network/name");
    return o ? nv_xml_node_text(o->nodesetval->nodeTab[0]) : g_strdup("");
}

void nv_network_create_async(NvConn *conn, const char *xml, gboolean autostart, NvAsyncFunc done,
                             gpointer data, GDestroyNotify data_free)
{
    CreateReq *c = g_new0(CreateReq, 1);
    c->name = xml_network_name(xml);
    c->xml = g_strdup(xml);
    c->autostart = autostart;
    change_submit(conn, c, (GDestroyNotify)create_req_free, create_work, done, data, data_free);
}

static gpointer op_work(virConnectPtr vconn, gpointer data, GError **err)
{
    OpReq *c = data;
    g_autoptr(virNetwork) net = lookup(vconn, c->name, err);
    if (!net)
        return NULL;
    gboolean ok = TRUE;
    switch (c->op) {
    case NV_NET_OP_START:
        if (virNetworkCreate(net) < 0) {
            nv_set_virt_error(err, _("cannot start network '%s'"), c->name);
            ok = FALSE;
        }
        break;
    case NV_NET_OP_STOP:
        if (virNetworkDestroy(net) < 0) {
            nv_set_virt_error(err, _("cannot stop network '%s'"), c->name);
            ok = FALSE;
        }
        break;
    case NV_NET_OP_AUTOSTART_ON:
    case NV_NET_OP_AUTOSTART_OFF:
        if (virNetworkSetAutostart(net, c->op == NV_NET_OP_AUTOSTART_ON) < 0) {
            nv_set_virt_error(err, _("cannot change autostart of network '%s'"), c->name);
            ok = FALSE;
        }
        break;
    case NV_NET_OP_DELETE:
        ok = remove_network(net, c->name, err);
        if (!ok)
            g_prefix_error(err, _("cannot delete network '%s': "), c->name);
        break;
    }
    return ok ? NV_ASYNC_OK : NULL;
}

void nv_network_op_async(NvConn *conn, NvNetOp op, const char *name, NvAsyncFunc done,
                         gpointer data, GDestroyNotify data_free)
{
    OpReq *c = g_new0(OpReq, 1);
    c->name = g_strdup(name);
    c->op = op;
    change_submit(conn, c, (GDestroyNotify)op_req_free, op_work, done, data, data_free);
}

char *nv_net_op_message(NvNetOp op, const char *name)
{
    switch (op) {
    case NV_NET_OP_START:
        return g_strdup_printf(_("started network '%s'"), name);
    case NV_NET_OP_STOP:
        return g_strdup_printf(_("stopped network '%s'"), name);
    case NV_NET_OP_AUTOSTART_ON:
        return g_strdup_printf(_("network '%s' now starts when the host boots"), name);
    case NV_NET_OP_AUTOSTART_OFF:
        return g_strdup_printf(_("network '%s' no longer starts when the host boots"), name);
    case NV_NET_OP_DELETE:
        return g_strdup_printf(_("deleted network '%s'"), name);
    }
    return g_strdup("");
}

/* ---- users ---- */

static gboolean uses_network(const char *domain_xml, gconstpointer name)
{
    return nv_net_domain_uses(domain_xml, name);
}

static gpointer users_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *name = data;
    /* The live XML of a running domain: what is connected now. */
    GPtrArray *list = nv_virt_domains_using(vconn, uses_network, name);
    if (!list)
        nv_set_virt_error(err, _("cannot list the domains that use network '%s'"), name);
    return list;
}

void nv_network_users_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_network_users_async, name, users_work,
                       (GDestroyNotify)g_ptr_array_unref, done, data, data_free);
}

GPtrArray *nv_network_users_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_network_users_async, err);
}

/* ---- leases ---- */

void nv_net_lease_free(NvNetLease *l)
{
    if (!l)
        return;
    g_free(l->mac);
    g_free(l->ip);
    g_free(l->family);
    g_free(l->hostname);
    g_free(l);
}

/* IPv4 before IPv6, then by address as numbers (10.0.0.9 before 10.0.0.10). */
static gint compare_leases(gconstpointer a, gconstpointer b)
{
    const NvNetLease *x = *(NvNetLease *const *)a;
    const NvNetLease *y = *(NvNetLease *const *)b;
    int f = strcmp(x->family, y->family);
    if (f)
        return f;
    guint8 bx[16] = {0}, by[16] = {0};
    int af = strcmp(x->family, "ipv6") == 0 ? AF_INET6 : AF_INET;
    inet_pton(af, x->ip, bx);
    inet_pton(af, y->ip, by);
    return memcmp(bx, by, sizeof bx);
}

static gpointer leases_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *name = data;
    g_autoptr(virNetwork) net = lookup(vconn, name, err);
    if (!net)
        return NULL;
    virNetworkDHCPLeasePtr *leases = NULL;
    int n = virNetworkGetDHCPLeases(net, NULL, &leases, 0);
    /* Before the free: every libvirt call resets the thread's last error. */
    if (n < 0)
        nv_set_virt_error(err, _("cannot read the DHCP leases of network '%s'"), name);
    if (n < 0)
        return NULL;
    GPtrArray *list = g_ptr_array_new_with_free_func((GDestroyNotify)nv_net_lease_free);
    for (int i = 0; i < n; i++) {
        virNetworkDHCPLeasePtr l = leases[i];
        NvNetLease *lease = g_new0(NvNetLease, 1);
        lease->mac = g_strdup(l->mac ? l->mac : "");
        lease->ip = g_strdup(l->ipaddr ? l->ipaddr : "");
        lease->prefix = l->prefix;
        lease->family = g_strdup(l->type == VIR_IP_ADDR_TYPE_IPV6 ? "ipv6" : "ipv4");
        lease->hostname = g_strdup(l->hostname ? l->hostname : "");
        lease->expiry = l->expirytime;
        g_ptr_array_add(list, lease);
        virNetworkDHCPLeaseFree(l);
    }
    free(leases);
    g_ptr_array_sort(list, compare_leases);
    return list;
}

void nv_network_leases_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                             GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_network_leases_async, name, leases_work,
                       (GDestroyNotify)g_ptr_array_unref, done, data, data_free);
}

GPtrArray *nv_network_leases_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_network_leases_async, err);
}

/* ---- info ---- */

static gpointer info_work(virConnectPtr vconn, gpointer data, GError **err)
{
    const char *name = data;
    g_autoptr(virNetwork) net = lookup(vconn, name, err);
    if (!net)
        return NULL;
    char *xml = virNetworkGetXMLDesc(net, 0);
    if (!xml)
        nv_set_virt_error(err, _("cannot read the definition of network '%s'"), name);
    if (!xml)
        return NULL;
    NvNetInfo *info = nv_net_info_from_xml(xml, err);
    free(xml);
    return info;
}

void nv_network_info_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                           GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_network_info_async, name, info_work,
                       (GDestroyNotify)nv_net_info_free, done, data, data_free);
}

NvNetInfo *nv_network_info_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_network_info_async, err);
}
