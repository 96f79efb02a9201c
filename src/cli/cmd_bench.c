/* cmd_bench.c: `entroscape bench CONFIG.ini`: speed of the network model's moves, with
 * incremental evaluation (sampler.move = single) and with a full forward pass per move
 * (sampler.move = full, the reference), their agreement, and memory per walker. Prints one
 * `name value` line per quantity. */
#include "cli.h"
#include "entroscape/model.h"
#include "entroscape/models.h"
#include "entroscape/nn.h"
#include "entroscape/rng.h"
#include <gsl/gsl_randist.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static void bench_usage(FILE *f)
{
    fprintf(f,
            "usage: entroscape bench CONFIG.ini [--set section.key=value ...] [--threads N]\n"
            "                        [--seconds S]\n\n"
            "Time the moves of the config's network model and print `name value` lines:\n"
            "  moves_per_s_incremental  single-parameter moves per second, incremental evaluation\n"
            "  moves_per_s_full         the same moves, each evaluated by a full forward pass\n"
            "  speedup                  their ratio\n"
            "  moves_per_cpu_s_*, speedup_cpu  the same per second of CPU time the threads got\n"
            "                           (steadier than wall-clock rates on a shared machine)\n"
            "  max_drift                largest difference between the incremental and the full\n"
            "                           value of x and y (relative for losses, so the difference\n"
            "                           of ln losses; absolute for accuracies) over the moves the\n"
            "                           full run made, replayed in lockstep, and at every full\n"
            "                           recompute (sampler.refresh) of the timed run\n"
            "  bytes_per_walker         caches, parameters and scratch of one model instance\n"
            "                           (bytes_shared: data all instances share)\n"
            "  wlmd_steps_per_s         Wang-Landau dynamics steps (sampler.method = wlmd): all\n"
            "                           parameters displaced, then forward and backward passes\n"
            "                           for x and y and their gradients (accuracy axes replaced\n"
            "                           by ln train loss and the smoothed test accuracy, named\n"
            "                           on the wlmd_variables line); wlmd_parameter_updates_per_s\n"
            "                           = steps x parameters, comparable with moves_per_s_*\n"
            "Each mode runs S seconds (default 2) from the config's initial state (sampler.init)\n"
            "on N threads (default 1; one model instance per thread, rates summed). A move is\n"
            "the sampler's: one parameter, chosen uniformly, displaced by U(-step, step); moves\n"
            "leaving the box are rejected, the others accepted with probability 1/2 (a coin, so\n"
            "that both modes follow the same trajectory). Timings depend on the machine's load,\n"
            "printed first.\n\n"
            "Incremental evaluation: dense layers and embeddings are updated for the moved unit\n"
            "and what lies downstream of it, on the samples it changes; a convolution parameter\n"
            "recomputes the convolutional part from the moved layer onward (partial recompute),\n"
            "then the dense layers.\n");
}

typedef struct bench_run {
    double seconds, cpu_seconds;  /* wall clock; CPU time of the thread */
    uint64_t moves, accepted;
    double drift;           /* largest drift the model reported at recompute */
} bench_run;

/* CPU time of the calling thread (what the run got of a shared core). */
static double thread_cpu_seconds(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0)
        return NAN;
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* One Wang-Landau dynamics step as the sampler takes it, without the bookkeeping: every
 * parameter displaced by N(0, (0.001 b)^2) and reflected into the box, then x, y and both
 * gradients by forward and backward passes. */
static void md_step(es_model *m, gsl_rng *rng, double *gx, double *gy)
{
    double b, x, y = 0, *p = m->ops->params(m->ctx, &b);
    size_t n = m->ops->n_dof(m->ctx);
    for (size_t i = 0; i < n; i++) {
        double v = p[i] + 0.001 * b * gsl_ran_gaussian_ziggurat(rng, 1.0);
        p[i] = v > b ? 2 * b - v : v < -b ? -2 * b - v : v;
    }
    m->ops->gradient(m->ctx, &x, &y, gx, m->dims == 2 ? gy : NULL);
}

/* One timed run of an instance cloned from proto, stream (seed, index), for `seconds`
 * (at least `min_moves` moves): single-parameter moves, or wlmd steps when md is set. */
static es_status timed_run(const es_model *proto, int md, uint64_t seed, int index,
                           double seconds, uint64_t min_moves, bench_run *out, es_err *err)
{
    es_model *m = es_model_clone(proto, err);
    gsl_rng *rng = m ? es_rng_alloc(seed, (uint64_t)index, err) : NULL;
    size_t n = m ? m->ops->n_dof(m->ctx) : 0;
    double *gx = md ? calloc(n, sizeof *gx) : NULL, *gy = md ? calloc(n, sizeof *gy) : NULL;
    if (!m || !rng || (md && (!gx || !gy))) {
        es_model_free(m);
        if (rng)
            gsl_rng_free(rng);
        free(gx);
        free(gy);
        return err->status ? err->status : es_err_set(err, ES_ENOMEM, "out of memory");
    }
    const es_model_ops *ops = m->ops;
    uint64_t moves = 0, acc = 0;
    double c0 = thread_cpu_seconds(), t0 = es_seconds(), t = t0;
    for (;;) {
        double x, y;
        if (md) {
            md_step(m, rng, gx, gy);
        } else if (ops->propose(m->ctx, rng) == ES_OK) {
            ops->observe_proposed(m->ctx, &x, &y);
            if (gsl_rng_uniform(rng) < 0.5) {
                ops->accept(m->ctx);
                acc++;
            } else {
                ops->reject(m->ctx);
            }
        } else {
            ops->reject(m->ctx);
        }
        moves++;
        if ((moves & 63) == 0 || moves < 64) {
            t = es_seconds();
            if (t - t0 >= seconds && moves >= min_moves)
                break;
        }
    }
    out->seconds = t - t0;
    out->cpu_seconds = thread_cpu_seconds() - c0;
    out->moves = moves;
    out->accepted = acc;
    out->drift = ops->recompute(m->ctx);
    gsl_rng_free(rng);
    es_model_free(m);
    free(gx);
    free(gy);
    return ES_OK;
}

/* `threads` timed runs at once; rate = summed moves / longest time; cpu_rate = summed moves
 * per CPU second of each thread, summed. */
static es_status timed(const es_model *proto, int md, uint64_t seed, int threads, double seconds,
                       double *rate, double *cpu_rate, double *drift, uint64_t *moves0,
                       es_err *err)
{
    bench_run *runs = calloc((size_t)threads, sizeof *runs);
    es_err *errs = calloc((size_t)threads, sizeof *errs);
    if (!runs || !errs) {
        free(runs);
        free(errs);
        return es_err_set(err, ES_ENOMEM, "out of memory");
    }
#pragma omp parallel for num_threads(threads) schedule(static, 1)
    for (int t = 0; t < threads; t++)
        timed_run(proto, md, seed, t, seconds, 4, &runs[t], &errs[t]);
    es_status st = ES_OK;
    double tmax = 0, total = 0;
    *drift = 0;
    *cpu_rate = 0;
    for (int t = 0; t < threads; t++) {
        if (errs[t].status != ES_OK && st == ES_OK)
            st = es_err_set(err, errs[t].status, "%s", errs[t].msg);
        total += (double)runs[t].moves;
        tmax = fmax(tmax, runs[t].seconds);
        *cpu_rate += runs[t].cpu_seconds > 0 ? (double)runs[t].moves / runs[t].cpu_seconds : NAN;
        *drift = fmax(*drift, runs[t].drift);
    }
    *rate = tmax > 0 ? total / tmax : 0;
    *moves0 = runs[0].moves;
    free(runs);
    free(errs);
    return st;
}

/* Difference of two observations of variable `name`: ln losses by their difference (the
 * relative difference of the losses), losses relatively, accuracies and counts absolutely
 * (as a fraction of the value for counts). */
static double var_diff(const char *name, double a, double b)
{
    if (a == b)
        return 0.0;
    if (strncmp(name, "ln_", 3) == 0)
        return fabs(a - b);
    if (strstr(name, "loss"))
        return fabs(a - b) / fmax(fabs(a), fabs(b));
    if (strstr(name, "correct"))
        return fabs(a - b) / fmax(1.0, fmax(fabs(a), fabs(b)));
    return fabs(a - b);
}

/* Replay `moves` moves from the same start in both models with the same random stream;
 * returns the largest difference (var_diff) of the observed (x, y). */
static double lockstep(const es_model *inc0, const es_model *ful0, uint64_t seed, uint64_t moves,
                       es_err *err)
{
    es_model *a = es_model_clone(inc0, err), *b = es_model_clone(ful0, err);
    gsl_rng *ra = es_rng_alloc(seed, 0, err), *rb = es_rng_alloc(seed, 0, err);
    double worst = 0;
    for (uint64_t k = 0; a && b && ra && rb && k < moves; k++) {
        es_status sa = a->ops->propose(a->ctx, ra), sb = b->ops->propose(b->ctx, rb);
        if (sa != sb) {
            worst = INFINITY;
            break;
        }
        if (sa != ES_OK) {
            a->ops->reject(a->ctx);
            b->ops->reject(b->ctx);
            continue;
        }
        double xa = 0, ya = 0, xb = 0, yb = 0;
        a->ops->observe_proposed(a->ctx, &xa, &ya);
        b->ops->observe_proposed(b->ctx, &xb, &yb);
        double d = var_diff(a->x_variable, xa, xb);
        if (a->dims == 2)
            d = fmax(d, var_diff(a->y_variable, ya, yb));
        worst = fmax(worst, isnan(d) ? INFINITY : d);
        int acc = gsl_rng_uniform(ra) < 0.5;
        gsl_rng_uniform(rb);
        if (acc) {
            a->ops->accept(a->ctx);
            b->ops->accept(b->ctx);
        } else {
            a->ops->reject(a->ctx);
            b->ops->reject(b->ctx);
        }
    }
    if (ra)
        gsl_rng_free(ra);
    if (rb)
        gsl_rng_free(rb);
    es_model_free(a);
    es_model_free(b);
    return worst;
}

/* Pull "--seconds S" out of argv (the shared parser does not know it). */
static int take_seconds(int *argc, char **argv, double *seconds, es_err *err)
{
    int k = 0;
    for (int i = 0; i < *argc; i++) {
        const char *a = argv[i], *v = NULL;
        if (strcmp(a, "--seconds") == 0) {
            if (i + 1 >= *argc) {
                es_err_set(err, ES_EUSAGE, "--seconds needs a value");
                return 0;
            }
            v = argv[++i];
        } else if (strncmp(a, "--seconds=", 10) == 0) {
            v = a + 10;
        }
        if (v) {
            char *end;
            *seconds = strtod(v, &end);
            if (!*v || *end || !(*seconds > 0) || *seconds > 1e6) {
                es_err_set(err, ES_EUSAGE, "--seconds %s: expected a number in (0, 1e6]", v);
                return 0;
            }
            continue;
        }
        argv[k++] = argv[i];
    }
    *argc = k;
    return 1;
}

/* wlmd_steps_per_s: Wang-Landau dynamics steps of the same network, with accuracies replaced
 * by what wlmd samples (x: ln train loss; y: the smoothed test accuracy). */
static es_status bench_wlmd(const es_config *cfg, uint64_t seed, int threads, double seconds,
                            es_err *err)
{
    es_config cm = *cfg;
    snprintf(cm.sampler_method, sizeof cm.sampler_method, "wlmd");
    if (strcmp(cm.sampler_x, "train_acc") == 0 || strcmp(cm.sampler_x, "train_correct") == 0)
        snprintf(cm.sampler_x, sizeof cm.sampler_x, "ln_train_loss");
    if (strcmp(cm.sampler_y, "test_correct") == 0)
        snprintf(cm.sampler_y, sizeof cm.sampler_y, "test_acc");
    es_model *m = es_model_create(&cm, err);
    if (!m)
        return err->status;
    gsl_rng *r = es_rng_alloc(seed, 0, err);
    if (!r) {
        es_model_free(m);
        return err->status;
    }
    m->ops->randomize(m->ctx, r);
    gsl_rng_free(r);
    double rate = 0, cpu = 0, drift = 0;
    uint64_t steps = 0;
    es_status st = timed(m, 1, seed, threads, seconds, &rate, &cpu, &drift, &steps, err);
    if (st == ES_OK) {
        printf("wlmd_variables %s %s\n", m->x_variable, m->dims == 2 ? m->y_variable : "none");
        printf("wlmd_steps_per_s %.6g\n", rate);
        printf("wlmd_steps_per_cpu_s %.6g\n", cpu);
        printf("wlmd_parameter_updates_per_s %.6g\n", rate * (double)m->ops->n_dof(m->ctx));
    }
    es_model_free(m);
    return st;
}

int es_cmd_bench(int argc, char **argv)
{
    es_err err = {0};
    double seconds = 2.0;
    if (!take_seconds(&argc, argv, &seconds, &err))
        return es_cli_fail(&err);
    es_cli_common opt;
    es_config cfg;
    if (es_cli_parse_config_args(argc, argv, &opt, &cfg, &err) != ES_OK) {
        if (opt.help) {
            bench_usage(stdout);
            return 0;
        }
        return es_cli_fail(&err);
    }
    if (opt.help) {
        bench_usage(stdout);
        return 0;
    }
    int threads = opt.threads > 0 ? opt.threads : 1;
    es_config ci = cfg, cf = cfg;
    snprintf(ci.sampler_move, sizeof ci.sampler_move, "single");
    snprintf(cf.sampler_move, sizeof cf.sampler_move, "full");
    if (strcmp(cfg.sampler_method, "wlmd") == 0) /* single-parameter moves: a WL schedule */
        snprintf(ci.sampler_method, sizeof ci.sampler_method, "1/t");
    snprintf(cf.sampler_method, sizeof cf.sampler_method, "%s", ci.sampler_method);
    es_model *inc = es_model_create(&ci, &err);
    if (!inc)
        return es_cli_fail(&err);
    es_network_stats si;
    if (es_network_stats_get(inc, &si) != ES_OK) {
        es_model_free(inc);
        es_err_set(&err, ES_ECONFIG, "bench times network models; task.name = %s is not one",
                   cfg.task_name);
        return es_cli_fail(&err);
    }
    es_model *ful = es_model_create(&cf, &err);
    if (!ful) {
        es_model_free(inc);
        return es_cli_fail(&err);
    }
    /* the same start for both: the config's initial state from stream (seed, 0) */
    uint64_t seed = (uint64_t)cfg.sampler_seed;
    gsl_rng *r = es_rng_alloc(seed, 0, &err);
    if (!r) {
        es_model_free(inc);
        es_model_free(ful);
        return es_cli_fail(&err);
    }
    inc->ops->randomize(inc->ctx, r);
    gsl_rng_free(r);
    r = es_rng_alloc(seed, 0, &err);
    ful->ops->randomize(ful->ctx, r);
    gsl_rng_free(r);

    double la[3] = {0, 0, 0};
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        if (fscanf(f, "%lf %lf %lf", &la[0], &la[1], &la[2]) != 3)
            la[0] = la[1] = la[2] = NAN;
        fclose(f);
    }
    es_network_stats s0;
    es_network_stats_get(inc, &s0);
    double x0 = 0, y0 = 0;
    inc->ops->observe(inc->ctx, &x0, &y0);
    printf("load_average %.2f,%.2f,%.2f\n", la[0], la[1], la[2]);
    printf("threads %d\n", threads);
    printf("seconds_per_mode %g\n", seconds);
    printf("task %s\n", cfg.task_name);
    printf("network %s\n", s0.arch);
    printf("n_params %zu\n", s0.n_params);
    printf("n_samples %zu\n", s0.n_samples);
    printf("x %s %.6g\n", inc->x_variable, x0);
    if (inc->dims == 2)
        printf("y %s %.6g\n", inc->y_variable, y0);
    printf("refresh %ld\n", cfg.sampler_refresh);
    fflush(stdout);

    double rate_f = 0, rate_i = 0, cpu_f = 0, cpu_i = 0, drift_f = 0, drift_i = 0;
    uint64_t moves_f = 0, moves_i = 0;
    es_status st = timed(ful, 0, seed, threads, seconds, &rate_f, &cpu_f, &drift_f, &moves_f, &err);
    if (st == ES_OK)
        st = timed(inc, 0, seed, threads, seconds, &rate_i, &cpu_i, &drift_i, &moves_i, &err);
    double lock = 0;
    if (st == ES_OK) {
        /* the full run's moves of thread 0, replayed in lockstep (bounded to keep it short) */
        uint64_t n = moves_f < 200000 ? moves_f : 200000;
        lock = lockstep(inc, ful, seed, n, &err);
        printf("moves_per_s_incremental %.6g\n", rate_i);
        printf("moves_per_s_full %.6g\n", rate_f);
        printf("speedup %.4g\n", rate_f > 0 ? rate_i / rate_f : NAN);
        printf("moves_per_cpu_s_incremental %.6g\n", cpu_i);
        printf("moves_per_cpu_s_full %.6g\n", cpu_f);
        printf("speedup_cpu %.4g\n", cpu_f > 0 ? cpu_i / cpu_f : NAN);
        printf("max_drift %.3g\n", fmax(lock, drift_i));
        printf("drift_lockstep %.3g (%llu moves)\n", lock, (unsigned long long)n);
        printf("drift_refresh %.3g\n", drift_i);
        printf("bytes_per_walker %zu\n", si.bytes_per_walker);
        printf("bytes_shared %zu\n", si.bytes_shared);
        es_network_stats sf;
        es_network_stats_get(ful, &sf);
        printf("bytes_per_walker_full %zu\n", sf.bytes_per_walker);
        fflush(stdout);
        st = bench_wlmd(&cfg, seed, threads, seconds, &err);
    }
    es_model_free(inc);
    es_model_free(ful);
    return st == ES_OK ? 0 : es_cli_fail(&err);
}
