/* exact_particles.c: exact ln P(x in bin) for non-interacting particles (Irwin-Hall for |w|,
 * the n-ball for w^2), accurate deep into the tails. */
#include "entroscape/exact.h"

#include <gsl/gsl_sf_gamma.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Irwin-Hall: why this method ---------------------------------------------------------
 * With s = n x / bound, P(x in [lo, hi)) = F_n(s_hi) - F_n(s_lo) where F_n is the CDF of a sum
 * of n U(0,1). The textbook F_n(s) = (1/n!) sum_j (-1)^j C(n,j) (s-j)^n cancels catastrophically
 * (terms ~ C(n, n/2) (n/2)^n / n! ~ 2^n against a result <= 1), so it is only a test oracle.
 *
 * Positive terms instead: the density of the sum is the cardinal B-spline M_n (knots 0..n),
 *     M_1 = 1 on [0, 1),   M_k(t) = (t M_{k-1}(t) + (k - t) M_{k-1}(t - 1)) / (k - 1),
 * and F_n(s) = sum_{j >= 0} M_{n+1}(s - j) (telescoping M_{n+1}(t) = F_n(t) - F_n(t - 1)).
 * With s = S + f (S integer, 0 <= f < 1) one table row per level k holds M_k(f + m) for
 * m = 0..S; every update is a combination of non-negative numbers with non-negative weights, so
 * each level adds at most a few roundings of relative error: |rel err of F| <= ~3 n eps
 * (7e-13 at n = 1000, typically far less). Only the smaller tail is ever computed
 * (F_n(s) = 1 - F_n(n - s) for s > n/2), so S <= n/2 and the cost is O(n S) per edge.
 *
 * Underflow: the row spans more than the double range (M_k(f) = f^{k-1}/(k-1)!), so every
 * entry carries its own exponent (es_ih_num); ln F then reaches any depth.
 *
 * A bin from differences of the two CDFs loses relative accuracy by the factor
 * kappa = (F_a + F_b) / (F_a - F_b) (or (F_lo + Q_hi) / P for a bin straddling n/2). That is
 * ~1 for ordinary bins (in a tail F grows by a large factor across a bin) but grows without
 * bound for narrow bins. When kappa > ES_IH_KAPPA_MAX we instead integrate the density over the
 * bin with Gauss-Legendre on each piece between integer knots (where M_n is a polynomial of
 * degree n - 1): exact for n <= 2 ES_IH_GL_POINTS; for larger n a large kappa means the bin is
 * narrow against the scale on which ln M_n changes (the tail grows by less than the factor
 * (kappa+1)/(kappa-1) across it), where low-order rules already converge (the 4- and 8-point
 * rules are compared; if they disagree the 32-point rule is used). Density values come from the
 * same positive recursion, so the quadrature is accurate to ~3 n eps as well.
 *
 * Measured against exact rationals (~4000 random bins, n = 1..1000, widths 2^-40..1, ln P down
 * to -5300): |error in ln P| <= 4e-15 max(1, |ln P|), i.e. 1-4 ulp of ln P. Forcing either path
 * everywhere shows why both are needed: differencing alone errs by 1e-11 on narrow bins,
 * the fixed 32-point rule alone by 1e-3 on wide bins at n = 1000. */

#define ES_IH_KAPPA_MAX 16.0   /* differencing error <= 16 * 3 n eps: 1e-11 at n = 1000, worst case */
#define ES_IH_GL_POINTS 32

static const double es_ih_ln2 = 0.693147180559945309417232121458176568;
static const double es_ih_pi = 3.14159265358979323846264338327950288;

/* A non-negative number m * 2^(256 e) with m = 0 or 2^-256 <= m <= 2^256, for values far
 * outside the double range. Exponents move in steps of 2^256, so neighbouring table entries
 * nearly always share e, and aligning two numbers is a multiplication by an exact power of two
 * (never a subnormal: the smaller operand is >= 2^-256 times a weight >= 2^-80, for n < 2^27,
 * before it is scaled by at most 2^-512; a gap of 3 or more steps means a ratio below 2^-256:
 * dropped). */
typedef struct es_ih_num {
    double m;
    long e;
} es_ih_num;

#define ES_IH_BIG 0x1p256
#define ES_IH_SMALL 0x1p-256

static es_ih_num ih_norm(double m, long e)
{
    while (m > ES_IH_BIG) {
        m *= ES_IH_SMALL;
        e++;
    }
    while (m != 0.0 && m < ES_IH_SMALL) {
        m *= ES_IH_BIG;
        e--;
    }
    return (es_ih_num){m, e};
}

/* p * 2^(256 d) for d <= 0 (p as above, times a weight). */
static double ih_align(double p, long d)
{
    return d == 0 ? p : d == -1 ? p * ES_IH_SMALL : d == -2 ? p * ES_IH_SMALL * ES_IH_SMALL : 0.0;
}

static double ih_log(es_ih_num x)
{
    return x.m > 0.0 ? log(x.m) + (double)x.e * 256.0 * es_ih_ln2 : -INFINITY;
}

/* ln (n!) without GSL's error handler (n >= 0 is always in range). */
static double ih_lnfact(long n)
{
    gsl_sf_result r;
    if (gsl_sf_lngamma_e((double)n + 1.0, &r) != 0)
        return NAN;
    return r.val;
}

/* Run the B-spline recursion to level K for the points f + m, m = 0..S (f in [0, 1)).
 * cdf != 0: return ln sum_{m=0}^{S} M_K(f + m); cdf == 0: return ln M_K(f + S) (only the light
 * cone of m = S is updated). row is (S + 1) scratch. */
static double ih_log_row(long K, double f, long S, int cdf, es_ih_num *row)
{
    for (long m = 0; m <= S; m++)
        row[m] = (es_ih_num){0.0, 0};
    row[0] = (es_ih_num){1.0, 0};                       /* M_1(f) = 1 */
    for (long k = 2; k <= K; k++) {
        long top = S < k - 1 ? S : k - 1;
        long bot = cdf ? 0 : S - (K - k);
        if (bot < 0)
            bot = 0;
        double inv = 1.0 / (double)(k - 1), kd = (double)k;
        for (long m = top; m >= bot && m > 0; m--) {   /* descending: row[m-1] is still level k-1 */
            double t = f + (double)m, p = t * inv * row[m].m, q = (kd - t) * inv * row[m - 1].m;
            long e = row[m].e;
            if (e == row[m - 1].e)
                p += q;                                 /* the common case */
            else if (p == 0.0 || (q != 0.0 && row[m - 1].e > e)) {
                p = ih_align(p, e - row[m - 1].e) + q;
                e = row[m - 1].e;
            } else
                p += ih_align(q, row[m - 1].e - e);
            row[m] = p < ES_IH_SMALL || p > ES_IH_BIG ? ih_norm(p, e) : (es_ih_num){p, e};
        }
        if (bot == 0)                                   /* M_k(f) = f M_{k-1}(f) / (k - 1) */
            row[0] = ih_norm(f * inv * row[0].m, row[0].e);
    }
    if (!cdf)
        return ih_log(row[S]);
    long emax = LONG_MIN;
    for (long m = 0; m <= S; m++)
        if (row[m].m > 0.0 && row[m].e > emax)
            emax = row[m].e;
    if (emax == LONG_MIN)
        return -INFINITY;
    double sum = 0.0;
    for (long m = 0; m <= S; m++)
        if (row[m].m > 0.0)
            sum += ih_align(row[m].m, row[m].e - emax);
    return ih_log((es_ih_num){sum, emax});
}

/* ln F_n(s), the lower tail, for 0 <= s <= n/2. row is (n/2 + 2) scratch. */
static double ih_log_cdf_lower(long n, double s, es_ih_num *row)
{
    if (!(s > 0.0))
        return -INFINITY;
    if (s <= 1.0)                                       /* F_n(s) = s^n / n! exactly */
        return (double)n * log(s) - ih_lnfact(n);
    double S = floor(s);
    return ih_log_row(n + 1, s - S, (long)S, 1, row);
}

/* ln M_n(t), the density of the sum, for 0 < t < n. row is (n/2 + 2) scratch. */
static double ih_log_density(long n, double t, es_ih_num *row)
{
    if (t > 0.5 * (double)n)
        t = (double)n - t;                              /* exact (Sterbenz); M_n is symmetric */
    if (!(t > 0.0))
        return -INFINITY;
    if (t <= 1.0)                                       /* M_n(t) = t^{n-1} / (n-1)! */
        return (double)(n - 1) * log(t) - ih_lnfact(n - 1);
    double S = floor(t);
    return ih_log_row(n, t - S, (long)S, 0, row);
}

/* Gauss-Legendre nodes z and weights w on [-1, 1] (p points, p <= ES_IH_GL_POINTS), by Newton
 * on the Legendre recurrence: nodes and weights to ~1e-16. */
static void ih_gauss_legendre(int p, double *z, double *w)
{
    for (int i = 0; i < p; i++) {
        double x = cos(es_ih_pi * ((double)i + 0.75) / ((double)p + 0.5)), dp = 1.0;
        for (int it = 0; it < 100; it++) {
            double p1 = 1.0, p2 = 0.0;
            for (int j = 1; j <= p; j++) {
                double p3 = p2;
                p2 = p1;
                p1 = ((2.0 * j - 1.0) * x * p2 - (j - 1.0) * p3) / j;
            }
            dp = p * (x * p1 - p2) / (x * x - 1.0);
            double dx = p1 / dp;
            x -= dx;
            if (fabs(dx) < 1e-16)
                break;
        }
        z[i] = x;
        w[i] = 2.0 / ((1.0 - x * x) * dp * dp);
    }
}

/* ln(a + b) from ln a and ln b (either may be -inf). */
static double ih_logadd(double la, double lb)
{
    if (la == -INFINITY)
        return lb;
    if (lb == -INFINITY)
        return la;
    return la > lb ? la + log1p(exp(lb - la)) : lb + log1p(exp(la - lb));
}

/* ln(1 - e^d) for d <= 0, accurate for all d (Maechler's log1mexp). */
static double ih_log1mexp(double d)
{
    if (d == -INFINITY)
        return 0.0;
    return d > -0.693147180559945309 ? log(-expm1(d)) : log1p(-exp(d));
}

/* ln of the p-point Gauss-Legendre estimate of the integral of M_n over [lo, hi]. */
static double ih_log_gauss(long n, int p, double lo, double hi, es_ih_num *row)
{
    double z[ES_IH_GL_POINTS], w[ES_IH_GL_POINTS];
    ih_gauss_legendre(p, z, w);
    double mid = 0.5 * (lo + hi), half = 0.5 * (hi - lo), sum = -INFINITY;
    for (int i = 0; i < p; i++)
        sum = ih_logadd(sum, log(w[i]) + ih_log_density(n, mid + half * z[i], row));
    return sum + log(half);
}

/* ln of the integral of M_n over [a, c] (0 <= a < c <= n), piece by piece between integer
 * knots. n <= 2 ES_IH_GL_POINTS: the ceil(n/2)-point rule, exact for the degree n - 1 piece.
 * Larger n: the 4- and 8-point rules, accepting the 8-point value when the two agree to 1e-14
 * relative (its truncation error is then far smaller: the usual case for the narrow bins that
 * come here), else the 32-point rule (see the head of the file). */
static double ih_log_quadrature(long n, double a, double c, es_ih_num *row)
{
    double total = -INFINITY;
    for (double lo = a; lo < c;) {
        double hi = floor(lo) + 1.0, piece;
        if (hi > c)
            hi = c;
        if (n <= 2 * ES_IH_GL_POINTS) {
            piece = ih_log_gauss(n, (int)((n + 1) / 2), lo, hi, row);
        } else {
            double q4 = ih_log_gauss(n, 4, lo, hi, row);
            piece = ih_log_gauss(n, 8, lo, hi, row);
            if (!(fabs(piece - q4) <= 1e-14))
                piece = ih_log_gauss(n, ES_IH_GL_POINTS, lo, hi, row);
        }
        total = ih_logadd(total, piece);
        lo = hi;
    }
    return total;
}

/* ln P(s_lo <= sum < s_hi), 0 <= s_lo < s_hi <= n, given for each edge lt = ln of its smaller
 * tail (ln F_n(s) if s <= n/2, else ln (1 - F_n(s)) = ln F_n(n - s)). */
static double ih_log_bin(long n, double s_lo, double lt_lo, double s_hi, double lt_hi,
                         es_ih_num *row)
{
    double half = 0.5 * (double)n, lp, kappa;
    if (s_hi <= half || s_lo >= half) {
        /* both in one tail: P = T_a - T_b with T_a the larger tail value */
        double la = s_hi <= half ? lt_hi : lt_lo, lb = s_hi <= half ? lt_lo : lt_hi;
        if (la == -INFINITY)
            return -INFINITY;
        double r = exp(lb - la);
        lp = la + ih_log1mexp(lb - la);
        kappa = r < 1.0 ? (1.0 + r) / (1.0 - r) : INFINITY;
    } else {
        /* straddles n/2: P = 1 - F(s_lo) - Q(s_hi), both tails <= 1/2 */
        double t = exp(lt_lo) + exp(lt_hi);
        lp = log1p(-t);
        kappa = t < 1.0 ? t / (1.0 - t) : INFINITY;
    }
    if (kappa > ES_IH_KAPPA_MAX)
        lp = ih_log_quadrature(n, s_lo, s_hi, row);
    return lp;
}

static es_status ih_log_p(long n, double bound, const double *edges, size_t bins,
                          double *log_p, es_err *err)
{
    size_t nrow = (size_t)(n / 2 + 2);
    es_ih_num *row = es_calloc(nrow, sizeof *row, "Irwin-Hall recursion row", err);
    double *s = es_calloc(2 * (bins + 1), sizeof *s, "Irwin-Hall edge tails", err);
    if (!row || !s) {
        free(row);
        free(s);
        return ES_ENOMEM;
    }
    double *lt = s + bins + 1;                          /* (bins + 1) ln smaller tail per edge */
    double half = 0.5 * (double)n;
    for (size_t i = 0; i <= bins; i++) {
        double x = edges[i] < 0.0 ? 0.0 : edges[i] > bound ? bound : edges[i];
        s[i] = (double)n * (x / bound);                 /* x = bound gives exactly n */
        lt[i] = ih_log_cdf_lower(n, s[i] <= half ? s[i] : (double)n - s[i], row);
    }
    for (size_t i = 0; i < bins; i++)
        log_p[i] = s[i] < s[i + 1] ? ih_log_bin(n, s[i], lt[i], s[i + 1], lt[i + 1], row)
                                   : -INFINITY;
    free(row);
    free(s);
    return ES_OK;
}

/* ---- square: the n-ball -------------------------------------------------------------------
 * ln F(x) = (n/2) ln(pi n x) - ln Gamma(n/2 + 1) - n ln(2 bound), so for 0 < lo < hi
 * ln P = ln F(hi) + ln(1 - (lo/hi)^{n/2}), with (n/2) ln(lo/hi) = (n/2) log1p((lo - hi)/hi)
 * (lo - hi is exact when the edges are close): accurate to a few eps for any bin width. */
static es_status ball_log_p(long n, double bound, const double *edges, size_t bins,
                            double *log_p, es_err *err)
{
    double limit = bound * bound / (double)n;
    for (size_t i = 0; i <= bins; i++)
        if ((double)n * edges[i] > bound * bound)
            return es_err_set(err, ES_EDOM,
                              "particles (square, n = %ld, bound = %g): the exact answer holds "
                              "only for x <= bound^2/n = %.17g (the n-ball inside the cube), "
                              "but edge %zu is %.17g", n, bound, limit, i, edges[i]);
    gsl_sf_result lg;
    if (gsl_sf_lngamma_e(0.5 * (double)n + 1.0, &lg) != 0)
        return es_err_set(err, ES_ERUNTIME, "particles (square): ln Gamma(%g) failed",
                          0.5 * (double)n + 1.0);
    double hn = 0.5 * (double)n;
    double c = hn * log(es_ih_pi * (double)n) - lg.val - (double)n * log(2.0 * bound);
    for (size_t i = 0; i < bins; i++) {
        double lo = edges[i] > 0.0 ? edges[i] : 0.0, hi = edges[i + 1] > 0.0 ? edges[i + 1] : 0.0;
        if (!(hi > lo))
            log_p[i] = -INFINITY;
        else if (lo == 0.0)
            log_p[i] = c + hn * log(hi);
        else
            log_p[i] = c + hn * log(hi) + ih_log1mexp(hn * log1p((lo - hi) / hi));
    }
    return ES_OK;
}

/* ---- public -------------------------------------------------------------------------------- */

es_status es_exact_particles_log_p(long n, const char *potential, double bound,
                                   const double *edges, size_t bins, double *log_p,
                                   es_err *err)
{
    if (n < 1)
        return es_err_set(err, ES_ECONFIG, "particles: n = %ld, need n >= 1", n);
    if (!(isfinite(bound) && bound > 0.0))
        return es_err_set(err, ES_ECONFIG, "particles: bound = %g, need a finite bound > 0",
                          bound);
    if (!potential || (strcmp(potential, "abs") != 0 && strcmp(potential, "square") != 0))
        return es_err_set(err, ES_ECONFIG, "particles: unknown potential '%s' (abs | square)",
                          potential ? potential : "(null)");
    if (bins == 0)
        return ES_OK;
    if (!edges || !log_p)
        return es_err_set(err, ES_ECONFIG, "particles: edges or log_p is NULL");
    for (size_t i = 0; i <= bins; i++) {
        if (!isfinite(edges[i]))
            return es_err_set(err, ES_ECONFIG, "particles: edge %zu is %g, need finite edges",
                              i, edges[i]);
        if (i > 0 && edges[i] < edges[i - 1])
            return es_err_set(err, ES_ECONFIG,
                              "particles: edges must not decrease (edge %zu = %.17g < edge %zu "
                              "= %.17g)", i, edges[i], i - 1, edges[i - 1]);
    }
    if (strcmp(potential, "abs") == 0)
        return ih_log_p(n, bound, edges, bins, log_p, err);
    return ball_log_p(n, bound, edges, bins, log_p, err);
}

es_status es_exact_particles_log_p_2d(long n, long split, const char *potential, double bound,
                                      const double *x_edges, size_t x_bins,
                                      const double *y_edges, size_t y_bins, double *log_p,
                                      es_err *err)
{
    if (split < 1 || split > n - 1)
        return es_err_set(err, ES_ECONFIG,
                          "particles: split = %ld with n = %ld, need 1 <= split <= n - 1",
                          split, n);
    double *px = es_calloc(x_bins + y_bins, sizeof *px, "2-D exact marginals", err);
    if (!px)
        return ES_ENOMEM;
    double *py = px + x_bins;                           /* (y_bins) */
    es_status st = es_exact_particles_log_p(split, potential, bound, x_edges, x_bins, px, err);
    if (st == ES_OK)
        st = es_exact_particles_log_p(n - split, potential, bound, y_edges, y_bins, py, err);
    if (st == ES_OK)
        for (size_t i = 0; i < x_bins; i++)
            for (size_t k = 0; k < y_bins; k++)
                log_p[i * y_bins + k] = px[i] + py[k];
    free(px);
    return st;
}
