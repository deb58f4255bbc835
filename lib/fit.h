/* fit.h - a linear model fitted to a stream (dl-lstsq).
 *
 * The input holds 'x' (the design matrix, see dl-design), 'y' and, when the
 * rows have sample weights, 'w' as chunks, possibly interleaved (a chunk of
 * 'w' no later than the next chunk of x or y after its rows); rows are paired as both become available and folded
 * at once into the sufficient statistics (normal equations, ridge, lasso,
 * elastic net) or the triangular factor of [X | Y] (svd, qr), so memory
 * stays O((p + k)^2) whatever the number of rows (lib/lstsq.h).  The output
 * is a linear checkpoint (lib/model.h) that carries the input's 'design'
 * record, or the statistics alone (a partial, lib/partial.h); concatenated
 * partials are fitted as one pass over all their rows would be.
 *
 * Lines about the fit (rows, rank, condition number, training MSE and R^2,
 * sparsity, noise variance, singular values) go to o->log, each starting
 * "tool: ". */
#ifndef DL_FIT_H
#define DL_FIT_H

#include <stdio.h>

#include "lstsq.h"
#include "stream.h"

typedef struct fit_opts {
    ls_opts ls;    /* the solver; ls.method LS_NORMAL for partial, ridge, lasso
                         and elastic net */
    int partial;      /* write the statistics, not a model */
    int combine;      /* the input is concatenated partials */
    int method_given; /* ls.method was asked for: partials without a factor
                         refuse any but LS_NORMAL, rather than fall back to it */
    int penalize_bias; /* the penalties also shrink the design's bias column */
    int verbose;      /* the report lists the singular values (ls.want_sv) */
    int quiet;        /* no report */
    int progress;     /* count the rows read on log (a terminal) */
    FILE *log;        /* where the report goes */
    const char *tool; /* the report's prefix */
} fit_opts;

/* Reads r, fits, writes the checkpoint (or partial) to w and reports.
 * Errors name the file and record. */
int fit_run(st_reader *r, st_writer *w, const fit_opts *o, dl_err *e);

/* fit_run with the signature of cli_run_filter's body (opt is a fit_opts). */
int fit_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e);

#endif
