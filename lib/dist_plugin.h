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

#define DD_ABI 3
#define DD_SLOTS 16 /* nonblocking reductions in flight at once */

typedef struct dd_ops {
    int abi;
    /* MPI_Init: the rank and size of the world; 0, or non-zero with msg set. */
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
    /* Collective: 1 on every process when all of them run on this node
     * (they can share memory), else 0 on every process. */
    int (*one_node)(void);
    /* Returns once every process has called it. */
    void (*barrier)(void);
} dd_ops;

typedef const dd_ops *(*dd_plugin_fn)(void);

#endif
