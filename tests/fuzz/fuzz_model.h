/* fuzz_model.h - what the checkpoint targets (fuzz_checkpoint,
 * fuzz_model_text) do with a checkpoint that opened: predict two rows, and
 * ask for labels.  Every failure must be one line with a documented status. */
#ifndef DL_FUZZ_MODEL_H
#define DL_FUZZ_MODEL_H

#include <string.h>

#include "fuzz.h"
#include "model.h"

/* Inputs beyond this are not predicted (the rows would be the fuzzer's
 * memory, not the checkpoint's). */
#define FUZZ_MAX_INPUTS 4096

static void fuzz_check_error(int rc, const dl_err *e)
{
    fuzz_require(rc == e->code && rc >= DL_EDATA && rc <= DL_ENUM, "undocumented status", e);
    fuzz_require(e->msg[0] && !strchr(e->msg, '\n'), "not one line", e);
}

/* Opens ckpt as a model and, when it opens, predicts two rows with it. */
static void fuzz_use_checkpoint(dl_tensor_set *ckpt)
{
    mdl_model *m;
    dl_err e;
    int rc = mdl_open(&m, ckpt, &e);
    if (rc) {
        fuzz_check_error(rc, &e);
        return;
    }
    size_t d = mdl_input_dim(m);
    dl_tensor x, yhat, ystd;
    memset(&yhat, 0, sizeof yhat);
    memset(&ystd, 0, sizeof ystd);
    if (d > 0 && d <= FUZZ_MAX_INPUTS && dl_tensor_alloc2(&x, "x", DL_F64, 2, d, &e) == 0) {
        double *v = x.data;
        for (size_t i = 0; i < 2 * d; i++)
            v[i] = (double)(i % 5) - 2.0;
        rc = mdl_predict(m, &x, 0, &yhat, mdl_has_std(m) ? &ystd : NULL, &e);
        if (rc)
            fuzz_check_error(rc, &e);
        else {
            fuzz_require(yhat.rank == 2 && yhat.shape[0] == 2 &&
                         yhat.shape[1] == mdl_output_dim(m), "yhat of the wrong shape", NULL);
            rc = mdl_labels(m, &yhat, 0.5, &e);
            fuzz_require(rc == 0 || rc == DL_EUSAGE || rc == DL_EDATA, "labels", &e);
        }
        dl_tensor_free(&x);
    }
    dl_tensor_free(&yhat);
    dl_tensor_free(&ystd);
    mdl_free(m);
}

#endif
