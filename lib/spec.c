/* spec.c - the YAML model spec: the file and the -s overrides read into a
 * tree with positions (lib/yamltree), then one validating walk that fills
 * dl_spec.  See spec.h and man/dl-spec.5. */
#include "spec.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "colmeta.h"
#include "names.h"
#include "numtext.h"
#include "tty.h"
#include "yamltree.h"

/* ------------------------------ validation ------------------------------ */

/* What the cross-key checks need to point at after the walk. */
typedef struct spec_ctx {
    const sn_node *act[SPEC_LAYERS_MAX]; /* each layer's activation value */
    const sn_node *layers;               /* model.layers */
    const sn_node *loss;                 /* the loss name */
    const sn_node *class_weight;         /* training.class_weight, when a map */
} spec_ctx;

static const char *kind_name(int kind)
{
    return kind == SN_MAP ? "a mapping" : kind == SN_SEQ ? "a list" : "a single value";
}

/* A key written with no value (YAML's empty null: "training:" with nothing
 * after it or indented under it). */
static int is_nothing(const sn_node *n)
{
    return n->kind == SN_SCALAR && !n->quoted && !*n->text;
}

static int want(const sn_node *n, int kind, const char *path, dl_err *e)
{
    if (n->kind != kind)
        return sn_error(n, e, "%s: expected %s, found %s", path, kind_name(kind),
                        is_nothing(n) ? "nothing (is what follows indented under it?)"
                                      : kind_name(n->kind));
    return 0;
}

/* No name holds a control character, which a message shows as '?': a name
 * written as a block scalar (loss: |) keeps its line break, which is said as
 * a number's block scalar is, and another control character is named. */
static int check_name(const sn_node *n, const char *path, dl_err *e)
{
    const char *fault = dl_name_fault(n->text, strlen(n->text));
    if (!fault)
        return 0;
    if (n->block)
        return sn_error(n, e, "%s: expected a name, found a block scalar (| or >), which YAML "
                              "reads with its line break (write the name on the key's line)",
                        path);
    return sn_error(n, e, "%s: '%s' is not a name (%s)", path, n->text, fault);
}

static int get_word(const sn_node *n, const char *path, const char **out, dl_err *e)
{
    if (want(n, SN_SCALAR, path, e) || check_name(n, path, e))
        return e->code;
    *out = n->text;
    return 0;
}

/* A scalar that is not the value expected; a quoted, block or !!str-tagged
 * one is a string in YAML whatever it spells, which the message says. */
static int not_a(const sn_node *n, const char *path, const char *expected, dl_err *e)
{
    if (n->block)
        return sn_error(n, e, "%s: expected %s, found a block scalar (| or >), which YAML "
                              "reads as a string (write the value on the key's line)", path,
                        expected);
    if (n->str_tag)
        return sn_error(n, e, "%s: expected %s, found the string '%s' tagged !!str (write it "
                              "without the tag)", path, expected, n->text);
    if (n->quoted)
        return sn_error(n, e, "%s: expected %s, found the quoted string '%s' (write it without "
                              "quotes)", path, expected, n->text);
    if (is_nothing(n))
        return sn_error(n, e, "%s: expected %s, found nothing", path, expected);
    return sn_error(n, e, "%s: expected %s, found '%s'", path, expected, n->text);
}

/* Every real number of a spec is used in float32 (the weights, the optimizer's
 * steps, the rows' weights, the losses' constants), where a value beyond
 * FLT_MAX becomes Inf and one below FLT_MIN a subnormal or 0: the run
 * would not be the one the spec describes.  So is one beyond a double's
 * range, too large (NT_RANGE) or too small (read as 0, not written so). */
static int get_f64(const sn_node *n, const char *path, double *out, dl_err *e)
{
    if (want(n, SN_SCALAR, path, e))
        return e->code;
    const char *t = n->text, *end = t + strlen(t);
    int status = n->quoted ? NT_SYNTAX : nt_parse_f64(t, end, out);
    if (status == NT_SYNTAX || (status == NT_OK && !isfinite(*out)))
        return not_a(n, path, "a finite number", e);
    double mag = fabs(*out);
    if (status == NT_RANGE || mag > FLT_MAX || (mag < FLT_MIN && !nt_zero_text(t, end)))
        return sn_error(n, e, "%s: %s is outside float32's range (magnitudes about 1.2e-38 to "
                        "3.4e38, or 0), in which networks train", path, t);
    return 0;
}

/* A whole number in [lo, hi]; else an error saying `expected` is. */
static int get_whole(const sn_node *n, const char *path, const char *expected, uint64_t lo,
                     uint64_t hi, uint64_t *out, dl_err *e)
{
    if (want(n, SN_SCALAR, path, e))
        return e->code;
    const char *t = n->text;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(t, &end, 10);
    if (n->quoted || *t < '0' || *t > '9' || *end || errno == ERANGE)
        return not_a(n, path, expected, e);
    if (v < lo || v > hi)
        return sn_error(n, e, "%s: %s is out of range (%llu to %llu)", path, t,
                        (unsigned long long)lo, (unsigned long long)hi);
    *out = (uint64_t)v;
    return 0;
}

static int get_u64(const sn_node *n, const char *path, uint64_t lo, uint64_t hi, uint64_t *out,
                   dl_err *e)
{
    return get_whole(n, path, "a whole number", lo, hi, out, e);
}

static int get_bool(const sn_node *n, const char *path, int *out, dl_err *e)
{
    if (want(n, SN_SCALAR, path, e))
        return e->code;
    if (!n->quoted && strcmp(n->text, "true") == 0)
        *out = 1;
    else if (!n->quoted && strcmp(n->text, "false") == 0)
        *out = 0;
    else
        return not_a(n, path, "true or false", e);
    return 0;
}

/* A number with a range; `what` says the range in words for the message. */
static int get_ranged(const sn_node *n, const char *path, double lo, int lo_open, double hi,
                      const char *what, double *out, dl_err *e)
{
    if (get_f64(n, path, out, e))
        return e->code;
    if (*out < lo || (lo_open && *out == lo) || *out >= hi)
        return sn_error(n, e, "%s: must be %s, found %s", path, what, n->text);
    return 0;
}

static int unknown_key(const sn_node *key, const char *section, const char *known, dl_err *e)
{
    const char *fault = dl_name_fault(key->text, strlen(key->text));
    return sn_error(key, e, "unknown key '%s' in %s%s%s (known: %s)", key->text, section,
                    fault ? ": it " : "", fault ? fault : "", known);
}

static int not_for(const sn_node *key, const char *section, const char *kind, dl_err *e)
{
    return sn_error(key, e, "%s.%s does not apply to %s", section, key->text, kind);
}

/* ---- model ---- */

static int parse_layer(const sn_node *n, size_t i, nn_layer_spec *l, spec_ctx *c, dl_err *e)
{
    char path[64];
    snprintf(path, sizeof path, "model.layers.%zu", i + 1);
    if (want(n, SN_MAP, path, e))
        return e->code;
    const sn_node *units = NULL, *act = NULL, *slope = NULL;
    for (size_t k = 0; k < n->n; k++) {
        const char *key = n->keys[k]->text;
        if (strcmp(key, "units") == 0)
            units = n->vals[k];
        else if (strcmp(key, "activation") == 0)
            act = n->vals[k];
        else if (strcmp(key, "slope") == 0)
            slope = n->vals[k];
        else
            return unknown_key(n->keys[k], path, "units, activation, slope", e);
    }
    if (!units || !act)
        return sn_error(n, e, "%s: a layer needs units and activation", path);
    char units_path[80], act_path[80], slope_path[80];
    snprintf(units_path, sizeof units_path, "%s.units", path);
    snprintf(act_path, sizeof act_path, "%s.activation", path);
    snprintf(slope_path, sizeof slope_path, "%s.slope", path);
    uint64_t u;
    const char *name = NULL;
    if (get_u64(units, units_path, 1, (uint64_t)1 << 24, &u, e) ||
        get_word(act, act_path, &name, e))
        return e->code;
    l->units = (size_t)u;
    l->activ = nn_activ_parse(name);
    if (l->activ < 0)
        return sn_error(act, e, "%s: unknown activation '%s' (identity, relu, leaky_relu, "
                        "silu, swish, gelu, sigmoid, tanh, sin, softmax)", path, name);
    l->param = nn_activ_default_param(l->activ);
    if (slope) {
        if (l->activ != NN_LEAKY_RELU)
            return sn_error(slope, e, "%s: slope applies to leaky_relu only", path);
        if (get_ranged(slope, slope_path, 0, 0, INFINITY, ">= 0", &l->param, e))
            return e->code;
    }
    c->act[i] = act;
    return 0;
}

static int parse_layers(const sn_node *n, dl_spec *s, spec_ctx *c, dl_err *e)
{
    if (want(n, SN_SEQ, "model.layers", e))
        return e->code;
    if (n->n > SPEC_LAYERS_MAX)
        return sn_over_limit(n, e, "model.layers: %zu layers are more than %d", n->n,
                             SPEC_LAYERS_MAX);
    if (n->n == 0)
        return sn_error(n, e, "model.layers: expected 1 to %d layers, found 0",
                        SPEC_LAYERS_MAX);
    for (size_t i = 0; i < n->n; i++)
        if (parse_layer(n->vals[i], i, &s->layers[i], c, e))
            return e->code;
    s->n_layers = n->n;
    c->layers = n;
    return 0;
}

static int parse_model(const sn_node *n, dl_spec *s, spec_ctx *c, dl_err *e)
{
    if (want(n, SN_MAP, "model", e))
        return e->code;
    const sn_node *scale = NULL; /* the init_scale key, checked against init below */
    for (size_t k = 0; k < n->n; k++) {
        const char *key = n->keys[k]->text;
        const sn_node *v = n->vals[k];
        int rc = 0;
        if (strcmp(key, "layers") == 0) {
            rc = parse_layers(v, s, c, e);
        } else if (strcmp(key, "input") == 0) {
            if (v->kind == SN_SCALAR && strcmp(v->text, "auto") == 0)
                s->input = 0;
            else
                rc = get_u64(v, "model.input", 1, (uint64_t)1 << 24, &s->input, e);
        } else if (strcmp(key, "init") == 0) {
            const char *name = NULL;
            if (!(rc = get_word(v, "model.init", &name, e)) && (s->init = nn_init_parse(name)) < 0)
                rc = sn_error(v, e, "model.init: unknown initialization '%s' (auto, kaiming, "
                              "kaiming_normal, kaiming_uniform, xavier, xavier_uniform, "
                              "xavier_normal, normal, uniform)", name);
        } else if (strcmp(key, "init_scale") == 0) {
            rc = get_ranged(v, "model.init_scale", 0, 1, INFINITY, "> 0", &s->init_scale, e);
            scale = n->keys[k];
        } else {
            rc = unknown_key(n->keys[k], "model", "input, layers, init, init_scale", e);
        }
        if (rc)
            return rc;
    }
    if (scale && s->init != NN_INIT_NORMAL && s->init != NN_INIT_UNIFORM)
        return not_for(scale, "model", nn_init_name(s->init), e);
    if (!c->layers)
        return sn_error(n, e, "model: the layers list is missing");
    return 0;
}

/* ---- loss ---- */

/* A scalar section value is its name; a mapping has a `name` key.  Sets
 * *name_node (NULL when a mapping has no name). */
static int section_name(const sn_node *n, const char *path, const sn_node **name_node, dl_err *e)
{
    *name_node = NULL;
    if (is_nothing(n))
        return sn_error(n, e, "%s: expected a name or a mapping, found nothing (is what "
                        "follows indented under it?)", path);
    if (n->kind == SN_SCALAR) {
        *name_node = n;
        return check_name(n, path, e);
    }
    if (want(n, SN_MAP, path, e))
        return e->code;
    *name_node = sn_map_get(n, "name");
    if (*name_node && (*name_node)->kind != SN_SCALAR)
        return want(*name_node, SN_SCALAR, path, e);
    char name_path[64];
    snprintf(name_path, sizeof name_path, "%s.name", path);
    if (*name_node && is_nothing(*name_node))
        return sn_error(*name_node, e, "%s: expected a name, found nothing", name_path);
    return *name_node ? check_name(*name_node, name_path, e) : 0;
}

static int parse_loss(const sn_node *n, dl_spec *s, spec_ctx *c, dl_err *e)
{
    const sn_node *name;
    if (section_name(n, "loss", &name, e))
        return e->code;
    if (!name)
        return sn_error(n, e, "loss: the name is missing (mse, mae, lq, huber, bce, ce, "
                        "multilabel_bce)");
    int kind = nn_loss_parse(name->text);
    if (kind < 0)
        return sn_error(name, e, "loss: unknown loss '%s' (mse, mae, lq, huber, bce, ce, "
                        "multilabel_bce)", name->text);
    nn_loss_init(&s->loss, kind);
    c->loss = name;
    for (size_t k = 0; n->kind == SN_MAP && k < n->n; k++) {
        const char *key = n->keys[k]->text;
        const sn_node *v = n->vals[k];
        int rc = 0;
        if (strcmp(key, "name") == 0)
            continue;
        if (strcmp(key, "q") == 0)
            rc = kind != NN_LOSS_LQ ? not_for(n->keys[k], "loss", name->text, e)
                                    : get_ranged(v, "loss.q", 0, 1, INFINITY, "> 0",
                                                 &s->loss.q, e);
        else if (strcmp(key, "delta") == 0)
            rc = kind != NN_LOSS_HUBER ? not_for(n->keys[k], "loss", name->text, e)
                                       : get_ranged(v, "loss.delta", 0, 1, INFINITY, "> 0",
                                                    &s->loss.delta, e);
        else
            rc = unknown_key(n->keys[k], "loss", "name, q, delta", e);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- optimizer ---- */

static int parse_schedule(const sn_node *n, dl_spec *s, dl_err *e)
{
    const sn_node *name;
    if (section_name(n, "optimizer.schedule", &name, e))
        return e->code;
    opt_schedule_defaults(&s->sched);
    if (name && (s->sched.kind = opt_sched_parse(name->text)) < 0)
        return sn_error(name, e, "optimizer.schedule: unknown schedule '%s' (constant, step, "
                        "cosine)", name->text);
    const char *kname = opt_sched_name(s->sched.kind);
    for (size_t k = 0; n->kind == SN_MAP && k < n->n; k++) {
        const sn_node *key = n->keys[k], *v = n->vals[k];
        int step = s->sched.kind == SCHED_STEP, cosine = s->sched.kind == SCHED_COSINE;
        int rc = 0;
        if (strcmp(key->text, "name") == 0)
            continue;
        if (strcmp(key->text, "warmup") == 0)
            rc = get_u64(v, "optimizer.schedule.warmup", 0, UINT32_MAX, &s->sched.warmup, e);
        else if (strcmp(key->text, "step_size") == 0)
            rc = !step ? not_for(key, "optimizer.schedule", kname, e)
                       : get_u64(v, "optimizer.schedule.step_size", 1, UINT32_MAX,
                                 &s->sched.step_size, e);
        else if (strcmp(key->text, "gamma") == 0)
            rc = !step ? not_for(key, "optimizer.schedule", kname, e)
                       : get_ranged(v, "optimizer.schedule.gamma", 0, 1, INFINITY, "> 0",
                                    &s->sched.gamma, e);
        else if (strcmp(key->text, "t_max") == 0) {
            rc = !cosine ? not_for(key, "optimizer.schedule", kname, e)
                         : get_u64(v, "optimizer.schedule.t_max", 1, UINT32_MAX,
                                   &s->sched.t_max, e);
            s->t_max_given = 1;
        } else if (strcmp(key->text, "eta_min") == 0)
            rc = !cosine ? not_for(key, "optimizer.schedule", kname, e)
                         : get_ranged(v, "optimizer.schedule.eta_min", 0, 0, INFINITY, ">= 0",
                                      &s->sched.eta_min, e);
        else
            rc = unknown_key(key, "optimizer.schedule",
                             "name, warmup, step_size, gamma, t_max, eta_min", e);
        if (rc)
            return rc;
    }
    return 0;
}

static int parse_betas(const sn_node *n, opt_opts *o, dl_err *e)
{
    if (want(n, SN_SEQ, "optimizer.betas", e))
        return e->code;
    if (n->n != 2)
        return sn_error(n, e, "optimizer.betas: expected two numbers [beta1, beta2]");
    if (get_ranged(n->vals[0], "optimizer.betas", 0, 0, 1, "in [0, 1)", &o->beta1, e) ||
        get_ranged(n->vals[1], "optimizer.betas", 0, 0, 1, "in [0, 1)", &o->beta2, e))
        return e->code;
    return 0;
}

/* The keys each optimizer takes, beyond name, lr, weight_decay, decay_bias,
 * l1, clip_norm and schedule. */
static int opt_key_applies(const char *key, int kind)
{
    if (strcmp(key, "momentum") == 0)
        return kind == OPT_SGD || kind == OPT_RMSPROP;
    if (strcmp(key, "nesterov") == 0)
        return kind == OPT_SGD;
    if (strcmp(key, "betas") == 0)
        return kind == OPT_ADAM || kind == OPT_ADAMW;
    if (strcmp(key, "eps") == 0)
        return kind != OPT_SGD;
    if (strcmp(key, "alpha") == 0)
        return kind == OPT_RMSPROP;
    return 1;
}

static int parse_opt_key(const sn_node *key, const sn_node *v, dl_spec *s, dl_err *e)
{
    opt_opts *o = &s->opt;
    const char *k = key->text;
    if (!opt_key_applies(k, o->kind))
        return not_for(key, "optimizer", opt_kind_name(o->kind), e);
    if (strcmp(k, "lr") == 0)
        return get_ranged(v, "optimizer.lr", 0, 1, INFINITY, "> 0", &o->lr, e);
    if (strcmp(k, "momentum") == 0)
        return get_ranged(v, "optimizer.momentum", 0, 0, 1, "in [0, 1)", &o->momentum, e);
    if (strcmp(k, "nesterov") == 0)
        return get_bool(v, "optimizer.nesterov", &o->nesterov, e);
    if (strcmp(k, "betas") == 0)
        return parse_betas(v, o, e);
    if (strcmp(k, "eps") == 0)
        return get_ranged(v, "optimizer.eps", 0, 1, INFINITY, "> 0", &o->eps, e);
    if (strcmp(k, "alpha") == 0)
        return get_ranged(v, "optimizer.alpha", 0, 0, 1, "in [0, 1)", &o->alpha, e);
    if (strcmp(k, "weight_decay") == 0)
        return get_ranged(v, "optimizer.weight_decay", 0, 0, INFINITY, ">= 0",
                          &o->weight_decay, e);
    if (strcmp(k, "decay_bias") == 0)
        return get_bool(v, "optimizer.decay_bias", &o->decay_bias, e);
    if (strcmp(k, "l1") == 0)
        return get_ranged(v, "optimizer.l1", 0, 0, INFINITY, ">= 0", &o->l1, e);
    if (strcmp(k, "clip_norm") == 0)
        return get_ranged(v, "optimizer.clip_norm", 0, 0, INFINITY, ">= 0 (0: off)",
                          &o->clip_norm, e);
    if (strcmp(k, "schedule") == 0)
        return parse_schedule(v, s, e);
    return unknown_key(key, "optimizer", "name, lr, momentum, nesterov, betas, eps, alpha, "
                       "weight_decay, decay_bias, l1, clip_norm, schedule", e);
}

static int parse_optimizer(const sn_node *n, dl_spec *s, dl_err *e)
{
    const sn_node *name;
    if (section_name(n, "optimizer", &name, e))
        return e->code;
    int kind = name ? opt_kind_parse(name->text) : OPT_ADAM;
    if (kind < 0)
        return sn_error(name, e, "optimizer: unknown optimizer '%s' (sgd, adam, adamw, "
                        "rmsprop)", name->text);
    opt_opts_defaults(&s->opt, kind);
    for (size_t k = 0; n->kind == SN_MAP && k < n->n; k++)
        if (strcmp(n->keys[k]->text, "name") != 0 &&
            parse_opt_key(n->keys[k], n->vals[k], s, e))
            return e->code;
    if (s->opt.nesterov && s->opt.momentum <= 0)
        return sn_error(n, e, "optimizer: nesterov needs momentum > 0");
    return 0;
}

/* ---- training ---- */

static int parse_early_stopping(const sn_node *n, dl_spec *s, dl_err *e)
{
    if (want(n, SN_MAP, "training.early_stopping", e))
        return e->code;
    for (size_t k = 0; k < n->n; k++) {
        const char *key = n->keys[k]->text;
        const sn_node *v = n->vals[k];
        int rc;
        if (strcmp(key, "patience") == 0)
            rc = get_u64(v, "training.early_stopping.patience", 0, UINT32_MAX, &s->patience, e);
        else if (strcmp(key, "min_delta") == 0)
            rc = get_ranged(v, "training.early_stopping.min_delta", 0, 0, INFINITY, ">= 0",
                            &s->min_delta, e);
        else
            rc = unknown_key(n->keys[k], "training.early_stopping", "patience, min_delta", e);
        if (rc)
            return rc;
    }
    return 0;
}

/* Whether a plain scalar is one YAML reads as null, a boolean (its core
 * schema, and YAML 1.1's yes, no, on, off) or an infinity or NaN, which a
 * user writes to mean "none" or a number, not a file of that name. */
static int yaml_reserved_word(const sn_node *v)
{
    static const char *const words[] = {
        "",     "~",     "null",  "Null",  "NULL",  "true",  "True",  "TRUE",  "false",
        "False", "FALSE", "yes",  "Yes",   "YES",   "no",    "No",    "NO",    "on",
        "On",   "ON",    "off",   "Off",   "OFF",   ".inf",  ".Inf",  ".INF",  ".nan",
        ".NaN", ".NAN"};
    const char *t = v->text;
    if (strncmp(t, "-.", 2) == 0 || strncmp(t, "+.", 2) == 0)
        t++; /* -.inf, +.inf */
    for (size_t i = 0; !v->quoted && i < sizeof words / sizeof *words; i++)
        if (strcmp(t, words[i]) == 0)
            return 1;
    return 0;
}

/* training.validation: a fraction in [0, 1) or the name of a data file. */
static int parse_validation(const sn_node *v, dl_spec *s, dl_err *e)
{
    if (want(v, SN_SCALAR, "training.validation", e))
        return e->code;
    const char *t = v->text;
    double f;
    if (yaml_reserved_word(v))
        return sn_error(v, e, "training.validation: expected a fraction in [0, 1) or a file "
                        "name, found %s%s%s (0 holds out no rows; quote a file of that name)",
                        *t ? "'" : "nothing", t, *t ? "'" : "");
    /* a number is a fraction, one beyond a double's range too: a file of
     * that name is quoted */
    if (!v->quoted && nt_parse_f64(t, t + strlen(t), &f) != NT_SYNTAX) {
        s->val_file[0] = '\0';
        return get_ranged(v, "training.validation", 0, 0, 1, "a fraction in [0, 1) or a file",
                          &s->validation, e);
    }
    if (strlen(t) >= sizeof s->val_file || *t == '\0')
        return sn_error(v, e, "training.validation: the file name is empty or too long");
    snprintf(s->val_file, sizeof s->val_file, "%s", t);
    s->validation = 0;
    return 0;
}

/* Whether a key of training.class_weight is a class code (an unquoted
 * integer), not a class name. */
static int class_key_is_code(const sn_node *key)
{
    size_t len = strlen(key->text);
    return !key->quoted && len && strspn(key->text, "0123456789") == len;
}

/* One key of training.class_weight into entry i: a code or a class name
 * (anything else, looked up in y.categories when training starts). */
static int parse_class_key(const sn_node *key, dl_spec *s, size_t i, dl_err *e)
{
    const char *t = key->text;
    size_t len = strlen(t);
    s->cw_name[i][0] = '\0';
    if (class_key_is_code(key))
        return get_u64(key, "training.class_weight: a class", 0, UINT32_MAX, &s->cw_class[i], e);
    const char *fault = cm_level_fault(t, len);
    if (fault || len > SPEC_CLASS_NAME_MAX)
        return sn_error(key, e, "training.class_weight: '%s' is not a class name (%s)", t,
                        fault ? fault : "too long");
    memcpy(s->cw_name[i], t, len + 1);
    s->cw_class[i] = 0;
    return 0;
}

/* Entries a and b in the stored order: codes increasing, then names as given. */
static int class_entry_before(const dl_spec *s, size_t a, size_t b)
{
    if (s->cw_name[a][0] || s->cw_name[b][0])
        return !s->cw_name[a][0] && s->cw_name[b][0];
    return s->cw_class[a] < s->cw_class[b];
}

static int same_class_key(const dl_spec *s, size_t a, size_t b)
{
    return s->cw_name[a][0] ? strcmp(s->cw_name[a], s->cw_name[b]) == 0
                            : !s->cw_name[b][0] && s->cw_class[a] == s->cw_class[b];
}

/* training.class_weight: `balanced`, `none`, or a map {class: weight}. */
static int parse_class_weight(const sn_node *v, dl_spec *s, spec_ctx *c, dl_err *e)
{
    const char *path = "training.class_weight";
    if (v->kind == SN_SCALAR &&
        (strcmp(v->text, "balanced") == 0 || strcmp(v->text, "none") == 0)) {
        s->class_weight = strcmp(v->text, "balanced") == 0 ? SPEC_CW_BALANCED : SPEC_CW_NONE;
        s->n_class_weights = 0;
        return 0;
    }
    if (v->kind != SN_MAP)
        return sn_error(v, e, "%s: expected balanced, none or a map {class: weight}", path);
    if (v->n > SPEC_CLASS_WEIGHTS_MAX)
        return sn_over_limit(v, e, "%s: %zu classes are more than %d", path, v->n,
                             SPEC_CLASS_WEIGHTS_MAX);
    s->class_weight = SPEC_CW_GIVEN;
    s->n_class_weights = 0;
    c->class_weight = v;
    for (size_t k = 0; k < v->n; k++) {
        /* parsed into the free slot n, then moved down to its place */
        size_t n = s->n_class_weights, at = n;
        if (parse_class_key(v->keys[k], s, n, e) ||
            get_ranged(v->vals[k], path, 0, 0, INFINITY, "a finite weight >= 0",
                       &s->cw_weight[n], e))
            return e->code;
        for (size_t i = 0; i < n; i++)
            if (same_class_key(s, i, n))
                return sn_error(v->keys[k], e, "%s: class %s is given twice", path,
                                v->keys[k]->text);
        while (at > 0 && class_entry_before(s, n, at - 1))
            at--;
        uint64_t cls = s->cw_class[n];
        double w = s->cw_weight[n];
        char name[SPEC_CLASS_NAME_MAX + 1];
        memcpy(name, s->cw_name[n], sizeof name);
        memmove(s->cw_class + at + 1, s->cw_class + at, (n - at) * sizeof cls);
        memmove(s->cw_weight + at + 1, s->cw_weight + at, (n - at) * sizeof w);
        memmove(s->cw_name + at + 1, s->cw_name + at, (n - at) * sizeof name);
        s->cw_class[at] = cls;
        s->cw_weight[at] = w;
        memcpy(s->cw_name[at], name, sizeof name);
        s->n_class_weights++;
    }
    return 0;
}

/* training.batch_size: a number of rows, or `full` for full-batch training. */
static int parse_batch_size(const sn_node *v, dl_spec *s, dl_err *e)
{
    if (v->kind == SN_SCALAR && strcmp(v->text, "full") == 0) {
        s->batch_size = 0;
        return 0;
    }
    return get_whole(v, "training.batch_size", "a whole number or full", 1, UINT32_MAX,
                     &s->batch_size, e);
}

static int parse_training(const sn_node *n, dl_spec *s, spec_ctx *c, dl_err *e)
{
    if (want(n, SN_MAP, "training", e))
        return e->code;
    for (size_t k = 0; k < n->n; k++) {
        const char *key = n->keys[k]->text;
        const sn_node *v = n->vals[k];
        int rc;
        if (strcmp(key, "epochs") == 0)
            rc = get_u64(v, "training.epochs", 1, UINT32_MAX, &s->epochs, e);
        else if (strcmp(key, "batch_size") == 0)
            rc = parse_batch_size(v, s, e);
        else if (strcmp(key, "shuffle") == 0)
            rc = get_bool(v, "training.shuffle", &s->shuffle, e);
        else if (strcmp(key, "seed") == 0)
            rc = get_u64(v, "training.seed", 0, UINT64_MAX, &s->seed, e);
        else if (strcmp(key, "validation") == 0)
            rc = parse_validation(v, s, e);
        else if (strcmp(key, "early_stopping") == 0)
            rc = parse_early_stopping(v, s, e);
        else if (strcmp(key, "class_weight") == 0)
            rc = parse_class_weight(v, s, c, e);
        else
            rc = unknown_key(n->keys[k], "training", "epochs, batch_size, shuffle, seed, "
                             "validation, early_stopping, class_weight", e);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- the whole spec ---- */

static void spec_defaults(dl_spec *s)
{
    memset(s, 0, sizeof *s);
    s->init = NN_INIT_AUTO;
    s->init_scale = 0.01;
    opt_opts_defaults(&s->opt, OPT_ADAM);
    opt_schedule_defaults(&s->sched);
    s->epochs = 100;
    s->batch_size = 32;
    s->shuffle = 1;
    s->seed = 1;
}

/* The output layer must suit the loss: the checks of nn_loss_check that do
 * not depend on the data, reported at the loss and the layer. */
static int check_output(const dl_spec *s, const spec_ctx *c, dl_err *e)
{
    const nn_layer_spec *out = &s->layers[s->n_layers - 1];
    const char *act = nn_activ_name(out->activ), *loss = nn_loss_name(s->loss.kind);
    size_t last = s->n_layers;
    switch (s->loss.kind) {
    case NN_LOSS_BCE:
        if (out->activ != NN_SIGMOID || out->units != 1)
            return sn_error(c->loss, e, "loss bce needs a 1-unit sigmoid output layer, but "
                            "layer %zu has %zu %s unit%s (use multilabel_bce for several "
                            "outputs)", last, out->units, act, dl_plural(out->units));
        return 0;
    case NN_LOSS_MLBCE:
        if (out->activ != NN_SIGMOID)
            return sn_error(c->loss, e, "loss %s needs a sigmoid output layer, but layer %zu "
                            "is %s", loss, last, act);
        return 0;
    case NN_LOSS_CE:
        if (out->activ != NN_SOFTMAX || out->units < 2)
            return sn_error(c->loss, e, "loss ce needs a softmax output layer of 2 or more "
                            "units, but layer %zu has %zu %s units", last, out->units, act);
        return 0;
    default:
        if (out->activ == NN_SOFTMAX)
            return sn_error(c->act[last - 1], e, "a softmax output goes with loss ce, not "
                            "with the regression loss %s", loss);
        return 0;
    }
}

/* The classes the network outputs are the spec's (ce: the softmax units;
 * bce: 0 and 1), so a code of training.class_weight beyond them is named
 * at its key; names wait for y.categories. */
static int check_class_codes(const dl_spec *s, const spec_ctx *c, dl_err *e)
{
    size_t classes = s->loss.kind == NN_LOSS_CE ? s->layers[s->n_layers - 1].units : 2;
    for (size_t k = 0; c->class_weight && k < c->class_weight->n; k++) {
        const sn_node *key = c->class_weight->keys[k];
        unsigned long long code = strtoull(key->text, NULL, 10);
        if (class_key_is_code(key) && code >= classes)
            return sn_error(key, e, "training.class_weight: class %llu is not one of the "
                            "network's %zu classes (0 to %zu)", code, classes, classes - 1);
    }
    return 0;
}

static int spec_check(dl_spec *s, const spec_ctx *c, const char *label, dl_err *e)
{
    for (size_t i = 0; i + 1 < s->n_layers; i++)
        if (s->layers[i].activ == NN_SOFTMAX)
            return sn_error(c->act[i], e, "model.layers.%zu: softmax is for the output layer "
                            "only", i + 1);
    if (check_output(s, c, e))
        return e->code;
    if (s->class_weight != SPEC_CW_NONE && s->loss.kind != NN_LOSS_CE &&
        s->loss.kind != NN_LOSS_BCE)
        return c->loss ? sn_error(c->loss, e, "training.class_weight goes with loss ce or "
                                               "bce, not %s", nn_loss_name(s->loss.kind))
                       : dl_fail(e, DL_EDATA, "%s: training.class_weight goes with loss ce or "
                                              "bce, not %s", label, nn_loss_name(s->loss.kind));
    if (check_class_codes(s, c, e))
        return e->code;
    if (s->sched.kind == SCHED_COSINE && !s->t_max_given)
        s->sched.t_max = s->epochs;
    if (opt_config_check(&s->opt, e) || opt_schedule_check(&s->sched, e))
        return dl_err_wrap(e, "%s", label);
    return 0;
}

static int parse_root(const sn_node *root, dl_spec *s, spec_ctx *c, const char *label, dl_err *e)
{
    if (!root)
        return dl_fail(e, DL_EDATA, "%s: the spec is empty", label);
    if (want(root, SN_MAP, "the spec", e))
        return e->code;
    const sn_node *model = NULL, *loss = NULL;
    for (size_t k = 0; k < root->n; k++) {
        const char *key = root->keys[k]->text;
        const sn_node *v = root->vals[k];
        int rc = 0;
        if (strcmp(key, "model") == 0)
            rc = parse_model(model = v, s, c, e);
        else if (strcmp(key, "loss") == 0)
            rc = parse_loss(loss = v, s, c, e);
        else if (strcmp(key, "optimizer") == 0)
            rc = parse_optimizer(v, s, e);
        else if (strcmp(key, "training") == 0)
            rc = parse_training(v, s, c, e);
        else if (strcmp(key, "kind") == 0) {
            if (v->kind != SN_SCALAR || strcmp(v->text, "network") != 0)
                rc = sn_error(v, e, "kind: a network spec has kind network");
        } else
            rc = unknown_key(root->keys[k], "the spec", "model, loss, optimizer, training", e);
        if (rc)
            return rc;
    }
    if (!model)
        return sn_error(root, e, "the model section is missing");
    if (!loss)
        return sn_error(root, e, "the loss is missing (e.g. loss: mse)");
    return 0;
}

int spec_parse(dl_spec *s, const char *text, size_t len, const char *label,
               const char *const *overrides, size_t n_overrides, dl_err *e)
{
    sn_node *root = NULL;
    char **labels = calloc(n_overrides + 1, sizeof *labels);
    if (!labels)
        return dl_fail(e, DL_ENOMEM, "out of memory");
    int rc = sn_parse(text, len, label, 0, &root, e);
    /* a file that is no mapping is named as such, not by the -s that
     * would look for a key in it */
    if (!rc && root && want(root, SN_MAP, "the spec", e))
        rc = e->code;
    for (size_t i = 0; !rc && i < n_overrides; i++) {
        size_t n = strlen(overrides[i]) + 8;
        if (!(labels[i] = malloc(n)))
            rc = dl_fail(e, DL_ENOMEM, "out of memory");
        else {
            snprintf(labels[i], n, "-s '%s'", overrides[i]);
            rc = sn_override(&root, overrides[i], labels[i], e);
        }
    }
    if (!rc) {
        spec_ctx ctx = {0};
        spec_defaults(s);
        rc = parse_root(root, s, &ctx, label, e);
        if (!rc)
            rc = spec_check(s, &ctx, label, e);
    }
    sn_free(root);
    for (size_t i = 0; i < n_overrides; i++)
        free(labels[i]);
    free(labels);
    return rc;
}

int spec_load(dl_spec *s, const char *path, const char *const *overrides, size_t n_overrides,
              dl_err *e)
{
    if (dl_tty_refuse_input(path, "the spec", e))
        return e->code;
    int from_stdin = strcmp(path, "-") == 0;
    const char *label = from_stdin ? "<stdin>" : path;
    FILE *f = from_stdin ? stdin : fopen(path, "rb");
    if (!f)
        return dl_fail_open(e, path);
    char *buf = malloc(SPEC_BYTES_MAX + 1);
    if (!buf) {
        if (!from_stdin)
            fclose(f);
        return dl_fail(e, DL_ENOMEM, "out of memory");
    }
    size_t len = fread(buf, 1, SPEC_BYTES_MAX + 1, f);
    int rc = 0;
    if (ferror(f))
        rc = dl_fail_errno(e, "%s: read failed", label);
    else if (len > SPEC_BYTES_MAX)
        rc = dl_fail(e, DL_ENOMEM, "%s: a spec file is at most %u bytes", label, SPEC_BYTES_MAX);
    if (!from_stdin)
        fclose(f);
    /* the magic of a dl stream (dl-stream(5)): DATA given where SPEC goes */
    if (!rc && len >= 4 && memcmp(buf, "\x89" "DLT", 4) == 0)
        rc = dl_fail(e, DL_EUSAGE, "%s: this is a tensor stream, not a YAML spec: the spec "
                                   "comes first (dl-train SPEC [DATA])", label);
    if (!rc)
        rc = spec_parse(s, buf, len, label, overrides, n_overrides, e);
    free(buf);
    return rc;
}

/* The code point of the UTF-8 character at p (its length in *len), or -1
 * where the bytes are not one YAML reads: malformed, cut short, overlong, a
 * surrogate or beyond U+10FFFF. */
static long utf8_char(const char *text, size_t *len)
{
    const unsigned char *p = (const unsigned char *)text;
    static const long least[] = {0, 0, 0x80, 0x800, 0x10000};
    size_t n = dl_name_utf8_len(p[0]);
    *len = 1;
    if (n == 1)
        return p[0];
    if (n == 0)
        return -1;
    long c = p[0] & (0x7F >> n);
    for (size_t k = 1; k < n; k++) {
        if ((p[k] & 0xC0) != 0x80)
            return -1;
        c = c << 6 | (p[k] & 0x3F);
    }
    if (c < least[n] || (c >= 0xD800 && c <= 0xDFFF) || c > 0x10FFFF)
        return -1;
    *len = n;
    return c;
}

/* Whether YAML reads character c inside a single-quoted scalar as itself:
 * it refuses control characters (C0, DEL, C1) and U+FFFE, U+FFFF, and
 * folds its line breaks (NEL, U+2028, U+2029). */
static int single_quotable(long c)
{
    return (c >= 0x20 && c < 0x7F) || (c >= 0xA0 && c <= 0xFFFD && c != 0x2028 &&
                                       c != 0x2029 && c != 0xFEFF) || c >= 0x10000;
}

static int utf8_ok(const char *text)
{
    size_t len;
    for (const char *p = text; *p; p += len)
        if (utf8_char(p, &len) < 0)
            return 0;
    return 1;
}

int spec_set_val_file(dl_spec *s, const char *path, dl_err *e)
{
    size_t len = strlen(path);
    /* refused as every input's empty name is (status 3), before anything is read */
    if (len == 0)
        return dl_fail_open(e, path);
    if (len >= sizeof s->val_file)
        return dl_fail(e, DL_EUSAGE, "--val: a file name of at most %zu bytes, not %zu",
                       sizeof s->val_file - 1, len);
    /* the checkpoint records it in its spec, which is YAML, so UTF-8 */
    if (!utf8_ok(path))
        return dl_fail(e, DL_EUSAGE, "--val: the file name is not UTF-8 text, which the "
                       "checkpoint's spec (YAML) records it as: rename the file");
    memcpy(s->val_file, path, len + 1);
    s->validation = 0;
    return 0;
}

/* ------------------------------ formatting ------------------------------ */

/* Shortest text that reads back to exactly v. */
static const char *num(double v, char buf[NT_BUF])
{
    nt_format_f64(v, buf);
    return buf;
}

static void format_model(dl_str *b, const dl_spec *s)
{
    char n1[NT_BUF];
    dl_str_printf(b, "model:\n");
    if (s->input)
        dl_str_printf(b, "  input: %llu\n", (unsigned long long)s->input);
    else
        dl_str_printf(b, "  input: auto\n");
    dl_str_printf(b, "  layers:\n");
    for (size_t i = 0; i < s->n_layers; i++) {
        const nn_layer_spec *l = &s->layers[i];
        dl_str_printf(b, "    - {units: %zu, activation: %s", l->units, nn_activ_name(l->activ));
        if (l->activ == NN_LEAKY_RELU)
            dl_str_printf(b, ", slope: %s", num(l->param, n1));
        dl_str_printf(b, "}\n");
    }
    dl_str_printf(b, "  init: %s\n", nn_init_name(s->init));
    if (s->init == NN_INIT_NORMAL || s->init == NN_INIT_UNIFORM)
        dl_str_printf(b, "  init_scale: %s\n", num(s->init_scale, n1));
}

static void format_loss(dl_str *b, const dl_spec *s)
{
    char n1[NT_BUF];
    dl_str_printf(b, "loss: {name: %s", nn_loss_name(s->loss.kind));
    if (s->loss.kind == NN_LOSS_LQ)
        dl_str_printf(b, ", q: %s", num(s->loss.q, n1));
    if (s->loss.kind == NN_LOSS_HUBER)
        dl_str_printf(b, ", delta: %s", num(s->loss.delta, n1));
    dl_str_printf(b, "}\n");
}

static void format_schedule(dl_str *b, const opt_schedule *c)
{
    char n1[NT_BUF];
    dl_str_printf(b, "  schedule: {name: %s", opt_sched_name(c->kind));
    if (c->kind == SCHED_STEP)
        dl_str_printf(b, ", step_size: %llu, gamma: %s", (unsigned long long)c->step_size,
                  num(c->gamma, n1));
    if (c->kind == SCHED_COSINE)
        dl_str_printf(b, ", t_max: %llu, eta_min: %s", (unsigned long long)c->t_max,
                  num(c->eta_min, n1));
    dl_str_printf(b, ", warmup: %llu}\n", (unsigned long long)c->warmup);
}

static void format_optimizer(dl_str *b, const dl_spec *s)
{
    char n1[NT_BUF], n2[NT_BUF];
    const opt_opts *o = &s->opt;
    dl_str_printf(b, "optimizer:\n  name: %s\n  lr: %s\n", opt_kind_name(o->kind), num(o->lr, n1));
    if (opt_key_applies("momentum", o->kind))
        dl_str_printf(b, "  momentum: %s\n", num(o->momentum, n1));
    if (opt_key_applies("nesterov", o->kind))
        dl_str_printf(b, "  nesterov: %s\n", o->nesterov ? "true" : "false");
    if (opt_key_applies("betas", o->kind))
        dl_str_printf(b, "  betas: [%s, %s]\n", num(o->beta1, n1), num(o->beta2, n2));
    if (opt_key_applies("alpha", o->kind))
        dl_str_printf(b, "  alpha: %s\n", num(o->alpha, n1));
    if (opt_key_applies("eps", o->kind))
        dl_str_printf(b, "  eps: %s\n", num(o->eps, n1));
    dl_str_printf(b, "  weight_decay: %s\n  decay_bias: %s\n", num(o->weight_decay, n1),
              o->decay_bias ? "true" : "false");
    dl_str_printf(b, "  l1: %s\n  clip_norm: %s\n", num(o->l1, n1), num(o->clip_norm, n2));
    format_schedule(b, &s->sched);
}

/* A string (UTF-8, utf8_ok) as a YAML scalar that reads back as the
 * same bytes: single-quoted, a quote inside written twice; but one holding
 * a character YAML refuses or folds there (a control character, a line
 * break: two newlines would read back as one) double-quoted, those
 * characters escaped. */
static void format_string(dl_str *b, const char *text)
{
    const char *p = text;
    size_t len;
    for (long c; *p && (c = utf8_char(p, &len)) >= 0 && single_quotable(c); p += len)
        ;
    if (!*p) {
        dl_str_printf(b, "'");
        for (p = text; *p; p++)
            dl_str_printf(b, *p == '\'' ? "''" : "%c", *p);
        dl_str_printf(b, "'");
        return;
    }
    dl_str_printf(b, "\"");
    for (p = text; *p; p += len) {
        long c = utf8_char(p, &len);
        if (c == '"' || c == '\\')
            dl_str_printf(b, "\\%c", (int)c);
        else if (c < 0) /* not UTF-8: never given, but written as a character */
            dl_str_printf(b, "\\x%02x", (unsigned char)*p);
        else if (c < 0x100 && !single_quotable(c))
            dl_str_printf(b, "\\x%02lx", c);
        else if (!single_quotable(c))
            dl_str_printf(b, "\\u%04lx", c);
        else
            dl_str_printf(b, "%.*s", (int)len, p);
    }
    dl_str_printf(b, "\"");
}

static void format_training(dl_str *b, const dl_spec *s)
{
    char n1[NT_BUF];
    dl_str_printf(b, "training:\n  epochs: %llu\n", (unsigned long long)s->epochs);
    if (s->batch_size)
        dl_str_printf(b, "  batch_size: %llu\n", (unsigned long long)s->batch_size);
    else
        dl_str_printf(b, "  batch_size: full\n");
    dl_str_printf(b, "  shuffle: %s\n  seed: %llu\n", s->shuffle ? "true" : "false",
              (unsigned long long)s->seed);
    if (s->val_file[0]) {
        dl_str_printf(b, "  validation: ");
        format_string(b, s->val_file);
        dl_str_printf(b, "\n");
    } else
        dl_str_printf(b, "  validation: %s\n", num(s->validation, n1));
    dl_str_printf(b, "  early_stopping: {patience: %llu, min_delta: %s}\n",
              (unsigned long long)s->patience, num(s->min_delta, n1));
    if (s->class_weight == SPEC_CW_BALANCED)
        dl_str_printf(b, "  class_weight: balanced\n");
    else if (s->class_weight == SPEC_CW_GIVEN) {
        dl_str_printf(b, "  class_weight: {");
        for (size_t i = 0; i < s->n_class_weights; i++) {
            dl_str_printf(b, "%s", i ? ", " : "");
            if (s->cw_name[i][0]) {
                format_string(b, s->cw_name[i]);
            } else {
                dl_str_printf(b, "%llu", (unsigned long long)s->cw_class[i]);
            }
            dl_str_printf(b, ": %s", num(s->cw_weight[i], n1));
        }
        dl_str_printf(b, "}\n");
    }
}

int spec_format(const dl_spec *s, char **text, size_t *len, dl_err *e)
{
    dl_str b = {0};
    format_model(&b, s);
    format_loss(&b, s);
    format_optimizer(&b, s);
    format_training(&b, s);
    return dl_str_take(&b, text, len, e) ? dl_err_wrap(e, "formatting the spec") : 0;
}

/* ------------------------------ resuming ------------------------------ */

/* The keys a resumed run may change: how long it goes on, not what it does. */
static const char *const RESUME_MAY_CHANGE[] = {"training.epochs",
                                                "training.early_stopping.patience"};

/* A node as flow YAML, for a message; NULL (a key one side lacks) as "(not set)". */
static void flow(dl_str *b, const sn_node *n)
{
    if (!n) {
        dl_str_printf(b, "(not set)");
    } else if (n->kind == SN_SCALAR && n->quoted) {
        format_string(b, n->text);
    } else if (n->kind == SN_SCALAR) {
        dl_str_printf(b, "%s", n->text);
    } else {
        dl_str_printf(b, "%s", n->kind == SN_MAP ? "{" : "[");
        for (size_t i = 0; i < n->n; i++) {
            dl_str_printf(b, "%s", i ? ", " : "");
            if (n->kind == SN_MAP)
                dl_str_printf(b, "%s: ", n->keys[i]->text);
            flow(b, n->vals[i]);
        }
        dl_str_printf(b, "%s", n->kind == SN_MAP ? "}" : "]");
    }
}

static int may_change(const char *path)
{
    for (size_t i = 0; i < sizeof RESUME_MAY_CHANGE / sizeof *RESUME_MAY_CHANGE; i++)
        if (strcmp(path, RESUME_MAY_CHANGE[i]) == 0)
            return 1;
    return 0;
}

static int same_node(const sn_node *a, const sn_node *b)
{
    return a && b && a->kind == b->kind && a->n == b->n &&
           (a->kind != SN_SCALAR || (a->quoted == b->quoted && strcmp(a->text, b->text) == 0));
}

static int changed(const char *path, const sn_node *was, const sn_node *now, dl_err *e);

/* Walks the keys of map (either side's), looking up each in both. */
static int map_changed(const char *path, const sn_node *map, const sn_node *was,
                       const sn_node *now, dl_err *e)
{
    char sub[256];
    for (size_t i = 0; i < map->n; i++) {
        const char *key = map->keys[i]->text;
        snprintf(sub, sizeof sub, "%s%s%s", path, *path ? "." : "", key);
        if (changed(sub, sn_map_get(was, key), sn_map_get(now, key), e))
            return e->code;
    }
    return 0;
}

/* Validation from a file is the same whatever the file is named (a
 * relative and an absolute name, a copy), as the training data's is: only
 * a file against a fraction, or another fraction, is a change.  A file
 * name is written quoted, a fraction is not. */
static int both_val_files(const char *path, const sn_node *was, const sn_node *now)
{
    return strcmp(path, "training.validation") == 0 && was && now &&
           was->kind == SN_SCALAR && now->kind == SN_SCALAR && was->quoted && now->quoted;
}

/* The first key under path whose value differs, as DL_EUSAGE. */
static int changed(const char *path, const sn_node *was, const sn_node *now, dl_err *e)
{
    if (may_change(path) || both_val_files(path, was, now))
        return 0;
    if (same_node(was, now) && was->kind == SN_MAP)
        return map_changed(path, was, was, now, e) || map_changed(path, now, was, now, e)
                   ? e->code : 0;
    if (same_node(was, now) && was->kind == SN_SEQ) {
        char sub[256];
        for (size_t i = 0; i < was->n; i++) {
            snprintf(sub, sizeof sub, "%s.%zu", path, i + 1);
            if (changed(sub, was->vals[i], now->vals[i], e))
                return e->code;
        }
        return 0;
    }
    if (same_node(was, now) || (!was && !now))
        return 0;
    dl_str a = {0}, b = {0};
    flow(&a, was);
    flow(&b, now);
    int rc = dl_fail(e, DL_EUSAGE, "%s is %s in the checkpoint but %s here (a resumed run "
                     "may change only training.epochs and training.early_stopping.patience)",
                     path, dl_str_text(&a), dl_str_text(&b));
    dl_str_free(&a);
    dl_str_free(&b);
    return rc;
}

/* The effective spec as a tree, for comparing key by key. */
static int spec_tree(const dl_spec *s, sn_node **root, dl_err *e)
{
    char *text;
    size_t len;
    if (spec_format(s, &text, &len, e))
        return e->code;
    int rc = sn_parse(text, len, "spec", 0, root, e);
    free(text);
    return rc;
}

int spec_resume(dl_spec *now, const dl_spec *saved, dl_err *e)
{
    if (now->sched.kind == SCHED_COSINE && saved->sched.kind == SCHED_COSINE &&
        !now->t_max_given)
        now->sched.t_max = saved->sched.t_max;
    sn_node *was = NULL, *is = NULL;
    int rc = spec_tree(saved, &was, e) || spec_tree(now, &is, e) || changed("", was, is, e)
                 ? e->code : 0;
    sn_free(was);
    sn_free(is);
    return rc;
}
