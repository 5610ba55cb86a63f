/* A serial console session: a libvirt stream feeding a libvterm screen with scrollback, and keys
 * turned back into the bytes xterm would send. No curses and no libvirt types (ui/ includes it). */
#pragma once

#include <glib.h>
#include <stddef.h>

#include "conn.h"
#include "keymap.h"

/* Lines kept above the screen. */
#define NV_CONSOLE_SCROLLBACK 2000
/* A cell's text: a base character and its combining marks (libvterm keeps up to 6), UTF-8. */
#define NV_CONSOLE_CELL_BYTES 32

typedef enum {
    NV_CONSOLE_CONNECTING, /* waiting for virDomainOpenConsole */
    NV_CONSOLE_ATTACHED,   /* bytes flow both ways */
    NV_CONSOLE_TAKEN,      /* another client holds the console; reopen with force to take it */
    NV_CONSOLE_ENDED,      /* the domain is not running (or the stream ended): reopens by itself
                            * once nv_console_domain_state says it runs again */
    NV_CONSOLE_FAILED,     /* cannot be opened at all (no such device, driver without consoles) */
} NvConsoleState;

typedef enum {
    NV_CONSOLE_COLOR_DEFAULT, /* the terminal's own foreground or background */
    NV_CONSOLE_COLOR_INDEXED, /* 0-15 ANSI, 16-255 xterm's cube and greys */
    NV_CONSOLE_COLOR_RGB,
} NvConsoleColorKind;

typedef struct {
    NvConsoleColorKind kind;
    guint8 index;
    guint8 red, green, blue;
} NvConsoleColor;

typedef struct {
    /* UTF-8 straight from the guest (decoded and re-encoded, so valid, but not checked for
     * being printable: the drawing side must). "" for an empty cell. */
    char text[NV_CONSOLE_CELL_BYTES];
    int width; /* 1; 2 for a wide character; 0 for the cell covered by the wide one before it */
    NvConsoleColor fg, bg;
    gboolean bold, underline, italic, reverse;
} NvConsoleCell;

/* What changed, as bits for the listener. */
typedef enum {
    NV_CONSOLE_CHANGED_SCREEN = 1 << 0,
    NV_CONSOLE_CHANGED_STATE = 1 << 1,
} NvConsoleChange;

typedef struct NvConsole NvConsole;
typedef void (*NvConsoleListener)(NvConsole *console, unsigned changes, gpointer data);
/* Receives the bytes meant for the guest instead of the stream (tests). */
typedef void (*NvConsoleSink)(const char *bytes, size_t len, gpointer data);

/* Starts opening the console `device` (an alias such as "serial0"; NULL for the domain's
 * first console) of the domain `uuid` on conn's worker. `force` takes it from another client.
 * The screen starts at 24x80 until nv_console_resize. */
NvConsole *nv_console_open(NvConn *conn, const char *uuid, const char *device, gboolean force);
/* A console with no stream (tests): ATTACHED, fed with nv_console_feed, output to the sink. */
NvConsole *nv_console_new_detached(int rows, int cols);
/* Closes the stream (the close itself runs on the worker) and removes every callback. */
void nv_console_free(NvConsole *console);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvConsole, nv_console_free)

void nv_console_set_listener(NvConsole *console, NvConsoleListener fn, gpointer data);
void nv_console_set_output_sink(NvConsole *console, NvConsoleSink fn, gpointer data);

NvConsoleState nv_console_get_state(NvConsole *console);
/* Why the console is TAKEN, ENDED or FAILED (libvirt's words), or NULL. */
const char *nv_console_get_message(NvConsole *console);
/* The device asked for, NULL for the first one. */
const char *nv_console_get_device(NvConsole *console);

/* Opens again (from TAKEN, ENDED or FAILED); `force` takes the console from another client. */
void nv_console_reopen(NvConsole *console, gboolean force);
/* Tells the console whether its domain runs (and the connection is up). An ENDED console
 * reopens when the domain runs again; a stream that ends while the domain still runs is
 * retried once, which turns into TAKEN when another client took the console over. */
void nv_console_domain_state(NvConsole *console, gboolean running);

/* Bytes from the guest, as the stream would deliver them: fed until the time budget of one
 * wake-up is spent; what is left goes on from an idle source of the main loop, after keys. */
void nv_console_feed(NvConsole *console, const char *bytes, size_t len);
/* Guest bytes not fed yet. */
gsize nv_console_pending(NvConsole *console);
/* Feeds everything pending now, however long it takes (tests, benchmarks). */
void nv_console_drain(NvConsole *console);
/* A key for the guest, sent as xterm would send it (honouring cursor-key mode); dropped when
 * not ATTACHED. Typing returns the view from the scrollback to the live screen. */
void nv_console_key(NvConsole *console, NvKey key);

void nv_console_resize(NvConsole *console, int rows, int cols);
void nv_console_get_size(NvConsole *console, int *rows, int *cols);

/* Moves the view `lines` into the scrollback (negative: back toward the live screen); clamped.
 * While scrolled back the view stays on the same lines as new output arrives. */
void nv_console_scroll(NvConsole *console, int lines);
int nv_console_get_scroll(NvConsole *console);
/* Lines in the scrollback (at most NV_CONSOLE_SCROLLBACK). */
int nv_console_get_scrollback(NvConsole *console);

/* The cell shown at row/col with the current scroll offset; FALSE outside the screen. */
gboolean nv_console_get_cell(NvConsole *console, int row, int col, NvConsoleCell *out);
/* Where the cursor is shown; FALSE when it is hidden or scrolled out of view. */
gboolean nv_console_get_cursor(NvConsole *console, int *row, int *col);
