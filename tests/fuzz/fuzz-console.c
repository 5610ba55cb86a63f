/* Fuzzes the serial console's byte path: the guest's bytes go through console.c's UTF-8 and
 * escape guard into libvterm, with resizes, scrolling and keys between the chunks, and every
 * cell is read back as the view draws it. The input is a series of commands: a byte saying
 * what, then its operands (a chunk of guest bytes is a length byte and that many bytes). */
#include <stdlib.h>

#include "console.h"
#include "fuzz.h"

static void sink(const char *bytes, size_t len, gpointer data)
{
    gsize *total = data;
    *total += len;
}

static void read_screen(NvConsole *c)
{
    int rows = 0, cols = 0;
    nv_console_get_size(c, &rows, &cols);
    int scroll = nv_console_get_scroll(c);
    (void)nv_console_get_scrollback(c);
    for (int row = -1; row <= rows; row++) {
        for (int col = -1; col <= cols; col++) {
            NvConsoleCell cell;
            if (!nv_console_get_cell(c, row, col, &cell))
                continue;
            if (memchr(cell.text, '\0', sizeof cell.text) == NULL ||
                !g_utf8_validate(cell.text, -1, NULL))
                abort(); /* the view would draw what it reads past or invalid UTF-8 */
        }
    }
    int cr = 0, cc = 0;
    if (nv_console_get_cursor(c, &cr, &cc) && scroll == 0 &&
        (cr < 0 || cr >= rows || cc < 0 || cc > cols))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    FuzzReader r = {data, size};
    int rows = fuzz_u8(&r) % 80;
    int cols = fuzz_u8(&r) % 200;
    g_autoptr(NvConsole) c = nv_console_new_detached(rows, cols);
    gsize written = 0;
    nv_console_set_output_sink(c, sink, &written);

    while (r.size > 0) {
        guint8 op = fuzz_u8(&r);
        switch (op % 16) {
        case 0:
            nv_console_resize(c, fuzz_u8(&r) % 100, fuzz_u8(&r) % 250);
            break;
        case 1:
            nv_console_scroll(c, (gint8)fuzz_u8(&r) * 8);
            break;
        case 2: {
            guint8 how = fuzz_u8(&r);
            NvKey base = how & 1 ? NV_KEY_SPECIAL + fuzz_u8(&r) % (NV_KEY_LAST - NV_KEY_SPECIAL)
                                 : fuzz_u16(&r);
            nv_console_key(c, base | (NvKey)(how >> 1 & 7) << 28);
            break;
        }
        case 3:
            read_screen(c);
            break;
        default: {
            gsize want = (gsize)fuzz_u8(&r) * (op / 16 + 1); /* not inside MIN: read once */
            gsize n = MIN(want, r.size);
            nv_console_feed(c, (const char *)r.data, n);
            r.data += n;
            r.size -= n;
            break;
        }
        }
    }
    read_screen(c);
    return 0;
}
