/* test_buf.c - lib/buf: the growable array keeps its items while it grows,
 * refuses a size that would overflow (DL_ENOMEM, array untouched), the
 * string builder collects printf output of any length, large buffers are
 * aligned for huge pages, zeroed buffers have their pages written, and the
 * most memory the process may hold is its tighter limit. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "buf.h"
#include "unit.h"

static void test_vec_grows_and_keeps_items(void)
{
    double *v = NULL;
    size_t n = 0, cap = 0;
    dl_err e = {0};
    for (size_t i = 0; i < 1000; i++) {
        CHECK(dl_vec_reserve(&v, &cap, n + 1, sizeof *v, &e) == 0);
        v[n++] = (double)i;
    }
    CHECK(cap >= 1000 && cap < 2048);
    size_t same = 0;
    for (size_t i = 0; i < n; i++)
        same += v[i] == (double)i;
    CHECK(same == 1000);
    size_t before = cap;
    CHECK(dl_vec_reserve(&v, &cap, 10, sizeof *v, &e) == 0 && cap == before);
    free(v);
}

/* The mapping of /proc/self/smaps that holds address a: its bounds, and
 * whether its VmFlags have "hg" (huge pages advised).  0 if none holds it. */
static int mapping_of(uintptr_t a, uintptr_t *start, uintptr_t *end, int *advised)
{
    FILE *f = fopen("/proc/self/smaps", "r");
    char line[512];
    int found = 0;
    while (f && fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (sscanf(line, "%lx-%lx", &lo, &hi) == 2) { /* a mapping's first line */
            found = lo <= a && a < hi;
            if (found)
                *start = lo, *end = hi;
        } else if (found && strncmp(line, "VmFlags:", 8) == 0) {
            *advised = strstr(line, " hg") != NULL;
            break;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* The advice covers a large block's whole mapping, never its middle alone:
 * one advised mapping still holds the whole block, so realloc can grow it
 * in place.  Small blocks and NULL are left alone. */
static void test_huge_advice_covers_the_whole_mapping(void)
{
    dl_mem_huge(NULL);
    char *small = malloc(1000);
    dl_mem_huge(small);
    free(small);
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) != 0)
        return; /* a kernel without them: nothing to advise */
    size_t n = (size_t)24 << 20;
    char *p = malloc(n);
    CHECK(p != NULL);
    memset(p, 1, 4096);
    dl_mem_huge(p);
    uintptr_t start = 0, end = 0;
    int advised = 0;
    CHECK(mapping_of((uintptr_t)p, &start, &end, &advised));
    CHECK(start <= (uintptr_t)p && end >= (uintptr_t)p + n && advised);
    char *q = realloc(p, 2 * n);
    CHECK(q != NULL && q[4095] == 1);
    free(q);
    /* 2.5 MiB, the rows of an imported chunk: advised too */
    char *chunk = malloc((size_t)5 << 19);
    CHECK(chunk != NULL);
    dl_mem_huge(chunk);
    advised = 0;
    CHECK(mapping_of((uintptr_t)chunk, &start, &end, &advised) && advised);
    free(chunk);
}

/* A large buffer starts on a 2 MiB boundary, holds whole 2 MiB and has
 * its pages advised: not a 4 KiB page of it is faulted alone (a kernel
 * that aligns only mappings of whole 2 MiB gives malloc's 2.5 MiB block no
 * huge page at all), from one whole; a smaller one is malloc's, never
 * rounded up to a huge page: on a virtual machine whose fresh huge pages
 * come back from the host, that cost several times its 4 KiB pages. */
static void test_big_buffers_are_aligned_and_advised(void)
{
    size_t huge = (size_t)2 << 20, n = (size_t)5 << 19;
    unsigned char *small = dl_mem_big(100);
    CHECK(small != NULL && dl_mem_room(small) >= 100);
    free(small);
    unsigned char *p = dl_mem_big(n);
    CHECK(p != NULL && (uintptr_t)p % huge == 0 && dl_mem_room(p) >= 2 * huge);
    memset(p, 7, n);
    if (access("/sys/kernel/mm/transparent_hugepage/enabled", F_OK) == 0) {
        uintptr_t start = 0, end = 0;
        int advised = 0;
        CHECK(mapping_of((uintptr_t)p, &start, &end, &advised) && advised);
        CHECK(start <= (uintptr_t)p && end >= (uintptr_t)p + 2 * huge);
    }
    unsigned char *q = realloc(p, 3 * huge); /* any heap block's */
    CHECK(q != NULL && q[0] == 7 && q[n - 1] == 7);
    free(q);
    unsigned char *whole = dl_mem_big(huge);
    CHECK(whole != NULL && (uintptr_t)whole % huge == 0);
    free(whole);
    /* a weight vector's size (a network's 1 MiB of floats) is malloc's:
     * its room is its own, not a whole huge page's.  (Its advice cannot be
     * read back: it may share a heap mapping with a block freed before.) */
    unsigned char *under = dl_mem_big(huge / 2);
    CHECK(under != NULL && (uintptr_t)under % 64 == 0);
    CHECK(dl_mem_room(under) >= huge / 2 && dl_mem_room(under) < huge);
    memset(under, 7, huge / 2);
    free(under);
    CHECK(dl_mem_big(SIZE_MAX - 10) == NULL);
}

/* Pages of [p, p + n) in memory now (mincore), of all of them. */
static void resident_pages(const void *p, size_t n, size_t *in, size_t *all)
{
    long page = sysconf(_SC_PAGESIZE);
    uintptr_t from = (uintptr_t)p & ~(uintptr_t)(page - 1);
    size_t len = (uintptr_t)p + n - from, pages = (len + (size_t)page - 1) / (size_t)page;
    unsigned char *v = malloc(pages);
    CHECK(v != NULL && mincore((void *)from, len, v) == 0);
    *in = 0;
    *all = pages;
    for (size_t i = 0; i < pages; i++)
        *in += v[i] & 1;
    free(v);
}

/* dl_mem_zeroed writes its zeros: every page is in memory before the first
 * read (calloc of a fresh mapping has none there, and fails this test).
 * Sizes that overflow give NULL. */
/* A block holds at least what it was asked for, a large one the rest of
 * its pages too. */
static void test_room_of_a_block(void)
{
    CHECK(dl_mem_room(NULL) == 0);
    unsigned char *small = malloc(100), *large = malloc((3u << 20) + 5);
    CHECK(small && dl_mem_room(small) >= 100);
    CHECK(large && dl_mem_room(large) >= (3u << 20) + 5);
    free(small);
    free(large);
}

static void test_zeroed_pages_are_written(void)
{
    size_t n = (size_t)3 << 20, in = 0, all = 0;
    float *z = dl_mem_zeroed(n / sizeof(float), sizeof(float));
    CHECK(z != NULL);
    resident_pages(z, n, &in, &all);
    CHECK(in == all);
    size_t nonzero = 0;
    for (size_t i = 0; i < n / sizeof(float); i++)
        nonzero += z[i] != 0.0f;
    CHECK(nonzero == 0);
    free(z);
    CHECK(dl_mem_zeroed(SIZE_MAX / 2, 4) == NULL);
    void *one = dl_mem_zeroed(0, 4);
    CHECK(one != NULL);
    free(one);
}

/* The most memory the process may hold: the tighter of ulimit -v and
 * ulimit -d, named; without either, the machine's memory.  Limits are set
 * in a child: the test's own process keeps its room. */
static void test_most_memory_is_the_tighter_limit(void)
{
    const char *limit = "";
    uint64_t most = dl_mem_most(&limit);
    struct rlimit as, data;
    CHECK(getrlimit(RLIMIT_AS, &as) == 0 && getrlimit(RLIMIT_DATA, &data) == 0);
    if (as.rlim_cur == RLIM_INFINITY && data.rlim_cur == RLIM_INFINITY)
        CHECK(limit == NULL && most == (uint64_t)sysconf(_SC_PHYS_PAGES) *
                                           (uint64_t)sysconf(_SC_PAGESIZE));
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        /* soft limits only: a hard one lowered could not be raised again */
        as.rlim_cur = (rlim_t)1 << 42;
        data.rlim_cur = (rlim_t)1 << 41;
        if (setrlimit(RLIMIT_AS, &as) != 0 || setrlimit(RLIMIT_DATA, &data) != 0)
            _exit(2);
        most = dl_mem_most(&limit);
        if (!limit || strcmp(limit, "ulimit -d") != 0 || most != (uint64_t)1 << 41)
            _exit(3);
        data.rlim_cur = RLIM_INFINITY;
        if (setrlimit(RLIMIT_DATA, &data) != 0)
            _exit(2);
        most = dl_mem_most(&limit);
        _exit(limit && strcmp(limit, "ulimit -v") == 0 && most == (uint64_t)1 << 42 ? 0 : 4);
    }
    int status = 0;
    CHECK(waitpid(pid, &status, 0) == pid);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_vec_refuses_an_overflowing_size(void)
{
    double *v = NULL;
    size_t cap = 0;
    dl_err e = {0};
    CHECK(dl_vec_reserve(&v, &cap, 4, sizeof *v, &e) == 0);
    double *kept = v;
    v[3] = 7;
    CHECK(dl_vec_reserve(&v, &cap, SIZE_MAX / 4, sizeof *v, &e) == DL_ENOMEM);
    CHECK(e.code == DL_ENOMEM && strstr(e.msg, "out of memory") != NULL);
    CHECK(v == kept && cap == 16 && v[3] == 7);
    free(v);
}

static void test_str_collects_printf_output(void)
{
    dl_str b = {0};
    CHECK_STR(dl_str_text(&b), "");
    dl_str_printf(&b, "%s: %d", "inputs", 3);
    dl_str_printf(&b, "\n%.17g", 0.1);
    CHECK_STR(dl_str_text(&b), "inputs: 3\n0.10000000000000001");
    for (int i = 0; i < 2000; i++)
        dl_str_printf(&b, "%c", 'a' + i % 26);
    char *text;
    size_t len;
    dl_err e = {0};
    CHECK(dl_str_take(&b, &text, &len, &e) == 0);
    CHECK(len == 29 + 2000 && strlen(text) == len && text[29] == 'a' && text[len - 1] == 'x');
    CHECK(b.s == NULL && b.len == 0);
    free(text);
    CHECK(dl_str_take(&b, &text, &len, &e) == 0 && len == 0 && strcmp(text, "") == 0);
    free(text);
}

/* A cut moves back to where a character starts: never half of one. */
static void test_str_cut_between_characters(void)
{
    const char *text = "a\xc3\xa9\xe2\x82\xacz"; /* a, e acute (2 bytes), euro (3), z */
    size_t want[] = {0, 1, 1, 3, 3, 3, 6};
    for (size_t n = 0; n < sizeof want / sizeof want[0]; n++)
        CHECK(dl_str_cut(text, n) == want[n]);
}

static void test_str_failure_sticks_until_take(void)
{
    dl_str b = {0};
    dl_str_printf(&b, "kept");
    b.failed = 1; /* as after a failed allocation */
    dl_str_printf(&b, " lost");
    CHECK_STR(dl_str_text(&b), "");
    char *text = NULL;
    size_t len = 0;
    dl_err e = {0};
    CHECK(dl_str_take(&b, &text, &len, &e) == DL_ENOMEM && text == NULL);
    CHECK(b.s == NULL && !b.failed);
}

int main(void)
{
    UNIT_RUN(test_vec_grows_and_keeps_items);
    UNIT_RUN(test_str_cut_between_characters);
    UNIT_RUN(test_vec_refuses_an_overflowing_size);
    UNIT_RUN(test_huge_advice_covers_the_whole_mapping);
    UNIT_RUN(test_big_buffers_are_aligned_and_advised);
    UNIT_RUN(test_room_of_a_block);
    UNIT_RUN(test_zeroed_pages_are_written);
    UNIT_RUN(test_most_memory_is_the_tighter_limit);
    UNIT_RUN(test_str_collects_printf_output);
    UNIT_RUN(test_str_failure_sticks_until_take);
    return UNIT_DONE();
}
