/* spec.c: the network description from [model] and the loaded task, and the box bound. */
#include "entroscape/nn.h"
#include "entroscape/config.h"
#include "entroscape/data.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NN_MAX_WIDTH 1000000  /* largest hidden width model.hidden accepts */

/* "cfg.ini:5: [model] key = value" (file), "--set model.key=value" (override) or
 * "[model] key = value (default)", naming where option model.key came from. */
static void nn_cfg_where(const es_config *cfg, const char *key, const char *value, char *buf,
                         size_t n)
{
    int i = es_config_find("model", key);
    int line = i >= 0 ? cfg->origin[i].line : 0;
    if (line > 0)
        snprintf(buf, n, "%s:%d: [model] %s = %s", cfg->path, line, key, value);
    else if (line < 0)
        snprintf(buf, n, "--set model.%s=%s", key, value);
    else
        snprintf(buf, n, "[model] %s = %s (default)", key, value);
}

/* Parse "6,6,6" (spaces around numbers allowed) into spec->hidden; ES_ECONFIG naming the
 * key, the value and the offending item. */
static es_status nn_parse_hidden(const es_config *cfg, nn_spec *spec, es_err *err)
{
    const char *s = cfg->model_hidden;
    char where[2 * ES_CFG_STR + 64], why[128] = "";
    size_t n = 0, pos = 0;
    const char *p = s;
    while (!why[0]) {
        pos++;
        while (*p == ' ' || *p == '\t')
            p++;
        const char *start = p;
        while (isdigit((unsigned char)*p))
            p++;
        const char *end = p;
        while (*p == ' ' || *p == '\t')
            p++;
        if (end == start && (*p == ',' || *p == '\0')) {
            snprintf(why, sizeof why, "empty width at position %zu", pos);
        } else if (end == start || (*p != ',' && *p != '\0')) {
            snprintf(why, sizeof why, "item %zu is not a positive integer", pos);
        } else {
            unsigned long v = strtoul(start, NULL, 10);
            if (v < 1 || v > NN_MAX_WIDTH || end - start > 7)
                snprintf(why, sizeof why, "width %.*s at position %zu is out of range",
                         (int)(end - start > 20 ? 20 : end - start), start, pos);
            else if (n == ES_ARRAY_LEN(spec->hidden))
                snprintf(why, sizeof why, "more than %zu widths", ES_ARRAY_LEN(spec->hidden));
            else
                spec->hidden[n++] = v;
        }
        if (*p == '\0' || why[0])
            break;
        p++;  /* the comma */
    }
    if (why[0]) {
        nn_cfg_where(cfg, "hidden", s, where, sizeof where);
        return es_err_set(err, ES_ECONFIG,
                          "%s: %s; allowed: 1 to %zu comma-separated widths in [1, %d], "
                          "e.g. 6,6,6", where, why, ES_ARRAY_LEN(spec->hidden), NN_MAX_WIDTH);
    }
    spec->n_hidden = n;
    return ES_OK;
}

es_status nn_spec_from_config(const es_config *cfg, const es_data *data, nn_spec *spec,
                              es_err *err)
{
    char where[2 * ES_CFG_STR + 64];
    memset(spec, 0, sizeof *spec);
    spec->biases = strcmp(cfg->model_bias, "false") != 0;
    spec->n_in = data->n_in;
    spec->n_out = data->n_out;
    spec->loss = data->classify ? NN_LOSS_SOFTMAX_CE : NN_LOSS_MSE;
    if (strcmp(cfg->model_output, "stablemax") == 0) {
        if (!data->classify) {
            nn_cfg_where(cfg, "output", cfg->model_output, where, sizeof where);
            return es_err_set(err, ES_ECONFIG, "%s: StableMax is a classification output; task "
                              "%s is a regression (leave model.output = softmax)", where,
                              data->task);
        }
        spec->loss = NN_LOSS_STABLEMAX_CE;
    }

    const char *act = cfg->model_activation;
    if (strcmp(act, "relu") == 0)
        spec->activation = NN_RELU;
    else if (strcmp(act, "tanh") == 0)
        spec->activation = NN_TANH;
    else if (strcmp(act, "silu") == 0)
        spec->activation = NN_SILU;
    else {
        nn_cfg_where(cfg, "activation", act, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: unknown activation; allowed: relu, tanh, silu",
                          where);
    }

    const char *arch = cfg->model_arch;
    if (strcmp(arch, "cnn") == 0) {
        snprintf(spec->arch, sizeof spec->arch, "cnn");
        nn_cfg_where(cfg, "arch", arch, where, sizeof where);
        if (!data->channels || !data->height || !data->width)
            return es_err_set(err, ES_ECONFIG,
                              "%s: needs an image task (task.name = image), not task.name = %s",
                              where, data->task);
        if (data->height < 8 || data->width < 8)
            return es_err_set(err, ES_ECONFIG,
                              "%s: %s images are %zux%zu, too small for three 2x2 max-pools "
                              "(need at least 8x8)", where, data->dataset, data->height,
                              data->width);
        if (cfg->model_channels < 1) {
            char v[32];
            snprintf(v, sizeof v, "%ld", cfg->model_channels);
            nn_cfg_where(cfg, "channels", v, where, sizeof where);
            return es_err_set(err, ES_ECONFIG, "%s: must be >= 1", where);
        }
        spec->channels = (size_t)cfg->model_channels;
        spec->in_c = data->channels;
        spec->in_h = data->height;
        spec->in_w = data->width;
    } else if (strcmp(arch, "mlp") == 0) {
        snprintf(spec->arch, sizeof spec->arch, "mlp");
        es_status st = nn_parse_hidden(cfg, spec, err);
        if (st != ES_OK)
            return st;
        if (data->vocab) {
            if (cfg->model_embed_dim < 1) {
                char v[32];
                snprintf(v, sizeof v, "%ld", cfg->model_embed_dim);
                nn_cfg_where(cfg, "embed_dim", v, where, sizeof where);
                return es_err_set(err, ES_ECONFIG, "%s: must be >= 1", where);
            }
            spec->vocab = data->vocab;
            spec->embed_dim = (size_t)cfg->model_embed_dim;
        }
    } else {
        nn_cfg_where(cfg, "arch", arch, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: unknown architecture; allowed: mlp, cnn", where);
    }
    return ES_OK;
}

double nn_spec_bound(const es_config *cfg, const nn_spec *spec)
{
    if (!isnan(cfg->model_bound))
        return cfg->model_bound;
    if (strcmp(spec->arch, "cnn") == 0)
        return 2.0 / sqrt(9.0 * (double)spec->channels);
    return 2.0 / sqrt((double)spec->hidden[0]);
}
