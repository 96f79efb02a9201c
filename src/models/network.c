/* network.c: a neural network as a model for the Wang-Landau engine: its parameters are the
 * particles in the box [-bound, bound], x is a training metric and y a test metric
 * (sampler.x, sampler.y). A move displaces one parameter, chosen uniformly, by
 * U(-step, step) with one step per layer (tuned during burn-in, then frozen). Moves are
 * evaluated incrementally (sampler.move = single, network_cache.c) or by a full forward pass
 * (sampler.move = full, the reference). */
#include "network.h"
#include "entroscape/rng.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- metrics */

static double metric_value(const net *m, net_metric k, int split)
{
    const net_shared *sh = m->sh;
    double n = (double)sh->n_split[split];
    const double *ls = m->loss_sum;
    const long *cs = m->correct;
    switch (k) {
    case NET_M_LOSS: return ls[split] / n;
    case NET_M_LN_LOSS: return log(ls[split] / n);
    case NET_M_ACC: return (double)cs[split] / n;
    case NET_M_CORRECT: return (double)cs[split];
    default: return NAN;
    }
}

static double metric_proposed(const net *m, net_metric k, int split)
{
    const net_shared *sh = m->sh;
    double n = (double)sh->n_split[split];
    switch (k) {
    case NET_M_LOSS: return m->p_loss_sum[split] / n;
    case NET_M_LN_LOSS: return log(m->p_loss_sum[split] / n);
    case NET_M_ACC: return (double)m->p_correct[split] / n;
    case NET_M_CORRECT: return (double)m->p_correct[split];
    default: return NAN;
    }
}

static double rel_diff(double a, double b)
{
    double s = fmax(fabs(a), fabs(b));
    return s > 0 ? fabs(a - b) / s : (a == b || (isnan(a) && isnan(b)) ? 0.0 : INFINITY);
}

/* Largest relative difference between tracked sums (loss: relative; accuracy: fraction). */
static double sums_drift(const net *m, const double ls[2], const long cs[2])
{
    const net_shared *sh = m->sh;
    double d = 0;
    for (int s = 0; s < 2; s++) {
        if (sh->need_loss[s])
            d = fmax(d, rel_diff(ls[s], m->loss_sum[s]));
        if (sh->need_acc[s])
            d = fmax(d, fabs((double)(cs[s] - m->correct[s])) / (double)sh->n_split[s]);
    }
    return d;
}

/* ---------------------------------------------------------------- ops */

static size_t nw_n_dof(const void *ctx) { return ((const net *)ctx)->sh->n_params; }

static void nw_observe(const void *ctx, double *x, double *y)
{
    const net *m = ctx;
    if (m->sh->md) {
        *x = m->md_x;
        if (m->sh->my != NET_M_NONE)
            *y = m->md_y;
        return;
    }
    *x = metric_value(m, m->sh->mx, NET_TRAIN);
    if (m->sh->my != NET_M_NONE)
        *y = metric_value(m, m->sh->my, NET_TEST);
}

/* The parameter layer holding parameter idx. */
static int player_of(const net_shared *sh, size_t idx)
{
    int p = 0;
    while (p + 1 < (int)sh->n_players && idx >= sh->players[p + 1].off)
        p++;
    return p;
}

static es_status nw_propose(void *ctx, gsl_rng *rng)
{
    net *m = ctx;
    const net_shared *sh = m->sh;
    size_t idx = (size_t)(gsl_rng_uniform(rng) * (double)sh->n_params);
    if (idx >= sh->n_params)
        idx = sh->n_params - 1;
    int p = player_of(sh, idx);
    double w = m->net->params[idx];
    double wn = w + m->step[p] * (2.0 * gsl_rng_uniform(rng) - 1.0);
    m->p_player = p;
    m->observed = 0;
    m->mv = NET_MV_NONE;
    if (!(fabs(wn) <= sh->bound))
        return ES_EDOM;
    m->p_idx = idx;
    m->p_old = w;
    m->p_new = wn;
    const net_player *P = &sh->players[p];
    const nn_layer *l = &m->net->layers[P->layer];
    m->p_dense = P->dense;
    m->p_layer = P->layer;
    if (P->kind == NN_DENSE) {
        m->p_bias = idx >= l->b_offset;
        if (m->p_bias) {
            m->p_j = idx - l->b_offset;
            m->p_i = 0;
        } else {
            m->p_j = (idx - l->w_offset) / l->in_size;
            m->p_i = (idx - l->w_offset) % l->in_size;
        }
    } else if (P->kind == NN_EMBED) {
        m->p_bias = 0;
        m->p_j = (idx - l->w_offset) / l->dim;  /* token */
        m->p_i = (idx - l->w_offset) % l->dim;  /* column */
    }
    return ES_OK;
}

static void nw_observe_proposed(void *ctx, double *x, double *y)
{
    net *m = ctx;
    const net_shared *sh = m->sh;
    if (!m->observed) {
        if (sh->mode_full) {
            m->net->params[m->p_idx] = m->p_new;
            net_eval_full(m, m->p_loss_sum, m->p_correct);
            m->net->params[m->p_idx] = m->p_old;
        } else {
            net_eval_move(m);
        }
        m->observed = 1;
    }
    *x = metric_proposed(m, sh->mx, NET_TRAIN);
    if (sh->my != NET_M_NONE)
        *y = metric_proposed(m, sh->my, NET_TEST);
}

/* Transposed copies of the dense weights, from the parameters. */
static void rebuild_wt(net *m)
{
    const net_shared *sh = m->sh;
    for (size_t d = 0; d < sh->n_dense; d++) {
        const net_dense *L = &sh->dense[d];
        const double *W = m->net->params + L->w_off;
        double *WT = m->WT + L->wt_off;
        for (size_t o = 0; o < L->out; o++)
            for (size_t i = 0; i < L->in; i++)
                WT[i * L->out + o] = W[o * L->in + i];
    }
}

/* Full recompute of the caches; returns the drift of the tracked sums. */
static double full_refresh(net *m)
{
    double ls[2] = {m->loss_sum[0], m->loss_sum[1]};
    long cs[2] = {m->correct[0], m->correct[1]};
    if (m->sh->md) {  /* no incremental caches: x and y by full passes */
        net_md_eval(m, NULL, NULL, NULL, NULL);
        return 0.0;
    }
    if (m->sh->mode_full) {
        net_eval_full(m, m->loss_sum, m->correct);
    } else {
        rebuild_wt(m);
        net_forward_all(m);
    }
    m->since_refresh = 0;
    return sums_drift(m, ls, cs);
}

static void nw_accept(void *ctx)
{
    net *m = ctx;
    const net_shared *sh = m->sh;
    if (m->mv == NET_MV_NONE && !m->observed) {  /* accepted without a look: evaluate now */
        double x, y;
        nw_observe_proposed(m, &x, &y);
    }
    m->net->params[m->p_idx] = m->p_new;
    if (sh->mode_full) {
        for (int s = 0; s < 2; s++) {
            m->loss_sum[s] = m->p_loss_sum[s];
            m->correct[s] = m->p_correct[s];
        }
    } else {
        const net_player *P = &sh->players[m->p_player];
        if (P->kind == NN_DENSE && !m->p_bias) {
            const net_dense *L = &sh->dense[P->dense];
            m->WT[L->wt_off + m->p_i * L->out + m->p_j] = m->p_new;
        }
        net_commit_move(m);
    }
    m->tried[m->p_player]++;
    m->accepted[m->p_player]++;
    m->mv = NET_MV_NONE;
    m->observed = 0;
    if (++m->since_refresh >= (uint64_t)sh->refresh) {
        double d = full_refresh(m);
        if (d > m->max_drift)
            m->max_drift = d;
    }
}

static void nw_reject(void *ctx)
{
    net *m = ctx;
    m->tried[m->p_player]++;
    m->mv = NET_MV_NONE;
    m->observed = 0;
}

static double nw_recompute(void *ctx)
{
    net *m = ctx;
    double d = fmax(full_refresh(m), m->max_drift);
    m->max_drift = 0;
    return d;
}

static void nw_randomize(void *ctx, gsl_rng *rng)
{
    net *m = ctx;
    const net_shared *sh = m->sh;
    double *w = m->net->params;
    if (sh->sgd_params) {
        long run = sh->sgd_runs > 1 ? (long)(gsl_rng_uniform(rng) * (double)sh->sgd_runs) : 0;
        if (run >= sh->sgd_runs)
            run = sh->sgd_runs - 1;
        memcpy(w, sh->sgd_params + (size_t)run * sh->n_params, sh->n_params * sizeof *w);
    } else {
        for (size_t k = 0; k < sh->n_params; k++)
            w[k] = sh->bound * (2.0 * gsl_rng_uniform(rng) - 1.0);
    }
    full_refresh(m);
    m->max_drift = 0;
}

static double nw_ln_volume(const void *ctx)
{
    const net_shared *sh = ((const net *)ctx)->sh;
    return (double)sh->n_params * log(2.0 * sh->bound);
}

/* State: parameters (n_params doubles), steps (n_players doubles), accepted moves since the
 * last refresh (one uint64). */
static size_t nw_state_size(const void *ctx)
{
    const net_shared *sh = ((const net *)ctx)->sh;
    return (sh->n_params + sh->n_players) * sizeof(double) + sizeof(uint64_t);
}

static void nw_save_state(const void *ctx, void *buf)
{
    const net *m = ctx;
    const net_shared *sh = m->sh;
    unsigned char *b = buf;
    memcpy(b, m->net->params, sh->n_params * sizeof(double));
    b += sh->n_params * sizeof(double);
    memcpy(b, m->step, sh->n_players * sizeof(double));
    b += sh->n_players * sizeof(double);
    memcpy(b, &m->since_refresh, sizeof m->since_refresh);
}

static es_status nw_load_state(void *ctx, const void *buf, es_err *err)
{
    net *m = ctx;
    const net_shared *sh = m->sh;
    const unsigned char *b = buf;
    double v;
    for (size_t k = 0; k < sh->n_params; k++) {
        memcpy(&v, b + k * sizeof v, sizeof v);
        if (!(fabs(v) <= sh->bound))
            return es_err_set(err, ES_EDATA, "network state: parameter %zu = %g outside [-%g, %g]",
                              k, v, sh->bound, sh->bound);
    }
    for (size_t p = 0; p < sh->n_players; p++) {
        memcpy(&v, b + (sh->n_params + p) * sizeof v, sizeof v);
        if (!(v > 0) || !isfinite(v))
            return es_err_set(err, ES_EDATA, "network state: step %zu = %g is not positive", p, v);
    }
    memcpy(m->net->params, b, sh->n_params * sizeof(double));
    b += sh->n_params * sizeof(double);
    memcpy(m->step, b, sh->n_players * sizeof(double));
    b += sh->n_players * sizeof(double);
    uint64_t since;
    memcpy(&since, b, sizeof since);
    full_refresh(m);
    m->since_refresh = since;
    m->max_drift = 0;
    m->mv = NET_MV_NONE;
    m->observed = 0;
    return ES_OK;
}

static void shared_release(net_shared *sh);

static void nw_free(void *ctx)
{
    net *m = ctx;
    if (!m)
        return;
    nn_net_free(m->net);
    nn_acts_free(m->facts);
    free(m->arena);
    if (m->sh)
        shared_release(m->sh);
    free(m);
}

/* An instance of sh around net (taken over): arena laid out, full-mode activations. */
static net *instance_alloc(net_shared *sh, nn_net *nnet, es_err *err)
{
    net *m = es_calloc(1, sizeof *m, "network model", err);
    if (!m) {
        nn_net_free(nnet);
        return NULL;
    }
    m->net = nnet;
    m->sh = sh;
    m->arena_bytes = net_layout(m, NULL);
    m->arena = es_calloc(1, m->arena_bytes, "network caches", err);
    int facts = sh->mode_full || sh->md;
    if (facts)
        m->facts = nn_acts_alloc(nnet, sh->N, err);
    if (!m->arena || (facts && !m->facts)) {
        nn_net_free(nnet);
        nn_acts_free(m->facts);
        free(m->arena);
        free(m);
        return NULL;
    }
    atomic_fetch_add(&sh->refs, 1);
    net_layout(m, m->arena);
    for (size_t n = 0; n < sh->NP; n++)
        m->ones[n] = 1.0;
    return m;
}

static void *nw_clone(const void *ctx, es_err *err)
{
    const net *m = ctx;
    nn_net *nnet = nn_net_clone(m->net, err);
    if (!nnet)
        return NULL;
    net *c = instance_alloc(m->sh, nnet, err);
    if (!c)
        return NULL;
    /* everything but the pointers and owned objects */
    unsigned char *arena = c->arena;
    nn_acts *facts = c->facts;
    net tmp = *m;
    tmp.net = nnet;
    tmp.arena = arena;
    tmp.facts = facts;
    *c = tmp;
    net_layout(c, c->arena);
    memcpy(c->arena, m->arena, m->arena_bytes);
    return c;
}

static void nw_adapt(void *ctx, double target)
{
    net *m = ctx;
    const net_shared *sh = m->sh;
    for (size_t p = 0; p < sh->n_players; p++) {
        if (m->tried[p] >= 20) {
            double rate = (double)m->accepted[p] / (double)m->tried[p];
            double f = rate / target;
            f = f < 0.5 ? 0.5 : f > 2.0 ? 2.0 : f;
            double s = m->step[p] * f;
            if (s > 2.0 * sh->bound)
                s = 2.0 * sh->bound;
            if (s < 1e-12 * sh->bound)
                s = 1e-12 * sh->bound;
            m->step[p] = s;
        }
        m->tried[p] = m->accepted[p] = 0;
    }
}

/* Wang-Landau dynamics (wlmd instances only: es_network_create checks x and y). */
static double *nw_params(void *ctx, double *bound)
{
    net *m = ctx;
    *bound = m->sh->bound;
    return m->net->params;
}

static void nw_gradient(void *ctx, double *x, double *y, double *gx, double *gy)
{
    net_md_eval(ctx, x, y, gx, gy);
}

static const es_model_ops network_ops = {
    .name = "network",
    .n_dof = nw_n_dof,
    .observe = nw_observe,
    .propose = nw_propose,
    .accept = nw_accept,
    .reject = nw_reject,
    .recompute = nw_recompute,
    .randomize = nw_randomize,
    .ln_volume = nw_ln_volume,
    .state_size = nw_state_size,
    .save_state = nw_save_state,
    .load_state = nw_load_state,
    .clone = nw_clone,
    .free = nw_free,
    .observe_proposed = nw_observe_proposed,
    .adapt = nw_adapt,
    .params = nw_params,
    .gradient = nw_gradient,
};

/* ---------------------------------------------------------------- construction */

static void shared_release(net_shared *sh)
{
    if (atomic_fetch_sub(&sh->refs, 1) != 1)
        return;
    es_data_free(sh->data);
    free(sh->X0);
    free(sh->Xs);
    free(sh->T);
    free(sh->TP);
    free(sh->occ_start);
    free(sh->occ);
    free(sh->sgd_params);
    free(sh);
}

static net_metric parse_metric(const char *v, int *test)
{
    static const struct { const char *name; net_metric k; int test; } tab[] = {
        {"train_loss", NET_M_LOSS, 0},    {"ln_train_loss", NET_M_LN_LOSS, 0},
        {"train_acc", NET_M_ACC, 0},      {"train_correct", NET_M_CORRECT, 0},
        {"test_loss", NET_M_LOSS, 1},     {"ln_test_loss", NET_M_LN_LOSS, 1},
        {"test_acc", NET_M_ACC, 1},       {"test_correct", NET_M_CORRECT, 1},
        {"none", NET_M_NONE, 1},
    };
    for (size_t i = 0; i < ES_ARRAY_LEN(tab); i++)
        if (strcmp(v, tab[i].name) == 0) {
            *test = tab[i].test;
            return tab[i].k;
        }
    *test = -1;
    return NET_M_NONE;
}

/* Metrics, splits and what is tracked, from sampler.x and sampler.y. */
static es_status setup_metrics(net_shared *sh, const es_config *cfg, char *xname, char *yname,
                               es_err *err)
{
    char where[2 * ES_CFG_STR + 64];
    const char *xv = strcmp(cfg->sampler_x, "auto") == 0 ? "ln_train_loss" : cfg->sampler_x;
    const char *yv = strcmp(cfg->sampler_y, "auto") == 0 ? "none" : cfg->sampler_y;
    int tx, ty;
    sh->mx = parse_metric(xv, &tx);
    sh->my = parse_metric(yv, &ty);
    if (tx != 0 || sh->mx == NET_M_NONE) {
        es_config_where(cfg, "sampler", "x", cfg->sampler_x, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: networks take a training metric for x; allowed: "
                          "train_loss, ln_train_loss, train_acc, train_correct", where);
    }
    if (ty != 1) {
        es_config_where(cfg, "sampler", "y", cfg->sampler_y, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: networks take a test metric or none for y; "
                          "allowed: none, test_loss, ln_test_loss, test_acc", where);
    }
    if (!sh->classify) {
        const char *key = NULL, *val = NULL;
        if (sh->mx == NET_M_ACC || sh->mx == NET_M_CORRECT)
            key = "x", val = cfg->sampler_x;
        else if (sh->my == NET_M_ACC || sh->my == NET_M_CORRECT)
            key = "y", val = cfg->sampler_y;
        if (key) {
            es_config_where(cfg, "sampler", key, val, where, sizeof where);
            return es_err_set(err, ES_ECONFIG, "%s: task %s is a regression and has no accuracy; "
                              "allowed: %s", where, sh->data->task,
                              key[0] == 'x' ? "train_loss, ln_train_loss"
                                            : "none, test_loss, ln_test_loss");
        }
    }
    if (sh->md && (sh->mx == NET_M_ACC || sh->mx == NET_M_CORRECT || sh->my == NET_M_CORRECT)) {
        int bad_x = sh->mx == NET_M_ACC || sh->mx == NET_M_CORRECT;
        es_config_where(cfg, "sampler", bad_x ? "x" : "y", bad_x ? cfg->sampler_x : cfg->sampler_y,
                        where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: method = wlmd needs differentiable variables; "
                          "allowed: %s", where, bad_x ? "train_loss, ln_train_loss"
                          : "none, test_loss, ln_test_loss, test_acc (smoothed)");
    }
    if (sh->md && sh->my == NET_M_ACC) {
        sh->my = NET_M_SACC;
        yv = "test_acc_smooth";
    }
    sh->use_test = sh->my != NET_M_NONE;
    sh->need_loss[NET_TRAIN] = sh->mx == NET_M_LOSS || sh->mx == NET_M_LN_LOSS;
    sh->need_acc[NET_TRAIN] = sh->mx == NET_M_ACC || sh->mx == NET_M_CORRECT;
    sh->need_loss[NET_TEST] = sh->my == NET_M_LOSS || sh->my == NET_M_LN_LOSS;
    sh->need_acc[NET_TEST] = sh->my == NET_M_ACC || sh->my == NET_M_CORRECT;
    snprintf(xname, 64, "%.63s", xv);
    snprintf(yname, 64, "%.63s", yv);
    return ES_OK;
}

/* Prefix, tail and parameter layers of net. */
static es_status setup_layers(net_shared *sh, const nn_net *net, es_err *err)
{
    sh->n_layers = net->n_layers;
    size_t P = net->n_layers;
    while (P > 0) {
        nn_kind k = net->layers[P - 1].kind;
        if (k != NN_DENSE && k != NN_RELU && k != NN_TANH && k != NN_SILU)
            break;
        P--;
    }
    while (P < net->n_layers && net->layers[P].kind != NN_DENSE)
        P++;  /* the tail starts with a dense layer */
    sh->prefix = P;
    sh->embed = P == 1 && net->layers[0].kind == NN_EMBED;
    if (P > NET_MAX_PREFIX || (P > 0 && !sh->embed && strcmp(net->arch, "cnn") != 0))
        return es_err_set(err, ES_ECONFIG, "network: %zu layers before the dense tail: not "
                          "supported by the sampler", P);
    size_t wt = 0;
    for (size_t i = P; i < net->n_layers; i++) {
        const nn_layer *l = &net->layers[i];
        if (l->kind != NN_DENSE)
            continue;
        if (sh->n_dense == NET_MAX_DENSE)
            return es_err_set(err, ES_ECONFIG, "network: more than %d dense layers", NET_MAX_DENSE);
        net_dense *D = &sh->dense[sh->n_dense++];
        D->layer = i;
        D->in = l->in_size;
        D->out = l->out_size;
        D->w_off = l->w_offset;
        D->b_off = l->b_offset;
        D->b_count = l->b_count;
        D->wt_off = wt;
        wt += l->in_size * l->out_size;
        D->act = i + 1 < net->n_layers ? net->layers[i + 1].kind : NN_DENSE;
        D->store_a = D->act == NN_TANH || D->act == NN_SILU;
        if (D->in > sh->max_units)
            sh->max_units = D->in;
        if (D->out > sh->max_units)
            sh->max_units = D->out;
    }
    for (size_t i = 0; i < net->n_layers; i++) {
        const nn_layer *l = &net->layers[i];
        if (l->w_count + l->b_count == 0)
            continue;
        if (sh->n_players == NET_MAX_PLAYERS)
            return es_err_set(err, ES_ECONFIG, "network: more than %d layers with parameters",
                              NET_MAX_PLAYERS);
        net_player *p = &sh->players[sh->n_players++];
        p->layer = i;
        p->off = l->w_offset;
        p->count = l->w_count + l->b_count;
        p->kind = l->kind;
        p->dense = -1;
        for (size_t d = 0; d < sh->n_dense; d++)
            if (sh->dense[d].layer == i)
                p->dense = (int)d;
    }
    return ES_OK;
}

/* Inputs and targets of the N samples in the layouts the model needs. */
static es_status setup_samples(net_shared *sh, es_err *err)
{
    const es_data *d = sh->data;
    const size_t nt = sh->n_split[NET_TRAIN], N = sh->N, NP = sh->NP, nin = sh->n_in;
    const size_t tw = sh->classify ? 1 : sh->n_out;
    sh->T = es_calloc(N * tw, sizeof(double), "targets", err);
    if (!sh->T)
        return ES_ENOMEM;
    memcpy(sh->T, d->train.y, nt * tw * sizeof(double));
    if (N > nt)
        memcpy(sh->T + nt * tw, d->test.y, (N - nt) * tw * sizeof(double));
    if (!sh->classify && sh->n_out == 1) {
        sh->TP = es_calloc(NP, sizeof(double), "targets", err);
        if (!sh->TP)
            return ES_ENOMEM;
        memcpy(sh->TP, sh->T, N * sizeof(double));
    }
    int need_xs = sh->mode_full || sh->md || (sh->prefix > 0 && !sh->embed);
    if (need_xs) {
        sh->Xs = es_calloc(N * nin, sizeof(double), "inputs", err);
        if (!sh->Xs)
            return ES_ENOMEM;
        memcpy(sh->Xs, d->train.x, nt * nin * sizeof(double));
        if (N > nt)
            memcpy(sh->Xs + nt * nin, d->test.x, (N - nt) * nin * sizeof(double));
    }
    if (sh->prefix == 0) {
        sh->X0 = es_calloc(nin * NP, sizeof(double), "inputs (feature-major)", err);
        if (!sh->X0)
            return ES_ENOMEM;
        for (size_t n = 0; n < N; n++) {
            const double *x = n < nt ? d->train.x + n * nin : d->test.x + (n - nt) * nin;
            for (size_t i = 0; i < nin; i++)
                sh->X0[i * NP + n] = x[i];
        }
    }
    if (sh->embed) {
        if (N * sh->ctx > UINT32_MAX)
            return es_err_set(err, ES_ECONFIG, "network: %zu samples of %zu tokens are too many "
                              "for the sampler", N, sh->ctx);
        sh->occ_start = es_calloc(sh->vocab + 1, sizeof(size_t), "token index", err);
        sh->occ = es_calloc(N * sh->ctx + 1, sizeof(uint32_t), "token index", err);
        if (!sh->occ_start || !sh->occ)
            return ES_ENOMEM;
        for (size_t n = 0; n < N; n++) {
            const double *x = n < nt ? d->train.x + n * sh->ctx : d->test.x + (n - nt) * sh->ctx;
            for (size_t t = 0; t < sh->ctx; t++) {
                size_t v = (size_t)x[t];
                if (v >= sh->vocab)
                    return es_err_set(err, ES_EDATA, "network: token %zu of sample %zu is %g, "
                                      "outside [0, %zu)", t, n, x[t], sh->vocab);
                sh->occ_start[v + 1]++;
            }
        }
        for (size_t v = 0; v < sh->vocab; v++)
            sh->occ_start[v + 1] += sh->occ_start[v];
        size_t *fill = es_calloc(sh->vocab, sizeof(size_t), "token index", err);
        if (!fill)
            return ES_ENOMEM;
        for (size_t n = 0; n < N; n++) {  /* n ascending within each token */
            const double *x = n < nt ? d->train.x + n * sh->ctx : d->test.x + (n - nt) * sh->ctx;
            for (size_t t = 0; t < sh->ctx; t++) {
                size_t v = (size_t)x[t];
                sh->occ[sh->occ_start[v] + fill[v]++] = (uint32_t)(n * sh->ctx + t);
            }
        }
        free(fill);
    }
    return ES_OK;
}

es_model *es_network_create(const es_config *cfg, es_err *err)
{
    if (strcmp(cfg->model_weights, "continuous") != 0) {
        es_err_set(err, ES_ECONFIG, "[model] weights = %s: the continuous network model takes "
                   "weights = continuous", cfg->model_weights);
        return NULL;
    }
    char where[2 * ES_CFG_STR + 64];
    int full = strcmp(cfg->sampler_move, "full") == 0;
    if (!full && strcmp(cfg->sampler_move, "single") != 0) {
        es_config_where(cfg, "sampler", "move", cfg->sampler_move, where, sizeof where);
        es_err_set(err, ES_ECONFIG, "%s: allowed: single, full", where);
        return NULL;
    }
    net_shared *sh = es_calloc(1, sizeof *sh, "network model", err);
    if (!sh)
        return NULL;
    atomic_init(&sh->refs, 1);  /* the constructor's reference, dropped at the end */
    es_model *model = NULL;
    net *m = NULL;
    nn_net *nnet = NULL;
    char xname[64], yname[64];
    sh->mode_full = full;
    sh->md = strcmp(cfg->sampler_method, "wlmd") == 0;
    sh->smooth_k = cfg->sampler_smooth_k;
    sh->refresh = cfg->sampler_refresh > 0 ? cfg->sampler_refresh : 1000;
    if (!(sh->data = es_data_load(cfg, err)))
        goto fail;
    sh->classify = sh->data->classify;
    sh->n_in = sh->data->n_in;
    sh->n_out = sh->data->n_out;
    if (setup_metrics(sh, cfg, xname, yname, err) != ES_OK)
        goto fail;
    if (nn_spec_from_config(cfg, sh->data, &sh->spec, err) != ES_OK)
        goto fail;
    if (!(nnet = nn_net_alloc(&sh->spec, err)))
        goto fail;
    sh->n_params = nnet->n_params;
    sh->bound = nn_spec_bound(cfg, &sh->spec);
    if (!(sh->bound > 0) || !isfinite(sh->bound)) {
        es_err_set(err, ES_ECONFIG, "[model] bound = %g: the sampler needs a box (bound > 0)",
                   sh->bound);
        goto fail;
    }
    sh->step0 = cfg->sampler_step > 0 ? cfg->sampler_step : 0.1 * sh->bound;
    if (setup_layers(sh, nnet, err) != ES_OK)
        goto fail;
    if (sh->embed) {
        sh->ctx = nnet->layers[0].context;
        sh->dim = nnet->layers[0].dim;
        sh->vocab = nnet->layers[0].vocab;
    }
    sh->n_split[NET_TRAIN] = sh->data->train.n;
    sh->n_split[NET_TEST] = sh->use_test ? sh->data->test.n : 0;
    sh->N = sh->n_split[NET_TRAIN] + sh->n_split[NET_TEST];
    sh->NP = (sh->N + NET_BLK - 1) / NET_BLK * NET_BLK;
    if (sh->N == 0 || sh->N > UINT32_MAX) {
        es_err_set(err, ES_ECONFIG, "network: %zu samples (need 1 to %u)", sh->N, UINT32_MAX);
        goto fail;
    }
    if (setup_samples(sh, err) != ES_OK)
        goto fail;
    if (sh->n_dense >= 2) {  /* the last hidden layer sample-major when small (network.h) */
        net_dense *L = &sh->dense[sh->n_dense - 2];
        L->sm = L->act == NN_RELU && sh->n_out <= 2 && L->out >= 8 &&
                L->out * sh->NP * sizeof(double) <= 256 * 1024;
    }
    if (net_load_sgd(sh, cfg, nnet, err) != ES_OK)
        goto fail;
    /* walkers call the kernels from their own threads: keep OpenBLAS to one thread each */
    nn_blas_set_threads(1);

    m = instance_alloc(sh, nnet, err);
    nnet = NULL;
    if (!m)
        goto fail;
    for (size_t p = 0; p < sh->n_players; p++)
        m->step[p] = sh->step0;
    full_refresh(m);  /* all parameters 0: a valid state until randomize */
    model = es_calloc(1, sizeof *model, "model", err);
    if (!model)
        goto fail;
    model->ops = &network_ops;
    model->ctx = m;
    model->dims = sh->use_test ? 2 : 1;
    model->continuous = (sh->need_loss[NET_TRAIN] ? ES_AXIS_X : 0u) |
                        (sh->need_loss[NET_TEST] || sh->my == NET_M_SACC ? ES_AXIS_Y : 0u);
    snprintf(model->x_variable, sizeof model->x_variable, "%s", xname);
    snprintf(model->y_variable, sizeof model->y_variable, "%s", yname);
    shared_release(sh);  /* the instance holds it now */
    return model;
fail:
    nw_free(m);
    nn_net_free(nnet);
    shared_release(sh);
    return NULL;
}

/* ---------------------------------------------------------------- introspection */

es_status es_network_stats_get(const es_model *model, es_network_stats *s)
{
    memset(s, 0, sizeof *s);
    if (!model || model->ops != &network_ops)
        return ES_EDATA;
    const net *m = model->ctx;
    const net_shared *sh = m->sh;
    s->train_loss = sh->need_loss[NET_TRAIN] ? metric_value(m, NET_M_LOSS, NET_TRAIN) : NAN;
    s->train_acc = sh->need_acc[NET_TRAIN] ? metric_value(m, NET_M_ACC, NET_TRAIN) : NAN;
    s->test_loss = sh->need_loss[NET_TEST] ? metric_value(m, NET_M_LOSS, NET_TEST) : NAN;
    s->test_acc = sh->need_acc[NET_TEST] ? metric_value(m, NET_M_ACC, NET_TEST) : NAN;
    s->n_params = sh->n_params;
    s->params = m->net->params;
    s->full = sh->mode_full;
    s->bound = sh->bound;
    s->n_samples = sh->N;
    size_t acts = 0;
    if (m->facts) {
        for (size_t i = 0; i < m->net->n_layers; i++)
            acts += m->net->layers[i].out_size * m->facts->B * sizeof(double) *
                    (m->net->layers[i].kind == NN_MAXPOOL2 ? 2 : 1);
        acts += 2 * m->facts->B * m->net->max_width * sizeof(double);
    }
    s->bytes_per_walker = sizeof *m + m->arena_bytes + sh->n_params * sizeof(double) +
                          m->net->n_layers * sizeof(nn_layer) + acts;
    size_t tw = sh->classify ? 1 : sh->n_out;
    s->bytes_shared = sizeof *sh + sh->N * tw * sizeof(double) +
                      (sh->X0 ? sh->n_in * sh->NP * sizeof(double) : 0) +
                      (sh->Xs ? sh->N * sh->n_in * sizeof(double) : 0) +
                      (sh->occ ? sh->N * sh->ctx * sizeof(uint32_t) : 0) +
                      (sh->sgd_params ? (size_t)sh->sgd_runs * sh->n_params * sizeof(double) : 0);
    for (size_t p = 0; p < sh->n_players && p < ES_ARRAY_LEN(s->step); p++)
        s->step[p] = m->step[p];
    s->n_steps = sh->n_players;
    nn_net_describe(m->net, s->arch, sizeof s->arch);
    return ES_OK;
}
