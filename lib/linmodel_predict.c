/* linmodel_predict.c - a linear model's predictions and their standard
 * deviations (see linmodel.h), by BLAS. */
#include "linmodel.h"

#include <cblas.h>
#include <math.h>

/* ystd[i,j] = sqrt(sigma2_j + phi_i^T C_j phi_i), with T = phi C_j by BLAS;
 * t an n x p workspace. */
static void predictive_std(const lm_model *l, const double *f, size_t n, double *t,
                           double *out)
{
    size_t p = lm_input_dim(l), k = lm_output_dim(l);
    const double *s2 = lm_noise_variances(l), *cov = lm_covariance(l);
    for (size_t j = 0; j < k; j++) {
        const double *c = cov + j * p * p;
        cblas_dsymm(CblasRowMajor, CblasRight, CblasUpper, (int)n, (int)p, 1.0, c, (int)p, f,
                    (int)p, 0.0, t, (int)p);
        for (size_t i = 0; i < n; i++) {
            double v = s2[j] + cblas_ddot((int)p, t + i * p, 1, f + i * p, 1);
            out[i * k + j] = sqrt(v > 0 ? v : 0);
        }
    }
}

void lm_predict(const lm_model *m, const double *phi, size_t n, double *yhat, double *ystd,
                double *t)
{
    size_t p = lm_input_dim(m), k = lm_output_dim(m);
    if (n == 0)
        return;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)n, (int)k, (int)p, 1.0, phi,
                (int)p, lm_weights(m), (int)k, 0.0, yhat, (int)k);
    if (ystd)
        predictive_std(m, phi, n, t, ystd);
}
