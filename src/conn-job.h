/* Long libvirt operations as jobs (managed save, restore, snapshots with memory, clones): the
 * part of the job API without libvirt types, for ui/ and for callers that only hold a job.
 * Jobs are started through conn-job-virt.h, which says how they run. */
#pragma once

#include <glib.h>

typedef struct NvJob NvJob;

/* On the main loop while the job runs, about every 500 ms: `fraction` is 0..1, or < 0 when
 * the driver does not say (show a spinner); `detail` ("1.2 GiB of 2.0 GiB", or a note such
 * as "cannot cancel: ...") may be NULL. */
typedef void (*NvJobProgressFunc)(NvJob *job, double fraction, const char *detail, gpointer data);
/* On the main loop, exactly once: the blocking call returned (`err` NULL on success), or the
 * job never started (the domain is gone, the connection is down). A job the user cancelled
 * reports G_IO_ERROR_CANCELLED with libvirt's message after it. */
typedef void (*NvJobDoneFunc)(NvJob *job, const GError *err, gpointer data);

NvJob *nv_job_ref(NvJob *job);
void nv_job_unref(NvJob *job);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvJob, nv_job_unref)

/* What the job does, for the status line ("managed save web-01"). */
const char *nv_job_label(NvJob *job);
gboolean nv_job_can_cancel(NvJob *job);
gboolean nv_job_is_finished(NvJob *job);
/* Asks the hypervisor to abort the job (main loop; returns at once). Not every call can be
 * aborted at every moment: the abort is retried at each poll until the call is under way,
 * and a refusal shows as a progress detail. FALSE when the job cannot be cancelled at all or
 * has finished. */
gboolean nv_job_cancel(NvJob *job);
