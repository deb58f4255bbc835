#include "crc32c.h"

#include <string.h>

#include "crc32c_tables.h"

uint32_t dl_crc32c_portable(uint32_t crc, const void *buf, size_t len)
{
    const unsigned char *p = buf;
    crc = ~crc;
    while (len--)
        crc = crc32c_byte[(crc ^ *p++) & 0xff] ^ (crc >> 8);
    return ~crc;
}

/* The polynomial, bit-reflected as the CRC's register holds it: there bit
 * 31 is the coefficient of x^0. */
#define CRC32C_POLY 0x82f63b78u

/* a * b modulo the polynomial. */
static uint32_t mult_mod_poly(uint32_t a, uint32_t b)
{
    uint32_t product = 0;
    for (uint32_t m = 1u << 31; m; m >>= 1) {
        if (a & m)
            product ^= b;
        b = b & 1 ? (b >> 1) ^ CRC32C_POLY : b >> 1;
    }
    return product;
}

/* Appending len_b bytes multiplies A's register by x^(8 len_b); the pre-
 * and post-inversions of the two sums cancel. */
uint32_t dl_crc32c_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b)
{
    uint32_t power = 1u << 23; /* x^8 */
    for (; len_b; len_b >>= 1) {
        if (len_b & 1)
            crc_a = mult_mod_poly(power, crc_a);
        power = mult_mod_poly(power, power);
    }
    return crc_a ^ crc_b;
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <nmmintrin.h>

/* The register after `reg` is followed by the table's number of zero bytes. */
static uint32_t shift(const uint32_t zeros[4][256], uint32_t reg)
{
    return zeros[0][reg & 0xff] ^ zeros[1][(reg >> 8) & 0xff] ^
           zeros[2][(reg >> 16) & 0xff] ^ zeros[3][reg >> 24];
}

static uint64_t load64(const unsigned char *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

/* One crc32 instruction has a latency of three cycles and a throughput of
 * one: three independent streams over adjacent blocks keep it busy, and
 * linearity lets their registers be combined by shifting. */
__attribute__((target("sse4.2"))) static uint64_t three_way(uint64_t reg,
                                                              const unsigned char **pp,
                                                              size_t *len, size_t block,
                                                              const uint32_t zeros[4][256])
{
    const unsigned char *p = *pp;
    while (*len >= 3 * block) {
        uint64_t r1 = 0, r2 = 0;
        for (const unsigned char *end = p + block; p < end; p += 8) {
            reg = _mm_crc32_u64(reg, load64(p));
            r1 = _mm_crc32_u64(r1, load64(p + block));
            r2 = _mm_crc32_u64(r2, load64(p + 2 * block));
        }
        reg = shift(zeros, (uint32_t)reg) ^ r1;
        reg = shift(zeros, (uint32_t)reg) ^ r2;
        p += 2 * block;
        *len -= 3 * block;
    }
    *pp = p;
    return reg;
}

__attribute__((target("sse4.2"))) static uint32_t crc32c_sse42(uint32_t crc,
                                                                 const unsigned char *p,
                                                                 size_t len)
{
    uint64_t reg = ~crc & 0xffffffffu;
    reg = three_way(reg, &p, &len, CRC32C_LONG, crc32c_long);
    reg = three_way(reg, &p, &len, CRC32C_SHORT, crc32c_short);
    for (; len >= 8; p += 8, len -= 8)
        reg = _mm_crc32_u64(reg, load64(p));
    uint32_t r32 = (uint32_t)reg;
    while (len--)
        r32 = _mm_crc32_u8(r32, *p++);
    return ~r32;
}

uint32_t dl_crc32c(uint32_t crc, const void *buf, size_t len)
{
    if (__builtin_cpu_supports("sse4.2"))
        return crc32c_sse42(crc, buf, len);
    return dl_crc32c_portable(crc, buf, len);
}
#else
uint32_t dl_crc32c(uint32_t crc, const void *buf, size_t len)
{
    return dl_crc32c_portable(crc, buf, len);
}
#endif
