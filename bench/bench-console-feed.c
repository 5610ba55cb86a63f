/* Benchmark of console.c, run by hand: how fast ncvirt's serial console takes a guest's output
 * (UTF-8 check, escape-sequence guard, libvterm with scrollback), without libvirt or a screen.
 * This is ncvirt's own ceiling for serial throughput; bench/bench-serial.sh measures the real
 * path (guest UART -> libvirtd -> stream -> console -> curses) against `virsh console`.
 *
 * Feeds 10 MiB of console output into nv_console_new_detached(50, 160) in chunks of 4 KiB:
 *   - 5 MiB of log-like lines (timestamps, "[  OK  ]" in green, warnings in bold yellow, errors
 *     in red, SGR resets, CR LF line ends, some lines longer than 160 columns that wrap);
 *   - 5 MiB of random base64 text in lines of 76 characters with CR LF, which is what
 *     `head -c N /dev/urandom | base64` prints through a tty (bench-serial.sh's guest command).
 * The data is built once before the clock starts (deterministic: fixed seed). Per run a fresh
 * console gets the whole 10 MiB; 1 untimed warm-up run, then 5 timed runs. Prints MiB/s (median
 * and min/max) of each half and of the whole. Exits 1 if the screen does not end with the last
 * line fed (the bytes did not reach libvterm).
 *
 *   build/bench/bench-console-feed [RUNS]
 */
#include <glib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"

#define ROWS 50
#define COLS 160
#define CHUNK 4096
#define TOTAL (10 * 1024 * 1024)
#define HALF (TOTAL / 2)
#define MIB (1024.0 * 1024.0)

static const char *const words[] = {
    "Started",   "Reached",  "target",       "Mounting",   "Mounted",
    "kernel",    "systemd",  "device",       "network",    "Starting",
    "Finished",  "service",  "Listening",    "socket",     "on",
    "for",       "the",      "journal",      "udev",       "virtio",
    "block",     "vda1",     "ext4",         "filesystem", "with",
    "ordered",   "data",     "mode",         "Opts:",      "(null)",
    "Quota",     "ttyS0",    "16550A",       "irq",        "4",
    "at",        "0x3f8",    "is",           "a",          "clocksource",
    "tsc",       "Switched", "to",           "ACPI:",      "PCI",
    "Interrupt", "Link",     "[LNKC]",       "enabled",    "10",
    "11",        "memory",   "auto-onlined", "random:",    "crng",
    "init",      "done",     "EXT4-fs",      "(vda1):",    "re-mounted.",
    "Session",   "1",        "of",           "user",       "root.",
};

static void append_word_line(GString *s, GRand *rand, int min_words, int max_words)
{
    int n = g_rand_int_range(rand, min_words, max_words + 1);
    for (int i = 0; i < n; i++) {
        if (i > 0)
            g_string_append_c(s, ' ');
        g_string_append(s, words[g_rand_int_range(rand, 0, (gint32)G_N_ELEMENTS(words))]);
    }
}

/* Boot-log and dmesg-like lines with colours, CR LF ends; exactly `len` bytes. The last line is
 * left unfinished only if `len` cuts it. */
static void make_log(GString *s, GRand *rand, gsize len)
{
    gsize start = s->len;
    unsigned line = 0;
    while (s->len - start < len) {
        int kind = g_rand_int_range(rand, 0, 10);
        double stamp = (double)line * 0.0137;
        switch (kind) {
        case 0: /* systemd status in green */
            g_string_append(s, "[\033[0;32m  OK  \033[0m] ");
            append_word_line(s, rand, 3, 9);
            g_string_append_c(s, '.');
            break;
        case 1: /* a warning: bold yellow */
            g_string_append_printf(s, "[%12.6f] \033[1;33mWARNING:\033[0m ", stamp);
            append_word_line(s, rand, 4, 12);
            break;
        case 2: /* an error: red, then a long line that wraps past 160 columns */
            g_string_append_printf(s, "[%12.6f] \033[31merror\033[39m: ", stamp);
            append_word_line(s, rand, 20, 35);
            break;
        case 3: /* ls --color style */
            for (int i = 0; i < 6; i++)
                g_string_append_printf(s, "\033[01;34mdir%u\033[0m  \033[01;32mrun%u.sh\033[0m  ",
                                       line + (unsigned)i, line + (unsigned)i);
            break;
        default: /* plain kernel message */
            g_string_append_printf(s, "[%12.6f] ", stamp);
            append_word_line(s, rand, 3, 14);
            break;
        }
        g_string_append(s, "\r\n");
        line++;
    }
    g_string_truncate(s, start + len);
}

/* Random base64 in 76-column lines with CR LF; exactly `len` bytes. */
static void make_base64(GString *s, GRand *rand, gsize len)
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    gsize start = s->len;
    while (s->len - start < len) {
        for (int i = 0; i < 76; i++)
            g_string_append_c(s, alphabet[g_rand_int_range(rand, 0, 64)]);
        g_string_append(s, "\r\n");
    }
    g_string_truncate(s, start + len);
}

static double feed_ms(NvConsole *c, const char *data, gsize len)
{
    gint64 t0 = g_get_monotonic_time();
    for (gsize off = 0; off < len; off += CHUNK)
        nv_console_feed(c, data + off, MIN((gsize)CHUNK, len - off));
    nv_console_drain(c);
    return (double)(g_get_monotonic_time() - t0) / 1000.0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* MiB/s from times in ms: median, min, max (sorts ms). */
static void report(const char *what, gsize bytes, double *ms, int runs)
{
    qsort(ms, (size_t)runs, sizeof(double), cmp_double);
    double mib = (double)bytes / MIB;
    printf("%-34s %8.1f MiB/s  (min %.1f, max %.1f; %.1f ms for %.1f MiB)\n", what,
           mib / (ms[runs / 2] / 1000.0), mib / (ms[runs - 1] / 1000.0), mib / (ms[0] / 1000.0),
           ms[runs / 2], mib);
}

/* The text of screen row `row`, trailing blanks dropped. */
static char *row_text(NvConsole *c, int row)
{
    GString *s = g_string_new(NULL);
    for (int col = 0; col < COLS; col++) {
        NvConsoleCell cell;
        if (nv_console_get_cell(c, row, col, &cell) && cell.width > 0)
            g_string_append(s, cell.text[0] ? cell.text : " ");
    }
    while (s->len > 0 && s->str[s->len - 1] == ' ')
        g_string_truncate(s, s->len - 1);
    return g_string_free(s, FALSE);
}

int main(int argc, char **argv)
{
    int runs = argc > 1 ? atoi(argv[1]) : 5;
    if (runs < 1) {
        fprintf(stderr, "usage: bench-console-feed [RUNS]\n");
        return 2;
    }
    GRand *rand = g_rand_new_with_seed(7);
    GString *data = g_string_sized_new(TOTAL + 256);
    make_log(data, rand, HALF);
    make_base64(data, rand, TOTAL - HALF);
    g_rand_free(rand);
    /* The last complete base64 line fed, for the check. */
    const char *end = data->str + data->len;
    const char *p = end;
    while (p > data->str && p[-1] != '\n')
        p--;                      /* start of the unfinished last line */
    const char *last_end = p - 2; /* before its CR LF */
    const char *last = last_end;
    while (last > data->str && last[-1] != '\n')
        last--;
    g_autofree char *want_last = g_strndup(last, (gsize)(last_end - last));
    g_autofree char *want_tail = g_strndup(p, (gsize)(end - p));

    double *ms_log = g_new(double, runs), *ms_b64 = g_new(double, runs),
           *ms_all = g_new(double, runs);
    gboolean ok = TRUE;
    for (int i = -1; i < runs; i++) {
        NvConsole *c = nv_console_new_detached(ROWS, COLS);
        double a = feed_ms(c, data->str, HALF);
        double b = feed_ms(c, data->str + HALF, data->len - HALF);
        if (i >= 0) {
            ms_log[i] = a;
            ms_b64[i] = b;
            ms_all[i] = a + b;
        }
        int row = -1, col = -1;
        nv_console_get_cursor(c, &row, &col);
        g_autofree char *prev = row > 0 ? row_text(c, row - 1) : g_strdup("");
        g_autofree char *cur = row >= 0 ? row_text(c, row) : g_strdup("");
        if (strcmp(prev, want_last) != 0 || strcmp(cur, want_tail) != 0) {
            fprintf(stderr,
                    "bench-console-feed: the screen does not end with the data fed\n"
                    "  want: %s / %s\n  got:  %s / %s\n",
                    want_last, want_tail, prev, cur);
            ok = FALSE;
        }
        if (i == runs - 1 && nv_console_get_scrollback(c) != NV_CONSOLE_SCROLLBACK) {
            fprintf(stderr, "bench-console-feed: scrollback holds %d lines, not %d\n",
                    nv_console_get_scrollback(c), NV_CONSOLE_SCROLLBACK);
            ok = FALSE;
        }
        nv_console_free(c);
    }

    printf("nv_console_feed, %dx%d screen, %d KiB chunks, median of %d runs:\n", COLS, ROWS,
           CHUNK / 1024, runs);
    report("  log lines with SGR colours, CRLF", HALF, ms_log, runs);
    report("  random base64, 76 columns, CRLF", data->len - HALF, ms_b64, runs);
    report("  all 10 MiB", data->len, ms_all, runs);
    g_free(ms_log);
    g_free(ms_b64);
    g_free(ms_all);
    g_string_free(data, TRUE);
    return ok ? 0 : 1;
}
