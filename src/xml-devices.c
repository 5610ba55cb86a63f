/* One description per device kind: disk sources, interfaces and displays, from libvirt's domain
 * schema (formatdomain.html). Everything read here comes from a guest's definition and is
 * untrusted: the strings are returned as given and sanitised where they are drawn. */
#include "xml-devices.h"

#include <string.h>

#include "i18n.h"
#include "xml-tree.h"

void nv_disk_source_clear(NvDiskSource *s)
{
    g_clear_pointer(&s->path, g_free);
    g_clear_pointer(&s->pool, g_free);
    g_clear_pointer(&s->volume, g_free);
    g_clear_pointer(&s->protocol, g_free);
    g_clear_pointer(&s->name, g_free);
    g_clear_pointer(&s->hosts, g_free);
    g_clear_pointer(&s->nvme, g_free);
    g_clear_pointer(&s->display, g_free);
}

static const struct {
    const char *type;
    NvDiskKind kind;
} disk_types[] = {
    {"file", NV_DISK_KIND_FILE},
    {"block", NV_DISK_KIND_BLOCK},
    {"dir", NV_DISK_KIND_DIR},
    {"volume", NV_DISK_KIND_VOLUME},
    {"network", NV_DISK_KIND_NETWORK},
    {"nvme", NV_DISK_KIND_NVME},
    {"vhostuser", NV_DISK_KIND_VHOSTUSER},
};

/* "host:port" of a <host> (or "unix:/path" for a socket), "" when it names nothing. */
static char *host_text(const xmlNode *host)
{
    g_autofree char *socket = nv_xml_node_attr(host, "socket");
    if (*socket)
        return g_strdup_printf("unix:%s", socket);
    g_autofree char *name = nv_xml_node_attr(host, "name");
    g_autofree char *port = nv_xml_node_attr(host, "port");
    if (!*name)
        return g_strdup("");
    /* An IPv6 address with a port reads as [addr]:port. */
    if (*port && strchr(name, ':'))
        return g_strdup_printf("[%s]:%s", name, port);
    return *port ? g_strdup_printf("%s:%s", name, port) : g_strdup(name);
}

static char *hosts_text(const xmlNode *source)
{
    g_autoptr(GPtrArray) parts = g_ptr_array_new_with_free_func(g_free);
    for (const xmlNode *c = source ? source->children : NULL; c; c = c->next) {
        if (!nv_xml_is_element(c, "host"))
            continue;
        char *h = host_text(c);
        if (*h)
            g_ptr_array_add(parts, h);
        else
            g_free(h);
    }
    g_ptr_array_add(parts, NULL);
    return g_strjoinv(", ", (char **)parts->pdata);
}

/* A PCI <address domain= bus= slot= function=> as 0000:01:00.0; "" when it is not one. */
static char *pci_text(const xmlNode *address)
{
    static const char *const attrs[] = {"domain", "bus", "slot", "function"};
    static const guint64 max[] = {0xffff, 0xff, 0x1f, 0x7};
    guint64 v[4];
    for (guint i = 0; i < 4; i++) {
        g_autofree char *text = nv_xml_node_attr(address, attrs[i]);
        const char *digits = g_str_has_prefix(text, "0x") ? text + 2 : text;
        guint base = digits != text ? 16 : 10;
        if (!g_ascii_string_to_unsigned(digits, base, 0, max[i], &v[i], NULL))
            return g_strdup("");
    }
    return g_strdup_printf("%04x:%02x:%02x.%x", (unsigned)v[0], (unsigned)v[1], (unsigned)v[2],
                           (unsigned)v[3]);
}

static void read_network(const xmlNode *src, NvDiskSource *s)
{
    s->protocol = nv_xml_node_attr(src, "protocol");
    s->name = nv_xml_node_attr(src, "name");
    s->hosts = hosts_text(src);
    GString *d = g_string_new(*s->protocol ? s->protocol : "network");
    if (*s->name)
        g_string_append_printf(d, " %s", s->name);
    if (*s->hosts)
        g_string_append_printf(d, " @ %s", s->hosts);
    s->display = g_string_free(d, FALSE);
}

static void read_nvme(const xmlNode *src, NvDiskSource *s)
{
    g_autofree char *pci = pci_text(nv_xml_child_element(src, "address"));
    g_autofree char *ns = nv_xml_node_attr(src, "namespace");
    s->nvme = *ns ? g_strdup_printf(_("%s namespace %s"), *pci ? pci : "?", ns)
                  : g_strdup(*pci ? pci : "?");
    s->display = g_strdup_printf("nvme %s", s->nvme);
}

void nv_disk_source_read(const xmlNode *disk, NvDiskSource *out)
{
    memset(out, 0, sizeof *out);
    g_autofree char *type = nv_xml_node_attr(disk, "type");
    const xmlNode *src = nv_xml_child_element(disk, "source");
    out->kind = *type ? NV_DISK_KIND_OTHER : NV_DISK_KIND_FILE; /* libvirt's default type is file */
    for (guint i = 0; i < G_N_ELEMENTS(disk_types); i++)
        if (strcmp(type, disk_types[i].type) == 0)
            out->kind = disk_types[i].kind;
    out->path = g_strdup("");
    out->pool = nv_xml_node_attr(src, "pool");
    out->volume = nv_xml_node_attr(src, "volume");
    switch (out->kind) {
    case NV_DISK_KIND_FILE:
    case NV_DISK_KIND_BLOCK:
    case NV_DISK_KIND_DIR: {
        static const char *const attrs[] = {"file", "dev", "dir"};
        for (guint i = 0; i < G_N_ELEMENTS(attrs) && !*out->path; i++) {
            g_free(out->path);
            out->path = nv_xml_node_attr(src, attrs[i]);
        }
        out->display = g_strdup(out->path);
        break;
    }
    case NV_DISK_KIND_VOLUME:
        out->display = *out->pool && *out->volume ? g_strdup_printf("%s/%s", out->pool, out->volume)
                                                  : g_strconcat(out->pool, out->volume, NULL);
        break;
    case NV_DISK_KIND_NETWORK:
        read_network(src, out);
        break;
    case NV_DISK_KIND_NVME:
        read_nvme(src, out);
        break;
    case NV_DISK_KIND_VHOSTUSER:
        g_free(out->path);
        out->path = nv_xml_node_attr(src, "path");
        out->display = g_strdup_printf("vhost-user %s", *out->path ? out->path : "?");
        break;
    case NV_DISK_KIND_EMPTY:
    case NV_DISK_KIND_OTHER:
        out->display = src ? g_strdup_printf("%s ?", type) : g_strdup("");
        break;
    }
    if (!out->protocol)
        out->protocol = g_strdup("");
    if (!out->name)
        out->name = g_strdup("");
    if (!out->hosts)
        out->hosts = g_strdup("");
    if (!out->nvme)
        out->nvme = g_strdup("");
    /* No source (or one naming nothing) on a file, block, dir or volume drive: an empty tray. */
    if (!*out->display && out->kind != NV_DISK_KIND_OTHER)
        out->kind = NV_DISK_KIND_EMPTY;
}

char *nv_disk_source_describe(const xmlNode *disk)
{
    NvDiskSource s;
    nv_disk_source_read(disk, &s);
    char *display = g_steal_pointer(&s.display);
    nv_disk_source_clear(&s);
    return display;
}

/* ---- interfaces ---- */

static char *address_port(const xmlNode *n)
{
    g_autofree char *address = nv_xml_node_attr(n, "address");
    g_autofree char *port = nv_xml_node_attr(n, "port");
    if (*address && strchr(address, ':') && *port)
        return g_strdup_printf("[%s]:%s", address, port);
    if (*port)
        return g_strdup_printf("%s:%s", *address ? address : "*", port);
    return g_steal_pointer(&address);
}

static char *nic_socket(const xmlNode *src, const char *kind)
{
    g_autofree char *where = address_port(src);
    return g_strdup_printf("%s %s", kind, *where ? where : "?");
}

static char *nic_udp(const xmlNode *src)
{
    g_autofree char *remote = address_port(src);
    g_autofree char *local = address_port(nv_xml_child_element(src, "local"));
    return *local ? g_strdup_printf("udp %s → %s", local, remote)
                  : g_strdup_printf("udp → %s", remote);
}

static char *nic_with_mode(const char *what, const xmlNode *src)
{
    g_autofree char *mode = nv_xml_node_attr(src, "mode");
    return *mode ? g_strdup_printf("%s (%s)", what, mode) : g_strdup(what);
}

char *nv_nic_source_describe(const xmlNode *iface)
{
    g_autofree char *type = nv_xml_node_attr(iface, "type");
    const xmlNode *src = nv_xml_child_element(iface, "source");
    g_autofree char *target = nv_xml_node_attr(nv_xml_child_element(iface, "target"), "dev");
    if (strcmp(type, "network") == 0) {
        /* A running network NIC also names its bridge: the network is what the user chose. */
        g_autofree char *net = nv_xml_node_attr(src, "network");
        g_autofree char *group = nv_xml_node_attr(src, "portgroup");
        return *group ? g_strdup_printf("%s/%s", net, group) : g_steal_pointer(&net);
    }
    if (strcmp(type, "bridge") == 0)
        return nv_xml_node_attr(src, "bridge");
    if (strcmp(type, "direct") == 0) {
        g_autofree char *dev = nv_xml_node_attr(src, "dev");
        return nic_with_mode(dev, src);
    }
    if (strcmp(type, "vdpa") == 0)
        return nv_xml_node_attr(src, "dev");
    if (strcmp(type, "hostdev") == 0) {
        g_autofree char *pci = pci_text(nv_xml_child_element(src, "address"));
        return g_strdup_printf("pci %s", *pci ? pci : "?");
    }
    if (strcmp(type, "vhostuser") == 0) {
        g_autofree char *path = nv_xml_node_attr(src, "path");
        g_autofree char *what = g_strdup_printf("vhost-user %s", *path ? path : "?");
        return nic_with_mode(what, src);
    }
    if (strcmp(type, "user") == 0) {
        g_autofree char *backend = nv_xml_node_attr(nv_xml_child_element(iface, "backend"), "type");
        return *backend ? g_strdup_printf(_("user-mode (%s)"), backend) : g_strdup(_("user-mode"));
    }
    if (strcmp(type, "ethernet") == 0)
        return *target ? g_strdup_printf("ethernet %s", target) : g_strdup("ethernet");
    if (strcmp(type, "udp") == 0)
        return nic_udp(src);
    if (strcmp(type, "mcast") == 0)
        return nic_socket(src, "mcast");
    if (strcmp(type, "server") == 0)
        return nic_socket(src, _("listen"));
    if (strcmp(type, "client") == 0)
        return nic_socket(src, _("connect"));
    if (strcmp(type, "null") == 0)
        return g_strdup(_("not connected"));
    if (strcmp(type, "vds") == 0) {
        g_autofree char *sw = nv_xml_node_attr(nv_xml_child_element(src, "switch"), "uuid");
        return g_strdup_printf("vds %s", *sw ? sw : "?");
    }
    return g_strdup_printf("%s ?", *type ? type : "interface");
}

/* ---- displays ---- */

char *nv_graphics_listen_describe(const xmlNode *graphics)
{
    /* <listen> elements come first; the older attributes remain for XML that has none. */
    for (const xmlNode *c = graphics ? graphics->children : NULL; c; c = c->next) {
        if (!nv_xml_is_element(c, "listen"))
            continue;
        g_autofree char *type = nv_xml_node_attr(c, "type");
        g_autofree char *address = nv_xml_node_attr(c, "address");
        if (strcmp(type, "socket") == 0) {
            g_autofree char *socket = nv_xml_node_attr(c, "socket");
            return g_strdup_printf(_("socket %s"), *socket ? socket : _("(automatic)"));
        }
        if (strcmp(type, "network") == 0) {
            g_autofree char *net = nv_xml_node_attr(c, "network");
            return *address ? g_strdup_printf(_("network %s (%s)"), net, address)
                            : g_strdup_printf(_("network %s"), net);
        }
        if (strcmp(type, "none") == 0)
            return g_strdup(_("none"));
        if (*address)
            return g_steal_pointer(&address);
    }
    g_autofree char *socket = nv_xml_node_attr(graphics, "socket");
    if (*socket)
        return g_strdup_printf(_("socket %s"), socket);
    return nv_xml_node_attr(graphics, "listen");
}
