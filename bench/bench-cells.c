/* Benchmark of cells.c, run by hand: time to turn a 1024x768 frame into 200x60 cells in every
 * mode (one core), and bytes the diff painter writes for a full and a one-line repaint. */
#include <chafa.h>
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cells.h"

#define FRAME_W 1024
#define FRAME_H 768
#define TARGET_MS 8.0

/* Something like a desktop: a gradient, two windows, and lines of "text" (noisy dark pixels)
 * in them; deterministic, so runs compare. The X bytes are 0, as QEMU sends them. */
static uint8_t *make_frame(int stride)
{
    uint8_t *px = g_malloc0((gsize)stride * FRAME_H);
    GRand *rand = g_rand_new_with_seed(42);
    for (int y = 0; y < FRAME_H; y++) {
        for (int x = 0; x < FRAME_W; x++) {
            uint8_t *p = px + (gsize)y * stride + (gsize)x * 4;
            uint32_t c = (uint32_t)(x / 4) << 16 | (uint32_t)(y / 3) << 8 | 0x80;
            gboolean in_win = (x > 80 && x < 700 && y > 60 && y < 500) ||
                              (x > 500 && x < 980 && y > 300 && y < 740);
            if (in_win) {
                c = 0xf0f0f0;
                if (y % 16 > 3 && y % 16 < 13 && x % 200 < 170 && g_rand_int_range(rand, 0, 3))
                    c = 0x202020;
            }
            p[0] = (uint8_t)c;
            p[1] = (uint8_t)(c >> 8);
            p[2] = (uint8_t)(c >> 16);
        }
    }
    g_rand_free(rand);
    return px;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double convert_ms(NvCellMode cell, NvColorMode color, const uint8_t *px, int stride,
                         int runs)
{
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(cell, color, 200, 60);
    g_autoptr(NvCellGrid) grid = nv_cell_grid_new(0, 0);
    g_autoptr(GError) err = NULL;
    double *ms = g_new(double, runs);
    /* One untimed run: the first builds chafa's canvas and the buffers. */
    if (!nv_cells_from_frame(conv, px, FRAME_W, FRAME_H, stride, grid, &err)) {
        fprintf(stderr, "bench-cells: %s\n", err->message);
        exit(EXIT_FAILURE);
    }
    for (int i = 0; i < runs; i++) {
        gint64 t0 = g_get_monotonic_time();
        nv_cells_from_frame(conv, px, FRAME_W, FRAME_H, stride, grid, NULL);
        ms[i] = (double)(g_get_monotonic_time() - t0) / 1000.0;
    }
    qsort(ms, (size_t)runs, sizeof(double), cmp_double);
    double median = ms[runs / 2];
    g_free(ms);
    return median;
}

/* Bytes for a repaint of everything, and for one line of text (cell row 20, all 160 columns)
 * that changed, at 160x48. */
static void paint_bytes(NvColorMode color, uint8_t *px, int stride)
{
    g_autoptr(NvCellConverter) conv = nv_cell_converter_new(NV_CELL_HALF, color, 160, 48);
    g_autoptr(NvCellGrid) before = nv_cell_grid_new(0, 0);
    g_autoptr(NvCellGrid) after = nv_cell_grid_new(0, 0);
    nv_cells_from_frame(conv, px, FRAME_W, FRAME_H, stride, before, NULL);
    g_autofree uint8_t *changed = g_memdup2(px, (gsize)stride * FRAME_H);
    /* 768 / 48 = 16 pixel rows a cell row: rows 320..335 are cell row 20 exactly. */
    for (int y = 320; y < 336; y++)
        for (int x = 0; x < FRAME_W; x++)
            changed[(gsize)y * stride + (gsize)x * 4 + (x + y) % 3] ^= 0x80;
    nv_cells_from_frame(conv, changed, FRAME_W, FRAME_H, stride, after, NULL);

    g_autoptr(GString) out = g_string_sized_new(1 << 20);
    gint64 t0 = g_get_monotonic_time();
    nv_cells_paint(NULL, before, 0, 0, color, out);
    double full_ms = (double)(g_get_monotonic_time() - t0) / 1000.0;
    gsize full = out->len;
    g_string_truncate(out, 0);
    nv_cells_paint(before, after, 0, 0, color, out);
    printf("paint 160x48 %-9s full: %7zu bytes (%.2f ms)   one line: %6zu bytes\n",
           color == NV_COLOR_TRUE ? "truecolor" : "256", full, full_ms, out->len);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 50;
    if (runs < 1)
        runs = 50;
    /* The target is for one core; chafa would otherwise spread over all of them. */
    const char *threads = g_getenv("BENCH_CELLS_THREADS");
    chafa_set_n_threads(threads != NULL ? atoi(threads) : 1);

    int stride = FRAME_W * 4;
    g_autofree uint8_t *px = make_frame(stride);
    static const struct {
        NvCellMode mode;
        const char *name;
    } cells[] = {
        {NV_CELL_HALF, "half"},
        {NV_CELL_QUADRANT, "quadrant"},
        {NV_CELL_SEXTANT, "sextant"},
    };
    gboolean ok = TRUE;
    printf("convert 1024x768 -> 200x60, median of %d runs, %d chafa thread(s)\n", runs,
           chafa_get_n_actual_threads());
    for (gsize i = 0; i < G_N_ELEMENTS(cells); i++) {
        for (int color = NV_COLOR_TRUE; color <= NV_COLOR_256; color++) {
            double ms = convert_ms(cells[i].mode, (NvColorMode)color, px, stride, runs);
            gboolean half = cells[i].mode == NV_CELL_HALF;
            printf("  %-8s %-9s %7.2f ms%s\n", cells[i].name,
                   color == NV_COLOR_TRUE ? "truecolor" : "256", ms,
                   half ? (ms < TARGET_MS ? "  PASS (< 8 ms)" : "  FAIL (>= 8 ms)") : "");
            if (half && ms >= TARGET_MS)
                ok = FALSE;
        }
    }
    paint_bytes(NV_COLOR_TRUE, px, stride);
    paint_bytes(NV_COLOR_256, px, stride);
    return ok ? EXIT_SUCCESS : EXIT_FAILURE;
}
