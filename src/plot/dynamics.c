/* dynamics.c: the entropy-dynamics figure of a training file (issue 13): the fraction of
 * weights at zero and each hidden layer's activation entropy against epoch, mean over the
 * runs with a band of +- one standard error. */
#include "entroscape/plot.h"

#include <math.h>
#include <stdio.h>

/* $<name>: epoch, mean, mean - se, mean + se over the runs' finite values of
 * v[r * run_stride + e * epoch_stride]. */
static void mean_block(FILE *f, const char *name, const es_sgd *s, const double *v,
                       size_t run_stride, size_t epoch_stride)
{
    fprintf(f, "$%s << EOD\n", name);
    for (long e = 0; e <= s->epochs; e++) {
        double s1 = 0, s2 = 0;
        long n = 0;
        for (long r = 0; r < s->runs; r++) {
            double x = v[(size_t)r * run_stride + (size_t)e * epoch_stride];
            if (isfinite(x)) {
                s1 += x;
                s2 += x * x;
                n++;
            }
        }
        if (n == 0)
            continue;
        double m = s1 / (double)n;
        double se = n > 1 ? sqrt(fmax(0, (s2 - s1 * m) / (double)(n - 1)) / (double)n) : 0;
        fprintf(f, "%ld %.10g %.10g %.10g\n", e, m, m - se, m + se);
    }
    fputs("EOD\n", f);
}

int es_plot_has_dynamics_p(const es_sgd *s)
{
    return s && s->sparsity && isfinite(s->sparsity[0]) && s->act_entropy && s->n_hidden > 0;
}

void es_plot_training_dynamics(FILE *f, es_plot_format fmt, const char *path, const es_sgd *s,
                               const es_plot_info *info)
{
    size_t E = (size_t)s->epochs + 1, H = s->n_hidden;
    es_plot_begin(f, fmt, 1000, 1000, path);
    mean_block(f, "S", s, s->sparsity, E, 1);
    for (size_t l = 0; l < H; l++) {
        char name[32];
        snprintf(name, sizeof name, "H%zu", l);
        mean_block(f, name, s, s->act_entropy + l, E * H, H);
    }
    char what[200];
    snprintf(what, sizeof what, "Entropy dynamics: %ld run%s, mean +- standard error%s",
             s->runs, s->runs == 1 ? "" : "s", s->method[0] ? " (method: entroscape info)" : "");
    fputs("set multiplot\nset lmargin at screen 0.11\nset rmargin at screen 0.96\n"
          "set tmargin at screen 0.86\nset bmargin at screen 0.53\n", f);
    es_plot_title(f, info, what, 1);
    fputs("set xrange [0:*]\nset yrange [0:1]\nset format x ''\nunset xlabel\n"
          "set ylabel 'fraction of weights at zero'\n"
          "set key inside left top Left reverse box opaque samplen 3\n", f);
    fprintf(f, "plot $S using 1:3:4 with filledcurves fillcolor rgb '%s' fillstyle transparent "
            "solid 0.2 noborder notitle, \\\n  $S using 1:2 with lines lw 2.5 lc rgb '%s' "
            "title 'sparsity'\n", es_plot_series[0], es_plot_series[0]);
    fputs("unset label 99\nset format x '%g'\nset yrange [0:0.7]\n"
          "set tmargin at screen 0.49\nset bmargin at screen 0.08\n"
          "set xlabel 'epoch (0 = initialisation)'\n"
          "set ylabel 'activation entropy (nats; ln 2 at most)'\n"
          "set key inside right bottom\nplot ", f);
    for (size_t l = 0; l < H; l++) {
        const char *c = es_plot_series[l % ES_PLOT_N_SERIES];
        fprintf(f, "%s$H%zu using 1:3:4 with filledcurves fillcolor rgb '%s' fillstyle "
                "transparent solid 0.2 noborder notitle, \\\n  $H%zu using 1:2 with lines lw 2 "
                "lc rgb '%s' title 'hidden layer %zu'", l ? ", \\\n  " : "", l, c, l, c, l + 1);
    }
    fputs("\nunset multiplot\nunset output\n", f);
}
