/* Small libvirt helpers shared by core modules (see virt-util.h). */
#include "virt-util.h"

#include <libvirt/virterror.h>
#include <stdlib.h>

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
