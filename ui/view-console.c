/* being written: the console view */
#include "ui-internal.h"

NvView *nv_view_console_new(NvApp *app, const char *uuid, const char *name)
{
    nv_app_message(app, _("This console is not available yet."), TRUE);
    return NULL;
}
