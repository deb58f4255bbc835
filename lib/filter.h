/* filter.h - what the record loops of the filter tools share (dl-design,
 * dl-predict, dl-lstsq): they walk a stream header by header, turn some
 * records into others and pass the rest through, and their errors name the
 * record ("FILE: record N ('name'): what is wrong"). */
#ifndef DL_FILTER_H
#define DL_FILTER_H

#include "colmeta.h"
#include "stream.h"

/* Prefixes e's message with "FILE: record N ('name')"; returns e->code. */
int flt_record_error(const st_reader *r, const st_header *h, dl_err *e);

/* The end of a record loop: the loop's rc (a read error included), else
 * DL_EDATA when no 'x' record came. */
int flt_loop_end(const st_reader *r, int rc, int seen_x, dl_err *e);

/* A chunk of a tensor passed on, by its header h: its metadata checked
 * (cm_passthrough_chunk) before it is copied.  Errors name the record. */
int flt_pass_chunk(const st_reader *r, const st_header *h, cm_passthrough *p, dl_err *e);
/* Copies the record of header h to w as a tool passes on what it does not
 * read: a chunk once flt_pass_chunk passes it, a metadata record once it
 * passes cm_passthrough_meta (read and written again: the same payload).
 * So a stream whose metadata a reader of the output would refuse is
 * refused here, and its bad records never go out. */
int flt_pass_record(st_reader *r, const st_header *h, st_writer *w, cm_passthrough *p,
                    dl_err *e);

#endif
