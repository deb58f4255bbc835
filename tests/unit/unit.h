/* unit.h - a minimal unit-test harness for the library's C tests.
 *
 * A test file defines `static void test_x(void)` functions and a main that
 * calls UNIT_RUN(test_x) for each, then returns UNIT_DONE().  Each check that
 * fails prints file:line and the expression; the last line of output is
 * "<file>: P passed, F failed", which tests/run adds up. */
#ifndef DL_UNIT_H
#define DL_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int unit_checks_failed_in_test;
static int unit_tests_passed, unit_tests_failed;

#define CHECK(cond)                                                                  \
    do {                                                                             \
        if (!(cond)) {                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
            unit_checks_failed_in_test++;                                            \
        }                                                                            \
    } while (0)

/* |a - b| <= tol * max(1, |b|): relative for large values, absolute near 0. */
#define CHECK_NEAR(a, b, tol)                                                          \
    do {                                                                               \
        double unit_a_ = (double)(a), unit_b_ = (double)(b);                           \
        double unit_s_ = fabs(unit_b_) > 1.0 ? fabs(unit_b_) : 1.0;                    \
        if (!(fabs(unit_a_ - unit_b_) <= (tol) * unit_s_)) {                           \
            fprintf(stderr, "%s:%d: %s = %.17g, expected %s = %.17g (tol %g)\n",       \
                    __FILE__, __LINE__, #a, unit_a_, #b, unit_b_, (double)(tol));      \
            unit_checks_failed_in_test++;                                              \
        }                                                                              \
    } while (0)

#define CHECK_STR(a, b)                                                                \
    do {                                                                               \
        const char *unit_sa_ = (a), *unit_sb_ = (b);                                   \
        if (strcmp(unit_sa_, unit_sb_) != 0) {                                         \
            fprintf(stderr, "%s:%d: %s = \"%s\", expected \"%s\"\n", __FILE__,         \
                    __LINE__, #a, unit_sa_, unit_sb_);                                 \
            unit_checks_failed_in_test++;                                              \
        }                                                                              \
    } while (0)

#define UNIT_RUN(fn)                                                     \
    do {                                                                 \
        unit_checks_failed_in_test = 0;                                  \
        fn();                                                            \
        if (unit_checks_failed_in_test) {                                \
            unit_tests_failed++;                                         \
            fprintf(stderr, "FAIL %s\n", #fn);                           \
        } else {                                                         \
            unit_tests_passed++;                                         \
        }                                                                \
    } while (0)

#define UNIT_DONE()                                                              \
    (printf("%s: %d passed, %d failed\n", __FILE__, unit_tests_passed,           \
            unit_tests_failed),                                                  \
     unit_tests_failed ? 1 : 0)

/* The process's threads, from /proc (-1 without it). */
static inline long unit_threads(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    long n = -1;
    char line[256];
    while (f && fgets(line, sizeof line, f))
        if (sscanf(line, "Threads: %ld", &n) == 1)
            break;
    if (f)
        fclose(f);
    return n;
}

/* The threads once at most `want`: a thread just joined can still be
 * counted until the kernel has reaped it, a moment after pthread_join
 * returns.  Waits while the count is above `want`, up to about 10 s (a
 * count that stays above is returned as it is). */
static inline long unit_threads_settled(long want)
{
    long n = unit_threads();
    for (int i = 0; i < 10000 && n > want; i++) {
        struct timespec ms = {0, 1000000};
        nanosleep(&ms, NULL);
        n = unit_threads();
    }
    return n;
}

#endif
