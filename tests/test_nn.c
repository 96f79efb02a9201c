/* test_nn.c: neural-network kernels and whole networks: central finite-difference gradient
 * checks of every layer kind, both losses and whole networks (parameters and input
 * gradients), hand-computed values, parameter counts of the paper's networks, batching,
 * stability of the softmax, initialisation and the spec from the configuration.
 *
 * Gradient tolerance: the analytic derivative g must match the central difference
 * fd = (f(p + h) - f(p - h)) / 2h with h = 1e-5 within FD_RTOL |fd| + FD_ATOL, FD_RTOL = 1e-6,
 * FD_ATOL = 1e-9. The truncation error is h^2 |f'''| / 6 ~ 1e-11 and the rounding error
 * ~ eps |f| / h ~ 1e-11 for objectives of order 1, so a correct gradient passes by two orders
 * of magnitude and a wrong factor or a missing term fails by many. */
#include "testutil.h"
#include "entroscape/config.h"
#include "entroscape/data.h"
#include "entroscape/nn.h"

#include <float.h>
#include <gsl/gsl_rng.h>
#include <stdlib.h>
#include <string.h>

#define FD_H 1e-5
#define FD_RTOL 1e-6
#define FD_ATOL 1e-9

/* ---------------------------------------------------------------- helpers */

static gsl_rng *new_rng(unsigned long seed)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, seed);
    return r;
}

/* n values U(lo, hi) */
static double *rand_vec(gsl_rng *r, size_t n, double lo, double hi)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = lo + (hi - lo) * gsl_rng_uniform(r);
    return v;
}

static double *const_vec(size_t n, double c)
{
    double *v = malloc((n ? n : 1) * sizeof *v);
    for (size_t i = 0; i < n; i++)
        v[i] = c;
    return v;
}

/* An objective f(ctx) of the values being perturbed. */
typedef double (*objective_fn)(void *ctx);

/* Compare analytic[i] with the central difference of f in v[i], for every i < n. Prints the
 * largest deviation relative to its tolerance. */
static void fd_check(const char *label, double *v, size_t n, const double *analytic,
                     objective_fn f, void *ctx)
{
    double worst = 0.0, worst_diff = 0.0;
    for (size_t i = 0; i < n; i++) {
        double save = v[i];
        v[i] = save + FD_H;
        double fp = f(ctx);
        v[i] = save - FD_H;
        double fm = f(ctx);
        v[i] = save;
        double fd = (fp - fm) / (2 * FD_H);
        double tol = FD_RTOL * fabs(fd) + FD_ATOL;
        char what[160];
        snprintf(what, sizeof what, "%s[%zu] analytic vs finite difference", label, i);
        assert_close(analytic[i], fd, tol, what);
        double d = fabs(analytic[i] - fd);
        if (d / tol > worst) {
            worst = d / tol;
            worst_diff = d;
        }
    }
    printf("    %-34s %4zu values, max |diff| %.1e (%.3f of tolerance)\n", label, n, worst_diff,
           worst);
}

/* ---------------------------------------------------------------- kernels */

/* One kernel under test and the objective sum_k R_k out_k, so that d objective / d out = R. */
typedef struct kctx {
    nn_kind kind;
    double *in, *W, *b, *R, *out;  /* in (B, in_n); out, R (B, out_n) */
    size_t *argmax;                /* pool: (B, out_n) */
    size_t B, n_in, n_out, c_in, c_out, h, w, context, dim;
    size_t in_n, out_n;            /* per sample */
    int direct;                    /* conv: the direct loops instead of im2col + dgemm */
} kctx;

static void kernel_forward(kctx *k)
{
    switch (k->kind) {
    case NN_DENSE: nn_dense_forward(k->out, k->in, k->W, k->b, k->B, k->n_in, k->n_out); break;
    case NN_CONV3:
        (k->direct ? nn_conv3_forward_direct : nn_conv3_forward)(k->out, k->in, k->W, k->b, k->B,
                                                                 k->c_in, k->c_out, k->h, k->w);
        break;
    case NN_MAXPOOL2: nn_maxpool2_forward(k->out, k->argmax, k->in, k->B, k->c_in, k->h, k->w); break;
    case NN_EMBED: nn_embed_forward(k->out, k->in, k->W, k->B, k->context, k->dim); break;
    default: nn_act_forward(k->kind, k->out, k->in, k->B * k->in_n); break;
    }
}

static double kernel_objective(void *ctx)
{
    kctx *k = ctx;
    kernel_forward(k);
    double s = 0.0;
    for (size_t i = 0; i < k->B * k->out_n; i++)
        s += k->R[i] * k->out[i];
    return s;
}

/* Forward, backward with dout = R into gradients pre-filled with 0.25 (backward must add)
 * and din pre-filled with NaN (backward must overwrite); then finite differences over W, b
 * and the inputs. */
static void kernel_check(kctx *k, size_t w_count, size_t b_count, int check_din, const char *name)
{
    gsl_rng *r = new_rng(99);
    k->R = rand_vec(r, k->B * k->out_n, -1, 1);
    k->out = const_vec(k->B * k->out_n, 0);
    if (k->kind == NN_MAXPOOL2)
        k->argmax = calloc(k->B * k->out_n, sizeof *k->argmax);
    double *dW = const_vec(w_count, 0.25), *db = const_vec(b_count, 0.25);
    double *din = const_vec(k->B * k->in_n, NAN);
    kernel_forward(k);
    switch (k->kind) {
    case NN_DENSE:
        nn_dense_backward(din, dW, k->b ? db : NULL, k->R, k->in, k->W, k->B, k->n_in, k->n_out);
        break;
    case NN_CONV3:
        (k->direct ? nn_conv3_backward_direct : nn_conv3_backward)(
            din, dW, k->b ? db : NULL, k->R, k->in, k->W, k->B, k->c_in, k->c_out, k->h, k->w);
        break;
    case NN_MAXPOOL2: nn_maxpool2_backward(din, k->R, k->argmax, k->B, k->c_in, k->h, k->w); break;
    case NN_EMBED: nn_embed_backward(dW, k->R, k->in, k->B, k->context, k->dim); break;
    default: nn_act_backward(k->kind, din, k->R, k->in, k->out, k->B * k->in_n); break;
    }
    char label[96];
    for (size_t i = 0; i < w_count; i++)
        dW[i] -= 0.25;
    for (size_t i = 0; i < b_count; i++)
        db[i] -= 0.25;
    if (w_count) {
        snprintf(label, sizeof label, "%s dW", name);
        fd_check(label, k->W, w_count, dW, kernel_objective, k);
    }
    if (b_count && k->b) {
        snprintf(label, sizeof label, "%s db", name);
        fd_check(label, k->b, b_count, db, kernel_objective, k);
    }
    if (check_din) {
        snprintf(label, sizeof label, "%s din", name);
        fd_check(label, k->in, k->B * k->in_n, din, kernel_objective, k);
    }
    free(k->R);
    free(k->out);
    free(k->argmax);
    free(dW);
    free(db);
    free(din);
    gsl_rng_free(r);
}

static void dense_case(size_t B, size_t n_in, size_t n_out, int bias, const char *name)
{
    gsl_rng *r = new_rng(1);
    kctx k = {.kind = NN_DENSE, .B = B, .n_in = n_in, .n_out = n_out, .in_n = n_in,
              .out_n = n_out};
    k.in = rand_vec(r, B * n_in, -1, 1);
    k.W = rand_vec(r, n_in * n_out, -1, 1);
    k.b = bias ? rand_vec(r, n_out, -1, 1) : NULL;
    kernel_check(&k, n_in * n_out, bias ? n_out : 0, 1, name);
    free(k.in);
    free(k.W);
    free(k.b);
    gsl_rng_free(r);
}

static void test_dense_gradients(void **state)
{
    (void)state;
    dense_case(3, 4, 5, 1, "dense 3x4->5");
    dense_case(1, 7, 2, 0, "dense 1x7->2 no bias");
    dense_case(5, 1, 1, 1, "dense 5x1->1");
}

static void conv_case(size_t B, size_t c_in, size_t c_out, size_t h, size_t w, int bias,
                      int direct, const char *name)
{
    gsl_rng *r = new_rng(2);
    kctx k = {.kind = NN_CONV3, .B = B, .c_in = c_in, .c_out = c_out, .h = h, .w = w,
              .in_n = c_in * h * w, .out_n = c_out * h * w, .direct = direct};
    k.in = rand_vec(r, B * k.in_n, -1, 1);
    k.W = rand_vec(r, c_out * c_in * 9, -1, 1);
    k.b = bias ? rand_vec(r, c_out, -1, 1) : NULL;
    kernel_check(&k, c_out * c_in * 9, bias ? c_out : 0, 1, name);
    free(k.in);
    free(k.W);
    free(k.b);
    gsl_rng_free(r);
}

static void test_conv3_gradients(void **state)
{
    (void)state;
    for (int direct = 0; direct <= 1; direct++) {
        const char *how = direct ? " direct" : "";
        char n1[64], n2[64], n3[64], n4[64];
        snprintf(n1, sizeof n1, "conv3%s 2x(2,5,4)->3", how);
        snprintf(n2, sizeof n2, "conv3%s 1x(1,1,1)->2", how);
        snprintf(n3, sizeof n3, "conv3%s 1x(3,2,3)->1 no b", how);
        snprintf(n4, sizeof n4, "conv3%s 1x(1,3,1)->1", how);
        conv_case(2, 2, 3, 5, 4, 1, direct, n1);
        conv_case(1, 1, 2, 1, 1, 1, direct, n2);
        conv_case(1, 3, 1, 2, 3, 0, direct, n3);
        conv_case(1, 1, 1, 3, 1, 1, direct, n4);
    }
}

/* The im2col + dgemm kernels and the direct loops agree on a 28x27 batch (different summation
 * orders): tolerance 1e-13 times a bound on the magnitudes, 30 for outputs and din (27 products
 * of values in [-1, 1] plus a bias; 36 for din) and 2000 for dW and db (sums over B h w = 2268
 * products, typically ~50 by cancellation). */
static void test_conv3_implementations_agree(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(8);
    const size_t B = 3, ci = 3, co = 4, h = 28, w = 27, nin = B * ci * h * w, nout = B * co * h * w;
    double *in = rand_vec(r, nin, -1, 1), *W = rand_vec(r, co * ci * 9, -1, 1);
    double *b = rand_vec(r, co, -1, 1), *g = rand_vec(r, nout, -1, 1);
    double *o1 = const_vec(nout, 0), *o2 = const_vec(nout, 0);
    double *dW1 = const_vec(co * ci * 9, 1), *dW2 = const_vec(co * ci * 9, 1);
    double *db1 = const_vec(co, 1), *db2 = const_vec(co, 1);
    double *di1 = const_vec(nin, NAN), *di2 = const_vec(nin, NAN);
    nn_conv3_forward(o1, in, W, b, B, ci, co, h, w);
    nn_conv3_forward_direct(o2, in, W, b, B, ci, co, h, w);
    for (size_t i = 0; i < nout; i++)
        assert_close(o1[i], o2[i], 1e-13 * 30, "conv3 forward: dgemm vs direct");
    nn_conv3_backward(di1, dW1, db1, g, in, W, B, ci, co, h, w);
    nn_conv3_backward_direct(di2, dW2, db2, g, in, W, B, ci, co, h, w);
    for (size_t i = 0; i < co * ci * 9; i++)
        assert_close(dW1[i], dW2[i], 1e-13 * 2000, "conv3 dW: dgemm vs direct");
    for (size_t i = 0; i < co; i++)
        assert_close(db1[i], db2[i], 1e-13 * 2000, "conv3 db: dgemm vs direct");
    for (size_t i = 0; i < nin; i++)
        assert_close(di1[i], di2[i], 1e-13 * 36, "conv3 din: dgemm vs direct");
    free(in); free(W); free(b); free(g); free(o1); free(o2);
    free(dW1); free(dW2); free(db1); free(db2); free(di1); free(di2);
    gsl_rng_free(r);
}

static void pool_case(size_t B, size_t c, size_t h, size_t w, const char *name)
{
    gsl_rng *r = new_rng(3);
    kctx k = {.kind = NN_MAXPOOL2, .B = B, .c_in = c, .h = h, .w = w, .in_n = c * h * w,
              .out_n = c * (h / 2) * (w / 2)};
    k.in = rand_vec(r, B * k.in_n, -1, 1);
    kernel_check(&k, 0, 0, 1, name);
    free(k.in);
    gsl_rng_free(r);
}

static void test_maxpool2_gradients(void **state)
{
    (void)state;
    pool_case(2, 2, 5, 7, "maxpool2 2x(2,5,7)");
    pool_case(1, 3, 4, 4, "maxpool2 1x(3,4,4)");
    pool_case(2, 1, 3, 2, "maxpool2 2x(1,3,2)");
}

static void test_embed_gradients(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(4);
    const size_t B = 3, context = 4, dim = 3, vocab = 5;
    kctx k = {.kind = NN_EMBED, .B = B, .context = context, .dim = dim, .in_n = context,
              .out_n = context * dim};
    double tokens[] = {0, 4, 4, 2, 1, 1, 3, 0, 2, 2, 2, 2};  /* (3, 4): repeats accumulate */
    k.in = tokens;
    k.W = rand_vec(r, vocab * dim, -1, 1);
    kernel_check(&k, vocab * dim, 0, 0, "embed (3,4) vocab 5 dim 3");
    free(k.W);
    gsl_rng_free(r);
}

static void act_case(nn_kind kind)
{
    gsl_rng *r = new_rng(5);
    const size_t n = 43;  /* 5 blocks of 8 and a tail of 3 */
    kctx k = {.kind = kind, .B = 1, .in_n = n, .out_n = n};
    k.in = rand_vec(r, n, -4, 4);
    for (size_t i = 0; i < n; i++)  /* keep 1e-3 away from the ReLU kink */
        if (fabs(k.in[i]) < 1e-3)
            k.in[i] = 0.5;
    kernel_check(&k, 0, 0, 1, nn_kind_name(kind));
    free(k.in);
    gsl_rng_free(r);
}

static void test_activation_gradients(void **state)
{
    (void)state;
    act_case(NN_RELU);
    act_case(NN_TANH);
    act_case(NN_SILU);
}

/* Activations at known points: relu(-2) = 0, relu(3) = 3, tanh(0.5) = 0.46211715726000974
 * (mpmath), silu(1) = 1 / (1 + e^-1) = 0.7310585786300049, silu(-800) = -0 (no NaN).
 * Tolerance 1e-15. */
static void test_activation_values(void **state)
{
    (void)state;
    double in[5] = {-2, 3, 0.5, 1, -800}, out[5];
    nn_act_forward(NN_RELU, out, in, 2);
    assert_close(out[0], 0, 0, "relu(-2)");
    assert_close(out[1], 3, 0, "relu(3)");
    nn_act_forward(NN_TANH, out, in + 2, 1);
    assert_close(out[0], 0.46211715726000974, 1e-15, "tanh(0.5)");
    nn_act_forward(NN_SILU, out, in + 3, 2);
    assert_close(out[0], 0.7310585786300049, 1e-15, "silu(1)");
    assert_close(out[1], 0, 0, "silu(-800)");
    double nan_in = NAN;
    nn_act_forward(NN_RELU, out, &nan_in, 1);
    assert_true(isnan(out[0]));  /* NaN is not hidden by the ReLU */
    double g, one = 1;
    nn_act_backward(NN_SILU, &g, &one, in + 4, out + 1, 1);
    assert_close(g, 0, 1e-300, "silu'(-800)");
}

/* The losses as objectives of their inputs. */
typedef struct lctx {
    nn_loss_kind kind;
    double *y, *t;
    size_t B, n;
} lctx;

static double loss_objective(void *ctx)
{
    lctx *c = ctx;
    return c->kind == NN_LOSS_SOFTMAX_CE ? nn_softmax_ce(NULL, NULL, c->y, c->t, c->B, c->n)
                                         : nn_mse(NULL, c->y, c->t, c->B, c->n);
}

static void test_loss_gradients(void **state)
{
    (void)state;
    gsl_rng *r = new_rng(6);
    double t_ce[4] = {0, 4, 2, 2};
    lctx ce = {NN_LOSS_SOFTMAX_CE, rand_vec(r, 4 * 5, -3, 3), t_ce, 4, 5};
    double *d = const_vec(4 * 5, NAN);
    nn_softmax_ce(d, NULL, ce.y, ce.t, ce.B, ce.n);
    fd_check("softmax-ce dlogits (4,5)", ce.y, 20, d, loss_objective, &ce);
    free(d);
    free(ce.y);

    lctx mse = {NN_LOSS_MSE, rand_vec(r, 3 * 2, -2, 2), rand_vec(r, 3 * 2, -2, 2), 3, 2};
    d = const_vec(6, NAN);
    nn_mse(d, mse.y, mse.t, mse.B, mse.n);
    fd_check("mse dy (3,2)", mse.y, 6, d, loss_objective, &mse);
    free(d);
    free(mse.y);
    free(mse.t);
    gsl_rng_free(r);
}

/* Softmax cross-entropy: zero logits give ln(n) (10 classes: 2.302585092994046, tolerance
 * 1e-15); logits of +-1000 neither overflow nor lose the answer: target at the max gives 0
 * (exact up to e^-1000), a target 1000 below gives 1000, two tied maxima give ln 2 (tolerance
 * 1e-12), gradients finite and rows summing to 0 (tolerance 1e-15). */
static void test_softmax_ce_values(void **state)
{
    (void)state;
    double z0[10] = {0}, t0 = 3;
    size_t correct = 7;
    assert_close(nn_softmax_ce(NULL, &correct, z0, &t0, 1, 10), log(10.0), 1e-15, "zero logits");
    assert_int_equal(correct, 0);  /* ties go to index 0 */

    double z[3 * 3] = {1000, 0, -1000, 1000, 0, -1000, 1000, 1000, -1000};
    double t[3] = {0, 1, 0}, d[9];
    double l0 = nn_softmax_ce(NULL, NULL, z, t, 1, 3);
    double l1 = nn_softmax_ce(NULL, NULL, z + 3, t + 1, 1, 3);
    double l2 = nn_softmax_ce(NULL, NULL, z + 6, t + 2, 1, 3);
    assert_close(l0, 0, 1e-12, "huge logits, target at max");
    assert_close(l1, 1000, 1e-12, "huge logits, target 1000 below max");
    assert_close(l2, log(2.0), 1e-12, "huge logits, tied maxima");
    double mean = nn_softmax_ce(d, &correct, z, t, 3, 3);
    assert_close(mean, (l0 + l1 + l2) / 3, 1e-12, "mean over samples");
    assert_int_equal(correct, 2);
    for (int i = 0; i < 3; i++) {
        double s = 0;
        for (int j = 0; j < 3; j++) {
            assert_true(isfinite(d[3 * i + j]));
            s += d[3 * i + j];
        }
        assert_close(s, 0, 1e-15, "softmax-ce gradient row sum");
    }
    /* an invalid class index is NaN, not a wild read */
    double bad = 3;
    assert_true(isnan(nn_softmax_ce(NULL, NULL, z, &bad, 1, 3)));
    bad = 0.5;
    assert_true(isnan(nn_softmax_ce(NULL, NULL, z, &bad, 1, 3)));
}

/* Hand-computed values. Convolution: a 3x3 image 1..9 with an all-ones kernel and bias 0.5
 * gives the sums of the 3x3 neighbourhoods: corner 1+2+4+5 = 12, edge 1+2+3+4+5+6 = 21,
 * centre 45 (plus 0.5). Max-pool of the 5x5 image 0..24 keeps 6, 8, 16, 18 (floor drops the
 * last row and column). Exact (tolerance 0). */
static void test_conv_pool_values(void **state)
{
    (void)state;
    double img[9], k[9], b = 0.5, out[9];
    for (int i = 0; i < 9; i++) {
        img[i] = i + 1;
        k[i] = 1;
    }
    nn_conv3_forward(out, img, k, &b, 1, 1, 1, 3, 3);
    double want[9] = {12, 21, 16, 27, 45, 33, 24, 39, 28};
    for (int i = 0; i < 9; i++)
        assert_close(out[i], want[i] + 0.5, 0, "conv3 of 1..9 with ones");
    double p_in[25], p_out[4];
    size_t am[4];
    for (int i = 0; i < 25; i++)
        p_in[i] = i;
    nn_maxpool2_forward(p_out, am, p_in, 1, 1, 5, 5);
    double want_p[4] = {6, 8, 16, 18};
    for (int i = 0; i < 4; i++) {
        assert_close(p_out[i], want_p[i], 0, "maxpool2 of 0..24 (5x5)");
        assert_int_equal(am[i], (size_t)want_p[i]);
    }
}

/* ---------------------------------------------------------------- whole networks */

static nn_spec mlp_spec(size_t n_in, const size_t *hidden, size_t n_hidden, size_t n_out,
                        nn_kind act, nn_loss_kind loss)
{
    nn_spec s = {.arch = "mlp", .n_in = n_in, .n_out = n_out, .n_hidden = n_hidden,
                 .activation = act, .loss = loss, .biases = 1};
    memcpy(s.hidden, hidden, n_hidden * sizeof *hidden);
    return s;
}

static nn_spec cnn_spec(size_t in_c, size_t h, size_t w, size_t channels, size_t n_out)
{
    nn_spec s = {.arch = "cnn", .n_in = in_c * h * w, .n_out = n_out, .activation = NN_RELU,
                 .channels = channels, .in_c = in_c, .in_h = h, .in_w = w,
                 .loss = NN_LOSS_SOFTMAX_CE, .biases = 1};
    return s;
}

typedef struct nctx {
    nn_net *net;
    nn_acts *acts;
    double *x, *t;
    size_t B;
} nctx;

static double net_objective(void *ctx)
{
    nctx *c = ctx;
    nn_forward(c->net, c->acts, c->x, c->B);
    return nn_loss(c->net, c->acts, c->t, c->B, NULL, NULL);
}

/* x (B, n_in): tokens for an embedding network, else U(-1, 1); t: class indices or U(-1, 1). */
static void make_data(gsl_rng *r, const nn_net *net, size_t vocab, size_t B, double **x,
                      double **t)
{
    *x = rand_vec(r, B * net->n_in, -1, 1);
    if (vocab)
        for (size_t i = 0; i < B * net->n_in; i++)
            (*x)[i] = (double)gsl_rng_uniform_int(r, vocab);
    if (net->loss == NN_LOSS_SOFTMAX_CE) {
        *t = malloc(B * sizeof **t);
        for (size_t i = 0; i < B; i++)
            (*t)[i] = (double)gsl_rng_uniform_int(r, net->n_out);
    } else {
        *t = rand_vec(r, B * net->n_out, -1, 1);
    }
}

/* Gradient of the mean loss over a batch for every parameter, against finite differences. */
static void net_check(const nn_spec *spec, size_t B, unsigned long seed, const char *name)
{
    es_err err = {0};
    gsl_rng *r = new_rng(seed);
    nn_net *net = nn_net_alloc(spec, &err);
    if (!net)
        fail_msg("%s: nn_net_alloc: %s", name, err.msg);
    assert_int_equal(nn_net_init(net, "kaiming", 0, r, &err), ES_OK);
    nn_acts *acts = nn_acts_alloc(net, B, &err);
    assert_non_null(acts);
    nctx c = {net, acts, NULL, NULL, B};
    make_data(r, net, spec->vocab, B, &c.x, &c.t);
    double *grad = const_vec(net->n_params, 0);
    double *dlogits = malloc(B * net->n_out * sizeof *dlogits);
    nn_forward(net, acts, c.x, B);
    nn_loss(net, acts, c.t, B, NULL, dlogits);
    nn_backward(net, acts, c.x, dlogits, grad, B);
    char label[96];
    snprintf(label, sizeof label, "%s params", name);
    fd_check(label, net->params, net->n_params, grad, net_objective, &c);
    free(grad);
    free(dlogits);
    free(c.x);
    free(c.t);
    nn_acts_free(acts);
    nn_net_free(net);
    gsl_rng_free(r);
}

static void test_mlp_gradients(void **state)
{
    (void)state;
    const size_t h[2] = {5, 4};
    nn_spec s = mlp_spec(3, h, 2, 3, NN_RELU, NN_LOSS_SOFTMAX_CE);
    net_check(&s, 6, 10, "mlp 3-5-4-3 relu ce");
    s.activation = NN_TANH;
    net_check(&s, 6, 11, "mlp 3-5-4-3 tanh ce");
    s.activation = NN_SILU;
    net_check(&s, 6, 12, "mlp 3-5-4-3 silu ce");
    s = mlp_spec(2, h, 2, 2, NN_TANH, NN_LOSS_MSE);
    net_check(&s, 5, 13, "mlp 2-5-4-2 tanh mse");
    s.biases = 0;
    net_check(&s, 5, 14, "mlp 2-5-4-2 no biases");
}

static void test_cnn_gradients(void **state)
{
    (void)state;
    nn_spec s = cnn_spec(1, 12, 12, 2, 3);  /* 12 -> 6 -> 3 -> 1 */
    net_check(&s, 2, 20, "cnn 1x12x12 c2 relu");
    s = cnn_spec(2, 9, 11, 2, 2);           /* odd: 9x11 -> 4x5 -> 2x2 -> 1x1 */
    s.activation = NN_TANH;
    net_check(&s, 2, 21, "cnn 2x9x11 c2 tanh");
}

static void test_embed_mlp_gradients(void **state)
{
    (void)state;
    const size_t h[1] = {5};
    nn_spec s = mlp_spec(3, h, 1, 6, NN_TANH, NN_LOSS_SOFTMAX_CE);
    s.vocab = 6;
    s.embed_dim = 4;
    net_check(&s, 4, 30, "embed-mlp ctx 3 vocab 6 dim 4");
}

/* Parameter counts of the paper's networks (PAPER-NOTES.md): spiral 2-6-6-2 = 74,
 * 2-6-6-6-2 = 116, 2-15-15-15-2 = 557, spiral regression 2-30-30-1 = 1051; MNIST CNN with
 * c = 2/3/4 channels = 362/646/1002. Without biases 2-6-6-2 has 12 + 36 + 12 = 60. */
static void test_param_counts(void **state)
{
    (void)state;
    struct { size_t n_in, h[3], n_h, n_out, want; } mlp[] = {
        {2, {6, 6}, 2, 2, 74}, {2, {6, 6, 6}, 3, 2, 116}, {2, {15, 15, 15}, 3, 2, 557},
        {2, {30, 30}, 2, 1, 1051},
    };
    es_err err = {0};
    for (size_t i = 0; i < ES_ARRAY_LEN(mlp); i++) {
        nn_spec s = mlp_spec(mlp[i].n_in, mlp[i].h, mlp[i].n_h, mlp[i].n_out, NN_RELU,
                             NN_LOSS_SOFTMAX_CE);
        nn_net *net = nn_net_alloc(&s, &err);
        assert_non_null(net);
        if (net->n_params != mlp[i].want)
            fail_msg("mlp %zu: %zu parameters, expected %zu", i, net->n_params, mlp[i].want);
        nn_net_free(net);
    }
    const size_t cnn_want[3] = {362, 646, 1002};
    for (size_t c = 2; c <= 4; c++) {
        nn_spec s = cnn_spec(1, 28, 28, c, 10);
        nn_net *net = nn_net_alloc(&s, &err);
        assert_non_null(net);
        if (net->n_params != cnn_want[c - 2])
            fail_msg("cnn c=%zu: %zu parameters, expected %zu", c, net->n_params, cnn_want[c - 2]);
        assert_int_equal(net->layers[net->n_layers - 1].in_size, 9 * c);  /* 28 -> 14 -> 7 -> 3 */
        char d[200];
        nn_net_describe(net, d, sizeof d);
        if (c == 2)
            printf("    %s\n", d);
        nn_net_free(net);
    }
    size_t h2[2] = {6, 6};
    nn_spec s = mlp_spec(2, h2, 2, 2, NN_RELU, NN_LOSS_SOFTMAX_CE);
    s.biases = 0;
    nn_net *net = nn_net_alloc(&s, &err);
    assert_int_equal(net->n_params, 60);
    for (size_t i = 0; i < net->n_layers; i++)
        assert_int_equal(net->layers[i].b_count, 0);
    nn_net_free(net);
    /* the layout: one block, layer by layer, W then b */
    s.biases = 1;
    net = nn_net_alloc(&s, &err);
    assert_int_equal(net->layers[0].w_offset, 0);
    assert_int_equal(net->layers[0].b_offset, 12);
    assert_int_equal(net->layers[2].w_offset, 18);
    assert_int_equal(net->layers[4].b_offset, 74 - 2);
    char d[200];
    nn_net_describe(net, d, sizeof d);
    printf("    %s\n", d);
    assert_non_null(strstr(d, "2-6-6-2"));
    nn_net_free(net);
}

/* Hand computation: x = (1, 2), W1 = [[1, 2], [-1, 0.5]], b1 = (0.5, -1): pre-activations
 * (5.5, -1), ReLU (5.5, 0); W2 = [[2, -3]], b2 = 0.25: y = 11.25; MSE against 10 is 1.5625.
 * Exact in binary floating point (tolerance 0). */
static void test_hand_forward(void **state)
{
    (void)state;
    es_err err = {0};
    size_t h[1] = {2};
    nn_spec s = mlp_spec(2, h, 1, 1, NN_RELU, NN_LOSS_MSE);
    nn_net *net = nn_net_alloc(&s, &err);
    assert_int_equal(net->n_params, 9);
    double p[9] = {1, 2, -1, 0.5, 0.5, -1, 2, -3, 0.25};
    memcpy(net->params, p, sizeof p);
    nn_acts *a = nn_acts_alloc(net, 1, &err);
    double x[2] = {1, 2}, t = 10;
    nn_forward(net, a, x, 1);
    assert_close(a->out[0][0], 5.5, 0, "hidden pre-activation 0");
    assert_close(a->out[1][1], 0, 0, "hidden ReLU 1");
    assert_close(nn_logits(net, a)[0], 11.25, 0, "output");
    assert_close(nn_loss(net, a, &t, 1, NULL, NULL), 1.5625, 0, "mse");
    nn_acts_free(a);
    nn_net_free(net);
}

/* A batch of B gives the same logits as B one-sample passes, and the batch gradient of the
 * mean loss is the mean of the one-sample gradients (different BLAS blockings: tolerance
 * 1e-13 relative to the largest value). Also: nn_evaluate in chunks of 7 equals one pass of
 * the whole split; dlogits in acts->dbuf0 gives the same gradient (exactly). */
static void batch_case(const nn_spec *spec, size_t B, const char *name)
{
    es_err err = {0};
    gsl_rng *r = new_rng(40);
    nn_net *net = nn_net_alloc(spec, &err);
    assert_non_null(net);
    nn_net_init(net, "kaiming", 0, r, &err);
    double *x, *t;
    make_data(r, net, spec->vocab, B, &x, &t);
    size_t tw = net->loss == NN_LOSS_SOFTMAX_CE ? 1 : net->n_out;
    nn_acts *all = nn_acts_alloc(net, B, &err), *one = nn_acts_alloc(net, 1, &err);
    double *g_all = const_vec(net->n_params, 0), *g_one = const_vec(net->n_params, 0);
    double *dl = malloc(B * net->n_out * sizeof *dl);
    nn_forward(net, all, x, B);
    double loss_all = nn_loss(net, all, t, B, NULL, dl);
    nn_backward(net, all, x, dl, g_all, B);
    double loss_sum = 0, scale = 0;
    for (size_t i = 0; i < net->n_params; i++)
        scale = fmax(scale, fabs(g_all[i]));
    for (size_t b = 0; b < B; b++) {
        nn_forward(net, one, x + b * net->n_in, 1);
        for (size_t k = 0; k < net->n_out; k++) {
            double v = nn_logits(net, one)[k], e = nn_logits(net, all)[b * net->n_out + k];
            assert_close(v, e, 1e-13 * fmax(1, fabs(e)), "one-sample logit vs batch logit");
        }
        loss_sum += nn_loss(net, one, t + b * tw, 1, NULL, one->dbuf0);
        nn_backward(net, one, x + b * net->n_in, one->dbuf0, g_one, 1);  /* dlogits in dbuf0 */
    }
    assert_close(loss_sum / B, loss_all, 1e-13 * fmax(1, fabs(loss_all)), "mean of one-sample losses");
    for (size_t i = 0; i < net->n_params; i++)
        assert_close(g_one[i] / B, g_all[i], 1e-13 * scale, "mean of one-sample gradients");

    nn_acts *chunk = nn_acts_alloc(net, 7, &err);
    double l_chunk, a_chunk, l_whole, a_whole;
    nn_evaluate(net, chunk, x, t, B, &l_chunk, &a_chunk);
    nn_evaluate(net, all, x, t, B, &l_whole, &a_whole);
    assert_close(l_chunk, l_whole, 1e-13 * fmax(1, l_whole), "nn_evaluate chunks of 7 vs whole");
    assert_close(a_chunk, a_whole, 0, "nn_evaluate accuracy chunks vs whole");
    printf("    %s: batch %zu = %zu single passes; loss %.6f, accuracy %.3f\n", name, B, B,
           l_whole, a_whole);
    nn_acts_free(chunk);
    nn_acts_free(all);
    nn_acts_free(one);
    free(g_all);
    free(g_one);
    free(dl);
    free(x);
    free(t);
    nn_net_free(net);
    gsl_rng_free(r);
}

static void test_batch_equals_singles(void **state)
{
    (void)state;
    size_t h[2] = {30, 20};
    nn_spec s = mlp_spec(17, h, 2, 4, NN_RELU, NN_LOSS_SOFTMAX_CE);
    batch_case(&s, 23, "mlp 17-30-20-4");
    s = mlp_spec(5, h, 1, 3, NN_SILU, NN_LOSS_MSE);
    batch_case(&s, 16, "mlp 5-30-3 mse");
    s = cnn_spec(1, 28, 28, 3, 10);
    batch_case(&s, 9, "cnn 1x28x28 c3");
    s = mlp_spec(4, h, 1, 7, NN_TANH, NN_LOSS_SOFTMAX_CE);
    s.vocab = 7;
    s.embed_dim = 3;
    batch_case(&s, 10, "embed-mlp");
}

/* Initialisation. uniform: every parameter in [-bound, bound], mean 0 and variance bound^2/3
 * within 4 standard errors. kaiming: a 784-128-10 mlp's first weights U(-1/28, 1/28) (variance
 * (1/28)^2 / 3 within 4 standard errors), every value within its limit 1/sqrt(fan_in);
 * with bound 0.02 below 1/28 every value within 0.02; embeddings N(0, 1) (sd within 4 standard
 * errors), and with bound 0.5 truncated: all within 0.5, none at the wall, variance of N(0,1)
 * truncated to [-0.5, 0.5] (0.0806) within 4 standard errors. Same seed, same parameters; clones are equal and independent. */
/* glorot (Keras' glorot_uniform, zero biases): a 784-128-10 mlp's first weights
 * U(-a, a), a = sqrt(6 / (784 + 128)), variance a^2 / 3 = 2 / 912 within 4 standard errors
 * (the sample variance of n draws has sd a^2 sqrt(4 / 45 / n)); every value within a; the
 * last layer within sqrt(6 / 138); every bias exactly 0; with bound 0.05 below a, every value
 * within 0.05. A 3x3 convolution of 2 -> 3 channels: fan_in 18, fan_out 27, a = sqrt(6/45). */
static void test_init_glorot(void **state)
{
    (void)state;
    es_err err = {0};
    gsl_rng *r = new_rng(51);
    size_t h[1] = {128};
    nn_spec s = mlp_spec(784, h, 1, 10, NN_RELU, NN_LOSS_SOFTMAX_CE);
    nn_net *net = nn_net_alloc(&s, &err);
    assert_non_null(net);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = 1;   /* so that zero biases are the init's doing */
    assert_int_equal(nn_net_init(net, "glorot", 0, r, &err), ES_OK);
    const nn_layer *l0 = &net->layers[0], *l2 = &net->layers[2];
    double a = sqrt(6.0 / (784 + 128)), v = 0;
    for (size_t i = 0; i < l0->w_count; i++) {
        double w = net->params[l0->w_offset + i];
        assert_at_most(fabs(w), a, "|glorot weight|, layer 0");
        v += w * w;
    }
    v /= (double)l0->w_count;
    double tol = 4 * a * a * sqrt(4.0 / 45 / (double)l0->w_count);
    print_message("glorot variance %.6g expected %.6g tolerance %.2g\n", v, a * a / 3, tol);
    assert_close(v, a * a / 3, tol, "glorot variance, layer 0");
    for (size_t i = 0; i < l2->w_count; i++)
        assert_at_most(fabs(net->params[l2->w_offset + i]), sqrt(6.0 / 138), "|glorot weight|");
    for (size_t k = 0; k < net->n_layers; k++)
        for (size_t i = 0; i < net->layers[k].b_count; i++)
            assert_close(net->params[net->layers[k].b_offset + i], 0, 0, "glorot bias");
    assert_int_equal(nn_net_init(net, "glorot", 0.05, r, &err), ES_OK);
    for (size_t i = 0; i < net->n_params; i++)
        assert_at_most(fabs(net->params[i]), 0.05, "|glorot weight| in the box");
    nn_net_free(net);

    nn_spec c = {0};
    snprintf(c.arch, sizeof c.arch, "cnn");
    c.channels = 3;
    c.in_c = 2, c.in_h = 8, c.in_w = 8;
    c.n_in = 2 * 8 * 8;
    c.n_out = 2;
    c.activation = NN_RELU;
    c.loss = NN_LOSS_SOFTMAX_CE;
    c.biases = 1;
    net = nn_net_alloc(&c, &err);
    if (!net)
        fail_msg("nn_net_alloc(cnn): %s", err.msg);
    assert_int_equal(nn_net_init(net, "glorot", 0, r, &err), ES_OK);
    const nn_layer *cv = &net->layers[0];
    assert_int_equal(cv->kind, NN_CONV3);
    double ac = sqrt(6.0 / 45), mx = 0;
    for (size_t i = 0; i < cv->w_count; i++)
        mx = fmax(mx, fabs(net->params[cv->w_offset + i]));
    assert_at_most(mx, ac, "|glorot conv weight|");
    if (mx < 0.8 * ac)   /* 54 draws: the largest is above 0.8 a with probability 1 - 0.8^54 */
        fail_msg("glorot conv weights reach only %g of the limit %g: fan_out wrong?", mx, ac);
    nn_net_free(net);
    gsl_rng_free(r);
}

static void test_init(void **state)
{
    (void)state;
    es_err err = {0};
    gsl_rng *r = new_rng(50);
    size_t h[1] = {128};
    nn_spec s = mlp_spec(784, h, 1, 10, NN_RELU, NN_LOSS_SOFTMAX_CE);
    nn_net *net = nn_net_alloc(&s, &err);

    assert_int_equal(nn_net_init(net, "uniform", 0.7, r, &err), ES_OK);
    double m = 0, v = 0;
    for (size_t i = 0; i < net->n_params; i++) {
        assert_true(fabs(net->params[i]) <= 0.7);
        m += net->params[i];
        v += net->params[i] * net->params[i];
    }
    double n = (double)net->n_params;
    m /= n;
    v /= n;
    assert_close(m, 0, 4 * 0.7 / sqrt(3 * n), "uniform mean");
    assert_close(v, 0.49 / 3, 4 * 0.49 * sqrt(4.0 / 45 / n), "uniform variance");

    assert_int_equal(nn_net_init(net, "kaiming", 0, r, &err), ES_OK);
    const nn_layer *l0 = &net->layers[0], *l2 = &net->layers[2];
    v = 0;
    for (size_t i = 0; i < l0->w_count; i++) {
        double w = net->params[l0->w_offset + i];
        assert_true(fabs(w) <= 1.0 / 28);
        v += w * w;
    }
    v /= (double)l0->w_count;
    double a2 = 1.0 / 784;
    assert_close(v, a2 / 3, 4 * a2 * sqrt(4.0 / 45 / (double)l0->w_count), "kaiming variance");
    for (size_t i = 0; i < l2->w_count + l2->b_count; i++)
        assert_true(fabs(net->params[l2->w_offset + i]) <= 1 / sqrt(128.0));
    assert_int_equal(nn_net_init(net, "kaiming", 0.02, r, &err), ES_OK);
    for (size_t i = 0; i < net->n_params; i++)
        assert_true(fabs(net->params[i]) <= 0.02);

    nn_net *c = nn_net_clone(net, &err);
    assert_memory_equal(c->params, net->params, net->n_params * sizeof(double));
    c->params[0] += 1;
    assert_true(c->params[0] != net->params[0]);
    nn_net_free(c);

    /* reproducible */
    gsl_rng *r1 = new_rng(7), *r2 = new_rng(7);
    nn_net *net2 = nn_net_clone(net, &err);
    nn_net_init(net, "kaiming", 0, r1, &err);
    nn_net_init(net2, "kaiming", 0, r2, &err);
    assert_memory_equal(net2->params, net->params, net->n_params * sizeof(double));
    nn_net_free(net2);
    gsl_rng_free(r1);
    gsl_rng_free(r2);

    int threads = nn_blas_threads();
    nn_blas_set_threads(1);
    assert_int_equal(nn_blas_threads(), 1);
    nn_blas_set_threads(threads);

    assert_int_equal(nn_net_init(net, "uniform", 0, r, &err), ES_ECONFIG);
    err.status = ES_OK;
    assert_int_equal(nn_net_init(net, "xavier", 1, r, &err), ES_ECONFIG);
    assert_non_null(strstr(err.msg, "xavier"));
    nn_net_free(net);

    /* embeddings */
    err.status = ES_OK;
    size_t he[1] = {4};
    s = mlp_spec(2, he, 1, 3, NN_RELU, NN_LOSS_SOFTMAX_CE);
    s.vocab = 2000;
    s.embed_dim = 10;
    net = nn_net_alloc(&s, &err);
    const size_t ne = 20000;
    nn_net_init(net, "kaiming", 0, r, &err);
    v = 0;
    for (size_t i = 0; i < ne; i++)
        v += net->params[i] * net->params[i];
    v /= (double)ne;
    assert_close(v, 1, 4 * sqrt(2.0 / ne), "embedding N(0,1) variance");
    nn_net_init(net, "kaiming", 0.5, r, &err);
    v = 0;
    for (size_t i = 0; i < ne; i++) {
        double e = net->params[i];
        assert_true(fabs(e) < 0.5);
        v += e * e;
    }
    v /= (double)ne;
    /* truncated normal on [-0.5, 0.5]: E x^2 = 1 - 2 (0.5) phi(0.5) / (2 Phi(0.5) - 1) =
     * 0.0805892, E x^4 = 0.0119148 (midpoint rule, 2e5 points): sd of x^2 = 0.0736 */
    assert_close(v, 0.0805892, 4 * 0.0736 / sqrt((double)ne), "truncated embedding variance");
    nn_net_free(net);
    gsl_rng_free(r);
}

/* ---------------------------------------------------------------- spec from config */

static es_data fake_data(const char *task, size_t n_in, size_t n_out, int classify)
{
    es_data d;
    memset(&d, 0, sizeof d);
    snprintf(d.task, sizeof d.task, "%s", task);
    snprintf(d.dataset, sizeof d.dataset, "%s", task);
    d.n_in = n_in;
    d.n_out = n_out;
    d.classify = classify;
    return d;
}

static void set(es_config *cfg, const char *a)
{
    es_err err = {0};
    if (es_config_set(cfg, a, &err) != ES_OK)
        fail_msg("--set %s: %s", a, err.msg);
}

/* The spec error names the key and value (and where they came from) and the problem. */
static void expect_spec_error(es_config *cfg, const es_data *d, const char *want1,
                              const char *want2)
{
    es_err err = {0};
    nn_spec s;
    assert_int_equal(nn_spec_from_config(cfg, d, &s, &err), ES_ECONFIG);
    if (!strstr(err.msg, want1) || (want2 && !strstr(err.msg, want2)))
        fail_msg("message \"%s\" lacks \"%s\" / \"%s\"", err.msg, want1, want2 ? want2 : "");
    printf("    %s\n", err.msg);
}

static void test_spec_from_config(void **state)
{
    (void)state;
    es_config cfg;
    es_config_defaults(&cfg);
    es_err err = {0};
    nn_spec s;
    es_data spiral = fake_data("spiral", 2, 2, 1);
    assert_int_equal(nn_spec_from_config(&cfg, &spiral, &s, &err), ES_OK);
    assert_string_equal(s.arch, "mlp");
    assert_int_equal(s.n_hidden, 3);
    assert_int_equal(s.hidden[2], 6);
    assert_int_equal(s.activation, NN_RELU);
    assert_int_equal(s.loss, NN_LOSS_SOFTMAX_CE);
    assert_int_equal(s.biases, 1);
    nn_net *net = nn_net_alloc(&s, &err);
    assert_int_equal(net->n_params, 116);
    nn_net_free(net);
    assert_close(nn_spec_bound(&cfg, &s), 1.0, 0, "bound = 1.0 (default)");
    set(&cfg, "model.bound=auto");
    assert_close(nn_spec_bound(&cfg, &s), 2 / sqrt(6.0), 1e-15, "bound auto = 2/sqrt(6)");

    set(&cfg, "model.hidden= 30 , 30");
    set(&cfg, "model.activation=tanh");
    es_data reg = fake_data("spiral-regression", 2, 1, 0);
    assert_int_equal(nn_spec_from_config(&cfg, &reg, &s, &err), ES_OK);
    assert_int_equal(s.loss, NN_LOSS_MSE);
    assert_int_equal(s.activation, NN_TANH);
    net = nn_net_alloc(&s, &err);
    assert_int_equal(net->n_params, 1051);
    nn_net_free(net);

    /* text: embedding in front */
    es_data text = fake_data("text", 8, 30, 1);
    text.vocab = 30;
    set(&cfg, "model.embed_dim=5");
    set(&cfg, "model.hidden=16");
    assert_int_equal(nn_spec_from_config(&cfg, &text, &s, &err), ES_OK);
    net = nn_net_alloc(&s, &err);
    assert_string_equal(net->arch, "embed-mlp");
    assert_int_equal(net->n_params, 30 * 5 + (40 * 16 + 16) + (16 * 30 + 30));
    nn_net_free(net);

    /* cnn: fashion-mnist 28x28 and digits 8x8 (8 -> 4 -> 2 -> 1) */
    es_data img = fake_data("image", 784, 10, 1);
    img.channels = 1;
    img.height = img.width = 28;
    set(&cfg, "model.arch=cnn");
    set(&cfg, "model.channels=4");
    assert_int_equal(nn_spec_from_config(&cfg, &img, &s, &err), ES_OK);
    net = nn_net_alloc(&s, &err);
    assert_int_equal(net->n_params, 1002);
    nn_net_free(net);
    assert_close(nn_spec_bound(&cfg, &s), 2 / sqrt(36.0), 1e-15, "cnn bound auto = 2/sqrt(9c)");
    es_data digits = fake_data("image", 64, 10, 1);
    digits.channels = 1;
    digits.height = digits.width = 8;
    assert_int_equal(nn_spec_from_config(&cfg, &digits, &s, &err), ES_OK);
    net = nn_net_alloc(&s, &err);
    assert_non_null(net);
    assert_int_equal(net->layers[net->n_layers - 1].in_size, 4);  /* 4 channels x 1 x 1 */
    nn_net_free(net);

    /* errors */
    es_data small = digits;
    small.height = small.width = 7;
    small.n_in = 49;
    expect_spec_error(&cfg, &small, "model.arch=cnn", "7x7");
    expect_spec_error(&cfg, &spiral, "model.arch=cnn", "needs an image task");
    expect_spec_error(&cfg, &text, "model.arch=cnn", "task.name = text");
    set(&cfg, "model.arch=mlp");
    set(&cfg, "model.hidden=6,,6");
    expect_spec_error(&cfg, &spiral, "--set model.hidden=6,,6", "empty width at position 2");
    set(&cfg, "model.hidden=6,x,6");
    expect_spec_error(&cfg, &spiral, "hidden=6,x,6", "item 2 is not a positive integer");
    set(&cfg, "model.hidden=6,0");
    expect_spec_error(&cfg, &spiral, "hidden=6,0", "width 0 at position 2 is out of range");
    set(&cfg, "model.hidden=6,");
    expect_spec_error(&cfg, &spiral, "hidden=6,", "empty width at position 2");
    set(&cfg, "model.hidden=-6");
    expect_spec_error(&cfg, &spiral, "hidden=-6", "item 1 is not a positive integer");
    set(&cfg, "model.hidden=99999999999999999999");
    expect_spec_error(&cfg, &spiral, "hidden=9999", "out of range");
    set(&cfg, "model.hidden=1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17");
    expect_spec_error(&cfg, &spiral, "hidden=1,2,3", "more than 16 widths");

    /* from a file: the message names file and line */
    const char *path = tu_write_file("nn_bad.ini", "[task]\nname = spiral\n[model]\nhidden = 6,,6\n");
    es_config fc;
    es_config_defaults(&fc);
    assert_int_equal(es_config_load(&fc, path, &err), ES_OK);
    char want[600];
    snprintf(want, sizeof want, "%s:4: [model] hidden = 6,,6: empty width at position 2", path);
    expect_spec_error(&fc, &spiral, want, "allowed:");
}

/* Inconsistent specs are refused with a message, not built. */
static void test_bad_specs(void **state)
{
    (void)state;
    es_err err = {0};
    size_t h[1] = {4};
    nn_spec s = mlp_spec(2, h, 1, 2, NN_RELU, NN_LOSS_SOFTMAX_CE);
    s.n_hidden = 0;
    assert_null(nn_net_alloc(&s, &err));
    assert_int_equal(err.status, ES_ECONFIG);
    err.status = ES_OK;
    s = cnn_spec(1, 7, 8, 2, 10);
    assert_null(nn_net_alloc(&s, &err));
    assert_non_null(strstr(err.msg, ">= 8"));
    err.status = ES_OK;
    s = cnn_spec(1, 28, 28, 2, 10);
    s.n_in = 700;
    assert_null(nn_net_alloc(&s, &err));
    err.status = ES_OK;
    s = mlp_spec(2, h, 1, 2, NN_DENSE, NN_LOSS_SOFTMAX_CE);
    assert_null(nn_net_alloc(&s, &err));
    err.status = ES_OK;
    size_t huge[2] = {1000000, 1000000};
    s = mlp_spec(2, huge, 2, 2, NN_RELU, NN_LOSS_SOFTMAX_CE);
    assert_null(nn_net_alloc(&s, &err));
    assert_non_null(strstr(err.msg, "too large"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dense_gradients),
        cmocka_unit_test(test_conv3_gradients),
        cmocka_unit_test(test_conv3_implementations_agree),
        cmocka_unit_test(test_maxpool2_gradients),
        cmocka_unit_test(test_embed_gradients),
        cmocka_unit_test(test_activation_gradients),
        cmocka_unit_test(test_activation_values),
        cmocka_unit_test(test_loss_gradients),
        cmocka_unit_test(test_softmax_ce_values),
        cmocka_unit_test(test_conv_pool_values),
        cmocka_unit_test(test_mlp_gradients),
        cmocka_unit_test(test_cnn_gradients),
        cmocka_unit_test(test_embed_mlp_gradients),
        cmocka_unit_test(test_param_counts),
        cmocka_unit_test(test_hand_forward),
        cmocka_unit_test(test_batch_equals_singles),
        cmocka_unit_test(test_init),
        cmocka_unit_test(test_init_glorot),
        cmocka_unit_test(test_spec_from_config),
        cmocka_unit_test(test_bad_specs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
