/* test_ckpt_guard.c: checkpoints are not trusted blindly. A real checkpoint is edited by hand
 * (through HDF5, so its checksums stay right: the range checks must catch it) or has bytes
 * flipped on disk (the Fletcher32 checksum must catch it); `run --resume` must refuse each
 * with exit 2 and a message naming what is wrong, instead of crashing or resuming garbage. */
#include "testutil.h"

#include <hdf5.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char out[65536];
static const char *cfg;
static char base[600]; /* a good checkpoint */

static const char *bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

static const char *tmp(const char *name)
{
    static char buf[8][600];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 600, "%s/%s", tu_tmpdir(), name);
    return p;
}

static int setup(void **state)
{
    (void)state;
    cfg = tu_write_file("g.ini", "[task]\nname = ising\nL = 8\n"
                                 "[sampler]\nx_bins = 65\nx_min = -130\nx_max = 130\n"
                                 "walkers = 2\nln_f_final = 1e-9\nseed = 4\n"
                                 "[output]\ncheckpoint_every = 0\n");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s run %s -o %s -q --set sampler.max_seconds=0.3", bin(), cfg,
             tmp("g.h5"));
    if (tu_run(cmd, out, sizeof out) != 0) {
        fprintf(stderr, "setup run failed:\n%s", out);
        return -1;
    }
    snprintf(base, sizeof base, "%s", tmp("g.ckpt.h5"));
    return access(base, F_OK);
}

/* A copy of the good checkpoint under name. */
static const char *copy(const char *name)
{
    const char *p = tmp(name);
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp %s %s", base, p);
    assert_int_equal(tu_run(cmd, NULL, 0), 0);
    return p;
}

/* Set element i of dataset /checkpoint/NAME (memory type t) to *value, through HDF5. */
static void poke(const char *file, const char *name, hid_t t, size_t i, const void *value)
{
    char path[128];
    snprintf(path, sizeof path, "/checkpoint/%s", name);
    hid_t f = H5Fopen(file, H5F_ACC_RDWR, H5P_DEFAULT);
    hid_t d = f >= 0 ? H5Dopen2(f, path, H5P_DEFAULT) : -1;
    if (d < 0)
        fail_msg("%s: no dataset %s (has the checkpoint layout changed?)", file, path);
    hid_t s = H5Dget_space(d);
    size_t n = (size_t)H5Sget_simple_extent_npoints(s), size = H5Tget_size(t);
    assert_true(i < n);
    unsigned char *buf = malloc(n * size);
    assert_true(H5Dread(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    memcpy(buf + i * size, value, size);
    assert_true(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0);
    free(buf);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
}

/* Element i of /checkpoint/NAME as int64. */
static int64_t peek_i64(const char *file, const char *name, size_t i)
{
    char path[128];
    snprintf(path, sizeof path, "/checkpoint/%s", name);
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    int64_t v[16] = {0};
    assert_true(d >= 0 && H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Fclose(f);
    return v[i];
}

/* Resume from ckpt: exit 2 and every needle in the message. */
static void expect_refused(const char *ckpt, const char **needles)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s run %s -o %s.out.h5 -q --set sampler.max_seconds=0.3 "
             "--resume %s", bin(), cfg, ckpt, ckpt);
    int rc = tu_run(cmd, out, sizeof out);
    if (rc != 2)
        fail_msg("resume from %s: exit %d, expected 2 (refused); output:\n%s", ckpt, rc, out);
    for (const char **n = needles; *n; n++)
        if (!strstr(out, *n))
            fail_msg("resume from %s: message lacks \"%s\":\n%s", ckpt, *n, out);
}

static void test_good_checkpoint_resumes(void **state)
{
    (void)state;
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s run %s -o %s -q --set sampler.max_seconds=0.3 --resume %s",
             bin(), cfg, tmp("resumed.h5"), copy("good.ckpt.h5"));
    if (tu_run(cmd, out, sizeof out) != 0)
        fail_msg("an untouched checkpoint was refused:\n%s", out);
}

static void test_walker_bin_out_of_range(void **state)
{
    (void)state;
    const char *a = copy("bin-7.ckpt.h5"), *b = copy("bin1e9.ckpt.h5");
    int64_t v = -7;
    poke(a, "w0/walker0/i64", H5T_NATIVE_INT64, 0, &v);
    expect_refused(a, (const char *[]){"walker 0", "bin -7", NULL});
    v = 1000000000;
    poke(b, "w1/walker0/i64", H5T_NATIVE_INT64, 0, &v);
    expect_refused(b, (const char *[]){"window 1", "walker 0", "bin 1000000000", NULL});
}

static void test_nan_ln_g(void **state)
{
    (void)state;
    const char *a = copy("nan.ckpt.h5");
    int64_t where = peek_i64(a, "w0/walker0/i64", 0); /* a bin the walker stands in: reached */
    double nan = NAN;
    poke(a, "w0/ln_g", H5T_NATIVE_DOUBLE, (size_t)where, &nan);
    char bin_name[32];
    snprintf(bin_name, sizeof bin_name, "bin %lld", (long long)where);
    expect_refused(a, (const char *[]){"ln g = nan", bin_name, NULL});
}

static void test_phase_and_ln_f(void **state)
{
    (void)state;
    const char *a = copy("phase.ckpt.h5"), *b = copy("lnf.ckpt.h5");
    uint64_t phase = 77;
    poke(a, "w0/u64", H5T_NATIVE_UINT64, 0, &phase);
    expect_refused(a, (const char *[]){"phase = 77", "allowed", NULL});
    double lnf = -0.5;
    poke(b, "w0/f64", H5T_NATIVE_DOUBLE, 0, &lnf);
    expect_refused(b, (const char *[]){"ln f = -0.5", NULL});
}

static void test_bad_rng_state(void **state)
{
    (void)state;
    const char *a = copy("rng.ckpt.h5");
    int32_t mti = 100000; /* GSL's mt19937 state: 624 words, then the index */
    unsigned char bytes[4];
    memcpy(bytes, &mti, 4);
    for (int k = 0; k < 4; k++)
        poke(a, "w0/walker0/rng", H5T_NATIVE_UINT8, 624 * sizeof(unsigned long) + (size_t)k,
             &bytes[k]);
    expect_refused(a, (const char *[]){"walker 0", "random-stream index 100000", NULL});
}

/* Bytes of ln g flipped on disk, behind HDF5's back: the checksum refuses the dataset. */
static void test_flipped_bytes(void **state)
{
    (void)state;
    const char *a = copy("flip.ckpt.h5");
    hid_t f = H5Fopen(a, H5F_ACC_RDONLY, H5P_DEFAULT);
    hid_t d = H5Dopen2(f, "/checkpoint/w0/ln_g", H5P_DEFAULT);
    haddr_t addr = HADDR_UNDEF;
    hsize_t size = 0;
    hid_t s = H5Dget_space(d);
    herr_t rc = H5Dget_chunk_info(d, s, 0, NULL, NULL, &addr, &size);
    H5Sclose(s);
    H5Dclose(d);
    H5Fclose(f);
    if (rc < 0 || addr == HADDR_UNDEF)
        fail_msg("/checkpoint/w0/ln_g is not stored in a chunk: no checksum");
    FILE *fp = fopen(a, "r+b");
    assert_non_null(fp);
    for (int k = 0; k < 3; k++) {
        assert_int_equal(fseek(fp, (long)addr + 40 + k, SEEK_SET), 0);
        int c = fgetc(fp);
        assert_int_equal(fseek(fp, (long)addr + 40 + k, SEEK_SET), 0);
        fputc(c ^ 0x5a, fp);
    }
    fclose(fp);
    expect_refused(a, (const char *[]){"w0/ln_g", "checksum", NULL});
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_good_checkpoint_resumes),
        cmocka_unit_test(test_walker_bin_out_of_range),
        cmocka_unit_test(test_nan_ln_g),
        cmocka_unit_test(test_phase_and_ln_f),
        cmocka_unit_test(test_bad_rng_state),
        cmocka_unit_test(test_flipped_bytes),
    };
    return cmocka_run_group_tests_name("checkpoint guard", tests, setup, NULL);
}
