#include "partial.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "colmeta.h"
#include "kvtext.h"

static int write_meta(st_writer *w, const dl_tensor *meta, size_t n_meta, dl_err *e)
{
    for (size_t i = 0; i < n_meta; i++)
        if (meta[i].data && st_write(w, &meta[i], e))
            return e->code;
    return 0;
}

int partial_write(st_writer *w, ls_stats *s, const double *factor, int weighted,
                  const dl_tensor *design, const dl_tensor *meta, size_t n_meta, dl_err *e)
{
    char text[256];
    int64_t rows = (int64_t)s->n;
    uint64_t pp[2] = {s->p, s->p}, pk[2] = {s->p, s->k}, k1[1] = {s->k}, one[1] = {1},
             cc[2] = {s->p + s->k, s->p + s->k};
    double wsum = s->wsum;
    ls_stats_symmetrize(s);
    snprintf(text, sizeof text,
             "kind: lstsq-partial\ncolumns: %zu\noutputs: %zu\nrows: %llu\nweighted: %d\n", s->p,
             s->k, (unsigned long long)s->n, weighted != 0);
    uint64_t len = strlen(text);
    int rc = st_write_data(w, "model", DL_U8, 1, &len, text, e) ||
             (design->data && st_write(w, design, e)) || write_meta(w, meta, n_meta, e) ||
             st_write_data(w, "xtx", DL_F64, 2, pp, s->xtx, e) ||
             st_write_data(w, "xty", DL_F64, 2, pk, s->xty, e) ||
             st_write_data(w, "yty", DL_F64, 1, k1, s->yty, e) ||
             st_write_data(w, "ysum", DL_F64, 1, k1, s->ysum, e) ||
             st_write_data(w, "rows", DL_I64, 1, one, &rows, e) ||
             st_write_data(w, "wsum", DL_F64, 1, one, &wsum, e) ||
             (s->ycss && st_write_data(w, "ymean", DL_F64, 1, k1, s->ymean, e)) ||
             (s->ycss && st_write_data(w, "ycss", DL_F64, 1, k1, s->ycss, e)) ||
             (factor && st_write_data(w, "r", DL_F64, 2, cc, factor, e)) ? e->code : 0;
    return rc ? e->code : 0;
}

/* The sums over all partials, one accumulator per statistic.  wsum (the
 * sum of the row weights) is absent from partials written before rows had
 * weights: then it is the number of rows.  ycss (y's sum of squares about
 * its mean) is absent from partials written before it was kept: then the
 * fit's R^2 comes from yty and ysum.  It is not a sum but merged (Chan,
 * Golub and LeVeque), with the partial's own ysum and wsum, which it
 * follows. */
enum { ST_XTX, ST_XTY, ST_YTY, ST_YSUM, ST_ROWS, ST_WSUM, ST_YCSS, ST_COUNT };
static const char *const stat_names[ST_COUNT] = {"xtx",  "xty",  "yty", "ysum",
                                                 "rows", "wsum", "ycss"};
static const int stat_ranks[ST_COUNT] = {2, 2, 1, 1, 1, 1, 1};

typedef struct partial_sums {
    dl_tensor sum[ST_COUNT];
    size_t seen[ST_COUNT];
    size_t partials;
    /* the last partial's ysum and weight sum, for merging its ycss; and
     * the ysum and weight sum of the partials merged into sum[ST_YCSS] */
    dl_tensor part_ysum, part_ymean;
    double part_w, merged_w;
    size_t part_ysum_of, part_w_of, part_ymean_of; /* which partial (1, 2, ...) they came from */
    double *merged_ysum;
    /* the merged partials' mean of y, while each gave its own ('ymean',
     * absent from partials written before it was kept): a constant y's
     * partials then merge into a sum of squares of exactly 0 */
    double *merged_ymean;
    int ymean_all;
    int weighted;      /* some partial's model says its rows had weights */
    int unsaid;        /* some partial's model does not say (written before it did) */
    size_t with_w, without_w; /* the first partial of rows that had weights, that had none */
    ls_qr *q;          /* the caller's: the partials' factors folded, or NULL */
    size_t factors;    /* partials whose 'r' q has taken */
    dl_tensor *design; /* the caller's */
    size_t designs;    /* partials that had a design record */
    dl_tensor_set *meta; /* the caller's */
    size_t *meta_last;   /* per record of meta: the last partial that had it */
    size_t meta_cap;
} partial_sums;

/* The last partial's ysum and weight sum, kept for its ycss. */
static int note_partial(partial_sums *ps, int which, const dl_tensor *t, dl_err *e)
{
    if (which == ST_YSUM) {
        dl_tensor_free(&ps->part_ysum);
        if (dl_tensor_copy(&ps->part_ysum, t, e))
            return e->code;
        ps->part_ysum_of = ps->partials;
    } else if (which == ST_WSUM || (which == ST_ROWS && ps->part_w_of != ps->partials)) {
        ps->part_w = which == ST_WSUM ? ((const double *)t->data)[0]
                                      : (double)((const int64_t *)t->data)[0];
        ps->part_w_of = ps->partials;
    }
    return 0;
}

/* A partial's mean of y, kept for its ycss. */
static int note_ymean(partial_sums *ps, dl_tensor *t, dl_err *e)
{
    if (t->dtype != DL_F64 || t->rank != 1)
        return dl_fail(e, DL_EDATA, "'ymean' must be f64 of rank 1");
    dl_tensor_free(&ps->part_ymean);
    ps->part_ymean = *t;
    memset(t, 0, sizeof *t);
    ps->part_ymean_of = ps->partials;
    return 0;
}

/* The partial's ycss joins acc (k values), with the partials' means when
 * they all gave theirs, else with their sums. */
static void merge_ycss_into(partial_sums *ps, double *acc, const double *ycss, size_t k)
{
    int means = ps->ymean_all && ps->part_ymean_of == ps->partials &&
                ps->part_ymean.shape[0] == k;
    for (size_t j = 0; j < k && means; j++)
        ls_ymean_merge(acc + j, ps->merged_ymean + j, ps->merged_w, ycss[j],
                       ((const double *)ps->part_ymean.data)[j], ps->part_w);
    if (!means)
        ls_ycss_merge(acc, ps->merged_ysum, ps->merged_w, ycss, ps->part_ysum.data, ps->part_w,
                      k);
    ps->ymean_all = means;
}

/* A partial's ycss merged into the sum of the partials before it. */
static int merge_ycss(partial_sums *ps, dl_tensor *t, dl_err *e)
{
    dl_tensor *acc = &ps->sum[ST_YCSS];
    size_t k = (size_t)t->shape[0];
    if (ps->part_ysum_of != ps->partials || ps->part_w_of != ps->partials ||
        ps->part_ysum.shape[0] != t->shape[0])
        return dl_fail(e, DL_EDATA, "partial %zu: 'ycss' must follow its 'ysum' and 'rows' or "
                       "'wsum', with as many values as 'ysum'", ps->partials);
    if (!ps->seen[ST_YCSS]++) {
        ps->merged_ysum = calloc(k ? k : 1, sizeof *ps->merged_ysum);
        ps->merged_ymean = calloc(k ? k : 1, sizeof *ps->merged_ymean);
        if (!ps->merged_ysum || !ps->merged_ymean)
            return dl_fail(e, DL_ENOMEM, "out of memory");
        ps->ymean_all = 1;
        *acc = *t;
        memset(t, 0, sizeof *t);
        merge_ycss_into(ps, acc->data, acc->data, k); /* into none: taken as it is */
    } else if (acc->shape[0] != t->shape[0])
        return dl_fail(e, DL_EDATA, "'ycss' has another shape than in the first partial");
    else
        merge_ycss_into(ps, acc->data, t->data, k);
    for (size_t j = 0; j < k; j++)
        ps->merged_ysum[j] += ((const double *)ps->part_ysum.data)[j];
    ps->merged_w += ps->part_w;
    return 0;
}

static int add_stat(partial_sums *ps, int which, dl_tensor *t, dl_err *e)
{
    dl_tensor *acc = &ps->sum[which];
    int want = which == ST_ROWS ? DL_I64 : DL_F64;
    if (t->dtype != want || t->rank != stat_ranks[which])
        return dl_fail(e, DL_EDATA, "'%s' must be %s of rank %d", t->name, dl_dtype_name(want),
                       stat_ranks[which]);
    if ((which == ST_ROWS || which == ST_WSUM) && t->shape[0] != 1)
        return dl_fail(e, DL_EDATA, "'%s' must hold one value", t->name);
    if (note_partial(ps, which, t, e))
        return e->code;
    if (which == ST_YCSS)
        return merge_ycss(ps, t, e);
    ps->seen[which]++;
    if (!acc->data) {
        *acc = *t;
        memset(t, 0, sizeof *t);
        return 0;
    }
    if (memcmp(acc->shape, t->shape, sizeof t->shape) != 0)
        return dl_fail(e, DL_EDATA, "'%s' has another shape than in the first partial", t->name);
    uint64_t n = dl_tensor_nelem(t);
    for (uint64_t i = 0; i < n; i++) {
        if (which == ST_ROWS)
            ((int64_t *)acc->data)[i] += ((int64_t *)t->data)[i];
        else
            ((double *)acc->data)[i] += ((double *)t->data)[i];
    }
    return 0;
}

/* A partial's factor R of [X | Y]: after its xtx and xty, [P+K, P+K],
 * upper triangular and finite; folded into ps->q (started at the first). */
static int add_factor(partial_sums *ps, const dl_tensor *t, dl_err *e)
{
    const dl_tensor *xtx = &ps->sum[ST_XTX], *xty = &ps->sum[ST_XTY];
    if (ps->partials == 0 || ps->seen[ST_XTX] != ps->partials ||
        ps->seen[ST_XTY] != ps->partials)
        return dl_fail(e, DL_EDATA, "partial %zu: 'r' must follow its 'model', 'xtx' and "
                       "'xty'", ps->partials + (ps->partials == 0));
    uint64_t p = xtx->shape[0], k = xty->shape[1], c = p + k;
    if (t->dtype != DL_F64 || t->rank != 2 || t->shape[0] != c || t->shape[1] != c)
        return dl_fail(e, DL_EDATA, "partial %zu: 'r' must be f64 [%llu, %llu] (columns plus "
                       "outputs)", ps->partials, (unsigned long long)c, (unsigned long long)c);
    const double *r = t->data;
    for (uint64_t i = 0; i < c; i++)
        for (uint64_t j = 0; j < c; j++)
            if (!isfinite(r[i * c + j]) || (j < i && r[i * c + j] != 0.0))
                return dl_fail(e, DL_EDATA, "partial %zu: 'r' is not a finite upper "
                               "triangular factor (row %llu, column %llu)", ps->partials,
                               (unsigned long long)i + 1, (unsigned long long)j + 1);
    if (ps->factors == ps->partials)
        return dl_fail(e, DL_EDATA, "partial %zu has more than one 'r'", ps->partials);
    if (ps->factors++ == 0 && ls_qr_init(ps->q, (size_t)p, (size_t)k, e))
        return e->code;
    if (ps->q->p != p || ps->q->k != k)
        return dl_fail(e, DL_EDATA, "'r' has another shape than in the first partial");
    return ls_qr_add_factor(ps->q, r, e);
}

/* Column metadata (x.names, y.categories, ...): every partial has the
 * first's records, the same, named by partial rather than as chunks of one
 * tensor: a partial without y.categories beside one with them would have
 * its codes taken as the classes' unchecked. */
static int add_meta(partial_sums *ps, dl_tensor *t, dl_err *e)
{
    const dl_tensor *have = dl_set_find(ps->meta, t->name);
    dl_err differs;
    if (!have && ps->partials > 1)
        return dl_fail(e, DL_EDATA, "partial %zu has '%s', which the partials before it had "
                       "not", ps->partials, t->name);
    if (have && cm_meta_repeat(have, t, &differs))
        return dl_fail(e, DL_EDATA, "partial %zu's '%s' differs from the first partial's",
                       ps->partials, t->name);
    size_t at = have ? (size_t)(have - ps->meta->items) : ps->meta->count;
    if (dl_vec_reserve(&ps->meta_last, &ps->meta_cap, at + 1, sizeof *ps->meta_last, e) ||
        dl_set_add(ps->meta, t, e))
        return e->code;
    ps->meta_last[at] = ps->partials ? ps->partials : 1; /* before any: the first's */
    return 0;
}

/* Found when the next partial starts, or at the end: the partial is over,
 * and had every metadata record of the partials before it. */
static int meta_missing(const partial_sums *ps, dl_err *e)
{
    for (size_t i = 0; ps->partials && i < ps->meta->count; i++)
        if (ps->meta_last[i] != ps->partials)
            return dl_fail(e, DL_EDATA, "partial %zu ended without '%s', which the partials "
                           "before it had", ps->partials, ps->meta->items[i].name);
    return 0;
}

static int design_differs(size_t partial, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "partial %zu was made with another design than the first",
                   partial);
}

/* The last partial read lacks the design record the partials before it
 * had: its x is the data as it is, which no design's columns match. */
static int missing_design(const partial_sums *ps)
{
    return ps->designs != 0 && ps->designs != ps->partials;
}

/* Found when the next partial starts, or at the end: the partial is over. */
static int design_missing(size_t partial, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "partial %zu ended without the design record the partials "
                   "before it had", partial);
}

/* x, y or w: rows a partial stands for, which --combine would drop. */
static int is_data(const char *name)
{
    return strcmp(name, "x") == 0 || strcmp(name, "y") == 0 || strcmp(name, "w") == 0;
}

/* The last partial's rows had weights, or had none (its model, model,
 * says which): so must every other partial's that has rows.  One pass
 * never fits rows with weights beside rows without, and weights need
 * not be on the scale of 1 (normalized ones sum to 1), so a shard
 * imported without its weights would be weighed against the others at
 * random. */
static int weights_agree(partial_sums *ps, const dl_tensor *model, int weighted, dl_err *e)
{
    char rows[32];
    ps->weighted |= weighted;
    if (kv_value(model->data, (size_t)dl_tensor_nelem(model), "rows", rows, sizeof rows) &&
        strcmp(rows, "0") == 0)
        return 0; /* no rows: nothing weighed */
    size_t *first = weighted ? &ps->with_w : &ps->without_w;
    size_t other = weighted ? ps->without_w : ps->with_w;
    if (!*first)
        *first = ps->partials;
    if (!other)
        return 0;
    return dl_fail(e, DL_EDATA, "partial %zu's rows had %s, but partial %zu's had %s: give "
                   "every shard its weights (a column of 1s where each row counts once)",
                   ps->partials, weighted ? "weights" : "no weights", other,
                   weighted ? "none" : "weights");
}

static int add_partial_record(partial_sums *ps, dl_tensor *t, dl_err *e)
{
    char kind[64] = "";
    if (strcmp(t->name, "model") == 0) {
        if (t->dtype != DL_U8 ||
            !kv_value(t->data, (size_t)dl_tensor_nelem(t), "kind", kind, sizeof kind) ||
            strcmp(kind, "lstsq-partial") != 0)
            return dl_fail(e, DL_EDATA, "not a dl-lstsq --partial output (model kind '%s')",
                           kind);
        char weighted[8];
        if (missing_design(ps))
            return design_missing(ps->partials, e);
        if (meta_missing(ps, e))
            return e->code;
        ps->partials++;
        if (!kv_value(t->data, (size_t)dl_tensor_nelem(t), "weighted", weighted, sizeof weighted))
            ps->unsaid = 1;
        else if (strcmp(weighted, "0") != 0 && strcmp(weighted, "1") != 0)
            return dl_fail(e, DL_EDATA, "partial %zu: 'weighted' is '%s', not 0 or 1",
                           ps->partials, weighted);
        else
            return weights_agree(ps, t, weighted[0] == '1', e);
        return 0;
    }
    if (strcmp(t->name, "design") == 0) {
        /* partials with x as it is before this one: another design (a
         * design before any partial is compared with theirs, as before) */
        if (ps->partials && ++ps->designs > ps->partials)
            return dl_fail(e, DL_EDATA, "partial %zu has a second design record",
                           ps->partials);
        if (ps->partials && ps->designs != ps->partials)
            return design_differs(ps->partials, e);
        if (!ps->design->data) {
            *ps->design = *t;
            memset(t, 0, sizeof *t);
            return 0;
        }
        if (!bf_design_equal(t, ps->design))
            return design_differs(ps->partials, e);
        return 0;
    }
    if (is_data(t->name))
        return dl_fail(e, DL_EDATA, "rows of data, not a dl-lstsq --partial output: make "
                       "their partial first (dl-lstsq --partial), or fit them without --combine");
    if (cm_is_meta_name(t->name))
        return add_meta(ps, t, e);
    if (strcmp(t->name, "r") == 0)
        return ps->q ? add_factor(ps, t, e) : 0;
    if (strcmp(t->name, "ymean") == 0)
        return note_ymean(ps, t, e);
    for (int i = 0; i < ST_COUNT; i++)
        if (strcmp(t->name, stat_names[i]) == 0)
            return add_stat(ps, i, t, e);
    return 0; /* anything else is ignored, as in any stream */
}

/* Whether the fit can take the partials' factors folded: every partial
 * has one and its ycss (factor_sums keeps q then). */
static int factored(const partial_sums *ps)
{
    return ps->q && ps->factors > 0 && ps->factors == ps->partials &&
           ps->seen[ST_YCSS] == ps->partials;
}

/* The statistics that are sums of squares and products: where the rows'
 * cells are beyond about 1e154 they overflow, while the factor R that
 * gives them stays finite. */
static int is_square(int which)
{
    return which == ST_XTX || which == ST_XTY || which == ST_YTY || which == ST_YCSS;
}

/* Every partial contributed each statistic once, with agreeing shapes. */
static int stats_from_sums(partial_sums *ps, ls_stats *s, dl_err *e)
{
    if (ps->partials == 0)
        return dl_fail(e, DL_EDATA, "no partial statistics (dl-lstsq --partial output) found");
    if (missing_design(ps))
        return design_missing(ps->partials, e);
    if (meta_missing(ps, e))
        return e->code;
    for (int i = 0; i < ST_COUNT; i++)
        if (ps->seen[i] != ps->partials && !(i == ST_WSUM && ps->seen[i] == 0) && i != ST_YCSS)
            return dl_fail(e, DL_EDATA, "%zu partials but %zu '%s' records", ps->partials,
                           ps->seen[i], stat_names[i]);
    uint64_t p = ps->sum[ST_XTX].shape[0], k = ps->sum[ST_XTY].shape[1];
    if (ps->sum[ST_XTX].shape[1] != p || ps->sum[ST_XTY].shape[0] != p ||
        ps->sum[ST_YTY].shape[0] != k || ps->sum[ST_YSUM].shape[0] != k ||
        (ps->sum[ST_YCSS].data && ps->sum[ST_YCSS].shape[0] != k) ||
        ps->sum[ST_ROWS].shape[0] != 1 || ((int64_t *)ps->sum[ST_ROWS].data)[0] < 0 ||
        (ps->sum[ST_WSUM].data && ps->sum[ST_WSUM].shape[0] != 1))
        return dl_fail(e, DL_EDATA, "the partial statistics have inconsistent shapes");
    /* an overflowed square is what a one-pass fit has too: the fit then
     * comes from the factors, as one pass's does, and a method that needs
     * X^T X refuses it there; without the factors nothing is left to fit */
    for (int i = 0; i < ST_COUNT; i++) {
        if (i == ST_ROWS || !ps->sum[i].data || dl_tensor_find_nonfinite(&ps->sum[i]) < 0 ||
            (is_square(i) && factored(ps)))
            continue;
        if (is_square(i))
            return dl_fail(e, DL_ENUM, "'%s' overflows (it holds Inf or NaN) and the partials "
                           "carry no factor 'r' to fit from: scale the data (dl-design "
                           "--standardize)", stat_names[i]);
        return dl_fail(e, DL_EDATA, "'%s' holds NaN or Inf", stat_names[i]);
    }
    if (ps->sum[ST_WSUM].data && !(((double *)ps->sum[ST_WSUM].data)[0] >= 0))
        return dl_fail(e, DL_EDATA, "'wsum' is negative");
    if (ls_stats_init(s, (size_t)p, (size_t)k, e))
        return e->code;
    memcpy(s->xtx, ps->sum[ST_XTX].data, (size_t)(p * p) * sizeof(double));
    memcpy(s->xty, ps->sum[ST_XTY].data, (size_t)(p * k) * sizeof(double));
    memcpy(s->yty, ps->sum[ST_YTY].data, (size_t)k * sizeof(double));
    memcpy(s->ysum, ps->sum[ST_YSUM].data, (size_t)k * sizeof(double));
    if (ps->seen[ST_YCSS] == ps->partials && ps->sum[ST_YCSS].data)
        memcpy(s->ycss, ps->sum[ST_YCSS].data, (size_t)k * sizeof(double));
    else { /* some partials without it (written before it was kept): R^2 from yty and ysum */
        free(s->ycss);
        s->ycss = NULL;
    }
    s->n = (uint64_t)((int64_t *)ps->sum[ST_ROWS].data)[0];
    s->wsum = ps->sum[ST_WSUM].data ? ((double *)ps->sum[ST_WSUM].data)[0] : (double)s->n;
    for (size_t j = 0; j < (size_t)k && s->wsum > 0; j++)
        s->ymean[j] = ps->ymean_all ? ps->merged_ymean[j] : s->ysum[j] / s->wsum;
    return 0;
}

static int read_partials(st_reader *rd, partial_sums *ps, dl_err *e)
{
    dl_tensor t;
    int found, rc;
    while (!(rc = st_read(rd, &t, &found, e)) && found) {
        char name[sizeof t.name]; /* a record taken leaves t empty */
        memcpy(name, t.name, sizeof name);
        rc = add_partial_record(ps, &t, e);
        dl_tensor_free(&t);
        if (rc)
            return dl_err_wrap(e, "%s: record %llu ('%s')", st_reader_label(rd),
                               (unsigned long long)st_reader_records(rd), name);
    }
    return rc;
}

/* The largest magnitude of the summed statistic sum[0..n) (*top) and of
 * its difference from got, the same from the folded factors (*off), over
 * the entries finite in both: an overflowed entry (cells beyond about
 * 1e154) holds no value to compare, not even its sign, which the products
 * of R^T R, themselves overflowing, can turn. */
static void gram_off(const double *got, const double *sum, size_t n, double *top, double *off)
{
    *top = *off = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(sum[i]) && isfinite(got[i])) {
            *top = fmax(*top, fabs(sum[i]));
            *off = fmax(*off, fabs(got[i] - sum[i]));
        }
}

/* Whether R^T R of the folded factors is the summed X^T X and X^T Y, to
 * within rounding (a relative 1e-8 of the largest of each, far above what
 * either sum loses, far below what another partial's rows would change):
 * a factor from other rows than its statistics is refused, not fitted. */
static int factor_agrees(ls_qr *q, const ls_stats *s, dl_err *e)
{
    ls_stats g;
    memset(&g, 0, sizeof g);
    if (ls_qr_stats(q, &g, e))
        return e->code;
    size_t p = s->p, k = s->k;
    double top_xx, top_xy, off_xx, off_xy;
    gram_off(g.xtx, s->xtx, p * p, &top_xx, &off_xx);
    gram_off(g.xty, s->xty, p * k, &top_xy, &off_xy);
    ls_stats_free(&g);
    if (off_xx > 1e-8 * top_xx || off_xy > 1e-8 * top_xy)
        return dl_fail(e, DL_EDATA, "the partials' factors 'r' disagree with their 'xtx' and "
                       "'xty' (by %.3g and %.3g, relative): a factor from other rows?",
                       top_xx > 0 ? off_xx / top_xx : off_xx,
                       top_xy > 0 ? off_xy / top_xy : off_xy);
    return 0;
}

/* The folded factors are the partials' when every partial had one (and
 * its ycss): their rows, weights and y's sums are the statistics'.  Else
 * q is freed (zeros): the statistics alone remain. */
static int factor_sums(partial_sums *ps, const ls_stats *s, dl_err *e)
{
    ls_qr *q = ps->q;
    if (!q || ps->factors == 0)
        return 0;
    if (ps->factors != ps->partials || !s->ycss) {
        ls_qr_free(q);
        memset(q, 0, sizeof *q);
        return 0;
    }
    if (q->p != s->p || q->k != s->k)
        return dl_fail(e, DL_EDATA, "'r' disagrees with 'xtx' and 'xty' in shape");
    q->n = s->n;
    q->wsum = s->wsum;
    memcpy(q->yty, s->yty, s->k * sizeof *q->yty);
    memcpy(q->ysum, s->ysum, s->k * sizeof *q->ysum);
    memcpy(q->ycss, s->ycss, s->k * sizeof *q->ycss);
    memcpy(q->ymean, s->ymean, s->k * sizeof *q->ymean);
    return factor_agrees(q, s, e);
}

int partial_read(st_reader *r, ls_stats *s, ls_qr *q, dl_tensor *design, dl_tensor_set *meta,
                 int *weighted, dl_err *e)
{
    partial_sums ps;
    memset(&ps, 0, sizeof ps);
    ps.design = design;
    ps.meta = meta;
    ps.q = q;
    if (q)
        memset(q, 0, sizeof *q);
    int rc = read_partials(r, &ps, e) ||
             (st_reader_records(r) == 0 && st_fail_empty(st_reader_label(r), e)) ||
             ((stats_from_sums(&ps, s, e) || factor_sums(&ps, s, e)) &&
              dl_err_wrap(e, "%s", st_reader_label(r))) ? e->code : 0;
    /* a partial that does not say: weights unlike 1 show, weights of 1 do not */
    *weighted = !rc && (ps.weighted || (ps.unsaid && s->wsum != (double)s->n));
    for (int i = 0; i < ST_COUNT; i++)
        dl_tensor_free(&ps.sum[i]);
    dl_tensor_free(&ps.part_ysum);
    dl_tensor_free(&ps.part_ymean);
    free(ps.merged_ysum);
    free(ps.merged_ymean);
    free(ps.meta_last);
    return rc ? e->code : 0;
}
