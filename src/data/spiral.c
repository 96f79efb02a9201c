/* spiral.c: the generated 2-D tasks: two-spiral classification and spiral regression. */
#include "data_internal.h"
#include "entroscape/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>

#define SPIRAL_PI 3.14159265358979323846
#define SPIRAL_R_MIN 1.0
#define SPIRAL_R_MAX 5.0
#define SPIRAL_TURN 2.0   /* d(angle)/dr */
#define SPIRAL_DEFAULT_N 40
#define SPIRAL_REG_DEFAULT_N 50
#define SPIRAL_REG_HALF 5.0

/* Fill one split with n points, class-major (class 0 first), as the paper's spiralDataSet:
 * radius r, angle 2r + pi*c, point (r cos, r sin) + N(0, noise^2) per coordinate. Training
 * radii are U(1, 5); test radii evenly spaced, r_j = 1 + 4 j / m for j = 0..m-1 (m points
 * in the class: the paper's uniformR, which stops one step short of 5). */
static es_status spiral_fill(es_split *s, size_t n, int evenly, double noise, const es_config *cfg,
                             uint64_t stream, es_err *err)
{
    if (data_split_alloc(s, n, 2, 1, 0, err) != ES_OK)
        return ES_ENOMEM;
    gsl_rng *r = es_rng_alloc((uint64_t)cfg->task_seed, stream, err);
    if (!r)
        return ES_ENOMEM;
    size_t m[2] = {(n + 1) / 2, n / 2}, i = 0;
    for (int c = 0; c < 2; c++)
        for (size_t j = 0; j < m[c]; j++, i++) {
            double rad = evenly ? SPIRAL_R_MIN + (SPIRAL_R_MAX - SPIRAL_R_MIN) * (double)j / (double)m[c]
                                : gsl_ran_flat(r, SPIRAL_R_MIN, SPIRAL_R_MAX);
            double a = SPIRAL_TURN * rad + SPIRAL_PI * c;
            double ex = noise > 0 ? gsl_ran_gaussian(r, noise) : 0.0;
            double ey = noise > 0 ? gsl_ran_gaussian(r, noise) : 0.0;
            s->x[2 * i] = rad * cos(a) + ex;
            s->x[2 * i + 1] = rad * sin(a) + ey;
            s->y[i] = c;
        }
    gsl_rng_free(r);
    return ES_OK;
}

es_status data_spiral(es_data *d, const es_config *cfg, es_err *err)
{
    d->classify = 1;
    d->n_in = 2;
    d->n_out = 2;
    size_t ntr = cfg->task_train_size ? (size_t)cfg->task_train_size : SPIRAL_DEFAULT_N;
    size_t nte = cfg->task_test_size ? (size_t)cfg->task_test_size : SPIRAL_DEFAULT_N;
    if (spiral_fill(&d->train, ntr, 0, cfg->task_noise, cfg, ES_DATA_STREAM_TRAIN, err) != ES_OK ||
        spiral_fill(&d->test, nte, 1, cfg->task_noise, cfg, ES_DATA_STREAM_TEST, err) != ES_OK)
        return err->status;
    return ES_OK;
}

/* sin(2 pi frac((theta - 2r) / (2 pi))), frac(z) = z - floor(z), for the point (x, y). */
double es_data_spiral_target(double x, double y)
{
    double r = hypot(x, y), theta = atan2(y, x);
    double z = (theta - SPIRAL_TURN * r) / (2.0 * SPIRAL_PI);
    return sin(2.0 * SPIRAL_PI * (z - floor(z)));
}

static es_status spiral_regression_fill(es_split *s, size_t n, const es_config *cfg,
                                        uint64_t stream, es_err *err)
{
    if (data_split_alloc(s, n, 2, 1, 0, err) != ES_OK)
        return ES_ENOMEM;
    gsl_rng *r = es_rng_alloc((uint64_t)cfg->task_seed, stream, err);
    if (!r)
        return ES_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        double x = gsl_ran_flat(r, -SPIRAL_REG_HALF, SPIRAL_REG_HALF);
        double y = gsl_ran_flat(r, -SPIRAL_REG_HALF, SPIRAL_REG_HALF);
        s->x[2 * i] = x;
        s->x[2 * i + 1] = y;
        s->y[i] = es_data_spiral_target(x, y);
    }
    gsl_rng_free(r);
    return ES_OK;
}

es_status data_spiral_regression(es_data *d, const es_config *cfg, es_err *err)
{
    d->classify = 0;
    d->n_in = 2;
    d->n_out = 1;
    size_t ntr = cfg->task_train_size ? (size_t)cfg->task_train_size : SPIRAL_REG_DEFAULT_N;
    size_t nte = cfg->task_test_size ? (size_t)cfg->task_test_size : SPIRAL_REG_DEFAULT_N;
    if (spiral_regression_fill(&d->train, ntr, cfg, ES_DATA_STREAM_TRAIN, err) != ES_OK ||
        spiral_regression_fill(&d->test, nte, cfg, ES_DATA_STREAM_TEST, err) != ES_OK)
        return err->status;
    return ES_OK;
}
