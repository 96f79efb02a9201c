/* ensemble.h: the advantage over an ensemble of datasets: landscape/training pairs that
 * differ only in the data seed (task.seed), each analysed on its own (es_analysis), then
 * combined per x bin and for the mean over the x range they share: the mean over datasets,
 * its standard error over datasets, the within-dataset error and the spread between
 * datasets. Computations in src/analysis/ensemble.c; /ensemble in HDF5 in
 * src/io/h5ensemble.c (declared at the end). */
#ifndef ENTROSCAPE_ENSEMBLE_H
#define ENTROSCAPE_ENSEMBLE_H

#include "entroscape/analysis.h"

#include <stdint.h>

/* One quantity over n datasets: advantages A_d with within-dataset errors e_d (what the
 * per-dataset analysis reports: SGD/Adam runs and the landscape's own error).
 *     mean       = (1/n) sum_d A_d
 *     s^2        = sum_d (A_d - mean)^2 / (n - 1)            (the spread over datasets)
 *     se_between = s / sqrt(n)                                (standard error over datasets)
 *     within     = sqrt((1/n) sum_d e_d^2)                    (a dataset's own error, rms)
 *     between_sd = sqrt(max(0, s^2 - within^2))               (spread of the datasets' true
 *                                                              advantages beyond their noise)
 *     total      = sqrt((between_sd^2 + within^2) / n) = sqrt(max(s^2, within^2) / n)
 * s^2 estimates between_sd^2 + within^2 since every A_d carries its own error; total is the
 * error of mean as an estimate of the advantage averaged over datasets, and it is what the
 * verdict uses. n = 1: se_between and between_sd NaN, total = within (the between-dataset
 * spread is not included). n = 0: all NaN. */
typedef struct es_ens_stat {
    long n;              /* datasets with a finite advantage and error */
    double mean, se_between, within, between_sd, total;
} es_ens_stat;

/* The statistics of n values adv[k * stride] with errors err[k * stride], skipping pairs
 * where either is not finite. */
es_ens_stat es_ens_stat_of(const double *adv, const double *err, size_t n, size_t stride);

/* The verdict on a statistic at two total errors: +1 the high-entropy states generalise
 * better (mean > 2 total), -1 the SGD/Adam states do (mean < -2 total), 0 no difference, and
 * 0 when undefined. */
int es_ens_verdict(const es_ens_stat *s);

typedef struct es_ensemble {
    size_t n_sets, x_bins;
    double *x;                  /* (x_bins) bin centres, shared by every dataset */
    double *x_edges;            /* (x_bins + 1) */
    int64_t *seeds;             /* (n_sets) each dataset's task.seed */
    double *advantage;          /* (n_sets, x_bins) each dataset's advantage per bin */
    double *advantage_err;      /* (n_sets, x_bins) its within-dataset error */
    unsigned char *common;      /* (x_bins) 1: every dataset has an advantage and error here */
    double *set_mean;           /* (n_sets) each dataset's mean advantage over the common bins */
    double *set_mean_err;       /* (n_sets) its error (es_analysis_mean_bins: runs as clusters) */
    int set_clustered;          /* 1: every set_mean_err took the runs as clusters */
    es_ens_stat *bin;           /* (x_bins) the statistics over datasets per bin */
    es_ens_stat mean;           /* the statistics of set_mean over datasets */
    double range_lo, range_hi;  /* the range asked for the mean (-inf, inf: all) */
    size_t n_common;            /* common bins; 0: lo, hi NaN and mean all NaN */
    double lo, hi;              /* centres of the first and last common bin */
    es_ana_var xv, yv;          /* the landscapes' variables */
    int final_only;             /* 1: only the runs' final states were binned */
} es_ensemble;

/* An ensemble of n datasets over x_bins bins, arrays zeroed. NULL (err set) on failure. */
es_ensemble *es_ensemble_alloc(size_t n, size_t x_bins, es_err *err);
void es_ensemble_free(es_ensemble *e);

/* Fill bin[], mean, n_common, lo and hi from advantage, advantage_err, common, set_mean and
 * set_mean_err. */
void es_ensemble_summarise(es_ensemble *e);

/* The ensemble of the n per-dataset analyses ana[] (each with SGD/Adam states) of the data
 * seeds seeds[]: every analysis must have the first one's variables and x grid (ES_EDATA
 * naming names[k] otherwise), the seeds must differ (ES_EDATA). NULL (err set) on failure. */
es_ensemble *es_ensemble_from_analyses(const es_analysis *const *ana, const int64_t *seeds,
                                       const char *const *names, size_t n, es_err *err);

/* The same with the mean restricted to bins with centres in [lo, hi] (e.g. the authors'
 * grid, which starts at train accuracy 0.925): common[] is 0 outside it. */
es_ensemble *es_ensemble_from_analyses_in(const es_analysis *const *ana, const int64_t *seeds,
                                          const char *const *names, size_t n, double lo,
                                          double hi, es_err *err);

/* ---- /ensemble in HDF5 (src/io/h5ensemble.c) -------------------------------------------
 * /ensemble/x (x), x_edges (x + 1)      bin centres (dimension scale "x") and edges
 * /ensemble/seeds            int64 (datasets)       task.seed of each dataset
 * /ensemble/advantage, advantage_err   float64 (datasets, x)  per-dataset results
 * /ensemble/{n_datasets}     int64 (x);  common int8 (x)
 * /ensemble/{mean_advantage, se_between, within_err, between_sd, total_err}  float64 (x)
 * /ensemble/set_mean, set_mean_err     float64 (datasets)  each dataset's mean over the range
 * attrs: x_variable, y_variable, n_datasets, states_used, set_clustered, landscape_files, sgd_files,
 *        range_lo, range_hi, range_bins, range_asked (the bounds given, "" for all), mean_advantage, mean_se_between, mean_within_err,
 *        mean_between_sd, mean_total_err, verdict, error_model, created, version */

/* Write e to a new entroscape file at path (root attribute config = config_text, may be
 * NULL), land[k] and sgd[k] naming dataset k's files. ES_EIO (err set) on failure. */
es_status es_h5_write_ensemble(const char *path, const es_ensemble *e, const char *const *land,
                               const char *const *sgd, const char *config_text, es_err *err);

/* Read /ensemble of a file es_h5_write_ensemble wrote: the per-dataset arrays as stored,
 * the statistics recomputed from them (as es_ensemble_from_analyses does). NULL (err set:
 * ES_EIO unreadable, ES_EDATA not an ensemble file) on failure. */
es_ensemble *es_h5_read_ensemble(const char *path, es_err *err);

/* The difference a - b of two ensembles' per-dataset means over their ranges, paired by
 * task.seed: d_k = a.set_mean - b.set_mean with error sqrt(a.err^2 + b.err^2) for each seed
 * both have; into diff[] / diff_err[] / seeds[] (capacity a->n_sets) and the statistics
 * over those datasets. Returns the number of paired datasets. */
size_t es_ensemble_diff(const es_ensemble *a, const es_ensemble *b, double *diff,
                        double *diff_err, int64_t *seeds, es_ens_stat *stat);

#endif
