/* gettext for the whole tree: _() for strings shown now, N_() for strings in tables. */
#pragma once

#include "config.h"
#include <glib/gi18n-lib.h>
