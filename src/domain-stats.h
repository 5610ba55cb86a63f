/* Live numbers: rates from two samples of libvirt's counters, 60-sample history rings for the
 * sparklines, and the sparkline text itself. Pure functions over plain data (no libvirt types:
 * conn-fetch.c turns stats records into NvDomainSample/NvHostSample), so all of it is unit-tested.
 */
#pragma once

#include <glib.h>

/* Samples kept per series: two minutes at the default refresh of 2 s. */
#define NV_STATS_HISTORY 60
/* A tick closer than this to an entry's previous sample is skipped (that sample stays the
 * baseline): a refresh right after a relist would give rates over a few milliseconds. */
#define NV_STATS_MIN_INTERVAL_US 500000
/* A UUID as text, with its NUL (VIR_UUID_STRING_BUFLEN, without including libvirt). */
#define NV_UUID_BUFLEN 37

/* Which numbers a sample or a stats entry carries. */
enum {
    NV_STAT_CPU = 1 << 0,
    NV_STAT_MEM = 1 << 1,
    NV_STAT_DISK = 1 << 2,
    NV_STAT_NET = 1 << 3,
};

/* The last NV_STATS_HISTORY values of one series, oldest first. Floats: 5000 domains with four
 * rings each stay under 5 MB. Zero-initialised is empty. head and len come first: a push then
 * often touches one cache line instead of two (a refresh pushes to 20000 rings). */
typedef struct {
    guint8 head; /* where the next value goes */
    guint8 len;  /* values held */
    float v[NV_STATS_HISTORY];
} NvRing;

void nv_ring_push(NvRing *r, double value);
guint nv_ring_len(const NvRing *r);
/* The i-th value, 0 being the oldest held; 0 when i is out of range. */
double nv_ring_get(const NvRing *r, guint i);
/* The newest value (0 when empty) and the largest held (0 when empty). */
double nv_ring_last(const NvRing *r);
double nv_ring_max(const NvRing *r);

/* One domain's counters from one stats record (what the groups gave; see `have`). */
typedef struct {
    char uuid[NV_UUID_BUFLEN];
    int state;                  /* virDomainState; 0 when the record had no state group */
    unsigned have;              /* NV_STAT_* bits of the fields below that are valid */
    unsigned vcpus;             /* vcpu.current; 0 when unknown */
    guint64 cpu_ns;             /* cpu.time: host CPU time of the whole domain */
    guint64 mem_kib;            /* in use, see nv_stats_mem_in_use */
    guint64 mem_max_kib;        /* balloon.maximum; 0 when unknown */
    guint64 rd_bytes, wr_bytes; /* sums over block.N */
    guint64 rx_bytes, tx_bytes; /* sums over net.N */
} NvDomainSample;

/* The records of one virConnectGetAllDomainStats call, taken at one moment. */
typedef struct {
    gint64 when_us;  /* g_get_monotonic_time() when the call returned */
    GArray *samples; /* NvDomainSample */
} NvDomainSamples;

NvDomainSamples *nv_domain_samples_new(guint reserve);
void nv_domain_samples_free(NvDomainSamples *s);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvDomainSamples, nv_domain_samples_free)

/* The live numbers of one running domain, kept in NvModel.domain_stats by UUID. */
typedef struct NvDomainStats {
    /* The previous sample, for the next rates; its uuid is the entry's key in the table. What
     * every merge reads comes first, together, and the rings last (memory, not instructions,
     * is most of a 5000-domain refresh: bench/bench-refresh). */
    NvDomainSample last;
    gint64 last_us;
    guint epoch; /* the last merge that saw the domain */
    /* The entry of the next live sample of the last tick, or NULL: a hint for the next merge
     * (domain-stats.c), never followed without checking its UUID; it only ever points to entries
     * that tick saw, which a merge does not drop until a tick that sees neither. */
    struct NvDomainStats *next_seen;
    unsigned have;      /* NV_STAT_* bits of the current values below */
    double cpu_percent; /* of all the domain's vCPUs together: 100 = every vCPU busy */
    guint64 mem_kib;    /* in use */
    guint64 mem_max_kib;
    double rd_bps, wr_bps, rx_bps, tx_bps; /* bytes per second */
    NvRing cpu, mem, disk, net;            /* %, KiB, read+write B/s, rx+tx B/s */
} NvDomainStats;

/* Memory in use from the balloon group (KiB): current - unused when the guest reports unused
 * memory (what the guest itself sees; virt-manager shows the same), else rss (what the host
 * process holds), else current (what is assigned). FALSE when none is known. */
gboolean nv_stats_mem_in_use(const guint64 *current, const guint64 *unused, const guint64 *rss,
                             guint64 *out);

/* Bytes (or any unit) per second from two readings of a counter `interval_us` apart. 0 when
 * the interval is not positive or the counter went backwards (the guest restarted, a disk
 * was unplugged): a reset starts a new baseline, it is never a negative rate. */
double nv_stats_rate(guint64 before, guint64 now, gint64 interval_us);

/* Domain CPU use in percent of all its vCPUs (virt-manager's "guest CPU usage": 100% means
 * every vCPU busy, so one busy vCPU of two is 50%). cpu.time counts QEMU's own threads too,
 * so the result is clamped to 0..100. 0 on a reset, a zero interval or zero vCPUs. */
double nv_stats_cpu_percent(guint64 before_ns, guint64 now_ns, gint64 interval_us, unsigned vcpus);

/* Turns a new sample into current values and ring entries, with the previous sample of the
 * entry as the other end of each rate. The entry's first sample is only a baseline: current
 * memory, no rates, no ring points. Later, a group missing from either sample gives no current
 * value and a 0 in its ring, so the four rings stay in step. Without the vcpu
 * group the previous sample's count is used, else one vCPU. */
void nv_domain_stats_update(NvDomainStats *s, const NvDomainSample *now, gint64 when_us);

/* Merges one call's samples into `table` (uuid -> NvDomainStats*, made by
 * nv_domain_stats_table_new). `tick` TRUE (the periodic refresh): rates are computed and the
 * rings advance (except for entries sampled less than NV_STATS_MIN_INTERVAL_US before);
 * entries of domains that are gone, inactive or without numbers are dropped.
 * FALSE (a list refresh, at any moment): only domains without an entry get their first sample,
 * so the rings keep one point per tick; entries that exist take only the vCPU count (ticks
 * have none: the CPU % of a tick is scaled by the count the last relist saw).
 * Returns TRUE when an entry was added or dropped: only then can an NvDomain's `stats` link be
 * out of date (entries are updated in place), so only then is nv_domain_stats_link needed
 * after a tick. */
gboolean nv_domain_stats_merge(GHashTable *table, const NvDomainSamples *batch, gboolean tick);
GHashTable *nv_domain_stats_table_new(void);

/* Sets every NvDomain's `stats` (domains: NvDomain*) to its entry in `table`, or NULL. */
void nv_domain_stats_link(GPtrArray *domains, GHashTable *table);

/* The host's counters: virNodeGetCPUStats (all CPUs) and virNodeGetMemoryStats (all cells). */
typedef struct {
    gint64 when_us;         /* g_get_monotonic_time() of the sample */
    unsigned have;          /* NV_STAT_CPU, NV_STAT_MEM */
    guint64 cpu_busy_ns;    /* kernel + user (+ intr) */
    guint64 cpu_total_ns;   /* busy + idle + iowait */
    double cpu_utilization; /* a driver's own percentage, when it gives one; else < 0 */
    guint64 mem_total_kib;
    guint64 mem_avail_kib; /* free + buffers + cached */
} NvHostSample;

typedef struct {
    unsigned have;      /* NV_STAT_CPU, NV_STAT_MEM of the current values */
    double cpu_percent; /* of all host CPUs */
    guint64 mem_used_kib, mem_total_kib;
    NvRing cpu, mem; /* %, used KiB */
    NvHostSample last;
} NvHostStats;

/* Host CPU in percent of all CPUs from two samples; 0 when nothing moved or a counter went
 * backwards. */
double nv_host_cpu_percent(const NvHostSample *before, const NvHostSample *now);
/* As nv_domain_stats_update: the first sample gives current memory only, then every sample
 * pushes one point (0 when unknown) into both rings; one closer than NV_STATS_MIN_INTERVAL_US
 * to the previous is ignored. */
void nv_host_stats_update(NvHostStats *s, const NvHostSample *now);

/* One of ▁▂▃▄▅▆▇█ for `value` on a 0..max scale (eight equal bands; ▁ for 0, for values at
 * or below 0, for NaN and for max <= 0). */
const char *nv_spark_glyph(double value, double max);
/* The newest `width` values of `r` as glyphs, oldest left; padded on the left with spaces
 * while the ring holds fewer. `max` <= 0 scales to the largest value shown. */
char *nv_sparkline(const NvRing *r, guint width, double max);

/* Compact rates and percentages for narrow columns: "0", "512", "1.2K", "34K", "1.2M" (1024
 * based, at most four columns); nv_format_rate adds "/s". */
char *nv_format_compact(double value);
char *nv_format_rate(double bytes_per_second);
/* "0.4%", "12%", "100%". */
char *nv_format_percent(double percent);
