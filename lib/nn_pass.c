/* nn_pass.c - the forward and backward passes of a network (see nn.h): every
 * matrix product by BLAS, the bias add fused with the activation in one pass
 * over z (activ.h), that pass shared among BLAS's threads for a large layer. */
#include "nn.h"

#include <cblas.h>

#include "activ.h"
#include "blasmem.h"

/* A layer's activation pass over this many elements or more is shared
 * among BLAS's threads, by rows (the results are the same bits: each
 * element, and each softmax row, is computed alone). */
#define ACTIV_SPLIT_MIN ((size_t)1 << 15)

typedef struct activation_part {
    const nn_layer *L;
    const float *bias; /* NULL: the backward pass */
    size_t from, to;   /* rows */
} activation_part;

static void activation_part_run(void *arg)
{
    const activation_part *p = arg;
    const nn_layer *L = p->L;
    size_t at = p->from * L->out, rows = p->to - p->from;
    if (p->bias)
        activ_forward(L->activ, L->param, p->bias, L->z + at, L->a + at, rows, L->out);
    else
        activ_backward(L->activ, L->param, L->z + at, L->a + at, L->dz + at, rows, L->out);
}

/* The forward pass's bias and activation (bias given) or the backward
 * pass's derivative (bias NULL) of L's first `batch` rows. */
static void activation_pass(const nn_layer *L, const float *bias, size_t batch)
{
    int parts = dl_blas_parts(batch * L->out, ACTIV_SPLIT_MIN);
    activation_part part[DL_BLAS_PARTS_MAX];
    for (int i = 0; i < parts; i++) {
        part[i] = (activation_part){L, bias, 0, 0};
        dl_blas_part_range(batch, parts, i, 16, &part[i].from, &part[i].to);
    }
    dl_blas_run(activation_part_run, part, parts, sizeof *part);
}

int nn_forward(nn_net *net, const float *x, size_t batch, dl_err *e)
{
    if (batch == 0 || batch > net->max_batch)
        return dl_fail(e, DL_EUSAGE, "batch of %zu row%s: the network takes 1 to %zu",
                       batch, dl_plural(batch),
                       net->max_batch);
    const float *in = x;
    for (size_t i = 0; i < net->n_layers; i++) {
        nn_layer *L = &net->layers[i];
        /* z = in [batch x in] * W^T [in x out] */
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)batch, (int)L->out,
                    (int)L->in, 1.0f, in, (int)L->in, net->params + L->w_off, (int)L->in,
                    0.0f, L->z, (int)L->out);
        activation_pass(L, net->params + L->b_off, batch);
        in = L->a;
    }
    net->batch = batch;
    return 0;
}

const float *nn_output(const nn_net *net) { return net->layers[net->n_layers - 1].a; }

/* Layer i of the backward pass; beta 0 overwrites its gradients, beta 1
 * adds to them. */
static void backward_layer(nn_net *net, const float *x, size_t i, float beta)
{
    int b = (int)net->batch;
    const float *ones = net->work; /* the workspace starts with them (nn.c) */
    nn_layer *L = &net->layers[i];
    const float *in = i ? net->layers[i - 1].a : x;
    /* dW = dz^T [out x batch] * in [batch x in];  db = dz^T * ones */
    cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)L->out, (int)L->in, b, 1.0f, L->dz,
                (int)L->out, in, (int)L->in, beta, net->grads + L->w_off, (int)L->in);
    cblas_sgemv(CblasRowMajor, CblasTrans, b, (int)L->out, 1.0f, L->dz, (int)L->out, ones, 1,
                beta, net->grads + L->b_off, 1);
    if (i == 0)
        return;
    /* da_prev = dz [batch x out] * W [out x in], then through h' */
    nn_layer *P = &net->layers[i - 1];
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, (int)L->in, (int)L->out, 1.0f, L->dz,
                (int)L->out, net->params + L->w_off, (int)L->in, 0.0f, P->dz, (int)L->in);
    activation_pass(P, NULL, net->batch);
}

/* The backward pass; beta 0 overwrites the gradients, beta 1 adds to them. */
static void backward(nn_net *net, const float *x, float beta)
{
    for (size_t i = net->n_layers; i-- > 0;)
        backward_layer(net, x, i, beta);
}

void nn_backward(nn_net *net, const float *x) { backward(net, x, 0.0f); }

void nn_backward_add(nn_net *net, const float *x) { backward(net, x, 1.0f); }

void nn_backward_layer(nn_net *net, const float *x, size_t l)
{
    backward_layer(net, x, l, 0.0f);
}
