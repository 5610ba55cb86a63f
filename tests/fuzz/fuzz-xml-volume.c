/* Fuzzes the storage volume XML reader. */
#include "fuzz.h"
#include "storage.h"
#include "xml-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *xml = fuzz_string(data, size);
    g_autoptr(NvVolume) vol = nv_volume_new();
    (void)nv_xml_volume(xml, vol, NULL);
    g_autofree char *name = nv_storage_xml_name(xml);
    fuzz_keep(name);
    return 0;
}
