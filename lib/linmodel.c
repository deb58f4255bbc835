/* linmodel.c - linear checkpoints written and read (see linmodel.h); their
 * prediction is linmodel_predict.c's, so that reading one needs no BLAS. */
#include "linmodel.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kvtext.h"
#include "numtext.h"

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

/* The model record's keys, as lm_write writes them; a checkpoint written
 * before a key existed lacks it, so only `kind` must be there. */
enum { K_KIND, K_SOLVER, K_COLUMNS, K_OUTPUTS, K_ROWS, K_RANK, K_RIDGE, K_ALPHA, K_L1_RATIO,
       K_POSTERIOR, K_COND, K_COND_BOUND, K_PENALIZE_BIAS, K_WEIGHTED, LM_KEYS };
static const char *const lm_keys[LM_KEYS] = {
    "kind", "solver", "columns", "outputs", "rows", "rank", "ridge", "alpha", "l1_ratio",
    "posterior", "cond", "cond_bound", "penalize_bias", "weighted"};

/* A value of the record, blanks around it trimmed, as a C string in buf. */
static const char *trimmed(const char *v, char *buf, size_t size)
{
    while (*v == ' ' || *v == '\t')
        v++;
    size_t n = strlen(v);
    while (n > 0 && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r'))
        n--;
    n = n < size - 1 ? n : size - 1;
    memcpy(buf, v, n);
    buf[n] = '\0';
    return buf;
}

static int bad_value(int key, const char *v, const char *want, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "checkpoint: the model record's '%s' is '%.40s': %s",
                   lm_keys[key], v, want);
}

/* What each numeric key may hold. */
#define COUNT_MAX 9e18 /* below 2^63 */
static const struct lm_range {
    int key;
    double lo, hi; /* hi HUGE_VAL: inf allowed */
    int whole;
    const char *want;
} lm_ranges[] = {
    {K_COLUMNS, 0, COUNT_MAX, 1, "not a count"},
    {K_OUTPUTS, 0, COUNT_MAX, 1, "not a count"},
    {K_ROWS, 0, COUNT_MAX, 1, "not a count"},
    {K_RANK, 0, COUNT_MAX, 1, "not a count"},
    {K_RIDGE, 0, DBL_MAX, 0, "not a finite number of at least 0"},
    {K_ALPHA, 0, DBL_MAX, 0, "not a finite number of at least 0"},
    {K_L1_RATIO, 0, 1, 0, "not a number from 0 to 1"},
    {K_POSTERIOR, 0, 1, 1, "not 0 or 1"},
    {K_COND, 0, HUGE_VAL, 0, "not a condition number (at least 0, or inf)"},
    {K_COND_BOUND, 0, 1, 1, "not 0 or 1"},
    {K_PENALIZE_BIAS, 0, 1, 1, "not 0 or 1"},
    {K_WEIGHTED, 0, 1, 1, "not 0 or 1"},
};

/* The numbers of the record into num (NaN for a key that is absent). */
static int record_numbers(const char *const *values, double *num, dl_err *e)
{
    for (size_t i = 0; i < sizeof lm_ranges / sizeof *lm_ranges; i++) {
        const struct lm_range *r = &lm_ranges[i];
        char v[NT_BUF + 8];
        double d;
        num[r->key] = NAN;
        if (!values[r->key])
            continue;
        trimmed(values[r->key], v, sizeof v);
        if (nt_parse_f64(v, v + strlen(v), &d) != NT_OK || !(d >= r->lo && d <= r->hi) ||
            (r->whole && d != floor(d)))
            return bad_value(r->key, v, r->want, e);
        num[r->key] = d;
    }
    return 0;
}

static int check_solver(const char *const *values, dl_err *e)
{
    static const char *const penalized[] = {"ridge", "lasso", "elastic-net"};
    char v[64];
    if (!values[K_SOLVER])
        return 0;
    trimmed(values[K_SOLVER], v, sizeof v);
    if (ls_method_parse(v) >= 0)
        return 0;
    for (size_t i = 0; i < sizeof penalized / sizeof *penalized; i++)
        if (strcmp(v, penalized[i]) == 0)
            return 0;
    return bad_value(K_SOLVER, v, "none of svd, qr, normal, ridge, lasso, elastic-net", e);
}

/* The model record checked as strictly as a network's or a design's: every
 * line a known key given once, each value of its kind and range, and the
 * columns, outputs and rank as w's shape allows.  What dl-tensor show
 * prints of it is then known to be numbers and names. */
static int check_record(const dl_tensor *rec, const dl_tensor *w, dl_err *e)
{
    const char *values[LM_KEYS];
    double num[LM_KEYS];
    char *copy;
    size_t len = (size_t)rec->shape[0];
    if (dl_mem_array(&copy, len + 1, 1, "the model record", e))
        return e->code;
    memcpy(copy, rec->data, len);
    copy[len] = '\0';
    int rc = kv_split(copy, lm_keys, LM_KEYS, values, "checkpoint: the model record", e) ||
                     check_solver(values, e) || record_numbers(values, num, e)
                 ? e->code
                 : 0;
    free(copy);
    if (rc)
        return rc;
    double p = (double)w->shape[0], k = (double)w->shape[1];
    for (int key = K_COLUMNS; key <= K_OUTPUTS; key++)
        if (!isnan(num[key]) && num[key] != (key == K_COLUMNS ? p : k))
            return dl_fail(e, DL_EDATA, "checkpoint: the model record says %.0f %s, w is "
                           "[%.0f, %.0f]", num[key], lm_keys[key], p, k);
    if (num[K_RANK] > p)
        return dl_fail(e, DL_EDATA, "checkpoint: the model record's rank %.0f is more than "
                       "its %.0f column%s", num[K_RANK], p, p == 1 ? "" : "s");
    return 0;
}

int lm_open(lm_model **out, dl_tensor_set *ckpt, dl_err *e)
{
    *out = NULL;
    lm_model *m = calloc(1, sizeof *m);
    if (!m)
        return dl_fail(e, DL_ENOMEM, "out of memory for the model");
    const dl_tensor *rec = dl_set_find(ckpt, "model"); /* its kind read: u8 of rank 1 */
    if (take_weights(m, ckpt, e) || (rec && check_record(rec, &m->w, e))) {
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
