#include "prep.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "textio.h"

#define NOT_FOUND SIZE_MAX
#define RADIX_BITS 16
#define RADIX_BUCKETS ((size_t)1 << RADIX_BITS)
#define RADIX_PASSES (64 / RADIX_BITS)
/* Rows and levels beyond this in a record are not believed. */
#define PP_COUNT_MAX 100000000ULL

struct pp_prep {
    size_t inputs, outputs;
    int impute, indicator, unseen_zero;
    int parsed;             /* read from a design record: fitted by another run */
    char **name;            /* [inputs] owned, or NULL */
    size_t *nlevels;        /* [inputs], 0 for numeric */
    char ***level;          /* [inputs] owned level lists */
    unsigned char *onehot;  /* [inputs] */
    unsigned char *missing; /* [inputs] had a missing cell in training */
    double *fill;           /* [inputs] when impute */
    size_t *offset;         /* [inputs] first output column of raw column j */
    size_t nind;            /* indicator columns, after the others */
    size_t *ind_col;        /* [nind] their raw columns */
    size_t **map;           /* [inputs] input code -> training code, NOT_FOUND: unseen */
    size_t *map_len;        /* [inputs] */
    char ***unseen;         /* [inputs][map_len] the input's level where unseen */
};

static int copy_text(char **out, const char *s, dl_err *e)
{
    size_t n = strlen(s);
    if (dl_mem_array(out, n + 1, 1, "design", e))
        return e->code;
    memcpy(*out, s, n);
    return 0;
}

int pp_impute_parse(const char *s)
{
    static const char *const names[] = {"none", "mean", "median", "most_frequent", "constant"};
    for (int i = 0; i < 5; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

const char *pp_impute_name(int impute)
{
    static const char *const names[] = {"none", "mean", "median", "most_frequent", "constant"};
    return impute >= 0 && impute <= PP_IMPUTE_CONSTANT ? names[impute] : "?";
}

void pp_opts_defaults(pp_opts *o) { memset(o, 0, sizeof *o); }

int pp_opts_active(const pp_opts *o)
{
    return o->impute != PP_IMPUTE_NONE || o->indicator || o->onehot_all || o->onehot;
}

void pp_free(pp_prep *p)
{
    if (!p)
        return;
    /* as pp_fitter_free: no loop when nothing per input was allocated */
    for (size_t j = 0; (p->name || p->level || p->map || p->unseen) && j < p->inputs; j++) {
        if (p->name)
            free(p->name[j]);
        for (size_t k = 0; p->level && p->level[j] && k < p->nlevels[j]; k++)
            free(p->level[j][k]);
        if (p->level)
            free(p->level[j]);
        if (p->map)
            free(p->map[j]);
        for (size_t k = 0; p->unseen && p->unseen[j] && k < p->map_len[j]; k++)
            free(p->unseen[j][k]);
        if (p->unseen)
            free(p->unseen[j]);
    }
    free(p->unseen);
    free(p->name);
    free(p->nlevels);
    free(p->level);
    free(p->onehot);
    free(p->missing);
    free(p->fill);
    free(p->offset);
    free(p->ind_col);
    free(p->map);
    free(p->map_len);
    free(p);
}

static int prep_alloc(pp_prep **out, size_t inputs, dl_err *e)
{
    pp_prep *p = calloc(1, sizeof *p);
    *out = p;
    if (!p)
        return dl_fail(e, DL_ENOMEM, "design: out of memory");
    p->inputs = inputs;
    return dl_mem_array(&p->nlevels, inputs, sizeof *p->nlevels, "design", e) ||
                   dl_mem_array(&p->level, inputs, sizeof *p->level, "design", e) ||
                   dl_mem_array(&p->onehot, inputs, 1, "design", e) ||
                   dl_mem_array(&p->missing, inputs, 1, "design", e) ||
                   dl_mem_array(&p->fill, inputs, sizeof *p->fill, "design", e) ||
                   dl_mem_array(&p->offset, inputs, sizeof *p->offset, "design", e) ||
                   dl_mem_array(&p->ind_col, inputs, sizeof *p->ind_col, "design", e) ||
                   dl_mem_array(&p->map, inputs, sizeof *p->map, "design", e) ||
                   dl_mem_array(&p->map_len, inputs, sizeof *p->map_len, "design", e) ||
                   dl_mem_array(&p->unseen, inputs, sizeof *p->unseen, "design", e)
               ? e->code
               : 0;
}

static int set_names(pp_prep *p, const char *const *names, dl_err *e)
{
    if (!names)
        return 0;
    if (dl_mem_array(&p->name, p->inputs, sizeof *p->name, "design", e))
        return e->code;
    for (size_t j = 0; j < p->inputs; j++)
        if (copy_text(&p->name[j], names[j], e))
            return e->code;
    return 0;
}

static int set_levels(pp_prep *p, size_t j, size_t count, const char *const *levels, dl_err *e)
{
    if (dl_mem_array(&p->level[j], count, sizeof *p->level[j], "design", e))
        return e->code;
    p->nlevels[j] = count;
    for (size_t k = 0; k < count; k++)
        if (copy_text(&p->level[j][k], levels[k], e))
            return e->code;
    return 0;
}

/* Output offsets and the indicator list, from onehot and missing. */
static int layout(pp_prep *p, dl_err *e)
{
    size_t out = 0;
    for (size_t j = 0; j < p->inputs; j++) {
        p->offset[j] = out;
        size_t width = p->onehot[j] ? p->nlevels[j] : 1;
        if (width > SIZE_MAX / 4 - out)
            return dl_fail(e, DL_ENOMEM, "design: too many one-hot columns");
        out += width;
    }
    p->nind = 0;
    for (size_t j = 0; p->indicator && j < p->inputs; j++)
        if (p->missing[j])
            p->ind_col[p->nind++] = j;
    p->outputs = out + p->nind;
    return 0;
}

int pp_identity(pp_prep **out, size_t inputs, const char *const *names, dl_err *e)
{
    pp_prep *p;
    if (prep_alloc(&p, inputs, e) || set_names(p, names, e) || layout(p, e)) {
        pp_free(p);
        *out = NULL;
        return e->code;
    }
    *out = p;
    return 0;
}

size_t pp_input_dim(const pp_prep *p) { return p->inputs; }
size_t pp_output_dim(const pp_prep *p) { return p->outputs; }

int pp_active(const pp_prep *p)
{
    if (p->impute != PP_IMPUTE_NONE || p->nind)
        return 1;
    for (size_t j = 0; j < p->inputs; j++)
        if (p->onehot[j])
            return 1;
    return 0;
}

int pp_has_names(const pp_prep *p) { return p->name != NULL; }

/* The input whose columns hold output j (not an indicator): the last one
 * that starts at or before it, by binary search (the offsets increase; a
 * one-hot input of no level has none), so that naming every output of
 * 250,000 inputs is not a scan of them each. */
static size_t input_of(const pp_prep *p, size_t j)
{
    size_t lo = 0, hi = p->inputs;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (p->offset[mid] <= j)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

int pp_output_binary(const pp_prep *p, size_t j)
{
    if (j >= p->outputs - p->nind)
        return 1;
    size_t k = input_of(p, j);
    return j < p->offset[k] + (p->onehot[k] ? p->nlevels[k] : 1) && p->onehot[k];
}

void pp_input_name(const pp_prep *p, size_t j, dl_str *b)
{
    if (p->name)
        dl_str_printf(b, "%s", p->name[j]);
    else
        dl_str_printf(b, "x%zu", j);
}

void pp_output_name(const pp_prep *p, size_t j, dl_str *b)
{
    if (j >= p->outputs - p->nind) {
        dl_str_printf(b, "missing(");
        pp_input_name(p, p->ind_col[j - (p->outputs - p->nind)], b);
        dl_str_printf(b, ")");
        return;
    }
    size_t k = input_of(p, j);
    pp_input_name(p, k, b);
    if (p->onehot[k])
        dl_str_printf(b, "=%s", p->level[k][j - p->offset[k]]);
}

/* "row R, column C ('name'): " then what, as DL_EDATA. */
/* The stage's names seen as the x.names they came from. */
static cm_names names_view(const pp_prep *p)
{
    cm_names view;
    cm_names_init(&view);
    view.count = p->name ? p->inputs : 0;
    view.name = p->name;
    return view;
}

/* The one way a cell is named (colmeta's). */
static int cell_fail(const pp_prep *p, uint64_t row, size_t col, const char *what, dl_err *e)
{
    cm_names view = names_view(p);
    return cm_fail_cell(&view, row, col, what, e);
}

static int fail_missing(const pp_prep *p, uint64_t row, size_t col, dl_err *e)
{
    cm_names view = names_view(p);
    return cm_fail_missing(&view, row, col, e);
}

/* A code cell (v finite) as an integer 0..count-1, or NOT_FOUND. */
static size_t as_code(double v, size_t count)
{
    return cm_is_code(v, count) ? (size_t)v : NOT_FOUND;
}

static int fail_code(const pp_prep *p, uint64_t row, size_t col, double v, size_t count,
                     dl_err *e)
{
    cm_names view = names_view(p);
    return cm_fail_code(&view, row, col, v, count, e);
}

/* ------------------------------- fitting ------------------------------- */

typedef struct value_count { /* open addressing on the bits of a double */
    double *key;
    uint64_t *count;
    size_t cap, used;
} value_count;

typedef struct radix_select {
    uint64_t *hist[2];       /* the pass's bucket counts for the low and high middle */
    uint64_t prefix[2], rank[2];
} radix_select;

/* n values up to DBL_MAX sum to a finite double in units of 2^64: the mean
 * of values near the largest double is finite, though their sum is not. */
#define MEAN_UNIT 0x1p-64

/* Neumaier's step: comp gathers what each addition rounded off. */
static void sum_add(pp_sum *s, double v)
{
    double t = s->sum + v;
    s->comp += fabs(s->sum) >= fabs(v) ? (s->sum - t) + v : (v - t) + s->sum;
    s->sum = t;
}

/* sum + comp holds the sum to about n eps^2 of the sum of |values|; q, its
 * quotient by n rounded, leaves sum - q n exactly (an fma; n < 2^53), and
 * that remainder's quotient is the last place q missed. */
static double sum_quotient(const pp_sum *s, double n)
{
    double q = (s->sum + s->comp) / n;
    return q + (fma(-q, n, s->sum) + s->comp) / n;
}

void pp_mean_add(pp_mean *m, double v)
{
    sum_add(&m->plain, v);
    sum_add(&m->scaled, v * MEAN_UNIT); /* exact but for underflow, as ldexp */
    m->n++;
}

double pp_mean_value(const pp_mean *m)
{
    if (m->n == 0)
        return 0;
    double n = (double)m->n, mean = sum_quotient(&m->plain, n);
    if (isfinite(m->plain.sum) && isfinite(m->plain.comp) && isfinite(mean))
        return mean;
    return sum_quotient(&m->scaled, n) / MEAN_UNIT;
}

struct pp_fitter {
    pp_prep *p;             /* NULL once handed out */
    size_t inputs;
    int pass;
    uint64_t *count, *nmissing;  /* [inputs] */
    pp_mean *mean;               /* numeric columns' means */
    uint64_t **level_count;      /* categorical columns */
    value_count *values;         /* numeric most_frequent */
    radix_select *median;        /* numeric median */
};

static int numeric_strategy(const struct pp_fitter *f, size_t j, int strategy)
{
    return f->p->nlevels[j] == 0 && f->p->impute == strategy;
}

void pp_fitter_free(pp_fitter *f)
{
    if (!f)
        return;
    /* no loop over the inputs when nothing per input was allocated: a
     * claimed width of 2^40 columns (a record of no rows holds no bytes)
     * must fail at once */
    for (size_t j = 0; (f->level_count || f->values || f->median) && j < f->inputs; j++) {
        if (f->level_count)
            free(f->level_count[j]);
        if (f->values) {
            free(f->values[j].key);
            free(f->values[j].count);
        }
        if (f->median) {
            free(f->median[j].hist[0]);
            free(f->median[j].hist[1]);
        }
    }
    free(f->count);
    free(f->nmissing);
    free(f->mean);
    free(f->level_count);
    free(f->values);
    free(f->median);
    pp_free(f->p);
    free(f);
}

/* Marks the column of x named `name` one-hot; a name that is no
 * categorical column, one given twice, or an empty one (the list '', or a
 * comma too many at either end or in the middle) is a usage error. */
static int onehot_column(pp_prep *p, const char *list, const char *name, dl_err *e)
{
    if (!*name)
        return dl_fail(e, DL_EUSAGE, "--onehot: an empty column name in '%s' (names are "
                       "separated by single commas)", list);
    size_t j = 0;
    while (j < p->inputs && !(p->name && strcmp(p->name[j], name) == 0))
        j++;
    if (j == p->inputs) {
        dl_str shown = {0};
        if (p->name)
            dl_names_show(&shown, (const char *const *)p->name, p->inputs);
        int rc = dl_fail(e, DL_EUSAGE, "--onehot: x has no column '%s' (%s%s)", name,
                         p->name ? "its columns: " : "x has no column names", dl_str_text(&shown));
        dl_str_free(&shown);
        return rc;
    }
    if (p->nlevels[j] == 0)
        return dl_fail(e, DL_EUSAGE, "--onehot: column %zu ('%s') is not categorical", j + 1,
                       p->name[j]);
    if (p->onehot[j])
        return dl_fail(e, DL_EUSAGE, "--onehot: column '%s' is named twice", p->name[j]);
    p->onehot[j] = 1;
    return 0;
}

/* Marks the --onehot columns: every categorical one (auto), or the list's,
 * quoted as dl-tensor's lists are (tx_list). */
static int choose_onehot(pp_prep *p, const pp_opts *o, dl_err *e)
{
    for (size_t j = 0; o->onehot_all && j < p->inputs; j++)
        p->onehot[j] = p->nlevels[j] > 0;
    if (!o->onehot)
        return 0;
    tx_list names;
    int rc = tx_list_parse(&names, "--onehot", o->onehot, e);
    for (size_t i = 0; !rc && i < names.count; i++)
        rc = onehot_column(p, o->onehot, names.item[i], e);
    tx_list_free(&names);
    return rc;
}

/* Out of memory for the medians' histograms: what they take in all, which
 * grows with the columns whatever the rows (one histogram's bytes, which
 * the allocation that failed would name, tell nothing). */
static int median_memory_error(const pp_fitter *f, dl_err *e)
{
    size_t columns = 0;
    for (size_t j = 0; j < f->inputs; j++)
        columns += numeric_strategy(f, j, PP_IMPUTE_MEDIAN) != 0;
    double each = 2.0 * RADIX_BUCKETS * sizeof(uint64_t);
    return dl_fail(e, DL_ENOMEM, "design: out of memory: --impute median keeps two histograms "
                   "of %zu counts a column (%.3g MiB), %.3g GiB for %zu columns; --impute mean "
                   "keeps none", RADIX_BUCKETS, each / (1 << 20),
                   each * (double)columns / (1 << 30), columns);
}

static int fitter_alloc(pp_fitter *f, dl_err *e)
{
    size_t n = f->inputs;
    if (dl_mem_array(&f->count, n, sizeof *f->count, "design", e) ||
        dl_mem_array(&f->nmissing, n, sizeof *f->nmissing, "design", e) ||
        dl_mem_array(&f->mean, n, sizeof *f->mean, "design", e) ||
        dl_mem_array(&f->level_count, n, sizeof *f->level_count, "design", e) ||
        dl_mem_array(&f->values, n, sizeof *f->values, "design", e) ||
        dl_mem_array(&f->median, n, sizeof *f->median, "design", e))
        return e->code;
    for (size_t j = 0; j < n; j++) {
        if (f->p->nlevels[j] &&
            dl_mem_array(&f->level_count[j], f->p->nlevels[j], sizeof(uint64_t), "design", e))
            return e->code;
        if (numeric_strategy(f, j, PP_IMPUTE_MEDIAN) &&
            (dl_mem_array(&f->median[j].hist[0], RADIX_BUCKETS, sizeof(uint64_t), "design", e) ||
             dl_mem_array(&f->median[j].hist[1], RADIX_BUCKETS, sizeof(uint64_t), "design", e)))
            return median_memory_error(f, e);
    }
    return 0;
}

int pp_fit_begin(pp_fitter **out, const pp_opts *o, const pp_columns *c, dl_err *e)
{
    *out = NULL;
    pp_fitter *f = calloc(1, sizeof *f);
    if (!f)
        return dl_fail(e, DL_ENOMEM, "design: out of memory");
    if (o->indicator && o->impute == PP_IMPUTE_NONE) {
        free(f);
        return dl_fail(e, DL_EUSAGE, "--impute-indicator goes with --impute");
    }
    f->inputs = c->count;
    int rc = prep_alloc(&f->p, c->count, e) || set_names(f->p, c->name, e) ? e->code : 0;
    for (size_t j = 0; !rc && c->nlevels && j < c->count; j++)
        if (c->nlevels[j])
            rc = set_levels(f->p, j, c->nlevels[j], c->level[j], e);
    if (!rc) {
        f->p->impute = o->impute;
        f->p->indicator = o->indicator;
        f->p->unseen_zero = o->unseen_zero;
        rc = choose_onehot(f->p, o, e) || fitter_alloc(f, e) ? e->code : 0;
    }
    for (size_t j = 0; !rc && j < c->count; j++)
        f->p->fill[j] = o->fill;
    if (rc) {
        pp_fitter_free(f);
        return rc;
    }
    *out = f;
    return 0;
}

/* The bits of a double as an unsigned integer in the order of the values. */
static uint64_t order_key(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    return u >> 63 ? ~u : u | ((uint64_t)1 << 63);
}

static double key_value(uint64_t k)
{
    uint64_t u = k >> 63 ? k & ~((uint64_t)1 << 63) : ~k;
    double v;
    memcpy(&v, &u, sizeof v);
    return v;
}

static uint64_t hash_bits(double v)
{
    uint64_t u;
    memcpy(&u, &v, sizeof u);
    u ^= u >> 33;
    u *= 0xff51afd7ed558ccdULL;
    return u ^ (u >> 33);
}

static int value_count_grow(value_count *t, dl_err *e)
{
    value_count g = {0};
    g.cap = t->cap ? t->cap * 2 : 64;
    if (dl_mem_array(&g.key, g.cap, sizeof *g.key, "design", e) ||
        dl_mem_array(&g.count, g.cap, sizeof *g.count, "design", e)) {
        free(g.key);
        return dl_err_wrap(e, "most_frequent: %zu distinct values", t->used);
    }
    for (size_t i = 0; i < t->cap; i++)
        if (t->count[i]) {
            size_t s = (size_t)hash_bits(t->key[i]) & (g.cap - 1);
            while (g.count[s])
                s = (s + 1) & (g.cap - 1);
            g.key[s] = t->key[i];
            g.count[s] = t->count[i];
        }
    g.used = t->used;
    free(t->key);
    free(t->count);
    *t = g;
    return 0;
}

static int value_count_add(value_count *t, double v, dl_err *e)
{
    if (v == 0)
        v = 0; /* -0 and 0 are one value */
    if (2 * (t->used + 1) > t->cap && value_count_grow(t, e))
        return e->code;
    size_t s = (size_t)hash_bits(v) & (t->cap - 1);
    while (t->count[s] && t->key[s] != v)
        s = (s + 1) & (t->cap - 1);
    if (!t->count[s]) {
        t->key[s] = v;
        t->used++;
    }
    t->count[s]++;
    return 0;
}

static void radix_count(radix_select *m, double v, int pass)
{
    uint64_t k = order_key(v);
    size_t bucket = (size_t)(k >> (64 - RADIX_BITS * (pass + 1))) & (RADIX_BUCKETS - 1);
    for (int t = 0; t < 2; t++)
        if (pass == 0 || (k >> (64 - RADIX_BITS * pass)) == m->prefix[t])
            m->hist[t][bucket]++;
}

/* The first pass: everything but the median's later passes. */
static int fit_cell(pp_fitter *f, size_t j, double v, uint64_t row, dl_err *e)
{
    pp_prep *p = f->p;
    if (isnan(v)) {
        if (p->impute == PP_IMPUTE_NONE)
            return fail_missing(p, row, j, e);
        f->nmissing[j]++;
        return 0;
    }
    if (isinf(v))
        return cell_fail(p, row, j, "infinite value", e);
    f->count[j]++;
    if (p->nlevels[j]) {
        size_t code = as_code(v, p->nlevels[j]);
        if (code == NOT_FOUND)
            return fail_code(p, row, j, v, p->nlevels[j], e);
        f->level_count[j][code]++;
    } else if (p->impute == PP_IMPUTE_MEAN) {
        pp_mean_add(&f->mean[j], v);
    } else if (p->impute == PP_IMPUTE_MOST_FREQUENT) {
        return value_count_add(&f->values[j], v, e);
    } else if (p->impute == PP_IMPUTE_MEDIAN) {
        radix_count(&f->median[j], v, 0);
    }
    return 0;
}

int pp_fit_rows(pp_fitter *f, const double *x, size_t n, uint64_t first_row, dl_err *e)
{
    size_t d = f->p->inputs;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < d; j++) {
            double v = x[i * d + j];
            if (f->pass == 0) {
                if (fit_cell(f, j, v, first_row + i, e))
                    return e->code;
            } else if (numeric_strategy(f, j, PP_IMPUTE_MEDIAN) && !isnan(v)) {
                radix_count(&f->median[j], v, f->pass);
            }
        }
    return 0;
}

/* After a pass: the bucket of each middle rank becomes 16 more known bits. */
static void radix_narrow(radix_select *m)
{
    for (int t = 0; t < 2; t++) {
        uint64_t below = 0;
        size_t b = 0;
        while (b + 1 < RADIX_BUCKETS && below + m->hist[t][b] <= m->rank[t])
            below += m->hist[t][b++];
        m->rank[t] -= below;
        m->prefix[t] = (m->prefix[t] << RADIX_BITS) | b;
        memset(m->hist[t], 0, RADIX_BUCKETS * sizeof(uint64_t));
    }
}

static int fail_empty_column(const pp_prep *p, size_t j, dl_err *e)
{
    dl_str b = {0};
    pp_input_name(p, j, &b);
    /* a categorical column takes its most frequent level whatever the
     * strategy: --impute constant helps only a numeric one */
    int rc = p->nlevels[j]
                 ? dl_fail(e, DL_EDATA, "column %zu ('%s') has no level in the training rows: "
                                        "nothing to fill its missing cells with (a categorical "
                                        "column takes its most frequent level, whatever --impute "
                                        "says)", j + 1, dl_str_text(&b))
                 : dl_fail(e, DL_EDATA, "column %zu ('%s') has no values in the training rows: "
                                        "nothing to take the %s of (use --impute constant)",
                           j + 1, dl_str_text(&b), pp_impute_name(p->impute));
    dl_str_free(&b);
    return rc;
}

int pp_fit_pass_done(pp_fitter *f, int *again, dl_err *e)
{
    pp_prep *p = f->p;
    int median = 0;
    for (size_t j = 0; j < p->inputs; j++) {
        if (!numeric_strategy(f, j, PP_IMPUTE_MEDIAN))
            continue;
        if (f->count[j] == 0)
            return fail_empty_column(p, j, e);
        median = 1;
        radix_select *m = &f->median[j];
        if (f->pass == 0) {
            m->rank[0] = (f->count[j] - 1) / 2;
            m->rank[1] = f->count[j] / 2;
        }
        radix_narrow(m);
    }
    f->pass++;
    *again = median && f->pass < RADIX_PASSES;
    return 0;
}

static size_t most_frequent_level(const uint64_t *count, size_t n)
{
    size_t best = 0;
    for (size_t k = 1; k < n; k++)
        if (count[k] > count[best])
            best = k;
    return best;
}

static double most_frequent_value(const value_count *t)
{
    double best = 0;
    uint64_t best_count = 0;
    for (size_t i = 0; i < t->cap; i++)
        if (t->count[i] > best_count || (t->count[i] && t->count[i] == best_count && t->key[i] < best)) {
            best = t->key[i];
            best_count = t->count[i];
        }
    return best;
}

static int finish_fill(pp_fitter *f, size_t j, dl_err *e)
{
    pp_prep *p = f->p;
    if (p->impute == PP_IMPUTE_NONE)
        return 0;
    if (p->nlevels[j]) {
        if (f->count[j] == 0)
            return fail_empty_column(p, j, e);
        p->fill[j] = (double)most_frequent_level(f->level_count[j], p->nlevels[j]);
        return 0;
    }
    if (p->impute == PP_IMPUTE_CONSTANT)
        return 0;
    if (f->count[j] == 0)
        return fail_empty_column(p, j, e);
    if (p->impute == PP_IMPUTE_MEAN) {
        p->fill[j] = pp_mean_value(&f->mean[j]);
    } else if (p->impute == PP_IMPUTE_MOST_FREQUENT) {
        p->fill[j] = most_frequent_value(&f->values[j]);
    } else {
        double lo = key_value(f->median[j].prefix[0]), hi = key_value(f->median[j].prefix[1]);
        double mid = (lo + hi) / 2; /* the two halves where the sum overflows */
        p->fill[j] = lo == hi ? lo : isfinite(mid) ? mid : lo / 2 + hi / 2;
    }
    return 0;
}

/* A one-hot column keeps only the levels its fitting rows have, as
 * OneHotEncoder fitted on them: x.categories lists every level of the file
 * the rows came from, and a level of rows left out (by a split after the
 * import) must be unseen, not a column of zeros.  The rows' own codes then
 * map to the kept levels, as an input's are bound (pp_bind); a dropped
 * level's name moves to the unseen list.  Without a value there is nothing
 * to choose by, and every level stays. */
static int keep_seen_levels(pp_fitter *f, size_t j, dl_err *e)
{
    pp_prep *p = f->p;
    size_t n = p->nlevels[j], kept = 0;
    uint64_t *count = f->level_count[j];
    for (size_t k = 0; k < n; k++)
        kept += count[k] > 0;
    if (!p->onehot[j] || kept == n || kept == 0)
        return 0;
    char **all = p->level[j], **seen;
    if (dl_mem_array(&seen, kept, sizeof *seen, "design", e) ||
        dl_mem_array(&p->map[j], n, sizeof *p->map[j], "design", e) ||
        dl_mem_array(&p->unseen[j], n, sizeof *p->unseen[j], "design", e)) {
        free(seen);
        return e->code;
    }
    size_t m = 0;
    for (size_t k = 0; k < n; k++) {
        p->map[j][k] = count[k] ? m : NOT_FOUND;
        if (count[k]) {
            count[m] = count[k];
            seen[m++] = all[k];
        } else {
            p->unseen[j][k] = all[k];
        }
    }
    p->map_len[j] = n;
    p->level[j] = seen;
    p->nlevels[j] = kept;
    free(all);
    return 0;
}

int pp_fit_end(pp_fitter *f, pp_prep **out, dl_err *e)
{
    *out = NULL;
    int rc = 0;
    for (size_t j = 0; !rc && j < f->p->inputs; j++) {
        f->p->missing[j] = f->nmissing[j] > 0;
        rc = keep_seen_levels(f, j, e) || finish_fill(f, j, e) ? e->code : 0;
    }
    if (!rc && !(rc = layout(f->p, e))) {
        *out = f->p;
        f->p = NULL;
    }
    pp_fitter_free(f);
    return rc;
}

/* ------------------------------- applying ------------------------------ */

static int level_index(const pp_prep *p, size_t j, const char *level)
{
    size_t lo = 0, hi = p->nlevels[j];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(p->level[j][mid], level);
        if (c == 0)
            return (int)(mid < (size_t)INT32_MAX ? (int)mid : -1);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int bind_column(pp_prep *p, size_t j, size_t count, const char *const *levels, dl_err *e)
{
    for (size_t k = 0; p->unseen[j] && k < p->map_len[j]; k++)
        free(p->unseen[j][k]);
    free(p->unseen[j]);
    free(p->map[j]);
    p->unseen[j] = NULL;
    p->map[j] = NULL;
    p->map_len[j] = 0;
    if (dl_mem_array(&p->map[j], count, sizeof *p->map[j], "design", e) ||
        dl_mem_array(&p->unseen[j], count, sizeof *p->unseen[j], "design", e))
        return e->code;
    p->map_len[j] = count;
    for (size_t k = 0; k < count; k++) {
        int code = level_index(p, j, levels[k]);
        p->map[j][k] = code < 0 ? NOT_FOUND : (size_t)code;
        if (code < 0 && copy_text(&p->unseen[j][k], levels[k], e))
            return e->code;
    }
    return 0;
}

static int fail_kind(const pp_prep *p, size_t j, dl_err *e)
{
    dl_str b = {0};
    pp_input_name(p, j, &b);
    int rc = dl_fail(e, DL_EDATA, "column %zu ('%s') is categorical in the input but numeric in "
                                  "the design", j + 1, dl_str_text(&b));
    dl_str_free(&b);
    return rc;
}

int pp_bind(pp_prep *p, const pp_columns *c, dl_err *e)
{
    if (c->count != p->inputs)
        return dl_fail(e, DL_EDATA, "x has %zu column%s but the design takes %zu input%s", c->count,
                       dl_plural(c->count), p->inputs, dl_plural(p->inputs));
    if (p->name && c->name &&
        cm_names_agree(c->name, (const char *const *)p->name, p->inputs, "design", e))
        return e->code;
    for (size_t j = 0; j < p->inputs; j++) { /* no x.categories: every column numeric */
        size_t theirs = c->nlevels ? c->nlevels[j] : 0;
        /* a column with no value at all has no levels (import types it
         * numeric): it binds to none, and a number in it is refused where
         * it stands (cell_code) */
        if (theirs == 0 && p->nlevels[j] > 0) {
            if (bind_column(p, j, 0, NULL, e))
                return e->code;
            continue;
        }
        if (theirs > 0 && p->nlevels[j] == 0)
            return fail_kind(p, j, e);
        if (theirs && bind_column(p, j, theirs, c->level[j], e))
            return e->code;
    }
    return 0;
}

/* The training code of a finite categorical cell; NOT_FOUND for an unseen
 * level when that is allowed. */
static int cell_code(const pp_prep *p, size_t j, double v, uint64_t row, size_t *code, dl_err *e)
{
    size_t n = p->map[j] ? p->map_len[j] : p->nlevels[j];
    if (n == 0) { /* zip codes imported as the numbers they look like */
        char what[400];
        snprintf(what, sizeof what, "%.17g: the column is numeric in the input but categorical "
                                    "in the design (dl-tensor import --categorical %s reads "
                                    "its cells as strings)", v, p->name ? p->name[j] : "NAME");
        return cell_fail(p, row, j, what, e);
    }
    size_t c = as_code(v, n);
    if (c == NOT_FOUND)
        return fail_code(p, row, j, v, n, e);
    *code = p->map[j] ? p->map[j][c] : c;
    if (*code != NOT_FOUND || (p->onehot[j] && p->unseen_zero))
        return 0;
    char what[400];
    snprintf(what, sizeof what, "level '%s' was not in the training data%s", p->unseen[j][c],
             p->onehot[j] ? " (dl-design --unseen zero gives it an all-zero row)" : "");
    return cell_fail(p, row, j, what, e);
}

static int apply_cell(const pp_prep *p, size_t j, double v, uint64_t row, double *out, dl_err *e)
{
    int filled = 0;
    if (isnan(v)) {
        if (p->impute == PP_IMPUTE_NONE && p->parsed) /* --apply takes no --impute */
            return cell_fail(p, row, j, "missing value (the design was fitted without --impute: "
                             "fit it again with dl-design --impute, whose fill values it keeps)",
                             e);
        if (p->impute == PP_IMPUTE_NONE)
            return fail_missing(p, row, j, e);
        v = p->fill[j];
        filled = 1;
    } else if (isinf(v)) {
        return cell_fail(p, row, j, "infinite value", e);
    }
    size_t code = 0;
    if (p->nlevels[j] && !filled && cell_code(p, j, v, row, &code, e))
        return e->code;
    if (p->nlevels[j] && filled)
        code = (size_t)v;
    if (!p->onehot[j]) {
        out[p->offset[j]] = p->nlevels[j] ? (double)code : v;
        return 0;
    }
    memset(out + p->offset[j], 0, p->nlevels[j] * sizeof *out);
    if (code != NOT_FOUND)
        out[p->offset[j] + code] = 1.0;
    return 0;
}

int pp_apply(const pp_prep *p, const double *x, size_t n, uint64_t first_row, double *out,
             dl_err *e)
{
    for (size_t i = 0; i < n; i++) {
        const double *row = x + i * p->inputs;
        double *o = out + i * p->outputs;
        for (size_t j = 0; j < p->inputs; j++)
            if (apply_cell(p, j, row[j], first_row + i, o, e))
                return e->code;
        for (size_t k = 0; k < p->nind; k++)
            o[p->outputs - p->nind + k] = isnan(row[p->ind_col[k]]) ? 1.0 : 0.0;
    }
    return 0;
}

int pp_recode(const pp_prep *p, double *x, size_t n, uint64_t first_row, dl_err *e)
{
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < p->inputs; j++) {
            double *v = x + i * p->inputs + j;
            size_t code;
            if (!p->nlevels[j] || isnan(*v))
                continue;
            if (isinf(*v))
                return cell_fail(p, first_row + i, j, "infinite value", e);
            if (cell_code(p, j, *v, first_row + i, &code, e))
                return e->code;
            *v = (double)code;
        }
    return 0;
}

/* ------------------------------ the record ----------------------------- */

void pp_write_text(const pp_prep *p, dl_str *b)
{
    int categorical = 0;
    for (size_t j = 0; j < p->inputs; j++)
        categorical |= p->nlevels[j] > 0;
    if (!pp_active(p) && !p->name && !categorical)
        return;
    dl_str_printf(b, "impute: %s\n", pp_impute_name(p->impute));
    if (p->impute != PP_IMPUTE_NONE) {
        dl_str_printf(b, "fill:");
        for (size_t j = 0; j < p->inputs; j++)
            dl_str_printf(b, " %.17g", p->fill[j]);
        dl_str_printf(b, "\nmissing:");
        for (size_t j = 0; j < p->inputs; j++)
            dl_str_printf(b, " %d", p->missing[j]);
        dl_str_printf(b, "\n");
    }
    dl_str_printf(b, "indicator: %d\nunseen: %s\n", p->indicator, p->unseen_zero ? "zero" : "error");
    if (p->name) {
        dl_str_printf(b, "names:");
        for (size_t j = 0; j < p->inputs; j++)
            dl_str_printf(b, "\t%s", p->name[j]);
        dl_str_printf(b, "\n");
    }
    if (categorical) {
        dl_str_printf(b, "categories:");
        for (size_t j = 0; j < p->inputs; j++) {
            if (p->nlevels[j])
                dl_str_printf(b, "\t%zu\t%zu", j, p->nlevels[j]);
            for (size_t k = 0; k < p->nlevels[j]; k++)
                dl_str_printf(b, "\t%s", p->level[j][k]);
        }
        dl_str_printf(b, "\nonehot:");
        for (size_t j = 0; j < p->inputs; j++)
            if (p->onehot[j])
                dl_str_printf(b, " %zu", j);
        dl_str_printf(b, "\n");
    }
}

/* A text field: 1..255 bytes, no control characters (a name or a level). */
static int field_ok(const char *f, size_t len)
{
    if (len == 0 || len > 255)
        return 0;
    for (size_t i = 0; i < len; i++)
        if ((unsigned char)f[i] < 0x20 || f[i] == 0x7f)
            return 0;
    return 1;
}

static int bad_record(const char *key, const char *what, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "design record: '%s' %s", key, what);
}

/* Splits a tab-separated value into its fields (copies). */
static int split_fields(const char *key, const char *value, char ***out, size_t *count,
                        size_t max, dl_err *e)
{
    *out = NULL;
    *count = 0;
    size_t n = 0;
    for (const char *s = value; *s; s++)
        n += *s == '\t';
    if (n > max)
        return bad_record(key, "has too many fields", e);
    if (dl_mem_array(out, n, sizeof **out, "design", e))
        return e->code;
    const char *s = value;
    while (*s == '\t') {
        const char *f = s + 1;
        size_t len = strcspn(f, "\t");
        if (!field_ok(f, len))
            return bad_record(key, "has an empty or invalid field", e);
        if (dl_mem_array(&(*out)[*count], len + 1, 1, "design", e))
            return e->code;
        memcpy((*out)[(*count)++], f, len);
        s = f + len;
    }
    if (*s)
        return bad_record(key, "must be tab-separated fields", e);
    return 0;
}

static void free_fields(char **f, size_t n)
{
    for (size_t i = 0; f && i < n; i++)
        free(f[i]);
    free(f);
}

static int parse_count_field(const char *key, const char *f, uint64_t max, size_t *out,
                             dl_err *e)
{
    char *end;
    if (!f || *f < '0' || *f > '9')
        return bad_record(key, "needs a count", e);
    unsigned long long v = strtoull(f, &end, 10);
    if (*end || v > max)
        return bad_record(key, "has a count out of range", e);
    *out = (size_t)v;
    return 0;
}

static int parse_numbers(const char *key, const char *s, double *out, size_t n, int finite,
                         dl_err *e)
{
    if (!s)
        return bad_record(key, "is missing", e);
    for (size_t i = 0; i < n; i++) {
        char *end;
        out[i] = strtod(s, &end);
        if (end == s || (finite && !isfinite(out[i])))
            return bad_record(key, "needs one finite number per input", e);
        s = end;
    }
    while (*s == ' ')
        s++;
    return *s ? bad_record(key, "has more numbers than inputs", e) : 0;
}

static int parse_categories(pp_prep *p, const char *value, dl_err *e)
{
    char **f = NULL;
    size_t n = 0, i = 0;
    int rc = split_fields("categories", value, &f, &n, PP_COUNT_MAX, e);
    size_t prev = SIZE_MAX;
    while (!rc && i < n) {
        size_t col = 0, count = 0;
        rc = parse_count_field("categories", f[i], p->inputs - 1, &col, e) ||
                     parse_count_field("categories", i + 1 < n ? f[i + 1] : NULL, n, &count, e)
                 ? e->code
                 : 0;
        if (!rc && ((prev != SIZE_MAX && col <= prev) || count == 0 || count > n - i - 2))
            rc = bad_record("categories", "has columns out of order or a wrong level count", e);
        for (size_t k = 1; !rc && k < count; k++)
            if (strcmp(f[i + 2 + k - 1], f[i + 2 + k]) >= 0)
                rc = bad_record("categories", "has levels not sorted or repeated", e);
        if (!rc)
            rc = set_levels(p, col, count, (const char *const *)(f + i + 2), e);
        prev = col;
        i += 2 + count;
    }
    free_fields(f, n);
    return rc;
}

static int parse_onehot(pp_prep *p, const char *s, dl_err *e)
{
    while (s && *s) {
        char *end;
        while (*s == ' ')
            s++;
        if (!*s)
            break;
        unsigned long long j = strtoull(s, &end, 10);
        if (end == s || j >= p->inputs || p->nlevels[j] == 0)
            return bad_record("onehot", "names a column that is not categorical", e);
        p->onehot[j] = 1;
        s = end;
    }
    return 0;
}

static int parse_flags(const char *key, const char *s, unsigned char *out, size_t n, dl_err *e)
{
    double *v = NULL;
    int rc = dl_mem_array(&v, n, sizeof *v, "design", e) || parse_numbers(key, s, v, n, 1, e)
                 ? e->code
                 : 0;
    for (size_t j = 0; !rc && j < n; j++) {
        if (v[j] != 0 && v[j] != 1)
            rc = bad_record(key, "takes 0 or 1 per input", e);
        out[j] = v[j] == 1;
    }
    free(v);
    return rc;
}

static int parse_fills(pp_prep *p, const pp_text *t, dl_err *e)
{
    if (parse_numbers("fill", t->fill, p->fill, p->inputs, 1, e) ||
        parse_flags("missing", t->missing, p->missing, p->inputs, e))
        return e->code;
    for (size_t j = 0; j < p->inputs; j++)
        if (p->nlevels[j] && as_code(p->fill[j], p->nlevels[j]) == NOT_FOUND)
            return bad_record("fill", "of a categorical column is not one of its codes", e);
    return 0;
}

static int parse_names(pp_prep *p, const char *value, dl_err *e)
{
    char **f = NULL;
    size_t n = 0;
    int rc = split_fields("names", value, &f, &n, p->inputs, e);
    if (!rc && n != p->inputs)
        rc = bad_record("names", "needs one name per input", e);
    if (!rc)
        rc = set_names(p, (const char *const *)f, e);
    free_fields(f, n);
    return rc;
}

static int parse_switches(pp_prep *p, const pp_text *t, dl_err *e)
{
    p->impute = pp_impute_parse(t->impute ? t->impute + (*t->impute == ' ') : "none");
    if (p->impute < 0)
        return bad_record("impute", "is not none, mean, median, most_frequent or constant", e);
    if (t->indicator && strcmp(t->indicator, " 0") != 0 && strcmp(t->indicator, " 1") != 0)
        return bad_record("indicator", "is not 0 or 1", e);
    p->indicator = t->indicator && strcmp(t->indicator, " 1") == 0;
    if (t->unseen && strcmp(t->unseen, " zero") != 0 && strcmp(t->unseen, " error") != 0)
        return bad_record("unseen", "is not zero or error", e);
    p->unseen_zero = t->unseen && strcmp(t->unseen, " zero") == 0;
    if (p->indicator && p->impute == PP_IMPUTE_NONE)
        return bad_record("indicator", "needs an imputation", e);
    return 0;
}

int pp_parse_text(pp_prep **out, size_t inputs, const pp_text *t, dl_err *e)
{
    pp_prep *p;
    *out = NULL;
    int rc = prep_alloc(&p, inputs, e) || parse_switches(p, t, e) ? e->code : 0;
    if (!rc && t->names)
        rc = parse_names(p, t->names, e);
    if (!rc && t->categories)
        rc = parse_categories(p, t->categories, e);
    if (!rc && t->onehot)
        rc = parse_onehot(p, t->onehot, e);
    if (!rc && p->impute != PP_IMPUTE_NONE)
        rc = parse_fills(p, t, e);
    if (!rc)
        rc = layout(p, e);
    if (rc) {
        pp_free(p);
        return e->code;
    }
    p->parsed = 1;
    *out = p;
    return 0;
}

void pp_describe(const pp_prep *p, dl_str *b)
{
    size_t onehot = 0;
    for (size_t j = 0; j < p->inputs; j++)
        onehot += p->onehot[j];
    if (p->impute != PP_IMPUTE_NONE)
        dl_str_printf(b, "impute %s%s", pp_impute_name(p->impute),
                      onehot || p->nind ? ", " : "; ");
    if (onehot)
        dl_str_printf(b, "one-hot %zu column%s%s", onehot, dl_plural(onehot), p->nind ? ", " : "; ");
    if (p->nind)
        dl_str_printf(b, "%zu missing indicator%s; ", p->nind, dl_plural(p->nind));
}

/* ------------------------- the input's columns ------------------------- */

void pp_meta_init(pp_meta *m)
{
    memset(m, 0, sizeof *m);
    cm_names_init(&m->names);
    cm_categories_init(&m->cats);
}

void pp_meta_free(pp_meta *m)
{
    dl_tensor_free(&m->names_rec);
    dl_tensor_free(&m->cats_rec);
    cm_names_free(&m->names);
    cm_categories_free(&m->cats);
    free(m->nlevels);
    free(m->levels);
}

int pp_meta_is(const char *name)
{
    return strcmp(name, "x" CM_NAMES_SUFFIX) == 0 || strcmp(name, "x" CM_CATEGORIES_SUFFIX) == 0;
}

int pp_meta_take(pp_meta *m, dl_tensor *t, int seen_x, dl_err *e)
{
    size_t len = strlen(t->name), suffix = strlen(CM_NAMES_SUFFIX);
    int names = len >= suffix && strcmp(t->name + len - suffix, CM_NAMES_SUFFIX) == 0;
    dl_tensor *have = names ? &m->names_rec : &m->cats_rec;
    size_t tensor = len - (names ? suffix : strlen(CM_CATEGORIES_SUFFIX));
    int rc = 0;
    if (have->data)
        rc = cm_meta_repeat(have, t, e);
    else if (seen_x)
        rc = dl_fail(e, DL_EDATA, "it comes after '%.*s': column metadata goes before the data",
                     (int)tensor, t->name);
    else
        *have = *t, memset(t, 0, sizeof *t);
    dl_tensor_free(t);
    return rc;
}

int pp_meta_columns(pp_meta *m, uint64_t cols, dl_err *e)
{
    if ((m->names_rec.data && cm_names_parse(&m->names, &m->names_rec, cols, e)) ||
        (m->cats_rec.data && cm_categories_parse(&m->cats, &m->cats_rec, cols, e)))
        return e->code;
    m->cols.count = (size_t)cols;
    m->cols.name = m->names.count ? (const char *const *)m->names.name : NULL;
    if (!m->cats.count)
        return 0;
    if (dl_mem_array(&m->nlevels, (size_t)cols, sizeof *m->nlevels, "design", e) ||
        dl_mem_array(&m->levels, (size_t)cols, sizeof *m->levels, "design", e))
        return e->code;
    for (size_t i = 0; i < m->cats.count; i++) {
        const cm_column *c = &m->cats.column[i];
        m->nlevels[c->col] = (size_t)c->count;
        m->levels[c->col] = (const char *const *)c->level;
    }
    m->cols.nlevels = m->nlevels;
    m->cols.level = m->levels;
    return 0;
}

/* A copy of rec taken into m (nothing without rec). */
static int meta_copy(pp_meta *m, const dl_tensor *rec, dl_err *e)
{
    dl_tensor t;
    if (!rec)
        return 0;
    return dl_tensor_copy(&t, rec, e) || pp_meta_take(m, &t, 0, e) ? e->code : 0;
}

/* String classes in `have` where the training data's target held numbers:
 * the file's codes are its own, so read as numbers they would be scored
 * against the model's classes crosswise.  DL_EDATA naming the first such
 * column (by want_names when they are as many as the columns: one-hot
 * targets, say, are not). */
static int refuse_string_classes(const dl_tensor *want_names, const dl_tensor *have,
                                 uint64_t cols, dl_err *e)
{
    cm_categories c;
    cm_categories_init(&c);
    if (cm_categories_parse(&c, have, cols, e))
        return e->code;
    int rc = 0;
    if (c.count) {
        cm_names names;
        dl_err other_width;
        if (!want_names || cm_names_parse(&names, want_names, cols, &other_width))
            cm_names_init(&names);
        uint64_t col = c.column[0].col;
        rc = dl_fail(e, DL_EDATA, "column %llu%s holds string classes here but numbers in the "
                                  "training data: its codes are this file's own, which name no "
                                  "class of the model",
                     (unsigned long long)col + 1, cm_col_name(&names, col).text);
        cm_names_free(&names);
    }
    cm_categories_free(&c);
    return rc;
}

int pp_bind_targets(pp_prep **p, const dl_tensor *want_names, const dl_tensor *want,
                    const dl_tensor *have, uint64_t cols, dl_err *e)
{
    dl_err same;
    *p = NULL;
    if (!want && have)
        return refuse_string_classes(want_names, have, cols, e);
    if (!want || !have || cm_meta_repeat(want, have, &same) == 0)
        return 0;
    pp_meta w, h;
    pp_meta_init(&w);
    pp_meta_init(&h);
    pp_opts o;
    pp_opts_defaults(&o);
    pp_fitter *f = NULL;
    int rc = meta_copy(&w, want_names, e) || meta_copy(&w, want, e) || meta_copy(&h, have, e) ||
             pp_meta_columns(&w, cols, e) || pp_meta_columns(&h, cols, e) ||
             pp_fit_begin(&f, &o, &w.cols, e) || pp_fit_end(f, p, e) || pp_bind(*p, &h.cols, e)
                 ? e->code : 0;
    if (rc) {
        pp_free(*p);
        *p = NULL;
    }
    pp_meta_free(&w);
    pp_meta_free(&h);
    return rc;
}
