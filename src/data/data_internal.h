/* data_internal.h: helpers shared by the dataset loaders in src/data (not a public API). */
#ifndef ENTROSCAPE_DATA_INTERNAL_H
#define ENTROSCAPE_DATA_INTERNAL_H

#include "entroscape/data.h"

#include <stdint.h>

/* Allocate a split: x (n, n_in), y (n, n_y), zero-filled if `zero` (else the caller writes
 * every element). ES_ENOMEM (err set) on failure. */
es_status data_split_alloc(es_split *s, size_t n, size_t n_in, size_t n_y, int zero, es_err *err);

/* path = task.data_dir + "/" + rel. ES_ECONFIG if it does not fit. */
es_status data_path(const es_config *cfg, const char *rel, char *path, size_t n, es_err *err);

/* ES_OK if path is a readable file, else ES_EIO naming the path, the Debian package that
 * ships it (and where the package installs it) and scripts/fetch-data.sh. */
es_status data_require(const es_config *cfg, const char *path, const char *package,
                       const char *package_path, es_err *err);

/* Read a whole file, plain or gzip-compressed (zlib reads both), into a malloc'd buffer with a
 * NUL after the last byte. ES_EIO naming the file if it cannot be opened or read. */
es_status data_slurp(const char *path, char **buf, size_t *len, es_err *err);

/* Append a file to d->source (";"-separated). */
void data_note_source(es_data *d, const char *path);

/* Train and test sizes for a pooled dataset of n samples: task.train_size / task.test_size
 * when set, the rest for the other split, and ceil(test_fraction * n) test samples when
 * neither is set. ES_ECONFIG (naming `what`) if the sizes exceed n or leave a split empty. */
es_status data_pool_sizes(const es_config *cfg, size_t n, double test_fraction, const char *what,
                          size_t *n_train, size_t *n_test, es_err *err);

/* A random permutation of 0..n-1 from stream (task.seed, stream); free with free(). */
size_t *data_permutation(const es_config *cfg, size_t n, uint64_t stream, es_err *err);

/* The task loaders: fill d (allocated and named by es_data_load). */
es_status data_spiral(es_data *d, const es_config *cfg, es_err *err);
es_status data_spiral_regression(es_data *d, const es_config *cfg, es_err *err);
es_status data_arithmetic(es_data *d, const es_config *cfg, es_err *err);
es_status data_tabular(es_data *d, const es_config *cfg, es_err *err);
es_status data_digits(es_data *d, const es_config *cfg, es_err *err);
es_status data_fashion_mnist(es_data *d, const es_config *cfg, es_err *err);
es_status data_text(es_data *d, const es_config *cfg, es_err *err);

#endif
