/* arithmetic.c: modular addition, (a + b) mod p, on one-hot encoded operands. */
#include "data_internal.h"

#include <math.h>
#include <stdlib.h>

/* Sample i of split s is the pair with index pair = a * p + b. */
static void put_pair(es_split *s, size_t i, size_t pair, size_t p)
{
    size_t a = pair / p, b = pair % p;
    s->x[i * 2 * p + a] = 1.0;
    s->x[i * 2 * p + p + b] = 1.0;
    s->y[i] = (double)((a + b) % p);
}

es_status data_arithmetic(es_data *d, const es_config *cfg, es_err *err)
{
    size_t p = (size_t)cfg->task_p, pairs = p * p;
    d->classify = 1;
    d->n_in = 2 * p;
    d->n_out = p;
    size_t n_first = (size_t)floor(cfg->task_train_fraction * (double)pairs + 0.5);
    if (n_first == 0 || n_first >= pairs)
        return es_err_set(err, ES_ECONFIG, "task.train_fraction = %g of the %zu pairs (p = %zu) "
                          "leaves the %s split empty", cfg->task_train_fraction, pairs, p,
                          n_first == 0 ? "training" : "test");
    size_t ntr = n_first, nte = pairs - n_first;
    if (cfg->task_train_size && (size_t)cfg->task_train_size < ntr)
        ntr = (size_t)cfg->task_train_size;
    if (cfg->task_test_size && (size_t)cfg->task_test_size < nte)
        nte = (size_t)cfg->task_test_size;
    size_t *perm = data_permutation(cfg, pairs, ES_DATA_STREAM_SHUFFLE, err);
    if (!perm)
        return ES_ENOMEM;
    if (data_split_alloc(&d->train, ntr, d->n_in, 1, 1, err) != ES_OK ||
        data_split_alloc(&d->test, nte, d->n_in, 1, 1, err) != ES_OK) {
        free(perm);
        return ES_ENOMEM;
    }
    for (size_t i = 0; i < ntr; i++)
        put_pair(&d->train, i, perm[i], p);
    for (size_t i = 0; i < nte; i++)
        put_pair(&d->test, i, perm[n_first + i], p);
    free(perm);
    return ES_OK;
}
