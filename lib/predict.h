/* predict.h - a checkpoint applied to a stream, chunk by chunk (dl-predict).
 *
 * Each 'x' record of the input is predicted as it arrives and replaced by
 * 'yhat' (and 'ystd' when the model has a posterior), so memory stays one
 * chunk whatever the input's length; x's column metadata (x.names,
 * x.categories) goes with it; every other record ('y', ...) passes
 * through unchanged, so the output goes straight to dl-eval, but for the
 * codes of y's string classes: mapped by name to the checkpoint's, with
 * its y.categories.  Input that already went through the checkpoint's own
 * design (it carries that 'design' record first) is accepted and not
 * designed twice. */
#ifndef DL_PREDICT_H
#define DL_PREDICT_H

#include "stream.h"

typedef struct predict_opts {
    const char *checkpoint; /* the model's file (dl-lstsq or dl-train output) */
    int no_std;             /* leave out 'ystd' even when the model has it */
    int labels;             /* classifier networks: labels, not probabilities */
    double threshold;       /* labels of bce outputs: 1 when yhat >= threshold */
    int threshold_given;    /* refused with a model whose labels take none */
} predict_opts;

/* Loads o->checkpoint and filters r into w as above, 'yhat.names' (after
 * the checkpoint's y.names; class scores y0=CLASS without them) and, for
 * --labels of string classes, 'yhat.categories' first.  Errors name the
 * file and record; an input without 'x', one that already has 'yhat',
 * 'ystd', 'yhat.names' or 'yhat.categories', and under --labels of one-hot
 * classes a y whose named columns are not the checkpoint's in its order,
 * are DL_EDATA. */
int predict_run(st_reader *r, st_writer *w, const predict_opts *o, dl_err *e);

/* predict_run with the signature of cli_run_filter's body (opt is a predict_opts). */
int predict_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e);

#endif
