/* Reading libvirt's XML documents with libxml2 into the model. Pure: no libvirt calls. */
#pragma once

#include <glib.h>

#include "model.h"

/* Domain XML (virDomainGetXMLDesc) to details; the API-only fields stay unknown (-1). */
NvDomainDetails *nv_xml_domain_details(const char *xml, GError **err);
/* Storage pool XML: fills pool->type, pool->target_path (and name/uuid when empty). */
gboolean nv_xml_pool(const char *xml, NvPool *pool, GError **err);
/* Storage volume XML: fills vol->type, vol->format, vol->path, capacity and allocation. */
gboolean nv_xml_volume(const char *xml, NvVolume *vol, GError **err);
/* Network XML: forward mode ("isolated" without <forward>), forward dev, bridge, IPs, DHCP. */
gboolean nv_xml_network(const char *xml, NvNetwork *net, GError **err);
/* Capabilities XML: host arch and CPU model. */
gboolean nv_xml_host_caps(const char *xml, NvHost *host, GError **err);
/* Domain capabilities XML: the <domain> virt type it describes ("kvm", "qemu"). */
char *nv_xml_domcaps_virt_type(const char *xml, GError **err);
