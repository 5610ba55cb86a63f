/* Authentication in the TUI: what libvirt (or ssh) asks while a connection opens, brought to
 * the main loop as a request the UI answers. The core asks, the UI's handler shows dialogs;
 * the connection's worker waits for the answer meanwhile. No libvirt types here (ui/ uses it).
 *
 *     static void ask(NvAuthRequest *req, gpointer data)      // on the main loop
 *     {
 *         if (nv_auth_request_kind(req) == NV_AUTH_TERMINAL) {
 *             // ask "hand the terminal to ssh?"; on yes: endwin, stop reading stdin, then
 *             nv_auth_request_finish(req, TRUE);               // FALSE: "authentication cancelled"
 *             return;
 *         }
 *         for (guint i = 0; i < nv_auth_request_count(req); i++)
 *             ... nv_auth_request_answer(req, i, typed);       // copied; wiped after use
 *         nv_auth_request_finish(req, TRUE);
 *     }
 *     static void release(gpointer data) { ... tcflush, take the terminal back }
 *     nv_auth_set_handler(ask, release, app);
 *
 * Without a handler (the --list mode) libvirt's own console prompts are used, and ssh keeps
 * the terminal as it always had it. */
#pragma once

#include <glib.h>

typedef enum {
    NV_AUTH_CREDENTIALS, /* libvirt's questions (SASL, libssh, ...): answer each */
    NV_AUTH_TERMINAL,    /* the ssh program must talk to the user on the terminal */
} NvAuthKind;

/* The kinds of libvirt's VIR_CRED_*, the same order and meaning. */
typedef enum {
    NV_CRED_USERNAME = 1,
    NV_CRED_AUTHNAME,
    NV_CRED_LANGUAGE,
    NV_CRED_CNONCE,
    NV_CRED_PASSPHRASE,
    NV_CRED_ECHOPROMPT,
    NV_CRED_NOECHOPROMPT,
    NV_CRED_REALM,
    NV_CRED_EXTERNAL,
} NvCredKind;

typedef struct NvAuthRequest NvAuthRequest;

/* On the main loop: show the request; answer it with nv_auth_request_finish, now or later. */
typedef void (*NvAuthAskFunc)(NvAuthRequest *req, gpointer data);
/* On the main loop: ssh is done with the terminal (NV_AUTH_TERMINAL answered yes). */
typedef void (*NvAuthReleaseFunc)(gpointer data);

/* Registers the UI's handler (main thread, before connections open); NULL `ask` unregisters.
 * Requests come to the thread-default main context of the caller. */
void nv_auth_set_handler(NvAuthAskFunc ask, NvAuthReleaseFunc release, gpointer data);
gboolean nv_auth_has_handler(void);

NvAuthRequest *nv_auth_request_ref(NvAuthRequest *req);
void nv_auth_request_unref(NvAuthRequest *req);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvAuthRequest, nv_auth_request_unref)

NvAuthKind nv_auth_request_kind(NvAuthRequest *req);
/* The connection's URI (for the dialog's title). */
const char *nv_auth_request_uri(NvAuthRequest *req);
/* NV_AUTH_TERMINAL: what ssh said when it could not go on alone ("Permission denied ..."). */
const char *nv_auth_request_reason(NvAuthRequest *req);

/* NV_AUTH_CREDENTIALS: the questions, in libvirt's order. */
guint nv_auth_request_count(NvAuthRequest *req);
NvCredKind nv_auth_request_cred_kind(NvAuthRequest *req, guint i);
/* libvirt's prompt ("Enter root's password for host"), never NULL. */
const char *nv_auth_request_prompt(NvAuthRequest *req, guint i);
/* What libvirt suggests, or what the user answered before in this session (never a secret);
 * NULL for none. */
const char *nv_auth_request_default(NvAuthRequest *req, guint i);
/* Whether the answer must not be echoed (passwords, passphrases). */
gboolean nv_auth_request_secret(NvAuthRequest *req, guint i);
/* Stores the answer to question `i` (copied). */
void nv_auth_request_answer(NvAuthRequest *req, guint i, const char *answer);
/* The stored answer, or NULL; after the worker has used it, its bytes are zero. For tests. */
const char *nv_auth_request_get_answer(NvAuthRequest *req, guint i);

/* Answers the request: `accepted` FALSE cancels the open ("authentication cancelled"). Once
 * per request; later calls do nothing. */
void nv_auth_request_finish(NvAuthRequest *req, gboolean accepted);

/* ---- pure helpers, for the open and for tests ---- */

/* `uri` with no_tty=1 added when its transport is ssh (qemu+ssh://, test+ssh://) and it sets
 * no no_tty itself; NULL otherwise. */
char *nv_auth_batch_uri(const char *uri);
/* Whether ssh's failure (libvirt's message, with ssh's stderr in it) is one a person at the
 * terminal could fix: a password or passphrase wanted, an unknown host key. */
gboolean nv_auth_ssh_needs_terminal(const char *message);
