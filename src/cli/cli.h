/* cli.h (internal): the subcommands of the entroscape program. Each returns an exit code:
 * 0 success, 1 runtime failure, 2 usage or configuration error. */
#ifndef ENTROSCAPE_CLI_H
#define ENTROSCAPE_CLI_H

#include "entroscape/common.h"
#include "entroscape/config.h"

int es_cmd_run(int argc, char **argv);
int es_cmd_info(int argc, char **argv);
int es_cmd_exact(int argc, char **argv);
int es_cmd_train(int argc, char **argv);
int es_cmd_bench(int argc, char **argv);
int es_cmd_analyze(int argc, char **argv);
int es_cmd_plot(int argc, char **argv);
int es_cmd_compare(int argc, char **argv);

/* Shared option handling for subcommands that read a config: CONFIG [-o OUT] [--set k=v ...]
 * [--threads N] [--resume CKPT] [--overwrite] [--quiet]. Loads, overrides and validates cfg. Returns ES_OK, or an error
 * (message in err); *help is set when --help was given. */
typedef struct es_cli_common {
    const char *config_path;
    const char *output;     /* -o, or NULL */
    const char *resume;     /* --resume CKPT.h5, or NULL */
    int threads;            /* --threads, 0 = default */
    int quiet;
    int overwrite;          /* --overwrite (run only): start over an existing output/checkpoint */
    int help;
} es_cli_common;

es_status es_cli_parse_config_args(int argc, char **argv, es_cli_common *opt, es_config *cfg,
                                   es_err *err);

/* The output path: -o, else output.path, else <config basename without .ini>.h5. */
es_status es_cli_output_path(const es_cli_common *opt, const es_config *cfg, char *out,
                             size_t size, es_err *err);

/* A duration for progress lines: "42 s", "3.5 min", "2.1 h", or "?" when negative. */
void es_cli_fmt_time(double seconds, char *buf, size_t n);

/* Print "entroscape: <status name>: <message>" to stderr and return the exit code. */
int es_cli_fail(const es_err *err);

/* ---- the files of a run (run_files.c) ---- */
#include "entroscape/dos.h"

typedef struct es_run_files {
    const char *out, *ckpt;   /* output and checkpoint paths (caller storage) */
    int lock_fd;              /* lock on "<out>.lock", -1 when not held */
    uint64_t run_id;          /* written into every checkpoint as /checkpoint/run_id */
} es_run_files;

/* Before any sampling: check both paths can be written (not a directory, directory writable:
 * ES_EUSAGE), lock the output (ES_EUSAGE naming the other run's pid), remove stale
 * temporaries, and refuse (ES_EUSAGE, naming --resume and --overwrite) when the output or
 * the checkpoint exists, unless --overwrite (which removes an old checkpoint) or --resume
 * (then only that checkpoint may sit at ckpt). Rank 0 only. */
es_status es_run_files_open(es_run_files *f, const char *out, const char *ckpt,
                            const char *resume, int overwrite, int quiet, es_err *err);

/* Write and remove 64 KiB beside both files (disk, quota, permissions). ES_EIO (err set). */
es_status es_run_files_probe(const es_run_files *f, es_err *err);

/* Remove the checkpoint only if it carries f->run_id; otherwise say why it stays. */
void es_run_files_remove_ckpt(const es_run_files *f, int quiet);

/* Write the result to f->out; if that fails, into a fallback file beside the checkpoint or in
 * $TMPDIR, named in err. ES_OK only when f->out was written. */
es_status es_run_files_save(const es_run_files *f, const char *config_text, long seed,
                            const es_dos *dos, es_err *err);

/* Release the lock (and remove the lock file). */
void es_run_files_close(es_run_files *f);

/* ---- analyze, plot, compare (cmd_analyze.c) ---- */
#include "entroscape/analysis.h"

/* A run file loaded with its analysis. */
typedef struct es_cli_run {
    const char *path;
    char *config_text;        /* root attribute `config` (NULL when absent) */
    es_ana_config cfg;        /* config_text as key/value pairs */
    es_dos *dos;              /* /dos */
    es_analysis *ana;         /* computed now, or read from /analysis */
    int stored;               /* 1: ana was read from /analysis */
} es_cli_run;

/* Load path's /dos and analyse it: against the training history in sgd_path when given;
 * otherwise, when use_stored and the file has /analysis, read that; otherwise against the
 * file's own /sgd if it has one, or without SGD states. Warnings go to stderr. ES_EDATA /
 * ES_EIO (err set) for files that are not runs or histories that do not belong to the run. */
es_status es_cli_run_load(es_cli_run *r, const char *path, const char *sgd_path, int use_stored,
                          es_err *err);
void es_cli_run_free(es_cli_run *r);

/* es_cli_run_load without the stored /analysis, binning only each run's final state when
 * final_only (analyze --states final). */
es_status es_cli_run_load_states(es_cli_run *r, const char *path, const char *sgd_path,
                                 int final_only, es_err *err);

/* ---- analyze --ensemble (cmd_ensemble.c) ---- */
typedef struct es_cli_ensemble_opts {
    const char *const *land;    /* (n_land) --ensemble glob patterns of landscape files */
    size_t n_land;
    const char *const *sgd;     /* (n_sgd) --sgd-ensemble glob patterns of training files */
    size_t n_sgd;
    const char *list;           /* --ensemble-file LIST, or NULL */
    const char *output;         /* -o ENSEMBLE.h5, or NULL */
    int final_only, tsv;
    double mean_lo, mean_hi;    /* --mean-range: bins with centres in [lo, hi] (-inf, inf) */
} es_cli_ensemble_opts;

/* Pair, check, analyse and combine the datasets; print; write o->output. Exit code: 2 for
 * usage errors and datasets that differ in more than task.seed, 1 for unreadable files. */
int es_cli_analyze_ensemble(const es_cli_ensemble_opts *o);

/* `compare` on ensemble files (/ensemble, from analyze --ensemble -o): each ensemble's mean
 * and the first minus each other per data seed with its ensemble error (cmd_compare_ensemble.c).
 * Exit code 0, or 1 for unreadable files or different variables. */
int es_cli_compare_ensembles(const char *const *files, size_t n, int tsv);

/* Task, network and parameter count of the run (es_ana_describe), using /sgd's description
 * when known, else building the network from the config (loads the task's data). */
void es_cli_run_title(const es_cli_run *r, char *buf, size_t size);

/* How the landscape was sampled: "Wang-Landau (1/t), 2 walkers, converged (ln f 1e-06)". */
void es_cli_run_subtitle(const es_cli_run *r, char *buf, size_t size);

/* ---- training files without a landscape (train_summary.c) ---- */

/* 1 when path is a file `entroscape train` wrote (/sgd, no /dos); 0 otherwise, also for a
 * file that cannot be opened (es_cli_run_load then says why). */
int es_cli_is_history(const char *path);

/* A file `entroscape train` wrote (/sgd, no /dos): *s and its title ("spiral: mlp ...,
 * 116 parameters") and subtitle ("Adam, lr 0.001, batch 40: 20 runs x 5000 epochs").
 * ES_EDATA / ES_EIO (err set) when /sgd cannot be read. */
es_status es_cli_history_load(const char *path, es_sgd **s, char *title, size_t tsize,
                              char *subtitle, size_t ssize, es_err *err);

/* `entroscape analyze TRAIN.h5`: each metric's mean +- standard error over the runs at
 * selected epochs (aligned, or TSV with every epoch), and the final epoch's spread. */
void es_cli_history_table(FILE *f, const char *path, const es_sgd *s, const char *title,
                          const char *subtitle, int tsv);

#endif
