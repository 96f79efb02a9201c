/* nn.h: neural networks in plain C (llm.c style): layers as forward/backward kernel pairs over
 * batches, all parameters in one contiguous block with per-layer views, double precision
 * (the Wang-Landau sampler needs incremental updates that agree with full passes to 1e-9).
 * Dense products go through CBLAS (OpenBLAS): link with -lopenblas.
 *
 * Conventions: tensors are row-major, batch first. Kernels take outputs first and sizes last.
 * Forward kernels overwrite their output. Backward kernels ACCUMULATE (+=) into parameter
 * gradients (dW, db, dE) and OVERWRITE the input gradient din; din may be NULL where noted
 * (the first layer of a network needs none). Nothing here is global: a const nn_net may be
 * shared by threads as long as each has its own nn_acts. */
#ifndef ENTROSCAPE_NN_H
#define ENTROSCAPE_NN_H

#include "entroscape/common.h"
#include <gsl/gsl_rng.h>

struct es_config;
struct es_data;

typedef enum nn_kind {
    NN_DENSE,     /* (B, in) -> (B, out): y = x W^T + b, W is (out, in), b is (out) */
    NN_CONV3,     /* (B, c_in, h, w) -> (B, c_out, h, w): 3x3, padding 1, stride 1; W (c_out, c_in, 3, 3), b (c_out) */
    NN_MAXPOOL2,  /* (B, c, h, w) -> (B, c, h/2, w/2): 2x2, stride 2 (floor: a last odd row/column is dropped) */
    NN_EMBED,     /* (B, context) token indices -> (B, context * dim): E is (vocab, dim) */
    NN_RELU, NN_TANH, NN_SILU   /* elementwise, shape preserved */
} nn_kind;

typedef enum nn_loss_kind {
    NN_LOSS_SOFTMAX_CE,  /* targets: class index per sample; loss = mean cross-entropy (nats) */
    NN_LOSS_MSE,         /* targets: (B, out); loss = mean over samples and outputs of (y - t)^2 */
    NN_LOSS_STABLEMAX_CE /* targets: class index; loss = mean cross-entropy of StableMax (nats) */
} nn_loss_kind;

/* True for the classification losses (targets are class indices). */
static inline int nn_loss_classifies(nn_loss_kind k)
{
    return k == NN_LOSS_SOFTMAX_CE || k == NN_LOSS_STABLEMAX_CE;
}

typedef struct nn_layer {
    nn_kind kind;
    size_t in_size, out_size;   /* features per sample before / after */
    size_t c_in, c_out, h, w;   /* conv, pool: input geometry (h, w), channels in/out */
    size_t vocab, dim, context; /* embed */
    size_t w_offset, w_count;   /* weights: params[w_offset .. w_offset + w_count) (0 for act/pool) */
    size_t b_offset, b_count;   /* biases (b_count = 0 when none) */
    size_t fan_in;              /* dense: in; conv: 9 c_in; embed: 1; else 0 (for nn_net_init) */
} nn_layer;

typedef struct nn_net {
    size_t n_layers;
    nn_layer *layers;       /* (n_layers) */
    size_t n_params;
    double *params;         /* (n_params) one contiguous block: layer 0 W, b, layer 1 W, b, ... */
    size_t n_in, n_out;     /* per sample */
    nn_loss_kind loss;
    char arch[16];          /* "mlp" | "cnn" | "embed-mlp" */
    size_t max_width;       /* largest in_size or out_size of any layer (scratch width) */
} nn_net;

/* Architecture description (filled from [model] and the task's shape). */
typedef struct nn_spec {
    char arch[16];              /* "mlp" or "cnn" */
    size_t n_in, n_out;         /* per sample; text: n_in = context (tokens per sample) */
    size_t hidden[16];          /* mlp: hidden widths */
    size_t n_hidden;            /* mlp: >= 1 */
    nn_kind activation;         /* NN_RELU, NN_TANH or NN_SILU (mlp hidden layers; cnn after each conv) */
    size_t channels;            /* cnn: channels of every conv layer */
    size_t in_c, in_h, in_w;    /* cnn: input geometry (n_in = in_c in_h in_w) */
    size_t vocab, embed_dim;    /* text: embedding in front of the mlp when vocab > 0 */
    nn_loss_kind loss;
    int biases;                 /* 1: layers have biases (default); 0: none (binary networks) */
} nn_spec;

/* Build a network (parameters zero). cnn: five 3x3 convolutions with `channels` channels, each
 * followed by the activation, max-pools after the 2nd, 4th and 5th (28x28 -> 14 -> 7 -> 3;
 * any geometry whose size stays >= 1, e.g. 8 -> 4 -> 2 -> 1), then dense (c h' w') -> n_out.
 * mlp: [embed (vocab, embed_dim)] -> dense/activation per hidden width -> dense to n_out.
 * Layers are stored with activations and pools as layers of their own. NULL (err set,
 * ES_ECONFIG) on inconsistent specs, ES_ENOMEM on allocation failure. */
nn_net *nn_net_alloc(const nn_spec *spec, es_err *err);
void nn_net_free(nn_net *net);

/* A deep copy (own layers and parameters), e.g. one per walker. NULL on failure (err set). */
nn_net *nn_net_clone(const nn_net *net, es_err *err);

/* Initialise parameters (all layers, weights and biases) from rng:
 *   "uniform": every parameter U(-bound, bound); bound must be > 0.
 *   "kaiming": PyTorch's defaults: dense and conv weights and biases U(-a, a) with
 *              a = 1/sqrt(fan_in) (kaiming_uniform with a = sqrt(5)); embeddings N(0, 1).
 *   "glorot":   Keras' default: weights U(-a, a) with a = sqrt(6 / (fan_in + fan_out))
 *              (dense: fan_out = outputs; conv: 9 c_out), biases 0; embeddings as kaiming.
 *              When bound > 0 the draws are restricted to [-bound, bound]: uniform ones by
 *              narrowing the range to a = min(a, bound), normal ones by truncating the normal
 *              (inverse-CDF draw from N(0,1) conditioned on |e| <= bound), so that no mass
 *              piles up on the box wall.
 * ES_ECONFIG for an unknown method or uniform with bound <= 0. */
es_status nn_net_init(nn_net *net, const char *method, double bound, gsl_rng *rng, es_err *err);

/* A one-line description, e.g. "mlp 2-6-6-6-2 relu, 116 parameters", into buf (size n). */
void nn_net_describe(const nn_net *net, char *buf, size_t n);

/* Per-batch activations: everything forward stores and backward reads. */
typedef struct nn_acts {
    size_t B;              /* capacity in samples */
    double **out;          /* (n_layers) layer outputs, each (B, out_size) */
    size_t **argmax;       /* (n_layers) maxpool: flat index into that layer's input of the max
                            * per output, (B, out_size); else NULL */
    double *dbuf0, *dbuf1; /* (B, max_width) gradient scratch */
    size_t n_layers;       /* of the net it was made for */
    /* dropout (src/nn/dropout.c): NULL unless nn_acts_dropout_alloc was called */
    double **drop;         /* (n_layers) activation layers: (B, out_size) multipliers 0 or
                            * 1/(1-p); other layers NULL */
    double **dropped;      /* (n_layers) activation layers: (B, out_size) out * drop */
    int dropout_on;        /* 1: nn_forward / nn_backward apply drop (training only) */
} nn_acts;

/* Activations for batches of up to B samples (any B >= 1; a whole split is fine for an mlp,
 * nn_evaluate chunks through larger splits). NULL on failure (err set). */
nn_acts *nn_acts_alloc(const nn_net *net, size_t B, es_err *err);
void nn_acts_free(nn_acts *a);

/* Forward pass of B <= acts->B samples x (B, n_in); logits in acts->out[n_layers-1]
 * (nn_logits). Text: x holds token indices in [0, vocab) as doubles. */
void nn_forward(const nn_net *net, nn_acts *acts, const double *x, size_t B);

/* The logits of the last forward pass, (B, n_out). */
static inline const double *nn_logits(const nn_net *net, const nn_acts *acts)
{
    return acts->out[net->n_layers - 1];
}

/* Loss of the last forward pass against targets t (class indices as doubles (B), or (B, n_out)).
 * Returns the mean loss; *correct (if non-NULL) gets the number of correct argmax predictions
 * (classification; ties go to the lowest index) or 0. dlogits (if non-NULL, (B, n_out))
 * receives d(mean loss)/d(logits). A class index outside [0, n_out) gives NaN. */
double nn_loss(const nn_net *net, const nn_acts *acts, const double *t, size_t B,
               size_t *correct, double *dlogits);

/* Backward pass: accumulates (+=) d(loss)/d(params) into grad (n_params) given dlogits from
 * nn_loss, for the same x and B as the last forward (acts unchanged since). Uses acts->dbuf0
 * and dbuf1 as scratch; dlogits may itself be one of them (e.g. nn_loss(..., acts->dbuf0)),
 * and is then overwritten. */
void nn_backward(const nn_net *net, nn_acts *acts, const double *x, const double *dlogits,
                 double *grad, size_t B);

/* Evaluate mean loss and accuracy over a whole split of n samples in chunks of acts->B
 * (uses acts as scratch). accuracy = fraction correct (classification), 0 for regression.
 * Either output may be NULL. n = 0 gives NaN for both. */
void nn_evaluate(const nn_net *net, nn_acts *acts, const double *x, const double *t, size_t n,
                 double *loss, double *accuracy);

/* ---- from the configuration (src/nn/spec.c) ------------------------------------------ */

/* Fill spec from [model] and the loaded task: arch (model.arch; cnn needs an image task, text
 * gets an embedding of model.embed_dim in front of the mlp), hidden widths (model.hidden,
 * "6,6,6": 1 to 16 positive integers), activation (model.activation), loss (softmax
 * cross-entropy when data->classify, else MSE), biases on. ES_ECONFIG with a message naming
 * the key and value ("cfg.ini:5: [model] hidden = 6,,6: empty width at position 2; ...") when
 * they do not fit the task. */
es_status nn_spec_from_config(const struct es_config *cfg, const struct es_data *data,
                              nn_spec *spec, es_err *err);

/* The box half-width: cfg->model_bound, or for model.bound = auto (NaN) twice PyTorch's
 * default init bound of the second weight layer: mlp 2/sqrt(first hidden width) (the
 * paper's spiral rule, 0.816 for width 6); cnn 2/sqrt(9 channels) (fan-in of conv 2..5). */
double nn_spec_bound(const struct es_config *cfg, const nn_spec *spec);

/* ---- kernels (exposed for tests and for the incremental sampler) ---------------------- */

/* out (B, n_out) = in (B, n_in) W^T + b; W (n_out, n_in), b (n_out) or NULL. */
void nn_dense_forward(double *out, const double *in, const double *W, const double *b,
                      size_t B, size_t n_in, size_t n_out);
/* dW (n_out, n_in) += dout^T in; db (n_out, or NULL) += column sums of dout (B, n_out);
 * din (B, n_in, or NULL) = dout W (overwritten; must not alias dout). */
void nn_dense_backward(double *din, double *dW, double *db, const double *dout,
                       const double *in, const double *W, size_t B, size_t n_in, size_t n_out);
/* out (B, c_out, h, w) = conv3(in (B, c_in, h, w), W (c_out, c_in, 3, 3)) + b (c_out, or NULL),
 * zero padding 1, stride 1 (cross-correlation, as PyTorch's Conv2d). */
void nn_conv3_forward(double *out, const double *in, const double *W, const double *b,
                      size_t B, size_t c_in, size_t c_out, size_t h, size_t w);
/* dW (c_out, c_in, 3, 3) +=, db (c_out, or NULL) +=; din (B, c_in, h, w, or NULL) overwritten.
 * Both conv kernels work image by image through im2col + dgemm, with scratch allocated per
 * call (9 (c_in + c_out) h w doubles at most); if that fails they use the _direct loops. */
void nn_conv3_backward(double *din, double *dW, double *db, const double *dout,
                       const double *in, const double *W, size_t B, size_t c_in, size_t c_out,
                       size_t h, size_t w);
/* The same two kernels as direct loops: no scratch, slower (the compiler's vectorisation
 * only); the reference the tests compare with. */
void nn_conv3_forward_direct(double *out, const double *in, const double *W, const double *b,
                             size_t B, size_t c_in, size_t c_out, size_t h, size_t w);
void nn_conv3_backward_direct(double *din, double *dW, double *db, const double *dout,
                              const double *in, const double *W, size_t B, size_t c_in,
                              size_t c_out, size_t h, size_t w);
/* out (B, c, h/2, w/2) = max over 2x2 windows of in (B, c, h, w); argmax (B, c, h/2, w/2)
 * gets the flat index into in of each max (first of equal values). */
void nn_maxpool2_forward(double *out, size_t *argmax, const double *in, size_t B, size_t c,
                         size_t h, size_t w);
/* din (B, c, h, w) overwritten: dout routed to the argmax positions, zero elsewhere. */
void nn_maxpool2_backward(double *din, const double *dout, const size_t *argmax, size_t B,
                          size_t c, size_t h, size_t w);
/* out (B, context * dim): row t of sample b is E[tokens[b, t]] ; tokens (B, context) as doubles
 * in [0, vocab); E (vocab, dim). */
void nn_embed_forward(double *out, const double *tokens, const double *E, size_t B,
                      size_t context, size_t dim);
/* dE (vocab, dim) += dout (B, context * dim) scattered by token. No din (inputs are indices). */
void nn_embed_backward(double *dE, const double *dout, const double *tokens, size_t B,
                       size_t context, size_t dim);
/* out (n) = f(in (n)); out may alias in. */
void nn_act_forward(nn_kind kind, double *out, const double *in, size_t n);
/* din (n) = f'(in) dout (overwritten; may alias dout), with in and out those of the forward. */
void nn_act_backward(nn_kind kind, double *din, const double *dout, const double *in,
                     const double *out, size_t n);
/* Softmax cross-entropy over logits (B, n) with class indices t (B): returns the mean loss
 * (log-sum-exp with the max subtracted, exact for huge logits); dlogits (B, n, or NULL) =
 * (softmax - onehot) / B overwritten; *correct (or NULL) = argmax hits. */
double nn_softmax_ce(double *dlogits, size_t *correct, const double *logits, const double *t,
                     size_t B, size_t n);
/* StableMax cross-entropy over logits (B, n) with class indices t (B) (src/nn/stablemax.c):
 * s(x) = x + 1 (x >= 0), 1/(1 - x) (x < 0); p_j = s(z_j) / sum_k s(z_k); returns the mean of
 * -log p_t; dlogits (B, n, or NULL) = its gradient / B overwritten; *correct (or NULL) =
 * argmax hits. NaN for a target outside [0, n). */
double nn_stablemax_ce(double *dlogits, size_t *correct, const double *logits, const double *t,
                       size_t B, size_t n);
/* s(x) of StableMax. */
double nn_stablemax_s(double x);
/* Mean squared error mean((y - t)^2) over y, t (B, n); dy (B, n, or NULL) = 2 (y - t) / (B n). */
double nn_mse(double *dy, const double *y, const double *t, size_t B, size_t n);

/* ---- dropout (src/nn/dropout.c) ------------------------------------------------------ */

/* Give acts dropout masks for every activation layer (idempotent). ES_ENOMEM (err set). */
es_status nn_acts_dropout_alloc(const nn_net *net, nn_acts *acts, es_err *err);
/* Free what nn_acts_dropout_alloc added (nn_acts_free calls it). */
void nn_acts_dropout_free(nn_acts *acts);
/* Draw fresh masks for B samples: each unit dropped with probability p, kept ones scaled by
 * 1/(1-p), from rng (B * sum of activation widths uniforms). */
void nn_dropout_draw(const nn_net *net, nn_acts *acts, size_t B, double p, gsl_rng *rng);
/* Forward hook: layer i's output (n values) as the next layer sees it: out itself, or
 * out * mask (stored in acts->dropped[i]) while dropout is on. */
const double *nn_dropout_forward(nn_acts *acts, size_t i, const double *out, size_t n);
/* Input of layer i as the forward saw it: x for i = 0, else layer i-1's (dropped) output. */
const double *nn_acts_input_of(const nn_acts *acts, size_t i, const double *x);

/* Threads OpenBLAS uses inside one dgemm (its own pthread pool; default: all cores, or
 * OPENBLAS_NUM_THREADS). Set 1 while several walkers call the kernels from their own threads,
 * so that the two kinds of threads do not oversubscribe the cores. Wrapped here so that other
 * modules need not include <cblas.h> (which includes <complex.h> and so defines a macro I). */
void nn_blas_set_threads(int n);
int nn_blas_threads(void);

/* Name of a layer kind ("dense", "conv3", "maxpool2", "embed", "relu", "tanh", "silu"). */
const char *nn_kind_name(nn_kind kind);

#endif
