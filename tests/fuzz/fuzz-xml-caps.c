/* Fuzzes the readers of the host capabilities XML: the host summary and the new-VM wizard's
 * architectures and virtualisation types. */
#include "fuzz.h"
#include "vm-caps.h"
#include "xml-read.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *xml = fuzz_string(data, size);
    g_autoptr(NvHost) host = g_new0(NvHost, 1);
    host->arch = g_strdup("");
    host->cpu_model = g_strdup("");
    (void)nv_xml_host_caps(xml, host, NULL);

    g_autoptr(NvVmCaps) caps = nv_vm_caps_new();
    if (nv_vm_caps_read(caps, xml, "x86_64", NULL)) {
        (void)nv_vm_caps_default_type(caps, TRUE);
        (void)nv_vm_caps_uefi(caps, "kvm");
        (void)nv_vm_caps_cpu_mode(caps, "qemu", "host-model");
    }
    return 0;
}
