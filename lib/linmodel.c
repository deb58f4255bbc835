/* linmodel.c - linear checkpoints written and read (see linmodel.h); their
 * prediction is linmodel_predict.c's, so that reading one needs no BLAS. */
#include "linmodel.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct lm_model {
    dl_tensor w;      /* [P x K] f64 */
    dl_tensor w_cov;  /* [K x P x P] f64, or empty */
    dl_tensor sigma2; /* [K] f64, or empty */
};

/* ------------------------------ writing ------------------------------ */

static const char *solver_name(const ls_opts *o)
{
    if (o->alpha > 0)
        return o->l1_ratio == 1.0 ? "lasso" : "elastic-net";
    return o->ridge > 0 ? "ridge" : ls_method_name(o->method);
}

int lm_write(st_writer *w, const ls_opts *o, const lm_fit *how, const ls_result *r,
             const dl_tensor *design, dl_err *e)
{
    char text[1024];
    snprintf(text, sizeof text,
             "kind: linear\nsolver: %s\ncolumns: %zu\noutputs: %zu\nrows: %llu\nrank: %d\n"
             "ridge: %.17g\nalpha: %.17g\nl1_ratio: %.17g\nposterior: %d\ncond: %.17g\n"
             "cond_bound: %d\npenalize_bias: %d\nweighted: %d\n",
             solver_name(o), r->p, r->k, (unsigned long long)r->n, r->rank, o->ridge, o->alpha,
             o->l1_ratio, o->posterior, r->cond, r->cond_bound, how->penalize_bias != 0,
             how->weighted != 0);
    uint64_t wshape[2] = {r->p, r->k}, cshape[3] = {r->k, r->p, r->p}, kshape[1] = {r->k};
    uint64_t len = strlen(text);
    int rc = st_write_data(w, "model", DL_U8, 1, &len, text, e) ||
             (design->data && st_write(w, design, e)) ||
             st_write_data(w, "w", DL_F64, 2, wshape, r->w, e) ? e->code : 0;
    if (!rc && r->w_cov)
        rc = st_write_data(w, "w_cov", DL_F64, 3, cshape, r->w_cov, e) ||
             st_write_data(w, "sigma2", DL_F64, 1, kshape, r->sigma2, e) ? e->code : 0;
    return rc ? e->code : 0;
}

/* ------------------------------ reading ------------------------------ */

static int take_matrix(dl_tensor_set *ckpt, const char *name, int rank, dl_tensor *out,
                       dl_err *e)
{
    if (!dl_set_take(ckpt, name, out))
        return dl_fail(e, DL_EDATA, "checkpoint has no '%s' tensor", name);
    if (out->rank != rank || !dl_dtype_is_float(out->dtype))
        return dl_fail(e, DL_EDATA, "checkpoint tensor '%s' must be a float tensor of rank %d",
                       name, rank);
    if (dl_tensor_convert(out, DL_F64, e))
        return e->code;
    if (dl_tensor_find_nonfinite(out) >= 0)
        return dl_fail(e, DL_EDATA, "checkpoint tensor '%s' holds NaN or Inf", name);
    return 0;
}

/* A negative noise variance would be clamped away in ystd's square root. */
static int noise_variances(const dl_tensor *sigma2, dl_err *e)
{
    const double *s2 = sigma2->data;
    for (uint64_t j = 0; j < sigma2->shape[0]; j++)
        if (s2[j] < 0)
            return dl_fail(e, DL_EDATA, "checkpoint: sigma2 of output %llu is %.17g: a noise "
                           "variance is not negative", (unsigned long long)j + 1, s2[j]);
    return 0;
}

static int take_weights(lm_model *l, dl_tensor_set *ckpt, dl_err *e)
{
    if (take_matrix(ckpt, "w", 2, &l->w, e))
        return e->code;
    size_t p = (size_t)l->w.shape[0], k = (size_t)l->w.shape[1];
    /* a posterior is both records: either alone would drop ystd unsaid */
    if (!dl_set_find(ckpt, "w_cov") && !dl_set_find(ckpt, "sigma2"))
        return 0;
    if (take_matrix(ckpt, "w_cov", 3, &l->w_cov, e) || take_matrix(ckpt, "sigma2", 1, &l->sigma2, e))
        return e->code;
    if (l->w_cov.shape[0] != k || l->w_cov.shape[1] != p || l->w_cov.shape[2] != p ||
        l->sigma2.shape[0] != k)
        return dl_fail(e, DL_EDATA, "checkpoint: w_cov must be [%zu, %zu, %zu] and sigma2 [%zu]",
                       k, p, p, k);
    return noise_variances(&l->sigma2, e);
}

int lm_open(lm_model **out, dl_tensor_set *ckpt, dl_err *e)
{
    *out = NULL;
    lm_model *m = calloc(1, sizeof *m);
    if (!m)
        return dl_fail(e, DL_ENOMEM, "out of memory for the model");
    if (take_weights(m, ckpt, e)) {
        lm_free(m);
        return e->code;
    }
    *out = m;
    return 0;
}

void lm_free(lm_model *m)
{
    if (!m)
        return;
    dl_tensor_free(&m->w);
    dl_tensor_free(&m->w_cov);
    dl_tensor_free(&m->sigma2);
    free(m);
}

size_t lm_input_dim(const lm_model *m) { return (size_t)m->w.shape[0]; }
size_t lm_output_dim(const lm_model *m) { return (size_t)m->w.shape[1]; }
int lm_has_std(const lm_model *m) { return m->w_cov.data != NULL; }
const double *lm_weights(const lm_model *m) { return m->w.data; }
const double *lm_covariance(const lm_model *m) { return m->w_cov.data; }
const double *lm_noise_variances(const lm_model *m) { return m->sigma2.data; }
