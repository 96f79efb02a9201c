/* comm.h: the few collective operations the sampler needs, over MPI when built with MPI=1
 * (ES_HAVE_MPI), and trivial single-process versions otherwise. Local work and collective
 * reductions stay separate operations (SUNDIALS style). Every rank must make the same calls
 * in the same order. */
#ifndef ENTROSCAPE_COMM_H
#define ENTROSCAPE_COMM_H

#include "entroscape/common.h"

/* Start and finish the parallel environment (no-ops without MPI). es_comm_init takes the
 * program's argc/argv; es_comm_abort ends every rank after a failure on one. */
void es_comm_init(int *argc, char ***argv);
void es_comm_finalize(void);
void es_comm_abort(int code);

int es_comm_rank(void);   /* 0 without MPI */
int es_comm_size(void);   /* 1 without MPI */

/* Broadcast bytes from root to every rank. */
void es_comm_bcast(void *buf, size_t bytes, int root);

/* Maximum and sum of an integer / double over all ranks. */
long es_comm_max_long(long v);
uint64_t es_comm_sum_u64(uint64_t v);

/* Exchange `bytes` bytes with rank `peer`: send out, receive into in (same size). */
void es_comm_swap(const void *out, void *in, size_t bytes, int peer, int tag);

/* Gather variable-sized byte blocks at root: *all (malloc'd, at root only) holds every rank's
 * block in rank order, sizes[r] their sizes (sizes has es_comm_size() entries, root only).
 * Returns ES_ENOMEM on failure at root. */
es_status es_comm_gather_bytes(const void *mine, size_t bytes, int root, void **all,
                               size_t *sizes, es_err *err);

#endif
