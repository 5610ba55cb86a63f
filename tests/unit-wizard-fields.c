/* The wizard runner's reading of a field table (ui/view-wizard.h): rows built from the draft
 * as the table says (kind, label, range, optional, hint, check, visible-when, slot), and the
 * values stored back into the draft. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "view-wizard.h"

typedef struct {
    char *name;
    char *format;
    gboolean start;
    guint64 size;
    guint64 extra;
    gpointer checked_with; /* the data the check was called with */
} Draft;

static gboolean check_name(const char *text, gpointer data, GError **err)
{
    ((Draft *)data)->checked_with = data;
    if (g_strcmp0(text, "bad") != 0)
        return TRUE;
    g_set_error_literal(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "no bad names");
    return FALSE;
}

static char *about(gconstpointer data)
{
    return g_strdup_printf("about %s", ((const Draft *)data)->name);
}

static const char *const formats[] = {"qcow2", "raw", NULL};
static const char *const format_labels[] = {"growing", "plain", NULL};

enum { ONE = 1 << 0, TWO = 1 << 1 };

static const NvWizardField fields[] = {
    {.id = "about", .kind = NV_WIZARD_REMARK, .slot = NV_WIZARD_NO_SLOT, .initial = about},
    {.id = "name",
     .kind = NV_WIZARD_TEXT,
     .label = "Name",
     .max = 6,
     .hint = "a hint",
     .check = check_name,
     .slot = G_STRUCT_OFFSET(Draft, name)},
    {.id = "format",
     .kind = NV_WIZARD_ENUM,
     .label = "Format",
     .values = formats,
     .labels = format_labels,
     .slot = G_STRUCT_OFFSET(Draft, format)},
    {.id = "start",
     .kind = NV_WIZARD_BOOL,
     .label = "Start",
     .slot = G_STRUCT_OFFSET(Draft, start)},
    {.id = "size",
     .kind = NV_WIZARD_SIZE,
     .label = "Size",
     .min = 1024,
     .max = 1 << 20,
     .visible_when = ONE,
     .slot = G_STRUCT_OFFSET(Draft, size)},
    {.id = "extra",
     .kind = NV_WIZARD_SIZE,
     .label = "Extra",
     .optional = TRUE,
     .visible_when = TWO,
     .slot = G_STRUCT_OFFSET(Draft, extra)},
    {.id = "note",
     .kind = NV_WIZARD_REMARK,
     .label = "only in two",
     .visible_when = TWO,
     .slot = NV_WIZARD_NO_SLOT},
};

static const NvWizardStep step = {
    .title = "Step",
    .fields = fields,
    .n_fields = G_N_ELEMENTS(fields),
};

static Draft *draft_new(void)
{
    Draft *d = g_new0(Draft, 1);
    d->name = g_strdup("web");
    d->format = g_strdup("raw");
    d->start = TRUE;
    d->size = 512 * 1024;
    d->extra = 7;
    return d;
}

static void draft_free(Draft *d)
{
    g_free(d->name);
    g_free(d->format);
    g_free(d);
}

START_TEST(test_build_from_table)
{
    Draft *d = draft_new();
    g_autoptr(NvForm) form = nv_form_new();
    nv_wizard_fields_build(form, &step, d, ONE);

    ck_assert_int_ge(nv_form_row(form, "about"), 0);
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "name")), "web");
    ck_assert_str_eq(nv_field_label(nv_form_field(form, "name")), "Name");
    ck_assert_str_eq(nv_field_hint(nv_form_field(form, "name")), "a hint");
    ck_assert_ptr_eq(d->checked_with, d);
    /* An enum shows the label of the slot's value. */
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "format")), "plain");
    ck_assert_str_eq(nv_field_enum_value(nv_form_field(form, "format")), "raw");
    ck_assert(nv_field_bool(nv_form_field(form, "start")));
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "size")), "512K");
    /* visible-when: the rows of the other state are not built. */
    ck_assert_ptr_null(nv_form_field(form, "extra"));
    ck_assert_int_eq(nv_form_row(form, "note"), -1);
    draft_free(d);
}
END_TEST

START_TEST(test_rules_from_table)
{
    Draft *d = draft_new();
    g_autoptr(NvForm) form = nv_form_new();
    nv_wizard_fields_build(form, &step, d, ONE | TWO);
    ck_assert_int_ge(nv_form_row(form, "note"), 0);

    NvField *name = nv_form_field(form, "name");
    nv_field_set_text(name, "bad");
    ck_assert(!nv_field_is_valid(name));
    /* TEXT's max is its length: typing stops there. */
    nv_field_set_text(name, "abcdef");
    ck_assert(!nv_field_insert(name, 'g'));
    ck_assert_str_eq(nv_field_text(name), "abcdef");
    /* The range: below min and above max are refused, a bare number is GiB. */
    NvField *size = nv_form_field(form, "size");
    nv_field_set_text(size, "512");
    ck_assert(!nv_field_is_valid(size));
    nv_field_set_text(size, "1");
    ck_assert(!nv_field_is_valid(size));
    nv_field_set_text(size, "1M");
    ck_assert(nv_field_is_valid(size));
    /* Optional: empty is accepted; a required field is not. */
    NvField *extra = nv_form_field(form, "extra");
    nv_field_set_text(extra, "");
    ck_assert(nv_field_is_valid(extra));
    nv_field_set_text(size, "");
    ck_assert(!nv_field_is_valid(size));
    draft_free(d);
}
END_TEST

START_TEST(test_store_into_draft)
{
    Draft *d = draft_new();
    g_autoptr(NvForm) form = nv_form_new();
    nv_wizard_fields_build(form, &step, d, ONE);
    nv_field_set_text(nv_form_field(form, "name"), "  db  ");
    nv_field_set_text(nv_form_field(form, "format"), "growing");
    nv_field_set_text(nv_form_field(form, "start"), "no");
    nv_field_set_text(nv_form_field(form, "size"), "2K");
    nv_wizard_fields_store(form, &step, d, ONE);

    ck_assert_str_eq(d->name, "db");
    ck_assert_str_eq(d->format, "qcow2");
    ck_assert(!d->start);
    ck_assert_uint_eq(d->size, 2048);
    /* Not built in this state: its slot is left alone. */
    ck_assert_uint_eq(d->extra, 7);
    draft_free(d);
}
END_TEST

/* ---- the kinds and hooks the new-VM and network wizards need ---- */

typedef struct {
    int method;         /* INDEX */
    guint count;        /* INT */
    guint64 memory_kib; /* SIZE with scale 1024 */
    char *path;         /* refresh: decides a default */
    char *format;       /* follow */
    char *pick;         /* ENUM from choices that follow `count` */
    guint refreshed;    /* the items callback ran */
    gpointer checked;   /* the recheck reached the check */
} Live;

static const char *const methods[] = {"disk", "net", NULL};
static const char *const method_labels[] = {"From a disk", "From the network", NULL};

enum { DISK = 1 << 0, NET = 1 << 1 };

static guint live_state(gconstpointer data)
{
    return ((const Live *)data)->method == 0 ? DISK : NET;
}

/* As many choices as `count` says: the list and the enum follow the draft. */
static void counted(gconstpointer data, GPtrArray *values, GPtrArray *labels)
{
    Live *l = (Live *)data;
    l->refreshed++;
    for (guint i = 0; i < l->count; i++) {
        g_ptr_array_add(values, g_strdup_printf("c%u", i));
        g_ptr_array_add(labels, g_strdup_printf("choice %u", i));
    }
}

static char *list_end(gconstpointer data)
{
    const Live *l = data;
    return l->count ? NULL : g_strdup("nothing");
}

static char *format_for_path(gconstpointer data)
{
    return g_strdup(g_str_has_suffix(((const Live *)data)->path, ".qcow2") ? "qcow2" : "raw");
}

static char *count_hint(gconstpointer data)
{
    return g_strdup_printf("up to %u", ((const Live *)data)->count);
}

static gboolean check_against_count(const char *text, gpointer data, GError **err)
{
    Live *l = data;
    l->checked = data;
    if (strlen(text) <= l->count)
        return TRUE;
    g_set_error_literal(err, G_FILE_ERROR, G_FILE_ERROR_INVAL, "longer than count");
    return FALSE;
}

static const NvWizardField live_fields[] = {
    {.id = "top", .kind = NV_WIZARD_HEADING, .label = "Top", .slot = NV_WIZARD_NO_SLOT},
    {.id = "method",
     .kind = NV_WIZARD_INDEX,
     .label = "Method",
     .values = methods,
     .labels = method_labels,
     .refresh = TRUE,
     .slot = G_STRUCT_OFFSET(Live, method)},
    {.id = "count",
     .kind = NV_WIZARD_INT,
     .label = "Count",
     .min = 1,
     .max = 8,
     .refresh = TRUE,
     .hint_for = count_hint,
     .slot = G_STRUCT_OFFSET(Live, count)},
    {.id = "memory",
     .kind = NV_WIZARD_SIZE,
     .label = "Memory",
     .min = 1 << 20,
     .unit = 1 << 20,
     .granularity = 1024,
     .scale = 1024,
     .slot = G_STRUCT_OFFSET(Live, memory_kib)},
    {.id = "path",
     .kind = NV_WIZARD_PATH,
     .label = "Path",
     .max = 12,
     .refresh = TRUE,
     .visible_when = DISK,
     .slot = G_STRUCT_OFFSET(Live, path)},
    {.id = "format",
     .kind = NV_WIZARD_TEXT,
     .label = "Format",
     .follow = TRUE,
     .visible_when = DISK,
     .slot = G_STRUCT_OFFSET(Live, format),
     .initial = format_for_path},
    {.id = "pick",
     .kind = NV_WIZARD_ENUM,
     .label = "Pick",
     .slot = G_STRUCT_OFFSET(Live, pick),
     .choices = counted},
    {.id = "short",
     .kind = NV_WIZARD_TEXT,
     .label = "Short",
     .optional = TRUE,
     .check = check_against_count,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "list",
     .kind = NV_WIZARD_ITEMS,
     .visible_when = NET,
     .slot = NV_WIZARD_NO_SLOT,
     .choices = counted,
     .initial = list_end},
    {.id = "net-only",
     .kind = NV_WIZARD_REMARK,
     .label = "net",
     .visible_when = NET,
     .slot = NV_WIZARD_NO_SLOT},
    {.id = "add", .kind = NV_WIZARD_BUTTON, .label = "Add", .slot = NV_WIZARD_NO_SLOT},
};

static const NvWizardStep live_step = {
    .title = "Live",
    .fields = live_fields,
    .n_fields = G_N_ELEMENTS(live_fields),
    .state = live_state,
    .live = TRUE,
};

static Live *live_new(void)
{
    Live *l = g_new0(Live, 1);
    l->count = 2;
    l->memory_kib = 2048;
    l->path = g_strdup("/a.img");
    l->format = g_strdup("");
    l->pick = g_strdup("c1");
    return l;
}

static void live_free(Live *l)
{
    g_free(l->path);
    g_free(l->format);
    g_free(l->pick);
    g_free(l);
}

/* A row that can take the focus is shown. */
static gboolean shown(NvForm *form, const char *key)
{
    return nv_form_focus(form, key);
}

/* Types into a field as the runner does, then tells the table. */
static guint edit(NvForm *form, Live *l, guint state, const char *id, const char *text)
{
    nv_field_set_text(nv_form_field(form, id), text);
    return nv_wizard_fields_update(form, &live_step, l, state, id);
}

static NvForm *live_form(Live *l, guint *state)
{
    NvForm *form = nv_form_new();
    *state = live_state(l);
    nv_wizard_fields_build(form, &live_step, l, *state);
    *state = nv_wizard_fields_update(form, &live_step, l, *state, NULL);
    return form;
}

START_TEST(test_new_kinds)
{
    Live *l = live_new();
    guint state;
    g_autoptr(NvForm) form = live_form(l, &state);
    /* INDEX: the slot's index shows its label. INT: the number. SIZE: KiB in the slot. */
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "method")), "From a disk");
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "count")), "2");
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "memory")), "2M");
    ck_assert_str_eq(nv_field_hint(nv_form_field(form, "count")), "up to 2");
    /* INT's range. */
    NvField *count = nv_form_field(form, "count");
    nv_field_set_text(count, "9");
    ck_assert(!nv_field_is_valid(count));
    nv_field_set_text(count, "8");
    ck_assert(nv_field_is_valid(count));
    /* SIZE: a bare number is the unit (MiB); the granularity (KiB) refuses odd bytes. */
    NvField *mem = nv_form_field(form, "memory");
    nv_field_set_text(mem, "3");
    ck_assert(nv_field_is_valid(mem));
    ck_assert_uint_eq(nv_field_bytes(mem), 3 << 20);
    nv_field_set_text(mem, "1048577B");
    ck_assert(!nv_field_is_valid(mem));
    /* PATH's max is its length. */
    NvField *path = nv_form_field(form, "path");
    nv_field_set_text(path, "/abcdefghijk");
    ck_assert(!nv_field_insert(path, 'x'));
    nv_field_set_text(path, "/a.img");
    /* A button and a list's lines take the focus. */
    ck_assert(shown(form, "add"));
    ck_assert_int_ge(nv_form_row(form, "c1"), 0);
    /* A heading is a row of its own. */
    static const NvWizardStep heading_only = {.fields = live_fields, .n_fields = 1};
    g_autoptr(NvForm) headed = nv_form_new();
    nv_wizard_fields_build(headed, &heading_only, l, 0);
    ck_assert_int_eq(nv_form_height(headed), 1);
    /* Stored back: INDEX as the index, INT as the number, SIZE in the slot's unit. */
    nv_field_set_text(nv_form_field(form, "method"), "From the network");
    nv_field_set_text(mem, "3M");
    nv_field_set_text(path, "/a b ");
    nv_wizard_fields_store(form, &live_step, l, NET | DISK);
    /* A path is stored as typed. */
    ck_assert_str_eq(l->path, "/a b ");
    ck_assert_int_eq(l->method, 1);
    ck_assert_uint_eq(l->count, 8);
    ck_assert_uint_eq(l->memory_kib, 3072);
    live_free(l);
}
END_TEST

START_TEST(test_live_visibility)
{
    Live *l = live_new();
    guint state;
    g_autoptr(NvForm) form = live_form(l, &state);
    /* Every row is built; the other state's are hidden. */
    ck_assert(shown(form, "path"));
    ck_assert(!shown(form, "c0"));
    ck_assert_int_ge(nv_form_row(form, "net-only"), 0);
    int disk_height = nv_form_height(form);
    /* Editing a refresh field stores it and shows the rows of the new state. */
    state = edit(form, l, state, "method", "From the network");
    ck_assert_int_eq(l->method, 1);
    ck_assert_uint_eq(state, NET);
    ck_assert(!shown(form, "path"));
    ck_assert(shown(form, "c0"));
    ck_assert(shown(form, "c1"));
    /* path and format went; two lines and the remark came (the list's end is NULL: hidden). */
    ck_assert_int_eq(nv_form_height(form), disk_height - 2 + 3);
    state = edit(form, l, state, "method", "From a disk");
    ck_assert(shown(form, "path"));
    ck_assert_int_eq(nv_form_height(form), disk_height);
    live_free(l);
}
END_TEST

START_TEST(test_live_refresh)
{
    Live *l = live_new();
    guint state;
    g_autoptr(NvForm) form = live_form(l, &state);
    /* Another count: the choices, the list and the hint follow the draft. */
    state = edit(form, l, state, "method", "From the network");
    guint before = l->refreshed;
    state = edit(form, l, state, "count", "3");
    ck_assert_uint_eq(l->count, 3);
    ck_assert_uint_gt(l->refreshed, before);
    ck_assert(shown(form, "c2"));
    ck_assert_str_eq(nv_field_hint(nv_form_field(form, "count")), "up to 3");
    nv_field_set_text(nv_form_field(form, "pick"), "choice 2");
    ck_assert(nv_field_is_valid(nv_form_field(form, "pick")));
    /* The other fields' checks run again: "abc" fits 3, not 1. */
    NvField *sh = nv_form_field(form, "short");
    nv_field_set_text(sh, "abc");
    ck_assert(nv_field_is_valid(sh));
    l->checked = NULL;
    state = edit(form, l, state, "count", "1");
    ck_assert_ptr_eq(l->checked, l);
    ck_assert(!nv_field_is_valid(sh));
    ck_assert(!shown(form, "c1"));
    /* The chosen value went with its choice: the first is picked. */
    ck_assert_str_eq(nv_field_enum_value(nv_form_field(form, "pick")), "c0");
    /* No choices: the list's closing remark says so. */
    int before_height = nv_form_height(form);
    l->count = 0;
    state = nv_wizard_fields_update(form, &live_step, l, state, NULL);
    /* The line of c0 went, "nothing" came. */
    ck_assert_int_eq(nv_form_height(form), before_height);
    ck_assert(!shown(form, "c0"));
    l->count = 1;
    /* An invalid edit is not stored. */
    state = edit(form, l, state, "count", "99");
    ck_assert_uint_eq(l->count, 1);
    live_free(l);
}
END_TEST

START_TEST(test_live_follow)
{
    Live *l = live_new();
    guint state;
    g_autoptr(NvForm) form = live_form(l, &state);
    /* The format follows the path while the user has not edited it... */
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "format")), "raw");
    state = edit(form, l, state, "path", "/b.qcow2");
    ck_assert_str_eq(l->path, "/b.qcow2");
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "format")), "qcow2");
    /* ...and not once they have. */
    nv_field_set_text(nv_form_field(form, "format"), "vmdk");
    state = edit(form, l, state, "path", "/c.img");
    ck_assert_str_eq(nv_field_text(nv_form_field(form, "format")), "vmdk");
    /* A field without `refresh` is not stored on edit. */
    state = edit(form, l, state, "memory", "5M");
    ck_assert_uint_eq(l->memory_kib, 2048);
    live_free(l);
}
END_TEST

START_TEST(test_static_step_is_not_live)
{
    /* A step that is not live keeps the rows of the state it was entered in. */
    Draft *d = draft_new();
    g_autoptr(NvForm) form = nv_form_new();
    nv_wizard_fields_build(form, &step, d, ONE);
    ck_assert_uint_eq(nv_wizard_fields_update(form, &step, d, ONE, "size"), ONE);
    ck_assert_ptr_null(nv_form_field(form, "extra"));
    draft_free(d);
}
END_TEST

static Suite *fields_suite(void)
{
    Suite *s = suite_create("wizard-fields");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_build_from_table);
    tcase_add_test(tc, test_rules_from_table);
    tcase_add_test(tc, test_store_into_draft);
    tcase_add_test(tc, test_new_kinds);
    tcase_add_test(tc, test_live_visibility);
    tcase_add_test(tc, test_live_refresh);
    tcase_add_test(tc, test_live_follow);
    tcase_add_test(tc, test_static_step_is_not_live);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(fields_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
