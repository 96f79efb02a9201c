/* network_init.c: initial network states from a trained network: sampler.init =
 * sgd:FILE.h5[:run] reads /sgd/final_params (written by `entroscape train`), so that a walker
 * can start inside a low-loss window. Without :run each walker draws one of the runs. */
#include "network.h"
#include "entroscape/train.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

es_status net_load_sgd(net_shared *sh, const es_config *cfg, const nn_net *proto, es_err *err)
{
    const char *v = cfg->sampler_init;
    if (strcmp(v, "uniform") == 0)
        return ES_OK;
    if (strncmp(v, "sgd:", 4) != 0 || !v[4])
        return es_err_set(err, ES_ECONFIG, "[sampler] init = %s: allowed: uniform, "
                          "sgd:FILE.h5 or sgd:FILE.h5:RUN", v);
    char path[ES_CFG_STR];
    snprintf(path, sizeof path, "%s", v + 4);
    long run = -1;
    char *colon = strrchr(path, ':');
    if (colon && colon[1]) {
        const char *q = colon + 1;
        while (isdigit((unsigned char)*q))
            q++;
        if (!*q) {
            errno = 0;
            run = strtol(colon + 1, NULL, 10);
            if (errno == ERANGE || run > 1000000000L)
                return es_err_set(err, ES_ECONFIG, "[sampler] init = %s: run %s is out of range "
                                  "(allowed: 0 to the file's number of runs - 1)", v, colon + 1);
            *colon = '\0';
        }
    }
    es_err e = {0};
    es_sgd *s = es_h5_read_sgd(path, &e);
    if (!s)
        return es_err_set(err, e.status, "[sampler] init = %s: %s", v, e.msg);
    es_status st = ES_OK;
    char arch[128];
    nn_net_describe(proto, arch, sizeof arch);
    if (s->n_params != proto->n_params || strcmp(s->arch, arch) != 0)
        st = es_err_set(err, ES_EDATA, "[sampler] init = %s: the trained network is \"%s\"; this "
                        "config's is \"%s\"", v, s->arch, arch);
    else if (run >= s->runs)
        st = es_err_set(err, ES_ECONFIG, "[sampler] init = %s: run %ld, but %s holds runs 0 to "
                        "%ld", v, run, path, s->runs - 1);
    long r0 = run >= 0 ? run : 0, r1 = st != ES_OK ? 0 : run >= 0 ? run + 1 : s->runs;
    for (long r = r0; st == ES_OK && r < r1; r++)
        for (size_t k = 0; k < s->n_params; k++) {
            double w = s->final_params[(size_t)r * s->n_params + k];
            if (!(fabs(w) <= sh->bound)) {
                st = es_err_set(err, ES_EDATA, "[sampler] init = %s: run %ld, parameter %zu = %g "
                                "lies outside the box [-%g, %g] (the training used bound %g; "
                                "train with the same model.bound%s)", v, r, k, w, sh->bound,
                                sh->bound, s->bound, run < 0 ? " or pick a run with :RUN" : "");
                break;
            }
        }
    if (st == ES_OK) {
        sh->sgd_runs = r1 - r0;
        size_t bytes = (size_t)sh->sgd_runs * s->n_params * sizeof(double);
        sh->sgd_params = es_calloc(1, bytes, "trained parameters", err);
        if (!sh->sgd_params)
            st = ES_ENOMEM;
        else
            memcpy(sh->sgd_params, s->final_params + (size_t)r0 * s->n_params, bytes);
    }
    es_sgd_free(s);
    return st;
}
