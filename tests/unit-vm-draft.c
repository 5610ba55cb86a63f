/* Unit tests of the new-VM draft (src/vm-draft.c), the host offer it is built against
 * (src/vm-caps.c) and the OS database behind it (src/vm-os.c): every install method and option
 * combination turned into domain XML and compared with tests/xml/vm-<case>.xml, the checks on
 * each value, and OS defaults. NCVIRT_REGEN_GOLDEN=1 rewrites the golden files: review each. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "error.h"
#include "names.h"
#include "model.h"
#include "vm-caps.h"
#include "vm-draft.h"
#include "vm-os.h"

#define MIB (1024ULL * 1024)
#define GIB (1024ULL * 1024 * 1024)

/* ---- data files ---- */

static char *data_path(const char *name, const char *ext)
{
    const char *dir = g_getenv("NCVIRT_TESTDIR");
    g_autofree char *file = g_strconcat(name, ext, NULL);
    return g_build_filename(dir ? dir : "tests", "xml", file, NULL);
}

static char *read_data(const char *name, const char *ext)
{
    g_autofree char *path = data_path(name, ext);
    g_autoptr(GError) err = NULL;
    char *text = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err))
        ck_abort_msg("cannot read %s: %s", path, err->message);
    return text;
}

static char *first_difference(const char *want, const char *got)
{
    g_auto(GStrv) a = g_strsplit(want, "\n", -1);
    g_auto(GStrv) b = g_strsplit(got, "\n", -1);
    for (guint i = 0;; i++)
        if (!a[i] || !b[i] || strcmp(a[i], b[i]) != 0)
            return g_strdup_printf("line %u: expected '%s', got '%s'", i + 1, a[i] ? a[i] : "(end)",
                                   b[i] ? b[i] : "(end)");
}

static void compare_golden(const char *name, const char *got)
{
    if (g_strcmp0(g_getenv("NCVIRT_REGEN_GOLDEN"), "1") == 0) {
        g_autofree char *path = data_path(name, ".xml");
        ck_assert_msg(g_file_set_contents(path, got, -1, NULL), "cannot write %s", path);
        return;
    }
    g_autofree char *want = read_data(name, ".xml");
    if (strcmp(want, got) != 0) {
        g_autofree char *diff = first_difference(want, got);
        ck_abort_msg("%s.xml differs, %s", name, diff);
    }
}

/* ---- OSes without the database: the tests must not depend on its version ---- */

static NvOsInfo *os_linux(void)
{
    NvOsInfo *os = nv_os_info_generic();
    g_free(os->short_id);
    g_free(os->name);
    g_free(os->id);
    g_free(os->family);
    os->short_id = g_strdup("debian11");
    os->name = g_strdup("Debian 11");
    os->id = g_strdup("http://debian.org/debian/11");
    os->family = g_strdup("linux");
    os->rec_ram = 1 * GIB;
    os->min_ram = 1 * GIB;
    os->rec_storage = 20 * GIB;
    os->rec_cpus = 0;
    return os;
}

/* Windows 10: no virtio drivers in the installer, ICH9 (SATA), local-time clock. */
static NvOsInfo *os_windows(void)
{
    NvOsInfo *os = os_linux();
    g_free(os->short_id);
    g_free(os->name);
    g_free(os->id);
    g_free(os->family);
    os->short_id = g_strdup("win10");
    os->name = g_strdup("Microsoft Windows 10");
    os->id = g_strdup("http://microsoft.com/win/10");
    os->family = g_strdup("winnt");
    os->virtio_disk = os->virtio_net = FALSE;
    os->sata = TRUE;
    os->rec_ram = 2 * GIB;
    os->rec_storage = 32 * GIB;
    return os;
}

/* Windows 2000: IDE only. */
static NvOsInfo *os_legacy(void)
{
    NvOsInfo *os = os_windows();
    g_free(os->short_id);
    g_free(os->name);
    g_free(os->id);
    os->short_id = g_strdup("win2k");
    os->name = g_strdup("Microsoft Windows 2000");
    os->id = g_strdup("http://microsoft.com/win/2k");
    os->sata = FALSE;
    return os;
}

static NvVmDraft *base_draft(const char *name)
{
    NvVmDraft *d = nv_vm_draft_new();
    g_autoptr(NvOsInfo) os = os_linux();
    nv_vm_draft_set_os(d, os, NULL, FALSE);
    nv_vm_draft_set(&d->name, name);
    nv_vm_draft_set(&d->virt_type, "kvm");
    nv_vm_draft_set(&d->arch, "x86_64");
    d->memory_kib = 2 * MIB;
    d->vcpus = 2;
    nv_vm_draft_set(&d->pool, "default");
    d->disk_bytes = 20 * GIB;
    nv_vm_draft_set(&d->net_source, "default");
    return d;
}

/* ---- golden cases ---- */

typedef struct {
    const char *name;
    NvVmDraft *(*make)(void);
} Golden;

static NvVmDraft *iso_qcow2_network_vnc_bios(void)
{
    NvVmDraft *d = base_draft("web-01");
    d->install = NV_VM_INSTALL_ISO;
    nv_vm_draft_set(&d->media, "/var/lib/libvirt/images/debian-11.5.0-amd64-netinst.iso");
    d->storage = NV_VM_STORAGE_NEW;
    nv_vm_draft_set(&d->disk_format, "qcow2");
    d->net = NV_VM_NET_NETWORK;
    d->vnc = TRUE;
    d->cpu = NV_VM_CPU_HOST_PASSTHROUGH;
    return d;
}

static NvVmDraft *import_raw_bridge(void)
{
    NvVmDraft *d = base_draft("db-01");
    d->install = NV_VM_INSTALL_IMPORT;
    nv_vm_draft_set(&d->disk_path, "/srv/images/db-01.img");
    nv_vm_draft_set(&d->disk_format, "raw");
    d->storage = NV_VM_STORAGE_NONE; /* ignored: import uses the image */
    d->net = NV_VM_NET_BRIDGE;
    nv_vm_draft_set(&d->net_source, "br0");
    nv_vm_draft_set(&d->virt_type, "qemu");
    d->vnc = TRUE;
    return d;
}

static NvVmDraft *kernel_nographics(void)
{
    NvVmDraft *d = base_draft("kboot");
    d->install = NV_VM_INSTALL_KERNEL;
    nv_vm_draft_set(&d->kernel, "/var/cache/guest/vmlinuz");
    nv_vm_draft_set(&d->initrd, "/var/cache/guest/initramfs.gz");
    nv_vm_draft_set(&d->cmdline, "console=ttyS0");
    d->storage = NV_VM_STORAGE_NEW;
    d->disk_bytes = 64 * MIB;
    nv_vm_draft_set(&d->pool, "nvtest");
    d->net = NV_VM_NET_NONE;
    d->vnc = FALSE;
    nv_vm_draft_set(&d->virt_type, "qemu");
    d->memory_kib = 256 * 1024;
    d->vcpus = 1;
    nv_vm_draft_set(&d->serial_log, "/var/log/libvirt/qemu/kboot-serial.log");
    return d;
}

static NvVmDraft *pxe_macvtap(void)
{
    NvVmDraft *d = base_draft("pxe-01");
    d->install = NV_VM_INSTALL_PXE;
    d->storage = NV_VM_STORAGE_NEW;
    nv_vm_draft_set(&d->volume, "pxe-01-root.qcow2");
    d->net = NV_VM_NET_MACVTAP;
    nv_vm_draft_set(&d->net_source, "eno1");
    d->cpu = NV_VM_CPU_HOST_MODEL;
    d->vnc = FALSE;
    return d;
}

static NvVmDraft *none_uefi(void)
{
    NvVmDraft *d = base_draft("efi-01");
    d->install = NV_VM_INSTALL_NONE;
    d->storage = NV_VM_STORAGE_EXISTING;
    nv_vm_draft_set(&d->disk_path, "/dev/vg0/efi-01");
    nv_vm_draft_set(&d->disk_format, "raw");
    d->uefi = TRUE;
    return d;
}

static NvVmDraft *uefi_loader(void)
{
    NvVmDraft *d = none_uefi();
    nv_vm_draft_set(&d->name, "efi-02");
    nv_vm_draft_set(&d->uefi_loader, "/usr/share/OVMF/OVMF_CODE_4M.fd");
    d->storage = NV_VM_STORAGE_NONE;
    d->net = NV_VM_NET_NONE;
    return d;
}

static NvVmDraft *iso_qemu_tcg(void)
{
    NvVmDraft *d = iso_qcow2_network_vnc_bios();
    nv_vm_draft_set(&d->name, "tcg-01");
    nv_vm_draft_set(&d->virt_type, "qemu");
    d->cpu = NV_VM_CPU_DEFAULT;
    d->customize = TRUE; /* changes nothing in the XML */
    return d;
}

static NvVmDraft *windows_sata_e1000(void)
{
    NvVmDraft *d = base_draft("win-01");
    g_autoptr(NvOsInfo) os = os_windows();
    nv_vm_draft_set_os(d, os, NULL, TRUE);
    d->install = NV_VM_INSTALL_ISO;
    nv_vm_draft_set(&d->media, "/srv/iso/Win10_22H2_English_x64.iso");
    d->storage = NV_VM_STORAGE_NEW;
    d->disk_bytes = 64 * GIB;
    return d;
}

static NvVmDraft *legacy_ide(void)
{
    NvVmDraft *d = base_draft("w2k");
    g_autoptr(NvOsInfo) os = os_legacy();
    nv_vm_draft_set_os(d, os, NULL, TRUE);
    d->install = NV_VM_INSTALL_ISO;
    nv_vm_draft_set(&d->media, "/srv/iso/w2k.iso");
    d->storage = NV_VM_STORAGE_NEW;
    nv_vm_draft_set(&d->disk_format, "raw");
    d->memory_kib = 256 * 1024;
    d->vcpus = 1;
    nv_vm_draft_set(&d->virt_type, "qemu");
    return d;
}

/* Values that XML must escape, in every place a user's text lands. */
static NvVmDraft *escaping(void)
{
    NvVmDraft *d = base_draft("odd.name+1");
    d->install = NV_VM_INSTALL_KERNEL;
    nv_vm_draft_set(&d->kernel, "/srv/k&r/\"vmlinuz\"");
    nv_vm_draft_set(&d->initrd, "");
    nv_vm_draft_set(&d->cmdline, "console=ttyS0 x='<a>' & y=\"b\"");
    d->storage = NV_VM_STORAGE_EXISTING;
    nv_vm_draft_set(&d->disk_path, "/srv/img/<odd> & 'x'.qcow2");
    d->net = NV_VM_NET_NETWORK;
    nv_vm_draft_set(&d->net_source, "net&<1>");
    d->vnc = FALSE;
    return d;
}

static NvVmDraft *generic_os(void)
{
    NvVmDraft *d = nv_vm_draft_new();
    nv_vm_draft_set(&d->name, "plain");
    nv_vm_draft_set(&d->virt_type, "test");
    nv_vm_draft_set(&d->arch, "i686");
    d->install = NV_VM_INSTALL_NONE;
    d->storage = NV_VM_STORAGE_NEW;
    nv_vm_draft_set(&d->pool, "default-pool");
    d->net = NV_VM_NET_NONE;
    d->vnc = FALSE;
    return d;
}

static const Golden goldens[] = {
    {"vm-iso-qcow2-network-vnc-bios", iso_qcow2_network_vnc_bios},
    {"vm-import-raw-bridge", import_raw_bridge},
    {"vm-kernel-nographics", kernel_nographics},
    {"vm-pxe-macvtap", pxe_macvtap},
    {"vm-none-uefi", none_uefi},
    {"vm-uefi-loader", uefi_loader},
    {"vm-iso-qemu-tcg", iso_qemu_tcg},
    {"vm-windows-sata-e1000", windows_sata_e1000},
    {"vm-legacy-ide", legacy_ide},
    {"vm-escaping", escaping},
    {"vm-generic-os", generic_os},
};

START_TEST(test_golden)
{
    const Golden *g = &goldens[_i];
    g_autoptr(NvVmDraft) d = g->make();
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_vm_draft_xml(d, &err);
    ck_assert_msg(xml != NULL, "%s: %s", g->name, err ? err->message : "no error set");
    compare_golden(g->name, xml);
    /* The summary's words exist for every case and name the VM. */
    g_autofree char *text = nv_vm_draft_describe(d);
    ck_assert_ptr_nonnull(strstr(text, d->name));
}
END_TEST

START_TEST(test_volume_xml)
{
    g_autoptr(NvVmDraft) d = kernel_nographics();
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_vm_draft_volume_xml(d, &err);
    ck_assert_msg(xml != NULL, "%s", err ? err->message : "");
    compare_golden("vm-volume-kboot", xml);

    /* The default name follows the format; a draft without a new volume makes none. */
    nv_vm_draft_set(&d->disk_format, "raw");
    g_autofree char *raw = nv_vm_draft_volume_name(d);
    ck_assert_str_eq(raw, "kboot.img");
    d->storage = NV_VM_STORAGE_EXISTING;
    nv_vm_draft_set(&d->disk_path, "/srv/x.img");
    ck_assert_ptr_null(nv_vm_draft_volume_xml(d, &err));
    ck_assert_ptr_null(err);
    g_autoptr(NvVmDraft) imp = import_raw_bridge();
    imp->storage = NV_VM_STORAGE_NEW; /* import never makes a volume */
    ck_assert_ptr_null(nv_vm_draft_volume_xml(imp, &err));
    ck_assert_ptr_null(err);
}
END_TEST

START_TEST(test_draft_copy)
{
    g_autoptr(NvVmDraft) d = iso_qcow2_network_vnc_bios();
    g_autoptr(NvVmDraft) c = nv_vm_draft_copy(d);
    nv_vm_draft_set(&d->name, "changed");
    ck_assert_str_eq(c->name, "web-01");
    ck_assert_str_eq(c->media, d->media);
    ck_assert_ptr_ne(c->media, d->media);
}
END_TEST

/* ---- checks ---- */

typedef struct {
    const char *name;
    gboolean ok;
} NameCase;

static const NameCase names[] = {
    {"web-01", TRUE},       {"a", TRUE},    {"vm_1.test+x", TRUE}, {"", FALSE},
    {"a b", FALSE},         {"-rf", FALSE}, {".hidden", FALSE},    {"x;rm", FALSE},
    {"caf\xc3\xa9", FALSE}, {"a/b", FALSE}, {"tab\t", FALSE},      {"x'y", FALSE},
};

START_TEST(test_names)
{
    const NameCase *c = &names[_i];
    g_autoptr(GError) err = NULL;
    gboolean ok = nv_name_check(NV_NAME_DOMAIN, c->name, &err);
    ck_assert_msg(ok == c->ok, "'%s': expected %s", c->name, c->ok ? "valid" : "invalid");
    if (!ok)
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
}
END_TEST

START_TEST(test_name_length)
{
    g_autofree char *long_name = g_strnfill(101, 'a');
    ck_assert(!nv_name_check(NV_NAME_DOMAIN, long_name, NULL));
    long_name[100] = '\0';
    ck_assert(nv_name_check(NV_NAME_DOMAIN, long_name, NULL));
}
END_TEST

START_TEST(test_name_in_model)
{
    NvModel m = {0};
    m.domains = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    NvDomain *dom = g_new0(NvDomain, 1);
    dom->name = g_strdup("web-01");
    dom->uuid = g_strdup("u");
    dom->title = g_strdup("");
    g_ptr_array_add(m.domains, dom);
    ck_assert(nv_vm_name_in_model(&m, "web-01"));
    ck_assert(!nv_vm_name_in_model(&m, "web-02"));
    ck_assert(!nv_vm_name_in_model(NULL, "web-01"));
    g_ptr_array_unref(m.domains);
}
END_TEST

START_TEST(test_memory_vcpus_limits)
{
    NvHost host = {.cpus = 4, .mem_total_kib = 8 * MIB};
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_vm_check_memory(0, &host, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "16M"));
    g_clear_error(&err);
    ck_assert(!nv_vm_check_memory(15 * 1024, &host, NULL));
    ck_assert(nv_vm_check_memory(16 * 1024, &host, NULL));
    ck_assert(nv_vm_check_memory(8 * MIB, &host, NULL));
    ck_assert(!nv_vm_check_memory(8 * MIB + 1024, &host, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "host"));
    g_clear_error(&err);
    ck_assert(nv_vm_check_memory(64 * MIB, NULL, NULL));

    ck_assert(!nv_vm_check_vcpus(0, &host, 0, NULL));
    ck_assert(nv_vm_check_vcpus(4, &host, 0, NULL));
    ck_assert(!nv_vm_check_vcpus(5, &host, 0, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "4 CPUs"));
    g_clear_error(&err);
    ck_assert(!nv_vm_check_vcpus(3, &host, 2, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "limit of 2"));
    ck_assert(nv_vm_check_vcpus(64, NULL, 0, NULL));
}
END_TEST

START_TEST(test_disk_size)
{
    g_autoptr(NvPool) pool = nv_pool_new();
    nv_vm_draft_set(&pool->name, "default");
    pool->available = 10 * GIB;
    g_autoptr(GError) err = NULL;
    ck_assert(nv_vm_check_disk_size(10 * GIB, pool, NULL));
    ck_assert(!nv_vm_check_disk_size(10 * GIB + 1, pool, &err));
    ck_assert_ptr_nonnull(strstr(err->message, "'default'"));
    ck_assert(!nv_vm_check_disk_size(0, pool, NULL));
    ck_assert(nv_vm_check_disk_size(1 * GIB, NULL, NULL));
}
END_TEST

START_TEST(test_net_source_and_paths)
{
    ck_assert(nv_vm_check_net_source("default", NULL));
    ck_assert(nv_vm_check_net_source("br0.100", NULL));
    ck_assert(!nv_vm_check_net_source("", NULL));
    ck_assert(!nv_vm_check_net_source("br 0", NULL));
    ck_assert(!nv_vm_check_net_source("a/b", NULL));
    ck_assert(nv_vm_check_path("/srv/x.iso", "media", NULL));
    ck_assert(!nv_vm_check_path("srv/x.iso", "media", NULL));
    ck_assert(!nv_vm_check_path("", "media", NULL));
    ck_assert(!nv_vm_check_path("/srv/a\nb", "media", NULL));
}
END_TEST

/* A draft that is wrong in one way: `message` is a piece of the error. */
typedef struct {
    const char *label;
    void (*spoil)(NvVmDraft *d);
    const char *message;
} BadDraft;

static void no_media(NvVmDraft *d)
{
    nv_vm_draft_set(&d->media, "");
}

static void relative_media(NvVmDraft *d)
{
    nv_vm_draft_set(&d->media, "isos/x.iso");
}

static void kernel_missing(NvVmDraft *d)
{
    d->install = NV_VM_INSTALL_KERNEL;
}

static void cmdline_control(NvVmDraft *d)
{
    d->install = NV_VM_INSTALL_KERNEL;
    nv_vm_draft_set(&d->kernel, "/boot/vmlinuz");
    nv_vm_draft_set(&d->cmdline, "console=ttyS0\x1b[2J");
}

static void pxe_without_nic(NvVmDraft *d)
{
    d->install = NV_VM_INSTALL_PXE;
    d->net = NV_VM_NET_NONE;
}

static void import_without_image(NvVmDraft *d)
{
    d->install = NV_VM_INSTALL_IMPORT;
}

static void bad_name(NvVmDraft *d)
{
    nv_vm_draft_set(&d->name, "web 01");
}

static void no_pool(NvVmDraft *d)
{
    nv_vm_draft_set(&d->pool, "");
}

static void zero_disk(NvVmDraft *d)
{
    d->disk_bytes = 0;
}

static void bad_format(NvVmDraft *d)
{
    nv_vm_draft_set(&d->disk_format, "vmdk");
}

static void existing_without_path(NvVmDraft *d)
{
    d->storage = NV_VM_STORAGE_EXISTING;
}

static void bad_bridge(NvVmDraft *d)
{
    d->net = NV_VM_NET_BRIDGE;
    nv_vm_draft_set(&d->net_source, "br0; reboot");
}

static void zero_memory(NvVmDraft *d)
{
    d->memory_kib = 0;
}

static void zero_vcpus(NvVmDraft *d)
{
    d->vcpus = 0;
}

static void no_virt_type(NvVmDraft *d)
{
    nv_vm_draft_set(&d->virt_type, "");
}

static void relative_log(NvVmDraft *d)
{
    nv_vm_draft_set(&d->serial_log, "serial.log");
}

static const BadDraft bad_drafts[] = {
    {"ISO without media", no_media, "installation media"},
    {"relative media path", relative_media, "absolute"},
    {"kernel boot without kernel", kernel_missing, "kernel"},
    {"control characters in the command line", cmdline_control, "command line"},
    {"PXE without a NIC", pxe_without_nic, "network interface"},
    {"import without an image", import_without_image, "disk image"},
    {"bad name", bad_name, "name"},
    {"new volume without a pool", no_pool, "pool"},
    {"zero-sized disk", zero_disk, "size"},
    {"unknown format", bad_format, "vmdk"},
    {"existing disk without a path", existing_without_path, "disk"},
    {"bridge name with spaces", bad_bridge, "network"},
    {"no memory", zero_memory, "16M"},
    {"no vCPUs", zero_vcpus, "at least 1"},
    {"no virtualisation type", no_virt_type, "virtualisation type"},
    {"relative serial log", relative_log, "serial log"},
};

START_TEST(test_bad_draft)
{
    const BadDraft *b = &bad_drafts[_i];
    g_autoptr(NvVmDraft) d = iso_qcow2_network_vnc_bios();
    b->spoil(d);
    g_autoptr(GError) err = NULL;
    g_autofree char *xml = nv_vm_draft_xml(d, &err);
    ck_assert_msg(xml == NULL, "%s: XML was made", b->label);
    ck_assert_msg(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID), "%s: wrong error", b->label);
    ck_assert_msg(strstr(err->message, b->message), "%s: '%s' lacks '%s'", b->label, err->message,
                  b->message);
}
END_TEST

/* ---- OS defaults ---- */

START_TEST(test_os_defaults)
{
    g_autoptr(NvVmDraft) d = nv_vm_draft_new();
    ck_assert_str_eq(d->os_short, "generic");
    ck_assert_str_eq(d->disk_bus, "virtio");
    ck_assert_str_eq(d->nic_model, "virtio");

    g_autoptr(NvOsInfo) win = os_windows();
    nv_vm_draft_set_os(d, win, NULL, FALSE);
    ck_assert_str_eq(d->disk_bus, "sata");
    ck_assert_str_eq(d->nic_model, "e1000");
    ck_assert(d->clock_localtime);
    ck_assert_uint_eq(d->memory_kib, 2 * MIB);
    ck_assert_uint_eq(d->disk_bytes, 32 * GIB);
    ck_assert_uint_eq(d->vcpus, 2); /* the OS does not say: the generic default */

    /* A small host caps the recommendation at half its memory and at its CPUs. */
    NvHost host = {.cpus = 1, .mem_total_kib = 3 * MIB};
    nv_vm_draft_set_os(d, win, &host, FALSE);
    ck_assert_uint_eq(d->memory_kib, 3 * MIB / 2);
    ck_assert_uint_eq(d->vcpus, 1);

    /* keep_sizes: the user's numbers stay, the devices follow the OS. */
    d->memory_kib = 512 * 1024;
    g_autoptr(NvOsInfo) old = os_legacy();
    nv_vm_draft_set_os(d, old, &host, TRUE);
    ck_assert_uint_eq(d->memory_kib, 512 * 1024);
    ck_assert_str_eq(d->disk_bus, "ide");
    ck_assert_str_eq(d->os_short, "win2k");
}
END_TEST

/* ---- the host's offer ---- */

START_TEST(test_caps_qemu_host)
{
    g_autofree char *caps_xml = read_data("caps-qemu", ".xml");
    g_autofree char *kvm_xml = read_data("domcaps-kvm", ".xml");
    g_autofree char *qemu_xml = read_data("domcaps-qemu", ".xml");
    g_autoptr(NvVmCaps) caps = nv_vm_caps_new();
    g_autoptr(GError) err = NULL;
    ck_assert_msg(nv_vm_caps_read(caps, caps_xml, "x86_64", &err), "%s", err ? err->message : "");
    ck_assert_str_eq(caps->arch, "x86_64");
    ck_assert_ptr_nonnull(nv_vm_caps_type(caps, "qemu"));
    ck_assert_ptr_nonnull(nv_vm_caps_type(caps, "kvm"));
    ck_assert_str_eq(nv_vm_caps_default_type(caps, TRUE), "kvm");
    ck_assert_str_eq(nv_vm_caps_default_type(caps, FALSE), "qemu");
    /* Before the domain capabilities: every CPU mode may be tried, UEFI is not offered. */
    ck_assert(nv_vm_caps_cpu_mode(caps, "qemu", "host-passthrough"));
    ck_assert(!nv_vm_caps_uefi(caps, "kvm"));

    ck_assert(nv_vm_caps_read_domcaps(caps, kvm_xml, &err));
    ck_assert(nv_vm_caps_read_domcaps(caps, qemu_xml, &err));
    const NvVmVirtType *kvm = nv_vm_caps_type(caps, "kvm");
    const NvVmVirtType *tcg = nv_vm_caps_type(caps, "qemu");
    ck_assert(kvm->known && tcg->known);
    ck_assert_uint_eq(kvm->max_vcpus, 255);
    ck_assert(nv_vm_caps_cpu_mode(caps, "kvm", "host-passthrough"));
    ck_assert(nv_vm_caps_cpu_mode(caps, "kvm", "default"));
    /* TCG cannot pass the host CPU through. */
    ck_assert(!nv_vm_caps_cpu_mode(caps, "qemu", "host-passthrough"));
    /* These hosts have no OVMF: no firmware enum values, no loader paths. */
    ck_assert(!nv_vm_caps_uefi(caps, "kvm"));
    ck_assert(!nv_vm_caps_uefi(caps, "qemu"));
}
END_TEST

START_TEST(test_caps_uefi)
{
    g_autoptr(NvVmCaps) caps = nv_vm_caps_new();
    const char *auto_fw = "<domainCapabilities><domain>kvm</domain><vcpu max='4'/>"
                          "<os supported='yes'><enum name='firmware'><value>bios</value>"
                          "<value>efi</value></enum></os></domainCapabilities>";
    ck_assert(nv_vm_caps_read_domcaps(caps, auto_fw, NULL));
    ck_assert(nv_vm_caps_uefi(caps, "kvm"));
    ck_assert(nv_vm_caps_type(caps, "kvm")->efi_auto);
    const char *loader = "<domainCapabilities><domain>qemu</domain><os supported='yes'>"
                         "<loader supported='yes'>"
                         "<value>/usr/share/OVMF/OVMF_CODE_4M.secboot.fd</value>"
                         "<value>/usr/share/OVMF/OVMF_CODE_4M.fd</value>"
                         "</loader></os></domainCapabilities>";
    ck_assert(nv_vm_caps_read_domcaps(caps, loader, NULL));
    ck_assert(nv_vm_caps_uefi(caps, "qemu"));
    ck_assert_str_eq(nv_vm_caps_type(caps, "qemu")->efi_loader, "/usr/share/OVMF/OVMF_CODE_4M.fd");
    const char *secboot_only = "<domainCapabilities><domain>xen</domain><os supported='yes'>"
                               "<loader supported='yes'>"
                               "<value>/usr/share/OVMF/OVMF_CODE.secboot.fd</value>"
                               "</loader></os></domainCapabilities>";
    ck_assert(nv_vm_caps_read_domcaps(caps, secboot_only, NULL));
    ck_assert(!nv_vm_caps_uefi(caps, "xen"));
}
END_TEST

START_TEST(test_caps_test_driver)
{
    g_autofree char *caps_xml = read_data("caps-test", ".xml");
    g_autoptr(NvVmCaps) caps = nv_vm_caps_new();
    ck_assert(nv_vm_caps_read(caps, caps_xml, "i686", NULL));
    ck_assert_str_eq(caps->arch, "i686");
    ck_assert_str_eq(nv_vm_caps_default_type(caps, TRUE), "test");
    ck_assert(!nv_vm_caps_uefi(caps, "test"));
    ck_assert(nv_vm_caps_cpu_mode(caps, "test", "host-model"));
}
END_TEST

START_TEST(test_caps_hostile)
{
    g_autoptr(NvVmCaps) caps = nv_vm_caps_new();
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_vm_caps_read(caps, "<capabilities/>", "x86_64", &err));
    g_clear_error(&err);
    ck_assert(!nv_vm_caps_read(caps, "<!DOCTYPE capabilities><capabilities/>", "x86_64", &err));
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE));
    g_clear_error(&err);
    /* An architecture that is not a plain word is never put into an XPath expression. */
    ck_assert(!nv_vm_caps_read(caps,
                               "<capabilities><guest><os_type>hvm</os_type>"
                               "<arch name=\"x']|//*|x['\"/></guest></capabilities>",
                               "x86_64", &err));
    g_clear_error(&err);
    ck_assert(!nv_vm_caps_read_domcaps(caps, "<domainCapabilities/>", &err));
    ck_assert(!nv_vm_caps_read_domcaps(caps, "", NULL));
}
END_TEST

/* ---- the OS database (skipped where osinfo-db is not installed) ---- */

static NvOsDb *system_db(void)
{
    g_autoptr(GError) err = NULL;
    NvOsDb *db = nv_os_db_load(NULL, &err);
    ck_assert_msg(db != NULL, "%s", err ? err->message : "");
    return db;
}

START_TEST(test_os_db_missing)
{
    g_autofree char *dir = g_dir_make_tmp("nvosdb-XXXXXX", NULL);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOsDb) db = nv_os_db_load(dir, &err);
    ck_assert_msg(db != NULL, "%s", err ? err->message : "");
    ck_assert_uint_eq(nv_os_db_count(db), 0);
    g_autoptr(GPtrArray) all = nv_os_db_search(db, "", 50);
    ck_assert_uint_eq(all->len, 1);
    ck_assert_str_eq(((NvOsEntry *)all->pdata[0])->short_id, "generic");
    g_autoptr(GPtrArray) none = nv_os_db_search(db, "debian", 50);
    ck_assert_uint_eq(none->len, 0);
    g_autoptr(NvOsInfo) generic = nv_os_db_info(db, "generic", "x86_64");
    ck_assert(generic->virtio_disk);
    ck_assert_ptr_null(nv_os_db_info(db, "debian11", "x86_64"));
    g_rmdir(dir);
    /* No database object at all still offers the fallback. */
    g_autoptr(GPtrArray) fallback = nv_os_db_search(NULL, "gen", 5);
    ck_assert_uint_eq(fallback->len, 1);
}
END_TEST

START_TEST(test_os_db_lookup)
{
    if (!g_file_test("/usr/share/osinfo/os", G_FILE_TEST_IS_DIR))
        return;
    g_autoptr(NvOsDb) db = system_db();
    ck_assert_uint_gt(nv_os_db_count(db), 100);
    g_autoptr(NvOsInfo) deb = nv_os_db_info(db, "debian11", "x86_64");
    ck_assert_ptr_nonnull(deb);
    ck_assert_str_eq(deb->family, "linux");
    ck_assert_str_eq(deb->id, "http://debian.org/debian/11");
    ck_assert(deb->virtio_disk && deb->virtio_net);
    ck_assert_uint_ge(deb->rec_ram, 512 * MIB);
    ck_assert_uint_gt(deb->rec_storage, 0);
    g_autoptr(NvOsInfo) win = nv_os_db_info(db, "win10", "x86_64");
    ck_assert_ptr_nonnull(win);
    ck_assert(!win->virtio_disk && !win->virtio_net);
    ck_assert(win->sata);
    ck_assert_uint_eq(win->rec_ram, 2 * GIB); /* only minimums: they serve as defaults */
    g_autoptr(NvOsInfo) w2k = nv_os_db_info(db, "win2k", "i686");
    ck_assert_ptr_nonnull(w2k);
    ck_assert(!w2k->sata);

    g_autoptr(GPtrArray) hits = nv_os_db_search(db, "Debian 11", 10);
    gboolean found = FALSE;
    for (guint i = 0; i < hits->len; i++)
        found |= strcmp(((NvOsEntry *)hits->pdata[i])->short_id, "debian11") == 0;
    ck_assert(found);
    g_autoptr(GPtrArray) few = nv_os_db_search(db, "", 5);
    ck_assert_uint_eq(few->len, 5);
    ck_assert_str_eq(((NvOsEntry *)few->pdata[0])->short_id, "generic");
}
END_TEST

/* An ISO 9660 image with just a primary volume descriptor: what libosinfo reads to identify. */
static char *write_fake_iso(const char *volume_id)
{
    g_autofree char *dir = g_dir_make_tmp("nviso-XXXXXX", NULL);
    char *path = g_build_filename(dir, "media.iso", NULL);
    gsize size = 16 * 2048 + 4 * 2048;
    g_autofree guchar *buf = g_malloc0(size);
    guchar *pvd = buf + 16 * 2048;
    pvd[0] = 1;
    memcpy(pvd + 1, "CD001", 5);
    pvd[6] = 1;
    memset(pvd + 8, ' ', 32);
    memcpy(pvd + 8, "LINUX", 5);
    memset(pvd + 40, ' ', 32);
    memcpy(pvd + 40, volume_id, strlen(volume_id));
    guint32 blocks = (guint32)(size / 2048);
    pvd[80] = blocks & 0xff; /* both-endian 32-bit */
    pvd[87] = blocks & 0xff;
    pvd[128] = 0x00; /* logical block size 2048, both-endian 16-bit */
    pvd[129] = 0x08;
    pvd[130] = 0x08;
    memset(pvd + 318, ' ', 128 * 2);
    guchar *boot = buf + 17 * 2048; /* El Torito boot record */
    memcpy(boot + 1, "CD001", 5);
    boot[6] = 1;
    memcpy(boot + 7, "EL TORITO SPECIFICATION", 23);
    guchar *term = buf + 18 * 2048;
    term[0] = 255;
    memcpy(term + 1, "CD001", 5);
    term[6] = 1;
    ck_assert(g_file_set_contents(path, (const char *)buf, (gssize)size, NULL));
    return path;
}

static void remove_fake_iso(const char *path)
{
    g_autofree char *dir = g_path_get_dirname(path);
    g_unlink(path);
    g_rmdir(dir);
}

START_TEST(test_os_detect)
{
    if (!g_file_test("/usr/share/osinfo/os", G_FILE_TEST_IS_DIR))
        return;
    g_autoptr(NvOsDb) db = system_db();
    g_autofree char *iso = write_fake_iso("Debian 11.5.0 amd64 n");
    g_autoptr(GError) err = NULL;
    g_autoptr(NvOsInfo) os = nv_os_detect(db, iso, "x86_64", &err);
    ck_assert_msg(err == NULL, "%s", err ? err->message : "");
    ck_assert_msg(os != NULL, "the fake Debian ISO was not recognised");
    ck_assert_str_eq(os->short_id, "debian11");
    remove_fake_iso(iso);

    g_autofree char *other = write_fake_iso("NOTHING KNOWN");
    g_autoptr(NvOsInfo) unknown = nv_os_detect(db, other, "x86_64", &err);
    ck_assert_ptr_null(unknown);
    ck_assert_ptr_null(err);
    remove_fake_iso(other);

    ck_assert_ptr_null(nv_os_detect(db, "/nonexistent/x.iso", "x86_64", &err));
    ck_assert_ptr_nonnull(err);
}
END_TEST

static Suite *vm_draft_suite(void)
{
    Suite *s = suite_create("vm-draft");
    TCase *tc = tcase_create("xml");
    tcase_add_loop_test(tc, test_golden, 0, G_N_ELEMENTS(goldens));
    tcase_add_test(tc, test_volume_xml);
    tcase_add_test(tc, test_draft_copy);
    suite_add_tcase(s, tc);

    tc = tcase_create("checks");
    tcase_add_loop_test(tc, test_names, 0, G_N_ELEMENTS(names));
    tcase_add_test(tc, test_name_length);
    tcase_add_test(tc, test_name_in_model);
    tcase_add_test(tc, test_memory_vcpus_limits);
    tcase_add_test(tc, test_disk_size);
    tcase_add_test(tc, test_net_source_and_paths);
    tcase_add_loop_test(tc, test_bad_draft, 0, G_N_ELEMENTS(bad_drafts));
    tcase_add_test(tc, test_os_defaults);
    suite_add_tcase(s, tc);

    tc = tcase_create("caps");
    tcase_add_test(tc, test_caps_qemu_host);
    tcase_add_test(tc, test_caps_uefi);
    tcase_add_test(tc, test_caps_test_driver);
    tcase_add_test(tc, test_caps_hostile);
    suite_add_tcase(s, tc);

    tc = tcase_create("osinfo");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_os_db_missing);
    tcase_add_test(tc, test_os_db_lookup);
    tcase_add_test(tc, test_os_detect);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(vm_draft_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
