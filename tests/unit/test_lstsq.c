/* Least squares against numpy / scikit-learn references made by
 * tests/fixtures/linear/gen_linear.py. */
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "lstsq.h"
#include "matfile.h"
#include "unit.h"

static void check_matrix(const double *got, const test_mat *want, double tol)
{
    CHECK(want->v != NULL);
    for (size_t i = 0; want->v && i < want->rows * want->cols; i++)
        CHECK_NEAR(got[i], want->v[i], tol);
}

static int stats_of(ls_stats *s, const test_mat *x, const test_mat *y, size_t first,
                    size_t rows)
{
    dl_err e;
    if (ls_stats_init(s, x->cols, y->cols, &e))
        return -1;
    ls_stats_add(s, x->v + first * x->cols, y->v + first * y->cols, rows);
    return 0;
}

static void solve_dense_method(int method)
{
    test_mat x = mat_load("wc_x"), y = mat_load("wc_y"), w = mat_load("wc_w_lstsq");
    ls_opts o;
    ls_result r;
    dl_err e;
    ls_opts_defaults(&o);
    o.method = method;
    CHECK(ls_solve_dense(x.v, y.v, x.rows, x.cols, y.cols, &o, &r, &e) == 0);
    check_matrix(r.w, &w, 1e-10);
    CHECK(r.rank == 4);
    CHECK(r.cond > 1 && r.cond < 100);
    CHECK(r.r2[0] > 0.9 && r.r2[0] <= 1 && r.mse[0] > 0 && r.mse[0] < 0.05);
    ls_result_free(&r);
    free(x.v), free(y.v), free(w.v);
}

static void test_svd_matches_numpy(void) { solve_dense_method(LS_SVD); }
static void test_qr_matches_numpy(void) { solve_dense_method(LS_QR); }

/* What the tests that start from statistics share: the statistics of the
 * whole wc data set (s) and their solution by the normal equations under o
 * (r), which the caller checks and frees. */
static void wc_normal_fit(ls_opts *o, ls_stats *s, ls_result *r)
{
    test_mat x = mat_load("wc_x"), y = mat_load("wc_y");
    dl_err e;
    o->method = LS_NORMAL;
    CHECK(stats_of(s, &x, &y, 0, x.rows) == 0);
    CHECK(ls_solve_stats(s, o, r, &e) == 0);
    free(x.v), free(y.v);
}

static void solve_from_stats(const char *want_name, double ridge, double alpha, double l1,
                             double tol)
{
    test_mat w = mat_load(want_name);
    ls_opts o;
    ls_stats s;
    ls_result r;
    ls_opts_defaults(&o);
    o.ridge = ridge;
    o.alpha = alpha;
    o.l1_ratio = l1;
    wc_normal_fit(&o, &s, &r);
    check_matrix(r.w, &w, tol);
    CHECK(r.converged);
    ls_result_free(&r);
    ls_stats_free(&s);
    free(w.v);
}

static void test_normal_matches_numpy(void) { solve_from_stats("wc_w_lstsq", 0, 0, 1, 1e-10); }
static void test_ridge_closed_form(void) { solve_from_stats("wc_w_ridge", 0.5, 0, 1, 1e-10); }
static void test_lasso_matches_sklearn(void)
{
    solve_from_stats("wc_w_lasso", 0, 0.05, 1.0, 1e-6);
}
static void test_enet_matches_sklearn(void)
{
    solve_from_stats("wc_w_enet", 0, 0.05, 0.3, 1e-6);
}

/* The metrics from statistics equal the ones from the residuals. */
static void test_metrics_from_stats(void)
{
    test_mat x = mat_load("wc_x"), y = mat_load("wc_y");
    ls_opts o;
    ls_stats s;
    ls_result dense, normal;
    dl_err e;
    ls_opts_defaults(&o);
    CHECK(ls_solve_dense(x.v, y.v, x.rows, x.cols, y.cols, &o, &dense, &e) == 0);
    CHECK(stats_of(&s, &x, &y, 0, x.rows) == 0);
    CHECK(ls_solve_stats(&s, &o, &normal, &e) == 0);
    for (size_t j = 0; j < 2; j++) {
        CHECK_NEAR(normal.mse[j], dense.mse[j], 1e-9);
        CHECK_NEAR(normal.r2[j], dense.r2[j], 1e-9);
    }
    ls_result_free(&dense);
    ls_result_free(&normal);
    ls_stats_free(&s);
    free(x.v), free(y.v);
}

static void test_duplicate_column(void)
{
    test_mat x = mat_load("dup_x"), y = mat_load("dup_y"), w = mat_load("dup_w");
    test_mat rank = mat_load("dup_rank");
    ls_opts o;
    ls_result r;
    ls_stats s;
    dl_err e;
    ls_opts_defaults(&o);
    CHECK(ls_solve_dense(x.v, y.v, x.rows, x.cols, 1, &o, &r, &e) == 0);
    check_matrix(r.w, &w, 1e-10);
    CHECK(rank.v && r.rank == (int)rank.v[0]);
    CHECK(r.cond > 1e12);
    ls_result_free(&r);
    o.method = LS_QR;
    CHECK(ls_solve_dense(x.v, y.v, x.rows, x.cols, 1, &o, &r, &e) == DL_ENUM);
    CHECK(strstr(e.msg, "svd") != NULL);
    o.method = LS_NORMAL;
    CHECK(stats_of(&s, &x, &y, 0, x.rows) == 0);
    CHECK(ls_solve_stats(&s, &o, &r, &e) == DL_ENUM);
    CHECK(strstr(e.msg, "singular") != NULL && strstr(e.msg, "svd") != NULL);
    ls_stats_free(&s);
    free(x.v), free(y.v), free(w.v), free(rank.v);
}

/* Statistics of three uneven shards, merged, give the one-pass model. */
static void test_partial_combine(void)
{
    test_mat x = mat_load("wc_x"), y = mat_load("wc_y");
    ls_opts o;
    ls_stats whole, part[3];
    ls_result a, b;
    dl_err e;
    size_t cut[4] = {0, 7, 31, 60};
    ls_opts_defaults(&o);
    CHECK(stats_of(&whole, &x, &y, 0, x.rows) == 0);
    for (int i = 0; i < 3; i++)
        CHECK(stats_of(&part[i], &x, &y, cut[i], cut[i + 1] - cut[i]) == 0);
    CHECK(ls_stats_merge(&part[0], &part[1], &e) == 0);
    CHECK(ls_stats_merge(&part[0], &part[2], &e) == 0);
    CHECK(part[0].n == 60);
    CHECK(ls_solve_stats(&whole, &o, &a, &e) == 0);
    CHECK(ls_solve_stats(&part[0], &o, &b, &e) == 0);
    for (size_t i = 0; i < 8; i++)
        CHECK_NEAR(b.w[i], a.w[i], 1e-12);
    ls_result_free(&a);
    ls_result_free(&b);
    ls_stats_free(&whole);
    for (int i = 0; i < 3; i++)
        ls_stats_free(&part[i]);
    ls_stats bad;
    CHECK(ls_stats_init(&bad, 3, 2, &e) == 0);
    CHECK(stats_of(&whole, &x, &y, 0, 1) == 0);
    CHECK(ls_stats_merge(&whole, &bad, &e) == DL_EDATA);
    ls_stats_free(&bad);
    ls_stats_free(&whole);
    free(x.v), free(y.v);
}

static void test_posterior(void)
{
    test_mat sigma2 = mat_load("wc_sigma2"), cov0 = mat_load("wc_cov0");
    ls_opts o;
    ls_stats s;
    ls_result r;
    dl_err e;
    ls_opts_defaults(&o);
    o.ridge = 0.5;
    o.posterior = 1;
    wc_normal_fit(&o, &s, &r);
    CHECK(ls_posterior(&s, &o, &r, &e) == 0);
    check_matrix(r.sigma2, &sigma2, 1e-10);
    check_matrix(r.w_cov, &cov0, 1e-10);
    o.noise_var = 2.0;
    ls_result_free(&r);
    CHECK(ls_solve_stats(&s, &o, &r, &e) == 0);
    CHECK(ls_posterior(&s, &o, &r, &e) == 0);
    CHECK(r.sigma2[1] == 2.0);
    CHECK_NEAR(r.w_cov[16], 2.0 / sigma2.v[0] * cov0.v[0], 1e-10);
    ls_result_free(&r);
    ls_stats_free(&s);
    free(sigma2.v), free(cov0.v);
}

/* Many small folds (7 rows each, the last partial) give the one-shot answer.
 * They run on one BLAS thread with OpenBLAS's workers parked, so no idle
 * worker spins beside them, the even and the odd chunks each on a thread
 * of their own; solving ends them and gives the thread count back.  With
 * one BLAS thread there is no helper, and R and the weights are the same
 * bits. */
static void test_qr_folds(void)
{
    test_mat x = mat_load("wc_x"), y = mat_load("wc_y"), w = mat_load("wc_w_lstsq");
    ls_opts o;
    ls_result r;
    ls_qr q;
    dl_err e;
    ls_opts_defaults(&o);
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    long with_workers = unit_threads();
    dl_blas_set_threads(1);
    int can_park = dl_blas_park();
    dl_blas_set_threads(2);
    CHECK(ls_qr_init_chunk(&q, x.cols, y.cols, 7, &e) == 0);
    for (size_t i = 0; i < x.rows; i += 11) { /* input chunks unlike the folds */
        size_t n = x.rows - i < 11 ? x.rows - i : 11;
        CHECK(ls_qr_add(&q, x.v + i * x.cols, y.v + i * y.cols, n, &e) == 0);
    }
    CHECK(dl_blas_threads() == 1);
    if (can_park) /* this thread and the two helpers */
        CHECK(unit_threads_settled(3) == 3);
    CHECK(ls_qr_solve(&q, &o, &r, &e) == 0);
    CHECK(dl_blas_threads() == 2);
    CHECK(unit_threads_settled(with_workers) == with_workers);
    check_matrix(r.w, &w, 1e-10);
    CHECK(r.rank == 4);
    ls_result_free(&r);
    o.method = LS_QR;
    CHECK(ls_qr_solve(&q, &o, &r, &e) == 0);
    check_matrix(r.w, &w, 1e-10);
    /* one BLAS thread: no helper, the same folds in the same triangles */
    ls_qr one;
    ls_result r1;
    dl_blas_set_threads(1);
    CHECK(ls_qr_init_chunk(&one, x.cols, y.cols, 7, &e) == 0);
    CHECK(ls_qr_add(&one, x.v, y.v, x.rows, &e) == 0);
    CHECK(unit_threads_settled(1) == 1 || !can_park);
    CHECK(ls_qr_solve(&one, &o, &r1, &e) == 0);
    CHECK(memcmp(one.tri[0].r, q.tri[0].r, q.cols * q.cols * sizeof *q.tri[0].r) == 0);
    CHECK(memcmp(r1.w, r.w, x.cols * y.cols * sizeof *r.w) == 0);
    dl_blas_set_threads(2);
    ls_result_free(&r1);
    ls_qr_free(&one);
    ls_result_free(&r);
    ls_qr_free(&q);
    free(x.v), free(y.v), free(w.v);
}

/* Fewer rows than columns: svd gives numpy's minimum-norm solution (gelsd),
 * qr and the normal equations refuse, naming svd. */
static void test_more_columns_than_rows(void)
{
    test_mat x = mat_load("wc_x"), y = mat_load("wc_y"), w = mat_load("wc_w_minnorm3");
    ls_opts o;
    ls_stats s;
    ls_result r;
    dl_err e;
    ls_opts_defaults(&o);
    CHECK(ls_solve_dense(x.v, y.v, 3, x.cols, y.cols, &o, &r, &e) == 0);
    check_matrix(r.w, &w, 1e-10);
    CHECK(r.rank == 3 && isfinite(r.cond));
    ls_result_free(&r);
    o.method = LS_QR;
    CHECK(ls_solve_dense(x.v, y.v, 3, x.cols, y.cols, &o, &r, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "3 rows cannot determine 4 weights by qr: --method svd") != NULL);
    o.method = LS_NORMAL;
    CHECK(stats_of(&s, &x, &y, 0, 3) == 0);
    CHECK(ls_solve_stats(&s, &o, &r, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "--method svd gives the minimum-norm solution") != NULL);
    o.ridge = 1.0; /* regularized: solvable */
    CHECK(ls_solve_stats(&s, &o, &r, &e) == 0);
    ls_result_free(&r);
    ls_stats_free(&s);
    free(x.v), free(y.v), free(w.v);
}

/* A numerical failure comes back as its DL_E* code, the one in e.code, from
 * every solver entry (not as the truth value of a chain of calls). */
static void test_numerical_failure_returns_its_code(void)
{
    const double x[] = {1, 0, 0, 1, 1, 1}, y[] = {1, 2, 3};
    ls_opts o;
    ls_stats s;
    ls_result r;
    dl_err e;
    ls_opts_defaults(&o);
    o.method = LS_NORMAL;
    CHECK(ls_stats_init(&s, 2, 1, &e) == 0);
    ls_stats_add(&s, x, y, 3);
    s.xty[0] = INFINITY; /* finite X^T X, an X^T y that overflowed */
    int rc = ls_solve_stats(&s, &o, &r, &e);
    CHECK(rc == DL_ENUM);
    CHECK(rc == e.code);
    CHECK(strstr(e.msg, "X^T y overflows") != NULL);
    ls_stats_free(&s);

    const double same[] = {1, 1, 2, 2, 3, 3}; /* two equal columns: singular */
    CHECK(ls_stats_init(&s, 2, 1, &e) == 0);
    ls_stats_add(&s, same, y, 3);
    memset(&r, 0, sizeof r);
    rc = ls_posterior(&s, &o, &r, &e);
    CHECK(rc != 0 && rc == e.code);
    ls_result_free(&r);
    ls_stats_free(&s);
}

/* ls_solve_stats of rows (n x p, and y) through the factor R, as dl-lstsq
 * fits them, with ridge L (bias: the unpenalized column of ones, or -1);
 * its status, the message in msg. */
static int ridge_via_factor(const double *x, const double *y, size_t n, size_t p, double ridge,
                            long bias, char *msg)
{
    ls_qr q;
    ls_stats s;
    ls_result r;
    ls_opts o;
    dl_err e = {0};
    ls_opts_defaults(&o);
    o.method = LS_NORMAL;
    o.ridge = ridge;
    o.free_col = o.ones_col = bias;
    memset(&r, 0, sizeof r);
    CHECK(ls_qr_init(&q, p, 1, &e) == 0 && ls_qr_add(&q, x, y, n, &e) == 0);
    CHECK(ls_qr_stats(&q, &s, &e) == 0);
    int rc = ls_solve_stats(&s, &o, &r, &e);
    snprintf(msg, DL_ERR_MSG_MAX, "%s", rc ? e.msg : "");
    ls_result_free(&r);
    ls_stats_free(&s);
    ls_qr_free(&q);
    return rc;
}

/* Sums of products that underflow are refused (DL_ENUM), naming the
 * column, not solved to weights 0: a column's own squares (norm below
 * about 1e-154), a column's and y's products, and a column whose spread
 * about its mean is that small beside an unpenalized bias.  The same rows
 * with their products in range fit. */
static void test_underflowing_sums_refused(void)
{
    enum { n = 8 };
    double u[n] = {0.3, 1.2, -0.7, 2.1, 0.9, -1.4, 0.4, 1.7};
    double x1[n], x2[n * 2], y[n], ytiny[n];
    char msg[DL_ERR_MSG_MAX];
    for (int i = 0; i < n; i++) {
        x1[i] = 1e-150 * u[i];
        x2[i * 2] = 1.0;
        x2[i * 2 + 1] = 1e-150 + 1e-160 * u[i];
        y[i] = 1e-150 * (2 * u[i] + 0.1 * (i % 3));
        ytiny[i] = 1e-10 * y[i];
    }
    CHECK(ridge_via_factor(x1, y, n, 1, 1e-300, -1, msg) == 0);
    CHECK(ridge_via_factor(x1, ytiny, n, 1, 1e-300, -1, msg) == DL_ENUM);
    CHECK(strstr(msg, "X^T y underflows: column 1 of X and output 1 have norms ") &&
          strstr(msg, ", whose product is below the least normal double (2.23e-308): scale x "
                      "(dl-design --standardize) or y"));
    for (int i = 0; i < n; i++)
        y[i] = u[i];
    CHECK(ridge_via_factor(x2, y, n, 2, 1.0, -1, msg) == 0);
    CHECK(ridge_via_factor(x2, y, n, 2, 1.0, 0, msg) == DL_ENUM);
    CHECK(strstr(msg, "X^T X underflows: column 2 of X, about its mean, has norm ") &&
          strstr(msg, ", whose square is below the least normal double (2.23e-308): scale the "
                      "data (dl-design --standardize)"));
}

static void test_method_names(void)
{
    CHECK(ls_method_parse("svd") == LS_SVD);
    CHECK(ls_method_parse("qr") == LS_QR);
    CHECK(ls_method_parse("normal") == LS_NORMAL);
    CHECK(ls_method_parse("lu") == -1);
    CHECK_STR(ls_method_name(LS_QR), "qr");
}

int main(void)
{
    UNIT_RUN(test_svd_matches_numpy);
    UNIT_RUN(test_qr_matches_numpy);
    UNIT_RUN(test_normal_matches_numpy);
    UNIT_RUN(test_ridge_closed_form);
    UNIT_RUN(test_lasso_matches_sklearn);
    UNIT_RUN(test_enet_matches_sklearn);
    UNIT_RUN(test_metrics_from_stats);
    UNIT_RUN(test_duplicate_column);
    UNIT_RUN(test_partial_combine);
    UNIT_RUN(test_posterior);
    UNIT_RUN(test_qr_folds);
    UNIT_RUN(test_more_columns_than_rows);
    UNIT_RUN(test_numerical_failure_returns_its_code);
    UNIT_RUN(test_underflowing_sums_refused);
    UNIT_RUN(test_method_names);
    return UNIT_DONE();
}
