/* test_rewl.c: replica-exchange windows (exact answers through windows and stitching) and
 * checkpoint packing (a packed and resumed run equals an uninterrupted one bit for bit). */
#include "testutil.h"
#include "entroscape/exact.h"
#include "entroscape/models.h"
#include "entroscape/wl.h"

#include <stdlib.h>
#include <string.h>

static es_wl_params params(int windows, int walkers, double ln_f_final, uint64_t seed)
{
    es_wl_params p = {
        .method = ES_WL_1T, .flatness = 0.8, .ln_f_initial = 1.0, .ln_f_final = ln_f_final,
        .walkers = walkers, .seed = seed, .approach_sweeps = 100000, .windows = windows,
        .overlap = 0.75, .groups = 2, .tolerance = 100, .refine = {1, 1},
    };
    return p;
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

static es_dos *run(const es_wl_params *p, const es_grid *g, const es_model *m)
{
    es_err err = {0};
    es_dos *d = es_dos_alloc((size_t)g->x_bins, (size_t)g->y_bins, &err);
    if (es_wl_run(p, g, m, d, NULL, NULL, NULL, &err) != ES_OK)
        fail_msg("es_wl_run: %s", err.msg);
    return d;
}

/* Particles 2-D (n = 100, split 50, |w|) with 4 windows along x x 2 walkers each: the stitched
 * ln g within max |delta ln g| <= 0.1 of the exact product of Irwin-Hall answers (the
 * replica-exchange issue's acceptance). */
static void test_particles_2d_four_windows(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(100, 50, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    es_grid_init(&g, 2, 16, 0.2, 0.7, 14, 0.2, 0.7, &err);
    es_wl_params p = params(4, 2, 1e-6, 21);
    es_dos *d = run(&p, &g, m);
    double exact[16 * 14];
    es_exact_particles_log_p_2d(100, 50, "abs", 1.0, d->x_edges, 16, d->y_edges, 14, exact, &err);
    normalise(exact, 16 * 14);
    double worst = 0;
    for (int b = 0; b < 16 * 14; b++)
        worst = fmax(worst, fabs(d->log_g[b] - exact[b]));
    assert_int_equal(d->n_windows, 4 * 2); /* 4 windows in each of 2 groups, group after group */
    uint64_t tried = 0, acc = 0;
    for (int k = 0; k < 3; k++)
        tried += d->exchange_tried[k], acc += d->exchange_accepted[k];
    printf("    4 windows x 2 walkers: max |delta ln g| = %.4f, exchanges %llu/%llu accepted, "
           "%llu round trips\n", worst, (unsigned long long)acc, (unsigned long long)tried,
           (unsigned long long)d->round_trips);
    assert_at_most(worst, 0.1, "max |delta ln g| with 4 windows");
    assert_true(acc > 0);
    assert_int_equal(d->converged, 1);
    es_dos_free(d);
    es_model_free(m);
}

/* Windows along y: particles 2-D with 3 windows x 1 walker cutting the y axis. */
static void test_particles_2d_windows_along_y(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(60, 30, ES_POT_ABS, 1.0, 1.0, &err);
    es_grid g;
    es_grid_init(&g, 2, 8, 0.3, 0.7, 12, 0.2, 0.7, &err);
    es_wl_params p = params(3, 1, 1e-6, 26);
    p.window_axis = 1;
    es_dos *d = run(&p, &g, m);
    double exact[8 * 12];
    es_exact_particles_log_p_2d(60, 30, "abs", 1.0, d->x_edges, 8, d->y_edges, 12, exact, &err);
    normalise(exact, 8 * 12);
    double worst = 0;
    for (int b = 0; b < 8 * 12; b++)
        worst = fmax(worst, fabs(d->log_g[b] - exact[b]));
    printf("    3 windows along y: max |delta ln g| = %.4f\n", worst);
    assert_at_most(worst, 0.1, "max |delta ln g| with windows along y");
    assert_int_equal(d->window_axis, 1);
    assert_int_equal(d->windows[2].hi, 12);
    es_dos_free(d);
    es_model_free(m);
}

/* Ising L = 8, 3 windows x 2 walkers along the energy: mean relative error of ln g against
 * Beale's exact answer <= 2e-3 (same bar as the single-window L = 16 test). */
static void test_ising8_windows(void **state)
{
    (void)state;
    es_err err = {0};
    char path[512];
    snprintf(path, sizeof path, "%s/ising_beale_L8.tsv", tu_fixture_dir());
    int L = 0;
    double *lg = NULL;
    if (es_exact_ising_load(path, &L, &lg, &err) != ES_OK)
        fail_msg("%s", err.msg);
    es_model *m = es_ising_create(8, &err);
    es_grid g;
    es_grid_init(&g, 1, 65, -130, 130, 1, 0, 1, &err);
    es_wl_params p = params(3, 2, 1e-6, 22);
    es_dos *d = run(&p, &g, m);
    double sum = 0;
    int n = 0;
    for (int j = 0; j <= 64; j++) {
        if (!isfinite(lg[j])) {
            assert_true(isinf(d->log_g[j]));
            continue;
        }
        sum += fabs(d->log_g[j] + d->ln_volume - lg[j]) / lg[j];
        n++;
    }
    printf("    ising L=8, 3 windows: mean relative error of ln g = %.2e\n", sum / n);
    assert_at_most(sum / n, 2e-3, "ising L=8 windows mean relative error");
    free(lg);
    es_dos_free(d);
    es_model_free(m);
}

/* Run `advances` segments, or pack after `split` of them and go on in a fresh run from the
 * records. The two final ln g must be identical to the bit. */
static es_dos *run_with_pack(const es_wl_params *p, const es_grid *g, const es_model *m,
                             int advances, int split)
{
    es_err err = {0};
    es_wl *wl = es_wl_alloc(p, g, m, &err);
    assert_non_null(wl);
    assert_int_equal(es_wl_start(wl, &err), ES_OK);
    for (int i = 0; i < advances; i++) {
        if (i == split) {
            es_records rs = {0};
            assert_int_equal(es_wl_pack(wl, &rs, &err), ES_OK);
            es_wl_free(wl);
            wl = es_wl_alloc(p, g, m, &err);
            if (es_wl_unpack(wl, &rs, &err) != ES_OK)
                fail_msg("unpack: %s", err.msg);
            es_records_clear(&rs);
        }
        assert_int_equal(es_wl_advance(wl, &err), ES_OK);
    }
    es_dos *d = es_dos_alloc((size_t)g->x_bins, (size_t)g->y_bins, &err);
    assert_int_equal(es_wl_result(wl, d, &err), ES_OK);
    es_wl_free(wl);
    return d;
}

static void test_pack_resume_bit_identical(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(6, &err);
    es_grid g;
    es_grid_init(&g, 1, 37, -74, 74, 1, 0, 1, &err);
    es_wl_params p = params(2, 2, 1e-8, 23);
    p.check_every = 20;
    es_dos *a = run_with_pack(&p, &g, m, 300, -1);
    for (int split = 1; split < 300; split += 97) {
        es_dos *b = run_with_pack(&p, &g, m, 300, split);
        if (memcmp(a->log_g, b->log_g, 37 * sizeof(double)) != 0 ||
            memcmp(a->histogram, b->histogram, 37 * sizeof(uint64_t)) != 0 ||
            a->round_trips != b->round_trips || a->exchange_accepted[0] != b->exchange_accepted[0])
            fail_msg("resumed after %d of 300 segments: result differs from the uninterrupted run",
                     split);
        es_dos_free(b);
    }
    es_dos_free(a);
    es_model_free(m);
}

/* A checkpoint of another layout is refused, naming what differs, and changes nothing. */
static void test_unpack_refuses_other_layout(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(4, &err);
    es_grid g;
    es_grid_init(&g, 1, 17, -34, 34, 1, 0, 1, &err);
    es_wl_params p = params(1, 2, 1e-3, 24), q = params(1, 3, 1e-3, 24);
    es_wl *a = es_wl_alloc(&p, &g, m, &err), *b = es_wl_alloc(&q, &g, m, &err);
    es_wl_start(a, &err);
    es_wl_advance(a, &err);
    es_records rs = {0};
    assert_int_equal(es_wl_pack(a, &rs, &err), ES_OK);
    es_err e2 = {0};
    assert_int_equal(es_wl_unpack(b, &rs, &e2), ES_EDATA);
    assert_non_null(strstr(e2.msg, "layout"));
    /* a damaged walker state (a spin of 3) is refused too */
    for (size_t i = 0; i < rs.n; i++)
        if (strcmp(rs.r[i].name, "w0/walker1/state") == 0)
            ((unsigned char *)rs.r[i].data)[0] = 3;
    es_wl *c = es_wl_alloc(&p, &g, m, &err);
    es_err e3 = {0};
    assert_int_equal(es_wl_unpack(c, &rs, &e3), ES_EDATA);
    es_records_clear(&rs);
    es_wl_free(a);
    es_wl_free(b);
    es_wl_free(c);
    es_model_free(m);
}

/* Equal windows cover the grid, overlap their neighbours; too many windows is an error. */
static void test_window_layout(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(4, &err);
    es_grid g;
    es_grid_init(&g, 1, 17, -34, 34, 1, 0, 1, &err);
    es_wl_params p = params(3, 1, 1e-3, 25);
    es_dos *d = run(&p, &g, m);
    assert_int_equal(d->n_windows, 3 * 2); /* 2 groups */
    assert_int_equal(d->windows[3].lo, 0);  /* the second group has the same layout */
    assert_int_equal(d->windows[5].hi, 17);
    assert_int_equal(d->windows[0].lo, 0);
    assert_int_equal(d->windows[2].hi, 17);
    for (int k = 0; k < 2; k++)
        assert_true(d->windows[k + 1].lo < d->windows[k].hi && d->windows[k + 1].lo > d->windows[k].lo);
    es_dos_free(d);
    es_wl_params bad = params(30, 1, 1e-3, 25);
    assert_null(es_wl_alloc(&bad, &g, m, &err));
    assert_int_equal(err.status, ES_ECONFIG);
    es_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_particles_2d_four_windows),
        cmocka_unit_test(test_particles_2d_windows_along_y),
        cmocka_unit_test(test_ising8_windows),
        cmocka_unit_test(test_pack_resume_bit_identical),
        cmocka_unit_test(test_unpack_refuses_other_layout),
        cmocka_unit_test(test_window_layout),
    };
    return cmocka_run_group_tests_name("rewl", tests, NULL, NULL);
}
