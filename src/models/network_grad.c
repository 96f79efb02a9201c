/* network_grad.c: Wang-Landau dynamics for networks (sampler.method = wlmd): x and y and
 * their gradients with respect to every parameter, by a forward and a backward pass over
 * each split. x is the (log) training loss; y the (log) test loss or, for test accuracy, the
 * smoothed accuracy the authors used so that y is differentiable. */
#include "network.h"

#include <math.h>
#include <string.h>

double net_smooth_acc(double *dlogits, const double *logits, const double *t, size_t B,
                      size_t n_out, double k)
{
    double sum = 0;
    for (size_t b = 0; b < B; b++) {
        const double *z = logits + b * n_out;
        size_t c = (size_t)t[b], j_best = c == 0 ? 1 : 0;
        for (size_t j = 0; j < n_out; j++)
            if (j != c && z[j] > z[j_best])
                j_best = j;
        double margin = z[c] - z[j_best];
        /* sigmoid without overflow for large |k margin| */
        double e = exp(-fabs(k * margin)), s = k * margin >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
        sum += s;
        if (dlogits) {
            double *d = dlogits + b * n_out, ds = k * s * (1.0 - s) / (double)B;
            memset(d, 0, n_out * sizeof *d);
            d[c] = ds;
            d[j_best] = -ds;
        }
    }
    return B ? sum / (double)B : NAN;
}

/* The metric k of one split and, when grad is not NULL, its gradient (overwritten). */
static double split_eval(net *m, int split, net_metric k, double *grad)
{
    const net_shared *sh = m->sh;
    const size_t n = sh->n_split[split], off = split ? sh->n_split[NET_TRAIN] : 0;
    const size_t tw = sh->classify ? 1 : sh->n_out;
    const double *X = sh->Xs + off * sh->n_in, *T = sh->T + off * tw;
    nn_acts *a = m->facts;
    nn_forward(m->net, a, X, n);
    double *dl = grad ? a->dbuf0 : NULL, v, scale = 1.0;
    if (k == NET_M_SACC) {
        v = net_smooth_acc(dl, nn_logits(m->net, a), T, n, sh->n_out, sh->smooth_k);
    } else {
        v = nn_loss(m->net, a, T, n, NULL, dl);
        if (k == NET_M_LN_LOSS) {
            scale = 1.0 / v;  /* d ln L = dL / L */
            v = log(v);
        }
    }
    if (grad) {
        if (scale != 1.0)
            for (size_t i = 0; i < n * sh->n_out; i++)
                dl[i] *= scale;
        memset(grad, 0, sh->n_params * sizeof *grad);
        nn_backward(m->net, a, X, dl, grad, n);
    }
    return v;
}

void net_md_eval(net *m, double *x, double *y, double *gx, double *gy)
{
    const net_shared *sh = m->sh;
    m->md_x = split_eval(m, NET_TRAIN, sh->mx, gx);
    if (sh->my != NET_M_NONE)
        m->md_y = split_eval(m, NET_TEST, sh->my, gy);
    if (x)
        *x = m->md_x;
    if (y && sh->my != NET_M_NONE)
        *y = m->md_y;
}
