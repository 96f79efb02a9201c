/* window.h (internal to the sampler): one Wang-Landau window: a span of the grid with its
 * shared ln g, histogram, schedule and walkers. */
#ifndef ENTROSCAPE_WINDOW_H
#define ENTROSCAPE_WINDOW_H

#include "entroscape/dos.h"
#include "entroscape/wl.h"
#include "walker.h"

typedef struct es_window {
    es_span span;           /* bins [lo, hi) along span.axis */
    int group;              /* independent estimate this window belongs to */
    long nbins;             /* bins of the whole grid; arrays below are grid-sized */
    double *ln_g;           /* (nbins) shared estimate; -inf where not reached */
    uint64_t *hist;         /* (nbins) visits in the current stage, all walkers */
    unsigned char *reached; /* (nbins) 1 once any walker has been there */
    unsigned char *edge;    /* (nbins) ES_EDGE_* flags: lowest / highest reached index per axis */
    const long *ubin;       /* (nbins) the user-grid bin of each sampled bin (shared, not owned) */
    long nuser;             /* bins of the user grid */
    long rx;                /* sub-bins per user bin along x */
    unsigned char *ureached;/* (nuser) 1 once any of its sub-bins was reached */
    uint64_t *uhist;        /* (nuser) scratch: the stage's histogram summed into user bins */
    long n_reached;
    double ln_f;            /* the current modification factor */
    double ln_f_last;       /* the last non-zero ln f */
    double ln_f_switch;     /* 1/t: ln f when the 1/t phase last began (0 before) */
    int phase;              /* 1/t: 1 before ln f = 1/t, 2 after */
    int converged;          /* ln f <= ln_f_final (the run's other criteria are checked by wl.c) */
    uint64_t reopened;      /* times a bin first found in the final stage sent it back to stages */
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

/* A window over nbins sampled bins, which ubin (nbins, kept by the caller) maps onto nuser
 * bins of the user's grid. */
es_status es_window_init(es_window *w, es_span span, long nbins, const long *ubin, long nuser,
                         long rx, int n_walkers, es_err *err);
void es_window_free_arrays(es_window *w);

/* min / mean of the stage's histogram summed into user bins, over reached user bins (0 if
 * none): sub-bins deep in a tail may stay rare without making the user's bins uneven. */
double es_window_flatness(const es_window *w);

/* Lowest ln g over the reached bins (-inf if none). */
double es_window_lowest(const es_window *w);

/* The meeting: average ln g over the walkers, sum histograms, register newly reached bins.
 * A new bin's value is the mean over the walkers that found it, each taken relative to its
 * own average increment over the bins reached before (walkers' ln g share the window's frame
 * only up to what each added during the segment). Returns the number of user bins reached
 * for the first time (a new sub-bin of a reached user bin does not count). */
long es_window_meet(es_window *w, const es_grid *g, uint64_t sweeps);

/* Recompute the edge flags: the lowest / highest user-grid index reached along each axis. */
void es_window_edges(es_window *w, const es_grid *g);

/* Advance the schedule after a meeting at `sweeps` sweeps per walker with n_dof moves per
 * sweep; `now` in seconds of this invocation; `found` new bins at this meeting. A bin found
 * while the window is in its final stage (the 1/t phase, or wl with ln f at its last halving)
 * sends the window back to flat-histogram stages at the ln f of its last switch. Returns 1 if
 * ln f was reduced (or the 1/t phase began, or the window reopened). ES_ENOMEM through err. */
int es_window_schedule(es_window *w, const es_wl_params *p, uint64_t sweeps, long n_dof,
                       double now, int index, long found, es_err *err);

#endif
