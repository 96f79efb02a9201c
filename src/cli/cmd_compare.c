/* cmd_compare.c: `entroscape compare A.h5 B.h5 ... [-o DIR] [--at X,...]`: the advantage of
 * the high-entropy states across runs, against the config keys in which the runs differ
 * (e.g. model.hidden: "more pronounced in narrower networks"), as a table and two figures. */
#include "cli.h"
#include "entroscape/h5io.h"
#include "entroscape/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define MAX_LEVELS 16

static void help(void)
{
    printf("usage: entroscape compare A.h5 B.h5 ... [-o DIR] [--format png|pdf] [--at X,X,...]\n"
           "                          [--name NAME] [--tsv] [--no-plot]\n\n"
           "Compare the advantage of the high-entropy states over SGD/Adam across runs that\n"
           "differ in some config keys (found by comparing the files' `config` attributes key\n"
           "by key, output.* ignored), e.g. model.hidden or task.train_size. Each file's\n"
           "/analysis is used (entroscape analyze RUN.h5 --sgd TRAIN.h5 writes it); a file\n"
           "without one is analysed on the fly against its own /sgd, or without SGD states.\n"
           "All files need the same x and y variables.\n\n"
           "Reported per file: the advantage (+- its error: the SGD standard error, with the\n"
           "spread over replicas when analyze --replica added it) at x levels, by default\n"
           "the 25/50/75%% points of the x range where every file has both curves (--at sets\n"
           "them, e.g. --at -6,-4,-2 for ln training loss), taken from the bin containing x\n"
           "or the nearest bin with both curves at most 2 bins away; and the mean advantage\n"
           "over that common range (error: the SGD part with the Adam runs as clusters\n"
           "across bins, the landscape part taken as correlated across bins; see README).\n\n"
           "Figures (gnuplot, unless --no-plot): DIR/NAME-advantage.FORMAT (the advantage\n"
           "against x, one curve per file) and DIR/NAME-levels.FORMAT (the advantage at each\n"
           "level and its mean, per file); DIR defaults to the first file's directory, NAME to\n"
           "'compare', FORMAT to png.\n\n"
           "Ensemble files (written by analyze --ensemble ... -o ENSEMBLE.h5) are compared\n"
           "as ensembles: each one's mean advantage over datasets, then the first minus each\n"
           "other dataset by dataset (paired by task.seed) with the ensemble errors (e.g.\n"
           "narrow minus wide over the same data seeds); no figures.\n\n"
           "Exit codes: 0 ok, 1 unreadable file, mismatched variables, gnuplot missing or\n"
           "failing, 2 usage error.\n");
}

/* Parse "a,b,c" into levels[<= MAX_LEVELS]. ES_EUSAGE (err set) when malformed. */
static es_status parse_levels(const char *s, double *levels, size_t *n, es_err *err)
{
    *n = 0;
    const char *p = s;
    while (*p) {
        char *end;
        double v = strtod(p, &end);
        if (end == p || !isfinite(v) || (*end && *end != ',') || *n == MAX_LEVELS)
            return es_err_set(err, ES_EUSAGE, "--at %s: expected up to %d numbers separated by "
                              "commas", s, MAX_LEVELS);
        levels[(*n)++] = v;
        p = *end ? end + 1 : end;
    }
    if (*n == 0)
        return es_err_set(err, ES_EUSAGE, "--at needs at least one number");
    return ES_OK;
}

static const char *base_name(const char *path)
{
    const char *s = strrchr(path, '/');
    return s ? s + 1 : path;
}

/* The config keys (not output.*) whose values differ between the runs: indices into
 * runs[0].cfg's keys, or keys only some files have (listed from every file). */
typedef struct diff_keys {
    size_t n;
    char key[32][96];
} diff_keys;

static void find_diff_keys(const es_cli_run *runs, size_t n, diff_keys *dk)
{
    dk->n = 0;
    for (size_t f = 0; f < n; f++)
        for (size_t i = 0; i < runs[f].cfg.n; i++) {
            const char *key = runs[f].cfg.kv[i].key;
            if (es_ana_config_key_is_output(key))
                continue;
            int seen = 0;
            for (size_t k = 0; k < dk->n && !seen; k++)
                seen = strcmp(dk->key[k], key) == 0;
            if (seen || dk->n == ES_ARRAY_LEN(dk->key))
                continue;
            const char *v0 = es_ana_config_get(&runs[0].cfg, key);
            int differs = 0;
            for (size_t g = 1; g < n && !differs; g++) {
                const char *v = es_ana_config_get(&runs[g].cfg, key);
                differs = (!v != !v0) || (v && strcmp(v, v0) != 0);
            }
            if (differs)
                snprintf(dk->key[dk->n++], sizeof dk->key[0], "%s", key);
        }
}

/* "6,6,6" or "model.hidden=6,6,6<sep>task.n=40" for run r; the file name when nothing
 * differs. */
static void make_label(const es_cli_run *r, const diff_keys *dk, const char *sep, char *buf,
                       size_t size)
{
    if (dk->n == 0) {
        snprintf(buf, size, "%s", base_name(r->path));
        return;
    }
    size_t k = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < dk->n && k < size; i++) {
        const char *v = es_ana_config_get(&r->cfg, dk->key[i]);
        if (dk->n == 1)
            k += (size_t)snprintf(buf + k, size - k, "%s", v ? v : "(unset)");
        else
            k += (size_t)snprintf(buf + k, size - k, "%s%s=%s", i ? sep : "", dk->key[i],
                                  v ? v : "(unset)");
    }
}

int es_cmd_compare(int argc, char **argv)
{
    es_err err = {0};
    const char *files[256], *dir = NULL, *format = "png", *name = "compare", *at = NULL;
    size_t n = 0;
    int tsv = 0, plot = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help();
            return 0;
        } else if (strcmp(a, "--tsv") == 0) {
            tsv = 1;
            continue;
        } else if (strcmp(a, "--no-plot") == 0) {
            plot = 0;
            continue;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            val = &dir;
        } else if (strcmp(a, "--format") == 0) {
            val = &format;
        } else if (strcmp(a, "--name") == 0) {
            val = &name;
        } else if (strcmp(a, "--at") == 0) {
            val = &at;
        } else if (a[0] == '-' && a[1]) {
            es_err_set(&err, ES_EUSAGE, "unknown option '%s' (see entroscape compare --help)", a);
            return es_cli_fail(&err);
        } else {
            if (n == ES_ARRAY_LEN(files)) {
                es_err_set(&err, ES_EUSAGE, "too many files (at most %zu)", ES_ARRAY_LEN(files));
                return es_cli_fail(&err);
            }
            files[n++] = a;
            continue;
        }
        if (i + 1 >= argc || !argv[i + 1][0]) {
            es_err_set(&err, ES_EUSAGE, "%s needs a value (see entroscape compare --help)", a);
            return es_cli_fail(&err);
        }
        *val = argv[++i];
    }
    double levels[MAX_LEVELS];
    size_t n_levels = 0;
    es_plot_format fmt = ES_PLOT_PNG;
    if (n < 2)
        es_err_set(&err, ES_EUSAGE, "compare needs at least two run files (usage: entroscape "
                   "compare A.h5 B.h5 ...)");
    else if (at)
        parse_levels(at, levels, &n_levels, &err);
    if (err.status == ES_OK)
        es_plot_parse_format(format, &fmt, &err);
    if (err.status == ES_OK && (strchr(name, '/') || strchr(name, '\n') ||
                                (dir && strchr(dir, '\n'))))
        es_err_set(&err, ES_EUSAGE, "--name %s / -o: no '/' in the name, no newlines", name);
    if (err.status != ES_OK)
        return es_cli_fail(&err);
    es_err sub = {0};
    if (es_h5_has_group(files[0], "ensemble", &sub) > 0)   /* analyze --ensemble -o files */
        return es_cli_compare_ensembles(files, n, tsv);
    char gp[4096];
    if (plot && es_plot_find_gnuplot(gp, sizeof gp, &err) != ES_OK)
        return es_cli_fail(&err);

    es_cli_run *runs = calloc(n, sizeof *runs);
    char (*labels)[256] = calloc(n, sizeof *labels);
    char (*legend)[320] = calloc(n, sizeof *legend);
    char (*tics)[256] = calloc(n, sizeof *tics);
    es_ana_point *pts = calloc(n * MAX_LEVELS, sizeof *pts);
    es_ana_mean *means = calloc(n, sizeof *means);
    const es_analysis **anas = calloc(n, sizeof *anas);
    const char **lab_ptr = calloc(n, sizeof *lab_ptr), **leg_ptr = calloc(n, sizeof *leg_ptr);
    const char **tic_ptr = calloc(n, sizeof *tic_ptr);
    int rc = 0;
    if (!runs || !labels || !legend || !tics || !pts || !means || !anas || !lab_ptr ||
        !leg_ptr || !tic_ptr) {
        es_err_set(&err, ES_ENOMEM, "out of memory");
        rc = es_cli_fail(&err);
        goto done;
    }
    for (size_t i = 0; i < n; i++) {
        es_err sub = {0};
        if (es_cli_run_load(&runs[i], files[i], NULL, 1, &sub) != ES_OK) {
            rc = es_cli_fail(&sub);
            goto done;
        }
        const es_analysis *a = runs[i].ana;
        if (!runs[i].stored)
            fprintf(stderr, "entroscape: note: %s has no /analysis; analysed on the fly%s\n",
                    files[i], a->has_sgd ? " against its own /sgd"
                                         : " without SGD states (run entroscape analyze "
                                           "RUN.h5 --sgd TRAIN.h5 first)");
        if (strcmp(a->xv.name, runs[0].ana->xv.name) != 0 ||
            strcmp(a->yv.name, runs[0].ana->yv.name) != 0) {
            es_err_set(&err, ES_EDATA, "%s has variables (%s, %s) but %s has (%s, %s): only "
                       "landscapes over the same variables can be compared", files[i],
                       a->xv.name, a->yv.name, files[0], runs[0].ana->xv.name,
                       runs[0].ana->yv.name);
            rc = es_cli_fail(&err);
            goto done;
        }
        anas[i] = a;
    }
    if (!runs[0].ana->has_y)
        fprintf(stderr, "entroscape: note: the landscapes are 1-D (no y): the advantage needs a "
                "y, so there is nothing to compare but the table of bins\n");

    diff_keys dk;
    find_diff_keys(runs, n, &dk);
    if (dk.n == 0)
        fprintf(stderr, "entroscape: note: the files' configurations do not differ (output.* "
                "aside): runs are labelled by file name\n");
    for (size_t i = 0; i < n; i++) {
        make_label(&runs[i], &dk, ", ", labels[i], sizeof labels[i]);
        const es_analysis *a = runs[i].ana;
        char np[48] = "";
        if (a->n_params > 0)
            snprintf(np, sizeof np, "%lld parameters", (long long)a->n_params);
        snprintf(legend[i], sizeof legend[i], "%.60s%s%.200s%s%.40s%s", dk.n == 1 ? dk.key[0] : "",
                 dk.n == 1 ? " = " : "", labels[i], np[0] ? " (" : "", np, np[0] ? ")" : "");
        char lines[256];   /* one key per line below the tic */
        make_label(&runs[i], &dk, "\n", lines, sizeof lines);
        snprintf(tics[i], sizeof tics[i], "%.200s%s%.40s", lines, np[0] ? "\n" : "", np);
        lab_ptr[i] = labels[i];
        leg_ptr[i] = legend[i];
        tic_ptr[i] = tics[i];
    }

    /* the common x range where every file has both curves */
    double lo = -INFINITY, hi = INFINITY;
    for (size_t i = 0; i < n; i++) {
        double l, h;
        if (es_analysis_overlap(runs[i].ana, &l, &h) == 0) {
            lo = NAN;
            break;
        }
        lo = fmax(lo, l);
        hi = fmin(hi, h);
    }
    int common = isfinite(lo) && isfinite(hi) && lo <= hi;
    if (!common)
        fprintf(stderr, "entroscape: note: the files share no x range where all have both the "
                "landscape and SGD/Adam states%s\n", at ? "" : ": no levels");
    if (!at && common) {
        static const double q[3] = {0.25, 0.5, 0.75};
        for (n_levels = 0; n_levels < 3; n_levels++)
            levels[n_levels] = lo + q[n_levels] * (hi - lo);
    }
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < n_levels; k++)
            pts[i * n_levels + k] = es_analysis_at(runs[i].ana, levels[k], 2);
        means[i] = common ? es_analysis_mean(runs[i].ana, lo, hi)
                          : (es_ana_mean){NAN, NAN, 0, NAN, NAN, NAN, NAN, 0};
    }

    /* the table */
    const es_analysis *a0 = runs[0].ana;
    char keys[512] = "";
    for (size_t k = 0, len = 0; k < dk.n && len < sizeof keys; k++)
        len += (size_t)snprintf(keys + len, sizeof keys - len, "%s%s", k ? ", " : "", dk.key[k]);
    int fw = 4, lw = (int)strlen(dk.n == 1 ? dk.key[0] : "differs in");   /* column widths */
    for (size_t i = 0; i < n; i++) {
        fw = (int)fmax(fw, (double)strlen(base_name(files[i])));
        lw = (int)fmax(lw, (double)strlen(labels[i]));
    }
    if (!tsv) {
        printf("compare: advantage of the high-entropy states in %s (%s), against %s\n",
               a0->yv.label, a0->yv.better > 0 ? "<y> - SGD mean: higher is better"
                             : a0->yv.better < 0 ? "SGD mean - <y>: lower is better"
                                                 : "undefined for this y",
               dk.n ? keys : "the file");
        printf("x = %s; ", a0->xv.label);
        if (common)
            printf("common range where every file has both curves: [%g, %g]\n", lo, hi);
        else
            printf("no common range where every file has both curves\n");
        size_t with_reps = 0;
        for (size_t i = 0; i < n; i++)
            with_reps += runs[i].ana->replicas > 1;
        if (with_reps == n)
            printf("errors: the SGD/Adam standard error (runs as clusters) and the spread of <y> "
                   "over independent replicas, in quadrature");
        else if (with_reps == 0)
            printf("errors: the SGD/Adam standard error only (runs as clusters; no replicas of "
                   "the landscapes)");
        else
            printf("errors: the SGD/Adam standard error (runs as clusters), with the spread "
                   "over replicas for the %zu of %zu files that have them", with_reps, n);
        printf("; mean: over the common range's bins with an error (the Adam runs as clusters "
               "across bins)\nall errors are within each file's one dataset: the spread between "
               "datasets (task.seed) is not\nincluded (analyze --ensemble -o, then compare the "
               "ensemble files)\n\n");
        printf("%-*s %-*s %10s", fw, "file", lw, dk.n == 1 ? dk.key[0] : "differs in", "params");
        for (size_t k = 0; k < n_levels; k++) {
            char h[48];
            snprintf(h, sizeof h, "at x = %.4g", levels[k]);
            printf("  %20s", h);
        }
        printf("  %20s  %5s\n", "mean", "bins");
    } else {
        printf("file\tlabel\tn_params");
        for (size_t k = 0; k < n_levels; k++)
            printf("\tadvantage_at_%.6g\terr_at_%.6g\tx_used_at_%.6g", levels[k], levels[k],
                   levels[k]);
        printf("\tmean_advantage\tmean_err\tmean_bins\tmean_lo\tmean_hi\n");
    }
    int moved = 0;
    for (size_t i = 0; i < n; i++) {
        const es_analysis *a = runs[i].ana;
        if (tsv) {
            printf("%s\t%s\t%lld", files[i], labels[i], (long long)a->n_params);
            for (size_t k = 0; k < n_levels; k++) {
                const es_ana_point *p = &pts[i * n_levels + k];
                printf("\t%.6g\t%.6g\t%.6g", p->advantage, p->err, p->x);
            }
            printf("\t%.6g\t%.6g\t%zu\t%.6g\t%.6g\n", means[i].advantage, means[i].err,
                   means[i].n, means[i].lo, means[i].hi);
            continue;
        }
        char np[32] = "?";
        if (a->n_params > 0)
            snprintf(np, sizeof np, "%lld", (long long)a->n_params);
        printf("%-*s %-*s %10s", fw, base_name(files[i]), lw, labels[i], np);
        for (size_t k = 0; k < n_levels; k++) {
            const es_ana_point *p = &pts[i * n_levels + k];
            char c[64] = "-";
            if (p->bin >= 0) {
                int off = fabs(p->x - p->x_target) >
                          0.5 * (a->x_edges[p->bin + 1] - a->x_edges[p->bin]);
                moved |= off;
                if (isfinite(p->err))
                    snprintf(c, sizeof c, "%+.4f +- %.4f%s", p->advantage, p->err,
                             off ? "*" : "");
                else
                    snprintf(c, sizeof c, "%+.4f (1 state)%s", p->advantage, off ? "*" : "");
            }
            printf("  %20s", c);
        }
        char m[64] = "-";
        if (means[i].n)
            snprintf(m, sizeof m, "%+.4f +- %.4f", means[i].advantage, means[i].err);
        printf("  %20s  %5zu\n", m, means[i].n);
    }
    if (moved && !tsv)
        printf("* from a neighbouring bin (the bin containing x has no SGD/Adam states)\n");
    fflush(stdout);

    if (plot && a0->has_y) {
        char dbuf[4096], p1[4096 + 600], p2[4096 + 600];
        if (!dir) {
            const char *slash = strrchr(files[0], '/');
            snprintf(dbuf, sizeof dbuf, "%.*s", slash ? (int)(slash - files[0]) : 1,
                     slash ? files[0] : ".");
            if (slash == files[0])
                snprintf(dbuf, sizeof dbuf, "/");
            dir = dbuf;
        }
        struct stat sb;
        if (stat(dir, &sb) != 0 && mkdir(dir, 0777) != 0) {
            es_err_set(&err, ES_EIO, "-o %s: cannot create the directory: %s", dir,
                       strerror(errno));
            rc = es_cli_fail(&err);
            goto done;
        }
        snprintf(p1, sizeof p1, "%s/%s-advantage.%s", dir, name, es_plot_ext(fmt));
        snprintf(p2, sizeof p2, "%s/%s-levels.%s", dir, name, es_plot_ext(fmt));
        remove(p1);
        remove(p2);
        char title[1200], xl[600], yl[300];
        const char *task = es_ana_config_get(&runs[0].cfg, "task.name");
        char what[600];
        if (dk.n > 2)
            snprintf(what, sizeof what, " differing in %zu config keys", dk.n);
        else
            snprintf(what, sizeof what, "%s%.500s", dk.n ? " differing in " : "", keys);
        snprintf(title, sizeof title, "High-entropy advantage across runs%s\n%s%sx = %s, "
                 "y = %s", what, task ? task : "", task ? ": " : "", a0->xv.label,
                 a0->yv.label);
        snprintf(xl, sizeof xl, "%s", dk.n == 1 ? keys : dk.n ? "run (the config keys that "
                 "differ, per run)" : "run");
        snprintf(yl, sizeof yl, "advantage in %s\n(positive: high-entropy states generalise "
                 "better)", a0->yv.label);
        char *script = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&script, &len);
        if (!f) {
            es_err_set(&err, ES_ENOMEM, "out of memory");
            rc = es_cli_fail(&err);
            goto done;
        }
        es_plot_compare_curves(f, fmt, p1, anas, leg_ptr, n, common ? lo : NAN,
                               common ? hi : NAN, levels, n_levels, title);
        es_plot_compare_levels(f, fmt, p2, pts, n_levels, means, tic_ptr, n, a0->xv.label, xl,
                               yl, title);
        fclose(f);
        const char *outs[2] = {p1, p2};
        es_status st = es_plot_run(script, len, outs, 2, &err);
        free(script);
        if (st != ES_OK) {
            rc = es_cli_fail(&err);
            goto done;
        }
        fprintf(tsv ? stderr : stdout, "%s%s\n%s\n", tsv ? "" : "\n", p1, p2);
    }
done:
    for (size_t i = 0; runs && i < n; i++)
        es_cli_run_free(&runs[i]);
    free(runs);
    free(labels);
    free(legend);
    free(tics);
    free(tic_ptr);
    free(pts);
    free(means);
    free(anas);
    free(lab_ptr);
    free(leg_ptr);
    return rc;
}
