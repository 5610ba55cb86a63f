/* What the libFuzzer harnesses of tests/fuzz share: the entry point, the input as a C string,
 * and a reader that takes sizes and choices off the front of the input. */
#pragma once

#include <glib.h>
#include <locale.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Once per process: UTF-8 as in the program, and a GLib critical (a broken precondition in the
 * code under test) is a crash the fuzzer reports. */
static inline void fuzz_init(void)
{
    static gboolean done;
    if (done)
        return;
    done = TRUE;
    setlocale(LC_ALL, "C.UTF-8");
    g_log_set_always_fatal(G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_ERROR);
}

/* The input as text, cut at its first NUL as libvirt's strings and files are. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    return g_strndup((const char *)data, size);
}

typedef struct {
    const uint8_t *data;
    size_t size;
} FuzzReader;

/* The next byte, 0 when the input is used up. */
static inline guint8 fuzz_u8(FuzzReader *r)
{
    if (r->size == 0)
        return 0;
    guint8 b = r->data[0];
    r->data++;
    r->size--;
    return b;
}

static inline guint16 fuzz_u16(FuzzReader *r)
{
    guint16 hi = fuzz_u8(r);
    return (guint16)(hi << 8 | fuzz_u8(r));
}

/* Keeps a result the harness only wants made (and freed) from looking unused. */
static inline void fuzz_keep(const void *p)
{
    __asm__ volatile("" : : "r"(p) : "memory");
}
