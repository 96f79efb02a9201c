/* cmd_plot.c: `entroscape plot RUN.h5 [--sgd TRAIN.h5] [-o DIR] [--format png|pdf]
 * [--smin N]`: the figures of a run through gnuplot. */
#include "cli.h"
#include "entroscape/plot.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static void help(void)
{
    printf("usage: entroscape plot RUN.h5 [--sgd TRAIN.h5] [-o DIR] [--format png|pdf] "
           "[--smin N]\n\n"
           "Figures of a run, through gnuplot (Debian package gnuplot-nox), written as\n"
           "DIR/<run>-<figure>.<format> (DIR: -o, default the directory of RUN.h5):\n"
           "  landscape    2-D: S - max S as a heat map over (x, y), grey where never visited,\n"
           "               with the highest-entropy y per x (magenta), the entropy-weighted\n"
           "               mean <y> (Eq. 1, dashed cyan) and the SGD/Adam states' mean y per x\n"
           "               bin with standard errors (black); 1-D: S(x) - max S as a curve and\n"
           "               the SGD/Adam states per x bin as bars\n"
           "  convergence  ln f against sweeps per walker (log-log), one line per window\n"
           "  histogram    visits per bin in the final stage\n"
           "  advantage    2-D with SGD/Adam states: <y>, argmax y and the SGD mean against x,\n"
           "               and the advantage with its error\n"
           "A training file (entroscape train: /sgd, no landscape) gets instead:\n"
           "  training     loss (and accuracy) against epoch, training and test: the median\n"
           "               over the runs with a 10%%-90%% band (and each run, up to 10)\n"
           "  states       the states the runs visit: ln training loss against test\n"
           "               accuracy (regression: ln test loss), one trajectory per run\n"
           "  dynamics     (files with /sgd/sparsity) fraction of weights at zero and each\n"
           "               hidden layer's activation entropy against epoch, mean +- s.e.\n"
           "The SGD/Adam states come from --sgd, else from RUN.h5's /analysis (entroscape\n"
           "analyze), else from RUN.h5's own /sgd. --smin N stops the colour scale at\n"
           "S - max S = -N (default: the full range). Titles name the task, the network and\n"
           "its parameter count. The paths written are printed.\n\n"
           "Exit codes: 0 ok, 1 unreadable file or gnuplot missing or failing, 2 usage error.\n");
}

/* The run's name: the file name without directory and .h5. */
static void run_name(const char *path, char *buf, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t len = strlen(base);
    if (len > 3 && strcmp(base + len - 3, ".h5") == 0)
        len -= 3;
    snprintf(buf, size, "%.*s", (int)len, base);
}

/* The directory part of path ("." when none). */
static void dir_of(const char *path, char *buf, size_t size)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(buf, size, ".");
    else if (slash == path)
        snprintf(buf, size, "/");
    else
        snprintf(buf, size, "%.*s", (int)(slash - path), path);
}

/* Make sure dir exists (creating one level). ES_EIO (err set) otherwise. */
static es_status ensure_dir(const char *dir, es_err *err)
{
    struct stat sb;
    if (stat(dir, &sb) == 0)
        return S_ISDIR(sb.st_mode) ? ES_OK
                                   : es_err_set(err, ES_EIO, "-o %s: not a directory", dir);
    if (mkdir(dir, 0777) != 0)
        return es_err_set(err, ES_EIO, "-o %s: cannot create the directory: %s", dir,
                          strerror(errno));
    return ES_OK;
}

/* A training file: its learning curves and the states its runs visit. */
static int plot_history(const char *path, const char *dir, es_plot_format fmt)
{
    es_err err = {0};
    es_sgd *s = NULL;
    char title[512], sub[256], name[512], paths[3][4096 + 600];
    if (es_cli_history_load(path, &s, title, sizeof title, sub, sizeof sub, &err) != ES_OK ||
        ensure_dir(dir, &err) != ES_OK) {
        es_sgd_free(s);
        return es_cli_fail(&err);
    }
    run_name(path, name, sizeof name);
    static const char *const figs[3] = {"training", "states", "dynamics"};
    const char *outs[3];
    int nf = es_plot_has_dynamics_p(s) ? 3 : 2;
    for (int k = 0; k < nf; k++) {
        snprintf(paths[k], sizeof paths[k], "%s/%s-%s.%s", dir, name, figs[k], es_plot_ext(fmt));
        outs[k] = paths[k];
        remove(paths[k]);   /* a stale figure must not pass for a new one */
    }
    es_plot_info info = {title, sub, 0, NAN};
    char *script = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&script, &len);
    es_status st = f ? ES_OK : es_err_set(&err, ES_ENOMEM, "out of memory");
    if (f) {
        es_plot_training_curves(f, fmt, paths[0], s, &info);
        es_plot_training_states(f, fmt, paths[1], s, &info);
        if (nf == 3)
            es_plot_training_dynamics(f, fmt, paths[2], s, &info);
        fclose(f);
        st = es_plot_run(script, len, outs, (size_t)nf, &err);
    }
    free(script);
    es_sgd_free(s);
    if (st != ES_OK)
        return es_cli_fail(&err);
    for (int k = 0; k < nf; k++)
        printf("%s\n", paths[k]);
    return 0;
}

int es_cmd_plot(int argc, char **argv)
{
    es_err err = {0};
    const char *run = NULL, *sgd = NULL, *dir = NULL, *format = "png";
    double smin = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help();
            return 0;
        } else if (strcmp(a, "--sgd") == 0) {
            val = &sgd;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0) {
            val = &dir;
        } else if (strcmp(a, "--format") == 0) {
            val = &format;
        } else if (strcmp(a, "--smin") == 0) {
            if (i + 1 >= argc || !(smin = atof(argv[++i]), smin > 0 && isfinite(smin))) {
                es_err_set(&err, ES_EUSAGE, "--smin needs a positive number (nats below the "
                           "maximum)");
                return es_cli_fail(&err);
            }
            continue;
        } else if (a[0] == '-' && a[1]) {
            es_err_set(&err, ES_EUSAGE, "unknown option '%s' (see entroscape plot --help)", a);
            return es_cli_fail(&err);
        } else if (!run) {
            run = a;
            continue;
        } else {
            es_err_set(&err, ES_EUSAGE, "unexpected argument '%s': one run file at a time (see "
                       "entroscape plot --help)", a);
            return es_cli_fail(&err);
        }
        if (i + 1 >= argc || !argv[i + 1][0]) {
            es_err_set(&err, ES_EUSAGE, "%s needs a value (see entroscape plot --help)", a);
            return es_cli_fail(&err);
        }
        *val = argv[++i];
    }
    es_plot_format fmt;
    if (!run)
        es_err_set(&err, ES_EUSAGE, "no run file given (usage: entroscape plot RUN.h5 [--sgd "
                   "TRAIN.h5] [-o DIR] [--format png|pdf])");
    else
        es_plot_parse_format(format, &fmt, &err);
    if (err.status != ES_OK)
        return es_cli_fail(&err);
    if (strchr(run, '\n') || (dir && strchr(dir, '\n'))) {
        es_err_set(&err, ES_EUSAGE, "file and directory names with newlines cannot be plotted");
        return es_cli_fail(&err);
    }
    char gp[4096], dbuf[4096];
    if (es_plot_find_gnuplot(gp, sizeof gp, &err) != ES_OK)
        return es_cli_fail(&err);
    if (!dir) {
        dir_of(run, dbuf, sizeof dbuf);
        dir = dbuf;
    }

    if (es_cli_is_history(run)) {
        if (sgd) {
            es_err_set(&err, ES_EDATA, "%s is a training history (/sgd, no /dos): --sgd applies "
                       "to a landscape", run);
            return es_cli_fail(&err);
        }
        return plot_history(run, dir, fmt);
    }
    es_cli_run r;
    if (es_cli_run_load(&r, run, sgd, 1, &err) != ES_OK || ensure_dir(dir, &err) != ES_OK) {
        es_cli_run_free(&r);
        return es_cli_fail(&err);
    }
    char title[512], sub[256], name[512];
    es_cli_run_title(&r, title, sizeof title);
    es_cli_run_subtitle(&r, sub, sizeof sub);
    run_name(run, name, sizeof name);
    const char *lnf = es_ana_config_get(&r.cfg, "sampler.ln_f_final");
    es_plot_info info = {title, sub, smin, lnf ? atof(lnf) : NAN};

    static const char *const figs[4] = {"landscape", "convergence", "histogram", "advantage"};
    int n_figs = r.ana->has_y && r.ana->has_sgd ? 4 : 3;
    char paths[4][4096 + 600];
    const char *outs[4];
    char *script = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&script, &len);
    if (!f) {
        es_cli_run_free(&r);
        es_err_set(&err, ES_ENOMEM, "out of memory");
        return es_cli_fail(&err);
    }
    for (int k = 0; k < n_figs; k++) {
        snprintf(paths[k], sizeof paths[k], "%s/%s-%s.%s", dir, name, figs[k], es_plot_ext(fmt));
        outs[k] = paths[k];
        remove(paths[k]);   /* a stale figure must not pass for a new one */
    }
    es_plot_landscape(f, fmt, paths[0], r.dos, r.ana, &info);
    es_plot_convergence(f, fmt, paths[1], r.dos, &info);
    es_plot_histogram(f, fmt, paths[2], r.dos, r.ana, &info);
    if (n_figs > 3)
        es_plot_advantage(f, fmt, paths[3], r.ana, &info);
    fclose(f);
    es_status st = es_plot_run(script, len, outs, (size_t)n_figs, &err);
    free(script);
    es_cli_run_free(&r);
    if (st != ES_OK)
        return es_cli_fail(&err);
    for (int k = 0; k < n_figs; k++)
        printf("%s\n", paths[k]);
    return 0;
}
