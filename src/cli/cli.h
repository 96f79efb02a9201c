/* cli.h (internal): the subcommands of the entroscape program. Each returns an exit code:
 * 0 success, 1 runtime failure, 2 usage or configuration error. */
#ifndef ENTROSCAPE_CLI_H
#define ENTROSCAPE_CLI_H

#include "entroscape/common.h"
#include "entroscape/config.h"

int es_cmd_run(int argc, char **argv);
int es_cmd_info(int argc, char **argv);
int es_cmd_exact(int argc, char **argv);
int es_cmd_train(int argc, char **argv);

/* Shared option handling for subcommands that read a config: CONFIG [-o OUT] [--set k=v ...]
 * [--threads N] [--resume CKPT] [--quiet]. Loads, overrides and validates cfg. Returns ES_OK, or an error
 * (message in err); *help is set when --help was given. */
typedef struct es_cli_common {
    const char *config_path;
    const char *output;     /* -o, or NULL */
    const char *resume;     /* --resume CKPT.h5, or NULL */
    int threads;            /* --threads, 0 = default */
    int quiet;
    int help;
} es_cli_common;

es_status es_cli_parse_config_args(int argc, char **argv, es_cli_common *opt, es_config *cfg,
                                   es_err *err);

/* The output path: -o, else output.path, else <config basename without .ini>.h5. */
es_status es_cli_output_path(const es_cli_common *opt, const es_config *cfg, char *out,
                             size_t size, es_err *err);

/* A duration for progress lines: "42 s", "3.5 min", "2.1 h", or "?" when negative. */
void es_cli_fmt_time(double seconds, char *buf, size_t n);

/* Print "entroscape: <status name>: <message>" to stderr and return the exit code. */
int es_cli_fail(const es_err *err);

#endif
