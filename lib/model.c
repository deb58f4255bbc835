/* model.c - checkpoints of every kind opened, checked and described (see
 * model.h); their predictions are model_predict.c's, so that a tool that
 * only reads a checkpoint links no BLAS. */
#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "kvtext.h"
#include "model_impl.h"
#include "stream.h"

static int open_linear(mdl_model *m, dl_tensor_set *ckpt, dl_err *e)
{
    if (lm_open(&m->lin, ckpt, e))
        return e->code;
    size_t p = lm_input_dim(m->lin);
    m->outputs = lm_output_dim(m->lin);
    m->inputs = m->design ? bf_input_dim(m->design) : p;
    if (m->design && bf_output_dim(m->design) != p)
        return dl_fail(e, DL_EDATA, "checkpoint: the design makes %zu column%s but w has %zu row%s",
                       bf_output_dim(m->design), dl_plural(bf_output_dim(m->design)), p,
                       dl_plural(p));
    return 0;
}

/* ---- the network kind: loader and predictor are lib/netmodel's ---- */

/* Rows per forward pass: bounds the network's workspace. */
#define NETWORK_CHUNK_ROWS 1024

static int open_network(mdl_model *m, dl_tensor_set *ckpt, dl_err *e)
{
    if (nm_open(&m->net, ckpt, NETWORK_CHUNK_ROWS, e))
        return strncmp(e->msg, "checkpoint", 10) ? dl_err_wrap(e, "checkpoint") : e->code;
    size_t in = nm_input_dim(m->net);
    m->outputs = nm_output_dim(m->net);
    m->inputs = m->design ? bf_input_dim(m->design) : in;
    if (m->design && bf_output_dim(m->design) != in)
        return dl_fail(e, DL_EDATA, "checkpoint: the design makes %zu column%s but the network "
                       "takes %zu",
                       bf_output_dim(m->design), dl_plural(bf_output_dim(m->design)), in);
    return 0;
}

static int parse_kind(const dl_tensor *rec, int *kind, dl_err *e)
{
    char v[64];
    if (rec->dtype != DL_U8 || rec->rank != 1)
        return dl_fail(e, DL_EDATA, "checkpoint: 'model' must be u8 text");
    if (!kv_value(rec->data, (size_t)dl_tensor_nelem(rec), "kind", v, sizeof v))
        return dl_fail(e, DL_EDATA, "checkpoint: the model record has no 'kind:' line");
    if (strcmp(v, "linear") == 0)
        *kind = MDL_LINEAR;
    else if (strcmp(v, "network") == 0)
        *kind = MDL_NETWORK;
    else if (strcmp(v, "lstsq-partial") == 0) /* a step before a model */
        return dl_fail(e, DL_EDATA, "checkpoint: a partial of dl-lstsq --partial, not a model: "
                                    "fit the partials with dl-lstsq --combine first");
    else
        return dl_fail(e, DL_EDATA, "checkpoint: unknown model kind '%s' (linear or network)", v);
    return 0;
}

/* y.names names the training targets: a column per output, or the one
 * column of a softmax's class labels when its targets were class codes. */
static int check_target_names(const mdl_model *m, dl_err *e)
{
    if (!m->y_names.data)
        return 0;
    cm_names yn;
    cm_names_init(&yn);
    int rc = cm_names_parse(&yn, &m->y_names, m->outputs, e);
    cm_names_free(&yn);
    dl_tensor labels;
    dl_err not_a_classifier;
    memset(&labels, 0, sizeof labels);
    labels.dtype = DL_F32;
    labels.rank = 2;
    labels.shape[1] = m->outputs;
    if (rc && m->kind == MDL_NETWORK && nm_labels(m->net, &labels, 0.5, &not_a_classifier) == 0 &&
        labels.shape[1] != m->outputs) {
        dl_err width = *e;
        rc = cm_names_parse(&yn, &m->y_names, labels.shape[1], e);
        cm_names_free(&yn);
        if (rc)
            *e = width; /* named by the outputs, the usual width */
    }
    return rc ? dl_err_wrap(e, "checkpoint") : 0;
}

int mdl_open(mdl_model **out, dl_tensor_set *ckpt, dl_err *e)
{
    *out = NULL;
    dl_tensor *rec = dl_set_find(ckpt, "model");
    if (!rec)
        return dl_fail(e, DL_EDATA, "not a checkpoint: no 'model' record");
    mdl_model *m = calloc(1, sizeof *m);
    if (!m)
        return dl_fail(e, DL_ENOMEM, "out of memory for the model");
    int rc = parse_kind(rec, &m->kind, e);
    if (!rc && dl_set_take(ckpt, "design", &m->design_rec))
        rc = bf_from_record(&m->design, &m->design_rec, e);
    cm_names_init(&m->xnames);
    dl_set_take(ckpt, "y.names", &m->y_names);
    dl_set_take(ckpt, "y.categories", &m->y_categories);
    if (!rc)
        rc = m->kind == MDL_LINEAR ? open_linear(m, ckpt, e) : open_network(m, ckpt, e);
    if (!rc)
        rc = cm_names_load(&m->xnames, ckpt, "x",
                           m->lin ? lm_input_dim(m->lin) : nm_input_dim(m->net), e);
    if (!rc)
        rc = check_target_names(m, e);
    if (rc) {
        mdl_free(m);
        return e->code;
    }
    *out = m;
    return 0;
}

/* The records a model is made of: not a network's training state (its
 * state.* records, for resuming), which is about three times its weights. */
static int model_record(const char *name) { return strncmp(name, "state.", 6) != 0; }

int mdl_load(mdl_model **m, const char *path, dl_err *e)
{
    dl_tensor_set set;
    dl_set_init(&set);
    int rc = st_read_checkpoint(path, &set, model_record, e);
    /* named as the checkpoint: dl-predict's data may be empty too */
    if (!rc && set.count == 0)
        rc = dl_fail(e, DL_EDATA, "%s: the checkpoint is empty (did the command that wrote it "
                     "fail?)", dl_err_label(path));
    if (!rc && mdl_open(m, &set, e))
        rc = dl_err_wrap(e, "%s", dl_err_label(path));
    dl_set_free(&set);
    return rc;
}

void mdl_free(mdl_model *m)
{
    if (!m)
        return;
    bf_free(m->design);
    dl_tensor_free(&m->design_rec);
    cm_names_free(&m->xnames);
    dl_tensor_free(&m->y_names);
    dl_tensor_free(&m->y_categories);
    lm_free(m->lin);
    nm_free(m->net);
    free(m);
}

int mdl_kind(const mdl_model *m) { return m->kind; }
const dl_tensor *mdl_target_names(const mdl_model *m)
{
    return m->y_names.data ? &m->y_names : NULL;
}
const dl_tensor *mdl_target_categories(const mdl_model *m)
{
    return m->y_categories.data ? &m->y_categories : NULL;
}
size_t mdl_input_dim(const mdl_model *m) { return m->design_upstream ? bf_output_dim(m->design) : m->inputs; }
size_t mdl_output_dim(const mdl_model *m) { return m->outputs; }
int mdl_has_std(const mdl_model *m) { return m->lin && lm_has_std(m->lin); }

int mdl_design_upstream(const mdl_model *m) { return m->design_upstream; }
const lm_model *mdl_linear(const mdl_model *m) { return m->lin; }
const nm_model *mdl_network(const mdl_model *m) { return m->net; }
const bf_design *mdl_design(const mdl_model *m) { return m->design; }

/* Without a design the checkpoint keeps no levels: a column of strings
 * would reach the model as the input's own codes (its levels sorted), which
 * match the training data's only by chance. */
static int no_design_levels(const pp_columns *c, dl_err *e)
{
    for (size_t j = 0; c->nlevels && j < c->count; j++)
        if (c->nlevels[j] > 0) {
            const char *name = c->name ? c->name[j] : NULL;
            return dl_fail(e, DL_EDATA, "column %zu%s%s%s is categorical in the input, but the "
                           "checkpoint has no design to match its levels to the training "
                           "data's by name (fit on the output of dl-design, which keeps them)",
                           j + 1, name ? " ('" : "", name ? name : "", name ? "')" : "");
        }
    return 0;
}

int mdl_bind_input(mdl_model *m, const pp_columns *c, dl_err *e)
{
    if (!m->design)
        return (c->name && m->xnames.count == c->count &&
                cm_names_agree(c->name, (const char *const *)m->xnames.name, c->count,
                               "checkpoint", e)) ||
                       no_design_levels(c, e)
                   ? e->code
                   : 0;
    if (m->design_upstream)
        return 0;
    return pp_bind(bf_prep_mut(m->design), c, e);
}

int mdl_accept_design(mdl_model *m, const dl_tensor *design_rec, dl_err *e)
{
    if (!m->design || !bf_design_equal(design_rec, &m->design_rec))
        return dl_fail(e, DL_EDATA, "the input went through a design that is not the "
                                    "checkpoint's; give raw x (the checkpoint applies its design)");
    m->design_upstream = 1;
    return 0;
}

int mdl_labels_thresholded(const mdl_model *m)
{
    return m->kind == MDL_NETWORK && nm_labels_thresholded(m->net);
}

int mdl_labels(const mdl_model *m, dl_tensor *yhat, double threshold, dl_err *e)
{
    if (m->kind != MDL_NETWORK)
        return dl_fail(e, DL_EUSAGE, "--labels needs a classifier network checkpoint");
    return nm_labels(m->net, yhat, threshold, e);
}
