/* Unit tests of src/xml-devices.c beyond the golden file (tests/xml/domain-devices.xml): what a
 * hostile or odd definition gives (never a crash, never a wrong kind) and which drives take
 * media. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "xml-devices.h"
#include "xml-tree.h"

/* The first element child of a parsed fragment's root, read by `fn`. */
static char *describe(const char *xml, char *(*fn)(const xmlNode *))
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = nv_xml_parse(xml, NV_XML_PARSE_DEFAULT, "test", &err);
    ck_assert_msg(doc != NULL, "%s", err ? err->message : "");
    return fn(xmlDocGetRootElement(doc));
}

static NvDiskKind kind_of(const char *xml)
{
    g_autoptr(xmlDoc) doc = nv_xml_parse(xml, NV_XML_PARSE_DEFAULT, "test", NULL);
    ck_assert_ptr_nonnull(doc);
    NvDiskSource s;
    nv_disk_source_read(xmlDocGetRootElement(doc), &s);
    NvDiskKind kind = s.kind;
    nv_disk_source_clear(&s);
    return kind;
}

START_TEST(test_disk_kinds)
{
    /* No type: libvirt's default, file. */
    ck_assert_int_eq(kind_of("<disk><source file='/a'/></disk>"), NV_DISK_KIND_FILE);
    /* A file drive without a source is an empty tray, whatever its type says. */
    ck_assert_int_eq(kind_of("<disk type='file' device='cdrom'/>"), NV_DISK_KIND_EMPTY);
    ck_assert_int_eq(kind_of("<disk type='volume'><source pool=''/></disk>"), NV_DISK_KIND_EMPTY);
    ck_assert_int_eq(kind_of("<disk type='nvme'/>"), NV_DISK_KIND_NVME);
    ck_assert_int_eq(kind_of("<disk type='vhostuser'/>"), NV_DISK_KIND_VHOSTUSER);
    ck_assert_int_eq(kind_of("<disk type='network'/>"), NV_DISK_KIND_NETWORK);
    /* Unknown types stay unknown, never counted as nothing (that is how a clone shared them). */
    ck_assert_int_eq(kind_of("<disk type='future'><source x='1'/></disk>"), NV_DISK_KIND_OTHER);
    ck_assert_int_eq(kind_of("<disk type='future'/>"), NV_DISK_KIND_OTHER);
    ck_assert(nv_disk_kind_is_storage(NV_DISK_KIND_FILE));
    ck_assert(nv_disk_kind_is_storage(NV_DISK_KIND_VOLUME));
    ck_assert(!nv_disk_kind_is_storage(NV_DISK_KIND_NVME));
    ck_assert(!nv_disk_kind_is_storage(NV_DISK_KIND_NETWORK));
    ck_assert(!nv_disk_kind_is_storage(NV_DISK_KIND_OTHER));
}
END_TEST

START_TEST(test_disk_hostile)
{
    /* A PCI address out of range or not a number is not printed as one. */
    g_autofree char *bad_pci =
        describe("<disk type='nvme'><source namespace='1'><address domain='0x0' bus='0x1ff' "
                 "slot='0' function='0'/></source></disk>",
                 nv_disk_source_describe);
    ck_assert_str_eq(bad_pci, "nvme ? namespace 1");
    g_autofree char *junk = describe("<disk type='nvme'><source><address domain='x' bus='-1' "
                                     "slot='0' function='0'/></source></disk>",
                                     nv_disk_source_describe);
    ck_assert_str_eq(junk, "nvme ?");
    /* Hosts without names are left out; an IPv6 host with a port is bracketed. */
    g_autofree char *hosts =
        describe("<disk type='network'><source protocol='nbd'><host/><host name='::1' "
                 "port='10809'/></source></disk>",
                 nv_disk_source_describe);
    ck_assert_str_eq(hosts, "nbd @ [::1]:10809");
    g_autofree char *vhost = describe("<disk type='vhostuser'/>", nv_disk_source_describe);
    ck_assert_str_eq(vhost, "vhost-user ?");
}
END_TEST

START_TEST(test_nics)
{
    g_autofree char *plain = describe("<interface type='network'/>", nv_nic_source_describe);
    ck_assert_str_eq(plain, "");
    g_autofree char *udp = describe("<interface type='udp'><source address='192.0.2.1' "
                                    "port='1'/></interface>",
                                    nv_nic_source_describe);
    ck_assert_str_eq(udp, "udp → 192.0.2.1:1");
    g_autofree char *v6 = describe("<interface type='server'><source address='fe80::1' "
                                   "port='5'/></interface>",
                                   nv_nic_source_describe);
    ck_assert_str_eq(v6, "listen [fe80::1]:5");
    g_autofree char *none = describe("<interface/>", nv_nic_source_describe);
    ck_assert_str_eq(none, "interface ?");
    g_autofree char *future = describe("<interface type='future'/>", nv_nic_source_describe);
    ck_assert_str_eq(future, "future ?");
}
END_TEST

START_TEST(test_graphics)
{
    g_autofree char *sock =
        describe("<graphics type='vnc' socket='/run/v.sock'/>", nv_graphics_listen_describe);
    ck_assert_str_eq(sock, "socket /run/v.sock");
    g_autofree char *auto_sock = describe("<graphics type='vnc'><listen type='socket'/></graphics>",
                                          nv_graphics_listen_describe);
    ck_assert_str_eq(auto_sock, "socket (automatic)");
    g_autofree char *addr = describe("<graphics type='vnc' listen='0.0.0.0'><listen "
                                     "type='address' address='0.0.0.0'/></graphics>",
                                     nv_graphics_listen_describe);
    ck_assert_str_eq(addr, "0.0.0.0");
    g_autofree char *nothing =
        describe("<graphics type='egl-headless'/>", nv_graphics_listen_describe);
    ck_assert_str_eq(nothing, "");
}
END_TEST

START_TEST(test_media)
{
    NvDisk d = {.device = (char *)"cdrom"};
    ck_assert(nv_disk_takes_media(&d));
    d.device = (char *)"floppy";
    ck_assert(nv_disk_takes_media(&d));
    /* libvirt refuses to change the medium of an iSCSI LUN: the editor must not offer it. */
    d.device = (char *)"lun";
    ck_assert(!nv_disk_takes_media(&d));
    d.device = (char *)"disk";
    ck_assert(!nv_disk_takes_media(&d));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xml-devices");
    TCase *tc = tcase_create("kinds");
    tcase_add_test(tc, test_disk_kinds);
    tcase_add_test(tc, test_disk_hostile);
    tcase_add_test(tc, test_nics);
    tcase_add_test(tc, test_graphics);
    tcase_add_test(tc, test_media);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_ENV);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
