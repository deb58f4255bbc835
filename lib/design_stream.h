/* design_stream.h - a design applied to a stream (dl-design).
 *
 * Each 'x' record is replaced by its design matrix phi(x) (lib/basis.h),
 * every other record passes through, and a 'design' record (the fitted
 * basis and input stage) goes before the first designed x so dl-design
 * --apply, dl-lstsq and dl-predict reuse the identical design.  The input's
 * x.names and x.categories (colmeta.h) go into the design; the output gets
 * x.names of the design's own columns ("speed^2", "color=red").
 *
 * Two ways through the input:
 *  - streaming, chunk by chunk in bounded memory, when the design needs no
 *    data (bias, poly) or comes from a file (apply): it is fitted on the
 *    first x header, before any row is read; the records after an x chunk
 *    up to the next one (its y, its weights) go out before its design, so
 *    that a fit pairs the designed rows with their targets as they come;
 *  - several passes when fitting needs the rows (imputation statistics,
 *    ranges, moments, centers): the input is copied to an unlinked
 *    temporary file while the stage's statistics are gathered, read again
 *    for the median's passes and the moments of --standardize, then written
 *    out designed.  Memory stays bounded, except that a block that needs
 *    the rows (rbf, fourier, legendre) holds x through the stage in memory
 *    for its fit.
 * Output chunks stay under 256 KiB (one row at least) however wide the
 * design makes a row: the next tool's checks and checksums read them from
 * cache.
 * Designs do not stack: input that carries a 'design' record is refused. */
#ifndef DL_DESIGN_STREAM_H
#define DL_DESIGN_STREAM_H

#include <stdio.h>

#include "basis.h"
#include "stream.h"

/* Beyond WARN columns a warning; beyond LIMIT a refusal unless forced: the
 * column count grows as C(n+D, D) with --poly and K^n with an rbf grid. */
#define DESIGN_COLUMNS_WARN 1000
#define DESIGN_COLUMNS_LIMIT 10000

typedef struct design_opts {
    bf_opts basis;  /* the blocks to fit (not used with apply) */
    pp_opts prep;   /* the input stage: impute, one-hot (not used with apply) */
    const char *apply; /* take the first 'design' record of this stream file */
    int force;         /* allow more than DESIGN_COLUMNS_LIMIT columns */
    int quiet;         /* no description of the design on log */
    FILE *log;         /* the warning and the description, "tool: ..." */
    const char *tool;
} design_opts;

/* Filters r into w as above.  Errors name the file and record. */
int design_run(st_reader *r, st_writer *w, const design_opts *o, dl_err *e);

/* design_run with the signature of cli_run_filter's body (opt is a design_opts). */
int design_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e);

#endif
