/* stablemax.c: StableMax cross-entropy (Prieto et al., "Grokking at the Edge of Numerical
 * Stability", ICLR 2025): s(x) = x + 1 for x >= 0, 1 / (1 - x) for x < 0, StableMax_i =
 * s(z_i) / sum_j s(z_j), loss -log StableMax_t, all in double precision. */
#include "entroscape/nn.h"

#include <math.h>

double nn_stablemax_s(double x)
{
    return x >= 0.0 ? x + 1.0 : 1.0 / (1.0 - x);
}

/* s'(x): 1 for x >= 0, 1 / (1 - x)^2 below. */
static double nn_stablemax_ds(double x)
{
    if (x >= 0.0)
        return 1.0;
    double u = 1.0 - x;
    return 1.0 / (u * u);
}

double nn_stablemax_ce(double *dlogits, size_t *correct, const double *logits, const double *t,
                       size_t B, size_t n)
{
    double total = 0.0;
    size_t hits = 0;
    for (size_t i = 0; i < B; i++) {
        const double *z = logits + i * n;             /* (n) */
        double *d = dlogits ? dlogits + i * n : NULL;  /* (n) */
        size_t best = 0;
        double S = 0.0;
        for (size_t j = 0; j < n; j++) {
            if (z[j] > z[best])
                best = j;
            S += nn_stablemax_s(z[j]);
        }
        double ti = t[i];
        if (!(ti >= 0.0 && ti < (double)n) || ti != floor(ti)) {  /* also catches NaN */
            total = NAN;
            for (size_t j = 0; d && j < n; j++)
                d[j] = NAN;
            continue;
        }
        size_t k = (size_t)ti;
        double sk = nn_stablemax_s(z[k]);
        total += log(S) - log(sk);
        hits += best == k;
        if (d) {
            /* d/dz_j (log S - log s(z_k)) = s'(z_j) / S - [j = k] s'(z_k) / s(z_k) */
            double inv = 1.0 / ((double)B * S);
            for (size_t j = 0; j < n; j++)
                d[j] = nn_stablemax_ds(z[j]) * inv;
            d[k] -= nn_stablemax_ds(z[k]) / (sk * (double)B);
        }
    }
    if (correct)
        *correct = hits;
    return total / (double)B;
}
