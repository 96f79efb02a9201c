/* dos.h: a density of states on a 1-D or 2-D grid: the product that the sampler fills,
 * the HDF5 layer writes and reads, and analysis consumes. Plain data, no behaviour. */
#ifndef ENTROSCAPE_DOS_H
#define ENTROSCAPE_DOS_H

#include "entroscape/common.h"
#include <stdint.h>

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

#endif
