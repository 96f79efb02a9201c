/* test_limits.c: sizes and values read from files are checked before they are trusted: an IDX
 * header or a result file's bin edges cannot ask for gigabytes, a config that cannot be read
 * (or sets nothing) is an error rather than a run of every default, and sgd:FILE:RUN is
 * range-checked. */
#include "testutil.h"
#include "entroscape/data.h"
#include "entroscape/h5io.h"

#include <hdf5.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

static char out[65536];

static const char *bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

static void expect_contains(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output lacks \"%s\"; it was:\n%s", needle, out);
}

/* An IDX label file whose header declares 2^32 - 1 labels, holding 10: refused from the
 * file's size, before 4 GB are allocated. */
static void test_idx_header_bounded_by_file(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/huge-labels-idx1-ubyte.gz", tu_tmpdir());
    gzFile f = gzopen(path, "wb");
    unsigned char hdr[8] = {0, 0, 8, 1, 0xff, 0xff, 0xff, 0xff}, data[10] = {0};
    gzwrite(f, hdr, sizeof hdr);
    gzwrite(f, data, sizeof data);
    gzclose(f);
    es_idx idx;
    es_err err = {0};
    assert_int_equal(es_idx_read(path, 1, &idx, &err), ES_EDATA);
    if (!strstr(err.msg, "4294967295") || !strstr(err.msg, "more than a file"))
        fail_msg("unclear message: %s", err.msg);
}

/* A result file whose /dos/x_edges was replaced by 2^24 edges (stored lazily: the file stays
 * small): refused by shape before anything is allocated from them. */
static void test_result_edges_checked_before_allocation(void **state)
{
    (void)state;
    const char *cfg = tu_write_file("small.ini", "[task]\nname = ising\nL = 4\n"
                                                 "[sampler]\nx_bins = 17\nx_min = -34\n"
                                                 "x_max = 34\nln_f_final = 1e-3\n");
    char o[600], cmd[2048];
    snprintf(o, sizeof o, "%s/edges.h5", tu_tmpdir());
    snprintf(cmd, sizeof cmd, "%s run %s -o %s -q", bin(), cfg, o);
    if (tu_run(cmd, out, sizeof out) != 0)
        fail_msg("run failed:\n%s", out);
    hid_t file = H5Fopen(o, H5F_ACC_RDWR, H5P_DEFAULT);
    assert_true(file >= 0);
    assert_true(H5Ldelete(file, "/dos/x_edges", H5P_DEFAULT) >= 0);
    hsize_t dims[1] = {(hsize_t)1 << 24}, chunk[1] = {4096};
    hid_t space = H5Screate_simple(1, dims, NULL), dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, chunk);
    hid_t d = H5Dcreate2(file, "/dos/x_edges", H5T_IEEE_F64LE, space, H5P_DEFAULT, dcpl,
                         H5P_DEFAULT);
    assert_true(d >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(space);
    H5Fclose(file);
    es_err err = {0};
    es_dos *dos = es_h5_read_dos(o, &err);
    assert_null(dos);
    assert_int_equal(err.status, ES_EDATA);
    if (!strstr(err.msg, "log_g") || !strstr(err.msg, "16777215"))
        fail_msg("unclear message: %s", err.msg);
}

/* `run /dev/zero` with little memory: the config cannot be read (getline runs out of memory);
 * before, that counted as the end of the file and every default ran. */
static void test_unreadable_config_is_an_error(void **state)
{
    (void)state;
    if (getenv("ASAN_OPTIONS"))
        skip(); /* AddressSanitizer's shadow memory cannot live under ulimit -v */
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "ulimit -v 400000; %s run /dev/zero -o %s/zero.h5 -q "
             "--set sampler.max_seconds=2", bin(), tu_tmpdir());
    int rc = tu_run(cmd, out, sizeof out);
    if (rc != 2)
        fail_msg("run /dev/zero: exit %d, expected 2:\n%s", rc, out);
    expect_contains("/dev/zero");
    char path[600];
    snprintf(path, sizeof path, "%s/zero.h5", tu_tmpdir());
    assert_int_not_equal(access(path, F_OK), 0);
}

static void test_empty_config_is_an_error(void **state)
{
    (void)state;
    const char *cfg = tu_write_file("empty.ini", "; nothing here\n\n[sampler]\n");
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s run %s -o %s/empty.h5 -q --set sampler.max_seconds=1", bin(),
             cfg, tu_tmpdir());
    int rc = tu_run(cmd, out, sizeof out);
    if (rc != 2)
        fail_msg("empty config: exit %d, expected 2:\n%s", rc, out);
    expect_contains("empty.ini");
    expect_contains("[task]");
}

/* sampler.init = sgd:FILE:RUN with RUN = LONG_MAX (run + 1 overflowed) or beyond. */
static void test_sgd_run_out_of_range(void **state)
{
    (void)state;
    const char *tcfg = tu_write_file("t.ini", "[task]\nname = spiral\n[model]\nhidden = 4\n"
                                              "[train]\nepochs = 2\nruns = 2\n");
    char t[600], cmd[3000];
    snprintf(t, sizeof t, "%s/t.h5", tu_tmpdir());
    snprintf(cmd, sizeof cmd, "%s train %s -o %s --quiet", bin(), tcfg, t);
    if (tu_run(cmd, out, sizeof out) != 0)
        fail_msg("train failed:\n%s", out);
    const char *runs[] = {"9223372036854775807", "99999999999999999999999"};
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd, "%s run %s -o %s/s%d.h5 -q --set sampler.init=sgd:%s:%s "
                 "--set sampler.max_seconds=1", bin(), tcfg, tu_tmpdir(), k, t, runs[k]);
        int rc = tu_run(cmd, out, sizeof out);
        if (rc != 2)
            fail_msg("run %s: exit %d, expected 2:\n%s", runs[k], rc, out);
        expect_contains(runs[k]);
        expect_contains("out of range");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idx_header_bounded_by_file),
        cmocka_unit_test(test_result_edges_checked_before_allocation),
        cmocka_unit_test(test_unreadable_config_is_an_error),
        cmocka_unit_test(test_empty_config_is_an_error),
        cmocka_unit_test(test_sgd_run_out_of_range),
    };
    return cmocka_run_group_tests_name("limits", tests, NULL, NULL);
}
