/* wl.h: the Wang-Landau engine. Samples ln g over a grid of one or two macro-variables of any
 * model behind the es_model ops table.
 *
 * The grid may be cut into overlapping windows along one axis (replica-exchange Wang-Landau,
 * Vogel, Li, Wuest, Landau 2013/2014); each window has its own ln g, histogram and schedule
 * and `walkers` walkers. Walkers run `check_every` sweeps independently (each from its own
 * random stream), then meet: ln g is averaged over a window's walkers, histograms summed,
 * flatness checked, ln f updated; every `exchange_every` sweeps neighbouring windows try to
 * swap configurations. The result depends only on the seed and the layout (windows, walkers),
 * never on thread scheduling, and a run can be packed into records and resumed bit for bit. */
#ifndef ENTROSCAPE_WL_H
#define ENTROSCAPE_WL_H

#include "entroscape/common.h"
#include "entroscape/dos.h"
#include "entroscape/grid.h"
#include "entroscape/model.h"
#include "entroscape/records.h"
#include <signal.h>

typedef enum es_wl_method {
    ES_WL_FLAT,  /* "wl": ln f halved when the histogram is flat */
    ES_WL_1T,    /* "1/t": Belardinelli-Pereyra, ln f = 1/t once it falls below */
    ES_WL_MD     /* "wlmd": Wang-Landau dynamics (Langevin steps of all parameters, kernel
                  * updates of ln g) on the 1/t schedule, one step counting as one move */
} es_wl_method;

/* The method's name in configs and result files ("wl", "1/t", "wlmd"). */
const char *es_wl_method_name(es_wl_method m);

/* Moves per walker between meetings when check_every = 0; wlmd: about this many parameter
 * updates (steps x parameters) per meeting, between 20 and ES_WL_AUTO_MOVES steps. */
#define ES_WL_AUTO_MOVES 100000L
#define ES_WL_AUTO_MD_UPDATES 20000000L

/* A window that finds a new bin in its final stage, or while ln f is below this, goes back to
 * stages with at least this ln f (enough to correct the new bin's few nats in a stage). */
#define ES_WL_REOPEN_LN_F 1e-3

/* sampler.refine = 0 (auto) on a continuous axis of B bins: ceil(TOTAL / B) sub-bins per bin
 * (TOTAL_2D per axis in 2-D, where the cost grows as the square), at least MIN (1-D) or MIN_2D
 * per axis (2-D), at most MAX. Measured on particles n = 18,
 * 12 bins with the tails (|w| 1/t to 1e-6): 2 sub-bins leave edge bins 0.1-0.26 nats off
 * after 150 s; 4 converge in 25-75 s on 2 loaded cores to 0.02-0.03 nats. */
#define ES_WL_REFINE_TOTAL 48
#define ES_WL_REFINE_TOTAL_2D 24
#define ES_WL_REFINE_MIN_1D 4
#define ES_WL_REFINE_MIN_2D 2
#define ES_WL_REFINE_MAX 16

/* Defaults of the C API for groups = 0 and tolerance = 0 (the config's defaults agree). */
#define ES_WL_GROUPS 4
#define ES_WL_TOLERANCE 0.05

/* At most this many windows (over all groups). */
#define ES_WL_MAX_WINDOWS 4096
#define ES_WL_MAX_SPANS 64     /* explicit windows (sampler.window_edges) */

typedef struct es_wl_params {
    es_wl_method method;
    double   flatness;        /* flat when min H >= flatness * mean H over reachable bins */
    long     check_every;     /* sweeps per walker between meetings; 0 = auto */
    double   ln_f_initial;    /* usually 1 */
    double   ln_f_final;      /* a window has converged when its ln f <= this */
    uint64_t max_sweeps;      /* per walker, in all; 0 = no limit */
    double   max_seconds;     /* for this invocation; 0 = no limit */
    int      walkers;         /* per window and group */
    int      refine[2];       /* sub-bins per bin along x and y (0 = auto from the model) */
    int      groups;          /* independent estimates (0 = ES_WL_GROUPS); each group a run of its own
                               * (windows, walkers, ln g, schedule); their spread gives the
                               * per-bin error, their mean the result */
    uint64_t round_trips;     /* converged only when every walker made this many round trips */
    double   tolerance;       /* ... and the largest per-bin error is at most this (nats; 0 =
                               * ES_WL_TOLERANCE) ... */
    double   tolerance_mass;  /* ... over bins holding at least this share of the volume */
    uint64_t seed;
    long     approach_sweeps; /* sweeps allowed to walk from a random state into the window */
    int      windows;         /* windows along window_axis (1 = plain Wang-Landau) */
    int      window_axis;     /* 0 = x, 1 = y */
    double   overlap;         /* equal windows: fraction of a window shared with a neighbour */
    int      n_spans;         /* explicit windows (0 = equal windows) ... */
    es_span  spans[ES_WL_MAX_SPANS]; /* ... in bins along window_axis */
    long     exchange_every;  /* sweeps between exchange attempts; 0 = at every meeting */
    long     burn_in;         /* sweeps of step tuning (models with ops->adapt) before sampling */
    double   target_acceptance;
    double   dt;              /* wlmd: initial time step; NaN = auto (proposal width 1% of box) */
    double   kernel;          /* wlmd: kernel sigma in bins */
    int      mala;            /* wlmd: Metropolis-adjusted */
} es_wl_params;

/* What the progress callback sees after each meeting (windows summarised by the slowest). */
typedef struct es_wl_report {
    uint64_t sweeps;          /* per walker */
    uint64_t moves;           /* all walkers */
    double   ln_f;            /* largest over windows */
    double   flatness;        /* smallest over windows */
    double   seconds;         /* this invocation */
    double   eta_seconds;     /* estimate of what is left; < 0 when unknown */
    long     reached, nbins;  /* bins reached so far / in the grid */
    int      stage_changed;   /* 1 when some window reduced ln f at this meeting */
    int      stages;          /* ln f reductions so far, all windows */
    int      phase;           /* 1/t: 2 once every window follows 1/t; else 1 */
    int      windows, windows_converged;
    double   acceptance;      /* fraction of moves accepted in the last segment */
    double   exchange_rate;   /* accepted / tried exchanges so far (0 without windows) */
    double   max_drift;       /* largest drift the models reported at recompute */
    double   md_step;         /* wlmd: mean proposal width sqrt(2 dt) of this rank's walkers, in
                               * units of the box half-width (0 for other methods) */
    uint64_t min_trips;       /* fewest round trips of any walker (all axes with > 1 bin) */
    double   max_err;         /* largest per-bin error at the last check (NaN before one) */
    int      groups;
} es_wl_report;

typedef void (*es_wl_progress_fn)(void *user, const es_wl_report *r, int final);

typedef struct es_wl es_wl;   /* a run in progress */

/* Fill params from the [sampler] options of cfg (window_edges resolved on grid g). */
es_status es_wl_params_from_config(es_wl_params *p, const es_config *cfg, const es_grid *g,
                                   es_err *err);

/* A run of `model` (cloned once per walker; the prototype is not changed) over grid g.
 * Walkers start from uniform random states; es_wl_start walks them into their windows.
 * NULL (err set) on bad parameters or allocation failure. */
es_wl *es_wl_alloc(const es_wl_params *p, const es_grid *g, const es_model *model, es_err *err);
void es_wl_free(es_wl *wl);

/* Walk every walker into its window, then burn in (skipped after es_wl_unpack of a started
 * run). ES_ERUNTIME if one cannot; ES_EINTR when the stop flag (es_wl_set_stop) was set: the
 * walkers keep their positions, and a checkpoint of the run (es_wl_pack) resumes the start. */
es_status es_wl_start(es_wl *wl, es_err *err);

/* A flag (set by a signal handler) that es_wl_start looks at every few thousand moves of the
 * approach and every burn-in sweep; NULL: none. Sampling itself stops only at meetings. */
void es_wl_set_stop(es_wl *wl, volatile sig_atomic_t *stop);

/* One segment: every walker runs to the next meeting; windows meet, schedules advance,
 * neighbouring windows exchange when due. */
es_status es_wl_advance(es_wl *wl, es_err *err);

/* 1 when every window has converged or max_sweeps / max_seconds is reached. */
int es_wl_done(const es_wl *wl);

/* 1 when every criterion holds: every window at ln f <= ln_f_final, every walker with
 * round_trips round trips, the groups agreeing within tolerance, every bin reached by all
 * groups. Checked at meetings. */
int es_wl_converged(const es_wl *wl);

void es_wl_get_report(const es_wl *wl, es_wl_report *r);

/* The result so far: windows stitched into one ln g (normalised), histogram, diagnostics and
 * history in out (allocated with the grid's bins). */
es_status es_wl_result(const es_wl *wl, es_dos *out, es_err *err);

/* Everything a resumed run needs (ln g, histograms, schedules, walker states, random
 * streams, counters) as named records; and back. es_wl_unpack checks every size against
 * this run's layout (ES_EDATA naming what differs) and changes nothing on failure. */
es_status es_wl_pack(const es_wl *wl, es_records *rs, es_err *err);
es_status es_wl_unpack(es_wl *wl, const es_records *rs, es_err *err);

/* The whole loop without checkpoints: alloc, start, advance until done, result. If *stop
 * becomes non-zero, the run ends at the next meeting with converged = 0 and returns
 * ES_EINTR after filling out. */
es_status es_wl_run(const es_wl_params *p, const es_grid *g, const es_model *model, es_dos *out,
                    es_wl_progress_fn progress, void *user, volatile sig_atomic_t *stop,
                    es_err *err);

#endif
