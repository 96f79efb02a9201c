/* cmd_run.c: `entroscape run CONFIG.ini`: sample the density of states and write it to HDF5,
 * with checkpoints (periodic and on signals) and --resume. */
#include "cli.h"
#include "entroscape/comm.h"
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

static volatile sig_atomic_t stop_requested, checkpoint_requested;

static void on_stop(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void on_usr1(int sig)
{
    (void)sig;
    checkpoint_requested = 1;
}

static void run_usage(FILE *f)
{
    fprintf(f,
            "usage: entroscape run CONFIG.ini [-o OUT.h5] [--set section.key=value ...]\n"
            "                      [--threads N] [--resume CKPT.h5 | --overwrite] [--quiet]\n\n"
            "Sample ln g, the log-volume of parameter space per bin of (x, y), by Wang-Landau\n"
            "(with replica-exchange windows when sampler.windows > 1), and write it to OUT.h5\n"
            "(default: output.path, else CONFIG's name with .h5).\n\n"
            "  -o, --output FILE   output HDF5 file (written to a temporary file, then renamed)\n"
            "  --set KEY=VALUE     override a config option, e.g. --set sampler.walkers=2\n"
            "  --threads N         OpenMP threads (default: all cores; walkers share them)\n"
            "  --resume CKPT.h5    continue from a checkpoint of the same config and version\n"
            "  --overwrite         start over although OUT.h5 or its checkpoint exists\n"
            "  -q, --quiet         no progress on stderr\n"
            "  -h, --help          this help and the config reference\n\n"
            "Checkpoints go to output.checkpoint (default OUT.ckpt.h5) every\n"
            "output.checkpoint_every seconds, on SIGUSR1 (and the run goes on), and on SIGTERM or\n"
            "SIGINT (then the result so far is written, marked converged = 0, and the run\n"
            "stops), and when max_seconds or max_sweeps ends a run unconverged. A run resumed\n"
            "after a signal or max_seconds ends with the same ln g, bit for bit, as an\n"
            "uninterrupted one with the same seed and layout (after max_sweeps too when it is a\n"
            "multiple of check_every). The checkpoint is removed once the run converges (only\n"
            "if this run wrote it). run refuses to start when OUT.h5 or its checkpoint exists\n"
            "(--resume or --overwrite), and when another run holds OUT.h5.lock.\n"
            "Progress goes to stderr: a live line on a terminal, a line per stage otherwise.\n"
            "Exit codes: 0 done, 1 runtime failure or interrupted, 2 usage or config error.\n\n"
            "Config reference (INI sections and keys):\n\n");
    es_config_print_help(f);
}

typedef struct progress {
    int quiet, tty;
    double last_line;   /* seconds of the last line printed (logs: at least one a minute) */
} progress;

static void show_progress(progress *pr, const es_wl_report *r, int final)
{
    if (pr->quiet || (!pr->tty && !r->stage_changed && !final && r->seconds < pr->last_line + 60))
        return;
    pr->last_line = r->seconds;
    char el[32], eta[32], win[128] = "";
    es_cli_fmt_time(r->seconds, el, sizeof el);
    es_cli_fmt_time(r->eta_seconds, eta, sizeof eta);
    if (r->windows > 1)
        snprintf(win, sizeof win, "  windows %d/%d done  exch %.2f", r->windows_converged,
                 r->windows, r->exchange_rate);
    snprintf(win + strlen(win), sizeof win - strlen(win), "  trips %llu", (unsigned long long)r->min_trips);
    if (r->max_err >= 0)
        snprintf(win + strlen(win), sizeof win - strlen(win), "  err %.2g", r->max_err);
    if (r->md_step > 0) /* wlmd: the Langevin proposal width, relative to the box */
        snprintf(win + strlen(win), sizeof win - strlen(win), "  step %.2g", r->md_step);
    fprintf(stderr, "%sstage %d%s  ln f %.3e  flat %.2f  sweeps %.3g  bins %ld/%ld  acc %.2f%s  %s",
            pr->tty ? "\r\033[K" : "", r->stages, r->phase == 2 ? " (1/t)" : "", r->ln_f,
            r->flatness, (double)r->sweeps, r->reached, r->nbins, r->acceptance, win, el);
    if (!final)
        fprintf(stderr, "  ~%s left", eta);
    fprintf(stderr, "%s", pr->tty && !final ? "" : "\n");
    fflush(stderr);
}

/* The config text without the keys that may change between a run and its resumption. */
static char *comparable_config(const char *ini)
{
    char *out = malloc(strlen(ini) + 1);
    if (!out)
        return NULL;
    size_t k = 0;
    int in_output = 0;
    for (const char *line = ini; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line + 1) : strlen(line);
        if (line[0] == '[')
            in_output = strncmp(line, "[output]", 8) == 0;
        int skip = in_output || strncmp(line, "max_seconds", 11) == 0 ||
                   strncmp(line, "max_sweeps", 10) == 0;
        if (!skip) {
            memcpy(out + k, line, len);
            k += len;
        }
        line += len;
    }
    out[k] = '\0';
    return out;
}

/* Load a checkpoint into wl after checking it belongs to this version and config. */
static es_status resume_from(es_wl *wl, const char *ckpt, const char *ini, uint64_t *run_id,
                             es_err *err)
{
    es_records rs = {0};
    char *cfg_text = NULL, *version = NULL;
    es_status st = ES_OK;
    if (es_comm_rank() != 0) { /* rank 0 reads and checks; the others receive in unpack */
        if (es_comm_max_long(0))
            return es_err_set(err, ES_EDATA, "the checkpoint was refused (see rank 0)");
        return es_wl_unpack(wl, &rs, err);
    }
    st = es_h5_read_checkpoint(ckpt, &rs, &cfg_text, &version, err);
    const es_record *id = st == ES_OK ? es_records_get(&rs, "run_id") : NULL;
    if (id && id->type == ES_REC_U64 && id->count == 1)
        memcpy(run_id, id->data, sizeof *run_id); /* the resumed run owns its checkpoint */
    if (st == ES_OK && strcmp(version, es_version()) != 0)
        st = es_err_set(err, ES_EDATA, "%s was written by entroscape %s; this is %s: refusing to "
                        "resume across versions", ckpt, version, es_version());
    if (st == ES_OK) {
        char *a = comparable_config(cfg_text), *b = comparable_config(ini);
        if (!a || !b)
            st = es_err_set(err, ES_ENOMEM, "out of memory comparing configs");
        else if (strcmp(a, b) != 0) {
            /* name the first differing line */
            const char *p = a, *q = b;
            while (*p && *p == *q)
                p++, q++;
            while (p > a && p[-1] != '\n')
                p--, q--;
            st = es_err_set(err, ES_EDATA, "%s belongs to another configuration (checkpoint: "
                            "\"%.*s\", this run: \"%.*s\"); only [output], max_seconds and "
                            "max_sweeps may change on resume", ckpt, (int)strcspn(p, "\n"), p,
                            (int)strcspn(q, "\n"), q);
        }
        free(a);
        free(b);
    }
    if (es_comm_max_long(st != ES_OK) == 0 && (st = es_wl_unpack(wl, &rs, err)) != ES_OK &&
        strncmp(err->msg, ckpt, strlen(ckpt)) != 0) { /* name the file */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s: %.900s", ckpt, err->msg);
        memcpy(err->msg, msg, sizeof msg);
    }
    es_records_clear(&rs);
    free(cfg_text);
    free(version);
    return st;
}

/* Write the run's checkpoint (collective); start_pending marks one taken before sampling
 * began (a signal during the approach or burn-in). */
static es_status write_checkpoint(const es_wl *wl, const char *path, const char *ini, long seed,
                                  const es_grid *g, uint64_t run_id, int start_pending,
                                  es_err *err)
{
    es_records rs = {0};
    es_dos *snap = es_dos_alloc((size_t)g->x_bins, (size_t)g->y_bins, err);
    es_status st = snap ? es_wl_pack(wl, &rs, err) : err->status;     /* collective */
    if (st == ES_OK)
        st = es_wl_result(wl, snap, err);                              /* collective */
    if (st == ES_OK && es_comm_rank() == 0)
        st = es_records_add(&rs, "run_id", ES_REC_U64, 1, &run_id, err);
    if (st == ES_OK && es_comm_rank() == 0 && start_pending)
        st = es_records_add(&rs, "start_pending", ES_REC_U8, 1, &(uint8_t){1}, err);
    if (st == ES_OK && es_comm_rank() == 0)
        st = es_h5_write_checkpoint(path, ini, seed, &rs, snap, err);
    if (es_comm_max_long(st != ES_OK) && st == ES_OK)
        st = es_err_set(err, ES_EIO, "rank 0 could not write the checkpoint");
    es_records_clear(&rs);
    es_dos_free(snap);
    return st;
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
    char out_path[ES_CFG_STR], ckpt_path[ES_CFG_STR + 16];
    if (es_cli_output_path(&opt, &cfg, out_path, sizeof out_path, &err) != ES_OK)
        return es_cli_fail(&err);
    memcpy(cfg.output_path, out_path, sizeof out_path);
    if (cfg.output_checkpoint[0]) {
        snprintf(ckpt_path, sizeof ckpt_path, "%s", cfg.output_checkpoint);
    } else {
        size_t len = strlen(out_path);
        if (len > 3 && strcmp(out_path + len - 3, ".h5") == 0)
            len -= 3;
        snprintf(ckpt_path, sizeof ckpt_path, "%.*s.ckpt.h5", (int)len, out_path);
    }
    /* Before anything slow: refuse to start over earlier work, lock the output. */
    const int root = es_comm_rank() == 0;
    es_run_files files = {.lock_fd = -1};
    es_status fst = root ? es_run_files_open(&files, out_path, ckpt_path, opt.resume,
                                             opt.overwrite, opt.quiet, &err) : ES_OK;
    if (es_comm_max_long(fst != ES_OK)) {
        if (fst == ES_OK)
            es_err_set(&err, ES_EUSAGE, "rank 0 refused the output files");
        es_run_files_close(&files);
        return es_cli_fail(&err);
    }

    es_model *model = es_model_create(&cfg, &err);
    if (!model) {
        es_run_files_close(&files);
        return es_cli_fail(&err);
    }
    es_grid grid;
    es_wl_params wp;
    es_wl *wl = NULL;
    es_dos *dos = NULL;
    char *ini = NULL;
    es_status st = es_grid_init(&grid, model->dims, cfg.sampler_x_bins, cfg.sampler_x_min,
                                cfg.sampler_x_max, cfg.sampler_y_bins, cfg.sampler_y_min,
                                cfg.sampler_y_max, &err);
    if (st == ES_OK)
        st = es_wl_params_from_config(&wp, &cfg, &grid, &err);
    if (st == ES_OK && !(dos = es_dos_alloc((size_t)grid.x_bins, (size_t)grid.y_bins, &err)))
        st = err.status;
    if (st == ES_OK && !(ini = es_config_to_ini(&cfg)))
        st = es_err_set(&err, ES_ENOMEM, "out of memory writing the effective config");
    if (st == ES_OK && !(wl = es_wl_alloc(&wp, &grid, model, &err)))
        st = err.status;
    if (st == ES_OK && opt.resume &&
        (st = resume_from(wl, opt.resume, ini, &files.run_id, &err)) == ES_EDATA)
        st = err.status = ES_ECONFIG; /* a checkpoint that does not fit is a usage error: exit 2 */
    /* Try both files first, so a full or unwritable disk fails before hours of sampling; the
     * real files are written later (a run killed with -9 then leaves no temporary behind). */
    if (st == ES_OK && root)
        st = es_run_files_probe(&files, &err);
    if (es_comm_max_long(st != ES_OK) && st == ES_OK)
        st = es_err_set(&err, ES_EIO, "rank 0 cannot write %s", out_path);
    if (st != ES_OK)
        goto done;
    if (!root)
        opt.quiet = 1; /* rank 0 speaks for all */

    if (!opt.quiet)
        fprintf(stderr, "entroscape %s: %s, %zu degrees of freedom, %s over %ld x %ld bins, "
                "%d groups x %ld window%s x %d walker%s, seed %ld%s%s -> %s\n", es_version(),
                model->ops->name, model->ops->n_dof(model->ctx), es_wl_method_name(wp.method),
                grid.x_bins, grid.y_bins, wp.groups, (long)wp.windows, wp.windows == 1 ? "" : "s",
                wp.walkers, wp.walkers == 1 ? "" : "s", cfg.sampler_seed,
                opt.resume ? ", resumed from " : "", opt.resume ? opt.resume : "", out_path);
    struct sigaction sa = {0};
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_usr1;
    sigaction(SIGUSR1, &sa, NULL);

    progress pr = {.quiet = opt.quiet, .tty = isatty(STDERR_FILENO)};
    double last_ckpt = es_seconds(), next_report = 0;
    char ckpt_failure[sizeof err.msg] = "";
    es_wl_set_stop(wl, &stop_requested);
    st = es_wl_start(wl, &err);
    if (st != ES_OK && es_comm_max_long(stop_requested)) { /* before sampling began */
        es_err cerr = {0};
        es_status cs = write_checkpoint(wl, ckpt_path, ini, cfg.sampler_seed, &grid,
                                        files.run_id, 1, &cerr);
        err = (es_err){0};
        if (cs == ES_OK)
            st = es_err_set(&err, ES_EINTR, "stopped by a signal before sampling began; the "
                            "walkers so far are in %s: continue with --resume %s", ckpt_path,
                            ckpt_path);
        else
            st = es_err_set(&err, ES_EINTR, "stopped by a signal before sampling began; the "
                            "checkpoint failed too: %s", cerr.msg);
        goto done;
    }
    if (st != ES_OK)
        goto done;
    for (;;) {
        if ((st = es_wl_advance(wl, &err)) != ES_OK)
            goto done;
        int stop_all = (int)es_comm_max_long(stop_requested);
        int done = es_wl_done(wl) || stop_all;
        es_wl_report r;
        es_wl_get_report(wl, &r);
        if (r.stage_changed || done || r.seconds >= next_report) {
            show_progress(&pr, &r, done);
            next_report = r.seconds + 0.25;
        }
        int due = cfg.output_checkpoint_every > 0 &&
                  es_seconds() - last_ckpt >= cfg.output_checkpoint_every;
        /* Also at the end of an unconverged run (max_seconds, max_sweeps): the next job resumes. */
        if (es_comm_max_long(due || checkpoint_requested || done) && !es_wl_converged(wl)) {
            checkpoint_requested = 0;
            es_err cerr = {0};
            last_ckpt = es_seconds();
            if (write_checkpoint(wl, ckpt_path, ini, cfg.sampler_seed, &grid, files.run_id, 0,
                                 &cerr) != ES_OK) {
                /* A full disk must not end hours of sampling: the previous checkpoint is
                 * intact (atomic writes); try again at the next one. */
                snprintf(ckpt_failure, sizeof ckpt_failure, "%s", cerr.msg);
                if (root)
                    fprintf(stderr, "%swarning: checkpoint failed (%s); the previous checkpoint "
                            "is kept, retrying %s\n", pr.tty ? "\n" : "", cerr.msg,
                            done ? "never: the run ends now" : "at the next one");
            } else {
                ckpt_failure[0] = '\0';
                if (!opt.quiet && !pr.tty)
                    fprintf(stderr, "checkpoint written to %s\n", ckpt_path);
            }
        }
        if (done)
            break;
    }
    if ((st = es_wl_result(wl, dos, &err)) != ES_OK)
        goto done;
    if (!root) {
        st = es_comm_max_long(stop_requested) ? ES_EINTR : ES_OK; /* agree with rank 0 */
        if (st != ES_OK)
            es_err_set(&err, st, "stopped by a signal");
        goto done;
    }
    if ((st = es_run_files_save(&files, ini, cfg.sampler_seed, dos, &err)) != ES_OK)
        goto done;
    if (dos->converged)
        es_run_files_remove_ckpt(&files, opt.quiet);
    long unreached = 0;
    for (size_t b = 0; b < dos->x_bins * dos->y_bins; b++)
        unreached += isinf(dos->log_g[b]) != 0;
    es_wl_report fin;
    es_wl_get_report(wl, &fin);
    if (!opt.quiet)
        fprintf(stderr, "%s: %s, ln f %.3g, %llu sweeps per walker, %ld of %zu bins never reached, "
                "largest drift of cached observables %.2g\n",
                out_path, dos->converged ? "converged" : "NOT converged", dos->ln_f,
                (unsigned long long)dos->sweeps, unreached, dos->x_bins * dos->y_bins,
                fin.max_drift);
    if (!opt.quiet)
        es_dos_fprint_criteria(stderr, dos, "  ");
    if (es_comm_max_long(stop_requested) && !dos->converged)
        st = es_err_set(&err, ES_EINTR, "stopped by a signal; the result so far (converged = 0) "
                        "is in %s; continue with --resume %s", out_path, ckpt_path);
    if (st == ES_OK && ckpt_failure[0] && !dos->converged)
        st = es_err_set(&err, ES_EIO, "the result so far is in %s, but the last checkpoint "
                        "failed (%s): a resume starts from the previous one", out_path,
                        ckpt_failure);
done:
    es_run_files_close(&files);
    es_wl_free(wl);
    free(ini);
    es_dos_free(dos);
    es_model_free(model);
    return st == ES_OK ? 0 : es_cli_fail(&err);
}
