/* test_rng.c: per-walker random streams: known values, reproducibility, independence. */
#include "testutil.h"
#include "entroscape/rng.h"

#include <stdlib.h>

/* GSL's own rng/test.c: mt19937 seeded with 4357, the 1000th draw is 1186927261. This pins the
 * generator we build on (and catches a GSL whose mt19937 seeding changed). */
static void test_gsl_mt19937_known_value(void **state)
{
    (void)state;
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    gsl_rng_set(r, 4357);
    unsigned long k = 0;
    for (int i = 0; i < 1000; i++)
        k = gsl_rng_get(r);
    gsl_rng_free(r);
    if (k != 1186927261UL)
        fail_msg("mt19937(4357) draw 1000: value %lu, expected 1186927261 (GSL rng/test.c)", k);
}

/* SplitMix64 from state 0: first output 0xe220a8397b1dcdaf (Steele, Lea, Flood 2014 reference
 * implementation; also the first value of Java's SplittableRandom(0).nextLong()). */
static void test_splitmix64_known_value(void **state)
{
    (void)state;
    uint64_t v = es_splitmix64(0);
    if (v != 0xe220a8397b1dcdafULL)
        fail_msg("splitmix64(0): value %#llx, expected 0xe220a8397b1dcdaf", (unsigned long long)v);
}

/* The same (seed, stream) always gives the same numbers. */
static void test_stream_reproducible(void **state)
{
    (void)state;
    es_err err = {0};
    gsl_rng *a = es_rng_alloc(42, 3, &err), *b = es_rng_alloc(42, 3, &err);
    assert_non_null(a);
    assert_non_null(b);
    for (int i = 0; i < 10000; i++)
        assert_int_equal(gsl_rng_get(a), gsl_rng_get(b));
    gsl_rng_free(a);
    gsl_rng_free(b);
}

/* Distinct streams of one seed, and one stream of distinct seeds, get distinct MT seeds
 * (no collision among 4096 walkers x 8 seeds) and uncorrelated outputs. */
static void test_streams_distinct_and_uncorrelated(void **state)
{
    (void)state;
    enum { W = 4096, S = 8 };
    unsigned long *seeds = malloc(sizeof(unsigned long) * W * S);
    for (int s = 0; s < S; s++)
        for (int w = 0; w < W; w++)
            seeds[s * W + w] = es_rng_stream_seed((uint64_t)s, (uint64_t)w);
    for (int i = 0; i < W * S; i++)
        for (int j = i + 1; j < W * S; j++)
            if (seeds[i] == seeds[j])
                fail_msg("streams %d and %d share the MT seed %lu", i, j, seeds[i]);
    free(seeds);

    /* Correlation of uniforms of walkers 0 and 1 over n draws: |r| <= 5/sqrt(n) (5 sigma). */
    es_err err = {0};
    gsl_rng *a = es_rng_alloc(7, 0, &err), *b = es_rng_alloc(7, 1, &err);
    const int n = 200000;
    double sa = 0, sb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++) {
        double u = gsl_rng_uniform(a), v = gsl_rng_uniform(b);
        sa += u, sb += v, sab += u * v, saa += u * u, sbb += v * v;
    }
    double cov = sab / n - (sa / n) * (sb / n);
    double r = cov / sqrt((saa / n - (sa / n) * (sa / n)) * (sbb / n - (sb / n) * (sb / n)));
    assert_close(r, 0.0, 5.0 / sqrt((double)n), "correlation of walker streams 0 and 1");
    assert_close(sa / n, 0.5, 5.0 * sqrt(1.0 / 12.0 / n), "mean of stream 0 uniforms");
    gsl_rng_free(a);
    gsl_rng_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_gsl_mt19937_known_value),
        cmocka_unit_test(test_splitmix64_known_value),
        cmocka_unit_test(test_stream_reproducible),
        cmocka_unit_test(test_streams_distinct_and_uncorrelated),
    };
    return cmocka_run_group_tests_name("rng", tests, NULL, NULL);
}
