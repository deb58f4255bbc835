/* Number text: the parser must agree bit for bit with strtod/strtof, and
 * formatting must read back to the same value. */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "rng.h"
#include "unit.h"

static int same_bits_f64(double a, double b) { return memcmp(&a, &b, sizeof a) == 0; }
static int same_bits_f32(float a, float b) { return memcmp(&a, &b, sizeof a) == 0; }

static int parse64(const char *s, double *v) { return nt_parse_f64(s, s + strlen(s), v); }
static int parse32(const char *s, float *v) { return nt_parse_f32(s, s + strlen(s), v); }

/* A random decimal: 1..25 digits, a point somewhere or none, an exponent
 * or none; wide enough to reach both the fast path and the fallback. */
static void random_decimal(dl_rng *r, char *buf, size_t len)
{
    size_t n = 0;
    if (dl_rng_below(r, 2))
        buf[n++] = '-';
    if (dl_rng_below(r, 4) == 0) /* leading zeros do not count as digits */
        for (int z = (int)dl_rng_below(r, 25); z >= 0; z--)
            buf[n++] = '0';
    int digits = 1 + (int)dl_rng_below(r, 25);
    int point = (int)dl_rng_below(r, (uint64_t)digits + 2);
    for (int i = 0; i < digits; i++) {
        if (i == point)
            buf[n++] = '.';
        buf[n++] = (char)('0' + dl_rng_below(r, 10));
    }
    if (dl_rng_below(r, 2))
        n += (size_t)snprintf(buf + n, len - n, "e%d", (int)dl_rng_below(r, 700) - 350);
    buf[n] = '\0';
}

/* Parses n random decimals both ways; returns how many disagree (a range
 * error must match strtod's infinity, anything else the same bits). */
static int mismatches_against_libc(int is_float, uint64_t seed, int n)
{
    dl_rng r;
    dl_rng_seed(&r, seed);
    char buf[128];
    int bad = 0;
    for (int i = 0; i < n; i++) {
        random_decimal(&r, buf, sizeof buf);
        int st, agree;
        if (is_float) {
            float mine, ref = strtof(buf, NULL);
            st = parse32(buf, &mine);
            agree = isinf(ref) ? st == NT_RANGE : st == NT_OK && same_bits_f32(mine, ref);
        } else {
            double mine, ref = strtod(buf, NULL);
            st = parse64(buf, &mine);
            agree = isinf(ref) ? st == NT_RANGE : st == NT_OK && same_bits_f64(mine, ref);
        }
        if (!agree && bad++ < 5)
            fprintf(stderr, "%s mismatch on '%s'\n", is_float ? "f32" : "f64", buf);
    }
    return bad;
}

/* Agreement with strtod on the text at s, scanned where more text follows
 * it (as in a CSV row, so the eight-bytes-at-a-time path reads past the
 * number): the stop must be right after the number, and the value the same
 * bits (or a range error where strtod overflows). */
static int scan_agrees(const char *number, const char *after)
{
    char buf[256];
    int len = snprintf(buf, sizeof buf, "%s%s", number, after);
    int n = (int)strlen(number);
    double mine = 0, ref = strtod(number, NULL);
    const char *stop;
    int st = nt_scan_f64(buf, buf + len, &mine, &stop);
    int agree = stop == buf + n &&
                (isinf(ref) ? st == NT_RANGE : st == NT_OK && same_bits_f64(mine, ref));
    if (!agree)
        fprintf(stderr, "f64 scan mismatch on '%s' before '%s'\n", number, after);
    return agree;
}

/* The edges of the one-pass path: 19 and 20 significant digits, leading
 * zeros that do not count, halfway cases, subnormals, overflow, signed
 * zeros, long mantissas. */
static void test_scan_edges_match_strtod(void)
{
    static const char *const cases[] = {
        "9007199254740993", "9007199254740992.5", "9007199254740995", "9007199254740993e-3",
        "1234567890123456789", "12345678901234567890", "9999999999999999999",
        "99999999999999999999", "18446744073709551615", "18446744073709551616",
        "1234567890.123456789", "1234567890.1234567891", "0.1234567890123456789",
        "0.12345678901234567891", "0.00000000001234567890123456789",
        "0.000000000012345678901234567891", "0000000000000000000000001.5",
        "00000.000000", "000000000000000000000000000000",
        "0.0000000000000000000000012345678901234567",
        "4.9406564584124654e-324", "2.4703282292062327e-324", "2.4703282292062328e-324",
        "2.2250738585072011e-308", "2.2250738585072014e-308", "2.225073858507201136e-308",
        "1.7976931348623157e308", "1.7976931348623158e308", "1.7976931348623159e308",
        "1e308", "1e309", "1e400", "-1e400", "1e-400", "1e-324", "1e-323", "1e23", "8.41e21",
        "-0", "+0", "-0.0e5", "0e999999999", "1e-999999999", "123456789e-999999999",
        "0.1", "-5e-324", "7.3177701707893310e+15", "1.00000000000000011102230246251565404",
        "3.0000000000000004440892098500626161694526672363281250000000000000001",
        "2.00000000000000011102230246251565404236316680908203125",
        "2.00000000000000011102230246251565404236316680908203124",
        "12345678.12345678", "1234567812345678", "1.2345678123456781e-7",
    };
    static const char *const after[] = {"", ",", "\n", ",12345678901234567890\n",
                                        ";0.5", "\r\n1,2,3"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        for (size_t k = 0; k < sizeof after / sizeof *after; k++)
            CHECK(scan_agrees(cases[i], after[k]));
    double v;
    const char *stop;
    const char *zero = "-0,1";
    CHECK(nt_scan_f64(zero, zero + 4, &v, &stop) == NT_OK && stop == zero + 2 && v == 0.0 &&
          signbit(v));
}

/* Every run length of digits, before and after a point, ended by each byte
 * that is close to a digit in value (or has its top bit set): the
 * eight-at-a-time path must stop exactly where a byte loop would. */
static void test_scan_digit_runs(void)
{
    static const char ends[] = {'/', ':', '\x80', '\xB0', '\xB9', '\xF0', '\xFF', 'x', ' ', '\0'};
    const char digits[] = "8231975460318267495128730649";
    int bad = 0;
    for (int len = 1; len <= 26; len++)
        for (int point = -1; point < len; point++)
            for (size_t k = 0; k < sizeof ends; k++) {
                char num[64], buf[64];
                int n = 0;
                for (int i = 0; i < len; i++) {
                    if (i == point)
                        num[n++] = '.';
                    num[n++] = digits[i];
                }
                num[n] = '\0';
                memcpy(buf, num, (size_t)n);
                buf[n] = ends[k];
                memcpy(buf + n + 1, "99999999999", 11);
                double mine = 0, ref = strtod(num, NULL);
                const char *stop;
                int st = nt_scan_f64(buf, buf + n + 12, &mine, &stop);
                if ((st != NT_OK || stop != buf + n || !same_bits_f64(mine, ref)) && bad++ < 5)
                    fprintf(stderr, "digit run '%s' before byte 0x%02x\n", num,
                            (unsigned char)ends[k]);
            }
    CHECK(bad == 0);
}

/* Random decimals and random doubles in %.17g, each scanned before more
 * text (the CSV case), against strtod. */
static void test_random_scans_match_strtod(void)
{
    dl_rng r;
    dl_rng_seed(&r, 11);
    char num[128];
    static const char *const after[] = {",", "\n", ",-1.5e-7,2\n", ",0.00012345678901234567"};
    int bad = 0;
    for (int i = 0; i < 300000; i++) {
        if (i % 2) {
            random_decimal(&r, num, sizeof num);
        } else {
            double v = dl_rng_normal(&r) * pow(10.0, (double)dl_rng_below(&r, 41) - 20.0);
            if (i % 8 == 0) { /* any bit pattern: subnormals and huge values too */
                uint64_t bits = dl_rng_u64(&r);
                memcpy(&v, &bits, sizeof v);
                if (!isfinite(v))
                    continue;
            }
            snprintf(num, sizeof num, "%.*g", 1 + (int)dl_rng_below(&r, 17), v);
        }
        bad += !scan_agrees(num, after[dl_rng_below(&r, 4)]);
    }
    CHECK(bad == 0);
}

/* A row read as a list: the count stops at the first cell that is not a
 * number (or out of range) and after the first number not followed by the
 * delimiter; values as strtod reads them. */
static void test_scan_list(void)
{
    double v[4] = {0};
    const char *stop;
    const char *row = "1.5,-2e-3,0.30000000000000004,7\n8";
    CHECK(nt_scan_f64_list(row, row + strlen(row), ',', 4, v, &stop) == 4);
    CHECK(stop == row + strlen("1.5,-2e-3,0.30000000000000004,7"));
    CHECK(v[0] == 1.5 && v[1] == strtod("-2e-3", NULL) &&
          v[2] == strtod("0.30000000000000004", NULL) && v[3] == 7.0);
    const char *three = "1;2;3";
    CHECK(nt_scan_f64_list(three, three + 5, ';', 4, v, &stop) == 3 && stop == three + 5);
    CHECK(nt_scan_f64_list(three, three + 5, ',', 3, v, &stop) == 1 && stop == three + 1);
    const char *bad = "1,x,3";
    CHECK(nt_scan_f64_list(bad, bad + 5, ',', 3, v, &stop) == 1 && stop == bad + 1);
    const char *over = "1,1e400,3";
    CHECK(nt_scan_f64_list(over, over + 9, ',', 3, v, &stop) == 1);
    const char *nonfinite = "nan,-inf,12345678901234567890123";
    CHECK(nt_scan_f64_list(nonfinite, nonfinite + strlen(nonfinite), ',', 3, v, &stop) == 3);
    CHECK(isnan(v[0]) && isinf(v[1]) && v[1] < 0 &&
          v[2] == strtod("12345678901234567890123", NULL));
    const char *blank = "1, 2";
    CHECK(nt_scan_f64_list(blank, blank + 4, ',', 2, v, &stop) == 1);
}

static int decimal_comma(const char *s) { return nt_decimal_comma(s, s + strlen(s)); }

static void test_decimal_comma(void)
{
    const char *yes[] = {"1,5", "10,25", "-2,0", "+0,5e3", "3,25E-2", "1,234"};
    const char *no[] = {"1.5", "15", ",5", "1,", "1,5,2", "1,,5", "1,5e", "1,5e+", "a,5",
                        "1, 5", " 1,5", "1,5 ", "1,5.2", "--1,5", "", "nan", "1;5"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        CHECK(decimal_comma(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        CHECK(!decimal_comma(no[i]));
    const char *cell = "1,5;2";
    CHECK(nt_decimal_comma(cell, cell + 3) && !nt_decimal_comma(cell, cell + 5));
}

static int thousands(const char *s) { return nt_thousands(s, s + strlen(s)); }

static void test_thousands(void)
{
    const char *yes[] = {"1,299", "1,299.00", "-12,345,678.5", "+999,000", "100,000.25"};
    const char *no[] = {"1,5", "1299.00", "1,2999", "1234,567", ",299", "1,299.", "1,29",
                        "1,299,", "1,,299", "1,299.5e3", " 1,299", "1,299 ", "", "1.299,00",
                        "0,125", "-0,500", "0,125,000", "01,234"};
    for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
        CHECK(thousands(yes[i]));
    for (size_t i = 0; i < sizeof no / sizeof *no; i++)
        CHECK(!thousands(no[i]));
    const char *cell = "1,299;2";
    CHECK(nt_thousands(cell, cell + 5) && !nt_thousands(cell, cell + 7));
}

/* The list as documented, one nt_scan_f64 per cell: the reference for
 * nt_scan_f64_list, which reads most cells another way when 32 bytes and
 * more follow them. */
static size_t list_one_by_one(const char *s, const char *end, char delim, size_t n, double *out,
                              const char **stop)
{
    const char *p = s;
    *stop = s;
    for (size_t i = 0; i < n; i++) {
        const char *after;
        if (nt_scan_f64(p, end, &out[i], &after) != NT_OK)
            return i;
        *stop = after;
        if (i + 1 < n && (after == end || *after != delim))
            return i + 1;
        p = after + 1;
    }
    return n;
}

/* One random cell: a random decimal, a double at some precision, or an
 * awkward shape (two dots, an incomplete exponent, a long exponent, nan,
 * signs alone, leading zeros across the dot). */
static void random_cell(dl_rng *r, char *buf, size_t len)
{
    static const char *const odd[] = {
        ".5", "5.", "-.5e3", "+.e5", ".", "-", "+", "1e", "1e+", "1E-", "1.5.3", "1..5",
        "0.000000000000000000012345678901234567", "000.000123456789012345678",
        "0000000000000000000000000000000000001", "00000000000000000000.000000000000000",
        "1e00000000000000000000000000000000000000000000000000000000000000000000005",
        "12345678901234567890123456789012345", "1234567890123456789.5", "nan", "-Inf",
        "1.7976931348623159e308", "2.4703282292062327e-324", "9007199254740993", "0e5", "-0.0",
        "1.2345678901234567890e-5", "0.99999999999999999999", "99999999999999999999e-20",
    };
    switch (dl_rng_below(r, 4)) {
    case 0:
        random_decimal(r, buf, len);
        break;
    case 1:
        snprintf(buf, len, "%s", odd[dl_rng_below(r, sizeof odd / sizeof *odd)]);
        break;
    default: {
        double v = dl_rng_normal(r) * pow(10.0, (double)dl_rng_below(r, 51) - 25.0);
        if (dl_rng_below(r, 8) == 0) { /* any bit pattern: subnormals and huge values */
            uint64_t bits = dl_rng_u64(r);
            memcpy(&v, &bits, sizeof v);
        }
        snprintf(buf, len, "%.*g", 1 + (int)dl_rng_below(r, 17), v);
    }
    }
}

/* Rows of random cells, with and without long text after them, end exactly
 * where the buffer does (so a read past it is caught under AddressSanitizer):
 * the list must give the count, the bits and the stop of one nt_scan_f64
 * per cell. */
static void test_lists_match_one_by_one(void)
{
    dl_rng r;
    dl_rng_seed(&r, 23);
    static const char filler[] = "7.25e-3,0.000123,12345678901234567890,.5,-0,1e5\n";
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        char text[1024], cell[128];
        size_t len = 0, cells = 1 + dl_rng_below(&r, 6);
        char delim = dl_rng_below(&r, 2) ? ',' : '\t';
        for (size_t c = 0; c < cells; c++) {
            random_cell(&r, cell, sizeof cell);
            len += (size_t)snprintf(text + len, sizeof text - len, "%s%c", cell,
                                    c + 1 < cells ? delim : '\n');
        }
        for (uint64_t k = dl_rng_below(&r, 4); k > 0; k--) /* 0 to 144 bytes after the row */
            len += (size_t)snprintf(text + len, sizeof text - len, "%s", filler);
        len -= dl_rng_below(&r, 3) == 0 && len > 1; /* sometimes no line end */
        char *exact = malloc(len);
        if (!exact)
            abort();
        memcpy(exact, text, len);
        double mine[8], ref[8];
        const char *stop_mine, *stop_ref;
        size_t want = cells + dl_rng_below(&r, 2); /* one more than the row holds, at times */
        size_t got = nt_scan_f64_list(exact, exact + len, delim, want, mine, &stop_mine);
        size_t expect = list_one_by_one(exact, exact + len, delim, want, ref, &stop_ref);
        int agree = got == expect && stop_mine == stop_ref;
        for (size_t c = 0; agree && c < got; c++)
            agree = same_bits_f64(mine[c], ref[c]) || (isnan(mine[c]) && isnan(ref[c]));
        if (!agree && bad++ < 5)
            fprintf(stderr, "list mismatch on '%.*s': %zu cells, %zu expected\n", (int)len, text,
                    got, expect);
        free(exact);
    }
    CHECK(bad == 0);
    /* the longest mantissas the window reads, followed by 0 to 99 bytes */
    static const char *const longest[] = {
        "-0.00000000000000000000000000000", "+000000000000000000000000000000.",
        "-0.0000000000001234567890123456", "1234567890123456789.00000000000"};
    for (size_t c = 0; c < sizeof longest / sizeof *longest; c++)
        for (size_t tail = 0; tail < 100; tail++) {
            size_t n = strlen(longest[c]), len = n + tail;
            char *exact = malloc(len);
            if (!exact)
                abort();
            memcpy(exact, longest[c], n);
            memset(exact + n, '5', tail);
            if (tail)
                exact[n] = ',';
            double mine[2], ref[2];
            const char *stop_mine, *stop_ref;
            size_t got = nt_scan_f64_list(exact, exact + len, ',', 2, mine, &stop_mine);
            CHECK(got == list_one_by_one(exact, exact + len, ',', 2, ref, &stop_ref) &&
                  stop_mine == stop_ref && same_bits_f64(mine[0], ref[0]));
            free(exact);
        }
}

/* Plain rows read one by one, as nt_scan_f64_rows documents them: the
 * reference for it. */
static size_t rows_one_by_one(const char *s, const char *end, char delim, size_t n, size_t max,
                              double *out, const char **stop)
{
    const char *p = s;
    size_t r = 0;
    for (; r < max && p < end; r++) {
        const char *after;
        if (list_one_by_one(p, end, delim, n, out + r * n, &after) != n)
            break;
        int finite = 1;
        for (size_t j = 0; j < n; j++)
            finite &= isfinite(out[r * n + j]) != 0;
        if (after < end && *after == '\r')
            after++;
        if (!finite || (after < end && *after != '\n'))
            break;
        p = after < end ? after + 1 : end;
    }
    *stop = p;
    return r;
}

/* Tables of random rows, now and then one that is not plain (a blank, a
 * missing cell, nan, a short or long row, a blank line, CRLF): the rows
 * read, their bits and where reading stopped are the reference's. */
static void test_rows_stop_at_the_first_other_line(void)
{
    dl_rng r;
    dl_rng_seed(&r, 29);
    static const char *const other[] = {" 1", "", "nan", "1e400", "x", "1 ", "\"2\""};
    int bad = 0;
    for (int t = 0; t < 3000; t++) {
        char text[8192];
        size_t len = 0, n = 1 + dl_rng_below(&r, 5), rows = 1 + dl_rng_below(&r, 40);
        for (size_t i = 0; i < rows && len < sizeof text - 512; i++) {
            int odd = dl_rng_below(&r, 30) == 0;
            size_t cells = odd && dl_rng_below(&r, 3) == 0 ? n + 1 - 2 * (n > 1) : n;
            for (size_t j = 0; j < cells; j++) {
                double v = dl_rng_normal(&r) * pow(10.0, (double)dl_rng_below(&r, 21) - 10.0);
                if (odd && dl_rng_below(&r, 2))
                    len += (size_t)snprintf(text + len, sizeof text - len, "%s",
                                            other[dl_rng_below(&r, 7)]);
                else
                    len += (size_t)snprintf(text + len, sizeof text - len, "%.17g", v);
                if (j + 1 < cells)
                    text[len++] = ',';
            }
            len += (size_t)snprintf(text + len, sizeof text - len, "%s",
                                    dl_rng_below(&r, 10) == 0 ? "\r\n" : "\n");
            if (dl_rng_below(&r, 50) == 0)
                text[len++] = '\n'; /* a blank line */
        }
        len -= dl_rng_below(&r, 2) && len > 0; /* sometimes no last line end */
        char *exact = malloc(len ? len : 1);
        if (!exact)
            abort();
        memcpy(exact, text, len);
        size_t max = 1 + dl_rng_below(&r, 50);
        double *mine = malloc(max * n * sizeof *mine), *ref = malloc(max * n * sizeof *ref);
        const char *stop_mine, *stop_ref;
        size_t got = nt_scan_f64_rows(exact, exact + len, ',', n, max, mine, &stop_mine);
        size_t expect = rows_one_by_one(exact, exact + len, ',', n, max, ref, &stop_ref);
        int agree = got == expect && stop_mine == stop_ref &&
                    (got == 0 || memcmp(mine, ref, got * n * sizeof *mine) == 0);
        if (!agree && bad++ < 5)
            fprintf(stderr, "rows mismatch: %zu rows read, %zu expected\n", got, expect);
        free(mine);
        free(ref);
        free(exact);
    }
    CHECK(bad == 0);
}

/* Cells of each form the 32-byte window reads (exponents of every shape,
 * 19 and 20 significant digits, a dot first or last, signs, zeros, leading
 * zeros), each at every distance from the end of its text up to past the
 * 64 bytes the window needs, in a list and in a table (CR LF ending its
 * row): strtod's bits, and the stop right after the number (none read when
 * strtod overflows; no row when the number is not the whole cell). */
static void test_window_cells_match_strtod(void)
{
    static const char *const cells[] = {
        "1e5", "1E+05", "2e-5", "-2.5e-308", "1e-400", "1e+400", "-1e+400", "4.9e-324",
        "2.2250738585072011e-308", "1.7976931348623157e308", "1.7976931348623159e308",
        "7E0", "-1.5e+3", "+1.5e3", "1e0005", "1e00000000000000000000000000000000005",
        "1234567890123456789", "12345678901234567890", "9999999999999999999",
        "99999999999999999999", "0.1234567890123456789", "-1234567890.123456789",
        "1234567890.1234567891", "0.30000000000000004", "-9007199254740993", ".5", "5.",
        "-.5", "+5.", "-0", "+0", "0", "-0.0", "000", "0.000", "-0e5", "0e-400", "-0e+400",
        "00012.5", "-000.000123", "0.0000000000000000000000000012", "0000000000000000000001.5",
        "123456789012345678901234567890", "1e", "1e+", "-2.5E-", "1.5.3", "-", ".", "-.",
    };
    int bad = 0;
    for (size_t c = 0; c < sizeof cells / sizeof *cells; c++) {
        size_t n = strlen(cells[c]);
        char *ended = strdup(cells[c]), *endp;
        double ref = strtod(ended, &endp);
        size_t used = (size_t)(endp - ended); /* 0: no number */
        int number = used > 0 && !isinf(ref);
        for (size_t tail = 0; tail <= 80; tail++) {
            /* the cell, then ",7777..." (a list) or "\r\n7\n7\n..." (a table) */
            char *list = malloc(n + tail), *table = malloc(n + tail + 2);
            if (!list || !table)
                abort();
            memcpy(list, cells[c], n);
            memcpy(table, cells[c], n);
            memset(list + n, '7', tail);
            if (tail)
                list[n] = ',';
            memcpy(table + n, "\r\n", 2);
            for (size_t i = 0; i < tail; i++)
                table[n + 2 + i] = i % 2 ? '\n' : '7';
            double mine = 0;
            const char *stop;
            size_t got = nt_scan_f64_list(list, list + n + tail, ',', 1, &mine, &stop);
            int agree = number ? got == 1 && stop == list + used && same_bits_f64(mine, ref)
                               : got == 0 && stop == list;
            size_t rows = nt_scan_f64_rows(table, table + n + tail + 2, ',', 1, 1, &mine, &stop);
            agree &= number && used == n
                         ? rows == 1 && stop == table + n + 2 && same_bits_f64(mine, ref)
                         : rows == 0 && stop == table;
            if (!agree && bad++ < 5)
                fprintf(stderr, "window cell '%s' with %zu bytes after it\n", cells[c], tail);
            free(list);
            free(table);
        }
        free(ended);
    }
    CHECK(bad == 0);
}

/* One random number as data holds them: a random decimal, or a double
 * printed with %.Ng or %.Ne, at times 0; its text (not NUL-terminated in
 * buf) and its length. */
static size_t random_number(dl_rng *r, char *buf, size_t len)
{
    switch (dl_rng_below(r, 5)) {
    case 0:
        random_decimal(r, buf, len);
        return strlen(buf);
    case 1:
        return (size_t)snprintf(buf, len, "%s", dl_rng_below(r, 2) ? "0" : "-0.0");
    default: {
        double v = dl_rng_normal(r) * pow(10.0, (double)dl_rng_below(r, 61) - 30.0);
        int prec = (int)dl_rng_below(r, 19);
        return (size_t)snprintf(buf, len, dl_rng_below(r, 2) ? "%.*g" : "%.*e", prec, v);
    }
    }
}

/* Tables of random numbers (wide, narrow, with and without exponents,
 * zeros among them, random decimals that overflow now and then), each row
 * ending in LF or CR LF, read by nt_scan_f64_rows: the rows up to the
 * first with a number strtod does not read as finite, each number with
 * strtod's bits, and the stop at the start of that row. */
static void test_random_rows_match_strtod(void)
{
    dl_rng r;
    dl_rng_seed(&r, 31);
    int bad = 0;
    for (int t = 0; t < 4000; t++) {
        size_t n = 1 + dl_rng_below(&r, 6), rows = 1 + dl_rng_below(&r, 30), len = 0;
        char text[16384];
        double ref[30 * 6];
        size_t row_start[31], expect = rows;
        for (size_t i = 0; i < rows; i++) {
            row_start[i] = len;
            for (size_t j = 0; j < n; j++) {
                char num[128];
                size_t k = random_number(&r, num, sizeof num);
                num[k] = '\0';
                ref[i * n + j] = strtod(num, NULL);
                if (!isfinite(ref[i * n + j]) && expect == rows)
                    expect = i;
                memcpy(text + len, num, k);
                len += k;
                text[len++] = j + 1 < n ? ',' : '\n';
            }
            if (dl_rng_below(&r, 4) == 0) { /* CR LF */
                text[len - 1] = '\r';
                text[len++] = '\n';
            }
        }
        row_start[rows] = len;
        char *exact = malloc(len);
        double *mine = malloc(rows * n * sizeof *mine);
        if (!exact || !mine)
            abort();
        memcpy(exact, text, len);
        const char *stop;
        size_t got = nt_scan_f64_rows(exact, exact + len, ',', n, rows, mine, &stop);
        int agree = got == expect && stop == exact + row_start[expect];
        for (size_t i = 0; agree && i < got * n; i++)
            agree = same_bits_f64(mine[i], ref[i]);
        if (!agree && bad++ < 5)
            fprintf(stderr, "random rows: %zu read, %zu expected, in '%.*s'\n", got, expect,
                    (int)len, text);
        free(mine);
        free(exact);
    }
    CHECK(bad == 0);
}

static void test_random_strings_match_strtod(void) { CHECK(mismatches_against_libc(0, 42, 300000) == 0); }

static void test_random_strings_match_strtof(void) { CHECK(mismatches_against_libc(1, 7, 300000) == 0); }

/* Random bit patterns printed with %.17g (the way data usually arrives)
 * and with %.9g for floats. */
static void test_random_doubles_roundtrip(void)
{
    dl_rng r;
    dl_rng_seed(&r, 3);
    char buf[64], shortest[NT_BUF];
    int bad = 0;
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = dl_rng_u64(&r);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (!isfinite(v))
            continue;
        snprintf(buf, sizeof buf, "%.17g", v);
        double back;
        bad += parse64(buf, &back) != NT_OK || !same_bits_f64(back, v);
        nt_format_f64(v, shortest);
        bad += parse64(shortest, &back) != NT_OK || !same_bits_f64(back, v);
        float f = (float)dl_rng_normal(&r), fback;
        nt_format_f32(f, shortest);
        bad += parse32(shortest, &fback) != NT_OK || !same_bits_f32(fback, f);
    }
    CHECK(bad == 0);
}

/* The reference: printf at each precision until strtod/strtof reads the
 * value back.  nt_format_* must print exactly the same text. */
static void reference_format(double v, int is_float, char *buf, size_t len)
{
    for (int prec = is_float ? 6 : 15; prec <= (is_float ? 9 : 17); prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (is_float ? strtof(buf, NULL) == (float)v : strtod(buf, NULL) == v)
            return;
    }
}

static void test_format_matches_printf(void)
{
    dl_rng r;
    dl_rng_seed(&r, 5);
    char mine[NT_BUF], ref[64];
    int bad = 0;
    for (int i = 0; i < 300000; i++) {
        uint64_t bits = dl_rng_u64(&r);
        double v;
        memcpy(&v, &bits, sizeof v);
        if (i % 3 == 1) /* typical data: moderate magnitudes */
            v = dl_rng_normal(&r) * pow(10.0, (double)dl_rng_below(&r, 30) - 15.0);
        if (i % 3 == 2) /* few digits: 0.1, 2.5e-07, 1234 */
            v = (double)dl_rng_below(&r, 100000) * pow(10.0, (double)dl_rng_below(&r, 20) - 10.0);
        if (!isfinite(v))
            continue;
        nt_format_f64(v, mine);
        reference_format(v, 0, ref, sizeof ref);
        float f = (float)v;
        if (strcmp(mine, ref) != 0 && bad++ < 5)
            fprintf(stderr, "f64 %a: '%s' vs printf '%s'\n", v, mine, ref);
        if (!isfinite(f))
            continue;
        nt_format_f32(f, mine);
        reference_format(f, 1, ref, sizeof ref);
        if (strcmp(mine, ref) != 0 && bad++ < 5)
            fprintf(stderr, "f32 %a: '%s' vs printf '%s'\n", (double)f, mine, ref);
    }
    CHECK(bad == 0);
}

/* One value against the reference, as double and as float; a mismatch is
 * printed (the first few) and counted. */
static int format_differs(double v, int *shown)
{
    char mine[NT_BUF], ref[64];
    int bad = 0;
    if (isfinite(v)) {
        nt_format_f64(v, mine);
        reference_format(v, 0, ref, sizeof ref);
        if (strcmp(mine, ref) != 0 && ++bad && (*shown)++ < 5)
            fprintf(stderr, "f64 %a: '%s' vs printf '%s'\n", v, mine, ref);
    }
    float f = (float)v;
    if (isfinite(f)) {
        nt_format_f32(f, mine);
        reference_format(f, 1, ref, sizeof ref);
        if (strcmp(mine, ref) != 0 && ++bad && (*shown)++ < 5)
            fprintf(stderr, "f32 %a: '%s' vs printf '%s'\n", (double)f, mine, ref);
    }
    return bad;
}

/* Where digits are made from a product with a 128-bit power of five, the
 * places it could go wrong: powers of ten and of two and their neighbours
 * (the first digit's estimate, 9.99.. rounding up to the next power, every
 * row of the table), subnormals, the largest values, exact ties at the last
 * digit printed (halves of large integers), values whose 17 digits end in
 * 5 with the exact value on either side, and random float bit patterns. */
static void test_format_edges_match_printf(void)
{
    int bad = 0, shown = 0;
    for (int e = -325; e <= 309; e++) {
        double p = pow(10.0, (double)e); /* within an ulp or two of 10^e */
        for (int step = -3; step <= 3; step++) {
            double v = p;
            for (int i = 0; i < (step < 0 ? -step : step); i++)
                v = nextafter(v, step < 0 ? 0.0 : INFINITY);
            bad += format_differs(v, &shown) + format_differs(-v, &shown);
        }
    }
    for (int e = -1074; e <= 1023; e++) {
        double p = ldexp(1.0, e);
        bad += format_differs(p, &shown) + format_differs(nextafter(p, 0.0), &shown) +
               format_differs(nextafter(p, INFINITY), &shown);
    }
    bad += format_differs(DBL_MAX, &shown) + format_differs(DBL_MIN, &shown) +
           format_differs(DBL_TRUE_MIN, &shown) + format_differs(FLT_MAX, &shown) +
           format_differs(FLT_TRUE_MIN, &shown) + format_differs(0.0, &shown) +
           format_differs(-0.0, &shown);
    dl_rng r;
    dl_rng_seed(&r, 11);
    for (int i = 0; i < 100000; i++) {
        /* k + j/4 near 2^50..2^53: 17 digits and an exact .25, .5 or .75 */
        double big = ldexp(1.0, 50 + (int)dl_rng_below(&r, 3)) + (double)dl_rng_below(&r, 1u << 30);
        bad += format_differs(big + (double)dl_rng_below(&r, 4) / 4.0, &shown);
        /* odd multiples of small powers of two: ties at several lengths */
        bad += format_differs(ldexp((double)(2 * dl_rng_below(&r, 1u << 20) + 1),
                                    -(int)dl_rng_below(&r, 12)), &shown);
        uint64_t bits = dl_rng_u64(&r) >> 12; /* a subnormal */
        double v;
        memcpy(&v, &bits, sizeof v);
        bad += format_differs(v, &shown);
        float f;
        uint32_t fbits = (uint32_t)dl_rng_u64(&r);
        memcpy(&f, &fbits, sizeof f);
        bad += format_differs(f, &shown);
        /* a 17-digit decimal ending in 5, read as the nearest double */
        char text[40];
        snprintf(text, sizeof text, "%llu5e%d",
                 (unsigned long long)(1000000000000000ULL + dl_rng_below(&r, 9000000000000000ULL)),
                 (int)dl_rng_below(&r, 600) - 300);
        bad += format_differs(strtod(text, NULL), &shown);
    }
    CHECK(bad == 0);
}

/* Decimals that land exactly halfway between two floats once rounded to
 * double: rounding the double again would be wrong. */
static void test_f32_double_rounding_cases(void)
{
    const char *cases[] = {"1.00000005960464477550", "1.0000000596046447755",
                           "7.038531e-26", "16777217", "16777217.000000001",
                           "3.4028235677973366e38", "1.4012984643e-45", "7.006492321624086e-46"};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        float mine = 0, ref = strtof(cases[i], NULL);
        int st = parse32(cases[i], &mine);
        if (isinf(ref))
            CHECK(st == NT_RANGE);
        else
            CHECK(st == NT_OK && same_bits_f32(mine, ref));
    }
}

static void test_syntax(void)
{
    double v;
    CHECK(parse64("1.5", &v) == NT_OK && v == 1.5);
    CHECK(parse64("-.5", &v) == NT_OK && v == -0.5);
    CHECK(parse64("5.", &v) == NT_OK && v == 5.0);
    CHECK(parse64("+2e3", &v) == NT_OK && v == 2000.0);
    CHECK(parse64("-0", &v) == NT_OK && v == 0.0 && signbit(v));
    CHECK(parse64("1E-2", &v) == NT_OK && v == 0.01);
    CHECK(parse64("NaN", &v) == NT_OK && isnan(v));
    CHECK(parse64("-inf", &v) == NT_OK && isinf(v) && v < 0);
    CHECK(parse64("Infinity", &v) == NT_OK && isinf(v) && v > 0);
    CHECK(parse64("1e400", &v) == NT_RANGE);
    CHECK(parse64("1e-400", &v) == NT_OK && v == 0.0);
    /* which zeros were written so, and which were rounded to 0 */
    static const char *const zeros[] = {"0", "-0", "+0.0", ".0", "0.", "000.000", "0e-400",
                                        "-0E999"};
    for (size_t i = 0; i < sizeof zeros / sizeof *zeros; i++)
        CHECK(nt_zero_text(zeros[i], zeros[i] + strlen(zeros[i])));
    static const char *const rounded[] = {"1e-400", "-2.4e-324", "0.000001e-320", "00.10e-999"};
    for (size_t i = 0; i < sizeof rounded / sizeof *rounded; i++)
        CHECK(parse64(rounded[i], &v) == NT_OK && v == 0.0 &&
              !nt_zero_text(rounded[i], rounded[i] + strlen(rounded[i])));
    static const char *const not_numbers[] = {"",   ".",  "-",   "1e",  "1e+",  "0x10",
                                              "1,5", " 1", "1 ", "abc", "nanx", "1.2.3"};
    for (size_t i = 0; i < sizeof not_numbers / sizeof *not_numbers; i++)
        CHECK(parse64(not_numbers[i], &v) == NT_SYNTAX);
    float f;
    CHECK(parse32("1e39", &f) == NT_RANGE);
    CHECK(parse32("3.4028234e38", &f) == NT_OK && f == FLT_MAX);
}

static void test_long_digit_strings(void)
{
    /* 400 digits: far past the 19 the fast path keeps, and past the local
     * buffer of the fallback. */
    char buf[512] = "0.";
    for (int i = 0; i < 400; i++)
        buf[2 + i] = (char)('0' + (i * 7) % 10);
    buf[402] = '\0';
    double v;
    CHECK(parse64(buf, &v) == NT_OK && same_bits_f64(v, strtod(buf, NULL)));
    /* 2^-1074 written out in full rounds correctly too. */
    const char *tiny = "4.9406564584124654417656879286822137236505980e-324";
    CHECK(parse64(tiny, &v) == NT_OK && same_bits_f64(v, strtod(tiny, NULL)));
}

static void test_format(void)
{
    char buf[NT_BUF];
    nt_format_f64(0.1, buf);
    CHECK_STR(buf, "0.1");
    nt_format_f64(1.0 / 3.0, buf);
    CHECK_STR(buf, "0.3333333333333333");
    nt_format_f64(-0.0, buf);
    CHECK_STR(buf, "-0");
    nt_format_f64(NAN, buf);
    CHECK_STR(buf, "nan");
    nt_format_f64(-INFINITY, buf);
    CHECK_STR(buf, "-inf");
    nt_format_f64(DBL_MAX, buf);
    CHECK_STR(buf, "1.7976931348623157e+308");
    nt_format_f32(0.1f, buf);
    CHECK_STR(buf, "0.1");
    nt_format_f32(16777216.0f, buf);
    CHECK_STR(buf, "16777216");
}

int main(void)
{
    UNIT_RUN(test_random_strings_match_strtod);
    UNIT_RUN(test_random_strings_match_strtof);
    UNIT_RUN(test_scan_edges_match_strtod);
    UNIT_RUN(test_scan_digit_runs);
    UNIT_RUN(test_scan_list);
    UNIT_RUN(test_decimal_comma);
    UNIT_RUN(test_thousands);
    UNIT_RUN(test_random_scans_match_strtod);
    UNIT_RUN(test_lists_match_one_by_one);
    UNIT_RUN(test_rows_stop_at_the_first_other_line);
    UNIT_RUN(test_window_cells_match_strtod);
    UNIT_RUN(test_random_rows_match_strtod);
    UNIT_RUN(test_random_doubles_roundtrip);
    UNIT_RUN(test_f32_double_rounding_cases);
    UNIT_RUN(test_syntax);
    UNIT_RUN(test_long_digit_strings);
    UNIT_RUN(test_format);
    UNIT_RUN(test_format_matches_printf);
    UNIT_RUN(test_format_edges_match_printf);
    return UNIT_DONE();
}
