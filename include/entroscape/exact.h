/* exact.h: exact reference densities of states (non-interacting particles, 2-D Ising) against
 * which every sampler feature is checked. */
#ifndef ENTROSCAPE_EXACT_H
#define ENTROSCAPE_EXACT_H

#include "entroscape/common.h"
#include <stddef.h>
#include <stdint.h>

/* ---- non-interacting particles ------------------------------------------------------------
 * n parameters w_i iid uniform on [-bound, bound]; x = (1/n) sum_i phi(w_i) with
 * phi(w) = |w| (potential "abs") or w^2 ("square").
 *
 * abs:    n x / bound is Irwin-Hall(n) (a sum of n U(0,1)); support x in [0, bound].
 *         Exact for every x; edges outside [0, bound] are clipped to it and a bin lying
 *         wholly outside gets -inf.
 * square: P(x <= t) = V_n(sqrt(n t)) / (2 bound)^n (volume of the n-ball of radius sqrt(n t)
 *         over the cube), which holds only while the ball lies inside the cube: t <= bound^2/n.
 *         Edges below 0 clip to 0.
 *
 * Accuracy (measured against exact rationals for n = 1..1000, bins 2^-40 to 1 wide, ln P down
 * to -5300; see tests/test_exact.c): |error in ln P| <= 4e-15 max(1, |ln P|), i.e. a few ulp of
 * ln P: relative error in P ~1e-14 for ordinary bins and ~1e-12 at ln P = -5000 (where a
 * double holds ln P only to 9e-13). No underflow however deep the tail (ln P = -36000 at
 * n = 10000 is fine). */

/* ln P(edges[i] <= x < edges[i+1]) for i = 0..bins-1.
 *   edges  is (bins + 1), non-decreasing
 *   log_p  is (bins), output; -inf for an empty bin or one wholly outside the support
 * Returns ES_OK; ES_ECONFIG (err set) for n < 1, an unknown potential, bound not finite and
 * positive, or edges not finite and non-decreasing; ES_EDOM for "square" when some edge
 * exceeds bound^2/n (the message gives that limit); ES_ENOMEM. log_p is unspecified on failure.
 * Cost: abs O(n * min(s, n - s)) per edge with s = n x / bound (<= 5e5 steps, ~2 ms, per edge
 * at n = 1000), plus a Gauss-Legendre quadrature for bins too narrow to difference (measured:
 * n = 1000 with 1000 bins 0.6 s, with 5000 bins ~8 s; n = 10000 with 100 bins ~8 s); square O(1).
 * Thread-safe (no global state; GSL's error handler is never invoked). */
es_status es_exact_particles_log_p(long n, const char *potential, double bound,
                                   const double *edges, size_t bins, double *log_p,
                                   es_err *err);

/* The 2-D version: x over the first `split` parameters, y over the other n - split (so both
 * counts must be >= 1). The two are independent, so
 * log_p[i * y_bins + k] = ln P(x in x bin i) + ln P(y in y bin k).
 *   x_edges is (x_bins + 1), y_edges is (y_bins + 1)
 *   log_p   is (x_bins, y_bins) row-major, output
 * Returns as es_exact_particles_log_p (ES_ECONFIG also for split outside [1, n-1]). */
es_status es_exact_particles_log_p_2d(long n, long split, const char *potential, double bound,
                                      const double *x_edges, size_t x_bins,
                                      const double *y_edges, size_t y_bins, double *log_p,
                                      es_err *err);

/* ---- 2-D Ising model ----------------------------------------------------------------------
 * L x L periodic square lattice, N = L^2 spins, E = -sum over the 2N nearest-neighbour bonds
 * (each site with its right and lower neighbour) of s_i s_j; E = -2N + 4j, j = 0..N. For L = 2
 * the two bonds between a pair of sites are both counted (as in the transfer-matrix solution). */

#define ES_EXACT_ISING_ENUM_MAX_L 5   /* 2^25 states: about 0.1 s */

/* Exact counts g[j] = number of states with E = -2N + 4j by enumerating all 2^N states in
 * Gray-code order (one spin flip and a local energy update per state).
 *   g is (L*L + 1), output; exact integers stored as doubles
 * Returns ES_OK, or ES_ECONFIG for L outside [1, ES_EXACT_ISING_ENUM_MAX_L]. */
es_status es_exact_ising_enumerate(int L, double *g, es_err *err);

/* Read a fixture written by scripts/ising_exact_dos.py (tests/fixtures/ising_beale_L*.tsv):
 * '#' comment lines, then N + 1 lines "j E g ln_g" with j = 0..N in order, E = -2N + 4j, g a
 * non-negative decimal integer of any length and ln_g its natural log ("-inf" where g = 0).
 * Checks the layout, that N + 1 lines were read with N = L^2, and that ln_g agrees with the
 * integer g to 1e-12 relative.
 *   *L    output: the lattice size
 *   *ln_g output: malloc'd (N + 1) array of ln g_j; the caller frees it with free()
 * Returns ES_OK; ES_EIO if the file cannot be opened; ES_EDATA (message names file and line)
 * if it is malformed; ES_ENOMEM. On failure *ln_g is NULL. */
es_status es_exact_ising_load(const char *path, int *L, double **ln_g, es_err *err);

/* ---- binary networks (src/models/exact_binary.c) --------------------------------------------
 * Every configuration of a binary network (es_binary_net_create) counted: all 2^n sign
 * patterns, visited in Gray-code order (each step flips one weight and updates the network
 * incrementally), in 2^min(n, 6) blocks spread over OpenMP threads. Cost: about 2^n x samples
 * x (units a flip touches) operations, e.g. 16 weights and 40 samples in ~0.05 s, 24 weights
 * ~10 s on one core. Counts are exact integers. */

#define ES_EXACT_BINARY_MAX_WEIGHTS 30   /* 2^30 configurations: minutes */

struct es_model;
struct es_grid;
struct es_dos;

/* counts[a * (n_test + 1) + b] = number of weight configurations that classify exactly a
 * training and b test samples correctly.
 *   model  a binary network (its state is not changed: a clone is enumerated)
 *   counts (n_train + 1, n_test + 1), output (n_train, n_test: es_exact_binary_sizes)
 * ES_ECONFIG if model is not a binary network or has more than ES_EXACT_BINARY_MAX_WEIGHTS
 * weights (the message gives both numbers); ES_ENOMEM. */
es_status es_exact_binary_counts(const struct es_model *model, uint64_t *counts, es_err *err);

/* The split sizes of a binary network, its weights and (desc, if not NULL) a description
 * such as "mlp 2-4-2 sign, no biases, 16 binary weights"; ES_ECONFIG if model is not one. */
es_status es_exact_binary_sizes(const struct es_model *model, size_t *n_train, size_t *n_test,
                                size_t *n_weights, char *desc, size_t desc_size, es_err *err);

/* The exact density of states on grid g, in the layout es_wl_result gives (/dos of `run`):
 * histogram = configurations per bin, log_g = ln of the fraction of the configurations that
 * fall inside the grid, per bin (-inf for empty bins), edges, x/y variables of the model,
 * method "exact", converged 1, ln_f 0, flatness 1, walkers 0, sweeps 0, moves 2^n,
 * ln_volume n ln 2, one convergence row (sweeps 0, ln_f 0, flatness 1, seconds), no windows.
 * out must be allocated with g's bins (es_dos_alloc). g->dims must match the model's dims.
 * *outside (may be NULL) gets the configurations that fall outside the grid.
 * Errors as es_exact_binary_counts, and ES_ECONFIG for a grid of the wrong shape. */
es_status es_exact_binary_dos(const struct es_model *model, const struct es_grid *g,
                              struct es_dos *out, uint64_t *outside, es_err *err);

#endif
