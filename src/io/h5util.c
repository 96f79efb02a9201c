/* h5util.c: HDF5 helpers shared by src/io: quiet error handling, attributes, small datasets,
 * and opening a file as an entroscape file. */
#include "h5util.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Contracts of the functions below are in h5util.h. */

es_h5_quiet es_h5_quiet_begin(void)
{
    es_h5_quiet q = {NULL, NULL};
    H5Eget_auto2(H5E_DEFAULT, &q.func, &q.data);
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    return q;
}

void es_h5_quiet_end(es_h5_quiet q)
{
    H5Eclear2(H5E_DEFAULT);
    H5Eset_auto2(H5E_DEFAULT, q.func, q.data);
}

/* Walk callback: keep the first (most specific, walking upward) description. */
static herr_t detail_cb(unsigned n, const H5E_error2_t *e, void *client)
{
    char **out = client;
    if (n == 0 && e->desc && e->desc[0])
        *out = strdup(e->desc);
    return 0;
}

const char *es_h5_error_detail(char *buf, size_t size)
{
    char *desc = NULL;
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, detail_cb, &desc);
    snprintf(buf, size, "%s", desc ? desc : "no details");
    free(desc);
    H5Eclear2(H5E_DEFAULT);
    return buf;
}

es_status es_h5_fail(es_err *err, es_status status, const char *path, const char *object,
                     const char *what)
{
    char detail[256];
    es_h5_error_detail(detail, sizeof detail);
    return es_err_set(err, status, "%s: %s: %s (HDF5: %s)", path, object, what, detail);
}

void es_h5_close(hid_t id)
{
    if (id < 0)
        return;
    switch (H5Iget_type(id)) {
    case H5I_FILE: H5Fclose(id); break;
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    default: break;
    }
}

hid_t es_h5_fapl(void)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && H5Pset_fclose_degree(fapl, H5F_CLOSE_STRONG) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

hid_t es_h5_gcpl(void)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
    if (gcpl >= 0 && (H5Pset_link_creation_order(gcpl, order) < 0 ||
                      H5Pset_attr_creation_order(gcpl, order) < 0)) {
        H5Pclose(gcpl);
        return -1;
    }
    return gcpl;
}

hid_t es_h5_str_type(void)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    if (t >= 0 && (H5Tset_size(t, H5T_VARIABLE) < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)) {
        H5Tclose(t);
        return -1;
    }
    return t;
}

es_status es_h5_write_str_attr(hid_t loc, const char *name, const char *value,
                               const char *path, const char *object, es_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "cannot write attribute '%s'", name);
    hid_t type = es_h5_str_type();
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = (type >= 0 && space >= 0) ? H5Acreate2(loc, name, type, space, H5P_DEFAULT,
                                                       H5P_DEFAULT) : -1;
    es_status st = ES_OK;
    if (attr < 0 || H5Awrite(attr, type, &value) < 0)
        st = es_h5_fail(err, ES_EIO, path, object, what);
    es_h5_close(attr);
    es_h5_close(space);
    es_h5_close(type);
    return st;
}

es_status es_h5_write_num_attr(hid_t loc, const char *name, hid_t file_type, hid_t mem_type,
                               const void *value, const char *path, const char *object,
                               es_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "cannot write attribute '%s'", name);
    hid_t space = H5Screate(H5S_SCALAR);
    hid_t attr = space >= 0 ? H5Acreate2(loc, name, file_type, space, H5P_DEFAULT, H5P_DEFAULT)
                            : -1;
    es_status st = ES_OK;
    if (attr < 0 || H5Awrite(attr, mem_type, value) < 0)
        st = es_h5_fail(err, ES_EIO, path, object, what);
    es_h5_close(attr);
    es_h5_close(space);
    return st;
}

/* Open attribute `name` of loc after checking it exists and holds exactly one element.
 * On success *ftype is its stored type (caller closes both). -1 with err set otherwise. */
static hid_t open_single_attr(hid_t loc, const char *name, hid_t *ftype, const char *path,
                              const char *object, es_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "cannot read attribute '%s'", name);
    htri_t ex = H5Aexists(loc, name);
    if (ex < 0) {
        es_h5_fail(err, ES_EIO, path, object, what);
        return -1;
    }
    if (ex == 0) {
        es_err_set(err, ES_EDATA, "%s: %s has no attribute '%s'", path, object, name);
        return -1;
    }
    hid_t attr = H5Aopen(loc, name, H5P_DEFAULT);
    hid_t space = attr >= 0 ? H5Aget_space(attr) : -1;
    *ftype = attr >= 0 ? H5Aget_type(attr) : -1;
    if (attr < 0 || space < 0 || *ftype < 0) {
        es_h5_fail(err, ES_EIO, path, object, what);
        es_h5_close(space);
        es_h5_close(*ftype);
        es_h5_close(attr);
        return -1;
    }
    hssize_t npoints = H5Sget_simple_extent_npoints(space);
    es_h5_close(space);
    if (npoints != 1) {
        es_err_set(err, ES_EDATA, "%s: %s: attribute '%s' holds %lld values, expected one",
                   path, object, name, (long long)npoints);
        es_h5_close(*ftype);
        es_h5_close(attr);
        return -1;
    }
    return attr;
}

char *es_h5_read_str_attr(hid_t loc, const char *name, const char *path, const char *object,
                          es_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "cannot read attribute '%s'", name);
    hid_t ftype = -1;
    hid_t attr = open_single_attr(loc, name, &ftype, path, object, err);
    if (attr < 0)
        return NULL;
    char *out = NULL;
    hid_t mtype = -1;
    if (H5Tget_class(ftype) != H5T_STRING) {
        es_err_set(err, ES_EDATA, "%s: %s: attribute '%s' is not a string", path, object, name);
    } else if (H5Tis_variable_str(ftype) > 0) {
        char *s = NULL;
        mtype = H5Tcopy(H5T_C_S1);
        if (mtype < 0 || H5Tset_size(mtype, H5T_VARIABLE) < 0 ||
            H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0 || H5Aread(attr, mtype, &s) < 0) {
            es_h5_fail(err, ES_EIO, path, object, what);
        } else {
            out = strdup(s ? s : "");
            if (!out)
                es_err_set(err, ES_ENOMEM, "out of memory reading attribute '%s'", name);
        }
        if (s)
            H5free_memory(s);
    } else {
        size_t size = H5Tget_size(ftype);   /* fixed length: read with room for a NUL */
        out = es_calloc(size + 1, 1, "string attribute", err);
        mtype = H5Tcopy(H5T_C_S1);
        if (out && (mtype < 0 || H5Tset_size(mtype, size + 1) < 0 ||
                    H5Tset_strpad(mtype, H5T_STR_NULLTERM) < 0 ||
                    H5Tset_cset(mtype, H5Tget_cset(ftype)) < 0 || H5Aread(attr, mtype, out) < 0)) {
            es_h5_fail(err, ES_EIO, path, object, what);
            free(out);
            out = NULL;
        }
        if (out)
            out[size] = '\0';
    }
    es_h5_close(mtype);
    es_h5_close(ftype);
    es_h5_close(attr);
    return out;
}

es_status es_h5_read_str_attr_buf(hid_t loc, const char *name, char *buf, size_t size,
                                  const char *path, const char *object, es_err *err)
{
    es_err sub = {0};
    char *s = es_h5_read_str_attr(loc, name, path, object, &sub);
    if (!s)
        return es_err_set(err, sub.status, "%s", sub.msg);
    size_t len = strlen(s);
    es_status st = ES_OK;
    if (len >= size)
        st = es_err_set(err, ES_EDATA, "%s: %s: attribute '%s' is too long (%zu bytes, at most "
                        "%zu)", path, object, name, len, size - 1);
    else
        memcpy(buf, s, len + 1);
    free(s);
    return st;
}

es_status es_h5_read_num_attr(hid_t loc, const char *name, hid_t mem_type, void *value,
                              const char *path, const char *object, es_err *err)
{
    char what[128];
    snprintf(what, sizeof what, "cannot read attribute '%s'", name);
    hid_t ftype = -1;
    es_err sub = {0};
    hid_t attr = open_single_attr(loc, name, &ftype, path, object, &sub);
    if (attr < 0)
        return es_err_set(err, sub.status, "%s", sub.msg);
    es_status st = ES_OK;
    H5T_class_t cls = H5Tget_class(ftype);
    if (cls != H5T_INTEGER && cls != H5T_FLOAT)
        st = es_err_set(err, ES_EDATA, "%s: %s: attribute '%s' is not a number", path, object,
                        name);
    else if (H5Aread(attr, mem_type, value) < 0)
        st = es_h5_fail(err, ES_EIO, path, object, what);
    es_h5_close(ftype);
    es_h5_close(attr);
    return st;
}

const char *es_h5_shape_str(int rank, const hsize_t *dims, char *buf, size_t size)
{
    size_t used = 0;
    used += (size_t)snprintf(buf, size, "(");
    for (int k = 0; k < rank && used < size; k++)
        used += (size_t)snprintf(buf + used, size - used, "%s%llu", k ? ", " : "",
                                 (unsigned long long)dims[k]);
    if (used < size)
        snprintf(buf + used, size - used, rank == 1 ? ",)" : ")");
    return buf;
}

es_status es_h5_dset_shape(hid_t loc, const char *name, int max_rank, int *rank,
                           hsize_t *dims, const char *path, const char *group, es_err *err)
{
    char object[160];
    snprintf(object, sizeof object, "%s/%s", group, name);
    htri_t ex = H5Lexists(loc, name, H5P_DEFAULT);
    if (ex <= 0) {
        H5Eclear2(H5E_DEFAULT);
        return es_err_set(err, ES_EDATA, "%s: dataset %s is missing", path, object);
    }
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t space = dset >= 0 ? H5Dget_space(dset) : -1;
    int r = space >= 0 ? H5Sget_simple_extent_ndims(space) : -1;
    es_status st = ES_OK;
    if (r < 0)
        st = es_h5_fail(err, ES_EDATA, path, object, "cannot open as a dataset");
    else if (r > max_rank)
        st = es_err_set(err, ES_EDATA, "%s: dataset %s has %d dimensions, expected at most %d",
                        path, object, r, max_rank);
    else {
        H5Sget_simple_extent_dims(space, dims, NULL);
        *rank = r;
    }
    es_h5_close(space);
    es_h5_close(dset);
    return st;
}

es_status es_h5_read_dset(hid_t loc, const char *name, hid_t mem_type, int rank,
                          const hsize_t *dims, void *buf, const char *path, const char *group,
                          es_err *err)
{
    char object[160];
    snprintf(object, sizeof object, "%s/%s", group, name);
    int got_rank = 0;
    hsize_t got[H5S_MAX_RANK];
    es_status st = es_h5_dset_shape(loc, name, H5S_MAX_RANK, &got_rank, got, path, group, err);
    if (st != ES_OK)
        return st;
    int same = got_rank == rank;
    for (int k = 0; same && k < rank; k++)
        same = got[k] == dims[k];
    if (!same) {
        char want_s[96], got_s[96];
        return es_err_set(err, ES_EDATA, "%s: dataset %s has shape %s, expected %s", path, object,
                          es_h5_shape_str(got_rank, got, got_s, sizeof got_s),
                          es_h5_shape_str(rank, dims, want_s, sizeof want_s));
    }
    hsize_t n = 1;
    for (int k = 0; k < rank; k++)
        n *= dims[k];
    if (n == 0)
        return ES_OK;   /* nothing to read (an empty convergence history) */
    hid_t dset = H5Dopen2(loc, name, H5P_DEFAULT);
    if (dset < 0 || H5Dread(dset, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        st = es_h5_fail(err, ES_EIO, path, object, "cannot read");
    es_h5_close(dset);
    return st;
}

hid_t es_h5_open_entroscape(const char *path, es_err *err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        es_err_set(err, ES_EIO, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(sb.st_mode)) {
        es_err_set(err, ES_EIO, "cannot open %s: it is a directory", path);
        return -1;
    }
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        es_err_set(err, ES_EIO, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    close(fd);
#if H5_VERSION_GE(1, 12, 0)
    htri_t is_h5 = H5Fis_accessible(path, H5P_DEFAULT);
#else
    htri_t is_h5 = H5Fis_hdf5(path);
#endif
    if (is_h5 == 0) {
        H5Eclear2(H5E_DEFAULT);
        es_err_set(err, ES_EDATA, "%s is not an entroscape file (not an HDF5 file)", path);
        return -1;
    }
    if (is_h5 < 0) {
        es_h5_fail(err, ES_EIO, path, "/", "cannot check the file format");
        return -1;
    }
    hid_t fapl = es_h5_fapl();
    hid_t file = fapl >= 0 ? H5Fopen(path, H5F_ACC_RDONLY, fapl) : -1;
    if (file < 0) {
        es_h5_fail(err, ES_EIO, path, "/", "cannot open the HDF5 file");
        es_h5_close(fapl);
        return -1;
    }
    es_h5_close(fapl);
    htri_t has = H5Aexists(file, "program");
    if (has <= 0) {
        H5Eclear2(H5E_DEFAULT);
        es_err_set(err, ES_EDATA, "%s is not an entroscape file (no root attribute 'program')",
                   path);
        H5Fclose(file);
        return -1;
    }
    es_err sub = {0};
    char *program = es_h5_read_str_attr(file, "program", path, "/", &sub);
    if (!program || strcmp(program, "entroscape") != 0) {
        if (program)
            es_err_set(err, ES_EDATA, "%s is not an entroscape file (root attribute program = "
                       "\"%.100s\")", path, program);
        else
            es_err_set(err, ES_EDATA, "%s is not an entroscape file (%s)", path, sub.msg);
        free(program);
        H5Fclose(file);
        return -1;
    }
    free(program);
    return file;
}
