/* dl-eval - metrics of predictions 'yhat' against truth 'y', as a table for
 * people or one TSV/JSON record per run for scripts (see man/dl-eval.1). */
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "metrics.h"
#include "numtext.h"
#include "stream.h"

static const char *const TOOL = "dl-eval";

enum out_format { FMT_TABLE, FMT_TSV, FMT_JSON };

#define MAX_TAGS 64

typedef struct eval_args {
    const char *input, *truth;
    mt_options opt;
    int eps_given;
    int format;
    int header;
    const char *tags[MAX_TAGS]; /* "key=value" as given */
    size_t ntags;
} eval_args;

static void usage(void)
{
    printf("Usage: %s [OPTION]... [FILE]\n"
           "Evaluate predictions: read a tensor stream with 'yhat' and 'y' from FILE\n"
           "(default: standard input) and print metrics computed as sklearn.metrics does.\n"
           "\n"
           "  -t, --truth=FILE      read 'y' from the stream FILE instead of the input\n"
           "  -T, --task=TASK       auto, regression, binary, multiclass or multilabel\n"
           "                        (default: auto, inferred from shapes and values)\n"
           "      --threshold=T     binary/multilabel decision: positive when yhat >= T\n"
           "                        (default: 0.5)\n"
           "      --q=Q             also report lq = mean |y - yhat|^Q (default: not reported)\n"
           "      --eps=E           log-loss clipping of probabilities to [E, 1-E]\n"
           "                        (default: machine epsilon of yhat's dtype, as sklearn)\n"
           "  -f, --format=FMT      table, tsv or json (default: table)\n"
           "      --tag=KEY=VALUE   add a column KEY with VALUE to the record (repeatable)\n"
           "      --no-header       tsv: omit the header line (to append to a table)\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory.\n"
           "See dl-eval(1).\n",
           TOOL);
}

static int parse_format(const char *s, int *out)
{
    static const char *const names[] = {"table", "tsv", "json"};
    for (int f = 0; f < 3; f++)
        if (strcmp(s, names[f]) == 0) {
            *out = f;
            return 0;
        }
    return -1;
}

/* key=value with a non-empty key; neither may hold tabs, newlines or quotes
 * (they would break the TSV and JSON records). */
static int valid_tag(const char *tag)
{
    const char *eq = strchr(tag, '=');
    return eq && eq != tag && strpbrk(tag, "\t\n\r\"\\") == NULL;
}

static int parse_option(int c, const char *arg, void *ctx, dl_err *e)
{
    eval_args *a = ctx;
    double v;
    switch (c) {
    case 't': a->truth = arg; return 0;
    case 'T':
        a->opt.task = mt_task_parse(arg);
        return a->opt.task < 0 ? dl_fail(e, DL_EUSAGE, "--task: unknown task '%s'", arg) : 0;
    case 'r': return cli_double("--threshold", arg, &a->opt.threshold, e);
    case 'q':
        if (cli_double("--q", arg, &v, e))
            return e->code;
        if (v <= 0)
            return dl_fail(e, DL_EUSAGE, "--q: '%s' must be positive", arg);
        a->opt.q = v;
        return 0;
    case 'e':
        if (cli_double("--eps", arg, &v, e))
            return e->code;
        if (!(v > 0 && v < 0.5))
            return dl_fail(e, DL_EUSAGE, "--eps: '%s' must be in (0, 0.5)", arg);
        a->opt.eps = v;
        a->eps_given = 1;
        return 0;
    case 'f':
        return parse_format(arg, &a->format)
                   ? dl_fail(e, DL_EUSAGE, "--format: '%s' is not table, tsv or json", arg)
                   : 0;
    case 'g':
        if (!valid_tag(arg))
            return dl_fail(e, DL_EUSAGE, "--tag: '%s' is not KEY=VALUE (no tabs or quotes)",
                           arg);
        if (a->ntags == MAX_TAGS)
            return dl_fail(e, DL_EUSAGE, "--tag: at most %d tags", MAX_TAGS);
        a->tags[a->ntags++] = arg;
        return 0;
    case 'H': a->header = 0; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 0 to run, 1 after --help/--version, or DL_EUSAGE. */
static int parse_args(int argc, char **argv, eval_args *a, dl_err *e)
{
    static const struct option longs[] = {
        {"truth", required_argument, 0, 't'},   {"task", required_argument, 0, 'T'},
        {"threshold", required_argument, 0, 'r'}, {"q", required_argument, 0, 'q'},
        {"eps", required_argument, 0, 'e'},     {"format", required_argument, 0, 'f'},
        {"tag", required_argument, 0, 'g'},     {"no-header", no_argument, 0, 'H'},
        {"help", no_argument, 0, 'h'},          {"version", no_argument, 0, 'V'},
        {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    mt_options_default(&a->opt);
    a->header = 1;
    int rc = cli_parse_options(argc, argv, "t:T:f:hV", longs, TOOL, usage, parse_option, a, e);
    if (rc)
        return rc;
    if (argc - optind > 1)
        return dl_fail(e, DL_EUSAGE, "one input FILE at most (got '%s' after '%s')",
                       argv[optind + 1], argv[optind]);
    a->input = optind < argc ? argv[optind] : NULL;
    return 0;
}

/* ------------------------------- input ------------------------------- */

/* Reads the tensors called want1 / want2 (want2 may be NULL) from a stream,
 * reassembling chunks and skipping every other record. */
static int read_named(const char *path, const char *want1, const char *want2,
                      dl_tensor_set *set, dl_err *e)
{
    st_reader *r;
    if (st_reader_open(&r, path, e))
        return e->code;
    st_header h;
    int got;
    while ((got = st_next_header(r, &h, e)) == 1) {
        int wanted = strcmp(h.name, want1) == 0 || (want2 && strcmp(h.name, want2) == 0);
        if (!wanted) {
            if (st_skip_payload(r, &h, e))
                break;
            continue;
        }
        dl_tensor t;
        if (st_read_payload(r, &h, &t, e))
            break;
        if (dl_set_add(set, &t, e)) {
            dl_tensor_free(&t);
            dl_err_wrap(e, "%s", st_reader_label(r));
            break;
        }
    }
    st_reader_close(r);
    return got == 0 ? 0 : e->code;
}

/* Makes a tensor an N x K float64 matrix; its original dtype in *dtype. */
static int as_f64_matrix(dl_tensor *t, const char *label, int *dtype, dl_err *e)
{
    *dtype = t->dtype;
    if (dl_tensor_as_matrix(t, e) || dl_tensor_convert(t, DL_F64, e))
        return dl_err_wrap(e, "%s", label);
    return 0;
}

typedef struct eval_input {
    dl_tensor_set in, truth;
    dl_tensor *y, *yhat;
    const char *y_label, *yhat_label;
    int yhat_dtype;
} eval_input;

static int load_inputs(const eval_args *a, eval_input *d, dl_err *e)
{
    const char *in_label = a->input && strcmp(a->input, "-") != 0 ? a->input : "<stdin>";
    d->yhat_label = in_label;
    d->y_label = a->truth ? a->truth : in_label;
    if (!a->input && isatty(STDIN_FILENO))
        return dl_fail(e, DL_EUSAGE, "the input is a terminal: give FILE or pipe a stream");
    if (read_named(a->input, "yhat", a->truth ? NULL : "y", &d->in, e))
        return e->code;
    if (a->truth && read_named(a->truth, "y", NULL, &d->truth, e))
        return e->code;
    d->yhat = dl_set_find(&d->in, "yhat");
    d->y = dl_set_find(a->truth ? &d->truth : &d->in, "y");
    if (!d->yhat)
        return dl_fail(e, DL_EDATA, "%s: no 'yhat' tensor (predictions, as dl-predict writes)",
                       in_label);
    if (!d->y)
        return dl_fail(e, DL_EDATA, "%s: no 'y' tensor (truth; or give --truth FILE)",
                       d->y_label);
    int y_dtype;
    if (as_f64_matrix(d->y, d->y_label, &y_dtype, e) ||
        as_f64_matrix(d->yhat, in_label, &d->yhat_dtype, e))
        return e->code;
    if (d->y->shape[0] != d->yhat->shape[0])
        return dl_fail(e, DL_EDATA, "%s: 'y'%s%s has %llu rows but 'yhat' has %llu", in_label,
                       a->truth ? " from " : "", a->truth ? a->truth : "",
                       (unsigned long long)d->y->shape[0],
                       (unsigned long long)d->yhat->shape[0]);
    return 0;
}

/* ------------------------------ output ------------------------------- */

/* Shortest round-trip text; NaN as the format wants it. */
static void put_number(FILE *out, double v, const char *nan_text)
{
    char buf[NT_BUF];
    if (isnan(v)) {
        fputs(nan_text, out);
        return;
    }
    nt_format_f64(v, buf);
    fputs(buf, out);
}

static void write_tsv(FILE *out, const eval_args *a, const mt_report *r)
{
    size_t k = r->ncm;
    int cm = r->task == MT_MULTICLASS;
    if (a->header) {
        for (size_t i = 0; i < a->ntags; i++)
            fprintf(out, "%.*s\t", (int)(strchr(a->tags[i], '=') - a->tags[i]), a->tags[i]);
        fputs("task\tn", out);
        for (size_t i = 0; i < r->count; i++)
            fprintf(out, "\t%s", r->items[i].name);
        for (size_t i = 0; cm && i < k * k; i++)
            fprintf(out, "\tcm[%lld,%lld]", (long long)r->cm_labels[i / k],
                    (long long)r->cm_labels[i % k]);
        fputc('\n', out);
    }
    for (size_t i = 0; i < a->ntags; i++)
        fprintf(out, "%s\t", strchr(a->tags[i], '=') + 1);
    fprintf(out, "%s\t%zu", mt_task_name(r->task), r->n);
    for (size_t i = 0; i < r->count; i++) {
        fputc('\t', out);
        put_number(out, r->items[i].value, "nan");
    }
    for (size_t i = 0; cm && i < k * k; i++)
        fprintf(out, "\t%llu", (unsigned long long)r->cm[i]);
    fputc('\n', out);
}

static void write_json(FILE *out, const eval_args *a, const mt_report *r)
{
    fputc('{', out);
    for (size_t i = 0; i < a->ntags; i++) {
        const char *eq = strchr(a->tags[i], '=');
        fprintf(out, "\"%.*s\": \"%s\", ", (int)(eq - a->tags[i]), a->tags[i], eq + 1);
    }
    fprintf(out, "\"task\": \"%s\", \"n\": %zu", mt_task_name(r->task), r->n);
    for (size_t i = 0; i < r->count; i++) {
        fprintf(out, ", \"%s\": ", r->items[i].name);
        put_number(out, r->items[i].value, "null");
    }
    if (r->ncm) {
        fputs(", \"confusion_matrix\": {\"labels\": [", out);
        for (size_t i = 0; i < r->ncm; i++)
            fprintf(out, "%s%lld", i ? ", " : "", (long long)r->cm_labels[i]);
        fputs("], \"counts\": [", out);
        for (size_t i = 0; i < r->ncm * r->ncm; i++)
            fprintf(out, "%s%llu%s", i % r->ncm ? ", " : i ? "], [" : "[",
                    (unsigned long long)r->cm[i], i + 1 == r->ncm * r->ncm ? "]" : "");
        fputs("]}", out);
    }
    if (r->note[0])
        fprintf(out, ", \"note\": \"%s\"", r->note);
    fputs("}\n", out);
}

/* ------------------------------- table ------------------------------- */

/* "base[idx]" -> length of base, or 0 when the name has no index. */
static size_t indexed_base(const char *name)
{
    const char *open = strchr(name, '[');
    return open && name[strlen(name) - 1] == ']' ? (size_t)(open - name) : 0;
}

static void table_value(FILE *out, double v, int width)
{
    if (isnan(v))
        fprintf(out, "%*s", width, "nan");
    else
        fprintf(out, "%*.6g", width, v);
}

/* Indexed metrics as a grid: a row per index, a column per base name, in
 * the order they first appear (precision[0] recall[0] ... precision[1]). */
static void write_grid(FILE *out, const mt_report *r, size_t first)
{
    size_t ncols = 0, cols[32];
    const char *first_index = strchr(r->items[first].name, '[');
    for (size_t i = first; i < r->count && ncols < 32; i++)
        if (strcmp(strchr(r->items[i].name, '['), first_index) == 0)
            cols[ncols++] = i;
    fprintf(out, "\n%-8s", r->task == MT_MULTICLASS ? "class" : r->task == MT_MULTILABEL
                                                                    ? "label"
                                                                    : "output");
    for (size_t c = 0; c < ncols; c++)
        fprintf(out, " %12.*s", (int)indexed_base(r->items[cols[c]].name),
                r->items[cols[c]].name);
    fputc('\n', out);
    for (size_t i = first; i + ncols <= r->count; i += ncols) {
        const char *idx = strchr(r->items[i].name, '[');
        fprintf(out, "%-8.*s", (int)(strlen(idx) - 2), idx + 1);
        for (size_t c = 0; c < ncols; c++) {
            fputc(' ', out);
            table_value(out, r->items[i + c].value, 12);
        }
        fputc('\n', out);
    }
}

static void write_confusion(FILE *out, const mt_report *r)
{
    size_t k = r->ncm;
    fputs("\nconfusion matrix (rows: true class, columns: predicted)\n        ", out);
    for (size_t j = 0; j < k; j++)
        fprintf(out, " %8lld", (long long)r->cm_labels[j]);
    for (size_t i = 0; i < k * k; i++) {
        if (i % k == 0)
            fprintf(out, "\n%8lld", (long long)r->cm_labels[i / k]);
        fprintf(out, " %8llu", (unsigned long long)r->cm[i]);
    }
    fputc('\n', out);
}

static void write_table(FILE *out, const eval_args *a, const mt_report *r)
{
    int width = 4;
    size_t scalars = 0;
    while (scalars < r->count && !indexed_base(r->items[scalars].name))
        scalars++;
    for (size_t i = 0; i < scalars; i++)
        if ((int)strlen(r->items[i].name) > width)
            width = (int)strlen(r->items[i].name);
    for (size_t i = 0; i < a->ntags; i++) {
        const char *eq = strchr(a->tags[i], '=');
        fprintf(out, "%-*.*s  %s\n", width, (int)(eq - a->tags[i]), a->tags[i], eq + 1);
    }
    fprintf(out, "%-*s  %s\n%-*s  %zu\n", width, "task", mt_task_name(r->task), width, "n",
            r->n);
    for (size_t i = 0; i < scalars; i++) {
        fprintf(out, "%-*s  ", width, r->items[i].name);
        table_value(out, r->items[i].value, 0);
        fputc('\n', out);
    }
    if (scalars < r->count)
        write_grid(out, r, scalars);
    if (r->ncm)
        write_confusion(out, r);
}

/* -------------------------------- main ------------------------------- */

static int evaluate(const eval_args *a, mt_report *r, dl_err *e)
{
    eval_input d = {0};
    dl_set_init(&d.in);
    dl_set_init(&d.truth);
    int rc = load_inputs(a, &d, e);
    if (rc == 0) {
        mt_options o = a->opt;
        if (!a->eps_given && d.yhat_dtype == DL_F32)
            o.eps = FLT_EPSILON; /* sklearn: np.finfo(y_pred.dtype).eps */
        mt_data md = {d.y->data, d.yhat->data, (size_t)d.y->shape[0], (size_t)d.y->shape[1],
                      (size_t)d.yhat->shape[1]};
        rc = mt_evaluate(&md, &o, r, e);
        if (rc)
            dl_err_wrap(e, "%s", strncmp(e->msg, "'y' ", 4) == 0 ? d.y_label : d.yhat_label);
    }
    dl_set_free(&d.in);
    dl_set_free(&d.truth);
    return rc;
}

int main(int argc, char **argv)
{
    eval_args a;
    dl_err e = {0};
    int rc = parse_args(argc, argv, &a, &e);
    if (rc == 1)
        return 0;
    if (rc)
        return cli_exit(TOOL, &e);
    mt_report r;
    mt_report_init(&r);
    if (evaluate(&a, &r, &e)) {
        mt_report_free(&r);
        return cli_exit(TOOL, &e);
    }
    if (r.note[0])
        fprintf(stderr, "%s: warning: %s\n", TOOL, r.note);
    if (a.format == FMT_TSV)
        write_tsv(stdout, &a, &r);
    else if (a.format == FMT_JSON)
        write_json(stdout, &a, &r);
    else
        write_table(stdout, &a, &r);
    mt_report_free(&r);
    if (fflush(stdout) != 0 || ferror(stdout)) {
        dl_fail_errno(&e, "standard output: write error");
        return cli_exit(TOOL, &e);
    }
    return 0;
}
