/* dl-plot - PNG/SVG figures of learning curves, fits, decision regions,
 * per-layer diagnostics and predictions (ROC, precision-recall, confusion,
 * parity, residuals), drawn by gnuplot (see man/dl-plot.1). */
#include <ctype.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "cli.h"
#include "plot.h"

static const char *const TOOL = "dl-plot";

typedef struct plot_args {
    const char *command, *output;
    const char *grid; /* --grid's value, checked once the figure is known */
    const char *inputs[PL_MAX_INPUTS];
    int ninputs;
    int script_only;
    unsigned scoped_given; /* bit i: SCOPED[i]'s option was given */
    pl_opts opt;
} plot_args;

/* The figures, as bits of the options' uses. */
static const char *const FIGURES[] = {"curves", "layers",    "fit",    "regions",  "roc",
                                      "pr",     "confusion", "parity", "residuals"};
enum {
    FIG_CURVES = 1, FIG_LAYERS = 2, FIG_FIT = 4, FIG_REGIONS = 8, FIG_ROC = 16, FIG_PR = 32,
    FIG_CONFUSION = 64, FIG_PARITY = 128, FIG_RESIDUALS = 256, FIG_COUNT = 9
};

/* The options of some figures only, and those figures: every other figure
 * refuses them rather than ignoring them.  The others apply to all. */
static const struct scoped_option {
    int c;
    unsigned figures;
} SCOPED[] = {
    {'l', FIG_CURVES | FIG_LAYERS},
    {'b', FIG_FIT},
    {'g', FIG_FIT | FIG_REGIONS},
    {'i', FIG_FIT | FIG_REGIONS},
    {'r', FIG_REGIONS | FIG_CONFUSION},
    {'T', FIG_ROC | FIG_PR | FIG_CONFUSION | FIG_PARITY | FIG_RESIDUALS},
    {'n', FIG_CONFUSION},
};
#define NSCOPED (sizeof SCOPED / sizeof SCOPED[0])

static const struct option LONGS[] = {
    {"output", required_argument, 0, 'o'}, {"title", required_argument, 0, 't'},
    {"size", required_argument, 0, 's'},   {"log-scale", no_argument, 0, 'l'},
    {"basis", no_argument, 0, 'b'},        {"grid", required_argument, 0, 'g'},
    {"threshold", required_argument, 0, 'r'}, {"script", no_argument, 0, 'S'},
    {"xlabel", required_argument, 0, 'x'}, {"ylabel", required_argument, 0, 'y'},
    {"inputs", required_argument, 0, 'i'}, {"truth", required_argument, 0, 'T'},
    {"normalize", required_argument, 0, 'n'},
    {"help", no_argument, 0, 'h'},         {"version", no_argument, 0, 'V'},
    {0, 0, 0, 0}};

static void usage(void)
{
    printf("Usage: %s curves LOG.tsv... -o FILE.png|FILE.svg [OPTION]...\n"
           "       %s layers DIAG.tsv -o FILE [OPTION]...\n"
           "       %s fit MODEL [DATA] -o FILE [OPTION]...\n"
           "       %s regions MODEL [DATA] -o FILE [OPTION]...\n"
           "       %s roc|pr [PRED]... -o FILE [OPTION]...\n"
           "       %s confusion|parity|residuals [PRED] -o FILE [OPTION]...\n"
           "Draw a figure with gnuplot (Debian: apt-get install gnuplot-nox).\n"
           "\n"
           "  curves    training and validation loss from dl-train --log, best epoch marked;\n"
           "            up to %d logs on one figure, a colour each, named by their files\n"
           "  layers    per-layer statistics from dl-train --diagnostics, over epochs\n"
           "  fit       a model of one input over a fine grid, with DATA's x, y as points\n"
           "  regions   decision regions of a classifier of two inputs, DATA's points on top\n"
           "  roc       ROC curves, the area under each in the legend\n"
           "  pr        precision-recall curves, the average precision in the legend\n"
           "  confusion the confusion matrix: counts and fractions\n"
           "  parity    predicted against actual, the identity line, R² in the title\n"
           "  residuals residuals y - yhat against the prediction\n"
           "PRED is a dl-predict stream with 'yhat' and the truth 'y' (up to %d for roc and\n"
           "pr, one curve each, per class for several score columns).  A TSV of -, a\n"
           "missing DATA and a missing PRED read standard input.\n"
           "\n"
           "  -o, --output=FILE     the image; .png or .svg chooses the format (required)\n"
           "      --title=TEXT      the figure's title (default: one per figure)\n"
           "      --xlabel=TEXT     the x axis label (default: the column's name from the\n"
           "                        stream's x.names or y.names, else one per figure)\n"
           "      --ylabel=TEXT     the y axis label (likewise)\n"
           "      --size=WxH        image size in pixels (default: 800x560)\n"
           "      --log-scale       curves, layers: logarithmic y axis (default: linear)\n"
           "      --basis           fit: also the weighted basis functions of a linear\n"
           "                        model (default: off)\n"
           "      --grid=N          fit: points on x, 2..100000 (default: 400); regions:\n"
           "                        points per axis, 2..4096 (default: 200)\n"
           "      --threshold=T     regions and confusion, one score column: class 1 when\n"
           "                        yhat >= T; refused with several outputs or a\n"
           "                        multiclass task (default: 0.5)\n"
           "      --inputs=A[,B]    fit: the input drawn, regions: the two, by 0-based column\n"
           "                        of x, else name (x.names); the others are held at their\n"
           "                        means, categorical ones (x.categories) at their most\n"
           "                        frequent levels (default: the model has exactly 1 or\n"
           "                        2 inputs)\n"
           "      --truth=FILE      roc, pr, confusion, parity, residuals: read 'y' from the\n"
           "                        stream FILE instead of each PRED\n"
           "      --normalize=WHAT  confusion: fractions over true classes (true), predicted\n"
           "                        classes (pred), all (all), or counts only (none)\n"
           "                        (default: true)\n"
           "      --script          print the gnuplot script instead of running gnuplot; its\n"
           "                        datablocks hold the numbers drawn\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "An option whose text starts with figures is for those; the others refuse it.\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error or gnuplot failure,\n"
           "4 out of memory, 6 interrupted (no image left).  See dl-plot(1).\n",
           TOOL, TOOL, TOOL, TOOL, TOOL, TOOL, PL_MAX_INPUTS, PL_MAX_INPUTS);
}

static int parse_size(const char *s, pl_opts *o, dl_err *e)
{
    /* digits first on either side of the x: strtol would skip blanks there */
    const char *x = strchr(s, 'x');
    char *end = NULL;
    long w = 0, h = 0;
    if (isdigit((unsigned char)s[0]) && x && isdigit((unsigned char)x[1]) &&
        (w = strtol(s, &end, 10), end == x))
        h = strtol(x + 1, &end, 10);
    if (!end || *end != '\0' || w < 100 || h < 100 || w > 10000 || h > 10000)
        return dl_fail(e, DL_EUSAGE, "--size: '%s' is not WxH with 100..10000 each", s);
    o->width = (int)w;
    o->height = (int)h;
    return 0;
}

static int parse_option(int c, const char *arg, void *ctx, dl_err *e)
{
    plot_args *a = ctx;
    for (size_t i = 0; i < NSCOPED; i++)
        if (SCOPED[i].c == c)
            a->scoped_given |= 1u << i;
    switch (c) {
    case 'o': a->output = arg; return 0;
    case 't': a->opt.title = arg; return 0;
    case 'x': a->opt.xlabel = arg; return 0;
    case 'y': a->opt.ylabel = arg; return 0;
    case 'i': a->opt.inputs = arg; return 0;
    case 'T': a->opt.truth = arg; return 0;
    case 'n':
        if ((a->opt.normalize = pl_normalize_parse(arg)) < 0)
            return dl_fail(e, DL_EUSAGE, "--normalize: '%s' is not true, pred, all or none",
                           arg);
        return 0;
    case 's': return parse_size(arg, &a->opt, e);
    case 'l': a->opt.log_scale = 1; return 0;
    case 'b': a->opt.basis = 1; return 0;
    case 'g': a->grid = arg; return 0;
    case 'r':
        a->opt.threshold_given = 1;
        return cli_double("--threshold", arg, &a->opt.threshold, e);
    case 'S': a->script_only = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

static const cli_spec SPEC = {TOOL, usage, ":o:hV", LONGS, parse_option};

/* Refuses an option given to a figure that does not use it ("roc: --grid
 * does not apply (an option of fit, regions)"). */
static int check_scope(const plot_args *a, dl_err *e)
{
    unsigned figure = cli_command_bit(a->command, FIGURES, FIG_COUNT);
    for (size_t i = 0; i < NSCOPED; i++)
        if ((a->scoped_given & (1u << i)) &&
            cli_refuse_option(&SPEC, a->command, figure, SCOPED[i].c, SCOPED[i].figures,
                              FIGURES, FIG_COUNT, e))
            return e->code;
    return 0;
}

/* --grid within the figure's bounds: regions' grid is its square. */
static int check_grid(plot_args *a, dl_err *e)
{
    long n;
    int regions = cli_command_bit(a->command, FIGURES, FIG_COUNT) == FIG_REGIONS;
    if (!a->grid)
        return 0;
    if (cli_long("--grid", a->grid, PL_GRID_MIN, regions ? PL_REGIONS_GRID_MAX : PL_FIT_GRID_MAX,
                 &n, e))
        return e->code;
    a->opt.grid = (size_t)n;
    return 0;
}

/* What the figure's input i is, as its messages name it. */
static const char *input_what(const plot_args *a, int i)
{
    unsigned figure = cli_command_bit(a->command, FIGURES, FIG_COUNT);
    if (figure & (FIG_FIT | FIG_REGIONS))
        return i ? "DATA" : "MODEL";
    return figure & FIG_CURVES ? "LOG" : figure & FIG_LAYERS ? "DIAG" : "PRED";
}

/* Standard input is read once: by one input (MODEL or DATA, one LOG, one
 * PRED), or for --truth's y, which is read again for each PRED. */
static int check_stdin(const plot_args *a, dl_err *e)
{
    unsigned figure = cli_command_bit(a->command, FIGURES, FIG_COUNT);
    if (figure & (FIG_FIT | FIG_REGIONS))
        return cli_stdin_once("MODEL", a->inputs[0], "DATA", a->ninputs > 1 ? a->inputs[1] : NULL,
                              e);
    const char *input = input_what(a, 0);
    if (cli_stdin_once_each(input, a->inputs, (size_t)a->ninputs, e))
        return e->code;
    if (!a->opt.truth)
        return 0;
    for (int i = 0; i < (a->ninputs ? a->ninputs : 1); i++)
        if (cli_stdin_once("--truth", a->opt.truth, "PRED", a->ninputs ? a->inputs[i] : NULL, e))
            return e->code;
    if (a->ninputs > 1 && cli_is_stdin(a->opt.truth))
        return dl_fail(e, DL_EUSAGE, "--truth -: standard input is read once, not for each of "
                       "%d PRED (name the truth's FILE)", a->ninputs);
    return 0;
}

/* How many inputs the figure reads: those given, and standard input for a
 * DATA or PRED not given. */
static int inputs_read(const plot_args *a)
{
    unsigned figure = cli_command_bit(a->command, FIGURES, FIG_COUNT);
    if (figure & (FIG_FIT | FIG_REGIONS))
        return 2;
    return a->ninputs ? a->ninputs : 1;
}

/* The output (NULL: standard output) may not be a file the figure reads. */
static int output_not_read(const plot_args *a, const char *out_what, const char *output,
                           dl_err *e)
{
    for (int i = 0; i < inputs_read(a); i++)
        if (dl_outfile_not_input(out_what, output, input_what(a, i),
                                 i < a->ninputs ? a->inputs[i] : NULL, e))
            return e->code;
    return a->opt.truth ? dl_outfile_not_input(out_what, output, "--truth", a->opt.truth, e) : 0;
}

/* Neither the image nor, under --script, standard output (>> PRED) is a
 * file the figure reads. */
static int outputs_not_inputs(const plot_args *a, dl_err *e)
{
    return output_not_read(a, "-o", a->output, e) ||
                   (a->script_only && output_not_read(a, NULL, NULL, e))
               ? e->code
               : 0;
}

/* The refusal of a count of inputs that the command does not take
 * (pl_command_inputs's min and max). */
static int wrong_count(const char *command, int min, int max, dl_err *e)
{
    if (max == 1)
        return dl_fail(e, DL_EUSAGE, "%s takes one %s", command,
                       min ? "TSV file" : "prediction stream (or standard input)");
    if (max == 2)
        return dl_fail(e, DL_EUSAGE, "%s takes MODEL and optionally DATA", command);
    return dl_fail(e, DL_EUSAGE, "%s takes %s %d %s", command, min ? "1 to" : "up to", max,
                   min ? "TSV files" : "prediction streams");
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
static int parse_args(int argc, char **argv, plot_args *a, dl_err *e)
{
    memset(a, 0, sizeof *a);
    pl_opts_defaults(&a->opt);
    a->opt.log = stderr;
    a->opt.tool = TOOL;
    int rc = cli_parse_options(argc, argv, &SPEC, a, e);
    if (rc)
        return rc;
    if (optind >= argc)
        return dl_fail(e, DL_EUSAGE, "a command is needed: curves, layers, fit, regions, roc, "
                                     "pr, confusion, parity or residuals");
    a->command = argv[optind++];
    int min, max;
    if (pl_command_inputs(a->command, &min, &max))
        return dl_fail(e, DL_EUSAGE,
                       "unknown command '%s' (curves, layers, fit, regions, roc, pr, "
                       "confusion, parity, residuals)",
                       a->command);
    if (check_scope(a, e) || check_grid(a, e))
        return e->code;
    a->ninputs = argc - optind;
    if (a->ninputs < min || a->ninputs > max) {
        wrong_count(a->command, min, max, e);
        /* a surplus operand is named, as every tool names it */
        return a->ninputs > max ? dl_err_wrap(e, "unexpected argument '%s'", argv[optind + max])
                                : e->code;
    }
    for (int i = 0; i < a->ninputs; i++)
        a->inputs[i] = argv[optind + i];
    if (check_stdin(a, e))
        return e->code;
    if (!a->output)
        return dl_fail(e, DL_EUSAGE, "-o FILE.png or -o FILE.svg is required");
    const char *term;
    return pl_terminal_for(a->output, &term, e) || outputs_not_inputs(a, e) ? e->code : 0;
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    plot_args a;
    dl_err e = {0};
    if (dl_blas_reserve(0, NULL, &e)) /* before anything: a stuck BLAS thread hangs exit */
        cli_abandon(TOOL, &e);
    int rc = parse_args(argc, argv, &a, &e);
    if (rc == 1)
        return 0;
    /* a gnuplot that exits early must not kill us while we feed it; --script
     * feeds no gnuplot, and a reader of its lines that stops ends it as a
     * reader ends any tool (SIGPIPE, status 6) */
    if (!a.script_only)
        signal(SIGPIPE, SIG_IGN);
    if (rc == 0)
        rc = pl_draw(a.command, a.inputs, (size_t)a.ninputs, a.output, a.script_only, &a.opt,
                     &e);
    return rc ? cli_exit(TOOL, &e) : 0;
}
