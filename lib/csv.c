/* csv.c - CSV/TSV import: delimiter and header detection, numeric and
 * string (categorical) columns, missing cells, columns routed to x, y and
 * w by name, errors that name the line and column.
 *
 * A numeric file is parsed by two threads, piece by piece, while this
 * thread also reads the next region and writes the rows of the last (see
 * "parsing in pieces").  Plain rows (numbers and delimiters only) are read
 * in one pass; any other row, cell by cell.
 * A table with string columns (or a column whose first cell is missing, or
 * one named by --categorical, whose every cell is a string) is parsed by
 * one thread, since each new string extends its column's levels;
 * a string's code is its position in the column's sorted levels, known
 * only at the end, so the rows wait in a temporary file holding provisional
 * codes (first-seen order) and are rewritten with the final codes after
 * it.  Memory stays bounded by a chunk and the distinct strings, whatever
 * the rows. */
#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "colmeta.h"
#include "numtext.h"
#include "outfile.h"
#include "sig.h"
#include "textio.h"

#define NAME_SHOWN 48 /* bytes of a column name shown in messages */
#define CELL_SHOWN 40 /* bytes of a cell shown in messages */

/* How many of text's n bytes a message shows, at most max, cut where a
 * character starts; shown_more says whether that is not all ("..."). */
static int shown(const char *text, size_t n, size_t max)
{
    return (int)(n <= max ? n : dl_str_cut(text, max));
}

static const char *shown_more(size_t n, size_t max) { return n > max ? "..." : ""; }
/* Beyond enum nt_status: a number, but NaN or Inf without --allow-nonfinite. */
#define CELL_NOT_FINITE 3
/* Distinct strings a column may hold: codes stay exact in float32. */
#define LEVELS_MAX ((size_t)1 << 24)

enum kind { KIND_UNKNOWN = 0, KIND_NUMBER, KIND_STRING };

/* The distinct strings of one column, in the order first seen (their
 * provisional codes), indexed by text. */
typedef struct levels {
    char **text;
    size_t count, cap;
    dl_name_index index;
} levels;

typedef struct span {
    const char *p, *end;
} span;

/* What the first lines decided; read-only while regions are parsed by two
 * threads (kinds and levels change only when one thread parses). */
typedef struct csv {
    tx_in *in;
    const tx_import_opts *o;
    char delim;                  /* 0: runs of blanks separate cells */
    int dtype;
    size_t row_bytes;
    uint64_t cols, header_line;
    char **names;                /* column names (header or --names), or NULL */
    tx_list names_list;          /* their storage when from --names */
    tx_list missing_list;        /* --missing as given */
    span *missing;               /* its tokens, '' made the empty cell */
    size_t nmissing;
    int numeric_missing;         /* a token reads as a number ("-999") */
    unsigned char *kind;         /* enum kind of each column */
    uint64_t *kind_line;         /* the line that decided it */
    levels *lv;                  /* per column, for string columns */
    unsigned char *categorical;  /* per column, 1: --categorical (NULL: none given) */
    int serial;                  /* one thread: kinds may still change */
    int plain;                   /* rows may take the plain_rows path */
    int64_t weight_col;          /* -1: no --weight */
    char *scratch;               /* a string cell, unquoted and terminated */
    size_t scratch_cap;
} csv;

/* One region of whole lines parsed into rows, by the main thread or by a
 * worker: rows land in `rows` (row-major, the import dtype) and go to the
 * sink afterwards, in file order. */
typedef struct job {
    const csv *c;
    span text;
    uint64_t first, line, lines; /* first line's number, current line, count */
    unsigned char *rows;
    size_t len, cap;             /* bytes used and allocated in rows */
    int in_arena;                /* rows are a slice of its region's arena, not
                                    a heap block of its own (or NULL) */
    int rc;
    dl_err err;                  /* last: its message's pages are touched only
                                    by a piece that fails */
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

/* Tab, then semicolon, then comma, outside quoted cells (a quote opens one
 * where a cell may start: at the line's start or after a blank or one of
 * these): a semicolon file with decimal commas is then reported as such
 * rather than as a comma file with odd cells. */
static char detect_delimiter(span l)
{
    int tab = 0, semicolon = 0, comma = 0;
    for (const char *q = l.p; q < l.end; q++) {
        if (*q == '"' && (q == l.p || is_blank(q[-1]) || q[-1] == ';' || q[-1] == ',')) {
            q = tx_closing_quote(q, l.end);
            continue;
        }
        tab |= *q == '\t';
        semicolon |= *q == ';';
        comma |= *q == ',';
    }
    return tab ? '\t' : semicolon ? ';' : comma ? ',' : 0;
}

/* The extent of one cell from p: up to the delimiter (or blank).  A quote
 * at the cell's start (after blanks) opens quoted text, where the delimiter
 * is part of the cell; a quote elsewhere is read as it is (12" pizza).
 * *next is where the following cell's search starts. */
static span cell_at(const csv *c, const char *p, const char *end, const char **next)
{
    span s = {p, p};
    const char *q = skip_pad(c, p, end);
    if (q < end && *q == '"')
        q = tx_closing_quote(q, end);
    for (; q < end; q++)
        if (c->delim ? *q == c->delim : is_blank(*q))
            break;
    s.end = q;
    *next = q < end ? q + 1 : q;
    if (!c->delim)
        *next = skip_blanks(*next, end);
    return s;
}

/* Whether cell s's quoted text is closed and followed by other than blanks
 * ("x"y): Python's csv reads it as xy only when not strict, and a quote
 * meant inside the cell is more likely than a cell meant as xy. */
static int text_after_quote(const csv *c, span s)
{
    const char *q = skip_pad(c, s.p, s.end);
    if (q == s.end || *q != '"')
        return 0;
    q = tx_closing_quote(q, s.end);
    return q < s.end && skip_blanks(q + 1, s.end) < s.end;
}

/* Whether cell s opens quoted text that its line does not close. */
static int unclosed(const csv *c, span s)
{
    const char *q = skip_pad(c, s.p, s.end);
    return q < s.end && *q == '"' && tx_closing_quote(q, s.end) == s.end;
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

/* The quote that makes a cell's text (a quoted cell's as it reads, its
 * quotes doubled) one item of a list option such as --missing when it holds
 * a comma, which would otherwise end the item: "\"" or "". */
static const char *item_quote(const char *p, size_t n)
{
    return memchr(p, ',', n) || (n && *p == '"') ? "\"" : "";
}

/* Whether the text t of a cell is `token`, a doubled quote of a quoted
 * cell read as one quote. */
static int same_text(span t, int quoted, span token)
{
    const char *p = t.p, *q = token.p;
    for (; p < t.end && q < token.end; p++, q++) {
        if (*p != *q)
            return 0;
        if (quoted && *p == '"' && p + 1 < t.end && p[1] == '"')
            p++;
    }
    return p == t.end && q == token.end;
}

/* Whether cell s (as read: blanks and quotes included) is one of the
 * --missing tokens, a quoted cell by its text ("q""r" is q"r, as in a
 * quoted token of the list). */
static int is_missing(const csv *c, span s)
{
    span t = trim(s);
    int quoted = t.p > s.p && t.p[-1] == '"' && t.end < s.end && *t.end == '"';
    for (size_t i = 0; i < c->nmissing; i++)
        if (same_text(t, quoted, c->missing[i]))
            return 1;
    return 0;
}

enum cell_class { CELL_EMPTY, CELL_NUMBER, CELL_MISSING, CELL_TEXT };

static int classify(const csv *c, span s)
{
    double v;
    if (is_missing(c, s))
        return CELL_MISSING;
    s = trim(s);
    if (s.p == s.end)
        return CELL_EMPTY;
    return nt_parse_f64(s.p, s.end, &v) != NT_SYNTAX ? CELL_NUMBER : CELL_TEXT;
}

/* The cells of line l, each passed to fn until it returns non-zero. */
static int each_cell(const csv *c, span l, int (*fn)(void *ctx, uint64_t j, span s), void *ctx)
{
    const char *p = c->delim ? l.p : skip_blanks(l.p, l.end);
    for (uint64_t j = 0;; j++) {
        const char *next;
        span s = cell_at(c, p, l.end, &next);
        int rc = fn(ctx, j, s);
        if (rc || s.end == l.end)
            return rc;
        p = next;
    }
}

typedef struct quote_search {
    const csv *c;
    uint64_t col; /* the cell whose quote is not closed */
} quote_search;

static int find_unclosed(void *ctx, uint64_t j, span s)
{
    quote_search *qs = ctx;
    qs->col = j;
    return unclosed(qs->c, s);
}

typedef struct line_census {
    const csv *c;
    uint64_t numbers, texts, first_text;
    span text;
} line_census;

static int count_class(void *ctx, uint64_t j, span s)
{
    line_census *lc = ctx;
    int k = classify(lc->c, s);
    lc->numbers += k == CELL_NUMBER;
    if (k == CELL_TEXT && lc->texts++ == 0) {
        lc->first_text = j;
        lc->text = trim(s);
    }
    return 0;
}

/* A cell as a NUL-terminated string in c->scratch: outer quotes off, ""
 * inside a quoted cell made one ". */
static int cell_string(csv *c, span t, int quoted, dl_err *e)
{
    size_t n = (size_t)(t.end - t.p);
    if (n + 1 > c->scratch_cap &&
        dl_vec_reserve(&c->scratch, &c->scratch_cap, n + 1, 1, e))
        return dl_err_wrap(e, "%s", c->in->label);
    tx_unquote(c->scratch, t.p, t.end, quoted);
    return 0;
}

typedef struct header_names {
    csv *c;
    uint64_t line;
    dl_err *e;
} header_names;

static int keep_name(void *ctx, uint64_t j, span s)
{
    header_names *h = ctx;
    csv *c = h->c;
    span t = trim(s);
    int quoted = t.p > s.p && t.p[-1] == '"';
    if (text_after_quote(c, s))
        return dl_fail(h->e, DL_EDATA, "%s: line %llu, column %llu: text after the closing "
                       "quote of a quoted name (a quote inside one is written \"\")",
                       c->in->label, (unsigned long long)h->line, (unsigned long long)j + 1);
    if (cell_string(c, t, quoted, h->e))
        return h->e->code;
    const char *fault = cm_colname_fault(c->scratch, strlen(c->scratch));
    if (fault)
        return dl_fail(h->e, DL_EDATA, "%s: line %llu, column %llu: the column name %s "
                       "(--names names the columns)", c->in->label,
                       (unsigned long long)h->line, (unsigned long long)j + 1, fault);
    if (!(c->names[j] = strdup(c->scratch)))
        return dl_fail(h->e, DL_ENOMEM, "%s: out of memory for the header", c->in->label);
    return 0;
}

static int keep_names(csv *c, span l, uint64_t line, dl_err *e)
{
    c->names = calloc((size_t)c->cols, sizeof *c->names);
    if (!c->names)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory for the header", c->in->label);
    header_names h = {c, line, e};
    return each_cell(c, l, keep_name, &h);
}

/* "line 7, column 3 ('mass')" */
static void where(const job *jb, uint64_t col, char *buf, size_t len)
{
    const csv *c = jb->c;
    int n = snprintf(buf, len, "line %llu, column %llu", (unsigned long long)jb->line,
                     (unsigned long long)col + 1);
    if (c->names && col < c->cols && n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, " ('%.*s%s')",
                 shown(c->names[col], strlen(c->names[col]), NAME_SHOWN), c->names[col],
                 shown_more(strlen(c->names[col]), NAME_SHOWN));
}

static int bad_cell(job *jb, uint64_t col, span cell, int status)
{
    char at[128];
    where(jb, col, at, sizeof at);
    cell = trim(cell);
    int n = (int)(cell.end - cell.p), m = shown(cell.p, (size_t)n, CELL_SHOWN);
    const char *label = jb->c->in->label, *more = shown_more((size_t)n, CELL_SHOWN);
    dl_err *e = &jb->err;
    if (n == 0)
        return dl_fail(e, DL_EDATA, "%s: %s: empty cell%s", label, at,
                       jb->c->nmissing ? "" : " (--missing '' reads it as missing)");
    if (status == NT_RANGE)
        return dl_fail(e, DL_EDATA, "%s: %s: '%.*s%s' is out of range for %s", label, at, m,
                       cell.p, more, dl_dtype_name(jb->c->dtype));
    if (status == CELL_NOT_FINITE)
        return dl_fail(e, DL_EDATA,
                       "%s: %s: '%.*s%s' is not a finite number (--allow-nonfinite keeps it)",
                       label, at, m, cell.p, more);
    int thousands = nt_thousands(cell.p, cell.end);
    int decimal_comma = nt_decimal_comma(cell.p, cell.end);
    const char *hint =
        thousands && decimal_comma /* "1,250": 1.25 or 1250, the file alone cannot say */
            ? " (a decimal comma or thousands separators: numbers use '.' as the decimal "
              "point and take no thousands separators; --categorical reads the column as "
              "labels)"
        : thousands
            ? " (remove the thousands separators: numbers take none, and '.' as the decimal "
              "point; --categorical reads the column as labels)"
        : (memchr(cell.p, ',', (size_t)n) && jb->c->delim != ',') || decimal_comma
            ? " (numbers use '.' as the decimal point)"
            : "";
    const csv *c = jb->c;
    if (!*hint && col < c->cols && c->kind_line[col] && c->kind_line[col] < jb->line)
        return dl_fail(e, DL_EDATA,
                       "%s: %s: '%.*s%s' is not a number, in a column of numbers from line "
                       "%llu (--missing '%s%.*s%s' would read it as missing)",
                       label, at, m, cell.p, more, (unsigned long long)c->kind_line[col],
                       item_quote(cell.p, (size_t)n), n, cell.p, item_quote(cell.p, (size_t)n));
    return dl_fail(e, DL_EDATA, "%s: %s: '%.*s%s' is not a number%s", label, at, m, cell.p,
                   more, hint);
}

static int bad_weight(job *jb, uint64_t col, double v)
{
    char at[128];
    where(jb, col, at, sizeof at);
    if (isnan(v))
        return dl_fail(&jb->err, DL_EDATA, "%s: %s: the weight is missing", jb->c->in->label, at);
    return dl_fail(&jb->err, DL_EDATA, "%s: %s: weight %g %s", jb->c->in->label, at, v,
                   v < 0 ? "is negative" : "is not finite");
}

/* A number in a column: the first decides the column is numeric (one
 * thread only); one in a column of strings is refused. */
static int number_cell(job *jb, uint64_t j, const char *at_cell, const char *line_end)
{
    csv *c = (csv *)jb->c; /* kinds change only when one thread parses */
    if (c->kind[j] == KIND_UNKNOWN) {
        c->kind[j] = KIND_NUMBER;
        c->kind_line[j] = jb->line;
        return 0;
    }
    char at[128];
    where(jb, j, at, sizeof at);
    const char *next;
    span cell = trim(cell_at(c, at_cell, line_end, &next));
    size_t n = (size_t)(cell.end - cell.p), first = strlen(c->lv[j].text[0]);
    return dl_fail(&jb->err, DL_EDATA,
                   "%s: %s: '%.*s%s' is a number in a column of strings ('%.*s%s' on line %llu)",
                   c->in->label, at, shown(cell.p, n, CELL_SHOWN), cell.p,
                   shown_more(n, CELL_SHOWN), shown(c->lv[j].text[0], first, CELL_SHOWN),
                   c->lv[j].text[0], shown_more(first, CELL_SHOWN),
                   (unsigned long long)c->kind_line[j]);
}

static const char *level_at(const void *items, size_t pos)
{
    return ((char *const *)items)[pos];
}

/* The provisional code of the string in c->scratch in column j: its
 * position among the column's strings in the order first seen. */
static int level_code(job *jb, uint64_t j, size_t *code)
{
    csv *c = (csv *)jb->c;
    levels *lv = &c->lv[j];
    size_t pos = dl_names_find(&lv->index, c->scratch, lv->text, level_at);
    if (pos != SIZE_MAX) {
        *code = pos;
        return 0;
    }
    char at[128];
    where(jb, j, at, sizeof at);
    const char *fault = cm_level_fault(c->scratch, strlen(c->scratch));
    if (fault)
        return dl_fail(&jb->err, DL_EDATA, "%s: %s: the string %s", c->in->label, at, fault);
    if (lv->count == LEVELS_MAX)
        return dl_fail(&jb->err, DL_ENOMEM, "%s: %s: more than %zu different strings in one "
                       "column", c->in->label, at, LEVELS_MAX);
    if (dl_vec_reserve(&lv->text, &lv->cap, lv->count + 1, sizeof *lv->text, &jb->err))
        return dl_err_wrap(&jb->err, "%s: %s", c->in->label, at);
    char *copy = strdup(c->scratch);
    if (!copy)
        return dl_fail(&jb->err, DL_ENOMEM, "%s: %s: out of memory for a string", c->in->label,
                       at);
    if (dl_names_add(&lv->index, copy, lv->count, &jb->err)) {
        free(copy);
        return dl_err_wrap(&jb->err, "%s: %s", c->in->label, at);
    }
    lv->text[lv->count] = copy;
    *code = lv->count++;
    return 0;
}

static void put_value(const csv *c, void *row, uint64_t j, double v)
{
    if (c->dtype == DL_F32)
        ((float *)row)[j] = (float)v;
    else
        ((double *)row)[j] = v;
}

static int text_after_closing_quote(job *jb, uint64_t j, span cell)
{
    char at[128];
    where(jb, j, at, sizeof at);
    cell = trim(cell);
    int n = (int)(cell.end - cell.p), m = shown(cell.p, (size_t)n, CELL_SHOWN);
    return dl_fail(&jb->err, DL_EDATA, "%s: %s: text after the closing quote of a quoted cell "
                   "('%.*s%s'; a quote inside one is written \"\")", jb->c->in->label, at, m,
                   cell.p, shown_more((size_t)n, CELL_SHOWN));
}

/* A cell that is not a plain number: missing, a string of a string column,
 * or an error. */
static int text_cell(job *jb, void *row, uint64_t j, span cell, int status)
{
    csv *c = (csv *)jb->c;
    span t = trim(cell);
    if (is_missing(c, cell)) {
        put_value(c, row, j, NAN);
        return 0;
    }
    if (text_after_quote(c, cell))
        return text_after_closing_quote(jb, j, cell);
    if (status == NT_RANGE || status == CELL_NOT_FINITE || t.p == t.end ||
        c->kind[j] == KIND_NUMBER || !c->serial)
        return bad_cell(jb, j, cell, status == NT_OK ? NT_SYNTAX : status);
    if (c->kind[j] == KIND_UNKNOWN) {
        c->kind[j] = KIND_STRING;
        c->kind_line[j] = jb->line;
    }
    size_t code = 0;
    if (cell_string(c, t, t.p > cell.p && t.p[-1] == '"', &jb->err) || level_code(jb, j, &code))
        return jb->err.code;
    put_value(c, row, j, (double)code);
    return 0;
}

static int ragged(job *jb, span l)
{
    const csv *c = jb->c;
    return dl_fail(&jb->err, DL_EDATA,
                   "%s: line %llu: %llu field%s, expected %llu (as on line %llu)", c->in->label,
                   (unsigned long long)jb->line, (unsigned long long)count_cells(c, l),
                   dl_plural(count_cells(c, l)), (unsigned long long)c->cols,
                   (unsigned long long)c->header_line);
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

static int unterminated(job *jb, uint64_t j)
{
    char at[128];
    where(jb, j, at, sizeof at);
    return dl_fail(&jb->err, DL_EDATA, "%s: %s: unterminated quote (a quoted cell ends on its "
                   "line)", jb->c->in->label, at);
}

/* A cell of a --categorical column: its text is a level whatever it looks
 * like (a zip code's leading zero, "1,000"), as any string cell's is. */
static int categorical_cell(job *jb, void *row, uint64_t j, const char *p, const char *end,
                            const char **after)
{
    const char *next;
    span cell = cell_at(jb->c, p, end, &next);
    *after = cell.end;
    if (unclosed(jb->c, cell))
        return unterminated(jb, j);
    return text_cell(jb, row, j, cell, NT_SYNTAX);
}

/* A quoted cell ("1.5"): the slow path, rare in numeric files. */
static int quoted_value(job *jb, void *row, uint64_t j, const char *p, const char *end,
                        const char **after)
{
    const char *next, *stop;
    span cell = cell_at(jb->c, p, end, &next);
    span inner = trim(cell);
    *after = cell.end;
    if (unclosed(jb->c, cell))
        return unterminated(jb, j);
    int status = scan_value(jb->c, row, j, inner.p, inner.end, &stop);
    if (status != NT_OK || stop != inner.end || inner.p == inner.end || is_missing(jb->c, cell))
        return text_cell(jb, row, j, cell, status);
    return jb->c->kind[j] != KIND_NUMBER ? number_cell(jb, j, p, end) : 0;
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

static int check_weight(job *jb, const void *row)
{
    if (jb->c->weight_col < 0)
        return 0;
    uint64_t w = (uint64_t)jb->c->weight_col;
    double v = jb->c->dtype == DL_F32 ? ((const float *)row)[w] : ((const double *)row)[w];
    return !(v >= 0) || !isfinite(v) ? bad_weight(jb, w, v) : 0;
}

/* The hot loop: cells are scanned in place, the number parser finds each
 * cell's end, and only a failure looks at the cell as text. */
static int parse_cells(job *jb, span l, void *row)
{
    const csv *c = jb->c;
    const char *p = l.p, *end = l.end, *next;
    const unsigned char *categorical = c->categorical;
    for (uint64_t j = 0; j < c->cols; j++) {
        p = skip_pad(c, p, end);
        const char *cell = p;
        int sep = 0;
        if (categorical && categorical[j]) {
            if (categorical_cell(jb, row, j, p, end, &p))
                return jb->err.code;
            sep = after_cell(c, &p, end);
        } else if (p < end && *p == '"') {
            if (quoted_value(jb, row, j, p, end, &p))
                return jb->err.code;
            sep = after_cell(c, &p, end);
        } else {
            int status = scan_value(c, row, j, p, end, &p);
            int number = status == NT_OK && p != cell && (sep = after_cell(c, &p, end)) >= 0;
            span s = {cell, cell};
            if (!number || c->numeric_missing) /* the rare case: look at the text */
                s = cell_at(c, cell, end, &next);
            if (number && !(c->numeric_missing && is_missing(c, s))) {
                if (c->kind[j] != KIND_NUMBER && number_cell(jb, j, cell, end))
                    return jb->err.code;
            } else {
                if (text_cell(jb, row, j, s, status == NT_OK ? NT_SYNTAX : status))
                    return jb->err.code;
                p = s.end;
                sep = after_cell(c, &p, end);
            }
        }
        if (sep < 0)
            return bad_cell(jb, j, cell_at(c, cell, end, &next), NT_SYNTAX);
        if ((sep == 0) != (j + 1 == c->cols))
            return ragged(jb, l);
    }
    return check_weight(jb, row);
}

/* Whether line l has other than c->cols fields, none of them a quote its
 * line leaves open (whose own message says more). */
static int other_field_count(const csv *c, span l)
{
    const char *p = c->delim ? l.p : skip_blanks(l.p, l.end), *next;
    for (span s; p < l.end; p = next) {
        s = cell_at(c, p, l.end, &next);
        if (unclosed(c, s))
            return 0;
        if (s.end == l.end)
            break;
    }
    return count_cells(c, l) != c->cols;
}

/* A row: a cell that fails on a line of the wrong length is reported as
 * the line's length, the cause, not as the cell shifted into a column of
 * another kind. */
static int parse_row(job *jb, span l, void *row)
{
    int rc = parse_cells(jb, l, row);
    return rc == DL_EDATA && other_field_count(jb->c, l) ? ragged(jb, l) : rc;
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

/* Room for `rows` more rows.  Rows that outgrow their slice of the arena
 * (their lines were shorter than the estimate) move to a block of their
 * own. */
static int reserve_rows(job *jb, size_t rows)
{
    /* need is bounded by a few times the region's text */
    size_t need = jb->len + rows * jb->c->row_bytes;
    if (need <= jb->cap)
        return 0;
    unsigned char *slice = jb->in_arena ? jb->rows : NULL;
    if (slice) {
        jb->rows = NULL;
        jb->cap = 0;
        jb->in_arena = 0;
    }
    if (dl_vec_reserve(&jb->rows, &jb->cap, need, 1, &jb->err))
        return dl_err_wrap(&jb->err, "%s: parsed rows", jb->c->in->label);
    if (slice && jb->len)
        memcpy(jb->rows, slice, jb->len);
    return 0;
}

/* Rows reserved at a time for plain rows. */
#define PLAIN_BATCH 256

/* The common rows, as many as follow one another from *p, in one pass each
 * (nt_scan_f64_rows): numbers separated by the delimiter alone, no blanks,
 * quotes, missing or non-finite cells, each row ending its line.  Their
 * weights are checked; jb->lines counts them.  Returns how many were read:
 * 0 when the line at *p is anything else, which parse_row then reads cell
 * by cell. */
static size_t plain_rows(job *jb, const char **p)
{
    const csv *c = jb->c;
    size_t total = 0, cols = (size_t)c->cols;
    for (;;) {
        if (jb->cap - jb->len < c->row_bytes && (jb->rc = reserve_rows(jb, PLAIN_BATCH)) != 0)
            return total;
        size_t room = (jb->cap - jb->len) / c->row_bytes;
        double *rows = (double *)(void *)(jb->rows + jb->len);
        size_t got = nt_scan_f64_rows(*p, jb->text.end, c->delim, cols, room, rows, p);
        for (size_t i = 0; i < got && c->weight_col >= 0; i++) {
            jb->line = jb->first + jb->lines + i;
            if ((jb->rc = check_weight(jb, rows + i * cols)) != 0)
                return total + i;
        }
        jb->len += got * c->row_bytes;
        jb->lines += got;
        total += got;
        if (got < room)
            return total;
    }
}

/* Parses every line of jb->text from line number jb->first; stops at the
 * first error.  jb->lines counts the lines read. */
static void parse_region(job *jb)
{
    const char *p = jb->text.p;
    jb->len = 0;
    jb->rc = 0;
    jb->lines = 0;
    while (p < jb->text.end && !jb->rc) {
        if (jb->c->plain && plain_rows(jb, &p) > 0)
            continue;
        if (jb->rc || p == jb->text.end)
            break;
        jb->line = jb->first + jb->lines++;
        span l = take_line(&p, jb->text.end);
        if (!is_content(l))
            continue;
        jb->rc = reserve_rows(jb, 1);
        if (!jb->rc && (jb->rc = parse_row(jb, l, jb->rows + jb->len)) == 0)
            jb->len += jb->c->row_bytes;
    }
}

/* Regions are read FIRST_REGION at first, twice as much each time after
 * up to REGION_BYTES (the sooner the first pieces are there, the sooner
 * both threads parse), and parsed in pieces of about PIECE_BYTES. */
#define FIRST_REGION ((size_t)512 << 10)
#define REGION_BYTES ((size_t)2 << 20)
#define PIECE_BYTES ((size_t)256 << 10)

static int feed(tx_sink *sink, const job *jb, dl_err *e)
{
    return tx_sink_push_rows(sink, jb->rows, jb->len / jb->c->row_bytes, e);
}

/* Unread whole lines in the buffer, at least `want` bytes of them unless
 * the input ends first; an empty span at the end. */
static int next_region(tx_in *in, size_t want, span *out, dl_err *e)
{
    for (;;) {
        const char *start = in->buf + in->pos, *end = in->buf + in->len;
        if (in->eof || (size_t)(end - start) >= want) {
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
 * column count.  *header: whether it is a header row: detected, it is one
 * when none of its cells is a number; a line with numbers is data, where a
 * string is an error (a string column needs a header, or --no-header). */
static int first_line(csv *c, span l, uint64_t line, int *header, dl_err *e)
{
    c->delim = c->o->delimiter ? c->o->delimiter : detect_delimiter(l);
    if (c->delim == ' ')
        c->delim = 0;
    c->cols = count_cells(c, l);
    quote_search qs = {c, 0};
    if (each_cell(c, l, find_unclosed, &qs))
        return dl_fail(e, DL_EDATA, "%s: line %llu, column %llu: unterminated quote (a quoted "
                       "cell ends on its line)", c->in->label, (unsigned long long)line,
                       (unsigned long long)qs.col + 1);
    *header = c->o->header;
    if (*header < 0) {
        line_census lc = {.c = c};
        each_cell(c, l, count_class, &lc);
        *header = lc.numbers == 0 && lc.texts > 0;
        size_t n = (size_t)(lc.text.end - lc.text.p);
        if (lc.numbers && lc.texts)
            return dl_fail(e, DL_EDATA,
                           "%s: line %llu, column %llu: '%.*s%s' is not a number (a first "
                           "line holding numbers is data, not a header: --header reads it as "
                           "the names, --missing '%s%.*s%s' as a missing cell, --no-header "
                           "allows a column of strings)",
                           c->in->label, (unsigned long long)line,
                           (unsigned long long)lc.first_text + 1,
                           shown(lc.text.p, n, CELL_SHOWN), lc.text.p,
                           shown_more(n, CELL_SHOWN), item_quote(lc.text.p, n), (int)n,
                           lc.text.p, item_quote(lc.text.p, n));
    }
    return *header && keep_names(c, l, line, e) ? e->code : 0;
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
    if (tx_in_detect_cr_lines(in, e))
        return e->code;
    const char *p, *end;
    int rc;
    for (*line = 1; !(rc = tx_in_line(in, &p, &end, e)) && p; ++*line) {
        span l = {p, end};
        if (!is_content(l))
            continue;
        c->header_line = *line;
        int header;
        if (first_line(c, l, *line, &header, e))
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

/* ----------------------- options about columns ----------------------- */

/* --missing NA,'' : the tokens; '' (as "") stands for the empty cell. */
static int read_missing(csv *c, dl_err *e)
{
    if (!c->o->missing)
        return 0;
    if (tx_list_parse(&c->missing_list, "--missing", c->o->missing, e))
        return e->code;
    c->nmissing = c->missing_list.count;
    if (!(c->missing = calloc(c->nmissing, sizeof *c->missing)))
        return dl_fail(e, DL_ENOMEM, "--missing: out of memory");
    for (size_t i = 0; i < c->nmissing; i++) {
        span *t = &c->missing[i];
        t->p = c->missing_list.item[i];
        t->end = t->p + strlen(t->p);
        if (strcmp(t->p, "''") == 0)
            t->end = t->p;
        double v;
        if (t->p < t->end && nt_parse_f64(t->p, t->end, &v) != NT_SYNTAX)
            c->numeric_missing = 1;
    }
    return 0;
}

/* --names a,b,c replaces the header's names. */
static int read_names_option(csv *c, dl_err *e)
{
    tx_list *list = &c->names_list;
    if (tx_list_parse(list, "--names", c->o->names, e))
        return e->code;
    if (list->count != c->cols)
        return dl_fail(e, DL_EUSAGE, "--names gives %zu name%s, but %s has %llu column%s",
                       list->count, dl_plural(list->count), c->in->label,
                       (unsigned long long)c->cols, dl_plural(c->cols));
    for (size_t i = 0; i < list->count; i++) {
        const char *fault = cm_colname_fault(list->item[i], strlen(list->item[i]));
        if (fault)
            return dl_fail(e, DL_EUSAGE, "--names: name %zu %s", i + 1, fault);
    }
    if (c->names)
        for (uint64_t j = 0; j < c->cols; j++)
            free(c->names[j]);
    free(c->names);
    c->names = list->item; /* the list's, freed with it */
    return 0;
}

static const char *name_at(const void *items, size_t pos)
{
    return ((char *const *)items)[pos];
}

/* Column names are unique; index them for --target and --weight.  Names
 * of --names that repeat are the option's fault, not the data's. */
static int index_names(csv *c, dl_name_index *ix, dl_err *e)
{
    for (uint64_t j = 0; j < c->cols; j++) {
        size_t at = dl_names_find(ix, c->names[j], c->names, name_at);
        if (at != SIZE_MAX && c->o->names)
            return dl_fail(e, DL_EUSAGE, "--names gives '%s' twice (columns %zu and %llu)",
                           c->names[j], at + 1, (unsigned long long)j + 1);
        if (at != SIZE_MAX)
            return dl_fail(e, DL_EDATA, "%s: columns %zu and %llu are both named '%s' (--names "
                           "renames the columns)", c->in->label, at + 1,
                           (unsigned long long)j + 1, c->names[j]);
        if (dl_names_add(ix, c->names[j], (size_t)j, e))
            return e->code;
    }
    return 0;
}

static int find_column(csv *c, dl_name_index *ix, const char *opt, const char *name,
                       uint64_t *col, dl_err *e)
{
    if (!c->names)
        return dl_fail(e, DL_EUSAGE, "%s '%s': %s has no header naming its columns (--names "
                       "names them)", opt, name, c->in->label);
    size_t at = dl_names_find(ix, name, c->names, name_at);
    if (at == SIZE_MAX) {
        dl_str b = {0};
        dl_names_show(&b, (const char *const *)c->names, (size_t)c->cols);
        int rc = dl_fail(e, DL_EUSAGE, "%s '%.*s': %s has no such column (its columns: %s)", opt,
                         CM_COLNAME_MAX, name, c->in->label, dl_str_text(&b));
        dl_str_free(&b);
        return rc;
    }
    *col = at;
    return 0;
}

/* --categorical: these columns hold strings from the start, so that no
 * cell of theirs is read as a number. */
static int mark_categorical(csv *c, dl_name_index *ix, dl_err *e)
{
    tx_list list;
    if (tx_list_parse(&list, "--categorical", c->o->categorical, e))
        return e->code;
    int rc = (c->categorical = calloc((size_t)c->cols, 1)) ? 0
             : dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    for (size_t i = 0; !rc && i < list.count; i++) {
        uint64_t col;
        if ((rc = find_column(c, ix, "--categorical", list.item[i], &col, e)) != 0)
            break;
        if (c->categorical[col])
            rc = dl_fail(e, DL_EUSAGE, "--categorical names '%s' twice", c->names[col]);
        c->categorical[col] = 1;
        c->kind[col] = KIND_STRING;
    }
    tx_list_free(&list);
    return rc;
}

/* Where each column goes: x (in file order), y (--target's order, or the
 * last --targets columns), w (--weight). */
typedef struct routing {
    uint64_t *src;  /* x's input columns, then y's, then w's */
    tx_route route;
} routing;

static int plan_routes(csv *c, routing *rt, dl_err *e)
{
    const tx_import_opts *o = c->o;
    memset(rt, 0, sizeof *rt);
    if (o->name && (o->target || o->weight))
        return dl_fail(e, DL_EUSAGE, "--name puts every column in one record: it excludes "
                       "%s", o->target ? "--target" : "--weight");
    dl_name_index ix;
    dl_names_init(&ix);
    unsigned char *role = calloc((size_t)c->cols, 1); /* 0 x, 1 y, 2 w */
    rt->src = calloc((size_t)c->cols, sizeof *rt->src);
    tx_list targets = {0};
    int rc = role && rt->src ? 0 : dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    if (!rc && c->names)
        rc = index_names(c, &ix, e);
    if (!rc && o->categorical)
        rc = mark_categorical(c, &ix, e);
    if (!rc && o->target)
        rc = tx_list_parse(&targets, "--target", o->target, e);
    uint64_t ny = 0, col;
    for (size_t i = 0; !rc && i < targets.count; i++) {
        if ((rc = find_column(c, &ix, "--target", targets.item[i], &col, e)) != 0)
            break;
        if (role[col])
            rc = dl_fail(e, DL_EUSAGE, "--target names '%s' twice", c->names[col]);
        role[col] = 1;
        rt->src[c->cols - targets.count + ny++] = col; /* y's part, filled below */
    }
    if (!rc && !o->target && !o->name) {
        if (o->targets >= c->cols)
            rc = dl_fail(e, DL_EDATA, "%s: --targets %llu leaves no input columns: the data "
                         "has %llu column%s", c->in->label, (unsigned long long)o->targets,
                         (unsigned long long)c->cols, dl_plural(c->cols));
        for (uint64_t j = c->cols - o->targets; !rc && j < c->cols; j++) {
            role[j] = 1;
            rt->src[c->cols - o->targets + ny++] = j;
        }
    }
    uint64_t wcol = 0;
    if (!rc && o->weight) {
        if (!(rc = find_column(c, &ix, "--weight", o->weight, &wcol, e)) && role[wcol])
            rc = dl_fail(e, DL_EUSAGE, "--weight '%s' is also a --target", o->weight);
        else if (!rc && c->categorical && c->categorical[wcol])
            rc = dl_fail(e, DL_EUSAGE, "--weight '%s' is also --categorical: weights are "
                         "numbers", o->weight);
        role[wcol] = 2;
    }
    uint64_t nx = 0;
    for (uint64_t j = 0; !rc && j < c->cols; j++)
        if (role[j] == 0)
            rt->src[nx++] = j;
    if (!rc && nx == 0)
        rc = dl_fail(e, DL_EDATA, "%s: no input columns are left for x (the data has %llu "
                     "column%s)", c->in->label, (unsigned long long)c->cols, dl_plural(c->cols));
    if (!rc) {
        /* y's columns were placed after the last x, w is after y */
        memmove(rt->src + nx, rt->src + c->cols - ny, (size_t)ny * sizeof *rt->src);
        if (o->weight) {
            rt->src[nx + ny] = wcol;
            c->weight_col = (int64_t)wcol;
            c->kind[wcol] = KIND_NUMBER;
        }
        rt->route = (tx_route){rt->src, nx, ny, o->weight != NULL};
        int in_order = !o->weight;
        for (uint64_t j = 0; in_order && j < c->cols; j++)
            in_order = rt->src[j] == j;
        if (in_order)
            rt->route.src = NULL;
    }
    tx_list_free(&targets);
    free(role);
    dl_names_free(&ix);
    return rc;
}

/* ------------------------------- output ------------------------------ */

/* Where the rows go: the caller's writer, or (when a column may hold
 * strings) a temporary stream whose codes are rewritten at the end. */
typedef struct output {
    st_writer *w, *spool;
    int spool_fd;
    tx_sink sink;
    int open;
    routing rt;
    const char *xname;
} output;

/* The names of one record's columns into NAME.names. */
static int write_names(csv *c, output *out, const char *rec, const uint64_t *src,
                       uint64_t n, dl_err *e)
{
    if (!c->names || n == 0)
        return 0;
    const char **names = malloc((size_t)n * sizeof *names);
    if (!names)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    for (uint64_t k = 0; k < n; k++)
        names[k] = c->names[src ? src[k] : k];
    char name[DL_NAME_MAX + 1];
    dl_tensor t = {0};
    int rc = cm_meta_name(name, rec, CM_NAMES_SUFFIX, e) ||
             cm_names_make(names, n, name, &t, e) || st_write(out->w, &t, e);
    free(names);
    dl_tensor_free(&t);
    return rc ? dl_err_wrap(e, "%s", c->in->label) : 0;
}

/* The input columns of x and of y (NULL: in order). */
static const uint64_t *x_src(const output *out) { return out->rt.route.src; }
static const uint64_t *y_src(const output *out, uint64_t *plain)
{
    if (out->rt.route.src)
        return out->rt.route.src + out->rt.route.xcols;
    for (uint64_t k = 0; k < out->rt.route.ycols; k++)
        plain[k] = out->rt.route.xcols + k;
    return plain;
}

/* --rank 1 of a row of several cells: one record of them, whose elements
 * are not columns (a stream's names and levels are per column). */
static int one_row_vector(const csv *c, const output *out)
{
    return c->o->rank == 1 && out->rt.route.xcols > 1;
}

static int write_all_names(csv *c, output *out, dl_err *e)
{
    uint64_t *plain = calloc((size_t)out->rt.route.ycols + 1, sizeof *plain);
    if (!plain)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    int rc = (!one_row_vector(c, out) &&
              write_names(c, out, out->xname, x_src(out), out->rt.route.xcols, e)) ||
             write_names(c, out, "y", y_src(out, plain), out->rt.route.ycols, e);
    free(plain);
    return rc ? e->code : 0;
}

/* The temporary's name in messages: the input, and where the copy is (a
 * full or failing $TMPDIR is not the input's fault). */
static void spool_label(const csv *c, dl_str *label)
{
    dl_str_printf(label, "%s: the temporary copy of its rows in %s", c->in->label,
                  dl_outfile_temp_dir());
}

static int open_spool(csv *c, output *out, dl_err *e)
{
    dl_str label = {0};
    if (dl_outfile_temp(&out->spool_fd, "the rows of a table with strings", e))
        return dl_err_wrap(e, "%s", c->in->label);
    spool_label(c, &label);
    int rc = st_writer_from_fd(&out->spool, out->spool_fd, dl_str_text(&label), ST_ALLOW_TTY, e);
    dl_str_free(&label);
    return rc;
}

/* After the first data line: numeric tables go straight out, in parallel;
 * others to a temporary, by one thread. */
static int start_output(csv *c, output *out, dl_err *e)
{
    c->serial = 0;
    for (uint64_t j = 0; j < c->cols; j++)
        if (c->kind[j] != KIND_NUMBER)
            c->serial = 1;
    /* plain_rows: every column numeric, cells split by a delimiter, doubles,
     * and no --missing token that reads as a number */
    c->plain = !c->serial && c->delim && c->dtype == DL_F64 && !c->numeric_missing;
    if (c->serial && open_spool(c, out, e))
        return e->code;
    if (!c->serial && write_all_names(c, out, e))
        return e->code;
    if (tx_sink_open_routed(&out->sink, c->serial ? out->spool : out->w, c->o, c->dtype,
                            c->cols, &out->rt.route, c->in->label, e))
        return e->code;
    /* every double was refused here if not finite (float32 can still
     * overflow, so the sink checks those) */
    out->sink.reader_refused = !c->serial && c->dtype == DL_F64;
    out->open = 1;
    return 0;
}

/* The first data line is parsed alone, by this thread: it decides which
 * columns hold numbers. */
static span first_content_line(span text)
{
    const char *p = text.p;
    while (p < text.end) {
        span l = take_line(&p, text.end);
        if (is_content(l))
            return (span){text.p, p};
    }
    return text;
}

/* ----------------------- parsing in pieces ------------------------ */

/* A numeric region is cut at line ends into pieces, which this thread and
 * a worker take in turn: neither waits long for the other, whatever the
 * lines.  Meanwhile this thread reads the next region into a second buffer
 * (tx_in_swap) and, once the region's pieces are parsed, writes its rows in
 * file order while the worker goes on with the next region's pieces; so
 * reading and writing, each about a tenth of the work, overlap the parsing
 * instead of leaving a core idle.  A piece read ahead does not know its
 * line numbers, since the pieces before it may not be parsed yet: only one
 * that fails is parsed again, with them, for the message.  The text is
 * read, not mapped: the two buffers, and the rows, are the same pages
 * region after region, huge ones where the kernel gives them, where a
 * mapped file costs a fault per 4 KiB page read (and the rows, parsed into
 * fresh memory, one per page written), which on a virtual machine took as
 * long as parsing them.  A table with strings is parsed by this thread
 * alone, region after region, in one piece each. */
typedef struct region {
    job *pieces;
    size_t count, cap;  /* pieces of the region, and allocated */
    size_t taken, done; /* under the lock */
    unsigned char *arena; /* the pieces' rows, a slice each, in file order */
    size_t arena_cap;
    size_t text_bytes;  /* of its pieces */
} region;

typedef struct pipeline {
    csv *c;
    pthread_mutex_t lock;
    pthread_cond_t more; /* a region to parse, a piece done, or stop */
    region r[2];
    int cur, pending;    /* the oldest region in flight, and how many are */
    int stop;
    size_t region_bytes; /* to read next */
    char *spare;         /* the input's other buffer */
    size_t spare_cap;
    double density;      /* bytes of rows per byte of text, in the last
                            region written (the first line's at first) */
} pipeline;

/* The next piece nobody took, the oldest region's first (only region
 * `only` when it is not -1); NULL when there is none.  Under the lock. */
static job *take_piece(pipeline *pl, int only, region **from)
{
    for (int k = 0; k < pl->pending; k++) {
        int i = (pl->cur + k) % 2;
        region *r = &pl->r[i];
        if ((only < 0 || only == i) && r->taken < r->count) {
            *from = r;
            return &r->pieces[r->taken++];
        }
    }
    return NULL;
}

/* Parses pieces as they come until stopped; under the lock between them. */
static void *piece_worker(void *arg)
{
    pipeline *pl = arg;
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        region *r = NULL;
        job *jb = NULL;
        while (!pl->stop && (jb = take_piece(pl, -1, &r)) == NULL)
            pthread_cond_wait(&pl->more, &pl->lock);
        if (pl->stop)
            break;
        pthread_mutex_unlock(&pl->lock);
        parse_region(jb);
        pthread_mutex_lock(&pl->lock);
        r->done++;
        pthread_cond_broadcast(&pl->more);
    }
    pthread_mutex_unlock(&pl->lock);
    return NULL;
}

/* The bytes of rows that `bytes` of text are given: their estimate, with
 * room to spare, but never more than the most they can hold (a line of
 * delimiters alone, the last one without its '\n'). */
static uint64_t slice_bytes(const pipeline *pl, size_t bytes)
{
    const csv *c = pl->c;
    uint64_t most = (uint64_t)bytes * dl_dtype_size(c->dtype) + c->row_bytes;
    double guess = 1.5 * pl->density * (double)bytes + 4.0 * (double)c->row_bytes;
    uint64_t slice = guess < (double)most ? (uint64_t)guess : most;
    return (slice + 63) / 64 * 64; /* each slice on a cache line of its own */
}

/* The pieces' slices of the region's arena, which grows (its rows are
 * written, so not kept) when they need more than it holds: from one huge
 * page, the rows of a region of REGION_BYTES of short numbers. */
#define ARENA_MIN ((uint64_t)2 << 20)
static int give_slices(pipeline *pl, region *r, dl_err *e)
{
    uint64_t need = 0;
    for (size_t i = 0; i < r->count; i++)
        need += slice_bytes(pl, (size_t)(r->pieces[i].text.end - r->pieces[i].text.p));
    if (need > SIZE_MAX)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory for parsed rows", pl->c->in->label);
    if (need > r->arena_cap) {
        if (need < ARENA_MIN)
            need = ARENA_MIN;
        free(r->arena);
        r->arena_cap = 0;
        if ((r->arena = dl_mem_big((size_t)need)) == NULL)
            return dl_fail(e, DL_ENOMEM, "%s: out of memory for %llu bytes of parsed rows",
                           pl->c->in->label, (unsigned long long)need);
        r->arena_cap = (size_t)need;
    }
    size_t at = 0;
    for (size_t i = 0; i < r->count; i++) {
        job *jb = &r->pieces[i];
        if (!jb->in_arena)
            free(jb->rows); /* its block from the region before */
        jb->rows = r->arena + at;
        jb->cap = (size_t)slice_bytes(pl, (size_t)(jb->text.end - jb->text.p));
        jb->in_arena = 1;
        at += jb->cap;
    }
    return 0;
}

/* Cuts text into the pieces of the next region and offers them; `first`
 * is its first line's number, 0 while the regions before are parsed. */
static int publish(pipeline *pl, span text, uint64_t first, dl_err *e)
{
    region *r = &pl->r[(pl->cur + pl->pending) % 2];
    size_t size = (size_t)(text.end - text.p), most = size / PIECE_BYTES + 1;
    size_t had = r->cap;
    if (dl_vec_reserve(&r->pieces, &r->cap, most, sizeof *r->pieces, e))
        return dl_err_wrap(e, "%s: parsed rows", pl->c->in->label);
    for (size_t i = had; i < r->cap; i++) { /* the message's pages left untouched */
        memset(&r->pieces[i], 0, offsetof(job, err));
        r->pieces[i].err.code = 0;
    }
    r->count = r->taken = r->done = 0;
    r->text_bytes = size;
    for (const char *p = text.p; p < text.end;) {
        const char *end = text.end;
        /* a piece at least PIECE_BYTES long, the last at most 1.5 times */
        if (!pl->c->serial && (size_t)(text.end - p) > PIECE_BYTES + PIECE_BYTES / 2) {
            const char *nl = memchr(p + PIECE_BYTES, '\n', (size_t)(text.end - p) - PIECE_BYTES);
            end = nl ? nl + 1 : text.end;
        }
        job *jb = &r->pieces[r->count++];
        jb->c = pl->c;
        jb->text = (span){p, end};
        jb->first = p == text.p ? first : 0;
        p = end;
    }
    if (give_slices(pl, r, e))
        return e->code;
    pthread_mutex_lock(&pl->lock);
    pl->pending++;
    pthread_cond_broadcast(&pl->more);
    pthread_mutex_unlock(&pl->lock);
    return 0;
}

/* The oldest region's pieces: those nobody took are parsed here; while the
 * worker still has one of them, this thread parses the next region's
 * pieces rather than wait, and waits only when none is left. */
static void finish_region(pipeline *pl)
{
    region *r = &pl->r[pl->cur], *from;
    pthread_mutex_lock(&pl->lock);
    for (;;) {
        job *jb = take_piece(pl, pl->cur, &from);
        if (!jb && r->done < r->count)
            jb = take_piece(pl, -1, &from);
        if (!jb)
            break;
        pthread_mutex_unlock(&pl->lock);
        parse_region(jb);
        pthread_mutex_lock(&pl->lock);
        from->done++;
    }
    while (r->done < r->count)
        pthread_cond_wait(&pl->more, &pl->lock);
    pthread_mutex_unlock(&pl->lock);
}

/* The oldest region's rows to the output, in file order; *line is its
 * first line's number, then the next region's. */
static int write_region(pipeline *pl, output *out, uint64_t *line, dl_err *e)
{
    region *r = &pl->r[pl->cur];
    size_t rows_bytes = 0;
    for (size_t i = 0; i < r->count; i++) {
        job *jb = &r->pieces[i];
        rows_bytes += jb->len;
        if (jb->rc && jb->first != *line) { /* again, with its line numbers */
            jb->first = *line;
            parse_region(jb);
        }
        if (jb->rc) {
            *e = jb->err;
            return e->code;
        }
        if (feed(&out->sink, jb, e))
            return e->code;
        *line += jb->lines;
    }
    if (r->text_bytes)
        pl->density = (double)rows_bytes / (double)r->text_bytes;
    pthread_mutex_lock(&pl->lock);
    pl->cur = 1 - pl->cur;
    pl->pending--;
    pthread_mutex_unlock(&pl->lock);
    return 0;
}

/* The next region into the input's other buffer, offered when not empty
 * (`first` as for publish); *end at the end of the input. */
static int read_next(pipeline *pl, uint64_t first, int *end, dl_err *e)
{
    span text = {NULL, NULL}; /* empty, as at the end of the input, until read */
    if (tx_in_swap(pl->c->in, &pl->spare, &pl->spare_cap, e) ||
        next_region(pl->c->in, pl->region_bytes, &text, e))
        return e->code;
    if (pl->region_bytes < REGION_BYTES)
        pl->region_bytes *= 2;
    *end = text.p == text.end;
    return *end ? 0 : publish(pl, text, first, e);
}

static void pipeline_free(pipeline *pl)
{
    for (int i = 0; i < 2; i++) {
        for (size_t k = 0; k < pl->r[i].cap; k++)
            if (!pl->r[i].pieces[k].in_arena)
                free(pl->r[i].pieces[k].rows);
        free(pl->r[i].pieces);
        free(pl->r[i].arena);
    }
    free(pl->spare);
    pthread_cond_destroy(&pl->more);
    pthread_mutex_destroy(&pl->lock);
}

/* Parses text (whole lines from line number `line`) and every region after
 * it.  Numeric tables read ahead one region, and a worker parses beside
 * this thread; tables with strings are read region by region. */
static int parse_regions(csv *c, output *out, span text, uint64_t line, double density,
                         dl_err *e)
{
    pipeline pl;
    memset(&pl, 0, sizeof pl);
    pl.c = c;
    pl.density = density;
    pl.region_bytes = 2 * FIRST_REGION;
    pthread_mutex_init(&pl.lock, NULL);
    pthread_cond_init(&pl.more, NULL);
    pthread_t worker;
    int threaded = !c->serial && sig_thread_create(&worker, piece_worker, &pl) == 0;
    int rc = publish(&pl, text, line, e), end = 0;
    while (!rc) {
        dl_err read_err;
        int read_rc = 0, ahead = !c->serial && !end;
        if (ahead)
            read_rc = read_next(&pl, 0, &end, &read_err);
        finish_region(&pl);
        rc = write_region(&pl, out, &line, e);
        if (!rc && read_rc) {
            *e = read_err;
            rc = read_rc;
        }
        if (!rc && !ahead && !end)
            rc = read_next(&pl, line, &end, e);
        if (!rc && pl.pending == 0)
            break;
    }
    if (threaded) {
        pthread_mutex_lock(&pl.lock);
        pl.stop = 1;
        pthread_cond_broadcast(&pl.more);
        pthread_mutex_unlock(&pl.lock);
        pthread_join(worker, NULL);
    }
    pipeline_free(&pl);
    return rc;
}

/* The first data line is parsed alone, by this thread: it decides which
 * columns hold numbers, and so whether the rest is parsed in parallel. */
static int parse_all(csv *c, output *out, uint64_t line, dl_err *e)
{
    while (!out->open) {
        span text = {NULL, NULL}; /* empty, as at the end of the input, until read */
        if (next_region(c->in, FIRST_REGION, &text, e))
            return e->code;
        if (text.p == text.end)
            return 0;
        job first;
        memset(&first, 0, sizeof first);
        first.c = c;
        first.text = first_content_line(text);
        first.first = line;
        parse_region(&first);
        int rc = first.rc;
        if (rc)
            *e = first.err;
        else if (first.len)
            rc = start_output(c, out, e) || feed(&out->sink, &first, e);
        free(first.rows);
        if (rc)
            return e->code;
        line += first.lines;
        if (out->open) {
            double density = (double)c->row_bytes / (double)(first.text.end - first.text.p);
            return parse_regions(c, out, (span){first.text.end, text.end}, line, density, e);
        }
    }
    return 0;
}

/* ------------------------- codes of strings ------------------------- */

typedef struct ranked {
    const char *text;
    size_t first; /* provisional code: order first seen */
} ranked;

static int by_bytes(const void *a, const void *b)
{
    return strcmp(((const ranked *)a)->text, ((const ranked *)b)->text);
}

/* A column of strings that has any: a --categorical column may hold
 * missing cells alone. */
static int has_levels(const csv *c, uint64_t j)
{
    return c->kind[j] == KIND_STRING && c->lv[j].count > 0;
}

/* For each string column: its levels sorted and, per provisional code, the
 * final one. */
typedef struct final_codes {
    char ***sorted;   /* per column, NULL for numeric ones */
    double **code;    /* per column: provisional -> final */
} final_codes;

static void final_free(final_codes *f, uint64_t cols)
{
    for (uint64_t j = 0; j < cols && f->sorted; j++) {
        free(f->sorted[j]);
        free(f->code[j]);
    }
    free(f->sorted);
    free(f->code);
}

static int sort_levels(csv *c, final_codes *f, dl_err *e)
{
    f->sorted = calloc((size_t)c->cols, sizeof *f->sorted);
    f->code = calloc((size_t)c->cols, sizeof *f->code);
    if (!f->sorted || !f->code)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    for (uint64_t j = 0; j < c->cols; j++) {
        levels *lv = &c->lv[j];
        if (!has_levels(c, j))
            continue;
        ranked *r = malloc(lv->count * sizeof *r);
        f->sorted[j] = malloc(lv->count * sizeof *f->sorted[j]);
        f->code[j] = malloc(lv->count * sizeof *f->code[j]);
        if (!r || !f->sorted[j] || !f->code[j]) {
            free(r);
            return dl_fail(e, DL_ENOMEM, "%s: out of memory sorting %zu strings", c->in->label,
                           lv->count);
        }
        for (size_t i = 0; i < lv->count; i++)
            r[i] = (ranked){lv->text[i], i};
        qsort(r, lv->count, sizeof *r, by_bytes);
        for (size_t i = 0; i < lv->count; i++) {
            f->sorted[j][i] = (char *)r[i].text;
            f->code[j][r[i].first] = (double)i;
        }
        free(r);
    }
    return 0;
}

/* NAME.categories for the string columns among src[0..n). */
static int write_categories(csv *c, output *out, const final_codes *f, const char *rec,
                            const uint64_t *src, uint64_t n, dl_err *e)
{
    cm_column *cols = calloc((size_t)n + 1, sizeof *cols);
    if (!cols)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    size_t count = 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t j = src ? src[k] : k;
        if (has_levels(c, j))
            cols[count++] = (cm_column){k, c->lv[j].count, f->sorted[j]};
    }
    char name[DL_NAME_MAX + 1];
    dl_tensor t = {0};
    int rc = count && (cm_meta_name(name, rec, CM_CATEGORIES_SUFFIX, e) ||
                       cm_categories_make(cols, count, n, name, &t, e) ||
                       st_write(out->w, &t, e));
    free(cols);
    dl_tensor_free(&t);
    return rc ? dl_err_wrap(e, "%s", c->in->label) : 0;
}

/* A --rank 1 row of strings is refused: each would be a level of a column
 * of its own, and one record has one list of levels per column. */
static int row_of_strings(const csv *c, const output *out, dl_err *e)
{
    const uint64_t *src = x_src(out);
    for (uint64_t k = 0; one_row_vector(c, out) && k < out->rt.route.xcols; k++)
        if (has_levels(c, src ? src[k] : k))
            return dl_fail(e, DL_EDATA, "%s: --rank 1 of one row takes numbers: its strings "
                           "would each be a level of a column of its own (a column of strings "
                           "takes --rank 1)", c->in->label);
    return 0;
}

/* Rewrites a chunk's provisional codes with the final ones. */
static void recode(const csv *c, const final_codes *f, dl_tensor *t, const uint64_t *src,
                   uint64_t n)
{
    /* n columns: [rows, n], or a --rank 1 column [rows] */
    uint64_t rows = n ? dl_tensor_nelem(t) / n : 0;
    for (uint64_t k = 0; k < n; k++) {
        uint64_t j = src ? src[k] : k;
        if (!has_levels(c, j))
            continue;
        for (uint64_t i = 0; i < rows; i++) {
            if (t->dtype == DL_F32) {
                float *v = (float *)t->data + i * n + k;
                if (!isnan(*v))
                    *v = (float)f->code[j][(size_t)*v];
            } else {
                double *v = (double *)t->data + i * n + k;
                if (!isnan(*v))
                    *v = f->code[j][(size_t)*v];
            }
        }
    }
}

/* A number written with a decimal comma ("1,5") or comma thousands
 * separators ("1,299.00"). */
static int comma_number(const char *s)
{
    return nt_decimal_comma(s, s + strlen(s)) || nt_thousands(s, s + strlen(s));
}

/* A column of strings that all are numbers written with commas holds
 * numbers, not categories: it is refused at its first cell, as a numeric
 * column refuses such a cell, unless --categorical says it holds labels. */
static int comma_numbers(const csv *c, dl_err *e)
{
    for (uint64_t j = 0; j < c->cols; j++) {
        const levels *lv = &c->lv[j];
        if (c->kind[j] != KIND_STRING || (c->categorical && c->categorical[j]))
            continue;
        size_t i = 0;
        while (i < lv->count && comma_number(lv->text[i]))
            i++;
        if (i < lv->count)
            continue;
        job jb = {.c = c, .line = c->kind_line[j]};
        bad_cell(&jb, j, (span){lv->text[0], lv->text[0] + strlen(lv->text[0])}, NT_SYNTAX);
        *e = jb.err;
        return e->code;
    }
    return 0;
}

/* The temporary's records to the output, codes final, after the metadata. */
static int copy_spool(csv *c, output *out, dl_err *e)
{
    final_codes f = {0};
    uint64_t *plain = calloc((size_t)out->rt.route.ycols + 1, sizeof *plain);
    const uint64_t *ysrc = plain ? y_src(out, plain) : NULL;
    st_reader *r = NULL;
    dl_str label = {0};
    spool_label(c, &label);
    int rc = plain ? 0 : dl_fail(e, DL_ENOMEM, "%s: out of memory", c->in->label);
    if (!rc && lseek(out->spool_fd, 0, SEEK_SET) != 0)
        rc = dl_fail_errno(e, "%s", dl_str_text(&label));
    if (!rc)
        rc = row_of_strings(c, out, e) || comma_numbers(c, e) || sort_levels(c, &f, e) ||
             write_all_names(c, out, e) ||
             write_categories(c, out, &f, out->xname, x_src(out), out->rt.route.xcols, e) ||
             write_categories(c, out, &f, "y", ysrc, out->rt.route.ycols, e) ||
             st_reader_from_fd(&r, out->spool_fd, dl_str_text(&label), e);
    for (int found = 1; !rc && found;) {
        dl_tensor t;
        if ((rc = st_read(r, &t, &found, e)) != 0 || !found)
            break;
        if (strcmp(t.name, out->xname) == 0)
            recode(c, &f, &t, x_src(out), out->rt.route.xcols);
        else if (strcmp(t.name, "y") == 0)
            recode(c, &f, &t, ysrc, out->rt.route.ycols);
        rc = st_write(out->w, &t, e);
        dl_tensor_free(&t);
    }
    st_reader_close(r);
    dl_str_free(&label);
    free(plain);
    final_free(&f, c->cols);
    return rc ? e->code : 0;
}

static int finish_output(csv *c, output *out, dl_err *e)
{
    if (tx_sink_finish(&out->sink, c->in->label, e))
        return e->code;
    if (!out->spool)
        return 0;
    st_writer *spool = out->spool;
    out->spool = NULL;
    return st_writer_close(spool, e) || copy_spool(c, out, e) ? e->code : 0;
}

static void csv_free(csv *c, output *out)
{
    if (out->open)
        tx_sink_free(&out->sink);
    st_writer_abort(out->spool);
    if (out->spool_fd >= 0)
        close(out->spool_fd);
    free(out->rt.src);
    if (c->names && c->names != c->names_list.item) { /* the header's */
        for (uint64_t j = 0; j < c->cols; j++)
            free(c->names[j]);
        free(c->names);
    }
    tx_list_free(&c->names_list);
    tx_list_free(&c->missing_list);
    free(c->missing);
    for (uint64_t j = 0; c->lv && j < c->cols; j++) {
        for (size_t i = 0; i < c->lv[j].count; i++)
            free(c->lv[j].text[i]);
        free(c->lv[j].text);
        dl_names_free(&c->lv[j].index);
    }
    free(c->lv);
    free(c->kind);
    free(c->kind_line);
    free(c->categorical);
    free(c->scratch);
}

int tx_import_csv(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e)
{
    csv c;
    memset(&c, 0, sizeof c);
    c.in = in;
    c.o = o;
    c.weight_col = -1;
    c.serial = 1; /* until the first data line is parsed */
    c.dtype = o->dtype ? o->dtype : DL_F64;
    if (c.dtype != DL_F32 && c.dtype != DL_F64)
        return dl_fail(e, DL_EUSAGE, "text import makes f32 or f64, not %s",
                       dl_dtype_name(c.dtype));
    output out;
    memset(&out, 0, sizeof out);
    out.w = w;
    out.spool_fd = -1;
    out.xname = o->name ? o->name : "x";
    uint64_t line = 1;
    int rc = read_missing(&c, e) || read_head(&c, &line, e) ||
             (o->names && read_names_option(&c, e));
    if (!rc) {
        c.kind = calloc((size_t)c.cols, 1);
        c.kind_line = calloc((size_t)c.cols, sizeof *c.kind_line);
        c.lv = calloc((size_t)c.cols, sizeof *c.lv);
        if (!c.kind || !c.kind_line || !c.lv)
            rc = dl_fail(e, DL_ENOMEM, "%s: out of memory for %llu columns", in->label,
                         (unsigned long long)c.cols);
    }
    if (!rc && !(rc = plan_routes(&c, &out.rt, e))) {
        c.row_bytes = (size_t)c.cols * dl_dtype_size(c.dtype);
        rc = parse_all(&c, &out, line, e);
    }
    if (!rc && !out.open) /* a header alone */
        rc = tx_fail_no_rows(in->label, e);
    if (!rc)
        rc = finish_output(&c, &out, e);
    csv_free(&c, &out);
    return rc ? e->code : 0;
}
