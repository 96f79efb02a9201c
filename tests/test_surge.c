/* test_surge.c: Surge-Collapse training (issue 13): collapse to an exact count per weight
 * tensor with biases untouched, masked weights held at zero through optimizer steps, surges
 * re-admitting the stated number, perpendicular gradients, StableMax by finite differences,
 * label and input noise, dropout (gradient and evaluation), activation entropy of a
 * hand-made layer, the trainer's dynamics, option errors, and determinism. Generated tasks
 * only (no data files); every test takes well under a second. */
#include "testutil.h"

#include "entroscape/data.h"
#include "entroscape/nn.h"
#include "entroscape/rng.h"
#include "entroscape/surge.h"
#include "entroscape/train.h"

#include <stdlib.h>
#include <string.h>

/* ---- helpers ------------------------------------------------------------------------ */

/* An mlp n_in-h1-h2-n_out with biases, parameters U(-1, 1) from seed. */
static nn_net *make_net(size_t n_in, size_t h1, size_t h2, size_t n_out, uint64_t seed)
{
    es_err err = {0};
    nn_spec s = {.arch = "mlp", .n_in = n_in, .n_out = n_out, .hidden = {h1, h2}, .n_hidden = 2,
                 .activation = NN_RELU, .loss = NN_LOSS_SOFTMAX_CE, .biases = 1};
    nn_net *net = nn_net_alloc(&s, &err);
    assert_non_null(net);
    gsl_rng *r = es_rng_alloc(seed, 0, &err);
    assert_non_null(r);
    for (size_t i = 0; i < net->n_params; i++)
        net->params[i] = 2 * gsl_rng_uniform(r) - 1;
    gsl_rng_free(r);
    return net;
}

/* Zeros in params[off .. off + n). */
static size_t zeros(const double *w, size_t off, size_t n)
{
    size_t z = 0;
    for (size_t i = 0; i < n; i++)
        z += w[off + i] == 0.0;
    return z;
}

static es_surge_params surge_defaults(void)
{
    return (es_surge_params){.collapse_every = 1000000, .sparsity = 0.5, .regrow = 0.3,
                             .noise_scale = 0.1, .final_sparse = 1, .entropy_low = 0.3,
                             .entropy_high = 0.6};
}

/* round-half-up of f n, as the issue states the counts */
static size_t count_of(double f, size_t n)
{
    return (size_t)floor(f * (double)n + 0.5);
}

/* ---- collapse and surge ---------------------------------------------------------------- */

static void test_collapse_exact_count_biases_untouched(void **state)
{
    (void)state;
    es_err err = {0};
    nn_net *net = make_net(5, 7, 4, 3, 11);
    double *orig = malloc(net->n_params * sizeof *orig);
    memcpy(orig, net->params, net->n_params * sizeof *orig);
    es_surge_params p = surge_defaults();
    p.sparsity = 0.37;
    es_surge *s = es_surge_alloc(net, &p, &err);
    assert_non_null(s);
    assert_int_equal(s->n_tensors, 3);
    es_surge_collapse(s, net->params, NULL, NULL);
    for (size_t l = 0; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        if (!L->w_count)
            continue;
        /* 35, 28, 12 weights -> round(0.37 n) = 13, 10, 4 zeros */
        assert_int_equal(zeros(net->params, L->w_offset, L->w_count), count_of(0.37, L->w_count));
        double max_pruned = 0, min_kept = INFINITY;
        for (size_t i = 0; i < L->w_count; i++) {
            size_t k = L->w_offset + i;
            if (net->params[k] == 0.0) {
                assert_int_equal(s->mask[k], 0);
                max_pruned = fmax(max_pruned, fabs(orig[k]));
            } else {
                assert_int_equal(s->mask[k], 1);
                assert_true(net->params[k] == orig[k]);
                min_kept = fmin(min_kept, fabs(orig[k]));
            }
        }
        assert_at_most(max_pruned, min_kept, "pruned |w| are the smallest");
        for (size_t i = 0; i < L->b_count; i++) {   /* biases bit for bit */
            assert_true(net->params[L->b_offset + i] == orig[L->b_offset + i]);
            assert_int_equal(s->mask[L->b_offset + i], 1);
        }
    }
    free(orig);
    es_surge_free(s);
    nn_net_free(net);
}

static void test_masked_weights_stay_zero(void **state)
{
    (void)state;
    es_err err = {0};
    nn_net *net = make_net(6, 8, 5, 4, 3);
    size_t n = net->n_params;
    es_optim_params op = es_optim_defaults(ES_OPTIM_ADAM);
    op.lr = 0.05;
    op.weight_decay = 0.1;
    es_optim *opt = es_optim_alloc(&op, n, &err);
    es_surge_params p = surge_defaults();
    p.sparsity = 0.6;
    es_surge *s = es_surge_alloc(net, &p, &err);
    assert_non_null(opt);
    assert_non_null(s);
    gsl_rng *r = es_rng_alloc(5, 1, &err);
    double *g = malloc(n * sizeof *g), *before = malloc(n * sizeof *before);
    /* moments built up before the collapse, so the reset matters */
    for (int t = 0; t < 5; t++) {
        for (size_t i = 0; i < n; i++)
            g[i] = gsl_rng_uniform(r) - 0.5;
        es_optim_step(opt, net->params, g);
    }
    es_surge_collapse(s, net->params, opt, NULL);
    for (size_t i = 0; i < n; i++)
        if (!s->mask[i])
            assert_true(opt->m[i] == 0.0 && opt->v[i] == 0.0);
    memcpy(before, net->params, n * sizeof *before);
    for (int t = 0; t < 20; t++) {
        for (size_t i = 0; i < n; i++)
            g[i] = gsl_rng_uniform(r) - 0.5;
        es_surge_before_step(s, g);
        es_optim_step(opt, net->params, g);
        es_surge_after_step(s, net->params, opt, r, NULL);
    }
    size_t moved = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s->mask[i]) {
            assert_true(net->params[i] == 0.0);
            assert_true(opt->m[i] == 0.0 && opt->v[i] == 0.0);
        } else {
            moved += net->params[i] != before[i];
        }
    }
    size_t free_count = 0;
    for (size_t i = 0; i < n; i++)
        free_count += s->mask[i];
    assert_int_equal(moved, free_count);      /* every free parameter did move */
    free(g);
    free(before);
    gsl_rng_free(r);
    es_surge_free(s);
    es_optim_free(opt);
    nn_net_free(net);
}

static void test_surge_readmits_stated_number(void **state)
{
    (void)state;
    es_err err = {0};
    nn_net *net = make_net(9, 10, 6, 4, 21);
    size_t n = net->n_params;
    es_surge_params p = surge_defaults();
    p.sparsity = 0.7;
    p.regrow = 0.25;
    es_surge *s = es_surge_alloc(net, &p, &err);
    gsl_rng *r = es_rng_alloc(9, 0, &err);
    es_surge_collapse(s, net->params, NULL, NULL);
    size_t expect = 0, pruned_before[3], k = 0;
    for (size_t t = 0; t < s->n_tensors; t++) {
        size_t pr = count_of(0.7, s->cnt[t]);
        pruned_before[k++] = pr;
        expect += count_of(0.25, pr);
    }
    size_t got = es_surge_regrow(s, net->params, NULL, r, NULL);
    assert_int_equal(got, expect);
    for (size_t t = 0; t < s->n_tensors; t++) {
        size_t still = 0;
        for (size_t i = 0; i < s->cnt[t]; i++)
            still += !s->mask[s->off[t] + i];
        assert_int_equal(still, pruned_before[t] - count_of(0.25, pruned_before[t]));
        /* regrow_init = zero: re-admitted weights start at 0, so all pruned-or-regrown are 0 */
        assert_int_equal(zeros(net->params, s->off[t], s->cnt[t]), pruned_before[t]);
    }
    /* by gradient: the re-admitted ones are those with the largest |g| among the pruned */
    es_surge_collapse(s, net->params, NULL, NULL);
    double *g = malloc(n * sizeof *g);
    for (size_t i = 0; i < n; i++)
        g[i] = gsl_rng_uniform(r) - 0.5;
    unsigned char *was = malloc(n);
    memcpy(was, s->mask, n);
    s->p.regrow_gradient = 1;
    s->p.regrow_noise = 1;
    es_surge_regrow(s, net->params, g, r, NULL);
    for (size_t t = 0; t < s->n_tensors; t++) {
        double min_in = INFINITY, max_out = 0;
        for (size_t i = s->off[t]; i < s->off[t] + s->cnt[t]; i++) {
            if (was[i])
                continue;
            if (s->mask[i]) {
                min_in = fmin(min_in, fabs(g[i]));
                assert_true(net->params[i] != 0.0);   /* noise init */
            } else {
                max_out = fmax(max_out, fabs(g[i]));
            }
        }
        assert_at_most(max_out, min_in, "regrown by largest |gradient|");
    }
    free(g);
    free(was);
    gsl_rng_free(r);
    es_surge_free(s);
    nn_net_free(net);
}

static void test_adapt_entropy_sizes(void **state)
{
    (void)state;
    es_err err = {0};
    nn_net *net = make_net(10, 12, 7, 3, 5);   /* tensors 120, 84, 21 weights */
    es_surge_params p = surge_defaults();
    p.collapse_every = 1;
    p.sparsity = 0.4;
    p.surge_every = 1;
    p.regrow = 0.25;
    p.adapt_entropy = 1;
    es_surge *s = es_surge_alloc(net, &p, &err);
    gsl_rng *r = es_rng_alloc(1, 0, &err);
    double *g = calloc(net->n_params, sizeof *g);
    /* hidden layer 1 above the band (0.6), layer 2 below it (0.3): tensor 0 (feeds layer 1)
     * collapses 1.5 x 0.4 = 0.6; tensors 1 and 2 (feed layer 2, and the output read from it)
     * collapse 0.4 and then regrow 2 x 0.25 = 0.5 of their pruned; tensor 0 regrows 0.25 */
    const double H[2] = {0.65, 0.1};
    es_surge_before_step(s, g);
    es_surge_after_step(s, net->params, NULL, r, H);
    size_t want[3];
    want[0] = count_of(0.6, 120) - count_of(0.25, count_of(0.6, 120));
    want[1] = count_of(0.4, 84) - count_of(0.5, count_of(0.4, 84));
    want[2] = count_of(0.4, 21) - count_of(0.5, count_of(0.4, 21));
    for (size_t t = 0; t < 3; t++) {
        size_t pruned = 0;
        for (size_t i = 0; i < s->cnt[t]; i++)
            pruned += !s->mask[s->off[t] + i];
        assert_int_equal(pruned, want[t]);
    }
    free(g);
    gsl_rng_free(r);
    es_surge_free(s);
    nn_net_free(net);
}

/* ---- orthograd ------------------------------------------------------------------------- */

static void test_orthograd(void **state)
{
    (void)state;
    es_err err = {0};
    gsl_rng *r = es_rng_alloc(4, 0, &err);
    for (size_t n = 1; n <= 200; n += 33) {
        double *w = malloc(n * sizeof *w), *g = malloc(n * sizeof *g);
        double gg = 0, ww = 0;
        for (size_t i = 0; i < n; i++) {
            w[i] = gsl_rng_uniform(r) - 0.3;
            g[i] = gsl_rng_uniform(r) - 0.6 + 0.5 * w[i];   /* a component along w */
            gg += g[i] * g[i];
            ww += w[i] * w[i];
        }
        es_orthograd_tensor(w, g, n);
        double wg = 0, pp = 0;
        for (size_t i = 0; i < n; i++) {
            wg += w[i] * g[i];
            pp += g[i] * g[i];
        }
        if (n > 1) {
            assert_at_most(fabs(wg), 1e-12 * sqrt(ww) * sqrt(gg), "w.g' = 0");
            assert_close(sqrt(pp), sqrt(gg), 1e-12 * sqrt(gg), "|g'| = |g|");
        }
        free(w);
        free(g);
    }
    /* over a network: biases untouched */
    nn_net *net = make_net(4, 5, 3, 2, 8);
    double *g = malloc(net->n_params * sizeof *g), *g0 = malloc(net->n_params * sizeof *g0);
    for (size_t i = 0; i < net->n_params; i++)
        g0[i] = g[i] = gsl_rng_uniform(r) - 0.5;
    es_orthograd(net, net->params, g);
    for (size_t l = 0; l < net->n_layers; l++)
        for (size_t i = 0; i < net->layers[l].b_count; i++)
            assert_true(g[net->layers[l].b_offset + i] == g0[net->layers[l].b_offset + i]);
    free(g);
    free(g0);
    nn_net_free(net);
    gsl_rng_free(r);
}

/* ---- StableMax ------------------------------------------------------------------------- */

static void test_stablemax_value_and_gradient(void **state)
{
    (void)state;
    /* by hand: z = (0, -1, 2), target 2: s = (1, 1/2, 3), sum 4.5, loss = ln(4.5 / 3) = ln 1.5;
     * gradient: s'(z) / S = (1, 1/4, 1) / 4.5, minus s'(2) / s(2) = 1/3 at the target */
    const double z[3] = {0, -1, 2}, t[1] = {2};
    double d[3];
    size_t hits = 9;
    double L = nn_stablemax_ce(d, &hits, z, t, 1, 3);
    assert_close(L, log(1.5), 1e-15, "stablemax loss by hand");
    assert_int_equal(hits, 1);
    assert_close(d[0], 1 / 4.5, 1e-15, "d0");
    assert_close(d[1], 0.25 / 4.5, 1e-15, "d1");
    assert_close(d[2], 1 / 4.5 - 1.0 / 3, 1e-15, "d2");
    /* finite differences on random logits of both signs (B = 3, n = 5): central differences
     * with h = 1e-5 have error h^2 |f'''| / 6 < 1e-9 here; the kink of s at 0 is avoided by
     * keeping |z| >= 0.1 */
    es_err err = {0};
    gsl_rng *r = es_rng_alloc(2, 0, &err);
    double zz[15], dd[15], tt[3] = {1, 4, 0};
    for (int i = 0; i < 15; i++) {
        double u = 6 * gsl_rng_uniform(r) - 3;
        zz[i] = fabs(u) < 0.1 ? 0.5 : u;
    }
    nn_stablemax_ce(dd, NULL, zz, tt, 3, 5);
    for (int i = 0; i < 15; i++) {
        double h = 1e-5, keep = zz[i];
        zz[i] = keep + h;
        double lp = nn_stablemax_ce(NULL, NULL, zz, tt, 3, 5);
        zz[i] = keep - h;
        double lm = nn_stablemax_ce(NULL, NULL, zz, tt, 3, 5);
        zz[i] = keep;
        assert_close(dd[i], (lp - lm) / (2 * h), 1e-8, "stablemax gradient vs differences");
    }
    gsl_rng_free(r);
}

/* ---- data corruption ----------------------------------------------------------------------- */

static es_data *load(const char *const *sets)
{
    es_err err = {0};
    es_config cfg;
    es_config_defaults(&cfg);
    for (const char *const *s = sets; *s; s++)
        if (es_config_set(&cfg, *s, &err) != ES_OK)
            fail_msg("%s: %s", *s, err.msg);
    es_data *d = es_data_load(&cfg, &err);
    if (!d)
        fail_msg("es_data_load: %s", err.msg);
    return d;
}

static void test_label_and_input_noise(void **state)
{
    (void)state;
    const char *clean_s[] = {"task.name=arithmetic", "task.p=23", NULL};
    const char *noisy_s[] = {"task.name=arithmetic", "task.p=23", "task.label_noise=0.2",
                             "task.input_noise=0.5", NULL};
    es_data *a = load(clean_s), *b = load(noisy_s);
    assert_int_equal(a->train.n, b->train.n);
    size_t flipped = 0;
    for (size_t i = 0; i < a->train.n; i++) {
        flipped += a->train.y[i] != b->train.y[i];
        assert_true(b->train.y[i] >= 0 && b->train.y[i] < 23);
    }
    assert_int_equal(flipped, count_of(0.2, a->train.n));   /* 265 -> 53 */
    assert_int_equal(a->test.n, b->test.n);
    assert_memory_equal(a->test.y, b->test.y, a->test.n * sizeof *a->test.y);
    assert_memory_equal(a->test.x, b->test.x, a->test.n * a->n_in * sizeof *a->test.x);
    size_t changed = 0;
    for (size_t i = 0; i < a->train.n * a->n_in; i++)
        changed += a->train.x[i] != b->train.x[i];
    assert_int_equal(changed, a->train.n * a->n_in);
    es_data_free(a);
    es_data_free(b);
    /* regression: label noise refused, naming the key */
    es_err err = {0};
    es_config cfg;
    es_config_defaults(&cfg);
    es_config_set(&cfg, "task.name=spiral-regression", &err);
    es_config_set(&cfg, "task.label_noise=0.1", &err);
    assert_null(es_data_load(&cfg, &err));
    assert_int_equal(err.status, ES_ECONFIG);
    assert_non_null(strstr(err.msg, "label_noise"));
}

/* ---- dropout ------------------------------------------------------------------------ */

static void test_dropout_gradient_and_evaluation(void **state)
{
    (void)state;
    es_err err = {0};
    nn_net *net = make_net(4, 6, 5, 3, 17);
    const size_t B = 5;
    double x[20], t[5] = {0, 2, 1, 1, 0};
    gsl_rng *r = es_rng_alloc(3, 0, &err);
    for (int i = 0; i < 20; i++)
        x[i] = 2 * gsl_rng_uniform(r) - 1;
    nn_acts *clean = nn_acts_alloc(net, B, &err), *a = nn_acts_alloc(net, B, &err);
    assert_int_equal(nn_acts_dropout_alloc(net, a, &err), ES_OK);
    nn_dropout_draw(net, a, B, 0.4, r);
    /* with masks on: backward against central differences of the same masked loss */
    a->dropout_on = 1;
    double *g = calloc(net->n_params, sizeof *g), d[15];
    nn_forward(net, a, x, B);
    double L_drop = nn_loss(net, a, t, B, NULL, d);
    nn_backward(net, a, x, d, g, B);
    for (size_t i = 0; i < net->n_params; i++) {
        double h = 1e-6, keep = net->params[i];
        net->params[i] = keep + h;
        nn_forward(net, a, x, B);
        double lp = nn_loss(net, a, t, B, NULL, NULL);
        net->params[i] = keep - h;
        nn_forward(net, a, x, B);
        double lm = nn_loss(net, a, t, B, NULL, NULL);
        net->params[i] = keep;
        assert_close(g[i], (lp - lm) / (2 * h), 1e-6, "dropout gradient vs differences");
    }
    /* off (as the trainer leaves it for evaluation): exactly the network without dropout */
    a->dropout_on = 0;
    double L_a, L_c, acc_a, acc_c;
    nn_evaluate(net, a, x, t, B, &L_a, &acc_a);
    nn_evaluate(net, clean, x, t, B, &L_c, &acc_c);
    assert_true(L_a == L_c && acc_a == acc_c);
    assert_true(L_drop != L_c);   /* the masks did change the training loss */
    free(g);
    nn_acts_free(a);
    nn_acts_free(clean);
    gsl_rng_free(r);
    nn_net_free(net);
}

/* ---- activation entropy ----------------------------------------------------------------- */

static void test_activation_entropy_handmade(void **state)
{
    (void)state;
    es_err err = {0};
    /* one hidden layer of 3 ReLU units, W = identity-like on 3 inputs, no bias: unit j is active
     * when x_j > 0. Four samples: unit 0 active on 1, unit 1 on 2, unit 2 on 4, so the
     * fractions are 1/4, 1/2, 1 and H = (h(1/4) + ln 2 + 0) / 3 with h(q) = -q ln q -
     * (1-q) ln(1-q) */
    nn_spec s = {.arch = "mlp", .n_in = 3, .n_out = 2, .hidden = {3}, .n_hidden = 1,
                 .activation = NN_RELU, .loss = NN_LOSS_SOFTMAX_CE, .biases = 0};
    nn_net *net = nn_net_alloc(&s, &err);
    assert_non_null(net);
    double *W = net->params + net->layers[0].w_offset;
    for (int j = 0; j < 3; j++)
        W[j * 3 + j] = 1.0;
    const double x[12] = {1, 1, 1, -1, 1, 2, -2, -1, 3, -1, -3, 0.5};
    nn_acts *a = nn_acts_alloc(net, 4, &err);
    nn_forward(net, a, x, 4);
    long counts[3] = {0};
    es_act_count(net, a, 4, counts);
    assert_int_equal(counts[0], 1);
    assert_int_equal(counts[1], 2);
    assert_int_equal(counts[2], 4);
    double H;
    es_act_entropy(net, counts, 4, &H);
    double h14 = -0.25 * log(0.25) - 0.75 * log(0.75);
    assert_close(H, (h14 + log(2.0) + 0.0) / 3, 1e-15, "activation entropy by formula");
    assert_close(es_binary_entropy(0.5), log(2.0), 1e-16, "h(1/2) = ln 2");
    assert_true(es_binary_entropy(0.0) == 0.0 && es_binary_entropy(1.0) == 0.0);
    nn_acts_free(a);
    nn_net_free(net);
}

/* ---- through the trainer ---------------------------------------------------------------- */

typedef struct tsetup {
    es_config cfg;
    es_data *data;
    nn_spec spec;
    es_train_params p;
    size_t n_params;
} tsetup;

/* Load, or return the error status of the first failing stage (err set). */
static es_status tsetup_load(tsetup *t, const char *const *sets, es_err *err)
{
    memset(t, 0, sizeof *t);
    es_config_defaults(&t->cfg);
    for (const char *const *s = sets; *s; s++)
        if (es_config_set(&t->cfg, *s, err) != ES_OK)
            fail_msg("%s: %s", *s, err->msg);
    if (es_config_validate(&t->cfg, err) != ES_OK)
        return err->status;
    if (!(t->data = es_data_load(&t->cfg, err)))
        return err->status;
    es_status st = nn_spec_from_config(&t->cfg, t->data, &t->spec, err);
    if (st == ES_OK)
        st = es_train_params_from_config(&t->p, &t->cfg, &t->spec, err);
    if (st != ES_OK)
        return st;
    nn_net *net = nn_net_alloc(&t->spec, err);
    t->n_params = net->n_params;
    nn_net_free(net);
    return ES_OK;
}

static es_sgd *tsetup_train(tsetup *t, int threads)
{
    es_err err = {0};
    es_sgd *r = es_sgd_alloc(t->p.runs, t->p.epochs, t->n_params, &err);
    assert_non_null(r);
    t->p.threads = threads;
    if (es_train_run(&t->p, &t->spec, t->data, r, NULL, NULL, NULL, &err) != ES_OK)
        fail_msg("es_train_run: %s", err.msg);
    return r;
}

static const char *const SURGE[] = {
    "task.name=spiral", "model.hidden=8,8", "train.lr=1e-2", "train.batch=20",
    "train.epochs=12", "train.runs=2", "train.seed=3", "surge.collapse_every=7",
    "surge.sparsity=0.9", "surge.surge_every=10", "surge.regrow=0.5", "surge.regrow_by=gradient",
    "surge.regrow_init=noise", "train.orthograd=true", "model.output=stablemax",
    "train.dropout=0.2", "task.label_noise=0.1", "surge.adapt=entropy", NULL};

static void test_trainer_final_sparse_and_dynamics(void **state)
{
    (void)state;
    es_err err = {0};
    tsetup t;
    assert_int_equal(tsetup_load(&t, SURGE, &err), ES_OK);
    t.p.surge.adapt_entropy = 0;   /* exact counts: adapt would size the collapse itself */
    es_sgd *s = tsetup_train(&t, 1);
    nn_net *net = nn_net_alloc(&t.spec, &err);
    assert_int_equal(s->n_hidden, 2);
    for (long r = 0; r < s->runs; r++) {
        const double *w = s->final_params + (size_t)r * s->n_params;
        const unsigned char *m = s->final_mask + (size_t)r * s->n_params;
        size_t zw = 0, nw = 0;
        for (size_t l = 0; l < net->n_layers; l++) {
            const nn_layer *L = &net->layers[l];
            if (!L->w_count)
                continue;
            assert_int_equal(zeros(w, L->w_offset, L->w_count), count_of(0.9, L->w_count));
            for (size_t i = 0; i < L->w_count; i++)
                assert_int_equal(m[L->w_offset + i], w[L->w_offset + i] != 0.0);
            for (size_t i = 0; i < L->b_count; i++)
                assert_int_equal(m[L->b_offset + i], 1);
            zw += count_of(0.9, L->w_count);
            nw += L->w_count;
        }
        assert_close(s->sparsity[(size_t)r * 13 + 12], (double)zw / (double)nw, 0,
                     "last sparsity row");
        assert_close(s->sparsity[(size_t)r * 13], 0, 0, "no zeros at initialisation");
        for (size_t i = 0; i < 13 * s->n_hidden; i++) {
            double h = s->act_entropy[(size_t)r * 13 * s->n_hidden + i];
            assert_true(h >= 0 && h <= log(2.0) + 1e-15);
        }
        /* the history's last row is the evaluation of the final (sparse) parameters */
        memcpy(net->params, w, s->n_params * sizeof *w);
        nn_acts *a = nn_acts_alloc(net, t.data->train.n, &err);
        double L;
        nn_evaluate(net, a, t.data->train.x, t.data->train.y, t.data->train.n, &L, NULL);
        assert_true(L == es_sgd_row(s, r, 12)[ES_TRAIN_LOSS]);
        nn_acts_free(a);
    }
    nn_net_free(net);
    es_sgd_free(s);
    es_data_free(t.data);
}

static void test_same_seed_same_result(void **state)
{
    (void)state;
    es_err err = {0};
    tsetup t;
    assert_int_equal(tsetup_load(&t, SURGE, &err), ES_OK);
    es_sgd *a = tsetup_train(&t, 1), *b = tsetup_train(&t, 2);
    size_t rows = (size_t)a->runs * (size_t)(a->epochs + 1);
    assert_memory_equal(a->history, b->history, rows * ES_N_METRICS * sizeof(double));
    assert_memory_equal(a->final_params, b->final_params,
                        (size_t)a->runs * a->n_params * sizeof(double));
    assert_memory_equal(a->final_mask, b->final_mask, (size_t)a->runs * a->n_params);
    assert_memory_equal(a->sparsity, b->sparsity, rows * sizeof(double));
    assert_memory_equal(a->act_entropy, b->act_entropy, rows * a->n_hidden * sizeof(double));
    /* and the two runs differ from each other (different streams) */
    assert_true(memcmp(a->final_params, a->final_params + a->n_params,
                       a->n_params * sizeof(double)) != 0);
    es_sgd_free(a);
    es_sgd_free(b);
    es_data_free(t.data);
}

static void test_early_stop_keeps_best(void **state)
{
    (void)state;
    es_err err = {0};
    const char *sets[] = {"task.name=arithmetic", "task.p=11", "model.hidden=32",
                          "train.lr=1e-2", "train.epochs=40", "train.early_stop=3",
                          "train.validation=0.25", NULL};
    tsetup t;
    assert_int_equal(tsetup_load(&t, sets, &err), ES_OK);
    es_sgd *s = tsetup_train(&t, 1);
    long be = s->best_epoch[0];
    /* arithmetic with p = 11 cannot generalise to held-out pairs: the validation loss rises
     * early, so the run stops before epoch 40 and later rows repeat the kept state */
    assert_true(be < 40);
    const double *last = es_sgd_row(s, 0, 40);
    for (long e = be + 3 + 1; e <= 40; e++)
        assert_memory_equal(es_sgd_row(s, 0, e), last, ES_N_METRICS * sizeof(double));
    es_sgd_free(s);
    es_data_free(t.data);
}

static void test_shift_swaps_labels(void **state)
{
    (void)state;
    es_err err = {0};
    /* lr 0: the network never changes, so every history row is the fixed network evaluated on
     * the original labels before epoch 3 and on labels with classes 0 and 1 swapped from it */
    const char *sets[] = {"task.name=arithmetic", "task.p=5", "model.hidden=8",
                          "model.init=uniform", "model.bound=1", "train.lr=0", "train.epochs=5",
                          "task.shift_epoch=3", NULL};
    tsetup t;
    assert_int_equal(tsetup_load(&t, sets, &err), ES_OK);
    es_sgd *s = tsetup_train(&t, 1);
    nn_net *net = nn_net_alloc(&t.spec, &err);
    memcpy(net->params, s->final_params, s->n_params * sizeof(double));
    es_split *sp[2] = {&t.data->train, &t.data->test};
    double loss[2][2], acc[2][2];   /* [split][swapped] */
    for (int k = 0; k < 2; k++) {
        nn_acts *a = nn_acts_alloc(net, sp[k]->n, &err);
        nn_evaluate(net, a, sp[k]->x, sp[k]->y, sp[k]->n, &loss[k][0], &acc[k][0]);
        double *y = malloc(sp[k]->n * sizeof *y);
        for (size_t i = 0; i < sp[k]->n; i++)
            y[i] = sp[k]->y[i] == 0 ? 1 : sp[k]->y[i] == 1 ? 0 : sp[k]->y[i];
        nn_evaluate(net, a, sp[k]->x, y, sp[k]->n, &loss[k][1], &acc[k][1]);
        free(y);
        nn_acts_free(a);
    }
    assert_true(loss[0][0] != loss[0][1] && loss[1][0] != loss[1][1]);   /* the swap shows */
    for (long e = 0; e <= 5; e++) {
        const double *row = es_sgd_row(s, 0, e);
        int sw = e >= 3;
        assert_true(row[ES_TRAIN_LOSS] == loss[0][sw] && row[ES_TRAIN_ACC] == acc[0][sw]);
        assert_true(row[ES_TEST_LOSS] == loss[1][sw] && row[ES_TEST_ACC] == acc[1][sw]);
    }
    nn_net_free(net);
    es_sgd_free(s);
    es_data_free(t.data);
}

static void test_option_errors(void **state)
{
    (void)state;
    es_err err = {0};
    tsetup t;
    const char *a[] = {"task.name=spiral", "train.early_stop=5", NULL};
    assert_int_equal(tsetup_load(&t, a, &err), ES_ECONFIG);
    assert_non_null(strstr(err.msg, "early_stop"));
    es_data_free(t.data);
    err = (es_err){0};
    const char *b[] = {"task.name=spiral", "surge.surge_every=5", NULL};
    assert_int_equal(tsetup_load(&t, b, &err), ES_ECONFIG);
    if (!strstr(err.msg, "surge_every"))
        fail_msg("message: %s", err.msg);
    es_data_free(t.data);
    err = (es_err){0};
    const char *c[] = {"task.name=spiral-regression", "model.output=stablemax", NULL};
    assert_int_equal(tsetup_load(&t, c, &err), ES_ECONFIG);
    assert_non_null(strstr(err.msg, "output"));
    es_data_free(t.data);
    err = (es_err){0};
    const char *d[] = {"task.name=spiral", "surge.adapt=entropy", "surge.entropy_low=0.5",
                       "surge.entropy_high=0.4", NULL};
    assert_int_equal(tsetup_load(&t, d, &err), ES_ECONFIG);
    assert_non_null(strstr(err.msg, "entropy_high"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_collapse_exact_count_biases_untouched),
        cmocka_unit_test(test_masked_weights_stay_zero),
        cmocka_unit_test(test_surge_readmits_stated_number),
        cmocka_unit_test(test_adapt_entropy_sizes),
        cmocka_unit_test(test_orthograd),
        cmocka_unit_test(test_stablemax_value_and_gradient),
        cmocka_unit_test(test_label_and_input_noise),
        cmocka_unit_test(test_dropout_gradient_and_evaluation),
        cmocka_unit_test(test_activation_entropy_handmade),
        cmocka_unit_test(test_trainer_final_sparse_and_dynamics),
        cmocka_unit_test(test_same_seed_same_result),
        cmocka_unit_test(test_early_stop_keeps_best),
        cmocka_unit_test(test_shift_swaps_labels),
        cmocka_unit_test(test_option_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
