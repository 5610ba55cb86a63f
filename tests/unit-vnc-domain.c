/* Unit tests of nv_vnc_route (src/vnc-domain.c): a remote domain's display is reached through
 * its host or the connection's ssh tunnel, never through this machine's loopback, for every
 * transport and every wildcard or loopback listen address; a local one stays local. */
#include <check.h>
#include <gio/gio.h>
#include <string.h>

#include "error.h"
#include "vnc-domain.h"

static const char *const remote_uris[] = {
    "qemu://web-host/system",
    "qemu+tls://web-host/system",
    "qemu+tcp://web-host/system",
    "qemu+libssh://root@web-host/system",
    "qemu+libssh2://root@web-host/system",
    "qemu+ssh://root@web-host:2222/system",
    "qemu+tcp://web-host:16509/system",
};

/* The addresses that mean "this machine" when read on the wrong side of a connection. */
static const char *const wildcard_listens[] = {"", "0.0.0.0", "::", "0:0:0:0:0:0:0:0"};
static const char *const loopback_listens[] = {"127.0.0.1", "::1", "127.0.1.1", "localhost",
                                               "::ffff:127.0.0.1"};

/* Would connecting to `host` from here reach this machine? */
static gboolean is_local_address(const char *host)
{
    if (!*host || g_ascii_strcasecmp(host, "localhost") == 0)
        return TRUE;
    g_autoptr(GInetAddress) a = g_inet_address_new_from_string(host);
    if (!a)
        return FALSE;
    if (g_inet_address_get_is_loopback(a) || g_inet_address_get_is_any(a))
        return TRUE;
    /* ::ffff:127.0.0.1 is loopback too, whatever GLib says of it. */
    const guint8 *b = g_inet_address_to_bytes(a);
    static const guint8 mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    return g_inet_address_get_family(a) == G_SOCKET_FAMILY_IPV6 && !memcmp(b, mapped, 12) &&
           (b[12] == 127 || (!b[12] && !b[13] && !b[14] && !b[15]));
}

static gboolean is_ssh(const char *uri)
{
    return strstr(uri, "+ssh://") != NULL;
}

/* The route never lands on this machine: a tunnel through ssh to the URI's host (for +ssh
 * only), a refusal, or an address that is not local. */
static void check_never_local(const char *uri, const char *listen, gboolean wildcard)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvVncRoute) r = nv_vnc_route(uri, "web-01", listen, 5901, &err);
    if (is_ssh(uri)) {
        ck_assert_msg(r && r->kind == NV_VNC_ROUTE_COMMAND, "%s listen '%s': no ssh tunnel", uri,
                      listen);
        ck_assert_str_eq(r->argv[0], "ssh");
        guint n = g_strv_length(r->argv);
        ck_assert_str_eq(r->argv[n - 1], "web-host");
        ck_assert_str_eq(r->argv[n - 2], "--");
        return;
    }
    if (!r) {
        ck_assert_msg(!wildcard, "%s listen '%s' refused: %s", uri, listen, err->message);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
        ck_assert_msg(strstr(err->message, "of host web-host only") &&
                          strstr(err->message, "qemu+ssh://"),
                      "%s", err->message);
        return;
    }
    ck_assert_msg(r->kind == NV_VNC_ROUTE_HOST, "%s listen '%s'", uri, listen);
    ck_assert_msg(!is_local_address(r->host), "%s listen '%s' goes to local %s", uri, listen,
                  r->host);
    if (wildcard)
        ck_assert_str_eq(r->host, "web-host");
    ck_assert_int_eq(r->port, 5901);
}

START_TEST(test_remote_wildcard)
{
    for (guint i = 0; i < G_N_ELEMENTS(remote_uris); i++)
        for (guint j = 0; j < G_N_ELEMENTS(wildcard_listens); j++)
            check_never_local(remote_uris[i], wildcard_listens[j], TRUE);
}
END_TEST

START_TEST(test_remote_loopback)
{
    for (guint i = 0; i < G_N_ELEMENTS(remote_uris); i++)
        for (guint j = 0; j < G_N_ELEMENTS(loopback_listens); j++)
            check_never_local(remote_uris[i], loopback_listens[j], FALSE);
}
END_TEST

/* The refusal says which display, which address and host, and what to do. */
START_TEST(test_remote_loopback_message)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvVncRoute) r =
        nv_vnc_route("qemu+tls://web-host/system", "web-01", "127.0.0.1", 5900, &err);
    ck_assert_ptr_null(r);
    ck_assert_str_eq(err->message,
                     "the display of 'web-01' listens on 127.0.0.1 of host web-host only: open "
                     "it through qemu+ssh:// or make it listen on an address this machine can "
                     "reach");
}
END_TEST

/* qemu+ssh keeps its tunnel: the user's ssh, its port and user, the address on the host. */
START_TEST(test_ssh_tunnel)
{
    g_autoptr(NvVncRoute) r =
        nv_vnc_route("qemu+ssh://root@web-host:2222/system", "web-01", "0.0.0.0", 5901, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->kind, NV_VNC_ROUTE_COMMAND);
    g_autofree char *argv = g_strjoinv(" ", r->argv);
    ck_assert_str_eq(argv, "ssh -o BatchMode=yes -p 2222 -l root -W 127.0.0.1:5901 -- web-host");
    g_autoptr(NvVncRoute) r6 =
        nv_vnc_route("qemu+ssh://web-host/system", "web-01", "::1", 5902, NULL);
    g_autofree char *argv6 = g_strjoinv(" ", r6->argv);
    ck_assert_str_eq(argv6, "ssh -o BatchMode=yes -W [::1]:5902 -- web-host");
}
END_TEST

/* An address of the remote host's network is used as it is. */
START_TEST(test_remote_address)
{
    g_autoptr(NvVncRoute) r =
        nv_vnc_route("qemu+tcp://web-host/system", "web-01", "192.168.122.10", 5900, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->kind, NV_VNC_ROUTE_HOST);
    ck_assert_str_eq(r->host, "192.168.122.10");
    g_autoptr(NvVncRoute) r6 =
        nv_vnc_route("qemu+tls://[2001:db8::5]/system", "web-01", "::", 5900, NULL);
    ck_assert_ptr_nonnull(r6);
    ck_assert_str_eq(r6->host, "2001:db8::5");
}
END_TEST

/* A local hypervisor's display is on this machine: loopback is where it is. */
START_TEST(test_local)
{
    const char *const uris[] = {"qemu:///system", "qemu:///session", "qemu+unix:///system",
                                "test:///default"};
    for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
        for (guint j = 0; j < G_N_ELEMENTS(wildcard_listens); j++) {
            g_autoptr(NvVncRoute) r =
                nv_vnc_route(uris[i], "web-01", wildcard_listens[j], 5900, NULL);
            ck_assert_msg(r && r->kind == NV_VNC_ROUTE_HOST, "%s", uris[i]);
            ck_assert_str_eq(r->host, "127.0.0.1");
        }
        g_autoptr(NvVncRoute) r = nv_vnc_route(uris[i], "web-01", "::1", 5900, NULL);
        ck_assert_msg(r && r->kind == NV_VNC_ROUTE_HOST, "%s", uris[i]);
        ck_assert_str_eq(r->host, "::1");
    }
}
END_TEST

/* A display on a UNIX socket has no address: only libvirt's own socket reaches it. */
START_TEST(test_socket)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvVncRoute) r =
        nv_vnc_route("qemu+tcp://web-host/system", "web-01", "/run/vnc.sock", 0, &err);
    ck_assert_ptr_null(r);
    ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
}
END_TEST

static Suite *route_suite(void)
{
    Suite *s = suite_create("vnc-domain");
    TCase *tc = tcase_create("route");
    tcase_add_test(tc, test_remote_wildcard);
    tcase_add_test(tc, test_remote_loopback);
    tcase_add_test(tc, test_remote_loopback_message);
    tcase_add_test(tc, test_ssh_tunnel);
    tcase_add_test(tc, test_remote_address);
    tcase_add_test(tc, test_local);
    tcase_add_test(tc, test_socket);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(route_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
