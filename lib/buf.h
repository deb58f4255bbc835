/* buf.h - the one growable array and the one string builder of lib/,
 * large buffers that are about to be filled (dl_mem_big), and zeroed
 * buffers that are read before they are written (dl_mem_zeroed).
 *
 * A growable array is a typed pointer, a count and a capacity, all kept by
 * its owner; dl_vec_reserve is the only place that grows one.  A string
 * builder collects printf output; an allocation failure sticks and is
 * reported once, by dl_str_take, so that building code need not check
 * every call. */
#ifndef DL_BUF_H
#define DL_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* Makes room for `need` items of `size` bytes in the array whose pointer
 * is at `items` (a T **, T of that size) and whose capacity is *cap:
 * doubling from 16 items, checked against overflow.  0, or DL_ENOMEM with
 * the array untouched. */
int dl_vec_reserve(void *items, size_t *cap, size_t need, size_t size, dl_err *e);

/* A buffer of n bytes that is about to be filled, from malloc's heap:
 * when n is 2 MiB or more, it starts on a 2 MiB boundary, is rounded up
 * to whole 2 MiB and has transparent huge pages asked for, so its first
 * use faults once per 2 MiB instead of once per 4 KiB, which on virtual
 * machines costs more than the copy that fills the page.  (Advice only:
 * where the kernel says no, it is an aligned block like any other.)  Any
 * smaller one starts on a 64-byte boundary (a cache line, an AVX-512
 * vector).  NULL when out of memory.  Free with free().  Every large
 * buffer of a size known at once and then filled (a chunk, a read buffer,
 * a network's parameters) is one, but not a tensor's data, which may
 * grow: realloc cannot move a large block from here (the advice split its
 * mapping) and copies it, holding it twice.  That takes dl_mem_huge. */
void *dl_mem_big(size_t n);
/* Asks for transparent huge pages for the whole heap block p (from
 * malloc, calloc or realloc; NULL is ok) when it is 2 MiB or more: for a
 * block that may grow (a growable array, a tensor's data, read chunk by
 * chunk), or that is calloc's, whose fresh pages need no zeroing of ours
 * (a tensor of zeros, most of it then overwritten).  The advice covers the
 * block's whole mapping, never the middle of one: a mapping split in two
 * could no longer be grown in place by realloc (mremap), which would copy
 * it instead.  The huge pages are those of the 2 MiB ranges wholly inside
 * the mapping, which is not aligned. */
void dl_mem_huge(void *p);
/* The bytes the heap block p (from malloc or realloc; NULL is ok: 0) can
 * hold, which may be more than it was asked for: a buffer given back for
 * reuse is then known to hold what it held before, however little its
 * last user filled. */
size_t dl_mem_room(void *p);

/* n items of size bytes, zero, with every page already written, from
 * dl_mem_big (so on a 64-byte boundary at least); NULL when out of memory
 * or n * size overflows.  calloc leaves fresh pages unmapped,
 * so a buffer whose first use reads each element before writing it (an
 * optimizer's moments, an accumulator) faults twice per page: the read
 * maps the shared zero page, the write copies it and, while other threads
 * of the process run, interrupts their cores to flush the old mapping.
 * Free with free(). */
void *dl_mem_zeroed(size_t n, size_t size);
/* The same, for an array whose size comes from the input: *pp (a T **) set
 * to n zeroed items of size bytes, or DL_ENOMEM naming `what` and the count
 * (*pp NULL) when out of memory or when n * size is over DL_MEM_ARRAY_MAX
 * (64 TiB, more than any machine holds; also the largest tensor's bytes). */
#define DL_MEM_ARRAY_MAX ((size_t)1 << 46)
int dl_mem_array(void *pp, size_t n, size_t size, const char *what, dl_err *e);

/* The bytes this process may hold at most: the tighter of its limits on
 * the address space (ulimit -v) and on the data segment (ulimit -d), with
 * *limit set to that limit's command ("ulimit -v"); without either, the
 * machine's memory (0 when unknown), *limit NULL.  What an out-of-memory
 * message weighs a need against: only a need near it is too large. */
uint64_t dl_mem_most(const char **limit);

/* A string builder; {0} is an empty one. */
typedef struct dl_str {
    char *s;          /* NUL-terminated text so far (NULL while empty) */
    size_t len, cap;
    int failed;       /* an allocation failed: later appends do nothing */
} dl_str;

void dl_str_printf(dl_str *b, const char *fmt, ...) DL_PRINTF(2, 3);
/* The text so far ("" when nothing was added or an append failed). */
const char *dl_str_text(const dl_str *b);
/* Hands the text (NUL-terminated, *len bytes without the NUL; "" when
 * empty) to the caller, who frees it; the builder is empty again.
 * DL_ENOMEM when an append failed. */
int dl_str_take(dl_str *b, char **text, size_t *len, dl_err *e);
void dl_str_free(dl_str *b);
/* How many of text's first n bytes a shortened copy keeps: n, moved back
 * to where a UTF-8 character starts (text has more than n bytes), so that
 * it never ends in half a character. */
size_t dl_str_cut(const char *text, size_t n);

#endif
