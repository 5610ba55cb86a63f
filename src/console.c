/* A serial console session: virDomainOpenConsole on a non-blocking stream (opened and closed on
 * the connection's worker, read and written on the main loop), a libvterm screen that interprets
 * everything the guest sends, a scrollback ring, and keys translated the way xterm sends them.
 * The guest's escape sequences end here: titles, bells, clipboard requests never reach the
 * user's terminal; only the cells are handed out. */
#include "console.h"

#include <libvirt/libvirt.h>
#include <libvirt/virterror.h>
#include <string.h>
#include <vterm.h>

#include "conn-virt.h"
#include "error.h"
#include "virt-util.h"
#include "i18n.h"

#define NV_CONSOLE_READ_CHUNK (64 * 1024)
/* Read per wake-up at most, and no more while this much waits to be fed: what is left stays
 * queued in the stream, which wakes us again. */
#define NV_CONSOLE_READ_MAX (1024 * 1024)
/* Feeding libvterm per wake-up is bounded by time, not bytes: an escape sequence such as
 * ESC # 8 (fill the screen) or CSI 2 J costs 30 times plain text, so a byte budget lets a
 * guest stall the UI. Bytes are fed in slices until the budget is spent; the rest goes on from
 * an idle source, after keys and redraws (issue 10, defect 5: a key answered within 100 ms). */
#define NV_CONSOLE_FEED_BUDGET_US 20000
/* One slice: a few hundred ESC # 8 on the largest screen still stays well inside 100 ms. */
#define NV_CONSOLE_FEED_SLICE 128
/* Bytes for the guest waiting for the stream to drain; more are dropped (a guest that reads
 * nothing must not grow our memory). */
#define NV_CONSOLE_OUT_MAX (1024 * 1024)
#define NV_CONSOLE_DEFAULT_ROWS 24
#define NV_CONSOLE_DEFAULT_COLS 80
/* libvterm 0.1.4 writes outside a row narrower than a wide character (2 columns, on a
 * double-width line 4); an absurdly large screen is a caller's mistake. */
#define NV_CONSOLE_MIN_ROWS 2
#define NV_CONSOLE_MIN_COLS 4
#define NV_CONSOLE_MAX_SIDE 1000

#define STREAM_EVENTS_IN                                                                           \
    (VIR_STREAM_EVENT_READABLE | VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)

/* An open job on the worker outlives the console when the view is closed while it is under
 * way: it holds this link, which forgets the console when it is freed. */
typedef struct {
    NvConsole *console;
} NvConsoleLink;

/* One line pushed off the top of the screen, without its trailing blank cells. */
typedef struct {
    int cols;
    VTermScreenCell cells[];
} NvScrollLine;

/* What the guard (see guard_byte) needs to know about the escape sequence in progress. */
typedef enum {
    GUARD_GROUND,
    GUARD_ESC,       /* after ESC */
    GUARD_ESC_INTER, /* after ESC and intermediate bytes */
    GUARD_CSI,
    GUARD_STRING, /* OSC, DCS, SOS, PM, APC: up to BEL or ST */
} NvGuardState;

#define NV_GUARD_MAX_ARGS 16   /* libvterm 0.1.4's CSI_ARGS_MAX: one more overruns its array */
#define NV_GUARD_MAX_ARG 99999 /* far beyond any screen; small enough that no sum overflows */
#define NV_GUARD_MAX_MARKS 8   /* leader and intermediate bytes kept */

typedef struct {
    NvGuardState state;
    /* The CSI being read, rebuilt from these when it ends. */
    char leader[NV_GUARD_MAX_MARKS];
    int nleader;
    long args[NV_GUARD_MAX_ARGS];
    gboolean given[NV_GUARD_MAX_ARGS];
    char seps[NV_GUARD_MAX_ARGS]; /* ';' or ':' before args[i] */
    int nargs;                    /* arguments started; 0 before the first */
    char intermed[NV_GUARD_MAX_MARKS];
    int nintermed;
    gboolean in_intermed;
    gboolean invalid;
    /* The last character printed, for REP; UTF-8. */
    char glyph[8];
    int glyph_len;
    char partial[8]; /* a character being printed, still incomplete */
    int partial_len;
} NvGuard;

struct NvConsole {
    NvConn *conn; /* NULL when detached */
    char *uuid;
    char *device;
    NvConsoleLink *link;
    NvConsoleState state;
    char *message;
    gboolean opening;
    gboolean domain_running;
    gboolean retried;             /* one automatic reopen per run of the domain */
    gboolean next_open_after_end; /* the next open is that reopen (start_open takes it) */
    guint retry_source;           /* a delayed reopen while the domain is starting */
    int retries_left;             /* delayed reopens left for this run of the domain */

    virStreamPtr st;
    gboolean want_write;
    GByteArray *out; /* bytes for the guest not sent yet */
    char *rbuf;
    GByteArray *clean; /* guest bytes after sanitize_utf8 */
    guint32 utf8_cp;   /* the sequence sanitize_utf8 is in the middle of */
    guint32 utf8_min;
    int utf8_need;
    NvGuard guard;
    GByteArray *vin;     /* what the guard lets through to libvterm */
    GByteArray *pending; /* guest bytes read but not fed yet (the budget ran out) */
    guint pump_source;   /* feeds `pending` on, from the main loop */

    VTerm *vt;
    VTermScreen *screen;
    VTermState *vstate;
    int rows, cols;
    gboolean cursor_visible;
    gboolean damaged;

    NvScrollLine **sb; /* ring of NV_CONSOLE_SCROLLBACK lines, oldest at sb_start */
    int sb_start, sb_len;
    int scroll; /* lines of scrollback shown above the screen */

    NvConsoleListener listener;
    gpointer listener_data;
    NvConsoleSink sink;
    gpointer sink_data;
};

static NvConsoleLink *link_ref(NvConsoleLink *link)
{
    return g_atomic_rc_box_acquire(link);
}

static void link_unref(void *link)
{
    g_atomic_rc_box_release(link);
}

static void notify(NvConsole *c, unsigned changes)
{
    if (c->damaged) {
        c->damaged = FALSE;
        changes |= NV_CONSOLE_CHANGED_SCREEN;
    }
    if (changes && c->listener)
        c->listener(c, changes, c->listener_data);
}

static void set_state(NvConsole *c, NvConsoleState state, const char *message)
{
    c->state = state;
    g_free(c->message);
    c->message = g_strdup(message);
    notify(c, NV_CONSOLE_CHANGED_STATE);
}

/* ---- libvterm callbacks ---- */

static int on_damage(VTermRect rect, void *user)
{
    NvConsole *c = user;
    c->damaged = TRUE;
    return 1;
}

static int on_moverect(VTermRect dest, VTermRect src, void *user)
{
    NvConsole *c = user;
    c->damaged = TRUE;
    return 1;
}

static int on_movecursor(VTermPos pos, VTermPos oldpos, int visible, void *user)
{
    NvConsole *c = user;
    c->cursor_visible = visible;
    c->damaged = TRUE;
    return 1;
}

static int on_settermprop(VTermProp prop, VTermValue *val, void *user)
{
    NvConsole *c = user;
    switch (prop) {
    case VTERM_PROP_CURSORVISIBLE:
        c->cursor_visible = val->boolean;
        c->damaged = TRUE;
        break;
    default:
        /* Title, icon name, mouse reporting, cursor shape (DECSCNM's reverse screen is applied to
         * the cells by libvterm): what a guest asks of "its" terminal
         * stays in here. Passing a title on would let the guest write to the user's. */
        break;
    }
    return 1;
}

static int on_bell(void *user)
{
    /* A guest may ring as often as it likes; the user's terminal is not its to ring. */
    return 1;
}

static int on_resize(int rows, int cols, void *user)
{
    NvConsole *c = user;
    c->damaged = TRUE;
    return 1;
}

static void blank_cell(NvConsole *c, VTermScreenCell *cell)
{
    memset(cell, 0, sizeof(*cell));
    cell->width = 1;
    vterm_state_get_default_colors(c->vstate, &cell->fg, &cell->bg);
    cell->fg.type |= VTERM_COLOR_DEFAULT_FG;
    cell->bg.type |= VTERM_COLOR_DEFAULT_BG;
}

/* Trailing cells like this look like nothing and need not be kept. */
static gboolean cell_is_blank(const VTermScreenCell *cell)
{
    return (cell->chars[0] == 0 || cell->chars[0] == ' ') && VTERM_COLOR_IS_DEFAULT_BG(&cell->bg) &&
           !cell->attrs.reverse && !cell->attrs.underline && !cell->attrs.strike;
}

static void scrollback_clear(NvConsole *c)
{
    for (int i = 0; i < c->sb_len; i++)
        g_free(c->sb[(c->sb_start + i) % NV_CONSOLE_SCROLLBACK]);
    c->sb_start = 0;
    c->sb_len = 0;
    c->scroll = 0;
}

static int on_sb_pushline(int cols, const VTermScreenCell *cells, void *user)
{
    NvConsole *c = user;
    int len = cols;
    while (len > 0 && cell_is_blank(&cells[len - 1]))
        len--;
    NvScrollLine *line = g_malloc(sizeof(NvScrollLine) + (size_t)len * sizeof(VTermScreenCell));
    line->cols = len;
    memcpy(line->cells, cells, (size_t)len * sizeof(VTermScreenCell));
    if (c->sb_len == NV_CONSOLE_SCROLLBACK) {
        g_free(c->sb[c->sb_start]);
        c->sb[c->sb_start] = line;
        c->sb_start = (c->sb_start + 1) % NV_CONSOLE_SCROLLBACK;
    } else {
        c->sb[(c->sb_start + c->sb_len) % NV_CONSOLE_SCROLLBACK] = line;
        c->sb_len++;
    }
    /* Someone reading the scrollback keeps looking at the same lines while output goes on. */
    if (c->scroll > 0)
        c->scroll = MIN(c->scroll + 1, c->sb_len);
    c->damaged = TRUE;
    return 1;
}

static const VTermScreenCallbacks screen_callbacks = {
    .damage = on_damage,
    .moverect = on_moverect,
    .movecursor = on_movecursor,
    .settermprop = on_settermprop,
    .bell = on_bell,
    .resize = on_resize,
    .sb_pushline = on_sb_pushline,
    /* No sb_popline: libvterm 0.1.4 corrupts memory when it takes lines back from the
     * scrollback while the width shrinks and the height grows (found by fuzzing). A taller
     * screen gets blank lines at the bottom instead; the lines stay in the scrollback. */
};

/* Device status replies and keys: queued, and sent once the current input is handled. */
static void on_vterm_output(const char *bytes, size_t len, void *user)
{
    NvConsole *c = user;
    if (c->out->len + len > NV_CONSOLE_OUT_MAX)
        return;
    g_byte_array_append(c->out, (const guint8 *)bytes, (guint)len);
}

/* ---- the stream ---- */

typedef struct {
    virStreamPtr st;
} CloseJob;

static gpointer close_work(virConnectPtr vconn, gpointer data, GError **err)
{
    CloseJob *job = data;
    /* Abort also after EOF, as virsh does: it tells the daemon we are gone in either case, and
     * an error about a stream that already ended is of no interest. */
    virStreamAbort(job->st);
    return NV_ASYNC_OK;
}

static void close_job_free(gpointer data)
{
    CloseJob *job = data;
    virStreamFree(job->st);
    g_free(job);
}

/* virStreamAbort is a round trip to the daemon: it goes to the worker like every other call. */
static void close_stream_later(NvConn *conn, virStreamPtr st)
{
    CloseJob *job = g_new0(CloseJob, 1);
    job->st = st;
    NvAsyncSpec spec = {.tag = close_work, .req = job, .req_free = close_job_free};
    nv_conn_async(conn, &spec, close_work, NULL, NULL, NULL);
}

static void close_stream(NvConsole *c)
{
    if (c->st == NULL)
        return;
    virStreamEventRemoveCallback(c->st);
    close_stream_later(c->conn, g_steal_pointer(&c->st));
    c->want_write = FALSE;
    g_byte_array_set_size(c->out, 0);
}

static void start_open(NvConsole *c, gboolean force);

static void end_stream(NvConsole *c, const char *why)
{
    close_stream(c);
    set_state(c, NV_CONSOLE_ENDED, why);
    /* The end of the stream comes before the model learns that the domain stopped, if it did;
     * when it still runs, another client has probably taken the console: trying once tells
     * which (TAKEN, or ENDED because the domain is gone). */
    if (c->domain_running && !c->retried) {
        c->retried = TRUE;
        c->next_open_after_end = TRUE;
        start_open(c, FALSE);
    }
}

static char *virt_message(const char *prefix)
{
    g_autoptr(GError) err = NULL;
    nv_set_virt_error(&err, "%s", prefix);
    return g_strdup(err->message);
}

static void set_want_write(NvConsole *c, gboolean want)
{
    if (c->want_write == want || c->st == NULL)
        return;
    c->want_write = want;
    virStreamEventUpdateCallback(c->st, STREAM_EVENTS_IN | (want ? VIR_STREAM_EVENT_WRITABLE : 0));
}

static void flush_output(NvConsole *c)
{
    if (c->out->len == 0)
        return;
    if (c->sink != NULL) {
        c->sink((const char *)c->out->data, c->out->len, c->sink_data);
        g_byte_array_set_size(c->out, 0);
        return;
    }
    if (c->st == NULL) {
        g_byte_array_set_size(c->out, 0);
        return;
    }
    while (c->out->len > 0) {
        int n = virStreamSend(c->st, (const char *)c->out->data,
                              MIN(c->out->len, NV_CONSOLE_READ_CHUNK));
        if (n == -2) {
            set_want_write(c, TRUE);
            return;
        }
        if (n < 0) {
            g_autofree char *why = virt_message(_("cannot write to the console"));
            end_stream(c, why);
            return;
        }
        g_byte_array_remove_range(c->out, 0, (guint)n);
    }
    set_want_write(c, FALSE);
}

/* ---- guest bytes ---- */

static const char replacement[] = "\xef\xbf\xbd"; /* U+FFFD */

static void utf8_emit(NvConsole *c, guint32 cp)
{
    if (cp < c->utf8_min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
        g_byte_array_append(c->clean, (const guint8 *)replacement, 3);
        return;
    }
    if (cp < 0xA0)
        return; /* a C1 control in UTF-8 clothes: see sanitize_utf8 */
    char buf[6];
    int n = g_unichar_to_utf8(cp, buf);
    g_byte_array_append(c->clean, (const guint8 *)buf, (guint)n);
}

/* libvterm 0.1.4 prints a C1 control that arrives UTF-8 encoded (U+0080..U+009F) as a glyph of
 * width -1: the cursor goes to column -1 and the next erase writes outside the screen, so
 * "\xc2\x9b\e[K" from a guest crashed us. Its decoder also resumes a sequence cut by an escape
 * sequence, so filtering byte pairs would not do: every byte goes through this decoder first
 * (its state carries over between reads), and libvterm only ever sees complete, valid UTF-8
 * without C1 controls, surrogates or overlong forms. ASCII, controls included, passes as is. */
static void sanitize_utf8(NvConsole *c, const guint8 *in, size_t len)
{
    g_byte_array_set_size(c->clean, 0);
    for (size_t i = 0; i < len; i++) {
        guint8 b = in[i];
        if (c->utf8_need > 0) {
            if ((b & 0xC0) == 0x80) {
                c->utf8_cp = (c->utf8_cp << 6) | (b & 0x3F);
                if (--c->utf8_need == 0)
                    utf8_emit(c, c->utf8_cp);
                continue;
            }
            /* Cut short: the byte that cut it is handled on its own below. */
            c->utf8_need = 0;
            g_byte_array_append(c->clean, (const guint8 *)replacement, 3);
        }
        if (b < 0x80) {
            g_byte_array_append(c->clean, &b, 1);
        } else if (b >= 0xC2 && b <= 0xDF) {
            c->utf8_need = 1;
            c->utf8_cp = b & 0x1F;
            c->utf8_min = 0x80;
        } else if (b >= 0xE0 && b <= 0xEF) {
            c->utf8_need = 2;
            c->utf8_cp = b & 0x0F;
            c->utf8_min = 0x800;
        } else if (b >= 0xF0 && b <= 0xF4) {
            c->utf8_need = 3;
            c->utf8_cp = b & 0x07;
            c->utf8_min = 0x10000;
        } else {
            /* A stray continuation byte, raw C1 (not a control in UTF-8 mode), C0/C1 or F5-FF
             * lead bytes that no valid sequence starts with. */
            g_byte_array_append(c->clean, (const guint8 *)replacement, 3);
        }
    }
}

/* ---- the guard between the guest and libvterm ---- */

/* libvterm 0.1.4 has two more holes a guest can reach with a few bytes: a CSI with more than 16
 * arguments writes past its argument array, and REP (CSI b) with no printed character before
 * it, or after a lone combining mark, loops forever. The guard follows libvterm's parser far
 * enough to see every CSI: it drops those with too many arguments, caps numbers (so that no
 * cursor sum overflows either) and performs REP itself by printing the last character again,
 * so libvterm never receives a REP at all. Everything else passes untouched. */

static void vin_put(NvConsole *c, const char *bytes, size_t len)
{
    g_byte_array_append(c->vin, (const guint8 *)bytes, (guint)len);
}

static void vin_flush(NvConsole *c)
{
    if (c->vin->len > 0)
        vterm_input_write(c->vt, (const char *)c->vin->data, c->vin->len);
    g_byte_array_set_size(c->vin, 0);
}

static void guard_csi_start(NvGuard *g)
{
    g->state = GUARD_CSI;
    g->nleader = 0;
    g->nargs = 0;
    g->nintermed = 0;
    g->in_intermed = FALSE;
    g->invalid = FALSE;
}

/* REP: the last character again, as often as asked but no further than the end of the line
 * (libvterm's REP does not wrap either). */
static void guard_repeat(NvConsole *c, long count)
{
    NvGuard *g = &c->guard;
    if (g->glyph_len == 0)
        return;
    vin_flush(c);
    VTermPos pos;
    vterm_state_get_cursorpos(c->vstate, &pos);
    int width = g_unichar_iswide(g_utf8_get_char(g->glyph)) ? 2 : 1;
    long room = MAX(0, (c->cols - pos.col) / width);
    for (long i = 0; i < MIN(count, room); i++)
        vin_put(c, g->glyph, (size_t)g->glyph_len);
}

static void guard_csi_end(NvConsole *c, char final)
{
    NvGuard *g = &c->guard;
    g->state = GUARD_GROUND;
    if (g->invalid)
        return; /* libvterm would drop it as well */
    if (final == 'b' && g->nleader == 0 && g->nintermed == 0) {
        long count = g->nargs > 0 && g->given[0] && g->args[0] > 0 ? g->args[0] : 1;
        guard_repeat(c, count);
        return;
    }
    GString *seq = g_string_new("\033[");
    g_string_append_len(seq, g->leader, g->nleader);
    for (int i = 0; i < g->nargs; i++) {
        if (i > 0)
            g_string_append_c(seq, g->seps[i]);
        if (g->given[i])
            g_string_append_printf(seq, "%ld", g->args[i]);
    }
    g_string_append_len(seq, g->intermed, g->nintermed);
    g_string_append_c(seq, final);
    vin_put(c, seq->str, seq->len);
    g_string_free(seq, TRUE);
}

static void guard_csi_byte(NvConsole *c, guint8 b)
{
    NvGuard *g = &c->guard;
    if (b >= 0x3C && b <= 0x3F && g->nargs == 0 && !g->in_intermed) {
        if (g->nleader == NV_GUARD_MAX_MARKS)
            g->invalid = TRUE;
        else
            g->leader[g->nleader++] = (char)b;
    } else if ((g_ascii_isdigit(b) || b == ';' || b == ':') && !g->in_intermed) {
        if (g->nargs == 0) {
            g->nargs = 1;
            g->args[0] = 0;
            g->given[0] = FALSE;
        }
        if (b == ';' || b == ':') {
            if (g->nargs == NV_GUARD_MAX_ARGS) {
                g->invalid = TRUE;
                return;
            }
            g->seps[g->nargs] = (char)b;
            g->args[g->nargs] = 0;
            g->given[g->nargs] = FALSE;
            g->nargs++;
        } else {
            long *arg = &g->args[g->nargs - 1];
            *arg = MIN(*arg * 10 + (b - '0'), NV_GUARD_MAX_ARG);
            g->given[g->nargs - 1] = TRUE;
        }
    } else if (b >= 0x20 && b <= 0x2F) {
        g->in_intermed = TRUE;
        if (g->nintermed == NV_GUARD_MAX_MARKS)
            g->invalid = TRUE;
        else
            g->intermed[g->nintermed++] = (char)b;
    } else if (b >= 0x40 && b <= 0x7E) {
        guard_csi_end(c, (char)b);
    } else {
        /* A parameter byte out of place, or a byte >= 0x80: libvterm ends the CSI there,
         * unexecuted, and so does the guard. */
        g->state = GUARD_GROUND;
    }
}

/* A printed character: remembered for REP unless it takes no room (libvterm would attach it
 * to the character before). */
static void guard_text(NvConsole *c, guint8 b)
{
    NvGuard *g = &c->guard;
    vin_put(c, (const char *)&b, 1);
    if (b < 0x80) {
        g->glyph[0] = (char)b;
        g->glyph_len = 1;
        g->partial_len = 0;
        return;
    }
    if (b >= 0xC0)
        g->partial_len = 0;
    if (g->partial_len >= (int)sizeof(g->partial))
        return;
    g->partial[g->partial_len++] = (char)b;
    /* The input is valid UTF-8 by now: the lead byte says how long the character is. */
    guint8 lead = (guint8)g->partial[0];
    int need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (g->partial_len < need)
        return;
    gunichar ch = g_utf8_get_char_validated(g->partial, g->partial_len);
    if (ch < 0x110000 && !g_unichar_iszerowidth(ch) && !g_unichar_ismark(ch)) {
        memcpy(g->glyph, g->partial, (size_t)g->partial_len);
        g->glyph_len = g->partial_len;
    }
    g->partial_len = 0;
}

static void guard_byte(NvConsole *c, guint8 b)
{
    NvGuard *g = &c->guard;
    if (b == 0x1B) {
        /* Whatever was in progress is abandoned, by libvterm too. The ESC itself is written
         * with the byte after it, once it is known whether a CSI starts. */
        g->state = GUARD_ESC;
        return;
    }
    if (b == 0x18 || b == 0x1A) { /* CAN, SUB */
        g->state = GUARD_GROUND;
        vin_put(c, (const char *)&b, 1);
        return;
    }
    switch (g->state) {
    case GUARD_GROUND:
        if (b >= 0x20 && b != 0x7F)
            guard_text(c, b);
        else
            vin_put(c, (const char *)&b, 1);
        return;
    case GUARD_ESC:
        if (b < 0x20 || b == 0x7F) {
            /* C0 controls run inside escape sequences, so running them first is the same. */
            vin_put(c, (const char *)&b, 1);
            return;
        }
        if (b == '[') {
            /* Held back: the CSI is written out once it is known to be harmless. */
            guard_csi_start(g);
            return;
        }
        if (b >= 0x80) {
            /* libvterm skips a non-ASCII byte after ESC and stays in the escape, so "ESC \xfc
             * [ b" reached it as a REP the guard never saw (found by fuzz-console: it looped
             * forever). The ESC is dropped; the character is printed. */
            g->state = GUARD_GROUND;
            vin_put(c, (const char *)&b, 1);
            return;
        }
        vin_put(c, "\033", 1);
        vin_put(c, (const char *)&b, 1);
        if (b >= 0x20 && b <= 0x2F)
            g->state = GUARD_ESC_INTER;
        else if (b == ']' || b == 'P' || b == 'X' || b == '^' || b == '_')
            g->state = GUARD_STRING;
        else
            g->state = GUARD_GROUND;
        return;
    case GUARD_ESC_INTER:
        vin_put(c, (const char *)&b, 1);
        if (b >= 0x30 && b <= 0x7E)
            g->state = GUARD_GROUND;
        return;
    case GUARD_CSI:
        if (b < 0x20)
            vin_put(c, (const char *)&b, 1); /* executed in the middle, as libvterm does */
        else if (b != 0x7F)
            guard_csi_byte(c, b);
        return;
    case GUARD_STRING:
        vin_put(c, (const char *)&b, 1);
        if (b == 0x07)
            g->state = GUARD_GROUND;
        return;
    }
}

static void feed(NvConsole *c, const char *bytes, size_t len)
{
    sanitize_utf8(c, (const guint8 *)bytes, len);
    for (guint i = 0; i < c->clean->len; i++)
        guard_byte(c, c->clean->data[i]);
    vin_flush(c);
    /* Answers to the guest's queries (cursor position, device attributes). */
    flush_output(c);
}

static gboolean pump_more(gpointer data);

/* Feeds what is pending until the budget is spent; TRUE when nothing is left. */
static gboolean pump(NvConsole *c)
{
    gint64 deadline = g_get_monotonic_time() + NV_CONSOLE_FEED_BUDGET_US;
    guint done = 0;
    while (done < c->pending->len) {
        guint n = MIN(NV_CONSOLE_FEED_SLICE, c->pending->len - done);
        feed(c, (const char *)c->pending->data + done, n);
        done += n;
        if (g_get_monotonic_time() >= deadline)
            break;
    }
    g_byte_array_remove_range(c->pending, 0, done);
    if (c->pending->len > 0 && !c->pump_source)
        c->pump_source = g_idle_add(pump_more, c);
    return c->pending->len == 0;
}

static gboolean pump_more(gpointer data)
{
    NvConsole *c = data;
    gboolean drained = pump(c);
    notify(c, 0);
    if (!drained)
        return G_SOURCE_CONTINUE;
    c->pump_source = 0;
    return G_SOURCE_REMOVE;
}

static void read_stream(NvConsole *c, int events)
{
    virStreamPtr st = c->st;
    size_t total = 0;
    pump(c);
    while (total < NV_CONSOLE_READ_MAX && c->pending->len < NV_CONSOLE_READ_MAX) {
        int n = virStreamRecv(st, c->rbuf, NV_CONSOLE_READ_CHUNK);
        if (n > 0) {
            g_byte_array_append(c->pending, (const guint8 *)c->rbuf, (guint)n);
            pump(c);
            if (c->st != st)
                return; /* writing the replies failed and ended the stream */
            total += (size_t)n;
            continue;
        }
        if (n == -2 && !(events & (VIR_STREAM_EVENT_ERROR | VIR_STREAM_EVENT_HANGUP)))
            return;
        g_autofree char *why = n == 0 || n == -2 ? g_strdup(_("the console closed"))
                                                 : virt_message(_("cannot read from the console"));
        end_stream(c, why);
        return;
    }
}

static void on_stream_event(virStreamPtr st, int events, void *opaque)
{
    NvConsoleLink *link = opaque;
    NvConsole *c = link->console;
    if (c == NULL || c->st != st)
        return;
    if (events & VIR_STREAM_EVENT_WRITABLE)
        flush_output(c);
    if (c->st == st && (events & STREAM_EVENTS_IN))
        read_stream(c, events);
    notify(c, 0);
}

/* ---- opening (on the worker) ---- */

typedef struct {
    NvConsoleLink *link;
    char *uuid;
    char *device;
    gboolean force;
    virStreamPtr st;
    NvConsoleState outcome; /* when it failed: TAKEN, ENDED or FAILED */
    gboolean after_end;     /* the automatic reopen after the stream ended */
} OpenJob;

static void open_job_free(gpointer data)
{
    OpenJob *job = data;
    if (job->st != NULL) {
        /* Only when the connection went away before the stream could be handed over. */
        virStreamAbort(job->st);
        virStreamFree(job->st);
    }
    link_unref(job->link);
    g_free(job->uuid);
    g_free(job->device);
    g_free(job);
}

static gpointer open_work(virConnectPtr vconn, gpointer data, GError **err)
{
    OpenJob *job = data;
    g_autoptr(virDomain) dom = virDomainLookupByUUIDString(vconn, job->uuid);
    if (dom == NULL) {
        virErrorPtr e = virGetLastError();
        /* A transient domain disappears when it stops; it may be created again. */
        job->outcome = e && e->code == VIR_ERR_NO_DOMAIN ? NV_CONSOLE_ENDED : NV_CONSOLE_FAILED;
        nv_set_virt_error(err, _("cannot find the domain"));
        return NULL;
    }
    job->st = virStreamNew(vconn, VIR_STREAM_NONBLOCK);
    if (job->st == NULL) {
        job->outcome = NV_CONSOLE_FAILED;
        nv_set_virt_error(err, _("cannot open the console"));
        return NULL;
    }
    unsigned flags = job->force ? VIR_DOMAIN_CONSOLE_FORCE : VIR_DOMAIN_CONSOLE_SAFE;
    if (virDomainOpenConsole(dom, job->device, job->st, flags) < 0) {
        virErrorPtr e = virGetLastError();
        int code = e ? e->code : VIR_ERR_OK;
        nv_set_virt_error(err, _("cannot open the console"));
        g_clear_pointer(&job->st, virStreamFree);
        /* The error says little by itself: whether the domain runs tells a stopped domain from
         * a console someone else holds (libvirt's "Active console session exists"). */
        int active = virDomainIsActive(dom);
        if (active == 0) {
            /* libvirt's words for this vary ("not running", a pty it cannot open while the
             * domain goes down): say what it means. */
            g_clear_error(err);
            g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("the domain is not running"));
            job->outcome = NV_CONSOLE_ENDED;
        } else if (code == VIR_ERR_OPERATION_FAILED) {
            job->outcome = NV_CONSOLE_TAKEN;
        } else {
            job->outcome = NV_CONSOLE_FAILED;
        }
        return NULL;
    }
    return NV_ASYNC_OK;
}

static void start_open(NvConsole *c, gboolean force);

static gboolean retry_open(gpointer data)
{
    NvConsole *c = data;
    c->retry_source = 0;
    if (c->state == NV_CONSOLE_ENDED && c->domain_running && !c->opening && c->conn)
        start_open(c, FALSE);
    return G_SOURCE_REMOVE;
}

/* `data` is the request itself, freed after this. */
static void open_done(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    OpenJob *job = data;
    g_autoptr(GError) err = NULL;
    nv_async_result_ok(res, open_work, &err);
    NvConsole *c = job->link->console;
    if (c == NULL) {
        if (job->st != NULL)
            close_stream_later(conn, g_steal_pointer(&job->st));
        return;
    }
    c->opening = FALSE;
    if (err != NULL) {
        NvConsoleState state = job->outcome;
        /* Without a connection nothing is known; the view reports the domain as not running
         * until the connection is back, and that reopens the console. */
        if (g_error_matches(err, NV_ERROR, NV_ERROR_DISCONNECTED))
            state = NV_CONSOLE_ENDED;
        /* A domain going down fails the open in odd ways (its pty already gone: "permission
         * denied") while it still counts as active; once it is known to be stopped, or when
         * this was the automatic retry after the stream ended, that is an end, not a fault,
         * so the console comes back when the domain runs again. */
        if (state == NV_CONSOLE_FAILED && (!c->domain_running || job->after_end))
            state = NV_CONSOLE_ENDED;
        set_state(c, state, err->message);
        /* The model can say "running" a moment before the console can be opened (or from a
         * list taken just before the stop): try again shortly, a few times, since no further
         * change of the model may come to trigger it. */
        if (state == NV_CONSOLE_ENDED && c->domain_running && c->retries_left > 0 &&
            !c->retry_source) {
            c->retries_left--;
            c->retry_source = g_timeout_add_seconds(1, retry_open, c);
        }
        return;
    }
    c->st = g_steal_pointer(&job->st);
    c->want_write = FALSE;
    /* No free function: libvirt's remote driver never calls it (remoteStreamCallbackFree), so a
     * reference handed over would leak. None is needed: the callback is removed in
     * close_stream, before the console and its link go, and is not called after that. */
    if (virStreamEventAddCallback(c->st, STREAM_EVENTS_IN, on_stream_event, c->link, NULL) < 0) {
        g_autofree char *why = virt_message(_("cannot watch the console stream"));
        close_stream_later(conn, g_steal_pointer(&c->st));
        set_state(c, NV_CONSOLE_FAILED, why);
        return;
    }
    /* A sequence the old stream left unfinished must not swallow the new stream's bytes. */
    c->utf8_need = 0;
    c->guard.state = GUARD_GROUND;
    vterm_input_write(c->vt, "\030", 1); /* CAN */
    set_state(c, NV_CONSOLE_ATTACHED, NULL);
}

static void start_open(NvConsole *c, gboolean force)
{
    OpenJob *job = g_new0(OpenJob, 1);
    job->link = link_ref(c->link);
    job->uuid = g_strdup(c->uuid);
    job->device = g_strdup(c->device);
    job->force = force;
    job->outcome = NV_CONSOLE_FAILED;
    job->after_end = c->next_open_after_end;
    c->next_open_after_end = FALSE;
    c->opening = TRUE;
    set_state(c, NV_CONSOLE_CONNECTING, NULL);
    NvAsyncSpec spec = {.tag = open_work, .req = job, .req_free = open_job_free};
    nv_conn_async(c->conn, &spec, open_work, open_done, job, NULL);
}

/* ---- public ---- */

static NvConsole *console_new(int rows, int cols)
{
    NvConsole *c = g_new0(NvConsole, 1);
    c->rows = CLAMP(rows, NV_CONSOLE_MIN_ROWS, NV_CONSOLE_MAX_SIDE);
    c->retries_left = 3;
    c->cols = CLAMP(cols, NV_CONSOLE_MIN_COLS, NV_CONSOLE_MAX_SIDE);
    c->link = g_atomic_rc_box_new0(NvConsoleLink);
    c->link->console = c;
    c->out = g_byte_array_new();
    c->clean = g_byte_array_new();
    c->vin = g_byte_array_new();
    c->pending = g_byte_array_new();
    c->sb = g_new0(NvScrollLine *, NV_CONSOLE_SCROLLBACK);
    c->domain_running = TRUE;
    c->cursor_visible = TRUE;
    c->vt = vterm_new(c->rows, c->cols);
    vterm_set_utf8(c->vt, 1);
    vterm_output_set_callback(c->vt, on_vterm_output, c);
    c->vstate = vterm_obtain_state(c->vt);
    c->screen = vterm_obtain_screen(c->vt);
    vterm_screen_set_callbacks(c->screen, &screen_callbacks, c);
    vterm_screen_enable_altscreen(c->screen, 1);
    vterm_screen_reset(c->screen, 1);
    return c;
}

NvConsole *nv_console_open(NvConn *conn, const char *uuid, const char *device, gboolean force)
{
    NvConsole *c = console_new(NV_CONSOLE_DEFAULT_ROWS, NV_CONSOLE_DEFAULT_COLS);
    c->conn = conn;
    c->uuid = g_strdup(uuid);
    c->device = g_strdup(device);
    c->rbuf = g_malloc(NV_CONSOLE_READ_CHUNK);
    start_open(c, force);
    return c;
}

NvConsole *nv_console_new_detached(int rows, int cols)
{
    NvConsole *c = console_new(rows, cols);
    c->state = NV_CONSOLE_ATTACHED;
    return c;
}

void nv_console_free(NvConsole *c)
{
    if (c == NULL)
        return;
    c->listener = NULL;
    g_clear_handle_id(&c->retry_source, g_source_remove);
    g_clear_handle_id(&c->pump_source, g_source_remove);
    close_stream(c);
    c->link->console = NULL;
    link_unref(c->link);
    vterm_free(c->vt);
    scrollback_clear(c);
    g_free(c->sb);
    g_byte_array_unref(c->out);
    g_byte_array_unref(c->clean);
    g_byte_array_unref(c->vin);
    g_byte_array_unref(c->pending);
    g_free(c->rbuf);
    g_free(c->uuid);
    g_free(c->device);
    g_free(c->message);
    g_free(c);
}

void nv_console_set_listener(NvConsole *c, NvConsoleListener fn, gpointer data)
{
    c->listener = fn;
    c->listener_data = data;
}

void nv_console_set_output_sink(NvConsole *c, NvConsoleSink fn, gpointer data)
{
    c->sink = fn;
    c->sink_data = data;
}

NvConsoleState nv_console_get_state(NvConsole *c)
{
    return c->state;
}

const char *nv_console_get_message(NvConsole *c)
{
    return c->message;
}

const char *nv_console_get_device(NvConsole *c)
{
    return c->device;
}

void nv_console_reopen(NvConsole *c, gboolean force)
{
    if (c->conn == NULL || c->opening || c->state == NV_CONSOLE_ATTACHED)
        return;
    start_open(c, force);
}

void nv_console_domain_state(NvConsole *c, gboolean running)
{
    gboolean was_running = c->domain_running;
    c->domain_running = running;
    if (!running) {
        c->retried = FALSE;
        c->retries_left = 3;
        /* Whatever the last open said, a stopped domain's console simply waits for it. */
        if (c->state == NV_CONSOLE_FAILED && !c->opening)
            set_state(c, NV_CONSOLE_ENDED, _("the domain is not running"));
        return;
    }
    if (c->conn == NULL || c->opening || c->state != NV_CONSOLE_ENDED)
        return;
    if (!was_running || !c->retried) {
        c->retried = TRUE;
        start_open(c, FALSE);
    }
}

void nv_console_feed(NvConsole *c, const char *bytes, size_t len)
{
    g_byte_array_append(c->pending, (const guint8 *)bytes, (guint)len);
    pump(c);
    notify(c, 0);
}

gsize nv_console_pending(NvConsole *c)
{
    return c->pending->len;
}

void nv_console_drain(NvConsole *c)
{
    if (c->pending->len > 0)
        feed(c, (const char *)c->pending->data, c->pending->len);
    g_byte_array_set_size(c->pending, 0);
    g_clear_handle_id(&c->pump_source, g_source_remove);
    notify(c, 0);
}

/* clang-format off */
static VTermKey vterm_key_of(NvKey base)
{
    switch (base) {
    case NV_KEY_UP: return VTERM_KEY_UP;
    case NV_KEY_DOWN: return VTERM_KEY_DOWN;
    case NV_KEY_LEFT: return VTERM_KEY_LEFT;
    case NV_KEY_RIGHT: return VTERM_KEY_RIGHT;
    case NV_KEY_PAGEUP: return VTERM_KEY_PAGEUP;
    case NV_KEY_PAGEDOWN: return VTERM_KEY_PAGEDOWN;
    case NV_KEY_HOME: return VTERM_KEY_HOME;
    case NV_KEY_END: return VTERM_KEY_END;
    case NV_KEY_ENTER: return VTERM_KEY_ENTER;
    case NV_KEY_ESCAPE: return VTERM_KEY_ESCAPE;
    case NV_KEY_TAB:
    case NV_KEY_BTAB: return VTERM_KEY_TAB;
    case NV_KEY_BACKSPACE: return VTERM_KEY_BACKSPACE;
    case NV_KEY_DELETE: return VTERM_KEY_DEL;
    case NV_KEY_INSERT: return VTERM_KEY_INS;
    default:
        break;
    }
    if (base >= NV_KEY_F1 && base <= NV_KEY_F12)
        return VTERM_KEY_FUNCTION(base - NV_KEY_F1 + 1);
    return VTERM_KEY_NONE;
}
/* clang-format on */

/* The byte xterm sends for Ctrl with this character, or -1. libvterm would send CSI u sequences
 * for some of these, which a serial getty does not understand. */
static int ctrl_byte(gunichar ch)
{
    if (ch >= 'a' && ch <= 'z')
        return (int)(ch - 'a' + 1);
    if (ch >= '@' && ch <= '_') /* @, A-Z, [ \ ] ^ _ */
        return (int)(ch - '@');
    switch (ch) {
    case ' ':
    case '2':
        return 0;
    case '3':
        return 0x1b;
    case '4':
        return 0x1c;
    case '5':
        return 0x1d;
    case '6':
        return 0x1e;
    case '/':
    case '7':
        return 0x1f;
    case '?':
    case '8':
        return 0x7f;
    default:
        return -1;
    }
}

static void key_char(NvConsole *c, gunichar ch, VTermModifier mod)
{
    gboolean alt = (mod & VTERM_MOD_ALT) != 0;
    if (alt) /* xterm's metaSendsEscape; libvterm would cut a non-ASCII character to a byte */
        on_vterm_output("\033", 1, c);
    if (mod & VTERM_MOD_CTRL) {
        int b = ctrl_byte(ch);
        if (b >= 0) {
            char byte = (char)b;
            on_vterm_output(&byte, 1, c);
            return;
        }
        /* xterm sends the character itself when Ctrl means nothing for it. */
    }
    /* Shift is already in the character. */
    vterm_keyboard_unichar(c->vt, ch, VTERM_MOD_NONE);
}

void nv_console_key(NvConsole *c, NvKey key)
{
    if (c->state != NV_CONSOLE_ATTACHED)
        return;
    NvKey base = NV_KEY_BASE(key);
    VTermModifier mod = VTERM_MOD_NONE;
    if (key & NV_KEY_MOD_SHIFT)
        mod |= VTERM_MOD_SHIFT;
    if (key & NV_KEY_MOD_CTRL)
        mod |= VTERM_MOD_CTRL;
    if (key & NV_KEY_MOD_ALT)
        mod |= VTERM_MOD_ALT;
    VTermKey vk = vterm_key_of(base);
    if (vk != VTERM_KEY_NONE) {
        if (base == NV_KEY_BTAB)
            mod |= VTERM_MOD_SHIFT;
        vterm_keyboard_key(c->vt, vk, mod);
    } else if (base > 0 && base < NV_KEY_SPECIAL && g_unichar_validate(base)) {
        key_char(c, base, mod);
    } else {
        return;
    }
    /* Like xterm's scrollKey: typing brings the live screen back. */
    if (c->scroll != 0) {
        c->scroll = 0;
        c->damaged = TRUE;
    }
    flush_output(c);
    notify(c, 0);
}

/* libvterm 0.1.4 leaves its state out of range when the screen shrinks: the cursor can end up
 * on a negative row, the margins and the saved cursor beyond the edge, and the next bytes
 * from the guest are written outside the screen. Resetting the margins, putting the cursor
 * back inside and saving that position brings everything in range again. A serial guest
 * does not know the view's size anyway, so a full-screen program looks wrong until it
 * repaints; nothing worse. CAN first ends any escape sequence or string libvterm is in. */
static void repair_after_shrink(NvConsole *c)
{
    VTermPos pos;
    vterm_state_get_cursorpos(c->vstate, &pos);
    int row = CLAMP(pos.row, 0, c->rows - 1);
    int col = CLAMP(pos.col, 0, c->cols - 1);
    g_autofree char *seq = g_strdup_printf("\030\033[r\033[s\033[%d;%dH\0337", row + 1, col + 1);
    vterm_input_write(c->vt, seq, strlen(seq));
    if (c->guard.state == GUARD_STRING || c->guard.state == GUARD_ESC_INTER)
        c->guard.state = GUARD_GROUND;
}

void nv_console_resize(NvConsole *c, int rows, int cols)
{
    rows = CLAMP(rows, NV_CONSOLE_MIN_ROWS, NV_CONSOLE_MAX_SIDE);
    cols = CLAMP(cols, NV_CONSOLE_MIN_COLS, NV_CONSOLE_MAX_SIDE);
    if (rows == c->rows && cols == c->cols)
        return;
    gboolean shrinks = rows < c->rows || cols < c->cols;
    c->rows = rows;
    c->cols = cols;
    vterm_set_size(c->vt, rows, cols);
    if (shrinks)
        repair_after_shrink(c);
    c->scroll = MIN(c->scroll, c->sb_len);
    c->damaged = TRUE;
}

void nv_console_get_size(NvConsole *c, int *rows, int *cols)
{
    *rows = c->rows;
    *cols = c->cols;
}

void nv_console_scroll(NvConsole *c, int lines)
{
    int scroll = CLAMP(c->scroll + lines, 0, c->sb_len);
    if (scroll != c->scroll) {
        c->scroll = scroll;
        c->damaged = TRUE;
    }
}

int nv_console_get_scroll(NvConsole *c)
{
    return c->scroll;
}

int nv_console_get_scrollback(NvConsole *c)
{
    return c->sb_len;
}

static void convert_color(const VTermColor *in, gboolean is_default, NvConsoleColor *out)
{
    memset(out, 0, sizeof(*out));
    if (is_default) {
        out->kind = NV_CONSOLE_COLOR_DEFAULT;
    } else if (VTERM_COLOR_IS_INDEXED(in)) {
        out->kind = NV_CONSOLE_COLOR_INDEXED;
        out->index = in->indexed.idx;
    } else {
        out->kind = NV_CONSOLE_COLOR_RGB;
        out->red = in->rgb.red;
        out->green = in->rgb.green;
        out->blue = in->rgb.blue;
    }
}

static void convert_cell(NvConsole *c, const VTermScreenCell *in, NvConsoleCell *out)
{
    memset(out, 0, sizeof(*out));
    if (in->chars[0] == (uint32_t)-1) {
        /* libvterm's mark for the right half of a wide character. */
        out->width = 0;
    } else {
        out->width = in->width == 2 ? 2 : 1;
        size_t n = 0;
        for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && in->chars[i] != 0; i++) {
            gunichar ch = in->chars[i];
            if (!g_unichar_validate(ch))
                ch = 0xFFFD;
            n += (size_t)g_unichar_to_utf8(ch, out->text + n);
        }
        out->text[n] = '\0';
    }
    convert_color(&in->fg, VTERM_COLOR_IS_DEFAULT_FG(&in->fg), &out->fg);
    convert_color(&in->bg, VTERM_COLOR_IS_DEFAULT_BG(&in->bg), &out->bg);
    out->bold = in->attrs.bold;
    out->underline = in->attrs.underline != 0;
    out->italic = in->attrs.italic;
    out->reverse = in->attrs.reverse;
}

gboolean nv_console_get_cell(NvConsole *c, int row, int col, NvConsoleCell *out)
{
    if (row < 0 || row >= c->rows || col < 0 || col >= c->cols)
        return FALSE;
    VTermScreenCell cell;
    if (row < c->scroll) {
        int index = c->sb_len - c->scroll + row;
        const NvScrollLine *line = c->sb[(c->sb_start + index) % NV_CONSOLE_SCROLLBACK];
        if (col < line->cols)
            cell = line->cells[col];
        else
            blank_cell(c, &cell);
    } else {
        VTermPos pos = {.row = row - c->scroll, .col = col};
        if (!vterm_screen_get_cell(c->screen, pos, &cell))
            blank_cell(c, &cell);
    }
    convert_cell(c, &cell, out);
    return TRUE;
}

gboolean nv_console_get_cursor(NvConsole *c, int *row, int *col)
{
    VTermPos pos;
    vterm_state_get_cursorpos(c->vstate, &pos);
    int r = pos.row + c->scroll;
    if (!c->cursor_visible || r < 0 || r >= c->rows || pos.col < 0 || pos.col >= c->cols)
        return FALSE;
    *row = r;
    *col = pos.col;
    return TRUE;
}
