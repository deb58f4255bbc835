/* dl-predict - apply a checkpoint to a stream of raw x, chunk by chunk:
 * writes 'yhat' (and 'ystd' for a model with a posterior), passes every
 * other record (such as 'y') through (see man/dl-predict.1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "blasmem.h"
#include "cli.h"
#include "outfile.h"
#include "predict.h"

static const char *const TOOL = "dl-predict";

typedef struct predict_args {
    cli_filter_io io;
    predict_opts opt;
} predict_args;

static void usage(void)
{
    printf("Usage: %s [OPTION]... CHECKPOINT [FILE]\n"
           "Predict with the model in CHECKPOINT (dl-lstsq or dl-train output) for the raw\n"
           "'x' rows of a tensor stream (FILE or standard input).  The checkpoint's design\n"
           "(dl-design) is applied first.  Writes 'yhat' chunk by chunk, and 'ystd', the\n"
           "predictive standard deviation, when the model has a posterior (dl-lstsq\n"
           "--posterior).  Every other record ('y' ...) passes through, so | dl-eval works.\n"
           "\n"
           "      --no-std          do not write 'ystd' (default: written when available)\n"
           "      --labels          class labels instead of probabilities (classifier\n"
           "                        networks: argmax for ce, threshold for bce), with the\n"
           "                        class names of string targets as yhat.categories\n"
           "      --threshold=T     the bce threshold in [0, 1] for --labels (default 0.5)\n"
           "  -o, --output=FILE     write to FILE, atomically (default: standard output)\n"
           "      --zlib            compress records\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory,\n"
           "6 interrupted (no output file left).  See dl-predict(1).\n",
           TOOL);
}

enum { OPT_NO_STD = 256, OPT_ZLIB, OPT_LABELS, OPT_THRESHOLD };

static int parse_option(int c, const char *arg, void *args, dl_err *e)
{
    predict_args *a = args;
    switch (c) {
    case 'o': a->io.output = arg; return 0;
    case OPT_NO_STD: a->opt.no_std = 1; return 0;
    case OPT_ZLIB: a->io.flags |= ST_ZLIB; return 0;
    case OPT_LABELS: a->opt.labels = 1; return 0;
    case OPT_THRESHOLD:
        a->opt.threshold_given = 1;
        if (cli_double("--threshold", arg, &a->opt.threshold, e))
            return e->code;
        /* named as given: 1.0000001 printed with %g would read "1" */
        if (!(a->opt.threshold >= 0 && a->opt.threshold <= 1))
            return dl_fail(e, DL_EUSAGE, "--threshold: '%s' is not a probability in [0, 1]",
                           arg);
        return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
static int parse_args(int argc, char **argv, predict_args *a, dl_err *e)
{
    static const struct option longs[] = {
        {"no-std", no_argument, 0, OPT_NO_STD}, {"zlib", no_argument, 0, OPT_ZLIB},
        {"labels", no_argument, 0, OPT_LABELS}, {"threshold", required_argument, 0, OPT_THRESHOLD},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    static const cli_spec spec = {TOOL, usage, ":o:hV", longs, parse_option};
    memset(a, 0, sizeof *a);
    a->opt.threshold = 0.5;
    int rc = cli_parse_filter(argc, argv, &spec, a, "CHECKPOINT", &a->opt.checkpoint,
                              &a->io.input, e);
    if (rc)
        return rc;
    if (a->opt.threshold_given && !a->opt.labels)
        return dl_fail(e, DL_EUSAGE, "--threshold goes with --labels");
    return dl_outfile_not_input("-o", a->io.output, "CHECKPOINT", a->opt.checkpoint, e);
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    predict_args a;
    dl_err e = {0};
    if (dl_blas_reserve(0, NULL, &e)) /* before anything: a stuck BLAS thread hangs exit */
        cli_abandon(TOOL, &e);
    int parsed = parse_args(argc, argv, &a, &e);
    return cli_filter_main(TOOL, parsed, &a.io, predict_filter, &a.opt, &e);
}
