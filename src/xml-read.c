/* Reading libvirt's XML documents (domain, pool, volume, network, capabilities) into the model.
 * Every document is untrusted: its size is bounded, DTDs are refused, numbers are checked. */
#include "xml-read.h"
#include "xml-tree.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "error.h"
#include "field.h"
#include "xml-devices.h"
#include "i18n.h"

/* Which document we are reading: its root element and how a failure to read it is worded. */
typedef struct {
    const char *root;
    const char *failure; /* N_(), translated when the error is built */
} NvDocKind;

static const NvDocKind domain_kind = {"domain", N_("cannot read domain XML")};
static const NvDocKind pool_kind = {"pool", N_("cannot read storage pool XML")};
static const NvDocKind volume_kind = {"volume", N_("cannot read storage volume XML")};
static const NvDocKind network_kind = {"network", N_("cannot read network XML")};
static const NvDocKind caps_kind = {"capabilities", N_("cannot read host capabilities XML")};
static const NvDocKind domcaps_kind = {"domainCapabilities",
                                       N_("cannot read domain capabilities XML")};

/* A parsed document with an XPath context whose default node is the root element. */
typedef struct {
    const NvDocKind *kind;
    xmlDoc *doc;
    xmlXPathContext *xpath;
    xmlNode *root;
} NvXmlReader;

static void reader_free(NvXmlReader *r)
{
    if (r == NULL)
        return;
    if (r->xpath != NULL)
        xmlXPathFreeContext(r->xpath);
    if (r->doc != NULL)
        xmlFreeDoc(r->doc);
    g_free(r);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvXmlReader, reader_free)

G_GNUC_PRINTF(3, 4)
static void set_error(GError **err, const NvDocKind *kind, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *detail = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error(err, NV_ERROR, NV_ERROR_PARSE, "%s: %s", _(kind->failure), detail);
}

static NvXmlReader *reader_open(const char *xml, const NvDocKind *kind, GError **err)
{
    g_autoptr(NvXmlReader) r = g_new0(NvXmlReader, 1);
    r->kind = kind;
    r->doc = nv_xml_parse_root(xml, kind->root, NV_XML_PARSE_DEFAULT, _(kind->failure), err);
    if (r->doc == NULL)
        return NULL;
    r->root = xmlDocGetRootElement(r->doc);
    r->xpath = xmlXPathNewContext(r->doc);
    if (r->xpath == NULL) {
        set_error(err, kind, _("out of memory"));
        return NULL;
    }
    return g_steal_pointer(&r);
}

/* The string value of `expr` evaluated at `node` (the root when NULL); "" when absent.
 * For a node set, XPath's string() takes the first node in document order. */
static char *xstr(NvXmlReader *r, xmlNode *node, const char *expr)
{
    return nv_xml_xpath_string(r->xpath, node != NULL ? node : r->root, expr);
}

/* The nodes matching `expr` at `node`; never NULL on success, may be empty. */
static xmlXPathObject *xnodes(NvXmlReader *r, xmlNode *node, const char *expr)
{
    r->xpath->node = node != NULL ? node : r->root;
    return xmlXPathEval((const xmlChar *)expr, r->xpath);
}

static int node_count(const xmlXPathObject *obj)
{
    if (obj == NULL || obj->type != XPATH_NODESET || obj->nodesetval == NULL)
        return 0;
    return obj->nodesetval->nodeNr;
}

/* Replaces *field with value (taking it), or keeps the old value when value is "". */
static void set_if_given(char **field, char *value)
{
    if (value[0] != '\0' || *field == NULL) {
        g_free(*field);
        *field = value;
    } else {
        g_free(value);
    }
}

static void set_str(char **field, char *value)
{
    g_free(*field);
    *field = value;
}

static char *first_nonempty(NvXmlReader *r, xmlNode *node, const char *const *exprs)
{
    for (; *exprs != NULL; exprs++) {
        char *value = xstr(r, node, *exprs);
        if (value[0] != '\0')
            return value;
        g_free(value);
    }
    return g_strdup("");
}

/* Strict unsigned decimal: surrounding blanks allowed, no sign, no trailing junk, no overflow.
 * g_ascii_strtoull alone would accept "-1" as 2^64-1. */
static gboolean parse_ull(const char *text, guint64 *out)
{
    g_autofree char *s = g_strstrip(g_strdup(text));
    if (!g_ascii_isdigit(s[0]))
        return FALSE;
    char *end = NULL;
    errno = 0;
    guint64 v = g_ascii_strtoull(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0')
        return FALSE;
    *out = v;
    return TRUE;
}

/* The element `expr` as a number of bytes, honouring its unit attribute (default_scale bytes per
 * unit when it has none). Leaves *bytes alone and returns TRUE when the element is absent or
 * empty; *present says whether it was there. */
static gboolean read_scaled(NvXmlReader *r, const char *expr, guint64 default_scale, guint64 *bytes,
                            gboolean *present, GError **err)
{
    g_autofree char *text = xstr(r, NULL, expr);
    *present = FALSE;
    if (text[strspn(text, " \t\r\n")] == '\0')
        return TRUE;
    g_autofree char *unit_expr = g_strdup_printf("%s/@unit", expr);
    g_autofree char *unit = xstr(r, NULL, unit_expr);
    guint64 value, scale;
    if (!parse_ull(text, &value)) {
        g_autofree char *q = nv_xml_quote(text);
        set_error(err, r->kind, _("invalid number '%s' in <%s>"), q, expr);
        return FALSE;
    }
    if (*unit == '\0')
        scale = default_scale;
    else if (!nv_unit_scale(unit, &scale)) {
        g_autofree char *q = nv_xml_quote(unit);
        set_error(err, r->kind, _("unknown unit '%s' in <%s>"), q, expr);
        return FALSE;
    }
    if (value > G_MAXUINT64 / scale) {
        set_error(err, r->kind, _("the size in <%s> is too large"), expr);
        return FALSE;
    }
    *bytes = value * scale;
    *present = TRUE;
    return TRUE;
}

/* An unsigned int read from `expr`; *out is left alone and TRUE returned when it is absent.
 * `where` names it in an error message, e.g. "<vcpu current>". */
static gboolean read_uint(NvXmlReader *r, xmlNode *node, const char *expr, const char *where,
                          unsigned *out, GError **err)
{
    g_autofree char *text = xstr(r, node, expr);
    if (text[strspn(text, " \t\r\n")] == '\0')
        return TRUE;
    guint64 v;
    if (!parse_ull(text, &v) || v > G_MAXUINT) {
        g_autofree char *q = nv_xml_quote(text);
        set_error(err, r->kind, _("invalid number '%s' in %s"), q, where);
        return FALSE;
    }
    *out = (unsigned)v;
    return TRUE;
}

/* ---- domain ---- */

static NvDisk *disk_from_node(NvXmlReader *r, xmlNode *node)
{
    NvDisk *disk = g_new0(NvDisk, 1);
    disk->device = xstr(r, node, "@device");
    if (disk->device[0] == '\0')
        set_str(&disk->device, g_strdup("disk")); /* libvirt's default */
    disk->target = xstr(r, node, "target/@dev");
    disk->bus = xstr(r, node, "target/@bus");
    NvDiskSource src;
    nv_disk_source_read(node, &src);
    disk->kind = src.kind;
    disk->source = g_steal_pointer(&src.display);
    nv_disk_source_clear(&src);
    disk->format = xstr(r, node, "driver/@type");
    return disk;
}

static NvNic *nic_from_node(NvXmlReader *r, xmlNode *node)
{
    NvNic *nic = g_new0(NvNic, 1);
    nic->mac = xstr(r, node, "mac/@address");
    nic->type = xstr(r, node, "@type");
    nic->source = nv_nic_source_describe(node);
    nic->model = xstr(r, node, "model/@type");
    nic->target = xstr(r, node, "target/@dev");
    return nic;
}

static gboolean domain_memory(NvXmlReader *r, NvDomainDetails *d, GError **err)
{
    guint64 bytes = 0;
    gboolean present = FALSE;
    if (!read_scaled(r, "currentMemory", 1024, &bytes, &present, err))
        return FALSE;
    if (!present && !read_scaled(r, "memory", 1024, &bytes, &present, err))
        return FALSE;
    /* Rounded up like libvirt, so a few bytes never show as 0 KiB. */
    d->memory_kib = bytes / 1024 + (bytes % 1024 != 0);
    return TRUE;
}

static gboolean domain_vcpus(NvXmlReader *r, NvDomainDetails *d, GError **err)
{
    g_autofree char *current = xstr(r, NULL, "vcpu/@current");
    if (current[0] != '\0')
        return read_uint(r, NULL, "vcpu/@current", "<vcpu current>", &d->vcpus, err);
    return read_uint(r, NULL, "vcpu", "<vcpu>", &d->vcpus, err);
}

/* A TCP port or libvirt's -1 for "not assigned yet"; anything unreadable counts as -1 too, since
 * a console or display that cannot be reached is no reason to refuse the whole document. */
static int read_port(NvXmlReader *r, xmlNode *node, const char *expr)
{
    g_autofree char *text = g_strstrip(xstr(r, node, expr));
    gint64 v;
    if (!g_ascii_string_to_signed(text, 10, -1, 65535, &v, NULL))
        return -1;
    return (int)v;
}

static NvChardev *chardev_from_node(NvXmlReader *r, xmlNode *node, const char *kind,
                                    const char *derived_alias)
{
    NvChardev *c = g_new0(NvChardev, 1);
    c->kind = g_strdup(kind);
    c->type = xstr(r, node, "@type");
    c->port = read_port(r, node, "target/@port");
    c->alias = xstr(r, node, "alias/@name");
    if (c->alias[0] == '\0')
        set_str(&c->alias, g_strdup(derived_alias));
    return c;
}

/* libvirt writes <alias> only while the domain runs; it names the devices the way
 * qemuAssignDeviceAliases does, so the same name can be derived from the inactive XML: the
 * n-th serial is "serial<n>", the n-th console "console<n>", except that a first console with
 * a serial target is the first serial itself and shares its alias. */
static void domain_chardevs(NvXmlReader *r, NvDomainDetails *d)
{
    g_autoptr(xmlXPathObject) serials = xnodes(r, NULL, "devices/serial");
    int nserials = node_count(serials);
    for (int i = 0; i < nserials; i++) {
        g_autofree char *alias = g_strdup_printf("serial%d", i);
        g_ptr_array_add(d->chardevs,
                        chardev_from_node(r, serials->nodesetval->nodeTab[i], "serial", alias));
    }
    g_autoptr(xmlXPathObject) consoles = xnodes(r, NULL, "devices/console");
    for (int i = 0; i < node_count(consoles); i++) {
        xmlNode *node = consoles->nodesetval->nodeTab[i];
        g_autofree char *target = xstr(r, node, "target/@type");
        g_autofree char *alias = NULL;
        if (i == 0 && nserials > 0 && (target[0] == '\0' || strcmp(target, "serial") == 0))
            alias = g_strdup(((NvChardev *)d->chardevs->pdata[0])->alias);
        else
            alias = g_strdup_printf("console%d", i);
        g_ptr_array_add(d->chardevs, chardev_from_node(r, node, "console", alias));
    }
}

static NvGraphics *graphics_from_node(NvXmlReader *r, xmlNode *node)
{
    /* Older XML has the address as an attribute; newer adds <listen>; a local socket instead of
     * an address appears in either place. */
    static const char *const listens[] = {"@listen", "listen/@address", "listen/@socket", "@socket",
                                          NULL};
    NvGraphics *g = g_new0(NvGraphics, 1);
    g->type = xstr(r, node, "@type");
    g->port = read_port(r, node, "@port");
    g_autofree char *autoport = xstr(r, node, "@autoport");
    g->autoport = strcmp(autoport, "yes") == 0;
    g->listen = first_nonempty(r, node, listens);
    g->listen_text = nv_graphics_listen_describe(node);
    /* The password itself only appears with VIR_DOMAIN_XML_SECURE; an empty one still counts. */
    g_autofree char *has_passwd = xstr(r, node, "boolean(@passwd)");
    g->has_password = strcmp(has_passwd, "true") == 0;
    return g;
}

static void domain_devices(NvXmlReader *r, NvDomainDetails *d)
{
    g_autoptr(xmlXPathObject) disks = xnodes(r, NULL, "devices/disk");
    for (int i = 0; i < node_count(disks); i++)
        g_ptr_array_add(d->disks, disk_from_node(r, disks->nodesetval->nodeTab[i]));
    g_autoptr(xmlXPathObject) nics = xnodes(r, NULL, "devices/interface");
    for (int i = 0; i < node_count(nics); i++)
        g_ptr_array_add(d->nics, nic_from_node(r, nics->nodesetval->nodeTab[i]));
    domain_chardevs(r, d);
    g_autoptr(xmlXPathObject) graphics = xnodes(r, NULL, "devices/graphics");
    for (int i = 0; i < node_count(graphics); i++)
        g_ptr_array_add(d->graphics, graphics_from_node(r, graphics->nodesetval->nodeTab[i]));
}

NvDomainDetails *nv_xml_domain_details(const char *xml, GError **err)
{
    g_autoptr(NvXmlReader) r = reader_open(xml, &domain_kind, err);
    if (r == NULL)
        return NULL;
    g_autoptr(NvDomainDetails) d = nv_domain_details_new();
    set_str(&d->name, xstr(r, NULL, "name"));
    set_str(&d->uuid, xstr(r, NULL, "uuid"));
    set_str(&d->title, xstr(r, NULL, "title"));
    set_str(&d->description, xstr(r, NULL, "description"));
    set_str(&d->domain_type, xstr(r, NULL, "@type"));
    set_str(&d->os_type, xstr(r, NULL, "os/type"));
    set_str(&d->arch, xstr(r, NULL, "os/type/@arch"));
    set_str(&d->machine, xstr(r, NULL, "os/type/@machine"));
    if (!domain_vcpus(r, d, err) || !domain_memory(r, d, err))
        return NULL;
    domain_devices(r, d);
    /* Not in the XML: the caller asks the API. */
    d->state = NV_DOMAIN_NOSTATE;
    d->reason = 0;
    d->autostart = -1;
    d->persistent = -1;
    return g_steal_pointer(&d);
}

/* ---- storage ---- */

/* The XML can lack what the API already told the caller: only what the document holds
 * replaces a field, and name/uuid only fill in blanks. */
gboolean nv_xml_pool(const char *xml, NvPool *pool, GError **err)
{
    g_autoptr(NvXmlReader) r = reader_open(xml, &pool_kind, err);
    if (r == NULL)
        return FALSE;
    set_if_given(&pool->type, xstr(r, NULL, "@type"));
    set_if_given(&pool->target_path, xstr(r, NULL, "target/path"));
    if (pool->name == NULL || pool->name[0] == '\0')
        set_str(&pool->name, xstr(r, NULL, "name"));
    if (pool->uuid == NULL || pool->uuid[0] == '\0')
        set_str(&pool->uuid, xstr(r, NULL, "uuid"));
    return TRUE;
}

gboolean nv_xml_volume(const char *xml, NvVolume *vol, GError **err)
{
    g_autoptr(NvXmlReader) r = reader_open(xml, &volume_kind, err);
    if (r == NULL)
        return FALSE;
    set_if_given(&vol->type, xstr(r, NULL, "@type"));
    set_if_given(&vol->path, xstr(r, NULL, "target/path"));
    set_if_given(&vol->format, xstr(r, NULL, "target/format/@type"));
    gboolean present;
    guint64 capacity = vol->capacity, allocation = vol->allocation;
    if (!read_scaled(r, "capacity", 1, &capacity, &present, err) ||
        !read_scaled(r, "allocation", 1, &allocation, &present, err))
        return FALSE;
    vol->capacity = capacity;
    vol->allocation = allocation;
    return TRUE;
}

/* ---- network ---- */

/* "255.255.255.0" -> 24; FALSE for anything that is not a dotted quad of contiguous ones. */
static gboolean netmask_prefix(const char *mask, unsigned *prefix)
{
    g_auto(GStrv) parts = g_strsplit(mask, ".", -1);
    if (g_strv_length(parts) != 4)
        return FALSE;
    guint32 bits = 0;
    for (int i = 0; i < 4; i++) {
        guint64 octet;
        if (!parse_ull(parts[i], &octet) || octet > 255)
            return FALSE;
        bits = (bits << 8) | (guint32)octet;
    }
    guint32 host = ~bits;
    if ((host & (host + 1)) != 0)
        return FALSE;
    unsigned n = 0;
    for (; bits != 0; bits <<= 1)
        n++;
    *prefix = n;
    return TRUE;
}

/* What libvirt assumes for an address with neither prefix nor netmask (virSocketAddrGetIPPrefix):
 * the classful prefix of an IPv4 address (A /8, B /16, C /24), /64 for IPv6; 0 when it has none
 * (class D/E, or no valid address). */
static unsigned default_prefix(const char *family, const char *address)
{
    if (strcmp(family, "ipv6") == 0) {
        struct in6_addr a6;
        return inet_pton(AF_INET6, address, &a6) == 1 ? 64 : 0;
    }
    struct in_addr a4;
    if (inet_pton(AF_INET, address, &a4) != 1)
        return 0;
    unsigned first = ntohl(a4.s_addr) >> 24;
    return first < 128 ? 8 : first < 192 ? 16 : first < 224 ? 24 : 0;
}

static gboolean net_ip_prefix(NvXmlReader *r, xmlNode *node, NvNetIp *ip, GError **err)
{
    unsigned max = strcmp(ip->family, "ipv6") == 0 ? 128 : 32;
    g_autofree char *prefix = xstr(r, node, "@prefix");
    if (prefix[0] != '\0') {
        if (!read_uint(r, node, "@prefix", "<ip prefix>", &ip->prefix, err))
            return FALSE;
        if (ip->prefix > max) {
            g_autofree char *q = nv_xml_quote(prefix);
            set_error(err, r->kind, _("invalid prefix '%s' for %s"), q, ip->address);
            ip->prefix = 0;
            return FALSE;
        }
        return TRUE;
    }
    g_autofree char *netmask = xstr(r, node, "@netmask");
    if (netmask[0] == '\0') {
        ip->prefix = default_prefix(ip->family, ip->address);
        return TRUE;
    }
    if (!netmask_prefix(netmask, &ip->prefix)) {
        g_autofree char *q = nv_xml_quote(netmask);
        set_error(err, r->kind, _("invalid netmask '%s'"), q);
        return FALSE;
    }
    return TRUE;
}

static NvNetIp *net_ip_from_node(NvXmlReader *r, xmlNode *node, GError **err)
{
    NvNetIp *ip = g_new0(NvNetIp, 1);
    ip->family = xstr(r, node, "@family");
    if (ip->family[0] == '\0')
        set_str(&ip->family, g_strdup("ipv4")); /* libvirt's default */
    ip->address = xstr(r, node, "@address");
    /* Only the first range: it is what a one-line summary shows. */
    ip->dhcp_start = xstr(r, node, "(dhcp/range)[1]/@start");
    ip->dhcp_end = xstr(r, node, "(dhcp/range)[1]/@end");
    if (!net_ip_prefix(r, node, ip, err)) {
        nv_net_ip_free(ip);
        return NULL;
    }
    return ip;
}

static void network_forward(NvXmlReader *r, NvNetwork *net)
{
    g_autoptr(xmlXPathObject) forward = xnodes(r, NULL, "forward");
    if (node_count(forward) == 0) {
        set_str(&net->forward_mode, g_strdup("isolated"));
    } else {
        set_str(&net->forward_mode, xstr(r, NULL, "forward/@mode"));
        if (net->forward_mode[0] == '\0')
            set_str(&net->forward_mode, g_strdup("nat")); /* libvirt's default */
    }
    /* Bridge and passthrough modes list their devices as <interface> children instead. */
    static const char *const devs[] = {"forward/@dev", "forward/interface/@dev", NULL};
    set_str(&net->forward_dev, first_nonempty(r, NULL, devs));
}

gboolean nv_xml_network(const char *xml, NvNetwork *net, GError **err)
{
    g_autoptr(NvXmlReader) r = reader_open(xml, &network_kind, err);
    if (r == NULL)
        return FALSE;
    if (net->name == NULL || net->name[0] == '\0')
        set_str(&net->name, xstr(r, NULL, "name"));
    if (net->uuid == NULL || net->uuid[0] == '\0')
        set_str(&net->uuid, xstr(r, NULL, "uuid"));
    network_forward(r, net);
    set_str(&net->bridge, xstr(r, NULL, "bridge/@name"));
    if (net->ips == NULL)
        net->ips = g_ptr_array_new_with_free_func((GDestroyNotify)nv_net_ip_free);
    g_ptr_array_set_size(net->ips, 0);
    g_autoptr(xmlXPathObject) ips = xnodes(r, NULL, "ip");
    for (int i = 0; i < node_count(ips); i++) {
        NvNetIp *ip = net_ip_from_node(r, ips->nodesetval->nodeTab[i], err);
        if (ip == NULL)
            return FALSE;
        g_ptr_array_add(net->ips, ip);
    }
    return TRUE;
}

/* ---- host ---- */

gboolean nv_xml_host_caps(const char *xml, NvHost *host, GError **err)
{
    g_autoptr(NvXmlReader) r = reader_open(xml, &caps_kind, err);
    if (r == NULL)
        return FALSE;
    set_if_given(&host->arch, xstr(r, NULL, "host/cpu/arch"));
    set_if_given(&host->cpu_model, xstr(r, NULL, "host/cpu/model"));
    return TRUE;
}

char *nv_xml_domcaps_virt_type(const char *xml, GError **err)
{
    g_autoptr(NvXmlReader) r = reader_open(xml, &domcaps_kind, err);
    if (r == NULL)
        return NULL;
    return xstr(r, NULL, "domain");
}
