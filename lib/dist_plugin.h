/* dist_plugin.h - the table of MPI calls that dl-train's MPI plugin exports.
 *
 * The plugin (plugin/mpi.c, built with mpicc into lib/dltk/mpi.so) is the
 * only code that includes mpi.h or links libmpi; lib/dist.c loads it with
 * dlopen when the process was started by mpirun or srun, so that the tools
 * build and run without MPI.  The plugin exports one symbol,
 * `dd_plugin_ops`, returning this table.  Bump DD_ABI on any change. */
#ifndef DL_DIST_PLUGIN_H
#define DL_DIST_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#define DD_ABI 4
#define DD_INIT_LAUNCH 2 /* init: a launch this MPI cannot join */
#define DD_SLOTS 16 /* nonblocking reductions in flight at once */

typedef struct dd_ops {
    int abi;
    /* MPI_Init: the rank and size of the world; 0, or non-zero with msg set:
     * DD_INIT_LAUNCH for a launch this MPI cannot join (checked before
     * MPI_Init, which would abort), else 1. */
    int (*init)(int *rank, int *size, char *msg, size_t len);
    void (*finalize)(void);
    /* Blocking, in place, over every process: sums, maxima, rank root's bytes. */
    void (*sum_f64)(double *buf, int n);
    void (*sum_f32)(float *buf, int n);
    void (*max_i64)(int64_t *buf, int n);
    void (*bcast)(void *buf, int bytes, int root);
    /* Starts an in-place sum of buf[0..n) in slot (< DD_SLOTS); test lets
     * pending reductions advance; wait_all completes every started one. */
    void (*isum_f32)(float *buf, int n, int slot);
    void (*isum_f64)(double *buf, int n, int slot);
    void (*test)(void);
    void (*wait_all)(void);
    /* Collective: groups the processes by node (those that can share
     * memory; DL_MPI_NODE_SIZE=k groups ranks k by k instead, to test the
     * layout of several nodes on one machine) and sets this process's rank
     * and the count on its node.  1, on every process, when every node has
     * as many processes; else 0. */
    int (*nodes)(int *local_rank, int *local_size);
    /* Among the processes of this process's node (after nodes): a barrier,
     * and a broadcast of local rank 0's bytes. */
    void (*node_barrier)(void);
    void (*node_bcast)(void *buf, int bytes);
    /* Blocking, in place, among the processes of every node with this
     * process's local rank (after nodes returned 1). */
    void (*cross_sum_f32)(float *buf, int n);
    void (*cross_sum_f64)(double *buf, int n);
} dd_ops;

typedef const dd_ops *(*dd_plugin_fn)(void);

#endif
