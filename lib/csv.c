/* csv.c - CSV/TSV import: delimiter and header detection, strict numeric
 * cells, errors that name the line and column. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "numtext.h"
#include "textio.h"

#define NAME_SHOWN 48 /* header names kept for messages, truncated */
/* Beyond enum nt_status: a number, but NaN or Inf without --allow-nonfinite. */
#define CELL_NOT_FINITE 3

typedef struct csv {
    tx_in *in;
    const tx_import_opts *o;
    char delim;                  /* 0: runs of blanks separate cells */
    int dtype;
    uint64_t line, cols, header_line;
    char (*names)[NAME_SHOWN];   /* header names, or NULL */
    tx_sink sink;
} csv;

typedef struct span {
    const char *p, *end;
} span;

static int is_blank(char c) { return c == ' ' || c == '\t'; }

static int next_line(csv *c, span *out, dl_err *e)
{
    int rc = tx_in_line(c->in, &out->p, &out->end, e);
    c->line += rc == 1;
    return rc;
}

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
static void where(const csv *c, uint64_t col, char *buf, size_t len)
{
    int n = snprintf(buf, len, "line %llu, column %llu", (unsigned long long)c->line,
                     (unsigned long long)col + 1);
    if (c->names && col < c->cols && c->names[col][0] && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " ('%s')", c->names[col]);
}

static int bad_cell(const csv *c, uint64_t col, span cell, int status, dl_err *e)
{
    char at[128];
    where(c, col, at, sizeof at);
    cell = trim(cell);
    int n = (int)(cell.end - cell.p);
    const char *label = c->in->label;
    if (n == 0)
        return dl_fail(e, DL_EDATA, "%s: %s: empty cell", label, at);
    if (status == NT_RANGE)
        return dl_fail(e, DL_EDATA, "%s: %s: '%.*s' is out of range for %s", label, at,
                       n > 40 ? 40 : n, cell.p, dl_dtype_name(c->dtype));
    if (status == CELL_NOT_FINITE)
        return dl_fail(e, DL_EDATA,
                       "%s: %s: '%.*s' is not a finite number (--allow-nonfinite keeps it)",
                       label, at, n, cell.p);
    const char *hint = memchr(cell.p, ',', (size_t)n) && c->delim != ','
                           ? " (numbers use '.' as the decimal point)"
                           : "";
    return dl_fail(e, DL_EDATA, "%s: %s: '%.*s' is not a number%s", label, at,
                   n > 40 ? 40 : n, cell.p, hint);
}

static int ragged(const csv *c, span l, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: line %llu: %llu fields, expected %llu (as on line %llu)",
                   c->in->label, (unsigned long long)c->line,
                   (unsigned long long)count_cells(c, l), (unsigned long long)c->cols,
                   (unsigned long long)c->header_line);
}

/* One number at p into element j of the row; *stop is past it. */
static int scan_value(csv *c, uint64_t j, const char *p, const char *end, const char **stop)
{
    int status;
    double v;
    if (c->dtype == DL_F32) {
        float f;
        status = nt_scan_f32(p, end, &f, stop);
        ((float *)tx_sink_row(&c->sink))[j] = f;
        v = f;
    } else {
        status = nt_scan_f64(p, end, &v, stop);
        ((double *)tx_sink_row(&c->sink))[j] = v;
    }
    if (status == NT_OK && !isfinite(v) && !c->o->allow_nonfinite)
        return CELL_NOT_FINITE;
    return status;
}

/* A quoted cell ("1.5"): the slow path, rare in numeric files. */
static int quoted_value(csv *c, uint64_t j, const char *p, const char *end,
                        const char **after, dl_err *e)
{
    const char *next, *stop;
    span cell = cell_at(c, p, end, &next);
    span inner = trim(cell);
    int status = scan_value(c, j, inner.p, inner.end, &stop);
    if (status != NT_OK)
        return bad_cell(c, j, cell, status, e);
    if (stop != inner.end || inner.p == inner.end)
        return bad_cell(c, j, cell, NT_SYNTAX, e);
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
static int parse_row(csv *c, span l, dl_err *e)
{
    const char *p = l.p, *end = l.end, *next;
    for (uint64_t j = 0; j < c->cols; j++) {
        p = skip_pad(c, p, end);
        const char *cell = p;
        if (p < end && *p == '"') {
            if (quoted_value(c, j, p, end, &p, e))
                return e->code;
        } else {
            int status = scan_value(c, j, p, end, &p);
            if (status != NT_OK || p == cell)
                return bad_cell(c, j, cell_at(c, cell, end, &next),
                                status == NT_OK ? NT_SYNTAX : status, e);
        }
        int sep = after_cell(c, &p, end);
        if (sep < 0)
            return bad_cell(c, j, cell_at(c, cell, end, &next), NT_SYNTAX, e);
        if ((sep == 0) != (j + 1 == c->cols))
            return ragged(c, l, e);
    }
    return tx_sink_commit(&c->sink, e);
}

/* The first line with content decides the delimiter, the header and the
 * column count.  Returns 1 when it is a header row. */
static int first_line(csv *c, span l, st_writer *w, dl_err *e)
{
    c->delim = c->o->delimiter ? c->o->delimiter : detect_delimiter(l);
    if (c->delim == ' ')
        c->delim = 0;
    c->cols = count_cells(c, l);
    c->header_line = c->line;
    int header = c->o->header;
    if (header < 0)
        header = !row_is_numeric(c, l);
    if (tx_sink_open(&c->sink, w, c->o, c->dtype, c->cols, c->in->label, e))
        return -1;
    if (header && keep_names(c, l, e))
        return -1;
    return header;
}

static void skip_bom(tx_in *in)
{
    if (in->len - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0)
        in->pos += 3;
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
    if (in->len == 0 && !in->eof && tx_in_fill(in, e))
        return e->code;
    skip_bom(in);
    int rc = 0, started = 0;
    span l;
    while (rc == 0 && (rc = next_line(&c, &l, e)) == 1) {
        rc = 0;
        if (!is_content(l))
            continue;
        if (!started) {
            started = 1;
            int header = first_line(&c, l, w, e);
            if (header < 0)
                rc = e->code;
            if (header != 0)
                continue;
        }
        rc = parse_row(&c, l, e);
    }
    if (rc == 0 && !started)
        rc = dl_fail(e, DL_EDATA, "%s: empty input: no rows", in->label);
    else if (rc == 0)
        rc = tx_sink_finish(&c.sink, in->label, e);
    else if (rc < 0)
        rc = e->code;
    tx_sink_free(&c.sink);
    free(c.names);
    return rc;
}
