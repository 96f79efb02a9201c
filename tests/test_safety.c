/* test_safety.c: `entroscape run` never loses work silently: it refuses to start over an
 * existing result or checkpoint (--resume / --overwrite), checks its paths before sampling,
 * locks its output, cleans temporaries of killed runs, deletes only its own checkpoint, and
 * survives a full disk (a small tmpfs; those tests need root and are skipped otherwise). */
#include "testutil.h"
#include "entroscape/h5io.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char out[65536];
static const char *quick, *slow;

static const char *bin(void)
{
    const char *b = getenv("ES_BIN");
    return b ? b : "./entroscape";
}

static int es(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int es(const char *fmt, ...)
{
    char args[3000], cmd[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(args, sizeof args, fmt, ap);
    va_end(ap);
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

static void expect_contains(const char *needle)
{
    if (!strstr(out, needle))
        fail_msg("output lacks \"%s\"; it was:\n%s", needle, out);
}

static int exists(const char *path)
{
    return access(path, F_OK) == 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void sleep_s(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    nanosleep(&ts, NULL);
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

/* Wait up to `seconds` for path to appear: 1 when it did. */
static int wait_for(const char *path, double seconds)
{
    for (double t0 = now(); now() - t0 < seconds; sleep_s(0.01))
        if (exists(path))
            return 1;
    return 0;
}

static int setup(void **state)
{
    (void)state;
    /* converges in well under a second */
    quick = tu_write_file("quick.ini", "[task]\nname = ising\nL = 4\n"
                                       "[sampler]\nx_bins = 17\nx_min = -34\nx_max = 34\n"
                                       "ln_f_final = 1e-4\nseed = 3\n"
                                       "[output]\ncheckpoint_every = 0\n");
    /* needs far longer than any test waits: ended by max_seconds or a signal */
    slow = tu_write_file("slow.ini", "[task]\nname = ising\nL = 8\n"
                                     "[sampler]\nx_bins = 65\nx_min = -130\nx_max = 130\n"
                                     "ln_f_final = 1e-9\nseed = 4\n"
                                     "[output]\ncheckpoint_every = 0\n");
    return 0;
}

static void test_existing_output_refused_unless_overwrite(void **state)
{
    (void)state;
    const char *o = tmp("again.h5");
    if (es("run %s -o %s -q", quick, o) != 0)
        fail_msg("first run failed:\n%s", out);
    struct stat before;
    assert_int_equal(stat(o, &before), 0);
    assert_int_equal(es("run %s -o %s -q", quick, o), 2);
    expect_contains(o);
    expect_contains("--resume");
    expect_contains("--overwrite");
    struct stat after;
    assert_int_equal(stat(o, &after), 0);
    assert_int_equal(before.st_ino, after.st_ino); /* untouched */
    if (es("run %s -o %s -q --overwrite", quick, o) != 0)
        fail_msg("--overwrite failed:\n%s", out);
    assert_int_equal(es("train %s -o %s --overwrite", quick, tmp("t.h5")), 2);
    expect_contains("--overwrite applies to entroscape run");
}

static void test_existing_checkpoint_refused_unless_overwrite(void **state)
{
    (void)state;
    const char *o = tmp("ck.h5"), *ck = tmp("ck.ckpt.h5");
    if (es("run %s -o %s -q --set sampler.max_seconds=0.3", slow, o) != 0)
        fail_msg("first run failed:\n%s", out);
    assert_true(exists(ck));
    unlink(o); /* the checkpoint alone still holds the work */
    assert_int_equal(es("run %s -o %s -q --set sampler.max_seconds=2", slow, o), 2);
    expect_contains(ck);
    expect_contains("--resume");
    expect_contains("--overwrite");
    assert_true(exists(ck));
    /* resuming from a copy while another checkpoint sits at the checkpoint path: refused */
    char cmd[1400];
    snprintf(cmd, sizeof cmd, "cp %s %s", ck, tmp("copy.ckpt.h5"));
    assert_int_equal(tu_run(cmd, NULL, 0), 0);
    assert_int_equal(es("run %s -o %s -q --set sampler.max_seconds=2 --resume %s", slow, o,
                        tmp("copy.ckpt.h5")), 2);
    expect_contains("another checkpoint");
    /* --overwrite starts over: the old checkpoint goes at once */
    if (es("run %s -o %s --overwrite --set sampler.max_seconds=0.2", slow, o) != 0)
        fail_msg("--overwrite failed:\n%s", out);
    expect_contains("removed the old checkpoint");
}

/* -o naming a directory, or a checkpoint in a read-only directory: exit 2 before sampling
 * (a run of the slow config would otherwise take max_seconds = 5 before failing). */
static void test_unwritable_paths_fail_at_start(void **state)
{
    (void)state;
    const char *d = tmp("adir");
    assert_int_equal(mkdir(d, 0755), 0);
    double t0 = now();
    int rc = es("run %s -o %s -q --set sampler.max_seconds=5", slow, d);
    if (rc != 2 || now() - t0 > 3)
        fail_msg("-o DIRECTORY: exit %d after %.1f s, expected 2 at once:\n%s", rc, now() - t0,
                 out);
    expect_contains("is a directory");

    const char *ro = tmp("ro");
    assert_int_equal(mkdir(ro, 0755), 0);
    int mounted = geteuid() == 0 && mount("tmpfs", ro, "tmpfs", MS_RDONLY, "size=64k") == 0;
    if (!mounted)
        assert_int_equal(chmod(ro, 0555), 0); /* read-only for everyone but root */
    char ckpt[700];
    snprintf(ckpt, sizeof ckpt, "%s/x.ckpt.h5", ro);
    t0 = now();
    rc = es("run %s -o %s -q --set sampler.max_seconds=5 --set output.checkpoint=%s", slow,
            tmp("ro.h5"), ckpt);
    if (mounted)
        umount(ro);
    if (rc != 2 || now() - t0 > 3)
        fail_msg("read-only checkpoint directory: exit %d after %.1f s, expected 2 at once:\n%s",
                 rc, now() - t0, out);
    expect_contains(ckpt);
    expect_contains("not writable");
    assert_false(exists(tmp("ro.h5")));
}

static void test_second_run_on_same_output_refused(void **state)
{
    (void)state;
    const char *o = tmp("locked.h5");
    char args[2048], lock[700];
    snprintf(args, sizeof args, "run %s -o %s -q --set sampler.max_seconds=20", slow, o);
    snprintf(lock, sizeof lock, "%s.lock", o);
    pid_t pid = spawn(args);
    wait_for(lock, 5); /* taken at once, before the model is built */
    sleep_s(0.2);
    int rc = es("run %s -o %s -q --overwrite --set sampler.max_seconds=2", slow, o);
    kill(pid, SIGTERM);
    int status = 0;
    waitpid(pid, &status, 0);
    if (rc != 2)
        fail_msg("second run on the same -o: exit %d, expected 2:\n%s", rc, out);
    expect_contains("another entroscape run");
    expect_contains(lock);
    expect_contains("pid");
    assert_true(WIFEXITED(status)); /* the first one ended by its signal handler */
    assert_false(exists(lock));     /* removed by its owner */
}

static void test_stale_temporaries_removed(void **state)
{
    (void)state;
    pid_t dead = fork(); /* a pid that existed and no longer does */
    if (dead == 0)
        _exit(0);
    waitpid(dead, NULL, 0);
    const char *o = tmp("stale.h5");
    char t1[700], t2[700], live[700];
    snprintf(t1, sizeof t1, "%s.tmp.%ld", o, (long)dead);
    snprintf(t2, sizeof t2, "%s/stale.ckpt.h5.tmp.%ld", tu_tmpdir(), (long)dead);
    snprintf(live, sizeof live, "%s.tmp.%ld", o, (long)getpid()); /* alive: kept */
    tu_write_file("stale.h5.tmp.x", "");
    FILE *f;
    assert_non_null(f = fopen(t1, "w"));
    fclose(f);
    assert_non_null(f = fopen(t2, "w"));
    fclose(f);
    assert_non_null(f = fopen(live, "w"));
    fclose(f);
    if (es("run %s -o %s -q", quick, o) != 0)
        fail_msg("run failed:\n%s", out);
    assert_false(exists(t1));
    assert_false(exists(t2));
    assert_true(exists(live));
    assert_true(exists(tmp("stale.h5.tmp.x"))); /* not a pid: not ours to judge */
    unlink(live);
}

/* While a run goes on, another run's checkpoint lands at its checkpoint path: the converged
 * run leaves it alone. */
static void test_only_own_checkpoint_deleted(void **state)
{
    (void)state;
    const char *other = tmp("other.h5"), *other_ck = tmp("other.ckpt.h5");
    if (es("run %s -o %s -q --set sampler.max_seconds=0.2", slow, other) != 0)
        fail_msg("other run failed:\n%s", out);
    assert_true(exists(other_ck));
    const char *o = tmp("own.h5"), *ck = tmp("shared.ckpt.h5");
    char args[2048], cmd[1400];
    snprintf(args, sizeof args, "run %s -o %s --set output.checkpoint=%s "
             "--set sampler.ln_f_final=1e-6", quick, o, ck);
    pid_t pid = spawn(args);
    sleep_s(0.3); /* the run needs over a second; a copy after it ended would prove nothing */
    snprintf(cmd, sizeof cmd, "cp %s %s", other_ck, ck);
    assert_int_equal(tu_run(cmd, NULL, 0), 0);
    int status = 0;
    waitpid(pid, &status, 0);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    es_err err = {0};
    es_dos *d = es_h5_read_dos(o, &err);
    if (!d)
        fail_msg("%s", err.msg);
    assert_int_equal(d->converged, 1);
    es_dos_free(d);
    if (!exists(ck))
        fail_msg("the converged run deleted a checkpoint it did not write (%s)", ck);
}

/* Send SIGTERM to pid; its exit code (128 + signal when killed), and the seconds it took. */
static int term_and_wait(pid_t pid, double *seconds)
{
    double t0 = now();
    kill(pid, SIGTERM);
    int status = 0;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (now() - t0 > 20) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            break;
        }
        sleep_s(0.01);
    }
    *seconds = now() - t0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* SIGTERM while the walkers of a 91,802-parameter network walk into a grid that is hard to
 * reach, and during a burn-in of a million sweeps: the run ends within 2 s with a checkpoint,
 * and a resume from it is accepted (and ends as quickly on the next SIGTERM). */
static void test_sigterm_during_start(void **state)
{
    (void)state;
    const char *common = "[task]\nname = spiral\nnoise = 0.1\n[model]\nhidden = 300,300\n"
                         "[output]\ncheckpoint_every = 0\n[sampler]\nx = train_acc\n"
                         "walkers = 2\n";
    char text[1024];
    snprintf(text, sizeof text, "%sx_bins = 5\nx_min = 0.9875\nx_max = 1.0125\n", common);
    const char *approach = tu_write_file("approach.ini", text);
    snprintf(text, sizeof text, "%sx_bins = 41\nx_min = -0.0125\nx_max = 1.0125\n"
             "burn_in = 1000000\n", common);
    const char *burn = tu_write_file("burn.ini", text);
    const char *cfgs[2] = {approach, burn}, *names[2] = {"approach", "burn-in"};
    for (int k = 0; k < 2; k++) {
        char o[700], ck[700], args[2048];
        snprintf(o, sizeof o, "%s/start%d.h5", tu_tmpdir(), k);
        snprintf(ck, sizeof ck, "%s/start%d.ckpt.h5", tu_tmpdir(), k);
        for (int resume = 0; resume < 2; resume++) {
            snprintf(args, sizeof args, "run %s -o %s -q --threads 2 %s%s", cfgs[k], o,
                     resume ? "--resume " : "", resume ? ck : "");
            pid_t pid = spawn(args);
            sleep_s(1.5);
            double took = 0;
            int rc = term_and_wait(pid, &took);
            if (rc != 1 || took > 2)
                fail_msg("%s%s: SIGTERM gave exit %d after %.2f s; expected 1 within 2 s",
                         names[k], resume ? " (resumed)" : "", rc, took);
            if (!exists(ck))
                fail_msg("%s%s: no checkpoint %s after SIGTERM", names[k],
                         resume ? " (resumed)" : "", ck);
        }
    }
}

/* A tmpfs of `kib` KiB at tmp(name) (root only: the test is skipped otherwise). */
static const char *small_disk(const char *name, int kib)
{
    const char *d = tmp(name);
    char opts[32];
    snprintf(opts, sizeof opts, "size=%dk", kib);
    if (geteuid() != 0 || mkdir(d, 0755) != 0 || mount("tmpfs", d, "tmpfs", 0, opts) != 0)
        return NULL;
    return d;
}

/* Fill the file system at dir to the last byte. */
static void fill(const char *dir)
{
    char cmd[800];
    snprintf(cmd, sizeof cmd, "dd if=/dev/zero of=%s/fill bs=4k 2>/dev/null; "
             "dd if=/dev/zero of=%s/fill2 bs=64 2>/dev/null; true", dir, dir);
    tu_run(cmd, NULL, 0);
}

/* Checkpoints and output on a disk that fills up during the run: no crash, the checkpoint
 * of before stays, the result is saved to $TMPDIR and named, exit 1. */
static void test_full_disk_keeps_result(void **state)
{
    (void)state;
    const char *d = small_disk("full", 512);
    if (!d)
        skip();
    const char *rescue = tmp("rescue");
    assert_int_equal(mkdir(rescue, 0755), 0);
    char o[700], ck[700], cmd[4000];
    snprintf(o, sizeof o, "%s/o.h5", d);
    snprintf(ck, sizeof ck, "%s/o.ckpt.h5", d);
    snprintf(cmd, sizeof cmd, "((sleep 0.6; dd if=/dev/zero of=%s/fill bs=4k 2>/dev/null) & "
             "TMPDIR=%s %s run %s -o %s -q --set sampler.max_seconds=1.5 "
             "--set output.checkpoint_every=0.1; rc=$?; wait; exit $rc)", d, rescue, bin(), slow,
             o);
    int rc = tu_run(cmd, out, sizeof out);
    static char ls[8192];
    snprintf(cmd, sizeof cmd, "ls -la %s %s", d, rescue);
    tu_run(cmd, ls, sizeof ls);
    es_err err = {0};
    es_records rs = {0};
    char *cfg = NULL, *ver = NULL;
    es_status ck_st = es_h5_read_checkpoint(ck, &rs, &cfg, &ver, &err);
    es_records_clear(&rs);
    free(cfg);
    free(ver);
    umount(d);
    if (rc != 1)
        fail_msg("full disk: exit %d, expected 1:\n%s\n%s", rc, out, ls);
    expect_contains("No space left on device");
    expect_contains("checkpoint failed");
    expect_contains("saved to");
    expect_contains(rescue);
    if (ck_st != ES_OK)
        fail_msg("the checkpoint written before the disk filled is gone: %s\n%s", err.msg, ls);
    const char *p = strstr(out, rescue);
    char saved[700];
    snprintf(saved, sizeof saved, "%.*s", (int)strcspn(p, ": \n"), p);
    es_dos *dos = es_h5_read_dos(saved, &err);
    if (!dos)
        fail_msg("the rescued result %s: %s", saved, err.msg);
    assert_int_equal(dos->converged, 0);
    es_dos_free(dos);
}

/* Only the checkpoint's disk is full: the run goes on to its end, the result is written,
 * and the exit code says the last checkpoint failed. */
static void test_failed_checkpoint_does_not_abort(void **state)
{
    (void)state;
    const char *d = small_disk("ckfull", 256);
    if (!d)
        skip();
    fill(d);
    const char *o = tmp("ckfull.h5");
    char ck[700];
    snprintf(ck, sizeof ck, "%s/c.ckpt.h5", d);
    /* full before the start: found out at once */
    double t0 = now();
    int rc = es("run %s -o %s -q --set sampler.max_seconds=5 --set output.checkpoint=%s", slow,
                o, ck);
    umount(d);
    if (rc == 0 || now() - t0 > 3)
        fail_msg("checkpoint on a full disk: exit %d after %.1f s, expected a failure at once:\n%s",
                 rc, now() - t0, out);
    expect_contains("No space left on device");
    expect_contains(ck);
    /* full during the run */
    d = small_disk("ckfull2", 256);
    assert_non_null(d);
    snprintf(ck, sizeof ck, "%s/c.ckpt.h5", d);
    char cmd[3000];
    snprintf(cmd, sizeof cmd, "((sleep 0.3; dd if=/dev/zero of=%s/fill bs=4k 2>/dev/null) & "
             "%s run %s -o %s -q --set sampler.max_seconds=1.2 --set output.checkpoint_every=0.1 "
             "--set output.checkpoint=%s; rc=$?; wait; exit $rc)", d, bin(), slow, o, ck);
    rc = tu_run(cmd, out, sizeof out);
    umount(d);
    if (rc != 1)
        fail_msg("full checkpoint disk: exit %d, expected 1:\n%s", rc, out);
    expect_contains("checkpoint failed");
    expect_contains("retrying at the next one");
    expect_contains("last checkpoint failed");
    es_err err = {0};
    es_dos *dos = es_h5_read_dos(o, &err);
    if (!dos)
        fail_msg("no result after failed checkpoints: %s", err.msg);
    assert_true(dos->sweeps > 0);
    es_dos_free(dos);
}

/* plot onto a full disk: an error, and no empty or truncated figure left behind. */
static void test_plot_full_disk_leaves_no_empty_figures(void **state)
{
    (void)state;
    const char *o = tmp("plotme.h5");
    if (es("run %s -o %s -q", quick, o) != 0)
        fail_msg("run failed:\n%s", out);
    const char *d = small_disk("plotfull", 128);
    if (!d)
        skip();
    char figs[700], cmd[1600], ls[4096];
    snprintf(figs, sizeof figs, "%s/figs", d);
    assert_int_equal(mkdir(figs, 0755), 0);
    fill(d);
    int rc = es("plot %s -o %s", o, figs);
    snprintf(cmd, sizeof cmd, "find %s -type f -empty; find %s -name '*.png' -size -2k", figs,
             figs);
    tu_run(cmd, ls, sizeof ls);
    umount(d);
    assert_int_not_equal(rc, 0);
    if (ls[0])
        fail_msg("plot left empty or truncated figures:\n%s\n(plot said: %s)", ls, out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_existing_output_refused_unless_overwrite),
        cmocka_unit_test(test_existing_checkpoint_refused_unless_overwrite),
        cmocka_unit_test(test_unwritable_paths_fail_at_start),
        cmocka_unit_test(test_second_run_on_same_output_refused),
        cmocka_unit_test(test_stale_temporaries_removed),
        cmocka_unit_test(test_only_own_checkpoint_deleted),
        cmocka_unit_test(test_sigterm_during_start),
        cmocka_unit_test(test_full_disk_keeps_result),
        cmocka_unit_test(test_failed_checkpoint_does_not_abort),
        cmocka_unit_test(test_plot_full_disk_leaves_no_empty_figures),
    };
    return cmocka_run_group_tests_name("safety", tests, setup, NULL);
}
