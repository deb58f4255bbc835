#include "tensor.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "buf.h"
#include "colmeta.h"

/* ============================== dtypes ============================== */

size_t dl_dtype_size(int dtype)
{
    switch (dtype) {
    case DL_U8: return 1;
    case DL_I32: case DL_F32: return 4;
    case DL_I64: case DL_F64: return 8;
    default: return 0;
    }
}

static const char *const dtype_names[] = {"?", "u8", "i32", "i64", "f32", "f64"};

const char *dl_dtype_name(int dtype)
{
    return dl_dtype_size(dtype) ? dtype_names[dtype] : dtype_names[0];
}

int dl_dtype_parse(const char *s)
{
    for (int d = DL_U8; d <= DL_F64; d++)
        if (strcmp(s, dtype_names[d]) == 0)
            return d;
    return -1;
}

int dl_dtype_is_float(int dtype) { return dtype == DL_F32 || dtype == DL_F64; }

/* ============================== shapes ============================== */

int dl_shape_bytes(int dtype, int rank, const uint64_t *shape, uint64_t *nelem,
                   uint64_t *nbytes, dl_err *e)
{
    size_t esize = dl_dtype_size(dtype);
    if (!esize)
        return dl_fail(e, DL_EDATA, "unknown dtype %d", dtype);
    if (rank < 0 || rank > DL_RANK_MAX)
        return dl_fail(e, DL_EDATA, "rank %d is outside 0..%d", rank, DL_RANK_MAX);
    uint64_t n = 1, limit = DL_TENSOR_BYTES_MAX / esize;
    for (int i = 0; i < rank; i++) {
        if (shape[i] != 0 && n > limit / shape[i])
            return dl_fail(e, DL_ENOMEM, "shape is too large (over %llu bytes)",
                           (unsigned long long)DL_TENSOR_BYTES_MAX);
        n *= shape[i];
    }
    if (nelem)
        *nelem = n;
    if (nbytes)
        *nbytes = n * esize;
    return 0;
}

uint64_t dl_tensor_nelem(const dl_tensor *t)
{
    uint64_t n = 1;
    for (int i = 0; i < t->rank; i++)
        n *= t->shape[i];
    return n;
}

uint64_t dl_tensor_nbytes(const dl_tensor *t) { return dl_tensor_nelem(t) * dl_dtype_size(t->dtype); }

uint64_t dl_tensor_row_size(const dl_tensor *t)
{
    uint64_t n = 1;
    for (int i = 1; i < t->rank; i++)
        n *= t->shape[i];
    return n;
}

uint64_t dl_tensor_rows(const dl_tensor *t) { return t->rank ? t->shape[0] : 1; }

double dl_dtype_load_f64(const void *data, int dtype, uint64_t i)
{
    switch (dtype) {
    case DL_F64: return ((const double *)data)[i];
    case DL_F32: return ((const float *)data)[i];
    case DL_I32: return ((const int32_t *)data)[i];
    case DL_I64: return (double)((const int64_t *)data)[i];
    default: return ((const uint8_t *)data)[i];
    }
}

float dl_dtype_load_f32(const void *data, int dtype, uint64_t i)
{
    /* An int64 through a double would be rounded twice: 2^60 + 2^36 + 1
     * becomes the tie 2^60 + 2^36 and then 2^60, not 2^60 + 2^37. */
    if (dtype == DL_I64)
        return (float)((const int64_t *)data)[i];
    return (float)dl_dtype_load_f64(data, dtype, i);
}

double dl_tensor_get(const dl_tensor *t, uint64_t i) { return dl_dtype_load_f64(t->data, t->dtype, i); }

/* ============================ life cycle ============================ */

int dl_tensor_rename(dl_tensor *t, const char *name, dl_err *e)
{
    size_t len = strlen(name);
    if (len > DL_NAME_MAX)
        return dl_fail(e, DL_EUSAGE, "tensor name '%.40s...' is longer than %d bytes", name,
                       DL_NAME_MAX);
    const char *fault = dl_name_fault(name, len);
    if (fault)
        return dl_fail(e, DL_EUSAGE, "a tensor name %s", fault);
    memcpy(t->name, name, len + 1);
    return 0;
}

int dl_tensor_alloc(dl_tensor *t, const char *name, int dtype, int rank,
                    const uint64_t *shape, dl_err *e)
{
    uint64_t nbytes = 0; /* the data's size, once dl_shape_bytes has checked the shape */
    memset(t, 0, sizeof *t);
    if (dl_shape_bytes(dtype, rank, shape, NULL, &nbytes, e) ||
        dl_tensor_rename(t, name, e))
        return e->code;
    t->dtype = dtype;
    t->rank = rank;
    for (int i = 0; i < rank; i++)
        t->shape[i] = shape[i];
    if (nbytes > SIZE_MAX)
        return dl_fail(e, DL_ENOMEM, "'%s': %llu bytes do not fit in memory", name,
                       (unsigned long long)nbytes);
    t->data = calloc(nbytes ? (size_t)nbytes : 1, 1);
    dl_mem_huge(t->data);
    if (!t->data)
        return dl_fail(e, DL_ENOMEM, "'%s': cannot allocate %llu bytes", name,
                       (unsigned long long)nbytes);
    return 0;
}

int dl_tensor_alloc2(dl_tensor *t, const char *name, int dtype, uint64_t rows,
                     uint64_t cols, dl_err *e)
{
    uint64_t shape[2] = {rows, cols};
    return dl_tensor_alloc(t, name, dtype, 2, shape, e);
}

void dl_tensor_free(dl_tensor *t)
{
    free(t->data);
    t->data = NULL;
}

int dl_tensor_copy(dl_tensor *dst, const dl_tensor *src, dl_err *e)
{
    if (dl_tensor_alloc(dst, src->name, src->dtype, src->rank, src->shape, e))
        return e->code;
    memcpy(dst->data, src->data, (size_t)dl_tensor_nbytes(src));
    return 0;
}

/* ============================ conversion ============================ */

static int64_t load_as_i64(const void *data, int dtype, uint64_t i)
{
    switch (dtype) {
    case DL_U8: return ((const uint8_t *)data)[i];
    case DL_I32: return ((const int32_t *)data)[i];
    default: return ((const int64_t *)data)[i];
    }
}

static int store_converted(void *out, int dtype, uint64_t i, const dl_tensor *t, dl_err *e)
{
    int from_float = dl_dtype_is_float(t->dtype);
    if (dtype == DL_F32) {
        ((float *)out)[i] = dl_dtype_load_f32(t->data, t->dtype, i);
        return 0;
    }
    if (dtype == DL_F64) {
        ((double *)out)[i] = dl_dtype_load_f64(t->data, t->dtype, i);
        return 0;
    }
    int64_t v;
    if (from_float) {
        double d = dl_dtype_load_f64(t->data, t->dtype, i);
        if (!(d == floor(d)) || fabs(d) > 9.0e18)
            return dl_fail(e, DL_EDATA, "'%s': element %llu (%g) is not a whole number",
                           t->name, (unsigned long long)i, d);
        v = (int64_t)d;
    } else {
        v = load_as_i64(t->data, t->dtype, i);
    }
    int64_t lo = dtype == DL_U8 ? 0 : dtype == DL_I32 ? INT32_MIN : INT64_MIN;
    int64_t hi = dtype == DL_U8 ? 255 : dtype == DL_I32 ? INT32_MAX : INT64_MAX;
    if (v < lo || v > hi)
        return dl_fail(e, DL_EDATA, "'%s': element %llu (%lld) does not fit in %s", t->name,
                       (unsigned long long)i, (long long)v, dl_dtype_name(dtype));
    if (dtype == DL_U8)
        ((uint8_t *)out)[i] = (uint8_t)v;
    else if (dtype == DL_I32)
        ((int32_t *)out)[i] = (int32_t)v;
    else
        ((int64_t *)out)[i] = v;
    return 0;
}

int dl_tensor_convert(dl_tensor *t, int dtype, dl_err *e)
{
    if (t->dtype == dtype)
        return 0;
    uint64_t n, nbytes;
    if (dl_shape_bytes(dtype, t->rank, t->shape, &n, &nbytes, e))
        return e->code;
    void *out = malloc(nbytes ? (size_t)nbytes : 1);
    if (!out)
        return dl_fail(e, DL_ENOMEM, "'%s': cannot allocate %llu bytes", t->name,
                       (unsigned long long)nbytes);
    for (uint64_t i = 0; i < n; i++)
        if (store_converted(out, dtype, i, t, e)) {
            free(out);
            return e->code;
        }
    free(t->data);
    t->data = out;
    t->dtype = dtype;
    return 0;
}

int dl_tensor_chunk_mismatch(const dl_tensor *first, const dl_tensor *chunk, char *why, size_t len)
{
    if (chunk->dtype != first->dtype)
        return snprintf(why, len, "chunk dtype %s differs from %s", dl_dtype_name(chunk->dtype),
                        dl_dtype_name(first->dtype));
    if (chunk->rank != first->rank || chunk->rank == 0)
        return snprintf(why, len, "chunk of rank %d cannot extend rank %d", chunk->rank,
                        first->rank);
    for (int i = 1; i < chunk->rank; i++)
        if (chunk->shape[i] != first->shape[i])
            return snprintf(why, len, "chunk axis %d is %llu, expected %llu", i,
                            (unsigned long long)chunk->shape[i],
                            (unsigned long long)first->shape[i]);
    return 0;
}

/* src's rows can follow dst's (the same dtype and trailing shape); *nbytes
 * the bytes of both. */
static int rows_fit(const dl_tensor *dst, const dl_tensor *src, uint64_t *nbytes, dl_err *e)
{
    char why[160];
    if (dl_tensor_chunk_mismatch(dst, src, why, sizeof why))
        return dl_fail(e, DL_EDATA, "'%s': %s", src->name, why);
    uint64_t shape[DL_RANK_MAX];
    memcpy(shape, dst->shape, sizeof shape);
    shape[0] += src->shape[0];
    if (shape[0] < src->shape[0] || dl_shape_bytes(dst->dtype, dst->rank, shape, NULL, nbytes, e))
        return e->code ? e->code : dl_fail(e, DL_ENOMEM, "'%s': too many rows", src->name);
    return 0;
}

void *dl_tensor_grow_rows(dl_tensor *dst, const dl_tensor *src, dl_err *e)
{
    uint64_t nbytes, old = dl_tensor_nbytes(dst);
    if (rows_fit(dst, src, &nbytes, e))
        return NULL;
    void *grown = realloc(dst->data, nbytes ? (size_t)nbytes : 1);
    if (!grown) {
        dl_fail(e, DL_ENOMEM, "'%s': cannot grow to %llu bytes", src->name,
                (unsigned long long)nbytes);
        return NULL;
    }
    dst->data = grown;
    dl_mem_huge(grown);
    return (char *)grown + old;
}

int dl_tensor_append_rows(dl_tensor *dst, const dl_tensor *src, dl_err *e)
{
    void *tail = dl_tensor_grow_rows(dst, src, e);
    if (!tail)
        return e->code;
    memcpy(tail, src->data, (size_t)dl_tensor_nbytes(src));
    dst->shape[0] += src->shape[0];
    return 0;
}

int dl_tensor_as_matrix(dl_tensor *t, dl_err *e)
{
    if (t->rank == 2)
        return 0;
    if (t->rank > 2)
        return dl_fail(e, DL_EDATA, "'%s' has rank %d, expected a matrix (rows x columns)",
                       t->name, t->rank);
    t->shape[0] = t->rank == 1 ? t->shape[0] : 1;
    t->shape[1] = 1;
    t->rank = 2;
    return 0;
}

/* Full blocks are scanned by exponent bits, with a constant trip count and
 * no branch per element, so compilers vectorize them at -O2: this check runs
 * on every value a tool reads.  A block with a hit is scanned again for it. */
#define NONFINITE_BLOCK 1024

/* 1 if a block of floats holds a value whose exponent bits are all ones
 * (NaN, Inf): each value's exponent compared with all ones, a 32-bit
 * compare that SSE2 has (twice the speed of the unsigned maximum below). */
static uint32_t block_has_nonfinite_f32(const void *data, uint64_t from)
{
    const float *v = (const float *)data + from;
    uint32_t hits = 0;
    for (int i = 0; i < NONFINITE_BLOCK; i++) {
        uint32_t bits;
        memcpy(&bits, v + i, sizeof bits);
        hits |= (bits & 0x7f800000u) == 0x7f800000u;
    }
    return hits;
}

/* The same for doubles, where SSE2 has no 64-bit compare: adding one to
 * the exponent field carries into the sign bit exactly when the field is all
 * ones, and an OR of the sums gathers the carries (an AND, an add and an OR
 * per value: three times the speed of an unsigned maximum of magnitudes). */
static uint32_t block_has_nonfinite_f64(const void *data, uint64_t from)
{
    const double *v = (const double *)data + from;
    uint64_t carries = 0;
    for (int i = 0; i < NONFINITE_BLOCK; i++) {
        uint64_t bits;
        memcpy(&bits, v + i, sizeof bits);
        carries |= (bits & 0x7ff0000000000000u) + 0x0010000000000000u;
    }
    return (uint32_t)(carries >> 63);
}

/* A tensor of this many values or more is checked in parts on BLAS's
 * threads: dl-predict's pieces of 1,024 rows of 784 floats are one. */
#define NONFINITE_SPLIT_MIN ((size_t)1 << 19)

typedef struct nonfinite_part {
    const dl_tensor *t;
    uint32_t (*block)(const void *, uint64_t);
    size_t from, to;
    int64_t hit; /* the part's first non-finite value, or -1 */
} nonfinite_part;

static void nonfinite_part_run(void *arg)
{
    nonfinite_part *p = arg;
    size_t from = p->from;
    while (from + NONFINITE_BLOCK <= p->to && !p->block(p->t->data, from))
        from += NONFINITE_BLOCK;
    p->hit = -1;
    for (size_t i = from; i < p->to && p->hit < 0; i++)
        if (!isfinite(dl_dtype_load_f64(p->t->data, p->t->dtype, i)))
            p->hit = (int64_t)i;
}

int64_t dl_tensor_find_nonfinite(const dl_tensor *t)
{
    uint32_t (*block)(const void *, uint64_t) =
        t->dtype == DL_F32   ? block_has_nonfinite_f32
        : t->dtype == DL_F64 ? block_has_nonfinite_f64
                             : NULL;
    size_t n = block ? (size_t)dl_tensor_nelem(t) : 0;
    int parts = dl_blas_parts(n, NONFINITE_SPLIT_MIN);
    nonfinite_part part[DL_BLAS_PARTS_MAX];
    for (int i = 0; i < parts; i++) {
        part[i] = (nonfinite_part){t, block, 0, 0, -1};
        dl_blas_part_range(n, parts, i, NONFINITE_BLOCK, &part[i].from, &part[i].to);
    }
    dl_blas_run(nonfinite_part_run, part, parts, sizeof *part);
    for (int i = 0; i < parts; i++)
        if (part[i].hit >= 0)
            return part[i].hit;
    return -1;
}

void dl_shape_format(int rank, const uint64_t *shape, char *buf, size_t len)
{
    int used = snprintf(buf, len, "[");
    for (int i = 0; i < rank && used > 0 && (size_t)used < len; i++)
        used += snprintf(buf + used, len - (size_t)used, "%s%llu", i ? ", " : "",
                         (unsigned long long)shape[i]);
    if (used > 0 && (size_t)used < len)
        snprintf(buf + used, len - (size_t)used, "]");
}

void dl_tensor_describe(const dl_tensor *t, char *buf, size_t len)
{
    int used = snprintf(buf, len, "%s %s ", t->name, dl_dtype_name(t->dtype));
    if (used > 0 && (size_t)used < len)
        dl_shape_format(t->rank, t->shape, buf + used, len - (size_t)used);
}

/* ============================ tensor sets =========================== */

void dl_set_init(dl_tensor_set *s) { memset(s, 0, sizeof *s); }

void dl_set_free(dl_tensor_set *s)
{
    for (size_t i = 0; i < s->count; i++)
        dl_tensor_free(&s->items[i]);
    free(s->items);
    dl_names_free(&s->index);
    dl_set_init(s);
}

static const char *item_name(const void *items, size_t pos)
{
    return ((const dl_tensor *)items)[pos].name;
}

dl_tensor *dl_set_find(dl_tensor_set *s, const char *name)
{
    size_t pos = dl_names_find(&s->index, name, s->items, item_name);
    return pos == SIZE_MAX ? NULL : &s->items[pos];
}

static int set_push(dl_tensor_set *s, dl_tensor *t, dl_err *e)
{
    /* t is consumed either way, as the header says */
    if (dl_vec_reserve(&s->items, &s->cap, s->count + 1, sizeof *s->items, e)) {
        dl_tensor_free(t);
        return dl_err_wrap(e, "a set of %zu tensors", s->count);
    }
    if (dl_names_add(&s->index, t->name, s->count, e)) {
        dl_tensor_free(t);
        return e->code;
    }
    s->items[s->count++] = *t;
    t->data = NULL;
    return 0;
}

dl_tensor *dl_set_rows_of(dl_tensor_set *s, const char *name)
{
    return cm_is_meta_name(name) ? NULL : dl_set_find(s, name);
}

int dl_set_add(dl_tensor_set *s, dl_tensor *t, dl_err *e)
{
    dl_tensor *have = dl_set_find(s, t->name);
    if (!have)
        return set_push(s, t, e);
    /* Column metadata says the same of every chunk: one copy is kept. */
    int rc = cm_is_meta_name(t->name) ? cm_meta_repeat(have, t, e)
                                      : dl_tensor_append_rows(have, t, e);
    dl_tensor_free(t);
    return rc;
}

int dl_set_add_shape(dl_tensor_set *s, const dl_tensor *t, dl_err *e)
{
    if (cm_is_meta_name(t->name))
        return 0;
    dl_tensor d = *t;
    d.data = NULL;
    dl_tensor *have = dl_set_find(s, t->name);
    if (!have)
        return set_push(s, &d, e);
    uint64_t nbytes;
    if (rows_fit(have, &d, &nbytes, e))
        return e->code;
    have->shape[0] += d.shape[0];
    return 0;
}

int dl_set_put(dl_tensor_set *s, dl_tensor *t, dl_err *e)
{
    dl_tensor *have = dl_set_find(s, t->name);
    if (!have)
        return set_push(s, t, e);
    dl_tensor_free(have);
    *have = *t;
    t->data = NULL;
    return 0;
}

int dl_set_take(dl_tensor_set *s, const char *name, dl_tensor *out)
{
    dl_tensor *have = dl_set_find(s, name);
    if (!have)
        return 0;
    *out = *have;
    size_t i = (size_t)(have - s->items);
    memmove(&s->items[i], &s->items[i + 1], (s->count - i - 1) * sizeof *have);
    s->count--;
    /* Positions after i moved: index again (no allocation, the table only
     * shrinks in use; takes are few, a tool's x, y and parameters). */
    dl_err ignored;
    dl_names_clear(&s->index);
    for (size_t k = 0; k < s->count; k++)
        dl_names_add(&s->index, s->items[k].name, k, &ignored);
    return 1;
}

int dl_set_remove(dl_tensor_set *s, const char *name)
{
    dl_tensor t;
    if (!dl_set_take(s, name, &t))
        return 0;
    dl_tensor_free(&t);
    return 1;
}
