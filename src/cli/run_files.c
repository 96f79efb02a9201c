/* run_files.c: the files of `entroscape run`: refuse to start over earlier work, check the
 * output and checkpoint paths before sampling, lock the output, clean stale temporaries,
 * keep a result whose final write failed, and remove only the run's own checkpoint. */
#include "cli.h"
#include "entroscape/fsutil.h"
#include "entroscape/h5io.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

es_status es_run_files_open(es_run_files *f, const char *out, const char *ckpt,
                            const char *resume, int overwrite, int quiet, es_err *err)
{
    memset(f, 0, sizeof *f);
    f->lock_fd = -1;
    f->run_id = es_fs_run_id();
    f->out = out;
    f->ckpt = ckpt;
    es_status st = es_fs_check_target(out, "-o", err);
    if (st == ES_OK)
        st = es_fs_check_target(ckpt, "output.checkpoint", err);
    if (st == ES_OK && (strcmp(out, ckpt) == 0 || es_fs_same_file(out, ckpt)))
        st = es_err_set(err, ES_EUSAGE, "-o %s and output.checkpoint %s are the same file; give "
                        "the checkpoint another name", out, ckpt);
    if (st != ES_OK)
        return st;
    if ((f->lock_fd = es_fs_lock(out, err)) < 0)
        return err->status;
    int stale = es_fs_clean_stale_tmp(out) + es_fs_clean_stale_tmp(ckpt);
    if (stale && !quiet)
        fprintf(stderr, "removed %d temporary file%s of earlier runs that were killed\n", stale,
                stale == 1 ? "" : "s");

    int out_exists = access(out, F_OK) == 0, ckpt_exists = access(ckpt, F_OK) == 0;
    int ckpt_is_resume = resume && ckpt_exists && es_fs_same_file(ckpt, resume);
    if (!overwrite && !resume && (out_exists || ckpt_exists))
        return es_err_set(err, ES_EUSAGE, "%s exists (%s): continue that run with --resume %s, or "
                          "start over with --overwrite", ckpt_exists ? ckpt : out,
                          ckpt_exists ? "the checkpoint of an earlier run" : "an earlier result",
                          ckpt);
    if (!overwrite && ckpt_exists && !ckpt_is_resume)
        return es_err_set(err, ES_EUSAGE, "%s holds another checkpoint than --resume %s; this run "
                          "would replace it: move it away, set output.checkpoint, or use "
                          "--overwrite", ckpt, resume);
    if (overwrite && ckpt_exists && !ckpt_is_resume) {
        if (unlink(ckpt) != 0)
            return es_err_set(err, ES_EIO, "--overwrite: cannot remove the old checkpoint %s",
                              ckpt);
        if (!quiet)
            fprintf(stderr, "--overwrite: removed the old checkpoint %s\n", ckpt);
    }
    return ES_OK;
}

es_status es_run_files_probe(const es_run_files *f, es_err *err)
{
    es_status st = es_fs_probe(f->out, 1 << 16, err);
    return st == ES_OK ? es_fs_probe(f->ckpt, 1 << 16, err) : st;
}

void es_run_files_remove_ckpt(const es_run_files *f, int quiet)
{
    if (access(f->ckpt, F_OK) != 0)
        return;
    uint64_t id = 0;
    es_err e = {0};
    if (es_h5_checkpoint_run_id(f->ckpt, &id, &e) == ES_OK && id == f->run_id) {
        unlink(f->ckpt);
    } else if (!quiet) {
        fprintf(stderr, "left %s in place: it was not written by this run (%s)\n", f->ckpt,
                e.status != ES_OK ? e.msg : "another run id");
    }
}

es_status es_run_files_save(const es_run_files *f, const char *config_text, long seed,
                            const es_dos *dos, es_err *err)
{
    es_status st = es_h5_save_dos(f->out, config_text, seed, dos, err);
    if (st == ES_OK)
        return ES_OK;
    /* Keep the result: beside the checkpoint (often another file system), else in $TMPDIR. */
    const char *base = strrchr(f->out, '/');
    base = base ? base + 1 : f->out;
    char *ckdir = es_fs_parent_dir(f->ckpt);
    const char *tmpdir = getenv("TMPDIR");
    const char *dirs[2] = {ckdir, tmpdir && *tmpdir ? tmpdir : "/tmp"};
    for (int k = 0; k < 2; k++) {
        if (!dirs[k])
            continue;
        char fb[ES_CFG_STR * 2 + 64];
        snprintf(fb, sizeof fb, "%s/%s.rescued-%ld.h5", dirs[k], base, (long)getpid());
        es_err e2 = {0};
        if (es_h5_save_dos(fb, config_text, seed, dos, &e2) == ES_OK) {
            char first[sizeof err->msg];
            snprintf(first, sizeof first, "%s", err->msg);
            err->status = ES_OK;
            es_err_set(err, ES_EIO, "%s; the result was saved to %s instead: move it to %s "
                       "when there is room", first, fb, f->out);
            break;
        }
    }
    free(ckdir);
    return err->status;
}

void es_run_files_close(es_run_files *f)
{
    es_fs_unlock(f->out, f->lock_fd);
    f->lock_fd = -1;
}
