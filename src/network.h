/* Virtual networks: a draft of a new network turned into libvirt's XML, the checks the network
 * wizard's fields use, and the actions on networks (create, start, stop, autostart, delete, the
 * domains that use one, DHCP leases), each made on the connection's worker. No libvirt types. */
#pragma once

#include <glib.h>

#include "conn-async.h"
#include "conn.h"
#include "model.h"

typedef enum {
    NV_NET_NAT,      /* guests reach out through the host's address */
    NV_NET_ROUTE,    /* routed to the host's network, no address translation */
    NV_NET_OPEN,     /* routed, and libvirt adds no firewall rules at all */
    NV_NET_ISOLATED, /* no <forward>: guests reach each other and the host only */
    NV_NET_BRIDGE,   /* an existing host bridge; libvirt manages no addresses */
    NV_NET_MODE_COUNT
} NvNetMode;

/* "nat", "route", "open", "isolated", "bridge": the wizard's enum values. */
const char *nv_net_mode_name(NvNetMode mode);
gboolean nv_net_mode_from_name(const char *name, NvNetMode *mode);
/* Modes with an IPv4 subnet that libvirt insists on (NAT and routing need an address). */
gboolean nv_net_mode_needs_ipv4(NvNetMode mode);

/* A static DHCP entry: this MAC always gets this address. */
typedef struct {
    char *mac;  /* lower case, ':' separated */
    char *ip;   /* an IPv4 address inside the subnet */
    char *name; /* the host name dnsmasq gives it, "" when none */
} NvNetHost;

void nv_net_host_free(NvNetHost *h);

typedef struct {
    char *name;
    NvNetMode mode;
    char *forward_dev; /* NAT and route: the host interface traffic leaves by; "" any */
    char *bridge;      /* the bridge device; "" lets libvirt pick virbrN. Bridge mode: required */
    char *ipv4;        /* the host's own address on the network ("192.168.100.1"); "" none */
    guint ipv4_prefix;
    gboolean dhcp; /* IPv4 only */
    char *dhcp_start;
    char *dhcp_end;
    GPtrArray *hosts; /* NvNetHost*: static DHCP entries, in the order given */
    char *ipv6;       /* "" none */
    guint ipv6_prefix;
    char *domain; /* the DNS domain of the guests' names, "" none */
    gboolean autostart;
} NvNetDraft;

/* A NAT network with nothing set: every string "", DHCP on. */
NvNetDraft *nv_net_draft_new(void);
void nv_net_draft_free(NvNetDraft *d);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvNetDraft, nv_net_draft_free)

/* The draft as a whole, the cross-field rules included (DHCP range inside the subnet, hosts
 * inside it and unique, ...). On failure `field` (optional) names what is at fault, as the
 * wizard's field ids: "name", "mode", "bridge", "forward-dev", "ipv4", "dhcp-start",
 * "dhcp-end", "ipv6", "domain", "hosts". */
gboolean nv_net_draft_check(const NvNetDraft *d, const char **field, GError **err);
/* Checks, then builds <network> XML (no <uuid>: libvirt makes one). NULL with `err` when the
 * check fails. */
char *nv_net_draft_xml(const NvNetDraft *d, GError **err);
/* A few lines saying what will be made ("NAT network 'lab' on 192.168.100.0/24, ..."). */
char *nv_net_draft_describe(const NvNetDraft *d);

/* Appends a static DHCP entry after checking it: a valid MAC (normalised), an address inside
 * the IPv4 subnet that is not the network's, its broadcast or the host's own, an optional host
 * name, and no MAC, address or name another entry has. `field` as above: "host-mac",
 * "host-ip" or "host-name". */
gboolean nv_net_draft_add_host(NvNetDraft *d, const char *mac, const char *ip, const char *name,
                               const char **field, GError **err);
void nv_net_draft_remove_host(NvNetDraft *d, guint index);

/* ---- addresses ---- */

/* "192.168.100.1/24": the host's address and a prefix of 8 to 30, the address being neither
 * the subnet's network nor its broadcast address. Outputs are optional. */
gboolean nv_net_parse_ipv4_subnet(const char *text, char **address, guint *prefix, GError **err);
/* "fd00:1::1/64": prefix 8 to 126, the address not the subnet's own (its router anycast). */
gboolean nv_net_parse_ipv6_subnet(const char *text, char **address, guint *prefix, GError **err);
/* A dotted quad, normalised ("010.1.1.1" is refused: it is ambiguous). */
gboolean nv_net_parse_ipv4(const char *text, char **address, GError **err);
/* The subnet as text, "192.168.100.0/24". */
char *nv_net_ipv4_network(const char *address, guint prefix);
/* The default DHCP range of a subnet: every address but the network's, its broadcast and the
 * host's own, as one run (.2 to .254 of a /24 whose host is .1). */
void nv_net_default_range(const char *address, guint prefix, char **start, char **end);
/* A /24 in 192.168.100-254.x that no network in `model` (may be NULL) uses, as "A.B.C.1/24". */
char *nv_net_suggest_subnet(const NvModel *model);
/* "network1", "network2", ...: the first name no network in `model` has. */
char *nv_net_suggest_name(const NvModel *model);

/* ---- field checks (NvFieldCheck: text, data, err); each trims blanks around the text ---- */

/* A valid NV_NAME_NETWORK (names.h), not a name in `model`. */
gboolean nv_net_check_name(const char *text, const NvModel *model, GError **err);
/* A Linux interface name: a valid NV_NAME_INTERFACE (names.h). */
gboolean nv_net_check_bridge(const char *text, gpointer unused, GError **err);
gboolean nv_net_check_ipv4_subnet(const char *text, gpointer unused, GError **err);
gboolean nv_net_check_ipv6_subnet(const char *text, gpointer unused, GError **err);
gboolean nv_net_check_ipv4(const char *text, gpointer unused, GError **err);
gboolean nv_net_check_mac(const char *text, gpointer unused, GError **err);
/* A DNS name: labels of letters, digits and '-', not starting or ending with '-'. */
gboolean nv_net_check_dns_name(const char *text, gpointer unused, GError **err);

/* ---- what a defined network holds beyond the model's summary (for the details) ---- */

typedef struct {
    char *domain;     /* "" when none */
    GPtrArray *hosts; /* NvNetHost*, IPv4 and IPv6 entries; an IPv6 entry may lack a MAC */
} NvNetInfo;

void nv_net_info_free(NvNetInfo *info);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvNetInfo, nv_net_info_free)
NvNetInfo *nv_net_info_from_xml(const char *xml, GError **err);
/* Whether a domain's XML has <interface type='network'> with <source network='network'>. */
gboolean nv_net_domain_uses(const char *domain_xml, const char *network);

/* ---- actions: _async/_finish pairs of conn-async.h ---- */

/* The _finish of create and op; the lists are refreshed before `done`. */
gboolean nv_network_finish(NvAsyncResult *res, GError **err);

/* Defines `xml`, starts the network and sets autostart when asked. Refuses a name that exists
 * (defining over it would replace its definition); when a later step fails, stops and
 * undefines what it defined, so only the error is left (the message says so if even that
 * failed). */
void nv_network_create_async(NvConn *conn, const char *xml, gboolean autostart, NvAsyncFunc done,
                             gpointer data, GDestroyNotify data_free);

typedef enum {
    NV_NET_OP_START,
    NV_NET_OP_STOP, /* virNetworkDestroy: guests on it lose their link */
    NV_NET_OP_AUTOSTART_ON,
    NV_NET_OP_AUTOSTART_OFF,
    NV_NET_OP_DELETE, /* stops it when active, then undefines it */
} NvNetOp;

/* Errors carry context: "cannot stop network 'lab': <libvirt's message>". Lists are
 * refreshed afterwards. */
void nv_network_op_async(NvConn *conn, NvNetOp op, const char *name, NvAsyncFunc done,
                         gpointer data, GDestroyNotify data_free);
/* "started network 'lab'", ... (translated), for the status line after success. */
char *nv_net_op_message(NvNetOp op, const char *name);

/* Names of the domains whose XML connects an interface to the network, sorted: one bulk list
 * and one XML per domain. The array (char*) is the caller's. */
void nv_network_users_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                            GDestroyNotify data_free);
GPtrArray *nv_network_users_finish(NvAsyncResult *res, GError **err);

typedef struct {
    char *mac; /* "" when none (IPv6 clients may give only a DUID) */
    char *ip;  /* with no prefix */
    guint prefix;
    char *family;   /* ipv4, ipv6 */
    char *hostname; /* "" when the client sent none */
    gint64 expiry;  /* seconds since the epoch; 0 when it never expires */
} NvNetLease;

void nv_net_lease_free(NvNetLease *l);
/* The DHCP leases dnsmasq handed out on the network (NvNetLease*, by address); the array is
 * the caller's. */
void nv_network_leases_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                             GDestroyNotify data_free);
GPtrArray *nv_network_leases_finish(NvAsyncResult *res, GError **err);

/* The network's XML read into NvNetInfo (the live definition when it is active); the caller's
 * to free. */
void nv_network_info_async(NvConn *conn, const char *name, NvAsyncFunc done, gpointer data,
                           GDestroyNotify data_free);
NvNetInfo *nv_network_info_finish(NvAsyncResult *res, GError **err);
