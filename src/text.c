/* Making text from libvirt and guests safe to draw, and measuring it in terminal columns.
 * Widths come from GLib's Unicode tables, not wcwidth(), so they do not depend on the locale. */
#include "text.h"

#include <string.h>

#include "i18n.h"

/* Bidi embeddings, overrides, isolates and marks: they reorder what follows on screen, so a
 * guest could make "web-01" read as something else. */
static gboolean is_bidi_control(gunichar c)
{
    return (c >= 0x202A && c <= 0x202E) || (c >= 0x2066 && c <= 0x2069) || c == 0x200E ||
           c == 0x200F || c == 0x061C;
}

/* Characters a terminal would act on or draw as nothing (or draw differently from how we
 * measure them): shown as <U+XXXX> instead. This stands in for wcwidth() < 0 without
 * depending on the locale. */
static gboolean needs_escape(gunichar c)
{
    if (is_bidi_control(c))
        return TRUE;
    switch (g_unichar_type(c)) {
    case G_UNICODE_CONTROL:
    case G_UNICODE_FORMAT:
    case G_UNICODE_UNASSIGNED:
    case G_UNICODE_SURROGATE:
    case G_UNICODE_LINE_SEPARATOR:
    case G_UNICODE_PARAGRAPH_SEPARATOR:
        return TRUE;
    default:
        return FALSE;
    }
}

static void append_char(GString *out, gunichar c)
{
    if (c == '\t') {
        g_string_append_c(out, ' ');
    } else if (c < 0x20) {
        g_string_append_c(out, '^');
        g_string_append_c(out, (char)(c + 0x40));
    } else if (c == 0x7F) {
        g_string_append(out, "^?");
    } else if (needs_escape(c)) {
        g_string_append_printf(out, "<U+%04X>", (unsigned)c);
    } else {
        g_string_append_unichar(out, c);
    }
}

char *nv_text_sanitize(const char *in)
{
    if (in == NULL)
        return g_strdup("");

    size_t len = strlen(in);
    GString *out = g_string_sized_new(len + 1);
    const char *p = in;
    const char *end = in + len;

    while (p < end) {
        const char *valid_end = NULL;
        g_utf8_validate(p, end - p, &valid_end);
        for (const char *q = p; q < valid_end; q = g_utf8_next_char(q))
            append_char(out, g_utf8_get_char(q));
        p = valid_end;
        if (p < end) {
            /* One replacement per bad byte keeps resynchronising simple and visible. */
            g_string_append_unichar(out, 0xFFFD);
            p++;
        }
    }
    return g_string_free(out, FALSE);
}

static int char_width(gunichar c)
{
    /* Controls never reach the screen after sanitising; they take no column of their own. */
    if (c < 0x20 || (c >= 0x7F && c < 0xA0))
        return 0;
    if (g_unichar_iszerowidth(c))
        return 0;
    if (g_unichar_iswide(c))
        return 2;
    return 1;
}

int nv_text_width(const char *utf8)
{
    if (utf8 == NULL)
        return 0;

    int width = 0;
    const char *p = utf8;
    const char *end = utf8 + strlen(utf8);

    while (p < end) {
        const char *valid_end = NULL;
        g_utf8_validate(p, end - p, &valid_end);
        for (const char *q = p; q < valid_end; q = g_utf8_next_char(q))
            width += char_width(g_utf8_get_char(q));
        p = valid_end;
        if (p < end) {
            width += 1; /* drawn as U+FFFD once sanitised */
            p++;
        }
    }
    return width;
}

char *nv_text_fit(const char *in, int cols)
{
    if (cols <= 0)
        return g_strdup("");

    g_autofree char *safe = nv_text_sanitize(in);
    if (nv_text_width(safe) <= cols)
        return g_steal_pointer(&safe);

    /* Room for the text before the one-column ellipsis. */
    int budget = cols - 1;
    int width = 0;
    const char *p = safe;
    while (*p != '\0') {
        int w = char_width(g_utf8_get_char(p));
        if (width + w > budget)
            break;
        width += w;
        p = g_utf8_next_char(p);
    }

    GString *out = g_string_new_len(safe, p - safe);
    g_string_append(out, "…");
    return g_string_free(out, FALSE);
}

char *nv_text_pad(const char *in, int cols)
{
    if (cols <= 0)
        return g_strdup("");

    g_autofree char *fit = nv_text_fit(in, cols);
    int width = nv_text_width(fit);
    if (width >= cols)
        return g_steal_pointer(&fit);

    GString *out = g_string_new(fit);
    for (int i = width; i < cols; i++)
        g_string_append_c(out, ' ');
    return g_string_free(out, FALSE);
}

static const char *const units[] = {
    N_("B"), N_("KiB"), N_("MiB"), N_("GiB"), N_("TiB"), N_("PiB"), N_("EiB"), N_("ZiB"),
};

/* `value` in units[unit]; moves up while the number would print as 1024 or more. B and KiB
 * print whole, larger units with one decimal. */
static char *format_size(unsigned long long value, unsigned unit)
{
    const unsigned last = G_N_ELEMENTS(units) - 1;

    if (unit == 0 && value < 1024)
        return g_strdup_printf("%llu %s", value, _(units[0]));

    double v = (double)value;
    for (;;) {
        gboolean whole = unit <= 1;
        /* The limits are where printf's rounding would show "1024". */
        if (whole && (v < 1023.5 || unit == last))
            return g_strdup_printf("%.0f %s", v, _(units[unit]));
        if (!whole && (v < 1023.95 || unit == last))
            return g_strdup_printf("%.1f %s", v, _(units[unit]));
        v /= 1024.0;
        unit++;
    }
}

char *nv_format_kib(unsigned long long kib)
{
    return format_size(kib, 1);
}

char *nv_format_bytes(unsigned long long bytes)
{
    return format_size(bytes, 0);
}
