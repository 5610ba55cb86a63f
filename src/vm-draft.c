/* The new-VM draft: defaults from the chosen OS, checks, and the domain and volume XML built
 * with libxml2 (the serialiser escapes every value; the checks keep out what XML cannot carry,
 * such as control characters, before that). */
#include "vm-draft.h"

#include <libxml/tree.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "names.h"
#include "text.h"
#include "xml-tree.h"

#define NV_KIB 1024ULL
#define NV_MIB (1024ULL * 1024)
#define NV_GIB (1024ULL * 1024 * 1024)
#define NV_VM_MIN_MEMORY_KIB (16 * NV_KIB)
#define NV_VM_PATH_MAX 4096
#define NV_VM_CMDLINE_MAX 4096
#define NV_VM_MAX_VCPUS 4096
/* Generic defaults, also for an OS that does not say: a small modern server. */
#define NV_VM_DEFAULT_MEMORY_KIB (2 * NV_MIB)
#define NV_VM_DEFAULT_VCPUS 2
#define NV_VM_DEFAULT_DISK (20 * NV_GIB)
#define NV_OSINFO_NS "http://libosinfo.org/xmlns/libvirt/domain/1.0"

static const char *const disk_buses[] = {"virtio", "sata", "ide", "scsi", NULL};
static const char *const nic_models[] = {"virtio", "e1000", "e1000e", "rtl8139", NULL};
static const char *const formats[] = {"qcow2", "raw", NULL};

/* ---- the draft ---- */

/* clang-format off */
#define DRAFT_STRINGS(X) \
    X(media) X(kernel) X(initrd) X(cmdline) X(os_id) X(os_short) X(os_name) X(disk_bus) \
    X(nic_model) X(pool) X(volume) X(disk_format) X(disk_path) X(name) X(net_source) \
    X(uefi_loader) X(virt_type) X(arch) X(serial_log)
/* clang-format on */

NvVmDraft *nv_vm_draft_new(void)
{
    NvVmDraft *d = g_new0(NvVmDraft, 1);
#define EMPTY(m) d->m = g_strdup("");
    DRAFT_STRINGS(EMPTY)
#undef EMPTY
    d->install = NV_VM_INSTALL_ISO;
    d->storage = NV_VM_STORAGE_NEW;
    d->net = NV_VM_NET_NETWORK;
    d->vnc = TRUE;
    d->memory_kib = NV_VM_DEFAULT_MEMORY_KIB;
    d->vcpus = NV_VM_DEFAULT_VCPUS;
    d->disk_bytes = NV_VM_DEFAULT_DISK;
    nv_vm_draft_set(&d->disk_format, "qcow2");
    g_autoptr(NvOsInfo) generic = nv_os_info_generic();
    nv_vm_draft_set_os(d, generic, NULL, TRUE);
    return d;
}

void nv_vm_draft_free(NvVmDraft *d)
{
    if (!d)
        return;
#define FREE(m) g_free(d->m);
    DRAFT_STRINGS(FREE)
#undef FREE
    g_free(d);
}

NvVmDraft *nv_vm_draft_copy(const NvVmDraft *d)
{
    NvVmDraft *c = g_memdup2(d, sizeof(*d));
#define COPY(m) c->m = g_strdup(d->m);
    DRAFT_STRINGS(COPY)
#undef COPY
    return c;
}

void nv_vm_draft_set(char **member, const char *value)
{
    char *old = *member;
    *member = g_strdup(value ? value : "");
    g_free(old);
}

void nv_vm_draft_set_os(NvVmDraft *d, const NvOsInfo *os, const NvHost *host, gboolean keep_sizes)
{
    nv_vm_draft_set(&d->os_id, os->id);
    nv_vm_draft_set(&d->os_short, os->short_id);
    nv_vm_draft_set(&d->os_name, os->name);
    nv_vm_draft_set(&d->disk_bus, os->virtio_disk ? "virtio" : os->sata ? "sata" : "ide");
    nv_vm_draft_set(&d->nic_model, os->virtio_net ? "virtio" : "e1000");
    d->clock_localtime = g_str_has_prefix(os->family ? os->family : "", "win");
    if (keep_sizes)
        return;
    guint64 mem = os->rec_ram ? os->rec_ram / NV_KIB : NV_VM_DEFAULT_MEMORY_KIB;
    mem = MAX(mem, os->min_ram / NV_KIB);
    /* Half the host at most: a default should never starve it. */
    if (host && host->mem_total_kib)
        mem = MIN(mem, MAX(host->mem_total_kib / 2 / NV_KIB * NV_KIB, NV_VM_MIN_MEMORY_KIB));
    d->memory_kib = MAX(mem - mem % NV_KIB, NV_VM_MIN_MEMORY_KIB);
    guint cpus = os->rec_cpus ? os->rec_cpus : NV_VM_DEFAULT_VCPUS;
    if (host && host->cpus)
        cpus = MIN(cpus, host->cpus);
    d->vcpus = MAX(cpus, 1);
    guint64 disk = os->rec_storage ? os->rec_storage : NV_VM_DEFAULT_DISK;
    /* Whole MiB: the size field shows it exactly. */
    d->disk_bytes = MAX((disk + NV_MIB - 1) / NV_MIB * NV_MIB, NV_MIB);
}

NvVmStorage nv_vm_draft_storage(const NvVmDraft *d)
{
    return d->install == NV_VM_INSTALL_IMPORT ? NV_VM_STORAGE_EXISTING : d->storage;
}

char *nv_vm_draft_volume_name(const NvVmDraft *d)
{
    if (*d->volume)
        return g_strdup(d->volume);
    return g_strconcat(d->name, strcmp(d->disk_format, "raw") == 0 ? ".img" : ".qcow2", NULL);
}

/* ---- checks ---- */

static gboolean in_list(const char *s, const char *const *list)
{
    return s && g_strv_contains(list, s);
}

gboolean nv_vm_name_in_model(const NvModel *model, const char *name)
{
    for (guint i = 0; model && model->domains && i < model->domains->len; i++)
        if (g_strcmp0(((NvDomain *)model->domains->pdata[i])->name, name) == 0)
            return TRUE;
    return FALSE;
}

gboolean nv_vm_check_memory(guint64 kib, const NvHost *host, GError **err)
{
    if (kib < NV_VM_MIN_MEMORY_KIB)
        return nv_error_invalid(err, _("at least 16M"));
    if (host && host->mem_total_kib && kib > host->mem_total_kib) {
        g_autofree char *total = nv_format_kib(host->mem_total_kib);
        return nv_error_invalid(err, _("more than the host's %s"), total);
    }
    return TRUE;
}

gboolean nv_vm_check_vcpus(guint vcpus, const NvHost *host, guint max_vcpus, GError **err)
{
    if (vcpus < 1)
        return nv_error_invalid(err, _("at least 1"));
    if (host && host->cpus && vcpus > host->cpus)
        return nv_error_invalid(
            err,
            ngettext("more than the host's %u CPU", "more than the host's %u CPUs", host->cpus),
            host->cpus);
    if (max_vcpus && vcpus > max_vcpus)
        return nv_error_invalid(err, _("more than the hypervisor's limit of %u"), max_vcpus);
    if (vcpus > NV_VM_MAX_VCPUS)
        return nv_error_invalid(err, _("at most %d"), NV_VM_MAX_VCPUS);
    return TRUE;
}

gboolean nv_vm_check_disk_size(guint64 bytes, const NvPool *pool, GError **err)
{
    if (bytes == 0)
        return nv_error_invalid(err, _("a disk needs a size above zero"));
    if (pool && bytes > pool->available) {
        g_autofree char *avail = nv_format_bytes(pool->available);
        return nv_error_invalid(err, _("more than the %s available in pool '%s'"), avail,
                                pool->name);
    }
    return TRUE;
}

static gboolean no_controls(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((guchar)*p < 32 || *p == 127)
            return FALSE;
    return TRUE;
}

/* libvirt refuses '/' in object names; spaces are no use in a device name. */
static gboolean plain_name(const char *s, gsize max)
{
    gsize n = s ? strlen(s) : 0;
    return n > 0 && n <= max && g_utf8_validate(s, -1, NULL) && no_controls(s) &&
           !strpbrk(s, "/ \t");
}

static gboolean plain_word(const char *s)
{
    gsize n = s ? strlen(s) : 0;
    return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

gboolean nv_vm_check_net_source(const char *source, GError **err)
{
    if (!source || !*source)
        return nv_error_invalid(err, _("a value is needed"));
    if (!plain_name(source, 64))
        return nv_error_invalid(err, _("no spaces, '/' or control characters (at most 64 bytes)"));
    return TRUE;
}

gboolean nv_vm_check_path(const char *path, const char *what, GError **err)
{
    if (!path || !*path)
        return nv_error_invalid(err, _("%s: enter a path"), what);
    if (path[0] != '/')
        return nv_error_invalid(err, _("%s: the path must be absolute (start with /)"), what);
    if (strlen(path) > NV_VM_PATH_MAX || !g_utf8_validate(path, -1, NULL) || !no_controls(path))
        return nv_error_invalid(err, _("%s: not a usable path"), what);
    return TRUE;
}

static gboolean check_install(const NvVmDraft *d, GError **err)
{
    switch (d->install) {
    case NV_VM_INSTALL_ISO:
        return nv_vm_check_path(d->media, _("installation media"), err);
    case NV_VM_INSTALL_IMPORT:
        return nv_vm_check_path(d->disk_path, _("disk image"), err);
    case NV_VM_INSTALL_KERNEL:
        if (!nv_vm_check_path(d->kernel, _("kernel"), err))
            return FALSE;
        if (*d->initrd && !nv_vm_check_path(d->initrd, _("initrd"), err))
            return FALSE;
        if (strlen(d->cmdline) > NV_VM_CMDLINE_MAX || !g_utf8_validate(d->cmdline, -1, NULL) ||
            !no_controls(d->cmdline))
            return nv_error_invalid(err,
                                    _("the kernel command line has control characters or is too "
                                      "long"));
        return TRUE;
    case NV_VM_INSTALL_PXE:
        if (d->net == NV_VM_NET_NONE)
            return nv_error_invalid(err, _("network boot needs a network interface"));
        return TRUE;
    case NV_VM_INSTALL_NONE:
        return TRUE;
    }
    return nv_error_invalid(err, _("unknown installation method"));
}

static gboolean check_storage(const NvVmDraft *d, GError **err)
{
    switch (nv_vm_draft_storage(d)) {
    case NV_VM_STORAGE_NEW: {
        if (!plain_name(d->pool, 255))
            return nv_error_invalid(err, _("choose a storage pool for the new volume"));
        g_autofree char *vol = nv_vm_draft_volume_name(d);
        if (!nv_name_check(NV_NAME_VOLUME, vol, err))
            return FALSE;
        if (!nv_vm_check_disk_size(d->disk_bytes, NULL, err))
            return FALSE;
        break;
    }
    case NV_VM_STORAGE_EXISTING:
        if (d->install != NV_VM_INSTALL_IMPORT && !nv_vm_check_path(d->disk_path, _("disk"), err))
            return FALSE;
        break;
    case NV_VM_STORAGE_NONE:
        return TRUE;
    }
    if (!in_list(d->disk_format, formats))
        return nv_error_invalid(err, _("unknown disk format '%s' (qcow2 or raw)"), d->disk_format);
    return TRUE;
}

gboolean nv_vm_draft_check(const NvVmDraft *d, GError **err)
{
    if (!nv_name_check(NV_NAME_DOMAIN, d->name, err))
        return FALSE;
    if (!plain_word(d->virt_type) || !plain_word(d->arch))
        return nv_error_invalid(err,
                                _("the virtualisation type and architecture are not known yet"));
    if (!nv_vm_check_memory(d->memory_kib, NULL, err) || !nv_vm_check_vcpus(d->vcpus, NULL, 0, err))
        return FALSE;
    if (!check_install(d, err) || !check_storage(d, err))
        return FALSE;
    if (!in_list(d->disk_bus, disk_buses))
        return nv_error_invalid(err, _("unknown disk bus '%s'"), d->disk_bus);
    if (!in_list(d->nic_model, nic_models))
        return nv_error_invalid(err, _("unknown NIC model '%s'"), d->nic_model);
    if (d->net != NV_VM_NET_NONE && !nv_vm_check_net_source(d->net_source, err)) {
        g_prefix_error(err, _("network: "));
        return FALSE;
    }
    if (d->uefi && *d->uefi_loader && !nv_vm_check_path(d->uefi_loader, _("UEFI loader"), err))
        return FALSE;
    if (*d->serial_log && !nv_vm_check_path(d->serial_log, _("serial log"), err))
        return FALSE;
    if (strlen(d->os_id) > NV_VM_PATH_MAX || !no_controls(d->os_id))
        return nv_error_invalid(err, _("the OS id is not usable"));
    return TRUE;
}

/* ---- XML ---- */

static xmlNode *add(xmlNode *parent, const char *name)
{
    return xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

/* A child holding text; xmlNewTextChild escapes it. */
static xmlNode *add_text(xmlNode *parent, const char *name, const char *text)
{
    return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

static void set(xmlNode *n, const char *name, const char *value)
{
    xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value);
}

static xmlNode *add_memory(xmlNode *root, const char *name, guint64 kib)
{
    g_autofree char *v = g_strdup_printf("%" G_GUINT64_FORMAT, kib);
    xmlNode *n = add_text(root, name, v);
    set(n, "unit", "KiB");
    return n;
}

static gboolean is_x86(const NvVmDraft *d)
{
    return strcmp(d->arch, "x86_64") == 0 || strcmp(d->arch, "i686") == 0;
}

static const char *target_prefix(const char *bus)
{
    return strcmp(bus, "virtio") == 0 ? "vd" : strcmp(bus, "ide") == 0 ? "hd" : "sd";
}

static void add_metadata(xmlNode *root, const NvVmDraft *d)
{
    if (!*d->os_id)
        return;
    /* virt-manager and virt-install record the OS the same way, so they read it too. */
    xmlNode *meta = add(root, "metadata");
    xmlNode *info = xmlNewChild(meta, NULL, (const xmlChar *)"libosinfo", NULL);
    xmlNs *ns = xmlNewNs(info, (const xmlChar *)NV_OSINFO_NS, (const xmlChar *)"libosinfo");
    xmlSetNs(info, ns);
    xmlNode *os = xmlNewChild(info, ns, (const xmlChar *)"os", NULL);
    set(os, "id", d->os_id);
}

static void add_os(xmlNode *root, const NvVmDraft *d)
{
    xmlNode *os = add(root, "os");
    if (d->uefi && !*d->uefi_loader)
        set(os, "firmware", "efi");
    xmlNode *type = add_text(os, "type", "hvm");
    set(type, "arch", d->arch);
    if (d->uefi && *d->uefi_loader) {
        xmlNode *loader = add_text(os, "loader", d->uefi_loader);
        set(loader, "readonly", "yes");
        set(loader, "type", "pflash");
    }
    switch (d->install) {
    case NV_VM_INSTALL_KERNEL:
        add_text(os, "kernel", d->kernel);
        if (*d->initrd)
            add_text(os, "initrd", d->initrd);
        if (*d->cmdline)
            add_text(os, "cmdline", d->cmdline);
        return;
    case NV_VM_INSTALL_ISO:
        set(add(os, "boot"), "dev", "cdrom");
        break;
    case NV_VM_INSTALL_PXE:
        set(add(os, "boot"), "dev", "network");
        break;
    case NV_VM_INSTALL_IMPORT:
    case NV_VM_INSTALL_NONE:
        break;
    }
    set(add(os, "boot"), "dev", "hd");
}

static void add_cpu(xmlNode *root, const NvVmDraft *d)
{
    if (d->cpu == NV_VM_CPU_DEFAULT)
        return;
    xmlNode *cpu = add(root, "cpu");
    set(cpu, "mode", d->cpu == NV_VM_CPU_HOST_PASSTHROUGH ? "host-passthrough" : "host-model");
}

static void add_disk(xmlNode *devices, const NvVmDraft *d)
{
    NvVmStorage storage = nv_vm_draft_storage(d);
    if (storage == NV_VM_STORAGE_NONE)
        return;
    xmlNode *disk = add(devices, "disk");
    xmlNode *driver = NULL;
    if (storage == NV_VM_STORAGE_NEW) {
        /* By pool and name: the XML is complete before the volume (and its path) exists. */
        set(disk, "type", "volume");
        set(disk, "device", "disk");
        driver = add(disk, "driver");
        g_autofree char *vol = nv_vm_draft_volume_name(d);
        xmlNode *src = add(disk, "source");
        set(src, "pool", d->pool);
        set(src, "volume", vol);
    } else {
        gboolean block = g_str_has_prefix(d->disk_path, "/dev/");
        set(disk, "type", block ? "block" : "file");
        set(disk, "device", "disk");
        driver = add(disk, "driver");
        set(add(disk, "source"), block ? "dev" : "file", d->disk_path);
    }
    set(driver, "name", "qemu");
    set(driver, "type", d->disk_format);
    g_autofree char *dev = g_strconcat(target_prefix(d->disk_bus), "a", NULL);
    xmlNode *target = add(disk, "target");
    set(target, "dev", dev);
    set(target, "bus", d->disk_bus);
}

static void add_cdrom(xmlNode *devices, const NvVmDraft *d)
{
    if (d->install != NV_VM_INSTALL_ISO)
        return;
    /* IDE is what every x86 installer can boot from on the default (i440fx) machine; other
     * architectures have no IDE and get SCSI. */
    const char *bus = is_x86(d) ? "ide" : "scsi";
    gboolean shares_bus = nv_vm_draft_storage(d) != NV_VM_STORAGE_NONE &&
                          strcmp(target_prefix(d->disk_bus), target_prefix(bus)) == 0;
    xmlNode *disk = add(devices, "disk");
    set(disk, "type", "file");
    set(disk, "device", "cdrom");
    xmlNode *driver = add(disk, "driver");
    set(driver, "name", "qemu");
    set(driver, "type", "raw");
    set(add(disk, "source"), "file", d->media);
    g_autofree char *dev = g_strconcat(target_prefix(bus), shares_bus ? "b" : "a", NULL);
    xmlNode *target = add(disk, "target");
    set(target, "dev", dev);
    set(target, "bus", bus);
    add(disk, "readonly");
}

static void add_nic(xmlNode *devices, const NvVmDraft *d)
{
    static const char *const types[] = {"network", "bridge", "direct"};
    if (d->net == NV_VM_NET_NONE)
        return;
    xmlNode *nic = add(devices, "interface");
    set(nic, "type", types[d->net]);
    xmlNode *src = add(nic, "source");
    if (d->net == NV_VM_NET_NETWORK) {
        set(src, "network", d->net_source);
    } else if (d->net == NV_VM_NET_BRIDGE) {
        set(src, "bridge", d->net_source);
    } else {
        set(src, "dev", d->net_source);
        set(src, "mode", "bridge");
    }
    set(add(nic, "model"), "type", d->nic_model);
}

static void add_consoles(xmlNode *devices, const NvVmDraft *d)
{
    xmlNode *serial = add(devices, "serial");
    set(serial, "type", "pty");
    if (*d->serial_log) {
        xmlNode *log = add(serial, "log");
        set(log, "file", d->serial_log);
        set(log, "append", "off");
    }
    set(add(serial, "target"), "port", "0");
    xmlNode *console = add(devices, "console");
    set(console, "type", "pty");
    xmlNode *target = add(console, "target");
    set(target, "type", "serial");
    set(target, "port", "0");
}

static void add_graphics(xmlNode *devices, const NvVmDraft *d)
{
    if (!d->vnc)
        return;
    /* Loopback only: on a server the display is reached through an SSH tunnel, never left open
     * to the network without a password. */
    xmlNode *g = add(devices, "graphics");
    set(g, "type", "vnc");
    set(g, "autoport", "yes");
    set(g, "listen", "127.0.0.1");
    xmlNode *listen = add(g, "listen");
    set(listen, "type", "address");
    set(listen, "address", "127.0.0.1");
    set(add(add(devices, "video"), "model"), "type", "vga");
    /* An absolute pointer, so the VNC view's mouse lands where it points. */
    xmlNode *tablet = add(devices, "input");
    set(tablet, "type", "tablet");
    set(tablet, "bus", "usb");
}

static char *dump(xmlDoc *doc, xmlNode *node)
{
    xmlBuffer *buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, node, 0, 1);
    g_autofree char *body = g_strdup((const char *)xmlBufferContent(buf));
    xmlBufferFree(buf);
    return g_strconcat(body, "\n", NULL);
}

char *nv_vm_draft_xml(const NvVmDraft *d, GError **err)
{
    if (!nv_vm_draft_check(d, err))
        return NULL;
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *root = xmlNewNode(NULL, (const xmlChar *)"domain");
    xmlDocSetRootElement(doc, root);
    set(root, "type", d->virt_type);
    add_text(root, "name", d->name);
    add_metadata(root, d);
    add_memory(root, "memory", d->memory_kib);
    add_memory(root, "currentMemory", d->memory_kib);
    g_autofree char *vcpus = g_strdup_printf("%u", d->vcpus);
    add_text(root, "vcpu", vcpus);
    add_os(root, d);
    if (is_x86(d)) {
        xmlNode *features = add(root, "features");
        add(features, "acpi");
        add(features, "apic");
    }
    add_cpu(root, d);
    set(add(root, "clock"), "offset", d->clock_localtime ? "localtime" : "utc");
    /* A guest that powers off is gone until started again (no reboot loop after an install). */
    add_text(root, "on_poweroff", "destroy");
    add_text(root, "on_reboot", "restart");
    add_text(root, "on_crash", "destroy");
    xmlNode *devices = add(root, "devices");
    add_disk(devices, d);
    add_cdrom(devices, d);
    add_nic(devices, d);
    add_consoles(devices, d);
    add_graphics(devices, d);
    return dump(doc, root);
}

char *nv_vm_draft_volume_xml(const NvVmDraft *d, GError **err)
{
    if (nv_vm_draft_storage(d) != NV_VM_STORAGE_NEW)
        return NULL;
    if (!nv_vm_draft_check(d, err))
        return NULL;
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *vol = xmlNewNode(NULL, (const xmlChar *)"volume");
    xmlDocSetRootElement(doc, vol);
    g_autofree char *name = nv_vm_draft_volume_name(d);
    add_text(vol, "name", name);
    g_autofree char *cap = g_strdup_printf("%" G_GUINT64_FORMAT, d->disk_bytes);
    set(add_text(vol, "capacity", cap), "unit", "bytes");
    /* Sparse: the space is taken as the guest writes. */
    set(add_text(vol, "allocation", "0"), "unit", "bytes");
    set(add(add(vol, "target"), "format"), "type", d->disk_format);
    return dump(doc, vol);
}

/* ---- the summary's words ---- */

/* One whole phrase per case, for translators. */
static char *kernel_text(const NvVmDraft *d)
{
    if (*d->initrd && *d->cmdline)
        return g_strdup_printf(_("boot the kernel %s with initrd %s, command line: %s"), d->kernel,
                               d->initrd, d->cmdline);
    if (*d->initrd)
        return g_strdup_printf(_("boot the kernel %s with initrd %s"), d->kernel, d->initrd);
    if (*d->cmdline)
        return g_strdup_printf(_("boot the kernel %s, command line: %s"), d->kernel, d->cmdline);
    return g_strdup_printf(_("boot the kernel %s"), d->kernel);
}

static char *install_text(const NvVmDraft *d)
{
    switch (d->install) {
    case NV_VM_INSTALL_ISO:
        return g_strdup_printf(_("boot the installer %s"), d->media);
    case NV_VM_INSTALL_IMPORT:
        return g_strdup_printf(_("import the disk image %s"), d->disk_path);
    case NV_VM_INSTALL_KERNEL:
        return kernel_text(d);
    case NV_VM_INSTALL_PXE:
        return g_strdup(_("boot from the network (PXE)"));
    case NV_VM_INSTALL_NONE:
        break;
    }
    return g_strdup(_("no media: boot from the disk"));
}

static char *storage_text(const NvVmDraft *d)
{
    switch (nv_vm_draft_storage(d)) {
    case NV_VM_STORAGE_NEW: {
        g_autofree char *vol = nv_vm_draft_volume_name(d);
        g_autofree char *size = nv_format_bytes(d->disk_bytes);
        return g_strdup_printf(_("new %s volume %s of %s in pool %s (%s bus)"), d->disk_format, vol,
                               size, d->pool, d->disk_bus);
    }
    case NV_VM_STORAGE_EXISTING:
        return g_strdup_printf(_("%s (%s, %s bus)"), d->disk_path, d->disk_format, d->disk_bus);
    case NV_VM_STORAGE_NONE:
        break;
    }
    return g_strdup(_("none"));
}

static char *net_text(const NvVmDraft *d)
{
    switch (d->net) {
    case NV_VM_NET_NETWORK:
        return g_strdup_printf(_("virtual network %s (%s)"), d->net_source, d->nic_model);
    case NV_VM_NET_BRIDGE:
        return g_strdup_printf(_("host bridge %s (%s)"), d->net_source, d->nic_model);
    case NV_VM_NET_MACVTAP:
        return g_strdup_printf(_("macvtap on %s (%s)"), d->net_source, d->nic_model);
    case NV_VM_NET_NONE:
        break;
    }
    return g_strdup(_("none"));
}

char *nv_vm_draft_describe(const NvVmDraft *d)
{
    static const char *const cpu_modes[] = {N_("hypervisor default"), "host-passthrough",
                                            "host-model"};
    GString *s = g_string_new("");
    g_autofree char *mem = nv_format_kib(d->memory_kib);
    g_autofree char *install = install_text(d);
    g_autofree char *storage = storage_text(d);
    g_autofree char *net = net_text(d);
    /* English keeps "1 vCPUs" (the end-to-end test reads this line); other languages get
     * their plural forms. */
    g_string_append_printf(s,
                           ngettext("Virtual machine %s (%s, %s): %u vCPUs, %s memory, %s\n",
                                    "Virtual machine %s (%s, %s): %u vCPUs, %s memory, %s\n",
                                    d->vcpus),
                           d->name, d->virt_type, d->arch, d->vcpus, mem, d->os_name);
    g_string_append_printf(s, _("  Install:  %s\n"), install);
    g_string_append_printf(s, _("  Disk:     %s\n"), storage);
    g_string_append_printf(s, _("  Network:  %s\n"), net);
    g_string_append_printf(s, _("  Firmware: %s; CPU: %s; graphics: %s\n"),
                           d->uefi ? "UEFI" : "BIOS", _(cpu_modes[d->cpu]),
                           d->vnc ? _("VNC on 127.0.0.1") : _("none"));
    if (*d->serial_log)
        g_string_append_printf(s, _("  Console:  serial (pty), copied to %s\n"), d->serial_log);
    else
        g_string_append(s, _("  Console:  serial (pty)\n"));
    g_string_append_printf(s, "  %s\n",
                           d->customize ? _("Then: defined only; the details editor opens "
                                            "(customize before install)")
                                        : _("Then: started"));
    return g_string_free(s, FALSE);
}
