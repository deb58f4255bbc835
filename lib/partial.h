/* partial.h - sufficient statistics as a stream, for sharded least squares
 * (dl-lstsq --partial and --combine).
 *
 * A partial is a `model` record (kind: lstsq-partial; weighted: 1 when
 * the rows came with weights, else 0) followed by the
 * input's `design` record, if any, its column metadata (x.names, y.names,
 * y.categories: what the combined checkpoint keeps), and the statistics of
 * its rows: xtx
 * [p x p], xty [p x k], yty [k], ysum [k] (f64), rows [1] (i64), wsum
 * [1] (f64, the sum of the row weights; optional on reading, rows when
 * absent) and ycss [k] (f64, y's sum of squares about its mean; optional
 * on reading: merged, not summed) and r [p+k x p+k] (f64, the triangular
 * factor R of [X | Y], as one pass folds it: optional on reading, after xtx and xty);
 * with weights, the statistics and R are weighted (lib/lstsq.h).  Sums
 * are exact to merge, and factors stacked and folded again give the factor
 * of all the rows, so fitting the concatenation of partials gives the
 * model one pass over all their rows would (up to rounding), by every
 * method: shards are reduced where they live and only 2 (p + k)^2 numbers
 * travel. */
#ifndef DL_PARTIAL_H
#define DL_PARTIAL_H

#include "lstsq.h"
#include "stream.h"

/* Writes s (symmetrized here) and the factor of the same rows (row-major,
 * ls_qr_factor's; NULL: none) as a partial, saying whether the rows came
 * with weights (weighted: its model's "weighted: 1", whatever they sum
 * to); design may be empty, and so may any of the n_meta column metadata
 * records. */
int partial_write(st_writer *w, ls_stats *s, const double *factor, int weighted,
                  const dl_tensor *design, const dl_tensor *meta, size_t n_meta, dl_err *e);

/* Reads concatenated partials from r and sums them into s (initialized
 * here); design receives their design record (all must agree), or stays
 * empty; meta (initialized by the caller) their column metadata records,
 * one copy of each (a repeat must be the same bytes: dl_set_add).  Every
 * partial must have every statistic once, with agreeing shapes and finite
 * values, but for the sums of squares and products (xtx, xty, yty, ycss)
 * of cells beyond about 1e154, which overflow where the factors that
 * every partial then carries do not (the fit comes from those, and a
 * method that needs X^T X refuses it as for one pass; without factors,
 * DL_ENUM); records of rows (x, y, w), which the sums would leave out,
 * are DL_EDATA, and other records are ignored.  An error met at a record
 * names it ("FILE: record N ('name'): ...").  q (NULL: factors are ignored)
 * receives the partials' factors folded into one, its rows, weights and
 * y's sums set from s, when every partial has one; else it is left zero
 * (q->cols 0).  *weighted: some partial's rows came with weights (for
 * partials written before their model said so: the weights do not sum to
 * the rows).  The caller frees s, q, design and meta, also after an
 * error.  Partials with rows must all say they had weights, or all say
 * they had none (DL_EDATA). */
int partial_read(st_reader *r, ls_stats *s, ls_qr *q, dl_tensor *design, dl_tensor_set *meta,
                 int *weighted, dl_err *e);

#endif
