/* wl_impl.h (internal to the sampler): the state of a Wang-Landau run, shared by the driver
 * (wl.c) and its checkpoint packing (wl_pack.c). */
#ifndef ENTROSCAPE_WL_IMPL_H
#define ENTROSCAPE_WL_IMPL_H

#include "entroscape/wl.h"
#include "walker.h"
#include "window.h"

/* The stream of the exchange decisions: far from any walker's index. */
#define ES_WL_EXCHANGE_STREAM 0x5ca1ab1e00000000ULL

struct es_wl {
    es_wl_params p;              /* refine[] resolved (>= 1) */
    es_grid g;                   /* the sampled grid: the user's, each bin cut into refine[] */
    es_grid gu;                  /* the user's grid, on which results are reported */
    long *ubin;                  /* (nbins) user-grid bin of each sampled bin */
    const es_model *proto;
    long n_dof, nbins, check_every, exchange_every;
    int nwin, nthreads, started;
    int ngroups, nspan;          /* nwin = ngroups * nspan: window k is span k % nspan of group
                                  * k / nspan; groups never exchange */
    int converged;               /* every criterion held at the last meeting */
    double max_err;              /* largest per-bin error at the last check (NaN before) */
    uint64_t min_trips;          /* fewest round trips of any walker at the last meeting */
    es_window *win;              /* (nwin) all windows; walkers only in the local ones */
    es_walker **all;             /* (local windows * walkers) window-major, for parallel loops */
    int n_all;
    int rank, size;              /* MPI rank and ranks (0 and 1 without MPI) */
    int win_lo, win_hi;          /* local windows [win_lo, win_hi) */
    int *owner;                  /* (nwin) rank of each window */
    uint64_t sweeps, moves, n_exchanges, round_trips;
    uint64_t *ex_tried, *ex_accepted; /* (nwin) pair k = windows k, k+1 */
    gsl_rng *ex_rng;
    double t0, seconds_before;   /* this invocation's start; time of earlier invocations */
    double acceptance, max_drift;
    int stages, last_changed;
};

/* The user-grid bin of sampled bin b. */
static inline long es_wl_user_bin(const es_wl *wl, long b)
{
    long ix = b / wl->g.y_bins, iy = b % wl->g.y_bins;
    return ix / wl->p.refine[0] * wl->gu.y_bins + iy / wl->p.refine[1];
}

/* Every value of a restored state (from rs) within what the sampler can produce (wl_guard.c):
 * ES_EDATA naming window, walker or bin, the value and what is allowed. Local walkers only.
 * A checkpoint with the record "start_pending" leaves the run unstarted (es_wl_start goes on
 * from the walkers' positions). */
es_status es_wl_check_state(es_wl *wl, const es_records *rs, es_err *err);

/* Whether window k lives on this rank. */
static inline int es_wl_local(const es_wl *wl, int k) { return k >= wl->win_lo && k < wl->win_hi; }

#endif
