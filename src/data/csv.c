/* csv.c: numeric CSV files (plain or gzip) and scikit-learn's bundled CSV layout. */
#include "data_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One line of buf: [start, end), without '\n' and a trailing '\r'. */
typedef struct csv_line {
    const char *start, *end;
    const char *next;  /* first byte of the following line, or NULL at the end */
} csv_line;

static int next_line(const char *p, const char *buf_end, csv_line *l)
{
    if (!p || p >= buf_end)
        return 0;
    const char *nl = memchr(p, '\n', (size_t)(buf_end - p));
    l->start = p;
    l->end = nl ? nl : buf_end;
    l->next = nl ? nl + 1 : NULL;
    if (l->end > l->start && l->end[-1] == '\r')
        l->end--;
    return 1;
}

static int blank(const csv_line *l)
{
    for (const char *c = l->start; c < l->end; c++)
        if (!isspace((unsigned char)*c))
            return 0;
    return 1;
}

/* Parse the field [a, b) as a finite number. 1 on success. */
static int parse_number(const char *a, const char *b, double *v)
{
    while (a < b && isspace((unsigned char)*a))
        a++;
    while (b > a && isspace((unsigned char)b[-1]))
        b--;
    char tmp[128];
    size_t n = (size_t)(b - a);
    if (n == 0 || n >= sizeof tmp)
        return 0;
    memcpy(tmp, a, n);
    tmp[n] = '\0';
    char *end;
    *v = strtod(tmp, &end);
    return *end == '\0' && isfinite(*v);
}

/* Copy of field [a, b) for messages, shortened to fit. */
static const char *field_text(const char *a, const char *b, char *out, size_t n)
{
    size_t len = (size_t)(b - a);
    if (len + 1 > n)
        snprintf(out, n, "%.*s...", (int)(n - 4), a);
    else
        snprintf(out, n, "%.*s", (int)len, a);
    return out;
}

static size_t count_fields(const csv_line *l)
{
    size_t k = 1;
    for (const char *c = l->start; c < l->end; c++)
        k += *c == ',';
    return k;
}

/* Parse the lines of buf after the first `skip` into t. */
static es_status csv_parse(const char *path, const char *buf, size_t len, size_t skip, es_table *t,
                           es_err *err)
{
    const char *end = buf + len, *p = buf;
    csv_line l;
    size_t line = 0, first_line = 0, cap = 0;
    t->rows = t->cols = 0;
    t->v = NULL;
    while (next_line(p, end, &l)) {
        p = l.next;
        line++;
        if (line <= skip || blank(&l))
            continue;
        size_t k = count_fields(&l);
        if (!t->cols) {
            t->cols = k;
            first_line = line;
        } else if (k != t->cols) {
            es_err_set(err, ES_EDATA, "%s:%zu: %zu fields, expected %zu as on line %zu", path, line,
                       k, t->cols, first_line);
            goto fail;
        }
        if ((t->rows + 1) * t->cols > cap) {
            size_t ncap = cap ? 2 * cap : 1024 * t->cols;
            double *nv = realloc(t->v, ncap * sizeof *nv);
            if (!nv) {
                es_err_set(err, ES_ENOMEM, "%s: out of memory at line %zu", path, line);
                goto fail;
            }
            t->v = nv;
            cap = ncap;
        }
        const char *a = l.start;
        for (size_t j = 0; j < k; j++) {
            const char *b = memchr(a, ',', (size_t)(l.end - a));
            if (!b)
                b = l.end;
            if (!parse_number(a, b, &t->v[t->rows * t->cols + j])) {
                char txt[48];
                es_err_set(err, ES_EDATA, "%s:%zu: field %zu is \"%s\", not a number", path, line,
                           j + 1, field_text(a, b, txt, sizeof txt));
                goto fail;
            }
            a = b + 1;
        }
        t->rows++;
    }
    if (!t->rows) {
        es_err_set(err, ES_EDATA, "%s: no data lines (%zu lines read)", path, line);
        goto fail;
    }
    return ES_OK;
fail:
    es_table_free(t);
    return err->status;
}

es_status es_csv_read(const char *path, size_t skip, es_table *t, es_err *err)
{
    es_err local = {0};
    if (!err)
        err = &local; /* callers may pass NULL */
    char *buf;
    size_t len;
    t->rows = t->cols = 0;
    t->v = NULL;
    if (data_slurp(path, &buf, &len, err) != ES_OK)
        return err->status;
    es_status st = csv_parse(path, buf, len, skip, t, err);
    free(buf);
    return st;
}

es_status es_csv_read_sklearn(const char *path, es_table *t, es_err *err)
{
    es_err local = {0};
    if (!err)
        err = &local; /* callers may pass NULL */
    char *buf;
    size_t len;
    t->rows = t->cols = 0;
    t->v = NULL;
    if (data_slurp(path, &buf, &len, err) != ES_OK)
        return err->status;
    const char *end = buf + len;
    csv_line l;
    double ns, nf;
    if (!next_line(buf, end, &l)) {
        free(buf);
        return es_err_set(err, ES_EDATA, "%s: empty file", path);
    }
    const char *c1 = memchr(l.start, ',', (size_t)(l.end - l.start));
    const char *c2 = c1 ? memchr(c1 + 1, ',', (size_t)(l.end - c1 - 1)) : NULL;
    if (!c2)
        c2 = l.end;
    if (!c1 || !parse_number(l.start, c1, &ns) || !parse_number(c1 + 1, c2, &nf) || ns < 1 ||
        nf < 1 || ns != floor(ns) || nf != floor(nf)) {
        char txt[48];
        free(buf);
        return es_err_set(err, ES_EDATA, "%s:1: expected scikit-learn's header "
                          "\"n_samples,n_features,...\", found \"%s\"", path,
                          field_text(l.start, l.end, txt, sizeof txt));
    }
    /* Column-name lines (boston has one) come before the first numeric line. */
    size_t skip = 1;
    const char *p = l.next;
    while (next_line(p, end, &l)) {
        const char *c = memchr(l.start, ',', (size_t)(l.end - l.start));
        double v;
        if (!blank(&l) && parse_number(l.start, c ? c : l.end, &v))
            break;
        skip++;
        p = l.next;
    }
    es_status st = csv_parse(path, buf, len, skip, t, err);
    free(buf);
    if (st != ES_OK)
        return st;
    if (t->rows != (size_t)ns || t->cols != (size_t)nf + 1) {
        es_err_set(err, ES_EDATA, "%s: the header declares %.0f samples of %.0f features (+ target), "
                   "the file has %zu rows of %zu fields", path, ns, nf, t->rows, t->cols);
        es_table_free(t);
        return ES_EDATA;
    }
    return ES_OK;
}

void es_table_free(es_table *t)
{
    if (!t)
        return;
    free(t->v);
    t->v = NULL;
    t->rows = t->cols = 0;
}
