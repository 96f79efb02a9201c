/* ising.c: the 2-D Ising model on an L x L periodic lattice with single-spin flips.
 * x = E = -sum over nearest-neighbour pairs of s_i s_j (integer, -2N..2N in steps of 4). */
#include "entroscape/models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct ising {
    long L, N;
    int8_t *s;          /* (N) spins, +1 or -1, site = row * L + col */
    uint32_t *nb;       /* (N, 4) neighbours: right, left, down, up */
    long E;             /* cached energy */
    long site, dE;      /* proposed flip and its energy change */
} ising;

static long is_energy(const ising *m)
{
    long e = 0;
    for (long i = 0; i < m->N; i++) /* each bond once: right and down */
        e -= m->s[i] * (m->s[m->nb[4 * i]] + m->s[m->nb[4 * i + 2]]);
    return e;
}

static size_t is_n_dof(const void *ctx) { return (size_t)((const ising *)ctx)->N; }

static void is_observe(const void *ctx, double *x, double *y)
{
    (void)y;
    *x = (double)((const ising *)ctx)->E;
}

static es_status is_propose(void *ctx, gsl_rng *rng)
{
    ising *m = ctx;
    long i = (long)(gsl_rng_uniform(rng) * (double)m->N);
    const uint32_t *nb = m->nb + 4 * i;
    m->site = i;
    m->dE = 2L * m->s[i] * (m->s[nb[0]] + m->s[nb[1]] + m->s[nb[2]] + m->s[nb[3]]);
    return ES_OK;
}

static void is_observe_proposed(void *ctx, double *x, double *y)
{
    (void)y;
    const ising *m = ctx;
    *x = (double)(m->E + m->dE);
}

static void is_accept(void *ctx)
{
    ising *m = ctx;
    m->s[m->site] = (int8_t)-m->s[m->site];
    m->E += m->dE;
}

static void is_reject(void *ctx) { (void)ctx; }

static double is_recompute(void *ctx)
{
    ising *m = ctx;
    long e = is_energy(m);
    double drift = e == m->E ? 0.0 : fabs((double)(e - m->E)) / fmax(1.0, fabs((double)e));
    m->E = e;
    return drift;
}

static void is_randomize(void *ctx, gsl_rng *rng)
{
    ising *m = ctx;
    for (long i = 0; i < m->N; i++)
        m->s[i] = gsl_rng_uniform(rng) < 0.5 ? 1 : -1;
    is_recompute(m);
}

static double is_ln_volume(const void *ctx) { return (double)((const ising *)ctx)->N * log(2.0); }

static size_t is_state_size(const void *ctx) { return (size_t)((const ising *)ctx)->N; }

static void is_save_state(const void *ctx, void *buf)
{
    const ising *m = ctx;
    memcpy(buf, m->s, (size_t)m->N);
}

static es_status is_load_state(void *ctx, const void *buf, es_err *err)
{
    ising *m = ctx;
    const int8_t *s = buf;
    for (long i = 0; i < m->N; i++)
        if (s[i] != 1 && s[i] != -1)
            return es_err_set(err, ES_EDATA, "ising state: spin %ld = %d is not +1 or -1", i, s[i]);
    memcpy(m->s, s, (size_t)m->N);
    is_recompute(m);
    return ES_OK;
}

static void is_free(void *ctx)
{
    ising *m = ctx;
    if (m) {
        free(m->s);
        free(m->nb);
        free(m);
    }
}

static ising *is_alloc(long L, es_err *err)
{
    ising *m = es_calloc(1, sizeof *m, "ising model", err);
    if (!m)
        return NULL;
    m->L = L;
    m->N = L * L;
    m->s = es_calloc((size_t)m->N, 1, "ising spins", err);
    m->nb = es_calloc((size_t)m->N * 4, sizeof(uint32_t), "ising neighbours", err);
    if (!m->s || !m->nb) {
        is_free(m);
        return NULL;
    }
    return m;
}

static void *is_clone(const void *ctx, es_err *err)
{
    const ising *src = ctx;
    ising *m = is_alloc(src->L, err);
    if (!m)
        return NULL;
    memcpy(m->s, src->s, (size_t)src->N);
    memcpy(m->nb, src->nb, (size_t)src->N * 4 * sizeof(uint32_t));
    m->E = src->E;
    return m;
}

static const es_model_ops ising_ops = {
    .name = "ising",
    .n_dof = is_n_dof,
    .observe = is_observe,
    .propose = is_propose,
    .accept = is_accept,
    .reject = is_reject,
    .recompute = is_recompute,
    .randomize = is_randomize,
    .ln_volume = is_ln_volume,
    .state_size = is_state_size,
    .save_state = is_save_state,
    .load_state = is_load_state,
    .clone = is_clone,
    .free = is_free,
    .observe_proposed = is_observe_proposed,
};

es_model *es_ising_create(long L, es_err *err)
{
    if (L < 2 || L > 65535) {
        es_err_set(err, ES_ECONFIG, "ising: L = %ld out of range; allowed: 2..65535", L);
        return NULL;
    }
    es_model *model = es_calloc(1, sizeof *model, "model", err);
    ising *m = model ? is_alloc(L, err) : NULL;
    if (!m) {
        free(model);
        return NULL;
    }
    for (long r = 0; r < L; r++)
        for (long c = 0; c < L; c++) {
            uint32_t *nb = m->nb + 4 * (r * L + c);
            nb[0] = (uint32_t)(r * L + (c + 1) % L);
            nb[1] = (uint32_t)(r * L + (c + L - 1) % L);
            nb[2] = (uint32_t)(((r + 1) % L) * L + c);
            nb[3] = (uint32_t)(((r + L - 1) % L) * L + c);
        }
    for (long i = 0; i < m->N; i++)
        m->s[i] = 1;
    m->E = is_energy(m);
    model->ops = &ising_ops;
    model->ctx = m;
    model->dims = 1;
    snprintf(model->x_variable, sizeof model->x_variable, "energy");
    snprintf(model->y_variable, sizeof model->y_variable, "none");
    return model;
}
