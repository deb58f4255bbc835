/* lstsq_opts.c - least squares' method names and option defaults (see
 * lstsq.h).  Apart from the solvers (lstsq.c) so that what only names a
 * method, such as the writer of linear checkpoints that dl-tensor show
 * links, does not bring LAPACK into a tool that solves nothing. */
#include "lstsq.h"

#include <string.h>

int ls_method_parse(const char *s)
{
    if (strcmp(s, "svd") == 0)
        return LS_SVD;
    if (strcmp(s, "qr") == 0)
        return LS_QR;
    if (strcmp(s, "normal") == 0)
        return LS_NORMAL;
    return -1;
}

const char *ls_method_name(int method)
{
    static const char *const names[] = {"svd", "qr", "normal"};
    return method >= 0 && method <= LS_NORMAL ? names[method] : "?";
}

void ls_opts_defaults(ls_opts *o)
{
    memset(o, 0, sizeof *o);
    o->method = LS_SVD;
    o->rcond = -1;
    o->l1_ratio = 1.0;
    o->tol = 1e-12;
    o->max_iter = 100000;
    o->free_col = -1;
    o->ones_col = -1;
}
