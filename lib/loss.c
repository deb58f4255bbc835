/* loss.c - losses with PyTorch's reduction='mean', and their gradients.
 *
 * bce, mlbce and ce are fused with their output activation: the value comes
 * from the logits z in a stable form and the gradient wrt z is (p - y)/count,
 * so no 0 * log(0) or division by p(1 - p) ever happens.  The others give
 * dL/da, which activ_backward turns into dL/dz. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "activ.h"
#include "nn.h"

static const char *const loss_names[NN_LOSS_COUNT] = {
    "mse", "mae", "lq", "huber", "bce", "ce", "multilabel_bce",
};

int nn_loss_parse(const char *name)
{
    static const nn_alias aliases[] = {
        {"l1", NN_LOSS_MAE}, {"l2", NN_LOSS_MSE}, {"cross_entropy", NN_LOSS_CE},
        {"mlbce", NN_LOSS_MLBCE},
    };
    return nn_lookup_name(name, aliases, sizeof aliases / sizeof aliases[0], loss_names,
                          NN_LOSS_COUNT);
}

const char *nn_loss_name(int kind)
{
    return kind >= 0 && kind < NN_LOSS_COUNT ? loss_names[kind] : "?";
}

void nn_loss_init(nn_loss *l, int kind)
{
    l->kind = kind;
    l->q = 2.0;
    l->delta = 1.0;
}

static int need_output(const nn_net *net, int activ, const char *loss, dl_err *e)
{
    int have = net->layers[net->n_layers - 1].activ;
    if (have != activ)
        return dl_fail(e, DL_EDATA, "loss %s needs a %s output layer, not %s", loss,
                       nn_activ_name(activ), nn_activ_name(have));
    return 0;
}

static int need_cols(size_t y_cols, size_t want, const char *loss, dl_err *e)
{
    if (y_cols != want)
        return dl_fail(e, DL_EDATA,
                       "loss %s: targets have %zu column%s, the network has %zu output%s",
                       loss, y_cols, dl_plural(y_cols), want, dl_plural(want));
    return 0;
}

int nn_loss_check(const nn_loss *l, const nn_net *net, size_t y_cols, dl_err *e)
{
    const char *name = nn_loss_name(l->kind);
    size_t k = net->n_out;
    switch (l->kind) {
    case NN_LOSS_LQ:
        if (!(isfinite(l->q) && l->q > 0))
            return dl_fail(e, DL_EDATA, "loss lq: q must be finite and > 0");
        return need_cols(y_cols, k, name, e);
    case NN_LOSS_HUBER:
        if (!(isfinite(l->delta) && l->delta > 0))
            return dl_fail(e, DL_EDATA, "loss huber: delta must be finite and > 0");
        return need_cols(y_cols, k, name, e);
    case NN_LOSS_MSE:
    case NN_LOSS_MAE: return need_cols(y_cols, k, name, e);
    case NN_LOSS_BCE:
        if (k != 1)
            return dl_fail(e, DL_EDATA, "loss bce needs 1 output unit, not %zu (use "
                                        "multilabel_bce or ce)", k);
        return need_output(net, NN_SIGMOID, name, e) || need_cols(y_cols, 1, name, e) ? e->code : 0;
    case NN_LOSS_MLBCE:
        return need_output(net, NN_SIGMOID, name, e) || need_cols(y_cols, k, name, e) ? e->code : 0;
    case NN_LOSS_CE:
        if (k < 2)
            return dl_fail(e, DL_EDATA, "loss ce needs >= 2 output units (use bce for 1)");
        if (need_output(net, NN_SOFTMAX, name, e))
            return e->code;
        return y_cols == 1 ? 0 : need_cols(y_cols, k, name, e);
    default: return dl_fail(e, DL_EDATA, "unknown loss %d", l->kind);
    }
}

/* A class label: a float that is an integer in [0, k). */
static int label_of(float v, size_t k, size_t *cls)
{
    if (!(v >= 0.0f && v < (float)k) || v != floorf(v))
        return 0;
    *cls = (size_t)v;
    return 1;
}

/* How far from 1 the sum of a row of ce's class probabilities may be: a
 * row written with 3 significant digits a value (0.333 three times) is
 * within it, while a multi-hot row (2) or a row of zeros (0), on which
 * the fused gradient p - y would train toward nothing, is not. */
#define CE_ROW_SUM_TOLERANCE 1e-3

/* A row of ce's one-hot or probability targets, its values in [0, 1]
 * already, sums to 1. */
static int check_ce_row_sum(const float *y, size_t y_cols, uint64_t row, dl_err *e)
{
    double sum = 0;
    for (size_t j = 0; j < y_cols; j++)
        sum += y[j];
    if (fabs(sum - 1.0) <= CE_ROW_SUM_TOLERANCE)
        return 0;
    return dl_fail(e, DL_EDATA, "row %llu: the targets sum to %.6g, but ce's rows (one-hot, "
                   "or class probabilities) sum to 1, within %g (multi-hot rows are "
                   "multilabel_bce's)", (unsigned long long)row, sum, CE_ROW_SUM_TOLERANCE);
}

static int check_target_row(const nn_loss *l, const float *y, size_t y_cols, size_t k,
                            uint64_t row, dl_err *e)
{
    for (size_t j = 0; j < y_cols; j++)
        if (!isfinite(y[j]))
            return dl_fail(e, DL_EDATA, "row %llu: target %zu is not finite",
                           (unsigned long long)row, j + 1);
    size_t cls;
    int labels = l->kind == NN_LOSS_CE && y_cols == 1;
    /* bce's and mlbce's targets are probabilities, ce's one-hot rows a
     * class's or a distribution over the classes: a value beyond [0, 1]
     * is none of these */
    int probs = l->kind == NN_LOSS_BCE || l->kind == NN_LOSS_MLBCE ||
                (l->kind == NN_LOSS_CE && !labels);
    for (size_t j = 0; j < y_cols; j++) {
        if (probs && !(y[j] >= 0.0f && y[j] <= 1.0f)) {
            char col[40] = "";
            if (y_cols > 1)
                snprintf(col, sizeof col, " (column %zu)", j + 1);
            return dl_fail(e, DL_EDATA, "row %llu: %starget %.9g%s is outside [0, 1] for %s",
                           (unsigned long long)row, l->kind == NN_LOSS_CE ? "one-hot " : "",
                           (double)y[j], col, nn_loss_name(l->kind));
        }
        if (labels && !label_of(y[j], k, &cls))
            return dl_fail(e, DL_EDATA, "row %llu: label %.9g is not a class in 0..%zu (labels "
                                        "are 0-based: %zu classes are 0 to %zu)",
                           (unsigned long long)row, (double)y[j], k - 1, k, k - 1);
    }
    return l->kind == NN_LOSS_CE && !labels ? check_ce_row_sum(y, y_cols, row, e) : 0;
}

int nn_loss_check_targets(const nn_loss *l, const nn_net *net, const float *y, size_t rows,
                          size_t y_cols, uint64_t first_row, dl_err *e)
{
    if (nn_loss_check(l, net, y_cols, e))
        return e->code;
    for (size_t r = 0; r < rows; r++)
        if (check_target_row(l, y + r * y_cols, y_cols, net->n_out, first_row + r, e))
            return e->code;
    return 0;
}

static double sign(double x) { return (double)(x > 0) - (double)(x < 0); }

/* Loss of one residual r = a - y and, in *g, its derivative wrt a. */
static double point_loss(const nn_loss *l, double r, double *g)
{
    double ar = fabs(r);
    switch (l->kind) {
    case NN_LOSS_MSE: *g = 2.0 * r; return r * r;
    case NN_LOSS_MAE: *g = sign(r); return ar;
    case NN_LOSS_LQ:
        *g = ar > 0 ? l->q * pow(ar, l->q - 1.0) * sign(r) : 0.0;
        return pow(ar, l->q);
    default: /* huber */
        if (ar < l->delta) {
            *g = r;
            return 0.5 * r * r;
        }
        *g = l->delta * sign(r);
        return l->delta * (ar - 0.5 * l->delta);
    }
}

static double residual_loss(const nn_loss *l, const float *a, const float *y, size_t n, float *d)
{
    double sum = 0.0, inv = 1.0 / (double)n, g;
    for (size_t i = 0; i < n; i++) {
        sum += point_loss(l, (double)a[i] - (double)y[i], &g);
        if (d)
            d[i] = (float)(g * inv);
    }
    return sum * inv;
}

/* Binary cross-entropy on logits: max(z, 0) - z y + log(1 + exp(-|z|)). */
static double bce_point(double z, double y) { return (z > 0 ? z : 0.0) - z * y + log1p(exp(-fabs(z))); }

static double bce_logits(const float *z, const float *p, const float *y, size_t n, float *d)
{
    double sum = 0.0, inv = 1.0 / (double)n;
    for (size_t i = 0; i < n; i++) {
        sum += bce_point(z[i], y[i]);
        if (d)
            d[i] = (float)(((double)p[i] - y[i]) * inv);
    }
    return sum * inv;
}

/* The elementwise losses (residuals, bce on logits) with row weights:
 * sum_i w_i mean_j l_ij / norm over rows of k elements. */
static double weighted_rows(const nn_loss *l, const nn_layer *L, const float *y, size_t rows,
                            const float *w, double norm, float *d)
{
    size_t k = L->out;
    int logits = l->kind == NN_LOSS_BCE || l->kind == NN_LOSS_MLBCE;
    double sum = 0.0, g;
    for (size_t r = 0; r < rows; r++) {
        double row = 0.0, c = (w ? (double)w[r] : 1.0) / (norm * (double)k);
        for (size_t j = r * k; j < (r + 1) * k; j++) {
            if (logits) {
                row += bce_point(L->z[j], y[j]);
                g = (double)L->a[j] - y[j];
            } else {
                row += point_loss(l, (double)L->a[j] - (double)y[j], &g);
            }
            if (d)
                d[j] = (float)(g * c);
        }
        sum += (w ? (double)w[r] : 1.0) * row / (double)k;
    }
    return sum / norm;
}

/* Cross-entropy of one row of logits z against target probabilities y
 * (or label cls when y is NULL): -sum y_j log softmax(z)_j. */
static double ce_row(const float *z, const float *p, const float *y, size_t cls, size_t k,
                     double inv, float *d)
{
    double mx = z[0], s = 0.0, loss = 0.0, ysum = 1.0;
    for (size_t j = 1; j < k; j++)
        mx = z[j] > mx ? z[j] : mx;
    for (size_t j = 0; j < k; j++)
        s += exp((double)z[j] - mx);
    double lse = mx + log(s);
    if (y) {
        ysum = 0.0;
        for (size_t j = 0; j < k; j++) {
            loss += (double)y[j] * (lse - z[j]);
            ysum += y[j];
        }
    } else {
        loss = lse - z[cls];
    }
    if (d)
        for (size_t j = 0; j < k; j++) {
            double t = y ? y[j] : (double)(j == cls);
            d[j] = (float)(((double)p[j] * ysum - t) * inv);
        }
    return loss;
}

/* Rows weighted by w (NULL: 1), normalized by norm. */
static int ce_loss(const nn_net *net, const float *y, size_t y_cols, const float *w, double norm,
                   float *d, double *loss, dl_err *e)
{
    const nn_layer *L = &net->layers[net->n_layers - 1];
    size_t k = L->out, rows = net->batch, cls = 0;
    double inv = 1.0 / norm, sum = 0.0;
    for (size_t r = 0; r < rows; r++) {
        const float *yr = y + r * y_cols;
        if (y_cols == 1 && !label_of(yr[0], k, &cls))
            return dl_fail(e, DL_EDATA, "row %zu of the batch: label %.9g is not a class in 0..%zu",
                           r + 1, (double)yr[0], k - 1);
        double c = w ? (double)w[r] : 1.0;
        double row = ce_row(L->z + r * k, L->a + r * k, y_cols == 1 ? NULL : yr, cls, k,
                            w ? c * inv : inv, d ? d + r * k : NULL);
        sum += w ? c * row : row;
    }
    *loss = sum * inv;
    return 0;
}

int nn_loss_eval(const nn_loss *l, nn_net *net, const float *y, size_t y_cols, int want_grad,
                 double *loss, dl_err *e)
{
    return nn_loss_eval_weighted(l, net, y, y_cols, NULL, (double)net->batch, want_grad, loss, e);
}

int nn_loss_eval_weighted(const nn_loss *l, nn_net *net, const float *y, size_t y_cols,
                          const float *w, double norm, int want_grad, double *loss, dl_err *e)
{
    if (nn_loss_check(l, net, y_cols, e))
        return e->code;
    if (net->batch == 0)
        return dl_fail(e, DL_EUSAGE, "loss %s: no forward pass to evaluate", nn_loss_name(l->kind));
    nn_layer *L = &net->layers[net->n_layers - 1];
    size_t n = net->batch * L->out;
    float *d = want_grad ? L->dz : NULL;
    int plain = !w && norm == (double)net->batch; /* the mean over the batch */
    switch (l->kind) {
    case NN_LOSS_CE: return ce_loss(net, y, y_cols, w, norm, d, loss, e);
    case NN_LOSS_BCE:
    case NN_LOSS_MLBCE:
        *loss = plain ? bce_logits(L->z, L->a, y, n, d) : weighted_rows(l, L, y, net->batch, w,
                                                                        norm, d);
        return 0;
    default:
        *loss = plain ? residual_loss(l, L->a, y, n, d)
                      : weighted_rows(l, L, y, net->batch, w, norm, d);
        if (d)
            activ_backward(L->activ, L->param, L->z, L->a, d, net->batch, L->out);
        return 0;
    }
}
