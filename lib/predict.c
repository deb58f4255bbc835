#include "predict.h"

#include <string.h>

#include "filter.h"
#include "model.h"

static int predict_chunk(mdl_model *m, st_reader *r, const st_header *h, st_writer *w,
                         int want_std, const predict_opts *o, dl_err *e)
{
    dl_tensor x, yhat, ystd;
    if (st_read_payload(r, h, &x, e))
        return e->code;
    int rc = mdl_predict(m, &x, &yhat, want_std ? &ystd : NULL, e);
    dl_tensor_free(&x);
    if (!rc && o->labels && mdl_labels(m, &yhat, o->threshold, e)) {
        dl_tensor_free(&yhat);
        rc = e->code;
    }
    if (rc)
        return flt_record_error(r, h, e);
    rc = st_write(w, &yhat, e) || (want_std && st_write(w, &ystd, e)) ? e->code : 0;
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
    return rc ? flt_record_error(r, h, e) : 0;
}

/* x.names and x.categories pass through and are kept for the design. */
static int input_columns(pp_meta *meta, st_reader *r, const st_header *h, st_writer *w,
                         int seen_x, dl_err *e)
{
    dl_tensor t;
    if (st_read_payload(r, h, &t, e))
        return e->code;
    int rc = st_write(w, &t, e) || pp_meta_take(meta, &t, seen_x, e) ? e->code : 0;
    dl_tensor_free(&t);
    return rc ? flt_record_error(r, h, e) : 0;
}

static int bind_columns(mdl_model *m, pp_meta *meta, st_reader *r, const st_header *h, dl_err *e)
{
    if (pp_meta_columns(meta, h->rank >= 2 ? h->shape[1] : 1, e) ||
        mdl_bind_input(m, &meta->cols, e))
        return flt_record_error(r, h, e);
    return 0;
}

static int predict_stream(mdl_model *m, st_reader *r, st_writer *w, int want_std,
                          const predict_opts *o, dl_err *e)
{
    st_header h;
    int found = 0, rc = 0, seen_x = 0;
    pp_meta meta;
    pp_meta_init(&meta);
    while (!rc && !(rc = st_next_header(r, &h, &found, e)) && found) {
        if (strcmp(h.name, "x") == 0) {
            rc = !seen_x++ && bind_columns(m, &meta, r, &h, e) ? e->code : 0;
            if (!rc)
                rc = predict_chunk(m, r, &h, w, want_std, o, e);
        } else if (pp_meta_is(h.name)) {
            rc = input_columns(&meta, r, &h, w, seen_x, e);
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
    pp_meta_free(&meta);
    return flt_loop_end(r, rc, seen_x, e);
}

/* Whether --labels applies is a property of the model alone: refused before
 * any input is read, naming the checkpoint rather than the data. */
static int labels_apply(const mdl_model *m, const predict_opts *o, dl_err *e)
{
    dl_tensor no_rows;
    memset(&no_rows, 0, sizeof no_rows);
    no_rows.dtype = DL_F32;
    no_rows.rank = 2;
    no_rows.shape[1] = mdl_output_dim(m);
    if (!o->labels || mdl_labels(m, &no_rows, o->threshold, e) == 0)
        return 0;
    return dl_err_wrap(e, "%s", strcmp(o->checkpoint, "-") ? o->checkpoint : "<stdin>");
}

int predict_run(st_reader *r, st_writer *w, const predict_opts *o, dl_err *e)
{
    mdl_model *m = NULL;
    int rc = mdl_load(&m, o->checkpoint, e) || labels_apply(m, o, e) ||
             predict_stream(m, r, w, mdl_has_std(m) && !o->no_std, o, e) ? e->code : 0;
    mdl_free(m);
    return rc ? e->code : 0;
}

int predict_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e)
{
    return predict_run(r, w, opt, e);
}
