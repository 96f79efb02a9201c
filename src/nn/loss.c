/* loss.c: softmax cross-entropy (numerically stable log-sum-exp) and mean squared error,
 * each returning the mean loss and, on request, its gradient with respect to the outputs. */
#include "entroscape/nn.h"

#include <math.h>

/* logits (B, n); t (B) class indices as doubles; dlogits (B, n) or NULL. Per sample:
 * loss = m + log sum_j e^(z_j - m) - z_t with m = max_j z_j (no overflow for huge logits),
 * gradient (softmax(z) - onehot(t)) / B. Returns the mean over samples; NaN when a target is
 * not an integer in [0, n) (and that sample's gradient row is NaN). */
double nn_softmax_ce(double *dlogits, size_t *correct, const double *logits, const double *t,
                     size_t B, size_t n)
{
    double total = 0.0;
    size_t hits = 0;
    for (size_t i = 0; i < B; i++) {
        const double *z = logits + i * n;             /* (n) */
        double *d = dlogits ? dlogits + i * n : NULL;  /* (n) */
        size_t best = 0;
        for (size_t j = 1; j < n; j++)
            if (z[j] > z[best])
                best = j;
        double m = z[best], s = 0.0;
        if (d) {
            for (size_t j = 0; j < n; j++) {
                d[j] = exp(z[j] - m);
                s += d[j];
            }
        } else {
            for (size_t j = 0; j < n; j++)
                s += exp(z[j] - m);
        }
        double ti = t[i];
        if (!(ti >= 0.0 && ti < (double)n) || ti != floor(ti)) {  /* also catches NaN */
            total = NAN;
            for (size_t j = 0; d && j < n; j++)
                d[j] = NAN;
            continue;
        }
        size_t k = (size_t)ti;
        total += m + log(s) - z[k];
        hits += best == k;
        if (d) {
            double inv = 1.0 / ((double)B * s);
            for (size_t j = 0; j < n; j++)
                d[j] *= inv;
            d[k] -= 1.0 / (double)B;
        }
    }
    if (correct)
        *correct = hits;
    return total / (double)B;
}

/* y, t (B, n); dy (B, n) or NULL. Returns mean over all B n entries of (y - t)^2; gradient
 * 2 (y - t) / (B n). */
double nn_mse(double *dy, const double *y, const double *t, size_t B, size_t n)
{
    const size_t N = B * n;
    double total = 0.0, scale = 2.0 / (double)N;
    for (size_t i = 0; i < N; i++) {
        double e = y[i] - t[i];
        total += e * e;
        if (dy)
            dy[i] = scale * e;
    }
    return total / (double)N;
}
