/* What the app offers every part of the TUI that does not draw itself, curses-free: the
 * connection, status-line messages, questions and redraws. ui-internal.h (ui/) and
 * wizard-api.h (wizards/) both include it, so the two layers see one declaration. */
#pragma once

#include "nvcore.h"

typedef struct NvApp NvApp;
typedef struct NvPane NvPane;

/* ---- the hosts: one NvConn each, in the order given (-c, then added) ---- */
guint nv_app_n_conns(NvApp *app);
/* The i-th connection, NULL past the end. */
NvConn *nv_app_conn_at(NvApp *app, guint i);
/* Opens another host: created, named uniquely among the others ("hv1", "hv1 (2)"), heard,
 * started (it connects in the background) and shown in every pane. */
NvConn *nv_app_add_conn(NvApp *app, const char *uri, gboolean readonly);
/* Closes a host: its view (console, VNC) closes, the panes drop its rows and marks, and the
 * connection is freed; work still queued on it answers "disconnected". */
void nv_app_remove_conn(NvApp *app, NvConn *conn);
/* The one host the panes show, or NULL for every host. */
NvConn *nv_app_scope(NvApp *app);
/* Shows one host (NULL or a connection not in the app: all). */
void nv_app_set_scope(NvApp *app, NvConn *conn);
/* A read-only host refuses what would change it, before libvirt is asked: FALSE after
 * saying so ("hv1 is read-only (-r)") in the status line; TRUE for a host that may change. */
gboolean nv_app_check_writable(NvApp *app, NvConn *conn);
/* Whether `conn` is still one of the app's hosts (it may be removed while a dialog is open). */
gboolean nv_app_has_conn(NvApp *app, NvConn *conn);
/* The host of the current pane's selected row, else nv_app_get_conn. */
NvConn *nv_app_current_conn(NvApp *app);
/* The scope's host, else the first: for what needs one host and has no row to ask (a
 * wizard's default). Rows know their own host: nv_pane_item_conn. */
NvConn *nv_app_get_conn(NvApp *app);
/* Shows a message in the status line (after the view closes, if one is open). */
void nv_app_message(NvApp *app, const char *msg, gboolean error);
/* `index` is the chosen row (menu), 0 for yes (confirm) or any accept (checklist), and -1
 * when cancelled; `checked` (checklist only) holds one flag per choice, NULL on cancel. */
typedef void (*NvChoiceFunc)(NvApp *app, int index, const gboolean *checked, gpointer data);
/* Yes or no, listing `lines` (e.g. every domain the action will touch) under the message. */
void nv_app_confirm(NvApp *app, const char *title, const char *message, const char *const *lines,
                    NvChoiceFunc done, gpointer data);
/* One choice out of `choices` (NULL-terminated). */
void nv_app_menu(NvApp *app, const char *title, const char *message, const char *const *choices,
                 NvChoiceFunc done, gpointer data);
/* Something on screen changed: repaint at the next turn of the loop. */
void nv_app_dirty(NvApp *app);
