/* Typed form fields with validation on the field (the nemu lesson): the text a user types goes
 * in, a typed value or a translated error message comes out. No curses: the form widget draws
 * fields, the editor and the wizards (new VM, pool, volume, network) fill and read them. */
#pragma once

#include <glib.h>

/* ---- parsers, usable without a field; errors are NV_ERROR_INVALID, translated ---- */

/* A decimal integer in [min, max]; blanks around it are allowed, nothing else. */
gboolean nv_parse_int(const char *text, gint64 min, gint64 max, gint64 *out, GError **err);
/* A size: "512M", "2G", "1.5GiB", "100 KB", or a bare number in `default_unit` bytes.
 * K M G T P E alone or with "iB" are powers of 1024, with "B" powers of 1000 (as libvirt reads
 * units); "B" is bytes; case does not matter. Exact: a value that is not a whole number of bytes,
 * or does not fit in 64 bits, is an error, never rounded or wrapped. */
gboolean nv_parse_size(const char *text, guint64 default_unit, guint64 *bytes, GError **err);
/* Bytes per unit, like libvirt's virScaleInteger (also for its XML's unit attributes):
 * b/byte/bytes; k m g t p e alone or with "iB" are powers of 1024, with "B" powers of 1000; case
 * does not matter. FALSE for anything else, "" included. */
gboolean nv_unit_scale(const char *unit, guint64 *scale);
/* The shortest exact text nv_parse_size reads back to `bytes`: "2G", "1536M", "1000B". */
char *nv_format_size_input(guint64 bytes);
/* yes/no, true/false, on/off, 1/0 and the translated yes/no. */
gboolean nv_parse_bool(const char *text, gboolean *out, GError **err);
/* Six hex pairs separated by ':' or '-'; gives the lower-case ':' form. Multicast and all-zero
 * addresses are refused: libvirt cannot give them to a NIC. */
gboolean nv_parse_mac(const char *text, char **normalized, GError **err);
/* A random unicast address in 52:54:00 (the prefix libvirt and QEMU use). */
char *nv_mac_generate(void);

/* Filesystem entries that complete `text` (a path being typed): names relative to its directory,
 * directories ending in '/', sorted, at most a few hundred. `completed` (optional) receives
 * `text` extended by what all candidates share (a lone directory gets its '/'). Reads the local
 * filesystem: the UI calls it only for local connections. */
GPtrArray *nv_path_complete(const char *text, char **completed);

/* ---- fields ---- */

typedef enum {
    NV_FIELD_INT,
    NV_FIELD_SIZE,
    NV_FIELD_ENUM,
    NV_FIELD_BOOL,
    NV_FIELD_TEXT,
    NV_FIELD_PATH,
    NV_FIELD_MAC,
} NvFieldKind;

typedef struct NvField NvField;

/* An extra check on top of the field's type; sets `err` and returns FALSE to refuse `text`. */
typedef gboolean (*NvFieldCheck)(const char *text, gpointer data, GError **err);

/* `id` names the field for code (untranslated), `label` is shown (already translated). Every
 * field starts empty; call nv_field_set_initial to load a value. */
NvField *nv_field_int_new(const char *id, const char *label, gint64 min, gint64 max);
/* Sizes in bytes within [min, max] and a multiple of `granularity` (1024 for KiB values). */
NvField *nv_field_size_new(const char *id, const char *label, guint64 default_unit,
                           guint64 granularity, guint64 min, guint64 max);
/* `values` are what code reads, `labels` (NULL: the values) what is shown; both NULL-terminated
 * and copied. The text holds the label; typing a value or a label selects it. */
NvField *nv_field_enum_new(const char *id, const char *label, const char *const *values,
                           const char *const *labels);
NvField *nv_field_bool_new(const char *id, const char *label);
NvField *nv_field_text_new(const char *id, const char *label);
/* Absolute paths; nv_field_complete fills them in from the filesystem. */
NvField *nv_field_path_new(const char *id, const char *label);
/* A MAC address; "" or "generate" stands for a new random one (see nv_field_mac). */
NvField *nv_field_mac_new(const char *id, const char *label);
void nv_field_free(NvField *f);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvField, nv_field_free)

/* "" is accepted (it means none, default or unchanged, as the form says). */
void nv_field_set_optional(NvField *f, gboolean optional);
/* Text must match the whole of `pattern` (PCRE); `message` (translated) is the error otherwise. */
void nv_field_set_regex(NvField *f, const char *pattern, const char *message);
void nv_field_set_check(NvField *f, NvFieldCheck check, gpointer data, GDestroyNotify destroy);
/* Characters the text may hold (1024 by default: input is bounded everywhere). */
void nv_field_set_max_length(NvField *f, guint chars);
/* Passwords: shown as stars by the form, wiped from memory when replaced or freed. */
void nv_field_set_masked(NvField *f, gboolean masked);
/* A short note shown beside the field when it has no error, e.g. "empty: keep the current one". */
void nv_field_set_hint(NvField *f, const char *hint);
/* Replaces an enum's choices (a pool's volumes arrive later); keeps the chosen value if it is
 * still there, else selects the first choice. */
void nv_field_enum_set_choices(NvField *f, const char *const *values, const char *const *labels);

const char *nv_field_id(const NvField *f);
const char *nv_field_label(const NvField *f);
NvFieldKind nv_field_kind(const NvField *f);
gboolean nv_field_masked(const NvField *f);
const char *nv_field_hint(const NvField *f);
/* Enum and bool fields are picked from choices rather than typed freely. */
gboolean nv_field_is_choice(const NvField *f);

const char *nv_field_text(const NvField *f);
/* Replaces the text (cursor at its end) and validates it. */
void nv_field_set_text(NvField *f, const char *text);
/* Sets the text and marks it as the unchanged state. */
void nv_field_set_initial(NvField *f, const char *text);
/* A fresh value from the host: an untouched field takes it, an edited one keeps the user's
 * text but compares against the new value from now on. */
void nv_field_rebase(NvField *f, const char *text);
/* The text differs from the initial one. */
gboolean nv_field_changed(const NvField *f);
/* NULL when the text is valid, else the translated reason. */
const char *nv_field_error(const NvField *f);
gboolean nv_field_is_valid(const NvField *f);
gboolean nv_field_is_empty(const NvField *f);

/* Editing at a cursor (a byte offset on a character boundary); each returns TRUE when the text
 * or the cursor changed. On a choice field, typing a character picks the next choice that
 * starts with it. */
gsize nv_field_cursor(const NvField *f);
gboolean nv_field_insert(NvField *f, gunichar c);
gboolean nv_field_insert_text(NvField *f, const char *text);
gboolean nv_field_erase_back(NvField *f);
gboolean nv_field_erase_forward(NvField *f);
gboolean nv_field_move(NvField *f, int chars);
gboolean nv_field_move_to(NvField *f, gboolean end);
gboolean nv_field_clear(NvField *f);
/* Enum and bool: the next (step 1) or previous (-1) choice, wrapping. */
gboolean nv_field_cycle(NvField *f, int step);

/* Typed values: defined only when the field is valid and not empty. */
gint64 nv_field_int(const NvField *f);
guint64 nv_field_bytes(const NvField *f);
/* The size in KiB (the granularity makes it exact for memory fields). */
guint64 nv_field_kib(const NvField *f);
int nv_field_enum_index(const NvField *f);
/* The chosen value, or NULL when nothing is chosen. */
const char *nv_field_enum_value(const NvField *f);
gboolean nv_field_bool(const NvField *f);
/* The normalised address, or a newly generated one for "" and "generate". Caller frees. */
char *nv_field_mac(const NvField *f);

/* Path fields: completes the text in place and returns the candidates (names, see
 * nv_path_complete); NULL for other kinds. */
GPtrArray *nv_field_complete(NvField *f);
