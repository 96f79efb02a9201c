/* net.c: whole networks: building the layer list and the parameter block from a spec,
 * initialisation, and forward / loss / backward / evaluate over the layer list. */
#include "entroscape/nn.h"

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- building */

const char *nn_kind_name(nn_kind kind)
{
    switch (kind) {
    case NN_DENSE: return "dense";
    case NN_CONV3: return "conv3";
    case NN_MAXPOOL2: return "maxpool2";
    case NN_EMBED: return "embed";
    case NN_RELU: return "relu";
    case NN_TANH: return "tanh";
    case NN_SILU: return "silu";
    }
    return "unknown";
}

static int nn_is_activation(nn_kind k)
{
    return k == NN_RELU || k == NN_TANH || k == NN_SILU;
}

/* Layers are appended to a net under construction; sizes are checked against overflow and
 * against what CBLAS (int dimensions) takes. */
typedef struct nn_builder {
    nn_net *net;
    size_t cap;       /* capacity of net->layers */
    int biases;
    int overflow;     /* set when any size overflowed */
} nn_builder;

static size_t nn_mul(nn_builder *bd, size_t a, size_t b)
{
    size_t r;
    if (__builtin_mul_overflow(a, b, &r) || r > (size_t)INT_MAX) {
        bd->overflow = 1;
        return 1;
    }
    return r;
}

/* Append a layer: fills in the parameter offsets (W then b) and the next offset. */
static nn_layer *nn_push(nn_builder *bd, nn_layer l)
{
    nn_net *net = bd->net;
    if (net->n_layers == bd->cap)
        return NULL;  /* cannot happen: cap is counted from the spec */
    l.w_offset = net->n_params;
    l.b_offset = l.w_offset + l.w_count;
    if (l.w_count + l.b_count < l.w_count || l.b_offset + l.b_count < l.b_offset)
        bd->overflow = 1;
    net->n_params = l.b_offset + l.b_count;
    if (l.in_size > net->max_width)
        net->max_width = l.in_size;
    if (l.out_size > net->max_width)
        net->max_width = l.out_size;
    net->layers[net->n_layers] = l;
    return &net->layers[net->n_layers++];
}

/* Width of the last layer's output (or the net's input). */
static size_t nn_width(const nn_builder *bd)
{
    const nn_net *net = bd->net;
    return net->n_layers ? net->layers[net->n_layers - 1].out_size : net->n_in;
}

static void nn_push_dense(nn_builder *bd, size_t out)
{
    size_t in = nn_width(bd);
    nn_push(bd, (nn_layer){.kind = NN_DENSE, .in_size = in, .out_size = out, .fan_in = in,
                           .w_count = nn_mul(bd, in, out), .b_count = bd->biases ? out : 0});
}

static void nn_push_act(nn_builder *bd, nn_kind kind)
{
    size_t n = nn_width(bd);
    nn_push(bd, (nn_layer){.kind = kind, .in_size = n, .out_size = n});
}

static void nn_push_conv(nn_builder *bd, size_t c_in, size_t c_out, size_t h, size_t w)
{
    size_t hw = nn_mul(bd, h, w);
    nn_push(bd, (nn_layer){.kind = NN_CONV3, .c_in = c_in, .c_out = c_out, .h = h, .w = w,
                           .in_size = nn_mul(bd, c_in, hw), .out_size = nn_mul(bd, c_out, hw),
                           .fan_in = 9 * c_in, .w_count = nn_mul(bd, c_out, 9 * c_in),
                           .b_count = bd->biases ? c_out : 0});
}

static void nn_push_pool(nn_builder *bd, size_t c, size_t h, size_t w)
{
    nn_push(bd, (nn_layer){.kind = NN_MAXPOOL2, .c_in = c, .c_out = c, .h = h, .w = w,
                           .in_size = nn_mul(bd, c, nn_mul(bd, h, w)),
                           .out_size = nn_mul(bd, c, nn_mul(bd, h / 2, w / 2))});
}

/* Check a spec; on failure ES_ECONFIG naming what is wrong. */
static es_status nn_spec_check(const nn_spec *s, es_err *err)
{
    int cnn = strcmp(s->arch, "cnn") == 0;
    if (!cnn && strcmp(s->arch, "mlp") != 0)
        return es_err_set(err, ES_ECONFIG, "network: unknown arch \"%.16s\" (allowed: mlp, cnn)",
                          s->arch);
    if (!nn_is_activation(s->activation))
        return es_err_set(err, ES_ECONFIG, "network: activation must be relu, tanh or silu");
    if (!nn_loss_classifies(s->loss) && s->loss != NN_LOSS_MSE)
        return es_err_set(err, ES_ECONFIG, "network: unknown loss %d", (int)s->loss);
    if (s->n_in == 0 || s->n_out == 0)
        return es_err_set(err, ES_ECONFIG, "network: %zu inputs and %zu outputs (both must be >= 1)",
                          s->n_in, s->n_out);
    if (cnn) {
        if (s->vocab)
            return es_err_set(err, ES_ECONFIG, "network: cnn takes images, not tokens");
        if (s->channels == 0 || s->in_c == 0)
            return es_err_set(err, ES_ECONFIG, "network: cnn needs >= 1 channel (in %zu, conv %zu)",
                              s->in_c, s->channels);
        if (s->in_h < 8 || s->in_w < 8)
            return es_err_set(err, ES_ECONFIG,
                              "network: cnn input %zux%zu too small: three 2x2 max-pools need "
                              "height and width >= 8", s->in_h, s->in_w);
        if (s->in_c * s->in_h * s->in_w != s->n_in)
            return es_err_set(err, ES_ECONFIG, "network: cnn input %zux%zux%zu != %zu inputs",
                              s->in_c, s->in_h, s->in_w, s->n_in);
    } else {
        if (s->n_hidden < 1 || s->n_hidden > ES_ARRAY_LEN(s->hidden))
            return es_err_set(err, ES_ECONFIG, "network: mlp needs 1 to %zu hidden layers, got %zu",
                              ES_ARRAY_LEN(s->hidden), s->n_hidden);
        for (size_t i = 0; i < s->n_hidden; i++)
            if (s->hidden[i] == 0)
                return es_err_set(err, ES_ECONFIG, "network: hidden layer %zu has width 0", i + 1);
        if (s->vocab && s->embed_dim == 0)
            return es_err_set(err, ES_ECONFIG, "network: embedding dimension 0");
    }
    return ES_OK;
}

nn_net *nn_net_alloc(const nn_spec *spec, es_err *err)
{
    if (nn_spec_check(spec, err) != ES_OK)
        return NULL;
    int cnn = strcmp(spec->arch, "cnn") == 0;
    size_t n_layers = cnn ? 14 : (spec->vocab ? 1 : 0) + 2 * spec->n_hidden + 1;
    nn_net *net = es_calloc(1, sizeof *net, "network", err);
    if (!net)
        return NULL;
    net->layers = es_calloc(n_layers, sizeof *net->layers, "network layers", err);
    if (!net->layers) {
        free(net);
        return NULL;
    }
    net->n_in = spec->n_in;
    net->n_out = spec->n_out;
    net->loss = spec->loss;
    net->max_width = spec->n_in;
    snprintf(net->arch, sizeof net->arch, "%s", cnn ? "cnn" : spec->vocab ? "embed-mlp" : "mlp");
    nn_builder bd = {.net = net, .cap = n_layers, .biases = spec->biases != 0};

    if (cnn) {
        /* conv conv pool conv conv pool conv pool dense, each conv followed by the activation */
        size_t c = spec->channels, h = spec->in_h, w = spec->in_w, c_in = spec->in_c;
        for (int k = 1; k <= 5; k++) {
            nn_push_conv(&bd, c_in, c, h, w);
            nn_push_act(&bd, spec->activation);
            c_in = c;
            if (k == 2 || k == 4 || k == 5) {
                nn_push_pool(&bd, c, h, w);
                h /= 2;
                w /= 2;
            }
        }
        nn_push_dense(&bd, spec->n_out);
    } else {
        if (spec->vocab) {
            size_t ctx = spec->n_in, dim = spec->embed_dim;
            nn_push(&bd, (nn_layer){.kind = NN_EMBED, .vocab = spec->vocab, .dim = dim,
                                    .context = ctx, .in_size = ctx,
                                    .out_size = nn_mul(&bd, ctx, dim),
                                    .w_count = nn_mul(&bd, spec->vocab, dim)});
        }
        for (size_t i = 0; i < spec->n_hidden; i++) {
            nn_push_dense(&bd, spec->hidden[i]);
            nn_push_act(&bd, spec->activation);
        }
        nn_push_dense(&bd, spec->n_out);
    }
    if (bd.overflow || net->n_layers != n_layers) {
        es_err_set(err, ES_ECONFIG, "network: a layer is too large (more than %d values)", INT_MAX);
        nn_net_free(net);
        return NULL;
    }
    net->params = es_calloc(net->n_params, sizeof *net->params, "network parameters", err);
    if (!net->params) {
        nn_net_free(net);
        return NULL;
    }
    return net;
}

void nn_net_free(nn_net *net)
{
    if (!net)
        return;
    free(net->layers);
    free(net->params);
    free(net);
}

nn_net *nn_net_clone(const nn_net *net, es_err *err)
{
    nn_net *c = es_calloc(1, sizeof *c, "network", err);
    if (!c)
        return NULL;
    *c = *net;
    c->layers = es_calloc(net->n_layers, sizeof *c->layers, "network layers", err);
    c->params = es_calloc(net->n_params, sizeof *c->params, "network parameters", err);
    if (!c->layers || !c->params) {
        nn_net_free(c);
        return NULL;
    }
    memcpy(c->layers, net->layers, net->n_layers * sizeof *c->layers);
    memcpy(c->params, net->params, net->n_params * sizeof *c->params);
    return c;
}

void nn_net_describe(const nn_net *net, char *buf, size_t n)
{
    size_t len = 0;
    const char *act = "";
#define NN_PUT(...)                                                                        \
    do {                                                                                   \
        if (len < n) {                                                                     \
            int k_ = snprintf(buf + len, n - len, __VA_ARGS__);                            \
            len += k_ > 0 ? (size_t)k_ : 0;                                                \
        }                                                                                  \
    } while (0)
    if (n)
        buf[0] = '\0';
    NN_PUT("%s ", net->arch);
    for (size_t i = 0; i < net->n_layers; i++)
        if (nn_is_activation(net->layers[i].kind))
            act = nn_kind_name(net->layers[i].kind);
    if (strcmp(net->arch, "cnn") == 0) {
        const nn_layer *l0 = &net->layers[0], *lp = &net->layers[net->n_layers - 2];
        NN_PUT("%zux%zux%zu, 5 conv3 x %zu channels %s, 3 max-pools to %zux%zux%zu, dense %zu-%zu",
               l0->c_in, l0->h, l0->w, l0->c_out, act, lp->c_in, lp->h / 2, lp->w / 2,
               net->layers[net->n_layers - 1].in_size, net->n_out);
    } else {
        int first = 1;
        for (size_t i = 0; i < net->n_layers; i++) {
            const nn_layer *l = &net->layers[i];
            if (l->kind == NN_EMBED)
                NN_PUT("%zu tokens (vocab %zu, dim %zu) ", l->context, l->vocab, l->dim);
            if (l->kind != NN_DENSE)
                continue;
            if (first)
                NN_PUT("%zu", l->in_size);
            NN_PUT("-%zu", l->out_size);
            first = 0;
        }
        NN_PUT(" %s", act);
    }
    NN_PUT(", %zu parameters%s", net->n_params,
           net->n_layers && net->layers[net->n_layers - 1].b_count ? "" : " (no biases)");
#undef NN_PUT
}

/* ---------------------------------------------------------------- initialisation */

/* n values U(-a, a). */
static void nn_fill_uniform(double *p, size_t n, double a, gsl_rng *rng)
{
    for (size_t i = 0; i < n; i++)
        p[i] = a * (2.0 * gsl_rng_uniform(rng) - 1.0);
}

/* n values N(0, 1), conditioned on |x| <= bound when bound > 0 (inverse-CDF draw, exact for
 * any bound, and exactly one uniform per value). */
static void nn_fill_normal(double *p, size_t n, double bound, gsl_rng *rng)
{
    if (!(bound > 0)) {
        for (size_t i = 0; i < n; i++)
            p[i] = gsl_ran_ugaussian(rng);
        return;
    }
    double lo = gsl_cdf_ugaussian_P(-bound), width = 1.0 - 2.0 * lo;
    for (size_t i = 0; i < n; i++) {
        double u = lo + width * gsl_rng_uniform_pos(rng);
        double x = gsl_cdf_ugaussian_Pinv(u);
        p[i] = x < -bound ? -bound : x > bound ? bound : x;  /* rounding only */
    }
}

es_status nn_net_init(nn_net *net, const char *method, double bound, gsl_rng *rng, es_err *err)
{
    int uniform = strcmp(method, "uniform") == 0, glorot = strcmp(method, "glorot") == 0;
    if (!uniform && !glorot && strcmp(method, "kaiming") != 0)
        return es_err_set(err, ES_ECONFIG, "network init \"%s\": unknown (allowed: uniform, "
                          "kaiming, glorot)", method);
    if (!isfinite(bound) || bound < 0 || (uniform && !(bound > 0)))
        return es_err_set(err, ES_ECONFIG, "network init %s: bound %g must be %s", method, bound,
                          uniform ? "finite and > 0" : "finite and >= 0 (0: no limit)");
    for (size_t i = 0; i < net->n_layers; i++) {
        const nn_layer *l = &net->layers[i];
        double *W = net->params + l->w_offset, *b = net->params + l->b_offset;
        if (uniform) {
            nn_fill_uniform(W, l->w_count, bound, rng);
            nn_fill_uniform(b, l->b_count, bound, rng);
        } else if (l->kind == NN_EMBED) {
            nn_fill_normal(W, l->w_count, bound, rng);
        } else if (glorot && l->w_count) {   /* Keras' glorot_uniform, zero biases */
            double fan_out = l->kind == NN_CONV3 && l->c_in
                ? (double)(l->fan_in / l->c_in) * (double)l->c_out
                : (double)l->w_count / (double)l->fan_in;
            double a = sqrt(6.0 / ((double)l->fan_in + fan_out));
            if (bound > 0 && bound < a)
                a = bound;
            nn_fill_uniform(W, l->w_count, a, rng);
            memset(b, 0, l->b_count * sizeof *b);
        } else if (l->w_count) {
            double a = 1.0 / sqrt((double)l->fan_in);
            if (bound > 0 && bound < a)
                a = bound;
            nn_fill_uniform(W, l->w_count, a, rng);
            nn_fill_uniform(b, l->b_count, a, rng);
        }
    }
    return ES_OK;
}

/* ---------------------------------------------------------------- activations */

nn_acts *nn_acts_alloc(const nn_net *net, size_t B, es_err *err)
{
    size_t r;
    if (B == 0 || B > (size_t)INT_MAX || __builtin_mul_overflow(B, net->max_width, &r)) {
        es_err_set(err, ES_ENOMEM, "network activations: batch of %zu samples is too large", B);
        return NULL;
    }
    nn_acts *a = es_calloc(1, sizeof *a, "network activations", err);
    if (!a)
        return NULL;
    a->B = B;
    a->n_layers = net->n_layers;
    a->out = es_calloc(net->n_layers, sizeof *a->out, "network activations", err);
    a->argmax = es_calloc(net->n_layers, sizeof *a->argmax, "network activations", err);
    a->dbuf0 = es_calloc(B, net->max_width * sizeof(double), "network gradient scratch", err);
    a->dbuf1 = es_calloc(B, net->max_width * sizeof(double), "network gradient scratch", err);
    if (!a->out || !a->argmax || !a->dbuf0 || !a->dbuf1) {
        nn_acts_free(a);
        return NULL;
    }
    for (size_t i = 0; i < net->n_layers; i++) {
        const nn_layer *l = &net->layers[i];
        a->out[i] = es_calloc(B, l->out_size * sizeof(double), "network activations", err);
        if (!a->out[i]) {
            nn_acts_free(a);
            return NULL;
        }
        if (l->kind == NN_MAXPOOL2) {
            a->argmax[i] = es_calloc(B, l->out_size * sizeof(size_t), "max-pool indices", err);
            if (!a->argmax[i]) {
                nn_acts_free(a);
                return NULL;
            }
        }
    }
    return a;
}

void nn_acts_free(nn_acts *a)
{
    if (!a)
        return;
    nn_acts_dropout_free(a);
    for (size_t i = 0; i < a->n_layers; i++) {
        if (a->out)
            free(a->out[i]);
        if (a->argmax)
            free(a->argmax[i]);
    }
    free(a->out);
    free(a->argmax);
    free(a->dbuf0);
    free(a->dbuf1);
    free(a);
}

/* ---------------------------------------------------------------- passes */

void nn_forward(const nn_net *net, nn_acts *acts, const double *x, size_t B)
{
    const double *in = x;  /* (B, in_size) of layer i */
    for (size_t i = 0; i < net->n_layers; i++) {
        const nn_layer *l = &net->layers[i];
        const double *W = net->params + l->w_offset;
        const double *b = l->b_count ? net->params + l->b_offset : NULL;
        double *out = acts->out[i];  /* (B, out_size) */
        switch (l->kind) {
        case NN_DENSE: nn_dense_forward(out, in, W, b, B, l->in_size, l->out_size); break;
        case NN_CONV3: nn_conv3_forward(out, in, W, b, B, l->c_in, l->c_out, l->h, l->w); break;
        case NN_MAXPOOL2:
            nn_maxpool2_forward(out, acts->argmax[i], in, B, l->c_in, l->h, l->w);
            break;
        case NN_EMBED: nn_embed_forward(out, in, W, B, l->context, l->dim); break;
        case NN_RELU:
        case NN_TANH:
        case NN_SILU: nn_act_forward(l->kind, out, in, B * l->in_size); break;
        }
        in = nn_dropout_forward(acts, i, out, B * l->out_size);
    }
}

double nn_loss(const nn_net *net, const nn_acts *acts, const double *t, size_t B,
               size_t *correct, double *dlogits)
{
    const double *logits = nn_logits(net, acts);  /* (B, n_out) */
    if (net->loss == NN_LOSS_SOFTMAX_CE)
        return nn_softmax_ce(dlogits, correct, logits, t, B, net->n_out);
    if (net->loss == NN_LOSS_STABLEMAX_CE)
        return nn_stablemax_ce(dlogits, correct, logits, t, B, net->n_out);
    if (correct)
        *correct = 0;
    return nn_mse(dlogits, logits, t, B, net->n_out);
}

void nn_backward(const nn_net *net, nn_acts *acts, const double *x, const double *dlogits,
                 double *grad, size_t B)
{
    const double *dout = dlogits;  /* (B, out_size) of layer i */
    for (size_t i = net->n_layers; i-- > 0;) {
        const nn_layer *l = &net->layers[i];
        const double *in = nn_acts_input_of(acts, i, x);  /* (B, in_size) */
        const double *W = net->params + l->w_offset;
        double *dW = grad + l->w_offset;
        double *db = l->b_count ? grad + l->b_offset : NULL;
        /* the scratch buffer dout does not occupy; nothing to propagate below layer 0 */
        double *din = i == 0 ? NULL : dout == acts->dbuf0 ? acts->dbuf1 : acts->dbuf0;
        switch (l->kind) {
        case NN_DENSE:
            nn_dense_backward(din, dW, db, dout, in, W, B, l->in_size, l->out_size);
            break;
        case NN_CONV3:
            nn_conv3_backward(din, dW, db, dout, in, W, B, l->c_in, l->c_out, l->h, l->w);
            break;
        case NN_MAXPOOL2:
            if (din)
                nn_maxpool2_backward(din, dout, acts->argmax[i], B, l->c_in, l->h, l->w);
            break;
        case NN_EMBED: nn_embed_backward(dW, dout, in, B, l->context, l->dim); break;
        case NN_RELU:
        case NN_TANH:
        case NN_SILU:
            if (din && acts->dropout_on && acts->drop && acts->drop[i]) {
                const double *m = acts->drop[i];   /* (B, in_size) */
                for (size_t k = 0; k < B * l->in_size; k++)
                    din[k] = dout[k] * m[k];
                nn_act_backward(l->kind, din, din, in, acts->out[i], B * l->in_size);
            } else if (din) {
                nn_act_backward(l->kind, din, dout, in, acts->out[i], B * l->in_size);
            }
            break;
        }
        dout = din;
    }
}

void nn_evaluate(const nn_net *net, nn_acts *acts, const double *x, const double *t, size_t n,
                 double *loss, double *accuracy)
{
    double total = 0.0;
    size_t hits = 0;
    const size_t t_width = nn_loss_classifies(net->loss) ? 1 : net->n_out;
    for (size_t s = 0; s < n; s += acts->B) {
        size_t B = n - s < acts->B ? n - s : acts->B, c = 0;
        nn_forward(net, acts, x + s * net->n_in, B);
        total += nn_loss(net, acts, t + s * t_width, B, &c, NULL) * (double)B;
        hits += c;
    }
    if (loss)
        *loss = n ? total / (double)n : NAN;
    if (accuracy)
        *accuracy = !n ? NAN : nn_loss_classifies(net->loss) ? (double)hits / (double)n : 0.0;
}
