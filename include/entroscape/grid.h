/* grid.h: the macro-variable grid: x_bins over [x_min, x_max) and, in 2-D, y_bins over
 * [y_min, y_max). Bins are numbered ix * y_bins + iy (row-major, like /dos/log_g). */
#ifndef ENTROSCAPE_GRID_H
#define ENTROSCAPE_GRID_H

#include "entroscape/common.h"
#include <math.h>

typedef struct es_grid {
    long x_bins, y_bins;        /* y_bins = 1 in 1-D */
    double x_min, x_max, y_min, y_max;
    double x_scale, y_scale;    /* bins per unit: x_bins / (x_max - x_min) */
    int dims;                   /* 1 or 2 */
} es_grid;

/* Set up a grid; y is ignored when dims = 1. ES_ECONFIG (err set) on empty ranges or no bins. */
es_status es_grid_init(es_grid *g, int dims, long x_bins, double x_min, double x_max,
                       long y_bins, double y_min, double y_max, es_err *err);

static inline long es_grid_nbins(const es_grid *g) { return g->x_bins * g->y_bins; }

/* The bin of (x, y), or -1 when the point lies outside the grid (or is NaN). */
static inline long es_grid_bin(const es_grid *g, double x, double y)
{
    if (!(x >= g->x_min && x < g->x_max))
        return -1;
    long ix = (long)((x - g->x_min) * g->x_scale);
    if (ix >= g->x_bins)
        ix = g->x_bins - 1;
    if (g->dims == 1)
        return ix;
    if (!(y >= g->y_min && y < g->y_max))
        return -1;
    long iy = (long)((y - g->y_min) * g->y_scale);
    if (iy >= g->y_bins)
        iy = g->y_bins - 1;
    return ix * g->y_bins + iy;
}

/* A window: bins [lo, hi) along one axis (0 = x, 1 = y), every bin along the other. */
typedef struct es_span {
    int axis;
    long lo, hi;
} es_span;

/* The bin of (x, y) if it lies inside the grid and the span, else -1. */
static inline long es_grid_bin_in(const es_grid *g, const es_span *s, double x, double y)
{
    if (!(x >= g->x_min && x < g->x_max))
        return -1;
    long ix = (long)((x - g->x_min) * g->x_scale);
    if (ix >= g->x_bins)
        ix = g->x_bins - 1;
    if (s->axis == 0 && (ix < s->lo || ix >= s->hi))
        return -1;
    if (g->dims == 1)
        return ix;
    if (!(y >= g->y_min && y < g->y_max))
        return -1;
    long iy = (long)((y - g->y_min) * g->y_scale);
    if (iy >= g->y_bins)
        iy = g->y_bins - 1;
    if (s->axis == 1 && (iy < s->lo || iy >= s->hi))
        return -1;
    return ix * g->y_bins + iy;
}

/* Whether bin b lies inside span s. */
static inline int es_span_has(const es_grid *g, const es_span *s, long b)
{
    long i = s->axis == 0 ? b / g->y_bins : b % g->y_bins;
    return i >= s->lo && i < s->hi;
}

/* How far (x, y) lies outside the grid restricted to span s (NULL: the whole grid), in units
 * of the grid's extent (0 inside). */
double es_grid_distance(const es_grid *g, const es_span *s, double x, double y);

/* Bin edges: x_edges (x_bins + 1), y_edges (y_bins + 1; [y_min, y_max] in 1-D). */
void es_grid_edges(const es_grid *g, double *x_edges, double *y_edges);

#endif
