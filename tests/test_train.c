/* test_train.c: the gradient-trained baseline: optimizer update rules against reference
 * values, projection into the box, training reducing the loss, determinism (same seed, 1 vs 2
 * threads), the unigram baseline, /sgd through HDF5, and `entroscape train` end to end.
 * Only generated tasks (spiral, spiral-regression, arithmetic) are used: no data files.
 * The end-to-end test runs ./entroscape from the top directory (ES_BIN overrides). */
#include "testutil.h"

#include "entroscape/analysis.h"
#include "entroscape/data.h"
#include "entroscape/h5io.h"
#include "entroscape/nn.h"
#include "entroscape/train.h"

#include <hdf5.h>
#include <hdf5_hl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
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

/* Everything a training needs, from a config. */
typedef struct setup {
    es_config cfg;
    es_data *data;
    nn_spec spec;
    es_train_params p;
    size_t n_params;
} setup;

static void setup_load(setup *s, const char *const *sets)
{
    es_err err = {0};
    make_config(&s->cfg, sets);
    s->data = es_data_load(&s->cfg, &err);
    if (!s->data)
        fail_msg("es_data_load: %s", err.msg);
    if (nn_spec_from_config(&s->cfg, s->data, &s->spec, &err) != ES_OK)
        fail_msg("nn_spec_from_config: %s", err.msg);
    if (es_train_params_from_config(&s->p, &s->cfg, &s->spec, &err) != ES_OK)
        fail_msg("es_train_params_from_config: %s", err.msg);
    nn_net *net = nn_net_alloc(&s->spec, &err);
    assert_non_null(net);
    s->n_params = net->n_params;
    nn_net_free(net);
}

/* Train with s->p on `threads` threads; the caller frees the result. */
static es_sgd *train(setup *s, int threads)
{
    es_err err = {0};
    es_sgd *r = es_sgd_alloc(s->p.runs, s->p.epochs, s->n_params, &err);
    assert_non_null(r);
    s->p.threads = threads;
    if (es_train_run(&s->p, &s->spec, s->data, r, NULL, NULL, NULL, &err) != ES_OK)
        fail_msg("es_train_run: %s", err.msg);
    es_train_describe(r, &s->p, &s->spec, s->data, &s->cfg);
    return r;
}

static const char *const SPIRAL[] = {
    "task.name=spiral", "model.hidden=6,6,6", "model.bound=auto", "train.optimizer=adam",
    "train.lr=1e-2", "train.batch=10", "train.epochs=30", "train.runs=3", "train.seed=7", NULL};

/* ---- optimizers ----------------------------------------------------------------------- */

/* Reference values: PyTorch 1.13.1 (Debian python3-torch), float64, torch.optim.SGD(lr=0.1,
 * momentum=0.9, weight_decay=0.01) and torch.optim.AdamW(lr=0.01, weight_decay=0.1) on
 * w = (0.5, -1, 2) with gradients g1 = (0.1, -0.2, 0.3), then g2 = (-0.05, 0.4, 0). The
 * one-step values are also worked by hand in the comments. Tolerance 1e-14 (a few ulps). */
static const double W0[3] = {0.5, -1.0, 2.0};
static const double G1[3] = {0.1, -0.2, 0.3}, G2[3] = {-0.05, 0.4, 0.0};

static void test_sgd_momentum_l2(void **state)
{
    (void)state;
    es_err err = {0};
    es_optim_params p = es_optim_defaults(ES_OPTIM_SGD);
    p.lr = 0.1;
    p.momentum = 0.9;
    p.weight_decay = 0.01;
    es_optim *o = es_optim_alloc(&p, 3, &err);
    assert_non_null(o);
    double w[3];
    memcpy(w, W0, sizeof w);
    /* step 1: d = g + 0.01 w = (0.105, -0.21, 0.32); w -= 0.1 d */
    es_optim_step(o, w, G1);
    const double one[3] = {0.4895, -0.979, 1.968};
    for (int i = 0; i < 3; i++)
        assert_close(w[i], one[i], 1e-14, "sgd step 1");
    es_optim_step(o, w, G2);
    const double two[3] = {0.48456050000000001, -0.99912099999999993, 1.9372320000000001};
    for (int i = 0; i < 3; i++)
        assert_close(w[i], two[i], 1e-14, "sgd step 2 (momentum)");
    /* plain SGD (no momentum, no decay): w - lr g exactly */
    es_optim_free(o);
    p.momentum = 0;
    p.weight_decay = 0;
    o = es_optim_alloc(&p, 3, &err);
    memcpy(w, W0, sizeof w);
    es_optim_step(o, w, G1);
    for (int i = 0; i < 3; i++)
        assert_close(w[i], W0[i] - 0.1 * G1[i], 0, "plain sgd");
    es_optim_free(o);
}

static void test_adamw(void **state)
{
    (void)state;
    es_err err = {0};
    es_optim_params p = es_optim_defaults(ES_OPTIM_ADAM);
    p.lr = 0.01;
    p.weight_decay = 0.1;
    es_optim *o = es_optim_alloc(&p, 3, &err);
    assert_non_null(o);
    double w[3];
    memcpy(w, W0, sizeof w);
    /* step 1 by hand: w *= 1 - 0.01 * 0.1; m^ = g, v^ = g^2 after bias correction, so
     * w -= 0.01 g / (|g| + 1e-8): (0.4995 - 0.0099999990, -0.999 + 0.0099999995,
     * 1.998 - 0.0099999996667) */
    es_optim_step(o, w, G1);
    const double one[3] = {0.48950000099999991, -0.98900000049999992, 1.9880000003333334};
    for (int i = 0; i < 3; i++)
        assert_close(w[i], one[i], 1e-14, "adamw step 1");
    es_optim_step(o, w, G2);
    const double two[3] = {0.48634713093933907, -0.99167203565410367, 1.9793114181075822};
    for (int i = 0; i < 3; i++)
        assert_close(w[i], two[i], 1e-14, "adamw step 2");
    /* reset: the same first step again */
    es_optim_reset(o);
    memcpy(w, W0, sizeof w);
    es_optim_step(o, w, G1);
    for (int i = 0; i < 3; i++)
        assert_close(w[i], one[i], 1e-14, "adamw step 1 after reset");
    es_optim_free(o);
}

/* ---- projection ------------------------------------------------------------------------ */

static void test_projection(void **state)
{
    (void)state;
    double w[6] = {-3.0, -0.5, 0.0, 0.5, 0.75, 1e300};
    es_train_project(w, 6, 0.5);
    const double want[6] = {-0.5, -0.5, 0.0, 0.5, 0.5, 0.5};
    for (int i = 0; i < 6; i++)
        assert_close(w[i], want[i], 0, "projected value");
    double u[2] = {-3.0, 7.0};
    es_train_project(u, 2, 0);   /* no box */
    assert_close(u[0], -3.0, 0, "bound 0 leaves w alone");
    assert_close(u[1], 7.0, 0, "bound 0 leaves w alone");

    /* Training with a large learning rate in a small box: every final parameter in the box,
     * and some on its wall (the projection did something). */
    setup s;
    setup_load(&s, (const char *const[]){"task.name=spiral", "model.hidden=6,6",
                                         "model.bound=0.3", "train.optimizer=sgd",
                                         "train.lr=5", "train.epochs=5", "train.batch=8",
                                         NULL});
    assert_close(s.p.bound, 0.3, 0, "explicit model.bound is the box");
    es_sgd *r = train(&s, 1);
    size_t on_wall = 0;
    for (size_t i = 0; i < r->n_params; i++) {
        assert_at_most(fabs(r->final_params[i]), 0.3, "|final parameter|");
        on_wall += fabs(r->final_params[i]) == 0.3;
    }
    if (on_wall == 0)
        fail_msg("no parameter reached the wall of the box at lr 5: projection untested");
    es_sgd_free(r);
    es_data_free(s.data);

    /* model.bound left at its default: no box; auto: 2/sqrt(first hidden width) */
    setup_load(&s, (const char *const[]){"task.name=spiral", "model.hidden=6,6", NULL});
    assert_close(s.p.bound, 0, 0, "bound not set in the config: no box");
    es_data_free(s.data);
    setup_load(&s, (const char *const[]){"task.name=spiral", "model.hidden=4,6",
                                         "model.bound=auto", NULL});
    assert_close(s.p.bound, 1.0, 1e-15, "auto bound 2/sqrt(4)");
    es_data_free(s.data);
}

/* train.box = none: the same training in the same small box at lr 5 leaves it (the box
 * only limits the initialisation), es_sgd_runs_outside_box counts the run, and /sgd
 * records box = none through HDF5; train.box = project (the default) keeps every run in. */
static void test_box_none(void **state)
{
    (void)state;
    setup s;
    setup_load(&s, (const char *const[]){"task.name=spiral", "model.hidden=6,6",
                                         "model.bound=0.3", "train.optimizer=sgd",
                                         "train.lr=5", "train.epochs=5", "train.batch=8",
                                         "train.runs=2", "train.box=none", NULL});
    assert_int_equal(s.p.box_none, 1);
    assert_close(s.p.box, 0.3, 0, "the box bounds the initialisation");
    assert_close(s.p.bound, 0, 0, "no projection");
    es_sgd *r = train(&s, 1);
    assert_close(r->bound, 0.3, 0, "/sgd records the box");
    assert_int_equal(r->box_none, 1);
    double max_abs = 0;
    long outside = es_sgd_runs_outside_box(r, &max_abs);
    print_message("train.box = none: %ld of 2 runs outside |w| <= 0.3, max |w| %g\n", outside,
                  max_abs);
    assert_int_equal(outside, 2);
    assert_true(max_abs > 0.3);
    es_err err = {0};
    char path[600];
    snprintf(path, sizeof path, "%s/box-none.h5", tu_tmpdir());
    es_h5 *h = es_h5_create(path, NULL, 1, &err);
    assert_non_null(h);
    assert_int_equal(es_h5_write_sgd(h, r, &err), ES_OK);
    assert_int_equal(es_h5_commit(h, &err), ES_OK);
    es_sgd *back = es_h5_read_sgd(path, &err);
    assert_non_null(back);
    assert_int_equal(back->box_none, 1);
    assert_int_equal(es_sgd_runs_outside_box(back, NULL), 2);
    es_sgd_free(back);
    es_sgd_free(r);
    es_data_free(s.data);
    setup_load(&s, (const char *const[]){"task.name=spiral", "model.hidden=6,6",
                                         "model.bound=0.3", "train.optimizer=sgd",
                                         "train.lr=5", "train.epochs=5", "train.batch=8",
                                         "train.runs=2", NULL});
    assert_int_equal(s.p.box_none, 0);
    r = train(&s, 1);
    assert_int_equal(es_sgd_runs_outside_box(r, NULL), 0);
    es_sgd_free(r);
    es_data_free(s.data);
}

/* ---- training -------------------------------------------------------------------------- */

/* A few epochs reduce the training loss on the spiral (3 runs, Adam lr 1e-2, 30 epochs of
 * 4 steps): each run's final training loss at most 0.9 x its initial one, and the
 * history is finite with accuracies in [0, 1]. */
static void test_training_reduces_loss(void **state)
{
    (void)state;
    setup s;
    setup_load(&s, SPIRAL);
    es_sgd *r = train(&s, 2);
    for (long k = 0; k < r->runs; k++) {
        double first = es_sgd_row(r, k, 0)[ES_TRAIN_LOSS];
        double last = es_sgd_row(r, k, r->epochs)[ES_TRAIN_LOSS];
        assert_at_most(last, 0.9 * first, "final / initial training loss (limit 0.9 x initial)");
        for (long e = 0; e <= r->epochs; e++)
            for (int m = 0; m < ES_N_METRICS; m++) {
                double v = es_sgd_row(r, k, e)[m];
                if (!isfinite(v) || ((m == ES_TRAIN_ACC || m == ES_TEST_ACC) && (v < 0 || v > 1)))
                    fail_msg("history[%ld][%ld][%d] = %g", k, e, m, v);
            }
    }
    for (size_t i = 0; i < r->n_params; i++)   /* auto box: 2/sqrt(6) */
        assert_at_most(fabs(r->final_params[i]), 2 / sqrt(6.0), "|final parameter|");
    es_sgd_free(r);
    es_data_free(s.data);

    /* Modular addition p = 5 with SGD + momentum: the training loss falls too. */
    setup_load(&s, (const char *const[]){"task.name=arithmetic", "task.p=5",
                                         "task.train_fraction=0.8", "model.hidden=32",
                                         "train.optimizer=sgd", "train.lr=0.1",
                                         "train.momentum=0.9", "train.batch=4",
                                         "train.epochs=40", NULL});
    r = train(&s, 1);
    assert_at_most(es_sgd_row(r, 0, r->epochs)[ES_TRAIN_LOSS],
                   0.5 * es_sgd_row(r, 0, 0)[ES_TRAIN_LOSS],
                   "arithmetic: final training loss (limit 0.5 x initial)");
    es_sgd_free(r);
    es_data_free(s.data);
}

/* Same seed: bit-identical histories and parameters, on 1 and on 2 threads; another seed
 * differs. Tolerance 0 (memcmp). */
static void test_determinism(void **state)
{
    (void)state;
    setup s;
    setup_load(&s, SPIRAL);
    es_sgd *a = train(&s, 1), *b = train(&s, 2), *c = train(&s, 1);
    size_t hn = (size_t)a->runs * (size_t)(a->epochs + 1) * ES_N_METRICS;
    size_t pn = (size_t)a->runs * a->n_params;
    assert_memory_equal(a->history, b->history, hn * sizeof(double));
    assert_memory_equal(a->final_params, b->final_params, pn * sizeof(double));
    assert_memory_equal(a->history, c->history, hn * sizeof(double));
    /* runs differ from each other (own streams) */
    assert_true(memcmp(es_sgd_row(a, 0, 0), es_sgd_row(a, 1, 0), ES_N_METRICS * sizeof(double)));
    s.p.seed = 8;
    es_sgd *d = train(&s, 2);
    assert_true(memcmp(a->history, d->history, hn * sizeof(double)) != 0);
    es_sgd_free(a);
    es_sgd_free(b);
    es_sgd_free(c);
    es_sgd_free(d);
    es_data_free(s.data);
}

/* Unigram baseline on a hand-made text task: vocab 3, training targets (0, 0, 1), test
 * targets (0, 2). Add-one smoothing: p = (3, 2, 1) / 6, so the test cross-entropy is
 * (ln 2 + ln 6) / 2 = 1.2424533248940002. Tolerance 1e-15. */
static void test_unigram_baseline(void **state)
{
    (void)state;
    double ytr[3] = {0, 0, 1}, yte[2] = {0, 2}, x[3] = {0, 0, 0};
    es_data d = {.task = "text", .classify = 1, .n_in = 1, .n_out = 3, .vocab = 3,
                 .train = {3, x, ytr}, .test = {2, x, yte}};
    assert_close(es_train_unigram_test_loss(&d), 0.5 * (log(2.0) + log(6.0)), 1e-15,
                 "unigram test cross-entropy");
    snprintf(d.task, sizeof d.task, "spiral");
    assert_true(isnan(es_train_unigram_test_loss(&d)));
}

/* ---- HDF5 ---------------------------------------------------------------------------- */

static void check_dim(hid_t dset, unsigned idx, const char *want)
{
    char label[64] = "";
    H5DSget_label(dset, idx, label, sizeof label);
    assert_string_equal(label, want);
    assert_int_equal(H5DSget_num_scales(dset, idx), 1);
}

/* /sgd round trip on a regression (spiral-regression, 2 runs): shapes, attributes and values
 * bit for bit, NaN accuracies, named dimensions, the metric names, and `info`. */
static void test_h5_round_trip(void **state)
{
    (void)state;
    setup s;
    setup_load(&s, (const char *const[]){"task.name=spiral-regression", "task.train_size=50",
                                         "task.test_size=30", "model.hidden=8,8",
                                         "train.epochs=3", "train.runs=2", "train.batch=16",
                                         NULL});
    es_sgd *r = train(&s, 2);
    assert_int_equal(r->classify, 0);
    assert_true(isnan(es_sgd_row(r, 1, 2)[ES_TEST_ACC]));
    char path[600];
    snprintf(path, sizeof path, "%s/sgd.h5", tu_tmpdir());
    es_err err = {0};
    es_h5 *h = es_h5_create(path, "[train]\nruns = 2\n", 1, &err);
    assert_non_null(h);
    if (es_h5_write_sgd(h, r, &err) != ES_OK)
        fail_msg("%s", err.msg);
    if (es_h5_commit(h, &err) != ES_OK)
        fail_msg("%s", err.msg);

    es_sgd *b = es_h5_read_sgd(path, &err);
    if (!b)
        fail_msg("%s", err.msg);
    assert_int_equal(b->runs, 2);
    assert_int_equal(b->epochs, 3);
    assert_int_equal(b->n_params, r->n_params);
    assert_int_equal(b->n_params, 2 * 8 + 8 + 8 * 8 + 8 + 8 + 1);
    assert_int_equal(b->batch, 16);
    assert_int_equal(b->classify, 0);
    assert_string_equal(b->optimizer, "adam");
    assert_string_equal(b->task, "spiral-regression");
    assert_string_equal(b->arch, r->arch);
    assert_close(b->lr, 1e-3, 0, "lr");
    assert_true(isnan(b->unigram_test_loss));
    for (long k = 0; k < 2; k++)
        for (long e = 0; e <= 3; e++)
            for (int m = 0; m < ES_N_METRICS; m++) {
                double x = es_sgd_row(r, k, e)[m], y = es_sgd_row(b, k, e)[m];
                if (m == ES_TRAIN_ACC || m == ES_TEST_ACC)
                    assert_true(isnan(y));
                else
                    assert_memory_equal(&x, &y, sizeof x);
            }
    assert_memory_equal(r->final_params, b->final_params, 2 * r->n_params * sizeof(double));

    /* dimension names and the metric scale, through the HDF5 dimension-scale API */
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t hist = H5Dopen2(f, "/sgd/history", H5P_DEFAULT);
    hid_t fin = H5Dopen2(f, "/sgd/final_params", H5P_DEFAULT);
    assert_true(hist >= 0 && fin >= 0);
    check_dim(hist, 0, "run");
    check_dim(hist, 1, "epoch");
    check_dim(hist, 2, "metric");
    check_dim(fin, 0, "run");
    check_dim(fin, 1, "param");
    hid_t met = H5Dopen2(f, "/sgd/metric", H5P_DEFAULT);
    assert_true(H5DSis_scale(met) > 0);
    char *names[ES_N_METRICS] = {0};
    hid_t st = H5Tcopy(H5T_C_S1);
    H5Tset_size(st, H5T_VARIABLE);
    assert_true(H5Dread(met, st, H5S_ALL, H5S_ALL, H5P_DEFAULT, names) >= 0);
    for (int m = 0; m < ES_N_METRICS; m++) {
        assert_string_equal(names[m], es_train_metric_names[m]);
        H5free_memory(names[m]);
    }
    H5Tclose(st);
    H5Dclose(met);
    H5Dclose(fin);
    H5Dclose(hist);
    H5Fclose(f);

    char out[8192];
    FILE *mf = fmemopen(out, sizeof out, "w");
    assert_int_equal(es_h5_print_info(path, mf, &err), ES_OK);
    fclose(mf);
    if (!strstr(out, "/sgd: gradient-trained baseline") || !strstr(out, "n/a (regression)") ||
        !strstr(out, "test_loss"))
        fail_msg("info output lacks the /sgd summary:\n%s", out);
    es_sgd_free(b);
    es_sgd_free(r);
    es_data_free(s.data);
}

/* ---- the command ---------------------------------------------------------------------- */

static char out[65536];

static int es(const char *args)
{
    const char *b = getenv("ES_BIN");
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s", b ? b : "./entroscape", args);
    return tu_run(cmd, out, sizeof out);
}

static int exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0;
}

/* A tiny config trains and writes /sgd (exit 0); bad [train] values exit 2 naming the key,
 * leaving no file; --help describes the command. */
static void test_command_end_to_end(void **state)
{
    (void)state;
    const char *cfg = tu_write_file("tiny.ini", "[task]\nname = spiral\n[model]\nhidden = 4\n"
                                    "bound = auto\n[train]\nepochs = 5\nruns = 2\nbatch = 20\n");
    char o[600], args[2048];
    snprintf(o, sizeof o, "%s/tiny.h5", tu_tmpdir());
    snprintf(args, sizeof args, "train %s -o %s --threads 2", cfg, o);
    int rc = es(args);
    if (rc != 0)
        fail_msg("train exited %d:\n%s", rc, out);
    assert_true(exists(o));
    if (!strstr(out, "epoch 5"))
        fail_msg("no progress line for epoch 5 in:\n%s", out);
    snprintf(args, sizeof args, "info %s", o);
    assert_int_equal(es(args), 0);
    if (!strstr(out, "/sgd: gradient-trained baseline") || !strstr(out, "2 x 5 epochs"))
        fail_msg("info output:\n%s", out);

    snprintf(args, sizeof args, "train %s -o %s/q.h5 --quiet", cfg, tu_tmpdir());
    assert_int_equal(es(args), 0);
    assert_int_equal(strlen(out), 0);

    const char *bad = tu_write_file("bad.ini", "[task]\nname = spiral\n[train]\n"
                                    "optimizer = rmsprop\n");
    const char *unboxed = tu_write_file("unboxed.ini", "[task]\nname = spiral\n");
    snprintf(o, sizeof o, "%s/bad.h5", tu_tmpdir());
    snprintf(args, sizeof args, "train %s -o %s", bad, o);
    assert_int_equal(es(args), 2);
    if (!strstr(out, "bad.ini:4") || !strstr(out, "rmsprop") || !strstr(out, "sgd | adam"))
        fail_msg("message should name file:line, value and choices:\n%s", out);
    assert_false(exists(o));
    snprintf(args, sizeof args, "train %s -o %s --set train.lr=-1", cfg, o);
    assert_int_equal(es(args), 2);
    assert_false(exists(o));
    snprintf(args, sizeof args, "train %s -o %s --set train.batch=0", cfg, o);
    assert_int_equal(es(args), 2);
    assert_false(exists(o));
    snprintf(args, sizeof args, "train %s -o %s --set train.momentum=0.9", cfg, o);  /* adam */
    assert_int_equal(es(args), 2);
    if (!strstr(out, "--set train.momentum=0.9") || !strstr(out, "sgd only"))
        fail_msg("momentum with adam:\n%s", out);
    assert_false(exists(o));
    snprintf(args, sizeof args, "train %s -o %s --set model.init=uniform", unboxed, o);  /* no box */
    rc = es(args);
    if (rc != 2 || !strstr(out, "--set model.init=uniform") || !strstr(out, "model.bound"))
        fail_msg("uniform init without a box: exit %d:\n%s", rc, out);
    assert_false(exists(o));
    snprintf(args, sizeof args, "train configs/demo.ini -o %s", o);   /* particles: no network */
    assert_int_equal(es(args), 2);
    assert_false(exists(o));
    snprintf(args, sizeof args, "ls %s | grep -c '\\.tmp' || true", tu_tmpdir());
    char ls[64];
    tu_run(args, ls, sizeof ls);
    assert_int_equal(atoi(ls), 0);

    assert_int_equal(es("train --help"), 0);
    if (!strstr(out, "usage: entroscape train") || !strstr(out, "OpenBLAS") ||
        !strstr(out, "optimizer"))
        fail_msg("train --help:\n%s", out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sgd_momentum_l2),
        cmocka_unit_test(test_adamw),
        cmocka_unit_test(test_projection),
        cmocka_unit_test(test_box_none),
        cmocka_unit_test(test_training_reduces_loss),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_unigram_baseline),
        cmocka_unit_test(test_h5_round_trip),
        cmocka_unit_test(test_command_end_to_end),
    };
    return cmocka_run_group_tests_name("train", tests, NULL, NULL);
}
