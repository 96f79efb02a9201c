/* window.c: a Wang-Landau window: meetings of its walkers and its ln f schedule. */
#include "window.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

es_status es_window_init(es_window *w, es_span span, long nbins, int n_walkers, es_err *err)
{
    memset(w, 0, sizeof *w);
    w->span = span;
    w->nbins = nbins;
    w->phase = 1;
    w->n_walkers = n_walkers;
    w->ln_g = es_calloc((size_t)nbins, sizeof(double), "ln g", err);
    w->hist = es_calloc((size_t)nbins, sizeof(uint64_t), "histogram", err);
    w->reached = es_calloc((size_t)nbins, 1, "reached bins", err);
    w->walkers = es_calloc((size_t)n_walkers, sizeof(es_walker *), "walkers", err);
    w->bins = es_calloc((size_t)n_walkers, sizeof(long), "walker bins", err);
    return w->ln_g && w->hist && w->reached && w->walkers && w->bins ? ES_OK : ES_ENOMEM;
}

void es_window_free_arrays(es_window *w)
{
    for (int k = 0; w->walkers && k < w->n_walkers; k++)
        es_walker_free(w->walkers[k]);
    free(w->walkers);
    free(w->bins);
    free(w->ln_g);
    free(w->hist);
    free(w->reached);
    free(w->stages);
    memset(w, 0, sizeof *w);
}

double es_window_flatness(const es_window *w)
{
    uint64_t lo = UINT64_MAX;
    double sum = 0;
    for (long b = 0; b < w->nbins; b++)
        if (w->reached[b]) {
            if (w->hist[b] < lo)
                lo = w->hist[b];
            sum += (double)w->hist[b];
        }
    if (w->n_reached == 0 || sum == 0)
        return 0.0;
    return (double)lo / (sum / (double)w->n_reached);
}

void es_window_meet(es_window *w, const es_grid *g, uint64_t sweeps)
{
    double lowest = INFINITY;
    for (long b = 0; b < w->nbins; b++)
        if (w->reached[b] && w->ln_g[b] < lowest)
            lowest = w->ln_g[b];
    int found = 0;
    const int nw = w->n_walkers;
    for (long b = 0; b < w->nbins; b++) {
        double sum = 0;
        uint64_t h = 0;
        for (int k = 0; k < nw; k++) {
            sum += w->walkers[k]->ln_g[b];
            h += w->walkers[k]->hist[b];
        }
        double mean = sum / nw;
        if (!w->reached[b] && h > 0 && es_span_has(g, &w->span, b)) {
            w->reached[b] = 1;
            w->n_reached++;
            found = 1;
            if (isfinite(lowest)) /* the walkers' additions on top of the old value (0) */
                mean += lowest;
        }
        w->ln_g[b] = mean;
        w->hist[b] += h;
    }
    if (found)
        w->last_found = sweeps;
}

static es_status window_add_stage(es_window *w, es_dos_stage row, es_err *err)
{
    es_dos_stage *s = realloc(w->stages, (w->n_stages + 1) * sizeof *s);
    if (!s)
        return es_err_set(err, ES_ENOMEM, "out of memory growing the convergence history");
    s[w->n_stages++] = row;
    w->stages = s;
    return ES_OK;
}

int es_window_schedule(es_window *w, const es_wl_params *p, uint64_t sweeps, long n_dof,
                       double now, int index, es_err *err)
{
    w->flatness = es_window_flatness(w);
    if (w->converged)
        return 0;
    double one_over_t = (double)w->n_reached / ((double)sweeps * (double)n_dof);
    int changed = 0;
    /* A stage may end only if no new bin turned up during its second half. */
    int settled = sweeps - w->last_found >= (sweeps - w->stage_start) / 2;
    if (w->phase == 2) {
        w->ln_f = one_over_t;
    } else if (settled && (p->method == ES_WL_FLAT ? w->flatness >= p->flatness : w->flatness > 0)) {
        es_dos_stage row = {sweeps, w->ln_f, w->flatness, now, index};
        if (window_add_stage(w, row, err) != ES_OK)
            return 0;
        w->ln_f *= 0.5;
        if (p->method != ES_WL_FLAT && w->ln_f < one_over_t) {
            w->phase = 2;
            w->ln_f = one_over_t;
        }
        memset(w->hist, 0, (size_t)w->nbins * sizeof(uint64_t));
        w->last_stage_seconds = now - w->stage_t0;
        w->stage_t0 = now;
        w->stage_start = sweeps;
        changed = 1;
    }
    w->ln_f_last = w->ln_f;
    if (w->ln_f <= p->ln_f_final) {
        es_dos_stage row = {sweeps, w->ln_f, w->flatness, now, index};
        window_add_stage(w, row, err);
        w->converged = 1;
        w->ln_f = 0; /* frozen from now on */
    }
    return changed;
}
