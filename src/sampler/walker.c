/* walker.c: a Wang-Landau walker and its move kernel (the hot loop). */
#include "walker.h"
#include "entroscape/rng.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

es_walker *es_walker_alloc(const es_model *proto, long nbins, uint64_t seed, uint64_t index,
                           es_err *err)
{
    es_walker *w = es_calloc(1, sizeof *w, "walker", err);
    if (!w)
        return NULL;
    w->model = es_model_clone(proto, err);
    w->rng = w->model ? es_rng_alloc(seed, index, err) : NULL;
    w->ln_g = es_calloc((size_t)nbins, sizeof(double), "walker ln g", err);
    w->hist = es_calloc((size_t)nbins, sizeof(uint64_t), "walker histogram", err);
    if (w->model && !w->model->ops->observe_proposed)
        w->undo = es_calloc(w->model->ops->state_size(w->model->ctx), 1, "walker undo state", err);
    if (!w->model || !w->rng || !w->ln_g || !w->hist ||
        (!w->model->ops->observe_proposed && !w->undo)) {
        es_walker_free(w);
        return NULL;
    }
    w->model->ops->randomize(w->model->ctx, w->rng);
    w->model->ops->observe(w->model->ctx, &w->x, &w->y);
    w->bin = -1;
    w->end[0] = w->end[1] = -1;
    return w;
}

void es_walker_free(es_walker *w)
{
    if (!w)
        return;
    es_model_free(w->model);
    es_md_free(w->md);
    if (w->rng)
        gsl_rng_free(w->rng);
    free(w->undo);
    free(w->ln_g);
    free(w->hist);
    free(w);
}

/* Propose a move and look at it: ES_OK with (x, y) of the proposed state, or ES_EDOM. Models
 * without the incremental path are moved, recomputed and observed (undone by wk_decide). */
static inline es_status wk_propose(es_walker *w, double *x, double *y)
{
    const es_model_ops *ops = w->model->ops;
    void *ctx = w->model->ctx;
    es_status st = ops->propose(ctx, w->rng);
    if (st != ES_OK)
        return st;
    if (ops->observe_proposed) {
        ops->observe_proposed(ctx, x, y);
    } else {
        ops->save_state(ctx, w->undo);
        ops->accept(ctx);
        ops->recompute(ctx);
        ops->observe(ctx, x, y);
    }
    return ES_OK;
}

/* Settle a proposed (ES_OK) move. */
static inline void wk_decide(es_walker *w, int accept)
{
    const es_model_ops *ops = w->model->ops;
    void *ctx = w->model->ctx;
    if (ops->observe_proposed) {
        if (accept)
            ops->accept(ctx);
        else
            ops->reject(ctx);
    } else if (!accept) {
        ops->load_state(ctx, w->undo, NULL);
    }
}

es_status es_walker_approach(es_walker *w, const es_grid *g, const es_span *span,
                             uint64_t max_moves, es_err *err)
{
    double d = es_grid_distance(g, span, w->x, w->y);
    for (uint64_t m = 0; d > 0 && m < max_moves; m++) {
        if ((m & 4095) == 4095 && w->stop && *w->stop)
            return es_err_set(err, ES_EINTR, "stopped by a signal while walking into the grid");
        double x = 0, y = 0;
        es_status st = wk_propose(w, &x, &y);
        if (st != ES_OK) {
            w->model->ops->reject(w->model->ctx);
            continue;
        }
        double dn = es_grid_distance(g, span, x, y);
        int ok = dn <= d;
        wk_decide(w, ok);
        if (ok) {
            d = dn;
            w->x = x;
            w->y = y;
        }
    }
    if (d > 0)
        return es_err_set(err, ES_ERUNTIME,
                          "a walker could not reach the grid: after %llu moves from a random state "
                          "it is at x = %g%s%.6g, outside [%g, %g)%s; widen the grid or check its range",
                          (unsigned long long)max_moves, w->x, g->dims == 2 ? ", y = " : "",
                          g->dims == 2 ? w->y : 0.0, g->x_min, g->x_max,
                          g->dims == 2 ? " x [y_min, y_max)" : "");
    w->bin = es_grid_bin_in(g, span, w->x, w->y);
    return ES_OK;
}

void es_walker_run(es_walker *w, const es_grid *g, const es_span *span, uint64_t sweeps,
                   double ln_f, uint64_t one_over_t_moves, long reached,
                   const unsigned char *edge)
{
    const uint64_t n = w->model->ops->n_dof(w->model->ctx);
    double *restrict lg = w->ln_g;
    uint64_t *restrict h = w->hist;
    long cur = w->bin;
    double cx = w->x, cy = w->y;
    uint64_t acc = 0;
    if (cur >= 0 && lg[cur] == -INFINITY) /* nothing reached yet: this walker's own frame */
        lg[cur] = 0.0;
    for (uint64_t s = 0; s < sweeps; s++) {
        if (one_over_t_moves > 0)
            ln_f = (double)reached / (double)(one_over_t_moves + s * n);
        for (uint64_t m = 0; m < n; m++) {
            double x = cx, y = cy;
            if (wk_propose(w, &x, &y) == ES_OK) {
                long b = es_grid_bin_in(g, span, x, y);
                if (b >= 0 && lg[b] == -INFINITY) /* first seen: start from where we stand */
                    lg[b] = lg[cur];
                double d = b >= 0 ? lg[cur] - lg[b] : -INFINITY;
                int ok = b >= 0 && (d >= 0 || gsl_rng_uniform(w->rng) < exp(d));
                wk_decide(w, ok);
                if (ok) {
                    cur = b;
                    cx = x;
                    cy = y;
                    acc++;
                    if (edge && edge[b])
                        es_walker_edge(w, edge[b]);
                }
            } else {
                w->model->ops->reject(w->model->ctx);
            }
            lg[cur] += ln_f;
            h[cur]++;
        }
    }
    w->bin = cur;
    w->x = cx;
    w->y = cy;
    w->accepted += acc;
    w->tried += sweeps * n;
}

void es_walker_refresh(es_walker *w, const es_grid *g, const es_span *span)
{
    double drift = w->model->ops->recompute(w->model->ctx);
    if (drift > w->max_drift)
        w->max_drift = drift;
    w->model->ops->observe(w->model->ctx, &w->x, &w->y);
    long b = es_grid_bin_in(g, span, w->x, w->y);
    if (b >= 0) /* drift can only move a walker to a neighbouring bin; never off the grid */
        w->bin = b;
}
