/* Can the QEMU user reach a file (see host-access.h)? The kernel answers, in a child that has
 * taken the user's identity; the fix writes the POSIX ACL extended attribute itself, so no
 * setfacl need be installed. */
#include "host-access.h"

#include <errno.h>
#include <fcntl.h>
#include <glib-unix.h>
#include <grp.h>
#include <pwd.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "error.h"
#include "i18n.h"

#define QEMU_CONF "/etc/libvirt/qemu.conf"
#define MAX_GROUPS 256

static char *conf_user(void)
{
    g_autofree char *text = NULL;
    if (!g_file_get_contents(QEMU_CONF, &text, NULL, NULL))
        return NULL;
    g_auto(GStrv) lines = g_strsplit(text, "\n", -1);
    for (char **l = lines; *l; l++) {
        const char *p = *l;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!g_str_has_prefix(p, "user"))
            continue;
        p += 4;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p++ != '=')
            continue;
        const char *open = strchr(p, '"');
        const char *close = open ? strchr(open + 1, '"') : NULL;
        if (close && close > open + 1)
            return g_strndup(open + 1, (gsize)(close - open - 1));
    }
    return NULL;
}

/* getpwnam_r into `pw`, its strings in `buf` (kept by the caller while `pw` is used):
 * getpwnam's static buffer is not safe on a worker thread. */
static gboolean find_user(const char *name, struct passwd *pw, char *buf, size_t len)
{
    struct passwd *found = NULL;
    return getpwnam_r(name, pw, buf, len, &found) == 0 && found != NULL;
}

char *nv_host_qemu_user(void)
{
    g_autofree char *user = conf_user();
    if (!user) {
        static const char *const defaults[] = {"libvirt-qemu", "qemu"};
        struct passwd pw;
        char buf[4096];
        for (guint i = 0; !user && i < G_N_ELEMENTS(defaults); i++)
            if (find_user(defaults[i], &pw, buf, sizeof buf))
                user = g_strdup(defaults[i]);
    }
    if (!user || strcmp(user, "root") == 0 || strcmp(user, "+0") == 0)
        return NULL;
    return g_steal_pointer(&user);
}

/* The directories to check: `path`'s parent and each above it, outermost first. */
static GPtrArray *ancestors(const char *path)
{
    GPtrArray *dirs = g_ptr_array_new_with_free_func(g_free);
    g_autofree char *dir = g_path_get_dirname(path);
    while (strcmp(dir, "/") != 0 && strcmp(dir, ".") != 0) {
        g_ptr_array_insert(dirs, 0, g_strdup(dir));
        char *up = g_path_get_dirname(dir);
        g_free(dir);
        dir = up;
    }
    g_ptr_array_insert(dirs, 0, g_strdup("/"));
    return dirs;
}

/* In the child: only async-signal-safe calls. One byte per directory, then one for the file.
 * Each directory is judged on its own (fchdir into it needs search permission there, and
 * only there): a directory under a blocked one is not blocked itself. */
_Noreturn static void child_check(int out, const struct passwd *pw, const gid_t *groups,
                                  int ngroups, const int *fds, guint n, const char *base)
{
    if (setgroups((size_t)ngroups, groups) < 0 || setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0)
        _exit(2);
    for (guint i = 0; i < n; i++) {
        char ok = fds[i] >= 0 && fchdir(fds[i]) == 0 && access(".", X_OK) == 0 ? '1' : '0';
        if (write(out, &ok, 1) != 1)
            _exit(3);
    }
    char ok =
        n > 0 && fds[n - 1] >= 0 && fchdir(fds[n - 1]) == 0 && access(base, R_OK) == 0 ? '1' : '0';
    _exit(write(out, &ok, 1) == 1 ? 0 : 3);
}

GPtrArray *nv_host_blocked_dirs(const char *path, const char *user, gboolean *readable,
                                GError **err)
{
    struct passwd who;
    char pwbuf[4096];
    if (!find_user(user, &who, pwbuf, sizeof pwbuf)) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("no user '%s' on this host"), user);
        return NULL;
    }
    if (geteuid() != 0) {
        g_set_error(err, NV_ERROR, NV_ERROR_NO_SUPPORT,
                    _("cannot check what '%s' may open: not running as root"), user);
        return NULL;
    }
    gid_t groups[MAX_GROUPS];
    int ngroups = MAX_GROUPS;
    if (getgrouplist(user, who.pw_gid, groups, &ngroups) < 0)
        ngroups = 0;
    g_autoptr(GPtrArray) dirs = ancestors(path);
    g_autofree char *base = g_path_get_basename(path);
    g_autofree int *dirfds = g_new(int, dirs->len);
    for (guint i = 0; i < dirs->len; i++)
        dirfds[i] = open(dirs->pdata[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    int fds[2];
    pid_t pid = -1;
    if (g_unix_open_pipe(fds, FD_CLOEXEC, err)) {
        pid = fork();
        if (pid == 0) {
            close(fds[0]);
            child_check(fds[1], &who, groups, ngroups, dirfds, dirs->len, base);
        }
        close(fds[1]);
    } else {
        fds[0] = -1;
    }
    for (guint i = 0; i < dirs->len; i++)
        if (dirfds[i] >= 0)
            close(dirfds[i]);
    if (fds[0] < 0)
        return NULL;
    g_autofree char *answers = g_malloc0(dirs->len + 1);
    gsize got = 0;
    while (pid > 0 && got < dirs->len + 1) {
        ssize_t n = read(fds[0], answers + got, dirs->len + 1 - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += (gsize)n;
    }
    close(fds[0]);
    int status = 0;
    while (pid > 0 && waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    if (pid < 0 || got != dirs->len + 1) {
        g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot check what '%s' may open"), user);
        return NULL;
    }
    GPtrArray *blocked = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; i < dirs->len; i++)
        if (answers[i] != '1')
            g_ptr_array_add(blocked, g_strdup(dirs->pdata[i]));
    if (readable)
        *readable = answers[dirs->len] == '1';
    return blocked;
}

/* ---- the ACL: the kernel's "system.posix_acl_access" format (linux/posix_acl_xattr.h) ---- */

#define ACL_VERSION 2
#define TAG_USER_OBJ 0x01
#define TAG_USER 0x02
#define TAG_GROUP_OBJ 0x04
#define TAG_GROUP 0x08
#define TAG_MASK 0x10
#define TAG_OTHER 0x20

typedef struct {
    guint16 tag, perm;
    guint32 id;
} AclEntry;

static gint compare_entries(gconstpointer a, gconstpointer b)
{
    const AclEntry *x = a, *y = b;
    if (x->tag != y->tag)
        return x->tag < y->tag ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* The directory's ACL now: its extended attribute, or the one its mode bits stand for. */
static GArray *read_acl(const char *dir, const struct stat *st)
{
    GArray *acl = g_array_new(FALSE, FALSE, sizeof(AclEntry));
    guint8 buf[4 + 8 * 64];
    ssize_t n = getxattr(dir, "system.posix_acl_access", buf, sizeof buf);
    if (n >= 4 && (n - 4) % 8 == 0 && GUINT32_FROM_LE(*(guint32 *)buf) == ACL_VERSION) {
        for (ssize_t off = 4; off < n; off += 8) {
            AclEntry e;
            memcpy(&e.tag, buf + off, 2);
            memcpy(&e.perm, buf + off + 2, 2);
            memcpy(&e.id, buf + off + 4, 4);
            e.tag = GUINT16_FROM_LE(e.tag);
            e.perm = GUINT16_FROM_LE(e.perm);
            e.id = GUINT32_FROM_LE(e.id);
            g_array_append_val(acl, e);
        }
        return acl;
    }
    AclEntry base[] = {{TAG_USER_OBJ, (st->st_mode >> 6) & 7, G_MAXUINT32},
                       {TAG_GROUP_OBJ, (st->st_mode >> 3) & 7, G_MAXUINT32},
                       {TAG_OTHER, st->st_mode & 7, G_MAXUINT32}};
    g_array_append_vals(acl, base, G_N_ELEMENTS(base));
    return acl;
}

/* The mask: what the group class may do, widened by `add` for the new entry only. */
static void add_search(GArray *acl, uid_t uid)
{
    AclEntry *mask = NULL, *mine = NULL, *group_obj = NULL;
    for (guint i = 0; i < acl->len; i++) {
        AclEntry *e = &g_array_index(acl, AclEntry, i);
        if (e->tag == TAG_MASK)
            mask = e;
        else if (e->tag == TAG_USER && e->id == uid)
            mine = e;
        else if (e->tag == TAG_GROUP_OBJ)
            group_obj = e;
    }
    if (mine) {
        mine->perm |= 1;
    } else {
        AclEntry e = {TAG_USER, 1, uid};
        g_array_append_val(acl, e);
    }
    if (mask) {
        mask->perm |= 1;
    } else {
        AclEntry e = {TAG_MASK, (guint16)((group_obj ? group_obj->perm : 0) | 1), G_MAXUINT32};
        g_array_append_val(acl, e);
    }
    g_array_sort(acl, compare_entries);
}

static gboolean write_acl(const char *dir, GArray *acl)
{
    gsize len = 4 + 8 * acl->len;
    g_autofree guint8 *buf = g_malloc(len);
    guint32 version = GUINT32_TO_LE(ACL_VERSION);
    memcpy(buf, &version, 4);
    for (guint i = 0; i < acl->len; i++) {
        AclEntry *e = &g_array_index(acl, AclEntry, i);
        guint16 tag = GUINT16_TO_LE(e->tag), perm = GUINT16_TO_LE(e->perm);
        guint32 id = GUINT32_TO_LE(e->id);
        memcpy(buf + 4 + 8 * i, &tag, 2);
        memcpy(buf + 6 + 8 * i, &perm, 2);
        memcpy(buf + 8 + 8 * i, &id, 4);
    }
    return setxattr(dir, "system.posix_acl_access", buf, len, 0) == 0;
}

gboolean nv_host_grant_search(const char *user, GPtrArray *dirs, GError **err)
{
    struct passwd pw;
    char pwbuf[4096];
    if (!find_user(user, &pw, pwbuf, sizeof pwbuf)) {
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID, _("no user '%s' on this host"), user);
        return FALSE;
    }
    uid_t uid = pw.pw_uid;
    for (guint i = 0; i < dirs->len; i++) {
        const char *dir = dirs->pdata[i];
        struct stat st;
        if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
            g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot give '%s' access to %s: %s"),
                        user, dir, g_strerror(errno ? errno : ENOTDIR));
            return FALSE;
        }
        g_autoptr(GArray) acl = read_acl(dir, &st);
        add_search(acl, uid);
        if (!write_acl(dir, acl)) {
            g_set_error(err, NV_ERROR, NV_ERROR_FAILED, _("cannot give '%s' access to %s: %s"),
                        user, dir, g_strerror(errno));
            return FALSE;
        }
    }
    return TRUE;
}
