/* dist.h - the processes of one data-parallel run.
 *
 * A group is either one process (rank 0 of 1: every call below is a no-op,
 * and nothing MPI-related is loaded) or the processes that mpirun or srun
 * started together, reached through the MPI plugin (dist_plugin.h).
 * dd_open decides from the environment the launcher sets, so a process
 * started by hand pays nothing.  MPI failures abort the whole job with
 * MPI's own message (MPI's default error handler); a process that dies
 * makes the launcher end the others. */
#ifndef DL_DIST_H
#define DL_DIST_H

#include <stddef.h>
#include <stdint.h>

#include "dist_plugin.h"
#include "err.h"

#define DD_FINGERPRINT 8 /* values every process must agree on at start-up */

typedef struct dd_group {
    int rank, size;
    const dd_ops *ops;  /* NULL: one process */
    int agreed;         /* dd_agree has run */
    int peer_failed;    /* dd_agree: another process reported the error */
    void *shm;          /* dd_shared's memory, unmapped by dd_close */
    size_t shm_bytes;
    int local_rank, local_size; /* on this node, once dd_nodes gave 1 */
    int nodes;          /* nodes of as many processes each, then */
} dd_group;

/* One process, unless the environment says a launcher started this one
 * (OMPI_COMM_WORLD_SIZE, PMI_SIZE or SLURM_STEP_NUM_TASKS above 1, or
 * PMIX_RANK without a size: srun's one task is one process):
 * then loads the MPI plugin (DL_MPI_PLUGIN, else ../lib/dltk/mpi.so beside
 * the executable) and joins the others.  DL_EUSAGE when the plugin cannot
 * be loaded: N copies each training alone would each write the output. */
int dd_open(dd_group *g, dl_err *e);
/* Leaves the group (MPI_Finalize). */
void dd_close(dd_group *g);

/* The start-up handshake, called exactly once by every process (whatever
 * happened before): rc is this process's status so far and fp[0..n) the
 * values that must match across processes (what[i] names value i).
 * Returns the job's status: the first failing rank's code (that rank's
 * message is prefixed "rank R: "; the others get peer_failed and should
 * exit with the code quietly), else DL_EDATA naming the first rank whose
 * fingerprint differs from rank 0's, else 0. */
int dd_agree(dd_group *g, int rc, const int64_t *fp, const char *const *what, size_t n,
             dl_err *e);

/* After the handshake, an error that every process found alike (a check
 * of sums over all of them): rank 0 keeps its message, prefixed "rank 0: ",
 * the others get peer_failed, to exit with the code quietly.  Returns the
 * code. */
int dd_failed_alike(dd_group *g, dl_err *e);
/* Another process reports the job's error `code`: this one sets
 * peer_failed and an empty message, to exit with the code quietly.
 * Returns the code. */
int dd_peer_failed(dd_group *g, int code, dl_err *e);

/* In-place reductions over every process (no-ops for one process). */
void dd_sum_f64(const dd_group *g, double *buf, size_t n);
/* Blocking (n < 2^31): for a sum that nothing can overlap, where MPI's
 * blocking algorithms are the faster (half the time of a nonblocking one
 * waited for at once, for 200,960 floats between 2 processes here). */
void dd_sum_f32(const dd_group *g, float *buf, size_t n);
/* Nonblocking sum of buf[0..n) (n < 2^31) in slot (< DD_SLOTS); dd_progress
 * lets pending sums advance while the caller computes; dd_wait ends them. */
void dd_isum_f32(const dd_group *g, float *buf, size_t n, int slot);
void dd_isum_f64(const dd_group *g, double *buf, size_t n, int slot);
void dd_progress(const dd_group *g);
void dd_wait(const dd_group *g);

/* Collective (once per group): 1 on every process, with local_rank,
 * local_size and nodes set, when every node runs as many processes of the
 * group, so that each node's may share memory; 0 on every process for one
 * process, for nodes of unequal counts, or when the environment says
 * DL_MPI_SHARED=0.  DL_MPI_NODE_SIZE=k takes ranks k by k as the nodes (to
 * test several nodes on one machine). */
int dd_nodes(dd_group *g);
/* DL_EUSAGE for a DL_MPI_SHARED other than 0 or 1, or a DL_MPI_NODE_SIZE
 * that is not a positive whole number, in a group of several processes
 * (unset or empty: the default); 0 otherwise.  Before dd_nodes, so that a
 * misspelt setting is not silently the default. */
int dd_check_env(const dd_group *g, dl_err *e);
/* Collective, after dd_nodes gave 1: `bytes` of zeroed memory that the
 * processes of this node map, page-aligned and kept until dd_close; NULL,
 * on every process alike, when the memory cannot be had on some node
 * (/dev/shm full). */
void *dd_shared(dd_group *g, size_t bytes);
/* Returns once every process of this node has called it; writes to the
 * shared memory before it are seen by every process of the node after it. */
void dd_barrier(const dd_group *g);
/* Blocking, in place, over the processes of every node with this process's
 * local rank (after dd_nodes gave 1; nothing with one node). */
void dd_cross_sum_f32(const dd_group *g, float *buf, size_t n);
void dd_cross_sum_f64(const dd_group *g, double *buf, size_t n);

#endif
