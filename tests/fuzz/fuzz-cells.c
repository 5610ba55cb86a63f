/* Fuzzes the framebuffer-to-cells converters: the front of the input picks the cell mode,
 * colour mode, pixel format, grid size and frame size and stride (hostile ones included, as a
 * VNC server sends them), the rest fills the pixels. Two frames go through one converter, with
 * a change of size or mode between them, and the second grid is painted over the first. */
#include <stdlib.h>

#include "cells.h"
#include "fuzz.h"

/* Frames of valid sizes stay this small so that each run is quick. */
#define FUZZ_FRAME_MAX 256

typedef struct {
    int width, height, stride;
    gboolean hostile;
} Frame;

static Frame pick_frame(FuzzReader *r)
{
    Frame f;
    guint8 kind = fuzz_u8(r);
    f.hostile = kind % 8 == 0;
    if (f.hostile) {
        /* Sizes the converter must refuse without reading a byte: it gets 16 of them. */
        f.width = (gint16)fuzz_u16(r) * (kind % 3 + 1);
        f.height = (gint16)fuzz_u16(r) * (kind % 5 + 1);
        f.stride = (gint16)fuzz_u16(r);
        return f;
    }
    f.width = 1 + fuzz_u16(r) % FUZZ_FRAME_MAX;
    f.height = 1 + fuzz_u16(r) % FUZZ_FRAME_MAX;
    f.stride = f.width * 4 + fuzz_u8(r) % 16;
    return f;
}

static void convert(NvCellConverter *conv, const Frame *f, FuzzReader *r, NvCellGrid *out)
{
    gsize len = 16;
    gboolean fits = f->width > 0 && f->height > 0 && f->width <= NV_FRAME_MAX_DIM &&
                    f->height <= NV_FRAME_MAX_DIM && f->stride >= f->width * 4;
    if (!f->hostile || fits)
        len = (gsize)(f->height - 1) * (gsize)f->stride + (gsize)f->width * 4;
    if (len > 4u << 20)
        return; /* a valid but large frame: slow to fuzz, and not what this looks for */
    g_autofree guint8 *pixels = g_malloc(len); /* exactly what the contract promises */
    gsize n = MIN(len, r->size);
    if (n > 0)
        memcpy(pixels, r->data, n);
    for (gsize i = n; i < len; i++)
        pixels[i] = (guint8)(i * 131 + (i >> 9)); /* a pattern with edges for the rest */
    g_autoptr(GError) err = NULL;
    gboolean ok = nv_cells_from_frame(conv, pixels, f->width, f->height, f->stride, out, &err);
    if (ok == (err != NULL))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    FuzzReader r = {data, size};
    guint8 modes = fuzz_u8(&r);
    int cols = (gint8)fuzz_u8(&r);
    int rows = (gint8)fuzz_u8(&r) / 2;
    g_autoptr(NvCellConverter) conv =
        nv_cell_converter_new((NvCellMode)(modes % 3), (NvColorMode)(modes / 3 % 2), cols, rows);
    nv_cell_converter_set_pixel_format(conv, (NvPixelFormat)(modes / 6 % 2));

    Frame f1 = pick_frame(&r);
    Frame f2 = pick_frame(&r);
    guint8 change = fuzz_u8(&r);
    int cols2 = fuzz_u8(&r) % 128; /* grids as large as a wide terminal, and a few below 0 */
    int rows2 = fuzz_u8(&r) % 64;
    int origin_row = fuzz_u8(&r);
    int origin_col = fuzz_u8(&r);

    g_autoptr(NvCellGrid) first = nv_cell_grid_new(0, 0);
    convert(conv, &f1, &r, first);
    if (change & 1)
        nv_cell_converter_set_size(conv, cols2 - 16, rows2 - 16);
    if (change & 2)
        nv_cell_converter_set_mode(conv, (NvCellMode)(change / 4 % 3),
                                   (NvColorMode)(change / 12 % 2));
    g_autoptr(NvCellGrid) second = nv_cell_grid_new(0, 0);
    convert(conv, &f2, &r, second);

    NvColorMode mode = (NvColorMode)(change / 24 % 2);
    g_autoptr(GString) out = g_string_new(NULL);
    nv_cells_paint(first, second, origin_row, origin_col, mode, out);
    nv_cells_paint(NULL, second, origin_row, origin_col, mode, out);
    nv_cells_paint(second, second, origin_row, origin_col, mode, out);
    if (!g_utf8_validate(out->str, (gssize)out->len, NULL))
        abort();
    (void)nv_cell_grid_equal(first, second);
    return 0;
}
