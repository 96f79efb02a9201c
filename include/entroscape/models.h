/* models.h: constructors of the built-in models (each returns an es_model behind the ops table). */
#ifndef ENTROSCAPE_MODELS_H
#define ENTROSCAPE_MODELS_H

#include "entroscape/model.h"

typedef enum es_potential { ES_POT_ABS, ES_POT_SQUARE } es_potential;

/* Non-interacting particles: n parameters uniform in [-bound, bound]; x = mean phi over the
 * first `split` parameters, y = mean phi over the rest (split = 0: 1-D, x over all n).
 * A move displaces one parameter by U(-step, step); leaving the box is ES_EDOM. */
es_model *es_particles_create(long n, long split, es_potential pot, double bound, double step,
                              es_err *err);

/* 2-D Ising model, L x L periodic, single-spin flips; x = E = -sum_<ij> s_i s_j. */
es_model *es_ising_create(long L, es_err *err);

/* Binary network (model.weights = binary) for a classification task: an MLP over the task's
 * inputs with hidden widths model.hidden, weights +-1, no biases, sign activations
 * (sign(0) = +1), prediction the strict argmax of the last layer (a tie counts as wrong).
 * x = train_correct (auto) | train_acc, y = none (auto) | test_acc | test_correct. A move
 * flips sampler.flips distinct weights chosen uniformly; ln_volume = n ln 2. Loads the data
 * (es_data_load). NULL (err set; ES_ECONFIG for keys that do not fit) on failure. */
es_model *es_binary_net_create(const es_config *cfg, es_err *err);

/* A neural network on a learning task (task.name spiral, spiral-regression, arithmetic,
 * tabular, image, text; model.weights = continuous): its parameters uniform in the box
 * [-model.bound, model.bound]; x = sampler.x (train_loss, ln_train_loss, train_acc,
 * train_correct), y = sampler.y (none, test_loss, ln_test_loss, test_acc). Moves displace one
 * parameter by U(-step, step), a step per layer (sampler.step, 0 = bound / 10; tuned by adapt
 * during burn-in), evaluated incrementally (sampler.move = single) or by a full forward pass
 * (full); the caches are recomputed every sampler.refresh accepted moves. The initial state
 * is uniform in the box or a trained network (sampler.init = sgd:FILE.h5[:run]). NULL (err
 * set) on failure: ES_ECONFIG for bad combinations (e.g. an accuracy axis on a regression),
 * ES_EIO / ES_EDATA for data files. */
es_model *es_network_create(const es_config *cfg, es_err *err);

/* What `entroscape bench` and the tests read from a network model. */
typedef struct es_network_stats {
    double train_loss, test_loss;   /* current mean losses (NaN when not tracked) */
    double train_acc, test_acc;     /* current accuracies (NaN when not tracked) */
    size_t n_params, n_samples;     /* parameters; samples evaluated (train + test in use) */
    const double *params;           /* (n_params) the current parameters, block order */
    double bound;
    int full;                       /* 1: sampler.move = full */
    size_t bytes_per_walker;        /* caches, parameters and scratch of one instance */
    size_t bytes_shared;            /* data shared by all instances (inputs, targets) */
    char arch[128];                 /* e.g. "mlp 2-6-6-6-2 relu, 116 parameters" */
    double step[24];                /* per layer with parameters */
    size_t n_steps;
} es_network_stats;

/* Fill s for a model made by es_network_create; ES_EDATA if it is another kind of model. */
es_status es_network_stats_get(const es_model *m, es_network_stats *s);

#endif
