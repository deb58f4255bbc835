/* lib/netmodel: a network's parameters into a checkpoint and back; NaN or
 * Inf is neither written nor read. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "netmodel.h"
#include "spec.h"
#include "unit.h"

static const char yaml[] =
    "model:\n  input: 3\n"
    "  layers: [{units: 2, activation: relu}, {units: 1, activation: identity}]\n"
    "loss: mse\n";

static void test_parameters_round_trip(void)
{
    dl_spec spec;
    nn_net net, back;
    dl_tensor_set s;
    dl_err e;
    dl_err_clear(&e);
    dl_set_init(&s);
    CHECK(spec_parse(&spec, yaml, sizeof yaml - 1, "spec", NULL, 0, &e) == 0);
    CHECK(nm_net_create(&net, &spec, 1, &e) == 0);
    CHECK(nm_net_create(&back, &spec, 1, &e) == 0);
    for (size_t i = 0; i < net.n_params; i++)
        net.params[i] = 0.25f * (float)i - 1.0f;
    CHECK(nm_params_to_set(&net, net.params, &s, "", &e) == 0);
    CHECK(nm_params_from_set(&back, &s, "", &e) == 0);
    CHECK(memcmp(net.params, back.params, net.n_params * sizeof(float)) == 0);
    nn_free(&net);
    nn_free(&back);
    dl_set_free(&s);
}

static void test_nonfinite_parameters_are_not_written(void)
{
    dl_spec spec;
    nn_net net;
    dl_tensor_set s;
    dl_err e;
    dl_err_clear(&e);
    CHECK(spec_parse(&spec, yaml, sizeof yaml - 1, "spec", NULL, 0, &e) == 0);
    CHECK(nm_net_create(&net, &spec, 1, &e) == 0);
    const float bad[2] = {NAN, -INFINITY};
    for (int k = 0; k < 2; k++) {
        dl_set_init(&s);
        for (size_t i = 0; i < net.n_params; i++)
            net.params[i] = 0.5f;
        /* the last parameter: layer2.bias */
        net.params[net.n_params - 1] = bad[k];
        CHECK(nm_params_to_set(&net, net.params, &s, "state.", &e) == DL_ENUM);
        CHECK_STR(e.msg, "'state.layer2.bias' holds NaN or Inf: not written");
        CHECK(dl_set_find(&s, "state.layer2.bias") == NULL);
        dl_set_free(&s);
    }
    nn_free(&net);
}

int main(void)
{
    UNIT_RUN(test_parameters_round_trip);
    UNIT_RUN(test_nonfinite_parameters_are_not_written);
    return UNIT_DONE();
}
