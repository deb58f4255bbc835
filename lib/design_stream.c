#include "design_stream.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "filter.h"

/* The records of the input in order, for the fitting pass. */
typedef struct record_list {
    dl_tensor *items;
    size_t count, cap;
} record_list;

static int list_push(record_list *l, dl_tensor *t, dl_err *e)
{
    if (dl_vec_reserve(&l->items, &l->cap, l->count + 1, sizeof *l->items, e))
        return dl_err_wrap(e, "the records");
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
static int check_columns(const design_opts *o, uint64_t inputs, dl_err *e)
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
    if (cols > DESIGN_COLUMNS_WARN)
        fprintf(o->log, "%s: warning: %llu design columns for %llu input%s\n", o->tool,
                (unsigned long long)cols, (unsigned long long)inputs,
                dl_plural((unsigned long long)inputs));
    return 0;
}

static uint64_t header_columns(const st_header *h) { return h->rank >= 2 ? h->shape[1] : 1; }

static int write_design(st_writer *w, const bf_design *d, const design_opts *o, dl_err *e)
{
    dl_tensor rec;
    if (bf_to_record(d, &rec, e))
        return e->code;
    int rc = st_write(w, &rec, e);
    dl_tensor_free(&rec);
    if (!rc && !o->quiet) {
        char what[256];
        bf_describe(d, what, sizeof what);
        fprintf(o->log, "%s: %s\n", o->tool, what);
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

/* Streaming: each x chunk is designed and written as it arrives.  d is the
 * given design, or NULL to fit one on the first x header (no data needed). */
static int stream_records(st_reader *r, st_writer *w, const design_opts *o, bf_design *d,
                          dl_err *e)
{
    st_header h;
    int found = 0, seen_x = 0, rc = 0;
    bf_design *own = NULL;
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found) {
        if (strcmp(h.name, "design") == 0) {
            rc = refuse_design(r, &h, e);
        } else if (strcmp(h.name, "x") != 0) {
            rc = st_copy_record(r, &h, w, e);
        } else {
            dl_tensor x;
            if (!d && !(rc = check_columns(o, header_columns(&h), e)) &&
                !(rc = bf_fit(&own, &o->basis, NULL, 0, (size_t)header_columns(&h), e)))
                d = own;
            if (!rc && !seen_x++)
                rc = write_design(w, d, o, e);
            if (!rc && !(rc = st_read_payload(r, &h, &x, e))) {
                if (write_designed(w, d, &x, e))
                    rc = flt_record_error(r, &h, e);
                dl_tensor_free(&x);
            }
        }
    }
    bf_free(own);
    return flt_loop_end(r, rc, seen_x, e);
}

/* All records into memory; x chunks also concatenated, as f64, for the fit. */
static int read_all(st_reader *r, record_list *l, dl_tensor *xall, dl_err *e)
{
    dl_tensor t;
    int found, rc;
    while (!(rc = st_read(r, &t, &found, e)) && found) {
        int bad = 0;
        if (strcmp(t.name, "design") == 0) {
            dl_tensor_free(&t);
            return dl_fail(e, DL_EDATA, "%s: the input already went through dl-design; "
                                        "designs do not stack", st_reader_label(r));
        }
        if (strcmp(t.name, "x") == 0) {
            dl_tensor c;
            bad = dl_tensor_copy(&c, &t, e) || dl_tensor_as_matrix(&c, e) ||
                  dl_tensor_convert(&c, DL_F64, e) ||
                  (xall->data ? dl_tensor_append_rows(xall, &c, e) : dl_tensor_copy(xall, &c, e));
            dl_tensor_free(&c);
        }
        if (bad || list_push(l, &t, e)) {
            dl_tensor_free(&t);
            return dl_err_wrap(e, "%s: 'x'", st_reader_label(r));
        }
    }
    if (rc)
        return rc;
    if (st_reader_records(r) == 0)
        return st_fail_empty(st_reader_label(r), e);
    if (!xall->data)
        return dl_fail(e, DL_EDATA, "%s: no 'x' record", st_reader_label(r));
    return 0;
}

static int fit_then_write(st_reader *r, st_writer *w, const design_opts *o, dl_err *e)
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
        rc = check_columns(o, xall.shape[1], e) ||
                     (bf_fit(&d, &o->basis, xall.data, (size_t)xall.shape[0],
                             (size_t)xall.shape[1], e) &&
                      dl_err_wrap(e, "%s", st_reader_label(r)))
                 ? e->code
                 : 0;
    dl_tensor_free(&xall);
    if (!rc)
        rc = write_design(w, d, o, e);
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
    if (!rc && !found)
        rc = dl_fail(e, DL_EDATA, "%s: no 'design' record to apply", path);
    st_reader_close(r);
    return rc;
}

int design_run(st_reader *r, st_writer *w, const design_opts *o, dl_err *e)
{
    bf_design *d = NULL;
    int rc = o->apply ? load_design(o->apply, &d, e) : 0;
    if (!rc)
        rc = d || !bf_opts_need_data(&o->basis) ? stream_records(r, w, o, d, e)
                                                   : fit_then_write(r, w, o, e);
    bf_free(d);
    return rc ? e->code : 0;
}

int design_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e)
{
    return design_run(r, w, opt, e);
}
