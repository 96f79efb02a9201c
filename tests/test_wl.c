/* test_wl.c: the Wang-Landau engine against exact densities of states: non-interacting
 * particles (Irwin-Hall, n-ball; 1-D and 2-D), the Ising model (enumeration, Beale), the
 * generic path for models without incremental evaluation, determinism, stopping rules. */
#include "testutil.h"
#include "entroscape/exact.h"
#include "entroscape/models.h"
#include "entroscape/wl.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

/* The accuracy tests compare with the exact answer directly: two groups (each with as many
 * walkers as the whole run had before groups existed), no sub-bins (their grids keep away
 * from the extreme tails) and a tolerance that never holds a run back. The tail tests use
 * the defaults. */
static es_wl_params params(es_wl_method method, double ln_f_final, int walkers, uint64_t seed)
{
    es_wl_params p = {
        .method = method, .flatness = 0.8, .check_every = 0, .ln_f_initial = 1.0,
        .ln_f_final = ln_f_final, .walkers = walkers, .groups = 2, .seed = seed,
        .approach_sweeps = 100000, .windows = 1, .overlap = 0.75, .tolerance = 100,
        .refine = {1, 1},
    };
    return p;
}

/* Run and return the result (fails the test on error). */
static es_dos *run(const es_wl_params *p, const es_grid *g, const es_model *m)
{
    es_err err = {0};
    es_dos *d = es_dos_alloc((size_t)g->x_bins, (size_t)g->y_bins, &err);
    assert_non_null(d);
    es_status st = es_wl_run(p, g, m, d, NULL, NULL, NULL, &err);
    if (st != ES_OK)
        fail_msg("es_wl_run: %s", err.msg);
    return d;
}

/* Shift exact ln P over the bins so that sum exp = 1, like /dos/log_g. */
static void normalise(double *lp, size_t n)
{
    double mx = -INFINITY, s = 0;
    for (size_t i = 0; i < n; i++)
        mx = fmax(mx, lp[i]);
    for (size_t i = 0; i < n; i++)
        s += exp(lp[i] - mx);
    for (size_t i = 0; i < n; i++)
        lp[i] -= mx + log(s);
}

/* max over bins of |log_g - exact|; also checks the exact answer spans >= min_span nats. */
static double max_abs_error(const es_dos *d, const double *exact, size_t n, double min_span,
                            const char *label)
{
    double worst = 0, lo = INFINITY, hi = -INFINITY;
    for (size_t b = 0; b < n; b++) {
        if (!isfinite(d->log_g[b]))
            fail_msg("%s: bin %zu never reached (exact ln P = %g)", label, b, exact[b]);
        worst = fmax(worst, fabs(d->log_g[b] - exact[b]));
        lo = fmin(lo, exact[b]);
        hi = fmax(hi, exact[b]);
    }
    if (hi - lo < min_span)
        fail_msg("%s: test grid spans only %.1f nats of ln g, want >= %.1f", label, hi - lo, min_span);
    printf("    %s: ln g spans %.1f nats, max |delta ln g| = %.4f, %llu sweeps\n", label, hi - lo,
           worst, (unsigned long long)d->sweeps);
    return worst;
}

/* Particles 1-D, |w|: n = 100, x = mean |w| in [0.2, 0.5) (n x in [20, 50]) in 30 bins spans
 * 58 nats. Tolerance 0.1 (the acceptance criterion of the foundation issue); seeds 1-6 gave
 * 0.03-0.06 when this test was written. */
static void test_particles_abs_1d(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(100, 0, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    assert_int_equal(es_grid_init(&g, 1, 30, 0.2, 0.5, 1, 0, 1, &err), ES_OK);
    es_wl_params p = params(ES_WL_1T, 1e-6, 2, 11);
    es_dos *d = run(&p, &g, m);
    double exact[30];
    assert_int_equal(es_exact_particles_log_p(100, "abs", 1.0, d->x_edges, 30, exact, &err), ES_OK);
    normalise(exact, 30);
    assert_at_most(max_abs_error(d, exact, 30, 40, "particles abs 1-D"), 0.1, "max |delta ln g|");
    assert_int_equal(d->converged, 1);
    es_dos_free(d);
    es_model_free(m);
}

/* Particles 1-D, w^2: the n-ball answer holds for x <= bound^2/n = 0.01 (n = 100, bound 1);
 * x in [0.003, 0.01) spans 56 nats. Step 0.2 (|w| is ~0.1 here): seeds 1-3 gave max errors
 * 0.03-0.06 at ln f = 1e-6, and 0.012 at 1e-7 (no bias, only statistics). */
static void test_particles_square_1d(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(100, 0, ES_POT_SQUARE, 1.0, 0.2, &err);
    es_grid g;
    es_grid_init(&g, 1, 30, 0.003, 0.01, 1, 0, 1, &err);
    es_wl_params p = params(ES_WL_1T, 1e-6, 2, 12);
    es_dos *d = run(&p, &g, m);
    double exact[30];
    assert_int_equal(es_exact_particles_log_p(100, "square", 1.0, d->x_edges, 30, exact, &err), ES_OK);
    normalise(exact, 30);
    assert_at_most(max_abs_error(d, exact, 30, 40, "particles square 1-D"), 0.1, "max |delta ln g|");
    es_dos_free(d);
    es_model_free(m);
}

/* Particles 2-D: n = 100 split 50/50, |w|; g(x, y) = P_50(x) P_50(y), 14 x 14 bins over
 * [0.2, 0.7)^2 spanning over 40 nats in all. */
static void test_particles_abs_2d(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(100, 50, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    es_grid_init(&g, 2, 14, 0.2, 0.7, 14, 0.2, 0.7, &err);
    es_wl_params p = params(ES_WL_1T, 1e-6, 2, 13);
    es_dos *d = run(&p, &g, m);
    double exact[14 * 14];
    assert_int_equal(es_exact_particles_log_p_2d(100, 50, "abs", 1.0, d->x_edges, 14, d->y_edges,
                                                 14, exact, &err), ES_OK);
    normalise(exact, 14 * 14);
    assert_at_most(max_abs_error(d, exact, 14 * 14, 40, "particles abs 2-D"), 0.1, "max |delta ln g|");
    es_dos_free(d);
    es_model_free(m);
}

/* A model without the incremental path: the particles ops with observe_proposed = NULL, so the
 * engine saves, moves, recomputes and restores. Same exact answer within the same tolerance. */
static es_model_ops full_only_ops;

static void test_generic_full_recompute_path(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(20, 0, ES_POT_ABS, 1.0, 1.0, &err);
    full_only_ops = *m->ops;
    full_only_ops.observe_proposed = NULL;
    m->ops = &full_only_ops;
    es_grid g;
    es_grid_init(&g, 1, 20, 0.15, 0.65, 1, 0, 1, &err);
    es_wl_params p = params(ES_WL_1T, 1e-6, 1, 14);
    es_dos *d = run(&p, &g, m);
    double exact[20];
    es_exact_particles_log_p(20, "abs", 1.0, d->x_edges, 20, exact, &err);
    normalise(exact, 20);
    assert_at_most(max_abs_error(d, exact, 20, 10, "full-recompute path"), 0.1, "max |delta ln g|");
    es_dos_free(d);
    es_model_free(m);
}

/* Ising L = 4 against exact enumeration, both schedules. One bin per level: E = -32..32 step 4
 * in bins of width 4 centred on the levels. E = -28 and 28 cannot occur: they must come out
 * never reached (-inf) without blocking convergence. Tolerance 0.05 on every level. */
static void check_ising4(es_wl_method method, double ln_f_final, double tol, const char *label)
{
    es_err err = {0};
    es_model *m = es_ising_create(4, &err);
    es_grid g;
    es_grid_init(&g, 1, 17, -34, 34, 1, 0, 1, &err);
    es_wl_params p = params(method, ln_f_final, 2, 15);
    es_dos *d = run(&p, &g, m);
    double gex[17];
    es_exact_ising_enumerate(4, gex, &err);
    double worst = 0;
    for (int j = 0; j <= 16; j++) {
        double expect = gex[j] > 0 ? log(gex[j]) - 16 * log(2.0) : -INFINITY;
        if (gex[j] == 0) {
            if (!isinf(d->log_g[j]))
                fail_msg("%s: E = %d cannot occur but log_g = %g", label, -32 + 4 * j, d->log_g[j]);
            continue;
        }
        worst = fmax(worst, fabs(d->log_g[j] - expect));
    }
    printf("    %s: max |delta ln g| = %.4f over the 15 levels\n", label, worst);
    assert_at_most(worst, tol, label);
    assert_int_equal(d->converged, 1);
    es_dos_free(d);
    es_model_free(m);
}

static void test_ising4_1t(void **state) { (void)state; check_ising4(ES_WL_1T, 1e-6, 0.05, "ising L=4, 1/t"); }
static void test_ising4_wl(void **state) { (void)state; check_ising4(ES_WL_FLAT, 1e-6, 0.05, "ising L=4, wl"); }

/* Ising L = 16 against Beale's exact g (fixture): mean relative error of ln g over the 255
 * levels that occur. The foundation issue asks <= 2e-3 within 60 s on 2 cores; this test
 * stops at ln f = 1e-6 (a few seconds) and holds it to the same 2e-3. */
static void test_ising16_beale(void **state)
{
    (void)state;
    es_err err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/ising_beale_L16.tsv", tu_fixture_dir());
    int L = 0;
    double *lg = NULL;
    if (es_exact_ising_load(path, &L, &lg, &err) != ES_OK)
        fail_msg("%s", err.msg);
    es_model *m = es_ising_create(16, &err);
    es_grid g;
    es_grid_init(&g, 1, 257, -514, 514, 1, 0, 1, &err);
    es_wl_params p = params(ES_WL_1T, 1e-6, 2, 16);
    es_dos *d = run(&p, &g, m);
    double sum = 0;
    int n = 0;
    for (int j = 0; j <= 256; j++) {
        if (!isfinite(lg[j])) {
            if (!isinf(d->log_g[j]))
                fail_msg("E = %d cannot occur but log_g = %g", -512 + 4 * j, d->log_g[j]);
            continue;
        }
        double est = d->log_g[j] + d->ln_volume; /* absolute: sum of g = 2^N */
        sum += fabs(est - lg[j]) / lg[j];
        n++;
    }
    assert_int_equal(n, 255);
    printf("    ising L=16, 1/t to ln f 1e-6: mean relative error of ln g = %.2e\n", sum / n);
    assert_at_most(sum / n, 2e-3, "ising L=16 mean relative error");
    free(lg);
    es_dos_free(d);
    es_model_free(m);
}

/* The result depends on the seed and the walker count, never on the number of threads. */
static void test_deterministic_across_threads(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(6, &err);
    es_grid g;
    es_grid_init(&g, 1, 37, -74, 74, 1, 0, 1, &err);
    es_wl_params p = params(ES_WL_FLAT, 1e-4, 3, 17);
    p.check_every = 50;
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    es_dos *a = run(&p, &g, m);
#ifdef _OPENMP
    omp_set_num_threads(3);
#endif
    es_dos *b = run(&p, &g, m);
    if (memcmp(a->log_g, b->log_g, 37 * sizeof(double)) != 0 ||
        memcmp(a->histogram, b->histogram, 37 * sizeof(uint64_t)) != 0 || a->sweeps != b->sweeps)
        fail_msg("1 thread and 3 threads differ for the same seed and 3 walkers");
    p.seed = 18; /* and another seed gives another result */
    es_dos *c = run(&p, &g, m);
    assert_true(memcmp(a->log_g, c->log_g, 37 * sizeof(double)) != 0);
    es_dos_free(a);
    es_dos_free(b);
    es_dos_free(c);
    es_model_free(m);
}

/* max_sweeps stops the run unconverged, exactly at the limit; the history has a final row. */
static void test_max_sweeps_stops(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(8, &err);
    es_grid g;
    es_grid_init(&g, 1, 65, -130, 130, 1, 0, 1, &err);
    es_wl_params p = params(ES_WL_FLAT, 1e-8, 1, 19);
    p.max_sweeps = 1234;
    p.check_every = 100;
    es_dos *d = run(&p, &g, m);
    assert_int_equal(d->converged, 0);
    assert_int_equal(d->sweeps, 1234);
    assert_true(d->n_stages >= 1);
    assert_int_equal(d->stages[d->n_stages - 1].sweeps, 1234);
    es_dos_free(d);
    es_model_free(m);
}

/* A walker that starts outside the grid walks into it; an unreachable grid is a clear error. */
static void test_approach_and_unreachable_grid(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(50, 0, ES_POT_ABS, 1.0, 0.5, &err);
    es_grid g;
    es_grid_init(&g, 1, 10, 0.05, 0.1, 1, 0, 1, &err); /* far below the typical 0.5 */
    es_wl_params p = params(ES_WL_1T, 1e-3, 1, 20);
    es_dos *d = run(&p, &g, m);
    assert_int_equal(d->converged, 1);
    es_dos_free(d);

    es_grid_init(&g, 1, 10, 1.5, 2.0, 1, 0, 1, &err); /* mean |w| <= 1: impossible */
    p.approach_sweeps = 50;
    d = es_dos_alloc(10, 1, &err);
    es_err e2 = {0};
    assert_int_equal(es_wl_run(&p, &g, m, d, NULL, NULL, NULL, &e2), ES_ERUNTIME);
    assert_non_null(strstr(e2.msg, "could not reach the grid"));
    es_dos_free(d);
    es_model_free(m);
}

/* The tails: particles n = 18, |w|, 12 bins over the whole range [0, 1] (the edge bins 29 nats
 * below the peak), with the defaults (4 groups, sub-bins, tolerance) at ln f 1e-5 and a
 * tolerance of 0.1 nats. Before sub-bins, reopening and the criteria, the same case at 1e-6
 * said converged with edge bins 0.4-414 nats off. Every seed must converge with max |delta
 * ln g| <= 0.2 and the errors must cover: over the seeds' bins, >= 80% within 2 reported
 * errors (95% expected; 36 bins) and none beyond 5. Seeds 33-35 take 1-5 s each on a quiet
 * machine; seeds 31 and 32 converge too, in 2 and 39 s (a group slow to agree). */
static void test_tails_converged_and_calibrated(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(18, 0, ES_POT_ABS, 1.0, 1.0, &err); /* step = bound, as run */
    assert_non_null(m);
    es_grid g;
    es_grid_init(&g, 1, 12, 0.0, 1.0, 1, 0, 1, &err);
    int within = 0, total = 0;
    for (uint64_t seed = 33; seed <= 35; seed++) {
        es_wl_params p = {
            .method = ES_WL_1T, .flatness = 0.8, .ln_f_initial = 1.0, .ln_f_final = 1e-5,
            .walkers = 1, .seed = seed, .approach_sweeps = 100000, .windows = 1,
            .round_trips = 10, .tolerance = 0.1,
        };
        es_dos *d = run(&p, &g, m);
        double exact[12];
        es_exact_particles_log_p(18, "abs", 1.0, d->x_edges, 12, exact, &err);
        normalise(exact, 12);
        double worst = max_abs_error(d, exact, 12, 25, "particles n=18 tails");
        if (!d->converged)
            fail_msg("seed %llu: not converged (%s)", (unsigned long long)seed, d->criteria.failed);
        assert_at_most(worst, 0.2, "max |delta ln g| of a converged run");
        for (int b = 0; b < 12; b++) {
            double z = (d->log_g[b] - exact[b]) / d->log_g_err[b];
            if (!(fabs(z) <= 5))
                fail_msg("seed %llu bin %d: delta %.3g is %.1f reported errors (%.3g) off",
                         (unsigned long long)seed, b, d->log_g[b] - exact[b], z, d->log_g_err[b]);
            within += fabs(z) <= 2;
            total++;
        }
        es_dos_free(d);
    }
    printf("    tails: %d of %d bins within 2 reported errors (expected 95%%, required >= 80%%)\n",
           within, total);
    assert_true(within >= 0.8 * total);
    es_model_free(m);
}

/* A run stopped by its budget is not converged and names the criteria it missed. */
static void test_budget_names_failed_criteria(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(18, 0, ES_POT_ABS, 1.0, 1.0, &err); /* step = bound, as run */
    es_grid g;
    es_grid_init(&g, 1, 12, 0.0, 1.0, 1, 0, 1, &err);
    es_wl_params p = {
        .method = ES_WL_1T, .flatness = 0.8, .ln_f_initial = 1.0, .ln_f_final = 1e-6,
        .walkers = 1, .seed = 5, .approach_sweeps = 100000, .windows = 1, .round_trips = 3,
        .max_sweeps = 20000,
    };
    es_dos *d = run(&p, &g, m);
    assert_int_equal(d->converged, 0);
    assert_int_equal(d->criteria.known, 1);
    assert_int_equal(d->criteria.groups, ES_WL_GROUPS);
    assert_non_null(strstr(d->criteria.failed, "ln_f"));
    assert_string_equal(d->stop_reason, "max_sweeps");
    assert_non_null(d->log_g_err);
    es_dos_free(d);
    es_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tails_converged_and_calibrated),
        cmocka_unit_test(test_budget_names_failed_criteria),
        cmocka_unit_test(test_particles_abs_1d),
        cmocka_unit_test(test_particles_square_1d),
        cmocka_unit_test(test_particles_abs_2d),
        cmocka_unit_test(test_generic_full_recompute_path),
        cmocka_unit_test(test_ising4_1t),
        cmocka_unit_test(test_ising4_wl),
        cmocka_unit_test(test_ising16_beale),
        cmocka_unit_test(test_deterministic_across_threads),
        cmocka_unit_test(test_max_sweeps_stops),
        cmocka_unit_test(test_approach_and_unreachable_grid),
    };
    return cmocka_run_group_tests_name("wl", tests, NULL, NULL);
}
