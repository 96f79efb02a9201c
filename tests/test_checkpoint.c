/* test_checkpoint.c: `entroscape run` checkpoints end to end: SIGTERM then --resume gives the
 * uninterrupted result bit for bit; kill -9 leaves the last checkpoint intact and resumable;
 * max_seconds leaves a checkpoint; corrupt or mismatched checkpoints are refused. */
#include "testutil.h"
#include "entroscape/h5io.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char out[65536];
static const char *cfg_path;

static const char *bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

static int es(const char *args)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s", bin(), args);
    return tu_run(cmd, out, sizeof out);
}

static const char *tmp(const char *name)
{
    static char buf[8][600];
    static int k;
    char *p = buf[k++ % 8];
    snprintf(p, 600, "%s/%s", tu_tmpdir(), name);
    return p;
}

/* Ising L = 6 in 2 windows x 2 walkers: a few seconds to converge. */
static int setup(void **state)
{
    (void)state;
    cfg_path = tu_write_file("ck.ini", "[task]\nname = ising\nL = 6\n"
                                       "[sampler]\nx_bins = 37\nx_min = -74\nx_max = 74\n"
                                       "windows = 2\nwalkers = 2\n"
                                       "ln_f_final = 1e-6\nseed = 5\n"
                                       "[output]\ncheckpoint_every = 0\n");
    return 0;
}

/* Start `entroscape ARGS` in the background; its pid. */
static pid_t spawn(const char *args)
{
    pid_t pid = fork();
    if (pid == 0) {
        char cmd[4096];
        snprintf(cmd, sizeof cmd, "exec %s %s >/dev/null 2>&1", bin(), args);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
}

static es_dos *read_dos(const char *path)
{
    es_err err = {0};
    es_dos *d = es_h5_read_dos(path, &err);
    if (!d)
        fail_msg("%s", err.msg);
    return d;
}

static void assert_same_log_g(const char *a, const char *b, const char *label)
{
    es_dos *x = read_dos(a), *y = read_dos(b);
    size_t n = x->x_bins * x->y_bins;
    assert_int_equal(x->converged, 1);
    assert_int_equal(y->converged, 1);
    if (memcmp(x->log_g, y->log_g, n * sizeof(double)) != 0)
        fail_msg("%s: /dos/log_g differs from the uninterrupted run", label);
    es_dos_free(x);
    es_dos_free(y);
}

static const char *reference(void)
{
    static char path[600];
    if (!path[0]) {
        snprintf(path, sizeof path, "%s", tmp("ref.h5"));
        char args[2048];
        snprintf(args, sizeof args, "run %s -o %s -q", cfg_path, path);
        if (es(args) != 0)
            fail_msg("reference run failed:\n%s", out);
    }
    return path;
}

static void test_sigterm_then_resume_is_bit_identical(void **state)
{
    (void)state;
    const char *ref = reference(), *o = tmp("term.h5"), *ck = tmp("term.ckpt.h5");
    char args[2048];
    snprintf(args, sizeof args, "run %s -o %s -q", cfg_path, o);
    pid_t pid = spawn(args);
    sleep_s(0.8 * tu_time_scale());
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 1)
        fail_msg("after SIGTERM: exit status %d, expected 1 (is the reference run too short?)",
                 WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    assert_int_equal(access(ck, F_OK), 0);
    es_dos *partial = read_dos(o);
    assert_int_equal(partial->converged, 0);
    es_dos_free(partial);
    snprintf(args, sizeof args, "run %s -o %s -q --resume %s", cfg_path, o, ck);
    if (es(args) != 0)
        fail_msg("resume failed:\n%s", out);
    assert_same_log_g(ref, o, "SIGTERM + resume");
    assert_int_not_equal(access(ck, F_OK), 0); /* removed once converged */
}

static void test_kill9_leaves_resumable_checkpoint(void **state)
{
    (void)state;
    const char *ref = reference(), *o = tmp("k9.h5"), *ck = tmp("k9.ckpt.h5");
    char args[2048];
    snprintf(args, sizeof args, "run %s -o %s -q --set output.checkpoint_every=0.05", cfg_path, o);
    pid_t pid = spawn(args);
    sleep_s(1.0 * tu_time_scale());
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
    if (access(ck, F_OK) != 0)
        fail_msg("no checkpoint after 1 s with checkpoint_every = 0.05");
    char ls[4096], cmd[700];
    snprintf(cmd, sizeof cmd, "ls %s", tu_tmpdir());
    tu_run(cmd, ls, sizeof ls);
    snprintf(args, sizeof args, "run %s -o %s -q --resume %s", cfg_path, o, ck);
    if (es(args) != 0)
        fail_msg("resume after kill -9 failed:\n%s\n(files: %s)", out, ls);
    assert_same_log_g(ref, o, "kill -9 + resume");
}

static void test_max_seconds_then_resume(void **state)
{
    (void)state;
    const char *ref = reference(), *o = tmp("ms.h5"), *ck = tmp("ms.ckpt.h5");
    char args[2048];
    snprintf(args, sizeof args, "run %s -o %s -q --set sampler.max_seconds=0.5", cfg_path, o);
    assert_int_equal(es(args), 0);
    assert_int_equal(access(ck, F_OK), 0);
    snprintf(args, sizeof args, "run %s -o %s -q --resume %s", cfg_path, o, ck);
    assert_int_equal(es(args), 0);
    assert_same_log_g(ref, o, "max_seconds + resume");
}

static void test_bad_checkpoints_refused(void **state)
{
    (void)state;
    const char *o = tmp("bad.h5"), *ck = tmp("bad.ckpt.h5");
    char args[2048];
    snprintf(args, sizeof args, "run %s -o %s -q --set sampler.max_seconds=0.2", cfg_path, o);
    assert_int_equal(es(args), 0);
    /* another config */
    snprintf(args, sizeof args, "run %s -o %s --resume %s --set sampler.seed=6", cfg_path, o, ck);
    assert_int_equal(es(args), 2);
    if (!strstr(out, "another configuration") || !strstr(out, "seed"))
        fail_msg("mismatched config: unclear message:\n%s", out);
    /* a truncated file */
    char cmd[2048], copy[700];
    snprintf(copy, sizeof copy, "%s", tmp("trunc.ckpt.h5"));
    snprintf(cmd, sizeof cmd, "head -c 3000 %s > %s", ck, copy);
    assert_int_equal(tu_run(cmd, NULL, 0), 0);
    snprintf(args, sizeof args, "run %s -o %s --resume %s", cfg_path, tmp("trunc.h5"), copy);
    assert_int_not_equal(es(args), 0);
    if (!strstr(out, "trunc.ckpt.h5"))
        fail_msg("truncated checkpoint: message does not name the file:\n%s", out);
    /* not a checkpoint at all: an ordinary output file */
    snprintf(args, sizeof args, "run %s -o %s --resume %s", cfg_path, tmp("x.h5"), o);
    assert_int_equal(es(args), 2);
    if (!strstr(out, "not a checkpoint"))
        fail_msg("output file as checkpoint: unclear message:\n%s", out);
}

/* scripts/slurm/run-until-converged.sbatch with stand-ins for srun (runs the command) and
 * sbatch (records its arguments): an unconverged run resubmits itself with the same
 * arguments; the resubmitted job resumes and converges, and then stops resubmitting. */
static void test_slurm_resubmit_script(void **state)
{
    (void)state;
    const char *dir = tu_tmpdir();
    char cmd[4096];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/fakebin && printf '#!/bin/sh\nexec \"$@\"\n' > %s/fakebin/srun && "
             "printf '#!/bin/sh\necho \"$@\" >> %s/sbatch.log\n' > %s/fakebin/sbatch && "
             "chmod +x %s/fakebin/srun %s/fakebin/sbatch", dir, dir, dir, dir, dir, dir);
    assert_int_equal(tu_run(cmd, NULL, 0), 0);
    const char *o = tmp("slurm.h5");
    snprintf(cmd, sizeof cmd, "PATH=%s/fakebin:$PATH ENTROSCAPE=%s bash scripts/slurm/run-until-converged.sbatch "
             "%s %s -q --set sampler.max_seconds=0.3", dir, bin(), cfg_path, o);
    tu_run(cmd, out, sizeof out);
    char log[4096], path[700];
    snprintf(path, sizeof path, "cat %s/sbatch.log", dir);
    if (tu_run(path, log, sizeof log) != 0 || !strstr(log, cfg_path))
        fail_msg("an unconverged job did not resubmit itself; output:\n%s", out);
    /* the resubmitted job: resumes, converges (no time limit now), does not resubmit */
    snprintf(cmd, sizeof cmd, "rm %s/sbatch.log; PATH=%s/fakebin:$PATH ENTROSCAPE=%s "
             "bash scripts/slurm/run-until-converged.sbatch %s %s -q", dir, dir, bin(), cfg_path, o);
    if (tu_run(cmd, out, sizeof out) != 0)
        fail_msg("resumed job failed:\n%s", out);
    assert_int_not_equal(tu_run(path, log, sizeof log), 0); /* no sbatch.log: no resubmission */
    assert_same_log_g(reference(), o, "SLURM resubmission");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sigterm_then_resume_is_bit_identical),
        cmocka_unit_test(test_kill9_leaves_resumable_checkpoint),
        cmocka_unit_test(test_max_seconds_then_resume),
        cmocka_unit_test(test_bad_checkpoints_refused),
        cmocka_unit_test(test_slurm_resubmit_script),
    };
    return cmocka_run_group_tests_name("checkpoint", tests, setup, NULL);
}
