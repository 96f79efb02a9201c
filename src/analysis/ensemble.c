/* ensemble.c: the advantage over datasets (data seeds): per-dataset analyses combined per x
 * bin and for the mean over the bins every dataset shares, separating the spread between
 * datasets from each dataset's own error (formulas in ensemble.h and README). No I/O. */
#include "entroscape/ensemble.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

es_ens_stat es_ens_stat_of(const double *adv, const double *err, size_t n, size_t stride)
{
    es_ens_stat s = {0, NAN, NAN, NAN, NAN, NAN};
    double sum = 0, e2 = 0;
    for (size_t k = 0; k < n; k++) {
        double a = adv[k * stride], e = err[k * stride];
        if (!isfinite(a) || !isfinite(e))
            continue;
        s.n++;
        sum += a;
        e2 += e * e;
    }
    if (s.n == 0)
        return s;
    double nd = (double)s.n;
    s.mean = sum / nd;
    s.within = sqrt(e2 / nd);
    if (s.n == 1) {
        s.total = s.within;   /* the between-dataset spread is not included */
        return s;
    }
    double ss = 0;   /* two passes: the mean first, then the squared deviations */
    for (size_t k = 0; k < n; k++) {
        double a = adv[k * stride], e = err[k * stride];
        if (isfinite(a) && isfinite(e))
            ss += (a - s.mean) * (a - s.mean);
    }
    double s2 = ss / (nd - 1), w2 = s.within * s.within;
    s.se_between = sqrt(s2 / nd);
    s.between_sd = sqrt(s2 > w2 ? s2 - w2 : 0);
    s.total = sqrt((s2 > w2 ? s2 : w2) / nd);
    return s;
}

int es_ens_verdict(const es_ens_stat *s)
{
    if (!isfinite(s->mean) || !isfinite(s->total))
        return 0;
    return s->mean > 2 * s->total ? 1 : s->mean < -2 * s->total ? -1 : 0;
}

void es_ensemble_free(es_ensemble *e)
{
    if (!e)
        return;
    free(e->x);
    free(e->x_edges);
    free(e->seeds);
    free(e->advantage);
    free(e->advantage_err);
    free(e->common);
    free(e->set_mean);
    free(e->set_mean_err);
    free(e->bin);
    free(e);
}

es_ensemble *es_ensemble_alloc(size_t n, size_t x_bins, es_err *err)
{
    es_ensemble *e = es_calloc(1, sizeof *e, "ensemble", err);
    if (!e)
        return NULL;
    e->n_sets = n;
    e->x_bins = x_bins;
    e->range_lo = -INFINITY;
    e->range_hi = INFINITY;
    e->x = es_calloc(x_bins, sizeof *e->x, "ensemble", err);
    e->x_edges = es_calloc(x_bins + 1, sizeof *e->x_edges, "ensemble", err);
    e->seeds = es_calloc(n, sizeof *e->seeds, "ensemble", err);
    e->advantage = es_calloc(n * x_bins, sizeof *e->advantage, "ensemble", err);
    e->advantage_err = es_calloc(n * x_bins, sizeof *e->advantage_err, "ensemble", err);
    e->common = es_calloc(x_bins, sizeof *e->common, "ensemble", err);
    e->set_mean = es_calloc(n, sizeof *e->set_mean, "ensemble", err);
    e->set_mean_err = es_calloc(n, sizeof *e->set_mean_err, "ensemble", err);
    e->bin = es_calloc(x_bins, sizeof *e->bin, "ensemble", err);
    if (!e->x || !e->x_edges || !e->seeds || !e->advantage || !e->advantage_err ||
        !e->common || !e->set_mean || !e->set_mean_err || !e->bin) {
        es_ensemble_free(e);
        return NULL;
    }
    return e;
}

/* Is analysis b (named name) comparable with a: variables, SGD states, x grid, states
 * selection? ES_EDATA naming the difference when not. */
static es_status same_kind(const es_analysis *a, const es_analysis *b, const char *name,
                           const char *first, es_err *err)
{
    if (!b->has_y || !b->has_sgd || b->yv.better == 0)
        return es_err_set(err, ES_EDATA, "%s has no advantage (a 2-D landscape over an "
                          "accuracy or a loss, with SGD/Adam states, is needed)", name);
    if (strcmp(a->xv.name, b->xv.name) != 0 || strcmp(a->yv.name, b->yv.name) != 0)
        return es_err_set(err, ES_EDATA, "%s samples (%s, %s) but %s samples (%s, %s): an "
                          "ensemble needs the same variables", name, b->xv.name, b->yv.name,
                          first, a->xv.name, a->yv.name);
    if (a->x_bins != b->x_bins)
        return es_err_set(err, ES_EDATA, "%s has %zu x bins but %s %zu: an ensemble needs one "
                          "x grid", name, b->x_bins, first, a->x_bins);
    double span = a->x_edges[a->x_bins] - a->x_edges[0];
    for (size_t i = 0; i <= a->x_bins; i++)
        if (!(fabs(a->x_edges[i] - b->x_edges[i]) <= 1e-12 * (fabs(a->x_edges[i]) + fabs(span))))
            return es_err_set(err, ES_EDATA, "%s: x bin edge %zu is %.17g, %s's %.17g: an "
                              "ensemble needs one x grid", name, i, b->x_edges[i], first,
                              a->x_edges[i]);
    if (a->sgd_final_only != b->sgd_final_only)
        return es_err_set(err, ES_EDATA, "%s binned %s of the SGD/Adam states but %s %s", name,
                          b->sgd_final_only ? "the final" : "all", first,
                          a->sgd_final_only ? "the final" : "all");
    return ES_OK;
}

es_ensemble *es_ensemble_from_analyses(const es_analysis *const *ana, const int64_t *seeds,
                                       const char *const *names, size_t n, es_err *err)
{
    return es_ensemble_from_analyses_in(ana, seeds, names, n, -INFINITY, INFINITY, err);
}

es_ensemble *es_ensemble_from_analyses_in(const es_analysis *const *ana, const int64_t *seeds,
                                          const char *const *names, size_t n, double lo,
                                          double hi, es_err *err)
{
    if (n == 0) {
        es_err_set(err, ES_EDATA, "an ensemble needs at least one dataset");
        return NULL;
    }
    const char *first = names && names[0] ? names[0] : "#1";
    for (size_t k = 0; k < n; k++) {
        const char *name = names && names[k] ? names[k] : "a dataset";
        if (same_kind(ana[0], ana[k], name, first, err) != ES_OK)
            return NULL;
        for (size_t j = 0; j < k; j++)
            if (seeds[j] == seeds[k]) {
                es_err_set(err, ES_EDATA, "%s and %s both have task.seed = %lld: an ensemble "
                           "needs one landscape/training pair per dataset", names ? names[j] :
                           "a dataset", name, (long long)seeds[k]);
                return NULL;
            }
    }
    size_t nb = ana[0]->x_bins;
    es_ensemble *e = es_ensemble_alloc(n, nb, err);
    if (!e)
        return NULL;
    e->range_lo = lo;
    e->range_hi = hi;
    e->xv = ana[0]->xv;
    e->yv = ana[0]->yv;
    e->final_only = ana[0]->sgd_final_only;
    memcpy(e->x, ana[0]->x, nb * sizeof *e->x);
    memcpy(e->x_edges, ana[0]->x_edges, (nb + 1) * sizeof *e->x_edges);
    for (size_t k = 0; k < n; k++) {
        e->seeds[k] = seeds[k];
        memcpy(e->advantage + k * nb, ana[k]->advantage, nb * sizeof(double));
        memcpy(e->advantage_err + k * nb, ana[k]->advantage_err, nb * sizeof(double));
    }
    for (size_t i = 0; i < nb; i++) {
        es_ens_stat b = es_ens_stat_of(e->advantage + i, e->advantage_err + i, n, nb);
        e->common[i] = b.n == (long)n && e->x[i] >= lo && e->x[i] <= hi;
    }
    e->set_clustered = 1;
    for (size_t k = 0; k < n; k++) {
        es_ana_mean m = es_analysis_mean_bins(ana[k], e->common);
        e->set_mean[k] = m.advantage;
        e->set_mean_err[k] = m.err;
        e->set_clustered &= m.clustered;
    }
    es_ensemble_summarise(e);
    return e;
}

void es_ensemble_summarise(es_ensemble *e)
{
    size_t nb = e->x_bins, n = e->n_sets;
    e->lo = e->hi = NAN;
    e->n_common = 0;
    for (size_t i = 0; i < nb; i++) {
        e->bin[i] = es_ens_stat_of(e->advantage + i, e->advantage_err + i, n, nb);
        if (!e->common[i])
            continue;
        if (e->n_common++ == 0)
            e->lo = e->x[i];
        e->hi = e->x[i];
    }
    e->mean = es_ens_stat_of(e->set_mean, e->set_mean_err, n, 1);
}

size_t es_ensemble_diff(const es_ensemble *a, const es_ensemble *b, double *diff,
                        double *diff_err, int64_t *seeds, es_ens_stat *stat)
{
    size_t n = 0;
    for (size_t i = 0; i < a->n_sets; i++)
        for (size_t j = 0; j < b->n_sets; j++) {
            if (a->seeds[i] != b->seeds[j])
                continue;
            double ea = a->set_mean_err[i], eb = b->set_mean_err[j];
            seeds[n] = a->seeds[i];
            diff[n] = a->set_mean[i] - b->set_mean[j];
            diff_err[n] = sqrt(ea * ea + eb * eb);
            n++;
        }
    *stat = es_ens_stat_of(diff, diff_err, n, 1);
    return n;
}
