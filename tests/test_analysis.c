/* test_analysis.c: the analysis of a landscape against SGD/Adam states (argmax, Eq. 1,
 * binning with standard errors (runs as clusters), the spread over independent replicas, the
 * advantage and its sign), /analysis in HDF5, and the analyze, plot and compare commands end
 * to end.
 *
 * The reference answers are worked by hand from a synthetic landscape whose bins hold
 * e^S = small integers (so Eq. 1 is a ratio of small sums) and a synthetic training history
 * whose states sit in known bins; they are written beside each check. The commands run
 * ./entroscape from the top directory (ES_BIN overrides). */
#include "testutil.h"
#include "entroscape/analysis.h"
#include "entroscape/ensemble.h"
#include "entroscape/h5io.h"
#include "entroscape/rng.h"

#include <gsl/gsl_randist.h>
#include <hdf5.h>
#include "entroscape/plot.h"
#include "entroscape/train.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <dirent.h>
#include <unistd.h>

static char out[65536];

static const char *bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

/* Run `entroscape ARGS` (a shell command line: paths come from tu_tmpdir, no spaces);
 * returns the exit code, output in `out`. */
static int es(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int es(const char *fmt, ...)
{
    char args[3000], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "%s %s", bin(), args);
    return tu_run(cmd, out, sizeof out);
}

static void expect_contains(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output lacks \"%s\"; it was:\n%s", needle, out);
}

static const char *tmp(const char *name)
{
    static char paths[16][512];
    static int slot;
    char *p = paths[slot++ % 16];
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    return p;
}

/* ---- synthetic files ------------------------------------------------------------------- */

#define TOL 1e-12   /* exact arithmetic on small sums: only rounding */

static const char *const SPIRAL_CFG =
    "[task]\nname = spiral\nnoise = 0.1\nseed = 1\n[model]\nhidden = 6,6,6\n"
    "[sampler]\nx = ln_train_loss\ny = test_acc\nln_f_final = 1e-6\n[output]\npath = \n";

/* The landscape: x = ln_train_loss, 4 bins over [-3, 1) (centres -2.5, -1.5, -0.5, 0.5);
 * y = yvar, 4 bins over [0, 1) (centres 0.125, 0.375, 0.625, 0.875). Bin weights e^(S + 50):
 *   x bin 0: 1 2 3 0  -> argmax 0.625, Eq. 1 = (0.125 + 2 * 0.375 + 3 * 0.625) / 6 = 2.75 / 6
 *   x bin 1: 4 1 1 2  -> argmax 0.125, Eq. 1 = (0.5 + 0.375 + 0.625 + 1.75) / 8 = 0.40625
 *   x bin 2: 0 5 5 0  -> a tie: argmax 0.375 (the lowest y), Eq. 1 = 0.5
 *   x bin 3: never visited
 * (0 = never visited, -inf). */
static const double W[4][4] = {{1, 2, 3, 0}, {4, 1, 1, 2}, {0, 5, 5, 0}, {0, 0, 0, 0}};

static es_dos *synthetic_dos(const char *yvar)
{
    es_err err = {0};
    es_dos *d = es_dos_alloc(4, 4, &err);
    assert_non_null(d);
    for (int i = 0; i <= 4; i++) {
        d->x_edges[i] = -3.0 + i;
        d->y_edges[i] = 0.25 * i;
    }
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            d->log_g[i * 4 + j] = W[i][j] > 0 ? log(W[i][j]) - 50 : -INFINITY;
            d->histogram[i * 4 + j] = W[i][j] > 0 ? 100 : 0;
        }
    snprintf(d->x_variable, sizeof d->x_variable, "ln_train_loss");
    snprintf(d->y_variable, sizeof d->y_variable, "%s", yvar);
    snprintf(d->method, sizeof d->method, "1/t");
    d->ln_f = 1e-6;
    d->flatness = 0.9;
    d->sweeps = 1000;
    d->walkers = 2;
    d->converged = 1;
    es_dos_stage st[3] = {{0, 1, 0, 0, 0}, {100, 0.5, 0.8, 1, 0}, {1000, 1e-6, 0.9, 2, 0}};
    for (int k = 0; k < 3; k++)
        assert_int_equal(es_dos_add_stage(d, st[k], &err), ES_OK);
    return d;
}

/* The training history: 3 runs x (2 epochs + initialisation), (x = ln train loss, y):
 *   run 0: (-0.5, 0.5) bin 2   (-1.5, 0.6) bin 1   (-2.5, 0.8) bin 0
 *   run 1: (-0.4, 0.4) bin 2   (-1.6, 0.7) bin 1   ( 1.5, 0.9) outside
 *   run 2: (NaN, 0.3) undefined (-0.6, 0.9) bin 2  (-5.0, 0.9) outside
 * bin 0: {0.8}: mean 0.8, no standard error; bin 1: {0.6, 0.7}: mean 0.65, sd 0.0707107,
 * s.e. 0.05; bin 2: {0.5, 0.4, 0.9}: mean 0.6, sd sqrt(0.07), s.e. sqrt(0.07 / 3); bin 3: none.
 * y goes into test_acc (classify) or test_loss (regression); shift is added to every y. */
static es_sgd *synthetic_sgd(const char *task, int classify, double shift, size_t n_params)
{
    static const double xs[3][3] = {{-0.5, -1.5, -2.5}, {-0.4, -1.6, 1.5}, {NAN, -0.6, -5.0}};
    static const double ys[3][3] = {{0.5, 0.6, 0.8}, {0.4, 0.7, 0.9}, {0.3, 0.9, 0.9}};
    es_err err = {0};
    es_sgd *s = es_sgd_alloc(3, 2, n_params, &err);
    assert_non_null(s);
    snprintf(s->optimizer, sizeof s->optimizer, "adam");
    snprintf(s->task, sizeof s->task, "%s", task);
    snprintf(s->dataset, sizeof s->dataset, "%s", task);
    snprintf(s->init, sizeof s->init, "kaiming");
    snprintf(s->arch, sizeof s->arch, "mlp test, %zu parameters", n_params);
    s->lr = 1e-3;
    s->batch = 40;
    s->classify = classify;
    for (long r = 0; r < 3; r++)
        for (long e = 0; e <= 2; e++) {
            double *row = es_sgd_row(s, r, e);
            row[ES_TRAIN_LOSS] = exp(xs[r][e]);
            row[ES_TRAIN_ACC] = classify ? 0.9 : NAN;
            row[ES_TEST_LOSS] = classify ? 1.0 : ys[r][e] + shift;
            row[ES_TEST_ACC] = classify ? ys[r][e] + shift : NAN;
        }
    return s;
}

static void write_file(const char *path, const char *config, const es_dos *d, const es_sgd *s)
{
    es_err err = {0};
    es_h5 *h = es_h5_create(path, config, 1, &err);
    if (!h)
        fail_msg("es_h5_create(%s): %s", path, err.msg);
    if (d && es_h5_write_dos(h, d, &err) != ES_OK)
        fail_msg("es_h5_write_dos: %s", err.msg);
    if (s && es_h5_write_sgd(h, s, &err) != ES_OK)
        fail_msg("es_h5_write_sgd: %s", err.msg);
    if (es_h5_commit(h, &err) != ES_OK)
        fail_msg("es_h5_commit: %s", err.msg);
}

/* A synthetic run (landscape of y variable yvar) and training file for it. */
static void make_pair(const char *run, const char *train, const char *config, const char *yvar,
                      const char *task, int classify, double shift, size_t n_params)
{
    es_dos *d = synthetic_dos(yvar);
    es_sgd *s = synthetic_sgd(task, classify, shift, n_params);
    write_file(run, config, d, NULL);
    write_file(train, config, NULL, s);
    es_dos_free(d);
    es_sgd_free(s);
}

/* ---- the computations ------------------------------------------------------------------ */

static void test_landscape_known_answer(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_acc");
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    assert_int_equal(a->has_y, 1);
    assert_string_equal(a->xv.name, "ln_train_loss");
    assert_int_equal(a->yv.better, 1);
    assert_close(a->x[0], -2.5, TOL, "x centre 0");
    assert_close(a->x[3], 0.5, TOL, "x centre 3");
    assert_close(a->argmax_y[0], 0.625, TOL, "argmax, bin 0");
    assert_close(a->argmax_y[1], 0.125, TOL, "argmax, bin 1");
    assert_close(a->argmax_y[2], 0.375, TOL, "argmax, bin 2 (tie: lowest y)");
    assert_true(isnan(a->argmax_y[3]));
    assert_close(a->mean_y[0], 2.75 / 6, TOL, "Eq. 1, bin 0");
    assert_close(a->mean_y[1], 0.40625, TOL, "Eq. 1, bin 1");
    assert_close(a->mean_y[2], 0.5, TOL, "Eq. 1, bin 2");
    assert_true(isnan(a->mean_y[3]));
    /* the offset -50 of S survives in ln g(x) = ln sum_y e^S */
    assert_close(a->log_g_x[0], log(6) - 50, 1e-10, "ln g(x), bin 0");
    assert_close(a->log_g_x[1], log(8) - 50, 1e-10, "ln g(x), bin 1");
    assert_true(isinf(a->log_g_x[3]) && a->log_g_x[3] < 0);
    assert_int_equal(a->has_sgd, 0);
    assert_true(isnan(a->advantage[0]));
    es_analysis_free(a);
    es_dos_free(d);
}

static void test_sgd_binning_by_hand(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_acc");
    es_sgd *s = synthetic_sgd("spiral", 1, 0, 116);
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    assert_int_equal(es_analysis_bin_sgd(a, d, s, &err), ES_OK);
    assert_int_equal(a->sgd_states, 9);
    assert_int_equal(a->sgd_binned, 6);
    assert_int_equal(a->sgd_outside, 2);
    assert_int_equal(a->sgd_undefined, 1);
    assert_int_equal(a->sgd_count[0], 1);
    assert_int_equal(a->sgd_count[1], 2);
    assert_int_equal(a->sgd_count[2], 3);
    assert_int_equal(a->sgd_count[3], 0);
    assert_close(a->sgd_mean_y[0], 0.8, TOL, "SGD mean, bin 0");
    assert_true(isnan(a->sgd_sem_y[0]));   /* one state: no standard error */
    assert_close(a->sgd_mean_y[1], 0.65, TOL, "SGD mean, bin 1");
    assert_close(a->sgd_sem_y[1], 0.05, 1e-12, "SGD s.e., bin 1");
    assert_close(a->sgd_mean_y[2], 0.6, TOL, "SGD mean, bin 2");
    assert_close(a->sgd_sem_y[2], sqrt(0.07 / 3), 1e-12, "SGD s.e., bin 2");
    assert_true(isnan(a->sgd_mean_y[3]));
    /* accuracy: advantage = Eq. 1 - SGD mean, error = SGD s.e. */
    assert_close(a->advantage[0], 2.75 / 6 - 0.8, TOL, "advantage, bin 0");
    assert_true(isnan(a->advantage_err[0]));
    assert_close(a->advantage[1], 0.40625 - 0.65, TOL, "advantage, bin 1");
    assert_close(a->advantage_err[1], 0.05, 1e-12, "advantage error, bin 1");
    assert_close(a->advantage[2], 0.5 - 0.6, TOL, "advantage, bin 2");
    assert_true(isnan(a->advantage[3]));
    assert_int_equal(a->n_params, 116);

    /* summaries: both curves in bins 0..2 (centres -2.5 .. -0.5) */
    double lo, hi;
    assert_int_equal(es_analysis_overlap(a, &lo, &hi), 3);
    assert_close(lo, -2.5, TOL, "overlap lo");
    assert_close(hi, -0.5, TOL, "overlap hi");
    es_ana_point p = es_analysis_at(a, -2.0, 2);   /* -2.0 is the left edge of bin 1 */
    assert_int_equal(p.bin, 1);
    assert_close(p.advantage, 0.40625 - 0.65, TOL, "advantage at x = -2");
    p = es_analysis_at(a, 0.7, 2);                 /* bin 3 has none: nearest is bin 2 */
    assert_int_equal(p.bin, 2);
    p = es_analysis_at(a, 0.7, 0);
    assert_int_equal(p.bin, -1);
    es_ana_mean m = es_analysis_mean(a, lo, hi);   /* bins 1 and 2 have errors */
    assert_int_equal(m.n, 2);
    assert_close(m.advantage, ((0.40625 - 0.65) + (0.5 - 0.6)) / 2, TOL, "mean advantage");
    /* the runs are clusters across bins: dev_ri = (s_ri - n_ri m_i) / N_i, bin 1 (m 0.65,
     * N 2): run 0 -0.025, run 1 +0.025; bin 2 (m 0.6, N 3): -1/30, -1/15, +0.1. Per run
     * (1/2) sum_i dev_ri = -7/240, -1/48, 1/20; G = 3 runs:
     *   err^2 = 3/2 ((7/240)^2 + (1/48)^2 + (1/20)^2) = 3/2 * 0.00378472 = 0.00567708
     * (bins taken as independent would give sqrt(0.05^2 + 0.07/3) / 2 = 0.0804) */
    double want = sqrt(1.5 * (pow(7.0 / 240, 2) + pow(1.0 / 48, 2) + pow(1.0 / 20, 2)));
    assert_int_equal(m.clustered, 1);
    assert_close(m.err, want, 1e-12, "mean advantage error, runs as clusters");
    assert_close(m.land_err, 0, 0, "no landscape error without replicas");
    /* without the per-run deviations (an older /analysis): the upper bound, SGD errors
     * added as fully correlated: (0.05 + sqrt(0.07 / 3)) / 2 */
    double *dev = a->sgd_run_dev;
    a->sgd_run_dev = NULL;
    m = es_analysis_mean(a, lo, hi);
    a->sgd_run_dev = dev;
    assert_int_equal(m.clustered, 0);
    assert_close(m.err, (0.05 + sqrt(0.07 / 3)) / 2, 1e-12, "mean error, correlated bound");
    es_analysis_free(a);
    es_sgd_free(s);
    es_dos_free(d);
}

/* Loss on y (regression): lower is better, so the advantage is SGD mean - Eq. 1. */
static void test_advantage_sign_loss(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_loss");
    es_sgd *s = synthetic_sgd("spiral-regression", 0, 0, 51);
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    assert_int_equal(a->yv.better, -1);
    assert_int_equal(es_analysis_bin_sgd(a, d, s, &err), ES_OK);
    assert_close(a->advantage[1], 0.65 - 0.40625, TOL, "loss advantage, bin 1");
    assert_close(a->advantage[2], 0.6 - 0.5, TOL, "loss advantage, bin 2");
    assert_close(a->advantage_err[1], 0.05, 1e-12, "loss advantage error, bin 1");
    /* ln test loss: same sign */
    es_ana_var v;
    es_ana_var_init(&v, "ln_test_loss");
    assert_int_equal(v.better, -1);
    double row[ES_N_METRICS] = {1, NAN, exp(-2.0), NAN};
    assert_close(es_ana_var_value(&v, row), -2.0, 1e-15, "ln test loss of a row");
    es_ana_var_init(&v, "test_correct");
    v.samples = 40;
    double row2[ES_N_METRICS] = {1, 0.5, 1, 0.725};
    assert_close(es_ana_var_value(&v, row2), 29, 0, "test_correct = round(0.725 x 40)");
    es_analysis_free(a);
    es_sgd_free(s);
    es_dos_free(d);
}

/* A 1-D landscape: S(x) only; SGD states are counted per bin, with no means or advantage. */
static void test_one_dimensional(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = es_dos_alloc(4, 1, &err);
    assert_non_null(d);
    for (int i = 0; i <= 4; i++)
        d->x_edges[i] = -3.0 + i;
    d->y_edges[0] = 0, d->y_edges[1] = 1;
    for (int i = 0; i < 3; i++)
        d->log_g[i] = -(double)i;
    snprintf(d->x_variable, sizeof d->x_variable, "ln_train_loss");
    es_sgd *s = synthetic_sgd("spiral", 1, 0, 116);
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    assert_int_equal(a->has_y, 0);
    assert_close(a->log_g_x[2], -2.0, TOL, "S(x), bin 2");
    assert_int_equal(es_analysis_bin_sgd(a, d, s, &err), ES_OK);
    assert_int_equal(a->sgd_count[0], 1);
    assert_int_equal(a->sgd_count[1], 2);
    assert_int_equal(a->sgd_count[2], 3);
    for (int i = 0; i < 4; i++)
        assert_true(isnan(a->advantage[i]) && isnan(a->mean_y[i]) && isnan(a->sgd_mean_y[i]));
    es_analysis_free(a);
    es_sgd_free(s);
    es_dos_free(d);
}

/* Epochs of one run are correlated: the standard error takes the runs as clusters.
 * 3 runs x (3 epochs + initialisation), x in bin 1 (-1.5) or bin 0 (-2.5) or outside (5):
 *   run 0: y 0.6 0.6 0.6 0.6, all in bin 1         n_0 = 4, s_0 = 2.4
 *   run 1: y 0.8 0.8 in bin 1, two states outside  n_1 = 2, s_1 = 1.6
 *   run 2: y 0.1 0.2 0.3 in bin 0, one outside     (one run: no error in bin 0)
 * bin 1: N = 6, m = 4 / 6 = 2/3, s_r - n_r m = -4/15 and +4/15, G = 2:
 *   sem^2 = 2 / 1 * (32 / 225) / 36 = 64 / 8100, sem = 4/45 = 0.0889
 * (treating the six states as independent would give sqrt(2 / 1125) = 0.0422). */
static void test_sgd_clustered_error(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_acc");
    es_sgd *s = es_sgd_alloc(3, 3, 116, &err);
    assert_non_null(s);
    snprintf(s->task, sizeof s->task, "spiral");
    s->classify = 1;
    static const double xs[3][4] = {{-1.5, -1.5, -1.5, -1.5}, {-1.5, 5, -1.5, 5},
                                    {-2.5, -2.5, -2.5, 5}};
    static const double ys[3][4] = {{0.6, 0.6, 0.6, 0.6}, {0.8, 0.5, 0.8, 0.5},
                                    {0.1, 0.2, 0.3, 0.9}};
    for (long r = 0; r < 3; r++)
        for (long e = 0; e <= 3; e++) {
            double *row = es_sgd_row(s, r, e);
            row[ES_TRAIN_LOSS] = exp(xs[r][e]);
            row[ES_TRAIN_ACC] = 0.9;
            row[ES_TEST_LOSS] = 1.0;
            row[ES_TEST_ACC] = ys[r][e];
        }
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    assert_int_equal(es_analysis_bin_sgd(a, d, s, &err), ES_OK);
    assert_int_equal(a->sgd_count[1], 6);
    assert_int_equal(a->sgd_run_count[1], 2);
    assert_close(a->sgd_mean_y[1], 4.0 / 6, TOL, "SGD mean, bin 1");
    assert_close(a->sgd_sem_y[1], 4.0 / 45, 1e-12, "clustered s.e., bin 1");
    assert_int_equal(a->sgd_count[0], 3);
    assert_int_equal(a->sgd_run_count[0], 1);
    assert_close(a->sgd_mean_y[0], 0.2, TOL, "SGD mean, bin 0");
    assert_true(isnan(a->sgd_sem_y[0]));   /* one run: no standard error */
    assert_true(isnan(a->advantage_err[0]));
    assert_close(a->advantage_err[1], 4.0 / 45, 1e-12, "advantage error without replicas");
    es_analysis_free(a);
    es_sgd_free(s);
    es_dos_free(d);
}

/* The landscape's own error from independent replicas: the sd of Eq. 1 over the landscapes.
 * Replica weights differ from W in two columns (the others equal, so their spread is 0):
 *   x bin 0: 3 2 1 0   -> Eq. 1 = (0.375 + 0.75 + 0.625) / 6 = 1.75 / 6 (W: 2.75 / 6)
 *   x bin 2: 0 5 5 10  -> Eq. 1 = (1.875 + 3.125 + 8.75) / 20 = 0.6875 (W: 0.5)
 *   x bin 3: 0 0 0 1   -> visited by the replica only: one estimate, no spread
 * sd of two values = |a - b| / sqrt(2). */
static void test_replica_spread(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_acc");
    es_dos *r = synthetic_dos("test_acc");
    static const double R[3][4] = {{3, 2, 1, 0}, {0, 5, 5, 10}, {0, 0, 0, 1}};
    static const int rows[3] = {0, 2, 3};
    for (int k = 0; k < 3; k++)
        for (int j = 0; j < 4; j++)
            r->log_g[rows[k] * 4 + j] = R[k][j] > 0 ? log(R[k][j]) - 40 : -INFINITY;
    es_sgd *s = synthetic_sgd("spiral", 1, 0, 116);
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    assert_int_equal(es_analysis_bin_sgd(a, d, s, &err), ES_OK);
    const es_dos *reps[1] = {r};
    const char *names[1] = {"rep.h5"};
    assert_int_equal(es_analysis_add_replicas(a, d, reps, names, 1, &err), ES_OK);
    assert_int_equal(a->replicas, 2);
    assert_string_equal(a->replica_files, "rep.h5");
    assert_close(a->mean_y[0], 2.75 / 6, TOL, "Eq. 1 stays the run's own");
    assert_close(a->mean_y_err[0], (1.0 / 6) / sqrt(2), 1e-12, "replica sd, bin 0");
    assert_close(a->mean_y_err[1], 0, 1e-12, "replica sd, bin 1 (equal columns)");
    assert_close(a->mean_y_err[2], 0.1875 / sqrt(2), 1e-12, "replica sd, bin 2");
    assert_true(isnan(a->mean_y_err[3]));
    /* advantage error: both parts in quadrature; bin 0 has no SGD error (one state) */
    assert_true(isnan(a->advantage_err[0]));
    assert_close(a->advantage_err[1], 0.05, 1e-12, "advantage error, bin 1");
    assert_close(a->advantage_err[2], sqrt(0.07 / 3 + 0.1875 * 0.1875 / 2), 1e-12,
                 "advantage error, bin 2");
    /* another grid or variable is refused and changes nothing */
    es_dos *bad = synthetic_dos("test_loss");
    reps[0] = bad;
    assert_int_equal(es_analysis_add_replicas(a, d, reps, names, 1, &err), ES_EDATA);
    assert_non_null(strstr(err.msg, "rep.h5"));
    bad->x_edges[4] = 2.0;
    snprintf(bad->y_variable, sizeof bad->y_variable, "test_acc");
    err = (es_err){0};
    assert_int_equal(es_analysis_add_replicas(a, d, reps, names, 1, &err), ES_EDATA);
    assert_non_null(strstr(err.msg, "grids differ"));
    bad->x_edges[4] = 1.0;   /* the x grid agrees again; the y grid does not */
    bad->y_edges[2] = 0.55;
    err = (es_err){0};
    assert_int_equal(es_analysis_add_replicas(a, d, reps, names, 1, &err), ES_EDATA);
    assert_non_null(strstr(err.msg, "y bin edge 2"));
    assert_close(a->mean_y_err[2], 0.1875 / sqrt(2), 1e-12, "unchanged after a refusal");
    es_dos_free(bad);
    es_analysis_free(a);
    es_sgd_free(s);
    es_dos_free(r);
    es_dos_free(d);
}


/* --states final: only epoch 2 of each run of synthetic_sgd: run 0 (-2.5, 0.8) in bin 0,
 * runs 1 and 2 (x 1.5 and -5.0) outside the x range. */
static void test_final_states(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_acc");
    es_sgd *s = synthetic_sgd("spiral", 1, 0, 116);
    es_analysis *a = es_analysis_from_dos(d, &err);
    assert_non_null(a);
    a->sgd_final_only = 1;
    assert_int_equal(es_analysis_bin_sgd(a, d, s, &err), ES_OK);
    assert_int_equal(a->sgd_states, 3);
    assert_int_equal(a->sgd_binned, 1);
    assert_int_equal(a->sgd_outside, 2);
    assert_int_equal(a->sgd_undefined, 0);
    assert_int_equal(a->sgd_count[0], 1);
    assert_int_equal(a->sgd_count[1] + a->sgd_count[2], 0);
    assert_close(a->sgd_mean_y[0], 0.8, TOL, "final state of run 0");
    es_analysis_free(a);
    es_sgd_free(s);
    es_dos_free(d);
}

/* The statistics over datasets, by hand:
 *   A = {0.1, 0.3}, e = {0.05, 0.05}: mean 0.2, s^2 = 0.02, se_between = 0.1, within 0.05,
 *     between_sd = sqrt(0.02 - 0.0025), total = sqrt(0.02 / 2) = 0.1
 *   A = {0.1, 0.1}: s = 0 < within: between_sd 0, total = within / sqrt(2)
 *   one dataset: total = within, the between-dataset parts NaN; NaN pairs are skipped. */
static void test_ensemble_stat_by_hand(void **state)
{
    (void)state;
    const double a1[3] = {0.1, NAN, 0.3}, e1[3] = {0.05, 0.01, 0.05};
    es_ens_stat s = es_ens_stat_of(a1, e1, 3, 1);
    assert_int_equal(s.n, 2);
    assert_close(s.mean, 0.2, TOL, "mean over datasets");
    assert_close(s.se_between, 0.1, TOL, "se_between");
    assert_close(s.within, 0.05, TOL, "within");
    assert_close(s.between_sd, sqrt(0.0175), TOL, "between_sd");
    assert_close(s.total, 0.1, TOL, "total");
    es_ens_stat v = {2, 0.15, NAN, NAN, NAN, 0.1};   /* the verdict at 2 total errors */
    assert_int_equal(es_ens_verdict(&v), 0);
    v.mean = 0.25;
    assert_int_equal(es_ens_verdict(&v), 1);
    v.mean = -0.25;
    assert_int_equal(es_ens_verdict(&v), -1);
    v.total = NAN;
    assert_int_equal(es_ens_verdict(&v), 0);
    const double a2[2] = {0.1, 0.1}, e2[2] = {0.05, 0.05};
    s = es_ens_stat_of(a2, e2, 2, 1);
    assert_close(s.between_sd, 0, 0, "no spread beyond the within error");
    assert_close(s.total, 0.05 / sqrt(2), TOL, "total falls back to the within error");
    assert_int_equal(es_ens_verdict(&s), 1);
    s = es_ens_stat_of(a2, e2, 1, 1);
    assert_int_equal(s.n, 1);
    assert_true(isnan(s.se_between) && isnan(s.between_sd));
    assert_close(s.total, 0.05, TOL, "one dataset: total = within");
}

/* A synthetic ensemble with known variances: D datasets whose SGD/Adam mean in x bin 1 is
 * mu_d = 0.6 + N(0, SB^2) (the between-dataset spread), each with R runs of one state
 * (epoch 0 only) y = mu_d + N(0, SR^2). The landscape is synthetic_dos (Eq. 1 = 0.40625 in
 * bin 1), so A_d = 0.40625 - sgd mean_d, and its within-dataset error (clustered s.e.) has
 * e_d^2 ~ SR^2 / R. Truth: within^2 = SR^2 / R, between_sd^2 = SB^2, mean = -0.19375.
 * Tolerances are 4 standard deviations of the estimators (normal data):
 *   mean of e_d^2 over D:  sd = (SR^2 / R) sqrt(2 / ((R - 1) D))
 *   s^2 over D datasets:   sd = sqrt(2 / (D - 1)) (SB^2 + SR^2 / R); between_sd^2 = s^2 -
 *                          within^2 adds both in quadrature
 *   mean:                  sd = sqrt((SB^2 + SR^2 / R) / D) */
static void test_ensemble_recovers_variances(void **state)
{
    (void)state;
    enum { D = 1000, R = 8 };
    const double SB = 0.02, SR = 0.05, W2 = SR * SR / R;
    es_err err = {0};
    es_dos *d = synthetic_dos("test_acc");
    gsl_rng *rng = es_rng_alloc(18, 0, &err);
    assert_non_null(rng);
    es_analysis *ana[D];
    int64_t seeds[D];
    for (int k = 0; k < D; k++) {
        es_sgd *s = es_sgd_alloc(R, 0, 116, &err);
        assert_non_null(s);
        snprintf(s->task, sizeof s->task, "spiral");
        s->classify = 1;
        double mu = 0.6 + gsl_ran_gaussian(rng, SB);
        for (long r = 0; r < R; r++) {
            double *row = es_sgd_row(s, r, 0);
            row[ES_TRAIN_LOSS] = exp(-1.5);
            row[ES_TRAIN_ACC] = 0.9;
            row[ES_TEST_LOSS] = 1.0;
            row[ES_TEST_ACC] = mu + gsl_ran_gaussian(rng, SR);
        }
        ana[k] = es_analysis_from_dos(d, &err);
        assert_non_null(ana[k]);
        assert_int_equal(es_analysis_bin_sgd(ana[k], d, s, &err), ES_OK);
        seeds[k] = k + 1;
        es_sgd_free(s);
    }
    es_ensemble *e = es_ensemble_from_analyses((const es_analysis *const *)ana, seeds, NULL, D,
                                               &err);
    if (!e)
        fail_msg("es_ensemble_from_analyses: %s", err.msg);
    const es_ens_stat *b = &e->bin[1];
    assert_int_equal(b->n, D);
    double tol_w2 = 4 * W2 * sqrt(2.0 / ((R - 1) * (double)D));
    double tol_s2 = 4 * sqrt(2.0 / (D - 1)) * (SB * SB + W2);
    double tol_b2 = sqrt(tol_s2 * tol_s2 + tol_w2 * tol_w2);
    double tol_m = 4 * sqrt((SB * SB + W2) / D);
    print_message("ensemble of %d datasets, %d runs each:\n"
                  "  within^2     %.4e expected %.4e tolerance %.2e\n"
                  "  between_sd^2 %.4e expected %.4e tolerance %.2e\n"
                  "  mean         %+.5f expected %+.5f tolerance %.5f\n", D, R,
                  b->within * b->within, W2, tol_w2, b->between_sd * b->between_sd, SB * SB,
                  tol_b2, b->mean, 0.40625 - 0.6, tol_m);
    assert_close(b->within * b->within, W2, tol_w2, "within-dataset variance");
    assert_close(b->between_sd * b->between_sd, SB * SB, tol_b2, "between-dataset variance");
    assert_close(b->mean, 0.40625 - 0.6, tol_m, "mean advantage over datasets");
    assert_close(b->se_between, sqrt((SB * SB + W2) / D), tol_s2 / (2 * sqrt(SB * SB + W2) *
                 sqrt((double)D)), "se_between (delta method from s^2)");
    /* the mean over the range: only bin 1 is common, so it equals the bin */
    assert_int_equal(e->n_common, 1);
    assert_close(e->mean.mean, b->mean, 1e-12, "mean over the range");
    assert_close(e->mean.total, b->total, 1e-12, "its total error");
    assert_int_equal(e->set_clustered, 1);
    /* the same seed twice is refused */
    seeds[1] = seeds[0];
    assert_null(es_ensemble_from_analyses((const es_analysis *const *)ana, seeds, NULL, 2,
                                          &err));
    assert_non_null(strstr(err.msg, "task.seed"));
    es_ensemble_free(e);
    for (int k = 0; k < D; k++)
        es_analysis_free(ana[k]);
    gsl_rng_free(rng);
    es_dos_free(d);
}


/* analyze keeps the SGD/Adam comparison an earlier analyze recorded (RUN.h5 has no /sgd of
 * its own), says so, and drops it only with --no-sgd; --states is kept with it. */
static void test_analyze_keeps_recorded_sgd(void **state)
{
    (void)state;
    const char *run = tmp("k-run.h5"), *train = tmp("k-train.h5");
    make_pair(run, train, SPIRAL_CFG, "test_acc", "spiral", 1, 0, 116);
    assert_int_equal(es("analyze %s --sgd %s --states final", run, train), 0);
    expect_contains("a new group");
    int rc = es("analyze %s", run);
    if (rc != 0)
        fail_msg("analyze RUN.h5 after --sgd exited %d:\n%s", rc, out);
    expect_contains("keeping the SGD/Adam comparison recorded in /analysis");
    expect_contains("states: final");
    expect_contains("replacing the earlier /analysis");
    expect_contains("between-dataset spread is not included");
    es_err err = {0};
    es_analysis *a = es_h5_read_analysis(run, NULL, &err);
    assert_non_null(a);
    assert_int_equal(a->has_sgd, 1);
    assert_string_equal(a->sgd_file, train);
    assert_int_equal(a->sgd_final_only, 1);
    assert_int_equal(a->sgd_states, 3);   /* the final states of 3 runs */
    assert_int_equal(a->dev_runs, 3);
    es_analysis_free(a);
    assert_int_equal(es("analyze %s --no-sgd", run), 0);
    a = es_h5_read_analysis(run, NULL, &err);
    assert_non_null(a);
    assert_int_equal(a->has_sgd, 0);
    es_analysis_free(a);
    assert_int_equal(es("analyze %s --sgd %s --no-sgd", run, train), 2);
    assert_int_equal(es("analyze %s --states some", run), 2);
    expect_contains("final or all-epochs");
    /* the recorded file is gone: a clear error, nothing rewritten */
    assert_int_equal(es("analyze %s --sgd %s", run, train), 0);
    assert_int_equal(unlink(train), 0);
    assert_int_equal(es("analyze %s", run), 1);
    expect_contains("cannot be read now");
}

/* Read float64 dataset /ensemble/name of path into buf[n]. */
static void read_ens(const char *path, const char *name, double *buf, size_t n)
{
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    assert_true(f >= 0);
    char full[128];
    snprintf(full, sizeof full, "/ensemble/%s", name);
    hid_t d = H5Dopen2(f, full, H5P_DEFAULT);
    if (d < 0)
        fail_msg("%s has no %s", path, full);
    hid_t sp = H5Dget_space(d);
    assert_int_equal((size_t)H5Sget_simple_extent_npoints(sp), n);
    assert_true(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
}

/* Three datasets (task.seed 1, 2, 3), SGD states shifted by 0, +0.02, -0.04: in bin 1 the
 * advantages are 0.40625 - 0.65 - shift, each with error 0.05; over datasets mean
 * -0.24375 + 0.02 / 3, s^2 = 9.3333e-4 < within^2 = 0.0025: between_sd 0, total
 * 0.05 / sqrt(3). Bin 2: 0.5 - 0.6 - shift, error sqrt(0.07 / 3). */
static void test_analyze_ensemble_cli(void **state)
{
    (void)state;
    static const double shift[3] = {0, 0.02, -0.04};
    char run[3][600], cfg[512];
    for (int k = 0; k < 3; k++) {
        snprintf(run[k], sizeof run[k], "%s/e-run-d%d.h5", tu_tmpdir(), k + 1);
        snprintf(cfg, sizeof cfg, "%s", SPIRAL_CFG);
        char *seed = strstr(cfg, "seed = 1");
        seed[7] = (char)('1' + k);
        make_pair(run[k], tmp("e-scratch.h5"), cfg, "test_acc", "spiral", 1, shift[k], 116);
        es_sgd *s = synthetic_sgd("spiral", 1, shift[k], 116);
        char tname[600];
        snprintf(tname, sizeof tname, "%s/e-train-d%d.h5", tu_tmpdir(), 3 - k);   /* named in
                                                 * the other order: pairing is by task.seed */
        write_file(tname, cfg, NULL, s);
        es_sgd_free(s);
    }
    const char *ens = tmp("e-ens.h5");
    int rc = es("analyze --ensemble '%s/e-run-d*.h5' --sgd-ensemble '%s/e-train-d*.h5' -o %s",
                tu_tmpdir(), tu_tmpdir(), ens);
    if (rc != 0)
        fail_msg("analyze --ensemble exited %d:\n%s", rc, out);
    expect_contains("ensemble of 3 datasets (task.seed 1, 2, 3)");
    expect_contains("wrote /ensemble");
    double m[4], se[4], w[4], b[4], t[4], adv[12];
    read_ens(ens, "mean_advantage", m, 4);
    read_ens(ens, "se_between", se, 4);
    read_ens(ens, "within_err", w, 4);
    read_ens(ens, "between_sd", b, 4);
    read_ens(ens, "total_err", t, 4);
    read_ens(ens, "advantage", adv, 12);
    assert_close(adv[4 + 1], 0.40625 - 0.65 - 0.02, 1e-12, "dataset 2, bin 1");
    assert_close(m[1], 0.40625 - 0.65 + 0.02 / 3, 1e-12, "mean over datasets, bin 1");
    assert_close(se[1], sqrt(9.3333333333333e-4 / 3), 1e-9, "se_between, bin 1");
    assert_close(w[1], 0.05, 1e-12, "within, bin 1");
    assert_close(b[1], 0, 0, "between_sd, bin 1");
    assert_close(t[1], 0.05 / sqrt(3), 1e-12, "total, bin 1");
    assert_close(w[2], sqrt(0.07 / 3), 1e-12, "within, bin 2");
    assert_true(isnan(m[3]));
    /* --mean-range around bin 1 only: the mean over the range is bin 1's statistics */
    rc = es("analyze --ensemble '%s/e-run-d*.h5' --sgd-ensemble '%s/e-train-d*.h5' --tsv "
            "--mean-range -1.6,-1.4", tu_tmpdir(), tu_tmpdir());
    if (rc != 0)
        fail_msg("analyze --ensemble --mean-range exited %d:\n%s", rc, out);
    expect_contains("\nmean\t3\t-0.23708333\t");
    expect_contains("\t0.028867513\n");   /* total: 0.05 / sqrt(3) */
    assert_int_equal(es("analyze --ensemble '%s/e-run-d*.h5' --mean-range 1", tu_tmpdir()), 2);
    /* compare of two ensembles: the same landscapes against Adam states 0.1 better, so
     * dataset by dataset the first minus the second is +0.1 exactly (same bins, 1 and 2),
     * each with error sqrt(2) x 0.0753464 (the mean's clustered error, see
     * test_sgd_binning_by_hand); s = 0 < within: total = sqrt(2) 0.0753464 / sqrt(3). */
    for (int k = 0; k < 3; k++) {
        snprintf(cfg, sizeof cfg, "%s", SPIRAL_CFG);
        strstr(cfg, "seed = 1")[7] = (char)('1' + k);
        es_sgd *sb = synthetic_sgd("spiral", 1, shift[k] + 0.1, 116);
        char tname[600];
        snprintf(tname, sizeof tname, "%s/g-train-d%d.h5", tu_tmpdir(), k + 1);
        write_file(tname, cfg, NULL, sb);
        es_sgd_free(sb);
    }
    const char *ens2 = tmp("g-ens.h5");
    assert_int_equal(es("analyze --ensemble '%s/e-run-d*.h5' --sgd-ensemble '%s/g-train-d*.h5' "
                        "-o %s", tu_tmpdir(), tu_tmpdir(), ens2), 0);
    rc = es("compare %s %s", ens, ens2);
    if (rc != 0)
        fail_msg("compare of two ensembles exited %d:\n%s", rc, out);
    expect_contains("3 data seeds in both");
    expect_contains("task.seed 2      +0.1000 +- 0.1066");
    char want[64];
    snprintf(want, sizeof want, "+0.1000 +- %.4f (n = 3)",
             sqrt(2 * 1.5 * (pow(7.0 / 240, 2) + pow(1.0 / 48, 2) + 0.0025) / 3));
    expect_contains(want);
    expect_contains("no difference at 2 total_err");   /* 0.1 < 2 x 0.0615 */
    /* a listing file names the same pairs (paths relative to it) */
    tu_write_file("e-list.txt", "# landscape training\ne-run-d1.h5 e-train-d3.h5\n"
                  "e-run-d2.h5 e-train-d2.h5  # a comment\n");
    rc = es("analyze --ensemble-file %s/e-list.txt --tsv", tu_tmpdir());
    if (rc != 0)
        fail_msg("analyze --ensemble-file exited %d:\n%s", rc, out);
    expect_contains("x\tn_datasets\tmean_advantage");
    expect_contains("\nmean\t2\t");
    /* refusals, exit 2: a training file of a seed without landscape, another task.noise */
    es_sgd *s = synthetic_sgd("spiral", 1, 0, 116);
    snprintf(cfg, sizeof cfg, "%s", SPIRAL_CFG);
    strstr(cfg, "seed = 1")[7] = '4';
    write_file(tmp("e-train-d4.h5"), cfg, NULL, s);
    rc = es("analyze --ensemble '%s/e-run-d*.h5' --sgd-ensemble '%s/e-train-d*.h5'",
            tu_tmpdir(), tu_tmpdir());
    assert_int_equal(rc, 2);
    expect_contains("task.seed = 4 but no landscape has");
    assert_int_equal(unlink(tmp("e-train-d4.h5")), 0);
    snprintf(cfg, sizeof cfg, "%s", SPIRAL_CFG);
    memcpy(strstr(cfg, "noise = 0.1"), "noise = 0.2", 11);
    strstr(cfg, "seed = 1")[7] = '5';
    es_dos *d = synthetic_dos("test_acc");
    write_file(tmp("e-run-d5.h5"), cfg, d, s);
    es_dos_free(d);
    es_sgd_free(s);
    rc = es("analyze --ensemble '%s/e-run-d*.h5'", tu_tmpdir());
    assert_int_equal(rc, 2);
    expect_contains("task.noise = 0.2");
    assert_int_equal(es("analyze --ensemble '%s/nothing-*.h5'", tu_tmpdir()), 2);
    expect_contains("no file matches");
    assert_int_equal(es("analyze %s --ensemble '%s/e-run-d*.h5'", run[0], tu_tmpdir()), 2);
}

static int have_gnuplot(void);
static void expect_file(const char *path, const char *magic, long min_size);

/* A training history without a landscape: per epoch, each metric over the runs. The
 * synthetic history (3 runs x 3 states) at epoch 1 has test accuracies 0.6, 0.7, 0.9:
 * mean 0.7333, sd sqrt(((-0.1333)^2 + (-0.0333)^2 + 0.1667^2) / 2) = 0.152753, s.e.
 * 0.152753 / sqrt(3); and train losses e^-1.5, e^-1.6, e^-0.6. */
static void test_history_summary(void **state)
{
    (void)state;
    es_sgd *s = synthetic_sgd("spiral", 1, 0, 116);
    es_ana_epoch_stat st = es_ana_epoch_stat_of(s, 1, ES_TEST_ACC);
    assert_int_equal(st.n, 3);
    assert_close(st.mean, 2.2 / 3, TOL, "mean test accuracy at epoch 1");
    assert_close(st.sd, sqrt(0.07 / 3), 1e-12, "sd at epoch 1");
    assert_close(st.sem, sqrt(0.07 / 3) / sqrt(3), 1e-12, "s.e. at epoch 1");
    assert_close(st.min, 0.6, TOL, "min");
    assert_close(st.max, 0.9, TOL, "max");
    /* epoch 0: run 2's train loss is e^NaN = NaN: two runs counted */
    st = es_ana_epoch_stat_of(s, 0, ES_TRAIN_LOSS);
    assert_int_equal(st.n, 2);
    assert_close(st.mean, (exp(-0.5) + exp(-0.4)) / 2, TOL, "mean over the finite runs");
    st = es_ana_epoch_stat_of(s, 5, ES_TEST_ACC);   /* no such epoch */
    assert_int_equal(st.n, 0);
    assert_true(isnan(st.mean));
    es_sgd_free(s);
    /* epochs to tabulate: 0, 1, 2, 5, 10, ..., the last */
    long e[32];
    assert_int_equal(es_ana_table_epochs(5000, e, 32), 13);
    static const long want[13] = {0, 1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000};
    for (int k = 0; k < 13; k++)
        assert_int_equal(e[k], want[k]);
    assert_int_equal(es_ana_table_epochs(2, e, 32), 3);   /* 0 1 2 */
    assert_int_equal(e[2], 2);
    assert_int_equal(es_ana_table_epochs(5000, e, 4), 4);  /* 0 1 2 5000 */
    assert_int_equal(e[3], 5000);
    assert_int_equal(es_ana_table_epochs(0, e, 4), 1);

    /* the commands: analyze prints the table, writes nothing; plot draws two figures */
    const char *run = tmp("h-run.h5"), *train = tmp("h-train.h5");
    make_pair(run, train, SPIRAL_CFG, "test_acc", "spiral", 1, 0, 116);
    int rc = es("analyze %s", train);
    if (rc != 0)
        fail_msg("analyze TRAIN.h5 exited %d:\n%s", rc, out);
    expect_contains("training history, no landscape");
    expect_contains("test_acc");
    expect_contains("0.733333");
    assert_int_equal(es("analyze %s --tsv", train), 0);
    expect_contains("epoch\ttrain_loss_mean\ttrain_loss_sem");
    expect_contains("\n1\t");
    if (!have_gnuplot())
        return;
    const char *dir = tmp("hfigs");
    rc = es("plot %s -o %s", train, dir);
    if (rc != 0)
        fail_msg("plot TRAIN.h5 exited %d:\n%s", rc, out);
    static const char *const figs[2] = {"training", "states"};
    for (int k = 0; k < 2; k++) {
        char p[600];
        snprintf(p, sizeof p, "%s/h-train-%s.png", dir, figs[k]);
        expect_contains(p);
        expect_file(p, "\x89PNG\r\n", 10000);
    }
    /* a regression history: one loss panel, ln test loss in the states figure */
    const char *rtrain = tmp("h-rtrain.h5");
    es_sgd *rs = synthetic_sgd("spiral-regression", 0, 0.5, 51);
    write_file(rtrain, "[task]\nname = spiral-regression\n", NULL, rs);
    es_sgd_free(rs);
    assert_int_equal(es("plot %s -o %s --format pdf", rtrain, dir), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/h-rtrain-states.pdf", dir);
    expect_file(p, "%PDF-", 5000);
}

static void test_config_and_title(void **state)
{
    (void)state;
    es_err err = {0};
    es_ana_config c;
    assert_int_equal(es_ana_config_parse("; comment\n[task]\nname = spiral \n\n[model]\n"
                                         "hidden = 6,6,6\nbound = \"auto\"\n", &c, &err), ES_OK);
    assert_string_equal(es_ana_config_get(&c, "task.name"), "spiral");
    assert_string_equal(es_ana_config_get(&c, "model.hidden"), "6,6,6");
    assert_string_equal(es_ana_config_get(&c, "model.bound"), "auto");
    assert_null(es_ana_config_get(&c, "task.n"));
    char buf[256];
    es_ana_describe(&c, "mlp 2-6-6-6-2 relu, 116 parameters", 116, buf, sizeof buf);
    assert_string_equal(buf, "spiral: mlp 2-6-6-6-2 relu, 116 parameters");
    es_ana_config_free(&c);
    assert_int_equal(es_ana_config_parse("[task]\nname = ising\nL = 16\n", &c, &err), ES_OK);
    es_ana_describe(&c, NULL, 0, buf, sizeof buf);
    assert_non_null(strstr(buf, "Ising"));
    assert_non_null(strstr(buf, "16 x 16"));
    es_ana_config_free(&c);
    assert_true(es_ana_config_key_is_output("output.path"));
    assert_false(es_ana_config_key_is_output("model.hidden"));
}

/* ---- /analysis and the commands -------------------------------------------------------- */

/* No "<name>.tmp.*" left in the temporary directory. */
static void expect_no_temporaries(void)
{
    DIR *dir = opendir(tu_tmpdir());
    assert_non_null(dir);
    struct dirent *e;
    while ((e = readdir(dir)))
        if (strstr(e->d_name, ".tmp."))
            fail_msg("temporary file %s left behind", e->d_name);
    closedir(dir);
}

static void test_analyze_writes_analysis(void **state)
{
    (void)state;
    const char *run = tmp("a-run.h5"), *train = tmp("a-train.h5");
    make_pair(run, train, SPIRAL_CFG, "test_acc", "spiral", 1, 0, 116);
    int rc = es("analyze %s --sgd %s", run, train);
    if (rc != 0)
        fail_msg("analyze exited %d:\n%s", rc, out);
    expect_contains("wrote /analysis");
    expect_contains("advantage = mean_y - sgd_mean_y");
    expect_contains("spiral: mlp test, 116 parameters");
    expect_contains("sgd_sem_y only");
    /* twice: /analysis is replaced, not duplicated */
    assert_int_equal(es("analyze %s --sgd %s", run, train), 0);
    expect_no_temporaries();

    es_err err = {0};
    es_analysis *a = es_h5_read_analysis(run, NULL, &err);
    if (!a)
        fail_msg("es_h5_read_analysis: %s", err.msg);
    assert_int_equal(a->x_bins, 4);
    assert_string_equal(a->xv.name, "ln_train_loss");
    assert_string_equal(a->yv.name, "test_acc");
    assert_string_equal(a->sgd_file, train);
    assert_int_equal(a->n_params, 116);
    assert_int_equal(a->sgd_binned, 6);
    assert_int_equal(a->sgd_count[2], 3);
    assert_close(a->argmax_y[0], 0.625, TOL, "stored argmax");
    assert_close(a->mean_y[0], 2.75 / 6, TOL, "stored Eq. 1");
    assert_close(a->sgd_sem_y[1], 0.05, 1e-12, "stored s.e.");
    assert_close(a->advantage[2], -0.1, 1e-12, "stored advantage");
    assert_close(a->x_edges[4], 1.0, TOL, "stored x edges");
    assert_true(isnan(a->advantage[3]));
    es_analysis_free(a);
    /* the rest of the file survived the rewrite */
    es_dos *d = es_h5_read_dos(run, &err);
    assert_non_null(d);
    assert_close(d->log_g[1], log(2) - 50, 1e-12, "/dos after the rewrite");
    es_dos_free(d);
    char *cfg = es_h5_read_root_attr(run, "config", &err);
    assert_non_null(cfg);
    assert_non_null(strstr(cfg, "name = spiral"));
    free(cfg);

    /* TSV: a header and 4 rows, nan where undefined */
    assert_int_equal(es("analyze %s --sgd %s --tsv --no-write", run, train), 0);
    expect_contains("x\tlog_g_x\targmax_y\tmean_y\tsgd_mean_y\tsgd_sem_y\tsgd_count\tadvantage");
    expect_contains("\tmean_y_err\tsgd_run_count");
    expect_contains("\tnan");

    /* replicas: the same landscape with the same seed is refused (not independent) ... */
    const char *same = tmp("a-same.h5"), *rep = tmp("a-rep.h5"), *alien = tmp("a-alien.h5");
    es_dos *d2 = synthetic_dos("test_acc");
    write_file(same, SPIRAL_CFG, d2, NULL);
    rc = es("analyze %s --sgd %s --replica %s", run, train, same);
    if (rc != 1)
        fail_msg("analyze with a same-seed replica exited %d, expected 1:\n%s", rc, out);
    expect_contains("sampler.seed");
    /* ... and so is another network */
    char cfg2[512];
    snprintf(cfg2, sizeof cfg2, "%s", SPIRAL_CFG);
    char *h = strstr(cfg2, "6,6,6");
    memcpy(h, "7,7,7", 5);
    write_file(alien, cfg2, d2, NULL);
    assert_int_equal(es("analyze %s --sgd %s --replica %s", run, train, alien), 1);
    expect_contains("model.hidden");
    /* another seed: column 0 differs (weights 3 2 1 0 instead of 1 2 3 0) */
    d2->log_g[0] = log(3) - 50;
    d2->log_g[2] = log(1) - 50;
    char cfg3[512];
    snprintf(cfg3, sizeof cfg3, "%s[sampler]\nseed = 7\n", SPIRAL_CFG);
    write_file(rep, cfg3, d2, NULL);
    es_dos_free(d2);
    /* the same replica twice is not two independent estimates */
    assert_int_equal(es("analyze %s --sgd %s --replica %s --replica %s", run, train, rep, rep), 1);
    expect_contains("sampler.seed = 7");
    rc = es("analyze %s --sgd %s --replica %s", run, train, rep);
    if (rc != 0)
        fail_msg("analyze --replica exited %d:\n%s", rc, out);
    expect_contains("mean_y_err");
    expect_contains("1 independent replica");
    a = es_h5_read_analysis(run, NULL, &err);
    assert_non_null(a);
    assert_int_equal(a->replicas, 2);
    assert_string_equal(a->replica_files, rep);
    assert_close(a->mean_y_err[0], (1.0 / 6) / sqrt(2), 1e-12, "stored replica sd");
    assert_close(a->mean_y_err[1], 0, 1e-12, "stored replica sd, equal column");
    es_analysis_free(a);
    /* analyze again without options: the recorded comparison and replica spread are kept */
    rc = es("analyze %s", run);
    if (rc != 0)
        fail_msg("analyze RUN.h5 after --sgd --replica exited %d:\n%s", rc, out);
    expect_contains("keeping the SGD/Adam comparison");
    expect_contains("keeping the replica spread recorded in /analysis");
    a = es_h5_read_analysis(run, NULL, &err);
    assert_non_null(a);
    assert_int_equal(a->replicas, 2);
    assert_int_equal(a->has_sgd, 1);
    assert_close(a->mean_y_err[0], (1.0 / 6) / sqrt(2), 1e-12, "replica sd kept");
    es_analysis_free(a);
    expect_no_temporaries();
}

static void test_analyze_regression_and_1d(void **state)
{
    (void)state;
    const char *run = tmp("r-run.h5"), *train = tmp("r-train.h5");
    const char *cfg = "[task]\nname = spiral-regression\n[model]\nhidden = 30,30\n";
    make_pair(run, train, cfg, "test_loss", "spiral-regression", 0, 0, 1051);
    assert_int_equal(es("analyze %s --sgd %s", run, train), 0);
    expect_contains("advantage = sgd_mean_y - mean_y");
    es_err err = {0};
    es_analysis *a = es_h5_read_analysis(run, NULL, &err);
    assert_non_null(a);
    assert_close(a->advantage[2], 0.1, 1e-12, "regression advantage, bin 2");
    es_analysis_free(a);

    /* a 1-D particles run made by the sampler: S(x) per bin, the advantage needs a y */
    const char *ini = tu_write_file("p1.ini", "[task]\nname = particles\nn = 10\n[model]\n"
                                    "bound = 1\n[sampler]\nx_bins = 10\nx_min = 0.2\n"
                                    "x_max = 0.8\nln_f_final = 1e-2\nwalkers = 1\n");
    const char *p1 = tmp("p1.h5");
    assert_int_equal(es("run %s -o %s --quiet", ini, p1), 0);
    assert_int_equal(es("analyze %s", p1), 0);
    expect_contains("the advantage needs a y");
    expect_contains("S(x)");
    /* particles have no gradient-trained counterpart */
    assert_int_equal(es("analyze %s --sgd %s", p1, train), 1);
    expect_contains("no counterpart");
}

static void test_bad_input(void **state)
{
    (void)state;
    const char *run = tmp("b-run.h5"), *train = tmp("b-train.h5");
    make_pair(run, train, SPIRAL_CFG, "test_acc", "spiral", 1, 0, 116);
    /* not an entroscape file */
    const char *txt = tu_write_file("not.h5", "hello\n");
    assert_int_equal(es("analyze %s", txt), 1);
    expect_contains("not an entroscape file");
    /* an entroscape file with neither a landscape nor a training history */
    const char *empty = tmp("b-empty.h5");
    write_file(empty, SPIRAL_CFG, NULL, NULL);
    assert_int_equal(es("analyze %s", empty), 1);
    expect_contains("/dos is missing");
    assert_int_equal(es("plot %s -o %s", empty, tu_tmpdir()), 1);
    expect_contains("/dos is missing");
    /* a training file takes no --sgd or --replica */
    assert_int_equal(es("analyze %s --sgd %s", train, train), 1);
    expect_contains("training history");
    assert_int_equal(es("plot %s --sgd %s", train, train), 1);
    expect_contains("training history");
    /* --replica without a file */
    assert_int_equal(es("analyze %s --replica", run), 2);
    /* --sgd of another task */
    const char *other = tmp("b-other.h5");
    es_sgd *s = synthetic_sgd("spiral-regression", 0, 0, 51);
    write_file(other, "[task]\nname = spiral-regression\n", NULL, s);
    es_sgd_free(s);
    assert_int_equal(es("analyze %s --sgd %s", run, other), 1);
    expect_contains("same task");
    /* the same task with another data split */
    const char *seed2 = tmp("b-seed2.h5");
    s = synthetic_sgd("spiral", 1, 0, 116);
    write_file(seed2, "[task]\nname = spiral\nnoise = 0.1\nseed = 2\n", NULL, s);
    es_sgd_free(s);
    assert_int_equal(es("analyze %s --sgd %s", run, seed2), 1);
    expect_contains("task.seed");
    /* --sgd without /sgd */
    assert_int_equal(es("analyze %s --sgd %s", run, run), 1);
    expect_contains("/sgd is missing");
    /* usage */
    assert_int_equal(es("analyze"), 2);
    assert_int_equal(es("analyze %s --bogus", run), 2);
    assert_int_equal(es("plot %s --format gif", run), 2);
    expect_contains("png, pdf");
    assert_int_equal(es("compare %s", run), 2);
    assert_int_equal(es("analyze --help"), 0);
    expect_contains("Eq. 1");
    /* nothing was left half-written */
    expect_no_temporaries();
}

/* The first bytes of path equal magic, and the file has at least min_size bytes. */
static void expect_file(const char *path, const char *magic, long min_size)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        fail_msg("%s was not written", path);
    char head[8] = {0};
    size_t got = fread(head, 1, sizeof head, f);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    if (got < strlen(magic) || memcmp(head, magic, strlen(magic)) != 0)
        fail_msg("%s does not start with the expected magic bytes", path);
    if (size < min_size)
        fail_msg("%s has %ld bytes, expected at least %ld", path, size, min_size);
}

static int have_gnuplot(void)
{
    char p[4096];
    es_err err = {0};
    if (es_plot_find_gnuplot(p, sizeof p, &err) == ES_OK)
        return 1;
    print_message("[  SKIP    ] gnuplot not installed (Debian package gnuplot-nox): plot "
                  "checks skipped\n");
    return 0;
}

static void test_plots_png_pdf(void **state)
{
    (void)state;
    const char *run = tmp("fig-run.h5"), *train = tmp("fig-train.h5");
    make_pair(run, train, SPIRAL_CFG, "test_acc", "spiral", 1, 0, 116);
    /* gnuplot missing: a clear error naming the package, exit code 1 */
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "PATH=%s %s plot %s", tu_tmpdir(), bin(), run);
    assert_int_equal(tu_run(cmd, out, sizeof out), 1);
    expect_contains("gnuplot-nox");
    if (!have_gnuplot())
        return;
    const char *dir = tmp("figs");
    int rc = es("plot %s --sgd %s -o %s", run, train, dir);
    if (rc != 0)
        fail_msg("plot exited %d:\n%s", rc, out);
    static const char *const figs[4] = {"landscape", "convergence", "histogram", "advantage"};
    for (int k = 0; k < 4; k++) {
        char p[600];
        snprintf(p, sizeof p, "%s/fig-run-%s.png", dir, figs[k]);
        expect_contains(p);
        expect_file(p, "\x89PNG\r\n", 10000);   /* a 1000 x 700 figure: tens of kB */
    }
    rc = es("plot %s --sgd %s -o %s --format pdf", run, train, dir);
    if (rc != 0)
        fail_msg("plot --format pdf exited %d:\n%s", rc, out);
    for (int k = 0; k < 4; k++) {
        char p[600];
        snprintf(p, sizeof p, "%s/fig-run-%s.pdf", dir, figs[k]);
        expect_file(p, "%PDF-", 5000);
    }
    /* a 1-D landscape without SGD states: three figures, the landscape a curve */
    const char *ini = tu_write_file("p1f.ini", "[task]\nname = particles\nn = 10\n[model]\n"
                                    "bound = 1\n[sampler]\nx_bins = 10\nx_min = 0.2\n"
                                    "x_max = 0.8\nln_f_final = 1e-2\nwalkers = 1\n");
    const char *p1 = tmp("p1f.h5");
    assert_int_equal(es("run %s -o %s --quiet", ini, p1), 0);
    assert_int_equal(es("plot %s -o %s", p1, dir), 0);
    char p[600];
    snprintf(p, sizeof p, "%s/p1f-landscape.png", dir);
    expect_file(p, "\x89PNG\r\n", 10000);
    snprintf(p, sizeof p, "%s/p1f-advantage.png", dir);
    assert_int_not_equal(access(p, F_OK), 0);
}

/* Two synthetic runs differing in model.hidden, the second's SGD states 0.1 worse: its
 * advantage is 0.1 larger everywhere. Common range [-2.5, -0.5]; levels -2, -1.5, -1 fall in
 * bins 1, 1, 2; the mean over bins 1 and 2 is -0.171875 and -0.071875. */
static void test_compare_synthetic(void **state)
{
    (void)state;
    const char *ra = tmp("c-w6.h5"), *ta = tmp("c-w6-sgd.h5");
    const char *rb = tmp("c-w10.h5"), *tb = tmp("c-w10-sgd.h5");
    char cfg_b[512];
    snprintf(cfg_b, sizeof cfg_b, "%s", SPIRAL_CFG);
    char *h = strstr(cfg_b, "6,6,6");
    assert_non_null(h);
    memcpy(h, "9,9,9", 5);
    make_pair(ra, ta, SPIRAL_CFG, "test_acc", "spiral", 1, 0, 116);
    make_pair(rb, tb, cfg_b, "test_acc", "spiral", 1, -0.1, 209);
    /* both get /analysis, which compare reads */
    assert_int_equal(es("analyze %s --sgd %s", ra, ta), 0);
    assert_int_equal(es("analyze %s --sgd %s", rb, tb), 0);
    int rc = es("compare %s %s --tsv --no-plot", ra, rb);
    if (rc != 0)
        fail_msg("compare exited %d:\n%s", rc, out);
    expect_contains("mean_advantage");
    /* parse the two data rows */
    char *line = strstr(out, "\n");
    double v[2][13];
    char label[2][64];
    for (int f = 0; f < 2; f++) {
        assert_non_null(line);
        line++;
        char *tab = strchr(line, '\t');   /* skip the file name */
        assert_non_null(tab);
        int n = sscanf(tab + 1, "%63[^\t]\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf\t%lf"
                       "\t%lf\t%lf", label[f], &v[f][0], &v[f][1], &v[f][2], &v[f][3],
                       &v[f][4], &v[f][5], &v[f][6], &v[f][7], &v[f][8], &v[f][9], &v[f][10],
                       &v[f][11], &v[f][12]);
        if (n != 14)
            fail_msg("row %d of the TSV: parsed %d fields of 14:\n%s", f, n, out);
        line = strchr(line, '\n');
    }
    assert_string_equal(label[0], "6,6,6");
    assert_string_equal(label[1], "9,9,9");
    assert_close(v[0][0], 116, 0, "n_params of the first run");
    assert_close(v[1][0], 209, 0, "n_params of the second run");
    const double tol = 1e-6;   /* the TSV prints 6 significant digits */
    assert_close(v[0][1], 0.40625 - 0.65, tol, "run 1 at x = -2");
    assert_close(v[0][2], 0.05, tol, "run 1 error at x = -2");
    assert_close(v[0][3], -1.5, tol, "run 1 bin used at x = -2");
    assert_close(v[0][7], -0.1, tol, "run 1 at x = -1");
    assert_close(v[1][1], 0.40625 - 0.55, tol, "run 2 at x = -2");
    assert_close(v[1][7], 0.0, tol, "run 2 at x = -1");
    assert_close(v[0][10], -0.171875, tol, "run 1 mean");
    assert_close(v[1][10], -0.071875, tol, "run 2 mean");
    assert_close(v[0][11], sqrt(1.5 * (pow(7.0 / 240, 2) + pow(1.0 / 48, 2) + pow(0.05, 2))),
                 tol, "run 1 mean error (runs as clusters, see test_sgd_binning_by_hand)");
    assert_close(v[0][12], 2, 0, "run 1 bins in the mean");

    /* explicit levels and the aligned table */
    assert_int_equal(es("compare %s %s --at -2.5,-0.5 --no-plot", ra, rb), 0);
    expect_contains("model.hidden");
    expect_contains("at x = -2.5");
    expect_contains("-0.3417");   /* run 1 at x = -2.5: 2.75/6 - 0.8, one state: no error */

    if (have_gnuplot()) {
        const char *dir = tmp("cmp");
        rc = es("compare %s %s -o %s --name w", ra, rb, dir);
        if (rc != 0)
            fail_msg("compare with figures exited %d:\n%s", rc, out);
        char p[600];
        snprintf(p, sizeof p, "%s/w-advantage.png", dir);
        expect_file(p, "\x89PNG\r\n", 10000);
        snprintf(p, sizeof p, "%s/w-levels.png", dir);
        expect_file(p, "\x89PNG\r\n", 10000);
    }

    /* landscapes over other variables cannot be compared */
    const char *rl = tmp("c-loss.h5"), *tl = tmp("c-loss-sgd.h5");
    make_pair(rl, tl, "[task]\nname = spiral-regression\n", "test_loss", "spiral-regression", 0,
              0, 51);
    assert_int_equal(es("compare %s %s --no-plot", ra, rl), 1);
    expect_contains("same variables");
}

/* Two small 2-D particles runs made by the sampler, differing in task.n: compared without
 * SGD states (the table names the key; the advantage is undefined). */
static void test_compare_particles_runs(void **state)
{
    (void)state;
    const char *ini = tu_write_file("p2.ini", "[task]\nname = particles\nn = 8\nsplit = 4\n"
                                    "[model]\nbound = 1\n[sampler]\nx_bins = 6\nx_min = 0.2\n"
                                    "x_max = 0.8\ny_bins = 6\ny_min = 0.2\ny_max = 0.8\n"
                                    "ln_f_final = 1e-2\nwalkers = 1\n");
    const char *a = tmp("p2-n8.h5"), *b = tmp("p2-n12.h5");
    assert_int_equal(es("run %s -o %s --quiet", ini, a), 0);
    assert_int_equal(es("run %s --set task.n=12 --set task.split=6 -o %s --quiet", ini, b), 0);
    assert_int_equal(es("analyze %s --no-write", a), 0);
    expect_contains("argmax_y");
    int rc = es("compare %s %s --no-plot", a, b);
    if (rc != 0)
        fail_msg("compare exited %d:\n%s", rc, out);
    expect_contains("task.n");
    expect_contains("no common range");
    /* the figures of runs without an advantage anywhere (gnuplot cannot autoscale nothing) */
    if (have_gnuplot()) {
        const char *dir = tmp("p2-cmp");
        rc = es("compare %s %s -o %s", a, b, dir);
        if (rc != 0)
            fail_msg("compare with figures exited %d:\n%s", rc, out);
        char p[600];
        snprintf(p, sizeof p, "%s/compare-advantage.png", dir);
        expect_file(p, "\x89PNG\r\n", 5000);
    }
    /* a replica made by the sampler: same config, another seed; <y>(x) spreads a little */
    const char *r = tmp("p2-n8-seed2.h5");
    assert_int_equal(es("run %s --set sampler.seed=2 -o %s --quiet", ini, r), 0);
    assert_int_equal(es("analyze %s --replica %s", a, r), 0);
    expect_contains("mean_y_err");
    es_err err = {0};
    es_analysis *an = es_h5_read_analysis(a, NULL, &err);
    assert_non_null(an);
    size_t finite = 0;
    for (size_t i = 0; i < an->x_bins; i++)
        if (isfinite(an->mean_y[i])) {
            assert_true(isfinite(an->mean_y_err[i]) && an->mean_y_err[i] < 0.1);
            finite++;
        }
    assert_true(finite >= 3);
    es_analysis_free(an);
    /* compare reads the spread that analyze stored (and says which files have it) */
    rc = es("compare %s %s --no-plot", a, b);
    if (rc != 0)
        fail_msg("compare exited %d:\n%s", rc, out);
    expect_contains("replicas for the 1 of 2 files");
    /* another network size is not a replica */
    assert_int_equal(es("analyze %s --replica %s", a, b), 1);
    expect_contains("task.n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_landscape_known_answer),
        cmocka_unit_test(test_sgd_binning_by_hand),
        cmocka_unit_test(test_advantage_sign_loss),
        cmocka_unit_test(test_one_dimensional),
        cmocka_unit_test(test_sgd_clustered_error),
        cmocka_unit_test(test_replica_spread),
        cmocka_unit_test(test_final_states),
        cmocka_unit_test(test_ensemble_stat_by_hand),
        cmocka_unit_test(test_ensemble_recovers_variances),
        cmocka_unit_test(test_config_and_title),
        cmocka_unit_test(test_history_summary),
        cmocka_unit_test(test_analyze_writes_analysis),
        cmocka_unit_test(test_analyze_regression_and_1d),
        cmocka_unit_test(test_analyze_keeps_recorded_sgd),
        cmocka_unit_test(test_analyze_ensemble_cli),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_plots_png_pdf),
        cmocka_unit_test(test_compare_synthetic),
        cmocka_unit_test(test_compare_particles_runs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
