/* numtext.h - numbers as text, always in the C locale: exact parsing and
 * shortest round-trip formatting.
 *
 * Parsing is correctly rounded (the same value strtod/strtof give) but does
 * not go through them for the common case: a decimal with at most 19
 * significant digits is read in one pass (digits eight at a time) and
 * converted by the Eisel-Lemire algorithm, exact for such mantissas; a
 * longer one is converted from both ends of its truncation interval, and
 * falls back to strtod only when they round differently.  On CPUs with
 * AVX2 (and BMI1, BMI2 and POPCNT, which all of them have), a row's cells
 * (nt_scan_f64_list, nt_scan_f64_rows) are read 32 bytes at a time: masks
 * give a mantissa's layout without a branch per digit, nor one on where
 * its first significant digit is or on whether it is zero; the values are
 * the same doubles.
 * The accepted syntax is strict: [+-]digits[.digits][(e|E)[+-]digits], or
 * [+-]nan / inf / infinity in any case.  Hexadecimal floats, locale decimal
 * commas and surrounding blanks are not numbers here. */
#ifndef DL_NUMTEXT_H
#define DL_NUMTEXT_H

#include <stddef.h>

enum nt_status {
    NT_OK = 0,
    NT_SYNTAX = 1, /* not a number */
    NT_RANGE = 2   /* a finite decimal too large for the type */
};

/* Longest text nt_format_* writes, with its terminator. */
#define NT_BUF 32

/* Scans a number at s (never past end).  *stop is set to the first byte
 * after the longest prefix that looks like a number; the status says
 * whether that prefix is a valid number.  NaN and Inf are returned as such
 * (callers decide whether to accept them). */
int nt_scan_f64(const char *s, const char *end, double *out, const char **stop);
int nt_scan_f32(const char *s, const char *end, float *out, const char **stop);

/* Up to n numbers from s, each but the last followed by one delim byte (a
 * row of a table, read without a call per number).  Returns how many were
 * read as nt_scan_f64 reads them (NT_OK; NaN and Inf included) before one
 * that is not a number or out of range, or until one is not followed by
 * delim.  out[0..count) hold them; *stop is right after the last. */
size_t nt_scan_f64_list(const char *s, const char *end, char delim, size_t n, double *out,
                        const char **stop);

/* Up to max rows of a table, each n numbers read as nt_scan_f64_list reads
 * them, all finite, ending their line ("\n", "\r\n" or the end of the
 * text): out[r * n + j] is row r's number j.  Returns how many rows were
 * read before one that is anything else; *stop is where that one starts
 * (after the last row read). */
size_t nt_scan_f64_rows(const char *s, const char *end, char delim, size_t n, size_t max,
                        double *out, const char **stop);

/* Parses exactly [s, end): the whole text must be one number. */
int nt_parse_f64(const char *s, const char *end, double *out);
int nt_parse_f32(const char *s, const char *end, float *out);

/* Whether [s, end), a finite number nt_parse_f64 or nt_parse_f32 takes, is
 * written as zero: its digits before any exponent all 0 ("-0.00", "0e-400").
 * A number that is read as 0 but is not written so ("1e-400") was below
 * half the type's least subnormal: the parsers round it to 0, as strtod
 * does, and a caller that cannot take that asks here. */
int nt_zero_text(const char *s, const char *end);

/* Whether [s, end) is a number written with a decimal comma, which is not
 * a number here: [+-]digits,digits[(e|E)[+-]digits] ("1,5", "-2,25e3"). */
int nt_decimal_comma(const char *s, const char *end);
/* Whether [s, end) is a number written with comma thousands separators,
 * which is not a number here either: [+-]d{1,3}(,ddd)+[.digits], the
 * first digit not 0 ("1,299", "-12,345,678.5"; "1,299" is both this and a
 * decimal comma, "0,125" only a decimal comma). */
int nt_thousands(const char *s, const char *end);

/* Writes the shortest of %.15g/%.16g/%.17g (f32: %.6g .. %.9g) that reads
 * back to exactly v; "nan", "inf", "-inf" for non-finite values.  Returns
 * the length; buf holds at least NT_BUF bytes.  The text is printf's, byte
 * for byte, but made without it: the 17 (9) digits come correctly rounded
 * from one product with the parser's 128-bit powers of five, the shorter
 * forms are their roundings, and each is checked by the parser's own
 * conversion, not by printing and reading it.  printf is left only what
 * that product cannot settle: a tie, a rounding within the table's error,
 * a subnormal double below about 1e-292. */
int nt_format_f64(double v, char *buf);
int nt_format_f32(float v, char *buf);

/* v, or a NaN without its sign bit, which printf writes "nan" where it
 * writes one of sign bit set (inf - inf, 0 * inf) "-nan": what a table's
 * readers (dl-plot's among them) take for a missing value. */
double nt_unsigned_nan(double v);

#endif
