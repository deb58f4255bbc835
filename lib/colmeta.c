/* colmeta.c - column names, categories, missing cells and weights: the
 * records beside a tensor that say what its columns are (colmeta.h). */
#include "colmeta.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "numtext.h"

/* ----------------------------- record names ----------------------------- */

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && memcmp(s + n - k, suffix, k) == 0;
}

int cm_is_meta_name(const char *name)
{
    return ends_with(name, CM_NAMES_SUFFIX) || ends_with(name, CM_CATEGORIES_SUFFIX);
}

int cm_meta_name(char out[DL_NAME_MAX + 1], const char *tensor, const char *suffix,
                 dl_err *e)
{
    size_t n = strlen(tensor), k = strlen(suffix);
    if (n + k > DL_NAME_MAX)
        return dl_fail(e, DL_EUSAGE, "'%s%s' is longer than %d bytes (a record name)", tensor,
                       suffix, DL_NAME_MAX);
    memcpy(out, tensor, n);
    memcpy(out + n, suffix, k + 1);
    return 0;
}

int cm_meta_repeat(const dl_tensor *have, const dl_tensor *t, dl_err *e)
{
    int same = have->dtype == t->dtype && have->rank == t->rank &&
               memcmp(have->shape, t->shape, (size_t)t->rank * sizeof *t->shape) == 0;
    uint64_t bytes = same ? dl_tensor_nbytes(t) : 0;
    if (same && bytes && memcmp(have->data, t->data, (size_t)bytes) != 0)
        same = 0;
    if (!same)
        return dl_fail(e, DL_EDATA, "'%s' differs between chunks", t->name);
    return 0;
}

const char *cm_colname_fault(const char *s, size_t len)
{
    if (len == 0)
        return "is empty";
    if (len > CM_COLNAME_MAX)
        return "is longer than 255 bytes";
    return dl_name_fault(s, len);
}

const char *cm_level_fault(const char *s, size_t len)
{
    if (len == 0)
        return "is empty";
    return dl_name_fault(s, len);
}

/* The text of a u8 rank-1 record, copied and NUL-terminated: lines are cut
 * in place.  Every line must end in '\n'. */
static int copy_text(const dl_tensor *rec, char **text, size_t *len, dl_err *e)
{
    if (rec->dtype != DL_U8 || rec->rank != 1)
        return dl_fail(e, DL_EDATA, "'%s' is %s of rank %d, not text (u8, rank 1)", rec->name,
                       dl_dtype_name(rec->dtype), rec->rank);
    size_t n = (size_t)rec->shape[0];
    if (n && ((const char *)rec->data)[n - 1] != '\n')
        return dl_fail(e, DL_EDATA, "'%s': the last line does not end in a newline", rec->name);
    *text = malloc(n + 1);
    if (!*text)
        return dl_fail(e, DL_ENOMEM, "'%s': out of memory (%zu bytes)", rec->name, n + 1);
    if (n)
        memcpy(*text, rec->data, n);
    (*text)[n] = '\0';
    *len = n;
    return 0;
}

static size_t count_char(const char *s, size_t len, char c)
{
    size_t k = 0;
    for (size_t i = 0; i < len; i++)
        k += s[i] == c;
    return k;
}

/* -------------------------------- names -------------------------------- */

void cm_names_init(cm_names *n) { memset(n, 0, sizeof *n); }

void cm_names_free(cm_names *n)
{
    free(n->name);
    free(n->text);
    dl_names_free(&n->index);
    cm_names_init(n);
}

static const char *names_at(const void *items, size_t pos)
{
    return ((char *const *)items)[pos];
}

/* Indexes n->name[0..count): each valid, none twice. */
static int index_names(cm_names *n, const char *rec_name, dl_err *e)
{
    for (uint64_t i = 0; i < n->count; i++) {
        const char *s = n->name[i];
        const char *fault = cm_colname_fault(s, strlen(s));
        if (fault)
            return dl_fail(e, DL_EDATA, "'%s': line %llu: the name %s", rec_name,
                           (unsigned long long)i + 1, fault);
        if (dl_names_find(&n->index, s, n->name, names_at) != SIZE_MAX)
            return dl_fail(e, DL_EDATA, "'%s': line %llu: the name '%s' is there twice",
                           rec_name, (unsigned long long)i + 1, s);
        if (dl_names_add(&n->index, s, (size_t)i, e))
            return e->code;
    }
    return 0;
}

int cm_names_parse(cm_names *n, const dl_tensor *rec, uint64_t cols, dl_err *e)
{
    cm_names_init(n);
    size_t len;
    if (copy_text(rec, &n->text, &len, e))
        return e->code;
    uint64_t lines = count_char(n->text, len, '\n');
    if (lines != cols) {
        cm_names_free(n);
        return dl_fail(e, DL_EDATA, "'%s' has %llu name%s for %llu column%s", rec->name,
                       (unsigned long long)lines, dl_plural(lines), (unsigned long long)cols,
                       dl_plural(cols));
    }
    if (dl_mem_array(&n->name, (size_t)lines, sizeof *n->name, "names", e)) {
        cm_names_free(n);
        return dl_err_wrap(e, "'%s'", rec->name);
    }
    char *p = n->text;
    for (uint64_t i = 0; i < lines; i++) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        n->name[i] = p;
        p = nl + 1;
    }
    n->count = lines;
    if (index_names(n, rec->name, e)) {
        cm_names_free(n);
        return e->code;
    }
    return 0;
}

int cm_names_load(cm_names *n, dl_tensor_set *s, const char *tensor, uint64_t cols,
                  dl_err *e)
{
    cm_names_init(n);
    char rec[DL_NAME_MAX + 1];
    if (cm_meta_name(rec, tensor, CM_NAMES_SUFFIX, e))
        return e->code;
    const dl_tensor *t = dl_set_find(s, rec);
    return t ? cm_names_parse(n, t, cols, e) : 0;
}

int64_t cm_names_find(cm_names *n, const char *name)
{
    size_t pos = dl_names_find(&n->index, name, n->name, names_at);
    return pos == SIZE_MAX ? -1 : (int64_t)pos;
}

/* 1 and *col when spec is a column number below cols (decimal digits
 * only), else 0. */
static int column_number(const char *spec, uint64_t cols, uint64_t *col)
{
    size_t digits = strspn(spec, "0123456789");
    if (!spec[0] || spec[digits] || digits > 18) /* 19 digits could overflow */
        return 0;
    uint64_t v = strtoull(spec, NULL, 10);
    if (v >= cols)
        return 0;
    *col = v;
    return 1;
}

int cm_column_pick(cm_names *n, uint64_t cols, const char *spec, uint64_t *col)
{
    if (column_number(spec, cols, col))
        return CM_PICKED_NUMBER;
    int64_t named = n->count ? cm_names_find(n, spec) : -1;
    if (named < 0)
        return CM_PICKED_NONE;
    *col = (uint64_t)named;
    return CM_PICKED_NAME;
}

const char *cm_names_at(const cm_names *n, uint64_t col)
{
    return n && col < n->count ? n->name[col] : NULL;
}

/* A u8 rank-1 tensor called rec_name holding the builder's text. */
static int text_record(dl_str *b, const char *rec_name, dl_tensor *out, dl_err *e)
{
    char *text;
    size_t len;
    if (dl_str_take(b, &text, &len, e))
        return dl_err_wrap(e, "'%s'", rec_name);
    uint64_t shape = len;
    if (dl_tensor_alloc(out, rec_name, DL_U8, 1, &shape, e)) {
        free(text);
        return e->code;
    }
    if (len)
        memcpy(out->data, text, len);
    free(text);
    return 0;
}

int cm_names_agree(const char *const *have, const char *const *want, uint64_t count,
                   const char *what, dl_err *e)
{
    for (uint64_t j = 0; j < count; j++)
        if (strcmp(have[j], want[j]) != 0)
            return dl_fail(e, DL_EDATA, "column %llu is '%s' in the input but '%s' in the %s",
                           (unsigned long long)j + 1, have[j], want[j], what);
    return 0;
}

int cm_names_make(const char *const *names, uint64_t count, const char *rec_name,
                  dl_tensor *out, dl_err *e)
{
    cm_names check;
    cm_names_init(&check);
    check.name = (char **)names; /* only read */
    check.count = count;
    int rc = index_names(&check, rec_name, e);
    dl_names_free(&check.index);
    if (rc)
        return rc;
    dl_str b = {0};
    for (uint64_t i = 0; i < count; i++)
        dl_str_printf(&b, "%s\n", names[i]);
    return text_record(&b, rec_name, out, e);
}

/* ------------------------------ categories ----------------------------- */

void cm_categories_init(cm_categories *c) { memset(c, 0, sizeof *c); }

void cm_categories_free(cm_categories *c)
{
    free(c->column);
    free(c->levels);
    free(c->text);
    cm_categories_init(c);
}

/* A column index: decimal digits only, no sign, no leading zero. */
static int parse_col(const char *s, uint64_t *col)
{
    if (!*s || (s[0] == '0' && s[1]))
        return -1;
    uint64_t v = 0;
    for (; *s; s++) {
        if (*s < '0' || *s > '9' || v > (UINT64_MAX - 9) / 10)
            return -1;
        v = v * 10 + (uint64_t)(*s - '0');
    }
    *col = v;
    return 0;
}

/* Checks column k as line `line` of record rec_name: valid levels in
 * strictly increasing byte order. */
static int check_levels(const cm_column *k, const char *rec_name, uint64_t line, dl_err *e)
{
    if (k->count == 0)
        return dl_fail(e, DL_EDATA, "'%s': line %llu: column %llu has no levels", rec_name,
                       (unsigned long long)line, (unsigned long long)k->col + 1);
    for (uint64_t i = 0; i < k->count; i++) {
        const char *fault = cm_level_fault(k->level[i], strlen(k->level[i]));
        if (fault)
            return dl_fail(e, DL_EDATA, "'%s': line %llu: level %llu %s", rec_name,
                           (unsigned long long)line, (unsigned long long)i + 1, fault);
        int order = i ? strcmp(k->level[i - 1], k->level[i]) : -1;
        if (order > 0)
            return dl_fail(e, DL_EDATA, "'%s': line %llu: level '%s' is listed after '%s' "
                           "(levels are sorted by bytes, each once)", rec_name,
                           (unsigned long long)line, k->level[i], k->level[i - 1]);
        if (order == 0)
            return dl_fail(e, DL_EDATA, "'%s': line %llu: level '%s' is listed twice (levels "
                           "are sorted by bytes, each once)", rec_name,
                           (unsigned long long)line, k->level[i]);
    }
    return 0;
}

static int parse_categories(cm_categories *c, const char *rec_name, size_t len, uint64_t cols,
                            dl_err *e)
{
    /* a line per column, a tab per level: counted first, since each
     * column's levels point into the one array of them */
    size_t lines = count_char(c->text, len, '\n');
    if (dl_mem_array(&c->column, lines, sizeof *c->column, "columns", e) ||
        dl_mem_array(&c->levels, count_char(c->text, len, '\t'), sizeof *c->levels, "levels", e))
        return dl_err_wrap(e, "'%s'", rec_name);
    char *p = c->text;
    size_t used = 0;
    for (size_t i = 0; i < lines; i++) {
        char *nl = strchr(p, '\n');
        *nl = '\0';
        cm_column *k = &c->column[i];
        k->level = c->levels + used;
        char *tab = strchr(p, '\t');
        if (tab)
            *tab = '\0';
        if (parse_col(p, &k->col))
            return dl_fail(e, DL_EDATA, "'%s': line %zu: '%s' is not a column index", rec_name,
                           i + 1, p);
        if (k->col >= cols)
            return dl_fail(e, DL_EDATA, "'%s': line %zu: column index %llu, but the tensor has %llu column%s",
                           rec_name, i + 1, (unsigned long long)k->col,
                           (unsigned long long)cols, dl_plural(cols));
        if (i && k->col <= c->column[i - 1].col)
            return dl_fail(e, DL_EDATA,
                           "'%s': line %zu: column index %llu after %llu (one line per column, "
                           "in increasing order)",
                           rec_name, i + 1, (unsigned long long)k->col,
                           (unsigned long long)c->column[i - 1].col);
        while (tab) {
            char *level = tab + 1;
            tab = strchr(level, '\t');
            if (tab)
                *tab = '\0';
            k->level[k->count++] = level;
        }
        used += k->count;
        c->count = i + 1;
        if (check_levels(k, rec_name, i + 1, e))
            return e->code;
        p = nl + 1;
    }
    return 0;
}

int cm_categories_parse(cm_categories *c, const dl_tensor *rec, uint64_t cols, dl_err *e)
{
    cm_categories_init(c);
    size_t len;
    if (copy_text(rec, &c->text, &len, e))
        return e->code;
    if (parse_categories(c, rec->name, len, cols, e)) {
        cm_categories_free(c);
        return e->code;
    }
    return 0;
}

int cm_categories_load(cm_categories *c, dl_tensor_set *s, const char *tensor,
                       uint64_t cols, dl_err *e)
{
    cm_categories_init(c);
    char rec[DL_NAME_MAX + 1];
    if (cm_meta_name(rec, tensor, CM_CATEGORIES_SUFFIX, e))
        return e->code;
    const dl_tensor *t = dl_set_find(s, rec);
    return t ? cm_categories_parse(c, t, cols, e) : 0;
}

const cm_column *cm_categories_column(const cm_categories *c, uint64_t col)
{
    size_t lo = 0, hi = c ? c->count : 0;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (c->column[mid].col == col)
            return &c->column[mid];
        if (c->column[mid].col < col)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NULL;
}

/* strcmp of a NUL-terminated level with the len bytes at s. */
static int compare_level(const char *level, const char *s, size_t len)
{
    int r = strncmp(level, s, len);
    if (r)
        return r;
    return level[len] != '\0'; /* level is longer: it comes after */
}

int64_t cm_column_code(const cm_column *k, const char *level, size_t len)
{
    uint64_t lo = 0, hi = k->count;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        int r = compare_level(k->level[mid], level, len);
        if (r == 0)
            return memchr(level, '\0', len) ? -1 : (int64_t)mid;
        if (r < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

int cm_is_code(double v, uint64_t count)
{
    return v >= 0 && v < (double)count && v == floor(v);
}

const char *cm_column_level(const cm_column *k, double code)
{
    return cm_is_code(code, k->count) ? k->level[(uint64_t)code] : NULL;
}

int cm_categories_make(const cm_column *cols, size_t count, uint64_t tcols,
                       const char *rec_name, dl_tensor *out, dl_err *e)
{
    dl_str b = {0};
    for (size_t i = 0; i < count; i++) {
        const cm_column *k = &cols[i];
        int bad = k->col >= tcols ? 1 : i && k->col <= cols[i - 1].col ? 2 : 0;
        if (bad) {
            dl_str_free(&b);
            return dl_fail(e, DL_EDATA, "'%s': column index %llu %s", rec_name,
                           (unsigned long long)k->col,
                           bad == 1 ? "is beyond the tensor's columns"
                                    : "does not increase (one line per column, in order)");
        }
        if (check_levels(k, rec_name, i + 1, e)) {
            dl_str_free(&b);
            return e->code;
        }
        dl_str_printf(&b, "%llu", (unsigned long long)k->col);
        for (uint64_t l = 0; l < k->count; l++)
            dl_str_printf(&b, "\t%s", k->level[l]);
        dl_str_printf(&b, "\n");
    }
    return text_record(&b, rec_name, out, e);
}

/* ------------------------ metadata beside its tensor ----------------------- */

uint64_t cm_columns(int rank, const uint64_t *shape)
{
    return rank >= 2 ? shape[1] : 1;
}

/* The record of tensor's metadata of this suffix that s holds, or NULL (a
 * name with no room for the suffix has none). */
static const dl_tensor *meta_of(dl_tensor_set *s, const char *tensor, const char *suffix)
{
    char name[DL_NAME_MAX + 1];
    dl_err too_long;
    return cm_meta_name(name, tensor, suffix, &too_long) ? NULL : dl_set_find(s, name);
}

int cm_meta_fits(dl_tensor_set *s, const dl_tensor *t, dl_err *e)
{
    uint64_t cols = cm_columns(t->rank, t->shape);
    const dl_tensor *names = meta_of(s, t->name, CM_NAMES_SUFFIX);
    const dl_tensor *cats = meta_of(s, t->name, CM_CATEGORIES_SUFFIX);
    cm_names n;
    cm_categories c;
    cm_names_init(&n);
    cm_categories_init(&c);
    int rc = (names && cm_names_parse(&n, names, cols, e)) ||
             (cats && cm_categories_parse(&c, cats, cols, e)) ? e->code : 0;
    cm_names_free(&n);
    cm_categories_free(&c);
    return rc;
}

int cm_set_meta_fits(dl_tensor_set *s, dl_err *e)
{
    for (size_t i = 0; i < s->count; i++)
        if (!cm_is_meta_name(s->items[i].name) && cm_meta_fits(s, &s->items[i], e))
            return e->code;
    return 0;
}

/* The name of the tensor that the metadata record `meta` describes. */
static void meta_tensor(const char *meta, char out[DL_NAME_MAX + 1])
{
    size_t len = strlen(meta);
    size_t suffix = ends_with(meta, CM_NAMES_SUFFIX) ? strlen(CM_NAMES_SUFFIX)
                                                     : strlen(CM_CATEGORIES_SUFFIX);
    memcpy(out, meta, len - suffix);
    out[len - suffix] = '\0';
}

void cm_passthrough_init(cm_passthrough *p) { dl_set_init(&p->seen); }

void cm_passthrough_free(cm_passthrough *p) { dl_set_free(&p->seen); }

int cm_passthrough_meta(cm_passthrough *p, const dl_tensor *rec, dl_err *e)
{
    const dl_tensor *have = dl_set_find(&p->seen, rec->name);
    if (have)
        return cm_meta_repeat(have, rec, e);
    dl_tensor copy;
    if (dl_tensor_copy(&copy, rec, e) || dl_set_add(&p->seen, &copy, e))
        return e->code;
    char tensor[DL_NAME_MAX + 1];
    meta_tensor(rec->name, tensor);
    const dl_tensor *t = dl_set_find(&p->seen, tensor);
    return t && !cm_is_meta_name(t->name) ? cm_meta_fits(&p->seen, t, e) : 0;
}

int cm_passthrough_chunk(cm_passthrough *p, const dl_tensor *t, dl_err *e)
{
    if (dl_set_find(&p->seen, t->name))
        return 0;
    return dl_set_add_shape(&p->seen, t, e) || cm_meta_fits(&p->seen, t, e) ? e->code : 0;
}

/* ----------------------------- missing cells ---------------------------- */

cm_named_col cm_col_name(const cm_names *names, uint64_t col)
{
    cm_named_col n = {""};
    const char *name = cm_names_at(names, col);
    if (name)
        snprintf(n.text, sizeof n.text, " ('%s')", name);
    return n;
}

int cm_fail_cell(const cm_names *names, uint64_t row, uint64_t col, const char *what, dl_err *e)
{
    cm_named_col named = cm_col_name(names, col);
    return dl_fail(e, DL_EDATA, "row %llu, column %llu%s: %s", (unsigned long long)row + 1,
                   (unsigned long long)col + 1, named.text, what);
}

static int fail_codes(const cm_names *names, uint64_t col, dl_err *e)
{
    cm_named_col named = cm_col_name(names, col);
    return dl_fail(e, DL_EDATA, "x column %llu%s holds categories, whose codes a model fitted "
                   "without a design could not match to another file's at prediction: fit on "
                   "the output of dl-design, which keeps their levels (--onehot encodes them)",
                   (unsigned long long)col + 1, named.text);
}

int cm_refuse_codes(const dl_tensor *rec, uint64_t cols, const cm_names *names, dl_err *e)
{
    if (!rec)
        return 0;
    cm_categories c;
    if (cm_categories_parse(&c, rec, cols, e))
        return e->code;
    int rc = c.count ? fail_codes(names, c.column[0].col, e) : 0;
    cm_categories_free(&c);
    return rc;
}

int cm_refuse_class_regression(const dl_tensor *rec, uint64_t cols, const cm_names *names,
                               dl_err *e)
{
    if (!rec)
        return 0;
    cm_categories c;
    if (cm_categories_parse(&c, rec, cols, e))
        return e->code;
    int rc = 0;
    for (size_t i = 0; i < c.count && !rc; i++) {
        const cm_column *k = &c.column[i];
        if (k->count <= 2)
            continue;
        cm_named_col named = cm_col_name(names, k->col);
        rc = dl_fail(e, DL_EDATA, "y column %llu%s holds %llu classes ('%s' to '%s'): a "
                     "regression would fit their codes 0 to %llu, the levels in byte order, "
                     "as numbers; classify them instead: dl-train with loss ce and a softmax "
                     "output of %llu units", (unsigned long long)k->col + 1, named.text,
                     (unsigned long long)k->count, k->level[0], k->level[k->count - 1],
                     (unsigned long long)k->count - 1, (unsigned long long)k->count);
    }
    cm_categories_free(&c);
    return rc;
}

int cm_fail_code(const cm_names *names, uint64_t row, uint64_t col, double v, uint64_t count,
                 dl_err *e)
{
    char what[NT_BUF + 64];
    nt_format_f64(v, what);
    size_t n = strlen(what);
    snprintf(what + n, sizeof what - n, " is not a category code (0..%llu)",
             (unsigned long long)count - 1);
    return cm_fail_cell(names, row, col, what, e);
}

int cm_check_codes(const dl_tensor *t, const cm_categories *c, const cm_names *names,
                   uint64_t first_row, dl_err *e)
{
    uint64_t rows = t->shape[0], cols = t->rank >= 2 ? t->shape[1] : 1;
    for (uint64_t r = 0; r < rows; r++)
        for (size_t i = 0; i < c->count && c->column[i].col < cols; i++) {
            const cm_column *k = &c->column[i];
            uint64_t at = r * cols + k->col;
            double v = t->dtype == DL_F32 ? ((const float *)t->data)[at]
                                          : ((const double *)t->data)[at];
            if (!isnan(v) && !cm_is_code(v, k->count))
                return cm_fail_code(names, first_row + r, k->col, v, k->count, e);
        }
    return 0;
}

int cm_fail_missing(const cm_names *names, uint64_t row, uint64_t col, dl_err *e)
{
    return cm_fail_cell(names, row, col, "missing value (impute with dl-design --impute)", e);
}

int cm_check_missing(const dl_tensor *t, const cm_names *names, uint64_t first_row,
                     dl_err *e)
{
    if (!dl_dtype_is_float(t->dtype))
        return 0;
    /* NaN is not finite: the vectorized scan for a non-finite value passes
     * over clean data at memory speed, and the first NaN is at or after
     * what it finds */
    int64_t from = dl_tensor_find_nonfinite(t);
    if (from < 0)
        return 0;
    uint64_t n = dl_tensor_nelem(t), cols = t->rank >= 2 ? dl_tensor_row_size(t) : 1;
    for (uint64_t i = (uint64_t)from; i < n; i++) {
        double v = t->dtype == DL_F32 ? ((const float *)t->data)[i] : ((const double *)t->data)[i];
        if (isnan(v))
            return cm_fail_missing(names, first_row + i / cols, i % cols, e);
    }
    return 0;
}

/* -------------------------------- weights ------------------------------- */

double cm_weight_at(const dl_tensor *w, uint64_t i)
{
    return w->dtype == DL_F32 ? ((const float *)w->data)[i] : ((const double *)w->data)[i];
}

int cm_weights_check(const dl_tensor *w, uint64_t rows, dl_err *e)
{
    return cm_weights_check_chunk(w, rows, 0, e);
}

int cm_weights_check_chunk(const dl_tensor *w, uint64_t rows, uint64_t first, dl_err *e)
{
    if (!dl_dtype_is_float(w->dtype))
        return dl_fail(e, DL_EDATA, "'%s' is %s; weights are floats", w->name,
                       dl_dtype_name(w->dtype));
    if (w->rank == 2 && w->shape[1] != 1)
        return dl_fail(e, DL_EDATA, "'%s' has %llu columns; weights are N x 1", w->name,
                       (unsigned long long)w->shape[1]);
    if (w->rank < 1 || w->rank > 2)
        return dl_fail(e, DL_EDATA, "'%s' has rank %d; weights are N x 1", w->name, w->rank);
    if (w->shape[0] != rows)
        return dl_fail(e, DL_EDATA, "'%s' has %llu row%s but 'x' has %llu", w->name,
                       (unsigned long long)w->shape[0], dl_plural(w->shape[0]),
                       (unsigned long long)rows);
    for (uint64_t i = 0; i < rows; i++) {
        double v = cm_weight_at(w, i);
        if (isnan(v))
            return dl_fail(e, DL_EDATA, "'%s': row %llu: the weight is missing (NaN)", w->name,
                           (unsigned long long)(first + i + 1));
        if (!isfinite(v) || v < 0)
            return dl_fail(e, DL_EDATA, "'%s': row %llu: weight %g %s", w->name,
                           (unsigned long long)(first + i + 1), v,
                           v < 0 ? "is negative" : "is not finite");
    }
    return 0;
}
