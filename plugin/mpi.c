/* mpi.c - dl-train's MPI plugin: the table of lib/dist_plugin.h over MPI.
 * Built with mpicc as lib/dltk/mpi.so and loaded by lib/dist.c only when
 * the process was started by mpirun or srun.  MPI itself is process-wide
 * state, so the pending requests are too. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

#include "dist_plugin.h"

static MPI_Request pending[DD_SLOTS];
static int n_pending;
static MPI_Comm node_comm = MPI_COMM_NULL, cross_comm = MPI_COMM_NULL;

/* A process of srun --mpi=pmi2 (or pmi1) has PMI's variables but none of
 * PMIx: Open MPI, built here with PMIx alone (ompi_info lists no s1 or s2
 * component), cannot join such a launch, and its MPI_Init aborts the task
 * with pages of text instead of returning an error.  Flux's PMI, which
 * Open MPI's flux component speaks, is left to MPI_Init. */
static int unjoinable_launch(char *msg, size_t len)
{
#ifdef OPEN_MPI
    if (getenv("PMI_RANK") && !getenv("PMIX_RANK") && !getenv("OMPI_COMM_WORLD_RANK") &&
        !getenv("FLUX_URI")) {
        snprintf(msg, len, "started with PMI but not PMIx (srun --mpi=pmi2?), which this "
                 "Open MPI cannot join: give srun --mpi=pmix");
        return 1;
    }
#else
    (void)msg;
    (void)len;
#endif
    return 0;
}

static int init(int *rank, int *size, char *msg, size_t len)
{
    if (unjoinable_launch(msg, len))
        return DD_INIT_LAUNCH;
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

static void finalize(void)
{
    if (cross_comm != MPI_COMM_NULL)
        MPI_Comm_free(&cross_comm);
    if (node_comm != MPI_COMM_NULL)
        MPI_Comm_free(&node_comm);
    MPI_Finalize();
}

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

static int nodes(int *local_rank, int *local_size)
{
    int rank, k = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    const char *fake = getenv("DL_MPI_NODE_SIZE");
    if (fake && atoi(fake) > 0)
        k = atoi(fake);
    if (node_comm == MPI_COMM_NULL) {
        if (k)
            MPI_Comm_split(MPI_COMM_WORLD, rank / k, rank, &node_comm);
        else
            MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, rank, MPI_INFO_NULL,
                                &node_comm);
    }
    MPI_Comm_rank(node_comm, local_rank);
    MPI_Comm_size(node_comm, local_size);
    int most[2] = {*local_size, -*local_size}; /* the same count on every node? */
    MPI_Allreduce(MPI_IN_PLACE, most, 2, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    int uniform = most[0] == -most[1];
    if (uniform && cross_comm == MPI_COMM_NULL)
        MPI_Comm_split(MPI_COMM_WORLD, *local_rank, rank, &cross_comm);
    return uniform;
}

static void node_barrier(void) { MPI_Barrier(node_comm); }

static void node_bcast(void *buf, int bytes) { MPI_Bcast(buf, bytes, MPI_BYTE, 0, node_comm); }

static void cross_sum_f32(float *buf, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, cross_comm);
}

static void cross_sum_f64(double *buf, int n)
{
    MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_DOUBLE, MPI_SUM, cross_comm);
}

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
    .nodes = nodes,
    .node_barrier = node_barrier,
    .node_bcast = node_bcast,
    .cross_sum_f32 = cross_sum_f32,
    .cross_sum_f64 = cross_sum_f64,
};

const dd_ops *dd_plugin_ops(void);
const dd_ops *dd_plugin_ops(void) { return &ops; }
