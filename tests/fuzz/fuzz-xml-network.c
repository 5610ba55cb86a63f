/* Fuzzes the network XML readers: the model's summary and the details' hosts and domain. */
#include "fuzz.h"
#include "network.h"
#include "xml-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *xml = fuzz_string(data, size);
    g_autoptr(NvNetwork) net = nv_network_new();
    (void)nv_xml_network(xml, net, NULL);
    g_autoptr(NvNetInfo) info = nv_net_info_from_xml(xml, NULL);
    fuzz_keep(info);
    return 0;
}
