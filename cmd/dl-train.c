/* dl-train - train a network from a YAML spec on x, y from a stream and
 * write the checkpoint.  Parses the command line, reads the inputs, calls
 * lib/train; see man/dl-train.1. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "blasmem.h"
#include "cli.h"
#include "dist.h"
#include "outfile.h"
#include "shard.h"
#include "sig.h"
#include "spec.h"
#include "stream.h"
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
    const char *spec, *data, *output, *val, *resume, *init_from, *log, *diag;
    const char **sets;
    size_t n_sets;
    long threads;
    int print_config, quiet, zlib;
} args;

static int parse_option(int c, const char *arg, void *ctx, dl_err *e)
{
    args *a = ctx;
    switch (c) {
    case 's': a->sets[a->n_sets++] = arg; return 0;
    case 'o': a->output = arg; return 0;
    case OPT_VAL: a->val = arg; return 0;
    case OPT_RESUME: a->resume = arg; return 0;
    case OPT_INIT: a->init_from = arg; return 0;
    case OPT_LOG: a->log = arg; return 0;
    case OPT_DIAG: a->diag = arg; return 0;
    case OPT_PRINT: a->print_config = 1; return 0;
    case 'j': return cli_long("-j", arg, 0, 256, &a->threads, e);
    case 'q': a->quiet = 1; return 0;
    case OPT_ZLIB: a->zlib = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
/* -o, --log and --diagnostics are committed as one output: each its own file. */
static int distinct_outputs(const args *a, dl_err *e)
{
    const char *path[] = {a->output, a->log, a->diag};
    const char *option[] = {"-o", "--log", "--diagnostics"};
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (path[i] && path[j] && dl_outfile_same(path[i], path[j]))
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
    a->data = optind + 1 < argc ? argv[optind + 1] : NULL;
    int data_stdin = !a->data || strcmp(a->data, "-") == 0;
    if (!a->print_config && strcmp(a->spec, "-") == 0 && data_stdin)
        return dl_fail(e, DL_EUSAGE, "SPEC and DATA cannot both be standard input");
    if (a->resume && a->init_from)
        return dl_fail(e, DL_EUSAGE, "--resume and --init-from exclude each other");
    return distinct_outputs(a, e);
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

/* The whole set, or in a data-parallel run this process's share of its
 * rows.  One process reads large raw records in parts on BLAS's threads,
 * idle till training starts (st_read_set_shared: parked instead from a
 * deflated record on).  A process of several parks BLAS's idle workers:
 * from the library's load they spin for about 0.1 s, on the core where
 * deflated records are inflated beside this thread. */
static int read_rows(const dd_group *g, const char *path, dl_tensor_set *set, sh_share *share,
                     dl_err *e)
{
    if (g->size == 1)
        return st_read_set_shared(path, set, e);
    int had = dl_blas_set_threads(1);
    dl_blas_park();
    int rc = sh_read(path, g->rank, g->size, set, share, e);
    dl_blas_set_threads(had);
    return rc;
}

/* A --log or --diagnostics file: written during the run to its temporary
 * beside it, which can be followed (a run killed by SIGKILL leaves it, the
 * curve so far), and moved into place with the checkpoint. */
static int open_text(const char *path, dl_outfile *o, FILE **f, dl_err *e)
{
    return path ? dl_outfile_fopen(o, path, f, e) : 0;
}

/* Everything a run holds, freed in one place. */
typedef struct run {
    dd_group group;          /* the processes of a data-parallel run (or one) */
    sh_share data_share, val_share;
    dl_spec spec;
    dl_tensor_set data, val, resume, init_from, ckpt;
    FILE *log, *diag;
    dl_outfile log_file, diag_file;
    st_writer *out;          /* the checkpoint's (rank 0's) */
} run;

/* Closes a --log or --diagnostics file of a finished run, for committing
 * with the checkpoint. */
static int close_text(dl_outfile *o, FILE **f, dl_err *e)
{
    FILE *open = *f;
    *f = NULL;
    return open ? dl_outfile_fclose_pending(o, open, e) : 0;
}

/* Writes the checkpoint and commits it with the --log and --diagnostics
 * files as one output: all of them appear, or none. */
static int commit_outputs(run *r, dl_err *e)
{
    dl_outfile *texts[2];
    size_t n = 0;
    if (r->log)
        texts[n++] = &r->log_file;
    if (r->diag)
        texts[n++] = &r->diag_file;
    st_writer *w = r->out;
    r->out = NULL;
    if (st_write_set(w, &r->ckpt, e) || close_text(&r->log_file, &r->log, e) ||
        close_text(&r->diag_file, &r->diag, e)) {
        st_writer_abort(w);
        while (n-- > 0)
            dl_outfile_abort(texts[n]);
        return e->code;
    }
    return st_writer_close_with(&w, 1, texts, n, e);
}

/* A path as messages name it: "-" is standard input; NULL stays NULL. */
static const char *stdin_label(const char *path)
{
    return path && strcmp(path, "-") == 0 ? "<stdin>" : path;
}

static int train(const args *a, run *r, dl_err *e)
{
    const char *val_path = r->spec.val_file[0] ? r->spec.val_file : NULL; /* or --val's */
    /* Rank 0 alone writes; the others only train. */
    int writes = r->group.rank == 0;
    /* Checked first, so that a terminal or a directory where no temporary
     * can be made is refused before any reading or work.  A checkpoint
     * renamed into place gets its temporary only when it is written
     * (ST_LATE): a rank 0 killed while training (mpirun's SIGKILL when a
     * peer died and the deferred stop cannot end its step) leaves nothing
     * behind; what writing it needs is allocated before training. */
    int in_place = 1;
    /* mpirun gives each process's standard output a terminal that it
     * forwards, whatever its own is: the launcher's redirection cannot help */
    int to_stdout = !a->output || strcmp(a->output, "-") == 0;
    if (writes && r->group.size > 1 && to_stdout && isatty(STDOUT_FILENO))
        return dl_fail(e, DL_EUSAGE, "standard output is a terminal, as a launcher such as "
                       "mpirun makes it even when its own output is redirected: give the "
                       "checkpoint as -o FILE");
    if (writes && ((!to_stdout && dl_outfile_check(a->output, &in_place, e)) ||
                   st_writer_open(&r->out, a->output,
                                  (a->zlib ? ST_ZLIB : 0) | (in_place ? 0 : ST_LATE), e)))
        return e->code;
    if (read_rows(&r->group, a->data, &r->data, &r->data_share, e) ||
        (val_path && read_rows(&r->group, val_path, &r->val, &r->val_share, e)) ||
        (a->resume && st_read_set(a->resume, &r->resume, e)) ||
        (a->init_from && st_read_set(a->init_from, &r->init_from, e)) ||
        (writes && (open_text(a->log, &r->log_file, &r->log, e) ||
                    open_text(a->diag, &r->diag_file, &r->diag, e))))
        return e->code;
    tr_opts c = {
        .spec = &r->spec,
        .data_label = stdin_label(a->data ? a->data : "-"),
        .val_label = val_path,
        .progress = a->quiet || !writes ? NULL : stderr,
        .progress_bar = !a->quiet && writes && isatty(STDERR_FILENO),
        .log = r->log,
        .diagnostics = r->diag,
        /* from here to the end, a first signal asks for the best checkpoint (also of a
         * launcher that stops the other ranks); a second one still ends the run at once */
        .stop = sig_defer(),
        .resume = a->resume ? &r->resume : NULL,
        .init_from = a->init_from ? &r->init_from : NULL,
        .ckpt_label = stdin_label(a->resume ? a->resume : a->init_from),
        .version = DL_VERSION,
        .out = r->out,
        .group = &r->group,
        .data_share = r->group.size > 1 ? &r->data_share : NULL,
        .val_share = r->group.size > 1 && val_path ? &r->val_share : NULL,
    };
    int rc = tr_train(&c, &r->data, val_path ? &r->val : NULL, &r->ckpt, e);
    /* a stop before any epoch leaves no checkpoint to write */
    if ((rc && rc != DL_ENUM && rc != DL_EINTR) || !writes || !r->ckpt.count)
        return rc;
    dl_err we;
    dl_err_clear(&we);
    if (commit_outputs(r, &we)) {
        *e = we;
        return we.code;
    }
    return rc;
}

int main(int argc, char **argv)
{
    cli_start(TOOL);
    args a = {0};
    run r;
    dl_err e;
    dl_err_clear(&e);
    if (dl_blas_reserve(0, &e)) /* before anything: a stuck BLAS thread hangs exit */
        cli_abandon(TOOL, &e);
    memset(&r, 0, sizeof r);
    dl_set_init(&r.data);
    dl_set_init(&r.val);
    dl_set_init(&r.resume);
    dl_set_init(&r.init_from);
    dl_set_init(&r.ckpt);
    int rc = parse_args(argc, argv, &a, &e);
    if (rc == 0 && a.threads > 0 && dl_blas_reserve(a.threads, &e)) /* -j: its threads' too */
        cli_abandon(TOOL, &e);
    if (rc == 1) {
        free(a.sets);
        return 0; /* --help or --version */
    }
    /* --print-config joins too: under a launcher, rank 0 alone prints. */
    int joined = !rc && !(rc = dd_open(&r.group, &e));
    if (!rc)
        rc = spec_load(&r.spec, a.spec, a.sets, a.n_sets, &e);
    if (!rc && a.val)
        rc = spec_set_val_file(&r.spec, a.val, &e);
    if (!rc && a.print_config)
        rc = r.group.rank == 0 ? print_config(&r.spec, &e) : 0;
    else if (!rc)
        rc = train(&a, &r, &e);
    /* A process that failed before the start-up handshake still takes part. */
    if (joined && !r.group.agreed)
        rc = dd_agree(&r.group, rc, NULL, NULL, 0, &e);
    st_writer_abort(r.out);
    if (r.log) /* a run that failed: its logs go with its checkpoint */
        dl_outfile_fclose(&r.log_file, r.log, 0, NULL);
    if (r.diag)
        dl_outfile_fclose(&r.diag_file, r.diag, 0, NULL);
    dl_set_free(&r.data);
    dl_set_free(&r.val);
    dl_set_free(&r.resume);
    dl_set_free(&r.init_from);
    dl_set_free(&r.ckpt);
    free(a.sets);
    /* Another process reports the job's error, or rank 0 the interruption or
     * NaN stop that every process shares.  The message goes out before
     * MPI_Finalize, which waits for every process: the launcher, ending the
     * job at the first non-zero exit, cannot cut it off. */
    int quiet = r.group.peer_failed || (r.group.rank > 0 && (rc == DL_EINTR || rc == DL_ENUM));
    int status = rc || e.code ? quiet ? rc : cli_exit(TOOL, &e) : 0;
    sig_settle(status); /* the launcher may end us in dd_close: nothing more to say */
    if (joined)
        dd_close(&r.group);
    return status;
}
