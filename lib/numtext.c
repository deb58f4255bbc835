#include "numtext.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numtext_pow5.h"

/* Powers of ten that are exact in a double (5^22 < 2^53): the operands of
 * Clinger's fast path. */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                     1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                     1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
enum { KIND_FINITE, KIND_NAN, KIND_INF };

/* What the scanner saw: sign * mant * 10^exp10, where mant holds the first
 * 19 significant digits and `truncated` says whether nonzero digits were
 * dropped after them. */
typedef struct decimal {
    uint64_t mant;
    int64_t exp10;
    int neg, truncated, kind;
} decimal;

static int is_digit(char c) { return c >= '0' && c <= '9'; }

static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Case-insensitive match of `word` at p; returns its length or 0. */
static size_t match_word(const char *p, const char *end, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(end - p) < n)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(p[i]) != word[i])
            return 0;
    return n;
}

static const char *scan_special(const char *p, const char *end, decimal *d, int *ok)
{
    size_t n;
    if ((n = match_word(p, end, "nan")) != 0)
        d->kind = KIND_NAN;
    else if ((n = match_word(p, end, "infinity")) != 0 || (n = match_word(p, end, "inf")) != 0)
        d->kind = KIND_INF;
    *ok = n != 0;
    return p + n;
}

/* Digits of the mantissa, before and after the point. */
static const char *scan_mantissa(const char *p, const char *end, decimal *d, int *ndigits)
{
    int sig = 0; /* significant digits kept in mant */
    *ndigits = 0;
    for (; p < end && is_digit(*p); p++, (*ndigits)++) {
        if (d->mant == 0 && *p == '0')
            continue;
        if (sig < 19) {
            d->mant = d->mant * 10 + (uint64_t)(*p - '0');
            sig++;
        } else {
            d->exp10++;
            d->truncated |= *p != '0';
        }
    }
    if (p < end && *p == '.') {
        p++;
        for (; p < end && is_digit(*p); p++, (*ndigits)++) {
            if (d->mant == 0 && *p == '0') {
                d->exp10--;
                continue;
            }
            if (sig < 19) {
                d->mant = d->mant * 10 + (uint64_t)(*p - '0');
                d->exp10--;
                sig++;
            } else {
                d->truncated |= *p != '0';
            }
        }
    }
    return p;
}

/* An exponent part, added to *exp10; consumed only when it is complete
 * ("1e" stops at 'e'). */
static inline const char *scan_exponent(const char *p, const char *end, int64_t *exp10)
{
    if (p >= end || (*p | 0x20) != 'e')
        return p;
    const char *q = p + 1;
    int neg = q < end && *q == '-';
    q += q < end && (*q == '-' || *q == '+');
    if (q >= end || !is_digit(*q))
        return p;
    int64_t x = 0;
    for (; q < end && is_digit(*q); q++)
        if (x < 1000000) /* far beyond any double; keeps the sum exact */
            x = x * 10 + (*q - '0');
    *exp10 += neg ? -x : x;
    return q;
}

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
#define NT_SWAR 1
/* Eight ASCII digits at once (SWAR, as in fast_float).  x is the eight
 * bytes XOR '0': digits are then 0..9.  A byte's top bit in the result
 * marks it as not a digit (>= 0x80, or >= 10 in its low seven bits; the
 * sum never carries into the next byte). */
static inline uint64_t non_digits(uint64_t x)
{
    return (x | ((x & 0x7F7F7F7F7F7F7F7FULL) + 0x7676767676767676ULL)) & 0x8080808080808080ULL;
}

/* The value of eight digits 0..9, the first in the lowest byte. */
static inline uint64_t eight_value(uint64_t x)
{
    x = (x * 10) + (x >> 8);
    x = (((x & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
         (((x >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >> 32;
    return x;
}

/* 10^0 .. 10^18 */
static const uint64_t pow10_u64[19] = {1ULL, 10ULL, 100ULL, 1000ULL, 10000ULL, 100000ULL,
    1000000ULL, 10000000ULL, 100000000ULL, 1000000000ULL, 10000000000ULL, 100000000000ULL,
    1000000000000ULL, 10000000000000ULL, 100000000000000ULL, 1000000000000000ULL,
    10000000000000000ULL, 100000000000000000ULL, 1000000000000000000ULL};

static inline int trailing_zeros(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_ctzll(x);
#else
    int n = 0;
    for (; !(x & 1); x >>= 1)
        n++;
    return n;
#endif
}
#endif

/* A run of digits folded into *m (which wraps past 19 digits; the caller
 * counts digits and rescans such long numbers carefully).  Eight bytes at a
 * time: the digits among them are found and valued without a branch per
 * digit, which random-length numbers would mispredict. */
static inline const char *fold_digits(const char *p, const char *end, uint64_t *mant)
{
    uint64_t m = *mant; /* a local: stores through *mant could alias p */
#ifdef NT_SWAR
    while (end - p >= 8) {
        uint64_t v;
        memcpy(&v, p, 8);
        v ^= 0x3030303030303030ULL;
        uint64_t stop = non_digits(v);
        if (stop == 0) {
            m = m * 100000000 + eight_value(v);
            p += 8;
            continue;
        }
        /* the n digits before the first other byte, moved to the top bytes
         * with zeros before them (none left when n is 0: no branch on it) */
        int n = trailing_zeros(stop) >> 3;
        m = m * pow10_u64[n] + eight_value(v << (56 - 8 * n) << 8);
        *mant = m;
        return p + n;
    }
#endif
    for (; p < end && is_digit(*p); p++)
        m = m * 10 + (uint64_t)(*p - '0');
    *mant = m;
    return p;
}

/* Zeros before the first significant digit of [p, end) (digits and '.'). */
static int64_t zeros_before_significant(const char *p, const char *end)
{
    int64_t n = 0;
    for (; p < end && (*p == '0' || *p == '.'); p++)
        n += *p == '0';
    return n;
}

static inline const char *scan_decimal(const char *s, const char *end, decimal *d, int *ok)
{
    const char *p = s;
    memset(d, 0, sizeof *d);
    if (p < end && (*p == '+' || *p == '-'))
        d->neg = *p++ == '-';
    if (p < end && (lower(*p) == 'n' || lower(*p) == 'i'))
        return scan_special(p, end, d, ok);
    const char *digits = p;
    p = fold_digits(p, end, &d->mant);
    int64_t ndigits = p - digits;
    if (p < end && *p == '.') {
        const char *frac = ++p;
        p = fold_digits(p, end, &d->mant);
        d->exp10 = -(p - frac);
        ndigits += p - frac;
    }
    *ok = ndigits > 0;
    if (!*ok)
        return p;
    if (ndigits > 19 && ndigits - zeros_before_significant(digits, p) > 19) { /* mant wrapped */
        int again;
        d->mant = 0;
        d->exp10 = 0;
        scan_mantissa(digits, end, d, &again);
    }
    return scan_exponent(p, end, &d->exp10);
}

/* strtod/strtof on a terminated copy of [s, stop): the slow, exact path. */
static int slow_parse(const char *s, const char *stop, int is_float, double *dv, float *fv)
{
    char local[128];
    size_t n = (size_t)(stop - s);
    char *buf = n < sizeof local ? local : malloc(n + 1);
    if (!buf)
        return NT_RANGE;
    memcpy(buf, s, n);
    buf[n] = '\0';
    errno = 0;
    int status = NT_OK;
    if (is_float) {
        *fv = strtof(buf, NULL);
        if (errno == ERANGE && isinf(*fv))
            status = NT_RANGE;
    } else {
        *dv = strtod(buf, NULL);
        if (errno == ERANGE && isinf(*dv))
            status = NT_RANGE;
    }
    if (buf != local)
        free(buf);
    return status;
}

static int special_value(const decimal *d, double *out)
{
    double v = d->kind == KIND_NAN ? NAN : d->kind == KIND_INF ? INFINITY : 0.0;
    *out = d->neg ? -v : v;
    return d->kind != KIND_FINITE || d->mant == 0;
}

/* Clinger: mant and 10^|exp10| are both exact doubles, so one correctly
 * rounded multiplication or division gives the correctly rounded result. */
static int fast_f64(const decimal *d, double *out)
{
    if (d->truncated || d->mant > ((uint64_t)1 << 53) || d->exp10 < -22 || d->exp10 > 22)
        return 0;
    double v = (double)d->mant;
    v = d->exp10 < 0 ? v / pow10_exact[-d->exp10] : v * pow10_exact[d->exp10];
    *out = d->neg ? -v : v;
    return 1;
}

/* The high and low halves of a 64 x 64-bit product. */
static void mul_64x64(uint64_t a, uint64_t b, uint64_t *hi, uint64_t *lo)
{
#if defined(__SIZEOF_INT128__)
    unsigned __int128 p = (unsigned __int128)a * b;
    *hi = (uint64_t)(p >> 64);
    *lo = (uint64_t)p;
#else
    uint64_t a0 = (uint32_t)a, a1 = a >> 32, b0 = (uint32_t)b, b1 = b >> 32;
    uint64_t p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
    uint64_t mid = (p00 >> 32) + (uint32_t)p01 + (uint32_t)p10;
    *hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
    *lo = (mid << 32) | (uint32_t)p00;
#endif
}

static int leading_zeros(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_clzll(x);
#else
    int n = 0;
    for (uint64_t bit = (uint64_t)1 << 63; !(x & bit); bit >>= 1)
        n++;
    return n;
#endif
}

/* Eisel-Lemire (Lemire, "Number parsing at a gigabyte per second", 2021,
 * as in fast_float): mant * 10^q from a 128-bit approximation of 5^q.
 * With an exact mantissa of at most 19 digits the product is always
 * precise enough (Mushtak & Lemire 2023), so there is no fallback except
 * for truncated mantissas, which the caller sends to strtod.  Here mant is
 * not 0 and q is within the table; the result is the double's bits but the
 * sign.  `normal` says that the caller knows the value to be a normal
 * double (the window's mantissas without an exponent): the checks for a
 * subnormal and for infinity are then left out. */
static inline uint64_t eisel_lemire_bits(uint64_t mant, int64_t q, int normal)
{
    int lz = leading_zeros(mant);
    uint64_t w = mant << lz, hi, lo, hi2, lo2;
    const uint64_t *p5 = nt_pow5_128[q - NT_POW5_MIN];
    mul_64x64(w, p5[0], &hi, &lo);
    if ((hi & 0x1FF) == 0x1FF) { /* the low half could carry into the result */
        mul_64x64(w, p5[1], &hi2, &lo2);
        lo += hi2;
        hi += hi2 > lo;
    }
    int upper = (int)(hi >> 63), shift = upper + 9;
    uint64_t m = hi >> shift;
    int64_t e2 = ((((152170 + 65536) * q) >> 16) + 63) + upper - lz + 1023;
    if (!normal && e2 <= 0) { /* subnormal, or zero */
        if (-e2 + 1 >= 64)
            return 0;
        m >>= -e2 + 1;
        m += m & 1;
        m >>= 1;
        e2 = m < ((uint64_t)1 << 52) ? 0 : 1;
        return (m & ~((uint64_t)1 << 52)) | (uint64_t)e2 << 52;
    }
    /* exactly halfway: round to even rather than up */
    if (lo <= 1 && q >= -4 && q <= 23 && (m & 3) == 1 && (m << shift) == hi)
        m &= ~(uint64_t)1;
    m += m & 1;
    m >>= 1;
    /* m is in [2^52, 2^53]: added, its top bit raises the exponent field
     * from e2 - 1 to e2, and 2^53 (rounded up) to e2 + 1, without a branch;
     * past the largest double, infinity */
    uint64_t bits = m + ((uint64_t)(e2 - 1) << 52);
    return !normal && bits > (uint64_t)0x7FF << 52 ? (uint64_t)0x7FF << 52 : bits;
}

static inline double with_sign(uint64_t bits, int neg)
{
    bits |= (uint64_t)neg << 63;
    double v;
    memcpy(&v, &bits, sizeof v);
    return v;
}

/* mant * 10^q, correctly rounded, for any q (mant not 0). */
static inline double eisel_lemire(uint64_t mant, int64_t q, int neg)
{
    uint64_t bits = q < NT_POW5_MIN   ? 0
                    : q > NT_POW5_MAX ? (uint64_t)0x7FF << 52
                                      : eisel_lemire_bits(mant, q, 0);
    return with_sign(bits, neg);
}

/* The decimal as the nearest double: exact fast paths, else strtod. */
static int decimal_to_f64(const decimal *d, const char *s, const char *stop, double *out)
{
    if (fast_f64(d, out))
        return NT_OK;
    *out = eisel_lemire(d->mant, d->exp10, d->neg);
    /* Dropped digits put the value in [mant, mant + 1) x 10^exp10: when
     * both ends round to the same double, so does the value. */
    if (d->truncated && eisel_lemire(d->mant + 1, d->exp10, d->neg) != *out)
        return slow_parse(s, stop, 0, out, NULL);
    return isinf(*out) ? NT_RANGE : NT_OK;
}

/* The common case in one pass: [+-]digits[.digits][e[+-]digits] with at
 * most 19 significant digits, converted by Eisel-Lemire alone (exact for
 * every such mantissa, so no Clinger step: one branch fewer to mispredict).
 * Returns 0 when the text needs the general path (no digits, nan/inf, more
 * than 19 significant digits). */
#if defined(__GNUC__)
__attribute__((always_inline)) /* in both callers: a call costs a tenth of a number */
#endif
static inline int scan_common(const char *s, const char *end, double *out, const char **stop)
{
    if (s == end)
        return 0;
    const char *p = s;
    int neg = *p == '-';
    p += neg | (*p == '+'); /* no branch on the sign, random in data */
    const char *digits = p;
    uint64_t mant = 0;
    p = fold_digits(p, end, &mant);
    int64_t ndigits = p - digits, exp10 = 0;
    if (p < end && *p == '.') {
        const char *frac = ++p;
        p = fold_digits(p, end, &mant);
        exp10 = frac - p;
        ndigits += p - frac;
    }
    if (ndigits == 0 || (ndigits > 19 && ndigits - zeros_before_significant(digits, p) > 19))
        return 0;
    p = scan_exponent(p, end, &exp10);
    *stop = p;
    if (mant == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    *out = eisel_lemire(mant, exp10, neg);
    return 1;
}

int nt_scan_f64(const char *s, const char *end, double *out, const char **stop)
{
    if (scan_common(s, end, out, stop))
        return isinf(*out) ? NT_RANGE : NT_OK;
    decimal d;
    int ok;
    *stop = scan_decimal(s, end, &d, &ok);
    if (!ok)
        return NT_SYNTAX;
    if (special_value(&d, out))
        return NT_OK;
    return decimal_to_f64(&d, s, *stop, out);
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define NT_HAVE_AVX2 1
/* Every CPU with AVX2 has BMI1, BMI2 and POPCNT too (all checked before
 * use): the masks' shifts and bit counts are then one instruction each. */
#define AVX2_TARGET __attribute__((target("avx2,bmi,bmi2,popcnt")))
#define AVX2 AVX2_TARGET __attribute__((always_inline)) inline

#define NT_8(...) __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, \
                  __VA_ARGS__, __VA_ARGS__, __VA_ARGS__, __VA_ARGS__
#define NT_32(x) NT_8(x), NT_8(x), NT_8(x), NT_8(x)

/* 32 zero bytes, then 32 bytes of ones: loaded at ramp + 32 - k, the mask
 * of the bytes from k on. */
static const uint8_t ramp[64] = {NT_32(0), NT_32(0xFF)};

AVX2 static __m256i bytes_from(int64_t k)
{
    return _mm256_loadu_si256((const __m256i *)(ramp + 32 - k));
}

/* The constants of scan_window: the bytes it compares with, and the
 * weights that value its digits, in pairs (10, 1), then pairs of pairs
 * (100, 1); but digits 16..19, whose last is always 0, as one number of
 * three digits: (10, 1) and (1, 0), then (10, 1). */
static const struct {
    uint8_t zero[32], nine[32], dot[32];
    int8_t pair[32];
    int16_t quad[16];
} window_bytes = {
    {NT_32('0')},
    {NT_32(9)},
    {NT_32('.' - '0')},
    {NT_8(10, 1), 10, 1, 1, 0, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1, 10, 1},
    {100, 1, 100, 1, 100, 1, 100, 1, 10, 1, 100, 1, 100, 1, 100, 1},
};

/* Bytes from s that scan_window may read: two 32-byte loads at most 31
 * bytes on and one byte apart. */
#define WINDOW_BYTES 64

/* What scan_window needs for one text: its constants, loaded once into
 * registers (known to the compiler, they would be broadcast anew for every
 * number, three instructions each, where a load folds into its user), and
 * the last start with WINDOW_BYTES to read (0: none). */
typedef struct window {
    __m256i zero, nine, dot, pair, quad;
    uintptr_t last;
} window;

AVX2 static window window_for(const char *s, const char *end)
{
    const void *kb = &window_bytes;
    __asm__("" : "+r"(kb)); /* the contents unknown here: loaded, not rebuilt */
    const __m256i *k = kb;
    window w = {_mm256_loadu_si256(k),     _mm256_loadu_si256(k + 1),
                _mm256_loadu_si256(k + 2), _mm256_loadu_si256(k + 3),
                _mm256_loadu_si256(k + 4), 0};
    if (end - s >= WINDOW_BYTES)
        w.last = (uintptr_t)(end - WINDOW_BYTES);
    return w;
}

/* scan_common on 32 bytes at once, for text with WINDOW_BYTES left to read,
 * with as few branches on the data as it allows (a mispredicted branch
 * costs about a quarter of a number): masks of the digits, the dot and the
 * zeros give the mantissa's length and layout, and where its first
 * significant digit is, before the dot or after it; a sign is taken as a
 * leading zero, so that the next cell's place does not wait on it.  The
 * mantissa's digits from the first significant one, the dot taken out (two
 * loads a byte apart, blended), are valued in vector registers as 19
 * digits, padded with zeros on the right, and the exponent lowered to
 * match: Eisel-Lemire is exact for any 64-bit mantissa, so the value is the
 * same double.  Returns 0 for what the general path should read instead
 * (no digits, two dots, more than 19 significant digits, a mantissa of 32
 * bytes or more, a value out of range): the value given is always finite. */
AVX2 static int scan_window(const window *w, const char *s, const char *end, double *out,
                            const char **stop)
{
    __m256i d = _mm256_sub_epi8(_mm256_loadu_si256((const __m256i *)s), w->zero);
    __m256i digit_bytes = _mm256_cmpeq_epi8(_mm256_max_epu8(d, w->nine), w->nine);
    uint64_t digits = (uint32_t)_mm256_movemask_epi8(digit_bytes);
    uint64_t dots = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(d, w->dot));
    uint64_t zeros = (uint32_t)_mm256_movemask_epi8(_mm256_cmpeq_epi8(d, _mm256_setzero_si256()));
    int neg = *s == '-';
    uint64_t sign = (uint64_t)(neg | (*s == '+')); /* the first byte's bit */
    uint64_t len = _tzcnt_u64(~(digits | dots | sign)); /* the sign, digits and dots */
    uint64_t dot = _bzhi_u64(dots, (unsigned)len), digit = _bzhi_u64(digits, (unsigned)len);
    /* where the dot is (len when there is none); the first significant
     * digit, past the sign, the leading zeros and a dot among them (len
     * when there is none); how many digits from there */
    int64_t at = (int64_t)_tzcnt_u64(dot | (uint64_t)1 << len);
    int64_t first = (int64_t)_tzcnt_u64(~(zeros | dot | sign));
    int64_t sig = (int64_t)_mm_popcnt_u64(digit >> first);
    if (len >= 32 || _blsr_u64(dot) != 0 || digit == 0 || sig > 19)
        return 0;
    /* the digits from the first significant one, without the dot: blended
     * from the next byte on from the dot, if it is among them (when there
     * is none, at - first >= sig: what is blended there is masked out) */
    int64_t dot_at = (uint64_t)(at - first) > 32 ? 32 : at - first;
    const char *from = s + first;
    __m256i a = _mm256_loadu_si256((const __m256i *)from);
    __m256i b = _mm256_loadu_si256((const __m256i *)(from + 1));
    __m256i run = _mm256_sub_epi8(_mm256_blendv_epi8(a, b, bytes_from(dot_at)), w->zero);
    __m256i ds = _mm256_andnot_si256(bytes_from(sig), run);
    /* pairs, then fours of digits: the first 16 digits as two eights, and
     * digits 16..18 as one number */
    __m256i four = _mm256_madd_epi16(_mm256_maddubs_epi16(ds, w->pair), w->quad);
    __m128i lo = _mm256_castsi256_si128(four);
    lo = _mm_madd_epi16(_mm_packus_epi32(lo, lo), _mm_set1_epi32(0x00012710));
    uint64_t eights = (uint64_t)_mm_cvtsi128_si64(lo);
    uint32_t tail = (uint32_t)_mm_cvtsi128_si32(_mm256_extracti128_si256(four, 1));
    uint64_t mant = ((eights & 0xFFFFFFFF) * 100000000u + (eights >> 32)) * 1000 + tail;
    /* the digits before the dot from the first significant one, less the
     * mantissa's 19 (and one more when the dot came before that one) */
    int64_t exp10 = at - first - 19 + (first > at);
    const char *p = s + len;
    uint64_t bits;
    if ((*p | 0x20) == 'e') {
        p = scan_exponent(p, end, &exp10);
        bits = mant == 0             ? 0
               : exp10 < NT_POW5_MIN ? 0
               : exp10 > NT_POW5_MAX ? (uint64_t)0x7FF << 52
                                     : eisel_lemire_bits(mant, exp10, 0);
        if (bits >= (uint64_t)0x7FF << 52) /* out of range */
            return 0;
    } else {
        /* exp10 is within -49..12 and the mantissa 0 or at least 10^18: a
         * normal double, or a zero, which takes no branch either (zeros can
         * be as random in data as signs): 1 stands in for its mantissa, and
         * the result is cleared */
        uint64_t nonzero = -(uint64_t)(sig != 0);
        bits = eisel_lemire_bits(mant | (1 & ~nonzero), exp10, 1) & nonzero;
    }
    *stop = p;
    *out = with_sign(bits, neg);
    return 1;
}
#endif

/* One cell of a list: a reader of the common case, which gives a finite
 * value, or 0 when the general path must read the cell instead.  ctx is
 * what the reader needs for the whole text (scan_window's `window`). */
typedef int cell_reader(const void *ctx, const char *s, const char *end, double *out,
                        const char **stop);

__attribute__((always_inline)) static inline int common_cell(const void *ctx, const char *s,
                                                             const char *end, double *out,
                                                             const char **stop)
{
    (void)ctx;
    return scan_common(s, end, out, stop) && !isinf(*out);
}

/* nt_scan_f64_list with the common case read by read_cell, and only finite
 * numbers when `finite` (nt_scan_f64_rows's cells); inlined into each
 * caller with its reader. */
__attribute__((always_inline)) static inline size_t
scan_list(const char *s, const char *end, char delim, size_t n, double *out, const char **stop,
          cell_reader *read_cell, const void *ctx, int finite)
{
    const char *p = s, *after;
    double *cell = out, *last = out + n;
    *stop = s;
    if (n == 0)
        return 0;
    for (;;) {
        if (!read_cell(ctx, p, end, cell, &after)) {
            const char *general; /* apart: its address taken, it lives in memory */
            if (nt_scan_f64(p, end, cell, &general) != NT_OK || (finite && !isfinite(*cell)))
                break;
            after = general;
        }
        *stop = after;
        if (++cell == last || after == end || *after != delim)
            break;
        p = after + 1;
    }
    return (size_t)(cell - out);
}

/* nt_scan_f64_rows with the cells read by read_cell; inlined likewise. */
__attribute__((always_inline)) static inline size_t
scan_rows(const char *s, const char *end, char delim, size_t n, size_t max, double *out,
          const char **stop, cell_reader *read_cell, const void *ctx)
{
    const char *p = s, *after;
    size_t r = 0;
    for (; r < max && p < end; r++) {
        if (scan_list(p, end, delim, n, out + r * n, &after, read_cell, ctx, 1) != n)
            break;
        after += after < end && *after == '\r';
        if (after < end && *after != '\n')
            break;
        p = after < end ? after + 1 : end;
    }
    *stop = p;
    return r;
}

#ifdef NT_HAVE_AVX2
/* scan_window wherever it has room. */
AVX2 static int window_cell(const void *ctx, const char *s, const char *end, double *out,
                            const char **stop)
{
    const window *w = ctx;
    return (uintptr_t)s <= w->last ? scan_window(w, s, end, out, stop)
                                   : common_cell(NULL, s, end, out, stop);
}

AVX2_TARGET static size_t scan_list_avx2(const char *s, const char *end, char delim, size_t n,
                                         double *out, const char **stop)
{
    window w = window_for(s, end);
    return scan_list(s, end, delim, n, out, stop, window_cell, &w, 0);
}

AVX2_TARGET static size_t scan_rows_avx2(const char *s, const char *end, char delim, size_t n,
                                         size_t max, double *out, const char **stop)
{
    window w = window_for(s, end);
    return scan_rows(s, end, delim, n, max, out, stop, window_cell, &w);
}

static int has_avx2(void)
{
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("bmi") &&
           __builtin_cpu_supports("bmi2") && __builtin_cpu_supports("popcnt");
}
#endif

size_t nt_scan_f64_list(const char *s, const char *end, char delim, size_t n, double *out,
                        const char **stop)
{
#ifdef NT_HAVE_AVX2
    if (has_avx2())
        return scan_list_avx2(s, end, delim, n, out, stop);
#endif
    return scan_list(s, end, delim, n, out, stop, common_cell, NULL, 0);
}

size_t nt_scan_f64_rows(const char *s, const char *end, char delim, size_t n, size_t max,
                        double *out, const char **stop)
{
#ifdef NT_HAVE_AVX2
    if (has_avx2())
        return scan_rows_avx2(s, end, delim, n, max, out, stop);
#endif
    return scan_rows(s, end, delim, n, max, out, stop, common_cell, NULL);
}

/* Rounding a correctly rounded double to float is correct unless the double
 * sits exactly halfway between two floats (any other float midpoint between
 * the decimal and its double would have been a closer double). */
static int is_float_midpoint(double v)
{
    float f = (float)v;
    if (isinf(f)) /* halfway between FLT_MAX and 2^128 */
        return fabs(v) == 0x1.ffffffp+127;
    if ((double)f == v)
        return 0;
    /* g: f's neighbour on v's side, from the bits (nextafterf is a call);
     * f is finite, and 0 only for a v below the smallest float */
    uint32_t bits;
    memcpy(&bits, &f, sizeof bits);
    if (f == 0)
        bits = v < 0 ? 0x80000001u : 1u;
    else
        bits = fabs(v) > fabs((double)f) ? bits + 1 : bits - 1;
    float g;
    memcpy(&g, &bits, sizeof g);
    return (double)f + (double)g == 2.0 * v;
}

int nt_scan_f32(const char *s, const char *end, float *out, const char **stop)
{
    decimal d;
    int ok;
    *stop = scan_decimal(s, end, &d, &ok);
    if (!ok)
        return NT_SYNTAX;
    double v;
    if (special_value(&d, &v)) {
        *out = (float)v;
        return NT_OK;
    }
    if (decimal_to_f64(&d, s, *stop, &v) != NT_OK)
        return NT_RANGE;
    if (is_float_midpoint(v))
        return slow_parse(s, *stop, 1, NULL, out);
    *out = (float)v;
    return isinf(*out) ? NT_RANGE : NT_OK;
}

int nt_parse_f64(const char *s, const char *end, double *out)
{
    const char *stop;
    int status = nt_scan_f64(s, end, out, &stop);
    return status == NT_OK && stop != end ? NT_SYNTAX : status;
}

int nt_parse_f32(const char *s, const char *end, float *out)
{
    const char *stop;
    int status = nt_scan_f32(s, end, out, &stop);
    return status == NT_OK && stop != end ? NT_SYNTAX : status;
}

int nt_zero_text(const char *s, const char *end)
{
    const char *p = s < end && (*s == '+' || *s == '-') ? s + 1 : s;
    while (p < end && (*p == '0' || *p == '.'))
        p++;
    return p == end || lower(*p) == 'e';
}

/* Past the digits at s; NULL when there is none. */
static const char *past_digits(const char *s, const char *end)
{
    const char *p = s;
    while (p < end && *p >= '0' && *p <= '9')
        p++;
    return p > s ? p : NULL;
}

int nt_decimal_comma(const char *s, const char *end)
{
    const char *p = s < end && (*s == '+' || *s == '-') ? s + 1 : s;
    if (!(p = past_digits(p, end)) || p == end || *p != ',' || !(p = past_digits(p + 1, end)))
        return 0;
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-'))
            p++;
        if (!(p = past_digits(p, end)))
            return 0;
    }
    return p == end;
}

int nt_thousands(const char *s, const char *end)
{
    const char *p = s < end && (*s == '+' || *s == '-') ? s + 1 : s;
    const char *q = past_digits(p, end);
    /* a first group of 0 ("0,125") is a decimal comma, never thousands */
    if (!q || q - p > 3 || *p == '0' || q == end || *q != ',')
        return 0;
    while (q < end && *q == ',') {
        p = q + 1;
        if (!(q = past_digits(p, end)) || q - p != 3)
            return 0;
    }
    if (q < end && *q == '.' && !(q = past_digits(q + 1, end)))
        return 0;
    return q == end;
}

static int format_special(double v, char *buf)
{
    if (isnan(v))
        return snprintf(buf, NT_BUF, "nan");
    return snprintf(buf, NT_BUF, "%sinf", v < 0 ? "-" : "");
}

/* A decimal as printf's %e gives it: sign and n significant digits, the
 * integer mant (the first digit nonzero unless v is 0), meaning
 * mant x 10^(exp10 - n + 1); and where the exact value lies: above it,
 * below it, on it, or unknown (printf does not say). */
enum { DIGITS_BELOW = -1, DIGITS_EXACT = 0, DIGITS_ABOVE = 1, DIGITS_UNKNOWN = 2 };
typedef struct digits {
    int neg, n, exp10;
    int exact_is; /* DIGITS_*: the exact |v| against mant's */
    uint64_t mant;
} digits;

/* The digits from printf: the general way, for what rounded_digits cannot
 * settle. */
static void printf_digits(double v, int n, digits *out)
{
    char tmp[40];
    snprintf(tmp, sizeof tmp, "%.*e", n - 1, v); /* correctly rounded by libc */
    const char *p = tmp;
    out->neg = *p == '-';
    p += out->neg;
    out->n = n;
    out->mant = 0;
    for (; *p != 'e'; p++)
        if (*p != '.')
            out->mant = out->mant * 10 + (uint64_t)(*p - '0');
    out->exp10 = atoi(p + 1);
    out->exact_is = DIGITS_UNKNOWN;
}

/* Which way v x 10^k rounds, from P = w x (the table's 5^k), a 192-bit
 * p2:p1:p0 with r fraction bits (129 <= r <= 191), whose fraction is F:
 * 1 up, 0 down, -1 when the table's error (under 2^64 units of p0) or an
 * exact tie leaves it open; and in *exact_is where the exact value lies
 * against the rounded one (DIGITS_*).  The table is exact for
 * 0 <= k <= 55, truncated above, rounded up below 0; 5^k then is no dyadic
 * fraction, so the error is never 0. */
static int round_up(uint64_t p2, uint64_t p1, uint64_t p0, int r, int k, int *exact_is)
{
    uint64_t half = (uint64_t)1 << (r - 129), frac = p2 & ((half << 1) - 1);
    int above = frac > half || (frac == half && (p1 | p0)); /* F > 1/2 */
    int below = frac < half;
    if (k >= 0 && k <= 55) {
        *exact_is = above ? DIGITS_BELOW : (frac | p1 | p0) ? DIGITS_ABOVE : DIGITS_EXACT;
        return above ? 1 : below ? 0 : -1;
    }
    if (k > 55) { /* the exact fraction is in (F, F + 2^64) */
        if (!below) { /* and may pass 1 only when F > 1 - 2^64 */
            int top = frac == (half << 1) - 1 && p1 == UINT64_MAX && p0;
            *exact_is = top ? DIGITS_UNKNOWN : DIGITS_BELOW;
            return 1;
        }
        *exact_is = DIGITS_ABOVE;
        int near = frac + 1 == half && p1 == UINT64_MAX && p0; /* 1/2 - F < 2^64 */
        return near ? -1 : 0;
    }
    /* k < 0: the exact fraction is in (F - 2^64, F) */
    if (below) { /* and may be 0 or less only when F < 2^64 */
        *exact_is = frac | p1 ? DIGITS_ABOVE : DIGITS_UNKNOWN;
        return 0;
    }
    *exact_is = DIGITS_BELOW;
    return frac > half || p1 ? 1 : -1; /* F - 1/2 >= 2^64 */
}

/* v's first n significant digits (n <= 18), correctly rounded as printf's
 * %.<n-1>e rounds them, without printf: v x 10^k for the k that leaves n
 * digits before the point, from the 128-bit 5^k that parsing uses
 * (Eisel-Lemire), and the rounding taken from the product's fraction.
 * Returns 0 when that product cannot tell (an exact tie, a fraction within
 * the table's error of 1/2, or 10^k beyond the table: subnormals below
 * about 1e-292). */
static int rounded_digits(double v, int n, digits *out)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    out->neg = (int)(bits >> 63);
    out->n = n;
    uint64_t m = bits & (((uint64_t)1 << 52) - 1);
    int biased = (int)(bits >> 52) & 0x7FF;
    if (biased == 0 && m == 0) { /* printf: 0.000e+00 */
        out->mant = 0;
        out->exp10 = 0;
        out->exact_is = DIGITS_EXACT;
        return 1;
    }
    int q = biased ? biased - 1075 : -1074;
    if (biased)
        m |= (uint64_t)1 << 52;
    int lz = leading_zeros(m);
    uint64_t w = m << lz; /* v = w x 2^ew, w's top bit set */
    int ew = q - lz;
    /* floor(log10(v)), or one less: v is in [2^(ew + 63), 2^(ew + 64)) */
    int e10 = (int)(((int64_t)(ew + 63) * 78913) >> 18);
    for (int tries = 0; tries < 2; tries++) {
        int k = n - 1 - e10;
        if (k < NT_POW5_MIN || k > NT_POW5_MAX)
            return 0;
        const uint64_t *t = nt_pow5_128[k - NT_POW5_MIN];
        uint64_t h0, l0, h1, l1;
        mul_64x64(w, t[0], &h0, &l0);
        mul_64x64(w, t[1], &h1, &l1);
        uint64_t p1 = l0 + h1, p2 = h0 + (p1 < l0), p0 = l1;
        /* 10^k = 5^k x 2^k and the table's 5^k is T x 2^(floor(k log2 5) - 127) */
        int r = 127 - ew - (int)(((int64_t)217706 * k) >> 16);
        if (r < 129 || r > 191)
            return 0;
        uint64_t whole = p2 >> (r - 128);
        if (whole >= pow10_u64[n]) { /* v >= 10^(e10 + 1) */
            e10++;
            continue;
        }
        if (whole < pow10_u64[n - 1])
            return 0;
        int up = round_up(p2, p1, p0, r, k, &out->exact_is);
        if (up < 0)
            return 0;
        whole += (uint64_t)up;
        if (whole == pow10_u64[n]) { /* 9.99..e5 rounds to 1.00..e6 */
            whole = pow10_u64[n - 1];
            e10++;
        }
        out->mant = whole;
        out->exp10 = e10;
        return 1;
    }
    return 0;
}

/* The first n digits of `all`, rounded to nearest.  Returns 1 when the
 * dropped digits are exactly 5000... and all's digits were rounded from a
 * value that is unknown or on them: only the exact value can tell which
 * way to go (printf's way for a true tie). */
static int round_digits(const digits *all, int n, digits *out)
{
    uint64_t unit = pow10_u64[all->n - n], half = unit / 2;
    uint64_t kept = all->mant / unit, dropped = all->mant % unit;
    *out = *all;
    out->n = n;
    out->exact_is = DIGITS_UNKNOWN; /* not needed of the shorter ones */
    if (dropped == half && all->exact_is != DIGITS_ABOVE && all->exact_is != DIGITS_BELOW)
        return 1;
    kept += dropped > half || (dropped == half && all->exact_is == DIGITS_ABOVE);
    if (kept == pow10_u64[n]) { /* 9.99 -> 10.0 */
        kept = pow10_u64[n - 1];
        out->exp10++;
    }
    out->mant = kept;
    return 0;
}

static const char digit_pairs[] = "00010203040506070809101112131415161718192021222324"
                                  "25262728293031323334353637383940414243444546474849"
                                  "50515253545556575859606162636465666768697071727374"
                                  "75767778798081828384858687888990919293949596979899";

/* The last n digits of m, in d[0..n), two at a time. */
static void put_pairs(uint32_t m, int n, char *d)
{
    for (; n >= 2; n -= 2, m /= 100)
        memcpy(d + n - 2, digit_pairs + 2 * (m % 100), 2);
    if (n)
        d[0] = (char)('0' + m % 10);
}

/* m's n digits (leading zeros included) in d[0..n): the last eight and the
 * rest as two chains of 32-bit divisions that do not wait on each other. */
static void put_digits(uint64_t m, int n, char *d)
{
    if (n <= 8) {
        put_pairs((uint32_t)m, n, d);
        return;
    }
    uint64_t high = m / 100000000;
    put_pairs((uint32_t)(m - high * 100000000), 8, d + n - 8);
    if (n <= 16) {
        put_pairs((uint32_t)high, n - 8, d);
    } else { /* n - 8 > 8 digits: high up to 10^10 */
        uint64_t top = high / 100000000;
        put_pairs((uint32_t)(high - top * 100000000), 8, d + n - 16);
        put_pairs((uint32_t)top, n - 16, d);
    }
}

/* Writes the digits as printf's %.<n>g would: fixed notation for exponents
 * from -4 to n - 1, else d.ddde+XX; trailing zeros dropped. */
static int write_g(const digits *g, char *buf)
{
    char d[20];
    put_digits(g->mant, g->n, d);
    int k = g->n, x = g->exp10, len = 0;
    while (k > 1 && d[k - 1] == '0')
        k--;
    if (g->neg)
        buf[len++] = '-';
    if (x < -4 || x >= g->n) {
        buf[len++] = d[0];
        if (k > 1)
            buf[len++] = '.';
        for (int i = 1; i < k; i++)
            buf[len++] = d[i];
        int a = x < 0 ? -x : x; /* as printf: at least two digits */
        buf[len++] = 'e';
        buf[len++] = x < 0 ? '-' : '+';
        if (a >= 100)
            buf[len++] = (char)('0' + a / 100);
        buf[len++] = (char)('0' + a / 10 % 10);
        buf[len++] = (char)('0' + a % 10);
        buf[len] = '\0';
        return len;
    }
    if (x < 0) { /* 0.000ddd */
        buf[len++] = '0';
        buf[len++] = '.';
        for (int i = -1; i > x; i--)
            buf[len++] = '0';
    }
    for (int i = 0; i < k || i <= x; i++) { /* ddd.ddd, or ddd000 */
        if (i == x + 1 && x >= 0)
            buf[len++] = '.';
        buf[len++] = i < k ? d[i] : '0';
    }
    buf[len] = '\0';
    return len;
}

/* Whether text reads back to exactly v (as a float when is_float). */
static int text_reads_back(const char *buf, int len, double v, int is_float)
{
    double d;
    float f;
    return is_float ? nt_parse_f32(buf, buf + len, &f) == NT_OK && f == (float)v
                    : nt_parse_f64(buf, buf + len, &d) == NT_OK && d == v;
}

/* Whether g's text would read back to exactly v: the same correctly rounded
 * conversion parsing does, from the digits without their text (but for a
 * float whose double lies halfway between two floats). */
static int reads_back(const digits *g, double v, int is_float, char *buf)
{
    decimal d = {g->mant, g->exp10 - g->n + 1, g->neg, 0, KIND_FINITE};
    double back;
    if (special_value(&d, &back))
        return back == v;
    if (decimal_to_f64(&d, NULL, NULL, &back) != NT_OK)
        return 0;
    if (!is_float)
        return back == v;
    if (is_float_midpoint(back))
        return text_reads_back(buf, write_g(g, buf), v, 1);
    return (float)back == (float)v;
}

/* The same text as the shortest of printf's %.<n>g for n = shortest ..
 * longest that reads back to v: its digits are v's first `longest` digits,
 * correctly rounded, and shorter forms are roundings of those, each checked
 * by parsing's conversion; printf only for a tie in those digits and for
 * what rounded_digits cannot settle. */
static int format_shortest(double v, int shortest, int longest, int is_float, char *buf)
{
    digits all, g;
    if (!rounded_digits(v, longest, &all))
        printf_digits(v, longest, &all);
    for (int n = shortest; n < longest; n++) {
        if (round_digits(&all, n, &g)) {
            int len = snprintf(buf, NT_BUF, "%.*g", n, v);
            if (text_reads_back(buf, len, v, is_float))
                return len;
        } else if (reads_back(&g, v, is_float, buf)) {
            return write_g(&g, buf);
        }
    }
    return write_g(&all, buf);
}

double nt_unsigned_nan(double v) { return isnan(v) ? NAN : v; }

int nt_format_f64(double v, char *buf)
{
    if (!isfinite(v))
        return format_special(v, buf);
    return format_shortest(v, 15, 17, 0, buf);
}

int nt_format_f32(float v, char *buf)
{
    if (!isfinite(v))
        return format_special(v, buf);
    return format_shortest((double)v, 6, 9, 1, buf);
}
