/* The details editor's core: changes to a domain's persistent definition and, where the
 * hypervisor allows, to the running domain. Device XML is built with libxml2 (values are
 * escaped by the serialiser, and checked before that); settings without an API of their own,
 * and drivers without the device APIs, go through "read the definition, change it, define it". */
#include "domain-edit.h"

#include <gio/gio.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>
#include <string.h>

#include "conn-virt.h"
#include "error.h"
#include "conn-fetch.h"
#include "virt-util.h"
#include "field.h"
#include "i18n.h"
#include "names.h"
#include "xml-read.h"
#include "xml-devices.h"
#include "xml-tree.h"

/* ---- small helpers ---- */

/* XML that may hold a VNC password is wiped before it is freed. */
static void secret_free(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        g_free(s);
    }
}

/* The same for strings libvirt allocated with malloc. */
static void secret_free_libvirt(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

static gboolean in_list(const char *s, const char *const *list)
{
    for (guint i = 0; s && list[i]; i++)
        if (strcmp(s, list[i]) == 0)
            return TRUE;
    return FALSE;
}

static const char *or_default(const char *s, const char *def)
{
    return s && *s ? s : def;
}

gboolean nv_edit_valid_listen(const char *listen, GError **err)
{
    if (!listen || !*listen)
        return TRUE;
    g_autoptr(GInetAddress) addr = g_inet_address_new_from_string(listen);
    if (!addr)
        return nv_error_invalid(err, _("enter an IP address such as 127.0.0.1, 0.0.0.0 or ::1"));
    return TRUE;
}

static gboolean valid_path(const char *path, GError **err)
{
    if (!path || path[0] != '/')
        return nv_error_invalid(err, _("the path must be absolute (start with /)"));
    if (!g_utf8_validate(path, -1, NULL) || strlen(path) > 4096)
        return nv_error_invalid(err, _("the path is not valid UTF-8 or too long"));
    for (const char *p = path; *p; p++)
        if ((guchar)*p < 32 || *p == 127)
            return nv_error_invalid(err, _("the path contains control characters"));
    return TRUE;
}

static gboolean valid_target(const char *target, GError **err)
{
    gsize n = target ? strlen(target) : 0;
    if (n < 3 || n > 16 || strspn(target, "abcdefghijklmnopqrstuvwxyz") != n)
        return nv_error_invalid(err, _("a target is a device name such as vdb or sda"));
    return TRUE;
}

/* ---- safe XML parsing (libvirt's output is still input: bounded, no DTDs, no network) ---- */

/* `root` is the element the document must have at its root, NULL for any. */
static xmlDoc *parse_xml(const char *xml, const char *root, GError **err)
{
    g_autofree char *failure = g_strdup_printf(_("cannot read <%s> XML"), root ? root : "device");
    return nv_xml_parse_root(xml, root, NV_XML_PARSE_NO_BLANKS, failure, err);
}

static xmlNode *ensure_child(xmlNode *parent, const char *name)
{
    xmlNode *c = nv_xml_child_element(parent, name);
    return c ? c : xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

static char *child_attr(xmlNode *n, const char *child_name, const char *name)
{
    return nv_xml_node_attr_or_null(nv_xml_child_element(n, child_name), name);
}

static void set_attr(xmlNode *n, const char *name, const char *value)
{
    xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value);
}

/* Replaces the text of an element; xmlNodeSetContent would read '&' as an entity. */
static void set_text(xmlNode *n, const char *text)
{
    xmlNodeSetContent(n, NULL);
    xmlNodeAddContent(n, (const xmlChar *)text);
}

static void remove_children(xmlNode *parent, const char *name)
{
    xmlNode *c = parent ? parent->children : NULL;
    while (c) {
        xmlNode *next = c->next;
        if (nv_xml_is_element(c, name)) {
            xmlUnlinkNode(c);
            xmlFreeNode(c);
        }
        c = next;
    }
}

/* One element, serialised without an XML declaration. */
static char *node_to_string(xmlDoc *doc, xmlNode *node)
{
    xmlBuffer *buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, node, 0, 0);
    char *out = g_strdup((const char *)xmlBufferContent(buf));
    /* The buffer may hold a password. */
    memset(buf->content, 0, buf->use);
    xmlBufferFree(buf);
    return out;
}

static char *doc_to_string(xmlDoc *doc)
{
    return node_to_string(doc, xmlDocGetRootElement(doc));
}

/* ---- reading the editable state ---- */

static const char *const boot_devs[] = {"hd", "cdrom", "network", "fd", NULL};

static guint64 scaled_kib(xmlNode *n)
{
    g_autofree char *text = nv_xml_node_text_stripped(n);
    g_autofree char *unit = nv_xml_node_attr_or_null(n, "unit");
    if (!text || !*text)
        return 0;
    g_autofree char *with_unit = g_strconcat(text, unit ? unit : "", NULL);
    guint64 bytes = 0;
    if (!nv_parse_size(with_unit, 1024, &bytes, NULL))
        return 0;
    return bytes / 1024 + (bytes % 1024 != 0);
}

static unsigned uint_of(const char *text)
{
    guint64 v = 0;
    if (!text || !g_ascii_string_to_unsigned(text, 10, 0, G_MAXUINT, &v, NULL))
        return 0;
    return (unsigned)v;
}

/* The key a device is known by in a boot order: a disk's target, a NIC's MAC. */
static char *boot_key(xmlNode *dev)
{
    if (nv_xml_is_element(dev, "disk"))
        return child_attr(dev, "target", "dev");
    if (nv_xml_is_element(dev, "interface"))
        return child_attr(dev, "mac", "address");
    return NULL;
}

typedef struct {
    unsigned order;
    char *key;
} BootEntry;

static gint compare_boot(gconstpointer a, gconstpointer b)
{
    const BootEntry *x = a, *y = b;
    return x->order < y->order ? -1 : x->order > y->order;
}

static void read_boot(xmlNode *root, NvEditState *s)
{
    xmlNode *os = nv_xml_child_element(root, "os");
    for (xmlNode *c = os ? os->children : NULL; c; c = c->next)
        if (nv_xml_is_element(c, "boot")) {
            g_autofree char *dev = nv_xml_node_attr_or_null(c, "dev");
            if (dev)
                g_ptr_array_add(s->boot_order, g_steal_pointer(&dev));
        }
    xmlNode *menu = nv_xml_child_element(os, "bootmenu");
    g_autofree char *enable = nv_xml_node_attr_or_null(menu, "enable");
    s->boot_menu = enable ? strcmp(enable, "yes") == 0 : -1;
    if (s->boot_order->len > 0)
        return;
    g_autoptr(GArray) entries = g_array_new(FALSE, FALSE, sizeof(BootEntry));
    for (xmlNode *d = nv_xml_child_element(root, "devices")
                          ? nv_xml_child_element(root, "devices")->children
                          : NULL;
         d; d = d->next) {
        g_autofree char *order = child_attr(d, "boot", "order");
        char *key = order ? boot_key(d) : NULL;
        if (key) {
            BootEntry e = {uint_of(order), key};
            g_array_append_val(entries, e);
        }
    }
    g_array_sort(entries, compare_boot);
    for (guint i = 0; i < entries->len; i++)
        g_ptr_array_add(s->boot_order, g_array_index(entries, BootEntry, i).key);
    s->boot_per_device = entries->len > 0;
}

static void read_vnc(xmlNode *root, NvEditState *s)
{
    for (xmlNode *g = nv_xml_child_element(root, "devices")
                          ? nv_xml_child_element(root, "devices")->children
                          : NULL;
         g; g = g->next) {
        if (!nv_xml_is_element(g, "graphics") || !nv_xml_attr_is(g, "type", "vnc"))
            continue;
        s->has_vnc = TRUE;
        s->vnc_listen_text = nv_graphics_listen_describe(g);
        char *listen = nv_xml_node_attr_or_null(g, "listen");
        if (!listen)
            listen = child_attr(g, "listen", "address");
        s->vnc_listen = listen ? listen : g_strdup("");
        g_autofree char *pw = nv_xml_node_attr_or_null(g, "passwd");
        s->vnc_has_password = pw != NULL;
        if (pw)
            memset(pw, 0, strlen(pw));
        return;
    }
    s->vnc_listen = g_strdup("");
    s->vnc_listen_text = g_strdup("");
}

NvEditState *nv_edit_state_from_xml(const char *inactive_xml, const char *live_xml, GError **err)
{
    g_autoptr(xmlDoc) doc = parse_xml(inactive_xml, "domain", err);
    if (!doc)
        return NULL;
    /* Disks and NICs as the model reads them, from the running domain when there is one. */
    g_autoptr(NvDomainDetails) det = nv_xml_domain_details(live_xml ? live_xml : inactive_xml, err);
    if (!det)
        return NULL;
    xmlNode *root = xmlDocGetRootElement(doc);
    g_autoptr(NvEditState) s = g_new0(NvEditState, 1);
    s->uuid = nv_xml_node_text_stripped(nv_xml_child_element(root, "uuid"));
    s->name = nv_xml_node_text_stripped(nv_xml_child_element(root, "name"));
    s->domain_type = nv_xml_node_attr_or_null(root, "type");
    if (!s->domain_type)
        s->domain_type = g_strdup("");
    s->autostart = -1;
    s->persistent = TRUE;
    s->active = live_xml != NULL;
    xmlNode *vcpu = nv_xml_child_element(root, "vcpu");
    g_autofree char *vtext = nv_xml_node_text_stripped(vcpu);
    g_autofree char *vcur = nv_xml_node_attr_or_null(vcpu, "current");
    s->max_vcpus = uint_of(vtext);
    s->vcpus = vcur ? uint_of(vcur) : s->max_vcpus;
    s->max_memory_kib = scaled_kib(nv_xml_child_element(root, "memory"));
    xmlNode *cur = nv_xml_child_element(root, "currentMemory");
    s->memory_kib = cur ? scaled_kib(cur) : s->max_memory_kib;
    s->boot_order = g_ptr_array_new_with_free_func(g_free);
    read_boot(root, s);
    read_vnc(root, s);
    s->disks = g_steal_pointer(&det->disks);
    s->nics = g_steal_pointer(&det->nics);
    det->disks = g_ptr_array_new();
    det->nics = g_ptr_array_new();
    return g_steal_pointer(&s);
}

void nv_edit_state_free(NvEditState *s)
{
    if (!s)
        return;
    g_free(s->uuid);
    g_free(s->name);
    g_free(s->domain_type);
    g_clear_pointer(&s->boot_order, g_ptr_array_unref);
    g_clear_pointer(&s->disks, g_ptr_array_unref);
    g_clear_pointer(&s->nics, g_ptr_array_unref);
    g_free(s->vnc_listen);
    g_free(s->vnc_listen_text);
    g_free(s);
}

/* ---- building device XML ---- */

static const char *const disk_buses[] = {"virtio", "sata", "scsi", "ide", "usb", NULL};
static const char *const disk_devices[] = {"disk", "cdrom", NULL};
static const char *const formats[] = {"raw", "qcow2", NULL};
static const char *const nic_types[] = {"network", "bridge", "direct", NULL};
static const char *const nic_models[] = {"virtio", "e1000", "rtl8139", NULL};
static const char *const direct_modes[] = {"bridge", "vepa", "private", "passthrough", NULL};

static char *one_node_xml(xmlNode *node)
{
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlDocSetRootElement(doc, node);
    return doc_to_string(doc);
}

static xmlNode *new_node(const char *name)
{
    return xmlNewNode(NULL, (const xmlChar *)name);
}

static xmlNode *add_child(xmlNode *parent, const char *name)
{
    return xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

char *nv_edit_disk_xml(const char *device, const char *bus, const char *target,
                       const char *source_type, const char *source, const char *format,
                       GError **err)
{
    device = or_default(device, "disk");
    if (!in_list(device, disk_devices))
        return nv_error_invalid(err, _("unknown disk device '%s' (disk or cdrom)"), device), NULL;
    if (!in_list(bus, disk_buses))
        return nv_error_invalid(err, _("unknown disk bus (virtio, sata, scsi, ide or usb)")), NULL;
    if (!valid_target(target, err))
        return NULL;
    format = or_default(format, "raw");
    if (!in_list(format, formats))
        return nv_error_invalid(err, _("unknown disk format (raw or qcow2)")), NULL;
    if (source_type && !(strcmp(source_type, "file") == 0 || strcmp(source_type, "block") == 0))
        return nv_error_invalid(err, _("a disk source is a file or a block device")), NULL;
    if (source_type && !valid_path(source, err))
        return NULL;
    if (!source_type && strcmp(device, "disk") == 0)
        return nv_error_invalid(err, _("a disk needs a source; only a CD/DVD drive can be empty")),
               NULL;

    xmlNode *disk = new_node("disk");
    set_attr(disk, "type", source_type ? source_type : "file");
    set_attr(disk, "device", device);
    set_attr(add_child(disk, "driver"), "type", format);
    if (source_type)
        set_attr(add_child(disk, "source"), strcmp(source_type, "block") == 0 ? "dev" : "file",
                 source);
    xmlNode *t = add_child(disk, "target");
    set_attr(t, "dev", target);
    set_attr(t, "bus", bus);
    if (strcmp(device, "cdrom") == 0)
        add_child(disk, "readonly");
    return one_node_xml(disk);
}

char *nv_edit_nic_xml(const NvNicSpec *spec, GError **err)
{
    if (!in_list(spec->type, nic_types))
        return nv_error_invalid(err,
                                _("a NIC connects to a network, a bridge or a host interface")),
               NULL;
    NvNameKind kind = strcmp(spec->type, "network") == 0 ? NV_NAME_NETWORK : NV_NAME_INTERFACE;
    if (!nv_name_check_existing(kind, spec->source, err))
        return NULL;
    const char *model = or_default(spec->model, "virtio");
    if (!in_list(model, nic_models))
        return nv_error_invalid(err, _("unknown NIC model (virtio, e1000 or rtl8139)")), NULL;
    const char *mode = or_default(spec->mode, "bridge");
    if (!in_list(mode, direct_modes))
        return nv_error_invalid(err,
                                _("unknown macvtap mode (bridge, vepa, private or passthrough)")),
               NULL;
    g_autofree char *mac = NULL;
    if (spec->mac && *spec->mac && !nv_parse_mac(spec->mac, &mac, err))
        return NULL;

    xmlNode *nic = new_node("interface");
    set_attr(nic, "type", spec->type);
    if (mac)
        set_attr(add_child(nic, "mac"), "address", mac);
    xmlNode *src = add_child(nic, "source");
    if (strcmp(spec->type, "network") == 0) {
        set_attr(src, "network", spec->source);
    } else if (strcmp(spec->type, "bridge") == 0) {
        set_attr(src, "bridge", spec->source);
    } else {
        set_attr(src, "dev", spec->source);
        set_attr(src, "mode", mode);
    }
    set_attr(add_child(nic, "model"), "type", model);
    return one_node_xml(nic);
}

char *nv_edit_volume_xml(const char *name, guint64 capacity, const char *format, GError **err)
{
    if (!nv_name_check(NV_NAME_VOLUME, name, err))
        return NULL;
    if (capacity == 0)
        return nv_error_invalid(err, _("a new volume needs a size above zero")), NULL;
    format = or_default(format, "qcow2");
    if (!in_list(format, formats))
        return nv_error_invalid(err, _("unknown volume format (raw or qcow2)")), NULL;
    xmlNode *vol = new_node("volume");
    xmlNewTextChild(vol, NULL, (const xmlChar *)"name", (const xmlChar *)name);
    g_autofree char *cap = g_strdup_printf("%" G_GUINT64_FORMAT, capacity);
    xmlNode *c = xmlNewTextChild(vol, NULL, (const xmlChar *)"capacity", (const xmlChar *)cap);
    set_attr(c, "unit", "bytes");
    /* Sparse: the space is taken as the guest writes. */
    xmlNode *a = xmlNewTextChild(vol, NULL, (const xmlChar *)"allocation", (const xmlChar *)"0");
    set_attr(a, "unit", "bytes");
    set_attr(add_child(add_child(vol, "target"), "format"), "type", format);
    return one_node_xml(vol);
}

static const char *bus_prefix(const char *bus)
{
    if (g_strcmp0(bus, "virtio") == 0)
        return "vd";
    if (g_strcmp0(bus, "ide") == 0)
        return "hd";
    if (in_list(bus, disk_buses))
        return "sd";
    return NULL;
}

/* libvirt's virIndexToDiskName: a..z, aa..az, ba.. */
static char *index_to_name(const char *prefix, guint index)
{
    char letters[16];
    int n = 0;
    for (gint64 i = index; i >= 0 && n < (int)sizeof(letters); i = i / 26 - 1)
        letters[n++] = (char)('a' + i % 26);
    GString *s = g_string_new(prefix);
    while (n > 0)
        g_string_append_c(s, letters[--n]);
    return g_string_free(s, FALSE);
}

char *nv_edit_free_target(const char *bus, const char *const *used)
{
    const char *prefix = bus_prefix(bus);
    if (!prefix)
        return NULL;
    for (guint i = 0; i < 18278; i++) {
        char *name = index_to_name(prefix, i);
        if (!in_list(name, used))
            return name;
        g_free(name);
    }
    return NULL;
}

/* ---- boot order ---- */

static xmlNode *find_boot_device(xmlNode *devices, const char *key)
{
    for (xmlNode *d = devices ? devices->children : NULL; d; d = d->next) {
        g_autofree char *k = boot_key(d);
        if (!k)
            continue;
        /* MACs compare without case: the user may type them either way. */
        if (nv_xml_is_element(d, "interface") ? g_ascii_strcasecmp(k, key) == 0
                                              : strcmp(k, key) == 0)
            return d;
    }
    return NULL;
}

static gboolean order_is_devs(const char *const *order, gboolean *devs, GError **err)
{
    guint n_dev = 0, n = 0;
    for (; order[n]; n++) {
        n_dev += in_list(order[n], boot_devs);
        for (guint j = 0; j < n; j++)
            if (g_ascii_strcasecmp(order[j], order[n]) == 0)
                return nv_error_invalid(err, _("'%s' appears twice in the boot order"), order[n]);
    }
    if (n_dev > 0 && n_dev < n)
        return nv_error_invalid(
            err, _("a boot order lists either device kinds (hd, cdrom, network, fd) or "
                   "disk targets and NIC MACs, not both"));
    *devs = n == 0 || n_dev == n;
    return TRUE;
}

/* <os><boot dev> entries after <type>, in order. */
static void set_os_boot(xmlNode *os, const char *const *order)
{
    remove_children(os, "boot");
    xmlNode *after = nv_xml_child_element(os, "type");
    for (guint i = 0; order[i]; i++) {
        xmlNode *b = new_node("boot");
        set_attr(b, "dev", order[i]);
        if (after)
            after = xmlAddNextSibling(after, b);
        else
            after = xmlAddChild(os, b);
    }
}

/* Devices other than disks and NICs (hostdev, redirdev) keep their place after the list. */
static gboolean set_device_boot(xmlNode *devices, const char *const *order, GError **err)
{
    for (guint i = 0; order[i]; i++)
        if (!find_boot_device(devices, order[i]))
            return nv_error_invalid(err, _("no disk or NIC '%s' to boot from"), order[i]);
    g_autoptr(GArray) others = g_array_new(FALSE, FALSE, sizeof(BootEntry));
    for (xmlNode *d = devices ? devices->children : NULL; d; d = d->next) {
        if (!nv_xml_is_element(d, NULL))
            continue;
        if (nv_xml_is_element(d, "disk") || nv_xml_is_element(d, "interface")) {
            remove_children(d, "boot");
        } else if (nv_xml_child_element(d, "boot")) {
            g_autofree char *o = child_attr(d, "boot", "order");
            BootEntry e = {uint_of(o), (char *)d};
            g_array_append_val(others, e);
        }
    }
    guint n = 0;
    for (; order[n]; n++) {
        xmlNode *dev = find_boot_device(devices, order[n]);
        g_autofree char *num = g_strdup_printf("%u", n + 1);
        set_attr(add_child(dev, "boot"), "order", num);
    }
    g_array_sort(others, compare_boot);
    for (guint i = 0; i < others->len; i++) {
        g_autofree char *num = g_strdup_printf("%u", n + 1 + i);
        set_attr(nv_xml_child_element((xmlNode *)g_array_index(others, BootEntry, i).key, "boot"),
                 "order", num);
    }
    return TRUE;
}

static gboolean modify_boot(xmlNode *root, const char *const *order, int menu, GError **err)
{
    xmlNode *os = ensure_child(root, "os");
    xmlNode *devices = nv_xml_child_element(root, "devices");
    if (order) {
        gboolean devs = TRUE;
        if (!order_is_devs(order, &devs, err))
            return FALSE;
        if (devs) {
            /* libvirt refuses <boot order> on any device beside <os><boot>. */
            for (xmlNode *d = devices ? devices->children : NULL; d; d = d->next)
                remove_children(d, "boot");
            set_os_boot(os, order);
        } else {
            remove_children(os, "boot");
            if (!set_device_boot(devices, order, err))
                return FALSE;
        }
    }
    if (menu >= 0)
        set_attr(ensure_child(os, "bootmenu"), "enable", menu ? "yes" : "no");
    return TRUE;
}

char *nv_edit_xml_set_boot(const char *xml, const char *const *order, int menu, GError **err)
{
    g_autoptr(xmlDoc) doc = parse_xml(xml, "domain", err);
    if (!doc || !modify_boot(xmlDocGetRootElement(doc), order, menu, err))
        return NULL;
    return doc_to_string(doc);
}

/* ---- the worker side: one domain, its definition and its running state ---- */

typedef struct {
    virConnectPtr conn;
    virDomainPtr dom;
    const char *name;
    gboolean active;
    gboolean persistent;
} Dom;

static void dom_clear(Dom *d)
{
    if (d->dom)
        virDomainFree(d->dom);
    d->dom = NULL;
}

static gboolean dom_open(virConnectPtr conn, const char *uuid, Dom *d, GError **err)
{
    memset(d, 0, sizeof(*d));
    d->conn = conn;
    d->dom = virDomainLookupByUUIDString(conn, uuid);
    if (!d->dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), uuid);
        return FALSE;
    }
    d->name = virDomainGetName(d->dom);
    d->active = virDomainIsActive(d->dom) == 1;
    d->persistent = virDomainIsPersistent(d->dom) != 0;
    virResetLastError();
    return TRUE;
}

static gboolean no_support(void)
{
    int code = virGetLastErrorCode();
    return code == VIR_ERR_NO_SUPPORT;
}

/* libvirt's last message, for a note about the running domain. */
static char *last_message(void)
{
    virErrorPtr e = virGetLastError();
    return g_strdup(e && e->message ? e->message : _("unknown libvirt error"));
}

/* The definition (with secure info: a redefine must not drop the VNC password) or the running
 * domain's XML. Free with secret_free. */
static char *dom_xml(Dom *d, gboolean inactive, GError **err)
{
    unsigned flags = VIR_DOMAIN_XML_SECURE | (inactive ? VIR_DOMAIN_XML_INACTIVE : 0);
    char *raw = virDomainGetXMLDesc(d->dom, flags);
    if (!raw) {
        nv_set_virt_error(err, _("cannot read the definition of '%s'"), d->name);
        return NULL;
    }
    char *out = g_strdup(raw);
    secret_free_libvirt(raw);
    return out;
}

typedef gboolean (*ModifyFunc)(xmlNode *root, gpointer data, GError **err);

/* Read the definition, change it, define it again: for settings without an API of their own,
 * and for drivers without the device APIs. */
static gboolean redefine(Dom *d, ModifyFunc modify, gpointer data, GError **err)
{
    char *xml = dom_xml(d, TRUE, err);
    if (!xml)
        return FALSE;
    g_autoptr(xmlDoc) doc = parse_xml(xml, "domain", err);
    secret_free(xml);
    if (!doc || !modify(xmlDocGetRootElement(doc), data, err))
        return FALSE;
    char *out = doc_to_string(doc);
    g_autoptr(virDomain) nd = virDomainDefineXML(d->conn, out);
    secret_free(out);
    if (!nd) {
        nv_set_virt_error(err, _("cannot save the new definition of '%s'"), d->name);
        return FALSE;
    }
    return TRUE;
}

/* ---- device changes ---- */

typedef enum { DEV_ATTACH, DEV_DETACH, DEV_UPDATE } DevOp;

/* Whether two device elements are the same device: a disk by target, a NIC by MAC, graphics
 * by type. */
static gboolean same_device(xmlNode *a, xmlNode *b)
{
    if (!nv_xml_is_element(a, NULL) || !nv_xml_is_element(b, NULL) ||
        strcmp((char *)a->name, (char *)b->name) != 0)
        return FALSE;
    g_autofree char *ka = NULL, *kb = NULL;
    if (nv_xml_is_element(a, "graphics")) {
        ka = nv_xml_node_attr_or_null(a, "type");
        kb = nv_xml_node_attr_or_null(b, "type");
    } else {
        ka = boot_key(a);
        kb = boot_key(b);
    }
    return ka && kb && g_ascii_strcasecmp(ka, kb) == 0;
}

static xmlNode *find_device(xmlNode *devices, xmlNode *like)
{
    for (xmlNode *d = devices ? devices->children : NULL; d; d = d->next)
        if (same_device(d, like))
            return d;
    return NULL;
}

typedef struct {
    DevOp op;
    const char *xml;
} DevEdit;

static gboolean modify_device(xmlNode *root, gpointer data, GError **err)
{
    DevEdit *e = data;
    g_autoptr(xmlDoc) frag = parse_xml(e->xml, NULL, err);
    if (!frag)
        return FALSE;
    xmlNode *dev = xmlDocGetRootElement(frag);
    xmlNode *devices = ensure_child(root, "devices");
    xmlNode *old = find_device(devices, dev);
    xmlNode *copy = e->op == DEV_DETACH ? NULL : xmlDocCopyNode(dev, root->doc, 1);
    switch (e->op) {
    case DEV_ATTACH:
        xmlAddChild(devices, copy);
        return TRUE;
    case DEV_DETACH:
    case DEV_UPDATE:
        if (!old) {
            if (copy)
                xmlFreeNode(copy);
            return nv_error_invalid(err, _("the device is not in the definition"));
        }
        if (copy)
            xmlReplaceNode(old, copy);
        else
            xmlUnlinkNode(old);
        xmlFreeNode(old);
        return TRUE;
    }
    return FALSE;
}

static int device_call(virDomainPtr dom, DevOp op, const char *xml, unsigned flags)
{
    switch (op) {
    case DEV_ATTACH:
        return virDomainAttachDeviceFlags(dom, xml, flags);
    case DEV_DETACH:
        return virDomainDetachDeviceFlags(dom, xml, flags);
    case DEV_UPDATE:
        return virDomainUpdateDeviceFlags(dom, xml, flags);
    }
    return -1;
}

/* The change to the definition (`config_xml`, NULL: none there), then to the running domain
 * (`live_xml`, NULL: none there). A running domain that refuses is not an error: the result
 * says it takes effect at the next boot, and why. */
static gboolean device_change(Dom *d, DevOp op, const char *config_xml, const char *live_xml,
                              const char *what, NvEditResult *res, GError **err)
{
    gboolean saved = FALSE;
    if (d->persistent && config_xml) {
        if (device_call(d->dom, op, config_xml, VIR_DOMAIN_AFFECT_CONFIG) == 0) {
            saved = TRUE;
        } else if (no_support() && !d->active) {
            DevEdit e = {op, config_xml};
            GError *inner = NULL;
            if (!redefine(d, modify_device, &e, &inner)) {
                g_set_error(err, NV_ERROR, inner->code, _("cannot %s on '%s': %s"), what, d->name,
                            inner->message);
                g_error_free(inner);
                return FALSE;
            }
            saved = TRUE;
        } else {
            nv_set_virt_error(err, _("cannot %s on '%s'"), what, d->name);
            return FALSE;
        }
    }
    res->outcome = NV_EDIT_NEXT_BOOT;
    if (!d->active || !live_xml)
        return TRUE;
    if (device_call(d->dom, op, live_xml, VIR_DOMAIN_AFFECT_LIVE) == 0) {
        res->outcome = d->persistent ? NV_EDIT_LIVE : NV_EDIT_LIVE_ONLY;
        return TRUE;
    }
    if (!saved) {
        nv_set_virt_error(err, _("cannot %s on '%s'"), what, d->name);
        return FALSE;
    }
    res->note = last_message();
    return TRUE;
}

/* The device element `like` matches (same kind and key) in `xml`, serialised; NULL if none.
 * `edit` (optional) changes a copy first. */
typedef gboolean (*NodeEdit)(xmlNode *node, gpointer data, GError **err);

static char *device_xml_in(const char *xml, const char *kind, const char *key, NodeEdit edit,
                           gpointer data, GError **err)
{
    if (!xml)
        return NULL;
    g_autoptr(xmlDoc) doc = parse_xml(xml, "domain", err);
    if (!doc)
        return NULL;
    xmlNode *devices = nv_xml_child_element(xmlDocGetRootElement(doc), "devices");
    for (xmlNode *dev = devices ? devices->children : NULL; dev; dev = dev->next) {
        if (!nv_xml_is_element(dev, kind))
            continue;
        g_autofree char *k =
            strcmp(kind, "graphics") == 0 ? nv_xml_node_attr_or_null(dev, "type") : boot_key(dev);
        if (!k || g_ascii_strcasecmp(k, key) != 0)
            continue;
        if (edit && !edit(dev, data, err))
            return NULL;
        return node_to_string(doc, dev);
    }
    return NULL;
}

/* The device in the definition and in the running domain (each NULL where it is not),
 * changed by `edit` first. Free both with secret_free (graphics hold the password). */
static gboolean device_xmls(Dom *d, const char *kind, const char *key, NodeEdit edit, gpointer data,
                            char **cfg, char **now, GError **err)
{
    GError *e = NULL;
    char *inactive = d->persistent ? dom_xml(d, TRUE, &e) : NULL;
    char *live = !e && d->active ? dom_xml(d, FALSE, &e) : NULL;
    if (!e)
        *cfg = device_xml_in(inactive, kind, key, edit, data, &e);
    if (!e)
        *now = device_xml_in(live, kind, key, edit, data, &e);
    secret_free(inactive);
    secret_free(live);
    if (e) {
        secret_free(g_steal_pointer(cfg));
        secret_free(g_steal_pointer(now));
        g_propagate_error(err, e);
        return FALSE;
    }
    return TRUE;
}

/* ---- requests: a typed struct per operation, run on the worker (conn-async.h) ---- */

/* What every change request starts with: the domain, what runs on it and what to refresh. */
typedef struct EditReq EditReq;
typedef gboolean (*EditRun)(Dom *d, EditReq *req, NvEditResult *res, GError **err);

struct EditReq {
    char *uuid;
    EditRun run;
    /* NvChange bits to refresh afterwards; the worker adds to them (a new volume). */
    unsigned changes;
    GPtrArray *owned;            /* strings the operation's spec copies point into */
    void (*clear)(EditReq *req); /* frees the operation's own fields; NULL: none */
};

void nv_edit_result_free(NvEditResult *r)
{
    if (!r)
        return;
    g_free(r->note);
    g_free(r->detail);
    g_free(r);
}

static const char *own(EditReq *r, const char *s)
{
    if (!s)
        return NULL;
    char *copy = g_strdup(s);
    g_ptr_array_add(r->owned, copy);
    return copy;
}

/* A request of `size` bytes (a struct that starts with EditReq). */
static gpointer edit_req_new(gsize size, const char *uuid, EditRun run)
{
    EditReq *r = g_malloc0(size);
    r->uuid = g_strdup(uuid);
    r->run = run;
    r->owned = g_ptr_array_new_with_free_func(g_free);
    r->changes = NV_CHANGE_DOMAINS | NV_CHANGE_DETAILS;
    return r;
}

static void edit_req_free(EditReq *r)
{
    if (r->clear)
        r->clear(r);
    g_free(r->uuid);
    g_ptr_array_unref(r->owned);
    g_free(r);
}

static gpointer edit_work(virConnectPtr conn, gpointer data, GError **err)
{
    EditReq *r = data;
    Dom d;
    if (!dom_open(conn, r->uuid, &d, err))
        return NULL;
    g_autoptr(NvEditResult) res = g_new0(NvEditResult, 1);
    gboolean ok = r->run(&d, r, res, err);
    dom_clear(&d);
    if (ok)
        return g_steal_pointer(&res);
    /* A failure is told by the error alone. */
    if (err && !*err)
        nv_error_invalid(err, _("the change to '%s' failed"), r->uuid);
    return NULL;
}

/* On the main loop before the caller hears back: the lists and details on screen should show
 * the change (some make no event); a failed change that made and removed a volume too. */
static void edit_settle(NvConn *conn, gpointer data, const GError *err)
{
    EditReq *r = data;
    if (!err || r->changes & NV_CHANGE_POOLS)
        nv_conn_refresh(conn, r->changes);
}

static void edit_submit(NvConn *conn, EditReq *r, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free)
{
    NvAsyncSpec spec = {.tag = nv_edit_finish,
                        .req = r,
                        .req_free = (GDestroyNotify)edit_req_free,
                        .value_free = (GDestroyNotify)nv_edit_result_free,
                        .settle = edit_settle};
    nv_conn_async(conn, &spec, edit_work, done, data, data_free);
}

NvEditResult *nv_edit_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_edit_finish, err);
}

/* ---- load ---- */

static NvEditState *run_load(Dom *d, GError **err)
{
    char *inactive = NULL, *live = NULL;
    if (d->persistent)
        inactive = dom_xml(d, TRUE, err);
    if (d->active)
        live = dom_xml(d, FALSE, err);
    gboolean ok = (inactive || live) && (!d->persistent || inactive) && (!d->active || live);
    g_autoptr(NvEditState) s = NULL;
    if (ok)
        s = nv_edit_state_from_xml(inactive ? inactive : live, live, err);
    else if (!inactive && !live && err && !*err)
        nv_error_invalid(err, _("'%s' has no definition to read"), d->name);
    secret_free(inactive);
    secret_free(live);
    if (!s)
        return NULL;
    s->active = d->active;
    s->persistent = d->persistent;
    int autostart = 0;
    s->autostart = virDomainGetAutostart(d->dom, &autostart) == 0 ? !!autostart : -1;
    int max = virConnectGetMaxVcpus(d->conn, s->domain_type);
    s->hv_max_vcpus = max > 0 ? (unsigned)max : 0;
    virDomainInfo info;
    if (d->active && virDomainGetInfo(d->dom, &info) == 0) {
        s->live_vcpus = info.nrVirtCpu;
        s->live_memory_kib = info.memory;
    }
    virResetLastError();
    return g_steal_pointer(&s);
}

/* The request of a load is the domain's UUID. */
static gpointer load_work(virConnectPtr conn, gpointer data, GError **err)
{
    Dom d;
    if (!dom_open(conn, data, &d, err))
        return NULL;
    NvEditState *s = run_load(&d, err);
    dom_clear(&d);
    if (!s && err && !*err)
        nv_error_invalid(err, _("the change to '%s' failed"), (const char *)data);
    return s;
}

void nv_edit_load_async(NvConn *conn, const char *uuid, NvAsyncFunc done, gpointer data,
                        GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_edit_load_async, uuid, load_work,
                       (GDestroyNotify)nv_edit_state_free, done, data, data_free);
}

NvEditState *nv_edit_load_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_edit_load_async, err);
}

/* The request of a listing is the pool's name. */
static gpointer list_volumes_work(virConnectPtr conn, gpointer data, GError **err)
{
    return nv_fetch_volumes(conn, data, err);
}

void nv_edit_list_volumes_async(NvConn *conn, const char *pool, NvAsyncFunc done, gpointer data,
                                GDestroyNotify data_free)
{
    nv_conn_async_read(conn, nv_edit_list_volumes_async, pool, list_volumes_work,
                       (GDestroyNotify)g_ptr_array_unref, done, data, data_free);
}

GPtrArray *nv_edit_list_volumes_finish(NvAsyncResult *res, GError **err)
{
    return nv_async_result_take(res, nv_edit_list_volumes_async, err);
}

/* ---- vCPUs and memory ---- */

/* The definition's current values, to check a change against them. */
static NvEditState *config_state(Dom *d, GError **err)
{
    char *xml = dom_xml(d, d->persistent, err);
    if (!xml)
        return NULL;
    NvEditState *s = nv_edit_state_from_xml(xml, NULL, err);
    secret_free(xml);
    return s;
}

typedef struct {
    const char *element; /* vcpu, memory */
    guint64 value;
    unsigned current; /* vcpu: the current attribute, 0 none */
} MaxEdit;

static gboolean modify_max(xmlNode *root, gpointer data, GError **err)
{
    MaxEdit *m = data;
    xmlNode *n = ensure_child(root, m->element);
    g_autofree char *text = g_strdup_printf("%" G_GUINT64_FORMAT, m->value);
    set_text(n, text);
    if (strcmp(m->element, "memory") == 0) {
        set_attr(n, "unit", "KiB");
    } else if (m->current && m->current < m->value) {
        g_autofree char *cur = g_strdup_printf("%u", m->current);
        set_attr(n, "current", cur);
    } else {
        xmlUnsetProp(n, (const xmlChar *)"current");
    }
    return TRUE;
}

static gboolean set_vcpu_max(Dom *d, unsigned max, unsigned current, GError **err)
{
    unsigned flags = VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_VCPU_MAXIMUM;
    if (virDomainSetVcpusFlags(d->dom, max, flags) == 0)
        return TRUE;
    if (!no_support()) {
        nv_set_virt_error(err, _("cannot set the maximum vCPUs of '%s'"), d->name);
        return FALSE;
    }
    MaxEdit m = {"vcpu", max, current};
    return redefine(d, modify_max, &m, err);
}

static gboolean set_vcpu_current(Dom *d, unsigned n, GError **err)
{
    if (virDomainSetVcpusFlags(d->dom, n, VIR_DOMAIN_AFFECT_CONFIG) == 0)
        return TRUE;
    nv_set_virt_error(err, _("cannot set the vCPUs of '%s'"), d->name);
    return FALSE;
}

/* The running domain: not an error when it refuses, a note. Returns TRUE when it took it. */
static gboolean try_live(int rc, NvEditResult *res)
{
    if (rc == 0)
        return TRUE;
    g_free(res->note);
    res->note = last_message();
    return FALSE;
}

typedef struct {
    EditReq base;
    unsigned current, maximum; /* 0: as it is */
} VcpusReq;

static gboolean run_vcpus(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    VcpusReq *r = (VcpusReq *)req;
    g_autoptr(NvEditState) s = config_state(d, err);
    if (!s)
        return FALSE;
    int max_hv = virConnectGetMaxVcpus(d->conn, s->domain_type);
    virResetLastError();
    unsigned max = r->maximum ? r->maximum : s->max_vcpus;
    unsigned cur = r->current ? r->current : s->vcpus;
    if (max < 1 || cur < 1)
        return nv_error_invalid(err, _("a domain needs at least one vCPU"));
    if (max_hv > 0 && max > (unsigned)max_hv)
        return nv_error_invalid(
            err,
            ngettext("at most %d vCPU is possible for a '%s' domain on this host",
                     "at most %d vCPUs are possible for a '%s' domain on this host",
                     (unsigned)max_hv),
            max_hv, s->domain_type);
    if (cur > max)
        return nv_error_invalid(err,
                                ngettext("%u vCPU is more than the maximum of %u",
                                         "%u vCPUs is more than the maximum of %u", cur),
                                cur, max);
    if (!d->persistent && r->maximum)
        return nv_error_invalid(
            err, _("'%s' is transient: it has no definition to change the maximum in"), d->name);
    if (d->persistent) {
        /* Raise the maximum before the count and lower it after, so neither step is refused
         * for passing the other. */
        if (r->maximum && max >= s->max_vcpus && !set_vcpu_max(d, max, cur, err))
            return FALSE;
        if (cur != s->vcpus && !set_vcpu_current(d, cur, err))
            return FALSE;
        if (r->maximum && max < s->max_vcpus && !set_vcpu_max(d, max, cur, err))
            return FALSE;
    }
    res->outcome = NV_EDIT_NEXT_BOOT;
    if (d->active && r->current) {
        if (try_live(virDomainSetVcpusFlags(d->dom, cur, VIR_DOMAIN_AFFECT_LIVE), res)) {
            /* A new maximum still waits for the next boot. */
            if (!r->maximum)
                res->outcome = d->persistent ? NV_EDIT_LIVE : NV_EDIT_LIVE_ONLY;
        } else if (!d->persistent) {
            nv_set_virt_error(err, _("cannot set the vCPUs of '%s'"), d->name);
            return FALSE;
        }
    }
    return TRUE;
}

void nv_edit_vcpus_async(NvConn *conn, const char *uuid, unsigned current, unsigned maximum,
                         NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    VcpusReq *r = edit_req_new(sizeof(VcpusReq), uuid, run_vcpus);
    r->current = current;
    r->maximum = maximum;
    edit_submit(conn, &r->base, done, data, data_free);
}

static gboolean set_mem_max(Dom *d, guint64 kib, GError **err)
{
    unsigned flags = VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_MEM_MAXIMUM;
    if (virDomainSetMemoryFlags(d->dom, kib, flags) == 0)
        return TRUE;
    if (!no_support()) {
        nv_set_virt_error(err, _("cannot set the maximum memory of '%s'"), d->name);
        return FALSE;
    }
    MaxEdit m = {"memory", kib, 0};
    return redefine(d, modify_max, &m, err);
}

static gboolean set_mem_current(Dom *d, guint64 kib, GError **err)
{
    if (virDomainSetMemoryFlags(d->dom, kib, VIR_DOMAIN_AFFECT_CONFIG) == 0)
        return TRUE;
    nv_set_virt_error(err, _("cannot set the memory of '%s'"), d->name);
    return FALSE;
}

typedef struct {
    EditReq base;
    guint64 current_kib, max_kib; /* 0: as it is */
} MemoryReq;

static gboolean run_memory(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    MemoryReq *r = (MemoryReq *)req;
    g_autoptr(NvEditState) s = config_state(d, err);
    if (!s)
        return FALSE;
    guint64 max = r->max_kib ? r->max_kib : s->max_memory_kib;
    guint64 cur = r->current_kib ? r->current_kib : s->memory_kib;
    if (cur > max) {
        g_autofree char *c = nv_format_size_input(cur * 1024);
        g_autofree char *m = nv_format_size_input(max * 1024);
        return nv_error_invalid(err, _("memory %s is more than the maximum of %s"), c, m);
    }
    if ((guint64)(unsigned long)cur != cur || (guint64)(unsigned long)max != max)
        return nv_error_invalid(err, _("the memory size is too large for this host's libvirt"));
    if (!d->persistent && r->max_kib)
        return nv_error_invalid(
            err, _("'%s' is transient: it has no definition to change the maximum in"), d->name);
    if (d->persistent) {
        if (r->max_kib && max >= s->max_memory_kib && !set_mem_max(d, max, err))
            return FALSE;
        if (cur != s->memory_kib && !set_mem_current(d, cur, err))
            return FALSE;
        if (r->max_kib && max < s->max_memory_kib && !set_mem_max(d, max, err))
            return FALSE;
    }
    res->outcome = NV_EDIT_NEXT_BOOT;
    if (d->active && r->current_kib) {
        if (try_live(virDomainSetMemoryFlags(d->dom, cur, VIR_DOMAIN_AFFECT_LIVE), res)) {
            if (!r->max_kib)
                res->outcome = d->persistent ? NV_EDIT_LIVE : NV_EDIT_LIVE_ONLY;
        } else if (!d->persistent) {
            nv_set_virt_error(err, _("cannot set the memory of '%s'"), d->name);
            return FALSE;
        }
    }
    return TRUE;
}

void nv_edit_memory_async(NvConn *conn, const char *uuid, guint64 current_kib, guint64 max_kib,
                          NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    MemoryReq *r = edit_req_new(sizeof(MemoryReq), uuid, run_memory);
    r->current_kib = current_kib;
    r->max_kib = max_kib;
    edit_submit(conn, &r->base, done, data, data_free);
}

/* ---- boot and autostart ---- */

typedef struct {
    EditReq base;
    char **order; /* NULL: as it is */
    int menu;     /* -1: as it is */
} BootReq;

static void boot_req_clear(EditReq *req)
{
    g_strfreev(((BootReq *)req)->order);
}

static gboolean modify_boot_req(xmlNode *root, gpointer data, GError **err)
{
    BootReq *r = data;
    return modify_boot(root, (const char *const *)r->order, r->menu, err);
}

static gboolean run_boot(Dom *d, EditReq *r, NvEditResult *res, GError **err)
{
    if (!d->persistent)
        return nv_error_invalid(err, _("'%s' is transient: it has no definition to change"),
                                d->name);
    GError *inner = NULL;
    if (!redefine(d, modify_boot_req, r, &inner)) {
        /* A modify step that fails without saying why still fails, not crashes. */
        g_set_error(err, NV_ERROR, inner ? inner->code : NV_ERROR_FAILED,
                    _("cannot change the boot order of '%s': %s"), d->name,
                    inner ? inner->message : "");
        g_clear_error(&inner);
        return FALSE;
    }
    res->outcome = NV_EDIT_NEXT_BOOT;
    return TRUE;
}

void nv_edit_boot_async(NvConn *conn, const char *uuid, const char *const *order, int menu,
                        NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    BootReq *r = edit_req_new(sizeof(BootReq), uuid, run_boot);
    r->base.clear = boot_req_clear;
    r->order = order ? g_strdupv((char **)order) : NULL;
    r->menu = menu;
    edit_submit(conn, &r->base, done, data, data_free);
}

typedef struct {
    EditReq base;
    gboolean on;
} AutostartReq;

static gboolean run_autostart(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    AutostartReq *r = (AutostartReq *)req;
    if (virDomainSetAutostart(d->dom, r->on ? 1 : 0) < 0) {
        if (r->on)
            nv_set_virt_error(err, _("cannot turn autostart on for '%s'"), d->name);
        else
            nv_set_virt_error(err, _("cannot turn autostart off for '%s'"), d->name);
        return FALSE;
    }
    /* A host setting: it holds from now on, whatever the domain's state. */
    res->outcome = NV_EDIT_LIVE;
    return TRUE;
}

void nv_edit_autostart_async(NvConn *conn, const char *uuid, gboolean on, NvAsyncFunc done,
                             gpointer data, GDestroyNotify data_free)
{
    AutostartReq *r = edit_req_new(sizeof(AutostartReq), uuid, run_autostart);
    r->on = on;
    edit_submit(conn, &r->base, done, data, data_free);
}

/* ---- disks ---- */

/* Where a volume or path lives, as a disk source: type (file/block), path, format. */
typedef struct {
    char *type;
    char *path;
    char *format;
} Source;

static void source_clear(Source *s)
{
    g_free(s->type);
    g_free(s->path);
    g_free(s->format);
}

static gboolean volume_source(virStorageVolPtr vol, const char *name, Source *out, GError **err)
{
    virStorageVolInfo info;
    char *path = virStorageVolGetPath(vol);
    if (!path || virStorageVolGetInfo(vol, &info) < 0) {
        free(path);
        nv_set_virt_error(err, _("cannot read volume '%s'"), name);
        return FALSE;
    }
    out->path = g_strdup(path);
    free(path);
    if (info.type == VIR_STORAGE_VOL_BLOCK) {
        out->type = g_strdup("block");
    } else if (info.type == VIR_STORAGE_VOL_FILE) {
        out->type = g_strdup("file");
    } else {
        return nv_error_invalid(err, _("volume '%s' is neither a file nor a block device"), name);
    }
    char *xml = virStorageVolGetXMLDesc(vol, 0);
    g_autoptr(NvVolume) v = nv_volume_new();
    if (xml && nv_xml_volume(xml, v, NULL) && in_list(v->format, formats))
        out->format = g_strdup(v->format);
    free(xml);
    virResetLastError();
    return TRUE;
}

static virStoragePoolPtr open_pool(virConnectPtr conn, const char *name, GError **err)
{
    if (!nv_name_check_existing(NV_NAME_POOL, name, err))
        return NULL;
    virStoragePoolPtr pool = virStoragePoolLookupByName(conn, name);
    if (!pool)
        nv_set_virt_error(err, _("cannot find pool '%s'"), name);
    return pool;
}

/* An existing volume or a host path, as a source. */
static gboolean existing_source(virConnectPtr conn, const NvDiskSpec *spec, Source *out,
                                GError **err)
{
    if (spec->kind == NV_DISK_PATH) {
        if (!valid_path(spec->path, err))
            return FALSE;
        out->path = g_strdup(spec->path);
        out->type = g_strdup(g_str_has_prefix(spec->path, "/dev/") ? "block" : "file");
        out->format = g_strdup(or_default(spec->format, "raw"));
        return TRUE;
    }
    if (!nv_name_check_existing(NV_NAME_VOLUME, spec->volume, err))
        return FALSE;
    g_autoptr(virStoragePool) pool = open_pool(conn, spec->pool, err);
    if (!pool)
        return FALSE;
    g_autoptr(virStorageVol) vol = virStorageVolLookupByName(pool, spec->volume);
    if (!vol) {
        nv_set_virt_error(err, _("cannot find volume '%s' in pool '%s'"), spec->volume, spec->pool);
        return FALSE;
    }
    gboolean ok = volume_source(vol, spec->volume, out, err);
    if (ok && spec->format && *spec->format) {
        g_free(out->format);
        out->format = g_strdup(spec->format);
    }
    return ok;
}

/* Every target in the definition and the running domain. */
static GPtrArray *used_targets(Dom *d, GError **err)
{
    GPtrArray *used = g_ptr_array_new_with_free_func(g_free);
    for (int live = 0; live < 2; live++) {
        if ((live && !d->active) || (!live && !d->persistent))
            continue;
        char *xml = dom_xml(d, !live, err);
        if (!xml) {
            g_ptr_array_unref(used);
            return NULL;
        }
        g_autoptr(NvEditState) s = nv_edit_state_from_xml(xml, NULL, err);
        secret_free(xml);
        if (!s) {
            g_ptr_array_unref(used);
            return NULL;
        }
        for (guint i = 0; i < s->disks->len; i++)
            g_ptr_array_add(used, g_strdup(((NvDisk *)s->disks->pdata[i])->target));
    }
    g_ptr_array_add(used, NULL);
    return used;
}

/* Deletes the volume this request created, adding to `err` if that fails too. */
static void delete_new_volume(virStorageVolPtr vol, const char *name, GError **err)
{
    if (virStorageVolDelete(vol, 0) == 0)
        return;
    virErrorPtr e = virGetLastError();
    g_prefix_error(err, _("the new volume '%s' could not be deleted again (%s); "), name,
                   e && e->message ? e->message : _("unknown libvirt error"));
}

static gboolean attach_disk(Dom *d, const NvDiskSpec *spec, const Source *src, const char *target,
                            NvEditResult *res, GError **err)
{
    const char *device = or_default(spec->device, "disk");
    const char *bus = or_default(spec->bus, strcmp(device, "cdrom") == 0 ? "sata" : "virtio");
    g_autofree char *xml =
        nv_edit_disk_xml(device, bus, target, src->type, src->path, src->format, err);
    if (!xml)
        return FALSE;
    g_autofree char *what = g_strdup_printf(_("attach disk %s"), target);
    return device_change(d, DEV_ATTACH, xml, xml, what, res, err);
}

/* Adding a disk, and inserting a medium (`disk` unused when `have_medium` is FALSE). */
typedef struct {
    EditReq base;
    NvDiskSpec disk; /* strings in base.owned */
    char *target;    /* the drive, for media */
    gboolean have_medium;
} DiskReq;

static void disk_req_clear(EditReq *req)
{
    g_free(((DiskReq *)req)->target);
}

static gboolean run_add_disk(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    DiskReq *r = (DiskReq *)req;
    NvDiskSpec *spec = &r->disk;
    const char *device = or_default(spec->device, "disk");
    const char *bus = or_default(spec->bus, strcmp(device, "cdrom") == 0 ? "sata" : "virtio");
    g_autoptr(GPtrArray) used = used_targets(d, err);
    if (!used)
        return FALSE;
    /* Everything that can be checked is checked before a volume is made for the disk. */
    if (!in_list(bus, disk_buses))
        return nv_error_invalid(err, _("unknown disk bus (virtio, sata, scsi, ide or usb)"));
    if (!in_list(device, disk_devices))
        return nv_error_invalid(err, _("unknown disk device '%s' (disk or cdrom)"), device);
    if (spec->format && *spec->format && !in_list(spec->format, formats))
        return nv_error_invalid(err, _("unknown disk format (raw or qcow2)"));
    g_autofree char *target = spec->target && *spec->target
                                  ? g_strdup(spec->target)
                                  : nv_edit_free_target(bus, (const char *const *)used->pdata);
    if (!target || !valid_target(target, err))
        return !target ? nv_error_invalid(err, _("no free target name is left on bus %s"), bus)
                       : FALSE;
    res->detail = g_strdup(target);
    if (spec->kind == NV_DISK_EMPTY) {
        Source none = {0};
        return attach_disk(d, spec, &none, target, res, err);
    }
    if (spec->kind != NV_DISK_NEW_VOLUME) {
        Source src = {0};
        gboolean ok = existing_source(d->conn, spec, &src, err) &&
                      attach_disk(d, spec, &src, target, res, err);
        source_clear(&src);
        return ok;
    }

    g_autofree char *vol_xml = nv_edit_volume_xml(spec->volume, spec->capacity, spec->format, err);
    if (!vol_xml)
        return FALSE;
    g_autoptr(virStoragePool) pool = open_pool(d->conn, spec->pool, err);
    if (!pool)
        return FALSE;
    g_autoptr(virStorageVol) vol = virStorageVolCreateXML(pool, vol_xml, 0);
    if (!vol) {
        nv_set_virt_error(err, _("cannot create volume '%s' in pool '%s'"), spec->volume,
                          spec->pool);
        return FALSE;
    }
    r->base.changes |= NV_CHANGE_POOLS | NV_CHANGE_VOLUMES;
    Source src = {0};
    gboolean ok = volume_source(vol, spec->volume, &src, err);
    if (ok) {
        g_free(src.format);
        src.format = g_strdup(or_default(spec->format, "qcow2"));
        ok = attach_disk(d, spec, &src, target, res, err);
    }
    source_clear(&src);
    /* Never leave an orphan: a volume made for this disk goes when the disk does not come. */
    if (!ok)
        delete_new_volume(vol, spec->volume, err);
    return ok;
}

static DiskReq *disk_req_new(const char *uuid, EditRun run, const NvDiskSpec *spec)
{
    DiskReq *r = edit_req_new(sizeof(DiskReq), uuid, run);
    r->base.clear = disk_req_clear;
    if (!spec)
        return r;
    r->have_medium = TRUE;
    r->disk.kind = spec->kind;
    r->disk.pool = own(&r->base, spec->pool);
    r->disk.volume = own(&r->base, spec->volume);
    r->disk.capacity = spec->capacity;
    r->disk.format = own(&r->base, spec->format);
    r->disk.path = own(&r->base, spec->path);
    r->disk.device = own(&r->base, spec->device);
    r->disk.bus = own(&r->base, spec->bus);
    r->disk.target = own(&r->base, spec->target);
    return r;
}

void nv_edit_add_disk_async(NvConn *conn, const char *uuid, const NvDiskSpec *spec,
                            NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    DiskReq *r = disk_req_new(uuid, run_add_disk, spec);
    edit_submit(conn, &r->base, done, data, data_free);
}

/* Removing a device: a disk by target, a NIC by MAC. */
typedef struct {
    EditReq base;
    char *key;
} RemoveReq;

static void remove_req_clear(EditReq *req)
{
    g_free(((RemoveReq *)req)->key);
}

static gboolean run_remove_device(Dom *d, const char *key, const char *kind, const char *what,
                                  NvEditResult *res, GError **err)
{
    g_autofree char *cfg = NULL, *now = NULL;
    if (!device_xmls(d, kind, key, NULL, NULL, &cfg, &now, err))
        return FALSE;
    if (!cfg && !now)
        return nv_error_invalid(err,
                                strcmp(kind, "disk") == 0 ? _("'%s' has no disk %s")
                                                          : _("'%s' has no NIC with MAC %s"),
                                d->name, key);
    return device_change(d, DEV_DETACH, cfg, now, what, res, err);
}

static gboolean run_remove_disk(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    const char *target = ((RemoveReq *)req)->key;
    g_autofree char *what = g_strdup_printf(_("detach disk %s"), target);
    return run_remove_device(d, target, "disk", what, res, err);
}

static RemoveReq *remove_req_new(const char *uuid, EditRun run, const char *key)
{
    RemoveReq *r = edit_req_new(sizeof(RemoveReq), uuid, run);
    r->base.clear = remove_req_clear;
    r->key = g_strdup(key);
    return r;
}

void nv_edit_remove_disk_async(NvConn *conn, const char *uuid, const char *target, NvAsyncFunc done,
                               gpointer data, GDestroyNotify data_free)
{
    RemoveReq *r = remove_req_new(uuid, run_remove_disk, target);
    edit_submit(conn, &r->base, done, data, data_free);
}

/* ---- CD/DVD media ---- */

typedef struct {
    const Source *src; /* NULL: eject */
} MediaEdit;

static gboolean set_media(xmlNode *disk, gpointer data, GError **err)
{
    MediaEdit *m = data;
    g_autofree char *device = nv_xml_node_attr_or_null(disk, "device");
    if (!device || (strcmp(device, "cdrom") != 0 && strcmp(device, "floppy") != 0))
        return nv_error_invalid(err, _("only a CD/DVD or floppy drive takes media"));
    remove_children(disk, "source");
    /* The running domain's XML describes the old medium's backing chain too. */
    remove_children(disk, "backingStore");
    if (!m->src) {
        /* An empty drive has no volume or network source to be typed after. */
        set_attr(disk, "type", "file");
        return TRUE;
    }
    set_attr(disk, "type", m->src->type);
    xmlNode *src = new_node("source");
    set_attr(src, strcmp(m->src->type, "block") == 0 ? "dev" : "file", m->src->path);
    xmlNode *driver = nv_xml_child_element(disk, "driver");
    /* A CD image is read as raw whatever the last one was. */
    if (driver)
        set_attr(driver, "type", "raw");
    if (driver)
        xmlAddNextSibling(driver, src);
    else if (disk->children)
        xmlAddPrevSibling(disk->children, src);
    else
        xmlAddChild(disk, src);
    return TRUE;
}

static gboolean run_media(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    DiskReq *r = (DiskReq *)req;
    Source src = {0};
    gboolean have_src = r->have_medium;
    if (have_src && r->disk.kind != NV_DISK_PATH && r->disk.kind != NV_DISK_VOLUME)
        return nv_error_invalid(err, _("a drive takes a file or a volume as its medium"));
    if (have_src && !existing_source(d->conn, &r->disk, &src, err)) {
        source_clear(&src);
        return FALSE;
    }
    MediaEdit m = {have_src ? &src : NULL};
    g_autofree char *cfg = NULL, *now = NULL;
    gboolean ok = device_xmls(d, "disk", r->target, set_media, &m, &cfg, &now, err);
    source_clear(&src);
    if (!ok)
        return FALSE;
    if (!cfg && !now)
        return nv_error_invalid(err, _("'%s' has no drive %s"), d->name, r->target);
    g_autofree char *what = g_strdup_printf(
        have_src ? _("insert media into %s") : _("eject the media of %s"), r->target);
    return device_change(d, DEV_UPDATE, cfg, now, what, res, err);
}

void nv_edit_media_async(NvConn *conn, const char *uuid, const char *target, const NvDiskSpec *spec,
                         NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    DiskReq *r = disk_req_new(uuid, run_media, spec);
    r->target = g_strdup(target);
    edit_submit(conn, &r->base, done, data, data_free);
}

/* ---- NICs ---- */

typedef struct {
    EditReq base;
    NvNicSpec nic; /* strings in base.owned */
} NicReq;

static gboolean run_add_nic(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    NicReq *r = (NicReq *)req;
    /* A MAC chosen here (not by libvirt) can be told to the user and found again. */
    g_autofree char *mac = r->nic.mac && *r->nic.mac ? NULL : nv_mac_generate();
    NvNicSpec spec = r->nic;
    if (mac)
        spec.mac = mac;
    g_autofree char *xml = nv_edit_nic_xml(&spec, err);
    if (!xml)
        return FALSE;
    g_autofree char *norm = NULL;
    nv_parse_mac(spec.mac, &norm, NULL);
    res->detail = g_steal_pointer(&norm);
    g_autofree char *what = g_strdup_printf(_("add NIC %s"), res->detail);
    return device_change(d, DEV_ATTACH, xml, xml, what, res, err);
}

void nv_edit_add_nic_async(NvConn *conn, const char *uuid, const NvNicSpec *spec, NvAsyncFunc done,
                           gpointer data, GDestroyNotify data_free)
{
    NicReq *r = edit_req_new(sizeof(NicReq), uuid, run_add_nic);
    r->nic.type = own(&r->base, spec->type);
    r->nic.source = own(&r->base, spec->source);
    r->nic.mode = own(&r->base, spec->mode);
    r->nic.model = own(&r->base, spec->model);
    r->nic.mac = own(&r->base, spec->mac);
    edit_submit(conn, &r->base, done, data, data_free);
}

static gboolean run_remove_nic(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    g_autofree char *mac = NULL;
    if (!nv_parse_mac(((RemoveReq *)req)->key, &mac, err))
        return FALSE;
    g_autofree char *what = g_strdup_printf(_("remove NIC %s"), mac);
    return run_remove_device(d, mac, "interface", what, res, err);
}

void nv_edit_remove_nic_async(NvConn *conn, const char *uuid, const char *mac, NvAsyncFunc done,
                              gpointer data, GDestroyNotify data_free)
{
    RemoveReq *r = remove_req_new(uuid, run_remove_nic, mac);
    edit_submit(conn, &r->base, done, data, data_free);
}

/* ---- VNC ---- */

typedef struct {
    gboolean listen;   /* change the listen address (else the password) */
    const char *value; /* listen address or password; NULL removes the password */
} VncEdit;

static gboolean set_vnc(xmlNode *g, gpointer data, GError **err)
{
    VncEdit *v = data;
    if (!v->listen) {
        if (v->value)
            set_attr(g, "passwd", v->value);
        else
            xmlUnsetProp(g, (const xmlChar *)"passwd");
        return TRUE;
    }
    xmlUnsetProp(g, (const xmlChar *)"listen");
    remove_children(g, "listen");
    if (*v->value) {
        set_attr(g, "listen", v->value);
        xmlNode *l = new_node("listen");
        set_attr(l, "type", "address");
        set_attr(l, "address", v->value);
        if (g->children)
            xmlAddPrevSibling(g->children, l);
        else
            xmlAddChild(g, l);
    }
    return TRUE;
}

/* The listen address, or the password (wiped when freed). */
typedef struct {
    EditReq base;
    gboolean listen;
    char *value; /* NULL removes the password */
} VncReq;

static void vnc_req_clear(EditReq *req)
{
    VncReq *r = (VncReq *)req;
    if (r->listen)
        g_free(r->value);
    else
        secret_free(r->value);
}

static gboolean run_vnc(Dom *d, EditReq *req, NvEditResult *res, GError **err)
{
    VncReq *r = (VncReq *)req;
    VncEdit v = {r->listen, r->value};
    if (v.listen && !nv_edit_valid_listen(v.value, err))
        return FALSE;
    if (!v.listen && v.value) {
        for (const char *p = v.value; *p; p++)
            if ((guchar)*p < 32 || *p == 127)
                return nv_error_invalid(err, _("the password contains control characters"));
        if (!*v.value || !g_utf8_validate(v.value, -1, NULL))
            return nv_error_invalid(err, _("the password is empty or not valid UTF-8"));
    }
    char *cfg = NULL, *now = NULL;
    gboolean ok = device_xmls(d, "graphics", "vnc", set_vnc, &v, &cfg, &now, err);
    if (ok && !cfg && !now)
        ok = nv_error_invalid(err, _("'%s' has no VNC display"), d->name);
    if (ok)
        ok = device_change(
            d, DEV_UPDATE, cfg, now,
            v.listen ? _("change the VNC listen address") : _("change the VNC password"), res, err);
    secret_free(cfg);
    secret_free(now);
    return ok;
}

static VncReq *vnc_req_new(const char *uuid, gboolean listen, const char *value)
{
    VncReq *r = edit_req_new(sizeof(VncReq), uuid, run_vnc);
    r->base.clear = vnc_req_clear;
    r->listen = listen;
    r->value = g_strdup(value);
    return r;
}

void nv_edit_vnc_listen_async(NvConn *conn, const char *uuid, const char *listen, NvAsyncFunc done,
                              gpointer data, GDestroyNotify data_free)
{
    VncReq *r = vnc_req_new(uuid, TRUE, listen ? listen : "");
    edit_submit(conn, &r->base, done, data, data_free);
}

void nv_edit_vnc_password_async(NvConn *conn, const char *uuid, const char *password,
                                NvAsyncFunc done, gpointer data, GDestroyNotify data_free)
{
    VncReq *r = vnc_req_new(uuid, FALSE, password);
    edit_submit(conn, &r->base, done, data, data_free);
}
