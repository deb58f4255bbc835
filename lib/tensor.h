/* tensor.h - the in-memory tensor: a name, a dtype, a shape and owned data.
 *
 * Data is always host-endian and C-ordered in memory; the stream converts to
 * and from little-endian.  Row data (x, y, yhat) is rank 2, N rows first. */
#ifndef DL_TENSOR_H
#define DL_TENSOR_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "names.h"

enum dl_dtype { DL_U8 = 1, DL_I32 = 2, DL_I64 = 3, DL_F32 = 4, DL_F64 = 5 };

#define DL_RANK_MAX 8
#define DL_NAME_MAX 255
/* No single tensor may hold more bytes than this (a documented limit that
 * keeps every size computation far from overflow). */
#define DL_TENSOR_BYTES_MAX ((uint64_t)DL_MEM_ARRAY_MAX)

typedef struct dl_tensor {
    char name[DL_NAME_MAX + 1];
    int dtype;
    int rank;
    uint64_t shape[DL_RANK_MAX];
    void *data; /* owned; NULL when empty */
} dl_tensor;

size_t dl_dtype_size(int dtype);           /* 0 for an unknown dtype */
const char *dl_dtype_name(int dtype);      /* "f32", ... or "?" */
int dl_dtype_parse(const char *s);         /* -1 when unknown, as every *_parse */
int dl_dtype_is_float(int dtype);

/* Element count and byte size, checked against overflow and the size limit. */
int dl_shape_bytes(int dtype, int rank, const uint64_t *shape, uint64_t *nelem,
                   uint64_t *nbytes, dl_err *e);
uint64_t dl_tensor_nelem(const dl_tensor *t); /* of a valid tensor */
uint64_t dl_tensor_nbytes(const dl_tensor *t);
/* Elements per first-axis row (product of shape[1..]); 1 for rank <= 1. */
uint64_t dl_tensor_row_size(const dl_tensor *t);
uint64_t dl_tensor_rows(const dl_tensor *t);
/* Element i (C order) of any dtype, as a double. */
double dl_tensor_get(const dl_tensor *t, uint64_t i);
/* Element i of an array of `dtype`, as a double, or as a float rounded
 * once from the element's own value (as a C cast of it). */
double dl_dtype_load_f64(const void *data, int dtype, uint64_t i);
float dl_dtype_load_f32(const void *data, int dtype, uint64_t i);

/* Allocates zeroed data for the given shape; t is overwritten. */
int dl_tensor_alloc(dl_tensor *t, const char *name, int dtype, int rank,
                    const uint64_t *shape, dl_err *e);
int dl_tensor_alloc2(dl_tensor *t, const char *name, int dtype, uint64_t rows,
                     uint64_t cols, dl_err *e);
void dl_tensor_free(dl_tensor *t);
/* Gives t the name (at most DL_NAME_MAX bytes, else DL_EUSAGE). */
int dl_tensor_rename(dl_tensor *t, const char *name, dl_err *e);
int dl_tensor_copy(dl_tensor *dst, const dl_tensor *src, dl_err *e);
/* Converts the data in place to `dtype` (floats: C casts; to integers only
 * from integers or from floats that are exactly integral). */
int dl_tensor_convert(dl_tensor *t, int dtype, dl_err *e);
/* Why chunk cannot follow first as more rows of one tensor (another dtype,
 * rank 0 or another rank, another axis but the first), written into why
 * (without the name); its length, or 0 when it can. */
int dl_tensor_chunk_mismatch(const dl_tensor *first, const dl_tensor *chunk, char *why, size_t len);
/* Appends src's rows to dst (same dtype and trailing shape). */
int dl_tensor_append_rows(dl_tensor *dst, const dl_tensor *src, dl_err *e);
/* The first half of that: room in dst for the rows src's shape describes
 * (src->data unused), and where they go; dst's shape is unchanged until the
 * caller has written them and adds them to shape[0].  NULL on error. */
void *dl_tensor_grow_rows(dl_tensor *dst, const dl_tensor *src, dl_err *e);
/* Views a rank-1 tensor as N x 1 and a rank-0 as 1 x 1; rank-2 unchanged.
 * Higher ranks are an error naming the tensor. */
int dl_tensor_as_matrix(dl_tensor *t, dl_err *e);
/* First index of a NaN or Inf in a float tensor, or -1.  A large one is
 * checked in parts on BLAS's threads (dl_blas_run): call it from the
 * thread that calls BLAS, never from inside a part. */
int64_t dl_tensor_find_nonfinite(const dl_tensor *t);
/* "[100, 3]" ("[]" for rank 0), for messages and listings; cut short
 * (still terminated) when len is too small. */
void dl_shape_format(int rank, const uint64_t *shape, char *buf, size_t len);
/* "x f64 [100, 3]" for messages. */
void dl_tensor_describe(const dl_tensor *t, char *buf, size_t len);

/* -------- sets of tensors: a whole stream read into memory -------- */
typedef struct dl_tensor_set {
    dl_tensor *items;
    size_t count, cap;
    dl_name_index index; /* names to positions in items: a stream may hold many */
} dl_tensor_set;

void dl_set_init(dl_tensor_set *s);
void dl_set_free(dl_tensor_set *s);
/* Returns the tensor called `name`, or NULL (constant time). */
dl_tensor *dl_set_find(dl_tensor_set *s, const char *name);
/* Moves t into the set (t is left empty, also when it fails).  A tensor
 * whose name is already in the set is appended to it along the first axis:
 * that is how chunked and concatenated streams are reassembled.  Column
 * metadata (*.names, *.categories: colmeta.h) is not appended: a repeat
 * must be byte-identical to the copy kept, else DL_EDATA "'x.names'
 * differs between chunks". */
int dl_set_add(dl_tensor_set *s, dl_tensor *t, dl_err *e);
/* dl_set_add for a chunk known by its description alone (name, dtype,
 * shape; t->data unused, as of a record's header): the same checks and
 * messages, the set keeping descriptions (data NULL) whose first axis
 * counts the rows of every chunk so far.  Column metadata is skipped: its
 * repeats are compared by their bytes, which a description lacks. */
int dl_set_add_shape(dl_tensor_set *s, const dl_tensor *t, dl_err *e);
/* The tensor whose rows dl_set_add would append a chunk named `name` to
 * (not column metadata, which is kept once), or NULL. */
dl_tensor *dl_set_rows_of(dl_tensor_set *s, const char *name);
/* Moves t into the set, replacing any tensor of the same name (t is left
 * empty, also when it fails). */
int dl_set_put(dl_tensor_set *s, dl_tensor *t, dl_err *e);
/* Removes (and frees) the tensor called name; 1 if found. */
int dl_set_remove(dl_tensor_set *s, const char *name);
/* Takes the tensor out of the set into *out (ownership moves); 1 if found. */
int dl_set_take(dl_tensor_set *s, const char *name, dl_tensor *out);

#endif
