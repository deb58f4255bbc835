/* dist.c - the processes of one data-parallel run (see dist.h). */
#include "dist.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

/* The size the launcher announced, 0 when it said nothing, -1 when it
 * started this process without saying how many (PMIx gives the size only
 * through its API).  srun --mpi=pmix says it in SLURM_STEP_NUM_TASKS,
 * one task included. */
static long launched_size(void)
{
    const char *n = getenv("OMPI_COMM_WORLD_SIZE");
    if (!n)
        n = getenv("PMI_SIZE");
    if (!n) {
        const char *tasks = getenv("SLURM_STEP_NUM_TASKS");
        if (tasks && (atol(tasks) > 1 || getenv("PMIX_RANK")))
            n = tasks;
    }
    if (n)
        return atol(n) > 0 ? atol(n) : -1;
    return getenv("PMIX_RANK") ? -1 : 0;
}

/* srun -n N without an MPI launch (--mpi=none, Slurm's MpiDefault) sets no
 * rank of any kind: MPI_Init would then abort each task with pages of its
 * own, so this is refused before MPI is touched. */
static int unlaunched_srun(long size, dl_err *e)
{
    if (getenv("OMPI_COMM_WORLD_RANK") || getenv("PMIX_RANK") || getenv("PMI_RANK"))
        return 0;
    return dl_fail(e, DL_EUSAGE, "srun started %ld tasks without an MPI launch "
                   "(no PMIx or PMI in the environment): give srun --mpi=pmix", size);
}

/* DL_MPI_PLUGIN, else lib/dltk/mpi.so beside the executable's bin/. */
static void plugin_path(char *path, size_t len)
{
    const char *env = getenv("DL_MPI_PLUGIN");
    if (env && *env) {
        snprintf(path, len, "%s", env);
        return;
    }
    char exe[PATH_MAX];
    ssize_t got = readlink("/proc/self/exe", exe, sizeof exe - 1);
    exe[got > 0 ? got : 0] = '\0';
    char *slash = strrchr(exe, '/');
    if (slash)
        *slash = '\0';
    snprintf(path, len, "%s/../lib/dltk/mpi.so", exe);
}

int dd_open(dd_group *g, dl_err *e)
{
    memset(g, 0, sizeof *g);
    g->size = 1;
    long size = launched_size();
    if (size == 0 || size == 1)
        return 0;
    if (size > 1 && unlaunched_srun(size, e))
        return e->code;
    char path[PATH_MAX + 32];
    plugin_path(path, sizeof path);
    /* RTLD_GLOBAL: Open MPI's own components resolve libmpi's symbols. */
    void *lib = dlopen(path, RTLD_NOW | RTLD_GLOBAL);
    dd_plugin_fn get = lib ? (dd_plugin_fn)(uintptr_t)dlsym(lib, "dd_plugin_ops") : NULL;
    const dd_ops *ops = get ? get() : NULL;
    if (!ops || ops->abi != DD_ABI)
        return dl_fail(e, DL_EUSAGE, "started by mpirun or srun as one of several processes, "
                       "but the MPI plugin cannot be loaded (%s); build with mpicc present, "
                       "or set DL_MPI_PLUGIN", lib && !ops ? "no dd_plugin_ops"
                       : lib ? "another version" : dlerror());
    char msg[256] = "";
    int rc = ops->init(&g->rank, &g->size, msg, sizeof msg);
    if (rc)
        return dl_fail(e, rc == DD_INIT_LAUNCH ? DL_EUSAGE : DL_EIO, "%s", msg);
    g->ops = ops;
    return 0;
}

void dd_close(dd_group *g)
{
    if (g->shm)
        munmap(g->shm, g->shm_bytes);
    g->shm = NULL;
    if (g->ops)
        g->ops->finalize();
    g->ops = NULL;
}

static void max_i64(const dd_group *g, int64_t *buf, size_t n)
{
    if (g->ops)
        g->ops->max_i64(buf, (int)n);
}

/* The first rank whose `bad` is set, or -1. */
static int first_rank(const dd_group *g, int bad)
{
    int64_t key = bad ? g->size - g->rank : 0;
    max_i64(g, &key, 1);
    return key ? g->size - (int)key : -1;
}

int dd_agree(dd_group *g, int rc, const int64_t *fp, const char *const *what, size_t n,
             dl_err *e)
{
    g->agreed = 1;
    if (!g->ops)
        return rc;
    int failed = first_rank(g, rc != 0);
    if (failed >= 0) {
        int64_t code = failed == g->rank ? rc : 0;
        max_i64(g, &code, 1);
        if (failed == g->rank)
            return dl_err_wrap(e, "rank %d", g->rank);
        return dd_peer_failed(g, (int)code, e);
    }
    int64_t mine[DD_FINGERPRINT] = {0}, root[DD_FINGERPRINT] = {0};
    n = n < DD_FINGERPRINT ? n : DD_FINGERPRINT;
    if (n) {
        memcpy(mine, fp, n * sizeof *fp);
        memcpy(root, fp, n * sizeof *fp);
    }
    g->ops->bcast(root, (int)sizeof root, 0);
    size_t differs = n;
    for (size_t i = 0; i < n && differs == n; i++)
        if (mine[i] != root[i])
            differs = i;
    failed = first_rank(g, differs < n);
    if (failed < 0)
        return 0;
    if (failed == g->rank)
        return dl_fail(e, DL_EDATA, "rank %d: %s differs from rank 0's (%lld here, %lld there): "
                       "every process must see the same spec, options and data", g->rank,
                       what[differs], (long long)mine[differs], (long long)root[differs]);
    return dd_peer_failed(g, DL_EDATA, e);
}

int dd_peer_failed(dd_group *g, int code, dl_err *e)
{
    g->peer_failed = 1;
    e->code = code;
    e->msg[0] = '\0';
    return code;
}

int dd_failed_alike(dd_group *g, dl_err *e)
{
    if (!g || !g->ops)
        return e->code;
    if (g->rank == 0)
        return dl_err_wrap(e, "rank %d", g->rank);
    return dd_peer_failed(g, e->code, e);
}

void dd_sum_f64(const dd_group *g, double *buf, size_t n)
{
    if (g->ops)
        g->ops->sum_f64(buf, (int)n);
}

void dd_sum_f32(const dd_group *g, float *buf, size_t n)
{
    if (g->ops)
        g->ops->sum_f32(buf, (int)n);
}

void dd_isum_f32(const dd_group *g, float *buf, size_t n, int slot)
{
    if (g->ops)
        g->ops->isum_f32(buf, (int)n, slot);
}

void dd_isum_f64(const dd_group *g, double *buf, size_t n, int slot)
{
    if (g->ops)
        g->ops->isum_f64(buf, (int)n, slot);
}

void dd_progress(const dd_group *g)
{
    if (g->ops)
        g->ops->test();
}

void dd_wait(const dd_group *g)
{
    if (g->ops)
        g->ops->wait_all();
}

/* The plugin splits the processes by node (or DL_MPI_NODE_SIZE); the
 * environment is the same for all, so they all give the same answer. */
int dd_nodes(dd_group *g)
{
    const char *env = getenv("DL_MPI_SHARED");
    int local_rank = 0, local_size = 1;
    if (!g->ops || (env && strcmp(env, "0") == 0) || !g->ops->nodes(&local_rank, &local_size))
        return 0;
    g->local_rank = local_rank;
    g->local_size = local_size;
    g->nodes = g->size / local_size;
    return 1;
}

int dd_check_env(const dd_group *g, dl_err *e)
{
    if (!g->ops)
        return 0;
    const char *shared = getenv("DL_MPI_SHARED"), *node = getenv("DL_MPI_NODE_SIZE");
    if (shared && *shared && strcmp(shared, "0") != 0 && strcmp(shared, "1") != 0)
        return dl_fail(e, DL_EUSAGE, "DL_MPI_SHARED: '%s' is not 0 or 1", shared);
    if (node && *node) {
        char *end;
        long k = strtol(node, &end, 10);
        if (*end || k < 1 || k > INT_MAX || node[0] < '0' || node[0] > '9')
            return dl_fail(e, DL_EUSAGE, "DL_MPI_NODE_SIZE: '%s' is not a positive whole number "
                           "of processes", node);
    }
    return 0;
}

/* Local rank 0 creates the memory (POSIX shared memory, reserved whole with
 * posix_fallocate, so that a full /dev/shm is an error here and never a
 * SIGBUS later) and names it to the others of its node, which map it; the
 * name is removed once every process holds the mapping, so nothing is left
 * behind.  Every process learns whether all succeeded. */
void *dd_shared(dd_group *g, size_t bytes)
{
    int local_rank = g->local_rank;
    struct {
        int64_t ok;
        char name[56];
    } msg;
    memset(&msg, 0, sizeof msg);
    int fd = -1;
    if (local_rank == 0) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        snprintf(msg.name, sizeof msg.name, "/dltk-%ld-%lx", (long)getpid(),
                 (unsigned long)ts.tv_nsec);
        fd = shm_open(msg.name, O_RDWR | O_CREAT | O_EXCL, 0600);
        msg.ok = fd >= 0 && bytes <= (uint64_t)INT64_MAX &&
                 posix_fallocate(fd, 0, (off_t)bytes) == 0;
        if (fd >= 0 && !msg.ok) {
            shm_unlink(msg.name);
            close(fd);
            fd = -1;
        }
    }
    g->ops->node_bcast(&msg, (int)sizeof msg);
    if (msg.ok && local_rank != 0)
        fd = shm_open(msg.name, O_RDWR, 0);
    void *base =
        fd >= 0 ? mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0) : MAP_FAILED;
    if (fd >= 0)
        close(fd);
    int64_t failed = base == MAP_FAILED;
    max_i64(g, &failed, 1); /* every process has opened it, or failed to, on every node */
    if (local_rank == 0 && msg.ok)
        shm_unlink(msg.name);
    if (failed) {
        if (base != MAP_FAILED)
            munmap(base, bytes);
        return NULL;
    }
    g->shm = base;
    g->shm_bytes = bytes;
    return base;
}

/* MPI's barrier synchronizes the node's processes; the fences order this
 * process's loads and stores to the shared memory around it. */
void dd_barrier(const dd_group *g)
{
    if (!g->ops)
        return;
    atomic_thread_fence(memory_order_seq_cst);
    g->ops->node_barrier();
    atomic_thread_fence(memory_order_seq_cst);
}

void dd_cross_sum_f32(const dd_group *g, float *buf, size_t n)
{
    if (g->ops && g->nodes > 1)
        g->ops->cross_sum_f32(buf, (int)n);
}

void dd_cross_sum_f64(const dd_group *g, double *buf, size_t n)
{
    if (g->ops && g->nodes > 1)
        g->ops->cross_sum_f64(buf, (int)n);
}
