/* Live graphs in the details views: sparklines of the stats rings (src/domain-stats.c draws the
 * glyphs), sized to the room the details box leaves after its label column. */
#include "ui-internal.h"

typedef struct {
    guint line;         /* index in the NvLines */
    const NvRing *ring; /* the model's; valid while the details are built and drawn */
    double max;
    char *value;
} NvGraph;

struct NvGraphs {
    GArray *graphs; /* NvGraph */
};

static void graph_clear(gpointer p)
{
    g_free(((NvGraph *)p)->value);
}

NvGraphs *nv_graphs_new(void)
{
    NvGraphs *g = g_new0(NvGraphs, 1);
    g->graphs = g_array_new(FALSE, TRUE, sizeof(NvGraph));
    g_array_set_clear_func(g->graphs, graph_clear);
    return g;
}

void nv_graphs_free(NvGraphs *g)
{
    if (!g)
        return;
    g_array_unref(g->graphs);
    g_free(g);
}

void nv_graphs_add(NvGraphs *g, NvLines *l, const char *label, const NvRing *ring, double max,
                   const char *value)
{
    NvGraph graph = {l->labels->len, ring, max, g_strdup(value)};
    g_array_append_val(g->graphs, graph);
    nv_lines_add(l, label, value); /* replaced by nv_graphs_finish */
}

void nv_graphs_finish(NvGraphs *g, NvLines *l, int width)
{
    /* The label column as nv_lines_draw lays it out. */
    int label_w = 0;
    for (guint i = 0; i < l->labels->len; i++)
        if (!g_array_index(l->heading, gboolean, i))
            label_w = MAX(label_w, nv_text_width(l->labels->pdata[i]));
    label_w = MIN(label_w + 1, width / 2);
    int room = width - label_w;
    for (guint i = 0; i < g->graphs->len; i++) {
        NvGraph *graph = &g_array_index(g->graphs, NvGraph, i);
        int spark_w = MIN(NV_STATS_HISTORY, room - nv_text_width(graph->value) - 1);
        if (spark_w < 4 || nv_ring_len(graph->ring) == 0)
            continue; /* too narrow for a useful graph, or nothing yet: the number alone */
        /* Not padded: the graph grows from the label column, the number follows its end. */
        spark_w = MIN(spark_w, (int)nv_ring_len(graph->ring));
        g_autofree char *spark = nv_sparkline(graph->ring, (guint)spark_w, graph->max);
        g_free(l->values->pdata[graph->line]);
        l->values->pdata[graph->line] = g_strdup_printf("%s %s", spark, graph->value);
    }
}
