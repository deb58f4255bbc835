/* The training loop (train.c) on a one-unit linear network, where every
 * number it should produce is computed here independently: full-batch SGD
 * on the mean squared error is plain gradient descent on (w, b). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "train.h"
#include "unit.h"

#define ROWS 4
static const double xs[ROWS] = {0, 1, 2, 3};
static const double ys[ROWS] = {1, 3, 5, 7}; /* y = 2x + 1 */

static void make_data(dl_tensor_set *data, size_t y_rows)
{
    dl_err e = {0};
    dl_tensor x = {0}, y = {0};
    dl_set_init(data);
    dl_tensor_alloc2(&x, "x", DL_F64, ROWS, 1, &e);
    dl_tensor_alloc2(&y, "y", DL_F64, y_rows, 1, &e);
    memcpy(x.data, xs, sizeof xs);
    memcpy(y.data, ys, y_rows * sizeof *ys);
    dl_set_add(data, &x, &e);
    dl_set_add(data, &y, &e);
}

/* The spec with lr and up to three overrides ("training.seed=7"), NULL-ended. */
static int parse_spec(dl_spec *s, const char *lr, const char *const *sets)
{
    char text[1024];
    snprintf(text, sizeof text,
             "model: {layers: [{units: 1, activation: identity}]}\n"
             "loss: mse\n"
             "optimizer: {name: sgd, lr: %s}\n"
             "training: {epochs: 3, batch_size: 4, shuffle: false, seed: 1, validation: 0}\n",
             lr);
    size_t n = 0;
    while (sets && sets[n])
        n++;
    dl_err e = {0};
    return spec_parse(s, text, strlen(text), "spec", sets, n, &e);
}

/* A run of the spec from the weights (w, b); returns tr_train's code. */
static int run(const char *lr, const char *const *sets, const dl_tensor_set *from,
               size_t y_rows, volatile sig_atomic_t *stop, dl_tensor_set *ckpt)
{
    dl_spec spec;
    dl_set_init(ckpt);
    if (parse_spec(&spec, lr, sets))
        return -1;
    dl_tensor_set data, init;
    make_data(&data, y_rows);
    dl_set_init(&init);
    dl_err e = {0};
    if (from)
        for (size_t i = 0; i < from->count; i++) {
            dl_tensor t = {0};
            dl_tensor_copy(&t, &from->items[i], &e);
            dl_set_add(&init, &t, &e);
        }
    tr_opts c = {.spec = &spec, .data_label = "data", .stop = stop,
                 .init_from = from ? &init : NULL, .ckpt_label = "init"};
    int rc = tr_train(&c, &data, NULL, ckpt, &e);
    dl_set_free(&data);
    dl_set_free(&init);
    return rc;
}

static float param(dl_tensor_set *ckpt, const char *name)
{
    dl_tensor *t = dl_set_find(ckpt, name);
    return t && t->dtype == DL_F32 ? ((const float *)t->data)[0] : NAN;
}

static void set_param(dl_tensor_set *ckpt, const char *name, float v)
{
    dl_tensor *t = dl_set_find(ckpt, name);
    if (t && t->dtype == DL_F32)
        ((float *)t->data)[0] = v;
}

/* A checkpoint whose weights are (w, b): one run's, overwritten. */
static void start_at(dl_tensor_set *ckpt, float w, float b)
{
    CHECK(run("0.01", NULL, NULL, ROWS, NULL, ckpt) == 0);
    set_param(ckpt, "layer1.weight", w);
    set_param(ckpt, "layer1.bias", b);
}

static double mse(double w, double b)
{
    double s = 0;
    for (int i = 0; i < ROWS; i++)
        s += (w * xs[i] + b - ys[i]) * (w * xs[i] + b - ys[i]);
    return s / ROWS;
}

static void gd_step(double *w, double *b, double lr)
{
    double gw = 0, gb = 0;
    for (int i = 0; i < ROWS; i++) {
        double r = *w * xs[i] + *b - ys[i];
        gw += 2 * r * xs[i] / ROWS;
        gb += 2 * r / ROWS;
    }
    *w -= lr * gw;
    *b -= lr * gb;
}

static int64_t counter(dl_tensor_set *ckpt, int i)
{
    dl_tensor *t = dl_set_find(ckpt, "state.counters");
    return t && t->dtype == DL_I64 ? ((const int64_t *)t->data)[i] : -1;
}

static void test_full_batch_sgd_is_gradient_descent(void)
{
    dl_tensor_set from, ckpt;
    start_at(&from, 0.5f, -0.25f);
    CHECK(run("0.05", NULL, &from, ROWS, NULL, &ckpt) == 0);
    double w = 0.5, b = -0.25, loss_before_last = 0;
    for (int epoch = 0; epoch < 3; epoch++) {
        loss_before_last = mse(w, b); /* an epoch's loss is its batch's, before the step */
        gd_step(&w, &b, 0.05);
    }
    /* the loss falls every epoch, so the best epoch is the last */
    CHECK_NEAR(param(&ckpt, "layer1.weight"), w, 1e-5);
    CHECK_NEAR(param(&ckpt, "layer1.bias"), b, 1e-5);
    dl_tensor *best = dl_set_find(&ckpt, "state.best_loss");
    CHECK(best && best->dtype == DL_F64);
    if (best)
        CHECK_NEAR(((const double *)best->data)[0], loss_before_last, 1e-5);
    CHECK(counter(&ckpt, 0) == 3 && counter(&ckpt, 2) == 3);
    dl_set_free(&from);
    dl_set_free(&ckpt);
}

/* With too large a step the loss grows from the first epoch on: patience 2
 * ends the run after epoch 3 and the checkpoint keeps epoch 1's weights. */
static void test_patience_stops_and_keeps_the_best_epoch(void)
{
    dl_tensor_set from, ckpt;
    start_at(&from, 0.5f, -0.25f);
    const char *sets[] = {"training.epochs=10", "training.early_stopping.patience=2", NULL};
    CHECK(run("0.5", sets, &from, ROWS, NULL, &ckpt) == 0);
    double w = 0.5, b = -0.25;
    gd_step(&w, &b, 0.5);
    CHECK(mse(w, b) > mse(0.5, -0.25)); /* the premise: it diverges */
    CHECK(counter(&ckpt, 0) == 3 && counter(&ckpt, 2) == 1);
    CHECK_NEAR(param(&ckpt, "layer1.weight"), w, 1e-5);
    CHECK_NEAR(param(&ckpt, "layer1.bias"), b, 1e-5);
    dl_set_free(&from);
    dl_set_free(&ckpt);
}

/* The checkpoint's training record with "stopped: early_stopping" made
 * "stopped: interrupted": what a run writes when a signal is seen at the end
 * of the epoch that used up its patience, before the patience is checked. */
static void mark_interrupted(dl_tensor_set *ckpt)
{
    dl_tensor *rec = dl_set_find(ckpt, "training");
    CHECK(rec && rec->dtype == DL_U8);
    if (!rec)
        return;
    char text[1024];
    size_t len = (size_t)rec->shape[0];
    CHECK(len < sizeof text);
    memcpy(text, rec->data, len < sizeof text ? len : 0);
    text[len < sizeof text ? len : 0] = '\0';
    char *at = strstr(text, "stopped: early_stopping\n");
    CHECK(at != NULL);
    if (!at)
        return;
    char out[1024];
    int n = snprintf(out, sizeof out, "%.*sstopped: interrupted\n%s", (int)(at - text), text,
                     at + strlen("stopped: early_stopping\n"));
    dl_err e = {0};
    dl_tensor t = {0};
    uint64_t shape[1] = {(uint64_t)n};
    CHECK(dl_tensor_alloc(&t, "training", DL_U8, 1, shape, &e) == 0);
    memcpy(t.data, out, (size_t)n);
    CHECK(dl_set_put(ckpt, &t, &e) == 0);
}

/* A run whose patience ran out at its last epoch is done, however it was
 * recorded as stopping: resumed with that patience it trains nothing, as
 * the run that went on would have stopped there. */
static void test_a_run_whose_patience_ran_out_is_done_when_resumed(void)
{
    dl_tensor_set from, stopped;
    start_at(&from, 0.5f, -0.25f);
    const char *sets[] = {"training.epochs=10", "training.early_stopping.patience=2", NULL};
    CHECK(run("0.5", sets, &from, ROWS, NULL, &stopped) == 0);
    CHECK(counter(&stopped, 0) == 3 && counter(&stopped, 3) == 2);
    mark_interrupted(&stopped);
    dl_spec spec;
    CHECK(parse_spec(&spec, "0.5", sets) == 0);
    dl_tensor_set data, ckpt;
    make_data(&data, ROWS);
    dl_set_init(&ckpt);
    dl_err e = {0};
    tr_opts c = {.spec = &spec, .data_label = "data", .resume = &stopped, .ckpt_label = "ckpt"};
    CHECK(tr_train(&c, &data, NULL, &ckpt, &e) == 0);
    CHECK(counter(&ckpt, 0) == 3 && counter(&ckpt, 2) == 1);
    dl_set_free(&data);
    dl_set_free(&ckpt);
    dl_set_free(&stopped);
    dl_set_free(&from);
}

static void test_a_stop_request_keeps_the_starting_weights(void)
{
    dl_tensor_set from, ckpt;
    start_at(&from, 0.5f, -0.25f);
    volatile sig_atomic_t stop = 1;
    CHECK(run("0.05", NULL, &from, ROWS, &stop, &ckpt) == DL_EINTR);
    CHECK(param(&ckpt, "layer1.weight") == 0.5f && param(&ckpt, "layer1.bias") == -0.25f);
    CHECK(counter(&ckpt, 0) == 0);
    dl_set_free(&from);
    dl_set_free(&ckpt);
}

static int same_records(dl_tensor_set *a, dl_tensor_set *b)
{
    if (a->count != b->count)
        return 0;
    for (size_t i = 0; i < a->count; i++) {
        dl_tensor *t = dl_set_find(b, a->items[i].name);
        size_t bytes = dl_tensor_nbytes(&a->items[i]);
        if (!t || dl_tensor_nbytes(t) != bytes || memcmp(t->data, a->items[i].data, bytes))
            return 0;
    }
    return 1;
}

static void test_the_same_seed_gives_the_same_bits(void)
{
    dl_tensor_set one, two, other;
    const char *seven[] = {"training.batch_size=2", "training.shuffle=true", "training.seed=7",
                           NULL};
    const char *eight[] = {"training.batch_size=2", "training.shuffle=true", "training.seed=8",
                           NULL};
    CHECK(run("0.05", seven, NULL, ROWS, NULL, &one) == 0);
    CHECK(run("0.05", seven, NULL, ROWS, NULL, &two) == 0);
    CHECK(run("0.05", eight, NULL, ROWS, NULL, &other) == 0);
    CHECK(same_records(&one, &two));
    CHECK(!same_records(&one, &other));
    dl_set_free(&one);
    dl_set_free(&two);
    dl_set_free(&other);
}

static void test_rows_that_disagree_are_refused(void)
{
    dl_tensor_set ckpt;
    CHECK(run("0.05", NULL, NULL, ROWS - 1, NULL, &ckpt) == DL_EDATA);
    CHECK(ckpt.count == 0);
    dl_set_free(&ckpt);
}

int main(void)
{
    UNIT_RUN(test_full_batch_sgd_is_gradient_descent);
    UNIT_RUN(test_patience_stops_and_keeps_the_best_epoch);
    UNIT_RUN(test_a_run_whose_patience_ran_out_is_done_when_resumed);
    UNIT_RUN(test_a_stop_request_keeps_the_starting_weights);
    UNIT_RUN(test_the_same_seed_gives_the_same_bits);
    UNIT_RUN(test_rows_that_disagree_are_refused);
    return UNIT_DONE();
}
