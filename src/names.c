/* What a valid name is, per kind of object: one table, one check. The rules are the new-VM,
 * network and storage wizards' (the strictest ncvirt had), never looser than libvirt, which
 * refuses '/' in pool, volume and network names and a newline in a domain's (and QEMU keeps
 * files named after domains and snapshots). Every refusal is a whole sentence naming the
 * kind, so translators see full sentences. */
#include "names.h"

#include <string.h>

#include "error.h"
#include "i18n.h"

/* ASCII only where a name becomes a file, a virsh argument and a host name all at once. */
#define WORD_CHARS "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-"

typedef struct {
    guint max;                  /* bytes (characters where `chars` is ASCII) */
    const char *chars;          /* the only bytes allowed; NULL: any UTF-8 passing the rest */
    gboolean no_dash_dot_first; /* a leading '-' reads as an option, a leading '.' hides a file */
    const char *empty, *utf8, *control, *slash, *space, *dots, *bad_chars, *first;
} NameRule;

static const NameRule rules[NV_NAME_KIND_COUNT] = {
    [NV_NAME_DOMAIN] = {100, WORD_CHARS "+", TRUE, N_("a domain needs a name"),
                        N_("a domain name must be valid UTF-8"),
                        N_("a domain name cannot contain control characters"),
                        N_("a domain name cannot contain '/'"),
                        N_("a domain name cannot start or end with a space"),
                        N_("'.' and '..' are not names for a domain"),
                        N_("use only letters, digits and _ . + - in a domain name"),
                        N_("a domain name cannot start with '-' or '.'")},
    [NV_NAME_POOL] = {200, NULL, FALSE, N_("a pool name is needed"),
                      N_("a pool name must be valid UTF-8"),
                      N_("a pool name cannot contain control characters"),
                      N_("a pool name cannot contain '/'"),
                      N_("a pool name cannot start or end with a space"),
                      N_("'.' and '..' are not names for a pool"), NULL, NULL},
    [NV_NAME_VOLUME] = {200, NULL, FALSE, N_("a volume name is needed"),
                        N_("a volume name must be valid UTF-8"),
                        N_("a volume name cannot contain control characters"),
                        N_("a volume name cannot contain '/'"),
                        N_("a volume name cannot start or end with a space"),
                        N_("'.' and '..' are not names for a volume"), NULL, NULL},
    [NV_NAME_NETWORK] = {50, WORD_CHARS "+", TRUE, N_("a network name is needed"),
                         N_("a network name must be valid UTF-8"),
                         N_("a network name cannot contain control characters"),
                         N_("a network name cannot contain '/'"),
                         N_("a network name cannot start or end with a space"),
                         N_("'.' and '..' are not names for a network"),
                         N_("only letters, digits and - _ . + in a network name"),
                         N_("a network name cannot start with '-' or '.'")},
    [NV_NAME_SNAPSHOT] = {200, NULL, FALSE, N_("a snapshot needs a name"),
                          N_("a snapshot name must be valid UTF-8"),
                          N_("a snapshot name cannot contain control characters"),
                          N_("a snapshot name cannot contain '/'"),
                          N_("a snapshot name cannot start or end with a space"),
                          N_("'.' and '..' are not names for a snapshot"), NULL, NULL},
    /* Longer than a domain name: "{01..10}" stands for two characters. Each name it expands
     * to is then checked as a domain name. */
    [NV_NAME_CLONE_PATTERN] = {120, WORD_CHARS "+{}", TRUE, N_("a clone needs a name"),
                               N_("a clone name must be valid UTF-8"),
                               N_("a clone name cannot contain control characters"),
                               N_("a clone name cannot contain '/'"),
                               N_("a clone name cannot start or end with a space"),
                               N_("'.' and '..' are not names for a clone"),
                               N_("use only letters, digits, _ . + - and one {first..last} "
                                  "range in a clone name"),
                               N_("a clone name cannot start with '-' or '.'")},
    /* The kernel's IFNAMSIZ (16 with the final NUL). */
    [NV_NAME_INTERFACE] = {15, WORD_CHARS, FALSE, N_("an interface name is needed"),
                           N_("an interface name must be valid UTF-8"),
                           N_("an interface name cannot contain control characters"),
                           N_("an interface name cannot contain '/'"),
                           N_("an interface name cannot start or end with a space"),
                           N_("'.' and '..' cannot name an interface"),
                           N_("only letters, digits and - _ . in an interface name"), NULL},
};

static gboolean refuse(GError **err, const char *msg)
{
    g_set_error_literal(err, NV_ERROR, NV_ERROR_INVALID, msg);
    return FALSE;
}

/* A count in the sentence: one ngettext per kind, so each language can inflect it. */
static gboolean refuse_length(NvNameKind kind, guint max, GError **err)
{
    switch (kind) {
    case NV_NAME_DOMAIN:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("a domain name has at most %u character",
                             "a domain name has at most %u characters", max),
                    max);
        break;
    case NV_NAME_POOL:
        g_set_error(
            err, NV_ERROR, NV_ERROR_INVALID,
            ngettext("a pool name has at most %u byte", "a pool name has at most %u bytes", max),
            max);
        break;
    case NV_NAME_VOLUME:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("a volume name has at most %u byte",
                             "a volume name has at most %u bytes", max),
                    max);
        break;
    case NV_NAME_NETWORK:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("a network name has at most %u character",
                             "a network name has at most %u characters", max),
                    max);
        break;
    case NV_NAME_SNAPSHOT:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("a snapshot name has at most %u byte",
                             "a snapshot name has at most %u bytes", max),
                    max);
        break;
    case NV_NAME_CLONE_PATTERN:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("a clone name has at most %u character",
                             "a clone name has at most %u characters", max),
                    max);
        break;
    case NV_NAME_INTERFACE:
    case NV_NAME_KIND_COUNT:
        g_set_error(err, NV_ERROR, NV_ERROR_INVALID,
                    ngettext("an interface name has at most %u character",
                             "an interface name has at most %u characters", max),
                    max);
        break;
    }
    return FALSE;
}

gboolean nv_name_has_control(const char *s)
{
    for (const char *p = s; *p; p = g_utf8_next_char(p)) {
        gunichar c = g_utf8_get_char(p);
        if (g_unichar_iscntrl(c) || g_unichar_type(c) == G_UNICODE_FORMAT)
            return TRUE;
    }
    return FALSE;
}

static const NameRule *rule_of(NvNameKind kind)
{
    g_return_val_if_fail(kind < NV_NAME_KIND_COUNT, &rules[NV_NAME_DOMAIN]);
    return &rules[kind];
}

/* What libvirt itself would never store; both checks start here. */
static gboolean check_basic(const NameRule *r, const char *name, GError **err)
{
    if (!name || !*name)
        return refuse(err, _(r->empty));
    if (!g_utf8_validate(name, -1, NULL))
        return refuse(err, _(r->utf8));
    if (nv_name_has_control(name))
        return refuse(err, _(r->control));
    if (strchr(name, '/'))
        return refuse(err, _(r->slash));
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return refuse(err, _(r->dots));
    return TRUE;
}

gboolean nv_name_check(NvNameKind kind, const char *name, GError **err)
{
    const NameRule *r = rule_of(kind);
    if (!check_basic(r, name, err))
        return FALSE;
    gsize len = strlen(name);
    if (g_unichar_isspace(g_utf8_get_char(name)) ||
        g_unichar_isspace(g_utf8_get_char(g_utf8_prev_char(name + len))))
        return refuse(err, _(r->space));
    if (len > r->max)
        return refuse_length(kind, r->max, err);
    if (r->chars && strspn(name, r->chars) != len)
        return refuse(err, _(r->bad_chars));
    if (r->no_dash_dot_first && (name[0] == '-' || name[0] == '.'))
        return refuse(err, _(r->first));
    return TRUE;
}

gboolean nv_name_check_existing(NvNameKind kind, const char *name, GError **err)
{
    const NameRule *r = rule_of(kind);
    if (!check_basic(r, name, err))
        return FALSE;
    if (strlen(name) > NV_NAME_EXISTING_MAX)
        return refuse_length(kind, NV_NAME_EXISTING_MAX, err);
    return TRUE;
}

guint nv_name_max(NvNameKind kind)
{
    return rule_of(kind)->max;
}
