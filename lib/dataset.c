/* dataset.c - head/shuffle/split as "take these rows", and `info`. */
#include "dataset.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "rng.h"
#include "stream.h"

static const dl_tensor *find(const dl_tensor_set *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    return NULL;
}

/* The rows of x, else y, else yhat; those present must agree, or cutting
 * them alike would silently misalign the data set. */
int ds_rows(const dl_tensor_set *s, uint64_t *rows, const char *label, dl_err *e)
{
    static const char *const names[] = {"x", "y", "yhat"};
    const dl_tensor *first = NULL;
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        const dl_tensor *t = find(s, names[i]);
        if (!t || t->rank < 1)
            continue;
        if (!first)
            first = t;
        else if (t->shape[0] != first->shape[0])
            return dl_fail(e, DL_EDATA, "%s: '%s' has %llu row%s but '%s' has %llu", label,
                           first->name, (unsigned long long)first->shape[0],
                           dl_plural((unsigned long long)first->shape[0]), t->name,
                           (unsigned long long)t->shape[0]);
    }
    if (!first)
        return s->count == 0 ? st_fail_empty(label, e)
                             : dl_fail(e, DL_EDATA, "%s: no 'x', 'y' or 'yhat' record to take "
                                                    "rows from", label);
    *rows = first->shape[0];
    return 0;
}

static int gather(const dl_tensor *src, const uint64_t *idx, uint64_t count, dl_tensor *dst,
                  dl_err *e)
{
    uint64_t shape[DL_RANK_MAX];
    memcpy(shape, src->shape, sizeof shape);
    shape[0] = count;
    if (dl_tensor_alloc(dst, src->name, src->dtype, src->rank, shape, e))
        return e->code;
    size_t row_bytes = (size_t)(dl_tensor_row_size(src) * dl_dtype_size(src->dtype));
    for (uint64_t i = 0; i < count; i++)
        memcpy((char *)dst->data + i * row_bytes, (const char *)src->data + idx[i] * row_bytes,
               row_bytes);
    return 0;
}

/* A record cut by rows: rank 1 or more with the data set's row count.  The
 * text records 'model' and 'design' describe the data, never hold rows: a
 * length that happens to equal the row count must not cut them. */
static int is_row_record(const dl_tensor *t, uint64_t rows)
{
    return t->rank >= 1 && t->shape[0] == rows && strcmp(t->name, "model") != 0 &&
           strcmp(t->name, "design") != 0;
}

int ds_take_rows(const dl_tensor_set *src, const uint64_t *idx, uint64_t count,
                 dl_tensor_set *dst, const char *label, dl_err *e)
{
    uint64_t rows;
    if (ds_rows(src, &rows, label, e))
        return e->code;
    for (size_t i = 0; i < src->count; i++) {
        const dl_tensor *t = &src->items[i];
        dl_tensor out;
        int rc = is_row_record(t, rows) ? gather(t, idx, count, &out, e)
                                        : dl_tensor_copy(&out, t, e);
        if (rc || dl_set_put(dst, &out, e)) {
            dl_tensor_free(&out);
            return dl_err_wrap(e, "%s", label);
        }
    }
    return 0;
}

int ds_index(uint64_t n, int shuffled, uint64_t seed, uint64_t **out, dl_err *e)
{
    if (n > SIZE_MAX / sizeof **out)
        return dl_fail(e, DL_ENOMEM, "%llu row%s are too many to index",
                       (unsigned long long)n, dl_plural((unsigned long long)n));
    *out = malloc(n ? (size_t)n * sizeof **out : 1);
    if (!*out)
        return dl_fail(e, DL_ENOMEM, "cannot allocate an index of %llu row%s",
                       (unsigned long long)n, dl_plural((unsigned long long)n));
    for (uint64_t i = 0; i < n; i++)
        (*out)[i] = i;
    if (shuffled) {
        dl_rng r;
        dl_rng_seed(&r, seed);
        dl_rng_shuffle(&r, *out, (size_t)n);
    }
    return 0;
}

/* ------------------------------- info -------------------------------- */
typedef struct summary {
    char name[DL_NAME_MAX + 1];
    int dtype, rank, consistent;
    uint64_t shape[DL_RANK_MAX];
    uint64_t records, stored, raw;
} summary;

typedef struct summaries {
    summary *items;
    size_t count, cap;
    dl_name_index index; /* a stream may hold many distinct names */
} summaries;

static const char *summary_name(const void *items, size_t pos)
{
    return ((const summary *)items)[pos].name;
}

static void format_shape(char *buf, size_t len, int rank, const uint64_t *shape)
{
    int n = snprintf(buf, len, "[");
    for (int i = 0; i < rank && n > 0 && (size_t)n < len; i++)
        n += snprintf(buf + n, len - (size_t)n, "%s%llu", i ? ", " : "",
                      (unsigned long long)shape[i]);
    if (n > 0 && (size_t)n < len)
        snprintf(buf + n, len - (size_t)n, "]");
}

static int same_trailing(const summary *s, const st_header *h)
{
    if (s->dtype != h->dtype || s->rank != h->rank || h->rank == 0)
        return 0;
    for (int i = 1; i < h->rank; i++)
        if (s->shape[i] != h->shape[i])
            return 0;
    return 1;
}

static int merge(summaries *all, const st_header *h, dl_err *e)
{
    size_t pos = dl_names_find(&all->index, h->name, all->items, summary_name);
    if (pos != SIZE_MAX) {
        summary *s = &all->items[pos];
        s->consistent &= same_trailing(s, h);
        s->shape[0] += h->rank ? h->shape[0] : 0;
        s->records++;
        s->stored += h->payload_bytes;
        s->raw += h->raw_bytes;
        return 0;
    }
    if (dl_vec_reserve(&all->items, &all->cap, all->count + 1, sizeof *all->items, e) ||
        dl_names_add(&all->index, h->name, all->count, e))
        return e->code;
    summary *s = &all->items[all->count++];
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "%s", h->name);
    s->dtype = h->dtype;
    s->rank = h->rank;
    memcpy(s->shape, h->shape, sizeof s->shape);
    s->consistent = 1;
    s->records = 1;
    s->stored = h->payload_bytes;
    s->raw = h->raw_bytes;
    return 0;
}

static void print_title(FILE *out, const char *label)
{
    fprintf(out, "%s:\n%6s  %-12s %-4s %-20s %-5s %12s  %s\n", label, "record", "name", "type",
            "shape", "enc", "bytes", "crc");
}

static void print_record(FILE *out, const st_header *h)
{
    char shape[256];
    format_shape(shape, sizeof shape, h->rank, h->shape);
    fprintf(out, "%6llu  %-12s %-4s %-20s %-5s %12llu  ok\n", (unsigned long long)h->index,
            h->name, dl_dtype_name(h->dtype), shape, h->encoding == ST_DEFLATE ? "zlib" : "raw",
            (unsigned long long)h->payload_bytes);
}

static void print_summaries(FILE *out, const summaries *all)
{
    fprintf(out, "tensors:\n");
    for (size_t i = 0; i < all->count; i++) {
        const summary *s = &all->items[i];
        char shape[256];
        format_shape(shape, sizeof shape, s->rank, s->shape);
        fprintf(out, "  %-12s %-4s %-20s %llu record%s, %llu bytes stored, %llu raw%s\n", s->name,
                dl_dtype_name(s->dtype), s->consistent || s->records == 1 ? shape : "(mixed)",
                (unsigned long long)s->records, s->records == 1 ? "" : "s",
                (unsigned long long)s->stored, (unsigned long long)s->raw,
                s->consistent || s->records == 1 ? "" : "  (chunks disagree in dtype or shape)");
    }
}

int ds_info(FILE *out, const char *path, dl_err *e)
{
    st_reader *r;
    if (st_reader_open(&r, path, e))
        return e->code;
    summaries all = {0};
    st_header h;
    int rc, found;
    while (!(rc = st_next_header(r, &h, &found, e)) && found) {
        if (st_skip_payload(r, &h, e) || merge(&all, &h, e)) {
            rc = e->code;
            break;
        }
        if (h.index == 1)
            print_title(out, st_reader_label(r));
        print_record(out, &h);
    }
    if (rc == 0 && all.count == 0)
        print_title(out, st_reader_label(r));
    if (rc == 0)
        print_summaries(out, &all);
    free(all.items);
    dl_names_free(&all.index);
    st_reader_close(r);
    return rc;
}
