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

/* Block layout per record: name[64], type (uint64), count (uint64), data. */
es_status es_records_serialize(const es_records *rs, void **block, size_t *bytes, es_err *err)
{
    size_t n = 0;
    for (size_t i = 0; i < rs->n; i++)
        n += 64 + 16 + rs->r[i].count * es_rec_size(rs->r[i].type);
    unsigned char *b = malloc(n ? n : 1), *p = b;
    if (!b)
        return es_err_set(err, ES_ENOMEM, "out of memory serialising %zu bytes of records", n);
    for (size_t i = 0; i < rs->n; i++) {
        const es_record *r = &rs->r[i];
        uint64_t hdr[2] = {(uint64_t)r->type, (uint64_t)r->count};
        memcpy(p, r->name, 64);
        memcpy(p + 64, hdr, 16);
        memcpy(p + 80, r->data, r->count * es_rec_size(r->type));
        p += 80 + r->count * es_rec_size(r->type);
    }
    *block = b;
    *bytes = n;
    return ES_OK;
}

es_status es_records_deserialize(es_records *rs, const void *block, size_t bytes, es_err *err)
{
    const unsigned char *p = block, *end = p + bytes;
    while (p < end) {
        uint64_t hdr[2];
        char name[64];
        if (end - p < 80)
            return es_err_set(err, ES_EDATA, "malformed record block");
        memcpy(name, p, 64);
        name[63] = '\0';
        memcpy(hdr, p + 64, 16);
        if (hdr[0] > ES_REC_U8 || hdr[1] > (uint64_t)(end - p - 80) / es_rec_size((es_rec_type)hdr[0]))
            return es_err_set(err, ES_EDATA, "malformed record block at %s", name);
        es_status st = es_records_add(rs, name, (es_rec_type)hdr[0], (size_t)hdr[1], p + 80, err);
        if (st != ES_OK)
            return st;
        p += 80 + hdr[1] * es_rec_size((es_rec_type)hdr[0]);
    }
    return ES_OK;
}
