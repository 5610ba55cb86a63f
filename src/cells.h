/* A guest's framebuffer as a grid of terminal cells (block symbols with two colours), and the
 * escape sequences that repaint only the cells that changed. No curses, no libvirt. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* Largest frame accepted, per side: far above any real display, and small enough that no size
 * computed from it overflows. */
#define NV_FRAME_MAX_DIM 16384
/* Largest grid, per side: chafa works on 8x8 pixels per cell, so this bounds its canvas. */
#define NV_CELL_GRID_MAX 1024

typedef enum {
    NV_CELL_HALF, /* ▀ with fg above and bg below: 1x2 pixels per cell (the default) */
    NV_CELL_QUADRANT, /* ▘▝▖▗▚▞▀▄▌▐▙▛▜▟ █ and space: 2x2 pixels per cell */
    NV_CELL_SEXTANT, /* U+1FB00..1FB3B, ▌▐ █ and space: 2x3 pixels per cell */
} NvCellMode;

typedef enum {
    NV_COLOR_TRUE, /* 24-bit: colours are 0xRRGGBB */
    NV_COLOR_256,  /* xterm palette: colours are indices 16..255 (the 6x6x6 cube and the greys,
                    * never 0..15, whose colours the user's theme changes) */
} NvColorMode;

/* Byte order of one 32-bit pixel in memory; the fourth byte is ignored, whatever it holds. */
typedef enum {
    /* B, G, R, X: a little-endian 0xXXRRGGBB, i.e. libvncclient with redShift 16, greenShift 8,
     * blueShift 0 (QEMU's own framebuffer format, so the server converts nothing). Default. */
    NV_PIXEL_BGRX,
    /* R, G, B, X: what rfbGetClient(8, 3, 4) asks for on a little-endian client (redShift 0). */
    NV_PIXEL_RGBX,
} NvPixelFormat;

typedef struct {
    uint32_t ch; /* Unicode code point of a one-column symbol */
    uint32_t fg; /* 0xRRGGBB, or a palette index in NV_COLOR_256 */
    uint32_t bg;
} NvCell;

typedef struct {
    int cols, rows;
    NvCell *cells; /* rows * cols, row after row; NULL when empty */
} NvCellGrid;

/* A grid of spaces on black. Sizes are clamped to 0..NV_CELL_GRID_MAX. */
NvCellGrid *nv_cell_grid_new(int cols, int rows);
void nv_cell_grid_free(NvCellGrid *grid);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvCellGrid, nv_cell_grid_free)

/* Same size and same cells (two NULLs are equal). */
gboolean nv_cell_grid_equal(const NvCellGrid *a, const NvCellGrid *b);

/* Turns frames into cell grids of one size and mode; keeps its buffers (and chafa's canvas for
 * the finer modes) from one frame to the next, since building them per frame is slow. */
typedef struct NvCellConverter NvCellConverter;

/* cols and rows are clamped to 1..NV_CELL_GRID_MAX. */
NvCellConverter *nv_cell_converter_new(NvCellMode cell_mode, NvColorMode color_mode, int cols,
                                       int rows);
void nv_cell_converter_free(NvCellConverter *conv);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvCellConverter, nv_cell_converter_free)

void nv_cell_converter_set_size(NvCellConverter *conv, int cols, int rows);
void nv_cell_converter_set_mode(NvCellConverter *conv, NvCellMode cell_mode,
                                NvColorMode color_mode);
void nv_cell_converter_set_pixel_format(NvCellConverter *conv, NvPixelFormat format);

/* Scales the frame to the converter's grid (filling it: keeping the aspect ratio is the view's
 * job, through the grid size it asks for) and writes the result to `out`, resized as needed.
 * `pixels` holds `height` rows of `stride` bytes, each starting with `width` 32-bit pixels in
 * the converter's NvPixelFormat: the caller guarantees (height - 1) * stride + width * 4
 * readable bytes. Sizes that came from a VNC server are checked here: a zero, negative or too
 * large width or height, or a stride below width * 4, gives NV_ERROR_INVALID and leaves `out`
 * untouched. Half blocks take ~1 ms for 1024x768 into 200x60 cells; the finer modes go through
 * chafa and take tens of milliseconds. */
gboolean nv_cells_from_frame(NvCellConverter *conv, const uint8_t *pixels, int width, int height,
                             int stride, NvCellGrid *out, GError **err);

/* Appends to `out` what a terminal needs to turn `old` into `new_grid`, drawn with its top-left
 * cell at the 0-based screen position (origin_row, origin_col): for each cell that differs, a
 * cursor move (CUP) unless the cursor is already there, SGR colours when they differ from the
 * last cell written (38;2/48;2 for NV_COLOR_TRUE, 38;5/48;5 for NV_COLOR_256), and the symbol
 * in UTF-8; then SGR 0. When `old` is NULL or of another size every cell is drawn; when nothing
 * differs nothing is appended. Symbols that a terminal would act on are drawn as spaces. */
void nv_cells_paint(const NvCellGrid *old, const NvCellGrid *new_grid, int origin_row,
                    int origin_col, NvColorMode mode, GString *out);
