/* Terminal keys to X keysyms for the VNC view: the table in keymaps/keysyms.txt, the rules for
 * printable characters, and the send-key menu's combinations. */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "keymap.h"

/* A chord is a list of keysyms pressed in order and released in reverse (nv_vnc_send_keys):
 * Ctrl+c is {Control_L, c}. This many always suffice for one key. */
#define NV_KEYSYM_MAX_CHORD 8

#define NV_KEYSYM_SHIFT_L 0xffe1u
#define NV_KEYSYM_CONTROL_L 0xffe3u
#define NV_KEYSYM_ALT_L 0xffe9u

typedef struct NvKeysymTable NvKeysymTable;

NvKeysymTable *nv_keysym_table_new(void);
void nv_keysym_table_free(NvKeysymTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvKeysymTable, nv_keysym_table_free)

/* Adds the lines of a keysyms.txt-style text. A bad line is skipped and described in `errors`
 * (g_free'd strings, "source:line: reason"); returns the number of bad lines. */
int nv_keysym_table_load_text(NvKeysymTable *table, const char *text, const char *source,
                              GPtrArray *errors);
/* The text of the built-in keymaps/keysyms.txt. */
const char *nv_keysym_default_text(void);
/* The built-in table, parsed once; lives as long as the program. */
const NvKeysymTable *nv_keysym_default_table(void);

/* The chord for `key` (with its NV_KEY_MOD_* bits) into keysyms[0..max-1]: Control_L, Alt_L,
 * Shift_L as needed, then the key's own keysyms. Returns the count, or 0 when the key has no
 * keysym (or `max` is too small). */
int nv_keysym_table_from_key(const NvKeysymTable *table, NvKey key, uint32_t *keysyms, int max);
/* The same with the built-in table. */
int nv_keysym_from_key(NvKey key, uint32_t *keysyms, int max);

/* What the send-key menu offers: combinations a terminal cannot type. */
typedef struct {
    const char *name; /* untranslated (N_): show it with _() */
    int n;
    uint32_t keysyms[NV_KEYSYM_MAX_CHORD];
} NvKeysymCombo;

const NvKeysymCombo *nv_keysym_combos(guint *n);
