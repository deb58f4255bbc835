/* tsv.h - a TSV table read whole: a header row of names, then rows of as
 * many cells, looked up by column name (dl-train --log and --diagnostics,
 * for dl-plot). */
#ifndef DL_TSV_H
#define DL_TSV_H

#include <limits.h>
#include <stddef.h>

#include "err.h"

/* A TSV read whole: a header row of names, each once, then rows of as
 * many cells.  Blank lines and lines starting with '#' are skipped. */
typedef struct tsv_table {
    char *text;    /* the file, cut in place into cells */
    char **cells;  /* (rows + 1) x cols: the header row first */
    size_t rows, cols;
    char label[PATH_MAX]; /* a file name, whole */
} tsv_table;

/* path NULL or "-": standard input.  Errors name the file and line. */
int tsv_read(tsv_table *t, const char *path, dl_err *e);
void tsv_free(tsv_table *t);
/* Index of the first column whose name is one of names (NULL-terminated),
 * or -1. */
long tsv_find(const tsv_table *t, const char *const *names);
const char *tsv_cell(const tsv_table *t, size_t row, size_t col);
/* The cell as a number: "", "nan", "NaN" and "-nan" are NaN (a missing
 * value); any other text must be a finite number (an infinity is refused
 * as such, text that is no number as that). */
int tsv_number(const tsv_table *t, size_t row, size_t col, double *v, dl_err *e);
/* tsv_number, but an infinity ("inf", "-inf": a statistic that overflowed)
 * is returned as it is, for the caller to draw as a gap. */
int tsv_statistic(const tsv_table *t, size_t row, size_t col, double *v, dl_err *e);

#endif
