/* walker.h (internal to the sampler): one Wang-Landau walker: a model instance, its random
 * stream, its current bin, and its private copy of ln g and histogram between meetings. */
#ifndef ENTROSCAPE_WALKER_H
#define ENTROSCAPE_WALKER_H

#include "entroscape/grid.h"
#include "entroscape/model.h"
#include <gsl/gsl_rng.h>
#include <stdint.h>
#include <signal.h>

/* Wang-Landau dynamics (langevin.c): a walker's time step, kernel and gradient buffers. */
typedef struct es_md {
    size_t n;              /* parameters */
    double dt;             /* time step; tuned during burn-in (es_walker_md_adapt), then frozen */
    double kernel;         /* Gaussian sigma of the ln g update, in bins (0: one bin) */
    long R;                /* kernel half-width in bins, ceil(3 sigma) */
    double *kw;            /* (R + 1) kernel weights at offsets 0..R, summing to 1 over -R..R */
    int mala;              /* 1: Metropolis-adjusted steps */
    double *gx, *gy;       /* (n) gradients of x and y at the current state */
    double *ngx, *ngy;     /* (n) at the proposed state (swapped with gx, gy on acceptance) */
    double *w0;            /* (n) the current parameters while a proposal is looked at */
    double p_sum;          /* since the last adapt: sum of the steps' Metropolis-Hastings */
    uint64_t p_n;          /* acceptance probabilities (0 outside the window), and steps */
} es_md;

es_md *es_md_alloc(size_t n, double dt, double kernel, int mala, es_err *err);
void es_md_free(es_md *md);

typedef struct es_walker {
    es_model *model;
    gsl_rng *rng;
    void *undo;            /* (state_size) bytes: saved state for models without observe_proposed */
    long bin;              /* current bin */
    double x, y;           /* current macro-variables */
    double *ln_g;          /* (nbins) private copy, reset from the shared estimate at each meeting */
    uint64_t *hist;        /* (nbins) visits since the last meeting */
    uint64_t accepted, tried;
    double max_drift;
    int64_t replica;       /* id of the configuration this walker carries (swaps with it) */
    int64_t last_end;      /* replica exchange: -1 none yet, 0 lowest window, 1 highest */
    es_md *md;             /* Wang-Landau dynamics, or NULL (single-parameter moves) */
    int8_t end[2];         /* per axis: -1 no end reached yet, 0 lowest reached index, 1 highest */
    uint64_t trips[2];     /* per axis: round trips lowest -> highest -> lowest of its window */
    volatile sig_atomic_t *stop; /* set by a signal handler, or NULL: ends the approach and
                                  * burn-in early (ES_EINTR); never looked at while sampling */
} es_walker;

/* Edge flags of a bin (es_walker_run's `edge` array): the bin lies on the lowest / highest
 * index reached so far along x or y inside the walker's window. */
enum { ES_EDGE_XLO = 1, ES_EDGE_XHI = 2, ES_EDGE_YLO = 4, ES_EDGE_YHI = 8 };

/* Count a visit to a bin with edge flags e (round trips along each axis). */
static inline void es_walker_edge(es_walker *w, unsigned e)
{
    for (int a = 0; a < 2; a++) {
        unsigned lo = e >> (2 * a) & 1u, hi = e >> (2 * a) & 2u;
        if (lo) {
            if (w->end[a] == 1)
                w->trips[a]++;
            w->end[a] = 0;
        } else if (hi && w->end[a] == 0) {
            w->end[a] = 1;
        }
    }
}

/* A walker for stream `index` of `seed`, its model cloned from proto and drawn uniformly. */
es_walker *es_walker_alloc(const es_model *proto, long nbins, uint64_t seed, uint64_t index,
                           es_err *err);
void es_walker_free(es_walker *w);

/* Walk from the current state into the grid by accepting only moves that do not increase the
 * distance to it; at most max_moves trials. ES_ERUNTIME (err set) if the grid is not reached,
 * ES_EINTR when *w->stop was set (looked at every 4096 trials). */
es_status es_walker_approach(es_walker *w, const es_grid *g, const es_span *span,
                             uint64_t max_moves, es_err *err);

/* 1 (with ES_EINTR in err) when *w->stop is set: for the approach and burn-in loops. */
static inline int es_walker_stopped(const es_walker *w, es_err *err)
{
    if (!w->stop || !*w->stop)
        return 0;
    es_err_set(err, ES_EINTR, "stopped by a signal during burn-in");
    return 1;
}

/* Run `sweeps` sweeps of Wang-Landau moves inside span on the private ln g with modification
 * factor ln_f, or, when one_over_t_moves > 0, ln f = reached / (moves so far), with moves so
 * far starting at one_over_t_moves and `reached` bins. ln_f = 0 samples without updating.
 * A bin whose private ln g is -inf has not been reached yet: the first time the walker
 * proposes it, it starts from the ln g of the bin the walker stands in.
 *   edge (nbins) edge flags (ES_EDGE_*) for round-trip counting, or NULL */
void es_walker_run(es_walker *w, const es_grid *g, const es_span *span, uint64_t sweeps,
                   double ln_f, uint64_t one_over_t_moves, long reached,
                   const unsigned char *edge);

/* Wang-Landau dynamics (w->md set; the model has params and gradient): walk into the grid
 * by descending the distance to it (backtracking steps along its gradient, random steps when
 * stuck), at most max_steps gradient evaluations; then `steps` Langevin steps of all
 * parameters with ln f (or 1/t as in es_walker_run, one step counting as one move) and the
 * kernel update of the private ln g. ln_f = 0 samples without updating (burn-in). */
es_status es_walker_approach_md(es_walker *w, const es_grid *g, const es_span *span,
                                uint64_t max_steps, es_err *err);
void es_walker_run_md(es_walker *w, const es_grid *g, const es_span *span, uint64_t steps,
                      double ln_f, uint64_t one_over_t_steps, long reached,
                      const unsigned char *edge);
/* Scale dt so that the mean Metropolis-Hastings acceptance probability of the steps since
 * the last call approaches target (burn-in and, while ln g is rough, every meeting before
 * the 1/t phase). */
void es_walker_md_adapt(es_walker *w, double target);

/* Full recompute of the model (drift control); updates x, y, bin and max_drift. */
void es_walker_refresh(es_walker *w, const es_grid *g, const es_span *span);

#endif
