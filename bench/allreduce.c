/* allreduce.c - the blocking MPI_Allreduce of N floats (in place, sum) that
 * one data-parallel step of dl-train would cost without overlap: the
 * median of REPS calls, printed by rank 0 as "allreduce_ms X".  Built by
 * bench/mpi_scaling.sh with mpicc; not part of the build. */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int n = argc > 1 ? atoi(argv[1]) : 235146, reps = 200, rank;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    float *buf = calloc((size_t)n, sizeof *buf);
    double *ms = calloc((size_t)reps, sizeof *ms);
    if (!buf || !ms)
        MPI_Abort(MPI_COMM_WORLD, 4);
    for (int i = 0; i < reps + 20; i++) {
        MPI_Barrier(MPI_COMM_WORLD);
        double start = MPI_Wtime();
        MPI_Allreduce(MPI_IN_PLACE, buf, n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (i >= 20)
            ms[i - 20] = 1e3 * (MPI_Wtime() - start);
    }
    qsort(ms, (size_t)reps, sizeof *ms, cmp);
    if (rank == 0)
        printf("allreduce_ms %.4f\n", ms[reps / 2]);
    free(buf);
    free(ms);
    MPI_Finalize();
    return 0;
}
