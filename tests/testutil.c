/* testutil.c: fixtures, temporary files and command runs for the tests. */
#include "testutil.h"

#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

const char *tu_fixture_dir(void)
{
    const char *d = getenv("ES_FIXTURES");
    return d ? d : "tests/fixtures";
}

static char tmpdir[256];

static void tu_cleanup(void)
{
    if (tmpdir[0]) {
        char cmd[300];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
        if (system(cmd) != 0) { /* best effort */ }
    }
}

const char *tu_tmpdir(void)
{
    if (!tmpdir[0]) {
        snprintf(tmpdir, sizeof tmpdir, "/tmp/entroscape-test-XXXXXX");
        if (!mkdtemp(tmpdir)) {
            perror("mkdtemp");
            exit(1);
        }
        atexit(tu_cleanup);
    }
    return tmpdir;
}

const char *tu_write_file(const char *name, const char *text)
{
    static char paths[8][512];
    static int slot;
    char *p = paths[slot++ % 8];
    snprintf(p, 512, "%s/%s", tu_tmpdir(), name);
    FILE *f = fopen(p, "w");
    if (!f) {
        perror(p);
        exit(1);
    }
    fputs(text, f);
    fclose(f);
    return p;
}

double tu_time_scale(void)
{
    const char *s = getenv("ES_TIME_SCALE");
    double v = s ? atof(s) : 1.0;
    return v >= 1.0 ? v : 1.0;
}

int tu_run(const char *cmd, char *out, size_t out_size)
{
    char full[4096];
    snprintf(full, sizeof full, "%s 2>&1", cmd);
    FILE *p = popen(full, "r");
    if (!p)
        return -1;
    size_t n = 0;
    if (out && out_size)
        out[0] = '\0';
    char buf[1024];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, p)) > 0) {
        if (out && n + 1 < out_size) {
            size_t k = got < out_size - 1 - n ? got : out_size - 1 - n;
            memcpy(out + n, buf, k);
            n += k;
            out[n] = '\0';
        }
    }
    int st = pclose(p);
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}
