/* binary_net.c: binary networks, the state space of the replica-exchange study of Pakman,
 * Kreimer and Berchenko (arXiv 2606.31282): an MLP over the task's inputs whose weights are
 * +-1, without biases, hidden units sign(z) with sign(0) = +1, prediction the strict argmax
 * of the last layer (a tie counts as wrong). A move flips `flips` distinct weights chosen
 * uniformly; the measure is the counting measure on {-1,+1}^n.
 *
 * Evaluation, exact and incremental:
 * - First layer: pre-activations z0 are cached per (unit, sample) as 64-bit integers: the
 *   inputs are rounded to multiples of 2^-shift (shift chosen so that every sum fits in 62
 *   bits; relative to the largest input the rounding is below n_in 2^-61), so sums are exact,
 *   sign(0) is well defined, and a flipped first-layer weight (j, i) changes z0[j] by
 *   +-2 x_i in every sample where x_i != 0, nothing else.
 * - Deeper layers see only signs: their inputs are kept as bit masks (bit set = -1), so a unit
 *   is in - 2 popcount(weight bits XOR input bits). A sample whose first-layer signs did not
 *   change keeps its prediction unless a deeper weight flipped; otherwise its deeper layers
 *   are recomputed from the bit masks (a few popcounts per unit).
 * So the incremental and the full evaluation agree bit for bit, and a rejected move is undone
 * exactly (from an undo log of the z0 entries it changed, or, if that log would exceed
 * BN_LOG_MAX entries, by applying the same flips again). */
#include "binary_net.h"
#include "entroscape/data.h"
#include "entroscape/models.h"
#include "entroscape/nn.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BN_MAX_LAYERS 17              /* nn_spec allows 16 hidden widths */
#define BN_LOG_MAX ((size_t)1 << 20)  /* undo entries kept per move (16 MB); beyond: re-apply */

enum { BN_X_CORRECT, BN_X_ACC };
enum { BN_Y_NONE, BN_Y_ACC, BN_Y_CORRECT };

static inline size_t words_for(size_t bits) { return (bits + 63) / 64; }

/* What every clone shares, read-only after creation (reference counted). */
typedef struct bn_shared {
    atomic_long refs;
    size_t n_train, n_test, n_samples;  /* samples: training first, then test */
    size_t n_layers;                    /* weight layers = hidden layers + 1 (>= 2) */
    size_t width[BN_MAX_LAYERS + 1];    /* width[0] = n_in, ..., width[n_layers] = n_out */
    size_t woff[BN_MAX_LAYERS + 1];     /* layer l's weights: w[woff[l] .. woff[l+1]), (out, in) */
    size_t bwords[BN_MAX_LAYERS + 1];   /* l >= 1: 64-bit words per input mask of layer l */
    size_t boff[BN_MAX_LAYERS + 1];     /* l >= 1: layer l's weight bits: wb[boff[l] ..], (out, bwords) */
    size_t n;                           /* weights = woff[n_layers] */
    size_t h1;                          /* first hidden width = width[1] */
    size_t nwb;                         /* words of deeper weight bits */
    size_t max_words;                   /* largest bwords */
    /* inputs x 2^shift, rounded, stored by input: input i's nonzero values are
     * nz_x[nz_off[i] .. nz_off[i+1]), of the samples nz_s[...] (ascending) */
    size_t *nz_off;                     /* (n_in + 1) */
    uint32_t *nz_s;                     /* (nnz) */
    int64_t *nz_x;                      /* (nnz) */
    int32_t *label;                     /* (n_samples) class index */
    int shift;
    int x_kind, y_kind;
    long flips;
    char desc[160];
} bn_shared;

/* One walker's network. */
struct bnet {
    bn_shared *d;
    int8_t *w;            /* (n) weights, +1 or -1: the state */
    uint64_t *wb;         /* (nwb) deeper weights as bits (set = -1), per unit bwords words */
    int64_t *z0;          /* (h1, n_samples) first-layer pre-activations, exact integers */
    uint64_t *a1;         /* (n_samples, bwords[1]) signs of z0 as bits (set = negative) */
    uint8_t *correct;     /* (n_samples) 1 when the sample is classified correctly */
    long n_correct[2];    /* training, test */
    /* the proposed move */
    size_t *mv;           /* (flips) weight indices, ascending */
    size_t *mv_j, *mv_i;  /* (flips) output unit and input of each flipped weight */
    size_t *mv_l;         /* (flips) layer of each flipped weight */
    size_t k, n0;         /* flips in this move; of them in the first layer (they come first) */
    int applied;          /* the flips are in the weights and the caches (observe_proposed ran) */
    /* undo information of an applied move */
    struct bn_undo { uint32_t j, s; int64_t old; } *log; /* (log_cap) old z0[j][s] */
    size_t log_n, log_cap;
    int log_full;         /* the log overflowed: undo by applying the flips again */
    uint32_t *toggled;    /* (n_samples) samples whose correct flag changed */
    size_t n_toggled;
    long saved_correct[2];
    /* scratch */
    uint8_t *pick;        /* (n) Floyd's sampling marks, all 0 between moves */
    uint32_t *dirty;      /* (n_samples) samples whose first-layer signs changed */
    uint8_t *is_dirty;    /* (n_samples) */
    uint64_t *bits[2];    /* (max_words) hidden signs of one sample, this / next layer */
    int64_t *logits;      /* (n_out) */
    int64_t *fresh;       /* (n_samples) one unit's z0 from a full pass (recompute) */
};

/* ---- shared data ----------------------------------------------------------------------- */

static void bn_shared_release(bn_shared *d)
{
    if (d && atomic_fetch_sub(&d->refs, 1) == 1) {
        free(d->nz_off);
        free(d->nz_s);
        free(d->nz_x);
        free(d->label);
        free(d);
    }
}

/* ---- evaluation ------------------------------------------------------------------------ */

/* The popcount instruction where the CPU has it (x86-64's baseline does not; GCC picks the
 * clone at load time), else GCC's generic code. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BN_POPCNT_CLONES __attribute__((target_clones("popcnt", "default")))
#else
#define BN_POPCNT_CLONES
#endif

/* Layers 1.. of sample s from its first-layer signs a1: 1 when the label's output is strictly
 * larger than every other (a tie counts as wrong). */
BN_POPCNT_CLONES static uint8_t bn_deep(bnet *m, size_t s)
{
    const bn_shared *d = m->d;
    const size_t L = d->n_layers;
    const uint64_t *a = m->a1 + s * d->bwords[1];
    uint64_t *next = m->bits[0];
    for (size_t l = 1; l < L; l++) {
        const size_t in = d->width[l], out = d->width[l + 1], nw = d->bwords[l];
        const uint64_t *Wb = m->wb + d->boff[l];
        const int last = l + 1 == L;
        if (!last)
            for (size_t q = 0; q < words_for(out); q++)
                next[q] = 0;
        for (size_t j = 0; j < out; j++) {
            long diff;
            if (nw == 1) { /* the common case: at most 64 inputs */
                diff = __builtin_popcountll(Wb[j] ^ a[0]);
            } else {
                diff = 0;
                for (size_t q = 0; q < nw; q++)
                    diff += __builtin_popcountll(Wb[j * nw + q] ^ a[q]);
            }
            int64_t z = (int64_t)in - 2 * diff;
            if (last)
                m->logits[j] = z;
            else if (z < 0)
                next[j / 64] |= (uint64_t)1 << (j % 64);
        }
        a = next;
        next = next == m->bits[0] ? m->bits[1] : m->bits[0];
    }
    const size_t c = (size_t)d->label[s], n_out = d->width[L];
    for (size_t j = 0; j < n_out; j++)
        if (j != c && m->logits[j] >= m->logits[c])
            return 0;
    return 1;
}

/* First-layer pre-activations of unit j for every sample from scratch into z (n_samples). */
static void bn_first(const bnet *m, size_t j, int64_t *z)
{
    const bn_shared *d = m->d;
    const int8_t *W = m->w + j * d->width[0];
    memset(z, 0, d->n_samples * sizeof *z);
    for (size_t i = 0; i < d->width[0]; i++)
        for (size_t e = d->nz_off[i]; e < d->nz_off[i + 1]; e++)
            z[d->nz_s[e]] += W[i] > 0 ? d->nz_x[e] : -d->nz_x[e];
}

/* The deeper weights' bit masks from w. */
static void bn_pack_bits(bnet *m)
{
    const bn_shared *d = m->d;
    memset(m->wb, 0, d->nwb * sizeof *m->wb);
    for (size_t l = 1; l < d->n_layers; l++) {
        const size_t in = d->width[l], nw = d->bwords[l];
        for (size_t j = 0; j < d->width[l + 1]; j++)
            for (size_t i = 0; i < in; i++)
                if (m->w[d->woff[l] + j * in + i] < 0)
                    m->wb[d->boff[l] + j * nw + i / 64] |= (uint64_t)1 << (i % 64);
    }
}

/* Recompute every cache from the weights. compare: return the largest relative difference
 * between the cached and the fresh values (z0, and 1 for a changed sign, prediction or
 * count); they are exact integers, so anything but 0 is a bug. */
static double bn_full(bnet *m, int compare)
{
    const bn_shared *d = m->d;
    const size_t ns = d->n_samples, aw = d->bwords[1];
    double drift = 0;
    long nc[2] = {0, 0};
    bn_pack_bits(m);
    for (size_t j = 0; j < d->h1; j++) {
        bn_first(m, j, m->fresh);
        int64_t *zc = m->z0 + j * ns;
        const uint64_t bit = (uint64_t)1 << (j % 64);
        for (size_t s = 0; s < ns; s++) {
            uint64_t *a = m->a1 + s * aw + j / 64;
            int neg = m->fresh[s] < 0;
            if (compare) {
                if (zc[s] != m->fresh[s])
                    drift = fmax(drift, fabs((double)m->fresh[s] - (double)zc[s]) /
                                        fmax(1.0, fabs((double)m->fresh[s])));
                if (((*a & bit) != 0) != neg)
                    drift = fmax(drift, 1.0);
            }
            zc[s] = m->fresh[s];
            *a = neg ? *a | bit : *a & ~bit;
        }
    }
    for (size_t s = 0; s < ns; s++) {
        uint8_t c = bn_deep(m, s);
        if (compare && c != m->correct[s])
            drift = fmax(drift, 1.0);
        m->correct[s] = c;
        nc[s >= d->n_train] += c;
    }
    if (compare && (nc[0] != m->n_correct[0] || nc[1] != m->n_correct[1]))
        drift = fmax(drift, 1.0);
    m->n_correct[0] = nc[0];
    m->n_correct[1] = nc[1];
    return drift;
}

/* Record the old value of z0[j][s] before it changes (when logging). */
static inline void bn_log(bnet *m, size_t j, size_t s, int64_t old)
{
    if (m->log_full)
        return;
    if (m->log_n == m->log_cap) {
        size_t cap = m->log_cap ? 2 * m->log_cap : 4096;
        struct bn_undo *nl = cap <= BN_LOG_MAX ? realloc(m->log, cap * sizeof *nl) : NULL;
        if (!nl) {
            m->log_full = 1;
            return;
        }
        m->log = nl;
        m->log_cap = cap;
    }
    m->log[m->log_n++] = (struct bn_undo){(uint32_t)j, (uint32_t)s, old};
}

/* Set the correct flag of sample s to c, keeping the counts (and the undo list). */
static inline void bn_set_correct(bnet *m, size_t s, uint8_t c, int logging)
{
    if (c == m->correct[s])
        return;
    m->correct[s] = c;
    m->n_correct[s >= m->d->n_train] += c ? 1 : -1;
    if (logging)
        m->toggled[m->n_toggled++] = (uint32_t)s;
}

/* Flip the move's weights and bring every cache up to date. */
static void bn_apply(bnet *m, int logging)
{
    const bn_shared *d = m->d;
    const size_t ns = d->n_samples, aw = d->bwords[1];
    if (logging) {
        m->log_n = 0;
        m->log_full = 0;
        m->n_toggled = 0;
        m->saved_correct[0] = m->n_correct[0];
        m->saved_correct[1] = m->n_correct[1];
    }
    for (size_t f = 0; f < m->k; f++) {
        m->w[m->mv[f]] = (int8_t)-m->w[m->mv[f]];
        size_t l = m->mv_l[f];
        if (l > 0)
            m->wb[d->boff[l] + m->mv_j[f] * d->bwords[l] + m->mv_i[f] / 64] ^=
                (uint64_t)1 << (m->mv_i[f] % 64);
    }
    /* first layer: z0[j] += 2 w_new x_i where x_i != 0; note the samples whose signs changed */
    size_t n_dirty = 0;
    for (size_t f = 0; f < m->n0; f++) {
        const size_t j = m->mv_j[f], i = m->mv_i[f];
        int64_t *z = m->z0 + j * ns;
        const int up = m->w[m->mv[f]] > 0;
        const uint64_t bit = (uint64_t)1 << (j % 64);
        for (size_t e = d->nz_off[i]; e < d->nz_off[i + 1]; e++) {
            const size_t s = d->nz_s[e];
            const int64_t x2 = 2 * d->nz_x[e];
            int64_t old = z[s], nz = up ? old + x2 : old - x2;
            if (logging)
                bn_log(m, j, s, old);
            z[s] = nz;
            if ((old < 0) != (nz < 0)) {
                m->a1[s * aw + j / 64] ^= bit;
                if (!m->is_dirty[s]) {
                    m->is_dirty[s] = 1;
                    m->dirty[n_dirty++] = (uint32_t)s;
                }
            }
        }
    }
    if (m->n0 < m->k) { /* a deeper weight flipped: every sample's deeper layers change */
        for (size_t s = 0; s < ns; s++)
            bn_set_correct(m, s, bn_deep(m, s), logging);
        for (size_t t = 0; t < n_dirty; t++)
            m->is_dirty[m->dirty[t]] = 0;
    } else {
        for (size_t t = 0; t < n_dirty; t++) {
            size_t s = m->dirty[t];
            m->is_dirty[s] = 0;
            bn_set_correct(m, s, bn_deep(m, s), logging);
        }
    }
}

/* Fill the per-flip bookkeeping of the move mv[0 .. k) (ascending indices). */
static void bn_layout_move(bnet *m)
{
    const bn_shared *d = m->d;
    size_t l = 0;
    m->n0 = 0;
    for (size_t f = 0; f < m->k; f++) {
        while (m->mv[f] >= d->woff[l + 1])
            l++;
        size_t r = m->mv[f] - d->woff[l], in = d->width[l];
        m->mv_l[f] = l;
        m->mv_j[f] = r / in;
        m->mv_i[f] = r % in;
        m->n0 += l == 0;
    }
}

/* ---- the ops --------------------------------------------------------------------------- */

static size_t bn_n_dof(const void *ctx) { return ((const bnet *)ctx)->d->n; }

void bnet_xy(const bnet *m, long train_correct, long test_correct, double *x, double *y)
{
    const bn_shared *d = m->d;
    *x = d->x_kind == BN_X_ACC ? (double)train_correct / (double)d->n_train : (double)train_correct;
    if (d->y_kind == BN_Y_ACC)
        *y = (double)test_correct / (double)d->n_test;
    else if (d->y_kind == BN_Y_CORRECT)
        *y = (double)test_correct;
}

static void bn_observe(const void *ctx, double *x, double *y)
{
    const bnet *m = ctx;
    bnet_xy(m, m->n_correct[0], m->n_correct[1], x, y);
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* Choose `flips` distinct weights uniformly (Floyd's algorithm), ascending. */
static es_status bn_propose(void *ctx, gsl_rng *rng)
{
    bnet *m = ctx;
    const size_t n = m->d->n, k = (size_t)m->d->flips;
    size_t c = 0;
    for (size_t j = n - k; j < n; j++) {
        size_t t = (size_t)gsl_rng_uniform_int(rng, (unsigned long)j + 1);
        if (m->pick[t])
            t = j;
        m->pick[t] = 1;
        m->mv[c++] = t;
    }
    for (size_t f = 0; f < k; f++)
        m->pick[m->mv[f]] = 0;
    if (k <= 16) { /* insertion sort; qsort for many flips */
        for (size_t a = 1; a < k; a++)
            for (size_t b = a; b > 0 && m->mv[b - 1] > m->mv[b]; b--) {
                size_t t = m->mv[b];
                m->mv[b] = m->mv[b - 1];
                m->mv[b - 1] = t;
            }
    } else {
        qsort(m->mv, k, sizeof *m->mv, cmp_size);
    }
    m->k = k;
    bn_layout_move(m);
    m->applied = 0;
    return ES_OK;
}

static void bn_observe_proposed(void *ctx, double *x, double *y)
{
    bnet *m = ctx;
    if (!m->applied) {
        bn_apply(m, 1);
        m->applied = 1;
    }
    bn_observe(m, x, y);
}

static void bn_accept(void *ctx)
{
    bnet *m = ctx;
    if (!m->applied)
        bn_apply(m, 0);
    m->applied = 0;
}

/* The generic (sampler.move = full) path: accept only flips; the engine then recomputes. */
static void bn_accept_full(void *ctx)
{
    bnet *m = ctx;
    for (size_t f = 0; f < m->k; f++)
        m->w[m->mv[f]] = (int8_t)-m->w[m->mv[f]];
    m->applied = 0;
}

static void bn_reject(void *ctx)
{
    bnet *m = ctx;
    if (!m->applied)
        return;
    m->applied = 0;
    if (m->log_full) { /* applying the same flips again restores everything exactly */
        bn_apply(m, 0);
        return;
    }
    const bn_shared *d = m->d;
    const size_t ns = d->n_samples, aw = d->bwords[1];
    for (size_t e = m->log_n; e-- > 0;) {
        const struct bn_undo *u = &m->log[e];
        m->z0[u->j * ns + u->s] = u->old;
    }
    for (size_t e = 0; e < m->log_n; e++) { /* the signs follow the restored z0 */
        const struct bn_undo *u = &m->log[e];
        uint64_t bit = (uint64_t)1 << (u->j % 64), *a = m->a1 + u->s * aw + u->j / 64;
        *a = m->z0[u->j * ns + u->s] < 0 ? *a | bit : *a & ~bit;
    }
    for (size_t t = 0; t < m->n_toggled; t++)
        m->correct[m->toggled[t]] ^= 1;
    m->n_correct[0] = m->saved_correct[0];
    m->n_correct[1] = m->saved_correct[1];
    for (size_t f = 0; f < m->k; f++) {
        m->w[m->mv[f]] = (int8_t)-m->w[m->mv[f]];
        size_t l = m->mv_l[f];
        if (l > 0)
            m->wb[d->boff[l] + m->mv_j[f] * d->bwords[l] + m->mv_i[f] / 64] ^=
                (uint64_t)1 << (m->mv_i[f] % 64);
    }
}

static double bn_recompute(void *ctx) { return bn_full(ctx, 1); }

static void bn_randomize(void *ctx, gsl_rng *rng)
{
    bnet *m = ctx;
    for (size_t k = 0; k < m->d->n; k++)
        m->w[k] = gsl_rng_uniform(rng) < 0.5 ? 1 : -1;
    m->applied = 0;
    bn_full(m, 0);
}

static double bn_ln_volume(const void *ctx) { return (double)((const bnet *)ctx)->d->n * log(2.0); }

static size_t bn_state_size(const void *ctx) { return ((const bnet *)ctx)->d->n; }

static void bn_save_state(const void *ctx, void *buf)
{
    const bnet *m = ctx;
    memcpy(buf, m->w, m->d->n);
}

static es_status bn_load_state(void *ctx, const void *buf, es_err *err)
{
    bnet *m = ctx;
    const int8_t *w = buf;
    for (size_t k = 0; k < m->d->n; k++)
        if (w[k] != 1 && w[k] != -1)
            return es_err_set(err, ES_EDATA, "binary network state: weight %zu = %d is not +1 "
                              "or -1", k, w[k]);
    memcpy(m->w, w, m->d->n);
    m->applied = 0;
    bn_full(m, 0);
    return ES_OK;
}

static void bn_free(void *ctx)
{
    bnet *m = ctx;
    if (!m)
        return;
    free(m->w);
    free(m->wb);
    free(m->z0);
    free(m->a1);
    free(m->correct);
    free(m->mv);
    free(m->mv_j);
    free(m->mv_i);
    free(m->mv_l);
    free(m->log);
    free(m->toggled);
    free(m->pick);
    free(m->dirty);
    free(m->is_dirty);
    free(m->bits[0]);
    free(m->bits[1]);
    free(m->logits);
    free(m->fresh);
    bn_shared_release(m->d);
    free(m);
}

/* A network over shared data d (takes one reference), weights all +1, caches computed. */
static bnet *bn_alloc(bn_shared *d, es_err *err)
{
    bnet *m = es_calloc(1, sizeof *m, "binary network", err);
    if (!m)
        return NULL;
    atomic_fetch_add(&d->refs, 1);
    m->d = d;
    const size_t k = (size_t)d->flips, ns = d->n_samples;
    m->w = es_calloc(d->n, 1, "binary weights", err);
    m->wb = es_calloc(d->nwb, sizeof(uint64_t), "binary weight bits", err);
    m->z0 = es_calloc(d->h1, ns * sizeof(int64_t), "binary network caches", err);
    m->a1 = es_calloc(ns, d->bwords[1] * sizeof(uint64_t), "binary network signs", err);
    m->correct = es_calloc(ns, 1, "binary network predictions", err);
    m->mv = es_calloc(k, sizeof(size_t), "binary move", err);
    m->mv_j = es_calloc(k, sizeof(size_t), "binary move", err);
    m->mv_i = es_calloc(k, sizeof(size_t), "binary move", err);
    m->mv_l = es_calloc(k, sizeof(size_t), "binary move", err);
    m->toggled = es_calloc(ns, sizeof(uint32_t), "binary undo", err);
    m->pick = es_calloc(d->n, 1, "binary move marks", err);
    m->dirty = es_calloc(ns, sizeof(uint32_t), "binary scratch", err);
    m->is_dirty = es_calloc(ns, 1, "binary scratch", err);
    m->bits[0] = es_calloc(d->max_words, sizeof(uint64_t), "binary scratch", err);
    m->bits[1] = es_calloc(d->max_words, sizeof(uint64_t), "binary scratch", err);
    m->logits = es_calloc(d->width[d->n_layers], sizeof(int64_t), "binary scratch", err);
    m->fresh = es_calloc(ns, sizeof(int64_t), "binary scratch", err);
    if (!m->w || !m->wb || !m->z0 || !m->a1 || !m->correct || !m->mv || !m->mv_j ||
        !m->mv_i || !m->mv_l || !m->toggled || !m->pick || !m->dirty || !m->is_dirty ||
        !m->bits[0] || !m->bits[1] || !m->logits || !m->fresh) {
        bn_free(m);
        return NULL;
    }
    memset(m->w, 1, d->n);
    bn_full(m, 0);
    return m;
}

static void *bn_clone(const void *ctx, es_err *err)
{
    const bnet *src = ctx;
    const bn_shared *d = src->d;
    bnet *m = bn_alloc(src->d, err);
    if (!m)
        return NULL;
    memcpy(m->w, src->w, d->n);
    memcpy(m->wb, src->wb, d->nwb * sizeof(uint64_t));
    memcpy(m->z0, src->z0, d->h1 * d->n_samples * sizeof(int64_t));
    memcpy(m->a1, src->a1, d->n_samples * d->bwords[1] * sizeof(uint64_t));
    memcpy(m->correct, src->correct, d->n_samples);
    m->n_correct[0] = src->n_correct[0];
    m->n_correct[1] = src->n_correct[1];
    if (src->applied) { /* a clone never carries a half-done move: undo it on the copy */
        memcpy(m->mv, src->mv, src->k * sizeof(size_t));
        m->k = src->k;
        bn_layout_move(m);
        m->applied = 1;
        m->log_full = 1;
        bn_reject(m);
    }
    return m;
}

static const es_model_ops binary_ops = {
    .name = "binary_net",
    .n_dof = bn_n_dof,
    .observe = bn_observe,
    .propose = bn_propose,
    .accept = bn_accept,
    .reject = bn_reject,
    .recompute = bn_recompute,
    .randomize = bn_randomize,
    .ln_volume = bn_ln_volume,
    .state_size = bn_state_size,
    .save_state = bn_save_state,
    .load_state = bn_load_state,
    .clone = bn_clone,
    .free = bn_free,
    .observe_proposed = bn_observe_proposed,
};

/* sampler.move = full: the engine saves, accepts (flips only), recomputes in full, restores. */
static const es_model_ops binary_full_ops = {
    .name = "binary_net",
    .n_dof = bn_n_dof,
    .observe = bn_observe,
    .propose = bn_propose,
    .accept = bn_accept_full,
    .reject = bn_reject,
    .recompute = bn_recompute,
    .randomize = bn_randomize,
    .ln_volume = bn_ln_volume,
    .state_size = bn_state_size,
    .save_state = bn_save_state,
    .load_state = bn_load_state,
    .clone = bn_clone,
    .free = bn_free,
    .observe_proposed = NULL,
};

/* ---- for exact_binary.c ---------------------------------------------------------------- */

bnet *bnet_of(const es_model *m)
{
    return m && m->ops && (m->ops == &binary_ops || m->ops == &binary_full_ops) ? m->ctx : NULL;
}

size_t bnet_n_weights(const bnet *b) { return b->d->n; }
size_t bnet_n_train(const bnet *b) { return b->d->n_train; }
size_t bnet_n_test(const bnet *b) { return b->d->n_test; }

void bnet_set_bits(bnet *b, uint64_t bits)
{
    for (size_t k = 0; k < b->d->n; k++)
        b->w[k] = k < 64 && (bits >> k & 1) ? -1 : 1;
    b->applied = 0;
    bn_full(b, 0);
}

void bnet_flip1(bnet *b, size_t k)
{
    b->mv[0] = k;
    b->k = 1;
    bn_layout_move(b);
    bn_apply(b, 0);
    b->applied = 0;
}

void bnet_counts(const bnet *b, long *train_correct, long *test_correct)
{
    *train_correct = b->n_correct[0];
    *test_correct = b->n_correct[1];
}

void bnet_describe(const bnet *b, char *buf, size_t n) { snprintf(buf, n, "%s", b->d->desc); }

/* ---- construction ---------------------------------------------------------------------- */

/* Check the [model] and [sampler] keys a binary network reads; fill the kinds. */
static es_status bn_check_config(const es_config *cfg, bn_shared *d, es_err *err)
{
    char where[2 * ES_CFG_STR + 64];
    if (strcmp(cfg->model_arch, "mlp") != 0) {
        es_config_where(cfg, "model", "arch", cfg->model_arch, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: binary networks are MLPs; allowed: mlp", where);
    }
    if (es_config_is_set(cfg, "model", "activation") && strcmp(cfg->model_activation, "sign") != 0) {
        es_config_where(cfg, "model", "activation", cfg->model_activation, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: binary networks use sign activations "
                          "(sign(0) = +1); allowed: sign", where);
    }
    const char *x = cfg->sampler_x, *y = cfg->sampler_y;
    if (strcmp(x, "auto") == 0 || strcmp(x, "train_correct") == 0)
        d->x_kind = BN_X_CORRECT;
    else if (strcmp(x, "train_acc") == 0)
        d->x_kind = BN_X_ACC;
    else {
        es_config_where(cfg, "sampler", "x", x, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: binary networks have no loss; allowed: "
                          "train_correct (auto), train_acc", where);
    }
    if (strcmp(y, "auto") == 0 || strcmp(y, "none") == 0)
        d->y_kind = BN_Y_NONE;
    else if (strcmp(y, "test_acc") == 0)
        d->y_kind = BN_Y_ACC;
    else if (strcmp(y, "test_correct") == 0)
        d->y_kind = BN_Y_CORRECT;
    else {
        es_config_where(cfg, "sampler", "y", y, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: binary networks have no loss; allowed: none "
                          "(auto), test_acc, test_correct", where);
    }
    if (strcmp(cfg->sampler_init, "uniform") != 0) {
        es_config_where(cfg, "sampler", "init", cfg->sampler_init, where, sizeof where);
        return es_err_set(err, ES_ECONFIG, "%s: binary networks start from uniformly random "
                          "signs; allowed: uniform", where);
    }
    return ES_OK;
}

/* Input u of sample s (training samples first, then test) in fixed point. */
static int64_t bn_xq(const es_data *data, int shift, size_t s, size_t u)
{
    const es_split *sp = s < data->train.n ? &data->train : &data->test;
    size_t i = s < data->train.n ? s : s - data->train.n;
    return (int64_t)llround(ldexp(sp->x[i * data->n_in + u], shift));
}

/* Fixed-point inputs (as each input's nonzero samples) and labels of both splits into d. */
static es_status bn_inputs(const es_data *data, bn_shared *d, es_err *err)
{
    const size_t n_in = data->n_in, ns = d->n_samples;
    double amax = 0;
    const es_split *sp[2] = {&data->train, &data->test};
    for (int k = 0; k < 2; k++)
        for (size_t u = 0; u < sp[k]->n * n_in; u++) {
            if (!isfinite(sp[k]->x[u]))
                return es_err_set(err, ES_EDATA, "binary network: input %zu of the %s split is "
                                  "not finite", u, k ? "test" : "training");
            amax = fmax(amax, fabs(sp[k]->x[u]));
        }
    /* n_in * amax * 2^shift <= 2^61: every first-layer sum and update fits in int64 */
    d->shift = amax > 0 ? (int)floor(61.0 - log2((double)n_in * amax)) : 0;
    d->label = es_calloc(ns, sizeof(int32_t), "binary network labels", err);
    d->nz_off = es_calloc(n_in + 1, sizeof(size_t), "binary network inputs", err);
    if (!d->label || !d->nz_off)
        return ES_ENOMEM;
    for (size_t s = 0; s < ns; s++) {
        double c = s < data->train.n ? data->train.y[s] : data->test.y[s - data->train.n];
        if (!(c >= 0 && c < (double)data->n_out && c == floor(c)))
            return es_err_set(err, ES_EDATA, "binary network: label %g of sample %zu is not a "
                              "class in [0, %zu)", c, s, data->n_out);
        d->label[s] = (int32_t)c;
    }
    size_t nnz = 0;
    for (size_t u = 0; u < n_in; u++)
        for (size_t s = 0; s < ns; s++)
            nnz += bn_xq(data, d->shift, s, u) != 0;
    d->nz_s = es_calloc(nnz ? nnz : 1, sizeof(uint32_t), "binary network inputs", err);
    d->nz_x = es_calloc(nnz ? nnz : 1, sizeof(int64_t), "binary network inputs", err);
    if (!d->nz_s || !d->nz_x)
        return ES_ENOMEM;
    size_t e = 0;
    for (size_t u = 0; u < n_in; u++) {
        d->nz_off[u] = e;
        for (size_t s = 0; s < ns; s++) {
            int64_t x = bn_xq(data, d->shift, s, u);
            if (x != 0) {
                d->nz_s[e] = (uint32_t)s;
                d->nz_x[e++] = x;
            }
        }
    }
    d->nz_off[n_in] = e;
    return ES_OK;
}

es_model *es_binary_net_create(const es_config *cfg, es_err *err)
{
    bn_shared *d = es_calloc(1, sizeof *d, "binary network", err);
    if (!d)
        return NULL;
    atomic_init(&d->refs, 1);
    es_model *model = NULL;
    bnet *m = NULL;
    es_data *data = NULL;
    char where[2 * ES_CFG_STR + 64];
    es_status st = bn_check_config(cfg, d, err);
    if (st == ES_OK && !(data = es_data_load(cfg, err)))
        st = err->status;
    if (st == ES_OK && (!data->classify || data->vocab)) {
        es_config_where(cfg, "task", "name", cfg->task_name, where, sizeof where);
        st = es_err_set(err, ES_ECONFIG, "%s: binary networks classify (x = correct training "
                        "samples); this task is %s", where, data->vocab ? "text (token indices, "
                        "not features)" : "a regression");
    }
    nn_spec spec;
    if (st == ES_OK) { /* the hidden widths, parsed and checked as for continuous networks */
        es_config tmp = *cfg;
        snprintf(tmp.model_activation, sizeof tmp.model_activation, "relu");
        st = nn_spec_from_config(&tmp, data, &spec, err);
    }
    if (st == ES_OK && data->train.n + data->test.n > UINT32_MAX)
        st = es_err_set(err, ES_ECONFIG, "binary network: at most %u samples", UINT32_MAX);
    if (st == ES_OK && (data->train.n == 0 || (d->y_kind != BN_Y_NONE && data->test.n == 0)))
        st = es_err_set(err, ES_ECONFIG, "binary network: the %s split is empty",
                        data->train.n == 0 ? "training" : "test");
    if (st == ES_OK) {
        d->n_train = data->train.n;
        d->n_test = data->test.n;
        d->n_samples = d->n_train + d->n_test;
        d->n_layers = spec.n_hidden + 1;
        d->width[0] = data->n_in;
        for (size_t l = 0; l < spec.n_hidden; l++)
            d->width[l + 1] = spec.hidden[l];
        d->width[d->n_layers] = data->n_out;
        int len = snprintf(d->desc, sizeof d->desc, "mlp %zu", d->width[0]);
        for (size_t l = 0; l < d->n_layers; l++) {
            d->woff[l + 1] = d->woff[l] + d->width[l] * d->width[l + 1];
            if (l > 0) {
                d->bwords[l] = words_for(d->width[l]);
                d->boff[l + 1] = d->boff[l] + d->width[l + 1] * d->bwords[l];
                if (d->bwords[l] > d->max_words)
                    d->max_words = d->bwords[l];
            }
            if (len > 0 && (size_t)len < sizeof d->desc)
                len += snprintf(d->desc + len, sizeof d->desc - (size_t)len, "-%zu",
                                d->width[l + 1]);
        }
        d->n = d->woff[d->n_layers];
        d->h1 = d->width[1];
        d->nwb = d->boff[d->n_layers];
        if (len > 0 && (size_t)len < sizeof d->desc)
            snprintf(d->desc + len, sizeof d->desc - (size_t)len,
                     " sign, no biases, %zu binary weights", d->n);
        d->flips = cfg->sampler_flips;
        if ((size_t)d->flips > d->n) {
            char v[32];
            snprintf(v, sizeof v, "%ld", cfg->sampler_flips);
            es_config_where(cfg, "sampler", "flips", v, where, sizeof where);
            st = es_err_set(err, ES_ECONFIG, "%s: more flips per move than the network's %zu "
                            "weights (%s)", where, d->n, d->desc);
        }
    }
    if (st == ES_OK)
        st = bn_inputs(data, d, err);
    es_data_free(data);
    if (st == ES_OK && !(model = es_calloc(1, sizeof *model, "model", err)))
        st = err->status;
    if (st == ES_OK && !(m = bn_alloc(d, err)))
        st = err->status;
    bn_shared_release(d); /* m holds its own reference */
    if (st != ES_OK) {
        free(model);
        bn_free(m);
        return NULL;
    }
    model->ops = strcmp(cfg->sampler_move, "full") == 0 ? &binary_full_ops : &binary_ops;
    model->ctx = m;
    model->dims = d->y_kind == BN_Y_NONE ? 1 : 2;
    snprintf(model->x_variable, sizeof model->x_variable, "%s",
             d->x_kind == BN_X_ACC ? "train_acc" : "train_correct");
    snprintf(model->y_variable, sizeof model->y_variable, "%s",
             d->y_kind == BN_Y_ACC ? "test_acc" : d->y_kind == BN_Y_CORRECT ? "test_correct"
                                                                              : "none");
    return model;
}
