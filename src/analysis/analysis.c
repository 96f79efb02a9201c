/* analysis.c: per x bin of a landscape: argmax over y of S, the entropy-weighted mean of y
 * (Eq. 1) and its spread over independent replicas, the SGD states binned by x with
 * standard errors (runs as clusters), and the advantage. No I/O. */
#include "entroscape/analysis.h"
#include "entroscape/grid.h"

#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- variables ------------------------------------------------------------------------- */

typedef struct var_info {
    const char *name;
    int metric;
    es_ana_transform transform;
    int better;
    const char *label;
} var_info;

/* The network variables the sampler knows (sampler.x, sampler.y) and the built-in models'. */
static const var_info vars[] = {
    {"train_loss", ES_TRAIN_LOSS, ES_ANA_IDENTITY, -1, "training loss"},
    {"ln_train_loss", ES_TRAIN_LOSS, ES_ANA_LOG, -1, "ln training loss"},
    {"train_acc", ES_TRAIN_ACC, ES_ANA_IDENTITY, +1, "training accuracy"},
    {"train_correct", ES_TRAIN_ACC, ES_ANA_COUNT, +1, "training samples classified correctly"},
    {"test_loss", ES_TEST_LOSS, ES_ANA_IDENTITY, -1, "test loss"},
    {"ln_test_loss", ES_TEST_LOSS, ES_ANA_LOG, -1, "ln test loss"},
    {"test_acc", ES_TEST_ACC, ES_ANA_IDENTITY, +1, "test accuracy"},
    {"test_correct", ES_TEST_ACC, ES_ANA_COUNT, +1, "test samples classified correctly"},
    {"energy", -1, ES_ANA_NONE, 0, "energy E = -sum of neighbouring s_i s_j"},
    {"mean_abs", -1, ES_ANA_NONE, 0, "mean |w|"},
    {"mean_abs_x", -1, ES_ANA_NONE, 0, "mean |w| of the x parameters"},
    {"mean_abs_y", -1, ES_ANA_NONE, 0, "mean |w| of the y parameters"},
    {"mean_square", -1, ES_ANA_NONE, 0, "mean w^2"},
    {"mean_square_x", -1, ES_ANA_NONE, 0, "mean w^2 of the x parameters"},
    {"mean_square_y", -1, ES_ANA_NONE, 0, "mean w^2 of the y parameters"},
};

void es_ana_var_init(es_ana_var *v, const char *name)
{
    memset(v, 0, sizeof *v);
    snprintf(v->name, sizeof v->name, "%s", name ? name : "none");
    v->metric = -1;
    v->transform = ES_ANA_NONE;
    snprintf(v->label, sizeof v->label, "%s", v->name);
    for (size_t i = 0; i < ES_ARRAY_LEN(vars); i++)
        if (strcmp(v->name, vars[i].name) == 0) {
            v->metric = vars[i].metric;
            v->transform = vars[i].transform;
            v->better = vars[i].better;
            snprintf(v->label, sizeof v->label, "%s", vars[i].label);
        }
}

double es_ana_var_value(const es_ana_var *v, const double *row)
{
    if (v->metric < 0 || v->metric >= ES_N_METRICS)
        return NAN;
    double m = row[v->metric];
    switch (v->transform) {
    case ES_ANA_IDENTITY: return m;
    case ES_ANA_LOG: return m >= 0 ? log(m) : NAN;   /* log(0) = -inf; NaN stays NaN */
    case ES_ANA_COUNT: return isfinite(m) ? nearbyint(m * v->samples) : NAN;
    default: return NAN;
    }
}

/* ---- allocation ------------------------------------------------------------------------ */

es_analysis *es_analysis_alloc(size_t x_bins, es_err *err)
{
    if (x_bins == 0) {
        es_err_set(err, ES_ERUNTIME, "analysis needs at least one x bin");
        return NULL;
    }
    es_analysis *a = es_calloc(1, sizeof *a, "analysis", err);
    if (!a)
        return NULL;
    size_t n = x_bins;
    a->x_bins = n;
    a->x = es_calloc(n, sizeof *a->x, "analysis x", err);
    a->x_edges = es_calloc(n + 1, sizeof *a->x_edges, "analysis x edges", err);
    a->log_g_x = es_calloc(n, sizeof *a->log_g_x, "analysis log_g_x", err);
    a->argmax_y = es_calloc(n, sizeof *a->argmax_y, "analysis argmax_y", err);
    a->mean_y = es_calloc(n, sizeof *a->mean_y, "analysis mean_y", err);
    a->mean_y_err = es_calloc(n, sizeof *a->mean_y_err, "analysis mean_y_err", err);
    a->sgd_mean_y = es_calloc(n, sizeof *a->sgd_mean_y, "analysis sgd_mean_y", err);
    a->sgd_sem_y = es_calloc(n, sizeof *a->sgd_sem_y, "analysis sgd_sem_y", err);
    a->sgd_count = es_calloc(n, sizeof *a->sgd_count, "analysis sgd_count", err);
    a->sgd_run_count = es_calloc(n, sizeof *a->sgd_run_count, "analysis sgd_run_count", err);
    a->advantage = es_calloc(n, sizeof *a->advantage, "analysis advantage", err);
    a->advantage_err = es_calloc(n, sizeof *a->advantage_err, "analysis advantage_err", err);
    if (!a->x || !a->x_edges || !a->log_g_x || !a->argmax_y || !a->mean_y || !a->mean_y_err ||
        !a->sgd_mean_y || !a->sgd_sem_y || !a->sgd_count || !a->sgd_run_count || !a->advantage ||
        !a->advantage_err) {
        es_analysis_free(a);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        a->x[i] = a->argmax_y[i] = a->mean_y[i] = a->mean_y_err[i] = NAN;
        a->sgd_mean_y[i] = a->sgd_sem_y[i] = a->advantage[i] = a->advantage_err[i] = NAN;
        a->log_g_x[i] = -INFINITY;
    }
    for (size_t i = 0; i <= n; i++)
        a->x_edges[i] = NAN;
    es_ana_var_init(&a->xv, "none");
    es_ana_var_init(&a->yv, "none");
    a->replicas = 1;
    return a;
}

void es_analysis_free(es_analysis *a)
{
    if (!a)
        return;
    free(a->x);
    free(a->x_edges);
    free(a->log_g_x);
    free(a->argmax_y);
    free(a->mean_y);
    free(a->mean_y_err);
    free(a->sgd_mean_y);
    free(a->sgd_sem_y);
    free(a->sgd_count);
    free(a->sgd_run_count);
    free(a->advantage);
    free(a->advantage_err);
    free(a->sgd_run_dev);
    free(a);
}

/* ---- the landscape --------------------------------------------------------------------- */

/* Column i of d: ln sum_y e^S, the y of highest S and Eq. 1's <y> (NaN, -inf when the
 * column was never visited; argmax and mean NaN in 1-D). */
static void column_summary(const es_dos *d, size_t i, int has_y, double *log_g_x,
                           double *argmax_y, double *mean_y)
{
    size_t ny = d->y_bins;
    const double *S = d->log_g + i * ny;   /* (y_bins) column of x bin i */
    double smax = -INFINITY;
    size_t jmax = 0;
    for (size_t j = 0; j < ny; j++)
        if (S[j] > smax) {   /* strict: the lowest y wins a tie */
            smax = S[j];
            jmax = j;
        }
    *log_g_x = -INFINITY;
    *argmax_y = *mean_y = NAN;
    if (!isfinite(smax))
        return;   /* column never visited: everything stays undefined */
    double w = 0, wy = 0;   /* sums of e^(S - smax) and y e^(S - smax) */
    for (size_t j = 0; j < ny; j++) {
        if (!(S[j] > -INFINITY))
            continue;
        double e = exp(S[j] - smax);
        w += e;
        wy += e * 0.5 * (d->y_edges[j] + d->y_edges[j + 1]);
    }
    *log_g_x = smax + log(w);
    if (has_y) {
        *argmax_y = 0.5 * (d->y_edges[jmax] + d->y_edges[jmax + 1]);
        *mean_y = wy / w;
    }
}

/* A running mean and sum of squared deviations (Welford); non-finite values are skipped. */
typedef struct welford {
    double m, m2;
    long c;
} welford;

static void welford_add(welford *w, double v)
{
    if (!isfinite(v))
        return;
    w->c++;
    double dv = v - w->m;
    w->m += dv / (double)w->c;
    w->m2 += dv * (v - w->m);
}

/* The landscape's own error of <y>(x) from its independent groups (/dos/log_g_groups):
 * t(0.975, G-1) / 1.96 x sd / sqrt(G) of the groups' <y> in each column (the error of their
 * mean, the estimate the run reports), as for /dos/log_g_err. */
static void group_errors(es_analysis *a, const es_dos *d)
{
    if (!a->has_y || d->n_groups < 2 || !d->log_g_groups)
        return;
    es_dos view = *d;
    for (size_t i = 0; i < a->x_bins; i++) {
        welford w = {0};
        for (size_t g = 0; g < d->n_groups; g++) {
            double lg, am, v;
            view.log_g = d->log_g_groups + g * d->x_bins * d->y_bins;
            column_summary(&view, i, 1, &lg, &am, &v);
            welford_add(&w, v);
        }
        if (w.c >= 2)
            a->mean_y_err[i] = gsl_cdf_tdist_Pinv(0.975, (double)(w.c - 1)) / 1.959963984540054 *
                               sqrt(w.m2 / (double)(w.c - 1) / (double)w.c);
    }
    a->groups = (int)d->n_groups;
}

es_analysis *es_analysis_from_dos(const es_dos *d, es_err *err)
{
    if (!d || d->x_bins == 0 || d->y_bins == 0 || !d->log_g || !d->x_edges || !d->y_edges) {
        es_err_set(err, ES_EDATA, "analysis: the density of states is empty");
        return NULL;
    }
    es_analysis *a = es_analysis_alloc(d->x_bins, err);
    if (!a)
        return NULL;
    es_ana_var_init(&a->xv, d->x_variable);
    es_ana_var_init(&a->yv, d->y_variable);
    a->has_y = strcmp(d->y_variable, "none") != 0;
    for (size_t i = 0; i <= d->x_bins; i++)
        a->x_edges[i] = d->x_edges[i];
    for (size_t i = 0; i < d->x_bins; i++) {
        a->x[i] = 0.5 * (d->x_edges[i] + d->x_edges[i + 1]);
        column_summary(d, i, a->has_y, &a->log_g_x[i], &a->argmax_y[i], &a->mean_y[i]);
    }
    group_errors(a, d);
    return a;
}

/* ---- independent replicas of the landscape --------------------------------------------- */

/* Does replica r have a's variables and the grid of d (the run's /dos)? ES_EDATA naming the
 * difference when not. */
static es_status replica_matches(const es_analysis *a, const es_dos *d, const es_dos *r,
                                 const char *name, es_err *err)
{
    if (strcmp(r->x_variable, a->xv.name) != 0 ||
        strcmp(r->y_variable, a->has_y ? a->yv.name : "none") != 0)
        return es_err_set(err, ES_EDATA, "replica %s samples (%s, %s) but the run samples (%s, "
                          "%s): a replica must be the same landscape with another seed", name,
                          r->x_variable, r->y_variable, a->xv.name,
                          a->has_y ? a->yv.name : "none");
    const char *axis[2] = {"x", "y"};
    size_t bins[2] = {d->x_bins, d->y_bins}, rbins[2] = {r->x_bins, r->y_bins};
    const double *edges[2] = {d->x_edges, d->y_edges}, *redges[2] = {r->x_edges, r->y_edges};
    for (int k = 0; k < (a->has_y ? 2 : 1); k++) {
        if (rbins[k] != bins[k])
            return es_err_set(err, ES_EDATA, "replica %s has %zu %s bins but the run %zu: the "
                              "grids differ", name, rbins[k], axis[k], bins[k]);
        double span = edges[k][bins[k]] - edges[k][0];
        for (size_t i = 0; i <= bins[k]; i++)
            if (!(fabs(redges[k][i] - edges[k][i]) <= 1e-12 * (fabs(edges[k][i]) + fabs(span))))
                return es_err_set(err, ES_EDATA, "replica %s: %s bin edge %zu is %.17g, the "
                                  "run's %.17g: the grids differ", name, axis[k], i,
                                  redges[k][i], edges[k][i]);
    }
    return ES_OK;
}

es_status es_analysis_add_replicas(es_analysis *a, const es_dos *d, const es_dos *const *reps,
                                   const char *const *names, size_t n, es_err *err)
{
    char name[32];
    for (size_t k = 0; k < n; k++) {
        snprintf(name, sizeof name, "#%zu", k + 1);
        es_status st = replica_matches(a, d, reps[k], names && names[k] ? names[k] : name, err);
        if (st != ES_OK)
            return st;
    }
    /* Welford over the landscapes visiting each column: a itself, then every replica */
    for (size_t i = 0; i < a->x_bins; i++) {
        a->mean_y_err[i] = NAN;
        if (!a->has_y)
            continue;
        welford w = {0};
        for (size_t k = 0; k <= n; k++) {
            double v = a->mean_y[i], lg, am;
            if (k > 0)
                column_summary(reps[k - 1], i, 1, &lg, &am, &v);
            welford_add(&w, v);
        }
        if (w.c >= 2)
            a->mean_y_err[i] = sqrt(w.m2 / (double)(w.c - 1));
    }
    a->replicas = (int)n + 1;
    a->replica_files[0] = '\0';
    size_t used = 0;
    for (size_t k = 0; k < n && used < sizeof a->replica_files; k++) {
        snprintf(name, sizeof name, "#%zu", k + 1);
        used += (size_t)snprintf(a->replica_files + used, sizeof a->replica_files - used, "%s%s",
                                 k ? "," : "", names && names[k] ? names[k] : name);
    }
    es_analysis_advantage(a);
    return ES_OK;
}

/* ---- the SGD states -------------------------------------------------------------------- */

static es_status var_usable(const es_ana_var *v, const char *axis, es_err *err)
{
    if (v->metric < 0)
        return es_err_set(err, ES_EDATA, "the landscape's %s variable '%s' has no counterpart in "
                          "a training history (/sgd/history holds train_loss, train_acc, "
                          "test_loss, test_acc)", axis, v->name);
    if (v->transform == ES_ANA_COUNT && !(v->samples > 0))
        return es_err_set(err, ES_EDATA, "the %s variable '%s' counts samples, but the size of "
                          "the split is unknown", axis, v->name);
    return ES_OK;
}

es_status es_analysis_bin_sgd(es_analysis *a, const es_dos *d, const es_sgd *s, es_err *err)
{
    if (!a || !d || !s || d->x_bins != a->x_bins)
        return es_err_set(err, ES_ERUNTIME, "analysis: SGD binning needs the landscape it "
                          "analyses");
    es_status st = var_usable(&a->xv, "x", err);
    if (st == ES_OK && a->has_y)
        st = var_usable(&a->yv, "y", err);
    if (st != ES_OK)
        return st;
    es_grid g;
    st = es_grid_init(&g, 1, (long)d->x_bins, d->x_edges[0], d->x_edges[d->x_bins], 1, 0, 1,
                      err);
    if (st != ES_OK)
        return st;
    size_t n = a->x_bins;
    double *sum = es_calloc(n, sizeof *sum, "SGD sums", err);        /* (x_bins) all runs */
    double *var = es_calloc(n, sizeof *var, "SGD sums", err);        /* (x_bins) sum_r (.)^2 */
    double *run_sum = es_calloc(n, sizeof *run_sum, "SGD sums", err); /* (x_bins) one run */
    int64_t *run_n = es_calloc(n, sizeof *run_n, "SGD sums", err);    /* (x_bins) one run */
    double *dev = es_calloc((size_t)(s->runs > 0 ? s->runs : 1) * n, sizeof *dev,
                            "SGD run deviations", err);   /* (runs, x_bins) */
    if (!sum || !var || !run_sum || !run_n || !dev) {
        free(dev);
        free(sum);
        free(var);
        free(run_sum);
        free(run_n);
        return ES_ENOMEM;
    }
    for (size_t i = 0; i < n; i++)
        a->sgd_count[i] = a->sgd_run_count[i] = 0;
    a->has_sgd = 1;
    a->sgd_runs = s->runs;
    a->sgd_epochs = s->epochs;
    a->sgd_states = (int64_t)s->runs * (a->sgd_final_only ? 1 : s->epochs + 1);
    for (size_t k = 0; k < (size_t)(s->runs > 0 ? s->runs : 1) * n; k++)
        dev[k] = NAN;   /* no state of the run in the bin */
    free(a->sgd_run_dev);
    a->sgd_run_dev = dev;
    a->dev_runs = (size_t)(s->runs > 0 ? s->runs : 0);
    a->sgd_binned = a->sgd_outside = a->sgd_undefined = 0;
    a->n_params = (int64_t)s->n_params;
    snprintf(a->sgd_arch, sizeof a->sgd_arch, "%s", s->arch);
    a->sgd_box_none = s->box_none;
    a->sgd_bound = s->bound;
    a->sgd_runs_outside_box = es_sgd_runs_outside_box(s, NULL);
    /* pass 0: counts and sums for the means; pass 1: run by run, each run's deviation
     * s_r - n_r m from the overall mean m (the runs are the independent clusters) */
    for (int pass = 0; pass < 2; pass++) {
        for (long r = 0; r < s->runs; r++) {
            for (long e = a->sgd_final_only ? s->epochs : 0; e <= s->epochs; e++) {
                const double *row = es_sgd_row(s, r, e);
                double x = es_ana_var_value(&a->xv, row);
                double y = a->has_y ? es_ana_var_value(&a->yv, row) : 0;
                if (!isfinite(x) || !isfinite(y)) {
                    a->sgd_undefined += pass == 0;
                    continue;
                }
                long b = es_grid_bin(&g, x, 0);
                if (b < 0) {
                    a->sgd_outside += pass == 0;
                    continue;
                }
                if (pass == 0) {
                    a->sgd_binned++;
                    a->sgd_count[b]++;
                    sum[b] += y;
                } else {
                    run_n[b]++;
                    run_sum[b] += y;
                }
            }
            if (pass == 0)
                continue;
            for (size_t i = 0; i < n; i++) {
                if (run_n[i] == 0)
                    continue;
                double m = sum[i] / (double)a->sgd_count[i];
                double dv = run_sum[i] - (double)run_n[i] * m;
                var[i] += dv * dv;
                dev[(size_t)r * n + i] = dv / (double)a->sgd_count[i];
                a->sgd_run_count[i]++;
                run_n[i] = 0;
                run_sum[i] = 0;
            }
        }
    }
    for (size_t i = 0; i < n; i++) {
        a->sgd_mean_y[i] = a->sgd_sem_y[i] = NAN;
        if (!a->has_y || a->sgd_count[i] == 0)
            continue;
        double c = (double)a->sgd_count[i], gr = (double)a->sgd_run_count[i];
        a->sgd_mean_y[i] = sum[i] / c;
        if (a->sgd_run_count[i] > 1)
            a->sgd_sem_y[i] = sqrt(gr / (gr - 1) * var[i]) / c;
    }
    free(sum);
    free(var);
    free(run_sum);
    free(run_n);
    es_analysis_advantage(a);
    return ES_OK;
}

void es_analysis_advantage(es_analysis *a)
{
    for (size_t i = 0; i < a->x_bins; i++) {
        a->advantage[i] = a->advantage_err[i] = NAN;
        if (!a->has_y || a->yv.better == 0 || !isfinite(a->mean_y[i]) ||
            !isfinite(a->sgd_mean_y[i]))
            continue;
        a->advantage[i] = (double)a->yv.better * (a->mean_y[i] - a->sgd_mean_y[i]);
        double e_sgd = a->sgd_sem_y[i];
        double e_s = a->replicas > 1 || a->groups > 1 ? a->mean_y_err[i] : 0;
        a->advantage_err[i] = sqrt(e_sgd * e_sgd + e_s * e_s);   /* NaN if either is */
    }
}

/* ---- summaries ------------------------------------------------------------------------- */

size_t es_analysis_overlap(const es_analysis *a, double *lo, double *hi)
{
    size_t n = 0;
    *lo = *hi = NAN;
    for (size_t i = 0; i < a->x_bins; i++) {
        if (!isfinite(a->advantage[i]))
            continue;
        if (n++ == 0)
            *lo = a->x[i];
        *hi = a->x[i];
    }
    return n;
}

es_ana_point es_analysis_at(const es_analysis *a, double x, long max_dist)
{
    es_ana_point p = {x, -1, NAN, NAN, NAN, NAN, NAN};
    long nb = (long)a->x_bins;
    long home = -1;
    if (isfinite(x) && nb > 0 && x >= a->x_edges[0] && x <= a->x_edges[nb]) {
        for (home = 0; home < nb - 1 && !(x < a->x_edges[home + 1]); home++)
            ;
    } else if (isfinite(x) && nb > 0) {
        home = x < a->x_edges[0] ? 0 : nb - 1;
        max_dist -= 1;   /* outside the grid: the edge bin is already one step away */
    }
    if (home < 0)
        return p;
    for (long dist = 0; dist <= max_dist; dist++) {
        long cand[2] = {home - dist, home + dist};
        long best = -1;
        for (int k = 0; k < (dist ? 2 : 1); k++) {
            long b = cand[k];
            if (b < 0 || b >= nb || !isfinite(a->advantage[b]))
                continue;
            /* equally far: the bin whose centre is nearer x */
            if (best < 0 || fabs(a->x[b] - x) < fabs(a->x[best] - x))
                best = b;
        }
        if (best >= 0) {
            p.bin = best;
            p.x = a->x[best];
            p.advantage = a->advantage[best];
            p.err = a->advantage_err[best];
            p.mean_y = a->mean_y[best];
            p.sgd_mean_y = a->sgd_mean_y[best];
            return p;
        }
    }
    return p;
}

/* Does bin i enter a mean: an advantage and an error? */
static int mean_usable(const es_analysis *a, size_t i)
{
    return isfinite(a->advantage[i]) && isfinite(a->advantage_err[i]);
}

es_ana_mean es_analysis_mean_bins(const es_analysis *a, const unsigned char *use)
{
    es_ana_mean m = {NAN, NAN, 0, NAN, NAN, NAN, NAN, a->sgd_run_dev != NULL};
    double sum = 0, sem_sum = 0, land_sum = 0;
    for (size_t i = 0; i < a->x_bins; i++) {
        if (!use[i] || !mean_usable(a, i))
            continue;
        if (m.n++ == 0)
            m.lo = a->x[i];
        m.hi = a->x[i];
        sum += a->advantage[i];
        double e = a->advantage_err[i], sem = isfinite(a->sgd_sem_y[i]) ? a->sgd_sem_y[i] : 0;
        sem_sum += sem;
        land_sum += e > sem ? sqrt(e * e - sem * sem) : 0;   /* the landscape's part */
    }
    if (m.n == 0)
        return m;
    double n = (double)m.n;
    m.advantage = sum / n;
    m.land_err = land_sum / n;
    m.sgd_err = sem_sum / n;
    if (m.clustered) {   /* run r's deviation of the mean over bins: (1/n) sum_i dev_ri */
        double ss = 0;
        long g = 0;
        for (size_t r = 0; r < a->dev_runs; r++) {
            double d = 0;
            int touched = 0;
            for (size_t i = 0; i < a->x_bins; i++)
                if (use[i] && mean_usable(a, i) && !isnan(a->sgd_run_dev[r * a->x_bins + i])) {
                    d += a->sgd_run_dev[r * a->x_bins + i];
                    touched = 1;
                }
            d /= n;
            ss += d * d;
            g += touched;
        }
        m.sgd_err = g > 1 ? sqrt((double)g / (double)(g - 1) * ss) : NAN;
    }
    m.err = sqrt(m.sgd_err * m.sgd_err + m.land_err * m.land_err);
    return m;
}

es_ana_mean es_analysis_mean(const es_analysis *a, double lo, double hi)
{
    unsigned char *use = calloc(a->x_bins, 1);   /* (x_bins) */
    if (!use)
        return (es_ana_mean){lo, hi, 0, NAN, NAN, NAN, NAN, 0};
    for (size_t i = 0; i < a->x_bins; i++)
        use[i] = a->x[i] >= lo && a->x[i] <= hi;
    es_ana_mean m = es_analysis_mean_bins(a, use);
    free(use);
    m.lo = lo;
    m.hi = hi;
    return m;
}
