/* A PNG writer small enough to read at once: signature, IHDR, one IDAT (zlib's compress2 over
 * filter-type-0 scanlines), IEND, each chunk with its CRC-32. */
#include "vnc-png.h"

#include <string.h>
#include <zlib.h>

#include "error.h"
#include "i18n.h"
#include "text.h"

static void put_be32(GByteArray *out, uint32_t v)
{
    uint8_t b[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    g_byte_array_append(out, b, 4);
}

/* Length, type, data, then the CRC over type and data. */
static void put_chunk(GByteArray *out, const char type[4], const uint8_t *data, size_t len)
{
    put_be32(out, (uint32_t)len);
    size_t type_at = out->len;
    g_byte_array_append(out, (const uint8_t *)type, 4);
    if (len > 0)
        g_byte_array_append(out, data, (guint)len);
    uLong crc = crc32(0L, Z_NULL, 0);
    crc = crc32_z(crc, out->data + type_at, len + 4);
    put_be32(out, (uint32_t)crc);
}

GBytes *nv_png_encode(const uint8_t *pixels, int w, int h, int stride, GError **err)
{
    if (pixels == NULL || w <= 0 || h <= 0 || w > NV_PNG_MAX_SIZE || h > NV_PNG_MAX_SIZE ||
        stride < w * 4) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("cannot save a %d×%d image"), w, h);
        return NULL;
    }

    /* Each scanline: filter type 0 (none), then R G B per pixel. */
    size_t line = 1 + (size_t)w * 3;
    size_t raw_len = line * (size_t)h;
    g_autofree uint8_t *raw = g_try_malloc(raw_len);
    uLongf packed_len = compressBound((uLong)raw_len);
    g_autofree uint8_t *packed = g_try_malloc(packed_len);
    if (raw == NULL || packed == NULL) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("not enough memory to save a %d×%d image"), w,
                    h);
        return NULL;
    }
    for (int y = 0; y < h; y++) {
        const uint8_t *src = pixels + (size_t)y * (size_t)stride;
        uint8_t *dst = raw + (size_t)y * line;
        *dst++ = 0;
        for (int x = 0; x < w; x++, src += 4) {
            *dst++ = src[0];
            *dst++ = src[1];
            *dst++ = src[2];
        }
    }
    int zr = compress2(packed, &packed_len, raw, (uLong)raw_len, 6);
    if (zr != Z_OK) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot compress the image: %s"), zError(zr));
        return NULL;
    }

    GByteArray *out = g_byte_array_sized_new((guint)packed_len + 64);
    static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    g_byte_array_append(out, signature, sizeof(signature));

    /* Width, height, bit depth 8, colour type 2 (RGB), compression, filter, no interlace. */
    uint8_t ihdr[13] = {0};
    for (int i = 0; i < 4; i++) {
        ihdr[i] = (uint8_t)((uint32_t)w >> (24 - 8 * i));
        ihdr[4 + i] = (uint8_t)((uint32_t)h >> (24 - 8 * i));
    }
    ihdr[8] = 8;
    ihdr[9] = 2;
    put_chunk(out, "IHDR", ihdr, sizeof(ihdr));
    put_chunk(out, "IDAT", packed, packed_len);
    put_chunk(out, "IEND", NULL, 0);
    return g_byte_array_free_to_bytes(out);
}

gboolean nv_png_write(const char *path, const uint8_t *pixels, int w, int h, int stride,
                      GError **err)
{
    g_autoptr(GBytes) png = nv_png_encode(pixels, w, h, stride, err);
    if (png == NULL)
        return FALSE;

    gsize len;
    const char *data = g_bytes_get_data(png, &len);
    g_autoptr(GError) local = NULL;
    if (!g_file_set_contents_full(path, data, (gssize)len, G_FILE_SET_CONTENTS_CONSISTENT, 0644,
                                  &local)) {
        g_autofree char *shown = nv_text_sanitize(path);
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot save the screenshot to %s: %s"),
                    shown, local->message);
        return FALSE;
    }
    return TRUE;
}
