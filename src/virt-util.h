/* Small libvirt helpers shared by core modules that make their own calls on the worker. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

/* g_autoptr for libvirt's handles, as virsh declares them for its own code: the handle is
 * freed when it leaves scope (glib never calls the free function on NULL, so no libvirt error
 * is reset by a handle that was never looked up); hand it out with g_steal_pointer(). */
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomain, virDomainFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virDomainSnapshot, virDomainSnapshotFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStoragePool, virStoragePoolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStorageVol, virStorageVolFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virNetwork, virNetworkFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virInterface, virInterfaceFree)
G_DEFINE_AUTOPTR_CLEANUP_FUNC(virStream, virStreamFree)

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
