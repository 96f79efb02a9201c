/* h5analysis.c: the /analysis group (layout in analysis.h and README): written into an
 * existing entroscape file by copying it, adding the group to the copy, fsync and rename,
 * so the original is never left half-written; and read back. */
#include "entroscape/analysis.h"
#include "entroscape/h5io.h"
#include "entroscape/fsutil.h"
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static const char *const GRP = "/analysis";

/* ---- writing --------------------------------------------------------------------------- */

static es_status put_f64_attr(hid_t g, const char *name, double v, const char *path, es_err *err)
{
    return es_h5_write_num_attr(g, name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &v, path, GRP, err);
}

static es_status put_i64_attr(hid_t g, const char *name, int64_t v, const char *path, es_err *err)
{
    return es_h5_write_num_attr(g, name, H5T_STD_I64LE, H5T_NATIVE_INT64, &v, path, GRP, err);
}

static es_status put_str_attr(hid_t g, const char *name, const char *v, const char *path,
                              es_err *err)
{
    return es_h5_write_str_attr(g, name, v, path, GRP, err);
}

/* One float64 (x) dataset attached to the scale x, with a long_name. */
static es_status put_column(hid_t g, hid_t scale, const char *name, hid_t file_type,
                            hid_t mem_type, const void *buf, size_t n, const char *long_name,
                            const char *path, es_err *err)
{
    hsize_t dims[1] = {n};
    hid_t d = es_h5_write_dset(g, name, file_type, mem_type, 1, dims, 0, buf, path, GRP, err);
    if (d < 0)
        return ES_EIO;
    char object[96];
    snprintf(object, sizeof object, "%s/%s", GRP, name);
    es_status st = es_h5_attach_dim(d, name, scale, 0, "x", path, GRP, err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(d, "long_name", long_name, path, object, err);
    es_h5_close(d);
    return st;
}

/* The group's attributes. */
static es_status put_attrs(hid_t g, const es_analysis *a, const char *path, es_err *err)
{
    char created[32];
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || !strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(created, sizeof created, "unknown");
    const char *def = a->yv.better > 0
        ? "mean_y - sgd_mean_y: entropy-weighted mean of y (Eq. 1) minus the SGD/Adam states' "
          "mean, per x bin (higher y is better)"
        : a->yv.better < 0
        ? "sgd_mean_y - mean_y: the SGD/Adam states' mean y minus the entropy-weighted mean of "
          "y (Eq. 1), per x bin (lower y is better)"
        : "undefined: the y variable is neither an accuracy nor a loss";
    es_status st = put_str_attr(g, "x_variable", a->xv.name, path, err);
    if (st == ES_OK) st = put_str_attr(g, "y_variable", a->has_y ? a->yv.name : "none", path, err);
    if (st == ES_OK) st = put_str_attr(g, "sgd_file", a->sgd_file, path, err);
    if (st == ES_OK) st = put_str_attr(g, "sgd_arch", a->sgd_arch, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "has_sgd", a->has_sgd, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "n_params", a->n_params, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "sgd_runs", a->sgd_runs, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "sgd_epochs", a->sgd_epochs, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "sgd_states", a->sgd_states, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "sgd_binned", a->sgd_binned, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "sgd_outside", a->sgd_outside, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "sgd_undefined", a->sgd_undefined, path, err);
    if (st == ES_OK)
        st = put_str_attr(g, "sgd_states_used", a->sgd_final_only ? "final" : "all-epochs",
                          path, err);
    if (st == ES_OK) st = put_str_attr(g, "sgd_box", a->sgd_box_none ? "none" : "project", path, err);
    if (st == ES_OK) st = put_f64_attr(g, "sgd_bound", a->sgd_bound, path, err);
    if (st == ES_OK)
        st = put_i64_attr(g, "sgd_runs_outside_box", a->sgd_runs_outside_box, path, err);
    if (st == ES_OK) st = put_f64_attr(g, "x_samples", a->xv.samples, path, err);
    if (st == ES_OK) st = put_f64_attr(g, "y_samples", a->yv.samples, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "advantage_sign", a->yv.better, path, err);
    if (st == ES_OK) st = put_str_attr(g, "advantage_definition", def, path, err);
    if (st == ES_OK) st = put_i64_attr(g, "replicas", a->replicas, path, err);
    if (st == ES_OK) st = put_str_attr(g, "replica_files", a->replica_files, path, err);
    if (st == ES_OK)
        st = put_str_attr(g, "advantage_error", a->replicas > 1
                          ? "sqrt(sgd_sem_y^2 + mean_y_err^2): the SGD/Adam standard error with "
                            "runs as clusters and the sd of mean_y over independent replicas "
                            "of the landscape (replica_files)"
                          : "sgd_sem_y only: the SGD/Adam standard error with runs as clusters; "
                            "the landscape's own uncertainty is not included (analyze --replica "
                            "adds it)", path, err);
    if (st == ES_OK) st = put_str_attr(g, "created", created, path, err);
    if (st == ES_OK) st = put_str_attr(g, "version", es_version(), path, err);
    return st;
}

/* Write the group into the open file (removing an earlier one). */
static es_status write_group(hid_t file, const es_analysis *a, const char *path, es_err *err)
{
    if (H5Lexists(file, "analysis", H5P_DEFAULT) > 0 &&
        H5Ldelete(file, "analysis", H5P_DEFAULT) < 0)
        return es_h5_fail(err, ES_EIO, path, GRP, "cannot remove the earlier group");
    H5Eclear2(H5E_DEFAULT);
    size_t n = a->x_bins;
    hsize_t nx[1] = {n}, nxe[1] = {n + 1};
    hid_t gcpl = es_h5_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(file, "analysis", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    hid_t x = -1, xe = -1;
    es_status st = ES_OK;
    char xlong[128], xelong[128];
    snprintf(xlong, sizeof xlong, "%.64s (bin centre)", a->xv.name);
    snprintf(xelong, sizeof xelong, "%.64s (bin edges)", a->xv.name);
    if (g < 0)
        st = es_h5_fail(err, ES_EIO, path, GRP, "cannot create group");
    if (st == ES_OK &&
        ((x = es_h5_write_dset(g, "x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, nx, 0, a->x, path,
                               GRP, err)) < 0 ||
         (xe = es_h5_write_dset(g, "x_edges", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, nxe, 0,
                                a->x_edges, path, GRP, err)) < 0))
        st = ES_EIO;
    if (st == ES_OK)
        st = es_h5_make_scale(x, "x", xlong, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_make_scale(xe, "x_edges", xelong, path, GRP, err);
    const hid_t F = H5T_IEEE_F64LE, D = H5T_NATIVE_DOUBLE;
    if (st == ES_OK)
        st = put_column(g, x, "log_g_x", F, D, a->log_g_x, n, "ln fraction of the volume in the "
                        "x bin: ln sum over y of exp(log_g)", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "argmax_y", F, D, a->argmax_y, n, "y bin centre of the highest "
                        "entropy in the x bin", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "mean_y", F, D, a->mean_y, n, "entropy-weighted mean of y (Eq. 1): "
                        "sum y exp(S) / sum exp(S) over the y bin centres", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "mean_y_err", F, D, a->mean_y_err, n, "sample sd of mean_y over "
                        "this landscape and its independent replicas (NaN without)", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "sgd_mean_y", F, D, a->sgd_mean_y, n, "mean y of the SGD/Adam "
                        "states (every epoch of every run) in the x bin", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "sgd_sem_y", F, D, a->sgd_sem_y, n, "standard error of sgd_mean_y "
                        "with the runs as clusters (NaN with fewer than 2 runs)", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "sgd_count", H5T_STD_I64LE, H5T_NATIVE_INT64, a->sgd_count, n,
                        "SGD/Adam states in the x bin", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "sgd_run_count", H5T_STD_I64LE, H5T_NATIVE_INT64, a->sgd_run_count,
                        n, "SGD/Adam runs with a state in the x bin", path, err);
    if (st == ES_OK)
        st = put_column(g, x, "advantage", F, D, a->advantage, n, "advantage of the high-entropy "
                        "states (positive: they generalise better; see advantage_definition)",
                        path, err);
    if (st == ES_OK)
        st = put_column(g, x, "advantage_err", F, D, a->advantage_err, n, "uncertainty of the "
                        "advantage (see advantage_error)", path, err);
    if (st == ES_OK && a->sgd_run_dev && a->dev_runs > 0) {
        hsize_t rx[2] = {a->dev_runs, n};
        hid_t d = es_h5_write_dset(g, "sgd_run_dev", F, D, 2, rx, 0, a->sgd_run_dev, path, GRP,
                                   err);
        st = d < 0 ? ES_EIO : es_h5_attach_dim(d, "sgd_run_dev", x, 1, "x", path, GRP, err);
        if (st == ES_OK)
            st = es_h5_write_str_attr(d, "long_name", "run r's share of the deviation of "
                                      "sgd_mean_y in bin i: (sum_r - n_r sgd_mean_y) / count "
                                      "(NaN: no state of the run in the bin)", path,
                                      "/analysis/sgd_run_dev", err);
        es_h5_close(d);
    }
    if (st == ES_OK)
        st = put_attrs(g, a, path, err);
    es_h5_close(xe);
    es_h5_close(x);
    es_h5_close(g);
    es_h5_close(gcpl);
    return st;
}

es_status es_h5_write_analysis(const char *path, const es_analysis *a, es_err *err)
{
    if (!a || a->x_bins == 0)
        return es_err_set(err, ES_ERUNTIME, "%s: no analysis to write", path);
    es_h5_quiet q = es_h5_quiet_begin();
    hid_t check = es_h5_open_entroscape(path, err);
    es_h5_quiet_end(q);
    if (check < 0)
        return err->status;
    H5Fclose(check);
    if (access(path, W_OK) != 0)
        return es_err_set(err, ES_EIO, "cannot add /analysis to %s: %s (the file is left as "
                          "it is)", path, strerror(errno));

    /* The file is read into memory (HDF5's core driver), extended there, and its image
     * written to a temporary beside it: a full disk never leaves HDF5 a file it cannot close. */
    char *tmp = es_fs_tmp_name(path);
    if (!tmp)
        return es_err_set(err, ES_ENOMEM, "out of memory rewriting %s", path);
    struct stat sb;
    mode_t mode = stat(path, &sb) == 0 ? (sb.st_mode & 07777) : 0644;
    es_status st = ES_OK;
    q = es_h5_quiet_begin();
    hid_t fapl = es_h5_fapl();
    hid_t file = fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0
                     ? H5Fopen(path, H5F_ACC_RDWR, fapl) : -1;
    es_h5_close(fapl);
    if (file < 0)
        st = es_h5_fail(err, ES_EIO, path, "/", "cannot open the file for rewriting");
    if (st == ES_OK)
        st = write_group(file, a, path, err);
    int fd = st == ES_OK ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode) : -1;
    if (st == ES_OK && fd < 0)
        st = es_err_set(err, ES_EIO, "cannot rewrite %s: cannot create the temporary file %s: %s",
                        path, tmp, strerror(errno));
    if (st == ES_OK)
        st = es_h5_image_to_fd(file, fd, path, tmp, err);
    if (file >= 0 && H5Fclose(file) < 0 && st == ES_OK) /* in memory: no disk to fail */
        st = es_h5_fail(err, ES_EIO, path, "/", "cannot close the file");
    es_h5_quiet_end(q);
    if (st == ES_OK)
        st = es_fs_install(tmp, path, err);
    else
        unlink(tmp);
    free(tmp);
    return st;
}

/* ---- reading --------------------------------------------------------------------------- */

/* What later versions added to the group: sgd_states_used and sgd_run_dev (absent in older
 * files: every epoch was binned, the per-run deviations are unknown). */
static es_status read_optional(hid_t g, es_analysis *a, const char *path, es_err *err)
{
    if (H5Aexists(g, "sgd_states_used") > 0) {
        char used[32] = "";
        es_status st = es_h5_read_str_attr_buf(g, "sgd_states_used", used, sizeof used, path,
                                               GRP, err);
        if (st != ES_OK)
            return st;
        a->sgd_final_only = strcmp(used, "final") == 0;
        char box[16] = "";
        st = es_h5_read_str_attr_buf(g, "sgd_box", box, sizeof box, path, GRP, err);
        if (st == ES_OK)
            st = es_h5_read_num_attr(g, "sgd_bound", H5T_NATIVE_DOUBLE, &a->sgd_bound, path, GRP,
                                     err);
        if (st == ES_OK)
            st = es_h5_read_num_attr(g, "sgd_runs_outside_box", H5T_NATIVE_INT64,
                                     &a->sgd_runs_outside_box, path, GRP, err);
        if (st != ES_OK)
            return st;
        a->sgd_box_none = strcmp(box, "none") == 0;
    }
    if (H5Lexists(g, "sgd_run_dev", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return ES_OK;
    }
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(g, "sgd_run_dev", H5S_MAX_RANK, &rank, dims, path, GRP, err);
    if (st == ES_OK && (rank != 2 || dims[1] != a->x_bins || dims[0] < 1))
        return es_err_set(err, ES_EDATA, "%s: /analysis/sgd_run_dev is not (runs, %zu)", path,
                          a->x_bins);
    if (st != ES_OK)
        return st;
    a->sgd_run_dev = es_calloc((size_t)dims[0] * a->x_bins, sizeof(double), "sgd_run_dev", err);
    if (!a->sgd_run_dev)
        return ES_ENOMEM;
    a->dev_runs = (size_t)dims[0];
    return es_h5_read_dset(g, "sgd_run_dev", H5T_NATIVE_DOUBLE, 2, dims, a->sgd_run_dev, path,
                           GRP, err);
}

static es_analysis *read_group(hid_t file, const char *path, es_err *err)
{
    hid_t g = H5Gopen2(file, "analysis", H5P_DEFAULT);
    if (g < 0) {
        es_h5_fail(err, ES_EDATA, path, GRP, "cannot open as a group");
        return NULL;
    }
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_analysis *a = NULL;
    es_status st = es_h5_dset_shape(g, "x", H5S_MAX_RANK, &rank, dims, path, GRP, err);
    if (st == ES_OK && (rank != 1 || dims[0] < 1)) {
        char s[96];
        st = es_err_set(err, ES_EDATA, "%s: dataset /analysis/x has shape %s, expected (x_bins,)",
                        path, es_h5_shape_str(rank, dims, s, sizeof s));
    }
    if (st == ES_OK && !(a = es_analysis_alloc((size_t)dims[0], err)))
        st = err->status;
    hsize_t nx[1] = {dims[0]}, nxe[1] = {dims[0] + 1};
    const hid_t D = H5T_NATIVE_DOUBLE;
    struct { const char *name; double *buf; } cols[] = {
        {"x", a ? a->x : NULL}, {"log_g_x", a ? a->log_g_x : NULL},
        {"argmax_y", a ? a->argmax_y : NULL}, {"mean_y", a ? a->mean_y : NULL},
        {"mean_y_err", a ? a->mean_y_err : NULL},
        {"sgd_mean_y", a ? a->sgd_mean_y : NULL}, {"sgd_sem_y", a ? a->sgd_sem_y : NULL},
        {"advantage", a ? a->advantage : NULL}, {"advantage_err", a ? a->advantage_err : NULL},
    };
    for (size_t k = 0; st == ES_OK && k < ES_ARRAY_LEN(cols); k++)
        st = es_h5_read_dset(g, cols[k].name, D, 1, nx, cols[k].buf, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "x_edges", D, 1, nxe, a->x_edges, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "sgd_count", H5T_NATIVE_INT64, 1, nx, a->sgd_count, path, GRP,
                             err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "sgd_run_count", H5T_NATIVE_INT64, 1, nx, a->sgd_run_count,
                             path, GRP, err);
    char xname[64] = "", yname[64] = "";
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "x_variable", xname, sizeof xname, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "y_variable", yname, sizeof yname, path, GRP, err);
    if (st == ES_OK) {
        es_ana_var_init(&a->xv, xname);
        es_ana_var_init(&a->yv, yname);
        a->has_y = strcmp(yname, "none") != 0;
        st = es_h5_read_str_attr_buf(g, "sgd_file", a->sgd_file, sizeof a->sgd_file, path, GRP,
                                     err);
    }
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "sgd_arch", a->sgd_arch, sizeof a->sgd_arch, path, GRP,
                                     err);
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "replica_files", a->replica_files,
                                     sizeof a->replica_files, path, GRP, err);
    int64_t has_sgd = 0, replicas = 1;
    struct { const char *name; int64_t *v; } ints[] = {
        {"has_sgd", &has_sgd}, {"replicas", &replicas}, {"n_params", a ? &a->n_params : NULL},
        {"sgd_runs", a ? &a->sgd_runs : NULL}, {"sgd_epochs", a ? &a->sgd_epochs : NULL},
        {"sgd_states", a ? &a->sgd_states : NULL}, {"sgd_binned", a ? &a->sgd_binned : NULL},
        {"sgd_outside", a ? &a->sgd_outside : NULL},
        {"sgd_undefined", a ? &a->sgd_undefined : NULL},
    };
    for (size_t k = 0; st == ES_OK && k < ES_ARRAY_LEN(ints); k++)
        st = es_h5_read_num_attr(g, ints[k].name, H5T_NATIVE_INT64, ints[k].v, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "x_samples", D, &a->xv.samples, path, GRP, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "y_samples", D, &a->yv.samples, path, GRP, err);
    if (st == ES_OK)
        st = read_optional(g, a, path, err);
    if (st == ES_OK) {
        a->has_sgd = has_sgd != 0;
        a->replicas = replicas >= 1 && replicas <= INT32_MAX ? (int)replicas : 1;
    }
    es_h5_close(g);
    if (st != ES_OK) {
        es_analysis_free(a);
        return NULL;
    }
    return a;
}

es_analysis *es_h5_read_analysis(const char *path, int *absent, es_err *err)
{
    if (absent)
        *absent = 0;
    es_h5_quiet q = es_h5_quiet_begin();
    es_analysis *a = NULL;
    hid_t file = es_h5_open_entroscape(path, err);
    if (file >= 0) {
        if (H5Lexists(file, "analysis", H5P_DEFAULT) > 0) {
            a = read_group(file, path, err);
        } else {
            H5Eclear2(H5E_DEFAULT);
            if (absent)
                *absent = 1;
            es_err_set(err, ES_EDATA, "%s: group /analysis is missing (run entroscape analyze "
                       "%s first)", path, path);
        }
        H5Fclose(file);
    }
    es_h5_quiet_end(q);
    return a;
}
