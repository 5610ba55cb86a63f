/* The snapshots view (view-snapshots.c): a domain's snapshots as a tree, full screen, opened
 * from the Domains pane (`t`). */
#pragma once

#include "ui-internal.h"

NvView *nv_view_snapshots_new(NvApp *app, NvConn *conn, const char *uuid, const char *name);
