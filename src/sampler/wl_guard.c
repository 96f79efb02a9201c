/* wl_guard.c: guards of a run. A restored state is checked before it is used: every value
 * read from a checkpoint within the range the sampler can have produced (a hand-edited or
 * corrupted file must be refused, not crash the walkers or yield a NaN landscape with exit 0).
 * A stop flag lets a signal end the start (walking into the grid, burn-in) early. */
#include "wl_impl.h"

#include <gsl/gsl_rng.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* GSL's mt19937 state (gsl/rng/mt.c, GSL 2.x): the array and the index into it. */
typedef struct mt_state {
    unsigned long mt[624];
    int mti;
} mt_state;

/* ES_OK when r holds a state mt19937 can have (index in [0, 624], 32-bit words). */
static es_status check_rng(const gsl_rng *r, const char *what, es_err *err)
{
    if (strcmp(gsl_rng_name(r), "mt19937") != 0 || gsl_rng_size(r) != sizeof(mt_state))
        return ES_OK; /* another generator: nothing known to check */
    const mt_state *s = gsl_rng_state(r);
    if (s->mti < 0 || s->mti > 624)
        return es_err_set(err, ES_EDATA, "%s: random-stream index %d outside [0, 624]", what,
                          s->mti);
    for (int i = 0; i < 624; i++)
        if (s->mt[i] > 0xffffffffUL)
            return es_err_set(err, ES_EDATA, "%s: random-stream word %d = %lu is not 32-bit",
                              what, i, s->mt[i]);
    return ES_OK;
}

/* One window's shared state: schedule values and ln g. */
static es_status check_window(const es_wl *wl, int k, es_err *err)
{
    const es_window *w = &wl->win[k];
    if (w->phase != 1 && w->phase != 2)
        return es_err_set(err, ES_EDATA, "window %d: phase = %d; allowed: 1 (ln f halving) or "
                          "2 (1/t)", k, w->phase);
    if (w->converged != 0 && w->converged != 1)
        return es_err_set(err, ES_EDATA, "window %d: converged = %d; allowed: 0 or 1", k,
                          w->converged);
    const double top = wl->p.ln_f_initial;
    if (!isfinite(w->ln_f) || w->ln_f < 0 || w->ln_f > top || (w->ln_f == 0 && !w->converged))
        return es_err_set(err, ES_EDATA, "window %d: ln f = %g; allowed: in (0, %g] (0 once "
                          "converged)", k, w->ln_f, top);
    if (!isfinite(w->ln_f_last) || w->ln_f_last < 0 || w->ln_f_last > top)
        return es_err_set(err, ES_EDATA, "window %d: last ln f = %g; allowed: in [0, %g]", k,
                          w->ln_f_last, top);
    if (!(w->flatness >= 0 && w->flatness <= 1))
        return es_err_set(err, ES_EDATA, "window %d: flatness = %g; allowed: in [0, 1]", k,
                          w->flatness);
    if (w->stage_start > wl->sweeps || w->last_found > wl->sweeps)
        return es_err_set(err, ES_EDATA, "window %d: stage start %llu or last new bin %llu lies "
                          "after the run's %llu sweeps", k, (unsigned long long)w->stage_start,
                          (unsigned long long)w->last_found, (unsigned long long)wl->sweeps);
    long reached = 0;
    for (long b = 0; b < wl->nbins; b++) {
        if (w->reached[b] > 1)
            return es_err_set(err, ES_EDATA, "window %d, bin %ld: reached = %d; allowed: 0 or 1",
                              k, b, w->reached[b]);
        reached += w->reached[b];
        if (isnan(w->ln_g[b]) || (w->reached[b] && !isfinite(w->ln_g[b])))
            return es_err_set(err, ES_EDATA, "window %d, bin %ld: ln g = %g; allowed: finite "
                              "where reached, never NaN", k, b, w->ln_g[b]);
        if (w->reached[b] && !es_span_has(&wl->g, &w->span, b))
            return es_err_set(err, ES_EDATA, "window %d, bin %ld: reached, but outside the "
                              "window's bins [%ld, %ld)", k, b, w->span.lo, w->span.hi);
    }
    if (reached != w->n_reached)
        return es_err_set(err, ES_EDATA, "window %d: %ld bins counted as reached, %ld marked", k,
                          w->n_reached, reached);
    for (size_t i = 0; i < w->n_stages; i++)
        if (!isfinite(w->stages[i].ln_f) || w->stages[i].ln_f < 0)
            return es_err_set(err, ES_EDATA, "window %d, stage %zu: ln f = %g; allowed: finite, "
                              ">= 0", k, i, w->stages[i].ln_f);
    return ES_OK;
}

/* One local walker of window k: its bin, position, counters, random stream and step. Before
 * the start has ended (pending) a walker may still be outside the grid (bin -1). */
static es_status check_walker(const es_wl *wl, int k, int j, int pending, es_err *err)
{
    const es_window *w = &wl->win[k];
    const es_walker *wk = w->walkers[j];
    char what[64];
    snprintf(what, sizeof what, "window %d, walker %d", k, j);
    if (pending && wk->bin == -1)
        ; /* not in the grid yet */
    else if (wk->bin < 0 || wk->bin >= wl->nbins || !es_span_has(&wl->g, &w->span, wk->bin))
        return es_err_set(err, ES_EDATA, "%s: bin %ld; allowed: the window's bins (grid of %ld "
                          "bins, window [%ld, %ld) along %s)", what, wk->bin, wl->nbins,
                          w->span.lo, w->span.hi, w->span.axis ? "y" : "x");
    if (!isfinite(wk->x) || !isfinite(wk->y))
        return es_err_set(err, ES_EDATA, "%s: position x = %g, y = %g; allowed: finite", what,
                          wk->x, wk->y);
    long at = es_grid_bin_in(&wl->g, &w->span, wk->x, wk->y);
    if (at >= 0 && at != wk->bin && !pending)
        return es_err_set(err, ES_EDATA, "%s: bin %ld, but its position (x = %g, y = %g) lies "
                          "in bin %ld", what, wk->bin, wk->x, wk->y, at);
    if (wk->accepted > wk->tried)
        return es_err_set(err, ES_EDATA, "%s: %llu moves accepted of %llu tried", what,
                          (unsigned long long)wk->accepted, (unsigned long long)wk->tried);
    if (wk->replica < 0 || wk->replica >= (int64_t)wl->nwin * wl->p.walkers)
        return es_err_set(err, ES_EDATA, "%s: replica %lld; allowed: [0, %lld)", what,
                          (long long)wk->replica, (long long)wl->nwin * wl->p.walkers);
    if (wk->last_end < -1 || wk->last_end > 1)
        return es_err_set(err, ES_EDATA, "%s: last end %lld; allowed: -1, 0 or 1", what,
                          (long long)wk->last_end);
    if (!isfinite(wk->max_drift) || wk->max_drift < 0)
        return es_err_set(err, ES_EDATA, "%s: drift %g; allowed: finite, >= 0", what,
                          wk->max_drift);
    if (wk->md && !(isfinite(wk->md->dt) && wk->md->dt > 0))
        return es_err_set(err, ES_EDATA, "%s: time step %g; allowed: finite, > 0", what,
                          wk->md->dt);
    return check_rng(wk->rng, what, err);
}

es_status es_wl_check_state(es_wl *wl, const es_records *rs, es_err *err)
{
    /* a checkpoint written when a signal came before sampling began: start again from it */
    const es_record *pending = es_records_get(rs, "start_pending");
    if (pending)
        wl->started = 0;
    es_status st = ES_OK;
    if (wl->stages < 0)
        st = es_err_set(err, ES_EDATA, "run: %d stages; allowed: >= 0", wl->stages);
    else if (!(isfinite(wl->seconds_before) && wl->seconds_before >= 0) ||
             !(isfinite(wl->max_drift) && wl->max_drift >= 0))
        st = es_err_set(err, ES_EDATA, "run: seconds %g, drift %g; allowed: finite, >= 0",
                        wl->seconds_before, wl->max_drift);
    for (int k = 0; st == ES_OK && k < wl->nwin; k++)
        if (wl->ex_accepted[k] > wl->ex_tried[k])
            st = es_err_set(err, ES_EDATA, "exchanges of windows %d and %d: %llu accepted of "
                            "%llu tried", k, k + 1, (unsigned long long)wl->ex_accepted[k],
                            (unsigned long long)wl->ex_tried[k]);
    if (st == ES_OK)
        st = check_rng(wl->ex_rng, "exchanges", err);
    for (int k = 0; st == ES_OK && k < wl->nwin; k++) {
        st = check_window(wl, k, err);
        for (int j = 0; st == ES_OK && es_wl_local(wl, k) && j < wl->win[k].n_walkers; j++)
            st = check_walker(wl, k, j, pending != NULL, err);
    }
    return st;
}

void es_wl_set_stop(es_wl *wl, volatile sig_atomic_t *stop)
{
    for (int i = 0; i < wl->n_all; i++)
        wl->all[i]->stop = stop;
}
