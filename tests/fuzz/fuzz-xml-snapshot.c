/* Fuzzes the snapshot XML reader, and arranges what it read into a tree: the input is split at
 * form feeds into several snapshot documents, so parents, cycles and duplicates come from it. */
#include "domain-snapshot.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *text = fuzz_string(data, size);
    g_auto(GStrv) docs = g_strsplit(text, "\f", 16);
    g_autoptr(NvSnapshotList) list = g_new0(NvSnapshotList, 1);
    list->domain = g_strdup("fuzz");
    list->uuid = g_strdup("");
    list->snapshots = g_ptr_array_new_with_free_func((GDestroyNotify)nv_snapshot_free);
    for (int i = 0; docs[i] != NULL; i++) {
        NvSnapshot *s = nv_snapshot_from_xml(docs[i], NULL);
        if (s != NULL)
            g_ptr_array_add(list->snapshots, s);
    }
    nv_snapshot_arrange(list->snapshots);
    if (list->snapshots->len > 0) {
        const NvSnapshot *first = g_ptr_array_index(list->snapshots, 0);
        (void)nv_snapshot_find(list, first->name);
        g_autoptr(GPtrArray) desc = nv_snapshot_descendants(list, first->name);
        fuzz_keep(desc);
    }
    return 0;
}
