/* dl-lstsq - fit a model linear in its parameters: least squares by SVD, QR
 * or the normal equations, ridge, lasso, elastic net, a Bayesian posterior;
 * or sufficient statistics for sharded fits (see man/dl-lstsq.1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "blasmem.h"
#include "cli.h"
#include "fit.h"

static const char *const TOOL = "dl-lstsq";

typedef struct lstsq_args {
    cli_filter_io io;
    fit_opts fit;
    int method_given;
    int rcond_given, l1_ratio_given, noise_var_given, cd_given; /* to refuse them where unused */
    int l1_penalty;  /* OPT_LASSO or OPT_ENET, the last given; 0: none */
    int l1_penalties; /* how many of --lasso and --elastic-net were given */
    int penalty_given; /* --ridge, --lasso or --elastic-net, of any strength (0: none) */
    double l1_ratio; /* --l1-ratio, for --elastic-net only */
} lstsq_args;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]\n"
           "Fit y = X w by least squares from a tensor stream with 'x' (the design, see\n"
           "dl-design), 'y' and optionally 'w' (row weights) from FILE or standard input;\n"
           "write a linear checkpoint.  The penalties leave the design's bias column (the\n"
           "intercept) alone, as scikit-learn's fit_intercept=True.\n"
           "\n"
           "  -m, --method=M        svd (chunked QR of the rows, then LAPACK gelsd: minimum\n"
           "                        norm, rank by --rcond), qr (the same QR, full rank only)\n"
           "                        or normal (Cholesky on X^T X); all stream the rows\n"
           "                        (default: svd; normal with --ridge, --lasso and\n"
           "                        --elastic-net, which work on X^T X); with --combine, any\n"
           "                        method; --partial takes none (its statistics serve every\n"
           "                        method: give it to --combine)\n"
           "      --rcond=R         svd: singular values below R * s_max count as zero, R in\n"
           "                        [0, 1) (default: machine epsilon * max(rows, columns),\n"
           "                        as numpy)\n"
           "      --ridge=L         minimize |y - Xw|^2 + L |w|^2 (normal equations;\n"
           "                        scikit-learn's Ridge objective)\n"
           "                        (default: 0, no penalty)\n"
           "      --lasso=A         minimize 1/(2n) |y - Xw|^2 + A |w|_1 (coordinate descent;\n"
           "                        scikit-learn's Lasso objective) (default: off)\n"
           "      --elastic-net=A   1/(2n) |y - Xw|^2 + A r |w|_1 + A (1-r)/2 |w|^2\n"
           "                        (default: off); --ridge, --lasso and --elastic-net\n"
           "                        exclude each other; a strength of 0 is no penalty\n"
           "                        (least squares by --method), as --ridge 0\n"
           "      --l1-ratio=R      r for --elastic-net (default: 0.5)\n"
           "      --tol=T           coordinate descent (--lasso, --elastic-net) stops when\n"
           "                        max |dw| <= T max |w| (default: 1e-12)\n"
           "      --max-iter=N      coordinate descent sweeps at most (default: 100000)\n"
           "      --penalize-bias   the penalties shrink the bias column too (default: off)\n"
           "      --posterior       keep the posterior covariance of w (prior N(0, s2/L I)),\n"
           "                        so dl-predict also writes 'ystd' (default: off)\n"
           "      --noise-var=S2    the noise variance s2 (default: estimated from the\n"
           "                        residuals)\n"
           "      --partial         write sufficient statistics (X^T X, X^T y, y^T y, sum y,\n"
           "                        rows, the factor R) instead of a model\n"
           "      --combine         read concatenated --partial outputs and fit the model\n"
           "                        one pass over all their rows would give, by any method\n"
           "  -o, --output=FILE     write to FILE, atomically (default: standard output)\n"
           "      --zlib            compress records\n"
           "  -v, --verbose         also report the singular values and every coefficient,\n"
           "                        named after its column when x has names\n"
           "  -q, --quiet           no report (nor note) on stderr; coordinate descent\n"
           "                        that did not converge still warns\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory,\n"
           "5 singular system, 6 interrupted (no output file left).  See dl-lstsq(1).\n",
           TOOL);
}

enum { OPT_RCOND = 256, OPT_RIDGE, OPT_LASSO, OPT_ENET, OPT_L1, OPT_TOL, OPT_MAXIT,
       OPT_POSTERIOR, OPT_NOISE, OPT_PARTIAL, OPT_COMBINE, OPT_ZLIB, OPT_PENALIZE_BIAS };

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
    ls_opts *o = &a->fit.ls;
    switch (c) {
    case 'm':
        a->method_given = 1;
        if ((o->method = ls_method_parse(arg)) < 0)
            return dl_fail(e, DL_EUSAGE, "--method: '%s' is not svd, qr or normal", arg);
        return 0;
    case OPT_RCOND:
        /* LAPACK's dgelsd takes an rcond of 1 or more as machine epsilon: a
         * larger cut-off would then keep more singular values, not fewer. */
        a->rcond_given = 1;
        if (parse_nonneg("--rcond", arg, &o->rcond, e))
            return e->code;
        return o->rcond < 1 ? 0
                            : dl_fail(e, DL_EUSAGE, "--rcond: '%s' must be in [0, 1)", arg);
    case OPT_RIDGE: a->penalty_given = 1; return parse_nonneg("--ridge", arg, &o->ridge, e);
    case OPT_LASSO:
    case OPT_ENET:
        a->penalty_given = 1;
        a->l1_penalties += a->l1_penalty != c;
        a->l1_penalty = c;
        return parse_nonneg(c == OPT_LASSO ? "--lasso" : "--elastic-net", arg, &o->alpha, e);
    case OPT_L1: a->l1_ratio_given = 1; return parse_nonneg("--l1-ratio", arg, &a->l1_ratio, e);
    case OPT_TOL: a->cd_given = 1; return parse_nonneg("--tol", arg, &o->tol, e);
    case OPT_MAXIT:
        a->cd_given = 1;
        return cli_long("--max-iter", arg, 1, 100000000, &o->max_iter, e);
    case OPT_POSTERIOR: o->posterior = 1; return 0;
    case OPT_NOISE:
        /* 0 would mean "estimate" below, so a given variance must be positive. */
        a->noise_var_given = 1;
        if (parse_nonneg("--noise-var", arg, &o->noise_var, e))
            return e->code;
        return o->noise_var > 0
                   ? 0
                   : dl_fail(e, DL_EUSAGE, "--noise-var: '%s' must be positive", arg);
    case OPT_PARTIAL: a->fit.partial = 1; return 0;
    case OPT_PENALIZE_BIAS: a->fit.penalize_bias = 1; return 0;
    case OPT_COMBINE: a->fit.combine = 1; return 0;
    case OPT_ZLIB: a->io.flags |= ST_ZLIB; return 0;
    case 'o': a->io.output = arg; return 0;
    case 'v': a->fit.verbose = o->want_sv = 1; return 0;
    case 'q': a->fit.quiet = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* Whether the fit works on X^T X (the normal equations) whatever -m says:
 * --combine folds partials' factors as rows are, so it takes any method. */
static int streamed_fit(const fit_opts *f)
{
    return f->partial || f->ls.ridge > 0 || f->ls.alpha > 0;
}

/* Combinations that make no sense, refused before any data is read. */
static const char *conflict(const lstsq_args *a)
{
    const fit_opts *f = &a->fit;
    const ls_opts *o = &f->ls;
    int streamed = streamed_fit(f);
    if (f->partial && f->combine)
        return "--partial and --combine exclude each other";
    if (a->l1_ratio > 1)
        return "--l1-ratio must be in [0, 1]";
    if (a->l1_penalties > 1)
        return "--lasso and --elastic-net exclude each other (--elastic-net with "
               "--l1-ratio 1 is the lasso)";
    if (o->alpha > 0 && o->posterior)
        return "--posterior needs a Gaussian prior: use --ridge, not --lasso/--elastic-net";
    if (o->alpha > 0 && o->ridge > 0)
        return "--ridge and --lasso/--elastic-net exclude each other";
    /* a partial's statistics serve every solver: the method is --combine's */
    if (f->partial && (o->posterior || o->alpha > 0 || o->ridge > 0 || a->method_given))
        return "--partial writes statistics only; give the solver options to --combine";
    if (streamed && a->method_given && o->method != LS_NORMAL)
        return "--ridge, --lasso and --elastic-net work on X^T X: use --method normal or no "
               "--method";
    /* An option the chosen solver would ignore is a mistake worth saying. */
    if (a->l1_ratio_given && a->l1_penalty != OPT_ENET)
        return "--l1-ratio goes with --elastic-net";
    if (a->cd_given && !a->l1_penalty)
        return "--tol and --max-iter go with --lasso or --elastic-net (coordinate descent)";
    /* a strength of 0 is no penalty, yet its options stand: a sweep may start at 0 */
    if (f->penalize_bias && !a->penalty_given)
        return "--penalize-bias goes with --ridge, --lasso or --elastic-net";
    if (a->noise_var_given && !o->posterior)
        return "--noise-var goes with --posterior";
    if (a->rcond_given && (streamed || o->method != LS_SVD))
        return "--rcond goes with --method svd (the default without --ridge, --lasso, "
               "--elastic-net or --partial)";
    return NULL;
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
static int parse_args(int argc, char **argv, lstsq_args *a, dl_err *e)
{
    static const struct option longs[] = {
        {"method", required_argument, 0, 'm'}, {"rcond", required_argument, 0, OPT_RCOND},
        {"ridge", required_argument, 0, OPT_RIDGE}, {"lasso", required_argument, 0, OPT_LASSO},
        {"elastic-net", required_argument, 0, OPT_ENET}, {"l1-ratio", required_argument, 0, OPT_L1},
        {"tol", required_argument, 0, OPT_TOL}, {"max-iter", required_argument, 0, OPT_MAXIT},
        {"posterior", no_argument, 0, OPT_POSTERIOR}, {"noise-var", required_argument, 0, OPT_NOISE},
        {"partial", no_argument, 0, OPT_PARTIAL}, {"combine", no_argument, 0, OPT_COMBINE},
        {"penalize-bias", no_argument, 0, OPT_PENALIZE_BIAS}, {"zlib", no_argument, 0, OPT_ZLIB}, {"output", required_argument, 0, 'o'},
        {"verbose", no_argument, 0, 'v'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    static const cli_spec spec = {TOOL, usage, ":m:o:vqhV", longs, parse_option};
    fit_opts *f = &a->fit;
    memset(a, 0, sizeof *a);
    ls_opts_defaults(&f->ls);
    a->l1_ratio = 0.5;
    int rc = cli_parse_filter(argc, argv, &spec, a, NULL, NULL, &a->io.input, e);
    if (rc)
        return rc;
    /* --elastic-net 0 is no penalty: its ratio shapes nothing, so the model
     * records least squares' (as --lasso 0), not the one given */
    f->ls.l1_ratio = a->l1_penalty == OPT_ENET && f->ls.alpha > 0 ? a->l1_ratio : 1.0;
    const char *why = conflict(a);
    if (why)
        return dl_fail(e, DL_EUSAGE, "%s", why);
    if (streamed_fit(f))
        f->ls.method = LS_NORMAL;
    f->method_given = a->method_given;
    f->progress = isatty(STDERR_FILENO);
    f->log = stderr;
    f->tool = TOOL;
    return 0;
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    lstsq_args a;
    dl_err e = {0};
    if (dl_blas_reserve(0, NULL, &e)) /* before anything: a stuck BLAS thread hangs exit */
        cli_abandon(TOOL, &e);
    int parsed = parse_args(argc, argv, &a, &e);
    return cli_filter_main(TOOL, parsed, &a.io, fit_filter, &a.fit, &e);
}
