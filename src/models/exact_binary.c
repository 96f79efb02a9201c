/* exact_binary.c: exact counts of binary-network configurations by (correct training samples,
 * correct test samples), by enumerating all 2^n sign patterns in Gray-code order. */
#include "binary_net.h"
#include "entroscape/dos.h"
#include "entroscape/exact.h"
#include "entroscape/grid.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

#define EB_BLOCK_BITS 6   /* 64 blocks of Gray-code runs, shared among threads */

es_status es_exact_binary_sizes(const es_model *model, size_t *n_train, size_t *n_test,
                                size_t *n_weights, char *desc, size_t desc_size, es_err *err)
{
    const bnet *b = bnet_of(model);
    if (!b)
        return es_err_set(err, ES_ECONFIG, "exact counts are for binary networks "
                          "(model.weights = binary); this model is %s",
                          model && model->ops ? model->ops->name : "(none)");
    *n_train = bnet_n_train(b);
    *n_test = bnet_n_test(b);
    *n_weights = bnet_n_weights(b);
    if (desc && desc_size)
        bnet_describe(b, desc, desc_size);
    return ES_OK;
}

es_status es_exact_binary_counts(const es_model *model, uint64_t *counts, es_err *err)
{
    size_t ntr, nte, n;
    char desc[160];
    es_status st = es_exact_binary_sizes(model, &ntr, &nte, &n, desc, sizeof desc, err);
    if (st != ES_OK)
        return st;
    if (n > ES_EXACT_BINARY_MAX_WEIGHTS) {
        return es_err_set(err, ES_ECONFIG, "exact enumeration: the network has %zu weights "
                          "(%s), 2^%zu configurations; the limit is %d weights (make "
                          "model.hidden smaller, or sample it with `entroscape run`)", n, desc,
                          n, ES_EXACT_BINARY_MAX_WEIGHTS);
    }
    const size_t ncell = (ntr + 1) * (nte + 1);
    const int hb = n < EB_BLOCK_BITS ? (int)n : EB_BLOCK_BITS; /* high bits: the block */
    const int lb = (int)n - hb;                                  /* low bits: Gray code */
    const long blocks = 1L << hb;
    memset(counts, 0, ncell * sizeof *counts);
    int failed = 0;
    es_err first = {0};
#pragma omp parallel
    {
        es_err e = {0};
        es_model *mine = es_model_clone(model, &e);
        uint64_t *local = es_calloc(ncell, sizeof *local, "exact counts", &e);
        int ok = mine && local;
#pragma omp critical(eb_err)
        if (!ok && !failed) {
            failed = 1;
            first = e;
        }
        if (ok) {
            bnet *b = bnet_of(mine);
#pragma omp for schedule(dynamic, 1)
            for (long blk = 0; blk < blocks; blk++) {
                bnet_set_bits(b, (uint64_t)blk << lb);
                long a, c;
                bnet_counts(b, &a, &c);
                local[(size_t)a * (nte + 1) + (size_t)c]++;
                for (uint64_t t = 1; t < (uint64_t)1 << lb; t++) {
                    bnet_flip1(b, (size_t)__builtin_ctzll(t));
                    bnet_counts(b, &a, &c);
                    local[(size_t)a * (nte + 1) + (size_t)c]++;
                }
            }
#pragma omp critical(eb_sum)
            for (size_t k = 0; k < ncell; k++)
                counts[k] += local[k];
        }
        free(local);
        es_model_free(mine);
    }
    if (failed)
        return es_err_set(err, first.status ? first.status : ES_ENOMEM, "%s", first.msg);
    return ES_OK;
}

es_status es_exact_binary_dos(const es_model *model, const es_grid *g, es_dos *out,
                              uint64_t *outside, es_err *err)
{
    double t0 = es_seconds();
    size_t ntr, nte, n;
    es_status st = es_exact_binary_sizes(model, &ntr, &nte, &n, NULL, 0, err);
    if (st != ES_OK)
        return st;
    if (g->dims != model->dims || out->x_bins != (size_t)g->x_bins ||
        out->y_bins != (size_t)g->y_bins)
        return es_err_set(err, ES_ECONFIG, "exact counts: a %d-D grid of %ld x %ld bins for a "
                          "%d-D model with a result of %zu x %zu bins", g->dims, g->x_bins,
                          g->y_bins, model->dims, out->x_bins, out->y_bins);
    uint64_t *counts = es_calloc((ntr + 1) * (nte + 1), sizeof *counts, "exact counts", err);
    if (!counts)
        return ES_ENOMEM;
    if ((st = es_exact_binary_counts(model, counts, err)) != ES_OK) {
        free(counts);
        return st;
    }
    const bnet *b = bnet_of(model);
    const size_t nb = out->x_bins * out->y_bins;
    uint64_t off = 0;
    memset(out->histogram, 0, nb * sizeof *out->histogram);
    for (size_t a = 0; a <= ntr; a++)
        for (size_t c = 0; c <= nte; c++) {
            uint64_t k = counts[a * (nte + 1) + c];
            if (!k)
                continue;
            double x = 0, y = 0;
            bnet_xy(b, (long)a, (long)c, &x, &y);
            long bin = es_grid_bin(g, x, y);
            if (bin >= 0)
                out->histogram[bin] += k;
            else
                off += k;
        }
    free(counts);
    for (size_t k = 0; k < nb; k++)
        out->log_g[k] = out->histogram[k] ? log((double)out->histogram[k]) : -INFINITY;
    es_dos_normalize(out);
    es_grid_edges(g, out->x_edges, out->y_edges);
    snprintf(out->x_variable, sizeof out->x_variable, "%s", model->x_variable);
    snprintf(out->y_variable, sizeof out->y_variable, "%s", model->dims == 2 ? model->y_variable
                                                                           : "none");
    snprintf(out->method, sizeof out->method, "exact");
    out->ln_f = 0;
    out->flatness = 1;
    out->sweeps = 0;
    out->moves = (uint64_t)1 << n;
    out->walkers = 0;
    out->converged = 1;
    out->ln_volume = (double)n * log(2.0);
    out->n_stages = 0;
    if ((st = es_dos_add_stage(out, (es_dos_stage){0, 0.0, 1.0, es_seconds() - t0, 0}, err)) !=
        ES_OK)
        return st;
    if (outside)
        *outside = off;
    return ES_OK;
}
