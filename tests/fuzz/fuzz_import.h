/* fuzz_import.h - the body of the import targets (fuzz_csv, fuzz_npy,
 * fuzz_svmlight): the first input byte picks the import options, the rest
 * is the file.  Any file must import or fail with a message and a
 * documented status; what an import writes must read back as a stream. */
#ifndef DL_FUZZ_IMPORT_H
#define DL_FUZZ_IMPORT_H

#include <string.h>

#include "fuzz.h"
#include "textio.h"

/* Options from one byte: delimiter, header, targets, one named record or
 * x/y, non-finite cells, dtype, chunk size, and for text --missing tokens
 * (a quoted one with a doubled quote, a number, the empty cell) with both
 * of the last two bits. */
static void fuzz_import_opts(uint8_t b, int format, tx_import_opts *o)
{
    static const char delimiters[] = {0, ',', '\t', ';'};
    tx_import_defaults(o);
    o->format = format;
    o->delimiter = delimiters[b & 3];
    o->header = (int)((b >> 2) & 1) - ((b >> 3) & 1);   /* -1, 0 or 1 */
    o->targets = (b >> 4) & 1;
    o->name = (b >> 5) & 1 ? "z" : NULL;
    if (o->name)
        o->targets = 0;
    o->allow_nonfinite = (b >> 6) & 1;
    o->dtype = (b >> 7) & 1 ? DL_F32 : 0;
    /* small chunks: the default (64k rows) costs more per input than the
     * parsing the fuzzer is after, and 2 rows reaches the chunk joins */
    o->chunk_rows = (b & 0x30) == 0x30 ? 2 : 64;
    if (format == TX_CSV || format == TX_AUTO)
        o->missing = (b & 0xC0) == 0xC0 ? "NA,\"q\"\"r\",-999,''" : NULL;
}

static int fuzz_import(const uint8_t *data, size_t size, int format)
{
    if (size == 0)
        return 0;
    tx_import_opts o;
    fuzz_import_opts(data[0], format, &o);
    int in_fd = fuzz_memfd(data + 1, size - 1);
    int out_fd = fuzz_memfd(NULL, 0);
    if (in_fd < 0 || out_fd < 0) {
        if (in_fd >= 0)
            close(in_fd);
        if (out_fd >= 0)
            close(out_fd);
        return 0;
    }
    char path[64];
    fuzz_fd_path(in_fd, path, sizeof path);
    dl_err e;
    st_writer *w;
    int rc = st_writer_from_fd(&w, out_fd, "fuzz-out", 0, &e);
    if (rc == 0) {
        rc = tx_import(path, &o, w, &e);
        if (rc)
            st_writer_abort(w);
        else
            rc = st_writer_close(w, &e);
    }
    fuzz_require(rc >= DL_OK && rc <= DL_ENUM && rc == (rc ? e.code : 0),
                 "undocumented status", &e);
    fuzz_require(rc == 0 || (e.msg[0] && !strchr(e.msg, '\n')), "not one line", &e);
    if (rc == 0) {
        dl_tensor_set set;
        dl_set_init(&set);
        dl_err e2;
        fuzz_require(fuzz_read_set(out_fd, &set, &e2) == 0, "import wrote a bad stream", &e2);
        dl_set_free(&set);
    }
    close(in_fd);
    close(out_fd);
    return 0;
}

#endif
