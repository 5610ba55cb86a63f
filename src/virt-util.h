/* Small libvirt helpers shared by core modules that make their own calls on the worker. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* Sets `err` from libvirt's last error: "<prefix>: <libvirt's message>". */
void nv_set_virt_error(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);

/* Whether the last libvirt error says a flag is unknown to the driver (libvirt reports that as
 * an invalid argument, or as no support): the caller then retries without it. */
gboolean nv_virt_last_error_is_flags(void);

/* Whether a domain whose XML is `domain_xml` uses what `data` names. */
typedef gboolean (*NvDomainUsesFunc)(const char *domain_xml, gconstpointer data);

/* The names of the domains (sorted, g_free'd by the array) whose live XML (a running domain's,
 * else the definition) `uses` accepts; a domain that vanishes meanwhile is no user. NULL when
 * the domains cannot be listed: libvirt's error is left for the caller to report. */
GPtrArray *nv_virt_domains_using(virConnectPtr vconn, NvDomainUsesFunc uses, gconstpointer data);
