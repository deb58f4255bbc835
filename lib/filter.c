#include "filter.h"

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
