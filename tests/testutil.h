/* testutil.h: shared helpers for the cmocka tests. Every numeric check states its tolerance
 * and prints value, expected and tolerance when it fails. */
#ifndef ENTROSCAPE_TESTUTIL_H
#define ENTROSCAPE_TESTUTIL_H

#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <cmocka.h>

/* |value - expected| <= tol, else fail printing all three and a label. */
#define assert_close(value, expected, tol, label)                                          \
    do {                                                                                   \
        double v_ = (value), e_ = (expected), t_ = (tol);                                  \
        if (!(fabs(v_ - e_) <= t_))                                                        \
            fail_msg("%s: value %.10g, expected %.10g, tolerance %.3g (|diff| = %.3g)",    \
                     (label), v_, e_, t_, fabs(v_ - e_));                                  \
    } while (0)

/* value <= limit, else fail printing both. */
#define assert_at_most(value, limit, label)                                                \
    do {                                                                                   \
        double v_ = (value), l_ = (limit);                                                 \
        if (!(v_ <= l_))                                                                   \
            fail_msg("%s: value %.10g exceeds limit %.10g", (label), v_, l_);              \
    } while (0)

/* Directory of the test fixtures (tests/fixtures), overridable with ES_FIXTURES. */
const char *tu_fixture_dir(void);

/* A fresh temporary directory for this test process (created once, removed by tu_cleanup). */
const char *tu_tmpdir(void);

/* Write text to a file inside tu_tmpdir(); returns the path (static buffer per call slot). */
const char *tu_write_file(const char *name, const char *text);

/* Factor for wall-clock waits and limits: ES_TIME_SCALE (e.g. 4 under `make test SANITIZE=1`,
 * whose binaries run several times slower), else 1. */
double tu_time_scale(void);

/* Run a shell command and return its exit status (0..255), capturing stdout+stderr into out. */
int tu_run(const char *cmd, char *out, size_t out_size);

#endif
