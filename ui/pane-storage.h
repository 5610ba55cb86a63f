/* What the Storage pane (pane-storage.c) offers the volume wizard: an upload shown as a job
 * in the status line. */
#pragma once

#include "storage.h"
#include "ui-internal.h"

/* Uploads the local `file` (opened when it was checked: the same open file is sent, never the
 * path again) into `volume` of `pool` with a progress bar in the status line; the job-cancel
 * key (C-c) stops it. `conn` is the pool's host. When the volume was `created` for the upload, it
 * is deleted again if the upload fails or is cancelled. The outcome shows as a message. */
void nv_storage_upload(NvApp *app, NvConn *conn, const char *pool, const char *volume,
                       NvLocalFile *file, gboolean created);
