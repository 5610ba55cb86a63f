/* Small libvirt helpers shared by core modules (see virt-util.h). */
#include "virt-util.h"

#include <libvirt/virterror.h>
#include <stdlib.h>

#include "error.h"
#include "i18n.h"

void nv_set_virt_error(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *prefix = g_strdup_vprintf(fmt, ap);
    va_end(ap);

    virErrorPtr e = virGetLastError();
    int code = NV_ERROR_LIBVIRT;
    if (e && e->code == VIR_ERR_NO_SUPPORT)
        code = NV_ERROR_NO_SUPPORT;
    const char *msg = e && e->message ? e->message : _("unknown libvirt error");
    g_set_error(err, NV_ERROR, code, "%s: %s", prefix, msg);
}

gboolean nv_virt_last_error_is_flags(void)
{
    int code = virGetLastErrorCode();
    return code == VIR_ERR_INVALID_ARG || code == VIR_ERR_NO_SUPPORT;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return g_strcmp0(*(char *const *)a, *(char *const *)b);
}

GPtrArray *nv_virt_domains_using(virConnectPtr vconn, NvDomainUsesFunc uses, gconstpointer data)
{
    virDomainPtr *doms = NULL;
    int n = virConnectListAllDomains(vconn, &doms, 0);
    if (n < 0)
        return NULL;
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    for (int i = 0; i < n; i++) {
        char *xml = virDomainGetXMLDesc(doms[i], 0);
        if (xml && uses(xml, data))
            g_ptr_array_add(names, g_strdup(virDomainGetName(doms[i])));
        free(xml);
        virDomainFree(doms[i]);
    }
    free(doms);
    g_ptr_array_sort(names, compare_names);
    return names;
}
