/* Starting a job (conn-job.h): one blocking libvirt call on a thread of its own, so the
 * connection's worker stays free for the UI, with its progress polled through the worker
 * and an abort on request. For core modules only (it exposes libvirt types).
 *
 *     static gboolean run_save(virConnectPtr c, virDomainPtr dom, gpointer data, GError **err)
 *     {
 *         // Read before the call: every libvirt call, virDomainGetName too, clears the error.
 *         g_autofree char *name = g_strdup(virDomainGetName(dom));
 *         if (virDomainManagedSave(dom, 0) == 0)
 *             return TRUE;
 *         nv_set_virt_error(err, _("cannot save '%s'"), name);
 *         return FALSE;
 *     }
 *     NvJobSpec spec = {.label = label, .uuid = uuid, .run = run_save, .cancellable = TRUE,
 *                       .progress = on_progress, .done = on_done, .data = ctx};
 *     NvJob *job = nv_job_start(conn, &spec);   // a reference: nv_job_unref when done with it
 *
 * How it runs: on the connection's worker the domain is looked up by UUID and the connection
 * referenced (virConnectRef); then `run` runs on a new GThread, on a connection of its own
 * to the same URI (measured with libvirt 9.0: during a managed save, later domain calls on
 * the same connection wait for it, so sharing would stall the UI, the polls and the abort),
 * or on the shared one for the in-process test driver (its state is per connection), a
 * read-only connection, or when the open fails. Meanwhile every 500 ms `poll` (default:
 * virDomainGetJobStats, else GetJobInfo: data processed / (processed + remaining), else
 * / total) runs through nv_conn_async and `progress` reports on the main loop; nv_job_cancel
 * queues `abort` (default: virDomainAbortJob) on the worker. When `run` returns, `done`
 * runs on the main loop; late poll results are dropped. The NvConn must outlive the job's
 * callbacks (the UI keeps its connection for the whole session). */
#pragma once

#include <libvirt/libvirt.h>

#include "conn.h"
#include "conn-job.h"

/* On the job's own thread: the blocking call, on `conn` (the job's own connection or the
 * shared one). `dom` is the job's domain on `conn`, NULL when the spec has no UUID. On
 * failure set `err` (with context: "cannot save 'web-01': ...") and return FALSE. */
typedef gboolean (*NvJobRunFunc)(virConnectPtr conn, virDomainPtr dom, gpointer data, GError **err);
/* On the connection's worker: the progress now; FALSE when unknown (e.g. the call has not
 * started a hypervisor job yet). `detail` may be left NULL. */
typedef gboolean (*NvJobPollFunc)(virConnectPtr conn, virDomainPtr dom, gpointer data,
                                  double *fraction, char **detail);
/* On the connection's worker: abort the running call. FALSE with `err` when refused. */
typedef gboolean (*NvJobAbortFunc)(virConnectPtr conn, virDomainPtr dom, gpointer data,
                                   GError **err);

typedef struct {
    const char *label;          /* for the status line; copied */
    const char *uuid;           /* the domain the call works on; NULL for none (then set `poll`) */
    NvJobRunFunc run;           /* required */
    NvJobPollFunc poll;         /* NULL: the domain's job stats; without a domain, no progress */
    NvJobAbortFunc abort;       /* NULL: virDomainAbortJob on the domain */
    gboolean cancellable;       /* FALSE: nv_job_cancel refuses (e.g. a restore cannot abort) */
    NvJobProgressFunc progress; /* optional */
    NvJobDoneFunc done;         /* optional */
    gpointer data;              /* for every callback above */
    GDestroyNotify data_free;   /* runs when the last reference to the job goes */
} NvJobSpec;

/* Starts the job (main loop). Returns a reference the caller owns. */
NvJob *nv_job_start(NvConn *conn, const NvJobSpec *spec);

/* The default poll, for a custom `poll` that wants it too. */
gboolean nv_job_poll_domain(virConnectPtr conn, virDomainPtr dom, gpointer data, double *fraction,
                            char **detail);
