/* nn.h: neural networks in plain C (llm.c style): layers as forward/backward kernel pairs over
 * batches, all parameters in one contiguous block with per-layer views, double precision
 * (the Wang-Landau sampler needs incremental updates that agree with full passes to 1e-9).
 * Dense products go through CBLAS (OpenBLAS). */
#ifndef ENTROSCAPE_NN_H
#define ENTROSCAPE_NN_H

#include "entroscape/common.h"
#include <gsl/gsl_rng.h>

typedef enum nn_kind {
    NN_DENSE,     /* (B, in) -> (B, out): y = x W^T + b, W is (out, in), b is (out) */
    NN_CONV3,     /* (B, c_in, h, w) -> (B, c_out, h, w): 3x3, padding 1, stride 1; W (c_out, c_in, 3, 3), b (c_out) */
    NN_MAXPOOL2,  /* (B, c, h, w) -> (B, c, h/2, w/2): 2x2, stride 2 (floor) */
    NN_EMBED,     /* (B, context) token indices -> (B, context * dim): E is (vocab, dim) */
    NN_RELU, NN_TANH, NN_SILU   /* elementwise, shape preserved */
} nn_kind;

typedef enum nn_loss_kind {
    NN_LOSS_SOFTMAX_CE,  /* targets: class index per sample; loss = mean cross-entropy (nats) */
    NN_LOSS_MSE          /* targets: (B, out); loss = mean over samples and outputs of (y - t)^2 */
} nn_loss_kind;

typedef struct nn_layer {
    nn_kind kind;
    size_t in_size, out_size;   /* features per sample before / after */
    size_t c_in, c_out, h, w;   /* conv, pool: input geometry (h, w), channels in/out */
    size_t vocab, dim, context; /* embed */
    size_t w_offset, w_count;   /* weights: params[w_offset .. w_offset + w_count) */
    size_t b_offset, b_count;   /* biases (b_count = 0 when none) */
} nn_layer;

typedef struct nn_net {
    size_t n_layers;
    nn_layer *layers;       /* (n_layers) */
    size_t n_params;
    double *params;         /* (n_params) one contiguous block: layer 0 W, b, layer 1 W, b, ... */
    size_t n_in, n_out;     /* per sample */
    nn_loss_kind loss;
    char arch[16];          /* "mlp" | "cnn" | "embed-mlp" */
} nn_net;

/* Architecture description (filled from [model] and the task's shape). */
typedef struct nn_spec {
    char arch[16];              /* "mlp" or "cnn" */
    size_t n_in, n_out;
    size_t hidden[16];          /* mlp: hidden widths */
    size_t n_hidden;
    nn_kind activation;         /* NN_RELU, NN_TANH or NN_SILU */
    size_t channels;            /* cnn: channels of every conv layer */
    size_t in_c, in_h, in_w;    /* cnn: input geometry */
    size_t vocab, embed_dim;    /* text: embedding in front of the mlp when vocab > 0 */
    nn_loss_kind loss;
    int biases;                 /* 1: layers have biases (default); 0: none (binary networks) */
} nn_spec;

/* Build a network (parameters zero). cnn: five 3x3 convolutions with `channels` channels, ReLU,
 * max-pools after the 2nd, 4th and 5th (28x28 -> 14 -> 7 -> 3), then dense 9c -> n_out.
 * mlp: [embed] -> dense/activation per hidden width -> dense to n_out. NULL (err set) on
 * inconsistent specs. */
nn_net *nn_net_alloc(const nn_spec *spec, es_err *err);
void nn_net_free(nn_net *net);

/* Initialise parameters: "uniform" in [-bound, bound], or "kaiming" (uniform with the
 * PyTorch default bounds 1/sqrt(fan_in), clipped to bound if bound > 0). Biases likewise. */
es_status nn_net_init(nn_net *net, const char *method, double bound, gsl_rng *rng, es_err *err);

/* Per-batch activations: everything forward stores and backward reads. */
typedef struct nn_acts {
    size_t B;              /* capacity in samples */
    double **out;          /* (n_layers) layer outputs, each (B, out_size) */
    size_t **argmax;       /* (n_layers) maxpool: index of the max per output, else NULL */
    double *dbuf0, *dbuf1; /* (B, max width) gradient scratch */
} nn_acts;

nn_acts *nn_acts_alloc(const nn_net *net, size_t B, es_err *err);
void nn_acts_free(nn_acts *a);

/* Forward pass of B <= acts->B samples x (B, n_in); logits in acts->out[n_layers-1]. */
void nn_forward(const nn_net *net, nn_acts *acts, const double *x, size_t B);

/* Loss of the last forward pass against targets t (class indices as doubles (B), or (B, n_out)).
 * Returns the mean loss; *correct (if non-NULL) gets the number of correct argmax predictions
 * (classification) or 0. dlogits (if non-NULL, (B, n_out)) receives d(mean loss)/d(logits). */
double nn_loss(const nn_net *net, const nn_acts *acts, const double *t, size_t B,
               size_t *correct, double *dlogits);

/* Backward pass: accumulates (+=) d(loss)/d(params) into grad (n_params) given dlogits from
 * nn_loss, for the same x and B as the last forward. */
void nn_backward(const nn_net *net, nn_acts *acts, const double *x, const double *dlogits,
                 double *grad, size_t B);

/* Evaluate mean loss and accuracy over a whole split in batches (uses acts as scratch). */
void nn_evaluate(const nn_net *net, nn_acts *acts, const double *x, const double *t, size_t n,
                 double *loss, double *accuracy);

/* ---- kernels (exposed for tests and for the incremental sampler) ---------------------- */
void nn_dense_forward(double *out, const double *in, const double *W, const double *b,
                      size_t B, size_t n_in, size_t n_out);
void nn_dense_backward(double *din, double *dW, double *db, const double *dout,
                       const double *in, const double *W, size_t B, size_t n_in, size_t n_out);
void nn_conv3_forward(double *out, const double *in, const double *W, const double *b,
                      size_t B, size_t c_in, size_t c_out, size_t h, size_t w);
void nn_conv3_backward(double *din, double *dW, double *db, const double *dout,
                       const double *in, const double *W, size_t B, size_t c_in, size_t c_out,
                       size_t h, size_t w);
void nn_maxpool2_forward(double *out, size_t *argmax, const double *in, size_t B, size_t c,
                         size_t h, size_t w);
void nn_maxpool2_backward(double *din, const double *dout, const size_t *argmax, size_t B,
                          size_t c, size_t h, size_t w);
void nn_embed_forward(double *out, const double *tokens, const double *E, size_t B,
                      size_t context, size_t dim);
void nn_embed_backward(double *dE, const double *dout, const double *tokens, size_t B,
                       size_t context, size_t dim);
void nn_act_forward(nn_kind kind, double *out, const double *in, size_t n);
void nn_act_backward(nn_kind kind, double *din, const double *dout, const double *in,
                     const double *out, size_t n);

#endif
