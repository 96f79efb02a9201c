/* records.h: a list of named flat arrays: how a run's state travels to and from a checkpoint
 * without the sampler knowing HDF5 or the I/O layer knowing the sampler. */
#ifndef ENTROSCAPE_RECORDS_H
#define ENTROSCAPE_RECORDS_H

#include "entroscape/common.h"

typedef enum es_rec_type { ES_REC_F64, ES_REC_U64, ES_REC_I64, ES_REC_U8 } es_rec_type;

typedef struct es_record {
    char name[64];      /* e.g. "window3/ln_g" */
    es_rec_type type;
    size_t count;       /* elements */
    void *data;         /* (count) elements, owned by the list */
} es_record;

typedef struct es_records {
    size_t n, cap;
    es_record *r;       /* (n) */
} es_records;

/* Size in bytes of one element of type t. */
size_t es_rec_size(es_rec_type t);

/* Append a copy of data (count elements of type t) under name. ES_ENOMEM on failure. */
es_status es_records_add(es_records *rs, const char *name, es_rec_type t, size_t count,
                         const void *data, es_err *err);

/* The record called name, or NULL. */
const es_record *es_records_get(const es_records *rs, const char *name);

/* Copy record `name` into out (count elements of type t): ES_EDATA (naming it) if it is
 * missing or has another type or length. */
es_status es_records_copy(const es_records *rs, const char *name, es_rec_type t, size_t count,
                          void *out, es_err *err);

/* Serialise the list into one malloc'd byte block (*bytes long), and back (appending to rs).
 * es_records_deserialize: ES_EDATA on a malformed block. */
es_status es_records_serialize(const es_records *rs, void **block, size_t *bytes, es_err *err);
es_status es_records_deserialize(es_records *rs, const void *block, size_t bytes, es_err *err);

/* Free every record (the list itself is caller storage). */
void es_records_clear(es_records *rs);

#endif
