/* Framebuffer to terminal cells, and cell grids to the escape sequences that repaint them.
 * Half blocks are computed here (area averages); quadrants and sextants go through libchafa. */
#include "cells.h"

#include <chafa.h>
#include <string.h>

#include "error.h"
#include "i18n.h"

#define SYM_UPPER_HALF 0x2580
#define SYM_FULL_BLOCK 0x2588

struct NvCellConverter {
    NvCellMode cell_mode;
    NvColorMode color_mode;
    NvPixelFormat format;
    int cols, rows;
    /* Quadrants and sextants: built on the first frame after a change of size or mode. */
    ChafaCanvas *canvas;
    /* Half blocks: per column of the grid, its source columns [xlo, xhi) and the channel sums of
     * the half cell being computed. Sized for `cols`. */
    int *xlo, *xhi;
    guint64 *sums;
    /* Finer modes: the frame with its X bytes set to 0xff, since chafa reads them as alpha. */
    guint32 *opaque;
    gsize opaque_len; /* in pixels */
};

/* --- Grids --- */

static void grid_resize(NvCellGrid *grid, int cols, int rows)
{
    if (grid->cols == cols && grid->rows == rows)
        return;
    g_free(grid->cells);
    grid->cols = cols;
    grid->rows = rows;
    size_t n = (size_t)cols * (size_t)rows;
    grid->cells = n > 0 ? g_new(NvCell, n) : NULL;
    for (size_t i = 0; i < n; i++)
        grid->cells[i] = (NvCell){' ', 0, 0};
}

NvCellGrid *nv_cell_grid_new(int cols, int rows)
{
    NvCellGrid *grid = g_new0(NvCellGrid, 1);
    grid_resize(grid, CLAMP(cols, 0, NV_CELL_GRID_MAX), CLAMP(rows, 0, NV_CELL_GRID_MAX));
    return grid;
}

void nv_cell_grid_free(NvCellGrid *grid)
{
    if (grid == NULL)
        return;
    g_free(grid->cells);
    g_free(grid);
}

gboolean nv_cell_grid_equal(const NvCellGrid *a, const NvCellGrid *b)
{
    if (a == b)
        return TRUE;
    if (a == NULL || b == NULL || a->cols != b->cols || a->rows != b->rows)
        return FALSE;
    size_t n = (size_t)a->cols * (size_t)a->rows;
    return n == 0 || memcmp(a->cells, b->cells, n * sizeof(NvCell)) == 0;
}

/* --- Converter --- */

NvCellConverter *nv_cell_converter_new(NvCellMode cell_mode, NvColorMode color_mode, int cols,
                                       int rows)
{
    NvCellConverter *conv = g_new0(NvCellConverter, 1);
    conv->format = NV_PIXEL_BGRX;
    nv_cell_converter_set_mode(conv, cell_mode, color_mode);
    nv_cell_converter_set_size(conv, cols, rows);
    return conv;
}

static void drop_canvas(NvCellConverter *conv)
{
    if (conv->canvas != NULL)
        chafa_canvas_unref(conv->canvas);
    conv->canvas = NULL;
}

void nv_cell_converter_free(NvCellConverter *conv)
{
    if (conv == NULL)
        return;
    drop_canvas(conv);
    g_free(conv->xlo);
    g_free(conv->xhi);
    g_free(conv->sums);
    g_free(conv->opaque);
    g_free(conv);
}

void nv_cell_converter_set_size(NvCellConverter *conv, int cols, int rows)
{
    cols = CLAMP(cols, 1, NV_CELL_GRID_MAX);
    rows = CLAMP(rows, 1, NV_CELL_GRID_MAX);
    if (conv->cols == cols && conv->rows == rows)
        return;
    conv->cols = cols;
    conv->rows = rows;
    drop_canvas(conv);
    g_free(conv->xlo);
    g_free(conv->xhi);
    g_free(conv->sums);
    conv->xlo = g_new(int, cols);
    conv->xhi = g_new(int, cols);
    conv->sums = g_new(guint64, (size_t)cols * 3);
}

void nv_cell_converter_set_mode(NvCellConverter *conv, NvCellMode cell_mode, NvColorMode color_mode)
{
    if (cell_mode != NV_CELL_QUADRANT && cell_mode != NV_CELL_SEXTANT)
        cell_mode = NV_CELL_HALF;
    if (color_mode != NV_COLOR_256)
        color_mode = NV_COLOR_TRUE;
    if (conv->cell_mode == cell_mode && conv->color_mode == color_mode)
        return;
    conv->cell_mode = cell_mode;
    conv->color_mode = color_mode;
    drop_canvas(conv);
}

void nv_cell_converter_set_pixel_format(NvCellConverter *conv, NvPixelFormat format)
{
    conv->format = format == NV_PIXEL_RGBX ? NV_PIXEL_RGBX : NV_PIXEL_BGRX;
}

static gboolean check_frame(const uint8_t *pixels, int width, int height, int stride, GError **err)
{
    if (pixels == NULL) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("no framebuffer to draw"));
        return FALSE;
    }
    if (width < 1 || height < 1 || width > NV_FRAME_MAX_DIM || height > NV_FRAME_MAX_DIM) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    _("framebuffer size %dx%d is out of range (1 to %d pixels a side)"), width,
                    height, NV_FRAME_MAX_DIM);
        return FALSE;
    }
    /* width * 4 cannot overflow after the check above. */
    if (stride < width * 4) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("framebuffer row of %d bytes is shorter than %d pixel",
                             "framebuffer row of %d bytes is shorter than %d pixels",
                             (unsigned long)width),
                    stride, width);
        return FALSE;
    }
    gsize span;
    if (!g_size_checked_mul(&span, (gsize)(height - 1), (gsize)stride) ||
        !g_size_checked_add(&span, span, (gsize)width * 4)) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("framebuffer of %d row of %d bytes does not fit in memory",
                             "framebuffer of %d rows of %d bytes does not fit in memory",
                             (unsigned long)height),
                    height, stride);
        return FALSE;
    }
    return TRUE;
}

/* The source pixels [*lo, *hi) that target pixel i of n covers when `size` source pixels are
 * shared out: a partition when shrinking, one pixel (the nearest) each when growing. */
static void source_span(int i, int n, int size, int *lo, int *hi)
{
    *lo = (int)((gint64)i * size / n);
    *hi = (int)((gint64)(i + 1) * size / n);
    if (*hi <= *lo)
        *hi = *lo + 1;
}

/* Nearest colour of the xterm palette outside the themable 0..15: the 6x6x6 cube (per channel
 * nearest level) or the grey ramp (nearest to the mean), whichever is closer. */
static uint32_t rgb_to_256(uint32_t rgb)
{
    static const int level[6] = {0, 95, 135, 175, 215, 255};
    int c[3] = {(rgb >> 16) & 0xff, (rgb >> 8) & 0xff, rgb & 0xff};
    int idx[3];
    for (int i = 0; i < 3; i++)
        idx[i] = c[i] < 48 ? 0 : c[i] < 115 ? 1 : (c[i] - 35) / 40;
    int mean = (c[0] + c[1] + c[2]) / 3;
    int grey = CLAMP((mean - 3) / 10, 0, 23);
    int grey_value = 8 + 10 * grey;
    int cube_dist = 0, grey_dist = 0;
    for (int i = 0; i < 3; i++) {
        int dc = c[i] - level[idx[i]], dg = c[i] - grey_value;
        cube_dist += dc * dc;
        grey_dist += dg * dg;
    }
    if (grey_dist < cube_dist)
        return 232 + (uint32_t)grey;
    return 16 + (uint32_t)(36 * idx[0] + 6 * idx[1] + idx[2]);
}

/* Adds one source row's pixels to the sums of every grid column. Inlined once per byte order so
 * the channel offsets are constants in the hot loop. */
static inline void sum_row(NvCellConverter *conv, const uint8_t *line, int ro, int go, int bo)
{
    for (int c = 0; c < conv->cols; c++) {
        /* At most NV_FRAME_MAX_DIM * 255 per row: fits 32 bits. */
        guint32 r = 0, g = 0, b = 0;
        for (int x = conv->xlo[c]; x < conv->xhi[c]; x++) {
            const uint8_t *p = line + (gsize)x * 4;
            r += p[ro];
            g += p[go];
            b += p[bo];
        }
        conv->sums[c * 3] += r;
        conv->sums[c * 3 + 1] += g;
        conv->sums[c * 3 + 2] += b;
    }
}

/* ▀ needs no choice of symbol: its fg is the average of the upper half of the cell's area and
 * its bg of the lower half. Done here because chafa spends ~40 ms a frame to find the same. */
static void half_blocks(NvCellConverter *conv, const uint8_t *pixels, int width, int height,
                        int stride, NvCellGrid *out)
{
    int cols = conv->cols, halves = conv->rows * 2;
    for (int c = 0; c < cols; c++)
        source_span(c, cols, width, &conv->xlo[c], &conv->xhi[c]);
    for (int h = 0; h < halves; h++) {
        int ylo, yhi;
        source_span(h, halves, height, &ylo, &yhi);
        memset(conv->sums, 0, (gsize)cols * 3 * sizeof(guint64));
        for (int y = ylo; y < yhi; y++) {
            const uint8_t *line = pixels + (gsize)y * (gsize)stride;
            if (conv->format == NV_PIXEL_BGRX)
                sum_row(conv, line, 2, 1, 0);
            else
                sum_row(conv, line, 0, 1, 2);
        }
        NvCell *row = out->cells + (gsize)(h / 2) * (gsize)cols;
        for (int c = 0; c < cols; c++) {
            guint64 n = (guint64)(conv->xhi[c] - conv->xlo[c]) * (guint64)(yhi - ylo);
            const guint64 *s = conv->sums + c * 3;
            uint32_t rgb = (uint32_t)((s[0] + n / 2) / n) << 16 |
                           (uint32_t)((s[1] + n / 2) / n) << 8 | (uint32_t)((s[2] + n / 2) / n);
            if (conv->color_mode == NV_COLOR_256)
                rgb = rgb_to_256(rgb);
            if (h % 2 == 0) {
                row[c].ch = SYM_UPPER_HALF;
                row[c].fg = rgb;
            } else {
                row[c].bg = rgb;
            }
        }
    }
}

static ChafaSymbolMap *symbol_map_for(NvCellMode mode)
{
    ChafaSymbolMap *map = chafa_symbol_map_new();
    /* Explicit code points rather than tags: the painter and the tests know exactly these. */
    chafa_symbol_map_add_by_range(map, ' ', ' ');
    chafa_symbol_map_add_by_range(map, SYM_FULL_BLOCK, SYM_FULL_BLOCK);
    chafa_symbol_map_add_by_range(map, 0x258c, 0x258c); /* ▌ */
    chafa_symbol_map_add_by_range(map, 0x2590, 0x2590); /* ▐ */
    if (mode == NV_CELL_SEXTANT) {
        chafa_symbol_map_add_by_range(map, 0x1fb00, 0x1fb3b);
    } else {
        chafa_symbol_map_add_by_range(map, SYM_UPPER_HALF, SYM_UPPER_HALF);
        chafa_symbol_map_add_by_range(map, 0x2584, 0x2584); /* ▄ */
        chafa_symbol_map_add_by_range(map, 0x2596, 0x259f); /* quadrants */
    }
    return map;
}

static ChafaCanvas *canvas_for(NvCellConverter *conv)
{
    if (conv->canvas != NULL)
        return conv->canvas;
    ChafaSymbolMap *map = symbol_map_for(conv->cell_mode);
    ChafaCanvasConfig *config = chafa_canvas_config_new();
    chafa_canvas_config_set_geometry(config, conv->cols, conv->rows);
    /* 240, not 256: palette entries 0..15 are whatever the user's theme made them. */
    chafa_canvas_config_set_canvas_mode(config, conv->color_mode == NV_COLOR_256
                                                    ? CHAFA_CANVAS_MODE_INDEXED_240
                                                    : CHAFA_CANVAS_MODE_TRUECOLOR);
    chafa_canvas_config_set_symbol_map(config, map);
    /* Speed over finesse: a console frame is replaced a moment later. Preprocessing would also
     * change colours (it boosts contrast in the indexed modes). */
    chafa_canvas_config_set_work_factor(config, 0.0f);
    chafa_canvas_config_set_dither_mode(config, CHAFA_DITHER_MODE_NONE);
    chafa_canvas_config_set_preprocessing_enabled(config, FALSE);
    chafa_canvas_config_set_color_extractor(config, CHAFA_COLOR_EXTRACTOR_AVERAGE);
    /* Belt and braces with opaque_copy(): 1.0 makes chafa draw no pixel as transparent. */
    chafa_canvas_config_set_transparency_threshold(config, 1.0f);
    conv->canvas = chafa_canvas_new(config);
    chafa_canvas_config_unref(config);
    chafa_symbol_map_unref(map);
    return conv->canvas;
}

static uint32_t chafa_color(NvColorMode mode, gint raw)
{
    if (mode == NV_COLOR_256)
        return raw >= 16 && raw <= 255 ? (uint32_t)raw : 16;
    return raw < 0 ? 0 : (uint32_t)raw & 0xffffff;
}

/* A packed copy of the frame whose fourth bytes say "opaque". The server's X bytes are junk
 * (often 0): chafa would take them for alpha, and even with transparency off they sway its
 * choice of symbols. */
static const guint32 *opaque_copy(NvCellConverter *conv, const uint8_t *pixels, int width,
                                  int height, int stride, GError **err)
{
    gsize n = (gsize)width * (gsize)height; /* at most 2^28: checked by check_frame */
    if (conv->opaque_len < n) {
        g_free(conv->opaque);
        conv->opaque_len = 0;
        conv->opaque = g_try_new(guint32, n);
        if (conv->opaque == NULL) {
            g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("no memory for a framebuffer of %dx%d"),
                        width, height);
            return NULL;
        }
        conv->opaque_len = n;
    }
    /* Byte 3 in memory, whatever the host's byte order. */
    const union {
        uint8_t b[4];
        guint32 u;
    } alpha = {{0, 0, 0, 0xff}};
    for (int y = 0; y < height; y++) {
        const uint8_t *src = pixels + (gsize)y * (gsize)stride;
        guint32 *dst = conv->opaque + (gsize)y * (gsize)width;
        for (int x = 0; x < width; x++) {
            guint32 px;
            memcpy(&px, src + (gsize)x * 4, 4);
            dst[x] = px | alpha.u;
        }
    }
    return conv->opaque;
}

static gboolean chafa_blocks(NvCellConverter *conv, const uint8_t *pixels, int width, int height,
                             int stride, NvCellGrid *out, GError **err)
{
    const guint32 *opaque = opaque_copy(conv, pixels, width, height, stride, err);
    if (opaque == NULL)
        return FALSE;
    ChafaCanvas *canvas = canvas_for(conv);
    ChafaPixelType type = conv->format == NV_PIXEL_BGRX ? CHAFA_PIXEL_BGRA8_UNASSOCIATED
                                                        : CHAFA_PIXEL_RGBA8_UNASSOCIATED;
    chafa_canvas_draw_all_pixels(canvas, type, (const guint8 *)opaque, width, height, width * 4);
    grid_resize(out, conv->cols, conv->rows);
    g_assert(out->cells != NULL); /* a converter's grid is at least 1x1 */
    for (int y = 0; y < conv->rows; y++) {
        for (int x = 0; x < conv->cols; x++) {
            NvCell *cell = &out->cells[(gsize)y * (gsize)conv->cols + (gsize)x];
            gint fg, bg;
            chafa_canvas_get_raw_colors_at(canvas, x, y, &fg, &bg);
            cell->ch = chafa_canvas_get_char_at(canvas, x, y);
            cell->fg = chafa_color(conv->color_mode, fg);
            cell->bg = chafa_color(conv->color_mode, bg);
            /* A colour nobody sees must not make two equal-looking cells differ. */
            if (cell->ch == ' ')
                cell->fg = cell->bg;
            else if (cell->ch == SYM_FULL_BLOCK)
                cell->bg = cell->fg;
        }
    }
    return TRUE;
}

gboolean nv_cells_from_frame(NvCellConverter *conv, const uint8_t *pixels, int width, int height,
                             int stride, NvCellGrid *out, GError **err)
{
    g_return_val_if_fail(conv != NULL && out != NULL, FALSE);
    if (!check_frame(pixels, width, height, stride, err))
        return FALSE;
    if (conv->cell_mode != NV_CELL_HALF)
        return chafa_blocks(conv, pixels, width, height, stride, out, err);
    grid_resize(out, conv->cols, conv->rows);
    g_assert(out->cells != NULL); /* a converter's grid is at least 1x1 */
    half_blocks(conv, pixels, width, height, stride, out);
    return TRUE;
}

/* --- Painter --- */

typedef struct {
    GString *out;
    NvColorMode mode;
    int row, col; /* where the terminal's cursor is; -1 before the first move */
    gboolean have_fg, have_bg;
    uint32_t fg, bg; /* the terminal's current colours, when have_fg / have_bg */
} Painter;

/* Only symbols known to take one column and to do nothing but print: the cursor bookkeeping
 * depends on it, and a grid is plain data that anyone could have filled. */
static uint32_t safe_symbol(uint32_t ch)
{
    if ((ch >= 0x20 && ch < 0x7f) || (ch >= 0x2580 && ch <= 0x259f) ||
        (ch >= 0x1fb00 && ch <= 0x1fb3b))
        return ch;
    return ' ';
}

/* Decimal digits without printf: a full repaint appends tens of thousands of numbers. */
static void append_uint(GString *out, unsigned v)
{
    char buf[16];
    int n = 0;
    do {
        buf[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v > 0);
    while (n > 0)
        g_string_append_c(out, buf[--n]);
}

static void append_color(Painter *p, gboolean background, uint32_t color)
{
    g_string_append(p->out, background ? "48;" : "38;");
    if (p->mode == NV_COLOR_256) {
        g_string_append(p->out, "5;");
        append_uint(p->out, color & 0xff);
        return;
    }
    g_string_append(p->out, "2;");
    append_uint(p->out, (color >> 16) & 0xff);
    g_string_append_c(p->out, ';');
    append_uint(p->out, (color >> 8) & 0xff);
    g_string_append_c(p->out, ';');
    append_uint(p->out, color & 0xff);
}

static void paint_cell(Painter *p, int row, int col, const NvCell *cell)
{
    uint32_t ch = safe_symbol(cell->ch);
    if (row != p->row || col != p->col) {
        g_string_append(p->out, "\033[");
        append_uint(p->out, (unsigned)row + 1);
        g_string_append_c(p->out, ';');
        append_uint(p->out, (unsigned)col + 1);
        g_string_append_c(p->out, 'H');
    }
    /* A space shows only its bg and a full block only its fg: the other may stay as it is. */
    gboolean set_fg = ch != ' ' && (!p->have_fg || p->fg != cell->fg);
    gboolean set_bg = ch != SYM_FULL_BLOCK && (!p->have_bg || p->bg != cell->bg);
    if (set_fg || set_bg) {
        g_string_append(p->out, "\033[");
        if (set_fg)
            append_color(p, FALSE, cell->fg);
        if (set_fg && set_bg)
            g_string_append_c(p->out, ';');
        if (set_bg)
            append_color(p, TRUE, cell->bg);
        g_string_append_c(p->out, 'm');
    }
    if (set_fg) {
        p->fg = cell->fg;
        p->have_fg = TRUE;
    }
    if (set_bg) {
        p->bg = cell->bg;
        p->have_bg = TRUE;
    }
    g_string_append_unichar(p->out, ch);
    p->row = row;
    p->col = col + 1;
}

void nv_cells_paint(const NvCellGrid *old, const NvCellGrid *new_grid, int origin_row,
                    int origin_col, NvColorMode mode, GString *out)
{
    if (new_grid == NULL || out == NULL || new_grid->cells == NULL)
        return;
    gboolean all = old == NULL || old->cells == NULL || old->cols != new_grid->cols ||
                   old->rows != new_grid->rows;
    /* The terminal's colours are unknown at the start: the first cell sets both. */
    Painter p = {.out = out, .mode = mode, .row = -1, .col = -1};
    gsize written_from = out->len;
    origin_row = MAX(origin_row, 0);
    origin_col = MAX(origin_col, 0);
    for (int r = 0; r < new_grid->rows; r++) {
        gsize base = (gsize)r * (gsize)new_grid->cols;
        for (int c = 0; c < new_grid->cols; c++) {
            const NvCell *cell = &new_grid->cells[base + (gsize)c];
            if (!all && memcmp(cell, &old->cells[base + (gsize)c], sizeof(NvCell)) == 0)
                continue;
            paint_cell(&p, origin_row + r, origin_col + c, cell);
        }
    }
    if (out->len > written_from)
        g_string_append(out, "\033[0m");
}
