#include "fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "buf.h"
#include "colmeta.h"
#include "filter.h"
#include "linmodel.h"
#include "numtext.h"
#include "partial.h"

/* x and y arrive as chunks, possibly interleaved: rows are paired as both
 * become available and folded into the QR factor at once, so only rows
 * still waiting for their partner are held.  Every method starts from that
 * factor: it keeps X's singular values (the condition number numpy reports,
 * which X^T X summed row by row could not resolve beyond about 1e6), and
 * gives X^T X = R^T R for the normal equations and the partials. */
#define FIT_META 3

/* The chunks of one tensor whose rows wait for their partners, in order and
 * uncopied (a pipeline's x comes in many chunks before their y). */
typedef struct row_queue {
    dl_tensor *chunk;     /* f64 matrices; the live ones are [head, count) */
    size_t head, count, cap;
    uint64_t skip;        /* rows of chunk[head] already folded */
    uint64_t rows;        /* rows waiting in all */
    uint64_t cols;        /* columns of every chunk (the first's) */
    int seen;             /* a chunk came */
} row_queue;

/* y's class codes may come before y.categories does (streams joined), and
 * their rows are folded before it comes: each cell is looked at as it
 * comes instead, against what y.categories can name, one class or two
 * (y_classes refuses more).  Per column of y and class count c = 1, 2:
 * the first cell that is no code of c classes. */
#define FIT_CLASSES 2

typedef struct early_cell {
    uint64_t row; /* 0-based row of y; valid when found */
    double v;
    int found;
} early_cell;

typedef struct xy_input {
    st_reader *r;
    row_queue x, y, c;    /* pending rows (c: the weights, N x 1) */
    uint64_t xrows, yrows, crows; /* rows seen in all */
    uint64_t folded;      /* rows in the factor */
    int weighted;         /* a 'w' record came */
    dl_tensor design;     /* the input's design record, if any */
    dl_tensor meta[FIT_META]; /* x.names, y.names, y.categories, for the checkpoint */
    cm_names xnames;      /* parsed from meta[0] at the first x */
    cm_names ynames;      /* parsed from meta[1] at the first y, for messages */
    dl_tensor xcats;      /* x.categories, refused at the first x (cm_refuse_codes) */
    cm_categories ycats;  /* parsed from meta[2] once y's classes passed y_classes */
    int ycats_parsed;
    early_cell *early;    /* [y's columns][FIT_CLASSES], while y.categories has not come */
    size_t early_open;    /* its cells not found yet: none left, no need to look */
    const fit_opts *o;
    ls_qr qr;             /* the triangular factor of [X | Y] */
    ls_stats stats;       /* from qr, for the methods that need X^T X */
    int progress;         /* count the rows read on o->log */
    uint64_t next_report;
} xy_input;

#define PROGRESS_ROWS ((uint64_t)1 << 22)

/* The column metadata a checkpoint keeps (dl-stream(5)): the names of the
 * columns the model saw, of its outputs, and the class names. */
static const char *const fit_meta[FIT_META] = {"x" CM_NAMES_SUFFIX, "y" CM_NAMES_SUFFIX,
                                               "y" CM_CATEGORIES_SUFFIX};

static int meta_index(const char *name)
{
    for (int i = 0; i < FIT_META; i++)
        if (strcmp(name, fit_meta[i]) == 0)
            return i;
    return -1;
}

/* Converts a chunk to an f64 matrix and refuses NaN/Inf, naming the row in
 * the whole tensor (the chunk starts at row first + 1) and the column (by
 * its name too, when names has it), as dl-design does; a NaN is a missing
 * cell: in x one to impute, in y a target no tool fills.  One scan of
 * clean data. */
static int check_chunk(dl_tensor *t, const cm_names *names, int is_x, uint64_t first,
                       dl_err *e)
{
    if (dl_tensor_as_matrix(t, e) || dl_tensor_convert(t, DL_F64, e))
        return e->code;
    int64_t bad = dl_tensor_find_nonfinite(t);
    if (bad >= 0 && is_x && cm_check_missing(t, names, first, e))
        return e->code;
    if (bad < 0)
        return 0;
    uint64_t cols = t->shape[1];
    return cm_fail_cell(names, first + (uint64_t)bad / cols, (uint64_t)bad % cols,
                        !isnan(((double *)t->data)[bad]) ? "infinite value"
                        : is_x ? "NaN"
                               : "missing value (a target, which is not imputed: leave its "
                                 "row out of the data)", e);
}

/* A chunk of w: checked (rows named from first + 1), as an f64 column. */
static int check_weights_chunk(dl_tensor *t, uint64_t first, dl_err *e)
{
    return cm_weights_check_chunk(t, t->rank ? t->shape[0] : 0, first, e) ||
                   dl_tensor_as_matrix(t, e) || dl_tensor_convert(t, DL_F64, e)
               ? e->code
               : 0;
}

/* Takes t (an f64 matrix) into the queue; its columns are the first
 * chunk's (the reader checks that chunks agree). */
static int queue_push(row_queue *q, dl_tensor *t, dl_err *e)
{
    q->seen = 1;
    q->cols = t->shape[1];
    if (t->shape[0] == 0)
        return 0;
    if (q->head > 0) { /* the folded chunks' slots go */
        memmove(q->chunk, q->chunk + q->head, (q->count - q->head) * sizeof *q->chunk);
        q->count -= q->head;
        q->head = 0;
    }
    if (dl_vec_reserve(&q->chunk, &q->cap, q->count + 1, sizeof *q->chunk, e))
        return e->code;
    q->chunk[q->count++] = *t;
    q->rows += t->shape[0];
    memset(t, 0, sizeof *t);
    return 0;
}

/* The waiting rows at the front: how many follow in one piece, and where. */
static uint64_t queue_front(const row_queue *q, const double **rows)
{
    if (q->head == q->count)
        return 0;
    const dl_tensor *t = &q->chunk[q->head];
    *rows = (const double *)t->data + q->skip * q->cols;
    return t->shape[0] - q->skip;
}

/* Drops n rows from the front piece (n at most its rows). */
static void queue_drop(row_queue *q, uint64_t n)
{
    q->skip += n;
    q->rows -= n;
    if (q->skip == q->chunk[q->head].shape[0]) {
        dl_tensor_free(&q->chunk[q->head++]);
        q->skip = 0;
    }
}

static void queue_free(row_queue *q)
{
    for (size_t i = q->head; i < q->count; i++)
        dl_tensor_free(&q->chunk[i]);
    free(q->chunk);
    memset(q, 0, sizeof *q);
}

/* The rows' QR, made at the first rows (or at the end of none): an input
 * too wide for memory is named with what it needs. */
static int qr_start(xy_input *in, dl_err *e)
{
    if (in->qr.tri[0].r || !ls_qr_init(&in->qr, (size_t)in->x.cols, (size_t)in->y.cols, e))
        return 0;
    return dl_err_wrap(e, "%s", st_reader_label(in->r));
}

/* The rows x, y and (when weighted) w all have so far go into the factor,
 * a piece that none of them splits at a time. */
static int consume_pairs(xy_input *in, dl_err *e)
{
    uint64_t n = in->x.rows < in->y.rows ? in->x.rows : in->y.rows;
    if (in->weighted && in->c.rows < n)
        n = in->c.rows;
    if (n == 0)
        return 0;
    if (qr_start(in, e))
        return e->code;
    for (uint64_t left = n; left > 0;) {
        const double *x = NULL, *y = NULL, *c = NULL;
        uint64_t piece = queue_front(&in->x, &x), ny = queue_front(&in->y, &y);
        piece = ny < piece ? ny : piece;
        if (in->weighted) {
            uint64_t nc = queue_front(&in->c, &c);
            piece = nc < piece ? nc : piece;
        }
        if (ls_qr_add_weighted(&in->qr, x, y, c, (size_t)piece, e))
            return e->code;
        queue_drop(&in->x, piece);
        queue_drop(&in->y, piece);
        if (in->weighted)
            queue_drop(&in->c, piece);
        left -= piece;
    }
    in->folded += n;
    if (in->progress && in->xrows >= in->next_report) {
        fprintf(in->o->log, "\r%s: %llu row%s read",
                in->o->tool, (unsigned long long)in->xrows,
                dl_plural((unsigned long long)in->xrows));
        in->next_report = in->xrows + PROGRESS_ROWS;
    }
    return 0;
}

/* x.names, read at the first x: the names of the columns in messages;
 * categorical columns, which a fit without a design could not predict,
 * are refused then, before any row is fitted. */
static int x_names(xy_input *in, const dl_tensor *t, uint64_t first, dl_err *e)
{
    uint64_t cols = t->rank >= 2 ? t->shape[1] : 1;
    if (first == 0 && in->meta[0].data && !in->xnames.count &&
        cm_names_parse(&in->xnames, &in->meta[0], cols, e))
        return e->code;
    return first == 0 ? cm_refuse_codes(in->xcats.data ? &in->xcats : NULL, cols, &in->xnames, e)
                      : 0;
}

/* y's string classes, more than two in a column, refused at y's first
 * rows (or at y.categories, when it comes after them), before any row is
 * fitted: least squares would fit their codes as numbers. */
static int y_classes(xy_input *in, uint64_t cols, dl_err *e)
{
    if (in->meta[1].data && !in->ynames.count &&
        cm_names_parse(&in->ynames, &in->meta[1], cols, e))
        return e->code;
    if (!in->meta[2].data || in->ycats_parsed)
        return 0;
    if (cm_refuse_class_regression(&in->meta[2], cols, &in->ynames, e) ||
        cm_categories_parse(&in->ycats, &in->meta[2], cols, e))
        return e->code;
    in->ycats_parsed = 1;
    return 0;
}

/* Notes, in y's rows that came before y.categories (t, an f64 matrix
 * whose rows start at `first`), the first cell of each column that is no
 * class code of one class, and of two. */
static int note_early_codes(xy_input *in, const dl_tensor *t, uint64_t first, dl_err *e)
{
    size_t cols = (size_t)t->shape[1];
    if (!in->early) {
        if (dl_mem_array(&in->early, cols * FIT_CLASSES, sizeof *in->early, "y's codes", e))
            return e->code;
        in->early_open = cols * FIT_CLASSES;
    }
    const double *v = t->data;
    for (uint64_t i = 0; i < t->shape[0] && in->early_open; i++)
        for (size_t j = 0; j < cols * FIT_CLASSES; j++) {
            early_cell *c = &in->early[j];
            double cell = v[i * cols + j / FIT_CLASSES];
            if (!c->found && !cm_is_code(cell, j % FIT_CLASSES + 1)) {
                *c = (early_cell){first + i, cell, 1};
                in->early_open--;
            }
        }
    return 0;
}

/* y.categories after y's first rows: the earliest of those rows whose cell
 * is no code of its column's classes is an error, as it would have been
 * with the classes first. */
static int check_early_codes(const xy_input *in, dl_err *e)
{
    const early_cell *first = NULL;
    const cm_column *at = NULL;
    for (size_t i = 0; in->early && i < in->ycats.count; i++) {
        const cm_column *k = &in->ycats.column[i];
        if (k->col >= in->y.cols)
            break;
        const early_cell *c = &in->early[k->col * FIT_CLASSES + k->count - 1];
        if (c->found && (!first || c->row < first->row))
            first = c, at = k;
    }
    if (!first)
        return 0;
    cm_fail_code(&in->ynames, first->row, at->col, first->v, at->count, e);
    return dl_err_wrap(e, "'y' before it");
}

/* A chunk of y (an f64 matrix, rows from `first`): its class codes checked
 * against y.categories, or noted for a y.categories still to come. */
static int y_codes(xy_input *in, const dl_tensor *t, uint64_t first, dl_err *e)
{
    if (in->ycats_parsed)
        return cm_check_codes(t, &in->ycats, &in->ynames, first, e);
    return note_early_codes(in, t, first, e);
}

/* x.names, y.names, y.categories: the first copy is kept, a repeat must be
 * the same bytes, x.names must come before x, and y's after y's first rows
 * must fit y's columns. */
static int take_meta(xy_input *in, const st_header *h, dl_tensor *t, int which, dl_err *e)
{
    int rc = 0;
    if (in->meta[which].data)
        rc = cm_meta_repeat(&in->meta[which], t, e);
    else if (which == 0 && in->xrows > 0)
        rc = dl_fail(e, DL_EDATA, "it comes after 'x': column metadata goes before the data");
    else
        in->meta[which] = *t, memset(t, 0, sizeof *t);
    if (!rc && which > 0 && in->yrows > 0)
        rc = y_classes(in, in->y.cols, e) || (which == 2 && check_early_codes(in, e)) ? e->code
                                                                                        : 0;
    return rc ? flt_record_error(in->r, h, e) : 0;
}

/* x.categories: kept for x_names (a repeat must be the same bytes), or
 * refused at once after x's first rows, against x's width. */
static int take_xcats(xy_input *in, const st_header *h, dl_tensor *t, dl_err *e)
{
    int rc;
    if (in->xcats.data) {
        rc = cm_meta_repeat(&in->xcats, t, e);
    } else if (in->xrows == 0) {
        in->xcats = *t;
        memset(t, 0, sizeof *t);
        return 0;
    } else {
        rc = cm_refuse_codes(t, in->x.cols, &in->xnames, e);
    }
    return rc ? flt_record_error(in->r, h, e) : 0;
}

/* A chunk of x, y or w (t, emptied when taken).  Rows are folded when the
 * next x or y chunk comes (or at the end), not as soon as x and y pair up:
 * a chunk's weights may follow its x and y, as dl-tensor import --weight
 * writes them. */
static int take_rows(xy_input *in, const st_header *h, dl_tensor *t, dl_err *e)
{
    int is_w = h->name[0] == 'w', is_x = h->name[0] == 'x';
    uint64_t *seen = is_w ? &in->crows : is_x ? &in->xrows : &in->yrows;
    if (is_w && !in->weighted && in->folded > 0)
        return dl_fail(e, DL_EDATA, "%s: record %llu ('w'): comes after %llu row%s of x and y "
                                    "were fitted without weights; give 'w' before or beside "
                                    "its rows", st_reader_label(in->r),
                       (unsigned long long)h->index, (unsigned long long)in->folded,
                       dl_plural((unsigned long long)in->folded));
    if (!is_w && consume_pairs(in, e))
        return e->code;
    int rc = is_w   ? check_weights_chunk(t, *seen, e)
             : is_x ? x_names(in, t, *seen, e)
             : *seen == 0 ? y_classes(in, t->rank >= 2 ? t->shape[1] : 1, e)
                          : 0;
    if (!rc && !is_w)
        rc = check_chunk(t, is_x ? &in->xnames : &in->ynames, is_x, *seen, e) ||
                     (!is_x && y_codes(in, t, *seen, e))
                 ? e->code
                 : 0;
    if (!rc) {
        *seen += t->shape[0];
        in->weighted |= is_w;
        rc = queue_push(is_w ? &in->c : is_x ? &in->x : &in->y, t, e);
    }
    if (rc)
        return flt_record_error(in->r, h, e);
    return is_w ? consume_pairs(in, e) : 0;
}

/* Concatenated outputs of one design repeat its record: fine; another
 * design is not. */
static int take_design(xy_input *in, const st_header *h, dl_tensor *t, dl_err *e)
{
    if (!in->design.data) {
        in->design = *t;
        memset(t, 0, sizeof *t);
        return 0;
    }
    if (!bf_design_equal(t, &in->design))
        return dl_fail(e, DL_EDATA, "%s: record %llu ('design'): a second, different design",
                       st_reader_label(in->r), (unsigned long long)h->index);
    return 0;
}

static int check_xy(const xy_input *in, dl_err *e)
{
    const char *label = st_reader_label(in->r);
    if (st_reader_records(in->r) == 0)
        return st_fail_empty(label, e);
    if (!in->x.seen)
        return dl_fail(e, DL_EDATA, "%s: no 'x' record", label);
    if (!in->y.seen)
        return dl_fail(e, DL_EDATA, "%s: no 'y' record: dl-lstsq needs targets "
                                    "(e.g. dl-tensor import --targets 1)", label);
    if (in->xrows != in->yrows)
        return dl_fail(e, DL_EDATA, "%s: x has %llu row%s but y has %llu", label,
                       (unsigned long long)in->xrows, dl_plural((unsigned long long)in->xrows),
                       (unsigned long long)in->yrows);
    if (in->weighted && in->crows != in->xrows)
        return dl_fail(e, DL_EDATA, "%s: x has %llu row%s but w has %llu", label,
                       (unsigned long long)in->xrows, dl_plural((unsigned long long)in->xrows),
                       (unsigned long long)in->crows);
    if (in->xrows == 0 && !in->o->partial) /* a shard may be empty: its statistics are 0 */
        return dl_fail(e, DL_EDATA, "%s: x and y have no rows", label);
    if (in->x.cols == 0 || in->y.cols == 0)
        return dl_fail(e, DL_EDATA, "%s: %s has no columns", label, in->x.cols == 0 ? "x" : "y");
    return 0;
}

/* The design must make as many columns as x has; *bias is the index of
 * its bias column, or -1 (also without a design). */
static int design_bias(const dl_tensor *design, uint64_t xcols, const char *label, long *bias,
                       dl_err *e)
{
    bf_design *d;
    *bias = -1;
    if (!design->data)
        return 0;
    if (bf_from_record(&d, design, e))
        return dl_err_wrap(e, "%s", label);
    size_t cols = bf_output_dim(d);
    *bias = bf_bias_column(d);
    bf_free(d);
    if (cols != xcols)
        return dl_fail(e, DL_EDATA, "%s: the design record makes %zu column%s but x has %llu",
                       label, cols, dl_plural(cols), (unsigned long long)xcols);
    return 0;
}

static int is_rows(const char *name)
{
    return strcmp(name, "x") == 0 || strcmp(name, "y") == 0 || strcmp(name, "w") == 0;
}

/* The records whose payloads a fit reads; the others are skipped. */
static int fit_keeps(const char *name)
{
    int read = is_rows(name) || strcmp(name, "design") == 0 || meta_index(name) >= 0 ||
               strcmp(name, "x" CM_CATEGORIES_SUFFIX) == 0;
    return read ? ST_AHEAD_READ : ST_AHEAD_SKIP;
}

/* The records are read ahead (st_ahead): the input's next chunk is read
 * and summed while the factor takes the rows before it, on one thread,
 * so the two overlap on two cores. */
static int read_xy(xy_input *in, dl_err *e)
{
    st_ahead *ahead;
    st_header h;
    dl_tensor t;
    int found, rc = st_ahead_start(&ahead, in->r, fit_keeps, 1, 0, e);
    while (!rc && !(rc = st_ahead_next(ahead, &h, &t, NULL, &found, e)) && found) {
        if (is_rows(h.name))
            rc = take_rows(in, &h, &t, e);
        else if (strcmp(h.name, "design") == 0)
            rc = take_design(in, &h, &t, e);
        else if (meta_index(h.name) >= 0)
            rc = take_meta(in, &h, &t, meta_index(h.name), e);
        else if (strcmp(h.name, "x" CM_CATEGORIES_SUFFIX) == 0)
            rc = take_xcats(in, &h, &t, e);
        else if (strcmp(h.name, "model") == 0) /* its 'w' would be read as row weights */
            rc = dl_fail(e, DL_EDATA, "%s: record %llu ('model'): a checkpoint or a --partial "
                         "output, not data (dl-predict applies a checkpoint; --combine reads "
                         "partials)", st_reader_label(in->r), (unsigned long long)h.index);
        dl_tensor_free(&t);
    }
    st_ahead_stop(ahead);
    if (rc || check_xy(in, e) || consume_pairs(in, e))
        return e->code;
    /* no rows (an empty shard for --partial): the factor of none, zeros */
    return qr_start(in, e);
}

static void xy_free(xy_input *in)
{
    queue_free(&in->x);
    queue_free(&in->y);
    queue_free(&in->c);
    dl_tensor_free(&in->design);
    dl_tensor_free(&in->xcats);
    cm_categories_free(&in->ycats);
    free(in->early);
    for (int i = 0; i < FIT_META; i++)
        dl_tensor_free(&in->meta[i]);
    cm_names_free(&in->xnames);
    cm_names_free(&in->ynames);
    ls_stats_free(&in->stats);
    ls_qr_free(&in->qr);
}

/* ------------------------------ the report ------------------------------ */

/* With --verbose: a line per weight, named after its column when x has
 * names ("coefficient 2 (speed): 0.5"). */
static void report_weights(const fit_opts *o, const ls_result *r, const cm_names *names)
{
    for (size_t i = 0; i < r->p; i++) {
        const char *name = names ? cm_names_at(names, i) : NULL;
        fprintf(o->log, "%s: coefficient %zu%s%s%s:", o->tool, i + 1, name ? " (" : "",
                name ? name : "", name ? ")" : "");
        for (size_t j = 0; j < r->k; j++)
            fprintf(o->log, " %.6g", r->w[i * r->k + j]);
        fprintf(o->log, "\n");
    }
}

static void report(const fit_opts *o, const ls_opts *ls, long bias, int weighted,
                   const ls_result *r, const cm_names *names)
{
    const char *tool = o->tool;
    if (o->quiet) {
        /* a line even so, as scikit-learn's ConvergenceWarning */
        if (ls->alpha > 0 && !r->converged)
            fprintf(o->log, "%s: warning: coordinate descent did not converge in %ld sweep%s: "
                            "raise --max-iter\n", tool, r->iterations,
                    dl_plural((unsigned long long)r->iterations));
        return;
    }
    fprintf(o->log, "%s: %llu row%s, %zu column%s, %zu output%s, method %s, rank %d, ",
            tool, (unsigned long long)r->n, dl_plural((unsigned long long)r->n), r->p,
            dl_plural(r->p), r->k, r->k == 1 ? "" : "s", ls_method_name(ls->method), r->rank);
    if (ls->method == LS_SVD && ls->rcond >= 0) /* numpy.linalg.lstsq's rank under it */
        fprintf(o->log, "%d kept by --rcond (singular values below %.6g s_max dropped), ",
                r->rank_kept, ls->rcond);
    fprintf(o->log, "condition number %s%.3g%s", r->cond_bound ? ">" : "~", r->cond,
            r->cond_bound ? " (more than X^T X can resolve; -m svd on the rows gives it)" : "");
    if (weighted)
        fprintf(o->log, ", weights summing to %.6g", r->wsum);
    fprintf(o->log, "\n");
    if (r->n < r->p && ls->method == LS_SVD)
        fprintf(o->log, "%s: note: %llu row%s for %zu weight%s: the minimum-norm solution "
                        "(as numpy.linalg.lstsq)\n",
                tool, (unsigned long long)r->n, dl_plural((unsigned long long)r->n), r->p,
                dl_plural(r->p));
    for (size_t j = 0; j < r->k; j++) /* bounds: all the statistics resolve */
        fprintf(o->log, "%s: output %zu: training MSE %s%.6g, R^2 %s%.6g%s\n", tool, j + 1,
                r->bound[j] ? "at most " : "", nt_unsigned_nan(r->mse[j]),
                r->bound[j] ? "at least " : "", nt_unsigned_nan(r->r2[j]), r->bound[j] ? " (y's mean is too large against its residuals for the "
                "statistics to tell more; a one-pass fit gives them)"
                : r->n < 2 ? " (undefined for one row, as scikit-learn's r2_score)" : "");
    if (ls->alpha > 0) {
        size_t zeros = 0;
        for (size_t i = 0; i < r->p * r->k; i++)
            zeros += r->w[i] == 0.0;
        fprintf(o->log, "%s: %zu of %zu weight%s are exactly zero; %ld sweep%s%s\n", tool,
                zeros, r->p * r->k, dl_plural(r->p * r->k), r->iterations,
                dl_plural((unsigned long long)r->iterations), r->converged ? "" : " (NOT converged: raise --max-iter)");
    }
    for (size_t j = 0; ls->posterior && j < r->k; j++)
        fprintf(o->log, "%s: output %zu: noise variance %.6g%s\n", tool, j + 1, r->sigma2[j],
                ls->noise_var > 0 ? " (given)" : " (estimated)");
    if (o->verbose && r->sv) {
        /* X's min(N, P) of them; + 0.0 prints a zero that rounding signed as 0 */
        size_t nsv = r->n < r->nsv ? (size_t)r->n : r->nsv;
        fprintf(o->log, "%s: singular values:", tool);
        for (size_t i = 0; i < nsv; i++)
            fprintf(o->log, " %.6g", r->sv[i] + 0.0);
        fprintf(o->log, "\n");
    }
    if (o->verbose)
        report_weights(o, r, names);
    if (bias < 0)
        fprintf(o->log, "%s: note: x has no bias column, so the fit has no intercept "
                        "(dl-design adds one)%s\n", tool,
                o->penalize_bias ? ", and --penalize-bias had no bias column to shrink" : "");
}

/* ------------------------------ the outputs ------------------------------ */

/* ------------------------------ solving ------------------------------ */

/* The solver options for this input: the design's bias column is left
 * out of the penalties unless --penalize-bias. */
static int solver_opts(const fit_opts *o, const dl_tensor *design, uint64_t xcols,
                       const char *label, ls_opts *ls, long *bias, dl_err *e)
{
    *ls = o->ls;
    if (design_bias(design, xcols, label, bias, e))
        return e->code;
    ls->free_col = o->penalize_bias ? -1 : *bias;
    ls->ones_col = *bias;
    return 0;
}

/* After the solve: the posterior when asked (its errors name the input,
 * label), the checkpoint (with the column metadata records of meta that
 * are present), the report (names: x's column names, or NULL). */
static int conclude(const fit_opts *o, const ls_opts *ls, long bias, int weighted, ls_stats *s,
                    ls_result *r, const dl_tensor *design, const dl_tensor *meta,
                    const cm_names *names, const char *label, st_writer *w, dl_err *e)
{
    if (ls->posterior && ls_posterior(s, ls, r, e))
        return dl_err_wrap(e, "%s", label);
    /* what the fit did: no penalty, or no bias column, left --penalize-bias nothing */
    lm_fit how = {o->penalize_bias && bias >= 0 && (ls->ridge > 0 || ls->alpha > 0), weighted};
    if (lm_write(w, ls, &how, r, design, e))
        return e->code;
    for (int i = 0; i < FIT_META; i++)
        if (meta[i].data && st_write(w, &meta[i], e))
            return e->code;
    report(o, ls, bias, weighted, r, names);
    return 0;
}

/* The fit from the factor R of all the rows (one pass's, or the partials'
 * folded); stats receives X^T X from R when a method needs it. */
static int solve_factor(ls_qr *q, ls_stats *stats, const ls_opts *o, ls_result *r, dl_err *e)
{
    if (o->method == LS_NORMAL) {
        if (ls_qr_stats(q, stats, e) || ls_solve_stats(stats, o, r, e))
            return e->code;
        ls_qr_metrics(q, r); /* exact, where the statistics' y'y can cancel */
        return 0;
    }
    if (ls_qr_solve(q, o, r, e))
        return e->code;
    /* the posterior needs X^T X, which R gives */
    return o->posterior && ls_qr_stats(q, stats, e) ? e->code : 0;
}

/* The partial of these rows: their statistics and their factor. */
static int write_partial(xy_input *in, st_writer *w, dl_err *e)
{
    size_t c = in->qr.cols;
    double *factor = malloc(c * c * sizeof *factor);
    if (!factor)
        return dl_fail(e, DL_ENOMEM, "out of memory for the factor of %zu columns", c);
    int rc = ls_qr_stats(&in->qr, &in->stats, e) || ls_qr_factor(&in->qr, factor, e) ||
                     partial_write(w, &in->stats, factor, in->weighted, &in->design, in->meta,
                                   FIT_META, e)
                 ? e->code
                 : 0;
    free(factor);
    return rc;
}

static int fit_rows(const fit_opts *o, st_reader *rd, st_writer *w, dl_err *e)
{
    xy_input in;
    ls_result r;
    ls_opts ls;
    long bias = -1;
    memset(&in, 0, sizeof in);
    memset(&r, 0, sizeof r);
    cm_names_init(&in.xnames);
    cm_names_init(&in.ynames);
    cm_categories_init(&in.ycats);
    in.r = rd;
    in.o = o;
    in.progress = o->progress && !o->quiet;
    in.next_report = PROGRESS_ROWS;
    dl_err_clear(e);
    int rc = read_xy(&in, e);
    if (in.progress && in.xrows >= PROGRESS_ROWS)
        fprintf(o->log, "\n");
    if (!rc)
        rc = solver_opts(o, &in.design, in.qr.p, st_reader_label(rd), &ls, &bias, e);
    if (!rc && o->partial)
        rc = write_partial(&in, w, e);
    else if (!rc)
        rc = (solve_factor(&in.qr, &in.stats, &ls, &r, e) &&
              dl_err_wrap(e, "%s", st_reader_label(rd))) ||
             conclude(o, &ls, bias, in.weighted, &in.stats, &r, &in.design, in.meta,
                      in.xnames.count ? &in.xnames : NULL, st_reader_label(rd), w, e)
                 ? e->code
                 : 0;
    ls_result_free(&r);
    xy_free(&in);
    return rc ? e->code : 0;
}

/* The partials' column metadata, as conclude takes it: meta[i] views the
 * set's record fit_meta[i] (or is empty); names parsed from x.names. */
static int partial_meta(dl_tensor_set *set, uint64_t cols, dl_tensor meta[FIT_META],
                        cm_names *names, dl_err *e)
{
    for (int i = 0; i < FIT_META; i++) {
        const dl_tensor *t = dl_set_find(set, fit_meta[i]);
        memset(&meta[i], 0, sizeof meta[i]);
        if (t)
            meta[i] = *t; /* a view: the set owns the data */
    }
    return meta[0].data && cm_names_parse(names, &meta[0], cols, e) ? e->code : 0;
}

/* The fit of concatenated partials: from their factors folded into one,
 * as one pass over their rows; from their summed statistics by the normal
 * equations when some partial has no factor (o->method becomes
 * LS_NORMAL, unless another was asked for: an error). */
static int solve_partials(const fit_opts *f, ls_qr *q, ls_stats *s, ls_opts *o, ls_result *r,
                          dl_err *e)
{
    if (!q->cols) {
        if (o->method != LS_NORMAL && (f->method_given || o->rcond >= 0)) /* --rcond: svd's */
            return dl_fail(e, DL_EDATA, "a partial without its factor 'r' (written before "
                           "partials kept it) is fitted by the normal equations only: "
                           "-m normal, or no -m%s", o->rcond >= 0 ? " nor --rcond" : "");
        o->method = LS_NORMAL;
        return ls_solve_stats(s, o, r, e);
    }
    ls_stats_free(s); /* X^T X again from R, as one pass has it */
    memset(s, 0, sizeof *s);
    return solve_factor(q, s, o, r, e);
}

/* Concatenated partials, solved. */
static int combine(const fit_opts *o, st_reader *rd, st_writer *w, dl_err *e)
{
    dl_tensor design, meta[FIT_META];
    dl_tensor_set sets;
    cm_names names;
    ls_stats s;
    ls_qr q;
    ls_result r;
    ls_opts ls;
    long bias = -1;
    int weighted = 0;
    memset(&design, 0, sizeof design);
    memset(&s, 0, sizeof s);
    memset(&r, 0, sizeof r);
    dl_set_init(&sets);
    cm_names_init(&names);
    int rc = partial_read(rd, &s, &q, &design, &sets, &weighted, e) ||
             (partial_meta(&sets, s.p, meta, &names, e) &&
              dl_err_wrap(e, "%s", st_reader_label(rd))) ||
             solver_opts(o, &design, s.p, st_reader_label(rd), &ls, &bias, e) ? e->code : 0;
    rc = rc ||
         (solve_partials(o, &q, &s, &ls, &r, e) && dl_err_wrap(e, "%s", st_reader_label(rd))) ||
             conclude(o, &ls, bias, weighted, &s, &r, &design, meta,
                      names.count ? &names : NULL, st_reader_label(rd), w, e)
                 ? e->code
                 : 0;
    cm_names_free(&names);
    dl_set_free(&sets);
    dl_tensor_free(&design);
    ls_stats_free(&s);
    ls_qr_free(&q);
    ls_result_free(&r);
    return rc ? e->code : 0;
}

int fit_run(st_reader *r, st_writer *w, const fit_opts *o, dl_err *e)
{
    return o->combine ? combine(o, r, w, e) : fit_rows(o, r, w, e);
}

int fit_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e)
{
    return fit_run(r, w, opt, e);
}
