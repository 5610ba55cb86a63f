/* The Domains pane's EDIT action: opens the details editor on the selected domain. */
#include "ui-internal.h"
#include "view-edit.h"

gboolean nv_domain_edit_action(NvPane *pane, NvAction a)
{
    if (a != NV_ACTION_EDIT)
        return FALSE;
    int item = nv_list_selected_item(&pane->list);
    const NvModel *m = nv_app_model(pane);
    if (item < 0 || (guint)item >= m->domains->len) {
        nv_app_message(pane->app, _("No domain selected."), TRUE);
        return TRUE;
    }
    /* One domain at a time, even with rows marked: the form shows one definition. */
    const NvDomain *d = m->domains->pdata[item];
    nv_app_open_view(pane->app, nv_view_edit_new(pane->app, d->uuid, d->name));
    return TRUE;
}
