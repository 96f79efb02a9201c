/* models.h: constructors of the built-in models (each returns an es_model behind the ops table). */
#ifndef ENTROSCAPE_MODELS_H
#define ENTROSCAPE_MODELS_H

#include "entroscape/model.h"

typedef enum es_potential { ES_POT_ABS, ES_POT_SQUARE } es_potential;

/* Non-interacting particles: n parameters uniform in [-bound, bound]; x = mean phi over the
 * first `split` parameters, y = mean phi over the rest (split = 0: 1-D, x over all n).
 * A move displaces one parameter by U(-step, step); leaving the box is ES_EDOM. */
es_model *es_particles_create(long n, long split, es_potential pot, double bound, double step,
                              es_err *err);

/* 2-D Ising model, L x L periodic, single-spin flips; x = E = -sum_<ij> s_i s_j. */
es_model *es_ising_create(long L, es_err *err);

#endif
