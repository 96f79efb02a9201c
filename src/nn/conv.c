/* conv.c: 3x3 convolution, zero padding 1, stride 1, over a batch of (c, h, w) images.
 *
 * Two implementations of the same kernels:
 *  - im2col + dgemm (nn_conv3_forward / _backward): per image, the 3x3 neighbourhoods are
 *    copied into cols (9 c_in, h w) and the convolution is one product with the kernels
 *    W (c_out, 9 c_in); the input gradient is the same with dout and flipped kernels.
 *    OpenBLAS picks its vector kernels at run time, so this is fast whatever the compiler
 *    flags (gcc -O2 for x86-64 does not vectorise the direct loops): 2-3x the direct loops
 *    at 4-8 channels on 28x28.
 *  - direct loops (_direct): no scratch memory; the reference the tests compare with, and the
 *    fallback when the scratch (9 c_in h w doubles) cannot be allocated.
 * The direct loops are built on one row operation: o[x] += a r[x-1] + b r[x] + c r[x+1],
 * out-of-image terms left out. */
#include "entroscape/nn.h"

#include <cblas.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* o (w) += a r[x-1] + b r[x] + c r[x+1] for each x, with r (w) zero outside [0, w). */
static void nn_row3(double *o, const double *r, double a, double b, double c, size_t w)
{
    if (w == 1) {
        o[0] += b * r[0];
        return;
    }
    o[0] += b * r[0] + c * r[1];
    for (size_t x = 1; x + 1 < w; x++)
        o[x] += a * r[x - 1] + b * r[x] + c * r[x + 1];
    o[w - 1] += a * r[w - 2] + b * r[w - 1];
}

/* out (B, c_out, h, w); in (B, c_in, h, w); W (c_out, c_in, 3, 3); b (c_out) or NULL.
 * out[b, o, y, x] = b[o] + sum_{i, ky, kx} W[o, i, ky, kx] in[b, i, y + ky - 1, x + kx - 1]. */
void nn_conv3_forward_direct(double *out, const double *in, const double *W, const double *b,
                             size_t B, size_t c_in, size_t c_out, size_t h, size_t w)
{
    const size_t hw = h * w;
    for (size_t n = 0; n < B; n++)
        for (size_t o = 0; o < c_out; o++) {
            double *op = out + (n * c_out + o) * hw;  /* (h, w) */
            double bias = b ? b[o] : 0.0;
            for (size_t p = 0; p < hw; p++)
                op[p] = bias;
            for (size_t i = 0; i < c_in; i++) {
                const double *ip = in + (n * c_in + i) * hw;  /* (h, w) */
                const double *k = W + (o * c_in + i) * 9;     /* (3, 3) */
                for (size_t y = 0; y < h; y++)
                    for (size_t ky = 0; ky < 3; ky++) {
                        if ((ky == 0 && y == 0) || (ky == 2 && y + 1 == h))
                            continue;  /* row y + ky - 1 is padding */
                        nn_row3(op + y * w, ip + (y + ky - 1) * w, k[3 * ky], k[3 * ky + 1],
                                k[3 * ky + 2], w);
                    }
            }
        }
}

/* dW (c_out, c_in, 3, 3) += correlation of dout with in; db (c_out) += sums of dout;
 * din (B, c_in, h, w) = dout correlated with the flipped kernels (overwritten), if non-NULL. */
void nn_conv3_backward_direct(double *din, double *dW, double *db, const double *dout,
                              const double *in, const double *W, size_t B, size_t c_in,
                              size_t c_out, size_t h, size_t w)
{
    const size_t hw = h * w;
    for (size_t n = 0; n < B; n++)
        for (size_t o = 0; o < c_out; o++) {
            const double *g = dout + (n * c_out + o) * hw;  /* (h, w) */
            if (db) {
                double s = 0.0;
                for (size_t p = 0; p < hw; p++)
                    s += g[p];
                db[o] += s;
            }
            for (size_t i = 0; i < c_in; i++) {
                const double *ip = in + (n * c_in + i) * hw;  /* (h, w) */
                double *dk = dW + (o * c_in + i) * 9;         /* (3, 3) */
                for (size_t ky = 0; ky < 3; ky++) {
                    /* output rows y whose input row y + ky - 1 lies inside the image */
                    size_t y0 = ky == 0 ? 1 : 0, y1 = ky == 2 ? h - 1 : h;
                    double s0 = 0.0, s1 = 0.0, s2 = 0.0;
                    for (size_t y = y0; y < y1; y++) {
                        const double *gr = g + y * w;                 /* (w) */
                        const double *r = ip + (y + ky - 1) * w;      /* (w) */
                        for (size_t x = 1; x < w; x++)
                            s0 += gr[x] * r[x - 1];
                        for (size_t x = 0; x < w; x++)
                            s1 += gr[x] * r[x];
                        for (size_t x = 0; x + 1 < w; x++)
                            s2 += gr[x] * r[x + 1];
                    }
                    dk[3 * ky] += s0;
                    dk[3 * ky + 1] += s1;
                    dk[3 * ky + 2] += s2;
                }
            }
        }
    if (!din)
        return;
    /* din[n, i, y, x] = sum_{o, ky, kx} W[o, i, ky, kx] dout[n, o, y - ky + 1, x - kx + 1] */
    memset(din, 0, B * c_in * hw * sizeof *din);
    for (size_t n = 0; n < B; n++)
        for (size_t i = 0; i < c_in; i++) {
            double *dp = din + (n * c_in + i) * hw;  /* (h, w) */
            for (size_t o = 0; o < c_out; o++) {
                const double *g = dout + (n * c_out + o) * hw;  /* (h, w) */
                const double *k = W + (o * c_in + i) * 9;       /* (3, 3) */
                for (size_t y = 0; y < h; y++)
                    for (size_t ky = 0; ky < 3; ky++) {
                        /* input row y feeds output row y - ky + 1 */
                        if ((ky == 2 && y == 0) || (ky == 0 && y + 1 == h))
                            continue;
                        nn_row3(dp + y * w, g + (y + 1 - ky) * w, k[3 * ky + 2], k[3 * ky + 1],
                                k[3 * ky], w);
                    }
            }
        }
}

/* ---------------------------------------------------------------- im2col + dgemm */

/* cols (9 c, h w): row i*9 + ky*3 + kx holds channel i of in (c, h, w) shifted by
 * (ky - 1, kx - 1), zero where the shift leaves the image; column y*w + x is pixel (y, x).
 * A shift is a constant offset in the flattened plane, so each row is one memcpy; then the
 * padding row and column (and what wrapped around from the neighbouring row) are zeroed. */
static void nn_im2col(double *cols, const double *in, size_t c, size_t h, size_t w)
{
    const size_t hw = h * w;
    for (size_t i = 0; i < c; i++)
        for (size_t k = 0; k < 9; k++) {
            const size_t ky = k / 3, kx = k % 3;
            const ptrdiff_t off = ((ptrdiff_t)ky - 1) * (ptrdiff_t)w + ((ptrdiff_t)kx - 1);
            const double *src = in + i * hw;     /* (h, w) */
            double *dst = cols + (i * 9 + k) * hw;  /* (h, w) */
            const size_t a = off < 0 ? (size_t)-off : (size_t)off;
            const size_t lo = off < 0 ? a : 0, hi = off <= 0 ? hw : a < hw ? hw - a : 0;
            if (lo >= hi) {  /* the shift leaves nothing (images of one row or column) */
                memset(dst, 0, hw * sizeof *dst);
                continue;
            }
            memset(dst, 0, lo * sizeof *dst);
            memcpy(dst + lo, src + (ptrdiff_t)lo + off, (hi - lo) * sizeof *dst);
            memset(dst + hi, 0, (hw - hi) * sizeof *dst);
            if (ky == 0)
                memset(dst, 0, w * sizeof *dst);               /* row -1 */
            else if (ky == 2)
                memset(dst + hw - w, 0, w * sizeof *dst);      /* row h */
            if (kx == 0)
                for (size_t y = 0; y < h; y++)
                    dst[y * w] = 0.0;                          /* column -1 */
            else if (kx == 2)
                for (size_t y = 0; y < h; y++)
                    dst[y * w + w - 1] = 0.0;                  /* column w */
        }
}

/* out (B, c_out, h, w) = b + W (c_out, 9 c_in) cols(in_n) (9 c_in, h w), image by image. */
void nn_conv3_forward(double *out, const double *in, const double *W, const double *b,
                      size_t B, size_t c_in, size_t c_out, size_t h, size_t w)
{
    const size_t hw = h * w, k = 9 * c_in;
    double *cols = malloc(k * hw * sizeof *cols);  /* (9 c_in, h w) */
    if (!cols) {
        nn_conv3_forward_direct(out, in, W, b, B, c_in, c_out, h, w);
        return;
    }
    for (size_t n = 0; n < B; n++) {
        double *o = out + n * c_out * hw;  /* (c_out, h w) */
        nn_im2col(cols, in + n * c_in * hw, c_in, h, w);
        if (b)
            for (size_t co = 0; co < c_out; co++)
                for (size_t p = 0; p < hw; p++)
                    o[co * hw + p] = b[co];
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c_out, (int)hw, (int)k, 1.0,
                    W, (int)k, cols, (int)hw, b ? 1.0 : 0.0, o, (int)hw);
    }
    free(cols);
}

/* Per image n, with g = dout_n (c_out, h w):
 *   dW (c_out, 9 c_in) += g cols(in_n)^T;  db (c_out) += g 1;
 *   din_n (c_in, h w) = Wf (c_in, 9 c_out) cols(g): the input gradient of a 3x3 convolution is
 *   the 3x3 convolution of dout with the kernels flipped in space and transposed in channels,
 *   Wf[i, o, ky, kx] = W[o, i, 2 - ky, 2 - kx] (overwritten, no scatter-add needed). */
void nn_conv3_backward(double *din, double *dW, double *db, const double *dout,
                       const double *in, const double *W, size_t B, size_t c_in, size_t c_out,
                       size_t h, size_t w)
{
    const size_t hw = h * w, ki = 9 * c_in, ko = 9 * c_out;
    double *scratch = malloc((ki * hw + (din ? ko * hw + ki * c_out : 0) + hw) * sizeof *scratch);
    if (!scratch) {
        nn_conv3_backward_direct(din, dW, db, dout, in, W, B, c_in, c_out, h, w);
        return;
    }
    double *cols = scratch;         /* (9 c_in, h w) */
    double *ones = cols + ki * hw;  /* (h w) */
    double *gcols = ones + hw;      /* (9 c_out, h w), din only */
    double *Wf = gcols + ko * hw;   /* (c_in, c_out, 3, 3), din only */
    for (size_t p = 0; p < hw; p++)
        ones[p] = 1.0;
    if (din)
        for (size_t i = 0; i < c_in; i++)
            for (size_t o = 0; o < c_out; o++)
                for (size_t q = 0; q < 9; q++)
                    Wf[(i * c_out + o) * 9 + q] = W[(o * c_in + i) * 9 + 8 - q];
    for (size_t n = 0; n < B; n++) {
        const double *g = dout + n * c_out * hw;  /* (c_out, h w) */
        if (db)
            cblas_dgemv(CblasRowMajor, CblasNoTrans, (int)c_out, (int)hw, 1.0, g, (int)hw, ones, 1,
                        1.0, db, 1);
        nn_im2col(cols, in + n * c_in * hw, c_in, h, w);
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)c_out, (int)ki, (int)hw, 1.0,
                    g, (int)hw, cols, (int)hw, 1.0, dW, (int)ki);
        if (din) {
            nn_im2col(gcols, g, c_out, h, w);
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)c_in, (int)hw, (int)ko,
                        1.0, Wf, (int)ko, gcols, (int)hw, 0.0, din + n * c_in * hw, (int)hw);
        }
    }
    free(scratch);
}
