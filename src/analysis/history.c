/* history.c: summaries of a training history (/sgd/history) without a landscape: each
 * metric's spread over the independent runs at an epoch, which epochs to tabulate, and
 * which runs ended outside the box. */
#include "entroscape/analysis.h"

#include <math.h>

long es_sgd_runs_outside_box(const es_sgd *s, double *max_abs)
{
    long out = 0;
    double mx = 0;
    for (long r = 0; s && s->final_params && r < s->runs; r++) {
        const double *w = s->final_params + (size_t)r * s->n_params;   /* (n_params) */
        int outside = 0;
        for (size_t i = 0; i < s->n_params; i++) {
            double a = fabs(w[i]);
            mx = a > mx ? a : mx;
            outside |= s->bound > 0 && a > s->bound * (1 + 1e-12);
        }
        out += outside;
    }
    if (max_abs)
        *max_abs = mx;
    return out;
}

es_ana_epoch_stat es_ana_epoch_stat_of(const es_sgd *s, long epoch, int metric)
{
    es_ana_epoch_stat st = {0, NAN, NAN, NAN, NAN, NAN};
    if (!s || epoch < 0 || epoch > s->epochs || metric < 0 || metric >= ES_N_METRICS)
        return st;
    double m = 0, m2 = 0;   /* Welford */
    for (long r = 0; r < s->runs; r++) {
        double v = es_sgd_row(s, r, epoch)[metric];
        if (!isfinite(v))
            continue;
        st.n++;
        double d = v - m;
        m += d / (double)st.n;
        m2 += d * (v - m);
        if (st.n == 1 || v < st.min)
            st.min = v;
        if (st.n == 1 || v > st.max)
            st.max = v;
    }
    if (st.n == 0)
        return st;
    st.mean = m;
    if (st.n > 1) {
        st.sd = sqrt(m2 / (double)(st.n - 1));
        st.sem = st.sd / sqrt((double)st.n);
    }
    return st;
}

size_t es_ana_table_epochs(long n_epochs, long *epochs, size_t max_rows)
{
    if (max_rows == 0 || n_epochs < 0)
        return 0;
    size_t k = 0;
    epochs[k++] = 0;
    static const long mant[3] = {1, 2, 5};
    for (long dec = 1; k + 1 < max_rows && dec < n_epochs; dec *= 10)
        for (int j = 0; j < 3 && k + 1 < max_rows; j++) {
            long e = mant[j] * dec;
            if (e >= n_epochs)
                break;
            epochs[k++] = e;
        }
    if (n_epochs > 0 && k < max_rows)
        epochs[k++] = n_epochs;
    return k;
}
