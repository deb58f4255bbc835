/* blasmem.h - room for OpenBLAS's buffers, checked before the first BLAS call.
 *
 * OpenBLAS maps a large buffer (128 MiB in the 0.3 releases for x86_64) for
 * each of its threads: its worker threads as they start, the calling thread
 * at its first BLAS call.  When a memory limit (ulimit -v, ulimit -d) leaves
 * no room for one, OpenBLAS retries the mapping forever at full CPU instead
 * of failing, and exit() then waits forever for the stuck worker.  So the
 * tools that use BLAS check the room first and fail cleanly. */
#ifndef DL_BLASMEM_H
#define DL_BLASMEM_H

#include "err.h"

#define DL_BLAS_BUFFER_BYTES (128UL << 20)

/* Sets OpenBLAS's thread count (threads > 0; 0 keeps its own choice),
 * checks that the address-space and data limits leave room for a buffer
 * for every thread that has none yet, and has the calling thread's buffer
 * mapped now, while the room is there (later BLAS calls reuse it).
 * DL_ENOMEM naming the limit and the need otherwise; a worker thread may
 * then be stuck, so the caller must end with _exit, not exit (cli_abandon). */
int dl_blas_reserve(long threads, dl_err *e);

/* The threads BLAS runs with now (what a run records beside its results). */
int dl_blas_threads(void);

/* Sets BLAS's thread count (threads > 0, at most what dl_blas_reserve made
 * room for) and returns the count it had, to restore after a stretch of
 * products too small to share out. */
int dl_blas_set_threads(int threads);

/* With one BLAS thread set, ends OpenBLAS's idle workers until a count
 * above one is set again; 1 if it did.  An idle worker waits for work spinning on
 * sched_yield for 2^28 cycles (OPENBLAS_THREAD_TIMEOUT; about 0.1 s) before
 * it sleeps, from its start when the library is loaded and after each
 * shared product: a core that a stretch of one-thread products (dl-lstsq's
 * QR folds) does not use, taken from the other tools of the pipeline.
 * Nothing with another BLAS or OpenBLAS's OpenMP build. */
int dl_blas_park(void);

#endif
