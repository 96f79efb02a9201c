/* h5util.h: helpers shared by the HDF5 files of src/io (not a public header): silencing
 * HDF5's error printer, turning its error stack into es_err messages, and reading and
 * writing attributes and small datasets. Every helper names the file and the object in
 * its error messages; `path` is the file name shown to the user. */
#ifndef ENTROSCAPE_H5UTIL_H
#define ENTROSCAPE_H5UTIL_H

#include "entroscape/common.h"
#include "entroscape/h5io.h"

#include <hdf5.h>
#include <stddef.h>

/* HDF5's automatic error printing, saved by es_h5_quiet_begin and restored by
 * es_h5_quiet_end. Each public es_h5_ function brackets its HDF5 calls with the pair, so
 * nothing is printed to stderr and the caller's own setting survives. (The setting is
 * per thread in thread-safe HDF5 builds and global otherwise; entroscape writes files from
 * one thread only.) */
typedef struct es_h5_quiet {
    H5E_auto2_t func;
    void *data;
} es_h5_quiet;

es_h5_quiet es_h5_quiet_begin(void);
void es_h5_quiet_end(es_h5_quiet q);

/* Copy the most specific message on HDF5's current error stack (e.g. "file signature not
 * found") into buf, or "no details" if the stack is empty; clears the stack. Returns buf. */
const char *es_h5_error_detail(char *buf, size_t size);

/* Set err (status) to "<path>: <object>: <what> (HDF5: <detail>)". Returns status. */
es_status es_h5_fail(es_err *err, es_status status, const char *path, const char *object,
                     const char *what);

/* Close an HDF5 identifier of any kind if it is valid (>= 0). Returns nothing: used on
 * error paths and at the end of functions whose results are already known. */
void es_h5_close(hid_t id);

/* File access property list with the strong close degree (closing the file closes every
 * object still open in it). -1 on failure. */
hid_t es_h5_fapl(void);

/* Group creation property list tracking and indexing link and attribute creation order
 * (what netCDF-4 expects). -1 on failure. */
hid_t es_h5_gcpl(void);

/* Variable-length UTF-8 string type (what h5py and h5netcdf read as str). -1 on failure;
 * the caller closes it. */
hid_t es_h5_str_type(void);

/* Write a scalar variable-length UTF-8 string attribute `name` = value on loc.
 * `object` names loc in messages (e.g. "/dos"). ES_OK, or ES_EIO with err set. */
es_status es_h5_write_str_attr(hid_t loc, const char *name, const char *value,
                               const char *path, const char *object, es_err *err);

/* Write a scalar numeric attribute: file_type is the stored type (H5T_STD_U64LE, ...),
 * mem_type describes *value (H5T_NATIVE_...). ES_OK, or ES_EIO with err set. */
es_status es_h5_write_num_attr(hid_t loc, const char *name, hid_t file_type, hid_t mem_type,
                               const void *value, const char *path, const char *object,
                               es_err *err);

/* Read the string attribute `name` of loc (variable-length or fixed-length, scalar or one
 * element) into a malloc'd string. NULL with err set if absent (ES_EDATA, "has no attribute"),
 * not a string (ES_EDATA) or unreadable (ES_EIO). */
char *es_h5_read_str_attr(hid_t loc, const char *name, const char *path, const char *object,
                          es_err *err);

/* Read the string attribute into buf[size]; ES_EDATA if it does not fit. */
es_status es_h5_read_str_attr_buf(hid_t loc, const char *name, char *buf, size_t size,
                                  const char *path, const char *object, es_err *err);

/* Read a scalar (or one-element) numeric attribute converted to mem_type into *value.
 * ES_OK, ES_EDATA if absent or not a single number, ES_EIO if unreadable. */
es_status es_h5_read_num_attr(hid_t loc, const char *name, hid_t mem_type, void *value,
                              const char *path, const char *object, es_err *err);

/* Shape of dataset `name` under loc: *rank and dims[0..rank-1] (rank <= max_rank).
 * ES_OK, or ES_EDATA (missing, or rank above max_rank) with err set. `group` names loc in
 * messages ("/dos"). */
es_status es_h5_dset_shape(hid_t loc, const char *name, int max_rank, int *rank,
                           hsize_t *dims, const char *path, const char *group, es_err *err);

/* Read all of dataset `name` under loc, converted to mem_type, into buf after checking
 * that its shape is exactly dims[0..rank-1]. ES_OK; ES_EDATA naming the dataset and both
 * shapes if missing or misshapen; ES_EIO if unreadable. */
es_status es_h5_read_dset(hid_t loc, const char *name, hid_t mem_type, int rank,
                          const hsize_t *dims, void *buf, const char *path, const char *group,
                          es_err *err);

/* Format a shape as "(3, 4)" into buf. Returns buf. */
const char *es_h5_shape_str(int rank, const hsize_t *dims, char *buf, size_t size);

/* Open `path` read-only and check that it is an entroscape file (root attribute
 * program = "entroscape"). Returns the file id, or -1 with err set: ES_EIO if it does not
 * exist or cannot be read, ES_EDATA "<path> is not an entroscape file (...)" if it is not
 * HDF5 or lacks the attribute. Call inside es_h5_quiet_begin/end. */
hid_t es_h5_open_entroscape(const char *path, es_err *err);

/* Read the /dos group of an open entroscape file (see es_h5_read_dos). */
es_dos *es_h5_read_dos_file(hid_t file, const char *path, es_err *err);

/* The HDF5 file id of a file being written, for other src/io writers that add groups
 * (e.g. /sgd) before es_h5_commit. Valid until commit or abort. */
hid_t es_h5_file_id(es_h5 *h);

/* Create dataset `name` under loc, stored as file_type with shape dims[rank], and write buf
 * (mem_type; may be NULL when the shape holds no element). extendable: unlimited maximum
 * size along every dimension with chunked storage. Returns the open dataset, or -1 with err
 * set (ES_EIO, naming path and group/name). */
hid_t es_h5_write_dset(hid_t loc, const char *name, hid_t file_type, hid_t mem_type, int rank,
                       const hsize_t *dims, int extendable, const void *buf, const char *path,
                       const char *group, es_err *err);

/* Make dset a dimension scale called name (with a long_name attribute). */
es_status es_h5_make_scale(hid_t dset, const char *name, const char *long_name,
                           const char *path, const char *group, es_err *err);

/* Attach scale to dimension idx of dset and label that dimension. */
es_status es_h5_attach_dim(hid_t dset, const char *dset_name, hid_t scale, unsigned idx,
                           const char *label, const char *path, const char *group, es_err *err);

/* /dos/windows: replica-exchange diagnostics of d (nothing when d->n_windows == 0). */
es_status es_h5_write_windows(hid_t dos, const es_dos *d, const char *path, es_err *err);
/* /dos/log_g_err, /dos/log_g_groups (dimensions x and y attached), /dos/criteria and the
 * stop_reason attribute (h5errors.c); each only when d has it. Reading leaves absent ones
 * as they are (d->criteria.known = 0). */
es_status es_h5_write_errors(hid_t dos, hid_t x, hid_t y, const es_dos *d, const char *path,
                             es_err *err);
es_status es_h5_read_errors(hid_t dos, es_dos *d, const char *path, es_err *err);
es_status es_h5_read_windows(hid_t dos, es_dos *d, const char *path, es_err *err);

/* Write the image of the in-memory (core driver) HDF5 file `file` to fd, the temporary tmp
 * standing for path, and close fd. ES_EIO (err names path and the system error). */
es_status es_h5_image_to_fd(hid_t file, int fd, const char *path, const char *tmp, es_err *err);

#endif
