/* train_run.c - dl-train's run around tr_train: its inputs read (a share
 * of the rows in a data-parallel run), its outputs checked before any
 * work and committed together at the end. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blasmem.h"
#include "outfile.h"
#include "shard.h"
#include "sig.h"
#include "stream.h"
#include "train.h"

/* The whole set, or in a data-parallel run this process's share of its
 * rows.  One process reads large raw records in parts on BLAS's threads,
 * idle till training starts (st_read_set_shared: parked instead from a
 * deflated record on).  A process of several parks BLAS's idle workers:
 * from the library's load they spin for about 0.1 s, on the core where
 * deflated records are inflated beside this thread. */
static int read_rows(const dd_group *g, const char *path, dl_tensor_set *set, sh_share *share,
                     dl_err *e)
{
    if (g->size == 1)
        return st_read_set_shared(path, set, e);
    int had = dl_blas_set_threads(1);
    dl_blas_park();
    int rc = sh_read(path, g->rank, g->size, set, share, e);
    dl_blas_set_threads(had);
    return rc;
}

/* A --log or --diagnostics file: written during the run to its temporary
 * beside it, which can be followed (a run killed by SIGKILL leaves it, the
 * curve so far), and moved into place with the checkpoint. */
/* A --log or --diagnostics file that could not be made is refused before
 * the data is read, as the checkpoint is; its temporary is made after. */
static int check_text(const char *path, dl_err *e)
{
    int in_place;
    return path ? dl_outfile_check(path, &in_place, e) : 0;
}

static int open_text(const char *path, dl_outfile *o, FILE **f, dl_err *e)
{
    return path ? dl_outfile_fopen(o, path, f, e) : 0;
}

/* Closes a --log or --diagnostics file of a finished run, for committing
 * with the checkpoint. */
static int close_text(dl_outfile *o, FILE **f, dl_err *e)
{
    FILE *open = *f;
    *f = NULL;
    return open ? dl_outfile_fclose_pending(o, open, e) : 0;
}

/* Writes the checkpoint and commits it with the --log and --diagnostics
 * files as one output: all of them appear, or none. */
static int commit_outputs(tr_session *r, dl_err *e)
{
    dl_outfile *texts[2];
    size_t n = 0;
    if (r->log)
        texts[n++] = &r->log_file;
    if (r->diag)
        texts[n++] = &r->diag_file;
    st_writer *w = r->out;
    r->out = NULL;
    if (st_write_set(w, &r->ckpt, e) || close_text(&r->log_file, &r->log, e) ||
        close_text(&r->diag_file, &r->diag, e)) {
        st_writer_abort(w);
        while (n-- > 0)
            dl_outfile_abort(texts[n]);
        return e->code;
    }
    return st_writer_close_with(&w, 1, texts, n, e);
}

/* A path as messages name it: "-" is standard input; NULL stays NULL. */
static const char *stdin_label(const char *path)
{
    return path && strcmp(path, "-") == 0 ? "<stdin>" : path;
}

int tr_session_run(tr_session *r, const tr_files *f, dl_err *e)
{
    const char *val_path = r->spec.val_file[0] ? r->spec.val_file : NULL; /* or --val's */
    /* Rank 0 alone writes; the others only train. */
    int writes = r->group.rank == 0;
    /* Checked first, so that a terminal or a directory where no temporary
     * can be made is refused before any reading or work.  A checkpoint
     * renamed into place gets its temporary only when it is written
     * (ST_LATE): a rank 0 killed while training (mpirun's SIGKILL when a
     * peer died and the deferred stop cannot end its step) leaves nothing
     * behind; what writing it needs is allocated before training. */
    int in_place = 1;
    /* mpirun gives each process's standard output a terminal that it
     * forwards, whatever its own is: the launcher's redirection cannot help */
    int to_stdout = !f->output || strcmp(f->output, "-") == 0;
    if (writes && r->group.size > 1 && to_stdout && isatty(STDOUT_FILENO))
        return dl_fail(e, DL_EUSAGE, "standard output is a terminal, as a launcher such as "
                       "mpirun makes it even when its own output is redirected: give the "
                       "checkpoint as -o FILE");
    if (writes && ((!to_stdout && dl_outfile_check(f->output, &in_place, e)) ||
                   st_writer_open(&r->out, f->output,
                                  (f->zlib ? ST_ZLIB : 0) | (in_place ? 0 : ST_LATE), e) ||
                   check_text(f->log, e) || check_text(f->diag, e)))
        return e->code;
    if (read_rows(&r->group, f->data, &r->data, &r->data_share, e) ||
        (val_path && read_rows(&r->group, val_path, &r->val, &r->val_share, e)) ||
        (f->resume && st_read_checkpoint(f->resume, &r->resume, NULL, e)) ||
        (f->init_from && st_read_checkpoint(f->init_from, &r->init_from, NULL, e)) ||
        (writes && (open_text(f->log, &r->log_file, &r->log, e) ||
                    open_text(f->diag, &r->diag_file, &r->diag, e))))
        return e->code;
    tr_opts c = {
        .spec = &r->spec,
        .data_label = stdin_label(f->data ? f->data : "-"),
        .val_label = stdin_label(val_path),
        .progress = f->quiet || !writes ? NULL : stderr,
        .progress_bar = !f->quiet && writes && isatty(STDERR_FILENO),
        .notes = writes ? stderr : NULL,
        .tool = f->tool,
        .log = r->log,
        .diagnostics = r->diag,
        /* from here to the end, a first signal asks for the best checkpoint (also of a
         * launcher that stops the other ranks); a second one still ends the run at once */
        .stop = sig_defer(),
        .resume = f->resume ? &r->resume : NULL,
        .init_from = f->init_from ? &r->init_from : NULL,
        .ckpt_label = stdin_label(f->resume ? f->resume : f->init_from),
        .version = f->version,
        .out = r->out,
        .group = &r->group,
        .data_share = r->group.size > 1 ? &r->data_share : NULL,
        .val_share = r->group.size > 1 && val_path ? &r->val_share : NULL,
    };
    int rc = tr_train(&c, &r->data, val_path ? &r->val : NULL, &r->ckpt, e);
    /* a stop before any epoch leaves no checkpoint to write */
    if ((rc && rc != DL_ENUM && rc != DL_EINTR) || !writes || !r->ckpt.count)
        return rc;
    dl_err we;
    dl_err_clear(&we);
    if (commit_outputs(r, &we)) {
        *e = we;
        return we.code;
    }
    return rc;
}

void tr_session_init(tr_session *s)
{
    memset(s, 0, sizeof *s);
    dl_set_init(&s->data);
    dl_set_init(&s->val);
    dl_set_init(&s->resume);
    dl_set_init(&s->init_from);
    dl_set_init(&s->ckpt);
}

void tr_session_free(tr_session *s)
{
    st_writer_abort(s->out);
    s->out = NULL;
    if (s->log) /* a run that failed: its logs go with its checkpoint */
        dl_outfile_fclose(&s->log_file, s->log, 0, NULL);
    if (s->diag)
        dl_outfile_fclose(&s->diag_file, s->diag, 0, NULL);
    s->log = s->diag = NULL;
    dl_set_free(&s->data);
    dl_set_free(&s->val);
    dl_set_free(&s->resume);
    dl_set_free(&s->init_from);
    dl_set_free(&s->ckpt);
}
