/* filter.h - what the record loops of the filter tools share (dl-design,
 * dl-predict, dl-lstsq): they walk a stream header by header, turn some
 * records into others and pass the rest through, and their errors name the
 * record ("FILE: record N ('name'): what is wrong"). */
#ifndef DL_FILTER_H
#define DL_FILTER_H

#include "stream.h"

/* Prefixes e's message with "FILE: record N ('name')"; returns e->code. */
int flt_record_error(const st_reader *r, const st_header *h, dl_err *e);

/* The end of a record loop: the loop's rc (a read error included), else
 * DL_EDATA when no 'x' record came. */
int flt_loop_end(const st_reader *r, int rc, int seen_x, dl_err *e);

#endif
