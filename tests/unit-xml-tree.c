/* Unit tests of src/xml-tree.c: the one safe parse every reader of libvirt's XML goes through
 * (size cap, no DTD, no entity expansion, no file or network read, errors not crashes) and the
 * small readers over the tree. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <string.h>

#include "error.h"
#include "hostile-xml.h"
#include "xml-tree.h"

#define FAILURE "cannot read test XML"

/* What a real libvirt document looks like, namespaces and comments included. */
static const char domain_xml[] =
    "<?xml version='1.0' encoding='UTF-8'?>\n"
    "<!-- written by libvirt -->\n"
    "<domain type='kvm' xmlns:qemu='http://libvirt.org/schemas/domain/qemu/1.0'>\n"
    "  <name>web-01</name>\n"
    "  <uuid>3f7b2c1e-8d4a-4e55-9a0b-0c6d2e1f7a11</uuid>\n"
    "  <title>  Web &amp; mail  </title>\n"
    "  <memory unit='KiB'>2097152</memory>\n"
    "  <devices>\n"
    "    <disk type='file' device='disk'><source file='/var/lib/a.qcow2'/>"
    "<target dev='vda' bus='virtio'/></disk>\n"
    "    <disk type='volume' device='cdrom'><source pool='iso' volume='d.iso'/>"
    "<target dev='sda'/></disk>\n"
    "  </devices>\n"
    "  <qemu:commandline/>\n"
    "</domain>\n";

/* Parses text that must be refused; returns the error (never a document). */
static GError *refused(const char *xml)
{
    GError *err = NULL;
    xmlDoc *doc = nv_xml_parse(xml, NV_XML_PARSE_DEFAULT, FAILURE, &err);
    ck_assert_msg(doc == NULL, "accepted: %.60s", xml ? xml : "(null)");
    ck_assert_ptr_nonnull(err);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE));
    ck_assert_msg(g_str_has_prefix(err->message, FAILURE ": "), "%s", err->message);
    return err;
}

static void assert_refused(const char *xml, const char *why)
{
    g_autoptr(GError) err = refused(xml);
    ck_assert_msg(strstr(err->message, why), "'%s' does not say '%s'", err->message, why);
}

START_TEST(test_libvirt_document_parses)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc =
        nv_xml_parse_root(domain_xml, "domain", NV_XML_PARSE_DEFAULT, FAILURE, &err);
    ck_assert_msg(doc != NULL, "%s", err ? err->message : "");
    xmlNode *root = xmlDocGetRootElement(doc);
    g_autofree char *name = nv_xml_node_text(nv_xml_child_element(root, "name"));
    ck_assert_str_eq(name, "web-01");
    /* A predefined entity is a character, not an expansion, and still reads as one. */
    g_autofree char *title = nv_xml_node_text_stripped(nv_xml_child_element(root, "title"));
    ck_assert_str_eq(title, "Web & mail");
    /* Any root is accepted when none is asked for. */
    g_autoptr(xmlDoc) any =
        nv_xml_parse_root(domain_xml, NULL, NV_XML_PARSE_DEFAULT, FAILURE, NULL);
    ck_assert_ptr_nonnull(any);
}
END_TEST

START_TEST(test_empty_refused)
{
    assert_refused(NULL, "the document is empty");
    assert_refused("", "the document is empty");
    assert_refused(" \n\t\r ", "the document is empty");
}
END_TEST

/* A document of exactly `size` bytes: one element padded with blanks. */
static char *padded_doc(gsize size)
{
    static const char head[] = "<domain>", tail[] = "</domain>";
    char *xml = g_malloc(size + 1);
    memset(xml, ' ', size);
    memcpy(xml, head, strlen(head));
    memcpy(xml + size - strlen(tail), tail, strlen(tail));
    xml[size] = '\0';
    return xml;
}

START_TEST(test_size_cap)
{
    g_autofree char *at_cap = padded_doc(NV_XML_MAX_BYTES);
    g_autoptr(GError) err = NULL;
    g_autoptr(xmlDoc) doc = nv_xml_parse(at_cap, NV_XML_PARSE_DEFAULT, FAILURE, &err);
    ck_assert_msg(doc != NULL, "%s", err ? err->message : "");
    g_autofree char *over = padded_doc(NV_XML_MAX_BYTES + 1);
    assert_refused(over, "the document is larger than 16 MiB");
}
END_TEST

START_TEST(test_billion_laughs_refused)
{
    gint64 start = g_get_monotonic_time();
    assert_refused(LAUGHS "<domain><name>&lol9;</name></domain>",
                   "document type declarations are not accepted");
    assert_refused(LAUGHS "<domain name='&lol9;'/>", "document type declarations are not accepted");
    /* Refused before any expansion: far below what expanding 10^9 "lol"s would take. */
    ck_assert_int_lt(g_get_monotonic_time() - start, G_USEC_PER_SEC);
}
END_TEST

START_TEST(test_undeclared_entity_not_expanded)
{
    g_autoptr(GError) err = refused("<domain><name>&lol;</name></domain>");
    ck_assert_msg(strstr(err->message, "lol"), "%s", err->message);
}
END_TEST

/* A file under the temporary directory that an entity or DTD points at: its content must never
 * reach the document or the error. */
typedef struct {
    char *dir;
    char *secret;
    char *dtd;
} Files;

static void files_make(Files *f)
{
    f->dir = g_dir_make_tmp("nv-xml-tree-XXXXXX", NULL);
    ck_assert_ptr_nonnull(f->dir);
    f->secret = g_build_filename(f->dir, "secret.txt", NULL);
    ck_assert(g_file_set_contents(f->secret, "TOPSECRET-4711", -1, NULL));
    f->dtd = g_build_filename(f->dir, "evil.dtd", NULL);
    g_autofree char *dtd = g_strdup_printf("<!ENTITY leak SYSTEM 'file://%s'>\n", f->secret);
    ck_assert(g_file_set_contents(f->dtd, dtd, -1, NULL));
}

static void files_free(Files *f)
{
    g_unlink(f->secret);
    g_unlink(f->dtd);
    g_rmdir(f->dir);
    g_free(f->secret);
    g_free(f->dtd);
    g_free(f->dir);
}

static void assert_not_read(const char *xml)
{
    g_autoptr(GError) err = refused(xml);
    ck_assert_msg(!strstr(err->message, "TOPSECRET"), "%s", err->message);
}

START_TEST(test_external_files_never_read)
{
    Files f;
    files_make(&f);
    g_autofree char *entity = g_strdup_printf(
        "<!DOCTYPE domain [<!ENTITY x SYSTEM 'file://%s'>]><domain><name>&x;</name></domain>",
        f.secret);
    assert_not_read(entity);
    g_autofree char *dtd = g_strdup_printf(
        "<!DOCTYPE domain SYSTEM 'file://%s'><domain><name>&leak;</name></domain>", f.dtd);
    assert_not_read(dtd);
    g_autofree char *param = g_strdup_printf(
        "<!DOCTYPE domain [<!ENTITY %% p SYSTEM 'file://%s'> %%p;]><domain>&leak;</domain>", f.dtd);
    assert_not_read(param);
    assert_refused("<!DOCTYPE domain SYSTEM 'http://127.0.0.1:9/x.dtd'><domain/>",
                   "document type declarations are not accepted");
    /* Even without entities, a DOCTYPE is refused: any DTD could declare them. */
    assert_refused("<!DOCTYPE domain><domain/>", "document type declarations are not accepted");
    files_free(&f);
}
END_TEST

START_TEST(test_malformed_is_an_error)
{
    static const char *const bad[] = {
        "not xml",
        "<domain>",
        "<domain><name>a</nam></domain>",
        "<domain/><domain/>",
        "<domain a='1' a='2'/>",
        "<domain>\x01</domain>",
        "<domain attr=noquote/>",
        "<?xml version='1.0'?>",
        "<domain>\xff\xfe</domain>",
    };
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++)
        g_error_free(refused(bad[i]));
    assert_refused("<domain>\n  <name>web-01</name>\n  <uuid>3f7b", "line 3");
}
END_TEST

START_TEST(test_root_checked)
{
    g_autoptr(GError) e1 = NULL, e2 = NULL, e3 = NULL;
    ck_assert_ptr_null(nv_xml_parse_root("<pool/>", "domain", 0, FAILURE, &e1));
    ck_assert_str_eq(e1->message, FAILURE ": the root element is <pool>, not <domain>");
    ck_assert_ptr_null(nv_xml_parse_root("<domain xmlns='urn:x'/>", "domain", 0, FAILURE, &e2));
    ck_assert_str_eq(e2->message, FAILURE ": the root element <domain> is in an unexpected "
                                          "namespace");
    /* A hostile root name is cut before it reaches a message. */
    g_autofree char *long_name = g_strnfill(200, 'x');
    g_autofree char *doc = g_strdup_printf("<%s/>", long_name);
    ck_assert_ptr_null(nv_xml_parse_root(doc, "domain", 0, FAILURE, &e3));
    ck_assert_int_lt(strlen(e3->message), 150);
}
END_TEST

static int count_children(const xmlNode *n)
{
    int count = 0;
    for (xmlNode *c = n->children; c; c = c->next)
        count++;
    return count;
}

START_TEST(test_blanks_flag)
{
    const char *xml = "<domain>\n  <name>a</name>\n  <uuid>u</uuid>\n</domain>";
    g_autoptr(xmlDoc) kept = nv_xml_parse(xml, NV_XML_PARSE_DEFAULT, FAILURE, NULL);
    g_autoptr(xmlDoc) dropped = nv_xml_parse(xml, NV_XML_PARSE_NO_BLANKS, FAILURE, NULL);
    ck_assert_int_eq(count_children(xmlDocGetRootElement(kept)), 5);
    ck_assert_int_eq(count_children(xmlDocGetRootElement(dropped)), 2);
}
END_TEST

START_TEST(test_node_readers)
{
    g_autoptr(xmlDoc) doc = nv_xml_parse(domain_xml, NV_XML_PARSE_DEFAULT, FAILURE, NULL);
    xmlNode *root = xmlDocGetRootElement(doc);
    ck_assert(nv_xml_is_element(root, "domain"));
    ck_assert(nv_xml_is_element(root, NULL));
    ck_assert(!nv_xml_is_element(root, "pool"));
    ck_assert(!nv_xml_is_element(NULL, NULL));
    ck_assert(!nv_xml_is_element(root->children, NULL)); /* the blank text before <name> */
    ck_assert_str_eq((const char *)nv_xml_child_element(root, NULL)->name, "name");
    ck_assert_ptr_null(nv_xml_child_element(root, "missing"));
    ck_assert_ptr_null(nv_xml_child_element(NULL, "name"));

    xmlNode *disk = nv_xml_child_element(nv_xml_child_element(root, "devices"), "disk");
    g_autofree char *type = nv_xml_node_attr(disk, "type");
    g_autofree char *missing = nv_xml_node_attr(disk, "missing");
    g_autofree char *null_node = nv_xml_node_attr(NULL, "type");
    g_autofree char *maybe = nv_xml_node_attr_or_null(disk, "missing");
    g_autofree char *device = nv_xml_node_attr_or_null(disk, "device");
    ck_assert_str_eq(type, "file");
    ck_assert_str_eq(missing, "");
    ck_assert_str_eq(null_node, "");
    ck_assert_ptr_null(maybe);
    ck_assert_str_eq(device, "disk");
    ck_assert(nv_xml_attr_is(disk, "device", "disk"));
    ck_assert(!nv_xml_attr_is(disk, "device", "cdrom"));
    ck_assert(!nv_xml_attr_is(disk, "missing", ""));

    g_autofree char *raw = nv_xml_node_text(nv_xml_child_element(root, "title"));
    g_autofree char *none = nv_xml_node_text(NULL);
    ck_assert_str_eq(raw, "  Web & mail  ");
    ck_assert_str_eq(none, "");
    ck_assert_ptr_null(nv_xml_node_text_stripped(NULL));
}
END_TEST

START_TEST(test_xpath_readers)
{
    g_autoptr(xmlDoc) doc = nv_xml_parse(domain_xml, NV_XML_PARSE_DEFAULT, FAILURE, NULL);
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    xmlNode *root = xmlDocGetRootElement(doc);
    g_autoptr(xmlXPathObject) disks = nv_xml_xpath_nodes(ctx, "/domain/devices/disk");
    ck_assert_ptr_nonnull(disks);
    ck_assert_int_eq(disks->nodesetval->nodeNr, 2);
    ck_assert_ptr_null(nv_xml_xpath_nodes(ctx, "/domain/devices/interface"));
    ck_assert_ptr_null(nv_xml_xpath_nodes(ctx, "count(/domain)"));
    g_autofree char *first = nv_xml_xpath_string(ctx, root, "devices/disk/target/@dev");
    g_autofree char *absent = nv_xml_xpath_string(ctx, root, "devices/interface/@type");
    g_autofree char *relative =
        nv_xml_xpath_string(ctx, disks->nodesetval->nodeTab[1], "source/@pool");
    ck_assert_str_eq(first, "vda");
    ck_assert_str_eq(absent, "");
    ck_assert_str_eq(relative, "iso");
}
END_TEST

START_TEST(test_quote)
{
    g_autofree char *short_value = nv_xml_quote("vda");
    g_autofree char *long_value =
        nv_xml_quote("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
    g_autofree char *not_utf8 = nv_xml_quote("\xff");
    ck_assert_str_eq(short_value, "vda");
    ck_assert_str_eq(long_value, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…");
    ck_assert_str_eq(not_utf8, "?");
}
END_TEST

static gpointer parse_many(gpointer data)
{
    for (int i = 0; i < 200; i++) {
        g_autoptr(xmlDoc) doc = nv_xml_parse(domain_xml, NV_XML_PARSE_DEFAULT, FAILURE, NULL);
        if (doc == NULL)
            return GINT_TO_POINTER(FALSE);
    }
    return GINT_TO_POINTER(TRUE);
}

/* Workers of several connections parse at the same time. */
START_TEST(test_threads)
{
    GThread *threads[4];
    for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
        threads[i] = g_thread_new("parse", parse_many, NULL);
    for (guint i = 0; i < G_N_ELEMENTS(threads); i++)
        ck_assert(GPOINTER_TO_INT(g_thread_join(threads[i])));
}
END_TEST

static Suite *xml_tree_suite(void)
{
    Suite *s = suite_create("xml-tree");
    TCase *tc = tcase_create("parse");
    tcase_add_test(tc, test_libvirt_document_parses);
    tcase_add_test(tc, test_empty_refused);
    tcase_add_test(tc, test_size_cap);
    tcase_add_test(tc, test_billion_laughs_refused);
    tcase_add_test(tc, test_undeclared_entity_not_expanded);
    tcase_add_test(tc, test_external_files_never_read);
    tcase_add_test(tc, test_malformed_is_an_error);
    tcase_add_test(tc, test_root_checked);
    tcase_add_test(tc, test_blanks_flag);
    tcase_add_test(tc, test_threads);
    suite_add_tcase(s, tc);
    TCase *readers = tcase_create("readers");
    tcase_add_test(readers, test_node_readers);
    tcase_add_test(readers, test_xpath_readers);
    tcase_add_test(readers, test_quote);
    suite_add_tcase(s, readers);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(xml_tree_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
