/* Unit tests of src/xml-read.c: every parser against golden files (tests/xml/<name>.xml read into
 * the model, dumped as "key: value" text, compared with <name>.expected), and hostile documents.
 * NCVIRT_REGEN_GOLDEN=1 rewrites the .expected files: review each one against its input. */
#include <check.h>
#include <glib.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "hostile-xml.h"
#include "model.h"
#include "xml-read.h"

/* ---- dumping the model as stable text ---- */

/* Escapes control characters and quotes empty values or values with blanks, so every field is
 * one unambiguous token on one line. */
static void put_value(GString *out, const char *value)
{
    if (value == NULL) {
        g_string_append(out, "(null)");
        return;
    }
    gboolean quoted = value[0] == '\0' || strpbrk(value, " \t\"") != NULL;
    if (quoted)
        g_string_append_c(out, '"');
    for (const char *p = value; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n')
            g_string_append(out, "\\n");
        else if (c == '\t')
            g_string_append(out, "\\t");
        else if (c == '\\' || c == '"')
            g_string_append_printf(out, "\\%c", c);
        else if (c < 0x20 || c == 0x7f)
            g_string_append_printf(out, "\\x%02x", c);
        else
            g_string_append_c(out, (char)c);
    }
    if (quoted)
        g_string_append_c(out, '"');
}

static void put_line(GString *out, const char *key, const char *value)
{
    g_string_append_printf(out, "%s: ", key);
    put_value(out, value);
    g_string_append_c(out, '\n');
}

static void put_pair(GString *out, const char *key, const char *value)
{
    g_string_append_printf(out, " %s=", key);
    put_value(out, value);
}

/* Stable names for the golden files (the UI's names are translated). */
static const char *const disk_kinds[] = {
    [NV_DISK_KIND_EMPTY] = "empty",   [NV_DISK_KIND_FILE] = "file",
    [NV_DISK_KIND_BLOCK] = "block",   [NV_DISK_KIND_DIR] = "dir",
    [NV_DISK_KIND_VOLUME] = "volume", [NV_DISK_KIND_NETWORK] = "network",
    [NV_DISK_KIND_NVME] = "nvme",     [NV_DISK_KIND_VHOSTUSER] = "vhostuser",
    [NV_DISK_KIND_OTHER] = "other",
};

static char *dump_domain(const NvDomainDetails *d)
{
    GString *out = g_string_new(NULL);
    put_line(out, "name", d->name);
    put_line(out, "uuid", d->uuid);
    put_line(out, "title", d->title);
    put_line(out, "description", d->description);
    put_line(out, "type", d->domain_type);
    g_string_append(out, "os:");
    put_pair(out, "type", d->os_type);
    put_pair(out, "arch", d->arch);
    put_pair(out, "machine", d->machine);
    g_string_append_printf(out, "\nvcpus: %u\nmemory_kib: %llu\n", d->vcpus, d->memory_kib);
    for (guint i = 0; i < d->disks->len; i++) {
        const NvDisk *disk = g_ptr_array_index(d->disks, i);
        g_string_append_printf(out, "disk[%u]:", i);
        put_pair(out, "device", disk->device);
        put_pair(out, "target", disk->target);
        put_pair(out, "bus", disk->bus);
        put_pair(out, "kind", disk_kinds[disk->kind]);
        put_pair(out, "source", disk->source);
        put_pair(out, "format", disk->format);
        g_string_append_c(out, '\n');
    }
    for (guint i = 0; i < d->nics->len; i++) {
        const NvNic *nic = g_ptr_array_index(d->nics, i);
        g_string_append_printf(out, "nic[%u]:", i);
        put_pair(out, "type", nic->type);
        put_pair(out, "mac", nic->mac);
        put_pair(out, "source", nic->source);
        put_pair(out, "model", nic->model);
        put_pair(out, "target", nic->target);
        g_string_append_c(out, '\n');
    }
    for (guint i = 0; i < d->chardevs->len; i++) {
        const NvChardev *c = g_ptr_array_index(d->chardevs, i);
        g_string_append_printf(out, "chardev[%u]:", i);
        put_pair(out, "kind", c->kind);
        put_pair(out, "type", c->type);
        g_string_append_printf(out, " port=%d", c->port);
        put_pair(out, "alias", c->alias);
        g_string_append_c(out, '\n');
    }
    for (guint i = 0; i < d->graphics->len; i++) {
        const NvGraphics *g = g_ptr_array_index(d->graphics, i);
        g_string_append_printf(out, "graphics[%u]:", i);
        put_pair(out, "type", g->type);
        g_string_append_printf(out, " port=%d autoport=%d", g->port, g->autoport);
        put_pair(out, "listen", g->listen);
        put_pair(out, "listen_text", g->listen_text);
        g_string_append_printf(out, " has_password=%d\n", g->has_password);
    }
    g_string_append_printf(out, "state: %d\nreason: %d\nautostart: %d\npersistent: %d\n",
                           (int)d->state, d->reason, d->autostart, d->persistent);
    return g_string_free(out, FALSE);
}

static char *dump_pool(const NvPool *p)
{
    GString *out = g_string_new(NULL);
    put_line(out, "name", p->name);
    put_line(out, "uuid", p->uuid);
    put_line(out, "type", p->type);
    put_line(out, "target_path", p->target_path);
    return g_string_free(out, FALSE);
}

static char *dump_volume(const NvVolume *v)
{
    GString *out = g_string_new(NULL);
    put_line(out, "type", v->type);
    put_line(out, "path", v->path);
    put_line(out, "format", v->format);
    g_string_append_printf(out, "capacity: %llu\nallocation: %llu\n", v->capacity, v->allocation);
    return g_string_free(out, FALSE);
}

static char *dump_network(const NvNetwork *n)
{
    GString *out = g_string_new(NULL);
    put_line(out, "name", n->name);
    put_line(out, "uuid", n->uuid);
    put_line(out, "forward_mode", n->forward_mode);
    put_line(out, "forward_dev", n->forward_dev);
    put_line(out, "bridge", n->bridge);
    for (guint i = 0; i < n->ips->len; i++) {
        const NvNetIp *ip = g_ptr_array_index(n->ips, i);
        g_string_append_printf(out, "ip[%u]:", i);
        put_pair(out, "family", ip->family);
        put_pair(out, "address", ip->address);
        g_string_append_printf(out, " prefix=%u", ip->prefix);
        put_pair(out, "dhcp_start", ip->dhcp_start);
        put_pair(out, "dhcp_end", ip->dhcp_end);
        g_string_append_c(out, '\n');
    }
    return g_string_free(out, FALSE);
}

static char *dump_host(const NvHost *h)
{
    GString *out = g_string_new(NULL);
    put_line(out, "arch", h->arch);
    put_line(out, "cpu_model", h->cpu_model);
    return g_string_free(out, FALSE);
}

/* ---- golden files ---- */

typedef enum { DOC_DOMAIN, DOC_POOL, DOC_VOLUME, DOC_NETWORK, DOC_CAPS, DOC_DOMCAPS } DocKind;

typedef struct {
    const char *name;
    DocKind kind;
} Golden;

static const Golden goldens[] = {
    {"domain-web01", DOC_DOMAIN},
    {"domain-minimal", DOC_DOMAIN},
    {"domain-test-default", DOC_DOMAIN},
    {"domain-live", DOC_DOMAIN},
    {"domain-odd", DOC_DOMAIN},
    {"domain-consoles", DOC_DOMAIN},
    /* One of every disk source, interface and display kind (xml-devices.c). */
    {"domain-devices", DOC_DOMAIN},
    {"pool-default", DOC_POOL},
    {"pool-dir", DOC_POOL},
    {"pool-logical", DOC_POOL},
    {"pool-netfs", DOC_POOL},
    {"pool-iscsi", DOC_POOL},
    {"pool-disk", DOC_POOL},
    {"pool-rbd", DOC_POOL},
    {"volume-qcow2", DOC_VOLUME},
    {"volume-block", DOC_VOLUME},
    {"volume-units", DOC_VOLUME},
    {"network-default", DOC_NETWORK},
    {"network-route", DOC_NETWORK},
    {"network-isolated", DOC_NETWORK},
    {"network-bridge", DOC_NETWORK},
    {"network-open", DOC_NETWORK},
    {"network-dualstack", DOC_NETWORK},
    {"network-passthrough", DOC_NETWORK},
    {"network-forward-nomode", DOC_NETWORK},
    /* No prefix or netmask: libvirt's classful default (IPv4), /64 (IPv6), never /0. */
    {"network-classful", DOC_NETWORK},
    {"caps-qemu", DOC_CAPS},
    {"caps-test", DOC_CAPS},
    {"domcaps-kvm", DOC_DOMCAPS},
    {"domcaps-qemu", DOC_DOMCAPS},
};

static char *data_path(const char *name, const char *ext)
{
    const char *dir = g_getenv("NCVIRT_TESTDIR");
    g_autofree char *file = g_strconcat(name, ext, NULL);
    return g_build_filename(dir != NULL ? dir : "tests", "xml", file, NULL);
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

/* Parses one document of any kind and dumps what came out, or NULL with err set. */
static char *parse_and_dump(DocKind kind, const char *xml, GError **err)
{
    switch (kind) {
    case DOC_DOMAIN: {
        g_autoptr(NvDomainDetails) d = nv_xml_domain_details(xml, err);
        return d != NULL ? dump_domain(d) : NULL;
    }
    case DOC_POOL: {
        g_autoptr(NvPool) p = nv_pool_new();
        return nv_xml_pool(xml, p, err) ? dump_pool(p) : NULL;
    }
    case DOC_VOLUME: {
        g_autoptr(NvVolume) v = nv_volume_new();
        return nv_xml_volume(xml, v, err) ? dump_volume(v) : NULL;
    }
    case DOC_NETWORK: {
        g_autoptr(NvNetwork) n = nv_network_new();
        return nv_xml_network(xml, n, err) ? dump_network(n) : NULL;
    }
    case DOC_CAPS: {
        g_autoptr(NvHost) h = g_new0(NvHost, 1);
        h->arch = g_strdup("");
        h->cpu_model = g_strdup("");
        return nv_xml_host_caps(xml, h, err) ? dump_host(h) : NULL;
    }
    case DOC_DOMCAPS: {
        g_autofree char *type = nv_xml_domcaps_virt_type(xml, err);
        return type != NULL ? g_strdup_printf("virt_type: %s\n", type) : NULL;
    }
    }
    return NULL;
}

/* The first line where two dumps differ, for a failure message that points at the field. */
static char *first_difference(const char *want, const char *got)
{
    g_auto(GStrv) a = g_strsplit(want, "\n", -1);
    g_auto(GStrv) b = g_strsplit(got, "\n", -1);
    for (guint i = 0;; i++) {
        if (a[i] == NULL || b[i] == NULL || strcmp(a[i], b[i]) != 0)
            return g_strdup_printf("line %u: expected '%s', got '%s'", i + 1, a[i] ? a[i] : "(end)",
                                   b[i] ? b[i] : "(end)");
    }
}

START_TEST(test_golden)
{
    const Golden *g = &goldens[_i];
    g_autofree char *xml = read_data(g->name, ".xml");
    g_autoptr(GError) err = NULL;
    g_autofree char *got = parse_and_dump(g->kind, xml, &err);
    ck_assert_msg(got != NULL, "%s: %s", g->name, err ? err->message : "no error set");
    ck_assert_ptr_null(err);

    if (g_strcmp0(g_getenv("NCVIRT_REGEN_GOLDEN"), "1") == 0) {
        g_autofree char *path = data_path(g->name, ".expected");
        ck_assert_msg(g_file_set_contents(path, got, -1, NULL), "cannot write %s", path);
        return;
    }
    g_autofree char *want = read_data(g->name, ".expected");
    if (strcmp(want, got) != 0) {
        g_autofree char *diff = first_difference(want, got);
        ck_abort_msg("%s.expected differs, %s", g->name, diff);
    }
}
END_TEST

/* ---- documents that must be refused ---- */

typedef struct {
    const char *label;
    DocKind kind;
    const char *xml;
    const char *message; /* a piece of the expected error message */
} Bad;

static const Bad bad_docs[] = {
    {"empty", DOC_DOMAIN, "", "the document is empty"},
    {"blank", DOC_POOL, " \n\t ", "the document is empty"},
    {"null", DOC_NETWORK, NULL, "the document is empty"},
    {"not xml", DOC_DOMAIN, "not xml", "line 1"},
    {"truncated", DOC_DOMAIN, "<domain type='kvm'>\n  <name>web-01</name>\n  <uuid>3f7b2c1e-8d4a",
     "line 3"},
    {"unclosed", DOC_VOLUME, "<volume type='file'><name>a</name>", "line 1"},
    {"mismatched", DOC_NETWORK, "<network><name>a</nam></network>", "line 1"},
    {"wrong root pool", DOC_DOMAIN, "<pool type='dir'><name>a</name></pool>",
     "the root element is <pool>, not <domain>"},
    {"wrong root domain", DOC_POOL, "<domain/>", "not <pool>"},
    {"wrong root volume", DOC_NETWORK, "<volume/>", "not <network>"},
    {"wrong root caps", DOC_DOMCAPS, "<capabilities/>", "not <domainCapabilities>"},
    {"wrong root domcaps", DOC_CAPS, "<domainCapabilities/>", "not <capabilities>"},
    {"namespaced root", DOC_DOMAIN, "<domain xmlns='urn:x'><name>a</name></domain>",
     "the root element <domain> is in an unexpected namespace"},
    {"two roots", DOC_DOMAIN, "<domain/><domain/>", "line 1"},
    {"billion laughs in text", DOC_DOMAIN, LAUGHS "<domain><name>&lol9;</name></domain>",
     "document type declarations are not accepted"},
    {"billion laughs in attribute", DOC_NETWORK,
     LAUGHS "<network><bridge name='&lol9;'/></network>",
     "document type declarations are not accepted"},
    {"external entity", DOC_POOL,
     "<!DOCTYPE pool [<!ENTITY x SYSTEM 'file:///etc/passwd'>]>"
     "<pool type='dir'><name>&x;</name></pool>",
     "document type declarations are not accepted"},
    {"external dtd", DOC_VOLUME, "<!DOCTYPE volume SYSTEM 'http://127.0.0.1:9/x.dtd'><volume/>",
     "document type declarations are not accepted"},
    {"undefined entity", DOC_DOMAIN, "<domain><name>&nope;</name></domain>", "nope"},
    {"negative memory", DOC_DOMAIN, "<domain><memory unit='KiB'>-1</memory></domain>",
     "invalid number '-1' in <memory>"},
    {"negative current memory", DOC_DOMAIN,
     "<domain><memory>1</memory><currentMemory>-4096</currentMemory></domain>",
     "invalid number '-4096' in <currentMemory>"},
    {"plus sign", DOC_DOMAIN, "<domain><memory>+5</memory></domain>", "invalid number '+5'"},
    {"huge memory", DOC_DOMAIN, "<domain><memory>99999999999999999999999</memory></domain>",
     "invalid number '99999999999999999999999' in <memory>"},
    {"memory overflows bytes", DOC_DOMAIN,
     "<domain><memory unit='KiB'>18014398509481984</memory></domain>", "too large"},
    {"memory huge unit", DOC_DOMAIN, "<domain><memory unit='EiB'>16</memory></domain>",
     "too large"},
    {"memory fraction", DOC_DOMAIN, "<domain><memory>1.5</memory></domain>", "'1.5'"},
    {"memory hex", DOC_DOMAIN, "<domain><memory>0x10</memory></domain>", "'0x10'"},
    {"memory junk", DOC_DOMAIN, "<domain><memory>12abc</memory></domain>", "'12abc'"},
    {"memory unknown unit", DOC_DOMAIN, "<domain><memory unit='furlongs'>1</memory></domain>",
     "unknown unit 'furlongs' in <memory>"},
    {"memory unit Ki", DOC_DOMAIN, "<domain><memory unit='Ki'>1</memory></domain>",
     "unknown unit 'Ki'"},
    {"memory unit KiBB", DOC_DOMAIN, "<domain><memory unit='KiBB'>1</memory></domain>",
     "unknown unit 'KiBB'"},
    {"memory unit X", DOC_DOMAIN, "<domain><memory unit='X'>1</memory></domain>",
     "unknown unit 'X'"},
    {"long unit is cut", DOC_DOMAIN,
     "<domain><memory unit='aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'>1</memory>"
     "</domain>",
     "unknown unit 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa…'"},
    {"negative vcpus", DOC_DOMAIN, "<domain><vcpu>-2</vcpu></domain>",
     "invalid number '-2' in <vcpu>"},
    {"huge vcpus", DOC_DOMAIN, "<domain><vcpu>4294967296</vcpu></domain>", "'4294967296'"},
    {"bad current vcpus", DOC_DOMAIN, "<domain><vcpu current='two'>4</vcpu></domain>",
     "'two' in <vcpu current>"},
    {"negative capacity", DOC_VOLUME, "<volume><capacity>-5</capacity></volume>",
     "invalid number '-5' in <capacity>"},
    {"huge allocation", DOC_VOLUME,
     "<volume><allocation>18446744073709551616</allocation></volume>",
     "'18446744073709551616' in <allocation>"},
    {"capacity overflow", DOC_VOLUME, "<volume><capacity unit='EB'>19</capacity></volume>",
     "too large"},
    {"capacity unknown unit", DOC_VOLUME, "<volume><capacity unit='sectors'>8</capacity></volume>",
     "unknown unit 'sectors' in <capacity>"},
    {"prefix too long", DOC_NETWORK, "<network><ip address='10.0.0.1' prefix='33'/></network>",
     "invalid prefix '33' for 10.0.0.1"},
    {"ipv6 prefix too long", DOC_NETWORK,
     "<network><ip family='ipv6' address='fd00::1' prefix='129'/></network>", "'129'"},
    {"negative prefix", DOC_NETWORK, "<network><ip address='10.0.0.1' prefix='-8'/></network>",
     "invalid number '-8' in <ip prefix>"},
    {"holey netmask", DOC_NETWORK,
     "<network><ip address='10.0.0.1' netmask='255.0.255.0'/></network>",
     "invalid netmask '255.0.255.0'"},
    {"short netmask", DOC_NETWORK,
     "<network><ip address='10.0.0.1' netmask='255.255.255'/>"
     "</network>",
     "invalid netmask"},
    {"big octet", DOC_NETWORK, "<network><ip address='10.0.0.1' netmask='255.256.0.0'/></network>",
     "invalid netmask"},
};

/* The part every error message starts with, naming the document. */
static const char *failure_prefix(DocKind kind)
{
    switch (kind) {
    case DOC_DOMAIN:
        return "cannot read domain XML: ";
    case DOC_POOL:
        return "cannot read storage pool XML: ";
    case DOC_VOLUME:
        return "cannot read storage volume XML: ";
    case DOC_NETWORK:
        return "cannot read network XML: ";
    case DOC_CAPS:
        return "cannot read host capabilities XML: ";
    case DOC_DOMCAPS:
        return "cannot read domain capabilities XML: ";
    }
    return "";
}

START_TEST(test_bad_document)
{
    const Bad *b = &bad_docs[_i];
    g_autoptr(GError) err = NULL;
    gint64 start = g_get_monotonic_time();
    g_autofree char *got = parse_and_dump(b->kind, b->xml, &err);
    gint64 elapsed_ms = (g_get_monotonic_time() - start) / 1000;
    ck_assert_msg(got == NULL, "%s: accepted, giving:\n%s", b->label, got);
    ck_assert_msg(err != NULL, "%s: refused without an error", b->label);
    ck_assert_msg(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE), "%s: wrong error domain/code",
                  b->label);
    ck_assert_msg(g_str_has_prefix(err->message, failure_prefix(b->kind)),
                  "%s: message does not say which document: %s", b->label, err->message);
    ck_assert_msg(strstr(err->message, b->message) != NULL, "%s: expected '%s' in: %s", b->label,
                  b->message, err->message);
    /* Generous for valgrind; an expanding entity would take minutes or exhaust memory. */
    ck_assert_msg(elapsed_ms < 2000, "%s: took %lld ms", b->label, (long long)elapsed_ms);
}
END_TEST

START_TEST(test_oversized)
{
    /* Well-formed, so only the size check can refuse it. */
    gsize size = 16 * 1024 * 1024 + 1;
    g_autofree char *xml = g_malloc(size + 1);
    const char *head = "<domain><description>";
    const char *tail = "</description></domain>";
    memset(xml, 'x', size);
    memcpy(xml, head, strlen(head));
    memcpy(xml + size - strlen(tail), tail, strlen(tail));
    xml[size] = '\0';
    g_autoptr(GError) err = NULL;
    g_autoptr(NvDomainDetails) d = nv_xml_domain_details(xml, &err);
    ck_assert_ptr_null(d);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE));
    ck_assert_str_eq(err->message, "cannot read domain XML: the document is larger than 16 MiB");

    /* One byte less is accepted. */
    g_clear_error(&err);
    memcpy(xml + size - 1 - strlen(tail), tail, strlen(tail));
    xml[size - 1] = '\0';
    g_autoptr(NvDomainDetails) ok = nv_xml_domain_details(xml, &err);
    ck_assert_ptr_nonnull(ok);
    ck_assert_uint_eq(strlen(ok->description), size - 1 - strlen(head) - strlen(tail));
}
END_TEST

START_TEST(test_deep_nesting)
{
    /* libxml2 stops at its depth limit instead of recursing until the stack ends. */
    GString *xml = g_string_new("<domain>");
    for (int i = 0; i < 100000; i++)
        g_string_append(xml, "<a>");
    g_autoptr(GError) err = NULL;
    g_autoptr(NvDomainDetails) d = nv_xml_domain_details(xml->str, &err);
    g_string_free(xml, TRUE);
    ck_assert_ptr_null(d);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_PARSE));
    ck_assert(g_str_has_prefix(err->message, "cannot read domain XML: "));
}
END_TEST

/* ---- units ---- */

typedef struct {
    const char *unit; /* NULL for no attribute */
    const char *value;
    unsigned long long kib;
} MemoryUnit;

static const MemoryUnit memory_units[] = {
    {NULL, "2048", 2048},
    {"", "2048", 2048},
    {"b", "1024", 1},
    {"bytes", "1", 1}, /* rounded up like libvirt */
    {"byte", "2049", 3},
    {"KB", "1024", 1000},
    {"k", "7", 7},
    {"KiB", "7", 7},
    {"kib", "7", 7},
    {"MB", "1", 977},
    {"M", "3", 3072},
    {"MiB", "3", 3072},
    {"GB", "1", 976563},
    {"G", "4", 4194304},
    {"GiB", "4", 4194304},
    {"gib", "4", 4194304},
    {"TB", "1", 976562500},
    {"T", "1", 1073741824},
    {"TiB", "2", 2147483648ULL},
    {"P", "1", 1099511627776ULL},
    {"PB", "1", 976562500000ULL},
    {"E", "15", 15ULL << 50},
    {"EiB", "0", 0},
    {"KiB", "18014398509481983", 18014398509481983ULL}, /* the largest that fits in bytes */
};

START_TEST(test_memory_unit)
{
    const MemoryUnit *m = &memory_units[_i];
    g_autofree char *attr = m->unit ? g_strdup_printf(" unit='%s'", m->unit) : g_strdup("");
    g_autofree char *xml =
        g_strdup_printf("<domain><memory%s>%s</memory></domain>", attr, m->value);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvDomainDetails) d = nv_xml_domain_details(xml, &err);
    ck_assert_msg(d != NULL, "%s: %s", xml, err ? err->message : "");
    ck_assert_msg(d->memory_kib == m->kib, "%s: got %llu KiB, expected %llu", xml, d->memory_kib,
                  m->kib);
}
END_TEST

typedef struct {
    const char *unit;
    const char *value;
    unsigned long long bytes;
} StorageUnit;

static const StorageUnit storage_units[] = {
    {NULL, "100", 100},
    {"bytes", "100", 100},
    {"KB", "2", 2000},
    {"KiB", "2", 2048},
    {"G", "10", 10737418240ULL},
    {"GB", "10", 10000000000ULL},
    {"TiB", "3", 3298534883328ULL},
    {"E", "15", 17293822569102704640ULL},
    {"EB", "18", 18000000000000000000ULL},
    {"b", "18446744073709551615", 18446744073709551615ULL},
};

START_TEST(test_storage_unit)
{
    const StorageUnit *s = &storage_units[_i];
    g_autofree char *attr = s->unit ? g_strdup_printf(" unit='%s'", s->unit) : g_strdup("");
    g_autofree char *xml =
        g_strdup_printf("<volume><capacity%s>%s</capacity><allocation%s>%s</allocation></volume>",
                        attr, s->value, attr, s->value);
    g_autoptr(GError) err = NULL;
    g_autoptr(NvVolume) v = nv_volume_new();
    ck_assert_msg(nv_xml_volume(xml, v, &err), "%s: %s", xml, err ? err->message : "");
    ck_assert_msg(v->capacity == s->bytes, "%s: capacity %llu", xml, v->capacity);
    ck_assert_msg(v->allocation == s->bytes, "%s: allocation %llu", xml, v->allocation);
}
END_TEST

/* ---- what the callers rely on ---- */

START_TEST(test_pool_keeps_api_values)
{
    /* conn-fetch.c fills name and uuid from the API first; the XML must not override them, and a
     * document without a type or target must not blank what is known. */
    g_autoptr(NvPool) p = nv_pool_new();
    g_free(p->name);
    p->name = g_strdup("from-api");
    g_free(p->type);
    p->type = g_strdup("dir");
    g_autoptr(GError) err = NULL;
    ck_assert(nv_xml_pool("<pool><name>from-xml</name><uuid>u-1</uuid></pool>", p, &err));
    ck_assert_str_eq(p->name, "from-api");
    ck_assert_str_eq(p->uuid, "u-1");
    ck_assert_str_eq(p->type, "dir");
    ck_assert_str_eq(p->target_path, "");

    /* A zeroed struct (no constructor) gets "" rather than NULL. */
    NvPool *bare = g_new0(NvPool, 1);
    ck_assert(nv_xml_pool("<pool/>", bare, &err));
    ck_assert_str_eq(bare->name, "");
    ck_assert_str_eq(bare->uuid, "");
    ck_assert_str_eq(bare->type, "");
    ck_assert_str_eq(bare->target_path, "");
    nv_pool_free(bare);
}
END_TEST

START_TEST(test_volume_keeps_api_values)
{
    g_autoptr(NvVolume) v = nv_volume_new();
    g_free(v->path);
    v->path = g_strdup("/from/api");
    v->capacity = 42;
    g_autoptr(GError) err = NULL;
    ck_assert(nv_xml_volume("<volume type='file'><allocation>7</allocation></volume>", v, &err));
    ck_assert_str_eq(v->path, "/from/api");
    ck_assert_str_eq(v->type, "file");
    ck_assert_uint_eq(v->capacity, 42);
    ck_assert_uint_eq(v->allocation, 7);
}
END_TEST

START_TEST(test_network_reparse_replaces_ips)
{
    g_autofree char *xml = read_data("network-dualstack", ".xml");
    g_autoptr(NvNetwork) n = nv_network_new();
    g_autoptr(GError) err = NULL;
    ck_assert(nv_xml_network(xml, n, &err));
    ck_assert(nv_xml_network(xml, n, &err));
    ck_assert_uint_eq(n->ips->len, 3);

    /* After a refresh without <forward> the mode follows the document. */
    ck_assert(nv_xml_network("<network><name>x</name></network>", n, &err));
    ck_assert_str_eq(n->forward_mode, "isolated");
    ck_assert_str_eq(n->bridge, "");
    ck_assert_str_eq(n->name, "dualstack");
    ck_assert_uint_eq(n->ips->len, 0);
}
END_TEST

START_TEST(test_forward_dev_from_interface)
{
    /* Hand-written passthrough networks may list devices without a dev attribute. */
    g_autoptr(NvNetwork) n = nv_network_new();
    g_autoptr(GError) err = NULL;
    ck_assert(nv_xml_network("<network><forward mode='bridge'><interface dev='eth1'/>"
                             "<interface dev='eth2'/></forward></network>",
                             n, &err));
    ck_assert_str_eq(n->forward_mode, "bridge");
    ck_assert_str_eq(n->forward_dev, "eth1");
}
END_TEST

START_TEST(test_host_keeps_api_arch)
{
    NvHost *h = g_new0(NvHost, 1);
    h->arch = g_strdup("x86_64");
    g_autoptr(GError) err = NULL;
    ck_assert(nv_xml_host_caps("<capabilities><host><cpu><model>EPYC</model></cpu></host>"
                               "</capabilities>",
                               h, &err));
    ck_assert_str_eq(h->arch, "x86_64");
    ck_assert_str_eq(h->cpu_model, "EPYC");
    nv_host_free(h);
}
END_TEST

START_TEST(test_domcaps_missing_domain)
{
    g_autoptr(GError) err = NULL;
    g_autofree char *type = nv_xml_domcaps_virt_type("<domainCapabilities/>", &err);
    ck_assert_ptr_null(err);
    ck_assert_str_eq(type, "");
}
END_TEST

START_TEST(test_null_error_pointer)
{
    /* Callers may not care why: a NULL GError** must not crash. */
    ck_assert_ptr_null(nv_xml_domain_details("<pool/>", NULL));
    g_autoptr(NvVolume) v = nv_volume_new();
    ck_assert(!nv_xml_volume("<volume><capacity>-1</capacity></volume>", v, NULL));
    ck_assert_uint_eq(v->capacity, 0);
}
END_TEST

static Suite *xml_suite(void)
{
    Suite *s = suite_create("xml");
    TCase *tc = tcase_create("golden");
    tcase_add_loop_test(tc, test_golden, 0, G_N_ELEMENTS(goldens));
    suite_add_tcase(s, tc);

    tc = tcase_create("hostile");
    tcase_add_loop_test(tc, test_bad_document, 0, G_N_ELEMENTS(bad_docs));
    tcase_add_test(tc, test_oversized);
    tcase_add_test(tc, test_deep_nesting);
    suite_add_tcase(s, tc);

    tc = tcase_create("units");
    tcase_add_loop_test(tc, test_memory_unit, 0, G_N_ELEMENTS(memory_units));
    tcase_add_loop_test(tc, test_storage_unit, 0, G_N_ELEMENTS(storage_units));
    suite_add_tcase(s, tc);

    tc = tcase_create("merge");
    tcase_add_test(tc, test_pool_keeps_api_values);
    tcase_add_test(tc, test_volume_keeps_api_values);
    tcase_add_test(tc, test_network_reparse_replaces_ips);
    tcase_add_test(tc, test_forward_dev_from_interface);
    tcase_add_test(tc, test_host_keeps_api_arch);
    tcase_add_test(tc, test_domcaps_missing_domain);
    tcase_add_test(tc, test_null_error_pointer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *runner = srunner_create(xml_suite());
    srunner_run_all(runner, CK_NORMAL);
    int failed = srunner_ntests_failed(runner);
    srunner_free(runner);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
