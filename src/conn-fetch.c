/* Blocking reads from libvirt into the model: the only file that turns libvirt objects into
 * NvDomain/NvPool/... values. Bulk APIs first, so a refresh costs a constant number of round
 * trips whatever the number of objects. */
#include "conn-fetch.h"

#include <stdarg.h>
#include <string.h>

#include "error.h"
#include "i18n.h"
#include "storage.h"
#include "storage-users.h"
#include "xml-read.h"
#include "virt-util.h"

virConnectPtr nv_virt_open(const char *uri, gboolean readonly, GError **err)
{
    /* libvirt's console prompts when it needs a password (the --list mode; the TUI opens
     * through conn-auth.h). */
    virConnectPtr conn =
        virConnectOpenAuth(uri, virConnectAuthPtrDefault, readonly ? VIR_CONNECT_RO : 0);
    if (!conn)
        nv_set_virt_error(err, _("cannot connect to '%s'"), uri ? uri : "");
    return conn;
}

static void free_domain_array(virDomainPtr *doms, int n)
{
    for (int i = 0; i < n; i++)
        virDomainFree(doms[i]);
    free(doms);
}

static gint compare_domains(gconstpointer a, gconstpointer b)
{
    const NvDomain *x = *(NvDomain *const *)a;
    const NvDomain *y = *(NvDomain *const *)b;
    return strcmp(x->name, y->name);
}

enum { HAVE_STATE = 1, HAVE_SIZES = 2 };

/* Fills state, vCPUs and memory from one record of virConnectGetAllDomainStats. Returns the
 * HAVE_* bits of what the record held. */
static unsigned domain_from_stats(NvDomain *d, virDomainStatsRecordPtr rec)
{
    int state = 0, reason = 0;
    unsigned int vcpus = 0;
    unsigned long long cur = 0, max = 0;
    gboolean have_state =
        virTypedParamsGetInt(rec->params, rec->nparams, "state.state", &state) == 1;
    virTypedParamsGetInt(rec->params, rec->nparams, "state.reason", &reason);
    gboolean have_vcpu =
        virTypedParamsGetUInt(rec->params, rec->nparams, "vcpu.current", &vcpus) == 1;
    gboolean have_cur =
        virTypedParamsGetULLong(rec->params, rec->nparams, "balloon.current", &cur) == 1;
    gboolean have_max =
        virTypedParamsGetULLong(rec->params, rec->nparams, "balloon.maximum", &max) == 1;
    if (have_state && state >= 0 && state < NV_DOMAIN_STATE_COUNT) {
        d->state = state;
        d->reason = reason;
    } else {
        have_state = FALSE;
    }
    if (have_vcpu)
        d->vcpus = vcpus;
    if (have_cur)
        d->memory_kib = cur;
    if (have_max)
        d->max_memory_kib = max;
    return (have_state ? HAVE_STATE : 0) | (have_vcpu && have_cur && have_max ? HAVE_SIZES : 0);
}

static gboolean domain_from_info(NvDomain *d, virDomainPtr dom, GError **err)
{
    virDomainInfo info;
    if (virDomainGetInfo(dom, &info) < 0) {
        nv_set_virt_error(err, _("cannot read the state of '%s'"), d->name);
        return FALSE;
    }
    d->state = info.state < NV_DOMAIN_STATE_COUNT ? (NvDomainState)info.state : NV_DOMAIN_NOSTATE;
    d->vcpus = info.nrVirtCpu;
    d->memory_kib = info.memory;
    d->max_memory_kib = info.maxMem;
    return TRUE;
}

NvDomainExtra *nv_domain_extra_new(const char *title, unsigned vcpus, unsigned long long memory_kib,
                                   unsigned long long max_memory_kib)
{
    size_t len = title ? strlen(title) : 0;
    NvDomainExtra *e = g_malloc0(sizeof(NvDomainExtra) + len + 1);
    e->vcpus = vcpus;
    e->memory_kib = memory_kib;
    e->max_memory_kib = max_memory_kib;
    e->has_title = title != NULL;
    if (title)
        memcpy(e->title, title, len);
    return e;
}

/* Stores what is known of a domain in the cache, keeping what the entry knew before. */
static void extra_store(GHashTable *cache, const char *uuid, const char *title, unsigned vcpus,
                        unsigned long long mem, unsigned long long max)
{
    if (!cache)
        return;
    const NvDomainExtra *old = g_hash_table_lookup(cache, uuid);
    if (old && !title && old->has_title)
        title = old->title;
    if (old && vcpus == 0) {
        vcpus = old->vcpus;
        mem = old->memory_kib;
        max = old->max_memory_kib;
    }
    /* The new entry is made before the old one (whose title it may read) is freed. */
    NvDomainExtra *e = nv_domain_extra_new(title, vcpus, mem, max);
    g_hash_table_replace(cache, g_strdup(uuid), e);
}

void nv_domain_extra_remember(GHashTable *cache, const char *uuid, const NvDomainDetails *det)
{
    if (cache && uuid && det)
        extra_store(cache, uuid, det->title ? det->title : "", det->vcpus, det->memory_kib,
                    det->memory_kib);
}

gboolean nv_domain_fill_missing(NvDomain *d, const NvDomainDetails *det)
{
    unsigned before = d->missing;
    if ((d->missing & NV_DOMAIN_MISSING_TITLE) && det->title) {
        g_free(d->title);
        d->title = g_strdup(det->title);
        d->missing &= ~NV_DOMAIN_MISSING_TITLE;
    }
    if ((d->missing & NV_DOMAIN_MISSING_SIZE) && det->vcpus > 0) {
        d->vcpus = det->vcpus;
        /* The definition's current memory; its maximum is not among the details. */
        d->memory_kib = det->memory_kib;
        d->max_memory_kib = det->memory_kib;
        d->missing &= ~NV_DOMAIN_MISSING_SIZE;
    }
    return d->missing != before;
}

gboolean nv_uri_is_remote(const char *uri)
{
    g_autoptr(GUri) u = uri ? g_uri_parse(uri, G_URI_FLAGS_NON_DNS, NULL) : NULL;
    const char *host = u ? g_uri_get_host(u) : NULL;
    return host && *host;
}

/* The title, from the cache, else from one call when calls are cheap, else NULL. */
static char *domain_title(virDomainPtr dom, const char *uuid, GHashTable *cache, gboolean cheap)
{
    const NvDomainExtra *e = cache ? g_hash_table_lookup(cache, uuid) : NULL;
    if (e && e->has_title)
        return g_strdup(e->title);
    if (!cheap)
        return NULL;
    char *raw = virDomainGetMetadata(dom, VIR_DOMAIN_METADATA_TITLE, NULL, 0);
    char *title = g_strdup(raw ? raw : "");
    free(raw);
    if (!raw)
        virResetLastError();
    extra_store(cache, uuid, title, 0, 0, 0);
    return title;
}

/* vCPUs and memory the bulk stats did not give: from the cache, else (when calls are cheap)
 * from virDomainGetInfo; FALSE with `err` set only when that call failed. */
static gboolean domain_sizes(NvDomain *d, virDomainPtr dom, GHashTable *cache, gboolean cheap,
                             GError **err)
{
    const NvDomainExtra *e = cache ? g_hash_table_lookup(cache, d->uuid) : NULL;
    if (e && e->vcpus > 0) {
        d->vcpus = e->vcpus;
        d->memory_kib = e->memory_kib;
        d->max_memory_kib = e->max_memory_kib;
        return TRUE;
    }
    if (!cheap) {
        d->missing |= NV_DOMAIN_MISSING_SIZE;
        return TRUE;
    }
    if (!domain_from_info(d, dom, err))
        return FALSE;
    extra_store(cache, d->uuid, NULL, d->vcpus, d->memory_kib, d->max_memory_kib);
    return TRUE;
}

/* ---- live counters from stats records ---- */

/* The groups of a stats tick; a driver leaves out what it does not have. Not the vCPU group:
 * the tick uses only vcpu.current (to scale CPU %), which the relist's call already gives. On
 * QEMU the group makes the daemon read every vCPU thread's counters (and it may ask QEMU's
 * monitor for the halted state), and adds 2 + 4-5 per vCPU parameters to each record for
 * counters nobody shows here. */
#define NV_TICK_GROUPS                                                                             \
    (VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_CPU_TOTAL | VIR_DOMAIN_STATS_BALLOON |              \
     VIR_DOMAIN_STATS_INTERFACE | VIR_DOMAIN_STATS_BLOCK)
/* A relist's: the tick's and the vCPU count (the list's column and the tick's CPU scale). */
#define NV_LIVE_GROUPS (NV_TICK_GROUPS | VIR_DOMAIN_STATS_VCPU)

static gboolean param_ull(const virTypedParameter *p, guint64 *out)
{
    switch (p->type) {
    case VIR_TYPED_PARAM_ULLONG:
        *out = p->value.ul;
        return TRUE;
    case VIR_TYPED_PARAM_UINT:
        *out = p->value.ui;
        return TRUE;
    case VIR_TYPED_PARAM_LLONG:
        *out = p->value.l < 0 ? 0 : (guint64)p->value.l;
        return TRUE;
    case VIR_TYPED_PARAM_INT:
        *out = p->value.i < 0 ? 0 : (guint64)p->value.i;
        return TRUE;
    default:
        return FALSE;
    }
}

/* Field names live in virTypedParameter's fixed array of VIR_TYPED_PARAM_FIELD_LENGTH (80)
 * bytes, so comparing a literal with its terminating NUL by memcmp never reads past it; with
 * thousands of records a tick, strcmp chains were most of the refresh's cost. */
#define FIELD_IS(f, lit) (memcmp((f), (lit), sizeof(lit)) == 0)
#define FIELD_HAS_PREFIX(f, lit) (memcmp((f), (lit), sizeof(lit) - 1) == 0)

/* What the balloon group said, for nv_stats_mem_in_use. */
typedef struct {
    guint64 current, unused, rss;
    gboolean have_current, have_unused, have_rss;
} Balloon;

/* The part after "block.<n>." or "net.<n>.", or NULL: a per-device counter's name. */
static inline const char *device_field(const char *rest)
{
    const char *p = rest;
    while ((unsigned)(*p - '0') < 10u)
        p++;
    return p != rest && *p == '.' ? p + 1 : NULL;
}

/* Each *_param gets the field after its group's prefix and the parameter, and reads the value
 * only for a field it uses: most of a record's parameters are counters nobody shows. */
static void balloon_param(NvDomainSample *s, Balloon *b, const char *f, const virTypedParameter *p)
{
    guint64 *slot = NULL;
    gboolean *have = NULL;
    if (FIELD_IS(f, "current")) {
        slot = &b->current;
        have = &b->have_current;
    } else if (FIELD_IS(f, "unused")) {
        slot = &b->unused;
        have = &b->have_unused;
    } else if (FIELD_IS(f, "rss")) {
        slot = &b->rss;
        have = &b->have_rss;
    } else if (FIELD_IS(f, "maximum")) {
        slot = &s->mem_max_kib;
    }
    if (slot && param_ull(p, slot) && have)
        *have = TRUE;
}

/* "rd.bytes", "wr.bytes", "rx.bytes" or "tx.bytes": FIRST and SECOND are the two letters
 * before ".bytes". */
static inline gboolean is_bytes_field(const char *name, char first, char second)
{
    return name[0] == first && name[1] == second && FIELD_IS(name + 2, ".bytes");
}

static void add_param(guint64 *sum, const virTypedParameter *p)
{
    guint64 v;
    if (param_ull(p, &v))
        *sum += v;
}

static void block_param(NvDomainSample *s, const char *f, const virTypedParameter *p)
{
    const char *name = device_field(f);
    if (!name) {
        guint64 v;
        if (FIELD_IS(f, "count") && param_ull(p, &v))
            s->have |= NV_STAT_DISK; /* no disks is a rate of 0, not an unknown one */
    } else if (is_bytes_field(name, 'r', 'd')) {
        add_param(&s->rd_bytes, p);
    } else if (is_bytes_field(name, 'w', 'r')) {
        add_param(&s->wr_bytes, p);
    }
}

static void net_param(NvDomainSample *s, const char *f, const virTypedParameter *p)
{
    const char *name = device_field(f);
    if (!name) {
        guint64 v;
        if (FIELD_IS(f, "count") && param_ull(p, &v))
            s->have |= NV_STAT_NET;
    } else if (is_bytes_field(name, 'r', 'x')) {
        add_param(&s->rx_bytes, p);
    } else if (is_bytes_field(name, 't', 'x')) {
        add_param(&s->tx_bytes, p);
    }
}

/* One pass over the record's parameters, by group prefix: a QEMU domain has fifty or more,
 * hundreds with many disks, and a host thousands of records, so the dispatch looks at as few
 * bytes as it can (this loop is most of a refresh's CPU time, bench/bench-refresh). */
static void sample_from_record(virDomainStatsRecordPtr rec, NvDomainSample *s)
{
    Balloon b = {0};
    guint64 v = 0;
    const virTypedParameter *p = rec->params;
    const virTypedParameter *end = p + MAX(rec->nparams, 0);
    for (; p < end; p++) {
        const char *f = p->field;
        __builtin_prefetch(p + 6);
        /* The first letter tells the groups apart but for b (block, balloon). */
        switch (f[0]) {
        case 'b':
            if (f[1] == 'l' && FIELD_HAS_PREFIX(f, "block."))
                block_param(s, f + 6, p);
            else if (f[1] == 'a' && FIELD_HAS_PREFIX(f, "balloon."))
                balloon_param(s, &b, f + 8, p);
            break;
        case 'n':
            if (FIELD_HAS_PREFIX(f, "net."))
                net_param(s, f + 4, p);
            break;
        case 'c':
            if (FIELD_IS(f, "cpu.time") && param_ull(p, &s->cpu_ns))
                s->have |= NV_STAT_CPU;
            break;
        case 'v':
            if (FIELD_IS(f, "vcpu.current") && param_ull(p, &v))
                s->vcpus = (unsigned)v;
            break;
        case 's':
            if (FIELD_IS(f, "state.state") && param_ull(p, &v))
                s->state = (int)v;
            break;
        default:
            break;
        }
    }
    if (nv_stats_mem_in_use(b.have_current ? &b.current : NULL, b.have_unused ? &b.unused : NULL,
                            b.have_rss ? &b.rss : NULL, &s->mem_kib))
        s->have |= NV_STAT_MEM;
}

/* libvirt formats a UUID with printf per byte; with thousands of records a tick that was a
 * third of the refresh. The same text as virDomainGetUUIDString. */
static void format_uuid(const unsigned char raw[VIR_UUID_BUFLEN], char out[VIR_UUID_STRING_BUFLEN])
{
    static const char hex[] = "0123456789abcdef";
    char *p = out;
    for (int i = 0; i < VIR_UUID_BUFLEN; i++) {
        if (i == 4 || i == 6 || i == 8 || i == 10)
            *p++ = '-';
        *p++ = hex[raw[i] >> 4];
        *p++ = hex[raw[i] & 0xf];
    }
    *p = '\0';
}

/* The samples of `recs`; with `by_uuid`, also maps each record's UUID (g_strdup'd key) to the
 * record, so a relist reads each record's UUID from libvirt once. */
static NvDomainSamples *samples_from_records(virDomainStatsRecordPtr *recs, int nrecs,
                                             gint64 when_us, GHashTable *by_uuid)
{
    NvDomainSamples *out = nv_domain_samples_new((guint)MAX(nrecs, 0));
    out->when_us = when_us;
    /* Filled in place (the array is zeroed as it grows); a record without a UUID is dropped
     * by not counting its slot. */
    g_array_set_size(out->samples, (guint)MAX(nrecs, 0));
    guint n = 0;
    for (int i = 0; i < nrecs; i++) {
        NvDomainSample *s = &g_array_index(out->samples, NvDomainSample, n);
        if (i + 1 < nrecs) {
            __builtin_prefetch(recs[i + 1]->params);
            __builtin_prefetch(recs[i + 1]->params + 1);
            __builtin_prefetch(recs[i + 1]->params + 2);
        }
        unsigned char raw[VIR_UUID_BUFLEN];
        if (virDomainGetUUID(recs[i]->dom, raw) < 0)
            continue;
        format_uuid(raw, s->uuid);
        sample_from_record(recs[i], s);
        if (by_uuid)
            g_hash_table_replace(by_uuid, g_strdup(s->uuid), recs[i]);
        n++;
    }
    g_array_set_size(out->samples, n);
    return out;
}

/* The moment a stats call's numbers were taken: halfway through the call, so that a slow
 * answer does not skew the interval between two samples. */
static gint64 midpoint(gint64 before, gint64 after)
{
    return before + (after - before) / 2;
}

NvDomainSamples *nv_fetch_domain_samples(virConnectPtr conn, NvStatsQuery *q, GError **err)
{
    virDomainStatsRecordPtr *recs = NULL;
    gint64 t0 = g_get_monotonic_time();
    /* NOWAIT: a domain busy with a long job (a migration, a save) gives what it can at once
     * instead of holding up every other domain's numbers. */
    int nrecs = -1;
    if (!q->no_nowait) {
        nrecs = virConnectGetAllDomainStats(conn, NV_TICK_GROUPS, &recs,
                                            VIR_CONNECT_GET_ALL_DOMAINS_STATS_NOWAIT);
        if (nrecs < 0 && nv_virt_last_error_is_flags())
            q->no_nowait = TRUE;
    }
    if (q->no_nowait && nrecs < 0) {
        t0 = g_get_monotonic_time();
        nrecs = virConnectGetAllDomainStats(conn, NV_TICK_GROUPS, &recs, 0);
    }
    if (nrecs < 0) {
        nv_set_virt_error(err, _("cannot read domain statistics"));
        return NULL;
    }
    NvDomainSamples *out =
        samples_from_records(recs, nrecs, midpoint(t0, g_get_monotonic_time()), NULL);
    if (recs)
        virDomainStatsRecordListFree(recs);
    return out;
}

/* After a failed virNodeGet*Stats call, TRUE to carry on: a driver without the function is
 * remembered in `cached` as -1 and is no error (that graph is simply not shown). */
static gboolean tolerate_node_error(int *cached, const char *what, GError **err)
{
    virErrorPtr e = virGetLastError();
    if (e && e->code == VIR_ERR_NO_SUPPORT) {
        *cached = -1;
        virResetLastError();
        return TRUE;
    }
    nv_set_virt_error(err, _("cannot read the host's %s statistics"), what);
    return FALSE;
}

/* virNodeGet*Stats want exactly as many parameters as they have (Linux refuses any other
 * count): the count is learnt once with a NULL array and kept in the query. */
static gboolean host_cpu(virConnectPtr conn, NvStatsQuery *q, NvHostSample *out, GError **err)
{
    int all = VIR_NODE_CPU_STATS_ALL_CPUS;
    if (q->cpu_params == 0) {
        int n = 0;
        if (virNodeGetCPUStats(conn, all, NULL, &n, 0) < 0)
            return tolerate_node_error(&q->cpu_params, _("CPU"), err);
        q->cpu_params = n > 0 ? n : -1;
    }
    if (q->cpu_params < 0)
        return TRUE;
    g_autofree virNodeCPUStatsPtr params = g_new0(virNodeCPUStats, q->cpu_params);
    int n = q->cpu_params;
    if (virNodeGetCPUStats(conn, all, params, &n, 0) < 0)
        return tolerate_node_error(&q->cpu_params, _("CPU"), err);
    guint64 busy = 0, idle = 0;
    for (int i = 0; i < n; i++) {
        const char *f = params[i].field;
        if (strcmp(f, VIR_NODE_CPU_STATS_KERNEL) == 0 || strcmp(f, VIR_NODE_CPU_STATS_USER) == 0 ||
            strcmp(f, VIR_NODE_CPU_STATS_INTR) == 0)
            busy += params[i].value;
        else if (strcmp(f, VIR_NODE_CPU_STATS_IDLE) == 0 ||
                 strcmp(f, VIR_NODE_CPU_STATS_IOWAIT) == 0)
            idle += params[i].value;
        else if (strcmp(f, VIR_NODE_CPU_STATS_UTILIZATION) == 0)
            out->cpu_utilization = (double)params[i].value;
    }
    out->cpu_busy_ns = busy;
    out->cpu_total_ns = busy + idle;
    out->have |= NV_STAT_CPU;
    return TRUE;
}

static gboolean host_mem(virConnectPtr conn, NvStatsQuery *q, NvHostSample *out, GError **err)
{
    int all = VIR_NODE_MEMORY_STATS_ALL_CELLS;
    if (q->mem_params == 0) {
        int n = 0;
        if (virNodeGetMemoryStats(conn, all, NULL, &n, 0) < 0)
            return tolerate_node_error(&q->mem_params, _("memory"), err);
        q->mem_params = n > 0 ? n : -1;
    }
    if (q->mem_params < 0)
        return TRUE;
    g_autofree virNodeMemoryStatsPtr params = g_new0(virNodeMemoryStats, q->mem_params);
    int n = q->mem_params;
    if (virNodeGetMemoryStats(conn, all, params, &n, 0) < 0)
        return tolerate_node_error(&q->mem_params, _("memory"), err);
    guint64 avail = 0;
    gboolean have_total = FALSE;
    for (int i = 0; i < n; i++) {
        const char *f = params[i].field;
        if (strcmp(f, VIR_NODE_MEMORY_STATS_TOTAL) == 0) {
            out->mem_total_kib = params[i].value;
            have_total = TRUE;
        } else if (strcmp(f, VIR_NODE_MEMORY_STATS_FREE) == 0 ||
                   strcmp(f, VIR_NODE_MEMORY_STATS_BUFFERS) == 0 ||
                   strcmp(f, VIR_NODE_MEMORY_STATS_CACHED) == 0) {
            avail += params[i].value;
        }
    }
    if (have_total) {
        out->mem_avail_kib = avail;
        out->have |= NV_STAT_MEM;
    }
    return TRUE;
}

gboolean nv_fetch_host_sample(virConnectPtr conn, NvStatsQuery *q, NvHostSample *out, GError **err)
{
    memset(out, 0, sizeof(*out));
    out->when_us = g_get_monotonic_time();
    out->cpu_utilization = -1;
    return host_cpu(conn, q, out, err) && host_mem(conn, q, out, err);
}

/* ---- domain lists ---- */

GPtrArray *nv_fetch_domains(virConnectPtr conn, GHashTable *cache, GError **err)
{
    return nv_fetch_domains_full(conn, cache, NULL, err);
}

/* TRUE when a call costs no network round trip: the URI names no host. */
static gboolean calls_are_cheap(virConnectPtr conn)
{
    char *uri = virConnectGetURI(conn); /* the client's copy: no round trip */
    gboolean remote = nv_uri_is_remote(uri);
    free(uri);
    virResetLastError();
    return !remote;
}

GPtrArray *nv_fetch_domains_full(virConnectPtr conn, GHashTable *cache, NvDomainSamples **samples,
                                 GError **err)
{
    gboolean cheap = calls_are_cheap(conn);
    virDomainStatsRecordPtr *recs = NULL;
    /* A listing alone (ncvirt --list) needs no live groups, which cost the daemon a monitor
     * query per running domain. */
    unsigned groups =
        samples ? NV_LIVE_GROUPS
                : VIR_DOMAIN_STATS_STATE | VIR_DOMAIN_STATS_VCPU | VIR_DOMAIN_STATS_BALLOON;
    gint64 t0 = g_get_monotonic_time();
    int nrecs = virConnectGetAllDomainStats(conn, groups, &recs, 0);
    gint64 when = midpoint(t0, g_get_monotonic_time());
    /* The records name every domain (flags 0: active and inactive), so the list is the stats
     * call alone: one round trip. Only a driver without bulk stats is listed apart. */
    virDomainPtr *doms = NULL;
    int n = nrecs;
    gboolean own_doms = nrecs < 0;
    if (nrecs >= 0) {
        doms = malloc(sizeof(*doms) * (size_t)MAX(nrecs, 1));
        for (int i = 0; i < nrecs; i++)
            doms[i] = recs[i]->dom; /* borrowed: the records own them */
    } else {
        virResetLastError();
        nrecs = 0;
        n = virConnectListAllDomains(conn, &doms, 0);
        if (n < 0) {
            nv_set_virt_error(err, _("cannot list domains"));
            return NULL;
        }
    }
    /* Samples are made for a listing too: that is where each record's UUID is read. */
    g_autoptr(GHashTable) by_uuid = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
    g_autoptr(NvDomainSamples) made = samples_from_records(recs, nrecs, when, by_uuid);
    if (samples)
        *samples = g_steal_pointer(&made);

    g_autoptr(GPtrArray) out = g_ptr_array_new_full(n, (GDestroyNotify)nv_domain_free);
    GError *first_error = NULL;
    for (int i = 0; i < n; i++) {
        char uuid[VIR_UUID_STRING_BUFLEN];
        const char *name = virDomainGetName(doms[i]);
        if (!name || virDomainGetUUIDString(doms[i], uuid) < 0)
            continue;
        g_autoptr(NvDomain) d = g_new0(NvDomain, 1);
        d->name = g_strdup(name);
        d->uuid = g_strdup(uuid);
        unsigned int id = virDomainGetID(doms[i]);
        d->id = id == (unsigned int)-1 ? -1 : (int)id;
        virDomainStatsRecordPtr rec = g_hash_table_lookup(by_uuid, uuid);
        unsigned have = rec ? domain_from_stats(d, rec) : 0;
        GError *e = NULL;
        gboolean ok = TRUE;
        if (!(have & HAVE_STATE) && cheap) {
            ok = domain_from_info(d, doms[i], &e); /* also the sizes */
            have |= HAVE_SIZES;
        }
        if (ok && !(have & HAVE_SIZES))
            ok = domain_sizes(d, doms[i], cache, cheap, &e);
        if (!ok) {
            /* A domain that vanished between the two calls is simply skipped. */
            if (!first_error)
                first_error = e;
            else
                g_error_free(e);
            continue;
        }
        d->title = domain_title(doms[i], uuid, cache, cheap);
        if (!d->title) {
            d->title = g_strdup("");
            d->missing |= NV_DOMAIN_MISSING_TITLE;
        }
        g_ptr_array_add(out, g_steal_pointer(&d));
    }
    if (own_doms)
        free_domain_array(doms, n);
    else
        free(doms);
    if (recs)
        virDomainStatsRecordListFree(recs);

    /* Losing every domain to errors means the connection is gone, not that the host is empty. */
    if (out->len == 0 && first_error) {
        g_propagate_error(err, first_error);
        if (samples)
            g_clear_pointer(samples, nv_domain_samples_free);
        return NULL;
    }
    g_clear_error(&first_error);
    g_ptr_array_sort(out, compare_domains);
    return g_steal_pointer(&out);
}

NvDomainDetails *nv_fetch_domain_details(virConnectPtr conn, const char *uuid, GError **err)
{
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(conn, uuid);
    if (!dom) {
        nv_set_virt_error(err, _("cannot find domain %s"), uuid);
        return NULL;
    }
    /* Every libvirt call resets the thread's last error: take the name before failing. */
    g_autofree char *dom_name = g_strdup(virDomainGetName(dom));
    char *xml = virDomainGetXMLDesc(dom, 0);
    if (!xml) {
        nv_set_virt_error(err, _("cannot read the definition of '%s'"), dom_name);
        return NULL;
    }
    NvDomainDetails *det = nv_xml_domain_details(xml, err);
    free(xml);
    if (det) {
        int state = 0, reason = 0, autostart = 0;
        if (virDomainGetState(dom, &state, &reason, 0) == 0 && state >= 0 &&
            state < NV_DOMAIN_STATE_COUNT) {
            det->state = state;
            det->reason = reason;
        }
        det->autostart = virDomainGetAutostart(dom, &autostart) == 0 ? !!autostart : -1;
        int persistent = virDomainIsPersistent(dom);
        det->persistent = persistent < 0 ? -1 : persistent;
        virResetLastError();
    }
    return det;
}

static gint compare_pools(gconstpointer a, gconstpointer b)
{
    return strcmp((*(NvPool *const *)a)->name, (*(NvPool *const *)b)->name);
}

static NvPool *pool_from_virt(virStoragePoolPtr p)
{
    g_autoptr(NvPool) pool = nv_pool_new();
    char uuid[VIR_UUID_STRING_BUFLEN] = "";
    g_free(pool->name);
    pool->name = g_strdup(virStoragePoolGetName(p));
    if (virStoragePoolGetUUIDString(p, uuid) == 0) {
        g_free(pool->uuid);
        pool->uuid = g_strdup(uuid);
    }
    virStoragePoolInfo info;
    if (virStoragePoolGetInfo(p, &info) == 0) {
        pool->state = info.state;
        pool->capacity = info.capacity;
        pool->allocation = info.allocation;
        pool->available = info.available;
    }
    int active = virStoragePoolIsActive(p);
    pool->active = active > 0;
    int autostart = 0;
    pool->autostart = virStoragePoolGetAutostart(p, &autostart) == 0 ? !!autostart : -1;
    int persistent = virStoragePoolIsPersistent(p);
    pool->persistent = persistent < 0 ? -1 : persistent;
    char *xml = virStoragePoolGetXMLDesc(p, 0);
    if (xml) {
        /* A pool whose XML we cannot read still lists, with its type and path unknown. */
        g_autoptr(GError) ignored = NULL;
        nv_xml_pool(xml, pool, &ignored);
        free(xml);
    }
    virResetLastError();
    return g_steal_pointer(&pool);
}

GPtrArray *nv_fetch_pools(virConnectPtr conn, GError **err)
{
    virStoragePoolPtr *pools = NULL;
    int n = virConnectListAllStoragePools(conn, &pools, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list storage pools"));
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_full(n, (GDestroyNotify)nv_pool_free);
    for (int i = 0; i < n; i++) {
        if (virStoragePoolGetName(pools[i]))
            g_ptr_array_add(out, pool_from_virt(pools[i]));
        virStoragePoolFree(pools[i]);
    }
    free(pools);
    g_ptr_array_sort(out, compare_pools);
    return out;
}

static gint compare_volumes(gconstpointer a, gconstpointer b)
{
    return strcmp((*(NvVolume *const *)a)->name, (*(NvVolume *const *)b)->name);
}

static NvVolume *volume_from_virt(virStorageVolPtr v)
{
    g_autoptr(NvVolume) vol = nv_volume_new();
    g_free(vol->name);
    vol->name = g_strdup(virStorageVolGetName(v));
    g_free(vol->key);
    vol->key = g_strdup(virStorageVolGetKey(v) ? virStorageVolGetKey(v) : "");
    /* The XML holds type, format, path, capacity and allocation: one call per volume. */
    char *xml = virStorageVolGetXMLDesc(v, 0);
    if (xml) {
        g_autoptr(GError) ignored = NULL;
        nv_xml_volume(xml, vol, &ignored);
        free(xml);
    }
    virResetLastError();
    return g_steal_pointer(&vol);
}

GPtrArray *nv_fetch_volumes(virConnectPtr conn, const char *pool_name, GError **err)
{
    g_autoptr(virStoragePool) pool = virStoragePoolLookupByName(conn, pool_name);
    if (!pool) {
        nv_set_virt_error(err, _("cannot find pool '%s'"), pool_name);
        return NULL;
    }
    if (virStoragePoolIsActive(pool) == 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("pool '%s' is not active: start it to list its volumes"), pool_name);
        return NULL;
    }
    virStorageVolPtr *vols = NULL;
    int n = virStoragePoolListAllVolumes(pool, &vols, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list the volumes of '%s'"), pool_name);
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_full(n, (GDestroyNotify)nv_volume_free);
    for (int i = 0; i < n; i++) {
        if (virStorageVolGetName(vols[i]))
            g_ptr_array_add(out, volume_from_virt(vols[i]));
        virStorageVolFree(vols[i]);
    }
    free(vols);
    g_ptr_array_sort(out, compare_volumes);
    return out;
}

static gint compare_networks(gconstpointer a, gconstpointer b)
{
    return strcmp((*(NvNetwork *const *)a)->name, (*(NvNetwork *const *)b)->name);
}

static NvNetwork *network_from_virt(virNetworkPtr n)
{
    g_autoptr(NvNetwork) net = nv_network_new();
    char uuid[VIR_UUID_STRING_BUFLEN];
    g_free(net->name);
    net->name = g_strdup(virNetworkGetName(n));
    if (virNetworkGetUUIDString(n, uuid) == 0) {
        g_free(net->uuid);
        net->uuid = g_strdup(uuid);
    }
    net->active = virNetworkIsActive(n) > 0;
    int autostart = 0;
    net->autostart = virNetworkGetAutostart(n, &autostart) == 0 ? !!autostart : -1;
    int persistent = virNetworkIsPersistent(n);
    net->persistent = persistent < 0 ? -1 : persistent;
    char *xml = virNetworkGetXMLDesc(n, 0);
    if (xml) {
        g_autoptr(GError) ignored = NULL;
        nv_xml_network(xml, net, &ignored);
        free(xml);
    }
    virResetLastError();
    return g_steal_pointer(&net);
}

GPtrArray *nv_fetch_volume_users(virConnectPtr conn, const char *pool, const char *volume,
                                 const char *path, GError **err)
{
    /* A disk's own image, or any image under its overlay: deleting either loses the disk. */
    g_autoptr(NvStorageUsers) all = nv_storage_users_collect(conn, err);
    if (!all)
        return NULL;
    g_autoptr(GPtrArray) uses = nv_storage_users_of(all, path, pool, volume, NULL);
    GPtrArray *users = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < uses->len; i++)
        g_ptr_array_add(users, nv_storage_use_describe(uses->pdata[i]));
    return users;
}

GPtrArray *nv_fetch_networks(virConnectPtr conn, GError **err)
{
    virNetworkPtr *nets = NULL;
    int n = virConnectListAllNetworks(conn, &nets, 0);
    if (n < 0) {
        nv_set_virt_error(err, _("cannot list networks"));
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_full(n, (GDestroyNotify)nv_network_free);
    for (int i = 0; i < n; i++) {
        if (virNetworkGetName(nets[i]))
            g_ptr_array_add(out, network_from_virt(nets[i]));
        virNetworkFree(nets[i]);
    }
    free(nets);
    g_ptr_array_sort(out, compare_networks);
    return out;
}

static gint compare_ifaces(gconstpointer a, gconstpointer b)
{
    return strcmp((*(NvIface *const *)a)->name, (*(NvIface *const *)b)->name);
}

GPtrArray *nv_fetch_ifaces(virConnectPtr conn, GError **err)
{
    virInterfacePtr *ifaces = NULL;
    int n = virConnectListAllInterfaces(conn, &ifaces, 0);
    if (n < 0) {
        virErrorPtr e = virGetLastError();
        if (e && e->code == VIR_ERR_NO_SUPPORT)
            g_set_error(err, NV_ERROR, NV_ERROR_NO_SUPPORT,
                        _("this host's libvirt cannot list host interfaces "
                          "(no interface driver)"));
        else
            nv_set_virt_error(err, _("cannot list host interfaces"));
        return NULL;
    }
    GPtrArray *out = g_ptr_array_new_full(n, (GDestroyNotify)nv_iface_free);
    for (int i = 0; i < n; i++) {
        const char *name = virInterfaceGetName(ifaces[i]);
        if (name) {
            NvIface *iface = g_new0(NvIface, 1);
            const char *mac = virInterfaceGetMACString(ifaces[i]);
            iface->name = g_strdup(name);
            iface->mac = g_strdup(mac ? mac : "");
            iface->active = virInterfaceIsActive(ifaces[i]) > 0;
            g_ptr_array_add(out, iface);
        }
        virInterfaceFree(ifaces[i]);
    }
    free(ifaces);
    virResetLastError();
    g_ptr_array_sort(out, compare_ifaces);
    return out;
}

static void host_kvm(virConnectPtr conn, NvHost *host)
{
    char *xml = virConnectGetDomainCapabilities(conn, NULL, host->arch[0] ? host->arch : NULL, NULL,
                                                "kvm", 0);
    if (xml) {
        g_autoptr(GError) perr = NULL;
        g_autofree char *type = nv_xml_domcaps_virt_type(xml, &perr);
        free(xml);
        host->kvm_available = g_strcmp0(type, "kvm") == 0;
    }
    g_free(host->kvm_explain);
    if (host->kvm_available) {
        host->kvm_explain = g_strdup(_("KVM is available: guests can run with hardware "
                                       "acceleration (domain type kvm)."));
    } else {
        virErrorPtr e = virGetLastError();
        const char *why = e && e->message ? e->message : _("the host reports no kvm domain type");
        host->kvm_explain = g_strdup_printf(_("KVM is not available (%s): guests fall back to "
                                              "TCG emulation (domain type qemu), much slower."),
                                            why);
    }
    virResetLastError();
}

NvHost *nv_fetch_host(virConnectPtr conn, GError **err)
{
    g_autoptr(NvHost) host = g_new0(NvHost, 1);
    char *hostname = virConnectGetHostname(conn);
    if (!hostname) {
        nv_set_virt_error(err, _("cannot read the host name"));
        return NULL;
    }
    host->hostname = g_strdup(hostname);
    free(hostname);
    char *uri = virConnectGetURI(conn);
    host->uri = g_strdup(uri ? uri : "");
    free(uri);
    const char *type = virConnectGetType(conn);
    host->hv_type = g_strdup(type ? type : "");
    virConnectGetVersion(conn, &host->hv_version);
    virConnectGetLibVersion(conn, &host->lib_version);

    virNodeInfo info;
    if (virNodeGetInfo(conn, &info) == 0) {
        host->cpus = info.cpus;
        host->mhz = info.mhz;
        host->nodes = info.nodes;
        host->sockets = info.sockets;
        host->cores = info.cores;
        host->threads = info.threads;
        host->mem_total_kib = info.memory;
        host->arch = g_strndup(info.model, sizeof(info.model));
    }
    if (!host->arch)
        host->arch = g_strdup("");
    unsigned long long free_bytes = virNodeGetFreeMemory(conn);
    host->mem_free_kib = free_bytes / 1024;
    host->cpu_model = g_strdup("");

    char *caps = virConnectGetCapabilities(conn);
    if (caps) {
        g_autoptr(GError) ignored = NULL;
        nv_xml_host_caps(caps, host, &ignored);
        free(caps);
    }
    virResetLastError();
    host_kvm(conn, host);
    return g_steal_pointer(&host);
}
