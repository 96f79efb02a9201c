/* describe.c: a run's effective configuration (the root `config` attribute, INI text) as
 * key/value pairs, for comparing runs and titling figures. No I/O. */
#include "entroscape/analysis.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* s without leading and trailing blanks, copied into out[size]. */
static void trimmed(const char *s, size_t len, char *out, size_t size)
{
    while (len > 0 && isspace((unsigned char)*s))
        s++, len--;
    while (len > 0 && isspace((unsigned char)s[len - 1]))
        len--;
    snprintf(out, size, "%.*s", (int)len, s);
}

es_status es_ana_config_parse(const char *text, es_ana_config *c, es_err *err)
{
    memset(c, 0, sizeof *c);
    if (!text)
        return ES_OK;
    size_t cap = 0;
    char section[96] = "";
    for (const char *line = text; *line;) {
        const char *end = strchr(line, '\n');
        size_t len = end ? (size_t)(end - line) : strlen(line);
        char buf[512];
        trimmed(line, len < sizeof buf ? len : sizeof buf - 1, buf, sizeof buf);
        line += len + (end ? 1 : 0);
        if (!buf[0] || buf[0] == ';' || buf[0] == '#')
            continue;
        if (buf[0] == '[') {
            char *close = strchr(buf, ']');
            trimmed(buf + 1, close ? (size_t)(close - buf - 1) : strlen(buf + 1), section,
                    sizeof section);
            continue;
        }
        char *eq = strchr(buf, '=');
        if (!eq)
            continue;
        if (c->n == cap) {
            size_t ncap = cap ? 2 * cap : 64;
            es_ana_kv *kv = realloc(c->kv, ncap * sizeof *kv);
            if (!kv) {
                es_ana_config_free(c);
                return es_err_set(err, ES_ENOMEM, "out of memory reading a configuration");
            }
            c->kv = kv;
            cap = ncap;
        }
        es_ana_kv *kv = &c->kv[c->n++];
        char key[96], value[256];
        trimmed(buf, (size_t)(eq - buf), key, sizeof key);
        trimmed(eq + 1, strlen(eq + 1), value, sizeof value);
        size_t vl = strlen(value);   /* "quoted" values lose their quotes */
        if (vl >= 2 && value[0] == '"' && value[vl - 1] == '"') {
            memmove(value, value + 1, vl - 2);
            value[vl - 2] = '\0';
        }
        snprintf(kv->key, sizeof kv->key, "%.40s.%.50s", section, key);
        snprintf(kv->value, sizeof kv->value, "%s", value);
    }
    return ES_OK;
}

void es_ana_config_free(es_ana_config *c)
{
    if (!c)
        return;
    free(c->kv);
    c->kv = NULL;
    c->n = 0;
}

const char *es_ana_config_get(const es_ana_config *c, const char *key)
{
    for (size_t i = 0; c && i < c->n; i++)
        if (strcmp(c->kv[i].key, key) == 0)
            return c->kv[i].value;
    return NULL;
}

int es_ana_config_key_is_output(const char *key)
{
    return strncmp(key, "output.", 7) == 0;
}

/* "6,6,6" -> "2-6-6-6-2"-like middle part "6-6-6". */
static void widths(const char *hidden, char *out, size_t size)
{
    size_t k = 0;
    for (const char *p = hidden; *p && k + 1 < size; p++)
        if (!isspace((unsigned char)*p))
            out[k++] = *p == ',' ? '-' : *p;
    out[k] = '\0';
}

char *es_ana_describe(const es_ana_config *c, const char *arch, int64_t n_params, char *buf,
                      size_t size)
{
    const char *task = es_ana_config_get(c, "task.name");
    const char *dataset = es_ana_config_get(c, "task.dataset");
    char name[96];
    snprintf(name, sizeof name, "%.60s", task && *task ? task : "unknown task");
    if (task && dataset && *dataset && (strcmp(task, "tabular") == 0 || strcmp(task, "image") == 0))
        snprintf(name, sizeof name, "%.40s (%.40s)", task, dataset);

    if (task && strcmp(task, "particles") == 0) {
        const char *n = es_ana_config_get(c, "task.n");
        const char *pot = es_ana_config_get(c, "task.potential");
        const char *split = es_ana_config_get(c, "task.split");
        const char *bound = es_ana_config_get(c, "model.bound");
        long nn = n ? atol(n) : 0, sp = split ? atol(split) : 0;
        char sp_txt[64] = "";
        if (sp > 0)
            snprintf(sp_txt, sizeof sp_txt, ", x over %ld, y over %ld", sp, nn - sp);
        snprintf(buf, size, "particles: n = %s, phi = %s, box [-%s, %s]%s", n ? n : "?",
                 pot && strcmp(pot, "square") == 0 ? "w^2" : "|w|", bound ? bound : "?",
                 bound ? bound : "?", sp_txt);
        return buf;
    }
    if (task && strcmp(task, "ising") == 0) {
        const char *L = es_ana_config_get(c, "task.L");
        long l = L ? atol(L) : 0;
        snprintf(buf, size, "2-D Ising model: %ld x %ld spins (%ld, periodic)", l, l, l * l);
        return buf;
    }
    if (arch && *arch) {   /* /sgd's own description: "mlp 2-6-6-6-2 relu, 116 parameters" */
        snprintf(buf, size, "%s: %s", name, arch);
        return buf;
    }
    const char *a = es_ana_config_get(c, "model.arch");
    const char *hidden = es_ana_config_get(c, "model.hidden");
    const char *act = es_ana_config_get(c, "model.activation");
    const char *ch = es_ana_config_get(c, "model.channels");
    const char *weights = es_ana_config_get(c, "model.weights");
    int binary = weights && strcmp(weights, "binary") == 0;
    char net[160];
    if (a && strcmp(a, "cnn") == 0) {
        snprintf(net, sizeof net, "cnn, 5 conv layers of %.20s channels", ch ? ch : "?");
    } else {
        char w[96];
        widths(hidden ? hidden : "?", w, sizeof w);
        snprintf(net, sizeof net, "%smlp hidden %.80s %.16s", binary ? "binary (+-1) " : "", w,
                 binary ? "sign" : act ? act : "");
    }
    size_t k = (size_t)snprintf(buf, size, "%s: %s", name, net);
    if (n_params > 0 && k < size)
        snprintf(buf + k, size - k, ", %lld parameters", (long long)n_params);
    return buf;
}
