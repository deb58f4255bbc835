/* train.c - the training loop (see train.h and man/dl-train.1). */
#include "train.h"

#include <cblas.h>
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "basis.h"
#include "blasmem.h"
#include "buf.h"
#include "colmeta.h"
#include "kvtext.h"
#include "netmodel.h"
#include "nn.h"
#include "nn_simd.h"
#include "numtext.h"
#include "optim.h"
#include "prep.h"
#include "rng.h"
#include "stream.h"
#include "twoway.h"

/* Rows of a data set in float32, row-major, and their weights (the 'w'
 * record times the class weights; NULL when the run is unweighted). */
typedef struct tr_rows {
    float *x, *y, *w;
    size_t n;
} tr_rows;

/* The optimizer state and the shuffling RNG at the end of an epoch: what
 * --resume needs besides the weights. */
typedef struct tr_snapshot {
    float *params, *m, *v;
    uint64_t step;
    dl_rng rng;
} tr_snapshot;

/* The memory that the processes of a data-parallel run on one node share
 * (dd_shared), each node its own: besides the weights and the optimizer's
 * state (nn_net's params and opt_state's m and v point there), every
 * process's gradient and step scalars, and the summed gradient. */
typedef struct tr_shared {
    float *grads;     /* size rows of `stride`: each process's gradient */
    float *sum;       /* the summed gradient (each process writes its shard) */
    double *scalars;  /* size rows of 8: each process's step_sums */
    double *squares;  /* size rows of 8: each shard's partial sums of squares */
    size_t stride;    /* n_params rounded up to whole cache lines */
    size_t from, to;  /* this process's shard of the parameters */
} tr_shared;

/* How one process with several BLAS threads writes, each step, what the
 * other threads read next: the weights (the optimizer) and the gradient
 * (the backward pass); see next_writes. */
typedef struct tr_writes {
    int timed;        /* the way is chosen by timing (tw_next), not pinned */
    tw_choice choice; /* its way: the step's, 0 cached, 1 streamed */
} tr_writes;

typedef struct trainer {
    const tr_opts *cfg;
    dl_spec spec;           /* the config's spec with the input size filled in */
    nn_net net;
    opt_state opt;
    tr_rows train, val;     /* this process's rows (all of them in one process) */
    size_t train_total;     /* training rows of every process */
    size_t train_first;     /* global index of this process's first training row */
    size_t val_total;       /* validation rows of every process */
    uint64_t *val_from;     /* held out: each validation row's row of the data (else NULL) */
    size_t d, k;            /* x and y columns */
    size_t batch;           /* rows per global minibatch */
    dd_group *group;        /* a data-parallel run, or NULL */
    tr_shared sh;           /* its processes share their node's memory (else all NULL) */
    unsigned char *reduce_after; /* per layer above 0: a gradient bucket ends there */
    double step_sums[3];    /* summed each step: loss x rows (weighted: the weighted
                               loss sum), stop requests, the batch's sum of weights */
    int weighted;           /* rows have weights: 'w', or training.class_weight */
    double waited;          /* this epoch's seconds blocked on the sums */
    uint64_t *order;        /* global training rows in this epoch's order */
    float *xb, *yb, *wb;    /* a gathered minibatch */
    uint64_t *held;         /* its rows that this process holds, from its first */
    float *best;            /* the best epoch's weights */
    tr_snapshot snap;       /* the last completed epoch */
    nn_layer_stats *stats;  /* per layer, from the epoch's last batch */
    dl_rng rng;             /* shuffles */
    uint64_t epoch;         /* completed epochs */
    uint64_t best_epoch, bad_epochs;
    double best_loss;
    double best_train, best_val; /* the best epoch's losses (NaN: unknown, no validation) */
    int stopped;            /* enum nm_stop, once the loop ends */
    int saved_stopped;      /* --resume: why the saved run stopped (enum nm_stop) */
    int64_t saved_threads;  /* --resume: the BLAS threads the saved run recorded (-1: unknown) */
    uint64_t resumed_epoch; /* --resume: the epochs the saved run had done */
    double grad_norm;       /* of the last batch */
    int logs_failed;        /* a stop of every process for rank 0's failed log write */
    double *class_w;        /* training.class_weight given: each class's weight */
    tr_writes writes;       /* one process: how each step writes (next_writes) */
} trainer;

/* Separate streams so that, e.g., --init-from (no weights drawn) does not
 * change the validation split or the shuffles of the same seed. */
#define SEED_SPLIT 0x5851f42d4c957f2dULL
#define SEED_SHUFFLE 0x14057b7ef767814fULL

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *floats(size_t n) { return dl_mem_zeroed(n ? n : 1, sizeof(float)); }

/* Whether n weights are all numbers: a step can take them beyond float32's
 * range while the loss it started from was finite, and a checkpoint never
 * holds NaN or Inf (its readers refuse them). */
static int weights_finite(const float *w, size_t n)
{
    dl_tensor view = {.dtype = DL_F32, .rank = 1, .shape = {n}, .data = (void *)w};
    return dl_tensor_find_nonfinite(&view) < 0;
}

/* ------------------------------ the data -------------------------------- */

/* The row of the first non-finite element of matrix t, or 0 when all are finite. */
static uint64_t nonfinite_row(const dl_tensor *t)
{
    int64_t bad = dl_tensor_find_nonfinite(t);
    return bad < 0 ? 0 : (uint64_t)bad / dl_tensor_row_size(t) + 1;
}

/* ce's one column of labels, and bce's targets under training.class_weight,
 * are classes: one not a whole number as read (f64) is refused here, named
 * as it is written, before float32 rounds one such as 0.99999999 to 1. */
static int whole_classes(const dl_tensor *y, const dl_spec *s, const char *label,
                         uint64_t first, dl_err *e)
{
    int ce_labels = s->loss.kind == NN_LOSS_CE && y->shape[1] == 1;
    int bce_classes = s->loss.kind == NN_LOSS_BCE && s->class_weight != SPEC_CW_NONE;
    if (y->dtype != DL_F64 || !(ce_labels || bce_classes))
        return 0;
    const double *v = y->data;
    size_t classes = s->layers[s->n_layers - 1].units;
    for (uint64_t i = 0; i < y->shape[0] * y->shape[1]; i++) {
        if (v[i] == floor(v[i]))
            continue;
        char text[NT_BUF];
        nt_format_f64(v[i], text);
        unsigned long long row = (unsigned long long)(first + i / y->shape[1] + 1);
        if (ce_labels)
            return dl_fail(e, DL_EDATA, "%s: record 'y': row %llu: label %s is not a class in "
                           "0..%zu (labels are 0-based: %zu classes are 0 to %zu)", label, row,
                           text, classes - 1, classes, classes - 1);
        return dl_fail(e, DL_EDATA, "%s: record 'y': row %llu: target %s is not a class "
                       "(training.class_weight with bce needs targets 0 or 1)", label, row, text);
    }
    return 0;
}

/* Takes record `name` as an f32 matrix, checked for NaN/Inf before and after
 * the conversion (a finite f64 beyond float32's range becomes Inf); rows
 * are counted from first + 1 in messages (the set may be one process's
 * share).  y's classes under spec's loss are checked as read (whole_classes);
 * spec is NULL for x. */
static int take_matrix(dl_tensor_set *set, const char *name, const char *label, uint64_t first,
                       const dl_spec *spec, dl_tensor *t, dl_err *e)
{
    if (!dl_set_take(set, name, t))
        return strcmp(name, "y") == 0
                   ? dl_fail(e, DL_EDATA, "%s: no 'y' record: dl-train needs targets "
                                          "(e.g. dl-tensor import --targets 1)", label)
                   : dl_fail(e, DL_EDATA, "%s: no '%s' record", label, name);
    if (dl_tensor_as_matrix(t, e))
        return dl_err_wrap(e, "%s: record '%s'", label, name);
    uint64_t row = nonfinite_row(t); /* one scan of clean data */
    if (strcmp(name, "x") == 0) { /* a missing cell named by its column */
        cm_names names;
        cm_names_init(&names);
        int rc = cm_names_load(&names, set, "x", t->shape[1], e) ||
                 cm_refuse_codes(dl_set_find(set, "x" CM_CATEGORIES_SUFFIX), t->shape[1], &names,
                                 e) ||
                 (row && cm_check_missing(t, &names, first, e)) ? e->code : 0;
        cm_names_free(&names);
        if (rc)
            return dl_err_wrap(e, "%s: record 'x'", label);
    }
    if (row)
        return dl_fail(e, DL_EDATA, "%s: record '%s': row %llu holds NaN or Inf", label, name,
                       (unsigned long long)(first + row));
    if (spec && whole_classes(t, spec, label, first, e))
        return e->code;
    int converted = t->dtype != DL_F32;
    if (dl_tensor_convert(t, DL_F32, e))
        return dl_err_wrap(e, "%s: record '%s'", label, name);
    row = converted ? nonfinite_row(t) : 0;
    if (row)
        return dl_fail(e, DL_EDATA, "%s: record '%s': row %llu holds a value beyond float32's "
                       "range (about 3.4e38), as networks train in float32", label, name,
                       (unsigned long long)(first + row));
    return 0;
}

/* The weights 'w' of a set, if any (w stays empty without): f64, finite,
 * >= 0, within float32's range, as many as x has rows (counted from
 * first + 1 in messages: the set may be one process's share). */
static int take_weights(dl_tensor_set *set, const char *label, uint64_t rows, uint64_t first,
                        dl_tensor *w, dl_err *e)
{
    if (!dl_set_take(set, "w", w))
        return 0;
    if (w->rank >= 1 && w->shape[0] != rows)
        return dl_fail(e, DL_EDATA, "%s: 'x' has %llu row%s but 'w' has %llu", label,
                       (unsigned long long)rows, dl_plural((unsigned long long)rows),
                       (unsigned long long)w->shape[0]);
    if (cm_weights_check_chunk(w, rows, first, e) || dl_tensor_as_matrix(w, e) ||
        dl_tensor_convert(w, DL_F64, e))
        return dl_err_wrap(e, "%s", label);
    const double *c = w->data;
    for (uint64_t i = 0; i < rows; i++) {
        if (c[i] > FLT_MAX)
            return dl_fail(e, DL_EDATA, "%s: record 'w': row %llu: weight %.17g is beyond "
                           "float32's range (about 3.4e38), as networks train in float32",
                           label, (unsigned long long)(first + i + 1), c[i]);
        /* it would weigh 0: rows of such weights all "have weight 0" */
        if (c[i] > 0 && (float)c[i] == 0.0f)
            return dl_fail(e, DL_EDATA, "%s: record 'w': row %llu: weight %.17g is below "
                           "float32's range (about 1.4e-45) and would weigh 0, as networks "
                           "train in float32 (scale the weights: their weighted means do not "
                           "change)", label, (unsigned long long)(first + i + 1), c[i]);
    }
    return 0;
}

/* x and y of a set, as matrices with the same number of rows, and its
 * weights w when it has them.  The set is share's rows of the data set
 * (NULL: all of them), which may be none of a data set that has some. */
static int take_xy(dl_tensor_set *set, const char *label, const sh_share *share,
                   const dl_spec *spec, dl_tensor *x, dl_tensor *y, dl_tensor *w, dl_err *e)
{
    uint64_t first = share ? share->first : 0;
    if (set->count == 0)
        return st_fail_empty(label, e);
    if (take_matrix(set, "x", label, first, NULL, x, e) ||
        take_matrix(set, "y", label, first, spec, y, e))
        return e->code;
    if (x->shape[0] != y->shape[0])
        return dl_fail(e, DL_EDATA, "%s: 'x' has %llu row%s but 'y' has %llu", label,
                       (unsigned long long)x->shape[0], dl_plural((unsigned long long)x->shape[0]),
                       (unsigned long long)y->shape[0]);
    if (share ? share->rows == 0 : x->shape[0] == 0)
        return dl_fail(e, DL_EDATA, "%s: the data set is empty", label);
    return take_weights(set, label, x->shape[0], first, w, e);
}

static int rows_alloc(tr_rows *r, size_t n, size_t d, size_t k, int weighted, dl_err *e)
{
    r->n = n;
    r->x = floats(n * d);
    r->y = floats(n * k);
    r->w = weighted ? floats(n) : NULL;
    if (!r->x || !r->y || (weighted && !r->w))
        return dl_fail(e, DL_ENOMEM, "out of memory for %zu row%s", n, dl_plural(n));
    return 0;
}

/* Row j of x, y (NULL: none) and w (empty: weight 1) into row i of dst. */
static void copy_row(tr_rows *dst, size_t i, const dl_tensor *x, const dl_tensor *y,
                     const dl_tensor *w, size_t j, size_t d, size_t k)
{
    memcpy(dst->x + i * d, (const float *)x->data + j * d, d * sizeof(float));
    if (y)
        memcpy(dst->y + i * k, (const float *)y->data + j * k, k * sizeof(float));
    if (dst->w)
        dst->w[i] = w->data ? (float)((const double *)w->data)[j] : 1.0f;
}

/* Every row as a training row: x's rows (an f32 matrix, taken: x.data is
 * left NULL) are already in place; y and the weights (none: 1) are copied. */
static int take_all_rows(trainer *t, dl_tensor *x, const dl_tensor *y, const dl_tensor *w,
                         dl_err *e)
{
    size_t n = (size_t)x->shape[0], k = t->k;
    tr_rows *dst = &t->train;
    if (rows_alloc(dst, n, 0, k, t->weighted, e))
        return e->code;
    free(dst->x);
    dst->x = x->data;
    x->data = NULL;
    memcpy(dst->y, y->data, n * k * sizeof(float));
    for (size_t i = 0; dst->w && i < n; i++)
        dst->w[i] = w->data ? (float)((const double *)w->data)[i] : 1.0f;
    return 0;
}

/* Holds out round(fraction * n) rows (at least 1), chosen by the seeded
 * split stream; both parts keep the data's row order. */
static int split_rows(trainer *t, dl_tensor *x, const dl_tensor *y, const dl_tensor *w,
                      dl_err *e)
{
    const sh_share *share = t->cfg->data_share;
    size_t here = (size_t)x->shape[0];
    size_t n = share ? (size_t)share->rows : here, first = share ? (size_t)share->first : 0;
    size_t n_val = (size_t)llround(t->spec.validation * (double)n);
    if (t->spec.validation > 0 && n_val == 0)
        n_val = 1;
    if (n_val >= n)
        return dl_fail(e, DL_EDATA, "%s: %zu row%s leave%s no training rows after holding out "
                       "%zu for validation (training.validation %g)",
                       t->cfg->data_label, n, dl_plural(n), n == 1 ? "s" : "",
                       n_val, t->spec.validation);
    if (n_val == 0) { /* no copy of the data: x is the training rows */
        t->train_first = first;
        t->train_total = n;
        t->val_total = 0;
        return rows_alloc(&t->val, 0, t->d, t->k, t->weighted, e) ||
                       take_all_rows(t, x, y, w, e)
                   ? e->code
                   : 0;
    }
    unsigned char *is_val = calloc(n, 1);
    uint64_t *perm = calloc(n, sizeof *perm);
    int rc = 0;
    if (!is_val || !perm)
        return free(is_val), free(perm), dl_fail(e, DL_ENOMEM, "out of memory");
    dl_rng split;
    dl_rng_seed(&split, t->spec.seed ^ SEED_SPLIT);
    for (size_t i = 0; i < n; i++)
        perm[i] = i;
    if (n_val)
        dl_rng_shuffle(&split, perm, n);
    for (size_t i = 0; i < n_val; i++)
        is_val[perm[i]] = 1;
    /* The split is of the global rows: this process keeps its share of each part. */
    size_t val_here = 0;
    t->train_first = first;
    for (size_t i = 0; i < first + here; i++) {
        t->train_first -= i < first && is_val[i];
        val_here += i >= first && is_val[i];
    }
    t->train_total = n - n_val;
    t->val_total = n_val;
    t->val_from = calloc(val_here ? val_here : 1, sizeof *t->val_from);
    if (!t->val_from) {
        rc = dl_fail(e, DL_ENOMEM, "out of memory");
    } else if (rows_alloc(&t->train, here - val_here, t->d, t->k, t->weighted, e) ||
               rows_alloc(&t->val, val_here, t->d, t->k, t->weighted, e)) {
        rc = e->code;
    } else {
        size_t a = 0, b = 0;
        for (size_t i = 0; i < here; i++) {
            if (is_val[first + i]) {
                t->val_from[b] = first + i;
                copy_row(&t->val, b++, x, y, w, i, t->d, t->k);
            } else {
                copy_row(&t->train, a++, x, y, w, i, t->d, t->k);
            }
        }
    }
    free(is_val);
    free(perm);
    return rc;
}

/* The columns of ce's other form of targets than the training data's:
 * labels (one column) against one-hot rows (a column per class), which
 * train the same network; 0 for another loss. */
static size_t other_target_cols(const trainer *t)
{
    const dl_spec *s = &t->spec;
    uint64_t outputs = s->layers[s->n_layers - 1].units;
    uint64_t other = t->k == 1 ? outputs : 1;
    return s->loss.kind != NN_LOSS_CE || other == t->k ? 0 : (size_t)other;
}

/* y comes back as read (the caller frees it): its rows are checked once the
 * network exists, and a message must name a row of the input.  y of ce's
 * other form is left for val_targets to copy, once checked. */
static int load_val_set(trainer *t, dl_tensor_set *val, dl_tensor *y, dl_err *e)
{
    dl_tensor x = {0}, w = {0};
    const sh_share *share = t->cfg->val_share;
    int rc = take_xy(val, t->cfg->val_label, share, &t->spec, &x, y, &w, e);
    size_t other = rc ? 0 : other_target_cols(t);
    int later = other && y->shape[1] == other;
    if (!rc && (x.shape[1] != t->d || (y->shape[1] != t->k && !later)))
        rc = dl_fail(e, DL_EDATA, "%s: x is [%llu, %llu] and y [%llu, %llu], but the training "
                     "data's x has %zu column%s and its y %zu", t->cfg->val_label,
                     (unsigned long long)x.shape[0], (unsigned long long)x.shape[1],
                     (unsigned long long)y->shape[0], (unsigned long long)y->shape[1], t->d,
                     dl_plural(t->d), t->k);
    if (!rc && !(rc = rows_alloc(&t->val, (size_t)x.shape[0], t->d, t->k, t->weighted, e)))
        for (size_t i = 0; i < t->val.n; i++)
            copy_row(&t->val, i, &x, later ? NULL : y, &w, i, t->d, t->k);
    t->val_total = share ? (size_t)share->rows : t->val.n;
    dl_tensor_free(&x);
    dl_tensor_free(&w);
    return rc;
}

/* The training rows and the validation rows (held out, or from val); y and
 * y_val come back in input order, as load_val_set's. */
static int load_data(trainer *t, dl_tensor_set *data, dl_tensor_set *val, dl_tensor *y,
                     dl_tensor *y_val, dl_err *e)
{
    dl_tensor x = {0}, w = {0};
    const sh_share *share = t->cfg->data_share;
    t->weighted = dl_set_find(data, "w") || (val && dl_set_find(val, "w")) ||
                  t->spec.class_weight != SPEC_CW_NONE;
    int rc = take_xy(data, t->cfg->data_label, share, &t->spec, &x, y, &w, e);
    /* every process computes on rows of its own (a --val file's share may be empty) */
    if (!rc && share && share->rows < (uint64_t)t->cfg->group->size)
        rc = dl_fail(e, DL_EDATA, "%s: %llu row%s cannot be shared by %d processes",
                     t->cfg->data_label, (unsigned long long)share->rows,
                     dl_plural((unsigned long long)share->rows), t->cfg->group->size);
    if (!rc) {
        t->d = (size_t)x.shape[1];
        t->k = (size_t)y->shape[1];
        if (t->d == 0)
            rc = dl_fail(e, DL_EDATA, "%s: 'x' has no columns: the network has no inputs",
                         t->cfg->data_label);
        else if (t->spec.input && t->spec.input != t->d)
            rc = dl_fail(e, DL_EDATA, "%s: 'x' has %zu column%s but the spec says model.input "
                         "%llu",
                         t->cfg->data_label, t->d, dl_plural(t->d),
                         (unsigned long long)t->spec.input);
        t->spec.input = t->d;
    }
    if (!rc && val) {
        t->spec.validation = 0;
        rc = load_val_set(t, val, y_val, e);
        if (!rc && !(rc = rows_alloc(&t->train, (size_t)x.shape[0], t->d, t->k, t->weighted,
                                     e)))
            for (size_t i = 0; i < t->train.n; i++)
                copy_row(&t->train, i, &x, y, &w, i, t->d, t->k);
        t->train_total = share ? (size_t)share->rows : t->train.n;
        t->train_first = share ? (size_t)share->first : 0;
    } else if (!rc) {
        rc = split_rows(t, &x, y, &w, e);
    }
    dl_tensor_free(&x);
    dl_tensor_free(&w);
    return rc;
}

/* y's columns against the network's outputs under the loss (the spec alone
 * was checked when read): a mismatch is the data's. */
static int check_outputs(const trainer *t, dl_err *e)
{
    if (nn_loss_check(&t->spec.loss, &t->net, t->k, e))
        return dl_err_wrap(e, "%s: record 'y'", t->cfg->data_label);
    return 0;
}

/* The targets as read, so that "row N" is the input's row, not a row of
 * the training or validation part (nor of this process's share). */
static int check_targets(trainer *t, const dl_tensor *y, const char *label,
                         const sh_share *share, dl_err *e)
{
    uint64_t first = share ? share->first + 1 : 1;
    if (y->data && nn_loss_check_targets(&t->spec.loss, &t->net, y->data,
                                         (size_t)y->shape[0], (size_t)y->shape[1], first, e))
        return dl_err_wrap(e, "%s: record 'y'", label);
    return 0;
}

/* The targets of a --val file in ce's other form than the training
 * data's, checked (check_targets), into the validation rows: labels as
 * one-hot rows, one-hot rows as their labels (a row of class
 * probabilities has none). */
static int val_targets(trainer *t, const dl_tensor *y, dl_err *e)
{
    size_t cols = y->data ? (size_t)y->shape[1] : t->k, first = 0;
    if (cols == t->k)
        return 0;
    if (t->cfg->val_share)
        first = (size_t)t->cfg->val_share->first;
    const float *src = y->data;
    for (size_t i = 0; i < t->val.n; i++) {
        float *dst = t->val.y + i * t->k;
        if (cols == 1) {
            memset(dst, 0, t->k * sizeof *dst);
            dst[(size_t)src[i]] = 1.0f;
            continue;
        }
        size_t ones = 0;
        for (size_t j = 0; j < cols; j++) {
            float v = src[i * cols + j];
            ones += v == 1.0f ? 1 : v != 0.0f ? 2 : 0;
            dst[0] = v == 1.0f ? (float)j : dst[0];
        }
        if (ones != 1)
            return dl_fail(e, DL_EDATA, "%s: record 'y': row %zu: not a one-hot row (one 1, "
                           "the rest 0), which the training data's labels need",
                           t->cfg->val_label, first + i + 1);
    }
    return 0;
}

/* ---------------------------- class weights ----------------------------- */

/* The number of classes a row's target names under the loss (ce: the
 * outputs; bce: 0 and 1). */
static size_t class_count(const trainer *t)
{
    return t->spec.loss.kind == NN_LOSS_CE ? t->net.n_out : 2;
}

/* The class of a target row: a ce label, the 1 of a one-hot row (its
 * largest value), a bce 0/1. */
static size_t class_of(const trainer *t, const float *y)
{
    if (t->k == 1)
        return (size_t)y[0];
    size_t best = 0;
    for (size_t j = 1; j < t->k; j++)
        if (y[j] > y[best])
            best = j;
    return best;
}

/* Before any step: the classes the spec weighs exist, and bce targets are
 * classes (0 or 1), so every row has a class (rows counted as in
 * check_targets). */
static int check_class_weights(const trainer *t, const dl_tensor *y, const char *label,
                               const sh_share *share, dl_err *e)
{
    const dl_spec *s = &t->spec;
    if (s->class_weight == SPEC_CW_NONE)
        return 0;
    for (uint64_t r = 0; y->data && s->loss.kind == NN_LOSS_BCE && r < y->shape[0]; r++) {
        float v = ((const float *)y->data)[r];
        if (v != 0.0f && v != 1.0f)
            return dl_fail(e, DL_EDATA, "%s: record 'y': row %llu: target %.9g is not a class "
                           "(training.class_weight with bce needs targets 0 or 1)", label,
                           (unsigned long long)((share ? share->first : 0) + r + 1), (double)v);
    }
    return 0;
}

/* A class code of training.class_weight that the network has no output for. */
static int no_such_class(const trainer *t, const char *code, dl_err *e)
{
    size_t classes = class_count(t);
    return dl_fail(e, DL_EDATA, "training.class_weight: class %s is not one of the network's "
                   "%zu classes (0 to %zu)", code, classes, classes - 1);
}

/* The code of class entry i of the spec: given, or its name's in the
 * levels of y's column of labels (y.categories). */
static int class_code(const trainer *t, const cm_categories *cats, size_t i, uint64_t *code,
                      dl_err *e)
{
    const dl_spec *s = &t->spec;
    const char *name = s->cw_name[i];
    *code = s->cw_class[i];
    if (!name[0])
        return 0;
    const cm_column *k = t->k == 1 ? cm_categories_column(cats, 0) : NULL;
    /* -1 reads as a code, below the first: no name to give instead */
    if (!k && name[0] == '-' && name[1] && strspn(name + 1, "0123456789") == strlen(name + 1))
        return no_such_class(t, name, e);
    if (!k)
        return dl_fail(e, DL_EDATA, "%s: training.class_weight names class '%s', but y has no "
                       "class names (y.categories, from string classes at import): give its "
                       "code", t->cfg->data_label, name);
    int64_t c = cm_column_code(k, name, strlen(name));
    if (c < 0)
        return dl_fail(e, DL_EDATA, "%s: training.class_weight: '%s' is not a class of y (its "
                       "classes are %s ... %s)", t->cfg->data_label, name, k->level[0],
                       k->level[k->count - 1]);
    *code = (uint64_t)c;
    return 0;
}

/* A given training.class_weight as a weight per class (1 for the classes
 * not named), classes named by code or by name, each at most once. */
static int resolve_class_weights(trainer *t, dl_tensor_set *data, dl_err *e)
{
    const dl_spec *s = &t->spec;
    size_t classes = class_count(t);
    if (s->class_weight != SPEC_CW_GIVEN)
        return 0;
    cm_categories cats;
    cm_categories_init(&cats);
    unsigned char *seen = calloc(classes, 1);
    t->class_w = calloc(classes, sizeof *t->class_w);
    int rc = !seen || !t->class_w ? dl_fail(e, DL_ENOMEM, "out of memory for %zu classes",
                                           classes)
                                  : cm_categories_load(&cats, data, "y", t->k, e);
    for (size_t c = 0; !rc && c < classes; c++)
        t->class_w[c] = 1.0;
    for (size_t i = 0; !rc && i < s->n_class_weights; i++) {
        uint64_t code;
        if ((rc = class_code(t, &cats, i, &code, e)))
            break;
        char text[24];
        snprintf(text, sizeof text, "%llu", (unsigned long long)code);
        if (code >= classes)
            rc = no_such_class(t, text, e);
        else if (seen[code]++)
            rc = dl_fail(e, DL_EDATA, "%s: training.class_weight: class %llu is given twice "
                         "(by its code and its name)", t->cfg->data_label,
                         (unsigned long long)code);
        else
            t->class_w[code] = s->cw_weight[i];
    }
    cm_categories_free(&cats);
    free(seen);
    return rc;
}

static void weigh_rows(const trainer *t, tr_rows *r, const double *cw)
{
    for (size_t i = 0; i < r->n; i++)
        r->w[i] = (float)((double)r->w[i] * cw[class_of(t, r->y + i * t->k)]);
}

/* Class code c as a message names it: "class 'NAME' (code C)" when y is a
 * column of string classes (y.categories, moved into the checkpoint by
 * then), else "class C". */
static void class_text(const trainer *t, dl_tensor_set *ckpt, double c, char *buf, size_t len)
{
    cm_categories cats;
    dl_err ignored;
    cm_categories_init(&cats);
    const cm_column *k = t->k == 1 && !cm_categories_load(&cats, ckpt, "y", 1, &ignored)
                             ? cm_categories_column(&cats, 0) : NULL;
    const char *name = k ? cm_column_level(k, c) : NULL;
    if (name)
        snprintf(buf, len, "class '%s' (code %.0f)", name, c);
    else
        snprintf(buf, len, "class %.0f", c);
    cm_categories_free(&cats);
}

/* Balanced weights have none for a class without training rows (scikit-
 * learn's compute_class_weight refuses it): a validation row of such a
 * class is an error naming the input's row and the class, the first of
 * every process's (each puts its own first, 1-based, or 0 in its pair of
 * slots[], 2 per process, summed: called by all of them). */
static int check_val_classes(const trainer *t, dl_tensor_set *ckpt, const double *count,
                             double *slots, dl_err *e)
{
    size_t rank = t->group ? (size_t)t->group->rank : 0;
    size_t procs = t->group ? (size_t)t->group->size : 1;
    const sh_share *share = t->cfg->val_share;
    for (size_t i = 0; i < t->val.n; i++) {
        size_t c = class_of(t, t->val.y + i * t->k);
        if (count[c] == 0) {
            uint64_t row = t->val_from ? t->val_from[i] : (share ? share->first : 0) + i;
            slots[2 * rank] = (double)(row + 1);
            slots[2 * rank + 1] = (double)c;
            break;
        }
    }
    if (t->group)
        dd_sum_f64(t->group, slots, 2 * procs);
    for (size_t r = 0; r < procs; r++)
        if (slots[2 * r] > 0) {
            char cls[DL_ERR_MSG_MAX / 2];
            class_text(t, ckpt, slots[2 * r + 1], cls, sizeof cls);
            return dl_fail(e, DL_EDATA, "%s: record 'y': row %.0f: %s has no training rows "
                           "(training.class_weight balanced needs every class among the "
                           "training rows)", t->val_from ? t->cfg->data_label : t->cfg->val_label,
                           slots[2 * r], cls);
        }
    return 0;
}

/* Multiplies every row's weight by its class's: given, or scikit-learn's
 * compute_class_weight('balanced'), n / (classes present * count of the
 * class) over the training rows of every process (summed here: called by
 * all of them after the start-up handshake). */
static int apply_class_weights(trainer *t, dl_tensor_set *ckpt, dl_err *e)
{
    const dl_spec *s = &t->spec;
    size_t classes = class_count(t);
    size_t procs = t->group ? (size_t)t->group->size : 1;
    if (s->class_weight == SPEC_CW_NONE)
        return 0;
    /* then check_val_classes's slots */
    double *cw = calloc(classes + 2 * procs, sizeof *cw);
    if (!cw)
        return dl_fail(e, DL_ENOMEM, "out of memory for %zu class weights", classes);
    if (s->class_weight == SPEC_CW_GIVEN) {
        memcpy(cw, t->class_w, classes * sizeof *cw);
    } else {
        double present = 0, n = 0;
        for (size_t i = 0; i < t->train.n; i++)
            cw[class_of(t, t->train.y + i * t->k)] += 1.0;
        if (t->group)
            dd_sum_f64(t->group, cw, classes);
        if (check_val_classes(t, ckpt, cw, cw + classes, e)) {
            free(cw);
            return e->code;
        }
        for (size_t c = 0; c < classes; c++) {
            present += cw[c] > 0;
            n += cw[c];
        }
        for (size_t c = 0; c < classes; c++)
            cw[c] = cw[c] > 0 ? n / (present * cw[c]) : 0.0; /* 0: a class of no row */
    }
    weigh_rows(t, &t->train, cw);
    weigh_rows(t, &t->val, cw);
    free(cw);
    return 0;
}

/* The sum of the weights of m rows (a batch's). */
static double weight_sum(const float *w, size_t m)
{
    double sum = 0.0;
    for (size_t i = 0; i < m; i++)
        sum += w[i];
    return sum;
}

/* Weighted rows, class weights applied: the training rows, and the
 * validation rows when there are any, must weigh something, or the losses
 * are 0 and nothing is learnt or compared (summed over every process:
 * called by all of them). */
static int check_weight_sums(const trainer *t, dl_err *e)
{
    if (!t->weighted)
        return 0;
    double sums[2] = {weight_sum(t->train.w, t->train.n), weight_sum(t->val.w, t->val.n)};
    if (t->group)
        dd_sum_f64(t->group, sums, 2);
    if (!(sums[0] > 0))
        return dl_fail(e, DL_EDATA, "%s: every training row has weight 0", t->cfg->data_label);
    if (t->val_total && !(sums[1] > 0))
        return t->cfg->val_label
                   ? dl_fail(e, DL_EDATA, "%s: every row has weight 0", t->cfg->val_label)
                   : dl_fail(e, DL_EDATA, "%s: every validation row (training.validation) has "
                             "weight 0", t->cfg->data_label);
    return 0;
}

/* ------------------------------ set-up --------------------------------- */

static int alloc_buffers(trainer *t, dl_err *e)
{
    size_t p = t->net.n_params;
    int with_m = t->opt.m != NULL, with_v = t->opt.v != NULL;
    t->order = calloc(t->train_total, sizeof *t->order);
    t->xb = floats(t->net.max_batch * t->d);
    t->yb = floats(t->net.max_batch * t->k);
    t->wb = t->weighted ? floats(t->net.max_batch) : NULL;
    t->held = calloc(t->net.max_batch, sizeof *t->held);
    t->reduce_after = calloc(t->net.n_layers, 1);
    t->best = floats(p);
    t->snap.params = floats(p);
    t->snap.m = with_m ? floats(p) : NULL;
    t->snap.v = with_v ? floats(p) : NULL;
    t->stats = calloc(t->net.n_layers, sizeof *t->stats);
    if (!t->order || !t->xb || !t->yb || (t->weighted && !t->wb) || !t->held || !t->best ||
        !t->snap.params || !t->stats ||
        !t->reduce_after ||
        (with_m && !t->snap.m) || (with_v && !t->snap.v))
        return dl_fail(e, DL_ENOMEM, "out of memory for the training buffers");
    return 0;
}

static int create_optimizer(trainer *t, dl_err *e)
{
    size_t nl = t->net.n_layers;
    opt_range *bias = calloc(nl, sizeof *bias);
    if (!bias)
        return dl_fail(e, DL_ENOMEM, "out of memory");
    for (size_t l = 0; l < nl; l++) {
        bias[l].off = t->net.layers[l].b_off;
        bias[l].len = t->net.layers[l].out;
    }
    int rc = opt_create(&t->opt, &t->spec.opt, t->net.n_params, bias, nl, e);
    free(bias);
    return rc;
}

static void take_snapshot(trainer *t)
{
    size_t bytes = t->net.n_params * sizeof(float);
    memcpy(t->snap.params, t->net.params, bytes);
    if (t->snap.m)
        memcpy(t->snap.m, t->opt.m, bytes);
    if (t->snap.v)
        memcpy(t->snap.v, t->opt.v, bytes);
    t->snap.step = t->opt.step;
    t->snap.rng = t->rng;
}

/* ------------------------------ checkpoints ------------------------------ */

static int put_data(dl_tensor_set *ckpt, const char *name, int dtype, uint64_t count,
                    const void *data, dl_err *e)
{
    dl_tensor t;
    uint64_t shape[1] = {count};
    if (dl_tensor_alloc(&t, name, dtype, 1, shape, e))
        return e->code;
    memcpy(t.data, data, (size_t)count * dl_dtype_size(dtype));
    if (dl_set_put(ckpt, &t, e)) {
        dl_tensor_free(&t);
        return e->code;
    }
    return 0;
}

/* The checkpoint whose weights start the run (--resume's or --init-from's),
 * or NULL. */
static dl_tensor_set *start_checkpoint(const tr_opts *c)
{
    return c->resume ? c->resume : c->init_from;
}

/* The option that names start_checkpoint's file. */
static const char *start_option(const tr_opts *c)
{
    return c->resume ? "--resume" : "--init-from";
}

static int keep_column_meta(dl_tensor_set *data, dl_tensor_set *from, dl_tensor_set *ckpt,
                            dl_err *e);

/* A record of the state but the weights, and where its values are. */
typedef struct state_record {
    const char *name;
    int dtype;
    uint64_t count;
    const void *data;
} state_record;

/* state.counters (i64): completed epochs, optimizer steps, best epoch,
 * epochs without improvement; state.best_loss (f64); state.rng (the four
 * xoshiro words as i64); state.optim.m / .v; the weights (state.layerN.*)
 * are nm_params_to_set's.  counters and rng are filled here; the count of
 * records is returned. */
static size_t state_records(const trainer *t, int64_t counters[4], int64_t rng[4],
                            state_record r[5])
{
    size_t n = 0, p = t->net.n_params;
    counters[0] = (int64_t)t->epoch;
    counters[1] = (int64_t)t->snap.step;
    counters[2] = (int64_t)t->best_epoch;
    counters[3] = (int64_t)t->bad_epochs;
    for (int i = 0; i < 4; i++)
        rng[i] = (int64_t)t->snap.rng.s[i];
    r[n++] = (state_record){"state.counters", DL_I64, 4, counters};
    r[n++] = (state_record){"state.best_loss", DL_F64, 1, &t->best_loss};
    r[n++] = (state_record){"state.rng", DL_I64, 4, rng};
    if (t->snap.m)
        r[n++] = (state_record){"state.optim.m", DL_F32, p, t->snap.m};
    if (t->snap.v)
        r[n++] = (state_record){"state.optim.v", DL_F32, p, t->snap.v};
    return n;
}

/* The BLAS threads of the run's last epochs: a resumed run's own, or the
 * saved run's when it has trained none (its checkpoint holds their state). */
static int64_t trained_threads(const trainer *t)
{
    return t->cfg->resume && t->epoch == t->resumed_epoch ? t->saved_threads
                                                           : dl_blas_threads();
}

static void summary_of(const trainer *t, nm_summary *s)
{
    *s = (nm_summary){
        .epochs = (int64_t)t->epoch, .best_epoch = (int64_t)t->best_epoch,
        .best_train_loss = t->best_train, .best_val_loss = t->best_val,
        .validation_rows = (int64_t)t->val_total,
        .stopped = t->stopped, .seed = (int64_t)t->spec.seed,
        .threads = trained_threads(t), .processes = t->group ? t->group->size : 1,
    };
    snprintf(s->version, sizeof s->version, "%s", t->cfg->version ? t->cfg->version : "");
}

/* The checkpoint is made whole before training, every record allocated
 * with its size (the summary with room for any): writing the run's values
 * into it at the end (fill_checkpoint) allocates nothing, so a run that
 * could train can save, whatever memory its training left.  The records:
 * model, design, the column metadata, training, the best weights, the
 * state.  The design and the metadata move into it; on failure the caller
 * frees ckpt. */
static int make_checkpoint(trainer *t, dl_tensor_set *data, dl_tensor *design, int *have_design,
                           dl_tensor_set *ckpt, dl_err *e)
{
    int64_t counters[4], rng[4];
    state_record r[5];
    size_t n = state_records(t, counters, rng, r);
    if (nm_spec_to_set(&t->spec, ckpt, e))
        return dl_err_wrap(e, "making the checkpoint");
    if (*have_design) {
        *have_design = 0; /* moved, also when that fails */
        if (dl_set_put(ckpt, design, e))
            return dl_err_wrap(e, "making the checkpoint");
    }
    int rc = keep_column_meta(data, start_checkpoint(t->cfg), ckpt, e) ||
                     nm_summary_reserve(ckpt, e) || nm_params_to_set(&t->net, t->best, ckpt, "", e)
                 ? e->code
                 : 0;
    for (size_t i = 0; !rc && i < n; i++)
        rc = put_data(ckpt, r[i].name, r[i].dtype, r[i].count, r[i].data, e);
    if (!rc)
        rc = nm_params_to_set(&t->net, t->snap.params, ckpt, "state.", e);
    return rc ? dl_err_wrap(e, "making the checkpoint") : 0;
}

/* The run's values into the checkpoint make_checkpoint made. */
static void fill_checkpoint(const trainer *t, dl_tensor_set *ckpt)
{
    nm_summary s;
    summary_of(t, &s);
    nm_summary_fill(&s, ckpt);
    nm_params_fill(&t->net, t->best, ckpt, "");
    int64_t counters[4], rng[4];
    state_record r[5];
    size_t n = state_records(t, counters, rng, r);
    for (size_t i = 0; i < n; i++)
        memcpy(dl_set_find(ckpt, r[i].name)->data, r[i].data,
               (size_t)r[i].count * dl_dtype_size(r[i].dtype));
    nm_params_fill(&t->net, t->snap.params, ckpt, "state.");
}

static int get_state(dl_tensor_set *ckpt, const char *name, int dtype, uint64_t count,
                     void *out, dl_err *e)
{
    dl_tensor *t = dl_set_find(ckpt, name);
    if (!t)
        return dl_fail(e, DL_EDATA, "no '%s' record (not written by dl-train?)", name);
    if (t->dtype != dtype || t->rank != 1 || t->shape[0] != count)
        return dl_fail(e, DL_EDATA, "'%s' is not %s [%llu]", name, dl_dtype_name(dtype),
                       (unsigned long long)count);
    memcpy(out, t->data, (size_t)count * dl_dtype_size(dtype));
    return 0;
}

/* An optimizer's moments: finite, as the weights must be (nm_params_from_set);
 * a NaN or Inf there spoils the first steps' weights, whose message would
 * blame optimizer.lr.  Second moments (`squares`: running means of squared
 * gradients) are never negative either: the square root of one is NaN, with
 * the same message. */
static int get_moments(dl_tensor_set *ckpt, const char *name, uint64_t count, int squares,
                       float *out, dl_err *e)
{
    if (get_state(ckpt, name, DL_F32, count, out, e))
        return e->code;
    if (dl_tensor_find_nonfinite(dl_set_find(ckpt, name)) >= 0)
        return dl_fail(e, DL_EDATA, "'%s' holds NaN or Inf", name);
    for (uint64_t i = 0; squares && i < count; i++)
        if (out[i] < 0)
            return dl_fail(e, DL_EDATA, "'%s' holds a negative value", name);
    return 0;
}

/* The best loss so far: a loss, or Inf while no epoch has been scored (a
 * NaN or -Inf would never be improved on: no epoch would count as better). */
static int get_best_loss(dl_tensor_set *ckpt, double *out, dl_err *e)
{
    if (get_state(ckpt, "state.best_loss", DL_F64, 1, out, e))
        return e->code;
    if (isnan(*out) || *out == -INFINITY)
        return dl_fail(e, DL_EDATA, "'state.best_loss' is NaN or -Inf");
    return 0;
}

/* The counters of a run (state_records): none negative, the best epoch
 * one of those done, and the epochs without improvement no more than
 * followed it, as a run leaves them; a hand-edited file may not. */
static int get_counters(dl_tensor_set *ckpt, int64_t counters[4], dl_err *e)
{
    if (get_state(ckpt, "state.counters", DL_I64, 4, counters, e))
        return e->code;
    for (int i = 0; i < 4; i++)
        if (counters[i] < 0)
            return dl_fail(e, DL_EDATA, "'state.counters' is negative");
    int64_t done = counters[0], best = counters[2], bad = counters[3];
    if (best > done)
        return dl_fail(e, DL_EDATA, "'state.counters': the best epoch (%lld) is after the last "
                       "epoch done (%lld)", (long long)best, (long long)done);
    if (bad > done - best)
        return dl_fail(e, DL_EDATA, "'state.counters': the epochs without improvement (%lld) "
                       "outnumber those done after the best epoch (%lld of %lld)",
                       (long long)bad, (long long)(done - best), (long long)done);
    return 0;
}

/* The shuffling generator's state: all zero is the one state xoshiro256**
 * never leaves, whose every draw is 0 (no shuffle would ever change). */
static int get_rng(dl_tensor_set *ckpt, dl_rng *rng, dl_err *e)
{
    int64_t words[4];
    if (get_state(ckpt, "state.rng", DL_I64, 4, words, e))
        return e->code;
    if (!words[0] && !words[1] && !words[2] && !words[3])
        return dl_fail(e, DL_EDATA, "'state.rng' is all zero, a state the generator never "
                       "leaves (every shuffle would be the same)");
    for (int i = 0; i < 4; i++)
        rng->s[i] = (uint64_t)words[i];
    return 0;
}

/* The checkpoint file's name, so that a message says which file is wrong. */
static const char *ckpt_label(const tr_opts *c)
{
    return c->ckpt_label ? c->ckpt_label : "checkpoint";
}

/* A checkpoint written before --val was recorded in the spec says
 * validation 0 although it validated on that file, as its training record
 * shows: the --val file given now stands for it, under whatever name (as
 * spec_resume takes any file for any other). */
static int unrecorded_val_file(dl_spec *saved, const nm_summary *before, const dl_spec *now,
                               dl_err *e)
{
    if (saved->val_file[0] || saved->validation > 0 ||
        !(before->validation_rows > 0 || isfinite(before->best_val_loss)))
        return 0;
    if (!now->val_file[0])
        return dl_fail(e, DL_EUSAGE, "training.validation: the checkpoint validated on a "
                       "file that its spec does not name (give that file with --val)");
    memcpy(saved->val_file, now->val_file, sizeof saved->val_file);
    return 0;
}

static int resume_from(trainer *t, dl_tensor_set *ckpt, dl_err *e)
{
    const char *label = ckpt_label(t->cfg);
    dl_spec saved;
    nm_summary before;
    int64_t counters[4];
    size_t p = t->net.n_params;
    if (nm_spec_from_set(&saved, ckpt, e) || nm_summary_from_set(&before, &saved, ckpt, e) ||
        unrecorded_val_file(&saved, &before, &t->spec, e) || spec_resume(&t->spec, &saved, e) ||
        get_counters(ckpt, counters, e) || get_best_loss(ckpt, &t->best_loss, e) ||
        get_rng(ckpt, &t->rng, e) ||
        (t->opt.m && get_moments(ckpt, "state.optim.m", p, 0, t->opt.m, e)) ||
        (t->opt.v && get_moments(ckpt, "state.optim.v", p, 1, t->opt.v, e)) ||
        nm_params_from_set(&t->net, ckpt, "", e))
        return dl_err_wrap(e, "%s: --resume", label);
    memcpy(t->best, t->net.params, p * sizeof(float));
    if (nm_params_from_set(&t->net, ckpt, "state.", e))
        return dl_err_wrap(e, "%s: --resume", label);
    t->best_train = before.best_train_loss;
    t->best_val = before.best_val_loss;
    t->epoch = (uint64_t)counters[0];
    t->opt.step = (uint64_t)counters[1];
    t->best_epoch = (uint64_t)counters[2];
    t->bad_epochs = (uint64_t)counters[3];
    t->saved_stopped = before.stopped;
    t->saved_threads = before.threads;
    t->resumed_epoch = t->epoch;
    /* patience is checked after a stop asked at an epoch's end: the run whose
     * patience that epoch used up is recorded as interrupted, yet early
     * stopping ended it (an uninterrupted run stops there) */
    if (saved.patience && t->bad_epochs >= saved.patience)
        t->saved_stopped = NM_STOP_EARLY;
    /* training.epochs counts from the run's start, the resumed epochs included */
    if (t->spec.epochs < t->epoch)
        return dl_fail(e, DL_EUSAGE, "%s: --resume: the run has done %llu epochs, more than "
                       "training.epochs %llu (give at least %llu)", label,
                       (unsigned long long)t->epoch, (unsigned long long)t->spec.epochs,
                       (unsigned long long)t->epoch);
    return 0;
}

/* A resumed run that early stopping had ended, whose patience (the saved
 * one, or a smaller) is still used up: there is nothing to train, and its
 * checkpoint stays as it was.  A larger patience, or none, trains on. */
static int resumed_done(const trainer *t)
{
    return t->cfg->resume && t->saved_stopped == NM_STOP_EARLY && t->spec.patience &&
           t->bad_epochs >= t->spec.patience;
}

/* resumed_done's run: --resume's checkpoint is the one written, unchanged,
 * in place of the one made for the run. */
static void keep_resumed(const trainer *t, dl_tensor_set *ckpt)
{
    const tr_opts *c = t->cfg;
    if (c->progress)
        fprintf(c->progress, "%s: --resume: early stopping ended the run of %s after epoch %llu "
                "(no improvement for %llu epochs, patience %llu): nothing to train; the "
                "checkpoint is written as it was, keeping epoch %llu (a larger "
                "training.early_stopping.patience trains on)\n", c->tool, ckpt_label(c),
                (unsigned long long)t->epoch, (unsigned long long)t->bad_epochs,
                (unsigned long long)t->spec.patience, (unsigned long long)t->best_epoch);
    dl_set_free(ckpt);
    *ckpt = *c->resume;
    dl_set_init(c->resume);
}

/* A resumed run whose checkpoint has done training.epochs already trains
 * nothing: said, as a run that early stopping ended is, so that a resume
 * that forgot to raise the epochs does not pass for one that trained. */
static void note_epochs_done(const trainer *t)
{
    const tr_opts *c = t->cfg;
    if (c->progress && c->resume && t->epoch >= t->spec.epochs)
        fprintf(c->progress, "%s: --resume: the run of %s has done its %llu epochs "
                "(training.epochs): nothing to train; the checkpoint is written with the same "
                "weights (raise training.epochs with -s to train on)\n", c->tool, ckpt_label(c),
                (unsigned long long)t->epoch);
}

/* A resumed run that trains with another BLAS thread count than the saved
 * run's sums its products in another order: said, as -q does not silence,
 * since --resume promises an uninterrupted run's bits.  Training goes on:
 * the run may be resumed on another machine. */
static void note_other_threads(const trainer *t)
{
    const tr_opts *c = t->cfg;
    int threads = dl_blas_threads();
    if (c->notes && c->resume && t->epoch < t->spec.epochs && t->saved_threads > 0 &&
        t->saved_threads != threads)
        fprintf(c->notes, "%s: note: --resume: the run of %s so far used %lld BLAS thread%s "
                "and this part uses %d, so the result will not be bit for bit that of an "
                "uninterrupted run\n", c->tool, ckpt_label(c), (long long)t->saved_threads,
                dl_plural((unsigned long long)t->saved_threads), threads);
}

/* Initial weights: resumed, copied from --init-from, or drawn from the seed. */
static int start_weights(trainer *t, dl_err *e)
{
    const tr_opts *c = t->cfg;
    dl_rng_seed(&t->rng, t->spec.seed ^ SEED_SHUFFLE);
    t->best_loss = INFINITY;
    t->best_train = t->best_val = NAN;
    if (c->resume)
        return resume_from(t, c->resume, e);
    if (c->init_from) {
        if (nm_params_from_set(&t->net, c->init_from, "", e))
            return dl_err_wrap(e, "%s: --init-from", ckpt_label(c));
    } else {
        dl_rng init;
        dl_rng_seed(&init, t->spec.seed);
        if (nn_init_params(&t->net, t->spec.init, t->spec.init_scale, &init, e))
            return e->code;
        /* a normal draw of many sigmas at a scale near float32's largest */
        if (!weights_finite(t->net.params, t->net.n_params))
            return dl_fail(e, DL_ENUM, "model.init %s draws weights beyond float32's range (Inf) "
                           "at model.init_scale %.9g: give a smaller model.init_scale",
                           nn_init_name(t->spec.init), t->spec.init_scale);
    }
    memcpy(t->best, t->net.params, t->net.n_params * sizeof(float));
    return 0;
}

/* Gradient buckets of about BUCKET_FLOATS, layer by layer from the output
 * down, as the backward pass produces them: a bucket's sum starts while the
 * layers below it are computed (the scheme of PyTorch's DDP).  At most
 * DD_SLOTS - 1 buckets, so they fit the slots beside the step's scalars.
 * reduce_after[l] marks a bucket ending at layer l > 0; the last bucket,
 * ending at layer 0, is always there and summed blocking (backward_reduced). */
#define BUCKET_FLOATS ((size_t)1 << 16)

static void plan_buckets(trainer *t)
{
    size_t pending = 0, buckets = 0;
    for (size_t l = t->net.n_layers; l-- > 0;) {
        const nn_layer *L = &t->net.layers[l];
        size_t size = L->out * L->in + L->out;
        if (pending && pending + size > BUCKET_FLOATS && buckets + 2 < DD_SLOTS) {
            t->reduce_after[l + 1] = 1;
            buckets++;
            pending = 0;
        }
        pending += size;
    }
}

/* The names of the `cols` columns of `tensor` (x or y) in `have` (a --val
 * file, the data of --resume or --init-from) against those in `want`
 * (`what`: "training data", "checkpoint"), when both carry them: the
 * network takes columns by position, so columns in another order would
 * meet the weights or the outputs of others, as dl-predict refuses. */
static int same_names(dl_tensor_set *have, dl_tensor_set *want, const char *tensor,
                      uint64_t cols, const char *what, dl_err *e)
{
    cm_names h, w;
    cm_names_init(&w);
    int rc = cm_names_load(&h, have, tensor, cols, e) || cm_names_load(&w, want, tensor, cols, e)
                 ? e->code
                 : 0;
    if (!rc && h.count && w.count)
        rc = cm_names_agree((const char *const *)h.name, (const char *const *)w.name, cols, what,
                            e);
    cm_names_free(&h);
    cm_names_free(&w);
    return rc ? dl_err_wrap(e, "record '%s'", tensor) : 0;
}

/* Whether `want`'s y.names are of ce's other form of targets: labels (one
 * column) against one-hot rows (a column per class), which train the same
 * network, but whose columns no position matches. */
static int other_target_form(const trainer *t, dl_tensor_set *want)
{
    size_t other = other_target_cols(t);
    if (!other)
        return 0;
    cm_names names;
    dl_err ignored = {0};
    int is_other = cm_names_load(&names, want, "y", other, &ignored) == 0 && names.count;
    cm_names_free(&names);
    return is_other;
}

/* x's and y's column names of `have` (named `label`) against `want`'s. */
static int same_columns(const trainer *t, dl_tensor_set *have, const char *label,
                        dl_tensor_set *want, const char *what, dl_err *e)
{
    return same_names(have, want, "x", t->d, what, e) ||
                   (!other_target_form(t, want) && !other_target_form(t, have) &&
                    same_names(have, want, "y", t->k, what, e))
               ? dl_err_wrap(e, "%s", label)
               : 0;
}

/* A regression loss on string classes, more than two in a column of y,
 * would fit their codes as numbers (two are a least-squares classifier's
 * 0 and 1).  And under any loss a cell of such a column that is no code of
 * its classes (2 beside two classes, or bce's 0.5) is refused naming its
 * row, as dl-lstsq refuses it: training and validation targets (y_val
 * empty without). */
static int class_targets(const trainer *t, dl_tensor_set *data, const dl_tensor *y,
                         const dl_tensor *y_val, dl_err *e)
{
    int kind = t->spec.loss.kind;
    int classifier = kind == NN_LOSS_BCE || kind == NN_LOSS_CE || kind == NN_LOSS_MLBCE;
    cm_names names;
    cm_categories cats;
    cm_categories_init(&cats);
    const tr_opts *c = t->cfg;
    int rc = cm_names_load(&names, data, "y", t->k, e) ||
                     (!classifier &&
                      cm_refuse_class_regression(dl_set_find(data, "y" CM_CATEGORIES_SUFFIX),
                                                 t->k, &names, e))
                 ? dl_err_wrap(e, "%s: loss %s", c->data_label, nn_loss_name(kind))
                 : 0;
    if (!rc && cm_categories_load(&cats, data, "y", t->k, e))
        rc = dl_err_wrap(e, "%s", c->data_label);
    if (!rc && cats.count &&
        cm_check_codes(y, &cats, &names, c->data_share ? c->data_share->first : 0, e))
        rc = dl_err_wrap(e, "%s: record 'y'", c->data_label);
    else if (!rc && cats.count && y_val->data &&
             cm_check_codes(y_val, &cats, &names, c->val_share ? c->val_share->first : 0, e))
        rc = dl_err_wrap(e, "%s: record 'y'", c->val_label);
    cm_names_free(&names);
    cm_categories_free(&cats);
    return rc;
}

/* The string classes of a column of y (y.categories) against the classes
 * its output scores (ce: one per softmax unit; bce, multilabel_bce: codes
 * 0 and 1): a unit beyond the classes scores a class without a name, which
 * dl-predict cannot name nor dl-eval match, and one class alone is code 0
 * everywhere, which a sigmoid learns never to score. */
static int classes_scored(const trainer *t, const cm_column *c, const cm_names *names,
                          dl_err *e)
{
    int ce = t->spec.loss.kind == NN_LOSS_CE;
    uint64_t scored = ce ? t->net.n_out : 2;
    if (c->count == scored)
        return 0;
    char held[2 * CM_COLNAME_MAX + 64];
    cm_named_col named = cm_col_name(names, c->col);
    if (c->count == 1)
        snprintf(held, sizeof held, "y column %llu%s holds 1 class ('%s')",
                 (unsigned long long)c->col + 1, named.text, c->level[0]);
    else
        snprintf(held, sizeof held, "y column %llu%s holds %llu classes ('%s' to '%s')",
                 (unsigned long long)c->col + 1, named.text, (unsigned long long)c->count,
                 c->level[0], c->level[c->count - 1]);
    if (c->count == 1)
        return dl_fail(e, DL_EDATA, "%s, but the output scores %llu: a classifier needs "
                       "training data of two classes or more", held,
                       (unsigned long long)scored);
    if (ce)
        return dl_fail(e, DL_EDATA, "%s, but the softmax output has %llu units: give it one "
                       "per class (model.layers.%zu.units=%llu)", held,
                       (unsigned long long)scored, t->spec.n_layers,
                       (unsigned long long)c->count);
    return dl_fail(e, DL_EDATA, "%s, but %s scores 2 (codes 0 and 1): classify them with "
                   "loss ce and a softmax output of %llu units", held,
                   nn_loss_name(t->spec.loss.kind), (unsigned long long)c->count);
}

/* Every column of string classes of y against its output's classes. */
static int classes_of_outputs(const trainer *t, dl_tensor_set *data, dl_err *e)
{
    int kind = t->spec.loss.kind;
    if (kind != NN_LOSS_BCE && kind != NN_LOSS_MLBCE && !(kind == NN_LOSS_CE && t->k == 1))
        return 0;
    cm_names names;
    cm_categories cats;
    cm_categories_init(&cats);
    int rc = cm_names_load(&names, data, "y", t->k, e) ||
                     cm_categories_load(&cats, data, "y", t->k, e)
                 ? e->code
                 : 0;
    for (size_t i = 0; !rc && i < cats.count; i++)
        rc = classes_scored(t, &cats.column[i], &names, e);
    cm_categories_free(&cats);
    cm_names_free(&names);
    return rc ? dl_err_wrap(e, "%s: loss %s", t->cfg->data_label, nn_loss_name(kind)) : 0;
}

static int setup(trainer *t, dl_tensor_set *data, dl_tensor_set *val, dl_err *e)
{
    dl_tensor y = {0}, y_val = {0};
    int rc = load_data(t, data, val, &y, &y_val, e) ||
                     (val && same_columns(t, val, t->cfg->val_label, data, "training data", e))
                 ? e->code
                 : 0;
    dl_tensor_set *from = start_checkpoint(t->cfg);
    if (!rc && from && same_columns(t, data, t->cfg->data_label, from, "checkpoint", e))
        rc = dl_err_wrap(e, "%s: %s", ckpt_label(t->cfg), start_option(t->cfg));
    if (!rc) {
        size_t n = t->train_total;
        t->batch = t->spec.batch_size && t->spec.batch_size < n ? (size_t)t->spec.batch_size : n;
        /* This process computes at most its own rows of a batch. */
        size_t most = t->batch < t->train.n ? t->batch : t->train.n;
        /* the data is checked against the network's layout before its memory is taken */
        rc = nm_net_plan(&t->net, &t->spec, most ? most : 1, e) ||
                     check_outputs(t, e) || class_targets(t, data, &y, &y_val, e) ||
                     classes_of_outputs(t, data, e) ||
                     check_targets(t, &y, t->cfg->data_label, t->cfg->data_share, e) ||
                     check_targets(t, &y_val, t->cfg->val_label, t->cfg->val_share, e) ||
                     val_targets(t, &y_val, e) ||
                     check_class_weights(t, &y, t->cfg->data_label, t->cfg->data_share, e) ||
                     check_class_weights(t, &y_val, t->cfg->val_label, t->cfg->val_share, e) ||
                     resolve_class_weights(t, data, e) || nn_alloc(&t->net, e)
                 ? e->code
                 : 0;
    }
    dl_tensor_free(&y);
    dl_tensor_free(&y_val);
    if (rc || create_optimizer(t, e) || alloc_buffers(t, e) || start_weights(t, e))
        return e->code;
    if (t->cfg->group && t->cfg->group->size > 1 && t->net.n_params > INT_MAX)
        return dl_fail(e, DL_ENOMEM, "%zu parameters: a data-parallel run sums at most %d per "
                       "call", t->net.n_params, INT_MAX);
    plan_buckets(t);
    take_snapshot(t);
    return 0;
}

/* The processes of each node: the weights and the optimizer's state move
 * into memory they all map (local rank 0's copy: every process set up the
 * same), and each keeps its gradient there.  Each process then sums and
 * updates its own shard of the parameters (step_shared), summed over the
 * nodes too among the processes of its local rank: the update is done once
 * per node, not once per process, and no gradient is copied on the node.
 * Without shared memory (nodes of unequal counts, DL_MPI_SHARED=0) the
 * gradient is summed with MPI instead (backward_reduced).  Collective. */
static void share_state(trainer *t)
{
    if (!dd_nodes(t->group))
        return;
    size_t n = t->net.n_params, size = (size_t)t->group->local_size;
    size_t rank = (size_t)t->group->local_rank;
    size_t stride = (n + 15) / 16 * 16, arrays = 2 + size + (t->opt.m != NULL) + (t->opt.v != NULL);
    /* no overflow: n < 2^31 in a data-parallel run, and size is an int */
    size_t bytes = arrays * stride * sizeof(float) + 2 * size * 8 * sizeof(double);
    float *f = dd_shared(t->group, bytes);
    if (!f)
        return;
    float *params = f, *m = NULL, *v = NULL;
    f += stride;
    if (t->opt.m)
        m = f, f += stride;
    if (t->opt.v)
        v = f, f += stride;
    t->sh.sum = f;
    t->sh.grads = f + stride;
    t->sh.scalars = (double *)(void *)(t->sh.grads + size * stride);
    t->sh.squares = t->sh.scalars + 8 * size;
    t->sh.stride = stride;
    dl_blas_part_range(n, (int)size, (int)rank, 16, &t->sh.from, &t->sh.to);
    if (rank == 0) {
        memcpy(params, t->net.params, n * sizeof *params);
        if (m)
            memcpy(m, t->opt.m, n * sizeof *m);
        if (v)
            memcpy(v, t->opt.v, n * sizeof *v);
    }
    dd_barrier(t->group);
    free(t->net.params);
    free(t->net.grads);
    free(t->opt.m);
    free(t->opt.v);
    t->net.params = params;
    t->net.grads = t->sh.grads + rank * stride;
    t->opt.m = m;
    t->opt.v = v;
    t->opt.stream_params = 1; /* each process reads every shard next step */
}

static void trainer_free(trainer *t)
{
    if (t->sh.grads) { /* shared memory, not this process's to free */
        t->net.params = t->net.grads = NULL;
        t->opt.m = t->opt.v = NULL;
    }
    nn_free(&t->net);
    opt_free(&t->opt);
    free(t->train.x);
    free(t->train.y);
    free(t->train.w);
    free(t->val.x);
    free(t->val.y);
    free(t->val.w);
    free(t->val_from);
    free(t->order);
    free(t->xb);
    free(t->held);
    free(t->yb);
    free(t->wb);
    free(t->best);
    free(t->snap.params);
    free(t->snap.m);
    free(t->snap.v);
    free(t->stats);
    free(t->reduce_after);
    free(t->class_w);
}

/* ------------------------------ the loop -------------------------------- */

enum { RUN_OK, RUN_NAN, RUN_NAN_GRAD, RUN_STOP };

/* Rows [from, to) of the list gathered into the batch buffers: one part of
 * gather. */
typedef struct gather_part {
    const trainer *t;
    const uint64_t *rows; /* the rows to gather, numbered from this process's first */
    size_t from, to;
} gather_part;

static void gather_run(void *arg)
{
    const gather_part *p = arg;
    const trainer *t = p->t;
    size_t d = t->d, k = t->k;
    for (size_t i = p->from; i < p->to; i++) {
        size_t r = p->rows[i];
        memcpy(t->xb + i * d, t->train.x + r * d, d * sizeof(float));
        memcpy(t->yb + i * k, t->train.y + r * k, k * sizeof(float));
        if (t->wb)
            t->wb[i] = t->train.w[r];
    }
}

/* Rows from which a batch is gathered on BLAS's threads: the copies of a
 * batch of 128 MNIST rows (400 KB) are a few percent of a step, spread over
 * the cores the products use. */
#define GATHER_SPLIT_MIN 64

static void gather(trainer *t, const uint64_t *rows, size_t n)
{
    int parts = dl_blas_parts(n, GATHER_SPLIT_MIN);
    gather_part part[DL_BLAS_PARTS_MAX];
    for (int i = 0; i < parts; i++) {
        part[i] = (gather_part){.t = t, .rows = rows};
        dl_blas_part_range(n, parts, i, 1, &part[i].from, &part[i].to);
    }
    dl_blas_run(gather_run, part, parts, sizeof *part);
}

/* This process's rows of the minibatch [first, first + rows) of this
 * epoch's global order, and how many: views into the data when the order is
 * the data's, else copies gathered on BLAS's threads. */
static size_t minibatch(trainer *t, size_t first, size_t rows, const float **xb,
                        const float **yb, const float **wb)
{
    size_t d = t->d, k = t->k, lo = t->train_first, hi = lo + t->train.n;
    if (!t->spec.shuffle || t->batch == t->train_total) {
        size_t a = first > lo ? first : lo, b = first + rows < hi ? first + rows : hi;
        *xb = t->train.x + (a - lo) * d;
        *yb = t->train.y + (a - lo) * k;
        *wb = t->train.w ? t->train.w + (a - lo) : NULL;
        return b > a ? b - a : 0;
    }
    *xb = t->xb;
    *yb = t->yb;
    *wb = t->wb;
    size_t m = 0;
    for (size_t i = 0; i < rows; i++) {
        uint64_t r = t->order[first + i];
        if (r >= lo && r < hi)
            t->held[m++] = r - lo;
    }
    gather(t, t->held, m);
    return m;
}

/* The output's dz of this process's m rows of a batch of `rows`: its part
 * of the batch's mean. */
static void scale_to_batch(nn_net *net, size_t m, size_t rows)
{
    nn_layer *out = &net->layers[net->n_layers - 1];
    float scale = (float)((double)m / (double)rows);
    for (size_t i = 0; i < m * out->out; i++)
        out->dz[i] *= scale;
}

/* A data-parallel step's backward pass over this process's m of the batch's
 * rows: each bucket's gradient sum starts as soon as its layers are done,
 * beside the sum of the step's scalars (loss, stop requests, weights); the
 * last bucket's, which nothing is left to overlap, is a blocking sum (see
 * dd_sum_f32), and its time counts as waited.
 * Scaling the output's dz by m / rows turns this process's mean into its
 * part of the global mean, so the sums are the gradient of the whole batch.
 * Weighted, the loss gave the weighted sum (norm 1) and the summed gradient
 * is divided by the batch's summed weights: the loss normalization is that
 * of the whole batch, whichever process holds which rows. */
static void backward_reduced(trainer *t, const float *xb, size_t m, size_t rows)
{
    nn_net *net = &t->net;
    int slot = 0;
    dd_isum_f64(t->group, t->step_sums, 3, slot++);
    if (m && !t->weighted) {
        scale_to_batch(net, m, rows);
    } else if (!m) {
        memset(net->grads, 0, net->n_params * sizeof(float)); /* a share of no rows */
    }
    size_t end = net->n_params;
    for (size_t l = net->n_layers - 1; l > 0; l--) {
        if (m)
            nn_backward_layer(net, xb, l);
        if (t->reduce_after[l]) {
            size_t start = net->layers[l].w_off;
            dd_isum_f32(t->group, net->grads + start, end - start, slot++);
            end = start;
        }
        dd_progress(t->group);
    }
    if (m)
        nn_backward_layer(net, xb, 0);
    /* The last bucket: nothing is left to compute beside it. */
    double start = now_seconds();
    dd_sum_f32(t->group, net->grads, end);
    dd_wait(t->group);
    t->waited += now_seconds() - start;
    if (t->weighted && t->step_sums[2] > 0)
        cblas_sscal((int)net->n_params, (float)(1.0 / t->step_sums[2]), net->grads, 1);
}

/* A barrier among the node's processes, its time counted as waited. */
static void barrier_waited(trainer *t)
{
    double start = now_seconds();
    dd_barrier(t->group);
    t->waited += now_seconds() - start;
}

/* g[0, n) = 0 around the cache (simd_clear_stream), for a gradient that
 * other cores read last: clearing it through the cache would wait for
 * their copies to be invalidated, line by line. */
static void clear_streamed(float *g, size_t n)
{
    size_t done = simd_clear_stream(g, n);
    memset(g + done, 0, (n - done) * sizeof *g);
}

/* One process with several BLAS threads writes, each step, lines the
 * other threads read last: the weights (the optimizer's update; the
 * products of the next step read them on every thread) and the gradient
 * (each product's part cleared and filled by whichever thread BLAS gives
 * it; the optimizer reads it on its own threads).  Where the cores share
 * a cache those writes cost little.  Where they do not (cores on other
 * dies or sockets, as a virtual machine's may be from one minute to the
 * next) each write waits for the other core's copy to be invalidated.
 * Streamed, the optimizer writes the weights around the cache, the
 * gradient is cleared around it after the update (clear_streamed) and the
 * next backward pass adds onto the zeros: no write waits, but the next
 * step reads both from memory.  With the MNIST-sized network, streamed
 * steps took 5% longer where the cache is shared, and cached ones 1.2
 * times as long where it is not.  Both ways give the same bits, so the
 * loop times them and keeps the faster (twoway.h), unless DL_TRAIN_WRITES
 * pins the way ("cached" or "streamed"; "auto" is the default). */
static int setup_writes(trainer *t, dl_err *e)
{
    const char *env = getenv("DL_TRAIN_WRITES");
    int pinned = env && strcmp(env, "auto") != 0;
    if (pinned && strcmp(env, "cached") != 0 && strcmp(env, "streamed") != 0)
        return dl_fail(e, DL_EUSAGE, "DL_TRAIN_WRITES: '%s' is not cached, streamed or auto",
                       env);
    int streamed = !t->group && pinned && strcmp(env, "streamed") == 0;
    tw_start(&t->writes.choice, streamed);
    t->writes.timed = !t->group && !pinned && dl_blas_threads() > 1;
    if (streamed) {
        t->opt.stream_params = 1;
        clear_streamed(t->net.grads, t->net.n_params);
    }
    return 0;
}

/* After one process's update: the way of the next step; `timed` 0 for a
 * step unlike the others (a short last batch). */
static void next_writes(trainer *t, int timed)
{
    tr_writes *w = &t->writes;
    int streamed = w->timed ? tw_next(&w->choice, now_seconds(), timed) : w->choice.way;
    t->opt.stream_params = streamed;
    if (streamed)
        clear_streamed(t->net.grads, t->net.n_params);
}

/* backward_reduced for processes that share memory (share_state): this
 * process's gradient into its own slot, then, once every process is there,
 * the step's scalars summed and this process's shard of the gradient
 * summed, both over the processes in rank order (the same bits on every
 * process, and from run to run).
 * The other processes read their shards of this slot last step, so the
 * slot is cleared around the cache (simd_clear_stream) and the products
 * add onto the zeros: clearing it through the cache, as BLAS does before
 * a product that overwrites, waits for their copies to be invalidated,
 * line by line. */
static void backward_shared(trainer *t, const float *xb, size_t m, size_t rows)
{
    nn_net *net = &t->net;
    const tr_shared *sh = &t->sh;
    size_t size = (size_t)t->group->local_size;
    if (m && !t->weighted)
        scale_to_batch(net, m, rows);
    clear_streamed(net->grads, net->n_params);
    if (m)
        nn_backward_add(net, xb);
    memcpy(sh->scalars + 8 * (size_t)t->group->local_rank, t->step_sums, sizeof t->step_sums);
    barrier_waited(t);
    for (size_t i = 0; i < 3; i++) {
        double total = 0.0;
        for (size_t r = 0; r < size; r++)
            total += sh->scalars[8 * r + i];
        t->step_sums[i] = total;
    }
    float *sum = sh->sum;
    for (size_t i = sh->from; i < sh->to; i++)
        sum[i] = sh->grads[i];
    for (size_t r = 1; r < size; r++) {
        const float *g = sh->grads + r * sh->stride;
        for (size_t i = sh->from; i < sh->to; i++)
            sum[i] += g[i];
    }
    /* several nodes: each shard, and the scalars, summed over the nodes
     * among the processes that hold the same shard */
    double start = now_seconds();
    dd_cross_sum_f64(t->group, t->step_sums, 3);
    dd_cross_sum_f32(t->group, sum + sh->from, sh->to - sh->from);
    t->waited += now_seconds() - start;
    if (t->weighted && t->step_sums[2] > 0)
        cblas_sscal((int)(sh->to - sh->from), (float)(1.0 / t->step_sums[2]), sum + sh->from, 1);
}

/* opt_step for processes that share memory: each updates its shard of the
 * weights and state with the norm of the whole gradient, from every
 * shard's sums of squares (a barrier more when clipping needs it before
 * the update).  Returns that norm. */
static double step_shared(trainer *t, double lr)
{
    const tr_shared *sh = &t->sh;
    size_t size = (size_t)t->group->local_size;
    double *squares = sh->squares + 8 * (size_t)t->group->local_rank;
    memset(squares, 0, 8 * sizeof *squares);
    opt_shard_begin(&t->opt, t->net.params, sh->sum, sh->from, sh->to, squares);
    double norm = 0.0;
    int clipping = t->opt.cfg.clip_norm > 0;
    if (clipping) {
        barrier_waited(t);
        norm = opt_norm(sh->squares, size);
    }
    opt_shard_end(&t->opt, t->net.params, sh->sum, sh->from, sh->to, lr, norm);
    barrier_waited(t); /* every shard updated before the next forward pass */
    /* read before any process can write its next sums (after the next
     * step's first barrier) */
    return clipping ? norm : opt_norm(sh->squares, size);
}

/* This process's loss of the batch's m rows after the forward pass, with
 * the gradient; *wsum the rows' sum of weights (m unweighted).  Weighted,
 * the loss is normalized by the batch's sum of weights (a batch of weight
 * 0 has loss and gradient 0), or left a sum when the processes' parts are
 * summed (backward_reduced). */
static int batch_loss(trainer *t, const float *yb, const float *wb, size_t m, double *loss,
                      double *wsum, dl_err *e)
{
    if (!t->weighted) {
        *wsum = (double)m;
        return nn_loss_eval(&t->spec.loss, &t->net, yb, t->k, 1, loss, e);
    }
    *wsum = weight_sum(wb, m);
    double norm = t->group || !(*wsum > 0) ? 1.0 : *wsum;
    return nn_loss_eval_weighted(&t->spec.loss, &t->net, yb, t->k, wb, norm, 1, loss, e);
}

static void draw_bar(const trainer *t, size_t done, size_t total, double *last)
{
    double now = now_seconds();
    if (!t->cfg->progress_bar || !t->cfg->progress || now - *last < 0.2)
        return;
    *last = now;
    int width = 30, filled = (int)((double)width * (double)done / (double)total);
    fprintf(t->cfg->progress, "\repoch %llu [%.*s%*s] %zu/%zu", (unsigned long long)t->epoch + 1,
            filled, "##############################", width - filled, "", done, total);
    fflush(t->cfg->progress);
}

/* Erases the progress bar: what follows it (an epoch's line, or the error
 * that ends the run in the middle of one) starts a line of its own. */
static void clear_bar(const trainer *t)
{
    if (t->cfg->progress_bar && t->cfg->progress)
        fprintf(t->cfg->progress, "\r\033[K");
}

static void collect_stats(trainer *t)
{
    for (size_t l = 0; l < t->net.n_layers; l++)
        nn_layer_diagnostics(&t->net, l, &t->stats[l]);
}

/* collect_stats on the last batch of an epoch when the processes share
 * memory: of the summed gradient, once every shard of it is there and
 * before any process's update changes it.  Every process takes part (only
 * rank 0 may have diagnostics to write). */
static void collect_shared_stats(trainer *t)
{
    dd_barrier(t->group);
    if (t->cfg->diagnostics) {
        float *own = t->net.grads;
        t->net.grads = t->sh.sum;
        collect_stats(t);
        t->net.grads = own;
    }
    dd_barrier(t->group);
}

/* A signal asked to stop (1), or a --log or --diagnostics line could not
 * be written: the logs go with the checkpoint, all or none, so the run
 * would end with nothing for its work.  It stops as a signal stops it,
 * agreed by every process; committing then reports the failed write.
 * Summed over the processes, a failed write counts more than a signal to
 * each of them, so that the others learn the run ends with its error. */
static double asked_to_stop(const tr_opts *c)
{
    if ((c->log && ferror(c->log)) || (c->diagnostics && ferror(c->diagnostics)))
        return c->group ? (double)c->group->size + 1.0 : 1.0;
    return c->stop && *c->stop;
}

/* A summed stop request: whether to stop, and whether rank 0's logs
 * failed (the process that writes them reports it; the others end with
 * its exit status, quietly). */
static int stop_requested(trainer *t, double summed)
{
    if (t->group && summed > (double)t->group->size)
        t->logs_failed = 1;
    return summed > 0;
}

/* The end of a run that was asked to stop: interrupted, or in a process
 * that does not write the logs, rank 0's failed write. */
static int stopped_run(trainer *t, const char *when, uint64_t epoch, dl_err *e)
{
    if (t->logs_failed && !t->cfg->log && !t->cfg->diagnostics)
        return dd_peer_failed(t->group, DL_EIO, e);
    return dl_fail(e, DL_EINTR, "interrupted %s epoch %llu; the checkpoint keeps epoch %llu "
                   "(the best) and resumes after epoch %llu", when, (unsigned long long)epoch,
                   (unsigned long long)t->best_epoch, (unsigned long long)t->epoch);
}

/* One pass over the training rows; *why says whether it completed. */
static int run_epoch(trainer *t, double lr, double *train_loss, int *why, dl_err *e)
{
    size_t n = t->train_total;
    double sum = 0.0, weights = 0.0, last_bar = now_seconds();
    if (t->spec.shuffle && t->batch < n) {
        /* From the data order every epoch, so the RNG alone is the state. */
        for (size_t i = 0; i < n; i++)
            t->order[i] = i;
        dl_rng_shuffle(&t->rng, t->order, n);
    }
    *why = RUN_OK;
    t->waited = 0.0;
    tw_skip(&t->writes.choice); /* the first step follows the last epoch's evaluation */
    for (size_t first = 0; first < n; first += t->batch) {
        size_t rows = n - first < t->batch ? n - first : t->batch;
        const float *xb, *yb, *wb;
        double loss = 0.0, wsum = 0.0;
        size_t m = minibatch(t, first, rows, &xb, &yb, &wb);
        if (m && (nn_forward(&t->net, xb, m, e) || batch_loss(t, yb, wb, m, &loss, &wsum, e)))
            return e->code;
        if (!m) /* a share of no rows: the activations are an earlier batch's, not this one's */
            t->net.batch = 0;
        double asked = asked_to_stop(t->cfg);
        int stop = asked > 0;
        if (t->group) {
            t->step_sums[0] = t->weighted ? loss : loss * (double)m;
            t->step_sums[1] = asked;
            t->step_sums[2] = wsum;
            if (t->sh.grads)
                backward_shared(t, xb, m, rows);
            else
                backward_reduced(t, xb, m, rows);
            wsum = t->weighted ? t->step_sums[2] : (double)rows;
            loss = wsum > 0 ? t->step_sums[0] / wsum : 0.0;
            stop = stop_requested(t, t->step_sums[1]);
        }
        if (!isfinite(loss)) {
            *why = RUN_NAN;
            return 0;
        }
        if (!t->group && t->writes.choice.way)
            nn_backward_add(&t->net, xb); /* onto what next_writes cleared */
        else if (!t->group)
            nn_backward(&t->net, xb);
        if (t->sh.grads && first + rows == n)
            collect_shared_stats(t);
        else if (t->cfg->diagnostics && first + rows == n)
            collect_stats(t);
        t->grad_norm = t->sh.grads ? step_shared(t, lr)
                                   : opt_step(&t->opt, t->net.params, t->net.grads, lr);
        if (!t->group)
            next_writes(t, rows == t->batch);
        sum += loss * wsum;
        weights += wsum;
        if (!isfinite(t->grad_norm)) { /* of a finite loss */
            *why = RUN_NAN_GRAD;
            return 0;
        }
        if (!t->group)
            stop = asked_to_stop(t->cfg) > 0;
        if (stop) {
            *why = RUN_STOP;
            return 0;
        }
        draw_bar(t, first + rows, n, &last_bar);
    }
    *train_loss = t->weighted ? (weights > 0 ? sum / weights : 0.0) : sum / (double)n;
    return 0;
}

/* Summed loss over rows r (weighted: sum w_i l_i, and the weights' sum in
 * *wsum), in chunks of the network's batch. */
static int eval_loss(trainer *t, const tr_rows *r, double *out, double *wsum, dl_err *e)
{
    double sum = 0.0;
    *wsum = 0.0;
    for (size_t first = 0; first < r->n; first += t->net.max_batch) {
        size_t rows = r->n - first < t->net.max_batch ? r->n - first : t->net.max_batch;
        double loss;
        const float *w = r->w ? r->w + first : NULL;
        if (nn_forward(&t->net, r->x + first * t->d, rows, e) ||
            (w ? nn_loss_eval_weighted(&t->spec.loss, &t->net, r->y + first * t->k, t->k, w,
                                       1.0, 0, &loss, e)
               : nn_loss_eval(&t->spec.loss, &t->net, r->y + first * t->k, t->k, 0, &loss, e)))
            return e->code;
        sum += w ? loss : loss * (double)rows;
        *wsum += w ? weight_sum(w, rows) : (double)rows;
    }
    *out = sum;
    return 0;
}

/* The validation loss over every process's rows and whether any process
 * was asked to stop, agreed at the end of an epoch. */
static int epoch_figures(trainer *t, double *val_loss, int *stop, dl_err *e)
{
    double sums[3] = {0.0, asked_to_stop(t->cfg), 0.0};
    if (t->val_total && eval_loss(t, &t->val, &sums[0], &sums[2], e))
        return e->code;
    if (t->group)
        dd_sum_f64(t->group, sums, 3);
    if (t->val_total)
        *val_loss = t->weighted ? (sums[2] > 0 ? sums[0] / sums[2] : 0.0)
                                : sums[0] / (double)t->val_total;
    *stop = stop_requested(t, sums[1]);
    return 0;
}

static void write_logs(const trainer *t, double train_loss, double val_loss, double lr,
                       double secs, int improved)
{
    const tr_opts *c = t->cfg;
    unsigned long long ep = (unsigned long long)t->epoch;
    if (c->log)
        fprintf(c->log, "%llu\t%.9g\t%.9g\t%.9g\t%.6f\t%d\t%.9g\n", ep, train_loss, val_loss, lr,
                secs, improved, t->grad_norm);
    for (size_t l = 0; c->diagnostics && l < t->net.n_layers; l++) {
        const nn_layer_stats *s = &t->stats[l];
        /* overflowed pre-activations (inf - inf) give a NaN of either sign */
        fprintf(c->diagnostics, "%llu\t%zu\t%zu\t%s\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\t%.9g\n", ep,
                l + 1, t->net.layers[l].out, nn_activ_name(t->net.layers[l].activ),
                nt_unsigned_nan(s->z_mean), nt_unsigned_nan(s->z_std),
                nt_unsigned_nan(s->a_mean), nt_unsigned_nan(s->a_std),
                nt_unsigned_nan(s->gw_norm), nt_unsigned_nan(s->gb_norm));
    }
    /* each epoch's lines go out as it ends: the temporaries can be followed,
     * and a run killed (SIGKILL) leaves them holding the curve so far */
    if (c->log)
        fflush(c->log);
    if (c->diagnostics)
        fflush(c->diagnostics);
    if (!c->progress)
        return;
    clear_bar(t);
    fprintf(c->progress, "epoch %llu/%llu: train %.6g", ep, (unsigned long long)t->spec.epochs,
            train_loss);
    if (t->val_total)
        fprintf(c->progress, " val %.6g", val_loss);
    fprintf(c->progress, " best %.6g (epoch %llu) %.3fs", t->best_loss,
            (unsigned long long)t->best_epoch, secs);
    if (t->group)
        fprintf(c->progress, " (%.3fs waiting for %s)", t->waited,
                t->sh.grads ? "the other processes" : "the gradient sums");
    fputc('\n', c->progress);
}

/* Best-epoch bookkeeping after epoch t->epoch, then the snapshot. */
static void end_epoch(trainer *t, double train_loss, double val_loss, double lr, double secs)
{
    double metric = t->val_total ? val_loss : train_loss;
    int improved = metric < t->best_loss - t->spec.min_delta;
    if (improved) {
        t->best_loss = metric;
        t->best_train = train_loss;
        t->best_val = t->val_total ? val_loss : NAN;
        t->best_epoch = t->epoch;
        t->bad_epochs = 0;
        memcpy(t->best, t->net.params, t->net.n_params * sizeof(float));
    } else {
        t->bad_epochs++;
    }
    take_snapshot(t);
    write_logs(t, train_loss, val_loss, lr, secs, improved);
}

static int nan_stop(const trainer *t, const char *what, dl_err *e)
{
    return dl_fail(e, DL_ENUM, "epoch %llu: the %s is NaN or Inf (try a smaller "
                   "optimizer.lr); the checkpoint keeps epoch %llu, the best so far",
                   (unsigned long long)t->epoch + 1, what, (unsigned long long)t->best_epoch);
}

/* Epoch 0, the initial weights (drawn, or --init-from's), as a candidate
 * for the best epoch: their validation loss, before any step.  Without
 * validation data there is nothing to score them by, and the first epoch
 * is the best so far.  A resumed run has its best epoch already.
 * Collective, as epoch_figures. */
static int score_initial(trainer *t, dl_err *e)
{
    double val_loss = NAN;
    int stop; /* seen at the first step */
    if (t->cfg->resume || !t->val_total)
        return 0;
    if (epoch_figures(t, &val_loss, &stop, e))
        return e->code;
    if (isfinite(val_loss))
        t->best_loss = val_loss;
    t->best_val = val_loss; /* the held weights' loss, even when any epoch will improve on it */
    return 0;
}

static int train_loop(trainer *t, dl_err *e)
{
    const tr_opts *c = t->cfg;
    while (t->epoch < t->spec.epochs) {
        double start = now_seconds();
        double lr = opt_schedule_lr(&t->spec.sched, t->spec.opt.lr, t->epoch);
        double train_loss = 0.0, val_loss = NAN;
        int why, rc = run_epoch(t, lr, &train_loss, &why, e);
        if (rc || why != RUN_OK)
            clear_bar(t);
        if (rc)
            return rc;
        if (why == RUN_NAN || why == RUN_NAN_GRAD)
            return nan_stop(t, why == RUN_NAN ? "training loss" : "gradient of a finite loss", e);
        if (why == RUN_STOP)
            return stopped_run(t, "in", t->epoch + 1, e);
        /* the same verdict in every process: they hold the same weights */
        if (!weights_finite(t->net.params, t->net.n_params))
            return dl_fail(e, DL_ENUM, "epoch %llu: its steps made the weights NaN or Inf (try a "
                           "smaller optimizer.lr); the checkpoint keeps epoch %llu, the best so "
                           "far", (unsigned long long)t->epoch + 1,
                           (unsigned long long)t->best_epoch);
        int stop;
        if (epoch_figures(t, &val_loss, &stop, e))
            return e->code;
        if (t->val_total && !isfinite(val_loss))
            return nan_stop(t, "validation loss", e);
        t->epoch++;
        end_epoch(t, train_loss, val_loss, lr, now_seconds() - start);
        if (stop)
            return stopped_run(t, "after", t->epoch, e);
        if (t->spec.patience && t->bad_epochs >= t->spec.patience) {
            if (c->progress)
                fprintf(c->progress, "%s: early stopping after epoch %llu: no improvement for "
                        "%llu epochs; keeping epoch %llu\n", c->tool, (unsigned long long)t->epoch,
                        (unsigned long long)t->bad_epochs, (unsigned long long)t->best_epoch);
            t->stopped = NM_STOP_EARLY;
            break;
        }
    }
    return 0;
}

static void write_headers(const tr_opts *c)
{
    if (c->log)
        fprintf(c->log, "epoch\ttrain_loss\tval_loss\tlr\tseconds\tbest\tgrad_norm\n");
    if (c->diagnostics)
        fprintf(c->diagnostics, "epoch\tlayer\tunits\tactivation\tz_mean\tz_std\ta_mean\ta_std\t"
                "grad_w_norm\tgrad_b_norm\n");
}

/* --resume and --init-from take a network checkpoint: a linear model (or
 * anything else) is named as such before its records are compared. */
static int model_kind(const dl_tensor *rec, char *kind, size_t len)
{
    return rec && rec->dtype == DL_U8 && rec->rank == 1 && rec->data &&
           kv_value(rec->data, (size_t)rec->shape[0], "kind", kind, len);
}

static int network_checkpoints(const tr_opts *c, dl_err *e)
{
    dl_tensor_set *sets[2] = {c->resume, c->init_from};
    const char *options[2] = {"--resume", "--init-from"};
    for (int i = 0; i < 2; i++) {
        const dl_tensor *rec = sets[i] ? dl_set_find(sets[i], "model") : NULL;
        char kind[32];
        if (!sets[i] || (model_kind(rec, kind, sizeof kind) && strcmp(kind, "network") == 0))
            continue;
        if (model_kind(rec, kind, sizeof kind) && strcmp(kind, "linear") == 0)
            return dl_fail(e, DL_EDATA, "%s: %s: a linear model (dl-lstsq) cannot be trained "
                           "further; dl-train takes a network checkpoint", ckpt_label(c),
                           options[i]);
        return dl_fail(e, DL_EDATA, rec ? "%s: %s: not a network checkpoint (its model "
                                          "record is not of kind network)"
                                        : "%s: %s: not a checkpoint (no 'model' record)",
                       ckpt_label(c), options[i]);
    }
    return 0;
}

/* The network of --resume's or --init-from's checkpoint takes the columns
 * its training data had: the data must have gone through the checkpoint's
 * design, or like the checkpoint's data through none. */
static int start_design(const tr_opts *c, const dl_tensor *design, dl_err *e)
{
    dl_tensor_set *from = start_checkpoint(c);
    const dl_tensor *saved = from ? dl_set_find(from, "design") : NULL;
    if (!from || (!saved && !design) || (saved && design && bf_design_equal(saved, design)))
        return 0;
    const char *why = !design ? "the checkpoint's training data went through a design, the "
                                "data did not (dl-design --apply the checkpoint first)"
                      : saved ? "the data went through a different design than the "
                                "checkpoint's training data"
                              : "the data went through a design, the checkpoint's training "
                                "data did not";
    return dl_fail(e, DL_EDATA, "%s: %s: %s", ckpt_label(c), start_option(c), why);
}

/* Validation data must reach the network in the same space as the training
 * data: raw validation x gets the training data's design applied; x that
 * already went through a design must have gone through the same one. */
/* Raw validation x's own names and categories, bound to the design's input
 * stage (its codes mapped to the training levels); they describe raw x, so
 * they leave the set with it. */
static int bind_val_columns(bf_design *d, dl_tensor_set *val, uint64_t cols, dl_err *e)
{
    pp_meta meta;
    pp_meta_init(&meta);
    int rc = 0;
    static const char *const names[2] = {"x" CM_NAMES_SUFFIX, "x" CM_CATEGORIES_SUFFIX};
    for (int i = 0; !rc && i < 2; i++) {
        dl_tensor t;
        if (dl_set_take(val, names[i], &t))
            rc = pp_meta_take(&meta, &t, 0, e);
    }
    if (!rc)
        rc = pp_meta_columns(&meta, cols, e) ||
             pp_bind(bf_prep_mut(d), &meta.cols, e) ? e->code : 0;
    pp_meta_free(&meta);
    return rc;
}

static int align_val_design(const dl_tensor *design, dl_tensor_set *val, const char *label,
                            dl_err *e)
{
    dl_tensor *val_design = dl_set_find(val, "design");
    if (!design && !val_design)
        return 0;
    if (!design)
        return dl_fail(e, DL_EDATA, "%s went through a design (it has a 'design' record) but "
                       "the training data did not", label);
    if (val_design) {
        if (!bf_design_equal(val_design, design))
            return dl_fail(e, DL_EDATA, "%s went through a different design than the training "
                           "data; give it raw (the training design is applied to it)", label);
        dl_set_remove(val, "design");
        return 0;
    }
    dl_tensor *x = dl_set_find(val, "x"), phi;
    if (!x)
        return dl_fail(e, DL_EDATA, "%s: no 'x' record", label);
    bf_design *d;
    if (bf_from_record(&d, design, e))
        return dl_err_wrap(e, "training data's design");
    /* taking records from the set moves its tensors: x is found again */
    int rc = bind_val_columns(d, val, x->rank >= 2 ? x->shape[1] : 1, e) ||
             bf_apply_tensor(d, dl_set_find(val, "x"), 0, "x", &phi, e);
    bf_free(d);
    if (rc)
        return dl_err_wrap(e, "%s: applying the training data's design", label);
    /* the raw columns' names no longer describe x */
    dl_set_remove(val, "x" CM_NAMES_SUFFIX);
    dl_set_remove(val, "x" CM_CATEGORIES_SUFFIX);
    return dl_set_put(val, &phi, e);
}

/* The class codes of y in `have` (this process's share of its rows, or
 * all: share NULL) as `want`'s: each file codes its own string classes
 * (y.categories), so they are mapped by name; a class `want` does not
 * have is an error naming its row.  Codes are taken as they are when
 * either has no class names. */
static int recode_targets(dl_tensor_set *want, dl_tensor_set *have, const sh_share *share,
                          dl_err *e)
{
    dl_tensor *y = dl_set_find(have, "y");
    if (!y || y->rank < 1 || y->rank > 2)
        return 0; /* named as such when the rows are taken */
    pp_prep *p;
    uint64_t cols = y->rank == 2 ? y->shape[1] : 1;
    int rc = pp_bind_targets(&p, dl_set_find(want, "y" CM_NAMES_SUFFIX),
                             dl_set_find(want, "y" CM_CATEGORIES_SUFFIX),
                             dl_set_find(have, "y" CM_CATEGORIES_SUFFIX), cols, e);
    if (!rc && p)
        rc = dl_tensor_convert(y, DL_F64, e) ||
             pp_recode(p, y->data, (size_t)y->shape[0], share ? share->first : 0, e)
                 ? e->code : 0;
    pp_free(p);
    return rc ? dl_err_wrap(e, "record 'y'") : 0;
}

/* Validation y's class codes as the training data's. */
static int align_val_targets(dl_tensor_set *data, dl_tensor_set *val, const tr_opts *c,
                             dl_err *e)
{
    return recode_targets(data, val, c->val_share, e) ? dl_err_wrap(e, "%s", c->val_label) : 0;
}

/* The training data's class codes as the checkpoint's of --resume or
 * --init-from, whose class names the data then carries (for
 * training.class_weight's names, the validation data's codes and the
 * checkpoint written), its own or none: the network's outputs are the
 * checkpoint's classes, in its order.  A checkpoint without class names
 * takes the data's codes as they are. */
static int align_start_targets(dl_tensor_set *data, const tr_opts *c, dl_err *e)
{
    dl_tensor_set *from = start_checkpoint(c);
    const dl_tensor *cats = from ? dl_set_find(from, "y" CM_CATEGORIES_SUFFIX) : NULL;
    if (!cats)
        return 0;
    dl_tensor copy;
    if (recode_targets(from, data, c->data_share, e))
        return dl_err_wrap(e, "%s: %s: %s", ckpt_label(c), start_option(c), c->data_label);
    return dl_tensor_copy(&copy, cats, e) || dl_set_put(data, &copy, e) ? e->code : 0;
}

/* A CRC-32C of the state training starts from: the weights (resumed, from
 * --init-from, or drawn), the best epoch's, the optimizer's moments and the
 * shuffling RNG, so that ranks given different checkpoints are caught. */
static int64_t start_sum(const trainer *t)
{
    size_t bytes = t->net.n_params * sizeof(float);
    double best[3] = {t->best_loss, (double)t->best_epoch, (double)t->bad_epochs};
    uint32_t crc = st_crc32(0, t->net.params, bytes);
    crc = st_crc32(crc, t->best, bytes);
    if (t->opt.m)
        crc = st_crc32(crc, t->opt.m, bytes);
    if (t->opt.v)
        crc = st_crc32(crc, t->opt.v, bytes);
    crc = st_crc32(crc, t->rng.s, sizeof t->rng.s);
    return (int64_t)st_crc32(crc, best, sizeof best);
}

/* Every process of a data-parallel run checks, before the first step,
 * that all of them failed nothing and train the same network on the same
 * data; the sums of the loop are skipped in one process. */
static int agree(trainer *t, int rc, dl_err *e)
{
    /* the files a count is of, as this process names them */
    char data_rows[320], val_rows[320];
    snprintf(data_rows, sizeof data_rows, "the number of rows of %s", t->cfg->data_label);
    snprintf(val_rows, sizeof val_rows, "the number of validation rows (of %s)",
             t->cfg->val_label ? t->cfg->val_label : t->cfg->data_label);
    const char *const what[] = {
        "the effective spec (after --set)", "the number of x columns",
        "the number of y columns", data_rows,
        val_rows, "the epoch of --resume's checkpoint",
        "the optimizer step of --resume's checkpoint",
        "the CRC-32C of the starting weights, optimizer moments and shuffling state "
        "(--resume, --init-from)",
    };
    int64_t fp[sizeof what / sizeof *what] = {0};
    char *text = NULL;
    size_t len = 0;
    if (!rc && !(rc = spec_format(&t->spec, &text, &len, e))) {
        fp[0] = (int64_t)st_crc32(0, text, len);
        fp[1] = (int64_t)t->d;
        fp[2] = (int64_t)t->k;
        fp[3] = (int64_t)(t->cfg->data_share ? t->cfg->data_share->rows : 0);
        fp[4] = (int64_t)t->val_total;
        fp[5] = (int64_t)t->epoch;
        fp[6] = (int64_t)t->opt.step;
        fp[7] = start_sum(t);
    }
    free(text);
    rc = dd_agree(t->cfg->group, rc, fp, what, sizeof what / sizeof *what, e);
    if (t->cfg->group->size > 1)
        t->group = t->cfg->group;
    return rc;
}

/* The checkpoint keeps the names of the columns the network saw and of its
 * outputs, and the class names (dl-stream(5), "Column metadata").  Data
 * without column names continues the checkpoint of --resume or --init-from
 * (`from`) that has them: its columns were taken by position (same_columns
 * checked names when both had them), so the checkpoint's names stay, for
 * dl-predict to check.  Its class names are in the data already
 * (align_start_targets). */
static int keep_column_meta(dl_tensor_set *data, dl_tensor_set *from, dl_tensor_set *ckpt,
                            dl_err *e)
{
    static const char *const names[] = {"x" CM_NAMES_SUFFIX, "y" CM_NAMES_SUFFIX,
                                        "y" CM_CATEGORIES_SUFFIX};
    static const int kept[] = {1, 1, 0};
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        dl_tensor t;
        const dl_tensor *had = from && kept[i] ? dl_set_find(from, names[i]) : NULL;
        int have = dl_set_take(data, names[i], &t);
        if (!have && had && dl_tensor_copy(&t, had, e))
            return e->code;
        if ((have || had) && dl_set_put(ckpt, &t, e))
            return e->code;
    }
    return 0;
}

int tr_train(const tr_opts *c, dl_tensor_set *data, dl_tensor_set *val, dl_tensor_set *ckpt,
             dl_err *e)
{
    trainer t;
    memset(&t, 0, sizeof t);
    t.cfg = c;
    t.spec = *c->spec;
    dl_tensor design = {0};
    int have_design = dl_set_take(data, "design", &design);
    int rc = network_checkpoints(c, e) || start_design(c, have_design ? &design : NULL, e) ||
                     align_start_targets(data, c, e) ||
                     (val && (align_val_design(have_design ? &design : NULL, val, c->val_label,
                                               e) ||
                              align_val_targets(data, val, c, e)))
                 ? e->code
                 : 0;
    if (!rc)
        rc = setup(&t, data, val, e);
    if (!rc)
        rc = setup_writes(&t, e);
    if (!rc && c->group)
        rc = dd_check_env(c->group, e);
    if (!rc)
        rc = make_checkpoint(&t, data, &design, &have_design, ckpt, e) ||
                     (c->out && st_writer_reserve(c->out, ckpt, e))
                 ? e->code
                 : 0;
    if (c->group)
        rc = agree(&t, rc, e);
    if (!rc && t.group)
        share_state(&t);
    /* their verdicts are of sums over every process: one reports them */
    if (!rc && (apply_class_weights(&t, ckpt, e) || check_weight_sums(&t, e)))
        rc = t.group && e->code == DL_EDATA ? dd_failed_alike(t.group, e) : e->code;
    if (!rc)
        rc = score_initial(&t, e);
    /* a checkpoint once training has started: not of weights that failed
     * before it (drawn beyond float32's range), nor of a resumed run that
     * was done (its checkpoint is written as it was) */
    int trained = !rc && !resumed_done(&t);
    if (!rc)
        write_headers(c);
    if (trained) {
        note_epochs_done(&t);
        note_other_threads(&t);
        rc = train_loop(&t, e);
    }
    if (trained && (rc == 0 || rc == DL_ENUM || rc == DL_EINTR)) {
        t.stopped = rc == DL_ENUM ? NM_STOP_NAN : rc == DL_EINTR ? NM_STOP_INTERRUPTED
                    : t.stopped ? t.stopped : NM_STOP_COMPLETED;
        fill_checkpoint(&t, ckpt);
    } else if (!rc) {
        keep_resumed(&t, ckpt);
    } else {
        dl_set_free(ckpt);
    }
    if (have_design)
        dl_tensor_free(&design);
    trainer_free(&t);
    return rc;
}
