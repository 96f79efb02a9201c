/* cmd_train.c: `entroscape train CONFIG.ini`: the gradient-trained baseline. Trains [train]
 * runs of the task's network with SGD or Adam and writes their histories to /sgd. */
#include "cli.h"
#include "entroscape/data.h"
#include "entroscape/h5io.h"
#include "entroscape/nn.h"
#include "entroscape/train.h"

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void train_usage(FILE *f)
{
    fprintf(f,
            "usage: entroscape train CONFIG.ini [-o OUT.h5] [--set section.key=value ...]\n"
            "                        [--threads N] [--quiet]\n\n"
            "Train the task's network ([task], [model]) with SGD or Adam ([train]) from\n"
            "train.runs random initialisations and write every run's loss and accuracy on the\n"
            "full train and test splits, at initialisation and after every epoch, with the final\n"
            "parameters, to /sgd of OUT.h5 (default: output.path, else CONFIG's name with .h5).\n\n"
            "  -o, --output FILE   output HDF5 file (written to a temporary file, then renamed)\n"
            "  --set KEY=VALUE     override a config option, e.g. --set train.lr=1e-2\n"
            "  --threads N         threads (default: all cores). Runs are spread over the threads,\n"
            "                      one run per thread; while several runs train at once OpenBLAS\n"
            "                      uses one thread each, so the cores are not oversubscribed. With\n"
            "                      a single run (train.runs = 1, or --threads 1) OpenBLAS uses the\n"
            "                      N threads inside the run. Results do not depend on N.\n"
            "  -q, --quiet         no progress on stderr\n"
            "  -h, --help          this help and the config reference\n\n"
            "Run r is initialised (model.init) and its minibatches shuffled from its own random\n"
            "stream (train.seed, r). When model.bound is set in the config (a number or auto),\n"
            "parameters start inside [-bound, bound] and are projected back into it after every\n"
            "step; otherwise there is no box. Accuracies are NaN for regression tasks.\n"
            "Progress goes to stderr: a live line on a terminal, otherwise a line per epoch\n"
            "(or per tenth of all epochs when there are many). SIGINT/SIGTERM stop the training;\n"
            "nothing is written. Exit codes: 0 done, 1 runtime failure or interrupted, 2 usage\n"
            "or config error.\n\n"
            "Config reference (INI sections and keys):\n\n");
    es_config_print_help(f);
}

typedef struct progress {
    int quiet, tty, classify;
    long last_tenth;      /* non-terminal: tenths of all epochs already reported */
    double last_print;    /* terminal: time of the last refresh */
} progress;

static void on_progress(void *user, const es_train_report *r)
{
    progress *pr = user;
    if (pr->quiet || r->epoch == 0)
        return;
    int last = r->epochs_done == r->epochs_total;
    if (pr->tty) {
        double now = es_seconds();
        if (!last && now - pr->last_print < 0.2)
            return;
        pr->last_print = now;
    } else {
        long tenth = r->epochs_total > 20 ? 10 * r->epochs_done / r->epochs_total : r->epochs_done;
        if (tenth == pr->last_tenth)
            return;
        pr->last_tenth = tenth;
    }
    char el[32], eta[32];
    es_cli_fmt_time(r->seconds, el, sizeof el);
    es_cli_fmt_time(r->eta_seconds, eta, sizeof eta);
    const double *m = r->metrics;
    fprintf(stderr, "%s", pr->tty ? "\r\033[K" : "");
    if (r->runs > 1)
        fprintf(stderr, "epochs %ld/%ld, runs done %ld/%ld; run %ld ", r->epochs_done,
                r->epochs_total, r->runs_done, r->runs, r->run);
    fprintf(stderr, "epoch %ld: train loss %.4g", r->epoch, m[ES_TRAIN_LOSS]);
    if (pr->classify)
        fprintf(stderr, " acc %.4f", m[ES_TRAIN_ACC]);
    fprintf(stderr, "  test loss %.4g", m[ES_TEST_LOSS]);
    if (pr->classify)
        fprintf(stderr, " acc %.4f", m[ES_TEST_ACC]);
    fprintf(stderr, "  %s", el);
    if (!last)
        fprintf(stderr, "  ~%s left", eta);
    fprintf(stderr, "%s", pr->tty && !last ? "" : "\n");
    fflush(stderr);
}

/* The closing summary: final metrics (mean over runs) and timings. */
static void print_summary(const es_sgd *s, const char *out_path)
{
    double mean[ES_N_METRICS] = {0};
    for (int k = 0; k < ES_N_METRICS; k++) {
        for (long r = 0; r < s->runs; r++)
            mean[k] += es_sgd_row(s, r, s->epochs)[k];
        mean[k] /= (double)s->runs;
    }
    fprintf(stderr, "%s: %ld run%s x %ld epochs, final%s: train loss %.5g", out_path, s->runs,
            s->runs == 1 ? "" : "s", s->epochs, s->runs > 1 ? " (mean over runs)" : "",
            mean[ES_TRAIN_LOSS]);
    if (s->classify)
        fprintf(stderr, " acc %.4f", mean[ES_TRAIN_ACC]);
    fprintf(stderr, ", test loss %.5g", mean[ES_TEST_LOSS]);
    if (s->classify)
        fprintf(stderr, " acc %.4f", mean[ES_TEST_ACC]);
    fprintf(stderr, "\n");
    if (!isnan(s->unigram_test_loss))
        fprintf(stderr, "unigram baseline: test cross-entropy %.5g nats; the model's is %.1f%% "
                "lower\n", s->unigram_test_loss,
                100 * (1 - mean[ES_TEST_LOSS] / s->unigram_test_loss));
    if (s->epochs == 0)
        return;
    double run_epochs = (double)s->runs * (double)s->epochs;
    if (s->runs == 1)
        fprintf(stderr, "time: %.4g s; per epoch: %.4g s in minibatch steps; %.4g s per "
                "evaluation of both splits\n", s->seconds, s->step_seconds / run_epochs,
                (s->seconds - s->step_seconds) / (run_epochs + 1));
    else
        fprintf(stderr, "time: %.4g s; per epoch of one run: %.4g s in minibatch steps\n",
                s->seconds, s->step_seconds / run_epochs);
}

int es_cmd_train(int argc, char **argv)
{
    es_err err = {0};
    es_cli_common opt;
    es_config cfg;
    if (es_cli_parse_config_args(argc, argv, &opt, &cfg, &err) != ES_OK)
        return es_cli_fail(&err);
    if (opt.help) {
        train_usage(stdout);
        return 0;
    }
    if (opt.resume) {
        es_err_set(&err, ES_EUSAGE, "--resume applies to entroscape run; train has no "
                   "checkpoints (see entroscape train --help)");
        return es_cli_fail(&err);
    }
    if (strcmp(cfg.task_name, "particles") == 0 || strcmp(cfg.task_name, "ising") == 0) {
        int line = cfg.origin[es_config_find("task", "name")].line;
        char where[ES_CFG_STR + 32];
        if (line > 0)
            snprintf(where, sizeof where, "%s:%d: ", cfg.path, line);
        else
            where[0] = '\0';
        es_err_set(&err, ES_ECONFIG, "%s[task] name = %s has no network to train; train needs "
                   "a learning task (spiral, spiral-regression, arithmetic, tabular, image, text)",
                   where, cfg.task_name);
        return es_cli_fail(&err);
    }
#ifdef _OPENMP
    if (opt.threads > 0)
        omp_set_num_threads(opt.threads);
    int threads = omp_get_max_threads();
#else
    int threads = 1;
#endif
    char out_path[ES_CFG_STR];
    if (es_cli_output_path(&opt, &cfg, out_path, sizeof out_path, &err) != ES_OK)
        return es_cli_fail(&err);
    memcpy(cfg.output_path, out_path, sizeof out_path);

    es_data *data = NULL;
    es_sgd *sgd = NULL;
    es_h5 *h5 = NULL;
    char *ini = NULL;
    nn_spec spec;
    es_train_params tp;
    es_status st = ES_OK;
    if (!(data = es_data_load(&cfg, &err)))
        st = err.status;
    if (st == ES_OK)
        st = nn_spec_from_config(&cfg, data, &spec, &err);
    if (st == ES_OK)
        st = es_train_params_from_config(&tp, &cfg, &spec, &err);
    nn_net *probe = NULL;   /* only to learn the parameter count */
    if (st == ES_OK && !(probe = nn_net_alloc(&spec, &err)))
        st = err.status;
    if (st == ES_OK && !(sgd = es_sgd_alloc(tp.runs, tp.epochs, probe->n_params, &err)))
        st = err.status;
    nn_net_free(probe);
    if (st == ES_OK && !(ini = es_config_to_ini(&cfg)))
        st = es_err_set(&err, ES_ENOMEM, "out of memory writing the effective config");
    /* Open the output first, so an unwritable path fails before the training. */
    if (st == ES_OK && !(h5 = es_h5_create(out_path, ini, cfg.train_seed, &err)))
        st = err.status;
    if (st != ES_OK)
        goto done;
    tp.threads = threads;
    es_train_describe(sgd, &tp, &spec, data, &cfg);

    if (!opt.quiet) {
        char dd[256], box[96] = "none";
        long par = tp.runs < threads ? tp.runs : threads;
        if (tp.box > 0)
            snprintf(box, sizeof box, "[-%.4g, %.4g]%s", tp.box, tp.box,
                     tp.box_none ? " (initialisation only: train.box = none)" : "");
        fprintf(stderr, "entroscape %s: train %s\n  network %s\n  %s lr %g, batch %zu, %ld epochs,"
                " %ld run%s on %ld thread%s (BLAS threads %d), box %s, seed %ld -> %s\n",
                es_version(), es_data_describe(data, dd, sizeof dd), sgd->arch, sgd->optimizer,
                tp.optim.lr, tp.batch, tp.epochs, tp.runs, tp.runs == 1 ? "" : "s", par,
                par == 1 ? "" : "s", par > 1 ? 1 : threads, box, cfg.train_seed, out_path);
    }
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    progress pr = {.quiet = opt.quiet, .tty = isatty(STDERR_FILENO), .classify = data->classify,
                   .last_tenth = 0};
    st = es_train_run(&tp, &spec, data, sgd, on_progress, &pr, &stop_requested, &err);
    if (st == ES_EINTR) {
        size_t len = strlen(err.msg);
        snprintf(err.msg + len, sizeof err.msg - len, "; nothing was written to %s", out_path);
        if (!opt.quiet && pr.tty)
            fprintf(stderr, "\n");
    }
    if (st != ES_OK)
        goto done;
    if ((st = es_h5_write_sgd(h5, sgd, &err)) != ES_OK)
        goto done;
    st = es_h5_commit(h5, &err);
    h5 = NULL;
    if (st == ES_OK && !opt.quiet)
        print_summary(sgd, out_path);
done:
    es_h5_abort(h5);
    free(ini);
    es_sgd_free(sgd);
    es_data_free(data);
    return st == ES_OK ? 0 : es_cli_fail(&err);
}
