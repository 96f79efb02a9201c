/* surge.c: Surge-Collapse training: collapse (per-tensor magnitude pruning to an exact
 * count), surge (re-admission of pruned weights), the mask that holds pruned weights at zero,
 * perpendicular gradients, and hidden-layer activation entropy. See surge.h. */
#include "entroscape/surge.h"
#include "entroscape/train.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define ES_SURGE_TWO_PI 6.283185307179586476925286766559

/* A weight (or gradient) magnitude with its index, for sorting. */
typedef struct es_surge_key {
    double a;
    size_t i;
} es_surge_key;

/* x < y: ascending a, then ascending index. A total order on distinct indices, so which keys
 * count as the smallest never depends on the selection algorithm. */
static int es_surge_less(const es_surge_key *x, const es_surge_key *y)
{
    return x->a < y->a || (x->a == y->a && x->i < y->i);
}

/* Rearrange key (n, distinct indices) so that key[0 .. k) are its k smallest (in some order):
 * Hoare's selection with a median-of-three pivot, O(n) on average; ranges of up to 8 keys
 * are sorted by insertion. */
static void es_surge_select(es_surge_key *key, size_t n, size_t k)
{
    size_t lo = 0, hi = n;   /* the boundary k lies in [lo, hi) */
    while (k > lo && k < hi && hi - lo > 1) {
        if (hi - lo <= 8) {
            for (size_t a = lo + 1; a < hi; a++)
                for (size_t b = a; b > lo && es_surge_less(&key[b], &key[b - 1]); b--) {
                    es_surge_key t = key[b];
                    key[b] = key[b - 1];
                    key[b - 1] = t;
                }
            return;
        }
        size_t mid = lo + (hi - lo) / 2, last = hi - 1;
        /* median of key[lo], key[mid], key[last] into key[mid] */
        if (es_surge_less(&key[mid], &key[lo])) { es_surge_key t = key[mid]; key[mid] = key[lo]; key[lo] = t; }
        if (es_surge_less(&key[last], &key[mid])) { es_surge_key t = key[mid]; key[mid] = key[last]; key[last] = t; }
        if (es_surge_less(&key[mid], &key[lo])) { es_surge_key t = key[mid]; key[mid] = key[lo]; key[lo] = t; }
        es_surge_key pivot = key[mid];
        size_t i = lo, j = last;
        for (;;) {   /* Hoare partition: [lo, j] <= pivot <= [j + 1, hi) */
            while (es_surge_less(&key[i], &pivot))
                i++;
            while (es_surge_less(&pivot, &key[j]))
                j--;
            if (i >= j)
                break;
            es_surge_key t = key[i];
            key[i] = key[j];
            key[j] = t;
            i++;
            j--;
        }
        if (k <= j)
            hi = j + 1;
        else
            lo = j + 1;
    }
}

int es_surge_on_p(const es_surge_params *p)
{
    return p && p->collapse_every > 0;
}

es_surge *es_surge_alloc(const nn_net *net, const es_surge_params *p, es_err *err)
{
    es_surge *s = es_calloc(1, sizeof *s, "surge-collapse state", err);
    if (!s)
        return NULL;
    s->p = *p;
    s->n_params = net->n_params;
    size_t nt = 0, big = 1, n_act = es_act_layers(net, NULL);
    for (size_t l = 0; l < net->n_layers; l++)
        if (net->layers[l].w_count) {
            nt++;
            if (net->layers[l].w_count > big)
                big = net->layers[l].w_count;
        }
    s->n_tensors = nt;
    s->off = es_calloc(nt ? nt : 1, sizeof *s->off, "surge tensors", err);
    s->cnt = es_calloc(nt ? nt : 1, sizeof *s->cnt, "surge tensors", err);
    s->feed = es_calloc(nt ? nt : 1, sizeof *s->feed, "surge tensors", err);
    s->mask = es_calloc(net->n_params ? net->n_params : 1, 1, "surge mask", err);
    s->gsave = es_calloc(net->n_params ? net->n_params : 1, sizeof *s->gsave, "surge gradient",
                         err);
    s->idx = es_calloc(big, sizeof(es_surge_key), "surge scratch", err);
    s->frac = es_calloc(nt ? nt : 1, sizeof *s->frac, "surge fractions", err);
    s->keep = es_calloc(net->n_params ? net->n_params : 1, sizeof *s->keep, "surge mask", err);
    if (!s->off || !s->cnt || !s->feed || !s->mask || !s->gsave || !s->idx || !s->frac ||
        !s->keep) {
        es_surge_free(s);
        return NULL;
    }
    es_surge_release(s);
    size_t k = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        if (!L->w_count)
            continue;
        s->off[k] = L->w_offset;
        s->cnt[k] = L->w_count;
        /* the first activation layer after l, else the last one */
        size_t a = 0, feed = n_act ? n_act - 1 : 0;
        for (size_t j = 0; j < net->n_layers; j++) {
            nn_kind kd = net->layers[j].kind;
            if (kd != NN_RELU && kd != NN_TANH && kd != NN_SILU)
                continue;
            if (j > l) {
                feed = a;
                break;
            }
            a++;
        }
        s->feed[k++] = feed;
    }
    return s;
}

void es_surge_free(es_surge *s)
{
    if (!s)
        return;
    free(s->off);
    free(s->cnt);
    free(s->feed);
    free(s->mask);
    free(s->gsave);
    free(s->idx);
    free(s->frac);
    free(s->keep);
    free(s);
}

/* Round-half-up count of frac x n, clamped to [0, n]. */
static size_t es_surge_count(double frac, size_t n)
{
    double c = floor(frac * (double)n + 0.5);
    return c <= 0 ? 0 : c >= (double)n ? n : (size_t)c;
}

void es_surge_collapse(es_surge *s, double *w, struct es_optim *opt, const double *frac)
{
    es_surge_key *key = (es_surge_key *)s->idx;   /* (largest tensor) */
    for (size_t k = 0; k < s->n_tensors; k++) {
        size_t off = s->off[k], n = s->cnt[k];
        size_t prune = es_surge_count(frac ? frac[k] : s->p.sparsity, n);
        for (size_t i = 0; i < n; i++)
            key[i] = (es_surge_key){.a = s->mask[off + i] ? fabs(w[off + i]) : 0.0, .i = i};
        es_surge_select(key, n, prune);
        memset(s->mask + off, 1, n);
        for (size_t i = 0; i < n; i++)
            s->keep[off + i] = 1.0;
        for (size_t r = 0; r < prune; r++) {
            size_t i = off + key[r].i;
            s->mask[i] = 0;
            s->keep[i] = 0.0;
            w[i] = 0.0;
            if (opt) {
                opt->m[i] = 0.0;
                if (opt->v)
                    opt->v[i] = 0.0;
            }
        }
    }
}

size_t es_surge_regrow(es_surge *s, double *w, const double *g, gsl_rng *rng,
                       const double *frac)
{
    es_surge_key *key = (es_surge_key *)s->idx;   /* (largest tensor) */
    size_t total = 0;
    for (size_t k = 0; k < s->n_tensors; k++) {
        size_t off = s->off[k], n = s->cnt[k], m = 0;
        for (size_t i = 0; i < n; i++)
            if (!s->mask[off + i])
                key[m++] = (es_surge_key){.a = g ? -fabs(g[off + i]) : 0.0, .i = i};
        size_t take = es_surge_count(frac ? frac[k] : s->p.regrow, m);
        if (take == 0)
            continue;
        if (s->p.regrow_gradient && g) {
            es_surge_select(key, m, take);   /* the take largest |g| first */
        } else {
            for (size_t r = 0; r < take; r++) {          /* partial Fisher-Yates */
                size_t j = r + (size_t)gsl_rng_uniform_int(rng, (unsigned long)(m - r));
                es_surge_key t = key[r];
                key[r] = key[j];
                key[j] = t;
            }
        }
        for (size_t r = 0; r < take; r++) {
            size_t i = off + key[r].i;
            s->mask[i] = 1;
            s->keep[i] = 1.0;
            w[i] = 0.0;
            if (s->p.regrow_noise) {   /* Box-Muller: randist clashes with cblas.h elsewhere */
                double u1 = gsl_rng_uniform_pos(rng), u2 = gsl_rng_uniform(rng);
                w[i] = s->p.noise_scale * sqrt(-2.0 * log(u1)) * cos(ES_SURGE_TWO_PI * u2);
            }
        }
        total += take;
    }
    return total;
}

void es_surge_release(es_surge *s)
{
    memset(s->mask, 1, s->n_params);
    for (size_t i = 0; i < s->n_params; i++)
        s->keep[i] = 1.0;
}

void es_surge_before_step(es_surge *s, double *g)
{
    s->step++;
    s->pending_surge = s->p.surge_every > 0 && s->step % s->p.surge_every == 0;
    if (s->pending_surge && s->p.regrow_gradient)
        memcpy(s->gsave, g, s->n_params * sizeof *g);
    /* a product (vectorised) over the weight tensors only: biases are never pruned. g of a
     * pruned weight becomes +-0, which leaves its moments and its value at +0 */
    for (size_t k = 0; k < s->n_tensors; k++) {
        const double *keep = s->keep + s->off[k];   /* (cnt[k]) */
        double *gk = g + s->off[k];
        for (size_t i = 0; i < s->cnt[k]; i++)
            gk[i] *= keep[i];
    }
}

/* Per-tensor fractions under adapt = entropy: base scaled by `factor` where the entropy of
 * the tensor's layer is above (above = 1) or below (above = 0) the band; capped at cap. */
static void es_surge_adapt(const es_surge *s, const double *H, double base, double factor,
                           int above, double cap, double *frac)
{
    for (size_t k = 0; k < s->n_tensors; k++) {
        double h = H[s->feed[k]];
        int out = above ? h > s->p.entropy_high : h < s->p.entropy_low;
        frac[k] = out ? base * factor : base;
        if (frac[k] > cap)
            frac[k] = cap;
    }
}

void es_surge_after_step(es_surge *s, double *w, struct es_optim *opt, gsl_rng *rng,
                         const double *H)
{
    /* Pruned weights need no re-zeroing: their gradient is 0 (before_step), their moments
     * were reset at the collapse, so neither Adam(W), SGD, weight decay nor the box moves
     * them off 0 (test_masked_weights_stay_zero checks it). */
    int adapt = s->p.adapt_entropy && H;
    double *frac = s->frac;   /* (n_tensors) */
    if (s->p.collapse_every > 0 && s->step % s->p.collapse_every == 0) {
        if (adapt)
            es_surge_adapt(s, H, s->p.sparsity, 1.5, 1, 0.999, frac);
        es_surge_collapse(s, w, opt, adapt ? frac : NULL);
    }
    if (s->pending_surge) {
        if (adapt)
            es_surge_adapt(s, H, s->p.regrow, 2.0, 0, 1.0, frac);
        es_surge_regrow(s, w, s->p.regrow_gradient ? s->gsave : NULL, rng, adapt ? frac : NULL);
        s->pending_surge = 0;
    }
}

double es_surge_sparsity(const nn_net *net, const double *w)
{
    size_t zeros = 0, total = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        for (size_t i = 0; i < L->w_count; i++)
            zeros += w[L->w_offset + i] == 0.0;
        total += L->w_count;
    }
    return total ? (double)zeros / (double)total : 0.0;
}

void es_orthograd_tensor(const double *w, double *g, size_t n)
{
    double wg = 0, ww = 0, gg = 0;
    for (size_t i = 0; i < n; i++) {
        wg += w[i] * g[i];
        ww += w[i] * w[i];
        gg += g[i] * g[i];
    }
    double c = wg / (ww + 1e-30), pp = 0;
    for (size_t i = 0; i < n; i++) {
        g[i] -= c * w[i];
        pp += g[i] * g[i];
    }
    if (pp > 0) {
        double scale = sqrt(gg / pp);
        for (size_t i = 0; i < n; i++)
            g[i] *= scale;
    }
}

void es_orthograd(const nn_net *net, const double *w, double *g)
{
    for (size_t l = 0; l < net->n_layers; l++) {
        const nn_layer *L = &net->layers[l];
        if (L->w_count)
            es_orthograd_tensor(w + L->w_offset, g + L->w_offset, L->w_count);
    }
}

/* ---- activation entropy --------------------------------------------------------------- */

size_t es_act_layers(const nn_net *net, size_t *idx)
{
    size_t n = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        nn_kind k = net->layers[l].kind;
        if (k == NN_RELU || k == NN_TANH || k == NN_SILU) {
            if (idx)
                idx[n] = l;
            n++;
        }
    }
    return n;
}

double es_binary_entropy(double q)
{
    if (!(q > 0.0) || !(q < 1.0))
        return 0.0;
    return -q * log(q) - (1.0 - q) * log1p(-q);
}

void es_act_count(const nn_net *net, const nn_acts *acts, size_t B, long *counts)
{
    for (size_t l = 0; l < net->n_layers; l++) {
        nn_kind k = net->layers[l].kind;
        if (k != NN_RELU && k != NN_TANH && k != NN_SILU)
            continue;
        size_t u = net->layers[l].out_size;
        const double *out = acts->out[l];   /* (B, u) */
        for (size_t b = 0; b < B; b++)
            for (size_t j = 0; j < u; j++)
                counts[j] += out[b * u + j] > 0.0;
        counts += u;
    }
}

void es_act_entropy(const nn_net *net, const long *counts, size_t n, double *H)
{
    size_t h = 0;
    for (size_t l = 0; l < net->n_layers; l++) {
        nn_kind k = net->layers[l].kind;
        if (k != NN_RELU && k != NN_TANH && k != NN_SILU)
            continue;
        size_t u = net->layers[l].out_size;
        double sum = 0;
        for (size_t j = 0; j < u; j++)
            sum += es_binary_entropy(n ? (double)counts[j] / (double)n : 0.0);
        H[h++] = u ? sum / (double)u : 0.0;
        counts += u;
    }
}
