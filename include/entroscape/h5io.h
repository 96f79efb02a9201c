/* h5io.h: entroscape's HDF5 files. Written to a temporary file in the target's directory,
 * fsync'ed and renamed into place, so a reader never sees a half-written file.
 * Layout (names are a contract with users' scripts, see README):
 *   /            attrs program="entroscape", version, created (ISO 8601), config (INI text), seed
 *   /dos/log_g        float64 (x_bins, y_bins)    dims x, y
 *   /dos/histogram    uint64  (x_bins, y_bins)    dims x, y
 *   /dos/x, /dos/y    float64 bin centres: dimension scales "x", "y"
 *   /dos/x_edges      float64 (x_bins+1), /dos/y_edges (y_bins+1): their own scales
 *   /dos/convergence/{sweeps,ln_f,flatness,seconds}  (stage)
 *   /dos/convergence/stage  int64 0..n-1: dimension scale "stage" (may have length 0)
 *   /dos attrs x_variable, y_variable, method, ln_f, flatness, sweeps, moves, walkers,
 *              converged, ln_volume
 * Strings are variable-length UTF-8; log_g/histogram carry long_name and dimension labels,
 * so h5py, xarray (engine h5netcdf or netcdf4) see named dimensions x, y, x_edges, stage. */
#ifndef ENTROSCAPE_H5IO_H
#define ENTROSCAPE_H5IO_H

#include "entroscape/common.h"
#include "entroscape/dos.h"
#include "entroscape/records.h"
#include <stdio.h>

typedef struct es_h5 es_h5;   /* an output file being written */

/* Start writing `path` (through a temporary file beside it) and write the root attributes.
 * config_text may be NULL. NULL (err set, ES_EIO) on failure. */
es_h5 *es_h5_create(const char *path, const char *config_text, long seed, es_err *err);

/* Write the /dos group. ES_EIO (err names file and object) on failure; after a failed
 * write es_h5_commit refuses the file, so the caller should abort. */
es_status es_h5_write_dos(es_h5 *h, const es_dos *d, es_err *err);

/* Close, fsync and rename into place; frees h whatever the outcome. */
es_status es_h5_commit(es_h5 *h, es_err *err);

/* Close and delete the temporary file; frees h. Safe on NULL. */
void es_h5_abort(es_h5 *h);

/* The whole of a result file in one call: es_h5_create, es_h5_write_dos, es_h5_commit (the
 * temporary is removed on failure). */
es_status es_h5_save_dos(const char *path, const char *config_text, long seed, const es_dos *d,
                         es_err *err);

/* Read /dos from a file written by es_h5_write_dos. NULL (err set) on failure:
 * ES_EIO if unreadable, ES_EDATA if it is not an entroscape file or /dos is malformed. */
es_dos *es_h5_read_dos(const char *path, es_err *err);

/* Whether the entroscape file at path has the root-level group name (e.g. "dos", "sgd"):
 * 1 yes, 0 no, -1 when the file cannot be opened as an entroscape file (err set). */
int es_h5_has_group(const char *path, const char *name, es_err *err);

/* Read a string attribute of the root group (e.g. "config", "version") into a malloc'd
 * string; NULL (err set) if absent. */
char *es_h5_read_root_attr(const char *path, const char *name, es_err *err);

/* Print a readable summary of an entroscape file (root attributes and each group it knows)
 * to f: what `entroscape info` shows. */
es_status es_h5_print_info(const char *path, FILE *f, es_err *err);

/* Write a checkpoint atomically: root attributes (program, version, created, config, seed,
 * checkpoint = 1), /dos from snapshot (the result so far; may be NULL) and /checkpoint with
 * one dataset per record, each with a Fletcher32 checksum. ES_EIO (err set) on failure; an older file at path stays intact. */
es_status es_h5_write_checkpoint(const char *path, const char *config_text, long seed,
                                 const es_records *rs, const es_dos *snapshot, es_err *err);

/* Read a checkpoint's records (appended to rs), its effective config text and the version
 * that wrote it (both malloc'd). ES_EIO unreadable; ES_EDATA not an entroscape checkpoint,
 * a dataset of an unexpected type or failing its checksum. Nothing is returned on failure. */
es_status es_h5_read_checkpoint(const char *path, es_records *rs, char **config_text,
                                char **version, es_err *err);

/* The identity of the run that wrote the checkpoint at path (its /checkpoint/run_id record)
 * into *id; 0 for checkpoints without one. ES_EIO / ES_EDATA (err set) when path is not a
 * readable checkpoint. */
es_status es_h5_checkpoint_run_id(const char *path, uint64_t *id, es_err *err);

#endif
