/* dos.h: a density of states on a 1-D or 2-D grid: the product that the sampler fills,
 * the HDF5 layer writes and reads, and analysis consumes. Plain data, no behaviour. */
#ifndef ENTROSCAPE_DOS_H
#define ENTROSCAPE_DOS_H

#include "entroscape/common.h"
#include <stdint.h>
#include <stdio.h>

/* One row of the convergence history: written when ln f changes or the run ends. */
typedef struct es_dos_stage {
    uint64_t sweeps;    /* sweeps per walker so far */
    double   ln_f;      /* modification factor from this point on */
    double   flatness;  /* min/mean of the histogram over reachable bins at this point */
    double   seconds;   /* wall-clock seconds since the start */
    int32_t  window;    /* which window (0 when there is one) */
} es_dos_stage;

/* Diagnostics of one window of a replica-exchange run (one window: the whole grid). */
typedef struct es_dos_window {
    int64_t  lo, hi;    /* bins [lo, hi) along the window axis */
    double   ln_f, flatness;
    int32_t  converged, walkers;
} es_dos_window;

/* The convergence criteria of a run: each measured value beside its target. A run has
 * converged when all hold (sampler.* names the targets). */
typedef struct es_dos_criteria {
    int      known;            /* 0: not recorded (exact counts, files of older versions) */
    double   ln_f;             /* largest ln f over windows and groups ... */
    double   ln_f_final;       /* ... must be <= this */
    uint64_t round_trips;      /* fewest round trips of any walker between the lowest and
                                * highest reached bin of its window, along each axis ... */
    uint64_t round_trips_target; /* ... must be >= this */
    double   max_err;          /* largest log_g_err over bins holding >= tolerance_mass ... */
    double   tolerance;        /* ... must be <= this (nats) */
    double   tolerance_mass;   /* share of the volume a bin needs to count for max_err */
    uint64_t partial_bins;     /* bins reached by some groups but not all: must be 0 */
    uint64_t reopened;         /* bins first found in a final stage (the window went back to
                                * stages; such a bin is never left uncorrected) */
    int      groups;           /* independent estimates */
    char     failed[96];       /* names of the criteria not met, space-separated; "" if none */
} es_dos_criteria;

typedef struct es_dos {
    size_t    x_bins, y_bins;   /* y_bins = 1 for a 1-D run */
    double   *x_edges;          /* (x_bins + 1) */
    double   *y_edges;          /* (y_bins + 1) */
    double   *log_g;            /* (x_bins, y_bins) row-major: ln fraction of volume; -inf if never visited */
    uint64_t *histogram;        /* (x_bins, y_bins) visits in the final stage */
    char      x_variable[64];   /* e.g. "energy", "mean_abs" */
    char      y_variable[64];   /* "none" in 1-D */
    char      method[16];       /* "wl" | "1/t" */
    double    ln_f;             /* final modification factor */
    double    flatness;         /* final min/mean over reachable bins */
    uint64_t  sweeps;           /* sweeps per walker */
    uint64_t  moves;            /* trial moves, all walkers */
    int       walkers;
    int       converged;        /* 1 if ln_f reached ln_f_final */
    double    ln_volume;        /* ln of the box volume (or state count) */
    size_t    n_stages;         /* rows in stages */
    es_dos_stage *stages;       /* (n_stages) convergence history */
    int       window_axis;      /* 0: windows along x, 1: along y */
    size_t    n_windows;        /* >= 1 once a sampler filled it; 0 when unknown */
    es_dos_window *windows;     /* (n_windows) */
    uint64_t *exchange_tried;   /* (n_windows - 1) exchange attempts between window k and k+1 */
    uint64_t *exchange_accepted;/* (n_windows - 1) */
    uint64_t  round_trips;      /* replicas that went lowest -> highest -> lowest window */
    double   *log_g_err;        /* (x_bins, y_bins) statistical error of log_g (nats) from the
                                 * spread of independent groups; NaN where unknown; NULL if none */
    size_t    n_groups;         /* independent estimates (0: none recorded) */
    double   *log_g_groups;     /* (n_groups, x_bins, y_bins) each group's normalised ln g */
    es_dos_criteria criteria;
    char      stop_reason[32];  /* "converged" | "max_seconds" | "max_sweeps" | "interrupted" | "" */
} es_dos;

/* Allocate a grid with all log_g = -inf, histogram = 0, edges = 0. NULL (err set) on failure. */
es_dos *es_dos_alloc(size_t x_bins, size_t y_bins, es_err *err);
void    es_dos_free(es_dos *d);

/* Append a row to the convergence history. */
es_status es_dos_add_stage(es_dos *d, es_dos_stage stage, es_err *err);

/* Allocate the window diagnostics for n windows (n >= 1). */
es_status es_dos_alloc_windows(es_dos *d, size_t n, es_err *err);

/* Shift log_g so that sum over visited bins of exp(log_g) = 1. */
void es_dos_normalize(es_dos *d);

/* Allocate log_g_err (all NaN) and n_groups x bins log_g_groups (all -inf), replacing any. */
es_status es_dos_alloc_groups(es_dos *d, size_t n_groups, es_err *err);

/* Combine the groups: log_g = mean over the groups that reached a bin of their ln g (each
 * group normalised over the bins every group reached, so the groups share one frame), then
 * normalised; log_g_err = t(0.975, G-1) / 1.96 x sd / sqrt(G) over the G groups that reached
 * the bin (NaN where fewer than 2 did): an error whose 2-sigma band covers 95% for Gaussian
 * group estimates however few groups there are. Returns the bins some but not all groups
 * reached. log_g_groups is normalised in place. */
uint64_t es_dos_combine_groups(es_dos *d);

/* Print each convergence criterion of d, value against target and whether it holds, one per
 * line starting with indent; and the stop reason. Nothing when d->criteria is not known. */
void es_dos_fprint_criteria(FILE *f, const es_dos *d, const char *indent);

#endif
