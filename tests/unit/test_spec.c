/* test_spec.c - the YAML model spec: the fish example (examples/fish2d.yaml), defaults,
 * overrides, errors with positions, and the format/parse round trip. */
#include <stdlib.h>
#include <string.h>

#include "spec.h"
#include "unit.h"

static const char *fish2d =
    "model:\n"
    "  layers:\n"
    "    - {units: 16, activation: tanh}\n"
    "    - {units: 16, activation: tanh}\n"
    "    - {units: 1, activation: sigmoid}\n"
    "  init: xavier\n"
    "loss: bce\n"
    "optimizer: {name: adam, lr: 0.01, weight_decay: 0.0}\n"
    "training: {epochs: 300, batch_size: 32, seed: 1, validation: 0.2, "
    "early_stopping: {patience: 30}}\n";

static int parse(dl_spec *s, const char *text, const char *const *ov, size_t n, dl_err *e)
{
    dl_err_clear(e);
    return spec_parse(s, text, strlen(text), "net.yaml", ov, n, e);
}

static void test_fish_example(void)
{
    dl_spec s;
    dl_err e;
    CHECK(parse(&s, fish2d, NULL, 0, &e) == 0);
    CHECK(s.n_layers == 3);
    CHECK(s.layers[0].units == 16 && s.layers[0].activ == NN_TANH);
    CHECK(s.layers[2].units == 1 && s.layers[2].activ == NN_SIGMOID);
    CHECK(s.init == NN_INIT_XAVIER_UNIFORM);
    CHECK(s.loss.kind == NN_LOSS_BCE);
    CHECK(s.opt.kind == OPT_ADAM);
    CHECK_NEAR(s.opt.lr, 0.01, 0);
    CHECK_NEAR(s.opt.beta2, 0.999, 0);
    CHECK(s.epochs == 300 && s.batch_size == 32 && s.seed == 1 && s.shuffle == 1);
    CHECK_NEAR(s.validation, 0.2, 0);
    CHECK(s.patience == 30 && s.min_delta == 0);
    CHECK(s.input == 0);
}

static void test_overrides(void)
{
    const char *ov[] = {"optimizer.lr=3e-4", "training.seed=7", "model.layers.2.units=32",
                        "model.layers.1={units: 8, activation: leaky_relu, slope: 0.2}",
                        "optimizer.schedule.name=cosine", "training.batch_size=full"};
    dl_spec s;
    dl_err e;
    CHECK(parse(&s, fish2d, ov, 6, &e) == 0);
    CHECK_NEAR(s.opt.lr, 3e-4, 0);
    CHECK(s.seed == 7);
    CHECK(s.layers[1].units == 32);
    CHECK(s.layers[0].units == 8 && s.layers[0].activ == NN_LEAKY_RELU);
    CHECK_NEAR(s.layers[0].param, 0.2, 0);
    CHECK(s.sched.kind == SCHED_COSINE && s.sched.t_max == 300);
    CHECK(s.batch_size == 0);
    /* a scalar section is short for {name: ...}, so its keys can be set */
    const char *ov2[] = {"loss=huber", "loss.delta=2.5"};
    CHECK(parse(&s, "model: {layers: [{units: 1, activation: identity}]}\nloss: mse\n", ov2, 2,
                &e) == 0);
    CHECK(s.loss.kind == NN_LOSS_HUBER);
    CHECK_NEAR(s.loss.delta, 2.5, 0);
}

/* The error text must contain `want` (a position and a phrase). */
static void expect_error(const char *text, const char *const *ov, size_t n, const char *want)
{
    dl_spec s;
    dl_err e;
    int rc = parse(&s, text, ov, n, &e);
    CHECK(rc != 0);
    if (!strstr(e.msg, want)) {
        fprintf(stderr, "message '%s' lacks '%s'\n", e.msg, want);
        CHECK(!"error message");
    }
}

static void test_errors(void)
{
    const char *head = "model:\n  layers:\n    - {units: 4, activation: relu}\n";
    char buf[1024];
    expect_error("model:\n  layers:\n    - {units: 4, activation: relu}\n"
                 "    - {units: 1, activation: identity}\nloss: mse\noptimizer:\n  lrr: 1\n",
                 NULL, 0, "net.yaml:7:3: unknown key 'lrr' in optimizer");
    snprintf(buf, sizeof buf, "%s    - {units: 1, activation: identity}\nloss: mse\n"
             "optimizer: {name: sgd, lr: -0.1}\n", head);
    expect_error(buf, NULL, 0, "net.yaml:6:28: optimizer.lr: must be > 0");
    expect_error("model:\n  layers:\n    - {units: 0, activation: relu}\nloss: mse\n", NULL, 0,
                 "net.yaml:3:15: model.layers.1.units: 0 is out of range");
    expect_error("model:\n  layers:\n    - {units: 4, activation: softmax}\n"
                 "    - {units: 2, activation: softmax}\nloss: ce\n", NULL, 0,
                 "net.yaml:3:30: model.layers.1: softmax is for the output layer only");
    expect_error("model:\n  layers:\n    - {units: 3, activation: softmax}\nloss: mse\n", NULL,
                 0, "net.yaml:3:30: a softmax output goes with loss ce");
    expect_error("model:\n  layers:\n    - {units: 2, activation: sigmoid}\nloss: bce\n", NULL,
                 0, "net.yaml:4:7: loss bce needs a 1-unit sigmoid output");
    expect_error("model:\n  layers:\n    - {units: 1, activation: sigmoid}\nloss: bce\n"
                 "training: {epochs: many}\n", NULL, 0,
                 "net.yaml:5:20: training.epochs: expected a whole number, found 'many'");
    expect_error("model:\n  layers: {units: 1}\nloss: mse\n", NULL, 0,
                 "net.yaml:2:11: model.layers: expected a list");
    expect_error("model:\n  layers:\n    - {units: 1, activation: tanh}\nloss: mse\n"
                 "optimizer: {name: adam, momentum: 0.9}\n", NULL, 0,
                 "net.yaml:5:25: optimizer.momentum does not apply to adam");
    expect_error("model: {layers: [{units: 1, activation: tanh}], init: xavier, "
                 "init_scale: 0.5}\nloss: mse\n", NULL, 0,
                 "net.yaml:1:63: model.init_scale does not apply to xavier_uniform");
    expect_error("model: {init_scale: 0.5, layers: [{units: 1, activation: tanh}]}\nloss: mse\n",
                 NULL, 0, "net.yaml:1:9: model.init_scale does not apply to auto");
    const char *scale_kaiming[] = {"model.init=normal", "model.init_scale=0.5",
                                   "model.init=kaiming"};
    expect_error(fish2d, scale_kaiming, 3, "model.init_scale does not apply to kaiming_normal");
    expect_error("model: [1, 2\n", NULL, 0, "net.yaml:");
    expect_error("", NULL, 0, "net.yaml: the spec is empty");
    expect_error("model:\n  layers:\n    - {units: 1, activation: tanh}\n", NULL, 0,
                 "the loss is missing");
    expect_error("a: &x 1\nb: *x\n", NULL, 0, "anchors and aliases");
    const char *bad_lr[] = {"optimizer.lr=-1"};
    expect_error(fish2d, bad_lr, 1, "-s 'optimizer.lr=-1': optimizer.lr: must be > 0");
    const char *bad_key[] = {"training.epoch=5"};
    expect_error(fish2d, bad_key, 1, "-s 'training.epoch=5': unknown key 'epoch' in training");
    const char *bad_index[] = {"model.layers.4.units=3"};
    expect_error(fish2d, bad_index, 1, "not an item number from 1 to 3");
    /* a value of the file made a mapping by an override: the override is named */
    const char *into_map[] = {"model.layers.1.units.x=3"};
    expect_error(fish2d, into_map, 1,
                 "-s 'model.layers.1.units.x=3': model.layers.1.units: expected a single value");
    const char *no_eq[] = {"optimizer.lr"};
    expect_error(fish2d, no_eq, 1, "expected key.path=value");
    /* YAML's null or a boolean is not a validation file of that name */
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training: {validation: null}\n", NULL, 0,
                 "net.yaml:3:24: training.validation: expected a fraction in [0, 1) or a file "
                 "name, found 'null'");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training:\n  validation: ~\n", NULL, 0, "net.yaml:4:15: training.validation");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training:\n  validation:\n", NULL, 0,
                 "training.validation: expected a fraction in [0, 1) or a file name, found "
                 "nothing");
    const char *val_false[] = {"training.validation=false"};
    const char *val_no[] = {"training.validation=no"};
    expect_error(fish2d, val_false, 1,
                 "-s 'training.validation=false': training.validation: expected a fraction");
    expect_error(fish2d, val_no, 1,
                 "-s 'training.validation=no': training.validation: expected a fraction");
    /* nor YAML's infinity or NaN (.inf, -.Inf, .nan), floats outside [0, 1) */
    const char *val_inf[] = {"training.validation=.inf"};
    const char *val_nan[] = {"training.validation=.NaN"};
    expect_error(fish2d, val_inf, 1,
                 "-s 'training.validation=.inf': training.validation: expected a fraction");
    expect_error(fish2d, val_nan, 1,
                 "-s 'training.validation=.NaN': training.validation: expected a fraction");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training: {validation: -.Inf}\n", NULL, 0,
                 "net.yaml:3:24: training.validation: expected a fraction in [0, 1) or a file "
                 "name, found '-.Inf'");
    const char *val_quoted[] = {"training.validation='null'"};
    dl_spec quoted;
    dl_err e;
    CHECK(parse(&quoted, fish2d, val_quoted, 1, &e) == 0 && strcmp(quoted.val_file, "null") == 0);
    /* a key with no value is named as such, not as an empty name or a single value */
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss:\n", NULL, 0,
                 "net.yaml:2:6: loss: expected a name or a mapping, found nothing (is what "
                 "follows indented under it?)");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\ntraining:\n"
                 "epochs: 3\n", NULL, 0,
                 "net.yaml:3:10: training: expected a mapping, found nothing (is what follows "
                 "indented under it?)");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "optimizer:\n  lr:\n", NULL, 0,
                 "net.yaml:4:6: optimizer.lr: expected a finite number, found nothing");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: {name: }\n", NULL, 0,
                 "net.yaml:2:14: loss.name: expected a name, found nothing");
    /* a block scalar is a string, as a quoted one, whatever it spells */
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training:\n  epochs: |-\n    3\n", NULL, 0,
                 "net.yaml:4:11: training.epochs: expected a whole number, found a block "
                 "scalar (| or >)");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "optimizer:\n  lr: >-\n    0.1\n", NULL, 0,
                 "net.yaml:4:7: optimizer.lr: expected a finite number, found a block scalar");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training:\n  shuffle: |-\n    true\n", NULL, 0,
                 "net.yaml:4:12: training.shuffle: expected true or false, found a block scalar");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "optimizer:\n  lr: |\n    0.1\n", NULL, 0,
                 "net.yaml:4:7: optimizer.lr: expected a finite number, found a block scalar");
    /* a name written as a block scalar keeps its line break, and one with a
     * control character is said to be no name, not shown as an unknown one */
    expect_error("model: {layers: [{units: 1, activation: identity}]}\nloss: |\n  mse\n", NULL, 0,
                 "net.yaml:2:7: loss: expected a name, found a block scalar (| or >), which "
                 "YAML reads with its line break (write the name on the key's line)");
    expect_error("model:\n  layers:\n    - units: 1\n      activation: >\n        identity\n"
                 "loss: mse\n", NULL, 0,
                 "net.yaml:4:19: model.layers.1.activation: expected a name, found a block "
                 "scalar (| or >), which YAML reads with its line break");
    expect_error("model: {layers: [{units: 1, activation: identity}]}\nloss: mse\n"
                 "optimizer:\n  name: |\n    sgd\n", NULL, 0,
                 "net.yaml:4:9: optimizer.name: expected a name, found a block scalar");
    expect_error("model: {layers: [{units: 1, activation: identity}]}\nloss: \"ms\\te\"\n", NULL,
                 0, "net.yaml:2:7: loss: 'ms?e' is not a name (contains a control character)");
    const char *newline_name[] = {"optimizer.schedule=\"step\\n\""};
    expect_error(fish2d, newline_name, 1,
                 "-s 'optimizer.schedule=\"step\\n\"': optimizer.schedule: 'step?' is not a "
                 "name (contains a control character)");
    expect_error("model: {layers: [{units: 1, activation: identity}], \"init\\r\": auto}\n"
                 "loss: mse\n", NULL, 0,
                 "net.yaml:1:53: unknown key 'init?' in model: it contains a control character "
                 "(known: input, layers, init, init_scale)");
    dl_spec stripped;
    dl_err stripped_err;
    CHECK(parse(&stripped, "model: {layers: [{units: 1, activation: identity}]}\nloss: |-\n"
                           "  mae\n", NULL, 0, &stripped_err) == 0 &&
          stripped.loss.kind == NN_LOSS_MAE);
    /* control characters from an override or a quoted scalar never split
     * the one-line message */
    const char *newline_key[] = {"2, act\nivation: x}\n"};
    expect_error(fish2d, newline_key, 1, "-s '2, act?ivation: x}?'");
    expect_error("model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n"
                 "training: {epochs: \"a\\nb\\tc\"}\n", NULL, 0,
                 "training.epochs: expected a whole number, found the quoted string 'a?b?c'");
}

static void test_round_trip(void)
{
    const char *ov[] = {"optimizer={name: sgd, lr: 0.1, momentum: 0.9, nesterov: true}",
                        "optimizer.schedule={name: step, step_size: 10, gamma: 0.5}",
                        "loss={name: lq, q: 1.5}", "model.layers.3.activation=identity",
                        "model.init=uniform", "model.init_scale=0.05", "model.input=2"};
    dl_spec a, b;
    dl_err e;
    CHECK(parse(&a, fish2d, ov, 7, &e) == 0);
    char *t1 = NULL, *t2 = NULL;
    size_t n1 = 0, n2 = 0;
    CHECK(spec_format(&a, &t1, &n1, &e) == 0);
    CHECK(spec_parse(&b, t1, n1, "printed", NULL, 0, &e) == 0);
    CHECK(spec_format(&b, &t2, &n2, &e) == 0);
    CHECK(n1 == n2 && t1 && t2 && strcmp(t1, t2) == 0);
    CHECK(strstr(t1, "  lr: 0.1\n") != NULL);
    CHECK(strstr(t1, "  nesterov: true\n") != NULL);
    CHECK(b.input == 2 && b.init == NN_INIT_UNIFORM && b.loss.kind == NN_LOSS_LQ);
    CHECK(b.sched.kind == SCHED_STEP && b.sched.step_size == 10);
    free(t1);
    free(t2);
    /* a validation file name with a quote survives the round trip */
    const char *ov3[] = {"training.validation=\"it's val.dlt\"",
                         "optimizer.schedule.warmup=5"};
    CHECK(parse(&a, "model: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n", ov3, 2,
                &e) == 0);
    CHECK_STR(a.val_file, "it's val.dlt");
    CHECK(a.opt.kind == OPT_ADAM && a.sched.warmup == 5);
    CHECK(spec_format(&a, &t1, &n1, &e) == 0);
    CHECK(spec_parse(&b, t1, n1, "printed", NULL, 0, &e) == 0);
    CHECK_STR(b.val_file, "it's val.dlt");
    free(t1);
    /* a file name with control bytes too, which single quotes would fold:
     * two newlines, a tab, a double quote, a backslash (a class name may
     * hold none) */
    const char *ov4[] = {"training.validation=\"a\\n\\nb\\t\\\"c\\\\d'e\"",
                         "training.class_weight={\"x\\\\y\": 2, 'it''s': 1}"};
    CHECK(parse(&a, "model: {layers: [{units: 1, activation: sigmoid}]}\nloss: bce\n", ov4, 2,
                &e) == 0);
    CHECK_STR(a.val_file, "a\n\nb\t\"c\\d'e");
    CHECK(spec_format(&a, &t1, &n1, &e) == 0);
    CHECK(spec_parse(&b, t1, n1, "printed", NULL, 0, &e) == 0);
    CHECK_STR(b.val_file, a.val_file);
    CHECK(b.n_class_weights == 2 && strcmp(b.cw_name[0], "x\\y") == 0 &&
          strcmp(b.cw_name[1], "it's") == 0);
    CHECK(spec_format(&b, &t2, &n2, &e) == 0);
    CHECK(n1 == n2 && strcmp(t1, t2) == 0);
    free(t1);
    free(t2);
    /* a checkpoint's model record starts with kind: network */
    char rec[2048];
    snprintf(rec, sizeof rec, "kind: network\n%s", fish2d);
    CHECK(parse(&a, rec, NULL, 0, &e) == 0);
    expect_error("kind: linear\nmodel: {layers: [{units: 1, activation: tanh}]}\nloss: mse\n",
                 NULL, 0, "net.yaml:1:7: kind");
}

int main(void)
{
    UNIT_RUN(test_fish_example);
    UNIT_RUN(test_overrides);
    UNIT_RUN(test_errors);
    UNIT_RUN(test_round_trip);
    return UNIT_DONE();
}
