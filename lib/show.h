/* show.h - a checkpoint described for people (text) or scripts (JSON):
 * dl-tensor show.
 *
 * A network: the effective spec (YAML), each layer's weight and bias shapes
 * and parameter count with the total, the design, and the training summary
 * (lib/netmodel.h's `training` record).  A linear model: solver, rows,
 * rank, condition number, penalties, the design, and the coefficients with
 * the names of their columns (the checkpoint's `x.names`, else indices),
 * with their posterior standard deviations and the noise variance when the
 * fit has a posterior.  The checkpoint is checked as dl-predict checks it
 * (lib/model.h) before anything is described.
 *
 * Unknown values (a checkpoint older than the record that holds them) are
 * "unknown" in text and null in JSON; so are NaN and Inf numbers in JSON. */
#ifndef DL_SHOW_H
#define DL_SHOW_H

#include <stddef.h>

#include "err.h"
#include "tensor.h"

enum shw_format { SHW_TEXT = 0, SHW_JSON = 1 };

/* "text" or "json"; -1 when unknown. */
int shw_format_parse(const char *name);

/* Describes the checkpoint in ckpt (tensors the model needs are moved out
 * of it) into *text (malloc'd, NUL-terminated, *len bytes). */
int shw_describe(dl_tensor_set *ckpt, int format, char **text, size_t *len, dl_err *e);

/* Reads the checkpoint at path (NULL or "-": standard input) and writes
 * its description to standard output; nothing is written on an error,
 * which names the file. */
int shw_show(const char *path, int format, dl_err *e);

#endif
