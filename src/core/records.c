/* records.c: named flat arrays for checkpoints. */
#include "entroscape/records.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t es_rec_size(es_rec_type t)
{
    return t == ES_REC_U8 ? 1 : 8;
}

es_status es_records_add(es_records *rs, const char *name, es_rec_type t, size_t count,
                         const void *data, es_err *err)
{
    if (rs->n == rs->cap) {
        size_t cap = rs->cap ? 2 * rs->cap : 32;
        es_record *r = realloc(rs->r, cap * sizeof *r);
        if (!r)
            return es_err_set(err, ES_ENOMEM, "out of memory growing the checkpoint records");
        rs->r = r;
        rs->cap = cap;
    }
    es_record *r = &rs->r[rs->n];
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->type = t;
    r->count = count;
    r->data = malloc(count ? count * es_rec_size(t) : 1);
    if (!r->data)
        return es_err_set(err, ES_ENOMEM, "out of memory copying checkpoint record %s", name);
    if (count)
        memcpy(r->data, data, count * es_rec_size(t));
    rs->n++;
    return ES_OK;
}

const es_record *es_records_get(const es_records *rs, const char *name)
{
    for (size_t i = 0; i < rs->n; i++)
        if (strcmp(rs->r[i].name, name) == 0)
            return &rs->r[i];
    return NULL;
}

es_status es_records_copy(const es_records *rs, const char *name, es_rec_type t, size_t count,
                          void *out, es_err *err)
{
    const es_record *r = es_records_get(rs, name);
    if (!r)
        return es_err_set(err, ES_EDATA, "checkpoint lacks %s", name);
    if (r->type != t || r->count != count)
        return es_err_set(err, ES_EDATA, "checkpoint record %s has %zu elements of type %d, "
                          "expected %zu of type %d", name, r->count, (int)r->type, count, (int)t);
    if (count)
        memcpy(out, r->data, count * es_rec_size(t));
    return ES_OK;
}

void es_records_clear(es_records *rs)
{
    for (size_t i = 0; i < rs->n; i++)
        free(rs->r[i].data);
    free(rs->r);
    rs->r = NULL;
    rs->n = rs->cap = 0;
}
