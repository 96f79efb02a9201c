/* rng.c: per-walker random streams derived from (seed, stream). */
#include "entroscape/rng.h"

uint64_t es_splitmix64(uint64_t x)
{
    /* Steele, Lea, Flood, "Fast splittable pseudorandom number generators" (OOPSLA 2014). */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

unsigned long es_rng_stream_seed(uint64_t seed, uint64_t stream)
{
    uint64_t h = es_splitmix64(es_splitmix64(seed) ^ es_splitmix64(stream + 0x632be59bd9b4e019ULL));
    unsigned long s = (unsigned long)(h & 0xffffffffULL) ^ (unsigned long)(h >> 32);
    return s ? s : 4357UL; /* mt19937 treats 0 as 4357 anyway; keep it explicit */
}

gsl_rng *es_rng_alloc(uint64_t seed, uint64_t stream, es_err *err)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r) {
        es_err_set(err, ES_ENOMEM, "out of memory allocating a random stream");
        return NULL;
    }
    gsl_rng_set(r, es_rng_stream_seed(seed, stream));
    return r;
}
