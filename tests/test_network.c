/* test_network.c: the network model behind the ops table. Incremental evaluation against the
 * full forward pass (the nn module's, sampler.move = full) after many random moves for every
 * layer type and loss; reject, clone, state round trip, step tuning, initial states from a
 * trained network, config errors; and a short 2-D Wang-Landau run on the spiral 2x6 network
 * against direct sampling. Data files (digits, boston, kjv) come from scripts/fetch-data.sh;
 * the tests that need one are skipped when it is missing. */
#include "testutil.h"

#include "entroscape/dos.h"
#include "entroscape/grid.h"
#include "entroscape/h5io.h"
#include "entroscape/models.h"
#include "entroscape/nn.h"
#include "entroscape/rng.h"
#include "entroscape/train.h"
#include "entroscape/wl.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- helpers ------------------------------------------------------------------------ */

/* A config from defaults and "section.key=value" overrides (NULL-terminated). */
static void make_config(es_config *cfg, const char *const *sets)
{
    es_err err = {0};
    es_config_defaults(cfg);
    for (const char *const *s = sets; *s; s++)
        if (es_config_set(cfg, *s, &err) != ES_OK)
            fail_msg("es_config_set(%s): %s", *s, err.msg);
    if (es_config_validate(cfg, &err) != ES_OK)
        fail_msg("es_config_validate: %s", err.msg);
}

static es_model *make_model(const char *const *sets, const char *move)
{
    es_config cfg;
    make_config(&cfg, sets);
    es_err err = {0};
    snprintf(cfg.sampler_move, sizeof cfg.sampler_move, "%s", move);
    es_model *m = es_model_create(&cfg, &err);
    if (!m)
        fail_msg("es_model_create (%s): %s", move, err.msg);
    return m;
}

static int have_file(const char *path)
{
    return access(path, R_OK) == 0;
}

/* Relative difference, with ln losses (which may be negative or near 0) compared absolutely. */
static double rdiff(double a, double b)
{
    return fabs(a - b) / fmax(1.0, fmax(fabs(a), fabs(b)));
}

/* ---- incremental == full --------------------------------------------------------------- */

/* Tolerance for incremental vs full evaluation, relative (absolute for ln losses near 0):
 * caches are updated by one addition per move and entry, so after a few thousand moves the
 * rounding is of order 1e-13; the refresh is turned off (refresh = 1e12) to see all of it. */
#define NET_TOL 1e-10

typedef struct net_case {
    const char *label;
    const char *file;          /* data file needed, or NULL */
    long moves;
    const char *sets[16];
} net_case;

static const net_case cases[] = {
    {"spiral 3x6 relu, ln train loss x test acc (all four dense move kinds)", NULL, 6000,
     {"task.name=spiral", "model.hidden=6,6,6", "model.bound=auto", "sampler.x=ln_train_loss",
      "sampler.y=test_acc", NULL}},
    {"spiral 5x5 tanh, train loss x ln test loss (deep compact path, cached activations)", NULL,
     4000, {"task.name=spiral", "model.hidden=5,5,5,5,5", "model.activation=tanh",
            "model.bound=1.5", "sampler.x=train_loss", "sampler.y=ln_test_loss", NULL}},
    {"spiral 2x7 silu, train acc x test loss", NULL, 4000,
     {"task.name=spiral", "model.hidden=7,7", "model.activation=silu", "model.bound=1",
      "sampler.x=train_acc", "sampler.y=test_loss", NULL}},
    {"spiral 1x9 relu, train correct, 1-D", NULL, 3000,
     {"task.name=spiral", "model.hidden=9", "model.bound=1", "sampler.x=train_correct", NULL}},
    {"spiral 3x10 relu (sample-major last hidden layer), ln losses", NULL, 4000,
     {"task.name=spiral", "model.hidden=10,10,10", "model.bound=auto", "sampler.x=ln_train_loss",
      "sampler.y=ln_test_loss", NULL}},
    {"spiral-regression 8-320 relu (block-wise one-output evaluation)", NULL, 4000,
     {"task.name=spiral-regression", "model.hidden=8,320", "model.bound=0.5",
      "sampler.x=ln_train_loss", "sampler.y=ln_test_loss", NULL}},
    {"spiral-regression 2x12 relu (MSE), ln train x ln test", NULL, 4000,
     {"task.name=spiral-regression", "model.hidden=12,12", "model.bound=auto",
      "sampler.x=ln_train_loss", "sampler.y=ln_test_loss", NULL}},
    {"arithmetic p = 7 (7 classes), 2 hidden layers, train acc x ln test loss", NULL, 3000,
     {"task.name=arithmetic", "task.p=7", "model.hidden=10,10", "model.bound=0.8",
      "sampler.x=train_acc", "sampler.y=ln_test_loss", NULL}},
    {"tabular boston 13-10-1 (MSE), ln losses", "data/sklearn/boston_house_prices.csv", 3000,
     {"task.name=tabular", "task.dataset=boston", "model.hidden=10", "model.bound=0.6",
      "sampler.x=ln_train_loss", "sampler.y=ln_test_loss", NULL}},
    {"text: embedding + mlp, ln train loss x test acc", "data/text/kjv.txt", 3000,
     {"task.name=text", "task.context=4", "task.train_size=300", "task.test_size=120",
      "model.embed_dim=3", "model.hidden=8", "model.bound=1", "sampler.x=ln_train_loss",
      "sampler.y=test_acc", NULL}},
    {"image digits cnn, 2 channels (prefix recompute), ln train loss x test acc",
     "data/sklearn/digits.csv.gz", 400,
     {"task.name=image", "task.dataset=digits", "task.train_size=40", "task.test_size=24",
      "model.arch=cnn", "model.channels=2", "model.bound=0.6", "sampler.x=ln_train_loss",
      "sampler.y=test_acc", NULL}},
};

/* The current metrics of m recomputed from its parameters with nn_evaluate (the nn module's
 * sample-major forward pass), for the splits in use. */
static void reference_metrics(const char *const *sets, const double *params, double out[4])
{
    es_config cfg;
    make_config(&cfg, sets);
    es_err err = {0};
    es_data *d = es_data_load(&cfg, &err);
    assert_non_null(d);
    nn_spec spec;
    assert_int_equal(nn_spec_from_config(&cfg, d, &spec, &err), ES_OK);
    nn_net *net = nn_net_alloc(&spec, &err);
    assert_non_null(net);
    memcpy(net->params, params, net->n_params * sizeof(double));
    nn_acts *a = nn_acts_alloc(net, 64, &err);
    assert_non_null(a);
    nn_evaluate(net, a, d->train.x, d->train.y, d->train.n, &out[0], &out[2]);
    nn_evaluate(net, a, d->test.x, d->test.y, d->test.n, &out[1], &out[3]);
    nn_acts_free(a);
    nn_net_free(net);
    es_data_free(d);
}

static void check_case(const net_case *c)
{
    const char *sets[20];
    size_t k = 0;
    for (; c->sets[k]; k++)
        sets[k] = c->sets[k];
    sets[k++] = "sampler.refresh=1000000000000";
    sets[k] = NULL;
    es_model *inc = make_model(sets, "single"), *ful = make_model(sets, "full");
    es_err err = {0};
    gsl_rng *r1 = es_rng_alloc(5, 0, &err), *r2 = es_rng_alloc(5, 0, &err), *coin = es_rng_alloc(5, 1, &err);
    inc->ops->randomize(inc->ctx, r1);
    ful->ops->randomize(ful->ctx, r2);
    double x1 = 0, y1 = 0, x2 = 0, y2 = 0, worst = 0;
    long accepted = 0;
    for (long step = 0; step < c->moves; step++) {
        es_status s1 = inc->ops->propose(inc->ctx, r1), s2 = ful->ops->propose(ful->ctx, r2);
        assert_int_equal(s1, s2);
        if (s1 != ES_OK) {
            inc->ops->reject(inc->ctx);
            ful->ops->reject(ful->ctx);
            continue;
        }
        inc->ops->observe_proposed(inc->ctx, &x1, &y1);
        ful->ops->observe_proposed(ful->ctx, &x2, &y2);
        double dx = rdiff(x1, x2), dy = inc->dims == 2 ? rdiff(y1, y2) : 0;
        worst = fmax(worst, fmax(dx, dy));
        if (!(dx <= NET_TOL && dy <= NET_TOL))
            fail_msg("%s: move %ld: incremental (x, y) = (%.17g, %.17g), full (%.17g, %.17g), "
                     "tolerance %.1e", c->label, step, x1, y1, x2, y2, NET_TOL);
        if (gsl_rng_uniform(coin) < 0.5) {
            inc->ops->accept(inc->ctx);
            ful->ops->accept(ful->ctx);
            accepted++;
        } else {
            inc->ops->reject(inc->ctx);
            ful->ops->reject(ful->ctx);
        }
    }
    /* the accepted state: the same parameters; metrics as nn_evaluate computes them */
    es_network_stats si, sf;
    assert_int_equal(es_network_stats_get(inc, &si), ES_OK);
    assert_int_equal(es_network_stats_get(ful, &sf), ES_OK);
    assert_memory_equal(si.params, sf.params, si.n_params * sizeof(double));
    double ref[4];
    reference_metrics(sets, si.params, ref);
    const double got[4] = {si.train_loss, si.test_loss, si.train_acc, si.test_acc};
    static const char *const names[4] = {"train loss", "test loss", "train acc", "test acc"};
    for (int q = 0; q < 4; q++)
        if (!isnan(got[q]) && !(rdiff(got[q], ref[q]) <= NET_TOL))
            fail_msg("%s: after %ld moves (%ld accepted): incremental %s %.17g, nn_evaluate "
                     "%.17g, tolerance %.1e", c->label, c->moves, accepted, names[q], got[q],
                     ref[q], NET_TOL);
    double drift = inc->ops->recompute(inc->ctx);
    assert_at_most(drift, NET_TOL, "drift at the final recompute");
    print_message("  %-80s %ld moves, %ld accepted, max |incr - full| %.2e, drift %.2e\n",
                  c->label, c->moves, accepted, worst, drift);
    gsl_rng_free(r1);
    gsl_rng_free(r2);
    gsl_rng_free(coin);
    es_model_free(inc);
    es_model_free(ful);
}

static void test_incremental_equals_full(void **state)
{
    (void)state;
    for (size_t c = 0; c < ES_ARRAY_LEN(cases); c++) {
        if (cases[c].file && !have_file(cases[c].file)) {
            print_message("  skipped (no %s; run scripts/fetch-data.sh): %s\n", cases[c].file,
                          cases[c].label);
            continue;
        }
        check_case(&cases[c]);
    }
}

/* ---- lifecycle ------------------------------------------------------------------------- */

static const char *const SPIRAL36[] = {"task.name=spiral", "model.hidden=6,6,6", "model.bound=auto",
                                        "sampler.x=ln_train_loss", "sampler.y=test_acc", NULL};

/* Reject leaves the state exactly as it was; a clone shares nothing mutable; save / load
 * round-trips the parameters, steps and metrics bit for bit. */
static void test_reject_clone_state(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = make_model(SPIRAL36, "single");
    gsl_rng *rng = es_rng_alloc(9, 0, &err);
    m->ops->randomize(m->ctx, rng);
    double x0, y0, x, y;
    m->ops->observe(m->ctx, &x0, &y0);
    for (int k = 0; k < 500; k++) {
        if (m->ops->propose(m->ctx, rng) == ES_OK)
            m->ops->observe_proposed(m->ctx, &x, &y);
        m->ops->reject(m->ctx);
    }
    m->ops->observe(m->ctx, &x, &y);
    assert_true(x == x0 && y == y0);
    assert_at_most(m->ops->recompute(m->ctx), 0.0, "drift after rejected moves only");

    es_model *c = es_model_clone(m, &err);
    assert_non_null(c);
    for (int k = 0; k < 300; k++)
        if (c->ops->propose(c->ctx, rng) == ES_OK) {
            c->ops->observe_proposed(c->ctx, &x, &y);
            c->ops->accept(c->ctx);
        } else {
            c->ops->reject(c->ctx);
        }
    m->ops->observe(m->ctx, &x, &y);
    assert_true(x == x0 && y == y0);  /* the original did not move */

    size_t ss = c->ops->state_size(c->ctx);
    unsigned char *buf = malloc(ss);
    c->ops->save_state(c->ctx, buf);
    double xc, yc;
    c->ops->recompute(c->ctx);
    c->ops->observe(c->ctx, &xc, &yc);
    assert_int_equal(m->ops->load_state(m->ctx, buf, &err), ES_OK);
    m->ops->observe(m->ctx, &x, &y);
    assert_true(x == xc && y == yc);
    es_network_stats a, b;
    es_network_stats_get(m, &a);
    es_network_stats_get(c, &b);
    assert_memory_equal(a.params, b.params, a.n_params * sizeof(double));
    /* out-of-box parameters are refused */
    ((double *)buf)[3] = 10.0;
    assert_int_equal(m->ops->load_state(m->ctx, buf, &err), ES_EDATA);
    free(buf);
    gsl_rng_free(rng);
    es_model_free(c);
    es_model_free(m);
}

/* Burn-in tuning on a free walk in the box (every move accepted unless it leaves the box):
 * for w uniform in [-b, b] and a displacement U(-s, s), s <= 2b, the move stays inside with
 * probability 1 - s / (4b), so adapt must bring every layer's step from 1.6 to
 * s = 4b (1 - target) = 1.306 for b = 2/sqrt(6), target 0.6 (within 0.15: the last rounds'
 * acceptance has a statistical error of ~0.01 and the factor is clamped to [0.5, 2]). */
static void test_adapt(void **state)
{
    (void)state;
    const char *sets[] = {"task.name=spiral", "model.hidden=6,6,6", "model.bound=auto",
                          "sampler.step=1.6", NULL};
    es_err err = {0};
    es_model *m = make_model(sets, "single");
    gsl_rng *rng = es_rng_alloc(3, 0, &err);
    m->ops->randomize(m->ctx, rng);
    const double target = 0.6;
    long acc = 0, tried = 0;
    for (int round = 0; round < 20; round++) {
        acc = tried = 0;
        for (int k = 0; k < 5000; k++, tried++) {
            double x, y;
            if (m->ops->propose(m->ctx, rng) == ES_OK) {
                m->ops->observe_proposed(m->ctx, &x, &y);
                m->ops->accept(m->ctx);  /* free walk in the box: only the wall rejects */
                acc++;
            } else {
                m->ops->reject(m->ctx);
            }
        }
        m->ops->adapt(m->ctx, target);
    }
    assert_close((double)acc / (double)tried, target, 0.03, "acceptance after 20 adapt rounds");
    es_network_stats s;
    es_network_stats_get(m, &s);
    const double b = 2.0 / sqrt(6.0), expect = 4.0 * b * (1.0 - target);
    for (size_t p = 0; p < s.n_steps; p++)
        assert_close(s.step[p], expect, 0.15, "tuned step of a layer");
    gsl_rng_free(rng);
    es_model_free(m);
}

/* Config errors name the key: an accuracy axis on a regression; a training metric for y. */
static void test_config_errors(void **state)
{
    (void)state;
    es_config cfg;
    const char *sets[] = {"task.name=spiral-regression", "model.hidden=4,4", "sampler.x=train_acc",
                          NULL};
    make_config(&cfg, sets);
    es_err err = {0};
    assert_null(es_model_create(&cfg, &err));
    assert_int_equal(err.status, ES_ECONFIG);
    assert_non_null(strstr(err.msg, "sampler.x=train_acc"));
    assert_non_null(strstr(err.msg, "regression"));
    const char *sets2[] = {"task.name=spiral", "model.hidden=4", "sampler.y=test_acc",
                           "sampler.init=sgd:/nonexistent/file.h5", NULL};
    make_config(&cfg, sets2);
    memset(&err, 0, sizeof err);
    assert_null(es_model_create(&cfg, &err));
    assert_non_null(strstr(err.msg, "sampler] init"));
    const char *sets3[] = {"task.name=spiral", "model.hidden=4", "sampler.y=test_acc",
                           "sampler.init=gradient", NULL};
    make_config(&cfg, sets3);
    memset(&err, 0, sizeof err);
    assert_null(es_model_create(&cfg, &err));
    assert_int_equal(err.status, ES_ECONFIG);
}

/* sampler.init = sgd:FILE:run starts every walker at that run's final parameters; parameters
 * outside the box are refused with a message naming the bound. */
static void test_sgd_init(void **state)
{
    (void)state;
    es_config cfg;
    const char *sets[] = {"task.name=spiral", "model.hidden=4,4", "model.bound=0.5", NULL};
    make_config(&cfg, sets);
    es_err err = {0};
    es_data *d = es_data_load(&cfg, &err);
    nn_spec spec;
    nn_spec_from_config(&cfg, d, &spec, &err);
    nn_net *net = nn_net_alloc(&spec, &err);
    es_sgd *s = es_sgd_alloc(3, 1, net->n_params, &err);
    assert_non_null(s);
    for (long r = 0; r < 3; r++)
        for (size_t k = 0; k < net->n_params; k++)
            s->final_params[(size_t)r * net->n_params + k] = 0.1 * (double)(r + 1) * sin((double)k);
    snprintf(s->optimizer, sizeof s->optimizer, "adam");
    snprintf(s->task, sizeof s->task, "spiral");
    snprintf(s->dataset, sizeof s->dataset, "spiral");
    snprintf(s->init, sizeof s->init, "kaiming");
    nn_net_describe(net, s->arch, sizeof s->arch);
    s->bound = 0.5;
    s->classify = 1;
    char path[512];
    snprintf(path, sizeof path, "%s/sgd.h5", tu_tmpdir());
    es_h5 *h = es_h5_create(path, "[task]\n", 1, &err);
    assert_non_null(h);
    assert_int_equal(es_h5_write_sgd(h, s, &err), ES_OK);
    assert_int_equal(es_h5_commit(h, &err), ES_OK);

    char init[600];
    snprintf(init, sizeof init, "sampler.init=sgd:%s:2", path);
    const char *sets2[] = {"task.name=spiral", "model.hidden=4,4", "model.bound=0.5", init, NULL};
    es_model *m = make_model(sets2, "single");
    gsl_rng *rng = es_rng_alloc(1, 0, &err);
    m->ops->randomize(m->ctx, rng);
    es_network_stats st;
    es_network_stats_get(m, &st);
    assert_memory_equal(st.params, s->final_params + 2 * net->n_params, net->n_params * sizeof(double));
    es_model_free(m);

    /* a box narrower than the trained parameters */
    const char *sets3[] = {"task.name=spiral", "model.hidden=4,4", "model.bound=0.2", init, NULL};
    make_config(&cfg, sets3);
    memset(&err, 0, sizeof err);
    assert_null(es_model_create(&cfg, &err));
    assert_int_equal(err.status, ES_EDATA);
    assert_non_null(strstr(err.msg, "outside the box"));
    gsl_rng_free(rng);
    es_sgd_free(s);
    nn_net_free(net);
    es_data_free(d);
}

/* ---- a 2-D landscape -------------------------------------------------------------------- */

/* Spiral 2x6 (74 parameters, box 2/sqrt(6)), x = train accuracy, y = test accuracy on 17 x 17
 * bins of width 1/40 centred on the attainable values k/40, k = 12..28 (the middle of the
 * landscape, where direct sampling can check it). A short 1/t run (2 groups of 2 walkers, 90000
 * sweeps each, ln f reaches ~4e-5; about 6 s) against direct sampling of 4e4 uniform networks:
 * every bin holding >= 1% of the direct draws (14 bins) must be reached, and there ln g
 * (normalised over those bins) must agree within 0.25 (measured: 0.216; the direct estimate
 * alone has a statistical error of up to 0.1 there). With one group of 2 walkers and 30000
 * sweeps this gave 0.16 before new bins reopened the schedule (ln f >= 1e-3 after a late bin:
 * bins at this window's edges keep turning up, so a fixed budget ends at a larger ln f); with 2
 * groups at 30000 sweeps, 0.28. Every observed accuracy is a multiple of 1/40, and
 * the run reaches bins direct sampling never sees (89 of 289 with seed 3). */
static void test_spiral_2x6_landscape(void **state)
{
    (void)state;
    const char *sets[] = {"task.name=spiral", "model.hidden=6,6", "model.bound=auto",
                          "sampler.x=train_acc", "sampler.y=test_acc", "sampler.x_bins=17",
                          "sampler.x_min=0.2875", "sampler.x_max=0.7125", "sampler.y_bins=17",
                          "sampler.y_min=0.2875", "sampler.y_max=0.7125", "sampler.walkers=4",
                          "sampler.groups=2",
                          "sampler.ln_f_final=1e-9", "sampler.max_sweeps=90000",
                          "sampler.check_every=20", "sampler.step=0.4", "sampler.seed=3", NULL};
    const long NB = 17 * 17;
    es_config cfg;
    make_config(&cfg, sets);
    es_err err = {0};
    es_model *m = es_model_create(&cfg, &err);
    assert_non_null(m);
    assert_string_equal(m->x_variable, "train_acc");
    assert_string_equal(m->y_variable, "test_acc");
    es_grid g;
    assert_int_equal(es_grid_init(&g, 2, 17, 0.2875, 0.7125, 17, 0.2875, 0.7125, &err), ES_OK);
    es_wl_params p;
    assert_int_equal(es_wl_params_from_config(&p, &cfg, &g, &err), ES_OK);
    es_dos *dos = es_dos_alloc(17, 17, &err);
    es_status st = es_wl_run(&p, &g, m, dos, NULL, NULL, NULL, &err);
    if (st != ES_OK)
        fail_msg("es_wl_run: %s", err.msg);

    /* direct sampling */
    es_model *d = es_model_clone(m, &err);
    gsl_rng *rng = es_rng_alloc(77, 0, &err);
    const long draws = 40000;
    long *count = calloc((size_t)NB, sizeof *count), inside = 0;
    for (long k = 0; k < draws; k++) {
        double x, y;
        d->ops->randomize(d->ctx, rng);
        d->ops->observe(d->ctx, &x, &y);
        assert_close(x * 40, round(x * 40), 1e-9, "40 x train accuracy is an integer");
        assert_close(y * 40, round(y * 40), 1e-9, "40 x test accuracy is an integer");
        long b = es_grid_bin(&g, x, y);
        if (b >= 0) {
            count[b]++;
            inside++;
        }
    }
    long common = 0, reached = 0, rare_reached = 0;
    double sum_wl = 0, sum_ds = 0;
    for (long b = 0; b < NB; b++) {
        reached += isfinite(dos->log_g[b]);
        if (count[b] == 0 && isfinite(dos->log_g[b]))
            rare_reached++;
        if (count[b] >= draws / 100) {
            if (!isfinite(dos->log_g[b]))
                fail_msg("bin %ld (train acc %.3f, test acc %.3f) holds %ld of %ld direct draws "
                         "but was never reached", b, (double)(12 + b / 17) / 40,
                         (double)(12 + b % 17) / 40, count[b], draws);
            common++;
            sum_wl += exp(dos->log_g[b]);
            sum_ds += (double)count[b];
        }
    }
    double worst = 0;
    for (long b = 0; b < NB; b++)
        if (count[b] >= draws / 100) {
            double a = dos->log_g[b] - log(sum_wl), e = log((double)count[b] / sum_ds);
            worst = fmax(worst, fabs(a - e));
            assert_close(a, e, 0.25, "ln g vs direct sampling (normalised over common bins)");
        }
    print_message("  %ld of %ld bins reached (%ld never seen in %ld direct draws, %ld inside); "
                  "%ld common bins, max |delta ln g| %.3f; ln f %.2g, %llu sweeps per walker\n",
                  reached, NB, rare_reached, draws, inside, common, worst, dos->ln_f,
                  (unsigned long long)dos->sweeps);
    assert_true(common >= 10);
    assert_true(reached == NB);
    assert_true(rare_reached >= 20);
    free(count);
    gsl_rng_free(rng);
    es_model_free(d);
    es_dos_free(dos);
    es_model_free(m);
}

/* ---- Wang-Landau dynamics: gradients against finite differences ----------------------- */

/* sampler.method = wlmd: x and y with their gradients. Each checked coordinate against a
 * central difference with h = 1e-6 (smooth activations, so no kinks): agreement to
 * 1e-6 relative (absolute below 1), well above the O(h^2) truncation and O(eps/h) rounding. */
static void check_gradient(const char *label, const char *file, const char *const *sets)
{
    if (file && !have_file(file)) {
        print_message("  skipped (%s missing): %s\n", file, label);
        return;
    }
    const char *all[24];
    size_t k = 0;
    for (; sets[k]; k++)
        all[k] = sets[k];
    all[k++] = "sampler.method=wlmd";
    all[k] = NULL;
    es_model *m = make_model(all, "single");
    const es_model_ops *ops = m->ops;
    assert_non_null(ops->gradient);
    es_err err = {0};
    gsl_rng *rng = es_rng_alloc(5, 0, &err);
    ops->randomize(m->ctx, rng);
    size_t n = ops->n_dof(m->ctx);
    double *gx = calloc(n, sizeof *gx), *gy = calloc(n, sizeof *gy), b, x, y = 0, xo, yo = 0;
    double *w = ops->params(m->ctx, &b);
    ops->gradient(m->ctx, &x, &y, gx, gy);
    ops->observe(m->ctx, &xo, &yo);
    assert_close(xo, x, 0, "observe reports the x of the last gradient call");
    double worst = 0;
    for (int t = 0; t < 40; t++) {
        size_t i = (size_t)(gsl_rng_uniform(rng) * (double)n);
        const double h = 1e-6, w0 = w[i];
        double xp, yp = 0, xm, ym = 0;
        w[i] = w0 + h;
        ops->gradient(m->ctx, &xp, &yp, NULL, NULL);
        w[i] = w0 - h;
        ops->gradient(m->ctx, &xm, &ym, NULL, NULL);
        w[i] = w0;
        double fx = (xp - xm) / (2 * h), fy = (yp - ym) / (2 * h);
        double ex = fabs(fx - gx[i]) / fmax(1.0, fabs(fx)), ey = fabs(fy - gy[i]) / fmax(1.0, fabs(fy));
        worst = fmax(worst, fmax(ex, m->dims == 2 ? ey : 0));
        if (ex > 1e-6 || (m->dims == 2 && ey > 1e-6))
            fail_msg("%s: parameter %zu: dx/dw %.10g (finite difference %.10g), dy/dw %.10g "
                     "(%.10g); tolerance 1e-6", label, i, gx[i], fx, gy[i], fy);
    }
    print_message("  %s: %zu parameters, x = %.4f, y = %.4f, max error %.2g over 40 coordinates\n",
                  label, n, x, y, worst);
    free(gx);
    free(gy);
    gsl_rng_free(rng);
    es_model_free(m);
}

static void test_wlmd_gradients(void **state)
{
    (void)state;
    const char *a[] = {"task.name=spiral", "model.hidden=6,6,6", "model.activation=tanh",
                       "model.bound=1", "sampler.x=ln_train_loss", "sampler.y=test_acc", NULL};
    check_gradient("spiral 3x6 tanh, ln train loss x smoothed test acc", NULL, a);
    const char *b[] = {"task.name=spiral-regression", "model.hidden=12,12",
                       "model.activation=silu", "model.bound=0.5", "sampler.x=train_loss",
                       "sampler.y=ln_test_loss", NULL};
    check_gradient("spiral-regression 2x12 silu, train loss x ln test loss", NULL, b);
    const char *c[] = {"task.name=text", "task.context=4", "task.train_size=200",
                       "task.test_size=80", "model.embed_dim=3", "model.hidden=8",
                       "model.activation=tanh", "model.bound=1", "sampler.x=ln_train_loss",
                       "sampler.y=test_acc", NULL};
    check_gradient("text embedding + mlp tanh, ln train loss x smoothed test acc",
                   "data/text/kjv.txt", c);
    const char *d[] = {"task.name=image", "task.dataset=digits", "task.train_size=30",
                       "task.test_size=20", "model.arch=cnn", "model.channels=2",
                       "model.activation=tanh", "model.bound=0.6", "sampler.x=ln_train_loss",
                       "sampler.y=test_acc", NULL};
    check_gradient("digits cnn 2 channels tanh, ln train loss x smoothed test acc",
                   "data/sklearn/digits.csv.gz", d);
}

/* wlmd: y = test_acc becomes the smoothed accuracy, named so; accuracy x is refused. */
static void test_wlmd_variables(void **state)
{
    (void)state;
    const char *ok[] = {"task.name=spiral", "model.hidden=6,6", "model.bound=auto",
                        "sampler.method=wlmd", "sampler.x=ln_train_loss", "sampler.y=test_acc",
                        "sampler.smooth_k=7", NULL};
    es_model *m = make_model(ok, "single");
    assert_string_equal(m->y_variable, "test_acc_smooth");
    /* the smoothed accuracy equals its definition on the logits of a full pass */
    es_err err = {0};
    gsl_rng *rng = es_rng_alloc(9, 0, &err);
    m->ops->randomize(m->ctx, rng);
    double b, x, y;
    double *w = m->ops->params(m->ctx, &b);
    m->ops->gradient(m->ctx, &x, &y, NULL, NULL);
    es_config cfg;
    make_config(&cfg, ok);
    es_data *d = es_data_load(&cfg, &err);
    nn_spec spec;
    nn_spec_from_config(&cfg, d, &spec, &err);
    nn_net *net = nn_net_alloc(&spec, &err);
    memcpy(net->params, w, net->n_params * sizeof(double));
    nn_acts *a = nn_acts_alloc(net, d->test.n, &err);
    nn_forward(net, a, d->test.x, d->test.n);
    const double *z = nn_logits(net, a);
    double sum = 0;
    for (size_t i = 0; i < d->test.n; i++) {
        int c = (int)d->test.y[i];
        sum += 1.0 / (1.0 + exp(-7.0 * (z[2 * i + c] - z[2 * i + 1 - c])));
    }
    assert_close(y, sum / (double)d->test.n, 1e-12, "smoothed test accuracy, k = 7");
    nn_acts_free(a);
    nn_net_free(net);
    es_data_free(d);
    gsl_rng_free(rng);
    es_model_free(m);

    es_config bad;
    const char *acc[] = {"task.name=spiral", "model.hidden=6,6", "model.bound=auto",
                         "sampler.method=wlmd", "sampler.x=train_acc", NULL};
    make_config(&bad, acc);
    assert_null(es_model_create(&bad, &err));
    assert_int_equal(err.status, ES_ECONFIG);
    assert_non_null(strstr(err.msg, "wlmd"));
    assert_non_null(strstr(err.msg, "train_acc"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_incremental_equals_full),
        cmocka_unit_test(test_reject_clone_state),
        cmocka_unit_test(test_adapt),
        cmocka_unit_test(test_config_errors),
        cmocka_unit_test(test_sgd_init),
        cmocka_unit_test(test_spiral_2x6_landscape),
        cmocka_unit_test(test_wlmd_gradients),
        cmocka_unit_test(test_wlmd_variables),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
