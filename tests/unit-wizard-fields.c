/* The wizard runner's reading of a field table (ui/view-wizard.h): rows built from the draft
 * as the table says (kind, label, range, optional, hint, check, visible-when, slot), and the
 * values stored back into the draft. */
#include <check.h>
#include <stdlib.h>

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

static Suite *fields_suite(void)
{
    Suite *s = suite_create("wizard-fields");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_build_from_table);
    tcase_add_test(tc, test_rules_from_table);
    tcase_add_test(tc, test_store_into_draft);
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
