/* comm.c: collective operations over MPI, or their single-process forms. */
#include "entroscape/comm.h"

#include <stdlib.h>
#include <string.h>

#ifdef ES_HAVE_MPI
#include <mpi.h>

void es_comm_init(int *argc, char ***argv)
{
    int provided;
    MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided);
}

void es_comm_finalize(void) { MPI_Finalize(); }
void es_comm_abort(int code) { MPI_Abort(MPI_COMM_WORLD, code); }

int es_comm_rank(void)
{
    int r = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &r);
    return r;
}

int es_comm_size(void)
{
    int s = 1;
    MPI_Comm_size(MPI_COMM_WORLD, &s);
    return s;
}

void es_comm_bcast(void *buf, size_t bytes, int root)
{
    /* in chunks: MPI counts are int */
    for (size_t off = 0; off < bytes; off += 1u << 30) {
        size_t n = bytes - off < (1u << 30) ? bytes - off : (1u << 30);
        MPI_Bcast((char *)buf + off, (int)n, MPI_BYTE, root, MPI_COMM_WORLD);
    }
}

long es_comm_max_long(long v)
{
    long r = v;
    MPI_Allreduce(&v, &r, 1, MPI_LONG, MPI_MAX, MPI_COMM_WORLD);
    return r;
}

uint64_t es_comm_sum_u64(uint64_t v)
{
    uint64_t r = v;
    MPI_Allreduce(&v, &r, 1, MPI_UINT64_T, MPI_SUM, MPI_COMM_WORLD);
    return r;
}

void es_comm_swap(const void *out, void *in, size_t bytes, int peer, int tag)
{
    MPI_Sendrecv(out, (int)bytes, MPI_BYTE, peer, tag, in, (int)bytes, MPI_BYTE, peer, tag,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
}

es_status es_comm_gather_bytes(const void *mine, size_t bytes, int root, void **all,
                               size_t *sizes, es_err *err)
{
    int size = es_comm_size(), rank = es_comm_rank();
    long n = (long)bytes;
    long *counts = rank == root ? calloc((size_t)size, sizeof *counts) : NULL;
    MPI_Gather(&n, 1, MPI_LONG, counts, 1, MPI_LONG, root, MPI_COMM_WORLD);
    int *rc = NULL, *displ = NULL;
    long total = 0;
    if (rank == root) {
        rc = calloc((size_t)size, sizeof *rc);
        displ = calloc((size_t)size, sizeof *displ);
        for (int r = 0; r < size; r++) {
            sizes[r] = (size_t)counts[r];
            rc[r] = (int)counts[r];
            displ[r] = (int)total;
            total += counts[r];
        }
        *all = malloc(total ? (size_t)total : 1);
    }
    MPI_Gatherv(mine, (int)bytes, MPI_BYTE, rank == root ? *all : NULL, rc, displ, MPI_BYTE, root,
                MPI_COMM_WORLD);
    free(counts);
    free(rc);
    free(displ);
    if (rank == root && !*all)
        return es_err_set(err, ES_ENOMEM, "out of memory gathering %ld bytes", total);
    return ES_OK;
}

#else /* one process */

void es_comm_init(int *argc, char ***argv) { (void)argc, (void)argv; }
void es_comm_finalize(void) {}
void es_comm_abort(int code) { exit(code); }
int es_comm_rank(void) { return 0; }
int es_comm_size(void) { return 1; }
void es_comm_bcast(void *buf, size_t bytes, int root) { (void)buf, (void)bytes, (void)root; }
long es_comm_max_long(long v) { return v; }
uint64_t es_comm_sum_u64(uint64_t v) { return v; }

void es_comm_swap(const void *out, void *in, size_t bytes, int peer, int tag)
{
    (void)peer, (void)tag;
    memcpy(in, out, bytes);
}

es_status es_comm_gather_bytes(const void *mine, size_t bytes, int root, void **all,
                               size_t *sizes, es_err *err)
{
    (void)root;
    *all = malloc(bytes ? bytes : 1);
    if (!*all)
        return es_err_set(err, ES_ENOMEM, "out of memory gathering %zu bytes", bytes);
    memcpy(*all, mine, bytes);
    sizes[0] = bytes;
    return ES_OK;
}
#endif
