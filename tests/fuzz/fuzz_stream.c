/* libFuzzer target for the stream reader: any bytes must give records or a
 * clean error, never a crash, a leak or an allocation beyond the input; and
 * records read ahead in pieces of rows must end in the status and message
 * of the same records read whole, and be their bytes when none fails.
 * Build and run with `make fuzz`. */
#include "fuzz.h"

#include "buf.h"

#include <string.h>

static int keep_all(const char *name)
{
    (void)name;
    return ST_AHEAD_READ;
}

/* The payloads of fd's records read ahead (no thread), whole (piece_rows
 * 0) or in pieces, one after the other into *out; the status of the end. */
static int read_ahead(int fd, uint64_t piece_rows, unsigned char **out, size_t *len, dl_err *e)
{
    *out = NULL;
    *len = 0;
    if (lseek(fd, 0, SEEK_SET) != 0)
        return dl_fail_errno(e, "lseek");
    st_reader *r;
    st_ahead *a;
    st_header h;
    dl_tensor t;
    int found;
    if (st_reader_from_fd(&r, fd, "fuzz", e))
        return e->code;
    int rc = st_ahead_start(&a, r, keep_all, 0, piece_rows, e);
    size_t cap = 0;
    while (!rc && !(rc = st_ahead_next(a, &h, &t, NULL, &found, e)) && found) {
        size_t n = t.data ? (size_t)dl_tensor_nbytes(&t) : 0;
        fuzz_require(dl_vec_reserve(out, &cap, *len + n, 1, e) == 0, "out of memory", e);
        if (n)
            memcpy(*out + *len, t.data, n);
        *len += n;
        st_ahead_recycle(a, &t);
    }
    st_ahead_stop(a);
    st_reader_close(r);
    return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int fd = fuzz_memfd(data, size);
    if (fd < 0)
        return 0;
    dl_err e, whole_e, piece_e;
    dl_tensor_set set;
    dl_set_init(&set);
    fuzz_read_set(fd, &set, &e);
    dl_set_free(&set);
    dl_err_clear(&whole_e);
    dl_err_clear(&piece_e);
    unsigned char *whole, *pieces;
    size_t whole_len, pieces_len;
    int whole_rc = read_ahead(fd, 0, &whole, &whole_len, &whole_e);
    int piece_rc = read_ahead(fd, 3, &pieces, &pieces_len, &piece_e);
    fuzz_require(whole_rc == piece_rc && strcmp(whole_e.msg, piece_e.msg) == 0,
                 "pieces end as the whole records", &piece_e);
    /* (before an error, the pieces of the failing record have come) */
    fuzz_require(whole_rc || (whole_len == pieces_len &&
                              (!whole_len || memcmp(whole, pieces, whole_len) == 0)),
                 "pieces hold the whole records' bytes", NULL);
    free(whole);
    free(pieces);
    close(fd);
    return 0;
}
