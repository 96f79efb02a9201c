/* noise.c: corruption of the training split (issue 13): label noise (an exact fraction of
 * training labels replaced by a different class) and input noise (Gaussian, added once).
 * The test split is never touched. Draws come from the stream (task.seed, ES_DATA_STREAM_NOISE),
 * so they change nothing else and a seed fixes them. */
#include "data_internal.h"
#include "entroscape/rng.h"

#include <gsl/gsl_randist.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ES_ECONFIG "[task] key = value: why" (naming the file line when there is one). */
static es_status noise_bad(const es_config *cfg, const char *key, double value, const char *why,
                           es_err *err)
{
    char v[32], where[2 * ES_CFG_STR + 64];
    snprintf(v, sizeof v, "%g", value);
    es_config_where(cfg, "task", key, v, where, sizeof where);
    return es_err_set(err, ES_ECONFIG, "%s: %s", where, why);
}

es_status es_data_corrupt(es_data *d, const es_config *cfg, es_err *err)
{
    double fl = cfg->task_label_noise, sx = cfg->task_input_noise;
    if (!(fl > 0) && !(sx > 0))
        return ES_OK;
    if (fl > 0 && (!d->classify || d->n_out < 2))
        return noise_bad(cfg, "label_noise", fl, "applies to classification tasks only", err);
    if (sx > 0 && d->vocab)
        return noise_bad(cfg, "input_noise", sx, "text inputs are token indices; no noise can "
                         "be added to them", err);
    gsl_rng *rng = es_rng_alloc((uint64_t)cfg->task_seed, ES_DATA_STREAM_NOISE, err);
    if (!rng)
        return err->status;
    es_split *s = &d->train;
    if (fl > 0) {
        size_t n = s->n, k = (size_t)floor(fl * (double)n + 0.5);
        size_t *idx = es_calloc(n ? n : 1, sizeof *idx, "label noise", err);
        if (!idx) {
            gsl_rng_free(rng);
            return ES_ENOMEM;
        }
        for (size_t i = 0; i < n; i++)
            idx[i] = i;
        for (size_t r = 0; r < k && r < n; r++) {   /* partial Fisher-Yates: k distinct samples */
            size_t j = r + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(n - r));
            size_t t = idx[r];
            idx[r] = idx[j];
            idx[j] = t;
            size_t c = (size_t)s->y[idx[r]];
            size_t o = (size_t)gsl_rng_uniform_int(rng, (unsigned long)(d->n_out - 1));
            s->y[idx[r]] = (double)(o >= c ? o + 1 : o);   /* uniform over the other classes */
        }
        free(idx);
    }
    if (sx > 0)
        for (size_t i = 0; i < s->n * d->n_in; i++)
            s->x[i] += gsl_ran_gaussian(rng, sx);
    gsl_rng_free(rng);
    return ES_OK;
}
