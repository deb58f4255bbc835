/* Unit tests for blasmem.c: work of our own on OpenBLAS's threads, and
 * parking its idle workers. */
#include <cblas.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "unit.h"

/* A product big enough to be shared between two threads, against a loop. */
static int product_is_right(void)
{
    enum { N = 384 };
    double *a = malloc(3 * N * N * sizeof *a);
    if (!a)
        return 0;
    double *b = a + N * N, *c = b + N * N;
    for (int i = 0; i < N * N; i++) {
        a[i] = (double)(i % 7) - 3.0;
        b[i] = (double)(i % 5) - 2.0;
    }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 1.0, a, N, b, N, 0.0, c, N);
    int right = 1;
    for (int i = 0; i < N && right; i += 97)
        for (int j = 0; j < N && right; j += 89) {
            double want = 0.0;
            for (int k = 0; k < N; k++)
                want += a[i * N + k] * b[k * N + j];
            right = c[i * N + j] == want; /* small integers: exact */
        }
    free(a);
    return right;
}

/* OpenBLAS's buffers mapped in this process: anonymous, private, writable
 * mappings of their size or of a multiple of it (neighbours show as one). */
static long blas_buffers(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char line[512];
    long n = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi, inode;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) == 4 &&
            hi > lo && (hi - lo) % DL_BLAS_BUFFER_BYTES == 0 && strcmp(perms, "rw-p") == 0 &&
            inode == 0)
            n += (long)((hi - lo) / DL_BLAS_BUFFER_BYTES);
    }
    fclose(f);
    return n;
}

/* Once the room is checked, every thread's buffer is there, the calling
 * thread's included, whatever kernels this processor's BLAS picks: mapped
 * at a later product, it would find the room taken. */
static void test_reserve_maps_every_threads_buffer(void)
{
    dl_err e;
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    long have = blas_buffers();
    if (have < 0) {
        fprintf(stderr, "test_blasmem: no /proc/self/maps\n");
        return;
    }
    CHECK(have >= dl_blas_threads());
}

/* Parked, the process is down to its own thread; a count above one brings
 * the workers back, and products are still right. */
static void test_park_ends_the_workers_until_threads_are_set(void)
{
    dl_err e;
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    CHECK(dl_blas_threads() == 2);
    long with_workers = unit_threads();
    CHECK(dl_blas_park() == 0); /* two threads set: nothing to park */
    CHECK(unit_threads() == with_workers);
    CHECK(dl_blas_set_threads(1) == 2);
    int parked = dl_blas_park();
    if (parked) {
        CHECK(unit_threads_settled(1) == 1);
        CHECK(product_is_right());
        CHECK(unit_threads_settled(1) == 1); /* one thread set: the workers stay away */
        CHECK(dl_blas_set_threads(1) == 1);
        CHECK(unit_threads_settled(1) == 1); /* the same count again does not start them */
    } else {
        fprintf(stderr, "test_blasmem: this BLAS has no workers to park\n");
    }
    CHECK(dl_blas_set_threads(2) == 1);
    CHECK(unit_threads_settled(with_workers) == with_workers);
    CHECK(product_is_right());
}

typedef struct part {
    int runs;
    pthread_t thread;
    char pad[64]; /* a cache line each */
} part;

static void count_run(void *arg)
{
    part *p = arg;
    p->runs++;
    p->thread = pthread_self();
}

/* Every part runs once, on its own argument: with two threads, the second
 * on OpenBLAS's worker (its pthread build, the one that can park). */
static void test_run_runs_every_part_once(void)
{
    dl_err e;
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    dl_blas_set_threads(1);
    int pthread_build = dl_blas_park();
    for (int threads = 1; threads <= 2; threads++) {
        dl_blas_set_threads(threads);
        part parts[2];
        memset(parts, 0, sizeof parts);
        dl_blas_run(count_run, parts, threads, sizeof *parts);
        for (int i = 0; i < threads; i++)
            CHECK(parts[i].runs == 1);
        CHECK(pthread_equal(parts[0].thread, pthread_self()));
        if (threads == 1)
            CHECK(parts[1].runs == 0);
        else if (pthread_build)
            CHECK(!pthread_equal(parts[1].thread, pthread_self()));
    }
}

/* One part below the threshold, else one per thread. */
static void test_parts(void)
{
    dl_err e;
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    CHECK(dl_blas_parts(99, 100) == 1);
    CHECK(dl_blas_parts(100, 100) == 2);
    dl_blas_set_threads(1);
    CHECK(dl_blas_parts(1000, 100) == 1);
    dl_blas_set_threads(2);
}

/* The parts' ranges cover [0, n) in order, without gap or overlap; all but
 * the last start on the alignment and hold the same count. */
static void test_part_ranges_tile(void)
{
    const size_t ns[] = {0, 1, 15, 16, 17, 100, 1000, 100003};
    const size_t aligns[] = {1, 16};
    int wrong = 0;
    for (size_t a = 0; a < 2; a++)
        for (size_t j = 0; j < sizeof ns / sizeof ns[0]; j++)
            for (int parts = 1; parts <= DL_BLAS_PARTS_MAX; parts++) {
                size_t next = 0, first_count = 0;
                for (int i = 0; i < parts; i++) {
                    size_t from, to;
                    dl_blas_part_range(ns[j], parts, i, aligns[a], &from, &to);
                    wrong += from != next || to < from || from % aligns[a] != 0;
                    if (i == 0)
                        first_count = to - from;
                    else if (i < parts - 1)
                        wrong += to - from != first_count;
                    next = to;
                }
                wrong += next != ns[j];
            }
    CHECK(wrong == 0);
}

int main(void)
{
    UNIT_RUN(test_reserve_maps_every_threads_buffer); /* first: before any other product */
    UNIT_RUN(test_parts);
    UNIT_RUN(test_part_ranges_tile);
    UNIT_RUN(test_run_runs_every_part_once);
    UNIT_RUN(test_park_ends_the_workers_until_threads_are_set);
    return UNIT_DONE();
}
