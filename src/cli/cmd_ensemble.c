/* cmd_ensemble.c: `entroscape analyze --ensemble 'RUNS*.h5' [--sgd-ensemble 'TRAINS*.h5']`
 * or `--ensemble-file LIST`: landscape/training pairs that differ only in the data seed
 * (task.seed), paired by it, each analysed as `analyze` does, then combined over datasets
 * (es_ensemble): printed, and written to -o ENSEMBLE.h5 (/ensemble) when asked. */
#include "cli.h"
#include "entroscape/ensemble.h"
#include "entroscape/h5io.h"

#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One dataset: its files, recorded config and analysis. */
typedef struct ens_set {
    char *land, *sgd;           /* paths (sgd NULL: the landscape's own /sgd) */
    es_ana_config lkv, skv;     /* their root `config` attributes */
    int64_t seed;               /* task.seed of the landscape */
    es_cli_run run;
} ens_set;

/* The value of option o in kv: as recorded, else the option's default. */
static const char *opt_value(const es_ana_config *kv, const es_option *o)
{
    char key[128];
    snprintf(key, sizeof key, "%s.%s", o->section, o->key);
    const char *v = es_ana_config_get(kv, key);
    return v ? v : o->def;
}

/* Read path's root `config` attribute into kv. ES_EIO / ES_EDATA (err set). */
static es_status read_config(const char *path, es_ana_config *kv, es_err *err)
{
    es_err sub = {0};
    char *text = es_h5_read_root_attr(path, "config", &sub);
    if (!text)
        return es_err_set(err, sub.status ? sub.status : ES_EDATA, "ensemble: %s: %s", path,
                          sub.msg);
    es_status st = es_ana_config_parse(text, kv, err);
    free(text);
    return st;
}

/* task.seed recorded in kv (the default when unset) into *seed. ES_EUSAGE when malformed. */
static es_status seed_of(const es_ana_config *kv, const char *path, int64_t *seed, es_err *err)
{
    int i = es_config_find("task", "seed");
    const char *v = i >= 0 ? opt_value(kv, &es_options[i]) : "1";
    char *end;
    long long s = strtoll(v, &end, 10);
    if (!*v || *end)
        return es_err_set(err, ES_EUSAGE, "ensemble: %s records task.seed = %s, not an integer",
                          path, v);
    *seed = (int64_t)s;
    return ES_OK;
}

/* Which keys must agree: kind 0 landscape vs the first landscape (task, model, the sampler's
 * variables and grid; not task.seed); kind 1 training vs its landscape (task, model but
 * model.init); kind 2 training vs the first training (train but train.seed, model.init). */
static int key_checked(const es_option *o, int kind)
{
    const char *s = o->section, *k = o->key;
    if (strcmp(s, "task") == 0 && strcmp(k, "data_dir") == 0)
        return 0;
    if (kind == 0)
        return (strcmp(s, "task") == 0 && strcmp(k, "seed") != 0) || strcmp(s, "model") == 0 ||
               (strcmp(s, "sampler") == 0 && (k[0] == 'x' || k[0] == 'y') &&
                (k[1] == '\0' || k[1] == '_'));
    if (kind == 1)
        return strcmp(s, "task") == 0 || (strcmp(s, "model") == 0 && strcmp(k, "init") != 0);
    return (strcmp(s, "train") == 0 && strcmp(k, "seed") != 0) ||
           (strcmp(s, "model") == 0 && strcmp(k, "init") == 0);
}

/* Do a (file pa) and b (file pb) agree on the keys of kind? ES_EUSAGE naming the first key
 * that differs. */
static es_status same_keys(const es_ana_config *a, const char *pa, const es_ana_config *b,
                           const char *pb, int kind, es_err *err)
{
    static const char *const why[3] = {
        "the datasets of an ensemble differ only in task.seed",
        "a training file must train the landscape's task and network on the same data",
        "every dataset's training must use the same protocol"};
    for (size_t i = 0; i < es_n_options; i++) {
        const es_option *o = &es_options[i];
        if (!key_checked(o, kind))
            continue;
        const char *va = opt_value(a, o), *vb = opt_value(b, o);
        if (strcmp(va, vb) != 0)
            return es_err_set(err, ES_EUSAGE, "ensemble: %s has %s.%s = %s but %s has %s.%s = "
                              "%s: %s", pb, o->section, o->key, vb, pa, o->section, o->key, va,
                              why[kind]);
    }
    return ES_OK;
}

/* Does a file matching a pattern belong in the list? Checkpoints (*.ckpt.h5) never; for
 * landscapes (landscapes = 1) not training histories either, so that 'out/NAME-d*.h5'
 * can sit beside 'out/NAME-d*-train.h5'. */
static int wanted(const char *path, int landscapes)
{
    size_t len = strlen(path);
    if (len >= 8 && strcmp(path + len - 8, ".ckpt.h5") == 0)
        return 0;
    return !landscapes || !es_cli_is_history(path);
}

/* Append the files matching pattern to (*list)[*n] (grown), leaving out those not wanted
 * (said on stderr). ES_EUSAGE when none matches. */
static es_status expand(const char *pattern, int landscapes, char ***list, size_t *n,
                        es_err *err)
{
    glob_t g;
    int rc = glob(pattern, 0, NULL, &g);
    if (rc == GLOB_NOMATCH || (rc == 0 && g.gl_pathc == 0)) {
        globfree(&g);
        return es_err_set(err, ES_EUSAGE, "ensemble: no file matches '%s'", pattern);
    }
    if (rc != 0) {
        globfree(&g);
        return es_err_set(err, ES_EIO, "ensemble: cannot expand '%s'", pattern);
    }
    char **grown = realloc(*list, (*n + g.gl_pathc) * sizeof *grown);
    es_status st = grown ? ES_OK : es_err_set(err, ES_ENOMEM, "out of memory");
    size_t skipped = 0;
    for (size_t k = 0; st == ES_OK && k < g.gl_pathc; k++) {
        if (!wanted(g.gl_pathv[k], landscapes)) {
            skipped++;
            continue;
        }
        if (!(grown[(*n)++] = strdup(g.gl_pathv[k])))
            st = es_err_set(err, ES_ENOMEM, "out of memory");
    }
    if (skipped)
        fprintf(stderr, "entroscape: '%s': left out %zu file%s that %s\n", pattern, skipped,
                skipped == 1 ? "" : "s", landscapes ? "are checkpoints or training histories, "
                "not landscapes" : "are checkpoints");
    if (st == ES_OK && skipped == g.gl_pathc)
        st = es_err_set(err, ES_EUSAGE, "ensemble: no %s matches '%s'", landscapes ?
                        "landscape" : "training file", pattern);
    if (grown)
        *list = grown;
    globfree(&g);
    return st;
}

/* Read LIST: one dataset per line, "LANDSCAPE.h5 [TRAIN.h5]" ('#' starts a comment; paths
 * relative to LIST's directory), appended to land[] / sgd[] (NULL: the landscape's /sgd). */
static es_status read_list(const char *path, char ***land, char ***sgd, size_t *n, es_err *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return es_err_set(err, ES_EUSAGE, "--ensemble-file %s: cannot open it", path);
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    char line[4096];
    es_status st = ES_OK;
    for (int lineno = 1; st == ES_OK && fgets(line, sizeof line, f); lineno++) {
        char *hash = strchr(line, '#');
        if (hash)
            *hash = '\0';
        char a[2048], b[2048], c[8];
        int got = sscanf(line, "%2047s %2047s %7s", a, b, c);
        if (got <= 0)
            continue;
        if (got > 2) {
            st = es_err_set(err, ES_EUSAGE, "--ensemble-file %s, line %d: expected "
                            "'LANDSCAPE.h5 [TRAIN.h5]'", path, lineno);
            break;
        }
        char **l2 = realloc(*land, (*n + 1) * sizeof *l2);
        if (l2)
            *land = l2;
        char **s2 = l2 ? realloc(*sgd, (*n + 1) * sizeof *s2) : NULL;
        if (s2)
            *sgd = s2;
        if (!l2 || !s2) {
            st = es_err_set(err, ES_ENOMEM, "out of memory");
            break;
        }
        const char *fn[2] = {a, b};
        char *full[2] = {NULL, NULL};
        for (int k = 0; k < got; k++) {
            size_t len = strlen(fn[k]) + (size_t)dirlen + 1;
            if ((full[k] = malloc(len)))
                snprintf(full[k], len, "%.*s%s", fn[k][0] == '/' ? 0 : dirlen, path, fn[k]);
        }
        (*land)[*n] = full[0];
        (*sgd)[*n] = full[1];
        (*n)++;
        if (!full[0] || (got == 2 && !full[1]))
            st = es_err_set(err, ES_ENOMEM, "out of memory");
    }
    fclose(f);
    return st;
}

/* Pair the datasets: sets[k].sgd = the training file of sets[k].seed. ES_EUSAGE when a seed
 * has no training file, two training files share one, or one matches no landscape. */
static es_status pair(ens_set *sets, size_t n, char **trains, size_t nt, es_err *err)
{
    es_status st = ES_OK;
    for (size_t t = 0; t < nt && st == ES_OK; t++) {
        es_ana_config kv;
        int64_t seed = 0;
        st = read_config(trains[t], &kv, err);
        if (st == ES_OK)
            st = seed_of(&kv, trains[t], &seed, err);
        size_t k = 0;
        while (st == ES_OK && k < n && sets[k].seed != seed)
            k++;
        if (st == ES_OK && k == n)
            st = es_err_set(err, ES_EUSAGE, "ensemble: %s has task.seed = %lld but no "
                            "landscape has", trains[t], (long long)seed);
        else if (st == ES_OK && sets[k].sgd)
            st = es_err_set(err, ES_EUSAGE, "ensemble: %s and %s both have task.seed = %lld: "
                            "one training file per dataset", sets[k].sgd, trains[t],
                            (long long)seed);
        if (st == ES_OK) {
            sets[k].sgd = trains[t];
            sets[k].skv = kv;
        } else {
            es_ana_config_free(&kv);
        }
    }
    for (size_t k = 0; k < n && st == ES_OK && nt > 0; k++)
        if (!sets[k].sgd)
            st = es_err_set(err, ES_EUSAGE, "ensemble: %s has task.seed = %lld but no training "
                            "file has", sets[k].land, (long long)sets[k].seed);
    return st;
}

/* v as "%+10.4f" (sign) or "%10.4f", or "-" when undefined, right-aligned in 10 + 2. */
static void num(FILE *f, double v, int sign)
{
    if (isfinite(v))
        fprintf(f, sign ? "  %+10.4f" : "  %10.4f", v);
    else
        fprintf(f, "  %10s", "-");
}

/* The printed result: per bin, the mean over the common range, each dataset, the verdict. */
static void print_ensemble(FILE *f, const es_ensemble *e, const ens_set *sets, int tsv)
{
    if (tsv) {
        fputs("x\tn_datasets\tmean_advantage\tse_between\twithin_err\tbetween_sd\ttotal_err\n",
              f);
        for (size_t i = 0; i <= e->x_bins; i++) {
            const es_ens_stat *s = i < e->x_bins ? &e->bin[i] : &e->mean;
            if (i < e->x_bins)
                fprintf(f, "%.8g", e->x[i]);
            else
                fputs("mean", f);
            fprintf(f, "\t%ld\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\n", s->n, s->mean, s->se_between,
                    s->within, s->between_sd, s->total);
        }
        return;
    }
    fprintf(f, "ensemble of %zu datasets (task.seed", e->n_sets);
    for (size_t k = 0; k < e->n_sets; k++)
        fprintf(f, "%s%lld", k ? ", " : " ", (long long)e->seeds[k]);
    fprintf(f, "): x = %s, y = %s, SGD/Adam states: %s\n", e->xv.name, e->yv.name,
            e->final_only ? "final state of each run" : "every epoch of every run");
    fprintf(f, "  per dataset d: advantage A_d and its within-dataset error e_d (as analyze "
            "reports it); over datasets:\n  mean; se_between = s / sqrt(n) with s the sd of A_d;"
            " within_err = sqrt(mean e_d^2);\n  between_sd = sqrt(max(0, s^2 - within_err^2));"
            " total_err = sqrt((between_sd^2 + within_err^2) / n)\n\n");
    fprintf(f, "%10s  %8s  %10s  %10s  %10s  %10s  %10s\n", "x", "datasets", "advantage",
            "se_between", "within_err", "between_sd", "total_err");
    for (size_t i = 0; i < e->x_bins; i++) {
        const es_ens_stat *s = &e->bin[i];
        if (s->n == 0)
            continue;
        fprintf(f, "%10.5g  %8ld", e->x[i], s->n);
        num(f, s->mean, 1);
        num(f, s->se_between, 0);
        num(f, s->within, 0);
        num(f, s->between_sd, 0);
        num(f, s->total, 0);
        fputs(e->common[i] ? "\n" : s->n < (long)e->n_sets ? "  (not every dataset)\n"
              : "  (outside --mean-range)\n", f);
    }
    if (e->n_common == 0) {
        fprintf(f, "\nno x bin where every dataset has an advantage with an error: no mean\n");
        return;
    }
    fprintf(f, "\neach dataset's mean over the %zu bins every dataset has (x in [%g, %g]; error "
            "with the runs as clusters%s):\n", e->n_common, e->lo, e->hi,
            e->set_clustered ? "" : ", or an upper bound where /analysis lacks sgd_run_dev");
    for (size_t k = 0; k < e->n_sets; k++)
        fprintf(f, "  task.seed %-6lld %+.4f +- %.4f  (%s, %s)\n", (long long)e->seeds[k],
                e->set_mean[k], e->set_mean_err[k], sets[k].land,
                sets[k].sgd ? sets[k].sgd : "its own /sgd");
    const es_ens_stat *m = &e->mean;
    fprintf(f, "mean over datasets: %+.4f  se_between %.4f  within_err %.4f  between_sd %.4f  "
            "total_err %.4f\n", m->mean, m->se_between, m->within, m->between_sd, m->total);
    int v = es_ens_verdict(m);
    fprintf(f, "verdict (at 2 total_err): %s\n", v > 0 ? "the high-entropy states generalise "
            "better" : v < 0 ? "the SGD/Adam states generalise better" : "no difference");
    if (e->n_sets == 1)
        fprintf(f, "one dataset: the between-dataset spread is not included (total_err = "
                "within_err)\n");
}

int es_cli_analyze_ensemble(const es_cli_ensemble_opts *o)
{
    es_err err = {0};
    char **land = NULL, **trains = NULL, **listed_sgd = NULL;
    size_t n = 0, nt = 0, nl = 0;
    ens_set *sets = NULL;
    es_ensemble *e = NULL;
    es_status st = ES_OK;
    for (size_t k = 0; k < o->n_land && st == ES_OK; k++)
        st = expand(o->land[k], 1, &land, &n, &err);
    for (size_t k = 0; k < o->n_sgd && st == ES_OK; k++)
        st = expand(o->sgd[k], 0, &trains, &nt, &err);
    if (st == ES_OK && o->list && (o->n_land > 0 || o->n_sgd > 0))
        st = es_err_set(&err, ES_EUSAGE, "--ensemble-file %s names every file itself: give it "
                        "without --ensemble or --sgd-ensemble", o->list);
    if (st == ES_OK && o->list) {
        st = read_list(o->list, &land, &listed_sgd, &n, &err);
        nl = n;
    }
    if (st == ES_OK && n == 0)
        st = es_err_set(&err, ES_EUSAGE, "ensemble: no landscape file given");
    if (st == ES_OK && !(sets = calloc(n, sizeof *sets)))
        st = es_err_set(&err, ES_ENOMEM, "out of memory");
    for (size_t k = 0; k < n && st == ES_OK; k++) {
        sets[k].land = land[k];
        if (listed_sgd)
            sets[k].sgd = listed_sgd[k];
        st = read_config(land[k], &sets[k].lkv, &err);
        if (st == ES_OK)
            st = seed_of(&sets[k].lkv, land[k], &sets[k].seed, &err);
        if (st == ES_OK && k > 0)
            st = same_keys(&sets[0].lkv, land[0], &sets[k].lkv, land[k], 0, &err);
        for (size_t j = 0; j < k && st == ES_OK; j++)
            if (sets[j].seed == sets[k].seed)
                st = es_err_set(&err, ES_EUSAGE, "ensemble: %s and %s both have task.seed = "
                                "%lld: one landscape per dataset (replicas of one landscape go "
                                "with --replica)", land[j], land[k], (long long)sets[k].seed);
    }
    if (st == ES_OK && nt > 0)
        st = pair(sets, n, trains, nt, &err);
    for (size_t k = 0; k < n && st == ES_OK; k++) {
        if (sets[k].sgd && !sets[k].skv.kv && sets[k].skv.n == 0)
            st = read_config(sets[k].sgd, &sets[k].skv, &err);
        if (st == ES_OK && sets[k].sgd)
            st = same_keys(&sets[k].lkv, land[k], &sets[k].skv, sets[k].sgd, 1, &err);
        if (st == ES_OK && sets[k].sgd && k > 0 && sets[0].sgd)
            st = same_keys(&sets[0].skv, sets[0].sgd, &sets[k].skv, sets[k].sgd, 2, &err);
    }
    for (size_t k = 0; k < n && st == ES_OK; k++)
        st = es_cli_run_load_states(&sets[k].run, land[k], sets[k].sgd, o->final_only, &err);
    if (st == ES_OK) {
        const es_analysis **ana = calloc(n, sizeof *ana);   /* (n) */
        int64_t *seeds = calloc(n, sizeof *seeds);          /* (n) */
        const char **sgd_names = calloc(n, sizeof *sgd_names);
        if (!ana || !seeds || !sgd_names) {
            st = es_err_set(&err, ES_ENOMEM, "out of memory");
        } else {
            for (size_t k = 0; k < n; k++) {
                ana[k] = sets[k].run.ana;
                seeds[k] = sets[k].seed;
                sgd_names[k] = sets[k].sgd ? sets[k].sgd : sets[k].land;
            }
            if (!(e = es_ensemble_from_analyses_in(ana, seeds, (const char *const *)land, n,
                                                   o->mean_lo, o->mean_hi, &err)))
                st = err.status;
            if (st == ES_OK) {
                print_ensemble(stdout, e, sets, o->tsv);
                fflush(stdout);
            }
            if (st == ES_OK && o->output) {
                st = es_h5_write_ensemble(o->output, e, (const char *const *)land, sgd_names,
                                          sets[0].run.config_text, &err);
                if (st == ES_OK)
                    fprintf(o->tsv ? stderr : stdout, "%swrote /ensemble to %s (a new file)\n",
                            o->tsv ? "entroscape: " : "\n", o->output);
            }
        }
        free(ana);
        free(seeds);
        free(sgd_names);
    }
    int rc = st == ES_OK ? 0 : es_cli_fail(&err);
    for (size_t k = 0; sets && k < n; k++) {
        es_ana_config_free(&sets[k].lkv);
        es_ana_config_free(&sets[k].skv);
        es_cli_run_free(&sets[k].run);
    }
    free(sets);
    es_ensemble_free(e);
    for (size_t k = 0; k < n; k++)
        free(land[k]);
    for (size_t k = 0; k < nt; k++)
        free(trains[k]);
    for (size_t k = 0; k < nl; k++)
        free(listed_sgd[k]);
    free(land);
    free(trains);
    free(listed_sgd);
    return rc;
}
