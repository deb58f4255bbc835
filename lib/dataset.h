/* dataset.h - row operations on a data set held as a tensor set, and the
 * record listing of `dl-tensor info`.
 *
 * The rows of a data set are those of `x` (else `y`, else `yhat`).  Every
 * tensor of rank >= 1 with that many rows is a row tensor and is cut or
 * permuted with them, so x, y, yhat and per-row weights stay aligned; any
 * other record (a model, parameters) is copied unchanged. */
#ifndef DL_DATASET_H
#define DL_DATASET_H

#include <stdint.h>
#include <stdio.h>

#include "tensor.h"

/* The row count N of the set (see above); an error when it has none of
 * x, y, yhat. */
int ds_rows(const dl_tensor_set *s, uint64_t *rows, const char *label, dl_err *e);

/* dst gets, in order, rows idx[0..count) of every row tensor of src and a
 * copy of every other tensor.  Indices must be below ds_rows(src). */
int ds_take_rows(const dl_tensor_set *src, const uint64_t *idx, uint64_t count,
                 dl_tensor_set *dst, const char *label, dl_err *e);

/* 0..n-1 (head) or a permutation of it drawn from seed (shuffle, split);
 * *out is malloc'd. */
int ds_index(uint64_t n, int shuffled, uint64_t seed, uint64_t **out, dl_err *e);

/* Prints every record's header (index, name, dtype, shape, encoding,
 * stored bytes, CRC check) and then one line per tensor name with the
 * chunks merged.  Reads path (NULL or "-": standard input) to the end. */
int ds_info(FILE *out, const char *path, dl_err *e);

#endif
