/* walker.h (internal to the sampler): one Wang-Landau walker: a model instance, its random
 * stream, its current bin, and its private copy of ln g and histogram between meetings. */
#ifndef ENTROSCAPE_WALKER_H
#define ENTROSCAPE_WALKER_H

#include "entroscape/grid.h"
#include "entroscape/model.h"
#include <gsl/gsl_rng.h>

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
} es_walker;

/* A walker for stream `index` of `seed`, its model cloned from proto and drawn uniformly. */
es_walker *es_walker_alloc(const es_model *proto, long nbins, uint64_t seed, uint64_t index,
                           es_err *err);
void es_walker_free(es_walker *w);

/* Walk from the current state into the grid by accepting only moves that do not increase the
 * distance to it; at most max_moves trials. ES_ERUNTIME (err set) if the grid is not reached. */
es_status es_walker_approach(es_walker *w, const es_grid *g, const es_span *span,
                             uint64_t max_moves, es_err *err);

/* Run `sweeps` sweeps of Wang-Landau moves inside span on the private ln g with modification
 * factor ln_f, or, when one_over_t_moves > 0, ln f = reached / (moves so far), with moves so
 * far starting at one_over_t_moves and `reached` bins. ln_f = 0 samples without updating. */
void es_walker_run(es_walker *w, const es_grid *g, const es_span *span, uint64_t sweeps,
                   double ln_f, uint64_t one_over_t_moves, long reached);

/* Full recompute of the model (drift control); updates x, y, bin and max_drift. */
void es_walker_refresh(es_walker *w, const es_grid *g, const es_span *span);

#endif
