/* particles.c: non-interacting particles in a box, the exactly solvable model of the
 * entropy picture. x = mean phi(w) over the first `split` parameters, y over the rest. */
#include "entroscape/models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct particles {
    long n, split;          /* split = n in 1-D (all parameters in x) */
    es_potential pot;
    double bound, step;
    double *w;              /* (n) parameters in [-bound, bound] */
    double sum_x, sum_y;    /* cached sums of phi over [0, split) and [split, n) */
    /* proposed move */
    long i;                 /* parameter moved */
    double w_new, dphi;     /* its new value and phi(w_new) - phi(w_i) */
} particles;

static inline double phi(es_potential pot, double w)
{
    return pot == ES_POT_SQUARE ? w * w : fabs(w);
}

static size_t pt_n_dof(const void *ctx) { return (size_t)((const particles *)ctx)->n; }

static void pt_observe(const void *ctx, double *x, double *y)
{
    const particles *p = ctx;
    *x = p->sum_x / (double)p->split;
    if (p->split < p->n)
        *y = p->sum_y / (double)(p->n - p->split);
}

static es_status pt_propose(void *ctx, gsl_rng *rng)
{
    particles *p = ctx;
    p->i = (long)(gsl_rng_uniform(rng) * (double)p->n);
    p->w_new = p->w[p->i] + p->step * (2.0 * gsl_rng_uniform(rng) - 1.0);
    if (fabs(p->w_new) > p->bound)
        return ES_EDOM;
    p->dphi = phi(p->pot, p->w_new) - phi(p->pot, p->w[p->i]);
    return ES_OK;
}

static void pt_observe_proposed(void *ctx, double *x, double *y)
{
    const particles *p = ctx;
    if (p->i < p->split) {
        *x = (p->sum_x + p->dphi) / (double)p->split;
        if (p->split < p->n)
            *y = p->sum_y / (double)(p->n - p->split);
    } else {
        *x = p->sum_x / (double)p->split;
        *y = (p->sum_y + p->dphi) / (double)(p->n - p->split);
    }
}

static void pt_accept(void *ctx)
{
    particles *p = ctx;
    p->w[p->i] = p->w_new;
    if (p->i < p->split)
        p->sum_x += p->dphi;
    else
        p->sum_y += p->dphi;
}

static void pt_reject(void *ctx) { (void)ctx; }

static double rel_diff(double a, double b)
{
    double s = fmax(fabs(a), fabs(b));
    return s > 0 ? fabs(a - b) / s : 0.0;
}

static double pt_recompute(void *ctx)
{
    particles *p = ctx;
    double sx = 0, sy = 0;
    for (long k = 0; k < p->split; k++)
        sx += phi(p->pot, p->w[k]);
    for (long k = p->split; k < p->n; k++)
        sy += phi(p->pot, p->w[k]);
    double drift = fmax(rel_diff(sx, p->sum_x), rel_diff(sy, p->sum_y));
    p->sum_x = sx;
    p->sum_y = sy;
    return drift;
}

static void pt_randomize(void *ctx, gsl_rng *rng)
{
    particles *p = ctx;
    for (long k = 0; k < p->n; k++)
        p->w[k] = p->bound * (2.0 * gsl_rng_uniform(rng) - 1.0);
    pt_recompute(p);
}

static double pt_ln_volume(const void *ctx)
{
    const particles *p = ctx;
    return (double)p->n * log(2.0 * p->bound);
}

static size_t pt_state_size(const void *ctx) { return (size_t)((const particles *)ctx)->n * sizeof(double); }

static void pt_save_state(const void *ctx, void *buf)
{
    const particles *p = ctx;
    memcpy(buf, p->w, (size_t)p->n * sizeof(double));
}

static es_status pt_load_state(void *ctx, const void *buf, es_err *err)
{
    particles *p = ctx;
    const double *w = buf;
    for (long k = 0; k < p->n; k++)
        if (!(fabs(w[k]) <= p->bound))
            return es_err_set(err, ES_EDATA, "particles state: parameter %ld = %g outside [-%g, %g]",
                              k, w[k], p->bound, p->bound);
    memcpy(p->w, w, (size_t)p->n * sizeof(double));
    pt_recompute(p);
    return ES_OK;
}

static void pt_free(void *ctx)
{
    particles *p = ctx;
    if (p) {
        free(p->w);
        free(p);
    }
}

static void *pt_clone(const void *ctx, es_err *err)
{
    const particles *p = ctx;
    particles *c = es_calloc(1, sizeof *c, "particles model", err);
    if (!c)
        return NULL;
    *c = *p;
    c->w = es_calloc((size_t)p->n, sizeof(double), "particles parameters", err);
    if (!c->w) {
        free(c);
        return NULL;
    }
    memcpy(c->w, p->w, (size_t)p->n * sizeof(double));
    return c;
}

/* Wang-Landau dynamics: the parameters and the gradients of x and y. */
static double *pt_params(void *ctx, double *bound)
{
    particles *p = ctx;
    *bound = p->bound;
    return p->w;
}

static void pt_gradient(void *ctx, double *x, double *y, double *gx, double *gy)
{
    particles *p = ctx;
    pt_recompute(p);
    pt_observe(p, x, y);
    if (!gx)
        return;
    double cx = 1.0 / (double)p->split, cy = p->split < p->n ? 1.0 / (double)(p->n - p->split) : 0;
    for (long k = 0; k < p->n; k++) {
        /* phi' = 2w or sign(w) (0 at w = 0) */
        double d = p->pot == ES_POT_SQUARE ? 2.0 * p->w[k] : (p->w[k] > 0) - (p->w[k] < 0);
        gx[k] = k < p->split ? cx * d : 0.0;
        if (gy && p->split < p->n)
            gy[k] = k < p->split ? 0.0 : cy * d;
    }
}

static const es_model_ops particles_ops = {
    .name = "particles",
    .n_dof = pt_n_dof,
    .observe = pt_observe,
    .propose = pt_propose,
    .accept = pt_accept,
    .reject = pt_reject,
    .recompute = pt_recompute,
    .randomize = pt_randomize,
    .ln_volume = pt_ln_volume,
    .state_size = pt_state_size,
    .save_state = pt_save_state,
    .load_state = pt_load_state,
    .clone = pt_clone,
    .free = pt_free,
    .observe_proposed = pt_observe_proposed,
    .params = pt_params,
    .gradient = pt_gradient,
};

es_model *es_particles_create(long n, long split, es_potential pot, double bound, double step,
                              es_err *err)
{
    if (n < 1 || split < 0 || split >= n + (split == 0) || !(bound > 0) || !(step > 0)) {
        es_err_set(err, ES_ECONFIG,
                   "particles: need n >= 1, 0 <= split < n, bound > 0, step > 0 (n = %ld, split = %ld, "
                   "bound = %g, step = %g)", n, split, bound, step);
        return NULL;
    }
    es_model *m = es_calloc(1, sizeof *m, "model", err);
    particles *p = es_calloc(1, sizeof *p, "particles model", err);
    double *w = es_calloc((size_t)n, sizeof(double), "particles parameters", err);
    if (!m || !p || !w) {
        free(m), free(p), free(w);
        return NULL;
    }
    p->n = n;
    p->split = split > 0 ? split : n;
    p->pot = pot;
    p->bound = bound;
    p->step = step;
    p->w = w;
    m->ops = &particles_ops;
    m->ctx = p;
    m->dims = split > 0 ? 2 : 1;
    m->continuous = split > 0 ? ES_AXIS_X | ES_AXIS_Y : ES_AXIS_X;
    const char *name = pot == ES_POT_SQUARE ? "mean_square" : "mean_abs";
    snprintf(m->x_variable, sizeof m->x_variable, "%s%s", name, split > 0 ? "_x" : "");
    snprintf(m->y_variable, sizeof m->y_variable, "%s", split > 0 ? "mean_y" : "none");
    if (split > 0)
        snprintf(m->y_variable, sizeof m->y_variable, "%s_y", name);
    return m;
}
