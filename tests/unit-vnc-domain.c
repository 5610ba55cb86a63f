/* Unit tests of nv_vnc_route and nv_vnc_tunnel_argv (src/vnc-domain.c): a remote domain's
 * display is reached through its host or the connection's ssh tunnel, never through this
 * machine's loopback, for every transport and every wildcard or loopback listen address; a
 * local one stays local. The tunnel's argv carries each URI shape's parameters, and no hostile
 * value (a host, user or file starting with '-', spaces, quotes, ';') becomes an option. */
#include <check.h>
#include <gio/gio.h>
#include <glib/gstdio.h>
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
    return strstr(uri, "+ssh://") || strstr(uri, "+libssh://") || strstr(uri, "+libssh2://");
}

/* The route never lands on this machine: a tunnel through ssh to the URI's host (for the ssh
 * transports), a refusal, or an address that is not local. */
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

/* The argv joined with spaces, for comparing whole command lines. */
static char *joined(char **argv)
{
    return g_strjoinv(" ", argv);
}

/* qemu+ssh keeps its tunnel: the user's ssh, its port and user, the address on the host. */
START_TEST(test_ssh_tunnel)
{
    g_autoptr(NvVncRoute) r =
        nv_vnc_route("qemu+ssh://root@web-host:2222/system", "web-01", "0.0.0.0", 5901, NULL);
    ck_assert_ptr_nonnull(r);
    ck_assert_int_eq(r->kind, NV_VNC_ROUTE_COMMAND);
    g_autofree char *argv = joined(r->argv);
    ck_assert_str_eq(argv, "ssh -o BatchMode=yes -o ConnectTimeout=6 -p 2222 -l root "
                           "-W 127.0.0.1:5901 -- web-host");
    g_autoptr(NvVncRoute) r6 =
        nv_vnc_route("qemu+ssh://web-host/system", "web-01", "::1", 5902, NULL);
    g_autofree char *argv6 = joined(r6->argv);
    ck_assert_str_eq(argv6, "ssh -o BatchMode=yes -o ConnectTimeout=6 -W [::1]:5902 -- web-host");
}
END_TEST

/* Every parameter of the ssh transport that ssh itself understands, as libvirt passes it. */
START_TEST(test_tunnel_ssh_params)
{
    g_autoptr(GError) err = NULL;
    g_auto(GStrv) argv = nv_vnc_tunnel_argv(
        "qemu+ssh://admin@web-host:2222/system?keyfile=/k/id_ed25519&command=/opt/bin/ssh"
        "&no_verify=1&known_hosts=/k/known&no_tty=1",
        "127.0.0.1", 5900, &err);
    ck_assert_msg(argv, "%s", err ? err->message : "");
    g_autofree char *j = joined(argv);
    ck_assert_str_eq(j, "/opt/bin/ssh -o BatchMode=yes -o ConnectTimeout=6 -p 2222 -l admin "
                        "-i /k/id_ed25519 -o StrictHostKeyChecking=no "
                        "-o UserKnownHostsFile=\"/k/known\" -W 127.0.0.1:5900 -- web-host");
    /* no_verify=0 verifies; names are read without case and the last one wins (as libvirt
     * reads them); percent escapes are decoded, '+' is not a space. */
    g_auto(GStrv) b = nv_vnc_tunnel_argv(
        "qemu+ssh://web-host/system?KEYFILE=/x&keyfile=/k/a%20b+c&no_verify=0", "::1", 5900, NULL);
    g_autofree char *jb = joined(b);
    ck_assert_str_eq(jb, "ssh -o BatchMode=yes -o ConnectTimeout=6 -i /k/a b+c "
                         "-W [::1]:5900 -- web-host");
    /* ';' separates where no '&' is left. */
    g_auto(GStrv) c =
        nv_vnc_tunnel_argv("qemu+ssh://web-host/system?no_verify=1;keyfile=/k/c", "h", 1, NULL);
    g_autofree char *jc = joined(c);
    ck_assert_str_eq(jc, "ssh -o BatchMode=yes -o ConnectTimeout=6 -i /k/c "
                         "-o StrictHostKeyChecking=no -W h:1 -- web-host");
}
END_TEST

/* libssh's names: known_hosts_verify, known_hosts, sshauth; command= is not theirs. */
START_TEST(test_tunnel_libssh_params)
{
    static const struct {
        const char *query, *want;
    } cases[] = {
        {"known_hosts_verify=normal", "-o StrictHostKeyChecking=yes"},
        {"known_hosts_verify=auto", "-o StrictHostKeyChecking=accept-new"},
        {"known_hosts_verify=ignore", "-o StrictHostKeyChecking=no"},
        {"sshauth=privkey", "-o PreferredAuthentications=publickey -o IdentityAgent=none"},
        {"sshauth=agent,privkey", "-o PreferredAuthentications=publickey"},
        {"sshauth=password,privkey,keyboard-interactive",
         "-o PreferredAuthentications=password,publickey,keyboard-interactive "
         "-o IdentityAgent=none"},
        {"sshauth=bogus", ""},
        {"command=/opt/evil&keyfile=/k/id", "-i /k/id"},
    };
    const char *const schemes[] = {"qemu+libssh", "qemu+libssh2"};
    for (guint s = 0; s < G_N_ELEMENTS(schemes); s++) {
        for (guint i = 0; i < G_N_ELEMENTS(cases); i++) {
            g_autofree char *uri =
                g_strdup_printf("%s://root@web-host/system?%s", schemes[s], cases[i].query);
            g_auto(GStrv) argv = nv_vnc_tunnel_argv(uri, "10.0.0.5", 5900, NULL);
            ck_assert_msg(argv, "%s", uri);
            g_autofree char *j = joined(argv);
            g_autofree char *want = g_strdup_printf(
                "ssh -o BatchMode=yes -o ConnectTimeout=6 -l root %s%s-W 10.0.0.5:5900 -- "
                "web-host",
                cases[i].want, *cases[i].want ? " " : "");
            ck_assert_str_eq(j, want);
        }
    }
}
END_TEST

/* tls, tcp and local URIs have no ssh to tunnel through. */
START_TEST(test_tunnel_not_ssh)
{
    const char *const uris[] = {"qemu+tls://web-host/system", "qemu+tcp://web-host/system",
                                "qemu:///system", "qemu+ssh:///system", "not a uri"};
    for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
        g_autoptr(GError) err = NULL;
        g_auto(GStrv) argv = nv_vnc_tunnel_argv(uris[i], "127.0.0.1", 5900, &err);
        ck_assert_msg(!argv, "%s", uris[i]);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
    }
}
END_TEST

/* The options ssh reads with a value: whatever the value, it is taken whole. */
static gboolean takes_value(const char *opt)
{
    return g_str_equal(opt, "-o") || g_str_equal(opt, "-p") || g_str_equal(opt, "-l") ||
           g_str_equal(opt, "-i") || g_str_equal(opt, "-W");
}

/* argv is a command, options we chose each with one value, "--" and the host last: no value
 * of the URI can stand where ssh would read an option. */
static void check_shape(char **argv, const char *host)
{
    guint n = g_strv_length(argv), i = 1;
    while (i < n && takes_value(argv[i]))
        i += 2;
    ck_assert_msg(i == n - 2, "unexpected argument '%s'", i < n ? argv[i] : "(end)");
    ck_assert_str_eq(argv[n - 2], "--");
    ck_assert_str_eq(argv[n - 1], host);
    for (guint k = 1; k < n - 2; k += 2)
        if (g_str_equal(argv[k], "-o"))
            ck_assert_msg(g_regex_match_simple("^[A-Za-z]+=", argv[k + 1], 0, 0),
                          "-o '%s' names no option", argv[k + 1]);
}

static const char *const hostile_uris[] = {
    "qemu+ssh://root@-oProxyCommand=touch%20x/system",
    "qemu+ssh://-oProxyCommand=x@web-host/system",
    "qemu+ssh://root@web-host/system?keyfile=-oProxyCommand%3Dtouch%20/tmp/x",
    "qemu+ssh://root@web-host/system?keyfile=/k/a;%20touch%20x",
    "qemu+ssh://root@web-host/system?known_hosts=/k/a%22%20-oProxyCommand=x%20%22",
    "qemu+ssh://root@web-host/system?known_hosts=/k/a\\%22;b%20c",
    "qemu+ssh://root@web-host/system?command=ssh%20-oProxyCommand=x",
    "qemu+ssh://root@web-host/system?command=-oProxyCommand=x",
    "qemu+libssh://root@web-host/system?sshauth=privkey%20-oProxyCommand=x",
    "qemu+libssh2://root@web-host/system?known_hosts_verify=-oProxyCommand=x",
};

START_TEST(test_tunnel_hostile_shape)
{
    for (guint i = 0; i < G_N_ELEMENTS(hostile_uris); i++) {
        g_autoptr(GError) err = NULL;
        g_auto(GStrv) argv = nv_vnc_tunnel_argv(hostile_uris[i], "-oProxyCommand=y", 5900, &err);
        ck_assert_msg(argv, "%s: %s", hostile_uris[i], err ? err->message : "");
        g_autoptr(GUri) u = g_uri_parse(hostile_uris[i], G_URI_FLAGS_NONE, NULL);
        check_shape(argv, g_uri_get_host(u));
    }
    /* The ssh binary is one element, spaces and all: never split, never a shell. */
    g_auto(GStrv) c = nv_vnc_tunnel_argv(hostile_uris[6], "127.0.0.1", 5900, NULL);
    ck_assert_str_eq(c[0], "ssh -oProxyCommand=x");
    /* A known_hosts value cannot close its quotes. */
    g_auto(GStrv) k = nv_vnc_tunnel_argv(hostile_uris[4], "127.0.0.1", 5900, NULL);
    ck_assert(g_strv_contains((const char *const *)k,
                              "UserKnownHostsFile=\"/k/a\\\" -oProxyCommand=x \\\"\""));
}
END_TEST

/* A newline or other control character cannot be passed safely: refused, saying which. */
START_TEST(test_tunnel_control_refused)
{
    const char *const uris[] = {
        "qemu+ssh://root@web-host/system?keyfile=/k/a%0AProxyCommand%20x",
        "qemu+ssh://root@web-host/system?known_hosts=/k/a%0D",
        "qemu+ssh://root%09x@web-host/system",
        "qemu+libssh://root@web-host/system?sshauth=privkey%0A",
    };
    for (guint i = 0; i < G_N_ELEMENTS(uris); i++) {
        g_autoptr(GError) err = NULL;
        g_auto(GStrv) argv = nv_vnc_tunnel_argv(uris[i], "127.0.0.1", 5900, &err);
        ck_assert_msg(!argv, "%s accepted", uris[i]);
        ck_assert(g_error_matches(err, NV_ERROR, NV_ERROR_INVALID));
        ck_assert_msg(strstr(err->message, "control character"), "%s", err->message);
    }
    g_autoptr(GError) err = NULL;
    ck_assert(!nv_vnc_tunnel_argv("qemu+ssh://web-host/system", "a\nb", 5900, &err));
}
END_TEST

/* What ssh itself makes of the argv (ssh -G prints its configuration and connects nowhere):
 * a hostile keyfile is a file name, a hostile known_hosts one path, no ProxyCommand. Skipped
 * where ssh is not installed. */
START_TEST(test_tunnel_ssh_reads)
{
    g_autofree char *ssh = g_find_program_in_path("ssh");
    if (!ssh)
        return;
    g_autofree char *dir = g_dir_make_tmp("nv-tunnel-XXXXXX", NULL);
    ck_assert_ptr_nonnull(dir);
    /* A key file whose name starts with '-' and has a space, in the directory ssh runs in. */
    g_autofree char *key = g_build_filename(dir, "-oProxyCommand=touch x", NULL);
    ck_assert(g_file_set_contents(key, "", 0, NULL));
    g_auto(GStrv) argv =
        nv_vnc_tunnel_argv("qemu+ssh://bob@web-host:2222/system?keyfile=-oProxyCommand%3Dtouch"
                           "%20x&known_hosts=/k/a%20b;c%22d&no_verify=1",
                           "127.0.0.1", 5900, NULL);
    ck_assert_ptr_nonnull(argv);
    g_autoptr(GStrvBuilder) b = g_strv_builder_new();
    g_strv_builder_add_many(b, "ssh", "-G", NULL);
    g_strv_builder_addv(b, (const char **)argv + 1);
    g_auto(GStrv) run = g_strv_builder_end(b);
    g_autofree char *out = NULL;
    int status = 0;
    ck_assert(g_spawn_sync(dir, run, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL, NULL,
                           NULL, &out, NULL, &status, NULL));
    ck_assert_msg(g_spawn_check_wait_status(status, NULL), "ssh -G failed: %s", out);
    ck_assert_msg(strstr(out, "\nuser bob\n") && strstr(out, "\nport 2222\n") &&
                      strstr(out, "\nhostname web-host\n") && strstr(out, "\nbatchmode yes\n"),
                  "%s", out);
    ck_assert_msg(strstr(out, "\nidentityfile -oProxyCommand=touch x\n"), "%s", out);
    ck_assert_msg(strstr(out, "\nuserknownhostsfile /k/a b;c\"d\n"), "%s", out);
    ck_assert_msg(strstr(out, "\nstricthostkeychecking false\n"), "%s", out);
    ck_assert_msg(!strstr(out, "proxycommand touch"), "%s", out);
    g_remove(key);
    g_rmdir(dir);
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

/* The status while connecting names the way: the ssh host, or the address and port; a
 * hostile host name is shown sanitised. */
START_TEST(test_route_via)
{
    g_autoptr(NvVncRoute) ssh =
        nv_vnc_route("qemu+ssh://root@web-host:2222/system?keyfile=/k", "w", "", 5900, NULL);
    g_autofree char *a = nv_vnc_route_via("qemu+ssh://root@web-host:2222/system?keyfile=/k", ssh);
    ck_assert_str_eq(a, "connecting through ssh to web-host…");
    g_autoptr(NvVncRoute) tcp = nv_vnc_route("qemu+tcp://web-host/system", "w", "", 5901, NULL);
    g_autofree char *b = nv_vnc_route_via("qemu+tcp://web-host/system", tcp);
    ck_assert_str_eq(b, "connecting to web-host:5901…");
    g_autoptr(NvVncRoute) v6 =
        nv_vnc_route("qemu+tls://[2001:db8::5]/system", "w", "::", 5902, NULL);
    g_autofree char *c = nv_vnc_route_via("qemu+tls://[2001:db8::5]/system", v6);
    ck_assert_str_eq(c, "connecting to [2001:db8::5]:5902…");
    /* The route refuses such a host; its description would not show it raw either. */
    const char *hostile = "qemu+ssh://we%1B%5D2%3Bx%07b/system";
    ck_assert_ptr_null(nv_vnc_route(hostile, "w", "", 5900, NULL));
    NvVncRoute r = {.kind = NV_VNC_ROUTE_COMMAND, .port = 5900};
    g_autofree char *d = nv_vnc_route_via(hostile, &r);
    ck_assert_msg(!strchr(d, '\033') && !strchr(d, '\a') && strstr(d, "through ssh to we"), "%s",
                  d);
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
    tcase_add_test(tc, test_tunnel_ssh_params);
    tcase_add_test(tc, test_tunnel_libssh_params);
    tcase_add_test(tc, test_tunnel_not_ssh);
    tcase_add_test(tc, test_tunnel_hostile_shape);
    tcase_add_test(tc, test_tunnel_control_refused);
    tcase_add_test(tc, test_tunnel_ssh_reads);
    tcase_add_test(tc, test_route_via);
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
