/* test_optim.c - optimizers against PyTorch (one step and ten of a fixed
 * 3-6-4-2 network, tests/fixtures/nn/gen_torch.py), l1 and clipping, decay
 * without biases, warmup times another schedule,
 * the step shared out in shards, schedules, state save/restore for exact
 * resume, config errors. */
#include <math.h>
#include <stdlib.h>

#include "blasmem.h"
#include "nn.h"
#include "nn_fixture.h"
#include "nn_simd.h"
#include "optim.h"
#include "unit.h"

#define ROWS 8

typedef struct fixture_net {
    nn_net net;
    float x[ROWS * 3], y[ROWS * 2];
    opt_range bias[3];
} fixture_net;

/* The fixture's network with its initial weights, and its bias ranges. */
static int load_net(fixture_net *f)
{
    nn_layer_spec s[3] = {{6, NN_TANH, 0}, {4, NN_RELU, 0}, {2, NN_IDENTITY, 0}};
    dl_err e;
    if (nn_create(&f->net, 3, s, 3, ROWS, &e))
        return -1;
    if (fixture_floats("init.txt", 0, f->net.params) != (int)f->net.n_params ||
        fixture_floats("x.txt", 0, f->x) != ROWS * 3 || fixture_floats("y.txt", 0, f->y) != ROWS * 2)
        return -1;
    for (size_t i = 0; i < 3; i++) {
        nn_param_view v;
        nn_param_view_get(&f->net, 2 * i + 1, &v);
        f->bias[i].off = v.offset;
        f->bias[i].len = v.count;
    }
    return 0;
}

/* One full-batch mse step, as the training loop takes it. */
static void train_step(fixture_net *f, opt_state *o, double lr)
{
    nn_loss l;
    dl_err e;
    double loss;
    nn_loss_init(&l, NN_LOSS_MSE);
    nn_forward(&f->net, f->x, ROWS, &e);
    nn_loss_eval(&l, &f->net, f->y, 2, 1, &loss, &e);
    nn_backward(&f->net, f->x); /* as the training loop: over what opt_step left */
    opt_step(o, f->net.params, f->net.grads, lr);
}

/* |a - b| <= 1e-5 * max(|b|, 0.01) for every parameter: relative, with a
 * floor for parameters that cross zero. */
static int params_match(const float *a, const double *b, size_t n, const char *what)
{
    int ok = 1;
    for (size_t i = 0; i < n; i++) {
        double tol = 1e-5 * fmax(fabs(b[i]), 0.01);
        if (!(fabs((double)a[i] - b[i]) <= tol)) {
            fprintf(stderr, "%s: parameter %zu = %.9g, torch %.9g\n", what, i, (double)a[i], b[i]);
            ok = 0;
        }
    }
    return ok;
}

static void check_against_torch(const char *name, const opt_opts *c)
{
    fixture_net f;
    opt_state o;
    dl_err e;
    char file[64], what[96];
    double want[FIX_MAX];
    snprintf(file, sizeof file, "opt_%s.txt", name);
    CHECK(load_net(&f) == 0);
    CHECK(opt_create(&o, c, f.net.n_params, f.bias, 3, &e) == 0);
    for (int step = 1; step <= 10; step++) {
        train_step(&f, &o, c->lr);
        if (step != 1 && step != 10)
            continue;
        CHECK(fixture_line(file, step == 1 ? 0 : 1, want) == (int)f.net.n_params);
        snprintf(what, sizeof what, "%s after %d step(s)", name, step);
        CHECK(params_match(f.net.params, want, f.net.n_params, what));
    }
    CHECK(o.step == 10);
    opt_free(&o);
    nn_free(&f.net);
}

static opt_opts config(int kind, double lr)
{
    opt_opts c;
    opt_opts_defaults(&c, kind);
    c.lr = lr;
    c.weight_decay = 0.0;
    return c;
}

/* The cases of gen_torch.py, with the same hyper-parameters. */
static void test_optimizers_match_torch(void)
{
    static const struct {
        const char *name;
        int kind;
        double lr, momentum;
        int nesterov;
        double beta1, beta2, eps, alpha, wd, clip, l1;
        int biases_kept; /* decay_bias = 0 */
    } cases[] = {
        {"sgd", OPT_SGD, 0.1, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0, 0, 0},
        {"momentum", OPT_SGD, 0.1, 0.9, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0, 0, 0},
        {"nesterov", OPT_SGD, 0.1, 0.9, 1, 0.9, 0.999, 1e-8, 0.99, 0.01, 0, 0, 0},
        {"sgd_wd", OPT_SGD, 0.1, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.05, 0, 0, 0},
        {"adam", OPT_ADAM, 0.01, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0, 0, 0},
        {"adam_wd", OPT_ADAM, 0.01, 0, 0, 0.8, 0.99, 1e-6, 0.99, 0.1, 0, 0, 0},
        {"adamw", OPT_ADAMW, 0.01, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.1, 0, 0, 0},
        {"rmsprop", OPT_RMSPROP, 0.01, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0, 0, 0},
        {"rmsprop_mom", OPT_RMSPROP, 0.01, 0.5, 0, 0.9, 0.999, 1e-8, 0.9, 0.01, 0, 0, 0},
        {"sgd_clip", OPT_SGD, 0.1, 0.9, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0.05, 0, 0},
        {"sgd_l1", OPT_SGD, 0.1, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0, 0, 0.01, 0},
        {"nesterov_nobias", OPT_SGD, 0.1, 0.9, 1, 0.9, 0.999, 1e-8, 0.99, 0.1, 0, 0, 1},
        {"adam_nobias", OPT_ADAM, 0.01, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.1, 0.5, 0.01, 1},
        {"adamw_nobias", OPT_ADAMW, 0.01, 0, 0, 0.9, 0.999, 1e-8, 0.99, 0.3, 0, 0, 1},
        {"rmsprop_nobias", OPT_RMSPROP, 0.01, 0.5, 0, 0.9, 0.999, 1e-8, 0.9, 0.05, 0, 0, 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        opt_opts c = config(cases[i].kind, cases[i].lr);
        c.momentum = cases[i].momentum;
        c.nesterov = cases[i].nesterov;
        c.beta1 = cases[i].beta1;
        c.beta2 = cases[i].beta2;
        c.eps = cases[i].eps;
        c.alpha = cases[i].alpha;
        c.weight_decay = cases[i].wd;
        c.clip_norm = cases[i].clip;
        c.l1 = cases[i].l1;
        c.decay_bias = !cases[i].biases_kept;
        check_against_torch(cases[i].name, &c);
    }
}

/* A wrong variant must not pass the same comparison: adam's fixture
 * against adamw with the same decay, and sgd's against momentum. */
static void test_comparison_can_fail(void)
{
    fixture_net f;
    opt_state o;
    dl_err e;
    double want[FIX_MAX];
    opt_opts c = config(OPT_ADAMW, 0.01);
    c.beta1 = 0.8;
    c.beta2 = 0.99;
    c.eps = 1e-6;
    c.weight_decay = 0.1;
    CHECK(load_net(&f) == 0);
    CHECK(opt_create(&o, &c, f.net.n_params, f.bias, 3, &e) == 0);
    for (int i = 0; i < 10; i++)
        train_step(&f, &o, c.lr);
    CHECK(fixture_line("opt_adam_wd.txt", 1, want) == (int)f.net.n_params);
    int mismatches = 0;
    for (size_t i = 0; i < f.net.n_params; i++)
        mismatches += fabs(f.net.params[i] - want[i]) > 1e-5 * fmax(fabs(want[i]), 0.01);
    CHECK(mismatches > (int)f.net.n_params / 2);
    opt_free(&o);
    nn_free(&f.net);
}

/* The SIMD adam kernel gives the scalar formula's bits, its weights written
 * through the cache or around it, and the sums of squares it takes in the
 * same pass simd_sum_squares' bits. */
static void test_simd_adam_matches_scalar(void)
{
    enum { N = 37 };
    _Alignas(32) float w[N];
    float m[N], v[N], g[N], w0[N], m0[N], v0[N], g0[N], w2[N], m2[N], v2[N];
    const float k[7] = {0.9f, 0.999f, 0.1f, 0.001f, 0.0123f, 0.0316f, 1e-8f};
    dl_rng r;
    dl_rng_seed(&r, 8);
    for (size_t i = 0; i < N; i++) {
        w0[i] = w2[i] = (float)dl_rng_normal(&r);
        m0[i] = m2[i] = (float)(0.1 * dl_rng_normal(&r));
        v0[i] = v2[i] = (float)(0.01 * dl_rng_uniform(&r));
        g0[i] = i % 9 == 0 ? 0.0f : (float)dl_rng_normal(&r);
    }
    for (size_t i = 0; i < N; i++) {
        m2[i] = k[0] * m2[i] + k[2] * g0[i];
        v2[i] = k[1] * v2[i] + k[3] * g0[i] * g0[i];
        w2[i] -= k[4] * m2[i] / (sqrtf(v2[i]) / k[5] + k[6]);
    }
    for (int stream = 0; stream < 2; stream++) {
        memcpy(w, w0, sizeof w);
        memcpy(m, m0, sizeof m);
        memcpy(v, v0, sizeof v);
        memcpy(g, g0, sizeof g);
        double acc[8] = {1, 2, 3, 4, 5, 6, 7, 8}, want[8] = {1, 2, 3, 4, 5, 6, 7, 8};
        size_t done = simd_adam(w, m, v, g, N, k, stream, stream ? acc : NULL);
        CHECK(done == 0 || done == 32);
        CHECK(!stream || simd_sum_squares(g0, N, want) == done); /* else acc is left alone */
        CHECK(memcmp(acc, want, sizeof acc) == 0);
        CHECK(memcmp(w, w2, sizeof(float) * done) == 0);
        CHECK(memcmp(m, m2, sizeof(float) * done) == 0);
        CHECK(memcmp(v, v2, sizeof(float) * done) == 0);
        CHECK(memcmp(g, g0, sizeof g) == 0); /* only read */
        CHECK(memcmp(w + done, w0 + done, sizeof(float) * (N - done)) == 0); /* the caller's */
    }
}

/* Clearing around the cache: whole blocks of 8 from an aligned start, and
 * nothing from an unaligned one. */
static void test_simd_clear_stream(void)
{
    _Alignas(32) float p[21];
    for (size_t i = 0; i < 21; i++)
        p[i] = 1.0f;
    size_t done = simd_clear_stream(p, 21);
    CHECK(done == 0 || done == 16);
    for (size_t i = 0; i < 21; i++)
        CHECK(p[i] == (i < done ? 0.0f : 1.0f));
    CHECK(simd_clear_stream(p + 1, 16) == 0);
    CHECK(p[1] == (done ? 0.0f : 1.0f) && p[17] == 1.0f);
}

/* Adam's pass shared among two BLAS threads gives one thread's bits, over a
 * size that is no multiple of the parts' blocks; so does the gradient norm
 * it takes in the same pass, which is also the norm of a pass of its own
 * before the update (clipping on, at a limit never reached), and the norm
 * of the gradient summed in plain order, to rounding.  The pass keeps each
 * block's sums, lane by lane (opt_state's norm_sums). */
static void test_adam_split_keeps_bits(void)
{
    enum { N = 100003, STEPS = 3, RUNS = 3 };
    opt_opts c;
    opt_state o[RUNS];
    dl_err e;
    float *w = malloc(7 * N * sizeof *w), *g = w + 3 * N, *given = w + 6 * N;
    CHECK(w != NULL && dl_blas_reserve(2, NULL, &e) == 0);
    if (!w)
        return;
    opt_opts_defaults(&c, OPT_ADAMW);
    c.weight_decay = 0.01;
    for (int j = 0; j < RUNS; j++) {
        c.clip_norm = j == 2 ? 1e30 : 0;
        CHECK(opt_create(&o[j], &c, N, NULL, 0, &e) == 0);
    }
    dl_rng r;
    dl_rng_seed(&r, 5);
    for (size_t i = 0; i < N; i++)
        w[i] = w[N + i] = w[2 * N + i] = (float)dl_rng_normal(&r);
    for (int step = 0; step < STEPS; step++) {
        double norm[RUNS], plain = 0;
        for (int j = 0; j < RUNS; j++) {
            dl_blas_set_threads(j == 0 ? 1 : 2);
            dl_rng_seed(&r, 100 + (uint64_t)step);
            for (size_t i = 0; i < N; i++)
                g[j * N + i] = given[i] = (float)dl_rng_normal(&r);
            norm[j] = opt_step(&o[j], w + j * N, g + j * N, 1e-3);
            CHECK(memcmp(g + j * N, given, N * sizeof *g) == 0); /* left for the next pass */
        }
        for (size_t i = 0; i < N; i++)
            plain += (double)given[i] * given[i];
        /* each block's lanes, kept by the pass: element i of a block of
         * 1024 to lane i % 8, added in order */
        for (size_t b = 0; b * 1024 < N; b++) {
            double lane[8] = {0};
            for (size_t i = b * 1024; i < N && i < (b + 1) * 1024; i++)
                lane[i % 8] += (double)given[i] * given[i];
            for (int j = 0; j < 2; j++)
                CHECK(memcmp(o[j].norm_sums + 8 * b, lane, sizeof lane) == 0);
        }
        CHECK(memcmp(&norm[0], &norm[1], sizeof *norm) == 0);
        CHECK(memcmp(&norm[0], &norm[2], sizeof *norm) == 0);
        CHECK_NEAR(norm[0], sqrt(plain), 1e-12 * sqrt(plain));
    }
    for (int j = 1; j < RUNS; j++) {
        CHECK(memcmp(w, w + j * N, N * sizeof *w) == 0);
        CHECK(memcmp(o[0].m, o[j].m, N * sizeof *w) == 0);
        CHECK(memcmp(o[0].v, o[j].v, N * sizeof *w) == 0);
    }
    for (int j = 0; j < RUNS; j++)
        opt_free(&o[j]);
    free(w);
}

/* A step shared among three "processes", each updating its shard of one
 * copy of the weights and state (opt_shard_begin, opt_norm over the shards'
 * sums, opt_shard_end), gives opt_step's bits for every optimizer, with
 * bias ranges across the shards' borders; with clipping the norm is summed
 * in another order, so the weights agree to rounding. */
static void check_shards(opt_opts c)
{
    enum { N = 1003, PARTS = 3, STEPS = 3 };
    opt_range bias[3] = {{10, 5}, {330, 20}, {660, 343}}; /* crosses 336 and 672 */
    float *w = malloc(4 * N * sizeof *w), *g = w + 2 * N;
    opt_state one, part[PARTS];
    dl_err e;
    CHECK(w != NULL && opt_create(&one, &c, N, bias, 3, &e) == 0);
    for (int i = 0; i < PARTS; i++) {
        CHECK(opt_create(&part[i], &c, N, bias, 3, &e) == 0);
        if (i) { /* the first one's arrays are the shared copy */
            free(part[i].m);
            free(part[i].v);
            part[i].m = part[0].m;
            part[i].v = part[0].v;
        }
    }
    dl_rng r;
    dl_rng_seed(&r, 3);
    for (size_t i = 0; i < N; i++)
        w[i] = w[N + i] = (float)dl_rng_normal(&r);
    double norm_one = 0, norm_parts = 0;
    for (int step = 0; step < STEPS; step++) {
        for (size_t i = 0; i < N; i++)
            g[i] = g[N + i] = (float)dl_rng_normal(&r);
        norm_one = opt_step(&one, w, g, 0.01);
        double acc[PARTS * 8] = {0};
        size_t from[PARTS], to[PARTS];
        for (int i = 0; i < PARTS; i++) {
            dl_blas_part_range(N, PARTS, i, 16, &from[i], &to[i]);
            opt_shard_begin(&part[i], w + N, g + N, from[i], to[i], acc + 8 * i);
        }
        norm_parts = opt_norm(acc, PARTS);
        for (int i = 0; i < PARTS; i++)
            opt_shard_end(&part[i], w + N, g + N, from[i], to[i], 0.01, norm_parts);
    }
    CHECK_NEAR(norm_parts, norm_one, 1e-12 * norm_one);
    if (c.clip_norm > 0) {
        double d = 0, n = 0;
        for (size_t i = 0; i < N; i++)
            d += (w[i] - w[N + i]) * (w[i] - w[N + i]), n += w[i] * w[i];
        CHECK(sqrt(d / n) < 1e-6);
    } else {
        CHECK(memcmp(w, w + N, N * sizeof *w) == 0);
        CHECK(!one.m || memcmp(one.m, part[0].m, N * sizeof *w) == 0);
        CHECK(!one.v || memcmp(one.v, part[0].v, N * sizeof *w) == 0);
    }
    for (int i = 1; i < PARTS; i++)
        part[i].m = part[i].v = NULL;
    for (int i = 0; i < PARTS; i++)
        opt_free(&part[i]);
    opt_free(&one);
    free(w);
}

static void test_shards_keep_bits(void)
{
    opt_opts c = config(OPT_SGD, 0.1);
    c.momentum = 0.9, c.nesterov = 1, c.l1 = 0.01, c.weight_decay = 0.1, c.decay_bias = 0;
    check_shards(c);
    c = config(OPT_ADAMW, 0.01);
    c.l1 = 0.01, c.weight_decay = 0.1, c.decay_bias = 0;
    check_shards(c);
    c = config(OPT_ADAM, 0.01);
    c.weight_decay = 0.1;
    check_shards(c);
    c = config(OPT_RMSPROP, 0.01);
    c.momentum = 0.5, c.weight_decay = 0.1, c.decay_bias = 0;
    check_shards(c);
    c.clip_norm = 1.0; /* the gradients' norm is about 30 */
    check_shards(c);
    c = config(OPT_ADAM, 0.01);
    c.clip_norm = 1.0;
    check_shards(c);
}

/* The SIMD sum of squares gives the scalar loop's bits, lane for lane. */
static void test_simd_sum_squares_matches_scalar(void)
{
    enum { N = 43 };
    float g[N];
    dl_rng r;
    dl_rng_seed(&r, 9);
    for (size_t i = 0; i < N; i++)
        g[i] = (float)(dl_rng_normal(&r) * (i % 5 == 0 ? 1e3 : 1e-3));
    double want[8] = {0.5, 0, 0, 0, 0, 0, 0, 1.5}, got[8];
    memcpy(got, want, sizeof got);
    for (size_t i = 0; i + 8 <= N; i += 8)
        for (size_t j = 0; j < 8; j++)
            want[j] += (double)g[i + j] * g[i + j];
    size_t done = simd_sum_squares(g, N, got);
    CHECK(done == 0 || done == 40);
    if (done)
        CHECK(memcmp(got, want, sizeof got) == 0);
}

static void test_norm_and_clip(void)
{
    float w[4] = {1, -2, 0, 3}, g[4] = {3, 0, 4, 0};
    opt_opts c = config(OPT_SGD, 1.0);
    opt_state o;
    dl_err e;
    c.clip_norm = 1.0;
    CHECK(opt_create(&o, &c, 4, NULL, 0, &e) == 0);
    CHECK_NEAR(opt_step(&o, w, g, 1.0), 5.0, 1e-12);
    /* g scaled to norm ~1: (0.6, 0, 0.8, 0) */
    CHECK_NEAR(w[0], 1.0 - 0.6, 1e-6);
    CHECK_NEAR(w[2], -0.8, 1e-6);
    CHECK(w[1] == -2.0f && w[3] == 3.0f);
    opt_free(&o);
}

/* A norm just under the limit is still scaled by limit / (norm + 1e-6), as
 * torch's clip_grad_norm_ scales by that coefficient clamped to 1 (11/12
 * for a norm of 5e-6 under a limit of 5.5e-6):
 *   w = torch.tensor([1., -2, 0, 3], requires_grad=True)
 *   w.grad = torch.tensor([3e-6, 0, 4e-6, 0]); clip_grad_norm_([w], 5.5e-6)
 *   w -= 1e5 * w.grad  ->  [0.7249999642372131, -2, -0.36666667461395264, 3] */
static void test_clip_at_the_limit(void)
{
    float w[4] = {1, -2, 0, 3}, g[4] = {3e-6f, 0, 4e-6f, 0};
    opt_opts c = config(OPT_SGD, 1e5);
    opt_state o;
    dl_err e;
    c.clip_norm = 5.5e-6;
    CHECK(opt_create(&o, &c, 4, NULL, 0, &e) == 0);
    opt_step(&o, w, g, 1e5);
    CHECK_NEAR(w[0], 0.7249999642372131, 1e-6);
    CHECK_NEAR(w[2], -0.36666667461395264, 1e-6);
    CHECK(w[1] == -2.0f && w[3] == 3.0f);
    opt_free(&o);
}

/* l1 and (optionally) weight decay skip the bias ranges. */
static void test_bias_ranges(void)
{
    float w[6] = {1, -1, 2, 5, 0, -3}, g[6] = {0};
    opt_range bias[1] = {{3, 2}}; /* elements 3 and 4 are biases */
    opt_opts c = config(OPT_SGD, 0.5);
    opt_state o;
    dl_err e;
    c.l1 = 0.1;
    c.weight_decay = 0.2;
    c.decay_bias = 0;
    CHECK(opt_create(&o, &c, 6, bias, 1, &e) == 0);
    opt_step(&o, w, g, 0.5);
    /* weights: w -= 0.5 (0.1 sign(w) + 0.2 w); biases untouched */
    CHECK_NEAR(w[0], 1 - 0.5 * (0.1 + 0.2), 1e-6);
    CHECK_NEAR(w[1], -1 + 0.5 * (0.1 + 0.2), 1e-6);
    CHECK_NEAR(w[2], 2 - 0.5 * (0.1 + 0.4), 1e-6);
    CHECK(w[3] == 5.0f && w[4] == 0.0f);
    CHECK_NEAR(w[5], -3 + 0.5 * (0.1 + 0.6), 1e-6);
    opt_free(&o);
    /* decay_bias = 1 (default): biases decay, but l1 still skips them */
    float w2[6] = {1, -1, 2, 5, 0, -3}, g2[6] = {0};
    c.decay_bias = 1;
    CHECK(opt_create(&o, &c, 6, bias, 1, &e) == 0);
    opt_step(&o, w2, g2, 0.5);
    CHECK_NEAR(w2[3], 5 - 0.5 * 0.2 * 5, 1e-6);
    CHECK_NEAR(w2[0], 1 - 0.5 * (0.1 + 0.2), 1e-6);
    opt_free(&o);
    opt_range overlap[2] = {{1, 3}, {2, 1}}, outside[1] = {{5, 2}};
    CHECK(opt_create(&o, &c, 6, overlap, 2, &e) == DL_EUSAGE);
    CHECK(opt_create(&o, &c, 6, outside, 1, &e) == DL_EUSAGE);
}

/* Five steps, state saved and restored into a fresh optimizer, five more:
 * bit-identical to ten uninterrupted steps. */
static void check_resume(const opt_opts *c)
{
    fixture_net a, b;
    opt_state oa, ob, oc;
    dl_err e;
    CHECK(load_net(&a) == 0 && load_net(&b) == 0);
    CHECK(opt_create(&oa, c, a.net.n_params, a.bias, 3, &e) == 0);
    CHECK(opt_create(&ob, c, b.net.n_params, b.bias, 3, &e) == 0);
    for (int i = 0; i < 10; i++)
        train_step(&a, &oa, c->lr);
    for (int i = 0; i < 5; i++)
        train_step(&b, &ob, c->lr);
    CHECK(opt_create(&oc, c, b.net.n_params, b.bias, 3, &e) == 0);
    CHECK(opt_state_tensor_count(&oc) == opt_state_tensor_count(&ob));
    for (size_t i = 0; i < opt_state_tensor_count(&ob); i++) {
        opt_state_view from, to;
        opt_state_view_get(&ob, i, &from);
        opt_state_view_get(&oc, i, &to);
        CHECK_STR(from.name, to.name);
        CHECK(from.count == to.count && from.count == b.net.n_params);
        memcpy(to.data, from.data, from.count * sizeof(float));
    }
    oc.step = ob.step;
    opt_free(&ob);
    for (int i = 0; i < 5; i++)
        train_step(&b, &oc, c->lr);
    CHECK(memcmp(a.net.params, b.net.params, a.net.n_params * sizeof(float)) == 0);
    opt_free(&oa);
    opt_free(&oc);
    nn_free(&a.net);
    nn_free(&b.net);
}

static void test_resume_exact(void)
{
    opt_opts c = config(OPT_ADAMW, 0.01);
    c.weight_decay = 0.1;
    check_resume(&c);
    c = config(OPT_SGD, 0.05);
    c.momentum = 0.9;
    check_resume(&c);
    c = config(OPT_RMSPROP, 0.01);
    check_resume(&c);
    opt_state o;
    dl_err e;
    CHECK(opt_create(&o, &c, 4, NULL, 0, &e) == 0);
    opt_state_view v;
    CHECK(opt_state_tensor_count(&o) == 1);
    opt_state_view_get(&o, 0, &v);
    CHECK_STR(v.name, "optim.v");
    opt_free(&o);
    c = config(OPT_SGD, 0.1);
    CHECK(opt_create(&o, &c, 4, NULL, 0, &e) == 0 && opt_state_tensor_count(&o) == 0);
    opt_free(&o);
}

static void test_schedules_match_torch(void)
{
    double want[FIX_MAX];
    opt_schedule s;
    dl_err e;
    opt_schedule_defaults(&s);
    for (uint64_t t = 0; t < 12; t++)
        CHECK(opt_schedule_lr(&s, 0.1, t) == 0.1);
    s.kind = SCHED_STEP;
    s.step_size = 3;
    s.gamma = 0.5;
    CHECK(opt_schedule_check(&s, &e) == 0);
    CHECK(fixture_line("sched.txt", 0, want) == 12);
    for (uint64_t t = 0; t < 12; t++)
        CHECK_NEAR(opt_schedule_lr(&s, 0.1, t), want[t], 1e-9);
    opt_schedule_defaults(&s);
    s.kind = SCHED_COSINE;
    s.t_max = 12;
    s.eta_min = 0.001;
    CHECK(fixture_line("sched.txt", 1, want) == 12);
    for (uint64_t t = 0; t < 12; t++)
        CHECK_NEAR(opt_schedule_lr(&s, 0.1, t), want[t], 1e-9);
    s.t_max = 4; /* past t_max the lr rises again, as torch's recursive form */
    CHECK(fixture_line("sched_cosine.txt", 0, want) == 20);
    for (uint64_t t = 0; t < 20; t++)
        CHECK_NEAR(opt_schedule_lr(&s, 0.003, t), want[t], 1e-12);
    opt_schedule_defaults(&s);
    s.warmup = 4;
    CHECK(fixture_line("sched.txt", 2, want) == 12);
    for (uint64_t t = 0; t < 12; t++)
        CHECK_NEAR(opt_schedule_lr(&s, 0.1, t), want[t], 1e-9);
    /* a warmup times step and cosine: LinearLR chained with StepLR, CosineAnnealingLR */
    s.kind = SCHED_STEP;
    s.step_size = 2;
    s.gamma = 0.5;
    s.warmup = 3;
    CHECK(fixture_line("sched_warmup.txt", 0, want) == 12);
    for (uint64_t t = 0; t < 12; t++)
        CHECK_NEAR(opt_schedule_lr(&s, 0.1, t), want[t], 1e-9);
    opt_schedule_defaults(&s);
    s.kind = SCHED_COSINE;
    s.t_max = 6;
    s.warmup = 4;
    CHECK(fixture_line("sched_warmup.txt", 1, want) == 12);
    for (uint64_t t = 0; t < 12; t++)
        CHECK_NEAR(opt_schedule_lr(&s, 0.1, t), want[t], 1e-9);
    s.kind = SCHED_STEP;
    s.step_size = 0;
    CHECK(opt_schedule_check(&s, &e) == DL_EDATA && strstr(e.msg, "step_size"));
    CHECK(opt_sched_parse("cosine") == SCHED_COSINE && opt_sched_parse("exp") == -1);
}

static void test_config_errors(void)
{
    opt_opts c;
    opt_state o;
    dl_err e;
    CHECK(opt_kind_parse("adamw") == OPT_ADAMW && opt_kind_parse("adagrad") == -1);
    CHECK_STR(opt_kind_name(OPT_RMSPROP), "rmsprop");
    opt_opts_defaults(&c, OPT_ADAMW);
    CHECK(c.lr == 1e-3 && c.weight_decay == 1e-2 && c.beta2 == 0.999 && c.decay_bias == 1);
    CHECK(opt_config_check(&c, &e) == 0);
    c.lr = -1;
    CHECK(opt_create(&o, &c, 4, NULL, 0, &e) == DL_EDATA && strstr(e.msg, "optimizer.lr"));
    CHECK(o.m == NULL && o.v == NULL);
    c.lr = NAN;
    CHECK(opt_config_check(&c, &e) == DL_EDATA);
    opt_opts_defaults(&c, OPT_SGD);
    c.nesterov = 1;
    CHECK(opt_config_check(&c, &e) == DL_EDATA && strstr(e.msg, "nesterov"));
    opt_opts_defaults(&c, OPT_ADAM);
    c.beta1 = 1.0;
    CHECK(opt_config_check(&c, &e) == DL_EDATA);
    opt_opts_defaults(&c, OPT_ADAM);
    c.weight_decay = -0.1;
    CHECK(opt_config_check(&c, &e) == DL_EDATA);
    opt_opts_defaults(&c, OPT_ADAM);
    c.eps = 0;
    CHECK(opt_config_check(&c, &e) == DL_EDATA);
    opt_opts_defaults(&c, OPT_ADAM);
    c.clip_norm = -1;
    CHECK(opt_config_check(&c, &e) == DL_EDATA);
}

int main(void)
{
    UNIT_RUN(test_optimizers_match_torch);
    UNIT_RUN(test_comparison_can_fail);
    UNIT_RUN(test_simd_adam_matches_scalar);
    UNIT_RUN(test_simd_clear_stream);
    UNIT_RUN(test_adam_split_keeps_bits);
    UNIT_RUN(test_shards_keep_bits);
    UNIT_RUN(test_simd_sum_squares_matches_scalar);
    UNIT_RUN(test_norm_and_clip);
    UNIT_RUN(test_clip_at_the_limit);
    UNIT_RUN(test_bias_ranges);
    UNIT_RUN(test_resume_exact);
    UNIT_RUN(test_schedules_match_torch);
    UNIT_RUN(test_config_errors);
    return UNIT_DONE();
}
