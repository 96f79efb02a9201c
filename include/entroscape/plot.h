/* plot.h: figures through gnuplot (pngcairo / pdfcairo). Each figure is appended to one
 * gnuplot script as commands with inline data blocks; the script is written to a temporary
 * file and run by gnuplot as a child process (no shell: paths are passed as arguments and
 * quoted inside the script). */
#ifndef ENTROSCAPE_PLOT_H
#define ENTROSCAPE_PLOT_H

#include "entroscape/analysis.h"
#include "entroscape/common.h"
#include "entroscape/dos.h"
#include "entroscape/train.h"

#include <stdio.h>

typedef enum es_plot_format { ES_PLOT_PNG, ES_PLOT_PDF } es_plot_format;

/* "png" / "pdf" -> format; ES_EUSAGE (err set) otherwise. */
es_status es_plot_parse_format(const char *s, es_plot_format *fmt, es_err *err);

/* The file extension of a format: "png" or "pdf". */
const char *es_plot_ext(es_plot_format fmt);

/* Find gnuplot on PATH: its path into buf[size]. ES_ERUNTIME (err set, naming the Debian
 * package gnuplot-nox) when it is not installed. */
es_status es_plot_find_gnuplot(char *buf, size_t size, es_err *err);

/* Run a gnuplot script (text of len bytes): written to a temporary file, run as
 * `gnuplot FILE` with stdin from /dev/null and stderr captured; then each of the n outputs
 * must exist and be non-empty. ES_ERUNTIME (err set, with gnuplot's first error line) on
 * failure; the temporary file is removed in every case. */
es_status es_plot_run(const char *script, size_t len, const char *const *outputs, size_t n,
                      es_err *err);

/* ---- script building blocks --------------------------------------------------------------- */

/* s as a gnuplot single-quoted string ('' for a quote): for paths. s must hold no newline. */
void es_plot_sq(FILE *f, const char *s);

/* s as a gnuplot double-quoted string (\" and \\ escaped, newlines as \n): for titles. */
void es_plot_dq(FILE *f, const char *s);

/* A number for a data block: %.10g, "NaN" for NaN and infinities. */
void es_plot_num(FILE *f, double v);

/* Start a figure: reset, terminal (size in pixels for png; the same aspect for pdf),
 * set output to path, the default style (grid, fonts, no enhanced text). */
void es_plot_begin(FILE *f, es_plot_format fmt, int width, int height, const char *path);

/* ---- figures -------------------------------------------------------------------------------- */

/* What names a run in titles. */
typedef struct es_plot_info {
    const char *title;     /* task, network and parameter count (es_ana_describe) */
    const char *subtitle;  /* how the landscape was sampled, e.g. "Wang-Landau (1/t), ..." */
    double s_floor;        /* > 0: the colour scale of S - max S stops at -s_floor (lower values
                            * take the lowest colour); 0: the full range */
    double ln_f_final;     /* the run's target ln f (a dashed line in the convergence figure);
                            * NaN when unknown */
} es_plot_info;

/* The qualitative colours of several series (ColorBrewer Dark2), in order. */
#define ES_PLOT_N_SERIES 8
extern const char *const es_plot_series[ES_PLOT_N_SERIES];

/* "what\ntitle\nsubtitle" (info's, when given) as the figure's title; at_top: as a label at
 * the top of the canvas instead, for multiplots, where a panel's title would sit on its key
 * (unset it with `unset label 99` before the next panel). */
void es_plot_title(FILE *f, const es_plot_info *info, const char *what, int at_top);

/* The landscape: 2-D: S - max S as a heat map over (x, y) (grey: never visited), the
 * highest-entropy y per x (magenta), the entropy-weighted mean (Eq. 1, white dashed), the
 * SGD/Adam states' mean y per x bin with standard errors (black); 1-D: S(x) - max S as a curve
 * and the SGD/Adam states per x bin as bars on a second axis. */
void es_plot_landscape(FILE *f, es_plot_format fmt, const char *path, const es_dos *d,
                       const es_analysis *a, const es_plot_info *info);

/* ln f against sweeps per walker (log-log), one line per window, from /dos/convergence. */
void es_plot_convergence(FILE *f, es_plot_format fmt, const char *path, const es_dos *d,
                         const es_plot_info *info);

/* Visits per bin in the final stage: heat map (2-D) or bars (1-D). */
void es_plot_histogram(FILE *f, es_plot_format fmt, const char *path, const es_dos *d,
                       const es_analysis *a, const es_plot_info *info);

/* 2-D with SGD states: top, <y>_S, argmax y and the SGD/Adam mean +- s.e. against x; bottom,
 * the advantage +- its error against x. */
void es_plot_advantage(FILE *f, es_plot_format fmt, const char *path, const es_analysis *a,
                       const es_plot_info *info);

/* Several runs: the advantage against x, one curve per run, labelled labels[i]; the common
 * range [lo, hi] (not drawn when NaN) shaded and the n_levels x levels marked. */
void es_plot_compare_curves(FILE *f, es_plot_format fmt, const char *path,
                            const es_analysis *const *a, const char *const *labels, size_t n,
                            double lo, double hi, const double *levels, size_t n_levels,
                            const char *title);

/* Several runs: the advantage at n_levels x levels and its mean over [lo, hi] (at[i * n_levels
 * + k], mean[i]) against the runs, labelled labels[i] along the horizontal axis; xvar names x
 * in the legend ("at <xvar> = -2"). */
void es_plot_compare_levels(FILE *f, es_plot_format fmt, const char *path,
                            const es_ana_point *at, size_t n_levels, const es_ana_mean *mean,
                            const char *const *labels, size_t n, const char *xvar,
                            const char *xlabel, const char *ylabel, const char *title);

/* ---- training files (src/plot/training.c) ----------------------------------------------- */

/* Learning curves of s: loss (log scale) and, for classification, accuracy against epoch, for
 * the training and the test split: the median over the runs with a 10%-90% band, and each
 * run as a thin line when there are at most 10. */
void es_plot_training_curves(FILE *f, es_plot_format fmt, const char *path, const es_sgd *s,
                             const es_plot_info *info);

/* The states the runs visit in the landscape's plane: ln training loss against test accuracy
 * (regression: ln test loss), each run a coloured trajectory (at most 400 epochs each, evenly
 * strided, the last always included), its start an open and its end a filled circle. */
void es_plot_training_states(FILE *f, es_plot_format fmt, const char *path, const es_sgd *s,
                             const es_plot_info *info);

/* ---- entropy dynamics (src/plot/dynamics.c, issue 13) ------------------------------------ */

/* True when s holds sparsity and activation entropy (files written before them do not). */
int es_plot_has_dynamics_p(const es_sgd *s);

/* Sparsity (top) and each hidden layer's activation entropy (bottom) against epoch, mean over
 * the runs with a +- standard error band. */
void es_plot_training_dynamics(FILE *f, es_plot_format fmt, const char *path, const es_sgd *s,
                               const es_plot_info *info);

#endif
