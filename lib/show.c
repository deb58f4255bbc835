/* show.c - checkpoints described as text or JSON (see show.h). */
#include "show.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "buf.h"
#include "colmeta.h"
#include "kvtext.h"
#include "linmodel.h"
#include "model.h"
#include "names.h"
#include "netmodel.h"
#include "numtext.h"
#include "spec.h"
#include "stream.h"

int shw_format_parse(const char *name)
{
    if (strcmp(name, "text") == 0)
        return SHW_TEXT;
    if (strcmp(name, "json") == 0)
        return SHW_JSON;
    return -1;
}

/* ------------------------------ writing ------------------------------ */

typedef struct writer {
    dl_str *b;
    int json;
} writer;

/* A JSON string: quotes, backslashes and control characters escaped. */
static void json_string(dl_str *b, const char *s, size_t len)
{
    dl_str_printf(b, "\"");
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\')
            dl_str_printf(b, "\\%c", c);
        else if (c == '\n')
            dl_str_printf(b, "\\n");
        else if (c < 0x20 || c == 0x7f)
            dl_str_printf(b, "\\u%04x", c);
        else
            dl_str_printf(b, "%c", c);
    }
    dl_str_printf(b, "\"");
}

/* A number: shortest round-trip text; NaN and Inf are null in JSON and
 * "unknown" in text when unknown_if_nan. */
static void number(const writer *w, double v, int unknown_if_nan)
{
    char buf[NT_BUF];
    if (w->json && !isfinite(v))
        dl_str_printf(w->b, "null");
    else if (!w->json && isnan(v) && unknown_if_nan)
        dl_str_printf(w->b, "unknown");
    else {
        nt_format_f64(v, buf);
        dl_str_printf(w->b, "%s", buf);
    }
}

/* A number in a text table's column of `width` characters, right-aligned. */
static void cell(const writer *w, double v, int width)
{
    char buf[NT_BUF];
    nt_format_f64(v, buf);
    dl_str_printf(w->b, "  %*s", width, buf);
}

/* Text in a text table's column of `width` characters after two spaces,
 * left- or right-aligned: characters, not bytes, so that a name holding a
 * character of several bytes lines up with ASCII ones. */
static void text_cell(const writer *w, const char *s, int width, int left)
{
    int field = dl_name_field(s, strlen(s), width);
    if (left)
        dl_str_printf(w->b, "  %-*s", field, s);
    else
        dl_str_printf(w->b, "  %*s", field, s);
}

/* A count, -1 meaning unknown. */
static void count(const writer *w, long long v)
{
    if (v < 0)
        dl_str_printf(w->b, "%s", w->json ? "null" : "unknown");
    else
        dl_str_printf(w->b, "%lld", v);
}

static void text(const writer *w, const char *s)
{
    if (w->json)
        json_string(w->b, s, strlen(s));
    else
        dl_str_printf(w->b, "%s", s);
}

/* `"key": ` or `key: `, with the separator before every key but the first
 * of an object (first: 1 for the first). */
static void key(const writer *w, const char *indent, const char *k, int first)
{
    if (w->json)
        dl_str_printf(w->b, "%s\"%s\": ", first ? "" : ", ", k);
    else
        dl_str_printf(w->b, "%s%s: ", indent, k);
}

static void end_line(const writer *w)
{
    if (!w->json)
        dl_str_printf(w->b, "\n");
}

/* ------------------------------ design ------------------------------ */

static int design(const writer *w, const mdl_model *m, dl_err *e)
{
    const bf_design *d = mdl_design(m);
    char desc[512];
    key(w, "", "design", 0);
    if (d) {
        if (bf_describe(d, desc, sizeof desc, e))
            return e->code;
        text(w, desc);
    } else {
        dl_str_printf(w->b, "%s", w->json ? "null" : "none (the model takes x as it is)");
    }
    end_line(w);
    return 0;
}

/* ------------------------------ network ------------------------------ */

static const char *activation(const nn_layer_spec *l) { return nn_activ_name(l->activ); }

static void layer_table(const writer *w, const dl_spec *s)
{
    uint64_t in = s->input, total = 0;
    if (w->json)
        dl_str_printf(w->b, ", \"layers\": [");
    else
        dl_str_printf(w->b, "layers:\n  %5s  %-14s %-8s %-12s %12s\n", "layer", "weight", "bias",
                      "activation", "parameters");
    for (size_t l = 0; l < s->n_layers; l++) {
        uint64_t out = s->layers[l].units, params = out * in + out;
        char shape[48], bias[24];
        snprintf(shape, sizeof shape, "[%llu, %llu]", (unsigned long long)out,
                 (unsigned long long)in);
        snprintf(bias, sizeof bias, "[%llu]", (unsigned long long)out);
        if (w->json)
            dl_str_printf(w->b, "%s{\"layer\": %zu, \"units\": %llu, \"activation\": \"%s\", "
                          "\"weight\": [%llu, %llu], \"bias\": [%llu], \"parameters\": %llu}",
                          l ? ", " : "", l + 1, (unsigned long long)out, activation(&s->layers[l]),
                          (unsigned long long)out, (unsigned long long)in,
                          (unsigned long long)out, (unsigned long long)params);
        else
            dl_str_printf(w->b, "  %5zu  %-14s %-8s %-12s %12llu\n", l + 1, shape, bias,
                          activation(&s->layers[l]), (unsigned long long)params);
        total += params;
        in = out;
    }
    if (w->json)
        dl_str_printf(w->b, "], \"parameters\": %llu", (unsigned long long)total);
    else
        dl_str_printf(w->b, "  %5s  %-14s %-8s %-12s %12llu\n", "total", "", "", "",
                      (unsigned long long)total);
}

/* Why a run's best validation loss is NaN, in words.  A summary written
 * before validation_rows was recorded says nothing of the rows: NaN was
 * then no validation data, unless the run stopped at a NaN loss. */
static const char *missing_val_loss(const nm_summary *t)
{
    if (t->validation_rows > 0)
        return "not a number (the loss of the checkpoint's weights on the validation rows)";
    if (t->validation_rows == 0 ||
        (t->stopped != NM_STOP_UNKNOWN && t->stopped != NM_STOP_NAN))
        return "none (no validation data)";
    return "unknown";
}

static void training(const writer *w, const nm_summary *t)
{
    const char *in = "  ";
    if (w->json)
        dl_str_printf(w->b, ", \"training\": {");
    else
        dl_str_printf(w->b, "training:\n");
    key(w, in, "epochs", 1), count(w, t->epochs), end_line(w);
    key(w, in, "best_epoch", 0), count(w, t->best_epoch), end_line(w);
    key(w, in, "best_train_loss", 0), number(w, t->best_train_loss, 1), end_line(w);
    key(w, in, "best_val_loss", 0);
    if (!w->json && isnan(t->best_val_loss))
        dl_str_printf(w->b, "%s", missing_val_loss(t));
    else
        number(w, t->best_val_loss, 1);
    end_line(w);
    key(w, in, "validation_rows", 0), count(w, t->validation_rows), end_line(w);
    key(w, in, "stopped", 0);
    if (w->json && t->stopped == NM_STOP_UNKNOWN)
        dl_str_printf(w->b, "null");
    else
        text(w, nm_stop_name(t->stopped));
    end_line(w);
    key(w, in, "seed", 0), count(w, t->seed), end_line(w);
    key(w, in, "threads", 0), count(w, t->threads), end_line(w);
    key(w, in, "processes", 0), count(w, t->processes), end_line(w);
    key(w, in, "version", 0);
    if (t->version[0])
        text(w, t->version);
    else
        dl_str_printf(w->b, "%s", w->json ? "null" : "unknown");
    end_line(w);
    if (w->json)
        dl_str_printf(w->b, "}");
}

static int describe_network(const writer *w, const mdl_model *m, dl_tensor_set *ckpt, dl_err *e)
{
    const dl_spec *s = nm_spec(mdl_network(m));
    nm_summary sum;
    char *yaml;
    size_t len;
    if (nm_summary_from_set(&sum, s, ckpt, e) || spec_format(s, &yaml, &len, e))
        return e->code;
    key(w, "", "kind", 1), text(w, "network"), end_line(w);
    key(w, "", "input", 0), dl_str_printf(w->b, "%llu", (unsigned long long)s->input), end_line(w);
    if (design(w, m, e)) {
        free(yaml);
        return e->code;
    }
    layer_table(w, s);
    training(w, &sum);
    if (w->json) {
        dl_str_printf(w->b, ", \"spec\": ");
        json_string(w->b, yaml, len);
    } else {
        /* the spec as a YAML block: every line indented */
        dl_str_printf(w->b, "spec: |\n");
        for (char *line = yaml; *line;) {
            char *nl = strchr(line, '\n');
            size_t n = nl ? (size_t)(nl - line) : strlen(line);
            dl_str_printf(w->b, "  %.*s\n", (int)n, line);
            line += n + (nl != NULL);
        }
    }
    free(yaml);
    return 0;
}

/* ------------------------------ linear ------------------------------ */

/* A value of the linear model record, "" when absent. */
static const char *record_value(const dl_tensor *rec, const char *k, char *buf, size_t size)
{
    if (!kv_value(rec->data, (size_t)rec->shape[0], k, buf, size))
        buf[0] = '\0';
    return buf;
}

/* A number of the record as a double (NaN when absent or not a number). */
static double record_number(const dl_tensor *rec, const char *k)
{
    char v[NT_BUF + 8];
    double d;
    record_value(rec, k, v, sizeof v);
    return *v && nt_parse_f64(v, v + strlen(v), &d) == NT_OK ? d : NAN;
}

static void record_count(const writer *w, const dl_tensor *rec, const char *k)
{
    double d = record_number(rec, k);
    count(w, isfinite(d) && d >= 0 && d < 9e18 ? (long long)d : -1);
}

/* A yes or no (true or false in JSON). */
static void yes_no(const writer *w, int yes)
{
    dl_str_printf(w->b, "%s", yes ? w->json ? "true" : "yes" : w->json ? "false" : "no");
}

/* A 0/1 setting of the record as yes or no, unknown (null) when a
 * checkpoint written before it was recorded lacks it. */
static void record_flag(const writer *w, const dl_tensor *rec, const char *k)
{
    double d = record_number(rec, k);
    key(w, "", k, 0);
    if (d == 0 || d == 1)
        yes_no(w, d == 1);
    else
        dl_str_printf(w->b, "%s", w->json ? "null" : "unknown");
    end_line(w);
}

/* "w(NAME)" or "sd(NAME)" for output j, NAME from y.names or y0, y1... */
static void output_label(const cm_names *ynames, size_t j, const char *what, char *label,
                         size_t size)
{
    if (ynames->count)
        snprintf(label, size, "%s(%s)", what, cm_names_at(ynames, j));
    else
        snprintf(label, size, "%s(y%zu)", what, j);
}

/* The coefficients table's columns: names as wide as the longest, numbers
 * as wide as the longest output's label, and at least as wide as a number. */
static void coefficient_widths(const cm_names *xnames, const cm_names *ynames, size_t p,
                               size_t k, int *name_width, int *number_width)
{
    char label[CM_COLNAME_MAX + 8];
    *name_width = 16;
    *number_width = 24;
    for (size_t i = 0; i < p && xnames->count; i++) {
        const char *name = cm_names_at(xnames, i);
        int chars = (int)dl_name_chars(name, strlen(name));
        *name_width = chars > *name_width ? chars : *name_width;
    }
    for (size_t j = 0; j < k; j++) {
        output_label(ynames, j, "sd", label, sizeof label);
        int chars = (int)dl_name_chars(label, strlen(label));
        *number_width = chars > *number_width ? chars : *number_width;
    }
}

static void coefficients(const writer *w, const lm_model *l, const cm_names *xnames,
                         const cm_names *ynames)
{
    size_t p = lm_input_dim(l), k = lm_output_dim(l);
    const double *wt = lm_weights(l), *cov = lm_covariance(l);
    if (w->json) {
        dl_str_printf(w->b, ", \"coefficients\": [");
        for (size_t i = 0; i < p; i++) {
            dl_str_printf(w->b, "%s{\"index\": %zu, \"name\": ", i ? ", " : "", i);
            if (xnames->count)
                json_string(w->b, cm_names_at(xnames, i), strlen(cm_names_at(xnames, i)));
            else
                dl_str_printf(w->b, "null");
            dl_str_printf(w->b, ", \"w\": [");
            for (size_t j = 0; j < k; j++) {
                dl_str_printf(w->b, "%s", j ? ", " : "");
                number(w, wt[i * k + j], 0);
            }
            dl_str_printf(w->b, "], \"sd\": ");
            for (size_t j = 0; cov && j < k; j++) {
                dl_str_printf(w->b, "%s", j ? ", " : "[");
                number(w, sqrt(cov[(j * p + i) * p + i]), 0);
            }
            dl_str_printf(w->b, "%s}", cov ? "]" : "null");
        }
        dl_str_printf(w->b, "]");
        return;
    }
    int name_width, number_width;
    char label[CM_COLNAME_MAX + 8];
    coefficient_widths(xnames, ynames, p, k, &name_width, &number_width);
    dl_str_printf(w->b, "coefficients:\n  %5s", "index");
    if (xnames->count)
        dl_str_printf(w->b, "  %-*s", name_width, "name");
    for (size_t j = 0; j < k; j++) {
        output_label(ynames, j, "w", label, sizeof label);
        text_cell(w, label, number_width, 0);
        if (cov) {
            output_label(ynames, j, "sd", label, sizeof label);
            text_cell(w, label, number_width, 0);
        }
    }
    dl_str_printf(w->b, "\n");
    for (size_t i = 0; i < p; i++) {
        dl_str_printf(w->b, "  %5zu", i);
        if (xnames->count)
            text_cell(w, cm_names_at(xnames, i), name_width, 1);
        for (size_t j = 0; j < k; j++) {
            cell(w, wt[i * k + j], number_width);
            if (cov)
                cell(w, sqrt(cov[(j * p + i) * p + i]), number_width);
        }
        dl_str_printf(w->b, "\n");
    }
}

/* s2: the noise variance of each of the k outputs, or NULL without a
 * posterior. */
static void noise_variance(const writer *w, const double *s2, size_t k)
{
    key(w, "", "noise_variance", 0);
    if (!s2) {
        dl_str_printf(w->b, "%s", w->json ? "null" : "none (no posterior)");
    } else {
        dl_str_printf(w->b, "%s", w->json ? "[" : "");
        for (size_t j = 0; j < k; j++) {
            dl_str_printf(w->b, "%s", j ? w->json ? ", " : " " : "");
            number(w, s2[j], 0);
        }
        dl_str_printf(w->b, "%s", w->json ? "]" : "");
    }
    end_line(w);
}

static int describe_linear(const writer *w, const mdl_model *m, const dl_tensor *rec,
                           dl_tensor_set *ckpt, dl_err *e)
{
    const lm_model *l = mdl_linear(m);
    size_t p = lm_input_dim(l), k = lm_output_dim(l);
    char v[64]; /* the record's values are checked (lm_open) */
    cm_names xnames, ynames;
    cm_names_init(&xnames);
    cm_names_init(&ynames);
    const dl_tensor *ynames_rec = mdl_target_names(m); /* the model keeps y.names */
    if (cm_names_load(&xnames, ckpt, "x", p, e) ||
        (ynames_rec && cm_names_parse(&ynames, ynames_rec, k, e))) {
        cm_names_free(&xnames);
        cm_names_free(&ynames);
        return e->code;
    }
    key(w, "", "kind", 1), text(w, "linear"), end_line(w);
    key(w, "", "solver", 0), text(w, record_value(rec, "solver", v, sizeof v)), end_line(w);
    key(w, "", "rows", 0), record_count(w, rec, "rows"), end_line(w);
    key(w, "", "columns", 0), count(w, (long long)p), end_line(w);
    key(w, "", "outputs", 0), count(w, (long long)k), end_line(w);
    key(w, "", "rank", 0), record_count(w, rec, "rank"), end_line(w);
    double cond = record_number(rec, "cond");
    int bound = record_number(rec, "cond_bound") == 1;
    key(w, "", "condition_number", 0);
    if (!w->json && bound)
        dl_str_printf(w->b, ">");
    number(w, cond, 1);
    end_line(w);
    if (w->json)
        dl_str_printf(w->b, ", \"condition_number_is_bound\": %s", bound ? "true" : "false");
    key(w, "", "ridge", 0), number(w, record_number(rec, "ridge"), 1), end_line(w);
    key(w, "", "alpha", 0), number(w, record_number(rec, "alpha"), 1), end_line(w);
    key(w, "", "l1_ratio", 0), number(w, record_number(rec, "l1_ratio"), 1), end_line(w);
    record_flag(w, rec, "penalize_bias");
    record_flag(w, rec, "weighted");
    key(w, "", "posterior", 0);
    yes_no(w, lm_has_std(l));
    end_line(w);
    noise_variance(w, lm_noise_variances(l), k);
    int rc = design(w, m, e);
    if (!rc)
        coefficients(w, l, &xnames, &ynames);
    cm_names_free(&xnames);
    cm_names_free(&ynames);
    return rc;
}

/* ------------------------------ the checkpoint ------------------------------ */

int shw_describe(dl_tensor_set *ckpt, int format, char **out, size_t *len, dl_err *e)
{
    *out = NULL;
    *len = 0;
    dl_tensor rec = {0};
    mdl_model *m = NULL;
    dl_str b = {0};
    writer w = {&b, format == SHW_JSON};
    /* the texts the description quotes, kept beside what mdl_open moves out */
    const dl_tensor *found = dl_set_find(ckpt, "model");
    int rc = found ? dl_tensor_copy(&rec, found, e) : 0;
    if (!rc)
        rc = mdl_open(&m, ckpt, e);
    if (!rc) {
        dl_str_printf(&b, "%s", w.json ? "{" : "");
        rc = mdl_kind(m) == MDL_NETWORK
                 ? describe_network(&w, m, ckpt, e)
                 : describe_linear(&w, m, &rec, ckpt, e);
        dl_str_printf(&b, "%s", w.json ? "}\n" : "");
    }
    if (!rc)
        rc = dl_str_take(&b, out, len, e);
    dl_str_free(&b);
    mdl_free(m);
    dl_tensor_free(&rec);
    return rc;
}

int shw_show(const char *path, int format, dl_err *e)
{
    const char *label = dl_err_label(path);
    dl_tensor_set set;
    dl_set_init(&set);
    char *text = NULL;
    size_t len = 0;
    int rc = st_read_checkpoint(path, &set, NULL, e);
    if (!rc && set.count == 0)
        rc = st_fail_empty(label, e);
    if (!rc && shw_describe(&set, format, &text, &len, e))
        rc = dl_err_wrap(e, "%s", label);
    if (!rc && fwrite(text, 1, len, stdout) != len)
        rc = dl_fail_errno(e, "standard output");
    free(text);
    dl_set_free(&set);
    return rc;
}
