/* test_cli.c: the entroscape program end to end: help, version, exit codes, clear errors for
 * bad input with no output file left behind, a small run and `info` on its file.
 * Runs ./entroscape from the top directory (ES_BIN overrides). */
#include "testutil.h"
#include "entroscape/h5io.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char out[65536];

static const char *bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

/* Run `entroscape ARGS`, return the exit code; output in `out`. */
static int es(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s", bin(), args);
    return tu_run(cmd, out, sizeof out);
}

static void expect_contains(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output lacks \"%s\"; it was:\n%s", needle, out);
}

static void test_help_and_version(void **state)
{
    (void)state;
    assert_int_equal(es("--help"), 0);
    expect_contains("run");
    expect_contains("info");
    assert_int_equal(es("--version"), 0);
    expect_contains("entroscape ");
    assert_int_equal(es("run --help"), 0);
    expect_contains("--set");
    expect_contains("x_bins"); /* the config reference */
    expect_contains("ln_f_final");
    assert_int_equal(es("info --help"), 0);
    expect_contains("usage: entroscape info");
    assert_int_equal(es("help run"), 0);
    expect_contains("usage: entroscape run");
}

static void test_usage_errors_exit_2(void **state)
{
    (void)state;
    assert_int_equal(es(""), 2);
    assert_int_equal(es("frobnicate"), 2);
    expect_contains("unknown command 'frobnicate'");
    assert_int_equal(es("run"), 2);
    expect_contains("no config file");
    assert_int_equal(es("run configs/demo.ini --bogus"), 2);
    expect_contains("unknown option '--bogus'");
    assert_int_equal(es("run configs/demo.ini --threads zero"), 2);
    expect_contains("--threads zero");
    assert_int_equal(es("run configs/demo.ini --set"), 2);
    assert_int_equal(es("info"), 2);
}

/* Each bad config: exit 2, the message names file, line, key, value and what is allowed, and
 * no output file (nor temporary) is left behind. */
static void check_bad(const char *name, const char *ini, const char *extra, const char **needles)
{
    char file[128], outp[600], args[2048];
    snprintf(file, sizeof file, "%s.ini", name);
    const char *cfg = tu_write_file(file, ini);
    snprintf(outp, sizeof outp, "%s/%s.h5", tu_tmpdir(), name);
    snprintf(args, sizeof args, "run %s -o %s %s", cfg, outp, extra);
    int rc = es(args);
    if (rc != 2)
        fail_msg("%s: exit code %d, expected 2; output:\n%s", name, rc, out);
    for (const char **n = needles; *n; n++)
        expect_contains(*n);
    if (access(outp, F_OK) == 0)
        fail_msg("%s: output file %s was left behind", name, outp);
    char ls[1024];
    char cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s | grep -c '\\.tmp' || true", tu_tmpdir());
    tu_run(cmd, ls, sizeof ls);
    if (atoi(ls) != 0)
        fail_msg("%s: a temporary file was left behind in %s", name, tu_tmpdir());
}

static void test_bad_configs_exit_2_no_output(void **state)
{
    (void)state;
    check_bad("unknown_section", "[task]\nname = ising\n[samplr]\nx_bins = 5\n", "",
              (const char *[]){"unknown_section.ini:3", "samplr", "sampler", NULL});
    check_bad("unknown_key", "[sampler]\nx_bin = 5\n", "",
              (const char *[]){"unknown_key.ini:2", "x_bin", "x_bins", NULL});
    check_bad("wrong_type", "[sampler]\nwalkers = two\n", "",
              (const char *[]){"wrong_type.ini:2", "walkers", "two", "integer", NULL});
    check_bad("out_of_range", "[sampler]\n\nflatness = 1.5\n", "",
              (const char *[]){"out_of_range.ini:3", "flatness", "1.5", "0.999", NULL});
    check_bad("zero_bins", "[sampler]\nx_bins = 0\n", "",
              (const char *[]){"zero_bins.ini:2", "x_bins", "= 0", "[1, ", NULL});
    check_bad("min_ge_max", "[sampler]\nx_min = 5\nx_max = 3\n", "",
              (const char *[]){"min_ge_max.ini:2", "x_min", "5", "x_max", "3", NULL});
    check_bad("bad_enum", "[sampler]\nmethod = wang\n", "",
              (const char *[]){"bad_enum.ini:2", "method", "wang", "wl | 1/t", NULL});
    check_bad("bad_set", "[task]\nname = ising\n", "--set sampler.y_bins=-3",
              (const char *[]){"--set sampler.y_bins=-3", "y_bins", NULL});
    /* a missing config file is an error of the command line: exit 2 as well */
    int rc = es("run /nonexistent/x.ini -o /tmp/never.h5");
    assert_int_equal(rc, 2);
    expect_contains("/nonexistent/x.ini");
}

static void test_run_then_info(void **state)
{
    (void)state;
    const char *cfg = tu_write_file("small.ini",
                                    "[task]\nname = ising\nL = 4\n"
                                    "[sampler]\nx_bins = 17\nx_min = -34\nx_max = 34\n"
                                    "ln_f_final = 1e-4\nwalkers = 2\nseed = 3\n");
    char outp[600], args[2048];
    snprintf(outp, sizeof outp, "%s/small.h5", tu_tmpdir());
    snprintf(args, sizeof args, "run %s -o %s --quiet --threads 2", cfg, outp);
    int rc = es(args);
    if (rc != 0)
        fail_msg("run failed with %d:\n%s", rc, out);
    assert_int_equal(strlen(out), 0); /* --quiet prints nothing */

    es_err err = {0};
    es_dos *d = es_h5_read_dos(outp, &err);
    if (!d)
        fail_msg("%s", err.msg);
    assert_int_equal(d->x_bins, 17);
    assert_int_equal(d->converged, 1);
    assert_string_equal(d->x_variable, "energy");
    assert_true(isinf(d->log_g[1]) && isinf(d->log_g[15])); /* E = -28, 28 cannot occur */
    es_dos_free(d);
    char *config = es_h5_read_root_attr(outp, "config", &err);
    assert_non_null(config);
    assert_non_null(strstr(config, "walkers = 2"));
    assert_non_null(strstr(config, "L = 4"));
    free(config);

    snprintf(args, sizeof args, "info %s", outp);
    assert_int_equal(es(args), 0);
    expect_contains("energy");
    expect_contains("1/t");

    snprintf(args, sizeof args, "info %s/small.ini", tu_tmpdir()); /* not HDF5 */
    assert_int_equal(es(args), 1);
    expect_contains("not an entroscape file");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_help_and_version),
        cmocka_unit_test(test_usage_errors_exit_2),
        cmocka_unit_test(test_bad_configs_exit_2_no_output),
        cmocka_unit_test(test_run_then_info),
    };
    return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
