/* Fuzzes the readers of the domain capabilities XML: the virt type it describes and the
 * new-VM wizard's limits (vCPUs, UEFI, CPU modes), after a real capabilities document. */
#include "fuzz.h"
#include "vm-caps.h"
#include "xml-read.h"

static const char caps_xml[] =
    "<capabilities><host><cpu><arch>x86_64</arch></cpu></host>"
    "<guest><os_type>hvm</os_type><arch name='x86_64'>"
    "<domain type='qemu'/><domain type='kvm'/></arch></guest></capabilities>";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *xml = fuzz_string(data, size);
    g_autofree char *type = nv_xml_domcaps_virt_type(xml, NULL);
    fuzz_keep(type);

    g_autoptr(NvVmCaps) caps = nv_vm_caps_new();
    (void)nv_vm_caps_read(caps, caps_xml, "x86_64", NULL);
    if (nv_vm_caps_read_domcaps(caps, xml, NULL)) {
        (void)nv_vm_caps_default_type(caps, TRUE);
        (void)nv_vm_caps_uefi(caps, "kvm");
        (void)nv_vm_caps_cpu_mode(caps, "kvm", "host-passthrough");
    }
    return 0;
}
