/* dataset.h - row operations on a data set held as a tensor set, the
 * commands that cut a stream by rows (`dl-tensor head`, `shuffle`, `split`),
 * and the record listing of `dl-tensor info`.
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
 * x, y, yhat, or when those present, or the weights w, differ in rows. */
int ds_rows(const dl_tensor_set *s, uint64_t *rows, const char *label, dl_err *e);

/* dst gets, in order, rows idx[0..count) of every row tensor of src and a
 * copy of every other tensor.  Indices must be below ds_rows(src). */
int ds_take_rows(const dl_tensor_set *src, const uint64_t *idx, uint64_t count,
                 dl_tensor_set *dst, const char *label, dl_err *e);

/* 0..n-1 (head) or a permutation of it drawn from seed (shuffle, split);
 * *out is malloc'd. */
int ds_index(uint64_t n, int shuffled, uint64_t seed, uint64_t **out, dl_err *e);

/* How `split` divides the rows between OUT1 (training) and OUT2 (test).
 * The rows are first put in a seeded random order P (the order both
 * outputs keep); then:
 *  - plain: OUT1 takes the first round(fraction x N) rows of P;
 *  - folds K, fold I: position j of P is in fold (j mod K) + 1, OUT2 is
 *    fold I and OUT1 the other K - 1 (fold sizes differ by at most one);
 *  - stratify: the classes of y (a label column, or one-hot rows) are kept
 *    in proportion: with a fraction, each class gives OUT1 the floor or the
 *    ceiling of fraction x its rows (largest remainders first, ties to the
 *    lower class, so OUT1 still has round(fraction x N) rows); with folds,
 *    the rows of each class, in P order, are dealt to the folds in turn,
 *    class after class, so every fold holds each class to within one row;
 *  - group: rows of one group (equal values of the group column) go to the
 *    same output.  Groups are taken in the order of their first row in P;
 *    with a fraction, OUT1 takes the first round(fraction x G) of the G
 *    groups (as scikit-learn's GroupShuffleSplit, a share of groups); with
 *    folds, groups from the largest down (equal sizes in P order) go each
 *    to the fold with the fewest rows so far, the first such fold on a tie
 *    (as GroupKFold). */
typedef struct ds_split_opts {
    double fraction;      /* share for OUT1; < 0: not given (0.8) */
    uint64_t seed;        /* of the order P */
    uint64_t folds, fold; /* folds > 0: OUT2 is fold `fold` of `folds` (1-based) */
    int stratify;         /* keep the class proportions of y */
    const char *group;    /* column of x by 0-based index or x.names name, or a
                             one-column row record; NULL: no groups */
} ds_split_opts;

void ds_split_defaults(ds_split_opts *o);
/* The options that cannot go together, before any input is read (DL_EUSAGE). */
int ds_split_check(const ds_split_opts *o, dl_err *e);
/* *order (malloc'd) holds the N row indices, OUT1's *first ones first and
 * OUT2's after, each in P order.  Errors name label. */
int ds_split_order(const dl_tensor_set *s, const ds_split_opts *o, const char *label,
                   uint64_t **order, uint64_t *first, dl_err *e);

/* The commands: the stream `in` (NULL or "-": standard input) read whole,
 * its rows cut, and the result written as st_writer_open writes `out`
 * (NULL or "-": standard output), with its flags (ST_ZLIB): the records in
 * their order, but a tensor's column metadata before it.
 * ds_head: the first `rows` rows (all when there are fewer);
 * ds_shuffle: every row, in the order ds_index draws from seed. */
int ds_head(const char *in, const char *out, uint64_t rows, int flags, dl_err *e);
int ds_shuffle(const char *in, const char *out, uint64_t seed, int flags, dl_err *e);
/* ds_split: OUT1's rows of ds_split_order to out1, OUT2's to out2, both
 * written in full and committed together, so a failure leaves both paths
 * as they were.  Two paths of one file, and options that cannot go
 * together (ds_split_check), are refused first (DL_EUSAGE). */
int ds_split(const char *in, const char *out1, const char *out2, const ds_split_opts *o,
             int flags, dl_err *e);

/* Prints every record's header (index, name, dtype, shape, encoding,
 * stored bytes, CRC check) and then one line per tensor name with the
 * chunks merged.  Reads path (NULL or "-": standard input) to the end. */
int ds_info(FILE *out, const char *path, dl_err *e);

#endif
