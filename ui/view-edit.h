/* The details editor: a full-screen view over one domain (vCPUs, memory, boot, disks, NICs,
 * VNC), built on the form widget and src/domain-edit.h. */
#pragma once

#include "ui-internal.h"

NvView *nv_view_edit_new(NvApp *app, NvConn *conn, const char *uuid, const char *name);
