/* csv.c - CSV/TSV import: delimiter and header detection, strict numeric
 * cells, errors that name the line and column. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "numtext.h"
#include "textio.h"

#define NAME_SHOWN 48 /* header names kept for messages, truncated */
/* Beyond enum nt_status: a number, but NaN or Inf without --allow-nonfinite. */
#define CELL_NOT_FINITE 3

/* What the first line decided; read-only while regions are parsed. */
typedef struct csv {
    tx_in *in;
    const tx_import_opts *o;
    char delim;                  /* 0: runs of blanks separate cells */
    int dtype;
    size_t row_bytes;
    uint64_t cols, header_line;
    char (*names)[NAME_SHOWN];   /* header names, or NULL */
} csv;

typedef struct span {
    const char *p, *end;
} span;

/* One region of whole lines parsed into rows, by the main thread or by a
 * worker: rows land in `rows` (row-major, the import dtype) and go to the
 * sink afterwards, in file order. */
typedef struct job {
    const csv *c;
    span text;
    uint64_t first, line, lines; /* first line's number, current line, count */
    unsigned char *rows;
    size_t len, cap;             /* bytes used and allocated in rows */
    int rc;
    dl_err err;
} job;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static const char *skip_blanks(const char *p, const char *end)
{
    while (p < end && is_blank(*p))
        p++;
    return p;
}

/* Blanks around a cell, but never the delimiter itself (a tab in TSV). */
static const char *skip_pad(const csv *c, const char *p, const char *end)
{
    while (p < end && (*p == ' ' || (*p == '\t' && c->delim != '\t')))
        p++;
    return p;
}

static int is_content(span l)
{
    const char *p = skip_blanks(l.p, l.end);
    return p < l.end && *p != '#';
}

/* Tab, then semicolon, then comma: a semicolon file with decimal commas is
 * then reported as such rather than as a comma file with odd cells. */
static char detect_delimiter(span l)
{
    size_t n = (size_t)(l.end - l.p);
    if (memchr(l.p, '\t', n))
        return '\t';
    if (memchr(l.p, ';', n))
        return ';';
    if (memchr(l.p, ',', n))
        return ',';
    return 0;
}

/* The extent of one cell from p: up to the delimiter (or blank), honouring
 * double quotes.  *next is where the following cell's search starts. */
static span cell_at(const csv *c, const char *p, const char *end, const char **next)
{
    span s = {p, p};
    int quoted = 0;
    const char *q = p;
    for (; q < end; q++) {
        if (*q == '"')
            quoted = !quoted;
        else if (!quoted && (c->delim ? *q == c->delim : is_blank(*q)))
            break;
    }
    s.end = q;
    *next = q < end ? q + 1 : q;
    if (!c->delim)
        *next = skip_blanks(*next, end);
    return s;
}

static span trim(span s)
{
    s.p = skip_blanks(s.p, s.end);
    while (s.end > s.p && is_blank(s.end[-1]))
        s.end--;
    if (s.end - s.p >= 2 && *s.p == '"' && s.end[-1] == '"') {
        s.p++;
        s.end--;
    }
    return s;
}

static uint64_t count_cells(const csv *c, span l)
{
    const char *p = c->delim ? l.p : skip_blanks(l.p, l.end);
    uint64_t n = 0;
    while (p < l.end || (c->delim && n == 0)) {
        const char *next;
        span s = cell_at(c, p, l.end, &next);
        n++;
        if (s.end == l.end)
            break;
        p = next;
        if (c->delim && p == l.end) { /* a trailing delimiter: one more, empty */
            n++;
            break;
        }
    }
    return n;
}

/* Empty cells do not make a header: they are reported as data errors. */
static int cell_is_number_or_empty(span s)
{
    double v;
    s = trim(s);
    return s.p == s.end || nt_parse_f64(s.p, s.end, &v) != NT_SYNTAX;
}

static int row_is_numeric(const csv *c, span l)
{
    const char *p = c->delim ? l.p : skip_blanks(l.p, l.end);
    for (;;) {
        const char *next;
        span s = cell_at(c, p, l.end, &next);
        if (!cell_is_number_or_empty(s))
            return 0;
        if (s.end == l.end)
            return 1;
        p = next;
    }
}

static int keep_names(csv *c, span l, dl_err *e)
{
    c->names = calloc((size_t)c->cols, sizeof *c->names);
    if (!c->names)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory for the header", c->in->label);
    const char *p = c->delim ? l.p : skip_blanks(l.p, l.end);
    for (uint64_t j = 0; j < c->cols; j++) {
        const char *next;
        span s = trim(cell_at(c, p, l.end, &next));
        snprintf(c->names[j], NAME_SHOWN, "%.*s", (int)(s.end - s.p), s.p);
        p = next;
    }
    return 0;
}

/* "line 7, column 3 ('mass')" */
static void where(const job *jb, uint64_t col, char *buf, size_t len)
{
    const csv *c = jb->c;
    int n = snprintf(buf, len, "line %llu, column %llu", (unsigned long long)jb->line,
                     (unsigned long long)col + 1);
    if (c->names && col < c->cols && c->names[col][0] && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " ('%s')", c->names[col]);
}

static int bad_cell(job *jb, uint64_t col, span cell, int status)
{
    char at[128];
    where(jb, col, at, sizeof at);
    cell = trim(cell);
    int n = (int)(cell.end - cell.p);
    const char *label = jb->c->in->label;
    dl_err *e = &jb->err;
    if (n == 0)
        return dl_fail(e, DL_EDATA, "%s: %s: empty cell", label, at);
    if (status == NT_RANGE)
        return dl_fail(e, DL_EDATA, "%s: %s: '%.*s' is out of range for %s", label, at,
                       n > 40 ? 40 : n, cell.p, dl_dtype_name(jb->c->dtype));
    if (status == CELL_NOT_FINITE)
        return dl_fail(e, DL_EDATA,
                       "%s: %s: '%.*s' is not a finite number (--allow-nonfinite keeps it)",
                       label, at, n > 40 ? 40 : n, cell.p);
    const char *hint = memchr(cell.p, ',', (size_t)n) && jb->c->delim != ','
                           ? " (numbers use '.' as the decimal point)"
                           : "";
    return dl_fail(e, DL_EDATA, "%s: %s: '%.*s' is not a number%s", label, at,
                   n > 40 ? 40 : n, cell.p, hint);
}

static int ragged(job *jb, span l)
{
    const csv *c = jb->c;
    return dl_fail(&jb->err, DL_EDATA,
                   "%s: line %llu: %llu fields, expected %llu (as on line %llu)", c->in->label,
                   (unsigned long long)jb->line, (unsigned long long)count_cells(c, l),
                   (unsigned long long)c->cols, (unsigned long long)c->header_line);
}

/* One number at p into element j of row; *stop is past it. */
static int scan_value(const csv *c, void *row, uint64_t j, const char *p, const char *end,
                      const char **stop)
{
    int status;
    double v;
    if (c->dtype == DL_F32) {
        float f;
        status = nt_scan_f32(p, end, &f, stop);
        ((float *)row)[j] = f;
        v = f;
    } else {
        status = nt_scan_f64(p, end, &v, stop);
        ((double *)row)[j] = v;
    }
    if (status == NT_OK && !isfinite(v) && !c->o->allow_nonfinite)
        return CELL_NOT_FINITE;
    return status;
}

/* A quoted cell ("1.5"): the slow path, rare in numeric files. */
static int quoted_value(job *jb, void *row, uint64_t j, const char *p, const char *end,
                        const char **after)
{
    const char *next, *stop;
    span cell = cell_at(jb->c, p, end, &next);
    span inner = trim(cell);
    int status = scan_value(jb->c, row, j, inner.p, inner.end, &stop);
    if (status != NT_OK)
        return bad_cell(jb, j, cell, status);
    if (stop != inner.end || inner.p == inner.end)
        return bad_cell(jb, j, cell, NT_SYNTAX);
    *after = cell.end;
    return 0;
}

/* After the number of cell j: 1 when a separator follows (p moves past it),
 * 0 at the end of the line, -1 when other text follows the number. */
static int after_cell(const csv *c, const char **p, const char *end)
{
    const char *q = skip_pad(c, *p, end);
    if (q == end)
        return 0;
    if (c->delim ? *q == c->delim : q > *p) {
        *p = c->delim ? q + 1 : q;
        return 1;
    }
    return -1;
}

/* The hot loop: cells are scanned in place, the number parser finds each
 * cell's end, and only a failure looks at the cell as text. */
static int parse_row(job *jb, span l, void *row)
{
    const csv *c = jb->c;
    const char *p = l.p, *end = l.end, *next;
    for (uint64_t j = 0; j < c->cols; j++) {
        p = skip_pad(c, p, end);
        const char *cell = p;
        if (p < end && *p == '"') {
            if (quoted_value(jb, row, j, p, end, &p))
                return DL_EDATA;
        } else {
            int status = scan_value(c, row, j, p, end, &p);
            if (status != NT_OK || p == cell)
                return bad_cell(jb, j, cell_at(c, cell, end, &next),
                                status == NT_OK ? NT_SYNTAX : status);
        }
        int sep = after_cell(c, &p, end);
        if (sep < 0)
            return bad_cell(jb, j, cell_at(c, cell, end, &next), NT_SYNTAX);
        if ((sep == 0) != (j + 1 == c->cols))
            return ragged(jb, l);
    }
    return 0;
}

/* The next line of [*p, end) without its "\n" or "\r\n"; advances *p. */
static span take_line(const char **p, const char *end)
{
    const char *nl = memchr(*p, '\n', (size_t)(end - *p));
    span l = {*p, nl ? nl : end};
    *p = nl ? nl + 1 : end;
    if (l.end > l.p && l.end[-1] == '\r')
        l.end--;
    return l;
}

static int reserve_row(job *jb)
{
    /* need is bounded by a few times the region's text */
    size_t need = jb->len + jb->c->row_bytes;
    if (need > jb->cap && dl_vec_reserve(&jb->rows, &jb->cap, need, 1, &jb->err))
        return dl_err_wrap(&jb->err, "%s: parsed rows", jb->c->in->label);
    return 0;
}

/* Parses every line of jb->text from line number jb->first; stops at the
 * first error.  jb->lines counts the lines read. */
static void parse_region(job *jb)
{
    const char *p = jb->text.p;
    jb->len = 0;
    jb->rc = 0;
    for (jb->lines = 0; p < jb->text.end && !jb->rc; jb->lines++) {
        span l = take_line(&p, jb->text.end);
        jb->line = jb->first + jb->lines;
        if (!is_content(l))
            continue;
        jb->rc = reserve_row(jb);
        if (!jb->rc && (jb->rc = parse_row(jb, l, jb->rows + jb->len)) == 0)
            jb->len += jb->c->row_bytes;
    }
}

static void *parse_region_thread(void *arg)
{
    parse_region(arg);
    return NULL;
}

/* Regions at least this long are split in two and parsed in parallel. */
#define PARALLEL_MIN ((size_t)1 << 20)
#define REGION_BYTES ((size_t)8 << 20)

/* Parses text as one or two jobs, the second on a worker thread, and
 * returns the lines consumed.  The worker cannot know its first line number
 * until the first job is done: it counts from 1 and, only if it fails,
 * parses again with the right numbers for the message. */
static uint64_t parse_parallel(job jobs[2], span text, uint64_t first_line)
{
    jobs[0].text = jobs[1].text = (span){text.end, text.end};
    jobs[0].text.p = text.p;
    jobs[0].first = first_line;
    jobs[1].first = 1;
    jobs[1].len = jobs[1].lines = 0;
    jobs[1].rc = 0;
    size_t size = (size_t)(text.end - text.p);
    const char *nl = size >= 2 * PARALLEL_MIN
                         ? memchr(text.p + size / 2, '\n', size - size / 2)
                         : NULL;
    if (nl && nl + 1 < text.end)
        jobs[0].text.end = jobs[1].text.p = nl + 1;
    pthread_t worker;
    int split = jobs[1].text.p < jobs[1].text.end;
    int threaded = split && pthread_create(&worker, NULL, parse_region_thread, &jobs[1]) == 0;
    parse_region(&jobs[0]);
    if (threaded)
        pthread_join(worker, NULL);
    if (split && !jobs[0].rc && (!threaded || jobs[1].rc)) {
        jobs[1].first = first_line + jobs[0].lines;
        parse_region(&jobs[1]);
    }
    return jobs[0].lines + jobs[1].lines;
}

static int feed(tx_sink *sink, const job *jb, dl_err *e)
{
    for (size_t off = 0; off < jb->len; off += jb->c->row_bytes)
        if (tx_sink_push(sink, jb->rows + off, e))
            return e->code;
    return 0;
}

/* Unread whole lines in the buffer, at least REGION_BYTES of them unless
 * the input ends first; an empty span at the end. */
static int next_region(tx_in *in, span *out, dl_err *e)
{
    for (;;) {
        const char *start = in->buf + in->pos, *end = in->buf + in->len;
        if (in->eof || (size_t)(end - start) >= REGION_BYTES) {
            const char *last = end;
            while (!in->eof && last > start && last[-1] != '\n')
                last--;
            if (last > start || in->eof) {
                *out = (span){start, last};
                in->pos = (size_t)(last - in->buf);
                return 0;
            }
        }
        if (tx_in_fill(in, e)) /* grows the buffer for a very long line */
            return e->code;
    }
}

/* The first line with content decides the delimiter, the header and the
 * column count.  *header: whether it is a header row. */
static int first_line(csv *c, span l, int *header, dl_err *e)
{
    c->delim = c->o->delimiter ? c->o->delimiter : detect_delimiter(l);
    if (c->delim == ' ')
        c->delim = 0;
    c->cols = count_cells(c, l);
    *header = c->o->header;
    if (*header < 0)
        *header = !row_is_numeric(c, l);
    return *header && keep_names(c, l, e) ? e->code : 0;
}

/* Skips a byte order mark, blank and comment lines, and a header; leaves
 * in->pos at the first data line.  *line is that line's number; 0 rows when
 * the input has no content at all. */
static int read_head(csv *c, uint64_t *line, dl_err *e)
{
    tx_in *in = c->in;
    if (in->len == 0 && !in->eof && tx_in_fill(in, e))
        return e->code;
    if (in->len - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0)
        in->pos += 3;
    tx_in_detect_cr_lines(in);
    const char *p, *end;
    int rc;
    for (*line = 1; !(rc = tx_in_line(in, &p, &end, e)) && p; ++*line) {
        span l = {p, end};
        if (!is_content(l))
            continue;
        c->header_line = *line;
        int header;
        if (first_line(c, l, &header, e))
            return e->code;
        if (header)
            ++*line;
        else /* a data row: parse it with the others */
            in->pos = (size_t)(p - in->buf);
        return 0;
    }
    if (rc)
        return rc;
    return dl_fail(e, DL_EDATA, "%s: empty input: no rows", in->label);
}

static int parse_all(csv *c, tx_sink *sink, uint64_t line, dl_err *e)
{
    job jobs[2];
    memset(jobs, 0, sizeof jobs);
    jobs[0].c = jobs[1].c = c;
    int rc = 0;
    span text = {NULL, NULL};
    while (!rc && !(rc = next_region(c->in, &text, e)) && text.p < text.end) {
        line += parse_parallel(jobs, text, line);
        for (int k = 0; k < 2 && !rc; k++) {
            if (jobs[k].rc) {
                *e = jobs[k].err;
                rc = e->code;
            } else {
                rc = feed(sink, &jobs[k], e);
            }
        }
    }
    free(jobs[0].rows);
    free(jobs[1].rows);
    return rc;
}

int tx_import_csv(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e)
{
    csv c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.o = o;
    c.dtype = o->dtype ? o->dtype : DL_F64;
    if (c.dtype != DL_F32 && c.dtype != DL_F64)
        return dl_fail(e, DL_EUSAGE, "text import makes f32 or f64, not %s",
                       dl_dtype_name(c.dtype));
    tx_sink sink;
    memset(&sink, 0, sizeof sink);
    uint64_t line = 1;
    int rc = read_head(&c, &line, e);
    if (!rc)
        rc = tx_sink_open(&sink, w, o, c.dtype, c.cols, in->label, e);
    if (!rc) {
        c.row_bytes = (size_t)c.cols * sink.esize;
        rc = parse_all(&c, &sink, line, e);
    }
    if (!rc)
        rc = tx_sink_finish(&sink, in->label, e);
    tx_sink_free(&sink);
    free(c.names);
    return rc;
}
