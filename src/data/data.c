/* data.c: es_data_load dispatch, split and standardisation helpers, summaries. */
#include "data_internal.h"
#include "entroscape/rng.h"

#include <errno.h>
#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

typedef es_status (*data_loader)(es_data *d, const es_config *cfg, es_err *err);

/* Which datasets each task accepts; the first is what "auto" means. */
static const struct {
    const char *task;
    const char *datasets[3];
    data_loader load[3];
} task_table[] = {
    {"spiral", {"spiral"}, {data_spiral}},
    {"spiral-regression", {"spiral-regression"}, {data_spiral_regression}},
    {"arithmetic", {"arithmetic"}, {data_arithmetic}},
    {"tabular", {"boston", "breast-cancer"}, {data_tabular, data_tabular}},
    {"image", {"fashion-mnist", "digits"}, {data_fashion_mnist, data_digits}},
    {"text", {"kjv"}, {data_text}},
};

es_data *es_data_load(const es_config *cfg, es_err *err)
{
    es_err local = {0};
    if (!err)
        err = &local; /* callers may pass NULL */
    size_t t = 0;
    while (t < ES_ARRAY_LEN(task_table) && strcmp(task_table[t].task, cfg->task_name) != 0)
        t++;
    if (t == ES_ARRAY_LEN(task_table)) {
        es_err_set(err, ES_ECONFIG,
                   "task.name = %s has no dataset; learning tasks: spiral, spiral-regression, "
                   "arithmetic, tabular, image, text", cfg->task_name);
        return NULL;
    }
    size_t k = 0;
    if (strcmp(cfg->task_dataset, "auto") != 0 && cfg->task_dataset[0] != '\0') {
        while (k < 3 && task_table[t].datasets[k] &&
               strcmp(task_table[t].datasets[k], cfg->task_dataset) != 0)
            k++;
        if (k == 3 || !task_table[t].datasets[k]) {
            char allowed[128] = "auto";
            for (size_t j = 0; j < 3 && task_table[t].datasets[j]; j++)
                if (strcmp(task_table[t].datasets[j], task_table[t].task) != 0)
                    snprintf(allowed + strlen(allowed), sizeof allowed - strlen(allowed), ", %s",
                             task_table[t].datasets[j]);
            es_err_set(err, ES_ECONFIG, "task.dataset = %s does not apply to task.name = %s; "
                       "allowed: %s", cfg->task_dataset, cfg->task_name, allowed);
            return NULL;
        }
    }
    es_data *d = es_calloc(1, sizeof *d, "dataset", err);
    if (!d)
        return NULL;
    snprintf(d->task, sizeof d->task, "%s", task_table[t].task);
    snprintf(d->dataset, sizeof d->dataset, "%s", task_table[t].datasets[k]);
    d->y_mean = 0.0;
    d->y_std = 1.0;
    if (task_table[t].load[k](d, cfg, err) != ES_OK || es_data_corrupt(d, cfg, err) != ES_OK) {
        es_data_free(d);
        return NULL;
    }
    return d;
}

void es_data_free(es_data *d)
{
    if (!d)
        return;
    free(d->train.x);
    free(d->train.y);
    free(d->test.x);
    free(d->test.y);
    free(d->x_mean);
    free(d->x_std);
    free(d);
}

/* n x size bytes on whole 64-byte lines (like es_calloc); only zero-filled when asked: the
 * loaders overwrite every element, and touching 400 MB of Fashion-MNIST twice costs a second. */
static void *alloc_lines(size_t n, size_t size, int zero, const char *what, es_err *err)
{
    if (zero)
        return es_calloc(n, size, what, err);
    const size_t line = 64;
    n = n ? n : 1;
    void *p = NULL;
    if (n <= (SIZE_MAX - line) / size)
        p = aligned_alloc(line, (n * size + line - 1) / line * line);
    if (!p)
        es_err_set(err, ES_ENOMEM, "out of memory allocating %s (%zu x %zu bytes)", what, n, size);
    return p;
}

es_status data_split_alloc(es_split *s, size_t n, size_t n_in, size_t n_y, int zero, es_err *err)
{
    s->n = n;
    if (n && (n_in > SIZE_MAX / n || n_y > SIZE_MAX / n))
        return es_err_set(err, ES_ENOMEM, "dataset too large: %zu samples x %zu inputs", n, n_in);
    s->x = alloc_lines(n * n_in, sizeof(double), zero, "dataset inputs", err);
    s->y = s->x ? alloc_lines(n * n_y, sizeof(double), zero, "dataset targets", err) : NULL;
    return s->y ? ES_OK : ES_ENOMEM;
}

es_status data_path(const es_config *cfg, const char *rel, char *path, size_t n, es_err *err)
{
    const char *dir = cfg->task_data_dir[0] ? cfg->task_data_dir : ".";
    int w = snprintf(path, n, "%s/%s", dir, rel);
    if (w < 0 || (size_t)w >= n)
        return es_err_set(err, ES_ECONFIG, "task.data_dir = %s: path too long", dir);
    return ES_OK;
}

es_status data_require(const es_config *cfg, const char *path, const char *package,
                       const char *package_path, es_err *err)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        return ES_OK;
    return es_err_set(err, ES_EIO,
                      "%s: %s; it comes from Debian package %s (%s): run scripts/fetch-data.sh %s "
                      "to put it under task.data_dir",
                      path, stat(path, &st) == 0 ? "not a regular file" : "no such file",
                      package, package_path,
                      cfg->task_data_dir[0] ? cfg->task_data_dir : ".");
}

void data_note_source(es_data *d, const char *path)
{
    size_t len = strlen(d->source);
    snprintf(d->source + len, sizeof d->source - len, "%s%s", len ? ";" : "", path);
}

es_status data_pool_sizes(const es_config *cfg, size_t n, double test_fraction, const char *what,
                          size_t *n_train, size_t *n_test, es_err *err)
{
    size_t tr = (size_t)cfg->task_train_size, te = (size_t)cfg->task_test_size;
    if (!tr && !te) {
        te = (size_t)ceil(test_fraction * (double)n - 1e-9);
        tr = n - te;
    } else if (!te) {
        te = tr < n ? n - tr : 0;
    } else if (!tr) {
        tr = te < n ? n - te : 0;
    }
    if (tr + te > n || tr > n || te > n)
        return es_err_set(err, ES_ECONFIG, "task.train_size = %ld and task.test_size = %ld: %s "
                          "has only %zu samples", cfg->task_train_size, cfg->task_test_size,
                          what, n);
    if (!tr || !te)
        return es_err_set(err, ES_ECONFIG, "task.train_size = %ld and task.test_size = %ld "
                          "leave the %s split of %s (%zu samples) empty", cfg->task_train_size,
                          cfg->task_test_size, tr ? "test" : "training", what, n);
    *n_train = tr;
    *n_test = te;
    return ES_OK;
}

size_t *data_permutation(const es_config *cfg, size_t n, uint64_t stream, es_err *err)
{
    size_t *perm = es_calloc(n, sizeof *perm, "a permutation", err);
    if (!perm)
        return NULL;
    gsl_rng *r = es_rng_alloc((uint64_t)cfg->task_seed, stream, err);
    if (!r) {
        free(perm);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    if (n > 1)
        gsl_ran_shuffle(r, perm, n, sizeof *perm);
    gsl_rng_free(r);
    return perm;
}

es_status es_data_standardize(es_data *d, int targets_too, es_err *err)
{
    size_t m = d->n_in, n = d->train.n;
    if (!d->x_mean)
        d->x_mean = es_calloc(m, sizeof(double), "feature means", err);
    if (d->x_mean && !d->x_std)
        d->x_std = es_calloc(m, sizeof(double), "feature sds", err);
    if (!d->x_mean || !d->x_std)
        return ES_ENOMEM;
    for (size_t j = 0; j < m; j++) {
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += d->train.x[i * m + j];
        mean = n ? mean / (double)n : 0.0;
        for (size_t i = 0; i < n; i++) {
            double v = d->train.x[i * m + j] - mean;
            ss += v * v;
        }
        double sd = n ? sqrt(ss / (double)n) : 0.0;
        if (!(sd >= 1e-12))
            sd = 1.0; /* a constant feature is only centred */
        d->x_mean[j] = mean;
        d->x_std[j] = sd;
    }
    const es_split *sp[2] = {&d->train, &d->test};
    for (int s = 0; s < 2; s++)
        for (size_t i = 0; i < sp[s]->n; i++)
            for (size_t j = 0; j < m; j++)
                sp[s]->x[i * m + j] = (sp[s]->x[i * m + j] - d->x_mean[j]) / d->x_std[j];
    if (targets_too && !d->classify && d->n_out == 1) {
        double mean = 0.0, ss = 0.0;
        for (size_t i = 0; i < n; i++)
            mean += d->train.y[i];
        mean = n ? mean / (double)n : 0.0;
        for (size_t i = 0; i < n; i++)
            ss += (d->train.y[i] - mean) * (d->train.y[i] - mean);
        double sd = n ? sqrt(ss / (double)n) : 0.0;
        if (!(sd >= 1e-12))
            sd = 1.0;
        d->y_mean = mean;
        d->y_std = sd;
        for (int s = 0; s < 2; s++)
            for (size_t i = 0; i < sp[s]->n; i++)
                sp[s]->y[i] = (sp[s]->y[i] - mean) / sd;
    }
    return ES_OK;
}

es_status es_data_class_counts(const es_data *d, const es_split *s, size_t *counts, es_err *err)
{
    if (!d->classify)
        return es_err_set(err, ES_EDATA, "%s %s is a regression task: no classes", d->task,
                          d->dataset);
    memset(counts, 0, d->n_out * sizeof *counts);
    for (size_t i = 0; i < s->n; i++) {
        double y = s->y[i];
        if (!(y >= 0.0 && y < (double)d->n_out) || y != floor(y))
            return es_err_set(err, ES_EDATA, "sample %zu: label %g is not a class in [0, %zu)",
                              i, y, d->n_out);
        counts[(size_t)y]++;
    }
    return ES_OK;
}

char *es_data_describe(const es_data *d, char *buf, size_t n)
{
    if (!buf || !n)
        return buf;
    char what[64], shape[64] = "";
    if (d->classify)
        snprintf(what, sizeof what, "%zu classes", d->n_out);
    else
        snprintf(what, sizeof what, "regression, %zu output%s", d->n_out, d->n_out == 1 ? "" : "s");
    if (d->channels)
        snprintf(shape, sizeof shape, " (%zux%zux%zu)", d->channels, d->height, d->width);
    else if (d->vocab)
        snprintf(shape, sizeof shape, " (context, vocabulary %zu)", d->vocab);
    if (strcmp(d->task, d->dataset) == 0)
        snprintf(buf, n, "%s: %s, n_in %zu%s, train %zu, test %zu", d->task, what, d->n_in,
                 shape, d->train.n, d->test.n);
    else
        snprintf(buf, n, "%s %s: %s, n_in %zu%s, train %zu, test %zu", d->task, d->dataset, what,
                 d->n_in, shape, d->train.n, d->test.n);
    return buf;
}

es_status data_slurp(const char *path, char **buf, size_t *len, es_err *err)
{
    *buf = NULL;
    *len = 0;
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return es_err_set(err, ES_EIO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    gzbuffer(f, 1u << 17);
    size_t cap = 1u << 20, n = 0;
    char *b = malloc(cap + 1);
    for (;;) {
        if (!b) {
            gzclose(f);
            return es_err_set(err, ES_ENOMEM, "%s: out of memory reading %zu bytes", path, cap);
        }
        size_t want = cap - n > (1u << 30) ? (1u << 30) : cap - n;
        int got = gzread(f, b + n, (unsigned)want);
        if (got < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            es_err_set(err, zerr == Z_ERRNO ? ES_EIO : ES_EDATA, "%s: read error after %zu bytes: %s",
                       path, n, zerr == Z_ERRNO ? strerror(errno) : msg);
            free(b);
            gzclose(f);
            return err->status;
        }
        n += (size_t)got;
        if (got == 0)
            break;
        if (n == cap) {
            cap *= 2;
            char *nb = realloc(b, cap + 1);
            if (!nb)
                free(b);
            b = nb;
        }
    }
    int zerr;
    gzerror(f, &zerr);
    gzclose(f);
    if (zerr == Z_BUF_ERROR) { /* a gzip stream that stops early */
        free(b);
        return es_err_set(err, ES_EDATA, "%s: truncated: the compressed stream ends early, "
                          "after %zu bytes", path, n);
    }
    b[n] = '\0';
    *buf = b;
    *len = n;
    return ES_OK;
}
