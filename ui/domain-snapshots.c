/* being written */
#include "ui-internal.h"

gboolean nv_domain_snapshot_action(NvPane *pane, NvAction a)
{
    return FALSE;
}
