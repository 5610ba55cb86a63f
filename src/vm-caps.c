/* Reading what a host offers a new VM out of its capabilities and domain capabilities XML.
 * Both documents come from the daemon, so they are parsed as untrusted: bounded, no DTD, no
 * network, errors kept off stderr. */
#include "vm-caps.h"

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlversion.h>
#include <libxml/xpath.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "xml-tree.h"

static void virt_type_free(NvVmVirtType *t)
{
    g_free(t->type);
    g_free(t->efi_loader);
    g_free(t);
}

NvVmCaps *nv_vm_caps_new(void)
{
    NvVmCaps *caps = g_new0(NvVmCaps, 1);
    caps->arch = g_strdup("");
    caps->types = g_ptr_array_new_with_free_func((GDestroyNotify)virt_type_free);
    return caps;
}

void nv_vm_caps_free(NvVmCaps *caps)
{
    if (!caps)
        return;
    g_free(caps->arch);
    g_ptr_array_unref(caps->types);
    g_free(caps);
}

/* ---- safe parsing ---- */

static xmlDoc *parse(const char *xml, const char *root, GError **err)
{
    g_autofree char *failure = g_strdup_printf(_("cannot read <%s> XML"), root);
    return nv_xml_parse_root(xml, root, NV_XML_PARSE_NO_BLANKS, failure, err);
}

/* The string values of an XPath expression (attributes or elements' text). */
static GPtrArray *values(xmlXPathContext *ctx, const char *expr)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    g_autoptr(xmlXPathObject) obj = xmlXPathEvalExpression((const xmlChar *)expr, ctx);
    if (!obj || obj->type != XPATH_NODESET || !obj->nodesetval)
        return out;
    for (int i = 0; i < obj->nodesetval->nodeNr; i++) {
        xmlChar *v = xmlNodeGetContent(obj->nodesetval->nodeTab[i]);
        if (v)
            g_ptr_array_add(out, g_strstrip(g_strdup((const char *)v)));
        xmlFree(v);
    }
    return out;
}

static char *first_value(xmlXPathContext *ctx, const char *expr)
{
    g_autoptr(GPtrArray) v = values(ctx, expr);
    return v->len ? g_strdup(v->pdata[0]) : NULL;
}

static gboolean has_value(xmlXPathContext *ctx, const char *expr, const char *want)
{
    g_autoptr(GPtrArray) v = values(ctx, expr);
    for (guint i = 0; i < v->len; i++)
        if (strcmp(v->pdata[i], want) == 0)
            return TRUE;
    return FALSE;
}

/* Type names are short lower-case words; anything else is not worth offering. */
static gboolean plain_word(const char *s)
{
    gsize n = s ? strlen(s) : 0;
    return n > 0 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

static NvVmVirtType *ensure_type(NvVmCaps *caps, const char *type)
{
    for (guint i = 0; i < caps->types->len; i++) {
        NvVmVirtType *t = caps->types->pdata[i];
        if (strcmp(t->type, type) == 0)
            return t;
    }
    NvVmVirtType *t = g_new0(NvVmVirtType, 1);
    t->type = g_strdup(type);
    g_ptr_array_add(caps->types, t);
    return t;
}

gboolean nv_vm_caps_read(NvVmCaps *caps, const char *xml, const char *host_arch, GError **err)
{
    g_autoptr(xmlDoc) doc = parse(xml, "capabilities", err);
    if (!doc)
        return FALSE;
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    xmlXPathSetContextNode(xmlDocGetRootElement(doc), ctx);
    g_autoptr(GPtrArray) arches = values(ctx, "guest[os_type='hvm']/arch/@name");
    const char *arch = NULL;
    for (guint i = 0; i < arches->len && !arch; i++)
        if (g_strcmp0(arches->pdata[i], host_arch) == 0)
            arch = arches->pdata[i];
    if (!arch && arches->len)
        arch = arches->pdata[0];
    if (!arch || !plain_word(arch)) {
        g_set_error(err, NV_ERROR, NV_ERROR_NO_SUPPORT,
                    _("the host offers no full-virtualisation (hvm) guests"));
        return FALSE;
    }
    g_free(caps->arch);
    caps->arch = g_strdup(arch);
    g_autofree char *expr =
        g_strdup_printf("guest[os_type='hvm']/arch[@name='%s']/domain/@type", arch);
    g_autoptr(GPtrArray) types = values(ctx, expr);
    for (guint i = 0; i < types->len; i++)
        if (plain_word(types->pdata[i]))
            ensure_type(caps, types->pdata[i]);
    return TRUE;
}

/* A plain UEFI build among the loaders: the Secure Boot ones need SMM and a q35 machine, which
 * the wizard's VMs (the hypervisor's default machine) do not have. */
static char *pick_loader(GPtrArray *loaders)
{
    for (guint i = 0; i < loaders->len; i++) {
        const char *p = loaders->pdata[i];
        if (p[0] != '/' || !(strstr(p, "OVMF") || strstr(p, "ovmf") || strstr(p, "edk2")))
            continue;
        if (!strstr(p, "secboot") && !strstr(p, "secure") && !strstr(p, ".ms."))
            return g_strdup(p);
    }
    return NULL;
}

gboolean nv_vm_caps_read_domcaps(NvVmCaps *caps, const char *xml, GError **err)
{
    g_autoptr(xmlDoc) doc = parse(xml, "domainCapabilities", err);
    if (!doc)
        return FALSE;
    g_autoptr(xmlXPathContext) ctx = xmlXPathNewContext(doc);
    xmlXPathSetContextNode(xmlDocGetRootElement(doc), ctx);
    g_autofree char *type = first_value(ctx, "domain");
    if (!plain_word(type)) {
        g_set_error(err, NV_ERROR, NV_ERROR_PARSE, _("cannot read <%s> XML: %s"),
                    "domainCapabilities", _("no domain type"));
        return FALSE;
    }
    NvVmVirtType *t = ensure_type(caps, type);
    t->known = TRUE;
    g_autofree char *max = first_value(ctx, "vcpu/@max");
    guint64 n = 0;
    if (max && g_ascii_string_to_unsigned(max, 10, 1, 1 << 20, &n, NULL))
        t->max_vcpus = (guint)n;
    gboolean os_ok = !has_value(ctx, "os/@supported", "no");
    t->efi_auto = os_ok && has_value(ctx, "os/enum[@name='firmware']/value", "efi");
    g_autoptr(GPtrArray) loaders = values(ctx, "os/loader[@supported='yes']/value");
    g_free(t->efi_loader);
    t->efi_loader = os_ok && !t->efi_auto ? pick_loader(loaders) : NULL;
    t->host_passthrough = has_value(ctx, "cpu/mode[@name='host-passthrough']/@supported", "yes");
    t->host_model = has_value(ctx, "cpu/mode[@name='host-model']/@supported", "yes");
    return TRUE;
}

const NvVmVirtType *nv_vm_caps_type(const NvVmCaps *caps, const char *type)
{
    for (guint i = 0; caps && type && i < caps->types->len; i++) {
        const NvVmVirtType *t = caps->types->pdata[i];
        if (strcmp(t->type, type) == 0)
            return t;
    }
    return NULL;
}

const char *nv_vm_caps_default_type(const NvVmCaps *caps, gboolean kvm_usable)
{
    /* KVM when the host can use it, else TCG (qemu), so that a host without usable KVM still
     * gets a VM that boots. Note: on the CI machines /dev/kvm exists (kvm_usable is TRUE) but
     * nested KVM cannot boot Linux, so the tests pick qemu explicitly. */
    if (kvm_usable && nv_vm_caps_type(caps, "kvm"))
        return "kvm";
    if (nv_vm_caps_type(caps, "qemu"))
        return "qemu";
    return caps && caps->types->len ? ((NvVmVirtType *)caps->types->pdata[0])->type : NULL;
}

gboolean nv_vm_caps_uefi(const NvVmCaps *caps, const char *type)
{
    const NvVmVirtType *t = nv_vm_caps_type(caps, type);
    return t && t->known && (t->efi_auto || t->efi_loader);
}

gboolean nv_vm_caps_cpu_mode(const NvVmCaps *caps, const char *type, const char *mode)
{
    if (g_strcmp0(mode, "default") == 0)
        return TRUE;
    const NvVmVirtType *t = nv_vm_caps_type(caps, type);
    if (!t || !t->known)
        return TRUE;
    if (g_strcmp0(mode, "host-passthrough") == 0)
        return t->host_passthrough;
    if (g_strcmp0(mode, "host-model") == 0)
        return t->host_model;
    return FALSE;
}
