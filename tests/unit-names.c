/* Unit tests of src/names.c: for every kind, a table of names accepted and refused (with a word
 * the refusal must hold), the limits at their edge, the lenient check for existing objects, and
 * that rename, clone and the new-VM wizard share one rule (the domain's). */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "error.h"
#include "names.h"

typedef struct {
    NvNameKind kind;
    const char *name;
    const char *says; /* NULL: accepted; else a part of the refusal */
} NameCase;

static const NameCase cases[] = {
    /* Domains: new VM, rename, each clone. */
    {NV_NAME_DOMAIN, "web-01", NULL},
    {NV_NAME_DOMAIN, "vm_1.test+x", NULL},
    {NV_NAME_DOMAIN, "a", NULL},
    {NV_NAME_DOMAIN, "", "a domain needs a name"},
    {NV_NAME_DOMAIN, NULL, "a domain needs a name"},
    {NV_NAME_DOMAIN, "bell\x07", "a domain name cannot contain control characters"},
    {NV_NAME_DOMAIN, "tab\tname", "control characters"},
    {NV_NAME_DOMAIN, "new\nline", "control characters"},
    {NV_NAME_DOMAIN, "bidi\u202eeman", "control characters"},
    {NV_NAME_DOMAIN, " lead", "a domain name cannot start or end with a space"},
    {NV_NAME_DOMAIN, "trail ", "start or end with a space"},
    {NV_NAME_DOMAIN, "a/b", "a domain name cannot contain '/'"},
    {NV_NAME_DOMAIN, "\xff\xfe", "a domain name must be valid UTF-8"},
    {NV_NAME_DOMAIN, "..", "'.' and '..' are not names for a domain"},
    {NV_NAME_DOMAIN, "a b", "use only letters, digits and _ . + - in a domain name"},
    {NV_NAME_DOMAIN, "caf\xc3\xa9", "use only letters"},
    {NV_NAME_DOMAIN, "x'y", "use only letters"},
    {NV_NAME_DOMAIN, "-rf", "a domain name cannot start with '-' or '.'"},
    {NV_NAME_DOMAIN, ".hidden", "cannot start with '-' or '.'"},
    /* Pools and volumes: any UTF-8 without '/' and control characters. */
    {NV_NAME_POOL, "default", NULL},
    {NV_NAME_POOL, "données à part", NULL},
    {NV_NAME_POOL, "", "a pool name is needed"},
    {NV_NAME_POOL, "a/b", "a pool name cannot contain '/'"},
    {NV_NAME_POOL, " x", "a pool name cannot start or end with a space"},
    {NV_NAME_POOL, ".", "'.' and '..' are not names for a pool"},
    {NV_NAME_POOL, "a\tb", "a pool name cannot contain control characters"},
    {NV_NAME_VOLUME, "web & co.qcow2", NULL},
    {NV_NAME_VOLUME, "-odd.img", NULL},
    {NV_NAME_VOLUME, "", "a volume name is needed"},
    {NV_NAME_VOLUME, "..", "not names for a volume"},
    {NV_NAME_VOLUME, "x\x7f", "a volume name cannot contain control characters"},
    {NV_NAME_VOLUME, "\xc3", "a volume name must be valid UTF-8"},
    /* Networks: the domain's characters. */
    {NV_NAME_NETWORK, "lab-1_a.b+c", NULL},
    {NV_NAME_NETWORK, "", "a network name is needed"},
    {NV_NAME_NETWORK, "a b", "only letters, digits and - _ . + in a network name"},
    {NV_NAME_NETWORK, "dé", "only letters"},
    {NV_NAME_NETWORK, "-x", "a network name cannot start with '-' or '.'"},
    /* Snapshots: free text on one line. */
    {NV_NAME_SNAPSHOT, "before upgrade ünïcode", NULL},
    {NV_NAME_SNAPSHOT, "", "a snapshot needs a name"},
    {NV_NAME_SNAPSHOT, "x/y", "a snapshot name cannot contain '/'"},
    {NV_NAME_SNAPSHOT, "trail ", "a snapshot name cannot start or end with a space"},
    {NV_NAME_SNAPSHOT, "a\nb", "a snapshot name cannot contain control characters"},
    /* Clone patterns: a domain name with braces. */
    {NV_NAME_CLONE_PATTERN, "web-{01..10}", NULL},
    {NV_NAME_CLONE_PATTERN, "web-02", NULL},
    {NV_NAME_CLONE_PATTERN, "", "a clone needs a name"},
    {NV_NAME_CLONE_PATTERN, "web {1..2}", "one {first..last} range in a clone name"},
    {NV_NAME_CLONE_PATTERN, "web-{1..3}/x", "a clone name cannot contain '/'"},
    {NV_NAME_CLONE_PATTERN, " web", "a clone name cannot start or end with a space"},
    /* Interfaces: the kernel's names. */
    {NV_NAME_INTERFACE, "br-lan.10", NULL},
    {NV_NAME_INTERFACE, "", "an interface name is needed"},
    {NV_NAME_INTERFACE, "sixteen-chars-xx", "an interface name has at most 15 characters"},
    {NV_NAME_INTERFACE, "virbr%d", "only letters, digits and - _ . in an interface name"},
    {NV_NAME_INTERFACE, "..", "'.' and '..' cannot name an interface"},
};

START_TEST(test_table)
{
    const NameCase *c = &cases[_i];
    g_autoptr(GError) err = NULL;
    gboolean ok = nv_name_check(c->kind, c->name, &err);
    if (!c->says) {
        ck_assert_msg(ok, "kind %d: '%s' refused: %s", c->kind, c->name, err ? err->message : "");
        ck_assert_ptr_null(err);
        return;
    }
    ck_assert_msg(!ok, "kind %d: '%s' accepted", c->kind, c->name);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    ck_assert_msg(strstr(err->message, c->says), "kind %d: '%s': '%s' lacks '%s'", c->kind, c->name,
                  err->message, c->says);
}
END_TEST

/* Each kind's maximum is accepted, one byte more is refused with the number in the message. */
START_TEST(test_lengths)
{
    for (NvNameKind k = 0; k < NV_NAME_KIND_COUNT; k++) {
        guint max = nv_name_max(k);
        ck_assert_uint_ge(max, 15);
        g_autofree char *at_max = g_strnfill(max, 'a');
        ck_assert_msg(nv_name_check(k, at_max, NULL), "kind %d: %u bytes refused", k, max);
        g_autofree char *over = g_strnfill(max + 1, 'a');
        g_autoptr(GError) err = NULL;
        ck_assert_msg(!nv_name_check(k, over, &err), "kind %d: %u bytes accepted", k, max + 1);
        g_autofree char *num = g_strdup_printf("at most %u ", max);
        ck_assert_msg(strstr(err->message, num), "%s", err->message);
    }
    ck_assert_uint_eq(nv_name_max(NV_NAME_DOMAIN), 100);
    ck_assert_uint_eq(nv_name_max(NV_NAME_NETWORK), 50);
    ck_assert_uint_eq(nv_name_max(NV_NAME_INTERFACE), 15);
}
END_TEST

/* Rename, clone and the new-VM wizard all check NV_NAME_DOMAIN: a name the pattern takes as a
 * plain name is exactly a domain name. */
START_TEST(test_pattern_agrees_with_domain)
{
    const char *names[] = {"web-02", "a b", "bell\x07", " lead", "trail ", "-x", "ok.1+2", "é"};
    for (guint i = 0; i < G_N_ELEMENTS(names); i++)
        ck_assert_msg(nv_name_check(NV_NAME_DOMAIN, names[i], NULL) ==
                          nv_name_check(NV_NAME_CLONE_PATTERN, names[i], NULL),
                      "'%s'", names[i]);
}
END_TEST

/* Existing objects are only looked up: what other tools may name them is taken, what libvirt
 * never stores is not. */
START_TEST(test_existing)
{
    const char *ok[] = {"def<a>ult", " spaced ", "-x", "données", "default"};
    for (guint i = 0; i < G_N_ELEMENTS(ok); i++)
        ck_assert_msg(nv_name_check_existing(NV_NAME_NETWORK, ok[i], NULL), "'%s'", ok[i]);
    const char *bad[] = {"", "a/b", "tab\there", "bidi\u202e", ".", "..", "\xff"};
    for (guint i = 0; i < G_N_ELEMENTS(bad); i++) {
        g_autoptr(GError) err = NULL;
        ck_assert_msg(!nv_name_check_existing(NV_NAME_VOLUME, bad[i], &err), "'%s'", bad[i]);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
        ck_assert_msg(strstr(err->message, "volume"), "%s", err->message);
    }
    g_autofree char *at_max = g_strnfill(NV_NAME_EXISTING_MAX, 'a');
    ck_assert(nv_name_check_existing(NV_NAME_INTERFACE, at_max, NULL));
    g_autofree char *over = g_strnfill(NV_NAME_EXISTING_MAX + 1, 'a');
    ck_assert(!nv_name_check_existing(NV_NAME_INTERFACE, over, NULL));
}
END_TEST

START_TEST(test_control)
{
    ck_assert(!nv_name_has_control("plain text é"));
    ck_assert(nv_name_has_control("a\x1b[2J"));
    ck_assert(nv_name_has_control("zero\u200bwidth"));
    ck_assert(nv_name_has_control("del\x7f"));
}
END_TEST

static Suite *names_suite(void)
{
    Suite *s = suite_create("names");
    TCase *tc = tcase_create("rules");
    tcase_add_loop_test(tc, test_table, 0, G_N_ELEMENTS(cases));
    tcase_add_test(tc, test_lengths);
    tcase_add_test(tc, test_pattern_agrees_with_domain);
    tcase_add_test(tc, test_existing);
    tcase_add_test(tc, test_control);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(names_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
