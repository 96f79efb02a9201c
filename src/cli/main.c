/* main.c: the entroscape program: dispatch to subcommands. */
#include "cli.h"
#include "entroscape/comm.h"

#include <stdio.h>
#include <string.h>

typedef struct es_command {
    const char *name;
    int (*fn)(int argc, char **argv);
    const char *summary;
} es_command;

static const es_command commands[] = {
    {"run", es_cmd_run, "sample the density of states of a config, write HDF5"},
    {"train", es_cmd_train, "train the task's network with SGD/Adam (baseline), write /sgd"},
    {"exact", es_cmd_exact, "count every configuration of a small binary network, write HDF5"},
    {"info", es_cmd_info, "summarise an entroscape HDF5 file"},
    {"analyze", es_cmd_analyze, "high-entropy states vs SGD/Adam per x bin; write /analysis"},
    {"plot", es_cmd_plot, "figures of a run through gnuplot (landscape, convergence, ...)"},
    {"compare", es_cmd_compare, "the advantage across runs that differ in a config key"},
    {"bench", es_cmd_bench, "time the moves of a network model (incremental vs full)"},
};

static void usage(FILE *f)
{
    fprintf(f, "entroscape %s: entropy landscapes of parameter spaces by Wang-Landau sampling\n\n"
               "usage: entroscape COMMAND [ARGS]   (entroscape COMMAND --help for details)\n\n"
               "commands:\n", es_version());
    for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
        fprintf(f, "  %-8s %s\n", commands[i].name, commands[i].summary);
    fprintf(f, "\noptions:\n  -h, --help     this help\n  --version      print the version\n\n"
               "Exit codes: 0 success, 1 runtime failure, 2 usage or config error.\n");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (strcmp(cmd, "-h") == 0 || strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0) {
        if (strcmp(cmd, "help") == 0 && argc > 2) {
            for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
                if (strcmp(argv[2], commands[i].name) == 0) {
                    char *args[] = {argv[2], "--help", NULL};
                    return commands[i].fn(2, args);
                }
        }
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0) {
        printf("entroscape %s\n", es_version());
        return 0;
    }
    for (size_t i = 0; i < ES_ARRAY_LEN(commands); i++)
        if (strcmp(cmd, commands[i].name) == 0) {
            es_comm_init(&argc, &argv);
            int rc = commands[i].fn(argc - 1, argv + 1);
            es_comm_finalize();
            return rc;
        }
    fprintf(stderr, "entroscape: usage error: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
