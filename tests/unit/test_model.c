/* lib/model: linear checkpoints opened and applied, and every way a
 * checkpoint can be wrong. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "model.h"
#include "set_fixture.h"
#include "unit.h"

static dl_tensor column(const double *v, uint64_t n, uint64_t cols)
{
    dl_tensor t;
    dl_err e;
    dl_tensor_alloc2(&t, "x", DL_F64, n, cols, &e);
    memcpy(t.data, v, n * cols * sizeof *v);
    return t;
}

/* A cubic-free quadratic: design bias + poly 2 on one input, w = 1, 2, 3. */
static void quadratic(dl_tensor_set *s, int posterior)
{
    bf_opts o;
    bf_design *d;
    dl_tensor rec;
    dl_err e;
    const double w[3] = {1, 2, 3}, cov[9] = {1, 0, 0, 0, 2, 0, 0, 0, 0.5}, s2 = 0.25;
    uint64_t ws[2] = {3, 1}, cs[3] = {1, 3, 3}, ks[1] = {1};
    dl_set_init(s);
    add_text(s, "model", "kind: linear\nsolver: svd\n");
    bf_opts_defaults(&o);
    o.poly = 2;
    if (bf_fit(&d, &o, NULL, 0, 1, &e) == 0 && bf_to_record(d, &rec, &e) == 0)
        dl_set_add(s, &rec, &e);
    bf_free(d);
    add_f64(s, "w", 2, ws, w);
    if (posterior) {
        add_f64(s, "w_cov", 3, cs, cov);
        add_f64(s, "sigma2", 1, ks, &s2);
    }
}

static void test_linear_with_design(void)
{
    dl_tensor_set s;
    mdl_model *m = NULL;
    dl_err e;
    const double xs[3] = {-1, 0, 2};
    dl_tensor x = column(xs, 3, 1), yhat, ystd;
    quadratic(&s, 1);
    CHECK(mdl_open(&m, &s, &e) == 0);
    CHECK(m && mdl_kind(m) == MDL_LINEAR && mdl_input_dim(m) == 1 && mdl_output_dim(m) == 1);
    CHECK(m && mdl_has_std(m));
    CHECK(m && mdl_predict(m, &x, 0, &yhat, &ystd, &e) == 0);
    for (int i = 0; m && i < 3; i++) {
        double t = xs[i], q = 1 + 2 * t * t + 0.5 * t * t * t * t;
        CHECK_NEAR(((double *)yhat.data)[i], 1 + 2 * t + 3 * t * t, 1e-15);
        CHECK_NEAR(((double *)ystd.data)[i], sqrt(0.25 + q), 1e-15);
    }
    CHECK_STR(yhat.name, "yhat");
    CHECK_STR(ystd.name, "ystd");
    dl_tensor_free(&yhat);
    dl_tensor_free(&ystd);
    ((double *)x.data)[1] = NAN;
    CHECK(m && mdl_predict(m, &x, 0, &yhat, NULL, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 2, column 1: missing value") != NULL);
    /* a piece of a chunk names the chunk's row */
    CHECK(m && mdl_predict(m, &x, 100, &yhat, NULL, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 102, column 1: missing value") != NULL);
    mdl_free(m);
    dl_tensor_free(&x);
    dl_set_free(&s);
}

/* More rows than one block of the predictor: every row still right. */
static void test_many_rows(void)
{
    enum { N = 40000 };
    dl_tensor_set s;
    mdl_model *m = NULL;
    dl_err e;
    dl_tensor x, yhat, ystd;
    quadratic(&s, 1);
    CHECK(mdl_open(&m, &s, &e) == 0);
    CHECK(dl_tensor_alloc(&x, "x", DL_F64, 1, (uint64_t[]){N}, &e) == 0); /* rank 1 */
    for (int i = 0; i < N; i++)
        ((double *)x.data)[i] = (i - N / 2) * 1e-4;
    CHECK(m && mdl_predict(m, &x, 0, &yhat, &ystd, &e) == 0);
    int bad = 0;
    for (int i = 0; m && i < N; i++) {
        double t = ((double *)x.data)[i], q = 1 + 2 * t * t + 0.5 * t * t * t * t;
        bad += fabs(((double *)yhat.data)[i] - (1 + 2 * t + 3 * t * t)) > 1e-14 ||
               fabs(((double *)ystd.data)[i] - sqrt(0.25 + q)) > 1e-14;
    }
    CHECK(bad == 0);
    CHECK(yhat.shape[0] == N && yhat.shape[1] == 1);
    dl_tensor_free(&yhat);
    dl_tensor_free(&ystd);
    /* in the second block of a piece from the chunk's row 7 on */
    ((double *)x.data)[30000] = NAN;
    CHECK(m && mdl_predict(m, &x, 7, &yhat, &ystd, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 30008, column 1: missing value") != NULL);
    dl_tensor_free(&x);
    mdl_free(m);
    dl_set_free(&s);
}

/* x given in chunks of 777 rows gets the bits of x whole: rows in passes
 * of 16,384 from x's first, however the chunks cut them (BLAS's last few
 * rows of a product are summed otherwise, for a model of several outputs). */
static void test_passes_across_chunks(void)
{
    enum { N = 40000, P = 10, K = 6, CHUNK = 777 };
    dl_tensor_set s;
    mdl_model *m = NULL;
    mdl_passes *p = NULL;
    dl_err e;
    double w[P * K];
    uint64_t ws[2] = {P, K}, lcg = 1;
    dl_tensor x, whole, part;
    memset(&part, 0, sizeof part);
    for (int i = 0; i < P * K; i++)
        w[i] = (double)(i % 7) - 3.25;
    dl_set_init(&s);
    add_text(&s, "model", "kind: linear\n");
    add_f64(&s, "w", 2, ws, w);
    CHECK(mdl_open(&m, &s, &e) == 0);
    CHECK(dl_tensor_alloc2(&x, "x", DL_F64, N, P, &e) == 0);
    for (int i = 0; i < N * P; i++) {
        lcg = lcg * 6364136223846793005u + 1442695040888963407u;
        ((double *)x.data)[i] = (double)(lcg >> 11) / 9007199254740992.0 - 0.5;
    }
    CHECK(m && mdl_predict(m, &x, 0, &whole, NULL, &e) == 0);
    CHECK(m && mdl_passes_new(&p, m, &e) == 0);
    uint64_t done = 0, bad = 0;
    for (uint64_t at = 0; p && at <= N; at += CHUNK) {
        dl_tensor chunk = x;
        chunk.shape[0] = N - at < CHUNK ? N - at : CHUNK;
        chunk.data = (double *)x.data + at * P;
        CHECK(mdl_passes_add(p, &chunk, at, &part, NULL, &e) == 0);
        /* only the passes a chunk completes */
        CHECK(part.shape[0] == (at + chunk.shape[0]) / 16384 * 16384 - done);
        bad += memcmp(part.data, (double *)whole.data + done * K,
                      (size_t)part.shape[0] * K * sizeof(double)) != 0;
        done += part.shape[0];
        dl_tensor_free(&part);
    }
    /* the rest at the end, as the shorter last pass */
    CHECK(p && mdl_passes_finish(p, &part, NULL, &e) == 0);
    CHECK(p && part.shape[0] == N - done);
    if (p)
        bad += memcmp(part.data, (double *)whole.data + done * K,
                      (size_t)part.shape[0] * K * sizeof(double)) != 0;
    done += p ? part.shape[0] : 0;
    dl_tensor_free(&part);
    CHECK(done == N && bad == 0);
    mdl_passes_free(p);
    dl_tensor_free(&whole);
    dl_tensor_free(&x);
    mdl_free(m);
    dl_set_free(&s);
}

static void test_linear_without_design(void)
{
    dl_tensor_set s;
    mdl_model *m = NULL;
    dl_err e;
    const double w[4] = {1, -1, 2, 0.5}, xs[4] = {1, 2, 3, 4};
    uint64_t ws[2] = {2, 2};
    dl_tensor x = column(xs, 2, 2), yhat;
    dl_set_init(&s);
    add_text(&s, "model", "kind:   linear  \n");
    add_f64(&s, "w", 2, ws, w);
    CHECK(mdl_open(&m, &s, &e) == 0);
    CHECK(m && !mdl_has_std(m) && mdl_input_dim(m) == 2);
    CHECK(m && mdl_predict(m, &x, 0, &yhat, NULL, &e) == 0);
    if (m) {
        double *y = yhat.data;
        CHECK(y[0] == 5 && y[1] == 0 && y[2] == 11 && y[3] == -1);
        dl_tensor_free(&yhat);
    }
    x.shape[1] = 1, x.shape[0] = 4; /* wrong column count */
    CHECK(m && mdl_predict(m, &x, 0, &yhat, NULL, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "x has 1 column but the model takes 2") != NULL);
    /* so for rows of no bytes, however many: before any room for their yhat */
    x.shape[1] = 0, x.shape[0] = (uint64_t)1 << 40;
    CHECK(m && mdl_predict(m, &x, 0, &yhat, NULL, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "x has 0 columns but the model takes 2") != NULL);
    mdl_free(m);
    dl_tensor_free(&x);
    dl_set_free(&s);
}

/* Opens a checkpoint whose model text is `text` with w of P rows. */
static int open_with(const char *text, uint64_t p, dl_err *e)
{
    dl_tensor_set s;
    mdl_model *m = NULL;
    const double w[3] = {1, 2, 3};
    uint64_t ws[2] = {p, 1};
    dl_set_init(&s);
    if (text)
        add_text(&s, "model", text);
    if (p)
        add_f64(&s, "w", 2, ws, w);
    int rc = mdl_open(&m, &s, e);
    mdl_free(m);
    dl_set_free(&s);
    return rc;
}

static void test_bad_checkpoints(void)
{
    dl_err e;
    CHECK(open_with(NULL, 2, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "not a checkpoint") != NULL);
    CHECK(open_with("solver: svd\n", 2, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "no 'kind:' line") != NULL);
    CHECK(open_with("kind: banana\n", 2, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "unknown model kind 'banana'") != NULL);
    CHECK(open_with("kind: linear\n", 0, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "no 'w' tensor") != NULL);
    /* the design makes 3 columns, w has 2 rows */
    dl_tensor_set s;
    mdl_model *m = NULL;
    quadratic(&s, 0);
    dl_tensor *w = dl_set_find(&s, "w");
    w->shape[0] = 2;
    CHECK(mdl_open(&m, &s, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "design makes 3 columns but w has 2 rows") != NULL);
    dl_set_free(&s);
    /* a posterior of the wrong shape */
    quadratic(&s, 1);
    dl_set_find(&s, "w_cov")->shape[1] = 1;
    CHECK(mdl_open(&m, &s, &e) == DL_EDATA);
    dl_set_free(&s);
    quadratic(&s, 0);
    ((double *)dl_set_find(&s, "w")->data)[1] = NAN;
    CHECK(mdl_open(&m, &s, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "NaN") != NULL);
    dl_set_free(&s);
}

int main(void)
{
    UNIT_RUN(test_linear_with_design);
    UNIT_RUN(test_many_rows);
    UNIT_RUN(test_passes_across_chunks);
    UNIT_RUN(test_linear_without_design);
    UNIT_RUN(test_bad_checkpoints);
    return UNIT_DONE();
}
