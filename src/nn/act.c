/* act.c: elementwise activations ReLU, tanh and SiLU (x sigmoid(x)) and their derivatives.
 *
 * The cheap loops run in blocks of NN_BLOCK elements with fixed-count inner loops: gcc -O2
 * (cost model "very-cheap") vectorises those but not a plain loop of unknown length, and a
 * plain ReLU compiles to a branch per element that random signs mispredict half the time
 * (4x slower). Loading a block before storing it keeps out == in (in place) correct. */
#include "entroscape/nn.h"

#include <math.h>

#define NN_BLOCK 8

/* out (n) = f(in (n)); out may alias in. ReLU keeps NaN (v < 0 is false for NaN). */
void nn_act_forward(nn_kind kind, double *out, const double *in, size_t n)
{
    size_t i = 0;
    switch (kind) {
    case NN_RELU:
        for (; i + NN_BLOCK <= n; i += NN_BLOCK) {
            double v[NN_BLOCK];
            for (size_t k = 0; k < NN_BLOCK; k++)
                v[k] = in[i + k];
            for (size_t k = 0; k < NN_BLOCK; k++)
                out[i + k] = v[k] < 0.0 ? 0.0 : v[k];
        }
        for (; i < n; i++)
            out[i] = in[i] < 0.0 ? 0.0 : in[i];
        break;
    case NN_TANH:
        for (; i < n; i++)
            out[i] = tanh(in[i]);
        break;
    case NN_SILU:
        /* x / (1 + e^-x): for x -> -inf, e^-x overflows to inf and the result is -0 */
        for (; i < n; i++)
            out[i] = in[i] / (1.0 + exp(-in[i]));
        break;
    default:
        break;
    }
}

/* din (n) = f'(in) dout (overwritten; may alias dout), with in and out those of the forward.
 * relu: dout where in > 0, else 0 (also at the kink and for NaN); tanh: (1 - out^2) dout;
 * silu: s (1 + in (1 - s)) dout with s = sigmoid(in). */
void nn_act_backward(nn_kind kind, double *din, const double *dout, const double *in,
                     const double *out, size_t n)
{
    size_t i = 0;
    switch (kind) {
    case NN_RELU:
        for (; i + NN_BLOCK <= n; i += NN_BLOCK) {
            double v[NN_BLOCK], d[NN_BLOCK];
            for (size_t k = 0; k < NN_BLOCK; k++) {
                v[k] = in[i + k];
                d[k] = dout[i + k];
            }
            for (size_t k = 0; k < NN_BLOCK; k++)
                din[i + k] = v[k] > 0.0 ? d[k] : 0.0;
        }
        for (; i < n; i++)
            din[i] = in[i] > 0.0 ? dout[i] : 0.0;
        break;
    case NN_TANH:
        for (; i + NN_BLOCK <= n; i += NN_BLOCK) {
            double y[NN_BLOCK], d[NN_BLOCK];
            for (size_t k = 0; k < NN_BLOCK; k++) {
                y[k] = out[i + k];
                d[k] = dout[i + k];
            }
            for (size_t k = 0; k < NN_BLOCK; k++)
                din[i + k] = d[k] * (1.0 - y[k] * y[k]);
        }
        for (; i < n; i++)
            din[i] = dout[i] * (1.0 - out[i] * out[i]);
        break;
    case NN_SILU:
        for (; i < n; i++) {
            double s = 1.0 / (1.0 + exp(-in[i]));
            din[i] = dout[i] * s * (1.0 + in[i] * (1.0 - s));
        }
        break;
    default:
        break;
    }
}
