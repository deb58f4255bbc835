/* metrics.c - regression and classification metrics as sklearn.metrics 1.2
 * computes them.  Everything is float64; the only allocations are sized
 * from n and the number of labels, checked against overflow. */
#include "metrics.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"

/* ============================ tasks, options ============================ */

static const char *const task_names[] = {"auto", "regression", "binary", "multiclass",
                                         "multilabel"};

const char *mt_task_name(int task)
{
    return task >= MT_AUTO && task <= MT_MULTILABEL ? task_names[task] : "?";
}

int mt_task_parse(const char *s)
{
    for (int t = MT_AUTO; t <= MT_MULTILABEL; t++)
        if (strcmp(s, task_names[t]) == 0)
            return t;
    return -1;
}

void mt_opts_defaults(mt_opts *o)
{
    o->task = MT_AUTO;
    o->threshold = 0.5;
    o->q = 0.0;
    o->eps = DBL_EPSILON;
}

/* ================================ report ================================ */

void mt_report_init(mt_report *r) { memset(r, 0, sizeof *r); }

void mt_report_free(mt_report *r)
{
    free(r->items);
    free(r->cm_labels);
    free(r->cm);
    mt_report_init(r);
}

double mt_report_get(const mt_report *r, const char *name, int *found)
{
    for (size_t i = 0; i < r->count; i++)
        if (strcmp(r->items[i].name, name) == 0) {
            if (found)
                *found = 1;
            return r->items[i].value;
        }
    if (found)
        *found = 0;
    return NAN;
}

static int add_metric(mt_report *r, dl_err *e, double value, const char *fmt, ...)
    DL_PRINTF(4, 5);

static int add_metric(mt_report *r, dl_err *e, double value, const char *fmt, ...)
{
    if (dl_vec_reserve(&r->items, &r->cap, r->count + 1, sizeof *r->items, e))
        return dl_err_wrap(e, "metrics");
    mt_metric *m = &r->items[r->count++];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m->name, sizeof m->name, fmt, ap);
    va_end(ap);
    m->value = value;
    return 0;
}

static void add_note(mt_report *r, const char *text)
{
    if (r->note[0] == '\0')
        snprintf(r->note, sizeof r->note, "%s", text);
}

/* ============================ value checks ============================= */

static int is_integral(double v) { return v == floor(v) && fabs(v) < 9.0e15; }
static int is_binary_value(double v) { return v == 0.0 || v == 1.0; }

static int all_values(const double *a, size_t count, int (*pred)(double))
{
    for (size_t i = 0; i < count; i++)
        if (!pred(a[i]))
            return 0;
    return 1;
}

static int check_finite(const char *name, const double *a, size_t n, size_t k, dl_err *e)
{
    for (size_t i = 0; i < n * k; i++)
        if (!isfinite(a[i]))
            return dl_fail(e, DL_EDATA, "'%s' row %zu, column %zu: %s", name, i / k + 1,
                           i % k + 1, isnan(a[i]) ? "NaN" : "infinite value");
    return 0;
}

/* The first row of the n x k 0/1 matrix that is not one-hot (not exactly
 * one 1, the rest 0), or n when every row is. */
static size_t row_not_one_hot(const double *a, size_t n, size_t k)
{
    for (size_t i = 0; i < n; i++) {
        size_t ones = 0;
        for (size_t j = 0; j < k; j++) {
            if (!is_binary_value(a[i * k + j]))
                return i;
            ones += a[i * k + j] == 1.0;
        }
        if (ones != 1)
            return i;
    }
    return n;
}

/* One-hot y beside one column of class labels (dl-predict --labels of a
 * softmax): a row that is not one-hot names no class to compare with. */
static int fail_not_one_hot(const mt_data *d, size_t row, dl_err *e)
{
    return dl_fail(e, DL_EDATA,
                   "'y' row %zu is not one-hot: beside one column of class labels in 'yhat', "
                   "a 'y' of %zu columns must hold one 1 per row, the class's column",
                   row + 1, d->ky);
}

int mt_infer_task(const mt_data *d, int *task, dl_err *e)
{
    size_t ny = d->n * d->ky, nh = d->n * d->kyhat;
    if (d->ky == 1 && d->kyhat == 1) {
        /* integer predictions not all 0/1 are labels, not binary scores */
        int yhat_labels = all_values(d->yhat, nh, is_integral) &&
                          !all_values(d->yhat, nh, is_binary_value);
        if (all_values(d->y, ny, is_binary_value) && !yhat_labels)
            *task = MT_BINARY;
        else if (all_values(d->y, ny, is_integral) && all_values(d->yhat, nh, is_integral))
            *task = MT_MULTICLASS;
        else
            *task = MT_REGRESSION;
        return 0;
    }
    if (d->ky == 1) {
        *task = MT_MULTICLASS;
        return 0;
    }
    if (d->kyhat == 1) {
        size_t row = row_not_one_hot(d->y, d->n, d->ky);
        *task = MT_MULTICLASS;
        return row < d->n ? fail_not_one_hot(d, row, e) : 0;
    }
    if (d->ky != d->kyhat)
        return dl_fail(e, DL_EDATA,
                       "'y' has %zu column%s but 'yhat' has %zu (they must match, or y "
                       "must hold one class label per row, or yhat one beside one-hot y)",
                       d->ky, dl_plural(d->ky), d->kyhat);
    if (!all_values(d->y, ny, is_binary_value))
        *task = MT_REGRESSION;
    else
        *task = row_not_one_hot(d->y, d->n, d->ky) == d->n ? MT_MULTICLASS : MT_MULTILABEL;
    return 0;
}

/* The weight of row i. */
static double weight(const mt_data *d, size_t i) { return d->w ? d->w[i] : 1.0; }

/* The sum of the weights (n unweighted). */
static double weight_sum(const mt_data *d)
{
    if (!d->w)
        return (double)d->n;
    double sum = 0;
    for (size_t i = 0; i < d->n; i++)
        sum += d->w[i];
    return sum;
}

/* ============================== regression ============================= */

typedef struct reg_sums {
    double sse, sae, max_abs, lq, sst;
} reg_sums;

/* Sums for output j: squared and absolute errors, the largest error, the Lq
 * sum, and the total sum of squares around y's mean.  The mean is of the
 * differences from the first row's y (exact beside a large common offset,
 * where a plain sum of the values would round away the spread), and the
 * sum of squares is the corrected two-pass one: the deviations' own sum
 * takes out what error is left in the mean. */
static reg_sums regression_sums(const mt_data *d, size_t j, double q)
{
    reg_sums s = {0};
    double shift = d->y[j], wsum = weight_sum(d), mean = 0.0, dev = 0.0;
    for (size_t i = 0; i < d->n; i++)
        mean += weight(d, i) * (d->y[i * d->ky + j] - shift);
    mean = shift + mean / wsum;
    for (size_t i = 0; i < d->n; i++) {
        double y = d->y[i * d->ky + j], err = y - d->yhat[i * d->kyhat + j], c = weight(d, i);
        s.sse += c * err * err;
        s.sae += c * fabs(err);
        s.max_abs = fmax(s.max_abs, fabs(err));
        s.sst += c * (y - mean) * (y - mean);
        dev += c * (y - mean);
        if (q > 0)
            s.lq += c * pow(fabs(err), q);
    }
    /* not fmax, which turns the NaN of overflowed sums (inf - inf) into a
     * constant y's 0 */
    s.sst -= dev * dev / wsum;
    s.sst = s.sst < 0 ? 0.0 : s.sst;
    return s;
}

/* sklearn's r2_score with force_finite: a constant y gives 1 when predicted
 * perfectly and 0 otherwise; fewer than two rows give NaN (undefined). */
static double r2_from_sums(const reg_sums *s, size_t n)
{
    if (n < 2)
        return NAN;
    if (s->sst == 0.0)
        return s->sse == 0.0 ? 1.0 : 0.0;
    return 1.0 - s->sse / s->sst;
}

static int regression(const mt_data *d, const mt_opts *o, mt_report *r, dl_err *e)
{
    if (d->ky != d->kyhat)
        return dl_fail(e, DL_EDATA, "'y' has %zu column%s but 'yhat' has %zu",
                       d->ky, dl_plural(d->ky),
                       d->kyhat);
    size_t k = d->ky;
    double n = weight_sum(d), mse = 0, rmse = 0, mae = 0, r2 = 0, max_err = 0, lq = 0;
    int rc = 0;
    for (size_t j = 0; j < k && rc == 0; j++) {
        reg_sums s = regression_sums(d, j, o->q);
        double mse_j = s.sse / n, r2_j = r2_from_sums(&s, d->n);
        mse += mse_j / (double)k;
        rmse += sqrt(mse_j) / (double)k;
        mae += s.sae / n / (double)k;
        r2 += r2_j / (double)k;
        max_err = fmax(max_err, s.max_abs);
        lq += s.lq / n / (double)k;
        if (k == 1)
            continue;
        rc = add_metric(r, e, mse_j, "mse[%zu]", j);
        rc = rc ? rc : add_metric(r, e, sqrt(mse_j), "rmse[%zu]", j);
        rc = rc ? rc : add_metric(r, e, s.sae / n, "mae[%zu]", j);
        rc = rc ? rc : add_metric(r, e, r2_j, "r2[%zu]", j);
        rc = rc ? rc : add_metric(r, e, s.max_abs, "max_error[%zu]", j);
    }
    if (rc)
        return rc;
    if (d->n < 2)
        add_note(r, "r2 is undefined (NaN) with fewer than two rows");
    else if (isnan(r2))
        add_note(r, "r2 is undefined (NaN): the sums of squares of y overflow (inf / inf)");
    /* Averages first, in a fixed order, so tables of sweeps line up. */
    mt_metric *per_output = r->items;
    size_t n_per_output = r->count;
    r->items = NULL;
    r->count = r->cap = 0;
    rc = add_metric(r, e, mse, "mse");
    rc = rc ? rc : add_metric(r, e, rmse, "rmse");
    rc = rc ? rc : add_metric(r, e, mae, "mae");
    rc = rc ? rc : add_metric(r, e, r2, "r2");
    rc = rc ? rc : add_metric(r, e, max_err, "max_error");
    if (o->q > 0) {
        rc = rc ? rc : add_metric(r, e, o->q, "q");
        rc = rc ? rc : add_metric(r, e, lq, "lq");
    }
    for (size_t i = 0; i < n_per_output && rc == 0; i++)
        rc = add_metric(r, e, per_output[i].value, "%s", per_output[i].name);
    free(per_output);
    return rc;
}

/* =============================== ROC AUC =============================== */

typedef struct scored {
    double score, weight;
    int positive;
} scored;

static int by_score_descending(const void *a, const void *b)
{
    double sa = ((const scored *)a)->score, sb = ((const scored *)b)->score;
    return (sa < sb) - (sa > sb);
}

/* The largest weight (1 without weights), to scale them by: the sums of
 * weights of 1e-170 or 1e160 would under- or overflow in pos * neg. */
static double largest_weight(const double *w, size_t n)
{
    double top = 0;
    for (size_t i = 0; w && i < n; i++)
        top = w[i] > top ? w[i] : top;
    return w && top > 0 ? top : 1.0;
}

int mt_roc_auc(const double *y, size_t ystride, const double *score, size_t sstride,
               const double *w, size_t n, double *auc, dl_err *e)
{
    scored *s;
    if (dl_mem_array(&s, n, sizeof *s, "roc_auc", e))
        return e->code;
    double pos = 0, neg = 0, top = largest_weight(w, n);
    for (size_t i = 0; i < n; i++) {
        s[i].score = score[i * sstride];
        s[i].positive = y[i * ystride] == 1.0;
        s[i].weight = w ? w[i] / top : 1.0;
        pos += s[i].positive ? s[i].weight : 0;
        neg += s[i].positive ? 0 : s[i].weight;
    }
    if (pos == 0 || neg == 0) {
        free(s);
        *auc = NAN;
        return 0;
    }
    qsort(s, n, sizeof *s, by_score_descending);
    /* Trapezoids between successive distinct thresholds, in weights: the
     * negatives of a score count the positives above it and half of those
     * tied with it (tied scores move the curve diagonally).  The area is
     * divided by pos * neg once, at the end: without weights every sum and
     * product before is whole and exact, so the AUC is the ratio of pairs
     * rounded once, never above 1, where rates added row by row drifted
     * past it (1/20 twenty times). */
    double tp = 0, area = 0;
    for (size_t i = 0; i < n;) {
        double tp_tied = 0, fp_tied = 0;
        size_t j = i;
        for (; j < n && s[j].score == s[i].score; j++) {
            tp_tied += s[j].positive ? s[j].weight : 0;
            fp_tied += s[j].positive ? 0 : s[j].weight;
        }
        area += fp_tied * (tp + tp_tied / 2.0);
        tp += tp_tied;
        i = j;
    }
    free(s);
    *auc = area / (pos * neg);
    return 0;
}

/* Why a NaN ROC AUC is undefined: y (with strides) holds one class only,
 * or both, but the rows of one of them all weigh 0. */
static const char *auc_undefined(const double *y, size_t ystride, size_t n, int per_label)
{
    int seen[2] = {0, 0};
    for (size_t i = 0; i < n; i++)
        seen[y[i * ystride] == 1.0] = 1;
    if (seen[0] && seen[1])
        return per_label ? "roc_auc is undefined (NaN) for a label one of whose classes has "
                           "weight 0 in every row"
                         : "roc_auc is undefined (NaN): one class of y has weight 0 in every "
                           "row";
    return per_label ? "roc_auc is undefined (NaN) for a label whose y holds one class only"
                     : "roc_auc is undefined (NaN): y holds one class only";
}

/* ================================ curves ================================ */

/* The counts at each distinct score, scores descending (sklearn's
 * _binary_clf_curve): after threshold thr[i], fps[i] negatives and tps[i]
 * positives score >= thr[i] (weights summed when w is given; rows of weight
 * 0 left out, so their scores are no thresholds).  Arrays of n + 2 (room
 * for the end points). */
typedef struct clf_counts {
    double *fps, *tps, *thr;
    size_t count;
} clf_counts;

static int clf_counts_of(const double *y, size_t ystride, const double *score, size_t sstride,
                         const double *w, size_t n, clf_counts *k, dl_err *e)
{
    memset(k, 0, sizeof *k);
    if (n > SIZE_MAX / 3 - 2)
        return dl_fail(e, DL_ENOMEM, "curve: %zu rows are too many", n);
    scored *s = NULL;
    if (dl_mem_array(&s, n, sizeof *s, "curve", e) ||
        dl_mem_array(&k->fps, 3 * (n + 2), sizeof *k->fps, "curve", e)) {
        free(s);
        return e->code;
    }
    k->tps = k->fps + n + 2;
    k->thr = k->tps + n + 2;
    size_t all = n;
    int seen[2] = {0, 0}; /* negatives, positives, whatever their weights */
    n = 0;
    for (size_t i = 0; i < all; i++) {
        seen[y[i * ystride] == 1.0] = 1;
        if (w && w[i] == 0)
            continue; /* as sklearn: no threshold, no point of its own */
        s[n].score = score[i * sstride];
        s[n].positive = y[i * ystride] == 1.0;
        s[n++].weight = w ? w[i] : 1.0;
    }
    qsort(s, n, sizeof *s, by_score_descending);
    double tp = 0, fp = 0;
    for (size_t i = 0; i < n; i++) {
        tp += s[i].positive ? s[i].weight : 0;
        fp += s[i].positive ? 0 : s[i].weight;
        if (i + 1 == n || s[i + 1].score != s[i].score) {
            k->fps[k->count] = fp;
            k->tps[k->count] = tp;
            k->thr[k->count++] = s[i].score;
        }
    }
    free(s);
    if (tp == 0 || fp == 0) {
        free(k->fps);
        if (seen[0] && seen[1]) /* the rows of one class all weigh 0 */
            return dl_fail(e, DL_EDATA, "'w': every row of the %s of 'y' has weight 0: the "
                           "curve needs both classes", tp == 0 ? "positives" : "negatives");
        return dl_fail(e, DL_EDATA, "'y' holds %s only: the curve needs both classes",
                       tp == 0 ? "negatives" : "positives");
    }
    return 0;
}

static int curve_alloc(mt_curve *c, size_t count, dl_err *e)
{
    memset(c, 0, sizeof *c);
    if (dl_mem_array(&c->x, count, 3 * sizeof *c->x, "curve", e))
        return e->code;
    c->y = c->x + count;
    c->threshold = c->y + count;
    c->count = count;
    return 0;
}

void mt_curve_free(mt_curve *c)
{
    free(c->x);
    memset(c, 0, sizeof *c);
}

int mt_roc_curve(const double *y, size_t ystride, const double *score, size_t sstride,
                 const double *w, size_t n, mt_curve *c, dl_err *e)
{
    clf_counts k;
    if (clf_counts_of(y, ystride, score, sstride, w, n, &k, e))
        return e->code;
    /* drop_intermediate: a point on the straight line between its
     * neighbours changes neither the curve nor its area */
    size_t kept = 0;
    for (size_t i = 0; i < k.count; i++) {
        int ends = i == 0 || i + 1 == k.count;
        if (!ends && k.fps[i + 1] - 2 * k.fps[i] + k.fps[i - 1] == 0 &&
            k.tps[i + 1] - 2 * k.tps[i] + k.tps[i - 1] == 0)
            continue;
        k.fps[kept] = k.fps[i];
        k.tps[kept] = k.tps[i];
        k.thr[kept++] = k.thr[i];
    }
    double neg = k.fps[kept - 1], pos = k.tps[kept - 1];
    int rc = curve_alloc(c, kept + 1, e);
    if (rc == 0) {
        c->threshold[0] = NAN;
        for (size_t i = 0; i < kept; i++) {
            c->x[i + 1] = k.fps[i] / neg;
            c->y[i + 1] = k.tps[i] / pos;
            c->threshold[i + 1] = k.thr[i];
        }
        rc = mt_roc_auc(y, ystride, score, sstride, w, n, &c->area, e);
        if (rc)
            mt_curve_free(c);
    }
    free(k.fps);
    return rc;
}

int mt_pr_curve(const double *y, size_t ystride, const double *score, size_t sstride,
                const double *w, size_t n, mt_curve *c, dl_err *e)
{
    clf_counts k;
    if (clf_counts_of(y, ystride, score, sstride, w, n, &k, e))
        return e->code;
    int rc = curve_alloc(c, k.count + 1, e);
    if (rc == 0) {
        double pos = k.tps[k.count - 1];
        /* lowest threshold (full recall) first, as sklearn reverses it */
        for (size_t i = 0; i < k.count; i++) {
            size_t from = k.count - 1 - i;
            c->x[i] = k.tps[from] / pos;
            double predicted = k.tps[from] + k.fps[from];
            c->y[i] = predicted > 0 ? k.tps[from] / predicted : 0;
            c->threshold[i] = k.thr[from];
        }
        c->x[k.count] = 0;
        c->y[k.count] = 1;
        c->threshold[k.count] = NAN;
        /* the step integral: -sum (r[i+1] - r[i]) p[i] */
        c->area = 0;
        for (size_t i = 0; i < k.count; i++)
            c->area -= (c->x[i + 1] - c->x[i]) * c->y[i];
    }
    free(k.fps);
    return rc;
}

/* ======================= precision, recall, F1 ========================= */

/* Per-label counts of a classification, plus what is derived from them. */
typedef struct label_counts {
    size_t count;
    double *tp, *fp, *fn, *support;
} label_counts;

static void counts_free(label_counts *c)
{
    free(c->tp);
    free(c->fp);
    free(c->fn);
    free(c->support);
}

static int counts_alloc(label_counts *c, size_t count, dl_err *e)
{
    memset(c, 0, sizeof *c);
    c->count = count;
    if (dl_mem_array(&c->tp, count, sizeof(double), "labels", e) ||
        dl_mem_array(&c->fp, count, sizeof(double), "labels", e) ||
        dl_mem_array(&c->fn, count, sizeof(double), "labels", e) ||
        dl_mem_array(&c->support, count, sizeof(double), "labels", e)) {
        counts_free(c);
        return e->code;
    }
    return 0;
}

/* sklearn's zero_division=0: a ratio with an empty denominator is 0. */
static double ratio(double num, double den) { return den > 0 ? num / den : 0.0; }

typedef struct prf {
    double precision, recall, f1;
} prf;

static prf prf_from(double tp, double fp, double fn)
{
    prf m = {ratio(tp, tp + fp), ratio(tp, tp + fn), 0.0};
    m.f1 = ratio(2.0 * m.precision * m.recall, m.precision + m.recall);
    return m;
}

/* Macro, micro and weighted averages of precision, recall and F1. */
static int add_prf_averages(const label_counts *c, mt_report *r, dl_err *e)
{
    double tp = 0, fp = 0, fn = 0, support = 0;
    prf macro = {0}, weighted = {0};
    for (size_t l = 0; l < c->count; l++) {
        prf m = prf_from(c->tp[l], c->fp[l], c->fn[l]);
        macro.precision += m.precision / (double)c->count;
        macro.recall += m.recall / (double)c->count;
        macro.f1 += m.f1 / (double)c->count;
        weighted.precision += m.precision * c->support[l];
        weighted.recall += m.recall * c->support[l];
        weighted.f1 += m.f1 * c->support[l];
        tp += c->tp[l], fp += c->fp[l], fn += c->fn[l], support += c->support[l];
    }
    weighted.precision = ratio(weighted.precision, support);
    weighted.recall = ratio(weighted.recall, support);
    weighted.f1 = ratio(weighted.f1, support);
    prf micro = prf_from(tp, fp, fn);
    const prf *avg[] = {&macro, &micro, &weighted};
    const char *avg_name[] = {"macro", "micro", "weighted"};
    int rc = 0;
    for (int a = 0; a < 3 && rc == 0; a++) {
        rc = add_metric(r, e, avg[a]->precision, "precision_%s", avg_name[a]);
        rc = rc ? rc : add_metric(r, e, avg[a]->recall, "recall_%s", avg_name[a]);
        rc = rc ? rc : add_metric(r, e, avg[a]->f1, "f1_%s", avg_name[a]);
    }
    return rc;
}

/* precision[id] recall[id] f1[id] support[id] of label number l. */
static int add_prf_of_label(const label_counts *c, size_t l, long long id, mt_report *r,
                            dl_err *e)
{
    prf m = prf_from(c->tp[l], c->fp[l], c->fn[l]);
    int rc = add_metric(r, e, m.precision, "precision[%lld]", id);
    rc = rc ? rc : add_metric(r, e, m.recall, "recall[%lld]", id);
    rc = rc ? rc : add_metric(r, e, m.f1, "f1[%lld]", id);
    return rc ? rc : add_metric(r, e, c->support[l], "support[%lld]", id);
}

/* =========================== confusion matrix ========================== */

static int cm_alloc(mt_report *r, const int64_t *labels, size_t count, dl_err *e)
{
    if (count > 0 && count > SIZE_MAX / count)
        return dl_fail(e, DL_ENOMEM, "confusion matrix: %zu labels are too many", count);
    if (dl_mem_array(&r->cm_labels, count, sizeof *r->cm_labels, "confusion matrix", e) ||
        dl_mem_array(&r->cm, count * count, sizeof *r->cm, "confusion matrix", e))
        return e->code;
    memcpy(r->cm_labels, labels, count * sizeof *labels);
    r->ncm = count;
    return 0;
}

/* Counts from a confusion matrix: row = truth, column = prediction. */
static void counts_from_cm(const mt_report *r, label_counts *c)
{
    size_t k = r->ncm;
    for (size_t t = 0; t < k; t++)
        for (size_t p = 0; p < k; p++) {
            double v = r->cm[t * k + p];
            c->support[t] += v;
            if (t == p)
                c->tp[t] += v;
            else {
                c->fn[t] += v;
                c->fp[p] += v;
            }
        }
}

/* ================================ binary ================================ */

/* sklearn's log_loss of a single probability column: clip p to [eps, 1-eps],
 * then renormalise (1 - p, p). */
static double binary_log_loss(const mt_data *d, double eps)
{
    const double *y = d->y, *p = d->yhat;
    double sum = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double pc = fmin(fmax(p[i], eps), 1.0 - eps), total = (1.0 - pc) + pc;
        sum -= weight(d, i) * log((y[i] == 1.0 ? pc : 1.0 - pc) / total);
    }
    return sum / weight_sum(d);
}

static int check_labels_binary(const char *name, const double *a, size_t n, dl_err *e)
{
    for (size_t i = 0; i < n; i++)
        if (!is_binary_value(a[i]))
            return dl_fail(e, DL_EDATA, "'%s' row %zu: %.17g is not a 0/1 label", name,
                           i + 1, a[i]);
    return 0;
}

static int binary(const mt_data *d, const mt_opts *o, mt_report *r, dl_err *e)
{
    if (d->ky != 1 || d->kyhat != 1)
        return dl_fail(e, DL_EDATA,
                       "binary task: 'y' and 'yhat' must have one column (have %zu and %zu)",
                       d->ky, d->kyhat);
    int rc = check_labels_binary("y", d->y, d->n, e);
    static const int64_t labels01[2] = {0, 1};
    if (rc || (rc = cm_alloc(r, labels01, 2, e)))
        return rc;
    for (size_t i = 0; i < d->n; i++)
        r->cm[(size_t)d->y[i] * 2 + (d->yhat[i] >= o->threshold)] += weight(d, i);
    double tn = r->cm[0], fp = r->cm[1], fn = r->cm[2], tp = r->cm[3];
    prf m = prf_from(tp, fp, fn);
    double auc = NAN; /* undefined until computed */
    if ((rc = mt_roc_auc(d->y, 1, d->yhat, 1, d->w, d->n, &auc, e)))
        return rc;
    if (isnan(auc))
        add_note(r, auc_undefined(d->y, 1, d->n, 0));
    rc = add_metric(r, e, (tp + tn) / weight_sum(d), "accuracy");
    rc = rc ? rc : add_metric(r, e, m.precision, "precision");
    rc = rc ? rc : add_metric(r, e, m.recall, "recall");
    rc = rc ? rc : add_metric(r, e, m.f1, "f1");
    rc = rc ? rc : add_metric(r, e, binary_log_loss(d, o->eps), "log_loss");
    rc = rc ? rc : add_metric(r, e, auc, "roc_auc");
    rc = rc ? rc : add_metric(r, e, o->threshold, "threshold");
    rc = rc ? rc : add_metric(r, e, tn, "tn");
    rc = rc ? rc : add_metric(r, e, fp, "fp");
    rc = rc ? rc : add_metric(r, e, fn, "fn");
    rc = rc ? rc : add_metric(r, e, tp, "tp");
    return rc;
}

/* ============================== multiclass ============================= */

static size_t argmax_row(const double *row, size_t k)
{
    size_t best = 0;
    for (size_t j = 1; j < k; j++)
        if (row[j] > row[best])
            best = j;
    return best;
}

/* Class labels from a column of integers, or from the argmax of rows. */
static int labels_of(const char *name, const double *a, size_t n, size_t k, int64_t *out,
                     dl_err *e)
{
    for (size_t i = 0; i < n; i++) {
        if (k > 1) {
            out[i] = (int64_t)argmax_row(a + i * k, k);
            continue;
        }
        if (!is_integral(a[i]))
            return dl_fail(e, DL_EDATA, "'%s' row %zu: %.17g is not an integer class label",
                           name, i + 1, a[i]);
        out[i] = (int64_t)a[i];
    }
    return 0;
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Sorted distinct values of both label arrays (sklearn's unique_labels):
 * written to all (2n long), returns how many. */
static size_t unique_labels(const int64_t *a, const int64_t *b, size_t n, int64_t *all)
{
    memcpy(all, a, n * sizeof *a);
    memcpy(all + n, b, n * sizeof *b);
    qsort(all, 2 * n, sizeof *all, cmp_i64);
    size_t count = 0;
    for (size_t i = 0; i < 2 * n; i++)
        if (count == 0 || all[i] != all[count - 1])
            all[count++] = all[i];
    return count;
}

static size_t label_index(const int64_t *labels, size_t count, int64_t v)
{
    const int64_t *hit = bsearch(&v, labels, count, sizeof *labels, cmp_i64);
    return (size_t)(hit - labels);
}

/* sklearn's log_loss with labels 0..C-1: clip every probability, renormalise
 * each row, average -log of the true class's share. */
static double multiclass_log_loss(const mt_data *d, const int64_t *truth, double eps)
{
    const double *p = d->yhat;
    size_t k = d->kyhat;
    double sum = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        double total = 0.0, mine = 0.0;
        for (size_t j = 0; j < k; j++) {
            double pc = fmin(fmax(p[i * k + j], eps), 1.0 - eps);
            total += pc;
            if ((int64_t)j == truth[i])
                mine = pc;
        }
        sum -= weight(d, i) * log(mine / total);
    }
    return sum / weight_sum(d);
}

/* The truth as labels: a label column, or one-hot rows as wide as yhat or
 * beside its one column of labels (their class is their 1's column). */
static int multiclass_truth(const mt_data *d, int64_t *truth, dl_err *e)
{
    if (d->ky > 1 && d->kyhat == 1) {
        size_t row = row_not_one_hot(d->y, d->n, d->ky);
        if (row < d->n)
            return fail_not_one_hot(d, row, e);
    } else if (d->ky > 1) {
        if (d->ky != d->kyhat)
            return dl_fail(e, DL_EDATA, "'y' has %zu column%s but 'yhat' has %zu",
                           d->ky, dl_plural(d->ky),
                           d->kyhat);
        size_t row = row_not_one_hot(d->y, d->n, d->ky);
        if (row < d->n)
            return dl_fail(e, DL_EDATA,
                           "'y' row %zu is not one-hot: in the multiclass task, a 'y' of %zu "
                           "columns must hold one 1 per row, the class's column, the rest 0",
                           row + 1, d->ky);
    }
    int rc = labels_of("y", d->y, d->n, d->ky, truth, e);
    if (rc || d->kyhat == 1)
        return rc;
    for (size_t i = 0; i < d->n; i++)
        if (truth[i] < 0 || (uint64_t)truth[i] >= d->kyhat)
            return dl_fail(e, DL_EDATA,
                           "'y' row %zu: class %lld is outside 0..%zu (yhat has %zu "
                           "probability columns)",
                           i + 1, (long long)truth[i], d->kyhat - 1, d->kyhat);
    return 0;
}

static int multiclass_metrics(const mt_data *d, const mt_opts *o, const int64_t *truth,
                              const int64_t *pred, int64_t *all, mt_report *r, dl_err *e)
{
    size_t k = unique_labels(truth, pred, d->n, all);
    int rc = cm_alloc(r, all, k, e);
    if (rc)
        return rc;
    double correct = 0;
    for (size_t i = 0; i < d->n; i++) {
        size_t t = label_index(all, k, truth[i]), p = label_index(all, k, pred[i]);
        r->cm[t * k + p] += weight(d, i);
        correct += t == p ? weight(d, i) : 0;
    }
    label_counts c;
    if ((rc = counts_alloc(&c, k, e)))
        return rc;
    counts_from_cm(r, &c);
    rc = add_metric(r, e, correct / weight_sum(d), "accuracy");
    rc = rc ? rc : add_prf_averages(&c, r, e);
    if (rc == 0 && d->kyhat > 1)
        rc = add_metric(r, e, multiclass_log_loss(d, truth, o->eps),
                        "log_loss");
    for (size_t l = 0; l < k && rc == 0; l++)
        rc = add_prf_of_label(&c, l, (long long)all[l], r, e);
    counts_free(&c);
    return rc;
}

static int multiclass(const mt_data *d, const mt_opts *o, mt_report *r, dl_err *e)
{
    int64_t *truth = NULL, *pred = NULL, *all = NULL;
    int rc = dl_mem_array(&truth, d->n, sizeof *truth, "labels", e) ||
                     dl_mem_array(&pred, d->n, sizeof *pred, "labels", e) ||
                     dl_mem_array(&all, d->n, 2 * sizeof *all, "labels", e) ||
                     multiclass_truth(d, truth, e) ? e->code : 0;
    rc = rc ? rc : labels_of("yhat", d->yhat, d->n, d->kyhat, pred, e);
    rc = rc ? rc : multiclass_metrics(d, o, truth, pred, all, r, e);
    free(truth);
    free(pred);
    free(all);
    return rc;
}

/* ============================== multilabel ============================= */

static void multilabel_counts(const mt_data *d, double threshold, label_counts *c,
                              double *subset_correct, double *wrong)
{
    size_t k = d->ky;
    *subset_correct = *wrong = 0;
    for (size_t i = 0; i < d->n; i++) {
        int row_ok = 1;
        double w = weight(d, i);
        for (size_t j = 0; j < k; j++) {
            int t = d->y[i * k + j] == 1.0, p = d->yhat[i * k + j] >= threshold;
            c->tp[j] += t && p ? w : 0;
            c->fp[j] += !t && p ? w : 0;
            c->fn[j] += t && !p ? w : 0;
            c->support[j] += t ? w : 0;
            row_ok &= t == p;
            *wrong += t != p ? w : 0;
        }
        *subset_correct += row_ok ? w : 0;
    }
}

static int multilabel_per_label(const mt_data *d, const label_counts *c, mt_report *r,
                                double *auc_macro, dl_err *e)
{
    size_t k = d->ky;
    int rc = 0;
    *auc_macro = 0;
    for (size_t j = 0; j < k && rc == 0; j++) {
        double auc = NAN; /* undefined until computed */
        if ((rc = add_prf_of_label(c, j, (long long)j, r, e)) ||
            (rc = mt_roc_auc(d->y + j, k, d->yhat + j, k, d->w, d->n, &auc, e)))
            break;
        if (isnan(auc))
            add_note(r, auc_undefined(d->y + j, k, d->n, 1));
        *auc_macro += auc / (double)k;
        double tn = weight_sum(d) - c->tp[j] - c->fp[j] - c->fn[j];
        rc = add_metric(r, e, auc, "roc_auc[%zu]", j);
        rc = rc ? rc : add_metric(r, e, tn, "tn[%zu]", j);
        rc = rc ? rc : add_metric(r, e, c->fp[j], "fp[%zu]", j);
        rc = rc ? rc : add_metric(r, e, c->fn[j], "fn[%zu]", j);
        rc = rc ? rc : add_metric(r, e, c->tp[j], "tp[%zu]", j);
    }
    return rc;
}

static int multilabel(const mt_data *d, const mt_opts *o, mt_report *r, dl_err *e)
{
    if (d->ky != d->kyhat)
        return dl_fail(e, DL_EDATA, "'y' has %zu column%s but 'yhat' has %zu",
                       d->ky, dl_plural(d->ky),
                       d->kyhat);
    for (size_t i = 0; i < d->n * d->ky; i++)
        if (!is_binary_value(d->y[i]))
            return dl_fail(e, DL_EDATA, "'y' row %zu, column %zu: %.17g is not a 0/1 label",
                           i / d->ky + 1, i % d->ky + 1, d->y[i]);
    label_counts c;
    int rc = counts_alloc(&c, d->ky, e);
    if (rc)
        return rc;
    double subset_correct, wrong, auc_macro;
    multilabel_counts(d, o->threshold, &c, &subset_correct, &wrong);
    /* Per-label values are computed into a scratch report so the averages
     * (which need the AUCs) can come first. */
    mt_report per;
    mt_report_init(&per);
    rc = multilabel_per_label(d, &c, &per, &auc_macro, e);
    rc = rc ? rc : add_metric(r, e, subset_correct / weight_sum(d), "subset_accuracy");
    rc = rc ? rc : add_metric(r, e, wrong / (weight_sum(d) * (double)d->ky), "hamming_loss");
    rc = rc ? rc : add_prf_averages(&c, r, e);
    rc = rc ? rc : add_metric(r, e, auc_macro, "roc_auc_macro");
    rc = rc ? rc : add_metric(r, e, o->threshold, "threshold");
    for (size_t i = 0; i < per.count && rc == 0; i++)
        rc = add_metric(r, e, per.items[i].value, "%s", per.items[i].name);
    add_note(r, per.note);
    mt_report_free(&per);
    counts_free(&c);
    return rc;
}

/* ================================ driver =============================== */

int mt_check_data(const mt_data *d, dl_err *e)
{
    if (d->n == 0)
        return dl_fail(e, DL_EDATA, "'y' and 'yhat' have no rows to evaluate");
    if (d->ky == 0 || d->kyhat == 0)
        return dl_fail(e, DL_EDATA, "'%s' has no columns: nothing to evaluate",
                       d->ky == 0 ? "y" : "yhat");
    int rc = check_finite("y", d->y, d->n, d->ky, e);
    rc = rc ? rc : check_finite("yhat", d->yhat, d->n, d->kyhat, e);
    if (rc == 0 && !(weight_sum(d) > 0))
        return dl_fail(e, DL_EDATA, "'w': every row has weight 0");
    return rc;
}

int mt_evaluate(const mt_data *d, const mt_opts *o, mt_report *r, dl_err *e)
{
    mt_report_free(r);
    int rc = mt_check_data(d, e);
    int task = o->task;
    if (rc == 0 && task == MT_AUTO)
        rc = mt_infer_task(d, &task, e);
    if (rc)
        return rc;
    r->task = task;
    r->n = d->n;
    switch (task) {
    case MT_REGRESSION: return regression(d, o, r, e);
    case MT_BINARY: return binary(d, o, r, e);
    case MT_MULTICLASS: return multiclass(d, o, r, e);
    case MT_MULTILABEL: return multilabel(d, o, r, e);
    default: return dl_fail(e, DL_EUSAGE, "unknown task %d", task);
    }
}
