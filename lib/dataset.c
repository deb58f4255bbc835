/* dataset.c - head/shuffle/split as "take these rows", and `info`. */
#include "dataset.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "colmeta.h"
#include "names.h"
#include "outfile.h"
#include "rng.h"
#include "stream.h"

static const dl_tensor *find(const dl_tensor_set *s, const char *name)
{
    for (size_t i = 0; i < s->count; i++)
        if (strcmp(s->items[i].name, name) == 0)
            return &s->items[i];
    return NULL;
}

/* The rows of x, else y, else yhat; those present, and the weights w (one
 * per row, dl-stream(5)), must agree, or cutting them alike would silently
 * misalign the data set: a w of other rows would pass through uncut.  Beside
 * a checkpoint's `model`, w may be a linear model's coefficients instead. */
int ds_rows(const dl_tensor_set *s, uint64_t *rows, const char *label, dl_err *e)
{
    static const char *const names[] = {"x", "y", "yhat", "w"};
    size_t count = find(s, "model") ? 3 : 4;
    const dl_tensor *first = NULL;
    for (size_t i = 0; i < count; i++) {
        const dl_tensor *t = find(s, names[i]);
        if (!t || t->rank < 1 || (!first && strcmp(names[i], "w") == 0))
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
 * text records 'model' and 'design' and column metadata (x.names, ...)
 * describe the data, never hold rows: a length that happens to equal the
 * row count must not cut them. */
static int is_row_record(const dl_tensor *t, uint64_t rows)
{
    return t->rank >= 1 && t->shape[0] == rows && strcmp(t->name, "model") != 0 &&
           strcmp(t->name, "design") != 0 && !cm_is_meta_name(t->name);
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

/* ------------------------------- split ------------------------------- */
void ds_split_defaults(ds_split_opts *o)
{
    memset(o, 0, sizeof *o);
    o->fraction = -1;
}

int ds_split_check(const ds_split_opts *o, dl_err *e)
{
    if (o->fold && !o->folds)
        return dl_fail(e, DL_EUSAGE, "split: --fold needs --folds K");
    if (o->folds && !o->fold)
        return dl_fail(e, DL_EUSAGE, "split: --folds needs --fold I (1 to %llu): the fold that "
                       "goes to OUT2", (unsigned long long)o->folds);
    if (o->folds && o->folds < 2)
        return dl_fail(e, DL_EUSAGE, "split: --folds %llu: at least 2 folds",
                       (unsigned long long)o->folds);
    if (o->folds && o->fold > o->folds)
        return dl_fail(e, DL_EUSAGE, "split: --fold %llu: folds are numbered 1 to %llu",
                       (unsigned long long)o->fold, (unsigned long long)o->folds);
    if (o->folds && o->fraction >= 0)
        return dl_fail(e, DL_EUSAGE, "split: --fraction and --folds exclude each other (a fold "
                       "is 1/K of the rows)");
    if (o->stratify && o->group)
        return dl_fail(e, DL_EUSAGE, "split: --stratify and --group exclude each other");
    return 0;
}

typedef struct keyed_row {
    double key;
    uint64_t row;
} keyed_row;

static int by_key(const void *a, const void *b)
{
    const keyed_row *p = a, *q = b;
    return p->key < q->key ? -1 : p->key > q->key ? 1 : (p->row > q->row) - (p->row < q->row);
}

/* ids[r] = the rank of key[r] among the distinct keys (0..*count-1). */
static int dense_ids(const double *key, uint64_t n, uint64_t *ids, uint64_t *count, dl_err *e)
{
    keyed_row *k = malloc(n ? (size_t)n * sizeof *k : 1);
    if (!k)
        return dl_fail(e, DL_ENOMEM, "cannot allocate the keys of %llu row%s",
                       (unsigned long long)n, dl_plural((unsigned long long)n));
    for (uint64_t r = 0; r < n; r++)
        k[r] = (keyed_row){key[r] == 0 ? 0 : key[r], r}; /* -0 and 0 are one key */
    qsort(k, (size_t)n, sizeof *k, by_key);
    *count = 0;
    for (uint64_t i = 0; i < n; i++) {
        if (i && k[i].key != k[i - 1].key)
            (*count)++;
        ids[k[i].row] = *count;
    }
    if (n)
        (*count)++;
    free(k);
    return 0;
}

/* x.names into n when the set has it (n->count 0 when not). */
static int x_names(const dl_tensor_set *s, uint64_t cols, cm_names *n, dl_err *e)
{
    const dl_tensor *rec = find(s, "x" CM_NAMES_SUFFIX);
    return rec ? cm_names_parse(n, rec, cols, e) : 0;
}

/* DL_EDATA: spec is no column of x (of cols columns, named by n) and no
 * group record. */
static int no_group(const char *spec, uint64_t cols, const cm_names *n, uint64_t rows,
                    const char *label, dl_err *e)
{
    dl_str why = {0};
    if (!cols)
        dl_str_printf(&why, "no 'x' record");
    else
        dl_str_printf(&why, "no column of 'x' so named");
    if (n->count) {
        dl_str_printf(&why, " (its columns: ");
        dl_names_show(&why, (const char *const *)n->name, (size_t)n->count);
        dl_str_printf(&why, ")");
    }
    if (cols)
        dl_str_printf(&why, " or numbered (0 to %llu)", (unsigned long long)cols - 1);
    int rc = dl_fail(e, DL_EDATA, "%s: --group '%s': %s, and no one-column record of %llu "
                     "row%s so named", label, spec, dl_str_text(&why), (unsigned long long)rows,
                     dl_plural((unsigned long long)rows));
    dl_str_free(&why);
    return rc;
}

/* The group of every row, as a value: see ds_split_opts.group.  A column
 * of x by number, else a record so named, else a column of x by name
 * (cm_column_pick's rule, with the record between its two halves). */
static int group_keys(const dl_tensor_set *s, const char *spec, uint64_t rows, double *key,
                      const char *label, dl_err *e)
{
    const dl_tensor *x = find(s, "x"), *rec = find(s, spec), *src = x;
    uint64_t cols = x && x->rank >= 1 ? dl_tensor_row_size(x) : 0, col = 0;
    cm_names names;
    cm_names_init(&names);
    if (cols && x_names(s, cols, &names, e)) {
        cm_names_free(&names);
        return dl_err_wrap(e, "%s", label);
    }
    int picked = cm_column_pick(&names, cols, spec, &col);
    if (picked != CM_PICKED_NUMBER && rec && rec->rank >= 1 && rec->shape[0] == rows &&
        dl_tensor_row_size(rec) == 1 && is_row_record(rec, rows)) {
        src = rec;
        cols = 1;
        col = 0;
    } else if (!picked) {
        int rc = no_group(spec, cols, &names, rows, label, e);
        cm_names_free(&names);
        return rc;
    }
    cm_names_free(&names);
    for (uint64_t r = 0; r < rows; r++) {
        key[r] = dl_tensor_get(src, r * cols + col);
        if (isnan(key[r]))
            return dl_fail(e, DL_EDATA, "%s: record '%s': row %llu: the group is NaN", label,
                           src->name, (unsigned long long)r + 1);
    }
    return 0;
}

/* The class of every row: y's value (an integer) or the column of its one 1. */
static int class_keys(const dl_tensor_set *s, uint64_t rows, double *key, const char *label,
                      dl_err *e)
{
    const dl_tensor *y = find(s, "y");
    if (!y || y->rank < 1 || y->shape[0] != rows)
        return dl_fail(e, DL_EDATA, "%s: --stratify needs a 'y' record of class labels (one "
                       "column) or one-hot rows", label);
    uint64_t k = dl_tensor_row_size(y);
    for (uint64_t r = 0; r < rows; r++) {
        if (k == 1) {
            key[r] = dl_tensor_get(y, r);
            if (!(key[r] == floor(key[r])))
                return dl_fail(e, DL_EDATA, "%s: record 'y': row %llu: --stratify needs class "
                               "labels, not %g", label, (unsigned long long)r + 1, key[r]);
            continue;
        }
        uint64_t ones = 0;
        for (uint64_t c = 0; c < k; c++) {
            double v = dl_tensor_get(y, r * k + c);
            if (v == 1) {
                ones++;
                key[r] = (double)c;
            } else if (v != 0) {
                ones = 2;
            }
        }
        if (ones != 1)
            return dl_fail(e, DL_EDATA, "%s: record 'y': row %llu: --stratify needs one-hot "
                           "rows (one 1, the rest 0) or a column of class labels", label,
                           (unsigned long long)r + 1);
    }
    return 0;
}

/* Rounds to the nearest, halves up, as the plain split always has. */
static uint64_t share(double fraction, uint64_t n) { return (uint64_t)(fraction * (double)n + 0.5); }

/* Stratified fraction: how many rows of each class go to OUT1.  A class
 * rounds up at most once (its remainder is below 1), so the largest
 * remainders are taken in one sorted pass: many classes take C log C, where
 * a scan of every class for each row rounded up took C^2. */
static int class_quotas(double fraction, const uint64_t *size, uint64_t count, uint64_t rows,
                        uint64_t *quota, dl_err *e)
{
    keyed_row *by_rest = count <= SIZE_MAX / sizeof *by_rest
                             ? malloc(count ? (size_t)count * sizeof *by_rest : 1)
                             : NULL;
    if (!by_rest)
        return dl_fail(e, DL_ENOMEM, "cannot allocate the shares of %llu classes",
                       (unsigned long long)count);
    uint64_t given = 0;
    for (uint64_t c = 0; c < count; c++) {
        quota[c] = (uint64_t)(fraction * (double)size[c]);
        given += quota[c];
        /* the largest remainder first, the lower class on a tie */
        by_rest[c] = (keyed_row){-(fraction * (double)size[c] - (double)quota[c]), c};
    }
    qsort(by_rest, (size_t)count, sizeof *by_rest, by_key);
    uint64_t want = share(fraction, rows);
    for (uint64_t i = 0; i < count && given < want; i++) {
        uint64_t c = by_rest[i].row;
        if (quota[c] < size[c] && by_rest[i].key < 0) {
            quota[c]++;
            given++;
        }
    }
    free(by_rest);
    return 0;
}

typedef struct split_work {
    uint64_t rows, count;    /* rows; classes or groups */
    uint64_t *perm, *id;     /* the order P; class or group of each row */
    uint64_t *size, *aux;    /* per class or group */
    unsigned char *to_first; /* per row: goes to OUT1 */
} split_work;

static void work_free(split_work *w)
{
    free(w->perm);
    free(w->id);
    free(w->size);
    free(w->aux);
    free(w->to_first);
}

/* A group as deal_groups takes them: the largest first, equal sizes in P
 * order. */
typedef struct sized_group {
    uint64_t size, seen, group; /* its rows; the rank of its first row in P; its id */
} sized_group;

static int largest_first(const void *a, const void *b)
{
    const sized_group *p = a, *q = b;
    if (p->size != q->size)
        return p->size < q->size ? 1 : -1;
    return (p->seen > q->seen) - (p->seen < q->seen);
}

/* Fold f is lighter than fold g: fewer rows, or as many and a lower number. */
static int lighter(const uint64_t *load, uint64_t f, uint64_t g)
{
    return load[f] < load[g] || (load[f] == load[g] && f < g);
}

/* The folds as a heap, the lightest on top: heap[0]'s load grew, and it
 * goes down to its place. */
static void sift_down(uint64_t *heap, uint64_t n, const uint64_t *load)
{
    for (uint64_t i = 0;;) {
        uint64_t c = 2 * i + 1, best = i;
        if (c < n && lighter(load, heap[c], heap[best]))
            best = c;
        if (c + 1 < n && lighter(load, heap[c + 1], heap[best]))
            best = c + 1;
        if (best == i)
            return;
        uint64_t t = heap[i];
        heap[i] = heap[best];
        heap[best] = t;
        i = best;
    }
}

/* Groups to folds: the largest first, each to the lightest fold.  Sorted,
 * and the folds kept in a heap, so that many groups (ids of patients) or
 * as many folds take G log G, where a pass over the folds per group took
 * G x K and an insertion sort G^2. */
static int deal_groups(split_work *w, uint64_t folds, uint64_t *fold_of, dl_err *e)
{
    size_t count = (size_t)w->count;
    sized_group *order = count <= SIZE_MAX / sizeof *order ? malloc(count * sizeof *order) : NULL;
    uint64_t *load = calloc((size_t)folds, sizeof *load);
    uint64_t *heap = malloc((size_t)folds * sizeof *heap);
    if (!order || !load || !heap) {
        free(order);
        free(load);
        free(heap);
        return dl_fail(e, DL_ENOMEM, "cannot allocate the fold of %llu groups",
                       (unsigned long long)w->count);
    }
    for (size_t g = 0; g < count; g++) /* aux: the rank of its first row, until fold_of */
        order[g] = (sized_group){w->size[g], w->aux[g], g};
    qsort(order, count, sizeof *order, largest_first);
    for (uint64_t f = 0; f < folds; f++) /* all empty: in order is a heap */
        heap[f] = f;
    for (size_t i = 0; i < count; i++) {
        uint64_t light = heap[0];
        fold_of[order[i].group] = light;
        load[light] += order[i].size;
        sift_down(heap, folds, load);
    }
    free(order);
    free(load);
    free(heap);
    return 0;
}

static int alloc_work(split_work *w, uint64_t rows, const ds_split_opts *o, dl_err *e)
{
    memset(w, 0, sizeof *w);
    w->rows = rows;
    if (ds_index(rows, 1, o->seed, &w->perm, e))
        return e->code;
    size_t n = rows ? (size_t)rows : 1; /* ds_index checked rows * 8 */
    w->to_first = malloc(n);
    if (o->stratify || o->group)
        w->id = malloc(n * sizeof *w->id);
    if (!w->to_first || ((o->stratify || o->group) && !w->id))
        return dl_fail(e, DL_ENOMEM, "cannot allocate the split of %llu row%s",
                       (unsigned long long)rows, dl_plural((unsigned long long)rows));
    return 0;
}

/* Classes or groups: ids, sizes, and (aux) the rank of each by first row in P. */
static int keyed(split_work *w, const dl_tensor_set *s, const ds_split_opts *o,
                 const char *label, dl_err *e)
{
    double *key = malloc(w->rows ? (size_t)w->rows * sizeof *key : 1);
    if (!key)
        return dl_fail(e, DL_ENOMEM, "cannot allocate the keys of %llu rows",
                       (unsigned long long)w->rows);
    int rc = o->group ? group_keys(s, o->group, w->rows, key, label, e)
                      : class_keys(s, w->rows, key, label, e);
    if (!rc)
        rc = dense_ids(key, w->rows, w->id, &w->count, e);
    free(key);
    if (rc)
        return rc;
    w->size = calloc(w->count ? (size_t)w->count : 1, sizeof *w->size);
    w->aux = malloc(w->count ? (size_t)w->count * sizeof *w->aux : 1);
    if (!w->size || !w->aux)
        return dl_fail(e, DL_ENOMEM, "cannot allocate %llu classes or groups",
                       (unsigned long long)w->count);
    uint64_t seen = 0;
    for (uint64_t j = 0; j < w->rows; j++) {
        uint64_t g = w->id[w->perm[j]];
        if (w->size[g]++ == 0)
            w->aux[g] = seen++;
    }
    return 0;
}

/* A fraction strictly between 0 and 1 asks for rows on both sides: one
 * that rounds to none of the n rows (or groups) on a side is refused, as
 * scikit-learn's train_test_split does, rather than written as an empty
 * output that fails, or misleads, further down.  0 and 1 ask for it. */
static int empty_side(double fraction, uint64_t n, const char *unit, const char *label,
                      dl_err *e)
{
    uint64_t k = share(fraction, n);
    if (!(fraction > 0 && fraction < 1) || n == 0 || (k > 0 && k < n))
        return 0;
    return dl_fail(e, DL_EUSAGE, "%s: --fraction %g of %llu %s%s leaves %s no %ss", label,
                   fraction, (unsigned long long)n, unit, dl_plural(n), k == 0 ? "OUT1" : "OUT2",
                   unit);
}

/* Decides to_first for every position j of P. */
static int assign(split_work *w, const ds_split_opts *o, const char *label, dl_err *e)
{
    double fraction = o->fraction < 0 ? 0.8 : o->fraction;
    uint64_t fold = o->fold - 1;
    uint64_t units = o->group ? w->count : w->rows; /* what is dealt out */
    const char *unit = o->group ? "group" : "row";
    if (o->folds && o->folds > units)
        return dl_fail(e, DL_EUSAGE, "%s: --folds %llu: the input has only %llu %s%s", label,
                       (unsigned long long)o->folds, (unsigned long long)units, unit,
                       dl_plural((unsigned long long)units));
    if (!o->folds && empty_side(fraction, units, unit, label, e))
        return e->code;
    if (!o->stratify && !o->group) {
        uint64_t k = share(fraction, w->rows);
        for (uint64_t j = 0; j < w->rows; j++)
            w->to_first[j] = o->folds ? j % o->folds != fold : j < k;
        return 0;
    }
    uint64_t *aux = w->aux, *size = w->size;
    if (o->group && o->folds) {
        if (deal_groups(w, o->folds, aux, e)) /* aux: now the fold of each group */
            return e->code;
    } else if (o->group) {
        uint64_t k = share(fraction, w->count);
        for (uint64_t g = 0; g < w->count; g++)
            aux[g] = aux[g] < k; /* aux: now "goes to OUT1" */
    } else if (o->folds) {
        uint64_t start = 0; /* aux: now the next fold slot of each class */
        for (uint64_t c = 0; c < w->count; c++) {
            aux[c] = start;
            start += size[c];
        }
    } else if (class_quotas(fraction, size, w->count, w->rows, aux, e)) {
        return dl_err_wrap(e, "%s", label); /* else aux: the rows left for OUT1 */
    }
    for (uint64_t j = 0; j < w->rows; j++) {
        uint64_t g = w->id[w->perm[j]];
        if (o->group)
            w->to_first[j] = o->folds ? aux[g] != fold : aux[g] != 0;
        else if (o->folds)
            w->to_first[j] = aux[g]++ % o->folds != fold;
        else if ((w->to_first[j] = aux[g] > 0) != 0)
            aux[g]--;
    }
    return 0;
}

int ds_split_order(const dl_tensor_set *s, const ds_split_opts *o, const char *label,
                   uint64_t **order, uint64_t *first, dl_err *e)
{
    uint64_t rows;
    split_work w;
    *order = NULL;
    if (ds_rows(s, &rows, label, e))
        return e->code;
    int rc = alloc_work(&w, rows, o, e) ? dl_err_wrap(e, "%s", label) : 0;
    if (!rc && (o->stratify || o->group))
        rc = keyed(&w, s, o, label, e);
    if (!rc)
        rc = assign(&w, o, label, e);
    if (!rc && !(*order = malloc(rows ? (size_t)rows * sizeof **order : 1)))
        rc = dl_fail(e, DL_ENOMEM, "%s: cannot allocate the split of %llu row%s", label,
                     (unsigned long long)rows, dl_plural((unsigned long long)rows));
    if (!rc) {
        uint64_t n = 0;
        for (int pass = 1; pass >= 0; pass--) {
            if (pass == 0)
                *first = n;
            for (uint64_t j = 0; j < rows; j++)
                if (w.to_first[j] == pass)
                    (*order)[n++] = w.perm[j];
        }
    }
    work_free(&w);
    return rc;
}

/* ----------------------- head, shuffle, split ------------------------ */
/* The records of set in their order, but a tensor's column metadata (its
 * .names, .categories) written before it, as dl-stream(5) has writers do,
 * also when the input had it after (cat of a stream and its names): a
 * stream read whole takes that, one read as it comes refuses it. */
static int write_meta_first(st_writer *w, dl_tensor_set *set, dl_err *e)
{
    static const char *const suffixes[] = {CM_NAMES_SUFFIX, CM_CATEGORIES_SUFFIX};
    unsigned char *written = calloc(set->count ? set->count : 1, 1);
    if (!written)
        return dl_fail(e, DL_ENOMEM, "cannot allocate the order of %zu records", set->count);
    int rc = 0;
    for (size_t i = 0; !rc && i < set->count; i++) {
        const dl_tensor *t = &set->items[i];
        for (size_t k = 0; !rc && !cm_is_meta_name(t->name) && k < 2; k++) {
            char name[DL_NAME_MAX + 1];
            dl_err too_long; /* a name with no room for a suffix has no metadata */
            const dl_tensor *meta = cm_meta_name(name, t->name, suffixes[k], &too_long)
                                        ? NULL
                                        : dl_set_find(set, name);
            if (meta && !written[meta - set->items]) {
                written[meta - set->items] = 1;
                rc = st_write(w, meta, e);
            }
        }
        if (!rc && !written[i]) {
            written[i] = 1;
            rc = st_write(w, t, e);
        }
    }
    free(written);
    return rc;
}

/* The rows idx[0..n) of every row-indexed record of set, written to w. */
static int write_part(const dl_tensor_set *set, const uint64_t *idx, uint64_t n,
                      st_writer *w, const char *label, dl_err *e)
{
    dl_tensor_set part;
    dl_set_init(&part);
    int rc = ds_take_rows(set, idx, n, &part, label, e);
    if (!rc)
        rc = write_meta_first(w, &part, e);
    dl_set_free(&part);
    return rc;
}

/* The commands' outputs out[0..n) opened (a temporary beside each, or
 * standard output checked) before the stream `in` is read whole into set:
 * one that cannot be written fails at once, leaving a pipe's bytes unread,
 * rather than after the whole input.  The set's column metadata must fit
 * its tensors (cm_set_meta_fits): the commands pass it on. */
static int open_then_read(const char *in, const char *const *out, st_writer **w, size_t n,
                          int flags, dl_tensor_set *set, dl_err *e)
{
    st_reader *r = NULL;
    int rc = st_reader_open(&r, in, e);
    for (size_t i = 0; !rc && i < n; i++)
        rc = st_writer_open(&w[i], out[i], flags, e);
    if (!rc)
        rc = st_read_set_from(r, set, e);
    if (!rc && cm_set_meta_fits(set, e))
        rc = dl_err_wrap(e, "%s", dl_err_label(in));
    st_reader_close(r);
    return rc;
}

/* The outputs committed together when rc is 0, else all removed. */
static int close_outputs(st_writer **w, size_t n, int rc, dl_err *e)
{
    if (!rc)
        return st_writer_close_all(w, n, e);
    for (size_t i = 0; i < n; i++)
        st_writer_abort(w[i]);
    return rc;
}

/* head and shuffle: the first `limit` rows of the order ds_index draws.
 * head indexes only the rows it keeps: its first 10 of a data set of
 * billions of rows take no index of them all. */
static int take_and_save(const char *in, const char *out, int shuffled, uint64_t seed,
                         uint64_t limit, int flags, dl_err *e)
{
    uint64_t rows, kept = 0, *idx = NULL;
    st_writer *w[1] = {NULL};
    dl_tensor_set set;
    dl_set_init(&set);
    const char *label = dl_err_label(in);
    int rc = open_then_read(in, &out, w, 1, flags, &set, e);
    if (!rc)
        rc = ds_rows(&set, &rows, label, e);
    if (!rc) {
        kept = limit < rows ? limit : rows;
        if ((rc = ds_index(shuffled ? rows : kept, shuffled, seed, &idx, e)) != 0)
            dl_err_wrap(e, "%s", label);
    }
    if (!rc)
        rc = write_part(&set, idx, kept, w[0], label, e);
    rc = close_outputs(w, 1, rc, e);
    free(idx);
    dl_set_free(&set);
    return rc;
}

int ds_head(const char *in, const char *out, uint64_t rows, int flags, dl_err *e)
{
    return take_and_save(in, out, 0, 0, rows, flags, e);
}

int ds_shuffle(const char *in, const char *out, uint64_t seed, int flags, dl_err *e)
{
    return take_and_save(in, out, 1, seed, UINT64_MAX, flags, e);
}

/* An output as dl_outfile_same takes it: NULL for standard output. */
static const char *out_path(const char *out) { return out && strcmp(out, "-") ? out : NULL; }

int ds_split(const char *in, const char *out1, const char *out2, const ds_split_opts *o,
             int flags, dl_err *e)
{
    if (dl_outfile_same(out_path(out1), out_path(out2)))
        return dl_fail(e, DL_EUSAGE, "split: OUT1 and OUT2 name the same file");
    if (ds_split_check(o, e))
        return e->code;
    dl_tensor_set set;
    dl_set_init(&set);
    const char *label = dl_err_label(in);
    uint64_t rows = 0, k = 0, *idx = NULL;
    const char *out[2] = {out1, out2};
    st_writer *w[2] = {NULL, NULL};
    int rc = open_then_read(in, out, w, 2, flags, &set, e);
    if (!rc)
        rc = ds_rows(&set, &rows, label, e);
    if (!rc)
        rc = ds_split_order(&set, o, label, &idx, &k, e);
    if (!rc)
        rc = write_part(&set, idx, k, w[0], label, e);
    if (!rc)
        rc = write_part(&set, idx + k, rows - k, w[1], label, e);
    rc = close_outputs(w, 2, rc, e);
    free(idx);
    dl_set_free(&set);
    return rc;
}

/* ------------------------------- info -------------------------------- */
typedef struct summary {
    char name[DL_NAME_MAX + 1];
    int dtype, rank;
    uint64_t shape[DL_RANK_MAX];
    uint64_t records, stored, raw;
    dl_tensor meta; /* a metadata record's first copy (no data for others) */
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

/* Record h into its name's summary: a chunk adds its rows; a metadata
 * record (meta, its payload) is one tensor, not chunks, so a copy adds none
 * and must be the first (colmeta.h).  Takes meta's data. */
static int merge(summaries *all, const st_header *h, dl_tensor *meta, dl_err *e)
{
    size_t pos = dl_names_find(&all->index, h->name, all->items, summary_name);
    if (pos != SIZE_MAX) {
        summary *s = &all->items[pos];
        if (!cm_is_meta_name(h->name))
            s->shape[0] += h->rank ? h->shape[0] : 0;
        else if (cm_meta_repeat(&s->meta, meta, e))
            return e->code;
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
    s->records = 1;
    s->stored = h->payload_bytes;
    s->raw = h->raw_bytes;
    s->meta = *meta;
    meta->data = NULL;
    return 0;
}

/* The records are listed while the stream is read, before the longest name
 * is known: the name, the one column of any length, comes last. */
static void print_title(FILE *out, const char *label)
{
    fprintf(out, "%s:\n%6s  %-4s %-20s %-5s %12s  %-3s %s\n", label, "record", "type", "shape",
            "enc", "bytes", "crc", "name");
}

static void print_record(FILE *out, const st_header *h)
{
    char shape[256];
    dl_shape_format(h->rank, h->shape, shape, sizeof shape);
    fprintf(out, "%6llu  %-4s %-20s %-5s %12llu  ok  %s\n", (unsigned long long)h->index,
            dl_dtype_name(h->dtype), shape, h->encoding == ST_DEFLATE ? "zlib" : "raw",
            (unsigned long long)h->payload_bytes, h->name);
}

/* At the end every name is known: the columns are as wide as their widest
 * entry, in characters. */
static void print_summaries(FILE *out, const summaries *all)
{
    int name_w = 12, shape_w = 20;
    char shape[256];
    for (size_t i = 0; i < all->count; i++) {
        const char *name = all->items[i].name;
        int n = (int)dl_name_chars(name, strlen(name));
        dl_shape_format(all->items[i].rank, all->items[i].shape, shape, sizeof shape);
        int sh = (int)strlen(shape);
        name_w = n > name_w ? n : name_w;
        shape_w = sh > shape_w ? sh : shape_w;
    }
    fprintf(out, "tensors:\n");
    for (size_t i = 0; i < all->count; i++) {
        const summary *s = &all->items[i];
        /* chunks agree: the reader checks */
        dl_shape_format(s->rank, s->shape, shape, sizeof shape);
        fprintf(out, "  %-*s %-4s %-*s %llu record%s, %llu bytes stored, %llu raw\n",
                dl_name_field(s->name, strlen(s->name), name_w), s->name,
                dl_dtype_name(s->dtype), shape_w, shape,
                (unsigned long long)s->records, s->records == 1 ? "" : "s",
                (unsigned long long)s->stored, (unsigned long long)s->raw);
    }
}

/* The payload checked as every reader checks it: its sum, and a deflated
 * one inflated to exactly its raw length (st_skip_payload checks both).  A
 * metadata record's is kept in *meta, to compare its copies with; meta has
 * no data for any other record. */
static int check_payload(st_reader *r, const st_header *h, dl_tensor *meta, dl_err *e)
{
    memset(meta, 0, sizeof *meta);
    if (!cm_is_meta_name(h->name))
        return st_skip_payload(r, h, e);
    return st_read_payload(r, h, meta, e);
}

int ds_info(FILE *out, const char *path, dl_err *e)
{
    st_reader *r;
    if (st_reader_open(&r, path, e))
        return e->code;
    summaries all = {0};
    st_header h;
    dl_tensor meta;
    int rc, found;
    while (!(rc = st_next_header(r, &h, &found, e)) && found) {
        rc = check_payload(r, &h, &meta, e);
        if (!rc && merge(&all, &h, &meta, e))
            rc = dl_err_wrap(e, "%s: record %llu", st_reader_label(r),
                             (unsigned long long)h.index);
        dl_tensor_free(&meta);
        if (rc)
            break;
        if (h.index == 1)
            print_title(out, st_reader_label(r));
        print_record(out, &h);
    }
    if (rc == 0 && all.count == 0)
        print_title(out, st_reader_label(r));
    if (rc == 0)
        print_summaries(out, &all);
    for (size_t i = 0; i < all.count; i++)
        dl_tensor_free(&all.items[i].meta);
    free(all.items);
    dl_names_free(&all.index);
    st_reader_close(r);
    return rc;
}
