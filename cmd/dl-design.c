/* dl-design - replace x by a design matrix of basis functions, pass every
 * other record through, and record the fitted basis in a `design` record so
 * the same basis can be applied to new data (see man/dl-design.1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "design_stream.h"

static const char *const TOOL = "dl-design";

typedef struct design_args {
    cli_filter_io io;
    design_opts opt;
    int rbf_option_given; /* --centers, --width or --alpha: meaningless without --rbf */
    int unseen_given;     /* --unseen: meaningless without --onehot */
    int fit_option_given; /* --no-bias, --standardize or --seed: no block of their own */
    int seed_given;       /* --seed: meaningless without --rbf --centers kmeans */
    const char *onehot;   /* --onehot as given: once, since a second would not add to it */
} design_args;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]\n"
           "Replace 'x' in a tensor stream (FILE or standard input) by a design matrix of\n"
           "basis functions; pass every other record through; add a 'design' record that\n"
           "describes the fitted basis so dl-design --apply and dl-predict reuse it.\n"
           "Blocks, in this column order (combine freely):\n"
           "      --no-bias         no column of ones (default: bias on)\n"
           "      --poly=D          all monomials of total degree 1..D over all inputs\n"
           "                        (C(n+D, D) - 1 columns for n inputs) (default: none)\n"
           "      --rbf=K           Gaussian radial basis functions exp(-alpha |z - mu|^2)\n"
           "                        (default: none)\n"
           "      --centers=HOW     grid (K per input axis, K^n centers) or kmeans (K centers,\n"
           "                        seeded Lloyd) (default: grid)\n"
           "      --width=SIGMA     rbf width; alpha = 1/(2 SIGMA^2)\n"
           "                        (default: the center spacing)\n"
           "      --alpha=A         rbf alpha directly (default: from the width)\n"
           "      --seed=S          k-means seed, with --centers kmeans (default: 0)\n"
           "      --fourier=K       per input: sin and cos of 2 pi k u, k = 1..K, u in [0, 1]\n"
           "                        from the training range (default: none)\n"
           "      --legendre=D      per input: Legendre P1..PD on [-1, 1] from the training range\n"
           "                        (default: none)\n"
           "      --standardize     standardize inputs first (training mean and std; one-hot\n"
           "                        and indicator columns stay 0/1) (default: off)\n"
           "With no block: x itself (as --poly 1).\n"
           "The input stage, before the blocks (statistics from the training rows):\n"
           "      --impute=HOW      fill missing cells (NaN) with the column's mean, median,\n"
           "                        most_frequent value, or constant[=VALUE] (VALUE default 0);\n"
           "                        a categorical column takes its most frequent level\n"
           "                        (default: none, a missing cell is an error)\n"
           "      --impute-indicator  add a 0/1 column missing(NAME) per column that had a\n"
           "                        missing cell in training, after the others (default: off)\n"
           "      --onehot=COLS     auto (every categorical column of x.categories) or\n"
           "                        NAME[,NAME]...: one 0/1 column NAME=LEVEL per level of\n"
           "                        the training rows, in place of the column (default: none,\n"
           "                        codes stay numbers)\n"
           "      --unseen=HOW      a level training never saw, when the design is applied:\n"
           "                        error or zero (an all-zero one-hot row) (default: error)\n"
           "  -a, --apply=FILE      apply the 'design' record found in FILE (a dl-design output\n"
           "                        or a checkpoint) instead of fitting; streams\n"
           "      --force           allow more than %d column%s (warning above %d) in a fit\n"
           "  -o, --output=FILE     write to FILE, atomically (default: standard output)\n"
           "      --zlib            compress records\n"
           "  -q, --quiet           do not report the column count on stderr\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory or over\n"
           "the column limit, 6 interrupted (no output file left).  See dl-design(1).\n",
           TOOL, DESIGN_COLUMNS_LIMIT, dl_plural(DESIGN_COLUMNS_LIMIT), DESIGN_COLUMNS_WARN);
}

static int parse_int(const char *opt, const char *s, int *out, dl_err *e)
{
    long v;
    if (cli_long(opt, s, 1, 100000, &v, e))
        return e->code;
    *out = (int)v;
    return 0;
}

static int parse_positive(const char *opt, const char *s, double *out, dl_err *e)
{
    if (cli_double(opt, s, out, e))
        return e->code;
    if (!(*out > 0))
        return dl_fail(e, DL_EUSAGE, "%s: '%s' must be positive", opt, s);
    return 0;
}

/* A width whose alpha = 1/(2 SIGMA^2) a double cannot hold is refused:
 * alpha 0 or inf would make every rbf column 1 or 0. */
static int parse_width(const char *s, double *out, dl_err *e)
{
    double alpha;
    if (parse_positive("--width", s, out, e))
        return e->code;
    if (bf_rbf_alpha(*out, &alpha))
        return dl_fail(e, DL_EUSAGE, "--width: '%s' gives alpha = 1/(2 SIGMA^2) outside a "
                                     "double's range: give SIGMA from about 1e-154 to 1e153, "
                                     "or --alpha", s);
    return 0;
}

static int parse_centers(const char *s, int *out, dl_err *e)
{
    if (strcmp(s, "grid") == 0)
        *out = BF_CENTERS_GRID;
    else if (strcmp(s, "kmeans") == 0)
        *out = BF_CENTERS_KMEANS;
    else
        return dl_fail(e, DL_EUSAGE, "--centers: '%s' is not grid or kmeans", s);
    return 0;
}

/* mean | median | most_frequent | constant[=VALUE] */
static int parse_impute(const char *s, pp_opts *o, dl_err *e)
{
    const char *eq = strchr(s, '=');
    char how[32];
    snprintf(how, sizeof how, "%.*s", eq ? (int)(eq - s) : (int)strlen(s), s);
    o->impute = pp_impute_parse(how);
    if (o->impute <= PP_IMPUTE_NONE)
        return dl_fail(e, DL_EUSAGE, "--impute: '%s' is not mean, median, most_frequent or "
                                     "constant[=VALUE]", s);
    if (eq && o->impute != PP_IMPUTE_CONSTANT)
        return dl_fail(e, DL_EUSAGE, "--impute: only constant takes a value ('%s')", s);
    if (eq && cli_double("--impute constant", eq + 1, &o->fill, e))
        return e->code;
    return 0;
}

static int parse_unseen(const char *s, int *zero, dl_err *e)
{
    if (strcmp(s, "error") != 0 && strcmp(s, "zero") != 0)
        return dl_fail(e, DL_EUSAGE, "--unseen: '%s' is not error or zero", s);
    *zero = strcmp(s, "zero") == 0;
    return 0;
}

enum { OPT_NO_BIAS = 256, OPT_POLY, OPT_RBF, OPT_CENTERS, OPT_WIDTH, OPT_ALPHA, OPT_SEED,
       OPT_FOURIER, OPT_LEGENDRE, OPT_STANDARDIZE, OPT_FORCE, OPT_ZLIB, OPT_IMPUTE,
       OPT_INDICATOR, OPT_ONEHOT, OPT_UNSEEN };

static int parse_option(int c, const char *arg, void *args, dl_err *e)
{
    design_args *a = args;
    bf_opts *o = &a->opt.basis;
    switch (c) {
    case OPT_NO_BIAS: a->fit_option_given = 1; o->bias = 0; return 0;
    case OPT_POLY: return parse_int("--poly", arg, &o->poly, e);
    case OPT_RBF: return parse_int("--rbf", arg, &o->rbf, e);
    case OPT_CENTERS: a->rbf_option_given = 1; return parse_centers(arg, &o->rbf_centers, e);
    case OPT_WIDTH: a->rbf_option_given = 1; return parse_width(arg, &o->rbf_width, e);
    case OPT_ALPHA: a->rbf_option_given = 1; return parse_positive("--alpha",
    arg, &o->rbf_alpha, e);
    case OPT_SEED:
        a->fit_option_given = a->seed_given = 1;
        return cli_u64("--seed", arg, &o->seed, e);
    case OPT_FOURIER: return parse_int("--fourier", arg, &o->fourier, e);
    case OPT_LEGENDRE: return parse_int("--legendre", arg, &o->legendre, e);
    case OPT_STANDARDIZE: a->fit_option_given = 1; o->standardize = 1; return 0;
    case OPT_FORCE: a->opt.force = 1; return 0;
    case OPT_IMPUTE: return parse_impute(arg, &a->opt.prep, e);
    case OPT_INDICATOR: a->opt.prep.indicator = 1; return 0;
    case OPT_ONEHOT:
        if (a->onehot)
            return dl_fail(e, DL_EUSAGE, "--onehot given twice ('%s', then '%s'): give the "
                                         "columns once, NAME,NAME", a->onehot, arg);
        a->onehot = arg;
        if (strcmp(arg, "auto") == 0)
            a->opt.prep.onehot_all = 1;
        else
            a->opt.prep.onehot = arg;
        return 0;
    case OPT_UNSEEN: a->unseen_given = 1; return parse_unseen(arg, &a->opt.prep.unseen_zero, e);
    case OPT_ZLIB: a->io.flags |= ST_ZLIB; return 0;
    case 'a': a->opt.apply = arg; return 0;
    case 'o': a->io.output = arg; return 0;
    case 'q': a->opt.quiet = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
static int parse_args(int argc, char **argv, design_args *a, dl_err *e)
{
    static const struct option longs[] = {
        {"no-bias", no_argument, 0, OPT_NO_BIAS}, {"poly", required_argument, 0, OPT_POLY},
        {"rbf", required_argument, 0, OPT_RBF}, {"centers", required_argument, 0, OPT_CENTERS},
        {"width", required_argument, 0, OPT_WIDTH}, {"alpha", required_argument, 0, OPT_ALPHA},
        {"seed", required_argument, 0, OPT_SEED}, {"fourier", required_argument, 0, OPT_FOURIER},
        {"legendre", required_argument, 0, OPT_LEGENDRE},
        {"standardize", no_argument, 0, OPT_STANDARDIZE}, {"force", no_argument, 0, OPT_FORCE},
        {"zlib", no_argument, 0, OPT_ZLIB}, {"apply", required_argument, 0, 'a'},
        {"impute", required_argument, 0, OPT_IMPUTE},
        {"impute-indicator", no_argument, 0, OPT_INDICATOR},
        {"onehot", required_argument, 0, OPT_ONEHOT}, {"unseen", required_argument, 0, OPT_UNSEEN},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    static const cli_spec spec = {TOOL, usage, ":a:o:qhV", longs, parse_option};
    bf_opts *basis = &a->opt.basis;
    memset(a, 0, sizeof *a);
    bf_opts_defaults(basis);
    pp_opts_defaults(&a->opt.prep);
    int rc = cli_parse_filter(argc, argv, &spec, a, NULL, NULL, &a->io.input, e);
    if (rc)
        return rc;
    if (a->opt.apply && (!bf_opts_empty(basis) || a->fit_option_given || a->rbf_option_given ||
                         pp_opts_active(&a->opt.prep) || a->unseen_given))
        return dl_fail(e, DL_EUSAGE,
                       "--apply takes the design from its file; give no design options");
    if (a->opt.apply && a->opt.force)
        return dl_fail(e, DL_EUSAGE, "--force lifts the column limit of a fit; --apply fits "
                                     "nothing");
    if (a->opt.prep.indicator && a->opt.prep.impute == PP_IMPUTE_NONE)
        return dl_fail(e, DL_EUSAGE, "--impute-indicator goes with --impute");
    if (a->unseen_given && !a->opt.prep.onehot_all && !a->opt.prep.onehot)
        return dl_fail(e, DL_EUSAGE, "--unseen goes with --onehot");
    if (a->rbf_option_given && !basis->rbf)
        return dl_fail(e, DL_EUSAGE, "--centers, --width and --alpha go with --rbf K");
    if (a->seed_given && !(basis->rbf && basis->rbf_centers == BF_CENTERS_KMEANS))
        return dl_fail(e, DL_EUSAGE, "--seed goes with --rbf K --centers kmeans");
    if (basis->rbf_width > 0 && basis->rbf_alpha > 0)
        return dl_fail(e, DL_EUSAGE, "--width and --alpha say the same thing: give one");
    if (a->opt.apply && dl_outfile_not_input("-o", a->io.output, "--apply", a->opt.apply, e))
        return e->code;
    if (bf_opts_empty(basis))
        basis->poly = 1;
    a->opt.log = stderr;
    a->opt.tool = TOOL;
    return 0;
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    design_args a;
    dl_err e = {0};
    int parsed = parse_args(argc, argv, &a, &e);
    return cli_filter_main(TOOL, parsed, &a.io, design_filter, &a.opt, &e);
}
