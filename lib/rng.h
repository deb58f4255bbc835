/* rng.h - a seeded, portable random generator (xoshiro256**, seeded by
 * splitmix64).  State is a plain value: no hidden globals, so runs are
 * reproducible and the state can be saved in a checkpoint and resumed. */
#ifndef DL_RNG_H
#define DL_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct dl_rng {
    uint64_t s[4];
} dl_rng;

void dl_rng_seed(dl_rng *r, uint64_t seed);
uint64_t dl_rng_u64(dl_rng *r);
/* out[0..n) = the next n dl_rng_u64 draws, at a fraction of n calls' cost. */
void dl_rng_fill_u64(dl_rng *r, uint64_t *out, size_t n);
/* Uniform in [0, 1) with 53 random bits. */
double dl_rng_uniform(dl_rng *r);
/* Standard normal (Box-Muller, both values of a pair are not cached so the
 * state alone determines the sequence). */
double dl_rng_normal(dl_rng *r);
/* The normal dl_rng_normal makes of its two draws, a then b: draws taken in
 * order can so be turned into normals elsewhere (in parts, on several
 * threads) with the same bits. */
double dl_rng_normal_of(uint64_t a, uint64_t b);
/* out[k] = (float)(scale * dl_rng_normal_of(draws[2k], draws[2k + 1])) for
 * k < n, the same floats bit for bit, at 4 times the speed where the CPU
 * has AVX2 (rng_normal.c says how). */
void dl_rng_normals_f32(const uint64_t *draws, size_t n, double scale, float *out);
/* Uniform integer in [0, n), unbiased; n > 0. */
uint64_t dl_rng_below(dl_rng *r, uint64_t n);
/* Fisher-Yates shuffle of idx[0..n). */
void dl_rng_shuffle(dl_rng *r, uint64_t *idx, size_t n);

#endif
