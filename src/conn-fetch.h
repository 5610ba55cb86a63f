/* Synchronous reads from an open libvirt connection into model objects. Blocking: the UI
 * calls these only through NvConn's worker; `ncvirt --list` and tests call them directly. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "model.h"
#include "domain-stats.h"

/* Domains with state, vCPUs, memory and title, sorted by name. A constant number of round
 * trips (bulk list + bulk stats) plus one title lookup per domain not in `title_cache`
 * (uuid -> title, may be NULL; filled as titles are fetched). */
GPtrArray *nv_fetch_domains(virConnectPtr conn, GHashTable *title_cache, GError **err);
/* The same, and when `samples` is not NULL the one stats call also asks for every live group
 * (cpu, balloon, block, interface) and hands the counters back in *samples. */
GPtrArray *nv_fetch_domains_full(virConnectPtr conn, GHashTable *title_cache,
                                 NvDomainSamples **samples, GError **err);

/* What a connection's drivers accept for the stats calls, learnt on the first refresh and
 * kept by the caller (zero-initialised; reset it on reconnecting). */
typedef struct {
    int cpu_params;     /* virNodeGetCPUStats wants exactly this many; 0 unknown, -1 unsupported */
    int mem_params;     /* the same for virNodeGetMemoryStats */
    gboolean no_nowait; /* the driver refused VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT */
} NvStatsQuery;

/* The live counters of every domain: one virConnectGetAllDomainStats call, whatever the number
 * of domains (a second one only if the driver refuses the NOWAIT flag, once per connection). */
NvDomainSamples *nv_fetch_domain_samples(virConnectPtr conn, NvStatsQuery *q, GError **err);
/* The host's CPU and memory counters: one virNodeGetCPUStats and one virNodeGetMemoryStats
 * call (plus one each the first time, to learn the parameter count). What a driver does not
 * support is left out of `out->have` and not asked again. */
gboolean nv_fetch_host_sample(virConnectPtr conn, NvStatsQuery *q, NvHostSample *out, GError **err);
NvDomainDetails *nv_fetch_domain_details(virConnectPtr conn, const char *uuid, GError **err);
GPtrArray *nv_fetch_pools(virConnectPtr conn, GError **err);
GPtrArray *nv_fetch_volumes(virConnectPtr conn, const char *pool_name, GError **err);
/* The domains (running or not) that need the volume, sorted (char*): "web-01" has a disk on
 * it, "web-02 (base of its disk vdb)" an overlay built on it (storage-users.h). */
GPtrArray *nv_fetch_volume_users(virConnectPtr conn, const char *pool, const char *volume,
                                 const char *path, GError **err);
GPtrArray *nv_fetch_networks(virConnectPtr conn, GError **err);
/* NULL with NV_ERROR_NO_SUPPORT when the driver cannot list host interfaces. */
GPtrArray *nv_fetch_ifaces(virConnectPtr conn, GError **err);
NvHost *nv_fetch_host(virConnectPtr conn, GError **err);

/* Opens a connection (read-only when asked), with libvirt's error in `err` on failure. */
virConnectPtr nv_virt_open(const char *uri, gboolean readonly, GError **err);
