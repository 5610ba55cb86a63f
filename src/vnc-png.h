/* Screenshots: the 32-bit VNC framebuffer written as an RGB PNG, with zlib and nothing else. */
#pragma once

#include <glib.h>
#include <stdint.h>

/* The largest image side we write (PNG allows more; a framebuffer never needs it). */
#define NV_PNG_MAX_SIZE 32768

/* `pixels` holds `h` rows of `w` pixels, `stride` bytes apart, 4 bytes per pixel in memory
 * order R, G, B, unused (the layout of nv_vnc_lock_frame). */
GBytes *nv_png_encode(const uint8_t *pixels, int w, int h, int stride, GError **err);
/* Encodes, then replaces `path` atomically (a temporary file renamed over it). */
gboolean nv_png_write(const char *path, const uint8_t *pixels, int w, int h, int stride,
                      GError **err);
