/* Unit tests of domain-stats.c: rates from synthetic sample pairs (resets, zero intervals, huge
 * counters), the merge into the model's table, history rings, sparklines and number formats. */
#include <check.h>
#include <glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "domain-stats.h"

#define SEC 1000000 /* µs */

START_TEST(test_rate)
{
    ck_assert_double_eq_tol(nv_stats_rate(1000, 3000, 2 * SEC), 1000.0, 1e-9);
    ck_assert_double_eq_tol(nv_stats_rate(0, 512, SEC / 2), 1024.0, 1e-9);
    ck_assert_double_eq(nv_stats_rate(5, 5, SEC), 0.0);
    /* A counter that went backwards (the guest restarted): no rate, never negative. */
    ck_assert_double_eq(nv_stats_rate(3000, 1000, 2 * SEC), 0.0);
    /* Zero and negative intervals. */
    ck_assert_double_eq(nv_stats_rate(1000, 3000, 0), 0.0);
    ck_assert_double_eq(nv_stats_rate(1000, 3000, -SEC), 0.0);
    /* Counters near the top of 64 bits: the difference is exact, no product wraps. */
    guint64 big = G_MAXUINT64 - 1000;
    ck_assert_double_eq_tol(nv_stats_rate(big, G_MAXUINT64, SEC), 1000.0, 1e-6);
    ck_assert_double_eq_tol(nv_stats_rate(0, G_MAXUINT64, SEC), (double)G_MAXUINT64, 1e6);
    ck_assert(nv_stats_rate(0, G_MAXUINT64, 1) > 0);
}
END_TEST

START_TEST(test_cpu_percent)
{
    /* Two vCPUs; 1 s of CPU time over 1 s of wall time is one vCPU busy: 50% of the domain. */
    ck_assert_double_eq_tol(nv_stats_cpu_percent(0, 1000000000ULL, SEC, 2), 50.0, 1e-9);
    ck_assert_double_eq_tol(nv_stats_cpu_percent(0, 4000000000ULL, 2 * SEC, 2), 100.0, 1e-9);
    ck_assert_double_eq_tol(nv_stats_cpu_percent(10, 10 + 500000000ULL, 2 * SEC, 1), 25.0, 1e-9);
    /* QEMU's own threads push cpu.time past vCPUs x wall time: clamped. */
    ck_assert_double_eq(nv_stats_cpu_percent(0, 9000000000ULL, SEC, 2), 100.0);
    /* Reset, zero interval, zero vCPUs. */
    ck_assert_double_eq(nv_stats_cpu_percent(9000000000ULL, 1000, SEC, 2), 0.0);
    ck_assert_double_eq(nv_stats_cpu_percent(0, 1000, 0, 2), 0.0);
    ck_assert_double_eq(nv_stats_cpu_percent(0, 1000, SEC, 0), 0.0);
    ck_assert_double_eq_tol(nv_stats_cpu_percent(G_MAXUINT64 - 1, G_MAXUINT64, SEC, 1), 1e-7,
                            1e-12);
}
END_TEST

START_TEST(test_mem_in_use)
{
    guint64 cur = 2048, unused = 512, rss = 3000, out = 0;
    ck_assert(nv_stats_mem_in_use(&cur, &unused, &rss, &out));
    ck_assert_uint_eq(out, 1536);
    ck_assert(nv_stats_mem_in_use(&cur, NULL, &rss, &out));
    ck_assert_uint_eq(out, 3000);
    ck_assert(nv_stats_mem_in_use(&cur, NULL, NULL, &out));
    ck_assert_uint_eq(out, 2048);
    ck_assert(nv_stats_mem_in_use(NULL, &unused, &rss, &out));
    ck_assert_uint_eq(out, 3000);
    guint64 more_unused = 4096;
    ck_assert(nv_stats_mem_in_use(&cur, &more_unused, NULL, &out));
    ck_assert_uint_eq(out, 0);
    out = 7;
    ck_assert(!nv_stats_mem_in_use(NULL, &unused, NULL, &out));
    ck_assert_uint_eq(out, 7);
}
END_TEST

static NvDomainSample sample(const char *uuid, guint64 cpu_ns, guint64 rd, guint64 rx)
{
    NvDomainSample s = {0};
    g_strlcpy(s.uuid, uuid, sizeof(s.uuid));
    s.state = NV_DOMAIN_RUNNING;
    s.have = NV_STAT_CPU | NV_STAT_MEM | NV_STAT_DISK | NV_STAT_NET;
    s.vcpus = 2;
    s.cpu_ns = cpu_ns;
    s.mem_kib = 1024;
    s.rd_bytes = rd;
    s.wr_bytes = rd / 2;
    s.rx_bytes = rx;
    s.tx_bytes = rx * 2;
    return s;
}

#define UUID_A "11111111-1111-1111-1111-111111111111"
#define UUID_B "22222222-2222-2222-2222-222222222222"

START_TEST(test_domain_update)
{
    NvDomainStats st = {0};
    NvDomainSample a = sample(UUID_A, 0, 0, 0);
    nv_domain_stats_update(&st, &a, 10 * SEC);
    /* The first sample is a baseline: memory now, no rates, no ring points. */
    ck_assert_uint_eq(st.have, NV_STAT_MEM);
    ck_assert_uint_eq(st.mem_kib, 1024);
    ck_assert_uint_eq(nv_ring_len(&st.cpu), 0);
    ck_assert_uint_eq(nv_ring_len(&st.mem), 0);

    NvDomainSample b = sample(UUID_A, 1000000000ULL, 4096, 1000);
    nv_domain_stats_update(&st, &b, 12 * SEC);
    ck_assert_uint_eq(st.have, NV_STAT_CPU | NV_STAT_MEM | NV_STAT_DISK | NV_STAT_NET);
    ck_assert_double_eq_tol(st.cpu_percent, 25.0, 1e-9); /* 1 s over 2 s, 2 vCPUs */
    ck_assert_double_eq_tol(st.rd_bps, 2048.0, 1e-9);
    ck_assert_double_eq_tol(st.wr_bps, 1024.0, 1e-9);
    ck_assert_double_eq_tol(st.rx_bps, 500.0, 1e-9);
    ck_assert_double_eq_tol(st.tx_bps, 1000.0, 1e-9);
    ck_assert_uint_eq(nv_ring_len(&st.cpu), 1);
    ck_assert_double_eq_tol(nv_ring_last(&st.cpu), 25.0, 1e-4);
    ck_assert_double_eq_tol(nv_ring_last(&st.disk), 3072.0, 1e-3);
    ck_assert_double_eq_tol(nv_ring_last(&st.net), 1500.0, 1e-3);
    ck_assert_double_eq_tol(nv_ring_last(&st.mem), 1024.0, 1e-3);

    /* The guest restarted: every counter is smaller. Rates are 0, not negative, and the new
     * sample is the baseline of the next ones. */
    NvDomainSample c = sample(UUID_A, 1000, 10, 10);
    nv_domain_stats_update(&st, &c, 14 * SEC);
    ck_assert_double_eq(st.cpu_percent, 0.0);
    ck_assert_double_eq(st.rd_bps, 0.0);
    ck_assert_double_eq(st.rx_bps, 0.0);
    ck_assert_double_eq(st.tx_bps, 0.0);
    NvDomainSample d = sample(UUID_A, 1000 + 2000000000ULL, 10 + 2048, 10);
    nv_domain_stats_update(&st, &d, 16 * SEC);
    ck_assert_double_eq_tol(st.cpu_percent, 50.0, 1e-9);
    ck_assert_double_eq_tol(st.rd_bps, 1024.0, 1e-9);

    /* The same moment twice: a zero interval gives 0, no division by zero. */
    NvDomainSample e = sample(UUID_A, 9000000000ULL, 99999, 99999);
    nv_domain_stats_update(&st, &e, 16 * SEC);
    ck_assert_double_eq(st.cpu_percent, 0.0);
    ck_assert_double_eq(st.rd_bps, 0.0);
    ck_assert(isfinite(st.rx_bps));

    /* A group missing this time: no current value, a 0 in its ring, the rings in step. */
    NvDomainSample f = sample(UUID_A, 10000000000ULL, 99999, 99999);
    f.have &= ~(guint)NV_STAT_DISK;
    nv_domain_stats_update(&st, &f, 18 * SEC);
    ck_assert(!(st.have & NV_STAT_DISK));
    ck_assert(st.have & NV_STAT_CPU);
    ck_assert_double_eq(nv_ring_last(&st.disk), 0.0);
    ck_assert_uint_eq(nv_ring_len(&st.cpu), nv_ring_len(&st.disk));
    ck_assert_uint_eq(nv_ring_len(&st.cpu), nv_ring_len(&st.net));
    ck_assert_uint_eq(nv_ring_len(&st.cpu), nv_ring_len(&st.mem));

    /* Without the vcpu group the previous count (2) is kept. */
    NvDomainSample g = sample(UUID_A, 12000000000ULL, 0, 0);
    g.vcpus = 0;
    nv_domain_stats_update(&st, &g, 20 * SEC);
    ck_assert_double_eq_tol(st.cpu_percent, 50.0, 1e-9);
}
END_TEST

static NvDomainSamples *batch_of(gint64 when, const NvDomainSample *s, guint n)
{
    NvDomainSamples *b = nv_domain_samples_new(n);
    b->when_us = when;
    g_array_append_vals(b->samples, s, n);
    return b;
}

START_TEST(test_merge)
{
    g_autoptr(GHashTable) table = nv_domain_stats_table_new();
    NvDomainSample s1[] = {sample(UUID_A, 0, 0, 0), sample(UUID_B, 0, 0, 0)};
    s1[1].state = NV_DOMAIN_SHUTOFF;
    s1[1].have = 0;
    /* A relist seeds: A gets an entry (a baseline), B (shut off, no numbers) none. */
    g_autoptr(NvDomainSamples) seed = batch_of(SEC, s1, 2);
    ck_assert(nv_domain_stats_merge(table, seed, FALSE)); /* A added */
    ck_assert_uint_eq(g_hash_table_size(table), 1);
    NvDomainStats *a = g_hash_table_lookup(table, UUID_A);
    ck_assert_ptr_nonnull(a);
    ck_assert_str_eq(a->last.uuid, UUID_A);
    ck_assert_uint_eq(nv_ring_len(&a->cpu), 0);

    /* A tick: rates from the seeded baseline; B started and gets its baseline. */
    NvDomainSample s2[] = {sample(UUID_A, 2000000000ULL, 0, 0), sample(UUID_B, 5, 0, 0)};
    g_autoptr(NvDomainSamples) t1 = batch_of(3 * SEC, s2, 2);
    ck_assert(nv_domain_stats_merge(table, t1, TRUE)); /* B added */
    ck_assert_uint_eq(g_hash_table_size(table), 2);
    a = g_hash_table_lookup(table, UUID_A);
    ck_assert_double_eq_tol(a->cpu_percent, 50.0, 1e-9);
    ck_assert_uint_eq(nv_ring_len(&a->cpu), 1);

    /* A relist between ticks does not move the rings or the baselines. */
    g_autoptr(NvDomainSamples) seed2 = batch_of(4 * SEC, s2, 2);
    ck_assert(!nv_domain_stats_merge(table, seed2, FALSE)); /* same members */
    ck_assert_uint_eq(nv_ring_len(&a->cpu), 1);
    ck_assert_int_eq(a->last_us, 3 * SEC);

    /* A tick too soon after the last one keeps the older baseline and both entries. */
    g_autoptr(NvDomainSamples) soon = batch_of(3 * SEC + 1000, s2, 1);
    ck_assert(nv_domain_stats_merge(table, soon, TRUE)); /* B dropped */
    ck_assert_uint_eq(g_hash_table_size(table), 1);      /* B was not in it: gone */
    a = g_hash_table_lookup(table, UUID_A);
    ck_assert_ptr_nonnull(a);
    ck_assert_int_eq(a->last_us, 3 * SEC);
    ck_assert_uint_eq(nv_ring_len(&a->cpu), 1);

    /* A stops: its entry goes. */
    NvDomainSample s3 = sample(UUID_A, 0, 0, 0);
    s3.state = NV_DOMAIN_SHUTOFF;
    g_autoptr(NvDomainSamples) t2 = batch_of(5 * SEC, &s3, 1);
    ck_assert(nv_domain_stats_merge(table, t2, TRUE)); /* A dropped */
    ck_assert_uint_eq(g_hash_table_size(table), 0);

    /* An empty answer (the test driver's state-only records) leaves nothing behind. */
    NvDomainSample bare = {0};
    g_strlcpy(bare.uuid, UUID_B, sizeof(bare.uuid));
    bare.state = NV_DOMAIN_RUNNING;
    g_autoptr(NvDomainSamples) t3 = batch_of(7 * SEC, &bare, 1);
    nv_domain_stats_merge(table, t3, TRUE);
    nv_domain_stats_merge(table, t3, FALSE);
    ck_assert_uint_eq(g_hash_table_size(table), 0);
}
END_TEST

/* Ticks carry no vCPU count (conn-fetch.c leaves the vCPU group out): CPU % is scaled by the count
 * of the relist that seeded the entry, and a later relist updates it. */
START_TEST(test_merge_vcpus)
{
    g_autoptr(GHashTable) table = nv_domain_stats_table_new();
    NvDomainSample seed_s = sample(UUID_A, 0, 0, 0); /* 2 vCPUs */
    g_autoptr(NvDomainSamples) seed = batch_of(SEC, &seed_s, 1);
    nv_domain_stats_merge(table, seed, FALSE);

    NvDomainSample t = sample(UUID_A, 2000000000ULL, 0, 0);
    t.vcpus = 0;
    g_autoptr(NvDomainSamples) t1 = batch_of(3 * SEC, &t, 1);
    nv_domain_stats_merge(table, t1, TRUE);
    NvDomainStats *a = g_hash_table_lookup(table, UUID_A);
    ck_assert_double_eq_tol(a->cpu_percent, 50.0, 1e-9); /* 2 s of CPU in 2 s, 2 vCPUs */

    NvDomainSample grown = sample(UUID_A, 2000000000ULL, 0, 0);
    grown.vcpus = 4;
    g_autoptr(NvDomainSamples) relist = batch_of(4 * SEC, &grown, 1);
    ck_assert(!nv_domain_stats_merge(table, relist, FALSE));
    ck_assert_uint_eq(nv_ring_len(&a->cpu), 1); /* a relist adds no point */

    t.cpu_ns = 4000000000ULL;
    g_autoptr(NvDomainSamples) t2 = batch_of(5 * SEC, &t, 1);
    nv_domain_stats_merge(table, t2, TRUE);
    ck_assert_double_eq_tol(a->cpu_percent, 25.0, 1e-9); /* now scaled by 4 */
}
END_TEST

#define UUID_C "33333333-3333-3333-3333-333333333333"

/* Merge follows last tick's order as a hint: a changed order, a domain gone from the middle
 * and one come back must still give every domain its own numbers. */
START_TEST(test_merge_order)
{
    g_autoptr(GHashTable) table = nv_domain_stats_table_new();
    const char *uuids[] = {UUID_A, UUID_B, UUID_C};
    /* cpu_ns of domain k at tick t: (k + 1) * t / 2 seconds, so each has its own CPU %. */
    const guint orders[][3] = {{0, 1, 2}, {0, 1, 2}, {2, 0, 1}, {0, 2, 9}, {0, 2, 9}, {1, 0, 2}};
    const gboolean changes[] = {TRUE, FALSE, FALSE, TRUE, FALSE, TRUE};
    for (guint t = 0; t < G_N_ELEMENTS(orders); t++) {
        NvDomainSample s[3];
        guint n = 0;
        for (guint j = 0; j < 3; j++) {
            guint k = orders[t][j];
            if (k > 2)
                continue;
            s[n++] = sample(uuids[k], (k + 1) * t * 500000000ULL, 0, 0);
        }
        g_autoptr(NvDomainSamples) b = batch_of((gint64)(t + 1) * SEC, s, n);
        ck_assert_int_eq(nv_domain_stats_merge(table, b, TRUE), changes[t]);
        ck_assert_uint_eq(g_hash_table_size(table), n);
        for (guint j = 0; j < n; j++) {
            NvDomainStats *e = g_hash_table_lookup(table, s[j].uuid);
            ck_assert_ptr_nonnull(e);
            ck_assert_uint_eq(e->last.cpu_ns, s[j].cpu_ns);
            guint k = (guint)(s[j].uuid[0] - '1');
            /* (k + 1) / 2 s of CPU per 1 s tick over 2 vCPUs; B is new again at t = 5. */
            if (t > 0 && !(t == 5 && k == 1))
                ck_assert_double_eq_tol(e->cpu_percent, (k + 1) * 25.0, 1e-9);
        }
    }
}
END_TEST

START_TEST(test_link)
{
    g_autoptr(GHashTable) table = nv_domain_stats_table_new();
    NvDomainSample s = sample(UUID_A, 0, 0, 0);
    g_autoptr(NvDomainSamples) b = batch_of(SEC, &s, 1);
    nv_domain_stats_merge(table, b, TRUE);
    g_autoptr(GPtrArray) doms = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    const char *uuids[] = {UUID_A, UUID_B, UUID_A};
    int ids[] = {1, 2, -1};
    for (guint i = 0; i < G_N_ELEMENTS(uuids); i++) {
        NvDomain *d = g_new0(NvDomain, 1);
        d->uuid = g_strdup(uuids[i]);
        d->id = ids[i];
        d->stats = (const NvDomainStats *)d; /* junk, must be overwritten */
        g_ptr_array_add(doms, d);
    }
    nv_domain_stats_link(doms, table);
    ck_assert_ptr_eq(((NvDomain *)doms->pdata[0])->stats, g_hash_table_lookup(table, UUID_A));
    ck_assert_ptr_null(((NvDomain *)doms->pdata[1])->stats);
    ck_assert_ptr_null(((NvDomain *)doms->pdata[2])->stats); /* not running */

    /* A tick with the same members updates the entries in place: the links stay right
     * without a relink, and merge says none is needed. */
    NvDomainSample s2 = sample(UUID_A, 1000, 0, 0);
    g_autoptr(NvDomainSamples) b2 = batch_of(3 * SEC, &s2, 1);
    ck_assert(!nv_domain_stats_merge(table, b2, TRUE));
    const NvDomainStats *a = ((NvDomain *)doms->pdata[0])->stats;
    ck_assert_ptr_eq(a, g_hash_table_lookup(table, UUID_A));
    ck_assert_uint_eq(nv_ring_len(&a->cpu), 1);
    /* Keys that are not 36 characters long take the other hash: still no false match. */
    ck_assert_ptr_null(g_hash_table_lookup(table, ""));
    ck_assert_ptr_null(g_hash_table_lookup(table, UUID_A "0"));
}
END_TEST

START_TEST(test_host)
{
    NvHostStats h = {0};
    NvHostSample a = {.when_us = SEC,
                      .have = NV_STAT_CPU | NV_STAT_MEM,
                      .cpu_busy_ns = 100,
                      .cpu_total_ns = 1000,
                      .cpu_utilization = -1,
                      .mem_total_kib = 8000,
                      .mem_avail_kib = 6000};
    nv_host_stats_update(&h, &a);
    ck_assert_uint_eq(h.have, NV_STAT_MEM);
    ck_assert_uint_eq(h.mem_used_kib, 2000);
    ck_assert_uint_eq(nv_ring_len(&h.cpu), 0);
    NvHostSample b = a;
    b.when_us = 3 * SEC;
    b.cpu_busy_ns = 400;
    b.cpu_total_ns = 2000;
    nv_host_stats_update(&h, &b);
    ck_assert_uint_eq(h.have, NV_STAT_CPU | NV_STAT_MEM);
    ck_assert_double_eq_tol(h.cpu_percent, 30.0, 1e-9);
    ck_assert_uint_eq(nv_ring_len(&h.cpu), 1);
    ck_assert_uint_eq(nv_ring_len(&h.mem), 1);
    /* Counters that went backwards (a new daemon, a reboot): 0, never negative. */
    NvHostSample c = b;
    c.when_us = 5 * SEC;
    c.cpu_busy_ns = 10;
    c.cpu_total_ns = 20;
    nv_host_stats_update(&h, &c);
    ck_assert_double_eq(h.cpu_percent, 0.0);
    /* Nothing moved at all. */
    NvHostSample d = c;
    d.when_us = 7 * SEC;
    nv_host_stats_update(&h, &d);
    ck_assert_double_eq(h.cpu_percent, 0.0);
    /* Too soon: ignored. */
    NvHostSample e = d;
    e.when_us = 7 * SEC + 10;
    e.cpu_busy_ns = 20;
    e.cpu_total_ns = 40;
    nv_host_stats_update(&h, &e);
    ck_assert_uint_eq(nv_ring_len(&h.cpu), 3);
    ck_assert_int_eq(h.last.when_us, 7 * SEC);
    /* A driver's own utilization wins. */
    NvHostSample f = d;
    f.when_us = 9 * SEC;
    f.cpu_utilization = 42;
    nv_host_stats_update(&h, &f);
    ck_assert_double_eq(h.cpu_percent, 42.0);
    /* More free than total (a confused driver): used is 0. */
    NvHostSample g = f;
    g.when_us = 11 * SEC;
    g.mem_avail_kib = 9000;
    nv_host_stats_update(&h, &g);
    ck_assert_uint_eq(h.mem_used_kib, 0);
    /* No memory stats (the test driver): CPU only. */
    NvHostStats h2 = {0};
    NvHostSample only = {.when_us = SEC,
                         .have = NV_STAT_CPU,
                         .cpu_busy_ns = 1,
                         .cpu_total_ns = 2,
                         .cpu_utilization = -1};
    nv_host_stats_update(&h2, &only);
    only.when_us = 3 * SEC;
    nv_host_stats_update(&h2, &only);
    ck_assert_uint_eq(h2.have, NV_STAT_CPU);
    ck_assert_double_eq(h2.cpu_percent, 0.0);
}
END_TEST

START_TEST(test_ring)
{
    NvRing r = {0};
    ck_assert_uint_eq(nv_ring_len(&r), 0);
    ck_assert_double_eq(nv_ring_last(&r), 0.0);
    ck_assert_double_eq(nv_ring_max(&r), 0.0);
    ck_assert_double_eq(nv_ring_get(&r, 0), 0.0);
    for (int i = 1; i <= 10; i++)
        nv_ring_push(&r, i);
    ck_assert_uint_eq(nv_ring_len(&r), 10);
    ck_assert_double_eq(nv_ring_get(&r, 0), 1.0);
    ck_assert_double_eq(nv_ring_last(&r), 10.0);
    ck_assert_double_eq(nv_ring_max(&r), 10.0);
    /* Wrap: after 150 pushes the ring holds 91..150, oldest first. */
    for (int i = 11; i <= 150; i++)
        nv_ring_push(&r, i);
    ck_assert_uint_eq(nv_ring_len(&r), NV_STATS_HISTORY);
    for (guint i = 0; i < NV_STATS_HISTORY; i++)
        ck_assert_double_eq(nv_ring_get(&r, i), 91.0 + i);
    ck_assert_double_eq(nv_ring_last(&r), 150.0);
    ck_assert_double_eq(nv_ring_max(&r), 150.0);
    ck_assert_double_eq(nv_ring_get(&r, NV_STATS_HISTORY), 0.0);
    /* Exactly one lap. */
    NvRing one = {0};
    for (int i = 0; i < NV_STATS_HISTORY; i++)
        nv_ring_push(&one, i);
    ck_assert_double_eq(nv_ring_get(&one, 0), 0.0);
    ck_assert_double_eq(nv_ring_last(&one), NV_STATS_HISTORY - 1.0);
    nv_ring_push(&one, 1000);
    ck_assert_double_eq(nv_ring_get(&one, 0), 1.0);
    ck_assert_double_eq(nv_ring_last(&one), 1000.0);
}
END_TEST

START_TEST(test_spark_glyph)
{
    ck_assert_str_eq(nv_spark_glyph(0, 100), "▁");
    ck_assert_str_eq(nv_spark_glyph(-5, 100), "▁");
    ck_assert_str_eq(nv_spark_glyph(12.4, 100), "▁");
    ck_assert_str_eq(nv_spark_glyph(12.5, 100), "▂");
    ck_assert_str_eq(nv_spark_glyph(37.5, 100), "▄");
    ck_assert_str_eq(nv_spark_glyph(50, 100), "▅");
    ck_assert_str_eq(nv_spark_glyph(87.4, 100), "▇");
    ck_assert_str_eq(nv_spark_glyph(87.5, 100), "█");
    ck_assert_str_eq(nv_spark_glyph(100, 100), "█");
    ck_assert_str_eq(nv_spark_glyph(1e9, 100), "█");
    ck_assert_str_eq(nv_spark_glyph(5, 0), "▁");
    ck_assert_str_eq(nv_spark_glyph(5, -1), "▁");
    ck_assert_str_eq(nv_spark_glyph(NAN, 100), "▁");
    ck_assert_str_eq(nv_spark_glyph(5, NAN), "▁");
    /* Every band in order. */
    const char *want[] = {"▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"};
    for (int i = 0; i < 8; i++)
        ck_assert_str_eq(nv_spark_glyph(i * 8 + 4, 64), want[i]);
}
END_TEST

START_TEST(test_sparkline)
{
    NvRing r = {0};
    g_autofree char *empty = nv_sparkline(&r, 4, 100);
    ck_assert_str_eq(empty, "    ");
    nv_ring_push(&r, 0);
    nv_ring_push(&r, 50);
    nv_ring_push(&r, 100);
    g_autofree char *fixed = nv_sparkline(&r, 5, 100);
    ck_assert_str_eq(fixed, "  ▁▅█");
    /* Narrower than the ring: the newest values. */
    g_autofree char *narrow = nv_sparkline(&r, 2, 100);
    ck_assert_str_eq(narrow, "▅█");
    /* Autoscale to the largest value shown. */
    NvRing small = {0};
    nv_ring_push(&small, 1);
    nv_ring_push(&small, 2);
    g_autofree char *autoscaled = nv_sparkline(&small, 2, 0);
    ck_assert_str_eq(autoscaled, "▅█");
    NvRing zeros = {0};
    nv_ring_push(&zeros, 0);
    g_autofree char *flat = nv_sparkline(&zeros, 1, 0);
    ck_assert_str_eq(flat, "▁");
    g_autofree char *none = nv_sparkline(&zeros, 0, 0);
    ck_assert_str_eq(none, "");
    /* A full ring, 60 glyphs of 3 bytes. */
    NvRing full = {0};
    for (int i = 0; i < 100; i++)
        nv_ring_push(&full, i % 8);
    g_autofree char *all = nv_sparkline(&full, NV_STATS_HISTORY, 7);
    ck_assert_uint_eq(strlen(all), NV_STATS_HISTORY * 3);
    ck_assert_int_eq(g_utf8_strlen(all, -1), NV_STATS_HISTORY);
}
END_TEST

START_TEST(test_format)
{
    struct {
        double v;
        const char *want;
    } cases[] = {
        {0, "0"},
        {0.4, "0"},
        {-3, "0"},
        {NAN, "0"},
        {1, "1"},
        {999, "999"},
        {999.4, "999"},
        {999.5, "1.0K"},
        {1024, "1.0K"},
        {1536, "1.5K"},
        {10137, "9.9K"},
        {10240, "10K"},
        {1023.0 * 1024, "1.0M"},
        {1.2 * 1024 * 1024, "1.2M"},
        {300.0 * 1024 * 1024, "300M"},
        {5.0 * 1024 * 1024 * 1024, "5.0G"},
        {1152921504606846976.0, "1.0E"},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = nv_format_compact(cases[i].v);
        ck_assert_msg(strcmp(got, cases[i].want) == 0, "%g: '%s', expected '%s'", cases[i].v, got,
                      cases[i].want);
        ck_assert_int_le(strlen(got), 4);
    }
    g_autofree char *rate = nv_format_rate(1.2 * 1024 * 1024);
    ck_assert_str_eq(rate, "1.2M/s");
    g_autofree char *p0 = nv_format_percent(0);
    g_autofree char *p1 = nv_format_percent(0.44);
    g_autofree char *p2 = nv_format_percent(12.4);
    g_autofree char *p3 = nv_format_percent(100);
    g_autofree char *p4 = nv_format_percent(-1);
    ck_assert_str_eq(p0, "0.0%");
    ck_assert_str_eq(p1, "0.4%");
    ck_assert_str_eq(p2, "12%");
    ck_assert_str_eq(p3, "100%");
    ck_assert_str_eq(p4, "0.0%");
}
END_TEST

static Suite *stats_suite(void)
{
    Suite *s = suite_create("stats");
    TCase *rates = tcase_create("rates");
    tcase_add_test(rates, test_rate);
    tcase_add_test(rates, test_cpu_percent);
    tcase_add_test(rates, test_mem_in_use);
    tcase_add_test(rates, test_domain_update);
    tcase_add_test(rates, test_merge);
    tcase_add_test(rates, test_merge_vcpus);
    tcase_add_test(rates, test_merge_order);
    tcase_add_test(rates, test_link);
    tcase_add_test(rates, test_host);
    suite_add_tcase(s, rates);
    TCase *text = tcase_create("rings and text");
    tcase_add_test(text, test_ring);
    tcase_add_test(text, test_spark_glyph);
    tcase_add_test(text, test_sparkline);
    tcase_add_test(text, test_format);
    suite_add_tcase(s, text);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stats_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
