/* textio.c - import dispatch, the buffered input and the chunking row sink. */
#include "textio.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "colmeta.h"
#include "tty.h"

/* Small in fuzzing builds (as the stream's buffers): cheaper runs, and the
 * growth path reached by small inputs. */
#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
#define TX_IN_START (4u << 10)
#else
#define TX_IN_START (2u << 20) /* a region of CSV text (csv.c), one huge page */
#endif
/* A single line (or .npy header) longer than this is refused rather than
 * buffered: it is almost surely not a table. */
#define TX_IN_MAX ((size_t)256 << 20)
#define TX_CHUNK_ROWS 65536
#define TX_CHUNK_BYTES ((uint64_t)16 << 20)
/* Rows spliced from a file are checked and summed in pieces this large,
 * read into the chunk buffer's start, where they stay in the L2 cache. */
#define TX_SPLICE_PIECE ((size_t)256 << 10)

int tx_format_parse(const char *s)
{
    if (strcmp(s, "csv") == 0)
        return TX_CSV;
    if (strcmp(s, "tsv") == 0)
        return TX_TSV;
    if (strcmp(s, "npy") == 0)
        return TX_NPY;
    if (strcmp(s, "svmlight") == 0 || strcmp(s, "libsvm") == 0)
        return TX_SVMLIGHT;
    if (strcmp(s, "text") == 0)
        return TX_TEXT;
    return -1;
}

void tx_import_defaults(tx_import_opts *o)
{
    memset(o, 0, sizeof *o);
    o->header = -1;
    o->zero_based = -1;
}

/* ------------------------------ tx_in ------------------------------ */
int tx_in_open(tx_in *in, const char *path, dl_err *e)
{
    memset(in, 0, sizeof *in);
    if (dl_tty_refuse_input(path, "the text", e))
        return e->code;
    if (!path || strcmp(path, "-") == 0) {
        in->fd = STDIN_FILENO;
        snprintf(in->label, sizeof in->label, "<stdin>");
    } else {
        snprintf(in->label, sizeof in->label, "%s", path);
        in->fd = open(path, O_RDONLY);
        if (in->fd < 0)
            return dl_fail_open(e, path);
        in->owns_fd = 1;
    }
    struct stat st;
    if (fstat(in->fd, &st) == 0 && S_ISREG(st.st_mode)) {
        in->regular = 1;
        in->size_at_open = (uint64_t)st.st_size;
    }
    in->cap = TX_IN_START;
    in->buf = dl_mem_big(in->cap);
    if (!in->buf) {
        tx_in_close(in);
        return dl_fail(e, DL_ENOMEM, "%s: cannot allocate a read buffer", in->label);
    }
    return 0;
}

void tx_in_close(tx_in *in)
{
    if (in->owns_fd && in->fd >= 0)
        close(in->fd);
    free(in->buf);
    in->buf = NULL;
    in->fd = -1;
}

static int line_too_long(const tx_in *in, dl_err *e)
{
    return dl_fail(e, DL_ENOMEM, "%s: a line longer than %zu MiB", in->label, TX_IN_MAX >> 20);
}

static int grow(tx_in *in, dl_err *e)
{
    if (in->cap >= TX_IN_MAX)
        return line_too_long(in, e);
    if (dl_vec_reserve(&in->buf, &in->cap, in->cap + 1, 1, e))
        return dl_err_wrap(e, "%s: a long line", in->label);
    return 0;
}

static void cr_to_lf(char *p, size_t n)
{
    for (char *cr = memchr(p, '\r', n); cr; cr = memchr(cr + 1, '\r', n - (size_t)(cr + 1 - p)))
        *cr = '\n';
}

int tx_in_detect_cr_lines(tx_in *in, dl_err *e)
{
    /* The first line end decides, however long the first line (a wide
     * header): read on until it is buffered, with the byte after a '\r',
     * which may be half of a "\r\n". */
    size_t scanned = 0;
    for (;;) {
        const char *start = in->buf + in->pos;
        size_t n = in->len - in->pos;
        while (scanned < n && start[scanned] != '\r' && start[scanned] != '\n')
            scanned++;
        if (in->eof || (scanned < n && (start[scanned] == '\n' || scanned + 1 < n)))
            break;
        if (tx_in_fill(in, e))
            return e->code;
    }
    char *start = in->buf + in->pos;
    size_t n = in->len - in->pos;
    if (in->cr_lines || !memchr(start, '\r', n) || memchr(start, '\n', n))
        return 0;
    in->cr_lines = 1;
    cr_to_lf(start, n);
    return 0;
}

/* read() has met the end of the file: refused when it is a regular file
 * that held more when it was opened. */
static int check_end(tx_in *in, dl_err *e)
{
    in->eof = 1;
    off_t at = in->regular ? lseek(in->fd, 0, SEEK_CUR) : -1;
    if (at >= 0 && (uint64_t)at < in->size_at_open)
        return dl_fail(e, DL_EIO, "%s: the file shrank while it was read", in->label);
    return 0;
}

int tx_in_fill(tx_in *in, dl_err *e)
{
    if (in->pos > 0) {
        memmove(in->buf, in->buf + in->pos, in->len - in->pos);
        in->len -= in->pos;
        in->pos = 0;
    }
    if (in->len == in->cap && grow(in, e))
        return e->code;
    for (;;) {
        ssize_t n = read(in->fd, in->buf + in->len, in->cap - in->len);
        if (n > 0) {
            if (in->cr_lines)
                cr_to_lf(in->buf + in->len, (size_t)n);
            in->len += (size_t)n;
            return 0;
        }
        if (n == 0)
            return check_end(in, e);
        if (errno != EINTR)
            return dl_fail_errno(e, "%s: read failed", in->label);
    }
}

int tx_in_swap(tx_in *in, char **spare, size_t *spare_cap, dl_err *e)
{
    size_t unread = in->len - in->pos;
    if (*spare_cap < in->cap) {
        char *bigger = dl_mem_big(in->cap);
        if (!bigger)
            return dl_fail(e, DL_ENOMEM, "%s: out of memory for the input", in->label);
        free(*spare);
        *spare = bigger;
        *spare_cap = in->cap;
    }
    memcpy(*spare, in->buf + in->pos, unread);
    char *old = in->buf;
    size_t old_cap = in->cap;
    in->buf = *spare;
    in->cap = *spare_cap;
    in->pos = 0;
    in->len = unread;
    *spare = old;
    *spare_cap = old_cap;
    return 0;
}

/* read() until n bytes or the end of the file, straight into dst. */
static int read_direct(tx_in *in, unsigned char *dst, size_t n, size_t *got, dl_err *e)
{
    while (*got < n && !in->eof) {
        ssize_t r = read(in->fd, dst + *got, n - *got);
        if (r > 0)
            *got += (size_t)r;
        else if (r == 0) {
            if (check_end(in, e))
                return e->code;
        } else if (errno != EINTR)
            return dl_fail_errno(e, "%s: read failed", in->label);
    }
    return 0;
}

int tx_in_read(tx_in *in, void *dst, size_t n, size_t *got, dl_err *e)
{
    unsigned char *out = dst;
    *got = 0;
    while (*got < n) {
        if (in->pos == in->len) {
            if (in->eof)
                return 0;
            in->pos = in->len = 0;
            /* What would fill the buffer goes to dst without the extra copy. */
            if (n - *got >= in->cap)
                return read_direct(in, out, n, got, e);
            if (tx_in_fill(in, e))
                return e->code;
            continue;
        }
        size_t take = in->len - in->pos;
        if (take > n - *got)
            take = n - *got;
        memcpy(out + *got, in->buf + in->pos, take);
        in->pos += take;
        *got += take;
    }
    return 0;
}

int tx_in_file_span(const tx_in *in, uint64_t *at, uint64_t *size)
{
    struct stat st;
    off_t pos;
    if (fstat(in->fd, &st) != 0 || !S_ISREG(st.st_mode) || (pos = lseek(in->fd, 0, SEEK_CUR)) < 0)
        return 0;
    *at = (uint64_t)pos - (in->len - in->pos);
    *size = (uint64_t)st.st_size;
    return 1;
}

int tx_in_seek(tx_in *in, uint64_t at, dl_err *e)
{
    if (at > (uint64_t)INT64_MAX || lseek(in->fd, (off_t)at, SEEK_SET) < 0)
        return dl_fail_errno(e, "%s: seek failed", in->label);
    in->pos = in->len = 0;
    in->eof = 0;
    return 0;
}

int tx_in_line(tx_in *in, const char **line, const char **line_end, dl_err *e)
{
    size_t scanned = 0;
    for (;;) {
        char *start = in->buf + in->pos;
        char *nl = memchr(start + scanned, '\n', in->len - in->pos - scanned);
        if (nl || (in->eof && in->pos < in->len)) {
            char *end = nl ? nl : in->buf + in->len;
            in->pos = (size_t)(end - in->buf) + (nl != NULL);
            if (end > start && end[-1] == '\r')
                end--;
            *line = start;
            *line_end = end;
            return 0;
        }
        if (in->eof) {
            *line = *line_end = NULL;
            return 0;
        }
        scanned = in->len - in->pos;
        if (tx_in_fill(in, e))
            return e->code;
    }
}

/* ----------------------------- tx_sink ----------------------------- */
static int alloc_chunk(unsigned char **buf, int dtype, uint64_t rows, uint64_t cols,
                       const char *label, dl_err *e)
{
    uint64_t shape[2] = {rows, cols}, nelem, nbytes;
    if (dl_shape_bytes(dtype, 2, shape, &nelem, &nbytes, e))
        return dl_err_wrap(e, "%s", label);
    *buf = dl_mem_big((size_t)nbytes);
    if (!*buf)
        return dl_fail(e, DL_ENOMEM, "%s: cannot allocate %llu bytes for a chunk", label,
                       (unsigned long long)nbytes);
    return 0;
}

int tx_sink_open(tx_sink *s, st_writer *w, const tx_import_opts *o, int dtype,
                 uint64_t cols, const char *label, dl_err *e)
{
    uint64_t targets = o->name ? 0 : o->targets;
    if (cols && targets >= cols && !o->name)
        return dl_fail(e, DL_EDATA, "%s: --targets %llu leaves no input columns: the data has %llu column%s",
                       label, (unsigned long long)targets, (unsigned long long)cols,
                       cols == 1 ? "" : "s");
    tx_route plain = {NULL, cols - targets, targets, 0};
    return tx_sink_open_routed(s, w, o, dtype, cols, &plain, label, e);
}

int tx_sink_open_routed(tx_sink *s, st_writer *w, const tx_import_opts *o, int dtype,
                        uint64_t cols, const tx_route *route, const char *label, dl_err *e)
{
    memset(s, 0, sizeof *s);
    s->w = w;
    s->dtype = dtype;
    s->esize = dl_dtype_size(dtype);
    if (cols == 0)
        return dl_fail(e, DL_EDATA, "%s: no columns", label);
    s->progress = o->progress;
    s->progress_ctx = o->progress_ctx;
    /* missing cells are NaN; the readers refuse every other non-number */
    s->allow_nonfinite = o->allow_nonfinite || o->missing;
    s->label = label;
    s->cols = cols;
    s->xcols = route->xcols;
    s->ycols = route->ycols;
    s->src = route->src;
    s->weight = route->weight;
    s->rank1 = o->rank == 1;
    if (s->rank1 && (route->ycols || route->weight))
        return dl_fail(e, DL_EUSAGE, "--rank 1 makes one record: it excludes --targets");
    snprintf(s->xname, sizeof s->xname, "%s", o->name ? o->name : "x");
    if (alloc_chunk(&s->row, dtype, 1, cols, label, e))
        return e->code;
    uint64_t row_bytes = cols * s->esize; /* checked by alloc_chunk */
    s->chunk_rows = o->chunk_rows ? o->chunk_rows : TX_CHUNK_BYTES / row_bytes;
    if (s->chunk_rows > TX_CHUNK_ROWS && !o->chunk_rows)
        s->chunk_rows = TX_CHUNK_ROWS;
    if (s->chunk_rows == 0)
        s->chunk_rows = 1;
    if (alloc_chunk(&s->xbuf, dtype, s->chunk_rows, s->xcols, label, e) ||
        alloc_chunk(&s->ybuf, dtype, s->chunk_rows, s->ycols, label, e) ||
        alloc_chunk(&s->wbuf, dtype, s->chunk_rows, s->weight, label, e)) {
        tx_sink_free(s);
        return e->code;
    }
    return 0;
}

/* The first NaN or Inf of a chunk buffer as (row, column) from 0, or 0. */
static int first_nonfinite(const tx_sink *s, const unsigned char *buf, uint64_t rows,
                           uint64_t cols, uint64_t *row, uint64_t *col)
{
    dl_tensor view = {.dtype = s->dtype, .rank = 2, .shape = {rows, cols}, .data = (void *)buf};
    int64_t bad = cols ? dl_tensor_find_nonfinite(&view) : -1;
    if (bad < 0)
        return 0;
    *row = (uint64_t)bad / cols;
    *col = (uint64_t)bad % cols;
    return 1;
}

/* NaN and Inf are refused the same way whatever the format (CSV and
 * svmlight name the cell earlier; .npy data, or a finite value beyond
 * float32's range under --dtype f32, is caught here).  row counts from the
 * chunk's first, col from the row's first, both from 0. */
static int refuse_nonfinite(const tx_sink *s, uint64_t row, uint64_t col, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: row %llu, column %llu: NaN or Inf%s (--allow-nonfinite "
                   "keeps it)", s->label, (unsigned long long)(s->total_rows + row + 1),
                   (unsigned long long)(col + 1), s->dtype == DL_F32 ? " in float32" : "");
}

/* The chunk's first NaN or Inf by row is refused. */
static int check_finite(const tx_sink *s, dl_err *e)
{
    uint64_t row = 0, col = 0, yrow = 0, ycol = 0;
    int in_x = first_nonfinite(s, s->xbuf, s->rows, s->xcols, &row, &col);
    int in_y = first_nonfinite(s, s->ybuf, s->rows, s->ycols, &yrow, &ycol);
    if (!in_x && !in_y)
        return 0;
    if (in_y && (!in_x || yrow < row)) {
        row = yrow;
        col = s->xcols + ycol;
    }
    return refuse_nonfinite(s, row, col, e);
}

/* x's record shape for n rows: [rows, columns], or for --rank 1 [elements]. */
static int x_shape(const tx_sink *s, uint64_t n, uint64_t shape[2])
{
    shape[0] = s->rank1 ? n * s->xcols : n;
    shape[1] = s->xcols;
    return s->rank1 ? 1 : 2;
}

/* A chunk has gone out. */
static void chunk_done(tx_sink *s, uint64_t n)
{
    s->total_rows += n;
    if (s->progress)
        s->progress(s->progress_ctx, s->total_rows);
}

static int flush(tx_sink *s, dl_err *e)
{
    if (s->rows == 0)
        return 0;
    if (!s->allow_nonfinite && !s->reader_refused && check_finite(s, e))
        return e->code;
    uint64_t xshape[2], yshape[2] = {s->rows, s->ycols};
    int xrank = x_shape(s, s->rows, xshape);
    if (st_write_data(s->w, s->xname, s->dtype, xrank, xshape, s->xbuf, e))
        return e->code;
    if (s->ycols && st_write_data(s->w, "y", s->dtype, 2, yshape, s->ybuf, e))
        return e->code;
    uint64_t wshape[2] = {s->rows, 1};
    if (s->weight && st_write_data(s->w, "w", s->dtype, 2, wshape, s->wbuf, e))
        return e->code;
    chunk_done(s, s->rows);
    s->rows = 0;
    return 0;
}

/* A rank-1 record of several columns is one row. */
static int one_row_only(const tx_sink *s, uint64_t more, dl_err *e)
{
    if (!s->rank1 || s->xcols == 1 || s->total_rows + s->rows + more <= 1)
        return 0;
    return dl_fail(e, DL_EDATA, "%s: row 2: --rank 1 takes one column or one row, and row 1 "
                   "has %llu values", s->label, (unsigned long long)s->xcols);
}

/* Element by element, for rows whose columns go elsewhere than in order. */
static void push_routed(tx_sink *s, const unsigned char *row)
{
    size_t es = s->esize;
    unsigned char *x = s->xbuf + s->rows * s->xcols * es, *y = s->ybuf + s->rows * s->ycols * es;
    const uint64_t *src = s->src;
    for (uint64_t j = 0; j < s->xcols; j++)
        memcpy(x + j * es, row + *src++ * es, es);
    for (uint64_t j = 0; j < s->ycols; j++)
        memcpy(y + j * es, row + *src++ * es, es);
    if (s->weight)
        memcpy(s->wbuf + s->rows * es, row + *src * es, es);
}

int tx_sink_push(tx_sink *s, const void *row, dl_err *e)
{
    if (one_row_only(s, 1, e))
        return e->code;
    if (s->src) {
        push_routed(s, row);
        return ++s->rows == s->chunk_rows ? flush(s, e) : 0;
    }
    size_t xbytes = (size_t)s->xcols * s->esize, ybytes = (size_t)s->ycols * s->esize;
    memcpy(s->xbuf + s->rows * xbytes, row, xbytes);
    if (ybytes)
        memcpy(s->ybuf + s->rows * ybytes, (const unsigned char *)row + xbytes, ybytes);
    if (++s->rows == s->chunk_rows)
        return flush(s, e);
    return 0;
}

int tx_sink_commit(tx_sink *s, dl_err *e) { return tx_sink_push(s, s->row, e); }

int tx_sink_push_rows(tx_sink *s, const void *rows, uint64_t n, dl_err *e)
{
    const unsigned char *from = rows;
    size_t row_bytes = (size_t)s->cols * s->esize;
    while (n > 0) {
        uint64_t room, take;
        void *to = tx_sink_space(s, &room);
        take = room < n ? room : n;
        if (take > 0) {
            memcpy(to, from, (size_t)take * row_bytes);
            if (tx_sink_added(s, take, e))
                return e->code;
        } else {
            take = 1;
            if (tx_sink_push(s, from, e))
                return e->code;
        }
        from += (size_t)take * row_bytes;
        n -= take;
    }
    return 0;
}

void *tx_sink_space(tx_sink *s, uint64_t *room)
{
    *room = s->ycols || s->src || (s->rank1 && s->xcols > 1) ? 0 : s->chunk_rows - s->rows;
    return s->xbuf + (size_t)(s->rows * s->xcols) * s->esize;
}

int tx_sink_added(tx_sink *s, uint64_t n, dl_err *e)
{
    s->rows += n;
    return s->rows == s->chunk_rows ? flush(s, e) : 0;
}

/* n rows of the file from offset off, read into the chunk buffer's start:
 * refused if one holds a NaN or an Inf (named as rows of the chunk from
 * `first`, the piece's first), else summed into *crc. */
static int splice_piece(tx_sink *s, int fd, uint64_t off, uint64_t first, uint64_t n,
                        uint32_t *crc, dl_err *e)
{
    size_t bytes = (size_t)(n * s->xcols) * s->esize;
    if (st_pread_exact(fd, s->xbuf, bytes, off, s->label, e))
        return e->code;
    uint64_t row, col;
    if (!s->allow_nonfinite && first_nonfinite(s, s->xbuf, n, s->xcols, &row, &col))
        return refuse_nonfinite(s, first + row, col, e);
    *crc = st_crc32(*crc, s->xbuf, bytes);
    return 0;
}

int tx_sink_splice(tx_sink *s, int fd, uint64_t off, uint64_t rows, dl_err *e)
{
    uint64_t room;
    tx_sink_space(s, &room);
    if (!room)
        return dl_fail(e, DL_EUSAGE, "%s: rows that go to several records are not spliced",
                       s->label);
    if (flush(s, e))
        return e->code;
    size_t row_bytes = (size_t)s->xcols * s->esize;
    uint64_t per_piece = row_bytes < TX_SPLICE_PIECE ? TX_SPLICE_PIECE / row_bytes : 1;
    if (per_piece > s->chunk_rows)
        per_piece = s->chunk_rows;
    while (rows > 0) {
        uint64_t n = rows < s->chunk_rows ? rows : s->chunk_rows, shape[2];
        uint32_t crc = 0;
        for (uint64_t done = 0; done < n; done += per_piece) {
            uint64_t k = n - done < per_piece ? n - done : per_piece;
            if (splice_piece(s, fd, off + done * row_bytes, done, k, &crc, e))
                return e->code;
        }
        int rank = x_shape(s, n, shape);
        if (st_write_spliced(s->w, s->xname, s->dtype, rank, shape, fd, off, crc, e))
            return e->code;
        chunk_done(s, n);
        off += n * row_bytes;
        rows -= n;
    }
    return 0;
}

int tx_sink_finish(tx_sink *s, const char *label, dl_err *e)
{
    if (flush(s, e))
        return e->code;
    return s->total_rows == 0 ? tx_fail_no_rows(label, e) : 0;
}

int tx_fail_no_rows(const char *label, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: no data rows", label);
}

void tx_sink_free(tx_sink *s)
{
    free(s->row);
    free(s->xbuf);
    free(s->ybuf);
    free(s->wbuf);
    s->row = s->xbuf = s->ybuf = s->wbuf = NULL;
}

/* ----------------------------- dispatch ---------------------------- */
static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int format_from_name(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return TX_AUTO;
    if (ends_with(path, ".npy"))
        return TX_NPY;
    if (ends_with(path, ".tsv") || ends_with(path, ".tab"))
        return TX_TSV;
    if (ends_with(path, ".svm") || ends_with(path, ".svmlight") || ends_with(path, ".libsvm"))
        return TX_SVMLIGHT;
    if (ends_with(path, ".csv") || ends_with(path, ".txt"))
        return TX_CSV;
    return TX_AUTO;
}

/* The input's first TX_HEAD bytes (fewer at its end) into the buffer, to
 * tell its format.  No more: a .npy file's rows are then read straight to
 * where they go, not through the buffer. */
#define TX_HEAD 4096u
_Static_assert(TX_IN_START >= TX_HEAD, "the first buffer holds the head");

static int read_head(tx_in *in, dl_err *e)
{
    if (in->len >= TX_HEAD)
        return 0;
    size_t got = in->len;
    int rc = read_direct(in, (unsigned char *)in->buf, TX_HEAD, &got, e);
    in->len = got;
    return rc;
}

/* Without a telling file name: the .npy magic, or an svmlight first line
 * (`label idx:val`: a colon and none of the CSV delimiters), else CSV. */
static int format_from_content(tx_in *in, int *format, dl_err *e)
{
    if (read_head(in, e))
        return e->code;
    *format = TX_CSV;
    if (in->len >= 6 && memcmp(in->buf, "\x93NUMPY", 6) == 0) {
        *format = TX_NPY;
        return 0;
    }
    size_t n = 0;
    while (n < in->len && in->buf[n] == '#') { /* comment lines */
        const char *nl = memchr(in->buf + n, '\n', in->len - n);
        n = nl ? (size_t)(nl - in->buf) + 1 : in->len;
    }
    const char *line = in->buf + n, *nl = memchr(line, '\n', in->len - n);
    size_t len = nl ? (size_t)(nl - line) : in->len - n;
    if (memchr(line, ':', len) && !memchr(line, ',', len) && !memchr(line, ';', len) &&
        !memchr(line, '\t', len))
        *format = TX_SVMLIGHT;
    return 0;
}

/* A stream or other binary file given to import would otherwise fail as
 * text, quoting binary bytes in the message. */
static int refuse_binary(tx_in *in, int format, dl_err *e)
{
    if (read_head(in, e))
        return e->code;
    if (in->len >= 4 && memcmp(in->buf, "\x89" "DLT", 4) == 0)
        return dl_fail(e, DL_EDATA, "%s: this is already a dl tensor stream, not text to import "
                       "(dl-tensor export turns it into CSV)", in->label);
    if (format != TX_NPY && memchr(in->buf, '\0', in->len))
        return dl_fail(e, DL_EDATA, "%s: binary data (a NUL byte), not CSV, TSV or svmlight text",
                       in->label);
    return 0;
}

/* The largest text record import makes (a model or design is a few KiB). */
#define TX_TEXT_MAX (64u << 20)

/* The whole input as one u8 rank-1 record: the way back from exporting a
 * text record such as a checkpoint's model. */
static int import_text(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e)
{
    if (!o->name)
        return dl_fail(e, DL_EUSAGE, "import --format text makes one record: give --name NAME");
    char *text = NULL;
    size_t len = 0, cap = 0, got;
    int rc = 0;
    do {
        if (len == TX_TEXT_MAX) { /* full: refused only if a byte more follows */
            char more;
            if (!(rc = tx_in_read(in, &more, 1, &got, e)) && got)
                rc = dl_fail(e, DL_ENOMEM, "%s: text beyond %u MiB", in->label,
                             TX_TEXT_MAX >> 20);
            break;
        }
        if ((rc = dl_vec_reserve(&text, &cap, len + 65536 > TX_TEXT_MAX ? TX_TEXT_MAX
                                                                         : len + 65536, 1, e)))
            break;
        if ((rc = tx_in_read(in, text + len, cap - len, &got, e)))
            break;
        len += got;
    } while (got > 0);
    uint64_t shape[1] = {len};
    if (!rc && len == 0)
        rc = dl_fail(e, DL_EDATA, "%s: no text", in->label);
    if (!rc)
        rc = st_write_data(w, o->name, DL_U8, 1, shape, text, e);
    free(text);
    return rc;
}

/* Refuses an option given that an input of this format does not read:
 * svmlight's own options elsewhere, the table's columns and cells in .npy
 * and svmlight, a header or a delimiter there too, and any option of
 * numbers for text read as one record. */
static int check_format_options(int format, const tx_import_opts *o, const char *label,
                                dl_err *e)
{
    if (o->features && format != TX_SVMLIGHT)
        return dl_fail(e, DL_EUSAGE, "%s: --features applies to svmlight input only", label);
    if (o->zero_based >= 0 && format != TX_SVMLIGHT)
        return dl_fail(e, DL_EUSAGE, "%s: --%s-based applies to svmlight input only", label,
                       o->zero_based ? "zero" : "one");
    const char *kind = format == TX_NPY ? ".npy" : format == TX_SVMLIGHT ? "svmlight" : "text";
    if (o->name && format != TX_TEXT && cm_is_meta_name(o->name))
        return dl_fail(e, DL_EUSAGE, "%s: --name %s: a column-metadata record holds text, not "
                       "numbers (import it with --format text)", label, o->name);
    const char *columns = o->names ? "--names" : o->target ? "--target"
                          : o->weight ? "--weight" : o->missing ? "--missing"
                          : o->categorical ? "--categorical" : NULL;
    if (columns && (format == TX_NPY || format == TX_SVMLIGHT))
        return dl_fail(e, DL_EUSAGE, "%s: %s applies to CSV/TSV input only (%s has no column "
                       "names or text cells)", label, columns, kind);
    const char *header = o->header < 0 ? NULL : o->header ? "--header" : "--no-header";
    const char *table = o->delimiter ? "--delimiter" : header;
    const char *unread = format == TX_NPY || format == TX_SVMLIGHT ? table
                         : format != TX_TEXT    ? NULL
                         : table                ? table
                         : o->dtype             ? "--dtype"
                         : o->targets_given     ? "--targets"
                         : o->allow_nonfinite   ? "--allow-nonfinite"
                         : o->chunk_rows        ? "--chunk-rows"
                         : o->rank              ? "--rank"
                                                : columns;
    return unread ? dl_fail(e, DL_EUSAGE, "%s: %s does not apply to %s input", label, unread,
                            kind)
                  : 0;
}

int tx_import(const char *path, const tx_import_opts *o, st_writer *w, dl_err *e)
{
    tx_in in;
    if (tx_in_open(&in, path, e))
        return e->code;
    int format = o->format ? o->format : format_from_name(path);
    int rc = format == TX_AUTO ? format_from_content(&in, &format, e) : 0;
    if (!rc)
        rc = refuse_binary(&in, format, e) || check_format_options(format, o, in.label, e)
                 ? e->code
                 : 0;
    tx_import_opts local = *o;
    if (format == TX_TSV && !local.delimiter)
        local.delimiter = '\t';
    if (rc == 0) {
        if (format == TX_TEXT)
            rc = import_text(&in, &local, w, e);
        else if (format == TX_NPY)
            rc = tx_import_npy(&in, &local, w, e);
        else if (format == TX_SVMLIGHT)
            rc = tx_import_svmlight(&in, &local, w, e);
        else
            rc = tx_import_csv(&in, &local, w, e);
    }
    tx_in_close(&in);
    return rc;
}
