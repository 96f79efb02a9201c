/* cmd_compare_ensemble.c: `entroscape compare A-ENSEMBLE.h5 B-ENSEMBLE.h5 ...` on files that
 * `analyze --ensemble ... -o` wrote: each ensemble's mean advantage over datasets, and the
 * first minus each other one dataset by dataset (paired by task.seed) with its ensemble
 * error, e.g. narrow minus wide over the same data seeds. */
#include "cli.h"
#include "entroscape/ensemble.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "+0.0123 +- 0.0045 (n = 10)" of s into buf. */
static const char *stat_text(const es_ens_stat *s, char *buf, size_t size)
{
    if (s->n == 0)
        snprintf(buf, size, "-");
    else
        snprintf(buf, size, "%+.4f +- %.4f (n = %ld%s)", s->mean, s->total, s->n,
                 s->n == 1 ? ", between-dataset spread not included" : "");
    return buf;
}

/* The verdict on a difference first - other. */
static const char *diff_verdict(const es_ens_stat *s)
{
    int v = es_ens_verdict(s);
    return v > 0 ? "the first has the larger advantage" : v < 0 ? "the other has the larger "
           "advantage" : "no difference at 2 total_err";
}

int es_cli_compare_ensembles(const char *const *files, size_t n, int tsv)
{
    es_err err = {0};
    es_ensemble **e = calloc(n, sizeof *e);   /* (n) */
    int rc = 0;
    if (!e) {
        es_err_set(&err, ES_ENOMEM, "out of memory");
        return es_cli_fail(&err);
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        if (!(e[i] = es_h5_read_ensemble(files[i], &err)))
            rc = es_cli_fail(&err);
        else if (i > 0 && (strcmp(e[i]->xv.name, e[0]->xv.name) != 0 ||
                           strcmp(e[i]->yv.name, e[0]->yv.name) != 0)) {
            es_err_set(&err, ES_EDATA, "%s is an ensemble over (%s, %s) but %s over (%s, %s): "
                       "compare needs the same variables", files[i], e[i]->xv.name,
                       e[i]->yv.name, files[0], e[0]->xv.name, e[0]->yv.name);
            rc = es_cli_fail(&err);
        }
    }
    size_t cap = rc == 0 ? e[0]->n_sets : 0;
    double *d = calloc(cap + 1, sizeof *d), *de = calloc(cap + 1, sizeof *de);
    int64_t *seeds = calloc(cap + 1, sizeof *seeds);
    if (rc == 0 && (!d || !de || !seeds)) {
        es_err_set(&err, ES_ENOMEM, "out of memory");
        rc = es_cli_fail(&err);
    }
    if (rc == 0 && tsv)
        printf("file\tn_datasets\tlo\thi\tmean_advantage\tse_between\twithin_err\tbetween_sd\t"
               "total_err\n");
    char buf[160];
    for (size_t i = 0; i < n && rc == 0; i++) {
        const es_ensemble *a = e[i];
        if (tsv)
            printf("%s\t%ld\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\n", files[i], a->mean.n,
                   a->lo, a->hi, a->mean.mean, a->mean.se_between, a->mean.within,
                   a->mean.between_sd, a->mean.total);
        else
            printf("%s: %zu datasets, %s states, mean over x in [%g, %g]: %s\n", files[i],
                   a->n_sets, a->final_only ? "final" : "all-epoch", a->lo, a->hi,
                   stat_text(&a->mean, buf, sizeof buf));
    }
    for (size_t i = 1; i < n && rc == 0; i++) {
        es_ens_stat s;
        size_t m = es_ensemble_diff(e[0], e[i], d, de, seeds, &s);
        if (tsv) {
            printf("%s - %s\t%ld\tnan\tnan\t%.8g\t%.8g\t%.8g\t%.8g\t%.8g\n", files[0], files[i],
                   s.n, s.mean, s.se_between, s.within, s.between_sd, s.total);
            continue;
        }
        printf("\n%s - %s, dataset by dataset (%zu data seeds in both):\n", files[0], files[i],
               m);
        for (size_t k = 0; k < m; k++)
            printf("  task.seed %-6lld %+.4f +- %.4f\n", (long long)seeds[k], d[k], de[k]);
        printf("  over datasets: %s; se_between %.4f, within_err %.4f, between_sd %.4f: %s\n",
               stat_text(&s, buf, sizeof buf), s.se_between, s.within, s.between_sd,
               diff_verdict(&s));
        if (fabs(e[0]->lo - e[i]->lo) > 1e-12 || fabs(e[0]->hi - e[i]->hi) > 1e-12)
            printf("  note: the ranges of the means differ ([%g, %g] vs [%g, %g])\n", e[0]->lo,
                   e[0]->hi, e[i]->lo, e[i]->hi);
    }
    free(d);
    free(de);
    free(seeds);
    for (size_t i = 0; i < n; i++)
        es_ensemble_free(e[i]);
    free(e);
    return rc;
}
