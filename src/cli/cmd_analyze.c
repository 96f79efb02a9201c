/* cmd_analyze.c: `entroscape analyze RUN.h5 [--sgd TRAIN.h5] [--replica R.h5 ...] [--tsv]
 * [--no-write]`: per x bin of a landscape, the highest-entropy y, the entropy-weighted mean
 * of y (Eq. 1) with its spread over independent replicas, the SGD/Adam states' mean y with
 * its standard error and the advantage; printed and written to /analysis. Also the run
 * loader shared with plot and compare. */
#include "cli.h"
#include "entroscape/config.h"
#include "entroscape/data.h"
#include "entroscape/h5io.h"
#include "entroscape/nn.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- the run loader -------------------------------------------------------------------- */

/* An es_config from key/value pairs (keys this version does not know are skipped). */
static es_status config_from_kv(const es_ana_config *kv, es_config *cfg, es_err *err)
{
    es_config_defaults(cfg);
    for (size_t i = 0; i < kv->n; i++) {
        const char *dot = strchr(kv->kv[i].key, '.');
        if (!dot)
            continue;
        char section[96];
        snprintf(section, sizeof section, "%.*s", (int)(dot - kv->kv[i].key), kv->kv[i].key);
        if (es_config_find(section, dot + 1) < 0)
            continue;
        char assign[400];
        snprintf(assign, sizeof assign, "%s=%s", kv->kv[i].key, kv->kv[i].value);
        es_status st = es_config_set(cfg, assign, err);
        if (st != ES_OK)
            return st;
    }
    return ES_OK;
}

/* Sizes of the training and test splits: task.train_size / test_size when the config sets
 * them, else from the task's data. */
static es_status split_sizes(const es_ana_config *kv, double *n_train, double *n_test,
                             es_err *err)
{
    const char *tr = es_ana_config_get(kv, "task.train_size");
    const char *te = es_ana_config_get(kv, "task.test_size");
    *n_train = tr ? atof(tr) : 0;
    *n_test = te ? atof(te) : 0;
    if (*n_train > 0 && *n_test > 0)
        return ES_OK;
    es_config *cfg = malloc(sizeof *cfg);
    if (!cfg)
        return es_err_set(err, ES_ENOMEM, "out of memory");
    es_err sub = {0};
    es_status st = config_from_kv(kv, cfg, &sub);
    es_data *d = st == ES_OK ? es_data_load(cfg, &sub) : NULL;
    if (!d)
        st = es_err_set(err, ES_EDATA, "the landscape counts correct samples, so the split "
                        "sizes are needed to place the SGD states, and the task's data could "
                        "not be loaded: %s", sub.msg);
    if (d) {
        if (!(*n_train > 0))
            *n_train = (double)d->train.n;
        if (!(*n_test > 0))
            *n_test = (double)d->test.n;
    }
    es_data_free(d);
    free(cfg);
    return st;
}

/* Is the training history in s (file sgd_path, root config kv) one of the run's task?
 * ES_EDATA naming both when not; warnings (to stderr) for networks that differ. */
static es_status check_sgd(const es_cli_run *r, const es_sgd *s, const char *sgd_path,
                           const es_ana_config *kv, es_err *err)
{
    const char *task = es_ana_config_get(&r->cfg, "task.name");
    if (task && strcmp(task, s->task) != 0)
        return es_err_set(err, ES_EDATA, "%s trained task '%s' but %s sampled task '%s': --sgd "
                          "must be a training history of the same task", sgd_path, s->task,
                          r->path, task);
    for (size_t i = 0; i < r->cfg.n; i++) {
        const char *key = r->cfg.kv[i].key, *mine = r->cfg.kv[i].value;
        const char *theirs = es_ana_config_get(kv, key);
        if (!theirs || strcmp(mine, theirs) == 0 || strcmp(key, "task.data_dir") == 0)
            continue;
        if (strncmp(key, "task.", 5) == 0)
            return es_err_set(err, ES_EDATA, "%s trained with %s = %s but %s sampled %s = %s: "
                              "another task's data; --sgd must be a training history of the "
                              "same task", sgd_path, key, theirs, r->path, key, mine);
        if (strncmp(key, "model.", 6) == 0 && strcmp(key, "model.init") != 0)
            fprintf(stderr, "entroscape: warning: %s trained %s = %s but %s sampled %s = %s: "
                    "the networks differ\n", sgd_path, key, theirs, r->path, key, mine);
    }
    const es_ana_var *v[2] = {&r->ana->xv, &r->ana->yv};
    for (int k = 0; k < (r->ana->has_y ? 2 : 1); k++)
        if (!s->classify && (v[k]->metric == ES_TRAIN_ACC || v[k]->metric == ES_TEST_ACC))
            return es_err_set(err, ES_EDATA, "%s is a regression (no accuracies) but the "
                              "landscape's %s variable is %s", sgd_path, k ? "y" : "x",
                              v[k]->name);
    return ES_OK;
}

/* Bin the history in sgd_path into r->ana. */
static es_status add_sgd(es_cli_run *r, const char *sgd_path, es_err *err)
{
    if (r->ana->xv.metric < 0 || (r->ana->has_y && r->ana->yv.metric < 0))
        return es_err_set(err, ES_EDATA, "%s: the landscape's variables (%s, %s) have no "
                          "counterpart in a training history: --sgd applies to networks "
                          "sampled over training and test metrics", r->path, r->ana->xv.name,
                          r->ana->has_y ? r->ana->yv.name : "none");
    es_sgd *s = es_h5_read_sgd(sgd_path, err);
    if (!s)
        return err->status;
    es_err sub = {0};
    char *text = es_h5_read_root_attr(sgd_path, "config", &sub);
    es_ana_config kv;
    es_status st = es_ana_config_parse(text, &kv, err);
    free(text);
    if (st == ES_OK)
        st = check_sgd(r, s, sgd_path, &kv, err);
    es_ana_config_free(&kv);
    es_analysis *a = r->ana;
    if (st == ES_OK && (a->xv.transform == ES_ANA_COUNT ||
                        (a->has_y && a->yv.transform == ES_ANA_COUNT))) {
        double n_train = 0, n_test = 0;
        st = split_sizes(&r->cfg, &n_train, &n_test, err);
        a->xv.samples = n_train;
        a->yv.samples = n_test;
    }
    if (st == ES_OK)
        st = es_analysis_bin_sgd(a, r->dos, s, err);
    if (st == ES_OK) {
        snprintf(a->sgd_file, sizeof a->sgd_file, "%s", sgd_path);
        if (a->sgd_binned == 0)
            fprintf(stderr, "entroscape: warning: none of the %lld SGD/Adam states of %s lies in "
                    "the x range [%g, %g) of %s (%lld outside, %lld undefined)\n",
                    (long long)a->sgd_states, sgd_path, a->x_edges[0], a->x_edges[a->x_bins],
                    r->path, (long long)a->sgd_outside, (long long)a->sgd_undefined);
    }
    es_sgd_free(s);
    return st;
}

/* es_cli_run_load with the states selection and, with no_sgd, without the file's own /sgd;
 * use_stored = 2 keeps only the replica spread of a stored /analysis (quietly). */
static es_status run_load(es_cli_run *r, const char *path, const char *sgd_path, int use_stored,
                          int final_only, int no_sgd, es_err *err)
{
    memset(r, 0, sizeof *r);
    r->path = path;
    if (!(r->dos = es_h5_read_dos(path, err)))
        return err->status;
    es_err sub = {0};
    r->config_text = es_h5_read_root_attr(path, "config", &sub);
    es_status st = es_ana_config_parse(r->config_text, &r->cfg, err);
    if (st != ES_OK)
        return st;
    es_analysis *stored = NULL;
    if (use_stored) {
        int absent = 0;
        stored = es_h5_read_analysis(path, &absent, &sub);
        if (use_stored == 2) {
            /* the replica spread only, below */
        } else if (stored && stored->x_bins == r->dos->x_bins && !sgd_path) {
            r->ana = stored;
            r->stored = 1;
            return ES_OK;
        } else if (!absent && !stored && !sgd_path) {   /* with --sgd only its replicas count */
            fprintf(stderr, "entroscape: warning: %s: /analysis unreadable or from an older "
                    "version, analysing /dos afresh (%s)\n", path, sub.msg);
        } else if (stored && stored->x_bins != r->dos->x_bins) {
            fprintf(stderr, "entroscape: warning: %s: /analysis is stale (x bins differ from "
                    "/dos), analysing /dos afresh\n", path);
        }
    }
    if (!(r->ana = es_analysis_from_dos(r->dos, err))) {
        es_analysis_free(stored);
        return err->status;
    }
    /* the spread over replicas depends on the landscapes only: keep what analyze found */
    if (stored && stored->x_bins == r->dos->x_bins && stored->replicas > 1 &&
        memcmp(stored->x_edges, r->dos->x_edges, (r->dos->x_bins + 1) * sizeof(double)) == 0) {
        memcpy(r->ana->mean_y_err, stored->mean_y_err, r->ana->x_bins * sizeof(double));
        r->ana->replicas = stored->replicas;
        snprintf(r->ana->replica_files, sizeof r->ana->replica_files, "%s",
                 stored->replica_files);
    }
    es_analysis_free(stored);
    if (!sgd_path && !no_sgd && es_h5_has_group(path, "sgd", &sub) > 0)
        sgd_path = path;
    r->ana->sgd_final_only = final_only;
    if (sgd_path)
        st = add_sgd(r, sgd_path, err);
    return st;
}

es_status es_cli_run_load(es_cli_run *r, const char *path, const char *sgd_path, int use_stored,
                          es_err *err)
{
    return run_load(r, path, sgd_path, use_stored, 0, 0, err);
}

es_status es_cli_run_load_states(es_cli_run *r, const char *path, const char *sgd_path,
                                 int final_only, es_err *err)
{
    return run_load(r, path, sgd_path, 2, final_only, 0, err);
}

/* Add the spread of <y>(x) over the independent replicas paths[n] (runs of the same task,
 * network and grid with another sampler.seed). ES_EDATA (err set) naming the file when one
 * is not such a replica. */
static es_status add_replicas(es_cli_run *r, const char *const *paths, size_t n, es_err *err)
{
    es_dos **reps = calloc(n, sizeof *reps);   /* (n) */
    char **seeds = calloc(n, sizeof *seeds);    /* (n) each replica's sampler.seed, or NULL */
    if (!reps || !seeds) {
        free(reps);
        free(seeds);
        return es_err_set(err, ES_ENOMEM, "out of memory reading replicas");
    }
    es_status st = ES_OK;
    const char *seed = es_ana_config_get(&r->cfg, "sampler.seed");
    for (size_t k = 0; k < n && st == ES_OK; k++) {
        if (!(reps[k] = es_h5_read_dos(paths[k], err))) {
            st = err->status;
            break;
        }
        es_err sub = {0};
        char *text = es_h5_read_root_attr(paths[k], "config", &sub);
        es_ana_config kv;
        st = es_ana_config_parse(text, &kv, err);
        free(text);
        for (size_t i = 0; st == ES_OK && i < r->cfg.n; i++) {
            const char *key = r->cfg.kv[i].key, *mine = r->cfg.kv[i].value;
            const char *theirs = es_ana_config_get(&kv, key);
            if ((strncmp(key, "task.", 5) == 0 || strncmp(key, "model.", 6) == 0) &&
                strcmp(key, "task.data_dir") != 0 && (!theirs || strcmp(mine, theirs) != 0))
                st = es_err_set(err, ES_EDATA, "replica %s has %s = %s but %s has %s = %s: a "
                                "replica must sample the same task and network with another "
                                "sampler.seed", paths[k], key, theirs ? theirs : "(unset)",
                                r->path, key, mine);
        }
        /* every landscape needs its own seed: the run's and the earlier replicas' (unset:
         * the default seed, equal to any other unset one) */
        const char *their_seed = es_ana_config_get(&kv, "sampler.seed");
        for (size_t j = 0; st == ES_OK && j <= k; j++) {
            const char *other = j == k ? seed : seeds[j], *who = j == k ? r->path : paths[j];
            if (other ? their_seed && strcmp(other, their_seed) == 0 : !their_seed)
                st = es_err_set(err, ES_EDATA, "replica %s has sampler.seed = %s like %s: the "
                                "same seed and layout give the same landscape, not an "
                                "independent estimate (run it with --set sampler.seed=N)",
                                paths[k], their_seed ? their_seed : "(default)", who);
        }
        seeds[k] = NULL;
        if (st == ES_OK && their_seed && !(seeds[k] = strdup(their_seed)))
            st = es_err_set(err, ES_ENOMEM, "out of memory reading replicas");
        es_ana_config_free(&kv);
    }
    if (st == ES_OK)
        st = es_analysis_add_replicas(r->ana, r->dos, (const es_dos *const *)reps, paths, n,
                                      err);
    for (size_t k = 0; k < n; k++) {
        es_dos_free(reps[k]);
        free(seeds[k]);
    }
    free(reps);
    free(seeds);
    return st;
}

void es_cli_run_free(es_cli_run *r)
{
    free(r->config_text);
    es_ana_config_free(&r->cfg);
    es_dos_free(r->dos);
    es_analysis_free(r->ana);
    memset(r, 0, sizeof *r);
}

/* The network of the config, built to count its parameters: "mlp 2-6-6-6-2 relu, 116
 * parameters" into buf (binary networks: weights only). "" when it cannot be built. */
static void describe_network(const es_ana_config *kv, char *buf, size_t size, int64_t *n_params)
{
    buf[0] = '\0';
    *n_params = 0;
    es_config *cfg = malloc(sizeof *cfg);
    es_err sub = {0};
    es_data *d = NULL;
    nn_net *net = NULL;
    nn_spec spec;
    if (!cfg || config_from_kv(kv, cfg, &sub) != ES_OK || !(d = es_data_load(cfg, &sub)) ||
        nn_spec_from_config(cfg, d, &spec, &sub) != ES_OK)
        goto done;
    int binary = strcmp(cfg->model_weights, "binary") == 0;
    if (binary)
        spec.biases = 0;
    if (!(net = nn_net_alloc(&spec, &sub)))
        goto done;
    *n_params = (int64_t)net->n_params;
    if (binary) {
        size_t k = (size_t)snprintf(buf, size, "binary mlp %zu", spec.n_in);
        for (size_t i = 0; i < spec.n_hidden && k < size; i++)
            k += (size_t)snprintf(buf + k, size - k, "-%zu", spec.hidden[i]);
        if (k < size)
            snprintf(buf + k, size - k, "-%zu sign, %zu weights +-1", spec.n_out, net->n_params);
    } else {
        nn_net_describe(net, buf, size);
    }
done:
    nn_net_free(net);
    es_data_free(d);
    free(cfg);
}

void es_cli_run_title(const es_cli_run *r, char *buf, size_t size)
{
    const char *task = es_ana_config_get(&r->cfg, "task.name");
    char arch[160] = "";
    int64_t n_params = r->ana ? r->ana->n_params : 0;
    if (r->ana && r->ana->sgd_arch[0])
        snprintf(arch, sizeof arch, "%s", r->ana->sgd_arch);
    else if (task && strcmp(task, "particles") != 0 && strcmp(task, "ising") != 0)
        describe_network(&r->cfg, arch, sizeof arch, &n_params);
    if (!task)
        snprintf(buf, size, "%s (no config recorded)", r->path);
    else
        es_ana_describe(&r->cfg, arch, n_params, buf, size);
}

void es_cli_run_subtitle(const es_cli_run *r, char *buf, size_t size)
{
    const es_dos *d = r->dos;
    char win[48] = "";
    if (d->n_windows > 1)
        snprintf(win, sizeof win, ", %zu windows", d->n_windows);
    snprintf(buf, size, "Wang-Landau (%s), %d walker%s%s, %s (ln f = %.3g)", d->method,
             d->walkers, d->walkers == 1 ? "" : "s", win,
             d->converged ? "converged" : "NOT converged", d->ln_f);
}

/* ---- the table ------------------------------------------------------------------------- */

/* One cell: width w, value v with %.*g (prec), "-" (or "nan" in TSV) when undefined. */
static void cell(FILE *f, int tsv, int w, int prec, double v, int first)
{
    if (tsv) {
        fputs(first ? "" : "\t", f);
        if (isfinite(v))
            fprintf(f, "%.*g", prec + 3, v);
        else
            fputs(isnan(v) ? "nan" : v > 0 ? "inf" : "-inf", f);
        return;
    }
    if (isfinite(v))
        fprintf(f, "%*.*g", w + (first ? 0 : 2), prec, v);
    else
        fprintf(f, "%*s", w + (first ? 0 : 2), "-");
}

/* The table: TSV always has every column (nan where undefined); the aligned table leaves
 * out the columns a 1-D run or a run without SGD states cannot fill. */
static void print_table(FILE *f, const es_analysis *a, int tsv)
{
    int y = tsv || a->has_y, sgd = tsv || a->has_sgd, both = tsv || (a->has_y && a->has_sgd);
    int reps = !tsv && a->has_y && a->replicas > 1;
    if (tsv) {
        fputs("x\tlog_g_x\targmax_y\tmean_y\tsgd_mean_y\tsgd_sem_y\tsgd_count\tadvantage\t"
              "advantage_err\tmean_y_err\tsgd_run_count\n", f);
    } else {
        fprintf(f, "%10s  %10s", "x", a->has_y ? "ln g(x)" : "S(x)");
        if (y)
            fprintf(f, "  %10s  %10s", "argmax_y", "mean_y");
        if (reps)
            fprintf(f, "  %10s", "mean_y_err");
        if (both)
            fprintf(f, "  %10s  %10s", "sgd_mean_y", "sgd_sem_y");
        if (sgd)
            fprintf(f, "  %9s  %4s", "sgd_count", "runs");
        if (both)
            fprintf(f, "  %10s  %10s", "advantage", "adv_err");
        fputc('\n', f);
    }
    for (size_t i = 0; i < a->x_bins; i++) {
        cell(f, tsv, 10, 5, a->x[i], 1);
        cell(f, tsv, 10, 5, a->log_g_x[i], 0);
        if (y) {
            cell(f, tsv, 10, 5, a->argmax_y[i], 0);
            cell(f, tsv, 10, 5, a->mean_y[i], 0);
        }
        if (reps)
            cell(f, tsv, 10, 3, a->mean_y_err[i], 0);
        if (both) {
            cell(f, tsv, 10, 5, a->sgd_mean_y[i], 0);
            cell(f, tsv, 10, 3, a->sgd_sem_y[i], 0);
        }
        if (tsv)
            fprintf(f, "\t%lld", (long long)a->sgd_count[i]);
        else if (sgd)
            fprintf(f, "  %9lld  %4lld", (long long)a->sgd_count[i],
                    (long long)a->sgd_run_count[i]);
        if (both) {
            cell(f, tsv, 10, 4, a->advantage[i], 0);
            cell(f, tsv, 10, 3, a->advantage_err[i], 0);
        }
        if (tsv) {
            cell(f, tsv, 10, 3, a->mean_y_err[i], 0);
            fprintf(f, "\t%lld", (long long)a->sgd_run_count[i]);
        }
        fputc('\n', f);
    }
}

/* The header above the table: what was analysed and how the advantage is defined. */
static void print_header(FILE *f, const es_cli_run *r)
{
    const es_analysis *a = r->ana;
    const es_dos *d = r->dos;
    char title[512], sub[256];
    es_cli_run_title(r, title, sizeof title);
    es_cli_run_subtitle(r, sub, sizeof sub);
    fprintf(f, "%s: %s\n  %s\n", r->path, title, sub);
    fprintf(f, "  x: %s (%s), %zu bins over [%g, %g)\n", a->xv.name, a->xv.label, d->x_bins,
            d->x_edges[0], d->x_edges[d->x_bins]);
    if (a->has_y)
        fprintf(f, "  y: %s (%s), %zu bins over [%g, %g)\n", a->yv.name, a->yv.label, d->y_bins,
                d->y_edges[0], d->y_edges[d->y_bins]);
    else
        fprintf(f, "  y: none: a 1-D landscape, S(x) per x bin (ln fraction of the volume); the "
                "advantage needs a y\n");
    if (a->has_sgd) {
        fprintf(f, "  SGD/Adam: %s (%s)\n    %lld runs x (%lld epochs + initialisation)%s = "
                "%lld states: %lld in the x range, %lld outside it, %lld undefined\n",
                a->sgd_file, a->sgd_arch[0] ? a->sgd_arch : "?", (long long)a->sgd_runs,
                (long long)a->sgd_epochs, a->sgd_final_only ? ", final states only (--states "
                "final)" : "", (long long)a->sgd_states, (long long)a->sgd_binned,
                (long long)a->sgd_outside, (long long)a->sgd_undefined);
        if (a->sgd_box_none)
            fprintf(f, "    train.box = none: %lld of %lld runs end outside the box |w| <= %g. "
                "States are placed\n    by their (x, y) wherever they are: the advantage "
                "compares y at equal x, which needs\n    no volume; S(x, y) counts only the "
                "box, so such a state is not a point of it\n", (long long)a->sgd_runs_outside_box,
                (long long)a->sgd_runs, a->sgd_bound);
    } else if (a->xv.metric < 0)
        fprintf(f, "  SGD/Adam: none (x = %s has no gradient-trained counterpart)\n", a->xv.name);
    else
        fprintf(f, "  SGD/Adam: none (--sgd TRAIN.h5 adds the SGD curve%s)\n",
                a->has_y ? " and the advantage" : "");
    if (a->has_y)
        fprintf(f, "  ln g(x): ln fraction of the volume in the x bin; argmax_y: the y of highest "
                "S(x, y);\n  mean_y: <y>(x) = sum_y y e^S / sum_y e^S (Eq. 1)\n");
    if (a->has_y && a->replicas > 1)
        fprintf(f, "  mean_y_err: sd of mean_y over this landscape and %d independent replica%s "
                "(%s)\n", a->replicas - 1, a->replicas == 2 ? "" : "s", a->replica_files);
    if (!a->has_y || !a->has_sgd) {
        fputc('\n', f);
        return;
    }
    if (a->yv.better != 0)
        fprintf(f, "  advantage = %s (%s is better): positive means the high-entropy states "
                "generalise better\n", a->yv.better > 0 ? "mean_y - sgd_mean_y"
                                                        : "sgd_mean_y - mean_y",
                a->yv.better > 0 ? "higher" : "lower");
    else
        fprintf(f, "  advantage: undefined (y = %s is neither an accuracy nor a loss)\n",
                a->yv.name);
    fprintf(f, "  sgd_sem_y: standard error of the SGD/Adam mean with the runs as clusters (epochs "
            "of one\n  run are correlated); runs: the runs with a state in the bin\n");
    if (a->replicas > 1)
        fprintf(f, "  adv_err = sqrt(sgd_sem_y^2 + mean_y_err^2) (with %d landscapes, mean_y_err "
                "has %d degrees of freedom)\n\n", a->replicas, a->replicas - 1);
    else
        fprintf(f, "  adv_err: sgd_sem_y only; the landscape's own error is not included (add "
                "runs with\n  other seeds: --replica R.h5)\n\n");
}

/* The advantage at the 25/50/75% points of the overlap and its mean there (only over bins
 * with centres in [mlo, mhi]: --mean-range). */
static void print_summary(FILE *f, const es_analysis *a, double mlo, double mhi)
{
    double lo, hi;
    size_t nb = es_analysis_overlap(a, &lo, &hi);
    if (!a->has_y || !a->has_sgd)
        return;
    if (nb == 0) {
        fprintf(f, "\nno x bin has both a landscape and SGD/Adam states: no advantage\n");
        return;
    }
    fprintf(f, "\nadvantage where both curves exist (x in [%g, %g], %zu bins):\n", lo, hi, nb);
    static const double q[3] = {0.25, 0.5, 0.75};
    for (int k = 0; k < 3; k++) {
        es_ana_point p = es_analysis_at(a, lo + q[k] * (hi - lo), 2);
        if (p.bin < 0)
            fprintf(f, "  at x = %-10.4g (%2.0f%%): no bin with both curves nearby\n",
                    p.x_target, 100 * q[k]);
        else
            fprintf(f, "  at x = %-10.4g (%2.0f%%): %+.4g +- %.2g  (bin at x = %.4g: <y> %.4g, "
                    "SGD %.4g)\n", p.x_target, 100 * q[k], p.advantage, p.err, p.x, p.mean_y,
                    p.sgd_mean_y);
    }
    es_ana_mean m = es_analysis_mean(a, lo > mlo ? lo : mlo, hi < mhi ? hi : mhi);
    if (m.n)
        fprintf(f, "  mean over the %zu bins with an error: %+.4g +- %.3g (the Adam runs as "
                "clusters across bins)%s\n", m.n, m.advantage, m.err, isfinite(mlo) ||
                isfinite(mhi) ? " within --mean-range" : "");
    else if (isfinite(mlo) || isfinite(mhi))
        fprintf(f, "  no bin with an error within --mean-range [%g, %g]\n", mlo, mhi);
}

/* ---- the command ----------------------------------------------------------------------- */

static void help(void)
{
    printf("usage: entroscape analyze RUN.h5 [--sgd TRAIN.h5 | --no-sgd] [--replica R.h5 ...]\n"
           "                          [--states all-epochs|final] [--mean-range LO,HI]\n"
           "                          [--tsv] [--no-write]\n"
           "       entroscape analyze --ensemble 'RUNS*.h5' [--sgd-ensemble 'TRAINS*.h5']\n"
           "                          [--states all-epochs|final] [-o ENSEMBLE.h5] [--tsv]\n"
           "       entroscape analyze --ensemble-file LIST [--states ...] [-o ENSEMBLE.h5]\n\n"
           "Per x bin of the landscape in RUN.h5 (/dos):\n"
           "  argmax_y    the y of highest entropy S(x, y) (the paper's magenta line)\n"
           "  mean_y      the entropy-weighted mean <y>(x) = sum_y y e^S / sum_y e^S (Eq. 1,\n"
           "              y = bin centres)\n"
           "  sgd_*       every epoch of every run of TRAIN.h5's /sgd/history placed in its x\n"
           "              bin (x and y computed from the history's metrics to match /dos's\n"
           "              variables): count, runs, mean y and its standard error with the\n"
           "              runs as independent clusters (the black curve)\n"
           "  mean_y_err  with --replica: the sample sd of mean_y over RUN.h5 and the replicas\n"
           "              R.h5 (repeatable): runs of the same config with another\n"
           "              sampler.seed, i.e. independent estimates of the landscape\n"
           "  advantage   mean_y - sgd_mean_y for accuracies, sgd_mean_y - mean_y for losses:\n"
           "              positive means the high-entropy states generalise better; its error\n"
           "              is sqrt(sgd_sem_y^2 + mean_y_err^2), or sgd_sem_y alone without\n"
           "              replicas (the landscape's own error then not included)\n"
           "1-D runs (no y) get S(x) and the SGD counts per bin. A training file (written by\n"
           "entroscape train: /sgd, no landscape) gets each metric's mean +- standard error\n"
           "over its runs at selected epochs (--tsv: every epoch) and nothing is written.\n"
           "--mean-range LO,HI restricts the mean over bins to centres in [LO, HI] (e.g.\n"
           "0.925,1: the authors' spiral grid, whose forbidden region removes the 0.9\n"
           "column); in ensembles too.\n"
           "--states final bins only the final state of each run (the paper's protocol);\n"
           "all-epochs (the default) every epoch including the initial state.\n"
           "Without --sgd, RUN.h5's own /sgd is used when it has one, else the SGD/Adam file\n"
           "(and --states) recorded by an earlier analyze in /analysis (said in the output);\n"
           "--no-sgd analyses the landscape alone. The result is printed\n"
           "(aligned, or TSV with --tsv, 'nan' where undefined) and written to /analysis in\n"
           "RUN.h5 (the file is rewritten atomically: a copy gets the group, is fsync'ed and\n"
           "renamed over RUN.h5), unless --no-write.\n\n"
           "The errors are those of one dataset (task.seed): the output says that the\n"
           "between-dataset spread is not included.\n\n"
           "Ensembles over datasets: --ensemble PATTERN (repeatable; quote it: the glob is\n"
           "expanded here) names landscapes that differ only in task.seed, --sgd-ensemble\n"
           "PATTERN their training files, paired by the task.seed recorded in each file\n"
           "(without it each landscape's own /sgd); or --ensemble-file LIST with one dataset\n"
           "per line, 'LANDSCAPE.h5 [TRAIN.h5]' ('#' comments, paths relative to LIST).\n"
           "Everything else must agree: task.*, model.*, the sampler's x/y grid between\n"
           "landscapes, task.* and model.* (but model.init) between a landscape and its\n"
           "training, train.* (but train.seed) and model.init between trainings (exit 2\n"
           "naming the key otherwise). Each dataset d is analysed as above, giving A_d and\n"
           "its within-dataset error e_d per bin; over the n datasets, per bin and for each\n"
           "dataset's mean over the bins all datasets share (runs as clusters across bins):\n"
           "  mean        (1/n) sum_d A_d\n"
           "  se_between  s / sqrt(n), s^2 = sum_d (A_d - mean)^2 / (n - 1)\n"
           "  within_err  sqrt((1/n) sum_d e_d^2)\n"
           "  between_sd  sqrt(max(0, s^2 - within_err^2)): spread of the true advantage\n"
           "  total_err   sqrt((between_sd^2 + within_err^2) / n): the verdict's error\n"
           "                (better or worse when |mean| > 2 total_err)\n"
           "Printed (or TSV with --tsv), and with -o written to a new file ENSEMBLE.h5\n"
           "(/ensemble: per-dataset advantage, the statistics per bin, the range's mean).\n"
           "Nothing is written into the datasets' files.\n\n"
           "Exit codes: 0 ok, 1 unreadable file, not a run, --sgd of another task, or a\n"
           "replica of another task, network or grid, or with a seed already used; 2 usage\n"
           "error.\n");
}

/* A training file (no landscape): the history's summary; nothing is written. */
static int analyze_history(const char *path, int landscape_options, int tsv)
{
    es_err err = {0};
    if (landscape_options) {
        es_err_set(&err, ES_EDATA, "%s is a training history (/sgd, no /dos): --sgd and "
                   "--replica apply to a landscape (entroscape analyze RUN.h5 --sgd %s)", path,
                   path);
        return es_cli_fail(&err);
    }
    es_sgd *s = NULL;
    char title[512], sub[256];
    int rc = 0;
    if (es_cli_history_load(path, &s, title, sizeof title, sub, sizeof sub, &err) != ES_OK)
        rc = es_cli_fail(&err);
    else
        es_cli_history_table(stdout, path, s, title, sub, tsv);
    es_sgd_free(s);
    return rc;
}

/* Is argv[*i] option name ("NAME VALUE" or "NAME=VALUE")? Then *v is its value (advancing
 * *i past it) and 1 is returned; a missing value sets err (ES_EUSAGE). 0: another argument. */
static int option_value(int argc, char **argv, int *i, const char *name, const char **v,
                        es_err *err)
{
    size_t len = strlen(name);
    const char *a = argv[*i];
    if (strncmp(a, name, len) != 0 || (a[len] != '\0' && a[len] != '='))
        return 0;
    *v = a[len] == '=' ? a + len + 1 : *i + 1 < argc ? argv[++*i] : "";
    if (!**v && err->status == ES_OK)
        es_err_set(err, ES_EUSAGE, "%s needs a value (see entroscape analyze --help)", name);
    return 1;
}

/* The SGD/Adam comparison an earlier analyze recorded in run's /analysis, to keep when no
 * --sgd is given and the run has no /sgd of its own: *kept = its file (new string; NULL
 * when there is none) and, unless states_given, its states selection. ES_EIO (err set) when
 * the recorded file cannot be read any more. */
static es_status recorded_sgd(const char *run, char **kept, int *final_only, int states_given,
                              es_err *err)
{
    es_err sub = {0};
    *kept = NULL;
    if (es_h5_has_group(run, "sgd", &sub) > 0 || es_h5_has_group(run, "analysis", &sub) <= 0)
        return ES_OK;
    es_analysis *old = es_h5_read_analysis(run, NULL, &sub);
    if (!old || !old->has_sgd || !old->sgd_file[0] || strcmp(old->sgd_file, run) == 0) {
        es_analysis_free(old);
        return ES_OK;
    }
    es_status st = ES_OK;
    FILE *f = fopen(old->sgd_file, "rb");
    if (!f)
        st = es_err_set(err, ES_EIO, "%s: /analysis compared with the SGD/Adam states of %s, "
                        "which cannot be read now: give --sgd TRAIN.h5, or --no-sgd to drop "
                        "the comparison", run, old->sgd_file);
    else
        fclose(f);
    if (st == ES_OK && !(*kept = strdup(old->sgd_file)))
        st = es_err_set(err, ES_ENOMEM, "out of memory");
    if (st == ES_OK && !states_given)
        *final_only = old->sgd_final_only;
    es_analysis_free(old);
    return st;
}

int es_cmd_analyze(int argc, char **argv)
{
    es_err err = {0};
    const char *run = NULL, *sgd = NULL, *list = NULL, *output = NULL;
    const char **reps = calloc((size_t)argc, sizeof *reps);   /* (argc) --replica files */
    const char **ens = calloc((size_t)argc, sizeof *ens);     /* (argc) --ensemble patterns */
    const char **ens_sgd = calloc((size_t)argc, sizeof *ens_sgd);   /* (argc) --sgd-ensemble */
    size_t n_reps = 0, n_ens = 0, n_ens_sgd = 0;
    int tsv = 0, write = 1, rc = 0, final_only = 0, states_given = 0, no_sgd = 0;
    double mean_lo = -INFINITY, mean_hi = INFINITY;   /* --mean-range */
    char *kept = NULL;   /* the SGD file recorded in /analysis, kept */
    es_cli_run r = {0};
    if (!reps || !ens || !ens_sgd) {
        free(ens);
        free(ens_sgd);
        es_err_set(&err, ES_ENOMEM, "out of memory");
        return es_cli_fail(&err);
    }
    for (int i = 1; i < argc && err.status == ES_OK; i++) {
        const char *a = argv[i];
        const char *v = NULL;   /* the value of an option taking one */
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help();
            free(reps);
            free(ens);
            free(ens_sgd);
            return 0;
        } else if (option_value(argc, argv, &i, "--ensemble", &v, &err)) {
            ens[n_ens++] = v;
        } else if (option_value(argc, argv, &i, "--sgd-ensemble", &v, &err)) {
            ens_sgd[n_ens_sgd++] = v;
        } else if (option_value(argc, argv, &i, "--ensemble-file", &v, &err)) {
            list = v;
        } else if (option_value(argc, argv, &i, "-o", &v, &err)) {
            output = v;
        } else if (option_value(argc, argv, &i, "--states", &v, &err)) {
            states_given = 1;
            final_only = strcmp(v, "final") == 0;
            if (!final_only && strcmp(v, "all-epochs") != 0 && err.status == ES_OK)
                es_err_set(&err, ES_EUSAGE, "--states %s: expected final or all-epochs", v);
        } else if (option_value(argc, argv, &i, "--mean-range", &v, &err)) {
            char *end = NULL;
            mean_lo = strtod(v, &end);
            mean_hi = end && *end == ',' ? strtod(end + 1, &end) : NAN;
            if ((!end || *end || !(mean_lo <= mean_hi)) && err.status == ES_OK)
                es_err_set(&err, ES_EUSAGE, "--mean-range %s: expected LO,HI with LO <= HI "
                           "(x bin centres), e.g. 0.925,1", v);
        } else if (strcmp(a, "--no-sgd") == 0) {
            no_sgd = 1;
        } else if (strcmp(a, "--tsv") == 0) {
            tsv = 1;
        } else if (strcmp(a, "--no-write") == 0) {
            write = 0;
        } else if (strcmp(a, "--sgd") == 0 || strncmp(a, "--sgd=", 6) == 0) {
            sgd = a[5] == '=' ? a + 6 : i + 1 < argc ? argv[++i] : "";
            if (!*sgd)
                es_err_set(&err, ES_EUSAGE, "--sgd needs a file name (see entroscape analyze "
                           "--help)");
        } else if (strcmp(a, "--replica") == 0 || strncmp(a, "--replica=", 10) == 0) {
            const char *v = a[9] == '=' ? a + 10 : i + 1 < argc ? argv[++i] : "";
            if (!*v)
                es_err_set(&err, ES_EUSAGE, "--replica needs a file name (see entroscape "
                           "analyze --help)");
            reps[n_reps++] = v;
        } else if (a[0] == '-' && a[1]) {
            es_err_set(&err, ES_EUSAGE, "unknown option '%s' (see entroscape analyze --help)", a);
        } else if (!run) {
            run = a;
        } else {
            es_err_set(&err, ES_EUSAGE, "unexpected argument '%s': one run file is analysed at "
                       "a time; independent runs of the same config go with --replica (see "
                       "entroscape analyze --help)", a);
        }
    }
    int ensemble = n_ens > 0 || n_ens_sgd > 0 || list;
    if (err.status == ES_OK && ensemble && (run || sgd || n_reps || no_sgd))
        es_err_set(&err, ES_EUSAGE, "--ensemble / --ensemble-file analyse several datasets: "
                   "give no RUN.h5, --sgd, --replica or --no-sgd with them");
    else if (err.status == ES_OK && ensemble && n_ens == 0 && !list)
        es_err_set(&err, ES_EUSAGE, "--sgd-ensemble needs --ensemble with the landscapes");
    else if (err.status == ES_OK && !ensemble && output)
        es_err_set(&err, ES_EUSAGE, "-o ENSEMBLE.h5 goes with --ensemble (a single run's "
                   "analysis is written into RUN.h5 itself)");
    else if (err.status == ES_OK && sgd && no_sgd)
        es_err_set(&err, ES_EUSAGE, "--sgd and --no-sgd contradict each other");
    if (err.status == ES_OK && ensemble) {
        es_cli_ensemble_opts eo = {ens, n_ens, ens_sgd, n_ens_sgd, list, output, final_only,
                                   tsv, mean_lo, mean_hi};
        rc = es_cli_analyze_ensemble(&eo);
        goto done;
    }
    if (err.status == ES_OK && !run)
        es_err_set(&err, ES_EUSAGE, "no run file given (usage: entroscape analyze RUN.h5 "
                   "[--sgd TRAIN.h5] [--replica R.h5 ...] [--tsv], or --ensemble 'RUNS*.h5')");
    if (err.status != ES_OK) {
        rc = es_cli_fail(&err);
        goto done;
    }
    if (es_cli_is_history(run)) {
        rc = analyze_history(run, sgd != NULL || n_reps > 0, tsv);
        goto done;
    }
    if (!sgd && !no_sgd && recorded_sgd(run, &kept, &final_only, states_given, &err) != ES_OK) {
        rc = es_cli_fail(&err);
        goto done;
    }
    if (kept)
        fprintf(tsv ? stderr : stdout, "%skeeping the SGD/Adam comparison recorded in /analysis:"
                " %s (states: %s; --sgd FILE replaces it, --no-sgd drops it)\n%s",
                tsv ? "entroscape: " : "", kept, final_only ? "final" : "all-epochs",
                tsv ? "" : "\n");
    if (run_load(&r, run, sgd ? sgd : kept, n_reps == 0 ? 2 : 0, final_only, no_sgd,
                 &err) != ES_OK ||
        (n_reps > 0 && add_replicas(&r, reps, n_reps, &err) != ES_OK)) {
        rc = es_cli_fail(&err);
        goto done;
    }
    if (n_reps == 0 && r.ana->replicas > 1)
        fprintf(tsv ? stderr : stdout, "%skeeping the replica spread recorded in /analysis: %s "
                "(--replica R.h5 ... replaces it)\n%s", tsv ? "entroscape: " : "",
                r.ana->replica_files, tsv ? "" : "\n");
    if (!tsv)
        print_header(stdout, &r);
    print_table(stdout, r.ana, tsv);
    if (!tsv)
        print_summary(stdout, r.ana, mean_lo, mean_hi);
    if (!tsv && r.ana->has_y && r.ana->has_sgd) {
        const char *seed = es_ana_config_get(&r.cfg, "task.seed");
        printf("one dataset (task.seed = %s): the between-dataset spread is not included in "
               "these errors\n  (analyze --ensemble combines landscapes of several data "
               "seeds)\n", seed ? seed : "1, the default");
    }
    fflush(stdout);
    if (write) {
        es_err sub = {0};
        int had_analysis = es_h5_has_group(run, "analysis", &sub) > 0;
        if (es_h5_write_analysis(run, r.ana, &err) != ES_OK) {
            rc = es_cli_fail(&err);
            fprintf(stderr, "entroscape: (--no-write prints the table without writing)\n");
        } else {
            fprintf(tsv ? stderr : stdout, "%swrote /analysis to %s (%s; the rest of the file "
                    "is unchanged)\n", tsv ? "entroscape: " : "\n", run, had_analysis
                    ? "replacing the earlier /analysis" : "a new group");
        }
    }
done:
    es_cli_run_free(&r);
    free(reps);
    free(ens);
    free(ens_sgd);
    free(kept);
    return rc;
}
