/* Text from outside (libvirt, guests) made safe to draw and measured in terminal columns. */
#pragma once

#include <glib.h>

/* A copy of `in` that is valid UTF-8 and holds nothing a terminal would act on: invalid bytes
 * become U+FFFD, C0/C1 controls and DEL become caret or <U+XXXX> notation, tabs one space, and
 * bidi overrides/isolates and other invisible format characters become <U+XXXX>. NULL gives "". */
char *nv_text_sanitize(const char *in);

/* Columns that a sanitised UTF-8 string takes (wcwidth: CJK and emoji count 2). */
int nv_text_width(const char *utf8);

/* Sanitises `in` and cuts it to at most `cols` columns, ending with "…" when cut. */
char *nv_text_fit(const char *in, int cols);

/* nv_text_fit, then padded with spaces to exactly `cols` columns (left-aligned). */
char *nv_text_pad(const char *in, int cols);

/* "2.0 GiB" style, from KiB (memory) or bytes (storage). */
char *nv_format_kib(unsigned long long kib);
char *nv_format_bytes(unsigned long long bytes);
