/* gettext for the whole tree: _() for strings shown now, N_() for strings in tables, NP_()
 * for a singular and plural pair in a table (passed to ngettext when shown). */
#pragma once

#include "config.h"
#include <glib/gi18n-lib.h>

/* Marks a plural pair for xgettext (po/meson.build: --keyword=NP_:1,2); expands to both. */
#define NP_(singular, plural) singular, plural
