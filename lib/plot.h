/* plot.h - figures of the toolkit's outputs, drawn by gnuplot.
 *
 * Each figure is a gnuplot script with its data inline (datablocks), built
 * built in memory (lib/buf's dl_str) by a pl_*_script function and rendered by pl_render, which runs
 * gnuplot (found on PATH) with the script on its standard input and the
 * image, PNG (pngcairo) or SVG by the output's extension, on its standard
 * output; pl_render copies it into the output by lib/outfile's rule (a
 * temporary beside it, renamed into place only when gnuplot succeeded and
 * every byte was written; a device or FIFO written in place).  gnuplot is
 * never given a file name.  Tables (dl-train --log, --diagnostics) are TSV with a
 * header row (lib/tsv); columns are looked up by name.  Predictions are
 * dl-predict streams with 'yhat' and the truth 'y' (or 'y' from a second
 * stream), read as dl-eval reads them (lib/metrics_io).  Every datablock
 * starts with a comment naming its columns, so `dl-plot --script` shows the
 * numbers drawn. */
#ifndef DL_PLOT_H
#define DL_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "buf.h"
#include "err.h"
#include "tsv.h"

/* confusion: what each cell's fraction is of (sklearn's normalize=) */
enum pl_normalize { PL_NORM_TRUE = 0, PL_NORM_PRED, PL_NORM_ALL, PL_NORM_NONE };
/* "true", "pred", "all", "none"; -1 when unknown. */
int pl_normalize_parse(const char *s);

/* --grid's bounds: fit's points on x; regions' points per axis, whose
 * grid is the square of it (4096^2 = 16.8 million predictions). */
#define PL_GRID_MIN 2
#define PL_FIT_GRID_MAX 100000
#define PL_REGIONS_GRID_MAX 4096

typedef struct pl_opts {
    const char *title;  /* NULL: a default for the figure */
    const char *xlabel, *ylabel; /* NULL: from column names, else a default */
    int width, height;  /* pixels (SVG: points); 0: 800 x 560 */
    int log_scale;      /* curves, layers: logarithmic y axis */
    int basis;          /* fit: also the weighted basis functions w_j phi_j(x) */
    size_t grid;        /* fit: points on x (default 400); regions: per axis (200);
                           within PL_GRID_MIN..PL_FIT_GRID_MAX or PL_REGIONS_GRID_MAX */
    double threshold;   /* regions with one output: class 1 when yhat >= threshold;
                           confusion of one score column: its decision */
    int threshold_given; /* --threshold was given: refused where it changes nothing */
    const char *inputs; /* fit: one input, regions: two ("a,b"), by name or
                           0-based index; NULL: the model takes exactly that many */
    const char *truth;  /* roc, pr, confusion, parity, residuals: 'y' from this
                           stream instead of each prediction stream */
    int normalize;      /* confusion: enum pl_normalize */
    FILE *log;          /* pl_draw: where the note of fit's and regions' rows
                           left out, or of curves' and layers' infinite cells
                           drawn as gaps, goes, "tool: FILE: ..."; NULL: nowhere */
    const char *tool;
} pl_opts;

void pl_opts_defaults(pl_opts *o);

/* ------------------------------ figures ------------------------------- */
/* Each writes a whole script (without terminal and output) to s. */

/* Learning curves from nlogs (1 or more) dl-train --log tables: training
 * and validation loss over epochs, each log's best epoch (the one it flagged,
 * else the lowest validation loss, else training) marked.  One log draws
 * training and validation in two colours from datablock $curve; several draw
 * a colour a log (validation dashed) from $curve0, $curve1..., the legend
 * naming each by its file (the table's label).  A log without a loss column
 * is refused by its label before anything is written.  An infinite loss (one
 * that overflowed) is drawn as a gap, and `note` (NULL: none) is given one
 * line, "LOG: 2 infinite cells (a statistic that overflowed) drawn as gaps,
 * the first at data row 3, column 'train_loss'"; an infinite epoch is an
 * error. */
int pl_curves_script(const tsv_table *logs, size_t nlogs, const pl_opts *o, dl_str *s,
                     dl_str *note, dl_err *e);

/* Per-layer statistics from dl-train --diagnostics, one panel per quantity,
 * one line per layer, over epochs; infinite statistics are gaps, said in
 * `note` as for pl_curves_script. */
int pl_layers_script(const tsv_table *diag, const pl_opts *o, dl_str *s, dl_str *note,
                     dl_err *e);

/* A 1-D fit: the data stream's x, y as points and the checkpoint's
 * prediction over a fine grid (with +-2 standard deviations when the model
 * has a posterior), optionally its weighted basis functions. */
int pl_fit_script(const char *model_path, const char *data_path, const pl_opts *o,
                  dl_str *s, dl_str *note, dl_err *e);

/* 2-D decision regions of a classifier over the data's bounding box, the
 * data's points on top, coloured by class. */
int pl_regions_script(const char *model_path, const char *data_path, const pl_opts *o,
                      dl_str *s, dl_str *note, dl_err *e);
/* fit and regions of a wider model: o->inputs names the numeric inputs
 * drawn; the others are held at their means over the data's present cells,
 * categorical ones (x.categories) at their most frequent level among them,
 * ties to the lowest code (a column held without a present cell is an
 * error); the grid's datablock lists where ("# held COL VALUE NAME").
 * The data's x.names and x.categories are bound to the model's design as
 * dl-predict binds them.
 * Missing cells (NaN, dl-stream(5)) of fit and regions: a row missing a
 * cell of an input drawn or of the y drawn (fit: y's first column;
 * regions: any of its columns) cannot be placed on the figure and is left
 * out of it, its points and its ranges; `note` (NULL: none) is given one
 * line, "DATA: 3 of 18 rows left out: a missing cell in 'x' column 1
 * ('size') (2 rows) or 'y' column 1 ('price') (2 rows)", when any was.  No
 * row left is an error (DL_EDATA), as an empty 'x' is; an infinity in x or
 * y is an error wherever it is. */

/* Curves of classifiers, one per prediction stream and score column (a
 * column of several is one class against the rest): ROC (the area in the
 * legend) or precision-recall (the average precision in the legend). */
int pl_roc_script(const char *const *paths, size_t npaths, const pl_opts *o, dl_str *s,
                  dl_err *e);
int pl_pr_script(const char *const *paths, size_t npaths, const pl_opts *o, dl_str *s,
                 dl_err *e);
/* The confusion matrix of one prediction stream: counts, and fractions as
 * o->normalize says (cell colours). */
int pl_confusion_script(const char *path, const pl_opts *o, dl_str *s, dl_err *e);
/* Regression: predicted against actual with the identity line and R^2 in
 * the title (parity), or the residuals y - yhat against yhat. */
int pl_parity_script(const char *path, const pl_opts *o, dl_str *s, dl_err *e);
int pl_residuals_script(const char *path, const pl_opts *o, dl_str *s, dl_err *e);

/* ------------------------------ rendering ----------------------------- */
/* "pngcairo" or "svg" by the output's extension (.png, .svg in any case);
 * DL_EUSAGE otherwise, and an empty name dl_outfile_named's DL_EIO. */
int pl_terminal_for(const char *output, const char **terminal, dl_err *e);
/* The terminal and output lines that precede a script: the terminal by
 * output's extension, and "set output" to image_path, or to gnuplot's
 * standard output when image_path is NULL. */
int pl_write_preamble(dl_str *s, const char *output, const char *image_path,
                      const pl_opts *o, dl_err *e);
/* Runs gnuplot on the script and writes output atomically.  Without gnuplot
 * on PATH: DL_EIO with a message that says what to install; a failed write
 * of the image: DL_EIO, the previous output kept. */
int pl_render(const char *script, size_t len, const char *output, const pl_opts *o,
              dl_err *e);

/* ------------------------------ a figure ------------------------------ */
/* Inputs one figure takes at most: logs (curves), prediction streams (roc,
 * pr). */
#define PL_MAX_INPUTS 8

/* The inputs a command ("curves": 1 to PL_MAX_INPUTS logs, TSV; "layers":
 * a TSV; "fit", "regions": MODEL and optionally DATA; "roc", "pr": up to
 * PL_MAX_INPUTS prediction streams; "confusion", "parity", "residuals":
 * one) takes, at least and at most; -1 for an unknown command. */
int pl_command_inputs(const char *command, int *min, int *max);
/* Builds the command's script from its ninputs inputs (none: standard
 * input; for fit and regions a missing DATA is standard input) and renders
 * it to output; with script_only, prints the preamble and script on
 * standard output instead of running gnuplot.  Then, the figure made, the
 * note of the rows fit or regions left out, or of the infinite cells curves
 * or layers drew as gaps, on o->log. */
int pl_draw(const char *command, const char *const *inputs, size_t ninputs,
            const char *output, int script_only, const pl_opts *o, dl_err *e);

#endif
