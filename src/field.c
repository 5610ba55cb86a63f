/* Typed form fields: parsing and validation of what a user types (integers, sizes with units,
 * choices, booleans, text with a pattern, paths with completion, MAC addresses). Every error is
 * a translated sentence meant to be shown beside the field. */
#include "field.h"

#include <stdarg.h>
#include <string.h>

#include "error.h"
#include "i18n.h"

#define NV_FIELD_MAX_CHARS 1024
#define NV_PATH_MAX_CHARS 4096
/* Completion stops listing after this many matches, and reading a directory after this many
 * entries: /dev or a pool directory can be huge, and the UI must stay quick. */
#define NV_COMPLETE_MAX 256
#define NV_COMPLETE_SCAN 20000
/* Digits after the point: 10^18 still fits in 64 bits. */
#define NV_SIZE_MAX_DECIMALS 18

struct NvField {
    NvFieldKind kind;
    char *id;
    char *label;
    char *hint;
    GString *text;
    char *initial;
    gsize cursor;
    char *error; /* NULL when valid */
    gboolean optional;
    gboolean masked;
    guint max_chars;
    GRegex *regex;
    char *regex_message;
    NvFieldCheck check;
    gpointer check_data;
    GDestroyNotify check_destroy;
    /* INT */
    gint64 min, max, ival;
    /* SIZE */
    guint64 unit, granularity, umin, umax, bytes;
    /* ENUM and BOOL */
    GPtrArray *values;
    GPtrArray *labels;
    int index;
};

/* ---- parsers ---- */

static char *stripped(const char *text)
{
    return g_strstrip(g_strdup(text ? text : ""));
}

gboolean nv_parse_int(const char *text, gint64 min, gint64 max, gint64 *out, GError **err)
{
    g_autofree char *s = stripped(text);
    const char *digits = s[0] == '-' || s[0] == '+' ? s + 1 : s;
    if (digits[0] == '\0' || strspn(digits, "0123456789") != strlen(digits))
        return nv_error_invalid(err, _("enter a whole number"));
    gint64 v = 0;
    /* Anything outside 64 bits is out of range as well, so both say the same. */
    if (!g_ascii_string_to_signed(s, 10, G_MININT64, G_MAXINT64, &v, NULL) || v < min || v > max)
        return nv_error_invalid(
            err, _("must be between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT), min, max);
    *out = v;
    return TRUE;
}

gboolean nv_unit_scale(const char *unit, guint64 *scale)
{
    if (g_ascii_strcasecmp(unit, "b") == 0 || g_ascii_strcasecmp(unit, "byte") == 0 ||
        g_ascii_strcasecmp(unit, "bytes") == 0) {
        *scale = 1;
        return TRUE;
    }
    guint64 base;
    if (unit[1] == '\0' || g_ascii_strcasecmp(unit + 1, "iB") == 0)
        base = 1024;
    else if (g_ascii_tolower(unit[1]) == 'b' && unit[2] == '\0')
        base = 1000;
    else
        return FALSE;
    const char *prefixes = "kmgtpe";
    const char *p = strchr(prefixes, g_ascii_tolower(unit[0]));
    if (unit[0] == '\0' || p == NULL)
        return FALSE;
    guint64 s = base;
    for (const char *q = prefixes; q < p; q++)
        s *= base; /* at most 1024^6 = 2^60 */
    *scale = s;
    return TRUE;
}

static guint64 gcd64(guint64 a, guint64 b)
{
    while (b) {
        guint64 t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Digits to a number, FALSE on overflow. */
static gboolean digits_value(const char *s, gsize n, guint64 *out)
{
    guint64 v = 0;
    for (gsize i = 0; i < n; i++) {
        guint d = (guint)(s[i] - '0');
        if (v > (G_MAXUINT64 - d) / 10)
            return FALSE;
        v = v * 10 + d;
    }
    *out = v;
    return TRUE;
}

gboolean nv_parse_size(const char *text, guint64 default_unit, guint64 *bytes, GError **err)
{
    g_autofree char *s = stripped(text);
    if (s[0] == '\0')
        return nv_error_invalid(err, _("enter a size, e.g. 512M or 2G"));
    gsize int_len = strspn(s, "0123456789");
    const char *p = s + int_len;
    const char *frac = "";
    gsize frac_len = 0;
    if (*p == '.' || *p == ',') {
        frac = p + 1;
        frac_len = strspn(frac, "0123456789");
        p = frac + frac_len;
    }
    if (int_len + frac_len == 0)
        return nv_error_invalid(err, _("a size starts with a number, e.g. 512M or 2G"));
    while (*p == ' ' || *p == '\t')
        p++;
    guint64 scale = default_unit;
    if (*p != '\0' && !nv_unit_scale(p, &scale))
        return nv_error_invalid(err, _("unknown unit '%s' (K, M, G, T or KB, MB, GB, TB)"), p);
    /* Trailing zeros after the point change nothing. */
    while (frac_len > 0 && frac[frac_len - 1] == '0')
        frac_len--;
    if (frac_len > NV_SIZE_MAX_DECIMALS)
        return nv_error_invalid(err, _("too many digits after the point"));
    guint64 whole = 0, part = 0;
    if (!digits_value(s, int_len, &whole) || (scale && whole > G_MAXUINT64 / scale))
        return nv_error_invalid(err, _("too large"));
    digits_value(frac, frac_len, &part); /* < 10^18: cannot overflow */
    guint64 total = whole * scale;
    if (part > 0) {
        /* part/10^n * scale exactly, without a wider type: divide out the common factor, then
         * the rest of 10^n must divide `part` or the value is not a whole number of bytes. */
        guint64 pow10 = 1;
        for (gsize i = 0; i < frac_len; i++)
            pow10 *= 10;
        guint64 g = gcd64(scale, pow10);
        guint64 den = pow10 / g, mul = scale / g;
        if (part % den != 0)
            return nv_error_invalid(err, _("not a whole number of bytes"));
        guint64 extra = part / den;
        if (mul && extra > G_MAXUINT64 / mul)
            return nv_error_invalid(err, _("too large"));
        extra *= mul;
        if (total > G_MAXUINT64 - extra)
            return nv_error_invalid(err, _("too large"));
        total += extra;
    }
    *bytes = total;
    return TRUE;
}

char *nv_format_size_input(guint64 bytes)
{
    static const char units[] = "KMGTPE";
    if (bytes == 0)
        return g_strdup("0");
    int best = -1;
    guint64 scale = 1;
    for (int i = 0; i < 6; i++) {
        scale *= 1024;
        if (bytes % scale != 0)
            break;
        best = i;
    }
    if (best < 0)
        return g_strdup_printf("%" G_GUINT64_FORMAT "B", bytes);
    return g_strdup_printf("%" G_GUINT64_FORMAT "%c", bytes >> (10 * (best + 1)), units[best]);
}

gboolean nv_parse_bool(const char *text, gboolean *out, GError **err)
{
    static const char *const yes[] = {"yes", "y", "true", "on", "1", NULL};
    static const char *const no[] = {"no", "n", "false", "off", "0", NULL};
    g_autofree char *s = stripped(text);
    for (guint i = 0; yes[i]; i++)
        if (g_ascii_strcasecmp(s, yes[i]) == 0) {
            *out = TRUE;
            return TRUE;
        }
    for (guint i = 0; no[i]; i++)
        if (g_ascii_strcasecmp(s, no[i]) == 0) {
            *out = FALSE;
            return TRUE;
        }
    g_autofree char *fs = g_utf8_casefold(s, -1);
    g_autofree char *fyes = g_utf8_casefold(_("yes"), -1);
    g_autofree char *fno = g_utf8_casefold(_("no"), -1);
    if (strcmp(fs, fyes) == 0 || strcmp(fs, fno) == 0) {
        *out = strcmp(fs, fyes) == 0;
        return TRUE;
    }
    return nv_error_invalid(err, _("answer yes or no"));
}

gboolean nv_parse_mac(const char *text, char **normalized, GError **err)
{
    g_autofree char *s = stripped(text);
    guint8 b[6];
    gboolean ok = strlen(s) == 17;
    for (int i = 0; ok && i < 6; i++) {
        const char *p = s + i * 3;
        if (!g_ascii_isxdigit(p[0]) || !g_ascii_isxdigit(p[1]) ||
            (i < 5 && p[2] != ':' && p[2] != '-'))
            ok = FALSE;
        else
            b[i] = (guint8)(g_ascii_xdigit_value(p[0]) * 16 + g_ascii_xdigit_value(p[1]));
    }
    if (!ok)
        return nv_error_invalid(err, _("a MAC address is six hex pairs, e.g. 52:54:00:12:34:56"));
    if (b[0] & 1)
        return nv_error_invalid(err,
                                _("a multicast address (odd first byte) cannot be given to a NIC"));
    if ((b[0] | b[1] | b[2] | b[3] | b[4] | b[5]) == 0)
        return nv_error_invalid(err, _("the all-zero address cannot be given to a NIC"));
    if (normalized)
        *normalized =
            g_strdup_printf("%02x:%02x:%02x:%02x:%02x:%02x", b[0], b[1], b[2], b[3], b[4], b[5]);
    return TRUE;
}

char *nv_mac_generate(void)
{
    return g_strdup_printf("52:54:00:%02x:%02x:%02x", g_random_int_range(0, 256),
                           g_random_int_range(0, 256), g_random_int_range(0, 256));
}

/* ---- path completion ---- */

/* The longest common prefix of a and b in bytes, cut back to a whole character. */
static gsize common_prefix(const char *a, const char *b)
{
    gsize n = 0;
    while (a[n] && a[n] == b[n])
        n++;
    while (n > 0 && (a[n] & 0xc0) == 0x80)
        n--;
    return n;
}

static gint compare_names(gconstpointer a, gconstpointer b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

GPtrArray *nv_path_complete(const char *text, char **completed)
{
    GPtrArray *out = g_ptr_array_new_with_free_func(g_free);
    const char *t = text ? text : "";
    const char *slash = strrchr(t, '/');
    g_autofree char *dir_part = slash ? g_strndup(t, (gsize)(slash - t) + 1) : g_strdup("");
    const char *base = slash ? slash + 1 : t;
    const char *dir_path = dir_part[0] ? dir_part : ".";
    if (completed)
        *completed = g_strdup(t);

    g_autoptr(GDir) dir = g_dir_open(dir_path, 0, NULL);
    if (!dir)
        return out;
    gsize base_len = strlen(base);
    const char *name;
    for (guint scanned = 0; (name = g_dir_read_name(dir)) && scanned < NV_COMPLETE_SCAN;
         scanned++) {
        /* A name that is not UTF-8 cannot be typed or shown faithfully. */
        if (strncmp(name, base, base_len) != 0 || !g_utf8_validate(name, -1, NULL))
            continue;
        if (name[0] == '.' && base[0] != '.')
            continue;
        g_autofree char *full = g_build_filename(dir_path, name, NULL);
        gboolean is_dir = g_file_test(full, G_FILE_TEST_IS_DIR);
        g_ptr_array_add(out, g_strconcat(name, is_dir ? "/" : "", NULL));
        if (out->len >= NV_COMPLETE_MAX)
            break;
    }
    g_ptr_array_sort(out, compare_names);
    if (completed && out->len > 0) {
        const char *first = out->pdata[0];
        gsize n = strlen(first);
        for (guint i = 1; i < out->len; i++)
            n = MIN(n, common_prefix(first, out->pdata[i]));
        g_free(*completed);
        *completed = g_strdup_printf("%s%.*s", dir_part, (int)n, first);
    }
    return out;
}

/* ---- fields ---- */

static NvField *field_new(NvFieldKind kind, const char *id, const char *label)
{
    NvField *f = g_new0(NvField, 1);
    f->kind = kind;
    f->id = g_strdup(id ? id : "");
    f->label = g_strdup(label ? label : "");
    f->text = g_string_new("");
    f->initial = g_strdup("");
    f->max_chars = kind == NV_FIELD_PATH ? NV_PATH_MAX_CHARS : NV_FIELD_MAX_CHARS;
    f->index = -1;
    return f;
}

/* Passwords must not linger in freed memory. */
static void wipe_string(char *s)
{
    if (s)
        memset(s, 0, strlen(s));
}

static void validate(NvField *f);

NvField *nv_field_int_new(const char *id, const char *label, gint64 min, gint64 max)
{
    NvField *f = field_new(NV_FIELD_INT, id, label);
    f->min = min;
    f->max = max;
    validate(f);
    return f;
}

NvField *nv_field_size_new(const char *id, const char *label, guint64 default_unit,
                           guint64 granularity, guint64 min, guint64 max)
{
    NvField *f = field_new(NV_FIELD_SIZE, id, label);
    f->unit = default_unit ? default_unit : 1;
    f->granularity = granularity ? granularity : 1;
    f->umin = min;
    f->umax = max;
    validate(f);
    return f;
}

static void set_choices(NvField *f, const char *const *values, const char *const *labels)
{
    g_clear_pointer(&f->values, g_ptr_array_unref);
    g_clear_pointer(&f->labels, g_ptr_array_unref);
    f->values = g_ptr_array_new_with_free_func(g_free);
    f->labels = g_ptr_array_new_with_free_func(g_free);
    for (guint i = 0; values && values[i]; i++) {
        g_ptr_array_add(f->values, g_strdup(values[i]));
        g_ptr_array_add(f->labels, g_strdup(labels && labels[i] ? labels[i] : values[i]));
    }
}

NvField *nv_field_enum_new(const char *id, const char *label, const char *const *values,
                           const char *const *labels)
{
    NvField *f = field_new(NV_FIELD_ENUM, id, label);
    set_choices(f, values, labels);
    if (f->labels->len > 0)
        nv_field_set_initial(f, f->labels->pdata[0]);
    else
        validate(f);
    return f;
}

NvField *nv_field_bool_new(const char *id, const char *label)
{
    NvField *f = field_new(NV_FIELD_BOOL, id, label);
    const char *values[] = {"yes", "no", NULL};
    const char *labels[] = {_("yes"), _("no"), NULL};
    set_choices(f, values, labels);
    nv_field_set_initial(f, labels[1]);
    return f;
}

NvField *nv_field_text_new(const char *id, const char *label)
{
    NvField *f = field_new(NV_FIELD_TEXT, id, label);
    validate(f);
    return f;
}

NvField *nv_field_path_new(const char *id, const char *label)
{
    NvField *f = field_new(NV_FIELD_PATH, id, label);
    validate(f);
    return f;
}

NvField *nv_field_mac_new(const char *id, const char *label)
{
    NvField *f = field_new(NV_FIELD_MAC, id, label);
    validate(f);
    return f;
}

void nv_field_free(NvField *f)
{
    if (!f)
        return;
    if (f->masked) {
        memset(f->text->str, 0, f->text->allocated_len);
        wipe_string(f->initial);
    }
    g_string_free(f->text, TRUE);
    g_free(f->initial);
    g_free(f->id);
    g_free(f->label);
    g_free(f->hint);
    g_free(f->error);
    g_free(f->regex_message);
    if (f->regex)
        g_regex_unref(f->regex);
    if (f->check_destroy)
        f->check_destroy(f->check_data);
    g_clear_pointer(&f->values, g_ptr_array_unref);
    g_clear_pointer(&f->labels, g_ptr_array_unref);
    g_free(f);
}

void nv_field_set_optional(NvField *f, gboolean optional)
{
    f->optional = optional;
    validate(f);
}

void nv_field_set_regex(NvField *f, const char *pattern, const char *message)
{
    if (f->regex)
        g_regex_unref(f->regex);
    /* \A and \z: the whole text, not a line of it. */
    g_autofree char *whole = g_strdup_printf("\\A(?:%s)\\z", pattern);
    f->regex = g_regex_new(whole, G_REGEX_OPTIMIZE, 0, NULL);
    g_warn_if_fail(f->regex != NULL);
    g_free(f->regex_message);
    f->regex_message = g_strdup(message);
    validate(f);
}

void nv_field_set_check(NvField *f, NvFieldCheck check, gpointer data, GDestroyNotify destroy)
{
    if (f->check_destroy)
        f->check_destroy(f->check_data);
    f->check = check;
    f->check_data = data;
    f->check_destroy = destroy;
    validate(f);
}

void nv_field_set_max_length(NvField *f, guint chars)
{
    f->max_chars = chars;
}

void nv_field_set_masked(NvField *f, gboolean masked)
{
    f->masked = masked;
}

void nv_field_set_hint(NvField *f, const char *hint)
{
    g_free(f->hint);
    f->hint = g_strdup(hint);
}

void nv_field_enum_set_choices(NvField *f, const char *const *values, const char *const *labels)
{
    g_autofree char *keep = g_strdup(nv_field_enum_value(f));
    set_choices(f, values, labels);
    int found = -1;
    for (guint i = 0; keep && i < f->values->len; i++)
        if (strcmp(f->values->pdata[i], keep) == 0)
            found = (int)i;
    if (found < 0 && f->values->len > 0)
        found = 0;
    nv_field_set_text(f, found >= 0 ? f->labels->pdata[found] : "");
}

const char *nv_field_id(const NvField *f)
{
    return f->id;
}

const char *nv_field_label(const NvField *f)
{
    return f->label;
}

NvFieldKind nv_field_kind(const NvField *f)
{
    return f->kind;
}

gboolean nv_field_masked(const NvField *f)
{
    return f->masked;
}

const char *nv_field_hint(const NvField *f)
{
    return f->hint;
}

gboolean nv_field_is_choice(const NvField *f)
{
    return f->kind == NV_FIELD_ENUM || f->kind == NV_FIELD_BOOL;
}

const char *nv_field_text(const NvField *f)
{
    return f->text->str;
}

/* ---- validation ---- */

static int choice_index(const NvField *f, const char *text)
{
    for (guint i = 0; i < f->labels->len; i++)
        if (strcmp(f->labels->pdata[i], text) == 0)
            return (int)i;
    g_autofree char *folded = g_utf8_casefold(text, -1);
    for (guint i = 0; i < f->labels->len; i++) {
        g_autofree char *l = g_utf8_casefold(f->labels->pdata[i], -1);
        g_autofree char *v = g_utf8_casefold(f->values->pdata[i], -1);
        if (strcmp(folded, l) == 0 || strcmp(folded, v) == 0)
            return (int)i;
    }
    return -1;
}

static gboolean check_choice(NvField *f, const char *s, GError **err)
{
    f->index = choice_index(f, s);
    if (f->index >= 0)
        return TRUE;
    if (f->kind == NV_FIELD_BOOL) {
        gboolean b;
        if (!nv_parse_bool(s, &b, err))
            return FALSE;
        f->index = b ? 0 : 1;
        return TRUE;
    }
    if (f->labels->len == 0)
        return nv_error_invalid(err, _("nothing to choose from"));
    /* A few choices are worth listing; many would not fit beside the field. */
    g_autoptr(GString) list = g_string_new("");
    for (guint i = 0; i < f->labels->len && i < 5; i++)
        g_string_append_printf(list, "%s%s", i ? ", " : "", (char *)f->labels->pdata[i]);
    if (f->labels->len > 5)
        g_string_append(list, ", …");
    return nv_error_invalid(err, _("choose one of: %s"), list->str);
}

static gboolean check_size(NvField *f, const char *s, GError **err)
{
    guint64 b = 0;
    if (!nv_parse_size(s, f->unit, &b, err))
        return FALSE;
    if (b % f->granularity != 0) {
        g_autofree char *g = nv_format_size_input(f->granularity);
        return nv_error_invalid(err, _("must be a whole number of %s"), g);
    }
    if (b < f->umin || b > f->umax) {
        g_autofree char *lo = nv_format_size_input(f->umin);
        g_autofree char *hi = nv_format_size_input(f->umax);
        return nv_error_invalid(err, _("must be between %s and %s"), lo, hi);
    }
    f->bytes = b;
    return TRUE;
}

static gboolean is_generate(const char *s)
{
    return s[0] == '\0' || g_ascii_strcasecmp(s, "generate") == 0 || strcmp(s, _("generate")) == 0;
}

/* The type's own rule, for a non-empty text. */
static gboolean check_type(NvField *f, const char *s, GError **err)
{
    switch (f->kind) {
    case NV_FIELD_INT:
        return nv_parse_int(s, f->min, f->max, &f->ival, err);
    case NV_FIELD_SIZE:
        return check_size(f, s, err);
    case NV_FIELD_ENUM:
    case NV_FIELD_BOOL:
        return check_choice(f, s, err);
    case NV_FIELD_PATH:
        if (s[0] != '/')
            return nv_error_invalid(err, _("enter an absolute path (starting with /)"));
        return TRUE;
    case NV_FIELD_MAC:
        return is_generate(s) || nv_parse_mac(s, NULL, err);
    case NV_FIELD_TEXT:
        return TRUE;
    }
    return TRUE;
}

static void validate(NvField *f)
{
    g_clear_pointer(&f->error, g_free);
    f->index = -1;
    const char *s = f->text->str;
    g_autoptr(GError) err = NULL;
    gboolean empty = s[strspn(s, " \t")] == '\0';
    if (empty && (f->optional || f->kind == NV_FIELD_MAC))
        return;
    if (empty && !nv_field_is_choice(f)) {
        f->error = g_strdup(f->kind == NV_FIELD_SIZE ? _("enter a size, e.g. 512M or 2G")
                                                     : _("a value is needed"));
        return;
    }
    if (!check_type(f, s, &err)) {
        f->error = g_strdup(err->message);
        return;
    }
    if (f->regex && !g_regex_match(f->regex, s, 0, NULL)) {
        f->error = g_strdup(f->regex_message ? f->regex_message : _("not a valid value"));
        return;
    }
    if (f->check && !f->check(s, f->check_data, &err))
        f->error = g_strdup(err && err->message ? err->message : _("not a valid value"));
}

void nv_field_set_text(NvField *f, const char *text)
{
    if (f->masked)
        memset(f->text->str, 0, f->text->allocated_len);
    g_string_assign(f->text, text ? text : "");
    f->cursor = f->text->len;
    validate(f);
}

void nv_field_set_initial(NvField *f, const char *text)
{
    nv_field_set_text(f, text);
    if (f->masked)
        wipe_string(f->initial);
    g_free(f->initial);
    f->initial = g_strdup(text ? text : "");
}

void nv_field_rebase(NvField *f, const char *text)
{
    if (!nv_field_changed(f)) {
        nv_field_set_initial(f, text);
        return;
    }
    if (f->masked)
        wipe_string(f->initial);
    g_free(f->initial);
    f->initial = g_strdup(text ? text : "");
}

gboolean nv_field_changed(const NvField *f)
{
    return strcmp(f->text->str, f->initial) != 0;
}

const char *nv_field_error(const NvField *f)
{
    return f->error;
}

gboolean nv_field_is_valid(const NvField *f)
{
    return f->error == NULL;
}

gboolean nv_field_is_empty(const NvField *f)
{
    return f->text->str[strspn(f->text->str, " \t")] == '\0';
}

/* ---- editing ---- */

gsize nv_field_cursor(const NvField *f)
{
    return MIN(f->cursor, f->text->len);
}

/* The next choice whose label starts with `c` (case-folded), after the current one. */
static gboolean pick_by_letter(NvField *f, gunichar c)
{
    guint n = f->labels->len;
    if (n == 0)
        return FALSE;
    gunichar want = g_unichar_tolower(c);
    int from = f->index >= 0 ? f->index : -1;
    for (guint k = 1; k <= n; k++) {
        guint i = (guint)((from + (int)k) % (int)n);
        const char *l = f->labels->pdata[i];
        if (g_unichar_tolower(g_utf8_get_char(l)) == want) {
            if ((int)i == f->index)
                return FALSE;
            nv_field_set_text(f, l);
            return TRUE;
        }
    }
    return FALSE;
}

gboolean nv_field_insert(NvField *f, gunichar c)
{
    if (!g_unichar_isprint(c) || g_unichar_type(c) == G_UNICODE_FORMAT)
        return FALSE;
    if (nv_field_is_choice(f))
        return pick_by_letter(f, c);
    if ((guint)g_utf8_strlen(f->text->str, -1) >= f->max_chars)
        return FALSE;
    char buf[8];
    int n = g_unichar_to_utf8(c, buf);
    gsize at = nv_field_cursor(f);
    g_string_insert_len(f->text, (gssize)at, buf, n);
    f->cursor = at + (gsize)n;
    validate(f);
    return TRUE;
}

gboolean nv_field_insert_text(NvField *f, const char *text)
{
    gboolean any = FALSE;
    if (!text || !g_utf8_validate(text, -1, NULL))
        return FALSE;
    for (const char *p = text; *p; p = g_utf8_next_char(p))
        any |= nv_field_insert(f, g_utf8_get_char(p));
    return any;
}

static void erase_range(NvField *f, gsize from, gsize to)
{
    if (f->masked)
        memset(f->text->str + from, 0, to - from);
    g_string_erase(f->text, (gssize)from, (gssize)(to - from));
    f->cursor = from;
    validate(f);
}

gboolean nv_field_erase_back(NvField *f)
{
    gsize at = nv_field_cursor(f);
    if (nv_field_is_choice(f) || at == 0)
        return FALSE;
    const char *prev = g_utf8_find_prev_char(f->text->str, f->text->str + at);
    erase_range(f, prev ? (gsize)(prev - f->text->str) : 0, at);
    return TRUE;
}

gboolean nv_field_erase_forward(NvField *f)
{
    gsize at = nv_field_cursor(f);
    if (nv_field_is_choice(f) || at >= f->text->len)
        return FALSE;
    const char *next = g_utf8_next_char(f->text->str + at);
    erase_range(f, at, (gsize)(next - f->text->str));
    return TRUE;
}

gboolean nv_field_move(NvField *f, int chars)
{
    if (nv_field_is_choice(f))
        return nv_field_cycle(f, chars < 0 ? -1 : 1);
    gsize at = nv_field_cursor(f), start = at;
    for (; chars < 0 && at > 0; chars++) {
        const char *prev = g_utf8_find_prev_char(f->text->str, f->text->str + at);
        at = prev ? (gsize)(prev - f->text->str) : 0;
    }
    for (; chars > 0 && at < f->text->len; chars--)
        at = (gsize)(g_utf8_next_char(f->text->str + at) - f->text->str);
    f->cursor = at;
    return at != start;
}

gboolean nv_field_move_to(NvField *f, gboolean end)
{
    gsize at = end ? f->text->len : 0;
    gboolean moved = at != f->cursor;
    f->cursor = at;
    return moved;
}

gboolean nv_field_clear(NvField *f)
{
    if (nv_field_is_choice(f) || f->text->len == 0)
        return FALSE;
    nv_field_set_text(f, "");
    return TRUE;
}

gboolean nv_field_cycle(NvField *f, int step)
{
    if (!nv_field_is_choice(f) || f->labels->len == 0)
        return FALSE;
    int n = (int)f->labels->len;
    int i = f->index >= 0 ? ((f->index + step) % n + n) % n : 0;
    if (i == f->index)
        return FALSE;
    nv_field_set_text(f, f->labels->pdata[i]);
    return TRUE;
}

/* ---- values ---- */

gint64 nv_field_int(const NvField *f)
{
    return f->ival;
}

guint64 nv_field_bytes(const NvField *f)
{
    return f->bytes;
}

guint64 nv_field_kib(const NvField *f)
{
    return f->bytes / 1024 + (f->bytes % 1024 != 0);
}

int nv_field_enum_index(const NvField *f)
{
    return f->error ? -1 : f->index;
}

const char *nv_field_enum_value(const NvField *f)
{
    int i = nv_field_enum_index(f);
    return i >= 0 && f->values && (guint)i < f->values->len ? f->values->pdata[i] : NULL;
}

gboolean nv_field_bool(const NvField *f)
{
    return nv_field_enum_index(f) == 0;
}

char *nv_field_mac(const NvField *f)
{
    g_autofree char *s = stripped(f->text->str);
    char *mac = NULL;
    if (is_generate(s) || !nv_parse_mac(s, &mac, NULL))
        return nv_mac_generate();
    return mac;
}

GPtrArray *nv_field_complete(NvField *f)
{
    if (f->kind != NV_FIELD_PATH)
        return NULL;
    g_autofree char *completed = NULL;
    GPtrArray *names = nv_path_complete(f->text->str, &completed);
    if (completed && strcmp(completed, f->text->str) != 0)
        nv_field_set_text(f, completed);
    return names;
}
