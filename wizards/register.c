/* The wizards' entry points, handed to the UI by main.c (ui/ may not call wizards/). */
#include "wizards.h"

void nv_wizards_register(void)
{
    nv_wizard_register(NV_ACTION_NEW_VM, nv_wizard_vm_open);
    nv_wizard_register(NV_ACTION_NEW_POOL, nv_wizard_pool_open);
    nv_wizard_register(NV_ACTION_NEW_VOLUME, nv_wizard_volume_open);
    nv_wizard_register(NV_ACTION_NEW_NETWORK, nv_wizard_network_open);
    nv_wizard_register(NV_ACTION_CONN_ADD, nv_wizard_connection_open);
    nv_wizard_register(NV_ACTION_CONN_EDIT, nv_wizard_connection_edit);
}
