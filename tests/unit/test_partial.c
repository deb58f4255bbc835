/* test_partial.c - lib/partial: partial statistics of row ranges sum to those of all rows
 * (y's sum of squares about its mean merged), and their factors fold into the
 * fit of all rows; incomplete sets and damaged factors are refused. */
#include "filter_fixture.h"
#include "partial.h"

static void stats_of(ls_stats *s, const double *x, const double *y, size_t first, size_t n)
{
    dl_err e = {0};
    CHECK(ls_stats_init(s, P, K, &e) == 0);
    ls_stats_add(s, x + first * P, y + first * K, n);
}

/* The factor R of rows first.. first+n-1, row-major (ls_qr_factor's). */
static void factor_of(double *f, const double *x, const double *y, size_t first, size_t n)
{
    dl_err e = {0};
    ls_qr q;
    CHECK(ls_qr_init(&q, P, K, &e) == 0);
    CHECK(ls_qr_add(&q, x + first * P, y + first * K, n, &e) == 0);
    CHECK(ls_qr_factor(&q, f, &e) == 0);
    ls_qr_free(&q);
}

/* Two shards of the N rows (the first 23, the rest): their statistics a
 * and b, their factors fa and fb; and the fit of all of them in one pass
 * (all, one). */
static void two_shards(const double *x, const double *y, ls_stats *a, ls_stats *b, double *fa,
                       double *fb, const ls_opts *o, ls_qr *all, ls_result *one)
{
    dl_err e = {0};
    stats_of(a, x, y, 0, 23);
    stats_of(b, x, y, 23, N - 23);
    factor_of(fa, x, y, 0, 23);
    factor_of(fb, x, y, 23, N - 23);
    CHECK(ls_qr_init(all, P, K, &e) == 0 && ls_qr_add(all, x, y, N, &e) == 0);
    CHECK(ls_qr_solve(all, o, one, &e) == 0);
}

/* Partials a and b (of one design, with factors fa and fb or NULL)
 * written to a file and read back into sum and q (got: their design
 * record; q NULL: factors ignored); partial_read's status, its message in
 * msg (NULL: not wanted). */
static int write_and_read_factors(ls_stats *a, const double *fa, ls_stats *b, const double *fb,
                                  const dl_tensor *design, ls_stats *sum, ls_qr *q,
                                  dl_tensor *got, char *msg)
{
    dl_err e = {0};
    st_writer *w;
    CHECK(st_writer_open(&w, tmp_path("p.dlt"), 0, &e) == 0);
    CHECK(partial_write(w, a, fa, 0, design, NULL, 0, &e) == 0 &&
          partial_write(w, b, fb, 0, design, NULL, 0, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    dl_tensor_set meta;
    dl_set_init(&meta);
    int weighted;
    int rc = partial_read(r, sum, q, got, &meta, &weighted, &e);
    if (msg)
        snprintf(msg, DL_ERR_MSG_MAX, "%s", rc ? e.msg : "");
    CHECK(meta.count == 0);
    dl_set_free(&meta);
    st_reader_close(r);
    unlink(tmp_path("p.dlt"));
    return rc;
}

static int write_and_read(ls_stats *a, ls_stats *b, const dl_tensor *design, ls_stats *sum,
                          dl_tensor *got)
{
    return write_and_read_factors(a, NULL, b, NULL, design, sum, NULL, got, NULL);
}

static void test_partials_sum_to_all_rows(void)
{
    double x[N * P], y[N * K];
    ls_stats all, a, b, sum = {0};
    dl_tensor design = {0}, got = {0};
    dl_err e = {0};
    make_data(x, y, 14);
    stats_of(&all, x, y, 0, N);
    stats_of(&a, x, y, 0, 17);
    stats_of(&b, x, y, 17, N - 17);
    uint64_t len = 5;
    CHECK(dl_tensor_alloc(&design, "design", DL_U8, 1, &len, &e) == 0);
    memcpy(design.data, "bias\n", 5);
    CHECK(write_and_read(&a, &b, &design, &sum, &got) == 0);
    ls_stats_symmetrize(&all);
    CHECK(sum.n == N && sum.p == P && sum.k == K);
    for (int i = 0; i < P * P; i++)
        CHECK_NEAR(sum.xtx[i], all.xtx[i], 1e-12);
    for (int i = 0; i < P * K; i++)
        CHECK_NEAR(sum.xty[i], all.xty[i], 1e-12);
    for (int i = 0; i < K; i++) {
        CHECK_NEAR(sum.yty[i], all.yty[i], 1e-12);
        CHECK_NEAR(sum.ysum[i], all.ysum[i], 1e-12);
        /* y's sum of squares about its mean, merged: the two-pass sum's */
        double mean = 0, css = 0;
        for (int row = 0; row < N; row++)
            mean += y[row * K + i] / N;
        for (int row = 0; row < N; row++)
            css += (y[row * K + i] - mean) * (y[row * K + i] - mean);
        CHECK(sum.ycss != NULL);
        CHECK_NEAR(sum.ycss[i], css, 1e-12);
    }
    CHECK(got.data && dl_tensor_nbytes(&got) == 5 && memcmp(got.data, "bias\n", 5) == 0);
    ls_stats_free(&all);
    ls_stats_free(&a);
    ls_stats_free(&b);
    ls_stats_free(&sum);
    dl_tensor_free(&design);
    dl_tensor_free(&got);
}

/* A partial written before ycss was kept combines with one that has it:
 * the sums are the same, and R^2 then comes from yty and ysum (no ycss). */
static void test_partials_with_and_without_ycss(void)
{
    double x[N * P], y[N * K];
    ls_stats all, a, b, sum = {0};
    dl_tensor none = {0}, got = {0};
    make_data(x, y, 16);
    stats_of(&all, x, y, 0, N);
    stats_of(&a, x, y, 0, 20);
    stats_of(&b, x, y, 20, N - 20);
    free(b.ycss);
    b.ycss = NULL; /* as an older partial */
    CHECK(write_and_read(&a, &b, &none, &sum, &got) == 0);
    CHECK(sum.n == N && sum.ycss == NULL);
    for (int i = 0; i < K; i++)
        CHECK_NEAR(sum.yty[i], all.yty[i], 1e-12);
    ls_stats_free(&all);
    ls_stats_free(&a);
    ls_stats_free(&b);
    ls_stats_free(&sum);
    dl_tensor_free(&got);
}

/* Each partial's factor, folded by --combine: the svd fit of all the rows
 * (weights, singular values, MSE and R^2 of one pass); without a factor in
 * every partial, none; a factor that is not upper triangular is refused. */
static void test_partial_factors_fold(void)
{
    double x[N * P], y[N * K], fa[(P + K) * (P + K)], fb[(P + K) * (P + K)];
    ls_stats a, b, sum;
    ls_qr all, q;
    ls_result one, comb;
    ls_opts o;
    dl_tensor none = {0}, got = {0};
    dl_err e = {0};
    char msg[DL_ERR_MSG_MAX];
    ls_opts_defaults(&o);
    make_data(x, y, 17);
    two_shards(x, y, &a, &b, fa, fb, &o, &all, &one);
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, fa, &b, fb, &none, &sum, &q, &got, msg) == 0);
    CHECK(q.cols == P + K && q.n == N && q.wsum == N);
    CHECK(ls_qr_solve(&q, &o, &comb, &e) == 0);
    for (int i = 0; i < P * K; i++)
        CHECK_NEAR(comb.w[i], one.w[i], 1e-12);
    for (int i = 0; i < P; i++)
        CHECK_NEAR(comb.sv[i], one.sv[i], 1e-12);
    for (int j = 0; j < K; j++) {
        CHECK(fabs(comb.mse[j] - one.mse[j]) <= 1e-10 * one.mse[j]);
        CHECK_NEAR(comb.r2[j], one.r2[j], 1e-12);
    }
    ls_result_free(&comb);
    ls_stats_free(&sum);
    ls_qr_free(&q);
    /* one partial without its factor: the statistics alone */
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, fa, &b, NULL, &none, &sum, &q, &got, msg) == 0);
    CHECK(q.cols == 0 && sum.n == N);
    ls_stats_free(&sum);
    ls_qr_free(&q);
    /* the factor of other rows than its statistics' */
    double other[(P + K) * (P + K)];
    factor_of(other, x, y, 5, 30);
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, fa, &b, other, &none, &sum, &q, &got, msg) == DL_EDATA);
    CHECK(strstr(msg, "the partials' factors 'r' disagree with their 'xtx' and 'xty'"));
    ls_stats_free(&sum);
    ls_qr_free(&q);
    /* a factor with a value under its diagonal */
    fb[(P + K) * 2 + 1] = 0.5;
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, fa, &b, fb, &none, &sum, &q, &got, msg) == DL_EDATA);
    CHECK(strstr(msg, "partial 2: 'r' is not a finite upper triangular factor (row 3, column 2)"));
    ls_stats_free(&sum);
    ls_qr_free(&q);
    ls_result_free(&one);
    ls_qr_free(&all);
    ls_stats_free(&a);
    ls_stats_free(&b);
    dl_tensor_free(&got);
}

/* Cells of about 1e160 in x's second column and in y: X^T X and X^T y
 * hold inf where they meet, their factors are finite.  Partials with
 * factors fold into the one-pass fit; a factor of other rows is still
 * refused by the entries that did not overflow; without factors the
 * overflow is refused (exit 5), naming the statistic. */
static void test_partials_whose_squares_overflow(void)
{
    double x[N * P], y[N * K], fa[(P + K) * (P + K)], fb[(P + K) * (P + K)];
    double other[(P + K) * (P + K)];
    ls_stats a, b, sum;
    ls_qr all, q;
    ls_result one, comb;
    ls_opts o;
    dl_tensor none = {0}, got = {0};
    dl_err e = {0};
    char msg[DL_ERR_MSG_MAX];
    ls_opts_defaults(&o);
    make_data(x, y, 19);
    for (int i = 0; i < N; i++) {
        x[i * P + 1] *= 1e160;
        for (int j = 0; j < K; j++)
            y[i * K + j] *= 1e160;
    }
    two_shards(x, y, &a, &b, fa, fb, &o, &all, &one);
    /* a sum of squares overflows to inf; a sum of products of both signs to
     * inf where BLAS's kernels fuse the multiply and the add (the product is
     * never rounded to infinity), to NaN where they do not (inf - inf) */
    CHECK(isinf(a.xtx[1 * P + 1]) && !isfinite(a.xty[1 * K]) && isfinite(a.xtx[0]));
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, fa, &b, fb, &none, &sum, &q, &got, msg) == 0);
    CHECK(q.cols == P + K && q.n == N);
    CHECK(ls_qr_solve(&q, &o, &comb, &e) == 0);
    for (int i = 0; i < P * K; i++)
        CHECK(fabs(comb.w[i] - one.w[i]) <= 1e-12 * fabs(one.w[i]));
    ls_result_free(&comb);
    ls_stats_free(&sum);
    ls_qr_free(&q);
    factor_of(other, x, y, 5, 30);
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, fa, &b, other, &none, &sum, &q, &got, msg) == DL_EDATA);
    CHECK(strstr(msg, "the partials' factors 'r' disagree with their 'xtx' and 'xty'"));
    ls_stats_free(&sum);
    ls_qr_free(&q);
    memset(&sum, 0, sizeof sum);
    CHECK(write_and_read_factors(&a, NULL, &b, NULL, &none, &sum, &q, &got, msg) == DL_ENUM);
    CHECK(strstr(msg, "'xtx' overflows (it holds Inf or NaN) and the partials carry no factor "
                      "'r' to fit from: scale the data (dl-design --standardize)"));
    ls_stats_free(&sum);
    ls_qr_free(&q);
    ls_result_free(&one);
    ls_qr_free(&all);
    ls_stats_free(&a);
    ls_stats_free(&b);
    dl_tensor_free(&got);
}

/* Two copies of the partial of s (weighted: wa, wb) written, read back
 * with its model's text replaced by model (NULL: as written); the
 * weighted flag partial_read gives, or -1 on an error (its message in
 * msg). */
static int read_weighted(ls_stats *s, int wa, int wb, const char *model, char *msg)
{
    dl_err e = {0};
    st_writer *w;
    st_reader *r;
    dl_tensor t, none = {0};
    int found;
    CHECK(st_writer_open(&w, tmp_path("w.dlt"), 0, &e) == 0);
    CHECK(partial_write(w, s, NULL, wa, &none, NULL, 0, &e) == 0 &&
          partial_write(w, s, NULL, wb, &none, NULL, 0, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    CHECK(st_reader_open(&r, tmp_path("w.dlt"), &e) == 0);
    CHECK(st_writer_open(&w, tmp_path("p.dlt"), 0, &e) == 0);
    while (st_read(r, &t, &found, &e) == 0 && found) {
        uint64_t len = model ? strlen(model) : 0;
        if (model && strcmp(t.name, "model") == 0)
            CHECK(st_write_data(w, "model", DL_U8, 1, &len, model, &e) == 0);
        else
            CHECK(st_write(w, &t, &e) == 0);
        dl_tensor_free(&t);
    }
    CHECK(st_writer_close(w, &e) == 0);
    st_reader_close(r);
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    ls_stats sum = {0};
    dl_tensor_set meta;
    dl_set_init(&meta);
    int weighted = -1;
    if (partial_read(r, &sum, NULL, &none, &meta, &weighted, &e))
        weighted = -1;
    snprintf(msg, DL_ERR_MSG_MAX, "%s", weighted < 0 ? e.msg : "");
    dl_set_free(&meta);
    st_reader_close(r);
    ls_stats_free(&sum);
    dl_tensor_free(&none);
    unlink(tmp_path("w.dlt"));
    unlink(tmp_path("p.dlt"));
    return weighted;
}

/* Whether the rows had weights is the partials' word, whatever the
 * weights sum to (and every partial with rows must say the same);
 * partials that do not say are weighted when their weights do not sum
 * to their rows. */
static void test_partials_say_whether_weighted(void)
{
    double x[N * P], y[N * K];
    ls_stats a;
    char msg[DL_ERR_MSG_MAX];
    make_data(x, y, 20);
    stats_of(&a, x, y, 0, N);
    CHECK(a.wsum == N);
    CHECK(read_weighted(&a, 0, 0, NULL, msg) == 0);
    CHECK(read_weighted(&a, 1, 0, NULL, msg) == -1);
    CHECK(strstr(msg, "('model'): partial 2's rows had no weights, but partial 1's "
                      "had weights: give every shard its weights"));
    CHECK(read_weighted(&a, 0, 1, NULL, msg) == -1);
    CHECK(strstr(msg, "partial 2's rows had weights, but partial 1's had none"));
    CHECK(read_weighted(&a, 1, 1, NULL, msg) == 1);
    const char *unsaid = "kind: lstsq-partial\ncolumns: 4\noutputs: 2\nrows: 50\n";
    CHECK(read_weighted(&a, 1, 1, unsaid, msg) == 0);
    a.wsum = 20.5;
    CHECK(read_weighted(&a, 0, 0, unsaid, msg) == 1);
    CHECK(read_weighted(&a, 0, 0, "kind: lstsq-partial\nweighted: yes\n", msg) == -1);
    CHECK(strstr(msg, "partial 1: 'weighted' is 'yes', not 0 or 1"));
    ls_stats_free(&a);
}

/* A factor before any partial's model record is out of place. */
static void test_factor_before_its_partial(void)
{
    double x[N * P], y[N * K], f[(P + K) * (P + K)];
    ls_stats a, sum = {0};
    ls_qr q;
    dl_tensor none = {0};
    dl_err e = {0};
    make_data(x, y, 18);
    stats_of(&a, x, y, 0, N);
    factor_of(f, x, y, 0, N);
    st_writer *w;
    uint64_t cc[2] = {P + K, P + K};
    CHECK(st_writer_open(&w, tmp_path("p.dlt"), 0, &e) == 0);
    CHECK(st_write_data(w, "r", DL_F64, 2, cc, f, &e) == 0);
    CHECK(partial_write(w, &a, f, 0, &none, NULL, 0, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    dl_tensor_set meta;
    dl_set_init(&meta);
    int weighted;
    CHECK(partial_read(r, &sum, &q, &none, &meta, &weighted, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "partial 1: 'r' must follow its 'model', 'xtx' and 'xty'"));
    dl_set_free(&meta);
    st_reader_close(r);
    ls_qr_free(&q);
    ls_stats_free(&a);
    ls_stats_free(&sum);
    dl_tensor_free(&none);
    unlink(tmp_path("p.dlt"));
}

static void test_partials_must_be_complete(void)
{
    double x[N * P], y[N * K];
    ls_stats a, sum = {0};
    dl_tensor none = {0}, got = {0};
    dl_err e = {0};
    make_data(x, y, 15);
    stats_of(&a, x, y, 0, N);
    st_writer *w;
    CHECK(st_writer_open(&w, tmp_path("p.dlt"), 0, &e) == 0);
    CHECK(partial_write(w, &a, NULL, 0, &none, NULL, 0, &e) == 0);
    uint64_t len = 20;
    CHECK(st_write_data(w, "model", DL_U8, 1, &len, "kind: lstsq-partial\n", &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    dl_tensor_set meta;
    dl_set_init(&meta);
    int weighted;
    CHECK(partial_read(r, &sum, NULL, &got, &meta, &weighted, &e) == DL_EDATA);
    dl_set_free(&meta);
    char want[256];
    snprintf(want, sizeof want, "%s: 2 partials but 1 'xtx' records", tmp_path("p.dlt"));
    CHECK_STR(e.msg, want);
    st_reader_close(r);
    ls_stats_free(&a);
    ls_stats_free(&sum);
    dl_tensor_free(&got);
    unlink(tmp_path("p.dlt"));
}

int main(void)
{
    if (fixture_setup("partial"))
        return 1;
    UNIT_RUN(test_partials_sum_to_all_rows);
    UNIT_RUN(test_partials_with_and_without_ycss);
    UNIT_RUN(test_partial_factors_fold);
    UNIT_RUN(test_partials_whose_squares_overflow);
    UNIT_RUN(test_partials_say_whether_weighted);
    UNIT_RUN(test_factor_before_its_partial);
    UNIT_RUN(test_partials_must_be_complete);
    fixture_cleanup();
    return UNIT_DONE();
}
