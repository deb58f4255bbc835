/* export.c - stream to CSV/TSV (round-trip text, level names), svmlight or .npy. */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "colmeta.h"
#include "names.h"
#include "npy.h"
#include "numtext.h"
#include "outfile.h"
#include "textio.h"
#include "tty.h"
#include "worker.h"

void tx_export_defaults(tx_export_opts *o)
{
    memset(o, 0, sizeof *o);
    o->format = TX_CSV;
}

/* The output: standard output, or a temporary beside the file that is
 * renamed into place only when everything was written.  Text goes out as
 * the stream is read, yet some faults show only at its end (records side by
 * side that disagree in rows, a bad code in the last chunk): text for
 * standard output or a file written in place (a device, /dev/stdout) is
 * held in an unlinked temporary and copied out once whole, so a pipe never
 * gets rows followed by an error. */
typedef struct out_file {
    FILE *f;         /* where the rows go: dest, or the held-back copy */
    FILE *dest;
    dl_outfile file; /* -o FILE; unused (path NULL) for standard output */
    const char *label;
} out_file;

static int out_hold(out_file *o, dl_err *e)
{
    int fd;
    if (dl_outfile_temp(&fd, "the text held back until it is whole", e))
        return e->code;
    if (!(o->f = fdopen(fd, "w+"))) {
        close(fd);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory", o->label);
    }
    return 0;
}

static void out_abort(out_file *o)
{
    if (o->f && o->f != o->dest)
        fclose(o->f);
    if (o->file.path)
        dl_outfile_fclose(&o->file, o->dest, 0, NULL);
}

static int refuse_terminal(int fd, const char *label, dl_err *e)
{
    return dl_tty_refuse_output(fd, label, ".npy", "redirect it (> FILE), pipe it, or use -o "
                                "FILE (--format csv gives text)", e);
}

static int out_open(out_file *o, const char *path, int binary, dl_err *e)
{
    memset(o, 0, sizeof *o);
    if (!path || strcmp(path, "-") == 0) {
        o->label = "standard output";
        if ((binary && refuse_terminal(STDOUT_FILENO, o->label, e)) ||
            dl_outfile_check_fd(STDOUT_FILENO, o->label, e))
            return e->code;
        o->f = o->dest = stdout;
    } else {
        o->label = path;
        if (dl_outfile_fopen(&o->file, path, &o->dest, e))
            return e->code;
        o->f = o->dest;
        if (binary && refuse_terminal(fileno(o->dest), path, e)) { /* /dev/stdout, /dev/tty */
            out_abort(o);
            return e->code;
        }
    }
    /* .npy is checked whole before its first byte; a temporary is whole when renamed */
    if (binary || o->file.final)
        return 0;
    if (out_hold(o, e)) {
        o->f = NULL;
        out_abort(o);
        return e->code;
    }
    return 0;
}

/* The held-back text, whole, to its destination. */
static int out_release(out_file *o, dl_err *e)
{
    if (fflush(o->f) != 0 || ferror(o->f) || fseek(o->f, 0, SEEK_SET) != 0)
        return dl_fail_errno(e, "%s: the text held back until it is whole: write failed",
                             o->label);
    char buf[1 << 16];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, o->f)) > 0)
        if (fwrite(buf, 1, n, o->dest) != n)
            return dl_fail_errno(e, "%s: write failed", o->label);
    if (ferror(o->f))
        return dl_fail_errno(e, "%s: the text held back until it is whole: read failed",
                             o->label);
    return 0;
}

static int out_commit(out_file *o, dl_err *e)
{
    if (o->f != o->dest) {
        int rc = out_release(o, e);
        fclose(o->f);
        o->f = o->dest;
        if (rc) {
            out_abort(o);
            return rc;
        }
    }
    if (o->file.path)
        return dl_outfile_fclose(&o->file, o->dest, 1, e);
    if (fflush(o->dest) != 0 || ferror(o->dest))
        return dl_fail_errno(e, "%s: write failed", o->label);
    return 0;
}

/* ------------------------- what gets exported ------------------------- */
typedef struct table {
    dl_tensor *part[TX_EXPORT_NAMES_MAX]; /* x then y, or the named records */
    int nparts;
    uint64_t rows, cols[TX_EXPORT_NAMES_MAX];
} table;

static uint64_t rows_of(const dl_tensor *t) { return t->rank == 0 ? 1 : t->shape[0]; }

static int rows_disagree(const char *label, const char *a, uint64_t ra, const char *b,
                         uint64_t rb, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: '%s' has %llu row%s but '%s' has %llu: records side by "
                   "side must have as many rows", label, a, (unsigned long long)ra,
                   dl_plural((unsigned long long)ra), b, (unsigned long long)rb);
}

static int pick(dl_tensor_set *set, const tx_export_opts *o, const char *label, table *tb,
                dl_err *e)
{
    memset(tb, 0, sizeof *tb);
    if (set->count == 0)
        return st_fail_empty(label, e);
    if (o->nnames) {
        for (size_t i = 0; i < o->nnames; i++) {
            tb->part[i] = dl_set_find(set, o->names[i]);
            if (!tb->part[i])
                return dl_fail(e, DL_EDATA, "%s: no record named '%s'", label, o->names[i]);
        }
        tb->nparts = (int)o->nnames;
    } else {
        const char *names[2] = {"x", "y"};
        for (int i = 0; i < 2; i++)
            if ((tb->part[tb->nparts] = dl_set_find(set, names[i])) != NULL)
                tb->nparts++;
        if (tb->nparts == 0)
            return dl_fail(e, DL_EDATA, "%s: no 'x' or 'y' record (use --name NAME)", label);
    }
    tb->rows = rows_of(tb->part[0]);
    for (int i = 0; i < tb->nparts; i++) {
        tb->cols[i] = dl_tensor_row_size(tb->part[i]);
        if (rows_of(tb->part[i]) != tb->rows)
            return rows_disagree(label, tb->part[0]->name, tb->rows, tb->part[i]->name,
                                 rows_of(tb->part[i]), e);
    }
    return 0;
}

/* ------------------------------- text -------------------------------- */
static int format_elem(const dl_tensor *t, uint64_t i, char *buf)
{
    switch (t->dtype) {
    case DL_F64: return nt_format_f64(((const double *)t->data)[i], buf);
    case DL_F32: return nt_format_f32(((const float *)t->data)[i], buf);
    case DL_I32: return snprintf(buf, NT_BUF, "%" PRId32, ((const int32_t *)t->data)[i]);
    case DL_I64: return snprintf(buf, NT_BUF, "%" PRId64, ((const int64_t *)t->data)[i]);
    default: return snprintf(buf, NT_BUF, "%u", (unsigned)((const uint8_t *)t->data)[i]);
    }
}

/* Text is written as it arrives: each column group (x and y, or the named
 * record) queues its chunks, and rows go out as soon as every group has
 * them.  A stream that holds x alone is only known to at its end, so its x
 * waits in memory until then; x and y written alternately (as import does)
 * need only a chunk or two.  A group's names and categories (colmeta.h)
 * come before its first chunk, as writers put them. */
typedef struct part {
    const char *name;
    dl_tensor *chunks;      /* not yet written, oldest at `first` */
    size_t first, count, cap;
    uint64_t offset;        /* rows of chunks[first] already written */
    uint64_t pending, total, cols, written;
    int seen;
    dl_tensor meta[2];      /* NAME.names and NAME.categories as read */
    int parsed;             /* meta parsed into names, cats and catcol */
    cm_names names;
    cm_categories cats;
    const cm_column **catcol; /* per column: its categories, or NULL */
} part;

static int part_push(part *p, dl_tensor *t, const char *label, dl_err *e)
{
    uint64_t cols = dl_tensor_row_size(t), rows = rows_of(t);
    if (p->seen && cols != p->cols) {
        dl_tensor_free(t);
        return dl_fail(e, DL_EDATA, "%s: a '%s' record has rows of %llu values, earlier ones %llu",
                       label, p->name, (unsigned long long)cols, (unsigned long long)p->cols);
    }
    p->seen = 1;
    p->cols = cols;
    if (rows == 0) {
        dl_tensor_free(t);
        return 0;
    }
    if (p->first > 0) { /* drop the slots of written chunks */
        memmove(p->chunks, p->chunks + p->first, (p->count - p->first) * sizeof *p->chunks);
        p->count -= p->first;
        p->first = 0;
    }
    if (dl_vec_reserve(&p->chunks, &p->cap, p->count + 1, sizeof *p->chunks, e)) {
        dl_tensor_free(t);
        return dl_err_wrap(e, "%s", label);
    }
    p->chunks[p->count++] = *t;
    t->data = NULL;
    p->pending += rows;
    p->total += rows;
    return 0;
}

/* t is NAME.names or NAME.categories of part p (which = 0 or 1), record
 * `record` of the stream: kept until the rows are written; a repeat must be
 * identical. */
static int part_meta(part *p, int which, dl_tensor *t, const char *label, uint64_t record,
                     dl_err *e)
{
    int rc = 0;
    if (p->meta[which].name[0])
        rc = cm_meta_repeat(&p->meta[which], t, e);
    else if (p->parsed)
        rc = dl_fail(e, DL_EDATA, "'%s' comes after rows of '%s' (it must come before them)",
                     t->name, p->name);
    else {
        p->meta[which] = *t;
        t->data = NULL;
    }
    dl_tensor_free(t);
    return rc ? dl_err_wrap(e, "%s: record %llu", label, (unsigned long long)record) : 0;
}

/* Before the first row: the names and categories for p->cols columns. */
static int part_parse_meta(part *p, const char *label, dl_err *e)
{
    if (p->parsed)
        return 0;
    p->parsed = 1;
    if ((p->meta[0].name[0] && cm_names_parse(&p->names, &p->meta[0], p->cols, e)) ||
        (p->meta[1].name[0] && cm_categories_parse(&p->cats, &p->meta[1], p->cols, e)))
        return dl_err_wrap(e, "%s", label);
    if (p->cats.count) {
        p->catcol = calloc((size_t)p->cols, sizeof *p->catcol);
        if (!p->catcol)
            return dl_fail(e, DL_ENOMEM, "%s: out of memory", label);
        for (size_t k = 0; k < p->cats.count; k++)
            p->catcol[p->cats.column[k].col] = &p->cats.column[k];
    }
    return 0;
}

static void part_free(part *p)
{
    for (size_t i = p->first; i < p->count; i++)
        dl_tensor_free(&p->chunks[i]);
    free(p->chunks);
    dl_tensor_free(&p->meta[0]);
    dl_tensor_free(&p->meta[1]);
    cm_names_free(&p->names);
    cm_categories_free(&p->cats);
    free(p->catcol);
}

/* Text of a name, level or missing cell, quoted as RFC 4180 says when it
 * holds the delimiter, a quote or outer blanks, or any delimiter the
 * reader might detect from the first line (a tab, ';', ','); and "" for an
 * empty text between blanks, which the reader takes as one separator, or
 * alone on its line (the only column), which the reader skips as blank. */
static void write_text(FILE *f, const char *s, char delim, int alone)
{
    size_t n = strlen(s);
    int quote = strchr(s, delim) || strpbrk(s, "\t;,\"") ||
                (n && (s[0] == ' ' || s[n - 1] == ' ' || s[0] == '#')) ||
                (!n && (delim == ' ' || alone));
    if (!quote) {
        fwrite(s, 1, n, f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

/* A categorical cell: its level, or the missing text for NaN; `alone` when
 * it is the whole line. */
static int write_level(FILE *f, const part *p, const cm_column *k, double v, uint64_t j,
                       const tx_export_opts *o, char delim, int alone, dl_err *e)
{
    if (isnan(v)) {
        const char *missing = o->missing ? o->missing : "";
        if (cm_column_code(k, missing, strlen(missing)) >= 0) /* it would read back as the level */
            return dl_fail(e, DL_EDATA, "'%s': row %llu, column %llu%s: a missing cell would be "
                           "written '%s', which is also a level of the column (--missing gives "
                           "another text)", p->name, (unsigned long long)p->written + 1,
                           (unsigned long long)j + 1, cm_col_name(&p->names, j).text, missing);
        write_text(f, missing, delim, alone);
        return 0;
    }
    const char *level = cm_column_level(k, v);
    if (!level) {
        char buf[NT_BUF];
        nt_format_f64(v, buf);
        return dl_fail(e, DL_EDATA, "'%s': row %llu, column %llu%s: %s is not a code of the "
                       "column's %llu categor%s (0 to %llu)", p->name,
                       (unsigned long long)p->written + 1, (unsigned long long)j + 1,
                       cm_col_name(&p->names, j).text, buf,
                       (unsigned long long)k->count, k->count == 1 ? "y" : "ies",
                       (unsigned long long)k->count - 1);
    }
    write_text(f, level, delim, 0);
    return 0;
}

static void part_next_row(part *p)
{
    p->pending--;
    p->written++;
    if (++p->offset == rows_of(&p->chunks[p->first])) {
        dl_tensor_free(&p->chunks[p->first]);
        p->first++;
        p->offset = 0;
    }
}

/* Writes the next row's values of p (after a delimiter unless first: no
 * cell came before on the line; `alone` when p's one cell is the line). */
static int part_write_row(FILE *f, part *p, const tx_export_opts *o, char delim, int first,
                          int alone, dl_err *e)
{
    const dl_tensor *t = &p->chunks[p->first];
    char buf[NT_BUF];
    for (uint64_t j = 0; j < p->cols; j++) {
        if (!first || j)
            fputc(delim, f);
        uint64_t i = p->offset * p->cols + j;
        if (p->catcol && p->catcol[j]) {
            if (write_level(f, p, p->catcol[j], dl_tensor_get(t, i), j, o, delim, alone, e))
                return e->code;
            continue;
        }
        int n = format_elem(t, i, buf);
        fwrite(buf, 1, (size_t)n, f);
    }
    part_next_row(p);
    return 0;
}

/* One svmlight line: the label (y's one column), then x's nonzeros as
 * index:value, indices from 0 (scikit-learn's dump_svmlight_file) or 1.
 * The format has no missing cell: a NaN label or feature is refused (a
 * label written 'nan' would be refused by the reader instead). */
static int svm_write_row(FILE *f, part *parts, const tx_export_opts *o, dl_err *e)
{
    part *x = &parts[0], *y = &parts[1];
    const dl_tensor *xt = &x->chunks[x->first], *yt = &y->chunks[y->first];
    char buf[NT_BUF];
    if (isnan(dl_tensor_get(yt, y->offset))) {
        cm_fail_cell(&y->names, y->written, 0, "missing label (svmlight has no missing cells)",
                     e);
        return dl_err_wrap(e, "'%s'", y->name);
    }
    int n = format_elem(yt, y->offset, buf);
    fwrite(buf, 1, (size_t)n, f);
    for (uint64_t j = 0; j < x->cols; j++) {
        uint64_t i = x->offset * x->cols + j;
        double v = dl_tensor_get(xt, i);
        if (isnan(v)) {
            cm_fail_missing(&x->names, x->written, j, e);
            return dl_err_wrap(e, "'%s'", x->name);
        }
        if (v == 0)
            continue;
        n = format_elem(xt, i, buf);
        fprintf(f, " %llu:", (unsigned long long)j + (o->one_based ? 1 : 0));
        fwrite(buf, 1, (size_t)n, f);
    }
    fputc('\n', f);
    part_next_row(x);
    part_next_row(y);
    return 0;
}

/* The header's cells, one per column of every part in order. */
typedef struct header {
    char **cell;
    size_t count;
} header;

static void header_free(header *h)
{
    for (size_t i = 0; i < h->count; i++)
        free(h->cell[i]);
    free(h->cell);
}

static const char *header_at(const void *cells, size_t pos)
{
    return ((char *const *)cells)[pos];
}

/* Column j of p: its name, else PARTj; "PART." before it when qualified. */
static int header_cell(const part *p, uint64_t j, int qualified, char **out, dl_err *e)
{
    dl_str b = {0};
    const char *name = cm_names_at(&p->names, j);
    if (qualified)
        dl_str_printf(&b, "%s.", p->name);
    if (name)
        dl_str_printf(&b, "%s", name);
    else
        dl_str_printf(&b, "%s%llu", p->name, (unsigned long long)j);
    size_t len;
    return dl_str_take(&b, out, &len, e);
}

/* *pos: the earlier cell of h with cell i's name, else SIZE_MAX, and cell
 * i indexed for the cells after it. */
static int header_seen(dl_name_index *ix, const header *h, size_t i, size_t *pos, dl_err *e)
{
    *pos = dl_names_find(ix, h->cell[i], h->cell, header_at);
    return *pos == SIZE_MAX && dl_names_add(ix, h->cell[i], i, e) ? e->code : 0;
}

/* Each column's name, else PARTj.  A name two parts share is qualified by
 * its part, "y.species" beside "yhat.species" (truth and prediction side by
 * side), so that the header reads back: import refuses a name twice, and
 * a name still twice is refused here. */
static int make_header(const part *parts, int nparts, header *h, const char *label, dl_err *e)
{
    size_t n = 0, i = 0, pos;
    for (int k = 0; k < nparts; k++)
        n += (size_t)parts[k].cols;
    unsigned char *twice = NULL;
    dl_name_index ix;
    dl_names_init(&ix);
    int rc = dl_mem_array(&h->cell, n, sizeof *h->cell, "header cells", e) ||
                     dl_mem_array(&twice, n, 1, "header cells", e)
                 ? e->code
                 : 0;
    for (int k = 0; k < nparts && !rc; k++)
        for (uint64_t j = 0; j < parts[k].cols && !rc; j++, i++) {
            h->count = i;
            if (!(rc = header_cell(&parts[k], j, 0, &h->cell[i], e)))
                h->count = i + 1;
            if (!rc && !(rc = header_seen(&ix, h, i, &pos, e)) && pos != SIZE_MAX)
                twice[pos] = twice[i] = 1;
        }
    dl_names_clear(&ix);
    i = 0;
    for (int k = 0; k < nparts && !rc; k++)
        for (uint64_t j = 0; j < parts[k].cols && !rc; j++, i++) {
            if (twice[i]) {
                free(h->cell[i]);
                h->cell[i] = NULL;
                rc = header_cell(&parts[k], j, 1, &h->cell[i], e);
            }
            if (!rc && !(rc = header_seen(&ix, h, i, &pos, e)) && pos != SIZE_MAX)
                rc = dl_fail(e, DL_EDATA, "%s: --header: two columns would be named '%s' (a "
                             "header reads back only with names that differ)", label, h->cell[i]);
        }
    dl_names_free(&ix);
    free(twice);
    return rc;
}

/* A header whose every cell is a number (as import reads a cell: nan and
 * inf too) is refused: import takes a first line of numbers for data, as
 * any reader must, so it would come back as one row more, silently. */
static int header_not_data(const header *h, const char *label, dl_err *e)
{
    double v;
    for (size_t i = 0; i < h->count; i++)
        if (nt_parse_f64(h->cell[i], h->cell[i] + strlen(h->cell[i]), &v) == NT_SYNTAX)
            return 0;
    if (h->count == 0)
        return 0;
    dl_str shown = {0};
    dl_names_show(&shown, (const char *const *)h->cell, h->count);
    int rc = dl_fail(e, DL_EDATA, "%s: --header: every column name is a number (%s): import "
                     "would read the header as a row of data (export without --header, and "
                     "name the columns with import --names)", label, dl_str_text(&shown));
    dl_str_free(&shown);
    return rc;
}

/* A delimiter goes between cells: a part of no columns adds none. */
static int write_header(FILE *f, const part *parts, int nparts, char delim, const char *label,
                        dl_err *e)
{
    header h = {0};
    int rc = make_header(parts, nparts, &h, label, e) || header_not_data(&h, label, e)
                 ? e->code
                 : 0;
    for (size_t i = 0; i < h.count && !rc; i++) {
        if (i)
            fputc(delim, f);
        write_text(f, h.cell[i], delim, 0);
    }
    if (!rc)
        fputc('\n', f);
    header_free(&h);
    return rc;
}

typedef struct text_out {
    FILE *f;
    const tx_export_opts *o;
    char delim;
    int header_due;
    const char *label;
    wk_worker *worker;      /* formats every other block of rows (write_blocks) */
    int worker_tried;
} text_out;

/* ---------------------- numeric rows, in blocks ----------------------- */
/* Rows whose every column is a number are formatted a block at a time into
 * memory, every other block on a worker thread (formatting is most of an
 * export's time), and the blocks written in order: the same text as
 * part_write_row's. */
enum { BLOCK_BYTES = 1 << 18 };

/* A part's row: its chunk (an index into chunks, which write_ready does not
 * move) and the row in it. */
typedef struct row_at {
    size_t chunk;
    uint64_t row;
} row_at;

typedef struct text_block {
    const part *parts;
    int nparts;
    char delim;
    row_at at[TX_EXPORT_NAMES_MAX]; /* each part's first row of the block */
    uint64_t rows;
    char *buf; /* room for rows of at most row_bytes each */
    size_t len;
} text_block;

static int all_numeric(const part *parts, int nparts)
{
    for (int k = 0; k < nparts; k++)
        for (uint64_t j = 0; parts[k].catcol && j < parts[k].cols; j++)
            if (parts[k].catcol[j])
                return 0;
    return 1;
}

static void row_advance(const part *p, row_at *at, uint64_t n)
{
    while (n) {
        uint64_t left = rows_of(&p->chunks[at->chunk]) - at->row;
        if (n < left) {
            at->row += n;
            return;
        }
        n -= left;
        at->chunk++;
        at->row = 0;
    }
}

static void format_block(void *arg)
{
    text_block *b = arg;
    char *out = b->buf;
    row_at at[TX_EXPORT_NAMES_MAX];
    memcpy(at, b->at, (size_t)b->nparts * sizeof *at);
    for (uint64_t r = 0; r < b->rows; r++) {
        uint64_t cells = 0;
        for (int k = 0; k < b->nparts; k++) {
            const part *p = &b->parts[k];
            const dl_tensor *t = &p->chunks[at[k].chunk];
            for (uint64_t j = 0; j < p->cols; j++) {
                if (cells++)
                    *out++ = b->delim;
                out += format_elem(t, at[k].row * p->cols + j, out);
            }
            row_advance(p, &at[k], 1);
        }
        *out++ = '\n';
    }
    b->len = (size_t)(out - b->buf);
}

/* n rows of parts, all of them numbers, two blocks at a time. */
static int write_blocks(text_out *to, part *parts, int nparts, uint64_t n, dl_err *e)
{
    size_t row_bytes = 1; /* each cell at most NT_BUF - 1 bytes and a delimiter */
    for (int k = 0; k < nparts; k++)
        row_bytes += (size_t)parts[k].cols * NT_BUF;
    uint64_t per_block = BLOCK_BYTES / row_bytes ? BLOCK_BYTES / row_bytes : 1;
    if (per_block > n)
        per_block = n;
    text_block b[2];
    memset(b, 0, sizeof b);
    for (int i = 0; i < 2; i++) {
        b[i].parts = parts;
        b[i].nparts = nparts;
        b[i].delim = to->delim;
        b[i].buf = malloc((size_t)per_block * row_bytes);
    }
    if (!b[0].buf || !b[1].buf) {
        free(b[0].buf);
        free(b[1].buf);
        return dl_fail(e, DL_ENOMEM, "%s: out of memory for %llu rows of text", to->label,
                       (unsigned long long)per_block);
    }
    /* NULL: no worker, the blocks are formatted here alone */
    wk_worker *w = n > per_block ? wk_start_once(&to->worker, &to->worker_tried) : NULL;
    row_at at[TX_EXPORT_NAMES_MAX];
    for (int k = 0; k < nparts; k++)
        at[k] = (row_at){parts[k].first, parts[k].offset};
    for (uint64_t done = 0; done < n;) {
        for (int i = 0; i < 2; i++) {
            b[i].rows = n - done < per_block ? n - done : per_block;
            memcpy(b[i].at, at, (size_t)nparts * sizeof *at);
            for (int k = 0; k < nparts; k++)
                row_advance(&parts[k], &at[k], b[i].rows);
            done += b[i].rows;
        }
        if (w && b[1].rows) {
            wk_run(w, format_block, &b[1]);
            format_block(&b[0]);
            wk_wait(w);
        } else {
            format_block(&b[0]);
            format_block(&b[1]);
        }
        fwrite(b[0].buf, 1, b[0].len, to->f);
        fwrite(b[1].buf, 1, b[1].len, to->f);
    }
    free(b[0].buf);
    free(b[1].buf);
    for (int k = 0; k < nparts; k++)
        for (uint64_t i = 0; i < n; i++)
            part_next_row(&parts[k]);
    return 0;
}

static int svm_check(const part *parts, int nparts, const char *label, dl_err *e)
{
    if (nparts != 2)
        return dl_fail(e, DL_EDATA, "%s: svmlight needs x and its labels y (--name does not "
                       "apply)", label);
    if (parts[1].cols != 1)
        return dl_fail(e, DL_EDATA, "%s: svmlight holds one label per row, but 'y' has %llu "
                       "columns", label, (unsigned long long)parts[1].cols);
    return 0;
}

/* Writes the rows every part has; the header first, once, if asked. */
static int write_ready(text_out *to, part *parts, int nparts, dl_err *e)
{
    uint64_t n = parts[0].pending;
    for (int k = 1; k < nparts; k++)
        if (parts[k].pending < n)
            n = parts[k].pending;
    for (int k = 0; k < nparts; k++)
        if (part_parse_meta(&parts[k], to->label, e))
            return e->code;
    int svm = to->o->format == TX_SVMLIGHT;
    if (svm && svm_check(parts, nparts, to->label, e))
        return e->code;
    if (to->header_due && !svm) {
        if (write_header(to->f, parts, nparts, to->delim, to->label, e))
            return e->code;
        to->header_due = 0;
    }
    if (!svm && n > 1 && all_numeric(parts, nparts))
        return write_blocks(to, parts, nparts, n, e);
    uint64_t line_cols = 0;
    for (int k = 0; k < nparts; k++)
        line_cols += parts[k].cols;
    for (uint64_t i = 0; i < n; i++) {
        if (svm) {
            if (svm_write_row(to->f, parts, to->o, e))
                return dl_err_wrap(e, "%s", to->label);
            continue;
        }
        int first = 1;
        for (int k = 0; k < nparts; k++) {
            if (part_write_row(to->f, &parts[k], to->o, to->delim, first, line_cols == 1, e))
                return dl_err_wrap(e, "%s", to->label);
            first = first && parts[k].cols == 0;
        }
        fputc('\n', to->f);
    }
    return 0;
}


/* At the end: x or y alone is written alone; rows left over mean the
 * records side by side disagree. */
static int finish_text(text_out *to, part *parts, int nparts, int named, dl_err *e)
{
    const char *label = to->label;
    if (!named && parts[0].seen != parts[1].seen) {
        if (!parts[0].seen) {
            part t = parts[0];
            parts[0] = parts[1];
            parts[1] = t;
        }
        nparts = 1;
    }
    for (int k = 0; k < nparts; k++)
        if (!parts[k].seen)
            return named ? dl_fail(e, DL_EDATA, "%s: no record named '%s'", label, parts[k].name)
                         : dl_fail(e, DL_EDATA, "%s: no 'x' or 'y' record (use --name NAME)",
                                   label);
    if (write_ready(to, parts, nparts, e))
        return e->code;
    for (int k = 1; k < nparts; k++)
        if (parts[k].total != parts[0].total)
            return rows_disagree(label, parts[0].name, parts[0].total, parts[k].name,
                                 parts[k].total, e);
    return 0;
}

/* Which part a record belongs to: k for the rows of part k, 2 + 2 * k +
 * (0 names, 1 categories) for its metadata, -1 for none. */
static int record_role(const char *name, const part *parts, int nparts)
{
    for (int k = 0; k < nparts; k++)
        if (strcmp(name, parts[k].name) == 0)
            return k;
    for (int k = 0; k < nparts; k++) {
        size_t n = strlen(parts[k].name);
        if (strncmp(name, parts[k].name, n) == 0) {
            if (strcmp(name + n, CM_NAMES_SUFFIX) == 0)
                return nparts + 2 * k;
            if (strcmp(name + n, CM_CATEGORIES_SUFFIX) == 0)
                return nparts + 2 * k + 1;
        }
    }
    return -1;
}

/* A text record (u8, rank 1: a model, a design, column names) exported
 * alone is its text, not a column of byte codes. */
static int is_text(const dl_tensor *t) { return t->dtype == DL_U8 && t->rank == 1; }

/* The options that shape a table do nothing to a text record, written as
 * it is: refused (DL_EUSAGE), as --header is for .npy, rather than ignored.
 * Known only once the record is read, yet before any of it is written. */
static int refuse_table_options(const tx_export_opts *o, dl_err *e)
{
    const char *opt = o->header ? "--header" : o->delimiter ? "--delimiter"
                      : o->missing ? "--missing" : o->format == TX_TSV ? "--format tsv" : NULL;
    return opt ? dl_fail(e, DL_EUSAGE, "export: %s applies to tables, not a text record "
                         "(written as it is)", opt)
               : 0;
}

/* NULL when the n bytes of a text record may go to a terminal: UTF-8
 * without NUL bytes or control characters but tab and newline (a name's
 * rule, dl_name_fault, between them); else what is wrong with them. */
static const char *text_fault(const unsigned char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || s[i] == '\n' || s[i] == '\t') {
            const char *fault = dl_name_fault((const char *)s + start, i - start);
            if (fault)
                return fault;
            start = i + 1;
        }
    return NULL;
}

/* A text record's bytes are written as they are, but to a terminal only
 * when they are text: no binary to a terminal (DL_EUSAGE). */
static int refuse_binary_text(const out_file *out, const dl_tensor *t, dl_err *e)
{
    const char *fault;
    if (!isatty(fileno(out->dest)) ||
        !(fault = text_fault(t->data, (size_t)dl_tensor_nbytes(t))))
        return 0;
    char what[80];
    snprintf(what, sizeof what, "bytes that are not text (the record %s)", fault);
    return dl_tty_refuse_output(fileno(out->dest), out->label, what,
                                "redirect it (> FILE), pipe it, or use -o FILE", e);
}

static int stream_text(const char *in_path, const out_file *out, const tx_export_opts *o,
                       dl_err *e)
{
    FILE *f = out->f;
    char delim = o->delimiter ? o->delimiter : o->format == TX_TSV ? '\t' : ',';
    part parts[TX_EXPORT_NAMES_MAX] = {{.name = "x"}, {.name = "y"}};
    int named = o->nnames > 0, nparts = named ? (int)o->nnames : 2;
    int text = 0; /* the one named record is text, written as it comes */
    for (int k = 0; named && k < nparts; k++)
        parts[k].name = o->names[k];
    st_reader *r;
    if (st_reader_open(&r, in_path, e))
        return e->code;
    text_out to = {f, o, delim, o->header, st_reader_label(r), NULL, 0};
    const char *label = to.label;
    dl_tensor t, meta = {0}; /* a metadata record written as text: its first copy */
    int rc, found;
    while (!(rc = st_read(r, &t, &found, e)) && found) {
        int k = record_role(t.name, parts, nparts);
        /* a metadata record is one, not chunks (cat of two streams repeats it):
         * a copy must be its first */
        if (k == 0 && nparts == 1 && text && meta.name[0]) {
            rc = cm_meta_repeat(&meta, &t, e) ? dl_err_wrap(e, "%s: record %llu", label,
                                                            (unsigned long long)st_reader_records(r))
                                              : 0;
            dl_tensor_free(&t);
            if (rc)
                break;
            continue;
        }
        /* a later chunk is text too: the reader checks that chunks agree */
        if (k == 0 && nparts == 1 && (text || (!parts[0].seen && is_text(&t)))) {
            if ((!text && refuse_table_options(o, e)) || refuse_binary_text(out, &t, e)) {
                rc = dl_err_wrap(e, "%s: record %llu ('%s')", label,
                                 (unsigned long long)st_reader_records(r), t.name);
                dl_tensor_free(&t);
                break;
            }
            text = parts[0].seen = 1;
            size_t n = (size_t)dl_tensor_nbytes(&t);
            if (fwrite(t.data, 1, n, f) != n)
                rc = dl_fail_errno(e, "%s: write failed", label);
            if (cm_is_meta_name(t.name))
                meta = t;
            else
                dl_tensor_free(&t);
            if (rc)
                break;
            continue;
        }
        if (k < 0) {
            dl_tensor_free(&t);
            continue;
        }
        if (k >= nparts) {
            if ((rc = part_meta(&parts[(k - nparts) / 2], (k - nparts) % 2, &t, label,
                                st_reader_records(r), e)) != 0)
                break;
            continue;
        }
        if ((rc = part_push(&parts[k], &t, label, e)) != 0)
            break;
        int all = 1;
        for (int j = 0; j < nparts; j++)
            all &= parts[j].seen;
        if (all && (rc = write_ready(&to, parts, nparts, e)) != 0)
            break;
    }
    if (rc == 0 && st_reader_records(r) == 0)
        rc = st_fail_empty(label, e);
    if (rc == 0 && !text)
        rc = finish_text(&to, parts, nparts, named, e);
    for (int k = 0; k < nparts; k++)
        part_free(&parts[k]);
    dl_tensor_free(&meta);
    wk_stop(to.worker);
    st_reader_close(r);
    return rc ? e->code : 0;
}

/* -------------------------------- npy -------------------------------- */
static int write_npy(FILE *f, table *tb, const char *label, dl_err *e)
{
    if (tb->nparts == 1) {
        const dl_tensor *t = tb->part[0];
        if (npy_write_header(f, t->dtype, t->rank, t->shape, e))
            return dl_err_wrap(e, "%s", label);
        size_t n = (size_t)dl_tensor_nbytes(t);
        return fwrite(t->data, 1, n, f) == n ? 0 : dl_fail_errno(e, "%s: write failed", label);
    }
    /* the records side by side in one 2-D array, f64 unless all agree */
    int dtype = tb->part[0]->dtype;
    for (int k = 1; k < tb->nparts; k++)
        if (tb->part[k]->dtype != dtype)
            dtype = DL_F64;
    for (int k = 0; k < tb->nparts; k++)
        if (dl_tensor_convert(tb->part[k], dtype, e))
            return dl_err_wrap(e, "%s", label);
    size_t es = dl_dtype_size(dtype);
    uint64_t shape[2] = {tb->rows, 0};
    for (int k = 0; k < tb->nparts; k++)
        shape[1] += tb->cols[k];
    if (npy_write_header(f, dtype, 2, shape, e))
        return dl_err_wrap(e, "%s", label);
    for (uint64_t i = 0; i < tb->rows; i++)
        for (int k = 0; k < tb->nparts; k++) {
            size_t n = (size_t)tb->cols[k] * es;
            if (fwrite((const char *)tb->part[k]->data + i * n, 1, n, f) != n)
                return dl_fail_errno(e, "%s: write failed", label);
        }
    return 0;
}

int tx_export(const char *in_path, const char *out_path, const tx_export_opts *o, dl_err *e)
{
    out_file out;
    if (o->format != TX_NPY) {
        if (out_open(&out, out_path, 0, e))
            return e->code;
        if (stream_text(in_path, &out, o, e)) {
            out_abort(&out);
            return e->code;
        }
        return out_commit(&out, e);
    }
    /* .npy needs the shape before the data: the stream is read whole, after
     * the output is opened, as text's is, so that one that cannot be
     * written fails before the reading */
    if (out_open(&out, out_path, 1, e))
        return e->code;
    dl_tensor_set set;
    dl_set_init(&set);
    table tb;
    int rc = st_read_set(in_path, &set, e) || pick(&set, o, dl_err_label(in_path), &tb, e) ||
                     write_npy(out.f, &tb, out.label, e)
                 ? e->code
                 : 0;
    if (rc)
        out_abort(&out);
    else
        rc = out_commit(&out, e);
    dl_set_free(&set);
    return rc;
}
