/* The wizard view: steps over a draft, Back/Next/Cancel, a summary with the full XML, and a
 * commit that either creates everything or leaves nothing behind. */
#include "wizard.h"

struct NvWizard {
    NvView base;
    gatomicrefcount refs;
    gboolean open;
    const NvWizardClass *klass;
    gpointer draft;
    guint step;       /* index into klass->steps; n_steps is the summary */
    NvForm *form;     /* the current step's form; NULL on the summary */
    NvLines *summary; /* the summary step's text */
    char *summary_error;
    int scroll;
    gboolean committing;
    char *status;
    gboolean status_error;
};

NvWizard *nv_wizard_ref(NvWizard *wz)
{
    g_atomic_ref_count_inc(&wz->refs);
    return wz;
}

void nv_wizard_unref(NvWizard *wz)
{
    if (!g_atomic_ref_count_dec(&wz->refs))
        return;
    if (wz->klass->draft_free && wz->draft)
        wz->klass->draft_free(wz->draft);
    nv_form_free(wz->form);
    nv_lines_free(wz->summary);
    g_free(wz->summary_error);
    g_free(wz->status);
    g_free(wz);
}

gboolean nv_wizard_is_open(NvWizard *wz)
{
    return wz->open;
}

NvApp *nv_wizard_app(NvWizard *wz)
{
    return wz->base.app;
}

NvConn *nv_wizard_conn(NvWizard *wz)
{
    return wz->base.app->conn;
}

void nv_wizard_set_status(NvWizard *wz, const char *text, gboolean error)
{
    g_free(wz->status);
    wz->status = g_strdup(text);
    wz->status_error = error;
    if (wz->open)
        nv_app_dirty(wz->base.app);
}

static gboolean on_summary(NvWizard *wz)
{
    return wz->step >= wz->klass->n_steps;
}

static void enter_summary(NvWizard *wz)
{
    g_clear_pointer(&wz->form, nv_form_free);
    g_clear_pointer(&wz->summary, nv_lines_free);
    g_clear_pointer(&wz->summary_error, g_free);
    wz->summary = nv_lines_new();
    wz->scroll = 0;
    g_autoptr(GError) err = NULL;
    g_autofree char *text = wz->klass->summary(wz->draft, &err);
    if (!text) {
        wz->summary_error = g_strdup(err ? err->message : _("cannot describe the result"));
        return;
    }
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (guint i = 0; lines[i]; i++)
        nv_lines_add(wz->summary, "", lines[i]);
}

static void enter_step(NvWizard *wz)
{
    nv_wizard_set_status(wz, NULL, FALSE);
    if (on_summary(wz)) {
        enter_summary(wz);
        return;
    }
    g_clear_pointer(&wz->form, nv_form_free);
    wz->form = nv_form_new();
    nv_form_set_show_changes(wz->form, FALSE);
    wz->klass->steps[wz->step].build(wz, wz->form, wz->draft);
    nv_form_add_button(wz->form, "wizard-next",
                       wz->step + 1 < wz->klass->n_steps ? _("Next") : _("Summary"));
    if (wz->step > 0)
        nv_form_add_button(wz->form, "wizard-back", _("Back"));
    nv_form_add_button(wz->form, "wizard-cancel", _("Cancel"));
}

void nv_wizard_rebuild(NvWizard *wz)
{
    if (!wz->open || on_summary(wz))
        return;
    /* Keep the user's place: refocus the same row after the rebuild. */
    g_autofree char *focus = g_strdup(wz->form ? nv_form_focus_key(wz->form) : NULL);
    enter_step(wz);
    if (focus)
        nv_form_focus(wz->form, focus);
    nv_app_dirty(wz->base.app);
}

static gboolean step_skipped(NvWizard *wz, guint step)
{
    const NvWizardStep *s = &wz->klass->steps[step];
    return s->skip && s->skip(wz->draft);
}

static void go_next(NvWizard *wz)
{
    if (on_summary(wz)) {
        if (wz->committing || wz->summary_error)
            return;
        wz->committing = TRUE;
        nv_wizard_set_status(wz, _("creating…"), FALSE);
        wz->klass->commit(wz, wz->draft);
        return;
    }
    if (!nv_form_check(wz->form)) {
        nv_wizard_set_status(wz, _("fix the marked field first"), TRUE);
        return;
    }
    const NvWizardStep *s = &wz->klass->steps[wz->step];
    if (s->read && !s->read(wz, wz->form, wz->draft)) {
        if (!wz->status)
            nv_wizard_set_status(wz, _("fix the marked field first"), TRUE);
        return;
    }
    do
        wz->step++;
    while (!on_summary(wz) && step_skipped(wz, wz->step));
    enter_step(wz);
}

static void go_back(NvWizard *wz)
{
    if (wz->committing)
        return;
    /* Going back keeps what this step holds, when it reads cleanly. */
    if (!on_summary(wz) && wz->klass->steps[wz->step].read && nv_form_check(wz->form))
        wz->klass->steps[wz->step].read(wz, wz->form, wz->draft);
    guint step = wz->step;
    while (step > 0) {
        step--;
        if (!step_skipped(wz, step)) {
            wz->step = step;
            enter_step(wz);
            return;
        }
    }
}

static void cancel_answer(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    NvWizard *wz = data;
    if (index == 0 && wz->open && app->view == &wz->base)
        nv_app_close_view(app);
    nv_wizard_unref(wz);
}

static void ask_cancel(NvWizard *wz)
{
    if (wz->committing) {
        nv_wizard_set_status(wz, _("creating: wait for it to finish"), TRUE);
        return;
    }
    nv_app_confirm(wz->base.app, _("Cancel"), _("Leave the wizard? Nothing has been created."),
                   NULL, cancel_answer, nv_wizard_ref(wz));
}

void nv_wizard_finished(NvWizard *wz, const GError *err, const char *message)
{
    wz->committing = FALSE;
    NvApp *app = wz->base.app;
    if (!wz->open) {
        nv_app_message(app, err ? err->message : message, err != NULL);
        return;
    }
    if (err) {
        nv_wizard_set_status(wz, err->message, TRUE);
        return;
    }
    nv_app_close_view(app);
    nv_app_message(app, message, FALSE);
}

static void activate(NvWizard *wz)
{
    const char *key = nv_form_focus_key(wz->form);
    NvFormRowKind kind = nv_form_focus_kind(wz->form);
    if (g_strcmp0(key, "wizard-next") == 0) {
        go_next(wz);
    } else if (g_strcmp0(key, "wizard-back") == 0) {
        go_back(wz);
    } else if (g_strcmp0(key, "wizard-cancel") == 0) {
        ask_cancel(wz);
    } else if (kind == NV_FORM_BUTTON || kind == NV_FORM_ITEM) {
        const NvWizardStep *s = &wz->klass->steps[wz->step];
        if (s->activate)
            s->activate(wz, wz->form, key, wz->draft);
    } else {
        /* Enter in a field goes on to the next one: type, Enter, type, Enter… */
        nv_form_action(wz->form, NV_ACTION_FIELD_NEXT);
    }
}

static gboolean action(NvView *view, NvAction a)
{
    NvWizard *wz = (NvWizard *)view;
    switch (a) {
    case NV_ACTION_CANCEL:
        ask_cancel(wz);
        break;
    case NV_ACTION_WIZARD_NEXT:
    case NV_ACTION_APPLY:
        go_next(wz);
        break;
    case NV_ACTION_WIZARD_BACK:
        go_back(wz);
        break;
    case NV_ACTION_ACCEPT:
        if (on_summary(wz))
            go_next(wz);
        else
            activate(wz);
        break;
    case NV_ACTION_COMPLETE:
        if (wz->form)
            nv_form_complete(wz->form);
        break;
    case NV_ACTION_UP:
    case NV_ACTION_DOWN:
    case NV_ACTION_PAGE_UP:
    case NV_ACTION_PAGE_DOWN:
        if (wz->form) {
            nv_form_action(wz->form, a);
        } else {
            int step = (a == NV_ACTION_PAGE_UP || a == NV_ACTION_PAGE_DOWN) ? 10 : 1;
            wz->scroll += (a == NV_ACTION_UP || a == NV_ACTION_PAGE_UP) ? -step : step;
            wz->scroll = MAX(0, wz->scroll);
        }
        break;
    default:
        if (wz->form)
            nv_form_action(wz->form, a);
        break;
    }
    return TRUE;
}

static void key(NvView *view, NvKey k)
{
    NvWizard *wz = (NvWizard *)view;
    if (wz->form)
        nv_form_key(wz->form, k);
}

static char *hints(NvWizard *wz)
{
    NvApp *app = wz->base.app;
    const struct {
        NvAction action;
        const char *text;
    } keys[] = {
        {NV_ACTION_WIZARD_NEXT, on_summary(wz) ? N_("create") : N_("next")},
        {NV_ACTION_WIZARD_BACK, N_("back")},
        {NV_ACTION_FIELD_NEXT, N_("next field")},
        {NV_ACTION_CANCEL, N_("cancel")},
    };
    g_autoptr(GArray) binds = nv_keymap_bindings(app->keymap, NV_CTX_FORM);
    GString *s = g_string_new(" ");
    for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
        for (guint i = 0; i < binds->len; i++)
            if (g_array_index(binds, NvBinding, i).action == keys[k].action) {
                g_autofree char *name = nv_key_name(g_array_index(binds, NvBinding, i).key);
                g_string_append_printf(s, "%s %s  ", name, _(keys[k].text));
                break;
            }
    return g_string_free(s, FALSE);
}

static void draw(NvView *view)
{
    NvWizard *wz = (NvWizard *)view;
    NvApp *app = view->app;
    werase(stdscr);
    guint shown_steps = wz->klass->n_steps + 1;
    const char *step_title = on_summary(wz) ? _("Summary") : _(wz->klass->steps[wz->step].title);
    g_autofree char *title = g_strdup_printf(_(" %s — step %u of %u: %s"), _(wz->klass->title),
                                             wz->step + 1, shown_steps, step_title);
    nv_draw_fill(stdscr, 0, 0, app->cols, COLOR_PAIR(NV_COLOR_HEADER));
    nv_draw_text(stdscr, 0, 0, title, app->cols, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
    int body_h = app->rows - 4;
    nv_draw_box(stdscr, 1, 0, body_h + 2, app->cols, step_title, TRUE);
    if (wz->form) {
        nv_form_draw(wz->form, stdscr, 2, 2, body_h, app->cols - 4);
    } else if (wz->summary_error) {
        nv_draw_text(stdscr, 2, 2, wz->summary_error, app->cols - 4,
                     COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD);
    } else {
        int max = MAX(0, (int)wz->summary->labels->len - body_h);
        wz->scroll = MIN(wz->scroll, max);
        nv_lines_draw(wz->summary, stdscr, 2, 2, body_h, app->cols - 4, wz->scroll);
    }
    int y = app->rows - 1;
    if (wz->status) {
        attr_t attr = wz->status_error ? COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD : A_BOLD;
        nv_draw_text(stdscr, y, 0, wz->status, app->cols, attr);
    } else {
        g_autofree char *h = hints(wz);
        nv_draw_text(stdscr, y, 0, h, app->cols, A_DIM);
    }
}

static void view_free(NvView *view)
{
    NvWizard *wz = (NvWizard *)view;
    wz->open = FALSE;
    nv_wizard_unref(wz);
}

static const NvViewClass wizard_view_class = {
    .context = NV_CTX_FORM,
    .draw = draw,
    .action = action,
    .key = key,
    .free = view_free,
};

NvView *nv_wizard_new(NvApp *app, const NvWizardClass *klass, gpointer draft)
{
    NvWizard *wz = g_new0(NvWizard, 1);
    g_atomic_ref_count_init(&wz->refs);
    wz->base.klass = &wizard_view_class;
    wz->base.app = app;
    wz->klass = klass;
    wz->draft = draft;
    wz->open = TRUE;
    while (wz->step < klass->n_steps && step_skipped(wz, wz->step))
        wz->step++;
    enter_step(wz);
    return &wz->base;
}
