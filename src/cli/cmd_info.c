/* cmd_info.c: `entroscape info FILE.h5`: a readable summary of an entroscape file. */
#include "cli.h"
#include "entroscape/h5io.h"

#include <stdio.h>
#include <string.h>

int es_cmd_info(int argc, char **argv)
{
    es_err err = {0};
    int n_files = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0) {
            printf("usage: entroscape info FILE.h5 [FILE.h5 ...]\n\n"
                   "Summarise entroscape output files: version, seed, creation time, the density\n"
                   "of states (variables, grid, method, ln f, convergence, unreached bins) and any\n"
                   "other groups present. Exit codes: 0 ok, 1 unreadable or not an entroscape file,\n"
                   "2 usage error.\n");
            return 0;
        }
        if (argv[i][0] == '-') {
            es_err_set(&err, ES_EUSAGE, "unknown option '%s' (see entroscape info --help)", argv[i]);
            return es_cli_fail(&err);
        }
    }
    for (int i = 1; i < argc; i++) {
        if (n_files++)
            printf("\n");
        if (es_h5_print_info(argv[i], stdout, &err) != ES_OK)
            return es_cli_fail(&err);
    }
    if (n_files == 0) {
        es_err_set(&err, ES_EUSAGE, "no file given (usage: entroscape info FILE.h5)");
        return es_cli_fail(&err);
    }
    return 0;
}
