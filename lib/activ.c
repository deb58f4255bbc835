/* activ.c - activation functions, their derivatives and their names. */
#include "activ.h"

#include <math.h>
#include <string.h>

#include "nn.h"
#include "nn_simd.h"

static const char *const activ_names[NN_ACTIV_COUNT] = {
    "identity", "relu", "leaky_relu", "silu", "gelu", "sigmoid", "tanh", "sin", "softmax",
};

int nn_lookup_name(const char *name, const nn_alias *aliases, size_t n_aliases,
                   const char *const *names, int n_names)
{
    for (size_t i = 0; i < n_aliases; i++)
        if (strcmp(name, aliases[i].alias) == 0)
            return aliases[i].value;
    for (int i = 0; i < n_names; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

int nn_activ_parse(const char *name)
{
    static const nn_alias aliases[] = {{"swish", NN_SILU}, {"linear", NN_IDENTITY}};
    return nn_lookup_name(name, aliases, 2, activ_names, NN_ACTIV_COUNT);
}

const char *nn_activ_name(int activ)
{
    return activ >= 0 && activ < NN_ACTIV_COUNT ? activ_names[activ] : "?";
}

double nn_activ_default_param(int activ) { return activ == NN_LEAKY_RELU ? 0.01 : 0.0; }

float activ_sigmoid(float z)
{
    /* exp of a non-positive number only: no overflow for large |z|. */
    if (z >= 0.0f)
        return 1.0f / (1.0f + expf(-z));
    float t = expf(z);
    return t / (1.0f + t);
}

#define INV_SQRT2 0.70710678118654752440f
#define INV_SQRT_2PI 0.39894228040143267794f

static float gelu(float z) { return 0.5f * z * (1.0f + erff(z * INV_SQRT2)); }

static float gelu_grad(float z)
{
    return 0.5f * (1.0f + erff(z * INV_SQRT2)) + z * INV_SQRT_2PI * expf(-0.5f * z * z);
}

static float silu_grad(float z)
{
    float s = activ_sigmoid(z);
    return s * (1.0f + z * (1.0f - s));
}

/* One pass over the layer: add the bias and apply EXPR (of v, the
 * pre-activation, and p, the parameter) in each element from column j0 on
 * (the columns before j0 done by a SIMD kernel). */
#define MAP_FORWARD(EXPR)                                  \
    for (size_t r = 0; r < rows; r++) {                    \
        float *zr = z + r * cols, *ar = a + r * cols;      \
        for (size_t j = j0; j < cols; j++) {               \
            float v = zr[j] + bias[j];                     \
            zr[j] = v;                                     \
            ar[j] = (EXPR);                                \
        }                                                  \
    }

static void softmax_rows(float *a, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        float *ar = a + r * cols;
        float mx = ar[0];
        for (size_t j = 1; j < cols; j++)
            mx = ar[j] > mx ? ar[j] : mx;
        float sum = 0.0f;
        for (size_t j = 0; j < cols; j++) {
            ar[j] = expf(ar[j] - mx);
            sum += ar[j];
        }
        float inv = 1.0f / sum;
        for (size_t j = 0; j < cols; j++)
            ar[j] *= inv;
    }
}

void activ_forward(int activ, float param, const float *bias, float *z, float *a, size_t rows,
                   size_t cols)
{
    float p = param;
    size_t j0 = 0;
    switch (activ) {
    case NN_RELU:
        j0 = simd_bias_relu(z, a, bias, rows, cols, 0.0f);
        MAP_FORWARD(v > 0.0f ? v : 0.0f);
        break;
    case NN_LEAKY_RELU:
        j0 = simd_bias_relu(z, a, bias, rows, cols, p);
        MAP_FORWARD(v > 0.0f ? v : p * v);
        break;
    case NN_SILU: MAP_FORWARD(v * activ_sigmoid(v)); break;
    case NN_GELU: MAP_FORWARD(gelu(v)); break;
    case NN_SIGMOID: MAP_FORWARD(activ_sigmoid(v)); break;
    case NN_TANH:
        j0 = simd_bias_tanh(z, a, bias, rows, cols);
        MAP_FORWARD(simd_tanhf(v));
        break;
    case NN_SIN: MAP_FORWARD(sinf(v)); break;
    case NN_SOFTMAX:
        MAP_FORWARD(v);
        softmax_rows(a, rows, cols);
        break;
    default: MAP_FORWARD(v); break;
    }
    (void)p;
}

/* d *= EXPR (of v = z and y = a) in each element from i0 on. */
#define MAP_BACKWARD(EXPR)                            \
    for (size_t i = i0; i < n; i++) {                 \
        float v = z[i], y = a[i];                     \
        (void)v, (void)y;                             \
        d[i] *= (EXPR);                               \
    }

static void softmax_backward(const float *a, float *d, size_t rows, size_t cols)
{
    for (size_t r = 0; r < rows; r++) {
        const float *ar = a + r * cols;
        float *dr = d + r * cols;
        float dot = 0.0f;
        for (size_t j = 0; j < cols; j++)
            dot += dr[j] * ar[j];
        for (size_t j = 0; j < cols; j++)
            dr[j] = ar[j] * (dr[j] - dot);
    }
}

void activ_backward(int activ, float param, const float *z, const float *a, float *d,
                    size_t rows, size_t cols)
{
    size_t n = rows * cols, i0 = 0;
    float p = param;
    switch (activ) {
    case NN_RELU:
        i0 = simd_relu_backward(z, d, n, 0.0f);
        MAP_BACKWARD(v > 0.0f ? 1.0f : 0.0f);
        break;
    case NN_LEAKY_RELU:
        i0 = simd_relu_backward(z, d, n, p);
        MAP_BACKWARD(v > 0.0f ? 1.0f : p);
        break;
    case NN_SILU: MAP_BACKWARD(silu_grad(v)); break;
    case NN_GELU: MAP_BACKWARD(gelu_grad(v)); break;
    case NN_SIGMOID: MAP_BACKWARD(y * (1.0f - y)); break;
    case NN_TANH: MAP_BACKWARD(1.0f - y * y); break;
    case NN_SIN: MAP_BACKWARD(cosf(v)); break;
    case NN_SOFTMAX: softmax_backward(a, d, rows, cols); break;
    default: break; /* identity: dL/dz = dL/da */
    }
    (void)p;
}
