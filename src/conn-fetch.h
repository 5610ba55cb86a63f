/* Synchronous reads from an open libvirt connection into model objects. Blocking: the UI
 * calls these only through NvConn's worker; `ncvirt --list` and tests call them directly. */
#pragma once

#include <glib.h>
#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>

#include "model.h"
#include "domain-stats.h"

/* Domains with state, vCPUs, memory and title, sorted by name, in a constant number of round
 * trips: the bulk list and the bulk stats. What no bulk call gives (the title; vCPUs and memory
 * on drivers whose bulk stats lack those groups, like the test driver) comes from `cache`
 * (uuid -> NvDomainExtra, may be NULL), else, on a connection whose URI names no host (the
 * calls are local and cheap), from one call per domain that is cached; else it is left out
 * and flagged in NvDomain.missing: over a network a relist never asks per domain. */
GPtrArray *nv_fetch_domains(virConnectPtr conn, GHashTable *cache, GError **err);
/* The same, and when `samples` is not NULL the one stats call also asks for every live group
 * (cpu, balloon, block, interface) and hands the counters back in *samples. */
GPtrArray *nv_fetch_domains_full(virConnectPtr conn, GHashTable *cache, NvDomainSamples **samples,
                                 GError **err);

/* A domain's title and sizes as last read one by one, kept per UUID in a relist's cache. One
 * allocation (g_free frees it). vcpus == 0: sizes not known. */
typedef struct {
    unsigned vcpus;
    unsigned long long memory_kib, max_memory_kib;
    gboolean has_title;
    char title[];
} NvDomainExtra;

NvDomainExtra *nv_domain_extra_new(const char *title, unsigned vcpus, unsigned long long memory_kib,
                                   unsigned long long max_memory_kib);
/* Remembers what `det` (just read for `uuid`) tells about the title and sizes in `cache`. */
void nv_domain_extra_remember(GHashTable *cache, const char *uuid, const NvDomainDetails *det);
/* Fills what `d` misses from `det`, clearing the bits of d->missing it fills; TRUE when
 * something changed. */
gboolean nv_domain_fill_missing(NvDomain *d, const NvDomainDetails *det);
/* TRUE when `uri` names a host: every call is then a network round trip. */
gboolean nv_uri_is_remote(const char *uri);

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
