/* Fuzzes every reader of domain XML: the details, the editor's state (as inactive and as live
 * XML), the clone plan, the boot order rewrite, the identity and the volume/network users. */
#include "domain-actions.h"
#include "domain-clone.h"
#include "domain-edit.h"
#include "fuzz.h"
#include "network.h"
#include "storage.h"
#include "xml-read.h"

static void read_all(const char *xml)
{
    g_autoptr(NvDomainDetails) details = nv_xml_domain_details(xml, NULL);
    g_autoptr(NvEditState) state = nv_edit_state_from_xml(xml, xml, NULL);
    g_autoptr(NvClonePlan) plan = nv_clone_plan_from_xml(xml, NULL);
    if (plan != NULL)
        nv_clone_plan_reset_choices(plan);

    static const char *const devs[] = {"network", "cdrom", "hd", NULL};
    static const char *const targets[] = {"vda", "52:54:00:00:00:01", "sdb", NULL};
    g_autofree char *boot1 = nv_edit_xml_set_boot(xml, devs, 1, NULL);
    g_autofree char *boot2 = nv_edit_xml_set_boot(xml, targets, -1, NULL);
    g_autofree char *boot3 = nv_edit_xml_set_boot(xml, NULL, 0, NULL);

    fuzz_keep(details);
    fuzz_keep(state);
    fuzz_keep(boot1);
    fuzz_keep(boot2);
    fuzz_keep(boot3);

    g_autofree char *name = NULL;
    g_autofree char *uuid = NULL;
    (void)nv_domain_xml_identity(xml, &name, &uuid, NULL);
    (void)nv_domain_xml_uses_volume(xml, "/var/lib/libvirt/images/a.qcow2", "default", "a.qcow2");
    (void)nv_domain_xml_uses_volume(xml, NULL, "default", "a.qcow2");
    (void)nv_net_domain_uses(xml, "default");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_init();
    g_autofree char *xml = fuzz_string(data, size);
    read_all(xml);
    return 0;
}
