/* blasmem.h - OpenBLAS's threads: room for their buffers, checked before the
 * first BLAS call; their count; and work of our own run on them.
 *
 * OpenBLAS maps a large buffer (128 MiB in the 0.3 releases for x86_64) for
 * each of its threads: its worker threads as they start, the calling thread
 * at its first BLAS call.  When a memory limit (ulimit -v, ulimit -d) leaves
 * no room for one, OpenBLAS retries the mapping forever at full CPU instead
 * of failing, and exit() then waits forever for the stuck worker.  So the
 * tools that use BLAS check the room first and fail cleanly. */
#ifndef DL_BLASMEM_H
#define DL_BLASMEM_H

#include <stddef.h>

#include "err.h"

#define DL_BLAS_BUFFER_BYTES (128UL << 20)

/* Sets OpenBLAS's thread count (threads > 0; 0 keeps its own choice),
 * checks that the address-space and data limits leave room for a buffer
 * for every thread that has none yet, and has the calling thread's buffer
 * mapped now, while the room is there (later BLAS calls reuse it).  With a
 * count of 1 (set here, or OpenBLAS's), the workers OpenBLAS started at
 * load are ended (dl_blas_park) once their buffers are mapped, and the
 * calling thread takes one of those: it needs the room OPENBLAS_NUM_THREADS=1
 * does, but for the buffers those workers took (or take as they start).
 * DL_ENOMEM naming the limit, the need and the remedy otherwise: `fewer`
 * says how the tool sets fewer threads ("-j 1 or OPENBLAS_NUM_THREADS=1";
 * NULL: OPENBLAS_NUM_THREADS=1).  A worker thread may then be stuck, so
 * the caller must end with _exit, not exit (cli_abandon). */
int dl_blas_reserve(long threads, const char *fewer, dl_err *e);

/* What BLAS runs the products, as one line into buf (size > 0): OpenBLAS's
 * version, the kernels it chose for this CPU and its thread count, e.g.
 * "OpenBLAS 0.3.21, kernels Haswell, 2 threads".
 * A CPU newer than the OpenBLAS release gets its generic kernels
 * (Prescott on x86_64), several times slower, unless OPENBLAS_CORETYPE
 * names others: --version says so, so that a slow machine can be told
 * from a slow tool.  "none (...)" in a tool that makes no matrix product,
 * not linked with OpenBLAS (blasrun.c's weak references). */
void dl_blas_describe(char *buf, size_t size);

/* The threads BLAS runs with now (what a run records beside its results). */
int dl_blas_threads(void);

/* Whether the cores this process may run on (its affinity: taskset, a
 * Slurm allocation) outnumber BLAS's threads: only then does a thread of
 * our own beside the products (reading ahead) not take a core from them. */
int dl_blas_core_free(void);

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
/* Whether dl_blas_park can end the workers (OpenBLAS's pthread build). */
int dl_blas_can_park(void);

/* Runs fn(arg + i * stride) for i < parts and returns when every part is
 * done: part 0 on the calling thread, the others on OpenBLAS's workers.  A
 * training step's elementwise passes (Adam, the batch's rows, a large
 * layer's activations) and dl-predict's check of its rows so share the
 * cores their products use: between products the workers spin waiting for
 * work, so a part starts at once, where a thread of our own would have to
 * take the core from a spinning worker.  parts at most dl_blas_threads();
 * fn must not call BLAS.  Without OpenBLAS's pthread build the parts run in
 * order on the calling thread. */
void dl_blas_run(void (*fn)(void *), void *arg, int parts, size_t stride);

/* Parts to split a pass over n items into for dl_blas_run: one below
 * split_min (handing a part over would cost more than it saves), else one
 * per BLAS thread, at most DL_BLAS_PARTS_MAX. */
#define DL_BLAS_PARTS_MAX 8
int dl_blas_parts(size_t n, size_t split_min);
/* Part i of `parts` over n items: [*from, *to).  Every part but the last
 * holds the same count, a multiple of align (> 0: whole cache lines, so
 * that no two threads write one), and the last the rest. */
void dl_blas_part_range(size_t n, int parts, int i, size_t align, size_t *from, size_t *to);

#endif
