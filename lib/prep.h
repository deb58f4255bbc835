/* prep.h - the input stage of a design: raw table columns to numeric inputs.
 *
 * A raw row has D cells: numbers, category codes (a column with levels, as
 * x.categories gives them: the level's code 0..k-1 as a float) and missing
 * cells (NaN).  The stage, fitted on training rows, makes the inputs of the
 * basis, in this order:
 *   - each raw column in turn: one-hot expanded to one 0/1 column per level
 *     that occurs in the training rows, whatever their weights (`color=red`;
 *     scikit-learn's OneHotEncoder, categories='auto'; a level only
 *     x.categories lists is unseen, the training rows' codes mapped as
 *     pp_bind maps an input's), or
 *     itself (a categorical column not expanded stays its code);
 *   - then, with the indicator option, one 0/1 column `missing(name)` per
 *     raw column that had a missing cell in the training rows (scikit-learn's
 *     SimpleImputer(add_indicator=True), features='missing-only').
 * A missing cell is replaced by the column's fill value before that:
 * the training mean, median, most frequent value (ties: the smallest) or a
 * constant, as SimpleImputer's strategies; a categorical column always gets
 * its most frequent level (the constant strategy included), since a mean of
 * codes is no level.  Without imputation a missing cell is an error that
 * names its row and column and says how to impute.
 *
 * Fitting streams: rows are fed chunk by chunk (pp_fit_rows) and the fitter
 * may ask for the same rows again (pp_fit_pass_done): the median is exact in
 * bounded memory by radix selection on the bits of the values, 16 bits a
 * pass (four passes, two 65536-count histograms per median column).  Memory
 * does not grow with rows, except for most_frequent on a numeric column,
 * which counts each distinct value.
 *
 * The fitted stage is written into the `design` record (basis.c owns that
 * record; pp_write_text and pp_parse_text do the stage's lines), so
 * dl-design --apply and dl-predict re-apply it.  At apply time the input's
 * own categories are bound (pp_bind): its codes are mapped to the training
 * levels by name, and a level training never saw is an error naming column
 * and level, or an all-zero one-hot row with the unseen-zero option. */
#ifndef DL_PREP_H
#define DL_PREP_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "colmeta.h"
#include "err.h"
#include "tensor.h"

enum pp_impute {
    PP_IMPUTE_NONE = 0,
    PP_IMPUTE_MEAN,
    PP_IMPUTE_MEDIAN,
    PP_IMPUTE_MOST_FREQUENT,
    PP_IMPUTE_CONSTANT
};
/* "mean", "median", "most_frequent", "constant" -> enum; -1 when unknown. */
int pp_impute_parse(const char *s);
const char *pp_impute_name(int impute);

/* The mean of a column's values, added one at a time: compensated
 * (Neumaier) sums, whose quotient by the count is then corrected by its
 * remainder, so the mean is the exact one rounded once (a last place off
 * at rare worst), however far the values lie from 0 (a plain sum of 200000
 * values near 1.7e9 was 70 places off).  n values up to DBL_MAX have a
 * finite mean: their sum is also taken in units of 2^64, for where it
 * overflows.  Every addition is in the values' order, so the same values
 * give the same bits however they come in chunks.  --impute mean's fill
 * values and --standardize's means (bf_moments) are both this one.  Starts
 * zeroed. */
typedef struct pp_sum {
    double sum, comp; /* comp: what the additions to sum rounded off */
} pp_sum;
typedef struct pp_mean {
    uint64_t n;
    pp_sum plain, scaled; /* scaled: the values in units of 2^64 */
} pp_mean;
void pp_mean_add(pp_mean *m, double v);
/* The mean of the values added (0 for none). */
double pp_mean_value(const pp_mean *m);

typedef struct pp_opts {
    int impute;              /* enum pp_impute */
    double fill;             /* the constant (default 0, as SimpleImputer) */
    int indicator;           /* missing(name) columns */
    int onehot_all;          /* expand every categorical column */
    const char *onehot;      /* or these, comma-separated names (NULL: none) */
    int unseen_zero;         /* an unseen level is an all-zero row, not an error */
} pp_opts;

void pp_opts_defaults(pp_opts *o);
/* 1 when the options ask for any work (impute, indicator or one-hot). */
int pp_opts_active(const pp_opts *o);

/* What a stream says of x's columns (x.names, x.categories). */
typedef struct pp_columns {
    size_t count;                   /* raw columns */
    const char *const *name;        /* count names, or NULL when x has none */
    const size_t *nlevels;          /* count entries, 0 for a numeric column;
                                       NULL: every column numeric */
    const char *const *const *level; /* level[j][0..nlevels[j]-1], sorted */
} pp_columns;

/* x.names and x.categories as a stream brings them, before its first x:
 * the first copy of each is kept, a repeat must be the same bytes. */
typedef struct pp_meta {
    dl_tensor names_rec, cats_rec;
    cm_names names;
    cm_categories cats;
    size_t *nlevels;
    const char *const **levels;
    pp_columns cols;             /* valid after pp_meta_columns */
} pp_meta;

void pp_meta_init(pp_meta *m);
void pp_meta_free(pp_meta *m);
/* 1 when `name` is x.names or x.categories. */
int pp_meta_is(const char *name);
/* Takes such a record (t is left empty; y.names and y.categories are taken
 * the same way); seen_x: chunks of its tensor came already, when a first
 * copy is an error. */
int pp_meta_take(pp_meta *m, dl_tensor *t, int seen_x, dl_err *e);
/* Parses what was taken for an x of `cols` columns into m->cols. */
int pp_meta_columns(pp_meta *m, uint64_t cols, dl_err *e);

typedef struct pp_prep pp_prep;
typedef struct pp_fitter pp_fitter;

/* Validates the options against the columns (a --onehot name that is no
 * categorical column is DL_EUSAGE) and starts a fit. */
int pp_fit_begin(pp_fitter **f, const pp_opts *o, const pp_columns *c, dl_err *e);
/* Feeds n rows (row-major f64, c->count per row) of the current pass;
 * first_row is the 0-based row of x[0] in the whole x, for messages. */
int pp_fit_rows(pp_fitter *f, const double *x, size_t n, uint64_t first_row, dl_err *e);
/* Ends a pass; *again 1 when the same rows must be fed once more. */
int pp_fit_pass_done(pp_fitter *f, int *again, dl_err *e);
/* The fitted stage; f is freed in every case. */
int pp_fit_end(pp_fitter *f, pp_prep **p, dl_err *e);
void pp_fitter_free(pp_fitter *f);

/* The identity stage of `inputs` numeric columns, with names or not. */
int pp_identity(pp_prep **p, size_t inputs, const char *const *names, dl_err *e);
void pp_free(pp_prep *p);

size_t pp_input_dim(const pp_prep *p);
size_t pp_output_dim(const pp_prep *p);
/* 1 when the stage does more than check its inputs (impute or one-hot). */
int pp_active(const pp_prep *p);
/* 1 when output column j is a one-hot or indicator column (0/1). */
int pp_output_binary(const pp_prep *p, size_t j);
/* 1 when the raw columns have names. */
int pp_has_names(const pp_prep *p);
/* Appends the name of raw column j (or "x<j>", 0-based, without names). */
void pp_input_name(const pp_prep *p, size_t j, dl_str *b);
/* Appends the name of output column j: the raw name, `name=level`,
 * `missing(name)`. */
void pp_output_name(const pp_prep *p, size_t j, dl_str *b);

/* The input's own columns at apply time: maps its codes to the training
 * levels; columns must agree in count, kind (an input without categories
 * has only numeric columns) and (when both have them) names.  A numeric
 * input column binds to a categorical one, since a column with no value
 * at all has no levels: its missing cells are imputed, and a number in it
 * is pp_apply's error.  Without a binding, codes are taken as the training
 * codes. */
int pp_bind(pp_prep *p, const pp_columns *c, dl_err *e);

/* A target's categories (y.categories) as another file codes them: *p
 * maps the codes of `have` (the file's record) to those of `want` (the
 * training data's or the checkpoint's) by level name, for a T of `cols`
 * columns; want_names (T.names, or NULL) name the columns in messages.
 * *p is NULL when there is nothing to map: `have` is NULL (a target of
 * numbers), or both are the same bytes.  String classes in `have` where
 * want is NULL (the training data's target held numbers) are DL_EDATA
 * naming the column: the file's codes are its own. */
int pp_bind_targets(pp_prep **p, const dl_tensor *want_names, const dl_tensor *want,
                    const dl_tensor *have, uint64_t cols, dl_err *e);
/* The codes of n rows of a bound target (row-major, pp_input_dim values a
 * row), in place: each categorical cell mapped as pp_apply maps it;
 * numeric cells and missing ones (NaN) are left as they are.  Errors as
 * pp_apply's (an unseen level, a code that is no level). */
int pp_recode(const pp_prep *p, double *x, size_t n, uint64_t first_row, dl_err *e);

/* n raw rows -> n rows of pp_output_dim values.  first_row as in
 * pp_fit_rows.  A missing cell without imputation, an infinity, a code
 * that is no level, or an unseen level (unless unseen-zero) is DL_EDATA
 * naming row and column ("row R, column C ('name'): ...", 1-based). */
int pp_apply(const pp_prep *p, const double *x, size_t n, uint64_t first_row, double *out,
             dl_err *e);

/* "impute median, one-hot 2 columns, 3 indicators; " or nothing. */
void pp_describe(const pp_prep *p, dl_str *b);

/* The stage's lines of the design record ("key: value"); nothing for an
 * identity stage without names. */
void pp_write_text(const pp_prep *p, dl_str *b);

/* The stage's values as split from the design record (NULL when absent). */
typedef struct pp_text {
    const char *impute, *fill, *indicator, *missing, *unseen, *names, *categories, *onehot;
} pp_text;
/* Rebuilds a stage of `inputs` raw columns; checks every value. */
int pp_parse_text(pp_prep **p, size_t inputs, const pp_text *t, dl_err *e);

#endif
