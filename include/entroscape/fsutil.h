/* fsutil.h: file-system safety for output files: the one atomic install (fsync + rename +
 * directory fsync) every writer uses, temporary names, lock files, stale temporaries. */
#ifndef ENTROSCAPE_FSUTIL_H
#define ENTROSCAPE_FSUTIL_H

#include "entroscape/common.h"

/* "<path>.tmp.<pid>" as a malloc'd string (NULL if out of memory): where path is written
 * before es_fs_install moves it into place. */
char *es_fs_tmp_name(const char *path);

/* fsync tmp, rename it onto path and fsync path's directory (filesystems that cannot sync
 * directories count as success). On failure before the rename tmp is removed and the file at
 * path (if any) is untouched. ES_EIO (err names path, tmp and the system error). */
es_status es_fs_install(const char *tmp, const char *path, es_err *err);

/* Write n bytes of buf to fd (retrying short writes and EINTR). ES_EIO naming path and the
 * system error (e.g. "No space left on device") on failure. */
es_status es_fs_write_all(int fd, const void *buf, size_t n, const char *path, es_err *err);

/* The directory part of path as a malloc'd string: "a/b.h5" -> "a", "b.h5" -> ".",
 * "/b.h5" -> "/". NULL if out of memory. */
char *es_fs_parent_dir(const char *path);

/* Check that path can be created or replaced: it is not a directory and its directory exists
 * and is writable. `what` names the option in the message ("-o", "output.checkpoint").
 * ES_EUSAGE (err names path, option and the reason) when not. */
es_status es_fs_check_target(const char *path, const char *what, es_err *err);

/* Write `bytes` zeros to "<path>.tmp.<pid>", fsync and remove it: whether path's place takes
 * data now (permissions, quota, free space). ES_EIO naming path and the system error. */
es_status es_fs_probe(const char *path, size_t bytes, es_err *err);

/* Remove "<path>.tmp.<pid>" files left by processes of this host that no longer exist
 * (kill -9, power loss). Returns how many were removed. */
int es_fs_clean_stale_tmp(const char *path);

/* Take an exclusive lock on "<path>.lock" (created if needed) for the life of the process or
 * until es_fs_unlock. Returns the lock's descriptor, or -1 with err set: ES_EUSAGE naming the
 * lock file and the holder's pid when another process holds it, ES_EIO when it cannot be made. */
int es_fs_lock(const char *path, es_err *err);

/* Remove the lock file of path and release the lock fd (from es_fs_lock; -1 is a no-op). */
void es_fs_unlock(const char *path, int fd);

/* 1 when a and b name the same existing file (same device and inode), else 0. */
int es_fs_same_file(const char *a, const char *b);

/* A 64-bit identity for this run: random (from /dev/urandom), else from time and pid.
 * Never 0. */
uint64_t es_fs_run_id(void);

#endif
