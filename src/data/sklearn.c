/* sklearn.c: the datasets bundled with scikit-learn (Debian package python3-sklearn):
 * boston and breast-cancer (task tabular) and digits (task image). */
#include "data_internal.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SKLEARN_PACKAGE "python3-sklearn"
#define SKLEARN_DIR "/usr/lib/python3/dist-packages/sklearn/datasets/data/"
#define TEST_FRACTION 0.2

/* Find sklearn/<file> under task.data_dir. */
static es_status sklearn_path(const es_config *cfg, const char *file, char *path, size_t n,
                              es_err *err)
{
    char rel[128];
    snprintf(rel, sizeof rel, "sklearn/%s", file);
    if (data_path(cfg, rel, path, n, err) != ES_OK)
        return ES_ECONFIG;
    return data_require(cfg, path, SKLEARN_PACKAGE, SKLEARN_DIR, err) == ES_OK ? ES_OK : ES_EIO;
}

/* Check that column `col` of t holds integers in [0, k). */
static es_status check_labels(const char *path, const es_table *t, size_t col, size_t k, es_err *err)
{
    for (size_t i = 0; i < t->rows; i++) {
        double y = t->v[i * t->cols + col];
        if (!(y >= 0 && y < (double)k) || y != floor(y))
            return es_err_set(err, ES_EDATA, "%s: sample %zu: label %g is not a class in [0, %zu)",
                              path, i + 1, y, k);
    }
    return ES_OK;
}

/* Shuffle the rows of t (task.seed) and deal the first n_train to train, the next n_test to
 * test: inputs are columns [0, n_in) times `scale`, the target is column n_in. */
static es_status deal_rows(es_data *d, const es_config *cfg, const es_table *t, size_t n_train,
                           size_t n_test, double scale, es_err *err)
{
    size_t *perm = data_permutation(cfg, t->rows, ES_DATA_STREAM_SHUFFLE, err);
    if (!perm)
        return ES_ENOMEM;
    if (data_split_alloc(&d->train, n_train, d->n_in, 1, 0, err) != ES_OK ||
        data_split_alloc(&d->test, n_test, d->n_in, 1, 0, err) != ES_OK) {
        free(perm);
        return ES_ENOMEM;
    }
    for (size_t i = 0; i < n_train + n_test; i++) {
        es_split *s = i < n_train ? &d->train : &d->test;
        size_t k = i < n_train ? i : i - n_train;
        const double *row = t->v + perm[i] * t->cols;
        for (size_t j = 0; j < d->n_in; j++)
            s->x[k * d->n_in + j] = row[j] * scale;
        s->y[k] = row[d->n_in];
    }
    free(perm);
    return ES_OK;
}

es_status data_tabular(es_data *d, const es_config *cfg, es_err *err)
{
    int boston = strcmp(d->dataset, "boston") == 0;
    const char *file = boston ? "boston_house_prices.csv" : "breast_cancer.csv";
    size_t features = boston ? 13 : 30;
    char path[1024];
    es_table t = {0};
    es_status st = sklearn_path(cfg, file, path, sizeof path, err);
    if (st == ES_OK)
        st = es_csv_read_sklearn(path, &t, err);
    if (st != ES_OK)
        return st;
    if (t.cols != features + 1) {
        st = es_err_set(err, ES_EDATA, "%s: %zu columns, expected %zu features and the target", path,
                        t.cols, features);
        goto done;
    }
    d->classify = !boston;
    d->n_in = features;
    d->n_out = boston ? 1 : 2;
    if (!boston && (st = check_labels(path, &t, features, 2, err)) != ES_OK)
        goto done;
    size_t ntr, nte;
    if ((st = data_pool_sizes(cfg, t.rows, TEST_FRACTION, path, &ntr, &nte, err)) != ES_OK ||
        (st = deal_rows(d, cfg, &t, ntr, nte, 1.0, err)) != ES_OK ||
        (st = es_data_standardize(d, boston, err)) != ES_OK)
        goto done;
    data_note_source(d, path);
done:
    es_table_free(&t);
    return st;
}

es_status data_digits(es_data *d, const es_config *cfg, es_err *err)
{
    char path[1024];
    es_table t = {0};
    es_status st = sklearn_path(cfg, "digits.csv.gz", path, sizeof path, err);
    if (st == ES_OK)
        st = es_csv_read(path, 0, &t, err);
    if (st != ES_OK)
        return st;
    d->classify = 1;
    d->n_in = 64;
    d->n_out = 10;
    d->channels = 1;
    d->height = d->width = 8;
    if (t.cols != 65) {
        st = es_err_set(err, ES_EDATA, "%s: %zu columns, expected 64 pixels and the digit", path,
                        t.cols);
        goto done;
    }
    for (size_t i = 0; i < t.rows; i++)
        for (size_t j = 0; j < 64; j++) {
            double v = t.v[i * 65 + j];
            if (!(v >= 0 && v <= 16)) {
                st = es_err_set(err, ES_EDATA, "%s:%zu: pixel %zu is %g, outside [0, 16]", path,
                                i + 1, j + 1, v);
                goto done;
            }
        }
    size_t ntr, nte;
    if ((st = check_labels(path, &t, 64, 10, err)) != ES_OK ||
        (st = data_pool_sizes(cfg, t.rows, TEST_FRACTION, path, &ntr, &nte, err)) != ES_OK ||
        (st = deal_rows(d, cfg, &t, ntr, nte, 1.0 / 16.0, err)) != ES_OK)
        goto done;
    data_note_source(d, path);
done:
    es_table_free(&t);
    return st;
}
