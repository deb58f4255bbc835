#include "metrics_io.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "colmeta.h"
#include "names.h"
#include "numtext.h"
#include "prep.h"
#include "stream.h"
#include "tensor.h"

int mio_format_parse(const char *s)
{
    static const char *const names[] = {"table", "tsv", "json"};
    for (int f = 0; f < 3; f++)
        if (strcmp(s, names[f]) == 0)
            return f;
    return -1;
}

const char *mio_tag_fault(const char *tag)
{
    const char *eq = strchr(tag, '=');
    if (!eq || eq == tag)
        return "is not KEY=VALUE";
    const char *fault = dl_name_fault(tag, strlen(tag));
    if (fault)
        return fault;
    return strpbrk(tag, "\"\\") ? "contains a double quote or a backslash" : NULL;
}

/* The length of a tag's key. */
static size_t tag_key_len(const char *tag) { return (size_t)(strchr(tag, '=') - tag); }

static int tag_key_is(const char *tag, const char *name)
{
    size_t len = tag_key_len(tag);
    return strlen(name) == len && memcmp(tag, name, len) == 0;
}

int mio_tags_check(const mio_opts *o, const mt_report *r, dl_err *e)
{
    static const char *const own[] = {"task", "n", "confusion_matrix", "note"};
    for (size_t i = 0; i < o->ntags; i++) {
        const char *tag = o->tags[i];
        int len = (int)tag_key_len(tag), taken = strncmp(tag, "cm[", 3) == 0;
        for (size_t k = 0; k < sizeof own / sizeof *own; k++)
            taken |= tag_key_is(tag, own[k]);
        for (size_t k = 0; r && k < r->count; k++)
            taken |= tag_key_is(tag, r->items[k].name);
        if (taken)
            return dl_fail(e, DL_EUSAGE, "--tag: '%.*s' is a column of dl-eval's own record",
                           len, tag);
        if (mio_summary_column(tag, (size_t)len))
            return dl_fail(e, DL_EUSAGE,
                           "--tag: '%.*s' is a column of dl-eval --summary's records", len, tag);
        for (size_t j = 0; j < i; j++)
            if (tag_key_len(o->tags[j]) == (size_t)len && memcmp(o->tags[j], tag, (size_t)len) == 0)
                return dl_fail(e, DL_EUSAGE, "--tag: '%.*s' is given twice", len, tag);
    }
    return 0;
}

/* ------------------------------- input ------------------------------- */

/* 1 when name is one of want (a NULL-terminated list). */
static int is_wanted(const char *name, const char *const *want)
{
    for (; *want; want++)
        if (strcmp(name, *want) == 0)
            return 1;
    return 0;
}

/* Reads the tensors named in want from a stream, reassembling chunks and
 * skipping every other record. */
static int read_named(const char *path, const char *const *want, dl_tensor_set *set, dl_err *e)
{
    st_reader *r;
    if (st_reader_open(&r, path, e))
        return e->code;
    st_header h;
    int found, rc;
    while (!(rc = st_next_header(r, &h, &found, e)) && found) {
        if (!is_wanted(h.name, want)) {
            if ((rc = st_skip_payload(r, &h, e)) != 0)
                break;
            continue;
        }
        dl_tensor t;
        if ((rc = st_read_payload(r, &h, &t, e)) != 0)
            break;
        if (dl_set_add(set, &t, e)) {
            dl_tensor_free(&t);
            rc = dl_err_wrap(e, "%s", st_reader_label(r));
            break;
        }
    }
    if (!rc && st_reader_records(r) == 0)
        rc = st_fail_empty(st_reader_label(r), e);
    st_reader_close(r);
    return rc;
}

/* Makes a tensor an N x K float64 matrix; its original dtype in *dtype. */
static int as_f64_matrix(dl_tensor *t, const char *label, int *dtype, dl_err *e)
{
    *dtype = t->dtype;
    if (dl_tensor_as_matrix(t, e) || dl_tensor_convert(t, DL_F64, e))
        return dl_err_wrap(e, "%s", label);
    return 0;
}

/* The levels of a and b, sorted and once each, into out (a->count +
 * b->count long); returns how many. */
static size_t merge_levels(const cm_column *a, const cm_column *b, char **out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < a->count || j < b->count) {
        int c = i == a->count ? 1 : j == b->count ? -1 : strcmp(a->level[i], b->level[j]);
        out[n++] = c <= 0 ? a->level[i] : b->level[j];
        i += c <= 0;
        j += c >= 0;
    }
    return n;
}

/* The codes of a column of classes (`rows` values at v) moved from the
 * levels of record `have` to those of `want` by name (prep's mapping of a
 * target's categories); nothing when both are the same bytes. */
static int recode_classes(const dl_tensor *want, const dl_tensor *have, double *v, size_t rows,
                          dl_err *e)
{
    pp_prep *map;
    if (pp_bind_targets(&map, NULL, want, have, 1, e))
        return e->code;
    int rc = map ? pp_recode(map, v, rows, 0, e) : 0;
    pp_free(map);
    return rc;
}

/* The class a column of scores named `name` scores: CLASS of NAME=CLASS,
 * where NAME is the first `prefix` bytes of `want`; NULL when the name is
 * not of that form. */
static const char *class_in_name(const char *name, const char *want, size_t prefix)
{
    if (prefix == 0 || strncmp(name, want, prefix) != 0 || name[prefix] != '=' ||
        name[prefix + 1] == '\0')
        return NULL;
    return name + prefix + 1;
}

/* The classes yhat's columns score, by their names NAME=CLASS in
 * yhat.names, into cls: NAME is y's own name when y's stream names y, else
 * what comes before the first '=' of the first column's name, the same for
 * every column.  DL_EDATA naming the first column whose name is not of
 * that form. */
static int scored_classes(const mio_pair *d, const cm_names *hn, const char *yname,
                          const char **cls, dl_err *e)
{
    const char *want = yname ? yname : hn->name[0], *eq = strchr(want, '=');
    size_t prefix = yname ? strlen(yname) : eq ? (size_t)(eq - want) : 0;
    for (uint64_t j = 0; j < hn->count; j++) {
        if ((cls[j] = class_in_name(hn->name[j], want, prefix)))
            continue;
        const char *other = strchr(hn->name[j], '=');
        int unnamed = other - hn->name[j] == 2 && strncmp(hn->name[j], "y0", 2) == 0;
        if (yname && other && other > hn->name[j] && other[1])
            return dl_fail(e, DL_EDATA,
                           "%s: 'yhat' column %llu is '%s', a class of the target '%.*s', not "
                           "of y's '%s'%s", d->yhat_label, (unsigned long long)j + 1,
                           hn->name[j], (int)(other - hn->name[j]), hn->name[j], yname,
                           unnamed ? " (a model trained on data without a header names its "
                                     "target y0)" : "");
        return dl_fail(e, DL_EDATA,
                       "%s: 'yhat' column %llu is '%s', not %.*s=CLASS: the class it scores is "
                       "not named",
                       d->yhat_label, (unsigned long long)j + 1, hn->name[j],
                       prefix ? (int)prefix : 4, prefix ? want : "NAME");
    }
    return 0;
}

static int cmp_text_ptr(const void *a, const void *b)
{
    return strcmp(**(const char *const *const *)a, **(const char *const *const *)b);
}

/* The level of y's class code at row i (NaN, a missing class, stays NULL
 * with 0), or DL_EDATA for a code that is no class of y.categories. */
static int y_level(const mio_pair *d, const cm_column *k, size_t i, const char **level,
                   dl_err *e)
{
    double v = ((const double *)d->y->data)[i];
    *level = NULL;
    if (isnan(v))
        return 0;
    if (!(*level = cm_column_level(k, v)))
        return dl_fail(e, DL_EDATA, "%s: 'y' row %zu: %.17g is no class code of its "
                                    "'y.categories' (0..%llu)",
                       d->y_label, i + 1, v, (unsigned long long)k->count - 1);
    return 0;
}

/* Every code of the one-column tensor t (rows of class codes) is a class
 * of k, the column of the categories record named cat_name, NaN (a
 * missing class, refused later) aside: codes kept as they are must name a
 * class, or the table would show a code no file names as a class of its
 * own. */
static int codes_of(const dl_tensor *t, const char *label, const cm_column *k,
                    const char *cat_name, dl_err *e)
{
    if (t->shape[1] != 1)
        return 0;
    const double *v = t->data;
    for (size_t i = 0; i < (size_t)t->shape[0]; i++)
        if (!isnan(v[i]) && !cm_column_level(k, v[i])) {
            dl_fail(e, DL_EDATA, "'%s' row %zu: %.17g is no class code of '%s' (0..%llu)",
                    t->name, i + 1, v[i], cat_name, (unsigned long long)k->count - 1);
            return dl_err_wrap(e, "%s", label);
        }
    return 0;
}

/* codes_of for y and yhat, whose categories records ycat and hcat are the
 * same (hcat may be ycat itself): ycat parsed once for both. */
static int pair_codes(const mio_pair *d, const dl_tensor *ycat, const dl_tensor *hcat, dl_err *e)
{
    if (d->y->shape[1] != 1 && d->yhat->shape[1] != 1)
        return 0;
    cm_categories c;
    cm_categories_init(&c);
    int rc = cm_categories_parse(&c, ycat, 1, e) ? dl_err_wrap(e, "%s", d->y_label) : 0;
    const cm_column *k = rc ? NULL : cm_categories_column(&c, 0);
    if (k && (codes_of(d->y, d->y_label, k, ycat->name, e) ||
              codes_of(d->yhat, d->yhat_label, k, hcat->name, e)))
        rc = e->code;
    cm_categories_free(&c);
    return rc;
}

/* The pair's tensors, found again in their sets after records of these
 * names were put there (a set's tensors may move when it grows). */
static void find_again(mio_pair *d, dl_tensor_set *ys)
{
    d->yhat = dl_set_find(&d->in, "yhat");
    d->y = dl_set_find(ys, "y");
    d->w = dl_set_find(ys, "w");
}

/* One column of scores of the class `pos` (by its name), against one other
 * class: y becomes 1 for pos, 0 for the other; y.categories names both
 * when the other sorts first (codes follow sorted names), else none. */
static int bind_positive(mio_pair *d, dl_tensor_set *ys, const cm_column *k, const char *pos,
                         dl_err *e)
{
    const char *neg = NULL, *extra = NULL;
    for (uint64_t i = 0; i < k->count && !extra; i++)
        if (strcmp(k->level[i], pos) != 0)
            *(neg ? &extra : &neg) = k->level[i];
    if (extra)
        return dl_fail(e, DL_EDATA,
                       "%s: 'y' has the classes '%s' and '%s' besides '%s', the one "
                       "'yhat' scores: one column of scores sets one class against one other",
                       d->y_label, neg, extra, pos);
    double *y = d->y->data;
    const char *level;
    for (size_t i = 0; i < (size_t)d->y->shape[0]; i++) {
        if (y_level(d, k, i, &level, e))
            return e->code;
        if (level)
            y[i] = strcmp(level, pos) == 0;
    }
    if (!neg || strcmp(neg, pos) > 0) {
        dl_set_remove(ys, "y" CM_CATEGORIES_SUFFIX);
        return 0;
    }
    char *both[2] = {(char *)neg, (char *)pos};
    cm_column u = {0, 2, both};
    dl_tensor rec = {0};
    return cm_categories_make(&u, 1, 1, "y" CM_CATEGORIES_SUFFIX, &rec, e) ||
                   dl_set_put(ys, &rec, e) ? e->code : 0;
}

/* Columns of scores, one per class (cls[j], by name): y's codes become
 * their columns', the columns put in the sorted order of their classes
 * (yhat.names with them), which become y.categories.  A class of y with no
 * column is DL_EDATA naming its row; a class of yhat that y lacks is one
 * no row has. */
static int bind_columns(mio_pair *d, dl_tensor_set *ys, const cm_column *k, const cm_names *hn,
                        const char **cls, dl_err *e)
{
    size_t kh = (size_t)d->yhat->shape[1], rows = (size_t)d->yhat->shape[0];
    const char ***order = NULL, **names = NULL;
    char **sorted = NULL;
    int64_t *to = NULL;
    double *row = NULL;
    dl_tensor cats = {0}, hnames = {0};
    int rc = dl_mem_array(&order, kh, sizeof *order, "class scores", e) ||
                     dl_mem_array(&sorted, kh, sizeof *sorted, "class scores", e) ||
                     dl_mem_array(&names, kh, sizeof *names, "class scores", e) ||
                     dl_mem_array(&to, k->count, sizeof *to, "class scores", e) ||
                     dl_mem_array(&row, kh, sizeof *row, "class scores", e)
                 ? e->code
                 : 0;
    for (size_t j = 0; !rc && j < kh; j++)
        order[j] = &cls[j];
    if (!rc)
        qsort(order, kh, sizeof *order, cmp_text_ptr);
    int moved = 0;
    for (size_t j = 0; !rc && j < kh; j++) {
        size_t from = (size_t)(order[j] - cls);
        sorted[j] = (char *)*order[j];
        names[j] = hn->name[from];
        moved |= from != j;
        if (j > 0 && strcmp(sorted[j - 1], sorted[j]) == 0)
            rc = dl_fail(e, DL_EDATA, "%s: 'yhat' columns %zu and %zu both score the class "
                                      "'%s'", d->yhat_label,
                         (size_t)(order[j - 1] - cls) + 1, from + 1, sorted[j]);
    }
    cm_column u = {0, kh, sorted};
    for (uint64_t i = 0; !rc && i < k->count; i++)
        to[i] = cm_column_code(&u, k->level[i], strlen(k->level[i]));
    double *y = d->y->data, *p = d->yhat->data;
    const char *level;
    for (size_t i = 0; !rc && i < rows; i++) {
        if (y_level(d, k, i, &level, e))
            rc = e->code;
        else if (level && to[(size_t)y[i]] < 0)
            rc = dl_fail(e, DL_EDATA, "%s: 'y' row %zu: class '%s' has no column of scores "
                                      "in 'yhat' (by their names NAME=CLASS)",
                         d->y_label, i + 1, level);
        else if (level)
            y[i] = (double)to[(size_t)y[i]];
    }
    for (size_t i = 0; !rc && moved && i < rows; i++) {
        for (size_t j = 0; j < kh; j++)
            row[j] = p[i * kh + (size_t)(order[j] - cls)];
        memcpy(p + i * kh, row, kh * sizeof *row);
    }
    if (!rc && (cm_categories_make(&u, 1, 1, "y" CM_CATEGORIES_SUFFIX, &cats, e) ||
                (moved && cm_names_make(names, kh, "yhat" CM_NAMES_SUFFIX, &hnames, e)) ||
                dl_set_put(ys, &cats, e) || (moved && dl_set_put(&d->in, &hnames, e))))
        rc = e->code;
    dl_tensor_free(&cats);
    dl_tensor_free(&hnames);
    free(order);
    free(sorted);
    free(names);
    free(to);
    free(row);
    return rc;
}

/* 1 when one column of yhat holds class codes (integers; NaN is refused
 * later, as a missing prediction) and no class name: labels without
 * yhat.categories, taken as y's own codes. */
static int unnamed_codes(const mio_pair *d, const cm_names *hn, const char *yname)
{
    if (d->yhat->shape[1] != 1)
        return 0;
    const char *cls;
    dl_err ignored = {0};
    if (hn->count && scored_classes(d, hn, yname, &cls, &ignored) == 0)
        return 0;
    const double *v = d->yhat->data;
    for (size_t i = 0; i < (size_t)d->yhat->shape[0]; i++)
        if (!isnan(v[i]) && v[i] != floor(v[i]))
            return 0;
    return 1;
}

/* y a column of string classes (y.categories) beside yhat without
 * yhat.categories: yhat's columns are scores, which say their classes by
 * their names (yhat.names, NAME=CLASS, as dl-predict writes them), and y's
 * codes become the classes' as yhat orders them.  Unnamed scores are
 * DL_EDATA: their columns could be any file's codes.  One column of
 * integers without a class name holds class codes, y's (unnamed_codes). */
static int bind_scores(mio_pair *d, dl_tensor_set *ys, const dl_tensor *ycat, dl_err *e)
{
    if (d->y->shape[1] != 1 || d->yhat->shape[1] == 0) /* no classes: refused later */
        return 0;
    uint64_t kh = d->yhat->shape[1];
    cm_categories yc;
    cm_names yn, hn;
    cm_categories_init(&yc);
    cm_names_init(&yn);
    cm_names_init(&hn);
    const char **cls = NULL;
    int rc = dl_mem_array(&cls, (size_t)kh, sizeof *cls, "class scores", e) ? e->code
             : cm_categories_parse(&yc, ycat, 1, e) || cm_names_load(&yn, ys, "y", 1, e)
                 ? dl_err_wrap(e, "%s", d->y_label)
             : cm_names_load(&hn, &d->in, "yhat", kh, e) ? dl_err_wrap(e, "%s", d->yhat_label)
                                                         : 0;
    const cm_column *k = rc ? NULL : cm_categories_column(&yc, 0);
    if (k && unnamed_codes(d, &hn, cm_names_at(&yn, 0))) {
        rc = codes_of(d->y, d->y_label, k, ycat->name, e) ||
                     codes_of(d->yhat, d->yhat_label, k, ycat->name, e)
                 ? e->code
                 : 0;
        k = NULL;
    }
    if (k && hn.count == 0)
        rc = dl_fail(e, DL_EDATA,
                     "%s: 'yhat' holds %s of scores without the name%s of %s class%s, and "
                     "'y' holds string classes: name %s NAME=CLASS in 'yhat.names' (as "
                     "dl-predict does), or give class labels with their 'yhat.categories'",
                     d->yhat_label, kh == 1 ? "a column" : "columns", dl_plural(kh),
                     kh == 1 ? "its" : "their", kh == 1 ? "" : "es", kh == 1 ? "it" : "each");
    if (k && !rc)
        rc = scored_classes(d, &hn, cm_names_at(&yn, 0), cls, e);
    if (k && !rc)
        rc = kh == 1 ? bind_positive(d, ys, k, cls[0], e) : bind_columns(d, ys, k, &hn, cls, e);
    free(cls);
    cm_categories_free(&yc);
    cm_names_free(&yn);
    cm_names_free(&hn);
    find_again(d, ys);
    return rc;
}

/* When y holds string classes (y.categories), yhat must say which classes
 * it holds: class scores by their names (bind_scores), class labels by
 * their own categories (yhat.categories).  When these differ from y's
 * (each file codes its classes by its own sorted names), both are recoded
 * to the sorted union of the names, which becomes both records: a class
 * only one of them names stays a class of its own.  Several columns of
 * class scores beside such a yhat.categories are refused: which class a
 * column scores is not said by name. */
static int bind_classes(mio_pair *d, dl_err *e)
{
    dl_tensor_set *ys = d->truth_given ? &d->truth : &d->in;
    dl_tensor *ycat = dl_set_find(ys, "y" CM_CATEGORIES_SUFFIX),
              *hcat = dl_set_find(&d->in, "yhat" CM_CATEGORIES_SUFFIX);
    dl_err same = {0};
    if (ycat && !hcat)
        return bind_scores(d, ys, ycat, e);
    if (!ycat)
        return 0;
    if (cm_meta_repeat(ycat, hcat, &same) == 0)
        return pair_codes(d, ycat, hcat, e);
    unsigned long long ky = d->y->shape[1], kh = d->yhat->shape[1];
    if (ky == 1 && kh > 1)
        return dl_fail(e, DL_EDATA,
                       "%s: 'yhat' holds %llu columns of class scores and its "
                       "'yhat.categories' differs from 'y.categories': the columns cannot be "
                       "matched to y's classes by name (write them in y's class order)",
                       d->yhat_label, kh);
    if (ky != 1 || kh != 1)
        return dl_fail(e, DL_EDATA,
                       "%s: 'yhat.categories' differs from 'y.categories': classes are matched "
                       "by name in one column of class codes, not in %llu",
                       d->yhat_label, ky != 1 ? ky : kh);
    cm_categories yc, hc;
    cm_categories_init(&yc);
    cm_categories_init(&hc);
    char **levels = NULL;
    dl_tensor both = {0}, copy = {0};
    int rc = cm_categories_parse(&yc, ycat, 1, e) ? dl_err_wrap(e, "%s", d->y_label)
             : cm_categories_parse(&hc, hcat, 1, e) ? dl_err_wrap(e, "%s", d->yhat_label)
                                                    : 0;
    const cm_column *a = rc ? NULL : cm_categories_column(&yc, 0),
                    *b = rc ? NULL : cm_categories_column(&hc, 0);
    if (a && b && dl_mem_array(&levels, a->count + b->count, sizeof *levels, "class names", e))
        rc = e->code;
    if (levels) {
        cm_column u = {0, 0, levels};
        u.count = merge_levels(a, b, levels);
        size_t rows = (size_t)d->y->shape[0];
        if (cm_categories_make(&u, 1, 1, "y" CM_CATEGORIES_SUFFIX, &both, e))
            rc = e->code;
        else if (recode_classes(&both, ycat, d->y->data, rows, e))
            rc = dl_err_wrap(e, "%s: 'y'", d->y_label);
        else if (recode_classes(&both, hcat, d->yhat->data, rows, e))
            rc = dl_err_wrap(e, "%s: 'yhat'", d->yhat_label);
        else if (dl_tensor_copy(&copy, &both, e) ||
                 dl_tensor_rename(&copy, "yhat" CM_CATEGORIES_SUFFIX, e) ||
                 dl_set_put(&d->in, &copy, e) || dl_set_put(ys, &both, e))
            rc = e->code;
    }
    dl_tensor_free(&both);
    dl_tensor_free(&copy);
    free(levels);
    cm_categories_free(&yc);
    cm_categories_free(&hc);
    find_again(d, ys);
    return rc;
}

/* yhat's columns and y's, both named and none a class score (NAME=CLASS):
 * the same outputs, which are paired by position, so in the same order; a
 * test file whose y columns come in another order than the model's
 * outputs would otherwise be scored crosswise. */
static int same_outputs(mio_pair *d, dl_err *e)
{
    dl_tensor_set *ys = d->truth_given ? &d->truth : &d->in;
    uint64_t k = d->yhat->shape[1];
    if (k == 0 || d->y->shape[1] != k)
        return 0;
    cm_names yn, hn;
    cm_names_init(&yn);
    cm_names_init(&hn);
    int rc = cm_names_load(&yn, ys, "y", k, e)            ? dl_err_wrap(e, "%s", d->y_label)
             : cm_names_load(&hn, &d->in, "yhat", k, e) ? dl_err_wrap(e, "%s", d->yhat_label)
                                                        : 0;
    int scores = 0;
    for (uint64_t j = 0; !rc && j < hn.count && !scores; j++)
        scores = strchr(hn.name[j], '=') != NULL;
    if (!rc && yn.count && hn.count && !scores &&
        cm_names_agree((const char *const *)hn.name, (const char *const *)yn.name, k,
                       "truth ('y')", e))
        rc = dl_err_wrap(e, "%s: 'yhat'", d->yhat_label);
    cm_names_free(&yn);
    cm_names_free(&hn);
    return rc;
}

int mio_read_pair(const char *input, const char *truth, mio_pair *d, dl_err *e)
{
    memset(d, 0, sizeof *d);
    dl_set_init(&d->in);
    dl_set_init(&d->truth);
    const char *in_label = dl_err_label(input);
    d->yhat_label = in_label;
    d->y_label = truth ? truth : in_label;
    d->truth_given = truth != NULL;
    /* the weights travel with the truth */
    static const char *const with_truth[] = {"yhat", "yhat.names", "yhat.categories", "y", "w",
                                             "y.names", "y.categories", NULL},
                             *const yhat_only[] = {"yhat", "yhat.names", "yhat.categories",
                                                   NULL},
                             *const truth_only[] = {"y", "w", "y.names", "y.categories", NULL};
    if (read_named(input, truth ? yhat_only : with_truth, &d->in, e))
        return e->code;
    if (truth && read_named(truth, truth_only, &d->truth, e))
        return e->code;
    d->yhat = dl_set_find(&d->in, "yhat");
    d->y = dl_set_find(truth ? &d->truth : &d->in, "y");
    d->w = dl_set_find(truth ? &d->truth : &d->in, "w");
    if (!d->yhat)
        return dl_fail(e, DL_EDATA, "%s: no 'yhat' tensor (predictions, as dl-predict writes)",
                       in_label);
    if (!d->y)
        return dl_fail(e, DL_EDATA, "%s: no 'y' tensor (truth; or give --truth FILE)",
                       d->y_label);
    int y_dtype;
    if (as_f64_matrix(d->y, d->y_label, &y_dtype, e) ||
        as_f64_matrix(d->yhat, in_label, &d->yhat_dtype, e))
        return e->code;
    if (d->y->shape[0] != d->yhat->shape[0])
        return dl_fail(e, DL_EDATA, "%s: 'y'%s%s has %llu row%s but 'yhat' has %llu", in_label,
                       truth ? " from " : "", truth ? truth : "",
                       (unsigned long long)d->y->shape[0],
                       dl_plural((unsigned long long)d->y->shape[0]),
                       (unsigned long long)d->yhat->shape[0]);
    if (same_outputs(d, e) || bind_classes(d, e))
        return e->code;
    if (!d->w)
        return 0;
    if (d->w->rank >= 1 && d->w->shape[0] != d->y->shape[0])
        return dl_fail(e, DL_EDATA, "%s: 'y' has %llu row%s but 'w' has %llu", d->y_label,
                       (unsigned long long)d->y->shape[0],
                       dl_plural((unsigned long long)d->y->shape[0]),
                       (unsigned long long)d->w->shape[0]);
    if (cm_weights_check(d->w, d->y->shape[0], e) || dl_tensor_as_matrix(d->w, e) ||
        dl_tensor_convert(d->w, DL_F64, e))
        return dl_err_wrap(e, "%s", d->y_label);
    return 0;
}

void mio_pair_free(mio_pair *p)
{
    dl_set_free(&p->in);
    dl_set_free(&p->truth);
    p->y = p->yhat = p->w = NULL;
}

mt_data mio_pair_data(const mio_pair *p)
{
    mt_data md = {p->y->data, p->yhat->data, (size_t)p->y->shape[0], (size_t)p->y->shape[1],
                  (size_t)p->yhat->shape[1], p->w ? p->w->data : NULL};
    return md;
}

/* ------------------------------ output ------------------------------- */

void mio_put_number(FILE *out, double v, int format)
{
    char buf[NT_BUF];
    if (format == MIO_JSON && !isfinite(v)) {
        fputs("null", out); /* JSON has no NaN nor infinity */
        return;
    }
    if (isnan(v)) {
        fputs("nan", out);
        return;
    }
    nt_format_f64(v, buf);
    fputs(buf, out);
}

static void write_tsv(FILE *out, const mio_opts *mo, const mt_report *r)
{
    size_t k = r->ncm;
    int cm = r->task == MT_MULTICLASS;
    if (mo->header) {
        for (size_t i = 0; i < mo->ntags; i++)
            fprintf(out, "%.*s\t", (int)(strchr(mo->tags[i], '=') - mo->tags[i]), mo->tags[i]);
        fputs("task\tn", out);
        for (size_t i = 0; i < r->count; i++)
            fprintf(out, "\t%s", r->items[i].name);
        for (size_t i = 0; cm && i < k * k; i++)
            fprintf(out, "\tcm[%lld,%lld]", (long long)r->cm_labels[i / k],
                    (long long)r->cm_labels[i % k]);
        fputc('\n', out);
    }
    for (size_t i = 0; i < mo->ntags; i++)
        fprintf(out, "%s\t", strchr(mo->tags[i], '=') + 1);
    fprintf(out, "%s\t%zu", mt_task_name(r->task), r->n);
    for (size_t i = 0; i < r->count; i++) {
        fputc('\t', out);
        mio_put_number(out, r->items[i].value, MIO_TSV);
    }
    for (size_t i = 0; cm && i < k * k; i++) {
        fputc('\t', out);
        mio_put_number(out, r->cm[i], MIO_TSV);
    }
    fputc('\n', out);
}

static void write_json(FILE *out, const mio_opts *mo, const mt_report *r)
{
    fputc('{', out);
    for (size_t i = 0; i < mo->ntags; i++) {
        const char *eq = strchr(mo->tags[i], '=');
        fprintf(out, "\"%.*s\": \"%s\", ", (int)(eq - mo->tags[i]), mo->tags[i], eq + 1);
    }
    fprintf(out, "\"task\": \"%s\", \"n\": %zu", mt_task_name(r->task), r->n);
    for (size_t i = 0; i < r->count; i++) {
        fprintf(out, ", \"%s\": ", r->items[i].name);
        mio_put_number(out, r->items[i].value, MIO_JSON);
    }
    if (r->ncm) {
        fputs(", \"confusion_matrix\": {\"labels\": [", out);
        for (size_t i = 0; i < r->ncm; i++)
            fprintf(out, "%s%lld", i ? ", " : "", (long long)r->cm_labels[i]);
        fputs("], \"counts\": [", out);
        for (size_t i = 0; i < r->ncm * r->ncm; i++) {
            fputs(i % r->ncm ? ", " : i ? "], [" : "[", out);
            mio_put_number(out, r->cm[i], MIO_JSON);
            fputs(i + 1 == r->ncm * r->ncm ? "]" : "", out);
        }
        fputs("]}", out);
    }
    if (r->note[0])
        fprintf(out, ", \"note\": \"%s\"", r->note);
    fputs("}\n", out);
}

/* ------------------------------- table ------------------------------- */

/* "base[idx]" -> length of base, or 0 when the name has no index. */
static size_t indexed_base(const char *name)
{
    const char *open = strchr(name, '[');
    return open && name[strlen(name) - 1] == ']' ? (size_t)(open - name) : 0;
}

/* A number of the table as text: whole ones whole (counts, sums of whole
 * weights: 1000546, not 1e+06) while they fit the grid's 12 characters,
 * others to six digits; returns its length. */
static int table_text(double v, char *buf, size_t size)
{
    if (isnan(v))
        return snprintf(buf, size, "nan");
    if (v == floor(v) && fabs(v) < 1e11)
        return snprintf(buf, size, "%.0f", v);
    return snprintf(buf, size, "%.6g", v);
}

static void table_value(FILE *out, double v, int width)
{
    char buf[64];
    table_text(v, buf, sizeof buf);
    fprintf(out, "%*s", width, buf);
}

/* Indexed metrics as a grid: a row per index, a column per base name, in
 * the order they first appear (precision[0] recall[0] ... precision[1]). */
/* The name of output or class `code` (an index of the report), or NULL:
 * a class of a label column by y.categories, else an output (a column of y,
 * one-hot classes included) by y.names. */
static const char *label_name(const mio_labels *l, const mt_report *r, long long code)
{
    if (!l || code < 0)
        return NULL;
    const cm_column *k = cm_categories_column(&l->classes, 0);
    if (k && (r->task == MT_MULTICLASS || r->task == MT_BINARY) && l->outputs.count <= 1)
        return cm_column_level(k, (double)code);
    if (r->task == MT_BINARY || (r->task == MT_MULTICLASS && l->outputs.count <= 1))
        return NULL; /* one column of labels: its name is not a class's */
    return cm_names_at(&l->outputs, (uint64_t)code);
}

/* The text of index "[idx]" of a metric (*len bytes): its name from l, else
 * idx itself. */
static void index_text(const mio_labels *l, const mt_report *r, const char *idx,
                       const char **text, int *len)
{
    const char *name = label_name(l, r, strtoll(idx + 1, NULL, 10));
    *text = name ? name : idx + 1;
    *len = name ? (int)strlen(name) : (int)(strlen(idx) - 2);
}

static void write_grid(FILE *out, const mt_report *r, const mio_labels *l, size_t first)
{
    size_t ncols = 0, cols[32];
    int width = 8;
    const char *first_index = strchr(r->items[first].name, '['), *text;
    int len;
    for (size_t i = first; i < r->count && ncols < 32; i++)
        if (strcmp(strchr(r->items[i].name, '['), first_index) == 0)
            cols[ncols++] = i;
    for (size_t i = first; i + ncols <= r->count; i += ncols) {
        index_text(l, r, strchr(r->items[i].name, '['), &text, &len);
        int chars = (int)dl_name_chars(text, (size_t)len);
        width = chars > width ? chars : width;
    }
    fprintf(out, "\n%-*s", width, r->task == MT_MULTICLASS ? "class" : r->task == MT_MULTILABEL
                                                                         ? "label"
                                                                         : "output");
    for (size_t c = 0; c < ncols; c++)
        fprintf(out, " %12.*s", (int)indexed_base(r->items[cols[c]].name),
                r->items[cols[c]].name);
    fputc('\n', out);
    for (size_t i = first; i + ncols <= r->count; i += ncols) {
        index_text(l, r, strchr(r->items[i].name, '['), &text, &len);
        fprintf(out, "%-*.*s", dl_name_field(text, (size_t)len, width), len, text);
        for (size_t c = 0; c < ncols; c++) {
            fputc(' ', out);
            table_value(out, r->items[i + c].value, 12);
        }
        fputc('\n', out);
    }
}

/* A class of the confusion matrix: its name, else its code, in width
 * characters. */
static void cm_label(FILE *out, const mio_labels *l, const mt_report *r, size_t j, int width)
{
    const char *name = label_name(l, r, (long long)r->cm_labels[j]);
    if (name)
        fprintf(out, "%*s", dl_name_field(name, strlen(name), width), name);
    else
        fprintf(out, "%*lld", width, (long long)r->cm_labels[j]);
}

/* The characters of class j's label as cm_label writes it. */
static int cm_label_chars(const mio_labels *l, const mt_report *r, size_t j)
{
    const char *name = label_name(l, r, (long long)r->cm_labels[j]);
    if (name)
        return (int)dl_name_chars(name, strlen(name));
    return snprintf(NULL, 0, "%lld", (long long)r->cm_labels[j]);
}

/* Every column as wide as the widest label or cell (at least 8), so the
 * columns line up whatever the codes and the sums of weights. */
static int cm_width(const mt_report *r, const mio_labels *l)
{
    size_t k = r->ncm;
    int width = 8;
    char buf[64];
    for (size_t j = 0; j < k; j++) {
        int chars = cm_label_chars(l, r, j);
        width = chars > width ? chars : width;
    }
    for (size_t i = 0; i < k * k; i++) {
        int chars = table_text(r->cm[i], buf, sizeof buf);
        width = chars > width ? chars : width;
    }
    return width;
}

static void write_confusion(FILE *out, const mt_report *r, const mio_labels *l)
{
    size_t k = r->ncm;
    int width = cm_width(r, l);
    char buf[64];
    fprintf(out, "\nconfusion matrix (rows: true class, columns: predicted)\n%*s", width, "");
    for (size_t j = 0; j < k; j++) {
        fputc(' ', out);
        cm_label(out, l, r, j, width);
    }
    for (size_t i = 0; i < k * k; i++) {
        if (i % k == 0) {
            fputc('\n', out);
            cm_label(out, l, r, i / k, width);
        }
        table_text(r->cm[i], buf, sizeof buf);
        fprintf(out, " %*s", width, buf);
    }
    fputc('\n', out);
}

static void write_table(FILE *out, const mio_opts *mo, const mt_report *r,
                        const mio_labels *l)
{
    int width = 4;
    size_t scalars = 0;
    while (scalars < r->count && !indexed_base(r->items[scalars].name))
        scalars++;
    for (size_t i = 0; i < scalars; i++)
        if ((int)strlen(r->items[i].name) > width)
            width = (int)strlen(r->items[i].name);
    for (size_t i = 0; i < mo->ntags; i++) { /* a long tag widens the column too */
        size_t chars = dl_name_chars(mo->tags[i], tag_key_len(mo->tags[i]));
        width = chars > (size_t)width ? (chars < 256 ? (int)chars : 256) : width;
    }
    for (size_t i = 0; i < mo->ntags; i++) {
        const char *tag = mo->tags[i];
        size_t key_len = tag_key_len(tag);
        fprintf(out, "%-*.*s  %s\n", dl_name_field(tag, key_len, width), (int)key_len, tag,
                tag + key_len + 1);
    }
    fprintf(out, "%-*s  %s\n%-*s  %zu\n", width, "task", mt_task_name(r->task), width, "n",
            r->n);
    for (size_t i = 0; i < scalars; i++) {
        fprintf(out, "%-*s  ", width, r->items[i].name);
        table_value(out, r->items[i].value, 0);
        fputc('\n', out);
    }
    if (scalars < r->count)
        write_grid(out, r, l, scalars);
    if (r->ncm)
        write_confusion(out, r, l);
}

void mio_labels_init(mio_labels *l)
{
    cm_names_init(&l->outputs);
    cm_categories_init(&l->classes);
}

void mio_labels_free(mio_labels *l)
{
    cm_names_free(&l->outputs);
    cm_categories_free(&l->classes);
}

int mio_pair_labels(mio_pair *p, int of_yhat, mio_labels *l, dl_err *e)
{
    dl_tensor_set *s = of_yhat || !p->truth_given ? &p->in : &p->truth;
    const char *tensor = of_yhat ? "yhat" : "y";
    uint64_t cols = (of_yhat ? p->yhat : p->y)->shape[1];
    if (cm_names_load(&l->outputs, s, tensor, cols, e) ||
        cm_categories_load(&l->classes, s, tensor, cols, e))
        return dl_err_wrap(e, "%s", of_yhat ? p->yhat_label : p->y_label);
    return 0;
}

const char *mio_pair_blame(const mio_pair *p, const char *msg)
{
    return strncmp(msg, "'y' ", 4) == 0 || strncmp(msg, "'w'", 3) == 0 ? p->y_label
                                                                         : p->yhat_label;
}

int mio_task_check(const mio_opts *o, int task, size_t kyhat, int inferred, dl_err *e)
{
    const char *option = NULL, *goes = NULL;
    if (o->mt.q > 0 && task != MT_REGRESSION) {
        option = "--q";
        goes = "goes with the regression task (lq)";
    } else if (o->threshold_given && task != MT_BINARY && task != MT_MULTILABEL) {
        option = "--threshold";
        goes = "goes with the binary and multilabel tasks";
    } else if (o->eps_given && task != MT_BINARY && task != MT_MULTICLASS) {
        option = "--eps";
        goes = "goes with a log_loss (binary, or multiclass probabilities)";
    } else if (o->eps_given && task == MT_MULTICLASS && kyhat == 1) {
        option = "--eps";
        goes = "goes with a log_loss, which class labels (one column of yhat) have not";
    }
    if (!option)
        return 0;
    return dl_fail(e, DL_EUSAGE, "%s %s: the task is %s%s", option, goes, mt_task_name(task),
                   inferred ? " (inferred from 'y' and 'yhat'; -T sets it)" : "");
}

/* md's task: o's, else inferred (the data checked first); the options that
 * task would ignore are refused. */
static int task_of(const mio_opts *o, const mio_pair *d, const mt_data *md, int *task,
                   dl_err *e)
{
    *task = o->mt.task;
    if (*task == MT_AUTO && (mt_check_data(md, e) || mt_infer_task(md, task, e)))
        return dl_err_wrap(e, "%s", mio_pair_blame(d, e->msg));
    return mio_task_check(o, *task, md->kyhat, o->mt.task == MT_AUTO, e)
               ? dl_err_wrap(e, "%s", d->yhat_label)
               : 0;
}

int mio_evaluate(const mio_opts *mo, mt_report *r, mio_labels *l, dl_err *e)
{
    mio_pair d;
    int rc = mio_read_pair(mo->input, mo->truth, &d, e);
    if (rc == 0 && l)
        rc = mio_pair_labels(&d, 0, l, e);
    if (rc == 0) {
        mt_opts mt = mo->mt;
        if (!mo->eps_given && d.yhat_dtype == DL_F32)
            mt.eps = FLT_EPSILON; /* sklearn: np.finfo(y_pred.dtype).eps */
        mt_data md = mio_pair_data(&d);
        rc = task_of(mo, &d, &md, &mt.task, e);
        if (rc == 0 && (rc = mt_evaluate(&md, &mt, r, e)))
            dl_err_wrap(e, "%s", mio_pair_blame(&d, e->msg));
    }
    mio_pair_free(&d);
    return rc;
}

void mio_write(FILE *out, const mio_opts *o, const mt_report *r, const mio_labels *l)
{
    if (o->format == MIO_TSV)
        write_tsv(out, o, r);
    else if (o->format == MIO_JSON)
        write_json(out, o, r);
    else
        write_table(out, o, r, l);
}

int mio_run(const mio_opts *o, FILE *log, const char *tool, dl_err *e)
{
    mt_report r;
    mio_labels l;
    mt_report_init(&r);
    mio_labels_init(&l);
    if (mio_tags_check(o, NULL, e))
        return e->code;
    if (mio_evaluate(o, &r, &l, e) || mio_tags_check(o, &r, e)) {
        mt_report_free(&r);
        mio_labels_free(&l);
        return e->code;
    }
    if (r.note[0])
        fprintf(log, "%s: warning: %s\n", tool, r.note);
    mio_write(stdout, o, &r, &l);
    mt_report_free(&r);
    mio_labels_free(&l);
    if (fflush(stdout) != 0 || ferror(stdout))
        return dl_fail_errno(e, "standard output: write failed");
    return 0;
}
