/* Unit tests of cells.c: synthetic frames turned into cells (checked by the colours each cell
 * shows, so that equivalent symbol choices pass), hostile frame sizes, and the diff painter
 * (replayed on a small terminal model). */
#include <chafa.h>
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"
#include "error.h"

#define RED 0xff0000u
#define GREEN 0x00ff00u
#define BLUE 0x0000ffu
#define WHITE 0xffffffu
#define UPPER_HALF 0x2580u
#define FULL_BLOCK 0x2588u

/* --- Frames --- */

typedef uint32_t (*Pattern)(int x, int y, int width, int height);

typedef struct {
    uint8_t *pixels;
    int width, height, stride;
} Frame;

/* BGRX (or RGBX) pixels from a pattern of 0xRRGGBB; `x_byte` fills the ignored fourth byte
 * (-1: a different value per pixel). Rows are padded to show that the stride is honoured. */
static Frame frame_new(Pattern pattern, int width, int height, NvPixelFormat format, int x_byte)
{
    Frame f = {.width = width, .height = height, .stride = width * 4 + 12};
    f.pixels = g_malloc0((gsize)f.stride * (gsize)height);
    for (int y = 0; y < height; y++) {
        for (int x = 0; x < width; x++) {
            uint32_t c = pattern(x, y, width, height);
            uint8_t *p = f.pixels + (gsize)y * (gsize)f.stride + (gsize)x * 4;
            uint8_t r = (uint8_t)(c >> 16), g = (uint8_t)(c >> 8), b = (uint8_t)c;
            p[0] = format == NV_PIXEL_BGRX ? b : r;
            p[1] = g;
            p[2] = format == NV_PIXEL_BGRX ? r : b;
            p[3] = x_byte >= 0 ? (uint8_t)x_byte : (uint8_t)(x * 7 + y * 13);
        }
    }
    return f;
}

static uint32_t pat_solid(int x, int y, int w, int h)
{
    return 0x336699;
}

static uint32_t pat_left_right(int x, int y, int w, int h)
{
    return x < w / 2 ? RED : BLUE;
}

static uint32_t pat_top_bottom(int x, int y, int w, int h)
{
    return y < h / 2 ? RED : BLUE;
}

/* Top half of every 8x8 cell red, bottom half blue. */
static uint32_t pat_cell_top_bottom(int x, int y, int w, int h)
{
    return y % 8 < 4 ? RED : BLUE;
}

/* Left half of every 8x8 cell green, right half white. */
static uint32_t pat_cell_left_right(int x, int y, int w, int h)
{
    return x % 8 < 4 ? GREEN : WHITE;
}

/* 4x4 squares: each cell holds a 2x2 checkerboard. */
static uint32_t pat_checker(int x, int y, int w, int h)
{
    return (x / 4 + y / 4) % 2 ? RED : GREEN;
}

/* Smooth in x and y: every cell holds many colours. */
static uint32_t pat_gradient(int x, int y, int w, int h)
{
    uint32_t r = (uint32_t)(x * 255 / (w - 1)), g = (uint32_t)(y * 255 / (h - 1));
    return r << 16 | g << 8 | 0x40;
}

/* A horizontal gradient in steps of 4 pixels: two colours a cell, one per half. */
static uint32_t pat_x_steps(int x, int y, int w, int h)
{
    uint32_t r = (uint32_t)(x / 4 * 255 / (w / 4 - 1));
    return r << 16 | (255 - r) << 8 | 0x40;
}

/* Sextant rows of chafa's 8x8 cell are 3, 2 and 3 pixels: top row red, the rest blue. */
static uint32_t pat_cell_top_third(int x, int y, int w, int h)
{
    return y % 8 < 3 ? RED : BLUE;
}

/* --- What a cell shows --- */

static const uint32_t quadrant_symbols[16] = {
    ' ',    0x2598, 0x259d, 0x2580, 0x2596, 0x258c, 0x259e, 0x259b,
    0x2597, 0x259a, 0x2590, 0x259c, 0x2584, 0x2599, 0x259f, 0x2588,
};

/* Which sub-pixels of a cell (row after row, 2 columns wide except in half mode) a symbol draws
 * in its fg colour; -1 for a symbol the mode may not use. */
static int symbol_mask(NvCellMode mode, uint32_t ch)
{
    if (mode == NV_CELL_HALF) {
        switch (ch) {
        case ' ':
            return 0;
        case UPPER_HALF:
            return 1;
        case 0x2584:
            return 2;
        case FULL_BLOCK:
            return 3;
        default:
            return -1;
        }
    }
    if (mode == NV_CELL_QUADRANT) {
        for (int m = 0; m < 16; m++)
            if (quadrant_symbols[m] == ch)
                return m;
        return -1;
    }
    /* Sextants: U+1FB00 on, in mask order, leaving out the masks of ▌ (21) and ▐ (42). */
    switch (ch) {
    case ' ':
        return 0;
    case 0x258c:
        return 21;
    case 0x2590:
        return 42;
    case FULL_BLOCK:
        return 63;
    }
    if (ch < 0x1fb00 || ch > 0x1fb3b)
        return -1;
    int k = (int)(ch - 0x1fb00), mask = 0;
    for (int m = 1; m < 63; m++) {
        if (m == 21 || m == 42)
            continue;
        if (k-- == 0)
            mask = m;
    }
    return mask;
}

static int sub_cols(NvCellMode mode)
{
    return mode == NV_CELL_HALF ? 1 : 2;
}

static int sub_rows(NvCellMode mode)
{
    return mode == NV_CELL_SEXTANT ? 3 : 2;
}

/* Pixel rows [*lo, *hi) of an 8x8 cell that sub-pixel row i covers (chafa's sextant rows are
 * 3, 2 and 3 pixels). */
static void sub_row_span(NvCellMode mode, int i, int *lo, int *hi)
{
    static const int thirds[4] = {0, 3, 5, 8};
    if (mode == NV_CELL_SEXTANT) {
        *lo = thirds[i];
        *hi = thirds[i + 1];
    } else {
        *lo = i * 4;
        *hi = *lo + 4;
    }
}

/* xterm's colours 16..255, the only ones the converter may use in 256-colour mode. */
static uint32_t palette_rgb(uint32_t index)
{
    static const uint32_t level[6] = {0, 95, 135, 175, 215, 255};
    ck_assert_uint_ge(index, 16);
    ck_assert_uint_le(index, 255);
    if (index >= 232) {
        uint32_t v = 8 + 10 * (index - 232);
        return v << 16 | v << 8 | v;
    }
    index -= 16;
    return level[index / 36] << 16 | level[index / 6 % 6] << 8 | level[index % 6];
}

static int color_dist2(uint32_t a, uint32_t b)
{
    int d = 0;
    for (int s = 0; s <= 16; s += 8) {
        int x = (int)((a >> s) & 0xff) - (int)((b >> s) & 0xff);
        d += x * x;
    }
    return d;
}

static int color_maxdiff(uint32_t a, uint32_t b)
{
    int d = 0;
    for (int s = 0; s <= 16; s += 8)
        d = MAX(d, abs((int)((a >> s) & 0xff) - (int)((b >> s) & 0xff)));
    return d;
}

/* The rounded average colour of the pattern over a rectangle of the frame. */
static uint32_t area_average(Pattern pattern, int w, int h, int x0, int x1, int y0, int y1)
{
    guint64 sum[3] = {0, 0, 0}, n = (guint64)(x1 - x0) * (guint64)(y1 - y0);
    for (int y = y0; y < y1; y++) {
        for (int x = x0; x < x1; x++) {
            uint32_t c = pattern(x, y, w, h);
            sum[0] += c >> 16;
            sum[1] += (c >> 8) & 0xff;
            sum[2] += c & 0xff;
        }
    }
    return (uint32_t)((sum[0] + n / 2) / n) << 16 | (uint32_t)((sum[1] + n / 2) / n) << 8 |
           (uint32_t)((sum[2] + n / 2) / n);
}

/* How far a shown colour may be from the area's average. Exact averages (half blocks, and
 * chafa's on areas of one colour) get `tolerance`; in 256 colours the nearest palette colour
 * wins, or, for chafa whose colour matching differs a little, one within a cube step. */
typedef struct {
    NvCellMode cell;
    NvColorMode color;
    int tolerance;          /* per channel, truecolor */
    gboolean exact_nearest; /* 256: must be the (or a tied) nearest palette colour */
} Expect;

static void check_shown(const Expect *e, uint32_t shown, uint32_t want, int col, int row)
{
    if (e->color == NV_COLOR_TRUE) {
        ck_assert_msg(shown <= 0xffffff && color_maxdiff(shown, want) <= e->tolerance,
                      "cell %d,%d shows %06x, expected %06x", col, row, shown, want);
        return;
    }
    uint32_t rgb = palette_rgb(shown);
    if (e->exact_nearest) {
        int best = G_MAXINT;
        for (uint32_t i = 16; i < 256; i++)
            best = MIN(best, color_dist2(palette_rgb(i), want));
        ck_assert_msg(color_dist2(rgb, want) == best,
                      "cell %d,%d shows colour %u (%06x), not the nearest to %06x", col, row, shown,
                      rgb, want);
    } else {
        ck_assert_msg(color_maxdiff(rgb, want) <= 48, "cell %d,%d shows %u (%06x), expected %06x",
                      col, row, shown, rgb, want);
    }
}

/* Converts a cols*8 x rows*8 frame (8x8 pixels per cell, chafa's own cell size, so no sub-pixel
 * straddles two cells) and checks every sub-pixel of every cell against the pattern's average
 * over its area. */
static void check_conversion(const Expect *e, Pattern pattern, int cols, int rows)
{
    int w = cols * 8, h = rows * 8;
    Frame f = frame_new(pattern, w, h, NV_PIXEL_BGRX, 0);
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(e->cell, e->color, cols, rows);
    g_autoptr(NvCellGrid) grid = nv_cell_grid_new(0, 0);
    g_autoptr(GError) err = NULL;
    ck_assert(nv_cells_from_frame(conv, f.pixels, f.width, f.height, f.stride, grid, &err));
    ck_assert_ptr_null(err);
    ck_assert_int_eq(grid->cols, cols);
    ck_assert_int_eq(grid->rows, rows);
    int sc = sub_cols(e->cell), sr = sub_rows(e->cell);
    for (int row = 0; row < rows; row++) {
        for (int col = 0; col < cols; col++) {
            const NvCell *cell = &grid->cells[row * cols + col];
            int mask = symbol_mask(e->cell, cell->ch);
            ck_assert_msg(mask >= 0, "cell %d,%d: U+%04X in this mode", col, row, cell->ch);
            for (int i = 0; i < sr; i++) {
                int y0, y1;
                sub_row_span(e->cell, i, &y0, &y1);
                for (int j = 0; j < sc; j++) {
                    int x0 = col * 8 + j * (8 / sc), x1 = x0 + 8 / sc;
                    uint32_t want = area_average(pattern, w, h, x0, x1, row * 8 + y0, row * 8 + y1);
                    gboolean fg = (mask >> (i * sc + j)) & 1;
                    check_shown(e, fg ? cell->fg : cell->bg, want, col, row);
                }
            }
        }
    }
    g_free(f.pixels);
}

static const Expect half_true = {NV_CELL_HALF, NV_COLOR_TRUE, 0, FALSE};
static const Expect half_256 = {NV_CELL_HALF, NV_COLOR_256, 0, TRUE};
static const Expect quad_true = {NV_CELL_QUADRANT, NV_COLOR_TRUE, 1, FALSE};
static const Expect quad_256 = {NV_CELL_QUADRANT, NV_COLOR_256, 0, FALSE};
static const Expect sext_true = {NV_CELL_SEXTANT, NV_COLOR_TRUE, 1, FALSE};
static const Expect sext_256 = {NV_CELL_SEXTANT, NV_COLOR_256, 0, FALSE};

/* --- Grids --- */

START_TEST(test_grid_basics)
{
    g_autoptr(NvCellGrid) a = nv_cell_grid_new(3, 2);
    g_autoptr(NvCellGrid) b = nv_cell_grid_new(3, 2);
    g_autoptr(NvCellGrid) c = nv_cell_grid_new(2, 3);
    g_autoptr(NvCellGrid) empty = nv_cell_grid_new(-5, 0);
    g_autoptr(NvCellGrid) huge = nv_cell_grid_new(1 << 30, 3);
    ck_assert_int_eq(a->cols, 3);
    ck_assert_int_eq(a->rows, 2);
    ck_assert_uint_eq(a->cells[5].ch, ' ');
    ck_assert(nv_cell_grid_equal(a, b));
    ck_assert(!nv_cell_grid_equal(a, c));
    ck_assert(!nv_cell_grid_equal(a, NULL));
    ck_assert(nv_cell_grid_equal(NULL, NULL));
    b->cells[4].bg = 1;
    ck_assert(!nv_cell_grid_equal(a, b));
    ck_assert_int_eq(empty->cols, 0);
    ck_assert_ptr_null(empty->cells);
    ck_assert_int_eq(huge->cols, NV_CELL_GRID_MAX);
}
END_TEST

/* --- Conversion --- */

START_TEST(test_solid)
{
    check_conversion(&half_true, pat_solid, 5, 3);
    check_conversion(&half_256, pat_solid, 5, 3);
    check_conversion(&quad_true, pat_solid, 5, 3);
    check_conversion(&quad_256, pat_solid, 5, 3);
    check_conversion(&sext_true, pat_solid, 5, 3);
    check_conversion(&sext_256, pat_solid, 5, 3);
}
END_TEST

/* A red top half over a blue bottom half, per cell: ▀ red on blue in half mode (or ▄ blue on
 * red, which shows the same); the quadrant converter may pick either too. */
START_TEST(test_cell_top_bottom)
{
    check_conversion(&half_true, pat_cell_top_bottom, 4, 3);
    check_conversion(&half_256, pat_cell_top_bottom, 4, 3);
    check_conversion(&quad_true, pat_cell_top_bottom, 4, 3);
    check_conversion(&quad_256, pat_cell_top_bottom, 4, 3);

    Frame f = frame_new(pat_cell_top_bottom, 16, 8, NV_PIXEL_BGRX, 0);
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(NV_CELL_HALF, NV_COLOR_TRUE, 2, 1);
    g_autoptr(NvCellGrid) grid = nv_cell_grid_new(0, 0);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 16, 8, f.stride, grid, NULL));
    ck_assert_uint_eq(grid->cells[0].ch, UPPER_HALF);
    ck_assert_uint_eq(grid->cells[0].fg, RED);
    ck_assert_uint_eq(grid->cells[0].bg, BLUE);
    nv_cell_converter_set_mode(conv, NV_CELL_HALF, NV_COLOR_256);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 16, 8, f.stride, grid, NULL));
    ck_assert_uint_eq(grid->cells[1].fg, 196);
    ck_assert_uint_eq(grid->cells[1].bg, 21);
    g_free(f.pixels);
}
END_TEST

/* Within each cell a green left and a white right half: exact in the finer modes (▌/▐), a mix
 * in half blocks. */
START_TEST(test_cell_left_right)
{
    check_conversion(&half_true, pat_cell_left_right, 4, 2);
    check_conversion(&half_256, pat_cell_left_right, 4, 2);
    check_conversion(&quad_true, pat_cell_left_right, 4, 2);
    check_conversion(&quad_256, pat_cell_left_right, 4, 2);
    check_conversion(&sext_true, pat_cell_left_right, 4, 2);
    check_conversion(&sext_256, pat_cell_left_right, 4, 2);
}
END_TEST

START_TEST(test_frame_halves)
{
    check_conversion(&half_true, pat_left_right, 6, 4);
    check_conversion(&half_true, pat_top_bottom, 6, 4);
    check_conversion(&half_256, pat_top_bottom, 6, 4);
    check_conversion(&quad_true, pat_left_right, 6, 4);
    check_conversion(&quad_256, pat_top_bottom, 6, 4);
    check_conversion(&sext_true, pat_top_bottom, 6, 4);
}
END_TEST

/* 2x2 checkerboard per cell: ▚ or ▞ in quadrants, half blocks average each half. */
START_TEST(test_checker)
{
    check_conversion(&half_true, pat_checker, 4, 2);
    check_conversion(&half_256, pat_checker, 4, 2);
    check_conversion(&quad_true, pat_checker, 4, 2);
    check_conversion(&quad_256, pat_checker, 4, 2);
}
END_TEST

START_TEST(test_gradient)
{
    /* Half blocks average exactly whatever is in the area. */
    check_conversion(&half_true, pat_gradient, 12, 6);
    check_conversion(&half_256, pat_gradient, 12, 6);
    /* The finer modes show two colours a cell: exact when a cell holds no more. */
    check_conversion(&quad_true, pat_x_steps, 12, 3);
    check_conversion(&quad_256, pat_x_steps, 12, 3);
    check_conversion(&sext_true, pat_x_steps, 12, 3);
    check_conversion(&sext_256, pat_x_steps, 12, 3);
}
END_TEST

START_TEST(test_sextant_rows)
{
    check_conversion(&sext_true, pat_cell_top_third, 3, 2);
    check_conversion(&sext_256, pat_cell_top_third, 3, 2);
}
END_TEST

/* Scaling to a grid that does not divide the frame: 1024x768 into 80x24 (16 px a half cell)
 * and an odd 1023x767, whose boundary rows mix. */
START_TEST(test_scaling)
{
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(NV_CELL_HALF, NV_COLOR_TRUE, 80, 24);
    g_autoptr(NvCellGrid) grid = nv_cell_grid_new(0, 0);
    Frame f = frame_new(pat_top_bottom, 1024, 768, NV_PIXEL_BGRX, 0);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 1024, 768, f.stride, grid, NULL));
    for (int r = 0; r < 24; r++) {
        for (int c = 0; c < 80; c++) {
            const NvCell *cell = &grid->cells[r * 80 + c];
            ck_assert_uint_eq(cell->fg, r < 12 ? RED : BLUE);
            ck_assert_uint_eq(cell->bg, r < 12 ? RED : BLUE);
        }
    }
    g_free(f.pixels);

    f = frame_new(pat_top_bottom, 1023, 767, NV_PIXEL_BGRX, 0);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 1023, 767, f.stride, grid, NULL));
    ck_assert_uint_eq(grid->cells[0].fg, RED);
    ck_assert_uint_eq(grid->cells[23 * 80 + 79].bg, BLUE);
    g_free(f.pixels);

    /* Growing: a 2x2 frame into 4x2 cells repeats pixels. */
    Frame tiny = frame_new(pat_left_right, 2, 2, NV_PIXEL_BGRX, 0);
    nv_cell_converter_set_size(conv, 4, 2);
    ck_assert(nv_cells_from_frame(conv, tiny.pixels, 2, 2, tiny.stride, grid, NULL));
    ck_assert_int_eq(grid->cols, 4);
    ck_assert_uint_eq(grid->cells[1].fg, RED);
    ck_assert_uint_eq(grid->cells[2].fg, BLUE);
    ck_assert_uint_eq(grid->cells[7].bg, BLUE);
    nv_cell_converter_set_mode(conv, NV_CELL_QUADRANT, NV_COLOR_TRUE);
    ck_assert(nv_cells_from_frame(conv, tiny.pixels, 2, 2, tiny.stride, grid, NULL));
    g_free(tiny.pixels);
}
END_TEST

/* The fourth byte is junk from the server (often 0): it must change nothing. And the two byte
 * orders give the same cells. */
START_TEST(test_x_byte_and_format)
{
    const NvCellMode modes[] = {NV_CELL_HALF, NV_CELL_QUADRANT, NV_CELL_SEXTANT};
    for (int m = 0; m < 3; m++) {
        g_autoptr(NvCellConverter) conv = nv_cell_converter_new(modes[m], NV_COLOR_TRUE, 8, 4);
        g_autoptr(NvCellGrid) want = nv_cell_grid_new(0, 0);
        g_autoptr(NvCellGrid) got = nv_cell_grid_new(0, 0);
        Frame opaque = frame_new(pat_gradient, 64, 32, NV_PIXEL_BGRX, 0xff);
        Frame zero = frame_new(pat_gradient, 64, 32, NV_PIXEL_BGRX, 0);
        Frame junk = frame_new(pat_gradient, 64, 32, NV_PIXEL_BGRX, -1);
        Frame rgbx = frame_new(pat_gradient, 64, 32, NV_PIXEL_RGBX, 0);
        ck_assert(nv_cells_from_frame(conv, opaque.pixels, 64, 32, opaque.stride, want, NULL));
        ck_assert_uint_ne(want->cells[3].fg, 0);
        ck_assert(nv_cells_from_frame(conv, zero.pixels, 64, 32, zero.stride, got, NULL));
        ck_assert(nv_cell_grid_equal(want, got));
        ck_assert(nv_cells_from_frame(conv, junk.pixels, 64, 32, junk.stride, got, NULL));
        ck_assert(nv_cell_grid_equal(want, got));
        nv_cell_converter_set_pixel_format(conv, NV_PIXEL_RGBX);
        ck_assert(nv_cells_from_frame(conv, rgbx.pixels, 64, 32, rgbx.stride, got, NULL));
        ck_assert(nv_cell_grid_equal(want, got));
        g_free(opaque.pixels);
        g_free(zero.pixels);
        g_free(junk.pixels);
        g_free(rgbx.pixels);
    }
}
END_TEST

/* Resizing and switching modes between frames reuses one converter. */
START_TEST(test_converter_changes)
{
    Frame f = frame_new(pat_checker, 64, 64, NV_PIXEL_BGRX, 0);
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(NV_CELL_SEXTANT, NV_COLOR_256, 0, -1);
    g_autoptr(NvCellGrid) grid = nv_cell_grid_new(0, 0);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 64, 64, f.stride, grid, NULL));
    ck_assert_int_eq(grid->cols, 1);
    ck_assert_int_eq(grid->rows, 1);
    nv_cell_converter_set_size(conv, 8, 8);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 64, 64, f.stride, grid, NULL));
    ck_assert_int_eq(grid->cols, 8);
    nv_cell_converter_set_mode(conv, NV_CELL_QUADRANT, NV_COLOR_TRUE);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 64, 64, f.stride, grid, NULL));
    ck_assert(grid->cells[0].ch == 0x259a || grid->cells[0].ch == 0x259e);
    nv_cell_converter_set_size(conv, 3, 5);
    nv_cell_converter_set_mode(conv, NV_CELL_HALF, NV_COLOR_TRUE);
    ck_assert(nv_cells_from_frame(conv, f.pixels, 64, 64, f.stride, grid, NULL));
    ck_assert_int_eq(grid->cols, 3);
    ck_assert_int_eq(grid->rows, 5);
    g_free(f.pixels);
}
END_TEST

static void assert_rejected(NvCellConverter *conv, const uint8_t *pixels, int w, int h, int stride)
{
    g_autoptr(NvCellGrid) grid = nv_cell_grid_new(2, 2);
    g_autoptr(NvCellGrid) before = nv_cell_grid_new(2, 2);
    g_autoptr(GError) err = NULL;
    ck_assert_msg(!nv_cells_from_frame(conv, pixels, w, h, stride, grid, &err),
                  "%dx%d stride %d accepted", w, h, stride);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    ck_assert(nv_cell_grid_equal(grid, before));
    /* And without an error location. */
    ck_assert(!nv_cells_from_frame(conv, pixels, w, h, stride, grid, NULL));
}

/* Sizes from a hostile or broken server. The buffer is tiny on purpose: nothing may be read. */
START_TEST(test_bad_frames)
{
    static const uint8_t px[16];
    const NvCellMode modes[] = {NV_CELL_HALF, NV_CELL_SEXTANT};
    for (int m = 0; m < 2; m++) {
        g_autoptr(NvCellConverter) conv = nv_cell_converter_new(modes[m], NV_COLOR_TRUE, 2, 2);
        assert_rejected(conv, NULL, 1, 1, 4);
        assert_rejected(conv, px, 0, 1, 4);
        assert_rejected(conv, px, 1, 0, 4);
        assert_rejected(conv, px, -1, 1, 4);
        assert_rejected(conv, px, 1, -7, 4);
        assert_rejected(conv, px, 2, 1, 7);
        assert_rejected(conv, px, 1, 1, 0);
        assert_rejected(conv, px, 1, 1, -4);
        assert_rejected(conv, px, 16385, 1, 16385 * 4);
        assert_rejected(conv, px, 1, 16385, 4);
        assert_rejected(conv, px, G_MAXINT, G_MAXINT, G_MAXINT);
        assert_rejected(conv, px, G_MAXINT / 4 + 1, 1, G_MAXINT);
        assert_rejected(conv, px, G_MININT, 1, 4);
    }
}
END_TEST

/* --- Painter --- */

/* A terminal reduced to what the painter uses: CUP, SGR 0 / 38;2 / 48;2 / 38;5 / 48;5, and
 * one-column characters. Any other byte sequence fails the test. */
typedef struct {
    int cols, rows;
    NvCell *cells;
    int row, col;
    uint32_t fg, bg;
    int writes, moves, sgrs;
} Term;

static Term *term_new(int cols, int rows)
{
    Term *t = g_new0(Term, 1);
    t->cols = cols;
    t->rows = rows;
    t->cells = g_new0(NvCell, (gsize)cols * rows);
    t->fg = t->bg = 0xdeadbeef;
    return t;
}

static void term_free(Term *t)
{
    g_free(t->cells);
    g_free(t);
}
G_DEFINE_AUTOPTR_CLEANUP_FUNC(Term, term_free)

static void term_sgr(Term *t, gchar **params)
{
    int n = (int)g_strv_length(params);
    for (int i = 0; i < n; i++) {
        int p = atoi(params[i]);
        if (p == 0) {
            t->fg = t->bg = 0xdeadbeef;
            continue;
        }
        ck_assert_msg(p == 38 || p == 48, "SGR %d", p);
        ck_assert_int_lt(i + 1, n);
        uint32_t *slot = p == 38 ? &t->fg : &t->bg;
        if (atoi(params[i + 1]) == 5) {
            ck_assert_int_lt(i + 2, n);
            *slot = (uint32_t)atoi(params[i + 2]);
            i += 2;
        } else {
            ck_assert_int_eq(atoi(params[i + 1]), 2);
            ck_assert_int_lt(i + 4, n);
            *slot = (uint32_t)(atoi(params[i + 2]) << 16 | atoi(params[i + 3]) << 8 |
                               atoi(params[i + 4]));
            i += 4;
        }
    }
}

static void term_feed(Term *t, const GString *s)
{
    const char *p = s->str, *end = s->str + s->len;
    while (p < end) {
        if (*p == '\033') {
            ck_assert(p + 1 < end && p[1] == '[');
            const char *q = p + 2;
            while (q < end && (g_ascii_isdigit(*q) || *q == ';'))
                q++;
            ck_assert(q < end);
            g_autofree char *body = g_strndup(p + 2, (gsize)(q - p - 2));
            g_auto(GStrv) params = g_strsplit(body, ";", -1);
            if (*q == 'H') {
                ck_assert_int_eq(g_strv_length(params), 2);
                t->row = atoi(params[0]) - 1;
                t->col = atoi(params[1]) - 1;
                t->moves++;
            } else {
                ck_assert_int_eq(*q, 'm');
                term_sgr(t, params);
                t->sgrs++;
            }
            p = q + 1;
            continue;
        }
        ck_assert_msg((unsigned char)*p >= 0x20, "control byte %#x", *p);
        gunichar ch = g_utf8_get_char_validated(p, end - p);
        ck_assert(ch != (gunichar)-1 && ch != (gunichar)-2);
        ck_assert_msg(t->row >= 0 && t->row < t->rows && t->col >= 0 && t->col < t->cols,
                      "write at %d,%d", t->row, t->col);
        NvCell *c = &t->cells[t->row * t->cols + t->col];
        c->ch = ch;
        c->fg = ch == ' ' ? 0xdeadbeef : t->fg;
        c->bg = ch == FULL_BLOCK ? 0xdeadbeef : t->bg;
        ck_assert_msg(c->fg != 0xdeadbeef || ch == ' ', "fg unset at %d,%d", t->row, t->col);
        ck_assert_msg(c->bg != 0xdeadbeef || ch == FULL_BLOCK, "bg unset");
        t->col++;
        t->writes++;
        p = g_utf8_next_char(p);
    }
}

/* The screen shows `grid` at (r0, c0), ignoring colours a symbol does not show. */
static void assert_term_shows(const Term *t, const NvCellGrid *grid, int r0, int c0)
{
    for (int r = 0; r < grid->rows; r++) {
        for (int c = 0; c < grid->cols; c++) {
            const NvCell *want = &grid->cells[r * grid->cols + c];
            const NvCell *got = &t->cells[(r0 + r) * t->cols + c0 + c];
            ck_assert_uint_eq(got->ch, want->ch);
            if (want->ch != ' ')
                ck_assert_uint_eq(got->fg, want->fg);
            if (want->ch != FULL_BLOCK)
                ck_assert_uint_eq(got->bg, want->bg);
        }
    }
}

/* Cells of varied colours, valid in `mode`: fg changes from cell to cell, bg every 7 cells. */
static NvCellGrid *grid_pattern(int cols, int rows, uint32_t seed, NvColorMode mode)
{
    NvCellGrid *g = nv_cell_grid_new(cols, rows);
    for (int i = 0; i < cols * rows; i++) {
        uint32_t fg = seed + (uint32_t)i * 2654435761u, bg = seed + (uint32_t)i / 7;
        g->cells[i].ch = UPPER_HALF;
        g->cells[i].fg = mode == NV_COLOR_256 ? 16 + fg % 240 : fg & 0xffffff;
        g->cells[i].bg = mode == NV_COLOR_256 ? 16 + bg % 240 : bg & 0xffffff;
    }
    return g;
}

/* Another colour, valid in `mode`. */
static uint32_t other_color(uint32_t c, NvColorMode mode)
{
    return mode == NV_COLOR_256 ? 16 + (c - 16 + 1) % 240 : c ^ 0x10;
}

static int count(const GString *s, const char *needle)
{
    int n = 0;
    for (const char *p = strstr(s->str, needle); p != NULL; p = strstr(p + 1, needle))
        n++;
    return n;
}

START_TEST(test_paint_unchanged)
{
    g_autoptr(NvCellGrid) a = grid_pattern(40, 10, 1, NV_COLOR_TRUE);
    g_autoptr(NvCellGrid) b = grid_pattern(40, 10, 1, NV_COLOR_TRUE);
    g_autoptr(GString) out = g_string_new("keep");
    nv_cells_paint(a, b, 3, 4, NV_COLOR_TRUE, out);
    ck_assert_str_eq(out->str, "keep");
    nv_cells_paint(a, a, 0, 0, NV_COLOR_256, out);
    ck_assert_str_eq(out->str, "keep");
    g_autoptr(NvCellGrid) empty = nv_cell_grid_new(0, 0);
    nv_cells_paint(NULL, empty, 0, 0, NV_COLOR_TRUE, out);
    ck_assert_str_eq(out->str, "keep");
}
END_TEST

START_TEST(test_paint_one_cell)
{
    g_autoptr(NvCellGrid) old = grid_pattern(20, 6, 9, NV_COLOR_TRUE);
    g_autoptr(NvCellGrid) new_grid = grid_pattern(20, 6, 9, NV_COLOR_TRUE);
    NvCell *c = &new_grid->cells[3 * 20 + 7];
    c->ch = 0x2584;
    c->fg = RED;
    c->bg = BLUE;
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(old, new_grid, 2, 5, NV_COLOR_TRUE, out);
    ck_assert_str_eq(out->str, "\033[6;13H\033[38;2;255;0;0;48;2;0;0;255m▄\033[0m");
    ck_assert_int_eq(count(out, "H"), 1);
    ck_assert_int_eq(count(out, "▄"), 1);
}
END_TEST

/* 160x48, one row changed: a single move, 160 symbols, and the screen ends up right. */
START_TEST(test_paint_one_row)
{
    g_autoptr(NvCellGrid) old = grid_pattern(160, 48, 5, NV_COLOR_TRUE);
    g_autoptr(NvCellGrid) new_grid = grid_pattern(160, 48, 5, NV_COLOR_TRUE);
    for (int c = 0; c < 160; c++)
        new_grid->cells[17 * 160 + c].bg ^= 0x10;
    g_autoptr(Term) t = term_new(170, 50);
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(NULL, old, 1, 2, NV_COLOR_TRUE, out);
    term_feed(t, out);
    ck_assert_int_eq(t->writes, 160 * 48);
    ck_assert_int_eq(t->moves, 48);
    assert_term_shows(t, old, 1, 2);

    g_string_truncate(out, 0);
    t->writes = t->moves = 0;
    nv_cells_paint(old, new_grid, 1, 2, NV_COLOR_TRUE, out);
    term_feed(t, out);
    ck_assert_int_eq(t->writes, 160);
    ck_assert_int_eq(t->moves, 1);
    ck_assert(g_str_has_prefix(out->str, "\033[19;3H"));
    ck_assert(g_str_has_suffix(out->str, "\033[0m"));
    assert_term_shows(t, new_grid, 1, 2);
}
END_TEST

/* Scattered changes: only they are written, with a move where the cursor is not already. */
START_TEST(test_paint_scattered)
{
    g_autoptr(NvCellGrid) old = grid_pattern(30, 10, 3, NV_COLOR_256);
    g_autoptr(NvCellGrid) new_grid = grid_pattern(30, 10, 3, NV_COLOR_256);
    int changed[] = {0, 1, 2, 29, 30, 45, 46, 150, 299};
    for (gsize i = 0; i < G_N_ELEMENTS(changed); i++)
        new_grid->cells[changed[i]].fg = other_color(new_grid->cells[changed[i]].fg, NV_COLOR_256);
    g_autoptr(Term) t = term_new(30, 10);
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(NULL, old, 0, 0, NV_COLOR_256, out);
    term_feed(t, out);
    g_string_truncate(out, 0);
    t->writes = t->moves = 0;
    nv_cells_paint(old, new_grid, 0, 0, NV_COLOR_256, out);
    term_feed(t, out);
    ck_assert_int_eq(t->writes, G_N_ELEMENTS(changed));
    /* Runs: 0-2, 29, 30 (next row), 45-46, 150, 299. */
    ck_assert_int_eq(t->moves, 6);
    assert_term_shows(t, new_grid, 0, 0);
}
END_TEST

/* Another size, or no old grid: everything is drawn. */
START_TEST(test_paint_resized)
{
    g_autoptr(NvCellGrid) old = grid_pattern(10, 4, 2, NV_COLOR_TRUE);
    g_autoptr(NvCellGrid) new_grid = grid_pattern(12, 4, 2, NV_COLOR_TRUE);
    g_autoptr(Term) t = term_new(12, 4);
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(old, new_grid, 0, 0, NV_COLOR_TRUE, out);
    term_feed(t, out);
    ck_assert_int_eq(t->writes, 48);
    ck_assert_int_eq(t->moves, 4);
    assert_term_shows(t, new_grid, 0, 0);
}
END_TEST

START_TEST(test_paint_color_codes)
{
    g_autoptr(NvCellGrid) g = nv_cell_grid_new(4, 1);
    for (int i = 0; i < 4; i++)
        g->cells[i] = (NvCell){UPPER_HALF, i < 2 ? 196u : 21u, 46u};
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(NULL, g, 0, 0, NV_COLOR_256, out);
    ck_assert_str_eq(out->str, "\033[1;1H\033[38;5;196;48;5;46m▀▀\033[38;5;21m▀▀\033[0m");
    ck_assert_int_eq(count(out, "38;2"), 0);

    for (int i = 0; i < 4; i++)
        g->cells[i] = (NvCell){UPPER_HALF, i < 2 ? RED : BLUE, 0x102030};
    g_string_truncate(out, 0);
    nv_cells_paint(NULL, g, 0, 0, NV_COLOR_TRUE, out);
    ck_assert_str_eq(out->str,
                     "\033[1;1H\033[38;2;255;0;0;48;2;16;32;48m▀▀\033[38;2;0;0;255m▀▀\033[0m");
    ck_assert_int_eq(count(out, "38;5"), 0);
}
END_TEST

/* Spaces need no fg and full blocks no bg: colours are set only when they show. */
START_TEST(test_paint_unseen_colors)
{
    g_autoptr(NvCellGrid) g = nv_cell_grid_new(3, 1);
    g->cells[0] = (NvCell){' ', RED, BLUE};
    g->cells[1] = (NvCell){' ', GREEN, BLUE};
    g->cells[2] = (NvCell){FULL_BLOCK, GREEN, RED};
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(NULL, g, 0, 0, NV_COLOR_256, out);
    /* Palette indices are masked to a byte in 256-colour mode. */
    ck_assert_str_eq(out->str, "\033[1;1H\033[48;5;255m  \033[38;5;0m█\033[0m");
}
END_TEST

/* Whoever filled a grid, the painter never writes a control character or a wide one. */
START_TEST(test_paint_hostile_symbols)
{
    g_autoptr(NvCellGrid) g = nv_cell_grid_new(6, 1);
    const uint32_t bad[6] = {0x1b, 0x9b, 0x202e, 0x65e5, 0xd800, 0x110000};
    for (int i = 0; i < 6; i++)
        g->cells[i] = (NvCell){bad[i], RED, BLUE};
    g_autoptr(Term) t = term_new(6, 1);
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(NULL, g, 0, 0, NV_COLOR_TRUE, out);
    term_feed(t, out);
    ck_assert_int_eq(t->writes, 6);
    for (int i = 0; i < 6; i++)
        ck_assert_uint_eq(t->cells[i].ch, ' ');
    ck_assert_int_eq(count(out, "\033"), 3);
}
END_TEST

/* A converted frame, changed in one text line, repaints only the cells of that line. */
START_TEST(test_convert_then_paint)
{
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(NV_CELL_HALF, NV_COLOR_256, 64, 24);
    g_autoptr(NvCellGrid) a = nv_cell_grid_new(0, 0);
    g_autoptr(NvCellGrid) b = nv_cell_grid_new(0, 0);
    Frame f = frame_new(pat_gradient, 640, 480, NV_PIXEL_BGRX, 0);
    ck_assert(nv_cells_from_frame(conv, f.pixels, f.width, f.height, f.stride, a, NULL));
    for (int y = 200; y < 220; y++) /* exactly cell row 10 */
        memset(f.pixels + (gsize)y * f.stride, 0xff, (gsize)f.width * 4);
    ck_assert(nv_cells_from_frame(conv, f.pixels, f.width, f.height, f.stride, b, NULL));
    g_autoptr(Term) t = term_new(64, 24);
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(NULL, a, 0, 0, NV_COLOR_256, out);
    term_feed(t, out);
    g_string_truncate(out, 0);
    t->writes = t->moves = 0;
    nv_cells_paint(a, b, 0, 0, NV_COLOR_256, out);
    term_feed(t, out);
    ck_assert_int_eq(t->writes, 64);
    ck_assert_int_eq(t->moves, 1);
    assert_term_shows(t, b, 0, 0);
    g_free(f.pixels);
}
END_TEST

static Suite *cells_suite(void)
{
    Suite *s = suite_create("cells");
    TCase *tc = tcase_create("convert");
    tcase_add_test(tc, test_grid_basics);
    tcase_add_test(tc, test_solid);
    tcase_add_test(tc, test_cell_top_bottom);
    tcase_add_test(tc, test_cell_left_right);
    tcase_add_test(tc, test_frame_halves);
    tcase_add_test(tc, test_checker);
    tcase_add_test(tc, test_gradient);
    tcase_add_test(tc, test_sextant_rows);
    tcase_add_test(tc, test_scaling);
    tcase_add_test(tc, test_x_byte_and_format);
    tcase_add_test(tc, test_converter_changes);
    tcase_add_test(tc, test_bad_frames);
    suite_add_tcase(s, tc);
    TCase *tp = tcase_create("paint");
    tcase_add_test(tp, test_paint_unchanged);
    tcase_add_test(tp, test_paint_one_cell);
    tcase_add_test(tp, test_paint_one_row);
    tcase_add_test(tp, test_paint_scattered);
    tcase_add_test(tp, test_paint_resized);
    tcase_add_test(tp, test_paint_color_codes);
    tcase_add_test(tp, test_paint_unseen_colors);
    tcase_add_test(tp, test_paint_hostile_symbols);
    tcase_add_test(tp, test_convert_then_paint);
    suite_add_tcase(s, tp);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    /* chafa's worker threads outlive each forked test; valgrind reports their stacks as
     * "possibly lost". One thread does the same work and keeps the leak check meaningful. */
    chafa_set_n_threads(1);
    SRunner *sr = srunner_create(cells_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
