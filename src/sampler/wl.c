/* wl.c: the Wang-Landau schedule: segments of independent walker sweeps, then a meeting
 * that averages ln g, sums histograms, checks flatness and updates ln f (wl or 1/t). */
#include "entroscape/wl.h"
#include "walker.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

es_status es_wl_params_from_config(es_wl_params *p, const es_config *cfg, es_err *err)
{
    memset(p, 0, sizeof *p);
    if (strcmp(cfg->sampler_method, "wl") == 0)
        p->method = ES_WL_FLAT;
    else if (strcmp(cfg->sampler_method, "1/t") == 0)
        p->method = ES_WL_1T;
    else
        return es_err_set(err, ES_ECONFIG, "[sampler] method = %s; allowed: wl|1/t",
                          cfg->sampler_method);
    p->flatness = cfg->sampler_flatness;
    p->check_every = cfg->sampler_check_every;
    p->ln_f_initial = 1.0;
    p->ln_f_final = cfg->sampler_ln_f_final;
    p->max_sweeps = (uint64_t)cfg->sampler_max_sweeps;
    p->max_seconds = cfg->sampler_max_seconds;
    p->walkers = (int)cfg->sampler_walkers;
    p->seed = (uint64_t)cfg->sampler_seed;
    p->approach_sweeps = 100000;
    return ES_OK;
}

/* Shared state of one run (one window, later several). */
typedef struct wl_state {
    long nbins;
    double *ln_g;          /* (nbins) shared estimate */
    uint64_t *hist;        /* (nbins) visits in the current stage, all walkers */
    unsigned char *reached;/* (nbins) 1 once any walker has been there */
    long n_reached;
    double ln_f;
    int phase;             /* 1/t: 1 before ln f = 1/t, 2 after */
    uint64_t sweeps;       /* per walker */
    uint64_t stage_start;  /* sweeps at the start of this stage */
    uint64_t last_found;   /* sweeps when a new bin was last reached */
    double stage_t0;       /* seconds at the start of this stage */
    double last_stage_seconds; /* duration of the last completed stage */
    double flatness;       /* at the last meeting, before any histogram reset */
} wl_state;

/* min / mean of the histogram over reached bins (0 if none). */
static double wl_flatness(const wl_state *s)
{
    uint64_t lo = UINT64_MAX;
    double sum = 0;
    for (long b = 0; b < s->nbins; b++)
        if (s->reached[b]) {
            if (s->hist[b] < lo)
                lo = s->hist[b];
            sum += (double)s->hist[b];
        }
    if (s->n_reached == 0 || sum == 0)
        return 0.0;
    return (double)lo / (sum / (double)s->n_reached);
}

/* The meeting: average ln g, sum histograms, register newly reached bins. Bins reached for the
 * first time start from the lowest ln g of the bins reached before, not from 0, so that a late
 * discovery does not have to climb the whole range at a small ln f. */
static void wl_meet(wl_state *s, es_walker **w, int nw)
{
    double lowest = INFINITY;
    for (long b = 0; b < s->nbins; b++)
        if (s->reached[b] && s->ln_g[b] < lowest)
            lowest = s->ln_g[b];
    int found = 0;
    for (long b = 0; b < s->nbins; b++) {
        double sum = 0;
        uint64_t h = 0;
        for (int k = 0; k < nw; k++) {
            sum += w[k]->ln_g[b];
            h += w[k]->hist[b];
        }
        double mean = sum / nw;
        if (!s->reached[b] && h > 0) {
            s->reached[b] = 1;
            s->n_reached++;
            found = 1;
            if (isfinite(lowest)) /* the walkers' additions on top of the old value (0) */
                mean += lowest;
        }
        s->ln_g[b] = mean;
        s->hist[b] += h;
    }
    if (found)
        s->last_found = s->sweeps;
}

/* A stage may end only if no new bin turned up during its second half. */
static int wl_discovery_settled(const wl_state *s)
{
    return s->sweeps - s->last_found >= (s->sweeps - s->stage_start) / 2;
}

static double wl_eta(const es_wl_params *p, const wl_state *s, double seconds, long n_dof)
{
    if (s->sweeps == 0 || seconds <= 0)
        return -1;
    double rate = (double)s->sweeps / seconds; /* sweeps per second */
    double eta = -1;
    if (p->method == ES_WL_1T) {
        double final_sweeps = (double)s->n_reached / p->ln_f_final / (double)n_dof;
        eta = (final_sweeps - (double)s->sweeps) / rate;
    } else if (s->last_stage_seconds > 0) {
        double stages = ceil(log2(s->ln_f / p->ln_f_final));
        eta = stages * s->last_stage_seconds;
    }
    if (p->max_seconds > 0 && (eta < 0 || eta > p->max_seconds - seconds))
        eta = p->max_seconds - seconds;
    if (p->max_sweeps > 0) {
        double e2 = ((double)p->max_sweeps - (double)s->sweeps) / rate;
        if (eta < 0 || e2 < eta)
            eta = e2;
    }
    return eta < 0 ? -1 : eta;
}

static void wl_fill(es_dos *out, const es_wl_params *p, const es_grid *g, const es_model *m,
                    const wl_state *s, uint64_t moves, int converged)
{
    es_grid_edges(g, out->x_edges, out->y_edges);
    for (long b = 0; b < s->nbins; b++) {
        out->log_g[b] = s->reached[b] ? s->ln_g[b] : -INFINITY;
        out->histogram[b] = s->hist[b];
    }
    es_dos_normalize(out);
    snprintf(out->x_variable, sizeof out->x_variable, "%s", m->x_variable);
    snprintf(out->y_variable, sizeof out->y_variable, "%s", m->dims == 2 ? m->y_variable : "none");
    snprintf(out->method, sizeof out->method, "%s", p->method == ES_WL_1T ? "1/t" : "wl");
    out->ln_f = s->ln_f;
    out->flatness = s->flatness;
    out->sweeps = s->sweeps;
    out->moves = moves;
    out->walkers = p->walkers;
    out->converged = converged;
    out->ln_volume = m->ops->ln_volume(m->ctx);
}

es_status es_wl_run(const es_wl_params *p, const es_grid *g, const es_model *model, es_dos *out,
                    es_wl_progress_fn progress, void *user, volatile sig_atomic_t *stop,
                    es_err *err)
{
    const int nw = p->walkers;
    const long nbins = es_grid_nbins(g);
    const long n_dof = (long)model->ops->n_dof(model->ctx);
    /* Meetings cost a thread barrier: keep segments at >= ~1e5 moves unless told otherwise. */
    const long check_every = p->check_every > 0 ? p->check_every
                                                : (ES_WL_AUTO_MOVES + n_dof - 1) / n_dof;
    if (nw < 1 || check_every < 1 || !(p->ln_f_final > 0) || !(p->ln_f_initial > p->ln_f_final))
        return es_err_set(err, ES_ECONFIG, "Wang-Landau: need walkers >= 1, check_every >= 1 and "
                          "0 < ln_f_final < ln_f_initial");
    if ((long)out->x_bins * (long)out->y_bins != nbins)
        return es_err_set(err, ES_ERUNTIME, "Wang-Landau: output grid does not match the sampler grid");

    wl_state s = {.nbins = nbins, .ln_f = p->ln_f_initial, .phase = 1};
    es_walker **w = es_calloc((size_t)nw, sizeof *w, "walkers", err);
    s.ln_g = es_calloc((size_t)nbins, sizeof(double), "ln g", err);
    s.hist = es_calloc((size_t)nbins, sizeof(uint64_t), "histogram", err);
    s.reached = es_calloc((size_t)nbins, 1, "reached bins", err);
    es_status st = (w && s.ln_g && s.hist && s.reached) ? ES_OK : ES_ENOMEM;
    for (int k = 0; st == ES_OK && k < nw; k++)
        if (!(w[k] = es_walker_alloc(model, nbins, p->seed, (uint64_t)k, err)))
            st = err->status;

    /* Walk every walker into the grid; errors are collected per walker, reported in order. */
    es_err *werr = st == ES_OK ? es_calloc((size_t)nw, sizeof *werr, "walker errors", err) : NULL;
    if (st == ES_OK && !werr)
        st = ES_ENOMEM;
    if (st == ES_OK) {
        uint64_t max_moves = (uint64_t)p->approach_sweeps * (uint64_t)n_dof;
#pragma omp parallel for schedule(static, 1)
        for (int k = 0; k < nw; k++)
            es_walker_approach(w[k], g, max_moves, &werr[k]);
        for (int k = 0; k < nw && st == ES_OK; k++)
            if (werr[k].status != ES_OK)
                st = es_err_set(err, werr[k].status, "walker %d: %s", k, werr[k].msg);
    }
    free(werr);

    const double t0 = es_seconds();
    int converged = 0;
    uint64_t moves = 0;
    double next_report = 0, max_drift = 0;
    while (st == ES_OK) {
        uint64_t seg = (uint64_t)check_every;
        if (p->max_sweeps > 0 && s.sweeps + seg > p->max_sweeps)
            seg = p->max_sweeps - s.sweeps;
        uint64_t t_moves = s.phase == 2 ? s.sweeps * (uint64_t)n_dof : 0;
        uint64_t acc_before = 0;
        for (int k = 0; k < nw; k++)
            acc_before += w[k]->accepted;
#pragma omp parallel for schedule(static, 1)
        for (int k = 0; k < nw; k++) {
            memcpy(w[k]->ln_g, s.ln_g, (size_t)nbins * sizeof(double));
            memset(w[k]->hist, 0, (size_t)nbins * sizeof(uint64_t));
            es_walker_run(w[k], g, seg, s.ln_f, t_moves, s.n_reached);
            es_walker_refresh(w[k], g);
        }
        s.sweeps += seg;
        moves += seg * (uint64_t)n_dof * (uint64_t)nw;
        uint64_t acc_after = 0;
        for (int k = 0; k < nw; k++) {
            acc_after += w[k]->accepted;
            if (w[k]->max_drift > max_drift)
                max_drift = w[k]->max_drift;
        }
        wl_meet(&s, w, nw);

        /* The schedule. */
        double now = es_seconds() - t0;
        double flat = wl_flatness(&s);
        s.flatness = flat;
        int changed = 0;
        if (s.phase == 2) {
            s.ln_f = (double)s.n_reached / ((double)s.sweeps * (double)n_dof);
        } else if (wl_discovery_settled(&s) &&
                   (p->method == ES_WL_FLAT ? flat >= p->flatness : flat > 0)) {
            es_dos_stage row = {s.sweeps, s.ln_f, flat, now};
            if ((st = es_dos_add_stage(out, row, err)) != ES_OK)
                break;
            s.ln_f *= 0.5;
            double one_over_t = (double)s.n_reached / ((double)s.sweeps * (double)n_dof);
            if (p->method == ES_WL_1T && s.ln_f < one_over_t) {
                s.phase = 2;
                s.ln_f = one_over_t;
            }
            memset(s.hist, 0, (size_t)nbins * sizeof(uint64_t));
            s.last_stage_seconds = now - s.stage_t0;
            s.stage_t0 = now;
            s.stage_start = s.sweeps;
            changed = 1;
        }
        if (s.ln_f <= p->ln_f_final)
            converged = 1;
        int done = converged || (p->max_sweeps > 0 && s.sweeps >= p->max_sweeps) ||
                   (p->max_seconds > 0 && now >= p->max_seconds) || (stop && *stop);
        if (progress && (changed || done || now >= next_report)) {
            es_wl_report r = {
                .sweeps = s.sweeps, .moves = moves, .ln_f = s.ln_f, .flatness = flat,
                .seconds = now, .eta_seconds = done ? 0 : wl_eta(p, &s, now, n_dof),
                .reached = s.n_reached, .nbins = nbins, .stage_changed = changed,
                .phase = s.phase,
                .acceptance = (double)(acc_after - acc_before) / ((double)seg * (double)n_dof * nw),
                .max_drift = max_drift,
            };
            progress(user, &r, done);
            next_report = now + 0.25;
        }
        if (done) {
            es_dos_stage row = {s.sweeps, s.ln_f, flat, now};
            st = es_dos_add_stage(out, row, err);
            break;
        }
    }
    if (st == ES_OK) {
        wl_fill(out, p, g, model, &s, moves, converged);
        if (stop && *stop && !converged)
            st = ES_EINTR;
    }
    for (int k = 0; w && k < nw; k++)
        es_walker_free(w[k]);
    free(w);
    free(s.ln_g);
    free(s.hist);
    free(s.reached);
    return st;
}
