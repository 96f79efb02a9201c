/* data.h: the learning tasks: loaders, preprocessing and a train/test split fixed by
 * task.seed. Every task ends as two splits of (inputs, targets) in double precision.
 *
 * Tasks (task.name) and where their data come from (files under task.data_dir, put there by
 * scripts/fetch-data.sh from Debian packages; data/README.md lists them):
 *   spiral             generated: 2 interleaved spirals, 2 classes, n_in 2
 *   spiral-regression  generated: sin(theta - 2r) over [-5, 5]^2, 1 output
 *   arithmetic         generated: (a + b) mod p, one-hot inputs (2p), p classes
 *   tabular            boston (regression, 13 features) | breast-cancer (2 classes, 30):
 *                      sklearn/boston_house_prices.csv, sklearn/breast_cancer.csv
 *   image              fashion-mnist (28x28, 10 classes): fashion-mnist/{train,t10k}-...-ubyte.gz |
 *                      digits (8x8, 10 classes): sklearn/digits.csv.gz
 *   text               kjv: character-level next-token prediction on text/kjv.txt
 * Random streams: es_rng_alloc(task.seed, ES_DATA_STREAM_*), so a seed fixes every split. */
#ifndef ENTROSCAPE_DATA_H
#define ENTROSCAPE_DATA_H

#include "entroscape/common.h"
#include "entroscape/config.h"

/* One split of a dataset. */
typedef struct es_split {
    size_t n;          /* samples */
    double *x;         /* (n, n_in) inputs, row-major; text: token indices stored as doubles */
    double *y;         /* classification: (n) class index stored as double;
                        * regression: (n, n_out) targets */
} es_split;

typedef struct es_data {
    char task[32];         /* task.name: spiral, spiral-regression, arithmetic, tabular, image, text */
    char dataset[32];      /* task.dataset where it applies (boston, breast-cancer, fashion-mnist,
                            * digits, kjv: never "auto"), else the task name */
    int classify;          /* 1: labels in [0, n_out); 0: regression with n_out targets */
    size_t n_in;           /* input features per sample (text: context length) */
    size_t n_out;          /* classes, or regression outputs */
    size_t channels, height, width; /* image geometry (n_in = c*h*w); 0 when not an image */
    size_t vocab;          /* text: alphabet size (token indices in [0, vocab)); 0 otherwise */
    double y_mean, y_std;  /* regression: standardisation applied to targets (1-output tasks):
                            * original target = y * y_std + y_mean; 0 and 1 when none */
    double *x_mean, *x_std;/* (n_in) standardisation applied to the inputs (tabular: the
                            * training split's mean and population sd); NULL when none */
    char source[512];      /* the data file(s) read, "" for generated tasks (provenance) */
    es_split train, test;
} es_data;

/* Build the task that cfg names (task.name, task.dataset, sizes, task.seed, ...). Files are
 * looked up under task.data_dir. Missing files: ES_EIO with a message naming the file and the
 * Debian package or script that provides it; malformed files: ES_EDATA naming file and what is
 * wrong; sizes the data cannot provide (or a task.dataset that does not fit task.name):
 * ES_ECONFIG. NULL on failure (err set). */
es_data *es_data_load(const es_config *cfg, es_err *err);

void es_data_free(es_data *d);

/* A one-line summary into buf (always NUL-terminated, truncated to n), e.g.
 * "image fashion-mnist: 10 classes, n_in 784 (1x28x28), train 60000, test 10000".
 * Returns buf. */
char *es_data_describe(const es_data *d, char *buf, size_t n);

/* Samples per class of one split of a classification task: counts has d->n_out entries
 * (overwritten). ES_EDATA if the task is a regression or a label is out of range. */
es_status es_data_class_counts(const es_data *d, const es_split *s, size_t *counts, es_err *err);

/* Standardise the inputs of both splits with the training split's per-feature mean and
 * population sd (features with sd < 1e-12 are only centred), and for a 1-output regression
 * the targets likewise (sets y_mean, y_std). Fills x_mean, x_std. ES_ENOMEM on failure. */
es_status es_data_standardize(es_data *d, int targets_too, es_err *err);

/* The spiral-regression target at (x, y): sin(2 pi frac((theta - 2r) / (2 pi))) with r = |(x, y)|,
 * theta = atan2(y, x), frac(z) = z - floor(z); in [-1, 1]. */
double es_data_spiral_target(double x, double y);

/* Random streams under task.seed (es_rng_alloc(task.seed, stream)). */
enum {
    ES_DATA_STREAM_TRAIN = 0,   /* generated training points */
    ES_DATA_STREAM_TEST = 1,    /* generated test points */
    ES_DATA_STREAM_SHUFFLE = 2, /* shuffle of a pooled dataset (pairs, CSV rows, training images) */
    ES_DATA_STREAM_SHUFFLE_TEST = 3, /* shuffle of a separate test file (Fashion-MNIST t10k) */
    ES_DATA_STREAM_NOISE = 4    /* task.label_noise and task.input_noise (es_data_corrupt) */
};

/* Corrupt the training split as cfg asks (es_data_load calls it last): task.label_noise
 * replaces exactly round(fraction x n) training labels, chosen at random, each by a class
 * drawn uniformly from the others; task.input_noise adds N(0, sd^2) to every training input
 * (after any standardisation). Test data are never changed. ES_ECONFIG naming the key for
 * label noise on a regression or input noise on text. */
es_status es_data_corrupt(es_data *d, const es_config *cfg, es_err *err);

/* ---- file formats (used by the loaders; public for tests and tools) ---------------------- */

/* A numeric table read from a CSV file. */
typedef struct es_table {
    size_t rows, cols;
    double *v;         /* (rows, cols) row-major */
} es_table;

/* Read a comma-separated file of numbers, plain or gzip-compressed (zlib reads both). The
 * first `skip` lines are ignored, and so are blank lines; every other line must have as many
 * fields as the first data line, each a finite number (surrounding spaces allowed).
 * ES_EIO if the file cannot be opened or read; ES_EDATA "FILE:LINE: ..." for a ragged row,
 * an empty or non-numeric field, or no data at all. On failure t is left empty. */
es_status es_csv_read(const char *path, size_t skip, es_table *t, es_err *err);

/* Read one of scikit-learn's bundled CSV files: line 1 is "n_samples,n_features,names..."
 * (names: class names, or empty), optionally followed by a line of column names (any line
 * before the first numeric one is skipped), then n_samples rows of n_features + 1 numbers
 * (features, then the target). ES_EDATA if the counts disagree with the header. */
es_status es_csv_read_sklearn(const char *path, es_table *t, es_err *err);

void es_table_free(es_table *t);

/* An IDX file of unsigned bytes (LeCun's MNIST format, also Fashion-MNIST). */
typedef struct es_idx {
    size_t ndim;          /* 1: labels, 3: images */
    size_t dims[3];       /* dims[0] = items; images: rows, cols */
    size_t items;         /* dims[0] */
    unsigned char *data;  /* (dims[0], ..., dims[ndim-1]) bytes */
} es_idx;

/* Read an IDX file, gzip-compressed or plain, whose magic number must be 0x00000800 + ndim
 * (0x00000801 labels, 0x00000803 images). ES_EIO if it cannot be opened; ES_EDATA naming the
 * file for a wrong magic number, a zero dimension, a truncated file (bytes and items expected
 * vs found) or bytes beyond what the header declares. On failure idx is left empty. */
es_status es_idx_read(const char *path, size_t ndim, es_idx *idx, es_err *err);

void es_idx_free(es_idx *idx);

/* ---- text vocabulary --------------------------------------------------------------------
 * Text is lower-cased and mapped to ES_TEXT_VOCAB tokens: 0 "other" (any character not
 * listed), 1 space (also tab), 2 newline, 3..28 'a'..'z', 29..38 '0'..'9', 39..49 the
 * punctuation . , ; : ! ? ' " - ( ). Carriage returns are dropped. */
#define ES_TEXT_VOCAB 50

/* Token of byte c (after lower-casing), or -1 for a byte that is dropped ('\r'). */
int es_text_token(int c);

/* The character a token stands for ('~' for "other"); '\0' if token >= ES_TEXT_VOCAB. */
char es_text_char(size_t token);

#endif
