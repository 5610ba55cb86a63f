/* Small libvirt helpers shared by core modules that make their own calls on the worker. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>

/* Whether a domain whose XML is `domain_xml` uses what `data` names. */
typedef gboolean (*NvDomainUsesFunc)(const char *domain_xml, gconstpointer data);

/* The names of the domains (sorted, g_free'd by the array) whose live XML (a running domain's,
 * else the definition) `uses` accepts; a domain that vanishes meanwhile is no user. NULL when
 * the domains cannot be listed: libvirt's error is left for the caller to report. */
GPtrArray *nv_virt_domains_using(virConnectPtr vconn, NvDomainUsesFunc uses, gconstpointer data);
