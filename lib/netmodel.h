/* netmodel.h - networks in checkpoints: the `kind: network` model record,
 * the parameter tensors, and prediction for dl-predict.
 *
 * A network checkpoint is a stream (man/dl-train.1 lists every record):
 *   model          u8 text: "kind: network" then the effective spec (dl-spec.5)
 *   design         optional, copied from the training data (dl-design)
 *   layerN.weight  f32 [out x in], layerN.bias f32 [out], N = 1, 2, ...
 *   state.*        the training state dl-train --resume needs (not read here). */
#ifndef DL_NETMODEL_H
#define DL_NETMODEL_H

#include <stddef.h>

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
/* Copies tensors named prefix + "layerN.weight"/"layerN.bias" from ckpt into
 * the network's parameters, checking every dtype and shape ("checkpoint:
 * 'layer1.weight' is f32 [16, 3], the network needs [16, 2]"). */
int nm_params_from_set(nn_net *net, dl_tensor_set *ckpt, const char *prefix, dl_err *e);
/* Adds the network's parameters to ckpt as f32 tensors (prefix + name), from
 * `params` (a block laid out as net->params, e.g. a saved best copy). */
int nm_params_to_set(const nn_net *net, const float *params, dl_tensor_set *ckpt,
                     const char *prefix, dl_err *e);

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
/* Output activations for `rows` rows of x (f32, row-major, nm_input_dim
 * columns) into yhat (rows x nm_output_dim): values, or probabilities for
 * sigmoid and softmax outputs. */
int nm_predict(nm_model *m, const float *x, size_t rows, float *yhat, dl_err *e);
/* Turns predictions of a classifier network into class labels, in place:
 * bce: [N x 1] 1 where p >= threshold else 0; multilabel_bce: the same per
 * output; ce: [N x 1] the index of the largest probability (the first on
 * ties).  A regression network is DL_EUSAGE. */
int nm_labels(const nm_model *m, dl_tensor *yhat, double threshold, dl_err *e);

#endif
