#include "filter.h"

#include <string.h>

int flt_record_error(const st_reader *r, const st_header *h, dl_err *e)
{
    return dl_err_wrap(e, "%s: record %llu ('%s')", st_reader_label(r),
                       (unsigned long long)h->index, h->name);
}

int flt_loop_end(const st_reader *r, int rc, int seen_x, dl_err *e)
{
    if (!rc && !seen_x)
        rc = st_reader_records(r) == 0 ? st_fail_empty(st_reader_label(r), e)
                                       : dl_fail(e, DL_EDATA, "%s: no 'x' record",
                                                 st_reader_label(r));
    return rc;
}

int flt_pass_chunk(const st_reader *r, const st_header *h, cm_passthrough *p, dl_err *e)
{
    dl_tensor t;
    memset(&t, 0, sizeof t);
    st_describe(h, &t);
    return cm_passthrough_chunk(p, &t, e) ? flt_record_error(r, h, e) : 0;
}

int flt_pass_record(st_reader *r, const st_header *h, st_writer *w, cm_passthrough *p,
                    dl_err *e)
{
    if (!cm_is_meta_name(h->name))
        return flt_pass_chunk(r, h, p, e) || st_copy_record(r, h, w, e) ? e->code : 0;
    dl_tensor t;
    if (st_read_payload(r, h, &t, e))
        return e->code;
    int rc = cm_passthrough_meta(p, &t, e) ? flt_record_error(r, h, e)
             : st_write(w, &t, e)           ? e->code
                                            : 0;
    dl_tensor_free(&t);
    return rc;
}
