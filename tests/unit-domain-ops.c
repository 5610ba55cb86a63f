/* Unit tests of the lifecycle operations' table in src/domain-actions.c: every operation has its
 * verb and failure text, and the key actions find their operation. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "domain-actions.h"

START_TEST(test_every_op_has_a_verb)
{
    for (int op = NV_DOMAIN_OP_START; op <= NV_DOMAIN_OP_AUTOSTART_TOGGLE; op++)
        ck_assert_msg(*nv_domain_op_verb((NvDomainOp)op), "operation %d has no verb", op);
    ck_assert_str_eq(nv_domain_op_verb(NV_DOMAIN_OP_START), "started");
    ck_assert_str_eq(nv_domain_op_verb(NV_DOMAIN_OP_PAUSE_TOGGLE), "paused");
    ck_assert_str_eq(nv_domain_op_verb(NV_DOMAIN_OP_AUTOSTART_OFF), "autostart off for");
}
END_TEST

START_TEST(test_actions_find_their_op)
{
    static const struct {
        NvAction action;
        NvDomainOp op;
    } cases[] = {
        {NV_ACTION_START, NV_DOMAIN_OP_START},
        {NV_ACTION_SHUTDOWN, NV_DOMAIN_OP_SHUTDOWN_ACPI},
        {NV_ACTION_REBOOT, NV_DOMAIN_OP_REBOOT},
        {NV_ACTION_RESET, NV_DOMAIN_OP_RESET},
        {NV_ACTION_FORCE_OFF, NV_DOMAIN_OP_FORCE_OFF},
        {NV_ACTION_PAUSE, NV_DOMAIN_OP_PAUSE_TOGGLE},
        {NV_ACTION_MANAGED_SAVE, NV_DOMAIN_OP_MANAGED_SAVE},
        {NV_ACTION_AUTOSTART, NV_DOMAIN_OP_AUTOSTART_TOGGLE},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        NvDomainOp op = (NvDomainOp)-1;
        ck_assert(nv_domain_op_for_action(cases[i].action, &op));
        ck_assert_int_eq(op, cases[i].op);
    }
    NvDomainOp op = NV_DOMAIN_OP_RESUME;
    ck_assert(!nv_domain_op_for_action(NV_ACTION_RENAME, &op));
    ck_assert(!nv_domain_op_for_action(NV_ACTION_COUNT, &op));
    ck_assert_int_eq(op, NV_DOMAIN_OP_RESUME);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("domain-ops");
    TCase *tc = tcase_create("table");
    tcase_add_test(tc, test_every_op_has_a_verb);
    tcase_add_test(tc, test_actions_find_their_op);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
