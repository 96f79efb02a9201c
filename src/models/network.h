/* network.h (internal to src/models): the neural-network model behind the es_model ops table.
 * network.c holds the ops (moves, metrics, lifecycle), network_cache.c the feature-major
 * caches and the incremental kernels, network_init.c the initial states from a trained
 * network (sampler.init = sgd:FILE.h5[:run]).
 *
 * The network is split into a prefix and a dense tail. The tail is the run of dense layers
 * (each followed by an activation, the last one by none) that ends the network; the prefix
 * is what comes before: nothing (mlp), an embedding (text) or the convolutions and pools of
 * the cnn. The tail is evaluated incrementally on feature-major caches: Z[d] is the
 * pre-activation of dense layer d as (units, NP), one row per unit holding every sample
 * (training samples first, then test samples), so that the samples of one unit are
 * contiguous. NP is the number of samples rounded up to a multiple of NET_BLK; the padding
 * columns are computed but never counted. The prefix output X0 (features, NP) feeds the tail.
 *
 * A move changes one parameter. Its effect is found without a full pass:
 *   ROW      a weight or bias of tail layer d changes one unit's row of Z[d] (N operations);
 *            its activation change da (zero where a relu unit stays dead) then
 *   - d last:           is the change of one logit row;
 *   - d + 1 last:       changes the logits by W[d+1][:, j] da (rank one);
 *   - d + 2 last:       FUSED: the rank-one change of layer d + 1 is pushed through its
 *                       activation straight into logit deltas without storing layer d + 1
 *                       (it is applied on accept): block by block of samples, or, when few
 *                       samples change, over the changed samples gathered; for a small relu
 *                       network with one or two outputs layer d + 1 is stored sample-major
 *                       (sm), so that a changed sample's units are contiguous;
 *   - deeper:           COMPACT from layer d + 1 on the samples where da != 0.
 *   COMPACT  the changed samples S are gathered, layer e's new pre-activations for them are
 *            formed, and every later layer is recomputed exactly for S (W act(Zc) + b);
 *            used for embeddings (S = samples containing the token), deep moves, and after a
 *            prefix change (S = all).
 *   PREFIX   a convolution parameter: the prefix is recomputed from the moved layer onward
 *            (partial recompute, into alternate buffers swapped on accept), then COMPACT.
 * Losses and accuracies are recomputed for the changed samples only (S), or, for a regression
 * with one output, block-wise over the sample blocks that may change (dense_reg).
 * Nothing is written to the caches until accept; reject costs nothing. */
#ifndef ENTROSCAPE_NETWORK_H
#define ENTROSCAPE_NETWORK_H

#include "entroscape/data.h"
#include "entroscape/model.h"
#include "entroscape/models.h"
#include "entroscape/nn.h"

#include <stdatomic.h>
#include <stdint.h>

#define NET_BLK 8          /* samples per block of the vector kernels; NP is a multiple */
#define NET_MAX_DENSE 20   /* dense layers in the tail */
#define NET_MAX_PLAYERS 24 /* layers with parameters */
#define NET_MAX_PREFIX 16  /* prefix layers (the cnn has 13) */

enum { NET_TRAIN = 0, NET_TEST = 1 };

/* What x or y is. */
typedef enum net_metric {
    NET_M_NONE,
    NET_M_LOSS,     /* mean loss of the split */
    NET_M_LN_LOSS,  /* its natural log */
    NET_M_ACC,      /* fraction correct */
    NET_M_CORRECT,  /* number correct */
    NET_M_SACC      /* smoothed accuracy (wlmd): mean sigmoid(k (correct logit - best other)) */
} net_metric;

/* Kinds of move. */
typedef enum net_move {
    NET_MV_NONE,
    NET_MV_ROW_LAST,  /* tail layer d is the last: one logit row */
    NET_MV_ROW_RANK1, /* d + 1 is the last: rank-one logit change */
    NET_MV_ROW_FUSED, /* d + 2 is the last */
    NET_MV_COMPACT,   /* any move that ends in the compact path (deep rows, embeddings, prefix) */
} net_move;

/* One dense layer of the tail. */
typedef struct net_dense {
    size_t layer;          /* index in nn_net.layers */
    size_t in, out;        /* features in and out (per sample) */
    size_t w_off, b_off;   /* W (out, in) and b (out) in the parameter block */
    size_t b_count;        /* out, or 0 without biases */
    size_t wt_off;         /* offset of W^T (in, out) in the instance's transposed copies */
    nn_kind act;           /* activation after it; NN_DENSE for the last layer (none) */
    int store_a;           /* 1: activations cached (tanh, silu); relu recomputes max(z, 0) */
    int sm;                /* 1: cached sample-major, (NP, out): the last hidden layer of a small
                            * relu network (one or two outputs), which FUSED moves read by sample */
} net_dense;

/* A layer with parameters: one step size each. */
typedef struct net_player {
    size_t layer;          /* index in nn_net.layers */
    size_t off, count;     /* parameters [off, off + count): weights, then biases */
    nn_kind kind;          /* NN_DENSE, NN_CONV3 or NN_EMBED */
    int dense;             /* index in the tail, or -1 (prefix) */
} net_player;

/* Read-only data shared by every instance (walker) of one model; reference counted. */
typedef struct net_shared {
    atomic_long refs;
    es_data *data;
    nn_spec spec;
    int mode_full;             /* sampler.move = full: every move by a full forward pass */
    int md;                    /* sampler.method = wlmd: moved through params and gradient
                                * only (network_grad.c); no incremental caches are kept */
    double smooth_k;           /* wlmd: k of the smoothed accuracy */
    int classify;
    size_t n_in, n_out;
    size_t n_split[2];         /* samples of the training split, and of the test split if used */
    size_t N, NP;              /* samples used (train, then test), and rounded up to NET_BLK */
    int use_test;              /* the test split is evaluated (y is a test metric) */
    int need_loss[2], need_acc[2];
    net_metric mx, my;         /* x (training split) and y (test split, NONE in 1-D) */
    double bound, step0;       /* box half-width; initial step (all layers) */
    long refresh;              /* accepted moves between full recomputes */
    size_t n_params;
    /* layers */
    size_t n_layers;           /* of the nn_net */
    size_t prefix;             /* layers [0, prefix) are the prefix; the tail starts there */
    int embed;                 /* the prefix is one embedding layer */
    size_t n_dense;
    net_dense dense[NET_MAX_DENSE];
    size_t n_players;
    net_player players[NET_MAX_PLAYERS];
    size_t max_units;          /* widest tail layer (in or out) */
    /* inputs and targets of the N samples */
    double *X0;                /* (n_in, NP) feature-major inputs when there is no prefix */
    double *Xs;                /* (N, n_in) sample-major inputs (prefix and full mode), else NULL */
    double *T;                 /* classification (N) class indices; regression (N, n_out) */
    double *TP;                /* one-output regression: targets padded to (NP) with zeros */
    /* embedding: occurrences of each token in the contexts of the N samples */
    size_t ctx, dim, vocab;
    size_t *occ_start;         /* (vocab + 1) */
    uint32_t *occ;             /* (N ctx) n * ctx + t, grouped by token, n ascending */
    /* initial state from a trained network (sampler.init = sgd:FILE[:run]) */
    double *sgd_params;        /* (sgd_runs, n_params) or NULL */
    long sgd_runs;
    /* per-instance arena layout (bytes from the arena start) */
    size_t arena_bytes;
} net_shared;

/* One instance (a walker's model). Every per-instance array lives in one arena, so a clone
 * is one allocation and one copy; pointers into it are rebased. */
typedef struct net {
    net_shared *sh;
    nn_net *net;               /* own parameters (net->params) and the layer list */
    unsigned char *arena;
    size_t arena_bytes;
    /* tail caches */
    double *WT;                /* transposed dense weights, each (in, out) at dense[d].wt_off */
    double *Z[NET_MAX_DENSE];  /* (out_d, NP) */
    double *A[NET_MAX_DENSE];  /* (out_d, NP) where store_a, else NULL */
    double *Zc[NET_MAX_DENSE]; /* compact path: (out_d, NP) new pre-activations of S */
    double *Ac[NET_MAX_DENSE]; /* compact path: (out_d, NP) new activations (store_a) */
    double *tmp;               /* (max_units, NP) activations scratch */
    double *zrow, *da;         /* (NP) row move: new pre-activation, activation change */
    double *zold, *inrow;      /* (NP) a gathered column of a sample-major layer */
    double *dlog;              /* (n_out, NP) logit deltas */
    double *zs;                /* (n_out) one sample's logits */
    /* per-sample metrics (index n < N) */
    double *loss_s;            /* (NP) per-sample loss (splits whose loss is tracked) */
    uint8_t *corr_s;           /* (NP) 1 if predicted correctly (splits whose accuracy is tracked) */
    uint32_t *S;               /* (NP) changed samples of the proposed move */
    size_t ns;
    uint32_t *blk;             /* (NP / NET_BLK) offsets of the sample blocks where da != 0 */
    size_t nb;
    int dense_reg;             /* the move was evaluated block-wise (one-output regression):
                                * new_loss is indexed by sample on the blocks blk, S is empty */
    double *new_loss;          /* (NP) per changed sample (index into S) */
    uint8_t *new_corr;         /* (NP) */
    /* prefix caches (cnn): layer outputs, sample-major (N, out_size), two buffers per layer:
     * pbuf[i][pcur[i]] is current, the other takes a proposed partial recompute */
    double *pbuf[NET_MAX_PREFIX][2];
    size_t *pmax[NET_MAX_PREFIX][2];   /* max-pool argmax, (N, out_size) */
    int pcur[NET_MAX_PREFIX];
    double *x0buf[2];          /* own X0 (prefix output, feature-major): current x0buf[x0cur] */
    int x0cur;
    double *ones;              /* (NP) 1.0: the input of a bias */
    /* full mode and wlmd */
    nn_acts *facts;            /* (N samples) */
    double md_x, md_y;         /* wlmd: x and y of the parameters at the last evaluation */
    /* metrics: sums over samples of each split */
    double loss_sum[2];
    long correct[2];
    double p_loss_sum[2];      /* proposed */
    long p_correct[2];
    /* the proposed move */
    net_move mv;
    int observed;              /* observe_proposed has run for the pending move */
    size_t p_idx;              /* parameter index */
    double p_old, p_new;
    int p_player, p_dense;     /* its layer (players[], dense[] or -1) */
    size_t p_j, p_i;           /* unit and input (dense), token and column (embed) */
    int p_bias;
    size_t p_layer;            /* nn layer (prefix moves) */
    size_t c_first;            /* compact path: first tail layer recomputed */
    /* steps and bookkeeping (part of the saved state) */
    double step[NET_MAX_PLAYERS];
    uint64_t tried[NET_MAX_PLAYERS], accepted[NET_MAX_PLAYERS];
    uint64_t since_refresh;    /* accepted moves since the last full recompute */
    double max_drift;          /* largest drift of the refreshes since the last recompute call */
} net;

/* ---- network_cache.c -------------------------------------------------------------------- */

/* Assign the instance's arrays in the arena at base (NULL: only size it); returns its size
 * in bytes. The same instance shape always gives the same layout (clones copy the arena). */
size_t net_layout(net *m, unsigned char *base);
/* Every cache from the parameters (prefix, X0, tail, per-sample metrics, sums). */
void net_forward_all(net *m);
/* Metrics of the proposed move (m->mv set up by the caller); fills p_loss_sum, p_correct. */
void net_eval_move(net *m);
/* Commit the evaluated move to the caches (the parameter itself is set by the caller). */
void net_commit_move(net *m);
/* Full-mode evaluation of the current parameters: loss sums and correct counts. */
void net_eval_full(net *m, double loss_sum[2], long correct[2]);

/* ---- network_grad.c --------------------------------------------------------------------- */

/* wlmd: x and y of the current parameters by full passes over the training and test splits
 * (stored in md_x, md_y) and, when gx / gy are not NULL, their gradients (n_params each,
 * overwritten) by backward passes. */
void net_md_eval(net *m, double *x, double *y, double *gx, double *gy);
/* The smoothed accuracy of logits (B, n_out) against class indices t (B): the mean over
 * samples of sigmoid(k (z_c - max_{j != c} z_j)); dlogits (B, n_out, or NULL) receives its
 * gradient (overwritten). */
double net_smooth_acc(double *dlogits, const double *logits, const double *t, size_t B,
                      size_t n_out, double k);

/* ---- network_init.c --------------------------------------------------------------------- */

/* Parse sampler.init and load the trained parameters into sh (sgd_params, sgd_runs).
 * ES_ECONFIG for a malformed value, ES_EIO / ES_EDATA for a file that does not fit. */
es_status net_load_sgd(net_shared *sh, const es_config *cfg, const nn_net *proto, es_err *err);

#endif
