/* optim.h - optimizers over flat float arrays, gradient clipping, l1 penalty
 * and learning-rate schedules, with PyTorch's exact update rules.
 *
 * One optimizer step, opt_step(), does in this order:
 *   1. l1 penalty: g += l1 * sign(w) on WEIGHT elements only (not biases;
 *      sign(0) = 0), as if l1 * sum |W| were part of the loss;
 *   2. clipping: if clip_norm > 0 and the global L2 norm of all gradients
 *      is over clip_norm - 1e-6, g *= clip_norm / (norm + 1e-6), that
 *      coefficient clamped to 1 (torch.nn.utils.clip_grad_norm_);
 *   3. the optimizer's update with lr given by the caller (from a schedule):
 *      sgd     (torch.optim.SGD, dampening 0): g += wd * w;
 *              buf = momentum * buf + g; g = nesterov ? g + momentum * buf : buf;
 *              w -= lr * g
 *      adam    (torch.optim.Adam, amsgrad off): g += wd * w (L2, coupled);
 *              m = b1 m + (1 - b1) g; v = b2 v + (1 - b2) g^2;
 *              w -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 *      adamw   (torch.optim.AdamW): w *= 1 - lr * wd (decoupled), then adam
 *              without the L2 term
 *      rmsprop (torch.optim.RMSprop, centered off): g += wd * w;
 *              v = alpha v + (1 - alpha) g^2; d = g / (sqrt(v) + eps);
 *              momentum > 0: buf = momentum buf + d, w -= lr buf; else w -= lr d
 * Weight decay applies to every parameter, biases included, as PyTorch does
 * when given all of a model's parameters; decay_bias = 0 exempts biases.
 * Steps 1 and 2 modify the gradient array in place.
 *
 * State (moments and the step count) is in flat float arrays parallel to the
 * parameters, so a checkpoint can save and restore it for an exact resume.
 * opt_step never allocates.  From 32768 parameters on, Adam's and AdamW's
 * pass is shared among BLAS's threads (dl_blas_run); each element's
 * arithmetic is the same in any part, so the bits do not depend on it.
 * The global norm is the square root of the squares' sum in double, taken
 * block by block (1024 elements from the first, 8 partial sums each, the
 * blocks' added in order), so that it too has the same bits whichever
 * thread takes a block: with adam (no weight decay) or adamw and no
 * clipping, in the update's own pass; else in a pass before step 2. */
#ifndef DL_OPTIM_H
#define DL_OPTIM_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum opt_kind { OPT_SGD = 0, OPT_ADAM, OPT_ADAMW, OPT_RMSPROP, OPT_KIND_COUNT };

typedef struct opt_opts {
    int kind;
    double lr;           /* base learning rate, > 0 */
    double momentum;     /* sgd, rmsprop: [0, 1) */
    int nesterov;        /* sgd: needs momentum > 0 */
    double beta1, beta2; /* adam, adamw: [0, 1) */
    double eps;          /* adam, adamw, rmsprop: > 0 */
    double alpha;        /* rmsprop smoothing: [0, 1) */
    double weight_decay; /* >= 0, meaning as above per optimizer */
    int decay_bias;      /* 1 (default, PyTorch): weight decay on biases too */
    double l1;           /* >= 0, on weights only */
    double clip_norm;    /* 0 = no clipping, else > 0 */
} opt_opts;

/* "sgd", "adam", "adamw", "rmsprop"; -1 when unknown. */
int opt_kind_parse(const char *name);
const char *opt_kind_name(int kind);
/* PyTorch's defaults for the kind: sgd lr 0.01 (PyTorch has none), momentum 0;
 * adam lr 1e-3, betas (0.9, 0.999), eps 1e-8, wd 0; adamw the same with
 * wd 0.01; rmsprop lr 0.01, alpha 0.99, eps 1e-8, momentum 0.  l1 0,
 * clip_norm 0, decay_bias 1. */
void opt_opts_defaults(opt_opts *c, int kind);
/* Range checks (DL_EDATA naming the key, e.g. "optimizer.lr: must be > 0"). */
int opt_config_check(const opt_opts *c, dl_err *e);

/* Which parameter elements are biases: sorted, non-overlapping ranges.  With
 * no ranges every element is a weight. */
typedef struct opt_range {
    size_t off, len;
} opt_range;

typedef struct opt_state {
    opt_opts cfg;
    size_t n;             /* parameter count */
    opt_range *bias;      /* owned copy of the bias ranges */
    size_t n_bias;
    uint64_t step;        /* completed steps (t of adam's bias correction) */
    float *m;             /* n: sgd/rmsprop momentum buffer, adam first moment; or NULL */
    float *v;             /* n: adam second moment, rmsprop square average; or NULL */
    double *norm_sums;    /* adam, adamw: 8 sums of squares a block of the gradient, which
                             the update's pass takes (opt_step, when it may); or NULL */
    int stream_params;    /* 1: adam writes the parameters around the cache, for other cores
                             that read them next (processes sharing them; BLAS threads on
                             cores without a shared cache): no write then waits for those
                             cores' copies to be invalidated.  The same bits either way */
} opt_state;

/* Checks the config and allocates zeroed state for n parameters. */
int opt_create(opt_state *o, const opt_opts *c, size_t n, const opt_range *bias,
               size_t n_bias, dl_err *e);
void opt_free(opt_state *o);

/* One step over params/grads (n each) with learning rate lr (see above).
 * Returns the global gradient norm before clipping (after the l1 term), for
 * logging; a NaN/Inf norm is the caller's signal to stop.  The gradients are
 * left as steps 1 and 2 made them, not cleared: the next backward pass
 * overwrites them (nn_backward; BLAS clears each thread's part of a product
 * in the thread that fills it, where a clearing pass here would write lines
 * that other threads hold, and wait for their copies to be invalidated). */
double opt_step(opt_state *o, float *params, float *grads, double lr);

/* The same step shared among processes that hold the same parameters and
 * state, each updating its own shard [from, to) with the norm of the whole
 * gradient (opt_step is the three over [0, n) in one process):
 *   opt_shard_begin: step 1 on the shard, and its gradient's squares added
 *     to acc, 8 partial sums: those of each block of 1024 elements from
 *     `from` (element i to lane (i - from) % 8), the blocks in order;
 *   opt_norm: the global norm from the shards' partial sums, acc[8 * parts],
 *     in the order given (the same order on every process, the same bits);
 *   opt_shard_end: steps 2 and 3 on the shard with that norm; counts the
 *     step (o->step). */
void opt_shard_begin(const opt_state *o, const float *params, float *grads, size_t from,
                     size_t to, double acc[8]);
double opt_norm(const double *acc, size_t parts);
void opt_shard_end(opt_state *o, float *params, float *grads, size_t from, size_t to, double lr,
                   double norm);

/* ----------------------- state for checkpoints -------------------------- */
/* The state tensors, index i < opt_state_tensor_count(o): "optim.m",
 * "optim.v" (float, n elements each, only those the kind uses).  The step
 * count is o->step (the caller stores it, e.g. as an i64 tensor
 * "optim.step").  To restore, create the optimizer with the same config and
 * size and copy the saved arrays into the views' data. */
typedef struct opt_state_view {
    const char *name;
    float *data;
    size_t count;
} opt_state_view;
size_t opt_state_tensor_count(const opt_state *o);
void opt_state_view_get(const opt_state *o, size_t i, opt_state_view *v);

/* --------------------------- lr schedules -------------------------------- */
enum opt_sched_kind { SCHED_CONSTANT = 0, SCHED_STEP, SCHED_COSINE, SCHED_KIND_COUNT };

typedef struct opt_schedule {
    int kind;
    uint64_t step_size; /* step: every step_size epochs ... (> 0) */
    double gamma;       /* ... lr *= gamma (> 0) */
    uint64_t t_max;     /* cosine: period in epochs (> 0) */
    double eta_min;     /* cosine: floor (>= 0) */
    uint64_t warmup;    /* linear warmup epochs (0 = none) */
} opt_schedule;

/* "constant", "step", "cosine"; -1 when unknown. */
int opt_sched_parse(const char *name);
const char *opt_sched_name(int kind);
/* constant, no warmup; step_size 1, gamma 0.1, t_max 1, eta_min 0 as placeholders. */
void opt_schedule_defaults(opt_schedule *s);
int opt_schedule_check(const opt_schedule *s, dl_err *e);
/* The lr for 0-based epoch (or step) t, closed forms as PyTorch's schedulers:
 *   constant  base
 *   step      base * gamma^floor(t / step_size)                 (StepLR)
 *   cosine    eta_min + (base - eta_min)(1 + cos(pi t / t_max)) / 2
 *             for every t: past t_max it rises back to base at 2 t_max, as
 *             CosineAnnealingLR does (its recursive form equals this one up
 *             to rounding, about 1e-15 relative)
 * then, for t < warmup, multiplied by (t + 1) / warmup (linear warmup from
 * base/warmup to the schedule's value). */
double opt_schedule_lr(const opt_schedule *s, double base_lr, uint64_t t);

#endif
