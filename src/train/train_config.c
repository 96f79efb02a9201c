/* train_config.c: the issue 13 training options ([train] orthograd, dropout, early_stop,
 * validation; [surge]; [model] output, [task] noise for the description) into
 * es_train_params, checked, and described in one line for /sgd. */
#include "train_internal.h"

#include <stdio.h>
#include <string.h>

/* ES_ECONFIG "WHERE: why", WHERE naming section.key and its value. */
static es_status bad(const es_config *cfg, const char *section, const char *key,
                     const char *value, const char *why, es_err *err)
{
    char where[2 * ES_CFG_STR + 64];
    es_config_where(cfg, section, key, value, where, sizeof where);
    return es_err_set(err, ES_ECONFIG, "%s: %s", where, why);
}

es_status es_train_params_issue13(es_train_params *p, const es_config *cfg, es_err *err)
{
    char v[64];
    p->orthograd = strcmp(cfg->train_orthograd, "true") == 0;
    p->dropout = cfg->train_dropout;
    p->early_stop = cfg->train_early_stop;
    p->validation = cfg->train_validation;
    if (p->early_stop > 0 && !(p->validation > 0)) {
        snprintf(v, sizeof v, "%ld", p->early_stop);
        return bad(cfg, "train", "early_stop", v, "needs a validation split: set "
                   "train.validation (e.g. 0.1)", err);
    }
    p->shift_epoch = cfg->task_shift_epoch;
    p->shift_a = cfg->task_shift_a;
    p->shift_b = cfg->task_shift_b;
    if (p->shift_epoch > 0 && p->validation > 0) {
        snprintf(v, sizeof v, "%ld", p->shift_epoch);
        return bad(cfg, "task", "shift_epoch", v, "a shift with a validation split "
                   "(train.validation) is not supported: leave one out", err);
    }
    if (p->shift_epoch > 0 && p->shift_a == p->shift_b) {
        snprintf(v, sizeof v, "%ld", p->shift_b);
        return bad(cfg, "task", "shift_b", v, "equals shift_a: the shift would change nothing",
                   err);
    }
    es_surge_params *s = &p->surge;
    memset(s, 0, sizeof *s);
    s->collapse_every = cfg->surge_collapse_every;
    s->sparsity = cfg->surge_sparsity;
    s->surge_every = cfg->surge_surge_every;
    s->regrow = cfg->surge_regrow;
    s->regrow_gradient = strcmp(cfg->surge_regrow_by, "gradient") == 0;
    s->regrow_noise = strcmp(cfg->surge_regrow_init, "noise") == 0;
    s->noise_scale = cfg->surge_noise_scale;
    s->final_sparse = strcmp(cfg->surge_final, "sparse") == 0;
    s->adapt_entropy = strcmp(cfg->surge_adapt, "entropy") == 0;
    s->entropy_low = cfg->surge_entropy_low;
    s->entropy_high = cfg->surge_entropy_high;
    if (s->collapse_every == 0 && s->surge_every > 0) {
        snprintf(v, sizeof v, "%ld", s->surge_every);
        return bad(cfg, "surge", "surge_every", v, "a surge re-admits pruned weights, and "
                   "nothing is pruned while surge.collapse_every = 0: set collapse_every", err);
    }
    return ES_OK;
}

void es_train_describe_method(es_sgd *s, const es_train_params *p, const nn_spec *spec,
                              const es_config *cfg)
{
    char *b = s->method;
    size_t n = sizeof s->method, len = 0;
    b[0] = '\0';
#define PUT(...)                                                                           \
    do {                                                                                   \
        if (len < n) {                                                                     \
            int k_ = snprintf(b + len, n - len, "%s", len ? ", " : "");                    \
            len += k_ > 0 ? (size_t)k_ : 0;                                                \
        }                                                                                  \
        if (len < n) {                                                                     \
            int k_ = snprintf(b + len, n - len, __VA_ARGS__);                              \
            len += k_ > 0 ? (size_t)k_ : 0;                                                \
        }                                                                                  \
    } while (0)
    if (spec->loss == NN_LOSS_STABLEMAX_CE)
        PUT("stablemax");
    if (p->orthograd)
        PUT("orthograd");
    if (!spec->biases)
        PUT("no biases");
    if (es_surge_on_p(&p->surge)) {
        const es_surge_params *g = &p->surge;
        PUT("surge-collapse: collapse every %ld steps to sparsity %g", g->collapse_every,
            g->sparsity);
        if (g->surge_every > 0)
            PUT("surge every %ld regrowing %g by %s at %s", g->surge_every, g->regrow,
                g->regrow_gradient ? "gradient" : "random",
                g->regrow_noise ? "noise" : "zero");
        PUT("final %s", g->final_sparse ? "sparse" : "dense");
        if (g->adapt_entropy)
            PUT("adapt entropy [%g, %g]", g->entropy_low, g->entropy_high);
    }
    if (p->dropout > 0)
        PUT("dropout %g", p->dropout);
    if (p->early_stop > 0)
        PUT("early stop %ld on %g validation", p->early_stop, p->validation);
    if (cfg && cfg->task_label_noise > 0)
        PUT("label noise %g", cfg->task_label_noise);
    if (cfg && cfg->task_input_noise > 0)
        PUT("input noise %g", cfg->task_input_noise);
    if (p->shift_epoch > 0)
        PUT("classes %ld and %ld swap at epoch %ld", p->shift_a, p->shift_b, p->shift_epoch);
#undef PUT
}
