/* cmd_exact.c: `entroscape exact CONFIG.ini`: count every configuration of a small binary
 * network and write the exact ln g in the layout of `run` (the reference for the sampler). */
#include "cli.h"
#include "entroscape/dos.h"
#include "entroscape/exact.h"
#include "entroscape/grid.h"
#include "entroscape/h5io.h"
#include "entroscape/models.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static void exact_usage(FILE *f)
{
    fprintf(f,
            "usage: entroscape exact CONFIG.ini [-o OUT.h5] [--set section.key=value ...]\n"
            "                        [--threads N] [--quiet]\n\n"
            "Particles (task.name = particles): the exact ln P per bin of the config's grid\n"
            "(Irwin-Hall for potential = abs, the n-ball volume for square), normalised over\n"
            "the bins with any volume; the reference of `make validate`.\n\n"
            "Count every weight configuration of a small binary network (model.weights =\n"
            "binary: weights +-1, no biases, sign activations) and write the exact density of\n"
            "states to OUT.h5 in the layout of `entroscape run`, on the grid a run of the same\n"
            "config uses (sampler.x_bins, x_min, x_max, y_bins, ...): /dos/histogram holds the\n"
            "configurations per bin, /dos/log_g the ln of their fraction among the configurations\n"
            "inside the grid (-inf where there are none), method = \"exact\", converged = 1,\n"
            "ln_volume = n ln 2, moves = 2^n. Only binary networks are accepted, with at most\n"
            "%d weights (2^n configurations in Gray-code order; ~1e6-1e7 per second per thread\n"
            "for tiny tasks, so 24 weights take seconds and 30 minutes).\n\n"
            "  -o, --output FILE   output HDF5 file (default: output.path, else CONFIG's name\n"
            "                      with .h5; written to a temporary file, then renamed)\n"
            "  --set KEY=VALUE     override a config option, e.g. --set model.hidden=3\n"
            "  --threads N         OpenMP threads (default: all cores)\n"
            "  -q, --quiet         no summary on stderr\n"
            "  -h, --help          this help\n\n"
            "Exit codes: 0 done, 1 runtime failure, 2 usage or config error (also: not a\n"
            "binary network, or too many weights).\n",
            ES_EXACT_BINARY_MAX_WEIGHTS);
}

/* Particles (task.name = particles): the exact ln P per bin (Irwin-Hall, n-ball) on the grid
 * of the config, normalised over the bins with any volume, in the layout of `run`. */
static int exact_particles(const es_cli_common *opt, es_config *cfg)
{
    es_err err = {0};
    char out_path[ES_CFG_STR];
    if (es_cli_output_path(opt, cfg, out_path, sizeof out_path, &err) != ES_OK)
        return es_cli_fail(&err);
    memcpy(cfg->output_path, out_path, sizeof out_path);
    const int two = cfg->task_split > 0;
    es_grid grid;
    es_dos *dos = NULL;
    char *ini = NULL;
    es_status st = es_grid_init(&grid, two ? 2 : 1, cfg->sampler_x_bins, cfg->sampler_x_min,
                                cfg->sampler_x_max, cfg->sampler_y_bins, cfg->sampler_y_min,
                                cfg->sampler_y_max, &err);
    if (st == ES_OK && !(dos = es_dos_alloc((size_t)grid.x_bins, (size_t)grid.y_bins, &err)))
        st = err.status;
    if (st == ES_OK && !(ini = es_config_to_ini(cfg)))
        st = es_err_set(&err, ES_ENOMEM, "out of memory writing the effective config");
    if (st == ES_OK) {
        es_grid_edges(&grid, dos->x_edges, dos->y_edges);
        st = two ? es_exact_particles_log_p_2d(cfg->task_n, cfg->task_split, cfg->task_potential,
                                               cfg->model_bound, dos->x_edges, dos->x_bins,
                                               dos->y_edges, dos->y_bins, dos->log_g, &err)
                 : es_exact_particles_log_p(cfg->task_n, cfg->task_potential, cfg->model_bound,
                                            dos->x_edges, dos->x_bins, dos->log_g, &err);
    }
    if (st == ES_OK) {
        es_dos_normalize(dos);
        snprintf(dos->x_variable, sizeof dos->x_variable, "mean_%s%s",
                 strcmp(cfg->task_potential, "abs") == 0 ? "abs" : "square", two ? "_x" : "");
        snprintf(dos->y_variable, sizeof dos->y_variable, "%s", two ? "mean_y" : "none");
        snprintf(dos->method, sizeof dos->method, "exact");
        dos->converged = 1;
        dos->flatness = 1;
        dos->ln_volume = (double)cfg->task_n * log(2.0 * cfg->model_bound);
        snprintf(dos->stop_reason, sizeof dos->stop_reason, "converged");
        st = es_h5_save_dos(out_path, ini, cfg->sampler_seed, dos, &err);
    }
    if (st == ES_OK && !opt->quiet)
        fprintf(stderr, "%s: exact ln P of particles (%s, n = %ld%s) on %ld x %ld bins\n",
                out_path, cfg->task_potential, cfg->task_n, two ? ", split" : "", grid.x_bins,
                grid.y_bins);
    free(ini);
    es_dos_free(dos);
    return st == ES_OK ? 0 : es_cli_fail(&err);
}

int es_cmd_exact(int argc, char **argv)
{
    es_err err = {0};
    es_cli_common opt;
    es_config cfg;
    if (es_cli_parse_config_args(argc, argv, &opt, &cfg, &err) != ES_OK)
        return es_cli_fail(&err);
    if (opt.help) {
        exact_usage(stdout);
        return 0;
    }
    if (opt.resume) {
        es_err_set(&err, ES_EUSAGE, "--resume: exact counting has no checkpoints");
        return es_cli_fail(&err);
    }
    if (strcmp(cfg.task_name, "particles") == 0)
        return exact_particles(&opt, &cfg);
    if (strcmp(cfg.model_weights, "binary") != 0) {
        es_err_set(&err, ES_ECONFIG, "%s: model.weights = %s: `entroscape exact` counts binary "
                   "networks only (model.weights = binary)", opt.config_path, cfg.model_weights);
        return es_cli_fail(&err);
    }
#ifdef _OPENMP
    if (opt.threads > 0)
        omp_set_num_threads(opt.threads);
#endif
    char out_path[ES_CFG_STR];
    if (es_cli_output_path(&opt, &cfg, out_path, sizeof out_path, &err) != ES_OK)
        return es_cli_fail(&err);
    memcpy(cfg.output_path, out_path, sizeof out_path);

    es_model *model = es_binary_net_create(&cfg, &err);
    if (!model)
        return es_cli_fail(&err);
    es_grid grid;
    es_dos *dos = NULL;
    es_h5 *h5 = NULL;
    char *ini = NULL;
    size_t ntr = 0, nte = 0, n = 0;
    char desc[160] = "";
    uint64_t outside = 0;
    double t0 = es_seconds();
    es_status st = es_exact_binary_sizes(model, &ntr, &nte, &n, desc, sizeof desc, &err);
    if (st == ES_OK && n > ES_EXACT_BINARY_MAX_WEIGHTS) /* before the grid: the clearest error */
        st = es_exact_binary_counts(model, NULL, &err);
    if (st == ES_OK)
        st = es_grid_init(&grid, model->dims, cfg.sampler_x_bins, cfg.sampler_x_min,
                          cfg.sampler_x_max, cfg.sampler_y_bins, cfg.sampler_y_min,
                          cfg.sampler_y_max, &err);
    if (st == ES_OK && !(dos = es_dos_alloc((size_t)grid.x_bins, (size_t)grid.y_bins, &err)))
        st = err.status;
    if (st == ES_OK && !(ini = es_config_to_ini(&cfg)))
        st = es_err_set(&err, ES_ENOMEM, "out of memory writing the effective config");
    /* Try the output first, so an unwritable path fails before the counting. */
    if (st == ES_OK && !(h5 = es_h5_create(out_path, ini, cfg.sampler_seed, &err)))
        st = err.status;
    es_h5_abort(h5);
    h5 = NULL;
    if (st != ES_OK)
        goto done;
    if (!opt.quiet)
        fprintf(stderr, "entroscape %s: exact counts of %s: 2^%zu = %.0f configurations, "
                "%zu training and %zu test samples, %ld x %ld bins -> %s\n", es_version(),
                desc, n, ldexp(1.0, (int)n), ntr, nte, grid.x_bins, grid.y_bins,
                out_path);
    if ((st = es_exact_binary_dos(model, &grid, dos, &outside, &err)) != ES_OK)
        goto done;
    if ((st = es_h5_save_dos(out_path, ini, cfg.sampler_seed, dos, &err)) != ES_OK)
        goto done;
    if (!opt.quiet) {
        long reached = 0;
        for (size_t b = 0; b < dos->x_bins * dos->y_bins; b++)
            reached += dos->histogram[b] > 0;
        fprintf(stderr, "%s: exact, %ld of %zu bins occupied, %.0f configurations outside the "
                "grid, %.2f s\n", out_path, reached, dos->x_bins * dos->y_bins, (double)outside,
                es_seconds() - t0);
    }
done:
    free(ini);
    es_dos_free(dos);
    es_model_free(model);
    return st == ES_OK ? 0 : es_cli_fail(&err);
}
