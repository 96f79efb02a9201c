/* h5ensemble.c: the /ensemble group (layout in ensemble.h and README) in a new entroscape
 * file, written through es_h5_create / es_h5_commit (a temporary renamed into place). */
#include "entroscape/ensemble.h"
#include "entroscape/h5io.h"
#include "h5util.h"

#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *const GRP = "/ensemble";

/* One dataset of rank 1 or 2 whose last dimension is x (attached to the scale) or, when
 * scale < 0, the datasets; with a long_name. */
static es_status put(hid_t g, hid_t scale, const char *name, hid_t ftype, hid_t mtype, int rank,
                     const hsize_t *dims, const void *buf, const char *long_name,
                     const char *path, es_err *err)
{
    hid_t d = es_h5_write_dset(g, name, ftype, mtype, rank, dims, 0, buf, path, GRP, err);
    if (d < 0)
        return ES_EIO;
    char object[96];
    snprintf(object, sizeof object, "%s/%s", GRP, name);
    es_status st = ES_OK;
    if (scale >= 0)
        st = es_h5_attach_dim(d, name, scale, (unsigned)(rank - 1), "x", path, GRP, err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(d, "long_name", long_name, path, object, err);
    es_h5_close(d);
    return st;
}

/* "a,b,c" of the n names into a new string (NULL when out of memory). */
static char *join(const char *const *names, size_t n)
{
    size_t len = 1;
    for (size_t k = 0; k < n; k++)
        len += strlen(names[k]) + 1;
    char *s = malloc(len);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (size_t k = 0; k < n; k++) {
        if (k)
            strcat(s, ",");
        strcat(s, names[k]);
    }
    return s;
}

/* The per-bin statistics as columns: (x_bins) of field k of es_ens_stat. */
static void stat_column(const es_ensemble *e, int k, double *out)
{
    for (size_t i = 0; i < e->x_bins; i++) {
        const es_ens_stat *s = &e->bin[i];
        const double v[5] = {s->mean, s->se_between, s->within, s->between_sd, s->total};
        out[i] = v[k];
    }
}

/* The group's attributes. */
static es_status put_attrs(hid_t g, const es_ensemble *e, const char *const *land,
                           const char *const *sgd, const char *path, es_err *err)
{
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(created, sizeof created, "unknown");
    char *lf = join(land, e->n_sets), *sf = join(sgd, e->n_sets);
    if (!lf || !sf) {
        free(lf);
        free(sf);
        return es_err_set(err, ES_ENOMEM, "out of memory writing %s", path);
    }
    int v = es_ens_verdict(&e->mean);
    const char *verdict = e->n_common == 0 ? "no common range: no verdict"
                        : v > 0 ? "high-entropy states better (mean > 2 total_err)"
                        : v < 0 ? "SGD/Adam states better (mean < -2 total_err)"
                                : "no difference (|mean| <= 2 total_err)";
    const double f[7] = {e->lo, e->hi, e->mean.mean, e->mean.se_between, e->mean.within,
                         e->mean.between_sd, e->mean.total};
    static const char *const fn[7] = {"range_lo", "range_hi", "mean_advantage",
                                      "mean_se_between", "mean_within_err", "mean_between_sd",
                                      "mean_total_err"};
    const int64_t nd = (int64_t)e->n_sets, nc = (int64_t)e->n_common;
    es_status st = es_h5_write_str_attr(g, "x_variable", e->xv.name, path, GRP, err);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "y_variable", e->yv.name, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "n_datasets", H5T_STD_I64LE, H5T_NATIVE_INT64, &nd, path,
                                  GRP, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "range_bins", H5T_STD_I64LE, H5T_NATIVE_INT64, &nc, path,
                                  GRP, err);
    const int64_t cl = e->set_clustered;
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "set_clustered", H5T_STD_I64LE, H5T_NATIVE_INT64, &cl, path,
                                  GRP, err);
    for (int k = 0; k < 7 && st == ES_OK; k++)
        st = es_h5_write_num_attr(g, fn[k], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &f[k], path, GRP,
                                  err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(g, "states_used", e->final_only ? "final" : "all-epochs",
                                  path, GRP, err);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "landscape_files", lf, path, GRP, err);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "sgd_files", sf, path, GRP, err);
    char asked[96] = "";
    if (isfinite(e->range_lo) || isfinite(e->range_hi))
        snprintf(asked, sizeof asked, "[%.17g, %.17g]", e->range_lo, e->range_hi);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "range_asked", asked, path, GRP, err);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "verdict", verdict, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(g, "error_model", "per dataset d: advantage A_d and its "
                                  "within-dataset error e_d; s^2 = sample variance of A_d; "
                                  "se_between = s/sqrt(n); within_err = sqrt(mean e_d^2); "
                                  "between_sd = sqrt(max(0, s^2 - within_err^2)); total_err = "
                                  "sqrt((between_sd^2 + within_err^2)/n); the mean over the "
                                  "range per dataset takes the SGD/Adam runs as clusters "
                                  "across bins", path, GRP, err);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "created", created, path, GRP, err);
    if (st == ES_OK) st = es_h5_write_str_attr(g, "version", es_version(), path, GRP, err);
    free(lf);
    free(sf);
    return st;
}

/* Every dataset of the group. */
static es_status put_group(hid_t g, const es_ensemble *e, const char *path, es_err *err)
{
    const hid_t F = H5T_IEEE_F64LE, D = H5T_NATIVE_DOUBLE;
    size_t nb = e->x_bins;
    hsize_t nx[1] = {nb}, nxe[1] = {nb + 1}, ns[1] = {e->n_sets}, sx[2] = {e->n_sets, nb};
    hid_t x = es_h5_write_dset(g, "x", F, D, 1, nx, 0, e->x, path, GRP, err);
    if (x < 0)
        return ES_EIO;
    char xlong[128];
    snprintf(xlong, sizeof xlong, "%.64s (bin centre)", e->xv.name);
    es_status st = es_h5_make_scale(x, "x", xlong, path, GRP, err);
    if (st == ES_OK)
        st = put(g, -1, "x_edges", F, D, 1, nxe, e->x_edges, "x bin edges", path, err);
    if (st == ES_OK)
        st = put(g, -1, "seeds", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, ns, e->seeds,
                 "task.seed of each dataset", path, err);
    if (st == ES_OK)
        st = put(g, x, "advantage", F, D, 2, sx, e->advantage, "each dataset's advantage per "
                 "x bin (positive: the high-entropy states generalise better)", path, err);
    if (st == ES_OK)
        st = put(g, x, "advantage_err", F, D, 2, sx, e->advantage_err, "each dataset's "
                 "within-dataset error of the advantage", path, err);
    if (st == ES_OK)
        st = put(g, -1, "set_mean", F, D, 1, ns, e->set_mean, "each dataset's mean advantage "
                 "over the common range", path, err);
    if (st == ES_OK)
        st = put(g, -1, "set_mean_err", F, D, 1, ns, e->set_mean_err, "its error (runs as "
                 "clusters across bins)", path, err);
    int64_t *cnt = malloc(nb * sizeof *cnt);   /* (x_bins) */
    signed char *com = malloc(nb);             /* (x_bins) */
    double *col = malloc(nb * sizeof *col);    /* (x_bins) */
    if (st == ES_OK && (!cnt || !com || !col))
        st = es_err_set(err, ES_ENOMEM, "out of memory writing %s", path);
    for (size_t i = 0; st == ES_OK && i < nb; i++) {
        cnt[i] = e->bin[i].n;
        com[i] = (signed char)e->common[i];
    }
    if (st == ES_OK)
        st = put(g, x, "n_datasets", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, nx, cnt, "datasets "
                 "with an advantage and an error in the bin", path, err);
    if (st == ES_OK)
        st = put(g, x, "common", H5T_STD_I8LE, H5T_NATIVE_SCHAR, 1, nx, com, "1: every "
                 "dataset has the bin (the range of the mean)", path, err);
    static const char *const names[5] = {"mean_advantage", "se_between", "within_err",
                                         "between_sd", "total_err"};
    static const char *const longs[5] = {
        "mean of the advantage over datasets", "standard error over datasets: s / sqrt(n)",
        "within-dataset error, rms over datasets: sqrt(mean e_d^2)",
        "spread between datasets beyond their own errors: sqrt(max(0, s^2 - within^2))",
        "error of the mean: sqrt((between_sd^2 + within_err^2) / n)"};
    for (int k = 0; k < 5 && st == ES_OK; k++) {
        stat_column(e, k, col);
        st = put(g, x, names[k], F, D, 1, nx, col, longs[k], path, err);
    }
    free(cnt);
    free(com);
    free(col);
    es_h5_close(x);
    return st;
}

es_status es_h5_write_ensemble(const char *path, const es_ensemble *e, const char *const *land,
                               const char *const *sgd, const char *config_text, es_err *err)
{
    es_h5 *h = es_h5_create(path, config_text, 0, err);
    if (!h)
        return err->status;
    es_h5_quiet q = es_h5_quiet_begin();
    hid_t gcpl = es_h5_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(es_h5_file_id(h), "ensemble", H5P_DEFAULT, gcpl,
                                     H5P_DEFAULT) : -1;
    es_status st = g < 0 ? es_h5_fail(err, ES_EIO, path, GRP, "cannot create group") : ES_OK;
    if (st == ES_OK)
        st = put_group(g, e, path, err);
    if (st == ES_OK)
        st = put_attrs(g, e, land, sgd, path, err);
    es_h5_close(g);
    es_h5_close(gcpl);
    es_h5_quiet_end(q);
    if (st != ES_OK) {
        es_h5_abort(h);
        return st;
    }
    return es_h5_commit(h, err);
}

/* ---- reading --------------------------------------------------------------------------- */

/* The group's contents into a new ensemble. NULL (err set) on failure. */
static es_ensemble *read_group(hid_t g, const char *path, es_err *err)
{
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(g, "advantage", H5S_MAX_RANK, &rank, dims, path, GRP, err);
    if (st == ES_OK && (rank != 2 || dims[0] < 1 || dims[1] < 1)) {
        es_err_set(err, ES_EDATA, "%s: /ensemble/advantage is not (datasets, x)", path);
        return NULL;
    }
    es_ensemble *e = st == ES_OK ? es_ensemble_alloc((size_t)dims[0], (size_t)dims[1], err)
                                 : NULL;
    if (!e)
        return NULL;
    hsize_t nx[1] = {dims[1]}, nxe[1] = {dims[1] + 1}, ns[1] = {dims[0]};
    const hid_t D = H5T_NATIVE_DOUBLE;
    signed char *com = malloc(e->x_bins);   /* (x_bins) */
    if (!com)
        st = es_err_set(err, ES_ENOMEM, "out of memory reading %s", path);
    if (st == ES_OK) st = es_h5_read_dset(g, "x", D, 1, nx, e->x, path, GRP, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "x_edges", D, 1, nxe, e->x_edges, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "seeds", H5T_NATIVE_INT64, 1, ns, e->seeds, path, GRP, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "advantage", D, 2, dims, e->advantage, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "advantage_err", D, 2, dims, e->advantage_err, path, GRP, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "set_mean", D, 1, ns, e->set_mean, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "set_mean_err", D, 1, ns, e->set_mean_err, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "common", H5T_NATIVE_SCHAR, 1, nx, com, path, GRP, err);
    char xv[64] = "", yv[64] = "", used[32] = "";
    if (st == ES_OK) st = es_h5_read_str_attr_buf(g, "x_variable", xv, sizeof xv, path, GRP, err);
    if (st == ES_OK) st = es_h5_read_str_attr_buf(g, "y_variable", yv, sizeof yv, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "states_used", used, sizeof used, path, GRP, err);
    int64_t cl = 0;
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "set_clustered", H5T_NATIVE_INT64, &cl, path, GRP, err);
    e->set_clustered = cl != 0;
    if (st == ES_OK) {
        for (size_t i = 0; i < e->x_bins; i++)
            e->common[i] = com[i] != 0;
        es_ana_var_init(&e->xv, xv);
        es_ana_var_init(&e->yv, yv);
        e->final_only = strcmp(used, "final") == 0;
        es_ensemble_summarise(e);
    }
    free(com);
    if (st != ES_OK) {
        es_ensemble_free(e);
        return NULL;
    }
    return e;
}

es_ensemble *es_h5_read_ensemble(const char *path, es_err *err)
{
    es_h5_quiet q = es_h5_quiet_begin();
    es_ensemble *e = NULL;
    hid_t file = es_h5_open_entroscape(path, err);
    if (file >= 0) {
        hid_t g = H5Lexists(file, "ensemble", H5P_DEFAULT) > 0
                ? H5Gopen2(file, "ensemble", H5P_DEFAULT) : -1;
        if (g < 0) {
            H5Eclear2(H5E_DEFAULT);
            es_err_set(err, ES_EDATA, "%s: group /ensemble is missing (entroscape analyze "
                       "--ensemble ... -o FILE writes one)", path);
        } else {
            e = read_group(g, path, err);
            H5Gclose(g);
        }
        H5Fclose(file);
    }
    es_h5_quiet_end(q);
    return e;
}
