/* stitch.c: join the ln g of overlapping windows into one: each window hands over to the next
 * where their slopes agree best, shifted by the mean offset over the overlap. */
#include "stitch.h"

#include <math.h>
#include <stdlib.h>

/* ln of the sum over the other axis of exp(ln g) at index i along the window axis, over the
 * bins window w has reached; -inf if none. */
static double marginal(const es_grid *g, const es_window *w, long i)
{
    int axis = w->span.axis;
    long n_other = axis == 0 ? g->y_bins : g->x_bins;
    double mx = -INFINITY, s = 0;
    for (long j = 0; j < n_other; j++) {
        long b = axis == 0 ? i * g->y_bins + j : j * g->y_bins + i;
        if (w->reached[b] && w->ln_g[b] > mx)
            mx = w->ln_g[b];
    }
    if (!isfinite(mx))
        return -INFINITY;
    for (long j = 0; j < n_other; j++) {
        long b = axis == 0 ? i * g->y_bins + j : j * g->y_bins + i;
        if (w->reached[b])
            s += exp(w->ln_g[b] - mx);
    }
    return mx + log(s);
}

es_status es_stitch(const es_grid *g, const es_window *win, int n, double *ln_g,
                    unsigned char *reached, es_err *err)
{
    const long nbins = es_grid_nbins(g);
    const int axis = win[0].span.axis;
    long *cut = calloc((size_t)n + 1, sizeof *cut);   /* window k owns [cut[k], cut[k+1]) */
    double *shift = calloc((size_t)n, sizeof *shift);  /* added to window k's ln g */
    if (!cut || !shift) {
        free(cut);
        free(shift);
        return es_err_set(err, ES_ENOMEM, "out of memory stitching windows");
    }
    cut[0] = win[0].span.lo;
    cut[n] = win[n - 1].span.hi;
    for (int k = 0; k + 1 < n; k++) {
        const es_window *a = &win[k], *b = &win[k + 1];
        long lo = b->span.lo, hi = a->span.hi; /* the overlap [lo, hi) */
        long best = -1;
        double best_d = INFINITY;
        for (long i = lo; i < hi; i++) {
            double ma = marginal(g, a, i), mb = marginal(g, b, i);
            if (!isfinite(ma) || !isfinite(mb))
                continue;
            double d = INFINITY;
            if (i + 1 < hi) {
                double ma1 = marginal(g, a, i + 1), mb1 = marginal(g, b, i + 1);
                if (isfinite(ma1) && isfinite(mb1))
                    d = fabs((ma1 - ma) - (mb1 - mb));
            }
            if (best < 0 || d < best_d) {
                best = i;
                best_d = d;
            }
        }
        if (best < 0) {
            free(cut);
            free(shift);
            return es_err_set(err, ES_ERUNTIME, "windows %d and %d share no reached bin: cannot "
                              "join them (more overlap or a longer run)", k, k + 1);
        }
        /* The offset: mean difference over the whole overlap (less noisy than one bin). */
        double sum = 0;
        int cnt = 0;
        for (long i = lo; i < hi; i++) {
            double ma = marginal(g, a, i), mb = marginal(g, b, i);
            if (isfinite(ma) && isfinite(mb)) {
                sum += ma - mb;
                cnt++;
            }
        }
        shift[k + 1] = shift[k] + sum / cnt;
        cut[k + 1] = best;
    }
    for (long bin = 0; bin < nbins; bin++) {
        long i = axis == 0 ? bin / g->y_bins : bin % g->y_bins;
        int owner = 0;
        while (owner + 1 < n && i >= cut[owner + 1])
            owner++;
        reached[bin] = 0;
        ln_g[bin] = -INFINITY;
        /* the owner's value, else a neighbour's (edge bins of a 2-D window) */
        for (int d = 0; d < n && !reached[bin]; d++) {
            for (int sgn = -1; sgn <= 1; sgn += 2) {
                int k = owner + sgn * d;
                if (k < 0 || k >= n || (d == 0 && sgn > 0) || reached[bin])
                    continue;
                if (win[k].reached[bin]) {
                    reached[bin] = 1;
                    ln_g[bin] = win[k].ln_g[bin] + shift[k];
                }
            }
        }
    }
    free(cut);
    free(shift);
    return ES_OK;
}
