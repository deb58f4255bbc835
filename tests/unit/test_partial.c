/* test_partial.c - lib/partial: partial statistics of row ranges sum to those of all rows
 * (y's sum of squares about its mean merged); incomplete sets are refused. */
#include "filter_fixture.h"
#include "partial.h"

static void stats_of(ls_stats *s, const double *x, const double *y, size_t first, size_t n)
{
    dl_err e = {0};
    CHECK(ls_stats_init(s, P, K, &e) == 0);
    ls_stats_add(s, x + first * P, y + first * K, n);
}

/* Partials a and b (of one design) written to a file and read back into
 * sum (got: their design record); partial_read's status. */
static int write_and_read(ls_stats *a, ls_stats *b, const dl_tensor *design, ls_stats *sum,
                          dl_tensor *got)
{
    dl_err e = {0};
    st_writer *w;
    CHECK(st_writer_open(&w, tmp_path("p.dlt"), 0, &e) == 0);
    CHECK(partial_write(w, a, design, NULL, 0, &e) == 0 &&
          partial_write(w, b, design, NULL, 0, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    dl_tensor_set meta;
    dl_set_init(&meta);
    int rc = partial_read(r, sum, got, &meta, &e);
    CHECK(meta.count == 0);
    dl_set_free(&meta);
    st_reader_close(r);
    unlink(tmp_path("p.dlt"));
    return rc;
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
    CHECK(partial_write(w, &a, &none, NULL, 0, &e) == 0);
    uint64_t len = 20;
    CHECK(st_write_data(w, "model", DL_U8, 1, &len, "kind: lstsq-partial\n", &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    dl_tensor_set meta;
    dl_set_init(&meta);
    CHECK(partial_read(r, &sum, &got, &meta, &e) == DL_EDATA);
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
    UNIT_RUN(test_partials_must_be_complete);
    fixture_cleanup();
    return UNIT_DONE();
}
