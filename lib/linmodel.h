/* linmodel.h - linear checkpoints: the `kind: linear` model record, the
 * weights, and their prediction.  The one owner of that format: dl-lstsq
 * writes it here, dl-predict reads it here (through lib/model).
 *
 * A linear checkpoint is a stream (man/dl-lstsq.1):
 *   model   u8 text, "key: value" lines: kind: linear, solver, columns,
 *           outputs, rows, rank, ridge, alpha, l1_ratio, posterior, cond (the
 *           condition number of X; inf when singular) and cond_bound (1 when
 *           cond is only a lower bound, from --combine); checkpoints written
 *           before cond existed lack the last two;
 *   design  optional, copied from the training data (dl-design);
 *   w       f64 [P x K];
 *   w_cov   f64 [K x P x P] and sigma2 f64 [K], with a posterior only: the
 *           covariance of output k's weights and its noise variance, so that
 *           ystd = sqrt(sigma2_k + phi^T w_cov_k phi). */
#ifndef DL_LINMODEL_H
#define DL_LINMODEL_H

#include <stddef.h>

#include "err.h"
#include "lstsq.h"
#include "stream.h"
#include "tensor.h"

/* How a fit was made beyond its ls_opts, for the model record to say. */
typedef struct lm_fit {
    int penalize_bias; /* --penalize-bias: the penalty shrank the bias column too */
    int weighted;      /* the rows had weights */
} lm_fit;

/* Writes the checkpoint of the solution r found with o and how: the model
 * record, the design record (when design->data), w, and w_cov and sigma2
 * when r has a posterior. */
int lm_write(st_writer *w, const ls_opts *o, const lm_fit *how, const ls_result *r,
             const dl_tensor *design, dl_err *e);

typedef struct lm_model lm_model;

/* Takes (moves out of ckpt) w, and w_cov and sigma2 when either is present
 * (a posterior is both), checking dtypes, shapes, finiteness and that no
 * noise variance is negative; and checks the model record ckpt keeps (u8
 * of rank 1, its kind read): every line a key above given once, each value
 * of its kind and range (a solver lm_write names, counts, 0 or 1 flags),
 * columns and outputs w's, a rank of at most its columns.  A key a
 * checkpoint written before it existed lacks is not required. */
int lm_open(lm_model **m, dl_tensor_set *ckpt, dl_err *e);
void lm_free(lm_model *m);
size_t lm_input_dim(const lm_model *m);  /* P */
size_t lm_output_dim(const lm_model *m); /* K */
/* 1 when predictions come with a standard deviation (a posterior). */
int lm_has_std(const lm_model *m);
/* w, P x K row-major. */
const double *lm_weights(const lm_model *m);
/* The posterior covariance, K x P x P, or NULL without a posterior. */
const double *lm_covariance(const lm_model *m);
/* The noise variance of each output, K, or NULL without a posterior. */
const double *lm_noise_variances(const lm_model *m);

/* yhat = phi w for the n rows of phi (f64, n x P, row-major) into yhat
 * (n x K); with ystd (only when lm_has_std) the predictive standard
 * deviations too, using t (n x P doubles) as workspace. */
void lm_predict(const lm_model *m, const double *phi, size_t n, double *yhat, double *ystd,
                double *t);

#endif
