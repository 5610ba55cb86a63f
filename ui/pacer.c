/* NvPacer: paces a view's repaints of changing content (a guest console, a VNC display). */
#include "ui-internal.h"

static gboolean pacer_due(gpointer data)
{
    NvPacer *p = data;
    p->source = 0;
    nv_app_dirty(p->app);
    return G_SOURCE_REMOVE;
}

void nv_pacer_changed(NvPacer *p)
{
    if (p->source)
        return; /* a paint is already due */
    gint64 wait = p->painted_us + p->interval_us - g_get_monotonic_time();
    if (wait <= 0)
        nv_app_dirty(p->app);
    else
        p->source = g_timeout_add((guint)(wait / G_TIME_SPAN_MILLISECOND) + 1, pacer_due, p);
}

void nv_pacer_painted(NvPacer *p)
{
    p->painted_us = g_get_monotonic_time();
}

void nv_pacer_clear(NvPacer *p)
{
    g_clear_handle_id(&p->source, g_source_remove);
}
