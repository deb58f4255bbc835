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

int main(void)
{
    UNIT_RUN(test_fill_is_the_calls);
    UNIT_RUN(test_normal_of_two_draws);
    return UNIT_DONE();
}
