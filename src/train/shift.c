/* shift.c: a distribution shift in the middle of a training (issue 13, use case "adaptive
 * learning"): from epoch task.shift_epoch on, classes shift_a and shift_b swap labels in the
 * training and the test split. Each run works on its own copy of the labels. */
#include "train_internal.h"

#include <stdlib.h>
#include <string.h>

es_status es_shift_copy(const es_data *d, es_data *view, double **ytr, double **yte, es_err *err)
{
    *view = *d;
    *ytr = es_calloc(d->train.n ? d->train.n : 1, sizeof **ytr, "shifted training labels", err);
    *yte = es_calloc(d->test.n ? d->test.n : 1, sizeof **yte, "shifted test labels", err);
    if (!*ytr || !*yte)
        return ES_ENOMEM;
    memcpy(*ytr, d->train.y, d->train.n * sizeof **ytr);
    memcpy(*yte, d->test.y, d->test.n * sizeof **yte);
    view->train.y = *ytr;
    view->test.y = *yte;
    return ES_OK;
}

/* Swap labels a and b in y (n). */
static void swap_labels(double *y, size_t n, double a, double b)
{
    for (size_t i = 0; i < n; i++)
        y[i] = y[i] == a ? b : y[i] == b ? a : y[i];
}

void es_shift_apply(es_data *view, long a, long b)
{
    swap_labels((double *)view->train.y, view->train.n, (double)a, (double)b);
    swap_labels((double *)view->test.y, view->test.n, (double)a, (double)b);
}
