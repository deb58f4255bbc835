/* nn.h - fully connected networks in float32: layers, activations, losses,
 * backpropagation, initialization and per-layer diagnostics.
 *
 * A network is an input size and a list of layers {units, activation, param};
 * layer l computes z_l = a_{l-1} W_l^T + b_l and a_l = h_l(z_l) for a batch of
 * rows (row-major, one sample per row; a_0 = x).
 *
 * Memory: all parameters live in ONE contiguous float block, in the order
 * W1 [out x in] (row-major, like PyTorch's Linear.weight), b1 [out], W2, b2, ...
 * and the gradients in a parallel block of the same layout, so optimizers run
 * over flat arrays.  Every buffer a forward or backward pass needs (pre-
 * activations, activations, deltas, for up to max_batch rows) is allocated
 * once by nn_create: nn_forward, nn_loss_eval and nn_backward never allocate.
 * Every matrix product goes through cblas_sgemm; the bias add is fused with
 * the activation in one pass over z.  Results depend only on the inputs (and
 * BLAS's thread count): same seed, same bits.
 *
 * A network is not thread-safe; two threads need two networks. */
#ifndef DL_NN_H
#define DL_NN_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rng.h"

/* ------------------------------ activations ------------------------------ */
enum nn_activ {
    NN_IDENTITY = 0,
    NN_RELU,
    NN_LEAKY_RELU, /* param = negative slope (PyTorch default 0.01) */
    NN_SILU,       /* x * sigmoid(x), also called swish */
    NN_GELU,       /* exact erf form 0.5 x (1 + erf(x / sqrt 2)), PyTorch's default */
    NN_SIGMOID,
    NN_TANH,
    NN_SIN,
    NN_SOFTMAX,    /* over each row; output layer only */
    NN_ACTIV_COUNT
};

/* "relu", "leaky_relu", "silu", "swish" (= silu), ...; -1 when unknown. */
int nn_activ_parse(const char *name);
const char *nn_activ_name(int activ); /* "?" when out of range */
/* The param a layer gets when the spec gives none (0.01 for leaky_relu). */
double nn_activ_default_param(int activ);

/* ------------------------------ the network ------------------------------ */
typedef struct nn_layer_spec {
    size_t units;  /* > 0 */
    int activ;     /* enum nn_activ */
    double param;  /* leaky_relu slope; ignored by the others */
} nn_layer_spec;

typedef struct nn_layer {
    size_t in, out;      /* W is out x in */
    int activ;
    float param;
    size_t w_off, b_off; /* offsets of W and b in params/grads */
    float *z;            /* pre-activations [max_batch x out] of the last forward */
    float *a;            /* activations [max_batch x out] of the last forward */
    float *dz;           /* dLoss/dz [max_batch x out] of the last backward; NULL
                            in a forward-only network */
} nn_layer;

typedef struct nn_net {
    size_t n_in, n_out, n_layers;
    nn_layer *layers;
    size_t n_params;
    float *params;       /* n_params: W1, b1, W2, b2, ... */
    float *grads;        /* n_params, same layout; written by nn_backward; NULL in a
                            forward-only network */
    size_t max_batch;
    size_t batch;        /* rows of the last forward pass */
    float *work;         /* one block holding every layer's z, a, dz */
    int forward_only;    /* made by nn_create_forward */
} nn_net;

/* Builds a network with zeroed parameters.  Errors (DL_EDATA, naming the
 * layer "layer N"): no layers, zero units, unknown activation, softmax on a
 * hidden layer, a negative or non-finite leaky slope.  DL_ENOMEM when the
 * sizes overflow or an allocation fails, naming the buffer and its bytes
 * (the parameters, the gradients, the workspace); the buffers are asked
 * for one at a time, none after one that failed.  On error *net is left
 * empty (nn_free is safe on it). */
int nn_create(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
              size_t max_batch, dl_err *e);
/* nn_create in two steps, so that what the network must fit (a loss, the
 * targets' columns and classes) is checked before its memory is taken:
 * nn_plan makes every check of nn_create, sizes included, and lays the
 * network out (n_in, n_out, the layers' sizes, activations and parameter
 * offsets, n_params) with no parameters, gradients or workspace; nn_alloc
 * then allocates those, as nn_create does.  On error either leaves *net
 * empty. */
int nn_plan(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
            size_t max_batch, dl_err *e);
int nn_alloc(nn_net *net, dl_err *e);
/* nn_create for prediction alone: no gradients and no deltas (a third less
 * workspace), so only nn_forward and nn_output apply, never a loss with its
 * gradient or nn_backward. */
int nn_create_forward(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
                      size_t max_batch, dl_err *e);
void nn_free(nn_net *net);
/* Replaces the workspace by one for batches of up to max_batch rows (the
 * parameters stay; the last forward pass is forgotten).  On error the
 * network is unchanged. */
int nn_set_max_batch(nn_net *net, size_t max_batch, dl_err *e);

/* Forward pass over x [batch x n_in], 1 <= batch <= max_batch (else DL_EUSAGE).
 * Stores every layer's z and a; the output is nn_output(net). */
int nn_forward(nn_net *net, const float *x, size_t batch, dl_err *e);
/* Output activations [batch x n_out] of the last forward pass (probabilities
 * for sigmoid/softmax outputs). */
const float *nn_output(const nn_net *net);

/* Backward pass after nn_forward and nn_loss_eval(.., want_grad = 1, ..):
 * propagates the output layer's dz (set by the loss) down the network and
 * OVERWRITES net->grads with dLoss/dW and dLoss/db for every layer (no
 * accumulation).  x must be the rows given to the forward pass. */
void nn_backward(nn_net *net, const float *x);
/* The same, but ADDS the gradients to net->grads (BLAS beta = 1); onto
 * zeros, the same bits as nn_backward.  A process whose gradient buffer
 * other processes read clears it around the cache first (train.c). */
void nn_backward_add(nn_net *net, const float *x);
/* One layer of nn_backward: sets layer l's dW and db, then the dz of layer
 * l - 1.  Calling it for l = n_layers - 1 down to 0 is nn_backward; a
 * caller that acts on each layer's gradient as soon as it is ready (a
 * data-parallel run sums it over the processes while the layers below are
 * computed) calls it layer by layer. */
void nn_backward_layer(nn_net *net, const float *x, size_t l);

/* ---------------------------- initialization ----------------------------- */
enum nn_init {
    NN_INIT_AUTO = 0,       /* per layer, from its own activation: relu, leaky_relu,
                               silu, gelu -> kaiming_normal; the rest -> xavier_uniform */
    NN_INIT_KAIMING_NORMAL,  /* N(0, std), std = gain / sqrt(fan_in) */
    NN_INIT_KAIMING_UNIFORM, /* U(-b, b), b = gain * sqrt(3 / fan_in) */
    NN_INIT_XAVIER_UNIFORM,  /* U(-b, b), b = sqrt(6 / (fan_in + fan_out)) (gain 1) */
    NN_INIT_XAVIER_NORMAL,   /* N(0, std), std = sqrt(2 / (fan_in + fan_out)) (gain 1) */
    NN_INIT_NORMAL,          /* N(0, scale) */
    NN_INIT_UNIFORM,         /* U(-scale, scale) */
    NN_INIT_COUNT
};
/* Kaiming gain as PyTorch's calculate_gain: relu, silu, gelu sqrt(2);
 * leaky_relu sqrt(2 / (1 + slope^2)); tanh 5/3; others 1. */
double nn_kaiming_gain(int activ, double param);

/* "kaiming" (= kaiming_normal), "kaiming_normal", "kaiming_uniform", "he"
 * (= kaiming), "xavier" (= xavier_uniform), "xavier_uniform", "xavier_normal",
 * "glorot" (= xavier), "normal", "uniform", "auto"; -1 when unknown. */
int nn_init_parse(const char *name);
const char *nn_init_name(int init);

/* Draws every weight from `init` (scale used by normal/uniform only, > 0) and
 * sets every bias to zero.  Weights are drawn layer by layer, row-major, from
 * rng, so the same seed gives the same network.  DL_EUSAGE on a bad
 * init/scale. */
int nn_init_params(nn_net *net, int init, double scale, dl_rng *rng, dl_err *e);

/* -------------------------- parameters by name --------------------------- */
/* A network has 2 * n_layers parameter tensors, index i: layer i/2 + 1,
 * weight when i is even ("layer1.weight", rank 2 [out, in]), bias when odd
 * ("layer1.bias", rank 1 [out]).  data points into net->params; grad into
 * net->grads at the same offset. */
typedef struct nn_param_view {
    char name[32];
    int rank;
    uint64_t shape[2];
    size_t count;      /* elements */
    size_t offset;     /* into params / grads */
    int is_bias;
    float *data, *grad; /* grad NULL in a forward-only network */
} nn_param_view;
size_t nn_param_tensor_count(const nn_net *net);
void nn_param_view_get(const nn_net *net, size_t i, nn_param_view *v);

/* --------------------------------- losses -------------------------------- */
enum nn_loss_kind {
    NN_LOSS_MSE = 0,  /* mean (a - y)^2 over all elements */
    NN_LOSS_MAE,      /* mean |a - y| (L1Loss) */
    NN_LOSS_LQ,       /* mean |a - y|^q, q > 0 (q = 2 is mse, q = 1 mae) */
    NN_LOSS_HUBER,    /* mean of 0.5 e^2 if |e| < delta else delta (|e| - 0.5 delta) */
    NN_LOSS_BCE,      /* binary cross-entropy, 1 output, sigmoid output required;
                         computed on the logits z (BCEWithLogitsLoss) */
    NN_LOSS_CE,       /* softmax cross-entropy, softmax output required, computed
                         on the logits; mean over rows.  y: one-hot rows [n x K]
                         (or any probability rows, summing to 1) or integer
                         labels [n x 1] */
    NN_LOSS_MLBCE,    /* multi-label bce: per output, sigmoid output required,
                         mean over all elements */
    NN_LOSS_COUNT
};

typedef struct nn_loss {
    int kind;
    double q;     /* lq exponent (> 0) */
    double delta; /* huber threshold (> 0; PyTorch default 1) */
} nn_loss;

/* "mse", "mae" ("l1"), "lq", "huber", "bce", "ce" ("cross_entropy"),
 * "multilabel_bce" ("mlbce"); -1 when unknown. */
int nn_loss_parse(const char *name);
const char *nn_loss_name(int kind);
/* kind with defaults q = 2, delta = 1. */
void nn_loss_init(nn_loss *l, int kind);

/* Checks that the loss fits the network and targets with y_cols columns
 * (DL_EDATA with a message saying what to change): bce needs a 1-unit
 * sigmoid output and y_cols 1; mlbce a sigmoid output and y_cols n_out; ce a
 * softmax output with >= 2 units and y_cols n_out (one-hot) or 1 (labels);
 * the others y_cols n_out; q and delta > 0 and finite. */
int nn_loss_check(const nn_loss *l, const nn_net *net, size_t y_cols, dl_err *e);
/* Checks target values, row by row (rows counted from first_row, 1-based in
 * messages, "row N: ..."): finite; bce/mlbce in [0, 1]; ce labels integral in
 * [0, K), one-hot rows in [0, 1] and summing to 1 within 0.001 (rows of
 * class probabilities; not multi-hot, not all 0).  DL_EDATA. */
int nn_loss_check_targets(const nn_loss *l, const nn_net *net, const float *y, size_t rows,
                          size_t y_cols, uint64_t first_row, dl_err *e);

/* The loss of the last forward pass against y [batch x y_cols] (reduction
 * 'mean' as in PyTorch), in *loss (double, summed in double).  want_grad:
 * also sets the output layer's dz = dLoss/dz for nn_backward (fused for
 * bce/ce/mlbce: (p - y) / count).  DL_EDATA for a label out of range or a
 * loss that does not fit (nn_loss_check); DL_EUSAGE before any forward pass. */
int nn_loss_eval(const nn_loss *l, nn_net *net, const float *y, size_t y_cols, int want_grad,
                 double *loss, dl_err *e);
/* The same with row weights w [batch] (NULL: all 1): *loss = sum_i w_i
 * l_i / norm, l_i row i's loss (the mean over its elements for the
 * elementwise losses), and dz its gradient.  norm = sum_i w_i is PyTorch's
 * weighted mean (CrossEntropyLoss with class weights: sum w_i l_i / sum
 * w_i); w NULL and norm = batch is nn_loss_eval, bit for bit; norm = 1
 * gives the weighted sum (a share of a batch whose norm is summed later). */
int nn_loss_eval_weighted(const nn_loss *l, nn_net *net, const float *y, size_t y_cols,
                          const float *w, double norm, int want_grad, double *loss, dl_err *e);

/* ------------------------------ diagnostics ------------------------------ */
typedef struct nn_layer_stats {
    double z_mean, z_std;   /* over the batch x units pre-activations */
    double a_mean, a_std;   /* over the activations */
    double gw_norm, gb_norm; /* Frobenius norms of dW and db from the last backward */
} nn_layer_stats;
/* Statistics of layer l (0-based) from the last forward/backward pass
 * (population std; those of z and a NaN when net->batch is 0, a pass of
 * no rows).  Not for the hot loop: one pass over the layer. */
void nn_layer_diagnostics(const nn_net *net, size_t l, nn_layer_stats *s);

#endif
