/* libFuzzer target for the text records of a checkpoint.  The first byte
 * picks the record the rest becomes:
 *   0  the `model` record of a network; when its spec parses, parameter
 *      tensors of the shapes it declares are added (if they are small), so
 *      the fuzzer reaches prediction;
 *   1  the `model` record with a linear w [3 x 2];
 *   2  the `design` record of a linear model, w sized to the design.
 * Build and run with `make fuzz`. */
#include <stdio.h>

#include "basis.h"
#include "fuzz_model.h"
#include "netmodel.h"

/* Parameters beyond this are not synthesized (the record alone is still
 * opened: a huge declared network must be refused, not allocated). */
#define FUZZ_MAX_PARAMS (1u << 16)

static int add_text(dl_tensor_set *set, const char *name, const uint8_t *text, size_t len)
{
    dl_tensor t;
    dl_err e;
    uint64_t shape[1] = {len};
    if (dl_tensor_alloc(&t, name, DL_U8, 1, shape, &e))
        return -1;
    if (len)
        memcpy(t.data, text, len);
    if (dl_set_put(set, &t, &e)) {
        dl_tensor_free(&t);
        return -1;
    }
    return 0;
}

static int add_matrix(dl_tensor_set *set, const char *name, int dtype, uint64_t rows,
                      uint64_t cols)
{
    dl_tensor t;
    dl_err e;
    if (dl_tensor_alloc2(&t, name, dtype, rows, cols, &e))
        return -1;
    for (uint64_t i = 0; i < rows * cols; i++) {
        double v = 0.01 * (double)(i % 7) - 0.03;
        if (dtype == DL_F32)
            ((float *)t.data)[i] = (float)v;
        else
            ((double *)t.data)[i] = v;
    }
    if (cols == 1 && dtype == DL_F32) /* a bias is rank 1 */
        t.rank = 1;
    if (dl_set_put(set, &t, &e)) {
        dl_tensor_free(&t);
        return -1;
    }
    return 0;
}

/* Weights and biases of the shapes the model record declares. */
static void add_network_params(dl_tensor_set *set)
{
    dl_spec *s = malloc(sizeof *s);
    dl_err e;
    if (!s)
        return;
    if (nm_spec_from_set(s, set, &e) == 0) {
        uint64_t in = s->input, total = 0;
        for (size_t l = 0; l < s->n_layers && total <= FUZZ_MAX_PARAMS; l++) {
            total += (in + 1) * s->layers[l].units;
            in = s->layers[l].units;
        }
        in = s->input;
        for (size_t l = 0; l < s->n_layers && total <= FUZZ_MAX_PARAMS; l++) {
            char name[48];
            snprintf(name, sizeof name, "layer%zu.weight", l + 1);
            add_matrix(set, name, DL_F32, s->layers[l].units, in);
            snprintf(name, sizeof name, "layer%zu.bias", l + 1);
            add_matrix(set, name, DL_F32, s->layers[l].units, 1);
            in = s->layers[l].units;
        }
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    dl_tensor_set set;
    dl_set_init(&set);
    const uint8_t *text = data + 1;
    size_t len = size - 1;
    int ok = 0;
    switch (data[0] % 3) {
    case 0:
        ok = add_text(&set, "model", text, len) == 0;
        if (ok)
            add_network_params(&set);
        break;
    case 1:
        ok = add_text(&set, "model", text, len) == 0 &&
             add_matrix(&set, "w", DL_F64, 3, 2) == 0;
        break;
    case 2: {
        static const char linear[] = "kind: linear\n";
        bf_design *d = NULL;
        dl_err e;
        ok = add_text(&set, "model", (const uint8_t *)linear, sizeof linear - 1) == 0 &&
             add_text(&set, "design", text, len) == 0;
        if (ok) {
            int rc = bf_from_record(&d, dl_set_find(&set, "design"), &e);
            if (rc) {
                fuzz_check_error(rc, &e);
                ok = 0;
            } else {
                size_t p = bf_output_dim(d);
                ok = p <= FUZZ_MAX_PARAMS && add_matrix(&set, "w", DL_F64, p, 1) == 0;
                bf_free(d);
            }
        }
        break;
    }
    }
    if (ok)
        fuzz_use_checkpoint(&set);
    dl_set_free(&set);
    return 0;
}
