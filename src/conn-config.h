/* Saved connections: `[connection NAME]` groups (uri=, readonly=, autoconnect=) in ncvirt's
 * config file, $XDG_CONFIG_HOME/ncvirt/config, a GKeyFile other parts of ncvirt share (groups
 * not named "connection ..." belong to them and are kept as they are). Loading never writes;
 * saving writes the whole file atomically, mode 0600 in a 0700 directory, and refuses a URI
 * holding a password. GLib only. */
#pragma once

#include <glib.h>

#define NV_CONN_CONFIG_GROUP_PREFIX "connection "

typedef struct {
    char *name; /* the group's name after "connection " */
    char *uri;
    gboolean readonly;
    gboolean autoconnect;
} NvSavedConn;

NvSavedConn *nv_saved_conn_new(const char *name, const char *uri, gboolean readonly,
                               gboolean autoconnect);
NvSavedConn *nv_saved_conn_copy(const NvSavedConn *c);
void nv_saved_conn_free(NvSavedConn *c);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvSavedConn, nv_saved_conn_free)

typedef struct {
    char *path;
    GPtrArray *conns; /* NvSavedConn *, in the file's order */
    /* Names removed or renamed away since loading: the save drops their groups. A group the
     * load skipped as bad is left in the file as it is. */
    GHashTable *removed;
} NvConnConfig;

/* No connections, to be saved to `path` (e.g. when the file could not be read). */
NvConnConfig *nv_conn_config_new(const char *path);
/* $XDG_CONFIG_HOME/ncvirt/config. */
char *nv_conn_config_default_path(void);

/* The saved connections in `path` (none when the file does not exist). What cannot be used
 * (a line that is no group or key, a bad value, a group without a usable URI) is skipped,
 * with a note "FILE:LINE: reason" added to `notes`; a boolean that cannot be read keeps its
 * default. NULL with `err` only when the file exists but cannot be read. */
NvConnConfig *nv_conn_config_load(const char *path, GPtrArray *notes, GError **err);
void nv_conn_config_free(NvConnConfig *cfg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvConnConfig, nv_conn_config_free)

/* A name a connection may be saved under: not empty, no brackets, no control characters. */
gboolean nv_conn_config_name_check(const char *name, GError **err);
NvSavedConn *nv_conn_config_find(NvConnConfig *cfg, const char *name);
/* Adds `c` (a copy), or replaces the connection saved as `old_name` (NULL: as c->name), in
 * memory; FALSE with `err` for a bad name, a name another connection has, or a URI that is
 * not one or holds a password. */
gboolean nv_conn_config_set(NvConnConfig *cfg, const NvSavedConn *c, const char *old_name,
                            GError **err);
/* FALSE when no connection has that name. */
gboolean nv_conn_config_remove(NvConnConfig *cfg, const char *name);
/* Writes the connections into the file, keeping every other group (a bad connection group
 * too, unless its URI holds a password) and every comment as the file has them now. */
gboolean nv_conn_config_save(NvConnConfig *cfg, GError **err);
