/* lib/show: checkpoints of both kinds described as JSON that a strict
 * RFC 8259 checker (below) accepts, with the values they hold; names that
 * need escaping; unknown values as null; the text form. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "netmodel.h"
#include "show.h"
#include "spec.h"
#include "set_fixture.h"
#include "unit.h"

/* ---------------- a strict JSON checker (RFC 8259 grammar) ---------------- */

typedef struct json_in {
    const char *s, *end;
    int depth;
} json_in;

static int json_value(json_in *j);

static void json_ws(json_in *j)
{
    while (j->s < j->end && (*j->s == ' ' || *j->s == '\t' || *j->s == '\n' || *j->s == '\r'))
        j->s++;
}

static int json_lit(json_in *j, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(j->end - j->s) < n || memcmp(j->s, lit, n) != 0)
        return 0;
    j->s += n;
    return 1;
}

static int json_digits(json_in *j)
{
    const char *start = j->s;
    while (j->s < j->end && *j->s >= '0' && *j->s <= '9')
        j->s++;
    return j->s > start;
}

static int json_number(json_in *j)
{
    if (j->s < j->end && *j->s == '-')
        j->s++;
    if (j->s < j->end && *j->s == '0')
        j->s++;
    else if (!json_digits(j))
        return 0;
    if (j->s < j->end && *j->s == '.') {
        j->s++;
        if (!json_digits(j))
            return 0;
    }
    if (j->s < j->end && (*j->s == 'e' || *j->s == 'E')) {
        j->s++;
        if (j->s < j->end && (*j->s == '+' || *j->s == '-'))
            j->s++;
        if (!json_digits(j))
            return 0;
    }
    return 1;
}

static int json_string_ok(json_in *j)
{
    if (j->s >= j->end || *j->s != '"')
        return 0;
    for (j->s++; j->s < j->end; j->s++) {
        unsigned char c = (unsigned char)*j->s;
        if (c == '"') {
            j->s++;
            return 1;
        }
        if (c < 0x20)
            return 0;
        if (c == '\\') {
            j->s++;
            if (j->s >= j->end || !strchr("\"\\/bfnrtu", *j->s))
                return 0;
            if (*j->s == 'u')
                for (int i = 0; i < 4; i++)
                    if (++j->s >= j->end || !strchr("0123456789abcdefABCDEF", *j->s))
                        return 0;
        }
    }
    return 0;
}

static int json_members(json_in *j, char close, int keyed)
{
    j->s++;
    json_ws(j);
    if (j->s < j->end && *j->s == close) {
        j->s++;
        return 1;
    }
    for (;;) {
        json_ws(j);
        if (keyed) {
            if (!json_string_ok(j))
                return 0;
            json_ws(j);
            if (j->s >= j->end || *j->s++ != ':')
                return 0;
        }
        if (!json_value(j))
            return 0;
        json_ws(j);
        if (j->s >= j->end)
            return 0;
        if (*j->s == close) {
            j->s++;
            return 1;
        }
        if (*j->s++ != ',')
            return 0;
    }
}

static int json_value(json_in *j)
{
    json_ws(j);
    if (j->s >= j->end || ++j->depth > 64)
        return 0;
    int ok;
    switch (*j->s) {
    case '{': ok = json_members(j, '}', 1); break;
    case '[': ok = json_members(j, ']', 0); break;
    case '"': ok = json_string_ok(j); break;
    case 't': ok = json_lit(j, "true"); break;
    case 'f': ok = json_lit(j, "false"); break;
    case 'n': ok = json_lit(j, "null"); break;
    default: ok = json_number(j); break;
    }
    j->depth--;
    return ok;
}

/* 1 when text is exactly one JSON value (blanks around it allowed). */
static int json_valid(const char *text, size_t len)
{
    json_in j = {text, text + len, 0};
    if (!json_value(&j))
        return 0;
    json_ws(&j);
    return j.s == j.end;
}

static void test_checker_can_fail(void)
{
    static const char *const good[] = {"{}", "[1, -0.5e+3, \"a\\n\\u00e9\"]", "{\"a\": null}",
                                       " true ", "{\"a\": {\"b\": [false]}}"};
    static const char *const bad[] = {"{", "[1,]", "{\"a\" 1}", "nan", "[inf]", "\"a\nb\"",
                                      "{a: 1}", "[1] [2]", "01", "1.", "\"\\x\"", "[-]"};
    for (size_t i = 0; i < sizeof good / sizeof *good; i++)
        CHECK(json_valid(good[i], strlen(good[i])));
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        CHECK(!json_valid(bad[i], strlen(bad[i])));
}

/* ------------------------------ checkpoints ------------------------------ */

/* Two columns named with a quote and a backslash, two outputs, a posterior. */
static void linear(dl_tensor_set *s, int with_cond)
{
    const double w[4] = {1.5, -2, 0.25, 3}, cov[8] = {4, 0, 0, 9, 1, 0, 0, 0.25},
                 s2[2] = {0.5, 0.125};
    uint64_t ws[2] = {2, 2}, cs[3] = {2, 2, 2}, ks[1] = {2};
    dl_set_init(s);
    add_text(s, "model", with_cond ? "kind: linear\nsolver: ridge\ncolumns: 2\noutputs: 2\n"
                                     "rows: 10\nrank: 2\nridge: 0.5\nalpha: 0\nl1_ratio: 1\n"
                                     "posterior: 1\ncond: 12.5\ncond_bound: 0\n"
                                   : "kind: linear\nsolver: svd\ncolumns: 2\noutputs: 2\n"
                                     "rows: 10\nrank: 2\nridge: 0\nalpha: 0\nl1_ratio: 1\n"
                                     "posterior: 1\n");
    add_f64(s, "w", 2, ws, w);
    add_f64(s, "w_cov", 3, cs, cov);
    add_f64(s, "sigma2", 1, ks, s2);
    add_text(s, "x.names", "bias\nsay \"hi\"\\\n");
    add_text(s, "y.names", "v\nh\n");
}

static char *describe(dl_tensor_set *s, int format, size_t *len, dl_err *e)
{
    char *text = NULL;
    if (shw_describe(s, format, &text, len, e))
        return NULL;
    return text;
}

/* s described as JSON, checked to be strict JSON as long as its length
 * says (no NUL inside); NULL when describing failed. */
static char *valid_json(dl_tensor_set *s)
{
    dl_err e;
    size_t len;
    char *t = describe(s, SHW_JSON, &len, &e);
    CHECK(t != NULL);
    if (t) {
        CHECK(json_valid(t, len));
        CHECK(strlen(t) == len);
    }
    return t;
}

static void test_linear_json(void)
{
    dl_tensor_set s;
    linear(&s, 1);
    char *t = valid_json(&s);
    if (t) {
        CHECK(strstr(t, "\"kind\": \"linear\"") != NULL);
        CHECK(strstr(t, "\"rank\": 2,") != NULL);
        CHECK(strstr(t, "\"condition_number\": 12.5,") != NULL);
        CHECK(strstr(t, "\"noise_variance\": [0.5, 0.125]") != NULL);
        /* the escaped name, w row 1, and sd = sqrt of the covariance diagonals */
        CHECK(strstr(t, "{\"index\": 1, \"name\": \"say \\\"hi\\\"\\\\\", \"w\": [0.25, 3], "
                        "\"sd\": [3, 0.5]}") != NULL);
        CHECK(strstr(t, "{\"index\": 0, \"name\": \"bias\", \"w\": [1.5, -2], \"sd\": [2, 1]}") !=
              NULL);
    }
    free(t);
    dl_set_free(&s);
}

static void test_linear_text_and_old_record(void)
{
    dl_tensor_set s;
    dl_err e;
    size_t len;
    linear(&s, 0); /* no cond: a checkpoint from before it was stored */
    char *t = describe(&s, SHW_TEXT, &len, &e);
    CHECK(t != NULL);
    if (t) {
        CHECK(strstr(t, "condition_number: unknown\n") != NULL);
        CHECK(strstr(t, "w(v)") != NULL && strstr(t, "sd(h)") != NULL);
        CHECK(strstr(t, "say \"hi\"\\") != NULL);
    }
    free(t);
    dl_set_free(&s);
    linear(&s, 0);
    t = describe(&s, SHW_JSON, &len, &e);
    CHECK(t && json_valid(t, len) && strstr(t, "\"condition_number\": null,"));
    free(t);
    dl_set_free(&s);
}

static void test_wrong_names(void)
{
    dl_tensor_set s;
    dl_err e;
    size_t len;
    linear(&s, 1);
    dl_tensor *n = dl_set_find(&s, "x.names");
    n->shape[0] = 5; /* "bias\n" alone: one name for two columns */
    CHECK(describe(&s, SHW_JSON, &len, &e) == NULL);
    CHECK(e.code == DL_EDATA);
    CHECK(strstr(e.msg, "'x.names' has 1 name for 2 columns") != NULL);
    dl_set_free(&s);
}

/* A 3-2-1 network with its weights and a summary. */
static void network(dl_tensor_set *s, int with_summary)
{
    static const char yaml[] =
        "model:\n  input: 3\n"
        "  layers: [{units: 2, activation: relu}, {units: 1, activation: identity}]\n"
        "loss: {name: mse}\noptimizer: {name: sgd, lr: 0.1}\ntraining: {epochs: 4, seed: 7}\n";
    dl_spec spec;
    nn_net net;
    dl_err e;
    dl_set_init(s);
    CHECK(spec_parse(&spec, yaml, sizeof yaml - 1, "spec", NULL, 0, &e) == 0);
    CHECK(nm_spec_to_set(&spec, s, &e) == 0);
    CHECK(nm_net_create(&net, &spec, 1, &e) == 0);
    for (size_t i = 0; i < net.n_params; i++)
        net.params[i] = 0.5f;
    CHECK(nm_params_to_set(&net, net.params, s, "", &e) == 0);
    nn_free(&net);
    if (with_summary) {
        nm_summary sum = {.epochs = 4, .best_epoch = 3, .best_train_loss = 0.25,
                          .best_val_loss = NAN, .stopped = NM_STOP_EARLY, .seed = 7,
                          .threads = 1, .processes = 2, .version = "9.9"};
        CHECK(nm_summary_to_set(&sum, s, &e) == 0);
    }
}

static void test_network_json(void)
{
    dl_tensor_set s;
    network(&s, 1);
    char *t = valid_json(&s);
    if (t) {
        CHECK(strstr(t, "{\"layer\": 1, \"units\": 2, \"activation\": \"relu\", \"weight\": [2, 3], "
                        "\"bias\": [2], \"parameters\": 8}") != NULL);
        CHECK(strstr(t, "\"parameters\": 11,") != NULL);
        CHECK(strstr(t, "\"training\": {\"epochs\": 4, \"best_epoch\": 3, \"best_train_loss\": "
                        "0.25, \"best_val_loss\": null, \"validation_rows\": 0, "
                        "\"stopped\": \"early_stopping\", "
                        "\"seed\": 7, \"threads\": 1, \"processes\": 2, \"version\": \"9.9\"}") !=
              NULL);
        CHECK(strstr(t, "\"spec\": \"model:\\n  input: 3\\n") != NULL);
    }
    free(t);
    dl_set_free(&s);
}

/* Before the training record: what state.* and the spec tell, the rest null. */
static void test_network_without_summary(void)
{
    dl_tensor_set s;
    dl_err e;
    size_t len;
    network(&s, 0);
    const int64_t counters[4] = {12, 40, 9, 3};
    const double best = 0.125;
    dl_tensor t;
    uint64_t four = 4, one = 1;
    dl_tensor_alloc(&t, "state.counters", DL_I64, 1, &four, &e);
    memcpy(t.data, counters, sizeof counters);
    dl_set_add(&s, &t, &e);
    add_f64(&s, "state.best_loss", 1, &one, &best);
    char *text = describe(&s, SHW_JSON, &len, &e);
    CHECK(text && json_valid(text, len));
    CHECK(text && strstr(text, "\"training\": {\"epochs\": 12, \"best_epoch\": 9, "
                               "\"best_train_loss\": 0.125, \"best_val_loss\": null, "
                               "\"validation_rows\": null, \"stopped\": null, \"seed\": 7, \"threads\": null, "
                               "\"processes\": null, \"version\": null}"));
    free(text);
    text = describe(&s, SHW_TEXT, &len, &e);
    CHECK(text && strstr(text, "  stopped: unknown\n  seed: 7\n  threads: unknown\n"));
    CHECK(text && strstr(text, "      2  [1, 2]         [1]      identity                3\n"));
    free(text);
    dl_set_free(&s);
}

static void test_broken_checkpoints(void)
{
    dl_tensor_set s;
    dl_err e;
    size_t len;
    network(&s, 1);
    dl_set_remove(&s, "layer2.bias");
    CHECK(describe(&s, SHW_TEXT, &len, &e) == NULL);
    CHECK(e.code == DL_EDATA && strstr(e.msg, "layer2.bias") != NULL);
    dl_set_free(&s);
    network(&s, 1);
    dl_tensor *rec = dl_set_find(&s, "training");
    memcpy(rec->data, "epochs: x", 9);
    CHECK(describe(&s, SHW_TEXT, &len, &e) == NULL);
    CHECK(e.code == DL_EDATA && strstr(e.msg, "'training': epochs: 'x' is not a count") != NULL);
    dl_set_free(&s);
    dl_set_init(&s);
    add_text(&s, "x", "no model");
    CHECK(describe(&s, SHW_JSON, &len, &e) == NULL);
    CHECK(e.code == DL_EDATA && strstr(e.msg, "no 'model' record") != NULL);
    dl_set_free(&s);
}

int main(void)
{
    UNIT_RUN(test_checker_can_fail);
    UNIT_RUN(test_linear_json);
    UNIT_RUN(test_linear_text_and_old_record);
    UNIT_RUN(test_wrong_names);
    UNIT_RUN(test_network_json);
    UNIT_RUN(test_network_without_summary);
    UNIT_RUN(test_broken_checkpoints);
    return UNIT_DONE();
}
