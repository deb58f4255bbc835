/* stream_rw - benchmark helper for the stream library.
 *   stream_rw gen MB [--zlib]   write MB megabytes of f32 rows (x, 64 columns)
 *   stream_rw copy [--zlib]     read a stream from stdin, write it to stdout
 *   stream_rw sink              read and verify a stream from stdin
 * Each record goes through the full reader and writer (checks, CRCs). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stream.h"

static int gen(long mb, int flags, dl_err *e)
{
    const uint64_t cols = 64, rows = 16384; /* 4 MiB per record */
    dl_tensor x;
    if (dl_tensor_alloc2(&x, "x", DL_F32, rows, cols, e))
        return e->code;
    /* Measurements with noise: a smooth signal plus 16 random low bits, so
     * zlib sees data as compressible as real inputs, not a pattern. */
    float *v = x.data;
    uint64_t lcg = 12345;
    for (uint64_t i = 0; i < rows * cols; i++) {
        lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
        v[i] = (float)(i % cols) + (float)(lcg >> 48) * (1.0f / 65536.0f);
    }
    st_writer *w;
    if (st_writer_open(&w, NULL, flags, e))
        return e->code;
    for (long i = 0; i < mb / 4; i++)
        if (st_write(w, &x, e)) {
            st_writer_abort(w);
            return e->code;
        }
    dl_tensor_free(&x);
    return st_writer_close(w, e);
}

static int pump(int flags, int write_out, dl_err *e)
{
    st_reader *r;
    st_writer *w = NULL;
    if (st_reader_open(&r, NULL, e) || (write_out && st_writer_open(&w, NULL, flags, e)))
        return e->code;
    dl_tensor t;
    int rc, found;
    while (!(rc = st_read(r, &t, &found, e)) && found) {
        if (w)
            rc = st_write(w, &t, e);
        dl_tensor_free(&t);
        if (rc)
            break;
    }
    st_reader_close(r);
    if (rc) {
        st_writer_abort(w);
        return e->code;
    }
    return w ? st_writer_close(w, e) : 0;
}

int main(int argc, char **argv)
{
    dl_err e = {0, ""};
    int flags = argc > 2 && strcmp(argv[argc - 1], "--zlib") == 0 ? ST_ZLIB : 0;
    int rc = 2;
    if (argc >= 3 && strcmp(argv[1], "gen") == 0)
        rc = gen(atol(argv[2]), flags, &e);
    else if (argc >= 2 && strcmp(argv[1], "copy") == 0)
        rc = pump(flags, 1, &e);
    else if (argc >= 2 && strcmp(argv[1], "sink") == 0)
        rc = pump(0, 0, &e);
    else
        fprintf(stderr, "usage: stream_rw gen MB [--zlib] | copy [--zlib] | sink\n");
    if (rc && e.msg[0])
        fprintf(stderr, "stream_rw: %s\n", e.msg);
    return rc;
}
