/* test_fit.c - lib/fit: x/y pairing across chunks, refusals, and the report. */
#include "filter_fixture.h"

static void test_fit_pairs_interleaved_chunks(void)
{
    double x[N * P], y[N * K];
    make_data(x, y, 11);
    ls_opts dense;
    ls_result ref = {0};
    dl_err e = {0};
    ls_opts_defaults(&dense);
    CHECK(ls_solve_dense(x, y, N, P, K, &dense, &ref, &e) == 0);
    CHECK(write_interleaved(tmp_path("xy.dlt"), x, y, &e) == 0);
    for (int method = LS_SVD; method <= LS_NORMAL; method++) {
        fit_opts o = {0};
        ls_opts_defaults(&o.ls);
        o.ls.method = method;
        o.quiet = 1;
        CHECK(run_fit(&o, tmp_path("xy.dlt"), tmp_path("m.ckpt"), &e) == 0);
        check_w(tmp_path("m.ckpt"), ref.w);
    }
    ls_result_free(&ref);
    unlink(tmp_path("m.ckpt"));
}

static void test_fit_refuses_unpaired_rows(void)
{
    double x[N * P], y[N * K];
    dl_err e = {0};
    st_writer *w;
    make_data(x, y, 12);
    CHECK(st_writer_open(&w, tmp_path("bad.dlt"), 0, &e) == 0);
    CHECK(put(w, "x", x, N, P, &e) == 0 && put(w, "y", y, N - 10, K, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    fit_opts o = {0};
    ls_opts_defaults(&o.ls);
    o.quiet = 1;
    CHECK(run_fit(&o, tmp_path("bad.dlt"), tmp_path("m.ckpt"), &e) == DL_EDATA);
    CHECK(strstr(e.msg, "x has 50 rows but y has 40") != NULL);
    CHECK(access(tmp_path("m.ckpt"), F_OK) != 0);
    unlink(tmp_path("bad.dlt"));
}

/* The report names the tool on every line and goes to log only. */
static void test_fit_reports_on_log(void)
{
    double x[N * P], y[N * K];
    dl_err e = {0};
    char line[256];
    make_data(x, y, 13);
    CHECK(write_interleaved(tmp_path("xy.dlt"), x, y, &e) == 0);
    fit_opts o = {0};
    ls_opts_defaults(&o.ls);
    o.log = tmpfile();
    o.tool = "dl-test";
    CHECK(o.log && run_fit(&o, tmp_path("xy.dlt"), tmp_path("m.ckpt"), &e) == 0);
    rewind(o.log);
    int lines = 0;
    while (fgets(line, sizeof line, o.log)) {
        CHECK(starts_with(line, "dl-test: "));
        lines++;
    }
    CHECK(lines == 1 + K + 1); /* the summary, one line per output, the note: no bias column */
    fclose(o.log);
    unlink(tmp_path("m.ckpt"));
}

int main(void)
{
    if (fixture_setup("fit"))
        return 1;
    UNIT_RUN(test_fit_pairs_interleaved_chunks);
    UNIT_RUN(test_fit_refuses_unpaired_rows);
    UNIT_RUN(test_fit_reports_on_log);
    fixture_cleanup();
    return UNIT_DONE();
}
