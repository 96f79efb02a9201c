/* test_models.c: one conformance suite run against every model behind the ops table, plus
 * model-specific known values. */
#include "testutil.h"
#include "entroscape/models.h"
#include "entroscape/rng.h"

#include <stdlib.h>
#include <string.h>

typedef struct model_case {
    const char *label;
    es_model *(*make)(es_err *err);
} model_case;

static es_model *make_particles_abs_1d(es_err *e) { return es_particles_create(50, 0, ES_POT_ABS, 1.0, 0.5, e); }
static es_model *make_particles_sq_2d(es_err *e) { return es_particles_create(30, 10, ES_POT_SQUARE, 2.0, 0.7, e); }
static es_model *make_ising_6(es_err *e) { return es_ising_create(6, e); }
static es_model *make_ising_5(es_err *e) { return es_ising_create(5, e); }

static const model_case cases[] = {
    {"particles abs 1-D", make_particles_abs_1d},
    {"particles square 2-D", make_particles_sq_2d},
    {"ising L=6", make_ising_6},
    {"ising L=5 (odd)", make_ising_5},
};

/* Relative tolerance for incremental vs full evaluation after many moves: sums of O(100)
 * terms of size O(1) accumulate rounding of order 1e-16 per move; 1e-12 leaves margin. */
#define INCR_TOL 1e-12

static void check_close_rel(double a, double b, const char *what, const char *label, long step)
{
    double tol = INCR_TOL * fmax(1.0, fabs(b));
    if (!(fabs(a - b) <= tol))
        fail_msg("%s, %s after %ld moves: value %.17g, expected %.17g, tolerance %.3g", label, what,
                 step, a, b, tol);
}

/* Incremental observe_proposed agrees with accept + full recompute; reject changes nothing. */
static void test_conformance_incremental(void **state)
{
    (void)state;
    for (size_t c = 0; c < ES_ARRAY_LEN(cases); c++) {
        es_err err = {0};
        es_model *m = cases[c].make(&err);
        assert_non_null(m);
        const es_model_ops *ops = m->ops;
        gsl_rng *rng = es_rng_alloc(11, c, &err);
        ops->randomize(m->ctx, rng);
        size_t ss = ops->state_size(m->ctx);
        unsigned char *before = malloc(ss), *after = malloc(ss);
        for (long step = 0; step < 20000; step++) {
            double x0 = 0, y0 = 0, xp = 0, yp = 0, xf = 0, yf = 0;
            ops->observe(m->ctx, &x0, &y0);
            if (ops->propose(m->ctx, rng) != ES_OK) {
                ops->reject(m->ctx);
                continue;
            }
            ops->observe_proposed(m->ctx, &xp, &yp);
            if (gsl_rng_uniform(rng) < 0.5) {
                ops->save_state(m->ctx, before);
                ops->reject(m->ctx);
                ops->save_state(m->ctx, after);
                if (memcmp(before, after, ss) != 0)
                    fail_msg("%s: reject changed the state at move %ld", cases[c].label, step);
                ops->observe(m->ctx, &xf, &yf);
                check_close_rel(xf, x0, "x after reject", cases[c].label, step);
                continue;
            }
            ops->accept(m->ctx);
            ops->observe(m->ctx, &xf, &yf);
            check_close_rel(xf, xp, "x accepted vs proposed", cases[c].label, step);
            if (m->dims == 2)
                check_close_rel(yf, yp, "y accepted vs proposed", cases[c].label, step);
            if (step % 997 == 0) {
                double drift = ops->recompute(m->ctx);
                assert_at_most(drift, INCR_TOL, cases[c].label);
                double xr = 0, yr = 0;
                ops->observe(m->ctx, &xr, &yr);
                check_close_rel(xr, xf, "x recomputed vs incremental", cases[c].label, step);
            }
        }
        free(before);
        free(after);
        gsl_rng_free(rng);
        es_model_free(m);
    }
}

/* save_state / load_state round trip; clones share no state with the original. */
static void test_conformance_state_and_clone(void **state)
{
    (void)state;
    for (size_t c = 0; c < ES_ARRAY_LEN(cases); c++) {
        es_err err = {0};
        es_model *m = cases[c].make(&err);
        gsl_rng *rng = es_rng_alloc(5, c, &err);
        m->ops->randomize(m->ctx, rng);
        size_t ss = m->ops->state_size(m->ctx);
        unsigned char *s0 = malloc(ss), *s1 = malloc(ss);
        m->ops->save_state(m->ctx, s0);
        double x0 = 0, y0 = 0;
        m->ops->observe(m->ctx, &x0, &y0);

        es_model *k = es_model_clone(m, &err);
        assert_non_null(k);
        for (int i = 0; i < 1000; i++) /* move the clone a lot */
            if (k->ops->propose(k->ctx, rng) == ES_OK)
                k->ops->accept(k->ctx);
            else
                k->ops->reject(k->ctx);
        m->ops->save_state(m->ctx, s1);
        if (memcmp(s0, s1, ss) != 0)
            fail_msg("%s: moving a clone changed the original", cases[c].label);

        k->ops->save_state(k->ctx, s1); /* load the original's state into the clone */
        assert_int_equal(k->ops->load_state(k->ctx, s0, &err), ES_OK);
        double xk = 0, yk = 0;
        k->ops->observe(k->ctx, &xk, &yk);
        assert_close(xk, x0, 1e-12 * fmax(1, fabs(x0)), cases[c].label);
        es_model_free(k);
        free(s0);
        free(s1);
        gsl_rng_free(rng);
        es_model_free(m);
    }
}

/* Ising: all spins up has E = -2N; the checkerboard (even L) has E = +2N; one flipped spin in
 * the all-up state costs +8. ln_volume = N ln 2. */
static void test_ising_known_energies(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_ising_create(4, &err);
    const long N = 16;
    int8_t s[16];
    double x = 0, y = 0;
    memset(s, 1, sizeof s);
    assert_int_equal(m->ops->load_state(m->ctx, s, &err), ES_OK);
    m->ops->observe(m->ctx, &x, &y);
    assert_close(x, -2.0 * N, 0, "all-up energy");
    for (int r = 0; r < 4; r++)
        for (int c = 0; c < 4; c++)
            s[r * 4 + c] = (r + c) % 2 ? -1 : 1;
    m->ops->load_state(m->ctx, s, &err);
    m->ops->observe(m->ctx, &x, &y);
    assert_close(x, 2.0 * N, 0, "checkerboard energy");
    memset(s, 1, sizeof s);
    s[5] = -1;
    m->ops->load_state(m->ctx, s, &err);
    m->ops->observe(m->ctx, &x, &y);
    assert_close(x, -2.0 * N + 8, 0, "one flipped spin");
    assert_close(m->ops->ln_volume(m->ctx), N * log(2.0), 1e-12, "ising ln_volume");
    s[0] = 3;
    assert_int_equal(m->ops->load_state(m->ctx, s, &err), ES_EDATA);
    es_model_free(m);
}

/* Particles: moves leaving the box are ES_EDOM; x, y are the means of phi; ln_volume. */
static void test_particles_box_and_means(void **state)
{
    (void)state;
    es_err err = {0};
    es_model *m = es_particles_create(4, 2, ES_POT_SQUARE, 1.5, 1.0, &err);
    double w[4] = {0.5, -1.0, 1.5, -0.25};
    assert_int_equal(m->ops->load_state(m->ctx, w, &err), ES_OK);
    double x = 0, y = 0;
    m->ops->observe(m->ctx, &x, &y);
    assert_close(x, (0.25 + 1.0) / 2, 1e-15, "mean square of first two");
    assert_close(y, (2.25 + 0.0625) / 2, 1e-15, "mean square of last two");
    assert_close(m->ops->ln_volume(m->ctx), 4 * log(3.0), 1e-12, "particles ln_volume");
    gsl_rng *rng = es_rng_alloc(1, 0, &err);
    long out = 0, n = 20000;
    for (long i = 0; i < n; i++) {
        es_status st = m->ops->propose(m->ctx, rng);
        if (st == ES_EDOM)
            out++;
        m->ops->reject(m->ctx);
    }
    /* With step 1.0: a move leaves the box with probability (1/4) sum_i P(|w_i + U(-1,1)| > 1.5)
     * = (1/4) (0 + 0.25 + 0.5 + 0) = 0.1875; binomial 5-sigma tolerance. */
    double p = (double)out / n;
    assert_close(p, 0.1875, 5 * sqrt(0.1875 * 0.8125 / n), "fraction of moves leaving the box");
    double bad[4] = {0, 0, 2.0, 0};
    assert_int_equal(m->ops->load_state(m->ctx, bad, &err), ES_EDATA);
    gsl_rng_free(rng);
    es_model_free(m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance_incremental),
        cmocka_unit_test(test_conformance_state_and_clone),
        cmocka_unit_test(test_ising_known_energies),
        cmocka_unit_test(test_particles_box_and_means),
    };
    return cmocka_run_group_tests_name("models", tests, NULL, NULL);
}
