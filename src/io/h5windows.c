/* h5windows.c: /dos/windows, the replica-exchange diagnostics of a density of states:
 *   lo, hi (int64), ln_f, flatness (float64), converged, walkers (int32)   dims (window)
 *   exchange_tried, exchange_accepted (uint64)                              dims (pair)
 *   attributes: axis ("x" or "y"), round_trips (uint64) */
#include "h5util.h"

#include <stdlib.h>

es_status es_h5_write_windows(hid_t dos, const es_dos *d, const char *path, es_err *err)
{
    if (d->n_windows == 0)
        return ES_OK;
    const char *grp = "/dos/windows";
    const size_t n = d->n_windows, np = n - 1;
    hid_t gcpl = es_h5_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(dos, "windows", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    es_h5_close(gcpl);
    if (g < 0)
        return es_h5_fail(err, ES_EIO, path, grp, "cannot create group");
    int64_t *idx = calloc(n, sizeof *idx), *lo = calloc(n, sizeof *lo), *hi = calloc(n, sizeof *hi);
    int32_t *conv = calloc(n, sizeof *conv), *walkers = calloc(n, sizeof *walkers);
    double *lnf = calloc(n, sizeof *lnf), *flat = calloc(n, sizeof *flat);
    int64_t *pidx = calloc(n, sizeof *pidx);
    es_status st = idx && lo && hi && conv && walkers && lnf && flat && pidx ? ES_OK
                   : es_err_set(err, ES_ENOMEM, "out of memory writing %s", grp);
    for (size_t k = 0; st == ES_OK && k < n; k++) {
        idx[k] = pidx[k] = (int64_t)k;
        lo[k] = d->windows[k].lo;
        hi[k] = d->windows[k].hi;
        lnf[k] = d->windows[k].ln_f;
        flat[k] = d->windows[k].flatness;
        conv[k] = d->windows[k].converged;
        walkers[k] = d->windows[k].walkers;
    }
    hsize_t dw[1] = {n}, dp[1] = {np};
    hid_t sw = -1, sp = -1;
    if (st == ES_OK && (sw = es_h5_write_dset(g, "window", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dw, 0,
                                             idx, path, grp, err)) < 0)
        st = ES_EIO;
    if (st == ES_OK)
        st = es_h5_make_scale(sw, "window", "window index along the window axis", path, grp, err);
    if (st == ES_OK && (sp = es_h5_write_dset(g, "pair", H5T_STD_I64LE, H5T_NATIVE_INT64, 1, dp, 1,
                                             pidx, path, grp, err)) < 0)
        st = ES_EIO;
    if (st == ES_OK)
        st = es_h5_make_scale(sp, "pair", "neighbouring windows k and k+1", path, grp, err);
    struct { const char *name, *long_name; hid_t ft, mt; const void *buf; int pair; } cols[] = {
        {"lo", "first bin of the window along the axis", H5T_STD_I64LE, H5T_NATIVE_INT64, lo, 0},
        {"hi", "one past the last bin of the window", H5T_STD_I64LE, H5T_NATIVE_INT64, hi, 0},
        {"ln_f", "ln f of the window (at convergence, if converged)", H5T_IEEE_F64LE,
         H5T_NATIVE_DOUBLE, lnf, 0},
        {"flatness", "histogram min/mean at the last meeting", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE,
         flat, 0},
        {"converged", "1 if the window reached ln_f_final", H5T_STD_I32LE, H5T_NATIVE_INT32, conv, 0},
        {"walkers", "walkers in the window", H5T_STD_I32LE, H5T_NATIVE_INT32, walkers, 0},
        {"exchange_tried", "replica exchanges tried between windows k and k+1", H5T_STD_U64LE,
         H5T_NATIVE_UINT64, d->exchange_tried, 1},
        {"exchange_accepted", "replica exchanges accepted between windows k and k+1",
         H5T_STD_U64LE, H5T_NATIVE_UINT64, d->exchange_accepted, 1},
    };
    for (size_t c = 0; st == ES_OK && c < sizeof cols / sizeof cols[0]; c++) {
        hid_t ds = es_h5_write_dset(g, cols[c].name, cols[c].ft, cols[c].mt, 1,
                                    cols[c].pair ? dp : dw, cols[c].pair, cols[c].buf, path, grp, err);
        if (ds < 0) {
            st = ES_EIO;
            break;
        }
        st = es_h5_attach_dim(ds, cols[c].name, cols[c].pair ? sp : sw, 0,
                              cols[c].pair ? "pair" : "window", path, grp, err);
        if (st == ES_OK)
            st = es_h5_write_str_attr(ds, "long_name", cols[c].long_name, path, grp, err);
        es_h5_close(ds);
    }
    if (st == ES_OK)
        st = es_h5_write_str_attr(g, "axis", d->window_axis ? "y" : "x", path, grp, err);
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "round_trips", H5T_STD_U64LE, H5T_NATIVE_UINT64,
                                  &d->round_trips, path, grp, err);
    es_h5_close(sw);
    es_h5_close(sp);
    es_h5_close(g);
    free(idx), free(lo), free(hi), free(conv), free(walkers), free(lnf), free(flat), free(pidx);
    return st;
}

es_status es_h5_read_windows(hid_t dos, es_dos *d, const char *path, es_err *err)
{
    const char *grp = "/dos/windows";
    if (H5Lexists(dos, "windows", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return ES_OK; /* files from before windows, or written without a sampler */
    }
    hid_t g = H5Gopen2(dos, "windows", H5P_DEFAULT);
    if (g < 0)
        return es_h5_fail(err, ES_EDATA, path, grp, "cannot open as a group");
    int rank = 0;
    hsize_t dims[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(g, "lo", 1, &rank, dims, path, grp, err);
    size_t n = st == ES_OK ? (size_t)dims[0] : 0;
    if (st == ES_OK && n == 0)
        st = es_err_set(err, ES_EDATA, "%s: %s/lo is empty", path, grp);
    if (st == ES_OK)
        st = es_dos_alloc_windows(d, n, err);
    int64_t *lo = calloc(n + 1, sizeof *lo), *hi = calloc(n + 1, sizeof *hi);
    int32_t *conv = calloc(n + 1, sizeof *conv), *walkers = calloc(n + 1, sizeof *walkers);
    double *lnf = calloc(n + 1, sizeof *lnf), *flat = calloc(n + 1, sizeof *flat);
    if (st == ES_OK && !(lo && hi && conv && walkers && lnf && flat))
        st = es_err_set(err, ES_ENOMEM, "out of memory reading %s", grp);
    hsize_t dp[1] = {n - 1};
    if (st == ES_OK) st = es_h5_read_dset(g, "lo", H5T_NATIVE_INT64, 1, dims, lo, path, grp, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "hi", H5T_NATIVE_INT64, 1, dims, hi, path, grp, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "ln_f", H5T_NATIVE_DOUBLE, 1, dims, lnf, path, grp, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "flatness", H5T_NATIVE_DOUBLE, 1, dims, flat, path, grp, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "converged", H5T_NATIVE_INT32, 1, dims, conv, path, grp, err);
    if (st == ES_OK) st = es_h5_read_dset(g, "walkers", H5T_NATIVE_INT32, 1, dims, walkers, path, grp, err);
    if (st == ES_OK && n > 1)
        st = es_h5_read_dset(g, "exchange_tried", H5T_NATIVE_UINT64, 1, dp, d->exchange_tried,
                             path, grp, err);
    if (st == ES_OK && n > 1)
        st = es_h5_read_dset(g, "exchange_accepted", H5T_NATIVE_UINT64, 1, dp,
                             d->exchange_accepted, path, grp, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "round_trips", H5T_NATIVE_UINT64, &d->round_trips, path, grp,
                                 err);
    char axis[8] = "x";
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "axis", axis, sizeof axis, path, grp, err);
    for (size_t k = 0; st == ES_OK && k < n; k++)
        d->windows[k] = (es_dos_window){lo[k], hi[k], lnf[k], flat[k], conv[k], walkers[k]};
    d->window_axis = axis[0] == 'y';
    free(lo), free(hi), free(conv), free(walkers), free(lnf), free(flat);
    es_h5_close(g);
    return st;
}
