/* gnuplot.c: finding and running gnuplot (a child process, no shell) and the pieces of its
 * scripts: quoting, numbers, the terminal. */
#include "entroscape/plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

es_status es_plot_parse_format(const char *s, es_plot_format *fmt, es_err *err)
{
    if (strcmp(s, "png") == 0)
        *fmt = ES_PLOT_PNG;
    else if (strcmp(s, "pdf") == 0)
        *fmt = ES_PLOT_PDF;
    else
        return es_err_set(err, ES_EUSAGE, "--format %s: allowed: png, pdf", s);
    return ES_OK;
}

const char *es_plot_ext(es_plot_format fmt)
{
    return fmt == ES_PLOT_PDF ? "pdf" : "png";
}

es_status es_plot_find_gnuplot(char *buf, size_t size, es_err *err)
{
    const char *path = getenv("PATH");
    if (!path || !*path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        const char *colon = strchr(p, ':');
        size_t len = colon ? (size_t)(colon - p) : strlen(p);
        snprintf(buf, size, "%.*s/gnuplot", (int)(len ? len : 1), len ? p : ".");
        struct stat sb;
        if (stat(buf, &sb) == 0 && S_ISREG(sb.st_mode) && access(buf, X_OK) == 0)
            return ES_OK;
        p += len + (colon ? 1 : 0);
        if (!colon)
            break;
    }
    buf[0] = '\0';
    return es_err_set(err, ES_ERUNTIME, "gnuplot is not installed (not found on PATH): install "
                      "the Debian package gnuplot-nox (apt-get install gnuplot-nox, or "
                      "scripts/setup.sh)");
}

/* The first line of file path that mentions an error (or the first non-blank line) into
 * buf[size]; "" when there is none. */
static void first_error_line(const char *path, char *buf, size_t size)
{
    buf[0] = '\0';
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[512], first[512] = "";
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        if (!first[0] && line[strspn(line, " \t^")])
            snprintf(first, sizeof first, "%s", line);
        if (strstr(line, "rror") || strstr(line, "line ")) {
            snprintf(buf, size, "%s", line);
            break;
        }
    }
    if (!buf[0])
        snprintf(buf, size, "%s", first);
    fclose(f);
}

/* 1 when the figure at path is whole: a PNG ending with its IEND chunk, a PDF with %%EOF. */
static int complete_p(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    char tail[33] = "";
    size_t got = 0;
    if (fseek(f, -32, SEEK_END) == 0 || fseek(f, 0, SEEK_SET) == 0)
        got = fread(tail, 1, 32, f);
    fclose(f);
    tail[got] = '\0';
    for (size_t i = 0; i + 4 <= got; i++) /* binary: look for the marker byte by byte */
        if (memcmp(tail + i, "IEND", 4) == 0 || (i + 5 <= got && memcmp(tail + i, "%%EOF", 5) == 0))
            return 1;
    return 0;
}

es_status es_plot_run(const char *script, size_t len, const char *const *outputs, size_t n,
                      es_err *err)
{
    time_t started = time(NULL) - 1;
    char gnuplot[4096];
    es_status st = es_plot_find_gnuplot(gnuplot, sizeof gnuplot, err);
    if (st != ES_OK)
        return st;
    const char *tmpdir = getenv("TMPDIR");
    if (!tmpdir || !*tmpdir)
        tmpdir = "/tmp";
    char sfile[4096], efile[4096];
    snprintf(sfile, sizeof sfile, "%s/entroscape-plot-XXXXXX", tmpdir);
    snprintf(efile, sizeof efile, "%s/entroscape-plot-err-XXXXXX", tmpdir);
    int sfd = mkstemp(sfile);
    int efd = sfd >= 0 ? mkstemp(efile) : -1;
    if (sfd < 0 || efd < 0) {
        st = es_err_set(err, ES_EIO, "cannot create a temporary file in %s for gnuplot: %s",
                        tmpdir, strerror(errno));
        if (sfd >= 0) {
            close(sfd);
            unlink(sfile);
        }
        return st;
    }
    for (size_t off = 0; off < len && st == ES_OK;) {
        ssize_t put = write(sfd, script + off, len - off);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            st = es_err_set(err, ES_EIO, "cannot write the gnuplot script %s: %s", sfile,
                            put < 0 ? strerror(errno) : "short write");
        else
            off += (size_t)put;
    }
    close(sfd);

    posix_spawn_file_actions_t fa;
    int fa_ok = st == ES_OK && posix_spawn_file_actions_init(&fa) == 0;
    if (fa_ok && (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
                  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0) != 0 ||
                  posix_spawn_file_actions_adddup2(&fa, efd, 2) != 0))
        st = es_err_set(err, ES_ERUNTIME, "cannot set up the gnuplot process");
    pid_t pid = -1;
    if (st == ES_OK) {
        char *argv[] = {gnuplot, sfile, NULL};
        int rc = posix_spawn(&pid, gnuplot, &fa, NULL, argv, environ);
        if (rc != 0)
            st = es_err_set(err, ES_ERUNTIME, "cannot run %s: %s (install the Debian package "
                            "gnuplot-nox)", gnuplot, strerror(rc));
    }
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    close(efd);
    if (st == ES_OK) {
        int status = 0;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
            char line[512];
            first_error_line(efile, line, sizeof line);
            st = es_err_set(err, ES_ERUNTIME, "gnuplot failed (%s %d)%s%s",
                            WIFEXITED(status) ? "exit code" : "signal",
                            WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                            line[0] ? ": " : "", line);
        }
    }
    for (size_t i = 0; st == ES_OK && i < n; i++) {
        if (!complete_p(outputs[i])) {
            char line[512];
            first_error_line(efile, line, sizeof line);
            st = es_err_set(err, ES_ERUNTIME, "gnuplot did not write %s completely (disk full?)"
                            "%s%s", outputs[i], line[0] ? ": " : "", line);
        }
    }
    /* No empty or truncated figures left behind: remove what this gnuplot run wrote. */
    for (size_t i = 0; st != ES_OK && i < n; i++) {
        struct stat sb;
        if (stat(outputs[i], &sb) == 0 && sb.st_mtime >= started && !complete_p(outputs[i]))
            unlink(outputs[i]);
    }
    unlink(sfile);
    unlink(efile);
    return st;
}

/* ---- script pieces ------------------------------------------------------------------------ */

void es_plot_sq(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        if (*s == '\'')
            fputc('\'', f);
        fputc(*s == '\n' ? ' ' : *s, f);
    }
    fputc('\'', f);
}

void es_plot_dq(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '\n') {
            fputs("\\n", f);
            continue;
        }
        if (*s == '"' || *s == '\\')
            fputc('\\', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

void es_plot_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("NaN", f);
}

void es_plot_begin(FILE *f, es_plot_format fmt, int width, int height, const char *path)
{
    fputs("reset\n", f);
    if (fmt == ES_PLOT_PDF)   /* 150 pixels per inch: about the png's layout and text size */
        fprintf(f, "set terminal pdfcairo size %.2fin,%.2fin noenhanced font 'Sans,8' "
                "linewidth 0.8\n", width / 150.0, height / 150.0);
    else
        fprintf(f, "set terminal pngcairo size %d,%d noenhanced font 'Sans,11' linewidth 1.2\n",
                width, height);
    fputs("set output ", f);
    es_plot_sq(f, path);
    fputs("\nset encoding utf8\nset grid lc rgb '#c8c8c8' lw 0.6\nset border lw 1.0\n"
          "set tics out nomirror\n", f);
}
