/* Unit tests of model.c: the filter, state and reason words, glyphs, constructors, the caches
 * by key and their eviction, and NvRef. */
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "model.h"
#include "text.h"

START_TEST(test_filter)
{
    ck_assert(nv_filter_match(NULL, "web-01", NULL));
    ck_assert(nv_filter_match("", "web-01", ""));
    ck_assert(nv_filter_match("", NULL, NULL));
    ck_assert(nv_filter_match("web", "web-01", NULL));
    ck_assert(nv_filter_match("-01", "web-01", ""));
    ck_assert(nv_filter_match("WEB", "web-01", NULL));
    ck_assert(nv_filter_match("web", "WEB-01", NULL));
    ck_assert(!nv_filter_match("db", "web-01", NULL));
    ck_assert(!nv_filter_match("db", NULL, NULL));
    /* Titles count too. */
    ck_assert(nv_filter_match("front", "web-01", "Frontend server"));
    ck_assert(!nv_filter_match("backend", "web-01", "Frontend server"));
    /* Case folding beyond ASCII. */
    ck_assert(nv_filter_match("ÉCOLE", "école-1", NULL));
    ck_assert(nv_filter_match("straße", "STRASSE", NULL));
    ck_assert(nv_filter_match("σ", "ΟΔΥΣΣΕΥΣ", NULL));
    ck_assert(nv_filter_match("日本", "vm-日本語", NULL));
    /* Composed and decomposed forms of é are the same letter. */
    ck_assert(nv_filter_match("e\u0301", "caf\u00e9", NULL));
    /* Invalid UTF-8 from a host must not break the match. */
    ck_assert(nv_filter_match("ok", "bad\xff-ok", NULL));
    ck_assert(!nv_filter_match("zz", "bad\xff", "\xc3"));
}
END_TEST

/* The folded-once filter must agree with the plain one on ASCII and non-ASCII haystacks, and
 * a non-ASCII needle that folds to ASCII (KELVIN SIGN -> k, the fi ligature -> fi) must still
 * find ASCII names. */
START_TEST(test_filter_object)
{
    g_autoptr(NvFilter) web = nv_filter_new("WEB");
    ck_assert(nv_filter_matches(web, "prod-web-01", NULL));
    ck_assert(nv_filter_matches(web, "x", "Public Web server"));
    ck_assert(!nv_filter_matches(web, "db-01", "database"));
    ck_assert(nv_filter_matches(web, "ÜBER-web", NULL));
    ck_assert(!nv_filter_matches(web, "wéb", NULL));
    g_autoptr(NvFilter) kelvin = nv_filter_new("\u212A8s");
    ck_assert(nv_filter_matches(kelvin, "node-k8s-1", NULL));
    g_autoptr(NvFilter) fi = nv_filter_new("\uFB01le");
    ck_assert(nv_filter_matches(fi, "FileServer", NULL));
    g_autoptr(NvFilter) uml = nv_filter_new("über");
    ck_assert(nv_filter_matches(uml, "ÜBER-web", NULL));
    ck_assert(!nv_filter_matches(uml, "uber", NULL));
    g_autoptr(NvFilter) empty = nv_filter_new("");
    ck_assert(nv_filter_matches(empty, "anything", NULL));
    ck_assert(nv_filter_matches(NULL, "anything", NULL));
    g_autoptr(NvFilter) tail = nv_filter_new("01");
    ck_assert(nv_filter_matches(tail, "web-01", NULL));
    ck_assert(!nv_filter_matches(tail, "web-0", NULL));
}
END_TEST

START_TEST(test_state_names)
{
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_NOSTATE), "no state");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_RUNNING), "running");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_BLOCKED), "blocked");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_PAUSED), "paused");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_SHUTDOWN), "shutting down");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_SHUTOFF), "shut off");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_CRASHED), "crashed");
    ck_assert_str_eq(nv_domain_state_name(NV_DOMAIN_PMSUSPENDED), "suspended");
    ck_assert_ptr_nonnull(nv_domain_state_name(NV_DOMAIN_STATE_COUNT));
    ck_assert_ptr_nonnull(nv_domain_state_name((NvDomainState)-1));
    ck_assert_ptr_nonnull(nv_domain_state_name((NvDomainState)1000));
}
END_TEST

START_TEST(test_state_glyphs)
{
    ck_assert_str_eq(nv_domain_state_glyph(NV_DOMAIN_RUNNING), "▶");
    ck_assert_str_eq(nv_domain_state_glyph(NV_DOMAIN_PAUSED), "‖");
    ck_assert_str_eq(nv_domain_state_glyph(NV_DOMAIN_SHUTOFF), "■");
    ck_assert_str_eq(nv_domain_state_glyph(NV_DOMAIN_CRASHED), "✖");
    ck_assert_str_eq(nv_domain_state_glyph(NV_DOMAIN_SHUTDOWN), "…");
    ck_assert_str_eq(nv_domain_state_glyph(NV_DOMAIN_NOSTATE), "?");
    ck_assert_str_eq(nv_domain_state_glyph((NvDomainState)99), "?");
    for (int s = -1; s <= NV_DOMAIN_STATE_COUNT; s++) {
        const char *g = nv_domain_state_glyph((NvDomainState)s);
        ck_assert_msg(nv_text_width(g) == 1, "glyph of state %d is %d wide", s, nv_text_width(g));
    }
}
END_TEST

START_TEST(test_reason_names)
{
    /* Numbers from libvirt-domain.h. */
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, 1), "booted");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, 2), "migrated");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, 5), "unpaused");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, 11), "post-copy failed");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_PAUSED, 1), "user");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_PAUSED, 5), "I/O error");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_PAUSED, 11), "starting up");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_SHUTOFF, 1), "shutdown");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_SHUTOFF, 2), "destroyed");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_SHUTOFF, 6), "failed");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_SHUTOFF, 8), "daemon");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_SHUTDOWN, 1), "user");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_CRASHED, 1), "panicked");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, 0), "unknown");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, 12), "unknown");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_RUNNING, -1), "unknown");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_SHUTOFF, 9), "unknown");
    ck_assert_str_eq(nv_domain_reason_name(NV_DOMAIN_BLOCKED, 1), "unknown");
    ck_assert_str_eq(nv_domain_reason_name((NvDomainState)42, 1), "unknown");
    ck_assert_str_eq(nv_domain_reason_name((NvDomainState)-3, 0), "unknown");
}
END_TEST

START_TEST(test_pool_state_names)
{
    ck_assert_str_eq(nv_pool_state_name(0), "inactive");
    ck_assert_str_eq(nv_pool_state_name(1), "building");
    ck_assert_str_eq(nv_pool_state_name(2), "running");
    ck_assert_str_eq(nv_pool_state_name(3), "degraded");
    ck_assert_str_eq(nv_pool_state_name(4), "inaccessible");
    ck_assert_ptr_nonnull(nv_pool_state_name(5));
    ck_assert_ptr_nonnull(nv_pool_state_name(-1));
}
END_TEST

START_TEST(test_constructors)
{
    g_autoptr(NvDomainDetails) d = nv_domain_details_new();
    const char *dstr[] = {d->uuid,        d->name,    d->title, d->description,
                          d->domain_type, d->os_type, d->arch,  d->machine};
    for (guint i = 0; i < G_N_ELEMENTS(dstr); i++)
        ck_assert_str_eq(dstr[i], "");
    ck_assert_ptr_nonnull(d->disks);
    ck_assert_ptr_nonnull(d->nics);
    ck_assert_int_eq(d->disks->len, 0);
    NvDisk *disk = g_new0(NvDisk, 1);
    disk->target = g_strdup("vda");
    g_ptr_array_add(d->disks, disk); /* freed with the details */

    g_autoptr(NvNetwork) n = nv_network_new();
    ck_assert_str_eq(n->name, "");
    ck_assert_str_eq(n->uuid, "");
    ck_assert_str_eq(n->forward_mode, "");
    ck_assert_str_eq(n->forward_dev, "");
    ck_assert_str_eq(n->bridge, "");
    ck_assert_ptr_nonnull(n->ips);
    NvNetIp *ip = g_new0(NvNetIp, 1);
    ip->address = g_strdup("192.168.122.1");
    g_ptr_array_add(n->ips, ip);

    g_autoptr(NvPool) p = nv_pool_new();
    ck_assert_str_eq(p->name, "");
    ck_assert_str_eq(p->uuid, "");
    ck_assert_str_eq(p->type, "");
    ck_assert_str_eq(p->target_path, "");

    g_autoptr(NvVolume) v = nv_volume_new();
    ck_assert_str_eq(v->name, "");
    ck_assert_str_eq(v->key, "");
    ck_assert_str_eq(v->path, "");
    ck_assert_str_eq(v->type, "");
    ck_assert_str_eq(v->format, "");
}
END_TEST

START_TEST(test_frees_null_safe)
{
    nv_domain_free(NULL);
    nv_disk_free(NULL);
    nv_nic_free(NULL);
    nv_domain_details_free(NULL);
    nv_pool_free(NULL);
    nv_volume_free(NULL);
    nv_net_ip_free(NULL);
    nv_network_free(NULL);
    nv_iface_free(NULL);
    nv_host_free(NULL);
    nv_model_free(NULL);
    /* Half-built objects (strings left NULL) free cleanly too. */
    nv_domain_free(g_new0(NvDomain, 1));
    nv_domain_details_free(g_new0(NvDomainDetails, 1));
    nv_network_free(g_new0(NvNetwork, 1));
    nv_host_free(g_new0(NvHost, 1));
}
END_TEST

START_TEST(test_model)
{
    g_autoptr(NvModel) m = nv_model_new();
    ck_assert_ptr_nonnull(m->domains);
    ck_assert_ptr_nonnull(m->pools);
    ck_assert_ptr_nonnull(m->pool_volumes);
    ck_assert_ptr_nonnull(m->networks);
    ck_assert_ptr_nonnull(m->ifaces);
    ck_assert_ptr_null(nv_model_domain_details(m, "u", NULL));
    NvDomain *d = g_new0(NvDomain, 1);
    d->name = g_strdup("web-01");
    g_ptr_array_add(m->domains, d);
    g_ptr_array_add(m->pools, nv_pool_new());
    GPtrArray *vols = g_ptr_array_new_with_free_func((GDestroyNotify)nv_volume_free);
    g_ptr_array_add(vols, nv_volume_new());
    nv_cache_entry(m->pool_volumes, "default");
    nv_cache_store(m->pool_volumes, "default", vols, NULL);
    g_ptr_array_add(m->networks, nv_network_new());
    NvIface *i = g_new0(NvIface, 1);
    i->name = g_strdup("eth0");
    g_ptr_array_add(m->ifaces, i);
    m->host = g_new0(NvHost, 1);
    m->host->hostname = g_strdup("host1");
    nv_cache_entry(m->domain_details, "u");
    nv_cache_store(m->domain_details, "u", nv_domain_details_new(), NULL);
    nv_cache_entry(m->domain_details, "v");
    nv_cache_store(m->domain_details, "v", NULL, "x");
}
END_TEST

/* ---- caches by key ---- */

static NvDomain *domain_named(const char *name, const char *uuid)
{
    NvDomain *d = g_new0(NvDomain, 1);
    d->name = g_strdup(name);
    d->uuid = g_strdup(uuid);
    d->title = g_strdup("");
    return d;
}

/* Paused domains have an id like running ones; the header counts them apart. */
START_TEST(test_count_domains)
{
    g_autoptr(NvModel) m = nv_model_new();
    const struct {
        int id;
        NvDomainState state;
    } doms[] = {{1, NV_DOMAIN_RUNNING}, {2, NV_DOMAIN_PAUSED}, {-1, NV_DOMAIN_SHUTOFF},
                {3, NV_DOMAIN_RUNNING}, {4, NV_DOMAIN_PAUSED}, {5, NV_DOMAIN_BLOCKED}};
    for (guint i = 0; i < G_N_ELEMENTS(doms); i++) {
        g_autofree char *name = g_strdup_printf("d%u", i);
        NvDomain *d = domain_named(name, name);
        d->id = doms[i].id;
        d->state = doms[i].state;
        g_ptr_array_add(m->domains, d);
    }
    nv_model_count_domains(m);
    ck_assert_uint_eq(m->running, 5); /* every domain with an id */
    ck_assert_uint_eq(m->paused, 2);
    g_ptr_array_set_size(m->domains, 0);
    nv_model_count_domains(m);
    ck_assert_uint_eq(m->running, 0);
    ck_assert_uint_eq(m->paused, 0);
}
END_TEST

static NvDomainDetails *details_named(const char *uuid, const char *name)
{
    NvDomainDetails *det = nv_domain_details_new();
    g_free(det->uuid);
    det->uuid = g_strdup(uuid);
    g_free(det->name);
    det->name = g_strdup(name);
    return det;
}

/* What nv_conn_want_* and the worker's answer do to the model, without a connection. */
static void answer_details(NvModel *m, const char *uuid, const char *name)
{
    NvCacheEntry *e = nv_cache_entry(m->domain_details, uuid);
    e->pending = TRUE;
    ck_assert(nv_cache_store(m->domain_details, uuid, details_named(uuid, name), NULL));
}

START_TEST(test_cache_details)
{
    g_autoptr(NvModel) m = nv_model_new();
    g_ptr_array_add(m->domains, domain_named("a", "uuid-a"));
    g_ptr_array_add(m->domains, domain_named("b", "uuid-b"));
    const char *error = "unset";
    ck_assert_ptr_null(nv_model_domain_details(m, "uuid-a", &error));
    ck_assert_ptr_null(error);
    ck_assert_ptr_null(nv_model_domain_details(m, NULL, NULL));

    answer_details(m, "uuid-a", "a");
    answer_details(m, "uuid-b", "b");
    const NvDomainDetails *a = nv_model_domain_details(m, "uuid-a", NULL);
    const NvDomainDetails *b = nv_model_domain_details(m, "uuid-b", NULL);
    ck_assert_ptr_nonnull(a);
    ck_assert_ptr_nonnull(b);
    ck_assert_str_eq(a->name, "a");
    ck_assert_str_eq(b->name, "b");
    const NvCacheEntry *e = nv_cache_lookup(m->domain_details, "uuid-a");
    ck_assert(!e->pending && !e->stale && e->fetched_us > 0);

    /* A relist without b evicts b's details only. */
    g_ptr_array_remove_index(m->domains, 1);
    nv_model_evict_domains(m);
    ck_assert_ptr_null(nv_model_domain_details(m, "uuid-b", NULL));
    ck_assert_ptr_nonnull(nv_model_domain_details(m, "uuid-a", NULL));
    ck_assert_uint_eq(nv_cache_size(m->domain_details), 1);

    /* An answer for an evicted entry is dropped, not stored. */
    ck_assert(!nv_cache_store(m->domain_details, "uuid-b", details_named("uuid-b", "b"), NULL));
    ck_assert_uint_eq(nv_cache_size(m->domain_details), 1);
}
END_TEST

START_TEST(test_cache_stale_and_error)
{
    g_autoptr(NvModel) m = nv_model_new();
    answer_details(m, "uuid-a", "a");
    answer_details(m, "uuid-b", "b");
    /* Stale keeps the value (shown until the next answer). */
    nv_cache_mark_stale(m->domain_details, "uuid-a");
    const NvCacheEntry *a = nv_cache_lookup(m->domain_details, "uuid-a");
    ck_assert(a->stale && !a->pending);
    ck_assert_ptr_nonnull(nv_model_domain_details(m, "uuid-a", NULL));
    /* Made stale while a fetch was on its way: that answer predates the change, so the entry
     * stays stale after it (fetched once more), and is fresh after the next one. */
    nv_cache_entry(m->domain_details, "uuid-a")->pending = TRUE;
    nv_cache_mark_stale(m->domain_details, "uuid-a");
    ck_assert(a->stale && a->pending);
    ck_assert(nv_cache_store(m->domain_details, "uuid-a", details_named("uuid-a", "old"), NULL));
    ck_assert(a->stale && !a->pending);
    nv_cache_entry(m->domain_details, "uuid-a")->pending = TRUE;
    ck_assert(nv_cache_store(m->domain_details, "uuid-a", details_named("uuid-a", "a"), NULL));
    ck_assert(!a->stale && !a->pending);
    /* A fetch that never answers leaves the entry to be fetched again. */
    nv_cache_entry(m->domain_details, "uuid-a")->pending = TRUE;
    nv_cache_cancel(m->domain_details, "uuid-a");
    ck_assert(a->stale && !a->pending);
    ck_assert(!nv_cache_lookup(m->domain_details, "uuid-b")->stale);
    nv_cache_mark_stale(m->domain_details, NULL);
    ck_assert(nv_cache_lookup(m->domain_details, "uuid-b")->stale);
    nv_cache_mark_stale(m->domain_details, "no-such-uuid"); /* harmless */
    ck_assert_ptr_null(nv_cache_lookup(m->domain_details, "no-such-uuid"));

    /* A failed fetch: no value, and why. */
    const char *error = NULL;
    ck_assert(nv_cache_store(m->domain_details, "uuid-a", NULL, "gone away"));
    ck_assert_ptr_null(nv_model_domain_details(m, "uuid-a", &error));
    ck_assert_str_eq(error, "gone away");
    ck_assert(!nv_cache_lookup(m->domain_details, "uuid-a")->stale);
    /* And a later success clears the error. */
    ck_assert(nv_cache_store(m->domain_details, "uuid-a", details_named("uuid-a", "a"), NULL));
    ck_assert_ptr_nonnull(nv_model_domain_details(m, "uuid-a", &error));
    ck_assert_ptr_null(error);
}
END_TEST

static NvPool *pool_named(const char *name)
{
    NvPool *p = nv_pool_new();
    g_free(p->name);
    p->name = g_strdup(name);
    return p;
}

static void answer_volumes(NvModel *m, const char *pool, const char *const *paths)
{
    GPtrArray *vols = g_ptr_array_new_with_free_func((GDestroyNotify)nv_volume_free);
    for (; *paths; paths++) {
        NvVolume *v = nv_volume_new();
        g_free(v->path);
        v->path = g_strdup(*paths);
        g_ptr_array_add(vols, v);
    }
    nv_cache_entry(m->pool_volumes, pool);
    ck_assert(nv_cache_store(m->pool_volumes, pool, vols, NULL));
}

static void answer_users(NvModel *m, const char *pool, const char *path)
{
    NvCacheEntry *e = nv_cache_entry(m->volume_users, path);
    e->group = g_strdup(pool);
    GPtrArray *names = g_ptr_array_new_with_free_func(g_free);
    g_ptr_array_add(names, g_strdup("web-01"));
    ck_assert(nv_cache_store(m->volume_users, path, names, NULL));
}

START_TEST(test_cache_pools)
{
    g_autoptr(NvModel) m = nv_model_new();
    g_ptr_array_add(m->pools, pool_named("p1"));
    g_ptr_array_add(m->pools, pool_named("p2"));
    ck_assert_ptr_null(nv_model_pool_volumes(m, "p1", NULL));
    answer_volumes(m, "p1", (const char *const[]){"/p1/a", "/p1/b", NULL});
    answer_volumes(m, "p2", (const char *const[]){"/p2/c", NULL});
    ck_assert_uint_eq(nv_model_pool_volumes(m, "p1", NULL)->len, 2);
    ck_assert_uint_eq(nv_model_pool_volumes(m, "p2", NULL)->len, 1);
    answer_users(m, "p1", "/p1/a");
    answer_users(m, "p1", "/p1/b");
    answer_users(m, "p2", "/p2/c");
    ck_assert_str_eq(g_ptr_array_index(nv_model_volume_users(m, "/p1/a", NULL), 0), "web-01");

    /* p1's volumes relisted without b: b's users go, a's and p2's stay. */
    answer_volumes(m, "p1", (const char *const[]){"/p1/a", NULL});
    nv_model_evict_volumes(m, "p1");
    ck_assert_ptr_null(nv_model_volume_users(m, "/p1/b", NULL));
    ck_assert_ptr_nonnull(nv_model_volume_users(m, "/p1/a", NULL));
    ck_assert_ptr_nonnull(nv_model_volume_users(m, "/p2/c", NULL));

    /* p1 gone from the pools: its volumes and their users go, p2's stay. */
    g_ptr_array_remove_index(m->pools, 0);
    nv_model_evict_pools(m);
    ck_assert_ptr_null(nv_model_pool_volumes(m, "p1", NULL));
    ck_assert_ptr_null(nv_model_volume_users(m, "/p1/a", NULL));
    ck_assert_ptr_nonnull(nv_model_pool_volumes(m, "p2", NULL));
    ck_assert_ptr_nonnull(nv_model_volume_users(m, "/p2/c", NULL));
    ck_assert_uint_eq(nv_cache_size(m->pool_volumes), 1);
    ck_assert_uint_eq(nv_cache_size(m->volume_users), 1);
}
END_TEST

/* ---- references ---- */

START_TEST(test_ref)
{
    NvConn *c1 = (NvConn *)GSIZE_TO_POINTER(0x1000), *c2 = (NvConn *)GSIZE_TO_POINTER(0x2000);
    g_autoptr(NvRef) a = nv_ref_new(c1, "uuid-a");
    g_autoptr(NvRef) a2 = nv_ref_copy(a);
    g_autoptr(NvRef) other_host = nv_ref_new(c2, "uuid-a");
    g_autoptr(NvRef) b = nv_ref_new(c1, "uuid-b");
    ck_assert_ptr_ne(a2->key, a->key);
    ck_assert(nv_ref_equal(a, a2));
    ck_assert_uint_eq(nv_ref_hash(a), nv_ref_hash(a2));
    ck_assert(!nv_ref_equal(a, other_host)); /* the same UUID on two hosts: two objects */
    ck_assert(!nv_ref_equal(a, b));
    ck_assert_int_lt(nv_ref_compare(a, b), 0);
    ck_assert_int_gt(nv_ref_compare(b, a), 0);
    ck_assert_int_lt(nv_ref_compare(b, other_host), 0); /* by connection first */
    ck_assert_int_eq(nv_ref_compare(a, a2), 0);

    /* As a hash table key, the way marks or a restored selection would use it. */
    g_autoptr(GHashTable) set =
        g_hash_table_new_full(nv_ref_hash, nv_ref_equal, (GDestroyNotify)nv_ref_free, NULL);
    g_hash_table_add(set, nv_ref_copy(a));
    g_hash_table_add(set, nv_ref_copy(other_host));
    ck_assert(g_hash_table_contains(set, a2));
    ck_assert(!g_hash_table_contains(set, b));
    ck_assert_uint_eq(g_hash_table_size(set), 2);

    /* From listed objects, with their owner. */
    g_autoptr(NvDomain) d = domain_named("web-01", "uuid-a");
    d->conn = c2;
    g_autoptr(NvRef) dr = nv_domain_ref(d);
    ck_assert(nv_ref_equal(dr, other_host));
    g_autoptr(NvPool) p = pool_named("default");
    p->conn = c1;
    g_autoptr(NvRef) pr = nv_pool_ref(p);
    ck_assert_str_eq(pr->key, "default");
    ck_assert_ptr_eq(pr->conn, c1);
    g_autoptr(NvNetwork) n = nv_network_new();
    g_autoptr(NvRef) nr = nv_network_ref(n);
    ck_assert_ptr_null(nr->conn);
    ck_assert_str_eq(nr->key, "");
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_filter);
    tcase_add_test(tc, test_filter_object);
    tcase_add_test(tc, test_state_names);
    tcase_add_test(tc, test_state_glyphs);
    tcase_add_test(tc, test_reason_names);
    tcase_add_test(tc, test_pool_state_names);
    tcase_add_test(tc, test_constructors);
    tcase_add_test(tc, test_frees_null_safe);
    tcase_add_test(tc, test_model);
    tcase_add_test(tc, test_count_domains);
    tcase_add_test(tc, test_cache_details);
    tcase_add_test(tc, test_cache_stale_and_error);
    tcase_add_test(tc, test_cache_pools);
    tcase_add_test(tc, test_ref);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    SRunner *sr = srunner_create(model_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
