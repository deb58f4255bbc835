/* netmodel_impl.h - the predictor of a network checkpoint, shared by
 * netmodel.c (which opens it) and netmodel_predict.c (which runs it);
 * internal to netmodel. */
#ifndef DL_NETMODEL_IMPL_H
#define DL_NETMODEL_IMPL_H

#include <stddef.h>

#include "netmodel.h"

struct nm_model {
    dl_spec spec;
    nn_net net;
    size_t max_rows; /* rows per forward pass, within netmodel.c's NM_WORK_BYTES */
};

#endif
