/* nn_simd.c - AVX2 kernels with run-time dispatch; see nn_simd.h. */
#include "nn_simd.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define NN_HAVE_X86 1
#define AVX2 __attribute__((target("avx2")))

static int have_avx2(void) { return __builtin_cpu_supports("avx2"); }

AVX2 static size_t bias_relu_avx2(float *z, float *a, const float *bias, size_t rows,
                                  size_t cols, float slope)
{
    size_t done = cols / 8 * 8;
    __m256 zero = _mm256_setzero_ps(), s = _mm256_set1_ps(slope);
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * cols, *ar = a + r * cols;
        for (size_t j = 0; j < done; j += 8) {
            __m256 v = _mm256_add_ps(_mm256_loadu_ps(zr + j), _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(zr + j, v);
            /* max(v, 0) returns its second operand for NaN and for -0: the
             * scalar v > 0 ? v : 0 */
            __m256 out = slope == 0.0f
                             ? _mm256_max_ps(v, zero)
                             : _mm256_blendv_ps(_mm256_mul_ps(s, v), v,
                                                _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
            _mm256_storeu_ps(ar + j, out);
        }
    }
    return done;
}

AVX2 static size_t relu_backward_avx2(const float *z, float *d, size_t n, float slope)
{
    size_t done = n / 8 * 8;
    __m256 zero = _mm256_setzero_ps(), one = _mm256_set1_ps(1.0f), s = _mm256_set1_ps(slope);
    for (size_t i = 0; i < done; i += 8) {
        __m256 f = _mm256_blendv_ps(s, one, _mm256_cmp_ps(_mm256_loadu_ps(z + i), zero, _CMP_GT_OQ));
        _mm256_storeu_ps(d + i, _mm256_mul_ps(_mm256_loadu_ps(d + i), f));
    }
    return done;
}

AVX2 static size_t adam_avx2(float *w, float *m, float *v, float *g, size_t n,
                             const float k[7])
{
    size_t done = n / 8 * 8;
    __m256 b1 = _mm256_set1_ps(k[0]), b2 = _mm256_set1_ps(k[1]), c1 = _mm256_set1_ps(k[2]);
    __m256 c2 = _mm256_set1_ps(k[3]), step = _mm256_set1_ps(k[4]), bc2 = _mm256_set1_ps(k[5]);
    __m256 eps = _mm256_set1_ps(k[6]);
    for (size_t i = 0; i < done; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        _mm256_storeu_ps(g + i, _mm256_setzero_ps());
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)),
                                  _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
        __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2), eps);
        __m256 upd = _mm256_div_ps(_mm256_mul_ps(step, mi), den);
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        _mm256_storeu_ps(w + i, _mm256_sub_ps(_mm256_loadu_ps(w + i), upd));
    }
    return done;
}
#else
#define NN_HAVE_X86 0
#endif

size_t simd_bias_relu(float *z, float *a, const float *bias, size_t rows, size_t cols,
                      float slope)
{
#if NN_HAVE_X86
    if (have_avx2())
        return bias_relu_avx2(z, a, bias, rows, cols, slope);
#endif
    (void)z, (void)a, (void)bias, (void)rows, (void)cols, (void)slope;
    return 0;
}

size_t simd_relu_backward(const float *z, float *d, size_t n, float slope)
{
#if NN_HAVE_X86
    if (have_avx2())
        return relu_backward_avx2(z, d, n, slope);
#endif
    (void)z, (void)d, (void)n, (void)slope;
    return 0;
}

size_t simd_adam(float *w, float *m, float *v, float *g, size_t n, const float k[7])
{
#if NN_HAVE_X86
    if (have_avx2())
        return adam_avx2(w, m, v, g, n, k);
#endif
    (void)w, (void)m, (void)v, (void)g, (void)n, (void)k;
    return 0;
}
