/* test_nn.c - networks: activations and losses against PyTorch, gradient
 * checks against central finite differences, initial weight statistics,
 * parameter views, diagnostics and error cases. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "activ.h"
#include "blasmem.h"
#include "nn.h"
#include "nn_fixture.h"
#include "nn_simd.h"
#include "unit.h"

/* ------------------------- activations vs torch -------------------------- */
static void check_activation(const char *name, float param)
{
    char file[64];
    float z[FIX_MAX], a_ref[FIX_MAX], g_ref[FIX_MAX], zb[FIX_MAX], a[FIX_MAX], d[FIX_MAX];
    float bias[FIX_MAX] = {0};
    snprintf(file, sizeof file, "act_%s.txt", name);
    int n = fixture_floats(file, 0, z);
    CHECK(n == 12 && fixture_floats(file, 1, a_ref) == n && fixture_floats(file, 2, g_ref) == n);
    if (n != 12)
        return;
    int activ = nn_activ_parse(name);
    CHECK(activ >= 0);
    memcpy(zb, z, sizeof(float) * (size_t)n);
    activ_forward(activ, param, bias, zb, a, 1, (size_t)n);
    for (int i = 0; i < n; i++)
        d[i] = 1.0f;
    activ_backward(activ, param, zb, a, d, 1, (size_t)n);
    for (int i = 0; i < n; i++) {
        CHECK_NEAR(a[i], a_ref[i], 2e-6);
        CHECK_NEAR(d[i], g_ref[i], 2e-6);
    }
}

static void test_activations_match_torch(void)
{
    const char *names[] = {"identity", "relu", "silu", "gelu", "sigmoid", "tanh", "sin"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        check_activation(names[i], 0.0f);
    check_activation("leaky_relu", 0.1f);
}

static void test_activation_names(void)
{
    CHECK(nn_activ_parse("swish") == NN_SILU);
    CHECK(nn_activ_parse("softmax") == NN_SOFTMAX);
    CHECK(nn_activ_parse("Relu") == -1);
    CHECK_STR(nn_activ_name(NN_LEAKY_RELU), "leaky_relu");
    CHECK_STR(nn_activ_name(99), "?");
    CHECK_NEAR(nn_activ_default_param(NN_LEAKY_RELU), 0.01, 1e-12);
    CHECK(nn_init_parse("kaiming") == NN_INIT_KAIMING_NORMAL);
    CHECK(nn_init_parse("glorot") == NN_INIT_XAVIER_UNIFORM);
    CHECK(nn_init_parse("bogus") == -1);
    CHECK(nn_loss_parse("cross_entropy") == NN_LOSS_CE);
    CHECK(nn_loss_parse("l1") == NN_LOSS_MAE);
    CHECK(nn_loss_parse("mse2") == -1);
}

static void test_softmax_stable(void)
{
    float z[6] = {1000.0f, 999.0f, -1000.0f, -5.0f, -5.0f, -5.0f}, a[6], bias[3] = {0};
    activ_forward(NN_SOFTMAX, 0.0f, bias, z, a, 2, 3);
    for (int i = 0; i < 6; i++)
        CHECK(isfinite(a[i]));
    CHECK_NEAR(a[0], 1.0 / (1.0 + exp(-1.0)), 1e-6);
    CHECK_NEAR(a[2], 0.0, 1e-12);
    CHECK_NEAR(a[3], 1.0 / 3.0, 1e-6);
    CHECK(activ_sigmoid(-200.0f) == 0.0f && activ_sigmoid(200.0f) == 1.0f);
}

/* The network's tanh: within 2.5 ulp of the exact value (double tanh) over a
 * sweep of every magnitude; odd, 0 and the limits exact; the SIMD kernel the
 * same bits as the scalar function (nothing to compare without AVX2). */
static void test_tanh_accuracy_and_simd(void)
{
    enum { N = 4096 };
    static float z[N], z0[N], a[N], zero[N];
    double worst = 0;
    size_t n = 0;
    int exact = 1;
    for (uint32_t u = 0; u < 0x7f800000u; u += 9973) {
        float x;
        memcpy(&x, &u, sizeof x);
        double want = tanh((double)x), err = fabs((double)simd_tanhf(x) - want);
        worst = fmax(worst, want == 0 ? err : err / ldexp(1.0, ilogb(want) - 23));
        exact &= simd_tanhf(-x) == -simd_tanhf(x);
        z0[n % N] = n % 2 ? x : -x;
        n++;
    }
    CHECK(worst <= 2.5);
    CHECK(exact);
    CHECK(simd_tanhf(INFINITY) == 1.0f && simd_tanhf(-INFINITY) == -1.0f && simd_tanhf(30.0f) == 1.0f);
    CHECK(isnan(simd_tanhf(NAN)) && signbit(simd_tanhf(-0.0f)) && simd_tanhf(0.0f) == 0.0f);
    z0[1] = NAN, z0[3] = INFINITY, z0[5] = -INFINITY, z0[7] = -0.0f, z0[9] = 0.625f;
    memcpy(z, z0, sizeof z);
    size_t done = simd_bias_tanh(z, a, zero, 1, N);
    CHECK(done == 0 || done == N);
    int same = 1;
    for (size_t i = 0; i < done; i++) {
        float want = simd_tanhf(z0[i] + 0.0f);
        same &= memcmp(&want, &a[i], sizeof want) == 0;
    }
    CHECK(same);
}

/* The SIMD relu kernels give the scalar code's bits, NaN, -0 and Inf
 * included (or do nothing on a CPU without AVX2). */
static void test_simd_relu_matches_scalar(void)
{
    enum { ROWS = 3, COLS = 21 };
    float z[ROWS * COLS], z2[ROWS * COLS], a[ROWS * COLS], bias[COLS], d[ROWS * COLS];
    float want_a[ROWS * COLS], want_d[ROWS * COLS];
    const float special[] = {NAN, -0.0f, 0.0f, INFINITY, -INFINITY, 1e-40f, -1e-40f};
    dl_rng r;
    dl_rng_seed(&r, 5);
    for (int slope_i = 0; slope_i < 2; slope_i++) {
        float slope = slope_i ? 0.1f : 0.0f;
        for (size_t i = 0; i < ROWS * COLS; i++) {
            z[i] = i % 5 == 0 ? special[(i / 5) % 7] : (float)dl_rng_normal(&r);
            d[i] = i % 7 == 3 ? special[(i / 7) % 7] : (float)dl_rng_normal(&r);
        }
        for (size_t j = 0; j < COLS; j++)
            bias[j] = j % 4 == 0 ? -0.0f : (float)dl_rng_normal(&r);
        memcpy(z2, z, sizeof z);
        for (size_t i = 0; i < ROWS * COLS; i++) {
            float v = z[i] + bias[i % COLS];
            z2[i] = v;
            want_a[i] = v > 0.0f ? v : (slope == 0.0f ? 0.0f : slope * v);
            want_d[i] = d[i] * (v > 0.0f ? 1.0f : slope);
        }
        size_t done = simd_bias_relu(z, a, bias, ROWS, COLS, slope);
        CHECK(done == 0 || done == 16);
        for (size_t r2 = 0; r2 < ROWS; r2++) /* finish the rows as activ.c does */
            for (size_t j = done; j < COLS; j++) {
                float v = z[r2 * COLS + j] + bias[j];
                z[r2 * COLS + j] = v;
                a[r2 * COLS + j] = v > 0.0f ? v : (slope == 0.0f ? 0.0f : slope * v);
            }
        CHECK(memcmp(z, z2, sizeof z) == 0);
        CHECK(memcmp(a, want_a, sizeof a) == 0);
        size_t n = simd_relu_backward(z, d, ROWS * COLS, slope);
        for (size_t i = n; i < ROWS * COLS; i++)
            d[i] *= z[i] > 0.0f ? 1.0f : slope;
        CHECK(memcmp(d, want_d, sizeof d) == 0);
    }
}

/* --------------------------- losses vs torch ----------------------------- */
/* A K -> K layer with W = I, b = 0: its z is exactly the input. */
static int identity_net(nn_net *net, size_t k, int activ, size_t rows)
{
    dl_err e;
    nn_layer_spec s = {k, activ, 0.0};
    if (nn_create(net, k, &s, 1, rows, &e))
        return -1;
    for (size_t i = 0; i < k; i++)
        net->params[i * k + i] = 1.0f;
    return 0;
}

static void check_loss(const char *file, int kind, double q, double delta, int activ,
                       size_t k)
{
    float z[FIX_MAX], y[FIX_MAX], g_ref[FIX_MAX];
    double val[FIX_MAX];
    int nz = fixture_floats(file, 0, z), ny = fixture_floats(file, 1, y);
    CHECK(fixture_line(file, 2, val) == 1 && fixture_floats(file, 3, g_ref) == nz);
    size_t rows = (size_t)nz / k, y_cols = (size_t)ny / rows;
    nn_net net;
    nn_loss l;
    dl_err e;
    double loss = NAN;
    nn_loss_init(&l, kind);
    l.q = q;
    l.delta = delta;
    CHECK(identity_net(&net, k, activ, rows) == 0);
    CHECK(nn_forward(&net, z, rows, &e) == 0);
    CHECK(nn_loss_eval(&l, &net, y, y_cols, 1, &loss, &e) == 0);
    CHECK_NEAR(loss, val[0], 1e-6);
    for (int i = 0; i < nz; i++)
        CHECK_NEAR(net.layers[0].dz[i], g_ref[i], 1e-6);
    nn_free(&net);
}

static void test_losses_match_torch(void)
{
    static const struct {
        const char *file;
        int kind;
        double q, delta;
        int activ;
        size_t k;
    } cases[] = {
        {"loss_mse.txt", NN_LOSS_MSE, 2, 1, NN_IDENTITY, 3},
        {"loss_mae.txt", NN_LOSS_MAE, 2, 1, NN_IDENTITY, 3},
        {"loss_lq15.txt", NN_LOSS_LQ, 1.5, 1, NN_IDENTITY, 3},
        {"loss_lq3.txt", NN_LOSS_LQ, 3.0, 1, NN_IDENTITY, 3},
        {"loss_huber.txt", NN_LOSS_HUBER, 2, 0.5, NN_IDENTITY, 3},
        {"loss_bce.txt", NN_LOSS_BCE, 2, 1, NN_SIGMOID, 1},
        {"loss_mlbce.txt", NN_LOSS_MLBCE, 2, 1, NN_SIGMOID, 3},
        {"loss_ce_onehot.txt", NN_LOSS_CE, 2, 1, NN_SOFTMAX, 3},
        {"loss_ce_labels.txt", NN_LOSS_CE, 2, 1, NN_SOFTMAX, 3},
        {"loss_mse_sigmoid.txt", NN_LOSS_MSE, 2, 1, NN_SIGMOID, 3},
        {"loss_mse_softmax.txt", NN_LOSS_MSE, 2, 1, NN_SOFTMAX, 3},
        {"loss_bce_big.txt", NN_LOSS_BCE, 2, 1, NN_SIGMOID, 1},
        {"loss_ce_big.txt", NN_LOSS_CE, 2, 1, NN_SOFTMAX, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_loss(cases[i].file, cases[i].kind, cases[i].q, cases[i].delta, cases[i].activ,
                   cases[i].k);
}

/* Row-weighted losses, sum w_i l_i / sum w_i (PyTorch's weighted mean), and
 * the weighted sum (norm 1) that data-parallel steps add up. */
static void check_weighted_loss(const char *file, int kind, double delta, int activ, size_t k)
{
    float z[FIX_MAX], y[FIX_MAX], w[FIX_MAX], g_ref[FIX_MAX];
    double val[FIX_MAX];
    int nz = fixture_floats(file, 0, z), ny = fixture_floats(file, 1, y);
    int nw = fixture_floats(file, 2, w);
    CHECK(fixture_line(file, 3, val) == 1 && fixture_floats(file, 4, g_ref) == nz);
    size_t rows = (size_t)nz / k, y_cols = (size_t)ny / rows;
    CHECK(nw == (int)rows);
    double wsum = 0, loss = NAN, sum = NAN;
    for (size_t i = 0; i < rows; i++)
        wsum += w[i];
    nn_net net;
    nn_loss l;
    dl_err e;
    nn_loss_init(&l, kind);
    l.delta = delta;
    CHECK(identity_net(&net, k, activ, rows) == 0);
    CHECK(nn_forward(&net, z, rows, &e) == 0);
    CHECK(nn_loss_eval_weighted(&l, &net, y, y_cols, w, wsum, 1, &loss, &e) == 0);
    CHECK_NEAR(loss, val[0], 1e-6);
    for (int i = 0; i < nz; i++)
        CHECK_NEAR(net.layers[0].dz[i], g_ref[i], 1e-6);
    CHECK(nn_loss_eval_weighted(&l, &net, y, y_cols, w, 1.0, 1, &sum, &e) == 0);
    CHECK_NEAR(sum, val[0] * wsum, 1e-5);
    for (int i = 0; i < nz; i++)
        CHECK_NEAR(net.layers[0].dz[i], g_ref[i] * wsum, 1e-5);
    /* unit weights, norm = rows: the plain mean, bit for bit */
    float ones[FIX_MAX];
    double plain = NAN, unit = NAN;
    for (size_t i = 0; i < rows; i++)
        ones[i] = 1.0f;
    CHECK(nn_loss_eval(&l, &net, y, y_cols, 0, &plain, &e) == 0);
    CHECK(nn_loss_eval_weighted(&l, &net, y, y_cols, ones, (double)rows, 0, &unit, &e) == 0);
    CHECK_NEAR(unit, plain, 1e-12);
    nn_free(&net);
}

static void test_weighted_losses_match_torch(void)
{
    static const struct {
        const char *file;
        int kind;
        double delta;
        int activ;
        size_t k;
    } cases[] = {
        {"lossw_mse.txt", NN_LOSS_MSE, 1, NN_IDENTITY, 3},
        {"lossw_huber.txt", NN_LOSS_HUBER, 0.5, NN_IDENTITY, 3},
        {"lossw_bce.txt", NN_LOSS_BCE, 1, NN_SIGMOID, 1},
        {"lossw_mlbce.txt", NN_LOSS_MLBCE, 1, NN_SIGMOID, 3},
        {"lossw_ce_onehot.txt", NN_LOSS_CE, 1, NN_SOFTMAX, 3},
        {"lossw_ce_labels.txt", NN_LOSS_CE, 1, NN_SOFTMAX, 3},
        {"lossw_ce_class_weight.txt", NN_LOSS_CE, 1, NN_SOFTMAX, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_weighted_loss(cases[i].file, cases[i].kind, cases[i].delta, cases[i].activ,
                            cases[i].k);
}

/* ----------------------------- gradient check ---------------------------- */
#define GC_IN 4
#define GC_ROWS 6
/* Observed errors are 1e-5 to 2e-4 (float32 rounding over eps = 1e-3); a
 * gradient 2% off gives 1e-2. */
#define GC_TOL 1e-3

static double loss_at(nn_net *net, const nn_loss *l, const float *x, const float *y,
                      size_t y_cols)
{
    dl_err e;
    double v = NAN;
    if (nn_forward(net, x, GC_ROWS, &e) || nn_loss_eval(l, net, y, y_cols, 0, &v, &e))
        return NAN;
    return v;
}

/* Relative error ||num - ana|| / ||num + ana|| of the parameter gradient of
 * an in -> 5 hidden -> 5 hidden -> out network, numerical by central
 * differences of step eps on every parameter. */
static double gradient_error_scaled(int hidden, double param, int out_activ, size_t n_out,
                                    const nn_loss *l, const float *y, size_t y_cols,
                                    double ana_scale)
{
    nn_layer_spec s[3] = {{5, hidden, param}, {5, hidden, param}, {n_out, out_activ, 0.0}};
    nn_net net;
    dl_err e;
    dl_rng rng;
    float x[GC_ROWS * GC_IN];
    double loss, diff = 0.0, sum = 0.0;
    const float eps = 1e-3f;
    dl_rng_seed(&rng, 42);
    for (size_t i = 0; i < GC_ROWS * GC_IN; i++)
        x[i] = (float)dl_rng_normal(&rng);
    if (nn_create(&net, GC_IN, s, 3, GC_ROWS, &e) ||
        nn_init_params(&net, NN_INIT_NORMAL, 0.7, &rng, &e))
        return INFINITY;
    for (size_t i = 0; i < net.n_params; i++) /* non-zero biases too */
        net.params[i] += (float)(0.1 * dl_rng_normal(&rng));
    if (nn_forward(&net, x, GC_ROWS, &e) || nn_loss_eval(l, &net, y, y_cols, 1, &loss, &e))
        return INFINITY;
    nn_backward(&net, x);
    for (size_t i = 0; i < net.n_params; i++) {
        float w = net.params[i];
        net.params[i] = w + eps;
        double up = loss_at(&net, l, x, y, y_cols);
        net.params[i] = w - eps;
        double down = loss_at(&net, l, x, y, y_cols);
        net.params[i] = w;
        double num = (up - down) / (2.0 * (double)eps), ana = net.grads[i] * ana_scale;
        diff += (num - ana) * (num - ana);
        sum += (num + ana) * (num + ana);
    }
    nn_free(&net);
    if (getenv("UNIT_VERBOSE"))
        fprintf(stderr, "gradcheck %s -> %s, loss %s: %g\n", nn_activ_name(hidden),
                nn_activ_name(out_activ), nn_loss_name(l->kind), sqrt(diff / sum));
    return sum > 0 ? sqrt(diff / sum) : INFINITY;
}

static double gradient_error(int hidden, double param, int out_activ, size_t n_out,
                             const nn_loss *l, const float *y, size_t y_cols)
{
    return gradient_error_scaled(hidden, param, out_activ, n_out, l, y, y_cols, 1.0);
}

/* Targets [GC_ROWS x cols]: kind 0 uniform in [-1, 1], 1 zeros and ones,
 * 2 one-hot rows. */
static void make_targets(float *y, size_t cols, int kind)
{
    dl_rng rng;
    dl_rng_seed(&rng, 7);
    for (size_t i = 0; i < GC_ROWS * cols; i++) {
        double u = dl_rng_uniform(&rng);
        y[i] = kind == 0 ? (float)(2.0 * u - 1.0) : kind == 1 ? (float)(u > 0.5) : 0.0f;
    }
    if (kind == 2) /* one-hot rows */
        for (size_t r = 0; r < GC_ROWS; r++)
            y[r * cols + r % cols] = 1.0f;
}

static void test_gradcheck_activations(void)
{
    float y[GC_ROWS * 3];
    nn_loss l;
    nn_loss_init(&l, NN_LOSS_MSE);
    make_targets(y, 3, 0);
    for (int a = 0; a < NN_SOFTMAX; a++) {
        double err = gradient_error(a, a == NN_LEAKY_RELU ? 0.1 : 0.0, NN_IDENTITY, 3, &l, y, 3);
        if (!(err < GC_TOL))
            fprintf(stderr, "activation %s: gradient error %g\n", nn_activ_name(a), err);
        CHECK(err < GC_TOL);
    }
    /* every activation as the output layer too (non-fused mse path) */
    for (int a = 0; a <= NN_SOFTMAX; a++) {
        double err = gradient_error(NN_TANH, 0.0, a, 3, &l, y, 3);
        if (!(err < GC_TOL))
            fprintf(stderr, "output %s: gradient error %g\n", nn_activ_name(a), err);
        CHECK(err < GC_TOL);
    }
}

static void check_loss_gradient(int kind, double q, int out_activ, size_t n_out, size_t y_cols,
                                int targets)
{
    float y[GC_ROWS * 3];
    nn_loss l;
    nn_loss_init(&l, kind);
    l.q = q;
    l.delta = 0.3;
    make_targets(y, y_cols, targets);
    if (targets == 3) /* integer labels */
        for (size_t r = 0; r < GC_ROWS; r++)
            y[r] = (float)((r * 2) % n_out);
    double err = gradient_error(NN_TANH, 0.0, out_activ, n_out, &l, y, y_cols);
    if (!(err < GC_TOL))
        fprintf(stderr, "loss %s: gradient error %g\n", nn_loss_name(kind), err);
    CHECK(err < GC_TOL);
}

static void test_gradcheck_losses(void)
{
    /* kind, q, output activation, outputs, target columns, target kind
     * (0 real, 1 binary, 2 one-hot, 3 labels) */
    static const struct {
        int kind;
        double q;
        int activ;
        size_t n_out, y_cols;
        int targets;
    } cases[] = {
        {NN_LOSS_MSE, 2, NN_IDENTITY, 3, 3, 0},   {NN_LOSS_MAE, 2, NN_IDENTITY, 3, 3, 0},
        {NN_LOSS_LQ, 1.5, NN_IDENTITY, 3, 3, 0},  {NN_LOSS_LQ, 3.0, NN_IDENTITY, 3, 3, 0},
        {NN_LOSS_HUBER, 2, NN_IDENTITY, 3, 3, 0}, {NN_LOSS_BCE, 2, NN_SIGMOID, 1, 1, 1},
        {NN_LOSS_MLBCE, 2, NN_SIGMOID, 3, 3, 1},  {NN_LOSS_CE, 2, NN_SOFTMAX, 3, 3, 2},
        {NN_LOSS_CE, 2, NN_SOFTMAX, 3, 1, 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_loss_gradient(cases[i].kind, cases[i].q, cases[i].activ, cases[i].n_out,
                            cases[i].y_cols, cases[i].targets);
}

/* The check can fail: an analytic gradient off by 2% (a wrong constant
 * somewhere) is flagged by the same measure and threshold. */
static void test_gradcheck_detects_errors(void)
{
    float y[GC_ROWS * 3];
    nn_loss l;
    nn_loss_init(&l, NN_LOSS_MSE);
    make_targets(y, 3, 0);
    double ok = gradient_error_scaled(NN_SIGMOID, 0.0, NN_IDENTITY, 3, &l, y, 3, 1.0);
    double bad = gradient_error_scaled(NN_SIGMOID, 0.0, NN_IDENTITY, 3, &l, y, 3, 1.02);
    CHECK(ok < GC_TOL);
    CHECK(bad > 5 * GC_TOL);
}

/* --------------------------- initialization ------------------------------ */
static void weight_stats(const nn_net *net, double *var, double *mean, double *maxabs)
{
    const nn_layer *L = &net->layers[0];
    size_t n = L->in * L->out;
    double s = 0, ss = 0, mx = 0;
    for (size_t i = 0; i < n; i++) {
        double w = net->params[L->w_off + i];
        s += w;
        ss += w * w;
        mx = fabs(w) > mx ? fabs(w) : mx;
    }
    *mean = s / (double)n;
    *var = ss / (double)n - *mean * *mean;
    *maxabs = mx;
}

/* A 256 -> 128 layer: 32768 weights, so the sample variance is within
 * about 1% (normal) of the truth; 5% cannot pass with a formula that is off by
 * the fan_in/fan_out or kaiming/xavier factors (1.5x to 2x). */
static void check_init(int init, int activ, double param, double scale, double want_var,
                       double bound)
{
    nn_layer_spec s = {128, activ, param};
    nn_net net;
    dl_err e;
    dl_rng rng;
    double var, mean, mx;
    dl_rng_seed(&rng, 1234);
    CHECK(nn_create(&net, 256, &s, 1, 1, &e) == 0);
    net.params[net.layers[0].b_off] = 5.0f;
    CHECK(nn_init_params(&net, init, scale, &rng, &e) == 0);
    weight_stats(&net, &var, &mean, &mx);
    if (!(fabs(var / want_var - 1.0) < 0.05))
        fprintf(stderr, "init %s/%s: variance %g, expected %g\n", nn_init_name(init),
                nn_activ_name(activ), var, want_var);
    CHECK(fabs(var / want_var - 1.0) < 0.05);
    CHECK(fabs(mean) < 0.05 * sqrt(want_var));
    if (bound > 0) {
        CHECK(mx <= bound);
        CHECK(mx > 0.99 * bound);
    } else {
        CHECK(mx > 3.0 * sqrt(want_var)); /* a normal's tails, not a uniform's */
    }
    for (size_t j = 0; j < 128; j++)
        CHECK(net.params[net.layers[0].b_off + j] == 0.0f);
    nn_free(&net);
}

static void test_init_variances(void)
{
    double fan_in = 256, fan_sum = 384, leaky = 2.0 / (1.0 + 0.2 * 0.2);
    check_init(NN_INIT_KAIMING_NORMAL, NN_RELU, 0, 0, 2.0 / fan_in, 0);
    check_init(NN_INIT_KAIMING_NORMAL, NN_LEAKY_RELU, 0.2, 0, leaky / fan_in, 0);
    check_init(NN_INIT_KAIMING_UNIFORM, NN_RELU, 0, 0, 2.0 / fan_in, sqrt(6.0 / fan_in));
    check_init(NN_INIT_XAVIER_UNIFORM, NN_TANH, 0, 0, 2.0 / fan_sum, sqrt(6.0 / fan_sum));
    check_init(NN_INIT_XAVIER_NORMAL, NN_SIGMOID, 0, 0, 2.0 / fan_sum, 0);
    check_init(NN_INIT_NORMAL, NN_TANH, 0, 0.3, 0.09, 0);
    check_init(NN_INIT_UNIFORM, NN_TANH, 0, 0.3, 0.03, 0.3);
    /* the default follows the activation */
    check_init(NN_INIT_AUTO, NN_RELU, 0, 0, 2.0 / fan_in, 0);
    check_init(NN_INIT_AUTO, NN_GELU, 0, 0, 2.0 / fan_in, 0);
    check_init(NN_INIT_AUTO, NN_TANH, 0, 0, 2.0 / fan_sum, sqrt(6.0 / fan_sum));
    check_init(NN_INIT_AUTO, NN_IDENTITY, 0, 0, 2.0 / fan_sum, sqrt(6.0 / fan_sum));
}

/* Normal weights made in parts on BLAS's threads are, bit for bit, those of
 * the draws taken one weight after another, for 1 and 2 threads, over
 * layers of several blocks and a remainder, then a second layer that
 * continues the stream. */
static void test_init_parts_keep_bits(void)
{
    nn_layer_spec s[2] = {{129, NN_RELU, 0}, {7, NN_IDENTITY, 0}};
    dl_err e;
    for (int threads = 1; threads <= 2; threads++) {
        nn_net net;
        dl_rng rng, ref;
        dl_rng_seed(&rng, 77);
        dl_rng_seed(&ref, 77);
        CHECK(dl_blas_reserve(threads, NULL, &e) == 0);
        dl_blas_set_threads(threads);
        CHECK(nn_create(&net, 100, s, 2, 1, &e) == 0);
        CHECK(nn_init_params(&net, NN_INIT_XAVIER_NORMAL, 0, &rng, &e) == 0);
        size_t wrong = 0;
        for (size_t l = 0; l < 2; l++) {
            const nn_layer *L = &net.layers[l];
            double std = sqrt(2.0 / (double)(L->in + L->out));
            for (size_t k = 0; k < L->in * L->out; k++) {
                float want = (float)(std * dl_rng_normal(&ref));
                wrong += memcmp(&net.params[L->w_off + k], &want, sizeof want) != 0;
            }
        }
        CHECK(wrong == 0);
        CHECK(dl_rng_u64(&rng) == dl_rng_u64(&ref)); /* the stream goes on alike */
        nn_free(&net);
    }
}

static void test_init_deterministic(void)
{
    nn_layer_spec s[2] = {{16, NN_RELU, 0}, {3, NN_SOFTMAX, 0}};
    nn_net a, b;
    dl_err e;
    dl_rng ra, rb;
    dl_rng_seed(&ra, 9);
    dl_rng_seed(&rb, 9);
    CHECK(nn_create(&a, 5, s, 2, 4, &e) == 0 && nn_create(&b, 5, s, 2, 4, &e) == 0);
    nn_init_params(&a, NN_INIT_AUTO, 0, &ra, &e);
    nn_init_params(&b, NN_INIT_AUTO, 0, &rb, &e);
    CHECK(memcmp(a.params, b.params, a.n_params * sizeof(float)) == 0);
    dl_rng_seed(&rb, 10);
    nn_init_params(&b, NN_INIT_AUTO, 0, &rb, &e);
    CHECK(memcmp(a.params, b.params, a.n_params * sizeof(float)) != 0);
    CHECK(nn_init_params(&a, NN_INIT_NORMAL, 0.0, &ra, &e) == DL_EUSAGE);
    CHECK(nn_init_params(&a, 99, 1.0, &ra, &e) == DL_EUSAGE);
    nn_free(&a);
    nn_free(&b);
}

/* --------------------- layout, views, determinism ------------------------ */
static void test_param_views(void)
{
    nn_layer_spec s[2] = {{4, NN_RELU, 0}, {2, NN_IDENTITY, 0}};
    nn_net net;
    nn_param_view v;
    dl_err e;
    CHECK(nn_create(&net, 3, s, 2, 8, &e) == 0);
    CHECK(net.n_params == 3 * 4 + 4 + 4 * 2 + 2 && net.n_out == 2);
    CHECK(nn_param_tensor_count(&net) == 4);
    size_t expect_off = 0;
    const char *names[] = {"layer1.weight", "layer1.bias", "layer2.weight", "layer2.bias"};
    for (size_t i = 0; i < 4; i++) {
        nn_param_view_get(&net, i, &v);
        CHECK_STR(v.name, names[i]);
        CHECK(v.offset == expect_off); /* W1 b1 W2 b2 back to back */
        CHECK(v.data == net.params + v.offset && v.grad == net.grads + v.offset);
        expect_off += v.count;
    }
    nn_param_view_get(&net, 2, &v);
    CHECK(v.rank == 2 && v.shape[0] == 2 && v.shape[1] == 4 && !v.is_bias);
    nn_param_view_get(&net, 3, &v);
    CHECK(v.rank == 1 && v.shape[0] == 2 && v.is_bias);
    nn_free(&net);
}

/* Forward by hand for one row: W is row-major [out x in] like torch. */
static void test_forward_layout(void)
{
    nn_layer_spec s = {2, NN_IDENTITY, 0};
    nn_net net;
    dl_err e;
    float x[6] = {1, 2, 3, -1, 0, 1};
    float p[8] = {1, 0, 0, 0, 1, 10, /* W */ 0.5f, -0.5f /* b */};
    CHECK(nn_create(&net, 3, &s, 1, 2, &e) == 0);
    memcpy(net.params, p, sizeof p);
    CHECK(nn_forward(&net, x, 2, &e) == 0);
    const float *o = nn_output(&net);
    CHECK(o[0] == 1.5f && o[1] == 31.5f && o[2] == -0.5f && o[3] == 9.5f);
    CHECK(nn_forward(&net, x, 3, &e) == DL_EUSAGE);
    CHECK(nn_forward(&net, x, 0, &e) == DL_EUSAGE);
    nn_free(&net);
}

/* A forward-only network computes the same outputs as a whole one, in a
 * workspace without deltas, also after it grows. */
static void test_forward_only(void)
{
    nn_layer_spec s[3] = {{64, NN_RELU, 0}, {32, NN_GELU, 0}, {10, NN_SOFTMAX, 0}};
    nn_net whole, fwd;
    dl_err e;
    dl_rng rng;
    static float x[50 * 20];
    dl_rng_seed(&rng, 5);
    for (size_t i = 0; i < 50 * 20; i++)
        x[i] = (float)dl_rng_normal(&rng);
    CHECK(nn_create(&whole, 20, s, 3, 50, &e) == 0);
    CHECK(nn_create_forward(&fwd, 20, s, 3, 1, &e) == 0);
    CHECK(fwd.grads == NULL && fwd.forward_only && fwd.layers[2].dz == NULL);
    for (size_t i = 0; i < nn_param_tensor_count(&fwd); i++) { /* named, without gradients */
        nn_param_view v;
        nn_param_view_get(&fwd, i, &v);
        CHECK(v.data == fwd.params + v.offset && v.grad == NULL);
    }
    nn_init_params(&whole, NN_INIT_AUTO, 0, &rng, &e);
    memcpy(fwd.params, whole.params, whole.n_params * sizeof(float));
    CHECK(nn_set_max_batch(&fwd, 50, &e) == 0 && fwd.layers[0].dz == NULL);
    CHECK(nn_forward(&whole, x, 50, &e) == 0 && nn_forward(&fwd, x, 50, &e) == 0);
    CHECK(memcmp(nn_output(&whole), nn_output(&fwd), 50 * 10 * sizeof(float)) == 0);
    /* each layer's z and a stay apart: the output's softmax reads its z */
    CHECK(fwd.layers[2].z + 50 * 10 <= fwd.layers[2].a);
    nn_free(&whole);
    nn_free(&fwd);
}

static void test_backward_deterministic(void)
{
    nn_layer_spec s[3] = {{64, NN_RELU, 0}, {32, NN_GELU, 0}, {10, NN_SOFTMAX, 0}};
    nn_net net;
    nn_loss l;
    dl_err e;
    dl_rng rng;
    double loss1, loss2;
    static float x[50 * 20], y[50], g1[20 * 64 + 64 + 64 * 32 + 32 + 32 * 10 + 10];
    dl_rng_seed(&rng, 3);
    for (size_t i = 0; i < 50 * 20; i++)
        x[i] = (float)dl_rng_normal(&rng);
    for (size_t i = 0; i < 50; i++)
        y[i] = (float)(i % 10);
    nn_loss_init(&l, NN_LOSS_CE);
    CHECK(nn_create(&net, 20, s, 3, 50, &e) == 0);
    CHECK(net.n_params == sizeof g1 / sizeof g1[0]);
    nn_init_params(&net, NN_INIT_AUTO, 0, &rng, &e);
    nn_forward(&net, x, 50, &e);
    nn_loss_eval(&l, &net, y, 1, 1, &loss1, &e);
    nn_backward(&net, x);
    memcpy(g1, net.grads, sizeof g1);
    nn_forward(&net, x, 50, &e);
    nn_loss_eval(&l, &net, y, 1, 1, &loss2, &e);
    nn_backward(&net, x);
    CHECK(loss1 == loss2);
    CHECK(memcmp(g1, net.grads, sizeof g1) == 0);
    /* nn_backward_add onto zeros is the same bits; onto them again, about
     * twice (BLAS may add in a different order) */
    memset(net.grads, 0, sizeof g1);
    nn_backward_add(&net, x);
    CHECK(memcmp(g1, net.grads, sizeof g1) == 0);
    nn_backward_add(&net, x);
    int doubled = 1;
    for (size_t i = 0; i < net.n_params; i++)
        doubled &= fabsf(net.grads[i] - 2.0f * g1[i]) <= 1e-6f * (1.0f + fabsf(g1[i]));
    CHECK(doubled);
    nn_free(&net);
}

/* Layers of many rows have their activation passes, forward and
 * backward, shared among BLAS's threads by rows: with 2 threads the
 * outputs, the loss and the gradients are those of 1 thread, every row
 * and every unit (to float32 rounding: the products may add in another
 * order), for activations computed element by element and by row. */
static void test_activations_in_parts(void)
{
    enum { ROWS = 700, IN = 12 };
    nn_layer_spec s[3] = {{300, NN_TANH, 0}, {200, NN_GELU, 0}, {60, NN_SOFTMAX, 0}};
    nn_net net[2];
    nn_loss l;
    dl_err e;
    dl_rng rng;
    double loss[2];
    static float x[ROWS * IN], y[ROWS];
    int was = dl_blas_set_threads(1);
    CHECK(dl_blas_reserve(2, NULL, &e) == 0);
    dl_rng_seed(&rng, 8);
    for (size_t i = 0; i < ROWS * IN; i++)
        x[i] = (float)dl_rng_normal(&rng);
    for (size_t i = 0; i < ROWS; i++)
        y[i] = (float)(i * 7 % 60);
    nn_loss_init(&l, NN_LOSS_CE);
    for (int t = 0; t < 2; t++) {
        dl_rng_seed(&rng, 4);
        CHECK(nn_create(&net[t], IN, s, 3, ROWS, &e) == 0);
        nn_init_params(&net[t], NN_INIT_AUTO, 0, &rng, &e);
        dl_blas_set_threads(t + 1);
        CHECK(nn_forward(&net[t], x, ROWS, &e) == 0);
        CHECK(nn_loss_eval(&l, &net[t], y, 1, 1, &loss[t], &e) == 0);
        nn_backward(&net[t], x);
    }
    CHECK(fabs(loss[0] - loss[1]) <= 1e-6 * fabs(loss[0]));
    size_t wrong = 0;
    const float *a = nn_output(&net[0]), *b = nn_output(&net[1]);
    for (size_t i = 0; i < ROWS * 60; i++)
        wrong += !(fabsf(a[i] - b[i]) <= 1e-5f * (1e-3f + fabsf(a[i])));
    for (size_t i = 0; i < net[0].n_params; i++)
        wrong += !(fabsf(net[0].grads[i] - net[1].grads[i]) <=
                   1e-4f * (1e-4f + fabsf(net[0].grads[i])));
    CHECK(wrong == 0);
    dl_blas_set_threads(was);
    nn_free(&net[0]);
    nn_free(&net[1]);
}

static void test_diagnostics(void)
{
    nn_layer_spec s = {2, NN_RELU, 0};
    nn_net net;
    nn_loss l;
    nn_layer_stats st;
    dl_err e;
    double loss;
    float y[4] = {0, 0, 0, 0};
    float p[6] = {1, 0, 0, 1, 0, 0}; /* W = I: z = x */
    CHECK(nn_create(&net, 2, &s, 1, 2, &e) == 0);
    memcpy(net.params, p, sizeof p);
    float xx[4] = {1, -1, 3, 1};
    nn_forward(&net, xx, 2, &e);
    nn_loss_init(&l, NN_LOSS_MSE);
    nn_loss_eval(&l, &net, y, 2, 1, &loss, &e);
    nn_backward(&net, xx);
    nn_layer_diagnostics(&net, 0, &st);
    /* z = {1, -1, 3, 1}: mean 1, population std 1.414; a = {1, 0, 3, 1}: mean 1.25 */
    CHECK_NEAR(st.z_mean, 1.0, 1e-12);
    CHECK_NEAR(st.z_std, sqrt(2.0), 1e-7);
    CHECK_NEAR(st.a_mean, 1.25, 1e-12);
    CHECK_NEAR(st.a_std, sqrt((0.0625 + 1.5625 + 3.0625 + 0.0625) / 4), 1e-7);
    /* dz = 2 a / 4 * relu' = {0.5, 0, 1.5, 0.5}; dW = dz^T x */
    /* dz rows (0.5, 0), (1.5, 0.5); x rows (1, -1), (3, 1) */
    double gw[4] = {0.5 * 1 + 1.5 * 3, 0.5 * -1 + 1.5 * 1, 0.5 * 3, 0.5 * 1};
    double gb[2] = {2.0, 0.5};
    CHECK_NEAR(st.gw_norm, sqrt(gw[0] * gw[0] + gw[1] * gw[1] + gw[2] * gw[2] + gw[3] * gw[3]),
               1e-6);
    CHECK_NEAR(st.gb_norm, sqrt(gb[0] * gb[0] + gb[1] * gb[1]), 1e-6);
    CHECK_NEAR(loss, (1.0 + 9.0 + 1.0) / 4.0, 1e-12);
    /* a pass of no rows (a process's share of a batch): z and a undefined */
    net.batch = 0;
    nn_layer_diagnostics(&net, 0, &st);
    CHECK(isnan(st.z_mean) && isnan(st.z_std) && isnan(st.a_mean) && isnan(st.a_std));
    nn_free(&net);
}

/* The pieces together: XOR, 2-8(tanh)-1(sigmoid), bce, plain gradient
 * descent by hand (no optimizer), from a seeded init, reaches a small loss
 * and classifies all four points. */
static void test_learns_xor(void)
{
    nn_layer_spec s[2] = {{8, NN_TANH, 0}, {1, NN_SIGMOID, 0}};
    float x[8] = {0, 0, 0, 1, 1, 0, 1, 1}, y[4] = {0, 1, 1, 0};
    nn_net net;
    nn_loss l;
    dl_err e;
    dl_rng r;
    double loss = NAN, first = NAN;
    dl_rng_seed(&r, 11);
    nn_loss_init(&l, NN_LOSS_BCE);
    CHECK(nn_create(&net, 2, s, 2, 4, &e) == 0);
    CHECK(nn_init_params(&net, NN_INIT_AUTO, 0, &r, &e) == 0);
    for (int it = 0; it < 2000; it++) {
        CHECK(nn_forward(&net, x, 4, &e) == 0);
        CHECK(nn_loss_eval(&l, &net, y, 1, 1, &loss, &e) == 0);
        first = it == 0 ? loss : first;
        nn_backward(&net, x);
        for (size_t i = 0; i < net.n_params; i++)
            net.params[i] -= 0.5f * net.grads[i];
    }
    CHECK(first > 0.5 && loss < 0.05);
    nn_forward(&net, x, 4, &e);
    for (int i = 0; i < 4; i++)
        CHECK((nn_output(&net)[i] > 0.5f) == (y[i] > 0.5f));
    nn_free(&net);
}

/* ------------------------------ bad input -------------------------------- */
static void test_create_errors(void)
{
    nn_net net;
    dl_err e;
    nn_layer_spec soft_hidden[2] = {{4, NN_SOFTMAX, 0}, {1, NN_IDENTITY, 0}};
    nn_layer_spec zero[1] = {{0, NN_RELU, 0}};
    nn_layer_spec bad_act[1] = {{3, 42, 0}};
    nn_layer_spec bad_slope[1] = {{3, NN_LEAKY_RELU, NAN}};
    nn_layer_spec huge[2] = {{SIZE_MAX / 2, NN_RELU, 0}, {SIZE_MAX / 2, NN_RELU, 0}};
    CHECK(nn_create(&net, 3, soft_hidden, 2, 4, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "layer 1") && strstr(e.msg, "softmax"));
    CHECK(net.layers == NULL);
    CHECK(nn_create(&net, 3, zero, 1, 4, &e) == DL_EDATA && strstr(e.msg, "units"));
    CHECK(nn_create(&net, 3, bad_act, 1, 4, &e) == DL_EDATA);
    CHECK(nn_create(&net, 3, bad_slope, 1, 4, &e) == DL_EDATA);
    CHECK(nn_create(&net, 3, zero, 0, 4, &e) == DL_EDATA);
    CHECK(nn_create(&net, 0, bad_act, 1, 4, &e) == DL_EDATA);
    CHECK(nn_create(&net, 3, huge, 2, 4, &e) == DL_ENOMEM);
    CHECK(nn_create(&net, 3, huge, 2, 0, &e) == DL_EUSAGE);
    nn_free(&net); /* safe on an empty net */
}

static void test_loss_errors(void)
{
    nn_net sig1, soft3, lin2;
    nn_loss l;
    dl_err e;
    double loss;
    CHECK(identity_net(&sig1, 1, NN_SIGMOID, 2) == 0);
    CHECK(identity_net(&soft3, 3, NN_SOFTMAX, 2) == 0);
    CHECK(identity_net(&lin2, 2, NN_IDENTITY, 2) == 0);
    float x_unused[4] = {0};
    nn_loss_init(&l, NN_LOSS_MSE);
    CHECK(nn_loss_eval(&l, &lin2, x_unused, 2, 1, &loss, &e) == DL_EUSAGE); /* no forward yet */
    nn_loss_init(&l, NN_LOSS_BCE);
    CHECK(nn_loss_check(&l, &lin2, 2, &e) == DL_EDATA);
    CHECK(nn_loss_check(&l, &sig1, 1, &e) == 0);
    nn_loss_init(&l, NN_LOSS_CE);
    CHECK(nn_loss_check(&l, &lin2, 2, &e) == DL_EDATA && strstr(e.msg, "softmax"));
    CHECK(nn_loss_check(&l, &soft3, 1, &e) == 0);
    CHECK(nn_loss_check(&l, &soft3, 3, &e) == 0);
    CHECK(nn_loss_check(&l, &soft3, 2, &e) == DL_EDATA && strstr(e.msg, "columns"));
    nn_loss_init(&l, NN_LOSS_MSE);
    CHECK(nn_loss_check(&l, &lin2, 3, &e) == DL_EDATA);
    nn_loss_init(&l, NN_LOSS_LQ);
    l.q = 0;
    CHECK(nn_loss_check(&l, &lin2, 2, &e) == DL_EDATA);
    nn_loss_init(&l, NN_LOSS_HUBER);
    l.delta = -1;
    CHECK(nn_loss_check(&l, &lin2, 2, &e) == DL_EDATA);

    /* labels: out of range, fractional, negative, NaN */
    float x[6] = {0, 0, 0, 1, 1, 1}, bad[2] = {0, 3}, frac[2] = {0.5f, 1}, neg[2] = {-1, 0};
    float nan_y[2] = {NAN, 0};
    nn_loss_init(&l, NN_LOSS_CE);
    nn_forward(&soft3, x, 2, &e);
    CHECK(nn_loss_eval(&l, &soft3, bad, 1, 1, &loss, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "label 3") != NULL);
    CHECK(nn_loss_check_targets(&l, &soft3, bad, 2, 1, 100, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 101") != NULL);
    CHECK(nn_loss_check_targets(&l, &soft3, frac, 2, 1, 1, &e) == DL_EDATA);
    CHECK(nn_loss_check_targets(&l, &soft3, neg, 2, 1, 1, &e) == DL_EDATA);
    CHECK(nn_loss_check_targets(&l, &soft3, nan_y, 2, 1, 1, &e) == DL_EDATA);
    float hot[6] = {1, 0, 0, 0, 0, 1};
    CHECK(nn_loss_check_targets(&l, &soft3, hot, 2, 3, 1, &e) == 0);
    float over[6] = {0, 0, 1, 0, 2, 0};
    CHECK(nn_loss_check_targets(&l, &soft3, over, 2, 3, 1, &e) == DL_EDATA);
    CHECK_STR(e.msg, "row 2: one-hot target 2 (column 2) is outside [0, 1] for ce");
    /* rows of class probabilities sum to 1 (within 0.001): not a multi-hot
     * row, nor one of zeros */
    float soft[6] = {0.2f, 0.3f, 0.5f, 0.3334f, 0.3333f, 0.3333f};
    CHECK(nn_loss_check_targets(&l, &soft3, soft, 2, 3, 1, &e) == 0);
    float near[6] = {0.2f, 0.3f, 0.4995f, 0.2f, 0.3f, 0.4985f};
    CHECK(nn_loss_check_targets(&l, &soft3, near, 2, 3, 1, &e) == DL_EDATA);
    CHECK_STR(e.msg, "row 2: the targets sum to 0.9985, but ce's rows (one-hot, or class "
                     "probabilities) sum to 1, within 0.001 (multi-hot rows are "
                     "multilabel_bce's)");
    float multi[6] = {1, 0, 0, 1, 1, 0}, zeros[6] = {0, 0, 0, 0, 0, 1};
    CHECK(nn_loss_check_targets(&l, &soft3, multi, 2, 3, 7, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 8: the targets sum to 2,") != NULL);
    CHECK(nn_loss_check_targets(&l, &soft3, zeros, 2, 3, 1, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 1: the targets sum to 0,") != NULL);
    nn_loss_init(&l, NN_LOSS_BCE);
    float two[2] = {0, 2};
    CHECK(nn_loss_check_targets(&l, &sig1, two, 2, 1, 1, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 2") != NULL);
    nn_free(&sig1);
    nn_free(&soft3);
    nn_free(&lin2);
}

int main(void)
{
    UNIT_RUN(test_activations_match_torch);
    UNIT_RUN(test_activation_names);
    UNIT_RUN(test_softmax_stable);
    UNIT_RUN(test_simd_relu_matches_scalar);
    UNIT_RUN(test_tanh_accuracy_and_simd);
    UNIT_RUN(test_losses_match_torch);
    UNIT_RUN(test_weighted_losses_match_torch);
    UNIT_RUN(test_gradcheck_activations);
    UNIT_RUN(test_gradcheck_losses);
    UNIT_RUN(test_gradcheck_detects_errors);
    UNIT_RUN(test_init_variances);
    UNIT_RUN(test_init_deterministic);
    UNIT_RUN(test_init_parts_keep_bits);
    UNIT_RUN(test_param_views);
    UNIT_RUN(test_forward_layout);
    UNIT_RUN(test_forward_only);
    UNIT_RUN(test_backward_deterministic);
    UNIT_RUN(test_activations_in_parts);
    UNIT_RUN(test_diagnostics);
    UNIT_RUN(test_learns_xor);
    UNIT_RUN(test_create_errors);
    UNIT_RUN(test_loss_errors);
    return UNIT_DONE();
}
