/* many_records - writes a stream of N one-byte records with distinct names
 * (r0, r1, ...) and then x and y of N rows, to standard output: a small file
 * that stresses every reader's handling of many names. */
#include <stdio.h>
#include <stdlib.h>

#include "stream.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: many_records N > FILE\n");
        return 2;
    }
    unsigned long n = strtoul(argv[1], NULL, 10);
    dl_err e;
    st_writer *w;
    if (st_writer_from_fd(&w, 1, "stdout", ST_ALLOW_TTY, &e))
        return dl_err_print("many_records", &e), e.code;
    uint64_t one = 1;
    unsigned char byte = 1;
    for (unsigned long i = 0; i < n; i++) {
        char name[32];
        snprintf(name, sizeof name, "r%lu", i);
        if (st_write_data(w, name, DL_U8, 1, &one, &byte, &e))
            return dl_err_print("many_records", &e), e.code;
    }
    dl_tensor x, y;
    if (dl_tensor_alloc2(&x, "x", DL_F32, n, 1, &e) || dl_tensor_alloc2(&y, "y", DL_F32, n, 1, &e))
        return dl_err_print("many_records", &e), e.code;
    for (unsigned long i = 0; i < n; i++) {
        ((float *)x.data)[i] = (float)(i % 7) / 7.0f;
        ((float *)y.data)[i] = 2.0f * ((float *)x.data)[i] + 1.0f;
    }
    if (st_write(w, &x, &e) || st_write(w, &y, &e) || st_writer_close(w, &e))
        return dl_err_print("many_records", &e), e.code;
    dl_tensor_free(&x);
    dl_tensor_free(&y);
    return 0;
}
