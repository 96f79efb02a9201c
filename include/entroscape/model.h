/* model.h: the seam between samplers and models. A model is an ops table plus a context
 * pointer (GSL gsl_rng_type / SUNDIALS N_Vector_Ops style): the sampler knows nothing else.
 *
 * A move is proposed, looked at, then accepted or rejected:
 *   propose -> observe_proposed -> accept | reject
 * A model without the incremental path (observe_proposed == NULL) is still sampled: the
 * engine saves the state, accepts, recomputes in full, observes, and restores on rejection. */
#ifndef ENTROSCAPE_MODEL_H
#define ENTROSCAPE_MODEL_H

#include "entroscape/common.h"
#include "entroscape/config.h"
#include <gsl/gsl_rng.h>

typedef struct es_model_ops {
    const char *name;

    /* --- required -------------------------------------------------------------------- */
    /* Degrees of freedom: a sweep is this many moves. */
    size_t (*n_dof)(const void *ctx);
    /* Macro-variables of the current state (y untouched in 1-D models). */
    void (*observe)(const void *ctx, double *x, double *y);
    /* Draw a local move from rng and remember it. ES_OK, or ES_EDOM if the move would leave
     * the model's domain (e.g. the box); the engine then rejects it without observing. */
    es_status (*propose)(void *ctx, gsl_rng *rng);
    /* Commit the proposed move, updating whatever the model caches. */
    void (*accept)(void *ctx);
    /* Forget the proposed move; the state is exactly as before propose. */
    void (*reject)(void *ctx);
    /* Recompute cached observables from the parameters alone; returns the largest relative
     * difference between the cached and recomputed values (floating-point drift). */
    double (*recompute)(void *ctx);
    /* Draw an initial state uniformly from the domain, then recompute. */
    void (*randomize)(void *ctx, gsl_rng *rng);
    /* ln of the domain's volume (uniform measure), or of the number of states. */
    double (*ln_volume)(const void *ctx);
    /* Checkpoint support: a flat byte image of the state (parameters and move bookkeeping,
     * not caches), restored by load_state (which recomputes caches). */
    size_t (*state_size)(const void *ctx);
    void (*save_state)(const void *ctx, void *buf /* (state_size) bytes */);
    es_status (*load_state)(void *ctx, const void *buf, es_err *err);
    /* An independent copy (one per walker); NULL (err set) on failure. */
    void *(*clone)(const void *ctx, es_err *err);
    void (*free)(void *ctx);

    /* --- optional (NULL when absent) ------------------------------------------------ */
    /* Incremental path: macro-variables of the proposed state without committing it. */
    void (*observe_proposed)(void *ctx, double *x, double *y);
    /* Burn-in only: move step sizes towards target_acceptance using the acceptance the model
     * counted (from its accept/reject calls) since the last call, then reset the counts.
     * Never called while ln g is accumulated, so detailed balance holds there. */
    void (*adapt)(void *ctx, double target_acceptance);

    /* Wang-Landau dynamics (sampler.method = wlmd): models whose macro-variables are
     * differentiable functions of a parameter vector in a box. Both or neither are set. */
    /* The parameter vector, n_dof doubles in [-*bound, *bound], which the engine moves in
     * place; after writing to it the engine calls gradient or recompute before anything else. */
    double *(*params)(void *ctx, double *bound);
    /* x and y of the current parameters (what observe reports from now on) and, when gx / gy
     * are not NULL, their gradients with respect to every parameter, gx and gy (n_dof each;
     * gy untouched in 1-D models). */
    void (*gradient)(void *ctx, double *x, double *y, double *gx, double *gy);
} es_model_ops;

typedef struct es_model {
    const es_model_ops *ops;
    void *ctx;
    int dims;               /* 1: x only; 2: x and y */
    char x_variable[64];    /* name of x, e.g. "energy" */
    char y_variable[64];    /* name of y, "none" in 1-D */
    unsigned continuous;    /* ES_AXIS_X | ES_AXIS_Y: the axis takes a continuum of values
                             * (the sampler may refine its bins internally); 0 = discrete */
} es_model;

enum { ES_AXIS_X = 1, ES_AXIS_Y = 2 };

/* Build the model that cfg names (task.name). NULL (err set, ES_ECONFIG for bad combinations). */
es_model *es_model_create(const es_config *cfg, es_err *err);

/* An independent copy of a model (fresh context via ops->clone). */
es_model *es_model_clone(const es_model *m, es_err *err);

/* Free the model and its context; NULL-safe. */
void es_model_free(es_model *m);

#endif
