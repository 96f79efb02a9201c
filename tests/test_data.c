/* test_data.c: the datasets: generated tasks, file formats (CSV, IDX, text), splits,
 * standardisation, error messages, and the real files when scripts/fetch-data.sh put them in
 * data/ (ES_DATA_DIR overrides; skipped with a note otherwise). */
#include "testutil.h"

#include "entroscape/config.h"
#include "entroscape/data.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define PI 3.14159265358979323846

static void cfg_task(es_config *c, const char *task, const char *dataset, const char *dir)
{
    es_config_defaults(c);
    snprintf(c->task_name, sizeof c->task_name, "%s", task);
    snprintf(c->task_dataset, sizeof c->task_dataset, "%s", dataset ? dataset : "auto");
    if (dir)
        snprintf(c->task_data_dir, sizeof c->task_data_dir, "%s", dir);
}

static es_data *load_ok(const es_config *c)
{
    es_err err = {0};
    es_data *d = es_data_load(c, &err);
    if (!d)
        fail_msg("es_data_load(%s) failed: %s", c->task_name, err.msg);
    return d;
}

/* es_data_load must fail with status want and a message containing every needle (NULL-ended). */
static void load_fails(const es_config *c, es_status want, ...)
{
    es_err err = {0};
    es_data *d = es_data_load(c, &err);
    if (d) {
        es_data_free(d);
        fail_msg("es_data_load(%s) succeeded, expected %s", c->task_name, es_status_name(want));
    }
    if (err.status != want)
        fail_msg("status %s, expected %s: %s", es_status_name(err.status), es_status_name(want), err.msg);
    va_list ap;
    va_start(ap, want);
    for (const char *s; (s = va_arg(ap, const char *));)
        if (!strstr(err.msg, s))
            fail_msg("message \"%s\" lacks \"%s\"", err.msg, s);
    va_end(ap);
}

static void expect_msg(const es_err *err, es_status want, const char *needle)
{
    if (err->status != want)
        fail_msg("status %s, expected %s: %s", es_status_name(err->status), es_status_name(want),
                 err->msg);
    if (!strstr(err->msg, needle))
        fail_msg("message \"%s\" lacks \"%s\"", err->msg, needle);
}

/* A directory under the test's temporary directory (with optional subdirectory). */
static const char *mkdir_tmp(const char *name, const char *sub)
{
    static char paths[4][512];
    static int slot;
    char *p = paths[slot++ % 4];
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    mkdir(p, 0755);
    if (sub) {
        char s[600];
        snprintf(s, sizeof s, "%s/%s", p, sub);
        mkdir(s, 0755);
    }
    return p;
}

static const char *fixture(const char *name)
{
    static char p[4][512];
    static int slot;
    char *q = p[slot++ % 4];
    snprintf(q, 512, "%s/data/%s", tu_fixture_dir(), name);
    return q;
}

/* ---- spiral -------------------------------------------------------------------------------- */

static void test_spiral_shape(void **state)
{
    (void)state;
    es_config c;
    cfg_task(&c, "spiral", NULL, NULL);
    es_data *d = load_ok(&c);
    assert_string_equal(d->task, "spiral");
    assert_int_equal(d->classify, 1);
    assert_int_equal(d->n_in, 2);
    assert_int_equal(d->n_out, 2);
    assert_int_equal(d->train.n, 40); /* paper: 20 points per class per split */
    assert_int_equal(d->test.n, 40);
    assert_int_equal(d->channels, 0);
    assert_int_equal(d->vocab, 0);
    char buf[160];
    assert_string_equal(es_data_describe(d, buf, sizeof buf),
                        "spiral: 2 classes, n_in 2, train 40, test 40");
    es_data_free(d);
}

static void test_spiral_class_balance(void **state)
{
    (void)state;
    es_config c;
    cfg_task(&c, "spiral", NULL, NULL);
    c.task_train_size = 40;
    c.task_test_size = 31; /* odd: the extra point goes to class 0 */
    es_data *d = load_ok(&c);
    size_t counts[2];
    es_err err = {0};
    assert_int_equal(es_data_class_counts(d, &d->train, counts, &err), ES_OK);
    assert_int_equal(counts[0], 20);
    assert_int_equal(counts[1], 20);
    assert_int_equal(es_data_class_counts(d, &d->test, counts, &err), ES_OK);
    assert_int_equal(counts[0], 16);
    assert_int_equal(counts[1], 15);
    es_data_free(d);
}

/* Without noise every point lies on its arm: |p| = r in [1, 5] and atan2 = 2r + pi c (mod 2 pi),
 * training radii random, test radii 1 + 4 j / 20 (the paper's uniformR). */
static void test_spiral_radii(void **state)
{
    (void)state;
    es_config c;
    cfg_task(&c, "spiral", NULL, NULL);
    c.task_noise = 0.0;
    es_data *d = load_ok(&c);
    const es_split *sp[2] = {&d->train, &d->test};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < 40; i++) {
            double x = sp[s]->x[2 * i], y = sp[s]->x[2 * i + 1], r = hypot(x, y);
            int cls = (int)sp[s]->y[i];
            assert_int_equal(cls, i < 20 ? 0 : 1); /* class-major order */
            assert_true(r >= 1.0 - 1e-12 && r <= 5.0 + 1e-12);
            double da = atan2(y, x) - (2.0 * r + PI * cls);
            da = remainder(da, 2.0 * PI);
            assert_close(da, 0.0, 1e-9, "angle - (2r + pi c) mod 2 pi");
            if (s == 1)
                assert_close(r, 1.0 + 4.0 * (double)(i % 20) / 20.0, 1e-12, "test radius");
        }
    /* training radii spread over [1, 5]: the min and max of 40 U(1, 5) draws fall within 0.8
     * of the ends (probability of failing < 2 * 0.8^40 = 3e-4; fixed by the seed anyway) */
    double lo = 10, hi = 0;
    for (size_t i = 0; i < 40; i++) {
        double r = hypot(d->train.x[2 * i], d->train.x[2 * i + 1]);
        lo = r < lo ? r : lo;
        hi = r > hi ? r : hi;
    }
    assert_at_most(lo, 1.8, "smallest training radius");
    assert_at_most(4.2, hi, "4.2 <= largest training radius");
    es_data_free(d);

    /* With the default noise (sd 0.1), radii stay within 1 - 0.6 and 5 + 0.6 (6 sd). */
    cfg_task(&c, "spiral", NULL, NULL);
    d = load_ok(&c);
    for (int s = 0; s < 2; s++) {
        const es_split *q = s ? &d->test : &d->train;
        for (size_t i = 0; i < q->n; i++) {
            double r = hypot(q->x[2 * i], q->x[2 * i + 1]);
            assert_true(r >= 0.4 && r <= 5.6);
        }
    }
    es_data_free(d);
}

static void test_spiral_seed(void **state)
{
    (void)state;
    es_config c;
    cfg_task(&c, "spiral", NULL, NULL);
    c.task_seed = 7;
    es_data *a = load_ok(&c), *b = load_ok(&c);
    c.task_seed = 8;
    es_data *e = load_ok(&c);
    assert_memory_equal(a->train.x, b->train.x, 80 * sizeof(double));
    assert_memory_equal(a->test.x, b->test.x, 80 * sizeof(double));
    assert_true(memcmp(a->train.x, e->train.x, 80 * sizeof(double)) != 0);
    assert_true(memcmp(a->test.x, e->test.x, 80 * sizeof(double)) != 0); /* noise differs */
    es_data_free(a);
    es_data_free(b);
    es_data_free(e);
}

/* ---- spiral regression ----------------------------------------------------------------------- */

static void test_spiral_regression(void **state)
{
    (void)state;
    /* Reference values from python3: math.sin(2*pi*frac((atan2(y,x) - 2*hypot(x,y))/(2*pi))). */
    static const struct { double x, y, t; } known[] = {
        {1, 0, -0.9092974268256816}, {0, 2, -0.6536436208636117},
        {-3, 0, -0.2794154981989255}, {3, 4, -0.3448445567275401}};
    for (size_t k = 0; k < ES_ARRAY_LEN(known); k++)
        assert_close(es_data_spiral_target(known[k].x, known[k].y), known[k].t, 1e-12,
                     "spiral target at a known point");
    es_config c;
    cfg_task(&c, "spiral-regression", NULL, NULL);
    es_data *d = load_ok(&c);
    assert_int_equal(d->classify, 0);
    assert_int_equal(d->n_in, 2);
    assert_int_equal(d->n_out, 1);
    assert_int_equal(d->train.n, 50);
    assert_int_equal(d->test.n, 50);
    assert_close(d->y_mean, 0.0, 0.0, "y_mean (not standardised)");
    assert_close(d->y_std, 1.0, 0.0, "y_std (not standardised)");
    for (int s = 0; s < 2; s++) {
        const es_split *q = s ? &d->test : &d->train;
        for (size_t i = 0; i < q->n; i++) {
            double x = q->x[2 * i], y = q->x[2 * i + 1];
            assert_true(fabs(x) <= 5.0 && fabs(y) <= 5.0);
            assert_true(q->y[i] >= -1.0 && q->y[i] <= 1.0);
            assert_close(q->y[i], sin(atan2(y, x) - 2.0 * hypot(x, y)), 1e-12,
                         "target = sin(theta - 2r)");
        }
    }
    es_data_free(d);
}

/* ---- arithmetic -------------------------------------------------------------------------- */

static void test_arithmetic(void **state)
{
    (void)state;
    es_config c;
    cfg_task(&c, "arithmetic", NULL, NULL); /* p = 23, train_fraction 0.5 */
    es_data *d = load_ok(&c);
    const size_t p = 23;
    assert_int_equal(d->n_in, 2 * p);
    assert_int_equal(d->n_out, p);
    assert_int_equal(d->train.n, 265); /* round(0.5 * 529) = round(264.5) */
    assert_int_equal(d->test.n, 264);
    char seen[529] = {0};
    for (int s = 0; s < 2; s++) {
        const es_split *q = s ? &d->test : &d->train;
        for (size_t i = 0; i < q->n; i++) {
            const double *x = q->x + i * 2 * p;
            size_t a = p, b = p, ones = 0;
            for (size_t j = 0; j < 2 * p; j++) {
                if (x[j] == 1.0) {
                    ones++;
                    if (j < p)
                        a = j;
                    else
                        b = j - p;
                } else {
                    assert_true(x[j] == 0.0);
                }
            }
            assert_int_equal(ones, 2);
            assert_true(a < p && b < p);
            assert_true(q->y[i] == (double)((a + b) % p));
            assert_int_equal(seen[a * p + b], 0); /* no pair twice, none in both splits */
            seen[a * p + b] = (char)(1 + s);
        }
    }
    for (size_t k = 0; k < p * p; k++)
        assert_true(seen[k] != 0); /* every pair used */
    es_data_free(d);

    c.task_train_size = 100; /* caps */
    c.task_test_size = 50;
    d = load_ok(&c);
    assert_int_equal(d->train.n, 100);
    assert_int_equal(d->test.n, 50);
    es_data_free(d);

    cfg_task(&c, "arithmetic", NULL, NULL);
    c.task_train_fraction = 1.0;
    load_fails(&c, ES_ECONFIG, "task.train_fraction", "test split empty", NULL);
}

/* ---- CSV ---------------------------------------------------------------------------------- */

static void test_csv_good(void **state)
{
    (void)state;
    es_table t;
    es_err err = {0};
    /* header skipped; CRLF, blank lines and spaces around numbers accepted */
    assert_int_equal(es_csv_read(fixture("good.csv"), 1, &t, &err), ES_OK);
    assert_int_equal(t.rows, 3);
    assert_int_equal(t.cols, 3);
    static const double want[9] = {1, 2.5, -300, 4, 5, 6, 7, 8, 9};
    for (int k = 0; k < 9; k++)
        assert_close(t.v[k], want[k], 0.0, "good.csv value");
    es_table_free(&t);
}

static void test_csv_ragged(void **state)
{
    (void)state;
    es_table t;
    es_err err = {0};
    assert_int_equal(es_csv_read(fixture("ragged.csv"), 0, &t, &err), ES_EDATA);
    expect_msg(&err, ES_EDATA, "ragged.csv:4: 2 fields, expected 3 as on line 1");
    assert_null(t.v);
}

static void test_csv_non_numeric(void **state)
{
    (void)state;
    es_table t;
    es_err err = {0};
    assert_int_equal(es_csv_read(fixture("nonnumeric.csv"), 0, &t, &err), ES_EDATA);
    expect_msg(&err, ES_EDATA, "nonnumeric.csv:2: field 2 is \"abc\", not a number");
    es_err e2 = {0};
    assert_int_equal(es_csv_read(tu_write_file("empty_field.csv", "1,2\n3,\n"), 0, &t, &e2), ES_EDATA);
    expect_msg(&e2, ES_EDATA, "empty_field.csv:2: field 2 is \"\", not a number");
    es_err e3 = {0};
    assert_int_equal(es_csv_read(tu_write_file("nan.csv", "1,nan\n"), 0, &t, &e3), ES_EDATA);
    expect_msg(&e3, ES_EDATA, "nan.csv:1: field 2 is \"nan\"");
    es_err e4 = {0};
    assert_int_equal(es_csv_read(tu_write_file("blank.csv", "\n\n"), 0, &t, &e4), ES_EDATA);
    expect_msg(&e4, ES_EDATA, "no data lines");
    char missing[600];
    snprintf(missing, sizeof missing, "%s/no-such.csv", tu_tmpdir());
    es_err e5 = {0};
    assert_int_equal(es_csv_read(missing, 0, &t, &e5), ES_EIO);
    expect_msg(&e5, ES_EIO, "no-such.csv");
}

/* Write a scikit-learn style CSV with `rows` samples of `features` features: feature j of row
 * i is (i + 1) * (j + 1) + (i % 3) * 0.5 * j, the target is `target(i)`. */
static void write_sklearn(const char *path, const char *line1, int names, size_t rows,
                          size_t features, int classes)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f, "%s\n", line1);
    if (names) {
        for (size_t j = 0; j < features; j++)
            fprintf(f, "\"F%zu\",", j);
        fprintf(f, "\"TARGET\"\n");
    }
    for (size_t i = 0; i < rows; i++) {
        for (size_t j = 0; j < features; j++)
            fprintf(f, "%g,", (double)(i + 1) * (double)(j + 1) + (double)(i % 3) * 0.5 * (double)j);
        if (classes)
            fprintf(f, "%zu\n", i % (size_t)classes);
        else
            fprintf(f, "%g\n", 10.0 + 2.0 * (double)i);
    }
    fclose(f);
}

static void test_csv_sklearn_header(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("skl", NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/mini.csv", dir);
    es_table t;
    es_err err = {0};
    write_sklearn(path, "6,3,,,", 1, 6, 3, 0);
    assert_int_equal(es_csv_read_sklearn(path, &t, &err), ES_OK);
    assert_int_equal(t.rows, 6);
    assert_int_equal(t.cols, 4);
    assert_close(t.v[4 * 5 + 3], 20.0, 0.0, "last target");
    es_table_free(&t);
    write_sklearn(path, "7,3,,,", 1, 6, 3, 0); /* header claims 7 samples */
    assert_int_equal(es_csv_read_sklearn(path, &t, &err), ES_EDATA);
    expect_msg(&err, ES_EDATA, "declares 7 samples of 3 features");
    es_err e2 = {0};
    write_sklearn(path, "samples,3", 0, 6, 3, 0);
    assert_int_equal(es_csv_read_sklearn(path, &t, &e2), ES_EDATA);
    expect_msg(&e2, ES_EDATA, "mini.csv:1: expected scikit-learn's header");
}

/* ---- tabular: split sizes, standardisation ----------------------------------------------- */

static void test_tabular_standardize(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("tab", "sklearn");
    char path[600];
    snprintf(path, sizeof path, "%s/sklearn/boston_house_prices.csv", dir);
    write_sklearn(path, "40,13,,,,,,,,,,,,", 1, 40, 13, 0);
    es_config c;
    cfg_task(&c, "tabular", "auto", dir);
    es_data *d = load_ok(&c);
    assert_string_equal(d->dataset, "boston");
    assert_int_equal(d->classify, 0);
    assert_int_equal(d->n_in, 13);
    assert_int_equal(d->n_out, 1);
    assert_int_equal(d->test.n, 8); /* ceil(0.2 * 40) */
    assert_int_equal(d->train.n, 32);
    assert_non_null(strstr(d->source, "boston_house_prices.csv"));
    /* training features: mean 0 and population sd 1 (to 1e-12); targets likewise */
    for (size_t j = 0; j < 13; j++) {
        double m = 0, ss = 0;
        for (size_t i = 0; i < 32; i++)
            m += d->train.x[i * 13 + j];
        m /= 32;
        for (size_t i = 0; i < 32; i++)
            ss += (d->train.x[i * 13 + j] - m) * (d->train.x[i * 13 + j] - m);
        assert_close(m, 0.0, 1e-12, "standardised training feature mean");
        assert_close(sqrt(ss / 32), 1.0, 1e-12, "standardised training feature sd");
    }
    double m = 0, ss = 0;
    for (size_t i = 0; i < 32; i++)
        m += d->train.y[i];
    for (size_t i = 0; i < 32; i++)
        ss += (d->train.y[i] - m / 32) * (d->train.y[i] - m / 32);
    assert_close(m / 32, 0.0, 1e-12, "standardised training target mean");
    assert_close(sqrt(ss / 32), 1.0, 1e-12, "standardised training target sd");
    /* both splits undo to the original rows with the training statistics: row i has target
     * 10 + 2 i, feature j = (i + 1)(j + 1) + (i mod 3) j / 2 */
    int used[40] = {0};
    for (int s = 0; s < 2; s++) {
        const es_split *q = s ? &d->test : &d->train;
        for (size_t k = 0; k < q->n; k++) {
            double t = q->y[k] * d->y_std + d->y_mean;
            size_t i = (size_t)lround((t - 10.0) / 2.0);
            assert_true(i < 40);
            assert_close(t, 10.0 + 2.0 * (double)i, 1e-9, "recovered target");
            assert_int_equal(used[i]++, 0);
            for (size_t j = 0; j < 13; j++)
                assert_close(q->x[k * 13 + j] * d->x_std[j] + d->x_mean[j],
                             (double)(i + 1) * (double)(j + 1) + (double)(i % 3) * 0.5 * (double)j,
                             1e-9, "recovered feature");
        }
    }
    es_data_free(d);

    /* sizes: explicit train_size leaves the rest for test; too many is a config error */
    c.task_train_size = 30;
    d = load_ok(&c);
    assert_int_equal(d->train.n, 30);
    assert_int_equal(d->test.n, 10);
    es_data_free(d);
    c.task_test_size = 11;
    load_fails(&c, ES_ECONFIG, "task.train_size = 30", "only 40 samples", NULL);
    c.task_train_size = 0;
    c.task_test_size = 40;
    load_fails(&c, ES_ECONFIG, "training split", NULL);
}

static void test_tabular_classification(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("bc", "sklearn");
    char path[600];
    snprintf(path, sizeof path, "%s/sklearn/breast_cancer.csv", dir);
    write_sklearn(path, "20,30,malignant,benign", 0, 20, 30, 2);
    es_config c;
    cfg_task(&c, "tabular", "breast-cancer", dir);
    es_data *d = load_ok(&c);
    assert_int_equal(d->classify, 1);
    assert_int_equal(d->n_in, 30);
    assert_int_equal(d->n_out, 2);
    assert_int_equal(d->train.n + d->test.n, 20);
    assert_close(d->y_mean, 0.0, 0.0, "classification y_mean");
    assert_close(d->y_std, 1.0, 0.0, "classification y_std");
    size_t n0[2], n1[2];
    es_err err = {0};
    assert_int_equal(es_data_class_counts(d, &d->train, n0, &err), ES_OK);
    assert_int_equal(es_data_class_counts(d, &d->test, n1, &err), ES_OK);
    assert_int_equal(n0[0] + n1[0], 10);
    assert_int_equal(n0[1] + n1[1], 10);
    es_data_free(d);
    write_sklearn(path, "20,30,malignant,benign", 0, 20, 30, 3); /* a label 2 */
    load_fails(&c, ES_EDATA, "breast_cancer.csv", "label 2", NULL);
    cfg_task(&c, "tabular", "digits", dir);
    load_fails(&c, ES_ECONFIG, "task.dataset = digits", "auto, boston, breast-cancer", NULL);
}

static void test_missing_files(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("empty", NULL);
    es_config c;
    cfg_task(&c, "tabular", "boston", dir);
    load_fails(&c, ES_EIO, "sklearn/boston_house_prices.csv", "python3-sklearn",
               "scripts/fetch-data.sh", NULL);
    cfg_task(&c, "image", "digits", dir);
    load_fails(&c, ES_EIO, "sklearn/digits.csv.gz", "python3-sklearn", NULL);
    cfg_task(&c, "image", "fashion-mnist", dir);
    load_fails(&c, ES_EIO, "fashion-mnist/train-images-idx3-ubyte.gz", "dataset-fashion-mnist",
               "scripts/fetch-data.sh", NULL);
    cfg_task(&c, "text", NULL, dir);
    load_fails(&c, ES_EIO, "text/kjv.txt", "bible-kjv-text", "scripts/fetch-data.sh", NULL);
    cfg_task(&c, "particles", NULL, dir);
    load_fails(&c, ES_ECONFIG, "task.name = particles has no dataset", NULL);
}

/* ---- IDX ------------------------------------------------------------------------------------ */

/* Write an IDX file with gzip: magic, dims, then `bytes` bytes of data. */
static void write_idx(const char *path, uint32_t magic, const uint32_t *dims, int ndim,
                      const unsigned char *data, size_t bytes)
{
    gzFile f = gzopen(path, "wb");
    assert_non_null(f);
    unsigned char h[4];
    for (int k = -1; k < ndim; k++) {
        uint32_t v = k < 0 ? magic : dims[k];
        h[0] = (unsigned char)(v >> 24);
        h[1] = (unsigned char)(v >> 16);
        h[2] = (unsigned char)(v >> 8);
        h[3] = (unsigned char)v;
        assert_int_equal(gzwrite(f, h, 4), 4);
    }
    if (bytes)
        assert_int_equal(gzwrite(f, data, (unsigned)bytes), (int)bytes);
    assert_int_equal(gzclose(f), Z_OK);
}

/* Image k: pixel j = (31 k + j) mod 256; label k mod 10 (or `bad_label` for the last image
 * when >= 0). Writes DIR/fashion-mnist/PREFIX-{images,labels}. */
static void write_fashion(const char *dir, const char *prefix, uint32_t n_img, uint32_t n_lab,
                          size_t img_bytes, int bad_label)
{
    static unsigned char img[16 * 784], lab[16];
    for (size_t k = 0; k < 16; k++) {
        for (size_t j = 0; j < 784; j++)
            img[k * 784 + j] = (unsigned char)((31 * k + j) % 256);
        lab[k] = (unsigned char)(k % 10);
    }
    if (bad_label >= 0)
        lab[n_lab - 1] = (unsigned char)bad_label;
    char path[600];
    uint32_t di[3] = {n_img, 28, 28}, dl[1] = {n_lab};
    snprintf(path, sizeof path, "%s/fashion-mnist/%s-images-idx3-ubyte.gz", dir, prefix);
    write_idx(path, 0x803, di, 3, img, img_bytes ? img_bytes : (size_t)n_img * 784);
    snprintf(path, sizeof path, "%s/fashion-mnist/%s-labels-idx1-ubyte.gz", dir, prefix);
    write_idx(path, 0x801, dl, 1, lab, n_lab);
}

static void test_idx_good(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("idx_good", "fashion-mnist");
    write_fashion(dir, "train", 5, 5, 0, -1);
    write_fashion(dir, "t10k", 3, 3, 0, -1);
    char path[600];
    snprintf(path, sizeof path, "%s/fashion-mnist/train-images-idx3-ubyte.gz", dir);
    es_idx idx;
    es_err err = {0};
    assert_int_equal(es_idx_read(path, 3, &idx, &err), ES_OK);
    assert_int_equal(idx.items, 5);
    assert_int_equal(idx.dims[1], 28);
    assert_int_equal(idx.dims[2], 28);
    assert_int_equal(idx.data[2 * 784 + 10], 72); /* 31 * 2 + 10 */
    es_idx_free(&idx);

    es_config c;
    cfg_task(&c, "image", NULL, dir);
    es_data *d = load_ok(&c);
    assert_string_equal(d->dataset, "fashion-mnist");
    assert_int_equal(d->n_in, 784);
    assert_int_equal(d->n_out, 10);
    assert_int_equal(d->channels, 1);
    assert_int_equal(d->height, 28);
    assert_int_equal(d->width, 28);
    assert_int_equal(d->train.n, 5);
    assert_int_equal(d->test.n, 3);
    for (int s = 0; s < 2; s++) {
        const es_split *q = s ? &d->test : &d->train;
        int seen[5] = {0};
        for (size_t i = 0; i < q->n; i++) {
            size_t k = (size_t)lround(q->x[i * 784] * 255.0) / 31;
            assert_true(k < q->n);
            assert_int_equal(seen[k]++, 0);
            assert_true(q->y[i] == (double)(k % 10));
            for (size_t j = 0; j < 784; j++)
                assert_close(q->x[i * 784 + j], (double)((31 * k + j) % 256) / 255.0, 1e-15,
                             "pixel / 255");
        }
    }
    char buf[160];
    assert_string_equal(es_data_describe(d, buf, sizeof buf),
                        "image fashion-mnist: 10 classes, n_in 784 (1x28x28), train 5, test 3");
    es_data_free(d);
    c.task_train_size = 2;
    d = load_ok(&c);
    assert_int_equal(d->train.n, 2);
    assert_int_equal(d->test.n, 3);
    es_data_free(d);
    c.task_train_size = 6;
    load_fails(&c, ES_ECONFIG, "task.train_size = 6", "only 5 images", NULL);
}

static void test_idx_wrong_magic(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("idx_magic", NULL);
    char path[600];
    snprintf(path, sizeof path, "%s/labels.gz", dir);
    uint32_t dims[3] = {4, 28, 28};
    unsigned char lab[4] = {1, 2, 3, 4};
    write_idx(path, 0x803, dims, 1, lab, 4); /* an image magic on a label file */
    es_idx idx;
    es_err err = {0};
    assert_int_equal(es_idx_read(path, 1, &idx, &err), ES_EDATA);
    expect_msg(&err, ES_EDATA, "magic number 0x00000803, expected 0x00000801");
    assert_non_null(strstr(err.msg, "labels.gz"));
    assert_null(idx.data);
}

static void test_idx_truncated(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("idx_trunc", "fashion-mnist");
    write_fashion(dir, "train", 5, 5, 3 * 784 + 100, -1); /* 3 images and a bit of a fourth */
    write_fashion(dir, "t10k", 3, 3, 0, -1);
    es_config c;
    cfg_task(&c, "image", "fashion-mnist", dir);
    load_fails(&c, ES_EDATA, "train-images-idx3-ubyte.gz: truncated",
               "5 images (3920 bytes of data), found 2452 bytes (3 complete images)", NULL);
    /* a header cut short */
    char path[600];
    snprintf(path, sizeof path, "%s/short.gz", dir);
    gzFile f = gzopen(path, "wb");
    gzwrite(f, "\0\0\x08\x03\0\0", 6);
    gzclose(f);
    es_idx idx;
    es_err err = {0};
    assert_int_equal(es_idx_read(path, 3, &idx, &err), ES_EDATA);
    expect_msg(&err, ES_EDATA, "header of images needs 16 bytes, found 6");
    /* a gzip stream cut short (raw bytes dropped from the end of the compressed file) */
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "head -c -20 '%s/fashion-mnist/t10k-images-idx3-ubyte.gz' > '%s/cut.gz'",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    snprintf(path, sizeof path, "%s/cut.gz", dir);
    es_err e2 = {0};
    assert_int_equal(es_idx_read(path, 3, &idx, &e2), ES_EDATA);
    expect_msg(&e2, ES_EDATA, "truncated");
    /* bytes beyond the declared data */
    const char *d2 = mkdir_tmp("idx_long", "fashion-mnist");
    write_fashion(d2, "train", 2, 2, 3 * 784, -1);
    snprintf(path, sizeof path, "%s/fashion-mnist/train-images-idx3-ubyte.gz", d2);
    es_err e3 = {0};
    assert_int_equal(es_idx_read(path, 3, &idx, &e3), ES_EDATA);
    expect_msg(&e3, ES_EDATA, "longer than its header declares (2 images");
}

static void test_idx_count_mismatch(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("idx_count", "fashion-mnist");
    write_fashion(dir, "train", 5, 4, 0, -1);
    write_fashion(dir, "t10k", 3, 3, 0, -1);
    es_config c;
    cfg_task(&c, "image", "fashion-mnist", dir);
    load_fails(&c, ES_EDATA, "train-images-idx3-ubyte.gz has 5 images",
               "train-labels-idx1-ubyte.gz has 4 labels", NULL);
    write_fashion(dir, "train", 5, 5, 0, 10); /* label 10 */
    load_fails(&c, ES_EDATA, "train-labels-idx1-ubyte.gz: label 10 of item 4", NULL);
}

/* ---- text ------------------------------------------------------------------------------------ */

static void test_text_vocabulary(void **state)
{
    (void)state;
    assert_int_equal(es_text_token('a'), 3);
    assert_int_equal(es_text_token('A'), 3);
    assert_int_equal(es_text_token('z'), 28);
    assert_int_equal(es_text_token(' '), 1);
    assert_int_equal(es_text_token('\t'), 1);
    assert_int_equal(es_text_token('\n'), 2);
    assert_int_equal(es_text_token('\r'), -1);
    assert_int_equal(es_text_token('0'), 29);
    assert_int_equal(es_text_token('#'), 0);
    assert_int_equal(es_text_token(0xc3), 0);  /* UTF-8 lead byte: one "other" */
    assert_int_equal(es_text_token(0xa9), -1); /* continuation byte: dropped */
    assert_int_equal(es_text_token(0), 0);
    /* every token but "other" round-trips through its character */
    char seen[256] = {0};
    for (size_t t = 1; t < ES_TEXT_VOCAB; t++) {
        char ch = es_text_char(t);
        assert_int_equal(es_text_token((unsigned char)ch), (int)t);
        assert_int_equal(seen[(unsigned char)ch]++, 0);
    }
    assert_int_equal(es_text_char(0), '~');
    assert_int_equal(es_text_char(ES_TEXT_VOCAB), '\0');
}

/* tiny.txt tokenised by hand: CR dropped, upper case folded, '#' other. */
static size_t tiny_tokens(unsigned char *tok)
{
    const char *text = "in the beginning, god made 2 \"things\";\nand the earth! #\n";
    size_t n = 0;
    for (const char *p = text; *p; p++)
        tok[n++] = (unsigned char)es_text_token((unsigned char)*p);
    return n;
}

static void test_text_windows(void **state)
{
    (void)state;
    const char *dir = mkdir_tmp("text", "text");
    char cmd[1300];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/text/kjv.txt'", fixture("tiny.txt"), dir);
    assert_int_equal(system(cmd), 0);
    unsigned char tok[128];
    size_t n = tiny_tokens(tok); /* 56 tokens: cut = floor(0.9 * 56) = 50 */
    assert_int_equal(n, 56);
    size_t cut = 50, ctx = 4;
    es_config c;
    cfg_task(&c, "text", NULL, dir);
    c.task_context = (long)ctx;
    es_data *d = load_ok(&c); /* defaults capped at what the text has */
    assert_string_equal(d->dataset, "kjv");
    assert_int_equal(d->classify, 1);
    assert_int_equal(d->n_in, ctx);
    assert_int_equal(d->n_out, ES_TEXT_VOCAB);
    assert_int_equal(d->vocab, ES_TEXT_VOCAB);
    assert_int_equal(d->train.n, cut - ctx);     /* 46 windows end before the cut */
    assert_int_equal(d->test.n, n - cut - ctx);  /* 2 windows after it */
    for (size_t k = 0; k < d->train.n; k++) {
        for (size_t j = 0; j < ctx; j++)
            assert_true(d->train.x[k * ctx + j] == tok[k + j]);
        assert_true(d->train.y[k] == tok[k + ctx]); /* target = the next character */
    }
    for (size_t k = 0; k < d->test.n; k++) {
        for (size_t j = 0; j < ctx; j++)
            assert_true(d->test.x[k * ctx + j] == tok[cut + k + j]);
        assert_true(d->test.y[k] == tok[cut + k + ctx]);
    }
    assert_true(d->train.y[d->train.n - 1] == tok[cut - 1]); /* last training target before the cut */
    es_data_free(d);

    /* 3 of 46 training windows, evenly spaced: starts 0, 15, 30 (floor(k * 46 / 3)) */
    c.task_train_size = 3;
    c.task_test_size = 1;
    d = load_ok(&c);
    static const size_t starts[3] = {0, 15, 30};
    for (size_t k = 0; k < 3; k++) {
        for (size_t j = 0; j < ctx; j++)
            assert_true(d->train.x[k * ctx + j] == tok[starts[k] + j]);
        assert_true(d->train.y[k] == tok[starts[k] + ctx]);
    }
    es_data_free(d);
    c.task_train_size = 47;
    load_fails(&c, ES_ECONFIG, "task.train_size = 47", "only 46 windows", NULL);
    c.task_train_size = 0;
    c.task_context = 6; /* 56 - 50 = 6 test characters: no window of 6 + 1 fits */
    load_fails(&c, ES_EDATA, "too short", NULL);
}

/* ---- the real files (when fetched) ----------------------------------------------------------- */

static const char *real_dir(void)
{
    const char *d = getenv("ES_DATA_DIR");
    return d ? d : "data";
}

static int have_real(const char *rel)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", real_dir(), rel);
    FILE *f = fopen(path, "rb");
    if (!f) {
        printf("[  NOTE    ] %s not found: run scripts/fetch-data.sh to test the real file\n", path);
        return 0;
    }
    fclose(f);
    return 1;
}

static void test_real_tabular(void **state)
{
    (void)state;
    if (!have_real("sklearn/boston_house_prices.csv") || !have_real("sklearn/breast_cancer.csv")) {
        skip();
        return;
    }
    es_config c;
    cfg_task(&c, "tabular", "boston", real_dir());
    es_data *d = load_ok(&c);
    assert_int_equal(d->n_in, 13);
    assert_int_equal(d->train.n, 404); /* 506 - ceil(0.2 * 506) */
    assert_int_equal(d->test.n, 102);
    /* MEDV of the 506 Boston tracts: mean 22.53, sd 9.19; the training split's within 1 */
    assert_close(d->y_mean, 22.53, 1.0, "boston training MEDV mean");
    assert_close(d->y_std, 9.19, 1.0, "boston training MEDV sd");
    es_data_free(d);
    cfg_task(&c, "tabular", "breast-cancer", real_dir());
    d = load_ok(&c);
    assert_int_equal(d->n_in, 30);
    assert_int_equal(d->n_out, 2);
    assert_int_equal(d->train.n, 455);
    assert_int_equal(d->test.n, 114);
    size_t a[2], b[2];
    es_err err = {0};
    assert_int_equal(es_data_class_counts(d, &d->train, a, &err), ES_OK);
    assert_int_equal(es_data_class_counts(d, &d->test, b, &err), ES_OK);
    assert_int_equal(a[0] + b[0], 212); /* malignant (sklearn's documented counts) */
    assert_int_equal(a[1] + b[1], 357); /* benign */
    es_data_free(d);
}

static void test_real_digits(void **state)
{
    (void)state;
    if (!have_real("sklearn/digits.csv.gz")) {
        skip();
        return;
    }
    es_config c;
    cfg_task(&c, "image", "digits", real_dir());
    es_data *d = load_ok(&c);
    assert_int_equal(d->n_in, 64);
    assert_int_equal(d->height, 8);
    assert_int_equal(d->train.n + d->test.n, 1797);
    assert_int_equal(d->test.n, 360);
    for (size_t i = 0; i < d->train.n * 64; i++)
        assert_true(d->train.x[i] >= 0.0 && d->train.x[i] <= 1.0);
    es_data_free(d);
}

static void test_real_fashion_mnist(void **state)
{
    (void)state;
    if (!have_real("fashion-mnist/train-images-idx3-ubyte.gz") ||
        !have_real("fashion-mnist/t10k-images-idx3-ubyte.gz")) {
        skip();
        return;
    }
    es_config c;
    cfg_task(&c, "image", "fashion-mnist", real_dir());
    double t0 = es_seconds();
    es_data *d = load_ok(&c);
    double secs = es_seconds() - t0;
    printf("[  NOTE    ] full Fashion-MNIST loaded in %.2f s\n", secs);
    assert_int_equal(d->train.n, 60000);
    assert_int_equal(d->test.n, 10000);
    size_t counts[10];
    es_err err = {0};
    assert_int_equal(es_data_class_counts(d, &d->train, counts, &err), ES_OK);
    for (int k = 0; k < 10; k++)
        assert_int_equal(counts[k], 6000); /* Fashion-MNIST is balanced: 6000 per class */
    assert_int_equal(es_data_class_counts(d, &d->test, counts, &err), ES_OK);
    for (int k = 0; k < 10; k++)
        assert_int_equal(counts[k], 1000);
    /* generous bound (sanitizer builds are slower); an -O2 build takes about half a second */
    assert_at_most(secs, 10.0 * tu_time_scale(), "seconds to load full Fashion-MNIST");
    es_data_free(d);
    c.task_train_size = 250; /* the paper's size */
    c.task_test_size = 250;
    d = load_ok(&c);
    assert_int_equal(d->train.n, 250);
    assert_int_equal(d->test.n, 250);
    es_data_free(d);
}

static void test_real_text(void **state)
{
    (void)state;
    if (!have_real("text/kjv.txt")) {
        skip();
        return;
    }
    es_config c;
    cfg_task(&c, "text", NULL, real_dir());
    es_data *d = load_ok(&c);
    assert_int_equal(d->n_in, 8); /* task.context default */
    assert_int_equal(d->train.n, 200000);
    assert_int_equal(d->test.n, 20000);
    /* the KJV is plain ASCII letters and punctuation: no "other" token, no digit */
    for (size_t i = 0; i < d->train.n * 8; i++) {
        double t = d->train.x[i];
        assert_true(t >= 1 && t < ES_TEXT_VOCAB && !(t >= 29 && t <= 38));
    }
    /* the first window is "in the b" -> 'e' */
    const char *start = "in the be";
    for (size_t j = 0; j < 8; j++)
        assert_true(d->train.x[j] == es_text_token((unsigned char)start[j]));
    assert_true(d->train.y[0] == es_text_token('e'));
    es_data_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spiral_shape),
        cmocka_unit_test(test_spiral_class_balance),
        cmocka_unit_test(test_spiral_radii),
        cmocka_unit_test(test_spiral_seed),
        cmocka_unit_test(test_spiral_regression),
        cmocka_unit_test(test_arithmetic),
        cmocka_unit_test(test_csv_good),
        cmocka_unit_test(test_csv_ragged),
        cmocka_unit_test(test_csv_non_numeric),
        cmocka_unit_test(test_csv_sklearn_header),
        cmocka_unit_test(test_tabular_standardize),
        cmocka_unit_test(test_tabular_classification),
        cmocka_unit_test(test_missing_files),
        cmocka_unit_test(test_idx_good),
        cmocka_unit_test(test_idx_wrong_magic),
        cmocka_unit_test(test_idx_truncated),
        cmocka_unit_test(test_idx_count_mismatch),
        cmocka_unit_test(test_text_vocabulary),
        cmocka_unit_test(test_text_windows),
        cmocka_unit_test(test_real_tabular),
        cmocka_unit_test(test_real_digits),
        cmocka_unit_test(test_real_fashion_mnist),
        cmocka_unit_test(test_real_text),
    };
    return cmocka_run_group_tests_name("data", tests, NULL, NULL);
}
