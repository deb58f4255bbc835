/* dl-eval - metrics of predictions 'yhat' against truth 'y', as a table for
 * people or one TSV/JSON record per run for scripts (see man/dl-eval.1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "metrics_io.h"
#include "textio.h"

static const char *const TOOL = "dl-eval";

#define MAX_TAGS 64

typedef struct eval_args {
    mio_opts opt;
    const char *tags[MAX_TAGS]; /* "key=value" as given */
    int summary;                /* --summary FILE... */
    int per_run;                /* an option of a single evaluation was given */
    mio_summary_opts sum;
    const char *by_arg;         /* --by as given */
    tx_list by;                 /* its keys */
} eval_args;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]\n"
           "  or:  %s --summary [--by KEY,...] [--format FMT] [FILE]...\n"
           "Evaluate predictions: read a tensor stream with 'yhat' and 'y' from FILE\n"
           "(default: standard input) and print metrics computed as sklearn.metrics does,\n"
           "with sample_weight when the stream of 'y' also has 'w' (row weights).\n"
           "With --summary, read the TSV or JSON records of several runs instead and\n"
           "print per metric the runs, mean, standard deviation (n - 1), min and max.\n"
           "\n"
           "      --truth=FILE      read 'y' (and its 'w') from the stream FILE, not the input\n"
           "  -T, --task=TASK       auto, regression, binary, multiclass or multilabel\n"
           "                        (default: auto, inferred from shapes and values)\n"
           "      --threshold=T     binary/multilabel decision: positive when yhat >= T\n"
           "                        (default: 0.5)\n"
           "      --q=Q             regression: also report lq = mean |y - yhat|^Q\n"
           "                        (default: not reported)\n"
           "      --eps=E           log-loss clipping of probabilities to [E, 1-E] (binary,\n"
           "                        multiclass probabilities)\n"
           "                        (default: machine epsilon of yhat's dtype, as sklearn)\n"
           "  -f, --format=FMT      table, tsv or json (default: table)\n"
           "      --tag=KEY=VALUE   add a column KEY with VALUE to the record (repeatable)\n"
           "      --no-header       tsv: omit the header line (to append to a table)\n"
           "An option the task (given or inferred) or the format would ignore is refused.\n"
           "      --summary         summarize dl-eval records (TSV or JSON, any mix) read\n"
           "                        from the FILEs (default: standard input)\n"
           "      --by=KEY[,KEY]    --summary: one summary per value of these tags\n"
           "                        (default: one over every record)\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory,\n"
           "6 interrupted.  See dl-eval(1).\n",
           TOOL, TOOL);
}

static int parse_option(int c, const char *arg, void *ctx, dl_err *e)
{
    eval_args *a = ctx;
    double v;
    const char *fault;
    if (strchr("tTrqeg", c))
        a->per_run = c;
    switch (c) {
    case 't': a->opt.truth = arg; return 0;
    case 'T':
        a->opt.mt.task = mt_task_parse(arg);
        return a->opt.mt.task < 0 ? dl_fail(e, DL_EUSAGE, "--task: unknown task '%s'", arg) : 0;
    case 'r':
        a->opt.threshold_given = 1;
        return cli_double("--threshold", arg, &a->opt.mt.threshold, e);
    case 'q':
        if (cli_double("--q", arg, &v, e))
            return e->code;
        if (v <= 0)
            return dl_fail(e, DL_EUSAGE, "--q: '%s' must be positive", arg);
        a->opt.mt.q = v;
        return 0;
    case 'e':
        if (cli_double("--eps", arg, &v, e))
            return e->code;
        if (!(v > 0 && v < 0.5))
            return dl_fail(e, DL_EUSAGE, "--eps: '%s' must be in (0, 0.5)", arg);
        a->opt.mt.eps = v;
        a->opt.eps_given = 1;
        return 0;
    case 'f':
        if ((a->opt.format = mio_format_parse(arg)) < 0)
            return dl_fail(e, DL_EUSAGE, "--format: '%s' is not table, tsv or json", arg);
        return 0;
    case 'g':
        if ((fault = mio_tag_fault(arg)))
            return dl_fail(e, DL_EUSAGE, "--tag: '%s' %s (a tag is " MIO_TAG_RULE ")", arg,
                           fault);
        if (a->opt.ntags == MAX_TAGS)
            return dl_fail(e, DL_EUSAGE, "--tag: at most %d tags", MAX_TAGS);
        a->tags[a->opt.ntags++] = arg;
        return 0;
    case 'H': a->opt.header = 0; return 0;
    case 'S': a->summary = 1; return 0;
    case 'B':
        if (a->by_arg)
            return dl_fail(e, DL_EUSAGE, "--by given twice: give the tags once, KEY,KEY");
        a->by_arg = arg;
        return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* --by's keys, a list quoted as every option's is (tx_list): an empty one
 * (the list '', or a comma too many at either end or in the middle) is a
 * usage error. */
static int by_keys(eval_args *a, dl_err *e)
{
    if (tx_list_parse(&a->by, "--by", a->by_arg, e))
        return e->code;
    for (size_t i = 0; i < a->by.count; i++)
        if (!*a->by.item[i])
            return dl_fail(e, DL_EUSAGE, "--by: an empty tag name in '%s' (names are separated "
                           "by single commas)", a->by_arg);
    return 0;
}

/* --summary takes the files of records and --by, --format, --no-header. */
static int summary_args(int argc, char **argv, eval_args *a, dl_err *e)
{
    static const char *const names[] = {['t'] = "--truth", ['T'] = "--task",
                                        ['r'] = "--threshold", ['q'] = "--q", ['e'] = "--eps",
                                        ['g'] = "--tag"};
    if (a->per_run)
        return dl_fail(e, DL_EUSAGE, "%s applies to one evaluation, not to --summary",
                       names[a->per_run]);
    if (a->by_arg && by_keys(a, e))
        return e->code;
    a->sum.files = (const char *const *)argv + optind;
    a->sum.nfiles = (size_t)(argc - optind);
    if (cli_stdin_once_each("FILE", a->sum.files, a->sum.nfiles, e))
        return dl_err_wrap(e, "--summary");
    for (size_t i = 0; i < a->sum.nfiles; i++)
        if (dl_outfile_not_input(NULL, NULL, "FILE", a->sum.files[i], e))
            return dl_err_wrap(e, "--summary");
    if (a->sum.nfiles == 0 && dl_outfile_not_input(NULL, NULL, "FILE", NULL, e))
        return dl_err_wrap(e, "--summary");
    a->sum.by = (const char *const *)a->by.item;
    a->sum.nby = a->by.count;
    a->sum.format = a->opt.format;
    a->sum.header = a->opt.header;
    return 0;
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
static int parse_args(int argc, char **argv, eval_args *a, dl_err *e)
{
    static const struct option longs[] = {
        {"truth", required_argument, 0, 't'},   {"task", required_argument, 0, 'T'},
        {"threshold", required_argument, 0, 'r'}, {"q", required_argument, 0, 'q'},
        {"eps", required_argument, 0, 'e'},     {"format", required_argument, 0, 'f'},
        {"tag", required_argument, 0, 'g'},     {"no-header", no_argument, 0, 'H'},
        {"summary", no_argument, 0, 'S'},       {"by", required_argument, 0, 'B'},
        {"help", no_argument, 0, 'h'},          {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    mio_summary_defaults(&a->sum);
    mt_opts_defaults(&a->opt.mt);
    a->opt.header = 1;
    a->opt.tags = a->tags;
    /* no -t: across the tools it is dl-tensor's --targets */
    static const cli_spec spec = {TOOL, usage, ":T:f:hV", longs, parse_option};
    int rc = cli_parse_options(argc, argv, &spec, a, e);
    if (rc)
        return rc;
    if (!a->opt.header && a->opt.format != MIO_TSV)
        return dl_fail(e, DL_EUSAGE, "--no-header goes with --format tsv (only TSV has a "
                                     "header line)");
    if (a->summary)
        return summary_args(argc, argv, a, e);
    if (a->by_arg)
        return dl_fail(e, DL_EUSAGE, "--by applies to --summary only");
    if (argc - optind > 1)
        return dl_fail(e, DL_EUSAGE, "unexpected argument '%s'", argv[optind + 1]);
    if (a->opt.mt.task != MT_AUTO && mio_task_check(&a->opt, a->opt.mt.task, 0, 0, e))
        return e->code;
    a->opt.input = optind < argc ? argv[optind] : NULL;
    if (a->opt.truth && (cli_stdin_once("--truth", a->opt.truth, "FILE", a->opt.input, e) ||
                         dl_outfile_not_input(NULL, NULL, "--truth", a->opt.truth, e)))
        return e->code;
    return dl_outfile_not_input(NULL, NULL, "FILE", a->opt.input, e);
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    eval_args a;
    dl_err e = {0};
    int rc = parse_args(argc, argv, &a, &e);
    if (rc == 1)
        return 0; /* --help or --version */
    if (rc == 0 && a.summary)
        rc = mio_summarize(stdout, &a.sum, &e);
    else if (rc == 0)
        rc = mio_run(&a.opt, stderr, TOOL, &e);
    if (rc == 0 && a.summary && (fflush(stdout) != 0 || ferror(stdout)))
        rc = dl_fail_errno(&e, "standard output: write failed");
    tx_list_free(&a.by);
    return rc ? cli_exit(TOOL, &e) : 0;
}
