/* failalloc.so - an LD_PRELOAD shim that makes exactly the Nth heap
 * allocation of a tool fail (DL_FAIL_ALLOC=N), so tests can walk the
 * allocation sites of a tool and check that each failure is a clean error,
 * not a crash.  DL_FAIL_ALLOC_REPORT=1 prints "allocations: N" (how many
 * were counted) on stderr at exit; DL_FAIL_ALLOC_TRACE=1 prints where the
 * failed allocation was made (to find the site behind a test failure).
 *
 * Counting starts when main starts.  What the loader, libc and the shared
 * libraries (OpenBLAS starts its threads, libgfortran sets itself up) allocate
 * in their constructors happens before main: a failure there is not the
 * tool's to handle, and their number changes with the machine (OpenBLAS
 * sizes its thread pool by the cores).  The shim therefore wraps
 * __libc_start_main, the libc function that _start calls with the address of
 * main and that calls the constructors, then main: the wrapper passes libc a
 * trampoline that arms the counter and then calls the real main.  This needs
 * nothing from the tools and holds for every dynamically linked program.
 * Once armed, the shim removes its variables and itself from the environment
 * so that programs the tool runs (gnuplot for dl-plot) are left alone.
 *
 * Every allocation function a tool may reach is counted: malloc, calloc,
 * realloc, strdup, posix_memalign, aligned_alloc, memalign (glibc's own
 * strdup and posix_memalign do not go through malloc).  Freeing is not
 * intercepted.  The real allocator is glibc's (__libc_malloc, ...), or,
 * under AddressSanitizer (gcc links it as a shared library), ASan's own
 * (__interceptor_malloc, ...), so that ASan still checks every block and
 * reports leaks on the error paths; ASan then needs
 * ASAN_OPTIONS=verify_asan_link_order=0, as this shim comes first.
 *
 * A thread counts from its start routine on: what the runtime allocates to
 * start it (under ASan, finding its stack, which aborts if it cannot) is not
 * the tool's either.  So the shim wraps pthread_create, passing a trampoline
 * that turns counting on for the new thread and then calls the routine; the
 * count itself is atomic, as threads allocate at once. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <execinfo.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);
extern void *__libc_memalign(size_t, size_t);

/* Present only when the program runs under ASan. */
extern void *__interceptor_malloc(size_t) __attribute__((weak));
extern void *__interceptor_calloc(size_t, size_t) __attribute__((weak));
extern void *__interceptor_realloc(void *, size_t) __attribute__((weak));
extern int __interceptor_posix_memalign(void **, size_t, size_t) __attribute__((weak));

static int armed;          /* main has started */
static int trace;          /* DL_FAIL_ALLOC_TRACE was set */
static long fail_at, calls;
/* This thread is main, or has reached its start routine. */
static __thread int counting __attribute__((tls_model("initial-exec")));

typedef int (*main_fn)(int, char **, char **);
static main_fn real_main;

static int armed_main(int argc, char **argv, char **envp)
{
    (void)envp; /* environ, which unsetenv below keeps current */
    const char *s = getenv("DL_FAIL_ALLOC");
    fail_at = s ? atol(s) : 0;
    trace = getenv("DL_FAIL_ALLOC_TRACE") != NULL;
    unsetenv("DL_FAIL_ALLOC");
    unsetenv("LD_PRELOAD");
    calls = 0;
    counting = 1;
    armed = 1;
    return real_main(argc, argv, environ);
}

typedef struct thread_start {
    void *(*fn)(void *);
    void *arg;
} thread_start;

static void *counted_start(void *p)
{
    thread_start start = *(thread_start *)p;
    free(p);
    counting = 1;
    return start.fn(start.arg);
}

typedef int (*create_fn)(pthread_t *, const pthread_attr_t *, void *(*)(void *), void *);

int pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    create_fn real_create = (create_fn)dlsym(RTLD_NEXT, "pthread_create");
    thread_start *start = __interceptor_malloc ? __interceptor_malloc(sizeof *start)
                                               : __libc_malloc(sizeof *start);
    if (!real_create || !start) {
        free(start);
        return EAGAIN;
    }
    start->fn = fn;
    start->arg = arg;
    int rc = real_create(t, attr, counted_start, start);
    if (rc)
        free(start);
    return rc;
}

typedef int (*start_fn)(main_fn, int, char **, void (*)(void), void (*)(void),
                        void (*)(void), void *);

int __libc_start_main(main_fn main, int argc, char **argv, void (*init)(void),
                      void (*fini)(void), void (*rtld_fini)(void), void *stack_end)
{
    start_fn real_start = (start_fn)dlsym(RTLD_NEXT, "__libc_start_main");
    if (!real_start) {
        static const char msg[] = "failalloc: no __libc_start_main\n";
        if (write(2, msg, sizeof msg - 1) < 0)
            _exit(127);
        _exit(127);
    }
    real_main = main;
    return real_start(armed_main, argc, argv, init, fini, rtld_fini, stack_end);
}

static int should_fail(void)
{
    if (!armed || !counting)
        return 0;
    if (__atomic_add_fetch(&calls, 1, __ATOMIC_RELAXED) == fail_at) {
        if (trace) {
            void *frames[32];
            armed = 0; /* backtrace may allocate the first time */
            backtrace_symbols_fd(frames, backtrace(frames, 32), 2);
            armed = 1;
        }
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    if (should_fail())
        return NULL;
    return __interceptor_malloc ? __interceptor_malloc(n) : __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (should_fail())
        return NULL;
    return __interceptor_calloc ? __interceptor_calloc(n, m) : __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (should_fail())
        return NULL;
    return __interceptor_realloc ? __interceptor_realloc(p, n) : __libc_realloc(p, n);
}

int posix_memalign(void **p, size_t align, size_t n)
{
    if (should_fail())
        return ENOMEM;
    if (__interceptor_posix_memalign)
        return __interceptor_posix_memalign(p, align, n);
    void *q = __libc_memalign(align, n);
    if (!q)
        return ENOMEM;
    *p = q;
    return 0;
}

void *aligned_alloc(size_t align, size_t n)
{
    void *p;
    return posix_memalign(&p, align, n) == 0 ? p : NULL;
}

void *memalign(size_t align, size_t n)
{
    return aligned_alloc(align, n);
}

char *strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    return d ? memcpy(d, s, n) : NULL;
}

char *strndup(const char *s, size_t max)
{
    size_t n = strnlen(s, max);
    char *d = malloc(n + 1);
    if (!d)
        return NULL;
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

__attribute__((destructor)) static void report(void)
{
    if (armed && getenv("DL_FAIL_ALLOC_REPORT")) {
        char buf[64];
        int len = snprintf(buf, sizeof buf, "allocations: %ld\n",
                           __atomic_load_n(&calls, __ATOMIC_RELAXED));
        if (write(2, buf, (size_t)len) < 0)
            return;
    }
}
