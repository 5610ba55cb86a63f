/* Names of libvirt objects and their rules: one table of what a valid name is per kind
 * (domain, pool, volume, network, snapshot, clone pattern, host interface), used by every
 * wizard, rename, clone, snapshots and the details editor, so they accept the same names. */
#pragma once

#include <glib.h>

typedef enum {
    NV_NAME_DOMAIN,        /* new VM, rename, each name a clone pattern expands to */
    NV_NAME_POOL,          /* storage pool (and an LVM volume group) */
    NV_NAME_VOLUME,        /* storage volume */
    NV_NAME_NETWORK,       /* virtual network */
    NV_NAME_SNAPSHOT,      /* domain snapshot */
    NV_NAME_CLONE_PATTERN, /* "web-{01..10}": a domain name with one {first..last} range */
    NV_NAME_INTERFACE,     /* host interface or bridge (the kernel's IFNAMSIZ rules) */
    NV_NAME_KIND_COUNT
} NvNameKind;

/* The longest name libvirt gives back that ncvirt still looks up (nv_name_check_existing). */
#define NV_NAME_EXISTING_MAX 255

/* A name for a new object of `kind` (or a new name for one): TRUE, or FALSE with an
 * NV_ERROR_INVALID error that names the kind and says what is wrong. Every kind refuses an
 * empty name, invalid UTF-8, control and format (bidi) characters, '/', a space at either
 * end, "." and "..", and more than its maximum; domains, networks, clone patterns and
 * interfaces also take only letters, digits and a few marks, not first '-' or '.'. */
gboolean nv_name_check(NvNameKind kind, const char *name, GError **err);

/* The name of an object that exists already and is only looked up (the editor's "existing
 * volume", a NIC's network): only what libvirt itself never stores is refused (empty,
 * invalid UTF-8, control characters, '/', "." and "..", more than NV_NAME_EXISTING_MAX
 * bytes), so objects made by other tools stay reachable. */
gboolean nv_name_check_existing(NvNameKind kind, const char *name, GError **err);

/* The longest name `kind` takes, in bytes. */
guint nv_name_max(NvNameKind kind);

/* A control or format (bidi, zero-width) character in UTF-8 text `s`: either can make a name
 * or a path print as another one. */
gboolean nv_name_has_control(const char *s);
