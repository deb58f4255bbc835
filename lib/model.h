/* model.h - checkpoints turned into predictors.  The one place that knows
 * the checkpoint kinds.
 *
 * A checkpoint is a stream (see lib/stream.h) with:
 *   model   u8 text, "key: value" lines, the first `kind: linear` or
 *           `kind: network`;
 *   design  optional (lib/basis.h): the basis applied to raw x first;
 *   the parameters of the kind, owned by its module:
 *     linear   lib/linmodel.h (w, and w_cov and sigma2 with a posterior, so
 *              predictions carry a standard deviation);
 *     network  lib/netmodel.h.
 *
 * Use: mdl_load (or mdl_open on a set read elsewhere), then mdl_predict on
 * all of raw x, or mdl_passes on its chunks as they stream by, mdl_free. */
#ifndef DL_MODEL_H
#define DL_MODEL_H

#include <stddef.h>

#include "err.h"
#include "prep.h"
#include "tensor.h"

enum mdl_kind { MDL_LINEAR = 1, MDL_NETWORK = 2 };

typedef struct mdl_model mdl_model;

/* Builds a predictor from a checkpoint set, taking (moving out of ckpt) the
 * tensors it needs; the caller still frees ckpt. */
int mdl_open(mdl_model **m, dl_tensor_set *ckpt, dl_err *e);
/* Reads the checkpoint file (NULL or "-": standard input) and opens it;
 * errors name the file.  A network's training state (state.*) is passed
 * over unread. */
int mdl_load(mdl_model **m, const char *path, dl_err *e);
void mdl_free(mdl_model *m);

int mdl_kind(const mdl_model *m);
/* Raw input columns (before the design) and outputs. */
size_t mdl_input_dim(const mdl_model *m);
size_t mdl_output_dim(const mdl_model *m);
/* 1 when predictions come with a standard deviation (a linear posterior). */
int mdl_has_std(const mdl_model *m);

/* The raw input's columns (its x.names, x.categories), before its first x:
 * the checkpoint's design maps the input's category codes to its training
 * levels and checks names and kinds (pp_bind).  Without it, codes are taken
 * as the training codes, and names, when both the input and the checkpoint
 * have them, must be the checkpoint's x.names in their order. */
int mdl_bind_input(mdl_model *m, const pp_columns *c, dl_err *e);

/* Input that already went through a design (it carries a `design` record):
 * accepted when it is the checkpoint's own design, which is then not applied
 * again; any other design is an error. */
int mdl_accept_design(mdl_model *m, const dl_tensor *design_rec, dl_err *e);
/* 1 once mdl_accept_design has accepted a design. */
int mdl_design_upstream(const mdl_model *m);

/* Predicts all of x: x_raw (N x D or N, any float or integer dtype) ->
 * yhat [N x K] (allocated here, named "yhat") and, when ystd is non-NULL and
 * mdl_has_std, ystd [N x K] ("ystd").  Messages count x_raw's rows from
 * row `first` (0-based) of x.  The rows are predicted in passes of
 * mdl_rows_per_pass rows from the first, as mdl_passes predicts them. */
int mdl_predict(mdl_model *m, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                dl_tensor *ystd, dl_err *e);
/* The rows predicted together, in one pass.  A row's last bits depend on
 * its place in its pass and on the pass's rows (BLAS sums its products in
 * another order elsewhere in a product); every pass but the last holds
 * this many rows. */
uint64_t mdl_rows_per_pass(const mdl_model *m);

/* x predicted chunk by chunk, in the passes of mdl_predict: rows
 * i*B .. i*B+B-1 of x (B = mdl_rows_per_pass) together, however x is cut
 * into chunks, so that every row gets the bits it gets from mdl_predict on
 * all of x.  A pass that a chunk begins and does not complete is held (its
 * rows checked and designed: at most B - 1 rows of the core's input) until
 * the next chunk completes it, or mdl_passes_finish. */
typedef struct mdl_passes mdl_passes;
int mdl_passes_new(mdl_passes **p, mdl_model *m, dl_err *e);
/* The next chunk of x, row `first` of x on (0-based, for messages; chunks
 * in order): checked and designed, the passes it completes predicted into
 * yhat and ystd (as mdl_predict's, allocated here) from the first row not
 * predicted before: no rows when it completes none. */
int mdl_passes_add(mdl_passes *p, const dl_tensor *x_raw, uint64_t first, dl_tensor *yhat,
                   dl_tensor *ystd, dl_err *e);
/* The rows held, at the end of x: predicted as its last pass. */
int mdl_passes_finish(mdl_passes *p, dl_tensor *yhat, dl_tensor *ystd, dl_err *e);
void mdl_passes_free(mdl_passes *p);

/* The checkpoint's metadata of the training targets (colmeta.h): its
 * "y.names" or "y.categories" record, or NULL when it has none. */
const dl_tensor *mdl_target_names(const mdl_model *m);
const dl_tensor *mdl_target_categories(const mdl_model *m);

/* Class labels from a classifier network's yhat, in place (see nm_labels in
 * lib/netmodel.h): threshold for bce outputs, argmax for ce.  Other models
 * are DL_EUSAGE. */
int mdl_labels(const mdl_model *m, dl_tensor *yhat, double threshold, dl_err *e);
/* 1 when mdl_labels uses its threshold (a network's bce outputs). */
int mdl_labels_thresholded(const mdl_model *m);

/* The parts of an opened checkpoint, for describing it (lib/show): the
 * linear or network core (NULL for the other kind) and the design (NULL
 * without one). */
struct lm_model;
struct nm_model;
struct bf_design;
const struct lm_model *mdl_linear(const mdl_model *m);
const struct nm_model *mdl_network(const mdl_model *m);
const struct bf_design *mdl_design(const mdl_model *m);

#endif
