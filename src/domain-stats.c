/* Live numbers from two samples: rates that survive counter resets, history rings, the merge
 * of one stats call into the model's table, and sparklines. No libvirt here (conn-fetch.c reads the
 * records), so every rule below is unit-tested with synthetic samples. */
#include "domain-stats.h"

#include <math.h>
#include <string.h>

#include "model.h"

/* ---- rings ---- */

void nv_ring_push(NvRing *r, double value)
{
    r->v[r->head] = (float)value;
    r->head = (guint8)((r->head + 1) % NV_STATS_HISTORY);
    if (r->len < NV_STATS_HISTORY)
        r->len++;
}

guint nv_ring_len(const NvRing *r)
{
    return r->len;
}

double nv_ring_get(const NvRing *r, guint i)
{
    if (i >= r->len)
        return 0;
    /* head is one past the newest; the oldest held is len places before it. */
    guint at = (r->head + NV_STATS_HISTORY - r->len + i) % NV_STATS_HISTORY;
    return r->v[at];
}

double nv_ring_last(const NvRing *r)
{
    return r->len ? nv_ring_get(r, r->len - 1u) : 0;
}

double nv_ring_max(const NvRing *r)
{
    double max = 0;
    for (guint i = 0; i < r->len; i++)
        max = MAX(max, nv_ring_get(r, i));
    return max;
}

/* ---- samples ---- */

NvDomainSamples *nv_domain_samples_new(guint reserve)
{
    NvDomainSamples *s = g_new0(NvDomainSamples, 1);
    s->samples = g_array_sized_new(FALSE, TRUE, sizeof(NvDomainSample), reserve);
    return s;
}

void nv_domain_samples_free(NvDomainSamples *s)
{
    if (!s)
        return;
    g_array_unref(s->samples);
    g_free(s);
}

/* ---- rates ---- */

gboolean nv_stats_mem_in_use(const guint64 *current, const guint64 *unused, const guint64 *rss,
                             guint64 *out)
{
    if (current && unused) {
        *out = *unused < *current ? *current - *unused : 0;
        return TRUE;
    }
    if (rss) {
        *out = *rss;
        return TRUE;
    }
    if (current) {
        *out = *current;
        return TRUE;
    }
    return FALSE;
}

double nv_stats_rate(guint64 before, guint64 now, gint64 interval_us)
{
    if (interval_us <= 0 || now < before)
        return 0;
    /* The difference fits in 64 bits (now >= before); the rest is done in double, so no
     * product can wrap however large the counters are. */
    return (double)(now - before) * 1e6 / (double)interval_us;
}

double nv_stats_cpu_percent(guint64 before_ns, guint64 now_ns, gint64 interval_us, unsigned vcpus)
{
    if (vcpus == 0)
        return 0;
    /* ns of CPU per second of wall time, then per vCPU: 1e9 ns/s is one vCPU fully busy. */
    double ns_per_s = nv_stats_rate(before_ns, now_ns, interval_us);
    double pct = ns_per_s / 1e9 / vcpus * 100.0;
    return CLAMP(pct, 0.0, 100.0);
}

/* A rate from two samples that both carry `bit`; FALSE when one of them lacks it. */
static gboolean both_have(const NvDomainSample *a, const NvDomainSample *b, unsigned bit)
{
    return (a->have & bit) && (b->have & bit);
}

void nv_domain_stats_update(NvDomainStats *s, const NvDomainSample *now, gint64 when_us)
{
    /* An entry's first sample is the baseline of its rates, and gives no ring point (a relist
     * may seed it at any moment; the rings get one point per tick). */
    gboolean fresh = s->last.have == 0;
    const NvDomainSample *old = &s->last;
    gint64 dt = when_us - s->last_us;
    unsigned vcpus = now->vcpus ? now->vcpus : old->vcpus ? old->vcpus : 1;
    unsigned have = 0;

    if (both_have(old, now, NV_STAT_CPU)) {
        s->cpu_percent = nv_stats_cpu_percent(old->cpu_ns, now->cpu_ns, dt, vcpus);
        have |= NV_STAT_CPU;
    }
    if (now->have & NV_STAT_MEM) {
        s->mem_kib = now->mem_kib;
        s->mem_max_kib = now->mem_max_kib;
        have |= NV_STAT_MEM;
    }
    if (both_have(old, now, NV_STAT_DISK)) {
        s->rd_bps = nv_stats_rate(old->rd_bytes, now->rd_bytes, dt);
        s->wr_bps = nv_stats_rate(old->wr_bytes, now->wr_bytes, dt);
        have |= NV_STAT_DISK;
    }
    if (both_have(old, now, NV_STAT_NET)) {
        s->rx_bps = nv_stats_rate(old->rx_bytes, now->rx_bytes, dt);
        s->tx_bps = nv_stats_rate(old->tx_bytes, now->tx_bytes, dt);
        have |= NV_STAT_NET;
    }
    s->have = have;
    if (!fresh) {
        nv_ring_push(&s->cpu, (have & NV_STAT_CPU) ? s->cpu_percent : 0);
        nv_ring_push(&s->disk, (have & NV_STAT_DISK) ? s->rd_bps + s->wr_bps : 0);
        nv_ring_push(&s->net, (have & NV_STAT_NET) ? s->rx_bps + s->tx_bps : 0);
        nv_ring_push(&s->mem, (have & NV_STAT_MEM) ? (double)s->mem_kib : 0);
    }
    s->last = *now;
    s->last.vcpus = vcpus;
    s->last_us = when_us;
}

/* ---- the model's table ---- */

/* Keys are UUID strings, 36 characters: g_str_hash walks them a byte at a time, and a refresh
 * of thousands of domains hashes every one. A key of that length is hashed from five
 * overlapping 8-byte words instead; any other string (never seen from libvirt) falls back to
 * g_str_hash. Only the table's speed depends on the hash, never its answers. */
static guint uuid_hash(gconstpointer key)
{
    const char *s = key;
    if (strnlen(s, NV_UUID_BUFLEN) != NV_UUID_BUFLEN - 1)
        return g_str_hash(s);
    static const size_t at[] = {0, 8, 16, 24, 28};
    guint64 h = 0x9e3779b97f4a7c15ULL;
    for (size_t i = 0; i < G_N_ELEMENTS(at); i++) {
        guint64 w;
        memcpy(&w, s + at[i], sizeof(w));
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    return (guint)h;
}

GHashTable *nv_domain_stats_table_new(void)
{
    /* The key is the entry's own last.uuid: no second allocation per domain. */
    return g_hash_table_new_full(uuid_hash, g_str_equal, NULL, g_free);
}

/* Values mirror virDomainState: a domain in these states has no live numbers. */
static gboolean sample_is_live(const NvDomainSample *s)
{
    return s->have != 0 && s->state != NV_DOMAIN_SHUTOFF && s->state != NV_DOMAIN_CRASHED;
}

static NvDomainStats *stats_new(const NvDomainSample *now)
{
    NvDomainStats *s = g_new0(NvDomainStats, 1);
    memcpy(s->last.uuid, now->uuid, sizeof(s->last.uuid));
    return s;
}

/* Marks the entries one merge saw; it only has to differ from every earlier merge's mark. */
static guint merge_epoch(void)
{
    static gint epoch;
    return (guint)g_atomic_int_add(&epoch, 1) + 1u;
}

/* The entry of the sample after `prev`'s in the last tick, when it is `now`'s: libvirt answers in
 * the same order tick after tick, so following that chain finds nearly every entry without
 * hashing, and the next one can be fetched from memory while this one is updated. */
static NvDomainStats *follow_chain(const NvDomainStats *prev, const NvDomainSample *now)
{
    NvDomainStats *hint = prev ? prev->next_seen : NULL;
    if (hint == NULL)
        return NULL;
    if (hint->next_seen)
        __builtin_prefetch(hint->next_seen);
    return memcmp(hint->last.uuid, now->uuid, sizeof(now->uuid)) == 0 ? hint : NULL;
}

gboolean nv_domain_stats_merge(GHashTable *table, const NvDomainSamples *batch, gboolean tick)
{
    guint epoch = merge_epoch();
    gboolean changed = FALSE;
    NvDomainStats *prev = NULL; /* the entry of the last live sample, on a tick */
    guint seen = 0;             /* entries this tick saw */
    for (guint i = 0; i < batch->samples->len; i++) {
        const NvDomainSample *now = &g_array_index(batch->samples, NvDomainSample, i);
        if (!sample_is_live(now))
            continue;
        NvDomainStats *s = tick ? follow_chain(prev, now) : NULL;
        if (s == NULL)
            s = g_hash_table_lookup(table, now->uuid);
        if (s && !tick) {
            /* Ticks carry no vCPU count (conn-fetch.c): a relist keeps the CPU scale current. */
            if (now->vcpus)
                s->last.vcpus = now->vcpus;
            continue;
        }
        if (!s) {
            s = stats_new(now);
            g_hash_table_insert(table, s->last.uuid, s);
            changed = TRUE;
        }
        if (tick) {
            /* Every link set here points to an entry this tick saw, which stays. */
            if (prev)
                prev->next_seen = s;
            prev = s;
            if (s->epoch != epoch)
                seen++;
        }
        s->epoch = epoch;
        if (s->last.have && batch->when_us - s->last_us < NV_STATS_MIN_INTERVAL_US)
            continue; /* too soon after the last sample: keep the older baseline */
        nv_domain_stats_update(s, now, batch->when_us);
    }
    if (!tick)
        return changed;
    if (prev)
        prev->next_seen = NULL;
    if (seen == g_hash_table_size(table))
        return changed; /* every entry was seen: none to drop, no need to visit them all */
    /* Whatever this tick did not see is gone, stopped or without numbers now. */
    GHashTableIter it;
    gpointer value;
    g_hash_table_iter_init(&it, table);
    while (g_hash_table_iter_next(&it, NULL, &value))
        if (((NvDomainStats *)value)->epoch != epoch) {
            g_hash_table_iter_remove(&it);
            changed = TRUE;
        }
    return changed;
}

void nv_domain_stats_link(GPtrArray *domains, GHashTable *table)
{
    gboolean empty = g_hash_table_size(table) == 0;
    for (guint i = 0; i < domains->len; i++) {
        NvDomain *d = domains->pdata[i];
        /* Shut-off domains are never in the table: skip the lookup for them. */
        d->stats = empty || d->id < 0 ? NULL : g_hash_table_lookup(table, d->uuid);
    }
}

/* ---- host ---- */

double nv_host_cpu_percent(const NvHostSample *before, const NvHostSample *now)
{
    if (now->cpu_utilization >= 0)
        return CLAMP(now->cpu_utilization, 0.0, 100.0);
    if (now->cpu_total_ns <= before->cpu_total_ns || now->cpu_busy_ns < before->cpu_busy_ns)
        return 0;
    double busy = (double)(now->cpu_busy_ns - before->cpu_busy_ns);
    double total = (double)(now->cpu_total_ns - before->cpu_total_ns);
    return CLAMP(busy / total * 100.0, 0.0, 100.0);
}

void nv_host_stats_update(NvHostStats *s, const NvHostSample *now)
{
    gboolean fresh = s->last.have == 0;
    if (!fresh && now->when_us - s->last.when_us < NV_STATS_MIN_INTERVAL_US)
        return;
    unsigned have = 0;
    if ((now->have & NV_STAT_CPU) && ((s->last.have & NV_STAT_CPU) || now->cpu_utilization >= 0)) {
        s->cpu_percent = nv_host_cpu_percent(&s->last, now);
        have |= NV_STAT_CPU;
    }
    if (now->have & NV_STAT_MEM) {
        s->mem_total_kib = now->mem_total_kib;
        s->mem_used_kib =
            now->mem_avail_kib < now->mem_total_kib ? now->mem_total_kib - now->mem_avail_kib : 0;
        have |= NV_STAT_MEM;
    }
    s->have = have;
    if (!fresh) {
        nv_ring_push(&s->cpu, (have & NV_STAT_CPU) ? s->cpu_percent : 0);
        nv_ring_push(&s->mem, (have & NV_STAT_MEM) ? (double)s->mem_used_kib : 0);
    }
    s->last = *now;
}

/* ---- text ---- */

static const char *const spark_glyphs[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};

const char *nv_spark_glyph(double value, double max)
{
    /* Written so that NaN in either falls to the lowest band. */
    if (!(max > 0) || !(value > 0))
        return spark_glyphs[0];
    double band = value / max * G_N_ELEMENTS(spark_glyphs);
    guint level =
        band >= G_N_ELEMENTS(spark_glyphs) ? G_N_ELEMENTS(spark_glyphs) - 1u : (guint)band;
    return spark_glyphs[level];
}

char *nv_sparkline(const NvRing *r, guint width, double max)
{
    guint n = MIN(width, nv_ring_len(r));
    guint first = nv_ring_len(r) - n;
    if (max <= 0)
        for (guint i = first; i < first + n; i++)
            max = MAX(max, nv_ring_get(r, i));
    /* Every glyph is three bytes of UTF-8. */
    GString *s = g_string_sized_new(width * 3 + 1);
    for (guint i = n; i < width; i++)
        g_string_append_c(s, ' ');
    for (guint i = first; i < first + n; i++)
        g_string_append(s, nv_spark_glyph(nv_ring_get(r, i), max));
    return g_string_free(s, FALSE);
}

char *nv_format_compact(double value)
{
    static const char units[] = "KMGTPE";
    if (!(value >= 0.5))
        return g_strdup("0");
    /* The limits are where printf's rounding would need a fifth column. */
    if (value < 999.5)
        return g_strdup_printf("%.0f", value);
    guint unit = 0;
    value /= 1024.0;
    while (value >= 999.5 && unit + 1 < sizeof(units) - 1) {
        value /= 1024.0;
        unit++;
    }
    if (value < 9.95)
        return g_strdup_printf("%.1f%c", value, units[unit]);
    return g_strdup_printf("%.0f%c", value, units[unit]);
}

char *nv_format_rate(double bytes_per_second)
{
    g_autofree char *n = nv_format_compact(bytes_per_second);
    return g_strdup_printf("%s/s", n);
}

char *nv_format_percent(double percent)
{
    if (!(percent > 0))
        percent = 0;
    if (percent < 9.95)
        return g_strdup_printf("%.1f%%", percent);
    return g_strdup_printf("%.0f%%", percent);
}
