/* metrics.h - evaluation metrics in float64, defined as sklearn.metrics
 * (scikit-learn 1.2) defines them, edge cases included.
 *
 * The input is two row-major matrices of doubles: truth y (n x ky) and
 * predictions yhat (n x kyhat).  mt_evaluate() infers the task from their
 * shapes and values (or takes it from the options), checks the values, and
 * fills a report: an ordered list of named numbers plus, for classification,
 * a confusion matrix.  Names are stable so sweep results line up:
 *
 *   regression  mse rmse mae r2 max_error [q lq], per output j (when ky > 1)
 *               mse[j] rmse[j] mae[j] r2[j] max_error[j]
 *   binary      accuracy precision recall f1 log_loss roc_auc tn fp fn tp
 *   multiclass  accuracy {precision,recall,f1}_{macro,micro,weighted}
 *               [log_loss], per class c: precision[c] recall[c] f1[c] support[c]
 *   multilabel  subset_accuracy hamming_loss {precision,recall,f1}_{micro,macro,
 *               weighted} roc_auc_macro, per label j: precision[j] recall[j]
 *               f1[j] support[j] roc_auc[j] tn[j] fp[j] fn[j] tp[j]
 *
 * Undefined values (ROC AUC when y holds one class only, which sklearn
 * refuses with an error; r2 of a single row, NaN in sklearn) are NaN in the
 * report, with a note saying why.
 *
 * Sample weights (mt_data.w) weigh every metric as sklearn's sample_weight
 * does: each row counts w_i times in the sums, means divide by sum w_i, the
 * confusion matrix and tn/fp/fn/tp/support hold sums of weights, ROC AUC is
 * the weighted trapezoid.  max_error, which sklearn weighs by nothing (it
 * takes no sample_weight), is the largest error over every row. */
#ifndef DL_METRICS_H
#define DL_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum mt_task { MT_AUTO = 0, MT_REGRESSION, MT_BINARY, MT_MULTICLASS, MT_MULTILABEL };

const char *mt_task_name(int task); /* "regression", ...; "auto" for MT_AUTO */
int mt_task_parse(const char *s);   /* -1 when unknown */

typedef struct mt_opts {
    int task;         /* MT_AUTO infers it */
    double threshold; /* binary and multilabel decisions: yhat >= threshold */
    double q;         /* Lq exponent for regression; 0 leaves lq out */
    double eps;       /* log-loss clipping to [eps, 1-eps]; sklearn's default
                         is the machine epsilon of yhat's dtype */
} mt_opts;

/* threshold 0.5, q 0, eps DBL_EPSILON, task MT_AUTO. */
void mt_opts_defaults(mt_opts *o);

/* Borrowed views of the two matrices and of the row weights. */
typedef struct mt_data {
    const double *y, *yhat;
    size_t n, ky, kyhat;
    const double *w; /* n weights, finite and >= 0; NULL: all 1 */
} mt_data;

#define MT_NAME_MAX 48

typedef struct mt_metric {
    char name[MT_NAME_MAX];
    double value;
} mt_metric;

typedef struct mt_report {
    int task;
    size_t n;
    mt_metric *items;
    size_t count, cap;
    /* Classification: ncm x ncm counts (sums of weights), row = true label,
     * column = predicted, labels in ascending order (sklearn's
     * confusion_matrix). */
    size_t ncm;
    int64_t *cm_labels;
    double *cm;
    char note[256]; /* why a value is NaN, or "" */
} mt_report;

void mt_report_init(mt_report *r);
void mt_report_free(mt_report *r);
/* The value called name, or NaN when absent (also sets *found if given). */
double mt_report_get(const mt_report *r, const char *name, int *found);

/* Infers the task the way sklearn's type_of_target would see (y, yhat):
 *   widths 1 and 1:  y and yhat integers, not all in {0,1} -> multiclass
 *                    labels; else y in {0,1} -> binary (yhat scores);
 *                    otherwise regression;
 *   widths 1 and C>1: multiclass with a probability row per sample;
 *   widths K and K:  y all 0/1 -> multiclass if every row is one-hot, else
 *                    multilabel; otherwise regression.
 * Other shapes are an error. */
int mt_infer_task(const mt_data *d, int *task, dl_err *e);

/* Checks the data (finite values, integer labels in range, matching shapes)
 * and computes every metric of the task into r (which it resets). */
int mt_evaluate(const mt_data *d, const mt_opts *o, mt_report *r, dl_err *e);

/* Binary ROC AUC of scores against 0/1 truth, read with strides (so a column
 * of a matrix works), rows weighted by w (NULL: 1); ties count half, as
 * sklearn's trapezoidal ROC area, over- and underflow-free whatever the
 * weights' scale.  NaN when only one class is present, or when one class's
 * rows all weigh 0. */
int mt_roc_auc(const double *y, size_t ystride, const double *score, size_t sstride,
               const double *w, size_t n, double *auc, dl_err *e);

/* Checks what mt_evaluate checks before any metric: rows and columns
 * present, every value finite (errors name 'y' or 'yhat', row and column),
 * some weight above 0 (errors start with 'w'). */
int mt_check_data(const mt_data *d, dl_err *e);

/* A binary classifier's curve over the distinct scores, the points in the
 * order sklearn returns them:
 *   mt_roc_curve  x = fpr, y = tpr, as roc_curve (drop_intermediate=True):
 *                 from (0, 0), whose threshold is NaN (no score reaches it);
 *                 area = roc_auc_score;
 *   mt_pr_curve   x = recall, y = precision, as precision_recall_curve:
 *                 recall decreasing, ending at (0, 1), whose threshold is
 *                 NaN; area = average_precision_score.
 * Truth y is 0/1 (1 positive), read with strides, and w weights as in
 * mt_roc_auc (sklearn's sample_weight; NULL: all 1; rows of weight 0 are
 * left out, as sklearn leaves them, so their scores add no point).  A y without both
 * classes (of positive weight) is DL_EDATA (the curve is undefined). */
typedef struct mt_curve {
    double *x, *y, *threshold; /* count each */
    size_t count;
    double area;
} mt_curve;

int mt_roc_curve(const double *y, size_t ystride, const double *score, size_t sstride,
                 const double *w, size_t n, mt_curve *c, dl_err *e);
int mt_pr_curve(const double *y, size_t ystride, const double *score, size_t sstride,
                const double *w, size_t n, mt_curve *c, dl_err *e);
void mt_curve_free(mt_curve *c);

#endif
