/* outfile.h - atomic output files, shared by every tool that writes a file
 * it is named (-o FILE, --log, --diagnostics, plots, exports).
 *
 * The rule, the same for every such file:
 *  - A new file, an existing regular file, or a symbolic link is written as
 *    a temporary ".NAME.XXXXXX" beside it (NAME cut short when the whole
 *    would be longer than a name may be) and renamed over it on commit, so
 *    a failed run never leaves a partial file, and a symbolic link is
 *    replaced by the new file: its target is never written.
 *  - A replaced regular file keeps its permission bits (and its owner and
 *    group where the system allows); a new file gets 0666 & ~umask.
 *  - An existing device or FIFO (/dev/null, a named pipe), or a descriptor
 *    alias such as /dev/stdout or /dev/fd/N, is written in place: renaming
 *    a temporary over it would replace the device or link itself.
 *  - A failed command removes only the temporaries it created; it never
 *    unlinks a path it was given.
 *  - An output complete only at the end of a long run may be checked and
 *    prepared at its start and made at its end (dl_outfile_check,
 *    dl_outfile_prepare), so that a process killed meanwhile, which removes
 *    nothing, leaves nothing behind, and making it allocates nothing. */
#ifndef DL_OUTFILE_H
#define DL_OUTFILE_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

typedef struct dl_outfile {
    int fd;       /* open for writing; the caller closes it (or fdopen's FILE) */
    char *path;   /* where the caller writes: the temporary, or the target in place */
    char *final;  /* the target when path is a temporary, else NULL */
    char *backup; /* with a temporary: where a commit keeps the file it replaces */
    int unmade;   /* dl_outfile_prepare'd: the temporary is not made yet */
} dl_outfile;

/* Whether paths a and b name one directory entry that a commit would
 * replace (./x and x, d/../d/x and d/x): two outputs of one command there
 * would leave only the last; or one pipe, FIFO or file that both write in
 * place (NULL is standard output, which /dev/stdout and /dev/fd/1 name
 * too), where one output would run on into the other.  A character device
 * (/dev/null) takes several outputs. */
int dl_outfile_same(const char *a, const char *b);
/* Whether writing output (NULL or "-": standard output) would replace or write
 * into the file that input names (NULL or "-": standard input): one
 * regular file, by device and inode, whatever path, symbolic or hard link
 * leads to it.  A command that read a file and replaced it would lose it
 * (a checkpoint replaced by its predictions); one appending to the file it
 * reads would never reach its end.  Devices, pipes and FIFOs are not files
 * that a run replaces. */
int dl_outfile_is_input(const char *output, const char *input);
/* The rule for every tool, checked before any work: DL_EUSAGE
 * "OUT_WHAT 'output' is IN_WHAT 'input': ..." when dl_outfile_is_input,
 * naming standard output and input as such; else 0. */
int dl_outfile_not_input(const char *out_what, const char *output, const char *in_what,
                         const char *input, dl_err *e);
/* Opens path for writing by the rule above. */
int dl_outfile_open(dl_outfile *o, const char *path, dl_err *e);
/* dl_outfile_open in two steps, for an output made only when it is written
 * (a checkpoint at the end of a long run, see dl_outfile_check): prepare
 * allocates everything the file will need (its names) and opens a path
 * written in place, which creates nothing; create then makes the
 * temporary (fd -1 until then), allocating nothing, so that a run which
 * could do its work can also write it.  create on an open file does
 * nothing; abort removes only a temporary that was made. */
int dl_outfile_prepare(dl_outfile *o, const char *path, dl_err *e);
int dl_outfile_create(dl_outfile *o, dl_err *e);
/* After the caller closed the fd: moves the temporary into place. */
int dl_outfile_commit(dl_outfile *o, dl_err *e);
/* Commits n outfiles (fds closed) as one output: if a rename fails, the
 * files already renamed get their previous contents back (or are removed
 * again when there was none), so every path is as it was.  Entries written
 * in place, or zeroed, are skipped.  Every entry is finished either way.
 * Two or more renames are made holding an exclusive flock(2) on each
 * directory they go into, taken sorted by device and inode, so that two
 * processes committing groups there at once leave one group's files, not
 * some of each; a directory that cannot be opened for reading or locked
 * (NFS, ENOLCK) is renamed into unlocked.  The wait for the locks is with
 * the signals as they were; then the handled signals wait, in the calling
 * thread, until the files are all in place or all back: a signal ends the
 * process after, never between. */
int dl_outfile_commit_all(dl_outfile *const *o, size_t n, dl_err *e);
/* After the caller closed the fd: removes the temporary.  Safe on a zeroed o. */
void dl_outfile_abort(dl_outfile *o);

/* An anonymous temporary file, for output held back until it is known
 * whole (standard output, a device) or input read more than once: made in
 * $TMPDIR (else /tmp) and unlinked at once, so it goes with its descriptor
 * whatever happens, a signal while it is made included.  what names its
 * contents in the error. */
int dl_outfile_temp(int *fd, const char *what, dl_err *e);
/* The directory dl_outfile_temp makes its files in, for messages about them. */
const char *dl_outfile_temp_dir(void);

/* For an output opened only when it is complete (a checkpoint written at
 * the end of a long run), so that a process killed meanwhile (SIGKILL,
 * which removes nothing) leaves nothing behind: *in_place 1 when path is
 * written in place (a device, a FIFO, a descriptor alias: open it now,
 * which creates nothing), else a temporary is made beside path and removed
 * at once, so that a directory where none can be made fails now, with
 * dl_outfile_open's message, before any work. */
int dl_outfile_check(const char *path, int *in_place, dl_err *e);

/* An output's name, refused when empty (-o "", a variable left unset):
 * DL_EIO "an output file's name is empty", as every opening of one says;
 * for a tool that checks more of the name (its extension) first. */
int dl_outfile_named(const char *path, dl_err *e);

/* An output that goes to descriptor fd (standard output), checked before
 * any work, as a name of it (/dev/stdout) is when opened: fd closed, or
 * open for reading only (a standard output closed when the tool started
 * holds /dev/null so, cli_start), is DL_EIO "LABEL: not open for writing:
 * Bad file descriptor", which writing would say only at the end of the
 * work.  A pipe whose reader has not read yet is open for writing. */
int dl_outfile_check_fd(int fd, const char *label, dl_err *e);

/* Writes all n bytes of data to o->fd: a failed write is the error
 * (DL_EIO, naming the target), never a silently shorter file. */
int dl_outfile_write(const dl_outfile *o, const void *data, size_t n, dl_err *e);
/* Closes o->fd; commits the file when keep is set and the close succeeded,
 * else removes the temporary.  A failed close is the error (DL_EIO); e may
 * be NULL when keep is 0. */
int dl_outfile_close(dl_outfile *o, int keep, dl_err *e);

/* dl_outfile_open with a stdio stream on the fd. */
int dl_outfile_fopen(dl_outfile *o, const char *path, FILE **f, dl_err *e);
/* Closes f; commits the file when keep is set and every write succeeded,
 * else removes the temporary.  A failed write is the error (DL_EIO); e may
 * be NULL when keep is 0. */
int dl_outfile_fclose(dl_outfile *o, FILE *f, int keep, dl_err *e);
/* Closes f without committing, so that the file can be committed with
 * others (dl_outfile_commit_all).  A failed write is the error (DL_EIO),
 * and then the temporary is removed. */
int dl_outfile_fclose_pending(dl_outfile *o, FILE *f, dl_err *e);

#endif
