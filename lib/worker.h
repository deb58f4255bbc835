/* worker.h - a thread that runs one job at a time beside its caller.
 *
 * The caller hands the worker a job, does its own share meanwhile, and
 * waits for the worker's before it touches what that job touches: two
 * cores on one task without a pool.  The thread starts with the signals
 * blocked (sig_thread_create), so a signal is handled where it would be
 * without it.  Where no thread can be had, wk_start says so and the caller
 * does every job itself, in the same order: the results are the same.
 *
 * Nor is one started under a memory limit (ulimit -v or -d): a thread's
 * stack and the malloc arena it gets take tens of MB of address space,
 * which the room dl_blas_reserve found for BLAS's buffers would then lack,
 * and OpenBLAS waits forever for a buffer it cannot map. */
#ifndef DL_WORKER_H
#define DL_WORKER_H

typedef struct wk_worker wk_worker;

/* A worker with its thread running, or NULL when none could be had. */
wk_worker *wk_start(void);
/* *w, started (wk_start) the first time it is asked for, *tried set then;
 * NULL when none could be had.  For a worker only some inputs need. */
wk_worker *wk_start_once(wk_worker **w, int *tried);
/* Hands run(arg) to w (not NULL) and returns at once.  One job at a time:
 * the one before must have been waited for.  arg is the job's until
 * wk_wait returns. */
void wk_run(wk_worker *w, void (*run)(void *), void *arg);
/* Returns once w's job, if any, is done (its writes visible here).  NULL
 * is ok. */
void wk_wait(wk_worker *w);
/* Waits for the job, ends the thread and frees w.  NULL is ok. */
void wk_stop(wk_worker *w);

#endif
