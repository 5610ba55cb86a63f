/* Fuzzes the keymap (config) file parser: the input is a keys file laid over the defaults.
 * Every binding it leaves must have a key name that parses back to the same key. */
#include <stdlib.h>

#include "fuzz.h"
#include "keymap.h"

static void check_bindings(const NvKeymap *map)
{
    for (int ctx = 0; ctx < NV_CTX_COUNT; ctx++) {
        g_autoptr(GArray) b = nv_keymap_bindings(map, (NvContext)ctx);
        for (guint i = 0; i < b->len; i++) {
            NvKey key = g_array_index(b, NvBinding, i).key;
            g_autofree char *name = nv_key_name(key);
            NvKey back = 0;
            if (!nv_key_parse(name, &back) || back != key)
                abort(); /* a key the help shows under a name the keys file refuses */
            (void)nv_keymap_lookup(map, (NvContext)ctx, key);
        }
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *text = fuzz_string(data, size);
    g_autoptr(NvKeymap) map = nv_keymap_new();
    g_autoptr(GPtrArray) errors = g_ptr_array_new_with_free_func(g_free);
    (void)nv_keymap_load_text(map, nv_keymap_default_text(), "default", errors);
    (void)nv_keymap_load_text(map, text, "fuzz", errors);
    check_bindings(map);

    /* Each line on its own as a key name, as the keys file's key column is read. */
    g_auto(GStrv) lines = g_strsplit(text, "\n", 64);
    for (int i = 0; lines[i] != NULL; i++) {
        NvKey key = 0;
        NvContext ctx;
        (void)nv_key_parse(lines[i], &key);
        (void)nv_context_from_name(lines[i], &ctx);
    }
    return 0;
}
