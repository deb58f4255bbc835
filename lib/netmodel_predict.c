/* netmodel_predict.c - a network checkpoint's predictions (see netmodel.h):
 * forward passes over the rows, the workspace grown as they arrive. */
#include "netmodel.h"

#include <string.h>

#include "netmodel_impl.h"

int nm_predict(nm_model *m, const float *x, size_t rows, float *yhat, dl_err *e)
{
    size_t in = m->net.n_in, out = m->net.n_out;
    size_t want = rows < m->max_rows ? rows : m->max_rows;
    if (want > m->net.max_batch && nn_set_max_batch(&m->net, want, e))
        return e->code;
    for (size_t r = 0; r < rows; r += m->net.max_batch) {
        size_t n = rows - r < m->net.max_batch ? rows - r : m->net.max_batch;
        if (nn_forward(&m->net, x + r * in, n, e))
            return e->code;
        memcpy(yhat + r * out, nn_output(&m->net), n * out * sizeof(float));
    }
    return 0;
}
