/* model_predict.c - predictions of an opened checkpoint (see model.h): x
 * through the checkpoint's design, then the linear or network core. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "model_impl.h"

/* x in the network's input space as f32 [N x inputs]: *rows is x_raw's own
 * data when that already is an f32 matrix (no copy), else *x holds it. */
static int network_rows(const mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *x,
                        const dl_tensor **rows, dl_err *e)
{
    size_t in = nm_input_dim(m->net);
    *rows = x_raw;
    if (m->design && !m->design_upstream) {
        if (bf_apply_tensor(m->design, x_raw, first, "x", x, e) || dl_tensor_convert(x, DL_F32, e))
            return e->code;
        *rows = x;
    } else if (x_raw->dtype != DL_F32 || x_raw->rank != 2) {
        if (dl_tensor_copy(x, x_raw, e) || dl_tensor_as_matrix(x, e) ||
            dl_tensor_convert(x, DL_F32, e))
            return e->code;
        *rows = x;
    }
    if ((*rows)->shape[1] != in)
        return dl_fail(e, DL_EDATA, "x has %llu column%s but the network takes %zu",
                       (unsigned long long)(*rows)->shape[1],
                       dl_plural((unsigned long long)(*rows)->shape[1]), in);
    /* one pass over the rows when all are finite; a missing cell (NaN) is
     * named before any infinity, wherever each is */
    int64_t bad = dl_tensor_find_nonfinite(*rows);
    if (bad >= 0 && cm_check_missing(*rows, &m->xnames, first, e))
        return e->code;
    if (bad >= 0)
        return dl_fail(e, DL_EDATA, "x row %llu is not finite in float32 (NaN, Inf, or beyond "
                       "about 3.4e38), as networks compute",
                       (unsigned long long)(first + (uint64_t)bad / in + 1));
    return 0;
}

static int copy_rows(const mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *phi,
                     dl_err *e)
{
    size_t p = lm_input_dim(m->lin);
    if (dl_tensor_copy(phi, x_raw, e) || dl_tensor_as_matrix(phi, e) ||
        dl_tensor_convert(phi, DL_F64, e))
        return e->code;
    if (phi->shape[1] != p)
        return dl_fail(e, DL_EDATA, "x has %llu column%s but the model takes %zu",
                       (unsigned long long)phi->shape[1],
                       dl_plural((unsigned long long)phi->shape[1]), p);
    if (cm_check_missing(phi, &m->xnames, first, e))
        return e->code;
    int64_t bad = dl_tensor_find_nonfinite(phi);
    if (bad >= 0) /* a NaN was named above as a missing cell */
        return dl_fail(e, DL_EDATA, "x row %llu holds an infinity",
                       (unsigned long long)(first + (uint64_t)bad / (p ? p : 1) + 1));
    return 0;
}

/* phi: the chunk in the space the weights expect, f64 [N x P]; nothing
 * allocated on failure. */
static int design_rows(const mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *phi,
                       dl_err *e)
{
    memset(phi, 0, sizeof *phi);
    if (m->design && !m->design_upstream)
        return bf_apply_tensor(m->design, x_raw, first, "phi", phi, e);
    if (copy_rows(m, x_raw, first, phi, e)) {
        dl_tensor_free(phi);
        return e->code;
    }
    return 0;
}

/* Rows designed and predicted at a time by a linear model: bounds phi's
 * memory (and keeps BLAS's int sizes small) however large a chunk of x is. */
#define LINEAR_BLOCK_ROWS ((uint64_t)1 << 14)

uint64_t mdl_rows_per_pass(const mdl_model *m)
{
    return m->kind == MDL_LINEAR ? LINEAR_BLOCK_ROWS : nm_rows_per_pass(m->net);
}

/* Finite x can still make an infinite prediction (x near 1e308 times a
 * weight, or beyond float32's range in a network): refused, naming the
 * row, rather than written as inf for the next tool to choke on. */
static int check_overflow(const dl_tensor *t, const char *what, uint64_t first, dl_err *e)
{
    int64_t bad = t->data ? dl_tensor_find_nonfinite(t) : -1;
    if (bad < 0)
        return 0;
    uint64_t cols = dl_tensor_row_size(t);
    return dl_fail(e, DL_EDATA, "row %llu: %s overflows (x is too large for the model's weights)",
                   (unsigned long long)(first + (uint64_t)bad / (cols ? cols : 1) + 1), what);
}

/* The rows of x in passes of `pass` rows from the first row given: BLAS
 * sums a row's products in an order that depends on where the row stands in
 * the product (OpenBLAS's kernels take a product's last few rows, and each
 * thread's share, otherwise), so a row is predicted in the same place of the
 * same pass however x is cut into chunks.  The rows of a pass begun and not
 * yet complete are held, in the core's input space. */
struct mdl_passes {
    mdl_model *m;
    uint64_t pass;  /* rows per pass: mdl_rows_per_pass */
    dl_tensor held; /* room for the rows held (shape[0] rows), at most a pass */
    uint64_t count; /* rows held */
    uint64_t next;  /* the row of x (as messages count it) of the next prediction */
    int started;
    dl_tensor t;    /* a posterior's workspace: a pass's rows of phi */
};

int mdl_passes_new(mdl_passes **p, mdl_model *m, dl_err *e)
{
    *p = calloc(1, sizeof **p);
    if (!*p)
        return dl_fail(e, DL_ENOMEM, "out of memory");
    (*p)->m = m;
    (*p)->pass = mdl_rows_per_pass(m);
    return 0;
}

void mdl_passes_free(mdl_passes *p)
{
    if (!p)
        return;
    dl_tensor_free(&p->held);
    dl_tensor_free(&p->t);
    free(p);
}

/* yhat and ystd for `rows` predictions; allocated once x's first slice is
 * checked, so that its columns and cells are named before a chunk that
 * claims more rows than memory holds asks for room for all of them. */
static int alloc_outputs(const mdl_model *m, uint64_t rows, dl_tensor *yhat, dl_tensor *ystd,
                         dl_err *e)
{
    int dtype = m->kind == MDL_NETWORK ? DL_F32 : DL_F64;
    return dl_tensor_alloc2(yhat, "yhat", dtype, rows, m->outputs, e) ||
                   (ystd && dl_tensor_alloc2(ystd, "ystd", dtype, rows, m->outputs, e))
               ? e->code
               : 0;
}

/* rows, x's rows in the core's input space: f32 [N x inputs] for a network
 * (*rows may be x_raw itself, which *owned then does not hold), f64 [N x P]
 * for a linear model, checked; messages count x_raw's rows from `first`. */
static int core_rows(const mdl_model *m, const dl_tensor *x_raw, uint64_t first,
                     dl_tensor *owned, const dl_tensor **rows, dl_err *e)
{
    memset(owned, 0, sizeof *owned);
    if (m->kind == MDL_NETWORK)
        return network_rows(m, x_raw, first, owned, rows, e);
    *rows = owned;
    return design_rows(m, x_raw, first, owned, e);
}

/* One pass: n rows of the core's input at `in` to yhat (and ystd) from
 * their row `at`. */
static int predict_pass(mdl_passes *p, const void *in, uint64_t n, dl_tensor *yhat,
                        dl_tensor *ystd, uint64_t at, dl_err *e)
{
    mdl_model *m = p->m;
    size_t k = m->outputs;
    if (m->kind == MDL_NETWORK)
        return nm_predict(m->net, in, (size_t)n, (float *)yhat->data + at * k, e);
    if (ystd && p->t.shape[0] < n) {
        dl_tensor_free(&p->t);
        if (dl_tensor_alloc2(&p->t, "t", DL_F64, n, lm_input_dim(m->lin), e))
            return e->code;
    }
    lm_predict(m->lin, in, (size_t)n, (double *)yhat->data + at * k,
               ystd ? (double *)ystd->data + at * k : NULL, p->t.data);
    return 0;
}

/* rows (n of them) after the rows held; the pass they complete predicted.
 * The room grows with the rows held, never beyond a pass: a wide linear
 * model's pass of 16384 rows can be hundreds of MiB, where x has a few. */
static int hold_rows(mdl_passes *p, const dl_tensor *rows, uint64_t n, dl_tensor *yhat,
                     dl_tensor *ystd, uint64_t *done, dl_err *e)
{
    size_t row_bytes = (size_t)dl_tensor_row_size(rows) * dl_dtype_size(rows->dtype);
    if (!p->held.data && dl_tensor_alloc2(&p->held, "held", rows->dtype, 0, rows->shape[1], e))
        return e->code;
    if (p->count + n > p->held.shape[0]) {
        dl_tensor more = p->held; /* the rows to add, described: its data is not read */
        more.shape[0] = p->count + n - p->held.shape[0];
        if (!dl_tensor_grow_rows(&p->held, &more, e))
            return e->code;
        p->held.shape[0] += more.shape[0];
    }
    memcpy((char *)p->held.data + p->count * row_bytes, rows->data, (size_t)n * row_bytes);
    p->count += n;
    if (p->count < p->pass)
        return 0;
    int rc = predict_pass(p, p->held.data, p->count, yhat, ystd, *done, e);
    *done += p->count;
    p->count = 0;
    return rc;
}

/* x_raw's rows (none when NULL) after those given before, in passes: the
 * passes they complete predicted, and with `last` the rows left too, as a
 * shorter last pass; yhat and ystd get the predictions, from the first row
 * not predicted before. */
static int passes_run(mdl_passes *p, const dl_tensor *x_raw, uint64_t first, int last,
                      dl_tensor *yhat, dl_tensor *ystd, dl_err *e)
{
    mdl_model *m = p->m;
    uint64_t n = x_raw ? dl_tensor_rows(x_raw) : 0, b = p->pass;
    uint64_t row_bytes = x_raw ? dl_tensor_row_size(x_raw) * dl_dtype_size(x_raw->dtype) : 0;
    uint64_t out = last ? p->count + n : (p->count + n) / b * b, done = 0;
    if (!p->started)
        p->next = first;
    p->started = 1;
    memset(yhat, 0, sizeof *yhat);
    ystd = ystd && mdl_has_std(m) ? ystd : NULL;
    if (ystd)
        memset(ystd, 0, sizeof *ystd);
    int rc = x_raw ? 0 : alloc_outputs(m, out, yhat, ystd, e);
    /* slices of x_raw that fill the pass begun, or are whole passes (or
     * the last rows); one slice of no rows checks an empty x's columns */
    for (uint64_t at = 0; !rc && x_raw && (at < n || at == 0);) {
        uint64_t len = p->count == 0 && n - at >= b ? b : n - at < b - p->count ? n - at
                                                                                 : b - p->count;
        dl_tensor slice = *x_raw, owned; /* slice: a view of x_raw's rows, never freed */
        const dl_tensor *rows;
        if (x_raw->rank > 0)
            slice.shape[0] = len;
        slice.data = (char *)x_raw->data + at * row_bytes;
        rc = core_rows(m, &slice, first + at, &owned, &rows, e) ||
                     (at == 0 && alloc_outputs(m, out, yhat, ystd, e))
                 ? e->code
                 : 0;
        if (!rc && p->count == 0 && (len == b || (last && at + len == n))) {
            rc = len ? predict_pass(p, rows->data, len, yhat, ystd, done, e) : 0;
            done += len;
        } else if (!rc && len) {
            rc = hold_rows(p, rows, len, yhat, ystd, &done, e);
        }
        dl_tensor_free(&owned);
        at += len;
        if (n == 0)
            break;
    }
    if (!rc && last && p->count) {
        rc = predict_pass(p, p->held.data, p->count, yhat, ystd, done, e);
        p->count = 0;
    }
    if (!rc)
        rc = check_overflow(yhat, "the prediction", p->next, e) ||
                     (ystd && check_overflow(ystd, "its standard deviation", p->next, e))
                 ? e->code
                 : 0;
    p->next += out;
    if (rc) {
        dl_tensor_free(yhat);
        if (ystd)
            dl_tensor_free(ystd);
    }
    return rc;
}

int mdl_passes_add(mdl_passes *p, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                   dl_tensor *ystd, dl_err *e)
{
    return passes_run(p, x_raw, first, 0, yhat, ystd, e);
}

int mdl_passes_finish(mdl_passes *p, dl_tensor *yhat, dl_tensor *ystd, dl_err *e)
{
    return passes_run(p, NULL, p->next, 1, yhat, ystd, e);
}

int mdl_predict(mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                dl_tensor *ystd, dl_err *e)
{
    mdl_passes *p;
    if (mdl_passes_new(&p, m, e))
        return e->code;
    int rc = passes_run(p, x_raw, first, 1, yhat, ystd, e);
    mdl_passes_free(p);
    return rc;
}
