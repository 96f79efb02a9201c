/* optim.c: the optimizers (SGD with momentum and L2, Adam with decoupled weight decay) and the
 * projection into the box. Update rules follow PyTorch's torch.optim.SGD and torch.optim.AdamW
 * (defaults dampening 0, nesterov off, amsgrad off), so runs can be compared with it. */
#include "entroscape/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

es_optim_params es_optim_defaults(es_optim_kind kind)
{
    return (es_optim_params){.kind = kind, .lr = 1e-3, .momentum = 0, .weight_decay = 0,
                             .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

es_optim *es_optim_alloc(const es_optim_params *p, size_t n, es_err *err)
{
    es_optim *o = es_calloc(1, sizeof *o, "optimizer", err);
    if (!o)
        return NULL;
    o->p = *p;
    o->n = n;
    o->m = es_calloc(n ? n : 1, sizeof *o->m, "optimizer moments", err);
    if (o->m && p->kind == ES_OPTIM_ADAM)
        o->v = es_calloc(n ? n : 1, sizeof *o->v, "optimizer second moments", err);
    if (!o->m || (p->kind == ES_OPTIM_ADAM && !o->v)) {
        es_optim_free(o);
        return NULL;
    }
    return o;
}

void es_optim_free(es_optim *o)
{
    if (!o)
        return;
    free(o->m);
    free(o->v);
    free(o);
}

void es_optim_reset(es_optim *o)
{
    o->t = 0;
    memset(o->m, 0, o->n * sizeof *o->m);
    if (o->v)
        memset(o->v, 0, o->n * sizeof *o->v);
}

/* SGD: d = g + wd w; buf = momentum buf + d (buf = d on the first step, which a zero buffer
 * gives too); w -= lr buf. Without momentum buf is just d. */
static void sgd_step(es_optim *o, double *w, const double *g)
{
    const double lr = o->p.lr, mu = o->p.momentum, wd = o->p.weight_decay;
    double *buf = o->m;
    if (mu == 0) {
        for (size_t i = 0; i < o->n; i++)
            w[i] -= lr * (g[i] + wd * w[i]);
        return;
    }
    for (size_t i = 0; i < o->n; i++) {
        buf[i] = mu * buf[i] + (g[i] + wd * w[i]);
        w[i] -= lr * buf[i];
    }
}

/* AdamW (Loshchilov and Hutter 2019), as torch.optim.AdamW: w *= 1 - lr wd;
 * m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 * w -= (lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps). */
static void adam_step(es_optim *o, double *w, const double *g)
{
    const double lr = o->p.lr, wd = o->p.weight_decay;
    const double b1 = o->p.beta1, b2 = o->p.beta2, eps = o->p.eps;
    const double bc1 = 1 - pow(b1, (double)o->t), bc2 = 1 - pow(b2, (double)o->t);
    const double step = lr / bc1, sqrt_bc2 = sqrt(bc2), decay = 1 - lr * wd;
    double *m = o->m, *v = o->v;
    for (size_t i = 0; i < o->n; i++) {
        if (wd != 0)
            w[i] *= decay;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        w[i] -= step * m[i] / (sqrt(v[i]) / sqrt_bc2 + eps);
    }
}

void es_optim_step(es_optim *o, double *w, const double *g)
{
    o->t++;
    if (o->p.kind == ES_OPTIM_ADAM)
        adam_step(o, w, g);
    else
        sgd_step(o, w, g);
}

void es_train_project(double *w, size_t n, double bound)
{
    if (!(bound > 0) || !isfinite(bound))
        return;
    for (size_t i = 0; i < n; i++) {
        if (w[i] > bound)
            w[i] = bound;
        else if (w[i] < -bound)
            w[i] = -bound;
    }
}
