/* dynamics.c: trainer helpers of issue 13 that need no run state: the validation tail of the
 * training split, and the entropy-dynamics arrays of a result. */
#include "train_internal.h"

#include <math.h>
#include <string.h>

/* fit = d with the last round(validation x n) training samples moved into val (views, no
 * copies); val.n = 0 without validation. ES_ECONFIG when a split would be empty. */
es_status es_train_split_validation(const es_train_params *p, const es_data *d, es_data *fit,
                                    es_split *val, es_err *err)
{
    *fit = *d;
    memset(val, 0, sizeof *val);
    if (!(p->validation > 0))
        return ES_OK;
    size_t n = d->train.n, nv = (size_t)floor(p->validation * (double)n + 0.5);
    size_t yw = d->classify ? 1 : d->n_out;
    if (nv == 0 || nv >= n)
        return es_err_set(err, ES_ECONFIG, "train.validation = %g of %zu training samples "
                          "leaves %s empty", p->validation, n, nv == 0 ? "the validation split"
                          : "nothing to train on");
    fit->train.n = n - nv;
    val->n = nv;
    val->x = d->train.x + (n - nv) * d->n_in;
    val->y = d->train.y + (n - nv) * yw;
    return ES_OK;
}

/* out->n_hidden and out->act_entropy (NaN) for spec's network, if not there yet. */
es_status es_train_dynamics_alloc(es_sgd *out, const nn_spec *spec, es_err *err)
{
    if (out->act_entropy)
        return ES_OK;
    nn_net *net = nn_net_alloc(spec, err);
    if (!net)
        return err->status;
    out->n_hidden = es_act_layers(net, NULL);
    nn_net_free(net);
    size_t m = (size_t)out->runs * (size_t)(out->epochs + 1) * (out->n_hidden ? out->n_hidden : 1);
    out->act_entropy = es_calloc(m, sizeof *out->act_entropy, "activation entropy", err);
    if (!out->act_entropy)
        return ES_ENOMEM;
    for (size_t i = 0; i < m; i++)
        out->act_entropy[i] = NAN;
    return ES_OK;
}
