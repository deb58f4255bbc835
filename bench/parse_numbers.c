/* parse_numbers - how fast one core turns a numeric CSV's text into doubles.
 *
 *   parse_numbers FILE
 *
 * FILE: rows of numbers split by commas, all with as many cells as the
 * first.  Read into memory once; then every row is parsed from that warm
 * buffer, as the importer parses a piece (nt_scan_f64_rows), and again
 * with strtod cell by cell (the C library's reference).  Best of several
 * passes each; prints
 *   "numbers N ns_per_number T mb_per_s M strtod_ns_per_number S"
 * This is the parser alone, on one core, with its input in cache: what the
 * import's two threads can reach at most, before reading, page faults and
 * writing the stream.  Then the same doubles back to text, one at a time,
 * as export writes them (nt_format_f64: the shortest of %.15g..%.17g that
 * reads back), and with snprintf's %.17g for scale:
 *   "format_ns_per_number F printf_ns_per_number P" */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "numtext.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *text = NULL;
    long n;
    if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) <= 0 || fseek(f, 0, SEEK_SET) != 0 ||
        !(text = malloc((size_t)n)) || fread(text, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "parse_numbers: cannot read %s\n", path);
        exit(1);
    }
    fclose(f);
    *len = (size_t)n;
    return text;
}

/* Every row, as the importer reads them; the numbers read. */
static size_t parse_rows(const char *text, size_t len, size_t cols, double *out, size_t rows)
{
    const char *stop;
    size_t got = nt_scan_f64_rows(text, text + len, ',', cols, rows, out, &stop);
    if (stop != text + len) {
        fprintf(stderr, "parse_numbers: row %zu is not %zu plain numbers\n", got + 1, cols);
        exit(1);
    }
    return got * cols;
}

static size_t parse_strtod(char *text, size_t len, double *out)
{
    size_t n = 0;
    char *p = text, *end = text + len, *next;
    while (p < end) {
        out[n++] = strtod(p, &next);
        p = next + 1; /* the comma or the line's end */
    }
    return n;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: parse_numbers FILE\n");
        return 2;
    }
    size_t len, cols = 1, rows = 0;
    char *text = read_all(argv[1], &len);
    for (const char *p = text; p < text + len && *p != '\n'; p++)
        cols += *p == ',';
    for (const char *p = text; p < text + len; p++)
        rows += *p == '\n';
    double *out = malloc((rows + 1) * cols * sizeof *out);
    if (!out)
        return 1;
    size_t count = 0;
    double best = 1e30, best_strtod = 1e30, sum = 0;
    for (int pass = 0; pass < 9; pass++) {
        double t = now();
        count = parse_rows(text, len, cols, out, rows + 1);
        t = now() - t;
        best = t < best ? t : best;
    }
    for (size_t i = 0; i < count; i++)
        sum += out[i];
    for (int pass = 0; pass < 3; pass++) {
        double t = now();
        size_t n = parse_strtod(text, len, out);
        t = now() - t;
        best_strtod = t < best_strtod ? t : best_strtod;
        if (n != count) {
            fprintf(stderr, "parse_numbers: strtod read %zu numbers, not %zu\n", n, count);
            return 1;
        }
    }
    /* strtod's pass left the same doubles in out */
    double best_format = 1e30, best_printf = 1e30;
    size_t chars = 0;
    char buf[NT_BUF + 8];
    for (int pass = 0; pass < 3; pass++) {
        double t = now();
        for (size_t i = 0; i < count; i++)
            chars += (size_t)nt_format_f64(out[i], buf);
        t = now() - t;
        best_format = t < best_format ? t : best_format;
        t = now();
        for (size_t i = 0; i < count; i++)
            chars += (size_t)snprintf(buf, sizeof buf, "%.17g", out[i]);
        t = now() - t;
        best_printf = t < best_printf ? t : best_printf;
    }
    printf("numbers %zu ns_per_number %.2f mb_per_s %.0f strtod_ns_per_number %.2f "
           "format_ns_per_number %.2f printf_ns_per_number %.2f\n",
           count, 1e9 * best / (double)count, (double)len / best / 1e6,
           1e9 * best_strtod / (double)count, 1e9 * best_format / (double)count,
           1e9 * best_printf / (double)count);
    return sum != sum || chars == 0; /* keeps the values used; NaN would be a bug */
}
