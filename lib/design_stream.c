#include "design_stream.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "colmeta.h"
#include "filter.h"
#include "outfile.h"

/* The input's x.names and x.categories go into the design, not through:
 * the design's columns are not x's. */
static int meta_take(pp_meta *m, st_reader *r, const st_header *h, int seen_x, dl_err *e)
{
    dl_tensor t;
    if (st_read_payload(r, h, &t, e))
        return e->code;
    return pp_meta_take(m, &t, seen_x, e) ? flt_record_error(r, h, e) : 0;
}

static int meta_columns(pp_meta *m, uint64_t cols, const char *label, dl_err *e)
{
    return pp_meta_columns(m, cols, e) ? dl_err_wrap(e, "%s", label) : 0;
}

/* ------------------------------- output ------------------------------- */

/* Columns for these inputs, with the curse of dimensionality spelled out. */
/* The design's width for these inputs against its limit (--force lifts
 * it), and a warning when it is large (warn: the last check). */
static int check_columns(const design_opts *o, uint64_t inputs, int warn, dl_err *e)
{
    uint64_t cols;
    if (bf_count_columns(&o->basis, inputs, &cols, e))
        return e->code;
    if (cols > DESIGN_COLUMNS_LIMIT && !o->force)
        return dl_fail(e, DL_ENOMEM, "the design would have %llu column%s for %llu input%s "
                                     "(limit %d; the count grows as C(n+D, D) for --poly and "
                                     "K^n for an rbf grid): use --force to go on",
                       (unsigned long long)cols, dl_plural((unsigned long long)cols),
                       (unsigned long long)inputs, dl_plural((unsigned long long)inputs),
                       DESIGN_COLUMNS_LIMIT);
    if (warn && cols > DESIGN_COLUMNS_WARN)
        fprintf(o->log, "%s: warning: %llu design columns for %llu input%s\n", o->tool,
                (unsigned long long)cols, (unsigned long long)inputs,
                dl_plural((unsigned long long)inputs));
    return 0;
}

/* The width of x from its header; none is refused here, where the record
 * can be named: the stage and the blocks would find no input to design. */
static int x_columns(const st_reader *r, const st_header *h, uint64_t *cols, dl_err *e)
{
    *cols = h->rank >= 2 ? h->shape[1] : 1;
    if (*cols == 0)
        return dl_fail(e, DL_EDATA, "x has no columns") ? flt_record_error(r, h, e) : 0;
    return 0;
}

/* x.names of the design's columns, when the input had names or the stage
 * made columns of its own; names that do not make a valid record (too
 * long, repeated) are left out with a warning. */
static int write_names(st_writer *w, const bf_design *d, const design_opts *o, dl_err *e)
{
    const pp_prep *p = bf_prep(d);
    if (!pp_has_names(p) && !pp_active(p))
        return 0;
    size_t n = bf_output_dim(d);
    dl_str *b = calloc(n, sizeof *b);
    const char **names = calloc(n, sizeof *names);
    int rc = !b || !names ? dl_fail(e, DL_ENOMEM, "out of memory for %zu column names", n) : 0;
    for (size_t j = 0; !rc && j < n; j++) {
        bf_output_name(d, j, &b[j]);
        names[j] = dl_str_text(&b[j]);
        if (b[j].failed)
            rc = dl_fail(e, DL_ENOMEM, "out of memory for the column names");
    }
    dl_tensor rec;
    memset(&rec, 0, sizeof rec);
    if (!rc && cm_names_make(names, n, "x" CM_NAMES_SUFFIX, &rec, e)) {
        if (e->code == DL_ENOMEM)
            rc = e->code;
        else
            fprintf(o->log, "%s: warning: design column names left out (%s)\n", o->tool, e->msg);
    }
    if (!rc && rec.data)
        rc = st_write(w, &rec, e);
    dl_tensor_free(&rec);
    for (size_t j = 0; b && j < n; j++)
        dl_str_free(&b[j]);
    free(b);
    free(names);
    return rc;
}

/* The report's line, printed once the whole output is written (a row
 * refused later must not follow a line that reads as success). */
typedef struct design_report {
    char what[256];
} design_report;

/* Errors of the design itself name the input (label). */
static int write_design(st_writer *w, const bf_design *d, const design_opts *o,
                        const char *label, design_report *report, dl_err *e)
{
    dl_tensor rec;
    if (bf_to_record(d, &rec, e))
        return dl_err_wrap(e, "%s", label);
    int rc = st_write(w, &rec, e) || write_names(w, d, o, e) ? e->code : 0;
    dl_tensor_free(&rec);
    if (!rc && !o->quiet)
        rc = bf_describe(d, report->what, sizeof report->what, e);
    return rc;
}

static int refuse_design(st_reader *r, const st_header *h, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: record %llu ('design'): the input already went through "
                                "dl-design; designs do not stack",
                   st_reader_label(r), (unsigned long long)h->index);
}

/* ------------------------------ streaming ------------------------------ */

/* The design of a stream whose x has `cols` columns, fitted with no rows
 * (bias, poly, categories kept as codes) or given (bound to the input's
 * columns). */
static int design_for(const design_opts *o, pp_meta *m, uint64_t cols, const char *label,
                      bf_design **given, bf_design **own, dl_err *e)
{
    if (meta_columns(m, cols, label, e))
        return e->code;
    if (*given)
        return pp_bind(bf_prep_mut(*given), &m->cols, e) ? dl_err_wrap(e, "%s", label) : 0;
    pp_fitter *f;
    pp_prep *p;
    if (check_columns(o, cols, 1, e) || pp_fit_begin(&f, &o->prep, &m->cols, e) ||
        pp_fit_end(f, &p, e) || bf_fit_prep(own, &o->basis, p, NULL, 0, e))
        return e->code;
    *given = *own;
    return 0;
}

/* A chunk of x read but not yet designed, with its header (for errors). */
typedef struct held_x {
    dl_tensor x;
    st_header h;
    uint64_t row; /* its first row in the whole x */
    int full;     /* x holds a chunk */
} held_x;

/* An error of the held chunk's rows, named by its record in r, or only x
 * when r is the spool (whose record numbers are not the input's). */
static int held_error(const st_reader *r, const held_x *held, int spooled, dl_err *e)
{
    return spooled ? dl_err_wrap(e, "%s: 'x'", st_reader_label(r))
                   : flt_record_error(r, &held->h, e);
}

/* Output chunks of at most this many bytes keep the pipeline's memory bounded
 * however wide the design makes a chunk of x. */
#define OUT_CHUNK_BYTES ((uint64_t)256 << 10)

/* Designs the held chunk and writes it.  An error of its rows names its
 * record; one of writing names the output alone, as the writer does: the
 * input has nothing to do with it. */
static int write_designed(const st_reader *r, st_writer *w, const bf_design *d,
                          const held_x *held, int spooled, dl_err *e)
{
    const dl_tensor *x = &held->x;
    uint64_t rows = dl_tensor_rows(x), step = OUT_CHUNK_BYTES / 8 / bf_output_dim(d);
    uint64_t row_bytes = dl_tensor_row_size(x) * dl_dtype_size(x->dtype);
    dl_tensor part = *x; /* a view of some rows of x: never freed */
    step = step ? step : 1;
    for (uint64_t first = 0; first < rows || first == 0; first += step) {
        dl_tensor phi;
        part.shape[0] = rows - first < step ? rows - first : step;
        part.data = (char *)x->data + first * row_bytes;
        if (bf_apply_tensor(d, &part, held->row + first, "x", &phi, e))
            return held_error(r, held, spooled, e);
        int rc = st_write(w, &phi, e);
        dl_tensor_free(&phi);
        if (rc || rows == 0)
            return rc ? e->code : 0;
    }
    return 0;
}

/* Designs and writes the held chunk, if any. */
static int flush_held(st_reader *r, st_writer *w, const bf_design *d, held_x *held,
                      int spooled, dl_err *e)
{
    if (!held->full)
        return 0;
    int rc = write_designed(r, w, d, held, spooled, e);
    held->row += dl_tensor_rows(&held->x);
    dl_tensor_free(&held->x);
    held->full = 0;
    return rc;
}

/* Designs and writes the chunk held so far, then reads and holds the x
 * chunk of header h. */
static int hold_x(st_reader *r, st_writer *w, const bf_design *d, held_x *held,
                  const st_header *h, int spooled, dl_err *e)
{
    if (flush_held(r, w, d, held, spooled, e) || st_read_payload(r, h, &held->x, e))
        return e->code;
    held->h = *h;
    held->full = 1;
    return 0;
}

/* Streaming: each x chunk is designed and written as it arrives, except
 * that the records after it up to the next x (its y, its weights) go out
 * first: a fit then pairs each designed row with its target as it comes,
 * instead of holding all of a chunk's (many times wider) design until the
 * target follows.  d is the given design, or NULL to fit one on the first x
 * header (no data needed). */
static int stream_records(st_reader *r, st_writer *w, const design_opts *o, bf_design *d,
                          design_report *report, dl_err *e)
{
    st_header h;
    int found = 0, seen_x = 0, rc = 0;
    held_x held;
    bf_design *own = NULL;
    pp_meta m;
    cm_passthrough pass;
    memset(&held, 0, sizeof held);
    pp_meta_init(&m);
    cm_passthrough_init(&pass);
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found) {
        if (strcmp(h.name, "design") == 0) {
            rc = refuse_design(r, &h, e);
        } else if (pp_meta_is(h.name)) {
            rc = meta_take(&m, r, &h, seen_x, e);
        } else if (strcmp(h.name, "x") != 0) {
            rc = flt_pass_record(r, &h, w, &pass, e);
        } else {
            uint64_t cols;
            if (!seen_x++ && (x_columns(r, &h, &cols, e) ||
                              design_for(o, &m, cols, st_reader_label(r), &d, &own, e) ||
                              write_design(w, d, o, st_reader_label(r), report, e)))
                rc = e->code;
            if (!rc)
                rc = hold_x(r, w, d, &held, &h, 0, e);
        }
    }
    if (!rc)
        rc = flush_held(r, w, d, &held, 0, e);
    dl_tensor_free(&held.x);
    bf_free(own);
    pp_meta_free(&m);
    cm_passthrough_free(&pass);
    return flt_loop_end(r, rc, seen_x, e);
}

/* ------------------------- fitting on the rows ------------------------- */

/* Fitting reads the rows several times (the median takes up to four
 * passes), so the input is first copied to a temporary file, already
 * unlinked: memory stays bounded however long the input. */
typedef struct spool {
    FILE *file;
    st_writer *w;
} spool;

static int spool_open(spool *s, dl_err *e)
{
    s->w = NULL;
    s->file = NULL;
    int fd;
    if (dl_outfile_temp(&fd, "the copy of the input", e))
        return e->code;
    if (!(s->file = fdopen(fd, "w+"))) {
        close(fd);
        return dl_fail(e, DL_ENOMEM, "out of memory");
    }
    /* where the copy is: a full or failing $TMPDIR is not the input's fault */
    dl_str label = {0};
    dl_str_printf(&label, "the temporary copy of the input in %s", dl_outfile_temp_dir());
    int rc = st_writer_from_fd(&s->w, fileno(s->file), dl_str_text(&label), ST_ALLOW_TTY, e);
    dl_str_free(&label);
    return rc;
}

static void spool_close(spool *s)
{
    st_writer_abort(s->w);
    if (s->file)
        fclose(s->file);
}

/* A reader from the start of the spool (the writer closed). */
static int spool_rewind(spool *s, const char *label, st_reader **r, dl_err *e)
{
    if (lseek(fileno(s->file), 0, SEEK_SET) != 0)
        return dl_fail_errno(e, "cannot read the temporary copy of the input back");
    return st_reader_from_fd(r, fileno(s->file), label, e);
}

/* x as an f64 matrix, for the fit. */
static int x_matrix(st_reader *r, const st_header *h, dl_tensor *x, dl_err *e)
{
    if (st_read_payload(r, h, x, e) || dl_tensor_as_matrix(x, e) || dl_tensor_convert(x, DL_F64, e))
        return flt_record_error(r, h, e);
    return 0;
}

/* The first pass: the input copied to the spool, its metadata taken (x's)
 * or checked (what passes on), the stage's statistics started. */
static int first_pass(st_reader *r, spool *s, const design_opts *o, pp_meta *m, pp_fitter **f,
                      dl_err *e)
{
    st_header h;
    int found = 0, rc = 0;
    uint64_t row = 0, cols = 0;
    cm_passthrough pass;
    cm_passthrough_init(&pass);
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found) {
        if (strcmp(h.name, "design") == 0) {
            rc = refuse_design(r, &h, e);
        } else if (pp_meta_is(h.name)) {
            rc = meta_take(m, r, &h, *f != NULL, e);
        } else if (strcmp(h.name, "x") != 0) {
            rc = flt_pass_record(r, &h, s->w, &pass, e);
        } else {
            dl_tensor x;
            if (!*f && !(rc = x_columns(r, &h, &cols, e)) &&
                !(rc = meta_columns(m, cols, st_reader_label(r), e)))
                /* the raw width first: the stage's statistics are per input */
                rc = check_columns(o, cols, 0, e) ||
                             /* out of memory for this input's columns: named */
                             (pp_fit_begin(f, &o->prep, &m->cols, e) &&
                              (e->code != DL_ENOMEM || dl_err_wrap(e, "%s", st_reader_label(r))))
                         ? e->code
                         : 0;
            if (!rc && !(rc = x_matrix(r, &h, &x, e))) {
                /* as wide as the first chunk: the reader checks that chunks agree;
                 * the spool's writer names itself */
                rc = pp_fit_rows(*f, x.data, (size_t)x.shape[0], row, e)
                         ? flt_record_error(r, &h, e)
                         : st_write(s->w, &x, e);
                row += x.shape[0];
                dl_tensor_free(&x);
            }
        }
    }
    cm_passthrough_free(&pass);
    if (!rc && st_reader_records(r) == 0)
        return st_fail_empty(st_reader_label(r), e);
    if (!rc && !*f)
        return dl_fail(e, DL_EDATA, "%s: no 'x' record", st_reader_label(r));
    return rc;
}

/* Calls each(x chunk, its first row) for every x of the spool. */
typedef int (*x_visit)(void *ctx, const dl_tensor *x, uint64_t first_row, dl_err *e);

static int each_x(spool *s, const char *label, x_visit each, void *ctx, dl_err *e)
{
    st_reader *r;
    st_header h;
    int found = 0, rc = spool_rewind(s, label, &r, e);
    uint64_t row = 0;
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found) {
        if (strcmp(h.name, "x") != 0) {
            rc = st_skip_payload(r, &h, e);
            continue;
        }
        dl_tensor x;
        if (!(rc = st_read_payload(r, &h, &x, e))) {
            rc = each(ctx, &x, row, e);
            row += x.shape[0];
            dl_tensor_free(&x);
        }
    }
    st_reader_close(r);
    return rc ? dl_err_wrap(e, "%s", label) : 0;
}

static int visit_fit(void *f, const dl_tensor *x, uint64_t first_row, dl_err *e)
{
    return pp_fit_rows(f, x->data, (size_t)x->shape[0], first_row, e);
}

/* The rows through the stage, gathered for a basis that needs them. */
typedef struct gathered {
    const pp_prep *p;
    dl_tensor z;
} gathered;

static int visit_gather(void *ctx, const dl_tensor *x, uint64_t first_row, dl_err *e)
{
    gathered *g = ctx;
    dl_tensor z;
    if (dl_tensor_alloc2(&z, "x", DL_F64, x->shape[0], pp_output_dim(g->p), e))
        return e->code;
    int rc = pp_apply(g->p, x->data, (size_t)x->shape[0], first_row, z.data, e) ||
             (g->z.data ? dl_tensor_append_rows(&g->z, &z, e) : dl_tensor_copy(&g->z, &z, e));
    dl_tensor_free(&z);
    return rc ? e->code : 0;
}

/* The moments of the rows through the stage, for --standardize without a
 * block that needs the rows: two passes, the values and then their
 * deviations from the mean (bf_moments, as the fit in memory). */
typedef struct moments {
    const pp_prep *p;
    int pass;
    bf_moments *m; /* one per column */
} moments;

static int visit_moments(void *ctx, const dl_tensor *x, uint64_t first_row, dl_err *e)
{
    moments *m = ctx;
    size_t cols = pp_output_dim(m->p), rows = (size_t)x->shape[0];
    dl_tensor z;
    if (dl_tensor_alloc2(&z, "x", DL_F64, rows, cols, e))
        return e->code;
    int rc = pp_apply(m->p, x->data, rows, first_row, z.data, e);
    const double *v = z.data;
    for (size_t i = 0; !rc && i < rows; i++)
        for (size_t k = 0; k < cols; k++) {
            if (m->pass == 0)
                bf_moments_add(&m->m[k], v[i * cols + k]);
            else
                bf_moments_add_dev(&m->m[k], v[i * cols + k]);
        }
    dl_tensor_free(&z);
    return rc;
}

static int fit_moments(spool *s, const design_opts *o, pp_prep *p, const char *label,
                       bf_design **d, dl_err *e)
{
    size_t cols = pp_output_dim(p);
    moments m = {p, 0, calloc(cols ? cols : 1, sizeof *m.m)};
    int rc = !m.m ? dl_fail(e, DL_ENOMEM, "out of memory for the moments of %zu columns", cols)
                  : 0;
    for (size_t k = 0; !rc && k < cols; k++)
        bf_moments_init(&m.m[k]);
    if (!rc)
        rc = each_x(s, label, visit_moments, &m, e);
    for (size_t k = 0; !rc && k < cols; k++)
        bf_moments_mean(&m.m[k]);
    m.pass = 1;
    if (!rc && cols > 0 && m.m[0].values.n > 0)
        rc = each_x(s, label, visit_moments, &m, e);
    if (rc)
        pp_free(p);
    else
        rc = bf_fit_moments(d, &o->basis, p, m.m, e) && dl_err_wrap(e, "%s", label) ? e->code
                                                                                       : 0;
    free(m.m);
    return rc;
}

static int fit_design(spool *s, const design_opts *o, pp_fitter *f, const char *label,
                      bf_design **d, dl_err *e)
{
    int again = 1;
    pp_prep *p = NULL;
    int rc = pp_fit_pass_done(f, &again, e);
    while (!rc && again)
        rc = each_x(s, label, visit_fit, f, e) || pp_fit_pass_done(f, &again, e) ? e->code : 0;
    if (rc) {
        pp_fitter_free(f);
        return dl_err_wrap(e, "%s", label);
    }
    if (pp_fit_end(f, &p, e) || check_columns(o, pp_output_dim(p), 1, e)) {
        pp_free(p);
        return dl_err_wrap(e, "%s", label);
    }
    if (!bf_opts_need_data(&o->basis))
        return bf_fit_prep(d, &o->basis, p, NULL, 0, e);
    if (!bf_opts_need_rows(&o->basis))
        return fit_moments(s, o, p, label, d, e);
    gathered g;
    g.p = p;
    memset(&g.z, 0, sizeof g.z);
    rc = each_x(s, label, visit_gather, &g, e);
    if (rc)
        pp_free(p);
    else
        rc = bf_fit_prep(d, &o->basis, p, g.z.data, (size_t)g.z.shape[0], e) &&
                     dl_err_wrap(e, "%s", label) ? e->code : 0;
    dl_tensor_free(&g.z);
    return rc;
}

/* The last pass: the design, then the spool's records in order. */
static int write_output(spool *s, st_writer *w, const design_opts *o, const bf_design *d,
                        const char *label, design_report *report, dl_err *e)
{
    st_reader *r;
    st_header h;
    int found = 0;
    held_x held;
    int rc = write_design(w, d, o, label, report, e) || spool_rewind(s, label, &r, e) ? e->code
                                                                                      : 0;
    if (rc)
        return rc;
    memset(&held, 0, sizeof held);
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found) {
        if (strcmp(h.name, "x") != 0) {
            rc = st_copy_record(r, &h, w, e);
            continue;
        }
        rc = hold_x(r, w, d, &held, &h, 1, e);
    }
    if (!rc)
        rc = flush_held(r, w, d, &held, 1, e);
    dl_tensor_free(&held.x);
    st_reader_close(r);
    return rc;
}

static int fit_then_write(st_reader *r, st_writer *w, const design_opts *o,
                          design_report *report, dl_err *e)
{
    spool s;
    pp_meta m;
    pp_fitter *f = NULL;
    bf_design *d = NULL;
    const char *label = st_reader_label(r);
    pp_meta_init(&m);
    int rc = spool_open(&s, e) || first_pass(r, &s, o, &m, &f, e) ? e->code : 0;
    if (!rc) { /* st_writer_close frees the writer in every case */
        rc = st_writer_close(s.w, e);
        s.w = NULL;
    }
    if (rc)
        pp_fitter_free(f);
    else
        rc = fit_design(&s, o, f, label, &d, e) || write_output(&s, w, o, d, label, report, e)
                 ? e->code
                 : 0;
    bf_free(d);
    pp_meta_free(&m);
    spool_close(&s);
    return rc;
}

/* ------------------------------- running ------------------------------- */

/* The first `design` record of a stream file. */
static int load_design(const char *path, bf_design **d, dl_err *e)
{
    st_reader *r;
    st_header h;
    int more = 0, rc = 0, found = 0;
    if (st_reader_open(&r, path, e))
        return e->code;
    while (!found && !rc && !(rc = st_next_header(r, &h, &more, e)) && more) {
        if (strcmp(h.name, "design") != 0) {
            rc = st_skip_payload(r, &h, e);
            continue;
        }
        dl_tensor rec;
        found = 1;
        rc = st_read_payload(r, &h, &rec, e) || bf_from_record(d, &rec, e) ? e->code : 0;
        if (rc)
            dl_err_wrap(e, "%s", path);
        dl_tensor_free(&rec);
    }
    if (!rc && !found) /* an empty file: the fit that was to write it failed, say */
        rc = st_reader_records(r) == 0 ? st_fail_empty(st_reader_label(r), e)
                                       : dl_fail(e, DL_EDATA, "%s: no 'design' record to apply",
                                                 st_reader_label(r));
    st_reader_close(r);
    return rc;
}

int design_run(st_reader *r, st_writer *w, const design_opts *o, dl_err *e)
{
    bf_design *d = NULL;
    design_report report = {""};
    int rc = o->apply ? load_design(o->apply, &d, e) : 0;
    if (!rc)
        rc = d || (!bf_opts_need_data(&o->basis) && !pp_opts_active(&o->prep))
                 ? stream_records(r, w, o, d, &report, e)
                 : fit_then_write(r, w, o, &report, e);
    bf_free(d);
    if (!rc && report.what[0])
        fprintf(o->log, "%s: %s\n", o->tool, report.what);
    return rc ? e->code : 0;
}

int design_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e)
{
    return design_run(r, w, opt, e);
}
