/* shard.h - one process's share of a data set's rows.
 *
 * In a data-parallel run each of `parts` processes reads only part `part`
 * of the rows of a data set that all of them can see: the balanced
 * contiguous range [first, first + count) of the rows of `x` and `y` (and
 * of the weights `w`, when the data has them)
 * (rows * part / parts, rounded so that shares differ by at most one row).
 * A first pass reads the record headers, seeking past every payload, and
 * checks every chunk against the first of its name as st_read_set does
 * (dtype, trailing shape; the same messages); the
 * second reads only the chunks that overlap the share (cutting the two at
 * its ends) and the `design` record, and seeks past everything else.  So N
 * processes do not each read and parse the whole file. */
#ifndef DL_SHARD_H
#define DL_SHARD_H

#include <stdint.h>

#include "tensor.h"

typedef struct sh_share {
    uint64_t rows;  /* of the whole data set */
    uint64_t first; /* first row of this share */
    uint64_t count; /* rows in this share */
} sh_share;

/* Reads share `part` of `parts` (0 <= part < parts) of the stream at path
 * (a regular file: standard input, a pipe or a device cannot be shared)
 * into set: x, y and w cut to the share, design and the column metadata
 * (*.names, *.categories) whole (a repeat of metadata must be the same
 * bytes, as for dl_set_add); a share of no rows (fewer rows than parts)
 * has x, y and w of no rows, with their columns.  DL_EDATA when x or y is
 * missing, when their row counts differ, or when chunks of one name differ
 * as st_read_set refuses them; DL_EUSAGE for standard input or a pipe, FIFO,
 * device or socket, refused before anything is opened (a directory is the
 * reader's read error, as in one process). */
int sh_read(const char *path, int part, int parts, dl_tensor_set *set, sh_share *share,
            dl_err *e);
/* 0 when path names a file that several processes can each read whole;
 * DL_EUSAGE, the message naming the file as `what` ("the data"), for
 * standard input ("-" or NULL) or a pipe, FIFO, device or socket, refused
 * without opening it (a directory is left to the reader's error, as in one
 * process). */
int sh_shareable(const char *path, const char *what, dl_err *e);

#endif
