/* dl-predict - apply a checkpoint to a stream of raw x, chunk by chunk:
 * writes 'yhat' (and 'ystd' for a model with a posterior), passes every
 * other record (such as 'y') through (see man/dl-predict.1). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "filter_main.h"
#include "model.h"
#include "stream.h"

static const char *const TOOL = "dl-predict";

typedef struct predict_args {
    filter_io io;
    const char *checkpoint;
    int no_std, labels;
    double threshold;
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
           "                        networks: argmax for ce, threshold for bce)\n"
           "      --threshold=T     the bce threshold for --labels (default 0.5)\n"
           "  -o, --output=FILE     write to FILE, atomically (default: standard output)\n"
           "      --zlib            compress records\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory.\n"
           "See dl-predict(1).\n",
           TOOL);
}

enum { OPT_NO_STD = 256, OPT_ZLIB, OPT_LABELS, OPT_THRESHOLD };

static int parse_option(int c, const char *arg, void *args, dl_err *e)
{
    predict_args *a = args;
    switch (c) {
    case 'o': a->io.output = arg; return 0;
    case OPT_NO_STD: a->no_std = 1; return 0;
    case OPT_ZLIB: a->io.flags |= ST_ZLIB; return 0;
    case OPT_LABELS: a->labels = 1; return 0;
    case OPT_THRESHOLD: return cli_double("--threshold", arg, &a->threshold, e);
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 1: run, 0: --help/--version done, <0: usage error printed. */
static int parse_args(int argc, char **argv, void *args)
{
    static const struct option longs[] = {
        {"no-std", no_argument, 0, OPT_NO_STD}, {"zlib", no_argument, 0, OPT_ZLIB},
        {"labels", no_argument, 0, OPT_LABELS}, {"threshold", required_argument, 0, OPT_THRESHOLD},
        {"output", required_argument, 0, 'o'}, {"help", no_argument, 0, 'h'},
        {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    predict_args *a = args;
    memset(a, 0, sizeof *a);
    a->threshold = 0.5;
    return filter_getopt(TOOL, argc, argv, ":o:hV", longs, parse_option, a, usage, "CHECKPOINT",
                         &a->checkpoint, &a->io.input);
}

static int record_error(st_reader *r, const st_header *h, dl_err *e)
{
    return dl_err_wrap(e, "%s: record %llu ('%s')", st_reader_label(r),
                       (unsigned long long)h->index, h->name);
}

static int predict_chunk(mdl_model *m, st_reader *r, const st_header *h, st_writer *w,
                         int want_std, const predict_args *a, dl_err *e)
{
    dl_tensor x, yhat, ystd;
    if (st_read_payload(r, h, &x, e))
        return e->code;
    int rc = mdl_predict(m, &x, &yhat, want_std ? &ystd : NULL, e);
    dl_tensor_free(&x);
    if (!rc && a->labels && mdl_labels(m, &yhat, a->threshold, e)) {
        dl_tensor_free(&yhat);
        rc = e->code;
    }
    if (rc)
        return record_error(r, h, e);
    rc = st_write(w, &yhat, e) || (want_std && st_write(w, &ystd, e));
    dl_tensor_free(&yhat);
    if (want_std)
        dl_tensor_free(&ystd);
    return rc ? e->code : 0;
}

/* Input that already went through the checkpoint's own design is accepted. */
static int input_design(mdl_model *m, st_reader *r, const st_header *h, dl_err *e)
{
    dl_tensor rec;
    if (st_read_payload(r, h, &rec, e))
        return e->code;
    int rc = mdl_accept_design(m, &rec, e);
    dl_tensor_free(&rec);
    return rc ? record_error(r, h, e) : 0;
}

static int predict_stream(mdl_model *m, st_reader *r, st_writer *w, int want_std,
                          const predict_args *a, dl_err *e)
{
    st_header h;
    int got = 0, rc = 0, seen_x = 0;
    while (!rc && (got = st_next_header(r, &h, e)) == 1) {
        if (strcmp(h.name, "x") == 0) {
            seen_x = 1;
            rc = predict_chunk(m, r, &h, w, want_std, a, e);
        } else if (strcmp(h.name, "design") == 0) {
            rc = seen_x && !mdl_design_upstream(m)
                     ? dl_fail(e, DL_EDATA, "%s: record %llu: a design record after raw x",
                               st_reader_label(r), (unsigned long long)h.index)
                     : input_design(m, r, &h, e);
        } else if (strcmp(h.name, "yhat") == 0 || strcmp(h.name, "ystd") == 0) {
            rc = dl_fail(e, DL_EDATA, "%s: record %llu: the input already has '%s'",
                         st_reader_label(r), (unsigned long long)h.index, h.name);
        } else {
            rc = st_copy_record(r, &h, w, e) ? e->code : 0;
        }
    }
    return filter_loop_end(r, rc, got, seen_x, e);
}

static int predict_body(st_reader *r, st_writer *w, void *args, dl_err *e)
{
    const predict_args *a = args;
    mdl_model *m = NULL;
    int rc = mdl_load(&m, a->checkpoint, e) ||
             predict_stream(m, r, w, mdl_has_std(m) && !a->no_std, a, e);
    mdl_free(m);
    return rc ? e->code : 0;
}

int main(int argc, char **argv)
{
    predict_args a;
    memset(&a, 0, sizeof a);
    return filter_main(TOOL, argc, argv, parse_args, predict_body, &a, &a.io);
}
