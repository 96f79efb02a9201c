/* dos.c: the density-of-states container: allocation, convergence history, normalisation. */
#include "entroscape/dos.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Allocate an x_bins x y_bins grid: log_g = -inf everywhere (nothing visited), histogram 0,
 * edges 0, no history, y_variable "none" when y_bins == 1 (the 1-D convention).
 * Both counts must be >= 1 and their product must fit in memory arithmetic.
 * Returns NULL with err set (ES_ERUNTIME for bad sizes, ES_ENOMEM) on failure. */
es_dos *es_dos_alloc(size_t x_bins, size_t y_bins, es_err *err)
{
    if (x_bins == 0 || y_bins == 0) {
        es_err_set(err, ES_ERUNTIME, "density of states needs at least one bin per axis "
                   "(got x_bins = %zu, y_bins = %zu)", x_bins, y_bins);
        return NULL;
    }
    if (x_bins > SIZE_MAX / y_bins || x_bins * y_bins > SIZE_MAX / sizeof(double) ||
        x_bins == SIZE_MAX || y_bins == SIZE_MAX) {
        es_err_set(err, ES_ERUNTIME, "density of states too large (x_bins = %zu, y_bins = %zu)",
                   x_bins, y_bins);
        return NULL;
    }
    es_dos *d = es_calloc(1, sizeof *d, "density of states", err);
    if (!d)
        return NULL;
    size_t n = x_bins * y_bins;
    d->x_bins = x_bins;
    d->y_bins = y_bins;
    d->x_edges = es_calloc(x_bins + 1, sizeof *d->x_edges, "x bin edges", err);   /* (x_bins+1) */
    d->y_edges = es_calloc(y_bins + 1, sizeof *d->y_edges, "y bin edges", err);   /* (y_bins+1) */
    d->log_g = es_calloc(n, sizeof *d->log_g, "ln g grid", err);              /* (x_bins, y_bins) */
    d->histogram = es_calloc(n, sizeof *d->histogram, "histogram", err);      /* (x_bins, y_bins) */
    if (!d->x_edges || !d->y_edges || !d->log_g || !d->histogram) {
        es_dos_free(d);
        return NULL;
    }
    for (size_t k = 0; k < n; k++)
        d->log_g[k] = -INFINITY;
    if (y_bins == 1)
        strcpy(d->y_variable, "none");
    return d;
}

/* Free d and everything it owns. Safe on NULL. */
void es_dos_free(es_dos *d)
{
    if (!d)
        return;
    free(d->x_edges);
    free(d->y_edges);
    free(d->log_g);
    free(d->histogram);
    free(d->stages);
    free(d->windows);
    free(d->exchange_tried);
    free(d->exchange_accepted);
    free(d);
}

/* Allocate (zeroed) diagnostics for n >= 1 windows and n - 1 exchange pairs, replacing any. */
es_status es_dos_alloc_windows(es_dos *d, size_t n, es_err *err)
{
    free(d->windows);
    free(d->exchange_tried);
    free(d->exchange_accepted);
    d->n_windows = 0;
    d->windows = es_calloc(n, sizeof *d->windows, "window diagnostics", err);
    d->exchange_tried = es_calloc(n, sizeof *d->exchange_tried, "exchange counts", err);
    d->exchange_accepted = es_calloc(n, sizeof *d->exchange_accepted, "exchange counts", err);
    if (!d->windows || !d->exchange_tried || !d->exchange_accepted)
        return ES_ENOMEM;
    d->n_windows = n;
    return ES_OK;
}

/* Append one row to d->stages. The array is resized to exactly n_stages rows on each call
 * (histories are tens of rows), so any code may allocate d->stages with n_stages rows.
 * Returns ES_OK, or ES_ENOMEM (err set; d unchanged). */
es_status es_dos_add_stage(es_dos *d, es_dos_stage stage, es_err *err)
{
    if (d->n_stages >= SIZE_MAX / sizeof *d->stages - 1)
        return es_err_set(err, ES_ENOMEM, "convergence history too long (%zu rows)", d->n_stages);
    es_dos_stage *s = realloc(d->stages, (d->n_stages + 1) * sizeof *s);
    if (!s)
        return es_err_set(err, ES_ENOMEM, "out of memory growing the convergence history to "
                          "%zu rows", d->n_stages + 1);
    s[d->n_stages] = stage;
    d->stages = s;
    d->n_stages++;
    return ES_OK;
}

/* Shift every finite log_g by the same constant so that sum over finite bins of
 * exp(log_g) = 1, i.e. log_g becomes ln(fraction of the visited volume per bin).
 * Computed as log-sum-exp around the maximum, so it neither overflows nor underflows
 * for any finite values. -inf bins stay -inf; a grid with no finite bin is left as is. */
void es_dos_normalize(es_dos *d)
{
    size_t n = d->x_bins * d->y_bins;
    double max = -INFINITY;
    for (size_t k = 0; k < n; k++)
        if (isfinite(d->log_g[k]) && d->log_g[k] > max)
            max = d->log_g[k];
    if (!isfinite(max))
        return;
    double sum = 0.0;   /* sum of exp(log_g - max) over finite bins: in [1, n] */
    for (size_t k = 0; k < n; k++)
        if (isfinite(d->log_g[k]))
            sum += exp(d->log_g[k] - max);
    double shift = max + log(sum);
    for (size_t k = 0; k < n; k++)
        if (isfinite(d->log_g[k]))
            d->log_g[k] -= shift;
}
