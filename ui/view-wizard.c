/* The wizard runner (ui/wizard-api.h): a full-screen view stepping over a draft, each step's
 * form built from its field table, Back/Next/Cancel, a summary with the full XML, and a commit
 * that either creates everything or leaves nothing behind. */
#include "pane-storage.h"
#include "view-edit.h"
#include "view-wizard.h"
#include "widget-form.h"

struct NvWizard {
    NvView base;
    gatomicrefcount refs;
    gboolean open;
    const NvWizardClass *klass;
    gpointer draft;
    guint step;       /* index into klass->steps; n_steps is the summary */
    NvForm *form;     /* the current step's form; NULL on the summary */
    guint state;      /* the step's state when its form was built (visible_when) */
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
    return wz->base.conn;
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

/* ---- the field table: rows built from it, values stored back into the draft ---- */

static gboolean field_visible(const NvWizardField *f, guint state)
{
    return f->visible_when == 0 || (f->visible_when & state) != 0;
}

static gpointer step_target(const NvWizardStep *s, gpointer draft)
{
    return s->target ? s->target(draft) : draft;
}

static gpointer slot_of(const NvWizardField *f, gpointer target)
{
    return (char *)target + f->slot;
}

static gboolean slotted(const NvWizardField *f)
{
    return f->slot != NV_WIZARD_NO_SLOT;
}

/* The choices of an enum or a list: the draft's, then the table's; NULL-terminated. */
static void get_choices(const NvWizardField *spec, gconstpointer draft, GPtrArray **values,
                        GPtrArray **labels)
{
    *values = g_ptr_array_new_with_free_func(g_free);
    *labels = g_ptr_array_new_with_free_func(g_free);
    if (spec->choices)
        spec->choices(draft, *values, *labels);
    for (guint i = 0; spec->values && spec->values[i]; i++) {
        g_ptr_array_add(*values, g_strdup(spec->values[i]));
        g_ptr_array_add(*labels, g_strdup(spec->labels ? _(spec->labels[i]) : spec->values[i]));
    }
    g_ptr_array_add(*values, NULL);
    g_ptr_array_add(*labels, NULL);
}

#define STRV(array) ((const char *const *)(array)->pdata)

/* An enum's choices and the label of `value` among them (or of choice `index`). */
static NvField *enum_field(const NvWizardField *spec, gconstpointer draft, const char *value,
                           int index, char **initial)
{
    g_autoptr(GPtrArray) values = NULL;
    g_autoptr(GPtrArray) labels = NULL;
    get_choices(spec, draft, &values, &labels);
    guint n = values->len - 1;
    /* A value that is not a choice stays as it is, and the field says it is not valid. */
    const char *shown = value;
    for (guint i = 0; i < n; i++)
        if ((value && g_strcmp0(values->pdata[i], value) == 0) || (int)i == index)
            shown = labels->pdata[i];
    *initial = g_strdup(shown);
    return nv_field_enum_new(spec->id, _(spec->label), STRV(values), STRV(labels));
}

static NvField *size_field(const NvWizardField *spec, gpointer slot, char **initial)
{
    guint64 scale = spec->scale ? spec->scale : 1;
    if (slot && *(guint64 *)slot > 0)
        *initial = nv_format_size_input(*(guint64 *)slot * scale);
    return nv_field_size_new(
        spec->id, _(spec->label), spec->unit ? spec->unit : G_GUINT64_CONSTANT(1) << 30,
        spec->granularity ? spec->granularity : 1, spec->min, spec->max ? spec->max : G_MAXINT64);
}

/* The field of a row and its text from the slot. */
static NvField *new_field(const NvWizardField *spec, gconstpointer draft, gpointer target,
                          char **initial)
{
    gpointer slot = slotted(spec) ? slot_of(spec, target) : NULL;
    switch (spec->kind) {
    case NV_WIZARD_TEXT:
    case NV_WIZARD_PATH:
        *initial = g_strdup(slot ? *(char **)slot : NULL);
        return spec->kind == NV_WIZARD_TEXT ? nv_field_text_new(spec->id, _(spec->label))
                                            : nv_field_path_new(spec->id, _(spec->label));
    case NV_WIZARD_ENUM:
        return enum_field(spec, draft, slot ? *(char **)slot : NULL, -1, initial);
    case NV_WIZARD_INDEX:
        return enum_field(spec, draft, NULL, slot ? *(int *)slot : -1, initial);
    case NV_WIZARD_BOOL:
        *initial = g_strdup(slot && *(gboolean *)slot ? _("yes") : _("no"));
        return nv_field_bool_new(spec->id, _(spec->label));
    case NV_WIZARD_SIZE:
        return size_field(spec, slot, initial);
    case NV_WIZARD_INT:
        *initial = slot ? g_strdup_printf("%u", *(guint *)slot) : NULL;
        return nv_field_int_new(spec->id, _(spec->label), (gint64)spec->min,
                                spec->max ? (gint64)spec->max : G_MAXINT);
    default:
        return NULL;
    }
}

/* A remark's text, a list's closing remark: NULL hides the row. */
static char *remark_text(const NvWizardField *spec, gconstpointer draft)
{
    if (spec->initial)
        return spec->initial(draft);
    return spec->label ? g_strdup(_(spec->label)) : NULL;
}

static char *hint_text(const NvWizardField *spec, gconstpointer draft)
{
    if (spec->hint_for)
        return spec->hint_for(draft);
    return spec->hint ? g_strdup(_(spec->hint)) : NULL;
}

/* A list's lines from the draft, placed before its closing remark, shown as the row is. */
static void set_list(NvForm *form, const NvWizardField *spec, gconstpointer draft, gboolean visible)
{
    g_autoptr(GPtrArray) keys = NULL;
    g_autoptr(GPtrArray) texts = NULL;
    get_choices(spec, draft, &keys, &texts);
    nv_form_set_items(form, spec->id, spec->id, STRV(keys), STRV(texts));
    for (guint i = 0; i + 1 < keys->len; i++)
        nv_form_set_visible(form, keys->pdata[i], visible);
    g_autofree char *text = remark_text(spec, draft);
    nv_form_set_label(form, spec->id, text ? text : "");
    nv_form_set_visible(form, spec->id, visible && text);
}

static void add_field(NvForm *form, const NvWizardField *spec, gpointer draft, gpointer target)
{
    g_autofree char *initial = spec->initial ? spec->initial(draft) : NULL;
    g_autofree char *loaded = NULL;
    NvField *f = new_field(spec, draft, target, &loaded);
    if (spec->check)
        nv_field_set_check(f, spec->check, draft, NULL);
    if (spec->optional)
        nv_field_set_optional(f, TRUE);
    if ((spec->kind == NV_WIZARD_TEXT || spec->kind == NV_WIZARD_PATH) && spec->max > 0)
        nv_field_set_max_length(f, (guint)spec->max);
    nv_field_set_initial(f, initial ? initial : loaded ? loaded : "");
    g_autofree char *hint = hint_text(spec, draft);
    if (hint)
        nv_field_set_hint(f, hint);
    nv_form_add_field(form, f);
}

/* Adds the row of `spec`; `shown` FALSE adds it hidden (a live step's other states). */
static void add_row(NvForm *form, const NvWizardField *spec, gpointer draft, gpointer target,
                    gboolean shown)
{
    switch (spec->kind) {
    case NV_WIZARD_HEADING:
        nv_form_add_heading(form, _(spec->label));
        return;
    case NV_WIZARD_BUTTON:
        nv_form_add_button(form, spec->id, _(spec->label));
        break;
    case NV_WIZARD_REMARK: {
        g_autofree char *text = remark_text(spec, draft);
        nv_form_add_text(form, spec->id, text ? text : "");
        shown = shown && text;
        break;
    }
    case NV_WIZARD_ITEMS:
        nv_form_add_text(form, spec->id, "");
        set_list(form, spec, draft, shown);
        return;
    default:
        add_field(form, spec, draft, target);
        break;
    }
    if (!shown)
        nv_form_set_visible(form, spec->id, FALSE);
}

static void store_field(const NvWizardField *spec, NvField *f, gpointer target)
{
    gpointer slot = slot_of(spec, target);
    switch (spec->kind) {
    case NV_WIZARD_TEXT:
        g_free(*(char **)slot);
        *(char **)slot = g_strstrip(g_strdup(nv_field_text(f)));
        break;
    case NV_WIZARD_PATH:
        /* As typed: blanks may be part of a path, and its check says when they are not. */
        g_free(*(char **)slot);
        *(char **)slot = g_strdup(nv_field_text(f));
        break;
    case NV_WIZARD_ENUM: {
        const char *value = nv_field_enum_value(f);
        g_free(*(char **)slot);
        *(char **)slot = g_strdup(value ? value : "");
        break;
    }
    case NV_WIZARD_INDEX:
        *(int *)slot = nv_field_enum_index(f);
        break;
    case NV_WIZARD_BOOL:
        *(gboolean *)slot = nv_field_bool(f);
        break;
    case NV_WIZARD_SIZE:
        *(guint64 *)slot = nv_field_is_empty(f) ? 0 : nv_field_bytes(f) / MAX(spec->scale, 1);
        break;
    case NV_WIZARD_INT:
        *(guint *)slot = (guint)nv_field_int(f);
        break;
    default:
        break;
    }
}

void nv_wizard_fields_build(NvForm *form, const NvWizardStep *step, gpointer draft, guint state)
{
    gpointer target = step_target(step, draft);
    for (guint i = 0; i < step->n_fields; i++) {
        gboolean shown = field_visible(&step->fields[i], state);
        if (shown || step->live)
            add_row(form, &step->fields[i], draft, target, shown);
    }
}

void nv_wizard_fields_store(NvForm *form, const NvWizardStep *step, gpointer draft, guint state)
{
    gpointer target = step_target(step, draft);
    for (guint i = 0; i < step->n_fields; i++) {
        const NvWizardField *spec = &step->fields[i];
        NvField *f = nv_form_field(form, spec->id);
        if (f && slotted(spec) && field_visible(spec, state))
            store_field(spec, f, target);
    }
}

/* What a row shows that the draft decides: its choices, hint, text and (live) visibility. */
static void refresh_row(NvForm *form, const NvWizardField *spec, gpointer draft, guint state,
                        gboolean live)
{
    gboolean shown = field_visible(spec, state);
    NvField *f = nv_form_field(form, spec->id);
    if (spec->kind == NV_WIZARD_ITEMS) {
        set_list(form, spec, draft, shown || !live);
        return;
    }
    if (spec->kind == NV_WIZARD_REMARK) {
        g_autofree char *text = remark_text(spec, draft);
        nv_form_set_label(form, spec->id, text ? text : "");
        shown = shown && text;
    } else if (f) {
        if (spec->choices && (spec->kind == NV_WIZARD_ENUM || spec->kind == NV_WIZARD_INDEX)) {
            g_autoptr(GPtrArray) values = NULL;
            g_autoptr(GPtrArray) labels = NULL;
            get_choices(spec, draft, &values, &labels);
            nv_field_enum_set_choices(f, STRV(values), STRV(labels));
        }
        g_autofree char *hint = hint_text(spec, draft);
        nv_field_set_hint(f, hint);
        if (spec->follow && spec->initial && !nv_field_changed(f)) {
            g_autofree char *initial = spec->initial(draft);
            nv_field_set_initial(f, initial);
        }
    }
    if (live && spec->kind != NV_WIZARD_HEADING)
        nv_form_set_visible(form, spec->id, shown);
}

/* A field's check may read what another field stored: run the checks again. */
static void recheck(NvForm *form, const NvWizardStep *step, const char *except)
{
    for (guint i = 0; i < step->n_fields; i++) {
        NvField *f = nv_form_field(form, step->fields[i].id);
        if (f && step->fields[i].check && g_strcmp0(step->fields[i].id, except) != 0) {
            g_autofree char *text = g_strdup(nv_field_text(f));
            nv_field_set_text(f, text);
        }
    }
}

static const NvWizardField *spec_of(const NvWizardStep *step, const char *id, guint state)
{
    for (guint i = 0; id && i < step->n_fields; i++)
        if (g_strcmp0(step->fields[i].id, id) == 0 && field_visible(&step->fields[i], state))
            return &step->fields[i];
    return NULL;
}

guint nv_wizard_fields_update(NvForm *form, const NvWizardStep *step, gpointer draft, guint state,
                              const char *edited)
{
    const NvWizardField *spec = spec_of(step, edited, state);
    if (edited && (!spec || !spec->refresh || !step->live))
        return state;
    NvField *f = spec ? nv_form_field(form, spec->id) : NULL;
    if (f && slotted(spec) && nv_field_is_valid(f))
        store_field(spec, f, step_target(step, draft));
    if (step->live)
        state = step->state ? step->state(draft) : ~0u;
    for (guint i = 0; i < step->n_fields; i++)
        if (step->live || field_visible(&step->fields[i], state))
            refresh_row(form, &step->fields[i], draft, state, step->live);
    if (spec)
        recheck(form, step, spec->id);
    return state;
}

/* Stores the table's values, then the step's own read. */
static gboolean read_step(NvWizard *wz)
{
    const NvWizardStep *s = &wz->klass->steps[wz->step];
    nv_wizard_fields_store(wz->form, s, wz->draft, wz->state);
    return !s->read || s->read(wz, wz->form, wz->draft);
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
    const NvWizardStep *s = &wz->klass->steps[wz->step];
    wz->state = s->state ? s->state(wz->draft) : ~0u;
    nv_wizard_fields_build(wz->form, s, wz->draft, wz->state);
    if (s->live)
        wz->state = nv_wizard_fields_update(wz->form, s, wz->draft, wz->state, NULL);
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

void nv_wizard_refresh(NvWizard *wz)
{
    if (!wz->open || on_summary(wz))
        return;
    wz->state =
        nv_wizard_fields_update(wz->form, &wz->klass->steps[wz->step], wz->draft, wz->state, NULL);
    nv_app_dirty(wz->base.app);
}

int nv_wizard_step(NvWizard *wz)
{
    return on_summary(wz) ? -1 : (int)wz->step;
}

NvForm *nv_wizard_form(NvWizard *wz)
{
    return wz->form;
}

/* The focused field was edited: a `refresh` field refreshes the step. */
static void edited(NvWizard *wz)
{
    if (!wz->form)
        return;
    wz->state = nv_wizard_fields_update(wz->form, &wz->klass->steps[wz->step], wz->draft, wz->state,
                                        nv_form_focus_key(wz->form));
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
    if (!read_step(wz)) {
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
    if (!on_summary(wz) && nv_form_check(wz->form))
        read_step(wz);
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
    if (index == 0 && wz->open && nv_app_get_view(app) == &wz->base)
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
        if (wz->form && nv_form_complete(wz->form))
            edited(wz);
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
    if (wz->form && nv_form_key(wz->form, k))
        edited(wz);
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
    g_autoptr(GArray) binds = nv_keymap_bindings(nv_app_get_keymap(app), NV_CTX_FORM);
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
    int rows = nv_app_rows(view->app), cols = nv_app_cols(view->app);
    werase(stdscr);
    guint shown_steps = wz->klass->n_steps + 1;
    const char *step_title = on_summary(wz) ? _("Summary") : _(wz->klass->steps[wz->step].title);
    g_autofree char *title = g_strdup_printf(_(" %s — step %u of %u: %s"), _(wz->klass->title),
                                             wz->step + 1, shown_steps, step_title);
    nv_draw_fill(stdscr, 0, 0, cols, COLOR_PAIR(NV_COLOR_HEADER));
    nv_draw_text(stdscr, 0, 0, title, cols, COLOR_PAIR(NV_COLOR_HEADER) | A_BOLD);
    int body_h = rows - 4;
    nv_draw_box(stdscr, 1, 0, body_h + 2, cols, step_title, TRUE);
    if (wz->form) {
        nv_form_draw(wz->form, stdscr, 2, 2, body_h, cols - 4);
    } else if (wz->summary_error) {
        nv_draw_text(stdscr, 2, 2, wz->summary_error, cols - 4,
                     COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD);
    } else {
        int max = MAX(0, (int)wz->summary->labels->len - body_h);
        wz->scroll = MIN(wz->scroll, max);
        nv_lines_draw(wz->summary, stdscr, 2, 2, body_h, cols - 4, wz->scroll);
    }
    int y = rows - 1;
    if (wz->status) {
        attr_t attr = wz->status_error ? COLOR_PAIR(NV_COLOR_ERROR) | A_BOLD : A_BOLD;
        nv_draw_text(stdscr, y, 0, wz->status, cols, attr);
    } else {
        g_autofree char *h = hints(wz);
        nv_draw_text(stdscr, y, 0, h, cols, A_DIM);
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
    wz->base.conn = nv_app_current_conn(app); /* the host the factory just chose */
    wz->klass = klass;
    wz->draft = draft;
    wz->open = TRUE;
    while (wz->step < klass->n_steps && step_skipped(wz, wz->step))
        wz->step++;
    enter_step(wz);
    return &wz->base;
}

void nv_wizard_next(NvWizard *wz)
{
    if (wz->open)
        go_next(wz);
}

/* ---- what the wizards ask of the app (wizard-api.h) ---- */

void nv_wizard_register(NvAction action, NvWizardOpenFunc open)
{
    nv_ui_set_factory(action, open);
}

NvConn *nv_wizard_host(NvApp *app, NvPane *pane)
{
    return nv_app_current_conn(app); /* the chosen host, while the wizard opens */
}

int nv_wizard_pane_item(NvPane *pane, NvContext context, NvConn **conn)
{
    if (conn)
        *conn = NULL;
    if (!pane || pane->klass->context != context)
        return -1;
    int item = nv_list_selected_item(&pane->list);
    guint local = 0;
    NvConn *host = item >= 0 ? nv_pane_item_conn(pane, (guint)item, &local) : NULL;
    if (conn)
        *conn = host;
    return host ? (int)local : -1;
}

void nv_wizard_pane_select(NvPane *pane, NvConn *conn, const char *key)
{
    g_free(pane->last_selected_key);
    pane->last_selected_key = g_strdup(key);
    pane->last_selected_conn = conn;
}

void nv_wizard_open_console(NvApp *app, NvConn *conn, const char *uuid, const char *name)
{
    if (!nv_app_has_conn(app, conn))
        return;
    NvView *view = nv_view_console_new(app, conn, uuid, name);
    if (view)
        nv_app_open_view(app, view);
}

void nv_wizard_open_editor(NvApp *app, NvConn *conn, const char *uuid, const char *name)
{
    if (nv_app_has_conn(app, conn))
        nv_app_open_view(app, nv_view_edit_new(app, conn, uuid, name));
}

void nv_wizard_upload(NvApp *app, NvConn *conn, const char *pool, const char *volume,
                      NvLocalFile *file, gboolean created)
{
    if (nv_app_has_conn(app, conn))
        nv_storage_upload(app, conn, pool, volume, file, created);
}
