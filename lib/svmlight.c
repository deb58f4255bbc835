/* svmlight.c - the sparse svmlight/libsvm format: `label idx:val ... # c`.
 *
 * The width of x is the largest index, known only at the end, so the
 * nonzeros are collected first (memory grows with the file's nonzeros,
 * not with rows x columns) and dense chunks are written afterwards.
 *
 * Indices are zero-based (as scikit-learn's dump_svmlight_file writes them)
 * or one-based (libsvm's own tools); unless told, the file decides as
 * scikit-learn's load_svmlight_file(zero_based='auto') does: zero-based
 * when some index is 0, else one-based. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "numtext.h"
#include "textio.h"

/* Indices above this are refused: x would be too wide to be dense. */
#define SVM_MAX_INDEX ((uint64_t)1 << 24)
/* Without --features, dense x may take up to this many bytes, or up to
 * SVM_DENSE_RATIO times the text when that is more: a few bytes naming a
 * huge index must not become gigabytes of zeros (man/dl-tensor.1). */
#define SVM_DENSE_FREE ((uint64_t)64 << 20)
#define SVM_DENSE_RATIO 1000

typedef struct entry {
    uint64_t row, col; /* col as written in the file */
    double val;
} entry;

typedef struct sparse {
    entry *items;
    size_t count, cap;
    double *labels;
    size_t rows, label_cap;
    uint64_t cols;     /* the largest index */
    uint64_t cols_line; /* the line of its first use, for messages */
    int has_zero;      /* some index is 0 */
} sparse;

static int is_space(char c) { return c == ' ' || c == '\t'; }

static const char *token_end(const char *p, const char *end)
{
    while (p < end && !is_space(*p))
        p++;
    return p;
}

static int bad_token(const tx_in *in, uint64_t line, const char *p, const char *end,
                     const char *what, dl_err *e)
{
    int n = (int)(end - p);
    return dl_fail(e, DL_EDATA, "%s: line %llu: '%.*s' %s", in->label,
                   (unsigned long long)line, n > 40 ? 40 : n, p, what);
}

/* [p, end) as the records' dtype holds it, in *v: NT_OK, NT_RANGE, or
 * NT_SYNTAX for anything else that is no number they take.  float32 text
 * is rounded once, straight to a float, as CSV's: through a double it
 * could be rounded twice. */
static int number(const char *p, const char *end, double *v, const tx_import_opts *o)
{
    int status;
    if (o->dtype == DL_F32) {
        float f;
        status = nt_parse_f32(p, end, &f);
        *v = f;
    } else {
        status = nt_parse_f64(p, end, v);
    }
    if (status == NT_OK && !o->allow_nonfinite && !isfinite(*v))
        return NT_SYNTAX;
    return status;
}

static const char *out_of_range(const tx_import_opts *o)
{
    return o->dtype == DL_F32 ? "is out of range for f32" : "is out of range for f64";
}

/* idx:val, with idx a whole number above the previous one (0 only where
 * indices are not forced to be one-based). */
static int feature(sparse *sp, const tx_in *in, uint64_t line, const char *p, const char *end,
                   uint64_t *prev, const tx_import_opts *o, dl_err *e)
{
    const char *colon = memchr(p, ':', (size_t)(end - p));
    if (!colon)
        return bad_token(in, line, p, end, "is not index:value", e);
    if (colon - p == 3 && memcmp(p, "qid", 3) == 0) { /* ignored, but a query id */
        const char *q = colon + 1;
        while (q < end && *q >= '0' && *q <= '9')
            q++;
        return q == colon + 1 || q != end ? bad_token(in, line, p, end, "has no whole number as "
                                                      "its query id", e)
                                          : 0;
    }
    uint64_t idx = 0;
    const char *q = p;
    for (; q < colon && *q >= '0' && *q <= '9' && idx <= SVM_MAX_INDEX; q++)
        idx = idx * 10 + (uint64_t)(*q - '0');
    if (q == p || q != colon || idx > SVM_MAX_INDEX)
        return bad_token(in, line, p, end, "has no index from 0 to 16777216", e);
    if (idx == 0 && o->zero_based == 0)
        return bad_token(in, line, p, end, "has index 0, but --one-based counts from 1", e);
    if (o->features && idx + (o->zero_based == 1) > o->features)
        return bad_token(in, line, p, end, "has an index above --features", e);
    if (*prev && idx + 1 <= *prev)
        return bad_token(in, line, p, end, "has an index not above the previous one", e);
    double v;
    int status = number(colon + 1, end, &v, o);
    if (status != NT_OK)
        return bad_token(in, line, p, end, status == NT_RANGE ? out_of_range(o)
                                                              : "has no finite numeric value", e);
    *prev = idx + 1; /* 0: none yet */
    if (dl_vec_reserve(&sp->items, &sp->cap, sp->count + 1, sizeof *sp->items, e))
        return dl_err_wrap(e, "the sparse entries");
    sp->items[sp->count++] = (entry){sp->rows, idx, v};
    if (idx > sp->cols) {
        sp->cols = idx;
        sp->cols_line = line;
    }
    sp->has_zero |= idx == 0;
    return 0;
}

static int parse_line(sparse *sp, const tx_in *in, uint64_t line, const char *p,
                      const char *end, const tx_import_opts *o, dl_err *e)
{
    const char *hash = memchr(p, '#', (size_t)(end - p));
    if (hash)
        end = hash;
    while (p < end && is_space(*p))
        p++;
    if (p == end)
        return 0;
    const char *t = token_end(p, end);
    double label;
    int status = number(p, t, &label, o);
    if (status != NT_OK)
        return bad_token(in, line, p, t, status == NT_RANGE ? out_of_range(o)
                                                            : "is not a finite numeric label", e);
    if (dl_vec_reserve(&sp->labels, &sp->label_cap, sp->rows + 1, sizeof *sp->labels, e))
        return dl_err_wrap(e, "the labels");
    uint64_t prev = 0;
    for (p = t; p < end; p = t) {
        while (p < end && is_space(*p))
            p++;
        if (p == end)
            break;
        t = token_end(p, end);
        if (feature(sp, in, line, p, t, &prev, o, e))
            return e->code;
    }
    sp->labels[sp->rows++] = label;
    return 0;
}

/* Dense rows [features..., label]: the label is the one target column.
 * sp->cols is x's width by now, and `base` the index of its first column. */
static int write_dense(const sparse *sp, uint64_t base, const tx_in *in,
                       const tx_import_opts *o, st_writer *w, dl_err *e)
{
    tx_import_opts local = *o;
    local.targets = 1;
    local.name = NULL;
    /* The rows are known: a --chunk-rows beyond them would only reserve
     * zeros, rows x a width the size rule allows for the rows there are. */
    if (local.chunk_rows > sp->rows)
        local.chunk_rows = sp->rows;
    int dtype = o->dtype ? o->dtype : DL_F64;
    if (sp->cols == 0 && sp->rows > 0)
        return dl_fail(e, DL_EDATA, "%s: no row has a feature (INDEX:VALUE): labels alone make "
                       "no x", in->label);
    tx_sink s;
    if (tx_sink_open(&s, w, &local, dtype, sp->cols + 1, in->label, e))
        return e->code;
    size_t k = 0;
    int rc = 0;
    for (uint64_t i = 0; i < sp->rows && !rc; i++) {
        void *row = tx_sink_row(&s);
        memset(row, 0, (size_t)(sp->cols + 1) * s.esize);
        for (; k < sp->count && sp->items[k].row == i; k++) {
            uint64_t col = sp->items[k].col - base;
            if (dtype == DL_F32)
                ((float *)row)[col] = (float)sp->items[k].val;
            else
                ((double *)row)[col] = sp->items[k].val;
        }
        if (dtype == DL_F32)
            ((float *)row)[sp->cols] = (float)sp->labels[i];
        else
            ((double *)row)[sp->cols] = sp->labels[i];
        rc = tx_sink_commit(&s, e);
    }
    if (!rc)
        rc = tx_sink_finish(&s, in->label, e);
    tx_sink_free(&s);
    return rc;
}

/* Dense x must not dwarf the text it comes from, unless --features asked
 * for the width; and it is at most SVM_MAX_INDEX columns wide, as
 * --features allows.  `base` is the index of x's first column. */
static int check_density(const sparse *sp, const tx_in *in, uint64_t base, uint64_t text_bytes,
                         const tx_import_opts *o, dl_err *e)
{
    if (o->features)
        return 0;
    unsigned long long index = (unsigned long long)(sp->cols - 1 + base); /* as in the file */
    if (sp->cols > SVM_MAX_INDEX)
        return dl_fail(e, DL_ENOMEM, "%s: line %llu: index %llu would make x %llu columns wide (the "
                       "indices are zero-based: the file has index 0), over the %llu allowed",
                       in->label, (unsigned long long)sp->cols_line, index,
                       (unsigned long long)sp->cols,
                       (unsigned long long)SVM_MAX_INDEX);
    uint64_t shape[2] = {sp->rows, sp->cols + 1}, bytes;
    dl_err ignored;
    int huge = dl_shape_bytes(o->dtype ? o->dtype : DL_F64, 2, shape, NULL, &bytes, &ignored);
    if (!huge && (bytes <= SVM_DENSE_FREE || bytes / SVM_DENSE_RATIO <= text_bytes))
        return 0;
    return dl_fail(e, DL_ENOMEM, "%s: line %llu: index %llu would make %llu rows of svmlight (%llu "
                   "bytes) a dense x of %s%llu MiB, over %d times the text; give --features %llu "
                   "to accept that width", in->label, (unsigned long long)sp->cols_line, index,
                   (unsigned long long)sp->rows, (unsigned long long)text_bytes,
                   huge ? "over " : "", huge ? (unsigned long long)(DL_TENSOR_BYTES_MAX >> 20)
                                             : (unsigned long long)(bytes >> 20),
                   SVM_DENSE_RATIO, (unsigned long long)sp->cols);
}

int tx_import_svmlight(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e)
{
    if (o->name)
        return dl_fail(e, DL_EUSAGE, "--name does not apply to svmlight input (it makes x and y)");
    if (o->rank == 1)
        return dl_fail(e, DL_EUSAGE, "--rank 1 does not apply to svmlight input (it makes x and y)");
    if (o->targets_given && o->targets != 1)
        return dl_fail(e, DL_EUSAGE, "%s: svmlight has one label per row, which becomes y: "
                       "--targets %llu does not apply (1 is the only count)", in->label,
                       (unsigned long long)o->targets);
    sparse sp;
    memset(&sp, 0, sizeof sp);
    const char *p, *end;
    uint64_t line = 0, text_bytes = 0;
    int rc = in->len == 0 && !in->eof ? tx_in_fill(in, e) : 0;
    if (!rc && in->len - in->pos >= 3 && memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) == 0)
        in->pos += 3; /* a UTF-8 byte order mark, as CSV allows */
    if (!rc)
        rc = tx_in_detect_cr_lines(in, e);
    while (!rc && !(rc = tx_in_line(in, &p, &end, e)) && p) {
        line++;
        text_bytes += (uint64_t)(end - p) + 1;
        if ((rc = parse_line(&sp, in, line, p, end, o, e)) != 0)
            break;
    }
    /* scikit-learn's zero_based='auto': zero-based when an index is 0 */
    uint64_t base = o->zero_based == 1 || (o->zero_based < 0 && sp.has_zero) ? 0 : 1;
    if (sp.count)
        sp.cols = sp.cols + 1 - base; /* the width */
    if (rc == 0 && o->features && sp.cols > o->features)
        rc = dl_fail(e, DL_EDATA, "%s: line %llu: index %llu is beyond --features %llu (the "
                     "indices are zero-based: the file has index 0)", in->label,
                     (unsigned long long)sp.cols_line, (unsigned long long)sp.cols - 1,
                     (unsigned long long)o->features);
    if (o->features > sp.cols)
        sp.cols = o->features;
    if (rc == 0 && sp.rows == 0)
        rc = dl_fail(e, DL_EDATA, "%s: empty input: no rows", in->label);
    else if (rc == 0 && !(rc = check_density(&sp, in, base, text_bytes, o, e)))
        rc = write_dense(&sp, base, in, o, w, e);
    free(sp.items);
    free(sp.labels);
    return rc;
}
