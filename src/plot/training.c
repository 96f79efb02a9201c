/* training.c: the figures of a training file (`entroscape train`: /sgd, no landscape): the
 * learning curves (every metric's median over the runs with a 10%-90% band, and each run
 * thinly when there are few) and the states the runs visit in the plane of the landscape's
 * usual variables (ln training loss against test accuracy, or ln test loss for regression). */
#include "entroscape/plot.h"

#include <gsl/gsl_sort.h>
#include <gsl/gsl_statistics_double.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_RUN_LINES 10     /* more runs: only the median and the band */
#define MAX_STATE_EPOCHS 400 /* epochs drawn per run in the states figure (evenly strided) */

/* $M<metric>: epoch, median, 10% and 90% quantiles over the runs' finite values (a band
 * that stays positive on the log scale of losses, unlike mean +- sd). scratch: (runs). */
static void quantile_block(FILE *f, const es_sgd *s, int metric, double *scratch)
{
    fprintf(f, "$M%d << EOD\n", metric);
    for (long e = 0; e <= s->epochs; e++) {
        size_t n = 0;
        for (long r = 0; r < s->runs; r++) {
            double v = es_sgd_row(s, r, e)[metric];
            if (isfinite(v))
                scratch[n++] = v;
        }
        if (n == 0)
            continue;
        gsl_sort(scratch, 1, n);
        fprintf(f, "%ld %.10g %.10g %.10g\n", e, gsl_stats_median_from_sorted_data(scratch, 1, n),
                gsl_stats_quantile_from_sorted_data(scratch, 1, n, 0.1),
                gsl_stats_quantile_from_sorted_data(scratch, 1, n, 0.9));
    }
    fputs("EOD\n", f);
}

/* $R<metric>: every run's curve, runs separated by two blank lines (gnuplot's index). */
static void run_block(FILE *f, const es_sgd *s, int metric)
{
    fprintf(f, "$R%d << EOD\n", metric);
    for (long r = 0; r < s->runs; r++) {
        for (long e = 0; e <= s->epochs; e++) {
            double v = es_sgd_row(s, r, e)[metric];
            if (isfinite(v))
                fprintf(f, "%ld %.10g\n", e, v);
        }
        fputs("\n\n", f);
    }
    fputs("EOD\n", f);
}

/* One panel: train and test curves of one kind of metric (loss or accuracy). */
static void curves_panel(FILE *f, int m_train, int m_test, int runs_too)
{
    int m[2] = {m_train, m_test};
    const char *colour[2] = {es_plot_series[0], es_plot_series[1]}, *name[2] = {"training", "test"};
    fputs("plot ", f);
    for (int k = 0; k < 2; k++) {
        fprintf(f, "%s$M%d using 1:3:4 with filledcurves fillcolor rgb '%s' fillstyle "
                "transparent solid 0.2 noborder notitle", k ? ", \\\n  " : "", m[k], colour[k]);
        if (runs_too)
            fprintf(f, ", \\\n  $R%d using 1:2 with lines lw 0.6 lc rgb '%s' notitle", m[k],
                    colour[k]);
        fprintf(f, ", \\\n  $M%d using 1:2 with lines lw 2.5 lc rgb '%s' title '%s: median "
                "over the runs, band 10%%-90%%'", m[k], colour[k], name[k]);
    }
    fputc('\n', f);
}

void es_plot_training_curves(FILE *f, es_plot_format fmt, const char *path, const es_sgd *s,
                             const es_plot_info *info)
{
    int panels = s->classify ? 2 : 1;
    int runs_too = s->runs <= MAX_RUN_LINES;
    es_plot_begin(f, fmt, 1000, panels == 2 ? 1000 : 700, path);
    double *scratch = malloc((size_t)(s->runs > 0 ? s->runs : 1) * sizeof *scratch); /* (runs) */
    for (int m = 0; m < ES_N_METRICS; m++)
        if (s->classify || (m != ES_TRAIN_ACC && m != ES_TEST_ACC)) {
            if (scratch)
                quantile_block(f, s, m, scratch);
            else   /* out of memory: an empty block, the figure says so by its absence */
                fprintf(f, "$M%d << EOD\nEOD\n", m);
            if (runs_too)
                run_block(f, s, m);
        }
    free(scratch);
    char what[160];
    snprintf(what, sizeof what, "Learning curves: %ld run%s%s", s->runs, s->runs == 1 ? "" : "s",
             runs_too ? " (thin lines: each run)" : "");
    double top = panels == 2 ? 0.86 : 0.84;
    fprintf(f, "set multiplot\nset lmargin at screen 0.11\nset rmargin at screen 0.96\n"
            "set tmargin at screen %.3f\nset bmargin at screen %.3f\n", top,
            panels == 2 ? 0.53 : 0.12);
    es_plot_title(f, info, what, 1);
    fputs("set xrange [0:*]\nset logscale y\nset format y '%g'\n"
          "set key inside right top Left reverse box opaque samplen 3\n"
          "set ylabel 'loss (log scale)'\n", f);
    if (panels == 2)
        fputs("set format x ''\nunset xlabel\n", f);
    else
        fputs("set xlabel 'epoch (0 = initialisation)'\n", f);
    curves_panel(f, ES_TRAIN_LOSS, ES_TEST_LOSS, runs_too);
    if (panels == 2) {
        fputs("unset label 99\nunset logscale y\nset format x '%g'\nset format y '%g'\n"
              "set tmargin at screen 0.49\nset bmargin at screen 0.08\n"
              "set xlabel 'epoch (0 = initialisation)'\nset ylabel 'accuracy'\n"
              "set key inside right bottom\n", f);
        curves_panel(f, ES_TRAIN_ACC, ES_TEST_ACC, runs_too);
    }
    fputs("unset multiplot\nunset output\n", f);
}

/* The state of run r at epoch e in the states figure's plane (NaN where undefined). */
static void state_xy(const es_sgd *s, long r, long e, double *x, double *y)
{
    const double *row = es_sgd_row(s, r, e);
    double yv = row[s->classify ? ES_TEST_ACC : ES_TEST_LOSS];
    *x = row[ES_TRAIN_LOSS] > 0 ? log(row[ES_TRAIN_LOSS]) : NAN;
    *y = s->classify ? yv : yv > 0 ? log(yv) : NAN;
}

void es_plot_training_states(FILE *f, es_plot_format fmt, const char *path, const es_sgd *s,
                             const es_plot_info *info)
{
    es_plot_begin(f, fmt, 1000, 760, path);
    long stride = s->epochs + 1 > MAX_STATE_EPOCHS ? (s->epochs + MAX_STATE_EPOCHS) /
                                                         MAX_STATE_EPOCHS : 1;
    size_t ncol = ES_PLOT_N_SERIES;
    fputs("$P << EOD\n", f);   /* ln train loss, y, colour index; runs as blocks */
    size_t pts = 0;
    for (long r = 0; r < s->runs; r++) {
        for (long e = 0;; e = e + stride < s->epochs ? e + stride : s->epochs) {
            double x, y;
            state_xy(s, r, e, &x, &y);
            if (isfinite(x) && isfinite(y)) {
                fprintf(f, "%.10g %.10g %zu\n", x, y, (size_t)r % ncol);
                pts++;
            }
            if (e == s->epochs)
                break;
        }
        fputs("\n", f);
    }
    fputs("EOD\n", f);
    char what[200];
    char every[48] = "every epoch";
    if (stride > 1)
        snprintf(every, sizeof every, "every %ld epochs", stride);
    snprintf(what, sizeof what, "States the %ld Adam/SGD run%s visit (%s; start: open circle, "
             "end: filled)", s->runs, s->runs == 1 ? "" : "s", every);
    es_plot_title(f, info, what, 0);
    fputs("set xlabel 'ln training loss'\n", f);
    fprintf(f, "set ylabel '%s'\n", s->classify ? "test accuracy" : "ln test loss");
    fputs("set key off\nset palette maxcolors 8\nunset colorbox\n", f);
    fputs("set palette defined (", f);
    for (size_t k = 0; k < ncol; k++)
        fprintf(f, "%s%zu '%s'", k ? ", " : "", k, es_plot_series[k]);
    fprintf(f, ")\nset cbrange [-0.5:%zu.5]\n", ncol - 1);
    if (pts == 0) {   /* an explicit range: gnuplot refuses to autoscale NaN only */
        fputs("set xrange [-1:1]\nset yrange [-1:1]\nplot NaN\nunset output\n", f);
        return;
    }
    /* ends: first and last point of each run */
    fputs("$E << EOD\n", f);
    for (long r = 0; r < s->runs; r++)
        for (int k = 0; k < 2; k++) {
            double x, y;
            state_xy(s, r, k ? s->epochs : 0, &x, &y);
            if (isfinite(x) && isfinite(y))
                fprintf(f, "%.10g %.10g %zu %d\n", x, y, (size_t)r % ncol, k ? 7 : 6);
        }
    fputs("EOD\n", f);
    fputs("plot $P using 1:2:3 with linespoints pt 7 ps 0.25 lw 0.6 lc palette notitle, \\\n"
          "  $E using 1:2:4:3 with points pt variable ps 1.6 lc palette notitle\n"
          "unset output\n", f);
}
