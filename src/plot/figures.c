/* figures.c: the figures of one run (landscape, convergence, histogram, advantage) and of a
 * comparison of runs, as gnuplot commands with inline data blocks. */
#include "entroscape/plot.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

/* Colours: the paper's magenta (argmax) and black (SGD), a dashed cyan for Eq. 1, and a
 * qualitative set (ColorBrewer Dark2) for several runs. */
#define C_ARGMAX "#ff00ff"
#define C_MEAN "#00e5ff"
#define C_MEAN_DARK "#1f77b4"
#define C_SGD "#000000"
#define C_UNVISITED "#d0d0d0"
const char *const es_plot_series[ES_PLOT_N_SERIES] = {
    "#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666"};

/* viridis, sampled at 9 points */
static const char *const PALETTE =
    "set palette defined (0 '#440154', 1 '#472c7a', 2 '#3b518b', 3 '#2c718e', 4 '#21908d', "
    "5 '#27ad81', 6 '#5cc863', 7 '#aadc32', 8 '#fde725')\n";

void es_plot_title(FILE *f, const es_plot_info *info, const char *what, int at_top)
{
    char buf[1024];
    snprintf(buf, sizeof buf, "%s%s%s%s%s", what, info && info->title ? "\n" : "",
             info && info->title ? info->title : "",
             info && info->subtitle && info->subtitle[0] ? "\n" : "",
             info && info->subtitle ? info->subtitle : "");
    fputs(at_top ? "set label 99 " : "set title ", f);
    es_plot_dq(f, buf);
    fputs(at_top ? " at screen 0.5, screen 0.965 center font ',12'\n" : " font ',12'\n", f);
}

static void label(FILE *f, const char *axis, const char *text)
{
    fprintf(f, "set %slabel ", axis);
    es_plot_dq(f, text);
    fputc('\n', f);
}

/* A curve (x, v[i]) over the bins with finite v, broken by a blank line where bins are
 * missing, as data block $name; returns the number of points. err (may be NULL) adds a third
 * column (NaN where unknown: gnuplot then draws no error bar there, so the curves drawn with
 * error bars also draw their points with the line). */
static size_t curve_block(FILE *f, const char *name, const double *x, const double *v,
                          const double *err, size_t n)
{
    size_t pts = 0;
    int gap = 0;
    fprintf(f, "$%s << EOD\n", name);
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(v[i])) {
            gap = 1;
            continue;
        }
        if (gap && pts)
            fputc('\n', f);
        gap = 0;
        es_plot_num(f, x[i]);
        fputc(' ', f);
        es_plot_num(f, v[i]);
        if (err) {
            fputc(' ', f);
            es_plot_num(f, err[i]);   /* NaN: no bar (a zero-length one would pass for a
                                       * tiny error); the curve's points mark the value */
        }
        fputc('\n', f);
        pts++;
    }
    fputs("EOD\n", f);
    return pts;
}

/* Largest finite value of v[n]; -inf if none. */
static double finite_max(const double *v, size_t n)
{
    double m = -INFINITY;
    for (size_t i = 0; i < n; i++)
        if (isfinite(v[i]) && v[i] > m)
            m = v[i];
    return m;
}

static void xrange(FILE *f, const double *edges, size_t n)
{
    fprintf(f, "set xrange [%.10g:%.10g]\n", edges[0], edges[n]);
}

/* The SGD legend entry: "SGD/Adam: mean +- s.e. per x bin (R runs x E epochs)". */
static void sgd_title(char *buf, size_t size, const es_analysis *a)
{
    snprintf(buf, size, "SGD/Adam states: mean +- standard error per x bin (%lld runs, every "
             "epoch of %lld; runs as clusters)", (long long)a->sgd_runs,
             (long long)a->sgd_epochs);
}

/* ---- landscape ------------------------------------------------------------------------- */

static void landscape_2d(FILE *f, const es_dos *d, const es_analysis *a,
                         const es_plot_info *info)
{
    size_t nx = d->x_bins, ny = d->y_bins;
    double smax = finite_max(d->log_g, nx * ny), smin = INFINITY;
    for (size_t k = 0; k < nx * ny; k++)
        if (isfinite(d->log_g[k]) && d->log_g[k] < smin)
            smin = d->log_g[k];
    double lo = isfinite(smin) ? smin - smax : -1;
    if (info && info->s_floor > 0 && lo < -info->s_floor)
        lo = -info->s_floor;
    if (!(lo < 0))
        lo = -1;
    fputs("$S << EOD\n", f);
    for (size_t i = 0; i < nx; i++) {
        double xc = 0.5 * (d->x_edges[i] + d->x_edges[i + 1]);
        for (size_t j = 0; j < ny; j++) {
            double s = d->log_g[i * ny + j] - smax;
            if (isfinite(s) && s < lo)
                s = lo;
            fprintf(f, "%.10g %.10g ", xc, 0.5 * (d->y_edges[j] + d->y_edges[j + 1]));
            es_plot_num(f, s);
            fputc('\n', f);
        }
        fputc('\n', f);
    }
    fputs("EOD\n", f);
    size_t n_am = curve_block(f, "AM", a->x, a->argmax_y, NULL, nx);
    size_t n_my = curve_block(f, "MY", a->x, a->mean_y, NULL, nx);
    size_t n_sgd = a->has_sgd ? curve_block(f, "SGD", a->x, a->sgd_mean_y, a->sgd_sem_y, nx) : 0;

    es_plot_title(f, info, "Entropy landscape S(x, y) - max S", 0);
    label(f, "x", a->xv.label);
    label(f, "y", a->yv.label);
    char cb[160];
    snprintf(cb, sizeof cb, "S - max S (nats), S = ln of the volume per bin%s",
             info && info->s_floor > 0 && smin - smax < lo ? " (clipped below)" : "");
    label(f, "cb", cb);
    xrange(f, d->x_edges, nx);
    fprintf(f, "set yrange [%.10g:%.10g]\n", d->y_edges[0], d->y_edges[ny]);
    fprintf(f, "set cbrange [%.10g:0]\nset format cb '%%g'\nset rmargin 13\n", lo);
    fputs(PALETTE, f);
    fputs("set object 1 rectangle from graph 0,0 to graph 1,1 behind fillcolor rgb '"
          C_UNVISITED "' fillstyle solid noborder\n"
          "set key outside below center Left reverse maxrows 2 width 2 samplen 3\n"
          "set grid front\nset tics front\nset border front\n"
          "set bmargin 9\n", f);
    char st[160];
    sgd_title(st, sizeof st, a);
    fputs("plot $S using 1:2:3 with image notitle, \\\n"
          "  NaN with boxes fillstyle solid fillcolor rgb '" C_UNVISITED "' "
          "title 'never visited'", f);
    if (n_am)
        fputs(", \\\n  $AM using 1:2 with lines lw 3 lc rgb '" C_ARGMAX "' "
              "title 'highest entropy: argmax over y of S(x, y)'", f);
    if (n_my)
        fputs(", \\\n  $MY using 1:2 with lines lw 2.5 dt (6,3) lc rgb '" C_MEAN "' "
              "title 'entropy-weighted mean <y>(x) (Eq. 1)'", f);
    if (n_sgd) {
        fputs(", \\\n  $SGD using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '" C_SGD "' notitle, "
              "\\\n"
              "  $SGD using 1:2:3 with yerrorbars pt 7 ps 0.6 lw 1.5 lc rgb '" C_SGD "' title ",
              f);
        es_plot_sq(f, st);
    }
    fputs("\n", f);
}

static void landscape_1d(FILE *f, const es_dos *d, const es_analysis *a,
                         const es_plot_info *info)
{
    size_t nx = d->x_bins;
    double smax = finite_max(a->log_g_x, nx);
    size_t n_s = 0;
    fputs("$S << EOD\n", f);   /* S(x) - max S over the visited bins, gaps as blank lines */
    for (size_t i = 0, gap = 0; i < nx; i++) {
        if (!isfinite(a->log_g_x[i])) {
            gap = 1;
            continue;
        }
        if (gap && n_s)
            fputc('\n', f);
        gap = 0;
        fprintf(f, "%.10g %.10g\n", a->x[i], a->log_g_x[i] - smax);
        n_s++;
    }
    fputs("EOD\n", f);
    es_plot_title(f, info, "Entropy S(x) - max S", 0);
    label(f, "x", a->xv.label);
    label(f, "y", "S(x) - max S (nats); S = ln of the volume (or number of states) per x bin");
    xrange(f, d->x_edges, nx);
    fputs("set key outside below center Left reverse samplen 3\nset bmargin 7\n", f);
    if (a->has_sgd) {
        double dx = nx > 0 ? (d->x_edges[nx] - d->x_edges[0]) / (double)nx : 1;
        fputs("$C << EOD\n", f);
        for (size_t i = 0; i < nx; i++)
            if (a->sgd_count[i] > 0)
                fprintf(f, "%.10g %lld\n", a->x[i], (long long)a->sgd_count[i]);
        fputs("EOD\n", f);
        fprintf(f, "set boxwidth %.10g absolute\nset y2tics\nset ytics nomirror\n"
                "set y2range [0:*]\n", dx);
        label(f, "y2", "SGD/Adam states per x bin (every epoch of every run)");
    }
    fputs("plot ", f);
    if (a->has_sgd)
        fputs("$C using 1:2 axes x1y2 with boxes fillstyle transparent solid 0.25 noborder "
              "lc rgb '" C_SGD "' title 'SGD/Adam states per x bin (right axis)', \\\n  ", f);
    if (n_s)
        fputs("$S using 1:2 with linespoints lw 2 pt 7 ps 0.5 lc rgb '#21908d' "
              "title 'S(x) - max S (Wang-Landau)'\n", f);
    else
        fputs("NaN notitle\n", f);
}

void es_plot_landscape(FILE *f, es_plot_format fmt, const char *path, const es_dos *d,
                       const es_analysis *a, const es_plot_info *info)
{
    es_plot_begin(f, fmt, 1000, 800, path);
    if (a->has_y)
        landscape_2d(f, d, a, info);
    else
        landscape_1d(f, d, a, info);
    fputs("unset output\n", f);
}

/* ---- convergence ----------------------------------------------------------------------- */

void es_plot_convergence(FILE *f, es_plot_format fmt, const char *path, const es_dos *d,
                         const es_plot_info *info)
{
    es_plot_begin(f, fmt, 1000, 700, path);
    int32_t max_w = 0;
    for (size_t k = 0; k < d->n_stages; k++)
        if (d->stages[k].window > max_w)
            max_w = d->stages[k].window;
    /* A row (sweeps s, ln f v) says ln f was v until s (it is written just before ln f is
     * halved, and at the end): drawn as fsteps from sweep 0. With 1/t, a last row below half
     * the one before it ends the 1/t phase, where ln f = c / sweeps: drawn as that curve. */
    int one_t = strcmp(d->method, "1/t") == 0;
    size_t n_pts_all = 0;
    for (int32_t w = 0; w <= max_w; w++) {
        fprintf(f, "$C%d << EOD\n", (int)w);
        const es_dos_stage *prev = NULL;
        for (size_t k = 0; k < d->n_stages; k++) {
            const es_dos_stage *s = &d->stages[k];
            if (s->window != w || !(s->ln_f > 0))
                continue;
            if (!prev && s->sweeps > 0)
                fprintf(f, "0 %.10g\n", s->ln_f);
            if (one_t && prev && prev->sweeps > 0 && s->sweeps > prev->sweeps &&
                s->ln_f < 0.49 * prev->ln_f) {
                double c = s->ln_f * (double)s->sweeps, r = (double)s->sweeps / prev->sweeps;
                for (int i = 1; i < 64; i++) {
                    double sw = (double)prev->sweeps * pow(r, i / 64.0);
                    fprintf(f, "%.10g %.10g\n", sw, c / sw);
                }
            }
            fprintf(f, "%llu %.10g\n", (unsigned long long)s->sweeps, s->ln_f);
            n_pts_all++;
            prev = s;
        }
        fputs("EOD\n", f);
    }
    char what[160];
    snprintf(what, sizeof what, "Wang-Landau convergence (%s): ln f against sweeps, %s",
             d->method, d->converged ? "converged" : "NOT converged");
    es_plot_title(f, info, what, 0);
    label(f, "x", "sweeps per walker");
    label(f, "y", "ln f (modification factor of ln g)");
    double ymin = INFINITY, ymax = 0;   /* a margin around the lines and the target */
    for (size_t k = 0; k < d->n_stages; k++)
        if (d->stages[k].ln_f > 0) {
            ymin = fmin(ymin, d->stages[k].ln_f);
            ymax = fmax(ymax, d->stages[k].ln_f);
        }
    if (info && isfinite(info->ln_f_final) && info->ln_f_final > 0)
        ymin = fmin(ymin, info->ln_f_final);
    if (ymax > 0 && isfinite(ymin))
        fprintf(f, "set yrange [%.6g:%.6g]\n", ymin / 2, ymax * 2);
    fputs("set logscale y\nset format y '%.0e'\nset xrange [0:*]\nset format x '%.3g'\n"
          "set key inside right top Left reverse box opaque samplen 3\n", f);
    fputs("plot ", f);
    int any = 0;
    for (int32_t w = 0; w <= max_w && n_pts_all; w++) {
        char t[64];
        snprintf(t, sizeof t, max_w > 0 ? "window %d" : "ln f", (int)w);
        fprintf(f, "%s$C%d using 1:2 with fsteps lw 2 lc rgb '%s' title ", any ? ", \\\n  " : "",
                (int)w, es_plot_series[w % ES_PLOT_N_SERIES]);
        es_plot_sq(f, t);
        any = 1;
    }
    if (info && isfinite(info->ln_f_final) && info->ln_f_final > 0) {
        fprintf(f, "%s%.10g with lines dt 2 lw 1.5 lc rgb '#555555' title 'target ln f = %g'",
                any ? ", \\\n  " : "", info->ln_f_final, info->ln_f_final);
        any = 1;
    }
    if (!any)
        fputs("NaN title 'no convergence history'", f);
    fputs("\nunset output\n", f);
}

/* ---- histogram ------------------------------------------------------------------------- */

void es_plot_histogram(FILE *f, es_plot_format fmt, const char *path, const es_dos *d,
                       const es_analysis *a, const es_plot_info *info)
{
    es_plot_begin(f, fmt, 1000, 760, path);
    size_t nx = d->x_bins, ny = d->y_bins;
    char what[160];
    snprintf(what, sizeof what, "Visits per bin in the final stage (all walkers), flatness "
             "min/mean = %.3g", d->flatness);
    es_plot_title(f, info, what, 0);
    label(f, "x", a->xv.label);
    xrange(f, d->x_edges, nx);
    if (a->has_y) {
        fputs("$H << EOD\n", f);
        for (size_t i = 0; i < nx; i++) {
            for (size_t j = 0; j < ny; j++) {
                uint64_t h = d->histogram[i * ny + j];
                fprintf(f, "%.10g %.10g ", 0.5 * (d->x_edges[i] + d->x_edges[i + 1]),
                        0.5 * (d->y_edges[j] + d->y_edges[j + 1]));
                es_plot_num(f, h > 0 ? (double)h : NAN);
                fputc('\n', f);
            }
            fputc('\n', f);
        }
        fputs("EOD\n", f);
        label(f, "y", a->yv.label);
        label(f, "cb", "visits");
        fputs("set format cb '%g'\nset rmargin 13\n", f);
        fprintf(f, "set yrange [%.10g:%.10g]\nset cbrange [0:*]\n", d->y_edges[0], d->y_edges[ny]);
        fputs(PALETTE, f);
        fputs("set object 1 rectangle from graph 0,0 to graph 1,1 behind fillcolor rgb '"
              C_UNVISITED "' fillstyle solid noborder\n"
              "set key outside below center Left reverse\nset bmargin 6\n"
              "set grid front\nset tics front\n"
              "plot $H using 1:2:3 with image notitle, NaN with boxes fillstyle solid "
              "fillcolor rgb '" C_UNVISITED "' title 'no visits in the final stage'\n", f);
    } else {
        fputs("$H << EOD\n", f);
        for (size_t i = 0; i < nx; i++)
            fprintf(f, "%.10g %llu\n", 0.5 * (d->x_edges[i] + d->x_edges[i + 1]),
                    (unsigned long long)d->histogram[i]);
        fputs("EOD\n", f);
        label(f, "y", "visits");
        fprintf(f, "set boxwidth %.10g absolute\nset yrange [0:*]\nset key off\n",
                nx ? (d->x_edges[nx] - d->x_edges[0]) / (double)nx : 1.0);
        fputs("plot $H using 1:2 with boxes fillstyle solid 0.6 lc rgb '#21908d' notitle\n", f);
    }
    fputs("unset output\n", f);
}

/* ---- advantage ------------------------------------------------------------------------- */

void es_plot_advantage(FILE *f, es_plot_format fmt, const char *path, const es_analysis *a,
                       const es_plot_info *info)
{
    es_plot_begin(f, fmt, 1000, 960, path);
    size_t n = a->x_bins;
    size_t n_am = curve_block(f, "AM", a->x, a->argmax_y, NULL, n);
    int reps = a->replicas > 1;
    size_t n_my = curve_block(f, "MY", a->x, a->mean_y, reps ? a->mean_y_err : NULL, n);
    size_t n_sgd = curve_block(f, "SGD", a->x, a->sgd_mean_y, a->sgd_sem_y, n);
    size_t n_adv = curve_block(f, "ADV", a->x, a->advantage, a->advantage_err, n);
    char what[256], adv[64];
    snprintf(what, sizeof what, "High-entropy states against SGD/Adam, per bin of %s",
             a->xv.label);
    snprintf(adv, sizeof adv, a->yv.better > 0 ? "advantage: <y> - SGD mean"
                                               : "advantage: SGD mean - <y>");
    /* two panels sharing x, with fixed margins so that their axes line up */
    fputs("set multiplot\nset lmargin at screen 0.11\nset rmargin at screen 0.96\n"
          "set tmargin at screen 0.78\nset bmargin at screen 0.49\n", f);
    xrange(f, a->x_edges, n);
    es_plot_title(f, info, what, 1);
    label(f, "y", a->yv.label);
    fputs("set key at screen 0.535, screen 0.82 center center horizontal maxrows 2 "
          "Left reverse samplen 3 width 1\nset format x ''\nunset xlabel\nplot ", f);
    int any = 0;
    if (n_am) {
        fputs("$AM using 1:2 with lines lw 2.5 lc rgb '" C_ARGMAX "' title 'highest entropy "
              "(argmax over y)'", f);
        any = 1;
    }
    if (n_my) {
        fprintf(f, "%s$MY using 1:2 with lines lw 2.5 dt (6,3) lc rgb '" C_MEAN_DARK "' title "
                "'entropy-weighted mean <y> (Eq. 1)%s'", any ? ", \\\n  " : "",
                reps ? " +- sd over replicas" : "");
        if (reps)
            fputs(", \\\n  $MY using 1:2:3 with yerrorbars pt 6 ps 0.6 lc rgb '" C_MEAN_DARK
                  "' notitle", f);
        any = 1;
    }
    if (n_sgd) {
        char st[160];
        sgd_title(st, sizeof st, a);
        fprintf(f, "%s$SGD using 1:2 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb '" C_SGD "' "
                "notitle, \\\n  "
                "$SGD using 1:2:3 with yerrorbars pt 7 ps 0.6 lc rgb '" C_SGD "' title ",
                any ? ", \\\n  " : "");
        es_plot_sq(f, st);
        any = 1;
    }
    if (!any)
        fputs("NaN notitle", f);
    fputs("\nunset label 99\nset format x '% h'\nset tmargin at screen 0.45\n"
          "set bmargin at screen 0.14\n"
          "set key at screen 0.535, screen 0.04 center center Left reverse samplen 3\n", f);
    label(f, "x", a->xv.label);
    char yl[240];
    snprintf(yl, sizeof yl, "%s\n(positive: high-entropy states generalise better)", adv);
    label(f, "y", yl);
    fputs("set xzeroaxis lt -1 lw 1\n", f);
    if (n_adv)
        fprintf(f, "plot $ADV using 1:2 with linespoints pt 7 ps 0.6 lw 1.5 lc rgb '#d95f02' "
                "notitle, \\\n  "
                "$ADV using 1:2:3 with yerrorbars pt 7 ps 0.6 lc rgb '#d95f02' title "
                "'advantage +- %s'\n", reps
                ? "error (SGD/Adam standard error and sd of <y> over replicas)"
                : "standard error of the SGD/Adam mean (the landscape''s own error is not "
                  "included)");
    else   /* an explicit range: gnuplot refuses to autoscale a plot of NaN only */
        fputs("set yrange [-1:1]\nplot NaN title 'no x bin has both a landscape and "
              "SGD/Adam states'\n", f);
    fputs("unset multiplot\nunset output\n", f);
}

/* ---- comparisons ----------------------------------------------------------------------- */

void es_plot_compare_curves(FILE *f, es_plot_format fmt, const char *path,
                            const es_analysis *const *a, const char *const *labels, size_t n,
                            double lo_common, double hi_common, const double *levels,
                            size_t n_levels, const char *title_text)
{
    es_plot_begin(f, fmt, 1000, 760, path);
    double lo = INFINITY, hi = -INFINITY;
    size_t total = 0;   /* points of all curves */
    for (size_t i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "A%zu", i);
        total += curve_block(f, name, a[i]->x, a[i]->advantage, a[i]->advantage_err,
                             a[i]->x_bins);
        if (a[i]->x_edges[0] < lo)
            lo = a[i]->x_edges[0];
        if (a[i]->x_edges[a[i]->x_bins] > hi)
            hi = a[i]->x_edges[a[i]->x_bins];
    }
    fputs("set title ", f);
    es_plot_dq(f, title_text);
    fputs(" font ',12'\n", f);
    label(f, "x", n ? a[0]->xv.label : "x");
    char yl[240];
    snprintf(yl, sizeof yl, "advantage of the high-entropy states in %s\n(positive: they "
             "generalise better than SGD/Adam)", n ? a[0]->yv.label : "y");
    label(f, "y", yl);
    if (lo < hi)
        fprintf(f, "set xrange [%.10g:%.10g]\n", lo, hi);
    if (isfinite(lo_common) && isfinite(hi_common))
        fprintf(f, "set object 1 rectangle from %.10g, graph 0 to %.10g, graph 1 behind "
                "fillcolor rgb '#ececec' fillstyle solid noborder\n", lo_common, hi_common);
    for (size_t k = 0; k < n_levels; k++)
        fprintf(f, "set arrow %zu from %.10g, graph 0 to %.10g, graph 1 nohead dt 3 lw 1 "
                "lc rgb '#888888'\n", k + 1, levels[k], levels[k]);
    if (total == 0)   /* gnuplot cannot autoscale a plot without a single point */
        fputs("set yrange [-1:1]\n", f);
    fputs("set xzeroaxis lt -1 lw 1\nset key outside below center Left reverse maxrows 4 "
          "samplen 3\nset bmargin 8\nplot ", f);
    int any = 0;
    for (size_t i = 0; i < n; i++) {
        const char *c = es_plot_series[i % ES_PLOT_N_SERIES];
        if (!isfinite(finite_max(a[i]->advantage, a[i]->x_bins))) {   /* an empty curve: only
                                                                         * its name in the key */
            fprintf(f, "%sNaN with lines lw 1.5 lc rgb '%s' title ", any ? ", \\\n  " : "", c);
            char t[300];
            snprintf(t, sizeof t, "%s (no x bin with both curves)", labels[i]);
            es_plot_sq(f, t);
            any = 1;
            continue;
        }
        size_t pt = 5 + 2 * (i % 4);
        fprintf(f, "%s$A%zu using 1:2 with linespoints pt %zu ps 0.7 lw 1.5 lc rgb '%s' notitle, "
                "\\\n  $A%zu using 1:2:3 with yerrorbars pt %zu ps 0.7 lc rgb '%s' title ",
                any ? ", \\\n  " : "", i, pt, c, i, pt, c);
        es_plot_sq(f, labels[i]);
        any = 1;
    }
    if (!any)
        fputs("NaN notitle", f);
    if (isfinite(lo_common) && isfinite(hi_common))
        fputs(", \\\n  NaN with boxes fillstyle solid fillcolor rgb '#ececec' title "
              "'x range where every run has both curves (the mean is taken there)'", f);
    if (n_levels)
        fputs(", \\\n  NaN with lines dt 3 lw 1 lc rgb '#888888' title 'x levels of the "
              "comparison'", f);
    fputs("\nunset output\n", f);
}

void es_plot_compare_levels(FILE *f, es_plot_format fmt, const char *path,
                            const es_ana_point *at, size_t n_levels, const es_ana_mean *mean,
                            const char *const *labels, size_t n, const char *xvar,
                            const char *xlabel, const char *ylabel, const char *title_text)
{
    es_plot_begin(f, fmt, 1000, 700, path);
    size_t series_n = n_levels + 1;
    double width = 0.6 / (double)series_n;
    int any_finite = 0;
    for (size_t k = 0; k < series_n; k++) {
        fprintf(f, "$L%zu << EOD\n", k);
        for (size_t i = 0; i < n; i++) {
            double pos = (double)i + ((double)k - 0.5 * (double)(series_n - 1)) * width;
            double v = k < n_levels ? at[i * n_levels + k].advantage : mean[i].advantage;
            double e = k < n_levels ? at[i * n_levels + k].err : mean[i].err;
            any_finite |= isfinite(v);
            fprintf(f, "%.10g ", pos);
            es_plot_num(f, v);
            fputc(' ', f);
            es_plot_num(f, e);   /* NaN: no bar; the points layer marks the value */
            fputc('\n', f);
        }
        fputs("EOD\n", f);
    }
    fputs("set title ", f);
    es_plot_dq(f, title_text);
    fputs(" font ',12'\n", f);
    label(f, "x", xlabel);
    int lines = 1;   /* the tallest tic label, in lines: the axis label goes below it */
    for (size_t i = 0; i < n; i++) {
        int l = 1;
        for (const char *c = labels[i]; *c; c++)
            l += *c == '\n';
        lines = l > lines ? l : lines;
    }
    fprintf(f, "set xlabel offset 0,%d\n", -(lines - 1));
    label(f, "y", ylabel);
    fprintf(f, "set xrange [-0.5:%.10g]\nset xtics (", (double)n - 0.5);
    for (size_t i = 0; i < n; i++) {
        fputs(i ? ", " : "", f);
        es_plot_dq(f, labels[i]);
        fprintf(f, " %zu", i);
    }
    fputs(")\nset grid noxtics\nset xzeroaxis lt -1 lw 1\n"
          "set key outside below center Left reverse maxrows 2 samplen 2\n", f);
    if (!any_finite)   /* gnuplot refuses to autoscale a plot without a single point */
        fputs("set yrange [-1:1]\n", f);
    fprintf(f, "set bmargin %d\nplot ", 8 + lines);
    for (size_t k = 0; k < series_n; k++) {
        char t[160];
        if (k < n_levels)
            snprintf(t, sizeof t, "at %.60s = %.4g", xvar, n ? at[k].x_target : NAN);
        else
            snprintf(t, sizeof t, "mean over %.60s in [%.4g, %.4g]", xvar, n ? mean[0].lo : NAN,
                     n ? mean[0].hi : NAN);
        const char *c = k < n_levels ? es_plot_series[k % ES_PLOT_N_SERIES] : C_SGD;
        int pt = k < n_levels ? 7 : 5;
        fprintf(f, "%s$L%zu using 1:2 with points pt %d ps 1.2 lc rgb '%s' notitle, \\\n  "
                "$L%zu using 1:2:3 with yerrorbars pt %d ps 1.2 lw 1.5 lc rgb '%s' title ",
                k ? ", \\\n  " : "", k, pt, c, k, pt, c);
        es_plot_sq(f, t);
    }
    fputs("\nunset output\n", f);
}
