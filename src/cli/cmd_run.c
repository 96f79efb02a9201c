/* cmd_run.c: `entroscape run CONFIG.ini`: sample the density of states and write it to HDF5. */
#include "cli.h"
#include "entroscape/dos.h"
#include "entroscape/grid.h"
#include "entroscape/h5io.h"
#include "entroscape/model.h"
#include "entroscape/wl.h"

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

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: entroscape run CONFIG.ini [-o OUT.h5] [--set section.key=value ...]\n"
            "                      [--threads N] [--quiet]\n\n"
            "Sample ln g, the log-volume of parameter space per bin of (x, y), by Wang-Landau,\n"
            "and write it to OUT.h5 (default: output.path, else CONFIG's name with .h5).\n\n"
            "  -o, --output FILE   output HDF5 file (written to a temporary file, then renamed)\n"
            "  --set KEY=VALUE     override a config option, e.g. --set sampler.walkers=2\n"
            "  --threads N         OpenMP threads (default: all cores; walkers share them)\n"
            "  -q, --quiet         no progress on stderr\n"
            "  -h, --help          this help and the config reference\n\n"
            "Progress goes to stderr: a live line on a terminal, a line per stage otherwise.\n"
            "SIGINT/SIGTERM stop the run at the next meeting of the walkers and write what was\n"
            "sampled so far (converged = 0). Exit codes: 0 done, 1 runtime failure or\n"
            "interrupted, 2 usage or config error.\n\n"
            "Config reference (INI sections and keys):\n\n");
    es_config_print_help(f);
}

typedef struct progress {
    int quiet, tty;
    int stages;
} progress;

static void fmt_time(double s, char *buf, size_t n)
{
    if (s < 0)
        snprintf(buf, n, "?");
    else if (s < 120)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 7200)
        snprintf(buf, n, "%.1f min", s / 60);
    else
        snprintf(buf, n, "%.1f h", s / 3600);
}

static void on_progress(void *user, const es_wl_report *r, int final)
{
    progress *pr = user;
    if (pr->quiet)
        return;
    pr->stages += r->stage_changed;
    if (!pr->tty && !r->stage_changed && !final)
        return;
    char el[32], eta[32];
    fmt_time(r->seconds, el, sizeof el);
    fmt_time(r->eta_seconds, eta, sizeof eta);
    fprintf(stderr, "%sstage %d%s  ln f %.3e  flat %.2f  sweeps %.3g  bins %ld/%ld  acc %.2f  %s",
            pr->tty ? "\r\033[K" : "", pr->stages, r->phase == 2 ? " (1/t)" : "", r->ln_f,
            r->flatness, (double)r->sweeps, r->reached, r->nbins, r->acceptance, el);
    if (!final)
        fprintf(stderr, "  ~%s left", eta);
    fprintf(stderr, "%s", pr->tty && !final ? "" : "\n");
    fflush(stderr);
}

int es_cmd_run(int argc, char **argv)
{
    es_err err = {0};
    es_cli_common opt;
    es_config cfg;
    if (es_cli_parse_config_args(argc, argv, &opt, &cfg, &err) != ES_OK)
        return es_cli_fail(&err);
    if (opt.help) {
        run_usage(stdout);
        return 0;
    }
#ifdef _OPENMP
    if (opt.threads > 0)
        omp_set_num_threads(opt.threads);
#endif
    char out_path[ES_CFG_STR];
    if (es_cli_output_path(&opt, &cfg, out_path, sizeof out_path, &err) != ES_OK)
        return es_cli_fail(&err);
    memcpy(cfg.output_path, out_path, sizeof out_path);

    es_model *model = es_model_create(&cfg, &err);
    if (!model)
        return es_cli_fail(&err);
    es_grid grid;
    es_wl_params wp;
    es_dos *dos = NULL;
    es_h5 *h5 = NULL;
    char *ini = NULL;
    es_status st = es_grid_init(&grid, model->dims, cfg.sampler_x_bins, cfg.sampler_x_min,
                                cfg.sampler_x_max, cfg.sampler_y_bins, cfg.sampler_y_min,
                                cfg.sampler_y_max, &err);
    if (st == ES_OK)
        st = es_wl_params_from_config(&wp, &cfg, &err);
    if (st == ES_OK && !(dos = es_dos_alloc((size_t)grid.x_bins, (size_t)grid.y_bins, &err)))
        st = err.status;
    if (st == ES_OK && !(ini = es_config_to_ini(&cfg)))
        st = es_err_set(&err, ES_ENOMEM, "out of memory writing the effective config");
    /* Open the output first, so an unwritable path fails before hours of sampling. */
    if (st == ES_OK && !(h5 = es_h5_create(out_path, ini, cfg.sampler_seed, &err)))
        st = err.status;
    if (st != ES_OK)
        goto done;

    if (!opt.quiet)
        fprintf(stderr, "entroscape %s: %s, %zu degrees of freedom, %s over %ld x %ld bins, "
                "%d walker%s, seed %ld -> %s\n", es_version(), model->ops->name,
                model->ops->n_dof(model->ctx), wp.method == ES_WL_1T ? "1/t" : "wl",
                grid.x_bins, grid.y_bins, wp.walkers, wp.walkers == 1 ? "" : "s",
                cfg.sampler_seed, out_path);
    struct sigaction sa = {0};
    sa.sa_handler = on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    progress pr = {.quiet = opt.quiet, .tty = isatty(STDERR_FILENO)};
    es_status run_st = es_wl_run(&wp, &grid, model, dos, on_progress, &pr, &stop_requested, &err);
    if (run_st != ES_OK && run_st != ES_EINTR) {
        st = run_st;
        goto done;
    }
    if ((st = es_h5_write_dos(h5, dos, &err)) != ES_OK)
        goto done;
    st = es_h5_commit(h5, &err);
    h5 = NULL;
    if (st != ES_OK)
        goto done;
    long unreached = 0;
    for (size_t b = 0; b < dos->x_bins * dos->y_bins; b++)
        unreached += isinf(dos->log_g[b]);
    if (!opt.quiet) {
        fprintf(stderr, "%s: %s, ln f %.3g, %llu sweeps per walker, %ld of %zu bins never reached\n",
                out_path, dos->converged ? "converged" : "NOT converged", dos->ln_f,
                (unsigned long long)dos->sweeps, unreached, dos->x_bins * dos->y_bins);
    }
    if (run_st == ES_EINTR) {
        es_err_set(&err, ES_EINTR, "stopped by a signal; the partial result (converged = 0) is in %s",
                   out_path);
        st = ES_EINTR;
    }
done:
    es_h5_abort(h5);
    free(ini);
    es_dos_free(dos);
    es_model_free(model);
    return st == ES_OK ? 0 : es_cli_fail(&err);
}
