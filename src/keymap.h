/* Key codes of our own (no curses here) and keymaps: `bind <context>[,<context>] <key> <action>`.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "keymap-actions.h"

/* A key: a Unicode code point, or one of NV_KEY_* above the Unicode range, plus modifier bits. */
typedef uint32_t NvKey;

#define NV_KEY_MOD_SHIFT (1u << 28)
#define NV_KEY_MOD_CTRL (1u << 29)
#define NV_KEY_MOD_ALT (1u << 30)
#define NV_KEY_MODS (NV_KEY_MOD_SHIFT | NV_KEY_MOD_CTRL | NV_KEY_MOD_ALT)
#define NV_KEY_BASE(k) ((k) & ~NV_KEY_MODS)

enum {
    NV_KEY_NONE = 0,
    NV_KEY_SPECIAL = 0x110000,
    NV_KEY_UP = NV_KEY_SPECIAL,
    NV_KEY_DOWN,
    NV_KEY_LEFT,
    NV_KEY_RIGHT,
    NV_KEY_PAGEUP,
    NV_KEY_PAGEDOWN,
    NV_KEY_HOME,
    NV_KEY_END,
    NV_KEY_ENTER,
    NV_KEY_ESCAPE,
    NV_KEY_TAB,
    NV_KEY_BTAB,
    NV_KEY_BACKSPACE,
    NV_KEY_DELETE,
    NV_KEY_INSERT,
    NV_KEY_F1, /* NV_KEY_F1 + n - 1 is Fn, up to F12 */
    NV_KEY_F12 = NV_KEY_F1 + 11,
    NV_KEY_RESIZE,
    NV_KEY_MOUSE, /* a mouse event: the UI asks the screen for its position and buttons */
    NV_KEY_LAST,
};

/* Contexts: the UI looks a key up in the innermost context first, then falls back outward
 * (a pane's context, then "list", then "global"). */
typedef enum {
    NV_CTX_GLOBAL,
    NV_CTX_LIST,
    NV_CTX_DOMAINS,
    NV_CTX_STORAGE,
    NV_CTX_NETWORKS,
    NV_CTX_HOST,
    NV_CTX_FILTER,
    NV_CTX_HELP,
    NV_CTX_CONSOLE,   /* the serial console view: every other key goes to the guest */
    NV_CTX_VNC,       /* the graphical console view: likewise */
    NV_CTX_VNC_MENU,  /* the menu the VNC view's escape key opens */
    NV_CTX_DIALOG,    /* prompts, confirmations, menus and checklists */
    NV_CTX_SNAPSHOTS, /* the snapshots view; moving keys come from "list" */
    NV_CTX_FORM,      /* forms (the details editor): other keys type into the field */
    NV_CTX_COUNT
} NvContext;

const char *nv_context_name(NvContext ctx);
gboolean nv_context_from_name(const char *name, NvContext *out);

/* "j", "Up", "C-c", "M-x", "S-Tab", "F5", "Space", "é": returns FALSE for anything else. */
gboolean nv_key_parse(const char *name, NvKey *out);
/* The canonical name nv_key_parse accepts back; the caller frees it. */
char *nv_key_name(NvKey key);

typedef struct {
    NvKey key;
    NvAction action;
} NvBinding;

typedef struct NvKeymap NvKeymap;

NvKeymap *nv_keymap_new(void);
void nv_keymap_free(NvKeymap *map);
G_DEFINE_AUTOPTR_CLEANUP_FUNC(NvKeymap, nv_keymap_free)

/* Applies keymap text line by line. A bad line is skipped and described in `errors`
 * (a GPtrArray of g_free'd strings, "source:line: reason"); the rest still applies.
 * Returns the number of bad lines. */
int nv_keymap_load_text(NvKeymap *map, const char *text, const char *source, GPtrArray *errors);
/* Same for a file. Returns -1 with `err` set when the file cannot be read at all. */
int nv_keymap_load_file(NvKeymap *map, const char *path, GPtrArray *errors, GError **err);
/* The built-in keymaps/default.keys. */
const char *nv_keymap_default_text(void);

/* The action bound to key in exactly this context, or NV_ACTION_NONE. */
NvAction nv_keymap_lookup(const NvKeymap *map, NvContext ctx, NvKey key);
/* Bindings of one context in the order they were made (later rebinding replaces in place);
 * an array of NvBinding values, owned by the caller. */
GArray *nv_keymap_bindings(const NvKeymap *map, NvContext ctx);
