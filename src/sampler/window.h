/* window.h (internal to the sampler): one Wang-Landau window: a span of the grid with its
 * shared ln g, histogram, schedule and walkers. */
#ifndef ENTROSCAPE_WINDOW_H
#define ENTROSCAPE_WINDOW_H

#include "entroscape/dos.h"
#include "entroscape/wl.h"
#include "walker.h"

typedef struct es_window {
    es_span span;           /* bins [lo, hi) along span.axis */
    long nbins;             /* bins of the whole grid; arrays below are grid-sized */
    double *ln_g;           /* (nbins) shared estimate (bins outside the span unused) */
    uint64_t *hist;         /* (nbins) visits in the current stage, all walkers */
    unsigned char *reached; /* (nbins) 1 once any walker has been there */
    long n_reached;
    double ln_f;            /* 0 once converged: sampling continues (for exchanges), ln g frozen */
    double ln_f_last;       /* the last non-zero ln f */
    int phase;              /* 1/t: 1 before ln f = 1/t, 2 after */
    int converged;
    uint64_t stage_start;   /* sweeps at the start of this stage */
    uint64_t last_found;    /* sweeps when a new bin was last reached */
    double flatness;        /* at the last meeting, before any histogram reset */
    double stage_t0, last_stage_seconds;
    int n_walkers;
    es_walker **walkers;    /* (n_walkers) on the window's rank; NULL entries elsewhere */
    long *bins;             /* (n_walkers) current bin of each walker, known on every rank */
    int changed;            /* ln f reduced at the last meeting */
    size_t n_stages;
    es_dos_stage *stages;   /* (n_stages) history of this window */
} es_window;

es_status es_window_init(es_window *w, es_span span, long nbins, int n_walkers, es_err *err);
void es_window_free_arrays(es_window *w);

/* min / mean of the histogram over reached bins (0 if none). */
double es_window_flatness(const es_window *w);

/* The meeting: average ln g over the walkers, sum histograms, register newly reached bins
 * (a bin reached for the first time starts from the lowest ln g reached before). */
void es_window_meet(es_window *w, const es_grid *g, uint64_t sweeps);

/* Advance the schedule after a meeting at `sweeps` sweeps per walker with n_dof moves per
 * sweep; `now` in seconds of this invocation. Returns 1 if ln f was reduced (or the 1/t
 * phase began). ES_ENOMEM is reported through err. */
int es_window_schedule(es_window *w, const es_wl_params *p, uint64_t sweeps, long n_dof,
                       double now, int index, es_err *err);

#endif
