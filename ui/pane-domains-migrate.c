/* The Domains pane's migration: `M` on the selected or marked domains of one host asks for the
 * destination among the other connected hosts, the options (a checklist, the storage, then
 * bandwidth, downtime and address in one line), runs the check on both hosts and shows it with
 * the summary; blockers refuse, else a yes starts one job per domain, two at a time, each with
 * its bar; a summary per domain at the end. `P` switches a running migration to post-copy. */
#include <gio/gio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-migrate.h"
#include "ui-internal.h"

#define MIGRATE_AT_ONCE 2

typedef struct MigrateFlow MigrateFlow;

typedef struct {
    MigrateFlow *flow;
    char *uuid, *name;
    gboolean running;
    NvMigrateCheck *check;
    NvJob *job;
    guint bar;
    char *detail; /* the last progress detail: the finished job's statistics at the end */
    gboolean moved;
    char *outcome; /* "web: moved (done in 6.3 s, ...)", "web: why it failed" */
} Item;

struct MigrateFlow {
    NvApp *app;
    NvConn *from, *to;
    GPtrArray *conns; /* the destination menu's hosts */
    Item *items;
    guint n, checked, next, running, moved;
    NvMigrateSpec spec;
};

/* Running migrations by domain UUID (Item*), for `P`. */
static GHashTable *active;

static void flow_free(MigrateFlow *f)
{
    for (guint i = 0; i < f->n; i++) {
        Item *it = &f->items[i];
        if (it->check)
            nv_migrate_check_free(it->check);
        if (it->bar)
            nv_app_job_end(f->app, it->bar);
        g_clear_pointer(&it->job, nv_job_unref);
        g_free(it->uuid);
        g_free(it->name);
        g_free(it->outcome);
        g_free(it->detail);
    }
    g_free(f->items);
    if (f->conns)
        g_ptr_array_unref(f->conns);
    nv_migrate_spec_clear(&f->spec);
    g_free(f);
}

/* ---- the run ---- */

static void start_next(MigrateFlow *f);

static void finish(MigrateFlow *f)
{
    g_autoptr(GPtrArray) failures = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < f->n; i++)
        if (!f->items[i].moved)
            g_ptr_array_add(failures, g_strdup(f->items[i].outcome));
    g_autofree char *msg =
        f->n == 1 && f->moved == 1
            ? g_strdup_printf(_("Migrated '%s' to %s: %s."), f->items[0].name, nv_conn_name(f->to),
                              f->items[0].detail ? f->items[0].detail : "")
            : g_strdup_printf(ngettext("Migrated %u of %u domain to %s.",
                                       "Migrated %u of %u domains to %s.", f->n),
                              f->moved, f->n, nv_conn_name(f->to));
    nv_app_report_failures(f->app, msg, failures, f->n);
    flow_free(f);
}

static void on_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Item *it = data;
    g_free(it->detail);
    it->detail = g_strdup(detail);
    if (it->bar)
        nv_app_job_progress(it->flow->app, it->bar, fraction, detail);
}

static void on_done(NvJob *job, const GError *err, gpointer data)
{
    Item *it = data;
    MigrateFlow *f = it->flow;
    if (active)
        g_hash_table_remove(active, it->uuid);
    nv_app_job_end(f->app, it->bar);
    it->bar = 0;
    if (!err) {
        it->outcome = g_strdup_printf(_("%s: moved (%s)"), it->name, it->detail ? it->detail : "");
        it->moved = TRUE;
        f->moved++;
    } else if (g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED)) {
        it->outcome = g_strdup_printf(_("%s: cancelled, it stays at the source"), it->name);
    } else {
        it->outcome = g_strdup_printf("%s: %s", it->name, err->message);
    }
    f->running--;
    /* The events move it between the lists; a refresh covers a host without them. */
    nv_conn_refresh(f->from, NV_CHANGE_DOMAINS);
    nv_conn_refresh(f->to, NV_CHANGE_DOMAINS);
    start_next(f);
}

static void cancel_item(gpointer data)
{
    Item *it = data;
    if (it->job)
        nv_job_cancel(it->job);
}

static void start_next(MigrateFlow *f)
{
    if (!nv_app_has_conn(f->app, f->from) || !nv_app_has_conn(f->app, f->to))
        for (; f->next < f->n; f->next++)
            f->items[f->next].outcome =
                g_strdup_printf(_("%s: not started, a host was closed"), f->items[f->next].name);
    while (f->running < MIGRATE_AT_ONCE && f->next < f->n) {
        Item *it = &f->items[f->next++];
        f->running++;
        nv_app_job_progress(f->app, it->bar, -1, _("starting"));
        it->job = nv_migrate_start(f->from, f->to, it->uuid, &f->spec, on_progress, on_done, it);
        if (!active)
            active = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
        g_hash_table_replace(active, g_strdup(it->uuid), it);
    }
    if (f->running == 0 && f->next == f->n)
        finish(f);
}

static void on_confirm(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    MigrateFlow *f = data;
    if (index != 0) {
        nv_app_message(app, _("Migration cancelled."), FALSE);
        flow_free(f);
        return;
    }
    for (guint i = 0; i < f->n; i++) {
        Item *it = &f->items[i];
        g_autofree char *label =
            g_strdup_printf(_("migrate %s → %s"), it->name, nv_conn_name(f->to));
        it->bar = nv_app_job_begin(app, label, cancel_item, it);
        nv_app_job_progress(app, it->bar, -1, _("waiting"));
    }
    start_next(f);
}

/* ---- the check and the summary ---- */

static void ignore_choice(NvApp *app, int index, const gboolean *checked, gpointer data) {}

static void show_check(MigrateFlow *f)
{
    static const char *const marks[] = {"✓", "!", "✗"};
    g_autoptr(GPtrArray) lines = g_ptr_array_new_with_free_func(g_free);
    guint blockers = 0;
    for (guint i = 0; i < f->n; i++) {
        Item *it = &f->items[i];
        g_autoptr(GPtrArray) sum = nv_migrate_summary(&f->spec, it->name, it->running,
                                                      nv_conn_name(f->from), nv_conn_name(f->to));
        for (guint j = 0; j < sum->len; j++)
            g_ptr_array_add(lines, g_strdup(sum->pdata[j]));
        for (guint j = 0; it->check && j < it->check->items->len; j++) {
            const NvCheckItem *c = it->check->items->pdata[j];
            g_ptr_array_add(lines, g_strdup_printf("  %s %s", marks[c->level], c->text));
        }
        blockers += it->check ? it->check->blockers : 0;
    }
    g_ptr_array_add(lines, NULL);
    if (blockers) {
        g_autofree char *msg =
            g_strdup_printf(ngettext("%u reason stops it (✗); nothing was started:",
                                     "%u reasons stop it (✗); nothing was started:", blockers),
                            blockers);
        nv_app_menu(f->app, _("Cannot migrate"), msg, (const char *const *)lines->pdata,
                    ignore_choice, NULL);
        flow_free(f);
        return;
    }
    nv_app_confirm(f->app, _("Migrate?"), _("Start the migration?"),
                   (const char *const *)lines->pdata, on_confirm, f);
}

static void on_check(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Item *it = data;
    MigrateFlow *f = it->flow;
    g_autoptr(GError) err = NULL;
    it->check = nv_migrate_check_finish(res, &err);
    if (!it->check) {
        it->check = g_new0(NvMigrateCheck, 1);
        it->check->items = g_ptr_array_new();
        NvCheckItem *c = g_new0(NvCheckItem, 1);
        c->level = NV_CHECK_BLOCKER;
        c->text = g_strdup_printf(_("cannot check: %s"), err->message);
        g_ptr_array_add(it->check->items, c);
        it->check->blockers = 1;
    }
    if (++f->checked == f->n)
        show_check(f);
}

static void run_check(MigrateFlow *f)
{
    for (guint i = 0; i < f->n; i++) {
        g_autoptr(GError) err = NULL;
        if (!nv_migrate_spec_check(&f->spec, f->items[i].running, &err)) {
            nv_app_message(f->app, err->message, TRUE);
            flow_free(f);
            return;
        }
    }
    nv_app_message(f->app, _("Checking both hosts…"), FALSE);
    for (guint i = 0; i < f->n; i++)
        nv_migrate_check_async(f->from, f->to, f->items[i].uuid, &f->spec, on_check, &f->items[i],
                               NULL);
}

/* ---- the options ---- */

/* "bandwidth=100 downtime=300 address=10.0.0.2": unknown keys and bad numbers refuse. */
static gboolean parse_numbers(MigrateFlow *f, const char *text, GError **err)
{
    g_auto(GStrv) words = g_strsplit_set(text, " \t", -1);
    for (char **w = words; *w; w++) {
        if (!**w)
            continue;
        const char *eq = strchr(*w, '=');
        g_autofree char *key = eq ? g_strndup(*w, (gsize)(eq - *w)) : g_strdup(*w);
        const char *val = eq ? eq + 1 : "";
        guint64 num = 0;
        gboolean numeric = g_ascii_string_to_unsigned(val, 10, 0, G_MAXUINT32, &num, NULL);
        if (strcmp(key, "bandwidth") == 0 && numeric)
            f->spec.bandwidth_mib = num;
        else if (strcmp(key, "downtime") == 0 && numeric)
            f->spec.max_downtime_ms = num;
        else if (strcmp(key, "address") == 0)
            g_free(f->spec.address), f->spec.address = g_strdup(val);
        else
            return nv_error_invalid(err,
                                    _("cannot read '%s': write bandwidth=MiB/s downtime=ms "
                                      "address=host"),
                                    *w),
                   FALSE;
    }
    return TRUE;
}

static void ask_numbers(MigrateFlow *f, const char *message, const char *text);

static void on_numbers(NvApp *app, const char *answer, gpointer data)
{
    MigrateFlow *f = data;
    if (!answer) {
        flow_free(f);
        return;
    }
    g_autoptr(GError) err = NULL;
    if (!parse_numbers(f, answer, &err)) {
        ask_numbers(f, err->message, answer);
        return;
    }
    run_check(f);
}

static void ask_numbers(MigrateFlow *f, const char *message, const char *text)
{
    nv_app_prompt(f->app, _("Migrate: limits"), message, FALSE, on_numbers, f);
    nv_app_prompt_text(f->app, text);
}

static void on_storage(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    MigrateFlow *f = data;
    if (index < 0) {
        flow_free(f);
        return;
    }
    f->spec.storage = (NvMigrateStorage)index;
    ask_numbers(f,
                _("Bandwidth in MiB/s and maximum downtime in ms (0: no limit, the default); the "
                  "address the destination listens on (empty: its host name)"),
                "bandwidth=0 downtime=0 address=");
}

enum { OPT_LIVE, OPT_PERSIST, OPT_UNDEFINE, OPT_CONVERGE, OPT_POSTCOPY, OPT_COMPRESS, OPT_N };

static void on_options(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    MigrateFlow *f = data;
    if (index < 0) {
        flow_free(f);
        return;
    }
    f->spec.live = checked[OPT_LIVE];
    f->spec.persistent = checked[OPT_PERSIST];
    f->spec.undefine_source = checked[OPT_UNDEFINE];
    f->spec.auto_converge = checked[OPT_CONVERGE];
    f->spec.postcopy = checked[OPT_POSTCOPY];
    f->spec.compressed = checked[OPT_COMPRESS];
    if (!f->spec.live) {
        f->spec.storage = NV_MIGRATE_STORAGE_SHARED;
        run_check(f);
        return;
    }
    const char *choices[] = {_("Shared: the disks are where the destination sees them"),
                             _("Copy every disk (the destination's volumes made beforehand)"),
                             _("Copy the top images only (backing files are shared)"), NULL};
    nv_app_menu(app, _("Migrate: storage"), _("The disks:"), choices, on_storage, f);
}

static void ask_options(MigrateFlow *f)
{
    gboolean any_running = FALSE;
    for (guint i = 0; i < f->n; i++)
        any_running |= f->items[i].running;
    const char *choices[] = {_("Live: it keeps running while it moves (else offline)"),
                             _("Keep it defined at the destination"),
                             _("Undefine it at the source"),
                             _("Auto-converge (slow its vCPUs when memory changes too fast)"),
                             _("Allow post-copy (P switches while it runs)"),
                             _("Compress the memory stream"),
                             NULL};
    gboolean checked[OPT_N] = {any_running, TRUE, FALSE, FALSE, FALSE, FALSE};
    g_autofree char *title =
        f->n == 1 ? g_strdup_printf(_("Migrate '%s' to %s"), f->items[0].name, nv_conn_name(f->to))
                  : g_strdup_printf(_("Migrate %u domains to %s"), f->n, nv_conn_name(f->to));
    nv_app_checklist(f->app, title, _("Space ticks, Enter goes on:"), choices, checked, on_options,
                     f);
}

static void on_host(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    MigrateFlow *f = data;
    if (index < 0 || !nv_app_has_conn(app, f->conns->pdata[index]) ||
        !nv_app_has_conn(app, f->from)) {
        flow_free(f);
        return;
    }
    f->to = f->conns->pdata[index];
    if (!nv_app_check_writable(app, f->to)) {
        flow_free(f);
        return;
    }
    ask_options(f);
}

/* The connected hosts other than `from`, writable ones only; NULL (with `why`) when none. */
static GPtrArray *destinations(NvApp *app, NvConn *from, const char **why)
{
    GPtrArray *conns = g_ptr_array_new();
    for (guint i = 0; i < nv_app_n_conns(app); i++) {
        NvConn *c = nv_app_conn_at(app, i);
        if (c != from && nv_conn_get_state(c) == NV_CONN_CONNECTED && !nv_conn_is_readonly(c))
            g_ptr_array_add(conns, c);
    }
    if (conns->len)
        return conns;
    *why = nv_app_n_conns(app) < 2
               ? _("Cannot migrate: no other host is open (add one with -c URI or in the Hosts "
                   "pane).")
               : _("Cannot migrate: no other host is connected and writable.");
    g_ptr_array_unref(conns);
    return NULL;
}

static gboolean migrate_domains(NvPane *pane)
{
    g_autoptr(GArray) targets = nv_pane_targets(pane);
    if (targets->len == 0) {
        nv_app_message(pane->app, _("No domain selected."), TRUE);
        return TRUE;
    }
    NvConn *from = NULL;
    for (guint i = 0; i < targets->len; i++) {
        guint local;
        NvConn *c = nv_pane_item_conn(pane, g_array_index(targets, guint, i), &local);
        if (from && c != from) {
            nv_app_message(pane->app, _("Migrate the domains of one host at a time."), TRUE);
            return TRUE;
        }
        from = c;
    }
    if (!from || !nv_app_check_writable(pane->app, from))
        return TRUE;
    const char *why = NULL;
    g_autoptr(GPtrArray) conns = destinations(pane->app, from, &why);
    if (!conns) {
        nv_app_message(pane->app, why, TRUE);
        return TRUE;
    }
    MigrateFlow *f = g_new0(MigrateFlow, 1);
    f->app = pane->app;
    f->from = from;
    f->conns = g_ptr_array_ref(conns);
    f->n = targets->len;
    f->items = g_new0(Item, f->n);
    for (guint i = 0; i < f->n; i++) {
        guint local;
        nv_pane_item_conn(pane, g_array_index(targets, guint, i), &local);
        const NvDomain *d = nv_conn_model(from)->domains->pdata[local];
        f->items[i] = (Item){.flow = f, .uuid = g_strdup(d->uuid), .name = g_strdup(d->name)};
        f->items[i].running = d->state == NV_DOMAIN_RUNNING || d->state == NV_DOMAIN_PAUSED;
    }
    g_autoptr(GPtrArray) labels = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < conns->len; i++)
        g_ptr_array_add(labels, g_strdup_printf("%s  %s", nv_conn_name(conns->pdata[i]),
                                                nv_conn_uri(conns->pdata[i])));
    g_ptr_array_add(labels, NULL);
    g_autofree char *msg = g_strdup_printf(_("Move from %s to:"), nv_conn_name(from));
    nv_app_menu(pane->app, _("Migrate to which host?"), msg, (const char *const *)labels->pdata,
                on_host, f);
    return TRUE;
}

/* ---- post-copy ---- */

static void on_postcopy(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    NvApp *app = data;
    g_autoptr(GError) err = NULL;
    if (nv_migrate_postcopy_finish(res, &err))
        nv_app_message(app, _("Switched to post-copy: it runs at the destination now."), FALSE);
    else
        nv_app_message(app, err->message, TRUE);
}

static gboolean switch_postcopy(NvPane *pane)
{
    int sel = nv_list_selected_item(&pane->list);
    guint local;
    NvConn *conn = sel >= 0 ? nv_pane_item_conn(pane, (guint)sel, &local) : NULL;
    const NvDomain *d = conn ? nv_conn_model(conn)->domains->pdata[local] : NULL;
    Item *it = d && active ? g_hash_table_lookup(active, d->uuid) : NULL;
    if (!it) {
        nv_app_message(pane->app, _("No migration of this domain is running."), TRUE);
        return TRUE;
    }
    if (!it->flow->spec.postcopy) {
        nv_app_message(pane->app, _("This migration was started without post-copy allowed."), TRUE);
        return TRUE;
    }
    nv_migrate_postcopy_async(it->flow->from, it->uuid, on_postcopy, pane->app, NULL);
    return TRUE;
}

gboolean nv_domain_migrate_action(NvPane *pane, NvAction a)
{
    switch (a) {
    case NV_ACTION_MIGRATE:
        return migrate_domains(pane);
    case NV_ACTION_MIGRATE_POSTCOPY:
        return switch_postcopy(pane);
    default:
        return FALSE;
    }
}
