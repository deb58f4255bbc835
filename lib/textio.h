/* textio.h - converting text and array files to and from the tensor stream.
 *
 * Import reads CSV/TSV, NumPy .npy and svmlight files and writes the rows as
 * `x` (first columns) and `y` (last --targets columns, or the columns named
 * by --target) records, or as one record of a given name, in chunks of
 * bounded size so that input of any length needs bounded memory; a table's
 * column names, string levels and weights go to the records of colmeta.h.
 * Export writes a stream's x and y (or one named record) back as CSV/TSV
 * with round-trip precision and level names, as svmlight, or as .npy.
 *
 * The pieces the format readers share are here too: a buffered input
 * (tx_in) and the chunking row sink (tx_sink).  Format specifics live in
 * csv.c, npy.c and svmlight.c; the CSV quoting of a cell and of an
 * option's list in textlist.c. */
#ifndef DL_TEXTIO_H
#define DL_TEXTIO_H

#include <limits.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "stream.h"

enum tx_format { TX_AUTO = 0, TX_CSV, TX_TSV, TX_NPY, TX_SVMLIGHT, TX_TEXT };

/* "csv", "tsv", "npy", "svmlight" (also "libsvm"), "text" (import: the
 * whole input as one u8 record, named by --name); -1 when unknown. */
int tx_format_parse(const char *s);

typedef struct tx_import_opts {
    int format;          /* enum tx_format; TX_AUTO guesses from name/content */
    int dtype;           /* DL_F32 or DL_F64; 0 = f64 for text, as stored for .npy */
    char delimiter;      /* 0 = detect (tab, semicolon, comma, else blanks) */
    int header;          /* -1 detect, 0 no header row, 1 header row */
    uint64_t targets;    /* the last `targets` columns become `y` */
    const char *name;    /* non-NULL: every column into one record so named */
    int allow_nonfinite; /* accept nan/inf cells instead of refusing them */
    uint64_t chunk_rows; /* rows per record; 0 = default (64k, at most 16 MiB) */
    int targets_given;   /* --targets was on the command line (svmlight checks it) */
    uint64_t features;   /* svmlight: x has this many columns; 0 = the largest index */
    int rank;            /* 1: a rank-1 record from one column or one row; else 2 */
    int zero_based;      /* svmlight: -1 detect (scikit-learn's 'auto'), 0 one-, 1 zero-based */
    /* CSV/TSV tables (NULL when not given): */
    const char *names;   /* "a,b,c": the column names (replacing a header's) */
    const char *target;  /* "NAME[,NAME...]": these columns become y, in this order */
    const char *weight;  /* NAME: this column becomes the per-row weights `w` */
    const char *missing; /* "NA,": cells holding one of these tokens are missing (NaN) */
    const char *categorical; /* "NAME[,NAME...]": these columns hold strings, numbers or not */
    /* Called after every chunk written with the rows so far (may be NULL):
     * the caller decides whether and how to show progress. */
    void (*progress)(void *ctx, uint64_t rows);
    void *progress_ctx;
} tx_import_opts;

void tx_import_defaults(tx_import_opts *o);

/* An option's list, "a,b,c" (the names of --target, --names, --categorical,
 * export --name, the tokens of --missing): items separated by commas, each
 * taken byte for byte, or quoted as a CSV cell is: an item that begins with
 * a double quote ends at its closing quote, holds commas, and "" in it is
 * one quote ("a,b" is the item a,b).  An unclosed quote, or text between a
 * closing quote and the next comma, is DL_EUSAGE naming `option` and the
 * item. */
typedef struct tx_list {
    size_t count;
    char **item;   /* count NUL-terminated items, into text */
    char *text;    /* owned */
} tx_list;

int tx_list_parse(tx_list *l, const char *option, const char *list, dl_err *e);
void tx_list_free(tx_list *l);
/* The quoting both follow (textlist.c): the closing quote of the quoted
 * text whose opening quote is at q ("" is a quote inside it), or end when
 * the text ends first; and the text [p, end) into dst, NUL-terminated,
 * with each "" made one " when quoted (dst holds end - p + 1 bytes), its
 * length returned. */
const char *tx_closing_quote(const char *q, const char *end);
size_t tx_unquote(char *dst, const char *p, const char *end, int quoted);
/* Reads path (NULL or "-" for standard input) and writes records to w. */
int tx_import(const char *path, const tx_import_opts *o, st_writer *w, dl_err *e);

/* The most records export writes side by side. */
#define TX_EXPORT_NAMES_MAX 64

typedef struct tx_export_opts {
    int format;               /* TX_CSV (default), TX_TSV, TX_NPY or TX_SVMLIGHT */
    char delimiter;           /* 0 = ',' for CSV, '\t' for TSV */
    int header;               /* write a header row: T.names, else x0,x1,...,y0 or NAME0,... */
    const char *const *names; /* export these records, side by side (rows must agree); a
                                 u8 rank-1 record alone is written as its text */
    size_t nnames;            /* 0: x and y */
    const char *missing;      /* a missing cell of a categorical column (default "") */
    int one_based;            /* svmlight: indices from 1 (default 0, as scikit-learn writes) */
} tx_export_opts;

void tx_export_defaults(tx_export_opts *o);
/* Reads the stream at in_path and writes text (or .npy) to out_path
 * (NULL or "-": standard output), atomically when out_path names a file. */
int tx_export(const char *in_path, const char *out_path, const tx_export_opts *o,
              dl_err *e);

/* ------------------------- shared by the readers ------------------------ */
/* Buffered input over a file descriptor; [buf+pos, buf+len) is unread. */
typedef struct tx_in {
    int fd, owns_fd, eof;
    int cr_lines; /* lines end in a lone '\r' (classic Mac OS): read as '\n' */
    char label[PATH_MAX]; /* a file name, whole */
    char *buf;
    size_t cap, pos, len;
    int regular;          /* a regular file, of size_at_open bytes when opened */
    uint64_t size_at_open;
} tx_in;

int tx_in_open(tx_in *in, const char *path, dl_err *e);
void tx_in_close(tx_in *in);
/* Moves the unread bytes to the front and reads more; grows the buffer when
 * it is full (up to a limit).  Returns 0 (check in->eof) or an error: a
 * regular file that ends before the size it had when opened shrank while
 * it was read (DL_EIO), and its last line may be cut, so it is refused. */
int tx_in_fill(tx_in *in, dl_err *e);
/* Makes *spare (of capacity *spare_cap; NULL and 0 at first) the buffer,
 * holding the unread bytes, and hands the old buffer back in *spare: the
 * bytes read before stay where they are until the next swap.  For a reader
 * that parses what it has read on other threads while it reads on. */
int tx_in_swap(tx_in *in, char **spare, size_t *spare_cap, dl_err *e);
/* Text whose buffered start holds a '\r' and no '\n' has lines ending in a
 * lone '\r': from then on every '\r' read is made a '\n' (a "\r\n" would
 * make an empty line, which text readers skip).  The buffered start is read
 * on to the first line end, however long the first line.  Call before the
 * first line. */
int tx_in_detect_cr_lines(tx_in *in, dl_err *e);
/* The next line without its "\n" or "\r\n"; *line NULL at the end.
 * [*line, *line_end) stays valid until the next call. */
int tx_in_line(tx_in *in, const char **line, const char **line_end, dl_err *e);
/* Reads exactly n bytes (buffered first, then large reads straight into
 * dst); *got < n only at end of file. */
int tx_in_read(tx_in *in, void *dst, size_t n, size_t *got, dl_err *e);

/* For a regular file: the offset of the next unread byte in *at and the
 * file's size in *size, and 1; 0 for any other input (a pipe, a terminal). */
int tx_in_file_span(const tx_in *in, uint64_t *at, uint64_t *size);
/* Goes on reading a regular file from offset `at`, dropping what is buffered. */
int tx_in_seek(tx_in *in, uint64_t at, dl_err *e);

/* Collects rows of `cols` elements and writes them as chunk records: the
 * first cols - targets columns to `x`, the rest to `y` (or all to `name`). */
typedef struct tx_route {
    const uint64_t *src; /* input column of x's columns, then y's, then w */
    uint64_t xcols, ycols;
    int weight;          /* 1: one more column, the weights `w` */
} tx_route;

typedef struct tx_sink {
    st_writer *w;
    int dtype;
    size_t esize;
    uint64_t cols;       /* elements of a row pushed, before routing */
    uint64_t xcols, ycols, chunk_rows, rows, total_rows;
    char xname[DL_NAME_MAX + 1];
    unsigned char *row, *xbuf, *ybuf, *wbuf;
    const uint64_t *src; /* NULL: x is the first columns of a row, y the rest */
    int weight;
    int allow_nonfinite; /* else a chunk holding NaN or Inf is refused */
    int reader_refused;  /* the reader refused NaN and Inf already: no check here */
    int rank1;           /* rank-1 records: one column, or one row in all */
    const char *label;   /* the input, for messages; outlives the sink */
    void (*progress)(void *ctx, uint64_t rows);
    void *progress_ctx;
} tx_sink;

int tx_sink_open(tx_sink *s, st_writer *w, const tx_import_opts *o, int dtype,
                 uint64_t cols, const char *label, dl_err *e);
/* The same with the columns of a row routed to x, y and w (route->src
 * outlives the sink); o's targets are not used. */
int tx_sink_open_routed(tx_sink *s, st_writer *w, const tx_import_opts *o, int dtype,
                        uint64_t cols, const tx_route *route, const char *label, dl_err *e);
/* The next row's elements go here (cols elements of the sink's dtype). */
static inline void *tx_sink_row(tx_sink *s) { return s->row; }
/* Takes the row filled in tx_sink_row; writes a chunk when one is full. */
int tx_sink_commit(tx_sink *s, dl_err *e);
/* The same for a row that is elsewhere (cols elements of the sink's dtype). */
int tx_sink_push(tx_sink *s, const void *row, dl_err *e);
/* n such rows, one after another: copied as blocks when they are the
 * sink's layout already (as for tx_sink_space), else row by row. */
int tx_sink_push_rows(tx_sink *s, const void *rows, uint64_t n, dl_err *e);
/* Rows written in place, for a reader whose rows already are the sink's
 * layout: *room rows (0 when the sink splits off targets) fit at the returned
 * address; after writing n <= *room rows there, tx_sink_added takes them. */
void *tx_sink_space(tx_sink *s, uint64_t *room);
int tx_sink_added(tx_sink *s, uint64_t n, dl_err *e);
/* `rows` rows in the sink's layout (as for tx_sink_space) in the regular
 * file fd from offset `off`: each chunk is read in small pieces, checked
 * and summed, then its payload goes from the file to the output without a
 * copy here (st_write_spliced), which is why the caller takes this path
 * only when st_writer_splices says so.  Rows pending are written first. */
int tx_sink_splice(tx_sink *s, int fd, uint64_t off, uint64_t rows, dl_err *e);
/* Writes the last partial chunk; an error when no row came at all
 * (tx_fail_no_rows). */
int tx_sink_finish(tx_sink *s, const char *label, dl_err *e);
/* DL_EDATA "LABEL: no data rows": an input with no rows, whatever its format. */
int tx_fail_no_rows(const char *label, dl_err *e);
void tx_sink_free(tx_sink *s);

/* The format readers. */
int tx_import_csv(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e);
int tx_import_npy(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e);
int tx_import_svmlight(tx_in *in, const tx_import_opts *o, st_writer *w, dl_err *e);

#endif
