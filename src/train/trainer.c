/* trainer.c: minibatch training of independent runs, each with its own network, optimizer and
 * random stream, spread over OpenMP threads; evaluation on both splits after every epoch. */
#include "entroscape/rng.h"
#include "entroscape/train.h"
#include "train_internal.h"

#include <cblas.h>   /* OpenBLAS: openblas_set_num_threads */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

const char *const es_train_metric_names[ES_N_METRICS] = {"train_loss", "train_acc", "test_loss",
                                                         "test_acc"};

es_sgd *es_sgd_alloc(long runs, long epochs, size_t n_params, es_err *err)
{
    if (runs < 1 || epochs < 0) {
        es_err_set(err, ES_ERUNTIME, "cannot hold %ld runs of %ld epochs", runs, epochs);
        return NULL;
    }
    es_sgd *s = es_calloc(1, sizeof *s, "training result", err);
    if (!s)
        return NULL;
    s->runs = runs;
    s->epochs = epochs;
    s->n_params = n_params;
    s->unigram_test_loss = NAN;
    size_t rows = (size_t)runs * (size_t)(epochs + 1);
    s->history = es_calloc(rows * ES_N_METRICS, sizeof *s->history, "training history", err);
    s->final_params = es_calloc((size_t)runs * (n_params ? n_params : 1), sizeof *s->final_params,
                                "final parameters", err);
    s->sparsity = es_calloc(rows, sizeof *s->sparsity, "sparsity history", err);
    s->final_mask = es_calloc((size_t)runs * (n_params ? n_params : 1), 1, "final mask", err);
    s->best_epoch = es_calloc((size_t)runs, sizeof *s->best_epoch, "best epochs", err);
    if (!s->history || !s->final_params || !s->sparsity || !s->final_mask || !s->best_epoch) {
        es_sgd_free(s);
        return NULL;
    }
    for (size_t i = 0; i < rows * ES_N_METRICS; i++)
        s->history[i] = NAN;
    for (size_t i = 0; i < rows; i++)
        s->sparsity[i] = NAN;
    memset(s->final_mask, 1, (size_t)runs * n_params);
    for (long r = 0; r < runs; r++)
        s->best_epoch[r] = epochs;
    return s;
}

void es_sgd_free(es_sgd *s)
{
    if (!s)
        return;
    free(s->history);
    free(s->final_params);
    free(s->sparsity);
    free(s->act_entropy);
    free(s->final_mask);
    free(s->best_epoch);
    free(s);
}

es_status es_train_params_from_config(es_train_params *p, const es_config *cfg,
                                      const nn_spec *spec, es_err *err)
{
    char where[2 * ES_CFG_STR + 64], text[64];
    memset(p, 0, sizeof *p);
    es_optim_kind kind = strcmp(cfg->train_optimizer, "sgd") == 0 ? ES_OPTIM_SGD : ES_OPTIM_ADAM;
    p->optim = es_optim_defaults(kind);
    p->optim.lr = cfg->train_lr;
    p->optim.momentum = cfg->train_momentum;
    p->optim.weight_decay = cfg->train_weight_decay;
    if (kind == ES_OPTIM_ADAM && cfg->train_momentum != 0) {
        snprintf(text, sizeof text, "%g", cfg->train_momentum);
        es_config_where(cfg, "train", "momentum", text, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: momentum applies to optimizer = sgd only; adam "
                          "has its own (beta1 = 0.9): leave it out or set 0", where);
    }
    p->batch = (size_t)cfg->train_batch;
    p->box_none = strcmp(cfg->train_box, "none") == 0;
    p->epochs = cfg->train_epochs;
    p->runs = cfg->train_runs;
    p->seed = (uint64_t)cfg->train_seed;
    snprintf(p->init, sizeof p->init, "%.15s", cfg->model_init);
    es_status st13 = es_train_params_issue13(p, cfg, err);
    if (st13 != ES_OK)
        return st13;
    p->bound = 0;
    int boxed = es_config_is_set(cfg, "model", "bound");
    if (boxed)
        p->bound = nn_spec_bound(cfg, spec);
    if (boxed && !(p->bound > 0 && isfinite(p->bound))) {
        es_config_where(cfg, "model", "bound", isnan(cfg->model_bound) ? "auto" : "?", where,
                  sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: no usable box for this network (%g): set a "
                          "positive number", where, p->bound);
    }
    if (!boxed && strcmp(p->init, "uniform") == 0) {
        es_config_where(cfg, "model", "init", "uniform", where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: draws uniformly from the box, so it needs "
                          "model.bound in the config (a number or auto)", where);
    }
    p->box = p->bound;
    if (p->box_none)
        p->bound = 0;   /* no projection: es_train_project leaves w alone at bound 0 */
    return ES_OK;
}

/* Test cross-entropy of the add-one smoothed unigram of the training targets. */
double es_train_unigram_test_loss(const es_data *d)
{
    if (!d || strcmp(d->task, "text") != 0 || d->vocab == 0 || d->train.n == 0 || d->test.n == 0)
        return NAN;
    size_t V = d->vocab;
    double *count = calloc(V, sizeof *count);
    if (!count)
        return NAN;
    for (size_t i = 0; i < d->train.n; i++) {
        size_t c = (size_t)d->train.y[i];
        if (c < V)
            count[c] += 1;
    }
    double denom = (double)d->train.n + (double)V, sum = 0;
    for (size_t i = 0; i < d->test.n; i++) {
        size_t c = (size_t)d->test.y[i];
        sum -= log(((c < V ? count[c] : 0) + 1) / denom);
    }
    free(count);
    return sum / (double)d->test.n;
}

void es_train_describe(es_sgd *s, const es_train_params *p, const nn_spec *spec,
                       const es_data *d, const es_config *cfg)
{
    snprintf(s->optimizer, sizeof s->optimizer, "%s",
             p->optim.kind == ES_OPTIM_SGD ? "sgd" : "adam");
    snprintf(s->task, sizeof s->task, "%.31s", d ? d->task : cfg->task_name);
    snprintf(s->dataset, sizeof s->dataset, "%.31s", d ? d->dataset : cfg->task_dataset);
    es_err sub = {0};
    nn_net *net = nn_net_alloc(spec, &sub);
    if (net)
        nn_net_describe(net, s->arch, sizeof s->arch);
    else
        snprintf(s->arch, sizeof s->arch, "%s", spec->arch);
    nn_net_free(net);
    snprintf(s->init, sizeof s->init, "%s", p->init);
    s->lr = p->optim.lr;
    s->momentum = p->optim.momentum;
    s->weight_decay = p->optim.weight_decay;
    s->bound = p->box;
    s->box_none = p->box_none && p->box > 0;
    s->batch = (long)p->batch;
    s->seed = (int64_t)p->seed;
    s->classify = d ? d->classify : 1;
    s->unigram_test_loss = es_train_unigram_test_loss(d);
    es_train_describe_method(s, p, spec, cfg);
}

/* ---- one run --------------------------------------------------------------------------- */

/* Everything one run owns. */
typedef struct run_ws {
    nn_net *net;
    nn_acts *acts;      /* capacity: the minibatch */
    nn_acts *eval;      /* capacity: evaluation chunks (larger, for faster products) */
    es_optim *opt;
    gsl_rng *rng;
    double *grad;       /* (n_params) */
    double *dlogits;    /* (batch, n_out) */
    double *xb;         /* (batch, n_in) gathered minibatch inputs */
    double *yb;         /* (batch, y_width) gathered targets */
    size_t *perm;       /* (n_train) sample order of the current epoch */
    es_surge *surge;    /* Surge-Collapse state, or NULL when off */
    long *counts;       /* (sum of hidden widths) active-unit counts over the training split */
    double *H;          /* (n_hidden) activation entropy at the last evaluation */
    double *best;       /* (n_params) early stop: parameters of the best validation loss */
} run_ws;

static es_status ws_alloc_issue13(run_ws *w, const es_train_params *p, es_err *err);

static void ws_free(run_ws *w)
{
    nn_acts_free(w->acts);
    nn_acts_free(w->eval);
    nn_net_free(w->net);
    es_optim_free(w->opt);
    if (w->rng)
        gsl_rng_free(w->rng);
    free(w->grad);
    free(w->dlogits);
    free(w->xb);
    free(w->yb);
    free(w->perm);
    es_surge_free(w->surge);
    free(w->counts);
    free(w->H);
    free(w->best);
}

#define EVAL_BYTES (8u << 20)   /* activations of one evaluation chunk, at most (roughly) */
#define EVAL_MAX_B 1024

/* Samples per evaluation chunk: as many as fit EVAL_BYTES of layer outputs, between the
 * minibatch size and EVAL_MAX_B (and no more than the larger split). */
static size_t eval_chunk(const nn_net *net, const es_data *d, size_t batch)
{
    size_t per = 1;
    for (size_t l = 0; l < net->n_layers; l++)
        per += net->layers[l].out_size;
    size_t b = EVAL_BYTES / (per * sizeof(double));
    size_t n = d->train.n > d->test.n ? d->train.n : d->test.n;
    if (b > EVAL_MAX_B)
        b = EVAL_MAX_B;
    if (b > n)
        b = n;
    return b > batch ? b : batch;
}

/* Allocate run r's network (initialised from its stream) and buffers. */
static es_status ws_alloc(run_ws *w, const es_train_params *p, const nn_spec *spec,
                          const es_data *d, size_t batch, size_t y_width, long r, es_err *err)
{
    memset(w, 0, sizeof *w);
    if (!(w->rng = es_rng_alloc(p->seed, (uint64_t)r, err)) ||
        !(w->net = nn_net_alloc(spec, err)))
        return err->status;
    es_status st = nn_net_init(w->net, p->init, p->box, w->rng, err);
    if (st != ES_OK)
        return st;
    size_t n = w->net->n_params;
    size_t eb = eval_chunk(w->net, d, batch);
    w->acts = nn_acts_alloc(w->net, batch, err);
    w->eval = w->acts && eb > batch ? nn_acts_alloc(w->net, eb, err) : NULL;
    if (w->acts && eb > batch && !w->eval)
        return err->status;
    w->opt = w->acts ? es_optim_alloc(&p->optim, n, err) : NULL;
    if (!w->opt)
        return err->status ? err->status : ES_ENOMEM;
    w->grad = es_calloc(n, sizeof *w->grad, "gradient", err);
    w->dlogits = es_calloc(batch * d->n_out, sizeof *w->dlogits, "logit gradient", err);
    w->xb = es_calloc(batch * d->n_in, sizeof *w->xb, "minibatch inputs", err);
    w->yb = es_calloc(batch * y_width, sizeof *w->yb, "minibatch targets", err);
    w->perm = es_calloc(d->train.n, sizeof *w->perm, "sample order", err);
    if (!w->grad || !w->dlogits || !w->xb || !w->yb || !w->perm)
        return ES_ENOMEM;
    if (ws_alloc_issue13(w, p, err) != ES_OK)
        return err->status ? err->status : ES_ENOMEM;
    es_train_project(w->net->params, n, p->bound);
    return ES_OK;
}

/* Issue 13 parts of a run's workspace: Surge-Collapse state, dropout masks, entropy counts,
 * the early-stop copy. Nothing is drawn from the run's stream here. */
static es_status ws_alloc_issue13(run_ws *w, const es_train_params *p, es_err *err)
{
    size_t n_hidden = es_act_layers(w->net, NULL), units = 0;
    for (size_t l = 0; l < w->net->n_layers; l++) {
        nn_kind k = w->net->layers[l].kind;
        if (k == NN_RELU || k == NN_TANH || k == NN_SILU)
            units += w->net->layers[l].out_size;
    }
    w->counts = es_calloc(units ? units : 1, sizeof *w->counts, "active-unit counts", err);
    w->H = es_calloc(n_hidden ? n_hidden : 1, sizeof *w->H, "activation entropy", err);
    if (!w->counts || !w->H)
        return ES_ENOMEM;
    if (p->dropout > 0 && nn_acts_dropout_alloc(w->net, w->acts, err) != ES_OK)
        return ES_ENOMEM;
    if (p->early_stop > 0 &&
        !(w->best = es_calloc(w->net->n_params, sizeof *w->best, "best parameters", err)))
        return ES_ENOMEM;
    if (es_surge_on_p(&p->surge) && !(w->surge = es_surge_alloc(w->net, &p->surge, err)))
        return ES_ENOMEM;
    return ES_OK;
}

/* nn_evaluate over the training split (same chunks and arithmetic, so the same numbers),
 * counting on the way the samples on which each hidden unit is active; w->H gets the
 * activation entropy of every hidden layer. */
static void evaluate_train(run_ws *w, nn_acts *a, const es_data *d, double *loss,
                           double *accuracy)
{
    const nn_net *net = w->net;
    const size_t n = d->train.n, t_width = nn_loss_classifies(net->loss) ? 1 : net->n_out;
    size_t units = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        nn_kind k = net->layers[l].kind;
        if (k == NN_RELU || k == NN_TANH || k == NN_SILU)
            units += net->layers[l].out_size;
    }
    memset(w->counts, 0, (units ? units : 1) * sizeof *w->counts);
    double total = 0.0;
    size_t hits = 0;
    for (size_t s = 0; s < n; s += a->B) {
        size_t B = n - s < a->B ? n - s : a->B, c = 0;
        nn_forward(net, a, d->train.x + s * net->n_in, B);
        total += nn_loss(net, a, d->train.y + s * t_width, B, &c, NULL) * (double)B;
        hits += c;
        es_act_count(net, a, B, w->counts);
    }
    *loss = n ? total / (double)n : NAN;
    *accuracy = !n ? NAN : nn_loss_classifies(net->loss) ? (double)hits / (double)n : 0.0;
    es_act_entropy(net, w->counts, n, w->H);
}

/* Loss and accuracy on both splits into row (ES_N_METRICS); accuracies NaN in regression.
 * The training split's pass also counts active units into w->H (nn_evaluate's arithmetic). */
static void evaluate(run_ws *w, const es_data *d, double *row)
{
    nn_acts *a = w->eval ? w->eval : w->acts;
    evaluate_train(w, a, d, &row[ES_TRAIN_LOSS], &row[ES_TRAIN_ACC]);
    nn_evaluate(w->net, a, d->test.x, d->test.y, d->test.n, &row[ES_TEST_LOSS],
                &row[ES_TEST_ACC]);
    if (!d->classify)
        row[ES_TRAIN_ACC] = row[ES_TEST_ACC] = NAN;
}

/* perm (n) = a uniformly random permutation of 0..n-1 from rng (Fisher-Yates, as
 * gsl_ran_shuffle; written out because GSL's randist header clashes with OpenBLAS' cblas.h). */
static void shuffle(gsl_rng *rng, size_t *perm, size_t n)
{
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)gsl_rng_uniform_int(rng, (unsigned long)i);
        size_t t = perm[i - 1];
        perm[i - 1] = perm[j];
        perm[j] = t;
    }
}

/* One epoch: shuffle, then a step per minibatch (the last one may be smaller). */
static es_status epoch(run_ws *w, const es_train_params *p, const es_data *d, size_t batch,
                       size_t y_width, volatile sig_atomic_t *stop)
{
    size_t n = d->train.n, n_in = d->n_in, np = w->net->n_params;
    shuffle(w->rng, w->perm, n);
    for (size_t start = 0; start < n; start += batch) {
        size_t B = n - start < batch ? n - start : batch;
        for (size_t b = 0; b < B; b++) {
            size_t s = w->perm[start + b];
            memcpy(w->xb + b * n_in, d->train.x + s * n_in, n_in * sizeof *w->xb);
            memcpy(w->yb + b * y_width, d->train.y + s * y_width, y_width * sizeof *w->yb);
        }
        if (p->dropout > 0) {
            nn_dropout_draw(w->net, w->acts, B, p->dropout, w->rng);
            w->acts->dropout_on = 1;
        }
        nn_forward(w->net, w->acts, w->xb, B);
        nn_loss(w->net, w->acts, w->yb, B, NULL, w->dlogits);
        memset(w->grad, 0, np * sizeof *w->grad);
        nn_backward(w->net, w->acts, w->xb, w->dlogits, w->grad, B);
        w->acts->dropout_on = 0;
        if (w->surge)
            es_surge_before_step(w->surge, w->grad);
        if (p->orthograd)
            es_orthograd(w->net, w->net->params, w->grad);
        es_optim_step(w->opt, w->net->params, w->grad);
        es_train_project(w->net->params, np, p->bound);
        if (w->surge)
            es_surge_after_step(w->surge, w->net->params, w->opt, w->rng, w->H);
        if (stop && *stop)
            return ES_EINTR;
    }
    return ES_OK;
}

/* Shared progress bookkeeping (updated inside a critical section). */
typedef struct progress_state {
    es_train_progress_fn fn;
    void *user;
    long epochs_done, epochs_total, runs_done, runs;
    double t0;
} progress_state;

static void report(progress_state *ps, long run, long ep, const double *row, int run_done)
{
#ifdef _OPENMP
#pragma omp critical(es_train_progress)
#endif
    {
        ps->epochs_done += ep > 0;
        ps->runs_done += run_done;
        if (ps->fn) {
            double el = es_seconds() - ps->t0;
            es_train_report r = {
                .run = run, .epoch = ep, .metrics = row, .epochs_done = ps->epochs_done,
                .epochs_total = ps->epochs_total, .runs_done = ps->runs_done, .runs = ps->runs,
                .seconds = el,
                .eta_seconds = ps->epochs_done > 0
                                   ? el * (double)(ps->epochs_total - ps->epochs_done) /
                                         (double)ps->epochs_done
                                   : -1};
            ps->fn(ps->user, &r);
        }
    }
}

/* Row e of run r's dynamics: sparsity and activation entropy of the current network. */
static void record_dynamics(const run_ws *w, es_sgd *out, long r, long e)
{
    size_t row = (size_t)r * (size_t)(out->epochs + 1) + (size_t)e;
    out->sparsity[row] = es_surge_sparsity(w->net, w->net->params);
    if (out->act_entropy && out->n_hidden)
        memcpy(out->act_entropy + row * out->n_hidden, w->H, out->n_hidden * sizeof *w->H);
}

/* Early stop bookkeeping after epoch e: keeps the best parameters; returns 1 when the run has
 * gone p->early_stop epochs without a lower validation loss (parameters then restored). */
static int early_stop_check(run_ws *w, const es_train_params *p, const es_split *val, long e,
                            double *best_loss, long *best_epoch)
{
    if (!val || p->early_stop <= 0)
        return 0;
    nn_acts *a = w->eval ? w->eval : w->acts;
    double loss = NAN;
    nn_evaluate(w->net, a, val->x, val->y, val->n, &loss, NULL);
    size_t np = w->net->n_params;
    if (e == 0 || loss < *best_loss) {
        *best_loss = loss;
        *best_epoch = e;
        memcpy(w->best, w->net->params, np * sizeof *w->best);
        return 0;
    }
    if (e - *best_epoch < p->early_stop)
        return 0;
    memcpy(w->net->params, w->best, np * sizeof *w->best);
    return 1;
}

/* The end of the last epoch under Surge-Collapse: a final collapse (final = sparse) or the
 * mask lifted (dense). */
static void surge_finish(run_ws *w)
{
    if (!w->surge)
        return;
    if (w->surge->p.final_sparse)
        es_surge_collapse(w->surge, w->net->params, w->opt, NULL);
    else
        es_surge_release(w->surge);
}

/* Run r from initialisation to the last epoch (or its early stop: later rows repeat the
 * restored best state); writes its history and dynamics rows, final parameters and mask.
 * val: the held-out tail of the training split, or NULL. *step_seconds gets the time spent
 * in minibatch steps. */
static es_status train_one(const es_train_params *p, const nn_spec *spec, const es_data *d,
                           const es_split *val, es_sgd *out, long r, size_t batch,
                           progress_state *ps, volatile sig_atomic_t *stop, double *step_seconds,
                           es_err *err)
{
    size_t y_width = d->classify ? 1 : d->n_out;
    run_ws w;
    es_data shifted;
    double *ytr = NULL, *yte = NULL;   /* this run's labels when a shift is on */
    es_status st = ES_OK;
    if (p->shift_epoch > 0 && (st = es_shift_copy(d, &shifted, &ytr, &yte, err)) == ES_OK)
        d = &shifted;
    if (st == ES_OK)
        st = ws_alloc(&w, p, spec, d, batch, y_width, r, err);
    else
        memset(&w, 0, sizeof w);
    if (st == ES_OK && w.net->n_params != out->n_params)
        st = es_err_set(err, ES_ERUNTIME, "run %ld: network has %zu parameters, expected %zu", r,
                        w.net->n_params, out->n_params);
    *step_seconds = 0;
    double best_loss = INFINITY;
    long best_epoch = 0;
    if (st == ES_OK) {
        evaluate(&w, d, es_sgd_row(out, r, 0));
        record_dynamics(&w, out, r, 0);
        early_stop_check(&w, p, val, 0, &best_loss, &best_epoch);
        report(ps, r, 0, es_sgd_row(out, r, 0), p->epochs == 0);
    }
    long stopped = -1;
    for (long e = 1; st == ES_OK && e <= p->epochs; e++) {
        if (stopped >= 0) {   /* early-stopped: the kept state, unchanged */
            memcpy(es_sgd_row(out, r, e), es_sgd_row(out, r, e - 1),
                   ES_N_METRICS * sizeof(double));
            record_dynamics(&w, out, r, e);
            report(ps, r, e, es_sgd_row(out, r, e), e == p->epochs);
            continue;
        }
        if (e == p->shift_epoch)
            es_shift_apply(&shifted, p->shift_a, p->shift_b);
        double t = es_seconds();
        st = epoch(&w, p, d, batch, y_width, stop);
        if (st == ES_OK && e == p->epochs)
            surge_finish(&w);
        *step_seconds += es_seconds() - t;
        if (st == ES_EINTR) {
            es_err_set(err, ES_EINTR, "stopped by a signal in epoch %ld of run %ld", e, r);
            break;
        }
        if (early_stop_check(&w, p, val, e, &best_loss, &best_epoch))
            stopped = e;
        evaluate(&w, d, es_sgd_row(out, r, e));
        record_dynamics(&w, out, r, e);
        report(ps, r, e, es_sgd_row(out, r, e), e == p->epochs);
    }
    if (st == ES_OK) {
        memcpy(out->final_params + (size_t)r * out->n_params, w.net->params,
               out->n_params * sizeof *out->final_params);
        if (w.surge)
            memcpy(out->final_mask + (size_t)r * out->n_params, w.surge->mask, out->n_params);
        out->best_epoch[r] = stopped >= 0 ? best_epoch : p->epochs;
    }
    ws_free(&w);
    free(ytr);
    free(yte);
    return st;
}

es_status es_train_run(const es_train_params *p, const nn_spec *spec, const es_data *d,
                       es_sgd *out, es_train_progress_fn progress, void *user,
                       volatile sig_atomic_t *stop, es_err *err)
{
    if (!d || d->train.n == 0 || d->test.n == 0)
        return es_err_set(err, ES_ERUNTIME, "training needs non-empty train and test splits");
    if (out->runs != p->runs || out->epochs != p->epochs)
        return es_err_set(err, ES_ERUNTIME, "result holds %ld runs x %ld epochs, training asks "
                          "for %ld x %ld", out->runs, out->epochs, p->runs, p->epochs);
    if (p->shift_epoch > 0 && (!d->classify || p->shift_a >= (long)d->n_out ||
                               p->shift_b >= (long)d->n_out))
        return es_err_set(err, ES_ECONFIG, "task.shift_a = %ld, shift_b = %ld: a shift swaps two "
                          "of the %zu classes of a classification task", p->shift_a, p->shift_b,
                          d->n_out);
    es_data fit;
    es_split val;
    es_status vst = es_train_split_validation(p, d, &fit, &val, err);
    if (vst != ES_OK)
        return vst;
    const es_split *valp = val.n ? &val : NULL;
    d = &fit;
    if (es_train_dynamics_alloc(out, spec, err) != ES_OK)
        return err->status;
    size_t batch = p->batch < d->train.n ? p->batch : d->train.n;
    if (batch == 0)
        batch = 1;
    long runs = p->runs;
    int threads = p->threads;
#ifdef _OPENMP
    if (threads <= 0)
        threads = omp_get_max_threads();
#else
    threads = 1;
#endif
    int parallel = runs < threads ? (int)runs : threads;
    /* One run at a time: BLAS may use every thread. Several at once: one each, or the two
     * pools (OpenMP's and OpenBLAS's) would oversubscribe the cores. */
    int blas_before = openblas_get_num_threads();
    openblas_set_num_threads(parallel > 1 ? 1 : threads);

    es_status *st = es_calloc((size_t)runs, sizeof *st, "run status", err);
    es_err *errs = es_calloc((size_t)runs, sizeof *errs, "run errors", err);
    double *secs = es_calloc((size_t)runs, sizeof *secs, "run timings", err);
    if (!st || !errs || !secs) {
        free(st);
        free(errs);
        free(secs);
        openblas_set_num_threads(blas_before);
        return ES_ENOMEM;
    }
    progress_state ps = {.fn = progress, .user = user, .epochs_total = runs * p->epochs,
                         .runs = runs, .t0 = es_seconds()};
#ifdef _OPENMP
#pragma omp parallel for num_threads(parallel) schedule(dynamic, 1) if (parallel > 1)
#endif
    for (long r = 0; r < runs; r++) {
        if (stop && *stop) {
            st[r] = es_err_set(&errs[r], ES_EINTR, "stopped by a signal before run %ld", r);
            continue;
        }
        st[r] = train_one(p, spec, d, valp, out, r, batch, &ps, stop, &secs[r], &errs[r]);
    }
    openblas_set_num_threads(blas_before);
    out->seconds = es_seconds() - ps.t0;
    out->step_seconds = 0;
    es_status result = ES_OK;
    for (long r = 0; r < runs; r++) {
        out->step_seconds += secs[r];
        if (result == ES_OK && st[r] != ES_OK) {  /* the first failing run, by index */
            result = st[r];
            es_err_set(err, st[r], "%s", errs[r].msg);
        }
    }
    free(st);
    free(errs);
    free(secs);
    return result;
}
