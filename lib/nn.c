/* nn.c - fully connected networks: creation, initialization, parameter
 * views and diagnostics.  See nn.h.  The forward and backward passes (the
 * matrix products) are nn_pass.c's: a tool that only reads a network, as
 * dl-tensor show does, links no BLAS. */
#include "nn.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "activ.h"
#include "blasmem.h"
#include "buf.h"

/* Buffers start on 64-byte boundaries (16 floats) for the BLAS kernels. */
#define NN_ALIGN_FLOATS 16

static int mul_ok(size_t a, size_t b, size_t *out)
{
    if (a != 0 && b > SIZE_MAX / a)
        return 0;
    *out = a * b;
    return 1;
}

static int add_ok(size_t a, size_t b, size_t *out)
{
    if (b > SIZE_MAX - a)
        return 0;
    *out = a + b;
    return 1;
}

static size_t round_up(size_t n) { return (n + NN_ALIGN_FLOATS - 1) / NN_ALIGN_FLOATS * NN_ALIGN_FLOATS; }

static int check_layer_spec(const nn_layer_spec *s, size_t i, size_t n_layers, dl_err *e)
{
    if (s->units == 0)
        return dl_fail(e, DL_EDATA, "layer %zu: units must be > 0", i + 1);
    if (s->activ < 0 || s->activ >= NN_ACTIV_COUNT)
        return dl_fail(e, DL_EDATA, "layer %zu: unknown activation %d", i + 1, s->activ);
    if (s->activ == NN_SOFTMAX && i + 1 != n_layers)
        return dl_fail(e, DL_EDATA, "layer %zu: softmax is only allowed on the output layer",
                       i + 1);
    if (s->activ == NN_LEAKY_RELU && !(isfinite(s->param) && s->param >= 0.0))
        return dl_fail(e, DL_EDATA, "layer %zu: leaky_relu slope must be finite and >= 0",
                       i + 1);
    return 0;
}

/* Lays out W/b offsets and sums the parameter count, checking every
 * product and sum against overflow. */
static int plan_layers(nn_net *net, const nn_layer_spec *specs, dl_err *e)
{
    size_t in = net->n_in, params = 0;
    for (size_t i = 0; i < net->n_layers; i++) {
        nn_layer *L = &net->layers[i];
        size_t wcount;
        L->in = in;
        L->out = specs[i].units;
        L->activ = specs[i].activ;
        L->param = (float)specs[i].param;
        if (!mul_ok(L->out, L->in, &wcount) || !add_ok(params, wcount, &L->b_off) ||
            !add_ok(L->b_off, L->out, &params))
            return dl_fail(e, DL_ENOMEM, "layer %zu: network too large", i + 1);
        if (L->in > INT_MAX || L->out > INT_MAX)
            return dl_fail(e, DL_ENOMEM, "layer %zu: sizes beyond BLAS's int range", i + 1);
        L->w_off = L->b_off - wcount;
        in = L->out;
    }
    if (params > SIZE_MAX / 2 / sizeof(float))
        return dl_fail(e, DL_ENOMEM, "network too large");
    net->n_params = params;
    net->n_out = in;
    return 0;
}

/* z, a and, unless forward-only, dz. */
static size_t buffers_per_layer(const nn_net *net) { return net->forward_only ? 2 : 3; }

/* Floats of workspace for batches of up to max_batch rows: z, a and dz of
 * every layer plus the ones vector for bias gradients, overflow-checked. */
static int work_floats(const nn_net *net, size_t max_batch, size_t *out, dl_err *e)
{
    size_t work = round_up(max_batch);
    if (max_batch > INT_MAX)
        return dl_fail(e, DL_ENOMEM, "a batch of %zu rows is beyond BLAS's int range", max_batch);
    for (size_t i = 0; i < net->n_layers; i++) {
        size_t buf, block;
        if (!mul_ok(max_batch, net->layers[i].out, &buf) ||
            !mul_ok(round_up(buf), buffers_per_layer(net), &block) ||
            !add_ok(work, block, &work))
            return dl_fail(e, DL_ENOMEM, "layer %zu: network too large for %zu rows", i + 1,
                           max_batch);
    }
    if (work > SIZE_MAX / sizeof(float))
        return dl_fail(e, DL_ENOMEM, "network too large for %zu rows", max_batch);
    *out = work;
    return 0;
}

/* n floats (n * sizeof(float) checked by the caller), zeroed, on a 64-byte
 * boundary; NULL when out of memory. */
static float *alloc_floats(size_t n)
{
    _Static_assert(NN_ALIGN_FLOATS * sizeof(float) <= 64, "dl_mem_zeroed's alignment");
    return dl_mem_zeroed(n ? n : 1, sizeof(float));
}

/* Points every layer's z, a, dz into the workspace; the ones vector first. */
static void assign_workspace(nn_net *net)
{
    float *p = net->work;
    for (size_t r = 0; r < net->max_batch; r++)
        p[r] = 1.0f;
    p += round_up(net->max_batch);
    for (size_t i = 0; i < net->n_layers; i++) {
        nn_layer *L = &net->layers[i];
        size_t step = round_up(net->max_batch * L->out);
        L->z = p;
        L->a = p + step;
        L->dz = net->forward_only ? NULL : p + 2 * step;
        p += buffers_per_layer(net) * step;
    }
}

static int plan(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
                size_t max_batch, int forward_only, dl_err *e)
{
    memset(net, 0, sizeof *net);
    net->forward_only = forward_only;
    if (n_layers == 0)
        return dl_fail(e, DL_EDATA, "the network has no layers");
    if (n_in == 0)
        return dl_fail(e, DL_EDATA, "the network has no inputs");
    if (max_batch == 0)
        return dl_fail(e, DL_EUSAGE, "batch size must be > 0");
    for (size_t i = 0; i < n_layers; i++)
        if (check_layer_spec(&layers[i], i, n_layers, e))
            return e->code;
    net->n_in = n_in;
    net->n_layers = n_layers;
    net->max_batch = max_batch;
    net->layers = calloc(n_layers, sizeof *net->layers);
    if (!net->layers)
        return dl_fail(e, DL_ENOMEM, "cannot allocate %zu bytes for the network's %zu layer%s",
                       n_layers * sizeof *net->layers, n_layers, dl_plural(n_layers));
    size_t work = 0;
    if (plan_layers(net, layers, e) || work_floats(net, max_batch, &work, e)) {
        nn_free(net);
        return e->code;
    }
    return 0;
}

/* The workspace for batches of max_batch rows, work floats: NULL and
 * DL_ENOMEM naming its bytes when out of memory. */
static float *alloc_workspace(size_t work, size_t max_batch, dl_err *e)
{
    float *p = alloc_floats(work);
    if (!p)
        dl_fail(e, DL_ENOMEM, "cannot allocate %zu bytes for the network's workspace for "
                "batches of %zu row%s", work * sizeof(float), max_batch, dl_plural(max_batch));
    return p;
}

int nn_plan(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
            size_t max_batch, dl_err *e)
{
    return plan(net, n_in, layers, n_layers, max_batch, 0, e);
}

/* One buffer at a time, each checked before the next is asked for: a
 * network too large for memory stops at its first buffer, touching none
 * of the others.  On failure the network is left empty. */
int nn_alloc(nn_net *net, dl_err *e)
{
    size_t work = 0, n = net->n_params;
    if (work_floats(net, net->max_batch, &work, e)) { /* the sizes plan checked */
        nn_free(net);
        return e->code;
    }
    int rc = 0;
    if (!(net->params = alloc_floats(n)))
        rc = dl_fail(e, DL_ENOMEM, "cannot allocate %zu bytes for the network's %zu "
                     "parameter%s", n * sizeof(float), n, dl_plural(n));
    else if (!net->forward_only && !(net->grads = alloc_floats(n)))
        rc = dl_fail(e, DL_ENOMEM, "cannot allocate %zu bytes for the gradients of the "
                     "network's %zu parameter%s", n * sizeof(float), n, dl_plural(n));
    else if (!(net->work = alloc_workspace(work, net->max_batch, e)))
        rc = e->code;
    if (rc) {
        nn_free(net);
        return rc;
    }
    assign_workspace(net);
    return 0;
}

static int create(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
                  size_t max_batch, int forward_only, dl_err *e)
{
    return plan(net, n_in, layers, n_layers, max_batch, forward_only, e) || nn_alloc(net, e)
               ? e->code
               : 0;
}

int nn_create(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
              size_t max_batch, dl_err *e)
{
    return create(net, n_in, layers, n_layers, max_batch, 0, e);
}

int nn_create_forward(nn_net *net, size_t n_in, const nn_layer_spec *layers, size_t n_layers,
                      size_t max_batch, dl_err *e)
{
    return create(net, n_in, layers, n_layers, max_batch, 1, e);
}

int nn_set_max_batch(nn_net *net, size_t max_batch, dl_err *e)
{
    size_t work = 0; /* floats of workspace, once work_floats has checked them */
    if (max_batch == 0)
        return dl_fail(e, DL_EUSAGE, "batch size must be > 0");
    if (work_floats(net, max_batch, &work, e))
        return e->code;
    float *p = alloc_workspace(work, max_batch, e);
    if (!p)
        return e->code;
    free(net->work);
    net->work = p;
    net->max_batch = max_batch;
    net->batch = 0;
    assign_workspace(net);
    return 0;
}

void nn_free(nn_net *net)
{
    free(net->layers);
    free(net->params);
    free(net->grads);
    free(net->work);
    memset(net, 0, sizeof *net);
}

/* ---------------------------- initialization ----------------------------- */
static const char *const init_names[NN_INIT_COUNT] = {
    "auto", "kaiming_normal", "kaiming_uniform", "xavier_uniform", "xavier_normal", "normal",
    "uniform",
};

int nn_init_parse(const char *name)
{
    static const nn_alias aliases[] = {
        {"kaiming", NN_INIT_KAIMING_NORMAL}, {"he", NN_INIT_KAIMING_NORMAL},
        {"xavier", NN_INIT_XAVIER_UNIFORM}, {"glorot", NN_INIT_XAVIER_UNIFORM},
    };
    return nn_lookup_name(name, aliases, sizeof aliases / sizeof aliases[0], init_names,
                          NN_INIT_COUNT);
}

const char *nn_init_name(int init)
{
    return init >= 0 && init < NN_INIT_COUNT ? init_names[init] : "?";
}

double nn_kaiming_gain(int activ, double param)
{
    switch (activ) {
    case NN_RELU:
    case NN_SILU:
    case NN_GELU: return sqrt(2.0);
    case NN_LEAKY_RELU: return sqrt(2.0 / (1.0 + param * param));
    case NN_TANH: return 5.0 / 3.0;
    default: return 1.0;
    }
}

static int init_for_layer(int init, int activ)
{
    if (init != NN_INIT_AUTO)
        return init;
    int relu_family = activ == NN_RELU || activ == NN_LEAKY_RELU || activ == NN_SILU ||
                      activ == NN_GELU;
    return relu_family ? NN_INIT_KAIMING_NORMAL : NN_INIT_XAVIER_UNIFORM;
}

/* Normal weights come in blocks: the block's draws are taken in order,
 * then turned into normals in parts on BLAS's threads (dl_rng_normals_f32:
 * 1.3 ms on one thread for the 235,146 weights of an MNIST-sized net, 5.3
 * with libm's log and cos), each weight from the same two draws whatever
 * the part: the same bits for any thread count. */
#define INIT_BLOCK 4096
#define INIT_SPLIT_MIN 1024

typedef struct init_part {
    float *w;
    const uint64_t *draws; /* two per weight */
    size_t n;
    double std;
} init_part;

static void init_run(void *arg)
{
    const init_part *p = arg;
    dl_rng_normals_f32(p->draws, p->n, p->std, p->w);
}

static void init_normal(float *w, size_t n, double std, dl_rng *rng)
{
    uint64_t draws[2 * INIT_BLOCK];
    for (size_t done = 0; done < n; done += INIT_BLOCK) {
        size_t m = n - done < INIT_BLOCK ? n - done : INIT_BLOCK;
        dl_rng_fill_u64(rng, draws, 2 * m);
        int parts = dl_blas_parts(m, INIT_SPLIT_MIN);
        init_part part[DL_BLAS_PARTS_MAX];
        for (int i = 0; i < parts; i++) {
            size_t a, b;
            dl_blas_part_range(m, parts, i, 1, &a, &b);
            part[i] = (init_part){w + done + a, draws + 2 * a, b - a, std};
        }
        dl_blas_run(init_run, part, parts, sizeof *part);
    }
}

/* Fills W [out x in] from the distribution `init` resolves to. */
static void init_weights(const nn_layer *L, float *w, int init, double scale, dl_rng *rng)
{
    double fan_in = (double)L->in, fan_sum = (double)(L->in + L->out);
    double gain = nn_kaiming_gain(L->activ, L->param);
    int normal = 1;
    double s = scale;
    switch (init_for_layer(init, L->activ)) {
    case NN_INIT_KAIMING_NORMAL: s = gain / sqrt(fan_in); break;
    case NN_INIT_KAIMING_UNIFORM: s = gain * sqrt(3.0 / fan_in), normal = 0; break;
    case NN_INIT_XAVIER_UNIFORM: s = sqrt(6.0 / fan_sum), normal = 0; break;
    case NN_INIT_XAVIER_NORMAL: s = sqrt(2.0 / fan_sum); break;
    case NN_INIT_UNIFORM: normal = 0; break;
    default: break; /* NN_INIT_NORMAL: std = scale */
    }
    size_t n = L->in * L->out;
    if (normal) {
        init_normal(w, n, s, rng);
        return;
    }
    for (size_t k = 0; k < n; k++)
        w[k] = (float)(s * (2.0 * dl_rng_uniform(rng) - 1.0));
}

int nn_init_params(nn_net *net, int init, double scale, dl_rng *rng, dl_err *e)
{
    if (init < 0 || init >= NN_INIT_COUNT)
        return dl_fail(e, DL_EUSAGE, "unknown initialization %d", init);
    if ((init == NN_INIT_NORMAL || init == NN_INIT_UNIFORM) && !(isfinite(scale) && scale > 0))
        return dl_fail(e, DL_EUSAGE, "init %s: scale must be finite and > 0",
                       nn_init_name(init));
    for (size_t i = 0; i < net->n_layers; i++) {
        const nn_layer *L = &net->layers[i];
        init_weights(L, net->params + L->w_off, init, scale, rng);
        memset(net->params + L->b_off, 0, L->out * sizeof(float));
    }
    return 0;
}

/* -------------------------- parameters by name --------------------------- */
size_t nn_param_tensor_count(const nn_net *net) { return 2 * net->n_layers; }

void nn_param_view_get(const nn_net *net, size_t i, nn_param_view *v)
{
    const nn_layer *L = &net->layers[i / 2];
    memset(v, 0, sizeof *v);
    v->is_bias = (int)(i % 2);
    snprintf(v->name, sizeof v->name, "layer%zu.%s", i / 2 + 1, v->is_bias ? "bias" : "weight");
    v->rank = v->is_bias ? 1 : 2;
    v->shape[0] = L->out;
    v->shape[1] = v->is_bias ? 0 : L->in;
    v->count = v->is_bias ? L->out : L->out * L->in;
    v->offset = v->is_bias ? L->b_off : L->w_off;
    v->data = net->params + v->offset;
    v->grad = net->grads ? net->grads + v->offset : NULL; /* none when forward-only */
}

/* ------------------------------ diagnostics ------------------------------ */
static void mean_std(const float *x, size_t n, double *mean, double *std)
{
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    double m = n ? s / (double)n : NAN; /* of no rows: undefined */
    for (size_t i = 0; i < n; i++)
        ss += ((double)x[i] - m) * ((double)x[i] - m);
    *mean = m;
    *std = n ? sqrt(ss / (double)n) : NAN;
}

static double norm2(const float *x, size_t n)
{
    double ss = 0.0;
    for (size_t i = 0; i < n; i++)
        ss += (double)x[i] * x[i];
    return sqrt(ss);
}

void nn_layer_diagnostics(const nn_net *net, size_t l, nn_layer_stats *s)
{
    const nn_layer *L = &net->layers[l];
    size_t n = net->batch * L->out;
    mean_std(L->z, n, &s->z_mean, &s->z_std);
    mean_std(L->a, n, &s->a_mean, &s->a_std);
    s->gw_norm = norm2(net->grads + L->w_off, L->in * L->out);
    s->gb_norm = norm2(net->grads + L->b_off, L->out);
}
