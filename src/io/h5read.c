/* h5read.c: reading entroscape HDF5 files: the /dos group and root attributes. */
#include "entroscape/h5io.h"
#include "h5util.h"

#include <stdlib.h>

/* Number of bins along one axis from its edges dataset (rank 1, at least 2 edges). */
static es_status read_bins(hid_t g, const char *name, size_t *bins, const char *path,
                           es_err *err)
{
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(g, name, H5S_MAX_RANK, &rank, dims, path, "/dos", err);
    if (st != ES_OK)
        return st;
    if (rank != 1 || dims[0] < 2) {
        char s[96];
        return es_err_set(err, ES_EDATA, "%s: dataset /dos/%s has shape %s, expected "
                          "(bins + 1,) with at least 2 edges", path, name,
                          es_h5_shape_str(rank, dims, s, sizeof s));
    }
    *bins = (size_t)dims[0] - 1;
    return ES_OK;
}

/* Before anything is allocated from the edges: /dos/log_g must have the shape (x_bins, y_bins)
 * they imply, and that many values must fit in the file (at deflate's best ratio, 1:1032), so
 * that a corrupted dimension is an error, not a request for terabytes. */
static es_status check_grid_shape(hid_t g, size_t x_bins, size_t y_bins, const char *path,
                                  es_err *err)
{
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(g, "log_g", H5S_MAX_RANK, &rank, dims, path, "/dos", err);
    if (st != ES_OK)
        return st;
    if (rank != 2 || dims[0] != x_bins || dims[1] != y_bins) {
        char s[96];
        return es_err_set(err, ES_EDATA, "%s: dataset /dos/log_g has shape %s, but the bin edges "
                          "give (%zu, %zu)", path, es_h5_shape_str(rank, dims, s, sizeof s),
                          x_bins, y_bins);
    }
    hsize_t size = 0;
    hid_t file = H5Iget_file_id(g);
    if (file < 0 || H5Fget_filesize(file, &size) < 0)
        size = 0;
    es_h5_close(file);
    if (size > 0 && (double)x_bins * (double)y_bins * 8.0 > (double)size * 1032.0 + 4096.0)
        return es_err_set(err, ES_EDATA, "%s: /dos claims %zu x %zu bins, more than a file of "
                          "%llu bytes can hold (corrupted?)", path, x_bins, y_bins,
                          (unsigned long long)size);
    return ES_OK;
}

/* The attributes of /dos into d. */
static es_status read_dos_attrs(hid_t g, es_dos *d, const char *path, es_err *err)
{
    const char *obj = "/dos";
    es_status st = es_h5_read_str_attr_buf(g, "x_variable", d->x_variable, sizeof d->x_variable,
                                           path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "y_variable", d->y_variable, sizeof d->y_variable, path,
                                     obj, err);
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "method", d->method, sizeof d->method, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "ln_f", H5T_NATIVE_DOUBLE, &d->ln_f, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "flatness", H5T_NATIVE_DOUBLE, &d->flatness, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "ln_volume", H5T_NATIVE_DOUBLE, &d->ln_volume, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "sweeps", H5T_NATIVE_UINT64, &d->sweeps, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "moves", H5T_NATIVE_UINT64, &d->moves, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "walkers", H5T_NATIVE_INT, &d->walkers, path, obj, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "converged", H5T_NATIVE_INT, &d->converged, path, obj, err);
    return st;
}

/* /dos/convergence into d->stages (all four columns must have the same length). */
static es_status read_convergence(hid_t dos, es_dos *d, const char *path, es_err *err)
{
    const char *grp = "/dos/convergence";
    htri_t ex = H5Lexists(dos, "convergence", H5P_DEFAULT);
    if (ex <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return es_err_set(err, ES_EDATA, "%s: group %s is missing", path, grp);
    }
    hid_t g = H5Gopen2(dos, "convergence", H5P_DEFAULT);
    if (g < 0)
        return es_h5_fail(err, ES_EDATA, path, grp, "cannot open as a group");
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(g, "sweeps", H5S_MAX_RANK, &rank, dims, path, grp, err);
    if (st == ES_OK && rank != 1) {
        char s[96];
        st = es_err_set(err, ES_EDATA, "%s: dataset %s/sweeps has shape %s, expected (stages,)",
                        path, grp, es_h5_shape_str(rank, dims, s, sizeof s));
    }
    size_t n = st == ES_OK ? (size_t)dims[0] : 0;
    uint64_t *sweeps = es_calloc(n, sizeof *sweeps, "convergence sweeps", err);   /* (n) */
    double *cols = es_calloc(3 * n, sizeof *cols, "convergence columns", err);    /* (3, n) */
    d->stages = es_calloc(n, sizeof *d->stages, "convergence history", err);      /* (n) */
    if (st == ES_OK && (!sweeps || !cols || !d->stages))
        st = ES_ENOMEM;
    if (st == ES_OK)
        st = es_h5_read_dset(g, "sweeps", H5T_NATIVE_UINT64, 1, dims, sweeps, path, grp, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "ln_f", H5T_NATIVE_DOUBLE, 1, dims, cols, path, grp, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "flatness", H5T_NATIVE_DOUBLE, 1, dims, cols + n, path, grp, err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "seconds", H5T_NATIVE_DOUBLE, 1, dims, cols + 2 * n, path, grp,
                             err);
    int32_t *window = es_calloc(n, sizeof *window, "convergence window", err);    /* (n) */
    if (st == ES_OK && !window)
        st = ES_ENOMEM;
    if (st == ES_OK && H5Lexists(g, "window", H5P_DEFAULT) > 0) /* files before windows lack it */
        st = es_h5_read_dset(g, "window", H5T_NATIVE_INT32, 1, dims, window, path, grp, err);
    if (st == ES_OK) {
        for (size_t i = 0; i < n; i++)
            d->stages[i] = (es_dos_stage){sweeps[i], cols[i], cols[n + i], cols[2 * n + i],
                                          window[i]};
        d->n_stages = n;
    }
    free(window);
    free(sweeps);
    free(cols);
    es_h5_close(g);
    return st;
}

/* Read /dos of an open file into a new es_dos. NULL with err set: ES_EDATA naming the
 * group, dataset or attribute that is missing or misshapen, ES_EIO if HDF5 cannot read it. */
es_dos *es_h5_read_dos_file(hid_t file, const char *path, es_err *err)
{
    htri_t ex = H5Lexists(file, "dos", H5P_DEFAULT);
    if (ex <= 0) {
        H5Eclear2(H5E_DEFAULT);
        es_err_set(err, ES_EDATA, "%s: group /dos is missing (no density of states in this file)",
                   path);
        return NULL;
    }
    hid_t g = H5Gopen2(file, "dos", H5P_DEFAULT);
    if (g < 0) {
        es_h5_fail(err, ES_EDATA, path, "/dos", "cannot open as a group");
        return NULL;
    }
    size_t x_bins = 0, y_bins = 0;
    es_dos *d = NULL;
    double *xc = NULL, *yc = NULL;
    es_status st = read_bins(g, "x_edges", &x_bins, path, err);
    if (st == ES_OK)
        st = read_bins(g, "y_edges", &y_bins, path, err);
    if (st == ES_OK)
        st = check_grid_shape(g, x_bins, y_bins, path, err);
    es_err sub = {0};
    if (st == ES_OK && !(d = es_dos_alloc(x_bins, y_bins, &sub)))
        st = es_err_set(err, sub.status, "%s: /dos: %s", path, sub.msg);
    if (st == ES_OK) {
        xc = es_calloc(x_bins, sizeof *xc, "x bin centres", err);   /* (x_bins) */
        yc = es_calloc(y_bins, sizeof *yc, "y bin centres", err);   /* (y_bins) */
        if (!xc || !yc)
            st = ES_ENOMEM;
    }
    hsize_t grid[2] = {x_bins, y_bins}, nx[1] = {x_bins}, ny[1] = {y_bins};
    hsize_t nxe[1] = {x_bins + 1}, nye[1] = {y_bins + 1};
    if (st == ES_OK)
        st = es_h5_read_dset(g, "x_edges", H5T_NATIVE_DOUBLE, 1, nxe, d->x_edges, path, "/dos",
                             err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "y_edges", H5T_NATIVE_DOUBLE, 1, nye, d->y_edges, path, "/dos",
                             err);
    if (st == ES_OK)   /* centres are derived from the edges; read only to check the shape */
        st = es_h5_read_dset(g, "x", H5T_NATIVE_DOUBLE, 1, nx, xc, path, "/dos", err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "y", H5T_NATIVE_DOUBLE, 1, ny, yc, path, "/dos", err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "log_g", H5T_NATIVE_DOUBLE, 2, grid, d->log_g, path, "/dos", err);
    if (st == ES_OK)
        st = es_h5_read_dset(g, "histogram", H5T_NATIVE_UINT64, 2, grid, d->histogram, path,
                             "/dos", err);
    if (st == ES_OK)
        st = read_dos_attrs(g, d, path, err);
    if (st == ES_OK)
        st = read_convergence(g, d, path, err);
    if (st == ES_OK)
        st = es_h5_read_windows(g, d, path, err);
    if (st == ES_OK)
        st = es_h5_read_errors(g, d, path, err);
    free(xc);
    free(yc);
    es_h5_close(g);
    if (st != ES_OK) {
        es_dos_free(d);
        return NULL;
    }
    return d;
}

/* Open path as an entroscape file and read /dos. NULL with err set: ES_EIO if the file is
 * missing or unreadable, ES_EDATA if it is not an entroscape file or /dos is malformed. */
es_dos *es_h5_read_dos(const char *path, es_err *err)
{
    es_h5_quiet q = es_h5_quiet_begin();
    es_dos *d = NULL;
    hid_t file = es_h5_open_entroscape(path, err);
    if (file >= 0) {
        d = es_h5_read_dos_file(file, path, err);
        H5Fclose(file);
    }
    es_h5_quiet_end(q);
    return d;
}

int es_h5_has_group(const char *path, const char *name, es_err *err)
{
    es_h5_quiet q = es_h5_quiet_begin();
    int has = -1;
    hid_t file = es_h5_open_entroscape(path, err);
    if (file >= 0) {
        htri_t e = H5Lexists(file, name, H5P_DEFAULT);
        has = e > 0 && H5Oexists_by_name(file, name, H5P_DEFAULT) > 0;
        H5Eclear2(H5E_DEFAULT);
        H5Fclose(file);
    }
    es_h5_quiet_end(q);
    return has;
}

/* Root string attribute `name` of the entroscape file path, malloc'd. NULL with err set
 * (ES_EDATA if absent or not a string; errors of opening as for es_h5_read_dos). */
char *es_h5_read_root_attr(const char *path, const char *name, es_err *err)
{
    es_h5_quiet q = es_h5_quiet_begin();
    char *s = NULL;
    hid_t file = es_h5_open_entroscape(path, err);
    if (file >= 0) {
        s = es_h5_read_str_attr(file, name, path, "/", err);
        H5Fclose(file);
    }
    es_h5_quiet_end(q);
    return s;
}
