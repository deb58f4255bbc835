/* dl-tensor - convert to and from the tensor stream, inspect it, and cut
 * data sets by rows.  Parses the command line and calls lib/textio,
 * lib/dataset and lib/stream; see man/dl-tensor.1. */
#include <ctype.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "dataset.h"
#include "show.h"
#include "stream.h"
#include "textio.h"

static const char *const TOOL = "dl-tensor";

static void usage(void)
{
    printf("Usage: dl-tensor COMMAND [OPTION]... [FILE]\n"
           "Convert tables and arrays to the dl tensor stream and back; inspect and cut streams.\n"
           "FILE defaults to standard input; streams go to standard output unless -o FILE.\n"
           "\n"
           "Commands:\n"
           "  import [FILE]        CSV/TSV/.npy/svmlight -> stream (records x and y)\n"
           "    -t, --targets K      the last K columns become y (default 0: all are x)\n"
           "        --target NAME[,NAME...]  these columns (by name) become y, in this order\n"
           "        --weight NAME    this column becomes the per-row weights w\n"
           "        --names A,B,...  the column names (default: the header's), kept as\n"
           "                         x.names and y.names\n"
           "        --missing T[,T...]  cells holding one of these tokens are missing (NaN);\n"
           "                         '' is the empty cell (default: none)\n"
           "        --categorical NAME[,NAME...]  these columns hold strings even where\n"
           "                         their cells look like numbers (zip codes, IDs, 1,000)\n"
           "        --name NAME      all columns into one record NAME (default: x and y)\n"
           "        --rank 1         a rank-1 record ([N]) from one column or one row,\n"
           "                         e.g. a bias for --init-from (default 2: [rows, cols])\n"
           "        --dtype T        f32 or f64 (default f64 for text, as stored for .npy)\n"
           "        --format F       csv, tsv, npy or svmlight (default: from the file name\n"
           "                         or content); text: the whole file as one u8 record\n"
           "                         --name NAME (a model or design exported as text)\n"
           "        --delimiter C    a character, 'tab' or 'space' (default: detected:\n"
           "                         tab, semicolon, comma, else blanks)\n"
           "        --header         the first row is a header (default: detected: a\n"
           "        --no-header      first row without numbers is a header; one with\n"
           "                         numbers and strings is an error)\n"
           "                         Columns of strings become codes 0..k-1 of their\n"
           "                         levels sorted by bytes, kept in x.categories/y.categories\n"
           "        --allow-nonfinite  keep nan/inf cells (default: refuse them)\n"
           "        --chunk-rows N   rows per record (default 65536, at most 16 MiB)\n"
           "        --features N     svmlight: x has N columns (default: the largest index,\n"
           "                         refused when dense x would dwarf the text)\n"
           "        --zero-based, --one-based  svmlight: indices count from 0 or 1 (default:\n"
           "                         zero-based when an index is 0, as scikit-learn's 'auto')\n"
           "  export [FILE]        stream -> CSV/TSV (x columns, then y), svmlight or .npy\n"
           "        --name A,B,...   export records A, B, ... side by side, rows agreeing\n"
           "                         (default: x and y); a text record (model, design,\n"
           "                         any u8 rank-1 record) alone is written as its text\n"
           "                         (then --header, --delimiter, --missing and tsv\n"
           "                         are refused)\n"
           "        --format F       csv, tsv, npy or svmlight (default csv)\n"
           "        --delimiter C    column separator (default ',' or tab for tsv)\n"
           "        --header         write a header row: x.names and y.names, else\n"
           "                         x0,x1,...,y0; a name two records share as\n"
           "                         y.NAME,yhat.NAME; names all numbers are refused,\n"
           "                         as they would read back as data (default: none)\n"
           "        --missing T      text of a missing cell in a column of strings\n"
           "                         (default: empty); categorical columns print their levels\n"
           "        --zero-based, --one-based  svmlight: indices from 0 or 1 (default:\n"
           "                         from 0, as scikit-learn)\n"
           "  info [FILE]...       every record's name, dtype, shape, encoding, bytes, CRC,\n"
           "                       then each tensor with its chunks merged\n"
           "  head -n N [FILE]     the first N rows of every row record (default N 10)\n"
           "  shuffle [FILE]       rows in a seeded random order (--seed S, default 0)\n"
           "  split IN OUT1 OUT2   seeded split of the rows: OUT1 gets round(F x N)\n"
           "        --fraction F     share of rows for OUT1 (default 0.8)\n"
           "        --seed S         permutation seed (default 0)\n"
           "        --folds K        K-fold cross-validation: OUT2 gets fold I, OUT1 the\n"
           "        --fold I         other K-1; each row is in exactly one fold of 1..K\n"
           "        --stratify       keep the class proportions of y (labels or one-hot)\n"
           "                         in both outputs, to within one row per class\n"
           "        --group COL      rows with equal values in COL stay on one side: COL\n"
           "                         is a 0-based column of x, else a one-column record,\n"
           "                         else a name in x.names; --fraction is a share of groups\n"
           "  show [CKPT]          what a checkpoint holds: a network's spec, layer shapes,\n"
           "                       parameter counts and training summary; a linear model's\n"
           "                       design, rank, condition number and named coefficients\n"
           "        --format F       text or json (default text)\n"
           "\n"
           "Options of every command that writes a stream:\n"
           "  -o, --output FILE    write FILE atomically (default: standard output)\n"
           "      --zlib           deflate the records\n"
           "  -h, --help           this help;  -V, --version  the version\n"
           "\n"
           "Lists (A,B,...) take an item holding a comma in double quotes, as a CSV cell\n"
           "does: --target '\"a,b\",c' (\"\" in one is a quote).\n"
           "Row records are x (else y, else yhat) and every record with as many rows\n"
           "(never model or design); others pass through unchanged.  Numbers are read\n"
           "and written in the C locale.\n"
           "Exit status: 0 ok, 1 bad data, 2 bad usage, 3 input/output error, 4 out of memory,\n"
           "6 interrupted (no output file left).\n");
}

enum {
    OPT_NAME = 256, OPT_DTYPE, OPT_FORMAT, OPT_DELIM, OPT_HEADER, OPT_NO_HEADER,
    OPT_NONFINITE, OPT_CHUNK, OPT_ZLIB, OPT_SEED, OPT_FRACTION, OPT_FEATURES, OPT_FOLDS,
    OPT_FOLD, OPT_STRATIFY, OPT_GROUP, OPT_RANK, OPT_TARGET, OPT_WEIGHT, OPT_NAMES, OPT_MISSING,
    OPT_ZERO_BASED, OPT_ONE_BASED, OPT_CATEGORICAL
};

/* Everything any command accepts; each command checks what applies. */
typedef struct args {
    const char *cmd, *output;
    unsigned cmd_bit;         /* the command's CMD_* (0: none or unknown) */
    tx_import_opts imp;
    tx_export_opts exp;
    const char *format;       /* the text of --format, read by each command */
    int zlib, seen_header;
    const char *name;       /* --name as given: one name, or for export NAME,NAME,... */
    tx_list names;          /* export: --name as a list */
    uint64_t rows, seed;
    ds_split_opts split;
    char **files;
    int nfiles;
    int reported;           /* info: its failures were printed as they came */
} args;

static int parse_delimiter(const char *s, char *out, dl_err *e)
{
    if (strcmp(s, "tab") == 0 || strcmp(s, "\\t") == 0)
        *out = '\t';
    else if (strcmp(s, "space") == 0)
        *out = ' ';
    else if (strlen(s) != 1)
        return dl_fail(e, DL_EUSAGE, "--delimiter: '%s' is not one character, 'tab' or 'space'", s);
    else if (isalnum((unsigned char)s[0]) || strchr(".+-\"'", s[0]))
        return dl_fail(e, DL_EUSAGE, "--delimiter: '%s' can be part of a number (nan and inf "
                       "too) or a quoted cell: not a letter, digit, '.', '+', '-' or a quote", s);
    else if (s[0] == '\n' || s[0] == '\r')
        return dl_fail(e, DL_EUSAGE, "--delimiter: a line end is not a column separator");
    else if (s[0] == '#') /* "#3", an empty first cell, would read as a comment */
        return dl_fail(e, DL_EUSAGE, "--delimiter: '#' starts a comment line: a row whose first "
                       "cell is empty would be skipped");
    else
        *out = s[0];
    return 0;
}

/* An option that takes a value once: a second one is a usage error. */
static int once(const char *opt, const char **slot, const char *v, dl_err *e)
{
    if (*slot)
        return dl_fail(e, DL_EUSAGE, "%s given twice ('%s', then '%s'): give it once", opt, *slot,
                       v);
    if (!*v && strcmp(opt, "--missing") != 0)
        return dl_fail(e, DL_EUSAGE, "%s: an empty value", opt);
    *slot = v;
    return 0;
}

/* The commands, as bits of the options' uses. */
static const char *const COMMANDS[] = {"import", "export", "info", "head", "shuffle", "split",
                                       "show"};
enum {
    CMD_IMPORT = 1, CMD_EXPORT = 2, CMD_INFO = 4, CMD_HEAD = 8, CMD_SHUFFLE = 16,
    CMD_SPLIT = 32, CMD_SHOW = 64, CMD_COUNT = 7
};

/* The commands that use option c: every other one refuses it. */
static unsigned option_commands(int c)
{
    switch (c) {
    case 't': case OPT_TARGET: case OPT_WEIGHT: case OPT_NAMES: case OPT_DTYPE:
    case OPT_NO_HEADER: case OPT_NONFINITE: case OPT_RANK: case OPT_CHUNK: case OPT_FEATURES:
    case OPT_CATEGORICAL:
        return CMD_IMPORT;
    case OPT_NAME: case OPT_DELIM: case OPT_HEADER: case OPT_MISSING: case OPT_ZERO_BASED:
    case OPT_ONE_BASED:
        return CMD_IMPORT | CMD_EXPORT;
    case OPT_FORMAT: return CMD_IMPORT | CMD_EXPORT | CMD_SHOW;
    case 'o': return CMD_IMPORT | CMD_EXPORT | CMD_HEAD | CMD_SHUFFLE;
    case OPT_ZLIB: return CMD_IMPORT | CMD_HEAD | CMD_SHUFFLE | CMD_SPLIT;
    case 'n': return CMD_HEAD;
    case OPT_SEED: return CMD_SHUFFLE | CMD_SPLIT;
    case OPT_FRACTION: case OPT_FOLDS: case OPT_FOLD: case OPT_STRATIFY: case OPT_GROUP:
        return CMD_SPLIT;
    default: return 0;
    }
}

static const struct option LONGS[] = {
    {"targets", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
    {"name", required_argument, 0, OPT_NAME}, {"dtype", required_argument, 0, OPT_DTYPE},
    {"format", required_argument, 0, OPT_FORMAT},
    {"delimiter", required_argument, 0, OPT_DELIM}, {"header", no_argument, 0, OPT_HEADER},
    {"no-header", no_argument, 0, OPT_NO_HEADER},
    {"allow-nonfinite", no_argument, 0, OPT_NONFINITE},
    {"chunk-rows", required_argument, 0, OPT_CHUNK}, {"zlib", no_argument, 0, OPT_ZLIB},
    {"seed", required_argument, 0, OPT_SEED},
    {"fraction", required_argument, 0, OPT_FRACTION}, {"help", no_argument, 0, 'h'},
    {"features", required_argument, 0, OPT_FEATURES},
    {"folds", required_argument, 0, OPT_FOLDS}, {"fold", required_argument, 0, OPT_FOLD},
    {"stratify", no_argument, 0, OPT_STRATIFY}, {"group", required_argument, 0, OPT_GROUP},
    {"rank", required_argument, 0, OPT_RANK},
    {"target", required_argument, 0, OPT_TARGET}, {"weight", required_argument, 0, OPT_WEIGHT},
    {"names", required_argument, 0, OPT_NAMES}, {"missing", required_argument, 0, OPT_MISSING},
    {"categorical", required_argument, 0, OPT_CATEGORICAL},
    {"zero-based", no_argument, 0, OPT_ZERO_BASED}, {"one-based", no_argument, 0, OPT_ONE_BASED},
    {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};

static const cli_spec SPEC;

/* Refuses option c where the command does not use it ("head: --dtype does
 * not apply (an option of import)"), rather than ignoring it. */
static int check_applies(const args *a, int c, dl_err *e)
{
    return a->cmd_bit && cli_refuse_option(&SPEC, a->cmd, a->cmd_bit, c, option_commands(c),
                                           COMMANDS, CMD_COUNT, e)
               ? e->code
               : 0;
}

static int parse_option(int c, const char *v, void *ctx, dl_err *e)
{
    args *a = ctx;
    long l;
    if (check_applies(a, c, e))
        return e->code;
    switch (c) {
    case 't': a->imp.targets_given = 1; return cli_u64("--targets", v, &a->imp.targets, e);
    case OPT_TARGET: return once("--target", &a->imp.target, v, e);
    case OPT_WEIGHT: return once("--weight", &a->imp.weight, v, e);
    case OPT_NAMES: return once("--names", &a->imp.names, v, e);
    case OPT_CATEGORICAL: return once("--categorical", &a->imp.categorical, v, e);
    case OPT_MISSING:
        a->exp.missing = v;
        return once("--missing", &a->imp.missing, v, e);
    case OPT_ZERO_BASED:
    case OPT_ONE_BASED:
        if (a->imp.zero_based >= 0)
            return dl_fail(e, DL_EUSAGE, "--zero-based and --one-based exclude each other");
        a->imp.zero_based = c == OPT_ZERO_BASED;
        return 0;
    case 'n': return cli_u64("-n", v, &a->rows, e);
    case 'o': a->output = v; return 0;
    case OPT_NAME:
        if (a->name) /* the last one silently winning hid the mistake */
            return dl_fail(e, DL_EUSAGE, "--name given twice ('%s', then '%s'): give one name "
                           "(export: NAME,NAME,... side by side)", a->name, v);
        a->name = v;
        return 0;
    case OPT_DTYPE:
        a->imp.dtype = dl_dtype_parse(v);
        if (a->imp.dtype != DL_F32 && a->imp.dtype != DL_F64)
            return dl_fail(e, DL_EUSAGE, "--dtype: '%s' is not f32 or f64", v);
        return 0;
    case OPT_FORMAT:
        a->format = v;
        if (a->cmd && strcmp(a->cmd, "show") == 0)
            return shw_format_parse(v) < 0
                       ? dl_fail(e, DL_EUSAGE, "--format: '%s' is not text or json", v) : 0;
        a->imp.format = a->exp.format = tx_format_parse(v);
        if (a->imp.format < 0)
            return dl_fail(e, DL_EUSAGE, "--format: '%s' is not csv, tsv, npy, svmlight or "
                           "text", v);
        return 0;
    case OPT_DELIM:
        if (parse_delimiter(v, &a->imp.delimiter, e))
            return e->code;
        a->exp.delimiter = a->imp.delimiter;
        return 0;
    case OPT_HEADER: a->imp.header = a->exp.header = 1; a->seen_header = 1; return 0;
    case OPT_NO_HEADER: a->imp.header = 0; a->seen_header = 1; return 0;
    case OPT_NONFINITE: a->imp.allow_nonfinite = 1; return 0;
    case OPT_RANK:
        if (strcmp(v, "1") != 0 && strcmp(v, "2") != 0)
            return dl_fail(e, DL_EUSAGE, "--rank: '%s' is not 1 or 2", v);
        a->imp.rank = v[0] - '0';
        return 0;
    case OPT_CHUNK:
        if (cli_long("--chunk-rows", v, 1, 1L << 30, &l, e))
            return e->code;
        a->imp.chunk_rows = (uint64_t)l;
        return 0;
    case OPT_FEATURES:
        if (cli_long("--features", v, 1, 1L << 24, &l, e))
            return e->code;
        a->imp.features = (uint64_t)l;
        return 0;
    case OPT_ZLIB: a->zlib = 1; return 0;
    case OPT_SEED: return cli_u64("--seed", v, &a->seed, e);
    case OPT_FRACTION:
        if (cli_double("--fraction", v, &a->split.fraction, e))
            return e->code;
        if (!(a->split.fraction >= 0 && a->split.fraction <= 1))
            return dl_fail(e, DL_EUSAGE, "--fraction: '%s' is not between 0 and 1", v);
        return 0;
    case OPT_FOLDS:
        if (cli_long("--folds", v, 2, 1L << 30, &l, e))
            return e->code;
        a->split.folds = (uint64_t)l;
        return 0;
    case OPT_FOLD:
        if (cli_long("--fold", v, 1, 1L << 30, &l, e))
            return e->code;
        if (a->split.fold) /* not two test folds: the last one silently won */
            return dl_fail(e, DL_EUSAGE, "--fold given twice (%llu, then %ld): OUT2 is one fold "
                           "(split once per fold)", (unsigned long long)a->split.fold, l);
        a->split.fold = (uint64_t)l;
        return 0;
    case OPT_STRATIFY: a->split.stratify = 1; return 0;
    case OPT_GROUP:
        if (!*v)
            return dl_fail(e, DL_EUSAGE, "--group: a column of x or a record name");
        if (a->split.group) /* not groups of two columns: the last one silently won */
            return dl_fail(e, DL_EUSAGE, "--group given twice ('%s', then '%s'): give one column "
                           "(or a record of the groups)", a->split.group, v);
        a->split.group = v;
        return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* The options and operands of command cmd in argv[1..argc-1] (argv[0]
 * stands for the program's name, as getopt expects).  0 to run, 1 after
 * --help/--version, or DL_EUSAGE. */
static const cli_spec SPEC = {TOOL, usage, ":t:o:n:hV", LONGS, parse_option};

static int parse_args(args *a, const char *cmd, int argc, char **argv, dl_err *e)
{
    memset(a, 0, sizeof *a);
    tx_import_defaults(&a->imp);
    tx_export_defaults(&a->exp);
    a->rows = 10;
    ds_split_defaults(&a->split);
    a->cmd = cmd;
    a->cmd_bit = cli_command_bit(cmd, COMMANDS, CMD_COUNT);
    int rc = cli_parse_options(argc, argv, &SPEC, a, e);
    if (rc)
        return rc;
    a->files = argv + optind;
    a->nfiles = argc - optind;
    return 0;
}

static int at_most_files(const args *a, int allowed_files, dl_err *e)
{
    if (a->nfiles > allowed_files)
        return dl_fail(e, DL_EUSAGE, "%s: unexpected argument '%s'", a->cmd,
                       a->files[allowed_files]);
    return 0;
}

static const char *input(const args *a) { return a->nfiles ? a->files[0] : NULL; }

/* -o (standard output without it) may not be the FILE it reads. */
static int output_not_input(const args *a, dl_err *e)
{
    if (dl_outfile_not_input("-o", a->output, "FILE", input(a), e))
        return dl_err_wrap(e, "%s", a->cmd);
    return 0;
}

static int check_name(const char *option, const char *name, size_t len, dl_err *e)
{
    if (len == 0 || len > DL_NAME_MAX)
        return dl_fail(e, DL_EUSAGE, "%s: a name of 1 to %d bytes", option, DL_NAME_MAX);
    if (dl_name_fault(name, len))
        return dl_fail(e, DL_EUSAGE, "%s: the name %s", option, dl_name_fault(name, len));
    return 0;
}

/* import: one name, without the commas that separate export's names. */
static int import_name(args *a, dl_err *e)
{
    if (!a->name)
        return 0;
    if (strchr(a->name, ','))
        return dl_fail(e, DL_EUSAGE, "import --name: '%s': one name, without commas", a->name);
    a->imp.name = a->name;
    return check_name("--name", a->name, strlen(a->name), e);
}

/* export: NAME,NAME,... into a->exp.names. */
static int export_names(args *a, dl_err *e)
{
    if (!a->name)
        return 0;
    if (tx_list_parse(&a->names, "--name", a->name, e))
        return e->code;
    for (size_t n = 0; n < a->names.count; n++) {
        const char *name = a->names.item[n];
        if (n == TX_EXPORT_NAMES_MAX)
            return dl_fail(e, DL_EUSAGE, "--name: at most %d records side by side",
                           TX_EXPORT_NAMES_MAX);
        if (check_name("--name", name, strlen(name), e))
            return e->code;
        for (size_t i = 0; i < n; i++)
            if (strcmp(a->names.item[i], name) == 0)
                return dl_fail(e, DL_EUSAGE, "--name: '%s' named twice", name);
    }
    a->exp.names = (const char *const *)a->names.item;
    a->exp.nnames = a->names.count;
    return 0;
}

/* Progress on a terminal's stderr, at most once a second, for long imports. */
typedef struct progress {
    const char *label;
    time_t last;
    int shown;
} progress;

static void show_progress(void *ctx, uint64_t rows)
{
    progress *p = ctx;
    time_t now = time(NULL);
    if (now == p->last)
        return;
    p->last = now;
    p->shown = 1;
    fprintf(stderr, "\rdl-tensor: %s: %llu row%s",
            p->label, (unsigned long long)rows, dl_plural((unsigned long long)rows));
}

static int cmd_import(args *a, dl_err *e)
{
    if (at_most_files(a, 1, e) || import_name(a, e) || output_not_input(a, e))
        return e->code;
    if (a->imp.name && (a->imp.targets || a->imp.target || a->imp.weight))
        return dl_fail(e, DL_EUSAGE, "import: --name and %s exclude each other",
                       a->imp.weight ? "--weight" : a->imp.target ? "--target" : "--targets");
    if (a->imp.target && a->imp.targets_given)
        return dl_fail(e, DL_EUSAGE, "import: --target (by name) and --targets (a count) "
                       "exclude each other");
    if (a->imp.rank == 1 && (a->imp.targets || a->imp.target || a->imp.weight))
        return dl_fail(e, DL_EUSAGE, "import: --rank 1 makes one record: it excludes %s",
                       a->imp.weight ? "--weight" : a->imp.target ? "--target" : "--targets");
    progress p = {input(a) ? input(a) : "<stdin>", time(NULL), 0};
    if (isatty(STDERR_FILENO)) {
        a->imp.progress = show_progress;
        a->imp.progress_ctx = &p;
    }
    st_writer *w;
    if (st_writer_open(&w, a->output, a->zlib ? ST_ZLIB : 0, e))
        return e->code;
    int rc = tx_import(input(a), &a->imp, w, e);
    if (p.shown)
        fputc('\n', stderr);
    if (rc) {
        st_writer_abort(w);
        return rc;
    }
    return st_writer_close(w, e);
}

static int cmd_export(args *a, dl_err *e)
{
    if (at_most_files(a, 1, e) || export_names(a, e) || output_not_input(a, e))
        return e->code;
    if (a->exp.format == TX_TEXT || a->exp.format < 0)
        return dl_fail(e, DL_EUSAGE, "export: --format is csv, tsv, npy or svmlight");
    if (a->exp.format == TX_SVMLIGHT && (a->exp.header || a->exp.nnames))
        return dl_fail(e, DL_EUSAGE, "export: svmlight has no header and needs x and y: %s "
                       "does not apply", a->exp.header ? "--header" : "--name");
    if (a->exp.format == TX_NPY && a->exp.missing)
        return dl_fail(e, DL_EUSAGE, "export: --missing applies to text, not .npy");
    if ((a->exp.format == TX_NPY || a->exp.format == TX_SVMLIGHT) &&
        (a->exp.delimiter || a->exp.header || a->exp.missing)) /* the rest, of either */
        return dl_fail(e, DL_EUSAGE, "export: %s applies to CSV/TSV, not %s",
                       a->exp.delimiter ? "--delimiter" : a->exp.header ? "--header" : "--missing",
                       a->exp.format == TX_NPY ? ".npy" : "svmlight");
    if (a->imp.zero_based >= 0 && a->exp.format != TX_SVMLIGHT)
        return dl_fail(e, DL_EUSAGE, "export: --%s-based applies to --format svmlight only",
                       a->imp.zero_based ? "zero" : "one");
    a->exp.one_based = a->imp.zero_based == 0;
    if (a->exp.format == TX_AUTO)
        a->exp.format = TX_CSV;
    return tx_export(input(a), a->output, &a->exp, e);
}

/* Every FILE is listed, as wc counts every file: one that cannot be read,
 * or whose listing a damaged record ends, is reported at once, in its
 * place among the listings, and the rest go on.  The status is the first
 * failure's; main prints nothing more (a->reported). */
static int cmd_info(args *a, dl_err *e)
{
    if (cli_stdin_once_each("FILE", (const char *const *)a->files, (size_t)a->nfiles, e))
        return dl_err_wrap(e, "info");
    for (int i = 0; i < (a->nfiles ? a->nfiles : 1); i++)
        if (dl_outfile_not_input("-o", NULL, "FILE", a->nfiles ? a->files[i] : NULL, e))
            return dl_err_wrap(e, "info");
    if (a->nfiles == 0)
        return ds_info(stdout, NULL, e);
    int status = 0;
    for (int i = 0; i < a->nfiles; i++) {
        if (!ds_info(stdout, a->files[i], e))
            continue;
        fflush(stdout); /* the listings before it first, where both go to one file */
        cli_report(TOOL, e);
        a->reported = 1;
        if (!status)
            status = e->code;
    }
    return status;
}

static int cmd_rows(args *a, int shuffled, dl_err *e)
{
    if (at_most_files(a, 1, e) || output_not_input(a, e))
        return e->code;
    int flags = a->zlib ? ST_ZLIB : 0;
    return shuffled ? ds_shuffle(input(a), a->output, a->seed, flags, e)
                    : ds_head(input(a), a->output, a->rows, flags, e);
}

static int cmd_split(args *a, dl_err *e)
{
    if (at_most_files(a, 3, e))
        return e->code;
    if (a->nfiles != 3)
        return dl_fail(e, DL_EUSAGE, "split: needs IN OUT1 OUT2");
    if (dl_outfile_not_input("OUT1", a->files[1], "IN", a->files[0], e) ||
        dl_outfile_not_input("OUT2", a->files[2], "IN", a->files[0], e))
        return dl_err_wrap(e, "split");
    a->split.seed = a->seed;
    return ds_split(a->files[0], a->files[1], a->files[2], &a->split, a->zlib ? ST_ZLIB : 0, e);
}

static int cmd_show(args *a, dl_err *e)
{
    if (at_most_files(a, 1, e) || output_not_input(a, e))
        return e->code;
    return shw_show(input(a), a->format ? shw_format_parse(a->format) : SHW_TEXT, e);
}

static int run(args *a, dl_err *e)
{
    const char *c = a->cmd;
    if (strcmp(c, "import") == 0)
        return cmd_import(a, e);
    if (strcmp(c, "export") == 0)
        return cmd_export(a, e);
    if (strcmp(c, "info") == 0)
        return cmd_info(a, e);
    if (strcmp(c, "head") == 0)
        return cmd_rows(a, 0, e);
    if (strcmp(c, "shuffle") == 0)
        return cmd_rows(a, 1, e);
    if (strcmp(c, "split") == 0)
        return cmd_split(a, e);
    if (strcmp(c, "show") == 0)
        return cmd_show(a, e);
    return dl_fail(e, DL_EUSAGE, "unknown command '%s' (import, export, info, head, shuffle, split, "
                   "show)", c);
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    dl_err e;
    dl_err_clear(&e);
    args a;
    /* without a command only --help and --version make sense; a command
     * stands in for the program's name before its options */
    int has_cmd = argc >= 2 && argv[1][0] != '-';
    int rc = has_cmd ? parse_args(&a, argv[1], argc - 1, argv + 1, &e)
                     : parse_args(&a, NULL, argc, argv, &e);
    if (rc == 1)
        return 0; /* --help or --version */
    if (!rc && !has_cmd && a.nfiles && cli_command_bit(a.files[0], COMMANDS, CMD_COUNT))
        rc = dl_fail(&e, DL_EUSAGE, "the command '%s' comes first, before any option "
                     "(dl-tensor %s [OPTION]...)", a.files[0], a.files[0]);
    else if (!rc && !has_cmd)
        rc = dl_fail(&e, DL_EUSAGE,
                     "a command is needed (import, export, info, head, shuffle, split, show)");
    if (!rc)
        rc = run(&a, &e);
    tx_list_free(&a.names);
    if (rc && a.reported)
        return rc;
    return rc ? cli_exit(TOOL, &e) : 0;
}
