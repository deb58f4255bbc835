/* netmodel.h - networks in checkpoints: the `kind: network` model record,
 * the parameter tensors, and prediction for dl-predict.
 *
 * A network checkpoint is a stream (man/dl-train.1 lists every record):
 *   model          u8 text: "kind: network" then the effective spec (dl-spec.5)
 *   design         optional, copied from the training data (dl-design)
 *   training       u8 text: the training summary (nm_summary below)
 *   layerN.weight  f32 [out x in], layerN.bias f32 [out], N = 1, 2, ...
 *   state.*        the training state dl-train --resume needs (not read here,
 *                  but for the summary of checkpoints older than `training`). */
#ifndef DL_NETMODEL_H
#define DL_NETMODEL_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "nn.h"
#include "spec.h"
#include "tensor.h"

/* The first line of a network's model record. */
#define NM_KIND_LINE "kind: network\n"

/* Parses the checkpoint's `model` record into a spec.  The spec's input size
 * must be known (it is, in every checkpoint dl-train writes). */
int nm_spec_from_set(dl_spec *s, dl_tensor_set *ckpt, dl_err *e);
/* Builds the `model` record from a spec (moved into ckpt). */
int nm_spec_to_set(const dl_spec *s, dl_tensor_set *ckpt, dl_err *e);

/* Creates the network a spec describes (input size s->input) with room for
 * max_batch rows. */
int nm_net_create(nn_net *net, const dl_spec *s, size_t max_batch, dl_err *e);
/* The same network laid out only (nn_plan), for checks before nn_alloc. */
int nm_net_plan(nn_net *net, const dl_spec *s, size_t max_batch, dl_err *e);
/* Copies tensors named prefix + "layerN.weight"/"layerN.bias" from ckpt into
 * the parameters of the network a spec made, checking every dtype and shape
 * ("checkpoint: 'layer1.weight' is f32 [16, 3], the network needs [16, 2]")
 * and that ckpt has no layer the spec lacks. */
int nm_params_from_set(nn_net *net, dl_tensor_set *ckpt, const char *prefix, dl_err *e);
/* Adds the network's parameters to ckpt as f32 tensors (prefix + name), from
 * `params` (a block laid out as net->params, e.g. a saved best copy);
 * DL_ENUM, naming the tensor, when one holds NaN or Inf. */
int nm_params_to_set(const nn_net *net, const float *params, dl_tensor_set *ckpt,
                     const char *prefix, dl_err *e);
/* Copies `params` into the tensors nm_params_to_set added to ckpt with the
 * same net and prefix (still there, of their shapes): nothing is allocated. */
void nm_params_fill(const nn_net *net, const float *params, dl_tensor_set *ckpt,
                    const char *prefix);

/* ---------------------------- training summary ---------------------------- */
/* How a run ended. */
enum nm_stop { NM_STOP_UNKNOWN = 0, NM_STOP_COMPLETED, NM_STOP_EARLY, NM_STOP_NAN,
               NM_STOP_INTERRUPTED };

/* The `training` record: "key: value" lines epochs, best_epoch,
 * best_train_loss, best_val_loss, validation_rows, stopped, seed, threads,
 * processes, version.  Unknown values are NaN (losses), -1 (counts) or ""
 * (version). */
typedef struct nm_summary {
    int64_t epochs;          /* completed epochs */
    int64_t best_epoch;      /* the epoch whose weights the checkpoint holds */
    double best_train_loss;  /* that epoch's losses; val NaN without validation */
    double best_val_loss;    /* (or when the loss on them was not a number) */
    int64_t validation_rows; /* 0: no validation data */
    int stopped;             /* enum nm_stop */
    int64_t seed, threads, processes;
    char version[32];
} nm_summary;

/* "completed", "early_stopping", "nan_loss", "interrupted", "unknown". */
const char *nm_stop_name(int stopped);
/* Adds the `training` record to ckpt. */
int nm_summary_to_set(const nm_summary *s, dl_tensor_set *ckpt, dl_err *e);
/* The same in two steps, for a checkpoint made before training and filled
 * after it without allocating: nm_summary_reserve adds a `training` record
 * with room for any summary (NM_SUMMARY_MAX bytes), nm_summary_fill writes
 * the summary into it, the record's length then the text's. */
#define NM_SUMMARY_MAX 512
int nm_summary_reserve(dl_tensor_set *ckpt, dl_err *e);
void nm_summary_fill(const nm_summary *s, dl_tensor_set *ckpt);
/* Reads the `training` record of ckpt.  A checkpoint written before that
 * record existed gets what its state.counters, state.best_loss and spec
 * (parsed into spec) still tell: epochs, best epoch, its loss (training or
 * validation, as the spec held data out) and seed; the rest unknown. */
int nm_summary_from_set(nm_summary *s, const dl_spec *spec, dl_tensor_set *ckpt, dl_err *e);

/* ------------------------------ prediction ------------------------------ */
typedef struct nm_model nm_model;

/* Loads a network checkpoint (model record and parameters), refusing one
 * whose parameter tensors disagree with its model record before allocating
 * the network.  At most max_batch rows are predicted per pass, fewer for a
 * wide network (the workspace stays under 64 MiB), and the workspace grows
 * only as rows arrive: a checkpoint that declares a huge network costs what
 * its tensors hold, not max_batch rows of it. */
int nm_open(nm_model **m, dl_tensor_set *ckpt, size_t max_batch, dl_err *e);
void nm_free(nm_model *m);
size_t nm_input_dim(const nm_model *m);
size_t nm_output_dim(const nm_model *m);
/* The network's spec, from the model record. */
const dl_spec *nm_spec(const nm_model *m);
/* Output activations for `rows` rows of x (f32, row-major, nm_input_dim
 * columns) into yhat (rows x nm_output_dim): values, or probabilities for
 * sigmoid and softmax outputs. */
int nm_predict(nm_model *m, const float *x, size_t rows, float *yhat, dl_err *e);
/* The rows nm_predict passes forward at a time (at most max_batch of
 * nm_open): a call on more rows makes passes of this many from its first,
 * and the products' bits depend on the rows of a pass. */
size_t nm_rows_per_pass(const nm_model *m);
/* Turns predictions of a classifier network into class labels, in place:
 * bce: [N x 1] 1 where p >= threshold else 0; multilabel_bce: the same per
 * output; ce: [N x 1] the index of the largest probability (the first on
 * ties).  A regression network is DL_EUSAGE. */
int nm_labels(const nm_model *m, dl_tensor *yhat, double threshold, dl_err *e);
/* 1 when nm_labels thresholds the probabilities (bce, multilabel_bce), 0
 * when it takes the largest (ce) or the network has no classes. */
int nm_labels_thresholded(const nm_model *m);

#endif
