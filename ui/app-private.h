/* struct NvApp, private to ui/app.c. The only other reader is wizards/ (through
 * ui-internal.h, when NV_APP_OPAQUE is not defined) until it uses the accessors of
 * ui-internal.h: ui/ is built with NV_APP_OPAQUE, so no file of ui/ but app.c sees a field. */
#pragma once

#include "ui-internal.h"

struct NvApp {
    /* Still read by wizards/: conn, keymap, view, rows and cols. */
    NvConn *conn; /* the current connection, conns[0] */
    NvKeymap *keymap;
    NvView *view; /* a console over the panes, or NULL */
    int rows, cols;

    GPtrArray *conns; /* NvConn*, not owned; the first is the one the panes show */
    GMainLoop *loop;
    GPtrArray *panes; /* NvPane*, in tab order */
    NvPane *current;
    NvPrompt *prompt;   /* a question over everything, or NULL */
    NvStatus *status;   /* the status line */
    gboolean suspended; /* another program ($EDITOR) has the terminal: draw nothing */
    gboolean help_open;
    int help_scroll;
    gboolean filter_editing;
    gboolean dirty;
    guint draw_source;
    int exit_status;
};
