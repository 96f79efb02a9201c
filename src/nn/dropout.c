/* dropout.c: inverted dropout on the outputs of hidden activation layers while training.
 * The masks live in nn_acts (drop, dropped); nn_forward and nn_backward apply them only while
 * acts->dropout_on is set, so evaluation never sees them. */
#include "entroscape/nn.h"

#include <stdlib.h>

static int nn_is_act(nn_kind k)
{
    return k == NN_RELU || k == NN_TANH || k == NN_SILU;
}

es_status nn_acts_dropout_alloc(const nn_net *net, nn_acts *acts, es_err *err)
{
    if (acts->drop)
        return ES_OK;
    acts->drop = es_calloc(net->n_layers, sizeof *acts->drop, "dropout masks", err);
    acts->dropped = es_calloc(net->n_layers, sizeof *acts->dropped, "dropout outputs", err);
    if (!acts->drop || !acts->dropped)
        return ES_ENOMEM;
    for (size_t i = 0; i < net->n_layers; i++) {
        if (!nn_is_act(net->layers[i].kind))
            continue;
        size_t n = acts->B * net->layers[i].out_size;
        acts->drop[i] = es_calloc(n, sizeof **acts->drop, "dropout mask", err);
        acts->dropped[i] = es_calloc(n, sizeof **acts->dropped, "dropout output", err);
        if (!acts->drop[i] || !acts->dropped[i])
            return ES_ENOMEM;
    }
    return ES_OK;
}

void nn_acts_dropout_free(nn_acts *acts)
{
    for (size_t i = 0; acts->drop && i < acts->n_layers; i++) {
        free(acts->drop[i]);
        free(acts->dropped[i]);
    }
    free(acts->drop);
    free(acts->dropped);
    acts->drop = acts->dropped = NULL;
}

void nn_dropout_draw(const nn_net *net, nn_acts *acts, size_t B, double p, gsl_rng *rng)
{
    double keep = 1.0 / (1.0 - p);
    for (size_t i = 0; acts->drop && i < net->n_layers; i++) {
        if (!acts->drop[i])
            continue;
        double *m = acts->drop[i];   /* (B, out_size) */
        size_t n = B * net->layers[i].out_size;
        for (size_t k = 0; k < n; k++)
            m[k] = gsl_rng_uniform(rng) < p ? 0.0 : keep;
    }
}

const double *nn_dropout_forward(nn_acts *acts, size_t i, const double *out, size_t n)
{
    if (!acts->dropout_on || !acts->drop || !acts->drop[i])
        return out;
    const double *m = acts->drop[i];   /* (n) */
    double *d = acts->dropped[i];      /* (n) */
    for (size_t k = 0; k < n; k++)
        d[k] = out[k] * m[k];
    return d;
}

const double *nn_acts_input_of(const nn_acts *acts, size_t i, const double *x)
{
    if (i == 0)
        return x;
    if (acts->dropout_on && acts->drop && acts->drop[i - 1])
        return acts->dropped[i - 1];
    return acts->out[i - 1];
}
