/* metrics_io.h - dl-eval's input and output around lib/metrics.h (the
 * input is dl-plot's too).
 *
 * In: 'yhat' and 'y' from one stream (or 'y' from a second, the truth),
 * with the rows' weights 'w' when the stream of 'y' has them (sklearn's
 * sample_weight), chunks reassembled, every other record skipped; both become N x K f64
 * matrices, and log-loss clipping follows yhat's stored dtype as sklearn's
 * np.finfo(y_pred.dtype).eps does unless an eps is given.
 * Out: the report as a table for people, or one TSV line (with a header to
 * start a table) or one JSON object per run for scripts, with the user's
 * KEY=VALUE tags first so sweeps line up.  Numbers in TSV and JSON are the
 * shortest text that reads back to the same double; NaN is "nan" in TSV,
 * an infinity "inf" or "-inf", and both are null in JSON. */
#ifndef DL_METRICS_IO_H
#define DL_METRICS_IO_H

#include <stddef.h>
#include <stdio.h>

#include "colmeta.h"
#include "metrics.h"
#include "tensor.h"

enum mio_format { MIO_TABLE = 0, MIO_TSV, MIO_JSON };

/* "table", "tsv", "json"; -1 when unknown. */
int mio_format_parse(const char *s);
/* NULL for KEY=VALUE with a non-empty KEY, in UTF-8 without control
 * characters (tab, newline...), double quotes or backslashes (they would
 * break the TSV and JSON records); else what is wrong with it. */
const char *mio_tag_fault(const char *tag);
/* What mio_tag_fault refuses, for messages. */
#define MIO_TAG_RULE "KEY=VALUE in UTF-8, without control characters, double quotes or backslashes"

typedef struct mio_opts {
    const char *input;        /* the stream with yhat; NULL: standard input */
    const char *truth;        /* the stream with y; NULL: y from input */
    mt_opts mt;
    int eps_given;            /* mt.eps was given: keep it whatever yhat's dtype */
    int threshold_given;      /* mt.threshold was given (a q above 0 was, too) */
    int format;               /* enum mio_format */
    int header;               /* tsv: the header line first */
    const char *const *tags;  /* "KEY=VALUE", none with a mio_tag_fault */
    size_t ntags;
} mio_opts;

/* The tags' keys against dl-eval's own columns: task, n, confusion_matrix,
 * note, cm[...] and (r not NULL) the report's metrics; against the columns
 * of --summary's records (mio_summary_column); and against each other:
 * DL_EUSAGE naming the key, since a record would hold it twice. */
int mio_tags_check(const mio_opts *o, const mt_report *r, dl_err *e);

/* The options of o that task (not MT_AUTO) would ignore: DL_EUSAGE naming
 * the option and the task (--q is regression's, --threshold binary's and
 * multilabel's, --eps goes with a log_loss); kyhat, yhat's columns, tells
 * whether a multiclass yhat has one (0: not known yet, no check of it);
 * inferred says so in the message, since -T was not given. */
int mio_task_check(const mio_opts *o, int task, size_t kyhat, int inferred, dl_err *e);

/* What the truth's stream says about y's columns (dl-stream(5)): y.names
 * names the outputs (the regression outputs, the multilabel labels, the
 * columns of one-hot classes), y.categories the class codes of a column of
 * labels.  Both empty when the stream has neither. */
typedef struct mio_labels {
    cm_names outputs;
    cm_categories classes;
} mio_labels;

void mio_labels_init(mio_labels *l);
void mio_labels_free(mio_labels *l);

/* The matrices of an evaluation: 'yhat' from one stream, 'y' (and 'w')
 * from the same or from a second (the truth), as N x K f64 (rows checked to
 * agree), with the streams' records of their columns. */
typedef struct mio_pair {
    dl_tensor_set in, truth;
    dl_tensor *y, *yhat, *w;          /* in the sets above; w NULL when absent */
    const char *y_label, *yhat_label; /* file names for messages ("<stdin>") */
    int yhat_dtype;                   /* as stored, before conversion */
    int truth_given;                  /* y came from the truth's stream */
} mio_pair;

/* Reads yhat from input (NULL or "-": standard input, refused at a
 * terminal) and y (and w) from truth, or from input when truth is NULL.
 * Each file codes string classes by its own sorted names, so a y of them
 * (y.categories) is matched to yhat's classes by name:
 *   - when yhat.categories differs from y.categories, a column of class
 *     codes each is recoded to the sorted union of both lists of names,
 *     which then is both records (a class only yhat names is a class of
 *     its own); several columns of class scores are DL_EDATA there;
 *   - without yhat.categories, yhat's columns are scores named NAME=CLASS
 *     by yhat.names (NAME y's name, when y has y.names): y's codes become
 *     the columns' (put in the sorted order of their classes, which become
 *     y.categories), or 1 for the class of one column and 0 for the one
 *     other class; a class of y with no column, or scores without class
 *     names, are DL_EDATA.  One column of integers without a class name
 *     holds y's own codes.
 * Errors name the file.  Free with mio_pair_free, also after an error. */
int mio_read_pair(const char *input, const char *truth, mio_pair *p, dl_err *e);
void mio_pair_free(mio_pair *p);
/* p's matrices as lib/metrics borrows them. */
mt_data mio_pair_data(const mio_pair *p);
/* The names and categories of y's columns (of yhat's with of_yhat) into l
 * (initialized), checked against its width. */
int mio_pair_labels(mio_pair *p, int of_yhat, mio_labels *l, dl_err *e);
/* The file a message of lib/metrics about p is about: y's (which carries
 * w) for one that starts with 'y' or 'w', else yhat's. */
const char *mio_pair_blame(const mio_pair *p, const char *msg);

/* Reads the inputs (refusing a terminal as standard input) and evaluates
 * them into r, and y's names into l (NULL: not wanted).  Errors name the
 * file. */
int mio_evaluate(const mio_opts *o, mt_report *r, mio_labels *l, dl_err *e);
/* v as the shortest text that reads back to the same double, in `format`
 * (enum mio_format): NaN and infinities as nan, inf and -inf, except in
 * JSON, which has no such numbers: null. */
void mio_put_number(FILE *out, double v, int format);
/* Writes r to out in o->format; the table's per-output (per-class, per-
 * label) rows and its confusion matrix use the names of l (may be NULL).
 * TSV and JSON keep the indices, so that runs line up. */
void mio_write(FILE *out, const mio_opts *o, const mt_report *r, const mio_labels *l);

/* All of dl-eval: evaluates, says the report's note on log as
 * "tool: warning: ...", writes the record to standard output and checks
 * that it got there (DL_EIO). */
int mio_run(const mio_opts *o, FILE *log, const char *tool, dl_err *e);

/* dl-eval --summary: the TSV or JSON records of several runs (any mix of
 * files; a TSV header line is one with the cells "task" and "n") grouped by
 * the values of the tags `by` (one group when none), and for each group and
 * metric in order of first appearance: the runs, the mean, the standard
 * deviation with n - 1 (as pandas; NaN for one run), min and max.  A NaN in
 * any run makes them NaN (as numpy).  Confusion-matrix counts and n are
 * not summarized.  Every record of a group must have the same task, and
 * those with a q (lq's exponent) the same q. */
typedef struct mio_summary_opts {
    const char *const *files; /* NULL or "-": standard input */
    size_t nfiles;            /* 0: standard input */
    const char *const *by;    /* tag keys */
    size_t nby;
    int format;               /* enum mio_format */
    int header;               /* tsv: the header line first */
} mio_summary_opts;

void mio_summary_defaults(mio_summary_opts *o);
/* 1 when a key (len bytes) is a column of --summary's own records
 * (metric, runs, mean, sd, min, max), which no tag may be called. */
int mio_summary_column(const char *key, size_t len);
/* Reads every file, then writes the summary to out.  A --by key given
 * twice or named as a column of the summary is DL_EUSAGE, before reading. */
int mio_summarize(FILE *out, const mio_summary_opts *o, dl_err *e);

#endif
