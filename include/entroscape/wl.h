/* wl.h: the Wang-Landau engine. Samples ln g over a grid of one or two macro-variables of any
 * model behind the es_model ops table, with several walkers sharing one estimate.
 *
 * Walkers run `check_every` sweeps independently (each from its own random stream), then meet:
 * their ln g copies are averaged, histograms summed, flatness checked, ln f updated. The result
 * depends only on the seed and the number of walkers, never on thread scheduling. */
#ifndef ENTROSCAPE_WL_H
#define ENTROSCAPE_WL_H

#include "entroscape/common.h"
#include "entroscape/dos.h"
#include "entroscape/grid.h"
#include "entroscape/model.h"
#include <signal.h>

typedef enum es_wl_method {
    ES_WL_FLAT,  /* "wl": ln f halved when the histogram is flat */
    ES_WL_1T     /* "1/t": Belardinelli-Pereyra, ln f = 1/t once it falls below */
} es_wl_method;

/* Moves per walker between meetings when check_every = 0. */
#define ES_WL_AUTO_MOVES 100000L

typedef struct es_wl_params {
    es_wl_method method;
    double   flatness;        /* flat when min H >= flatness * mean H over reachable bins */
    long     check_every;     /* sweeps per walker between meetings; 0 = auto */
    double   ln_f_initial;    /* usually 1 */
    double   ln_f_final;      /* converged when ln f <= this */
    uint64_t max_sweeps;      /* per walker; 0 = no limit */
    double   max_seconds;     /* 0 = no limit */
    int      walkers;
    uint64_t seed;
    long     approach_sweeps; /* sweeps allowed to walk from a random state into the grid */
} es_wl_params;

/* What the progress callback sees at each meeting. */
typedef struct es_wl_report {
    uint64_t sweeps;          /* per walker */
    uint64_t moves;           /* all walkers */
    double   ln_f, flatness, seconds;
    double   eta_seconds;     /* estimate of what is left; < 0 when unknown */
    long     reached, nbins;  /* bins reached so far / in the grid */
    int      stage_changed;   /* 1 when ln f was just reduced (or the 1/t phase began) */
    int      phase;           /* 1/t: 1 before ln f follows 1/t, 2 after; wl: 1 */
    double   acceptance;      /* fraction of moves accepted in the last segment */
    double   max_drift;       /* largest drift the models reported at recompute */
} es_wl_report;

typedef void (*es_wl_progress_fn)(void *user, const es_wl_report *r, int final);

/* Fill params from the [sampler] options of cfg. */
es_status es_wl_params_from_config(es_wl_params *p, const es_config *cfg, es_err *err);

/* Run Wang-Landau on `model` (cloned once per walker; the prototype is not changed) over grid
 * g and store the result in out (allocated with the grid's bins; edges, log_g normalised,
 * histogram and attributes filled). progress may be NULL. If *stop becomes non-zero (a signal
 * handler), the run ends at the next meeting with converged = 0 and returns ES_EINTR after
 * filling out. Other failures: err set (e.g. a walker cannot reach the grid). */
es_status es_wl_run(const es_wl_params *p, const es_grid *g, const es_model *model, es_dos *out,
                    es_wl_progress_fn progress, void *user, volatile sig_atomic_t *stop,
                    es_err *err);

#endif
