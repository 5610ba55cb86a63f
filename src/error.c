/* The GError domain of the core, so callers can tell our errors from GLib's, and the helper
 * every check uses to refuse a value. */
#include "error.h"

/* The quark's name is stringified from these tokens: keep clang-format from spacing them. */
/* clang-format off */
G_DEFINE_QUARK(nv-error-quark, nv_error)
/* clang-format on */

gboolean nv_error_invalid(GError **err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    g_autofree char *msg = g_strdup_vprintf(fmt, ap);
    va_end(ap);
    g_set_error_literal(err, NV_ERROR, NV_ERROR_INVALID, msg);
    return FALSE;
}
