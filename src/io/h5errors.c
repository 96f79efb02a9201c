/* h5errors.c: what a density of states says about its own accuracy:
 *   /dos/log_g_err     float64 (x, y)          statistical error of log_g (nats), NaN unknown
 *   /dos/log_g_groups  float64 (group, x, y)   each independent group's normalised ln g
 *   /dos/criteria      attributes: each convergence criterion's value beside its target:
 *       ln_f <= ln_f_final; round_trips >= round_trips_target; max_log_g_err <= tolerance
 *       (over bins holding >= tolerance_mass); partial_bins = 0; groups, reopened, failed
 *   /dos attribute stop_reason: converged | max_seconds | max_sweeps | interrupted
 * All optional on reading (files of older versions, exact counts). */
#include "h5util.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The numeric attributes of /dos/criteria: name, field of es_dos_criteria, uint64 or float64. */
static const struct { const char *name; size_t off; int u64; } crit_attrs[] = {
    {"ln_f", offsetof(es_dos_criteria, ln_f), 0},
    {"ln_f_final", offsetof(es_dos_criteria, ln_f_final), 0},
    {"round_trips", offsetof(es_dos_criteria, round_trips), 1},
    {"round_trips_target", offsetof(es_dos_criteria, round_trips_target), 1},
    {"max_log_g_err", offsetof(es_dos_criteria, max_err), 0},
    {"tolerance", offsetof(es_dos_criteria, tolerance), 0},
    {"tolerance_mass", offsetof(es_dos_criteria, tolerance_mass), 0},
    {"partial_bins", offsetof(es_dos_criteria, partial_bins), 1},
    {"reopened", offsetof(es_dos_criteria, reopened), 1},
};
#define N_CRIT (sizeof crit_attrs / sizeof crit_attrs[0])

static es_status write_criteria(hid_t dos, const es_dos_criteria *c, const char *path,
                                es_err *err)
{
    const char *grp = "/dos/criteria";
    hid_t gcpl = es_h5_gcpl();
    hid_t g = gcpl >= 0 ? H5Gcreate2(dos, "criteria", H5P_DEFAULT, gcpl, H5P_DEFAULT) : -1;
    es_h5_close(gcpl);
    if (g < 0)
        return es_h5_fail(err, ES_EIO, path, grp, "cannot create group");
    es_status st = ES_OK;
    for (size_t i = 0; st == ES_OK && i < N_CRIT; i++) {
        const void *v = (const char *)c + crit_attrs[i].off;
        st = crit_attrs[i].u64 ? es_h5_write_num_attr(g, crit_attrs[i].name, H5T_STD_U64LE,
                                                      H5T_NATIVE_UINT64, v, path, grp, err)
                               : es_h5_write_num_attr(g, crit_attrs[i].name, H5T_IEEE_F64LE,
                                                      H5T_NATIVE_DOUBLE, v, path, grp, err);
    }
    if (st == ES_OK)
        st = es_h5_write_num_attr(g, "groups", H5T_STD_I32LE, H5T_NATIVE_INT, &c->groups, path,
                                  grp, err);
    if (st == ES_OK)
        st = es_h5_write_str_attr(g, "failed", c->failed, path, grp, err);
    es_h5_close(g);
    return st;
}

es_status es_h5_write_errors(hid_t dos, hid_t x, hid_t y, const es_dos *d, const char *path,
                             es_err *err)
{
    const char *grp = "/dos";
    es_status st = ES_OK;
    if (d->stop_reason[0])
        st = es_h5_write_str_attr(dos, "stop_reason", d->stop_reason, path, grp, err);
    if (st == ES_OK && d->log_g_err) {
        hsize_t grid[2] = {d->x_bins, d->y_bins};
        hid_t e = es_h5_write_dset(dos, "log_g_err", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 2, grid, 0,
                                   d->log_g_err, path, grp, err);
        if (e < 0)
            return ES_EIO;
        if ((st = es_h5_attach_dim(e, "log_g_err", x, 0, "x", path, grp, err)) == ES_OK &&
            (st = es_h5_attach_dim(e, "log_g_err", y, 1, "y", path, grp, err)) == ES_OK &&
            (st = es_h5_write_str_attr(e, "long_name", "statistical error of log_g", path,
                                       "/dos/log_g_err", err)) == ES_OK &&
            (st = es_h5_write_str_attr(e, "units", "nats", path, "/dos/log_g_err", err)) == ES_OK)
            st = es_h5_write_str_attr(e, "method", "t(0.975, G-1)/1.96 x sd/sqrt(G) over the G "
                                      "independent groups that reached the bin", path,
                                      "/dos/log_g_err", err);
        es_h5_close(e);
    }
    if (st == ES_OK && d->log_g_groups && d->n_groups > 0) {
        hsize_t dims[3] = {d->n_groups, d->x_bins, d->y_bins};
        hid_t e = es_h5_write_dset(dos, "log_g_groups", H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, 3, dims,
                                   0, d->log_g_groups, path, grp, err);
        if (e < 0)
            return ES_EIO;
        if ((st = es_h5_attach_dim(e, "log_g_groups", x, 1, "x", path, grp, err)) == ES_OK &&
            (st = es_h5_attach_dim(e, "log_g_groups", y, 2, "y", path, grp, err)) == ES_OK)
            st = es_h5_write_str_attr(e, "long_name", "ln g of each independent group, "
                                      "normalised over the bins all groups reached", path,
                                      "/dos/log_g_groups", err);
        es_h5_close(e);
    }
    if (st == ES_OK && d->criteria.known)
        st = write_criteria(dos, &d->criteria, path, err);
    return st;
}

es_status es_h5_read_errors(hid_t dos, es_dos *d, const char *path, es_err *err)
{
    es_status st = ES_OK;
    if (H5Aexists(dos, "stop_reason") > 0)
        st = es_h5_read_str_attr_buf(dos, "stop_reason", d->stop_reason, sizeof d->stop_reason,
                                     path, "/dos", err);
    H5Eclear2(H5E_DEFAULT);
    size_t G = 0;
    if (st == ES_OK && H5Lexists(dos, "log_g_groups", H5P_DEFAULT) > 0) {
        int rank = 0;
        hsize_t dims[H5S_MAX_RANK];
        st = es_h5_dset_shape(dos, "log_g_groups", 3, &rank, dims, path, "/dos", err);
        if (st == ES_OK && (rank != 3 || dims[1] != d->x_bins || dims[2] != d->y_bins ||
                            dims[0] == 0 || dims[0] > 4096))
            st = es_err_set(err, ES_EDATA, "%s: /dos/log_g_groups has shape %llu x %llu x %llu, "
                            "expected (groups <= 4096) x %zu x %zu", path,
                            (unsigned long long)dims[0], (unsigned long long)dims[1],
                            (unsigned long long)dims[2], d->x_bins, d->y_bins);
        G = st == ES_OK ? (size_t)dims[0] : 0;
    }
    H5Eclear2(H5E_DEFAULT);
    int have_err = H5Lexists(dos, "log_g_err", H5P_DEFAULT) > 0;
    H5Eclear2(H5E_DEFAULT);
    if (st == ES_OK && (have_err || G))
        st = es_dos_alloc_groups(d, G, err);
    hsize_t grid[2] = {d->x_bins, d->y_bins}, g3[3] = {G, d->x_bins, d->y_bins};
    if (st == ES_OK && have_err)
        st = es_h5_read_dset(dos, "log_g_err", H5T_NATIVE_DOUBLE, 2, grid, d->log_g_err, path,
                             "/dos", err);
    if (st == ES_OK && G)
        st = es_h5_read_dset(dos, "log_g_groups", H5T_NATIVE_DOUBLE, 3, g3, d->log_g_groups, path,
                             "/dos", err);
    if (st != ES_OK || H5Lexists(dos, "criteria", H5P_DEFAULT) <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return st;
    }
    const char *grp = "/dos/criteria";
    hid_t g = H5Gopen2(dos, "criteria", H5P_DEFAULT);
    if (g < 0)
        return es_h5_fail(err, ES_EDATA, path, grp, "cannot open as a group");
    es_dos_criteria *c = &d->criteria;
    for (size_t i = 0; st == ES_OK && i < N_CRIT; i++)
        st = es_h5_read_num_attr(g, crit_attrs[i].name,
                                 crit_attrs[i].u64 ? H5T_NATIVE_UINT64 : H5T_NATIVE_DOUBLE,
                                 (char *)c + crit_attrs[i].off, path, grp, err);
    if (st == ES_OK)
        st = es_h5_read_num_attr(g, "groups", H5T_NATIVE_INT, &c->groups, path, grp, err);
    if (st == ES_OK)
        st = es_h5_read_str_attr_buf(g, "failed", c->failed, sizeof c->failed, path, grp, err);
    c->known = st == ES_OK;
    es_h5_close(g);
    return st;
}
