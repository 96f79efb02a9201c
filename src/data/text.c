/* text.c: character-level language modelling: the previous task.context characters predict
 * the next one. The text is the King James Bible (public domain), one verse per line, made by
 * scripts/fetch-data.sh from Debian's bible-kjv-text. */
#include "data_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TEXT_FILE "text/kjv.txt"
#define TEXT_PACKAGE "bible-kjv-text"
#define TEXT_PACKAGE_PATH "/usr/lib/bible.data, decompressed by bible-kjv's bible program"
#define TEXT_TRAIN_FRACTION 0.9
#define TEXT_DEFAULT_TRAIN 200000
#define TEXT_DEFAULT_TEST 20000

static const char text_punct[] = ".,;:!?'\"-()";

int es_text_token(int c)
{
    c &= 0xff;
    if (c == '\r' || (c >= 0x80 && c < 0xc0))
        return -1; /* CR of CRLF; UTF-8 continuation bytes (a multi-byte character is one token) */
    if (c >= 'A' && c <= 'Z')
        c += 'a' - 'A';
    if (c >= 'a' && c <= 'z')
        return 3 + (c - 'a');
    if (c >= '0' && c <= '9')
        return 29 + (c - '0');
    if (c == ' ' || c == '\t')
        return 1;
    if (c == '\n')
        return 2;
    const char *p = c ? strchr(text_punct, c) : NULL;
    return p ? 39 + (int)(p - text_punct) : 0;
}

char es_text_char(size_t token)
{
    if (token == 0)
        return '~';
    if (token == 1)
        return ' ';
    if (token == 2)
        return '\n';
    if (token < 29)
        return (char)('a' + (token - 3));
    if (token < 39)
        return (char)('0' + (token - 29));
    if (token < ES_TEXT_VOCAB)
        return text_punct[token - 39];
    return '\0';
}

/* n windows evenly spaced over the `avail` window starts from `base`: window k starts at
 * base + floor(k * avail / n); inputs tokens[start .. start + ctx), target tokens[start + ctx]. */
static void take_windows(es_split *s, const unsigned char *tok, size_t base, size_t avail,
                         size_t ctx)
{
    for (size_t k = 0; k < s->n; k++) {
        size_t start = base + (size_t)((unsigned long long)k * avail / s->n);
        for (size_t j = 0; j < ctx; j++)
            s->x[k * ctx + j] = tok[start + j];
        s->y[k] = tok[start + ctx];
    }
}

static es_status window_count(long want, const char *key, size_t def, size_t avail,
                              const char *part, const char *path, size_t ctx, size_t *n, es_err *err)
{
    if (!avail)
        return es_err_set(err, ES_EDATA, "%s: the %s part of the text is too short for one window "
                          "of task.context = %zu", path, part, ctx);
    if (want && (size_t)want > avail)
        return es_err_set(err, ES_ECONFIG, "task.%s = %ld: the %s part of %s has only %zu "
                          "windows of task.context = %zu", key, want, part, path, avail, ctx);
    *n = want ? (size_t)want : def < avail ? def : avail;
    return ES_OK;
}

es_status data_text(es_data *d, const es_config *cfg, es_err *err)
{
    char path[1024], *buf;
    size_t len, ctx = (size_t)cfg->task_context;
    es_status st;
    if ((st = data_path(cfg, TEXT_FILE, path, sizeof path, err)) != ES_OK ||
        (st = data_require(cfg, path, TEXT_PACKAGE, TEXT_PACKAGE_PATH, err)) != ES_OK ||
        (st = data_slurp(path, &buf, &len, err)) != ES_OK)
        return st;
    /* Tokenise in place: the buffer shrinks (dropped bytes) and holds token indices. */
    unsigned char *tok = (unsigned char *)buf;
    size_t n_tok = 0;
    for (size_t i = 0; i < len; i++) {
        int t = es_text_token((unsigned char)buf[i]);
        if (t >= 0)
            tok[n_tok++] = (unsigned char)t;
    }
    d->classify = 1;
    d->n_in = ctx;
    d->n_out = ES_TEXT_VOCAB;
    d->vocab = ES_TEXT_VOCAB;
    size_t cut = (size_t)(TEXT_TRAIN_FRACTION * (double)n_tok);
    size_t avail_train = cut > ctx ? cut - ctx : 0;
    size_t avail_test = n_tok - cut > ctx ? n_tok - cut - ctx : 0;
    size_t ntr, nte;
    if ((st = window_count(cfg->task_train_size, "train_size", TEXT_DEFAULT_TRAIN, avail_train,
                           "training (first 90%)", path, ctx, &ntr, err)) == ES_OK &&
        (st = window_count(cfg->task_test_size, "test_size", TEXT_DEFAULT_TEST, avail_test,
                           "test (last 10%)", path, ctx, &nte, err)) == ES_OK &&
        (st = data_split_alloc(&d->train, ntr, ctx, 1, 0, err)) == ES_OK &&
        (st = data_split_alloc(&d->test, nte, ctx, 1, 0, err)) == ES_OK) {
        take_windows(&d->train, tok, 0, avail_train, ctx);
        take_windows(&d->test, tok, cut, avail_test, ctx);
        data_note_source(d, path);
    }
    free(buf);
    return st;
}
