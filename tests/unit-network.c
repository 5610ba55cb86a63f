/* Unit tests of src/network.c without libvirt: drafts to XML against golden files
 * (tests/xml/net-new-<name>.xml), the address parsers, the checks the wizard's fields use, the
 * draft's cross-field rules, and reading network and domain XML.
 * NCVIRT_REGEN_GOLDEN=1 rewrites the golden files: review each one by eye. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "network.h"

/* ---- drafts ---- */

static NvNetDraft *draft(const char *name, NvNetMode mode, const char *subnet)
{
    NvNetDraft *d = nv_net_draft_new();
    g_free(d->name);
    d->name = g_strdup(name);
    d->mode = mode;
    if (subnet) {
        g_free(d->ipv4);
        ck_assert(nv_net_parse_ipv4_subnet(subnet, &d->ipv4, &d->ipv4_prefix, NULL));
    } else {
        d->dhcp = FALSE;
    }
    return d;
}

static void set(char **field, const char *value)
{
    g_free(*field);
    *field = g_strdup(value);
}

static void add_host(NvNetDraft *d, const char *mac, const char *ip, const char *name)
{
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_net_draft_add_host(d, mac, ip, name, NULL, &err), "%s",
                  err ? err->message : "");
}

static NvNetDraft *golden_nat(void)
{
    NvNetDraft *d = draft("lab", NV_NET_NAT, "192.168.100.1/24");
    d->autostart = TRUE;
    return d;
}

static NvNetDraft *golden_nat_dev(void)
{
    NvNetDraft *d = draft("lab-eth0", NV_NET_NAT, "192.168.101.1/24");
    set(&d->forward_dev, "eth0");
    set(&d->bridge, "virbr42");
    set(&d->dhcp_start, "192.168.101.100");
    set(&d->dhcp_end, "192.168.101.199");
    return d;
}

static NvNetDraft *golden_route(void)
{
    NvNetDraft *d = draft("routed", NV_NET_ROUTE, "10.10.0.1/16");
    d->dhcp = FALSE;
    return d;
}

static NvNetDraft *golden_open(void)
{
    return draft("open", NV_NET_OPEN, "192.168.150.1/24");
}

static NvNetDraft *golden_isolated(void)
{
    NvNetDraft *d = draft("switch", NV_NET_ISOLATED, NULL);
    set(&d->bridge, "nvbr0");
    return d;
}

static NvNetDraft *golden_isolated_dhcp(void)
{
    /* The host's address need not be the first: the range takes the longer side. */
    return draft("private", NV_NET_ISOLATED, "172.16.5.254/24");
}

static NvNetDraft *golden_bridge(void)
{
    /* What a bridged draft kept from another mode is left out. */
    NvNetDraft *d = draft("lan", NV_NET_BRIDGE, "192.168.100.1/24");
    set(&d->bridge, "br0");
    set(&d->forward_dev, "eth0");
    set(&d->domain, "lan.example");
    return d;
}

static NvNetDraft *golden_dual(void)
{
    NvNetDraft *d = draft("dual", NV_NET_NAT, "192.168.120.1/24");
    g_free(d->ipv6);
    ck_assert(nv_net_parse_ipv6_subnet("FD00:0:0:1::1/64", &d->ipv6, &d->ipv6_prefix, NULL));
    set(&d->domain, "dual.example");
    return d;
}

static NvNetDraft *golden_v6_isolated(void)
{
    NvNetDraft *d = draft("v6only", NV_NET_ISOLATED, NULL);
    g_free(d->ipv6);
    ck_assert(nv_net_parse_ipv6_subnet("fd00:99::1/64", &d->ipv6, &d->ipv6_prefix, NULL));
    set(&d->domain, "v6.example");
    return d;
}

static NvNetDraft *golden_hosts(void)
{
    NvNetDraft *d = draft("hosts", NV_NET_NAT, "192.168.130.1/24");
    set(&d->dhcp_start, "192.168.130.100");
    set(&d->dhcp_end, "192.168.130.200");
    add_host(d, "52:54:00:AA:00:01", "192.168.130.10", "web");
    add_host(d, "52-54-00-aa-00-02", " 192.168.130.11 ", "");
    add_host(d, "52:54:00:aa:00:03", "192.168.130.150", "db.lab");
    set(&d->domain, "lab");
    return d;
}

typedef struct {
    const char *name;
    NvNetDraft *(*make)(void);
} Golden;

static const Golden goldens[] = {
    {"nat", golden_nat},
    {"nat-dev", golden_nat_dev},
    {"route", golden_route},
    {"open", golden_open},
    {"isolated", golden_isolated},
    {"isolated-dhcp", golden_isolated_dhcp},
    {"bridge", golden_bridge},
    {"dual", golden_dual},
    {"v6-isolated", golden_v6_isolated},
    {"hosts", golden_hosts},
};

static char *golden_path(const char *name)
{
    const char *dir = g_getenv("NCVIRT_TESTDIR");
    ck_assert_msg(dir != NULL, "NCVIRT_TESTDIR is not set (run through meson test)");
    g_autofree char *file = g_strdup_printf("net-new-%s.xml", name);
    return g_build_filename(dir, "xml", file, NULL);
}

START_TEST(test_golden)
{
    const Golden *g = &goldens[_i];
    g_autoptr(NvNetDraft) d = g->make();
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_net_draft_xml(d, &err);
    ck_assert_msg(xml != NULL, "%s: %s", g->name, err ? err->message : "");
    g_autofree char *path = golden_path(g->name);
    if (g_strcmp0(g_getenv("NCVIRT_REGEN_GOLDEN"), "1") == 0) {
        ck_assert(g_file_set_contents(path, xml, -1, NULL));
        return;
    }
    g_autofree char *expected = NULL;
    ck_assert_msg(g_file_get_contents(path, &expected, NULL, NULL), "cannot read %s", path);
    ck_assert_str_eq(xml, expected);
}
END_TEST

/* ---- addresses ---- */

START_TEST(test_ipv4_subnet)
{
    g_autofree char *addr = NULL;
    guint prefix = 0;
    ck_assert(nv_net_parse_ipv4_subnet(" 192.168.100.1/24 ", &addr, &prefix, NULL));
    ck_assert_str_eq(addr, "192.168.100.1");
    ck_assert_uint_eq(prefix, 24);

    const char *bad[] = {"192.168.100.1",    "192.168.100/24",     "192.168.100.1/",
                         "192.168.100.1/7",  "192.168.100.1/31",   "192.168.100.1/24x",
                         "192.168.100.0/24", "192.168.100.255/24", "10.0.0.0/8",
                         "300.1.1.1/24",     "a.b.c.d/24",         "",
                         "010.1.1.1/24",     "192.168.100.1/-24"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        ck_assert_msg(!nv_net_parse_ipv4_subnet(bad[i], NULL, NULL, &err), "accepted '%s'", bad[i]);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    }
    /* The message says what to type instead. */
    g_autoptr(GError) err = NULL;
    nv_net_parse_ipv4_subnet("192.168.100.0/24", NULL, NULL, &err);
    ck_assert_ptr_nonnull(strstr(err->message, "192.168.100.1/24"));
    g_autofree char *net = nv_net_ipv4_network("10.1.2.3", 16);
    ck_assert_str_eq(net, "10.1.0.0/16");
}
END_TEST

START_TEST(test_ipv6_subnet)
{
    g_autofree char *addr = NULL;
    guint prefix = 0;
    ck_assert(nv_net_parse_ipv6_subnet("FD00:0:0:1:0:0:0:1/64", &addr, &prefix, NULL));
    ck_assert_str_eq(addr, "fd00:0:0:1::1");
    ck_assert_uint_eq(prefix, 64);
    const char *bad[] = {"fd00::1",    "fd00::/64",      "fd00::1/127", "fd00::1/7",
                         "ff02::1/64", "192.168.1.1/24", "fd00:::1/64"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        ck_assert_msg(!nv_net_parse_ipv6_subnet(bad[i], NULL, NULL, NULL), "accepted '%s'", bad[i]);
}
END_TEST

static void assert_range(const char *host, guint prefix, const char *start, const char *end)
{
    g_autofree char *s = NULL, *e = NULL;
    nv_net_default_range(host, prefix, &s, &e);
    ck_assert_str_eq(s, start);
    ck_assert_str_eq(e, end);
}

START_TEST(test_default_range)
{
    assert_range("192.168.100.1", 24, "192.168.100.2", "192.168.100.254");
    assert_range("192.168.100.254", 24, "192.168.100.1", "192.168.100.253");
    assert_range("192.168.100.100", 24, "192.168.100.101", "192.168.100.254");
    assert_range("192.168.100.200", 24, "192.168.100.1", "192.168.100.199");
    assert_range("10.0.0.1", 30, "10.0.0.2", "10.0.0.2");
    assert_range("10.1.0.1", 16, "10.1.0.2", "10.1.255.254");
}
END_TEST

static NvModel *model_with(const char *name, const char *address, guint prefix, const char *bridge)
{
    NvModel *m = nv_model_new();
    NvNetwork *n = nv_network_new();
    g_free(n->name);
    n->name = g_strdup(name);
    g_free(n->bridge);
    n->bridge = g_strdup(bridge);
    NvNetIp *ip = g_new0(NvNetIp, 1);
    ip->family = g_strdup("ipv4");
    ip->address = g_strdup(address);
    ip->prefix = prefix;
    ip->dhcp_start = g_strdup("");
    ip->dhcp_end = g_strdup("");
    g_ptr_array_add(n->ips, ip);
    g_ptr_array_add(m->networks, n);
    return m;
}

START_TEST(test_suggestions)
{
    g_autofree char *free_net = nv_net_suggest_subnet(NULL);
    ck_assert_str_eq(free_net, "192.168.100.1/24");
    g_autoptr(NvModel) m = model_with("network1", "192.168.100.1", 23, "virbr1");
    g_autofree char *next = nv_net_suggest_subnet(m);
    ck_assert_str_eq(next, "192.168.102.1/24");
    g_autofree char *name = nv_net_suggest_name(m);
    ck_assert_str_eq(name, "network2");
    g_autoptr(NvModel) all = model_with("wide", "192.168.0.1", 16, "");
    g_autofree char *fallback = nv_net_suggest_subnet(all);
    ck_assert_str_eq(fallback, "10.200.0.1/24");
}
END_TEST

/* ---- field checks ---- */

START_TEST(test_name_check)
{
    g_autoptr(NvModel) m = model_with("default", "192.168.122.1", 24, "virbr0");
    ck_assert(nv_net_check_name(" lab-1_a.b+c ", m, NULL));
    const char *bad[] = {"", "  ", "a/b", "a b", "-x", ".x", "dé", "default"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        ck_assert_msg(!nv_net_check_name(bad[i], m, NULL), "accepted '%s'", bad[i]);
    g_autofree char *long_name = g_strnfill(51, 'n');
    ck_assert(!nv_net_check_name(long_name, NULL, NULL));
    g_autoptr(GError) err = NULL;
    nv_net_check_name("default", m, &err);
    ck_assert_str_eq(err->message, "a network called 'default' exists");
}
END_TEST

START_TEST(test_other_checks)
{
    ck_assert(nv_net_check_bridge("virbr10", NULL, NULL));
    ck_assert(nv_net_check_bridge("br-lan.10", NULL, NULL));
    const char *bad_bridges[] = {"", "a/b", "a b", ".", "..", "virbr%d", "sixteen-chars-xx"};
    for (guint i = 0; i < G_N_ELEMENTS(bad_bridges); i++)
        ck_assert_msg(!nv_net_check_bridge(bad_bridges[i], NULL, NULL), "accepted '%s'",
                      bad_bridges[i]);
    ck_assert(nv_net_check_dns_name("lab.example", NULL, NULL));
    ck_assert(nv_net_check_dns_name("a-1", NULL, NULL));
    const char *bad_names[] = {"", "a..b", "-a", "a-", "a_b", "a b", ".a"};
    for (guint i = 0; i < G_N_ELEMENTS(bad_names); i++)
        ck_assert_msg(!nv_net_check_dns_name(bad_names[i], NULL, NULL), "accepted '%s'",
                      bad_names[i]);
    ck_assert(nv_net_check_mac("52:54:00:12:34:56", NULL, NULL));
    ck_assert(!nv_net_check_mac("01:54:00:12:34:56", NULL, NULL)); /* multicast */
    ck_assert(!nv_net_check_mac("52:54:00:12:34", NULL, NULL));
    ck_assert(nv_net_check_ipv4(" 10.0.0.1", NULL, NULL));
    ck_assert(!nv_net_check_ipv4("10.0.0", NULL, NULL));
    ck_assert(nv_net_check_ipv4_subnet("10.0.0.1/8", NULL, NULL));
    ck_assert(nv_net_check_ipv6_subnet("fd00::1/64", NULL, NULL));
    NvNetMode mode;
    for (int i = 0; i < NV_NET_MODE_COUNT; i++) {
        ck_assert(nv_net_mode_from_name(nv_net_mode_name(i), &mode));
        ck_assert_int_eq(mode, i);
    }
    ck_assert(!nv_net_mode_from_name("passthrough", &mode));
}
END_TEST

/* ---- the draft's rules ---- */

/* The draft fails its check on `field`, with `fragment` in the message. */
static void assert_refused(NvNetDraft *d, const char *field, const char *fragment)
{
    const char *at = NULL;
    g_autoptr(GError) err = NULL;
    ck_assert_msg(!nv_net_draft_check(d, &at, &err), "accepted, expected %s", field);
    ck_assert_str_eq(at, field);
    ck_assert_msg(strstr(err->message, fragment), "'%s' lacks '%s'", err->message, fragment);
    g_autoptr(GError) err2 = NULL;
    g_autofree char *xml = nv_net_draft_xml(d, &err2);
    ck_assert_ptr_null(xml);
    ck_assert_ptr_nonnull(err2);
}

START_TEST(test_range_rules)
{
    g_autoptr(NvNetDraft) d = draft("r", NV_NET_NAT, "192.168.100.1/24");
    ck_assert(nv_net_draft_check(d, NULL, NULL));
    set(&d->dhcp_start, "192.168.101.10");
    set(&d->dhcp_end, "192.168.100.20");
    assert_refused(d, "dhcp-start", "outside the subnet 192.168.100.0/24");
    set(&d->dhcp_start, "192.168.100.10");
    set(&d->dhcp_end, "10.0.0.1");
    assert_refused(d, "dhcp-end", "outside");
    set(&d->dhcp_end, "192.168.100.5");
    assert_refused(d, "dhcp-end", "ends (192.168.100.5) before it starts");
    set(&d->dhcp_start, "192.168.100.0");
    set(&d->dhcp_end, "192.168.100.20");
    assert_refused(d, "dhcp-start", "the subnet's own address");
    set(&d->dhcp_start, "192.168.100.10");
    set(&d->dhcp_end, "192.168.100.255");
    assert_refused(d, "dhcp-end", "broadcast");
    set(&d->ipv4, "192.168.100.15");
    set(&d->dhcp_end, "192.168.100.20");
    assert_refused(d, "dhcp-start", "holds the host's own address 192.168.100.15");
    set(&d->dhcp_start, "nonsense");
    assert_refused(d, "dhcp-start", "not an IPv4 address");
    /* DHCP off: the range is not looked at. */
    d->dhcp = FALSE;
    ck_assert(nv_net_draft_check(d, NULL, NULL));
    /* Both empty: the default of the subnet. */
    d->dhcp = TRUE;
    set(&d->dhcp_start, "");
    set(&d->dhcp_end, "");
    g_autofree char *xml = nv_net_draft_xml(d, NULL);
    ck_assert_ptr_nonnull(strstr(xml, "start=\"192.168.100.16\" end=\"192.168.100.254\""));
}
END_TEST

START_TEST(test_draft_rules)
{
    g_autoptr(NvNetDraft) nat = draft("n", NV_NET_NAT, NULL);
    assert_refused(nat, "ipv4", "a nat network needs an IPv4 subnet");
    g_autoptr(NvNetDraft) iso = draft("i", NV_NET_ISOLATED, NULL);
    ck_assert(nv_net_draft_check(iso, NULL, NULL));
    iso->dhcp = TRUE;
    assert_refused(iso, "dhcp", "DHCP needs an IPv4 subnet");
    iso->dhcp = FALSE;
    set(&iso->domain, "x.example");
    assert_refused(iso, "domain", "needs an IPv4 or IPv6 subnet");
    set(&iso->domain, "bad_domain");
    assert_refused(iso, "domain", "only letters");
    set(&iso->domain, "");
    set(&iso->ipv6, "fd00::");
    iso->ipv6_prefix = 64;
    assert_refused(iso, "ipv6", "subnet's own address");
    set(&iso->ipv6, "");
    set(&iso->bridge, "bad/bridge");
    assert_refused(iso, "bridge", "interface name");
    set(&iso->bridge, "");
    set(&iso->name, "bad name");
    assert_refused(iso, "name", "only letters");

    g_autoptr(NvNetDraft) br = draft("b", NV_NET_BRIDGE, NULL);
    assert_refused(br, "bridge", "the host bridge: an interface name is needed");
    g_autoptr(NvNetDraft) fwd = draft("f", NV_NET_ROUTE, "10.0.0.1/24");
    set(&fwd->forward_dev, "eth 0");
    assert_refused(fwd, "forward-dev", "interface name");
    /* Only NAT and route name a device: another mode ignores a leftover one. */
    fwd->mode = NV_NET_OPEN;
    ck_assert(nv_net_draft_check(fwd, NULL, NULL));
    g_autofree char *xml = nv_net_draft_xml(fwd, NULL);
    ck_assert_ptr_null(strstr(xml, "dev="));
}
END_TEST

START_TEST(test_host_rules)
{
    g_autoptr(NvNetDraft) d = draft("h", NV_NET_NAT, "192.168.100.1/24");
    add_host(d, "52:54:00:00:00:01", "192.168.100.10", "web");
    const struct {
        const char *mac, *ip, *name, *field, *fragment;
    } bad[] = {
        {"52:54:00:00:00", "192.168.100.11", "", "host-mac", "six hex pairs"},
        {"03:54:00:00:00:02", "192.168.100.11", "", "host-mac", "multicast"},
        {"52:54:00:00:00:02", "192.168.101.11", "", "host-ip", "outside the subnet"},
        {"52:54:00:00:00:02", "192.168.100.1", "", "host-ip", "host's own address"},
        {"52:54:00:00:00:02", "192.168.100.255", "", "host-ip", "broadcast"},
        {"52:54:00:00:00:02", "192.168.100.0", "", "host-ip", "own address"},
        {"52:54:00:00:00:02", "x", "", "host-ip", "not an IPv4 address"},
        {"52:54:00:00:00:02", "192.168.100.11", "-bad", "host-name", "start or end"},
        {"52-54-00-00-00-01", "192.168.100.11", "", "host-mac", "has an entry already"},
        {"52:54:00:00:00:02", "192.168.100.10", "", "host-ip", "is given to"},
        {"52:54:00:00:00:02", "192.168.100.11", "WEB", "host-name", "is taken by"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        const char *field = NULL;
        g_autoptr(GError) err = NULL;
        ck_assert_msg(!nv_net_draft_add_host(d, bad[i].mac, bad[i].ip, bad[i].name, &field, &err),
                      "accepted entry %u", i);
        ck_assert_str_eq(field, bad[i].field);
        ck_assert_msg(strstr(err->message, bad[i].fragment), "entry %u: '%s'", i, err->message);
    }
    ck_assert_uint_eq(d->hosts->len, 1);
    add_host(d, "52:54:00:00:00:02", "192.168.100.11", "");
    add_host(d, "52:54:00:00:00:03", "192.168.100.12", "");
    ck_assert_uint_eq(d->hosts->len, 3);
    nv_net_draft_remove_host(d, 1);
    nv_net_draft_remove_host(d, 7); /* out of range: nothing */
    ck_assert_uint_eq(d->hosts->len, 2);
    ck_assert_str_eq(((NvNetHost *)d->hosts->pdata[1])->mac, "52:54:00:00:00:03");

    /* The subnet changed under the entries: the draft as a whole says so. */
    set(&d->ipv4, "10.0.0.1");
    assert_refused(d, "hosts",
                   "static host 52:54:00:00:00:01: the address 192.168.100.10 is "
                   "outside the subnet 10.0.0.0/24");
    set(&d->ipv4, "192.168.100.1");
    d->dhcp = FALSE;
    assert_refused(d, "hosts", "static hosts need DHCP");
    g_autoptr(NvNetDraft) none = draft("x", NV_NET_ISOLATED, NULL);
    const char *field = NULL;
    ck_assert(!nv_net_draft_add_host(none, "52:54:00:00:00:09", "10.0.0.2", "", &field, NULL));
    ck_assert_str_eq(field, "host-ip");
}
END_TEST

START_TEST(test_describe)
{
    g_autoptr(NvNetDraft) d = golden_hosts();
    g_autofree char *text = nv_net_draft_describe(d);
    const char *wanted[] = {"hosts",
                            "NAT",
                            "192.168.130.0/24",
                            "192.168.130.100 – 192.168.130.200",
                            "52:54:00:aa:00:01 → 192.168.130.10 web",
                            "DNS domain:  lab",
                            "chosen by libvirt"};
    for (guint i = 0; i < G_N_ELEMENTS(wanted); i++)
        ck_assert_msg(strstr(text, wanted[i]), "no '%s' in:\n%s", wanted[i], text);
    g_autoptr(NvNetDraft) b = golden_bridge();
    g_autofree char *btext = nv_net_draft_describe(b);
    ck_assert_ptr_nonnull(strstr(btext, "Host bridge: br0"));
    ck_assert_ptr_null(strstr(btext, "DHCP"));
}
END_TEST

/* ---- reading XML ---- */

START_TEST(test_info_from_xml)
{
    const char *xml =
        "<network><name>n</name><domain name='lab.example' localOnly='yes'/>"
        "<ip address='192.168.1.1' prefix='24'><dhcp><range start='192.168.1.2' "
        "end='192.168.1.9'/><host mac='52:54:00:00:00:01' name='a' ip='192.168.1.20'/>"
        "<host mac='52:54:00:00:00:02' ip='192.168.1.21'/></dhcp></ip>"
        "<ip family='ipv6' address='fd00::1' prefix='64'><dhcp><host id='0:4:7e:7d:f0:7d' "
        "name='v6' ip='fd00::20'/></dhcp></ip></network>";
    g_autoptr(NvNetInfo) info = nv_net_info_from_xml(xml, NULL);
    ck_assert_ptr_nonnull(info);
    ck_assert_str_eq(info->domain, "lab.example");
    ck_assert_uint_eq(info->hosts->len, 3);
    NvNetHost *h = info->hosts->pdata[0];
    ck_assert_str_eq(h->mac, "52:54:00:00:00:01");
    ck_assert_str_eq(h->ip, "192.168.1.20");
    ck_assert_str_eq(h->name, "a");
    ck_assert_str_eq(((NvNetHost *)info->hosts->pdata[1])->name, "");
    ck_assert_str_eq(((NvNetHost *)info->hosts->pdata[2])->mac, "");
    ck_assert_str_eq(((NvNetHost *)info->hosts->pdata[2])->ip, "fd00::20");

    g_autoptr(NvNetInfo) bare = nv_net_info_from_xml("<network><name>x</name></network>", NULL);
    ck_assert_str_eq(bare->domain, "");
    ck_assert_uint_eq(bare->hosts->len, 0);
    const char *hostile[] = {"", "<network>", "not xml",
                             "<!DOCTYPE x [<!ENTITY e SYSTEM "
                             "'file:///etc/passwd'>]><network>&e;"};
    for (guint i = 0; i < G_N_ELEMENTS(hostile); i++) {
        g_autoptr(GError) err = NULL;
        NvNetInfo *bad = nv_net_info_from_xml(hostile[i], &err);
        if (bad) {
            /* Parsed (entities are not expanded): nothing from outside got in. */
            ck_assert_str_eq(bad->domain, "");
            nv_net_info_free(bad);
        } else {
            ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE));
        }
    }
    ck_assert_ptr_null(nv_net_info_from_xml(NULL, NULL));
}
END_TEST

START_TEST(test_domain_uses)
{
    const char *xml = "<domain type='kvm'><name>d</name><devices>"
                      "<interface type='bridge'><source bridge='lab'/></interface>"
                      "<interface type='network'><source network='lab-2'/></interface>"
                      "<interface type='network'><source network=\"o'brien\"/></interface>"
                      "</devices></domain>";
    ck_assert(!nv_net_domain_uses(xml, "lab")); /* a bridge of that name is not the network */
    ck_assert(nv_net_domain_uses(xml, "lab-2"));
    ck_assert(nv_net_domain_uses(xml, "o'brien")); /* never put into the XPath */
    ck_assert(!nv_net_domain_uses(xml, "lab-"));
    ck_assert(!nv_net_domain_uses("<domain/>", "lab"));
    ck_assert(!nv_net_domain_uses("garbage", "lab"));
    ck_assert(!nv_net_domain_uses(NULL, "lab"));
}
END_TEST

static Suite *network_suite(void)
{
    Suite *s = suite_create("network");
    TCase *tc = tcase_create("golden");
    tcase_add_loop_test(tc, test_golden, 0, G_N_ELEMENTS(goldens));
    suite_add_tcase(s, tc);
    tc = tcase_create("addresses");
    tcase_add_test(tc, test_ipv4_subnet);
    tcase_add_test(tc, test_ipv6_subnet);
    tcase_add_test(tc, test_default_range);
    tcase_add_test(tc, test_suggestions);
    suite_add_tcase(s, tc);
    tc = tcase_create("checks");
    tcase_add_test(tc, test_name_check);
    tcase_add_test(tc, test_other_checks);
    tcase_add_test(tc, test_range_rules);
    tcase_add_test(tc, test_draft_rules);
    tcase_add_test(tc, test_host_rules);
    tcase_add_test(tc, test_describe);
    suite_add_tcase(s, tc);
    tc = tcase_create("xml");
    tcase_add_test(tc, test_info_from_xml);
    tcase_add_test(tc, test_domain_uses);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(network_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
