/* npy.h - the NumPy .npy array header: reading (v1, v2, v3; any byte
 * order; C or Fortran order) and writing (v1, host byte order, C order). */
#ifndef DL_NPY_H
#define DL_NPY_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "tensor.h"

typedef struct npy_header {
    int dtype;         /* enum dl_dtype the elements become (b1 -> u8) */
    size_t itemsize;   /* bytes per element in the file */
    int swap;          /* file byte order differs from the host's */
    int fortran;       /* column-major data */
    int boolean;       /* b1: a nonzero byte is 1, as numpy casts a bool */
    int rank;          /* 0..DL_RANK_MAX */
    uint64_t shape[DL_RANK_MAX];
    uint64_t nelem, nbytes;
} npy_header;

/* Parses the dictionary text of a header ("{'descr': '<f8', ...}"); the
 * label names the file in errors. */
int npy_parse_dict(const char *text, size_t len, npy_header *h, const char *label,
                   dl_err *e);
/* Writes a v1 header for a C-ordered array of the given dtype and shape. */
int npy_write_header(FILE *f, int dtype, int rank, const uint64_t *shape, dl_err *e);

#endif
