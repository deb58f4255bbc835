/* spec.h - the YAML model spec of dl-train (see man/dl-spec.5).
 *
 * A spec names a network (model.layers, model.init), a loss, an optimizer
 * with its lr schedule, and the training settings.  spec_parse reads it with
 * libyaml, applies `-s key.path=value` overrides to the YAML tree, then
 * validates every key: unknown keys, wrong types and impossible values are
 * DL_EDATA errors that start "FILE:LINE:COL: " (or "-s 'key=value': " for a
 * value that came from an override).  spec_format writes the effective spec
 * back as YAML with every default spelled out; parsing that text gives the
 * same spec, which is how a checkpoint's `model` record describes its
 * network. */
#ifndef DL_SPEC_H
#define DL_SPEC_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "nn.h"
#include "optim.h"

#define SPEC_LAYERS_MAX 64   /* a documented limit on model.layers */
#define SPEC_PATH_MAX PATH_MAX /* training.validation as a file name: any path */
#define SPEC_BYTES_MAX (1u << 20) /* a spec file larger than 1 MiB is refused */
#define SPEC_CLASS_WEIGHTS_MAX 256 /* classes given in training.class_weight */
#define SPEC_CLASS_NAME_MAX 255    /* bytes of a class named in training.class_weight */

enum spec_class_weight { SPEC_CW_NONE = 0, SPEC_CW_BALANCED, SPEC_CW_GIVEN };

typedef struct dl_spec {
    /* model */
    uint64_t input;                          /* 0: taken from the data */
    size_t n_layers;
    nn_layer_spec layers[SPEC_LAYERS_MAX];   /* the last one is the output */
    int init;                                /* enum nn_init */
    double init_scale;                       /* normal/uniform only */
    /* loss and optimizer */
    nn_loss loss;
    opt_opts opt;
    opt_schedule sched;
    int t_max_given;                         /* cosine t_max written, not training.epochs */
    /* training */
    uint64_t epochs;
    uint64_t batch_size;                     /* 0: full batch */
    int shuffle;
    uint64_t seed;
    double validation;                       /* fraction held out, [0, 1) */
    char val_file[SPEC_PATH_MAX];            /* or a file of x, y ("" for none) */
    uint64_t patience;                       /* 0: no early stopping */
    double min_delta;
    /* training.class_weight: none, balanced, or {class: weight} (classes
     * not named weigh 1); a row's loss is multiplied by its class's weight.
     * A class is a 0-based code or a name of y.categories: the codes come
     * first, increasing, then the names in the order given. */
    int class_weight;                        /* enum spec_class_weight */
    size_t n_class_weights;
    uint64_t cw_class[SPEC_CLASS_WEIGHTS_MAX]; /* the code, when cw_name is "" */
    char cw_name[SPEC_CLASS_WEIGHTS_MAX][SPEC_CLASS_NAME_MAX + 1];
    double cw_weight[SPEC_CLASS_WEIGHTS_MAX];  /* finite, >= 0 */
} dl_spec;

/* Parses spec text (len bytes, label names it in errors), applies the
 * overrides in order ("optimizer.lr=3e-4"; list items counted from 1, as in
 * model.layers.2.units=32), and validates.  A top-level `kind: network`
 * (the first line of a checkpoint's model record) is accepted. */
int spec_parse(dl_spec *s, const char *text, size_t len, const char *label,
               const char *const *overrides, size_t n_overrides, dl_err *e);
/* Reads the file (at most SPEC_BYTES_MAX; "-" is standard input) and parses it as above. */
int spec_load(dl_spec *s, const char *path, const char *const *overrides,
              size_t n_overrides, dl_err *e);
/* dl-train --val FILE: the validation data is FILE's, in place of any
 * training.validation (a fraction or another file), so that the effective
 * spec says where it came from.  An empty name is DL_EIO, as dl_fail_open
 * says of every input's; one of SPEC_PATH_MAX bytes or more, or one not
 * UTF-8 (the spec is YAML), is DL_EUSAGE. */
int spec_set_val_file(dl_spec *s, const char *path, dl_err *e);
/* The effective spec as YAML, every default written out; *text is
 * NUL-terminated, malloc'd, owned by the caller. */
int spec_format(const dl_spec *s, char **text, size_t *len, dl_err *e);
/* The spec of a run that resumes saved (a checkpoint's effective spec):
 * a cosine schedule's t_max that now takes from training.epochs is
 * saved's, so that raised epochs continue the saved schedule; then every
 * key of the two effective specs must agree but training.epochs and
 * training.early_stopping.patience (DL_EUSAGE naming the first key that
 * differs, with both values); a training.validation file agrees with any
 * other file, whatever its name. */
int spec_resume(dl_spec *now, const dl_spec *saved, dl_err *e);

#endif
