/* Errors of the core, as GError values: callers pass them up, the UI shows them. */
#pragma once

#include <glib.h>

#define NV_ERROR (nv_error_quark())

typedef enum {
    NV_ERROR_FAILED,       /* anything without a better code */
    NV_ERROR_LIBVIRT,      /* a libvirt call failed; the message holds libvirt's text */
    NV_ERROR_NO_SUPPORT,   /* the driver does not implement the call */
    NV_ERROR_PARSE,        /* XML or a config/keymap file could not be read */
    NV_ERROR_INVALID,      /* a value from the user or a file is out of range */
    NV_ERROR_DISCONNECTED, /* the connection is closed or being reopened */
} NvErrorCode;

GQuark nv_error_quark(void);

/* Sets err to NV_ERROR_INVALID with the formatted message and returns FALSE, so that a check
 * reads `return nv_error_invalid(err, _("..."), ...);`. */
gboolean nv_error_invalid(GError **err, const char *fmt, ...) G_GNUC_PRINTF(2, 3);
