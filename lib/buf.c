#include "buf.h"

#include <malloc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <unistd.h>

int dl_vec_reserve(void *items, size_t *cap, size_t need, size_t size, dl_err *e)
{
    if (need <= *cap)
        return 0;
    size_t grown = *cap ? *cap : 16;
    while (grown < need)
        grown = grown <= SIZE_MAX / 2 ? grown * 2 : need;
    if (grown > SIZE_MAX / size)
        return dl_fail(e, DL_ENOMEM, "out of memory: %zu items of %zu bytes", need, size);
    void *old;
    memcpy(&old, items, sizeof old); /* items is a T **: read its pointer */
    void *more = realloc(old, grown * size);
    if (!more)
        return dl_fail(e, DL_ENOMEM, "out of memory for %zu items of %zu bytes", grown, size);
    memcpy(items, &more, sizeof more);
    dl_mem_huge(more);
    *cap = grown;
    return 0;
}

#define HUGE_PAGE ((size_t)2 << 20)
#define CACHE_LINE 64

/* Linux places an anonymous mapping on a 2 MiB boundary only when its
 * length is a multiple of 2 MiB, which glibc's (a header more than asked
 * for) never is: a block of 2.5 MiB, a chunk of imported rows, then holds
 * no whole huge page at all.  So the block is aligned here, and its pages
 * advised exactly: the advice never splits a huge page's range.
 *
 * From one whole huge page, as dl_mem_huge: a smaller block rounded up to
 * one has the kernel zero up to twice its size, and on a virtual machine
 * that hands free memory back to its host (a balloon's free page
 * reporting, as Firecracker's), a fresh huge page costs about 1.5 ms a
 * MiB, against 0.35 ms a MiB for 4 KiB pages: dl-train's ~1 MiB buffers
 * (weights, gradients, moments, their copies) took 15 to 30 ms to touch,
 * 2.5 ms as 4 KiB pages.  Larger blocks keep them: the CSV import and
 * dl-train's data, run both right after another process and after a
 * pause, were faster with huge pages than with 4 KiB ones. */
void *dl_mem_big(size_t n)
{
    void *p;
    if (n < HUGE_PAGE)
        return posix_memalign(&p, CACHE_LINE, n ? n : 1) == 0 ? p : NULL;
    if (n > SIZE_MAX - HUGE_PAGE)
        return NULL;
    n = (n + HUGE_PAGE - 1) / HUGE_PAGE * HUGE_PAGE;
    if (posix_memalign(&p, HUGE_PAGE, n) != 0)
        return NULL;
#ifdef MADV_HUGEPAGE
    (void)madvise(p, n, MADV_HUGEPAGE);
#endif
    return p;
}

/* glibc gives a block beyond its threshold (128 KiB, rising up to 32 MiB
 * as blocks are freed) a mapping of its own, which starts one header before
 * the block and ends where its usable size does: the pages from p's to its
 * usable end's are then the whole mapping.  A block in the heap instead
 * gets the advice for its own pages. */
void dl_mem_huge(void *p)
{
#ifdef MADV_HUGEPAGE
    size_t n = dl_mem_room(p);
    long page = sysconf(_SC_PAGESIZE);
    if (n < HUGE_PAGE || page <= 0)
        return;
    uintptr_t mask = (uintptr_t)page - 1;
    uintptr_t from = (uintptr_t)p & ~mask, to = ((uintptr_t)p + n + mask) & ~mask;
    (void)madvise((void *)from, to - from, MADV_HUGEPAGE);
#else
    (void)p;
#endif
}

size_t dl_mem_room(void *p) { return p ? malloc_usable_size(p) : 0; }

void *dl_mem_zeroed(size_t n, size_t size)
{
    if (!n || !size)
        n = size = 1;
    if (n > SIZE_MAX / size)
        return NULL;
    void *p = dl_mem_big(n * size);
    if (!p)
        return NULL;
    /* Compilers fold malloc and a memset of 0 into calloc, which would not
     * write the pages: this barrier keeps the two apart. */
    __asm__ volatile("" : : "r"(p) : "memory");
    memset(p, 0, n * size);
    return p;
}

uint64_t dl_mem_most(const char **limit)
{
    static const struct {
        int resource;
        const char *command;
    } limits[] = {{RLIMIT_AS, "ulimit -v"}, {RLIMIT_DATA, "ulimit -d"}};
    uint64_t most = 0;
    *limit = NULL;
    for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
        struct rlimit rl;
        if (getrlimit(limits[i].resource, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
            (!*limit || (uint64_t)rl.rlim_cur < most)) {
            most = (uint64_t)rl.rlim_cur;
            *limit = limits[i].command;
        }
    }
    if (*limit)
        return most;
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
    return pages > 0 && page > 0 ? (uint64_t)pages * (uint64_t)page : 0;
}

int dl_mem_array(void *pp, size_t n, size_t size, const char *what, dl_err *e)
{
    void **p = pp;
    *p = NULL;
    /* refused before malloc: under overcommit a block no machine holds could be
     * granted, and the zeroing would then fault it in page by page */
    if (size && n > DL_MEM_ARRAY_MAX / size)
        return dl_fail(e, DL_ENOMEM, "%s: %zu items of %zu bytes are over the %llu-byte limit",
                       what, n, size, (unsigned long long)DL_MEM_ARRAY_MAX);
    *p = dl_mem_zeroed(n, size);
    return *p ? 0
              : dl_fail(e, DL_ENOMEM, "%s: out of memory: %zu items of %zu bytes", what, n, size);
}

void dl_str_printf(dl_str *b, const char *fmt, ...)
{
    if (b->failed)
        return;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(b->s ? b->s + b->len : NULL, b->s ? b->cap - b->len : 0, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = 1;
        return;
    }
    if (b->s && (size_t)n < b->cap - b->len) {
        b->len += (size_t)n;
        return;
    }
    dl_err ignored;
    if ((size_t)n > SIZE_MAX - b->len - 1 ||
        dl_vec_reserve(&b->s, &b->cap, b->len + (size_t)n + 1, 1, &ignored)) {
        b->failed = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

const char *dl_str_text(const dl_str *b) { return b->s && !b->failed ? b->s : ""; }

int dl_str_take(dl_str *b, char **text, size_t *len, dl_err *e)
{
    if (!b->failed && !b->s)
        dl_str_printf(b, "%s", "");
    if (b->failed) {
        size_t had = b->len;
        dl_str_free(b);
        return dl_fail(e, DL_ENOMEM, "out of memory for a text beyond %zu bytes", had);
    }
    *text = b->s;
    *len = b->len;
    memset(b, 0, sizeof *b);
    return 0;
}

size_t dl_str_cut(const char *text, size_t n)
{
    while (n > 0 && ((unsigned char)text[n] & 0xC0) == 0x80)
        n--;
    return n;
}

void dl_str_free(dl_str *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}
