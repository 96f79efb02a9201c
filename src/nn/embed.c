/* embed.c: token embedding: each token index (stored as a double) selects a row of E. */
#include "entroscape/nn.h"

#include <string.h>

/* out (B, context * dim); tokens (B, context) integers in [0, vocab) as doubles; E (vocab, dim). */
void nn_embed_forward(double *out, const double *tokens, const double *E, size_t B,
                      size_t context, size_t dim)
{
    for (size_t i = 0; i < B * context; i++)
        memcpy(out + i * dim, E + (size_t)tokens[i] * dim, dim * sizeof *E);
}

/* dE (vocab, dim) += dout (B, context * dim), row by row to the rows the tokens selected. */
void nn_embed_backward(double *dE, const double *dout, const double *tokens, size_t B,
                       size_t context, size_t dim)
{
    for (size_t i = 0; i < B * context; i++) {
        double *d = dE + (size_t)tokens[i] * dim;  /* (dim) */
        const double *g = dout + i * dim;          /* (dim) */
        for (size_t k = 0; k < dim; k++)
            d[k] += g[k];
    }
}
