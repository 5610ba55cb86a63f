/* The form widget's drawing (widget-form.c); the form itself is form-model.h, free of curses.
 * Used by the details editor and the wizard runner. */
#pragma once

#include "form-model.h"
#include "ui-internal.h"

/* Draws into w at y,x, h rows of `width` columns, scrolled to keep the focus in view. */
void nv_form_draw(NvForm *form, WINDOW *w, int y, int x, int h, int width);
