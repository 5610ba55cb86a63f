/* The Domains pane: every domain with state, live CPU, memory, disk and network numbers,
 * vCPUs, memory and title, sortable on each; details from the XML with live graphs. */
#include <string.h>

#include "ui-internal.h"

enum {
    COL_GLYPH,
    COL_STATE,
    COL_NAME,
    COL_CPU,
    COL_VCPUS,
    COL_MEMORY,
    COL_MEM_USED,
    COL_DISK,
    COL_NET,
    COL_TITLE,
    COL_COUNT
};

/* The instance: the base, and the details title it hands out. */
typedef struct {
    NvPane base;
    char *title;
} DomainsPane;

static void finalize(NvPane *pane)
{
    g_free(((DomainsPane *)pane)->title);
}

static NvDomain *domain_at(NvPane *pane, guint item)
{
    guint local;
    NvConn *conn = nv_pane_item_conn(pane, item, &local);
    return nv_conn_model(conn)->domains->pdata[local];
}

/* ---- sorting: plain field reads, called O(n log n) times per sort ---- */

static int cmp_num(double a, double b)
{
    return (a > b) - (a < b);
}

/* A live number, or -1 for a domain without it (shut off), so those sort below every 0. */
static double live(NvPane *pane, guint item, unsigned bit)
{
    const NvDomainStats *st = domain_at(pane, item)->stats;
    if (!st || !(st->have & bit))
        return -1;
    switch (bit) {
    case NV_STAT_CPU:
        return st->cpu_percent;
    case NV_STAT_MEM:
        return (double)st->mem_kib;
    case NV_STAT_DISK:
        return st->rd_bps + st->wr_bps;
    default:
        return st->rx_bps + st->tx_bps;
    }
}

static int cmp_state(NvPane *pane, guint a, guint b)
{
    return cmp_num(domain_at(pane, a)->state, domain_at(pane, b)->state);
}

static int cmp_name(NvPane *pane, guint a, guint b)
{
    return strcmp(domain_at(pane, a)->name, domain_at(pane, b)->name);
}

static int cmp_title(NvPane *pane, guint a, guint b)
{
    return strcmp(domain_at(pane, a)->title, domain_at(pane, b)->title);
}

static int cmp_vcpus(NvPane *pane, guint a, guint b)
{
    return cmp_num(domain_at(pane, a)->vcpus, domain_at(pane, b)->vcpus);
}

static int cmp_memory(NvPane *pane, guint a, guint b)
{
    return cmp_num(domain_at(pane, a)->memory_kib, domain_at(pane, b)->memory_kib);
}

static int cmp_cpu(NvPane *pane, guint a, guint b)
{
    return cmp_num(live(pane, a, NV_STAT_CPU), live(pane, b, NV_STAT_CPU));
}

static int cmp_mem_used(NvPane *pane, guint a, guint b)
{
    return cmp_num(live(pane, a, NV_STAT_MEM), live(pane, b, NV_STAT_MEM));
}

static int cmp_disk(NvPane *pane, guint a, guint b)
{
    return cmp_num(live(pane, a, NV_STAT_DISK), live(pane, b, NV_STAT_DISK));
}

static int cmp_net(NvPane *pane, guint a, guint b)
{
    return cmp_num(live(pane, a, NV_STAT_NET), live(pane, b, NV_STAT_NET));
}

/* Numeric columns are one wider than their widest value, for the header's sort mark. Rates
 * are per second, in 1024-based compact units (12K/1.2M: read/write, received/sent). */
static const NvColumn columns[] = {
    [COL_GLYPH] = {" ", 1, FALSE},
    [COL_STATE] = {N_("State"), 13, FALSE},
    [COL_NAME] = {N_("Name"), 22, FALSE},
    [COL_CPU] = {N_("CPU%"), 5, TRUE},
    [COL_VCPUS] = {N_("vCPUs"), 6, TRUE},
    [COL_MEMORY] = {N_("Memory"), 10, TRUE},
    [COL_MEM_USED] = {N_("Mem used"), 10, TRUE},
    [COL_DISK] = {N_("Disk R/W"), 10, TRUE},
    [COL_NET] = {N_("Net RX/TX"), 10, TRUE},
    [COL_TITLE] = {N_("Title"), 0, FALSE},
    [COL_COUNT] = {NULL, 0, FALSE},
};

static const NvCompareFunc compare[COL_COUNT] = {
    [COL_STATE] = cmp_state, [COL_NAME] = cmp_name,     [COL_CPU] = cmp_cpu,
    [COL_VCPUS] = cmp_vcpus, [COL_MEMORY] = cmp_memory, [COL_MEM_USED] = cmp_mem_used,
    [COL_DISK] = cmp_disk,   [COL_NET] = cmp_net,       [COL_TITLE] = cmp_title,
};

static guint n_items(NvPane *pane, NvConn *conn)
{
    return nv_conn_model(conn)->domains->len;
}

static const char *item_name(NvPane *pane, guint item)
{
    return domain_at(pane, item)->name;
}

static const char *item_title(NvPane *pane, guint item)
{
    return domain_at(pane, item)->title;
}

/* "12K/1.2M" for a pair of rates. */
static char *rate_pair(double a, double b)
{
    g_autofree char *x = nv_format_compact(a);
    g_autofree char *y = nv_format_compact(b);
    return g_strdup_printf("%s/%s", x, y);
}

/* A live column's text; "" for a domain without the number. */
static char *live_cell(const NvDomainStats *st, guint column)
{
    switch (column) {
    case COL_CPU:
        return st && (st->have & NV_STAT_CPU) ? nv_format_percent(st->cpu_percent) : NULL;
    case COL_MEM_USED:
        return st && (st->have & NV_STAT_MEM) ? nv_format_kib(st->mem_kib) : NULL;
    case COL_DISK:
        return st && (st->have & NV_STAT_DISK) ? rate_pair(st->rd_bps, st->wr_bps) : NULL;
    default:
        return st && (st->have & NV_STAT_NET) ? rate_pair(st->rx_bps, st->tx_bps) : NULL;
    }
}

static char *cell(NvPane *pane, guint item, guint column)
{
    NvDomain *d = domain_at(pane, item);
    switch (column) {
    case COL_CPU:
    case COL_MEM_USED:
    case COL_DISK:
    case COL_NET: {
        char *text = live_cell(d->stats, column);
        return text ? text : g_strdup("");
    }
    case COL_GLYPH:
        return g_strdup(nv_domain_state_glyph(d->state));
    case COL_STATE:
        return g_strdup(_(nv_domain_state_name(d->state)));
    case COL_NAME:
        return g_strdup(d->name);
    case COL_VCPUS: /* "-": not read yet over a network (NvDomain.missing) */
        return d->missing & NV_DOMAIN_MISSING_SIZE ? g_strdup("-")
                                                   : g_strdup_printf("%u", d->vcpus);
    case COL_MEMORY:
        return d->missing & NV_DOMAIN_MISSING_SIZE ? g_strdup("-") : nv_format_kib(d->memory_kib);
    case COL_TITLE:
        return g_strdup(d->title);
    default:
        return g_strdup("");
    }
}

static int row_color(NvPane *pane, guint item)
{
    switch (domain_at(pane, item)->state) {
    case NV_DOMAIN_RUNNING:
    case NV_DOMAIN_BLOCKED:
        return NV_COLOR_RUNNING;
    case NV_DOMAIN_PAUSED:
    case NV_DOMAIN_PMSUSPENDED:
    case NV_DOMAIN_SHUTDOWN:
        return NV_COLOR_PAUSED;
    case NV_DOMAIN_CRASHED:
        return NV_COLOR_ERROR;
    default:
        return NV_COLOR_STOPPED;
    }
}

static const char *yes_no_unknown(int v)
{
    return v < 0 ? _("unknown") : v ? _("yes") : _("no");
}

/* Each row's cells padded to the widest of their column, so the rows read as a table. */
static void add_table(NvLines *out, GPtrArray *labels, GPtrArray *rows, guint ncols)
{
    int width[8] = {0};
    g_assert(ncols <= G_N_ELEMENTS(width));
    for (guint r = 0; r < rows->len; r++)
        for (guint c = 0; c + 1 < ncols; c++) {
            g_autofree char *safe = nv_text_sanitize(((char **)rows->pdata[r])[c]);
            width[c] = MAX(width[c], nv_text_width(safe));
        }
    for (guint r = 0; r < rows->len; r++) {
        char **cells = rows->pdata[r];
        GString *line = g_string_new("");
        for (guint c = 0; c < ncols; c++) {
            g_autofree char *cell = c + 1 < ncols && width[c] ? nv_text_pad(cells[c], width[c])
                                                              : nv_text_sanitize(cells[c]);
            g_string_append_printf(line, "%s%s", c ? "  " : "", cell);
        }
        g_autofree char *text = g_string_free(line, FALSE);
        nv_lines_add(out, labels->pdata[r], g_strchomp(text));
    }
}

static void disks_and_nics(const NvDomainDetails *det, NvLines *out)
{
    nv_lines_heading(out, _("Disks"));
    if (det->disks->len == 0)
        nv_lines_add(out, "", _("none"));
    g_autoptr(GPtrArray) labels = g_ptr_array_new();
    g_autoptr(GPtrArray) rows = g_ptr_array_new_with_free_func((GDestroyNotify)g_strfreev);
    for (guint i = 0; i < det->disks->len; i++) {
        NvDisk *disk = det->disks->pdata[i];
        const char *source = *disk->source ? disk->source : _("(empty)");
        const char *cells[] = {disk->device, disk->bus, source, disk->format, NULL};
        g_ptr_array_add(labels, disk->target);
        g_ptr_array_add(rows, g_strdupv((char **)cells));
    }
    add_table(out, labels, rows, 4);
    nv_lines_heading(out, _("Network interfaces"));
    if (det->nics->len == 0)
        nv_lines_add(out, "", _("none"));
    g_ptr_array_set_size(labels, 0);
    g_ptr_array_set_size(rows, 0);
    for (guint i = 0; i < det->nics->len; i++) {
        NvNic *nic = det->nics->pdata[i];
        g_autofree char *model =
            g_strdup_printf("%s %s", _("model"), *nic->model ? nic->model : _("default"));
        g_autofree char *target =
            *nic->target ? g_strdup_printf("%s %s", _("on"), nic->target) : g_strdup("");
        const char *cells[] = {nic->type, nic->source, model, target, NULL};
        g_ptr_array_add(labels, nic->mac);
        g_ptr_array_add(rows, g_strdupv((char **)cells));
    }
    add_table(out, labels, rows, 4);
}

/* A description keeps its lines (each drawn sanitised), never one line of control pictures. */
static void add_description(NvLines *out, const char *description)
{
    g_auto(GStrv) lines = g_strsplit(description, "\n", 50);
    for (guint i = 0; lines[i]; i++) {
        g_strchomp(lines[i]); /* "\r\n" line ends, trailing blanks */
        if (i > 0 && !lines[i + 1] && !*lines[i])
            break;
        nv_lines_add(out, i == 0 ? _("Description") : "", lines[i]);
    }
}

/* Graphs of the last minutes (one point a refresh), after the static memory line. */
static void live_lines(const NvDomain *d, NvLines *out, NvGraphs *graphs)
{
    const NvDomainStats *st = d->stats;
    if (!st) {
        if (d->id >= 0)
            nv_lines_add(out, _("Live numbers"), _("none from this host yet"));
        return;
    }
    g_autofree char *cpu =
        (st->have & NV_STAT_CPU) ? nv_format_percent(st->cpu_percent) : g_strdup("–");
    nv_graphs_add(graphs, out, _("CPU usage"), &st->cpu, 100, cpu);
    g_autofree char *used = nv_format_kib(st->mem_kib);
    double mem_max = st->mem_max_kib ? (double)st->mem_max_kib : (double)d->max_memory_kib;
    nv_graphs_add(graphs, out, _("Memory in use"), &st->mem, mem_max,
                  (st->have & NV_STAT_MEM) ? used : "–");
    g_autofree char *rd = nv_format_rate(st->rd_bps);
    g_autofree char *wr = nv_format_rate(st->wr_bps);
    g_autofree char *disk =
        (st->have & NV_STAT_DISK) ? g_strdup_printf(_("read %s, write %s"), rd, wr) : g_strdup("–");
    nv_graphs_add(graphs, out, _("Disk I/O"), &st->disk, 0, disk);
    g_autofree char *rx = nv_format_rate(st->rx_bps);
    g_autofree char *tx = nv_format_rate(st->tx_bps);
    g_autofree char *net =
        (st->have & NV_STAT_NET) ? g_strdup_printf(_("in %s, out %s"), rx, tx) : g_strdup("–");
    nv_graphs_add(graphs, out, _("Network I/O"), &st->net, 0, net);
}

static void details_lines(NvPane *pane, int item, NvLines *out, NvGraphs *graphs)
{
    if (item < 0) {
        nv_lines_add(out, "", _("No domain selected."));
        return;
    }
    NvConn *conn = nv_pane_item_conn(pane, (guint)item, NULL);
    const NvModel *m = nv_conn_model(conn);
    NvDomain *d = domain_at(pane, (guint)item);
    if (conn) /* again when an event made the cached details stale */
        nv_conn_want_domain_details(conn, d->uuid);
    const char *error = NULL;
    const NvDomainDetails *det = nv_model_domain_details(m, d->uuid, &error);
    gboolean fresh = det != NULL;
    nv_lines_add(out, _("Name"), d->name);
    if (nv_pane_show_hosts(pane))
        nv_lines_addf(out, _("Host"), "%s (%s)", nv_conn_name(conn), nv_conn_uri(conn));
    nv_lines_add(out, _("Title"), d->title);
    if (fresh)
        add_description(out, det->description);
    nv_lines_add(out, _("UUID"), d->uuid);
    const char *reason = fresh ? nv_domain_reason_name(det->state, det->reason)
                               : nv_domain_reason_name(d->state, d->reason);
    nv_lines_addf(out, _("State"), "%s (%s)",
                  _(nv_domain_state_name(fresh ? det->state : d->state)), _(reason));
    if (d->id >= 0)
        nv_lines_addf(out, _("ID"), "%d", d->id);
    g_autofree char *mem = nv_format_kib(d->memory_kib);
    g_autofree char *maxmem = nv_format_kib(d->max_memory_kib);
    nv_lines_addf(out, _("vCPUs"), "%u", d->vcpus);
    nv_lines_addf(out, _("Memory"), _("%s (maximum %s)"), mem, maxmem);
    live_lines(d, out, graphs);
    if (!fresh) {
        const char *why = error && conn ? error : _("loading details…");
        nv_lines_add(out, "", why);
        return;
    }
    nv_lines_addf(out, _("OS"), "%s / %s%s%s", det->os_type, det->arch, *det->machine ? " / " : "",
                  det->machine);
    nv_lines_add(out, _("Virt type"), det->domain_type);
    nv_lines_add(out, _("Autostart"), yes_no_unknown(det->autostart));
    nv_lines_add(out, _("Persistent"), yes_no_unknown(det->persistent));
    disks_and_nics(det, out);
}

static void details(NvPane *pane, int item, NvLines *out)
{
    g_autoptr(NvGraphs) graphs = nv_graphs_new();
    details_lines(pane, item, out, graphs);
    nv_graphs_finish(graphs, out, pane->details_width);
}

/* "web-01 @ hv1" when several hosts are open. */
static const char *details_title(NvPane *pane, int item)
{
    DomainsPane *self = (DomainsPane *)pane;
    const char *name = domain_at(pane, (guint)item)->name;
    if (!nv_pane_show_hosts(pane))
        return name;
    g_free(self->title);
    self->title =
        g_strdup_printf("%s @ %s", name, nv_conn_name(nv_pane_item_conn(pane, item, NULL)));
    return self->title;
}

static void selected(NvPane *pane, int item)
{
    if (item >= 0)
        nv_conn_want_domain_details(nv_pane_item_conn(pane, (guint)item, NULL),
                                    domain_at(pane, (guint)item)->uuid);
}

static gboolean open_console(NvPane *pane, NvAction a)
{
    int item = nv_list_selected_item(&pane->list);
    if (item < 0) {
        nv_app_message(pane->app, _("No domain selected."), TRUE);
        return TRUE;
    }
    NvDomain *d = domain_at(pane, (guint)item);
    NvConn *conn = nv_pane_item_conn(pane, (guint)item, NULL);
    NvView *view = a == NV_ACTION_CONSOLE ? nv_view_console_new(pane->app, conn, d->uuid, d->name)
                                          : nv_view_vnc_new(pane->app, conn, d->uuid, d->name);
    if (view)
        nv_app_open_view(pane->app, view);
    return TRUE;
}

/* Each family of actions lives in a file of its own. */
static gboolean action(NvPane *pane, NvAction a)
{
    switch (a) {
    case NV_ACTION_CONSOLE:
    case NV_ACTION_VNC:
        return open_console(pane, a);
    case NV_ACTION_SNAPSHOTS:
    case NV_ACTION_CLONE:
        return nv_domain_snapshot_action(pane, a);
    case NV_ACTION_EDIT:
        return nv_domain_edit_action(pane, a);
    case NV_ACTION_MIGRATE:
    case NV_ACTION_MIGRATE_POSTCOPY:
        return nv_domain_migrate_action(pane, a);
    default:
        return nv_domain_action(pane, a);
    }
}

static const NvPaneClass domains_class = {
    .name = N_("Domains"),
    .context = NV_CTX_DOMAINS,
    .columns = columns,
    .compare = compare,
    .n_items = n_items,
    .item_name = item_name,
    .item_title = item_title,
    .cell = cell,
    .row_color = row_color,
    .details = details,
    .details_title = details_title,
    .selected = selected,
    .action = action,
    .markable = TRUE,
    .changes = NV_CHANGE_DOMAINS | NV_CHANGE_STATS,
    .instance_size = sizeof(DomainsPane),
    .finalize = finalize,
};

const NvPaneClass *nv_pane_domains_class(void)
{
    return &domains_class;
}
