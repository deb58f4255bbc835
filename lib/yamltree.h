/* yamltree.h - a YAML document read into a small tree whose nodes know
 * where they came from (file, line, column, or the -s text that made them),
 * and "a.b.c=value" overrides applied to that tree.  Nothing here knows
 * what the document means: lib/spec walks the tree. */
#ifndef DL_YAMLTREE_H
#define DL_YAMLTREE_H

#include <stddef.h>

#include "err.h"

enum { SN_SCALAR, SN_MAP, SN_SEQ };

/* One YAML node.  Maps keep their keys as scalar nodes so that an unknown key
 * can be reported at its own line and column. */
typedef struct sn_node {
    int kind;
    char *text;              /* SN_SCALAR: the value */
    int quoted;              /* SN_SCALAR: a string whatever it spells: written with
                                quotes, as a block (| or >), or tagged !!str (str_tag) */
    int str_tag;             /* SN_SCALAR: tagged !!str */
    int block;               /* SN_SCALAR: a block scalar (| or >) */
    struct sn_node **keys;   /* SN_MAP: keys[i] -> vals[i] */
    struct sn_node **vals;   /* SN_MAP values, SN_SEQ items */
    size_t n, cap;
    const char *src;         /* file label or the -s text that made the node */
    int line, col;           /* 1-based; 0 for a node made by an override */
} sn_node;

void sn_free(sn_node *n);
/* DL_EDATA with the node's place before the message: "FILE:LINE:COL: ...",
 * or "-s 'path=value': ..." for a node an override made. */
int sn_error(const sn_node *n, dl_err *e, const char *fmt, ...) DL_PRINTF(3, 4);
/* The same with DL_ENOMEM: the spec is over one of its documented size
 * limits (dl-spec(5)), as a file over its size is. */
int sn_over_limit(const sn_node *n, dl_err *e, const char *fmt, ...) DL_PRINTF(3, 4);
/* Parses one YAML document from text into a tree (NULL for an empty one);
 * src labels the nodes; from_override: the text is an -s value. */
int sn_parse(const char *text, size_t len, const char *src, int from_override, sn_node **root,
             dl_err *e);
/* The value of key in a map node, or NULL. */
sn_node *sn_map_get(const sn_node *map, const char *key);
/* Applies "a.b.c=value" to the tree: value is YAML (a number, a word, or a
 * flow collection such as [0.9, 0.99]).  Missing maps on the way are made,
 * and a scalar on the way becomes {name: scalar}; list items are numbered
 * from 1.  src labels the new nodes (such a mapping included) in errors. */
int sn_override(sn_node **root, const char *assign, const char *src, dl_err *e);

#endif
