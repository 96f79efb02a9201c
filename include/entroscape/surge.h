/* surge.h: Surge-Collapse training (issue 13): per weight tensor magnitude pruning
 * ("collapse"), re-admission of pruned weights ("surge"), a mask that keeps pruned weights at
 * exactly zero with their optimizer moments reset, perpendicular gradients (orthograd), and
 * the activation entropy of hidden layers. Biases are never pruned nor projected. */
#ifndef ENTROSCAPE_SURGE_H
#define ENTROSCAPE_SURGE_H

#include "entroscape/common.h"
#include "entroscape/nn.h"

#include <gsl/gsl_rng.h>

struct es_optim;

/* The schedule, from [surge] (es_train_params_from_config fills it). */
typedef struct es_surge_params {
    long collapse_every;   /* optimizer steps between collapses; 0 = off */
    double sparsity;       /* fraction of each weight tensor pruned at a collapse */
    long surge_every;      /* steps between surges; 0 = none */
    double regrow;         /* fraction of each tensor's pruned weights re-admitted */
    int regrow_gradient;   /* 1: largest |gradient| first; 0: uniformly at random */
    int regrow_noise;      /* 1: re-admitted weights ~ N(0, noise_scale^2); 0: zero */
    double noise_scale;
    int final_sparse;      /* 1: the run ends with a collapse and keeps its mask */
    int adapt_entropy;     /* 1: sizes follow each layer's activation entropy */
    double entropy_low, entropy_high;  /* nats */
} es_surge_params;

/* One run's Surge-Collapse state. */
typedef struct es_surge {
    es_surge_params p;
    size_t n_params;
    size_t n_tensors;
    size_t *off, *cnt;     /* (n_tensors) weight tensors: params[off .. off + cnt) */
    size_t *feed;          /* (n_tensors) hidden layer (index into the activation layers) whose
                            * entropy guides the tensor under adapt = entropy */
    unsigned char *mask;   /* (n_params) 1 = free, 0 = pruned (held at zero) */
    double *keep;          /* (n_params) the mask as 1.0 / 0.0, for a vectorised product */
    double *gsave;         /* (n_params) dense gradient of a surge step (regrow_by = gradient) */
    size_t *idx;           /* (largest tensor) scratch */
    double *frac;          /* (n_tensors) per-tensor fractions under adapt = entropy */
    long step;             /* optimizer steps taken */
    int pending_surge;     /* a surge is due after the current step */
} es_surge;

/* State for net's weight tensors (every layer with weights: dense, conv, embedding), mask all
 * free. NULL (err set) on allocation failure. */
es_surge *es_surge_alloc(const nn_net *net, const es_surge_params *p, es_err *err);
void es_surge_free(es_surge *s);

/* True when the schedule prunes at all (collapse_every > 0). */
int es_surge_on_p(const es_surge_params *p);

/* Collapse: in tensor k prune exactly round(frac[k] x cnt[k]) weights (frac NULL: sparsity
 * for all), smallest |w| first (ties by index, weights already pruned count as 0); they are
 * set to 0, masked, and their moments in opt (may be NULL) set to 0. Others are re-freed. */
void es_surge_collapse(es_surge *s, double *w, struct es_optim *opt, const double *frac);

/* Surge: in tensor k re-admit round(frac[k] x pruned in k) pruned weights (frac NULL: regrow),
 * chosen at random from rng or by largest |g[i]| (g: the dense gradient; ties by index),
 * set to 0 or N(0, noise_scale^2). Returns the number re-admitted over all tensors. */
size_t es_surge_regrow(es_surge *s, double *w, const double *g, gsl_rng *rng,
                       const double *frac);

/* Lift the mask (every weight free; values unchanged). */
void es_surge_release(es_surge *s);

/* Hooks around one optimizer step. before: counts the step, saves the dense gradient when a
 * surge is due, zeroes g where pruned. after: zeroes pruned weights, then collapses and/or
 * surges when due (collapse first). H (hidden layers' activation entropy, or NULL) sizes them
 * under adapt = entropy. */
void es_surge_before_step(es_surge *s, double *g);
void es_surge_after_step(es_surge *s, double *w, struct es_optim *opt, gsl_rng *rng,
                         const double *H);

/* The fraction of net's weights (weight tensors only, not biases) at exactly zero (0 when the
 * network has no weights). */
double es_surge_sparsity(const nn_net *net, const double *w);

/* Perpendicular gradient (Prieto et al. 2025) for each weight tensor of net: g' = g -
 * (w.g / (w.w + 1e-30)) w, rescaled to |g|; biases untouched. */
void es_orthograd(const nn_net *net, const double *w, double *g);
/* The same for one tensor of n values. */
void es_orthograd_tensor(const double *w, double *g, size_t n);

/* ---- activation entropy ------------------------------------------------------------- */

/* Hidden layers of net = its activation layers; their indices into layers[] in order into
 * idx (may be NULL). Returns how many. */
size_t es_act_layers(const nn_net *net, size_t *idx);

/* Binary entropy in nats of a fraction q in [0, 1] (0 at 0 and 1, ln 2 at 1/2). */
double es_binary_entropy(double q);

/* Add to counts (sum of the hidden layers' widths) the number of the B samples of the last
 * forward pass on which each hidden unit is active (output > 0). */
void es_act_count(const nn_net *net, const nn_acts *acts, size_t B, long *counts);

/* H (n hidden layers) = per layer, the mean over its units of es_binary_entropy(counts / n). */
void es_act_entropy(const nn_net *net, const long *counts, size_t n, double *H);

#endif
