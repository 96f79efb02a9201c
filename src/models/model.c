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
    /* learning tasks: the task's network */
    static const char *const network_tasks[] = {"spiral", "spiral-regression", "arithmetic",
                                                "tabular", "image", "text"};
    for (size_t i = 0; i < ES_ARRAY_LEN(network_tasks); i++)
        if (strcmp(cfg->task_name, network_tasks[i]) == 0) {
            if (strcmp(cfg->model_weights, "binary") == 0)
                return es_binary_net_create(cfg, err);
            if (strcmp(cfg->model_weights, "continuous") == 0)
                return es_network_create(cfg, err);
            break;
        }
    es_err_set(err, ES_ECONFIG, "[task] name = %s with [model] weights = %s: no model samples "
               "this combination", cfg->task_name, cfg->model_weights);
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
