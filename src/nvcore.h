/* The core's public header for ui/ and wizards/: no curses, no libvirt types. */
#pragma once

#include "keymap-actions.h"
#include "cells.h"
#include "conn-auth.h"
#include "conn.h"
#include "conn-config.h"
#include "conn-uri.h"
#include "error.h"
#include "i18n.h"
#include "keymap.h"
#include "domain-listing.h"
#include "model.h"
#include "text.h"
