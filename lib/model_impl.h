/* model_impl.h - an opened checkpoint, shared by model.c (which opens and
 * checks it) and model_predict.c (which predicts with it); internal to
 * model. */
#ifndef DL_MODEL_IMPL_H
#define DL_MODEL_IMPL_H

#include <stddef.h>

#include "basis.h"
#include "colmeta.h"
#include "linmodel.h"
#include "model.h"
#include "netmodel.h"

struct mdl_model {
    int kind;
    bf_design *design;     /* NULL: x goes to the core as it is */
    dl_tensor design_rec;  /* the checkpoint's design text, to recognise it */
    int design_upstream;   /* x arrives already designed */
    size_t inputs, outputs;
    lm_model *lin;         /* the linear kind (lib/linmodel.h) */
    nm_model *net;         /* the network kind (lib/netmodel.h) */
    cm_names xnames;       /* the checkpoint's x.names: the columns the core takes */
    dl_tensor y_names, y_categories; /* of the training targets, when kept */
};

#endif
