/* Storage pools and volumes, the pure part: drafts of new ones to XML, the checks behind the
 * wizards' fields, the host's pool types and which domains a volume's path appears in.
 * The calls to libvirt are in storage-actions.c. */
#include "storage.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "error.h"
#include "i18n.h"
#include "names.h"
#include "xml-tree.h"

/* ---- pool types ---- */

static const struct {
    const char *name;
    const char *label;
} pool_types[NV_POOL_TYPE_COUNT] = {
    [NV_POOL_DIR] = {"dir", N_("dir: a directory on the host")},
    [NV_POOL_FS] = {"fs", N_("fs: a block device with a filesystem, mounted")},
    [NV_POOL_NETFS] = {"netfs", N_("netfs: a network share (NFS, CIFS), mounted")},
    [NV_POOL_LOGICAL] = {"logical", N_("logical: an LVM volume group")},
    [NV_POOL_DISK] = {"disk", N_("disk: a whole disk, its partitions as volumes")},
    [NV_POOL_ISCSI] = {"iscsi", N_("iscsi: the LUNs of an iSCSI target")},
};

const char *nv_pool_type_name(NvPoolType type)
{
    return type < NV_POOL_TYPE_COUNT ? pool_types[type].name : "";
}

const char *nv_pool_type_label(NvPoolType type)
{
    return type < NV_POOL_TYPE_COUNT ? _(pool_types[type].label) : "";
}

gboolean nv_pool_type_from_name(const char *name, NvPoolType *out)
{
    for (guint t = 0; t < NV_POOL_TYPE_COUNT; t++)
        if (g_strcmp0(name, pool_types[t].name) == 0) {
            *out = (NvPoolType)t;
            return TRUE;
        }
    return FALSE;
}

gboolean nv_pool_type_build_destroys(NvPoolType type)
{
    return type == NV_POOL_LOGICAL || type == NV_POOL_DISK;
}

gboolean nv_pool_type_is_file_based(const char *libvirt_name)
{
    return g_strcmp0(libvirt_name, "dir") == 0 || g_strcmp0(libvirt_name, "fs") == 0 ||
           g_strcmp0(libvirt_name, "netfs") == 0;
}

/* ---- reading XML ---- */

static xmlDoc *parse_doc(const char *xml, const char *what, GError **err)
{
    g_autofree char *failure = g_strdup_printf(_("cannot read %s"), what);
    return nv_xml_parse(xml, NV_XML_PARSE_DEFAULT, failure, err);
}

gboolean nv_storage_parse_pool_caps(const char *xml, guint *types, GError **err)
{
    g_autoptr(xmlDoc) doc = parse_doc(xml, _("the storage pool capabilities"), err);
    if (!doc)
        return FALSE;
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!nv_xml_is_element(root, "storagepoolCapabilities")) {
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE,
                    _("cannot read the storage pool capabilities: the root is not "
                      "<storagepoolCapabilities>"));
        return FALSE;
    }
    guint mask = 0;
    for (xmlNode *n = root->children; n; n = n->next) {
        if (!nv_xml_is_element(n, "pool"))
            continue;
        g_autofree char *type = nv_xml_node_attr_or_null(n, "type");
        g_autofree char *supported = nv_xml_node_attr_or_null(n, "supported");
        NvPoolType t;
        if (g_strcmp0(supported, "yes") == 0 && nv_pool_type_from_name(type, &t))
            mask |= 1u << t;
    }
    *types = mask;
    return TRUE;
}

char *nv_storage_xml_name(const char *xml)
{
    g_autoptr(xmlDoc) doc = parse_doc(xml, "storage", NULL);
    xmlNode *root = doc ? xmlDocGetRootElement(doc) : NULL;
    for (xmlNode *n = root ? root->children : NULL; n; n = n->next)
        if (nv_xml_is_element(n, "name")) {
            xmlChar *text = xmlNodeGetContent(n);
            char *out = g_strdup((const char *)text);
            xmlFree(text);
            return out;
        }
    return g_strdup("");
}

/* Every <disk> source in a domain document: file, dev, dir, or volume with its pool. */
gboolean nv_domain_xml_uses_volume(const char *xml, const char *path, const char *pool,
                                   const char *volume)
{
    g_autoptr(GError) ignored = NULL;
    g_autoptr(xmlDoc) doc = parse_doc(xml, "domain", &ignored);
    if (!doc)
        return FALSE;
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    g_autoptr(xmlXPathObject) obj =
        ctx ? xmlXPathEvalExpression((const xmlChar *)"/domain/devices/disk/source", ctx) : NULL;
    if (!obj || !obj->nodesetval)
        return FALSE;
    for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
        xmlNode *src = obj->nodesetval->nodeTab[i];
        static const char *const path_attrs[] = {"file", "dev", "dir"};
        for (guint a = 0; path && a < G_N_ELEMENTS(path_attrs); a++) {
            g_autofree char *v = nv_xml_node_attr_or_null(src, path_attrs[a]);
            if (v && strcmp(v, path) == 0)
                return TRUE;
        }
        g_autofree char *p = nv_xml_node_attr_or_null(src, "pool");
        g_autofree char *v = nv_xml_node_attr_or_null(src, "volume");
        if (pool && volume && g_strcmp0(p, pool) == 0 && g_strcmp0(v, volume) == 0)
            return TRUE;
    }
    return FALSE;
}

/* ---- checks ---- */

gboolean nv_storage_path_check(const char *path, const char *what, GError **err)
{
    if (!path || !*path)
        return nv_error_invalid(err, _("%s: a path is needed"), what);
    if (!g_utf8_validate(path, -1, NULL) || nv_name_has_control(path))
        return nv_error_invalid(err, _("%s: the path has a control character"), what);
    if (path[0] != '/')
        return nv_error_invalid(err, _("%s: the path must be absolute (start with '/')"), what);
    return TRUE;
}

gboolean nv_storage_host_check(const char *host, GError **err)
{
    if (!host || !*host)
        return nv_error_invalid(err, _("a host name or address is needed"));
    if (g_hostname_is_ip_address(host))
        return TRUE;
    /* RFC 1123 labels: letters, digits and hyphens, dot-separated. */
    g_auto(GStrv) labels = g_strsplit(host, ".", -1);
    for (char **l = labels; *l; l++) {
        size_t n = strlen(*l);
        if (n == 0 || n > 63 || (*l)[0] == '-' || (*l)[n - 1] == '-')
            return nv_error_invalid(err, _("'%s' is not a host name or an address"), host);
        for (size_t i = 0; i < n; i++)
            if (!g_ascii_isalnum((*l)[i]) && (*l)[i] != '-')
                return nv_error_invalid(err, _("'%s' is not a host name or an address"), host);
    }
    return strlen(host) <= 253 ? TRUE : nv_error_invalid(err, _("the host name is too long"));
}

gboolean nv_storage_iqn_check(const char *iqn, GError **err)
{
    if (!iqn || !*iqn)
        return nv_error_invalid(err, _("an iSCSI name (IQN) is needed"));
    static const char *const pattern =
        "^(iqn\\.[0-9]{4}-[0-9]{2}\\.[a-z0-9][a-z0-9.-]*(:[^\\s]+)?|eui\\.[0-9A-Fa-f]{16}|"
        "naa\\.[0-9A-Fa-f]{16}([0-9A-Fa-f]{16})?)$";
    if (!g_regex_match_simple(pattern, iqn, 0, 0))
        return nv_error_invalid(
            err, _("'%s' is not an iSCSI name: iqn.YYYY-MM.domain.reversed:name"), iqn);
    return TRUE;
}

const char *const *nv_pool_source_formats(NvPoolType type)
{
    static const char *const netfs[] = {"auto", "nfs", "cifs", "glusterfs", NULL};
    static const char *const fs[] = {"auto", "ext4", "ext3", "ext2", "xfs", "btrfs", "vfat", NULL};
    static const char *const disk[] = {"gpt", "dos", NULL};
    switch (type) {
    case NV_POOL_NETFS:
        return netfs;
    case NV_POOL_FS:
        return fs;
    case NV_POOL_DISK:
        return disk;
    default:
        return NULL;
    }
}

static gboolean in_list(const char *v, const char *const *list)
{
    for (guint i = 0; list && list[i]; i++)
        if (g_strcmp0(v, list[i]) == 0)
            return TRUE;
    return FALSE;
}

static gboolean empty(const char *s)
{
    return !s || !*s;
}

/* Logical pools take several devices: "/dev/sdb /dev/sdc" or "/dev/sdb,/dev/sdc". */
static GStrv split_devices(const char *text)
{
    g_auto(GStrv) parts = g_regex_split_simple("[\\s,]+", text ? text : "", 0, 0);
    GPtrArray *out = g_ptr_array_new();
    for (char **p = parts; *p; p++)
        if (**p)
            g_ptr_array_add(out, g_strdup(*p));
    g_ptr_array_add(out, NULL);
    return (GStrv)g_ptr_array_free(out, FALSE);
}

NvPoolDraft *nv_pool_draft_new(NvPoolType type)
{
    NvPoolDraft *d = g_new0(NvPoolDraft, 1);
    d->type = type;
    d->name = g_strdup("");
    d->target_path = g_strdup("");
    d->source_device = g_strdup("");
    d->source_host = g_strdup("");
    d->source_dir = g_strdup("");
    const char *const *formats = nv_pool_source_formats(type);
    d->source_format = g_strdup(formats ? formats[0] : "");
    d->source_name = g_strdup("");
    d->iqn = g_strdup("");
    d->initiator = g_strdup("");
    return d;
}

void nv_pool_draft_free(NvPoolDraft *d)
{
    if (!d)
        return;
    g_free(d->name);
    g_free(d->target_path);
    g_free(d->source_device);
    g_free(d->source_host);
    g_free(d->source_dir);
    g_free(d->source_format);
    g_free(d->source_name);
    g_free(d->iqn);
    g_free(d->initiator);
    g_free(d);
}

static gboolean check_devices(const NvPoolDraft *d, gboolean several, GError **err)
{
    g_auto(GStrv) devs = split_devices(d->source_device);
    if (!devs[0])
        return nv_error_invalid(err, _("source device: a device path is needed"));
    if (!several && devs[1])
        return nv_error_invalid(err, _("source device: one device only"));
    for (char **p = devs; *p; p++)
        if (!nv_storage_path_check(*p, _("source device"), err))
            return FALSE;
    return TRUE;
}

static gboolean check_type_fields(const NvPoolDraft *d, GError **err)
{
    const char *const *formats = nv_pool_source_formats(d->type);
    if (formats && !in_list(d->source_format, formats))
        return nv_error_invalid(err, _("source format: '%s' is not one of the choices"),
                                d->source_format);
    switch (d->type) {
    case NV_POOL_DIR:
        return nv_storage_path_check(d->target_path, _("target path"), err);
    case NV_POOL_FS:
    case NV_POOL_DISK:
        return check_devices(d, FALSE, err) &&
               nv_storage_path_check(d->target_path, _("target path"), err);
    case NV_POOL_NETFS:
        return nv_storage_host_check(d->source_host, err) &&
               nv_storage_path_check(d->source_dir, _("source directory"), err) &&
               nv_storage_path_check(d->target_path, _("target path"), err);
    case NV_POOL_LOGICAL:
        /* Without devices it is an existing volume group, found by name. */
        if (!empty(d->source_device) && !check_devices(d, TRUE, err))
            return FALSE;
        if (!empty(d->source_name) && !nv_name_check(NV_NAME_POOL, d->source_name, err))
            return FALSE;
        return empty(d->target_path) ||
               nv_storage_path_check(d->target_path, _("target path"), err);
    case NV_POOL_ISCSI:
        return nv_storage_host_check(d->source_host, err) && nv_storage_iqn_check(d->iqn, err) &&
               (empty(d->initiator) || nv_storage_iqn_check(d->initiator, err)) &&
               (empty(d->target_path) ||
                nv_storage_path_check(d->target_path, _("target path"), err));
    default:
        return nv_error_invalid(err, _("unknown pool type"));
    }
}

gboolean nv_pool_draft_check(const NvPoolDraft *d, GError **err)
{
    return nv_name_check(NV_NAME_POOL, d->name, err) && check_type_fields(d, err);
}

/* ---- building XML ---- */

static xmlNode *add(xmlNode *parent, const char *name)
{
    return xmlNewChild(parent, NULL, (const xmlChar *)name, NULL);
}

static xmlNode *add_text(xmlNode *parent, const char *name, const char *text)
{
    /* xmlNewTextChild escapes; xmlNewChild would take '&' as an entity reference. */
    return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text);
}

static void set(xmlNode *n, const char *name, const char *value)
{
    xmlSetProp(n, (const xmlChar *)name, (const xmlChar *)value);
}

static void add_with_attr(xmlNode *parent, const char *name, const char *attr, const char *value)
{
    set(add(parent, name), attr, value);
}

/* The document, indented, without an XML declaration, ending in a newline. */
static char *doc_string(xmlDoc *doc)
{
    xmlBuffer *buf = xmlBufferCreate();
    xmlNodeDump(buf, doc, xmlDocGetRootElement(doc), 0, 1);
    char *out = g_strconcat((const char *)xmlBufferContent(buf), "\n", NULL);
    xmlBufferFree(buf);
    return out;
}

static void pool_source(const NvPoolDraft *d, xmlNode *pool)
{
    if (d->type == NV_POOL_DIR)
        return;
    xmlNode *src = add(pool, "source");
    if (d->type == NV_POOL_NETFS || d->type == NV_POOL_ISCSI)
        add_with_attr(src, "host", "name", d->source_host);
    if (d->type == NV_POOL_NETFS)
        add_with_attr(src, "dir", "path", d->source_dir);
    if (d->type == NV_POOL_FS || d->type == NV_POOL_DISK || d->type == NV_POOL_LOGICAL) {
        g_auto(GStrv) devs = split_devices(d->source_device);
        for (char **p = devs; *p; p++)
            add_with_attr(src, "device", "path", *p);
    }
    if (d->type == NV_POOL_ISCSI) {
        add_with_attr(src, "device", "path", d->iqn);
        if (!empty(d->initiator))
            add_with_attr(add(src, "initiator"), "iqn", "name", d->initiator);
    }
    if (d->type == NV_POOL_LOGICAL) {
        add_text(src, "name", empty(d->source_name) ? d->name : d->source_name);
        add_with_attr(src, "format", "type", "lvm2");
    } else if (!empty(d->source_format)) {
        add_with_attr(src, "format", "type", d->source_format);
    }
}

/* libvirt's defaults where the user left the target empty: a logical pool's devices appear
 * under /dev/<group>, an iSCSI target's LUNs under /dev/disk/by-path. */
static char *target_path(const NvPoolDraft *d)
{
    if (!empty(d->target_path))
        return g_strdup(d->target_path);
    if (d->type == NV_POOL_LOGICAL)
        return g_strconcat("/dev/", empty(d->source_name) ? d->name : d->source_name, NULL);
    if (d->type == NV_POOL_ISCSI)
        return g_strdup("/dev/disk/by-path");
    return g_strdup("");
}

char *nv_pool_draft_xml(const NvPoolDraft *d, GError **err)
{
    if (!nv_pool_draft_check(d, err))
        return NULL;
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *pool = xmlNewNode(NULL, (const xmlChar *)"pool");
    xmlDocSetRootElement(doc, pool);
    set(pool, "type", nv_pool_type_name(d->type));
    add_text(pool, "name", d->name);
    pool_source(d, pool);
    g_autofree char *path = target_path(d);
    add_text(add(pool, "target"), "path", path);
    return doc_string(doc);
}

NvVolumeDraft *nv_volume_draft_new(void)
{
    NvVolumeDraft *d = g_new0(NvVolumeDraft, 1);
    d->name = g_strdup("");
    d->format = g_strdup("qcow2");
    d->backing_path = g_strdup("");
    d->backing_format = g_strdup("qcow2");
    return d;
}

void nv_volume_draft_free(NvVolumeDraft *d)
{
    if (!d)
        return;
    g_free(d->name);
    g_free(d->format);
    g_free(d->backing_path);
    g_free(d->backing_format);
    g_free(d);
}

static const char *const volume_formats[] = {"qcow2", "raw", NULL};

gboolean nv_volume_draft_check(const NvVolumeDraft *d, GError **err)
{
    if (!nv_name_check(NV_NAME_VOLUME, d->name, err))
        return FALSE;
    if (!empty(d->format) && !in_list(d->format, volume_formats))
        return nv_error_invalid(err, _("format: qcow2 or raw"));
    if (d->capacity == 0)
        return nv_error_invalid(err, _("capacity: more than 0 bytes"));
    if (d->allocation > d->capacity)
        return nv_error_invalid(err, _("allocation: at most the capacity"));
    if (empty(d->backing_path))
        return TRUE;
    if (g_strcmp0(d->format, "qcow2") != 0)
        return nv_error_invalid(err, _("backing volume: only a qcow2 volume can have one"));
    if (!in_list(d->backing_format, volume_formats))
        return nv_error_invalid(err, _("backing format: qcow2 or raw"));
    return nv_storage_path_check(d->backing_path, _("backing volume"), err);
}

char *nv_volume_draft_xml(const NvVolumeDraft *d, GError **err)
{
    if (!nv_volume_draft_check(d, err))
        return NULL;
    g_autoptr(xmlDoc) doc = xmlNewDoc((const xmlChar *)"1.0");
    xmlNode *vol = xmlNewNode(NULL, (const xmlChar *)"volume");
    xmlDocSetRootElement(doc, vol);
    add_text(vol, "name", d->name);
    g_autofree char *cap = g_strdup_printf("%" G_GUINT64_FORMAT, d->capacity);
    g_autofree char *alloc = g_strdup_printf("%" G_GUINT64_FORMAT, d->allocation);
    set(add_text(vol, "capacity", cap), "unit", "bytes");
    set(add_text(vol, "allocation", alloc), "unit", "bytes");
    /* The schema wants a <target> even without a format. */
    xmlNode *target = add(vol, "target");
    if (!empty(d->format))
        add_with_attr(target, "format", "type", d->format);
    if (!empty(d->backing_path)) {
        xmlNode *b = add(vol, "backingStore");
        add_text(b, "path", d->backing_path);
        add_with_attr(b, "format", "type", d->backing_format);
    }
    return doc_string(doc);
}

/* Why `path` could not be opened, in words for the one who typed it. */
static void set_open_error(GError **err, const char *path, int e)
{
    if (e == ELOOP)
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("'%s' is a symbolic link: give the path of the file itself"), path);
    else
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), _("cannot open '%s': %s"), path,
                    g_strerror(e));
}

NvLocalFile *nv_local_file_open(const char *path, GError **err)
{
    if (!nv_storage_path_check(path, _("file"), err))
        return NULL;
    /* O_NONBLOCK: a FIFO or device put in the file's place must not hang the caller. */
    int fd = g_open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK, 0);
    if (fd < 0) {
        set_open_error(err, path, errno);
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
        close(fd);
        nv_error_invalid(err, _("'%s' is not a regular file"), path);
        return NULL;
    }
    NvLocalFile *f = g_new0(NvLocalFile, 1);
    f->path = g_strdup(path);
    f->fd = fd;
    f->size = (guint64)st.st_size;
    f->ref = 1;
    unsigned char magic[4] = {0};
    gssize n = nv_local_file_read(f, 0, magic, sizeof magic, NULL);
    f->format = g_strdup(n == 4 && memcmp(magic, "QFI\xfb", 4) == 0 ? "qcow2" : "raw");
    return f;
}

NvLocalFile *nv_local_file_ref(NvLocalFile *file)
{
    g_atomic_int_inc(&file->ref);
    return file;
}

void nv_local_file_unref(NvLocalFile *file)
{
    if (!file || !g_atomic_int_dec_and_test(&file->ref))
        return;
    close(file->fd);
    g_free(file->path);
    g_free(file->format);
    g_free(file);
}

gssize nv_local_file_read(NvLocalFile *file, guint64 offset, void *buf, gsize len, GError **err)
{
    gssize n;
    do
        n = pread(file->fd, buf, len, (off_t)offset);
    while (n < 0 && errno == EINTR);
    if (n < 0) {
        int e = errno;
        g_set_error(err, G_FILE_ERROR, g_file_error_from_errno(e), _("cannot read '%s': %s"),
                    file->path, g_strerror(e));
    }
    return n;
}

gboolean nv_storage_local_file(const char *path, guint64 *size, char **format, GError **err)
{
    g_autoptr(NvLocalFile) f = nv_local_file_open(path, err);
    if (!f)
        return FALSE;
    *size = f->size;
    if (format)
        *format = g_strdup(f->format);
    return TRUE;
}
