/* netmodel.c - networks in checkpoints (see netmodel.h): the records read,
 * checked and written, and the predictor opened; its forward passes are
 * netmodel_predict.c's, so that a tool that only reads a checkpoint links
 * no BLAS. */
#include "netmodel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kvtext.h"
#include "netmodel_impl.h"
#include "numtext.h"

/* Prediction's workspace (z, a, dz of every layer for a pass of rows) stays
 * under this many bytes: a wide network predicts fewer rows per pass. */
#define NM_WORK_BYTES ((size_t)64 << 20)

/* Whether name is prefix + "layerN..." (N decimal digits, at most 19):
 * *layer is N, *digits their count and *rest what follows them. */
static int layer_name(const char *name, const char *prefix, size_t *layer, size_t *digits,
                      const char **rest)
{
    size_t plen = strlen(prefix);
    if (strncmp(name, prefix, plen) != 0 || strncmp(name + plen, "layer", 5) != 0)
        return 0;
    const char *p = name + plen + 5;
    *layer = *digits = 0;
    for (; *p >= '0' && *p <= '9' && *digits < 19; p++, (*digits)++)
        *layer = *layer * 10 + (size_t)(*p - '0');
    *rest = p;
    return 1;
}

/* The first tensor named prefix + "layerN.*" that is not a parameter of an
 * n_layers network (N beyond it, or neither weight nor bias), or NULL: a
 * checkpoint holding more than its model record describes is not trusted. */
static const char *stray_param(const dl_tensor_set *ckpt, const char *prefix, size_t n_layers)
{
    for (size_t i = 0; i < ckpt->count; i++) {
        const char *name = ckpt->items[i].name, *p;
        size_t layer, digits;
        if (!layer_name(name, prefix, &layer, &digits, &p))
            continue;
        int known = digits > 0 && (*p < '0' || *p > '9') && layer >= 1 && layer <= n_layers &&
                    p[-(long)digits] != '0' &&
                    (strcmp(p, ".weight") == 0 || strcmp(p, ".bias") == 0);
        if (!known)
            return name;
    }
    return NULL;
}

/* The highest N of the prefix + "layerN.weight" records (0: none). */
static size_t param_layers(const dl_tensor_set *ckpt, const char *prefix)
{
    size_t most = 0;
    for (size_t i = 0; i < ckpt->count; i++) {
        const char *p;
        size_t layer, digits;
        if (layer_name(ckpt->items[i].name, prefix, &layer, &digits, &p) && digits &&
            strcmp(p, ".weight") == 0 && layer > most)
            most = layer;
    }
    return most;
}

int nm_spec_from_set(dl_spec *s, dl_tensor_set *ckpt, dl_err *e)
{
    dl_tensor *rec = dl_set_find(ckpt, "model");
    if (!rec)
        return dl_fail(e, DL_EDATA, "no 'model' record: not a checkpoint");
    if (rec->dtype != DL_U8 || rec->rank != 1)
        return dl_fail(e, DL_EDATA, "record 'model': expected u8 text");
    const char *text = rec->data ? (const char *)rec->data : "";
    size_t len = (size_t)rec->shape[0];
    if (len < strlen(NM_KIND_LINE) || memcmp(text, NM_KIND_LINE, strlen(NM_KIND_LINE)) != 0)
        return dl_fail(e, DL_EDATA, "record 'model': not a network (first line is not '%.*s')",
                       (int)strlen(NM_KIND_LINE) - 1, NM_KIND_LINE);
    if (spec_parse(s, text, len, "checkpoint model record", NULL, 0, e))
        return e->code;
    if (s->input == 0)
        return dl_fail(e, DL_EDATA, "record 'model': the input size is missing");
    return 0;
}

int nm_spec_to_set(const dl_spec *s, dl_tensor_set *ckpt, dl_err *e)
{
    char *yaml;
    size_t len;
    if (spec_format(s, &yaml, &len, e))
        return e->code;
    size_t head = strlen(NM_KIND_LINE);
    dl_tensor t;
    uint64_t shape[1] = {head + len};
    int rc = dl_tensor_alloc(&t, "model", DL_U8, 1, shape, e);
    if (!rc) {
        memcpy(t.data, NM_KIND_LINE, head);
        memcpy((char *)t.data + head, yaml, len);
        rc = dl_set_put(ckpt, &t, e);
        if (rc)
            dl_tensor_free(&t);
    }
    free(yaml);
    return rc;
}

/* ---------------------------- training summary ---------------------------- */

static const char *const STOP_NAMES[] = {"unknown", "completed", "early_stopping", "nan_loss",
                                         "interrupted"};

const char *nm_stop_name(int stopped)
{
    return stopped > 0 && stopped <= NM_STOP_INTERRUPTED ? STOP_NAMES[stopped] : STOP_NAMES[0];
}

/* The record's text into buf (NM_SUMMARY_MAX bytes, which every summary
 * fits: ten keys, numbers of at most 32 characters, a version of 31); its
 * length. */
static size_t summary_text(const nm_summary *s, char *buf)
{
    char train[NT_BUF], val[NT_BUF];
    nt_format_f64(s->best_train_loss, train);
    nt_format_f64(s->best_val_loss, val);
    int n = snprintf(buf, NM_SUMMARY_MAX,
                     "epochs: %lld\nbest_epoch: %lld\nbest_train_loss: %s\nbest_val_loss: %s\n"
                     "validation_rows: %lld\nstopped: %s\nseed: %lld\nthreads: %lld\n"
                     "processes: %lld\nversion: %s\n",
                     (long long)s->epochs, (long long)s->best_epoch, train, val,
                     (long long)s->validation_rows, nm_stop_name(s->stopped), (long long)s->seed,
                     (long long)s->threads, (long long)s->processes, s->version);
    return n < 0 ? 0 : (size_t)n < NM_SUMMARY_MAX ? (size_t)n : NM_SUMMARY_MAX - 1;
}

int nm_summary_reserve(dl_tensor_set *ckpt, dl_err *e)
{
    dl_tensor t;
    uint64_t shape[1] = {NM_SUMMARY_MAX};
    if (dl_tensor_alloc(&t, "training", DL_U8, 1, shape, e))
        return e->code;
    if (dl_set_put(ckpt, &t, e)) {
        dl_tensor_free(&t);
        return e->code;
    }
    return 0;
}

void nm_summary_fill(const nm_summary *s, dl_tensor_set *ckpt)
{
    char text[NM_SUMMARY_MAX];
    dl_tensor *t = dl_set_find(ckpt, "training");
    size_t len = summary_text(s, text);
    memcpy(t->data, text, len);
    t->shape[0] = len; /* within the NM_SUMMARY_MAX bytes reserved */
}

int nm_summary_to_set(const nm_summary *s, dl_tensor_set *ckpt, dl_err *e)
{
    if (nm_summary_reserve(ckpt, e))
        return e->code;
    nm_summary_fill(s, ckpt);
    return 0;
}

static void summary_unknown(nm_summary *s)
{
    memset(s, 0, sizeof *s);
    s->epochs = s->best_epoch = s->validation_rows = s->seed = s->threads = s->processes = -1;
    s->best_train_loss = s->best_val_loss = NAN;
    s->stopped = NM_STOP_UNKNOWN;
}

/* A count of the record, or -1 when absent; a bad value is DL_EDATA. */
static int summary_count(const char *text, size_t len, const char *key, int64_t *out, dl_err *e)
{
    char v[NT_BUF];
    *out = -1;
    if (!kv_value(text, len, key, v, sizeof v))
        return 0;
    char *end;
    long long n = strtoll(v, &end, 10);
    if (!*v || *end || n < -1)
        return dl_fail(e, DL_EDATA, "record 'training': %s: '%s' is not a count", key, v);
    *out = n;
    return 0;
}

static int summary_loss(const char *text, size_t len, const char *key, double *out, dl_err *e)
{
    char v[NT_BUF + 8];
    *out = NAN;
    if (kv_value(text, len, key, v, sizeof v) && nt_parse_f64(v, v + strlen(v), out) != NT_OK)
        return dl_fail(e, DL_EDATA, "record 'training': %s: '%s' is not a number", key, v);
    return 0;
}

static int summary_from_record(nm_summary *s, const dl_tensor *rec, dl_err *e)
{
    if (rec->dtype != DL_U8 || rec->rank != 1)
        return dl_fail(e, DL_EDATA, "record 'training': expected u8 text");
    const char *text = rec->data ? (const char *)rec->data : "";
    size_t len = (size_t)rec->shape[0];
    char stop[32];
    if (summary_count(text, len, "epochs", &s->epochs, e) ||
        summary_count(text, len, "best_epoch", &s->best_epoch, e) ||
        summary_loss(text, len, "best_train_loss", &s->best_train_loss, e) ||
        summary_loss(text, len, "best_val_loss", &s->best_val_loss, e) ||
        summary_count(text, len, "validation_rows", &s->validation_rows, e) ||
        summary_count(text, len, "seed", &s->seed, e) ||
        summary_count(text, len, "threads", &s->threads, e) ||
        summary_count(text, len, "processes", &s->processes, e))
        return e->code;
    if (kv_value(text, len, "stopped", stop, sizeof stop))
        for (int i = 1; i <= NM_STOP_INTERRUPTED; i++)
            if (strcmp(stop, STOP_NAMES[i]) == 0)
                s->stopped = i;
    kv_value(text, len, "version", s->version, sizeof s->version);
    return 0;
}

/* What a checkpoint from before the `training` record still tells. */
static void summary_from_state(nm_summary *s, const dl_spec *spec, dl_tensor_set *ckpt)
{
    s->seed = (int64_t)spec->seed;
    const dl_tensor *c = dl_set_find(ckpt, "state.counters");
    if (c && c->dtype == DL_I64 && c->rank == 1 && c->shape[0] == 4 && c->data) {
        const int64_t *v = c->data;
        s->epochs = v[0] >= 0 ? v[0] : -1;
        s->best_epoch = v[2] >= 0 ? v[2] : -1;
    }
    const dl_tensor *b = dl_set_find(ckpt, "state.best_loss");
    if (b && b->dtype == DL_F64 && b->rank == 1 && b->shape[0] == 1 && b->data) {
        double loss = *(const double *)b->data;
        if (spec->validation > 0 || spec->val_file[0])
            s->best_val_loss = loss;
        else
            s->best_train_loss = loss;
    }
}

int nm_summary_from_set(nm_summary *s, const dl_spec *spec, dl_tensor_set *ckpt, dl_err *e)
{
    summary_unknown(s);
    const dl_tensor *rec = dl_set_find(ckpt, "training");
    if (!rec) {
        summary_from_state(s, spec, ckpt);
        return 0;
    }
    return summary_from_record(s, rec, e);
}

int nm_net_create(nn_net *net, const dl_spec *s, size_t max_batch, dl_err *e)
{
    return nn_create(net, (size_t)s->input, s->layers, s->n_layers, max_batch, e);
}

int nm_net_plan(nn_net *net, const dl_spec *s, size_t max_batch, dl_err *e)
{
    return nn_plan(net, (size_t)s->input, s->layers, s->n_layers, max_batch, e);
}

int nm_params_from_set(nn_net *net, dl_tensor_set *ckpt, const char *prefix, dl_err *e)
{
    const char *stray = stray_param(ckpt, prefix, net->n_layers);
    size_t layers = stray ? param_layers(ckpt, prefix) : 0;
    if (stray && layers > net->n_layers)
        return dl_fail(e, DL_EDATA, "checkpoint: '%s' is not a parameter of the %zu-layer "
                       "network the spec describes (the checkpoint has %zu layers)", stray,
                       net->n_layers, layers);
    if (stray)
        return dl_fail(e, DL_EDATA, "checkpoint: '%s' is not a parameter of the %zu-layer "
                       "network the spec describes", stray, net->n_layers);
    for (size_t i = 0; i < nn_param_tensor_count(net); i++) {
        nn_param_view v;
        nn_param_view_get(net, i, &v);
        char name[DL_NAME_MAX + 1];
        snprintf(name, sizeof name, "%s%s", prefix, v.name);
        dl_tensor *t = dl_set_find(ckpt, name);
        if (!t)
            return dl_fail(e, DL_EDATA, "checkpoint: no '%s' record", name);
        int same = t->dtype == DL_F32 && t->rank == v.rank && t->shape[0] == v.shape[0] &&
                   (v.rank == 1 || t->shape[1] == v.shape[1]);
        if (!same) {
            char have[128];
            dl_tensor_describe(t, have, sizeof have);
            if (v.rank == 1)
                return dl_fail(e, DL_EDATA, "checkpoint: '%s' is %s, the network needs f32 "
                               "[%llu]", name, have, (unsigned long long)v.shape[0]);
            return dl_fail(e, DL_EDATA, "checkpoint: '%s' is %s, the network needs f32 "
                           "[%llu, %llu]", name, have, (unsigned long long)v.shape[0],
                           (unsigned long long)v.shape[1]);
        }
        if (dl_tensor_find_nonfinite(t) >= 0)
            return dl_fail(e, DL_EDATA, "checkpoint: '%s' holds NaN or Inf", name);
        memcpy(v.data, t->data, v.count * sizeof(float));
    }
    return 0;
}

int nm_params_to_set(const nn_net *net, const float *params, dl_tensor_set *ckpt,
                     const char *prefix, dl_err *e)
{
    for (size_t i = 0; i < nn_param_tensor_count(net); i++) {
        nn_param_view v;
        nn_param_view_get(net, i, &v);
        char name[DL_NAME_MAX + 1];
        snprintf(name, sizeof name, "%s%s", prefix, v.name);
        dl_tensor t;
        if (dl_tensor_alloc(&t, name, DL_F32, v.rank, v.shape, e))
            return e->code;
        memcpy(t.data, params + v.offset, v.count * sizeof(float));
        /* what nm_params_from_set would refuse is never written */
        if (dl_tensor_find_nonfinite(&t) >= 0) {
            dl_tensor_free(&t);
            return dl_fail(e, DL_ENUM, "'%s' holds NaN or Inf: not written", name);
        }
        if (dl_set_put(ckpt, &t, e)) {
            dl_tensor_free(&t);
            return e->code;
        }
    }
    return 0;
}

void nm_params_fill(const nn_net *net, const float *params, dl_tensor_set *ckpt,
                    const char *prefix)
{
    for (size_t i = 0; i < nn_param_tensor_count(net); i++) {
        nn_param_view v;
        nn_param_view_get(net, i, &v);
        char name[DL_NAME_MAX + 1];
        snprintf(name, sizeof name, "%s%s", prefix, v.name);
        memcpy(dl_set_find(ckpt, name)->data, params + v.offset, v.count * sizeof(float));
    }
}

/* What a parameter record is, for a message: "f32 [32]", or "missing". */
static void found_as(const dl_tensor *t, char *buf, size_t len)
{
    if (!t) {
        snprintf(buf, len, "missing");
        return;
    }
    int used = snprintf(buf, len, "%s ", dl_dtype_name(t->dtype));
    dl_shape_format(t->rank, t->shape, buf + used, len - (size_t)used);
}

/* Every layer's weight and bias must be in the checkpoint with the shape the
 * spec gives, and nothing else named like a layer's parameter, checked
 * before the network is allocated: a model record that claims a huge
 * network is bad data, not an allocation attempt. */
static int check_param_shapes(const dl_spec *s, dl_tensor_set *ckpt, dl_err *e)
{
    uint64_t in = s->input;
    for (size_t l = 0; l < s->n_layers; l++) {
        char name[48];
        snprintf(name, sizeof name, "layer%zu.weight", l + 1);
        const dl_tensor *t = dl_set_find(ckpt, name);
        uint64_t out = s->layers[l].units;
        char have[128];
        found_as(t, have, sizeof have);
        if (!t || t->rank != 2 || t->shape[0] != out || t->shape[1] != in)
            return dl_fail(e, DL_EDATA, "checkpoint: '%s' is %s, the model record says "
                           "[%llu, %llu]", name, have, (unsigned long long)out,
                           (unsigned long long)in);
        snprintf(name, sizeof name, "layer%zu.bias", l + 1);
        t = dl_set_find(ckpt, name);
        found_as(t, have, sizeof have);
        if (!t || t->rank != 1 || t->shape[0] != out)
            return dl_fail(e, DL_EDATA, "checkpoint: '%s' is %s, the model record says [%llu]",
                           name, have, (unsigned long long)out);
        in = out;
    }
    const char *stray = stray_param(ckpt, "", s->n_layers);
    if (stray)
        return dl_fail(e, DL_EDATA, "checkpoint: '%s' is not a parameter of the %zu-layer "
                       "network its model record describes", stray, s->n_layers);
    return 0;
}

/* Rows per pass such that the workspace of a network that trains (about 3
 * floats per unit per row) stays within NM_WORK_BYTES; at least 1, at most
 * max_batch.  A forward-only one needs 2 but passes as many rows: the
 * products' bits depend on the rows per pass. */
static size_t rows_within_budget(const dl_spec *s, size_t max_batch)
{
    size_t per_row = 1; /* floats */
    for (size_t l = 0; l < s->n_layers; l++)
        per_row += 3 * s->layers[l].units; /* units are bounded by the tensors checked */
    size_t rows = NM_WORK_BYTES / sizeof(float) / per_row;
    return rows < 1 ? 1 : rows > max_batch ? max_batch : rows;
}

int nm_open(nm_model **out, dl_tensor_set *ckpt, size_t max_batch, dl_err *e)
{
    nm_model *m = calloc(1, sizeof *m);
    if (!m)
        return dl_fail(e, DL_ENOMEM, "out of memory");
    /* the workspace starts at one row and grows with the rows predicted */
    if (nm_spec_from_set(&m->spec, ckpt, e) || check_param_shapes(&m->spec, ckpt, e) ||
        nn_create_forward(&m->net, (size_t)m->spec.input, m->spec.layers, m->spec.n_layers, 1,
                          e) ||
        nm_params_from_set(&m->net, ckpt, "", e)) {
        nm_free(m);
        return e->code;
    }
    m->max_rows = rows_within_budget(&m->spec, max_batch ? max_batch : 1);
    *out = m;
    return 0;
}

void nm_free(nm_model *m)
{
    if (!m)
        return;
    nn_free(&m->net);
    free(m);
}

size_t nm_input_dim(const nm_model *m) { return m->net.n_in; }
size_t nm_output_dim(const nm_model *m) { return m->net.n_out; }
size_t nm_rows_per_pass(const nm_model *m) { return m->max_rows; }
const dl_spec *nm_spec(const nm_model *m) { return &m->spec; }

static void argmax_rows(float *p, size_t rows, size_t k)
{
    for (size_t r = 0; r < rows; r++) {
        const float *row = p + r * k;
        size_t best = 0;
        for (size_t j = 1; j < k; j++)
            if (row[j] > row[best])
                best = j;
        p[r] = (float)best; /* row r is read before p[r] can be written */
    }
}

int nm_labels_thresholded(const nm_model *m)
{
    return m->spec.loss.kind == NN_LOSS_BCE || m->spec.loss.kind == NN_LOSS_MLBCE;
}

int nm_labels(const nm_model *m, dl_tensor *yhat, double threshold, dl_err *e)
{
    int kind = m->spec.loss.kind;
    if (kind != NN_LOSS_BCE && kind != NN_LOSS_MLBCE && kind != NN_LOSS_CE)
        return dl_fail(e, DL_EUSAGE, "--labels: the network was trained with the regression "
                       "loss %s, it has no classes", nn_loss_name(kind));
    if (yhat->dtype != DL_F32 || yhat->rank != 2)
        return dl_fail(e, DL_EUSAGE, "--labels: expected f32 rows of probabilities");
    size_t rows = (size_t)yhat->shape[0], k = (size_t)yhat->shape[1];
    float *p = yhat->data;
    if (kind == NN_LOSS_CE) {
        argmax_rows(p, rows, k);
        yhat->shape[1] = 1;
        return 0;
    }
    for (size_t i = 0; i < rows * k; i++)
        p[i] = p[i] >= threshold ? 1.0f : 0.0f;
    return 0;
}
