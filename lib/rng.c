#include "rng.h"

#include <math.h>

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

void dl_rng_seed(dl_rng *r, uint64_t seed)
{
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
}

static inline uint64_t next(dl_rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

uint64_t dl_rng_u64(dl_rng *r) { return next(r); }

void dl_rng_fill_u64(dl_rng *r, uint64_t *out, size_t n)
{
    dl_rng local = *r; /* in registers, where *r would be stored at every draw */
    for (size_t i = 0; i < n; i++)
        out[i] = next(&local);
    *r = local;
}

static double uniform_of(uint64_t draw) { return (double)(draw >> 11) * 0x1.0p-53; }

double dl_rng_uniform(dl_rng *r) { return uniform_of(dl_rng_u64(r)); }

double dl_rng_normal_of(uint64_t a, uint64_t b)
{
    double u1 = 1.0 - uniform_of(a); /* (0, 1]: log is finite */
    double u2 = uniform_of(b);
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

double dl_rng_normal(dl_rng *r)
{
    uint64_t a = dl_rng_u64(r);
    return dl_rng_normal_of(a, dl_rng_u64(r));
}

uint64_t dl_rng_below(dl_rng *r, uint64_t n)
{
    /* Rejection keeps every value equally likely. */
    uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t v;
    do
        v = dl_rng_u64(r);
    while (v >= limit);
    return v % n;
}

void dl_rng_shuffle(dl_rng *r, uint64_t *idx, size_t n)
{
    for (size_t i = n; i > 1; i--) {
        size_t j = (size_t)dl_rng_below(r, i);
        uint64_t t = idx[i - 1];
        idx[i - 1] = idx[j];
        idx[j] = t;
    }
}
