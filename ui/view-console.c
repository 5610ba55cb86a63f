/* The serial console view: a header line, then the guest's screen (an NvConsole) drawn cell by
 * cell. Opens a small picker first when the domain has several consoles. Every key not bound
 * in the console context goes to the guest. */
#include <limits.h>
#include <string.h>

#include "console.h"
#include "ui-internal.h"

/* Guest output is painted at most this often (50 fps). A guest printing fast sends many small
 * stream packets a second; painting each one cost more CPU than everything else the console
 * does, and on a host with few CPUs that CPU comes from the guest's own vCPU threads. Output
 * after a quiet moment (an echo of a typed key) is still painted at once. */
#define NV_CONSOLE_FRAME_US (20 * G_TIME_SPAN_MILLISECOND)

typedef struct {
    NvView base;
    char *uuid;
    char *name;
    NvConsole *console; /* NULL while the picker is shown */
    GPtrArray *choices; /* NvChardev* copies offered by the picker */
    guint pick;
    int saved_cursor;  /* curs_set's value before the view, ERR when unknown */
    gboolean reported; /* a failure was put in the status line already */
    int last_id;       /* the domain's id as last seen (-1 not running, -2 not seen yet) */
    NvPacer pacer;     /* paints of guest output, at most one per NV_CONSOLE_FRAME_US */
} NvConsoleView;

/* ---- keys named from the keymap ---- */

/* The name of the first key bound to `action` in the console context, or NULL. */
static char *bound_key_name(NvApp *app, NvAction action)
{
    g_autoptr(GArray) bindings = nv_keymap_bindings(nv_app_get_keymap(app), NV_CTX_CONSOLE);
    for (guint i = 0; i < bindings->len; i++) {
        const NvBinding *b = &g_array_index(bindings, NvBinding, i);
        if (b->action == action)
            return nv_key_name(b->key);
    }
    return NULL;
}

/* ---- colours ---- */

static const guint8 ansi_rgb[16][3] = {
    {0, 0, 0},     {205, 0, 0},     {0, 205, 0},     {205, 205, 0},   {0, 0, 238}, {205, 0, 205},
    {0, 205, 205}, {229, 229, 229}, {127, 127, 127}, {255, 0, 0},     {0, 255, 0}, {255, 255, 0},
    {92, 92, 255}, {255, 0, 255},   {0, 255, 255},   {255, 255, 255},
};

/* xterm's 256-colour palette: 16 ANSI colours, a 6x6x6 cube, 24 greys. */
static void index_rgb(int index, int *r, int *g, int *b)
{
    static const int levels[6] = {0, 95, 135, 175, 215, 255};
    if (index < 16) {
        *r = ansi_rgb[index][0];
        *g = ansi_rgb[index][1];
        *b = ansi_rgb[index][2];
    } else if (index < 232) {
        index -= 16;
        *r = levels[index / 36];
        *g = levels[(index / 6) % 6];
        *b = levels[index % 6];
    } else {
        *r = *g = *b = 8 + 10 * (index - 232);
    }
}

static int distance(int r1, int g1, int b1, int r2, int g2, int b2)
{
    return (r1 - r2) * (r1 - r2) + (g1 - g2) * (g1 - g2) + (b1 - b2) * (b1 - b2);
}

/* The nearest of the first `n` palette entries (8 or 16: the ANSI colours). */
static int nearest_ansi(int r, int g, int b, int n)
{
    int best = 0, best_d = G_MAXINT;
    for (int i = 0; i < n; i++) {
        int d = distance(r, g, b, ansi_rgb[i][0], ansi_rgb[i][1], ansi_rgb[i][2]);
        if (d < best_d) {
            best_d = d;
            best = i;
        }
    }
    return best;
}

static int cube_level(int v)
{
    return v < 48 ? 0 : v < 115 ? 1 : (v - 35) / 40;
}

/* The nearest entry of xterm's 256 colours, from the cube or the grey ramp. */
static int nearest_256(int r, int g, int b)
{
    int cr = cube_level(r), cg = cube_level(g), cb = cube_level(b);
    int cube = 16 + 36 * cr + 6 * cg + cb;
    int grey_level = CLAMP(((r + g + b) / 3 - 3) / 10, 0, 23);
    int grey = 232 + grey_level;
    int r1, g1, b1, r2, g2, b2;
    index_rgb(cube, &r1, &g1, &b1);
    index_rgb(grey, &r2, &g2, &b2);
    return distance(r, g, b, r1, g1, b1) <= distance(r, g, b, r2, g2, b2) ? cube : grey;
}

/* A console colour as a curses colour number for a terminal with `colors` colours; -1 is the
 * terminal's default (use_default_colors is in effect). */
static int curses_color(const NvConsoleColor *color, int colors)
{
    int r, g, b;
    switch (color->kind) {
    case NV_CONSOLE_COLOR_DEFAULT:
        return -1;
    case NV_CONSOLE_COLOR_INDEXED:
        if (color->index < colors)
            return color->index;
        index_rgb(color->index, &r, &g, &b);
        break;
    case NV_CONSOLE_COLOR_RGB:
    default:
        r = color->red;
        g = color->green;
        b = color->blue;
        break;
    }
    if (colors >= 256)
        return nearest_256(r, g, b);
    return nearest_ansi(r, g, b, colors >= 16 ? 16 : 8);
}

/* The colour pair of a cell (allocated on demand, ncurses 6.1), 0 when the terminal has too few
 * colours to be worth it. */
static int cell_pair(const NvConsoleCell *cell)
{
    if (!has_colors() || COLORS < 8)
        return 0;
    int fg = curses_color(&cell->fg, COLORS);
    int bg = curses_color(&cell->bg, COLORS);
    if (fg == -1 && bg == -1)
        return 0;
    int pair = alloc_pair(fg, bg);
    return pair > 0 ? pair : 0;
}

/* ---- drawing cells ---- */

/* What may be drawn for a cell: its base character and combining marks when they are printable
 * and as wide as libvterm thinks (else curses and libvterm disagree on where the next cell
 * is); otherwise a replacement character. Guest text never reaches curses unchecked. */
static const char *drawable_text(const NvConsoleCell *cell, char *buf, size_t size)
{
    if (cell->text[0] == '\0')
        return " ";
    const char *p = cell->text;
    gunichar base = g_utf8_get_char(p);
    if (!g_unichar_isprint(base) || g_unichar_iszerowidth(base) || g_unichar_ismark(base))
        return "\xef\xbf\xbd";
    int width = g_unichar_iswide(base) ? 2 : 1;
    if (width != cell->width)
        return "\xef\xbf\xbd";
    size_t n = (size_t)(g_utf8_next_char(p) - p);
    memcpy(buf, p, n);
    for (p = g_utf8_next_char(p); *p != '\0'; p = g_utf8_next_char(p)) {
        gunichar mark = g_utf8_get_char(p);
        size_t len = (size_t)(g_utf8_next_char(p) - p);
        if (!g_unichar_ismark(mark) || !g_unichar_isprint(mark) || n + len >= size)
            continue;
        memcpy(buf + n, p, len);
        n += len;
    }
    buf[n] = '\0';
    return buf;
}

static void draw_cell(int y, int x, const NvConsoleCell *cell)
{
    attr_t attr = A_NORMAL;
    if (cell->bold)
        attr |= A_BOLD;
    if (cell->underline)
        attr |= A_UNDERLINE;
    if (cell->reverse)
        attr |= A_REVERSE;
    if (cell->italic)
        attr |= A_ITALIC;
    int pair = cell_pair(cell);
    /* The pair goes through `opts`: COLOR_PAIR() cannot hold pairs above 255. */
    wattr_set(stdscr, attr, (short)MIN(pair, SHRT_MAX), &pair);
    char buf[NV_CONSOLE_CELL_BYTES];
    const char *text = drawable_text(cell, buf, sizeof(buf));
    mvwaddstr(stdscr, y, x, text);
    if (cell->width == 2 && text != buf)
        mvwaddstr(stdscr, y, x + 1, " "); /* the replacement is one column wide */
    wattr_set(stdscr, A_NORMAL, 0, NULL);
}

static void draw_screen(NvConsoleView *v, int top, int rows, int cols)
{
    for (int r = 0; r < rows; r++) {
        /* Cells covered by a wide character are not drawn: start from a blank row. */
        nv_draw_fill(stdscr, top + r, 0, cols, A_NORMAL);
        for (int col = 0; col < cols; col++) {
            NvConsoleCell cell;
            if (!nv_console_get_cell(v->console, r, col, &cell)) {
                nv_draw_fill(stdscr, top + r, col, cols - col, A_NORMAL);
                break;
            }
            if (cell.width == 0)
                continue; /* covered by the wide character before it */
            if (cell.width == 2 && col == cols - 1) {
                nv_draw_fill(stdscr, top + r, col, 1, A_NORMAL);
                continue;
            }
            draw_cell(top + r, col, &cell);
        }
    }
}

/* ---- header ---- */

static char *state_text(NvConsoleView *v)
{
    NvApp *app = v->base.app;
    g_autofree char *force = bound_key_name(app, NV_ACTION_CONSOLE_FORCE);
    const char *force_key = force ? force : "console-force";
    switch (nv_console_get_state(v->console)) {
    case NV_CONSOLE_CONNECTING:
        return g_strdup(_("connecting…"));
    case NV_CONSOLE_ATTACHED: {
        int scroll = nv_console_get_scroll(v->console);
        int total = nv_console_get_scrollback(v->console);
        if (scroll > 0)
            return g_strdup_printf(ngettext("attached, scrolled back %d of %d line",
                                            "attached, scrolled back %d of %d lines",
                                            (unsigned long)total),
                                   scroll, total);
        return g_strdup(_("attached"));
    }
    case NV_CONSOLE_TAKEN:
        return g_strdup_printf(_("another client holds it: press %s to take it over"), force_key);
    case NV_CONSOLE_ENDED:
        return g_strdup_printf(_("domain stopped: waiting for it to run again (%s retries now)"),
                               force_key);
    case NV_CONSOLE_FAILED:
    default:
        return g_strdup_printf(_("cannot open the console (%s retries)"), force_key);
    }
}

static void draw_header(NvConsoleView *v, const char *device)
{
    NvApp *app = v->base.app;
    g_autofree char *exit_key = bound_key_name(app, NV_ACTION_CONSOLE_EXIT);
    g_autofree char *leave = exit_key ? g_strdup_printf(_(" %s leaves "), exit_key)
                                      : g_strdup(_(" no key is bound to console-exit "));
    g_autofree char *state = v->console ? state_text(v) : g_strdup(_("choose a console"));
    /* The domain name came from libvirt: nv_draw_text sanitises it. */
    g_autofree char *text =
        g_strdup_printf(" %s · %s · %s", v->name, device ? device : _("console"), state);
    attr_t attr = COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD;
    nv_draw_fill(stdscr, 0, 0, nv_app_cols(app), attr);
    /* The way out stays visible however narrow the terminal is. */
    int leave_w = MIN(nv_text_width(leave), nv_app_cols(app));
    nv_draw_text(stdscr, 0, 0, text, nv_app_cols(app) - leave_w, attr);
    nv_draw_text(stdscr, 0, nv_app_cols(app) - leave_w, leave, leave_w, attr | A_REVERSE);
}

/* Why the console is not attached, over the first line of the (stale) screen. */
static void draw_problem(NvConsoleView *v)
{
    NvApp *app = v->base.app;
    const char *msg = nv_console_get_message(v->console);
    if (nv_console_get_state(v->console) == NV_CONSOLE_ATTACHED || msg == NULL)
        return;
    attr_t attr = nv_console_get_state(v->console) == NV_CONSOLE_FAILED
                      ? COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD | A_REVERSE
                      : A_REVERSE;
    g_autofree char *text = g_strdup_printf(" %s", msg);
    nv_draw_text(stdscr, 1, 0, text, nv_app_cols(app), attr);
}

/* ---- the picker ---- */

static char *choice_label(const NvChardev *dev)
{
    if (dev->port >= 0)
        return g_strdup_printf(_("%s  (%s, %s, port %d)"), dev->alias, dev->kind, dev->type,
                               dev->port);
    return g_strdup_printf(_("%s  (%s, %s)"), dev->alias, dev->kind, dev->type);
}

static void draw_picker(NvConsoleView *v)
{
    NvApp *app = v->base.app;
    int width = MIN(nv_app_cols(app) - 4, 60);
    int height = MIN(nv_app_rows(app) - 3, (int)v->choices->len + 4);
    int y = MAX(1, (nv_app_rows(app) - height) / 2), x = MAX(0, (nv_app_cols(app) - width) / 2);
    nv_draw_box(stdscr, y, x, height, width, _("Choose a console"), TRUE);
    int visible = height - 4;
    int first = MAX(0, (int)v->pick - visible + 1);
    for (int i = 0; i < visible; i++) {
        guint item = (guint)(first + i);
        if (item >= v->choices->len) {
            nv_draw_fill(stdscr, y + 1 + i, x + 1, width - 2, A_NORMAL);
            continue;
        }
        g_autofree char *label = choice_label(v->choices->pdata[item]);
        g_autofree char *line = g_strdup_printf(" %u  %s", item + 1, label);
        attr_t attr = item == v->pick ? COLOR_PAIR(NV_COLOR_SELECTED) | A_BOLD : A_NORMAL;
        nv_draw_text(stdscr, y + 1 + i, x + 1, line, width - 2, attr);
    }
    nv_draw_fill(stdscr, y + height - 3, x + 1, width - 2, A_NORMAL);
    nv_draw_text(stdscr, y + height - 2, x + 2, _("↑↓ choose · Enter opens"), width - 4, A_DIM);
}

/* ---- the view ---- */

static void on_console_changed(NvConsole *console, unsigned changes, gpointer data)
{
    NvConsoleView *v = data;
    NvApp *app = v->base.app;
    if ((changes & NV_CONSOLE_CHANGED_STATE) &&
        nv_console_get_state(console) == NV_CONSOLE_FAILED && !v->reported) {
        /* Also in the status line, where it stays readable after the view is left. */
        v->reported = TRUE;
        nv_app_message(app, nv_console_get_message(console), TRUE);
    }
    if (changes & NV_CONSOLE_CHANGED_STATE)
        nv_app_dirty(app);
    else
        nv_pacer_changed(&v->pacer);
}

/* The domain's id: -1 when it is not running (or the connection is down). */
static int domain_id(NvConsoleView *v)
{
    NvConn *conn = v->base.conn;
    if (nv_conn_get_state(conn) != NV_CONN_CONNECTED)
        return -1;
    const NvModel *m = nv_conn_model(conn);
    for (guint i = 0; i < m->domains->len; i++) {
        const NvDomain *d = m->domains->pdata[i];
        if (strcmp(d->uuid, v->uuid) == 0)
            return d->id;
    }
    return -1;
}

static gboolean domain_running(NvConsoleView *v)
{
    return domain_id(v) >= 0;
}

static void open_console(NvConsoleView *v, const char *device)
{
    NvApp *app = v->base.app;
    v->console = nv_console_open(v->base.conn, v->uuid, device, FALSE);
    nv_console_set_listener(v->console, on_console_changed, v);
    nv_console_resize(v->console, MAX(1, nv_app_rows(app) - 1), nv_app_cols(app));
}

static void view_draw(NvView *view)
{
    NvConsoleView *v = (NvConsoleView *)view;
    NvApp *app = view->app;
    nv_pacer_painted(&v->pacer);
    if (v->console == NULL) {
        werase(stdscr);
        draw_header(v, NULL);
        draw_picker(v);
        curs_set(0);
        return;
    }
    const char *device = nv_console_get_device(v->console);
    if (device == NULL && v->choices->len == 1)
        device = ((NvChardev *)v->choices->pdata[0])->alias;
    draw_header(v, device);
    draw_screen(v, 1, nv_app_rows(app) - 1, nv_app_cols(app));
    draw_problem(v);
    int row, col;
    if (nv_console_get_state(v->console) == NV_CONSOLE_ATTACHED &&
        nv_console_get_cursor(v->console, &row, &col) && row + 1 < nv_app_rows(app) &&
        col < nv_app_cols(app)) {
        wmove(stdscr, row + 1, col);
        curs_set(1);
    } else {
        curs_set(0);
    }
}

/* The key bound to `action`, when there is exactly one, goes to the guest instead. */
static void pass_bound_key(NvConsoleView *v, NvAction action)
{
    g_autoptr(GArray) bindings = nv_keymap_bindings(nv_app_get_keymap(v->base.app), NV_CTX_CONSOLE);
    NvKey key = NV_KEY_NONE;
    for (guint i = 0; i < bindings->len; i++) {
        const NvBinding *b = &g_array_index(bindings, NvBinding, i);
        if (b->action != action)
            continue;
        if (key != NV_KEY_NONE)
            return;
        key = b->key;
    }
    if (key != NV_KEY_NONE)
        nv_console_key(v->console, key);
}

static gboolean view_action(NvView *view, NvAction action)
{
    NvConsoleView *v = (NvConsoleView *)view;
    int page = MAX(1, nv_app_rows(view->app) - 2);
    switch (action) {
    case NV_ACTION_CONSOLE_EXIT:
        return FALSE;
    case NV_ACTION_CONSOLE_FORCE:
        if (v->console == NULL)
            break;
        /* C-f means something to the guest's shell too: while attached, it is the guest's. */
        if (nv_console_get_state(v->console) == NV_CONSOLE_ATTACHED)
            pass_bound_key(v, action);
        else
            nv_console_reopen(v->console, TRUE);
        break;
    case NV_ACTION_SCROLL_UP:
        if (v->console)
            nv_console_scroll(v->console, page);
        break;
    case NV_ACTION_SCROLL_DOWN:
        if (v->console)
            nv_console_scroll(v->console, -page);
        break;
    default:
        break;
    }
    return TRUE;
}

static void picker_key(NvConsoleView *v, NvKey key)
{
    guint n = v->choices->len;
    switch (key) {
    case NV_KEY_UP:
    case 'k':
        v->pick = (v->pick + n - 1) % n;
        return;
    case NV_KEY_DOWN:
    case 'j':
        v->pick = (v->pick + 1) % n;
        return;
    case NV_KEY_ENTER:
        break;
    default:
        if (key >= '1' && key <= '9' && key - '1' < n) {
            v->pick = key - '1';
            break;
        }
        return;
    }
    const NvChardev *dev = v->choices->pdata[v->pick];
    open_console(v, dev->alias);
    nv_console_domain_state(v->console, domain_running(v));
}

static void view_key(NvView *view, NvKey key)
{
    NvConsoleView *v = (NvConsoleView *)view;
    if (v->console == NULL)
        picker_key(v, key);
    else
        nv_console_key(v->console, key);
}

static void view_resize(NvView *view)
{
    NvConsoleView *v = (NvConsoleView *)view;
    if (v->console)
        nv_console_resize(v->console, MAX(1, nv_app_rows(view->app) - 1), nv_app_cols(view->app));
}

static void view_model_changed(NvView *view, unsigned changes)
{
    NvConsoleView *v = (NvConsoleView *)view;
    int id = domain_id(v);
    /* A stop and start quicker than one refresh shows only as a new id: tell the console the
     * domain stopped in between, so it reattaches to the new run. */
    if (v->console && v->last_id >= 0 && id >= 0 && id != v->last_id)
        nv_console_domain_state(v->console, FALSE);
    v->last_id = id;
    if (v->console)
        nv_console_domain_state(v->console, id >= 0);
}

static void view_free(NvView *view)
{
    NvConsoleView *v = (NvConsoleView *)view;
    nv_pacer_clear(&v->pacer);
    nv_console_free(v->console);
    if (v->saved_cursor != ERR)
        curs_set(v->saved_cursor);
    g_ptr_array_unref(v->choices);
    g_free(v->uuid);
    g_free(v->name);
    g_free(v);
}

static const NvViewClass console_class = {
    .context = NV_CTX_CONSOLE,
    .draw = view_draw,
    .action = view_action,
    .key = view_key,
    .resize = view_resize,
    .model_changed = view_model_changed,
    .free = view_free,
};

static NvChardev *chardev_copy(const NvChardev *dev)
{
    NvChardev *copy = g_new0(NvChardev, 1);
    copy->kind = g_strdup(dev->kind);
    copy->type = g_strdup(dev->type);
    copy->port = dev->port;
    copy->alias = g_strdup(dev->alias);
    return copy;
}

/* The consoles worth offering: pty devices (libvirt can only open those), each once (the first
 * <console> is usually the first <serial> again, under the same alias). */
static GPtrArray *console_choices(NvConn *conn, const char *uuid)
{
    GPtrArray *out = g_ptr_array_new_with_free_func((GDestroyNotify)nv_chardev_free);
    const NvDomainDetails *d = nv_model_domain_details(nv_conn_model(conn), uuid, NULL);
    if (d == NULL)
        return out;
    for (guint i = 0; i < d->chardevs->len; i++) {
        const NvChardev *dev = d->chardevs->pdata[i];
        if (strcmp(dev->type, "pty") != 0)
            continue;
        gboolean seen = FALSE;
        for (guint j = 0; j < out->len && !seen; j++)
            seen = strcmp(((NvChardev *)out->pdata[j])->alias, dev->alias) == 0;
        if (!seen)
            g_ptr_array_add(out, chardev_copy(dev));
    }
    return out;
}

NvView *nv_view_console_new(NvApp *app, NvConn *conn, const char *uuid, const char *name)
{
    NvConsoleView *v = g_new0(NvConsoleView, 1);
    v->base.klass = &console_class;
    v->base.app = app;
    v->base.conn = conn;
    v->pacer = (NvPacer){.app = app, .interval_us = NV_CONSOLE_FRAME_US};
    v->uuid = g_strdup(uuid);
    v->last_id = -2;
    v->name = g_strdup(name);
    v->saved_cursor = curs_set(0);
    v->choices = console_choices(conn, uuid);
    /* One device (or details not loaded yet): libvirt's first console is the one. */
    if (v->choices->len <= 1) {
        open_console(v, NULL);
        nv_console_domain_state(v->console, domain_running(v));
    }
    return &v->base;
}
