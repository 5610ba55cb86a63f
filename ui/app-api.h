/* What the app offers every part of the TUI that does not draw itself, curses-free: the
 * connection, status-line messages, questions and redraws. ui-internal.h (ui/) and
 * wizard-api.h (wizards/) both include it, so the two layers see one declaration. */
#pragma once

#include "nvcore.h"

typedef struct NvApp NvApp;
typedef struct NvPane NvPane;

/* The current connection (the app holds a list; the panes show the first for now). */
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
