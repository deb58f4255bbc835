/* shard.c - one process's share of a data set's rows (see shard.h). */
#include "shard.h"

#include <string.h>
#include <sys/stat.h>

#include "colmeta.h"
#include "stream.h"

static int is_rows(const char *name)
{
    return !strcmp(name, "x") || !strcmp(name, "y") || !strcmp(name, "w");
}

/* The rows of record `name` that `seen` counted, 0 when it has none. */
static uint64_t rows_of(dl_tensor_set *seen, const char *name, int *have)
{
    const dl_tensor *t = dl_set_find(seen, name);
    *have = t != NULL;
    return t ? t->shape[0] : 0;
}

/* Pass one: the row counts of x and y (and w, the optional weights), from
 * the headers alone, every chunk checked against the first of its name as
 * the one-process reader checks it (dl_set_add): chunks that only other
 * processes read are checked too. */
static int count_rows(const char *path, uint64_t *x_rows, uint64_t *y_rows, dl_err *e)
{
    st_reader *r;
    st_header h;
    dl_tensor_set seen;
    int have_x, have_y, have_w, found, rc;
    *x_rows = *y_rows = 0;
    if (st_reader_open(&r, path, e))
        return e->code;
    dl_set_init(&seen);
    while (!(rc = st_next_header(r, &h, &found, e)) && found) {
        if (is_rows(h.name) && h.rank == 0) {
            rc = dl_fail(e, DL_EDATA, "%s: record %llu ('%s'): a scalar has no rows to share",
                         path, (unsigned long long)h.index, h.name);
            break;
        }
        dl_tensor t = {0};
        st_describe(&h, &t);
        if (dl_set_add_shape(&seen, &t, e)) {
            rc = dl_err_wrap(e, "%s", path);
            break;
        }
        if ((rc = st_seek_payload(r, &h, e)))
            break;
    }
    uint64_t records = st_reader_records(r);
    st_reader_close(r);
    *x_rows = rows_of(&seen, "x", &have_x);
    *y_rows = rows_of(&seen, "y", &have_y);
    uint64_t w_rows = rows_of(&seen, "w", &have_w);
    dl_set_free(&seen);
    if (rc)
        return rc;
    if (records == 0)
        return st_fail_empty(path, e);
    if (!have_x || !have_y)
        return dl_fail(e, DL_EDATA, "%s: no '%s' record", path, have_x ? "y" : "x");
    if (*x_rows != *y_rows)
        return dl_fail(e, DL_EDATA, "%s: 'x' has %llu row%s but 'y' has %llu", path,
                       (unsigned long long)*x_rows, dl_plural((unsigned long long)*x_rows),
                       (unsigned long long)*y_rows);
    if (have_w && w_rows != *x_rows)
        return dl_fail(e, DL_EDATA, "%s: 'x' has %llu row%s but 'w' has %llu", path,
                       (unsigned long long)*x_rows, dl_plural((unsigned long long)*x_rows),
                       (unsigned long long)w_rows);
    return 0;
}

/* Rows [from, to) of chunk t (which starts at the data set's row `at`),
 * added to the set. */
static int add_rows(dl_tensor_set *set, dl_tensor *t, uint64_t from, uint64_t to, dl_err *e)
{
    uint64_t rows = t->shape[0];
    if (from == 0 && to == rows)
        return dl_set_add(set, t, e);
    dl_tensor cut;
    uint64_t shape[DL_RANK_MAX];
    memcpy(shape, t->shape, sizeof shape);
    shape[0] = to - from;
    size_t row_bytes = (size_t)(dl_tensor_row_size(t) * dl_dtype_size(t->dtype));
    int rc = dl_tensor_alloc(&cut, t->name, t->dtype, t->rank, shape, e);
    if (!rc) {
        memcpy(cut.data, (const char *)t->data + from * row_bytes, (size_t)(to - from) * row_bytes);
        rc = dl_set_add(set, &cut, e);
    }
    dl_tensor_free(t);
    return rc;
}

/* An empty share: the record's columns and no rows, so that x, y and w
 * are there with their widths as in every other share. */
static int add_empty(dl_tensor_set *set, const st_header *h, dl_err *e)
{
    dl_tensor d = {0}, t;
    st_describe(h, &d);
    uint64_t shape[DL_RANK_MAX];
    memcpy(shape, d.shape, sizeof shape);
    shape[0] = 0;
    if (dl_tensor_alloc(&t, d.name, d.dtype, d.rank, shape, e))
        return e->code;
    return dl_set_add(set, &t, e);
}

/* Pass two: the chunks that overlap [first, end), the design, nothing else;
 * of an empty share, the first chunk's columns. */
static int read_share(const char *path, uint64_t first, uint64_t end, dl_tensor_set *set,
                      dl_err *e)
{
    st_reader *r;
    st_header h;
    uint64_t at_x = 0, at_y = 0, at_w = 0;
    int found, rc;
    if (st_reader_open(&r, path, e))
        return e->code;
    while (!(rc = st_next_header(r, &h, &found, e)) && found) {
        uint64_t *at = !strcmp(h.name, "x")   ? &at_x
                       : !strcmp(h.name, "y") ? &at_y
                       : !strcmp(h.name, "w") ? &at_w
                                              : NULL;
        uint64_t lo = at ? *at : 0, hi = at ? *at + h.shape[0] : 0;
        if (at)
            *at = hi;
        int wanted = at ? lo < end && hi > first
                        : !strcmp(h.name, "design") || cm_is_meta_name(h.name);
        if (at && first == end && lo == 0) {
            rc = add_empty(set, &h, e) || st_seek_payload(r, &h, e) ? e->code : 0;
        } else if (!wanted) {
            rc = st_seek_payload(r, &h, e);
        } else {
            dl_tensor t;
            rc = st_read_payload(r, &h, &t, e);
            /* metadata and the design as the one-process reader takes
             * them: a repeat of metadata must be the same bytes */
            if (!rc && (at ? add_rows(set, &t, lo < first ? first - lo : 0,
                                      (hi < end ? hi : end) - lo, e)
                           : dl_set_add(set, &t, e)))
                rc = dl_err_wrap(e, "%s: record %llu", path, (unsigned long long)h.index);
        }
        if (rc)
            break;
    }
    st_reader_close(r);
    return rc;
}

int sh_shareable(const char *path, const char *what, dl_err *e)
{
    if (!path || !strcmp(path, "-"))
        return dl_fail(e, DL_EUSAGE, "several processes cannot share standard input: give %s "
                       "as a file every process can read", what);
    /* Read by every process: a pipe, a FIFO or a device (/dev/stdin)
     * would be split between the readers, then wait for a writer that is
     * gone.  stat does not open it, so nothing waits here; a path stat
     * cannot follow, and a directory, are the reader's to name, as one
     * process names them. */
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
        return dl_fail(e, DL_EUSAGE, "%s: several processes cannot share a pipe, a FIFO, a "
                       "device or standard input: give %s as a regular file every process "
                       "can read", path, what);
    return 0;
}

int sh_read(const char *path, int part, int parts, dl_tensor_set *set, sh_share *share,
            dl_err *e)
{
    /* read twice (the row counts, then the share) */
    if (sh_shareable(path, "the data", e))
        return e->code;
    uint64_t rows, y_rows;
    if (count_rows(path, &rows, &y_rows, e))
        return e->code;
    uint64_t p = (uint64_t)parts, i = (uint64_t)part;
    share->rows = rows;
    share->first = i * (rows / p) + (i < rows % p ? i : rows % p);
    share->count = rows / p + (i < rows % p);
    return read_share(path, share->first, share->first + share->count, set, e);
}
