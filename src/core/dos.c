/* dos.c: the density-of-states container: allocation, convergence history, normalisation. */
#include "entroscape/dos.h"

#include <gsl/gsl_cdf.h>
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
    free(d->log_g_err);
    free(d->log_g_groups);
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

es_status es_dos_alloc_groups(es_dos *d, size_t n_groups, es_err *err)
{
    size_t n = d->x_bins * d->y_bins;
    free(d->log_g_err);
    free(d->log_g_groups);
    d->n_groups = 0;
    d->log_g_groups = NULL;
    d->log_g_err = es_calloc(n, sizeof *d->log_g_err, "ln g errors", err); /* (x_bins, y_bins) */
    if (!d->log_g_err)
        return ES_ENOMEM;
    for (size_t k = 0; k < n; k++)
        d->log_g_err[k] = NAN;
    if (n_groups == 0)
        return ES_OK;
    if (n_groups > SIZE_MAX / n / sizeof(double))
        return es_err_set(err, ES_ENOMEM, "too many groups (%zu)", n_groups);
    d->log_g_groups = es_calloc(n_groups * n, sizeof(double), "group ln g", err); /* (G, bins) */
    if (!d->log_g_groups)
        return ES_ENOMEM;
    for (size_t k = 0; k < n_groups * n; k++)
        d->log_g_groups[k] = -INFINITY;
    d->n_groups = n_groups;
    return ES_OK;
}

/* ln sum exp over the bins of row lg that every group reached (-inf if none). */
static double common_lse(const double *lg, const unsigned char *common, size_t n)
{
    double mx = -INFINITY, s = 0;
    for (size_t k = 0; k < n; k++)
        if (common[k] && lg[k] > mx)
            mx = lg[k];
    if (!isfinite(mx))
        return mx;
    for (size_t k = 0; k < n; k++)
        if (common[k])
            s += exp(lg[k] - mx);
    return mx + log(s);
}

uint64_t es_dos_combine_groups(es_dos *d)
{
    const size_t n = d->x_bins * d->y_bins, G = d->n_groups;
    if (G == 0 || !d->log_g_groups || !d->log_g_err)
        return 0;
    unsigned char *common = calloc(n, 1);
    if (!common)
        return 0;
    uint64_t partial = 0;
    for (size_t k = 0; k < n; k++) {
        size_t c = 0;
        for (size_t g = 0; g < G; g++)
            c += isfinite(d->log_g_groups[g * n + k]) != 0;
        common[k] = c == G;
        partial += c > 0 && c < G;
    }
    for (size_t g = 0; g < G; g++) {
        double *lg = d->log_g_groups + g * n;
        double shift = common_lse(lg, common, n);
        if (isfinite(shift))
            for (size_t k = 0; k < n; k++)
                if (isfinite(lg[k]))
                    lg[k] -= shift;
    }
    for (size_t k = 0; k < n; k++) {
        double s = 0, s2 = 0;
        size_t c = 0;
        for (size_t g = 0; g < G; g++) {
            double v = d->log_g_groups[g * n + k];
            if (isfinite(v)) {
                s += v;
                c++;
            }
        }
        d->log_g[k] = c ? s / (double)c : -INFINITY;
        d->log_g_err[k] = NAN;
        if (c < 2)
            continue;
        double m = s / (double)c;
        for (size_t g = 0; g < G; g++) {
            double v = d->log_g_groups[g * n + k];
            if (isfinite(v))
                s2 += (v - m) * (v - m);
        }
        double sem = sqrt(s2 / (double)(c - 1) / (double)c);
        d->log_g_err[k] = gsl_cdf_tdist_Pinv(0.975, (double)(c - 1)) / 1.959963984540054 * sem;
    }
    free(common);
    es_dos_normalize(d);
    return partial;
}

void es_dos_fprint_criteria(FILE *f, const es_dos *d, const char *indent)
{
    const es_dos_criteria *c = &d->criteria;
    if (!c->known)
        return;
    fprintf(f, "%sln f          %-10.3g <= %-10.3g %s\n", indent, c->ln_f, c->ln_f_final,
            c->ln_f <= c->ln_f_final ? "ok" : "NOT MET");
    fprintf(f, "%sround trips   %-10llu >= %-10llu %s  (fewest of any walker, per axis)\n", indent,
            (unsigned long long)c->round_trips, (unsigned long long)c->round_trips_target,
            c->round_trips >= c->round_trips_target ? "ok" : "NOT MET");
    fprintf(f, "%slargest error %-10.3g <= %-10.3g %s  (nats, %d groups, bins with >= %g of the "
            "volume)\n", indent, c->max_err, c->tolerance,
            c->max_err <= c->tolerance ? "ok" : "NOT MET", c->groups, c->tolerance_mass);
    fprintf(f, "%sgroups agree  %-10llu == 0          %s  (bins reached by some groups only)\n",
            indent, (unsigned long long)c->partial_bins, c->partial_bins == 0 ? "ok" : "NOT MET");
    if (c->reopened)
        fprintf(f, "%s(%llu time%s a window found a new bin late and went back to stages)\n",
                indent, (unsigned long long)c->reopened, c->reopened == 1 ? "" : "s");
    if (d->stop_reason[0])
        fprintf(f, "%sstopped by    %s%s%s\n", indent, d->stop_reason, c->failed[0] ? "; not met: " : "",
                c->failed);
}
