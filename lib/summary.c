/* summary.c - dl-eval --summary: the records of several dl-eval runs (TSV
 * or JSON lines) reduced to runs, mean, standard deviation (n - 1), min
 * and max per metric, per group of --by tags. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "metrics_io.h"
#include "names.h"
#include "numtext.h"
#include "textio.h"

void mio_summary_defaults(mio_summary_opts *o)
{
    memset(o, 0, sizeof *o);
    o->header = 1;
}

/* The columns of a summary's records, after the --by tags. */
static const char *const summary_columns[] = {"metric", "runs", "mean", "sd", "min", "max"};

int mio_summary_column(const char *key, size_t len)
{
    for (size_t i = 0; i < sizeof summary_columns / sizeof *summary_columns; i++)
        if (strlen(summary_columns[i]) == len && memcmp(summary_columns[i], key, len) == 0)
            return 1;
    return 0;
}

/* The --by keys: each once, none a column of the summary's records. */
static int check_by(const mio_summary_opts *o, dl_err *e)
{
    if (o->nby > 64)
        return dl_fail(e, DL_EUSAGE, "--by: at most 64 tags");
    for (size_t b = 0; b < o->nby; b++) {
        if (mio_summary_column(o->by[b], strlen(o->by[b])))
            return dl_fail(e, DL_EUSAGE, "--by: '%s' is a column of the summary's own records",
                           o->by[b]);
        for (size_t c = 0; c < b; c++)
            if (strcmp(o->by[c], o->by[b]) == 0)
                return dl_fail(e, DL_EUSAGE, "--by: '%s' is given twice", o->by[b]);
    }
    return 0;
}

/* ------------------------------ a record ------------------------------ */
typedef struct span {
    const char *s;
    size_t len;
} span;

typedef struct field {
    span key, text; /* a tag's value, or a metric's number as text */
    double value;   /* a metric's value */
} field;

/* One run: its tags, task and metrics, pointing into the line (and for
 * TSV into the header). */
typedef struct record {
    field *tags, *metrics;
    size_t ntags, nmetrics, tags_cap, metrics_cap;
    span task;
} record;

static int push_field(field **items, size_t *count, size_t *cap, field f, dl_err *e)
{
    if (dl_vec_reserve(items, cap, *count + 1, sizeof **items, e))
        return e->code;
    (*items)[(*count)++] = f;
    return 0;
}

static int span_is(span a, const char *s) { return a.len == strlen(s) && memcmp(a.s, s, a.len) == 0; }

/* Confusion-matrix counts (a multiclass matrix's cells, a binary task's tn
 * fp fn tp, a multilabel task's tn[j] fp[j] fn[j] tp[j]) are not metrics to
 * average. */
static int is_count(span name)
{
    static const char *const counts[] = {"tn", "fp", "fn", "tp"};
    if (name.len >= 3 && memcmp(name.s, "cm[", 3) == 0)
        return 1;
    span base = name;
    const char *open = memchr(name.s, '[', name.len);
    if (open && name.s[name.len - 1] == ']')
        base.len = (size_t)(open - name.s);
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++)
        if (span_is(base, counts[i]))
            return 1;
    return 0;
}

/* ------------------------------ the table ----------------------------- */
typedef struct sample {
    size_t group, metric, seq;
    double value;
} sample;

typedef struct group {
    char *key;     /* the --by values, tab-separated */
    char *task;
    char *where;   /* the group's first record, for a message of a later one */
    char *q_where; /* the first record with a q (lq's exponent), NULL while none */
    double q;
} group;

typedef struct summary {
    const mio_summary_opts *o;
    group *groups;
    size_t ngroups, groups_cap;
    dl_name_index group_index; /* the groups by key: runs of many groups in linear time */
    char **metrics;
    size_t nmetrics, metrics_cap;
    size_t *last_record, last_cap; /* per metric: the record that last had it, 1-based */
    size_t nrecords;
    sample *samples;
    size_t nsamples, samples_cap;
    dl_str key; /* scratch for a group key */
} summary;

static void summary_free(summary *s)
{
    for (size_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].key);
        free(s->groups[i].task);
        free(s->groups[i].where);
        free(s->groups[i].q_where);
    }
    for (size_t i = 0; i < s->nmetrics; i++)
        free(s->metrics[i]);
    free(s->groups);
    dl_names_free(&s->group_index);
    free(s->metrics);
    free(s->last_record);
    free(s->samples);
    dl_str_free(&s->key);
}

static int copy_text(const char *p, size_t len, char **out, dl_err *e)
{
    *out = malloc(len + 1);
    if (!*out)
        return dl_fail(e, DL_ENOMEM, "cannot allocate %zu bytes of text", len + 1);
    memcpy(*out, p, len);
    (*out)[len] = '\0';
    return 0;
}

/* The metric's position, added when new; `hint` is where the previous
 * record had its next metric (runs of one tool list them alike). */
static int metric_id(summary *s, span name, size_t hint, size_t *id, dl_err *e)
{
    if (hint < s->nmetrics && span_is(name, s->metrics[hint])) {
        *id = hint;
        return 0;
    }
    for (size_t i = 0; i < s->nmetrics; i++)
        if (span_is(name, s->metrics[i])) {
            *id = i;
            return 0;
        }
    if (dl_vec_reserve(&s->metrics, &s->metrics_cap, s->nmetrics + 1, sizeof *s->metrics, e) ||
        dl_vec_reserve(&s->last_record, &s->last_cap, s->nmetrics + 1, sizeof *s->last_record,
                       e) ||
        copy_text(name.s, name.len, &s->metrics[s->nmetrics], e))
        return e->code;
    s->last_record[s->nmetrics] = 0;
    *id = s->nmetrics++;
    return 0;
}

static const char *group_key_at(const void *groups, size_t pos)
{
    return ((const group *)groups)[pos].key;
}

static int group_id(summary *s, const record *r, size_t *id, const char *where, dl_err *e)
{
    dl_str_free(&s->key);
    for (size_t b = 0; b < s->o->nby; b++) {
        const field *tag = NULL;
        for (size_t i = 0; i < r->ntags && !tag; i++)
            if (span_is(r->tags[i].key, s->o->by[b]))
                tag = &r->tags[i];
        if (!tag)
            return dl_fail(e, DL_EDATA, "%s: no tag '%s' (--by takes tags every record has)",
                           where, s->o->by[b]);
        dl_str_printf(&s->key, "%s%.*s", b ? "\t" : "", (int)tag->text.len, tag->text.s);
    }
    if (s->key.failed)
        return dl_fail(e, DL_ENOMEM, "%s: cannot allocate the record's group", where);
    const char *key = dl_str_text(&s->key);
    size_t i = dl_names_find(&s->group_index, key, s->groups, group_key_at);
    if (i != SIZE_MAX) {
        if (!span_is(r->task, s->groups[i].task))
            return dl_fail(e, DL_EDATA, "%s: task %.*s, but the group's first record, %s, is "
                           "%s (--by a tag that tells them apart)", where, (int)r->task.len,
                           r->task.s, s->groups[i].where, s->groups[i].task);
        *id = i;
        return 0;
    }
    group g = {0};
    if (dl_vec_reserve(&s->groups, &s->groups_cap, s->ngroups + 1, sizeof *s->groups, e) ||
        copy_text(key, strlen(key), &g.key, e))
        return e->code;
    if (copy_text(r->task.s, r->task.len, &g.task, e) ||
        copy_text(where, strlen(where), &g.where, e) ||
        dl_names_add(&s->group_index, g.key, s->ngroups, e)) {
        free(g.key);
        free(g.task);
        free(g.where);
        return e->code;
    }
    s->groups[s->ngroups] = g;
    *id = s->ngroups++;
    return 0;
}

/* lq of one exponent is not lq of another (other units, another weight of
 * large errors): a group's records hold one q, the first one's. */
static int same_q(group *g, const record *r, const char *where, dl_err *e)
{
    const field *q = NULL;
    for (size_t i = 0; i < r->nmetrics && !q; i++)
        if (span_is(r->metrics[i].key, "q"))
            q = &r->metrics[i];
    if (!q)
        return 0;
    if (!g->q_where) {
        g->q = q->value;
        return copy_text(where, strlen(where), &g->q_where, e);
    }
    if (q->value == g->q || (isnan(q->value) && isnan(g->q)))
        return 0;
    char got[NT_BUF], want[NT_BUF];
    nt_format_f64(q->value, got);
    nt_format_f64(g->q, want);
    return dl_fail(e, DL_EDATA, "%s: q %s, but %s has q %s (lq of two exponents is not one "
                   "metric; --by a tag that tells them apart)", where, got, g->q_where, want);
}

static int twice(span key, const char *where, dl_err *e)
{
    return dl_fail(e, DL_EDATA, "%s: '%.*s' twice (not a dl-eval record)", where,
                   (int)(key.len > 40 ? 40 : key.len), key.s);
}

/* A key twice in one record is none dl-eval writes: its values would
 * count as two runs, or the group taken from the first of two tags. */
static int add_record(summary *s, const record *r, const char *where, dl_err *e)
{
    size_t g = 0, m = 0;
    for (size_t i = 0; i < r->ntags; i++)
        for (size_t j = 0; j < i; j++)
            if (r->tags[j].key.len == r->tags[i].key.len &&
                memcmp(r->tags[j].key.s, r->tags[i].key.s, r->tags[i].key.len) == 0)
                return twice(r->tags[i].key, where, e);
    if (group_id(s, r, &g, where, e) || same_q(&s->groups[g], r, where, e))
        return e->code;
    s->nrecords++;
    for (size_t i = 0; i < r->nmetrics; i++) {
        if (metric_id(s, r->metrics[i].key, m, &m, e) ||
            dl_vec_reserve(&s->samples, &s->samples_cap, s->nsamples + 1, sizeof *s->samples, e))
            return e->code;
        if (s->last_record[m] == s->nrecords)
            return twice(r->metrics[i].key, where, e);
        s->last_record[m] = s->nrecords;
        s->samples[s->nsamples] = (sample){g, m, s->nsamples, r->metrics[i].value};
        s->nsamples++;
        m++;
    }
    return 0;
}

/* -------------------------------- TSV -------------------------------- */
/* Cuts [p, end) at tabs into *cells. */
static int tsv_cells(const char *p, const char *end, span **cells, size_t *count, size_t *cap,
                     dl_err *e)
{
    *count = 0;
    for (;;) {
        const char *tab = memchr(p, '\t', (size_t)(end - p));
        const char *stop = tab ? tab : end;
        if (dl_vec_reserve(cells, cap, *count + 1, sizeof **cells, e))
            return e->code;
        (*cells)[(*count)++] = (span){p, (size_t)(stop - p)};
        if (!tab)
            return 0;
        p = tab + 1;
    }
}

/* A header has a cell "task" followed by "n"; its index in *task. */
static int tsv_header(const span *cells, size_t count, size_t *task)
{
    for (size_t i = 0; i + 1 < count; i++)
        if (span_is(cells[i], "task") && span_is(cells[i + 1], "n")) {
            *task = i;
            return 1;
        }
    return 0;
}

static int number(span text, double *v, const char *what, const char *where, dl_err *e)
{
    if (nt_parse_f64(text.s, text.s + text.len, v) != NT_OK)
        return dl_fail(e, DL_EDATA, "%s: %s: '%.*s' is not a number", where, what,
                       (int)(text.len > 40 ? 40 : text.len), text.s);
    return 0;
}

static int tsv_record(const span *head, size_t nhead, size_t task, const span *cells,
                      size_t count, record *r, const char *where, dl_err *e)
{
    if (count != nhead)
        return dl_fail(e, DL_EDATA, "%s: %zu cell%s, the header has %zu", where, count,
                       dl_plural(count), nhead);
    r->task = cells[task];
    for (size_t i = 0; i < task; i++)
        if (push_field(&r->tags, &r->ntags, &r->tags_cap, (field){head[i], cells[i], 0}, e))
            return e->code;
    for (size_t i = task + 2; i < count; i++) {
        field f = {head[i], cells[i], 0};
        if (is_count(head[i]))
            continue;
        char what[64];
        snprintf(what, sizeof what, "'%.*s'", (int)(head[i].len > 40 ? 40 : head[i].len),
                 head[i].s);
        if (number(cells[i], &f.value, what, where, e) ||
            push_field(&r->metrics, &r->nmetrics, &r->metrics_cap, f, e))
            return e->code;
    }
    return 0;
}

/* -------------------------------- JSON ------------------------------- */
/* dl-eval's JSON line: one flat object of strings, numbers and null, plus
 * the nested confusion matrix and the note on an undefined value, which
 * are skipped. */
typedef struct cursor {
    const char *p, *end;
    char *out; /* decoded strings, as long as the line at most */
    size_t used;
} cursor;

static void blanks(cursor *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t'))
        c->p++;
}

static int eat(cursor *c, char ch)
{
    blanks(c);
    if (c->p < c->end && *c->p == ch) {
        c->p++;
        return 1;
    }
    return 0;
}

/* The code unit of \uXXXX at p (the 4 hex digits), or -1. */
static long hex4(const char *p, const char *end)
{
    long v = 0;
    for (int i = 0; i < 4; i++, p++) {
        if (p >= end)
            return -1;
        int d = *p >= '0' && *p <= '9'   ? *p - '0'
                : *p >= 'a' && *p <= 'f' ? *p - 'a' + 10
                : *p >= 'A' && *p <= 'F' ? *p - 'A' + 10
                                         : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* Decodes the escape at c->p (its backslash) onto c->out: \/ and \uXXXX (a
 * surrogate pair for one character) as UTF-8, what another JSON writer
 * makes of a tag beyond ASCII (Python's json.dumps: "\u00e9" for é).  An
 * escape of a control character, a quote or a backslash, which no tag
 * holds, or a lone surrogate, is 0: not a dl-eval record. */
static int json_escape(cursor *c)
{
    const char *p = c->p + 1;
    if (p < c->end && *p == '/') {
        c->out[c->used++] = '/';
        c->p = p + 1;
        return 1;
    }
    long u = p < c->end && *p == 'u' ? hex4(p + 1, c->end) : -1;
    p += 5;
    if (u >= 0xD800 && u < 0xDC00) { /* a high surrogate, its low one next */
        long low = c->end - p >= 2 && p[0] == '\\' && p[1] == 'u' ? hex4(p + 2, c->end) : -1;
        if (low < 0xDC00 || low > 0xDFFF)
            return 0;
        u = 0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00);
        p += 6;
    }
    if (u < 0x20 || u == '"' || u == '\\' || u == 0x7F || (u >= 0xDC00 && u < 0xE000))
        return 0;
    char *o = c->out + c->used;
    if (u < 0x80)
        *o++ = (char)u;
    else if (u < 0x800) {
        *o++ = (char)(0xC0 | u >> 6);
        *o++ = (char)(0x80 | (u & 0x3F));
    } else if (u < 0x10000) {
        *o++ = (char)(0xE0 | u >> 12);
        *o++ = (char)(0x80 | (u >> 6 & 0x3F));
        *o++ = (char)(0x80 | (u & 0x3F));
    } else {
        *o++ = (char)(0xF0 | u >> 18);
        *o++ = (char)(0x80 | (u >> 12 & 0x3F));
        *o++ = (char)(0x80 | (u >> 6 & 0x3F));
        *o++ = (char)(0x80 | (u & 0x3F));
    }
    c->used = (size_t)(o - c->out);
    c->p = p;
    return 1;
}

/* A string: a span of the line, or of c->out when it holds escapes (no
 * longer decoded than written, so c->out, as long as the line, holds them
 * all). */
static int json_string(cursor *c, span *out)
{
    if (!eat(c, '"'))
        return 0;
    const char *start = c->p;
    while (c->p < c->end && *c->p != '"' && *c->p != '\\')
        c->p++;
    if (c->p < c->end && *c->p == '\\') {
        size_t first = c->used, plain = (size_t)(c->p - start);
        memcpy(c->out + c->used, start, plain);
        c->used += plain;
        while (c->p < c->end && *c->p != '"') {
            if (*c->p != '\\')
                c->out[c->used++] = *c->p++;
            else if (!json_escape(c))
                return 0;
        }
        start = c->out + first;
        if (c->p < c->end)
            *out = (span){start, c->used - first};
    } else if (c->p < c->end) {
        *out = (span){start, (size_t)(c->p - start)};
    }
    if (c->p >= c->end)
        return 0;
    c->p++;
    return 1;
}

/* Skips a nested object or array. */
static int json_skip(cursor *c)
{
    int depth = 0;
    span ignored;
    while (c->p < c->end) {
        char ch = *c->p;
        if (ch == '"') {
            if (!json_string(c, &ignored))
                return 0;
            continue;
        }
        c->p++;
        depth += (ch == '{' || ch == '[') - (ch == '}' || ch == ']');
        if (depth == 0)
            return 1;
    }
    return 0;
}

static int json_record(const char *line, const char *end, char *scratch, record *r,
                       const char *where, dl_err *e)
{
    cursor c = {line, end, scratch, 0};
    int seen_task = 0;
    if (!eat(&c, '{'))
        goto bad;
    for (int first = 1; !eat(&c, '}'); first = 0) {
        span key, text;
        if (!first && !eat(&c, ','))
            goto bad;
        if (!json_string(&c, &key) || !eat(&c, ':'))
            goto bad;
        blanks(&c);
        if (c.p < c.end && (*c.p == '{' || *c.p == '[')) {
            if (!json_skip(&c))
                goto bad;
        } else if (c.p < c.end && *c.p == '"') {
            if (!json_string(&c, &text))
                goto bad;
            if (span_is(key, "task")) {
                r->task = text;
                seen_task = 1;
            } else if (seen_task && span_is(key, "note")) {
                /* why a value is null: said by the value's nan */
            } else if (seen_task) { /* where dl-eval writes metrics, numbers or null */
                return dl_fail(e, DL_EDATA, "%s: '%.*s' is text (\"%.*s\"), where a dl-eval "
                               "record holds a metric: a number or null", where,
                               (int)key.len, key.s, (int)text.len, text.s);
            } else if (push_field(&r->tags, &r->ntags, &r->tags_cap, (field){key, text, 0}, e)) {
                return e->code;
            }
        } else {
            field f = {key, {c.p, 0}, NAN};
            if (end - c.p >= 4 && memcmp(c.p, "null", 4) == 0) {
                c.p += 4;
            } else {
                const char *stop;
                if (nt_scan_f64(c.p, end, &f.value, &stop) != NT_OK)
                    goto bad;
                c.p = stop;
            }
            if (!seen_task)
                goto bad;
            if (!span_is(key, "n") && !is_count(key) &&
                push_field(&r->metrics, &r->nmetrics, &r->metrics_cap, f, e))
                return e->code;
        }
    }
    blanks(&c);
    if (c.p == c.end && seen_task)
        return 0;
bad:
    return dl_fail(e, DL_EDATA, "%s: not a dl-eval JSON record (at byte %zu)", where,
                   (size_t)(c.p - line) + 1);
}

/* ------------------------------- reading ------------------------------ */
static int read_file(summary *s, const char *path, dl_err *e)
{
    tx_in in;
    if (tx_in_open(&in, path, e))
        return e->code;
    record r = {0};
    span *cells = NULL, *head = NULL;
    size_t ncells = 0, cells_cap = 0, nhead = 0, head_cap = 0, task = 0, lineno = 0,
           records = 0;
    char *head_text = NULL, *scratch = NULL, where[sizeof in.label + 32];
    size_t scratch_cap = 0;
    const char *start, *line, *end;
    int rc;
    while (!(rc = tx_in_line(&in, &start, &end, e)) && start) {
        snprintf(where, sizeof where, "%s: line %zu", in.label, ++lineno);
        r.ntags = r.nmetrics = 0;
        r.task = (span){"", 0};
        /* blanks before a JSON record, or alone; a TSV line keeps them: its
         * first cell is a tag's value, which may be empty (--tag k=) */
        for (line = start; line < end && (*line == ' ' || *line == '\t');)
            line++;
        if (line == end)
            continue;
        if (lineno == 1 && end - line >= 4 && memcmp(line, "\x89" "DLT", 4) == 0) {
            rc = dl_fail(e, DL_EDATA, "%s: a tensor stream, not dl-eval records (dl-eval "
                         "without --summary evaluates it)", in.label);
            break;
        }
        if (*line == '{') {
            rc = dl_vec_reserve(&scratch, &scratch_cap, (size_t)(end - line), 1, e) ||
                 json_record(line, end, scratch, &r, where, e) || add_record(s, &r, where, e);
            records++;
        } else if ((rc = tsv_cells(start, end, &cells, &ncells, &cells_cap, e)) != 0) {
            break;
        } else if (tsv_header(cells, ncells, &task)) {
            /* the header outlives its line */
            free(head_text);
            head_text = NULL;
            rc = copy_text(start, (size_t)(end - start), &head_text, e) ||
                 tsv_cells(head_text, head_text + (end - start), &head, &nhead, &head_cap, e);
        } else if (!head_text) {
            rc = dl_fail(e, DL_EDATA, "%s: a TSV record before its header (a line with 'task' "
                         "and 'n', as dl-eval --format tsv writes)", where);
        } else {
            rc = tsv_record(head, nhead, task, cells, ncells, &r, where, e) ||
                 add_record(s, &r, where, e);
            records++;
        }
        if (rc) {
            rc = e->code;
            break;
        }
    }
    if (!rc && records == 0)
        rc = dl_fail(e, DL_EDATA, "%s: no dl-eval records (%s)", in.label,
                     lineno == 0 ? "the input is empty"
                     : head_text ? "a TSV header and no record under it"
                                 : "only blank lines");
    free(r.tags);
    free(r.metrics);
    free(cells);
    free(head);
    free(head_text);
    free(scratch);
    tx_in_close(&in);
    return rc;
}

/* ------------------------------- output ------------------------------ */
typedef struct stats {
    size_t runs;
    double mean, sd, min, max;
} stats;

static int by_group_metric(const void *a, const void *b)
{
    const sample *p = a, *q = b;
    if (p->group != q->group)
        return p->group < q->group ? -1 : 1;
    if (p->metric != q->metric)
        return p->metric < q->metric ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

/* NaN in any run makes every statistic NaN (as numpy's mean and std);
 * one run has no standard deviation (NaN, as pandas). */
static stats reduce(const sample *v, size_t n)
{
    stats st = {n, 0, 0, v[0].value, v[0].value};
    int nan = 0;
    for (size_t i = 0; i < n; i++) {
        nan |= isnan(v[i].value);
        st.mean += v[i].value;
        if (v[i].value < st.min)
            st.min = v[i].value;
        if (v[i].value > st.max)
            st.max = v[i].value;
    }
    st.mean /= (double)n;
    for (size_t i = 0; i < n; i++)
        st.sd += (v[i].value - st.mean) * (v[i].value - st.mean);
    st.sd = n > 1 ? sqrt(st.sd / (double)(n - 1)) : NAN;
    if (nan)
        st.mean = st.sd = st.min = st.max = NAN;
    return st;
}

/* The i-th --by value of a group key (tab-separated): its length. */
static const char *key_part(const char *key, size_t i, int *len)
{
    for (; i > 0; i--)
        key = strchr(key, '\t') + 1;
    const char *tab = strchr(key, '\t');
    *len = tab ? (int)(tab - key) : (int)strlen(key);
    return key;
}

typedef struct widths {
    int by[64], metric;
} widths;

/* The table's columns of text: as wide as their widest entry, in characters. */
static void measure(const summary *s, widths *w)
{
    w->metric = 6;
    for (size_t b = 0; b < s->o->nby; b++) {
        w->by[b] = (int)dl_name_chars(s->o->by[b], strlen(s->o->by[b]));
        for (size_t g = 0; g < s->ngroups; g++) {
            int len;
            const char *part = key_part(s->groups[g].key, b, &len);
            int chars = (int)dl_name_chars(part, (size_t)len);
            if (chars > w->by[b])
                w->by[b] = chars;
        }
    }
    for (size_t m = 0; m < s->nmetrics; m++) {
        int chars = (int)dl_name_chars(s->metrics[m], strlen(s->metrics[m]));
        if (chars > w->metric)
            w->metric = chars;
    }
}

static void write_head(FILE *out, const summary *s, const widths *w)
{
    static const char *const cols[] = {"mean", "sd", "min", "max"};
    if (s->o->format == MIO_TABLE) {
        for (size_t b = 0; b < s->o->nby; b++)
            fprintf(out, "%-*s  ", dl_name_field(s->o->by[b], strlen(s->o->by[b]), w->by[b]),
                    s->o->by[b]);
        fprintf(out, "%-*s %5s", w->metric, "metric", "runs");
        for (size_t i = 0; i < 4; i++)
            fprintf(out, " %12s", cols[i]);
        fputc('\n', out);
    } else if (s->o->format == MIO_TSV && s->o->header) {
        for (size_t b = 0; b < s->o->nby; b++)
            fprintf(out, "%s\t", s->o->by[b]);
        fputs("metric\truns\tmean\tsd\tmin\tmax\n", out);
    }
}

static void write_row(FILE *out, const summary *s, const widths *w, size_t g, size_t m,
                      const stats *st)
{
    const double v[4] = {st->mean, st->sd, st->min, st->max};
    static const char *const names[4] = {"mean", "sd", "min", "max"};
    int len;
    if (s->o->format == MIO_JSON)
        fputc('{', out);
    for (size_t b = 0; b < s->o->nby; b++) {
        const char *part = key_part(s->groups[g].key, b, &len);
        if (s->o->format == MIO_TABLE)
            fprintf(out, "%-*.*s  ", dl_name_field(part, (size_t)len, w->by[b]), len, part);
        else if (s->o->format == MIO_TSV)
            fprintf(out, "%.*s\t", len, part);
        else
            fprintf(out, "\"%s\": \"%.*s\", ", s->o->by[b], len, part);
    }
    if (s->o->format == MIO_TABLE) {
        fprintf(out, "%-*s %5zu", dl_name_field(s->metrics[m], strlen(s->metrics[m]), w->metric),
                s->metrics[m], st->runs);
        for (int i = 0; i < 4; i++)
            isnan(v[i]) ? fprintf(out, " %12s", "nan") : fprintf(out, " %12.6g", v[i]);
    } else if (s->o->format == MIO_TSV) {
        fprintf(out, "%s\t%zu", s->metrics[m], st->runs);
        for (int i = 0; i < 4; i++) {
            fputc('\t', out);
            mio_put_number(out, v[i], MIO_TSV);
        }
    } else {
        fprintf(out, "\"metric\": \"%s\", \"runs\": %zu", s->metrics[m], st->runs);
        for (int i = 0; i < 4; i++) {
            fprintf(out, ", \"%s\": ", names[i]);
            mio_put_number(out, v[i], MIO_JSON);
        }
        fputc('}', out);
    }
    fputc('\n', out);
}

int mio_summarize(FILE *out, const mio_summary_opts *o, dl_err *e)
{
    summary s = {0};
    dl_names_init(&s.group_index);
    s.o = o;
    if (check_by(o, e))
        return e->code;
    int rc = 0;
    for (size_t i = 0; i < (o->nfiles ? o->nfiles : 1) && !rc; i++)
        rc = read_file(&s, o->nfiles ? o->files[i] : NULL, e);
    if (!rc) {
        widths w;
        measure(&s, &w);
        qsort(s.samples, s.nsamples, sizeof *s.samples, by_group_metric);
        write_head(out, &s, &w);
        for (size_t i = 0, j; i < s.nsamples; i = j) {
            for (j = i; j < s.nsamples && s.samples[j].group == s.samples[i].group &&
                        s.samples[j].metric == s.samples[i].metric;)
                j++;
            stats st = reduce(&s.samples[i], j - i);
            write_row(out, &s, &w, s.samples[i].group, s.samples[i].metric, &st);
        }
    }
    summary_free(&s);
    return rc;
}
