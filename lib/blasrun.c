/* blasrun.c - passes of our own on OpenBLAS's threads (blasmem.h).
 *
 * Apart from blasmem.c, and reaching OpenBLAS through weak references only:
 * the optimizer uses these, and the tools that compute no matrix product
 * (dl-tensor describes checkpoints, optimizer and all) must not need
 * OpenBLAS, whose threads spin on the cores their own threads use.  In
 * those tools the references stay unresolved, and every pass is one part. */
#include "blasmem.h"

#include <limits.h>
#include <stdio.h>

int openblas_get_num_threads(void) __attribute__((weak));
void openblas_set_num_threads(int threads) __attribute__((weak));
/* OpenBLAS's pthread build (not its OpenMP one) ends its workers with this
 * before a fork; they start again when a product is shared out or a thread
 * count is set. */
int blas_thread_shutdown_(void) __attribute__((weak));
char *openblas_get_config(void) __attribute__((weak));
char *openblas_get_corename(void) __attribute__((weak));

void dl_blas_describe(char *buf, size_t size)
{
    if (!openblas_get_config || !openblas_get_corename || !openblas_get_num_threads) {
        snprintf(buf, size, "none (this tool makes no matrix product)");
        return;
    }
    /* the build's options, after "OpenBLAS VERSION", end with the kernels'
     * name too, in a DYNAMIC_ARCH build: the name alone says it */
    const char *config = openblas_get_config();
    int words = 0, version = 0;
    while (config[version] && !(config[version] == ' ' && ++words == 2))
        version++;
    int threads = openblas_get_num_threads();
    snprintf(buf, size, "%.*s, kernels %s, %d thread%s", version, config,
             openblas_get_corename(), threads, threads == 1 ? "" : "s");
}

/* Without OpenBLAS: one thread, nothing to set or park (the stream reader
 * calls these in every tool). */
int dl_blas_set_threads(int threads)
{
    if (!openblas_get_num_threads || !openblas_set_num_threads)
        return 1;
    int was = openblas_get_num_threads();
    if (threads != was) /* setting any count starts parked workers again */
        openblas_set_num_threads(threads);
    return was;
}

int dl_blas_can_park(void) { return blas_thread_shutdown_ && openblas_get_num_threads; }

int dl_blas_park(void)
{
    if (!blas_thread_shutdown_ || !openblas_get_num_threads || openblas_get_num_threads() != 1)
        return 0;
    blas_thread_shutdown_();
    return 1;
}

/* OpenBLAS's pthread build: runs function(args + i * stride), i < numthreads,
 * the first on the caller's thread, the others on its workers. */
int gotoblas_pthread(int numthreads, void *function, void *args, int stride)
    __attribute__((weak));

int dl_blas_parts(size_t n, size_t split_min)
{
    int parts = n < split_min || !openblas_get_num_threads ? 1 : openblas_get_num_threads();
    return parts < 1 ? 1 : parts > DL_BLAS_PARTS_MAX ? DL_BLAS_PARTS_MAX : parts;
}

void dl_blas_part_range(size_t n, int parts, int i, size_t align, size_t *from, size_t *to)
{
    size_t each = n / (size_t)parts / align * align;
    *from = (size_t)i * each;
    *to = i == parts - 1 ? n : *from + each;
}

void dl_blas_run(void (*fn)(void *), void *arg, int parts, size_t stride)
{
    if (parts > 1 && gotoblas_pthread && stride <= INT_MAX) {
        gotoblas_pthread(parts, (void *)fn, arg, (int)stride);
        return;
    }
    for (int i = 0; i < parts; i++)
        fn((char *)arg + (size_t)i * stride);
}
