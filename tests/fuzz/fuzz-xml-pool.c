/* Fuzzes the storage pool XML readers: the pool itself, its name, and the storage pool
 * capabilities document. */
#include "fuzz.h"
#include "storage.h"
#include "xml-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *xml = fuzz_string(data, size);
    g_autoptr(NvPool) pool = nv_pool_new();
    (void)nv_xml_pool(xml, pool, NULL);
    g_autofree char *name = nv_storage_xml_name(xml);
    fuzz_keep(name);
    guint types = 0;
    (void)nv_storage_parse_pool_caps(xml, &types, NULL);
    return 0;
}
