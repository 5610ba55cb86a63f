/* Authentication in the TUI (conn-auth.h): libvirt's auth callback runs on the connection's
 * worker, posts its questions to the main loop as a request and waits for the UI's answer;
 * for the ssh transport the open goes first in ssh's BatchMode (no_tty=1), and only when ssh
 * needs a person does the UI hand it the terminal. Secrets live in the request only until
 * libvirt has copied them, then their bytes are wiped. */
#include "conn-auth.h"

#include <gio/gio.h>
#include <libvirt/virterror.h>
#include <string.h>

#include "conn-virt.h"
#include "error.h"
#include "i18n.h"
#include "virt-util.h"

typedef struct {
    NvCredKind kind;
    char *prompt;
    char *def;
    gboolean secret;
    char *answer;
    gsize answer_len; /* bytes allocated for `answer`, wiped before it is freed */
} Cred;

struct NvAuthRequest {
    gatomicrefcount refs;
    NvAuthKind kind;
    char *uri;
    char *reason;
    Cred *creds;
    guint n;
    GMutex lock;
    GCond cond;
    gboolean done;
    gboolean accepted;
};

/* The UI's handler, set on the main thread and read by workers. */
static GMutex handler_lock;
static NvAuthAskFunc handler_ask;
static NvAuthReleaseFunc handler_release;
static gpointer handler_data;
static GMainContext *handler_ctx;

/* Non-secret answers (user names, realms) of opens that succeeded, by "uri\nkind\nprompt":
 * offered again as the default on the next question, never a password. */
static GMutex reuse_lock;
static GHashTable *reuse;

/* ---- the request ---- */

static void wipe_answer(Cred *c)
{
    if (c->answer)
        explicit_bzero(c->answer, c->answer_len);
}

static NvAuthRequest *request_new(NvAuthKind kind, const char *uri, guint n)
{
    NvAuthRequest *req = g_new0(NvAuthRequest, 1);
    g_atomic_ref_count_init(&req->refs);
    req->kind = kind;
    req->uri = g_strdup(uri ? uri : "");
    req->n = n;
    req->creds = g_new0(Cred, MAX(n, 1u));
    g_mutex_init(&req->lock);
    g_cond_init(&req->cond);
    return req;
}

NvAuthRequest *nv_auth_request_ref(NvAuthRequest *req)
{
    g_atomic_ref_count_inc(&req->refs);
    return req;
}

void nv_auth_request_unref(NvAuthRequest *req)
{
    if (!req || !g_atomic_ref_count_dec(&req->refs))
        return;
    for (guint i = 0; i < req->n; i++) {
        wipe_answer(&req->creds[i]);
        g_free(req->creds[i].answer);
        g_free(req->creds[i].prompt);
        g_free(req->creds[i].def);
    }
    g_free(req->creds);
    g_free(req->uri);
    g_free(req->reason);
    g_mutex_clear(&req->lock);
    g_cond_clear(&req->cond);
    g_free(req);
}

NvAuthKind nv_auth_request_kind(NvAuthRequest *req)
{
    return req->kind;
}

const char *nv_auth_request_uri(NvAuthRequest *req)
{
    return req->uri;
}

const char *nv_auth_request_reason(NvAuthRequest *req)
{
    return req->reason ? req->reason : "";
}

guint nv_auth_request_count(NvAuthRequest *req)
{
    return req->n;
}

NvCredKind nv_auth_request_cred_kind(NvAuthRequest *req, guint i)
{
    g_return_val_if_fail(i < req->n, NV_CRED_ECHOPROMPT);
    return req->creds[i].kind;
}

const char *nv_auth_request_prompt(NvAuthRequest *req, guint i)
{
    g_return_val_if_fail(i < req->n, "");
    return req->creds[i].prompt;
}

const char *nv_auth_request_default(NvAuthRequest *req, guint i)
{
    g_return_val_if_fail(i < req->n, NULL);
    return req->creds[i].def;
}

gboolean nv_auth_request_secret(NvAuthRequest *req, guint i)
{
    g_return_val_if_fail(i < req->n, TRUE);
    return req->creds[i].secret;
}

void nv_auth_request_answer(NvAuthRequest *req, guint i, const char *answer)
{
    g_return_if_fail(i < req->n);
    g_mutex_lock(&req->lock);
    Cred *c = &req->creds[i];
    if (!req->done) {
        wipe_answer(c);
        g_free(c->answer);
        c->answer_len = strlen(answer ? answer : "") + 1;
        c->answer = g_malloc(c->answer_len);
        memcpy(c->answer, answer ? answer : "", c->answer_len);
    }
    g_mutex_unlock(&req->lock);
}

const char *nv_auth_request_get_answer(NvAuthRequest *req, guint i)
{
    g_return_val_if_fail(i < req->n, NULL);
    return req->creds[i].answer;
}

void nv_auth_request_finish(NvAuthRequest *req, gboolean accepted)
{
    g_mutex_lock(&req->lock);
    if (!req->done) {
        req->done = TRUE;
        req->accepted = accepted;
        g_cond_broadcast(&req->cond);
    }
    g_mutex_unlock(&req->lock);
}

/* ---- the handler ---- */

void nv_auth_set_handler(NvAuthAskFunc ask, NvAuthReleaseFunc release, gpointer data)
{
    g_mutex_lock(&handler_lock);
    handler_ask = ask;
    handler_release = ask ? release : NULL;
    handler_data = ask ? data : NULL;
    g_clear_pointer(&handler_ctx, g_main_context_unref);
    if (ask)
        handler_ctx = g_main_context_ref_thread_default();
    g_mutex_unlock(&handler_lock);
}

gboolean nv_auth_has_handler(void)
{
    g_mutex_lock(&handler_lock);
    gboolean have = handler_ask != NULL;
    g_mutex_unlock(&handler_lock);
    return have;
}

/* On the main loop. A handler that went away meanwhile answers no. */
static gboolean ask_on_main(gpointer data)
{
    NvAuthRequest *req = data;
    g_mutex_lock(&handler_lock);
    NvAuthAskFunc ask = handler_ask;
    gpointer udata = handler_data;
    g_mutex_unlock(&handler_lock);
    if (ask)
        ask(req, udata);
    else
        nv_auth_request_finish(req, FALSE);
    return G_SOURCE_REMOVE;
}

static gboolean release_on_main(gpointer data)
{
    g_mutex_lock(&handler_lock);
    NvAuthReleaseFunc release = handler_release;
    gpointer udata = handler_data;
    g_mutex_unlock(&handler_lock);
    if (release)
        release(udata);
    return G_SOURCE_REMOVE;
}

/* On a worker: hands `req` to the UI and waits for the answer. FALSE: cancelled, or no UI. */
static gboolean request_wait(NvAuthRequest *req)
{
    g_mutex_lock(&handler_lock);
    GMainContext *ctx = handler_ctx ? g_main_context_ref(handler_ctx) : NULL;
    g_mutex_unlock(&handler_lock);
    if (!ctx)
        return FALSE;
    nv_main_post(ctx, ask_on_main, nv_auth_request_ref(req), (GDestroyNotify)nv_auth_request_unref);
    g_main_context_unref(ctx);
    g_mutex_lock(&req->lock);
    while (!req->done)
        g_cond_wait(&req->cond, &req->lock);
    gboolean accepted = req->accepted;
    g_mutex_unlock(&req->lock);
    return accepted;
}

static void post_release(void)
{
    g_mutex_lock(&handler_lock);
    GMainContext *ctx = handler_ctx ? g_main_context_ref(handler_ctx) : NULL;
    g_mutex_unlock(&handler_lock);
    if (!ctx)
        return;
    nv_main_post(ctx, release_on_main, NULL, NULL);
    g_main_context_unref(ctx);
}

/* ---- libvirt's callback ---- */

static gboolean cred_is_secret(int type)
{
    return type == VIR_CRED_PASSPHRASE || type == VIR_CRED_NOECHOPROMPT;
}

static char *reuse_key(const char *uri, int type, const char *prompt)
{
    return g_strdup_printf("%s\n%d\n%s", uri ? uri : "", type, prompt ? prompt : "");
}

static char *reuse_lookup(const char *uri, int type, const char *prompt)
{
    g_autofree char *key = reuse_key(uri, type, prompt);
    g_mutex_lock(&reuse_lock);
    char *found = reuse ? g_strdup(g_hash_table_lookup(reuse, key)) : NULL;
    g_mutex_unlock(&reuse_lock);
    return found;
}

/* Keeps the non-secret answers of an open that worked, for the next question. */
void nv_auth_context_finish(NvAuthContext *ctx, gboolean opened)
{
    if (!ctx->kept)
        return;
    if (!opened) {
        g_clear_pointer(&ctx->kept, g_hash_table_unref);
        return;
    }
    g_mutex_lock(&reuse_lock);
    if (!reuse)
        reuse = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init(&it, ctx->kept);
    while (g_hash_table_iter_next(&it, &k, &v))
        g_hash_table_insert(reuse, g_strdup(k), g_strdup(v));
    g_mutex_unlock(&reuse_lock);
    g_clear_pointer(&ctx->kept, g_hash_table_unref);
}

static void keep_answer(NvAuthContext *ctx, int type, const char *prompt, const char *answer)
{
    if (cred_is_secret(type) || !answer)
        return;
    if (!ctx->kept)
        ctx->kept = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    g_hash_table_insert(ctx->kept, reuse_key(ctx->uri, type, prompt), g_strdup(answer));
}

static const char *default_prompt(int type)
{
    switch (type) {
    case VIR_CRED_USERNAME:
        return _("User name");
    case VIR_CRED_AUTHNAME:
        return _("Authentication name");
    case VIR_CRED_PASSPHRASE:
        return _("Password");
    case VIR_CRED_REALM:
        return _("Realm");
    case VIR_CRED_LANGUAGE:
        return _("Language");
    case VIR_CRED_CNONCE:
        return _("Client nonce");
    default:
        return _("Answer");
    }
}

/* libvirt asks nothing of a person for EXTERNAL but PolicyKit's "already authorised". */
static gboolean external_ok(virConnectCredentialPtr c)
{
    return c->type != VIR_CRED_EXTERNAL || g_strcmp0(c->challenge, "PolicyKit") == 0;
}

static NvAuthRequest *request_from_creds(NvAuthContext *ctx, virConnectCredentialPtr cred,
                                         unsigned int ncred)
{
    NvAuthRequest *req = request_new(NV_AUTH_CREDENTIALS, ctx->uri, ncred);
    for (unsigned int i = 0; i < ncred; i++) {
        Cred *c = &req->creds[i];
        c->kind = (NvCredKind)cred[i].type;
        c->secret = cred_is_secret(cred[i].type);
        c->prompt = g_strdup(cred[i].prompt && *cred[i].prompt ? cred[i].prompt
                                                               : default_prompt(cred[i].type));
        if (!c->secret)
            c->def = reuse_lookup(ctx->uri, cred[i].type, cred[i].prompt);
        if (!c->def && cred[i].defresult)
            c->def = g_strdup(cred[i].defresult);
    }
    return req;
}

/* Copies the answers into libvirt's structure, which libvirt frees. An empty answer takes the
 * default, as libvirt's own console prompt does. */
static void fill_creds(NvAuthContext *ctx, NvAuthRequest *req, virConnectCredentialPtr cred,
                       unsigned int ncred)
{
    for (unsigned int i = 0; i < ncred; i++) {
        if (cred[i].type == VIR_CRED_EXTERNAL)
            continue;
        Cred *c = &req->creds[i];
        const char *a = c->answer && *c->answer ? c->answer : c->def ? c->def : "";
        cred[i].result = g_strdup(a);
        cred[i].resultlen = strlen(a);
        keep_answer(ctx, cred[i].type, cred[i].prompt, a);
    }
}

int nv_auth_callback(virConnectCredentialPtr cred, unsigned int ncred, void *cbdata)
{
    NvAuthContext *ctx = cbdata;
    gboolean ask = FALSE;
    for (unsigned int i = 0; i < ncred; i++) {
        if (!external_ok(&cred[i]))
            return -1;
        ask = ask || cred[i].type != VIR_CRED_EXTERNAL;
    }
    if (!ask)
        return 0;
    g_autoptr(NvAuthRequest) req = request_from_creds(ctx, cred, ncred);
    gboolean accepted = request_wait(req);
    g_mutex_lock(&req->lock);
    if (accepted)
        fill_creds(ctx, req, cred, ncred);
    else
        ctx->cancelled = TRUE;
    for (guint i = 0; i < req->n; i++)
        wipe_answer(&req->creds[i]);
    g_mutex_unlock(&req->lock);
    return accepted ? 0 : -1;
}

/* ---- ssh ---- */

static gboolean is_ssh_transport(const char *uri)
{
    const char *colon = strstr(uri, "://");
    const char *plus = colon ? memchr(uri, '+', (gsize)(colon - uri)) : NULL;
    return plus && (gsize)(colon - plus - 1) == 3 && g_ascii_strncasecmp(plus + 1, "ssh", 3) == 0;
}

static gboolean has_param(const char *query, const char *name)
{
    g_auto(GStrv) params = g_strsplit(query, "&", -1);
    gsize len = strlen(name);
    for (guint i = 0; params[i]; i++)
        if (strncmp(params[i], name, len) == 0 && (params[i][len] == '=' || !params[i][len]))
            return TRUE;
    return FALSE;
}

char *nv_auth_batch_uri(const char *uri)
{
    if (!uri || !is_ssh_transport(uri))
        return NULL;
    const char *q = strchr(uri, '?');
    if (q && has_param(q + 1, "no_tty"))
        return NULL;
    return g_strconcat(uri, !q ? "?" : q[1] ? "&" : "", "no_tty=1", NULL);
}

gboolean nv_auth_ssh_needs_terminal(const char *message)
{
    static const char *const fixable[] = {
        "Permission denied",     "Host key verification failed",
        "host key is known", /* "No ED25519 host key is known for ..." */
        "Authentication failed", "passphrase",
    };
    if (!message)
        return FALSE;
    for (guint i = 0; i < G_N_ELEMENTS(fixable); i++)
        if (strstr(message, fixable[i]))
            return TRUE;
    return FALSE;
}

/* ---- the open ---- */

static virConnectPtr open_once(const char *uri, NvAuthContext *ctx, gboolean readonly)
{
    static int types[] = {
        VIR_CRED_USERNAME,     VIR_CRED_AUTHNAME,   VIR_CRED_LANGUAGE,
        VIR_CRED_CNONCE,       VIR_CRED_PASSPHRASE, VIR_CRED_ECHOPROMPT,
        VIR_CRED_NOECHOPROMPT, VIR_CRED_REALM,      VIR_CRED_EXTERNAL,
    };
    virConnectAuth auth = {types, G_N_ELEMENTS(types), nv_auth_callback, ctx};
    return virConnectOpenAuth(uri, &auth, readonly ? VIR_CONNECT_RO : 0);
}

/* ssh could not go on in BatchMode: ask whether it may have the terminal, then open again
 * with it. The UI takes the terminal back when this returns. */
static virConnectPtr open_with_terminal(const char *uri, NvAuthContext *ctx, gboolean readonly,
                                        const char *reason)
{
    g_autoptr(NvAuthRequest) req = request_new(NV_AUTH_TERMINAL, uri, 0);
    req->reason = g_strdup(reason);
    if (!request_wait(req)) {
        ctx->cancelled = TRUE;
        return NULL;
    }
    virConnectPtr v = open_once(uri, ctx, readonly);
    post_release();
    return v;
}

static void set_open_error(GError **err, const char *uri)
{
    nv_set_virt_error(err, _("cannot connect to '%s'"), uri ? uri : "");
}

virConnectPtr nv_virt_open_auth(const char *uri, gboolean readonly, GError **err)
{
    if (!nv_auth_has_handler()) {
        /* No screen to protect: libvirt's console prompts, ssh on the terminal as ever. */
        virConnectPtr v =
            virConnectOpenAuth(uri, virConnectAuthPtrDefault, readonly ? VIR_CONNECT_RO : 0);
        if (!v)
            set_open_error(err, uri);
        return v;
    }
    NvAuthContext ctx = {.uri = uri};
    g_autofree char *batch = nv_auth_batch_uri(uri);
    virConnectPtr v = open_once(batch ? batch : uri, &ctx, readonly);
    if (!v && batch && !ctx.cancelled) {
        g_autofree char *why = g_strdup(virGetLastErrorMessage());
        if (nv_auth_ssh_needs_terminal(why))
            v = open_with_terminal(uri, &ctx, readonly, why);
    }
    nv_auth_context_finish(&ctx, v != NULL);
    if (!v && ctx.cancelled)
        g_set_error(err, G_IO_ERROR, G_IO_ERROR_CANCELLED, _("cannot connect to '%s': %s"), uri,
                    _("authentication cancelled"));
    else if (!v)
        set_open_error(err, uri);
    virResetLastError();
    return v;
}
