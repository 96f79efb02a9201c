/* network_cache.c: the network model's caches and incremental kernels (see network.h for the
 * scheme): the per-instance arena layout, the full forward pass onto feature-major caches,
 * per-sample losses, and the evaluation and commit of one-parameter moves.
 *
 * The hot kernels work on blocks of NET_BLK samples with fixed-count inner loops, which gcc
 * vectorises at -O2; on x86-64 they are also compiled for AVX2 and picked at load time
 * (target_clones). Neither changes results: no clone contracts a*b+c into an FMA (AVX2 alone
 * has none) and no loop reorders a sum, so every build computes the same bits. */
#include "network.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && !defined(ES_NO_CLONES)
#define NET_HOT __attribute__((target_clones("avx2", "default")))
#else
#define NET_HOT
#endif

/* Four doubles as one vector (GCC vector extensions: SSE2 pairs by default, one AVX register
 * in the avx2 clones). Loads and stores go through an unaligned, aliasing type. */
typedef double v4d __attribute__((vector_size(32)));
typedef long long v4l __attribute__((vector_size(32)));
typedef double v4u __attribute__((vector_size(32), aligned(8), may_alias));
#define LD4(p) ((v4d)(*(const v4u *)(p)))
#define ST4(p, v) (*(v4u *)(p) = (v))
#define BC4(s) ((v4d){(s), (s), (s), (s)})
#define RELU4(z) ((v4d)((v4l)(z) & ((z) > BC4(0.0))))
#define ANY4(m) (((m)[0] | (m)[1] | (m)[2] | (m)[3]) != 0)

#define NET_L2_BYTES (256 * 1024) /* a layer this small is traversed block by block */

_Static_assert(NET_BLK == 8, "the kernels take blocks of two vectors of four");

/* ---------------------------------------------------------------- arena layout */

/* The next 64-byte aligned block of `bytes` at *off (NULL while only sizing). */
static void *lay(unsigned char *base, size_t *off, size_t bytes)
{
    size_t o = (*off + 63) & ~(size_t)63;
    *off = o + bytes;
    return base ? base + o : NULL;
}

#define LAY(p, count)                                                                      \
    do {                                                                                   \
        void *q_ = lay(base, &off, (size_t)(count) * sizeof *(p));                         \
        if (base)                                                                          \
            (p) = q_;                                                                      \
    } while (0)

size_t net_layout(net *m, unsigned char *base)
{
    const net_shared *sh = m->sh;
    const size_t NP = sh->NP;
    size_t off = 0, wt = 0;
    for (size_t d = 0; d < sh->n_dense; d++)
        wt += sh->dense[d].in * sh->dense[d].out;
    LAY(m->WT, wt);
    for (size_t d = 0; d < sh->n_dense; d++) {
        const net_dense *L = &sh->dense[d];
        LAY(m->Z[d], L->out * NP + (L->sm ? 4 : 0));  /* sm: k_fused_sm reads past a row */
        LAY(m->Zc[d], L->out * NP);
        if (L->store_a) {
            LAY(m->A[d], L->out * NP);
            LAY(m->Ac[d], L->out * NP);
        } else if (base) {
            m->A[d] = m->Ac[d] = NULL;
        }
    }
    LAY(m->tmp, sh->max_units * NP);
    LAY(m->zrow, NP);
    LAY(m->zold, NP);
    LAY(m->inrow, NP);
    LAY(m->da, NP);
    LAY(m->ones, NP);
    LAY(m->dlog, sh->n_out * NP);
    LAY(m->zs, sh->n_out);
    LAY(m->loss_s, NP);
    LAY(m->corr_s, NP);
    LAY(m->S, NP);
    LAY(m->blk, NP / NET_BLK);
    LAY(m->new_loss, NP);
    LAY(m->new_corr, NP);
    if (sh->prefix > 0) {
        LAY(m->x0buf[0], sh->dense[0].in * NP);
        if (!sh->embed)
            LAY(m->x0buf[1], sh->dense[0].in * NP);
    }
    if (!sh->embed) {
        const nn_net *net = m->net;
        for (size_t i = 0; i < sh->prefix; i++) {
            const nn_layer *l = &net->layers[i];
            for (int k = 0; k < 2; k++) {
                LAY(m->pbuf[i][k], sh->N * l->out_size);
                if (l->kind == NN_MAXPOOL2)
                    LAY(m->pmax[i][k], sh->N * l->out_size);
            }
        }
    }
    return off;
}

/* ---------------------------------------------------------------- small helpers */

static inline double act1(nn_kind k, double z)
{
    switch (k) {
    case NN_RELU: return z < 0.0 ? 0.0 : z;   /* the same expressions as nn_act_forward */
    case NN_TANH: return tanh(z);
    case NN_SILU: return z / (1.0 + exp(-z));
    default: return z;
    }
}

/* The current input of tail layer d as a feature-major matrix (in_d, NP) when it is stored,
 * else NULL (relu activations of layer d - 1 are recomputed where needed). */
static const double *x0_cur(const net *m)
{
    return m->sh->prefix > 0 ? m->x0buf[m->x0cur] : m->sh->X0;
}

/* Row i of the current input of tail layer d: (NP); *relu set when the row holds
 * pre-activations whose relu is the input. */
static const double *input_row(const net *m, size_t d, size_t i, int *relu)
{
    const size_t NP = m->sh->NP;
    *relu = 0;
    if (d == 0)
        return x0_cur(m) + i * NP;
    const net_dense *P = &m->sh->dense[d - 1];
    if (P->store_a)
        return m->A[d - 1] + i * NP;
    if (P->sm) {  /* a column of a sample-major layer: gathered, relu applied */
        const double *z = m->Z[d - 1] + i;
        for (size_t n = 0; n < NP; n++)
            m->inrow[n] = z[n * P->out] < 0.0 ? 0.0 : z[n * P->out];
        return m->inrow;
    }
    *relu = 1;
    return m->Z[d - 1] + i * NP;
}

/* Index of unit k, sample n in the cache of tail layer e (feature- or sample-major). */
static inline size_t zidx(const net_shared *sh, size_t e, size_t k, size_t n)
{
    return sh->dense[e].sm ? n * sh->dense[e].out + k : k * sh->NP + n;
}

/* Zo (out, ncol) = W (out, in) In (in, ncol) + b (out, or NULL), rows of length ncol (a
 * multiple of NET_BLK). OpenBLAS for large products, plain loops for small ones (where the
 * call overhead dominates); the choice depends on the sizes only. */
NET_HOT static void fm_dense(double *restrict Zo, const double *restrict W, const double *restrict b,
                             const double *restrict In, size_t out, size_t in, size_t ncol)
{
    if ((double)out * (double)in * (double)ncol >= 65536.0) {
        for (size_t o = 0; o < out; o++) {
            const v4d bo = BC4(b ? b[o] : 0.0);
            double *z = Zo + o * ncol;
            for (size_t n = 0; n < ncol; n += 4)
                ST4(z + n, bo);
        }
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)out, (int)ncol, (int)in, 1.0,
                    W, (int)in, In, (int)ncol, 1.0, Zo, (int)ncol);
        return;
    }
    /* two output rows at a time: four independent sums hide the latency of the additions;
     * each output is still summed over i in order */
    for (size_t n = 0; n < ncol; n += NET_BLK) {
        size_t o = 0;
        for (; o + 1 < out; o += 2) {
            const double *w = W + o * in, *v = w + in;
            v4d a0 = BC4(b ? b[o] : 0.0), a1 = a0, c0 = BC4(b ? b[o + 1] : 0.0), c1 = c0;
            for (size_t i = 0; i < in; i++) {
                const v4d x0 = LD4(In + i * ncol + n), x1 = LD4(In + i * ncol + n + 4);
                const v4d wi = BC4(w[i]), vi = BC4(v[i]);
                a0 = a0 + wi * x0;
                a1 = a1 + wi * x1;
                c0 = c0 + vi * x0;
                c1 = c1 + vi * x1;
            }
            ST4(Zo + o * ncol + n, a0);
            ST4(Zo + o * ncol + n + 4, a1);
            ST4(Zo + (o + 1) * ncol + n, c0);
            ST4(Zo + (o + 1) * ncol + n + 4, c1);
        }
        if (o < out) {
            const double *w = W + o * in;
            v4d a0 = BC4(b ? b[o] : 0.0), a1 = a0;
            for (size_t i = 0; i < in; i++) {
                const v4d wi = BC4(w[i]);
                a0 = a0 + wi * LD4(In + i * ncol + n);
                a1 = a1 + wi * LD4(In + i * ncol + n + 4);
            }
            ST4(Zo + o * ncol + n, a0);
            ST4(Zo + o * ncol + n + 4, a1);
        }
    }
}

/* out (count, a multiple of 4) = act(in); tanh and silu through nn_act_forward. */
NET_HOT static void act_rows(nn_kind k, double *out, const double *in, size_t count)
{
    if (k == NN_RELU) {
        for (size_t n = 0; n < count; n += 4) {
            v4d v = LD4(in + n);
            ST4(out + n, RELU4(v));
        }
    } else if (k == NN_TANH || k == NN_SILU) {
        nn_act_forward(k, out, in, count);
    } else if (out != in) {
        memcpy(out, in, count * sizeof *out);
    }
}

/* Two-class cross-entropy: ln(1 + e^d) of the margin d (wrong logit - right one), four
 * samples at a time, to about one ulp for any d (tiny losses included): max(d, 0) + log1p(t)
 * with t = e^-|d|, without branches, in plain vector arithmetic (no FMA): the same bits in every
 * clone and for one lane or four. */
#define BLEND4(msk, a, b) ((v4d)(((msk) & (v4l)(a)) | (~(msk) & (v4l)(b))))

/* e^x for x in [-708, 0] (other lanes: anything): x = k ln2 + r with |r| <= ln2 / 2 (ln2 in
 * two parts, k ln2hi exact), e^r = 1 + (r + r^2 Q(r)) by its Taylor series to r^13 (the rest is
 * below 5e-18 relative), Q by Estrin's scheme (short dependency chains), times 2^k written into
 * the exponent bits. */
static inline __attribute__((always_inline)) void exp4(v4d *out, const v4d *in)
{
    const v4d x = *in;
    const v4d magic = BC4(0x1.8p52);  /* x / ln2 + magic: rounded to an integer in the low bits */
    v4d kd = x * BC4(0x1.71547652b82fep0) + magic;
    const v4l k = (v4l)kd - (v4l)magic;
    kd = kd - magic;
    const v4d r = (x - kd * BC4(0x1.62e42fee00000p-1)) - kd * BC4(0x1.a39ef35793c76p-33);
    const v4d r2 = r * r, r4 = r2 * r2;
    const v4d p0 = BC4(0x1p-1) + r * BC4(0x1.5555555555555p-3);           /* 1/2!, 1/3! */
    const v4d p1 = BC4(0x1.5555555555555p-5) + r * BC4(0x1.1111111111111p-7);  /* 1/4!, 1/5! */
    const v4d p2 = BC4(0x1.6c16c16c16c17p-10) + r * BC4(0x1.a01a01a01a01ap-13);
    const v4d p3 = BC4(0x1.a01a01a01a01ap-16) + r * BC4(0x1.71de3a556c734p-19);
    const v4d p4 = BC4(0x1.27e4fb7789f5cp-22) + r * BC4(0x1.ae64567f544e4p-26);
    const v4d p5 = BC4(0x1.1eed8eff8d898p-29) + r * BC4(0x1.6124613a86d09p-33);  /* 1/13! */
    const v4d q = (p0 + r2 * p1) + r4 * ((p2 + r2 * p3) + r4 * (p4 + r2 * p5));
    *out = (BC4(1.0) + (r + r2 * q)) * (v4d)((k + 1023) << 52);
}

/* ln(1 + t) for t in [0, 1]: 1 + t = 2^k (1 + f) with k = 0, f = t (t < sqrt 2 - 1) or k = 1,
 * f = (1 + t) / 2 - 1 (exact) and c the rounding error of 1 + t; ln(1 + f) = 2 atanh(s),
 * s = f / (2 + f), by fdlibm's polynomial (Estrin's scheme). */
static inline __attribute__((always_inline)) void log1p4(v4d *out, const v4d *in)
{
    const v4d t = *in;
    const v4l big = (v4l)(t >= BC4(0x1.a827999fcef34p-2));
    const v4d u = BC4(1.0) + t;
    const v4d f = BLEND4(big, BC4(0.5) * u - BC4(1.0), t);
    const v4d c = (v4d)(big & (v4l)((t - (u - BC4(1.0))) / u));
    const v4d k = (v4d)(big & (v4l)BC4(1.0));
    const v4d hfsq = BC4(0.5) * f * f, s = f / (BC4(2.0) + f), z = s * s;
    const v4d z2 = z * z, z4 = z2 * z2;
    const v4d a = BC4(6.666666666666735130e-01) + z * BC4(3.999999999940941908e-01);
    const v4d b = BC4(2.857142874366239149e-01) + z * BC4(2.222219843214978396e-01);
    const v4d e = BC4(1.818357216161805012e-01) + z * BC4(1.531383769920937332e-01);
    const v4d R = z * ((a + z2 * b) + z4 * (e + z2 * BC4(1.479819860511658591e-01)));
    *out = k * BC4(6.93147180369123816490e-01) -
           ((hfsq - (s * (hfsq + R) + (k * BC4(1.90821492927058770002e-10) + c))) - f);
}

/* ln(1 + e^d) per lane. Beyond |d| = 708 (outside exp4's range; e^-|d| < 3.4e-308, where
 * log1p(t) = t): max(d, 0) + e^-|d| by the library (NaN stays NaN). Pointers rather than vector
 * arguments: no ABI that depends on the clone. */
static inline __attribute__((always_inline)) void softplus4(v4d *out, const v4d *in)
{
    const v4d d = *in, a = (v4d)((v4l)d & 0x7fffffffffffffffLL), x = -a;
    v4d t, r;
    exp4(&t, &x);
    log1p4(&r, &t);
    r = RELU4(d) + r;
    const v4l far = ~(v4l)(a <= BC4(708.0));
    if (ANY4(far))
        for (int i = 0; i < 4; i++)
            if (far[i])
                r[i] = (d[i] > 0.0 ? d[i] : 0.0) + exp(-a[i]);
    *out = r;
}

static inline double softplus(double d)
{
    const v4d v = BC4(d);
    v4d r;
    softplus4(&r, &v);
    return r[0];
}

/* Loss and correctness of sample n from its logits z (n_out), for what its split tracks. */
static inline void eval_sample(const net_shared *sh, const double *z, size_t n, double *loss,
                               uint8_t *corr)
{
    const int split = n >= sh->n_split[NET_TRAIN];
    const size_t K = sh->n_out;
    if (sh->classify) {
        const size_t t = (size_t)sh->T[n];
        size_t best = 0;
        for (size_t j = 1; j < K; j++)
            if (z[j] > z[best])
                best = j;
        if (sh->need_acc[split])
            *corr = best == t;
        if (sh->need_loss[split]) {
            if (K == 2) {  /* softplus of the margin */
                *loss = softplus(z[1 - t] - z[t]);
            } else {
                double mx = z[best], s = 0.0;
                for (size_t j = 0; j < K; j++)
                    s += exp(z[j] - mx);
                *loss = mx + log(s) - z[t];
            }
        }
    } else if (sh->need_loss[split]) {
        const double *y = sh->T + n * K;
        double s = 0.0;
        for (size_t o = 0; o < K; o++) {
            double e = z[o] - y[o];
            s += e * e;
        }
        *loss = s / (double)K;
    }
}

/* eval_sample for one regression output. */
static inline void eval_one(const net_shared *sh, double z, size_t n, double *loss)
{
    double e = z - sh->T[n];
    *loss = e * e;
}

/* Two classes: the samples S[lo, hi) of one split. Logits z0 = z0b[q] + d0[n], z1 = z1b[q] +
 * d1[n] (d0, d1 NULL: no delta) for n = S[c], q = n (by_sample) or c. New losses (nl) and
 * correctness (na) into new_loss[c], new_corr[c]; their changes summed into *dl, *dc. Four
 * samples at a time: S, z0b and z1b (by column), new_loss and new_corr must be readable and
 * writable up to hi rounded up to four, and S hold samples there (lanes past hi are computed
 * and stored, not counted). */
NET_HOT static void eval_two_range(double *restrict new_loss, uint8_t *restrict new_corr,
                                   double *dl, long *dc, const uint32_t *restrict S, size_t lo,
                                   size_t hi, const double *z0b, const double *z1b, int by_sample,
                                   const double *d0, const double *d1, const double *restrict T,
                                   const double *restrict loss_s, const uint8_t *restrict corr_s,
                                   int nl, int na)
{
    const v4l sign = {INT64_MIN, INT64_MIN, INT64_MIN, INT64_MIN}, lane = {0, 1, 2, 3};
    v4d acc = BC4(0.0);
    v4l cnt = {0, 0, 0, 0};
    for (size_t c = lo; c < hi; c += 4) {
        const v4l valid = lane < (long long)(hi - c);
        const size_t n0 = S[c], n1 = S[c + 1], n2 = S[c + 2], n3 = S[c + 3];
        const size_t q0 = by_sample ? n0 : c, q1 = by_sample ? n1 : c + 1,
                     q2 = by_sample ? n2 : c + 2, q3 = by_sample ? n3 : c + 3;
        v4d z0 = {z0b[q0], z0b[q1], z0b[q2], z0b[q3]};
        v4d z1 = {z1b[q0], z1b[q1], z1b[q2], z1b[q3]};
        if (d0) {
            z0 = z0 + (v4d){d0[n0], d0[n1], d0[n2], d0[n3]};
            z1 = z1 + (v4d){d1[n0], d1[n1], d1[n2], d1[n3]};
        }
        const v4l t = (v4l)((v4d){T[n0], T[n1], T[n2], T[n3]} != BC4(0.0));  /* class 1 */
        if (nl) {  /* margin: z1 - z0 for class 0, z0 - z1 = -(z1 - z0) for class 1 */
            const v4d mg = (v4d)((v4l)(z1 - z0) ^ (t & sign));
            v4d l;
            softplus4(&l, &mg);
            ST4(new_loss + c, l);
            const v4d old = {loss_s[n0], loss_s[n1], loss_s[n2], loss_s[n3]};
            acc = acc + (v4d)((v4l)(l - old) & valid);
        }
        if (na) {
            const v4l ok = ~((v4l)(z1 > z0) ^ t) & 1;
            new_corr[c] = (uint8_t)ok[0];
            new_corr[c + 1] = (uint8_t)ok[1];
            new_corr[c + 2] = (uint8_t)ok[2];
            new_corr[c + 3] = (uint8_t)ok[3];
            const v4l old = {corr_s[n0], corr_s[n1], corr_s[n2], corr_s[n3]};
            cnt = cnt + ((ok - old) & valid);
        }
    }
    *dl = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    *dc = (long)((cnt[0] + cnt[1]) + (cnt[2] + cnt[3]));
}

/* New losses and correctness of the changed samples S (new_loss, new_corr) and the proposed
 * sums (p_loss_sum, p_correct). Logit o of S[c] = n is base[o * ld + q] (q = n when
 * by_sample, else c) + delta[o * NP + n] (delta may be NULL), except logit jrow (>= 0), which
 * is zrow[n]. */
static void eval_changed(net *m, const double *base, size_t ld, int by_sample,
                         const double *delta, long jrow)
{
    const net_shared *sh = m->sh;
    const size_t K = sh->n_out, NP = sh->NP, nt = sh->n_split[NET_TRAIN];
    if (sh->classify && K == 2) {
        const double *z0 = jrow == 0 ? m->zrow : base, *z1 = jrow == 1 ? m->zrow : base + ld;
        size_t a = 0, b = m->ns;  /* S is ascending: the training samples are S[0, a) */
        while (a < b) {
            size_t h = a + (b - a) / 2;
            if (m->S[h] < nt)
                a = h + 1;
            else
                b = h;
        }
        /* S padded to a multiple of 4 (<= NP). The training range's last group stores into the
         * first test slots: the test range, evaluated after it, overwrites what it tracks */
        for (size_t c = m->ns; c % 4 != 0; c++)
            m->S[c] = m->ns ? m->S[m->ns - 1] : 0;
        for (int s = 0; s < 2; s++) {
            double dl = 0.0;
            long dc = 0;
            size_t lo = s == 0 ? 0 : a, hi = s == 0 ? a : m->ns;
            if (lo < hi && (sh->need_loss[s] || sh->need_acc[s]))
                eval_two_range(m->new_loss, m->new_corr, &dl, &dc, m->S, lo, hi, z0, z1,
                               by_sample, delta, delta ? delta + NP : NULL, sh->T, m->loss_s,
                               m->corr_s, sh->need_loss[s], sh->need_acc[s]);
            m->p_loss_sum[s] = m->loss_sum[s] + dl;
            m->p_correct[s] = m->correct[s] + dc;
        }
        return;
    }
    if (!sh->classify && K == 1) {
        for (size_t c = 0; c < m->ns; c++) {
            size_t n = m->S[c], q = by_sample ? n : c;
            double z = jrow == 0 ? m->zrow[n] : delta ? base[q] + delta[n] : base[q];
            eval_one(sh, z, n, &m->new_loss[c]);
        }
    } else {
        for (size_t c = 0; c < m->ns; c++) {
            size_t n = m->S[c], q = by_sample ? n : c;
            for (size_t o = 0; o < K; o++)
                m->zs[o] = delta ? base[o * ld + q] + delta[o * NP + n] : base[o * ld + q];
            if (jrow >= 0)
                m->zs[jrow] = m->zrow[n];
            eval_sample(sh, m->zs, n, &m->new_loss[c], &m->new_corr[c]);
        }
    }
    /* S is ascending: the training samples first */
    size_t c = 0;
    for (int s = 0; s < 2; s++) {
        size_t end = s == 0 ? c : m->ns;
        while (s == 0 && end < m->ns && m->S[end] < nt)
            end++;
        double dl = 0;
        long dc = 0;
        if (sh->need_loss[s])
            for (size_t k = c; k < end; k++)
                dl += m->new_loss[k] - m->loss_s[m->S[k]];
        if (sh->need_acc[s])
            for (size_t k = c; k < end; k++)
                dc += (long)m->new_corr[k] - (long)m->corr_s[m->S[k]];
        m->p_loss_sum[s] = m->loss_sum[s] + dl;
        m->p_correct[s] = m->correct[s] + dc;
        c = end;
    }
}

/* ---------------------------------------------------------------- prefix (cnn, embedding) */

/* Forward the cnn prefix from layer `from` into the alternate buffers (from > 0 reads layer
 * from - 1's current output), or into the current ones when `into_cur`. */
static void prefix_forward(net *m, size_t from, int into_cur)
{
    const net_shared *sh = m->sh;
    const nn_net *net = m->net;
    const size_t N = sh->N;
    for (size_t i = from; i < sh->prefix; i++) {
        const nn_layer *l = &net->layers[i];
        int slot = into_cur ? m->pcur[i] : 1 - m->pcur[i];
        const double *in = i == 0 ? sh->Xs
                         : m->pbuf[i - 1][(into_cur || i == from) ? m->pcur[i - 1] : 1 - m->pcur[i - 1]];
        double *out = m->pbuf[i][slot];
        const double *W = net->params + l->w_offset;
        const double *b = l->b_count ? net->params + l->b_offset : NULL;
        switch (l->kind) {
        case NN_CONV3: nn_conv3_forward(out, in, W, b, N, l->c_in, l->c_out, l->h, l->w); break;
        case NN_MAXPOOL2: nn_maxpool2_forward(out, m->pmax[i][slot], in, N, l->c_in, l->h, l->w); break;
        case NN_RELU:
        case NN_TANH:
        case NN_SILU: nn_act_forward(l->kind, out, in, N * l->in_size); break;
        default: break;
        }
    }
}

/* X0 (F, NP) = transpose of the prefix output (N, F); padding columns zero. */
static void prefix_to_x0(const net *m, const double *out, double *X0)
{
    const size_t N = m->sh->N, NP = m->sh->NP, F = m->sh->dense[0].in;
    for (size_t f = 0; f < F; f++) {
        double *row = X0 + f * NP;
        for (size_t n = 0; n < N; n++)
            row[n] = out[n * F + f];
        for (size_t n = N; n < NP; n++)
            row[n] = 0.0;
    }
}

/* Token t of sample n (text). */
static inline size_t token(const net_shared *sh, size_t n, size_t t)
{
    const es_data *d = sh->data;
    size_t nt = sh->n_split[NET_TRAIN];
    double v = n < nt ? d->train.x[n * sh->ctx + t] : d->test.x[(n - nt) * sh->ctx + t];
    return (size_t)v;
}

static void embed_to_x0(const net *m, double *X0)
{
    const net_shared *sh = m->sh;
    const size_t NP = sh->NP, dim = sh->dim;
    const double *E = m->net->params + m->net->layers[0].w_offset;
    memset(X0, 0, sh->dense[0].in * NP * sizeof *X0);
    for (size_t n = 0; n < sh->N; n++)
        for (size_t t = 0; t < sh->ctx; t++) {
            const double *e = E + token(sh, n, t) * dim;
            for (size_t c = 0; c < dim; c++)
                X0[(t * dim + c) * NP + n] = e[c];
        }
}

/* ---------------------------------------------------------------- full pass */

void net_forward_all(net *m)
{
    const net_shared *sh = m->sh;
    const nn_net *net = m->net;
    const size_t NP = sh->NP, N = sh->N;
    if (sh->embed) {
        embed_to_x0(m, m->x0buf[0]);
    } else if (sh->prefix > 0) {
        prefix_forward(m, 0, 1);
        prefix_to_x0(m, m->pbuf[sh->prefix - 1][m->pcur[sh->prefix - 1]], m->x0buf[m->x0cur]);
    }
    const double *in = x0_cur(m);
    for (size_t d = 0; d < sh->n_dense; d++) {
        const net_dense *L = &sh->dense[d];
        const double *b = L->b_count ? net->params + L->b_off : NULL;
        double *z = L->sm ? m->Zc[d] : m->Z[d];
        fm_dense(z, net->params + L->w_off, b, in, L->out, L->in, NP);
        if (L->sm)  /* stored sample-major: (NP, out) */
            for (size_t k = 0; k < L->out; k++)
                for (size_t n = 0; n < NP; n++)
                    m->Z[d][n * L->out + k] = z[k * NP + n];
        if (d + 1 < sh->n_dense) {
            double *a = L->store_a ? m->A[d] : m->tmp;
            act_rows(L->act, a, z, L->out * NP);
            in = a;
        }
    }
    const double *Zl = m->Z[sh->n_dense - 1];
    double ls[2] = {0, 0};
    long cs[2] = {0, 0};
    for (size_t n = 0; n < N; n++) {
        for (size_t o = 0; o < sh->n_out; o++)
            m->zs[o] = Zl[o * NP + n];
        int split = n >= sh->n_split[NET_TRAIN];
        double l = 0;
        uint8_t c = 0;
        eval_sample(sh, m->zs, n, &l, &c);
        m->loss_s[n] = l;
        m->corr_s[n] = c;
        ls[split] += l;
        cs[split] += c;
    }
    for (int s = 0; s < 2; s++) {
        m->loss_sum[s] = ls[s];
        m->correct[s] = cs[s];
    }
}

void net_eval_full(net *m, double loss_sum[2], long correct[2])
{
    const net_shared *sh = m->sh;
    nn_forward(m->net, m->facts, sh->Xs, sh->N);
    const double *logits = nn_logits(m->net, m->facts);
    size_t off = 0;
    for (int s = 0; s < 2; s++) {
        size_t n = sh->n_split[s], c = 0;
        loss_sum[s] = 0;
        correct[s] = 0;
        if (n == 0)
            continue;
        double mean;
        if (sh->classify)
            mean = nn_softmax_ce(NULL, &c, logits + off * sh->n_out, sh->T + off, n, sh->n_out);
        else
            mean = nn_mse(NULL, logits + off * sh->n_out, sh->T + off * sh->n_out, n, sh->n_out);
        loss_sum[s] = mean * (double)n;
        correct[s] = (long)c;
        off += n;
    }
}

/* ---------------------------------------------------------------- kernels */

/* zrow = z + delta in (relu(in) when in_relu); da = act(zrow) - act(z) (aold: the cached
 * act(z), or NULL for relu; da NULL: no activation). */
NET_HOT static void k_row(double *restrict zrow, double *restrict da, const double *restrict z,
                          const double *restrict in, int in_relu, const double *restrict aold,
                          double delta, nn_kind act, size_t NP)
{
    const v4d dl = BC4(delta);
    for (size_t n = 0; n < NP; n += 4) {
        v4d x = LD4(in + n);
        if (in_relu)
            x = RELU4(x);
        v4d zo = LD4(z + n), zn = zo + dl * x;
        ST4(zrow + n, zn);
        if (da && act == NN_RELU)
            ST4(da + n, RELU4(zn) - RELU4(zo));
    }
    if (da && act != NN_RELU)
        for (size_t n = 0; n < NP; n++)
            da[n] = act1(act, zrow[n]) - aold[n];
}

/* 1 if x != 0 (NaN included): integer test of the bits without the sign. */
static inline uint64_t nonzero_bits(const double *x)
{
    uint64_t u;
    memcpy(&u, x, sizeof u);
    return u << 1;
}

/* Offsets of the blocks of NET_BLK samples where da is not all zero, into blk; returns
 * their number. */
static size_t nonzero_blocks(const double *da, size_t NP, uint32_t *blk)
{
    size_t nb = 0;
    for (size_t b = 0; b < NP; b += NET_BLK) {
        uint64_t any = 0;
        for (int t = 0; t < NET_BLK; t++)
            any |= nonzero_bits(da + b + (size_t)t);
        blk[nb] = (uint32_t)b;
        nb += any != 0;
    }
    return nb;
}

/* Prefetch n doubles at p (a row about to be streamed). */
static inline void prefetch_row(const double *p, size_t n)
{
    for (size_t k = 0; k < n; k += 8)
        __builtin_prefetch(p + k);
}

/* FUSED: dlog (nout, NP) = W2 (act(Z1 + w1 da) - act(Z1)) on the nb blocks blk of samples
 * where da is not all zero (other columns are not written). Z1 (out1, NP), w1 (out1) =
 * column j of W1, W2T (out1, nout), A1 (out1, NP) the cached act(Z1) for non-relu
 * activations. Row by row, so that the rows of Z1 stream through the cache; each dlog entry
 * is summed over units in order. */
NET_HOT static void k_fused(double *restrict dlog, const uint32_t *restrict blk, size_t nb,
                            const double *restrict da, const double *restrict Z1,
                            const double *restrict A1, const double *restrict w1,
                            const double *restrict W2T, nn_kind act, size_t out1, size_t nout,
                            size_t NP)
{
    const v4d zero = BC4(0.0);
    for (size_t o = 0; o < nout; o++)
        for (size_t q = 0; q < nb; q++) {
            ST4(dlog + o * NP + blk[q], zero);
            ST4(dlog + o * NP + blk[q] + 4, zero);
        }
    for (size_t k = 0; k < out1; k++) {
        const double *z = Z1 + k * NP;
        const v4d w = BC4(w1[k]);
        const double *c = W2T + k * nout;
        if (k + 2 < out1 && NP >= 256)
            prefetch_row(Z1 + (k + 2) * NP, NP);
        if (act == NN_RELU && nout == 1) {
            const v4d c0 = BC4(c[0]);
            for (size_t q = 0; q < nb; q++) {
                const size_t b = blk[q];
                const v4d zo0 = LD4(z + b), zo1 = LD4(z + b + 4);
                const v4d e0 = RELU4(zo0 + w * LD4(da + b)) - RELU4(zo0);
                const v4d e1 = RELU4(zo1 + w * LD4(da + b + 4)) - RELU4(zo1);
                ST4(dlog + b, LD4(dlog + b) + c0 * e0);
                ST4(dlog + b + 4, LD4(dlog + b + 4) + c0 * e1);
            }
            continue;
        }
        if (act == NN_RELU && nout == 2) {
            const v4d c0 = BC4(c[0]), c1 = BC4(c[1]);
            double *l0 = dlog, *l1 = dlog + NP;
            for (size_t q = 0; q < nb; q++) {
                const size_t b = blk[q];
                const v4d zo0 = LD4(z + b), zo1 = LD4(z + b + 4);
                const v4d e0 = RELU4(zo0 + w * LD4(da + b)) - RELU4(zo0);
                const v4d e1 = RELU4(zo1 + w * LD4(da + b + 4)) - RELU4(zo1);
                ST4(l0 + b, LD4(l0 + b) + c0 * e0);
                ST4(l0 + b + 4, LD4(l0 + b + 4) + c0 * e1);
                ST4(l1 + b, LD4(l1 + b) + c1 * e0);
                ST4(l1 + b + 4, LD4(l1 + b + 4) + c1 * e1);
            }
            continue;
        }
        for (size_t q = 0; q < nb; q++) {
            const size_t b = blk[q];
            v4d e0, e1;
            if (act == NN_RELU) {
                const v4d zo0 = LD4(z + b), zo1 = LD4(z + b + 4);
                e0 = RELU4(zo0 + w * LD4(da + b)) - RELU4(zo0);
                e1 = RELU4(zo1 + w * LD4(da + b + 4)) - RELU4(zo1);
            } else {
                const double *a = A1 + k * NP + b;
                double e[NET_BLK];
                for (int t = 0; t < NET_BLK; t++)
                    e[t] = da[b + t] != 0.0 ? act1(act, z[b + t] + w1[k] * da[b + t]) - a[t] : 0.0;
                e0 = LD4(e);
                e1 = LD4(e + 4);
            }
            for (size_t o = 0; o < nout; o++) {
                const v4d co = BC4(c[o]);
                double *l = dlog + o * NP + b;
                ST4(l, LD4(l) + co * e0);
                ST4(l + 4, LD4(l + 4) + co * e1);
            }
        }
    }
}

/* k_fused for relu and one or two outputs, block by block with the sums in registers:
 * faster while Z1 (out1, NP) sits in the L2 cache (then its row stride costs nothing); the
 * sums run over units in the same order, so both variants give the same bits. */
NET_HOT static void k_fused_blocks(double *restrict dlog, const uint32_t *restrict blk, size_t nb,
                                   const double *restrict da, const double *restrict Z1,
                                   const double *restrict w1, const double *restrict W2T,
                                   size_t out1, size_t nout, size_t NP)
{
    const v4d zero = BC4(0.0);
    const size_t c1 = nout == 2;
    for (size_t q = 0; q < nb; q++) {
        const size_t b = blk[q];
        const v4d d0 = LD4(da + b), d1 = LD4(da + b + 4);
        v4d a00 = zero, a01 = zero, a10 = zero, a11 = zero;
        for (size_t k = 0; k < out1; k++) {
            const double *z = Z1 + k * NP + b;
            const v4d w = BC4(w1[k]), c0v = BC4(W2T[k * nout]), c1v = BC4(W2T[k * nout + c1]);
            const v4d zo0 = LD4(z), zo1 = LD4(z + 4);
            const v4d e0 = RELU4(zo0 + w * d0) - RELU4(zo0), e1 = RELU4(zo1 + w * d1) - RELU4(zo1);
            a00 = a00 + c0v * e0;
            a01 = a01 + c0v * e1;
            a10 = a10 + c1v * e0;
            a11 = a11 + c1v * e1;
        }
        ST4(dlog + b, a00);
        ST4(dlog + b + 4, a01);
        if (nout == 2) {
            ST4(dlog + NP + b, a10);
            ST4(dlog + NP + b + 4, a11);
        }
    }
}

/* k_fused_blocks on the changed samples only: S (ns, ascending) gathered eight at a time
 * (the last group padded with da = 0), dlog written for the samples of S. Worth it when S
 * fills few of the blocks it touches. */
NET_HOT static void k_fused_gather(double *restrict dlog, const uint32_t *restrict S, size_t ns,
                                   const double *restrict da, const double *restrict Z1,
                                   const double *restrict w1, const double *restrict W2T,
                                   size_t out1, size_t nout, size_t NP)
{
    const v4d zero = BC4(0.0);
    const size_t c1 = nout == 2;
    for (size_t c = 0; c < ns; c += NET_BLK) {
        uint32_t ix[NET_BLK];
        double dv[NET_BLK];
        for (int t = 0; t < NET_BLK; t++) {
            int in = c + (size_t)t < ns;
            ix[t] = in ? S[c + (size_t)t] : S[c];
            dv[t] = in ? da[ix[t]] : 0.0;
        }
        const v4d d0 = LD4(dv), d1 = LD4(dv + 4);
        v4d a00 = zero, a01 = zero, a10 = zero, a11 = zero;
        for (size_t k = 0; k < out1; k++) {
            const double *z = Z1 + k * NP;
            const v4d w = BC4(w1[k]), c0v = BC4(W2T[k * nout]), c1v = BC4(W2T[k * nout + c1]);
            const v4d zo0 = {z[ix[0]], z[ix[1]], z[ix[2]], z[ix[3]]};
            const v4d zo1 = {z[ix[4]], z[ix[5]], z[ix[6]], z[ix[7]]};
            const v4d e0 = RELU4(zo0 + w * d0) - RELU4(zo0), e1 = RELU4(zo1 + w * d1) - RELU4(zo1);
            a00 = a00 + c0v * e0;
            a01 = a01 + c0v * e1;
            a10 = a10 + c1v * e0;
            a11 = a11 + c1v * e1;
        }
        double r[4 * NET_BLK];
        ST4(r, a00);
        ST4(r + 4, a01);
        ST4(r + 8, a10);
        ST4(r + 12, a11);
        for (int t = 0; t < NET_BLK && c + (size_t)t < ns; t++) {
            dlog[ix[t]] = r[t];
            if (nout == 2)
                dlog[NP + ix[t]] = r[8 + t];
        }
    }
}

/* FUSED for a sample-major relu layer Z1T (NP, out1) and one or two outputs: for every changed
 * sample its units are contiguous; W2 (nout, out1) are the next layer's weights. The last
 * out1 % 4 units are one block padded with zero weights and zero pre-activations (masked: Z1T
 * is allocated four doubles longer, see net_layout). */
NET_HOT static void k_fused_sm(double *restrict dlog, const uint32_t *restrict S, size_t ns,
                               const double *restrict da, const double *restrict Z1T,
                               const double *restrict w1, const double *restrict W2,
                               size_t out1, size_t nout, size_t NP)
{
    const v4d zero = BC4(0.0);
    const size_t o8 = out1 & ~(size_t)7, o4 = out1 & ~(size_t)3;
    const double *W2b = W2 + (nout == 2 ? out1 : 0);
    v4d wt = zero, ct = zero, dt = zero;  /* the padded last block */
    v4l mt = {0, 0, 0, 0};
    for (size_t i = 0; o4 + i < out1; i++) {
        wt[i] = w1[o4 + i];
        ct[i] = W2[o4 + i];
        dt[i] = W2b[o4 + i];
        mt[i] = -1;
    }
    const int tail = o4 < out1;
    for (size_t c = 0; c < ns; c++) {
        const size_t n = S[c];
        const double *z = Z1T + n * out1;
        const v4d dn = BC4(da[n]);
        v4d a0 = zero, a1 = zero, b0 = zero, b1 = zero;  /* two chains: half the latency */
        for (size_t k = 0; k < o8; k += 8) {
            const v4d zo = LD4(z + k), zp = LD4(z + k + 4);
            const v4d e = RELU4(zo + LD4(w1 + k) * dn) - RELU4(zo);
            const v4d f = RELU4(zp + LD4(w1 + k + 4) * dn) - RELU4(zp);
            a0 = a0 + LD4(W2 + k) * e;
            a1 = a1 + LD4(W2b + k) * e;
            b0 = b0 + LD4(W2 + k + 4) * f;
            b1 = b1 + LD4(W2b + k + 4) * f;
        }
        if (o4 > o8) {
            const v4d zo = LD4(z + o8);
            const v4d e = RELU4(zo + LD4(w1 + o8) * dn) - RELU4(zo);
            a0 = a0 + LD4(W2 + o8) * e;
            a1 = a1 + LD4(W2b + o8) * e;
        }
        if (tail) {
            const v4d zo = (v4d)((v4l)LD4(z + o4) & mt);
            const v4d e = RELU4(zo + wt * dn) - RELU4(zo);
            b0 = b0 + ct * e;
            b1 = b1 + dt * e;
        }
        a0 = a0 + b0;
        a1 = a1 + b1;
        /* h = (a0[0] + a0[1], a1[0] + a1[1], a0[2] + a0[3], a1[2] + a1[3]) */
        const v4d h = __builtin_shuffle(a0, a1, (v4l){0, 4, 2, 6}) +
                      __builtin_shuffle(a0, a1, (v4l){1, 5, 3, 7});
        dlog[n] = h[0] + h[2];
        if (nout == 2)
            dlog[NP + n] = h[1] + h[3];
    }
}

/* Z1T (NP, out1) rows of S += da[n] w1 (the sample-major k_rank1_apply). */
NET_HOT static void k_rank1_apply_sm(double *restrict Z1T, const uint32_t *restrict S, size_t ns,
                                     const double *restrict da, const double *restrict w1,
                                     size_t out1)
{
    const size_t o8 = out1 & ~(size_t)7, o4 = out1 & ~(size_t)3;
    for (size_t c = 0; c < ns; c++) {
        const size_t n = S[c];
        double *z = Z1T + n * out1;
        const v4d dn = BC4(da[n]);
        for (size_t k = 0; k < o8; k += 8) {
            ST4(z + k, LD4(z + k) + LD4(w1 + k) * dn);
            ST4(z + k + 4, LD4(z + k + 4) + LD4(w1 + k + 4) * dn);
        }
        if (o4 > o8)
            ST4(z + o8, LD4(z + o8) + LD4(w1 + o8) * dn);
        for (size_t k = o4; k < out1; k++)
            z[k] = z[k] + w1[k] * da[n];
    }
}

/* Z1 (out1, NP) += w1 da on the nb blocks blk, with A1 = act(Z1) kept (non-relu). */
NET_HOT static void k_rank1_apply(double *restrict Z1, double *restrict A1, const uint32_t *restrict blk,
                                  size_t nb, const double *restrict da, const double *restrict w1,
                                  nn_kind act, size_t out1, size_t NP)
{
    for (size_t k = 0; k < out1; k++) {
        double *z = Z1 + k * NP;
        const v4d w = BC4(w1[k]);
        if (k + 2 < out1 && NP >= 256)
            prefetch_row(Z1 + (k + 2) * NP, NP);
        for (size_t q = 0; q < nb; q++) {
            const size_t b = blk[q];
            ST4(z + b, LD4(z + b) + w * LD4(da + b));
            ST4(z + b + 4, LD4(z + b + 4) + w * LD4(da + b + 4));
            if (A1)
                for (int t = 0; t < NET_BLK; t++)
                    if (da[b + t] != 0.0)
                        A1[k * NP + b + t] = act1(act, z[b + t]);
        }
    }
}

/* The compact columns of a feature-major layer Z (out, NP) after a rank-one change: column c
 * of Zc (out, nsp) = Z[:, S[c]] + w1 da[S[c]], four samples at a time (nsp a multiple of 4). */
NET_HOT static void k_gather_rank1(double *restrict Zc, const double *restrict Z,
                                   const uint32_t *restrict S, size_t nsp,
                                   const double *restrict da, const double *restrict w1,
                                   size_t out, size_t NP)
{
    for (size_t c = 0; c < nsp; c += 4) {
        const size_t n0 = S[c], n1 = S[c + 1], n2 = S[c + 2], n3 = S[c + 3];
        const v4d dv = {da[n0], da[n1], da[n2], da[n3]};
        for (size_t k = 0; k < out; k++) {
            const double *z = Z + k * NP;
            const v4d zo = {z[n0], z[n1], z[n2], z[n3]};
            ST4(Zc + k * nsp + c, zo + BC4(w1[k]) * dv);
        }
    }
}

/* ---------------------------------------------------------------- moves */

/* Samples n < N with v[n] != 0 into S. */
static void changed_samples(net *m, const double *v)
{
    const size_t N = m->sh->N;
    uint32_t *S = m->S;
    size_t ns = 0, n = 0;
    for (; n + 4 <= N; n += 4) {  /* branch-free: every sample written, the changed kept */
        S[ns] = (uint32_t)n;
        ns += nonzero_bits(v + n) != 0;
        S[ns] = (uint32_t)n + 1;
        ns += nonzero_bits(v + n + 1) != 0;
        S[ns] = (uint32_t)n + 2;
        ns += nonzero_bits(v + n + 2) != 0;
        S[ns] = (uint32_t)n + 3;
        ns += nonzero_bits(v + n + 3) != 0;
    }
    for (; n < N; n++) {
        S[ns] = (uint32_t)n;
        ns += nonzero_bits(v + n) != 0;
    }
    m->ns = ns;
}

/* Compact path from tail layer e0, whose new pre-activations for the samples S are in
 * Zc[e0] (out, nsp): every later layer is recomputed for S, then their losses. */
static void compact_eval(net *m, size_t e0, size_t nsp)
{
    const net_shared *sh = m->sh;
    const double *params = m->net->params;
    const size_t D = sh->n_dense;
    for (size_t e = e0; m->ns > 0 && e + 1 < D; e++) {
        const net_dense *L = &sh->dense[e], *Nx = &sh->dense[e + 1];
        double *a = L->store_a ? m->Ac[e] : m->tmp;
        act_rows(L->act, a, m->Zc[e], L->out * nsp);
        fm_dense(m->Zc[e + 1], params + Nx->w_off, Nx->b_count ? params + Nx->b_off : NULL, a,
                 Nx->out, Nx->in, nsp);
    }
    eval_changed(m, m->Zc[D - 1], nsp, 0, NULL, -1);
}

static inline size_t pad(size_t n)
{
    return (n + NET_BLK - 1) / NET_BLK * NET_BLK;
}

/* Pad S to nsp entries by repeating its first sample (computed, never counted). */
static size_t pad_samples(net *m)
{
    size_t nsp = pad(m->ns);
    for (size_t c = m->ns; c < nsp; c++)
        m->S[c] = m->ns ? m->S[0] : 0;
    return nsp;
}

/* One-output regression, evaluated densely on the nb blocks blk of samples that may change
 * (vector code, no list of samples): new logit zl + dl (or zrow when dl is NULL), new losses
 * into new_loss (indexed by sample), proposed sums. */
NET_HOT static void eval_dense_kernel(double *restrict new_loss, double *restrict sums,
                                      const uint32_t *restrict blk, size_t nb,
                                      const double *restrict zl, const double *restrict dl,
                                      const double *restrict zrow, const double *restrict y,
                                      const double *restrict loss_s, size_t nt, size_t N)
{
    v4d acc[2] = {BC4(0.0), BC4(0.0)};
    double tail[2] = {0.0, 0.0};
    for (size_t q = 0; q < nb; q++) {
        const size_t b = blk[q];
        v4d d[2];
        for (int h = 0; h < 2; h++) {
            const size_t o = b + 4 * (size_t)h;
            const v4d z = dl ? LD4(zl + o) + LD4(dl + o) : LD4(zrow + o);
            const v4d e = z - LD4(y + o), l = e * e;
            ST4(new_loss + o, l);
            d[h] = l - LD4(loss_s + o);
        }
        if (b + NET_BLK <= nt) {
            acc[0] = acc[0] + d[0] + d[1];
        } else if (b >= nt && b + NET_BLK <= N) {
            acc[1] = acc[1] + d[0] + d[1];
        } else {
            for (size_t t = 0; t < NET_BLK && b + t < N; t++)
                tail[b + t >= nt] += d[t / 4][t % 4];
        }
    }
    for (int s = 0; s < 2; s++)
        sums[s] = ((acc[s][0] + acc[s][1]) + (acc[s][2] + acc[s][3])) + tail[s];
}

static void eval_dense_reg(net *m, const double *zl, const double *dl)
{
    const net_shared *sh = m->sh;
    double d[2];
    eval_dense_kernel(m->new_loss, d, m->blk, m->nb, zl, dl, m->zrow, sh->TP, m->loss_s,
                      sh->n_split[NET_TRAIN], sh->N);
    for (int s = 0; s < 2; s++) {
        m->p_loss_sum[s] = m->loss_sum[s] + (sh->need_loss[s] ? d[s] : 0.0);
        m->p_correct[s] = m->correct[s];
    }
    m->ns = 0;
    m->dense_reg = 1;
}

/* A dense-layer move (ROW). */
static void eval_row(net *m)
{
    const net_shared *sh = m->sh;
    const size_t NP = sh->NP, D = sh->n_dense, d = (size_t)m->p_dense, j = m->p_j, K = sh->n_out;
    const net_dense *L = &sh->dense[d];
    const double delta = m->p_new - m->p_old;
    int in_relu = 0;
    const double *in = m->p_bias ? m->ones : input_row(m, d, m->p_i, &in_relu);
    const double *z = m->Z[d] + j * NP;
    if (NP >= 256) {  /* large rows: fetch both at once rather than by demand misses */
        prefetch_row(in, NP);
        prefetch_row(z, NP);
    }
    if (L->sm) {  /* the unit's column of a sample-major layer */
        const double *zc = m->Z[d] + j;
        for (size_t n = 0; n < NP; n++)
            m->zold[n] = zc[n * L->out];
        z = m->zold;
    }
    const int dreg = !sh->classify && K == 1;
    m->dense_reg = 0;
    if (d + 1 == D) {  /* one logit row */
        k_row(m->zrow, NULL, z, in, in_relu, NULL, delta, NN_DENSE, NP);
        for (size_t n = 0; n < NP; n++)
            m->da[n] = m->zrow[n] - z[n];
        m->mv = NET_MV_ROW_LAST;
        if (dreg) {
            m->nb = nonzero_blocks(m->da, NP, m->blk);
            eval_dense_reg(m, NULL, NULL);
            return;
        }
        changed_samples(m, m->da);
        eval_changed(m, m->Z[d], NP, 1, NULL, (long)j);
        m->mv = NET_MV_ROW_LAST;
        return;
    }
    k_row(m->zrow, m->da, z, in, in_relu, L->store_a ? m->A[d] + j * NP : NULL, delta, L->act, NP);
    const net_dense *L1 = &sh->dense[d + 1];
    const double *w1 = m->WT + L1->wt_off + j * L1->out;  /* column j of W[d + 1] */
    m->nb = 0;  /* the blocks where da != 0: only the block-wise kernels need them */
    if (dreg && (d + 2 == D || (d + 3 == D && !L1->sm)))
        m->nb = nonzero_blocks(m->da, NP, m->blk);
    if (dreg && d + 2 == D) {
        const v4d w = BC4(w1[0]);
        for (size_t q = 0; q < m->nb; q++) {
            size_t b = m->blk[q];
            ST4(m->dlog + b, w * LD4(m->da + b));
            ST4(m->dlog + b + 4, w * LD4(m->da + b + 4));
        }
        eval_dense_reg(m, m->Z[d + 1], m->dlog);
        m->mv = NET_MV_ROW_RANK1;
        return;
    }
    if (dreg && d + 3 == D && !L1->sm) {
        k_fused(m->dlog, m->blk, m->nb, m->da, m->Z[d + 1], m->A[d + 1], w1,
                m->WT + sh->dense[d + 2].wt_off, L1->act, L1->out, K, NP);
        eval_dense_reg(m, m->Z[d + 2], m->dlog);
        m->mv = NET_MV_ROW_FUSED;
        return;
    }
    changed_samples(m, m->da);
    if (d + 2 == D) {  /* rank one on the logits */
        for (size_t c = 0; c < m->ns; c++) {
            size_t n = m->S[c];
            for (size_t o = 0; o < K; o++)
                m->dlog[o * NP + n] = w1[o] * m->da[n];
        }
        eval_changed(m, m->Z[d + 1], NP, 1, m->dlog, -1);
        m->mv = NET_MV_ROW_RANK1;
        return;
    }
    if (d + 3 == D) {  /* FUSED through layer d + 1 into the logits */
        const net_dense *L2 = &sh->dense[d + 2];
        if (L1->sm) {
            k_fused_sm(m->dlog, m->S, m->ns, m->da, m->Z[d + 1], w1,
                       m->net->params + L2->w_off, L1->out, K, NP);
            eval_changed(m, m->Z[d + 2], NP, 1, m->dlog, -1);
            m->mv = NET_MV_ROW_FUSED;
            return;
        }
        m->nb = nonzero_blocks(m->da, NP, m->blk);
        int small = L1->act == NN_RELU && K <= 2 && L1->out * NP * sizeof(double) <= NET_L2_BYTES;
        if (small && 4 * ((m->ns + NET_BLK - 1) / NET_BLK) < 3 * m->nb)
            k_fused_gather(m->dlog, m->S, m->ns, m->da, m->Z[d + 1], w1, m->WT + L2->wt_off,
                           L1->out, K, NP);
        else if (small)
            k_fused_blocks(m->dlog, m->blk, m->nb, m->da, m->Z[d + 1], w1, m->WT + L2->wt_off,
                           L1->out, K, NP);
        else
            k_fused(m->dlog, m->blk, m->nb, m->da, m->Z[d + 1], m->A[d + 1], w1,
                    m->WT + L2->wt_off, L1->act, L1->out, K, NP);
        eval_changed(m, m->Z[d + 2], NP, 1, m->dlog, -1);
        m->mv = NET_MV_ROW_FUSED;
        return;
    }
    /* deeper: compact from layer d + 1 */
    size_t nsp = pad_samples(m);
    double *Zc = m->Zc[d + 1];
    const double *Z1 = m->Z[d + 1];
    if (!L1->sm) {
        k_gather_rank1(Zc, Z1, m->S, nsp, m->da, w1, L1->out, NP);
    } else {
        for (size_t k = 0; k < L1->out; k++) {
            const double w = w1[k];
            for (size_t c = 0; c < nsp; c++) {
                size_t n = m->S[c];
                Zc[k * nsp + c] = Z1[n * L1->out + k] + w * m->da[n];
            }
        }
    }
    m->c_first = d + 1;
    m->mv = NET_MV_COMPACT;
    compact_eval(m, d + 1, nsp);
}

/* An embedding move: E[v][col] changes by delta; every sample whose context holds v. */
static void eval_embed(net *m)
{
    const net_shared *sh = m->sh;
    const size_t v = m->p_j, col = m->p_i, dim = sh->dim;
    const net_dense *L0 = &sh->dense[0];
    const double delta = m->p_new - m->p_old;
    const uint32_t *oc = sh->occ + sh->occ_start[v], *oe = sh->occ + sh->occ_start[v + 1];
    size_t ns = 0;
    for (const uint32_t *p = oc; p < oe; p++) {
        uint32_t n = *p / (uint32_t)sh->ctx;
        if (ns == 0 || m->S[ns - 1] != n)
            m->S[ns++] = n;
    }
    m->ns = ns;
    size_t nsp = pad_samples(m);
    double *Zc = m->Zc[0];
    const double *Z0 = m->Z[0];
    for (size_t k = 0; k < L0->out; k++)
        for (size_t c = 0; c < nsp; c++)
            Zc[k * nsp + c] = Z0[zidx(sh, 0, k, m->S[c])];
    size_t c = 0;
    for (const uint32_t *p = oc; p < oe; p++) {  /* add delta W0[:, t dim + col] per occurrence */
        uint32_t n = *p / (uint32_t)sh->ctx, t = *p % (uint32_t)sh->ctx;
        while (m->S[c] != n)
            c++;
        const double *w = m->WT + L0->wt_off + (t * dim + col) * L0->out;
        for (size_t k = 0; k < L0->out; k++)
            Zc[k * nsp + c] += delta * w[k];
    }
    m->c_first = 0;
    m->mv = NET_MV_COMPACT;
    compact_eval(m, 0, nsp);
}

/* A prefix (convolution) move: partial recompute of the prefix from the moved layer, then
 * the whole tail for every sample. The parameter is set while the prefix is recomputed. */
static void eval_prefix(net *m)
{
    const net_shared *sh = m->sh;
    const size_t NP = sh->NP;
    m->net->params[m->p_idx] = m->p_new;
    prefix_forward(m, m->p_layer, 0);
    m->net->params[m->p_idx] = m->p_old;
    size_t last = sh->prefix - 1;
    double *X0n = m->x0buf[1 - m->x0cur];
    prefix_to_x0(m, m->pbuf[last][1 - m->pcur[last]], X0n);
    m->ns = sh->N;
    for (size_t n = 0; n < NP; n++)
        m->S[n] = (uint32_t)(n < sh->N ? n : 0);
    const net_dense *L0 = &sh->dense[0];
    fm_dense(m->Zc[0], m->net->params + L0->w_off, L0->b_count ? m->net->params + L0->b_off : NULL,
             X0n, L0->out, L0->in, NP);
    m->c_first = 0;
    m->mv = NET_MV_COMPACT;
    compact_eval(m, 0, NP);
}

void net_eval_move(net *m)
{
    const net_shared *sh = m->sh;
    m->dense_reg = 0;
    const net_player *P = &sh->players[m->p_player];
    if (P->kind == NN_DENSE)
        eval_row(m);
    else if (P->kind == NN_EMBED)
        eval_embed(m);
    else
        eval_prefix(m);
}

/* z += dl on the nb blocks blk. */
NET_HOT static void add_blocks(double *restrict z, const double *restrict dl, const uint32_t *restrict blk,
                               size_t nb)
{
    for (size_t q = 0; q < nb; q++) {
        const size_t b = blk[q];
        ST4(z + b, LD4(z + b) + LD4(dl + b));
        ST4(z + b + 4, LD4(z + b + 4) + LD4(dl + b + 4));
    }
}

void net_commit_move(net *m)
{
    const net_shared *sh = m->sh;
    const size_t NP = sh->NP, K = sh->n_out;
    const net_player *P = &sh->players[m->p_player];
    if (P->kind == NN_DENSE) {  /* the moved unit's row */
        size_t d = (size_t)m->p_dense, j = m->p_j;
        if (sh->dense[d].sm)
            for (size_t n = 0; n < NP; n++)
                m->Z[d][n * sh->dense[d].out + j] = m->zrow[n];
        else
            memcpy(m->Z[d] + j * NP, m->zrow, NP * sizeof(double));
        if (sh->dense[d].store_a)
            for (size_t n = 0; n < NP; n++)
                m->A[d][j * NP + n] = act1(sh->dense[d].act, m->zrow[n]);
    }
    switch (m->mv) {
    case NET_MV_ROW_LAST:
    case NET_MV_NONE:
        break;
    case NET_MV_ROW_RANK1: {
        double *Zl = m->Z[(size_t)m->p_dense + 1];
        if (m->dense_reg)
            add_blocks(Zl, m->dlog, m->blk, m->nb);
        for (size_t c = 0; c < m->ns; c++) {
            size_t n = m->S[c];
            for (size_t o = 0; o < K; o++)
                Zl[o * NP + n] = Zl[o * NP + n] + m->dlog[o * NP + n];
        }
        break;
    }
    case NET_MV_ROW_FUSED: {
        size_t d = (size_t)m->p_dense;
        const net_dense *L1 = &sh->dense[d + 1];
        const double *w1 = m->WT + L1->wt_off + m->p_j * L1->out;
        if (L1->sm)
            k_rank1_apply_sm(m->Z[d + 1], m->S, m->ns, m->da, w1, L1->out);
        else
            k_rank1_apply(m->Z[d + 1], m->A[d + 1], m->blk, m->nb, m->da, w1, L1->act, L1->out, NP);
        double *Zl = m->Z[d + 2];
        if (m->dense_reg)
            add_blocks(Zl, m->dlog, m->blk, m->nb);
        for (size_t c = 0; c < m->ns; c++) {
            size_t n = m->S[c];
            for (size_t o = 0; o < K; o++)
                Zl[o * NP + n] = Zl[o * NP + n] + m->dlog[o * NP + n];
        }
        break;
    }
    case NET_MV_COMPACT: {
        size_t nsp = pad(m->ns);
        if (P->kind == NN_EMBED) {  /* X0 entries of the token's occurrences: exact copies */
            const size_t dim = sh->dim, col = m->p_i;
            double *X0 = m->x0buf[0];
            for (size_t q = sh->occ_start[m->p_j]; q < sh->occ_start[m->p_j + 1]; q++) {
                uint32_t n = sh->occ[q] / (uint32_t)sh->ctx, t = sh->occ[q] % (uint32_t)sh->ctx;
                X0[(t * dim + col) * NP + n] = m->p_new;
            }
        } else if (P->kind != NN_DENSE) {  /* prefix: the recomputed buffers become current */
            for (size_t i = m->p_layer; i < sh->prefix; i++)
                m->pcur[i] = 1 - m->pcur[i];
            m->x0cur = 1 - m->x0cur;
        }
        const uint32_t *S = m->S;
        const size_t ns = m->ns;
        for (size_t e = m->c_first; e < sh->n_dense; e++) {
            const net_dense *L = &sh->dense[e];
            const double *Zc = m->Zc[e];
            double *Z = m->Z[e];
            if (L->sm) {  /* sample-major: row S[c] of Z from column c of Zc */
                for (size_t c = 0; c < ns; c++) {
                    double *z = Z + S[c] * L->out;
                    for (size_t k = 0; k < L->out; k++)
                        z[k] = Zc[k * nsp + c];
                }
            } else {
                for (size_t k = 0; k < L->out; k++) {
                    const double *zc = Zc + k * nsp;
                    double *z = Z + k * NP;
                    for (size_t c = 0; c < ns; c++)
                        z[S[c]] = zc[c];
                }
            }
            if (L->store_a && e + 1 < sh->n_dense)
                for (size_t k = 0; k < L->out; k++) {
                    double *a = m->A[e] + k * NP;
                    const double *ac = m->Ac[e] + k * nsp;
                    for (size_t c = 0; c < ns; c++)
                        a[S[c]] = ac[c];
                }
        }
        break;
    }
    }
    if (m->dense_reg)
        for (size_t q = 0; q < m->nb; q++)
            memcpy(m->loss_s + m->blk[q], m->new_loss + m->blk[q], NET_BLK * sizeof(double));
    for (size_t c = 0; c < m->ns; c++) {
        size_t n = m->S[c];
        m->loss_s[n] = m->new_loss[c];
        m->corr_s[n] = m->new_corr[c];
    }
    m->dense_reg = 0;
    for (int s = 0; s < 2; s++) {
        m->loss_sum[s] = m->p_loss_sum[s];
        m->correct[s] = m->p_correct[s];
    }
}
