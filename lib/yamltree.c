#include "yamltree.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "buf.h"

#define SN_DEPTH_MAX 16      /* mappings and lists around a value (a model spec's
                                values are in at most 4, the top-level mapping one) */
#define SN_NODES_MAX 100000  /* keys and values: keeps a hostile file from eating memory */
#define SN_KEYS_MAX 1024     /* keys of one mapping (class_weight, the largest, takes 256):
                                each key is compared with those before it */

typedef struct sn_builder {
    yaml_parser_t parser;
    const char *src;
    const char *text;       /* the input, where a reader error's offset points */
    size_t len;
    int from_override;      /* positions are not shown for -s values */
    size_t nodes;
} sn_builder;

void sn_free(sn_node *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++) {
        if (n->keys)
            sn_free(n->keys[i]);
        sn_free(n->vals[i]);
    }
    free(n->keys);
    free(n->vals);
    free(n->text);
    free(n);
}

/* "FILE:LINE:COL" or, for a value given with -s, "-s 'path=value'". */
static void sn_where(const sn_node *n, char *buf, size_t len)
{
    if (n->line > 0)
        snprintf(buf, len, "%s:%d:%d", n->src, n->line, n->col);
    else
        snprintf(buf, len, "%s", n->src);
}

/* The text is formatted whole (on the heap when long), so that dl_fail
 * cuts a long message where it cuts any: in the middle, between characters,
 * its end kept; without memory, its start, cut between characters. */
static int sn_fail(const sn_node *n, dl_err *e, int code, const char *fmt, va_list ap)
{
    char where[DL_ERR_MSG_MAX / 2], first[256];
    va_list again;
    va_copy(again, ap);
    int len = vsnprintf(first, sizeof first, fmt, ap);
    char *what = len >= (int)sizeof first ? malloc((size_t)len + 1) : NULL;
    if (what)
        vsnprintf(what, (size_t)len + 1, fmt, again);
    va_end(again);
    if (len >= (int)sizeof first && !what) /* the start of a character ends it */
        first[dl_str_cut(first, sizeof first - 1)] = '\0';
    sn_where(n, where, sizeof where);
    int rc = dl_fail(e, code, "%s: %s", where, what ? what : first);
    free(what);
    return rc;
}

int sn_error(const sn_node *n, dl_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sn_fail(n, e, DL_EDATA, fmt, ap);
    va_end(ap);
    return rc;
}

int sn_over_limit(const sn_node *n, dl_err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = sn_fail(n, e, DL_ENOMEM, fmt, ap);
    va_end(ap);
    return rc;
}

/* Where an event is, for a message: its line and column in a file, none in
 * a -s value (whose label is the place). */
static sn_node event_where(const char *src, int from_override, const yaml_mark_t *mark)
{
    sn_node where = {.src = src};
    if (!from_override) {
        where.line = (int)mark->line + 1;
        where.col = (int)mark->column + 1;
    }
    return where;
}

static sn_node *sn_new(int kind, const char *src, const yaml_mark_t *mark, int positioned)
{
    sn_node *n = calloc(1, sizeof *n);
    if (!n)
        return NULL;
    n->kind = kind;
    n->src = src;
    if (positioned && mark) {
        n->line = (int)mark->line + 1;
        n->col = (int)mark->column + 1;
    }
    return n;
}

static int sn_push(sn_node *parent, sn_node *key, sn_node *val, dl_err *e)
{
    /* keys and values grow together: keys' capacity follows vals' */
    size_t vcap = parent->cap, kcap = parent->cap;
    if (dl_vec_reserve(&parent->vals, &vcap, parent->n + 1, sizeof *parent->vals, e) ||
        (parent->kind == SN_MAP &&
         dl_vec_reserve(&parent->keys, &kcap, vcap, sizeof *parent->keys, e)))
        return dl_err_wrap(e, "reading the spec");
    parent->cap = vcap;
    if (parent->kind == SN_MAP)
        parent->keys[parent->n] = key;
    parent->vals[parent->n++] = val;
    return 0;
}

/* The byte that starts the character at 1-based line and column (counted
 * as libyaml's marks count them: lines end at \n, \r\n or \r, columns are
 * characters), or -1 past the text.  It says what a scanner error points at. */
static int char_at(const sn_builder *b, int line, int col)
{
    size_t i = 0;
    for (int l = 1; l < line && i < b->len; i++)
        if (b->text[i] == '\n' ||
            (b->text[i] == '\r' && (i + 1 == b->len || b->text[i + 1] != '\n')))
            l++;
    for (int c = 1; c < col && i < b->len; c++)
        while (++i < b->len && ((unsigned char)b->text[i] & 0xC0) == 0x80)
            ;
    return i < b->len ? (unsigned char)b->text[i] : -1;
}

static int sn_parser_error(sn_builder *b, dl_err *e)
{
    const yaml_parser_t *p = &b->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory for the YAML parser", b->src);
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (b->from_override)
        return dl_fail(e, DL_EDATA, "%s: %s", b->src, problem);
    /* The reader (a control character, a byte that is not UTF-8) gives no
     * mark, only the byte offset: its line and column (in characters, as
     * the marks count) are counted here. */
    if (p->error == YAML_READER_ERROR) {
        int line = 1, col = 1;
        for (size_t i = 0; i < p->problem_offset && i < b->len; i++) {
            unsigned char c = (unsigned char)b->text[i];
            if (c == '\n' || (c == '\r' && (i + 1 == b->len || b->text[i + 1] != '\n'))) {
                line++;
                col = 1;
            } else if ((c & 0xC0) != 0x80 && c != '\r') {
                col++;
            }
        }
        if (p->problem_value >= 0)
            return dl_fail(e, DL_EDATA, "%s:%d:%d: %s (0x%02x)", b->src, line, col, problem,
                           (unsigned)p->problem_value);
        return dl_fail(e, DL_EDATA, "%s:%d:%d: %s", b->src, line, col, problem);
    }
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    return dl_fail(e, DL_EDATA, "%s:%d:%d: %s%s", b->src, line, col, problem,
                   char_at(b, line, col) == '\t' ? " (a tab: YAML indents with spaces)" : "");
}

static int sn_next(sn_builder *b, yaml_event_t *ev, dl_err *e)
{
    if (!yaml_parser_parse(&b->parser, ev))
        return sn_parser_error(b, e);
    return 0;
}

static int sn_build(sn_builder *b, yaml_event_t *ev, int depth, sn_node **out, dl_err *e);

/* Reads the items of a sequence or mapping whose start event was consumed. */
static int sn_build_children(sn_builder *b, sn_node *n, int depth, dl_err *e)
{
    yaml_event_type_t end = n->kind == SN_MAP ? YAML_MAPPING_END_EVENT : YAML_SEQUENCE_END_EVENT;
    for (;;) {
        yaml_event_t ev;
        if (sn_next(b, &ev, e))
            return e->code;
        if (ev.type == end) {
            yaml_event_delete(&ev);
            return 0;
        }
        sn_node *key = NULL, *val = NULL;
        int rc;
        if (n->kind == SN_MAP && n->n == SN_KEYS_MAX) {
            sn_node where = event_where(b->src, b->from_override, &ev.start_mark);
            rc = sn_over_limit(&where, e, "a mapping of more than %d keys", SN_KEYS_MAX);
        } else {
            rc = sn_build(b, &ev, depth + 1, n->kind == SN_MAP ? &key : &val, e);
        }
        yaml_event_delete(&ev);
        if (!rc && n->kind == SN_MAP) {
            if (key->kind != SN_SCALAR)
                rc = sn_error(key, e, "a key must be a plain word");
            else if (!(rc = sn_next(b, &ev, e))) {
                rc = sn_build(b, &ev, depth + 1, &val, e);
                yaml_event_delete(&ev);
            }
            for (size_t i = 0; !rc && i < n->n; i++)
                if (strcmp(n->keys[i]->text, key->text) == 0)
                    rc = sn_error(key, e, "duplicate key '%s'", key->text);
        }
        if (!rc)
            rc = sn_push(n, key, val, e);
        if (rc) {
            sn_free(key);
            sn_free(val);
            return rc;
        }
    }
}

/* The explicit tag of the node ev starts, or NULL. */
static const char *event_tag(const yaml_event_t *ev)
{
    const yaml_char_t *tag = ev->type == YAML_SCALAR_EVENT           ? ev->data.scalar.tag
                             : ev->type == YAML_MAPPING_START_EVENT  ? ev->data.mapping_start.tag
                             : ev->type == YAML_SEQUENCE_START_EVENT ? ev->data.sequence_start.tag
                                                                     : NULL;
    return (const char *)tag;
}

/* A spec's values are what they spell: of the YAML tags, only !!str on a
 * scalar (a string, as a quoted one) has a meaning here; any other would be
 * dropped unread, so it is refused. */
static int check_tag(const sn_builder *b, const yaml_event_t *ev, dl_err *e)
{
    const char *tag = event_tag(ev), *std = "tag:yaml.org,2002:";
    if (!tag || (ev->type == YAML_SCALAR_EVENT && strcmp(tag, YAML_STR_TAG) == 0))
        return 0;
    int short_form = strncmp(tag, std, strlen(std)) == 0;
    sn_node where = event_where(b->src, b->from_override, &ev->start_mark);
    return sn_error(&where, e, "the YAML tag %s%s is not supported here (a spec's values are "
                    "what they spell; only !!str, on a single value, makes it a string)",
                    short_form ? "!!" : "", short_form ? tag + strlen(std) : tag);
}

/* Builds the node that starts with event ev (not consumed here). */
static int sn_build(sn_builder *b, yaml_event_t *ev, int depth, sn_node **out, dl_err *e)
{
    int positioned = !b->from_override;
    if (depth > SN_DEPTH_MAX || ++b->nodes > SN_NODES_MAX) {
        sn_node where = event_where(b->src, b->from_override, &ev->start_mark);
        return depth > SN_DEPTH_MAX
                   ? sn_over_limit(&where, e, "the spec has a value in more than %d mappings "
                                   "and lists", SN_DEPTH_MAX)
                   : sn_over_limit(&where, e, "the spec holds more than %d keys and values",
                                   SN_NODES_MAX);
    }
    if (check_tag(b, ev, e))
        return e->code;
    sn_node *n;
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        /* the text is a C string: one with a NUL ("a\0b") would be cut there */
        if (memchr(ev->data.scalar.value, '\0', ev->data.scalar.length)) {
            sn_node where = event_where(b->src, b->from_override, &ev->start_mark);
            return sn_error(&where, e, "a value holds a NUL character (\\0), which no spec "
                            "value can hold");
        }
        n = sn_new(SN_SCALAR, b->src, &ev->start_mark, positioned);
        if (!n || !(n->text = strdup((const char *)ev->data.scalar.value))) {
            free(n);
            return dl_fail(e, DL_ENOMEM, "out of memory reading the spec");
        }
        n->str_tag = ev->data.scalar.tag &&
                     strcmp((const char *)ev->data.scalar.tag, YAML_STR_TAG) == 0;
        n->block = ev->data.scalar.style == YAML_LITERAL_SCALAR_STYLE ||
                   ev->data.scalar.style == YAML_FOLDED_SCALAR_STYLE;
        n->quoted = n->str_tag || n->block ||
                    ev->data.scalar.style == YAML_SINGLE_QUOTED_SCALAR_STYLE ||
                    ev->data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
        *out = n;
        return 0;
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT:
        n = sn_new(ev->type == YAML_MAPPING_START_EVENT ? SN_MAP : SN_SEQ, b->src,
                   &ev->start_mark, positioned);
        if (!n)
            return dl_fail(e, DL_ENOMEM, "out of memory reading the spec");
        if (sn_build_children(b, n, depth, e)) {
            sn_free(n);
            return e->code;
        }
        *out = n;
        return 0;
    default: {
        sn_node where = event_where(b->src, b->from_override, &ev->start_mark);
        return sn_error(&where, e, "YAML anchors and aliases are not supported in a spec");
    }
    }
}

/* Parses one YAML document from text into a tree (NULL for an empty one). */
int sn_parse(const char *text, size_t len, const char *src, int from_override,
                    sn_node **root, dl_err *e)
{
    sn_builder b = {.src = src, .text = text, .len = len, .from_override = from_override};
    *root = NULL;
    if (!yaml_parser_initialize(&b.parser))
        return dl_fail(e, DL_ENOMEM, "out of memory starting the YAML parser");
    yaml_parser_set_input_string(&b.parser, (const unsigned char *)text, len);
    int rc = 0, docs = 0;
    for (;;) {
        yaml_event_t ev;
        if ((rc = sn_next(&b, &ev, e)))
            break;
        yaml_event_type_t type = ev.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&ev);
            break;
        }
        if (type == YAML_DOCUMENT_START_EVENT && ++docs > 1) {
            sn_node where = event_where(src, from_override, &ev.start_mark);
            rc = sn_error(&where, e, "a spec is one YAML document, not several");
        } else if (type == YAML_SCALAR_EVENT || type == YAML_MAPPING_START_EVENT ||
                   type == YAML_SEQUENCE_START_EVENT || type == YAML_ALIAS_EVENT) {
            rc = sn_build(&b, &ev, 0, root, e);
            /* an empty document ("---" alone) has an empty plain scalar for its
             * node, where an empty file has none: both are no spec */
            if (!rc && (*root)->kind == SN_SCALAR && !(*root)->quoted && !*(*root)->text) {
                sn_free(*root);
                *root = NULL;
            }
        }
        yaml_event_delete(&ev);
        if (rc)
            break;
    }
    yaml_parser_delete(&b.parser);
    if (rc) {
        sn_free(*root);
        *root = NULL;
    }
    return rc;
}

/* ------------------------------ overrides ------------------------------- */

sn_node *sn_map_get(const sn_node *map, const char *key)
{
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i]->text, key) == 0)
            return map->vals[i];
    return NULL;
}

static sn_node *sn_scalar_new(const char *text, const char *src)
{
    sn_node *n = sn_new(SN_SCALAR, src, NULL, 0);
    if (n && !(n->text = strdup(text))) {
        free(n);
        n = NULL;
    }
    return n;
}

/* A scalar where a mapping is wanted is short for {name: scalar}
 * ("loss: huber" then "-s loss.delta=2").  The scalar keeps its place; the
 * mapping is the override's (src), so that what is wrong with it names the
 * override. */
static int sn_scalar_to_map(sn_node *n, const char *src, dl_err *e)
{
    sn_node *key = sn_scalar_new("name", src);
    sn_node *val = sn_scalar_new(n->text, n->src);
    if (!key || !val) {
        sn_free(key);
        sn_free(val);
        return dl_fail(e, DL_ENOMEM, "out of memory");
    }
    val->line = n->line;
    val->col = n->col;
    free(n->text);
    n->text = NULL;
    n->kind = SN_MAP;
    n->src = src;
    n->line = n->col = 0;
    if (sn_push(n, key, val, e)) {
        sn_free(key);
        sn_free(val);
        return e->code;
    }
    return 0;
}

/* Returns (creating it when `create`) the slot holding the child `seg` of
 * node `cur`, a map or a sequence. */
static int sn_child_slot(sn_node *cur, const char *seg, const char *src, sn_node ***slot,
                         dl_err *e)
{
    if (cur->kind == SN_SEQ) {
        char *end;
        unsigned long i = strtoul(seg, &end, 10);
        if (*seg < '1' || *seg > '9' || *end || i > cur->n)
            return dl_fail(e, DL_EUSAGE, "%s: '%s' is not an item number from 1 to %zu", src,
                           seg, cur->n);
        *slot = &cur->vals[i - 1];
        return 0;
    }
    for (size_t i = 0; i < cur->n; i++)
        if (strcmp(cur->keys[i]->text, seg) == 0) {
            *slot = &cur->vals[i];
            return 0;
        }
    if (cur->n == SN_KEYS_MAX) {
        sn_node where = {.src = src};
        return sn_over_limit(&where, e, "a mapping of more than %d keys", SN_KEYS_MAX);
    }
    sn_node *key = sn_scalar_new(seg, src), *val = sn_new(SN_MAP, src, NULL, 0);
    if (!key || !val || sn_push(cur, key, val, e)) {
        sn_free(key);
        sn_free(val);
        return dl_fail(e, DL_ENOMEM, "out of memory");
    }
    *slot = &cur->vals[cur->n - 1];
    return 0;
}

/* Applies "a.b.c=value" to the tree: value is YAML (a number, a word, or a
 * flow collection such as [0.9, 0.99]).  Missing maps on the way are made;
 * list items are numbered from 1.  src labels the new nodes in errors. */
int sn_override(sn_node **root, const char *assign, const char *src, dl_err *e)
{
    const char *eq = strchr(assign, '=');
    if (!eq || eq == assign || eq[1] == '\0')
        return dl_fail(e, DL_EUSAGE, "%s: expected key.path=value", src);
    sn_node *val = NULL;
    if (sn_parse(eq + 1, strlen(eq + 1), src, 1, &val, e))
        return e->code;
    if (!val)
        return dl_fail(e, DL_EUSAGE, "%s: the value is empty", src);
    if (!*root && !(*root = sn_new(SN_MAP, src, NULL, 0))) {
        sn_free(val);
        return dl_fail(e, DL_ENOMEM, "out of memory");
    }
    char path[512];
    size_t plen = (size_t)(eq - assign);
    if (plen >= sizeof path) {
        sn_free(val);
        return dl_fail(e, DL_EUSAGE, "%s: the key path is too long", src);
    }
    memcpy(path, assign, plen);
    path[plen] = '\0';
    sn_node **slot = root;
    for (char *seg = path, *next; seg; seg = next) {
        next = strchr(seg, '.');
        if (next)
            *next++ = '\0';
        if (*seg == '\0') {
            sn_free(val);
            return dl_fail(e, DL_EUSAGE, "%s: empty part in the key path", src);
        }
        if ((*slot)->kind == SN_SCALAR && sn_scalar_to_map(*slot, src, e)) {
            sn_free(val);
            return e->code;
        }
        if (sn_child_slot(*slot, seg, src, &slot, e)) {
            sn_free(val);
            return e->code;
        }
    }
    sn_free(*slot);
    *slot = val;
    return 0;
}

