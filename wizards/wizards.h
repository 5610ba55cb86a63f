/* The wizards' public entry points, one per file: wizard-vm.c, wizard-pool.c,
 * wizard-volume.c, wizard-network.c, wizard-connection.c (add, and edit the Hosts pane's row). Each
 * opens its wizard for the selected pane (or returns NULL with a message when it cannot, e.g. no
 * pool selected). nv_wizards_register hands them to the UI (main.c calls it once). */
#pragma once

#include "wizard-api.h"

NvView *nv_wizard_vm_open(NvApp *app, NvPane *pane);
NvView *nv_wizard_pool_open(NvApp *app, NvPane *pane);
NvView *nv_wizard_volume_open(NvApp *app, NvPane *pane);
NvView *nv_wizard_network_open(NvApp *app, NvPane *pane);
NvView *nv_wizard_connection_open(NvApp *app, NvPane *pane);
NvView *nv_wizard_connection_edit(NvApp *app, NvPane *pane);

void nv_wizards_register(void);
