/* train_internal.h: helpers shared by src/train files (not a public API). */
#ifndef ENTROSCAPE_TRAIN_INTERNAL_H
#define ENTROSCAPE_TRAIN_INTERNAL_H

#include "entroscape/train.h"

/* The issue 13 fields of p (orthograd, dropout, early stop, validation, [surge]) from cfg.
 * ES_ECONFIG naming file, key and value for combinations the trainer cannot use. */
es_status es_train_params_issue13(es_train_params *p, const es_config *cfg, es_err *err);

/* s->method: a one-line account of what is on beyond the optimizer ("" for nothing). */
void es_train_describe_method(es_sgd *s, const es_train_params *p, const nn_spec *spec,
                              const es_config *cfg);

/* fit = d with the last round(validation x n) training samples moved into val (views, no
 * copies); val.n = 0 without validation. ES_ECONFIG when a split would be empty. */
es_status es_train_split_validation(const es_train_params *p, const es_data *d, es_data *fit,
                                    es_split *val, es_err *err);

/* out->n_hidden and out->act_entropy (NaN) for spec's network, if not there yet. */
es_status es_train_dynamics_alloc(es_sgd *out, const nn_spec *spec, es_err *err);

/* view = d with its own copies of the labels (*ytr, *yte: (train.n), (test.n); the caller
 * frees them). ES_ENOMEM (err set). */
es_status es_shift_copy(const es_data *d, es_data *view, double **ytr, double **yte, es_err *err);

/* The shift: classes a and b swap labels in both splits of view (made by es_shift_copy). */
void es_shift_apply(es_data *view, long a, long b);

#endif
