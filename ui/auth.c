/* Authentication dialogs: the UI's side of conn-auth.h. libvirt's questions are asked one
 * dialog each (secrets masked), Escape cancels the open; when ssh must talk to the user, a
 * yes/no hands it the terminal (curses suspended, stdin not read, ^C ^\ ^Z ignored) and the
 * typeahead left after ssh is done is thrown away, so no key meant for ssh reaches ncvirt. */
#include <signal.h>
#include <stdio.h>

#include "ui-internal.h"

/* While a dialog of something else is open, or ssh has the terminal, a request waits. */
#define NV_AUTH_WAIT_MS 100

struct NvAuthUi {
    NvApp *app;
    GQueue pending;        /* NvAuthRequest*, owned, oldest first */
    NvAuthRequest *asking; /* the request whose dialog is up, or NULL */
    guint question;        /* asking's question on screen */
    gboolean terminal_out; /* ssh has the terminal */
    guint wait_source;
    struct sigaction old_int, old_quit, old_tstp;
};

static void next_request(NvAuthUi *ui);

static void request_done(NvAuthUi *ui, gboolean accepted)
{
    NvAuthRequest *req = g_steal_pointer(&ui->asking);
    nv_auth_request_finish(req, accepted);
    nv_auth_request_unref(req);
    next_request(ui);
}

static void ask_question(NvAuthUi *ui);

static void on_answer(NvApp *app, const char *answer, gpointer data)
{
    NvAuthUi *ui = data;
    if (!ui->asking)
        return;
    if (!answer) {
        nv_app_message(app, _("authentication cancelled"), TRUE);
        request_done(ui, FALSE);
        return;
    }
    nv_auth_request_answer(ui->asking, ui->question, answer);
    ui->question++;
    if (ui->question < nv_auth_request_count(ui->asking))
        ask_question(ui);
    else
        request_done(ui, TRUE);
}

static void ask_question(NvAuthUi *ui)
{
    NvAuthRequest *req = ui->asking;
    guint i = ui->question;
    g_autofree char *title = g_strdup_printf(_("Log in to %s"), nv_auth_request_uri(req));
    gboolean secret = nv_auth_request_secret(req, i);
    nv_app_prompt(ui->app, title, nv_auth_request_prompt(req, i), secret, on_answer, ui);
    if (!secret)
        nv_app_prompt_text(ui->app, nv_auth_request_default(req, i));
}

static void ignore_signals(NvAuthUi *ui)
{
    struct sigaction ign = {0};
    ign.sa_handler = SIG_IGN;
    sigemptyset(&ign.sa_mask);
    sigaction(SIGINT, &ign, &ui->old_int);
    sigaction(SIGQUIT, &ign, &ui->old_quit);
    sigaction(SIGTSTP, &ign, &ui->old_tstp);
}

static void restore_signals(NvAuthUi *ui)
{
    sigaction(SIGINT, &ui->old_int, NULL);
    sigaction(SIGQUIT, &ui->old_quit, NULL);
    sigaction(SIGTSTP, &ui->old_tstp, NULL);
}

/* The terminal is ssh's until it is done (nv_auth_ui_release): a line says what is going on
 * above ssh's own prompt. */
static void hand_over(NvAuthUi *ui)
{
    NvAuthRequest *req = ui->asking;
    nv_app_release_terminal(ui->app);
    ignore_signals(ui);
    ui->terminal_out = TRUE;
    g_autofree char *uri = nv_text_sanitize(nv_auth_request_uri(req));
    g_autofree char *line = g_strdup_printf(
        _("ncvirt: ssh asks you about %s; ncvirt comes back once it is done."), uri);
    fprintf(stdout, "\r\n%s\r\n", line);
    fflush(stdout);
    request_done(ui, TRUE);
}

static void on_terminal_choice(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    NvAuthUi *ui = data;
    if (!ui->asking)
        return;
    if (index == 0) {
        hand_over(ui);
        return;
    }
    nv_app_message(app, _("authentication cancelled"), TRUE);
    request_done(ui, FALSE);
}

static void ask_terminal(NvAuthUi *ui)
{
    NvAuthRequest *req = ui->asking;
    g_autofree char *msg = g_strdup_printf(
        _("ssh needs to ask you (password / host key) for %s: hand the terminal to ssh?"),
        nv_auth_request_uri(req));
    const char *lines[] = {nv_auth_request_reason(req), NULL};
    nv_app_confirm(ui->app, _("ssh needs the terminal"), msg, lines, on_terminal_choice, ui);
}

static gboolean wait_tick(gpointer data)
{
    NvAuthUi *ui = data;
    ui->wait_source = 0;
    next_request(ui);
    return G_SOURCE_REMOVE;
}

/* Shows the oldest request when nothing else holds the screen. */
static void next_request(NvAuthUi *ui)
{
    if (ui->asking || ui->terminal_out || g_queue_is_empty(&ui->pending))
        return;
    /* Another dialog is up, or $EDITOR has the terminal. */
    if (nv_app_get_prompt(ui->app) || nv_app_is_suspended(ui->app)) {
        if (!ui->wait_source)
            ui->wait_source = g_timeout_add(NV_AUTH_WAIT_MS, wait_tick, ui);
        return;
    }
    ui->asking = g_queue_pop_head(&ui->pending);
    ui->question = 0;
    if (nv_auth_request_kind(ui->asking) == NV_AUTH_TERMINAL)
        ask_terminal(ui);
    else if (nv_auth_request_count(ui->asking) > 0)
        ask_question(ui);
    else
        request_done(ui, TRUE);
}

static void on_ask(NvAuthRequest *req, gpointer data)
{
    NvAuthUi *ui = data;
    g_queue_push_tail(&ui->pending, nv_auth_request_ref(req));
    next_request(ui);
}

static void on_release(gpointer data)
{
    NvAuthUi *ui = data;
    if (!ui->terminal_out)
        return;
    ui->terminal_out = FALSE;
    restore_signals(ui);
    nv_app_take_terminal(ui->app);
    next_request(ui);
}

NvAuthUi *nv_auth_ui_new(NvApp *app)
{
    NvAuthUi *ui = g_new0(NvAuthUi, 1);
    ui->app = app;
    g_queue_init(&ui->pending);
    nv_auth_set_handler(on_ask, on_release, ui);
    return ui;
}

void nv_auth_ui_free(NvAuthUi *ui)
{
    if (!ui)
        return;
    nv_auth_set_handler(NULL, NULL, NULL);
    g_clear_handle_id(&ui->wait_source, g_source_remove);
    if (ui->terminal_out)
        restore_signals(ui);
    NvAuthRequest *req;
    while ((req = g_queue_pop_head(&ui->pending))) {
        nv_auth_request_finish(req, FALSE);
        nv_auth_request_unref(req);
    }
    if (ui->asking) {
        nv_auth_request_finish(ui->asking, FALSE);
        g_clear_pointer(&ui->asking, nv_auth_request_unref);
    }
    g_free(ui);
}
