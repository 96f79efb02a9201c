/* analysis.h: what an entropy landscape says, per x bin: the highest-entropy y (argmax over y
 * of S(x, y), the paper's magenta line), the entropy-weighted mean of y (the paper's Eq. 1),
 * the gradient-trained states binned by x (mean and standard error: the paper's black curve)
 * and the advantage of the high-entropy states over them. Computations only (src/analysis/);
 * /analysis in HDF5 is src/io/h5analysis.c, declared at the end. */
#ifndef ENTROSCAPE_ANALYSIS_H
#define ENTROSCAPE_ANALYSIS_H

#include "entroscape/common.h"
#include "entroscape/dos.h"
#include "entroscape/train.h"

#include <stdint.h>

/* ---- variables ------------------------------------------------------------------------- */

/* How a landscape variable (/dos x_variable or y_variable) is read off a row of
 * /sgd/history (ES_N_METRICS values: train_loss, train_acc, test_loss, test_acc). */
typedef enum es_ana_transform {
    ES_ANA_NONE,       /* no counterpart in the history (particles, Ising, "none") */
    ES_ANA_IDENTITY,   /* the metric itself: train_loss, train_acc, test_loss, test_acc */
    ES_ANA_LOG,        /* ln of the metric: ln_train_loss, ln_test_loss */
    ES_ANA_COUNT       /* accuracy x samples, rounded: train_correct, test_correct */
} es_ana_transform;

typedef struct es_ana_var {
    char name[64];               /* as in /dos: "ln_train_loss", "test_acc", "mean_abs_y" */
    int metric;                  /* column of the history (ES_TRAIN_LOSS, ...); -1: none */
    es_ana_transform transform;
    double samples;              /* ES_ANA_COUNT: samples of the split (set by the caller) */
    int better;                  /* +1 higher is better (accuracy), -1 lower (loss), 0 neither */
    char label[96];              /* axis label: "ln training loss", "test accuracy", ... */
} es_ana_var;

/* Describe variable `name` (never fails: unknown names get metric -1, better 0 and the name
 * as label). samples of ES_ANA_COUNT variables start at 0: the caller fills them in. */
void es_ana_var_init(es_ana_var *v, const char *name);

/* The variable's value for one history row (ES_N_METRICS values); NaN when it has no
 * counterpart or the metric is NaN; ln of 0 is -inf (outside every grid). */
double es_ana_var_value(const es_ana_var *v, const double *row);

/* ---- the analysis ---------------------------------------------------------------------- */

typedef struct es_analysis {
    size_t x_bins;
    int has_y;                  /* 1: 2-D landscape; 0: 1-D (no y, no Eq. 1, no advantage) */
    es_ana_var xv, yv;          /* the landscape's variables */
    double *x;                  /* (x_bins) bin centres */
    double *x_edges;            /* (x_bins + 1) */
    double *log_g_x;            /* (x_bins) ln sum_y e^S(x, y): ln fraction of the volume in the
                                 * x bin (1-D: S(x) itself); -inf if never visited */
    double *argmax_y;           /* (x_bins) centre of the y bin of highest S(x, y); NaN if the
                                 * column is empty or 1-D; ties: the lowest such y */
    double *mean_y;             /* (x_bins) Eq. 1: sum_y y e^S / sum_y e^S over visited bins */
    double *mean_y_err;         /* (x_bins) with replicas: sample sd of mean_y over this
                                 * landscape and its independent replicas (other seeds); else
                                 * the error of mean_y from the run's groups (see groups); NaN
                                 * with fewer than two estimates visiting the column */
    double *sgd_mean_y;         /* (x_bins) mean y of the SGD states in the bin; NaN if none */
    double *sgd_sem_y;          /* (x_bins) standard error of sgd_mean_y with the runs as
                                 * independent clusters (epochs of one run are correlated);
                                 * NaN if fewer than 2 runs reach the bin */
    int64_t *sgd_count;         /* (x_bins) SGD states (run, epoch) in the bin */
    int64_t *sgd_run_count;     /* (x_bins) runs with at least one state in the bin */
    double *advantage;          /* (x_bins) sign (mean_y - sgd_mean_y), sign = yv.better;
                                 * positive: the high-entropy states generalise better */
    double *advantage_err;      /* (x_bins) sqrt(sgd_sem_y^2 + mean_y_err^2) with replicas;
                                 * without them sgd_sem_y alone */
    int replicas;               /* landscapes behind mean_y_err, this one included (1: none) */
    int groups;                 /* independent groups of the run behind mean_y_err when there
                                 * are no replicas: then mean_y_err is the error of the run's
                                 * <y>(x) from their spread (0: the file has none) */
    char replica_files[1024];   /* the replicas' paths, comma-separated ("" when none) */
    /* where the SGD states came from (filled by es_analysis_bin_sgd or read from a file) */
    int has_sgd;
    char sgd_file[512];         /* path given to --sgd ("" when none) */
    char sgd_arch[128];         /* /sgd arch, e.g. "mlp 2-6-6-6-2 relu, 116 parameters" */
    int64_t n_params;           /* /sgd n_params; 0 unknown */
    int64_t sgd_runs, sgd_epochs;
    int64_t sgd_states;         /* rows of the history: runs x (epochs + 1) */
    int64_t sgd_binned;         /* placed in an x bin */
    int64_t sgd_outside;        /* finite x outside the x range */
    int64_t sgd_undefined;      /* x or y NaN or infinite (e.g. ln of a zero loss) */
    int sgd_box_none;           /* the training ran with train.box = none */
    double sgd_bound;           /* its box half-width (0: none) */
    int64_t sgd_runs_outside_box;   /* runs whose final state lies outside that box */
    int sgd_final_only;         /* set before es_analysis_bin_sgd: 1 bins only each run's
                                 * final state (analyze --states final), 0 every epoch */
    size_t dev_runs;            /* rows of sgd_run_dev: the history's runs; 0 when unknown
                                 * (an /analysis written before it was stored) */
    double *sgd_run_dev;        /* (dev_runs, x_bins) run r's share of the deviation of the
                                 * bin mean: (s_ri - n_ri m_i) / N_i (NaN where r has no state
                                 * in bin i); sgd_sem_y_i^2 = G_i / (G_i - 1) sum_r dev_ri^2, and
                                 * the mean over bins takes the runs as clusters from it */
} es_analysis;

/* An analysis of x_bins bins: every value NaN (log_g_x -inf), counts 0. NULL (err set). */
es_analysis *es_analysis_alloc(size_t x_bins, es_err *err);
void es_analysis_free(es_analysis *a);

/* The landscape part of d: variables, centres, log_g_x, argmax_y and mean_y (Eq. 1 with the
 * y bin centres, by log-sum-exp so any offset of S cancels). The SGD part is reset to none.
 * NULL (err set) on failure. */
es_analysis *es_analysis_from_dos(const es_dos *d, es_err *err);

/* Place every (run, epoch) of s into the x bins of d (exactly as the sampler bins: es_grid
 * over [x_edges[0], x_edges[x_bins])), reading x and y through a->xv and a->yv; per bin the
 * mean of y over all states and its standard error with runs as clusters: with G runs in the
 * bin, run r contributing n_r states of sum s_r, N = sum n_r and m the mean,
 *     sem^2 = G / (G - 1) * sum_r (s_r - n_r m)^2 / N^2
 * (sd / sqrt(G) of the run means when every run has one state); then the advantage.
 * States whose y is undefined while x is not are counted as undefined, not binned. With
 * a->sgd_final_only only epoch s->epochs of each run is placed (sgd_states = runs). Fills
 * sgd_run_dev (dev_runs = s->runs).
 * ES_EDATA (err set) when a variable has no counterpart in the history (x always; y in
 * 2-D) or an ES_ANA_COUNT variable has samples <= 0. 1-D: only the counts per bin. */
es_status es_analysis_bin_sgd(es_analysis *a, const es_dos *d, const es_sgd *s, es_err *err);

/* The landscape's own uncertainty: mean_y_err = sample sd of Eq. 1's <y>(x) over a (the
 * analysis of d) and the n independent replicas reps (runs of the same config with other
 * seeds), per x bin where at least two of them visited the column; then the advantage
 * again. mean_y stays a's own. ES_EDATA (err set, a unchanged) when a replica's variables or
 * x or y grid differ from d's; names[k] (may be NULL) names replica k in messages and in
 * replica_files. */
es_status es_analysis_add_replicas(es_analysis *a, const es_dos *d, const es_dos *const *reps,
                                   const char *const *names, size_t n, es_err *err);

/* Recompute advantage and advantage_err from mean_y, mean_y_err, sgd_mean_y, sgd_sem_y and
 * yv.better (NaN where either mean is missing or better = 0). */
void es_analysis_advantage(es_analysis *a);

/* Centres of the first and last bins with a finite advantage: the x range where both curves
 * exist. 0 if there is none (*lo, *hi NaN), else the number of such bins. */
size_t es_analysis_overlap(const es_analysis *a, double *lo, double *hi);

/* The advantage near x: the bin containing x when it has an advantage, else the nearest bin
 * that has one at most max_dist bins away. */
typedef struct es_ana_point {
    double x_target;            /* the x asked for */
    long bin;                   /* the bin used; -1: none within reach */
    double x;                   /* its centre */
    double advantage, err;      /* NaN when bin = -1; err NaN when fewer than 2 runs reach it */
    double mean_y, sgd_mean_y;
} es_ana_point;
es_ana_point es_analysis_at(const es_analysis *a, double x, long max_dist);

/* The mean advantage over the bins with centres in [lo, hi] that have both an advantage and
 * an error (at least 2 runs). With n such bins and G runs that have a state in any of them,
 * the runs are the clusters across bins (a run's states fall in several bins):
 *     err^2 = G / (G - 1) sum_r ((1/n) sum_i dev_ri)^2 + ((1/n) sum_i land_i)^2
 * with dev_ri = sgd_run_dev and land_i = sqrt(advantage_err_i^2 - sgd_sem_y_i^2) the
 * landscape's part of bin i's error, taken as fully correlated across bins (an upper bound:
 * neighbouring columns share walkers). Without sgd_run_dev (an older /analysis) the SGD part
 * is (1/n) sum_i sgd_sem_y_i, also fully correlated (clustered = 0). n = 0 gives NaN. */
typedef struct es_ana_mean {
    double lo, hi;
    size_t n;
    double advantage, err;
    double sgd_err, land_err;   /* the two parts of err */
    int clustered;              /* 1: the SGD part with runs as clusters; 0: upper bound */
} es_ana_mean;
es_ana_mean es_analysis_mean(const es_analysis *a, double lo, double hi);

/* The same over the bins i with use[i] != 0 (x_bins flags) that have an advantage and an
 * error; lo and hi are the centres of the first and last of them. */
es_ana_mean es_analysis_mean_bins(const es_analysis *a, const unsigned char *use);

/* ---- training histories (src/analysis/history.c) ------------------------------------------ */

/* One metric at one epoch, over the runs of a training history whose value is finite. */
typedef struct es_ana_epoch_stat {
    long n;                     /* runs with a finite value */
    double mean, sd, sem;       /* sd and sem = sd / sqrt(n) NaN when n < 2; all NaN when 0 */
    double min, max;
} es_ana_epoch_stat;

/* Runs of s whose final parameters lie outside the box |w| <= s->bound (0 without a box):
 * with train.box = none they may leave it. *max_abs (may be NULL) = the largest |w| over
 * all final parameters. */
long es_sgd_runs_outside_box(const es_sgd *s, double *max_abs);

/* metric (ES_TRAIN_LOSS, ...) at epoch e (0 = initialisation) over the runs of s. */
es_ana_epoch_stat es_ana_epoch_stat_of(const es_sgd *s, long epoch, int metric);

/* Up to max_rows epochs to tabulate, in increasing order: 0, the last, and between them
 * roughly geometric steps (1, 2, 5, 10, 20, 50, ...) so that early and late training both
 * show. Returns the number written to epochs[]. */
size_t es_ana_table_epochs(long n_epochs, long *epochs, size_t max_rows);

/* ---- run descriptions (the root `config` attribute, INI text) --------------------------- */

typedef struct es_ana_kv {
    char key[96];      /* "section.key" */
    char value[256];
} es_ana_kv;

typedef struct es_ana_config {
    size_t n;
    es_ana_kv *kv;     /* (n) in file order */
} es_ana_config;

/* Parse INI text ("[section]" headers, "key = value" lines, ';' or '#' comments) into c
 * (c zeroed first; text NULL gives an empty config). ES_ENOMEM (err set) on failure. */
es_status es_ana_config_parse(const char *text, es_ana_config *c, es_err *err);
void es_ana_config_free(es_ana_config *c);

/* Value of "section.key", or NULL. */
const char *es_ana_config_get(const es_ana_config *c, const char *key);

/* Whether the key only says where output goes (output.*), so that differences in it say
 * nothing about the landscape. */
int es_ana_config_key_is_output(const char *key);

/* A title for figures and tables: task, network and parameter count, e.g.
 * "spiral: mlp 2-6-6-6-2 relu, 116 parameters", "particles: n = 100, phi = |w|, box [-1, 1]",
 * "Ising 16 x 16 (256 spins, periodic)". arch and n_params (0: unknown) come from /sgd when
 * known; otherwise the network is described from model.*. Into buf[size]; returns buf. */
char *es_ana_describe(const es_ana_config *c, const char *arch, int64_t n_params, char *buf,
                      size_t size);

/* ---- /analysis in HDF5 (src/io/h5analysis.c) -------------------------------------------
 * /analysis/x            float64 (x)  bin centres: dimension scale "x" (its own, so xarray
 *                        opens the group on its own; equal to /dos/x)
 * /analysis/{log_g_x, argmax_y, mean_y, mean_y_err, sgd_mean_y, sgd_sem_y, advantage,
 *            advantage_err}  float64 (x), NaN where undefined
 * /analysis/{sgd_count, sgd_run_count}  int64 (x)
 * /analysis/sgd_run_dev  float64 (runs, x)  sgd_run_dev (absent in files before it)
 * /analysis attrs x_variable, y_variable, sgd_file, sgd_arch, n_params, sgd_runs,
 *                 sgd_epochs, sgd_states, sgd_binned, sgd_outside, sgd_undefined,
 *                 sgd_states_used ("all-epochs" | "final"), sgd_box ("project" |
 *                 "none"), sgd_bound, sgd_runs_outside_box,
 *                 replicas, replica_files,
 *                 advantage_sign (+1, -1 or 0), advantage_definition, advantage_error,
 *                 created, version */

/* Add /analysis to the entroscape file at path, replacing any earlier /analysis: the file is
 * copied to "<path>.tmp.<pid>", the group written into the copy, which is fsync'ed and
 * renamed over path, so path is never half-written. ES_EIO / ES_EDATA (err set). */
es_status es_h5_write_analysis(const char *path, const es_analysis *a, es_err *err);

/* Read /analysis of an entroscape file. NULL (err set) on failure; *absent (may be NULL) is
 * set to 1 when the file is fine but has no /analysis (ES_EDATA). */
es_analysis *es_h5_read_analysis(const char *path, int *absent, es_err *err);

#endif
