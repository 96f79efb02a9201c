/* fsutil.c: atomic install of written files, lock files, stale temporaries, run identity. */
#include "entroscape/fsutil.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

char *es_fs_tmp_name(const char *path)
{
    size_t n = strlen(path) + 32;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%s.tmp.%ld", path, (long)getpid());
    return t;
}

es_status es_fs_write_all(int fd, const void *buf, size_t n, const char *path, es_err *err)
{
    const char *p = buf;
    while (n > 0) {
        ssize_t put = write(fd, p, n);
        if (put < 0 && errno == EINTR)
            continue;
        if (put <= 0)
            return es_err_set(err, ES_EIO, "cannot write %s: %s", path,
                              put < 0 ? strerror(errno) : "short write");
        p += put;
        n -= (size_t)put;
    }
    return ES_OK;
}

char *es_fs_parent_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    if (slash == path)
        return strdup("/");
    return strndup(path, (size_t)(slash - path));
}

/* fsync the file or directory at path: 0, or -1 with errno set. Directories that cannot be
 * synced (EINVAL, ENOTSUP) count as synced. */
static int sync_path(const char *path, int directory)
{
    int fd = open(path, directory ? (O_RDONLY | O_DIRECTORY) : O_RDWR);
    if (fd < 0)
        return -1;
    int rc = fsync(fd), e = errno;
    close(fd);
    if (rc != 0 && directory && (e == EINVAL || e == ENOTSUP))
        rc = 0;
    errno = e;
    return rc;
}

es_status es_fs_install(const char *tmp, const char *path, es_err *err)
{
    es_status st = ES_OK;
    if (sync_path(tmp, 0) != 0)
        st = es_err_set(err, ES_EIO, "cannot write %s: fsync of the temporary file %s failed: %s",
                        path, tmp, strerror(errno));
    if (st == ES_OK && rename(tmp, path) != 0)
        st = es_err_set(err, ES_EIO, "cannot write %s: renaming %s onto it failed: %s", path, tmp,
                        strerror(errno));
    if (st != ES_OK) {
        unlink(tmp);
        return st;
    }
    char *dir = es_fs_parent_dir(path);
    if (!dir || sync_path(dir, 1) != 0)
        st = es_err_set(err, ES_EIO, "%s was written but its directory could not be synced: %s",
                        path, dir ? strerror(errno) : "out of memory");
    free(dir);
    return st;
}

es_status es_fs_check_target(const char *path, const char *what, es_err *err)
{
    struct stat sb;
    if (!path || !path[0])
        return es_err_set(err, ES_EUSAGE, "%s: no file name given", what);
    if (stat(path, &sb) == 0 && S_ISDIR(sb.st_mode))
        return es_err_set(err, ES_EUSAGE, "%s %s: is a directory; give a file name, e.g. "
                          "%s/out.h5", what, path, path);
    char *dir = es_fs_parent_dir(path);
    if (!dir)
        return es_err_set(err, ES_ENOMEM, "out of memory checking %s", path);
    es_status st = ES_OK;
    if (stat(dir, &sb) != 0 || !S_ISDIR(sb.st_mode))
        st = es_err_set(err, ES_EUSAGE, "%s %s: directory %s does not exist", what, path, dir);
    else if (access(dir, W_OK | X_OK) != 0)
        st = es_err_set(err, ES_EUSAGE, "%s %s: directory %s is not writable (%s)", what, path,
                        dir, strerror(errno));
    free(dir);
    return st;
}

es_status es_fs_probe(const char *path, size_t bytes, es_err *err)
{
    char *tmp = es_fs_tmp_name(path);
    void *zero = calloc(bytes ? bytes : 1, 1);
    int fd = tmp ? open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644) : -1;
    es_status st = ES_OK;
    if (!tmp || !zero)
        st = es_err_set(err, ES_ENOMEM, "out of memory checking %s", path);
    else if (fd < 0)
        st = es_err_set(err, ES_EIO, "cannot create %s: cannot create %s: %s", path, tmp,
                        strerror(errno));
    else if ((st = es_fs_write_all(fd, zero, bytes, tmp, err)) == ES_OK && fsync(fd) != 0)
        st = es_err_set(err, ES_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (fd >= 0)
        close(fd);
    if (tmp)
        unlink(tmp);
    free(tmp);
    free(zero);
    return st;
}

int es_fs_clean_stale_tmp(const char *path)
{
    char *dir = es_fs_parent_dir(path);
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    DIR *d = dir ? opendir(dir) : NULL;
    int removed = 0;
    size_t blen = strlen(base);
    for (struct dirent *e; d && (e = readdir(d));) {
        const char *n = e->d_name;
        if (strncmp(n, base, blen) != 0 || strncmp(n + blen, ".tmp.", 5) != 0)
            continue;
        char *end;
        long pid = strtol(n + blen + 5, &end, 10);
        if (*end || pid <= 0 || pid == (long)getpid())
            continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH)
            continue; /* alive (or not ours to judge) */
        size_t len = strlen(dir) + strlen(n) + 2;
        char *full = malloc(len);
        if (full) {
            snprintf(full, len, "%s/%s", dir, n);
            removed += unlink(full) == 0;
            free(full);
        }
    }
    if (d)
        closedir(d);
    free(dir);
    return removed;
}

/* "<path>.lock", malloc'd. */
static char *lock_name(const char *path)
{
    size_t n = strlen(path) + 8;
    char *l = malloc(n);
    if (l)
        snprintf(l, n, "%s.lock", path);
    return l;
}

int es_fs_lock(const char *path, es_err *err)
{
    char *name = lock_name(path);
    if (!name) {
        es_err_set(err, ES_ENOMEM, "out of memory locking %s", path);
        return -1;
    }
    /* Retry when the file we locked was removed by its previous owner meanwhile. */
    for (int attempt = 0; attempt < 10; attempt++) {
        int fd = open(name, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0) {
            es_err_set(err, ES_EIO, "cannot create the lock file %s: %s", name, strerror(errno));
            break;
        }
        struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
        if (fcntl(fd, F_SETLK, &fl) != 0) {
            int e = errno;
            struct flock who = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
            long pid = fcntl(fd, F_GETLK, &who) == 0 && who.l_type != F_UNLCK ? who.l_pid : 0;
            close(fd);
            if (e == EACCES || e == EAGAIN) {
                char by[48] = "";
                if (pid > 0)
                    snprintf(by, sizeof by, " (pid %ld)", pid);
                es_err_set(err, ES_EUSAGE, "another entroscape run%s is writing %s (lock file "
                           "%s); wait for it to end or choose another -o", by, path, name);
            } else {
                es_err_set(err, ES_EIO, "cannot lock %s: %s", name, strerror(e));
            }
            break;
        }
        struct stat a, b;
        if (fstat(fd, &a) == 0 && stat(name, &b) == 0 && a.st_dev == b.st_dev &&
            a.st_ino == b.st_ino) {
            char buf[32];
            int len = snprintf(buf, sizeof buf, "%ld\n", (long)getpid());
            if (ftruncate(fd, 0) == 0 && write(fd, buf, (size_t)len) < 0) { /* informative only */ }
            free(name);
            return fd;
        }
        close(fd); /* unlinked under us by the previous owner: take the new one */
    }
    if (err && err->status == ES_OK)
        es_err_set(err, ES_EIO, "cannot lock %s: the lock file keeps changing", name);
    free(name);
    return -1;
}

void es_fs_unlock(const char *path, int fd)
{
    if (fd < 0)
        return;
    char *name = lock_name(path);
    if (name)
        unlink(name); /* still held: a waiting process re-checks the inode and retries */
    free(name);
    close(fd);
}

int es_fs_same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

uint64_t es_fs_run_id(void)
{
    uint64_t id = 0;
    int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (read(fd, &id, sizeof id) != (ssize_t)sizeof id)
            id = 0;
        close(fd);
    }
    if (id == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        id = ((uint64_t)ts.tv_sec << 32) ^ (uint64_t)ts.tv_nsec ^ ((uint64_t)getpid() << 16);
    }
    return id ? id : 1;
}
