/* nn_kernels - in-process training throughput of the nn/optim core.
 *
 *   nn_kernels gen DIR       write the synthetic data set (float32 raw files
 *                            DIR/{xtr,ytr,xte,yte}.f32) and the initial
 *                            weights DIR/init.f32 (nn.h's flat layout, default
 *                            init, seed 1) that both sides read
 *   nn_kernels train DIR [EPOCHS]
 *                            784-256-128-10 relu, softmax cross-entropy, Adam
 *                            lr 1e-3, batch 128, shuffled each epoch; prints
 *                            "samples_per_s S test_accuracy A"
 *   nn_kernels peak          sgemm GFLOP/s on 1024^3, on this network's
 *                            largest product (128 x 784 x 256), and on all
 *                            the products of one training step
 *   nn_kernels core          the kernels OpenBLAS chose for this CPU (a CPU
 *                            newer than the OpenBLAS release gets generic
 *                            ones, many times slower: the figures say so)
 *   nn_kernels forward ROWS BATCH [FILE]
 *                            the floor of predicting ROWS rows with this
 *                            network BATCH rows at a time: the best CPU
 *                            seconds of its forward products alone (with
 *                            their shapes; bias, activations, reading and
 *                            writing left out), and, given FILE (its input
 *                            stream), the best CPU seconds of reading FILE
 *                            through read(2) in 16 MiB pieces; last, the
 *                            best wall seconds of the products (at several
 *                            BLAS threads, less than their CPU seconds)
 *   nn_kernels train_floor FILE
 *                            the best wall seconds of one Adam step on this
 *                            network's parameters (opt_step, as dl-train
 *                            calls it; run it at one BLAS thread: BLAS's
 *                            idle workers would have to be woken for each),
 *                            and the best CPU seconds of reading FILE (the
 *                            training data) as forward reads its input
 *
 * Only the training loop is timed (shuffle, gather, forward, loss, backward,
 * step), as in bench/nn_kernels_torch.py. */
#include <cblas.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "nn.h"
#include "optim.h"
#include "rng.h"

/* OpenBLAS's own; absent from other BLAS libraries */
char *openblas_get_corename(void) __attribute__((weak));

#define N_TRAIN 8000
#define N_TEST 2000
#define N_IN 784
#define N_CLASS 10
#define BATCH 128

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static int write_file(const char *dir, const char *name, const float *v, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(v, sizeof(float), n, f) != n || fclose(f) != 0) {
        perror(path);
        return 1;
    }
    return 0;
}

static int read_file(const char *dir, const char *name, float *v, size_t n)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    size_t got = f ? fread(v, sizeof(float), n, f) : 0;
    if (f)
        fclose(f);
    if (got != n) {
        fprintf(stderr, "nn_kernels: %s: expected %zu floats (run gen first)\n", path, n);
        return 1;
    }
    return 0;
}

/* Ten Gaussian clusters in 784 dimensions, overlapping enough that accuracy
 * is informative (well below 100% for a linear model). */
static void make_split(dl_rng *r, const float *centers, float *x, float *y, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t c = (size_t)dl_rng_below(r, N_CLASS);
        y[i] = (float)c;
        for (size_t j = 0; j < N_IN; j++)
            x[i * N_IN + j] = centers[c * N_IN + j] + (float)(2.0 * dl_rng_normal(r));
    }
}

static const nn_layer_spec net_spec[3] = {
    {256, NN_RELU, 0}, {128, NN_RELU, 0}, {N_CLASS, NN_SOFTMAX, 0}};

static int write_init(const char *dir)
{
    nn_net net;
    dl_rng r;
    dl_err e;
    dl_rng_seed(&r, 1);
    if (nn_create(&net, N_IN, net_spec, 3, 1, &e) || nn_init_params(&net, NN_INIT_AUTO, 0, &r, &e)) {
        fprintf(stderr, "nn_kernels: %s\n", e.msg);
        return 1;
    }
    int rc = write_file(dir, "init.f32", net.params, net.n_params);
    nn_free(&net);
    return rc;
}

static int gen(const char *dir)
{
    dl_rng r;
    float *centers = malloc(sizeof(float) * N_CLASS * N_IN);
    float *xtr = malloc(sizeof(float) * N_TRAIN * N_IN), *ytr = malloc(sizeof(float) * N_TRAIN);
    float *xte = malloc(sizeof(float) * N_TEST * N_IN), *yte = malloc(sizeof(float) * N_TEST);
    if (!centers || !xtr || !ytr || !xte || !yte)
        return 1;
    dl_rng_seed(&r, 2024);
    for (size_t i = 0; i < N_CLASS * N_IN; i++)
        centers[i] = (float)(0.2 * dl_rng_normal(&r));
    make_split(&r, centers, xtr, ytr, N_TRAIN);
    make_split(&r, centers, xte, yte, N_TEST);
    int rc = write_file(dir, "xtr.f32", xtr, (size_t)N_TRAIN * N_IN) ||
             write_file(dir, "ytr.f32", ytr, N_TRAIN) ||
             write_file(dir, "xte.f32", xte, (size_t)N_TEST * N_IN) ||
             write_file(dir, "yte.f32", yte, N_TEST) || write_init(dir);
    free(centers), free(xtr), free(ytr), free(xte), free(yte);
    return rc;
}

static double accuracy(nn_net *net, const float *x, const float *y, size_t n)
{
    dl_err e;
    size_t right = 0;
    for (size_t r = 0; r < n; r += BATCH) {
        size_t b = n - r < BATCH ? n - r : BATCH;
        if (nn_forward(net, x + r * N_IN, b, &e))
            return -1;
        const float *p = nn_output(net);
        for (size_t i = 0; i < b; i++) {
            size_t best = 0;
            for (size_t k = 1; k < N_CLASS; k++)
                best = p[i * N_CLASS + k] > p[i * N_CLASS + best] ? k : best;
            right += (float)best == y[r + i];
        }
    }
    return (double)right / (double)n;
}

typedef struct bench_data {
    float *xtr, *ytr, *xte, *yte, *xb, *yb;
    uint64_t *perm;
} bench_data;

static int load(const char *dir, bench_data *d)
{
    d->xtr = malloc(sizeof(float) * N_TRAIN * N_IN);
    d->ytr = malloc(sizeof(float) * N_TRAIN);
    d->xte = malloc(sizeof(float) * N_TEST * N_IN);
    d->yte = malloc(sizeof(float) * N_TEST);
    d->xb = malloc(sizeof(float) * BATCH * N_IN);
    d->yb = malloc(sizeof(float) * BATCH);
    d->perm = malloc(sizeof(uint64_t) * N_TRAIN);
    if (!d->xtr || !d->ytr || !d->xte || !d->yte || !d->xb || !d->yb || !d->perm)
        return 1;
    for (size_t i = 0; i < N_TRAIN; i++)
        d->perm[i] = i;
    return read_file(dir, "xtr.f32", d->xtr, (size_t)N_TRAIN * N_IN) ||
           read_file(dir, "ytr.f32", d->ytr, N_TRAIN) ||
           read_file(dir, "xte.f32", d->xte, (size_t)N_TEST * N_IN) ||
           read_file(dir, "yte.f32", d->yte, N_TEST);
}

/* One epoch: shuffle, then per batch gather rows, forward, loss, backward,
 * Adam step.  Returns the mean batch loss. */
static double epoch(nn_net *net, opt_state *o, const nn_loss *l, bench_data *d, dl_rng *r)
{
    dl_err e;
    double sum = 0.0, loss;
    size_t batches = 0;
    dl_rng_shuffle(r, d->perm, N_TRAIN);
    for (size_t s = 0; s < N_TRAIN; s += BATCH, batches++) {
        size_t b = N_TRAIN - s < BATCH ? N_TRAIN - s : BATCH;
        for (size_t i = 0; i < b; i++) {
            memcpy(d->xb + i * N_IN, d->xtr + d->perm[s + i] * N_IN, sizeof(float) * N_IN);
            d->yb[i] = d->ytr[d->perm[s + i]];
        }
        if (nn_forward(net, d->xb, b, &e) || nn_loss_eval(l, net, d->yb, 1, 1, &loss, &e))
            return -1;
        nn_backward(net, d->xb); /* as dl-train */
        opt_step(o, net->params, net->grads, o->cfg.lr);
        sum += loss;
    }
    return sum / (double)batches;
}

static int train(const char *dir, int epochs)
{
    bench_data d;
    nn_net net;
    nn_loss l;
    opt_opts c;
    opt_state o;
    dl_rng r;
    dl_err e;
    if (load(dir, &d))
        return 1;
    dl_rng_seed(&r, 1);
    nn_loss_init(&l, NN_LOSS_CE);
    opt_opts_defaults(&c, OPT_ADAM);
    if (nn_create(&net, N_IN, net_spec, 3, BATCH, &e) ||
        opt_create(&o, &c, net.n_params, NULL, 0, &e)) {
        fprintf(stderr, "nn_kernels: %s\n", e.msg);
        return 1;
    }
    if (read_file(dir, "init.f32", net.params, net.n_params))
        return 1;
    double t0 = now(), loss = 0;
    for (int ep = 0; ep < epochs; ep++)
        loss = epoch(&net, &o, &l, &d, &r);
    double dt = now() - t0;
    printf("samples_per_s %.0f test_accuracy %.4f final_loss %.4f seconds %.3f\n",
           (double)N_TRAIN * epochs / dt, accuracy(&net, d.xte, d.yte, N_TEST), loss, dt);
    opt_free(&o);
    nn_free(&net);
    free(d.xtr), free(d.ytr), free(d.xte), free(d.yte), free(d.xb), free(d.yb), free(d.perm);
    return 0;
}

/* Best GFLOP/s of C = A B^T for m x k times (n x k)^T over several repeats. */
static double sgemm_gflops(int m, int n, int k, int reps)
{
    float *a = calloc((size_t)m * k, sizeof(float)), *b = calloc((size_t)n * k, sizeof(float));
    float *c = calloc((size_t)m * n, sizeof(float));
    double best = 0;
    if (!a || !b || !c)
        return 0;
    for (size_t i = 0; i < (size_t)m * k; i++)
        a[i] = (float)(i % 13) * 0.01f;
    for (size_t i = 0; i < (size_t)n * k; i++)
        b[i] = (float)(i % 7) * 0.01f;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int i = 0; i < reps; i++)
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, m, n, k, 1.0f, a, k, b, k, 0.0f,
                        c, n);
        double g = 2.0 * m * n * k * reps / (now() - t0) / 1e9;
        best = g > best ? g : best;
    }
    free(a), free(b), free(c);
    return best;
}

/* GFLOP/s of the products alone of one training step of this network at
 * batch 128, with their real shapes and transposes (forward z = a W^T, weight
 * gradients dz^T a accumulated, input gradients dz W): the ceiling the
 * step's BLAS work can reach here, whatever the code around it does. */
static double step_gflops(int reps)
{
    const int dims[4] = {N_IN, 256, 128, N_CLASS}, b = BATCH;
    float *buf[4], *w[3], *g[3], *dz[4];
    double flops = 0, best = 0;
    for (int l = 0; l < 4; l++) {
        buf[l] = calloc((size_t)b * dims[l], sizeof(float));
        dz[l] = calloc((size_t)b * dims[l], sizeof(float));
        if (!buf[l] || !dz[l])
            return 0;
    }
    for (int l = 0; l < 3; l++) {
        w[l] = calloc((size_t)dims[l] * dims[l + 1], sizeof(float));
        g[l] = calloc((size_t)dims[l] * dims[l + 1], sizeof(float));
        if (!w[l] || !g[l])
            return 0;
        flops += 2.0 * 2 * b * dims[l] * dims[l + 1] + (l ? 2.0 * b * dims[l] * dims[l + 1] : 0);
    }
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int i = 0; i < reps; i++) {
            for (int l = 0; l < 3; l++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, dims[l + 1], dims[l],
                            1.0f, buf[l], dims[l], w[l], dims[l], 0.0f, buf[l + 1], dims[l + 1]);
            for (int l = 2; l >= 0; l--) {
                cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, dims[l + 1], dims[l], b,
                            1.0f, dz[l + 1], dims[l + 1], buf[l], dims[l], 1.0f, g[l], dims[l]);
                if (l)
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, b, dims[l],
                                dims[l + 1], 1.0f, dz[l + 1], dims[l + 1], w[l], dims[l], 0.0f,
                                dz[l], dims[l]);
            }
        }
        double gf = flops * reps / (now() - t0) / 1e9;
        best = gf > best ? gf : best;
    }
    for (int l = 0; l < 4; l++)
        free(buf[l]), free(dz[l]);
    for (int l = 0; l < 3; l++)
        free(w[l]), free(g[l]);
    return best;
}

static double cpu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Best CPU seconds (of every thread) of the three forward products of rows
 * rows, batch rows a call, as nn_forward makes them (z = a W^T); the best
 * wall seconds in *wall. */
static double forward_seconds(size_t rows, size_t batch, double *wall)
{
    const int dims[4] = {N_IN, 256, 128, N_CLASS};
    float *buf[4], *w[3];
    double best = 1e30;
    *wall = 0;
    for (int l = 0; l < 4; l++)
        if (!(buf[l] = calloc(batch * dims[l], sizeof(float))))
            return 0;
    for (int l = 0; l < 3; l++)
        if (!(w[l] = calloc((size_t)dims[l] * dims[l + 1], sizeof(float))))
            return 0;
    for (size_t i = 0; i < batch * N_IN; i++)
        buf[0][i] = (float)(i % 13) * 0.01f;
    *wall = 1e30;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = cpu_now(), w0 = now();
        for (size_t r = 0; r < rows; r += batch) {
            int b = (int)(rows - r < batch ? rows - r : batch);
            for (int l = 0; l < 3; l++)
                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, b, dims[l + 1], dims[l],
                            1.0f, buf[l], dims[l], w[l], dims[l], 0.0f, buf[l + 1], dims[l + 1]);
        }
        double dt = cpu_now() - t0, dw = now() - w0;
        best = dt < best ? dt : best;
        *wall = dw < *wall ? dw : *wall;
    }
    for (int l = 0; l < 4; l++)
        free(buf[l]);
    for (int l = 0; l < 3; l++)
        free(w[l]);
    return best;
}

/* Best wall seconds of one Adam step (opt_step, as dl-train calls it) on
 * this network's parameters: the optimizer's share of a training step,
 * which streams the weights, both moments and the gradient. */
static double adam_step_seconds(void)
{
    nn_net net;
    opt_opts c;
    opt_state o;
    dl_err e;
    double best = 1e30;
    opt_opts_defaults(&c, OPT_ADAM);
    if (nn_create(&net, N_IN, net_spec, 3, BATCH, &e) ||
        opt_create(&o, &c, net.n_params, NULL, 0, &e))
        return 0;
    /* opt_step leaves the gradient as it is: one gradient for every step */
    for (size_t j = 0; j < net.n_params; j++)
        net.grads[j] = (float)(j % 17) * 1e-3f;
    for (int rep = 0; rep < 5; rep++) {
        double t0 = now();
        for (int i = 0; i < 100; i++)
            opt_step(&o, net.params, net.grads, o.cfg.lr);
        double dt = (now() - t0) / 100;
        best = dt < best ? dt : best;
    }
    opt_free(&o);
    nn_free(&net);
    return best;
}

/* Best CPU seconds of reading path whole with read(2), 16 MiB a call (the
 * size of a stream's chunks); its bytes in *bytes. */
static double read_seconds(const char *path, double *bytes)
{
    size_t cap = (size_t)16 << 20;
    char *buf = malloc(cap);
    double best = 1e30;
    for (int rep = 0; buf && rep < 5; rep++) {
        FILE *f = fopen(path, "rb");
        if (!f)
            break;
        double t0 = cpu_now(), n = 0;
        for (ssize_t got; (got = read(fileno(f), buf, cap)) > 0;)
            n += (double)got;
        double dt = cpu_now() - t0;
        fclose(f);
        best = dt < best ? dt : best;
        *bytes = n;
    }
    free(buf);
    return best;
}

int main(int argc, char **argv)
{
    if (argc >= 3 && strcmp(argv[1], "gen") == 0)
        return gen(argv[2]);
    if (argc >= 3 && strcmp(argv[1], "train") == 0)
        return train(argv[2], argc >= 4 ? atoi(argv[3]) : 5);
    if (argc >= 2 && strcmp(argv[1], "peak") == 0) {
        printf("sgemm_gflops_1024 %.1f sgemm_gflops_128x784x256 %.1f sgemm_gflops_net_step %.1f\n",
               sgemm_gflops(1024, 1024, 1024, 3), sgemm_gflops(128, 256, 784, 200),
               step_gflops(20));
        return 0;
    }
    if (argc >= 2 && strcmp(argv[1], "core") == 0) {
        printf("%s\n", openblas_get_corename ? openblas_get_corename() : "unknown");
        return 0;
    }
    if (argc >= 4 && strcmp(argv[1], "forward") == 0) {
        size_t rows = (size_t)atol(argv[2]), batch = (size_t)atol(argv[3]);
        if (rows < 1 || batch < 1)
            return 2;
        double wall;
        printf("forward_cpu_s %.4f", forward_seconds(rows, batch, &wall));
        double bytes = 0, rs = argc >= 5 ? read_seconds(argv[4], &bytes) : 0;
        if (argc >= 5)
            printf(" read_cpu_s %.4f read_bytes %.0f", rs, bytes);
        printf(" forward_wall_s %.4f", wall);
        printf("\n");
        return 0;
    }
    if (argc >= 3 && strcmp(argv[1], "train_floor") == 0) {
        double bytes = 0, rs = read_seconds(argv[2], &bytes);
        printf("adam_step_s %.6f read_s %.4f read_bytes %.0f\n", adam_step_seconds(), rs, bytes);
        return 0;
    }
    fprintf(stderr, "usage: nn_kernels gen DIR | train DIR [EPOCHS] | peak | core | "
                    "forward ROWS BATCH [FILE] | train_floor FILE\n");
    return 2;
}
