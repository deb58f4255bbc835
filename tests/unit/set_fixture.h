/* set_fixture.h - checkpoints built record by record in a tensor set, for
 * test_model.c and test_show.c.  A failed allocation leaves the record
 * out, which the code under test then reports as missing. */
#ifndef DL_SET_FIXTURE_H
#define DL_SET_FIXTURE_H

#include <string.h>

#include "tensor.h"

/* A text record (u8, rank 1) holding text without its NUL. */
static void add_text(dl_tensor_set *s, const char *name, const char *text)
{
    dl_tensor t;
    dl_err e;
    uint64_t len = strlen(text);
    if (dl_tensor_alloc(&t, name, DL_U8, 1, &len, &e) == 0) {
        memcpy(t.data, text, len);
        dl_set_add(s, &t, &e);
    }
}

/* An f64 record of the given shape holding v. */
static void add_f64(dl_tensor_set *s, const char *name, int rank, const uint64_t *shape,
                    const double *v)
{
    dl_tensor t;
    dl_err e;
    if (dl_tensor_alloc(&t, name, DL_F64, rank, shape, &e) == 0) {
        memcpy(t.data, v, dl_tensor_nbytes(&t));
        dl_set_add(s, &t, &e);
    }
}

#endif
