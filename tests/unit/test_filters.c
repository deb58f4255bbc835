/* test_filters.c - the library side of the filter tools: the option loop and
 * stream frame (lib/cli), x/y pairing and fitting (lib/fit), partial
 * statistics (lib/partial), the design stream (lib/design_stream), stream
 * prediction (lib/predict) and dl-eval's reading and rendering
 * (lib/metrics_io).  References are computed here by the dense solver or by
 * hand, never taken from the code under test. */
#include <dirent.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "design_stream.h"
#include "fit.h"
#include "metrics_io.h"
#include "partial.h"
#include "predict.h"
#include "rng.h"
#include "unit.h"

static char dir[64];

static const char *tmp_path(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static size_t dir_entries(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *ent; d && (ent = readdir(d));)
        n += ent->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

/* ------------------------------ cli --------------------------------- */

static int parse_num(int c, const char *arg, void *ctx, dl_err *e)
{
    if (c != 'n')
        return dl_fail(e, DL_EUSAGE, "unknown option");
    if (strcmp(arg, "bad") == 0)
        return dl_fail(e, DL_EDATA, "--num: 'bad' is not a number");
    *(int *)ctx = atoi(arg);
    return 0;
}

static void no_usage(void) {}

static const struct option num_longs[] = {{"num", required_argument, 0, 'n'},
                                          {"help", no_argument, 0, 'h'},
                                          {"version", no_argument, 0, 'V'},
                                          {0, 0, 0, 0}};
static const cli_spec num_spec = {"dl-test", no_usage, ":n:hV", num_longs, parse_num};

typedef struct parsed {
    int rc, num;
    const char *model, *input;
    dl_err e;
} parsed;

/* argv is NULL-terminated; getopt starts afresh (optind 0). */
static parsed parse_filter(char **argv)
{
    parsed p = {0};
    int argc = 0;
    while (argv[argc])
        argc++;
    optind = 0;
    p.rc = cli_parse_filter(argc, argv, &num_spec, &p.num, "MODEL", &p.model, &p.input, &p.e);
    return p;
}

static void test_parse_filter_takes_options_and_operands(void)
{
    char *ok[] = {"t", "-n", "3", "M.ckpt", "in.dlt", NULL};
    parsed p = parse_filter(ok);
    CHECK(p.rc == 0);
    CHECK(p.num == 3);
    CHECK(p.model && strcmp(p.model, "M.ckpt") == 0);
    CHECK(p.input && strcmp(p.input, "in.dlt") == 0);
    char *no_input[] = {"t", "--num=4", "M.ckpt", NULL};
    p = parse_filter(no_input);
    CHECK(p.rc == 0 && p.num == 4 && p.input == NULL);
}

static void test_parse_filter_errors_are_usage_errors(void)
{
    static const struct {
        char *argv[6];
        const char *msg;
    } cases[] = {
        {{"t", "--bogus", "M", NULL}, "unknown option '--bogus'"},
        {{"t", "M", "--num", NULL}, "missing value for '--num'"},
        {{"t", "--num", "bad", "M", NULL}, "--num: 'bad' is not a number"},
        {{"t", NULL}, "missing the MODEL argument"},
        {{"t", "M", "in", "extra", NULL}, "unexpected argument 'extra'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[6];
        memcpy(argv, cases[i].argv, sizeof argv);
        parsed p = parse_filter(argv);
        CHECK(p.rc == DL_EUSAGE); /* also when parse said DL_EDATA */
        CHECK(p.e.code == DL_EUSAGE);
        CHECK_STR(p.e.msg, cases[i].msg);
    }
}

/* Every main's loop, also with a table that does not start with ':': the
 * option is named as typed, a short one by its letter even inside a
 * cluster. */
static void test_parse_options_names_the_refused_option(void)
{
    static const cli_spec plain = {"dl-test", no_usage, "n:hV", num_longs, parse_num};
    static const struct {
        char *argv[4];
        const char *msg;
    } cases[] = {
        {{"t", "--bogus", NULL}, "unknown option '--bogus'"},
        {{"t", "-x", NULL}, "unknown option '-x'"},
        {{"t", "-xn3", NULL}, "unknown option '-x'"},
        {{"t", "--num", NULL}, "missing value for '--num'"},
        {{"t", "-n", NULL}, "missing value for '-n'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[4];
        memcpy(argv, cases[i].argv, sizeof argv);
        int num = 0;
        dl_err e = {0};
        optind = 0;
        CHECK(cli_parse_options(argv[2] ? 3 : 2, argv, &plain, &num, &e) == DL_EUSAGE);
        CHECK_STR(e.msg, cases[i].msg);
    }
}

static int write_x(const char *path, const double *x, uint64_t rows, uint64_t cols, dl_err *e)
{
    st_writer *w;
    uint64_t shape[2] = {rows, cols};
    if (st_writer_open(&w, path, 0, e))
        return e->code;
    if (st_write_data(w, "x", DL_F64, 2, shape, x, e)) {
        st_writer_abort(w);
        return e->code;
    }
    return st_writer_close(w, e);
}

static int copy_all(st_reader *r, st_writer *w, const void *args, dl_err *e)
{
    st_header h;
    int found, rc;
    (void)args;
    while (!(rc = st_next_header(r, &h, &found, e)) && found)
        if ((rc = st_copy_record(r, &h, w, e)) != 0)
            break;
    return rc;
}

static int copy_then_fail(st_reader *r, st_writer *w, const void *args, dl_err *e)
{
    return copy_all(r, w, args, e) ? e->code : dl_fail(e, DL_EDATA, "refused after writing");
}

static void test_run_filter_commits_or_leaves_nothing(void)
{
    double x[4] = {1, 2, 3, 4};
    dl_err e = {0};
    CHECK(write_x(tmp_path("in.dlt"), x, 2, 2, &e) == 0);
    cli_filter_io io = {tmp_path("in.dlt"), tmp_path("out.dlt"), 0};
    CHECK(cli_run_filter(&io, copy_then_fail, NULL, &e) == DL_EDATA);
    CHECK_STR(e.msg, "refused after writing");
    CHECK(access(io.output, F_OK) != 0);
    CHECK(dir_entries() == 1); /* no temporary left beside it */
    dl_err_clear(&e);
    CHECK(cli_run_filter(&io, copy_all, NULL, &e) == 0);
    dl_tensor_set set;
    dl_set_init(&set);
    CHECK(st_read_set(io.output, &set, &e) == 0);
    dl_tensor *got = dl_set_find(&set, "x");
    CHECK(got && got->shape[0] == 2 && memcmp(got->data, x, sizeof x) == 0);
    dl_set_free(&set);
    io.input = tmp_path("missing.dlt");
    CHECK(cli_run_filter(&io, copy_all, NULL, &e) == DL_EIO);
    unlink(tmp_path("in.dlt"));
    unlink(tmp_path("out.dlt"));
}

/* ---------------------------- fit, partial ---------------------------- */

enum { N = 50, P = 4, K = 2 };

/* y = x w + small noise, x with a column of ones. */
static void make_data(double *x, double *y, uint64_t seed)
{
    dl_rng g;
    dl_rng_seed(&g, seed);
    for (int i = 0; i < N; i++) {
        x[i * P] = 1.0;
        for (int j = 1; j < P; j++)
            x[i * P + j] = 2 * dl_rng_uniform(&g) - 1;
        for (int k = 0; k < K; k++)
            y[i * K + k] = x[i * P + 1] * (k + 1) - x[i * P + 2] + 0.5 * x[i * P + 3] + 0.3 * k +
                           0.01 * (dl_rng_uniform(&g) - 0.5);
    }
}

static int put(st_writer *w, const char *name, const double *v, uint64_t rows, uint64_t cols,
               dl_err *e)
{
    uint64_t shape[2] = {rows, cols};
    return st_write_data(w, name, DL_F64, 2, shape, v, e);
}

/* x and y chunks interleaved unevenly: x 0..19, y 0..9, x 20..49, y 10..49. */
static int write_interleaved(const char *path, const double *x, const double *y, dl_err *e)
{
    st_writer *w;
    if (st_writer_open(&w, path, 0, e))
        return e->code;
    int rc = put(w, "x", x, 20, P, e) || put(w, "y", y, 10, K, e) ||
             put(w, "x", x + 20 * P, 30, P, e) || put(w, "y", y + 10 * K, 40, K, e);
    if (rc) {
        st_writer_abort(w);
        return e->code;
    }
    return st_writer_close(w, e);
}

static int run_fit(const fit_opts *o, const char *in, const char *out, dl_err *e)
{
    cli_filter_io io = {in, out, 0};
    return cli_run_filter(&io, fit_filter, o, e);
}

static void check_w(const char *ckpt, const double *want)
{
    dl_tensor_set set;
    dl_err e = {0};
    dl_set_init(&set);
    CHECK(st_read_set(ckpt, &set, &e) == 0);
    dl_tensor *w = dl_set_find(&set, "w");
    CHECK(w && w->rank == 2 && w->shape[0] == P && w->shape[1] == K);
    for (int i = 0; w && i < P * K; i++)
        CHECK_NEAR(((double *)w->data)[i], want[i], 1e-9);
    dl_set_free(&set);
}

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
    CHECK(lines == 1 + K); /* the summary, then one line per output */
    fclose(o.log);
    unlink(tmp_path("m.ckpt"));
}

static void stats_of(ls_stats *s, const double *x, const double *y, size_t first, size_t n)
{
    dl_err e = {0};
    CHECK(ls_stats_init(s, P, K, &e) == 0);
    ls_stats_add(s, x + first * P, y + first * K, n);
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
    st_writer *w;
    CHECK(st_writer_open(&w, tmp_path("p.dlt"), 0, &e) == 0);
    CHECK(partial_write(w, &a, &design, &e) == 0 && partial_write(w, &b, &design, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    CHECK(partial_read(r, &sum, &got, &e) == 0);
    st_reader_close(r);
    ls_stats_symmetrize(&all);
    CHECK(sum.n == N && sum.p == P && sum.k == K);
    for (int i = 0; i < P * P; i++)
        CHECK_NEAR(sum.xtx[i], all.xtx[i], 1e-12);
    for (int i = 0; i < P * K; i++)
        CHECK_NEAR(sum.xty[i], all.xty[i], 1e-12);
    for (int i = 0; i < K; i++) {
        CHECK_NEAR(sum.yty[i], all.yty[i], 1e-12);
        CHECK_NEAR(sum.ysum[i], all.ysum[i], 1e-12);
    }
    CHECK(got.data && dl_tensor_nbytes(&got) == 5 && memcmp(got.data, "bias\n", 5) == 0);
    ls_stats_free(&all);
    ls_stats_free(&a);
    ls_stats_free(&b);
    ls_stats_free(&sum);
    dl_tensor_free(&design);
    dl_tensor_free(&got);
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
    CHECK(partial_write(w, &a, &none, &e) == 0);
    uint64_t len = 20;
    CHECK(st_write_data(w, "model", DL_U8, 1, &len, "kind: lstsq-partial\n", &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    st_reader *r;
    CHECK(st_reader_open(&r, tmp_path("p.dlt"), &e) == 0);
    CHECK(partial_read(r, &sum, &got, &e) == DL_EDATA);
    char want[256];
    snprintf(want, sizeof want, "%s: 2 partials but 1 'xtx' records", tmp_path("p.dlt"));
    CHECK_STR(e.msg, want);
    st_reader_close(r);
    ls_stats_free(&a);
    ls_stats_free(&sum);
    dl_tensor_free(&got);
    unlink(tmp_path("p.dlt"));
}

/* ------------------------- design, predict --------------------------- */

static void test_design_streams_x_and_passes_the_rest(void)
{
    double x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {7, 8, 9};
    dl_err e = {0};
    st_writer *w;
    CHECK(st_writer_open(&w, tmp_path("raw.dlt"), 0, &e) == 0);
    CHECK(put(w, "x", x, 3, 2, &e) == 0 && put(w, "y", y, 3, 1, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    design_opts o = {0};
    bf_opts_defaults(&o.basis);
    o.basis.poly = 1;
    o.quiet = 1;
    cli_filter_io io = {tmp_path("raw.dlt"), tmp_path("phi.dlt"), 0};
    CHECK(cli_run_filter(&io, design_filter, &o, &e) == 0);
    dl_tensor_set set;
    dl_set_init(&set);
    CHECK(st_read_set(io.output, &set, &e) == 0);
    dl_tensor *phi = dl_set_find(&set, "x"), *yy = dl_set_find(&set, "y");
    CHECK(dl_set_find(&set, "design") != NULL);
    CHECK(phi && phi->shape[0] == 3 && phi->shape[1] == 3);
    for (int i = 0; phi && i < 3; i++) {
        const double *row = (const double *)phi->data + 3 * i;
        CHECK(row[0] == 1.0 && row[1] == x[2 * i] && row[2] == x[2 * i + 1]);
    }
    CHECK(yy && memcmp(yy->data, y, sizeof y) == 0);
    dl_set_free(&set);
    /* designs do not stack */
    io.input = tmp_path("phi.dlt");
    io.output = tmp_path("phi2.dlt");
    CHECK(cli_run_filter(&io, design_filter, &o, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "designs do not stack") != NULL);
    unlink(tmp_path("raw.dlt"));
    unlink(tmp_path("phi.dlt"));
}

static void test_predict_applies_the_fitted_model(void)
{
    double x[N * P], y[N * K];
    dl_err e = {0};
    make_data(x, y, 16);
    CHECK(write_interleaved(tmp_path("xy.dlt"), x, y, &e) == 0);
    fit_opts f = {0};
    ls_opts_defaults(&f.ls);
    f.quiet = 1;
    CHECK(run_fit(&f, tmp_path("xy.dlt"), tmp_path("m.ckpt"), &e) == 0);
    predict_opts o = {tmp_path("m.ckpt"), 0, 0, 0.5};
    cli_filter_io io = {tmp_path("xy.dlt"), tmp_path("yhat.dlt"), 0};
    CHECK(cli_run_filter(&io, predict_filter, &o, &e) == 0);
    dl_tensor_set ck, out;
    dl_set_init(&ck);
    dl_set_init(&out);
    CHECK(st_read_set(tmp_path("m.ckpt"), &ck, &e) == 0);
    CHECK(st_read_set(io.output, &out, &e) == 0);
    dl_tensor *w = dl_set_find(&ck, "w"), *yhat = dl_set_find(&out, "yhat");
    CHECK(dl_set_find(&out, "y") != NULL && dl_set_find(&out, "x") == NULL);
    CHECK(w && yhat && yhat->shape[0] == N && yhat->shape[1] == K);
    for (int i = 0; w && yhat && i < N; i++)
        for (int k = 0; k < K; k++) {
            double want = 0;
            for (int j = 0; j < P; j++)
                want += x[i * P + j] * ((double *)w->data)[j * K + k];
            CHECK_NEAR(((double *)yhat->data)[i * K + k], want, 1e-12);
        }
    dl_set_free(&ck);
    dl_set_free(&out);
    unlink(tmp_path("xy.dlt"));
    unlink(tmp_path("m.ckpt"));
    unlink(tmp_path("yhat.dlt"));
}

/* ---------------------------- metrics_io ----------------------------- */

static void test_format_and_tags(void)
{
    CHECK(mio_format_parse("table") == MIO_TABLE);
    CHECK(mio_format_parse("tsv") == MIO_TSV);
    CHECK(mio_format_parse("json") == MIO_JSON);
    CHECK(mio_format_parse("xml") == -1);
    CHECK(mio_tag_valid("lr=0.1"));
    CHECK(mio_tag_valid("a=b=c"));
    CHECK(!mio_tag_valid("=x"));
    CHECK(!mio_tag_valid("novalue"));
    CHECK(!mio_tag_valid("a\tb=c"));
    CHECK(!mio_tag_valid("a=\"b\""));
}

/* mse of (1.5, 2, 3) against (1.5, 2, 4) is 1/3: written shortest round-trip. */
static void test_tsv_and_json_records(void)
{
    double y[3] = {1.5, 2, 3}, yhat[3] = {1.5, 2, 4};
    const char *tags[] = {"run=7"};
    mio_opts o = {0};
    mt_report r;
    dl_err e = {0};
    char buf[1024];
    mt_opts_defaults(&o.mt);
    o.tags = tags;
    o.ntags = 1;
    o.header = 1;
    mt_report_init(&r);
    mt_data d = {y, yhat, 3, 1, 1};
    CHECK(mt_evaluate(&d, &o.mt, &r, &e) == 0);
    FILE *f = tmpfile();
    o.format = MIO_TSV;
    mio_write(f, &o, &r);
    o.format = MIO_JSON;
    mio_write(f, &o, &r);
    rewind(f);
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    CHECK_STR(buf, "run\ttask\tn\tmse\trmse\tmae\tr2\tmax_error\n");
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    CHECK(starts_with(buf, "7\tregression\t3\t0.3333333333333333\t"));
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    CHECK(starts_with(buf, "{\"run\": \"7\", \"task\": \"regression\", \"n\": 3, "
                           "\"mse\": 0.3333333333333333, "));
    fclose(f);
    mt_report_free(&r);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/dl-test-filters-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    UNIT_RUN(test_parse_filter_takes_options_and_operands);
    UNIT_RUN(test_parse_filter_errors_are_usage_errors);
    UNIT_RUN(test_parse_options_names_the_refused_option);
    UNIT_RUN(test_run_filter_commits_or_leaves_nothing);
    UNIT_RUN(test_fit_pairs_interleaved_chunks);
    UNIT_RUN(test_fit_refuses_unpaired_rows);
    UNIT_RUN(test_fit_reports_on_log);
    UNIT_RUN(test_partials_sum_to_all_rows);
    UNIT_RUN(test_partials_must_be_complete);
    UNIT_RUN(test_design_streams_x_and_passes_the_rest);
    UNIT_RUN(test_predict_applies_the_fitted_model);
    UNIT_RUN(test_format_and_tags);
    UNIT_RUN(test_tsv_and_json_records);
    unlink(tmp_path("xy.dlt"));
    rmdir(dir);
    return UNIT_DONE();
}
