/* colmeta.h - what a stream says about the columns of a tensor T, in records
 * beside it (dl-stream(5), "Column metadata"):
 *
 *   T.names       u8 text, one column name per line ("\n"-ended), as many
 *                 lines as T has columns (rank-1 T: one); names 1..255
 *                 bytes of UTF-8, no control characters (so no tab), unique.
 *   T.categories  u8 text, one line per categorical column in increasing
 *                 column order: "COL\tLEVEL0\tLEVEL1...\n", COL 0-based;
 *                 levels non-empty, no control characters, strictly
 *                 increasing by bytes (strcmp: scikit-learn's LabelEncoder
 *                 and OneHotEncoder order for strings).  The column's cells
 *                 hold the level's code 0..k-1 as a float, NaN when missing.
 *   w             per-row sample weights, float, N x 1 (or rank 1 N),
 *                 finite and >= 0.
 *
 * Missing cells are NaN in float tensors.  A metadata record (*.names,
 * *.categories) repeated in a stream must be byte-identical to the first;
 * a set keeps one copy (dl_set_add asks cm_meta_repeat).  This module is
 * the one owner of these records: every reader and writer goes through it. */
#ifndef DL_COLMETA_H
#define DL_COLMETA_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "names.h"
#include "tensor.h"

#define CM_NAMES_SUFFIX ".names"
#define CM_CATEGORIES_SUFFIX ".categories"
#define CM_WEIGHTS "w"
/* Bytes of one column name (as of a record name). */
#define CM_COLNAME_MAX 255

/* 1 when `name` is a metadata record's name (ends in .names or .categories,
 * with something before it). */
int cm_is_meta_name(const char *name);
/* out = tensor + suffix ("x" + CM_NAMES_SUFFIX = "x.names"); DL_EUSAGE when
 * it would be longer than a record name. */
int cm_meta_name(char out[DL_NAME_MAX + 1], const char *tensor, const char *suffix,
                 dl_err *e);
/* A record of the name `have` is in a set and t, of the same name, came
 * again: 0 when t is byte-identical to it (t is then dropped by the caller),
 * else DL_EDATA "'x.names' differs between chunks". */
int cm_meta_repeat(const dl_tensor *have, const dl_tensor *t, dl_err *e);

/* The columns of a tensor T of this rank and shape, which T.names and
 * T.categories describe: shape[1], or 1 for rank 0 and 1. */
uint64_t cm_columns(int rank, const uint64_t *shape);
/* The T.names and T.categories records that s holds of t (T: t's name; t
 * need not be in s, and its data is unused), checked against t's columns
 * by cm_names_parse and cm_categories_parse, whose errors these are ("'y.names'
 * has 2 names for 1 column").  0 when s holds neither. */
int cm_meta_fits(dl_tensor_set *s, const dl_tensor *t, dl_err *e);
/* cm_meta_fits of every tensor in s but the metadata: a whole stream's
 * metadata checked before a tool writes any of it on (dl-tensor head,
 * shuffle, split). */
int cm_set_meta_fits(dl_tensor_set *s, dl_err *e);

/* What a tool that copies records as they come (dl-design, dl-predict)
 * keeps to hold their metadata to the rules a reader of its output holds
 * them to: a copy of each metadata record, and the description of each
 * other tensor's first chunk. */
typedef struct cm_passthrough {
    dl_tensor_set seen;
} cm_passthrough;

void cm_passthrough_init(cm_passthrough *p);
void cm_passthrough_free(cm_passthrough *p);
/* A metadata record about to be copied (rec is not taken): a repeat must
 * be the first copy's bytes (cm_meta_repeat); a first copy that comes
 * after its tensor's first chunk must fit that chunk's columns
 * (cm_meta_fits). */
int cm_passthrough_meta(cm_passthrough *p, const dl_tensor *rec, dl_err *e);
/* A chunk of a tensor about to be copied, by its description (t->data
 * unused, as of a record's header): at its first chunk the metadata that
 * came of it must fit its columns (cm_meta_fits). */
int cm_passthrough_chunk(cm_passthrough *p, const dl_tensor *t, dl_err *e);

/* What is wrong with a column name (len bytes) or a category level, or NULL
 * when it is valid. */
const char *cm_colname_fault(const char *s, size_t len);
const char *cm_level_fault(const char *s, size_t len);

/* ------------------------------ T.names ------------------------------- */
typedef struct cm_names {
    uint64_t count;      /* columns named; 0: no names (a stream without them) */
    char **name;         /* count NUL-terminated names, pointing into text */
    char *text;          /* owned */
    dl_name_index index;
} cm_names;

void cm_names_init(cm_names *n);
void cm_names_free(cm_names *n);
/* Parses and checks a T.names record for a T of `cols` columns (the line
 * count must match).  Errors name the record and the line. */
int cm_names_parse(cm_names *n, const dl_tensor *rec, uint64_t cols, dl_err *e);
/* Reads T.names from a set into n when there is one (n->count 0 when not). */
int cm_names_load(cm_names *n, dl_tensor_set *s, const char *tensor, uint64_t cols,
                  dl_err *e);
/* The column called `name`, or -1. */
int64_t cm_names_find(cm_names *n, const char *name);
/* What an option's COL picks among the `cols` columns of a tensor whose
 * names are n (count 0: none), the one rule of every option that takes a
 * column by number or by name: a 0-based column number below cols is that
 * column, even where another column is so named (that one is picked by
 * its own number); else a name in n is its column.  Sets *col and returns
 * CM_PICKED_NUMBER or CM_PICKED_NAME (a caller that looks elsewhere too
 * does so before a name); CM_PICKED_NONE when spec is neither. */
enum { CM_PICKED_NONE = 0, CM_PICKED_NUMBER, CM_PICKED_NAME };
int cm_column_pick(cm_names *n, uint64_t cols, const char *spec, uint64_t *col);
/* The name of column `col` (0-based), or NULL when there are no names. */
const char *cm_names_at(const cm_names *n, uint64_t col);
/* The input's column names `have` against the ones `want` of what it is
 * applied to (`what`: "design", "checkpoint"), `count` each: DL_EDATA
 * "column C is 'a' in the input but 'b' in the WHAT" at the first that
 * differs (C 1-based). */
int cm_names_agree(const char *const *have, const char *const *want, uint64_t count,
                   const char *what, dl_err *e);
/* Checks `count` names (unique, each valid) and makes the record `rec_name`
 * of them (a u8 rank-1 tensor), into *out. */
int cm_names_make(const char *const *names, uint64_t count, const char *rec_name,
                  dl_tensor *out, dl_err *e);

/* --------------------------- T.categories ----------------------------- */
typedef struct cm_column {
    uint64_t col;        /* 0-based column of T */
    uint64_t count;      /* levels, >= 1 */
    char **level;        /* count NUL-terminated levels, sorted, into text */
} cm_column;

typedef struct cm_categories {
    size_t count;        /* categorical columns; 0: none */
    cm_column *column;   /* in increasing col order */
    char *text;          /* owned */
    char **levels;       /* storage of every column's level pointers */
} cm_categories;

void cm_categories_init(cm_categories *c);
void cm_categories_free(cm_categories *c);
/* Parses and checks a T.categories record for a T of `cols` columns. */
int cm_categories_parse(cm_categories *c, const dl_tensor *rec, uint64_t cols, dl_err *e);
/* Reads T.categories from a set when there is one (c->count 0 when not). */
int cm_categories_load(cm_categories *c, dl_tensor_set *s, const char *tensor,
                       uint64_t cols, dl_err *e);
/* The categories of column `col`, or NULL when it is numeric. */
const cm_column *cm_categories_column(const cm_categories *c, uint64_t col);
/* The code of a level (len bytes) of column k, or -1 when k has no such
 * level (binary search: levels are sorted). */
int64_t cm_column_code(const cm_column *k, const char *level, size_t len);
/* 1 when a cell holds a code of `count` categories: a whole number 0 to
 * count-1 (dl-stream(5)); NaN, a missing cell, is none (test isnan first). */
int cm_is_code(double v, uint64_t count);
/* The level whose code a cell holds, or NULL when the cell is not one of
 * 0..count-1 (cm_is_code). */
const char *cm_column_level(const cm_column *k, double code);
/* Checks `count` columns (increasing, < cols, levels sorted, unique and
 * valid) and makes the record `rec_name` of them into *out. */
int cm_categories_make(const cm_column *cols, size_t count, uint64_t tcols,
                       const char *rec_name, dl_tensor *out, dl_err *e);

/* ---------------------------- missing cells --------------------------- */
/* DL_EDATA "row R, column C ('name'): WHAT", the one way a cell is named:
 * row and col 0-based here and 1-based in the message; the name when
 * `names` (may be NULL) has one.  The caller wraps it with "FILE: record N
 * ('x')". */
int cm_fail_cell(const cm_names *names, uint64_t row, uint64_t col, const char *what, dl_err *e);
/* " ('name')" of column col (0-based) when names has one, else "": what
 * every message naming a column puts after its number. */
typedef struct cm_named_col {
    char text[CM_COLNAME_MAX + 8];
} cm_named_col;
cm_named_col cm_col_name(const cm_names *names, uint64_t col);
/* DL_EDATA naming the first categorical column that the x.categories
 * record rec (NULL: none) lists, in data fitted without a design: a model
 * of its codes keeps no levels, so a prediction could not match another
 * file's codes to them by name.  0 when it lists none.  rec is parsed for
 * an x of `cols` columns first: a column beyond them is the parse's error,
 * a malformed record, not a column named. */
int cm_refuse_codes(const dl_tensor *rec, uint64_t cols, const cm_names *names, dl_err *e);
/* DL_EDATA naming the first column that the y.categories record rec
 * (NULL: none) lists with more than two classes: a regression (least
 * squares; a network's mse, l1, lq or huber) would fit their codes, an
 * order of the levels by bytes, as numbers.  Two classes pass: their codes
 * 0 and 1 are a least-squares classifier's targets.  0 when none has more.
 * rec is parsed for a y of `cols` columns first, as cm_refuse_codes. */
int cm_refuse_class_regression(const dl_tensor *rec, uint64_t cols, const cm_names *names,
                               dl_err *e);
/* cm_fail_cell's "V is not a category code (0..count-1)", of a cell that
 * is no code of its column's `count` categories. */
int cm_fail_code(const cm_names *names, uint64_t row, uint64_t col, double v, uint64_t count,
                 dl_err *e);
/* The first cell of a categorical column of c (a column beyond t's aside)
 * in the float matrix t that is neither missing (NaN) nor a code of its
 * categories, reported by cm_fail_code (t's rows start at `first_row`);
 * 0 when there is none. */
int cm_check_codes(const dl_tensor *t, const cm_categories *c, const cm_names *names,
                   uint64_t first_row, dl_err *e);
/* cm_fail_cell's "missing value (impute with dl-design --impute)". */
int cm_fail_missing(const cm_names *names, uint64_t row, uint64_t col, dl_err *e);
/* The first NaN of a float tensor (rank <= 2; rows start at `first_row`)
 * reported by cm_fail_missing; 0 when there is none. */
int cm_check_missing(const dl_tensor *t, const cm_names *names, uint64_t first_row,
                     dl_err *e);

/* ------------------------------ weights ------------------------------- */
/* Checks a `w` record for a data set of `rows` rows: float, N x 1 or rank 1,
 * N == rows, every weight finite and >= 0.  DL_EDATA names the row. */
int cm_weights_check(const dl_tensor *w, uint64_t rows, dl_err *e);
/* The same for one chunk of a `w` record whose first row is row `first`
 * (0-based) of the data set: messages count rows from first + 1. */
int cm_weights_check_chunk(const dl_tensor *w, uint64_t rows, uint64_t first, dl_err *e);
/* Weight of row i of a checked `w`. */
double cm_weight_at(const dl_tensor *w, uint64_t i);

#endif
