/* test_wlmd.c: Wang-Landau dynamics (sampler.method = wlmd, src/sampler/langevin.c) against
 * the exact densities of states of non-interacting particles (Irwin-Hall; 1-D and 2-D), with
 * the walls of the box in play, kernel and single-bin updates; determinism across threads;
 * checkpoint round trip; models without gradients refused. */
#include "testutil.h"
#include "entroscape/exact.h"
#include "entroscape/models.h"
#include "entroscape/wl.h"

#include <stdlib.h>
#include <string.h>
#ifdef _OPENMP
#include <omp.h>
#endif

static es_wl_params md_params(double ln_f_final, double kernel, uint64_t seed)
{
    es_wl_params p = {
        .method = ES_WL_MD, .flatness = 0.8, .check_every = 0, .ln_f_initial = 1.0,
        .ln_f_final = ln_f_final, .walkers = 2, .seed = seed, .approach_sweeps = 10000,
        .windows = 1, .overlap = 0.75, .burn_in = 2000, .target_acceptance = 0.5,
        .dt = NAN, .kernel = kernel, .mala = 1, .groups = 2, .tolerance = 100,
        .refine = {1, 1},
    };
    return p;
}

static es_dos *run(const es_wl_params *p, const es_grid *g, const es_model *m)
{
    es_err err = {0};
    es_dos *d = es_dos_alloc((size_t)g->x_bins, (size_t)g->y_bins, &err);
    assert_non_null(d);
    if (es_wl_run(p, g, m, d, NULL, NULL, NULL, &err) != ES_OK)
        fail_msg("es_wl_run: %s", err.msg);
    return d;
}

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
    printf("    %s: ln g spans %.1f nats, max |delta ln g| = %.4f, %llu steps\n", label, hi - lo,
           worst, (unsigned long long)d->sweeps);
    return worst;
}

/* 1-D, n = 10 |w| in [-1, 1], x = mean |w| over [0.15, 0.85) in 20 bins: the upper end has
 * most |w| near the wall, so the folded proposal density must be right there. Tolerance 0.1
 * nats (as for single-parameter moves); kernel sigma 0.5 bins and the single-bin update. At
 * ln f = 4e-6 seeds 21-25 gave 0.015-0.04; the error sits in the rare top bins and falls as
 * sqrt(ln f) (on 30 bins to 0.9: 0.06-0.12 at 1e-5, 0.01-0.03 at 1e-6), so it is statistics. */
static void check_particles_1d(double kernel, uint64_t seed, const char *label)
{
    es_err err = {0};
    es_model *m = es_particles_create(10, 0, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    assert_int_equal(es_grid_init(&g, 1, 20, 0.15, 0.85, 1, 0, 1, &err), ES_OK);
    es_wl_params p = md_params(4e-6, kernel, seed);
    es_dos *d = run(&p, &g, m);
    double exact[20];
    assert_int_equal(es_exact_particles_log_p(10, "abs", 1.0, d->x_edges, 20, exact, &err), ES_OK);
    normalise(exact, 20);
    assert_at_most(max_abs_error(d, exact, 20, 7, label), 0.1, "max |delta ln g|");
    assert_int_equal(d->converged, 1);
    assert_string_equal(d->method, "wlmd");
    es_dos_free(d);
    es_model_free(m);
}

static void test_particles_1d_kernel(void **state)
{
    (void)state;
    check_particles_1d(0.5, 21, "wlmd particles 1-D, kernel 0.5 bins");
}

static void test_particles_1d_one_bin(void **state)
{
    (void)state;
    check_particles_1d(0.0, 22, "wlmd particles 1-D, one-bin update");
}

/* 2-D, n = 20 split 10/10: g(x, y) = P_10(x) P_10(y) on 8 x 8 bins over [0.2, 0.8)^2. */
static void test_particles_2d(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(20, 10, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    es_grid_init(&g, 2, 8, 0.2, 0.8, 8, 0.2, 0.8, &err);
    es_wl_params p = md_params(2e-5, 0.5, 23);
    es_dos *d = run(&p, &g, m);
    double exact[8 * 8];
    assert_int_equal(es_exact_particles_log_p_2d(20, 10, "abs", 1.0, d->x_edges, 8, d->y_edges,
                                                 8, exact, &err), ES_OK);
    normalise(exact, 8 * 8);
    assert_at_most(max_abs_error(d, exact, 8 * 8, 6, "wlmd particles 2-D"), 0.1,
                   "max |delta ln g|");
    es_dos_free(d);
    es_model_free(m);
}

/* Same seed and layout, 1 or 2 threads: bit-identical ln g. */
static void test_deterministic_across_threads(void **state)
{
    (void)state;
#ifdef _OPENMP
    es_err err = {0};
    es_model *m = es_particles_create(10, 0, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    es_grid_init(&g, 1, 20, 0.2, 0.8, 1, 0, 1, &err);
    es_wl_params p = md_params(1e-3, 1.0, 5);
    p.max_sweeps = 200000;
    int saved = omp_get_max_threads();
    omp_set_num_threads(1);
    es_dos *a = run(&p, &g, m);
    omp_set_num_threads(2);
    es_dos *b = run(&p, &g, m);
    omp_set_num_threads(saved);
    for (int i = 0; i < 20; i++)
        if (memcmp(&a->log_g[i], &b->log_g[i], sizeof(double)) != 0)
            fail_msg("bin %d: ln g %.17g with 1 thread, %.17g with 2", i, a->log_g[i], b->log_g[i]);
    es_dos_free(a);
    es_dos_free(b);
    es_model_free(m);
#endif
}

/* Packing a run half-way and continuing from the records gives the same ln g, bit for bit,
 * as running straight through (the tuned dt travels with the walkers). */
static void test_pack_resume_identical(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(10, 0, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    es_grid_init(&g, 1, 20, 0.2, 0.8, 1, 0, 1, &err);
    es_wl_params p = md_params(1e-3, 1.0, 6);
    p.check_every = 5000;
    es_wl *a = es_wl_alloc(&p, &g, m, &err);
    assert_non_null(a);
    for (int i = 0; i < 6; i++)
        assert_int_equal(es_wl_advance(a, &err), ES_OK);
    es_records recs = {0}, *rs = &recs;
    assert_int_equal(es_wl_pack(a, rs, &err), ES_OK);
    es_wl *b = es_wl_alloc(&p, &g, m, &err);
    if (es_wl_unpack(b, rs, &err) != ES_OK)
        fail_msg("unpack: %s", err.msg);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(es_wl_advance(a, &err), ES_OK);
        assert_int_equal(es_wl_advance(b, &err), ES_OK);
    }
    es_dos *da = es_dos_alloc(20, 1, &err), *db = es_dos_alloc(20, 1, &err);
    assert_int_equal(es_wl_result(a, da, &err), ES_OK);
    assert_int_equal(es_wl_result(b, db, &err), ES_OK);
    for (int i = 0; i < 20; i++)
        if (memcmp(&da->log_g[i], &db->log_g[i], sizeof(double)) != 0)
            fail_msg("bin %d: ln g %.17g straight through, %.17g resumed", i, da->log_g[i],
                     db->log_g[i]);
    es_dos_free(da);
    es_dos_free(db);
    es_records_clear(rs);
    es_wl_free(a);
    es_wl_free(b);
    es_model_free(m);
}

/* The Ising model has no gradient: refused with a configuration error naming the method. */
static void test_refuses_models_without_gradient(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(4, &err);
    assert_non_null(m);
    es_grid g;
    es_grid_init(&g, 1, 17, -32.5, 35.5, 1, 0, 1, &err);
    es_wl_params p = md_params(1e-3, 1.0, 1);
    es_wl *wl = es_wl_alloc(&p, &g, m, &err);
    assert_null(wl);
    assert_int_equal(err.status, ES_ECONFIG);
    assert_non_null(strstr(err.msg, "wlmd"));
    es_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_particles_1d_kernel),
        cmocka_unit_test(test_particles_1d_one_bin),
        cmocka_unit_test(test_particles_2d),
        cmocka_unit_test(test_deterministic_across_threads),
        cmocka_unit_test(test_pack_resume_identical),
        cmocka_unit_test(test_refuses_models_without_gradient),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
