#define _GNU_SOURCE /* sched_getaffinity, CPU_COUNT */
#include "blasmem.h"

#include <cblas.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

/* What the process has mapped, from /proc/self/maps: in all (the address
 * space), privately writable (what RLIMIT_DATA counts), and how many BLAS
 * buffers there are (anonymous read-write mappings of the size, or of a
 * multiple of it: the kernel shows neighbours as one mapping). */
typedef struct mapped {
    uint64_t total, data;
    long buffers;
} mapped;

static int read_maps(mapped *m)
{
    memset(m, 0, sizeof *m);
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) > 0) {
        unsigned long lo, hi, inode;
        char perms[8];
        if (sscanf(line, "%lx-%lx %7s %*s %*s %lu", &lo, &hi, perms, &inode) != 4 || hi < lo)
            continue;
        m->total += hi - lo;
        if (perms[1] == 'w' && perms[3] == 'p' && !strstr(line, "[stack]"))
            m->data += hi - lo;
        /* buffers mapped side by side show as one mapping */
        if (hi - lo >= DL_BLAS_BUFFER_BYTES && (hi - lo) % DL_BLAS_BUFFER_BYTES == 0 &&
            strncmp(perms, "rw-p", 4) == 0 && inode == 0)
            m->buffers += (long)((hi - lo) / DL_BLAS_BUFFER_BYTES);
    }
    free(line);
    fclose(f);
    return 0;
}

/* The process's threads: the caller and OpenBLAS's workers. */
static long thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f)
        return -1;
    char line[256];
    long n = -1;
    while (fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %ld", &n) == 1)
            break;
    fclose(f);
    return n;
}

/* threads: those that need the buffers (several: fewer would need less,
 * which `fewer` sets); started: the workers OpenBLAS started at load for a
 * count of its own, when a count of 1 set since cannot spare their room. */
static int check_limit(int resource, const char *name, uint64_t used, uint64_t need, long threads,
                       long started, const char *fewer, dl_err *e)
{
    struct rlimit rl;
    if (getrlimit(resource, &rl) != 0 || rl.rlim_cur == RLIM_INFINITY ||
        used + need <= (uint64_t)rl.rlim_cur)
        return 0;
    char who[96], remedy[128];
    if (started)
        snprintf(who, sizeof who, "the %ld worker thread%s OpenBLAS started when loaded need%s",
                 started, started == 1 ? "" : "s", started == 1 ? "s" : "");
    else
        snprintf(who, sizeof who, "%ld thread%s need%s", threads, threads == 1 ? "" : "s",
                 threads == 1 ? "s" : "");
    if (started)
        snprintf(remedy, sizeof remedy, ", which one thread set later cannot give back; raise "
                 "the limit or have OpenBLAS start none (OPENBLAS_NUM_THREADS=1)");
    else if (threads > 1)
        snprintf(remedy, sizeof remedy, "; raise the limit or use fewer threads (%s)",
                 fewer ? fewer : "OPENBLAS_NUM_THREADS=1");
    else
        snprintf(remedy, sizeof remedy, "; raise the limit");
    return dl_fail(e, DL_ENOMEM,
                   "the memory limit (%s %llu KiB) is too small for BLAS: %s %llu MiB more than "
                   "the %llu MiB in use%s", name, (unsigned long long)rl.rlim_cur / 1024, who,
                   (unsigned long long)need >> 20, (unsigned long long)used >> 20, remedy);
}

int dl_blas_reserve(long threads, const char *fewer, dl_err *e)
{
    if (threads > 0)
        openblas_set_num_threads((int)threads);
    mapped m;
    long all = thread_count();
    if (all < 1 || read_maps(&m) != 0)
        return 0; /* no /proc: nothing to measure, BLAS as it comes */
    /* Every thread takes a buffer: a worker as it starts (OpenBLAS starts
     * them at load, for its own count), the caller at its first BLAS call.
     * With a count of 1, the workers can be ended (dl_blas_park), each
     * once its buffer is mapped, which it then leaves in OpenBLAS's pool
     * for the caller to take: the workers' buffers are all it needs. */
    long workers = all - 1;
    int park = dl_blas_threads() == 1 && workers > 0 && dl_blas_can_park();
    long wanted = park ? workers : all;
    long missing = wanted - (m.buffers < wanted ? m.buffers : wanted);
    uint64_t need = (uint64_t)missing * DL_BLAS_BUFFER_BYTES + (8UL << 20);
    long started = park ? workers : 0;
    if (missing > 0 &&
        (check_limit(RLIMIT_AS, "ulimit -v", m.total, need, all, started, fewer, e) ||
         check_limit(RLIMIT_DATA, "ulimit -d", m.data, need, all, started, fewer, e)))
        return e->code;
    if (park) /* as if OPENBLAS_NUM_THREADS=1 had started none */
        dl_blas_park();
    /* A product that goes through OpenBLAS's buffer pool, so that the
     * calling thread's buffer is mapped now, while the room is there: the
     * kernels that need no buffer take products of up to 100^3 (the small
     * matrix kernels of AVX-512 processors) and alpha 1 with beta 0 (their
     * direct sgemm), so this one is 128^3 with alpha 1/2.  Mapped later, at
     * the first product of the network, it would find the room taken by the
     * network's own buffers, and OpenBLAS would retry the mapping forever. */
    enum { N = 128 };
    float *a = calloc(3 * N * N, sizeof *a);
    if (!a)
        return dl_fail(e, DL_ENOMEM, "cannot allocate %zu bytes for BLAS's first product",
                       3 * N * N * sizeof *a);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, N, N, N, 0.5f, a, N, a + N * N, N,
                0.0f, a + 2 * N * N, N);
    free(a);
    return 0;
}

int dl_blas_threads(void) { return openblas_get_num_threads(); }

int dl_blas_core_free(void)
{
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        cores = CPU_COUNT(&set);
    return cores > dl_blas_threads();
}

