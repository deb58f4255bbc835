/* nn_simd.c - AVX2 kernels with run-time dispatch; see nn_simd.h. */
#include "nn_simd.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

/* ------------------------------- tanh --------------------------------- */
/* Cephes' tanhf (about 2 ulp): an odd polynomial below 0.625, else
 * 1 - 2 / (exp(2|x|) + 1) with Cephes' expf (argument clamped at 20, where
 * the result is 1 in float); the sign copied from x.  The AVX2 kernel below
 * performs exactly these float operations lane by lane. */
#define TANH_SMALL 0.625f
#define TANH_CLAMP 10.0f
#define EXP_LOG2E 1.44269504088896341f
#define EXP_C1 0.693359375f
#define EXP_C2 -2.12194440e-4f
static const float tanh_p[5] = {-5.70498872745e-3f, 2.06390887954e-2f, -5.37397155531e-2f,
                                1.33314422036e-1f, -3.33332819422e-1f};
static const float exp_p[6] = {1.9875691500e-4f, 1.3981999507e-3f, 8.3334519073e-3f,
                               4.1665795894e-2f, 1.6666665459e-1f, 5.0000001201e-1f};

static float bits_float(uint32_t u)
{
    float f;
    memcpy(&f, &u, sizeof f);
    return f;
}

static uint32_t float_bits(float f)
{
    uint32_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

float simd_tanhf(float x)
{
    uint32_t sign = float_bits(x) & 0x80000000u;
    float t = bits_float(float_bits(x) & 0x7fffffffu), r;
    if (t > TANH_SMALL) {
        float u = 2.0f * (t < TANH_CLAMP ? t : TANH_CLAMP);
        float n = floorf(u * EXP_LOG2E + 0.5f);
        float f = u - n * EXP_C1;
        f = f - n * EXP_C2;
        float z = f * f, y = exp_p[0];
        for (int i = 1; i < 6; i++)
            y = y * f + exp_p[i];
        y = y * z + f + 1.0f;
        y = y * bits_float((uint32_t)((int32_t)n + 127) << 23);
        r = 1.0f - 2.0f / (y + 1.0f);
    } else {
        float z = t * t, y = tanh_p[0];
        for (int i = 1; i < 5; i++)
            y = y * z + tanh_p[i];
        r = y * z * t + t;
    }
    return bits_float(float_bits(r) | sign);
}

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

AVX2 static __m256 tanh_avx2(__m256 x)
{
    __m256 signbit = _mm256_set1_ps(-0.0f);
    __m256 sign = _mm256_and_ps(x, signbit), t = _mm256_andnot_ps(signbit, x);
    /* the exp branch */
    __m256 u = _mm256_mul_ps(_mm256_set1_ps(2.0f), _mm256_min_ps(t, _mm256_set1_ps(TANH_CLAMP)));
    __m256 n = _mm256_floor_ps(_mm256_add_ps(_mm256_mul_ps(u, _mm256_set1_ps(EXP_LOG2E)),
                                             _mm256_set1_ps(0.5f)));
    __m256 f = _mm256_sub_ps(u, _mm256_mul_ps(n, _mm256_set1_ps(EXP_C1)));
    f = _mm256_sub_ps(f, _mm256_mul_ps(n, _mm256_set1_ps(EXP_C2)));
    __m256 z = _mm256_mul_ps(f, f), y = _mm256_set1_ps(exp_p[0]);
    for (int i = 1; i < 6; i++)
        y = _mm256_add_ps(_mm256_mul_ps(y, f), _mm256_set1_ps(exp_p[i]));
    y = _mm256_add_ps(_mm256_add_ps(_mm256_mul_ps(y, z), f), _mm256_set1_ps(1.0f));
    __m256i e = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    y = _mm256_mul_ps(y, _mm256_castsi256_ps(e));
    __m256 big = _mm256_sub_ps(_mm256_set1_ps(1.0f),
                               _mm256_div_ps(_mm256_set1_ps(2.0f), _mm256_add_ps(y, _mm256_set1_ps(1.0f))));
    /* the polynomial branch */
    __m256 z2 = _mm256_mul_ps(t, t), p = _mm256_set1_ps(tanh_p[0]);
    for (int i = 1; i < 5; i++)
        p = _mm256_add_ps(_mm256_mul_ps(p, z2), _mm256_set1_ps(tanh_p[i]));
    __m256 small = _mm256_add_ps(_mm256_mul_ps(_mm256_mul_ps(p, z2), t), t);
    __m256 r = _mm256_blendv_ps(small, big, _mm256_cmp_ps(t, _mm256_set1_ps(TANH_SMALL), _CMP_GT_OQ));
    return _mm256_or_ps(r, sign);
}

AVX2 static size_t bias_tanh_avx2(float *z, float *a, const float *bias, size_t rows, size_t cols)
{
    size_t done = cols / 8 * 8;
    for (size_t r = 0; r < rows; r++) {
        float *zr = z + r * cols, *ar = a + r * cols;
        for (size_t j = 0; j < done; j += 8) {
            __m256 v = _mm256_add_ps(_mm256_loadu_ps(zr + j), _mm256_loadu_ps(bias + j));
            _mm256_storeu_ps(zr + j, v);
            _mm256_storeu_ps(ar + j, tanh_avx2(v));
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

/* g's squares into the lanes of acc: sum_squares_avx2's arithmetic. */
AVX2 static inline void add_squares_avx2(__m256d *lo, __m256d *hi, __m256 gi)
{
    __m256d a = _mm256_cvtps_pd(_mm256_castps256_ps128(gi));
    __m256d b = _mm256_cvtps_pd(_mm256_extractf128_ps(gi, 1));
    *lo = _mm256_add_pd(*lo, _mm256_mul_pd(a, a));
    *hi = _mm256_add_pd(*hi, _mm256_mul_pd(b, b));
}

AVX2 static size_t adam_avx2(float *w, float *m, float *v, const float *g, size_t n,
                             const float k[7], int stream, double acc[8])
{
    size_t done = n / 8 * 8;
    __m256d lo = _mm256_setzero_pd(), hi = _mm256_setzero_pd();
    if (acc)
        lo = _mm256_loadu_pd(acc), hi = _mm256_loadu_pd(acc + 4);
    __m256 b1 = _mm256_set1_ps(k[0]), b2 = _mm256_set1_ps(k[1]), c1 = _mm256_set1_ps(k[2]);
    __m256 c2 = _mm256_set1_ps(k[3]), step = _mm256_set1_ps(k[4]), bc2 = _mm256_set1_ps(k[5]);
    __m256 eps = _mm256_set1_ps(k[6]);
    for (size_t i = 0; i < done; i += 8) {
        __m256 gi = _mm256_loadu_ps(g + i);
        if (acc)
            add_squares_avx2(&lo, &hi, gi);
        __m256 mi = _mm256_add_ps(_mm256_mul_ps(b1, _mm256_loadu_ps(m + i)), _mm256_mul_ps(c1, gi));
        __m256 vi = _mm256_add_ps(_mm256_mul_ps(b2, _mm256_loadu_ps(v + i)),
                                  _mm256_mul_ps(_mm256_mul_ps(c2, gi), gi));
        __m256 den = _mm256_add_ps(_mm256_div_ps(_mm256_sqrt_ps(vi), bc2), eps);
        __m256 upd = _mm256_div_ps(_mm256_mul_ps(step, mi), den);
        _mm256_storeu_ps(m + i, mi);
        _mm256_storeu_ps(v + i, vi);
        __m256 wi = _mm256_sub_ps(_mm256_loadu_ps(w + i), upd);
        if (stream)
            _mm256_stream_ps(w + i, wi);
        else
            _mm256_storeu_ps(w + i, wi);
    }
    if (stream)
        _mm_sfence();
    if (acc) {
        _mm256_storeu_pd(acc, lo);
        _mm256_storeu_pd(acc + 4, hi);
    }
    return done;
}

static int aligned_32(const float *p) { return ((uintptr_t)p & 31) == 0; }

AVX2 static size_t clear_stream_avx2(float *p, size_t n)
{
    size_t done = n / 8 * 8;
    for (size_t i = 0; i < done; i += 8)
        _mm256_stream_ps(p + i, _mm256_setzero_ps());
    _mm_sfence();
    return done;
}

AVX2 static size_t sum_squares_avx2(const float *g, size_t n, double acc[8])
{
    size_t done = n / 8 * 8;
    __m256d lo = _mm256_loadu_pd(acc), hi = _mm256_loadu_pd(acc + 4);
    for (size_t i = 0; i < done; i += 8)
        add_squares_avx2(&lo, &hi, _mm256_loadu_ps(g + i));
    _mm256_storeu_pd(acc, lo);
    _mm256_storeu_pd(acc + 4, hi);
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

size_t simd_bias_tanh(float *z, float *a, const float *bias, size_t rows, size_t cols)
{
#if NN_HAVE_X86
    if (have_avx2())
        return bias_tanh_avx2(z, a, bias, rows, cols);
#endif
    (void)z, (void)a, (void)bias, (void)rows, (void)cols;
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

size_t simd_adam(float *w, float *m, float *v, const float *g, size_t n, const float k[7],
                 int stream, double acc[8])
{
#if NN_HAVE_X86
    if (have_avx2())
        return adam_avx2(w, m, v, g, n, k, stream && aligned_32(w), acc);
#endif
    (void)w, (void)m, (void)v, (void)g, (void)n, (void)k, (void)stream, (void)acc;
    return 0;
}

size_t simd_clear_stream(float *p, size_t n)
{
#if NN_HAVE_X86
    if (have_avx2() && aligned_32(p))
        return clear_stream_avx2(p, n);
#endif
    (void)p, (void)n;
    return 0;
}

size_t simd_sum_squares(const float *g, size_t n, double acc[8])
{
#if NN_HAVE_X86
    if (have_avx2())
        return sum_squares_avx2(g, n, acc);
#endif
    (void)g, (void)n, (void)acc;
    return 0;
}
