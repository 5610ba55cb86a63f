/* The Hosts pane: one row per connection (name, state, read-only, domains running of all,
 * URI, host name); the selected host's capabilities, versions, KVM and live CPU and memory
 * graphs in the details. */
#include "ui-internal.h"

enum { COL_NAME, COL_STATE, COL_ACCESS, COL_DOMAINS, COL_URI, COL_HOSTNAME };

static const NvColumn columns[] = {
    {N_("Name"), 14, FALSE},  {N_("State"), 12, FALSE}, {N_("Access"), 6, FALSE},
    {N_("Domains"), 9, TRUE}, {N_("URI"), 28, FALSE},   {N_("Host name"), 0, FALSE},
    {NULL, 0, FALSE},
};

/* Each host is one row of its own. */
static guint n_items(NvPane *pane, NvConn *conn)
{
    return 1;
}

static NvConn *conn_at(NvPane *pane, guint item)
{
    return nv_pane_item_conn(pane, item, NULL);
}

static const char *item_name(NvPane *pane, guint item)
{
    return nv_conn_name(conn_at(pane, item));
}

static const char *item_title(NvPane *pane, guint item)
{
    return nv_conn_uri(conn_at(pane, item));
}

static const char *state_word(NvConn *conn)
{
    switch (nv_conn_get_state(conn)) {
    case NV_CONN_CONNECTED:
        return _("connected");
    case NV_CONN_CONNECTING:
        return _("connecting");
    default:
        return _("disconnected");
    }
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvConn *conn = conn_at(pane, item);
    const NvModel *m = nv_conn_model(conn);
    switch (column) {
    case COL_NAME:
        return g_strdup(nv_conn_name(conn));
    case COL_STATE:
        return g_strdup(state_word(conn));
    case COL_ACCESS:
        return g_strdup(nv_conn_is_readonly(conn) ? _("ro") : _("rw"));
    case COL_DOMAINS:
        return g_strdup_printf("%u/%u", m->running - m->paused, m->domains->len);
    case COL_URI:
        return g_strdup(nv_conn_uri(conn));
    case COL_HOSTNAME:
        return g_strdup(m->host ? m->host->hostname : "");
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    return nv_conn_get_state(conn_at(pane, item)) == NV_CONN_CONNECTED ? NV_COLOR_RUNNING
                                                                       : NV_COLOR_ERROR;
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

static void details_lines(NvPane *pane, int item, NvLines *out, NvGraphs *graphs)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No host."));
        return;
    }
    NvConn *conn = conn_at(pane, (guint)item);
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
    NvConn *conn = conn_at(pane, (guint)item);
    const NvHost *h = nv_conn_model(conn)->host;
    if (nv_app_n_conns(pane->app) > 1)
        return nv_conn_name(conn);
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
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
    .changes = NV_CHANGE_HOST | NV_CHANGE_STATE | NV_CHANGE_STATS | NV_CHANGE_DOMAINS,
};

const NvPaneClass *nv_pane_host_class(void)
{
    return &host_class;
}
