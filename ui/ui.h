/* The ui layer's public header: main.c hands it a connection and a keymap and it runs the TUI. */
#pragma once

#include "nvcore.h"

/* Runs the terminal UI on `conns` (NvConn*, not yet started, at least one) until the user
 * quits. The UI names them uniquely and starts them; while it runs it adds to the array and
 * removes from it (nv_app_add_conn, nv_app_remove_conn: a removed one is freed there); what
 * is left is still the caller's to free. `notes` are messages to show at start (e.g. bad
 * lines of the user's keymap). Returns the process exit status. */
int nv_ui_run(GPtrArray *conns, NvKeymap *keymap, GPtrArray *notes);
