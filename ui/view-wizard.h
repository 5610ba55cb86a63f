/* The wizard runner's reading of a step's field table (view-wizard.c), apart from the view so
 * a test can check it: the runner itself is declared in wizard-api.h. No curses. */
#pragma once

#include "wizard-api.h"

/* Adds to `form` the rows of `step` visible in `state` (NvWizardStep.state), loaded from the
 * draft: the initial callback's text, else the slot's value. */
void nv_wizard_fields_build(NvForm *form, const NvWizardStep *step, gpointer draft, guint state);
/* Stores the slotted rows visible in `state` back into the draft (the form is valid). */
void nv_wizard_fields_store(NvForm *form, const NvWizardStep *step, gpointer draft, guint state);
/* The edit of field `edited` (its id), or a refresh (NULL): a live step's `refresh` field is
 * stored and the step's state read again; the rows take what the draft now says (see
 * NvWizardStep.live). Returns the state the rows now show. */
guint nv_wizard_fields_update(NvForm *form, const NvWizardStep *step, gpointer draft, guint state,
                              const char *edited);
