/* Whether the QEMU user of the local host can open a file the user picked (an ISO under
 * /root, mode 0700): the directories on the way it cannot search, and the fix virt-manager
 * offers, an ACL entry granting that user search permission on each of them. */
#pragma once

#include <glib.h>
#include <sys/types.h>

/* The user QEMU runs as for qemu:///system: `user = "..."` in /etc/libvirt/qemu.conf, else
 * libvirt-qemu (Debian) or qemu (Fedora), whichever exists. NULL when none is found or it is
 * root (nothing to check). */
char *nv_host_qemu_user(void);

/* The directories from `path`'s parent up to / that `user` cannot search, outermost first;
 * `*readable` says whether it could read the file once there (set when `readable` is
 * non-NULL). Checked by the kernel itself (ACLs included) in a child process that takes on the
 * user's identity: needs root; NULL with `err` otherwise or when `user` is unknown. */
GPtrArray *nv_host_blocked_dirs(const char *path, const char *user, gboolean *readable,
                                GError **err);

/* Adds an ACL entry "user:<user>:--x" to each directory (keeping its other entries and its
 * group class as it was for the others). FALSE with `err` at the first that fails. */
gboolean nv_host_grant_search(const char *user, GPtrArray *dirs, GError **err);
