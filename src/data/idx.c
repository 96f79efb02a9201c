/* idx.c: IDX files (LeCun's MNIST format) and the Fashion-MNIST task. */
#include "data_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

#define FASHION_PACKAGE "dataset-fashion-mnist"
#define FASHION_DIR "/usr/share/datasets/fashion-mnist/"
#define FASHION_SIDE 28
#define FASHION_CLASSES 10

/* Read up to n bytes; returns the count read, or -1 on a read error (message in err). */
static long long read_bytes(gzFile f, const char *path, unsigned char *buf, size_t n, es_err *err)
{
    size_t got = 0;
    while (got < n) {
        size_t want = n - got > (1u << 30) ? (1u << 30) : n - got;
        int k = gzread(f, buf + got, (unsigned)want);
        if (k < 0) {
            int zerr;
            const char *msg = gzerror(f, &zerr);
            es_err_set(err, zerr == Z_ERRNO ? ES_EIO : ES_EDATA, "%s: read error after %zu bytes: %s",
                       path, got, zerr == Z_ERRNO ? strerror(errno) : msg);
            return -1;
        }
        if (k == 0)
            break;
        got += (size_t)k;
    }
    return (long long)got;
}

static const char *idx_what(size_t ndim)
{
    return ndim == 1 ? "labels" : ndim == 3 ? "images" : "items";
}

es_status es_idx_read(const char *path, size_t ndim, es_idx *idx, es_err *err)
{
    es_err local = {0};
    if (!err)
        err = &local; /* callers may pass NULL */
    memset(idx, 0, sizeof *idx);
    if (ndim < 1 || ndim > 3)
        return es_err_set(err, ES_EDATA, "%s: IDX files of %zu dimensions are not supported", path,
                          ndim);
    errno = 0;
    gzFile f = gzopen(path, "rb");
    if (!f)
        return es_err_set(err, ES_EIO, "%s: cannot open: %s", path, strerror(errno ? errno : ENOENT));
    gzbuffer(f, 1u << 18);
    es_status st = ES_OK;
    unsigned char hdr[4 + 4 * 3];
    size_t hdr_len = 4 + 4 * ndim;
    long long got = read_bytes(f, path, hdr, hdr_len, err);
    uint32_t magic = 0, want = 0x00000800u | (uint32_t)ndim;
    if (got < 0) {
        st = err->status;
        goto fail;
    }
    if (got >= 4)
        magic = (uint32_t)hdr[0] << 24 | (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
    if (got >= 4 && magic != want) {
        st = es_err_set(err, ES_EDATA, "%s: IDX magic number 0x%08x, expected 0x%08x (unsigned "
                        "bytes, %zu dimension%s: %s)", path, magic, want, ndim, ndim > 1 ? "s" : "",
                        idx_what(ndim));
        goto fail;
    }
    if ((size_t)got < hdr_len) {
        st = es_err_set(err, ES_EDATA, "%s: truncated: an IDX header of %s needs %zu bytes, found %lld",
                        path, idx_what(ndim), hdr_len, got);
        goto fail;
    }
    size_t item = 1, total;
    for (size_t k = 0; k < ndim; k++) {
        const unsigned char *b = hdr + 4 + 4 * k;
        idx->dims[k] = (size_t)((uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3]);
        if (!idx->dims[k]) {
            st = es_err_set(err, ES_EDATA, "%s: IDX dimension %zu is 0", path, k + 1);
            goto fail;
        }
        if (k > 0)
            item *= idx->dims[k]; /* < 2^64: at most two 32-bit factors */
    }
    idx->ndim = ndim;
    idx->items = idx->dims[0];
    if (item > (SIZE_MAX >> 1) / idx->items) {
        st = es_err_set(err, ES_EDATA, "%s: IDX dimensions too large", path);
        goto fail;
    }
    total = item * idx->items;
    struct stat sb; /* the data must fit in the file: raw, or gzip'ed at deflate's best 1:1032 */
    double room = stat(path, &sb) != 0 ? 0
                  : (double)sb.st_size * (gzdirect(f) ? 1.0 : 1032.0) + 64.0;
    if (room > 0 && (double)total > room) {
        st = es_err_set(err, ES_EDATA, "%s: the IDX header declares %zu %s (%zu bytes of data), "
                        "more than a file of %lld bytes can hold", path, idx->items,
                        idx_what(ndim), total, (long long)sb.st_size);
        goto fail;
    }
    idx->data = malloc(total);
    if (!idx->data) {
        st = es_err_set(err, ES_ENOMEM, "%s: out of memory for %zu bytes", path, total);
        goto fail;
    }
    got = read_bytes(f, path, idx->data, total, err);
    if (got < 0) {
        st = err->status;
        goto fail;
    }
    if ((size_t)got < total) {
        st = es_err_set(err, ES_EDATA, "%s: truncated: the header declares %zu %s (%zu bytes of data), "
                        "found %lld bytes (%lld complete %s)", path, idx->items, idx_what(ndim),
                        total, got, got / (long long)item, idx_what(ndim));
        goto fail;
    }
    unsigned char extra;
    got = read_bytes(f, path, &extra, 1, err);
    if (got != 0) {
        st = got < 0 ? err->status
                     : es_err_set(err, ES_EDATA, "%s: longer than its header declares (%zu %s, "
                                  "%zu bytes of data)", path, idx->items, idx_what(ndim), total);
        goto fail;
    }
    int zerr;
    gzerror(f, &zerr);
    if (zerr == Z_BUF_ERROR) {
        st = es_err_set(err, ES_EDATA, "%s: truncated: the compressed stream ends early", path);
        goto fail;
    }
    gzclose(f);
    return ES_OK;
fail:
    gzclose(f);
    es_idx_free(idx);
    return st;
}

void es_idx_free(es_idx *idx)
{
    if (!idx)
        return;
    free(idx->data);
    memset(idx, 0, sizeof *idx);
}

/* The image and label files of one split ("train" or "t10k") under task.data_dir. */
static es_status pair_paths(const es_config *cfg, const char *prefix, char *img_path,
                            char *lab_path, size_t n, es_err *err)
{
    char rel[128];
    snprintf(rel, sizeof rel, "fashion-mnist/%s-images-idx3-ubyte.gz", prefix);
    if (data_path(cfg, rel, img_path, n, err) != ES_OK)
        return ES_ECONFIG;
    snprintf(rel, sizeof rel, "fashion-mnist/%s-labels-idx1-ubyte.gz", prefix);
    if (data_path(cfg, rel, lab_path, n, err) != ES_OK)
        return ES_ECONFIG;
    es_status st = data_require(cfg, img_path, FASHION_PACKAGE, FASHION_DIR, err);
    return st == ES_OK ? data_require(cfg, lab_path, FASHION_PACKAGE, FASHION_DIR, err) : st;
}

/* Read one images + labels pair and check that they agree. */
static es_status read_pair(const char *img_path, const char *lab_path, es_idx *img, es_idx *lab,
                           es_err *err)
{
    es_status st;
    if ((st = es_idx_read(img_path, 3, img, err)) != ES_OK ||
        (st = es_idx_read(lab_path, 1, lab, err)) != ES_OK)
        return st;
    if (img->dims[1] != FASHION_SIDE || img->dims[2] != FASHION_SIDE)
        return es_err_set(err, ES_EDATA, "%s: images of %zux%zu pixels, expected %dx%d", img_path,
                          img->dims[1], img->dims[2], FASHION_SIDE, FASHION_SIDE);
    if (img->items != lab->items)
        return es_err_set(err, ES_EDATA, "%s has %zu images but %s has %zu labels", img_path,
                          img->items, lab_path, lab->items);
    for (size_t i = 0; i < lab->items; i++)
        if (lab->data[i] >= FASHION_CLASSES)
            return es_err_set(err, ES_EDATA, "%s: label %u of item %zu is outside [0, %d)", lab_path,
                              lab->data[i], i, FASHION_CLASSES);
    return ES_OK;
}

/* The first n of the images after a shuffle by (task.seed, stream), pixels / 255. */
static es_status take_images(es_split *s, const es_config *cfg, const es_idx *img,
                             const es_idx *lab, size_t n, uint64_t stream, es_err *err)
{
    const size_t m = FASHION_SIDE * FASHION_SIDE;
    size_t *perm = data_permutation(cfg, img->items, stream, err);
    if (!perm)
        return ES_ENOMEM;
    if (data_split_alloc(s, n, m, 1, 0, err) != ES_OK) {
        free(perm);
        return ES_ENOMEM;
    }
    double scale[256];
    for (int v = 0; v < 256; v++)
        scale[v] = v / 255.0;
    /* Two threads halve the time the first touch of ~400 MB of doubles takes (page faults). */
#ifdef _OPENMP
#pragma omp parallel for schedule(static) if (n >= 4096)
#endif
    for (size_t i = 0; i < n; i++) {
        const unsigned char *src = img->data + perm[i] * m;
        double *dst = s->x + i * m;
        for (size_t j = 0; j < m; j++)
            dst[j] = scale[src[j]];
        s->y[i] = lab->data[perm[i]];
    }
    free(perm);
    return ES_OK;
}

static es_status split_size(long want, const char *key, size_t have, const char *path, size_t *n,
                            es_err *err)
{
    if (want && (size_t)want > have)
        return es_err_set(err, ES_ECONFIG, "task.%s = %ld: %s has only %zu images", key, want, path,
                          have);
    *n = want ? (size_t)want : have;
    return ES_OK;
}

es_status data_fashion_mnist(es_data *d, const es_config *cfg, es_err *err)
{
    d->classify = 1;
    d->n_in = FASHION_SIDE * FASHION_SIDE;
    d->n_out = FASHION_CLASSES;
    d->channels = 1;
    d->height = d->width = FASHION_SIDE;
    char ip[2][1024], lp[2][1024];
    es_idx img = {0}, lab = {0};
    static const char *prefix[2] = {"train", "t10k"};
    static const char *key[2] = {"train_size", "test_size"};
    long want[2] = {cfg->task_train_size, cfg->task_test_size};
    es_split *split[2] = {&d->train, &d->test};
    uint64_t stream[2] = {ES_DATA_STREAM_SHUFFLE, ES_DATA_STREAM_SHUFFLE_TEST};
    es_status st = ES_OK;
    for (int s = 0; s < 2 && st == ES_OK; s++) /* every file present before reading any */
        st = pair_paths(cfg, prefix[s], ip[s], lp[s], sizeof ip[s], err);
    for (int s = 0; s < 2 && st == ES_OK; s++) {
        size_t n = 0;
        if ((st = read_pair(ip[s], lp[s], &img, &lab, err)) == ES_OK &&
            (st = split_size(want[s], key[s], img.items, ip[s], &n, err)) == ES_OK)
            st = take_images(split[s], cfg, &img, &lab, n, stream[s], err);
        es_idx_free(&img);
        es_idx_free(&lab);
    }
    if (st != ES_OK)
        return st;
    for (int s = 0; s < 2; s++) {
        data_note_source(d, ip[s]);
        data_note_source(d, lp[s]);
    }
    return ES_OK;
}
