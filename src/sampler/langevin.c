/* langevin.c: Wang-Landau dynamics (sampler.method = wlmd), the walker's other move kernel.
 *
 * Every parameter moves at every step: Langevin dynamics at kT = 1 on the bias potential
 * U(w) = ln g(x(w), y(w)), the walker's current estimate of S on the grid, so that the
 * walker samples exp(-S) and the histogram over (x, y) flattens:
 *
 *     w' = fold(w - dt grad U(w) + sqrt(2 dt) xi),   grad U = dS/dx grad x + dS/dy grad y,
 *
 * with xi standard normal, fold() reflecting at the walls of the box [-b, b], and dS/dx,
 * dS/dy central differences of ln g between the neighbouring bins (one-sided at a window's
 * edge). With sampler.mala = 1 (default) the step is a proposal accepted with the
 * Metropolis-Hastings ratio of the folded Gaussian proposals (MALA), so that the walker
 * samples exp(-ln g(bin)) exactly, as single-parameter moves do; with mala = 0 every step
 * that stays in the window is taken (the authors' plain Langevin, which carries a time-step
 * bias). The drift is truncated at MD_MAX_DRIFT proposal widths (below).
 *
 * After every step ln g grows by ln f at the current bin. While ln f is still being halved
 * (the first phase of the 1/t schedule) the growth is spread by a Gaussian kernel of sigma
 * sampler.kernel bins, truncated at 3 sigma and reflected at the window's edges (so that the
 * weights a bin receives sum to one and a flat histogram adds a constant); this smooths the
 * rough early ln g the drift is computed from. In the 1/t phase updates go to the visited
 * bin only, so that the result carries no kernel bias (a kernel also feeds bins that cannot
 * be reached). Kernels wider than ~0.8 bins can trap the walk: a bin between two visited
 * ones then gains more from its neighbours' visits than they do themselves and is never
 * entered. ln f follows the 1/t schedule with one step counting as one move. */
#include "walker.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

es_md *es_md_alloc(size_t n, double dt, double kernel, int mala, es_err *err)
{
    es_md *md = es_calloc(1, sizeof *md, "Langevin state", err);
    if (!md)
        return NULL;
    md->n = n;
    md->dt = dt;
    md->kernel = kernel;
    md->mala = mala;
    md->R = kernel > 0 ? (long)ceil(3.0 * kernel) : 0;
    md->kw = es_calloc((size_t)md->R + 1, sizeof(double), "kernel weights", err);
    double *a[5];
    for (int i = 0; i < 5; i++)
        a[i] = es_calloc(n, sizeof(double), "Langevin arrays", err);
    md->gx = a[0], md->gy = a[1], md->ngx = a[2], md->ngy = a[3], md->w0 = a[4];
    if (!md->kw || !a[0] || !a[1] || !a[2] || !a[3] || !a[4]) {
        es_md_free(md);
        return NULL;
    }
    /* Gaussian weights at offsets 0..R, normalised over -R..R (the reflected mass stays in) */
    double s = 0;
    for (long d = 0; d <= md->R; d++) {
        md->kw[d] = kernel > 0 ? exp(-0.5 * (double)(d * d) / (kernel * kernel)) : 1.0;
        s += d ? 2.0 * md->kw[d] : md->kw[d];
    }
    for (long d = 0; d <= md->R; d++)
        md->kw[d] /= s;
    return md;
}

void es_md_free(es_md *md)
{
    if (!md)
        return;
    free(md->kw);
    free(md->gx);
    free(md->gy);
    free(md->ngx);
    free(md->ngy);
    free(md->w0);
    free(md);
}

/* ---------------------------------------------------------------- grid helpers */

/* Bins [lo, hi) the walker may use along axis a (the span along its axis, else all). */
static void axis_range(const es_grid *g, const es_span *s, int a, long *lo, long *hi)
{
    if (s->axis == a) {
        *lo = s->lo;
        *hi = s->hi;
    } else {
        *lo = 0;
        *hi = a == 0 ? g->x_bins : g->y_bins;
    }
}

/* i reflected into [lo, hi) (mirror at the edges, as often as needed). */
static inline long reflect_bin(long i, long lo, long hi)
{
    if (hi - lo == 1)
        return lo;
    for (;;) {
        if (i < lo)
            i = 2 * lo - 1 - i;
        else if (i >= hi)
            i = 2 * hi - 1 - i;
        else
            return i;
    }
}

/* ln g += ln_f x (reflected Gaussian kernel around bin b). */
static void deposit(const es_md *md, const es_grid *g, const es_span *s, double *lg, long b,
                    double ln_f, int kernel)
{
    if (!kernel || md->R == 0 || ln_f == 0) {
        lg[b] += ln_f;
        return;
    }
    long xlo, xhi, ylo, yhi, ix = b / g->y_bins, iy = b % g->y_bins;
    axis_range(g, s, 0, &xlo, &xhi);
    axis_range(g, s, 1, &ylo, &yhi);
    long Ry = g->dims == 2 ? md->R : 0;
    for (long dx = -md->R; dx <= md->R; dx++) {
        long tx = reflect_bin(ix + dx, xlo, xhi);
        double wx = ln_f * md->kw[labs(dx)];
        for (long dy = -Ry; dy <= Ry; dy++) {
            long ty = g->dims == 2 ? reflect_bin(iy + dy, ylo, yhi) : 0;
            lg[tx * g->y_bins + ty] += wx * (g->dims == 2 ? md->kw[labs(dy)] : 1.0);
        }
    }
}

/* dS/dx and dS/dy at bin b from ln g (per unit of x and y). */
static void slopes(const es_grid *g, const es_span *s, const double *lg, long b, double *sx,
                   double *sy)
{
    long ix = b / g->y_bins, iy = b % g->y_bins, lo, hi;
    axis_range(g, s, 0, &lo, &hi);
    long a = ix > lo ? ix - 1 : ix, c = ix + 1 < hi ? ix + 1 : ix;
    *sx = c > a ? (lg[c * g->y_bins + iy] - lg[a * g->y_bins + iy]) / (double)(c - a) * g->x_scale
                : 0.0;
    *sy = 0.0;
    if (g->dims == 2) {
        axis_range(g, s, 1, &lo, &hi);
        a = iy > lo ? iy - 1 : iy;
        c = iy + 1 < hi ? iy + 1 : iy;
        if (c > a)
            *sy = (lg[ix * g->y_bins + c] - lg[ix * g->y_bins + a]) / (double)(c - a) * g->y_scale;
    }
}

/* ---------------------------------------------------------------- the folded proposal */

/* v reflected into [-b, b]. */
static inline double fold(double v, double b)
{
    for (;;) {
        if (v > b)
            v = 2.0 * b - v;
        else if (v < -b)
            v = -2.0 * b - v;
        else
            return v;
    }
}

/* ln of the density (up to the constant shared by every pair) of landing at v in [-b, b]
 * when N(mu, s^2) is folded into the box: the sum over the images of v, v + 4kb and
 * 2b - v + 4kb. Far from the walls only the direct image counts (the others lie more than
 * 8 s away: relative weight < 1e-13). */
static double fold_lnpdf(double v, double mu, double s, double b)
{
    double inv = 0.5 / (s * s);
    if (fabs(mu) + 8.0 * s < b)
        return -(v - mu) * (v - mu) * inv;
    double t[10], m = -INFINITY;
    int n = 0;
    for (int fam = 0; fam < 2; fam++) {
        double base = fam ? 2.0 * b - v : v;
        double k0 = nearbyint((mu - base) / (4.0 * b));
        for (int k = -2; k <= 2; k++) {
            double img = base + 4.0 * b * (k0 + k), e = -(img - mu) * (img - mu) * inv;
            t[n++] = e;
            if (e > m)
                m = e;
        }
    }
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += exp(t[i] - m);
    return m + log(sum);
}

/* ---------------------------------------------------------------- steps */

/* The factor c of the drift -c (sx gx + sy gy): dt, reduced where the drift would be longer
 * than MD_MAX_DRIFT proposal widths (a truncated drift, MALTA: Roberts and Tweedie 1996).
 * Early on ln g is rough and its slopes huge; an untruncated drift then overshoots and no
 * step is accepted. Any drift that depends only on the state keeps MALA exact. */
#define MD_MAX_DRIFT 0.5
static double drift_scale(const double *gx, const double *gy, size_t n, int two, double sx,
                          double sy, double dt, double sd)
{
    double s2 = 0;
    for (size_t i = 0; i < n; i++) {
        double f = sx * gx[i] + (two ? sy * gy[i] : 0.0);
        s2 += f * f;
    }
    double len = dt * sqrt(s2);
    return len > MD_MAX_DRIFT * sd ? dt * MD_MAX_DRIFT * sd / len : dt;
}

/* Current x, y and gradients (walker and md up to date with the model's parameters). */
static void md_evaluate(es_walker *w)
{
    w->model->ops->gradient(w->model->ctx, &w->x, &w->y, w->md->gx, w->md->gy);
}

es_status es_walker_approach_md(es_walker *w, const es_grid *g, const es_span *span,
                                uint64_t max_steps, es_err *err)
{
    const es_model_ops *ops = w->model->ops;
    void *ctx = w->model->ctx;
    es_md *md = w->md;
    double b, *p = ops->params(ctx, &b);
    const size_t n = md->n;
    md_evaluate(w);
    double d = es_grid_distance(g, span, w->x, w->y);
    double xr = g->x_max - g->x_min, yr = g->y_max - g->y_min;
    double lo, hi;
    for (uint64_t t = 0; d > 0 && t < max_steps;) {
        if (w->stop && *w->stop)
            return es_err_set(err, ES_EINTR, "stopped by a signal while walking into the grid");
        /* descend the distance to the window: d(distance)/dx is +-1/range outside it */
        long l, h;
        axis_range(g, span, 0, &l, &h);
        lo = g->x_min + (double)l / g->x_scale, hi = g->x_min + (double)h / g->x_scale;
        double ddx = w->x < lo ? -1.0 / xr : w->x >= hi ? 1.0 / xr : 0.0, ddy = 0.0;
        if (g->dims == 2) {
            axis_range(g, span, 1, &l, &h);
            lo = g->y_min + (double)l / g->y_scale, hi = g->y_min + (double)h / g->y_scale;
            ddy = w->y < lo ? -1.0 / yr : w->y >= hi ? 1.0 / yr : 0.0;
        }
        double vmax = 0;
        for (size_t i = 0; i < n; i++) {
            double v = ddx * md->gx[i] + (g->dims == 2 ? ddy * md->gy[i] : 0.0);
            md->ngx[i] = v;
            if (fabs(v) > vmax)
                vmax = fabs(v);
        }
        memcpy(md->w0, p, n * sizeof *p);
        int moved = 0;
        /* backtracking along the descent direction, largest step 10% of the box */
        for (double eta = vmax > 0 ? 0.1 * b / vmax : 0; eta > 0 && !moved && t < max_steps;
             eta *= 0.5, t++) {
            for (size_t i = 0; i < n; i++)
                p[i] = fold(md->w0[i] - eta * md->ngx[i], b);
            double x, y = 0;
            ops->gradient(ctx, &x, &y, NULL, NULL);
            double dn = es_grid_distance(g, span, x, y);
            if (dn < d) {
                d = dn;
                moved = 1;
            }
            if (eta * vmax < 1e-12 * b)
                break;
        }
        if (!moved && t < max_steps) { /* stuck: a random Langevin step that does not go back */
            double sd = sqrt(2.0 * md->dt);
            for (size_t i = 0; i < n; i++)
                p[i] = fold(md->w0[i] + sd * gsl_ran_gaussian_ziggurat(w->rng, 1.0), b);
            double x, y = 0;
            ops->gradient(ctx, &x, &y, NULL, NULL);
            double dn = es_grid_distance(g, span, x, y);
            t++;
            if (dn <= d) {
                d = dn;
                moved = 1;
            }
        }
        if (!moved)
            memcpy(p, md->w0, n * sizeof *p);
        md_evaluate(w);
        d = es_grid_distance(g, span, w->x, w->y);
    }
    if (d > 0)
        return es_err_set(err, ES_ERUNTIME,
                          "a Langevin walker could not reach its window: after %llu steps it is "
                          "at x = %g%s%.6g; widen the grid, or start from trained networks "
                          "(sampler.init = sgd:FILE.h5)", (unsigned long long)max_steps, w->x,
                          g->dims == 2 ? ", y = " : "", g->dims == 2 ? w->y : 0.0);
    w->bin = es_grid_bin_in(g, span, w->x, w->y);
    return ES_OK;
}

void es_walker_run_md(es_walker *w, const es_grid *g, const es_span *span, uint64_t steps,
                      double ln_f, uint64_t one_over_t_steps, long reached,
                      const unsigned char *edge)
{
    const es_model_ops *ops = w->model->ops;
    void *ctx = w->model->ctx;
    es_md *md = w->md;
    const size_t n = md->n;
    const int two = g->dims == 2;
    double b, *restrict p = ops->params(ctx, &b);
    double *restrict lg = w->ln_g;
    uint64_t *restrict h = w->hist;
    md_evaluate(w); /* the configuration may have changed hands (exchange, checkpoint) */
    long cur = es_grid_bin_in(g, span, w->x, w->y);
    if (cur < 0)
        cur = w->bin;
    const double dt = md->dt, sd = sqrt(2.0 * dt);
    uint64_t acc = 0;
    for (uint64_t s = 0; s < steps; s++) {
        if (one_over_t_steps > 0)
            ln_f = (double)reached / (double)(one_over_t_steps + s);
        double sx, sy;
        slopes(g, span, lg, cur, &sx, &sy);
        double c = drift_scale(md->gx, md->gy, n, two, sx, sy, dt, sd);
        double lq_fwd = 0;
        for (size_t i = 0; i < n; i++) {
            double mu = p[i] - c * (sx * md->gx[i] + (two ? sy * md->gy[i] : 0.0));
            double v = fold(mu + sd * gsl_ran_gaussian_ziggurat(w->rng, 1.0), b);
            md->w0[i] = p[i];
            p[i] = v;
            lq_fwd += fold_lnpdf(v, mu, sd, b);
        }
        double x, y = w->y;
        ops->gradient(ctx, &x, &y, md->ngx, two ? md->ngy : NULL);
        long nb = es_grid_bin_in(g, span, x, y);
        int ok = nb >= 0;
        double pa = 0; /* the Metropolis-Hastings acceptance probability of the step */
        if (ok) {
            double tx, ty, lq_rev = 0;
            slopes(g, span, lg, nb, &tx, &ty);
            double cr = drift_scale(md->ngx, md->ngy, n, two, tx, ty, dt, sd);
            for (size_t i = 0; i < n; i++) {
                double mu = p[i] - cr * (tx * md->ngx[i] + (two ? ty * md->ngy[i] : 0.0));
                lq_rev += fold_lnpdf(md->w0[i], mu, sd, b);
            }
            double la = lg[cur] - lg[nb] + lq_rev - lq_fwd;
            pa = la >= 0 ? 1.0 : exp(la);
            if (md->mala)
                ok = la >= 0 || gsl_rng_uniform(w->rng) < pa;
        }
        md->p_sum += pa; /* dt is tuned on this, also when mala = 0 takes every step */
        md->p_n++;
        if (ok) {
            double *t = md->gx;
            md->gx = md->ngx, md->ngx = t;
            t = md->gy;
            md->gy = md->ngy, md->ngy = t;
            cur = nb;
            w->x = x;
            w->y = y;
            acc++;
            if (edge && edge[nb])
                es_walker_edge(w, edge[nb]);
        } else {
            memcpy(p, md->w0, n * sizeof *p);
        }
        deposit(md, g, span, lg, cur, ln_f, one_over_t_steps == 0);
        h[cur]++;
    }
    ops->gradient(ctx, &w->x, &w->y, NULL, NULL); /* the model's caches match p again */
    w->bin = cur;
    w->accepted += acc;
    w->tried += steps;
}

void es_walker_md_adapt(es_walker *w, double target)
{
    es_md *md = w->md;
    if (md->p_n >= 20) {
        double rate = md->p_sum / (double)md->p_n;
        double f = rate / target;
        f = f < 0.25 ? 0.25 : f > 4.0 ? 4.0 : f;
        double b;
        w->model->ops->params(w->model->ctx, &b);
        md->dt *= f;
        if (md->dt > 0.5 * b * b) /* proposal width sqrt(2 dt) at most the box half-width */
            md->dt = 0.5 * b * b;
        if (md->dt < 1e-30 * b * b)
            md->dt = 1e-30 * b * b;
    }
    md->p_sum = 0;
    md->p_n = 0;
}
