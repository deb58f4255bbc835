/* model_predict.c - predictions of an opened checkpoint (see model.h): x
 * through the checkpoint's design, then the linear or network core. */
#include "model.h"

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

static int predict_network(mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                           dl_err *e)
{
    dl_tensor x;
    const dl_tensor *rows;
    memset(&x, 0, sizeof x);
    int rc = network_rows(m, x_raw, first, &x, &rows, e);
    size_t n = rc ? 0 : (size_t)rows->shape[0];
    if (!rc)
        rc = dl_tensor_alloc2(yhat, "yhat", DL_F32, n, m->outputs, e);
    if (!rc && n > 0)
        rc = nm_predict(m->net, rows->data, n, yhat->data, e);
    dl_tensor_free(&x);
    return rc;
}

/* x already in the weights' space: a checked f64 copy. */
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

/* Rows designed and predicted at a time: bounds phi's memory (and keeps
 * BLAS's int sizes small) however large a chunk of x is. */
#define LINEAR_BLOCK_ROWS ((uint64_t)1 << 14)

/* yhat (and ystd, and the workspace t) for a chunk's n rows; allocated
 * once its first block is designed, so that x's columns and cells are
 * checked before a chunk that claims more rows than memory holds asks for
 * room for all of them.  t holds a block: no more rows than the chunk has,
 * which for a wide posterior and a few rows is hundreds of MiB less. */
static int alloc_outputs(mdl_model *m, uint64_t n, dl_tensor *yhat, dl_tensor *ystd, dl_tensor *t,
                         dl_err *e)
{
    size_t p = lm_input_dim(m->lin);
    uint64_t block = n < LINEAR_BLOCK_ROWS ? n : LINEAR_BLOCK_ROWS;
    return dl_tensor_alloc2(yhat, "yhat", DL_F64, n, m->outputs, e) ||
                   (ystd && (dl_tensor_alloc2(ystd, "ystd", DL_F64, n, m->outputs, e) ||
                             dl_tensor_alloc2(t, "t", DL_F64, block, p, e)))
               ? e->code
               : 0;
}

static int predict_linear(mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                          dl_tensor *ystd, dl_err *e)
{
    uint64_t n = dl_tensor_rows(x_raw);
    uint64_t row_bytes = dl_tensor_row_size(x_raw) * dl_dtype_size(x_raw->dtype);
    size_t k = m->outputs;
    dl_tensor t, phi, rows = *x_raw; /* rows: a view of a block of x_raw, never freed */
    memset(&t, 0, sizeof t);
    ystd = ystd && mdl_has_std(m) ? ystd : NULL;
    int rc = 0;
    for (uint64_t at = 0; !rc && (at < n || at == 0); at += LINEAR_BLOCK_ROWS) {
        if (x_raw->rank > 0)
            rows.shape[0] = n - at < LINEAR_BLOCK_ROWS ? n - at : LINEAR_BLOCK_ROWS;
        rows.data = (char *)x_raw->data + at * row_bytes;
        /* the block designed (its first row is the record's row first + at,
         * as messages name it), then its rows of yhat and ystd */
        if ((rc = design_rows(m, &rows, first + at, &phi, e)) != 0)
            break;
        if (at == 0)
            rc = alloc_outputs(m, n, yhat, ystd, &t, e);
        if (!rc)
            lm_predict(m->lin, phi.data, (size_t)phi.shape[0], (double *)yhat->data + at * k,
                       ystd ? (double *)ystd->data + at * k : NULL, t.data);
        dl_tensor_free(&phi);
        if (n == 0)
            break;
    }
    dl_tensor_free(&t);
    return rc ? e->code : 0;
}

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

int mdl_predict(mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                dl_tensor *ystd, dl_err *e)
{
    memset(yhat, 0, sizeof *yhat);
    if (ystd)
        memset(ystd, 0, sizeof *ystd);
    int rc = m->kind == MDL_LINEAR ? predict_linear(m, x_raw, first, yhat, ystd, e)
                                   : predict_network(m, x_raw, first, yhat, e);
    if (!rc)
        rc = check_overflow(yhat, "the prediction", first, e) ||
                     (ystd && check_overflow(ystd, "its standard deviation", first, e))
                 ? e->code
                 : 0;
    if (rc) {
        dl_tensor_free(yhat);
        if (ystd)
            dl_tensor_free(ystd);
    }
    return rc;
}
