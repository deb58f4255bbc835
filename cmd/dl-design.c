/* dl-design - replace x by a design matrix of basis functions, pass every
 * other record through, and record the fitted basis in a `design` record so
 * the same basis can be applied to new data (see man/dl-design.1). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "cli.h"
#include "filter_main.h"
#include "stream.h"

static const char *const TOOL = "dl-design";

/* Beyond WARN columns a warning; beyond LIMIT a refusal unless --force. */
#define COLUMNS_WARN 1000
#define COLUMNS_LIMIT 10000

typedef struct design_args {
    filter_io io;
    bf_options opt;
    const char *apply;
    int force, quiet;
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
           "      --seed=S          k-means seed (default: 0)\n"
           "      --fourier=K       per input: sin and cos of 2 pi k u, k = 1..K, u in [0, 1]\n"
           "                        from the training range (default: none)\n"
           "      --legendre=D      per input: Legendre P1..PD on [-1, 1] from the training range\n"
           "                        (default: none)\n"
           "      --standardize     standardize inputs first (training mean and std)\n"
           "                        (default: off)\n"
           "With no block: x itself (as --poly 1).\n"
           "  -a, --apply=FILE      apply the 'design' record found in FILE (a dl-design output\n"
           "                        or a checkpoint) instead of fitting; streams\n"
           "      --force           allow more than %d columns (warning above %d)\n"
           "  -o, --output=FILE     write to FILE, atomically (default: standard output)\n"
           "      --zlib            compress records\n"
           "  -q, --quiet           do not report the column count on stderr\n"
           "  -h, --help            show this help and exit\n"
           "  -V, --version         show the version and exit\n"
           "\n"
           "Exit status: 0 ok, 1 bad data, 2 usage, 3 I/O error, 4 out of memory or over\n"
           "the column limit.  See dl-design(1).\n",
           TOOL, COLUMNS_LIMIT, COLUMNS_WARN);
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

enum { OPT_NO_BIAS = 256, OPT_POLY, OPT_RBF, OPT_CENTERS, OPT_WIDTH, OPT_ALPHA, OPT_SEED,
       OPT_FOURIER, OPT_LEGENDRE, OPT_STANDARDIZE, OPT_FORCE, OPT_ZLIB };

static int parse_option(int c, const char *arg, void *args, dl_err *e)
{
    design_args *a = args;
    bf_options *o = &a->opt;
    switch (c) {
    case OPT_NO_BIAS: o->bias = 0; return 0;
    case OPT_POLY: return parse_int("--poly", arg, &o->poly, e);
    case OPT_RBF: return parse_int("--rbf", arg, &o->rbf, e);
    case OPT_CENTERS: return parse_centers(arg, &o->rbf_centers, e);
    case OPT_WIDTH: return parse_positive("--width", arg, &o->rbf_width, e);
    case OPT_ALPHA: return parse_positive("--alpha", arg, &o->rbf_alpha, e);
    case OPT_SEED: return cli_u64("--seed", arg, &o->seed, e);
    case OPT_FOURIER: return parse_int("--fourier", arg, &o->fourier, e);
    case OPT_LEGENDRE: return parse_int("--legendre", arg, &o->legendre, e);
    case OPT_STANDARDIZE: o->standardize = 1; return 0;
    case OPT_FORCE: a->force = 1; return 0;
    case OPT_ZLIB: a->io.flags |= ST_ZLIB; return 0;
    case 'a': a->apply = arg; return 0;
    case 'o': a->io.output = arg; return 0;
    case 'q': a->quiet = 1; return 0;
    default: return dl_fail(e, DL_EUSAGE, "unknown option");
    }
}

/* 1: run, 0: --help/--version done, <0: usage error printed. */
static int parse_args(int argc, char **argv, void *args)
{
    design_args *a = args;
    static const struct option longs[] = {
        {"no-bias", no_argument, 0, OPT_NO_BIAS}, {"poly", required_argument, 0, OPT_POLY},
        {"rbf", required_argument, 0, OPT_RBF}, {"centers", required_argument, 0, OPT_CENTERS},
        {"width", required_argument, 0, OPT_WIDTH}, {"alpha", required_argument, 0, OPT_ALPHA},
        {"seed", required_argument, 0, OPT_SEED}, {"fourier", required_argument, 0, OPT_FOURIER},
        {"legendre", required_argument, 0, OPT_LEGENDRE},
        {"standardize", no_argument, 0, OPT_STANDARDIZE}, {"force", no_argument, 0, OPT_FORCE},
        {"zlib", no_argument, 0, OPT_ZLIB}, {"apply", required_argument, 0, 'a'},
        {"output", required_argument, 0, 'o'}, {"quiet", no_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'}, {"version", no_argument, 0, 'V'}, {0, 0, 0, 0}};
    memset(a, 0, sizeof *a);
    bf_options_init(&a->opt);
    int go = filter_getopt(TOOL, argc, argv, ":a:o:qhV", longs, parse_option, a, usage, NULL, NULL,
                           &a->io.input);
    if (go <= 0)
        return go;
    if (a->apply && !bf_options_empty(&a->opt))
        return -cli_usage_error(TOOL, "--apply takes the basis from its file; give no basis options");
    if (bf_options_empty(&a->opt))
        a->opt.poly = 1;
    return 1;
}

/* ------------------------------------------------------------------------ */

/* The records of the input in order, for the fitting pass. */
typedef struct record_list {
    dl_tensor *items;
    size_t count, cap;
} record_list;

static int list_push(record_list *l, dl_tensor *t, dl_err *e)
{
    if (l->count == l->cap) {
        size_t cap = l->cap ? 2 * l->cap : 16;
        dl_tensor *items = realloc(l->items, cap * sizeof *items);
        if (!items)
            return dl_fail(e, DL_ENOMEM, "out of memory for %zu records", cap);
        l->items = items;
        l->cap = cap;
    }
    l->items[l->count++] = *t;
    memset(t, 0, sizeof *t);
    return 0;
}

static void list_free(record_list *l)
{
    for (size_t i = 0; i < l->count; i++)
        dl_tensor_free(&l->items[i]);
    free(l->items);
}

/* Columns for these inputs, with the curse of dimensionality spelled out. */
static int check_columns(const design_args *a, uint64_t inputs, dl_err *e)
{
    uint64_t cols;
    if (bf_count_columns(&a->opt, inputs, &cols, e))
        return e->code;
    if (cols > COLUMNS_LIMIT && !a->force)
        return dl_fail(e, DL_ENOMEM, "the design would have %llu columns for %llu inputs "
                                     "(limit %d; the count grows as C(n+D, D) for --poly and "
                                     "K^n for an rbf grid): use --force to go on",
                       (unsigned long long)cols, (unsigned long long)inputs, COLUMNS_LIMIT);
    if (cols > COLUMNS_WARN)
        fprintf(stderr, "%s: warning: %llu design columns for %llu inputs\n", TOOL,
                (unsigned long long)cols, (unsigned long long)inputs);
    return 0;
}

static uint64_t header_columns(const st_header *h) { return h->rank >= 2 ? h->shape[1] : 1; }

static int write_design(st_writer *w, const bf_design *d, int quiet, dl_err *e)
{
    dl_tensor rec;
    if (bf_to_record(d, &rec, e))
        return e->code;
    int rc = st_write(w, &rec, e);
    dl_tensor_free(&rec);
    if (!rc && !quiet) {
        char what[256];
        bf_describe(d, what, sizeof what);
        fprintf(stderr, "%s: %s\n", TOOL, what);
    }
    return rc;
}

/* Output chunks of at most this many bytes keep the pipeline's memory bounded
 * however wide the design makes a chunk of x. */
#define OUT_CHUNK_BYTES ((uint64_t)8 << 20)

static int write_designed(st_writer *w, const bf_design *d, const dl_tensor *x, dl_err *e)
{
    uint64_t rows = dl_tensor_rows(x), step = OUT_CHUNK_BYTES / 8 / bf_output_dim(d);
    uint64_t row_bytes = dl_tensor_row_size(x) * dl_dtype_size(x->dtype);
    dl_tensor part = *x; /* a view of some rows of x: never freed */
    int64_t bad = dl_tensor_find_nonfinite(x); /* named by its row in x, not in a block */
    if (bad >= 0)
        return dl_fail(e, DL_EDATA, "x row %llu column %llu is not finite",
                       (unsigned long long)((uint64_t)bad / dl_tensor_row_size(x) + 1),
                       (unsigned long long)((uint64_t)bad % dl_tensor_row_size(x) + 1));
    step = step ? step : 1;
    for (uint64_t first = 0; first < rows || first == 0; first += step) {
        dl_tensor phi;
        part.shape[0] = rows - first < step ? rows - first : step;
        part.data = (char *)x->data + first * row_bytes;
        if (bf_apply_tensor(d, &part, "x", &phi, e))
            return e->code;
        int rc = st_write(w, &phi, e);
        dl_tensor_free(&phi);
        if (rc || rows == 0)
            return rc ? e->code : 0;
    }
    return 0;
}

static int refuse_design(st_reader *r, const st_header *h, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: record %llu ('design'): the input already went through "
                                "dl-design; designs do not stack",
                   st_reader_label(r), (unsigned long long)h->index);
}

static int chunk_error(st_reader *r, const st_header *h, dl_err *e)
{
    return dl_err_wrap(e, "%s: record %llu ('%s')", st_reader_label(r),
                       (unsigned long long)h->index, h->name);
}

/* Streaming: each x chunk is designed and written as it arrives.  d is the
 * given design, or NULL to fit one on the first x header (no data needed). */
static int stream_records(st_reader *r, st_writer *w, const design_args *a, bf_design *d,
                          dl_err *e)
{
    st_header h;
    int got = 0, seen_x = 0, rc = 0;
    bf_design *own = NULL;
    while (!rc && (got = st_next_header(r, &h, e)) == 1) {
        if (strcmp(h.name, "design") == 0) {
            rc = refuse_design(r, &h, e);
        } else if (strcmp(h.name, "x") != 0) {
            rc = st_copy_record(r, &h, w, e);
        } else {
            dl_tensor x;
            if (!d && !(rc = check_columns(a, header_columns(&h), e)) &&
                !(rc = bf_fit(&own, &a->opt, NULL, 0, (size_t)header_columns(&h), e)))
                d = own;
            if (!rc && !seen_x++)
                rc = write_design(w, d, a->quiet, e);
            if (!rc && !(rc = st_read_payload(r, &h, &x, e))) {
                if (write_designed(w, d, &x, e))
                    rc = chunk_error(r, &h, e);
                dl_tensor_free(&x);
            }
        }
    }
    bf_free(own);
    return filter_loop_end(r, rc, got, seen_x, e);
}

/* All records into memory; x chunks also concatenated, as f64, for the fit. */
static int read_all(st_reader *r, record_list *l, dl_tensor *xall, dl_err *e)
{
    dl_tensor t;
    int got;
    while ((got = st_read(r, &t, e)) == 1) {
        int rc = 0;
        if (strcmp(t.name, "design") == 0) {
            dl_tensor_free(&t);
            return dl_fail(e, DL_EDATA, "%s: the input already went through dl-design; "
                                        "designs do not stack", st_reader_label(r));
        }
        if (strcmp(t.name, "x") == 0) {
            dl_tensor c;
            rc = dl_tensor_copy(&c, &t, e) || dl_tensor_as_matrix(&c, e) ||
                 dl_tensor_convert(&c, DL_F64, e) ||
                 (xall->data ? dl_tensor_append_rows(xall, &c, e) : dl_tensor_copy(xall, &c, e));
            dl_tensor_free(&c);
        }
        if (rc || list_push(l, &t, e)) {
            dl_tensor_free(&t);
            return dl_err_wrap(e, "%s: 'x'", st_reader_label(r));
        }
    }
    if (got < 0)
        return e->code;
    if (!xall->data)
        return dl_fail(e, DL_EDATA, "%s: no 'x' record", st_reader_label(r));
    return 0;
}

static int fit_then_write(st_reader *r, st_writer *w, const design_args *a, dl_err *e)
{
    record_list l = {0};
    dl_tensor xall;
    bf_design *d = NULL;
    memset(&xall, 0, sizeof xall);
    int rc = read_all(r, &l, &xall, e);
    if (!rc && dl_tensor_find_nonfinite(&xall) >= 0) {
        int64_t bad = dl_tensor_find_nonfinite(&xall);
        rc = dl_fail(e, DL_EDATA, "%s: x row %lld column %lld is not finite",
                     st_reader_label(r), (long long)(bad / (int64_t)xall.shape[1]) + 1,
                     (long long)(bad % (int64_t)xall.shape[1]) + 1);
    }
    if (!rc)
        rc = check_columns(a, xall.shape[1], e) ||
             bf_fit(&d, &a->opt, xall.data, (size_t)xall.shape[0], (size_t)xall.shape[1], e);
    dl_tensor_free(&xall);
    if (!rc)
        rc = write_design(w, d, a->quiet, e);
    for (size_t i = 0; !rc && i < l.count; i++)
        rc = strcmp(l.items[i].name, "x") == 0 ? write_designed(w, d, &l.items[i], e)
                                               : st_write(w, &l.items[i], e);
    bf_free(d);
    list_free(&l);
    return rc ? e->code : 0;
}

/* The first `design` record of a stream file. */
static int load_design(const char *path, bf_design **d, dl_err *e)
{
    st_reader *r;
    st_header h;
    int got = 0, rc = 0, found = 0;
    if (st_reader_open(&r, path, e))
        return e->code;
    while (!found && !rc && (got = st_next_header(r, &h, e)) == 1) {
        if (strcmp(h.name, "design") != 0) {
            rc = st_skip_payload(r, &h, e);
            continue;
        }
        dl_tensor rec;
        found = 1;
        rc = st_read_payload(r, &h, &rec, e) || bf_from_record(d, &rec, e);
        if (rc)
            dl_err_wrap(e, "%s", path);
        dl_tensor_free(&rec);
    }
    if (!rc && !found)
        rc = got < 0 ? e->code : dl_fail(e, DL_EDATA, "%s: no 'design' record to apply", path);
    st_reader_close(r);
    return rc;
}

static int design_body(st_reader *r, st_writer *w, void *args, dl_err *e)
{
    const design_args *a = args;
    bf_design *d = NULL;
    int rc = a->apply && load_design(a->apply, &d, e);
    if (!rc)
        rc = d || !bf_options_need_data(&a->opt) ? stream_records(r, w, a, d, e)
                                                 : fit_then_write(r, w, a, e);
    bf_free(d);
    return rc ? e->code : 0;
}

int main(int argc, char **argv)
{
    design_args a;
    memset(&a, 0, sizeof a);
    return filter_main(TOOL, argc, argv, parse_args, design_body, &a, &a.io);
}
