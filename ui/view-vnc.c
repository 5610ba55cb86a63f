/* The graphical console: a domain's VNC display drawn in the terminal with block symbols.
 * It writes the terminal itself (curses cannot hold thousands of colours), and only the cells
 * that changed; C-] opens a small menu: leave, send a key, screenshot, drawing mode. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "keymap-keysym.h"
#include "vnc-png.h"
#include "ui-internal.h"
#include "vnc-domain.h"

#define NV_VNC_FPS 15

typedef enum { MENU_NONE, MENU_MAIN, MENU_SENDKEY } MenuState;

typedef struct VncView {
    NvView base;
    char *uuid;
    char *name;
    NvVnc *vnc;
    NvVncOpen *opening;
    struct VncView **opening_link; /* the open's data: cleared when the view goes first */
    NvCellConverter *converter;
    NvCellMode mode;
    NvColorMode colors;
    NvCellGrid *shown; /* what the terminal shows now, NULL after a full clear */
    int fb_w, fb_h;
    int grid_top, grid_left, grid_cols, grid_rows; /* where the frame sits on the screen */
    NvPacer pacer;                                 /* at most NV_VNC_FPS paints a second */
    MenuState menu;
    char *status; /* the top line */
    gboolean status_dirty;
    gboolean connected;
} VncView;

static const char *mode_name(NvCellMode mode)
{
    switch (mode) {
    case NV_CELL_QUADRANT:
        return _("quadrants");
    case NV_CELL_SEXTANT:
        return _("sextants");
    default:
        return _("half blocks");
    }
}

static NvColorMode detect_colors(void)
{
    const char *ct = g_getenv("COLORTERM");
    if (ct && (strstr(ct, "truecolor") || strstr(ct, "24bit")))
        return NV_COLOR_TRUE;
    return NV_COLOR_256;
}

static void set_status(VncView *v, const char *text)
{
    g_free(v->status);
    v->status = g_strdup(text);
    v->status_dirty = TRUE;
    nv_app_dirty(v->base.app);
}

static void write_all(const char *buf, gsize len)
{
    while (len > 0) {
        ssize_t n = write(STDOUT_FILENO, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* the terminal is gone; the stdin watch ends the program */
        buf += n;
        len -= (gsize)n;
    }
}

/* Fits the frame into the screen below the status line, keeping its shape: a cell is about
 * twice as tall as wide, and each mode packs 2 (half) or 3 (sextant) pixel rows per cell. */
static void layout(VncView *v)
{
    NvApp *app = v->base.app;
    int cols = MAX(1, nv_app_cols(app)), rows = MAX(1, nv_app_rows(app) - 1);
    v->grid_cols = cols;
    v->grid_rows = rows;
    if (v->fb_w > 0 && v->fb_h > 0) {
        /* Screen pixels are square at 2 rows per cell: compare the aspect in those units. */
        double frame = (double)v->fb_w / v->fb_h, screen = (double)cols / (rows * 2.0);
        if (frame > screen)
            v->grid_rows = MAX(1, (int)(cols / frame / 2.0 + 0.5));
        else
            v->grid_cols = MAX(1, (int)(rows * 2.0 * frame + 0.5));
        v->grid_rows = MIN(v->grid_rows, rows);
        v->grid_cols = MIN(v->grid_cols, cols);
    }
    v->grid_top = 1 + (rows - v->grid_rows) / 2;
    v->grid_left = (cols - v->grid_cols) / 2;
    nv_cell_converter_set_size(v->converter, v->grid_cols, v->grid_rows);
}

static void paint_status(VncView *v, GString *out)
{
    NvApp *app = v->base.app;
    g_autofree char *menu_key = NULL;
    g_autoptr(GArray) binds = nv_keymap_bindings(nv_app_get_keymap(app), NV_CTX_VNC);
    for (guint i = 0; i < binds->len && !menu_key; i++)
        if (g_array_index(binds, NvBinding, i).action == NV_ACTION_VNC_MENU)
            menu_key = nv_key_name(g_array_index(binds, NvBinding, i).key);
    g_autofree char *line = NULL;
    if (v->menu == MENU_MAIN)
        line = g_strdup(_(" q leave · k send key · s screenshot · m drawing mode · Esc back"));
    else if (v->menu == MENU_SENDKEY) {
        guint n = 0;
        const NvKeysymCombo *combos = nv_keysym_combos(&n);
        GString *s = g_string_new(_(" send:"));
        for (guint i = 0; i < n && i < 26; i++)
            g_string_append_printf(s, " %c=%s", 'a' + i, _(combos[i].name));
        line = g_string_free(s, FALSE);
    } else {
        line = g_strdup_printf(_(" VNC  %s  %dx%d  %s  %s  %s menu"), v->name, v->fb_w, v->fb_h,
                               mode_name(v->mode),
                               v->colors == NV_COLOR_TRUE ? _("truecolor") : _("256 colours"),
                               menu_key ? menu_key : "?");
        if (v->status) {
            char *with_status = g_strconcat(line, "  ", v->status, NULL);
            g_free(line);
            line = with_status;
        }
    }
    g_autofree char *fitted = nv_text_pad(line, nv_app_cols(app));
    g_string_append(out, "\033[1;1H\033[0;7m");
    g_string_append(out, fitted);
    g_string_append(out, "\033[0m");
}

static void draw(NvView *view)
{
    VncView *v = (VncView *)view;
    NvApp *app = view->app;
    nv_pacer_painted(&v->pacer);
    g_autoptr(GString) out = g_string_new(NULL);
    if (!v->shown) {
        /* After opening, a resize or a dialog: start from a blank screen. */
        g_string_append(out, "\033[0m\033[?25l\033[2J");
        v->status_dirty = TRUE;
    }
    if (v->status_dirty || v->menu != MENU_NONE) {
        paint_status(v, out);
        v->status_dirty = FALSE;
    }
    const uint8_t *pixels;
    int w, h, stride;
    nv_vnc_lock_frame(v->vnc, &pixels, &w, &h, &stride);
    g_autoptr(NvCellGrid) grid = NULL;
    g_autoptr(GError) err = NULL;
    if (pixels && w > 0 && h > 0) {
        if (w != v->fb_w || h != v->fb_h) {
            v->fb_w = w;
            v->fb_h = h;
            layout(v);
            g_clear_pointer(&v->shown, nv_cell_grid_free);
            g_string_append(out, "\033[0m\033[2J");
            paint_status(v, out);
        }
        grid = nv_cell_grid_new(v->grid_cols, v->grid_rows);
        if (!nv_cells_from_frame(v->converter, pixels, w, h, stride, grid, &err))
            g_clear_pointer(&grid, nv_cell_grid_free);
    }
    nv_vnc_unlock_frame(v->vnc);
    if (grid) {
        nv_cells_paint(v->shown, grid, v->grid_top, v->grid_left, v->colors, out);
        g_clear_pointer(&v->shown, nv_cell_grid_free);
        v->shown = g_steal_pointer(&grid);
    } else if (!v->shown) {
        /* Nothing to show yet: keep the blank screen, remember it is painted. */
        v->shown = nv_cell_grid_new(0, 0);
    }
    if (err)
        set_status(v, err->message);
    write_all(out->str, out->len);
    (void)app;
}

/* At most NV_VNC_FPS paints a second; a still display costs nothing (no timer runs). */
static void frame_changed(NvVnc *vnc, int x, int y, int w, int h, gpointer data)
{
    VncView *v = data;
    nv_pacer_changed(&v->pacer);
}

static void resized(NvVnc *vnc, int w, int h, gpointer data)
{
    VncView *v = data;
    v->connected = TRUE;
    set_status(v, NULL);
    frame_changed(vnc, 0, 0, w, h, data);
}

static void password_answer(NvApp *app, const char *answer, gpointer data)
{
    VncView *v = data;
    if (nv_app_get_view(app) != &v->base)
        return; /* the view went away while the question was open */
    nv_vnc_set_password(v->vnc, answer);
}

static void need_password(NvVnc *vnc, gpointer data)
{
    VncView *v = data;
    g_autofree char *msg = g_strdup_printf(_("VNC password for %s (not stored):"), v->name);
    nv_app_prompt(v->base.app, _("VNC password"), msg, TRUE, password_answer, v);
}

static void closed(NvVnc *vnc, const GError *why, gpointer data)
{
    VncView *v = data;
    NvApp *app = v->base.app;
    g_autofree char *msg =
        why ? g_strdup_printf(_("The VNC display of '%s' closed: %s"), v->name, why->message)
            : g_strdup_printf(_("The VNC display of '%s' closed."), v->name);
    nv_app_close_view(app);
    nv_app_message(app, msg, why != NULL);
}

static void opened(NvConn *conn, NvAsyncResult *res, gpointer data)
{
    VncView *v = *(VncView **)data;
    g_autoptr(GError) err = NULL;
    gboolean started = nv_vnc_open_domain_finish(res, &err);
    if (!v)
        return; /* cancelled: the view is gone */
    v->opening = NULL;
    v->opening_link = NULL; /* freed with the open's data */
    if (started)
        return;
    NvApp *app = v->base.app;
    g_autofree char *msg =
        g_strdup_printf(_("Cannot open the VNC display of '%s': %s"), v->name, err->message);
    nv_app_close_view(app);
    nv_app_message(app, msg, TRUE);
}

static void screenshot(VncView *v)
{
    const char *dir = g_get_user_special_dir(G_USER_DIRECTORY_PICTURES);
    if (!dir || !g_file_test(dir, G_FILE_TEST_IS_DIR))
        dir = g_get_home_dir();
    g_autoptr(GDateTime) now = g_date_time_new_now_local();
    g_autofree char *stamp = g_date_time_format(now, "%Y%m%d-%H%M%S");
    g_autofree char *safe = g_strdup(v->name);
    g_strcanon(safe, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", '_');
    g_autofree char *file = g_strdup_printf("ncvirt-%s-%s.png", safe, stamp);
    g_autofree char *path = g_build_filename(dir, file, NULL);
    const uint8_t *pixels;
    int w, h, stride;
    g_autoptr(GError) err = NULL;
    /* Copy under the lock, compress after: the session thread must not wait on zlib. */
    nv_vnc_lock_frame(v->vnc, &pixels, &w, &h, &stride);
    g_autofree uint8_t *copy = pixels ? g_memdup2(pixels, (gsize)h * (gsize)stride) : NULL;
    nv_vnc_unlock_frame(v->vnc);
    gboolean ok = copy && nv_png_write(path, copy, w, h, stride, &err);
    g_autofree char *msg = ok ? g_strdup_printf(_("screenshot %dx%d saved to %s"), w, h, path)
                              : g_strdup_printf(_("cannot save a screenshot: %s"),
                                                err ? err->message : _("no picture yet"));
    set_status(v, msg);
}

static void cycle_mode(VncView *v)
{
    v->mode = v->mode == NV_CELL_HALF       ? NV_CELL_QUADRANT
              : v->mode == NV_CELL_QUADRANT ? NV_CELL_SEXTANT
                                            : NV_CELL_HALF;
    nv_cell_converter_set_mode(v->converter, v->mode, v->colors);
    g_clear_pointer(&v->shown, nv_cell_grid_free);
}

static gboolean action(NvView *view, NvAction a)
{
    VncView *v = (VncView *)view;
    if (a == NV_ACTION_VNC_MENU) {
        v->menu = MENU_MAIN;
        v->status_dirty = TRUE;
    }
    return TRUE;
}

/* Keys while the menu is open, looked up in the "vnc-menu" context. */
static gboolean menu_key(VncView *v, NvKey key)
{
    NvApp *app = v->base.app;
    if (v->menu == MENU_SENDKEY) {
        guint n = 0;
        const NvKeysymCombo *combos = nv_keysym_combos(&n);
        if (key >= 'a' && key < 'a' + MIN(n, 26u)) {
            const NvKeysymCombo *c = &combos[key - 'a'];
            nv_vnc_send_keys(v->vnc, c->keysyms, c->n);
            g_autofree char *msg = g_strdup_printf(_("sent %s"), _(c->name));
            set_status(v, msg);
        }
        v->menu = MENU_NONE;
        v->status_dirty = TRUE;
        return TRUE;
    }
    NvAction a = nv_keymap_lookup(nv_app_get_keymap(app), NV_CTX_VNC_MENU, key);
    v->menu = MENU_NONE;
    v->status_dirty = TRUE;
    switch (a) {
    case NV_ACTION_CONSOLE_EXIT:
        return FALSE;
    case NV_ACTION_SEND_KEY:
        v->menu = MENU_SENDKEY;
        break;
    case NV_ACTION_SCREENSHOT:
        screenshot(v);
        break;
    case NV_ACTION_CELL_MODE:
        cycle_mode(v);
        break;
    default:
        break;
    }
    return TRUE;
}

static void key(NvView *view, NvKey k)
{
    VncView *v = (VncView *)view;
    if (v->menu != MENU_NONE) {
        if (!menu_key(v, k))
            nv_app_close_view(view->app);
        return;
    }
    uint32_t keysyms[NV_KEYSYM_MAX_CHORD];
    int n = nv_keysym_from_key(k, keysyms, G_N_ELEMENTS(keysyms));
    if (n > 0)
        nv_vnc_send_keys(v->vnc, keysyms, n);
}

static void mouse(NvView *view, int y, int x, unsigned long buttons)
{
    VncView *v = (VncView *)view;
    if (v->fb_w <= 0 || v->grid_cols <= 0 || v->grid_rows <= 0)
        return;
    int gx = x - v->grid_left, gy = y - v->grid_top;
    if (gx < 0 || gy < 0 || gx >= v->grid_cols || gy >= v->grid_rows)
        return;
    /* The centre of the cell, in framebuffer pixels. */
    int fx = (int)(((double)gx + 0.5) * v->fb_w / v->grid_cols);
    int fy = (int)(((double)gy + 0.5) * v->fb_h / v->grid_rows);
    int mask = 0;
    if (buttons & (BUTTON1_PRESSED | BUTTON1_CLICKED))
        mask |= 1;
    if (buttons & (BUTTON2_PRESSED | BUTTON2_CLICKED))
        mask |= 2;
    if (buttons & (BUTTON3_PRESSED | BUTTON3_CLICKED))
        mask |= 4;
    if (buttons & BUTTON4_PRESSED)
        mask |= 8;
#ifdef BUTTON5_PRESSED
    if (buttons & BUTTON5_PRESSED)
        mask |= 16;
#endif
    nv_vnc_send_pointer(v->vnc, fx, fy, mask);
    if (buttons & (BUTTON1_CLICKED | BUTTON2_CLICKED | BUTTON3_CLICKED) || mask & (8 | 16))
        nv_vnc_send_pointer(v->vnc, fx, fy, 0); /* a click or a wheel step is press+release */
}

static void view_resize(NvView *view)
{
    VncView *v = (VncView *)view;
    layout(v);
    g_clear_pointer(&v->shown, nv_cell_grid_free);
}

static void view_free(NvView *view)
{
    VncView *v = (VncView *)view;
    if (v->opening) {
        nv_vnc_open_cancel(v->opening);
        *v->opening_link = NULL; /* the open's data, freed when it answers */
    }
    nv_pacer_clear(&v->pacer);
    nv_vnc_free(v->vnc);
    nv_cell_converter_free(v->converter);
    nv_cell_grid_free(v->shown);
    mousemask(0, NULL);
    write_all("\033[0m", 4);
    g_free(v->uuid);
    g_free(v->name);
    g_free(v->status);
    g_free(v);
}

static const NvViewClass vnc_view_class = {
    .context = NV_CTX_VNC,
    .draw = draw,
    .action = action,
    .key = key,
    .mouse = mouse,
    .resize = view_resize,
    .free = view_free,
    .raw = TRUE,
};

NvView *nv_view_vnc_new(NvApp *app, NvConn *conn, const char *uuid, const char *name)
{
    VncView *v = g_new0(VncView, 1);
    v->base.klass = &vnc_view_class;
    v->base.app = app;
    v->base.conn = conn;
    v->pacer = (NvPacer){.app = app, .interval_us = G_USEC_PER_SEC / NV_VNC_FPS};
    v->uuid = g_strdup(uuid);
    v->name = g_strdup(name);
    v->mode = NV_CELL_HALF;
    v->colors = detect_colors();
    v->converter = nv_cell_converter_new(v->mode, v->colors, MAX(1, nv_app_cols(app)),
                                         MAX(1, nv_app_rows(app) - 1));
    nv_cell_converter_set_pixel_format(v->converter, NV_PIXEL_RGBX);
    v->vnc = nv_vnc_new();
    const NvVncCallbacks cb = {
        .frame_changed = frame_changed,
        .resized = resized,
        .need_password = need_password,
        .closed = closed,
    };
    nv_vnc_set_callbacks(v->vnc, &cb, v);
    layout(v);
    set_status(v, _("connecting…"));
    mousemask(ALL_MOUSE_EVENTS | REPORT_MOUSE_POSITION, NULL);
    v->opening_link = g_new(VncView *, 1);
    *v->opening_link = v;
    v->opening = nv_vnc_open_domain_async(conn, uuid, v->vnc, opened, v->opening_link, g_free);
    return &v->base;
}
