/* args.c: argument parsing shared by the subcommands that take a config file. */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int es_cli_fail(const es_err *err)
{
    fprintf(stderr, "entroscape: %s: %s\n", es_status_name(err->status), err->msg);
    return es_exit_code(err->status);
}

static es_status parse_threads(const char *s, int *out, es_err *err)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < 1 || v > 4096)
        return es_err_set(err, ES_EUSAGE, "--threads %s: expected an integer in [1, 4096]", s);
    *out = (int)v;
    return ES_OK;
}

es_status es_cli_parse_config_args(int argc, char **argv, es_cli_common *opt, es_config *cfg,
                                   es_err *err)
{
    const char *sets[256];
    int n_sets = 0;
    memset(opt, 0, sizeof *opt);
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *val = NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            opt->help = 1;
            return ES_OK;
        } else if (strcmp(a, "-q") == 0 || strcmp(a, "--quiet") == 0) {
            opt->quiet = 1;
        } else if (strcmp(a, "--overwrite") == 0) {
            if (strcmp(argv[0], "run") != 0)
                return es_err_set(err, ES_EUSAGE, "--overwrite applies to entroscape run only");
            opt->overwrite = 1;
        } else if (strcmp(a, "-o") == 0 || strcmp(a, "--output") == 0 ||
                   strcmp(a, "--set") == 0 || strcmp(a, "--threads") == 0 ||
                   strcmp(a, "--resume") == 0) {
            if (i + 1 >= argc)
                return es_err_set(err, ES_EUSAGE, "%s needs a value", a);
            val = argv[++i];
        } else if (strncmp(a, "--set=", 6) == 0 || strncmp(a, "--threads=", 10) == 0 ||
                   strncmp(a, "--output=", 9) == 0 || strncmp(a, "--resume=", 9) == 0) {
            val = strchr(a, '=') + 1;
        } else if (a[0] == '-' && a[1] != '\0') {
            return es_err_set(err, ES_EUSAGE, "unknown option '%s' (see --help)", a);
        } else if (!opt->config_path) {
            opt->config_path = a;
            continue;
        } else {
            return es_err_set(err, ES_EUSAGE, "unexpected argument '%s': only one config file "
                              "is taken (see --help)", a);
        }
        if (!val)
            continue;
        if (strncmp(a, "--set", 5) == 0) {
            if (n_sets == (int)ES_ARRAY_LEN(sets))
                return es_err_set(err, ES_EUSAGE, "too many --set overrides");
            sets[n_sets++] = val;
        } else if (strncmp(a, "--threads", 9) == 0) {
            es_status st = parse_threads(val, &opt->threads, err);
            if (st != ES_OK)
                return st;
        } else {
            if (!*val)
                return es_err_set(err, ES_EUSAGE, "%s needs a file name", a);
            if (strncmp(a, "--resume", 8) == 0)
                opt->resume = val;
            else
                opt->output = val;
        }
    }
    if (!opt->config_path)
        return es_err_set(err, ES_EUSAGE, "no config file given (usage: entroscape %s CONFIG.ini "
                          "[options]; see --help)", argv[0]);
    es_config_defaults(cfg);
    es_status st = es_config_load(cfg, opt->config_path, err);
    if (st == ES_EIO) /* a config that cannot be read is a usage error: exit code 2 */
        st = err->status = ES_ECONFIG;
    for (int k = 0; st == ES_OK && k < n_sets; k++)
        st = es_config_set(cfg, sets[k], err);
    if (st == ES_OK)
        st = es_config_validate(cfg, err);
    return st;
}

es_status es_cli_output_path(const es_cli_common *opt, const es_config *cfg, char *out,
                             size_t size, es_err *err)
{
    if (opt->output) {
        if (strlen(opt->output) >= size)
            return es_err_set(err, ES_EUSAGE, "-o %s: path too long (at most %zu characters)",
                              opt->output, size - 1);
        snprintf(out, size, "%s", opt->output);
    } else if (cfg->output_path[0]) {
        snprintf(out, size, "%s", cfg->output_path);
    } else {
        const char *base = strrchr(opt->config_path, '/');
        base = base ? base + 1 : opt->config_path;
        size_t len = strlen(base);
        if (len > 4 && strcmp(base + len - 4, ".ini") == 0)
            len -= 4;
        if (len + 4 > size)
            return es_err_set(err, ES_EUSAGE, "%s: config name too long for an output name", base);
        snprintf(out, size, "%.*s.h5", (int)len, base);
    }
    return ES_OK;
}

void es_cli_fmt_time(double s, char *buf, size_t n)
{
    if (s < 0)
        snprintf(buf, n, "?");
    else if (s < 120)
        snprintf(buf, n, "%.0f s", s);
    else if (s < 7200)
        snprintf(buf, n, "%.1f min", s / 60);
    else
        snprintf(buf, n, "%.1f h", s / 3600);
}
