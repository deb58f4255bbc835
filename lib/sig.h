/* sig.h - what a signal does to a dl tool.
 *
 * SIGINT, SIGTERM, SIGHUP and SIGPIPE end a tool with status 6 (DL_EINTR)
 * and one line "tool: interrupted by SIGTERM", after removing the temporary
 * files it was writing (outfile registers them here), killing a child that
 * may still be writing one, and ending the streams it was writing in place
 * with the abandoned mark (stream registers them here).  A long job
 * (dl-train) may defer: then the first SIGINT/SIGTERM/SIGHUP only sets a
 * flag its loop reads, and a second one ends the process at once, whatever
 * it is doing.  SIGXFSZ is ignored: a write over the file-size limit
 * (ulimit -f) fails with EFBIG, an I/O error reported and cleaned up as
 * any other.
 *
 * This module holds the one piece of global mutable state in lib/: a
 * handler cannot be given arguments, so what it must clean up lives in a
 * static table.  The table is changed only with the signals blocked in the
 * changing thread and under a spin lock that the handler also takes (it may
 * run in a BLAS thread), so the handler never sees a half-changed entry. */
#ifndef DL_SIG_H
#define DL_SIG_H

#include <pthread.h>
#include <signal.h>
#include <sys/types.h>

#include "err.h"

#define SIG_TEMPORARIES 16 /* live temporaries at once: outputs, backups */
#define SIG_STREAMS 4      /* streams written in place at once */

/* Installs the handlers; tool names the process in the handler's line. */
void sig_install(const char *tool);
/* The name given to sig_install ("dl" before). */
const char *sig_tool(void);

/* From now on the first SIGINT/SIGTERM/SIGHUP sets the returned flag (and
 * nothing else); a second one, or SIGPIPE, ends the process as above. */
volatile sig_atomic_t *sig_defer(void);

/* The tool has decided its exit status and said what it had to say: from
 * now on a signal removes the temporaries and ends the process with that
 * status, silently.  An MPI launcher sends SIGTERM to the processes still
 * finishing when one has exited non-zero; they have nothing left to add. */
void sig_settle(int status);

/* A temporary file the handler removes.  path must stay valid until
 * released.  DL_ENOMEM when SIG_TEMPORARIES are live. */
int sig_hold_temporary(const char *path, dl_err *e);
void sig_release_temporary(const char *path);
/* Creates the file of the mkstemp template path (completing it in place)
 * and holds it as above, in one step: the table's lock is held from before
 * the file exists until it is listed, so a signal handled meanwhile, in
 * whichever thread, waits for the listing and removes the file (created
 * first and held after, a file made in that gap would be left behind).
 * *fd is open for reading and writing.  DL_ENOMEM when SIG_TEMPORARIES are
 * live, DL_EIO ("cannot create a temporary file: why") when mkstemp fails. */
int sig_create_temporary(char *path, int *fd, dl_err *e);
/* An output stream written in place (a pipe, standard output, a FIFO) that
 * bytes have gone out to: the handler ends it with `mark`, len bytes (the
 * abandoned mark of dl-stream(5)), when fd takes them without waiting, so
 * that the next program of a pipeline fails on it too instead of taking the
 * records before it for the whole stream.  mark stays valid until released;
 * release before closing fd.  Not held when SIG_STREAMS are. */
void sig_hold_stream(int fd, const unsigned char *mark, size_t len);
void sig_release_stream(int fd);
/* A child process the handler kills and reaps before it removes the
 * temporaries; 0 for none. */
void sig_hold_child(pid_t pid);

/* Blocks the handled signals in this thread (around a fork, so that a
 * child is registered before a signal can act); *old restores them. */
void sig_block(sigset_t *old);
void sig_unblock(const sigset_t *old);

/* pthread_create with every signal blocked in the new thread, so that the
 * handlers run on the threads that were there before, as in a program
 * without it: every thread of our own starts this way.  The signals of a
 * fault (SIGBUS, SIGSEGV, SIGFPE, SIGILL) are the exception: raised by the
 * faulting thread itself, blocked they would end the process without any
 * handler.  0, or pthread_create's error. */
int sig_thread_create(pthread_t *thread, void *(*run)(void *), void *arg);

#endif
