/* window.c: a Wang-Landau window: meetings of its walkers and its ln f schedule. */
#include "window.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

es_status es_window_init(es_window *w, es_span span, long nbins, const long *ubin, long nuser,
                         long rx, int n_walkers, es_err *err)
{
    memset(w, 0, sizeof *w);
    w->rx = rx;
    w->span = span;
    w->nbins = nbins;
    w->ubin = ubin;
    w->nuser = nuser;
    w->ureached = es_calloc((size_t)nuser, 1, "reached user bins", err);
    w->uhist = es_calloc((size_t)nuser, sizeof(uint64_t), "user-bin histogram", err);
    if (!w->ureached || !w->uhist)
        return ES_ENOMEM;
    w->phase = 1;
    w->n_walkers = n_walkers;
    w->ln_g = es_calloc((size_t)nbins, sizeof(double), "ln g", err);
    w->hist = es_calloc((size_t)nbins, sizeof(uint64_t), "histogram", err);
    w->reached = es_calloc((size_t)nbins, 1, "reached bins", err);
    w->edge = es_calloc((size_t)nbins, 1, "edge flags", err);
    w->walkers = es_calloc((size_t)n_walkers, sizeof(es_walker *), "walkers", err);
    w->bins = es_calloc((size_t)n_walkers, sizeof(long), "walker bins", err);
    if (!w->ln_g || !w->hist || !w->reached || !w->edge || !w->walkers || !w->bins)
        return ES_ENOMEM;
    for (long b = 0; b < nbins; b++)
        w->ln_g[b] = -INFINITY;
    return ES_OK;
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
    free(w->edge);
    free(w->ureached);
    free(w->uhist);
    free(w->stages);
    memset(w, 0, sizeof *w);
}

double es_window_flatness(const es_window *w)
{
    memset(w->uhist, 0, (size_t)w->nuser * sizeof(uint64_t));
    for (long b = 0; b < w->nbins; b++)
        if (w->reached[b])
            w->uhist[w->ubin[b]] += w->hist[b];
    uint64_t lo = UINT64_MAX;
    double sum = 0;
    long n = 0;
    for (long u = 0; u < w->nuser; u++)
        if (w->ureached[u]) {
            if (w->uhist[u] < lo)
                lo = w->uhist[u];
            sum += (double)w->uhist[u];
            n++;
        }
    if (n == 0 || sum == 0)
        return 0.0;
    return (double)lo / (sum / (double)n);
}

double es_window_lowest(const es_window *w)
{
    double lowest = INFINITY;
    for (long b = 0; b < w->nbins; b++)
        if (w->reached[b] && w->ln_g[b] < lowest)
            lowest = w->ln_g[b];
    return isfinite(lowest) ? lowest : -INFINITY;
}

long es_window_meet(es_window *w, const es_grid *g, uint64_t sweeps)
{
    const int nw = w->n_walkers;
    double delta[nw], dbar = 0;
    /* each walker's mean increment over the bins the window had reached */
    for (int k = 0; k < nw; k++) {
        double s = 0;
        for (long b = 0; b < w->nbins; b++)
            if (w->reached[b])
                s += w->walkers[k]->ln_g[b] - w->ln_g[b];
        delta[k] = w->n_reached ? s / (double)w->n_reached : 0.0;
        dbar += delta[k] / nw;
    }
    long found = 0;
    for (long b = 0; b < w->nbins; b++) {
        uint64_t h = 0;
        for (int k = 0; k < nw; k++)
            h += w->walkers[k]->hist[b];
        w->hist[b] += h;
        if (w->reached[b]) {
            double sum = 0;
            for (int k = 0; k < nw; k++)
                sum += w->walkers[k]->ln_g[b];
            w->ln_g[b] = sum / nw;
        } else if (h > 0 && es_span_has(g, &w->span, b)) {
            double sum = 0;
            int cnt = 0;
            for (int k = 0; k < nw; k++)
                if (isfinite(w->walkers[k]->ln_g[b])) {
                    sum += w->walkers[k]->ln_g[b] - delta[k];
                    cnt++;
                }
            w->ln_g[b] = sum / cnt + dbar;
            w->reached[b] = 1;
            w->n_reached++;
            if (!w->ureached[w->ubin[b]]) {
                w->ureached[w->ubin[b]] = 1;
                found++;
            }
        }
    }
    if (found)
        w->last_found = sweeps;
    return found;
}

void es_window_edges(es_window *w, const es_grid *g)
{
    /* user-grid coordinates: a round trip goes between the grid's bins, not the sub-bins
     * (the extreme sub-bins of a tail hold almost nothing and are rarely visited) */
    const long uy = w->nuser / (g->x_bins / w->rx);
    long lo[2] = {LONG_MAX, LONG_MAX}, hi[2] = {-1, -1};
    for (long b = 0; b < w->nbins; b++)
        if (w->reached[b]) {
            long i[2] = {w->ubin[b] / uy, w->ubin[b] % uy};
            for (int a = 0; a < 2; a++) {
                if (i[a] < lo[a])
                    lo[a] = i[a];
                if (i[a] > hi[a])
                    hi[a] = i[a];
            }
        }
    for (long b = 0; b < w->nbins; b++) {
        unsigned e = 0;
        if (w->reached[b]) {
            long i[2] = {w->ubin[b] / uy, w->ubin[b] % uy};
            for (int a = 0; a < 2; a++)
                if (hi[a] > lo[a])
                    e |= (i[a] == lo[a] ? 1u : 0u) << (2 * a) | (i[a] == hi[a] ? 2u : 0u) << (2 * a);
        }
        w->edge[b] = (unsigned char)e;
    }
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
                       double now, int index, long found, es_err *err)
{
    w->flatness = es_window_flatness(w);
    double one_over_t = (double)w->n_reached / ((double)sweeps * (double)n_dof);
    int changed = 0;
    /* A stage may end only if no new bin turned up during its second half. */
    int settled = sweeps - w->last_found >= (sweeps - w->stage_start) / 2;
    int final_stage = w->converged || (p->method == ES_WL_FLAT ? w->ln_f <= 2.0 * p->ln_f_final
                                                               : w->phase == 2);
    if (found > 0 && (final_stage || w->ln_f < ES_WL_REOPEN_LN_F)) {
        /* A bin first found now starts from its neighbour's ln g, often nats off, which a
         * small ln f could not correct: back to stages, at least at the ln f where the final
         * stage began and at least ES_WL_REOPEN_LN_F. */
        es_dos_stage row = {sweeps, w->ln_f, w->flatness, now, index};
        if (window_add_stage(w, row, err) != ES_OK)
            return 0;
        double f = w->ln_f_switch > w->ln_f ? w->ln_f_switch : w->ln_f;
        if (f < ES_WL_REOPEN_LN_F)
            f = ES_WL_REOPEN_LN_F < p->ln_f_initial ? ES_WL_REOPEN_LN_F : p->ln_f_initial;
        w->ln_f = f;
        w->phase = 1;
        w->converged = 0;
        w->reopened++;
        memset(w->hist, 0, (size_t)w->nbins * sizeof(uint64_t));
        w->stage_start = sweeps;
        w->stage_t0 = now;
        changed = 1;
    } else if (w->phase == 2) {
        w->ln_f = one_over_t;
    } else if (settled && (p->method == ES_WL_FLAT ? w->flatness >= p->flatness : w->flatness > 0)) {
        es_dos_stage row = {sweeps, w->ln_f, w->flatness, now, index};
        if (window_add_stage(w, row, err) != ES_OK)
            return 0;
        w->ln_f *= 0.5;
        if (p->method != ES_WL_FLAT && w->ln_f < one_over_t) {
            w->phase = 2;
            w->ln_f = w->ln_f_switch = one_over_t;
        }
        memset(w->hist, 0, (size_t)w->nbins * sizeof(uint64_t));
        w->last_stage_seconds = now - w->stage_t0;
        w->stage_t0 = now;
        w->stage_start = sweeps;
        changed = 1;
    }
    w->ln_f_last = w->ln_f;
    if (!w->converged && w->ln_f <= p->ln_f_final) {
        es_dos_stage row = {sweeps, w->ln_f, w->flatness, now, index};
        window_add_stage(w, row, err);
        w->converged = 1; /* sampling and updates go on until the run's criteria all hold */
    }
    return changed;
}
