/* train.h: the gradient-trained baseline: SGD (momentum, L2) and Adam (AdamW) over a task's
 * network, several independent runs in parallel (one per OpenMP thread), every run evaluated on
 * the full train and test splits at initialisation and after every epoch; the result is what
 * /sgd of an output file holds (src/io/h5sgd.c). */
#ifndef ENTROSCAPE_TRAIN_H
#define ENTROSCAPE_TRAIN_H

#include "entroscape/common.h"
#include "entroscape/config.h"
#include "entroscape/data.h"
#include "entroscape/nn.h"
#include "entroscape/surge.h"

#include <signal.h>
#include <stdio.h>

/* ---- optimizers ------------------------------------------------------------------------ */

typedef enum es_optim_kind {
    ES_OPTIM_SGD,   /* v = momentum v + (g + wd w); w -= lr v  (PyTorch SGD, no dampening) */
    ES_OPTIM_ADAM   /* w -= lr wd w; m, v moments; w -= lr m^ / (sqrt(v^) + eps)  (AdamW) */
} es_optim_kind;

typedef struct es_optim_params {
    es_optim_kind kind;
    double lr;
    double momentum;       /* sgd only; 0 = plain SGD */
    double weight_decay;   /* sgd: L2 term added to the gradient; adam: decoupled (AdamW) */
    double beta1, beta2;   /* adam: 0.9, 0.999 */
    double eps;            /* adam: 1e-8 */
} es_optim_params;

/* Optimizer state for n parameters. */
typedef struct es_optim {
    es_optim_params p;
    size_t n;
    long t;         /* steps taken */
    double *m;      /* (n) sgd: momentum buffer; adam: first moment */
    double *v;      /* (n) adam: second moment; NULL for sgd */
} es_optim;

/* Defaults for kind (lr 1e-3, no momentum or decay, Adam's betas 0.9, 0.999, eps 1e-8). */
es_optim_params es_optim_defaults(es_optim_kind kind);

/* State for n parameters, zeroed. NULL (err set) on allocation failure. */
es_optim *es_optim_alloc(const es_optim_params *p, size_t n, es_err *err);
void es_optim_free(es_optim *o);

/* Forget all steps taken (moments and step count to zero). */
void es_optim_reset(es_optim *o);

/* One update of w (n) from the gradient g (n) of the loss (without any weight decay term). */
void es_optim_step(es_optim *o, double *w, const double *g);

/* Clamp every w[i] into [-bound, bound]; nothing when bound <= 0 or is not finite. */
void es_train_project(double *w, size_t n, double bound);

/* ---- the trainer ----------------------------------------------------------------------- */

/* Metrics in each row of the history, in this order. */
enum { ES_TRAIN_LOSS, ES_TRAIN_ACC, ES_TEST_LOSS, ES_TEST_ACC, ES_N_METRICS };
extern const char *const es_train_metric_names[ES_N_METRICS]; /* "train_loss", ... */

typedef struct es_train_params {
    es_optim_params optim;
    size_t batch;          /* minibatch size (capped at the training set size) */
    long epochs;           /* passes over the training set */
    long runs;             /* independent runs; run r draws from es_rng_alloc(seed, r) */
    uint64_t seed;
    double bound;          /* > 0: parameters projected into [-bound, bound] after every
                            * step and initialised inside it; 0: no box (or train.box = none) */
    double box;            /* the box of model.bound (0: none): bounds the initialisation and
                            * is recorded; train.box = none keeps it while bound = 0 */
    int box_none;          /* train.box = none: the parameters are not projected */
    char init[16];         /* nn_net_init method: "uniform" | "kaiming" | "glorot" */
    int threads;           /* OpenMP threads over runs; 0 = the OpenMP default */
    /* issue 13: all off by default, and then training is exactly as without them */
    int orthograd;         /* 1: perpendicular gradients on weight tensors (es_orthograd) */
    double dropout;        /* hidden-unit drop probability while training; 0 = off */
    long early_stop;       /* patience (epochs) on the validation loss; 0 = off */
    double validation;     /* fraction of the training split held out (its tail); 0 = none */
    es_surge_params surge; /* Surge-Collapse schedule; collapse_every = 0: off */
    long shift_epoch;      /* > 0: classes shift_a and shift_b swap labels from this epoch */
    long shift_a, shift_b;
} es_train_params;

/* Fill p from [train], [model] and [surge] of cfg. The box: model.bound when the config sets it
 * (es_config_is_set), "auto" (NaN) becoming nn_spec_bound(cfg, spec); no box otherwise.
 * ES_ECONFIG (err set) for values the trainer cannot use. */
es_status es_train_params_from_config(es_train_params *p, const es_config *cfg,
                                      const nn_spec *spec, es_err *err);

/* What /sgd holds: per-run histories and final parameters, plus how they were made. */
typedef struct es_sgd {
    char optimizer[16];    /* "sgd" | "adam" */
    char task[32], dataset[32], init[16];
    char arch[128];        /* nn_net_describe: "mlp 2-6-6-6-2 relu, 116 parameters" */
    double lr, momentum, weight_decay;
    double bound;          /* box half-width, 0 = none */
    int box_none;          /* 1: trained with train.box = none (bound not enforced after the
                            * initialisation); /sgd attribute box = "none" | "project" */
    long batch, epochs, runs;
    int64_t seed;
    size_t n_params;
    int classify;          /* 0: regression (accuracies are NaN) */
    double unigram_test_loss;  /* text: test cross-entropy of the training unigram; else NaN */
    double seconds;        /* wall-clock seconds of the whole training (all runs) */
    double step_seconds;   /* of which minibatch steps (the rest: evaluation), summed over runs */
    double *history;       /* (runs, epochs + 1, ES_N_METRICS); epoch 0 = initialisation */
    double *final_params;  /* (runs, n_params) */
    /* entropy dynamics (issue 13) */
    char method[256];      /* what is on beyond the optimizer ("orthograd, stablemax, surge-
                            * collapse ...", "" for none) */
    double *sparsity;      /* (runs, epochs + 1) fraction of weights (not biases) at zero */
    size_t n_hidden;       /* hidden (activation) layers; 0 until es_train_run sets it */
    double *act_entropy;   /* (runs, epochs + 1, n_hidden) mean binary entropy (nats) of the
                            * fraction of training samples on which a unit is active; or NULL */
    unsigned char *final_mask; /* (runs, n_params) 1 = free, 0 = pruned at the end */
    long *best_epoch;      /* (runs) early stop: the epoch whose parameters were kept, else
                            * the last epoch */
} es_sgd;

/* An empty result of the given shape (history and sparsity NaN, parameters 0, masks 1, no
 * act_entropy). NULL (err set) on failure. */
es_sgd *es_sgd_alloc(long runs, long epochs, size_t n_params, es_err *err);
void es_sgd_free(es_sgd *s);

/* history[run][epoch][metric]. */
static inline double *es_sgd_row(const es_sgd *s, long run, long epoch)
{
    return s->history + ((size_t)run * (size_t)(s->epochs + 1) + (size_t)epoch) * ES_N_METRICS;
}

/* Progress after each epoch of any run (called from one thread at a time). */
typedef struct es_train_report {
    long run, epoch;           /* the epoch just finished (0 = initial evaluation) */
    const double *metrics;     /* (ES_N_METRICS) of that run and epoch */
    long epochs_done, epochs_total;  /* over all runs, initial evaluations not counted */
    long runs_done, runs;
    double seconds, eta_seconds;     /* elapsed; estimated remaining (-1 unknown) */
} es_train_report;
typedef void (*es_train_progress_fn)(void *user, const es_train_report *r);

/* Train p->runs networks of architecture spec on d, filling out (shape runs, epochs,
 * n_params of the spec's network; the caller fills out's descriptive fields or uses
 * es_train_describe). Runs are spread over OpenMP threads; results do not depend on the
 * thread count. With more than one run at a time OpenBLAS is set to one thread, otherwise
 * to p->threads. stop (may be NULL) is polled after every minibatch: when set, ES_EINTR.
 * ES_ENOMEM, ES_ERUNTIME (non-finite loss is not an error: it is recorded). */
es_status es_train_run(const es_train_params *p, const nn_spec *spec, const es_data *d,
                       es_sgd *out, es_train_progress_fn progress, void *user,
                       volatile sig_atomic_t *stop, es_err *err);

/* Fill the descriptive fields of s (optimizer, lr, ..., task, arch, unigram baseline) from
 * p, spec, d and cfg. */
void es_train_describe(es_sgd *s, const es_train_params *p, const nn_spec *spec,
                       const es_data *d, const es_config *cfg);

/* Test cross-entropy (nats) of the unigram model of the training targets (add-one smoothed
 * character frequencies over d->vocab symbols). NaN unless d is a text task. */
double es_train_unigram_test_loss(const es_data *d);

/* ---- /sgd in HDF5 (src/io/h5sgd.c) ------------------------------------------------------ */
/* /sgd/history      float64 (run, epoch, metric)  train_loss, train_acc, test_loss, test_acc
 * /sgd/final_params float64 (run, param)
 * /sgd/sparsity     float64 (run, epoch) fraction of weights at zero
 * /sgd/activation_entropy float64 (run, epoch, layer) hidden layers' activation entropy (nats)
 * /sgd/final_mask   uint8 (run, param) 1 = free, 0 = pruned; /sgd/best_epoch int64 (run)
 * /sgd/run, /sgd/epoch, /sgd/param  int64 indices; /sgd/metric string names: dimension scales
 * /sgd attrs optimizer, lr, momentum, weight_decay, batch, epochs, runs, n_params, task,
 *            dataset, arch, init, bound, seed, seconds, step_seconds, metrics, and
 *            unigram_test_loss for text tasks. */
typedef struct es_h5 es_h5;

/* Write /sgd into an output file being written (before es_h5_commit). ES_EIO on failure,
 * after which the caller should abort the file. */
es_status es_h5_write_sgd(es_h5 *h, const es_sgd *s, es_err *err);

/* Read /sgd of an entroscape file. NULL (err set): ES_EIO unreadable, ES_EDATA if it is not
 * an entroscape file or /sgd is missing or malformed. */
es_sgd *es_h5_read_sgd(const char *path, es_err *err);

/* Print the /sgd summary of an open file (file_id: an HDF5 hid_t, which is int64_t) to f:
 * used by es_h5_print_info. ES_OK if printed or if the file has no /sgd (nothing printed);
 * ES_EDATA / ES_EIO (err set, as es_h5_read_sgd) if /sgd is malformed. */
es_status es_h5_print_sgd(int64_t file_id, const char *path, FILE *f, es_err *err);

#endif
