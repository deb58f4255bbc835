/* npy.c - NumPy .npy import and header writing. */
#include "npy.h"

#include <stdlib.h>
#include <string.h>

#include "textio.h"

#define NPY_MAGIC "\x93NUMPY"
#define NPY_HEADER_MAX (1u << 20) /* numpy itself refuses headers past 10 KB */

static int host_is_little(void)
{
    const uint16_t one = 1;
    unsigned char b;
    memcpy(&b, &one, 1);
    return b == 1;
}

/* ---------------------------- header dict ---------------------------- */
typedef struct cursor {
    const char *p, *end, *label;
    dl_err *e;
} cursor;

static void skip_ws(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int bad(cursor *c, const char *what)
{
    return dl_fail(c->e, DL_EDATA, "%s: .npy header: %s", c->label, what);
}

static int expect(cursor *c, char ch)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p != ch) {
        char what[32];
        snprintf(what, sizeof what, "expected '%c'", ch);
        return bad(c, what);
    }
    c->p++;
    return 0;
}

/* A Python string literal in single or double quotes, no escapes. */
static int string_lit(cursor *c, char *out, size_t len)
{
    skip_ws(c);
    if (c->p >= c->end || (*c->p != '\'' && *c->p != '"'))
        return bad(c, "expected a quoted string");
    char q = *c->p++;
    const char *start = c->p;
    while (c->p < c->end && *c->p != q)
        c->p++;
    if (c->p >= c->end || (size_t)(c->p - start) >= len)
        return bad(c, "unterminated or overlong string");
    memcpy(out, start, (size_t)(c->p - start));
    out[c->p - start] = '\0';
    c->p++;
    return 0;
}

static int descr_value(cursor *c, npy_header *h)
{
    char d[16];
    skip_ws(c);
    if (c->p < c->end && *c->p == '[')
        return bad(c, "structured dtypes are not supported");
    if (string_lit(c, d, sizeof d))
        return c->e->code;
    char order = d[0];
    const char *type = d + 1;
    static const struct {
        const char *code;
        int dtype;
        size_t size;
    } types[] = {{"f4", DL_F32, 4}, {"f8", DL_F64, 8}, {"i4", DL_I32, 4},
                 {"i8", DL_I64, 8}, {"u1", DL_U8, 1},  {"b1", DL_U8, 1}};
    if (order != '<' && order != '>' && order != '|' && order != '=')
        return dl_fail(c->e, DL_EDATA, "%s: .npy dtype '%s' is not supported", c->label, d);
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        if (strcmp(type, types[i].code) == 0) {
            h->dtype = types[i].dtype;
            h->itemsize = types[i].size;
            h->boolean = strcmp(type, "b1") == 0;
            /* '|' (order not applicable) on a wider type: the host's, as numpy */
            int little = order == '<' || (order != '>' && host_is_little());
            h->swap = h->itemsize > 1 && little != host_is_little();
            return 0;
        }
    }
    return dl_fail(c->e, DL_EDATA,
                   "%s: .npy dtype '%s' is not supported (f4, f8, i4, i8, u1, b1)", c->label, d);
}

static int bool_value(cursor *c, int *out)
{
    skip_ws(c);
    size_t left = (size_t)(c->end - c->p);
    if (left >= 4 && memcmp(c->p, "True", 4) == 0) {
        *out = 1;
        c->p += 4;
    } else if (left >= 5 && memcmp(c->p, "False", 5) == 0) {
        *out = 0;
        c->p += 5;
    } else {
        return bad(c, "fortran_order is not True or False");
    }
    return 0;
}

static int uint_value(cursor *c, uint64_t *out)
{
    skip_ws(c);
    if (c->p >= c->end || *c->p < '0' || *c->p > '9')
        return bad(c, "shape entries must be whole numbers");
    uint64_t v = 0;
    for (; c->p < c->end && *c->p >= '0' && *c->p <= '9'; c->p++) {
        if (v > (UINT64_MAX - 9) / 10)
            return bad(c, "a shape entry is too large");
        v = v * 10 + (uint64_t)(*c->p - '0');
    }
    if (c->p < c->end && *c->p == 'L') /* Python 2 longs */
        c->p++;
    *out = v;
    return 0;
}

static int shape_value(cursor *c, npy_header *h)
{
    if (expect(c, '('))
        return c->e->code;
    h->rank = 0;
    for (;;) {
        skip_ws(c);
        if (c->p < c->end && *c->p == ')')
            break;
        if (h->rank == DL_RANK_MAX)
            return bad(c, "too many dimensions");
        if (uint_value(c, &h->shape[h->rank++]))
            return c->e->code;
        skip_ws(c);
        if (c->p < c->end && *c->p == ',')
            c->p++;
        else if (c->p >= c->end || *c->p != ')')
            return bad(c, "malformed shape");
    }
    c->p++;
    return 0;
}

int npy_parse_dict(const char *text, size_t len, npy_header *h, const char *label,
                   dl_err *e)
{
    cursor c = {text, text + len, label, e};
    memset(h, 0, sizeof *h);
    int seen = 0; /* bits: descr, fortran_order, shape */
    if (expect(&c, '{'))
        return e->code;
    for (;;) {
        skip_ws(&c);
        if (c.p < c.end && *c.p == '}')
            break;
        char key[32];
        if (string_lit(&c, key, sizeof key) || expect(&c, ':'))
            return e->code;
        int rc;
        if (strcmp(key, "descr") == 0)
            rc = descr_value(&c, h), seen |= 1;
        else if (strcmp(key, "fortran_order") == 0)
            rc = bool_value(&c, &h->fortran), seen |= 2;
        else if (strcmp(key, "shape") == 0)
            rc = shape_value(&c, h), seen |= 4;
        else
            rc = bad(&c, "unknown key");
        if (rc)
            return rc;
        skip_ws(&c);
        if (c.p < c.end && *c.p == ',')
            c.p++;
    }
    if (seen != 7)
        return bad(&c, "descr, fortran_order or shape missing");
    if (dl_shape_bytes(h->dtype, h->rank, h->shape, &h->nelem, &h->nbytes, e))
        return dl_err_wrap(e, "%s", label);
    return 0;
}

/* ------------------------------ reading ------------------------------ */
static uint32_t le_u32(const unsigned char *b)
{
    return (uint32_t)b[0] | (uint32_t)b[1] << 8 | (uint32_t)b[2] << 16 | (uint32_t)b[3] << 24;
}

static int read_header(tx_in *in, npy_header *h, dl_err *e)
{
    unsigned char pre[12];
    size_t got;
    if (tx_in_read(in, pre, 10, &got, e))
        return e->code;
    size_t magic = got < 6 ? got : 6;
    if (got == 0 || memcmp(pre, NPY_MAGIC, magic) != 0)
        return dl_fail(e, DL_EDATA, "%s: not a .npy file (no \\x93NUMPY magic)", in->label);
    if (got < 10) /* the magic, or as much of it as there is: a file cut short */
        return dl_fail(e, DL_EDATA, "%s: truncated .npy header", in->label);
    int major = pre[6];
    if (major < 1 || major > 3)
        return dl_fail(e, DL_EDATA, "%s: .npy format version %d is not supported", in->label,
                       major);
    uint32_t hlen = (uint32_t)pre[8] | (uint32_t)pre[9] << 8;
    if (major >= 2) {
        if (tx_in_read(in, pre + 10, 2, &got, e))
            return e->code;
        if (got < 2)
            return dl_fail(e, DL_EDATA, "%s: truncated .npy header", in->label);
        hlen = le_u32(pre + 8);
    }
    if (hlen > NPY_HEADER_MAX)
        return dl_fail(e, DL_EDATA, "%s: .npy header of %u bytes is too long", in->label,
                       (unsigned)hlen);
    char *text = malloc(hlen ? hlen : 1);
    if (!text)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", in->label);
    int rc = tx_in_read(in, text, hlen, &got, e);
    if (!rc && got < hlen)
        rc = dl_fail(e, DL_EDATA, "%s: truncated .npy header", in->label);
    if (!rc)
        rc = npy_parse_dict(text, hlen, h, in->label, e);
    free(text);
    return rc;
}

static void swap_bytes(unsigned char *p, size_t size)
{
    for (size_t i = 0; i < size / 2; i++) {
        unsigned char t = p[i];
        p[i] = p[size - 1 - i];
        p[size - 1 - i] = t;
    }
}

/* Whether the file's elements are the sink's bytes as they are: not when
 * swapped, converted, or bools, whose bytes may be other than 0 and 1. */
static int bytes_as_is(const npy_header *h, const tx_sink *s)
{
    return !h->swap && !h->boolean && s->dtype == h->dtype;
}

/* One element from the file into element j of the sink's row. */
static void put_elem(tx_sink *s, uint64_t j, unsigned char *src, const npy_header *h)
{
    if (h->swap)
        swap_bytes(src, h->itemsize);
    if (h->boolean)
        *src = *src != 0;
    unsigned char *dst = (unsigned char *)tx_sink_row(s) + j * s->esize;
    if (s->dtype == h->dtype)
        memcpy(dst, src, h->itemsize);
    else if (s->dtype == DL_F32)
        *(float *)(void *)dst = dl_dtype_load_f32(src, h->dtype, 0);
    else
        *(double *)(void *)dst = dl_dtype_load_f64(src, h->dtype, 0);
}

static int truncated(tx_in *in, const npy_header *h, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: truncated .npy data: the header promises %llu bytes",
                   in->label, (unsigned long long)h->nbytes);
}

/* Rows whose bytes already are the stream's (same dtype, host byte order)
 * and all go to one record: read straight into the chunk, no conversion. */
static int rows_in_place(tx_in *in, const npy_header *h, tx_sink *s, uint64_t rows,
                         size_t row_bytes, dl_err *e)
{
    while (rows > 0) {
        uint64_t room, n;
        void *dst = tx_sink_space(s, &room);
        n = room < rows ? room : rows;
        size_t got;
        if (tx_in_read(in, dst, (size_t)n * row_bytes, &got, e))
            return e->code;
        if (got < (size_t)n * row_bytes)
            return truncated(in, h, e);
        if (tx_sink_added(s, n, e))
            return e->code;
        rows -= n;
    }
    return 0;
}

/* The same rows in a regular file, bound for a pipe: checked from the file,
 * they go from it to the pipe in the kernel (tx_sink_splice). */
static int rows_spliced(tx_in *in, const npy_header *h, tx_sink *s, uint64_t rows,
                        uint64_t at, uint64_t size, dl_err *e)
{
    if (at > size || size - at < h->nbytes)
        return truncated(in, h, e);
    if (tx_sink_splice(s, in->fd, at, rows, e))
        return e->code;
    return tx_in_seek(in, at + h->nbytes, e);
}

#define NPY_BLOCK_BYTES ((size_t)1 << 20)

/* One row from the file: pushed as it is when nothing needs converting,
 * else element by element. */
static int put_row(tx_sink *s, unsigned char *src, const npy_header *h, uint64_t cols, dl_err *e)
{
    if (bytes_as_is(h, s))
        return tx_sink_push(s, src, e);
    for (uint64_t j = 0; j < cols; j++)
        put_elem(s, j, src + j * h->itemsize, h);
    return tx_sink_commit(s, e);
}

static int rows_c_order(tx_in *in, const npy_header *h, tx_sink *s, uint64_t rows,
                        uint64_t cols, dl_err *e)
{
    size_t row_bytes = (size_t)(cols * h->itemsize);
    uint64_t room;
    tx_sink_space(s, &room);
    if (room && bytes_as_is(h, s)) {
        uint64_t at, size;
        if (st_writer_splices(s->w) && tx_in_file_span(in, &at, &size))
            return rows_spliced(in, h, s, rows, at, size, e);
        return rows_in_place(in, h, s, rows, row_bytes, e);
    }
    /* Else blocks of rows of about NPY_BLOCK_BYTES, at least one row. */
    size_t block = row_bytes && row_bytes < NPY_BLOCK_BYTES ? NPY_BLOCK_BYTES / row_bytes : 1;
    size_t block_bytes = block * row_bytes;
    unsigned char *buf = malloc(block_bytes ? block_bytes : 1);
    if (!buf)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", in->label);
    int rc = 0;
    while (rows > 0 && !rc) {
        size_t n = rows < block ? (size_t)rows : block, got;
        rc = tx_in_read(in, buf, n * row_bytes, &got, e);
        if (!rc && got < n * row_bytes)
            rc = truncated(in, h, e);
        for (size_t i = 0; i < n && !rc; i++)
            rc = put_row(s, buf + i * row_bytes, h, cols, e);
        rows -= n;
    }
    free(buf);
    return rc;
}

/* Column-major data is read whole, then emitted row by row. */
static int rows_fortran_order(tx_in *in, const npy_header *h, tx_sink *s, uint64_t rows,
                              uint64_t cols, dl_err *e)
{
    unsigned char *all = malloc(h->nbytes ? (size_t)h->nbytes : 1);
    if (!all)
        return dl_fail(e, DL_ENOMEM, "%s: cannot hold %llu bytes of Fortran-order data",
                       in->label, (unsigned long long)h->nbytes);
    size_t got;
    int rc = tx_in_read(in, all, (size_t)h->nbytes, &got, e);
    if (!rc && got < h->nbytes)
        rc = truncated(in, h, e);
    for (uint64_t i = 0; i < rows && !rc; i++) {
        for (uint64_t j = 0; j < cols; j++)
            put_elem(s, j, all + (j * rows + i) * h->itemsize, h);
        rc = tx_sink_commit(s, e);
    }
    free(all);
    return rc;
}

int tx_import_npy(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e)
{
    npy_header h;
    if (read_header(in, &h, e))
        return e->code;
    if (h.rank > 2)
        return dl_fail(e, DL_EDATA, "%s: a %d-D array: only 1-D and 2-D arrays import",
                       in->label, h.rank);
    uint64_t rows = h.rank >= 1 ? h.shape[0] : 1, cols = h.rank == 2 ? h.shape[1] : 1;
    /* Refused before any memory is reserved for a row, which the header
     * alone may claim is gigabytes wide: no rows at all, or more bytes
     * than a regular file holds after the header. */
    uint64_t at, size;
    if (rows == 0)
        return tx_fail_no_rows(in->label, e);
    if (tx_in_file_span(in, &at, &size) && (at > size || size - at < h.nbytes))
        return truncated(in, &h, e);
    int dtype = o->dtype ? o->dtype : h.dtype;
    tx_sink s;
    if (tx_sink_open(&s, w, o, dtype, cols, in->label, e))
        return e->code;
    int rc = h.fortran && h.rank == 2 ? rows_fortran_order(in, &h, &s, rows, cols, e)
                                      : rows_c_order(in, &h, &s, rows, cols, e);
    unsigned char extra;
    size_t got;
    if (!rc && (rc = tx_in_read(in, &extra, 1, &got, e)) == 0 && got)
        rc = dl_fail(e, DL_EDATA, "%s: bytes after the .npy data that the header does not describe",
                     in->label);
    if (!rc)
        rc = tx_sink_finish(&s, in->label, e);
    tx_sink_free(&s);
    return rc;
}

/* ------------------------------ writing ------------------------------ */
int npy_write_header(FILE *f, int dtype, int rank, const uint64_t *shape, dl_err *e)
{
    static const char *const codes[] = {"", "u1", "i4", "i8", "f4", "f8"};
    char dict[512];
    int n = snprintf(dict, sizeof dict, "{'descr': '%c%s', 'fortran_order': False, 'shape': (",
                     dtype == DL_U8 ? '|' : host_is_little() ? '<' : '>', codes[dtype]);
    for (int i = 0; i < rank; i++)
        n += snprintf(dict + n, sizeof dict - (size_t)n, "%llu,%s",
                      (unsigned long long)shape[i], i + 1 < rank ? " " : "");
    if (rank > 1) /* "(3,)" for 1-D but "(3, 4)" for 2-D, as numpy writes */
        n--;
    n += snprintf(dict + n, sizeof dict - (size_t)n, "), }");
    /* magic(6) + version(2) + length(2) + dict + padding + '\n' is a
     * multiple of 64, so the data is aligned. */
    size_t total = (10 + (size_t)n + 1 + 63) / 64 * 64;
    size_t hlen = total - 10;
    unsigned char pre[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             (unsigned char)(hlen & 0xff), (unsigned char)(hlen >> 8)};
    if (fwrite(pre, 1, 10, f) != 10 || fwrite(dict, 1, (size_t)n, f) != (size_t)n)
        return dl_fail_errno(e, "write failed");
    for (size_t i = (size_t)n; i + 1 < hlen; i++)
        if (fputc(' ', f) == EOF)
            return dl_fail_errno(e, "write failed");
    if (fputc('\n', f) == EOF)
        return dl_fail_errno(e, "write failed");
    return 0;
}
