/* activ.h - activation kernels shared by nn.c and loss.c (internal to nn).
 *
 * The forward kernel fuses the bias add with the activation so that a layer
 * costs one sgemm plus one pass over its pre-activations. */
#ifndef DL_ACTIV_H
#define DL_ACTIV_H

#include <stddef.h>

/* z [rows x cols] += bias (per column), then a = h(z). */
void activ_forward(int activ, float param, const float *bias, float *z, float *a, size_t rows,
                   size_t cols);
/* On entry d = dL/da, on exit d = dL/dz = dL/da * h'(z) (softmax: the row
 * Jacobian product a * (d - sum(d * a))).  z and a from the forward pass. */
void activ_backward(int activ, float param, const float *z, const float *a, float *d,
                    size_t rows, size_t cols);
/* Name tables: an alias list then the canonical names (index = value). */
typedef struct nn_alias {
    const char *alias;
    int value;
} nn_alias;
/* The value of `name` among aliases[] or names[] (index), or -1. */
int nn_lookup_name(const char *name, const nn_alias *aliases, size_t n_aliases,
                   const char *const *names, int n_names);

/* Numerically stable logistic function. */
float activ_sigmoid(float z);

#endif
