/* test_rng.c - lib/rng: the bulk draws and the normal of two draws are the
 * single calls' own, value for value and state for state. */
#include <stdint.h>
#include <string.h>

#include "rng.h"
#include "unit.h"

/* dl_rng_fill_u64 gives the draws n calls give, and leaves the state they
 * leave, for lengths around its loop's edges. */
static void test_fill_is_the_calls(void)
{
    uint64_t got[1000];
    for (size_t n = 0; n <= 1000; n += n < 10 ? 1 : 97) {
        dl_rng a, b;
        dl_rng_seed(&a, 42 + n);
        dl_rng_seed(&b, 42 + n);
        dl_rng_fill_u64(&a, got, n);
        size_t wrong = 0;
        for (size_t i = 0; i < n; i++)
            wrong += got[i] != dl_rng_u64(&b);
        CHECK(wrong == 0);
        CHECK(memcmp(&a, &b, sizeof a) == 0);
    }
}

/* dl_rng_normal is dl_rng_normal_of its next two draws, bit for bit. */
static void test_normal_of_two_draws(void)
{
    dl_rng a, b;
    dl_rng_seed(&a, 7);
    dl_rng_seed(&b, 7);
    size_t wrong = 0;
    for (int i = 0; i < 10000; i++) {
        double want = dl_rng_normal(&a);
        uint64_t x = dl_rng_u64(&b), y = dl_rng_u64(&b);
        double got = dl_rng_normal_of(x, y);
        wrong += memcmp(&got, &want, sizeof got) != 0;
    }
    CHECK(wrong == 0);
}

/* Pairs of draws where the normal's arithmetic is hardest: u1 = 1 (a
 * normal of 0) and its smallest value 2^-53, u2 at 0 and just around the
 * quarters of a turn (cos near 0 and near +-1). */
static size_t edge_draws(uint64_t *d, size_t cap)
{
    const uint64_t top = (uint64_t)1 << 53, a[] = {0, 1, 2, top - 1, top / 2, top / 3};
    size_t n = 0;
    for (size_t i = 0; i < sizeof a / sizeof *a; i++)
        for (uint64_t q = 0; q <= 4; q++)
            for (int64_t off = -3; off <= 3; off++) {
                int64_t b = (int64_t)(q * (top / 4)) + off;
                if (b < 0 || b >= (int64_t)top || n + 2 > cap)
                    continue;
                d[n++] = a[i] << 11;
                d[n++] = (uint64_t)b << 11 | 0x7ff; /* the low bits are not used */
            }
    return n / 2;
}

/* dl_rng_normals_f32 gives the floats of dl_rng_normal_of, bit for bit:
 * random draws at scales from tiny (float subnormals) to huge (float
 * overflow), and the edge draws.  A fault of its own log or cos beyond the
 * few ulps its midpoint test absorbs changes floats here. */
static void test_normals_are_normal_of(void)
{
    enum { N = 1 << 20 };
    static uint64_t d[2 * N];
    static float fast[N], slow[N];
    const double scales[] = {1.0, 0.0503, 3e-38, 1e-45, 1e37, 3.3e38};
    dl_rng r;
    dl_rng_seed(&r, 11);
    for (size_t s = 0; s < sizeof scales / sizeof *scales; s++) {
        size_t n = s < 2 ? N : N / 16;
        dl_rng_fill_u64(&r, d, 2 * n);
        edge_draws(d, 2 * n); /* the first pairs */
        dl_rng_normals_f32(d, n, scales[s], fast);
        size_t wrong = 0;
        for (size_t k = 0; k < n; k++) {
            slow[k] = (float)(scales[s] * dl_rng_normal_of(d[2 * k], d[2 * k + 1]));
            wrong += memcmp(&fast[k], &slow[k], sizeof *fast) != 0;
        }
        if (wrong)
            fprintf(stderr, "scale %g: %zu of %zu floats differ\n", scales[s], wrong, n);
        CHECK(wrong == 0);
    }
}

/* Every length, for the vector path's remainder, and a pointer into the
 * middle of the draws: each value depends on its own two draws only. */
static void test_normals_any_length(void)
{
    uint64_t d[2 * 64];
    float all[64], part[64];
    dl_rng r;
    dl_rng_seed(&r, 5);
    dl_rng_fill_u64(&r, d, 2 * 64);
    dl_rng_normals_f32(d, 64, 0.5, all);
    size_t wrong = 0;
    for (size_t from = 0; from < 8; from++)
        for (size_t n = 0; from + n <= 64; n += 1 + n / 8) {
            memset(part, 0, sizeof part);
            dl_rng_normals_f32(d + 2 * from, n, 0.5, part);
            wrong += memcmp(part, all + from, n * sizeof *part) != 0;
            wrong += n < 64 && part[n] != 0.0f; /* nothing beyond n written */
        }
    CHECK(wrong == 0);
}

int main(void)
{
    UNIT_RUN(test_fill_is_the_calls);
    UNIT_RUN(test_normal_of_two_draws);
    UNIT_RUN(test_normals_are_normal_of);
    UNIT_RUN(test_normals_any_length);
    return UNIT_DONE();
}
