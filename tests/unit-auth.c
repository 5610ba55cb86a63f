/* Unit tests of authentication in the TUI (src/conn-auth.h): libvirt's credential callback,
 * called from a thread as a worker calls it, reaches a fake UI handler on the main loop and
 * waits for its answers; a cancel fails the callback; the answers' bytes are wiped once libvirt
 * has its copy; non-secret answers (never a password) come back as defaults after an open that
 * worked. Also the pure helpers: the BatchMode URI and which ssh failures need a person. */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "conn-auth.h"
#include "conn-virt.h"
#include "test-util.h"

/* ---- the fake UI ---- */

typedef struct {
    const char *const *answers; /* one per question; NULL: cancel */
    gboolean cancel;
    guint asked;           /* requests seen */
    guint questions;       /* questions of the last request */
    gboolean on_main;      /* the handler ran on the test's (main) thread */
    char *defaults[4];     /* the last request's defaults */
    gboolean secret[4];    /* the last request's secrecy */
    NvAuthRequest *kept;   /* the last request, still referenced */
    const char *stored[4]; /* where the request stored its answers */
    gsize stored_len[4];
} FakeUi;

static GThread *main_thread;

static void fake_ask(NvAuthRequest *req, gpointer data)
{
    FakeUi *ui = data;
    ui->asked++;
    ui->on_main = g_thread_self() == main_thread;
    ui->questions = nv_auth_request_count(req);
    g_clear_pointer(&ui->kept, nv_auth_request_unref);
    ui->kept = nv_auth_request_ref(req);
    for (guint i = 0; i < ui->questions && i < G_N_ELEMENTS(ui->defaults); i++) {
        g_free(ui->defaults[i]);
        ui->defaults[i] = g_strdup(nv_auth_request_default(req, i));
        ui->secret[i] = nv_auth_request_secret(req, i);
        if (ui->cancel)
            continue;
        nv_auth_request_answer(req, i, ui->answers[i]);
        ui->stored[i] = nv_auth_request_get_answer(req, i);
        ui->stored_len[i] = strlen(ui->answers[i]);
    }
    nv_auth_request_finish(req, !ui->cancel);
}

static void fake_ui_clear(FakeUi *ui)
{
    g_clear_pointer(&ui->kept, nv_auth_request_unref);
    for (guint i = 0; i < G_N_ELEMENTS(ui->defaults); i++)
        g_clear_pointer(&ui->defaults[i], g_free);
    nv_auth_set_handler(NULL, NULL, NULL);
}

/* ---- the worker's side: libvirt calling the callback on a thread ---- */

typedef struct {
    virConnectCredential *cred;
    unsigned int n;
    NvAuthContext ctx;
    int rc;
    gboolean done;
} Call;

static gpointer call_thread(gpointer data)
{
    Call *c = data;
    c->rc = nv_auth_callback(c->cred, c->n, &c->ctx);
    g_atomic_int_set(&c->done, TRUE);
    return NULL;
}

static int call_from_thread(Call *c)
{
    GThread *t = g_thread_new("fake-worker", call_thread, c);
    nv_test_wait(&c->done, 5000);
    g_thread_join(t);
    return c->rc;
}

static void creds_clear(virConnectCredential *cred, unsigned int n)
{
    for (unsigned int i = 0; i < n; i++)
        g_clear_pointer(&cred[i].result, g_free);
}

#define URI "qemu+libssh://alice@hv1/system"

START_TEST(test_answers_reach_libvirt)
{
    main_thread = g_thread_self();
    const char *answers[] = {"alice", "s3cret-qp"};
    FakeUi ui = {.answers = answers};
    nv_auth_set_handler(fake_ask, NULL, &ui);
    virConnectCredential cred[] = {
        {.type = VIR_CRED_AUTHNAME, .prompt = "User name"},
        {.type = VIR_CRED_PASSPHRASE, .prompt = "Password"},
    };
    Call c = {.cred = cred, .n = 2, .ctx = {.uri = URI}};
    ck_assert_int_eq(call_from_thread(&c), 0);
    ck_assert_uint_eq(ui.asked, 1);
    ck_assert(ui.on_main);
    ck_assert_uint_eq(ui.questions, 2);
    ck_assert(!ui.secret[0]);
    ck_assert(ui.secret[1]);
    ck_assert_str_eq(cred[0].result, "alice");
    ck_assert_uint_eq(cred[0].resultlen, 5);
    ck_assert_str_eq(cred[1].result, "s3cret-qp");
    ck_assert_uint_eq(cred[1].resultlen, 9);
    ck_assert(!c.ctx.cancelled);
    /* The request is still alive (the fake UI holds it): its copies are zero now. */
    for (guint i = 0; i < 2; i++)
        for (gsize b = 0; b <= ui.stored_len[i]; b++)
            ck_assert_int_eq(ui.stored[i][b], 0);
    nv_auth_context_finish(&c.ctx, FALSE);
    creds_clear(cred, 2);
    fake_ui_clear(&ui);
}
END_TEST

START_TEST(test_cancel_fails_the_callback)
{
    main_thread = g_thread_self();
    FakeUi ui = {.cancel = TRUE};
    nv_auth_set_handler(fake_ask, NULL, &ui);
    virConnectCredential cred[] = {{.type = VIR_CRED_NOECHOPROMPT, .prompt = "Passphrase"}};
    Call c = {.cred = cred, .n = 1, .ctx = {.uri = URI}};
    ck_assert_int_eq(call_from_thread(&c), -1);
    ck_assert_uint_eq(ui.asked, 1);
    ck_assert(c.ctx.cancelled);
    ck_assert_ptr_null(cred[0].result);
    fake_ui_clear(&ui);
}
END_TEST

/* Without a UI nobody can answer: the open fails rather than hang. */
START_TEST(test_no_handler_cancels)
{
    nv_auth_set_handler(NULL, NULL, NULL);
    virConnectCredential cred[] = {{.type = VIR_CRED_PASSPHRASE, .prompt = "Password"}};
    Call c = {.cred = cred, .n = 1, .ctx = {.uri = URI}};
    ck_assert_int_eq(call_from_thread(&c), -1);
    ck_assert(c.ctx.cancelled);
}
END_TEST

/* PolicyKit's EXTERNAL is answered without a question; any other EXTERNAL cannot be. */
START_TEST(test_external)
{
    main_thread = g_thread_self();
    const char *answers[] = {"x"};
    FakeUi ui = {.answers = answers};
    nv_auth_set_handler(fake_ask, NULL, &ui);
    virConnectCredential polkit[] = {{.type = VIR_CRED_EXTERNAL, .challenge = "PolicyKit"}};
    Call c = {.cred = polkit, .n = 1, .ctx = {.uri = URI}};
    ck_assert_int_eq(call_from_thread(&c), 0);
    ck_assert_uint_eq(ui.asked, 0);
    virConnectCredential other[] = {{.type = VIR_CRED_EXTERNAL, .challenge = "other"}};
    Call c2 = {.cred = other, .n = 1, .ctx = {.uri = URI}};
    ck_assert_int_eq(call_from_thread(&c2), -1);
    ck_assert_uint_eq(ui.asked, 0);
    fake_ui_clear(&ui);
}
END_TEST

/* A user name answered for an open that worked is offered again; the password never is. */
START_TEST(test_reuse_non_secret_only)
{
    main_thread = g_thread_self();
    const char *answers[] = {"bob", "pw-1"};
    FakeUi ui = {.answers = answers};
    nv_auth_set_handler(fake_ask, NULL, &ui);
    virConnectCredential cred[] = {
        {.type = VIR_CRED_USERNAME, .prompt = "Who"},
        {.type = VIR_CRED_PASSPHRASE, .prompt = "Password"},
    };
    Call c = {.cred = cred, .n = 2, .ctx = {.uri = "test+tcp://reuse/x"}};
    ck_assert_int_eq(call_from_thread(&c), 0);
    ck_assert_ptr_null(ui.defaults[0]);
    nv_auth_context_finish(&c.ctx, TRUE);
    creds_clear(cred, 2);

    Call again = {.cred = cred, .n = 2, .ctx = {.uri = "test+tcp://reuse/x"}};
    ck_assert_int_eq(call_from_thread(&again), 0);
    ck_assert_str_eq(ui.defaults[0], "bob");
    ck_assert_ptr_null(ui.defaults[1]);
    nv_auth_context_finish(&again.ctx, FALSE);
    creds_clear(cred, 2);

    /* Another URI does not see it; an open that failed keeps nothing. */
    Call other = {.cred = cred, .n = 2, .ctx = {.uri = "test+tcp://elsewhere/x"}};
    ck_assert_int_eq(call_from_thread(&other), 0);
    ck_assert_ptr_null(ui.defaults[0]);
    nv_auth_context_finish(&other.ctx, FALSE);
    creds_clear(cred, 2);
    Call after_fail = {.cred = cred, .n = 2, .ctx = {.uri = "test+tcp://elsewhere/x"}};
    ck_assert_int_eq(call_from_thread(&after_fail), 0);
    ck_assert_ptr_null(ui.defaults[0]);
    nv_auth_context_finish(&after_fail.ctx, FALSE);
    creds_clear(cred, 2);
    fake_ui_clear(&ui);
}
END_TEST

/* An empty answer takes libvirt's default, as its own console prompt does. */
START_TEST(test_empty_takes_default)
{
    main_thread = g_thread_self();
    const char *answers[] = {""};
    FakeUi ui = {.answers = answers};
    nv_auth_set_handler(fake_ask, NULL, &ui);
    virConnectCredential cred[] = {
        {.type = VIR_CRED_REALM, .prompt = "Realm", .defresult = "EXAMPLE.ORG"}};
    Call c = {.cred = cred, .n = 1, .ctx = {.uri = URI}};
    ck_assert_int_eq(call_from_thread(&c), 0);
    ck_assert_str_eq(ui.defaults[0], "EXAMPLE.ORG");
    ck_assert_str_eq(cred[0].result, "EXAMPLE.ORG");
    nv_auth_context_finish(&c.ctx, FALSE);
    creds_clear(cred, 1);
    fake_ui_clear(&ui);
}
END_TEST

START_TEST(test_batch_uri)
{
    const struct {
        const char *in, *out;
    } cases[] = {
        {"qemu+ssh://root@h:22/system", "qemu+ssh://root@h:22/system?no_tty=1"},
        {"qemu+ssh://h/system?keyfile=/k", "qemu+ssh://h/system?keyfile=/k&no_tty=1"},
        {"test+ssh://root@127.0.0.1:2222/tmp/x.xml?",
         "test+ssh://root@127.0.0.1:2222/tmp/x.xml?no_tty=1"},
        {"QEMU+SSH://h/system", "QEMU+SSH://h/system?no_tty=1"},
        {"qemu+ssh://h/system?no_tty=0", NULL},
        {"qemu+ssh://h/system?a=1&no_tty", NULL},
        {"qemu+ssh://h/system?xno_tty=1", "qemu+ssh://h/system?xno_tty=1&no_tty=1"},
        {"qemu+libssh://h/system", NULL},
        {"qemu+libssh2://h/system", NULL},
        {"qemu+tls://h/system", NULL},
        {"qemu:///system", NULL},
        {"test:///default", NULL},
        {"", NULL},
    };
    for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
        g_autofree char *got = nv_auth_batch_uri(cases[i].in);
        ck_assert_msg(g_strcmp0(got, cases[i].out) == 0, "%s: got %s, want %s", cases[i].in,
                      got ? got : "NULL", cases[i].out ? cases[i].out : "NULL");
    }
    ck_assert_ptr_null(nv_auth_batch_uri(NULL));
}
END_TEST

START_TEST(test_ssh_needs_terminal)
{
    /* What libvirt 9.0 reports with ssh's stderr in it (seen with the tests' sshd). */
    ck_assert(nv_auth_ssh_needs_terminal(
        "Cannot recv data: u@127.0.0.1: Permission denied "
        "(publickey,password,keyboard-interactive).: Connection reset by peer"));
    ck_assert(nv_auth_ssh_needs_terminal(
        "Cannot recv data: Host key verification failed.: Connection reset by peer"));
    ck_assert(nv_auth_ssh_needs_terminal("No ED25519 host key is known for [127.0.0.1]:2222 and "
                                         "you have requested strict checking."));
    ck_assert(!nv_auth_ssh_needs_terminal(
        "Cannot recv data: ssh: connect to host 127.0.0.1 port 1: Connection refused: "
        "Connection reset by peer"));
    ck_assert(!nv_auth_ssh_needs_terminal("Failed to connect socket to '/run/x': No such file"));
    ck_assert(!nv_auth_ssh_needs_terminal(NULL));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("auth");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_answers_reach_libvirt);
    tcase_add_test(tc, test_cancel_fails_the_callback);
    tcase_add_test(tc, test_no_handler_cancels);
    tcase_add_test(tc, test_external);
    tcase_add_test(tc, test_reuse_non_secret_only);
    tcase_add_test(tc, test_empty_takes_default);
    tcase_add_test(tc, test_batch_uri);
    tcase_add_test(tc, test_ssh_needs_terminal);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
