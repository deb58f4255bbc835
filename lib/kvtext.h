/* kvtext.h - the "key: value" lines of the text records (`model`,
 * `design`): look one key up, or split a record into a known set of keys.
 * Lines end in '\n' (a '\r' before it is trimmed by kv_value); the value is
 * everything after the first ':'. */
#ifndef DL_KVTEXT_H
#define DL_KVTEXT_H

#include <stddef.h>

#include "err.h"

/* The value of `key` in the len bytes of text, blanks around it trimmed,
 * into buf (cut to size - 1 bytes); 1 when found, 0 when absent. */
int kv_value(const char *text, size_t len, const char *key, char *buf, size_t size);

/* Splits the NUL-terminated text in place: values[i] points after the ':'
 * of key keys[i] (NULL when absent).  A line without ':', a key not in keys
 * or a key given twice is DL_EDATA, "what: ...". */
int kv_split(char *text, const char *const *keys, int nkeys, const char **values,
             const char *what, dl_err *e);

#endif
