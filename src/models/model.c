/* model.c: the model registry (task.name -> constructor) and generic model lifecycle. */
#include "entroscape/model.h"
#include "entroscape/models.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

es_model *es_model_create(const es_config *cfg, es_err *err)
{
    if (strcmp(cfg->task_name, "particles") == 0) {
        if (isnan(cfg->model_bound)) {
            es_err_set(err, ES_ECONFIG, "[model] bound = auto is for networks (2/sqrt(first hidden "
                       "width)); the particles model needs a number");
            return NULL;
        }
        es_potential pot = strcmp(cfg->task_potential, "square") == 0 ? ES_POT_SQUARE : ES_POT_ABS;
        double step = cfg->sampler_step > 0 ? cfg->sampler_step : cfg->model_bound;
        return es_particles_create(cfg->task_n, cfg->task_split, pot, cfg->model_bound, step, err);
    }
    if (strcmp(cfg->task_name, "ising") == 0)
        return es_ising_create(cfg->task_L, err);
    es_err_set(err, ES_ECONFIG, "[task] name = %s: `entroscape run` samples particles and ising "
               "so far; network tasks are for `entroscape train`", cfg->task_name);
    return NULL;
}

es_model *es_model_clone(const es_model *m, es_err *err)
{
    es_model *c = es_calloc(1, sizeof *c, "model", err);
    if (!c)
        return NULL;
    *c = *m;
    c->ctx = m->ops->clone(m->ctx, err);
    if (!c->ctx) {
        free(c);
        return NULL;
    }
    return c;
}

void es_model_free(es_model *m)
{
    if (!m)
        return;
    if (m->ctx)
        m->ops->free(m->ctx);
    free(m);
}
