/* Unit tests of src/conn-uri.c: URIs built from fields (escaping, IPv6, the parameters), parsed
 * back into the same fields, and the refusals a user sees (a remote transport without a host,
 * a password, what is not a URI). */
#include <check.h>
#include <glib.h>
#include <string.h>

#include "conn-uri.h"
#include "error.h"

static NvUriFields *fields(const char *hv, NvTransport t, const char *user, const char *host,
                           guint port, const char *path)
{
    NvUriFields *f = nv_uri_fields_new();
    g_free(f->hypervisor), f->hypervisor = g_strdup(hv);
    f->transport = t;
    g_free(f->user), f->user = g_strdup(user);
    g_free(f->host), f->host = g_strdup(host);
    f->port = port;
    g_free(f->path), f->path = g_strdup(path);
    return f;
}

static void assert_same(const NvUriFields *a, const NvUriFields *b)
{
    ck_assert_str_eq(a->hypervisor, b->hypervisor);
    ck_assert_int_eq(a->transport, b->transport);
    ck_assert_str_eq(a->user, b->user);
    ck_assert_str_eq(a->host, b->host);
    ck_assert_uint_eq(a->port, b->port);
    ck_assert_str_eq(a->path, b->path);
    ck_assert_str_eq(a->keyfile, b->keyfile);
    ck_assert_str_eq(a->known_hosts, b->known_hosts);
    ck_assert_int_eq(a->no_verify, b->no_verify);
    ck_assert_str_eq(a->extra, b->extra);
}

typedef struct {
    const char *uri; /* what the fields build, and parse back from */
    const char *hv;
    NvTransport t;
    const char *user, *host;
    guint port;
    const char *path, *keyfile, *known_hosts;
    gboolean no_verify;
} Case;

static const Case cases[] = {
    {"qemu:///system", "qemu", NV_TRANSPORT_LOCAL, "", "", 0, "/system", "", "", FALSE},
    {"qemu:///session", "qemu", NV_TRANSPORT_LOCAL, "", "", 0, "/session", "", "", FALSE},
    {"test:///default", "test", NV_TRANSPORT_LOCAL, "", "", 0, "/default", "", "", FALSE},
    {"test:///tmp/x.xml", "test", NV_TRANSPORT_LOCAL, "", "", 0, "/tmp/x.xml", "", "", FALSE},
    {"lxc:///", "lxc", NV_TRANSPORT_LOCAL, "", "", 0, "/", "", "", FALSE},
    {"test+unix:///tmp/a.xml", "test", NV_TRANSPORT_UNIX, "", "", 0, "/tmp/a.xml", "", "", FALSE},
    {"qemu+ssh://root@host.example:2222/system?keyfile=/k/id&known_hosts=/k/kh&no_verify=1", "qemu",
     NV_TRANSPORT_SSH, "root", "host.example", 2222, "/system", "/k/id", "/k/kh", TRUE},
    {"qemu+libssh2://u@10.0.0.1/system", "qemu", NV_TRANSPORT_LIBSSH2, "u", "10.0.0.1", 0,
     "/system", "", "", FALSE},
    {"qemu+libssh://[::1]:22/system", "qemu", NV_TRANSPORT_LIBSSH, "", "::1", 22, "/system", "", "",
     FALSE},
    {"xen+tls://[fe80::1%25eth0]/system", "xen", NV_TRANSPORT_TLS, "", "fe80::1%eth0", 0, "/system",
     "", "", FALSE},
    {"ch+tcp://h1:16509/session", "ch", NV_TRANSPORT_TCP, "", "h1", 16509, "/session", "", "",
     FALSE},
    /* Escaping: a space, '@' and ':' in the user, spaces and non-ASCII in paths and values. */
    {"qemu+ssh://j%20o%40x%3Ay@h/system?keyfile=/home/j%20o/k%C3%A9y%26", "qemu", NV_TRANSPORT_SSH,
     "j o@x:y", "h", 0, "/system", "/home/j o/k\xc3\xa9y&", "", FALSE},
    {"test:///tmp/d%20ir/%C3%A9.xml", "test", NV_TRANSPORT_LOCAL, "", "", 0,
     "/tmp/d ir/\xc3\xa9.xml", "", "", FALSE},
};

static NvUriFields *case_fields(const Case *c)
{
    NvUriFields *f = fields(c->hv, c->t, c->user, c->host, c->port, c->path);
    g_free(f->keyfile), f->keyfile = g_strdup(c->keyfile);
    g_free(f->known_hosts), f->known_hosts = g_strdup(c->known_hosts);
    f->no_verify = c->no_verify;
    return f;
}

START_TEST(test_round_trip)
{
    const Case *c = &cases[_i];
    g_autoptr(NvUriFields) f = case_fields(c);
    g_autoptr(GError) err = NULL;
    g_autofree char *uri = nv_uri_build(f, &err);
    ck_assert_msg(uri, "%s: %s", c->uri, err ? err->message : "");
    ck_assert_str_eq(uri, c->uri);
    g_autoptr(NvUriFields) back = nv_uri_parse(uri, &err);
    ck_assert_msg(back, "%s: %s", uri, err ? err->message : "");
    assert_same(back, f);
    g_autofree char *again = nv_uri_build(back, &err);
    ck_assert_str_eq(again, uri);
}
END_TEST

/* Parameters without a field of their own come back where they were. */
START_TEST(test_extra_params)
{
    g_autoptr(GError) err = NULL;
    g_autoptr(NvUriFields) f =
        nv_uri_parse("qemu+ssh://h/system?mode=direct&keyfile=/k&socket=/run/x%20y", &err);
    ck_assert_ptr_nonnull(f);
    ck_assert_str_eq(f->keyfile, "/k");
    ck_assert_str_eq(f->extra, "mode=direct&socket=/run/x%20y");
    g_autofree char *uri = nv_uri_build(f, &err);
    ck_assert_str_eq(uri, "qemu+ssh://h/system?keyfile=/k&mode=direct&socket=/run/x%20y");
}
END_TEST

/* libvirt reads a host without a transport as tls. */
START_TEST(test_host_without_transport)
{
    g_autoptr(NvUriFields) f = nv_uri_parse("qemu://example.org/system", NULL);
    ck_assert_ptr_nonnull(f);
    ck_assert_int_eq(f->transport, NV_TRANSPORT_TLS);
    ck_assert_str_eq(f->host, "example.org");
}
END_TEST

typedef struct {
    const char *uri;
    const char *says;
} Bad;

static const Bad bad_uris[] = {
    {"", "is not a URI"},
    {"qemu", "is not a URI"},
    {"/var/run/libvirt", "is not a URI"},
    {"qemu+carrier://h/system", "unknown transport 'carrier'"},
    {"qemu+local:///system", "unknown transport 'local'"},
    {"Q!emu:///system", "is not a URI"},
    {"9p:///system", "is not a URI"},
    {"q.emu:///system", "not a hypervisor driver name"},
    {"qemu+ssh://root:secret@h/system", "may not hold a password"},
    {"qemu+ssh://h%20x/system", "is not a host name"},
};

START_TEST(test_bad_uri)
{
    const Bad *b = &bad_uris[_i];
    g_autoptr(GError) err = NULL;
    g_autoptr(NvUriFields) f = nv_uri_parse(b->uri, &err);
    ck_assert_msg(!f, "'%s' was accepted", b->uri);
    ck_assert_msg(strstr(err->message, b->says), "'%s': %s", b->uri, err->message);
}
END_TEST

static const Bad bad_fields[] = {
    /* uri field used as a label: hv, transport, user, host, port, path */
    {"qemu ssh - - 0 /system", "the ssh transport needs a host"},
    {"qemu tls - - 0 /system", "the tls transport needs a host"},
    {"qemu local - h 0 /system", "a host needs a transport"},
    {"qemu ssh - h;rm 0 /system", "is not a host name"},
    {"qemu ssh - h 70000 /system", "the port must be 1 to 65535"},
    {"qemu ssh - h 0 system", "the path must start with '/'"},
    {"Qemu local - - 0 /system", "not a hypervisor driver name"},
    {"qemu local u - 0 /system", "a user needs a host"},
    {"qemu tls - h 0 /system keyfile", "needs an ssh transport"},
};

START_TEST(test_bad_fields)
{
    const Bad *b = &bad_fields[_i];
    g_auto(GStrv) p = g_strsplit(b->uri, " ", -1);
    NvTransport t;
    ck_assert(nv_transport_from_name(p[1], &t));
    g_autoptr(NvUriFields) f = fields(p[0], t, strcmp(p[2], "-") ? p[2] : "",
                                      strcmp(p[3], "-") ? p[3] : "", (guint)atoi(p[4]), p[5]);
    if (p[6])
        g_free(f->keyfile), f->keyfile = g_strdup("/k");
    g_autoptr(GError) err = NULL;
    g_autofree char *uri = nv_uri_build(f, &err);
    ck_assert_msg(!uri, "'%s' built %s", b->uri, uri);
    ck_assert_msg(strstr(err->message, b->says), "'%s': %s", b->uri, err->message);
}
END_TEST

START_TEST(test_password)
{
    ck_assert(nv_uri_has_password("qemu+ssh://root:pw@h/system"));
    ck_assert(nv_uri_has_password("qemu+ssh://root:@h/system"));
    ck_assert(!nv_uri_has_password("qemu+ssh://root@h/system"));
    ck_assert(!nv_uri_has_password("qemu:///system"));
    ck_assert(!nv_uri_has_password("not a uri"));
}
END_TEST

START_TEST(test_names)
{
    for (guint t = 0; t < NV_TRANSPORT_COUNT; t++) {
        NvTransport back;
        ck_assert(nv_transport_from_name(nv_transport_name(t), &back));
        ck_assert_int_eq(back, t);
    }
    NvTransport t;
    ck_assert(!nv_transport_from_name("carrier", &t));
    ck_assert(nv_transport_is_remote(NV_TRANSPORT_TCP));
    ck_assert(!nv_transport_is_remote(NV_TRANSPORT_UNIX));
    ck_assert(nv_transport_is_ssh(NV_TRANSPORT_LIBSSH));
    ck_assert(!nv_transport_is_ssh(NV_TRANSPORT_TLS));
    ck_assert_str_eq(nv_uri_default_path("test"), "/default");
    ck_assert_str_eq(nv_uri_default_path("qemu"), "/system");
}
END_TEST

static Suite *uri_suite(void)
{
    Suite *s = suite_create("conn-uri");
    TCase *tc = tcase_create("uri");
    tcase_add_loop_test(tc, test_round_trip, 0, G_N_ELEMENTS(cases));
    tcase_add_test(tc, test_extra_params);
    tcase_add_test(tc, test_host_without_transport);
    tcase_add_loop_test(tc, test_bad_uri, 0, G_N_ELEMENTS(bad_uris));
    tcase_add_loop_test(tc, test_bad_fields, 0, G_N_ELEMENTS(bad_fields));
    tcase_add_test(tc, test_password);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(uri_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
