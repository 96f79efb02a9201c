/* h5ckpt.c: checkpoint files. An ordinary entroscape file (root attributes, and /dos with the
 * result so far, so `entroscape info` shows progress) plus /checkpoint: every record of the
 * run's state as a dataset (names like "w0/ln_g" become groups). Written atomically through
 * es_h5_create / es_h5_commit: a crash leaves the previous checkpoint intact. */
#include "entroscape/h5io.h"
#include "h5util.h"

#include <stdlib.h>
#include <string.h>

static hid_t file_type(es_rec_type t)
{
    switch (t) {
    case ES_REC_F64: return H5T_IEEE_F64LE;
    case ES_REC_U64: return H5T_STD_U64LE;
    case ES_REC_I64: return H5T_STD_I64LE;
    default: return H5T_STD_U8LE;
    }
}

static hid_t mem_type(es_rec_type t)
{
    switch (t) {
    case ES_REC_F64: return H5T_NATIVE_DOUBLE;
    case ES_REC_U64: return H5T_NATIVE_UINT64;
    case ES_REC_I64: return H5T_NATIVE_INT64;
    default: return H5T_NATIVE_UINT8;
    }
}

/* Dataset creation properties for a record of n elements: one chunk with a Fletcher32
 * checksum, so that silent corruption is refused on reading (HDF5 verifies it in H5Dread).
 * Empty records stay contiguous (H5P_DEFAULT). -1 on failure. */
static hid_t checksummed(size_t n)
{
    if (n == 0)
        return H5Pcopy(H5P_DATASET_CREATE_DEFAULT);
    hsize_t chunk[1] = {n < ((size_t)1 << 26) ? n : ((size_t)1 << 26)}; /* < 4 GiB a chunk */
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl >= 0 && (H5Pset_chunk(dcpl, 1, chunk) < 0 || H5Pset_fletcher32(dcpl) < 0)) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

es_status es_h5_write_checkpoint(const char *path, const char *config_text, long seed,
                                 const es_records *rs, const es_dos *snapshot, es_err *err)
{
    es_h5 *h = es_h5_create(path, config_text, seed, err);
    if (!h)
        return err->status;
    es_status st = snapshot ? es_h5_write_dos(h, snapshot, err) : ES_OK;
    es_h5_quiet q = es_h5_quiet_begin();
    hid_t file = es_h5_file_id(h);
    hid_t lcpl = H5Pcreate(H5P_LINK_CREATE);
    hid_t g = -1;
    if (st == ES_OK && (lcpl < 0 || H5Pset_create_intermediate_group(lcpl, 1) < 0 ||
                        (g = H5Gcreate2(file, "checkpoint", lcpl, H5P_DEFAULT, H5P_DEFAULT)) < 0))
        st = es_h5_fail(err, ES_EIO, path, "/checkpoint", "cannot create group");
    for (size_t i = 0; st == ES_OK && i < rs->n; i++) {
        const es_record *r = &rs->r[i];
        hsize_t dims[1] = {r->count};
        hid_t space = H5Screate_simple(1, dims, NULL);
        hid_t dcpl = checksummed(r->count);
        hid_t ds = space >= 0 && dcpl >= 0 ? H5Dcreate2(g, r->name, file_type(r->type), space,
                                                        lcpl, dcpl, H5P_DEFAULT) : -1;
        es_h5_close(dcpl);
        if (ds < 0 || (r->count && H5Dwrite(ds, mem_type(r->type), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                            r->data) < 0)) {
            char obj[96];
            snprintf(obj, sizeof obj, "/checkpoint/%s", r->name);
            st = es_h5_fail(err, ES_EIO, path, obj, "cannot write dataset");
        }
        es_h5_close(ds);
        es_h5_close(space);
    }
    if (st == ES_OK)
        st = es_h5_write_num_attr(file, "checkpoint", H5T_STD_I32LE, H5T_NATIVE_INT32,
                                  &(int32_t){1}, path, "/", err);
    es_h5_close(g);
    es_h5_close(lcpl);
    es_h5_quiet_end(q);
    if (st != ES_OK) {
        es_h5_abort(h);
        return st;
    }
    return es_h5_commit(h, err);
}

/* H5Ovisit callback: load every dataset under /checkpoint into the records. */
typedef struct visit_ctx {
    es_records *rs;
    const char *path;
    es_err *err;
    es_status st;
} visit_ctx;

static herr_t visit(hid_t g, const char *name, const H5O_info_t *info, void *user)
{
    visit_ctx *v = user;
    if (info->type != H5O_TYPE_DATASET)
        return 0;
    hid_t ds = H5Dopen2(g, name, H5P_DEFAULT);
    hid_t space = ds >= 0 ? H5Dget_space(ds) : -1;
    hid_t t = ds >= 0 ? H5Dget_type(ds) : -1;
    hsize_t dims[1] = {0};
    es_rec_type rt = ES_REC_U8;
    int ok = ds >= 0 && space >= 0 && t >= 0 && H5Sget_simple_extent_ndims(space) == 1;
    if (ok) {
        H5Sget_simple_extent_dims(space, dims, NULL);
        H5T_class_t c = H5Tget_class(t);
        size_t sz = H5Tget_size(t);
        if (c == H5T_FLOAT && sz == 8)
            rt = ES_REC_F64;
        else if (c == H5T_INTEGER && sz == 8)
            rt = H5Tget_sign(t) == H5T_SGN_NONE ? ES_REC_U64 : ES_REC_I64;
        else if (c == H5T_INTEGER && sz == 1)
            rt = ES_REC_U8;
        else
            ok = 0;
    }
    void *buf = ok ? malloc(dims[0] ? dims[0] * es_rec_size(rt) : 1) : NULL;
    if (ok && (!buf || (dims[0] && H5Dread(ds, mem_type(rt), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                           buf) < 0)))
        ok = 0;
    if (ok)
        v->st = es_records_add(v->rs, name, rt, (size_t)dims[0], buf, v->err);
    else {
        char obj[96];
        snprintf(obj, sizeof obj, "/checkpoint/%s", name);
        v->st = es_h5_fail(v->err, ES_EDATA, v->path, obj, "unreadable, corrupted (checksum "
                           "mismatch) or of an unexpected type");
    }
    free(buf);
    es_h5_close(t);
    es_h5_close(space);
    es_h5_close(ds);
    return v->st == ES_OK ? 0 : -1;
}

es_status es_h5_read_checkpoint(const char *path, es_records *rs, char **config_text,
                                char **version, es_err *err)
{
    *config_text = *version = NULL;
    es_h5_quiet q = es_h5_quiet_begin();
    hid_t file = es_h5_open_entroscape(path, err);
    es_status st = file >= 0 ? ES_OK : err->status;
    if (st == ES_OK && H5Lexists(file, "checkpoint", H5P_DEFAULT) <= 0)
        st = es_err_set(err, ES_EDATA, "%s is not a checkpoint (no /checkpoint group)", path);
    if (st == ES_OK && !(*config_text = es_h5_read_str_attr(file, "config", path, "/", err)))
        st = err->status;
    if (st == ES_OK && !(*version = es_h5_read_str_attr(file, "version", path, "/", err)))
        st = err->status;
    if (st == ES_OK) {
        hid_t g = H5Gopen2(file, "checkpoint", H5P_DEFAULT);
        visit_ctx v = {rs, path, err, ES_OK};
        if (g < 0 || H5Ovisit2(g, H5_INDEX_NAME, H5_ITER_INC, visit, &v, H5O_INFO_BASIC) < 0)
            st = v.st != ES_OK ? v.st
                               : es_h5_fail(err, ES_EDATA, path, "/checkpoint", "cannot read");
        es_h5_close(g);
    }
    es_h5_close(file);
    es_h5_quiet_end(q);
    if (st != ES_OK) {
        free(*config_text);
        free(*version);
        *config_text = *version = NULL;
        es_records_clear(rs);
    }
    return st;
}

es_status es_h5_checkpoint_run_id(const char *path, uint64_t *id, es_err *err)
{
    *id = 0;
    es_h5_quiet q = es_h5_quiet_begin();
    hid_t file = es_h5_open_entroscape(path, err);
    es_status st = file >= 0 ? ES_OK : err->status;
    if (st == ES_OK && H5Lexists(file, "checkpoint", H5P_DEFAULT) <= 0)
        st = es_err_set(err, ES_EDATA, "%s is not a checkpoint (no /checkpoint group)", path);
    if (st == ES_OK && H5Lexists(file, "checkpoint/run_id", H5P_DEFAULT) > 0) {
        hid_t ds = H5Dopen2(file, "checkpoint/run_id", H5P_DEFAULT);
        hid_t space = ds >= 0 ? H5Dget_space(ds) : -1;
        if (space < 0 || H5Sget_simple_extent_npoints(space) != 1 ||
            H5Dread(ds, H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, id) < 0)
            st = es_h5_fail(err, ES_EDATA, path, "/checkpoint/run_id", "unreadable");
        es_h5_close(space);
        es_h5_close(ds);
    }
    es_h5_close(file);
    es_h5_quiet_end(q);
    return st;
}
