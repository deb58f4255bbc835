/* dl-train - train a network from a YAML spec on x, y from a stream and
 * write the checkpoint.  Parses the command line, joins the processes of a
 * data-parallel run, loads the spec and calls lib/train's run; see
 * man/dl-train.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "cli.h"
#include "dist.h"
#include "outfile.h"
#include "shard.h"
#include "sig.h"
#include "spec.h"
#include "train.h"

static const char *const TOOL = "dl-train";

static void usage(void)
{
    printf("Usage: dl-train [OPTION]... SPEC [DATA]\n"
           "Train the network that the YAML file SPEC describes (see dl-spec(5); - is\n"
           "standard input when DATA is a file) on the records x and y of the stream\n"
           "DATA (default: standard input) and write the checkpoint (the effective spec,\n"
           "the best epoch's weights, the training state) to standard output or -o FILE.\n"
           "A record w in DATA weighs the rows' losses (the weighted mean), as does\n"
           "training.class_weight (balanced or {class: weight}) in the spec.\n"
           "One line per epoch goes to standard error.  Started by mpirun or srun, the\n"
           "processes train one network together, each on its share of DATA's rows\n"
           "(see dl-train(1), DATA-PARALLEL TRAINING).\n"
           "\n"
           "  -s, --set KEY.PATH=VALUE  override a spec key, e.g. -s optimizer.lr=3e-4 or\n"
           "                            -s model.layers.2.units=32 (repeatable, in order)\n"
           "  -o, --output FILE         write the checkpoint to FILE atomically\n"
           "                            (default: standard output, never a terminal;\n"
           "                            under mpirun, give -o FILE)\n"
           "      --val FILE            validation data (x, y); replaces training.validation\n"
           "      --resume CKPT         continue the run saved in CKPT exactly (the same spec\n"
           "                            but training.epochs and early_stopping.patience)\n"
           "      --init-from CKPT      start from CKPT's weights (new optimizer, epoch 0)\n"
           "      --log FILE            learning curve as TSV: epoch, train_loss, val_loss,\n"
           "                            lr, seconds, best, grad_norm\n"
           "      --diagnostics FILE    per epoch and layer: mean/std of pre-activations and\n"
           "                            activations, weight and bias gradient norms (TSV)\n"
           "      --print-config        print the effective spec as YAML and exit\n"
           "  -j, --threads N           BLAS threads (default 0: OpenBLAS's own choice)\n"
           "  -q, --quiet               no progress on standard error\n"
           "      --zlib                deflate the checkpoint's records\n"
           "  -h, --help                this help;  -V, --version  the version\n"
           "\n"
           "Exit status: 0 ok, 1 bad data or spec, 2 bad usage, 3 input/output error,\n"
           "4 out of memory, 5 NaN/Inf loss or weights (the best checkpoint so far is\n"
           "written), 6 interrupted by SIGINT/SIGTERM/SIGHUP (while training: the best\n"
           "checkpoint so far is written; a second signal ends it at once, writing nothing).\n");
}

enum { OPT_VAL = 256, OPT_RESUME, OPT_INIT, OPT_LOG, OPT_DIAG, OPT_PRINT, OPT_ZLIB };

typedef struct args {
    const char *spec;
    tr_files files;
    const char **sets;
    size_t n_sets;
    long threads;
    int print_config;
} args;

static int parse_option(int c, const char *arg, void *ctx, dl_err *e)
{
    args *a = ctx;
    switch (c) {
    case 's': a->sets[a->n_sets++] = arg; return 0;
    case 'o': a->files.output = arg; return 0;
    case OPT_VAL: a->files.val = arg; return 0;
    case OPT_RESUME: a->files.resume = arg; return 0;
    case OPT_INIT: a->files.init_from = arg; return 0;
    case OPT_LOG: a->files.log = arg; return 0;
    case OPT_DIAG: a->files.diag = arg; return 0;
    case OPT_PRINT: a->print_config = 1; return 0;
    case 'j': return cli_long("-j", arg, 0, 256, &a->threads, e);
    case 'q': a->files.quiet = 1; return 0;
    case OPT_ZLIB: a->files.zlib = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
/* -o, --log and --diagnostics are committed as one output: each its own file.
 * The checkpoint without -o (or -o -) goes to standard output, NULL to
 * dl_outfile_same; --log - is a file named '-'. */
static int distinct_outputs(const args *a, dl_err *e)
{
    const char *out = a->files.output;
    const char *path[] = {out && strcmp(out, "-") ? out : NULL, a->files.log, a->files.diag};
    const char *option[] = {"-o", "--log", "--diagnostics"};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if ((path[i] || i == 0) && path[j] && dl_outfile_same(path[i], path[j]))
                return dl_fail(e, DL_EUSAGE, "%s and %s name the same file", option[i],
                               option[j]);
    return 0;
}

static int parse_args(int argc, char **argv, args *a, dl_err *e)
{
    static const struct option longs[] = {
        {"set", required_argument, 0, 's'},       {"output", required_argument, 0, 'o'},
        {"val", required_argument, 0, OPT_VAL},   {"resume", required_argument, 0, OPT_RESUME},
        {"init-from", required_argument, 0, OPT_INIT}, {"log", required_argument, 0, OPT_LOG},
        {"diagnostics", required_argument, 0, OPT_DIAG},
        {"print-config", no_argument, 0, OPT_PRINT}, {"threads", required_argument, 0, 'j'},
        {"quiet", no_argument, 0, 'q'},           {"zlib", no_argument, 0, OPT_ZLIB},
        {"help", no_argument, 0, 'h'},            {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    static const cli_spec spec = {TOOL, usage, ":s:o:j:qhV", longs, parse_option};
    /* each -s takes at least one word of argv, so argc bounds their count */
    a->files.tool = TOOL;
    a->files.version = DL_VERSION;
    a->sets = calloc((size_t)argc, sizeof *a->sets);
    if (!a->sets)
        return dl_fail(e, DL_ENOMEM, "out of memory");
    int rc = cli_parse_options(argc, argv, &spec, a, e);
    if (rc)
        return rc;
    if (optind >= argc)
        return dl_fail(e, DL_EUSAGE, "missing the SPEC argument");
    if (argc - optind > 2)
        return dl_fail(e, DL_EUSAGE, "unexpected argument '%s'", argv[optind + 2]);
    a->spec = argv[optind];
    a->files.data = optind + 1 < argc ? argv[optind + 1] : NULL;
    if (!a->print_config && cli_stdin_once("SPEC", a->spec, "DATA", a->files.data, e))
        return e->code;
    /* --print-config writes the spec on standard output: not over it (>> SPEC) */
    if (a->print_config && dl_outfile_not_input(NULL, NULL, "SPEC", a->spec, e))
        return e->code;
    if (a->files.resume && a->files.init_from)
        return dl_fail(e, DL_EUSAGE, "--resume and --init-from exclude each other");
    return distinct_outputs(a, e);
}

/* Standard input is read once: by SPEC or DATA (parse_args refuses both),
 * or by the validation file (--val, or the spec's training.validation),
 * --resume or --init-from, which name it "-". */
static int stdin_read_once(const args *a, const dl_spec *s, dl_err *e)
{
    const char *name[] = {"SPEC", "DATA", a->files.val ? "--val" : "training.validation",
                          "--resume", "--init-from"};
    const char *path[] = {a->spec, a->files.data ? a->files.data : "-",
                          s->val_file[0] ? s->val_file : NULL, a->files.resume,
                          a->files.init_from};
    size_t n = sizeof path / sizeof *path;
    for (size_t i = 0; i < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (path[i] && path[j] && cli_stdin_once(name[i], path[i], name[j], path[j], e))
                return e->code;
    return 0;
}

/* No output is a file the run reads, but for -o naming the checkpoint of
 * --resume or --init-from, which is read whole first and which a run that
 * goes on from it is meant to replace.  --log - is a file named '-'. */
static int outputs_not_inputs(const args *a, const dl_spec *s, dl_err *e)
{
    const char *in_name[] = {"SPEC", "DATA", a->files.val ? "--val" : "training.validation",
                             "--resume", "--init-from"};
    const char *in[] = {a->spec, a->files.data ? a->files.data : "-",
                        s->val_file[0] ? s->val_file : NULL, a->files.resume, a->files.init_from};
    const char *log = a->files.log, *diag = a->files.diag;
    const char *out_name[] = {"-o", "--log", "--diagnostics"};
    const char *out[] = {a->files.output ? a->files.output : "-",
                         log && strcmp(log, "-") == 0 ? "./-" : log,
                         diag && strcmp(diag, "-") == 0 ? "./-" : diag};
    for (size_t i = 0; i < sizeof out / sizeof *out; i++)
        for (size_t j = 0; j < sizeof in / sizeof *in; j++)
            if (out[i] && in[j] && !(i == 0 && j >= 3) &&
                dl_outfile_not_input(out_name[i], out[i], in_name[j], in[j], e))
                return e->code;
    return 0;
}

/* Under a launcher every process reads the spec and the checkpoint of
 * --resume or --init-from whole: standard input, which reaches rank 0
 * alone, or a pipe would leave the others another file (the data and the
 * validation file are checked as they are shared). */
static int shareable_inputs(const args *a, dl_err *e)
{
    const tr_files *f = &a->files;
    return sh_shareable(a->spec, "the spec", e) ||
                   (f->resume && sh_shareable(f->resume, "the checkpoint of --resume", e)) ||
                   (f->init_from &&
                    sh_shareable(f->init_from, "the checkpoint of --init-from", e))
               ? e->code
               : 0;
}

static int print_config(const dl_spec *s, dl_err *e)
{
    char *text;
    size_t len;
    if (spec_format(s, &text, &len, e))
        return e->code;
    int ok = fwrite(text, 1, len, stdout) == len && fflush(stdout) == 0;
    free(text);
    return ok ? 0 : dl_fail_errno(e, "standard output");
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    args a = {0};
    tr_session s;
    dl_err e;
    dl_err_clear(&e);
    tr_session_init(&s);
    int rc = parse_args(argc, argv, &a, &e);
    /* before any work, with -j's count (the room of those threads alone):
     * a stuck BLAS thread hangs exit */
    if (dl_blas_reserve(rc ? 0 : a.threads, "-j 1 or OPENBLAS_NUM_THREADS=1", &e))
        cli_abandon(TOOL, &e);
    if (rc == 1) {
        free(a.sets);
        return 0; /* --help or --version */
    }
    /* --print-config joins too: under a launcher, rank 0 alone prints. */
    int joined = !rc && !(rc = dd_open(&s.group, &e));
    if (!rc && s.group.size > 1)
        rc = shareable_inputs(&a, &e);
    if (!rc)
        rc = spec_load(&s.spec, a.spec, a.sets, a.n_sets, &e);
    if (!rc && a.files.val)
        rc = spec_set_val_file(&s.spec, a.files.val, &e);
    if (!rc && !a.print_config)
        rc = stdin_read_once(&a, &s.spec, &e) || outputs_not_inputs(&a, &s.spec, &e) ? e.code
                                                                                      : 0;
    if (!rc && a.print_config)
        rc = s.group.rank == 0 ? print_config(&s.spec, &e) : 0;
    else if (!rc)
        rc = tr_session_run(&s, &a.files, &e);
    /* A process that failed before the start-up handshake still takes part. */
    if (joined && !s.group.agreed)
        rc = dd_agree(&s.group, rc, NULL, NULL, 0, &e);
    tr_session_free(&s);
    free(a.sets);
    /* Another process reports the job's error, or rank 0 the interruption or
     * NaN stop that every process shares.  The message goes out before
     * MPI_Finalize, which waits for every process: the launcher, ending the
     * job at the first non-zero exit, cannot cut it off. */
    int quiet = s.group.peer_failed || (s.group.rank > 0 && (rc == DL_EINTR || rc == DL_ENUM));
    int status = rc || e.code ? quiet ? rc : cli_exit(TOOL, &e) : 0;
    sig_settle(status); /* the launcher may end us in dd_close: nothing more to say */
    if (joined)
        dd_close(&s.group);
    return status;
}
