/* rng_normal.c - many normals at once (dl_rng_normals_f32, see rng.h): the
 * floats dl_rng_normal_of gives, four at a time with AVX2 and FMA, without
 * a call to libm's log and cos for each (4 times the speed).
 *
 * The normal is s * sqrt(-2 log u1) * cos(2 pi u2) in double, rounded once
 * to float.  Here log and cos are fdlibm's algorithms (FreeBSD's e_log.c,
 * e_rem_pio2.c, k_cos.c and k_sin.c), within about an ulp of the true
 * values as libm's are, so the double product lies within a few ulps of the
 * one libm's functions give.  Rounding to float then gives the same float,
 * unless the product lies near the midpoint of two floats: the 29 bits a
 * double has beyond a float's say how near.  Within MIDPOINT_ULPS of one
 * (about 1 value in a million), or outside float's normal range, the normal
 * is made again with libm's functions.  So every float is
 * dl_rng_normal_of's own, bit for bit (test_rng compares millions).  CPUs
 * without AVX2 and FMA call dl_rng_normal_of for each. */
#include "rng.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define HAVE_AVX2_PATH 1
#define AVX2_FMA __attribute__((target("avx2,fma")))

/* Far beyond the few ulps the two ways can differ by. */
#define MIDPOINT_ULPS 256
#define HALF_FLOAT_ULP ((long long)1 << 28) /* a float's ulp is 2^29 of a double's */
#define BEYOND_FLOAT (((long long)1 << 29) - 1)

typedef __m256d vd;

static const double two_pi = 6.283185307179586, /* as dl_rng_normal_of */
    two_over_pi = 6.36619772367581382433e-01, sqrt2 = 1.41421356237309514547e+00,
    two52 = 4503599627370496.0, ln2_hi = 6.93147180369123816490e-01,
    ln2_lo = 1.90821492927058770002e-10,
    /* pi/2 in three parts of 33 bits, and what is left after the 2nd and 3rd */
    pio2_1 = 1.57079632673412561417e+00, pio2_2 = 6.07710050630396597660e-11,
    pio2_2t = 2.02226624879595063154e-21, pio2_3 = 2.02226624871116645580e-21,
    pio2_3t = 8.47842766036889956997e-32;
static const double lg[7] = {6.666666666666735130e-01, 3.999999999940941908e-01,
                             2.857142874366239149e-01, 2.222219843214978396e-01,
                             1.818357216161805012e-01, 1.531383769920937332e-01,
                             1.479819860511658591e-01};
static const double cs[6] = {4.16666666666666019037e-02,  -1.38888888888741095749e-03,
                             2.48015872894767294178e-05,  -2.75573143513906633035e-07,
                             2.08757232129817482790e-09,  -1.13596475577881948265e-11};
static const double sn[6] = {-1.66666666666666324348e-01, 8.33333333332248946124e-03,
                             -1.98412698298579493134e-04, 2.75573137070700676789e-06,
                             -2.50507602534068634195e-08, 1.58969099521155010221e-10};

AVX2_FMA static vd set1(double v) { return _mm256_set1_pd(v); }

AVX2_FMA static __m256i set1i(long long v) { return _mm256_set1_epi64x(v); }

/* Integers below 2^52 as doubles, exactly: 2^52 + i - 2^52. */
AVX2_FMA static vd small_ints(__m256i i)
{
    return _mm256_sub_pd(_mm256_castsi256_pd(_mm256_or_si256(i, _mm256_castpd_si256(set1(two52)))),
                         set1(two52));
}

/* (draw >> 11) 2^-53 as dl_rng_uniform: the 53 bits as hi 2^21 + lo, each
 * part exact as a double, and so their scaled sum. */
AVX2_FMA static vd uniform4(__m256i draw)
{
    vd hi = small_ints(_mm256_srli_epi64(draw, 32));
    vd lo = small_ints(_mm256_and_si256(_mm256_srli_epi64(draw, 11), set1i(0x1fffff)));
    return _mm256_fmadd_pd(hi, set1(0x1.0p-32), _mm256_mul_pd(lo, set1(0x1.0p-53)));
}

/* log(x) for x in [2^-53, 1], all normal: x = 2^k m with m in [sqrt(2)/2,
 * sqrt(2)), f = m - 1, s = f / (2 + f), log(1 + f) = 2s + a polynomial in
 * s^2, added in fdlibm's order. */
AVX2_FMA static vd log_unit4(vd x)
{
    __m256i b = _mm256_castpd_si256(x);
    vd m = _mm256_castsi256_pd(
        _mm256_or_si256(_mm256_and_si256(b, set1i(0x000fffffffffffffLL)), set1i(0x3ff0000000000000LL)));
    vd k = _mm256_sub_pd(small_ints(_mm256_srli_epi64(b, 52)), set1(1023.0));
    vd big = _mm256_cmp_pd(m, set1(sqrt2), _CMP_GT_OQ);
    m = _mm256_blendv_pd(m, _mm256_mul_pd(m, set1(0.5)), big);
    k = _mm256_add_pd(k, _mm256_and_pd(big, set1(1.0)));
    vd f = _mm256_sub_pd(m, set1(1.0));
    vd s = _mm256_div_pd(f, _mm256_add_pd(set1(2.0), f));
    vd z = _mm256_mul_pd(s, s), w = _mm256_mul_pd(z, z);
    vd t1 = _mm256_mul_pd(w, _mm256_fmadd_pd(w, _mm256_fmadd_pd(w, set1(lg[5]), set1(lg[3])),
                                             set1(lg[1])));
    vd t2 = _mm256_fmadd_pd(w, _mm256_fmadd_pd(w, set1(lg[6]), set1(lg[4])), set1(lg[2]));
    t2 = _mm256_mul_pd(z, _mm256_fmadd_pd(w, t2, set1(lg[0])));
    vd hfsq = _mm256_mul_pd(_mm256_mul_pd(set1(0.5), f), f);
    vd r = _mm256_fmadd_pd(s, _mm256_add_pd(_mm256_add_pd(hfsq, t1), t2),
                           _mm256_mul_pd(k, set1(ln2_lo)));
    return _mm256_fmsub_pd(k, set1(ln2_hi), _mm256_sub_pd(_mm256_sub_pd(hfsq, r), f));
}

/* One step of Cody and Waite: r - n p, its rounding error carried in w with
 * n pt, the rest of pi/2 after p. */
AVX2_FMA static void reduce_step(vd *r, vd *w, vd n, double p, double pt)
{
    vd t = *r, np = _mm256_mul_pd(n, set1(p));
    *r = _mm256_sub_pd(t, np);
    *w = _mm256_sub_pd(_mm256_mul_pd(n, set1(pt)), _mm256_sub_pd(_mm256_sub_pd(t, *r), np));
}

/* cos(y0 + y1) and sin(y0 + y1) for |y0| <= pi/4 (k_cos.c, k_sin.c). */
AVX2_FMA static void kernels(vd y0, vd y1, vd *c, vd *s)
{
    vd z = _mm256_mul_pd(y0, y0), zz = _mm256_mul_pd(z, z);
    vd rc = _mm256_fmadd_pd(z, _mm256_fmadd_pd(z, set1(cs[2]), set1(cs[1])), set1(cs[0]));
    vd rc2 = _mm256_fmadd_pd(z, _mm256_fmadd_pd(z, set1(cs[5]), set1(cs[4])), set1(cs[3]));
    rc = _mm256_fmadd_pd(_mm256_mul_pd(zz, zz), rc2, _mm256_mul_pd(z, rc));
    vd hz = _mm256_mul_pd(set1(0.5), z), one_hz = _mm256_sub_pd(set1(1.0), hz);
    *c = _mm256_add_pd(one_hz, _mm256_add_pd(_mm256_sub_pd(_mm256_sub_pd(set1(1.0), one_hz), hz),
                                             _mm256_fmsub_pd(z, rc, _mm256_mul_pd(y0, y1))));
    vd v = _mm256_mul_pd(z, y0);
    vd rs = _mm256_fmadd_pd(_mm256_mul_pd(z, zz), _mm256_fmadd_pd(z, set1(sn[5]), set1(sn[4])),
                            _mm256_fmadd_pd(z, _mm256_fmadd_pd(z, set1(sn[3]), set1(sn[2])),
                                            set1(sn[1])));
    vd t = _mm256_sub_pd(_mm256_mul_pd(z, _mm256_fmsub_pd(set1(0.5), y1, _mm256_mul_pd(v, rs))), y1);
    *s = _mm256_sub_pd(y0, _mm256_fnmadd_pd(v, set1(sn[0]), t));
}

/* cos(x) for x in [0, 2 pi]: x - n pi/2 in three steps, exact enough for
 * the smallest remainder a double there leaves, then by n mod 4: cos,
 * -sin, -cos, sin of the remainder. */
AVX2_FMA static vd cos_turn4(vd x)
{
    vd n = _mm256_round_pd(_mm256_mul_pd(x, set1(two_over_pi)),
                           _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    vd r = _mm256_sub_pd(x, _mm256_mul_pd(n, set1(pio2_1))), w; /* exact */
    reduce_step(&r, &w, n, pio2_2, pio2_2t);
    reduce_step(&r, &w, n, pio2_3, pio2_3t);
    vd y0 = _mm256_sub_pd(r, w), y1 = _mm256_sub_pd(_mm256_sub_pd(r, y0), w), c, s;
    kernels(y0, y1, &c, &s);
    __m256i q = _mm256_castpd_si256(_mm256_add_pd(n, set1(two52))); /* n in the low bits */
    vd odd = _mm256_castsi256_pd(_mm256_cmpeq_epi64(_mm256_and_si256(q, set1i(1)), set1i(1)));
    __m256i minus = _mm256_slli_epi64(_mm256_and_si256(_mm256_add_epi64(q, set1i(1)), set1i(2)), 62);
    return _mm256_xor_pd(_mm256_blendv_pd(c, s, odd), _mm256_castsi256_pd(minus));
}

/* A bit for each lane whose rounding to float libm must decide: v near a
 * midpoint of two floats, or outside float's normal range. */
AVX2_FMA static int undecided(vd v)
{
    vd a = _mm256_andnot_pd(set1(-0.0), v);
    vd normal = _mm256_and_pd(_mm256_cmp_pd(a, set1(0x1p-126), _CMP_GE_OQ),
                              _mm256_cmp_pd(a, set1(0x1p127), _CMP_LT_OQ));
    __m256i low = _mm256_and_si256(_mm256_castpd_si256(v), set1i(BEYOND_FLOAT));
    __m256i above = _mm256_cmpgt_epi64(low, set1i(HALF_FLOAT_ULP - MIDPOINT_ULPS - 1));
    __m256i below = _mm256_cmpgt_epi64(set1i(HALF_FLOAT_ULP + MIDPOINT_ULPS + 1), low);
    vd near = _mm256_castsi256_pd(_mm256_and_si256(above, below));
    return _mm256_movemask_pd(_mm256_andnot_pd(near, normal)) ^ 0xf;
}

AVX2_FMA static size_t normals_avx2(const uint64_t *draws, size_t n, double scale, float *out)
{
    size_t done = n / 4 * 4;
    for (size_t k = 0; k < done; k += 4) {
        /* a0 b0 a1 b1 | a2 b2 a3 b3  ->  a0 a1 a2 a3 and b0 b1 b2 b3 */
        __m256i p = _mm256_loadu_si256((const void *)(draws + 2 * k));
        __m256i q = _mm256_loadu_si256((const void *)(draws + 2 * k + 4));
        __m256i a = _mm256_permute4x64_epi64(_mm256_unpacklo_epi64(p, q), 0xd8);
        __m256i b = _mm256_permute4x64_epi64(_mm256_unpackhi_epi64(p, q), 0xd8);
        vd l = log_unit4(_mm256_sub_pd(set1(1.0), uniform4(a)));
        vd c = cos_turn4(_mm256_mul_pd(set1(two_pi), uniform4(b)));
        vd r = _mm256_sqrt_pd(_mm256_mul_pd(set1(-2.0), l));
        vd v = _mm256_mul_pd(set1(scale), _mm256_mul_pd(r, c));
        _mm_storeu_ps(out + k, _mm256_cvtpd_ps(v));
        for (int redo = undecided(v), j = 0; redo; j++, redo >>= 1)
            if (redo & 1)
                out[k + j] = (float)(scale * dl_rng_normal_of(draws[2 * (k + j)],
                                                              draws[2 * (k + j) + 1]));
    }
    return done;
}

static int have_avx2_fma(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}
#else
#define HAVE_AVX2_PATH 0
#endif

void dl_rng_normals_f32(const uint64_t *draws, size_t n, double scale, float *out)
{
    size_t k = 0;
#if HAVE_AVX2_PATH
    if (have_avx2_fma())
        k = normals_avx2(draws, n, scale, out);
#endif
    for (; k < n; k++)
        out[k] = (float)(scale * dl_rng_normal_of(draws[2 * k], draws[2 * k + 1]));
}
