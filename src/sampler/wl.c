/* wl.c: the Wang-Landau driver: windows and their walkers, segments and meetings, replica
 * exchange between neighbouring windows, the final stitched result. */
#include "entroscape/wl.h"
#include "entroscape/comm.h"
#include "entroscape/rng.h"
#include "stitch.h"
#include "walker.h"
#include "window.h"
#include "wl_impl.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* ---------------------------------------------------------------- layout */

/* Equal windows along an axis of n bins with the given overlap, as bin spans. */
static es_status equal_spans(int axis, long n, int k, double overlap, es_span *out, es_err *err)
{
    double width = (double)n / ((double)(k - 1) * (1.0 - overlap) + 1.0);
    for (int i = 0; i < k; i++) {
        double start = (double)i * width * (1.0 - overlap);
        out[i].axis = axis;
        out[i].lo = i == 0 ? 0 : (long)floor(start + 0.5);
        out[i].hi = i == k - 1 ? n : (long)floor(start + width + 0.5);
        if (out[i].hi <= out[i].lo || (i > 0 && out[i].lo >= out[i - 1].hi) ||
            (i > 0 && out[i].lo <= out[i - 1].lo))
            return es_err_set(err, ES_ECONFIG, "%d windows with overlap %g do not fit in %ld bins "
                              "along %s: each window needs bins of its own and at least one "
                              "shared with its neighbour", k, overlap, n, axis ? "y" : "x");
    }
    return ES_OK;
}

es_status es_wl_params_from_config(es_wl_params *p, const es_config *cfg, const es_grid *g,
                                   es_err *err)
{
    memset(p, 0, sizeof *p);
    if (strcmp(cfg->sampler_method, "wl") == 0)
        p->method = ES_WL_FLAT;
    else if (strcmp(cfg->sampler_method, "1/t") == 0)
        p->method = ES_WL_1T;
    else if (strcmp(cfg->sampler_method, "wlmd") == 0)
        p->method = ES_WL_MD;
    else
        return es_err_set(err, ES_ECONFIG, "[sampler] method = %s; allowed: wl|1/t|wlmd",
                          cfg->sampler_method);
    p->dt = cfg->sampler_dt;
    p->kernel = cfg->sampler_kernel;
    p->mala = (int)cfg->sampler_mala;
    p->flatness = cfg->sampler_flatness;
    p->check_every = cfg->sampler_check_every;
    p->ln_f_initial = 1.0;
    p->ln_f_final = cfg->sampler_ln_f_final;
    p->max_sweeps = (uint64_t)cfg->sampler_max_sweeps;
    p->max_seconds = cfg->sampler_max_seconds;
    p->groups = (int)cfg->sampler_groups;
    p->walkers = (int)((cfg->sampler_walkers + p->groups - 1) / p->groups);
    p->refine[0] = p->refine[1] = (int)cfg->sampler_refine;
    p->round_trips = (uint64_t)cfg->sampler_round_trips;
    p->tolerance = cfg->sampler_tolerance;
    p->tolerance_mass = cfg->sampler_tolerance_mass;
    p->seed = (uint64_t)cfg->sampler_seed;
    p->approach_sweeps = 100000;
    p->windows = (int)cfg->sampler_windows;
    p->window_axis = strcmp(cfg->sampler_window_axis, "y") == 0;
    p->overlap = cfg->sampler_overlap;
    p->exchange_every = cfg->sampler_exchange_every;
    p->burn_in = cfg->sampler_burn_in;
    p->target_acceptance = cfg->sampler_target_acceptance;
    if (p->window_axis == 1 && g->dims != 2)
        return es_err_set(err, ES_ECONFIG, "[sampler] window_axis = y needs a 2-D model (y is "
                          "not used here)");
    if (!cfg->sampler_window_edges[0])
        return ES_OK;
    /* "a:b, c:d, ...": windows in the axis' units, widened outward to whole bins. */
    const char *s = cfg->sampler_window_edges;
    double lo0 = p->window_axis ? g->y_min : g->x_min;
    double scale = p->window_axis ? g->y_scale : g->x_scale;
    long nb = p->window_axis ? g->y_bins : g->x_bins;
    while (*s) {
        char *end;
        double a = strtod(s, &end);
        if (end == s || *end != ':')
            goto bad;
        s = end + 1;
        double b = strtod(s, &end);
        if (end == s)
            goto bad;
        s = end;
        while (*s == ' ')
            s++;
        if (*s == ',')
            s++;
        while (*s == ' ')
            s++;
        if (p->n_spans == ES_WL_MAX_SPANS)
            return es_err_set(err, ES_ECONFIG, "[sampler] window_edges: at most %d windows",
                              ES_WL_MAX_SPANS);
        es_span *sp = &p->spans[p->n_spans++];
        sp->axis = p->window_axis;
        sp->lo = (long)floor((a - lo0) * scale + 1e-9);
        sp->hi = (long)ceil((b - lo0) * scale - 1e-9);
        if (sp->lo < 0)
            sp->lo = 0;
        if (sp->hi > nb)
            sp->hi = nb;
        if (!(a < b) || sp->hi <= sp->lo)
            return es_err_set(err, ES_ECONFIG, "[sampler] window_edges = %s: window %g:%g is "
                              "empty on the grid", cfg->sampler_window_edges, a, b);
        int k = p->n_spans - 1;
        if (k > 0 && (sp->lo <= p->spans[k - 1].lo || sp->lo >= p->spans[k - 1].hi ||
                      sp->hi <= p->spans[k - 1].hi))
            return es_err_set(err, ES_ECONFIG, "[sampler] window_edges = %s: window %d must start "
                              "inside window %d and end after it", cfg->sampler_window_edges,
                              k, k - 1);
    }
    if (p->spans[0].lo != 0 || p->spans[p->n_spans - 1].hi != nb)
        return es_err_set(err, ES_ECONFIG, "[sampler] window_edges = %s: the windows must cover "
                          "the whole %s range of the grid", cfg->sampler_window_edges,
                          p->window_axis ? "y" : "x");
    p->windows = p->n_spans;
    return ES_OK;
bad:
    return es_err_set(err, ES_ECONFIG, "[sampler] window_edges = %s: expected windows as "
                      "lo:hi pairs separated by commas, e.g. 0:0.4, 0.3:0.7, 0.6:1",
                      cfg->sampler_window_edges);
}

/* ---------------------------------------------------------------- lifecycle */

const char *es_wl_method_name(es_wl_method m)
{
    return m == ES_WL_MD ? "wlmd" : m == ES_WL_1T ? "1/t" : "wl";
}

void es_wl_free(es_wl *wl)
{
    if (!wl)
        return;
    for (int k = 0; wl->win && k < wl->nwin; k++)
        es_window_free_arrays(&wl->win[k]);
    free(wl->win);
    free(wl->ubin);
    free(wl->all);
    free(wl->owner);
    free(wl->ex_tried);
    free(wl->ex_accepted);
    if (wl->ex_rng)
        gsl_rng_free(wl->ex_rng);
    free(wl);
}

es_wl *es_wl_alloc(const es_wl_params *p, const es_grid *g, const es_model *model, es_err *err)
{
    long n_dof = (long)model->ops->n_dof(model->ctx);
    const int md = p->method == ES_WL_MD;
    if (md && (!model->ops->gradient || !model->ops->params)) {
        es_err_set(err, ES_ECONFIG, "[sampler] method = wlmd needs differentiable macro-variables; "
                   "model %s has none (wlmd works with particles and continuous networks)",
                   model->ops->name);
        return NULL;
    }
    const int groups = p->groups > 0 ? p->groups : ES_WL_GROUPS;
    if (p->walkers < 1 || p->windows < 1 || groups < 1 ||
        (long)p->windows * groups > ES_WL_MAX_WINDOWS || !(p->ln_f_final > 0) ||
        !(p->ln_f_initial > p->ln_f_final) || n_dof < 1) {
        es_err_set(err, ES_ECONFIG, "Wang-Landau: need walkers >= 1, groups >= 1, 1 <= windows "
                   "x groups <= %d and 0 < ln_f_final < ln_f_initial", ES_WL_MAX_WINDOWS);
        return NULL;
    }
    es_wl *wl = es_calloc(1, sizeof *wl, "Wang-Landau run", err);
    if (!wl)
        return NULL;
    wl->p = *p;
    wl->p.groups = groups;
    if (!(wl->p.tolerance > 0))
        wl->p.tolerance = ES_WL_TOLERANCE;
    wl->gu = *g;
    for (int a = 0; a < 2; a++) { /* sub-bins (auto: see ES_WL_REFINE_*) */
        long bins = a ? g->y_bins : g->x_bins;
        int cont = (model->continuous >> a) & 1u && (a == 0 || g->dims == 2);
        long r = p->refine[a];
        if (r <= 0) {
            long lo = g->dims == 2 ? ES_WL_REFINE_MIN_2D : ES_WL_REFINE_MIN_1D;
            long total = g->dims == 2 ? ES_WL_REFINE_TOTAL_2D : ES_WL_REFINE_TOTAL;
            r = (total + bins - 1) / bins;
            r = r < lo ? lo : r > ES_WL_REFINE_MAX ? ES_WL_REFINE_MAX : r;
        }
        wl->p.refine[a] = cont ? (int)r : 1;
    }
    if (es_grid_init(&wl->g, g->dims, g->x_bins * wl->p.refine[0], g->x_min, g->x_max,
                     g->y_bins * wl->p.refine[1], g->y_min, g->y_max, err) != ES_OK) {
        free(wl);
        return NULL;
    }
    wl->proto = model;
    wl->nbins = es_grid_nbins(&wl->g);
    if (!(wl->ubin = es_calloc((size_t)wl->nbins, sizeof(long), "user bins", err))) {
        free(wl);
        return NULL;
    }
    for (long b = 0; b < wl->nbins; b++)
        wl->ubin[b] = es_wl_user_bin(wl, b);
    /* Meetings cost a thread barrier: keep segments at >= ~1e5 moves unless told otherwise. */
    wl->check_every = p->check_every > 0 ? p->check_every : (ES_WL_AUTO_MOVES + n_dof - 1) / n_dof;
    if (md) { /* a Langevin step moves every parameter: it is one move, and one sweep */
        long auto_steps = ES_WL_AUTO_MD_UPDATES / n_dof;
        auto_steps = auto_steps < 20 ? 20 : auto_steps > ES_WL_AUTO_MOVES ? ES_WL_AUTO_MOVES
                                                                           : auto_steps;
        wl->check_every = p->check_every > 0 ? p->check_every : auto_steps;
        n_dof = 1;
    }
    wl->n_dof = n_dof;
    wl->exchange_every = p->exchange_every > 0 ? p->exchange_every : wl->check_every;
    wl->nspan = p->windows;
    wl->ngroups = groups;
    wl->nwin = p->windows * groups;
    wl->max_err = NAN;

    es_span spans[ES_WL_MAX_WINDOWS];
    es_status st = ES_OK;
    if (p->n_spans > 0)
        memcpy(spans, p->spans, (size_t)p->n_spans * sizeof *spans);
    else if (wl->nspan == 1)
        spans[0] = (es_span){p->window_axis, 0, p->window_axis ? g->y_bins : g->x_bins};
    else
        st = equal_spans(p->window_axis, p->window_axis ? g->y_bins : g->x_bins, wl->nspan,
                         p->overlap, spans, err);
    /* Windows are spread over MPI ranks in contiguous blocks; walkers live with their window. */
    wl->rank = es_comm_rank();
    wl->size = es_comm_size();
    if (st == ES_OK && wl->size > wl->nwin)
        st = es_err_set(err, ES_ECONFIG, "%d MPI ranks but %d window%s: use at most as many ranks "
                        "as sampler.windows", wl->size, wl->nwin, wl->nwin == 1 ? "" : "s");
    wl->win_lo = (int)((long)wl->rank * wl->nwin / wl->size);
    wl->win_hi = (int)((long)(wl->rank + 1) * wl->nwin / wl->size);
    wl->owner = st == ES_OK ? es_calloc((size_t)wl->nwin, sizeof(int), "window owners", err) : NULL;
    for (int r = 0; wl->owner && r < wl->size; r++)
        for (int k = (int)((long)r * wl->nwin / wl->size); k < (int)((long)(r + 1) * wl->nwin / wl->size); k++)
            wl->owner[k] = r;
    wl->n_all = (wl->win_hi - wl->win_lo) * p->walkers;
    wl->win = wl->owner ? es_calloc((size_t)wl->nwin, sizeof *wl->win, "windows", err) : NULL;
    wl->all = wl->win ? es_calloc((size_t)wl->n_all, sizeof *wl->all, "walkers", err) : NULL;
    wl->ex_tried = es_calloc((size_t)wl->nwin, sizeof(uint64_t), "exchange counts", err);
    wl->ex_accepted = es_calloc((size_t)wl->nwin, sizeof(uint64_t), "exchange counts", err);
    wl->ex_rng = es_rng_alloc(p->seed, ES_WL_EXCHANGE_STREAM, err);
    if (!wl->all || !wl->ex_tried || !wl->ex_accepted || !wl->ex_rng) {
        es_wl_free(wl);
        return NULL;
    }
    for (int k = 0; k < wl->nwin; k++) {
        es_window *w = &wl->win[k];
        es_span sp = spans[k % wl->nspan];
        sp.lo *= wl->p.refine[sp.axis];
        sp.hi *= wl->p.refine[sp.axis];
        if (es_window_init(w, sp, wl->nbins, wl->ubin, es_grid_nbins(&wl->gu), wl->p.refine[0],
                           p->walkers, err) != ES_OK) {
            es_wl_free(wl);
            return NULL;
        }
        w->group = k / wl->nspan;
        w->ln_f = w->ln_f_last = p->ln_f_initial;
        for (int j = 0; j < p->walkers && es_wl_local(wl, k); j++) {
            uint64_t idx = (uint64_t)k * (uint64_t)p->walkers + (uint64_t)j;
            es_walker *wk = es_walker_alloc(model, wl->nbins, p->seed, idx, err);
            if (!wk) {
                es_wl_free(wl);
                return NULL;
            }
            wk->replica = (int64_t)idx;
            wk->last_end = -1;
            if (md) {
                double b, dt = p->dt;
                size_t n = model->ops->n_dof(model->ctx);
                model->ops->params(wk->model->ctx, &b);
                if (!(dt > 0))
                    dt = 0.5 * (0.01 * b) * (0.01 * b);
                if (!(wk->md = es_md_alloc(n, dt, p->kernel, p->mala, err))) {
                    es_walker_free(wk);
                    es_wl_free(wl);
                    return NULL;
                }
            }
            w->walkers[j] = wk;
            wl->all[(k - wl->win_lo) * p->walkers + j] = wk;
        }
    }
    wl->nthreads = 1;
#ifdef _OPENMP
    /* No more threads than walkers: idle OpenMP threads spin at barriers and steal cores. */
    wl->nthreads = omp_get_max_threads() < wl->n_all ? omp_get_max_threads() : wl->n_all;
#endif
    wl->t0 = es_seconds();
    return wl;
}

/* Window of walker number i in wl->all. */
static inline es_window *win_of(es_wl *wl, int i)
{
    return &wl->win[wl->win_lo + i / wl->p.walkers];
}

/* After meetings: every rank learns every window's shared state (ln g, reached bins,
 * schedule, walker bins), broadcast by the window's owner. */
static es_status sync_windows(es_wl *wl, es_err *err)
{
    for (int k = wl->win_lo; k < wl->win_hi; k++)
        for (int j = 0; j < wl->p.walkers; j++)
            wl->win[k].bins[j] = wl->win[k].walkers[j]->bin;
    if (wl->size == 1)
        return ES_OK;
    const size_t nb = (size_t)wl->nbins, W = (size_t)wl->p.walkers, head = 10;
    double *buf = malloc((head + 2 * nb + W) * sizeof(double));
    if (!buf)
        return es_err_set(err, ES_ENOMEM, "out of memory synchronising windows");
    for (int k = 0; k < wl->nwin; k++) {
        es_window *w = &wl->win[k];
        if (es_wl_local(wl, k)) {
            double h[10] = {(double)w->n_reached, w->converged, w->ln_f, w->ln_f_last, w->flatness,
                            w->phase, w->changed, (double)w->n_stages, w->ln_f_switch,
                            (double)w->reopened};
            memcpy(buf, h, sizeof h);
            memcpy(buf + head, w->ln_g, nb * sizeof(double));
            for (size_t b = 0; b < nb; b++)
                buf[head + nb + b] = w->reached[b];
            for (size_t j = 0; j < W; j++)
                buf[head + 2 * nb + j] = (double)w->bins[j];
        }
        es_comm_bcast(buf, (head + 2 * nb + W) * sizeof(double), wl->owner[k]);
        if (!es_wl_local(wl, k)) {
            w->n_reached = (long)buf[0];
            w->converged = (int)buf[1];
            w->ln_f = buf[2];
            w->ln_f_last = buf[3];
            w->flatness = buf[4];
            w->phase = (int)buf[5];
            w->changed = (int)buf[6];
            w->ln_f_switch = buf[8];
            w->reopened = (uint64_t)buf[9];
            memcpy(w->ln_g, buf + head, nb * sizeof(double));
            for (size_t b = 0; b < nb; b++)
                w->reached[b] = buf[head + nb + b] != 0;
            for (size_t j = 0; j < W; j++)
                w->bins[j] = (long)buf[head + 2 * nb + j];
        }
    }
    free(buf);
    return ES_OK;
}

/* Replicas that went from the lowest window of their group to the highest and back. */
static void track_round_trips(es_wl *wl)
{
    if (wl->nspan < 2)
        return;
    for (int gr = 0; gr < wl->ngroups; gr++) {
        int k0 = gr * wl->nspan, k1 = k0 + wl->nspan - 1;
        es_window *lo = &wl->win[k0], *hi = &wl->win[k1];
        for (int j = 0; es_wl_local(wl, k0) && j < lo->n_walkers; j++) {
            if (lo->walkers[j]->last_end == 1)
                wl->round_trips++; /* counted on the lowest window's rank only */
            lo->walkers[j]->last_end = 0;
        }
        for (int j = 0; es_wl_local(wl, k1) && j < hi->n_walkers; j++)
            if (hi->walkers[j]->last_end == 0)
                hi->walkers[j]->last_end = 1;
    }
}

es_status es_wl_start(es_wl *wl, es_err *err)
{
    if (wl->started)
        return ES_OK;
    es_err *werr = es_calloc((size_t)wl->n_all, sizeof *werr, "walker errors", err);
    if (!werr)
        return ES_ENOMEM;
    uint64_t max_moves = (uint64_t)wl->p.approach_sweeps * (uint64_t)wl->n_dof;
#pragma omp parallel for schedule(static, 1) num_threads(wl->nthreads)
    for (int i = 0; i < wl->n_all; i++) {
        es_walker *wk = wl->all[i];
        const es_span *span = &win_of(wl, i)->span;
        if (wk->md) {
            if (es_walker_approach_md(wk, &wl->g, span, (uint64_t)wl->p.approach_sweeps,
                                      &werr[i]) != ES_OK)
                continue;
            if (wl->p.burn_in > 0) { /* tune dt in 20 rounds without accumulating, then freeze */
                uint64_t round = ((uint64_t)wl->p.burn_in + 19) / 20;
                for (int k = 0; k < 20; k++) {
                    /* 8 steps at a time (each call re-evaluates the gradient once) */
                    for (uint64_t s = 0; s < round && !es_walker_stopped(wk, &werr[i]); s += 8)
                        es_walker_run_md(wk, &wl->g, span, round - s < 8 ? round - s : 8, 0.0,
                                         0, 0, NULL);
                    if (werr[i].status != ES_OK)
                        break;
                    es_walker_md_adapt(wk, wl->p.target_acceptance);
                }
                if (werr[i].status != ES_OK)
                    continue;
                es_walker_refresh(wk, &wl->g, span);
                wk->accepted = wk->tried = 0;
            }
            continue;
        }
        if (es_walker_approach(wk, &wl->g, span, max_moves, &werr[i]) != ES_OK)
            continue;
        /* Burn-in: tune the model's step sizes in 20 rounds of plain moves inside the window
         * (ln f = 0: nothing is accumulated), then freeze them. */
        if (wl->p.burn_in > 0 && wk->model->ops->adapt) {
            uint64_t round = ((uint64_t)wl->p.burn_in + 19) / 20;
            for (int k = 0; k < 20; k++) {
                /* a sweep at a time, so that a signal is seen within one sweep */
                for (uint64_t s = 0; s < round && !es_walker_stopped(wk, &werr[i]); s++)
                    es_walker_run(wk, &wl->g, span, 1, 0.0, 0, 0, NULL);
                if (werr[i].status != ES_OK)
                    break;
                wk->model->ops->adapt(wk->model->ctx, wl->p.target_acceptance);
            }
            if (werr[i].status != ES_OK)
                continue;
            es_walker_refresh(wk, &wl->g, span);
            wk->accepted = wk->tried = 0;
        }
    }
    es_status st = ES_OK;
    for (int i = 0; i < wl->n_all && st == ES_OK; i++)
        if (werr[i].status != ES_OK)
            st = es_err_set(err, werr[i].status, "window %d, walker %d: %s",
                            wl->win_lo + i / wl->p.walkers, i % wl->p.walkers, werr[i].msg);
    free(werr);
    if (es_comm_max_long(st != ES_OK) && st == ES_OK)
        st = es_err_set(err, ES_ERUNTIME, "a walker on another MPI rank could not start");
    if (st == ES_OK)
        st = sync_windows(wl, err);
    if (st == ES_OK) {
        wl->started = 1;
        track_round_trips(wl);
    }
    return st;
}

/* ---------------------------------------------------------------- exchange */

static void swap_walkers(es_walker *a, es_walker *b)
{
    es_model *m = a->model;
    a->model = b->model;
    b->model = m;
    void *u = a->undo;
    a->undo = b->undo;
    b->undo = u;
    double t = a->x;
    a->x = b->x;
    b->x = t;
    t = a->y;
    a->y = b->y;
    b->y = t;
    long bin = a->bin;
    a->bin = b->bin;
    b->bin = bin;
    int64_t r = a->replica;
    a->replica = b->replica;
    b->replica = r;
    r = a->last_end;
    a->last_end = b->last_end;
    b->last_end = r;
}

/* Try to swap configurations between windows k and k+1: walkers are paired at random; a swap
 * is rejected if either bin lies outside (or is unreached in) the other window, else accepted
 * with min(1, g_k(E_a) g_k+1(E_b) / (g_k(E_b) g_k+1(E_a))). */
/* A walker's configuration as bytes: model state, then x, y, bin, replica, last_end. */
static size_t walker_bytes(const es_wl *wl)
{
    return wl->proto->ops->state_size(wl->proto->ctx) + 5 * sizeof(double);
}

/* Swap the configuration of local walker w with the one of the same exchange on rank peer. */
static void remote_swap(es_wl *wl, es_walker *w, int peer, int tag, unsigned char *out,
                        unsigned char *in)
{
    size_t ss = wl->proto->ops->state_size(wl->proto->ctx);
    w->model->ops->save_state(w->model->ctx, out);
    double t[5] = {w->x, w->y, (double)w->bin, (double)w->replica, (double)w->last_end};
    memcpy(out + ss, t, sizeof t);
    es_comm_swap(out, in, walker_bytes(wl), peer, tag);
    w->model->ops->load_state(w->model->ctx, in, NULL);
    memcpy(t, in + ss, sizeof t);
    w->x = t[0];
    w->y = t[1];
    w->bin = (long)t[2];
    w->replica = (int64_t)t[3];
    w->last_end = (int64_t)t[4];
}

static void exchange_pair(es_wl *wl, int k, unsigned char *out, unsigned char *in)
{
    es_window *A = &wl->win[k], *B = &wl->win[k + 1];
    const int la = es_wl_local(wl, k), lb = es_wl_local(wl, k + 1);
    int n = A->n_walkers < B->n_walkers ? A->n_walkers : B->n_walkers;
    int perm[B->n_walkers];
    for (int j = 0; j < B->n_walkers; j++)
        perm[j] = j;
    for (int j = B->n_walkers - 1; j > 0; j--) {
        int r = (int)gsl_rng_uniform_int(wl->ex_rng, (unsigned long)j + 1);
        int t = perm[j];
        perm[j] = perm[r];
        perm[r] = t;
    }
    for (int i = 0; i < n; i++) {
        es_walker *a = A->walkers[i], *b = B->walkers[perm[i]];
        double u = gsl_rng_uniform(wl->ex_rng);
        wl->ex_tried[k]++;
        long ba = A->bins[i], bb = B->bins[perm[i]];
        if (ba < 0 || bb < 0 || !es_span_has(&wl->g, &B->span, ba) ||
            !es_span_has(&wl->g, &A->span, bb) || !B->reached[ba] || !A->reached[bb])
            continue;
        double d = (A->ln_g[ba] - A->ln_g[bb]) + (B->ln_g[bb] - B->ln_g[ba]);
        if (d >= 0 || u < exp(d)) {
            if (la && lb)
                swap_walkers(a, b);
            else if (la)
                remote_swap(wl, a, wl->owner[k + 1], k * 65536 + i, out, in);
            else if (lb)
                remote_swap(wl, b, wl->owner[k], k * 65536 + i, out, in);
            A->bins[i] = bb;
            B->bins[perm[i]] = ba;
            wl->ex_accepted[k]++;
        }
    }
}


/* ---------------------------------------------------------------- groups and criteria */

/* Each group's windows stitched into one ln g (d->log_g_groups), then combined into d->log_g
 * and d->log_g_err. Returns ES_OK with *partial = bins some but not all groups reached. */
static es_status group_estimates(const es_wl *wl, es_dos *d, uint64_t *partial, es_err *err)
{
    es_status st = es_dos_alloc_groups(d, (size_t)wl->ngroups, err);
    const size_t nu = d->x_bins * d->y_bins;
    unsigned char *reached = st == ES_OK ? es_calloc((size_t)wl->nbins, 1, "reached bins", err)
                                         : NULL;
    double *lg = reached ? es_calloc((size_t)wl->nbins, sizeof *lg, "stitched ln g", err) : NULL;
    double *mx = lg ? es_calloc(nu, sizeof *mx, "sub-bin maxima", err) : NULL;
    if (!mx) {
        free(reached);
        free(lg);
        return st == ES_OK ? ES_ENOMEM : st;
    }
    for (int gr = 0; gr < wl->ngroups && st == ES_OK; gr++) {
        st = es_stitch(&wl->g, &wl->win[gr * wl->nspan], wl->nspan, lg, reached, err);
        /* sum the sub-bins of each user bin: ln sum exp around their maximum */
        double *out = d->log_g_groups + (size_t)gr * nu;
        for (size_t u = 0; u < nu; u++)
            mx[u] = -INFINITY;
        for (long b = 0; b < wl->nbins; b++)
            if (reached[b] && lg[b] > mx[es_wl_user_bin(wl, b)])
                mx[es_wl_user_bin(wl, b)] = lg[b];
        for (size_t u = 0; u < nu; u++)
            out[u] = 0.0;
        for (long b = 0; b < wl->nbins; b++)
            if (reached[b])
                out[es_wl_user_bin(wl, b)] += exp(lg[b] - mx[es_wl_user_bin(wl, b)]);
        for (size_t u = 0; u < nu; u++)
            out[u] = isfinite(mx[u]) ? mx[u] + log(out[u]) : -INFINITY;
    }
    free(reached);
    free(lg);
    free(mx);
    if (st == ES_OK)
        *partial = es_dos_combine_groups(d);
    return st;
}

/* Largest error over the bins that hold at least tolerance_mass of the volume (log_g
 * normalised); NaN if some such bin has no error (fewer than 2 groups reached it). */
static double max_error(const es_dos *d, double mass)
{
    double mx = 0;
    const double lm = mass > 0 ? log(mass) : -INFINITY;
    for (size_t b = 0; b < d->x_bins * d->y_bins; b++)
        if (isfinite(d->log_g[b]) && d->log_g[b] >= lm) {
            if (!(d->log_g_err[b] >= 0))
                return NAN;
            if (d->log_g_err[b] > mx)
                mx = d->log_g_err[b];
        }
    return mx;
}

/* Fewest round trips of any walker of this rank, over the axes along which its window has
 * reached more than one index (UINT64_MAX if no such axis). */
static uint64_t local_min_trips(const es_wl *wl)
{
    uint64_t mt = UINT64_MAX;
    for (int k = wl->win_lo; k < wl->win_hi; k++) {
        const es_window *w = &wl->win[k];
        unsigned axes = 0;
        for (long b = 0; b < wl->nbins; b++)
            axes |= w->edge[b];
        for (int j = 0; j < w->n_walkers; j++)
            for (int a = 0; a < 2; a++)
                if ((axes >> (2 * a)) & 3u && w->walkers[j]->trips[a] < mt)
                    mt = w->walkers[j]->trips[a];
    }
    return mt;
}

/* After a meeting: measure the criteria; wl->converged when all hold. The same on every rank
 * (windows are synchronised; trips reduced). */
static es_status check_criteria(es_wl *wl, es_err *err)
{
    uint64_t mt = local_min_trips(wl);
    long neg = -(long)(mt > (uint64_t)LONG_MAX ? LONG_MAX : mt);
    wl->min_trips = (uint64_t)(-es_comm_max_long(neg));
    int lnf = 1;
    for (int k = 0; k < wl->nwin; k++)
        lnf &= wl->win[k].converged;
    wl->converged = 0;
    if (!lnf || wl->min_trips < wl->p.round_trips)
        return ES_OK;
    es_dos *d = es_dos_alloc((size_t)wl->gu.x_bins, (size_t)wl->gu.y_bins, err);
    if (!d)
        return err->status;
    uint64_t partial = 0;
    es_status st = group_estimates(wl, d, &partial, err);
    if (st == ES_OK) {
        wl->max_err = max_error(d, wl->p.tolerance_mass);
        wl->converged = partial == 0 && wl->max_err <= wl->p.tolerance && wl->ngroups > 1;
    }
    es_dos_free(d);
    return st;
}

/* ---------------------------------------------------------------- the loop */

static double now_seconds(const es_wl *wl) { return es_seconds() - wl->t0; }

es_status es_wl_advance(es_wl *wl, es_err *err)
{
    es_status st = es_wl_start(wl, err);
    if (st != ES_OK)
        return st;
    const es_wl_params *p = &wl->p;
    uint64_t ce = (uint64_t)wl->check_every, xe = (uint64_t)wl->exchange_every;
    uint64_t next = (wl->sweeps / ce + 1) * ce;
    if (wl->nspan > 1 && (wl->sweeps / xe + 1) * xe < next)
        next = (wl->sweeps / xe + 1) * xe;
    if (p->max_sweeps > 0 && next > p->max_sweeps)
        next = p->max_sweeps;
    uint64_t seg = next > wl->sweeps ? next - wl->sweeps : 0;
    uint64_t acc_before = 0, acc_after = 0;
    for (int i = 0; i < wl->n_all; i++)
        acc_before += wl->all[i]->accepted;

#pragma omp parallel for schedule(static, 1) num_threads(wl->nthreads)
    for (int i = 0; i < wl->n_all; i++) {
        es_window *w = win_of(wl, i);
        es_walker *wk = wl->all[i];
        uint64_t t_moves = w->phase == 2 ? wl->sweeps * (uint64_t)wl->n_dof : 0;
        memcpy(wk->ln_g, w->ln_g, (size_t)wl->nbins * sizeof(double));
        memset(wk->hist, 0, (size_t)wl->nbins * sizeof(uint64_t));
        if (wk->md) {
            /* the kernel and the slopes need finite values: unreached bins start level with
             * the lowest reached one */
            double low = es_window_lowest(w);
            for (long b = 0; b < wl->nbins; b++)
                if (!w->reached[b])
                    wk->ln_g[b] = isfinite(low) ? low : 0.0;
            es_walker_run_md(wk, &wl->g, &w->span, seg, w->ln_f, t_moves, w->n_reached, w->edge);
            /* ln g is still rough before the 1/t phase: keep dt matched to it; frozen after */
            if (w->phase != 2)
                es_walker_md_adapt(wk, wl->p.target_acceptance);
        } else
            es_walker_run(wk, &wl->g, &w->span, seg, w->ln_f, t_moves, w->n_reached, w->edge);
        es_walker_refresh(wk, &wl->g, &w->span);
    }
    wl->sweeps += seg;
    wl->moves += seg * (uint64_t)wl->n_dof * (uint64_t)wl->nwin * (uint64_t)wl->p.walkers;
    for (int i = 0; i < wl->n_all; i++) {
        acc_after += wl->all[i]->accepted;
        if (wl->all[i]->max_drift > wl->max_drift)
            wl->max_drift = wl->all[i]->max_drift;
    }
    wl->acceptance = seg ? (double)(acc_after - acc_before) /
                               ((double)seg * (double)wl->n_dof * (double)wl->n_all) : 0;

    double now = wl->seconds_before + now_seconds(wl);
    for (int k = wl->win_lo; k < wl->win_hi; k++) {
        es_window *w = &wl->win[k];
        long found = es_window_meet(w, &wl->g, wl->sweeps);
        es_window_edges(w, &wl->g);
        w->changed = err->status == ES_OK ? es_window_schedule(w, p, wl->sweeps, wl->n_dof, now,
                                                               k, found, err) : 0;
    }
    if (es_comm_max_long(err->status != ES_OK))
        return err->status != ES_OK ? err->status
                                    : es_err_set(err, ES_ERUNTIME, "another MPI rank failed");
    if ((st = sync_windows(wl, err)) != ES_OK)
        return st;
    if ((st = check_criteria(wl, err)) != ES_OK)
        return st;
    wl->last_changed = 0;
    for (int k = 0; k < wl->nwin; k++) {
        wl->stages += wl->win[k].changed;
        wl->last_changed |= wl->win[k].changed;
    }
    if (wl->nspan > 1 && wl->sweeps % xe == 0) {
        unsigned char *out = malloc(walker_bytes(wl)), *in = malloc(walker_bytes(wl));
        if (!out || !in) {
            free(out);
            free(in);
            return es_err_set(err, ES_ENOMEM, "out of memory exchanging replicas");
        }
        for (int gr = 0; gr < wl->ngroups; gr++)
            for (int k = (int)(wl->n_exchanges % 2); k + 1 < wl->nspan; k += 2)
                exchange_pair(wl, gr * wl->nspan + k, out, in);
        free(out);
        free(in);
        wl->n_exchanges++;
        track_round_trips(wl);
    }
    return ES_OK;
}

int es_wl_converged(const es_wl *wl)
{
    return wl->converged;
}

/* The stopping rule as this rank sees it (clocks differ between ranks). */
static int done_here(const es_wl *wl)
{
    return es_wl_converged(wl) || (wl->p.max_sweeps > 0 && wl->sweeps >= wl->p.max_sweeps) ||
           (wl->p.max_seconds > 0 && now_seconds(wl) >= wl->p.max_seconds);
}

int es_wl_done(const es_wl *wl)
{
    return (int)es_comm_max_long(done_here(wl));
}

/* Seconds left, from the slowest window's ln f and bounded by the budget; < 0 when unknown.
 * (The other criteria may need longer than ln f does.) */
static double wl_eta(const es_wl *wl, double seconds)
{
    if (wl->sweeps == 0 || seconds <= 0)
        return -1;
    const es_wl_params *p = &wl->p;
    double rate = (double)wl->sweeps / seconds; /* sweeps per second of this invocation */
    double eta = 0;
    for (int k = 0; k < wl->nwin && eta >= 0; k++) {
        const es_window *w = &wl->win[k];
        if (w->converged)
            continue;
        double e = -1;
        if (p->method != ES_WL_FLAT && w->phase == 2) {
            double final_sweeps = (double)w->n_reached / p->ln_f_final / (double)wl->n_dof;
            e = (final_sweeps - (double)wl->sweeps) / rate;
        } else if (p->method == ES_WL_FLAT && w->last_stage_seconds > 0) {
            e = ceil(log2(w->ln_f / p->ln_f_final)) * w->last_stage_seconds;
        }
        eta = e < 0 ? -1 : e > eta ? e : eta;
    }
    if (p->max_seconds > 0 && (eta < 0 || eta > p->max_seconds - seconds))
        eta = p->max_seconds - seconds;
    if (p->max_sweeps > 0) {
        double e2 = ((double)p->max_sweeps - (double)wl->sweeps) / rate;
        if (eta < 0 || e2 < eta)
            eta = e2;
    }
    return eta < 0 ? -1 : eta;
}

void es_wl_get_report(const es_wl *wl, es_wl_report *r)
{
    memset(r, 0, sizeof *r);
    r->sweeps = wl->sweeps;
    r->moves = wl->moves;
    r->seconds = now_seconds(wl);
    r->nbins = es_grid_nbins(&wl->gu);
    r->windows = wl->nwin;
    r->flatness = INFINITY;
    r->phase = 2;
    long last = -1; /* sub-bins of a user bin are consecutive along y, not along x */
    unsigned char *seen = calloc((size_t)r->nbins, 1);
    for (long b = 0; seen && b < wl->nbins; b++)
        for (int k = 0; k < wl->nwin; k++)
            if (wl->win[k].reached[b]) {
                long u = es_wl_user_bin(wl, b);
                if (u != last && !seen[u])
                    r->reached++;
                seen[u] = 1;
                last = u;
                break;
            }
    free(seen);
    for (int k = 0; k < wl->nwin; k++) {
        const es_window *w = &wl->win[k];
        r->windows_converged += w->converged;
        if (w->ln_f_last > r->ln_f)
            r->ln_f = w->ln_f_last;
        if (!w->converged && w->flatness < r->flatness)
            r->flatness = w->flatness;
        if (w->phase != 2)
            r->phase = 1;
    }
    if (!isfinite(r->flatness))
        r->flatness = wl->win[0].flatness;
    uint64_t tried = 0, acc = 0;
    for (int k = 0; k + 1 < wl->nwin; k++) {
        tried += wl->ex_tried[k];
        acc += wl->ex_accepted[k];
    }
    r->exchange_rate = tried ? (double)acc / (double)tried : 0;
    r->stage_changed = wl->last_changed;
    r->stages = wl->stages;
    r->acceptance = wl->acceptance;
    r->max_drift = wl->max_drift;
    for (int i = 0; i < wl->n_all; i++) {
        const es_walker *wk = wl->all[i];
        if (wk->md) {
            double b;
            wk->model->ops->params(wk->model->ctx, &b);
            r->md_step += sqrt(2.0 * wk->md->dt) / b / (double)wl->n_all;
        }
    }
    r->eta_seconds = done_here(wl) ? 0 : wl_eta(wl, r->seconds);
    r->min_trips = wl->min_trips == UINT64_MAX ? 0 : wl->min_trips;
    r->max_err = wl->max_err;
    r->groups = wl->ngroups;
}

/* Every rank gets every window's histogram and history (for the result). */
static es_status share_histories(es_wl *wl, es_err *err)
{
    if (wl->size == 1)
        return ES_OK;
    for (int k = 0; k < wl->nwin; k++) {
        es_window *w = &wl->win[k];
        uint64_t n = w->n_stages;
        es_comm_bcast(&n, sizeof n, wl->owner[k]);
        es_comm_bcast(w->hist, (size_t)wl->nbins * sizeof(uint64_t), wl->owner[k]);
        if (!es_wl_local(wl, k)) {
            free(w->stages);
            w->stages = n ? calloc(n, sizeof *w->stages) : NULL;
            if (n && !w->stages)
                return es_err_set(err, ES_ENOMEM, "out of memory sharing histories");
            w->n_stages = n;
        }
        if (n)
            es_comm_bcast(w->stages, n * sizeof *w->stages, wl->owner[k]);
    }
    return ES_OK;
}

es_status es_wl_result(const es_wl *wl_in, es_dos *out, es_err *err)
{
    es_wl *wl = (es_wl *)wl_in; /* histories of remote windows are cached in place */
    if ((long)(out->x_bins * out->y_bins) != es_grid_nbins(&wl->gu))
        return es_err_set(err, ES_ERUNTIME, "Wang-Landau: output grid does not match the sampler grid");
    if (share_histories(wl, err) != ES_OK)
        return err->status;
    uint64_t partial = 0;
    es_status st = group_estimates(wl, out, &partial, err);
    if (st != ES_OK)
        return st;
    es_grid_edges(&wl->gu, out->x_edges, out->y_edges);
    memset(out->histogram, 0, out->x_bins * out->y_bins * sizeof(uint64_t));
    for (int k = 0; k < wl->nwin; k++)
        for (long b = 0; b < wl->nbins; b++)
            out->histogram[es_wl_user_bin(wl, b)] += wl->win[k].hist[b];

    const es_model *m = wl->proto;
    es_wl_report r;
    es_wl_get_report(wl, &r);
    snprintf(out->x_variable, sizeof out->x_variable, "%s", m->x_variable);
    snprintf(out->y_variable, sizeof out->y_variable, "%s", m->dims == 2 ? m->y_variable : "none");
    snprintf(out->method, sizeof out->method, "%s", es_wl_method_name(wl->p.method));
    out->ln_f = r.ln_f;
    out->flatness = r.flatness;
    out->sweeps = wl->sweeps;
    out->moves = wl->moves;
    out->walkers = wl->p.walkers;
    out->converged = es_wl_converged(wl);
    out->ln_volume = m->ops->ln_volume(m->ctx);
    out->window_axis = wl->p.window_axis;

    es_dos_criteria *c = &out->criteria;
    memset(c, 0, sizeof *c);
    c->known = 1;
    c->groups = wl->ngroups;
    c->ln_f = r.ln_f;
    c->ln_f_final = wl->p.ln_f_final;
    c->round_trips = r.min_trips;
    c->round_trips_target = wl->p.round_trips;
    c->max_err = max_error(out, wl->p.tolerance_mass);
    c->tolerance = wl->p.tolerance;
    c->tolerance_mass = wl->p.tolerance_mass;
    c->partial_bins = partial;
    for (int k = 0; k < wl->nwin; k++)
        c->reopened += wl->win[k].reopened;
    int lnf_ok = 1;
    for (int k = 0; k < wl->nwin; k++)
        lnf_ok &= wl->win[k].converged;
    char *f = c->failed;
    size_t fs = sizeof c->failed;
    if (!lnf_ok)
        snprintf(f + strlen(f), fs - strlen(f), "%sln_f", *f ? " " : "");
    if (c->round_trips < c->round_trips_target)
        snprintf(f + strlen(f), fs - strlen(f), "%sround_trips", *f ? " " : "");
    if (!(c->max_err <= c->tolerance))
        snprintf(f + strlen(f), fs - strlen(f), "%stolerance", *f ? " " : "");
    if (partial)
        snprintf(f + strlen(f), fs - strlen(f), "%sgroups_reached", *f ? " " : "");
    /* the criteria as they stand now (a run stopped between meetings may differ from the
     * last check only if it was not converged) */
    if (out->converged && *f)
        out->converged = 0;
    snprintf(out->stop_reason, sizeof out->stop_reason, "%s",
             out->converged ? "converged"
             : wl->p.max_sweeps > 0 && wl->sweeps >= wl->p.max_sweeps ? "max_sweeps"
             : wl->p.max_seconds > 0 && now_seconds(wl) >= wl->p.max_seconds ? "max_seconds"
             : "interrupted");

    if ((st = es_dos_alloc_windows(out, (size_t)wl->nwin, err)) != ES_OK)
        return st;
    free(out->stages);
    out->stages = NULL;
    out->n_stages = 0;
    double now = wl->seconds_before + now_seconds(wl);
    for (int k = 0; k < wl->nwin && st == ES_OK; k++) {
        const es_window *w = &wl->win[k];
        const long r = wl->p.refine[w->span.axis]; /* spans in the user's bins */
        out->windows[k] = (es_dos_window){w->span.lo / r, w->span.hi / r, w->ln_f_last,
                                          w->flatness, w->converged, w->n_walkers};
        out->exchange_tried[k] = wl->ex_tried[k];
        out->exchange_accepted[k] = wl->ex_accepted[k];
        for (size_t i = 0; i < w->n_stages && st == ES_OK; i++)
            st = es_dos_add_stage(out, w->stages[i], err);
        if (!out->converged && st == ES_OK) /* where the window stands now */
            st = es_dos_add_stage(out, (es_dos_stage){wl->sweeps, w->ln_f, w->flatness, now, k},
                                  err);
    }
    out->round_trips = es_comm_sum_u64(wl->round_trips);
    return st;
}

es_status es_wl_run(const es_wl_params *p, const es_grid *g, const es_model *model, es_dos *out,
                    es_wl_progress_fn progress, void *user, volatile sig_atomic_t *stop,
                    es_err *err)
{
    es_wl *wl = es_wl_alloc(p, g, model, err);
    if (!wl)
        return err->status;
    es_status st = es_wl_start(wl, err);
    double next_report = 0;
    while (st == ES_OK) {
        st = es_wl_advance(wl, err);
        if (st != ES_OK)
            break;
        int done = es_wl_done(wl) || (stop && *stop);
        if (progress) {
            es_wl_report r;
            es_wl_get_report(wl, &r);
            if (r.stage_changed || done || r.seconds >= next_report) {
                progress(user, &r, done);
                next_report = r.seconds + 0.25;
            }
        }
        if (done)
            break;
    }
    if (st == ES_OK) {
        st = es_wl_result(wl, out, err);
        if (st == ES_OK && stop && *stop && !out->converged)
            st = ES_EINTR;
    }
    es_wl_free(wl);
    return st;
}
