/* The details editor's core (src/domain-edit.c) against libvirt's test driver: every change goes
 * through NvConn's worker as the UI makes it, then the definition is read back and parsed with
 * xml-read.c. Also the pure XML builders and readers, and the rule that a new volume whose disk
 * cannot be attached is deleted again. */
#include <check.h>
#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <stdlib.h>
#include <string.h>

#include "conn.h"
#include "domain-edit.h"
#include "error.h"
#include "conn-fetch.h"
#include "model.h"
#include "names.h"
#include "test-util.h"
#include "xml-read.h"

#define URI "test:///default"
#define POOL "default-pool"

/* One connection per test (each test runs in its own process): `direct` for setting up and
 * reading back, `conn` for the changes. test:///default is shared by both in one process. */
static virConnectPtr direct;
static NvConn *conn;
static GMainLoop *loop;

static void setup(void)
{
    nv_virt_init();
    g_autoptr(GError) err = NULL;
    direct = nv_virt_open(URI, FALSE, &err);
    ck_assert_msg(direct != NULL, "%s", err ? err->message : "");
    loop = g_main_loop_new(NULL, FALSE);
    conn = nv_test_conn_start(URI);
    nv_test_run_until(nv_test_connected, conn, 30000);
    ck_assert_msg(nv_test_connected(conn), "timed out waiting for the connection");
}

static void teardown(void)
{
    nv_conn_free(conn);
    g_main_loop_unref(loop);
    virConnectClose(direct);
}

/* ---- waiting for a change ---- */

typedef struct {
    gboolean finished;
    gboolean ok;
    NvEditOutcome outcome;
    char *note;
    char *detail;
    char *error;
} Outcome;

static void outcome_clear(Outcome *o)
{
    g_free(o->note);
    g_free(o->detail);
    g_free(o->error);
    memset(o, 0, sizeof(*o));
}

static void on_done(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Outcome *o = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvEditResult) result = nv_edit_finish(res, &err);
    o->finished = TRUE;
    o->ok = result != NULL;
    if (result) {
        o->outcome = result->outcome;
        o->note = g_strdup(result->note);
        o->detail = g_strdup(result->detail);
    }
    o->error = err ? g_strdup(err->message) : NULL;
}

#define EDIT_OK(o, call)                                                                           \
    do {                                                                                           \
        outcome_clear(o);                                                                          \
        call;                                                                                      \
        nv_test_wait_for(&(o)->finished, #call);                                                   \
        ck_assert_msg((o)->ok, "%s failed: %s", #call, (o)->error ? (o)->error : "");              \
    } while (0)

#define EDIT_FAILS(o, call, needle)                                                                \
    do {                                                                                           \
        outcome_clear(o);                                                                          \
        call;                                                                                      \
        nv_test_wait_for(&(o)->finished, #call);                                                   \
        ck_assert_msg(!(o)->ok, "%s succeeded", #call);                                            \
        ck_assert_msg(strstr((o)->error, needle), "%s: error '%s' lacks '%s'", #call, (o)->error,  \
                      needle);                                                                     \
    } while (0)

/* ---- domains to edit ---- */

static char *define(const char *name, const char *devices, const char *extra)
{
    g_autofree char *xml = g_strdup_printf(
        "<domain type='test'><name>%s</name>"
        "<memory unit='MiB'>256</memory><currentMemory unit='MiB'>128</currentMemory>"
        "<vcpu current='1'>2</vcpu>"
        "<os><type arch='x86_64'>hvm</type><boot dev='hd'/>%s</os>"
        "<devices>"
        "<disk type='file' device='disk'><source file='/guest/%s.img'/>"
        "<target dev='vda' bus='virtio'/></disk>%s"
        "</devices></domain>",
        name, extra ? extra : "", name, devices ? devices : "");
    virDomainPtr dom = virDomainDefineXML(direct, xml);
    ck_assert_msg(dom != NULL, "cannot define %s: %s", name, virGetLastErrorMessage());
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(dom, uuid);
    virDomainFree(dom);
    return g_strdup(uuid);
}

static char *inactive_xml(const char *uuid, gboolean secure)
{
    virDomainPtr dom = virDomainLookupByUUIDString(direct, uuid);
    ck_assert(dom != NULL);
    char *raw =
        virDomainGetXMLDesc(dom, VIR_DOMAIN_XML_INACTIVE | (secure ? VIR_DOMAIN_XML_SECURE : 0));
    virDomainFree(dom);
    ck_assert(raw != NULL);
    char *xml = g_strdup(raw);
    free(raw);
    return xml;
}

/* The definition as xml-read.c reads it (what the Domains pane shows). */
static NvDomainDetails *details(const char *uuid)
{
    g_autofree char *xml = inactive_xml(uuid, FALSE);
    g_autoptr(GError) err = NULL;
    NvDomainDetails *d = nv_xml_domain_details(xml, &err);
    ck_assert_msg(d != NULL, "%s", err ? err->message : "");
    return d;
}

/* The definition as the editor reads it (maximums, boot order, VNC). */
static NvEditState *state(const char *uuid)
{
    g_autofree char *xml = inactive_xml(uuid, TRUE);
    g_autoptr(GError) err = NULL;
    NvEditState *s = nv_edit_state_from_xml(xml, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err ? err->message : "");
    return s;
}

static NvDisk *disk_at(NvDomainDetails *d, const char *target)
{
    for (guint i = 0; i < d->disks->len; i++)
        if (strcmp(((NvDisk *)d->disks->pdata[i])->target, target) == 0)
            return d->disks->pdata[i];
    return NULL;
}

static NvNic *nic_with(NvDomainDetails *d, const char *mac)
{
    for (guint i = 0; i < d->nics->len; i++)
        if (strcmp(((NvNic *)d->nics->pdata[i])->mac, mac) == 0)
            return d->nics->pdata[i];
    return NULL;
}

static gboolean volume_exists(const char *name)
{
    virStoragePoolPtr pool = virStoragePoolLookupByName(direct, POOL);
    ck_assert(pool != NULL);
    virStorageVolPtr vol = virStorageVolLookupByName(pool, name);
    virStoragePoolFree(pool);
    if (vol)
        virStorageVolFree(vol);
    virResetLastError();
    return vol != NULL;
}

/* ---- pure: readers and builders ---- */

START_TEST(test_state_from_xml)
{
    const char *xml =
        "<domain type='kvm'><name>web&amp;01</name><uuid>u-1</uuid>"
        "<memory unit='GiB'>2</memory><currentMemory unit='MiB'>512</currentMemory>"
        "<vcpu placement='static' current='2'>8</vcpu>"
        "<os><type>hvm</type><boot dev='cdrom'/><boot dev='hd'/>"
        "<bootmenu enable='yes' timeout='3000'/></os>"
        "<devices><disk type='file' device='cdrom'><target dev='sda' bus='sata'/></disk>"
        "<graphics type='spice' autoport='yes'/>"
        "<graphics type='vnc' port='-1' passwd='s3cret'><listen type='address' "
        "address='0.0.0.0'/></graphics></devices></domain>";
    g_autoptr(GError) err = NULL;
    g_autoptr(NvEditState) s = nv_edit_state_from_xml(xml, NULL, &err);
    ck_assert_msg(s != NULL, "%s", err ? err->message : "");
    ck_assert_str_eq(s->name, "web&01");
    ck_assert_str_eq(s->domain_type, "kvm");
    ck_assert_uint_eq(s->vcpus, 2);
    ck_assert_uint_eq(s->max_vcpus, 8);
    ck_assert_uint_eq(s->memory_kib, 512 * 1024);
    ck_assert_uint_eq(s->max_memory_kib, 2 * 1024 * 1024);
    ck_assert(!s->boot_per_device);
    ck_assert_uint_eq(s->boot_order->len, 2);
    ck_assert_str_eq(s->boot_order->pdata[0], "cdrom");
    ck_assert_str_eq(s->boot_order->pdata[1], "hd");
    ck_assert_int_eq(s->boot_menu, 1);
    ck_assert(s->has_vnc);
    ck_assert_str_eq(s->vnc_listen, "0.0.0.0");
    ck_assert(s->vnc_has_password);
    ck_assert_uint_eq(s->disks->len, 1);
    ck_assert_str_eq(((NvDisk *)s->disks->pdata[0])->device, "cdrom");

    /* Per-device boot order, no current attribute, no VNC. */
    const char *per_dev =
        "<domain type='qemu'><name>a</name><memory>1024</memory><vcpu>3</vcpu>"
        "<os><type>hvm</type></os><devices>"
        "<disk device='disk'><target dev='vdb'/><boot order='2'/></disk>"
        "<interface type='network'><mac address='52:54:00:00:00:01'/><boot order='1'/>"
        "</interface></devices></domain>";
    g_autoptr(NvEditState) p = nv_edit_state_from_xml(per_dev, NULL, &err);
    ck_assert(p != NULL);
    ck_assert_uint_eq(p->vcpus, 3);
    ck_assert_uint_eq(p->max_vcpus, 3);
    ck_assert_uint_eq(p->memory_kib, 1024);
    ck_assert(p->boot_per_device);
    ck_assert_str_eq(p->boot_order->pdata[0], "52:54:00:00:00:01");
    ck_assert_str_eq(p->boot_order->pdata[1], "vdb");
    ck_assert_int_eq(p->boot_menu, -1);
    ck_assert(!p->has_vnc);
    ck_assert_str_eq(p->vnc_listen, "");

    /* Hostile documents are refused, not half-read. */
    const char *bad[] = {"", "<domain>", "<pool/>",
                         "<!DOCTYPE d [<!ENTITY x 'y'>]><domain><name>&x;</name></domain>"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        g_autoptr(NvEditState) b = nv_edit_state_from_xml(bad[i], NULL, &e);
        ck_assert_msg(b == NULL && e != NULL, "accepted: %s", bad[i]);
    }
}
END_TEST

START_TEST(test_build_device_xml)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *disk =
        nv_edit_disk_xml("disk", "virtio", "vdb", "file", "/var/lib/x & 'y'.qcow2", "qcow2", &err);
    ck_assert_str_eq(disk, "<disk type=\"file\" device=\"disk\"><driver type=\"qcow2\"/>"
                           "<source file=\"/var/lib/x &amp; 'y'.qcow2\"/>"
                           "<target dev=\"vdb\" bus=\"virtio\"/></disk>");
    g_autofree char *cd = nv_edit_disk_xml("cdrom", "sata", "sdb", NULL, NULL, NULL, &err);
    ck_assert_str_eq(cd, "<disk type=\"file\" device=\"cdrom\"><driver type=\"raw\"/>"
                         "<target dev=\"sdb\" bus=\"sata\"/><readonly/></disk>");
    g_autofree char *blk = nv_edit_disk_xml(NULL, "scsi", "sdc", "block", "/dev/vg/x", "raw", &err);
    ck_assert(strstr(blk, "<source dev=\"/dev/vg/x\"/>"));

    struct {
        const char *device, *bus, *target, *type, *source, *format, *needle;
    } bad[] = {
        {"lun", "virtio", "vdb", "file", "/x", "raw", "unknown disk device"},
        {"disk", "floppy", "vdb", "file", "/x", "raw", "unknown disk bus"},
        {"disk", "virtio", "vd", "file", "/x", "raw", "a target is"},
        {"disk", "virtio", "vdb'/><x", "file", "/x", "raw", "a target is"},
        {"disk", "virtio", "vdb", "file", "/x", "vmdk", "unknown disk format"},
        {"disk", "virtio", "vdb", "network", "/x", "raw", "file or a block"},
        {"disk", "virtio", "vdb", "file", "rel/x", "raw", "absolute"},
        {"disk", "virtio", "vdb", "file", "/x\n", "raw", "control characters"},
        {"disk", "virtio", "vdb", NULL, NULL, "raw", "only a CD/DVD drive can be empty"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) e = NULL;
        g_autofree char *x = nv_edit_disk_xml(bad[i].device, bad[i].bus, bad[i].target, bad[i].type,
                                              bad[i].source, bad[i].format, &e);
        ck_assert_msg(x == NULL && e && strstr(e->message, bad[i].needle), "case %u: %s", i,
                      e ? e->message : x);
    }

    NvNicSpec net = {"network", "def<a>ult", NULL, NULL, "52:54:00:AA:bb:01"};
    g_autofree char *nic = nv_edit_nic_xml(&net, &err);
    ck_assert_str_eq(nic, "<interface type=\"network\"><mac address=\"52:54:00:aa:bb:01\"/>"
                          "<source network=\"def&lt;a&gt;ult\"/><model type=\"virtio\"/>"
                          "</interface>");
    NvNicSpec direct_nic = {"direct", "eth0", "vepa", "e1000", NULL};
    g_autofree char *dn = nv_edit_nic_xml(&direct_nic, &err);
    ck_assert_str_eq(dn, "<interface type=\"direct\"><source dev=\"eth0\" mode=\"vepa\"/>"
                         "<model type=\"e1000\"/></interface>");
    NvNicSpec br = {"bridge", "br0", NULL, "rtl8139", ""};
    g_autofree char *bn = nv_edit_nic_xml(&br, &err);
    ck_assert(strstr(bn, "<source bridge=\"br0\"/>"));
    NvNicSpec bad_nics[] = {
        {"user", "x", NULL, NULL, NULL},         {"network", "", NULL, NULL, NULL},
        {"network", "a/b", NULL, NULL, NULL},    {"network", "n", NULL, "pcnet", NULL},
        {"direct", "eth0", "bogus", NULL, NULL}, {"network", "n", NULL, NULL, "ff:ff:ff:ff:ff:ff"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad_nics); i++) {
        g_autoptr(GError) e = NULL;
        g_autofree char *x = nv_edit_nic_xml(&bad_nics[i], &e);
        ck_assert_msg(x == NULL && e != NULL, "nic case %u accepted", i);
    }

    g_autofree char *vol = nv_edit_volume_xml("web & co.qcow2", 10485760, "qcow2", &err);
    ck_assert_str_eq(vol, "<volume><name>web &amp; co.qcow2</name>"
                          "<capacity unit=\"bytes\">10485760</capacity>"
                          "<allocation unit=\"bytes\">0</allocation>"
                          "<target><format type=\"qcow2\"/></target></volume>");
    g_autoptr(GError) e1 = NULL;
    ck_assert(nv_edit_volume_xml("a/b", 1, NULL, &e1) == NULL);
    ck_assert(strstr(e1->message, "'/'"));
    g_autoptr(GError) e2 = NULL;
    ck_assert(nv_edit_volume_xml("a", 0, NULL, &e2) == NULL);
    ck_assert(strstr(e2->message, "size above zero"));
    g_autoptr(GError) e3 = NULL;
    ck_assert(nv_edit_volume_xml("..", 1, NULL, &e3) == NULL);
}
END_TEST

START_TEST(test_free_target)
{
    const char *used[] = {"vda", "vdb", "sda", "hdc", NULL};
    g_autofree char *v = nv_edit_free_target("virtio", used);
    ck_assert_str_eq(v, "vdc");
    g_autofree char *s = nv_edit_free_target("sata", used);
    ck_assert_str_eq(s, "sdb");
    g_autofree char *h = nv_edit_free_target("ide", used);
    ck_assert_str_eq(h, "hda");
    ck_assert(nv_edit_free_target("floppy", used) == NULL);
    /* Past z: aa, ab, like libvirt. */
    GPtrArray *many = g_ptr_array_new_with_free_func(g_free);
    for (char c = 'a'; c <= 'z'; c++)
        g_ptr_array_add(many, g_strdup_printf("vd%c", c));
    g_ptr_array_add(many, NULL);
    g_autofree char *aa = nv_edit_free_target("virtio", (const char *const *)many->pdata);
    ck_assert_str_eq(aa, "vdaa");
    g_ptr_array_unref(many);
}
END_TEST

START_TEST(test_set_boot_xml)
{
    const char *xml = "<domain><name>a</name><os><type>hvm</type><boot dev='hd'/></os><devices>"
                      "<disk device='disk'><target dev='vda'/></disk>"
                      "<disk device='cdrom'><target dev='sda'/></disk>"
                      "<interface type='network'><mac address='52:54:00:00:00:01'/></interface>"
                      "<hostdev mode='subsystem'><boot order='1'/></hostdev></devices></domain>";
    const char *devs[] = {"cdrom", "hd", NULL};
    g_autoptr(GError) err = NULL;
    g_autofree char *a = nv_edit_xml_set_boot(xml, devs, 1, &err);
    ck_assert_msg(a != NULL, "%s", err ? err->message : "");
    ck_assert(strstr(a, "<type>hvm</type><boot dev=\"cdrom\"/><boot dev=\"hd\"/>"));
    ck_assert(strstr(a, "<bootmenu enable=\"yes\"/>"));
    /* The hostdev's per-device order cannot stay beside <os><boot>. */
    ck_assert(!strstr(a, "order="));

    const char *per_dev[] = {"52:54:00:00:00:01", "sda", NULL};
    g_autofree char *b = nv_edit_xml_set_boot(xml, per_dev, -1, &err);
    ck_assert_msg(b != NULL, "%s", err ? err->message : "");
    ck_assert(!strstr(b, "<boot dev="));
    ck_assert(!strstr(b, "bootmenu"));
    ck_assert(strstr(b, "<mac address=\"52:54:00:00:00:01\"/><boot order=\"1\"/>"));
    ck_assert(strstr(b, "<target dev=\"sda\"/><boot order=\"2\"/>"));
    /* Other devices follow the list. */
    ck_assert(strstr(b, "<hostdev mode=\"subsystem\"><boot order=\"3\"/>"));

    const char *mixed[] = {"hd", "vda", NULL};
    const char *twice[] = {"hd", "HD", NULL};
    const char *unknown[] = {"vdz", NULL};
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    ck_assert(nv_edit_xml_set_boot(xml, mixed, -1, &e1) == NULL);
    ck_assert(strstr(e1->message, "not both"));
    ck_assert(nv_edit_xml_set_boot(xml, twice, -1, &e2) == NULL);
    ck_assert(strstr(e2->message, "twice"));
    ck_assert(nv_edit_xml_set_boot(xml, unknown, -1, &e3) == NULL);
    ck_assert(strstr(e3->message, "no disk or NIC 'vdz'"));
    /* No order at all: only the menu. */
    g_autofree char *c = nv_edit_xml_set_boot(xml, NULL, 0, &err);
    ck_assert(strstr(c, "<boot dev=\"hd\"/>"));
    ck_assert(strstr(c, "<bootmenu enable=\"no\"/>"));
}
END_TEST

START_TEST(test_validators)
{
    ck_assert(nv_edit_valid_listen("", NULL));
    ck_assert(nv_edit_valid_listen("127.0.0.1", NULL));
    ck_assert(nv_edit_valid_listen("::1", NULL));
    g_autoptr(GError) e = NULL;
    ck_assert(!nv_edit_valid_listen("localhost'/>", &e));
    ck_assert(strstr(e->message, "IP address"));
    ck_assert(nv_name_check_existing(NV_NAME_NETWORK, "default", NULL));
    const char *bad[] = {"", "a/b", "tab\there", "bidi\u202e", ".", ".."};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        ck_assert_msg(!nv_name_check_existing(NV_NAME_NETWORK, bad[i], NULL), "'%s' accepted",
                      bad[i]);
    g_autofree char *longer = g_strnfill(256, 'a');
    ck_assert(!nv_name_check_existing(NV_NAME_NETWORK, longer, NULL));
}
END_TEST

/* ---- changes through NvConn ---- */

typedef struct {
    gboolean finished;
    NvEditState *state;
    GPtrArray *items;
    char *error;
} Loaded;

static void on_state(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Loaded *l = data;
    g_autoptr(GError) err = NULL;
    l->finished = TRUE;
    l->state = nv_edit_load_finish(res, &err);
    l->error = err ? g_strdup(err->message) : NULL;
}

static void on_list(NvConn *c, NvAsyncResult *res, gpointer data)
{
    Loaded *l = data;
    g_autoptr(GError) err = NULL;
    l->finished = TRUE;
    l->items = nv_edit_list_volumes_finish(res, &err);
    l->error = err ? g_strdup(err->message) : NULL;
}

START_TEST(test_load)
{
    g_autofree char *uuid = define("nvedit-load", NULL, "<bootmenu enable='no'/>");
    virDomainPtr dom = virDomainLookupByUUIDString(direct, uuid);
    ck_assert_int_eq(virDomainSetAutostart(dom, 1), 0);
    virDomainFree(dom);
    Loaded l = {0};
    nv_edit_load_async(conn, uuid, on_state, &l, NULL);
    nv_test_wait_for(&l.finished, "load");
    ck_assert_msg(l.state != NULL, "%s", l.error);
    ck_assert_str_eq(l.state->name, "nvedit-load");
    ck_assert(!l.state->active);
    ck_assert(l.state->persistent);
    ck_assert_int_eq(l.state->autostart, 1);
    ck_assert_uint_eq(l.state->vcpus, 1);
    ck_assert_uint_eq(l.state->max_vcpus, 2);
    ck_assert_uint_eq(l.state->hv_max_vcpus, 32);
    ck_assert_uint_eq(l.state->memory_kib, 128 * 1024);
    ck_assert_uint_eq(l.state->max_memory_kib, 256 * 1024);
    ck_assert_int_eq(l.state->boot_menu, 0);
    nv_edit_state_free(l.state);

    Loaded v = {0};
    nv_edit_list_volumes_async(conn, POOL, on_list, &v, NULL);
    nv_test_wait_for(&v.finished, "volumes");
    ck_assert_msg(v.items != NULL, "%s", v.error);
    g_ptr_array_unref(v.items);
    Loaded bad = {0};
    nv_edit_load_async(conn, "00000000-0000-0000-0000-000000000000", on_state, &bad, NULL);
    nv_test_wait_for(&bad.finished, "load of a missing domain");
    ck_assert(bad.state == NULL);
    ck_assert(strstr(bad.error, "cannot find domain"));
    g_free(bad.error);
    g_free(l.error);
    g_free(v.error);
}
END_TEST

START_TEST(test_vcpus)
{
    g_autofree char *uuid = define("nvedit-cpu", NULL, NULL);
    Outcome o = {0};
    EDIT_OK(&o, nv_edit_vcpus_async(conn, uuid, 3, 4, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    g_autoptr(NvDomainDetails) d = details(uuid);
    ck_assert_uint_eq(d->vcpus, 3);
    g_autoptr(NvEditState) s = state(uuid);
    ck_assert_uint_eq(s->max_vcpus, 4);
    /* Lowering the maximum below the current count lowers the count first. */
    EDIT_OK(&o, nv_edit_vcpus_async(conn, uuid, 1, 1, on_done, &o, NULL));
    g_autoptr(NvEditState) s2 = state(uuid);
    ck_assert_uint_eq(s2->vcpus, 1);
    ck_assert_uint_eq(s2->max_vcpus, 1);
    EDIT_OK(&o, nv_edit_vcpus_async(conn, uuid, 0, 2, on_done, &o, NULL));
    g_autoptr(NvEditState) s3 = state(uuid);
    ck_assert_uint_eq(s3->vcpus, 1);
    ck_assert_uint_eq(s3->max_vcpus, 2);

    EDIT_FAILS(&o, nv_edit_vcpus_async(conn, uuid, 3, 0, on_done, &o, NULL),
               "3 vCPUs is more than the maximum of 2");
    EDIT_FAILS(&o, nv_edit_vcpus_async(conn, uuid, 5, 4, on_done, &o, NULL),
               "5 vCPUs is more than the maximum of 4");
    EDIT_FAILS(&o, nv_edit_vcpus_async(conn, uuid, 0, 33, on_done, &o, NULL),
               "at most 32 vCPUs are possible for a 'test' domain");
    g_autoptr(NvEditState) s4 = state(uuid);
    ck_assert_uint_eq(s4->max_vcpus, 2);
    outcome_clear(&o);
}
END_TEST

START_TEST(test_memory)
{
    g_autofree char *uuid = define("nvedit-mem", NULL, NULL);
    Outcome o = {0};
    EDIT_OK(&o, nv_edit_memory_async(conn, uuid, 512 * 1024, 1024 * 1024, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    g_autoptr(NvDomainDetails) d = details(uuid);
    ck_assert_uint_eq(d->memory_kib, 512 * 1024);
    g_autoptr(NvEditState) s = state(uuid);
    ck_assert_uint_eq(s->max_memory_kib, 1024 * 1024);
    /* Down again: current first, then the maximum. */
    EDIT_OK(&o, nv_edit_memory_async(conn, uuid, 64 * 1024, 128 * 1024, on_done, &o, NULL));
    g_autoptr(NvEditState) s2 = state(uuid);
    ck_assert_uint_eq(s2->memory_kib, 64 * 1024);
    ck_assert_uint_eq(s2->max_memory_kib, 128 * 1024);
    EDIT_FAILS(&o, nv_edit_memory_async(conn, uuid, 256 * 1024, 0, on_done, &o, NULL),
               "memory 256M is more than the maximum of 128M");
    EDIT_FAILS(&o, nv_edit_memory_async(conn, uuid, 2048 * 1024, 1024 * 1024, on_done, &o, NULL),
               "memory 2G is more than the maximum of 1G");
    g_autoptr(NvEditState) s3 = state(uuid);
    ck_assert_uint_eq(s3->memory_kib, 64 * 1024);
    outcome_clear(&o);
}
END_TEST

START_TEST(test_running_live)
{
    /* The test driver's own domain "test" runs: the count and the balloon go live. */
    virDomainPtr dom = virDomainLookupByName(direct, "test");
    ck_assert(dom != NULL);
    char uuid[VIR_UUID_STRING_BUFLEN];
    virDomainGetUUIDString(dom, uuid);
    Outcome o = {0};
    EDIT_OK(&o, nv_edit_vcpus_async(conn, uuid, 1, 0, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_LIVE);
    virDomainInfo info;
    ck_assert_int_eq(virDomainGetInfo(dom, &info), 0);
    ck_assert_uint_eq(info.nrVirtCpu, 1);
    EDIT_OK(&o, nv_edit_memory_async(conn, uuid, 1024 * 1024, 0, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_LIVE);
    ck_assert_int_eq(virDomainGetInfo(dom, &info), 0);
    ck_assert_uint_eq(info.memory, 1024 * 1024);
    /* A maximum only ever waits for the next boot. */
    EDIT_OK(&o, nv_edit_memory_async(conn, uuid, 0, 4 * 1024 * 1024, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    /* This driver has no device hotplug: for a running domain that is an error with
     * libvirt's reason, not a silent redefine. */
    NvNicSpec nic = {"network", "default", NULL, NULL, NULL};
    EDIT_FAILS(&o, nv_edit_add_nic_async(conn, uuid, &nic, on_done, &o, NULL), "not supported");
    virDomainFree(dom);
    outcome_clear(&o);
}
END_TEST

START_TEST(test_boot_autostart)
{
    g_autofree char *uuid = define("nvedit-boot", NULL, NULL);
    Outcome o = {0};
    const char *order[] = {"cdrom", "hd", NULL};
    EDIT_OK(&o, nv_edit_boot_async(conn, uuid, order, 1, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    g_autoptr(NvEditState) s = state(uuid);
    ck_assert_uint_eq(s->boot_order->len, 2);
    ck_assert_str_eq(s->boot_order->pdata[0], "cdrom");
    ck_assert_int_eq(s->boot_menu, 1);
    const char *per_dev[] = {"vda", NULL};
    EDIT_OK(&o, nv_edit_boot_async(conn, uuid, per_dev, 0, on_done, &o, NULL));
    g_autoptr(NvEditState) s2 = state(uuid);
    ck_assert(s2->boot_per_device);
    ck_assert_str_eq(s2->boot_order->pdata[0], "vda");
    ck_assert_int_eq(s2->boot_menu, 0);
    const char *bad[] = {"vdq", NULL};
    EDIT_FAILS(&o, nv_edit_boot_async(conn, uuid, bad, -1, on_done, &o, NULL),
               "no disk or NIC 'vdq' to boot from");

    EDIT_OK(&o, nv_edit_autostart_async(conn, uuid, TRUE, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_LIVE);
    virDomainPtr dom = virDomainLookupByUUIDString(direct, uuid);
    int autostart = 0;
    ck_assert_int_eq(virDomainGetAutostart(dom, &autostart), 0);
    ck_assert_int_eq(autostart, 1);
    EDIT_OK(&o, nv_edit_autostart_async(conn, uuid, FALSE, on_done, &o, NULL));
    ck_assert_int_eq(virDomainGetAutostart(dom, &autostart), 0);
    ck_assert_int_eq(autostart, 0);
    virDomainFree(dom);
    outcome_clear(&o);
}
END_TEST

START_TEST(test_disk_new_volume)
{
    g_autofree char *uuid = define("nvedit-disk", NULL, NULL);
    Outcome o = {0};
    NvDiskSpec spec = {.kind = NV_DISK_NEW_VOLUME,
                       .pool = POOL,
                       .volume = "nvedit-disk-1.qcow2",
                       .capacity = 10 * 1024 * 1024,
                       .format = "qcow2"};
    EDIT_OK(&o, nv_edit_add_disk_async(conn, uuid, &spec, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    ck_assert_str_eq(o.detail, "vdb");
    ck_assert(volume_exists("nvedit-disk-1.qcow2"));
    g_autoptr(NvDomainDetails) d = details(uuid);
    NvDisk *disk = disk_at(d, "vdb");
    ck_assert(disk != NULL);
    ck_assert_str_eq(disk->source, "/" POOL "/nvedit-disk-1.qcow2");
    ck_assert_str_eq(disk->format, "qcow2");
    ck_assert_str_eq(disk->bus, "virtio");

    /* A second one takes the next free target; an existing path with raw format. */
    NvDiskSpec path = {.kind = NV_DISK_PATH, .path = "/srv/images/data.img", .bus = "sata"};
    EDIT_OK(&o, nv_edit_add_disk_async(conn, uuid, &path, on_done, &o, NULL));
    ck_assert_str_eq(o.detail, "sda");
    g_autoptr(NvDomainDetails) d2 = details(uuid);
    ck_assert_str_eq(disk_at(d2, "sda")->source, "/srv/images/data.img");
    ck_assert_str_eq(disk_at(d2, "sda")->format, "raw");

    /* Removing detaches; the storage stays. */
    EDIT_OK(&o, nv_edit_remove_disk_async(conn, uuid, "vdb", on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    g_autoptr(NvDomainDetails) d3 = details(uuid);
    ck_assert(disk_at(d3, "vdb") == NULL);
    ck_assert(disk_at(d3, "vda") != NULL);
    ck_assert(volume_exists("nvedit-disk-1.qcow2"));
    EDIT_FAILS(&o, nv_edit_remove_disk_async(conn, uuid, "vdb", on_done, &o, NULL),
               "has no disk vdb");

    /* An existing volume. */
    NvDiskSpec vol = {.kind = NV_DISK_VOLUME, .pool = POOL, .volume = "nvedit-disk-1.qcow2"};
    EDIT_OK(&o, nv_edit_add_disk_async(conn, uuid, &vol, on_done, &o, NULL));
    ck_assert_str_eq(o.detail, "vdb");
    g_autoptr(NvDomainDetails) d4 = details(uuid);
    ck_assert_str_eq(disk_at(d4, "vdb")->format, "qcow2");
    /* An empty CD drive, for media later; a disk cannot be empty. */
    NvDiskSpec empty = {.kind = NV_DISK_EMPTY, .device = "cdrom"};
    EDIT_OK(&o, nv_edit_add_disk_async(conn, uuid, &empty, on_done, &o, NULL));
    ck_assert_str_eq(o.detail, "sdb");
    g_autoptr(NvDomainDetails) d5 = details(uuid);
    ck_assert_str_eq(disk_at(d5, "sdb")->device, "cdrom");
    ck_assert_str_eq(disk_at(d5, "sdb")->source, "");
    NvDiskSpec empty_disk = {.kind = NV_DISK_EMPTY};
    EDIT_FAILS(&o, nv_edit_add_disk_async(conn, uuid, &empty_disk, on_done, &o, NULL),
               "only a CD/DVD drive can be empty");
    NvDiskSpec missing = {.kind = NV_DISK_VOLUME, .pool = POOL, .volume = "nope"};
    EDIT_FAILS(&o, nv_edit_add_disk_async(conn, uuid, &missing, on_done, &o, NULL),
               "cannot find volume 'nope'");
    outcome_clear(&o);
}
END_TEST

START_TEST(test_disk_no_orphan)
{
    g_autofree char *uuid = define("nvedit-orphan", NULL, NULL);
    Outcome o = {0};
    /* vda is taken: the volume is created, the attach fails, the volume must go again. */
    NvDiskSpec spec = {.kind = NV_DISK_NEW_VOLUME,
                       .pool = POOL,
                       .volume = "nvedit-orphan.qcow2",
                       .capacity = 1024 * 1024,
                       .format = "qcow2",
                       .target = "vda"};
    EDIT_FAILS(&o, nv_edit_add_disk_async(conn, uuid, &spec, on_done, &o, NULL),
               "target 'vda' duplicated");
    ck_assert(!volume_exists("nvedit-orphan.qcow2"));
    g_autoptr(NvDomainDetails) d = details(uuid);
    ck_assert_uint_eq(d->disks->len, 1);
    /* A bad request never creates anything. */
    NvDiskSpec bad_pool = {.kind = NV_DISK_NEW_VOLUME,
                           .pool = "no-such-pool",
                           .volume = "nvedit-orphan2",
                           .capacity = 1024};
    EDIT_FAILS(&o, nv_edit_add_disk_async(conn, uuid, &bad_pool, on_done, &o, NULL),
               "cannot find pool 'no-such-pool'");
    NvDiskSpec bad_bus = {.kind = NV_DISK_NEW_VOLUME,
                          .pool = POOL,
                          .volume = "nvedit-orphan3",
                          .capacity = 1024,
                          .bus = "floppy"};
    EDIT_FAILS(&o, nv_edit_add_disk_async(conn, uuid, &bad_bus, on_done, &o, NULL),
               "unknown disk bus");
    ck_assert(!volume_exists("nvedit-orphan3"));
    outcome_clear(&o);
}
END_TEST

START_TEST(test_nic)
{
    g_autofree char *uuid = define("nvedit-nic", NULL, NULL);
    Outcome o = {0};
    NvNicSpec spec = {"network", "default", NULL, "e1000", "52:54:00:12:34:56"};
    EDIT_OK(&o, nv_edit_add_nic_async(conn, uuid, &spec, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    ck_assert_str_eq(o.detail, "52:54:00:12:34:56");
    g_autoptr(NvDomainDetails) d = details(uuid);
    NvNic *nic = nic_with(d, "52:54:00:12:34:56");
    ck_assert(nic != NULL);
    ck_assert_str_eq(nic->type, "network");
    ck_assert_str_eq(nic->source, "default");
    ck_assert_str_eq(nic->model, "e1000");

    NvNicSpec gen = {"bridge", "br0", NULL, NULL, NULL};
    EDIT_OK(&o, nv_edit_add_nic_async(conn, uuid, &gen, on_done, &o, NULL));
    ck_assert(g_str_has_prefix(o.detail, "52:54:00:"));
    g_autofree char *generated = g_strdup(o.detail);
    g_autoptr(NvDomainDetails) d2 = details(uuid);
    ck_assert_uint_eq(d2->nics->len, 2);
    ck_assert_str_eq(nic_with(d2, generated)->source, "br0");

    EDIT_OK(&o, nv_edit_remove_nic_async(conn, uuid, "52:54:00:12:34:56", on_done, &o, NULL));
    g_autoptr(NvDomainDetails) d3 = details(uuid);
    ck_assert_uint_eq(d3->nics->len, 1);
    ck_assert(nic_with(d3, "52:54:00:12:34:56") == NULL);
    EDIT_FAILS(&o, nv_edit_remove_nic_async(conn, uuid, "52:54:00:12:34:56", on_done, &o, NULL),
               "has no NIC with MAC 52:54:00:12:34:56");
    EDIT_FAILS(&o, nv_edit_remove_nic_async(conn, uuid, "zz", on_done, &o, NULL), "six hex pairs");
    NvNicSpec bad = {"network", "x/y", NULL, NULL, NULL};
    EDIT_FAILS(&o, nv_edit_add_nic_async(conn, uuid, &bad, on_done, &o, NULL), "network name");
    outcome_clear(&o);
}
END_TEST

START_TEST(test_media)
{
    g_autofree char *uuid = define("nvedit-cd",
                                   "<disk type='file' device='cdrom'>"
                                   "<target dev='sda' bus='sata'/><readonly/></disk>",
                                   NULL);
    Outcome o = {0};
    NvDiskSpec iso = {.kind = NV_DISK_PATH, .path = "/srv/iso/debian.iso"};
    EDIT_OK(&o, nv_edit_media_async(conn, uuid, "sda", &iso, on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    g_autoptr(NvDomainDetails) d = details(uuid);
    ck_assert_str_eq(disk_at(d, "sda")->source, "/srv/iso/debian.iso");
    ck_assert_str_eq(disk_at(d, "sda")->device, "cdrom");

    /* A volume from a pool. */
    virStoragePoolPtr pool = virStoragePoolLookupByName(direct, POOL);
    virStorageVolPtr v = virStorageVolCreateXML(
        pool, "<volume><name>nvedit.iso</name><capacity>1024</capacity></volume>", 0);
    ck_assert(v != NULL);
    virStorageVolFree(v);
    virStoragePoolFree(pool);
    NvDiskSpec vol = {.kind = NV_DISK_VOLUME, .pool = POOL, .volume = "nvedit.iso"};
    EDIT_OK(&o, nv_edit_media_async(conn, uuid, "sda", &vol, on_done, &o, NULL));
    g_autoptr(NvDomainDetails) d2 = details(uuid);
    ck_assert_str_eq(disk_at(d2, "sda")->source, "/" POOL "/nvedit.iso");

    EDIT_OK(&o, nv_edit_media_async(conn, uuid, "sda", NULL, on_done, &o, NULL));
    g_autoptr(NvDomainDetails) d3 = details(uuid);
    ck_assert_str_eq(disk_at(d3, "sda")->source, "");
    ck_assert_uint_eq(d3->disks->len, 2);

    EDIT_FAILS(&o, nv_edit_media_async(conn, uuid, "vda", &iso, on_done, &o, NULL),
               "only a CD/DVD or floppy drive takes media");
    EDIT_FAILS(&o, nv_edit_media_async(conn, uuid, "sdz", &iso, on_done, &o, NULL),
               "has no drive sdz");
    NvDiskSpec rel = {.kind = NV_DISK_PATH, .path = "debian.iso"};
    EDIT_FAILS(&o, nv_edit_media_async(conn, uuid, "sda", &rel, on_done, &o, NULL), "absolute");
    outcome_clear(&o);
}
END_TEST

START_TEST(test_graphics)
{
    g_autofree char *uuid = define("nvedit-vnc",
                                   "<graphics type='vnc' port='-1' autoport='yes'>"
                                   "<listen type='address' address='127.0.0.1'/></graphics>",
                                   NULL);
    Outcome o = {0};
    EDIT_OK(&o, nv_edit_vnc_listen_async(conn, uuid, "0.0.0.0", on_done, &o, NULL));
    ck_assert_int_eq(o.outcome, NV_EDIT_NEXT_BOOT);
    g_autoptr(NvEditState) s = state(uuid);
    ck_assert_str_eq(s->vnc_listen, "0.0.0.0");
    ck_assert(!s->vnc_has_password);

    EDIT_OK(&o, nv_edit_vnc_password_async(conn, uuid, "s3cr&t", on_done, &o, NULL));
    g_autoptr(NvEditState) s2 = state(uuid);
    ck_assert(s2->vnc_has_password);
    ck_assert_str_eq(s2->vnc_listen, "0.0.0.0");
    g_autofree char *secure = inactive_xml(uuid, TRUE);
    ck_assert(strstr(secure, "passwd='s3cr&amp;t'"));
    /* The password survives an unrelated redefine (the definition is read with it). */
    const char *order[] = {"hd", NULL};
    EDIT_OK(&o, nv_edit_boot_async(conn, uuid, order, 1, on_done, &o, NULL));
    g_autoptr(NvEditState) s3 = state(uuid);
    ck_assert(s3->vnc_has_password);

    EDIT_OK(&o, nv_edit_vnc_password_async(conn, uuid, NULL, on_done, &o, NULL));
    g_autoptr(NvEditState) s4 = state(uuid);
    ck_assert(!s4->vnc_has_password);
    EDIT_OK(&o, nv_edit_vnc_listen_async(conn, uuid, "", on_done, &o, NULL));
    g_autoptr(NvEditState) s5 = state(uuid);
    ck_assert_str_eq(s5->vnc_listen, "");

    EDIT_FAILS(&o, nv_edit_vnc_listen_async(conn, uuid, "example.com", on_done, &o, NULL),
               "IP address");
    EDIT_FAILS(&o, nv_edit_vnc_password_async(conn, uuid, "a\nb", on_done, &o, NULL),
               "control characters");
    g_autofree char *plain = define("nvedit-novnc", NULL, NULL);
    EDIT_FAILS(&o, nv_edit_vnc_listen_async(conn, plain, "127.0.0.1", on_done, &o, NULL),
               "has no VNC display");
    outcome_clear(&o);
}
END_TEST

static Suite *domain_edit_suite(void)
{
    Suite *s = suite_create("domain-edit");
    TCase *pure = tcase_create("xml");
    tcase_add_test(pure, test_state_from_xml);
    tcase_add_test(pure, test_build_device_xml);
    tcase_add_test(pure, test_free_target);
    tcase_add_test(pure, test_set_boot_xml);
    tcase_add_test(pure, test_validators);
    suite_add_tcase(s, pure);
    TCase *live = tcase_create("testdriver");
    tcase_add_checked_fixture(live, setup, teardown);
    tcase_set_timeout(live, 60);
    tcase_add_test(live, test_load);
    tcase_add_test(live, test_vcpus);
    tcase_add_test(live, test_memory);
    tcase_add_test(live, test_running_live);
    tcase_add_test(live, test_boot_autostart);
    tcase_add_test(live, test_disk_new_volume);
    tcase_add_test(live, test_disk_no_orphan);
    tcase_add_test(live, test_nic);
    tcase_add_test(live, test_media);
    tcase_add_test(live, test_graphics);
    suite_add_tcase(s, live);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(domain_edit_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
