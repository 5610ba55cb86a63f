/* Can the QEMU user reach a file the user picked (issue 10, defect 10)? An ISO in a private
 * directory (mode 0700, as /root is) is out of reach of another user; the directory is named,
 * and after the ACL entry is added that user can search it, with the directory's other
 * permissions as they were. Run as root (the check takes on the other user's identity);
 * skipped otherwise. "nobody" stands in for the QEMU user. */
#include <check.h>
#include <glib.h>
#include <glib/gstdio.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "host-access.h"

static gboolean can_run(void)
{
    if (geteuid() == 0 && getpwnam("nobody"))
        return TRUE;
    fprintf(stderr, "skipped: needs root and a user 'nobody'\n");
    return FALSE;
}

START_TEST(test_private_dir_blocked_then_granted)
{
    if (!can_run())
        return;
    g_autofree char *top = g_dir_make_tmp("harden-acl-XXXXXX", NULL);
    ck_assert_ptr_nonnull(top);
    ck_assert_int_eq(g_chmod(top, 0700), 0);
    g_autofree char *inner = g_build_filename(top, "isos", NULL);
    ck_assert_int_eq(g_mkdir(inner, 0755), 0);
    g_autofree char *iso = g_build_filename(inner, "install.iso", NULL);
    ck_assert(g_file_set_contents(iso, "CD001", -1, NULL));
    ck_assert_int_eq(g_chmod(iso, 0644), 0);

    gboolean readable = TRUE;
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) blocked = nv_host_blocked_dirs(iso, "nobody", &readable, &err);
    ck_assert_msg(blocked != NULL, "%s", err ? err->message : "");
    ck_assert_msg(blocked->len == 1, "%u blocked, first %s", blocked->len,
                  blocked->len ? (char *)blocked->pdata[0] : "");
    ck_assert_str_eq(blocked->pdata[0], top);
    ck_assert(readable); /* the file itself, once reached */

    ck_assert_msg(nv_host_grant_search("nobody", blocked, &err), "%s", err ? err->message : "");
    g_autoptr(GPtrArray) after = nv_host_blocked_dirs(iso, "nobody", &readable, &err);
    ck_assert_ptr_nonnull(after);
    ck_assert_uint_eq(after->len, 0);
    ck_assert(readable);
    /* Others gained nothing: the owner keeps rwx, "other" still has no access. */
    struct stat st;
    ck_assert_int_eq(g_stat(top, &st), 0);
    ck_assert_int_eq(st.st_mode & 0707, 0700);

    g_unlink(iso);
    g_rmdir(inner);
    g_rmdir(top);
}
END_TEST

START_TEST(test_open_path_not_blocked)
{
    if (!can_run())
        return;
    gboolean readable = FALSE;
    g_autoptr(GPtrArray) blocked = nv_host_blocked_dirs("/etc/hostname", "nobody", &readable, NULL);
    ck_assert_ptr_nonnull(blocked);
    ck_assert_uint_eq(blocked->len, 0);
    g_autoptr(GError) err = NULL;
    g_autoptr(GPtrArray) none = nv_host_blocked_dirs("/etc/hostname", "no-such-user-x", NULL, &err);
    ck_assert_ptr_null(none);
    ck_assert_ptr_nonnull(strstr(err->message, "no-such-user-x"));
}
END_TEST

static Suite *host_access_suite(void)
{
    Suite *s = suite_create("host-access");
    TCase *tc = tcase_create("acl");
    tcase_add_test(tc, test_private_dir_blocked_then_granted);
    tcase_add_test(tc, test_open_path_not_blocked);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(host_access_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
