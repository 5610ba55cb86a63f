/* libvirt connection URIs as fields and back: the connection wizard builds one from what the
 * user picked (hypervisor, transport, user, host, port, key file...) and opens a saved one
 * again as fields to edit. GLib only (GUri). */
#pragma once

#include <glib.h>

typedef enum {
    NV_TRANSPORT_LOCAL, /* no transport in the scheme: the local daemon */
    NV_TRANSPORT_SSH,
    NV_TRANSPORT_LIBSSH,
    NV_TRANSPORT_LIBSSH2,
    NV_TRANSPORT_TLS,
    NV_TRANSPORT_TCP,
    NV_TRANSPORT_UNIX,
    NV_TRANSPORT_COUNT
} NvTransport;

typedef struct {
    char *hypervisor; /* the scheme's driver: "qemu", "lxc", "xen", "ch", "test"... */
    NvTransport transport;
    char *user;         /* "" for none */
    char *host;         /* "" for none; an IPv6 address without brackets */
    guint port;         /* 0 for the transport's default */
    char *path;         /* "/system", "/session", a test driver's "/default" or file */
    char *keyfile;      /* "" or the ssh key file (the keyfile parameter) */
    char *known_hosts;  /* "" or the known_hosts file */
    gboolean no_verify; /* no_verify=1: the host key (ssh) or certificate (tls) unchecked */
    /* Other parameters ("mode=direct&socket=..."), kept encoded so a round trip loses none. */
    char *extra;
} NvUriFields;

NvUriFields *nv_uri_fields_new(void);
void nv_uri_fields_free(NvUriFields *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvUriFields, nv_uri_fields_free)

/* "ssh", "tls"...; "local" for NV_TRANSPORT_LOCAL. */
const char *nv_transport_name(NvTransport t);
gboolean nv_transport_from_name(const char *name, NvTransport *out);
/* The transport reaches another machine (ssh, libssh, libssh2, tls, tcp): a host is needed. */
gboolean nv_transport_is_remote(NvTransport t);
/* The transport runs ssh: the key file and known_hosts parameters mean something. */
gboolean nv_transport_is_ssh(NvTransport t);

/* The hypervisors the wizard offers, NULL-terminated; any other driver name is accepted too. */
const char *const *nv_uri_hypervisors(void);
/* The path a hypervisor's URI usually has: "/system" for qemu, "/default" for test... */
const char *nv_uri_default_path(const char *hypervisor);

/* The URI for the fields, every part escaped; NULL with `err` (NV_ERROR_INVALID) saying which
 * field is wrong (no host for a remote transport, a host that is no host name...). */
char *nv_uri_build(const NvUriFields *f, GError **err);
/* The fields of a libvirt URI; NULL with `err` when it is not one (no scheme, an unknown
 * transport, a password in it...). A host without a transport reads as tls, as libvirt does. */
NvUriFields *nv_uri_parse(const char *uri, GError **err);
/* TRUE when the URI carries a password in its user information ("user:secret@host"). */
gboolean nv_uri_has_password(const char *uri);
