/* h5write.c: writing an entroscape HDF5 file: built in memory (HDF5's core driver, so that a
 * full disk can never leave HDF5 with a file it cannot close), root attributes, the /dos group
 * with named dimensions; then its image is written to a temporary file beside the target,
 * fsync'ed and renamed into place (or aborted). */
#include "entroscape/h5io.h"
#include "entroscape/fsutil.h"
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <hdf5_hl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct es_h5 {
    char *path;    /* the file the user asked for */
    char *tmp;     /* "<path>.tmp.<pid>": written first, renamed onto path by commit */
    int   fd;      /* the temporary, created (empty) by es_h5_create; -1 once closed */
    hid_t file;    /* open HDF5 file (in memory), -1 once closed */
    int   failed;  /* a write failed: commit refuses to install a half-written file */
};

/* The open HDF5 file of h (in memory), for other src/io writers. */
hid_t es_h5_file_id(es_h5 *h)
{
    return h->file;
}

/* Free h's memory (not the HDF5 file). */
static void h5_free(es_h5 *h)
{
    free(h->path);
    free(h->tmp);
    free(h);
}

/* Current UTC time as ISO 8601, "2024-05-01T12:34:56Z", into buf[size >= 21]. */
static void utc_now_iso8601(char *buf, size_t size)
{
    time_t now = time(NULL);
    struct tm tm;
    if (!gmtime_r(&now, &tm) || strftime(buf, size, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        snprintf(buf, size, "unknown");
}

/* Write the root attributes program, version, created, config (if non-NULL), seed. */
static es_status write_root_attrs(es_h5 *h, const char *config_text, long seed, es_err *err)
{
    char created[32];
    utc_now_iso8601(created, sizeof created);
    int64_t seed64 = (int64_t)seed;
    es_status st = es_h5_write_str_attr(h->file, "program", "entroscape", h->path, "/", err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(h->file, "version", es_version(), h->path, "/", err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(h->file, "created", created, h->path, "/", err);
    if (st == ES_OK && config_text)
        st = es_h5_write_str_attr(h->file, "config", config_text, h->path, "/", err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(h->file, "seed", H5T_STD_I64LE, H5T_NATIVE_INT64, &seed64,
                                  h->path, "/", err);
    return st;
}

/* Create the HDF5 file in memory (core driver, no backing store) with creation order tracked
 * (as netCDF-4 does) and the strong close degree. Returns the file id, or -1 with err set
 * (ES_EIO) naming path. */
static hid_t create_mem_file(const char *path, const char *tmp, es_err *err)
{
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    hid_t fapl = es_h5_fapl();
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    hid_t file = -1;
    if (fcpl >= 0 && fapl >= 0 && H5Pset_fapl_core(fapl, 1 << 20, 0) >= 0 &&
        H5Pset_link_creation_order(fcpl, order) >= 0 &&
        H5Pset_attr_creation_order(fcpl, order) >= 0)
        file = H5Fcreate(tmp, H5F_ACC_TRUNC, fcpl, fapl);
    if (file < 0) {
        char detail[256];
        es_h5_error_detail(detail, sizeof detail);
        es_err_set(err, ES_EIO, "cannot create %s (HDF5: %s)", path, detail);
    }
    es_h5_close(fcpl);
    es_h5_close(fapl);
    return file;
}

/* Check that the directory of path exists and is writable, so the usual mistakes get a
 * plain message. ES_OK, or ES_EIO with err set. */
static es_status check_parent_dir(const char *path, es_err *err)
{
    char *dir = es_fs_parent_dir(path);
    if (!dir)
        return es_err_set(err, ES_ENOMEM, "out of memory opening %s", path);
    es_status st = ES_OK;
    if (access(dir, W_OK | X_OK) != 0)
        st = es_err_set(err, ES_EIO, "cannot create %s: directory %s: %s", path, dir,
                        strerror(errno));
    free(dir);
    return st;
}

/* Create "<path>.tmp.<pid>" and write the root attributes (program, version, created,
 * config if non-NULL, seed). NULL with err set (ES_EIO naming path; ES_ENOMEM) on failure,
 * leaving no temporary file behind. */
es_h5 *es_h5_create(const char *path, const char *config_text, long seed, es_err *err)
{
    if (!path || !path[0]) {
        es_err_set(err, ES_EIO, "no output file name given");
        return NULL;
    }
    es_h5 *h = es_calloc(1, sizeof *h, "output file state", err);
    if (!h)
        return NULL;
    h->file = -1;
    h->fd = -1;
    h->path = strdup(path);
    h->tmp = es_fs_tmp_name(path);
    if (!h->path || !h->tmp) {
        es_err_set(err, ES_ENOMEM, "out of memory opening %s", path);
        h5_free(h);
        return NULL;
    }

    if (check_parent_dir(path, err) != ES_OK) {
        h5_free(h);
        return NULL;
    }
    /* The temporary is created now, so that an unwritable place fails before the work. */
    h->fd = open(h->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (h->fd < 0) {
        es_err_set(err, ES_EIO, "cannot create %s: cannot create its temporary file %s: %s", path,
                   h->tmp, strerror(errno));
        h5_free(h);
        return NULL;
    }
    es_h5_quiet q = es_h5_quiet_begin();
    h->file = create_mem_file(path, h->tmp, err);
    es_status st = h->file < 0 ? ES_EIO : write_root_attrs(h, config_text, seed, err);
    es_h5_quiet_end(q);
    if (st != ES_OK) {
        es_h5_abort(h);
        return NULL;
    }
    return h;
}

/* ---- /dos --------------------------------------------------------------------------- */

/* Create dataset `name` under loc, stored as file_type with shape dims[rank], and write buf
 * (mem_type; may be NULL when the shape holds no element). extendable: unlimited maximum
 * size along every dimension with chunked storage (for 1-D histories, which may be empty).
 * Returns the open dataset, or -1 with err set (ES_EIO). */
hid_t es_h5_write_dset(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int rank,
                        const hsize_t *dims, int extendable, const void *buf, const char *path,
                        const char *group, es_err *err)
{
    hsize_t maxdims[H5S_MAX_RANK], chunk[H5S_MAX_RANK];
    hsize_t n = 1;
    for (int k = 0; k < rank; k++) {
        maxdims[k] = extendable ? H5S_UNLIMITED : dims[k];
        chunk[k] = dims[k] > 0 && dims[k] < 256 ? dims[k] : 256;
        n *= dims[k];
    }
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    hid_t space = H5Screate_simple(rank, dims, maxdims);
    hid_t dset = -1;
    if (dcpl >= 0 && space >= 0 && (!extendable || H5Pset_chunk(dcpl, rank, chunk) >= 0))
        dset = H5Dcreate2(loc, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (dset < 0 || (n > 0 && H5Dwrite(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
        char object[160];   /* report before any other HDF5 call clears the error stack */
        snprintf(object, sizeof object, "%s/%s", group, name);
        es_h5_fail(err, ES_EIO, path, object, "cannot write dataset");
        es_h5_close(dset);
        dset = -1;
    }
    es_h5_close(space);
    es_h5_close(dcpl);
    return dset;
}

/* Make dset a dimension scale called name (with a long_name attribute). */
es_status es_h5_make_scale(hid_t dset, const char *name, const char *long_name,
                            const char *path, const char *group, es_err *err)
{
    char object[160];
    snprintf(object, sizeof object, "%s/%s", group, name);
    if (H5DSset_scale(dset, name) < 0)
        return es_h5_fail(err, ES_EIO, path, object, "cannot make it a dimension scale");
    return es_h5_write_str_attr(dset, "long_name", long_name, path, object, err);
}

/* Attach scale to dimension idx of dset and label that dimension with label. */
es_status es_h5_attach_dim(hid_t dset, const char *dset_name, hid_t scale, unsigned idx,
                            const char *label, const char *path, const char *group, es_err *err)
{
    char object[160];
    snprintf(object, sizeof object, "%s/%s", group, dset_name);
    if (H5DSattach_scale(dset, scale, idx) < 0 || H5DSset_label(dset, idx, label) < 0) {
        char what[96];
        snprintf(what, sizeof what, "cannot attach dimension scale '%s' to dimension %u",
                 label, idx);
        return es_h5_fail(err, ES_EIO, path, object, what);
    }
    return ES_OK;
}

/* Bin centres of edges[nbins+1] into out[nbins]. */
static void centres(const double *edges, size_t nbins, double *out)
{
    for (size_t i = 0; i < nbins; i++)
        out[i] = 0.5 * (edges[i] + edges[i + 1]);
}

/* /dos/convergence: sweeps, ln_f, flatness, seconds along the scale `stage` (0..n-1). */
static es_status write_convergence(hid_t dos, const es_dos *d, const char *path, es_err *err)
{
    const char *grp = "/dos/convergence";
    size_t n = d->n_stages;
    hsize_t dims[1] = {n};
    es_status st = ES_OK;
    hid_t gcpl = es_h5_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(dos, "convergence", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    if (g < 0)
        st = es_h5_fail(err, ES_EIO, path, grp, "cannot create group");

    int64_t  *stage = es_calloc(n, sizeof *stage, "convergence stage index", err);   /* (n) */
    int32_t  *window = es_calloc(n, sizeof *window, "convergence window", err);      /* (n) */
    uint64_t *sweeps = es_calloc(n, sizeof *sweeps, "convergence sweeps", err);      /* (n) */
    double   *cols = es_calloc(3 * n, sizeof *cols, "convergence columns", err);     /* (3, n) */
    if (st == ES_OK && (!stage || !window || !sweeps || !cols))
        st = ES_ENOMEM;
    for (size_t i = 0; st == ES_OK && i < n; i++) {
        stage[i] = (int64_t)i;
        window[i] = d->stages[i].window;
        sweeps[i] = d->stages[i].sweeps;
        cols[i] = d->stages[i].ln_f;
        cols[n + i] = d->stages[i].flatness;
        cols[2 * n + i] = d->stages[i].seconds;
    }

    static const char *const names[5] = {"sweeps", "ln_f", "flatness", "seconds", "window"};
    static const char *const long_names[5] = {
        "sweeps per walker when ln f changed", "ln f until then",
        "histogram min/mean over reachable bins", "wall-clock seconds since the start",
        "window the row belongs to"};
    hid_t scale = -1, dsets[5] = {-1, -1, -1, -1, -1};
    if (st == ES_OK)
        scale = es_h5_write_dset(g, "stage", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dims, 1, stage, path,
                           grp, err);
    if (st == ES_OK && scale < 0)
        st = ES_EIO;
    if (st == ES_OK)
        st = es_h5_make_scale(scale, "stage", "convergence stage (row of the history)", path, grp, err);
    for (int c = 0; c < 5 && st == ES_OK; c++) {
        if (c == 0)
            dsets[c] = es_h5_write_dset(g, names[c], H5T_STD_U64LE, H5T_NATIVE_UINT64, 1, dims, 1,
                                  sweeps, path, grp, err);
        else if (c == 4)
            dsets[c] = es_h5_write_dset(g, names[c], H5T_STD_I32LE, H5T_NATIVE_INT32, 1, dims, 1,
                                        window, path, grp, err);
        else
            dsets[c] = es_h5_write_dset(g, names[c], H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, dims, 1,
                                  cols + (size_t)(c - 1) * n, path, grp, err);
        if (dsets[c] < 0)
            st = ES_EIO;
        if (st == ES_OK)
            st = es_h5_attach_dim(dsets[c], names[c], scale, 0, "stage", path, grp, err);
        if (st == ES_OK)
            st = es_h5_write_str_attr(dsets[c], "long_name", long_names[c], path, grp, err);
    }
    for (int c = 0; c < 5; c++)
        es_h5_close(dsets[c]);
    es_h5_close(scale);
    es_h5_close(g);
    es_h5_close(gcpl);
    free(stage);
    free(window);
    free(sweeps);
    free(cols);
    return st;
}

/* The attributes of /dos: run summary. */
static es_status write_dos_attrs(hid_t g, const es_dos *d, const char *path, es_err *err)
{
    const char *obj = "/dos";
    char xv[sizeof d->x_variable + 1], yv[sizeof d->y_variable + 1], method[sizeof d->method + 1];
    snprintf(xv, sizeof xv, "%.*s", (int)sizeof d->x_variable, d->x_variable);
    snprintf(yv, sizeof yv, "%.*s", (int)sizeof d->y_variable, d->y_variable);
    snprintf(method, sizeof method, "%.*s", (int)sizeof d->method, d->method);
    es_status st = es_h5_write_str_attr(g, "x_variable", xv, path, obj, err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(g, "y_variable", yv, path, obj, err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(g, "method", method, path, obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "ln_f", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &d->ln_f, path,
                                  obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "flatness", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, &d->flatness,
                                  path, obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "ln_volume", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
                                  &d->ln_volume, path, obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "sweeps", H5T_STD_U64LE, H5T_NATIVE_UINT64, &d->sweeps, path,
                                  obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "moves", H5T_STD_U64LE, H5T_NATIVE_UINT64, &d->moves, path,
                                  obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "walkers", H5T_STD_I32LE, H5T_NATIVE_INT, &d->walkers, path,
                                  obj, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "converged", H5T_STD_I32LE, H5T_NATIVE_INT, &d->converged,
                                  path, obj, err);
    return st;
}

/* Check that d is complete enough to write. */
static es_status check_dos(const es_dos *d, const char *path, es_err *err)
{
    if (!d || d->x_bins == 0 || d->y_bins == 0 || !d->x_edges || !d->y_edges || !d->log_g ||
        !d->histogram || (d->n_stages > 0 && !d->stages))
        return es_err_set(err, ES_ERUNTIME, "%s: cannot write /dos: the density of states is "
                          "empty or incomplete", path);
    return ES_OK;
}

/* The whole /dos group; see h5io.h for the layout. */
static es_status write_dos_group(es_h5 *h, const es_dos *d, es_err *err)
{
    const char *path = h->path, *grp = "/dos";
    hsize_t grid[2] = {d->x_bins, d->y_bins};
    hsize_t nx[1] = {d->x_bins}, ny[1] = {d->y_bins};
    hsize_t nxe[1] = {d->x_bins + 1}, nye[1] = {d->y_bins + 1};
    double *xc = es_calloc(d->x_bins, sizeof *xc, "x bin centres", err);   /* (x_bins) */
    double *yc = es_calloc(d->y_bins, sizeof *yc, "y bin centres", err);   /* (y_bins) */
    hid_t gcpl = es_h5_gcpl();
    hid_t g = -1, log_g = -1, hist = -1, x = -1, y = -1, xe = -1, ye = -1;
    es_status st = ES_OK;
    if (!xc || !yc) {
        st = ES_ENOMEM;
        goto done;
    }
    centres(d->x_edges, d->x_bins, xc);
    centres(d->y_edges, d->y_bins, yc);

    g = gcpl >= 0 ? H5Gcreate2(h->file, "dos", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    if (g < 0) {
        st = es_h5_fail(err, ES_EIO, path, grp, "cannot create group");
        goto done;
    }
    char xlong[128], ylong[128], xelong[128], yelong[128];
    snprintf(xlong, sizeof xlong, "%.64s (bin centre)", d->x_variable);
    snprintf(ylong, sizeof ylong, "%.64s (bin centre)", d->y_variable);
    snprintf(xelong, sizeof xelong, "%.64s (bin edges)", d->x_variable);
    snprintf(yelong, sizeof yelong, "%.64s (bin edges)", d->y_variable);

    if ((log_g = es_h5_write_dset(g, "log_g", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, grid, 0, d->log_g,
                            path, grp, err)) < 0 ||
        (hist = es_h5_write_dset(g, "histogram", H5T_STD_U64LE, H5T_NATIVE_UINT64, 2, grid, 0,
                           d->histogram, path, grp, err)) < 0 ||
        (x = es_h5_write_dset(g, "x", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, nx, 0, xc, path, grp,
                        err)) < 0 ||
        (y = es_h5_write_dset(g, "y", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, ny, 0, yc, path, grp,
                        err)) < 0 ||
        (xe = es_h5_write_dset(g, "x_edges", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, nxe, 0, d->x_edges,
                         path, grp, err)) < 0 ||
        (ye = es_h5_write_dset(g, "y_edges", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 1, nye, 0, d->y_edges,
                         path, grp, err)) < 0) {
        st = ES_EIO;
        goto done;
    }
    if ((st = es_h5_make_scale(x, "x", xlong, path, grp, err)) != ES_OK ||
        (st = es_h5_make_scale(y, "y", ylong, path, grp, err)) != ES_OK ||
        (st = es_h5_make_scale(xe, "x_edges", xelong, path, grp, err)) != ES_OK ||
        (st = es_h5_make_scale(ye, "y_edges", yelong, path, grp, err)) != ES_OK ||
        (st = es_h5_attach_dim(log_g, "log_g", x, 0, "x", path, grp, err)) != ES_OK ||
        (st = es_h5_attach_dim(log_g, "log_g", y, 1, "y", path, grp, err)) != ES_OK ||
        (st = es_h5_attach_dim(hist, "histogram", x, 0, "x", path, grp, err)) != ES_OK ||
        (st = es_h5_attach_dim(hist, "histogram", y, 1, "y", path, grp, err)) != ES_OK ||
        (st = es_h5_write_str_attr(log_g, "long_name", "ln fraction of box volume per bin", path,
                                   "/dos/log_g", err)) != ES_OK ||
        (st = es_h5_write_str_attr(log_g, "units", "nats", path, "/dos/log_g", err)) != ES_OK ||
        (st = es_h5_write_str_attr(hist, "long_name", "visits per bin in the final stage", path,
                                   "/dos/histogram", err)) != ES_OK ||
        (st = write_dos_attrs(g, d, path, err)) != ES_OK ||
        (st = write_convergence(g, d, path, err)) != ES_OK ||
        (st = es_h5_write_windows(g, d, path, err)) != ES_OK ||
        (st = es_h5_write_errors(g, x, y, d, path, err)) != ES_OK) {
        /* st and err already say what failed */
    }
done:
    es_h5_close(ye);
    es_h5_close(xe);
    es_h5_close(y);
    es_h5_close(x);
    es_h5_close(hist);
    es_h5_close(log_g);
    es_h5_close(g);
    es_h5_close(gcpl);
    free(xc);
    free(yc);
    return st;
}

/* Write /dos (layout in h5io.h). ES_OK; ES_ERUNTIME if d is incomplete; ES_EIO naming
 * the file and object if HDF5 fails (e.g. /dos already written). After any failure h is
 * marked failed and es_h5_commit will refuse it. */
es_status es_h5_write_dos(es_h5 *h, const es_dos *d, es_err *err)
{
    if (!h)
        return es_err_set(err, ES_ERUNTIME, "cannot write /dos: no open output file");
    es_status st = check_dos(d, h->path, err);
    if (st == ES_OK) {
        es_h5_quiet q = es_h5_quiet_begin();
        st = write_dos_group(h, d, err);
        es_h5_quiet_end(q);
    }
    if (st != ES_OK)
        h->failed = 1;
    return st;
}

/* ---- commit / abort ------------------------------------------------------------------ */

es_status es_h5_image_to_fd(hid_t file, int fd, const char *path, const char *tmp, es_err *err)
{
    es_status st = ES_OK;
    ssize_t size = H5Fflush(file, H5F_SCOPE_GLOBAL) < 0 ? -1 : H5Fget_file_image(file, NULL, 0);
    void *buf = size > 0 ? malloc((size_t)size) : NULL;
    if (size <= 0 || !buf || H5Fget_file_image(file, buf, (size_t)size) != size)
        st = buf || size <= 0 ? es_h5_fail(err, ES_EIO, path, "/", "cannot serialise the file")
                              : es_err_set(err, ES_ENOMEM, "out of memory writing %s (%zd bytes)",
                                           path, size);
    if (st == ES_OK)
        st = es_fs_write_all(fd, buf, (size_t)size, tmp, err);
    free(buf);
    if (close(fd) != 0 && st == ES_OK)
        st = es_err_set(err, ES_EIO, "cannot write %s: closing %s: %s", path, tmp,
                        strerror(errno));
    return st;
}

/* Write the file's image to the temporary, fsync it, rename it onto h->path and fsync the
 * directory. On any failure before the rename (including an earlier failed write) the
 * temporary is removed, the old file at path (if any) is untouched, and ES_EIO names path.
 * Frees h always. */
es_status es_h5_commit(es_h5 *h, es_err *err)
{
    if (!h)
        return es_err_set(err, ES_EIO, "no output file to commit");
    es_status st = ES_OK;
    if (h->failed)
        st = es_err_set(err, ES_EIO, "%s was not written: an earlier write to it failed",
                        h->path);
    es_h5_quiet q = es_h5_quiet_begin();
    if (st == ES_OK) {
        st = es_h5_image_to_fd(h->file, h->fd, h->path, h->tmp, err);
        h->fd = -1;
    }
    if (H5Fclose(h->file) < 0 && st == ES_OK) /* in memory: no disk to fail */
        st = es_h5_fail(err, ES_EIO, h->path, "/", "cannot close the file");
    h->file = -1;
    es_h5_quiet_end(q);
    if (h->fd >= 0)
        close(h->fd);
    if (st == ES_OK)
        st = es_fs_install(h->tmp, h->path, err);
    else
        unlink(h->tmp);
    h5_free(h);
    return st;
}

/* Close and unlink the temporary; the file at h->path (if any) is untouched. Frees h;
 * safe on NULL. */
void es_h5_abort(es_h5 *h)
{
    if (!h)
        return;
    if (h->file >= 0) {
        es_h5_quiet q = es_h5_quiet_begin();
        H5Fclose(h->file);
        es_h5_quiet_end(q);
    }
    if (h->fd >= 0)
        close(h->fd);
    unlink(h->tmp);
    h5_free(h);
}

es_status es_h5_save_dos(const char *path, const char *config_text, long seed, const es_dos *d,
                         es_err *err)
{
    es_h5 *h = es_h5_create(path, config_text, seed, err);
    if (!h)
        return err->status;
    if (es_h5_write_dos(h, d, err) != ES_OK) {
        es_h5_abort(h);
        return err->status;
    }
    return es_h5_commit(h, err);
}
