/* Every list of the core against libvirt's test driver: a generated 500-domain node file read
 * through nv_fetch_* (what `ncvirt --list` uses) and through NvConn (what the UI uses). */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <libvirt/libvirt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "conn.h"
#include "error.h"
#include "conn-fetch.h"
#include "conn-virt.h"
#include "model.h"
#include "virt-util.h"

#define N_DOMAINS 500

/* The generator's sidecar: each line split on tabs, fields unescaped, grouped by kind. */
static GHashTable *expect; /* kind -> GPtrArray of GStrv */
static char *node_path;
static char *expect_path;
static char *node_uri;

static GPtrArray *exp_rows(const char *kind)
{
    GPtrArray *rows = g_hash_table_lookup(expect, kind);
    ck_assert_msg(rows != NULL, "the sidecar has no '%s' lines", kind);
    return rows;
}

/* The rows of `kind` whose field 1 is `owner` (the disks of a domain, the IPs of a network). */
static GPtrArray *exp_rows_of(const char *kind, const char *owner)
{
    GPtrArray *all = g_hash_table_lookup(expect, kind);
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; all && i < all->len; i++) {
        char **row = all->pdata[i];
        if (g_strcmp0(row[1], owner) == 0)
            g_ptr_array_add(out, row);
    }
    return out;
}

static char **exp_find(const char *kind, const char *name)
{
    GPtrArray *rows = exp_rows(kind);
    for (guint i = 0; i < rows->len; i++) {
        char **row = rows->pdata[i];
        if (strcmp(row[1], name) == 0)
            return row;
    }
    ck_abort_msg("no '%s' named '%s' in the sidecar", kind, name);
    return NULL;
}

static unsigned long long num(const char *s)
{
    return g_ascii_strtoull(s, NULL, 10);
}

static void load_expectations(const char *path)
{
    g_autofree char *text = NULL;
    g_autoptr(GError) err = NULL;
    if (!g_file_get_contents(path, &text, NULL, &err)) {
        fprintf(stderr, "cannot read %s: %s\n", path, err->message);
        exit(1);
    }
    expect =
        g_hash_table_new_full(g_str_hash, g_str_equal, g_free, (GDestroyNotify)g_ptr_array_unref);
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        if (**l == '\0' || **l == '#')
            continue;
        char **row = g_strsplit(*l, "\t", -1);
        for (char **f = row; *f; f++) {
            char *plain = g_strcompress(*f);
            g_free(*f);
            *f = plain;
        }
        GPtrArray *rows = g_hash_table_lookup(expect, row[0]);
        if (!rows) {
            rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
            g_hash_table_insert(expect, g_strdup(row[0]), rows);
        }
        g_ptr_array_add(rows, row);
    }
}

/* Runs tests/gen-node.py into the build directory (an argv, no shell). */
static void generate_node_file(void)
{
    const char *testdir = g_getenv("NCVIRT_TESTDIR");
    const char *builddir = g_getenv("NCVIRT_BUILDDIR");
    if (!testdir) {
        fprintf(stderr, "NCVIRT_TESTDIR is not set (run through meson test)\n");
        exit(1);
    }
    g_autofree char *gen = g_build_filename(testdir, "gen-node.py", NULL);
    g_autofree char *name = g_strdup_printf("testdriver-node-%d.xml", (int)getpid());
    node_path = g_build_filename(builddir ? builddir : g_get_tmp_dir(), name, NULL);
    if (!g_path_is_absolute(node_path)) {
        g_autofree char *cwd = g_get_current_dir();
        char *abs = g_build_filename(cwd, node_path, NULL);
        g_free(node_path);
        node_path = abs;
    }
    expect_path = g_strconcat(node_path, ".expect", NULL);
    node_uri = g_strconcat("test://", node_path, NULL);

    g_autofree char *count = g_strdup_printf("%d", N_DOMAINS);
    const char *argv[] = {"python3", gen, "--domains", count, "--out", node_path, NULL};
    g_autofree char *err_out = NULL;
    g_autoptr(GError) err = NULL;
    int status = 0;
    if (!g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, &err_out,
                      &status, &err)) {
        fprintf(stderr, "cannot run %s: %s\n", gen, err->message);
        exit(1);
    }
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "%s failed:\n%s\n", gen, err_out ? err_out : "");
        exit(1);
    }
    load_expectations(expect_path);
}

static void remove_generated(void)
{
    if (node_path)
        g_unlink(node_path);
    if (expect_path)
        g_unlink(expect_path);
}

static void init_once(void)
{
    static gboolean done;
    if (!done)
        nv_virt_init();
    done = TRUE;
}

static virConnectPtr open_node(void)
{
    init_once(); /* as `ncvirt --list` does: libvirt's stderr printer off */
    g_autoptr(GError) err = NULL;
    virConnectPtr conn = nv_virt_open(node_uri, FALSE, &err);
    ck_assert_msg(conn != NULL, "cannot open %s: %s", node_uri, err ? err->message : "?");
    ck_assert_ptr_null(err);
    return conn;
}

/* ---- nv_fetch_* on a direct connection ---- */

static void check_domain_row(NvDomain *d, char **row)
{
    ck_assert_str_eq(d->name, row[1]);
    ck_assert_str_eq(d->uuid, row[2]);
    ck_assert_msg((int)d->state == atoi(row[3]), "%s: state %d, expected %s", d->name, d->state,
                  row[3]);
    ck_assert_msg(d->vcpus == num(row[4]), "%s: %u vCPUs, expected %s", d->name, d->vcpus, row[4]);
    ck_assert_msg(d->memory_kib == num(row[5]), "%s: memory %llu KiB, expected %s", d->name,
                  d->memory_kib, row[5]);
    ck_assert_msg(d->max_memory_kib == num(row[6]), "%s: max memory %llu KiB, expected %s", d->name,
                  d->max_memory_kib, row[6]);
    ck_assert_ptr_nonnull(d->title);
    ck_assert_str_eq(d->title, row[8]);
    if (d->state == NV_DOMAIN_SHUTOFF)
        ck_assert_msg(d->id == -1, "%s: shut off with id %d", d->name, d->id);
    else
        ck_assert_msg(d->id > 0, "%s: active with id %d", d->name, d->id);
}

START_TEST(test_fetch_domains)
{
    virConnectPtr conn = open_node();
    g_autoptr(GError) err = NULL;
    g_autoptr(GHashTable) cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);

    g_autoptr(GPtrArray) doms = nv_fetch_domains(conn, cache, &err);
    ck_assert_msg(doms != NULL, "nv_fetch_domains: %s", err ? err->message : "?");
    GPtrArray *rows = exp_rows("domain");
    ck_assert_uint_eq(rows->len, N_DOMAINS);
    ck_assert_uint_eq(doms->len, rows->len);

    unsigned active = 0;
    for (guint i = 0; i < doms->len; i++) {
        NvDomain *d = doms->pdata[i];
        if (i > 0) {
            NvDomain *prev = doms->pdata[i - 1];
            ck_assert_msg(strcmp(prev->name, d->name) < 0, "not sorted: '%s' before '%s'",
                          prev->name, d->name);
        }
        /* The sidecar is sorted by name too, so row i is domain i. */
        check_domain_row(d, rows->pdata[i]);
        active += d->id > 0;
    }
    ck_assert_uint_gt(active, 0);
    ck_assert_uint_lt(active, N_DOMAINS);

    /* Again with the titles cached: same answers. */
    g_autoptr(GPtrArray) again = nv_fetch_domains(conn, cache, &err);
    ck_assert_msg(again != NULL, "nv_fetch_domains (cached): %s", err ? err->message : "?");
    ck_assert_uint_eq(again->len, rows->len);
    for (guint i = 0; i < again->len; i++)
        check_domain_row(again->pdata[i], rows->pdata[i]);
    virConnectClose(conn);
}
END_TEST

static void check_details(virConnectPtr conn, char **row, int want_autostart)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvDomainDetails) det = nv_fetch_domain_details(conn, row[2], &err);
    ck_assert_msg(det != NULL, "details of %s: %s", row[1], err ? err->message : "?");
    ck_assert_str_eq(det->name, row[1]);
    ck_assert_str_eq(det->uuid, row[2]);
    ck_assert_str_eq(det->title, row[8]);
    ck_assert_str_eq(det->description, row[9]);
    ck_assert_str_eq(det->domain_type, "test");
    ck_assert_str_eq(det->os_type, "hvm");
    ck_assert_str_eq(det->arch, "x86_64");
    ck_assert_uint_eq(det->vcpus, num(row[4]));
    /* The contract says "memory_kib" without saying which: accept current or maximum. */
    ck_assert_msg(det->memory_kib == num(row[5]) || det->memory_kib == num(row[6]),
                  "%s: details memory %llu KiB, expected %s or %s", row[1], det->memory_kib, row[5],
                  row[6]);
    ck_assert_int_eq(det->state, atoi(row[3]));
    ck_assert_int_eq(det->persistent, atoi(row[7]));
    ck_assert_int_eq(det->autostart, want_autostart);

    g_autoptr(GPtrArray) disks = exp_rows_of("disk", row[1]);
    ck_assert_ptr_nonnull(det->disks);
    ck_assert_uint_eq(det->disks->len, disks->len);
    for (guint i = 0; i < disks->len; i++) {
        NvDisk *got = det->disks->pdata[i];
        char **want = disks->pdata[i];
        ck_assert_str_eq(got->device, want[2]);
        ck_assert_str_eq(got->target, want[3]);
        ck_assert_str_eq(got->bus, want[4]);
        ck_assert_str_eq(got->source, want[5]);
        ck_assert_str_eq(got->format, want[6]);
    }
    g_autoptr(GPtrArray) nics = exp_rows_of("nic", row[1]);
    ck_assert_ptr_nonnull(det->nics);
    ck_assert_uint_eq(det->nics->len, nics->len);
    for (guint i = 0; i < nics->len; i++) {
        NvNic *got = det->nics->pdata[i];
        char **want = nics->pdata[i];
        ck_assert_str_eq(got->mac, want[2]);
        ck_assert_str_eq(got->type, want[3]);
        ck_assert_str_eq(got->source, want[4]);
        ck_assert_str_eq(got->model, want[5]);
    }
}

START_TEST(test_fetch_details)
{
    virConnectPtr conn = open_node();
    GPtrArray *rows = exp_rows("domain");
    /* The special domains (bidi title, long title, CJK), one with a cdrom, a transient one,
     * and a spread of the rest. */
    const char *names[] = {"dom-0001", "dom-0002", "dom-0003", "dom-0025",
                           "dom-0150", "dom-0499", "dom-0500", "虚拟机-0005"};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        check_details(conn, exp_find("domain", names[i]), 0);
    for (guint i = 0; i < rows->len; i += 41)
        check_details(conn, rows->pdata[i], 0);

    /* Autostart comes from the API, not the XML. */
    char **row = exp_find("domain", "dom-0004");
    virDomainPtr dom = virDomainLookupByUUIDString(conn, row[2]);
    ck_assert_ptr_nonnull(dom);
    ck_assert_int_eq(virDomainSetAutostart(dom, 1), 0);
    virDomainFree(dom);
    check_details(conn, row, 1);

    g_autoptr(GError) err = NULL;
    NvDomainDetails *none =
        nv_fetch_domain_details(conn, "00000000-0000-0000-0000-000000000000", &err);
    ck_assert_ptr_null(none);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(err->message && *err->message, "error without a message");
    virConnectClose(conn);
}
END_TEST

/* The node file cannot say "inactive": stop the ones the sidecar marks inactive. */
static void stop_marked_inactive(virConnectPtr conn)
{
    GPtrArray *pools = exp_rows("pool");
    for (guint i = 0; i < pools->len; i++) {
        char **row = pools->pdata[i];
        if (atoi(row[8]))
            continue;
        virStoragePoolPtr p = virStoragePoolLookupByName(conn, row[1]);
        ck_assert_ptr_nonnull(p);
        ck_assert_int_eq(virStoragePoolDestroy(p), 0);
        virStoragePoolFree(p);
    }
    GPtrArray *nets = exp_rows("network");
    for (guint i = 0; i < nets->len; i++) {
        char **row = nets->pdata[i];
        if (atoi(row[7]))
            continue;
        virNetworkPtr n = virNetworkLookupByName(conn, row[1]);
        ck_assert_ptr_nonnull(n);
        ck_assert_int_eq(virNetworkDestroy(n), 0);
        virNetworkFree(n);
    }
}

START_TEST(test_fetch_pools_volumes)
{
    virConnectPtr conn = open_node();
    stop_marked_inactive(conn);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) pools = nv_fetch_pools(conn, &err);
    ck_assert_msg(pools != NULL, "nv_fetch_pools: %s", err ? err->message : "?");
    GPtrArray *rows = exp_rows("pool");
    ck_assert_uint_eq(pools->len, rows->len);
    for (guint i = 0; i < pools->len; i++) {
        NvPool *p = pools->pdata[i];
        char **row = rows->pdata[i];
        ck_assert_str_eq(p->name, row[1]);
        ck_assert_str_eq(p->uuid, row[2]);
        ck_assert_str_eq(p->type, row[3]);
        ck_assert_str_eq(p->target_path, row[4]);
        gboolean active = atoi(row[8]);
        ck_assert_msg(p->active == active, "pool %s: active %d", p->name, p->active);
        ck_assert_int_eq(p->state, active ? VIR_STORAGE_POOL_RUNNING : VIR_STORAGE_POOL_INACTIVE);
        ck_assert_int_eq(p->persistent, 1);
        ck_assert_int_eq(p->autostart, 0);
        if (active) {
            ck_assert_uint_eq(p->capacity, num(row[5]));
            ck_assert_uint_eq(p->allocation, num(row[6]));
            ck_assert_uint_eq(p->available, num(row[7]));
        }

        g_autoptr(GError) verr = NULL;
        g_autoptr(GPtrArray) vols = nv_fetch_volumes(conn, p->name, &verr);
        if (!active) {
            /* An inactive pool lists nothing: an error or an empty list, never a crash. */
            ck_assert_msg(vols == NULL ? verr != NULL : vols->len == 0,
                          "inactive pool %s: %u volumes", p->name, vols ? vols->len : 0);
            continue;
        }
        ck_assert_msg(vols != NULL, "nv_fetch_volumes(%s): %s", p->name,
                      verr ? verr->message : "?");
        g_autoptr(GPtrArray) want = exp_rows_of("volume", p->name);
        ck_assert_uint_eq(vols->len, want->len);
        for (guint j = 0; j < vols->len; j++) {
            NvVolume *v = vols->pdata[j];
            char **w = want->pdata[j];
            ck_assert_str_eq(v->name, w[2]);
            ck_assert_str_eq(v->path, w[3]);
            ck_assert_str_eq(v->key, w[3]);
            ck_assert_str_eq(v->type, w[4]);
            ck_assert_str_eq(v->format, w[5]);
            ck_assert_uint_eq(v->capacity, num(w[6]));
            ck_assert_uint_eq(v->allocation, num(w[7]));
        }
    }

    g_autoptr(GError) nerr = NULL;
    GPtrArray *none = nv_fetch_volumes(conn, "no-such-pool", &nerr);
    ck_assert_ptr_null(none);
    ck_assert_ptr_nonnull(nerr);
    virConnectClose(conn);
}
END_TEST

START_TEST(test_fetch_networks)
{
    virConnectPtr conn = open_node();
    stop_marked_inactive(conn);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) nets = nv_fetch_networks(conn, &err);
    ck_assert_msg(nets != NULL, "nv_fetch_networks: %s", err ? err->message : "?");
    GPtrArray *rows = exp_rows("network");
    ck_assert_uint_eq(nets->len, rows->len);
    for (guint i = 0; i < nets->len; i++) {
        NvNetwork *n = nets->pdata[i];
        char **row = rows->pdata[i];
        ck_assert_str_eq(n->name, row[1]);
        ck_assert_str_eq(n->uuid, row[2]);
        ck_assert_str_eq(n->forward_mode, row[3]);
        ck_assert_str_eq(n->forward_dev, row[4]);
        ck_assert_str_eq(n->bridge, row[5]);
        ck_assert_msg(n->active == (gboolean)atoi(row[7]), "network %s: active %d", n->name,
                      n->active);
        ck_assert_int_eq(n->persistent, 1);
        ck_assert_int_eq(n->autostart, 0);
        g_autoptr(GPtrArray) ips = exp_rows_of("netip", n->name);
        ck_assert_uint_eq(ips->len, num(row[6]));
        ck_assert_ptr_nonnull(n->ips);
        ck_assert_uint_eq(n->ips->len, ips->len);
        for (guint j = 0; j < ips->len; j++) {
            NvNetIp *ip = n->ips->pdata[j];
            char **w = ips->pdata[j];
            ck_assert_str_eq(ip->family, w[2]);
            ck_assert_str_eq(ip->address, w[3]);
            ck_assert_uint_eq(ip->prefix, num(w[4]));
            ck_assert_str_eq(ip->dhcp_start, w[5]);
            ck_assert_str_eq(ip->dhcp_end, w[6]);
        }
    }
    virConnectClose(conn);
}
END_TEST

START_TEST(test_fetch_ifaces_host)
{
    virConnectPtr conn = open_node();
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) ifaces = nv_fetch_ifaces(conn, &err);
    ck_assert_msg(ifaces != NULL, "nv_fetch_ifaces: %s", err ? err->message : "?");
    GPtrArray *rows = exp_rows("iface");
    ck_assert_uint_eq(ifaces->len, rows->len);
    for (guint i = 0; i < rows->len; i++) {
        NvIface *it = ifaces->pdata[i];
        char **row = rows->pdata[i];
        ck_assert_str_eq(it->name, row[1]);
        ck_assert_str_eq(it->mac, row[2]);
        ck_assert(it->active);
    }

    g_autoptr(NvHost) host = nv_fetch_host(conn, &err);
    ck_assert_msg(host != NULL, "nv_fetch_host: %s", err ? err->message : "?");
    char **h = exp_rows("host")->pdata[0];
    ck_assert_ptr_nonnull(host->hostname);
    ck_assert_msg(*host->hostname, "empty hostname");
    ck_assert_ptr_nonnull(host->hv_type);
    ck_assert_msg(g_ascii_strcasecmp(host->hv_type, "test") == 0, "hv_type '%s'", host->hv_type);
    ck_assert_uint_eq(host->cpus, num(h[1]));
    ck_assert_uint_eq(host->mhz, num(h[2]));
    ck_assert_uint_eq(host->nodes, num(h[3]));
    ck_assert_uint_eq(host->sockets, num(h[4]));
    ck_assert_uint_eq(host->cores, num(h[5]));
    ck_assert_uint_eq(host->threads, num(h[6]));
    ck_assert_uint_eq(host->mem_total_kib, num(h[7]));
    ck_assert_uint_gt(host->lib_version, 0);
    virConnectClose(conn);
}
END_TEST

START_TEST(test_bad_uri_direct)
{
    init_once();
    g_autoptr(GError) err = NULL;
    virConnectPtr conn = nv_virt_open("test:///nonexistent/file.xml", TRUE, &err);
    ck_assert_ptr_null(conn);
    ck_assert_ptr_nonnull(err);
    ck_assert_msg(err->message && *err->message, "error without a message");
}
END_TEST

/* ---- NvConn, on the GLib main loop ---- */

typedef struct {
    unsigned changes; /* OR of every NvChange seen */
    unsigned calls;
    char message[512]; /* the last notice (nv_conn_set_notify), "" for none */
} Seen;

static void on_notice(NvConn *conn, NvNoticeLevel level, const char *text, gpointer data)
{
    Seen *seen = data;
    g_strlcpy(seen->message, text, sizeof(seen->message));
}

static void on_change(NvConn *conn, unsigned changes, gpointer data)
{
    Seen *seen = data;
    seen->changes |= changes;
    seen->calls++;
}

static gboolean tick(gpointer data)
{
    return G_SOURCE_CONTINUE;
}

typedef gboolean (*Cond)(NvConn *conn, gconstpointer data);

/* Runs the main loop until cond holds or timeout_ms passes; a 20 ms tick bounds each wait. */
static gboolean run_until(NvConn *conn, Cond cond, gconstpointer data, guint timeout_ms)
{
    gint64 deadline = g_get_monotonic_time() + (gint64)timeout_ms * 1000;
    guint id = g_timeout_add(20, tick, NULL);
    gboolean ok;
    while (!(ok = cond(conn, data)) && g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(id);
    return ok;
}

static gboolean fully_loaded(NvConn *conn, gconstpointer data)
{
    const NvModel *m = nv_conn_model(conn);
    return nv_conn_get_state(conn) == NV_CONN_CONNECTED && m && m->domains &&
           m->domains->len == N_DOMAINS && m->pools && m->pools->len > 0 && m->networks &&
           m->networks->len > 0 && m->host;
}

static gboolean volumes_of(NvConn *conn, gconstpointer pool)
{
    GPtrArray *vols = nv_model_pool_volumes(nv_conn_model(conn), pool, NULL);
    return vols && vols->len > 0;
}

static gboolean details_of(NvConn *conn, gconstpointer uuid)
{
    const NvDomainDetails *d = nv_model_domain_details(nv_conn_model(conn), uuid, NULL);
    return d && strcmp(d->uuid, uuid) == 0;
}

static gboolean users_of(NvConn *conn, gconstpointer path)
{
    const char *error = NULL;
    return nv_model_volume_users(nv_conn_model(conn), path, &error) || error;
}

/* Both UUIDs of a NULL-terminated pair have their details. */
static gboolean details_of_both(NvConn *conn, gconstpointer uuids)
{
    const char *const *u = uuids;
    return details_of(conn, u[0]) && details_of(conn, u[1]);
}

static gboolean idle(NvConn *conn, gconstpointer data)
{
    return nv_conn_busy(conn) == 0;
}

static NvConn *open_loaded(Seen *seen)
{
    init_once();
    NvConn *conn = nv_conn_new(node_uri, FALSE);
    ck_assert_ptr_nonnull(conn);
    ck_assert_str_eq(nv_conn_uri(conn), node_uri);
    nv_conn_set_listener(conn, on_change, seen);
    nv_conn_set_notify(conn, on_notice, seen);
    nv_conn_start(conn);
    ck_assert_msg(run_until(conn, fully_loaded, NULL, 60000),
                  "not loaded after 60 s: state %d, %u domains", nv_conn_get_state(conn),
                  nv_conn_model(conn)->domains ? nv_conn_model(conn)->domains->len : 0);
    ck_assert(run_until(conn, idle, NULL, 10000));
    return conn;
}

START_TEST(test_conn_load)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);
    ck_assert(seen.changes & NV_CHANGE_STATE);
    ck_assert(seen.changes & NV_CHANGE_DOMAINS);

    const NvModel *m = nv_conn_model(conn);
    GPtrArray *rows = exp_rows("domain");
    unsigned active = 0;
    for (guint i = 0; i < m->domains->len; i++) {
        NvDomain *d = m->domains->pdata[i];
        char **row = rows->pdata[i];
        ck_assert_str_eq(d->name, row[1]);
        ck_assert_int_eq(d->state, atoi(row[3]));
        ck_assert_str_eq(d->title, row[8]);
        active += atoi(row[3]) != VIR_DOMAIN_SHUTOFF;
    }
    ck_assert_uint_eq(m->running, active);
    ck_assert_uint_eq(m->pools->len, exp_rows("pool")->len);
    ck_assert_uint_eq(m->networks->len, exp_rows("network")->len);
    ck_assert_ptr_nonnull(m->ifaces);
    ck_assert_uint_eq(m->ifaces->len, exp_rows("iface")->len);
    ck_assert_uint_eq(m->host->cpus, num(((char **)exp_rows("host")->pdata[0])[1]));

    /* A refresh reloads the same lists. */
    seen.changes = 0;
    nv_conn_refresh(conn, NV_CHANGE_DOMAINS | NV_CHANGE_POOLS | NV_CHANGE_NETWORKS);
    ck_assert(run_until(conn, idle, NULL, 30000));
    ck_assert(seen.changes & NV_CHANGE_DOMAINS);
    ck_assert(fully_loaded(conn, NULL));
}
END_TEST

/* Volumes of a pool on request, kept by pool: a second pool's do not replace the first's. */
START_TEST(test_conn_want_pool)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);
    seen.changes = 0;
    ck_assert_ptr_null(nv_model_pool_volumes(nv_conn_model(conn), "nvpool-dir", NULL));
    nv_conn_want_pool(conn, "nvpool-dir");
    ck_assert_msg(run_until(conn, volumes_of, "nvpool-dir", 10000), "no volumes of nvpool-dir");
    GPtrArray *vols = nv_model_pool_volumes(nv_conn_model(conn), "nvpool-dir", NULL);
    g_autoptr(GPtrArray) want = exp_rows_of("volume", "nvpool-dir");
    ck_assert_uint_eq(vols->len, want->len);
    ck_assert_str_eq(((NvVolume *)vols->pdata[0])->name, ((char **)want->pdata[0])[2]);
    ck_assert(seen.changes & NV_CHANGE_VOLUMES);
    nv_conn_want_pool(conn, "nvpool-lvm");
    ck_assert_msg(run_until(conn, volumes_of, "nvpool-lvm", 10000), "no volumes of nvpool-lvm");
    vols = nv_model_pool_volumes(nv_conn_model(conn), "nvpool-lvm", NULL);
    g_autoptr(GPtrArray) want2 = exp_rows_of("volume", "nvpool-lvm");
    ck_assert_uint_eq(vols->len, want2->len);
    ck_assert_str_eq(((NvVolume *)vols->pdata[0])->name, ((char **)want2->pdata[0])[2]);
    vols = nv_model_pool_volumes(nv_conn_model(conn), "nvpool-dir", NULL);
    ck_assert_uint_eq(vols->len, want->len);

    /* Which domains use a volume, by its path; asked once while fresh. */
    ck_assert(run_until(conn, idle, NULL, 10000));
    const NvVolume *v = vols->pdata[0];
    g_autofree char *path = g_strdup(v->path);
    ck_assert_ptr_null(nv_model_volume_users(nv_conn_model(conn), path, NULL));
    nv_conn_want_volume_users(conn, "nvpool-dir", v->name, v->path);
    ck_assert_msg(run_until(conn, users_of, path, 10000), "no users of %s", path);
    const char *error = NULL;
    ck_assert_ptr_nonnull(nv_model_volume_users(nv_conn_model(conn), path, &error));
    ck_assert_ptr_null(error);
    vols = nv_model_pool_volumes(nv_conn_model(conn), "nvpool-dir", NULL);
    v = vols->pdata[0];
    nv_conn_want_volume_users(conn, "nvpool-dir", v->name, v->path);
    ck_assert_uint_eq(nv_conn_busy(conn), 0);
}
END_TEST

/* Details of two domains asked for together, without any selection: both arrive, apart. */
START_TEST(test_conn_want_details)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);
    char **cjk = exp_find("domain", "虚拟机-0005");
    char **other = exp_find("domain", "dom-0002");
    seen.changes = 0;
    ck_assert_ptr_null(nv_model_domain_details(nv_conn_model(conn), cjk[2], NULL));
    nv_conn_want_domain_details(conn, cjk[2]);
    nv_conn_want_domain_details(conn, other[2]);
    nv_conn_want_domain_details(conn, cjk[2]); /* already on its way: no second fetch */
    const char *both[] = {cjk[2], other[2], NULL};
    ck_assert_msg(run_until(conn, details_of_both, both, 10000), "no details of %s and %s", cjk[1],
                  other[1]);
    const NvDomainDetails *d = nv_model_domain_details(nv_conn_model(conn), cjk[2], NULL);
    ck_assert_str_eq(d->name, cjk[1]);
    ck_assert_str_eq(d->title, cjk[8]);
    ck_assert_str_eq(d->description, cjk[9]);
    ck_assert_uint_eq(d->disks->len, 1);
    ck_assert_uint_eq(d->nics->len, 1);
    ck_assert(seen.changes & NV_CHANGE_DETAILS);
    d = nv_model_domain_details(nv_conn_model(conn), other[2], NULL);
    ck_assert_str_eq(d->name, other[1]);
    ck_assert_str_eq(d->title, other[8]);
    ck_assert(run_until(conn, idle, NULL, 10000));

    /* A refresh marks them stale (kept, still shown) and says so; a want fetches again. */
    seen.changes = 0;
    nv_conn_refresh(conn, NV_CHANGE_DETAILS);
    ck_assert(seen.changes & NV_CHANGE_DETAILS);
    ck_assert(nv_cache_lookup(nv_conn_model(conn)->domain_details, cjk[2])->stale);
    ck_assert(details_of(conn, cjk[2]));
    nv_conn_want_domain_details(conn, cjk[2]);
    ck_assert_uint_eq(nv_conn_busy(conn), 1);
    ck_assert(run_until(conn, idle, NULL, 10000));
    ck_assert(!nv_cache_lookup(nv_conn_model(conn)->domain_details, cjk[2])->stale);
    ck_assert(details_of(conn, cjk[2]));
}
END_TEST

typedef struct {
    const char *uuid; /* domain to destroy and undefine */
    const char *pool; /* pool to destroy and undefine */
    gboolean done;
    char error[256];
} Removal;

static gboolean remove_work(virConnectPtr v, gpointer data, GError **err)
{
    const Removal *r = data;
    virDomainPtr dom = virDomainLookupByUUIDString(v, r->uuid);
    virStoragePoolPtr pool = virStoragePoolLookupByName(v, r->pool);
    gboolean ok = dom && pool;
    if (ok && virDomainIsActive(dom) == 1)
        ok = virDomainDestroy(dom) == 0;
    if (ok)
        ok = virDomainUndefine(dom) == 0;
    if (ok && virStoragePoolIsActive(pool) == 1)
        ok = virStoragePoolDestroy(pool) == 0;
    if (ok)
        ok = virStoragePoolUndefine(pool) == 0;
    if (!ok)
        nv_set_virt_error(err, "cannot remove %s and %s", r->uuid, r->pool);
    if (dom)
        virDomainFree(dom);
    if (pool)
        virStoragePoolFree(pool);
    return ok;
}

static gpointer remove_async(virConnectPtr v, gpointer data, GError **err)
{
    return remove_work(v, data, err) ? NV_ASYNC_OK : NULL;
}

static void remove_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Removal *r = data;
    g_autoptr(GError) err = NULL;
    r->done = TRUE;
    if (!nv_async_result_ok(res, remove_async, &err))
        g_strlcpy(r->error, err->message, sizeof(r->error));
}

static gboolean removal_done(NvConn *conn, gconstpointer data)
{
    return ((const Removal *)data)->done;
}

static gboolean evicted(NvConn *conn, gconstpointer data)
{
    const Removal *r = data;
    const NvModel *m = nv_conn_model(conn);
    return !nv_cache_lookup(m->domain_details, r->uuid) &&
           !nv_cache_lookup(m->pool_volumes, r->pool);
}

/* An object a relist no longer lists takes its cached answers with it; the others stay. */
START_TEST(test_conn_cache_evicts)
{
    Seen seen = {0};
    g_autoptr(NvConn) conn = open_loaded(&seen);
    nv_conn_want_pool(conn, "nvpool-dir");
    nv_conn_want_pool(conn, "nvpool-lvm");
    ck_assert(run_until(conn, volumes_of, "nvpool-dir", 10000));
    ck_assert(run_until(conn, volumes_of, "nvpool-lvm", 10000));
    char **gone = exp_find("domain", "dom-0001");
    char **kept = exp_find("domain", "dom-0002");
    nv_conn_want_domain_details(conn, gone[2]);
    nv_conn_want_domain_details(conn, kept[2]);
    const char *both[] = {gone[2], kept[2], NULL};
    ck_assert(run_until(conn, details_of_both, both, 10000));

    Removal r = {.uuid = gone[2], .pool = "nvpool-dir"};
    NvAsyncSpec spec = {.tag = remove_async, .req = &r};
    nv_conn_async(conn, &spec, remove_async, remove_done, &r, NULL);
    ck_assert(run_until(conn, removal_done, &r, 10000));
    ck_assert_msg(r.error[0] == '\0', "%s", r.error);
    nv_conn_refresh(conn, NV_CHANGE_DOMAINS | NV_CHANGE_POOLS);
    ck_assert_msg(run_until(conn, evicted, &r, 10000),
                  "the details of %s or the volumes of %s outlived them", gone[1], r.pool);
    ck_assert(details_of(conn, kept[2]));
    ck_assert(volumes_of(conn, "nvpool-lvm"));
}
END_TEST

static gboolean failed_to_connect(NvConn *conn, gconstpointer data)
{
    return nv_conn_get_state(conn) == NV_CONN_DISCONNECTED;
}

START_TEST(test_conn_bad_uri)
{
    init_once();
    Seen seen = {0};
    g_autoptr(NvConn) conn = nv_conn_new("test:///nonexistent/file.xml", TRUE);
    nv_conn_set_listener(conn, on_change, &seen);
    nv_conn_set_notify(conn, on_notice, &seen);
    nv_conn_start(conn);
    ck_assert_msg(run_until(conn, failed_to_connect, NULL, 10000), "state %d after 10 s",
                  nv_conn_get_state(conn));
    ck_assert_msg(seen.message[0], "no message saying why the connection failed");
    ck_assert(seen.changes & NV_CHANGE_STATE);
    /* Stays down (a reconnect may be scheduled, but it cannot succeed) and frees cleanly. */
    run_until(conn, idle, NULL, 500);
    ck_assert_int_ne(nv_conn_get_state(conn), NV_CONN_CONNECTED);
}
END_TEST

/* ---- live stats: the test driver answers the bulk stats call with the state group only,
 * has node CPU stats (constant counters) and no node memory stats ---- */

/* The full stats groups change nothing in the list, and every domain gets a sample. */
START_TEST(test_fetch_domains_full)
{
    virConnectPtr conn = open_node();
    g_autoptr(GError) err = NULL;
    g_autoptr(NvDomainSamples) samples = NULL;
    g_autoptr(GPtrArray) doms = nv_fetch_domains_full(conn, NULL, &samples, &err);
    ck_assert_msg(doms != NULL, "nv_fetch_domains_full: %s", err ? err->message : "?");
    GPtrArray *rows = exp_rows("domain");
    ck_assert_uint_eq(doms->len, rows->len);
    for (guint i = 0; i < doms->len; i++) {
        check_domain_row(doms->pdata[i], rows->pdata[i]);
        ck_assert_ptr_null(((NvDomain *)doms->pdata[i])->stats);
    }
    ck_assert_ptr_nonnull(samples);
    ck_assert_uint_eq(samples->samples->len, rows->len);
    ck_assert(samples->when_us > 0);
    virConnectClose(conn);
}
END_TEST

/* What the test driver really gives: a sample per domain with its state and no numbers. */
START_TEST(test_fetch_samples)
{
    virConnectPtr conn = open_node();
    g_autoptr(GError) err = NULL;
    NvStatsQuery q = {0};
    g_autoptr(NvDomainSamples) samples = nv_fetch_domain_samples(conn, &q, &err);
    ck_assert_msg(samples != NULL, "nv_fetch_domain_samples: %s", err ? err->message : "?");
    GPtrArray *rows = exp_rows("domain");
    ck_assert_uint_eq(samples->samples->len, rows->len);
    unsigned running = 0;
    for (guint i = 0; i < samples->samples->len; i++) {
        NvDomainSample *s = &g_array_index(samples->samples, NvDomainSample, i);
        char **row = NULL;
        for (guint r = 0; r < rows->len && !row; r++)
            if (strcmp(((char **)rows->pdata[r])[2], s->uuid) == 0)
                row = rows->pdata[r];
        ck_assert_msg(row != NULL, "sample for an unknown UUID %s", s->uuid);
        ck_assert_int_eq(s->state, atoi(row[3]));
        ck_assert_msg(s->have == 0, "%s: the test driver gave numbers (0x%x)", row[1], s->have);
        running += s->state == VIR_DOMAIN_RUNNING;
    }
    ck_assert_uint_gt(running, 0);

    /* Nothing to merge: no entries, every domain stays without live numbers. */
    g_autoptr(GHashTable) table = nv_domain_stats_table_new();
    nv_domain_stats_merge(table, samples, TRUE);
    ck_assert_uint_eq(g_hash_table_size(table), 0);

    /* Host: CPU counters (the count learnt once), memory stats unsupported and remembered. */
    NvHostSample h1, h2;
    ck_assert_msg(nv_fetch_host_sample(conn, &q, &h1, &err), "host: %s", err ? err->message : "?");
    ck_assert_uint_eq(h1.have, NV_STAT_CPU);
    ck_assert_int_gt(q.cpu_params, 0);
    ck_assert_int_eq(q.mem_params, -1);
    ck_assert(h1.cpu_total_ns > h1.cpu_busy_ns);
    ck_assert(nv_fetch_host_sample(conn, &q, &h2, &err));
    ck_assert_uint_eq(h2.have, NV_STAT_CPU);
    ck_assert_uint_eq(h2.cpu_busy_ns, h1.cpu_busy_ns);
    ck_assert(virGetLastError() == NULL);
    virConnectClose(conn);
}
END_TEST

/* Like on_change, but `calls` counts the NV_CHANGE_STATS notifications only. */
static void on_stats(NvConn *conn, unsigned changes, gpointer data)
{
    Seen *seen = data;
    seen->changes |= changes;
    if (changes & NV_CHANGE_STATS)
        seen->calls++;
}

static gboolean stats_ticks(NvConn *conn, gconstpointer data)
{
    const Seen *seen = data;
    return seen->calls >= 2 && nv_conn_model(conn)->host_stats.have != 0;
}

static gboolean ticked_once(NvConn *conn, gconstpointer data)
{
    return ((const Seen *)data)->calls >= 1;
}

/* The periodic refresh through NvConn: NV_CHANGE_STATS every tick, host CPU from the node
 * counters, no domain numbers (and no harm) from a driver that gives state only. */
START_TEST(test_conn_stats)
{
    Seen seen = {0};
    init_once();
    g_autoptr(NvConn) conn = nv_conn_new(node_uri, FALSE);
    ck_assert_uint_eq(nv_conn_get_refresh_seconds(conn), 2);
    nv_conn_set_refresh_seconds(conn, 1);
    nv_conn_set_listener(conn, on_stats, &seen);
    nv_conn_set_notify(conn, on_notice, &seen);
    nv_conn_start(conn);
    ck_assert_msg(run_until(conn, fully_loaded, NULL, 60000), "not loaded after 60 s");
    ck_assert_msg(run_until(conn, stats_ticks, &seen, 10000),
                  "%u NV_CHANGE_STATS in 10 s, host have 0x%x", seen.calls,
                  nv_conn_model(conn)->host_stats.have);
    ck_assert(seen.changes & NV_CHANGE_STATS);
    const NvModel *m = nv_conn_model(conn);
    ck_assert_uint_eq(m->host_stats.have, NV_STAT_CPU);
    ck_assert_double_eq(m->host_stats.cpu_percent, 0.0); /* the counters never move */
    ck_assert_uint_ge(nv_ring_len(&m->host_stats.cpu), 1);
    ck_assert_uint_eq(nv_ring_len(&m->host_stats.mem), nv_ring_len(&m->host_stats.cpu));
    ck_assert_uint_eq(g_hash_table_size(m->domain_stats), 0);
    for (guint i = 0; i < m->domains->len; i++)
        ck_assert_ptr_null(((NvDomain *)m->domains->pdata[i])->stats);
    /* The list and its states are what they were. */
    GPtrArray *rows = exp_rows("domain");
    ck_assert_uint_eq(m->domains->len, rows->len);
    for (guint i = 0; i < m->domains->len; i++)
        ck_assert_int_eq(((NvDomain *)m->domains->pdata[i])->state,
                         atoi(((char **)rows->pdata[i])[3]));
    /* No message for the missing groups or the missing memory stats. */
    ck_assert_msg(seen.message[0] == '\0', "unexpected message: %s", seen.message);
    /* The stats refresh is nobody's wait: no spinner for it. */
    ck_assert(run_until(conn, idle, NULL, 10000));

    /* 0 stops the refresh; a refresh asked for explicitly still comes. */
    nv_conn_set_refresh_seconds(conn, 0);
    run_until(conn, idle, NULL, 200);
    seen.calls = 0;
    gint64 deadline = g_get_monotonic_time() + 2500 * 1000;
    guint id = g_timeout_add(20, tick, NULL);
    while (g_get_monotonic_time() < deadline)
        g_main_context_iteration(NULL, TRUE);
    g_source_remove(id);
    ck_assert_uint_eq(seen.calls, 0);
    nv_conn_refresh(conn, NV_CHANGE_STATS);
    ck_assert_msg(run_until(conn, ticked_once, &seen, 5000), "no NV_CHANGE_STATS on request");
}
END_TEST

static Suite *testdriver_suite(void)
{
    Suite *s = suite_create("testdriver");
    TCase *fetch = tcase_create("fetch");
    tcase_set_timeout(fetch, 120);
    tcase_add_test(fetch, test_fetch_domains);
    tcase_add_test(fetch, test_fetch_details);
    tcase_add_test(fetch, test_fetch_pools_volumes);
    tcase_add_test(fetch, test_fetch_networks);
    tcase_add_test(fetch, test_fetch_ifaces_host);
    tcase_add_test(fetch, test_bad_uri_direct);
    suite_add_tcase(s, fetch);

    TCase *conn = tcase_create("conn");
    tcase_set_timeout(conn, 120);
    tcase_add_test(conn, test_conn_load);
    tcase_add_test(conn, test_conn_want_pool);
    tcase_add_test(conn, test_conn_want_details);
    tcase_add_test(conn, test_conn_cache_evicts);
    tcase_add_test(conn, test_conn_bad_uri);
    suite_add_tcase(s, conn);

    TCase *stats = tcase_create("stats");
    tcase_set_timeout(stats, 120);
    tcase_add_test(stats, test_fetch_domains_full);
    tcase_add_test(stats, test_fetch_samples);
    tcase_add_test(stats, test_conn_stats);
    suite_add_tcase(s, stats);
    return s;
}

int main(void)
{
    generate_node_file();
    SRunner *sr = srunner_create(testdriver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    remove_generated();
    g_hash_table_unref(expect);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
