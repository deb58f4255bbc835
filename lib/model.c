#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "colmeta.h"
#include "kvtext.h"
#include "linmodel.h"
#include "netmodel.h"
#include "stream.h"

struct mdl_model {
    int kind;
    bf_design *design;     /* NULL: x goes to the core as it is */
    dl_tensor design_rec;  /* the checkpoint's design text, to recognise it */
    int design_upstream;   /* x arrives already designed */
    size_t inputs, outputs;
    lm_model *lin;         /* the linear kind (lib/linmodel.h) */
    nm_model *net;         /* the network kind (lib/netmodel.h) */
    cm_names xnames;       /* the checkpoint's x.names: the columns the core takes */
    dl_tensor y_names, y_categories; /* of the training targets, when kept */
};

static int open_linear(mdl_model *m, dl_tensor_set *ckpt, dl_err *e)
{
    if (lm_open(&m->lin, ckpt, e))
        return e->code;
    size_t p = lm_input_dim(m->lin);
    m->outputs = lm_output_dim(m->lin);
    m->inputs = m->design ? bf_input_dim(m->design) : p;
    if (m->design && bf_output_dim(m->design) != p)
        return dl_fail(e, DL_EDATA, "checkpoint: the design makes %zu column%s but w has %zu row%s",
                       bf_output_dim(m->design), dl_plural(bf_output_dim(m->design)), p,
                       dl_plural(p));
    return 0;
}

/* ---- the network kind: loader and predictor are lib/netmodel's ---- */

/* Rows per forward pass: bounds the network's workspace. */
#define NETWORK_CHUNK_ROWS 1024

static int open_network(mdl_model *m, dl_tensor_set *ckpt, dl_err *e)
{
    if (nm_open(&m->net, ckpt, NETWORK_CHUNK_ROWS, e))
        return strncmp(e->msg, "checkpoint", 10) ? dl_err_wrap(e, "checkpoint") : e->code;
    size_t in = nm_input_dim(m->net);
    m->outputs = nm_output_dim(m->net);
    m->inputs = m->design ? bf_input_dim(m->design) : in;
    if (m->design && bf_output_dim(m->design) != in)
        return dl_fail(e, DL_EDATA, "checkpoint: the design makes %zu column%s but the network "
                       "takes %zu",
                       bf_output_dim(m->design), dl_plural(bf_output_dim(m->design)), in);
    return 0;
}

/* x in the network's input space as f32 [N x inputs]: *rows is x_raw's own
 * data when that already is an f32 matrix (no copy), else *x holds it. */
static int network_rows(const mdl_model *m, const dl_tensor *x_raw, dl_tensor *x,
                        const dl_tensor **rows, dl_err *e)
{
    size_t in = nm_input_dim(m->net);
    *rows = x_raw;
    if (m->design && !m->design_upstream) {
        if (bf_apply_tensor(m->design, x_raw, 0, "x", x, e) || dl_tensor_convert(x, DL_F32, e))
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
    if (cm_check_missing(*rows, &m->xnames, 0, e))
        return e->code;
    int64_t bad = dl_tensor_find_nonfinite(*rows);
    if (bad >= 0)
        return dl_fail(e, DL_EDATA, "x row %llu is not finite in float32 (NaN, Inf, or beyond "
                       "about 3.4e38), as networks compute",
                       (unsigned long long)((uint64_t)bad / in + 1));
    return 0;
}

static int predict_network(mdl_model *m, const dl_tensor *x_raw, dl_tensor *yhat, dl_err *e)
{
    dl_tensor x;
    const dl_tensor *rows;
    memset(&x, 0, sizeof x);
    int rc = network_rows(m, x_raw, &x, &rows, e);
    size_t n = rc ? 0 : (size_t)rows->shape[0];
    if (!rc)
        rc = dl_tensor_alloc2(yhat, "yhat", DL_F32, n, m->outputs, e);
    if (!rc && n > 0)
        rc = nm_predict(m->net, rows->data, n, yhat->data, e);
    dl_tensor_free(&x);
    return rc;
}

static int parse_kind(const dl_tensor *rec, int *kind, dl_err *e)
{
    char v[64];
    if (rec->dtype != DL_U8 || rec->rank != 1)
        return dl_fail(e, DL_EDATA, "checkpoint: 'model' must be u8 text");
    if (!kv_value(rec->data, (size_t)dl_tensor_nelem(rec), "kind", v, sizeof v))
        return dl_fail(e, DL_EDATA, "checkpoint: the model record has no 'kind:' line");
    if (strcmp(v, "linear") == 0)
        *kind = MDL_LINEAR;
    else if (strcmp(v, "network") == 0)
        *kind = MDL_NETWORK;
    else
        return dl_fail(e, DL_EDATA, "checkpoint: unknown model kind '%s' (linear or network)", v);
    return 0;
}

int mdl_open(mdl_model **out, dl_tensor_set *ckpt, dl_err *e)
{
    *out = NULL;
    dl_tensor *rec = dl_set_find(ckpt, "model");
    if (!rec)
        return dl_fail(e, DL_EDATA, "not a checkpoint: no 'model' record");
    mdl_model *m = calloc(1, sizeof *m);
    if (!m)
        return dl_fail(e, DL_ENOMEM, "out of memory for the model");
    int rc = parse_kind(rec, &m->kind, e);
    if (!rc && dl_set_take(ckpt, "design", &m->design_rec))
        rc = bf_from_record(&m->design, &m->design_rec, e);
    cm_names_init(&m->xnames);
    dl_set_take(ckpt, "y.names", &m->y_names);
    dl_set_take(ckpt, "y.categories", &m->y_categories);
    if (!rc)
        rc = m->kind == MDL_LINEAR ? open_linear(m, ckpt, e) : open_network(m, ckpt, e);
    if (!rc)
        rc = cm_names_load(&m->xnames, ckpt, "x",
                           m->lin ? lm_input_dim(m->lin) : nm_input_dim(m->net), e);
    if (rc) {
        mdl_free(m);
        return e->code;
    }
    *out = m;
    return 0;
}

int mdl_load(mdl_model **m, const char *path, dl_err *e)
{
    dl_tensor_set set;
    dl_set_init(&set);
    int rc = st_read_set(path, &set, e);
    if (!rc && set.count == 0)
        rc = st_fail_empty(path && strcmp(path, "-") ? path : "<stdin>", e);
    if (!rc && mdl_open(m, &set, e))
        rc = dl_err_wrap(e, "%s", path && strcmp(path, "-") ? path : "<stdin>");
    dl_set_free(&set);
    return rc;
}

void mdl_free(mdl_model *m)
{
    if (!m)
        return;
    bf_free(m->design);
    dl_tensor_free(&m->design_rec);
    cm_names_free(&m->xnames);
    dl_tensor_free(&m->y_names);
    dl_tensor_free(&m->y_categories);
    lm_free(m->lin);
    nm_free(m->net);
    free(m);
}

int mdl_kind(const mdl_model *m) { return m->kind; }
const dl_tensor *mdl_target_names(const mdl_model *m)
{
    return m->y_names.data ? &m->y_names : NULL;
}
const dl_tensor *mdl_target_categories(const mdl_model *m)
{
    return m->y_categories.data ? &m->y_categories : NULL;
}
size_t mdl_input_dim(const mdl_model *m) { return m->design_upstream ? bf_output_dim(m->design) : m->inputs; }
size_t mdl_output_dim(const mdl_model *m) { return m->outputs; }
int mdl_has_std(const mdl_model *m) { return m->lin && lm_has_std(m->lin); }

int mdl_design_upstream(const mdl_model *m) { return m->design_upstream; }
const lm_model *mdl_linear(const mdl_model *m) { return m->lin; }
const nm_model *mdl_network(const mdl_model *m) { return m->net; }
const bf_design *mdl_design(const mdl_model *m) { return m->design; }

int mdl_bind_input(mdl_model *m, const pp_columns *c, dl_err *e)
{
    if (!m->design || m->design_upstream)
        return 0;
    return pp_bind(bf_prep_mut(m->design), c, e);
}

int mdl_accept_design(mdl_model *m, const dl_tensor *design_rec, dl_err *e)
{
    if (!m->design || !bf_design_equal(design_rec, &m->design_rec))
        return dl_fail(e, DL_EDATA, "the input went through a design that is not the "
                                    "checkpoint's; give raw x (the checkpoint applies its design)");
    m->design_upstream = 1;
    return 0;
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
    if (dl_tensor_find_nonfinite(phi) >= 0)
        return dl_fail(e, DL_EDATA, "x holds an infinity");
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

/* One block of rows: design, then yhat (and ystd) rows from `first` on. */
static int predict_block(mdl_model *m, const dl_tensor *rows, uint64_t first, dl_tensor *yhat,
                         dl_tensor *ystd, double *t, dl_err *e)
{
    dl_tensor phi;
    size_t k = m->outputs;
    if (design_rows(m, rows, first, &phi, e))
        return e->code;
    lm_predict(m->lin, phi.data, (size_t)phi.shape[0], (double *)yhat->data + first * k,
               ystd ? (double *)ystd->data + first * k : NULL, t);
    dl_tensor_free(&phi);
    return 0;
}

static int predict_linear(mdl_model *m, const dl_tensor *x_raw, dl_tensor *yhat,
                          dl_tensor *ystd, dl_err *e)
{
    uint64_t n = x_raw->rank == 0 ? 1 : x_raw->shape[0];
    uint64_t row_bytes = dl_tensor_row_size(x_raw) * dl_dtype_size(x_raw->dtype);
    size_t p = lm_input_dim(m->lin);
    dl_tensor t, rows = *x_raw; /* rows: a view of a block of x_raw, never freed */
    memset(&t, 0, sizeof t);
    ystd = ystd && mdl_has_std(m) ? ystd : NULL;
    int rc = dl_tensor_alloc2(yhat, "yhat", DL_F64, n, m->outputs, e) ||
             (ystd && (dl_tensor_alloc2(ystd, "ystd", DL_F64, n, m->outputs, e) ||
                       dl_tensor_alloc2(&t, "t", DL_F64, LINEAR_BLOCK_ROWS, p, e))) ? e->code : 0;
    for (uint64_t first = 0; !rc && (first < n || first == 0); first += LINEAR_BLOCK_ROWS) {
        if (x_raw->rank > 0)
            rows.shape[0] = n - first < LINEAR_BLOCK_ROWS ? n - first : LINEAR_BLOCK_ROWS;
        rows.data = (char *)x_raw->data + first * row_bytes;
        rc = predict_block(m, &rows, first, yhat, ystd, t.data, e);
        if (n == 0)
            break;
    }
    dl_tensor_free(&t);
    return rc ? e->code : 0;
}

int mdl_labels(const mdl_model *m, dl_tensor *yhat, double threshold, dl_err *e)
{
    if (m->kind != MDL_NETWORK)
        return dl_fail(e, DL_EUSAGE, "--labels needs a classifier network checkpoint");
    return nm_labels(m->net, yhat, threshold, e);
}

int mdl_predict(mdl_model *m, const dl_tensor *x_raw, dl_tensor *yhat, dl_tensor *ystd,
                dl_err *e)
{
    memset(yhat, 0, sizeof *yhat);
    if (ystd)
        memset(ystd, 0, sizeof *ystd);
    int rc = m->kind == MDL_LINEAR ? predict_linear(m, x_raw, yhat, ystd, e)
                                   : predict_network(m, x_raw, yhat, e);
    if (rc) {
        dl_tensor_free(yhat);
        if (ystd)
            dl_tensor_free(ystd);
    }
    return rc;
}
