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
    es_wl_params p;
    es_grid g;
    const es_model *proto;
    long n_dof, nbins, check_every, exchange_every;
    int nwin, nthreads, started;
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

/* Every value of a restored state (from rs) within what the sampler can produce (wl_guard.c):
 * ES_EDATA naming window, walker or bin, the value and what is allowed. Local walkers only.
 * A checkpoint with the record "start_pending" leaves the run unstarted (es_wl_start goes on
 * from the walkers' positions). */
es_status es_wl_check_state(es_wl *wl, const es_records *rs, es_err *err);

/* Whether window k lives on this rank. */
static inline int es_wl_local(const es_wl *wl, int k) { return k >= wl->win_lo && k < wl->win_hi; }

#endif
