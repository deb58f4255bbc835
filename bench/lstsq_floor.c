/* lstsq_floor - the least time a least-squares fit of a tall design can take.
 *
 *   lstsq_floor ROWS COLS
 *
 * A fit by QR or SVD of a ROWS x COLS design (the bias, the basis columns
 * and y beside them) cannot do less than factor it once, Householder QR's
 * 2 n^2 (m - n/3) flops: dl-lstsq folds its rows into R so, and numpy's
 * lstsq (LAPACK gelsd) starts with LAPACK's QR (dgeqrf) when the design is
 * tall.  With this process's BLAS threads, best of 5 each, prints
 *   "dgemm_gflops P qr_floor_s F dgeqrf_s Q"
 * P: dgemm on 1024^3, the most the flops can run at; F: the QR's flops at
 * P, the floor of either side; Q: the wall seconds of LAPACK's dgeqrf on
 * such a matrix in memory (column-major, as LAPACK works: no copy; uniform
 * in [-1, 1), a fixed seed), which numpy's fit spends at least. */
#include <cblas.h>
#include <lapacke.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double clock_s(clockid_t id)
{
    struct timespec t;
    clock_gettime(id, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* Best GFLOP/s of dgemm on 1024^3, of 5. */
static double dgemm_gflops(void)
{
    enum { N = 1024 };
    double *a = calloc(3 * (size_t)N * N, sizeof *a), best = 0;
    if (!a)
        return 0;
    for (size_t i = 0; i < 2 * (size_t)N * N; i++)
        a[i] = (double)(i % 13) * 0.01;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = clock_s(CLOCK_MONOTONIC);
        cblas_dgemm(CblasColMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N,
                    a + (size_t)N * N, N, 0.0, a + 2 * (size_t)N * N, N);
        double g = 2.0 * N * N * N / (clock_s(CLOCK_MONOTONIC) - t0) / 1e9;
        best = g > best ? g : best;
    }
    free(a);
    return best;
}

int main(int argc, char **argv)
{
    long m = argc == 3 ? atol(argv[1]) : 0, n = argc == 3 ? atol(argv[2]) : 0;
    if (m < 1 || n < 1 || n > m) {
        fprintf(stderr, "usage: lstsq_floor ROWS COLS (COLS <= ROWS)\n");
        return 2;
    }
    size_t count = (size_t)m * (size_t)n;
    double *a = malloc(count * sizeof *a), *work = malloc(count * sizeof *work);
    double *tau = malloc((size_t)n * sizeof *tau);
    if (!a || !work || !tau) {
        fprintf(stderr, "lstsq_floor: out of memory\n");
        return 4;
    }
    unsigned long long s = 88172645463325252ULL; /* xorshift64 */
    for (size_t i = 0; i < count; i++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17;
        a[i] = (double)(s >> 11) * 0x1p-52 - 1.0;
    }
    double wall = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        memcpy(work, a, count * sizeof *a);
        double w0 = clock_s(CLOCK_MONOTONIC);
        if (LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (int)m, (int)n, work, (int)m, tau) != 0) {
            fprintf(stderr, "lstsq_floor: dgeqrf failed\n");
            return 5;
        }
        double dw = clock_s(CLOCK_MONOTONIC) - w0;
        wall = dw < wall ? dw : wall;
    }
    double flops = 2.0 * (double)n * (double)n * ((double)m - (double)n / 3.0);
    double peak = dgemm_gflops();
    printf("dgemm_gflops %.1f qr_floor_s %.4f dgeqrf_s %.4f\n", peak, flops / (peak * 1e9),
           wall);
    free(a), free(work), free(tau);
    return 0;
}
