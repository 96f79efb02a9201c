/* pool.c: 2x2 max-pooling with stride 2 (floor: an odd last row or column is dropped,
 * 7 -> 3), remembering where each maximum came from for the backward pass. */
#include "entroscape/nn.h"

#include <string.h>

/* out (B, c, h/2, w/2); argmax (B, c, h/2, w/2): flat index into in (B, c, h, w). Of equal
 * values the first in row-major window order wins. */
void nn_maxpool2_forward(double *out, size_t *argmax, const double *in, size_t B, size_t c,
                         size_t h, size_t w)
{
    const size_t ho = h / 2, wo = w / 2;
    for (size_t p = 0; p < B * c; p++)
        for (size_t y = 0; y < ho; y++)
            for (size_t x = 0; x < wo; x++) {
                size_t i0 = p * h * w + 2 * y * w + 2 * x;
                size_t cand[4] = {i0, i0 + 1, i0 + w, i0 + w + 1};
                size_t best = i0;
                for (int k = 1; k < 4; k++)
                    if (in[cand[k]] > in[best])
                        best = cand[k];
                size_t j = (p * ho + y) * wo + x;
                out[j] = in[best];
                argmax[j] = best;
            }
}

/* din (B, c, h, w) = 0 except din[argmax[j]] = dout[j] (overwritten); dout (B, c, h/2, w/2). */
void nn_maxpool2_backward(double *din, const double *dout, const size_t *argmax, size_t B,
                          size_t c, size_t h, size_t w)
{
    memset(din, 0, B * c * h * w * sizeof *din);
    const size_t n_out = B * c * (h / 2) * (w / 2);
    for (size_t j = 0; j < n_out; j++)
        din[argmax[j]] += dout[j];
}
