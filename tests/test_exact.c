/* test_exact.c: the exact reference answers (particles, 2-D Ising) against independent oracles:
 * exact rationals, closed forms, brute force and the literature. */
#include "testutil.h"

#include "entroscape/exact.h"

#include <float.h>
#include <stdlib.h>
#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))
#define TEST_PI 3.14159265358979323846

/* Tolerance on ln P for the Irwin-Hall references: 1e-12 absolute plus 1e-14 relative to |ln P|,
 * i.e. at most ~1e-10 relative error in P itself down to ln P = -5000 (a double holds ln P only
 * to ~1 ulp = 9e-13 there). Measured: |error| <= 4e-15 * max(1, |ln P|) against exact rationals
 * over ~4000 random bins, n = 1..1000, widths 2^-40 .. 1. */
static double lnp_tol(double expected)
{
    return 1e-12 + 1e-14 * fabs(expected);
}

static void check_log_p(long n, const char *potential, double bound, const double *edges,
                        size_t bins, const double *expected, const char *what)
{
    double got[64];
    es_err err = {0};
    assert_true(bins <= LEN(got));
    assert_int_equal(es_exact_particles_log_p(n, potential, bound, edges, bins, got, &err), ES_OK);
    for (size_t i = 0; i < bins; i++) {
        char label[160];
        snprintf(label, sizeof label, "%s n=%ld bin %zu [%.17g, %.17g)", what, n, i, edges[i],
                 edges[i + 1]);
        if (expected[i] == -INFINITY) {
            if (got[i] != -INFINITY)
                fail_msg("%s: value %.17g, expected -inf", label, got[i]);
        } else {
            assert_close(got[i], expected[i], lnp_tol(expected[i]), label);
        }
    }
}

/* ---- Irwin-Hall against exact rationals ------------------------------------------------------
 * Provenance: exact rational arithmetic in Python (fractions + integers), the edges being dyadic
 * so that s = n x / bound is exact in both C and Python:
 *     F(n, s) = sum_{j=0}^{floor s} (-1)^j C(n, j) (s - j)^n / n!      (as a Fraction)
 *     P = F(n, s_hi) - F(n, s_lo)  exactly;  ln P by mpmath at 60 digits, printed to 20 digits.
 * (The alternating sum is exact in rationals; its cancellation only hurts in floating point.)
 * Bins include narrow ones (2^-20 .. 2^-30 wide, which take the Gauss-Legendre path) and tails
 * down to ln P = -5243. */
static void test_irwin_hall_exact_rationals(void **state)
{
    (void)state;
    static const double e20[] = {0.0, 0.0009765625, 0.0625, 0.25, 0.5, 0.5000009536743164,
                                 0.75, 0.96875, 1.0};
    static const double p20[] = {-121.05040710166272704, -37.87274543446949963,
                                 -10.400010214574106311, -0.69320804675656502165,
                                 -12.049119037682986544, -0.69321974695049793613,
                                 -10.400010214572934811, -51.735689045668196103};
    check_log_p(20, "abs", 1.0, e20, LEN(p20), p20, "exact rational");

    static const double e33[] = {0.125, 0.5, 0.9375, 1.0, 1.0000152587890625, 1.5, 1.9375};
    static const double p33[] = {-15.946016121990836543, -1.3174086936045430965,
                                 -1.4602791622550801049, -9.7162997772855518134,
                                 -0.6932680107834082768, -15.946016121990836543};
    check_log_p(33, "abs", 2.0, e33, LEN(p33), p33, "exact rational (bound 2)");

    static const double e50[] = {0.015625, 0.03125, 0.25, 0.5, 0.5000000009313226, 0.625,
                                 0.8125, 0.9990234375, 1.0};
    static const double p50[] = {-126.16341182035205738, -23.091259471814079532,
                                 -0.69314718074728225149, -18.517898218378941857,
                                 -0.69520470519687752103, -6.8804362467849542185,
                                 -36.762033929879197786, -299.45020696033838385};
    check_log_p(50, "abs", 1.0, e50, LEN(p50), p50, "exact rational");

    static const double e1000[] = {0.00048828125, 0.001953125, 0.0625, 0.25, 0.4375, 0.5,
                                   0.5000000009313226, 0.501953125, 0.5625, 0.75,
                                   0.998046875, 1.0};
    static const double p1000[] = {-5242.6975245455340816, -1776.9617206246643737,
                                   -412.77727509401316343, -26.406458531270943593,
                                   -0.69314718056675066417, -17.017173008469522295,
                                   -2.468684314325034606, -0.87874512291595785078,
                                   -26.406458531270943593, -412.77727509401316343,
                                   -5242.6975245455340816};
    check_log_p(1000, "abs", 1.0, e1000, LEN(p1000), p1000, "exact rational");
}

/* ---- Irwin-Hall against the alternating sum in long double (small n) ------------------------
 * For n <= 10 the textbook sum loses at most ~3 of long double's 19 digits (terms up to
 * C(10,5) 5^10 / 10! ~ 700 against F ~ 0.5), and these bins are wide enough (kappa <= ~10) that
 * F(hi) - F(lo) loses one more: the oracle is good to ~1e-14 relative. Tolerance 1e-12 on ln P. */
static long double alt_sum_cdf(long n, long double s)
{
    if (s <= 0.0L)
        return 0.0L;
    if (s >= (long double)n)
        return 1.0L;
    long double sum = 0.0L, binom = 1.0L, fact = 1.0L;
    for (long k = 2; k <= n; k++)
        fact *= (long double)k;
    for (long j = 0; j <= n && (long double)j < s; j++) {
        long double term = binom * powl(s - (long double)j, (long double)n);
        sum += (j % 2 ? -term : term);
        binom = binom * (long double)(n - j) / (long double)(j + 1);
    }
    return sum / fact;
}

static void test_irwin_hall_alternating_sum(void **state)
{
    (void)state;
    const double bound = 1.5;
    enum { BINS = 44 };
    double edges[BINS + 1], got[BINS];
    for (int i = 0; i <= BINS; i++)               /* from -0.1 b to 1.1 b: clipping included */
        edges[i] = bound * (-0.1 + 1.2 * i / BINS);
    for (long n = 1; n <= 10; n++) {
        es_err err = {0};
        assert_int_equal(es_exact_particles_log_p(n, "abs", bound, edges, BINS, got, &err), ES_OK);
        for (int i = 0; i < BINS; i++) {
            double lo = edges[i] < 0 ? 0 : edges[i] > bound ? bound : edges[i];
            double hi = edges[i + 1] < 0 ? 0 : edges[i + 1] > bound ? bound : edges[i + 1];
            long double slo = (long double)n * ((long double)lo / bound);
            long double shi = (long double)n * ((long double)hi / bound);
            /* the oracle also differences the smaller tails (exact symmetry F(s) = 1 - F(n-s)),
             * else 1 - F cancels in the upper tail */
            long double h = 0.5L * (long double)n, nn = (long double)n, p;
            if (shi <= h)
                p = alt_sum_cdf(n, shi) - alt_sum_cdf(n, slo);
            else if (slo >= h)
                p = alt_sum_cdf(n, nn - slo) - alt_sum_cdf(n, nn - shi);
            else
                p = 1.0L - alt_sum_cdf(n, slo) - alt_sum_cdf(n, nn - shi);
            char label[96];
            snprintf(label, sizeof label, "alternating sum n=%ld bin %d", n, i);
            if (!(hi > lo)) {
                if (got[i] != -INFINITY)
                    fail_msg("%s: outside the support, got %.17g, expected -inf", label, got[i]);
                continue;
            }
            assert_close(got[i], (double)logl(p), 1e-12, label);
        }
    }
}

/* ---- partitions of the support sum to 1 -------------------------------------------------------
 * Bins covering [-0.1 b, 1.1 b] partition the support [0, b]: sum P = 1. Each P is accurate to
 * ~1e-14 relative, so the sum is within 1e-12 of 1 (measured: 2e-15). */
static void test_irwin_hall_partition(void **state)
{
    (void)state;
    const long ns[] = {100, 1000};
    enum { BINS = 120 };
    double edges[BINS + 1], got[BINS];
    for (int i = 0; i <= BINS; i++)
        edges[i] = 0.7 * (-0.1 + 1.2 * i / BINS);
    for (size_t t = 0; t < LEN(ns); t++) {
        es_err err = {0};
        assert_int_equal(es_exact_particles_log_p(ns[t], "abs", 0.7, edges, BINS, got, &err),
                         ES_OK);
        long double sum = 0.0L;
        for (int i = 0; i < BINS; i++)
            sum += expl((long double)got[i]);
        char label[64];
        snprintf(label, sizeof label, "sum of P over a partition, n=%ld", ns[t]);
        assert_close((double)sum, 1.0, 1e-12, label);
    }
}

/* ---- deep tails against closed forms ------------------------------------------------------
 * For 0 <= s <= 1, F_n(s) = s^n / n! exactly; for 1 <= s <= 2, F_n(s) = (s^n - n (s-1)^n) / n!
 * (the alternating sum has two terms there, the second smaller by n ((s-1)/s)^n: no
 * cancellation). ln n! from lgamma (error ~1 ulp of 5912). By symmetry the upper tail
 * P(x >= b - t) equals the lower P(x < t). Tolerance: lnp_tol (~6e-11 at ln P = -6600). */
static void test_irwin_hall_tails(void **state)
{
    (void)state;
    const long n = 1000;
    const double ss[] = {0.5, 0.999, 1.0, 1.25, 1.5, 1.984375};
    for (size_t t = 0; t < LEN(ss); t++) {
        double s = ss[t], x = s / (double)n;       /* bound 1: s = n x up to one rounding */
        double edges[2] = {0.0, x}, got;
        es_err err = {0};
        assert_int_equal(es_exact_particles_log_p(n, "abs", 1.0, edges, 1, &got, &err), ES_OK);
        double sx = (double)n * x;                 /* the s the code sees */
        double expected = (double)n * log(sx) - lgamma((double)n + 1.0);
        if (sx > 1.0)
            expected += log1p(-(double)n * pow((sx - 1.0) / sx, (double)n));
        char label[64];
        snprintf(label, sizeof label, "lower tail s=%g n=%ld", s, n);
        assert_close(got, expected, lnp_tol(expected), label);

        double up[2] = {1.0 - x, 1.0}, got_up;     /* 1 - x is exact for these x */
        assert_int_equal(es_exact_particles_log_p(n, "abs", 1.0, up, 1, &got_up, &err), ES_OK);
        snprintf(label, sizeof label, "upper tail s=%g n=%ld", s, n);
        assert_close(got_up, got, lnp_tol(got), label);
        if (s == 0.5)
            assert_at_most(got, -6600.0, "ln P at s = 0.5, n = 1000 is about -6605 (no underflow)");
    }
}

/* ---- additivity across the quadrature / differencing switch --------------------------------
 * P[a, c) = P[a, b) + P[b, c) for splits from wide to 2^-40 narrow, so that the pieces take the
 * Gauss-Legendre path while the whole bin is differenced (and vice versa). Tolerance 1e-13 on
 * ln P (measured: <= 2e-15). */
static void test_irwin_hall_additivity(void **state)
{
    (void)state;
    const long ns[] = {3, 64, 65, 200, 1000};
    const double as[] = {0.05, 0.3, 0.4990234375, 0.5, 0.8};
    for (size_t t = 0; t < LEN(ns); t++)
        for (size_t u = 0; u < LEN(as); u++)
            /* n = 1000 on a sparser grid: a narrow bin in its bulk costs ~10 ms */
            for (int k = 1; k <= 40; k += ns[t] < 1000 ? 3 : 8) {
                double a = as[u], b = a + ldexp(1.0, -k), c = a + 2.0 * ldexp(1.0, -k);
                double e3[3] = {a, b, c}, e2[2] = {a, c}, two[2], whole;
                es_err err = {0};
                assert_int_equal(es_exact_particles_log_p(ns[t], "abs", 1.0, e3, 2, two, &err),
                                 ES_OK);
                assert_int_equal(es_exact_particles_log_p(ns[t], "abs", 1.0, e2, 1, &whole, &err),
                                 ES_OK);
                double sum = fmax(two[0], two[1]) + log1p(exp(-fabs(two[0] - two[1])));
                char label[96];
                snprintf(label, sizeof label, "additivity n=%ld a=%g width 2^-%d", ns[t], a, k);
                assert_close(sum, whole, 1e-13 + 1e-15 * fabs(whole), label);
            }
}

/* ---- square potential: the n-ball ---------------------------------------------------------- */

/* Closed forms of F(t) = P(mean of w^2 < t), w ~ U[-b, b], valid for t <= b^2/n:
 * n = 1: sqrt(t)/b; n = 2: pi (2t) / (2b)^2; n = 3: (4/3) pi (3t)^{3/2} / (2b)^3. */
static double ball_cdf_small(long n, double b, double t)
{
    if (t <= 0)
        return 0;
    if (n == 1)
        return sqrt(t) / b;
    if (n == 2)
        return TEST_PI * 2.0 * t / (4.0 * b * b);
    return 4.0 / 3.0 * TEST_PI * pow(3.0 * t, 1.5) / (8.0 * b * b * b);
}

static void test_square_closed_form(void **state)
{
    (void)state;
    /* n = 1, 2, 3 against the elementary volumes (differenced in double: these bins have
     * kappa <= 3, so 1e-14 on ln P). */
    for (long n = 1; n <= 3; n++) {
        double b = 1.3, lim = b * b / (double)n;
        double edges[7] = {-1.0, 0.0, 0.1 * lim, 0.3 * lim, 0.55 * lim, 0.8 * lim, lim};
        double got[6];
        es_err err = {0};
        assert_int_equal(es_exact_particles_log_p(n, "square", b, edges, 6, got, &err), ES_OK);
        if (got[0] != -INFINITY)
            fail_msg("square n=%ld: bin below 0 should be -inf, got %.17g", n, got[0]);
        for (int i = 1; i < 6; i++) {
            double p = ball_cdf_small(n, b, edges[i + 1]) - ball_cdf_small(n, b, edges[i]);
            char label[64];
            snprintf(label, sizeof label, "square n=%ld bin %d", n, i);
            assert_close(got[i], log(p), 1e-14, label);
        }
    }
    /* Larger n, narrow bins included: mpmath at 50 digits of
     * ln F(t) = (n/2) ln(pi n t) - ln Gamma(n/2 + 1) - n ln(2b), ln P = ln(F(hi) - F(lo)),
     * the edges taken as their exact double values. Tolerance lnp_tol. */
    static const double e100[] = {0.0, 0.005, 0.0075, 0.009, 0.009 + 1e-9, 0.01};
    static const double p100[] = {-195.21334974329481873, -174.94009433945493107,
                                  -165.82412638904576936, -177.92472590636422129,
                                  -160.56115784579240849};
    check_log_p(100, "square", 1.0, e100, LEN(p100), p100, "square mpmath");
    static const double e1000[] = {0.001, 0.004, 0.00899, 0.009};
    static const double p1000[] = {-3137.5778042035656783, -2732.6685605217465608,
                                   -2732.9650177630075324};
    check_log_p(1000, "square", 3.0, e1000, LEN(p1000), p1000, "square mpmath (bound 3)");
}

static void test_square_beyond_ball(void **state)
{
    (void)state;
    double edges[3] = {0.0, 0.005, 0.0100001}, got[2];
    es_err err = {0};
    assert_int_equal(es_exact_particles_log_p(100, "square", 1.0, edges, 2, got, &err), ES_EDOM);
    assert_int_equal(err.status, ES_EDOM);
    if (!strstr(err.msg, "bound^2/n = 0.01"))
        fail_msg("the message should give the limit bound^2/n = 0.01: '%s'", err.msg);
    /* exactly at the limit is fine */
    edges[2] = 0.01;
    es_err ok = {0};
    assert_int_equal(es_exact_particles_log_p(100, "square", 1.0, edges, 2, got, &ok), ES_OK);
}

/* ---- 2-D, argument checks ------------------------------------------------------------------ */

static void test_particles_2d(void **state)
{
    (void)state;
    enum { XB = 7, YB = 5 };
    double xe[XB + 1], ye[YB + 1], px[XB], py[YB], g[XB * YB];
    for (int i = 0; i <= XB; i++)
        xe[i] = 2.0 * i / XB;
    for (int k = 0; k <= YB; k++)
        ye[k] = 2.0 * k / YB;
    es_err err = {0};
    assert_int_equal(es_exact_particles_log_p_2d(30, 10, "abs", 2.0, xe, XB, ye, YB, g, &err),
                     ES_OK);
    assert_int_equal(es_exact_particles_log_p(10, "abs", 2.0, xe, XB, px, &err), ES_OK);
    assert_int_equal(es_exact_particles_log_p(20, "abs", 2.0, ye, YB, py, &err), ES_OK);
    long double sum = 0.0L;
    for (int i = 0; i < XB; i++)
        for (int k = 0; k < YB; k++) {
            /* independence: the same two numbers added, so equal to the last bit */
            assert_close(g[i * YB + k], px[i] + py[k], 0.0, "2-D = x marginal + y marginal");
            sum += expl((long double)g[i * YB + k]);
        }
    assert_close((double)sum, 1.0, 1e-13, "2-D partition sums to 1");
    es_err bad = {0};
    assert_int_equal(es_exact_particles_log_p_2d(30, 30, "abs", 2.0, xe, XB, ye, YB, g, &bad),
                     ES_ECONFIG);
}

static void test_particles_bad_arguments(void **state)
{
    (void)state;
    double edges[3] = {0.0, 0.5, 1.0}, got[2];
    es_err e1 = {0}, e2 = {0}, e3 = {0}, e4 = {0}, e5 = {0};
    assert_int_equal(es_exact_particles_log_p(0, "abs", 1.0, edges, 2, got, &e1), ES_ECONFIG);
    assert_int_equal(es_exact_particles_log_p(5, "cube", 1.0, edges, 2, got, &e2), ES_ECONFIG);
    assert_int_equal(es_exact_particles_log_p(5, "abs", 0.0, edges, 2, got, &e3), ES_ECONFIG);
    double down[3] = {0.0, 0.5, 0.4};
    assert_int_equal(es_exact_particles_log_p(5, "abs", 1.0, down, 2, got, &e4), ES_ECONFIG);
    double nan_edge[3] = {0.0, NAN, 1.0};
    assert_int_equal(es_exact_particles_log_p(5, "abs", 1.0, nan_edge, 2, got, &e5), ES_ECONFIG);
    if (!strstr(e2.msg, "cube"))
        fail_msg("message should name the potential: '%s'", e2.msg);
    /* an empty bin and bins wholly outside [0, b] give -inf */
    double out[5] = {-2.0, -1.0, 0.3, 0.3, 4.0};
    double p4[4];
    es_err ok = {0};
    assert_int_equal(es_exact_particles_log_p(5, "abs", 1.0, out, 4, p4, &ok), ES_OK);
    if (p4[0] != -INFINITY || p4[2] != -INFINITY)
        fail_msg("outside / empty bins: %.17g %.17g, expected -inf", p4[0], p4[2]);
}

/* ---- Ising: enumeration -------------------------------------------------------------------- */

static double sum_of(const double *g, int n)
{
    double s = 0;
    for (int j = 0; j < n; j++)
        s += g[j];
    return s;
}

static void test_ising_enumerate(void **state)
{
    (void)state;
    es_err err = {0};
    double g[26];
    /* L = 2 (both bonds between a pair count, E = -8 .. 8) and L = 3: counts from the
     * independent brute force brute_force() in scripts/ising_exact_dos.py (Python, bit ops).
     * L = 2 by hand: 2 ground states; a single flipped spin breaks 4 of 8 bonds (j = 2), 4 x 2
     * ways; two flipped spins side by side also break 4 (2 x 2 horizontal + vertical pairs),
     * 4 ways: 8 + 4 = 12; the checkerboards break all 8 (j = 4): 2. */
    static const double g2[] = {2, 0, 12, 0, 2};
    static const double g3[] = {2, 0, 18, 48, 198, 144, 102, 0, 0, 0};
    /* L = 4: Beale (1996) / exact enumeration, also the fixture ising_beale_L4.tsv. */
    static const double g4[] = {2,     0,    32,   64,   424, 1728, 6688, 13568, 20524,
                                13568, 6688, 1728, 424,  64,  32,   0,    2};
    const double *want[] = {g2, g3, g4};
    for (int L = 2; L <= 4; L++) {
        int N = L * L;
        assert_int_equal(es_exact_ising_enumerate(L, g, &err), ES_OK);
        for (int j = 0; j <= N; j++) {
            char label[48];
            snprintf(label, sizeof label, "g_%d, L=%d (exact integer)", j, L);
            assert_close(g[j], want[L - 2][j], 0.0, label);
        }
        assert_close(sum_of(g, N + 1), ldexp(1.0, N), 0.0, "sum g = 2^N");
        if (L % 2 == 0)   /* bipartite: flipping one sublattice maps E to -E */
            for (int j = 0; j <= N; j++)
                assert_close(g[j], g[N - j], 0.0, "g_j = g_{N-j} (even L)");
    }
    /* L = 5: sum 2^25, g_0 = 2, g_1 = 0, g_2 = 2N (one flipped spin), g_3 = 4N (a flipped
     * domino: 2N placements x 2), all exact integers. */
    assert_int_equal(es_exact_ising_enumerate(5, g, &err), ES_OK);
    assert_close(sum_of(g, 26), 33554432.0, 0.0, "L=5 sum = 2^25");
    assert_close(g[0], 2, 0, "L=5 g_0");
    assert_close(g[1], 0, 0, "L=5 g_1");
    assert_close(g[2], 50, 0, "L=5 g_2 = 2N");
    assert_close(g[3], 100, 0, "L=5 g_3 = 4N");
    es_err bad = {0};
    assert_int_equal(es_exact_ising_enumerate(6, g, &bad), ES_ECONFIG);
    assert_int_equal(es_exact_ising_enumerate(0, g, &bad), ES_ECONFIG);
}

/* ---- Ising: Beale fixtures ------------------------------------------------------------------ */

static double *load_fixture(int L_expected)
{
    char path[512];
    snprintf(path, sizeof path, "%s/ising_beale_L%d.tsv", tu_fixture_dir(), L_expected);
    int L = 0;
    double *ln_g = NULL;
    es_err err = {0};
    es_status st = es_exact_ising_load(path, &L, &ln_g, &err);
    if (st != ES_OK)
        fail_msg("loading %s: %s", path, err.msg);
    assert_int_equal(L, L_expected);
    return ln_g;
}

/* Enumeration (L = 4) equals the fixture from Kaufman's formula: ln of exact integers, 17
 * significant digits in the file: agree to 1e-15 relative. */
static void test_ising_fixture_matches_enumeration(void **state)
{
    (void)state;
    double g[17];
    es_err err = {0};
    assert_int_equal(es_exact_ising_enumerate(4, g, &err), ES_OK);
    double *ln_g = load_fixture(4);
    for (int j = 0; j <= 16; j++) {
        char label[48];
        snprintf(label, sizeof label, "L=4 fixture ln g_%d", j);
        if (g[j] == 0) {
            if (ln_g[j] != -INFINITY)
                fail_msg("%s: %.17g, expected -inf", label, ln_g[j]);
        } else {
            assert_close(ln_g[j], log(g[j]), 1e-15 * fmax(1.0, fabs(log(g[j]))), label);
        }
    }
    free(ln_g);
}

/* Large fixtures: sum_j g_j = 2^N (log-sum-exp, 1e-12 relative to N ln 2), g_1 = 0,
 * g_2 = 2N (one flipped spin, N x 2), g_j = g_{N-j}. For L = 8 also values checked against an
 * independent one-off row-transfer-matrix count with exact 64-bit integers (all 65 agreed):
 * g_4 = 4672, g_5 = 17920, g_32 = 2627978003957146636. */
static void check_large_fixture(int L)
{
    double *ln_g = load_fixture(L);
    int N = L * L;
    double mx = -INFINITY;
    for (int j = 0; j <= N; j++)
        mx = fmax(mx, ln_g[j]);
    long double s = 0.0L;
    for (int j = 0; j <= N; j++)
        s += expl((long double)(ln_g[j] - mx));
    double lse = mx + (double)logl(s), want = N * log(2.0);
    char label[64];
    snprintf(label, sizeof label, "L=%d: ln sum g = N ln 2", L);
    assert_close(lse, want, 1e-12 * want, label);
    if (ln_g[1] != -INFINITY || ln_g[N - 1] != -INFINITY)
        fail_msg("L=%d: g_1 and g_{N-1} must be 0", L);
    assert_close(ln_g[0], log(2.0), 1e-16, "g_0 = 2");
    assert_close(ln_g[2], log(2.0 * N), 1e-15, "g_2 = 2N");
    for (int j = 0; j <= N; j++)
        if (ln_g[j] != ln_g[N - j])
            fail_msg("L=%d: ln g_%d = %.17g differs from ln g_%d = %.17g", L, j, ln_g[j], N - j,
                     ln_g[N - j]);
    if (L == 8) {
        assert_close(ln_g[4], log(4672.0), 1e-15, "L=8 g_4 (transfer matrix)");
        assert_close(ln_g[5], log(17920.0), 1e-15, "L=8 g_5 (transfer matrix)");
        assert_close(ln_g[32], log(2627978003957146636.0), 1e-14, "L=8 g_32 (transfer matrix)");
    }
    free(ln_g);
}

static void test_ising_fixtures_large(void **state)
{
    (void)state;
    check_large_fixture(8);
    check_large_fixture(16);
    check_large_fixture(32);
}

static void test_ising_load_errors(void **state)
{
    (void)state;
    int L;
    double *ln_g = (double *)1;
    es_err e1 = {0};
    assert_int_equal(es_exact_ising_load("/nonexistent/ising.tsv", &L, &ln_g, &e1), ES_EIO);
    assert_null(ln_g);
    /* j out of order */
    const char *p = tu_write_file("bad_order.tsv", "# x\n0\t-2\t2\t0.69314718055994531\n"
                                                   "2\t2\t0\t-inf\n");
    es_err e2 = {0};
    assert_int_equal(es_exact_ising_load(p, &L, &ln_g, &e2), ES_EDATA);
    if (!strstr(e2.msg, ":3:"))
        fail_msg("message should name line 3: '%s'", e2.msg);
    /* ln_g inconsistent with g */
    p = tu_write_file("bad_ln.tsv", "0\t-2\t2\t0.7\n1\t2\t0\t-inf\n");
    es_err e3 = {0};
    assert_int_equal(es_exact_ising_load(p, &L, &ln_g, &e3), ES_EDATA);
    /* N + 1 = 3 lines: N = 2 is not a square */
    p = tu_write_file("bad_n.tsv", "0\t-4\t2\t0.69314718055994531\n1\t0\t0\t-inf\n"
                                   "2\t4\t2\t0.69314718055994531\n");
    es_err e4 = {0};
    assert_int_equal(es_exact_ising_load(p, &L, &ln_g, &e4), ES_EDATA);
    /* a well-formed L = 1 file loads */
    p = tu_write_file("good.tsv", "# L = 1\n0\t-2\t2\t0.69314718055994531\n1\t2\t0\t-inf\n");
    es_err e5 = {0};
    assert_int_equal(es_exact_ising_load(p, &L, &ln_g, &e5), ES_OK);
    assert_int_equal(L, 1);
    assert_close(ln_g[0], log(2.0), 1e-16, "L=1 ln g_0");
    free(ln_g);
}

/* build/tests/test_exact [PATTERN]: run all tests, or those whose name matches PATTERN. */
int main(int argc, char **argv)
{
    if (argc > 1)
        cmocka_set_test_filter(argv[1]);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_irwin_hall_exact_rationals),
        cmocka_unit_test(test_irwin_hall_alternating_sum),
        cmocka_unit_test(test_irwin_hall_partition),
        cmocka_unit_test(test_irwin_hall_tails),
        cmocka_unit_test(test_irwin_hall_additivity),
        cmocka_unit_test(test_square_closed_form),
        cmocka_unit_test(test_square_beyond_ball),
        cmocka_unit_test(test_particles_2d),
        cmocka_unit_test(test_particles_bad_arguments),
        cmocka_unit_test(test_ising_enumerate),
        cmocka_unit_test(test_ising_fixture_matches_enumeration),
        cmocka_unit_test(test_ising_fixtures_large),
        cmocka_unit_test(test_ising_load_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
