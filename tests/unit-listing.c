/* Unit tests of domain-listing.c: the table lines up with wide and hostile names, and the JSON
 * parses back (with a small strict parser below) to the values that went in. */
#include <check.h>
#include <glib.h>
#include <locale.h>
#include <stdlib.h>
#include <string.h>

#include "conn-fetch.h"
#include "domain-listing.h"
#include "model.h"
#include "text.h"

static NvDomain *domain(const char *name, const char *title, NvDomainState state, int id,
                        unsigned vcpus, unsigned long long mem)
{
    NvDomain *d = g_new0(NvDomain, 1);
    d->name = g_strdup(name);
    d->uuid = g_strdup("6695eb01-f6a4-8304-79aa-97f2502e193f");
    d->title = g_strdup(title);
    d->state = state;
    d->id = id;
    d->vcpus = vcpus;
    d->memory_kib = mem;
    d->max_memory_kib = mem * 2;
    return d;
}

static GPtrArray *sample_domains(void)
{
    GPtrArray *a = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    g_ptr_array_add(a, domain("web-01", "Frontend", NV_DOMAIN_RUNNING, 1, 2, 2097152));
    g_ptr_array_add(a, domain("日本語-vm", "タイトル", NV_DOMAIN_PAUSED, 2, 16, 512));
    g_ptr_array_add(a, domain("x", "", NV_DOMAIN_SHUTOFF, -1, 1, 1536));
    g_ptr_array_add(a, domain("😀\x1b[2J", "say \"hi\"\\\n\tnow\x1b]0;t\x07", NV_DOMAIN_CRASHED, -1,
                              128, 3ULL << 29));
    g_ptr_array_add(a, domain("bad\xff\xfeutf8", "\u202Egnp.exe", NV_DOMAIN_SHUTDOWN, 7, 4, 0));
    return a;
}

/* Display column at which byte offset `off` of `line` starts. */
static int column_at(const char *line, size_t off)
{
    g_autofree char *prefix = g_strndup(line, off);
    return nv_text_width(prefix);
}

START_TEST(test_table_alignment)
{
    g_autoptr(GPtrArray) domains = sample_domains();
    g_autofree char *table = nv_listing_table(domains);
    ck_assert(g_str_has_suffix(table, "\n"));
    ck_assert(g_utf8_validate(table, -1, NULL));
    ck_assert_ptr_null(strchr(table, '\x1b'));
    ck_assert_ptr_null(strstr(table, "\u202E"));

    g_auto(GStrv) lines = g_strsplit(table, "\n", -1);
    ck_assert_int_eq(g_strv_length(lines), domains->len + 2); /* header, rows, "" */
    ck_assert(g_str_has_prefix(lines[0], "Name"));

    const char *titles[] = {"Title", "Frontend", "タイトル", NULL, "say", "<U+202E>gnp.exe"};
    const char *mems[] = {"Memory", "2.0 GiB", "512 KiB", "1.5 MiB", "1.5 TiB", "0 KiB"};
    int title_col = -1, mem_end = -1;
    for (guint i = 0; i < G_N_ELEMENTS(titles); i++) {
        const char *line = lines[i];
        /* Right-aligned memory: every cell ends at the same column. */
        const char *m = strstr(line, mems[i]);
        ck_assert_msg(m != NULL, "line %u lacks '%s': %s", i, mems[i], line);
        int end = column_at(line, m - line) + nv_text_width(mems[i]);
        if (mem_end < 0)
            mem_end = end;
        ck_assert_msg(end == mem_end, "line %u: memory ends at %d, not %d", i, end, mem_end);

        if (titles[i] == NULL) {
            /* An empty title leaves no trailing padding. */
            ck_assert(!g_str_has_suffix(line, " "));
            continue;
        }
        const char *t = strstr(line, titles[i]);
        ck_assert_msg(t != NULL, "line %u lacks '%s': %s", i, titles[i], line);
        int col = column_at(line, t - line);
        if (title_col < 0)
            title_col = col;
        ck_assert_msg(col == title_col, "line %u: title at column %d, not %d\n%s", i, col,
                      title_col, table);
    }
    ck_assert_ptr_nonnull(strstr(lines[4], "^[[2J"));
    ck_assert_ptr_nonnull(strstr(lines[4], "^J"));
    ck_assert_ptr_nonnull(strstr(lines[5], "bad\uFFFD\uFFFDutf8"));
}
END_TEST

START_TEST(test_table_empty)
{
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    g_autofree char *t = nv_listing_table(none);
    ck_assert(g_str_has_prefix(t, "Name"));
    ck_assert(g_str_has_suffix(t, "Title\n"));
    ck_assert_ptr_eq(strchr(t, '\n'), t + strlen(t) - 1);
    g_autofree char *n = nv_listing_table(NULL);
    ck_assert_str_eq(n, t);
}
END_TEST

/* --- A strict JSON reader, just enough for an array of flat objects. --- */

typedef struct {
    const char *p;
} Reader;

static void skip_ws(Reader *r)
{
    while (*r->p == ' ' || *r->p == '\n' || *r->p == '\t' || *r->p == '\r')
        r->p++;
}

static gboolean read_hex4(Reader *r, gunichar *out)
{
    *out = 0;
    for (int i = 0; i < 4; i++) {
        if (!g_ascii_isxdigit(r->p[i]))
            return FALSE;
        *out = *out * 16 + (gunichar)g_ascii_xdigit_value(r->p[i]);
    }
    r->p += 4;
    return TRUE;
}

/* A string, decoded; NULL when it is not valid JSON. */
static char *read_string(Reader *r)
{
    if (*r->p != '"')
        return NULL;
    r->p++;
    GString *s = g_string_new(NULL);
    for (;;) {
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') {
            r->p++;
            break;
        }
        if (c == '\0' || c < 0x20)
            goto fail; /* raw control characters are not allowed in JSON strings */
        if (c != '\\') {
            g_string_append_c(s, (char)c);
            r->p++;
            continue;
        }
        r->p++;
        char e = *r->p++;
        gunichar u;
        switch (e) {
        case '"':
        case '\\':
        case '/':
            g_string_append_c(s, e);
            break;
        case 'b':
            g_string_append_c(s, '\b');
            break;
        case 'f':
            g_string_append_c(s, '\f');
            break;
        case 'n':
            g_string_append_c(s, '\n');
            break;
        case 'r':
            g_string_append_c(s, '\r');
            break;
        case 't':
            g_string_append_c(s, '\t');
            break;
        case 'u':
            if (!read_hex4(r, &u))
                goto fail;
            if (u >= 0xD800 && u < 0xDC00) {
                gunichar lo;
                if (r->p[0] != '\\' || r->p[1] != 'u')
                    goto fail;
                r->p += 2;
                if (!read_hex4(r, &lo) || lo < 0xDC00 || lo > 0xDFFF)
                    goto fail;
                u = 0x10000 + ((u - 0xD800) << 10) + (lo - 0xDC00);
            } else if (u >= 0xDC00 && u <= 0xDFFF) {
                goto fail;
            }
            g_string_append_unichar(s, u);
            break;
        default:
            goto fail;
        }
    }
    if (!g_utf8_validate(s->str, (gssize)s->len, NULL))
        goto fail;
    return g_string_free(s, FALSE);
fail:
    g_string_free(s, TRUE);
    return NULL;
}

static char *read_number(Reader *r)
{
    const char *start = r->p;
    if (*r->p == '-')
        r->p++;
    if (!g_ascii_isdigit(*r->p))
        return NULL;
    if (*r->p == '0' && g_ascii_isdigit(r->p[1]))
        return NULL;
    while (g_ascii_isdigit(*r->p))
        r->p++;
    return g_strndup(start, r->p - start);
}

/* An object of string and integer members: key -> decoded string or number text. */
static GHashTable *read_object(Reader *r)
{
    g_autoptr(GHashTable) obj = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    if (*r->p != '{')
        return NULL;
    r->p++;
    skip_ws(r);
    if (*r->p == '}') {
        r->p++;
        return g_steal_pointer(&obj);
    }
    for (;;) {
        skip_ws(r);
        g_autofree char *k = read_string(r);
        if (k == NULL)
            return NULL;
        skip_ws(r);
        if (*r->p++ != ':')
            return NULL;
        skip_ws(r);
        char *v = NULL;
        if (*r->p == '"') {
            v = read_string(r);
        } else if (strncmp(r->p, "null", 4) == 0) {
            r->p += 4;
            v = g_strdup("null"); /* no string member is ever "null" unquoted */
        } else {
            v = read_number(r);
        }
        if (v == NULL || g_hash_table_contains(obj, k)) {
            g_free(v);
            return NULL;
        }
        g_hash_table_insert(obj, g_steal_pointer(&k), v);
        skip_ws(r);
        if (*r->p == ',') {
            r->p++;
            continue;
        }
        if (*r->p++ != '}')
            return NULL;
        return g_steal_pointer(&obj);
    }
}

/* The whole document: an array of objects and nothing after it. NULL when invalid. */
static GPtrArray *parse_json(const char *text)
{
    Reader r = {text};
    g_autoptr(GPtrArray) arr = g_ptr_array_new_with_free_func((GDestroyNotify)g_hash_table_unref);
    skip_ws(&r);
    if (*r.p++ != '[')
        return NULL;
    skip_ws(&r);
    if (*r.p == ']') {
        r.p++;
    } else {
        for (;;) {
            skip_ws(&r);
            GHashTable *o = read_object(&r);
            if (o == NULL)
                return NULL;
            g_ptr_array_add(arr, o);
            skip_ws(&r);
            if (*r.p == ',') {
                r.p++;
                continue;
            }
            if (*r.p++ != ']')
                return NULL;
            break;
        }
    }
    skip_ws(&r);
    if (*r.p != '\0')
        return NULL;
    return g_steal_pointer(&arr);
}

START_TEST(test_json_parser_self_check)
{
    /* The reader must reject what it should, or the tests below prove nothing. */
    const char *bad[] = {"[",    "[{]",           "[{\"a\": \"x\n\"}]", "[{\"a\": \"\\q\"}]",
                         "[] x", "[{\"a\": 1,}]", "[{\"a\" 1}]",        "[{\"a\": \"\\ud800\"}]",
                         NULL};
    for (int i = 0; bad[i] != NULL; i++) {
        g_autoptr(GPtrArray) a = parse_json(bad[i]);
        ck_assert_msg(a == NULL, "accepted %s", bad[i]);
    }
    g_autoptr(GPtrArray) ok = parse_json(" [ {\"a\": \"\\u00e9\\ud83d\\ude00\", \"b\": -1} ] ");
    ck_assert_ptr_nonnull(ok);
    GHashTable *o = g_ptr_array_index(ok, 0);
    ck_assert_str_eq(g_hash_table_lookup(o, "a"), "é😀");
    ck_assert_str_eq(g_hash_table_lookup(o, "b"), "-1");
}
END_TEST

START_TEST(test_json_round_trip)
{
    g_autoptr(GPtrArray) domains = sample_domains();
    g_autofree char *json = nv_listing_json(domains);
    ck_assert(g_str_has_suffix(json, "\n"));
    ck_assert(g_utf8_validate(json, -1, NULL));
    /* Nothing a terminal would act on, even when the JSON is just printed. */
    ck_assert_ptr_null(strchr(json, '\x1b'));
    ck_assert_ptr_null(strstr(json, "\u202E"));
    ck_assert_ptr_nonnull(strstr(json, "say \\\"hi\\\"\\\\\\n\\tnow\\u001b]0;t\\u0007"));

    g_autoptr(GPtrArray) parsed = parse_json(json);
    ck_assert_msg(parsed != NULL, "invalid JSON:\n%s", json);
    ck_assert_int_eq(parsed->len, domains->len);

    const char *keys[] = {"name",  "uuid",       "state",          "state_code", "id",
                          "vcpus", "memory_kib", "max_memory_kib", "title"};
    for (guint i = 0; i < parsed->len; i++) {
        GHashTable *o = g_ptr_array_index(parsed, i);
        const NvDomain *d = g_ptr_array_index(domains, i);
        ck_assert_int_eq(g_hash_table_size(o), G_N_ELEMENTS(keys));
        for (guint k = 0; k < G_N_ELEMENTS(keys); k++)
            ck_assert_msg(g_hash_table_contains(o, keys[k]), "object %u lacks %s", i, keys[k]);

        g_autofree char *name = g_utf8_make_valid(d->name, -1);
        ck_assert_str_eq(g_hash_table_lookup(o, "name"), name);
        ck_assert_str_eq(g_hash_table_lookup(o, "title"), d->title);
        ck_assert_str_eq(g_hash_table_lookup(o, "uuid"), d->uuid);
        ck_assert_str_eq(g_hash_table_lookup(o, "state"), nv_domain_state_name(d->state));
        g_autofree char *code = g_strdup_printf("%d", (int)d->state);
        ck_assert_str_eq(g_hash_table_lookup(o, "state_code"), code);
        g_autofree char *id = g_strdup_printf("%d", d->id);
        ck_assert_str_eq(g_hash_table_lookup(o, "id"), id);
        g_autofree char *vcpus = g_strdup_printf("%u", d->vcpus);
        ck_assert_str_eq(g_hash_table_lookup(o, "vcpus"), vcpus);
        g_autofree char *mem = g_strdup_printf("%llu", d->memory_kib);
        ck_assert_str_eq(g_hash_table_lookup(o, "memory_kib"), mem);
        g_autofree char *max = g_strdup_printf("%llu", d->max_memory_kib);
        ck_assert_str_eq(g_hash_table_lookup(o, "max_memory_kib"), max);
    }
    GHashTable *bad = g_ptr_array_index(parsed, 4);
    ck_assert_str_eq(g_hash_table_lookup(bad, "name"), "bad\uFFFD\uFFFDutf8");
}
END_TEST

START_TEST(test_json_empty_and_null)
{
    g_autoptr(GPtrArray) none = g_ptr_array_new();
    g_autofree char *a = nv_listing_json(none);
    ck_assert_str_eq(a, "[]\n");
    g_autofree char *b = nv_listing_json(NULL);
    ck_assert_str_eq(b, "[]\n");

    /* A half-filled domain (NULL strings) still gives valid JSON. */
    g_autoptr(GPtrArray) one = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    NvDomain *d = g_new0(NvDomain, 1);
    d->state = (NvDomainState)77;
    g_ptr_array_add(one, d);
    g_autofree char *c = nv_listing_json(one);
    g_autoptr(GPtrArray) parsed = parse_json(c);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_str_eq(g_hash_table_lookup(g_ptr_array_index(parsed, 0), "name"), "");
    g_autofree char *t = nv_listing_table(one);
    ck_assert(g_utf8_validate(t, -1, NULL));
}
END_TEST

/* Over a network a relist leaves out what only per-domain calls give (NvDomain.missing): the
 * table shows "-" and no Title column, the JSON null. */
START_TEST(test_missing_fields)
{
    g_autoptr(GPtrArray) a = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    NvDomain *d = domain("far-01", "", NV_DOMAIN_RUNNING, 3, 0, 0);
    d->missing = NV_DOMAIN_MISSING_TITLE | NV_DOMAIN_MISSING_SIZE;
    g_ptr_array_add(a, d);
    NvDomain *e = domain("far-02", "", NV_DOMAIN_SHUTOFF, -1, 2, 1024);
    e->missing = NV_DOMAIN_MISSING_TITLE;
    g_ptr_array_add(a, e);

    g_autofree char *table = nv_listing_table(a);
    g_auto(GStrv) lines = g_strsplit(table, "\n", -1);
    ck_assert_ptr_null(strstr(lines[0], "Title"));
    ck_assert_ptr_nonnull(strstr(lines[0], "Memory"));
    ck_assert(g_regex_match_simple("^far-01 +running +- +-$", lines[1], 0, 0));
    ck_assert(g_regex_match_simple("^far-02 +shut off +2 +1.0 MiB$", lines[2], 0, 0));

    g_autofree char *json = nv_listing_json(a);
    g_autoptr(GPtrArray) parsed = parse_json(json);
    ck_assert_ptr_nonnull(parsed);
    GHashTable *o = g_ptr_array_index(parsed, 0);
    ck_assert_str_eq(g_hash_table_lookup(o, "vcpus"), "null");
    ck_assert_str_eq(g_hash_table_lookup(o, "memory_kib"), "null");
    ck_assert_str_eq(g_hash_table_lookup(o, "max_memory_kib"), "null");
    ck_assert_str_eq(g_hash_table_lookup(o, "title"), "null");
    GHashTable *p = g_ptr_array_index(parsed, 1);
    ck_assert_str_eq(g_hash_table_lookup(p, "vcpus"), "2");
    ck_assert_str_eq(g_hash_table_lookup(p, "title"), "null");

    /* One domain with its title known brings the column back; the others' cells are empty. */
    e->missing = 0;
    g_free(e->title);
    e->title = g_strdup("Known");
    g_autofree char *table2 = nv_listing_table(a);
    ck_assert(g_regex_match_simple("Title", table2, 0, 0));
    ck_assert(g_regex_match_simple("far-02 .* Known\n", table2, 0, 0));
}
END_TEST

START_TEST(test_uri_is_remote)
{
    ck_assert(!nv_uri_is_remote("qemu:///system"));
    ck_assert(!nv_uri_is_remote("test:///default"));
    ck_assert(!nv_uri_is_remote("test+unix:///tmp/n.xml"));
    ck_assert(!nv_uri_is_remote(NULL));
    ck_assert(nv_uri_is_remote("qemu+ssh://root@host/system?keyfile=/k"));
    ck_assert(nv_uri_is_remote("test+tcp://127.0.0.1:1234/tmp/n.xml"));
    ck_assert(nv_uri_is_remote("qemu+libssh2://u@[::1]:22/system?known_hosts=/x&sshauth=privkey"));
}
END_TEST

/* What the details of a domain read goes to its row (once) and to the relist's cache. */
START_TEST(test_fill_missing_and_cache)
{
    g_autoptr(NvDomain) d = g_new0(NvDomain, 1);
    d->uuid = g_strdup("u-1");
    d->title = g_strdup("");
    d->missing = NV_DOMAIN_MISSING_TITLE | NV_DOMAIN_MISSING_SIZE;
    g_autoptr(NvDomainDetails) det = nv_domain_details_new();
    g_free(det->title);
    det->title = g_strdup("Web");
    det->vcpus = 4;
    det->memory_kib = 2048;
    ck_assert(nv_domain_fill_missing(d, det));
    ck_assert_uint_eq(d->missing, 0);
    ck_assert_str_eq(d->title, "Web");
    ck_assert_uint_eq(d->vcpus, 4);
    ck_assert_uint_eq(d->memory_kib, 2048);
    ck_assert(!nv_domain_fill_missing(d, det)); /* nothing left to fill */

    /* A row that knew its sizes keeps them. */
    d->missing = NV_DOMAIN_MISSING_TITLE;
    d->vcpus = 9;
    det->title[0] = 'w';
    ck_assert(nv_domain_fill_missing(d, det));
    ck_assert_uint_eq(d->vcpus, 9);
    ck_assert_str_eq(d->title, "web");

    g_autoptr(GHashTable) cache = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, g_free);
    nv_domain_extra_remember(cache, "u-1", det);
    const NvDomainExtra *e = g_hash_table_lookup(cache, "u-1");
    ck_assert_ptr_nonnull(e);
    ck_assert(e->has_title);
    ck_assert_str_eq(e->title, "web");
    ck_assert_uint_eq(e->vcpus, 4);
    /* Details without a size (vcpus 0) keep the sizes the entry had. */
    det->vcpus = 0;
    nv_domain_extra_remember(cache, "u-1", det);
    e = g_hash_table_lookup(cache, "u-1");
    ck_assert_uint_eq(e->vcpus, 4);
    ck_assert_uint_eq(e->memory_kib, 2048);
}
END_TEST

/* Several hosts: a Host column first, a "host" field first, each row with its own host. */
START_TEST(test_hosts_column)
{
    g_autoptr(GPtrArray) domains = g_ptr_array_new_with_free_func((GDestroyNotify)nv_domain_free);
    g_ptr_array_add(domains, domain("web", "", NV_DOMAIN_RUNNING, 1, 1, 1024));
    g_ptr_array_add(domains, domain("web", "", NV_DOMAIN_PAUSED, 2, 1, 1024));
    g_autoptr(GPtrArray) hosts = g_ptr_array_new();
    g_ptr_array_add(hosts, "hv1");
    g_ptr_array_add(hosts, "hv-two");
    g_autofree char *table = nv_listing_table_hosts(domains, hosts);
    g_auto(GStrv) lines = g_strsplit(table, "\n", -1);
    ck_assert(g_str_has_prefix(lines[0], "Host    Name"));
    ck_assert(g_str_has_prefix(lines[1], "hv1     web   running"));
    ck_assert(g_str_has_prefix(lines[2], "hv-two  web   paused"));
    g_autofree char *json = nv_listing_json_hosts(domains, hosts);
    g_autoptr(GPtrArray) parsed = parse_json(json);
    ck_assert_ptr_nonnull(parsed);
    ck_assert_str_eq(g_hash_table_lookup(g_ptr_array_index(parsed, 0), "host"), "hv1");
    ck_assert_str_eq(g_hash_table_lookup(g_ptr_array_index(parsed, 1), "host"), "hv-two");
    /* Without hosts: the one-host output, no column and no field. */
    g_autofree char *plain = nv_listing_table_hosts(domains, NULL);
    g_autofree char *old = nv_listing_table(domains);
    ck_assert_str_eq(plain, old);
    ck_assert(g_str_has_prefix(plain, "Name"));
    g_autofree char *pjson = nv_listing_json(domains);
    ck_assert_ptr_null(strstr(pjson, "\"host\""));
}
END_TEST

static Suite *listing_suite(void)
{
    Suite *s = suite_create("listing");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_table_alignment);
    tcase_add_test(tc, test_table_empty);
    tcase_add_test(tc, test_json_parser_self_check);
    tcase_add_test(tc, test_json_round_trip);
    tcase_add_test(tc, test_json_empty_and_null);
    tcase_add_test(tc, test_missing_fields);
    tcase_add_test(tc, test_uri_is_remote);
    tcase_add_test(tc, test_fill_missing_and_cache);
    tcase_add_test(tc, test_hosts_column);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    setlocale(LC_ALL, "");
    SRunner *sr = srunner_create(listing_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
