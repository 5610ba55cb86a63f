/* The connection manager behind the Hosts pane (pane-host-conns.c): the saved connections as
 * the config file has them now, which of them are open, and the actions on a row (connect,
 * disconnect, remove). pane-host.c draws the rows. */
#pragma once

#include "ui-internal.h"

/* The saved connections, read again whenever the file changed on disk (the wizard saved, or
 * another ncvirt did). */
typedef struct NvSavedConns NvSavedConns;

NvSavedConns *nv_saved_conns_new(void);
void nv_saved_conns_free(NvSavedConns *s);
/* Reads the file again if it changed since; cheap when it did not (one stat). */
void nv_saved_conns_reload(NvSavedConns *s);
/* The saved connection an open connection was opened from (same name, else same URI), or
 * NULL for one opened with -c and not saved. */
const NvSavedConn *nv_saved_conns_of(NvSavedConns *s, NvApp *app, NvConn *conn);
/* The saved connections no open connection comes from, in the file's order (an array of
 * const NvSavedConn *, valid until the next reload; caller frees the array). */
GPtrArray *nv_saved_conns_unopened(NvSavedConns *s, NvApp *app);

/* Opens a saved connection and names it as saved. */
NvConn *nv_saved_conns_connect(NvApp *app, const NvSavedConn *saved);
/* The manager's actions on the Hosts pane's row: `saved` (or NULL) and its open connection (or
 * NULL). FALSE for an action that is not the manager's. Only the pane's rebuild reads the file
 * again (nv_saved_conns_reload): its rows point into what was read. */
gboolean nv_saved_conns_action(NvPane *pane, NvSavedConns *s, NvAction a, const NvSavedConn *saved,
                               NvConn *conn);
