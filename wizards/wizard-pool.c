/* being written */
#include "wizards.h"

NvView *nv_wizard_pool_open(NvApp *app, NvPane *pane)
{
    nv_app_message(app, _("This wizard is not available yet."), TRUE);
    return NULL;
}
