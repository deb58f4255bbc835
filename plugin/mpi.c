/* mpi.c - dl-train's MPI plugin: the table of lib/dist_plugin.h over MPI.
 * Built with mpicc as lib/dltk/mpi.so and loaded by lib/dist.c only when
 * the process was started by mpirun or srun.  MPI itself is process-wide
 * state, so the pending requests are too. */
#include <mpi.h>
#include <stdio.h>

#include "dist_plugin.h"

static MPI_Request pending[DD_SLOTS];
static int n_pending;

static int init(int *rank, int *size, char *msg, size_t len)
{
    int provided, rc = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
    if (rc != MPI_SUCCESS) {
        int n = 0;
        char text[MPI_MAX_ERROR_STRING];
        MPI_Error_string(rc, text, &n);
        snprintf(msg, len, "MPI_Init failed: %s", text);
        return 1;
    }
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    for (int i = 0; i < DD_SLOTS; i++)
        pending[i] = MPI_REQUEST_NULL;
    return 0;
}

static void finalize(void) { MPI_Finalize(); }

static void sum_f64(double *buf, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
}

static void sum_f32(float *buf, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
}

static void max_i64(int64_t *buf, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_INT64_T, MPI_MAX, MPI_COMM_WORLD);
}

static void bcast(void *buf, int bytes, int root)
{
    MPI_Bcast(buf, bytes, MPI_BYTE, root, MPI_COMM_WORLD);
}

static void isum_f32(float *buf, int n, int slot)
{
    MPI_Iallreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD, &pending[slot]);
    if (slot >= n_pending)
        n_pending = slot + 1;
}

static void isum_f64(double *buf, int n, int slot)
{
    MPI_Iallreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD, &pending[slot]);
    if (slot >= n_pending)
        n_pending = slot + 1;
}

static void test(void)
{
    int done;
    MPI_Testall(n_pending, pending, &done, MPI_STATUSES_IGNORE);
}

static void wait_all(void)
{
    MPI_Waitall(n_pending, pending, MPI_STATUSES_IGNORE);
    n_pending = 0;
}

static int one_node(void)
{
    int size, node_size;
    MPI_Comm node;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_size(node, &node_size);
    MPI_Comm_free(&node);
    int all_here = node_size == size;
    MPI_Allreduce(MPI_IN_PLACE, &all_here, 1, MPI_INT, MPI_MIN, MPI_COMM_WORLD);
    return all_here;
}

static void barrier(void) { MPI_Barrier(MPI_COMM_WORLD); }

static const dd_ops ops = {
    .abi = DD_ABI,
    .init = init,
    .finalize = finalize,
    .sum_f64 = sum_f64,
    .sum_f32 = sum_f32,
    .max_i64 = max_i64,
    .bcast = bcast,
    .isum_f32 = isum_f32,
    .isum_f64 = isum_f64,
    .test = test,
    .wait_all = wait_all,
    .one_node = one_node,
    .barrier = barrier,
};

const dd_ops *dd_plugin_ops(void);
const dd_ops *dd_plugin_ops(void) { return &ops; }
