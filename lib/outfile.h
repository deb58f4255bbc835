/* outfile.h - atomic output files, shared by every tool that writes -o FILE.
 *
 * A regular (or new) file is written as a temporary beside it and renamed
 * into place on commit, so a failed run never leaves a partial file.  An
 * existing device or FIFO (/dev/null, a named pipe) is written in place:
 * renaming a temporary over it would replace the device itself. */
#ifndef DL_OUTFILE_H
#define DL_OUTFILE_H

#include "err.h"

typedef struct dl_outfile {
    int fd;      /* open for writing; the caller closes it (or fdopen's FILE) */
    char *path;  /* where the caller writes: the temporary, or the target in place */
    char *final; /* the target when path is a temporary, else NULL */
} dl_outfile;

/* Opens path for writing; the file gets mode 0666 & ~umask. */
int dl_outfile_open(dl_outfile *o, const char *path, dl_err *e);
/* After the caller closed the fd: moves the temporary into place. */
int dl_outfile_commit(dl_outfile *o, dl_err *e);
/* After the caller closed the fd: removes the temporary.  Safe on a zeroed o. */
void dl_outfile_abort(dl_outfile *o);

#endif
