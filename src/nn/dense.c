/* dense.c: the fully connected layer y = x W^T + b over a batch, through CBLAS dgemm. */
#include "entroscape/nn.h"

#include <cblas.h>
#include <string.h>

/* out (B, n_out) = in (B, n_in) W^T + b: one dgemm over the whole batch, the bias first
 * broadcast into out so that dgemm adds onto it (beta = 1). */
void nn_dense_forward(double *out, const double *in, const double *W, const double *b,
                      size_t B, size_t n_in, size_t n_out)
{
    double beta = 0.0;
    if (b) {
        for (size_t i = 0; i < B; i++)
            memcpy(out + i * n_out, b, n_out * sizeof *b);
        beta = 1.0;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)n_out, (int)n_in,
                1.0, in, (int)n_in, W, (int)n_in, beta, out, (int)n_out);
}

/* dW (n_out, n_in) += dout^T (n_out, B) in (B, n_in); db (n_out) += sum over the batch of dout;
 * din (B, n_in) = dout (B, n_out) W (n_out, n_in), overwritten. */
void nn_dense_backward(double *din, double *dW, double *db, const double *dout,
                       const double *in, const double *W, size_t B, size_t n_in, size_t n_out)
{
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)n_out, (int)n_in, (int)B,
                1.0, dout, (int)n_out, in, (int)n_in, 1.0, dW, (int)n_in);
    if (db)
        for (size_t i = 0; i < B; i++) {
            const double *d = dout + i * n_out;  /* (n_out) */
            for (size_t o = 0; o < n_out; o++)
                db[o] += d[o];
        }
    if (din)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)n_in, (int)n_out,
                    1.0, dout, (int)n_out, W, (int)n_in, 0.0, din, (int)n_in);
}

/* OpenBLAS's own thread count (its pthread pool, separate from OpenMP). */
void nn_blas_set_threads(int n)
{
    openblas_set_num_threads(n < 1 ? 1 : n);
}

int nn_blas_threads(void)
{
    return openblas_get_num_threads();
}
