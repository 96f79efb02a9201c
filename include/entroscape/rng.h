/* rng.h: per-walker random streams. Each stream is a GSL Mersenne Twister (gsl_rng_mt19937)
 * seeded from (seed, stream id) through SplitMix64, so a seed and a walker layout fix every
 * random number, whatever the thread scheduling. */
#ifndef ENTROSCAPE_RNG_H
#define ENTROSCAPE_RNG_H

#include "entroscape/common.h"
#include <gsl/gsl_rng.h>

/* The 32-bit MT seed of stream `stream` under run seed `seed` (distinct streams, distinct seeds
 * with overwhelming probability; never 0). */
unsigned long es_rng_stream_seed(uint64_t seed, uint64_t stream);

/* A new generator for (seed, stream). NULL (err set) on allocation failure. Free with gsl_rng_free. */
gsl_rng *es_rng_alloc(uint64_t seed, uint64_t stream, es_err *err);

/* One SplitMix64 step: the mixing function behind stream seeds (public for tests). */
uint64_t es_splitmix64(uint64_t x);

#endif
