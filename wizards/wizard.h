/* The wizard framework: a sequence of steps over a heap-allocated draft, each step a form of
 * typed fields (ui/widget-form.h); the last step shows a summary and the full XML before
 * anything is created. Back, Next and Cancel at every step; cancel leaves nothing behind. */
#pragma once

#include "ui-internal.h"
#include "widget-form.h"

typedef struct NvWizard NvWizard;

typedef struct {
    const char *title; /* N_() */
    /* Fills a fresh form from the draft when the step is entered. */
    void (*build)(NvWizard *wz, NvForm *form, gpointer draft);
    /* Reads the form back into the draft on Next; FALSE (with notes set on the rows at
     * fault) keeps the user on the step. Fields are already valid by their own rules. */
    gboolean (*read)(NvWizard *wz, NvForm *form, gpointer draft);
    /* A button or list item of the step was activated (Enter on it). Optional. */
    void (*activate)(NvWizard *wz, NvForm *form, const char *key, gpointer draft);
    /* TRUE when the step does not apply to this draft (e.g. no storage for PXE). Optional. */
    gboolean (*skip)(gpointer draft);
} NvWizardStep;

typedef struct {
    const char *title; /* N_(): "New virtual machine" */
    const NvWizardStep *steps;
    guint n_steps;
    /* The text of the summary step: what will be created, then the full XML. NULL with `err`
     * when the draft cannot be turned into XML (shown instead; Create is refused). */
    char *(*summary)(gpointer draft, GError **err);
    /* Creates what the draft describes, asynchronously, then calls nv_wizard_finished. It
     * must leave nothing behind on failure (delete what it created before the failure). */
    void (*commit)(NvWizard *wz, gpointer draft);
    GDestroyNotify draft_free;
} NvWizardClass;

/* A full-screen view running the wizard; the view owns the draft. */
NvView *nv_wizard_new(NvApp *app, const NvWizardClass *klass, gpointer draft);

NvApp *nv_wizard_app(NvWizard *wz);
NvConn *nv_wizard_conn(NvWizard *wz);
/* The end of commit: `err` NULL closes the wizard and shows `message`; an error keeps the
 * summary step open with the error, so the user can go back and change something. Safe to
 * call after the user closed the wizard (then only the message is shown). */
void nv_wizard_finished(NvWizard *wz, const GError *err, const char *message);
/* Rebuilds the current step's form from the draft (e.g. when data it lists has arrived). */
void nv_wizard_rebuild(NvWizard *wz);
/* A line under the form (e.g. "checking the name…"); NULL clears. */
void nv_wizard_set_status(NvWizard *wz, const char *text, gboolean error);
/* The wizard holds a reference while asynchronous work for it is in flight, so callbacks may
 * still use it after the user closed it (nv_wizard_is_open tells). */
NvWizard *nv_wizard_ref(NvWizard *wz);
void nv_wizard_unref(NvWizard *wz);
gboolean nv_wizard_is_open(NvWizard *wz);

/* Registers the wizards' launchers with the UI (called once by main.c). */
void nv_wizards_register(void);
