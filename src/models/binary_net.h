/* binary_net.h (internal to src/models): what exact_binary.c needs from the binary network
 * model beyond the ops table: flipping chosen weights, the per-split correct counts and the
 * map from counts to the macro-variables. The model itself is described in models.h. */
#ifndef ENTROSCAPE_BINARY_NET_H
#define ENTROSCAPE_BINARY_NET_H

#include "entroscape/model.h"

#include <stddef.h>
#include <stdint.h>

typedef struct bnet bnet;

/* The context of m if m is a binary network (ops name "binary_net"), else NULL. */
bnet *bnet_of(const es_model *m);

/* Number of weights n (the state space is {-1, +1}^n). */
size_t bnet_n_weights(const bnet *b);

/* Samples in the training and test splits. */
size_t bnet_n_train(const bnet *b);
size_t bnet_n_test(const bnet *b);

/* Set weight k to +1 (bit k of bits clear) or -1 (set) for k < 64 and k < n, every other
 * weight to +1, and recompute all caches. */
void bnet_set_bits(bnet *b, uint64_t bits);

/* Flip weight k and update the caches incrementally (committed at once, nothing to undo). */
void bnet_flip1(bnet *b, size_t k);

/* Correct predictions of the current weights on the training and test splits. */
void bnet_counts(const bnet *b, long *train_correct, long *test_correct);

/* The macro-variables (x, y) of a state with these counts, exactly as observe reports them
 * (y untouched in 1-D). */
void bnet_xy(const bnet *b, long train_correct, long test_correct, double *x, double *y);

/* "mlp 2-4-2 sign, no biases, 16 binary weights" into buf (size n). */
void bnet_describe(const bnet *b, char *buf, size_t n);

#endif
