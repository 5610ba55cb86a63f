/* The Hosts pane, the connection manager: a row per open connection (name, state, read-only,
 * domains running of all, URI, host name), then one per saved connection not open ("not
 * connected"); keys add, edit, remove, connect and disconnect (pane-host-conns.c, the
 * connection wizard). The details show the selected host's capabilities, versions, KVM and
 * live CPU and memory graphs. */
#include "pane-host.h"
#include "wizard-api.h"

enum { COL_NAME, COL_STATE, COL_ACCESS, COL_DOMAINS, COL_URI, COL_HOSTNAME };

static const NvColumn columns[] = {
    {N_("Name"), 14, FALSE},  {N_("State"), 14, FALSE}, {N_("Access"), 6, FALSE},
    {N_("Domains"), 9, TRUE}, {N_("URI"), 28, FALSE},   {N_("Host name"), 0, FALSE},
    {NULL, 0, FALSE},
};

typedef struct {
    NvPane base;
    NvSavedConns *saved;
    GPtrArray *unopened; /* const NvSavedConn *: the loose rows, after the open connections */
} HostPane;

static void init(NvPane *pane)
{
    HostPane *hp = (HostPane *)pane;
    hp->saved = nv_saved_conns_new();
    hp->unopened = g_ptr_array_new();
    nv_saved_conns_reload(hp->saved);
    /* The app named the autoconnected hosts from their URIs: they go by their saved names. */
    for (guint i = 0; i < nv_app_n_conns(pane->app); i++) {
        NvConn *conn = nv_app_conn_at(pane->app, i);
        const NvSavedConn *c = nv_saved_conns_of(hp->saved, pane->app, conn);
        if (c)
            nv_conn_set_name(conn, c->name);
    }
}

static void finalize(NvPane *pane)
{
    HostPane *hp = (HostPane *)pane;
    g_ptr_array_unref(hp->unopened);
    nv_saved_conns_free(hp->saved);
}

/* Each host is one row of its own. */
static guint n_items(NvPane *pane, NvConn *conn)
{
    return 1;
}

/* The saved connections not open, laid out when the pane rebuilds its list (the file is read
 * again then if it changed). */
static guint n_loose(NvPane *pane)
{
    HostPane *hp = (HostPane *)pane;
    nv_saved_conns_reload(hp->saved);
    g_ptr_array_unref(hp->unopened);
    hp->unopened = nv_saved_conns_unopened(hp->saved, pane->app);
    return hp->unopened->len;
}

/* The open connection of a row, or NULL for a saved one not open. */
static NvConn *row_conn(NvPane *pane, guint item)
{
    return nv_pane_item_conn(pane, item, NULL);
}

/* The saved connection of a row, or NULL for one opened with -c. */
static const NvSavedConn *row_saved(NvPane *pane, guint item)
{
    HostPane *hp = (HostPane *)pane;
    guint local = 0;
    NvConn *conn = nv_pane_item_conn(pane, item, &local);
    if (conn)
        return nv_saved_conns_of(hp->saved, pane->app, conn);
    return item < nv_pane_n_items(pane) && local < hp->unopened->len ? hp->unopened->pdata[local]
                                                                     : NULL;
}

static const char *item_name(NvPane *pane, guint item)
{
    NvConn *conn = row_conn(pane, item);
    const NvSavedConn *saved = row_saved(pane, item);
    return conn ? nv_conn_name(conn) : saved ? saved->name : "";
}

static const char *item_title(NvPane *pane, guint item)
{
    NvConn *conn = row_conn(pane, item);
    const NvSavedConn *saved = row_saved(pane, item);
    return conn ? nv_conn_uri(conn) : saved ? saved->uri : "";
}

static const char *state_word(NvConn *conn)
{
    if (!conn)
        return _("not connected");
    switch (nv_conn_get_state(conn)) {
    case NV_CONN_CONNECTED:
        return _("connected");
    case NV_CONN_CONNECTING:
        return _("connecting");
    default:
        return _("disconnected");
    }
}

static gboolean row_readonly(NvPane *pane, guint item)
{
    NvConn *conn = row_conn(pane, item);
    const NvSavedConn *saved = row_saved(pane, item);
    return conn ? nv_conn_is_readonly(conn) : saved && saved->readonly;
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvConn *conn = row_conn(pane, item);
    const NvModel *m = conn ? nv_conn_model(conn) : NULL;
    switch (column) {
    case COL_NAME:
        return g_strdup(item_name(pane, item));
    case COL_STATE:
        return g_strdup(state_word(conn));
    case COL_ACCESS:
        return g_strdup(row_readonly(pane, item) ? _("ro") : _("rw"));
    case COL_DOMAINS:
        return m ? g_strdup_printf("%u/%u", m->running - m->paused, m->domains->len) : g_strdup("");
    case COL_URI:
        return g_strdup(item_title(pane, item));
    case COL_HOSTNAME:
        return g_strdup(m && m->host ? m->host->hostname : "");
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    NvConn *conn = row_conn(pane, item);
    if (!conn)
        return NV_COLOR_STOPPED;
    return nv_conn_get_state(conn) == NV_CONN_CONNECTED ? NV_COLOR_RUNNING : NV_COLOR_ERROR;
}

static gboolean action(NvPane *pane, NvAction a)
{
    HostPane *hp = (HostPane *)pane;
    int item = nv_list_selected_item(&pane->list);
    if (item < 0)
        return FALSE;
    NvConn *conn = row_conn(pane, (guint)item);
    /* Enter on an open host looks at its details, as in every other pane. */
    if (a == NV_ACTION_CONN_CONNECT && conn) {
        nv_pane_set_details_focus(pane, TRUE);
        return TRUE;
    }
    return nv_saved_conns_action(pane, hp->saved, a, row_saved(pane, (guint)item), conn);
}

gboolean nv_wizard_host_row(NvPane *pane, NvSavedConn **saved, NvConn **conn)
{
    int item =
        pane && pane->klass == nv_pane_host_class() ? nv_list_selected_item(&pane->list) : -1;
    if (item < 0)
        return FALSE;
    const NvSavedConn *s = row_saved(pane, (guint)item);
    *saved = s ? nv_saved_conn_copy(s) : NULL;
    *conn = row_conn(pane, (guint)item);
    return TRUE;
}

static char *version_string(unsigned long v)
{
    return g_strdup_printf("%lu.%lu.%lu", v / 1000000, (v / 1000) % 1000, v % 1000);
}

/* One point a refresh; a driver without node stats (the test driver has no memory stats)
 * shows what it has. */
static void live_lines(const NvHostStats *st, NvLines *out, NvGraphs *graphs)
{
    if (st->have & NV_STAT_CPU) {
        g_autofree char *cpu = nv_format_percent(st->cpu_percent);
        nv_graphs_add(graphs, out, _("CPU usage"), &st->cpu, 100, cpu);
    }
    if (st->have & NV_STAT_MEM) {
        g_autofree char *used = nv_format_kib(st->mem_used_kib);
        g_autofree char *total = nv_format_kib(st->mem_total_kib);
        g_autofree char *value = g_strdup_printf(_("%s of %s"), used, total);
        nv_graphs_add(graphs, out, _("Memory used"), &st->mem, (double)st->mem_total_kib, value);
    }
}

/* A saved connection: what the config file says of it. */
static void saved_lines(const NvSavedConn *c, NvConn *conn, NvLines *out)
{
    nv_lines_add(out, _("Saved as"), c->name);
    nv_lines_add(out, _("URI"), c->uri);
    nv_lines_add(out, _("Read-only"), c->readonly ? _("yes") : _("no"));
    nv_lines_add(out, _("Connect at start"), c->autoconnect ? _("yes") : _("no"));
    if (!conn)
        nv_lines_add(out, "", _("Not connected: c connects, e edits, D removes it."));
}

static void details_lines(NvPane *pane, int item, NvLines *out, NvGraphs *graphs)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No host."));
        return;
    }
    NvConn *conn = row_conn(pane, (guint)item);
    const NvSavedConn *saved = row_saved(pane, (guint)item);
    if (saved)
        saved_lines(saved, conn, out);
    if (!conn)
        return;
    if (!saved)
        nv_lines_add(out, _("Opened with"), _("-c (not saved: e saves it)"));
    const NvModel *m = nv_conn_model(conn);
    const NvHost *h = m->host;
    nv_lines_add(out, _("Connection"), nv_conn_name(conn));
    if (nv_conn_is_readonly(conn))
        nv_lines_add(out, _("Access"), _("read-only (-r): every change is refused"));
    if (!h) {
        nv_lines_add(out, "", _("loading host information…"));
        return;
    }
    g_autofree char *hv = version_string(h->hv_version);
    g_autofree char *lib = version_string(h->lib_version);
    g_autofree char *total = nv_format_kib(h->mem_total_kib);
    g_autofree char *free_mem = nv_format_kib(h->mem_free_kib);
    nv_lines_add(out, _("Host name"), h->hostname);
    nv_lines_add(out, _("URI"), h->uri);
    nv_lines_addf(out, _("Hypervisor"), "%s %s", h->hv_type, hv);
    nv_lines_add(out, _("libvirt"), lib);
    nv_lines_add(out, _("Architecture"), h->arch);
    nv_lines_add(out, _("CPU model"), *h->cpu_model ? h->cpu_model : _("unknown"));
    /* One count per phrase, so each takes its own plural form. */
    g_autofree char *nodes = g_strdup_printf(ngettext("%u node", "%u nodes", h->nodes), h->nodes);
    g_autofree char *sockets =
        g_strdup_printf(ngettext("%u socket", "%u sockets", h->sockets), h->sockets);
    g_autofree char *cores = g_strdup_printf(ngettext("%u core", "%u cores", h->cores), h->cores);
    g_autofree char *threads =
        g_strdup_printf(ngettext("%u thread", "%u threads", h->threads), h->threads);
    nv_lines_addf(out, _("CPUs"), _("%u at %u MHz (%s, %s, %s, %s)"), h->cpus, h->mhz, nodes,
                  sockets, cores, threads);
    nv_lines_addf(out, _("Memory"), _("%s total, %s free"), total, free_mem);
    live_lines(&m->host_stats, out, graphs);
    nv_lines_add(out, _("KVM"), h->kvm_available ? _("available") : _("not available"));
    nv_lines_add(out, "", h->kvm_explain);
}

static void details(NvPane *pane, int item, NvLines *out)
{
    g_autoptr(NvGraphs) graphs = nv_graphs_new();
    details_lines(pane, item, out, graphs);
    nv_graphs_finish(graphs, out, pane->details_width);
}

/* The host's own name; with several, the connection's (two test hosts share a hostname). */
static const char *details_title(NvPane *pane, int item)
{
    NvConn *conn = row_conn(pane, (guint)item);
    if (!conn || nv_app_n_conns(pane->app) > 1)
        return item_name(pane, (guint)item);
    const NvHost *h = nv_conn_model(conn)->host;
    return h ? h->hostname : _("Host");
}

static const NvPaneClass host_class = {
    .name = N_("Hosts"),
    .context = NV_CTX_HOST,
    .columns = columns,
    .n_items = n_items,
    .item_name = item_name,
    .item_title = item_title,
    .rows_are_hosts = TRUE,
    .n_loose = n_loose,
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
    .action = action,
    .changes = NV_CHANGE_HOST | NV_CHANGE_STATE | NV_CHANGE_STATS | NV_CHANGE_DOMAINS,
    .instance_size = sizeof(HostPane),
    .init = init,
    .finalize = finalize,
};

const NvPaneClass *nv_pane_host_class(void)
{
    return &host_class;
}
