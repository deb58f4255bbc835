/* names.h - record names: what a name may hold, and an index from names to
 * positions so that a stream of many distinct names is read in linear time. */
#ifndef DL_NAMES_H
#define DL_NAMES_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"

/* A record name is 0 to DL_NAME_MAX bytes (tensor.h) of UTF-8 without NUL
 * bytes or control characters (U+0000-U+001F, U+007F-U+009F): names end up
 * in CSV headers, messages and plot labels, one line each.  Returns NULL
 * when `name` (len bytes) is valid, else what is wrong with it. */
const char *dl_name_fault(const char *name, size_t len);
/* The bytes of the UTF-8 character whose first byte is `lead` (1 to 4),
 * or 0 when no character starts with it. */
size_t dl_name_utf8_len(unsigned char lead);
/* The characters of a name's first len bytes (UTF-8, as dl_name_fault
 * accepts): what a column of text counts to line names up, not their bytes. */
size_t dl_name_chars(const char *name, size_t len);
/* The printf field width, in bytes, that pads a name's first len bytes to
 * `width` characters ("%-*.*s" or "%*.*s", or "%-*s" of the whole name):
 * width plus the bytes its characters have beyond their first, so that a
 * table's column of names holding characters of several bytes (é) lines up
 * with ASCII ones. */
int dl_name_field(const char *name, size_t len, int width);

/* Positions 0..n-1 of a caller's array, found by name: open addressing on
 * a 64-bit hash, at most half full.  The caller keeps the names; the index
 * asks for the name at a position through `name_at`. */
typedef const char *dl_name_at(const void *items, size_t pos);

typedef struct dl_name_index {
    struct dl_name_slot *slots;
    size_t nslots, used;
    uint64_t compares; /* names compared so far, so tests can bound the work */
} dl_name_index;

void dl_names_init(dl_name_index *ix);
void dl_names_free(dl_name_index *ix);
/* Forgets every entry (keeps the memory). */
void dl_names_clear(dl_name_index *ix);
/* The position of `name`, or SIZE_MAX when it is not indexed. */
size_t dl_names_find(dl_name_index *ix, const char *name, const void *items,
                     dl_name_at *name_at);
/* Indexes a name that is not indexed yet at position `pos`. */
int dl_names_add(dl_name_index *ix, const char *name, size_t pos, dl_err *e);

/* The names a message offers when a name asked for is not among them:
 * "'a', 'b', ..." appended to b, the first DL_NAMES_SHOWN of n, each cut
 * after about 48 bytes where a character starts. */
#define DL_NAMES_SHOWN 20
void dl_names_show(dl_str *b, const char *const *names, size_t n);

#endif
