/* h5sgd.c: the /sgd group: histories and final parameters of gradient-trained runs, with
 * named dimensions (run, epoch, metric, param) that h5py and xarray (h5netcdf) read.
 * Layout in train.h and README ("HDF5 layout"). */
#include "entroscape/analysis.h"
#include "entroscape/h5io.h"
#include "entroscape/train.h"
#include "h5util.h"

#include <hdf5_hl.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

static const char *const SGD = "/sgd";

/* ---- writing ------------------------------------------------------------------------- */

/* An index scale 0..n-1 called name (int64), with a long_name. -1 with err set on failure. */
static hid_t put_index_scale(hid_t g, const char *name, size_t n, const char *long_name,
                             const char *path, es_err *err)
{
    int64_t *idx = es_calloc(n ? n : 1, sizeof *idx, "index scale", err);   /* (n) */
    if (!idx)
        return -1;
    for (size_t i = 0; i < n; i++)
        idx[i] = (int64_t)i;
    hsize_t dims[1] = {n};
    hid_t d = es_h5_write_dset(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, 0, idx, path,
                               SGD, err);
    free(idx);
    char object[96];
    snprintf(object, sizeof object, "%s/%s", SGD, name);
    if (d >= 0 && H5DSset_scale(d, name) < 0) {
        es_h5_fail(err, ES_EIO, path, object, "cannot make it a dimension scale");
        es_h5_close(d);
        return -1;
    }
    if (d >= 0 && es_h5_write_str_attr(d, "long_name", long_name, path, object, err) != ES_OK) {
        es_h5_close(d);
        return -1;
    }
    return d;
}

/* The metric names as a string-valued dimension scale "metric". */
static hid_t put_metric_scale(hid_t g, const char *path, es_err *err)
{
    hid_t type = es_h5_str_type();
    hsize_t dims[1] = {ES_N_METRICS};
    hid_t d = type >= 0 ? es_h5_write_dset(g, "metric", type, type, 1, dims, 0,
                                           es_train_metric_names, path, SGD, err)
                        : -1;
    es_h5_close(type);
    if (d >= 0 && H5DSset_scale(d, "metric") < 0) {
        es_h5_fail(err, ES_EIO, path, "/sgd/metric", "cannot make it a dimension scale");
        es_h5_close(d);
        return -1;
    }
    if (d >= 0 && es_h5_write_str_attr(d, "long_name", "metric (column of the history)", path,
                                       "/sgd/metric", err) != ES_OK) {
        es_h5_close(d);
        return -1;
    }
    return d;
}

/* Attach scales[k] to dimension k of dset (labelled labels[k]). */
static es_status attach(hid_t dset, const char *name, int rank, const hid_t *scales,
                        const char *const *labels, const char *path, es_err *err)
{
    for (int k = 0; k < rank; k++) {
        if (H5DSattach_scale(dset, scales[k], (unsigned)k) < 0 ||
            H5DSset_label(dset, (unsigned)k, labels[k]) < 0) {
            char object[96], what[96];
            snprintf(object, sizeof object, "%s/%s", SGD, name);
            snprintf(what, sizeof what, "cannot attach dimension scale '%s'", labels[k]);
            return es_h5_fail(err, ES_EIO, path, object, what);
        }
    }
    return ES_OK;
}

static es_status put_str(hid_t g, const char *name, const char *v, const char *path, es_err *err)
{
    return es_h5_write_str_attr(g, name, v, path, SGD, err);
}

static es_status put_f64(hid_t g, const char *name, double v, const char *path, es_err *err)
{
    return es_h5_write_num_attr(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, path, SGD, err);
}

static es_status put_i64(hid_t g, const char *name, int64_t v, const char *path, es_err *err)
{
    return es_h5_write_num_attr(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, path, SGD, err);
}

/* The attributes of /sgd. */
static es_status put_attrs(hid_t g, const es_sgd *s, const char *path, es_err *err)
{
    char metrics[128];
    snprintf(metrics, sizeof metrics, "%s %s %s %s", es_train_metric_names[0],
             es_train_metric_names[1], es_train_metric_names[2], es_train_metric_names[3]);
    es_status st = put_str(g, "optimizer", s->optimizer, path, err);
    if (st == ES_OK) st = put_f64(g, "lr", s->lr, path, err);
    if (st == ES_OK) st = put_f64(g, "momentum", s->momentum, path, err);
    if (st == ES_OK) st = put_f64(g, "weight_decay", s->weight_decay, path, err);
    if (st == ES_OK) st = put_i64(g, "batch", s->batch, path, err);
    if (st == ES_OK) st = put_i64(g, "epochs", s->epochs, path, err);
    if (st == ES_OK) st = put_i64(g, "runs", s->runs, path, err);
    if (st == ES_OK) st = put_i64(g, "n_params", (int64_t)s->n_params, path, err);
    if (st == ES_OK) st = put_str(g, "task", s->task, path, err);
    if (st == ES_OK) st = put_str(g, "dataset", s->dataset, path, err);
    if (st == ES_OK) st = put_str(g, "arch", s->arch, path, err);
    if (st == ES_OK) st = put_str(g, "init", s->init, path, err);
    if (st == ES_OK) st = put_f64(g, "bound", s->bound, path, err);
    if (st == ES_OK) st = put_str(g, "box", s->box_none ? "none" : "project", path, err);
    if (st == ES_OK) st = put_i64(g, "seed", s->seed, path, err);
    if (st == ES_OK) st = put_i64(g, "classify", s->classify, path, err);
    if (st == ES_OK) st = put_f64(g, "seconds", s->seconds, path, err);
    if (st == ES_OK) st = put_f64(g, "step_seconds", s->step_seconds, path, err);
    if (st == ES_OK) st = put_str(g, "metrics", metrics, path, err);
    if (st == ES_OK && !isnan(s->unigram_test_loss))
        st = put_f64(g, "unigram_test_loss", s->unigram_test_loss, path, err);
    return st;
}

/* The entropy dynamics (issue 13): /sgd/sparsity (run, epoch), /sgd/activation_entropy
 * (run, epoch, layer), /sgd/final_mask (run, param), /sgd/best_epoch (run), the scales
 * attached; nothing for a result without them. */
static es_status put_dynamics(hid_t g, const es_sgd *s, hid_t run, hid_t ep, hid_t param,
                              const char *path, es_err *err)
{
    if (!s->sparsity || !s->final_mask || !s->best_epoch)
        return ES_OK;
    hsize_t sd[2] = {(hsize_t)s->runs, (hsize_t)s->epochs + 1};
    hsize_t md[2] = {(hsize_t)s->runs, s->n_params};
    hsize_t bd[1] = {(hsize_t)s->runs};
    es_status st = ES_OK;
    hid_t sp = -1, mk = -1, be = -1, ae = -1, layer = -1;
    static const char *const sl[2] = {"run", "epoch"}, *const ml[2] = {"run", "param"},
                             *const al[3] = {"run", "epoch", "layer"};
    hid_t ss[2] = {run, ep}, ms[2] = {run, param};
    if ((sp = es_h5_write_dset(g, "sparsity", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, sd, 0,
                               s->sparsity, path, SGD, err)) < 0 ||
        (mk = es_h5_write_dset(g, "final_mask", H5T_STD_U8LE, H5T_NATIVE_UCHAR, 2, md, 0,
                               s->final_mask, path, SGD, err)) < 0 ||
        (be = es_h5_write_dset(g, "best_epoch", H5T_STD_I64LE, H5T_NATIVE_LONG, 1, bd, 0,
                               s->best_epoch, path, SGD, err)) < 0) {
        st = ES_EIO;
        goto done;
    }
    if ((st = attach(sp, "sparsity", 2, ss, sl, path, err)) != ES_OK ||
        (st = attach(mk, "final_mask", 2, ms, ml, path, err)) != ES_OK ||
        (st = attach(be, "best_epoch", 1, ss, sl, path, err)) != ES_OK ||
        (st = es_h5_write_str_attr(sp, "long_name", "fraction of weights (not biases) at zero "
                                   "after each epoch", path, "/sgd/sparsity", err)) != ES_OK ||
        (st = es_h5_write_str_attr(mk, "long_name", "1 = weight free, 0 = pruned at the end",
                                   path, "/sgd/final_mask", err)) != ES_OK ||
        (st = es_h5_write_str_attr(be, "long_name", "epoch whose parameters were kept (early "
                                   "stop), else the last", path, "/sgd/best_epoch", err)) !=
            ES_OK)
        goto done;
    if (s->act_entropy && s->n_hidden > 0) {
        hsize_t ad[3] = {(hsize_t)s->runs, (hsize_t)s->epochs + 1, s->n_hidden};
        hid_t as[3] = {run, ep, -1};
        if ((ae = es_h5_write_dset(g, "activation_entropy", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                   3, ad, 0, s->act_entropy, path, SGD, err)) < 0 ||
            (layer = put_index_scale(g, "layer", s->n_hidden, "hidden (activation) layer",
                                     path, err)) < 0) {
            st = ES_EIO;
            goto done;
        }
        as[2] = layer;
        if ((st = attach(ae, "activation_entropy", 3, as, al, path, err)) != ES_OK ||
            (st = es_h5_write_str_attr(ae, "long_name", "mean over a layer's units of the binary "
                                       "entropy (nats) of the fraction of training samples on "
                                       "which the unit is active", path,
                                       "/sgd/activation_entropy", err)) != ES_OK)
            goto done;
    }
done:
    es_h5_close(layer);
    es_h5_close(ae);
    es_h5_close(be);
    es_h5_close(mk);
    es_h5_close(sp);
    return st;
}

es_status es_h5_write_sgd(es_h5 *h, const es_sgd *s, es_err *err)
{
    if (!h)
        return es_err_set(err, ES_ERUNTIME, "cannot write /sgd: no open output file");
    if (!s || s->runs < 1 || s->epochs < 0 || !s->history || !s->final_params)
        return es_err_set(err, ES_ERUNTIME, "cannot write /sgd: the training result is empty");
    hid_t file = es_h5_file_id(h);
    char path[512];
    ssize_t len = H5Fget_name(file, path, sizeof path);   /* the temporary: shown in messages */
    if (len < 0)
        snprintf(path, sizeof path, "output file");
    es_h5_quiet q = es_h5_quiet_begin();
    es_status st = ES_OK;
    hid_t gcpl = es_h5_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(file, "sgd", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    hid_t run = -1, ep = -1, metric = -1, param = -1, hist = -1, fin = -1;
    if (g < 0) {
        st = es_h5_fail(err, ES_EIO, path, SGD, "cannot create group");
        goto done;
    }
    hsize_t hd[3] = {(hsize_t)s->runs, (hsize_t)s->epochs + 1, ES_N_METRICS};
    hsize_t pd[2] = {(hsize_t)s->runs, s->n_params};
    if ((hist = es_h5_write_dset(g, "history", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, hd, 0,
                                 s->history, path, SGD, err)) < 0 ||
        (fin = es_h5_write_dset(g, "final_params", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, pd, 0,
                                s->final_params, path, SGD, err)) < 0 ||
        (run = put_index_scale(g, "run", (size_t)s->runs, "independent run (random stream index)",
                               path, err)) < 0 ||
        (ep = put_index_scale(g, "epoch", (size_t)s->epochs + 1,
                              "epochs completed (0 = at initialisation)", path, err)) < 0 ||
        (metric = put_metric_scale(g, path, err)) < 0 ||
        (param = put_index_scale(g, "param", s->n_params, "parameter index (network block order)",
                                 path, err)) < 0) {
        st = ES_EIO;
        goto done;
    }
    static const char *const hl[3] = {"run", "epoch", "metric"}, *const pl[2] = {"run", "param"};
    hid_t hs[3] = {run, ep, metric}, ps[2] = {run, param};
    if ((st = attach(hist, "history", 3, hs, hl, path, err)) != ES_OK ||
        (st = attach(fin, "final_params", 2, ps, pl, path, err)) != ES_OK ||
        (st = es_h5_write_str_attr(hist, "long_name", "loss and accuracy on the full splits "
                                   "after each epoch", path, "/sgd/history", err)) != ES_OK ||
        (st = put_str(hist, "metrics", "train_loss train_acc test_loss test_acc", path, err)) !=
            ES_OK ||
        (st = es_h5_write_str_attr(fin, "long_name", "parameters after the last epoch", path,
                                   "/sgd/final_params", err)) != ES_OK ||
        (st = put_attrs(g, s, path, err)) != ES_OK ||
        (st = put_dynamics(g, s, run, ep, param, path, err)) != ES_OK ||
        (s->method[0] && (st = put_str(g, "method", s->method, path, err)) != ES_OK)) {
        /* err says what failed */
    }
done:
    es_h5_close(param);
    es_h5_close(metric);
    es_h5_close(ep);
    es_h5_close(run);
    es_h5_close(fin);
    es_h5_close(hist);
    es_h5_close(g);
    es_h5_close(gcpl);
    es_h5_quiet_end(q);
    return st;
}

/* ---- reading ------------------------------------------------------------------------- */

static es_status get_str(hid_t g, const char *name, char *buf, size_t size, const char *path,
                         es_err *err)
{
    return es_h5_read_str_attr_buf(g, name, buf, size, path, SGD, err);
}

/* The issue 13 datasets of /sgd when present (files written before them have none: sparsity
 * stays NaN, masks 1, act_entropy NULL). */
static es_status read_dynamics(hid_t g, es_sgd *s, const char *path, es_err *err)
{
    es_status st = ES_OK;
    hsize_t sd[2] = {(hsize_t)s->runs, (hsize_t)s->epochs + 1};
    hsize_t md[2] = {(hsize_t)s->runs, s->n_params};
    hsize_t bd[1] = {(hsize_t)s->runs};
    if (H5Aexists(g, "method") > 0)
        st = get_str(g, "method", s->method, sizeof s->method, path, err);
    if (st == ES_OK && H5Lexists(g, "sparsity", H5P_DEFAULT) > 0)
        st = es_h5_read_dset(g, "sparsity", H5T_NATIVE_DOUBLE, 2, sd, s->sparsity, path, SGD,
                             err);
    if (st == ES_OK && H5Lexists(g, "final_mask", H5P_DEFAULT) > 0)
        st = es_h5_read_dset(g, "final_mask", H5T_NATIVE_UCHAR, 2, md, s->final_mask, path, SGD,
                             err);
    if (st == ES_OK && H5Lexists(g, "best_epoch", H5P_DEFAULT) > 0)
        st = es_h5_read_dset(g, "best_epoch", H5T_NATIVE_LONG, 1, bd, s->best_epoch, path, SGD,
                             err);
    if (st == ES_OK && H5Lexists(g, "activation_entropy", H5P_DEFAULT) > 0) {
        int rank = 0;
        hsize_t ad[H5S_MAX_RANK];
        st = es_h5_dset_shape(g, "activation_entropy", H5S_MAX_RANK, &rank, ad, path, SGD, err);
        if (st == ES_OK && (rank != 3 || ad[0] != sd[0] || ad[1] != sd[1]))
            st = es_err_set(err, ES_EDATA, "%s: /sgd/activation_entropy is not (runs, epochs "
                            "+ 1, layers)", path);
        if (st == ES_OK && ad[2] > 0) {
            s->n_hidden = (size_t)ad[2];
            s->act_entropy = es_calloc(ad[0] * ad[1] * ad[2], sizeof *s->act_entropy,
                                       "activation entropy", err);
            st = s->act_entropy ? es_h5_read_dset(g, "activation_entropy", H5T_NATIVE_DOUBLE, 3,
                                                  ad, s->act_entropy, path, SGD, err)
                                : ES_ENOMEM;
        }
    }
    return st;
}

/* Read /sgd of an open file. */
static es_sgd *read_sgd_file(hid_t file, const char *path, es_err *err)
{
    htri_t ex = H5Lexists(file, "sgd", H5P_DEFAULT);
    if (ex <= 0) {
        H5Eclear2(H5E_DEFAULT);
        es_err_set(err, ES_EDATA, "%s: group /sgd is missing (no training runs in this file)",
                   path);
        return NULL;
    }
    hid_t g = H5Gopen2(file, "sgd", H5P_DEFAULT);
    if (g < 0) {
        es_h5_fail(err, ES_EDATA, path, SGD, "cannot open as a group");
        return NULL;
    }
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_sgd *s = NULL;
    es_status st = es_h5_dset_shape(g, "history", H5S_MAX_RANK, &rank, dims, path, SGD, err);
    if (st == ES_OK && (rank != 3 || dims[0] < 1 || dims[1] < 1 || dims[2] != ES_N_METRICS)) {
        char shp[96];
        st = es_err_set(err, ES_EDATA, "%s: dataset /sgd/history has shape %s, expected "
                        "(runs, epochs + 1, %d)", path, es_h5_shape_str(rank, dims, shp,
                                                                        sizeof shp),
                        ES_N_METRICS);
    }
    int64_t n_params = 0;
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "n_params", H5T_NATIVE_INT64, &n_params, path, SGD, err);
    if (st == ES_OK && n_params < 0)
        st = es_err_set(err, ES_EDATA, "%s: /sgd attribute n_params = %" PRId64 " is negative",
                        path, n_params);
    if (st == ES_OK && !(s = es_sgd_alloc((long)dims[0], (long)dims[1] - 1, (size_t)n_params,
                                          err)))
        st = err->status;
    if (st == ES_OK)
        st = es_h5_read_dset(g, "history", H5T_NATIVE_DOUBLE, 3, dims, s->history, path, SGD, err);
    hsize_t pd[2] = {dims[0], (hsize_t)n_params};
    if (st == ES_OK)
        st = es_h5_read_dset(g, "final_params", H5T_NATIVE_DOUBLE, 2, pd, s->final_params, path,
                             SGD, err);
    int64_t i64 = 0;
    if (st == ES_OK) st = get_str(g, "optimizer", s->optimizer, sizeof s->optimizer, path, err);
    if (st == ES_OK) st = get_str(g, "task", s->task, sizeof s->task, path, err);
    if (st == ES_OK) st = get_str(g, "dataset", s->dataset, sizeof s->dataset, path, err);
    if (st == ES_OK) st = get_str(g, "arch", s->arch, sizeof s->arch, path, err);
    if (st == ES_OK) st = get_str(g, "init", s->init, sizeof s->init, path, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "lr", H5T_NATIVE_DOUBLE, &s->lr, path, SGD, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "momentum", H5T_NATIVE_DOUBLE, &s->momentum, path, SGD, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "weight_decay", H5T_NATIVE_DOUBLE, &s->weight_decay, path,
                                 SGD, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "bound", H5T_NATIVE_DOUBLE, &s->bound, path, SGD, err);
    char box[16] = "project";   /* files before train.box: always projected */
    if (st == ES_OK && H5Aexists(g, "box") > 0)
        st = get_str(g, "box", box, sizeof box, path, err);
    s->box_none = strcmp(box, "none") == 0 && s->bound > 0;
    if (st == ES_OK && (st = es_h5_read_num_attr(g, "batch", H5T_NATIVE_INT64, &i64, path, SGD,
                                                 err)) == ES_OK)
        s->batch = (long)i64;
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "seed", H5T_NATIVE_INT64, &s->seed, path, SGD, err);
    if (st == ES_OK && (st = es_h5_read_num_attr(g, "classify", H5T_NATIVE_INT64, &i64, path,
                                                 SGD, err)) == ES_OK)
        s->classify = (int)i64;
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "seconds", H5T_NATIVE_DOUBLE, &s->seconds, path, SGD, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "step_seconds", H5T_NATIVE_DOUBLE, &s->step_seconds, path,
                                 SGD, err);
    int64_t runs = 0, epochs = 0;
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "runs", H5T_NATIVE_INT64, &runs, path, SGD, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "epochs", H5T_NATIVE_INT64, &epochs, path, SGD, err);
    if (st == ES_OK && (runs != s->runs || epochs != s->epochs))
        st = es_err_set(err, ES_EDATA, "%s: /sgd attributes runs = %" PRId64 ", epochs = %" PRId64
                        " disagree with /sgd/history's shape", path, runs, epochs);
    if (st == ES_OK && H5Aexists(g, "unigram_test_loss") > 0)
        st = es_h5_read_num_attr(g, "unigram_test_loss", H5T_NATIVE_DOUBLE,
                                 &s->unigram_test_loss, path, SGD, err);
    if (st == ES_OK)
        st = read_dynamics(g, s, path, err);
    es_h5_close(g);
    if (st != ES_OK) {
        es_sgd_free(s);
        return NULL;
    }
    return s;
}

es_sgd *es_h5_read_sgd(const char *path, es_err *err)
{
    es_h5_quiet q = es_h5_quiet_begin();
    es_sgd *s = NULL;
    hid_t file = es_h5_open_entroscape(path, err);
    if (file >= 0) {
        s = read_sgd_file(file, path, err);
        H5Fclose(file);
    }
    es_h5_quiet_end(q);
    return s;
}

/* ---- summary ------------------------------------------------------------------------- */

/* Mean and sd over runs of v[r * stride] (finite values only); *n gets how many. */
static void mean_sd(const double *v, long runs, size_t stride, double *mean, double *sd, long *n)
{
    double s1 = 0, s2 = 0;
    long k = 0;
    for (long r = 0; r < runs; r++) {
        double x = v[(size_t)r * stride];
        if (isfinite(x)) {
            s1 += x;
            s2 += x * x;
            k++;
        }
    }
    *n = k;
    *mean = k ? s1 / (double)k : NAN;
    *sd = k > 1 ? sqrt(fmax(0, (s2 - s1 * s1 / (double)k) / (double)(k - 1))) : NAN;
}

/* The method line and the entropy dynamics: sparsity and each hidden layer's activation
 * entropy at initialisation, the middle and the end (mean +- sd over runs). */
static void print_dynamics(const es_sgd *s, FILE *f)
{
    if (s->method[0])
        fprintf(f, "  %-14s%s\n", "method:", s->method);
    size_t E = (size_t)s->epochs + 1;
    long at[3] = {0, s->epochs / 2, s->epochs};
    double m, sd;
    long n;
    if (isfinite(s->sparsity[0])) {
        fprintf(f, "  %-14s", "sparsity:");
        for (int k = 0; k < 3; k++) {
            mean_sd(s->sparsity + at[k], s->runs, E, &m, &sd, &n);
            fprintf(f, "%sepoch %ld %.4f", k ? ", " : "", at[k], m);
            if (n > 1)
                fprintf(f, " +- %.2g", sd);
        }
        fprintf(f, "\n");
    }
    if (s->act_entropy && s->n_hidden) {
        fprintf(f, "  activation entropy (nats; ln 2 = 0.693 at most), mean over runs:\n");
        for (size_t l = 0; l < s->n_hidden; l++) {
            fprintf(f, "    layer %-6zu", l + 1);
            for (int k = 0; k < 3; k++) {
                mean_sd(s->act_entropy + (size_t)at[k] * s->n_hidden + l, s->runs,
                        E * s->n_hidden, &m, &sd, &n);
                fprintf(f, "%sepoch %ld %.4f", k ? ", " : "", at[k], m);
                if (n > 1)
                    fprintf(f, " +- %.2g", sd);
            }
            fprintf(f, "\n");
        }
    }
    int stopped = 0;
    for (long r = 0; r < s->runs; r++)
        stopped += s->best_epoch[r] != s->epochs;
    if (stopped) {
        fprintf(f, "  %-14s", "early stop:");
        for (long r = 0; r < s->runs; r++)
            fprintf(f, "%s%ld", r ? ", " : "kept epochs ", s->best_epoch[r]);
        fprintf(f, "\n");
    }
}

es_status es_h5_print_sgd(int64_t file_id, const char *path, FILE *f, es_err *err)
{
    hid_t file = (hid_t)file_id;
    if (H5Lexists(file, "sgd", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return ES_OK;
    }
    es_sgd *s = read_sgd_file(file, path, err);
    if (!s)
        return err->status;
    fprintf(f, "/sgd: gradient-trained baseline\n");
    fprintf(f, "  %-14s%s, lr %g, batch %ld", "optimizer:", s->optimizer, s->lr, s->batch);
    if (strcmp(s->optimizer, "sgd") == 0)
        fprintf(f, ", momentum %g", s->momentum);
    fprintf(f, ", weight decay %g%s\n", s->weight_decay,
            strcmp(s->optimizer, "adam") == 0 && s->weight_decay > 0 ? " (decoupled)" : "");
    fprintf(f, "  %-14s%s", "task:", s->task);
    if (strcmp(s->dataset, s->task) != 0)
        fprintf(f, " (%s)", s->dataset);
    fprintf(f, "\n  %-14s%s, init %s\n", "network:", s->arch, s->init);
    double max_abs = 0;
    long outside = es_sgd_runs_outside_box(s, &max_abs);
    if (s->bound > 0 && !s->box_none)
        fprintf(f, "  %-14s[-%g, %g] (parameters projected after every step)\n", "box:", s->bound,
                s->bound);
    else if (s->bound > 0)
        fprintf(f, "  %-14s[-%g, %g] for the initialisation only (train.box = none): %ld of %ld "
                "runs end outside it, max |w| %.3g\n", "box:", s->bound, s->bound, outside,
                s->runs, max_abs);
    else
        fprintf(f, "  %-14snone\n", "box:");
    fprintf(f, "  %-14s%ld x %ld epochs, seed %" PRId64 ", %.3g s (%.3g s in steps)\n", "runs:",
            s->runs, s->epochs, s->seed, s->seconds, s->step_seconds);
    fprintf(f, "  final epoch, mean and sd over runs:\n");
    for (int m = 0; m < ES_N_METRICS; m++) {
        es_ana_epoch_stat st = es_ana_epoch_stat_of(s, s->epochs, m);
        if ((m == ES_TRAIN_ACC || m == ES_TEST_ACC) && !s->classify) {
            fprintf(f, "    %-12sn/a (regression)\n", es_train_metric_names[m]);
            continue;
        }
        fprintf(f, "    %-12s%.6g", es_train_metric_names[m], st.mean);
        if (st.n > 1)
            fprintf(f, " +- %.3g", st.sd);
        if (st.n < s->runs)
            fprintf(f, "  (%ld of %ld runs finite)", st.n, s->runs);
        fprintf(f, "\n");
    }
    print_dynamics(s, f);
    if (!isnan(s->unigram_test_loss)) {
        double mean = es_ana_epoch_stat_of(s, s->epochs, ES_TEST_LOSS).mean;
        fprintf(f, "  %-14s%.6g nats test cross-entropy (model: %.1f%% below it)\n", "unigram:",
                s->unigram_test_loss, 100 * (1 - mean / s->unigram_test_loss));
    }
    es_sgd_free(s);
    return ES_OK;
}
