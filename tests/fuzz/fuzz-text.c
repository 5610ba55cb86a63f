/* Fuzzes the text sanitiser and the width, fit and pad functions every string shown on the
 * terminal goes through. The first byte is the column count. What comes out of the sanitiser
 * must be valid UTF-8 without control characters, and fitting must not overflow the width. */
#include <stdlib.h>

#include "fuzz.h"
#include "text.h"

static void check_clean(const char *s)
{
    if (!g_utf8_validate(s, -1, NULL))
        abort();
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0))
            abort(); /* a control character would reach the terminal */
        if (c >= 0x202a && c <= 0x202e)
            abort(); /* a bidi override would reorder what follows it */
        if (c >= 0x2066 && c <= 0x2069)
            abort(); /* likewise a bidi isolate */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    FuzzReader r = {data, size};
    int cols = (int)fuzz_u8(&r) - 8; /* a few negative widths too */
    g_autofree char *in = fuzz_string(r.data, r.size);

    g_autofree char *clean = nv_text_sanitize(in);
    check_clean(clean);
    (void)nv_text_width(in);
    g_autofree char *fit = nv_text_fit(in, cols);
    check_clean(fit);
    if (cols >= 0 && nv_text_width(fit) > cols)
        abort();
    g_autofree char *pad = nv_text_pad(in, cols);
    check_clean(pad);
    if (cols >= 0 && nv_text_width(pad) != cols)
        abort();

    guint64 n = 0;
    memcpy(&n, r.data, MIN(r.size, sizeof n));
    g_autofree char *kib = nv_format_kib(n);
    g_autofree char *bytes = nv_format_bytes(n);
    fuzz_keep(kib);
    fuzz_keep(bytes);
    return 0;
}
