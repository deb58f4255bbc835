/* dl-lstsq - fit a model linear in its parameters: least squares by SVD, QR
 * or the normal equations, ridge, lasso, elastic net, a Bayesian posterior;
 * or sufficient statistics for sharded fits (see man/dl-lstsq.1). */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "basis.h"
#include "cli.h"
#include "filter_main.h"
#include "lstsq.h"
#include "model.h"
#include "stream.h"

static const char *const TOOL = "dl-lstsq";

typedef struct lstsq_args {
    filter_io io;
    ls_options opt;
    int method_given, partial, combine, verbose, quiet;
} lstsq_args;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]\n"
           "Fit y = X w by least squares from a tensor stream with 'x' (the design, see\n"
           "dl-design) and 'y' (FILE or standard input); write a linear checkpoint.\n"
           "\n"
           "  -m, --method=M        svd (chunked QR of the rows, then LAPACK gelsd: minimum\n"
           "                        norm, rank by --rcond), qr (the same QR, full rank only)\n"
           "                        or normal (Cholesky on X^T X); all stream the rows\n"
           "                        (default: svd)\n"
           "      --rcond=R         svd: singular values below R * s_max count as zero\n"
           "                        (default: machine epsilon * max(rows, columns), as numpy)\n"
           "      --ridge=L         minimize |y - Xw|^2 + L |w|^2 (normal equations)\n"
           "                        (default: 0, no penalty)\n"
           "      --lasso=A         minimize 1/(2n) |y - Xw|^2 + A |w|_1 (coordinate descent;\n"
           "                        scikit-learn's Lasso objective) (default: off)\n"
           "      --elastic-net=A   1/(2n) |y - Xw|^2 + A r |w|_1 + A (1-r)/2 |w|^2\n"
           "                        (default: off)\n"
           "      --l1-ratio=R      r for --elastic-net (default: 0.5)\n"
           "      --tol=T           coordinate descent stops when max |dw| <= T max |w|\n"
           "                        (default: 1e-12)\n"
           "      --max-iter=N      coordinate descent sweeps at most (default: 100000)\n"
           "      --posterior       keep the posterior covariance of w (prior N(0, s2/L I)),\n"
           "                        so dl-predict also writes 'ystd' (default: off)\n"
           "      --noise-var=S2    the noise variance s2 (default: estimated from the\n"
           "                        residuals)\n"
           "      --partial         write sufficient statistics (X^T X, X^T y, y^T y, sum y,\n"
           "                        rows) instead of a model\n"
           "      --combine         read concatenated --partial outputs and fit the model\n"
           "                        one pass over all their rows would give\n"
           "  -o, --output=FILE     write to FILE, atomically (default: standard output)\n"
           "      --zlib            compress records\n"
           "  -v, --verbose         also report the singular values\n"
           "  -q, --quiet           no report on stderr\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory,\n"
           "5 singular system.  See dl-lstsq(1).\n",
           TOOL);
}

enum { OPT_RCOND = 256, OPT_RIDGE, OPT_LASSO, OPT_ENET, OPT_L1, OPT_TOL, OPT_MAXIT,
       OPT_POSTERIOR, OPT_NOISE, OPT_PARTIAL, OPT_COMBINE, OPT_ZLIB };

static int parse_nonneg(const char *opt, const char *s, double *out, dl_err *e)
{
    if (cli_double(opt, s, out, e))
        return e->code;
    if (*out < 0)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' must not be negative", opt, s);
    return 0;
}

static int parse_option(int c, const char *arg, void *args, dl_err *e)
{
    lstsq_args *a = args;
    ls_options *o = &a->opt;
    switch (c) {
    case 'm':
        a->method_given = 1;
        if ((o->method = ls_method_parse(arg)) < 0)
            return dl_fail(e, DL_EUSAGE, "--method: '%s' is not svd, qr or normal", arg);
        return 0;
    case OPT_RCOND: return parse_nonneg("--rcond", arg, &o->rcond, e);
    case OPT_RIDGE: return parse_nonneg("--ridge", arg, &o->ridge, e);
    case OPT_LASSO: o->l1_ratio = 1.0; return parse_nonneg("--lasso", arg, &o->alpha, e);
    case OPT_ENET:
        if (o->l1_ratio == 1.0)
            o->l1_ratio = 0.5;
        return parse_nonneg("--elastic-net", arg, &o->alpha, e);
    case OPT_L1: return parse_nonneg("--l1-ratio", arg, &o->l1_ratio, e);
    case OPT_TOL: return parse_nonneg("--tol", arg, &o->tol, e);
    case OPT_MAXIT: return cli_long("--max-iter", arg, 1, 100000000, &o->max_iter, e);
    case OPT_POSTERIOR: o->posterior = 1; return 0;
    case OPT_NOISE: return parse_nonneg("--noise-var", arg, &o->noise_var, e);
    case OPT_PARTIAL: a->partial = 1; return 0;
    case OPT_COMBINE: a->combine = 1; return 0;
    case OPT_ZLIB: a->io.flags |= ST_ZLIB; return 0;
    case 'o': a->io.output = arg; return 0;
    case 'v': a->verbose = o->want_sv = 1; return 0;
    case 'q': a->quiet = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* Combinations that make no sense, refused before any data is read. */
static const char *conflict(const lstsq_args *a)
{
    const ls_options *o = &a->opt;
    int streamed = a->partial || a->combine || o->ridge > 0 || o->alpha > 0;
    if (a->partial && a->combine)
        return "--partial and --combine exclude each other";
    if (o->l1_ratio > 1)
        return "--l1-ratio must be in [0, 1]";
    if (o->alpha > 0 && o->posterior)
        return "--posterior needs a Gaussian prior: use --ridge, not --lasso/--elastic-net";
    if (o->alpha > 0 && o->ridge > 0)
        return "--ridge and --lasso/--elastic-net exclude each other";
    if (streamed && a->method_given && o->method != LS_NORMAL)
        return "--ridge, --lasso, --elastic-net, --partial and --combine work on X^T X: "
               "use --method normal or no --method";
    if (a->partial && (o->posterior || o->alpha > 0 || o->ridge > 0))
        return "--partial writes statistics only; give the solver options to --combine";
    return NULL;
}

/* 1: run, 0: --help/--version done, <0: usage error printed. */
static int parse_args(int argc, char **argv, void *args)
{
    lstsq_args *a = args;
    static const struct option longs[] = {
        {"method", required_argument, 0, 'm'}, {"rcond", required_argument, 0, OPT_RCOND},
        {"ridge", required_argument, 0, OPT_RIDGE}, {"lasso", required_argument, 0, OPT_LASSO},
        {"elastic-net", required_argument, 0, OPT_ENET}, {"l1-ratio", required_argument, 0, OPT_L1},
        {"tol", required_argument, 0, OPT_TOL}, {"max-iter", required_argument, 0, OPT_MAXIT},
        {"posterior", no_argument, 0, OPT_POSTERIOR}, {"noise-var", required_argument, 0, OPT_NOISE},
        {"partial", no_argument, 0, OPT_PARTIAL}, {"combine", no_argument, 0, OPT_COMBINE},
        {"zlib", no_argument, 0, OPT_ZLIB}, {"output", required_argument, 0, 'o'},
        {"verbose", no_argument, 0, 'v'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    ls_options_init(&a->opt);
    int go = filter_getopt(TOOL, argc, argv, ":m:o:vqhV", longs, parse_option, a, usage, NULL, NULL,
                           &a->io.input);
    if (go <= 0)
        return go;
    const char *why = conflict(a);
    if (why)
        return -cli_usage_error(TOOL, "%s", why);
    if (a->partial || a->combine || a->opt.ridge > 0 || a->opt.alpha > 0)
        a->opt.method = LS_NORMAL;
    return 1;
}

/* ------------------------------ reading x, y ------------------------------ */

/* x and y arrive as chunks, possibly interleaved: rows are paired as both
 * become available and folded into the statistics or the QR factor at
 * once, so only rows still waiting for their partner are held. */
typedef struct xy_input {
    st_reader *r;
    dl_tensor x, y;       /* pending rows, f64 matrices */
    uint64_t xrows, yrows; /* rows seen in all */
    dl_tensor design;     /* the input's design record, if any */
    int method;           /* rows are consumed into: */
    ls_stats stats;       /* the normal equations' statistics, or */
    ls_qr qr;             /* the triangular factor (svd, qr) */
    int progress;         /* report the rows read on a terminal's stderr */
    uint64_t next_report;
} xy_input;

#define PROGRESS_ROWS ((uint64_t)1 << 22)

/* Converts a chunk to an f64 matrix and refuses NaN/Inf, naming the row in
 * the whole tensor (the chunk starts at row first + 1). */
static int check_chunk(dl_tensor *t, uint64_t first, dl_err *e)
{
    if (dl_tensor_as_matrix(t, e) || dl_tensor_convert(t, DL_F64, e))
        return e->code;
    int64_t bad = dl_tensor_find_nonfinite(t);
    if (bad >= 0) {
        uint64_t cols = t->shape[1];
        return dl_fail(e, DL_EDATA, "row %llu column %llu is %s",
                       (unsigned long long)(first + (uint64_t)bad / cols + 1),
                       (unsigned long long)((uint64_t)bad % cols + 1),
                       isnan(((double *)t->data)[bad]) ? "NaN" : "infinite");
    }
    return 0;
}

static int append_chunk(dl_tensor *pending, dl_tensor *t, dl_err *e)
{
    if (!pending->data) {
        *pending = *t;
        memset(t, 0, sizeof *t);
        return 0;
    }
    return dl_tensor_append_rows(pending, t, e);
}

static void drop_rows(dl_tensor *t, uint64_t n)
{
    uint64_t cols = t->shape[1], left = t->shape[0] - n;
    memmove(t->data, (double *)t->data + n * cols, (size_t)(left * cols) * sizeof(double));
    t->shape[0] = left;
}

/* The rows both x and y have so far go into the statistics or the factor. */
static int consume_pairs(xy_input *in, dl_err *e)
{
    if (!in->x.data || !in->y.data)
        return 0;
    uint64_t n = in->x.shape[0] < in->y.shape[0] ? in->x.shape[0] : in->y.shape[0];
    size_t p = (size_t)in->x.shape[1], k = (size_t)in->y.shape[1];
    if (n == 0)
        return 0;
    if (in->method == LS_NORMAL) {
        if (!in->stats.xtx && ls_stats_init(&in->stats, p, k, e))
            return e->code;
        ls_stats_add(&in->stats, in->x.data, in->y.data, (size_t)n);
    } else if ((!in->qr.r && ls_qr_init(&in->qr, p, k, e)) ||
               ls_qr_add(&in->qr, in->x.data, in->y.data, (size_t)n, e)) {
        return e->code;
    }
    drop_rows(&in->x, n);
    drop_rows(&in->y, n);
    if (in->progress && in->xrows >= in->next_report) {
        fprintf(stderr, "\r%s: %llu rows read", TOOL, (unsigned long long)in->xrows);
        in->next_report = in->xrows + PROGRESS_ROWS;
    }
    return 0;
}

static int read_row_record(xy_input *in, const st_header *h, dl_err *e)
{
    int is_x = h->name[0] == 'x';
    uint64_t *seen = is_x ? &in->xrows : &in->yrows;
    dl_tensor t;
    if (st_read_payload(in->r, h, &t, e))
        return e->code;
    int rc = check_chunk(&t, *seen, e);
    if (!rc) {
        *seen += t.shape[0];
        rc = append_chunk(is_x ? &in->x : &in->y, &t, e);
    }
    dl_tensor_free(&t);
    if (rc)
        return dl_err_wrap(e, "%s: record %llu ('%s')", st_reader_label(in->r),
                           (unsigned long long)h->index, h->name);
    return consume_pairs(in, e);
}

/* Concatenated outputs of one design repeat its record: fine; another
 * design is not. */
static int read_design_record(xy_input *in, const st_header *h, dl_err *e)
{
    dl_tensor t;
    if (!in->design.data)
        return st_read_payload(in->r, h, &in->design, e) ? e->code : 0;
    if (st_read_payload(in->r, h, &t, e))
        return e->code;
    int same = dl_tensor_nbytes(&t) == dl_tensor_nbytes(&in->design) &&
               memcmp(t.data, in->design.data, (size_t)dl_tensor_nbytes(&t)) == 0;
    dl_tensor_free(&t);
    if (!same)
        return dl_fail(e, DL_EDATA, "%s: record %llu ('design'): a second, different design",
                       st_reader_label(in->r), (unsigned long long)h->index);
    return 0;
}

static int check_xy(const xy_input *in, dl_err *e)
{
    const char *label = st_reader_label(in->r);
    if (in->xrows == 0 && !in->x.data)
        return dl_fail(e, DL_EDATA, "%s: no 'x' record", label);
    if (!in->y.data)
        return dl_fail(e, DL_EDATA, "%s: no 'y' record: dl-lstsq needs targets "
                                    "(e.g. dl-tensor import -t 1)", label);
    if (in->xrows != in->yrows)
        return dl_fail(e, DL_EDATA, "%s: x has %llu rows but y has %llu", label,
                       (unsigned long long)in->xrows, (unsigned long long)in->yrows);
    if (in->xrows == 0)
        return dl_fail(e, DL_EDATA, "%s: x and y have no rows", label);
    return 0;
}

/* The design must make as many columns as x has. */
static int check_design(const xy_input *in, dl_err *e)
{
    bf_design *d;
    if (!in->design.data)
        return 0;
    if (bf_from_record(&d, &in->design, e))
        return dl_err_wrap(e, "%s", st_reader_label(in->r));
    size_t cols = bf_output_dim(d);
    bf_free(d);
    if (cols != in->x.shape[1])
        return dl_fail(e, DL_EDATA, "%s: the design record makes %zu columns but x has %llu",
                       st_reader_label(in->r), cols, (unsigned long long)in->x.shape[1]);
    return 0;
}

static int read_xy(xy_input *in, dl_err *e)
{
    st_header h;
    int got, rc = 0;
    while (!rc && (got = st_next_header(in->r, &h, e)) == 1) {
        if (strcmp(h.name, "x") == 0 || strcmp(h.name, "y") == 0)
            rc = read_row_record(in, &h, e);
        else if (strcmp(h.name, "design") == 0)
            rc = read_design_record(in, &h, e);
        else
            rc = st_skip_payload(in->r, &h, e) ? e->code : 0;
    }
    if (!rc && got < 0)
        rc = e->code;
    return rc || check_xy(in, e) || check_design(in, e) ? e->code : 0;
}

static void xy_free(xy_input *in)
{
    dl_tensor_free(&in->x);
    dl_tensor_free(&in->y);
    dl_tensor_free(&in->design);
    ls_stats_free(&in->stats);
    ls_qr_free(&in->qr);
}

/* ------------------------------ the report ------------------------------ */

static void report(const lstsq_args *a, const ls_result *r)
{
    if (a->quiet)
        return;
    fprintf(stderr, "%s: %llu rows, %zu columns, %zu output%s, method %s, rank %d, "
                    "condition number ~%.3g\n",
            TOOL, (unsigned long long)r->n, r->p, r->k, r->k == 1 ? "" : "s",
            ls_method_name(a->opt.method), r->rank, r->cond);
    for (size_t j = 0; j < r->k; j++)
        fprintf(stderr, "%s: output %zu: training MSE %.6g, R^2 %.6g\n", TOOL, j + 1,
                r->mse[j], r->r2[j]);
    if (a->opt.alpha > 0) {
        size_t zeros = 0;
        for (size_t i = 0; i < r->p * r->k; i++)
            zeros += r->w[i] == 0.0;
        fprintf(stderr, "%s: %zu of %zu weights are exactly zero; %ld sweeps%s\n", TOOL, zeros,
                r->p * r->k, r->iterations, r->converged ? "" : " (NOT converged: raise --max-iter)");
    }
    for (size_t j = 0; a->opt.posterior && j < r->k; j++)
        fprintf(stderr, "%s: output %zu: noise variance %.6g%s\n", TOOL, j + 1, r->sigma2[j],
                a->opt.noise_var > 0 ? " (given)" : " (estimated)");
    if (a->verbose && r->sv) {
        fprintf(stderr, "%s: singular values:", TOOL);
        for (size_t i = 0; i < r->nsv; i++)
            fprintf(stderr, " %.6g", r->sv[i]);
        fprintf(stderr, "\n");
    }
}

/* ------------------------------ the outputs ------------------------------ */

static int write_text(st_writer *w, const char *name, const char *text, dl_err *e)
{
    uint64_t len = strlen(text);
    return st_write_data(w, name, DL_U8, 1, &len, text, e) ? e->code : 0;
}

static const char *solver_name(const ls_options *o)
{
    if (o->alpha > 0)
        return o->l1_ratio == 1.0 ? "lasso" : "elastic-net";
    return o->ridge > 0 ? "ridge" : ls_method_name(o->method);
}

static int write_model(st_writer *w, const lstsq_args *a, const ls_result *r,
                       const dl_tensor *design, dl_err *e)
{
    char text[1024];
    const ls_options *o = &a->opt;
    snprintf(text, sizeof text,
             "kind: linear\nsolver: %s\ncolumns: %zu\noutputs: %zu\nrows: %llu\nrank: %d\n"
             "ridge: %.17g\nalpha: %.17g\nl1_ratio: %.17g\nposterior: %d\n",
             solver_name(o), r->p, r->k, (unsigned long long)r->n, r->rank, o->ridge, o->alpha,
             o->l1_ratio, o->posterior);
    uint64_t wshape[2] = {r->p, r->k}, cshape[3] = {r->k, r->p, r->p}, kshape[1] = {r->k};
    int rc = write_text(w, "model", text, e) || (design->data && st_write(w, design, e)) ||
             st_write_data(w, "w", DL_F64, 2, wshape, r->w, e);
    if (!rc && r->w_cov)
        rc = st_write_data(w, "w_cov", DL_F64, 3, cshape, r->w_cov, e) ||
             st_write_data(w, "sigma2", DL_F64, 1, kshape, r->sigma2, e);
    return rc ? e->code : 0;
}

static int write_partial(st_writer *w, ls_stats *s, const dl_tensor *design, dl_err *e)
{
    char text[256];
    int64_t rows = (int64_t)s->n;
    uint64_t pp[2] = {s->p, s->p}, pk[2] = {s->p, s->k}, k1[1] = {s->k}, one[1] = {1};
    ls_stats_symmetrize(s);
    snprintf(text, sizeof text, "kind: lstsq-partial\ncolumns: %zu\noutputs: %zu\nrows: %llu\n",
             s->p, s->k, (unsigned long long)s->n);
    int rc = write_text(w, "model", text, e) || (design->data && st_write(w, design, e)) ||
             st_write_data(w, "xtx", DL_F64, 2, pp, s->xtx, e) ||
             st_write_data(w, "xty", DL_F64, 2, pk, s->xty, e) ||
             st_write_data(w, "yty", DL_F64, 1, k1, s->yty, e) ||
             st_write_data(w, "ysum", DL_F64, 1, k1, s->ysum, e) ||
             st_write_data(w, "rows", DL_I64, 1, one, &rows, e);
    return rc ? e->code : 0;
}

/* ------------------------------ solving ------------------------------ */

static int solve_rows(xy_input *in, const lstsq_args *a, ls_result *r, dl_err *e)
{
    const ls_options *o = &a->opt;
    if (o->method == LS_NORMAL)
        return ls_solve_stats(&in->stats, o, r, e);
    if (ls_qr_solve(&in->qr, o, r, e))
        return e->code;
    /* the posterior needs X^T X, which R gives */
    return o->posterior && ls_qr_stats(&in->qr, &in->stats, e) ? e->code : 0;
}

static int fit_rows(const lstsq_args *a, st_reader *rd, st_writer *w, dl_err *e)
{
    xy_input in;
    ls_result r;
    memset(&in, 0, sizeof in);
    memset(&r, 0, sizeof r);
    in.r = rd;
    in.method = a->opt.method;
    in.progress = !a->quiet && isatty(STDERR_FILENO);
    in.next_report = PROGRESS_ROWS;
    dl_err_clear(e);
    int rc = read_xy(&in, e);
    if (in.progress && in.xrows >= PROGRESS_ROWS)
        fprintf(stderr, "\n");
    if (!rc && a->partial)
        rc = write_partial(w, &in.stats, &in.design, e);
    else if (!rc)
        rc = solve_rows(&in, a, &r, e) || (a->opt.posterior && ls_posterior(&in.stats, &a->opt, &r, e)) ||
             write_model(w, a, &r, &in.design, e);
    if (!rc && !a->partial)
        report(a, &r);
    ls_result_free(&r);
    xy_free(&in);
    return rc ? e->code : 0;
}

/* ------------------------------ --combine ------------------------------ */

/* The sums over all partials, one accumulator per statistic. */
enum { ST_XTX, ST_XTY, ST_YTY, ST_YSUM, ST_ROWS, ST_COUNT };
static const char *const stat_names[ST_COUNT] = {"xtx", "xty", "yty", "ysum", "rows"};
static const int stat_ranks[ST_COUNT] = {2, 2, 1, 1, 1};

typedef struct partial_sums {
    dl_tensor sum[ST_COUNT];
    size_t seen[ST_COUNT];
    size_t partials;
    dl_tensor design;
} partial_sums;

static int add_stat(partial_sums *ps, int which, dl_tensor *t, dl_err *e)
{
    dl_tensor *acc = &ps->sum[which];
    int want = which == ST_ROWS ? DL_I64 : DL_F64;
    if (t->dtype != want || t->rank != stat_ranks[which])
        return dl_fail(e, DL_EDATA, "'%s' must be %s of rank %d", t->name, dl_dtype_name(want),
                       stat_ranks[which]);
    ps->seen[which]++;
    if (!acc->data) {
        *acc = *t;
        memset(t, 0, sizeof *t);
        return 0;
    }
    if (memcmp(acc->shape, t->shape, sizeof t->shape) != 0)
        return dl_fail(e, DL_EDATA, "'%s' has another shape than in the first partial", t->name);
    uint64_t n = dl_tensor_nelem(t);
    for (uint64_t i = 0; i < n; i++) {
        if (which == ST_ROWS)
            ((int64_t *)acc->data)[i] += ((int64_t *)t->data)[i];
        else
            ((double *)acc->data)[i] += ((double *)t->data)[i];
    }
    return 0;
}

static int add_partial_record(partial_sums *ps, dl_tensor *t, dl_err *e)
{
    char kind[64];
    if (strcmp(t->name, "model") == 0) {
        if (!mdl_text_value(t, "kind", kind, sizeof kind) || strcmp(kind, "lstsq-partial") != 0)
            return dl_fail(e, DL_EDATA, "not a dl-lstsq --partial output (model kind '%s')",
                           kind);
        ps->partials++;
        return 0;
    }
    if (strcmp(t->name, "design") == 0) {
        if (!ps->design.data) {
            ps->design = *t;
            memset(t, 0, sizeof *t);
            return 0;
        }
        if (dl_tensor_nbytes(t) != dl_tensor_nbytes(&ps->design) ||
            memcmp(t->data, ps->design.data, (size_t)dl_tensor_nbytes(t)) != 0)
            return dl_fail(e, DL_EDATA, "the partials were made with different designs");
        return 0;
    }
    for (int i = 0; i < ST_COUNT; i++)
        if (strcmp(t->name, stat_names[i]) == 0)
            return add_stat(ps, i, t, e);
    return 0; /* anything else is ignored, as in any stream */
}

/* Every partial contributed each statistic once, with agreeing shapes. */
static int stats_from_sums(partial_sums *ps, ls_stats *s, dl_err *e)
{
    if (ps->partials == 0)
        return dl_fail(e, DL_EDATA, "no partial statistics (dl-lstsq --partial output) found");
    for (int i = 0; i < ST_COUNT; i++)
        if (ps->seen[i] != ps->partials)
            return dl_fail(e, DL_EDATA, "%zu partials but %zu '%s' records", ps->partials,
                           ps->seen[i], stat_names[i]);
    uint64_t p = ps->sum[ST_XTX].shape[0], k = ps->sum[ST_XTY].shape[1];
    if (ps->sum[ST_XTX].shape[1] != p || ps->sum[ST_XTY].shape[0] != p ||
        ps->sum[ST_YTY].shape[0] != k || ps->sum[ST_YSUM].shape[0] != k ||
        ps->sum[ST_ROWS].shape[0] != 1 || ((int64_t *)ps->sum[ST_ROWS].data)[0] < 0)
        return dl_fail(e, DL_EDATA, "the partial statistics have inconsistent shapes");
    for (int i = 0; i < ST_ROWS; i++)
        if (dl_tensor_find_nonfinite(&ps->sum[i]) >= 0)
            return dl_fail(e, DL_EDATA, "'%s' holds NaN or Inf", stat_names[i]);
    if (ls_stats_init(s, (size_t)p, (size_t)k, e))
        return e->code;
    memcpy(s->xtx, ps->sum[ST_XTX].data, (size_t)(p * p) * sizeof(double));
    memcpy(s->xty, ps->sum[ST_XTY].data, (size_t)(p * k) * sizeof(double));
    memcpy(s->yty, ps->sum[ST_YTY].data, (size_t)k * sizeof(double));
    memcpy(s->ysum, ps->sum[ST_YSUM].data, (size_t)k * sizeof(double));
    s->n = (uint64_t)((int64_t *)ps->sum[ST_ROWS].data)[0];
    return 0;
}

static int read_partials(st_reader *rd, partial_sums *ps, dl_err *e)
{
    dl_tensor t;
    int got;
    while ((got = st_read(rd, &t, e)) == 1) {
        int rc = add_partial_record(ps, &t, e);
        dl_tensor_free(&t);
        if (rc)
            return dl_err_wrap(e, "%s", st_reader_label(rd));
    }
    return got < 0 ? e->code : 0;
}

static int combine(const lstsq_args *a, st_reader *rd, st_writer *w, dl_err *e)
{
    partial_sums ps;
    ls_stats s;
    ls_result r;
    memset(&ps, 0, sizeof ps);
    memset(&s, 0, sizeof s);
    memset(&r, 0, sizeof r);
    int rc = read_partials(rd, &ps, e) || stats_from_sums(&ps, &s, e) ||
             ls_solve_stats(&s, &a->opt, &r, e) ||
             (a->opt.posterior && ls_posterior(&s, &a->opt, &r, e)) ||
             write_model(w, a, &r, &ps.design, e);
    if (!rc)
        report(a, &r);
    for (int i = 0; i < ST_COUNT; i++)
        dl_tensor_free(&ps.sum[i]);
    dl_tensor_free(&ps.design);
    ls_stats_free(&s);
    ls_result_free(&r);
    return rc ? e->code : 0;
}

static int lstsq_body(st_reader *r, st_writer *w, void *args, dl_err *e)
{
    const lstsq_args *a = args;
    return a->combine ? combine(a, r, w, e) : fit_rows(a, r, w, e);
}

int main(int argc, char **argv)
{
    lstsq_args a;
    memset(&a, 0, sizeof a);
    return filter_main(TOOL, argc, argv, parse_args, lstsq_body, &a, &a.io);
}
