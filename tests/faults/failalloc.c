/* failalloc.so - an LD_PRELOAD shim that makes exactly the Nth heap
 * allocation fail (DL_FAIL_ALLOC=N), so tests can walk every allocation
 * site of a tool and check that each failure is a clean error, not a crash.
 * DL_FAIL_ALLOC_REPORT=1 prints the number of allocations made at exit. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

extern void *__libc_malloc(size_t);
extern void *__libc_calloc(size_t, size_t);
extern void *__libc_realloc(void *, size_t);

static long fail_at = -1, calls;

static int should_fail(void)
{
    if (fail_at == -1) {
        const char *s = getenv("DL_FAIL_ALLOC");
        fail_at = s ? atol(s) : 0;
    }
    return ++calls == fail_at;
}

void *malloc(size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_malloc(n);
}

void *calloc(size_t n, size_t m)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_calloc(n, m);
}

void *realloc(void *p, size_t n)
{
    if (should_fail()) {
        errno = ENOMEM;
        return NULL;
    }
    return __libc_realloc(p, n);
}

__attribute__((destructor)) static void report(void)
{
    if (getenv("DL_FAIL_ALLOC_REPORT")) {
        char buf[64];
        int len = snprintf(buf, sizeof buf, "allocations: %ld\n", calls);
        if (write(2, buf, (size_t)len) < 0)
            return;
    }
}
