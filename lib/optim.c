/* optim.c - sgd, adam, adamw, rmsprop over flat arrays; l1, clipping,
 * schedules.  See optim.h for the exact update rules (PyTorch's). */
#include "optim.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "buf.h"
#include "nn_simd.h"

static const char *const kind_names[OPT_KIND_COUNT] = {"sgd", "adam", "adamw", "rmsprop"};
static const char *const sched_names[SCHED_KIND_COUNT] = {"constant", "step", "cosine"};

static int parse_name(const char *name, const char *const *names, int count)
{
    for (int i = 0; i < count; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int opt_kind_parse(const char *name) { return parse_name(name, kind_names, OPT_KIND_COUNT); }
int opt_sched_parse(const char *name) { return parse_name(name, sched_names, SCHED_KIND_COUNT); }

const char *opt_kind_name(int kind)
{
    return kind >= 0 && kind < OPT_KIND_COUNT ? kind_names[kind] : "?";
}

const char *opt_sched_name(int kind)
{
    return kind >= 0 && kind < SCHED_KIND_COUNT ? sched_names[kind] : "?";
}

void opt_opts_defaults(opt_opts *c, int kind)
{
    memset(c, 0, sizeof *c);
    c->kind = kind;
    c->lr = kind == OPT_ADAM || kind == OPT_ADAMW ? 1e-3 : 1e-2;
    c->beta1 = 0.9;
    c->beta2 = 0.999;
    c->eps = 1e-8;
    c->alpha = 0.99;
    c->weight_decay = kind == OPT_ADAMW ? 1e-2 : 0.0;
    c->decay_bias = 1;
}

static int in_unit(double x) { return x >= 0.0 && x < 1.0; }

int opt_config_check(const opt_opts *c, dl_err *e)
{
    if (c->kind < 0 || c->kind >= OPT_KIND_COUNT)
        return dl_fail(e, DL_EDATA, "optimizer.name: unknown optimizer %d", c->kind);
    if (!(isfinite(c->lr) && c->lr > 0))
        return dl_fail(e, DL_EDATA, "optimizer.lr: must be finite and > 0");
    if (!in_unit(c->momentum))
        return dl_fail(e, DL_EDATA, "optimizer.momentum: must be in [0, 1)");
    if (c->nesterov && !(c->kind == OPT_SGD && c->momentum > 0))
        return dl_fail(e, DL_EDATA, "optimizer.nesterov: needs sgd with momentum > 0");
    if (!in_unit(c->beta1) || !in_unit(c->beta2))
        return dl_fail(e, DL_EDATA, "optimizer.betas: must be in [0, 1)");
    if (!in_unit(c->alpha))
        return dl_fail(e, DL_EDATA, "optimizer.alpha: must be in [0, 1)");
    if (!(isfinite(c->eps) && c->eps > 0))
        return dl_fail(e, DL_EDATA, "optimizer.eps: must be finite and > 0");
    if (!(isfinite(c->weight_decay) && c->weight_decay >= 0))
        return dl_fail(e, DL_EDATA, "optimizer.weight_decay: must be finite and >= 0");
    if (!(isfinite(c->l1) && c->l1 >= 0))
        return dl_fail(e, DL_EDATA, "optimizer.l1: must be finite and >= 0");
    if (!(isfinite(c->clip_norm) && c->clip_norm >= 0))
        return dl_fail(e, DL_EDATA, "optimizer.clip_norm: must be finite and >= 0 (0 = off)");
    return 0;
}

static int uses_m(const opt_opts *c)
{
    return c->kind == OPT_ADAM || c->kind == OPT_ADAMW || c->momentum > 0;
}

static int uses_v(const opt_opts *c) { return c->kind != OPT_SGD; }

static int check_ranges(const opt_range *r, size_t nr, size_t n, dl_err *e)
{
    size_t end = 0;
    for (size_t i = 0; i < nr; i++) {
        if (r[i].off < end || r[i].len > n || r[i].off > n - r[i].len)
            return dl_fail(e, DL_EUSAGE, "bias range %zu is out of order or out of bounds", i);
        end = r[i].off + r[i].len;
    }
    return 0;
}

/* The norm's sum of squares is taken by blocks of NORM_BLOCK elements from
 * the first: each block's 8 partial sums from zero (add_squares), then the
 * blocks' sums added in order.  A pass shared among threads that each take
 * whole blocks (adam's, which takes the sums in its own pass) so gives the
 * bits of one thread, and of the pass before the update (block_squares). */
#define NORM_BLOCK ((size_t)1024)

static size_t norm_blocks(size_t n) { return (n + NORM_BLOCK - 1) / NORM_BLOCK; }

/* The moments are read before they are written: dl_mem_zeroed. */
static float *zeroed_floats(size_t n) { return dl_mem_zeroed(n, sizeof(float)); }

int opt_create(opt_state *o, const opt_opts *c, size_t n, const opt_range *bias,
               size_t n_bias, dl_err *e)
{
    memset(o, 0, sizeof *o);
    if (opt_config_check(c, e) || check_ranges(bias, n_bias, n, e))
        return e->code;
    o->cfg = *c;
    o->n = n;
    o->n_bias = n_bias;
    o->bias = calloc(n_bias ? n_bias : 1, sizeof *o->bias);
    o->m = uses_m(c) ? zeroed_floats(n) : NULL;
    o->v = uses_v(c) ? zeroed_floats(n) : NULL;
    int sums = c->kind == OPT_ADAM || c->kind == OPT_ADAMW;
    o->norm_sums = sums ? dl_mem_zeroed(8 * norm_blocks(n), sizeof *o->norm_sums) : NULL;
    if (!o->bias || (uses_m(c) && !o->m) || (uses_v(c) && !o->v) || (sums && !o->norm_sums)) {
        opt_free(o);
        return dl_fail(e, DL_ENOMEM, "out of memory for the optimizer state (%zu parameters)", n);
    }
    if (n_bias)
        memcpy(o->bias, bias, n_bias * sizeof *bias);
    return 0;
}

void opt_free(opt_state *o)
{
    free(o->bias);
    free(o->m);
    free(o->v);
    free(o->norm_sums);
    memset(o, 0, sizeof *o);
}

/* Runs BODY with off, len set to each maximal run [off, off + len) of
 * weights (not biases) within [from, to). */
#define FOR_EACH_WEIGHT_RUN(o, from, to, BODY)                                        \
    do {                                                                              \
        size_t run_start_ = 0;                                                        \
        for (size_t k_ = 0; k_ <= (o)->n_bias; k_++) {                                \
            size_t run_end_ = k_ < (o)->n_bias ? (o)->bias[k_].off : (o)->n;          \
            size_t off = run_start_ > (from) ? run_start_ : (from);                   \
            size_t end_ = run_end_ < (to) ? run_end_ : (to);                          \
            if (off < end_) {                                                         \
                size_t len = end_ - off;                                              \
                BODY;                                                                 \
            }                                                                         \
            if (k_ < (o)->n_bias)                                                     \
                run_start_ = (o)->bias[k_].off + (o)->bias[k_].len;                   \
        }                                                                             \
    } while (0)

static void add_l1(const opt_state *o, const float *w, float *g, size_t from, size_t to)
{
    float l1 = (float)o->cfg.l1;
    FOR_EACH_WEIGHT_RUN(o, from, to, {
        for (size_t i = off; i < off + len; i++)
            g[i] += l1 * (float)((w[i] > 0.0f) - (w[i] < 0.0f));
    });
}

/* Adds the squares of g[0..n) to 8 interleaved partial sums in double,
 * g[i] to acc[i % 8]: independent adds (one chain of n dependent adds was
 * most of a step's overhead), in a fixed order, so the result does not
 * depend on the machine. */
static void add_squares(const float *g, size_t n, double acc[8])
{
    size_t i = simd_sum_squares(g, n, acc);
    for (; i + 8 <= n; i += 8)
        for (size_t j = 0; j < 8; j++)
            acc[j] += (double)g[i + j] * g[i + j];
    for (size_t j = 0; i < n; i++, j++)
        acc[j] += (double)g[i] * g[i];
}

/* acc += the blocks' sums, sums[8 * b + j], in the order of the blocks. */
static void add_block_sums(const double *sums, size_t blocks, double acc[8])
{
    for (size_t b = 0; b < blocks; b++)
        for (size_t j = 0; j < 8; j++)
            acc[j] += sums[8 * b + j];
}

/* acc += the sums of squares of g[0, n), block by block (NORM_BLOCK). */
static void block_squares(const float *g, size_t n, double acc[8])
{
    for (size_t at = 0; at < n; at += NORM_BLOCK) {
        double sums[8] = {0};
        add_squares(g + at, n - at < NORM_BLOCK ? n - at : NORM_BLOCK, sums);
        add_block_sums(sums, 1, acc);
    }
}

double opt_norm(const double *acc, size_t parts)
{
    double sum[8] = {0};
    for (size_t p = 0; p < parts; p++)
        for (size_t j = 0; j < 8; j++)
            sum[j] += acc[8 * p + j];
    return sqrt(((sum[0] + sum[1]) + (sum[2] + sum[3])) + ((sum[4] + sum[5]) + (sum[6] + sum[7])));
}

static void clip(const opt_opts *c, float *g, size_t from, size_t to, double norm)
{
    /* torch scales whenever the coefficient is below 1, a norm within 1e-6
     * under the limit included */
    double coef = c->clip_norm / (norm + 1e-6);
    if (c->clip_norm > 0 && coef < 1) {
        float f = (float)coef;
        for (size_t i = from; i < to; i++)
            g[i] *= f;
    }
}

static void decay_range(const opt_state *o, float *w, float *g, size_t off, size_t len, double lr)
{
    if (o->cfg.kind == OPT_ADAMW) {
        float shrink = (float)(1.0 - lr * o->cfg.weight_decay);
        for (size_t i = off; i < off + len; i++)
            w[i] *= shrink;
    } else {
        float wd = (float)o->cfg.weight_decay;
        for (size_t i = off; i < off + len; i++)
            g[i] += wd * w[i];
    }
}

/* Coupled (L2) weight decay g += wd * w, or adamw's decoupled w *= 1 - lr wd;
 * on biases too unless decay_bias = 0. */
static void weight_decay(const opt_state *o, float *w, float *g, size_t from, size_t to, double lr)
{
    if (o->cfg.weight_decay == 0.0)
        return;
    if (o->cfg.decay_bias)
        decay_range(o, w, g, from, to - from, lr);
    else
        FOR_EACH_WEIGHT_RUN(o, from, to, decay_range(o, w, g, off, len, lr));
}

static void sgd(opt_state *o, float *w, const float *g, size_t from, size_t to, float lr)
{
    float mu = (float)o->cfg.momentum;
    if (!o->m) {
        for (size_t i = from; i < to; i++)
            w[i] -= lr * g[i];
        return;
    }
    int nesterov = o->cfg.nesterov;
    for (size_t i = from; i < to; i++) {
        float buf = o->step == 0 ? g[i] : mu * o->m[i] + g[i];
        o->m[i] = buf;
        w[i] -= lr * (nesterov ? g[i] + mu * buf : buf);
    }
}

/* A stretch of Adam's update: one part of the parameters, whole blocks of
 * the norm's (NORM_BLOCK) but maybe the last.  sums: the 8 sums of squares
 * of the part's first block, when the pass takes them; else NULL. */
typedef struct adam_part {
    float *w, *m, *v;
    const float *g;
    size_t n;
    const float *k;
    double *sums;
    int stream;
} adam_part;

/* One block of a part, from `at`; its sums of squares from zero into acc
 * (when not NULL), element i to lane i % 8, as add_squares. */
static void adam_block(const adam_part *p, size_t at, size_t n, double *acc)
{
    float *w = p->w + at, *m = p->m + at, *v = p->v + at;
    const float *g = p->g + at, *k = p->k;
    if (acc)
        memset(acc, 0, 8 * sizeof *acc);
    for (size_t i = simd_adam(w, m, v, g, n, k, p->stream, acc); i < n; i++) {
        if (acc)
            acc[i % 8] += (double)g[i] * g[i];
        m[i] = k[0] * m[i] + k[2] * g[i];
        v[i] = k[1] * v[i] + k[3] * g[i] * g[i];
        w[i] -= k[4] * m[i] / (sqrtf(v[i]) / k[5] + k[6]);
    }
}

static void adam_run(void *arg)
{
    const adam_part *p = arg;
    for (size_t at = 0; at < p->n; at += NORM_BLOCK)
        adam_block(p, at, p->n - at < NORM_BLOCK ? p->n - at : NORM_BLOCK,
                   p->sums ? p->sums + 8 * (at / NORM_BLOCK) : NULL);
}

/* Parameters from which the update is split among BLAS's threads, in parts
 * of whole blocks of NORM_BLOCK (a multiple of 16 floats: whole cache lines
 * of every array, so that no two threads write one line).  Each element's
 * update is the same arithmetic in any part, and each block's sums of
 * squares the same adds: the bits do not depend on the thread count. */
#define ADAM_SPLIT_MIN ((size_t)1 << 15)

/* acc: when not NULL, the gradient's sums of squares are added to it
 * (block_squares' bits), taken in this pass. */
static void adam(opt_state *o, float *w, const float *g, size_t from, size_t to, double lr,
                 double *acc)
{
    /* 1 - beta in double, then rounded: (1.0f - (float)0.999) is 1.3e-5 off. */
    double t = (double)(o->step + 1);
    const float k[7] = {
        (float)o->cfg.beta1, (float)o->cfg.beta2, (float)(1.0 - o->cfg.beta1),
        (float)(1.0 - o->cfg.beta2), (float)(lr / (1.0 - pow(o->cfg.beta1, t))),
        (float)sqrt(1.0 - pow(o->cfg.beta2, t)), (float)o->cfg.eps,
    };
    size_t n = to - from, blocks = norm_blocks(n);
    int parts = dl_blas_parts(n, ADAM_SPLIT_MIN);
    adam_part part[DL_BLAS_PARTS_MAX];
    for (int i = 0; i < parts; i++) {
        size_t a = blocks * (size_t)i / (size_t)parts * NORM_BLOCK;
        size_t b = i == parts - 1 ? n : blocks * (size_t)(i + 1) / (size_t)parts * NORM_BLOCK;
        part[i] = (adam_part){w + from + a, o->m + from + a, o->v + from + a, g + from + a,
                              b - a, k, acc ? o->norm_sums + 8 * (a / NORM_BLOCK) : NULL,
                              o->stream_params};
    }
    dl_blas_run(adam_run, part, parts, sizeof *part);
    if (acc)
        add_block_sums(o->norm_sums, blocks, acc);
}

static void rmsprop(opt_state *o, float *w, const float *g, size_t from, size_t to, float lr)
{
    float alpha = (float)o->cfg.alpha, eps = (float)o->cfg.eps, mu = (float)o->cfg.momentum;
    float c = (float)(1.0 - o->cfg.alpha);
    float *v = o->v;
    for (size_t i = from; i < to; i++) {
        v[i] = alpha * v[i] + c * g[i] * g[i];
        float d = g[i] / (sqrtf(v[i]) + eps);
        if (o->m) {
            o->m[i] = mu * o->m[i] + d;
            d = o->m[i];
        }
        w[i] -= lr * d;
    }
}

void opt_shard_begin(const opt_state *o, const float *params, float *grads, size_t from,
                     size_t to, double acc[8])
{
    if (o->cfg.l1 > 0)
        add_l1(o, params, grads, from, to);
    block_squares(grads + from, to - from, acc);
}

/* Step 3 on [from, to), counted; acc as adam's. */
static void update(opt_state *o, float *params, float *grads, size_t from, size_t to, double lr,
                   double *acc)
{
    weight_decay(o, params, grads, from, to, lr);
    switch (o->cfg.kind) {
    case OPT_SGD: sgd(o, params, grads, from, to, (float)lr); break;
    case OPT_RMSPROP: rmsprop(o, params, grads, from, to, (float)lr); break;
    default: adam(o, params, grads, from, to, lr, acc); break;
    }
    o->step++;
}

void opt_shard_end(opt_state *o, float *params, float *grads, size_t from, size_t to, double lr,
                   double norm)
{
    clip(&o->cfg, grads, from, to, norm);
    update(o, params, grads, from, to, lr, NULL);
}

/* Whether the update's own pass can take the norm's sums of squares,
 * rather than a pass of their own before it: adam's, shared among the
 * threads, when nothing between reads the norm (clipping) or changes the
 * gradient (adam's coupled weight decay; adamw's decays the weights). */
static int norm_in_update(const opt_opts *c)
{
    return c->clip_norm == 0 &&
           (c->kind == OPT_ADAMW || (c->kind == OPT_ADAM && c->weight_decay == 0));
}

double opt_step(opt_state *o, float *params, float *grads, double lr)
{
    double acc[8] = {0};
    if (norm_in_update(&o->cfg)) {
        if (o->cfg.l1 > 0)
            add_l1(o, params, grads, 0, o->n);
        update(o, params, grads, 0, o->n, lr, acc);
        return opt_norm(acc, 1);
    }
    opt_shard_begin(o, params, grads, 0, o->n, acc);
    double norm = opt_norm(acc, 1);
    opt_shard_end(o, params, grads, 0, o->n, lr, norm);
    return norm;
}

/* ----------------------- state for checkpoints -------------------------- */
size_t opt_state_tensor_count(const opt_state *o) { return (o->m != NULL) + (o->v != NULL); }

void opt_state_view_get(const opt_state *o, size_t i, opt_state_view *v)
{
    int first_is_m = o->m != NULL;
    int is_m = i == 0 && first_is_m;
    v->name = is_m ? "optim.m" : "optim.v";
    v->data = is_m ? o->m : o->v;
    v->count = o->n;
}

/* --------------------------- lr schedules -------------------------------- */
void opt_schedule_defaults(opt_schedule *s)
{
    memset(s, 0, sizeof *s);
    s->kind = SCHED_CONSTANT;
    s->step_size = 1;
    s->gamma = 0.1;
    s->t_max = 1;
}

int opt_schedule_check(const opt_schedule *s, dl_err *e)
{
    if (s->kind < 0 || s->kind >= SCHED_KIND_COUNT)
        return dl_fail(e, DL_EDATA, "schedule: unknown kind %d", s->kind);
    if (s->kind == SCHED_STEP && s->step_size == 0)
        return dl_fail(e, DL_EDATA, "schedule.step_size: must be > 0");
    if (s->kind == SCHED_STEP && !(isfinite(s->gamma) && s->gamma > 0))
        return dl_fail(e, DL_EDATA, "schedule.gamma: must be finite and > 0");
    if (s->kind == SCHED_COSINE && s->t_max == 0)
        return dl_fail(e, DL_EDATA, "schedule.t_max: must be > 0");
    if (s->kind == SCHED_COSINE && !(isfinite(s->eta_min) && s->eta_min >= 0))
        return dl_fail(e, DL_EDATA, "schedule.eta_min: must be finite and >= 0");
    return 0;
}

double opt_schedule_lr(const opt_schedule *s, double base_lr, uint64_t t)
{
    double lr = base_lr;
    if (s->kind == SCHED_STEP) {
        lr = base_lr * pow(s->gamma, (double)(t / s->step_size));
    } else if (s->kind == SCHED_COSINE) {
        double phase = (double)(t % (2 * s->t_max)) / (double)s->t_max; /* one period */
        lr = s->eta_min + (base_lr - s->eta_min) * (1.0 + cos(M_PI * phase)) / 2.0;
    }
    if (t < s->warmup)
        lr *= (double)(t + 1) / (double)s->warmup;
    return lr;
}
