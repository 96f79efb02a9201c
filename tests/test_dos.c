/* test_dos.c: the density-of-states container: allocation, history, normalisation.
 * Reference values are worked by hand in the comments beside them. */
#include "testutil.h"

#include "entroscape/dos.h"

#include <stdint.h>
#include <string.h>

static void test_alloc_defaults(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = es_dos_alloc(3, 2, &err);
    assert_non_null(d);
    assert_int_equal(err.status, ES_OK);
    assert_int_equal(d->x_bins, 3);
    assert_int_equal(d->y_bins, 2);
    for (size_t k = 0; k < 6; k++) {
        assert_true(isinf(d->log_g[k]) && d->log_g[k] < 0);   /* exactly -inf */
        assert_int_equal(d->histogram[k], 0);
    }
    for (size_t i = 0; i < 4; i++)
        assert_close(d->x_edges[i], 0.0, 0.0, "x edge (exact)");
    for (size_t j = 0; j < 3; j++)
        assert_close(d->y_edges[j], 0.0, 0.0, "y edge (exact)");
    assert_int_equal(d->n_stages, 0);
    assert_null(d->stages);
    assert_string_equal(d->y_variable, "");   /* 2-D: the sampler names y */
    es_dos_free(d);

    d = es_dos_alloc(7, 1, &err);             /* 1-D convention: y_variable "none" */
    assert_non_null(d);
    assert_string_equal(d->y_variable, "none");
    es_dos_free(d);
}

static void test_alloc_rejects_zero_bins(void **state)
{
    (void)state;
    es_err err = {0};
    assert_null(es_dos_alloc(0, 1, &err));
    assert_int_equal(err.status, ES_ERUNTIME);
    assert_non_null(strstr(err.msg, "x_bins = 0"));
    es_err err2 = {0};
    assert_null(es_dos_alloc(4, 0, &err2));
    assert_int_equal(err2.status, ES_ERUNTIME);
    assert_non_null(strstr(err2.msg, "y_bins = 0"));
    es_err err3 = {0};
    assert_null(es_dos_alloc(SIZE_MAX / 2, 4, &err3));   /* product overflows */
    assert_int_equal(err3.status, ES_ERUNTIME);
    es_dos_free(NULL);   /* NULL-safe */
}

static void test_add_stage(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = es_dos_alloc(2, 1, &err);
    assert_non_null(d);
    for (int i = 0; i < 5; i++) {
        es_dos_stage s = {(uint64_t)(100 * i), 1.0 / (1 << i), 0.5 + 0.1 * i, 2.0 * i};
        assert_int_equal(es_dos_add_stage(d, s, &err), ES_OK);
    }
    assert_int_equal(d->n_stages, 5);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(d->stages[i].sweeps, 100 * i);
        assert_close(d->stages[i].ln_f, 1.0 / (1 << i), 0.0, "stage ln_f (exact copy)");
        assert_close(d->stages[i].flatness, 0.5 + 0.1 * i, 0.0, "stage flatness (exact copy)");
        assert_close(d->stages[i].seconds, 2.0 * i, 0.0, "stage seconds (exact copy)");
    }
    es_dos_free(d);
}

static void test_normalize_known_values(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = es_dos_alloc(2, 2, &err);
    assert_non_null(d);
    /* g = {1, 3, unvisited, 4}: total 8, so ln g becomes ln(1/8), ln(3/8), -inf, ln(1/2). */
    d->log_g[0] = log(1.0);
    d->log_g[1] = log(3.0);
    d->log_g[3] = log(4.0);
    es_dos_normalize(d);
    assert_close(d->log_g[0], log(1.0 / 8.0), 1e-15, "ln(1/8)");
    assert_close(d->log_g[1], log(3.0 / 8.0), 1e-15, "ln(3/8)");
    assert_true(isinf(d->log_g[2]) && d->log_g[2] < 0);
    assert_close(d->log_g[3], log(0.5), 1e-15, "ln(1/2)");
    double sum = exp(d->log_g[0]) + exp(d->log_g[1]) + exp(d->log_g[3]);
    assert_close(sum, 1.0, 1e-15, "sum of g after normalize");
    es_dos_free(d);
}

static void test_normalize_is_stable(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = es_dos_alloc(3, 1, &err);
    assert_non_null(d);
    /* exp(1000) overflows a double; log-sum-exp must still give ln(1/4), ln(3/4). */
    d->log_g[0] = 1000.0;
    d->log_g[1] = 1000.0 + log(3.0);
    es_dos_normalize(d);
    assert_close(d->log_g[0], log(0.25), 1e-12, "ln(1/4) from huge values");
    assert_close(d->log_g[1], log(0.75), 1e-12, "ln(3/4) from huge values");
    assert_true(isinf(d->log_g[2]) && d->log_g[2] < 0);
    /* and tiny ones: exp(-1000) underflows to 0. */
    d->log_g[0] = -1000.0;
    d->log_g[1] = -1000.0 + log(3.0);
    es_dos_normalize(d);
    assert_close(d->log_g[0], log(0.25), 1e-12, "ln(1/4) from tiny values");
    assert_close(d->log_g[1], log(0.75), 1e-12, "ln(3/4) from tiny values");
    es_dos_free(d);
}

static void test_normalize_nothing_visited(void **state)
{
    (void)state;
    es_err err = {0};
    es_dos *d = es_dos_alloc(4, 1, &err);
    assert_non_null(d);
    es_dos_normalize(d);   /* no finite bin: unchanged, no NaN */
    for (size_t k = 0; k < 4; k++)
        assert_true(isinf(d->log_g[k]) && d->log_g[k] < 0);
    es_dos_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_alloc_defaults),
        cmocka_unit_test(test_alloc_rejects_zero_bins),
        cmocka_unit_test(test_add_stage),
        cmocka_unit_test(test_normalize_known_values),
        cmocka_unit_test(test_normalize_is_stable),
        cmocka_unit_test(test_normalize_nothing_visited),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
