/* data.h: the learning tasks: loaders, preprocessing and a train/test split fixed by
 * task.seed. Every task ends as two splits of (inputs, targets) in double precision. */
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
    char dataset[32];      /* task.dataset where it applies, else the task name */
    int classify;          /* 1: labels in [0, n_out); 0: regression with n_out targets */
    size_t n_in;           /* input features per sample (text: context length) */
    size_t n_out;          /* classes, or regression outputs */
    size_t channels, height, width; /* image geometry (n_in = c*h*w); 0 when not an image */
    size_t vocab;          /* text: alphabet size (token indices in [0, vocab)); 0 otherwise */
    double y_mean, y_std;  /* regression: standardisation applied to targets (1-output tasks) */
    es_split train, test;
} es_data;

/* Build the task that cfg names (task.name, task.dataset, sizes, task.seed, ...). Files are
 * looked up under task.data_dir. Missing files: ES_EIO with a message naming the file and the
 * Debian package or script that provides it; malformed files: ES_EDATA naming file and what is
 * wrong. NULL on failure (err set). */
es_data *es_data_load(const es_config *cfg, es_err *err);

void es_data_free(es_data *d);

#endif
