/* nn_simd.h - AVX2 versions of the hottest elementwise loops of nn and optim
 * (internal).
 *
 * The build targets baseline x86-64 and keeps errno on sqrtf, so the compiler
 * leaves these loops scalar; here they are written with intrinsics in
 * functions compiled for AVX2 and chosen at run time when the CPU has it.
 * Each lane performs exactly the IEEE operations of the scalar code in the
 * same order (no FMA, no reassociation), so results are the same bits either
 * way.  Every function returns how many leading elements it handled (a
 * multiple of 8, or 0 without AVX2); the caller finishes the rest in scalar
 * code. */
#ifndef DL_NN_SIMD_H
#define DL_NN_SIMD_H

#include <stddef.h>

/* Row r of z [rows x cols]: z += bias, a = z > 0 ? z : slope * z
 * (slope 0 gives relu, exactly z > 0 ? z : 0).  Handles the first
 * returned columns of every row. */
size_t simd_bias_relu(float *z, float *a, const float *bias, size_t rows, size_t cols,
                      float slope);
/* Row r of z [rows x cols]: z += bias, a = simd_tanhf(z); the first returned
 * columns of every row. */
size_t simd_bias_tanh(float *z, float *a, const float *bias, size_t rows, size_t cols);
/* tanh in float (Cephes' tanhf, within 2 ulp of the exact value): the
 * network's tanh, the same bits with or without AVX2. */
float simd_tanhf(float x);
/* d[i] *= z[i] > 0 ? 1 : slope. */
size_t simd_relu_backward(const float *z, float *d, size_t n, float slope);
/* The adam update of optim.c, k = {b1, b2, c1, c2, step, bc2, eps}:
 *   m = b1 m + c1 g;  v = b2 v + (c2 g) g;  w -= (step m) / (sqrt(v) / bc2 + eps)
 * (g is only read); with acc (else NULL), g's squares are added to it in
 * the same pass, as simd_sum_squares adds them.  With `stream` (and w 32-byte aligned) w is written
 * around the cache (non-temporal stores, fenced before returning): for
 * weights that other cores read next, whose copies a cached write would
 * first wait to invalidate, line by line. */
size_t simd_adam(float *w, float *m, float *v, const float *g, size_t n, const float k[7],
                 int stream, double acc[8]);
/* p[i] = 0 around the cache, as adam's stream, fenced; p 32-byte aligned, else
 * nothing is done (returns 0). */
size_t simd_clear_stream(float *p, size_t n);
/* The gradient norm's sum of squares (optim.c): for each block of 8,
 * acc[j] += (double)g[i + j] * g[i + j], j = 0..7 in turn (the product is
 * exact in double, so lanes doing it are the scalar loop's bits). */
size_t simd_sum_squares(const float *g, size_t n, double acc[8]);

#endif
