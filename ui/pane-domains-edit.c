/* The Domains pane's EDIT action: opens the details editor on the selected domain. */
#include "ui-internal.h"
#include "view-edit.h"

gboolean nv_domain_edit_action(NvPane *pane, NvAction a)
{
    if (a != NV_ACTION_EDIT)
        return FALSE;
    int item = nv_list_selected_item(&pane->list);
    guint local = 0;
    NvConn *conn = item >= 0 ? nv_pane_item_conn(pane, (guint)item, &local) : NULL;
    if (!conn || local >= nv_conn_model(conn)->domains->len) {
        nv_app_message(pane->app, _("No domain selected."), TRUE);
        return TRUE;
    }
    /* The editor exists to change the definition: a read-only host refuses it at once. */
    if (!nv_app_check_writable(pane->app, conn))
        return TRUE;
    /* One domain at a time, even with rows marked: the form shows one definition. */
    const NvDomain *d = nv_conn_model(conn)->domains->pdata[local];
    nv_app_open_view(pane->app, nv_view_edit_new(pane->app, conn, d->uuid, d->name));
    return TRUE;
}
