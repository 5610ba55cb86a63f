/* The ui layer's public header: main.c hands it a connection and a keymap and it runs the TUI. */
#pragma once

#include "nvcore.h"

/* Runs the terminal UI until the user quits. `notes` are messages to show at start (e.g. bad
 * lines of the user's keymap). Returns the process exit status. */
int nv_ui_run(NvConn *conn, NvKeymap *keymap, GPtrArray *notes);
