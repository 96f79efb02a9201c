/* test_mpi.c: the MPI build (make MPI=1, here build-mpi/entroscape) under `mpirun -np 2`:
 * windows spread over two ranks give the exact particles answer, and the same result, bit
 * for bit, as one process with the same seed and layout. Skipped when there is no MPI build
 * or no mpirun (the Makefile builds it when mpicc is installed). */
#include "testutil.h"
#include "entroscape/exact.h"
#include "entroscape/h5io.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define MPIRUN "mpirun --allow-run-as-root --oversubscribe -np 2"

static char out[65536];

/* The MPI build (ES_MPI_BIN overrides, e.g. the sanitizer build) and the serial one (ES_BIN). */
static const char *mpi_bin(void)
{
    const char *b = getenv("ES_MPI_BIN");
    return b ? b : "build-mpi/entroscape";
}

static const char *serial_bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

static int have_mpi(void)
{
    return access(mpi_bin(), X_OK) == 0 && tu_run("command -v mpirun", NULL, 0) == 0;
}

static es_dos *run(const char *launcher, const char *bin, const char *ini, const char *name)
{
    char cmd[4096], path[600];
    snprintf(path, sizeof path, "%s/%s", tu_tmpdir(), name);
    /* ES_MPI_ENV: environment for the ranks (under SANITIZE=1: no leak check, since OpenMPI's
     * unloaded plugins leave leaks LeakSanitizer cannot even attribute to a library) */
    const char *env = getenv("ES_MPI_ENV");
    int wrap = launcher[0] && env;
    snprintf(cmd, sizeof cmd, "%s%s %s %s run %s -o %s -q --threads 1", wrap ? "env " : "",
             wrap ? env : "", launcher, bin, ini, path);
    int rc = tu_run(cmd, out, sizeof out);
    if (rc != 0)
        fail_msg("%s failed (%d):\n%s", cmd, rc, out);
    es_err err = {0};
    es_dos *d = es_h5_read_dos(path, &err);
    if (!d)
        fail_msg("%s", err.msg);
    return d;
}

/* Particles 2-D (n = 100, split 50, |w|), 4 windows x 2 walkers on 2 ranks: max |delta ln g|
 * <= 0.1 against the exact answer (the replica-exchange issue's acceptance). */
static void test_mpi_particles_exact(void **state)
{
    (void)state;
    if (!have_mpi())
        skip();
    const char *ini = tu_write_file("p2d.ini", "[task]\nname = particles\nn = 100\nsplit = 50\n"
                                               "[sampler]\nx_bins = 16\nx_min = 0.2\nx_max = 0.7\n"
                                               "y_bins = 14\ny_min = 0.2\ny_max = 0.7\n"
                                               "windows = 4\nwalkers = 2\nln_f_final = 1e-6\n"
                                               "seed = 21\ngroups = 2\nrefine = 1\ntolerance = 100\n"
                                               "[output]\ncheckpoint_every = 0\n");
    es_dos *d = run(MPIRUN, mpi_bin(), ini, "p2d.h5");
    es_err err = {0};
    double exact[16 * 14], mx = -INFINITY, s = 0, worst = 0;
    es_exact_particles_log_p_2d(100, 50, "abs", 1.0, d->x_edges, 16, d->y_edges, 14, exact, &err);
    for (int b = 0; b < 16 * 14; b++)
        mx = fmax(mx, exact[b]);
    for (int b = 0; b < 16 * 14; b++)
        s += exp(exact[b] - mx);
    for (int b = 0; b < 16 * 14; b++)
        worst = fmax(worst, fabs(d->log_g[b] - (exact[b] - mx - log(s))));
    printf("    mpirun -np 2, 4 windows x 2 walkers: max |delta ln g| = %.4f\n", worst);
    assert_at_most(worst, 0.1, "max |delta ln g| under MPI");
    assert_int_equal(d->converged, 1);
    es_dos_free(d);
}

/* Two ranks and one process, same seed and layout: identical ln g. */
static void test_mpi_equals_single_process(void **state)
{
    (void)state;
    if (!have_mpi())
        skip();
    const char *ini = tu_write_file("i6.ini", "[task]\nname = ising\nL = 6\n[sampler]\n"
                                              "x_bins = 37\nx_min = -74\nx_max = 74\nwindows = 3\n"
                                              "walkers = 2\nln_f_final = 1e-4\nseed = 8\n"
                                              "[output]\ncheckpoint_every = 0\n");
    es_dos *a = run(MPIRUN, mpi_bin(), ini, "i6mpi.h5");
    es_dos *b = run("", serial_bin(), ini, "i6one.h5");
    if (memcmp(a->log_g, b->log_g, 37 * sizeof(double)) != 0 || a->round_trips != b->round_trips)
        fail_msg("2 MPI ranks and 1 process differ for the same seed and layout");
    es_dos_free(a);
    es_dos_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mpi_particles_exact),
        cmocka_unit_test(test_mpi_equals_single_process),
    };
    return cmocka_run_group_tests_name("mpi", tests, NULL, NULL);
}
