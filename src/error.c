/* The GError domain of the core, so callers can tell our errors from GLib's. */
#include "error.h"

/* The quark's name is stringified from these tokens: keep clang-format from spacing them. */
/* clang-format off */
G_DEFINE_QUARK(nv-error-quark, nv_error)
/* clang-format on */
