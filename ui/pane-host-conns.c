/* The connection manager behind the Hosts pane (pane-host.h): saved connections read from the
 * config file as it changes, matched with the open ones, and connect, disconnect and remove
 * (with a confirmation) on a row. Adding and editing are the connection wizard's
 * (wizards/wizard-connection.c). */
#include <glib/gstdio.h>

#include "pane-host.h"

struct NvSavedConns {
    char *path;
    NvConnConfig *cfg;
    GStatBuf seen; /* the file when it was read (all zero: it did not exist) */
};

NvSavedConns *nv_saved_conns_new(void)
{
    NvSavedConns *s = g_new0(NvSavedConns, 1);
    s->path = nv_conn_config_default_path();
    s->cfg = nv_conn_config_new(s->path);
    s->seen.st_ino = (ino_t)-1; /* read at the first reload */
    return s;
}

void nv_saved_conns_free(NvSavedConns *s)
{
    if (!s)
        return;
    nv_conn_config_free(s->cfg);
    g_free(s->path);
    g_free(s);
}

static gboolean same_file(const GStatBuf *a, const GStatBuf *b)
{
    return a->st_ino == b->st_ino && a->st_dev == b->st_dev && a->st_size == b->st_size &&
           a->st_mtime == b->st_mtime;
}

void nv_saved_conns_reload(NvSavedConns *s)
{
    GStatBuf now = {0};
    if (g_stat(s->path, &now) < 0)
        memset(&now, 0, sizeof now);
    if (same_file(&now, &s->seen))
        return;
    s->seen = now;
    /* What cannot be read was reported when ncvirt started (main.c): keep what was there. */
    NvConnConfig *cfg = nv_conn_config_load(s->path, NULL, NULL);
    if (cfg) {
        nv_conn_config_free(s->cfg);
        s->cfg = cfg;
    }
}

static gboolean opened_from(const NvSavedConn *c, NvConn *conn)
{
    return g_strcmp0(nv_conn_name(conn), c->name) == 0 || g_strcmp0(nv_conn_uri(conn), c->uri) == 0;
}

const NvSavedConn *nv_saved_conns_of(NvSavedConns *s, NvApp *app, NvConn *conn)
{
    /* A name match first: two saved connections may share a URI. */
    for (guint i = 0; i < s->cfg->conns->len; i++) {
        const NvSavedConn *c = s->cfg->conns->pdata[i];
        if (g_strcmp0(nv_conn_name(conn), c->name) == 0)
            return c;
    }
    for (guint i = 0; i < s->cfg->conns->len; i++) {
        const NvSavedConn *c = s->cfg->conns->pdata[i];
        if (g_strcmp0(nv_conn_uri(conn), c->uri) == 0)
            return c;
    }
    return NULL;
}

GPtrArray *nv_saved_conns_unopened(NvSavedConns *s, NvApp *app)
{
    GPtrArray *out = g_ptr_array_new();
    for (guint i = 0; i < s->cfg->conns->len; i++) {
        const NvSavedConn *c = s->cfg->conns->pdata[i];
        gboolean open = FALSE;
        for (guint j = 0; j < nv_app_n_conns(app) && !open; j++)
            open = opened_from(c, nv_app_conn_at(app, j));
        if (!open)
            g_ptr_array_add(out, (gpointer)c);
    }
    return out;
}

NvConn *nv_saved_conns_connect(NvApp *app, const NvSavedConn *saved)
{
    /* Adding rebuilds the panes, which may read the file again: `saved` is not used after. */
    g_autofree char *name = g_strdup(saved->name);
    NvConn *conn = nv_app_add_conn(app, saved->uri, saved->readonly);
    nv_conn_set_name(conn, name);
    return conn;
}

/* ---- the actions ---- */

static void connect_row(NvApp *app, const NvSavedConn *saved, NvConn *conn)
{
    if (conn)
        return;
    g_autofree char *msg = g_strdup_printf(_("connecting to %s…"), saved->name);
    nv_saved_conns_connect(app, saved);
    nv_app_message(app, msg, FALSE);
}

static void disconnect_row(NvApp *app, NvConn *conn)
{
    if (!conn) {
        nv_app_message(app, _("Not connected."), FALSE);
        return;
    }
    g_autofree char *msg = g_strdup_printf(_("disconnected from %s"), nv_conn_name(conn));
    nv_app_remove_conn(app, conn);
    nv_app_message(app, msg, FALSE);
}

typedef struct {
    NvPane *pane; /* the Hosts pane: it lives as long as the app */
    NvSavedConns *s;
    char *name;
    NvConn *conn;
} Removal;

static void removal_free(Removal *r)
{
    g_free(r->name);
    g_free(r);
}

static void remove_answered(NvApp *app, int index, const gboolean *checked, gpointer data)
{
    Removal *r = data;
    g_autoptr(GError) err = NULL;
    g_autoptr(NvConnConfig) cfg = index == 0 ? nv_conn_config_load(r->s->path, NULL, &err) : NULL;
    if (cfg && nv_conn_config_remove(cfg, r->name) && !nv_conn_config_save(cfg, &err))
        g_clear_pointer(&cfg, nv_conn_config_free);
    if (index == 0 && !cfg) {
        nv_app_message(app, err->message, TRUE);
    } else if (index == 0) {
        if (r->conn && nv_app_has_conn(app, r->conn))
            nv_app_remove_conn(app, r->conn);
        /* The pane reads the file again as it rebuilds (its rows point into what it read). */
        nv_pane_rebuild(r->pane);
        g_autofree char *msg = g_strdup_printf(_("removed connection '%s'"), r->name);
        nv_app_message(app, msg, FALSE);
    }
    removal_free(r);
}

static void remove_row(NvPane *pane, NvSavedConns *s, const NvSavedConn *saved, NvConn *conn)
{
    NvApp *app = pane->app;
    if (!saved) {
        nv_app_message(app, _("This connection is not saved (d disconnects it)."), TRUE);
        return;
    }
    Removal *r = g_new0(Removal, 1);
    r->pane = pane;
    r->s = s;
    r->name = g_strdup(saved->name);
    r->conn = conn;
    g_autofree char *msg =
        g_strdup_printf(_("Remove the saved connection '%s' from %s?"), saved->name, s->path);
    g_autofree char *uri = g_strdup_printf(_("URI: %s"), saved->uri);
    const char *lines[] = {uri, conn ? _("It is disconnected now.") : NULL, NULL};
    nv_app_confirm(app, _("Remove connection"), msg, lines, remove_answered, r);
}

gboolean nv_saved_conns_action(NvPane *pane, NvSavedConns *s, NvAction a, const NvSavedConn *saved,
                               NvConn *conn)
{
    NvApp *app = pane->app;
    switch (a) {
    case NV_ACTION_CONN_CONNECT:
        if (saved || conn)
            connect_row(app, saved, conn);
        return TRUE;
    case NV_ACTION_CONN_DISCONNECT:
        disconnect_row(app, conn);
        return TRUE;
    case NV_ACTION_CONN_REMOVE:
        remove_row(pane, s, saved, conn);
        return TRUE;
    default:
        return FALSE;
    }
}
