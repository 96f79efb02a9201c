/* grid.c: macro-variable grid set-up, distances and edges. */
#include "entroscape/grid.h"

es_status es_grid_init(es_grid *g, int dims, long x_bins, double x_min, double x_max,
                       long y_bins, double y_min, double y_max, es_err *err)
{
    if (dims != 1 && dims != 2)
        return es_err_set(err, ES_ECONFIG, "grid: dims = %d; allowed: 1 or 2", dims);
    if (x_bins < 1 || !(x_min < x_max) || !isfinite(x_min) || !isfinite(x_max))
        return es_err_set(err, ES_ECONFIG, "grid: need x_bins >= 1 and finite x_min < x_max "
                          "(x_bins = %ld, x_min = %g, x_max = %g)", x_bins, x_min, x_max);
    if (dims == 2 && (y_bins < 1 || !(y_min < y_max) || !isfinite(y_min) || !isfinite(y_max)))
        return es_err_set(err, ES_ECONFIG, "grid: need y_bins >= 1 and finite y_min < y_max "
                          "(y_bins = %ld, y_min = %g, y_max = %g)", y_bins, y_min, y_max);
    g->dims = dims;
    g->x_bins = x_bins;
    g->x_min = x_min;
    g->x_max = x_max;
    g->x_scale = (double)x_bins / (x_max - x_min);
    g->y_bins = dims == 2 ? y_bins : 1;
    g->y_min = y_min;
    g->y_max = y_max;
    g->y_scale = (double)g->y_bins / (y_max - y_min);
    return ES_OK;
}

static double axis_distance(double v, double lo, double hi)
{
    if (isnan(v))
        return INFINITY;
    if (v < lo)
        return (lo - v) / (hi - lo);
    if (v >= hi)
        return (v - hi) / (hi - lo) + 1e-12; /* the upper edge itself is outside */
    return 0.0;
}

double es_grid_distance(const es_grid *g, const es_span *s, double x, double y)
{
    double xlo = g->x_min, xhi = g->x_max, ylo = g->y_min, yhi = g->y_max;
    if (s && s->axis == 0) {
        xlo = g->x_min + (double)s->lo / g->x_scale;
        xhi = g->x_min + (double)s->hi / g->x_scale;
    } else if (s && s->axis == 1) {
        ylo = g->y_min + (double)s->lo / g->y_scale;
        yhi = g->y_min + (double)s->hi / g->y_scale;
    }
    double d = axis_distance(x, xlo, xhi) * (xhi - xlo) / (g->x_max - g->x_min);
    if (g->dims == 2)
        d += axis_distance(y, ylo, yhi) * (yhi - ylo) / (g->y_max - g->y_min);
    /* Inside the span's coordinates but rounded into a neighbouring bin: not there yet. */
    if (d == 0 && s && es_grid_bin_in(g, s, x, y) < 0)
        d = 1e-9;
    return d;
}

void es_grid_edges(const es_grid *g, double *x_edges, double *y_edges)
{
    for (long i = 0; i <= g->x_bins; i++)
        x_edges[i] = g->x_min + (g->x_max - g->x_min) * (double)i / (double)g->x_bins;
    for (long j = 0; j <= g->y_bins; j++)
        y_edges[j] = g->y_min + (g->y_max - g->y_min) * (double)j / (double)g->y_bins;
}
