/* A small driver of the migration core for tests/daemon-migrate.sh: connects to two hosts as
 * ncvirt does (NvConn), finds a domain by name, runs the check (nv_migrate_check_async) or the
 * migration job (nv_migrate_start) and prints what they report, one line each; then waits for
 * both hosts' lists (kept by events) to show the domain where it now is.
 *
 *   migrate-tool check FROM TO NAME [options]     exit 0: no blockers, 3: blockers
 *   migrate-tool migrate FROM TO NAME [options]   the check first (as the UI does: blockers
 *                                                 refuse, exit 3), then the migration;
 *                                                 exit 0: moved, 1: failed, 4: cancelled
 *   options: --offline --transient --undefine --address A --bandwidth MIB --downtime MS
 *            --cancel-at FRACTION (cancel once the job reports that much)
 *            --postcopy-at FRACTION (switch to post-copy then; implies --postcopy) */
#include <glib.h>
#include <gio/gio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domain-migrate.h"
#include "test-util.h"

typedef struct {
    NvConn *from, *to;
    char *uuid;
    const char *name;
    double cancel_at, postcopy_at;
    gboolean cancel_sent, postcopy_sent;
    gboolean done;
    int rc;
    guint progress_seen;
    gint64 t0;
} Run;

static const NvDomain *find_by(NvConn *conn, const char *name, const char *uuid)
{
    const NvModel *m = nv_conn_model(conn);
    for (guint i = 0; m && m->domains && i < m->domains->len; i++) {
        const NvDomain *d = m->domains->pdata[i];
        if ((name && strcmp(d->name, name) == 0) || (uuid && strcmp(d->uuid, uuid) == 0))
            return d;
    }
    return NULL;
}

static gboolean source_has(gconstpointer data)
{
    const Run *r = data;
    return find_by(r->from, r->name, NULL) != NULL;
}

static gboolean is_set(gconstpointer data)
{
    return *(const gboolean *)data;
}

static void on_check(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    Run *r = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvMigrateCheck) c = nv_migrate_check_finish(res, &err);
    if (!c) {
        printf("check error: %s\n", err->message);
        r->rc = 1;
    } else {
        static const char *const level[] = {"ok", "warning", "blocker"};
        for (guint i = 0; i < c->items->len; i++) {
            const NvCheckItem *it = c->items->pdata[i];
            printf("check %s: %s\n", level[it->level], it->text);
        }
        printf("check blockers: %u\n", c->blockers);
        r->rc = c->blockers ? 3 : 0;
    }
    r->done = TRUE;
}

static void on_postcopy(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    g_autoptr(GError) err = NULL;
    if (nv_migrate_postcopy_finish(res, &err))
        printf("postcopy: switched\n");
    else
        printf("postcopy error: %s\n", err->message);
    fflush(stdout);
}

static void on_progress(NvJob *job, double fraction, const char *detail, gpointer data)
{
    Run *r = data;
    r->progress_seen++;
    printf("progress %.2f %.1f s: %s\n", fraction, (double)(g_get_monotonic_time() - r->t0) / 1e6,
           detail ? detail : "");
    fflush(stdout);
    if (r->cancel_at > 0 && fraction >= r->cancel_at && !r->cancel_sent) {
        r->cancel_sent = TRUE;
        printf("cancel: %s\n", nv_job_cancel(job) ? "sent" : "refused");
    }
    if (r->postcopy_at > 0 && fraction >= r->postcopy_at && !r->postcopy_sent) {
        r->postcopy_sent = TRUE;
        nv_migrate_postcopy_async(r->from, r->uuid, on_postcopy, r, NULL);
    }
}

static void on_done(NvJob *job, const GError *err, gpointer data)
{
    Run *r = data;
    double secs = (double)(g_get_monotonic_time() - r->t0) / 1e6;
    if (!err) {
        printf("done: ok in %.1f s (%u progress reports)\n", secs, r->progress_seen);
        r->rc = 0;
    } else {
        printf("done: %s in %.1f s: %s\n",
               g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? "cancelled" : "failed",
               secs, err->message);
        r->rc = g_error_matches(err, G_IO_ERROR, G_IO_ERROR_CANCELLED) ? 4 : 1;
    }
    r->done = TRUE;
}

static const char *state_name(NvConn *conn, const char *uuid)
{
    const NvDomain *d = find_by(conn, NULL, uuid);
    if (!d)
        return "absent";
    return d->state == NV_DOMAIN_RUNNING   ? "running"
           : d->state == NV_DOMAIN_PAUSED  ? "paused"
           : d->state == NV_DOMAIN_SHUTOFF ? "shut off"
                                           : "other";
}

typedef struct {
    Run *r;
    const char *src_want, *dst_want;
} Where;

static gboolean lists_agree(gconstpointer data)
{
    const Where *w = data;
    const char *src = state_name(w->r->from, w->r->uuid);
    /* "gone": no longer running there (a persistent source keeps its definition, shut off). */
    gboolean src_ok = strcmp(w->src_want, "gone") == 0
                          ? strcmp(src, "absent") == 0 || strcmp(src, "shut off") == 0
                          : strcmp(src, w->src_want) == 0;
    return src_ok && strcmp(state_name(w->r->to, w->r->uuid), w->dst_want) == 0;
}

int main(int argc, char **argv)
{
    gboolean offline = FALSE, transient = FALSE, undefine = FALSE;
    char *address = NULL;
    gint64 bandwidth = 0, downtime = 0;
    double cancel_at = 0, postcopy_at = 0;
    GOptionEntry entries[] = {
        {"offline", 0, 0, G_OPTION_ARG_NONE, &offline, "offline", NULL},
        {"transient", 0, 0, G_OPTION_ARG_NONE, &transient, "no definition at dest", NULL},
        {"undefine", 0, 0, G_OPTION_ARG_NONE, &undefine, "undefine at source", NULL},
        {"address", 0, 0, G_OPTION_ARG_STRING, &address, "migration address", "A"},
        {"bandwidth", 0, 0, G_OPTION_ARG_INT64, &bandwidth, "MiB/s", "N"},
        {"downtime", 0, 0, G_OPTION_ARG_INT64, &downtime, "ms", "N"},
        {"cancel-at", 0, 0, G_OPTION_ARG_DOUBLE, &cancel_at, "cancel at", "F"},
        {"postcopy-at", 0, 0, G_OPTION_ARG_DOUBLE, &postcopy_at, "post-copy at", "F"},
        {NULL}};
    g_autoptr(GOptionContext) ctx = g_option_context_new("check|migrate FROM TO NAME");
    g_option_context_add_main_entries(ctx, entries, NULL);
    g_autoptr(GError) err = NULL;
    if (!g_option_context_parse(ctx, &argc, &argv, &err) || argc != 5) {
        fprintf(stderr, "usage: migrate-tool check|migrate FROM TO NAME [options]\n");
        return 2;
    }
    Run r = {.name = argv[4], .cancel_at = cancel_at, .postcopy_at = postcopy_at, .rc = 1};
    r.from = nv_test_conn_start(argv[2]);
    r.to = nv_test_conn_start(argv[3]);
    if (!nv_test_run_until(nv_test_connected, r.from, 30000) ||
        !nv_test_run_until(nv_test_connected, r.to, 30000)) {
        printf("error: cannot connect to both hosts\n");
        return 1;
    }
    if (!nv_test_run_until(source_has, &r, 30000)) {
        printf("error: no domain '%s' on %s\n", r.name, argv[2]);
        return 1;
    }
    const NvDomain *d = find_by(r.from, r.name, NULL);
    r.uuid = g_strdup(d->uuid);
    gboolean running = d->state == NV_DOMAIN_RUNNING || d->state == NV_DOMAIN_PAUSED;
    NvMigrateSpec spec = {.live = !offline,
                          .persistent = !transient,
                          .undefine_source = undefine,
                          .bandwidth_mib = (guint64)bandwidth,
                          .max_downtime_ms = (guint64)downtime,
                          .postcopy = postcopy_at > 0,
                          .address = address};
    if (!nv_migrate_spec_check(&spec, running, &err)) {
        printf("refused: %s\n", err->message);
        return 3;
    }
    g_autoptr(GPtrArray) sum =
        nv_migrate_summary(&spec, r.name, running, nv_conn_name(r.from), nv_conn_name(r.to));
    for (guint i = 0; i < sum->len; i++)
        printf("summary: %s\n", (char *)sum->pdata[i]);
    r.t0 = g_get_monotonic_time();
    nv_migrate_check_async(r.from, r.to, r.uuid, &spec, on_check, &r, NULL);
    nv_test_run_until(is_set, &r.done, 60000);
    if (!r.done || r.rc != 0 || strcmp(argv[1], "check") == 0)
        return r.done ? r.rc : 1;
    r.done = FALSE;
    r.rc = 1;
    r.t0 = g_get_monotonic_time();
    g_autoptr(NvJob) job = nv_migrate_start(r.from, r.to, r.uuid, &spec, on_progress, on_done, &r);
    if (!nv_test_run_until(is_set, &r.done, 600000)) {
        printf("error: the migration did not end within 600 s\n");
        return 1;
    }
    /* The lists follow the events: where does each host now show it? */
    Where w = {&r, undefine ? "absent" : "gone", "running"};
    if (r.rc != 0)
        w = (Where){&r, running ? "running" : "shut off", "absent"};
    else if (!running || offline)
        w = (Where){&r, undefine ? "absent" : "shut off", "shut off"};
    gboolean agree = nv_test_run_until(lists_agree, &w, 15000);
    printf("lists: source %s, destination %s%s\n", state_name(r.from, r.uuid),
           state_name(r.to, r.uuid), agree ? "" : " (not as expected)");
    g_free(r.uuid);
    g_free(address);
    return agree ? r.rc : 5;
}
