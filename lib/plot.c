/* plot.c - gnuplot scripts for the toolkit's figures, and running gnuplot.
 *
 * Data goes inline as datablocks ($name << EOD ... EOD) so a script is one
 * self-contained text: `dl-plot --script` shows exactly what is rendered. */
#include "plot.h"

#include <errno.h>
#include <float.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <spawn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "basis.h"
#include "buf.h"
#include "colmeta.h"
#include "metrics.h"
#include "metrics_io.h"
#include "linmodel.h"
#include "model.h"
#include "numtext.h"
#include "prep.h"
#include "outfile.h"
#include "sig.h"
#include "stream.h"
#include "textio.h"
#include "tsv.h"
#include "tty.h"

extern char **environ;

/* Colours that stay apart for the colour-blind (Okabe-Ito), and lighter
 * versions of them for regions. */
static const char *const COLOR[] = {"#0072B2", "#E69F00", "#009E73", "#CC79A7",
                                    "#56B4E9", "#D55E00", "#F0E442", "#000000"};
static const char *const LIGHT[] = {"#B3D5EA", "#F8E2B3", "#B3E2D5", "#F0D7E7",
                                    "#CCE9F8", "#F2CFB3", "#FAF6C2", "#BBBBBB"};
#define NCOLORS 8

void pl_opts_defaults(pl_opts *o)
{
    memset(o, 0, sizeof *o);
    o->width = 800;
    o->height = 560;
    o->threshold = 0.5;
}

/* ========================== script fragments ========================== */

/* A gnuplot double-quoted string that holds `text` literally: every byte
 * but letters, digits, blanks and a few inert marks is written as an octal
 * escape, so no quote can end the string, no backquote or '@' reaches
 * gnuplot's command and macro substitution (done on the raw line, before
 * strings are parsed), and quotes at the start or in runs need no doubling
 * rule.  Control characters are dropped (a title is one line) unless
 * controls is set (a file name is every byte of it). */
static void put_quoted_bytes(dl_str *s, const char *text, int controls)
{
    dl_str_printf(s, "%c", '"');
    for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
        if ((*p < 0x20 || *p == 0x7f) && !controls)
            continue;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr(" .,:-+()%/=_", *p))
            dl_str_printf(s, "%c", *p);
        else
            dl_str_printf(s, "\\%03o", *p);
    }
    dl_str_printf(s, "%c", '"');
}

static void put_quoted(dl_str *s, const char *text) { put_quoted_bytes(s, text, 0); }

/* Quotes a side builder's text into s and empties it.  A side builder that
 * could not grow makes s fail too: the failure surfaces once, where s's
 * text is taken (dl_str_take), never as a silently shortened script. */
static void put_quoted_str(dl_str *s, dl_str *text)
{
    if (text->failed)
        s->failed = 1;
    else
        put_quoted(s, dl_str_text(text));
    dl_str_free(text);
}

/* A number of a datablock or a range with every digit: rounded to nine,
 * data far from 0 with a small spread (y near 1e8 within 0.001) all read
 * back the same, and a range of them is empty. */
static void put_value(dl_str *s, double v)
{
    char text[NT_BUF];
    if (isnan(v))
        dl_str_printf(s, "%s", "NaN");
    else {
        nt_format_f64(v, text);
        dl_str_printf(s, "%s", text);
    }
}

/* "set xrange [lo:hi]" (axis 'x') with every digit, and tic labels with
 * the digits that tell them apart: gnuplot's six make every tic of
 * 100000000.001 .. 100000000.003 read 1e+08. */
static void put_range(dl_str *s, char axis, double lo, double hi)
{
    dl_str_printf(s, "set %crange [", axis);
    put_value(s, lo);
    dl_str_printf(s, ":");
    put_value(s, hi);
    dl_str_printf(s, "]\n");
    double size = fmax(fabs(lo), fabs(hi)), span = 0.5 * hi - 0.5 * lo;
    int digits = span > 0 ? (int)ceil(log10(size / span)) + 2 : 0;
    if (digits > 6) /* long labels: the x axis's slanted, so they do not run together */
        dl_str_printf(s, "set format %c '%%.%dg'\n%s", axis, digits < 17 ? digits : 17,
                      axis == 'x' ? "set xtics rotate by 30 right\n" : "");
}

/* A line "X Y CLASS" of the regions' datablocks, with every digit. */
static void put_point(dl_str *s, double x, double y, int cls)
{
    put_value(s, x);
    dl_str_printf(s, " ");
    put_value(s, y);
    dl_str_printf(s, " %d\n", cls);
}

static void put_title(dl_str *s, const pl_opts *o, const char *fallback)
{
    dl_str_printf(s, "%s", "set title ");
    put_quoted(s, o->title ? o->title : fallback);
    dl_str_printf(s, "%c", '\n');
}

/* The axis labels: the user's, else the figure's own. */
static void put_axis_labels(dl_str *s, const pl_opts *o, const char *x, const char *y)
{
    if (o->xlabel || x) {
        dl_str_printf(s, "set xlabel ");
        put_quoted(s, o->xlabel ? o->xlabel : x);
        dl_str_printf(s, "\n");
    }
    if (o->ylabel || y) {
        dl_str_printf(s, "set ylabel ");
        put_quoted(s, o->ylabel ? o->ylabel : y);
        dl_str_printf(s, "\n");
    }
}

int pl_normalize_parse(const char *s)
{
    static const char *const names[] = {"true", "pred", "all", "none"};
    for (int i = 0; i < 4; i++)
        if (strcmp(s, names[i]) == 0)
            return i;
    return -1;
}

static const char *const COMMON =
    "set grid lc rgb '#dddddd'\n"
    "set border lc rgb '#444444'\n"
    "set key opaque box lc rgb '#cccccc'\n";

/* The name of class c of a label tensor of k columns: its level in the
 * categories of column 0 (one column of codes), or the name of column c
 * (one column per class); NULL when the stream says neither. */
static const char *class_name(const cm_names *names, const cm_categories *cats, size_t k,
                              long long c)
{
    if (k == 1) {
        const cm_column *col = cm_categories_column(cats, 0);
        return col ? cm_column_level(col, (double)c) : NULL;
    }
    return c >= 0 ? cm_names_at(names, (uint64_t)c) : NULL;
}

/* ============================== curves ================================ */

/* Log axes label their ticks 1e-07, not 0.0000001. */
#define LOG_Y "set logscale y\nset format y '%.0e'"
#define LINEAR_Y "unset logscale y\nset format y '%g'"

static const char *const EPOCH_COLS[] = {"epoch", NULL};
static const char *const TRAIN_COLS[] = {"train_loss", "loss", "train", NULL};
static const char *const VAL_COLS[] = {"val_loss", "valid_loss", "validation_loss", "val", NULL};

/* The infinite cells of statistics (that overflowed), drawn as gaps: how
 * many, and where the first is, for the one note that says so. */
typedef struct pl_gaps {
    size_t count;
    const char *label, *column;
    size_t row;
} pl_gaps;

/* Cell (r, c) of a statistics column; an infinity is NaN, a gap, counted
 * in gaps (the first: of the first table, its earliest row; layers reads
 * a table layer by layer). */
static int statistic(const tsv_table *t, size_t r, size_t c, pl_gaps *gaps, double *v,
                     dl_err *e)
{
    if (tsv_statistic(t, r, c, v, e))
        return e->code;
    if (isinf(*v)) {
        if (gaps->count++ == 0 || (gaps->label == t->label && r < gaps->row)) {
            gaps->label = t->label;
            gaps->column = t->cells[c];
            gaps->row = r;
        }
        *v = NAN;
    }
    return 0;
}

/* The one line on the gaps, for o->log once the figure is made. */
static void note_gaps(const pl_gaps *gaps, dl_str *note)
{
    if (!gaps->count || !note)
        return;
    dl_str_printf(note, "%s: %zu infinite cell%s (a statistic that overflowed) drawn as %s, "
                  "the first at data row %zu, column '%s'", gaps->label, gaps->count,
                  dl_plural(gaps->count), gaps->count == 1 ? "a gap" : "gaps", gaps->row + 1,
                  gaps->column);
}

/* Reads column c (or NaN when c < 0) as numbers: statistics, whose
 * infinities are gaps, when gaps is given; else every value finite.
 * Refuses <= 0 on a log axis. */
static int table_column(const tsv_table *t, long c, int log_axis, pl_gaps *gaps, double *out,
                        dl_err *e)
{
    for (size_t r = 0; r < t->rows; r++) {
        out[r] = NAN;
        if (c >= 0 && (gaps ? statistic(t, r, (size_t)c, gaps, &out[r], e)
                            : tsv_number(t, r, (size_t)c, &out[r], e)))
            return e->code;
        if (log_axis && out[r] <= 0)
            return dl_fail(e, DL_EDATA,
                           "%s: data row %zu, column '%s': %g cannot be drawn on a log scale",
                           t->label, r + 1, t->cells[c], out[r]);
    }
    return 0;
}

/* Row of the smallest non-NaN value, or -1. */
static long argmin_finite(const double *v, size_t n)
{
    long best = -1;
    for (size_t i = 0; i < n; i++)
        if (!isnan(v[i]) && (best < 0 || v[i] < v[best]))
            best = (long)i;
    return best;
}

static const char *const BEST_COLS[] = {"best", NULL};

/* The epoch dl-train kept: the last row flagged in its 'best' column (it
 * knows about min_delta); -1 when the log has that column but flags no
 * row, since the epoch kept then came before the log (the initial weights
 * that no epoch improved on, or an epoch before a --resume); without the
 * column, the lowest loss.  Refuses a log whose losses hold no finite value. */
static int best_epoch(const tsv_table *t, const double *loss, long *best, dl_err *e)
{
    long cb = tsv_find(t, BEST_COLS);
    *best = argmin_finite(loss, t->rows);
    if (*best < 0)
        return dl_fail(e, DL_EDATA, "%s: the loss columns hold no finite values", t->label);
    if (cb < 0)
        return 0;
    *best = -1;
    for (size_t r = 0; r < t->rows; r++) {
        double flag;
        if (tsv_number(t, r, (size_t)cb, &flag, e))
            return e->code;
        if (flag == 1 && !isnan(loss[r]))
            *best = (long)r;
    }
    return 0;
}

/* One log's curves: its epochs and losses (NaN where the cell or the
 * column is missing), and the row of its best epoch. */
typedef struct log_curve {
    const char *name;            /* the log's file, as messages and the legend say it */
    double *epoch, *train, *val; /* rows each, one allocation (epoch's) */
    size_t rows;
    long best;                /* -1: the epoch kept is not in the log */
    int have_train, have_val; /* a value in some row */
} log_curve;

static void log_curve_free(log_curve *c)
{
    free(c->epoch);
    c->epoch = c->train = c->val = NULL;
}

/* Refuses a table without a loss column (not a dl-train --log), a cell that
 * is not a number, a loss <= 0 on a log scale, a best row without an
 * epoch; an infinite loss is a gap, counted in gaps; log_curve_free
 * whatever it returns. */
static int log_curve_read(const tsv_table *t, const pl_opts *o, pl_gaps *gaps, log_curve *c,
                          dl_err *e)
{
    long ce = tsv_find(t, EPOCH_COLS), ct = tsv_find(t, TRAIN_COLS),
         cv = tsv_find(t, VAL_COLS);
    memset(c, 0, sizeof *c);
    c->name = t->label;
    c->rows = t->rows;
    c->best = -1;
    if (ct < 0 && cv < 0)
        return dl_fail(e, DL_EDATA,
                       "%s: no loss column (looked for train_loss, loss, val_loss; a header "
                       "row as dl-train --log writes is needed)",
                       t->label);
    if (dl_mem_array(&c->epoch, t->rows, 3 * sizeof *c->epoch, "plot", e))
        return e->code;
    c->train = c->epoch + t->rows;
    c->val = c->train + t->rows;
    int rc = table_column(t, ce < 0 ? 0 : ce, 0, NULL, c->epoch, e);
    rc = rc ? rc : table_column(t, ct, o->log_scale, gaps, c->train, e);
    rc = rc ? rc : table_column(t, cv, o->log_scale, gaps, c->val, e);
    c->have_train = rc == 0 && argmin_finite(c->train, t->rows) >= 0;
    c->have_val = rc == 0 && cv >= 0 && argmin_finite(c->val, t->rows) >= 0;
    if (rc == 0)
        rc = best_epoch(t, c->have_val ? c->val : c->train, &c->best, e);
    if (rc == 0 && c->best >= 0 && isnan(c->epoch[c->best]))
        rc = dl_fail(e, DL_EDATA, "%s: data row %ld has no epoch", t->label, c->best + 1);
    return rc;
}

/* The loss the best epoch was chosen by, at that epoch. */
static double best_loss(const log_curve *c)
{
    return (c->have_val ? c->val : c->train)[c->best];
}

/* What every learning-curves script starts with: title, axes, key, y scale. */
static void put_curves_head(dl_str *s, const pl_opts *o)
{
    put_title(s, o, "Learning curves");
    dl_str_printf(s, "%s", COMMON);
    put_axis_labels(s, o, "epoch", "loss");
    dl_str_printf(s, "%s", "set key top right\n");
    if (o->log_scale)
        dl_str_printf(s, "%s", LOG_Y "\n");
}

/* A log's datablock $name: epoch, training and validation loss a row. */
static void put_curve_block(dl_str *s, const char *name, const log_curve *c)
{
    dl_str_printf(s, "$%s << EOD\n# epoch train_loss val_loss\n", name);
    for (size_t i = 0; i < c->rows; i++) {
        put_value(s, c->epoch[i]);
        dl_str_printf(s, "%c", ' ');
        put_value(s, c->train[i]);
        dl_str_printf(s, "%c", ' ');
        put_value(s, c->val[i]);
        dl_str_printf(s, "%c", '\n');
    }
    dl_str_printf(s, "%s", "EOD\n");
}

/* Starts a clause of a plot command: "plot " before the first
 * (*clauses 0), the continuation after the one before. */
static void put_clause_start(dl_str *s, size_t *clauses)
{
    dl_str_printf(s, "%s", (*clauses)++ ? ", \\\n     " : "plot ");
}

/* What the legend says of a log whose best column flags none of its rows. */
#define BEST_BEFORE_LOG "best epoch before this log"

/* One log: training and validation in two colours, each where the log has
 * values (a legend entry without its line would say there is one); the best
 * epoch's point in a third and a grey line through it; when the epoch kept
 * is not in the log, a legend entry that says so. */
static void write_curves(dl_str *s, const pl_opts *o, const log_curve *c)
{
    size_t clauses = 0;
    put_curves_head(s, o);
    put_curve_block(s, "curve", c);
    if (c->best >= 0)
        dl_str_printf(s, "set arrow 1 from %.9g, graph 0 to %.9g, graph 1 nohead dt 2 "
                         "lc rgb '#777777'\n",
                      c->epoch[c->best], c->epoch[c->best]);
    if (c->have_train) {
        put_clause_start(s, &clauses);
        dl_str_printf(s, "$curve using 1:2 with lines lw 2 lc rgb '%s' title 'training'",
                      COLOR[0]);
    }
    if (c->have_val) {
        put_clause_start(s, &clauses);
        dl_str_printf(s, "$curve using 1:3 with lines lw 2 lc rgb '%s' title 'validation'",
                      COLOR[1]);
    }
    put_clause_start(s, &clauses);
    if (c->best < 0)
        dl_str_printf(s, "keyentry title '" BEST_BEFORE_LOG " (none of its epochs improved "
                         "on it)'\n");
    else
        dl_str_printf(s, "$curve using ($1 == %.9g ? $1 : NaN):%d with points pt 7 ps 1.6 "
                         "lc rgb '%s' title 'best epoch %.9g (%s loss %.4g)'\n",
                      c->epoch[c->best], c->have_val ? 3 : 2, COLOR[5], c->epoch[c->best],
                      c->have_val ? "validation" : "training", best_loss(c));
}

/* A curve's clause of log i of several: its file and what it is in the
 * legend, and the log's best epoch when this curve chose it. */
static void put_log_line(dl_str *s, size_t i, const log_curve *c, int val, size_t *clauses)
{
    dl_str legend = {0};
    put_clause_start(s, clauses);
    dl_str_printf(s, "$curve%zu using 1:%d with lines lw 2 lc rgb '%s'%s title ", i,
                  val ? 3 : 2, COLOR[i % NCOLORS], val ? " dt 2" : "");
    dl_str_printf(&legend, "%s %s", c->name, val ? "validation" : "training");
    if (val == c->have_val && c->best < 0)
        dl_str_printf(&legend, " (" BEST_BEFORE_LOG ")");
    else if (val == c->have_val)
        dl_str_printf(&legend, " (best epoch %.9g, %.4g)", c->epoch[c->best], best_loss(c));
    put_quoted_str(s, &legend);
}

/* The clauses of log i of several, in its colour: training solid,
 * validation dashed, where the log has them; its best epoch's point, which
 * the legend gives with the loss that chose it. */
static void put_log_clauses(dl_str *s, size_t i, const log_curve *c, size_t *clauses)
{
    if (c->have_train)
        put_log_line(s, i, c, 0, clauses);
    if (c->have_val)
        put_log_line(s, i, c, 1, clauses);
    if (c->best < 0)
        return;
    put_clause_start(s, clauses);
    dl_str_printf(s, "$curve%zu using ($1 == %.9g ? $1 : NaN):%d with points pt 7 ps 1.6 "
                     "lc rgb '%s' notitle",
                  i, c->epoch[c->best], c->have_val ? 3 : 2, COLOR[i % NCOLORS]);
}

/* Several logs: a colour each, its best epoch's line dotted in it. */
static void write_several_curves(dl_str *s, const pl_opts *o, const log_curve *c, size_t n)
{
    put_curves_head(s, o);
    char name[32];
    for (size_t i = 0; i < n; i++) {
        snprintf(name, sizeof name, "curve%zu", i);
        put_curve_block(s, name, &c[i]);
    }
    for (size_t i = 0; i < n; i++)
        if (c[i].best >= 0)
            dl_str_printf(s, "set arrow %zu from %.9g, graph 0 to %.9g, graph 1 nohead dt 3 "
                             "lc rgb '%s'\n",
                          i + 1, c[i].epoch[c[i].best], c[i].epoch[c[i].best],
                          COLOR[i % NCOLORS]);
    size_t clauses = 0;
    for (size_t i = 0; i < n; i++)
        put_log_clauses(s, i, &c[i], &clauses);
    dl_str_printf(s, "%c", '\n');
}

int pl_curves_script(const tsv_table *logs, size_t nlogs, const pl_opts *o, dl_str *s,
                     dl_str *note, dl_err *e)
{
    pl_gaps gaps = {0};
    if (nlogs == 0)
        return dl_fail(e, DL_EUSAGE, "learning curves need a log");
    log_curve *c;
    if (dl_mem_array(&c, nlogs, sizeof *c, "plot", e))
        return e->code;
    int rc = 0;
    for (size_t i = 0; i < nlogs && rc == 0; i++)
        rc = log_curve_read(&logs[i], o, &gaps, &c[i], e);
    if (rc == 0 && nlogs == 1)
        write_curves(s, o, c);
    else if (rc == 0)
        write_several_curves(s, o, c, nlogs);
    if (rc == 0)
        note_gaps(&gaps, note);
    for (size_t i = 0; i < nlogs; i++)
        log_curve_free(&c[i]);
    free(c);
    return rc;
}

/* =============================== layers =============================== */

static const char *const LAYER_COLS[] = {"layer", NULL};

/* Distinct values of column cl, in order of appearance, with the row where
 * each first appears. */
static int distinct_layers(const tsv_table *t, size_t cl, const char **layer, size_t *first_row,
                           size_t max, size_t *count, dl_err *e)
{
    *count = 0;
    for (size_t r = 0; r < t->rows; r++) {
        const char *name = tsv_cell(t, r, cl);
        size_t k = 0;
        while (k < *count && strcmp(layer[k], name) != 0)
            k++;
        if (k == *count) {
            if (*count == max)
                return dl_fail(e, DL_EDATA, "%s: more than %zu layer%s",
                               t->label, max, dl_plural(max));
            first_row[*count] = r;
            layer[(*count)++] = name;
        }
    }
    return 0;
}

/* One datablock per layer: epoch, then the panel columns (an infinity a
 * gap, counted in gaps). */
static int write_layer_blocks(dl_str *s, const tsv_table *t, size_t ce, size_t cl,
                              const char *const *layer, size_t nlayers,
                              const size_t *panel_col, size_t npanels, pl_gaps *gaps, dl_err *e)
{
    for (size_t k = 0; k < nlayers; k++) {
        dl_str_printf(s, "$layer%zu << EOD\n# epoch", k);
        for (size_t p = 0; p < npanels; p++)
            dl_str_printf(s, " %s", t->cells[panel_col[p]]);
        dl_str_printf(s, "\n");
        for (size_t r = 0; r < t->rows; r++) {
            if (strcmp(tsv_cell(t, r, cl), layer[k]) != 0)
                continue;
            double v;
            if (tsv_number(t, r, ce, &v, e))
                return e->code;
            put_value(s, v);
            for (size_t p = 0; p < npanels; p++) {
                if (statistic(t, r, panel_col[p], gaps, &v, e))
                    return e->code;
                dl_str_printf(s, "%c", ' ');
                put_value(s, v);
            }
            dl_str_printf(s, "%c", '\n');
        }
        dl_str_printf(s, "%s", "EOD\n");
    }
    return 0;
}

/* 1 when every value of column c is positive (NaN aside): drawable on a
 * log axis. */
static int column_positive(const tsv_table *t, size_t c)
{
    for (size_t r = 0; r < t->rows; r++) {
        double v;
        dl_err ignore;
        if (tsv_number(t, r, c, &v, &ignore) == 0 && v <= 0)
            return 0;
    }
    return 1;
}

/* Whether column c holds a finite number in some row: gnuplot fails on a
 * panel with none ("all points y value undefined"), after the figure has
 * been started. */
static int column_has_value(const tsv_table *t, size_t c)
{
    for (size_t r = 0; r < t->rows; r++) {
        double v;
        dl_err ignore;
        if (tsv_number(t, r, c, &v, &ignore) == 0 && isfinite(v))
            return 1;
    }
    return 0;
}

#define MAX_PANELS 16
#define MAX_LAYERS 64

static const char *const ACTIV_COLS[] = {"activation", NULL};
static const char *const UNITS_COLS[] = {"units", NULL};

static int ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* The statistics to draw: the amplitudes (columns named *_std or *_norm)
 * when there are any, else every column but the descriptive ones. */
static int pick_panels(const tsv_table *t, const long *skip, size_t nskip, size_t *panel_col,
                       size_t *npanels, dl_err *e)
{
    for (int amplitudes_only = 1; amplitudes_only >= 0; amplitudes_only--) {
        *npanels = 0;
        for (size_t c = 0; c < t->cols; c++) {
            int skipped = 0;
            for (size_t k = 0; k < nskip; k++)
                skipped |= skip[k] == (long)c;
            const char *name = t->cells[c];
            if (skipped || (amplitudes_only && !ends_with(name, "_std") &&
                            !ends_with(name, "_norm")))
                continue;
            if (*npanels == MAX_PANELS)
                return dl_fail(e, DL_EDATA, "%s: more than %d statistics columns", t->label,
                               MAX_PANELS);
            panel_col[(*npanels)++] = c;
        }
        if (*npanels)
            return 0;
    }
    return dl_fail(e, DL_EDATA, "%s: no statistics columns besides epoch and layer", t->label);
}

/* "layer 2: tanh, 10 units" from the row where the layer first appears. */
static void layer_title(const tsv_table *t, size_t row, long cl, long ca, long cu, char *buf,
                        size_t len)
{
    int n = snprintf(buf, len, "layer %s", tsv_cell(t, row, (size_t)cl));
    if (ca >= 0 && n >= 0 && (size_t)n < len)
        n += snprintf(buf + n, len - (size_t)n, ": %s", tsv_cell(t, row, (size_t)ca));
    if (cu >= 0 && n >= 0 && (size_t)n < len) {
        const char *units = tsv_cell(t, row, (size_t)cu);
        snprintf(buf + n, len - (size_t)n, "%s%s unit%s", ca >= 0 ? ", " : ": ", units,
                 strcmp(units, "1") == 0 ? "" : "s");
    }
}

/* What dl-train's diagnostics columns measure. */
static const char *panel_title(const char *column)
{
    static const char *const known[][2] = {
        {"z_std", "pre-activations z: standard deviation"},
        {"z_mean", "pre-activations z: mean"},
        {"a_std", "activations a: standard deviation"},
        {"a_mean", "activations a: mean"},
        {"grad_w_norm", "weight gradient: norm"},
        {"grad_b_norm", "bias gradient: norm"}};
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++)
        if (strcmp(column, known[i][0]) == 0)
            return known[i][1];
    return column;
}

/* A row per (epoch, layer); a panel per statistic, a line per layer. */
static int layers_long(const tsv_table *t, size_t ce, size_t cl, const pl_opts *o, dl_str *s,
                       dl_str *note, dl_err *e)
{
    pl_gaps gaps = {0};
    long ca = tsv_find(t, ACTIV_COLS), cu = tsv_find(t, UNITS_COLS);
    long skip[] = {(long)ce, (long)cl, ca, cu};
    size_t npanels, panel_col[MAX_PANELS], nlayers, first_row[MAX_LAYERS];
    const char *layer[MAX_LAYERS];
    if (pick_panels(t, skip, 4, panel_col, &npanels, e))
        return e->code;
    for (size_t p = 0; p < npanels; p++)
        if (!column_has_value(t, panel_col[p]))
            return dl_fail(e, DL_EDATA, "%s: column '%s' has no finite value to draw", t->label,
                           t->cells[panel_col[p]]);
    if (distinct_layers(t, cl, layer, first_row, MAX_LAYERS, &nlayers, e) ||
        write_layer_blocks(s, t, ce, cl, layer, nlayers, panel_col, npanels, &gaps, e))
        return e->code;
    note_gaps(&gaps, note);
    size_t cols = npanels <= 2 ? npanels : npanels <= 4 ? 2 : 3;
    size_t rows = (npanels + cols - 1) / cols;
    dl_str_printf(s, "%s", COMMON);
    /* The legend gets a column of its own at the right, where it hides no line. */
    put_axis_labels(s, o, "epoch", NULL);
    dl_str_printf(s, "%s", "set key at screen 0.995, 0.5 right center vertical font ',9' noopaque nobox\n");
    dl_str_printf(s, "set multiplot layout %zu, %zu title ", rows, cols);
    put_quoted(s, o->title ? o->title : "Per-layer statistics over epochs");
    double right = 1.0 - 240.0 / (o->width > 480 ? o->width : 480); /* ~240 px of legend */
    dl_str_printf(s, " margins 0.08, %.3f, 0.1, 0.9 spacing 0.1, 0.14\n", right);
    for (size_t p = 0; p < npanels; p++) {
        int log_axis = o->log_scale && column_positive(t, panel_col[p]);
        /* one legend for all panels: the first panel's */
        dl_str_printf(s, "%s\n%s\nset title ", log_axis ? LOG_Y : LINEAR_Y, p ? "unset key" : "");
        put_quoted(s, panel_title(t->cells[panel_col[p]]));
        dl_str_printf(s, "%s", "\nplot ");
        for (size_t k = 0; k < nlayers; k++) {
            char title[128];
            layer_title(t, first_row[k], (long)cl, ca, cu, title, sizeof title);
            dl_str_printf(s, "%s$layer%zu using 1:%zu with linespoints lw 2 pt 7 ps 0.4 lc rgb '%s' "
                       "title ",
                    k ? ", \\\n     " : "", k, p + 2, COLOR[k % NCOLORS]);
            put_quoted(s, title);
        }
        dl_str_printf(s, "%c", '\n');
    }
    dl_str_printf(s, "%s", "unset multiplot\n");
    return 0;
}

int pl_layers_script(const tsv_table *t, const pl_opts *o, dl_str *s, dl_str *note, dl_err *e)
{
    long ce = tsv_find(t, EPOCH_COLS), cl = tsv_find(t, LAYER_COLS);
    if (ce < 0 || cl < 0)
        return dl_fail(e, DL_EDATA,
                       "%s: needs 'epoch' and 'layer' columns (as dl-train --diagnostics "
                       "writes)",
                       t->label);
    return layers_long(t, (size_t)ce, (size_t)cl, o, s, note, e);
}

/* ============================ model inputs ============================ */

/* The data stream's x (N x D) and, when present, y (N x K), as f64, cut
 * to the rows the figure draws (leave_out_missing); the columns of x drawn
 * (the others held fixed, see held_values), their axis labels. */
typedef struct pl_data {
    dl_tensor_set set;
    dl_tensor *x, *y;
    const char *label;
    size_t ndrawn, drawn[2];
    char axis[2][300];
    pp_meta x_columns;           /* x.names, x.categories (names count 0 when none) */
    cm_names y_names;            /* count 0 when the stream has none */
    cm_categories y_categories;
    size_t ydrawn;               /* y's columns the figure uses: 0 without y */
    double *held;                /* per column of x, where one not drawn is held */
    size_t rows_read;            /* x's rows before any was left out */
    size_t left_out[3];          /* rows missing a cell of drawn[0], drawn[1], y */
} pl_data;

static void data_free(pl_data *d)
{
    dl_set_free(&d->set);
    free(d->held);
    pp_meta_free(&d->x_columns);
    cm_names_free(&d->y_names);
    cm_categories_free(&d->y_categories);
}

/* "'x' column 3 ('age')": column col of a tensor (1-based, as every
 * message counts), with its name when names has one. */
static void column_text(char *buf, size_t len, const char *tensor, const cm_names *names,
                        size_t col)
{
    snprintf(buf, len, "'%s' column %zu%s", tensor, col + 1, cm_col_name(names, col).text);
}

/* Room for column_text: a name of CM_COLNAME_MAX bytes and the rest. */
#define COLUMN_TEXT (CM_COLNAME_MAX + 64)

/* The column of x that one --inputs item picks, by cm_column_pick's rule:
 * a 0-based column number, else a column name. */
static int input_column(pl_data *d, const char *item, size_t *col, dl_err *e)
{
    size_t width = (size_t)d->x->shape[1];
    uint64_t picked;
    if (cm_column_pick(&d->x_columns.names, width, item, &picked)) {
        *col = (size_t)picked;
        return 0;
    }
    return dl_fail(e, DL_EUSAGE, "--inputs: '%s' is not a column of %s's 'x' (%s0..%zu)", item,
                   d->label, d->x_columns.names.count ? "a name in x.names or " : "", width - 1);
}

/* The columns of x that --inputs (a list, quoted as dl-tensor's lists are)
 * picks: `want` of them, each once. */
static int input_columns(pl_data *d, const char *inputs, size_t want, dl_err *e)
{
    tx_list items;
    if (tx_list_parse(&items, "--inputs", inputs, e))
        return e->code;
    int rc = items.count == want ? 0
             : dl_fail(e, DL_EUSAGE, "--inputs: '%s' is not %s input%s", inputs,
                       want == 1 ? "one" : "two", want == 1 ? "" : "s separated by a comma");
    for (size_t k = 0; !rc && k < want; k++)
        rc = input_column(d, items.item[k], &d->drawn[k], e);
    if (!rc && want == 2 && d->drawn[1] == d->drawn[0])
        rc = dl_fail(e, DL_EUSAGE, "--inputs: '%s' names one input twice", inputs);
    tx_list_free(&items);
    return rc;
}

/* Which columns of x the figure draws: o->inputs, else all of them when x
 * has exactly `want`; their axis labels. */
static int pick_inputs(pl_data *d, const char *inputs, size_t want, dl_err *e)
{
    size_t width = (size_t)d->x->shape[1];
    d->ndrawn = want;
    if (!inputs) {
        if (width != want)
            return dl_fail(e, DL_EDATA,
                           "%s: 'x' has %zu column%s; this plot draws %zu (name %s with "
                           "--inputs)",
                           d->label, width, dl_plural(width), want,
                           want == 1 ? "one" : "two");
        for (size_t k = 0; k < want; k++)
            d->drawn[k] = k;
    } else if (input_columns(d, inputs, want, e)) {
        return e->code;
    }
    for (size_t k = 0; k < want; k++) {
        const char *name = cm_names_at(&d->x_columns.names, d->drawn[k]);
        char col[COLUMN_TEXT];
        column_text(col, sizeof col, "x", &d->x_columns.names, d->drawn[k]);
        /* without --inputs x has only the columns drawn: no option to blame */
        if (cm_categories_column(&d->x_columns.cats, d->drawn[k]) && !inputs)
            return dl_fail(e, DL_EUSAGE, "%s: %s is a column of categories (x.categories): a "
                           "figure draws numeric inputs only", d->label, col);
        if (cm_categories_column(&d->x_columns.cats, d->drawn[k])) {
            char index[32];
            snprintf(index, sizeof index, "%zu", d->drawn[k]);
            return dl_fail(e, DL_EUSAGE, "--inputs: '%s' is a column of categories in %s's "
                           "'x' (x.categories): a figure draws numeric inputs",
                           name ? name : index, d->label);
        }
        if (name)
            snprintf(d->axis[k], sizeof d->axis[k], "%s", name);
        else if (width == 1)
            snprintf(d->axis[k], sizeof d->axis[k], "x");
        else
            snprintf(d->axis[k], sizeof d->axis[k], "x_%zu", d->drawn[k]);
    }
    return 0;
}

/* x.names and x.categories, copied from the set: they name the columns and
 * map the data's category codes to the model's levels (mdl_bind_input). */
static int x_columns_load(pl_data *d, dl_err *e)
{
    static const char *const meta[] = {"x" CM_NAMES_SUFFIX, "x" CM_CATEGORIES_SUFFIX};
    for (size_t i = 0; i < 2; i++) {
        const dl_tensor *t = dl_set_find(&d->set, meta[i]);
        dl_tensor copy;
        if (t && (dl_tensor_copy(&copy, t, e) || pp_meta_take(&d->x_columns, &copy, 0, e)))
            return e->code;
    }
    return pp_meta_columns(&d->x_columns, d->x->shape[1], e);
}

static int is_drawn(const pl_data *d, size_t c)
{
    return c == d->drawn[0] || (d->ndrawn > 1 && c == d->drawn[1]);
}

/* The first infinity of matrix t (f64), named by its cell: no missing cell
 * (that is NaN), and no mean or range can take it. */
static int refuse_infinite(const pl_data *d, const dl_tensor *t, const cm_names *names,
                           dl_err *e)
{
    int64_t from = dl_tensor_find_nonfinite(t);
    size_t n = (size_t)dl_tensor_nelem(t), cols = (size_t)t->shape[1];
    const double *v = t->data;
    for (size_t i = from < 0 ? n : (size_t)from; i < n; i++)
        if (isinf(v[i])) {
            cm_fail_cell(names, i / cols, i % cols, "infinite value", e);
            return dl_err_wrap(e, "%s: '%s'", d->label, t->name);
        }
    return 0;
}

/* The most frequent level of categorical column c among its present cells
 * (ties to the lowest code), *present of them; a cell that is no code of
 * its k->count levels is an error. */
static int mode_code(const pl_data *d, size_t c, const cm_column *k, double *code,
                     size_t *present, dl_err *e)
{
    size_t n = (size_t)d->x->shape[0], width = (size_t)d->x->shape[1];
    const double *x = d->x->data;
    size_t *count;
    if (dl_mem_array(&count, (size_t)k->count, sizeof *count, d->label, e))
        return e->code;
    *present = 0;
    for (size_t i = 0; i < n; i++) {
        double v = x[i * width + c];
        if (isnan(v))
            continue;
        if (!cm_column_level(k, v)) {
            free(count);
            return dl_fail(e, DL_EDATA, "%s: 'x' row %zu, column %zu%s: %g is not a code of its "
                           "%llu categories", d->label, i + 1, c + 1,
                           cm_col_name(&d->x_columns.names, c).text, v,
                           (unsigned long long)k->count);
        }
        count[(size_t)v]++;
        ++*present;
    }
    size_t best = 0;
    for (size_t j = 1; j < (size_t)k->count; j++)
        if (count[j] > count[best])
            best = j;
    free(count);
    *code = (double)best;
    return 0;
}

/* Where each column not drawn is held, over its present cells (a missing
 * cell says nothing of where the column is typical): a numeric column at
 * its mean (numpy's nanmean), a categorical one (x.categories) at its most
 * frequent level, since the mean of codes is no level (scikit-learn's
 * partial dependence likewise fixes a categorical feature at a level).  A
 * column held without a present cell has nowhere to be held. */
static int held_values(pl_data *d, dl_err *e)
{
    size_t n = (size_t)d->x->shape[0], width = (size_t)d->x->shape[1];
    const double *x = d->x->data;
    if (dl_mem_array(&d->held, width, sizeof *d->held, d->label, e))
        return e->code;
    for (size_t c = 0; c < width; c++) {
        if (is_drawn(d, c))
            continue;
        const cm_column *k = cm_categories_column(&d->x_columns.cats, c);
        size_t present = 0;
        if (k && mode_code(d, c, k, &d->held[c], &present, e))
            return e->code;
        for (size_t i = 0; !k && i < n; i++)
            if (!isnan(x[i * width + c])) {
                d->held[c] += x[i * width + c];
                present++;
            }
        if (!present) {
            char col[COLUMN_TEXT];
            column_text(col, sizeof col, "x", &d->x_columns.names, c);
            return dl_fail(e, DL_EDATA, "%s: %s is held fixed but has no value: every cell "
                           "is missing", d->label, col);
        }
        if (!k)
            d->held[c] /= (double)present;
    }
    return 0;
}

/* The columns drawn that miss cells, "'x' column 1 ('size') (2 rows) or
 * 'y' column 1 ('price') (2 rows)", the counts of rows when `counts`. */
static void put_missing_columns(dl_str *s, const pl_data *d, int counts)
{
    size_t total = 0, listed = 0;
    for (size_t j = 0; j < 3; j++)
        total += d->left_out[j] > 0;
    for (size_t j = 0; j < 3; j++) {
        if (!d->left_out[j])
            continue;
        char col[COLUMN_TEXT];
        if (j < 2)
            column_text(col, sizeof col, "x", &d->x_columns.names, d->drawn[j]);
        else if (d->ydrawn == 1)
            column_text(col, sizeof col, "y", &d->y_names, 0);
        else
            snprintf(col, sizeof col, "'y'");
        dl_str_printf(s, "%s%s", listed == 0 ? "" : listed + 1 == total ? " or " : ", ", col);
        if (counts)
            dl_str_printf(s, " (%zu row%s)", d->left_out[j], dl_plural(d->left_out[j]));
        listed++;
    }
}

/* Leaves out the rows that cannot be placed on the figure: those missing a
 * cell (NaN) of an input drawn or of the y drawn, counted per column; the
 * others move up in place and x's and y's row counts shrink to them.  No
 * row left is an error, as no row at all is. */
static int leave_out_missing(pl_data *d, dl_err *e)
{
    size_t n = (size_t)d->x->shape[0], width = (size_t)d->x->shape[1], kept = 0;
    size_t k = d->y ? (size_t)d->y->shape[1] : 0;
    double *x = d->x->data, *y = d->y ? d->y->data : NULL;
    for (size_t i = 0; i < n; i++) {
        int out = 0, y_missing = 0;
        for (size_t j = 0; j < d->ndrawn; j++)
            if (isnan(x[i * width + d->drawn[j]])) {
                d->left_out[j]++;
                out = 1;
            }
        for (size_t j = 0; j < d->ydrawn; j++)
            y_missing |= isnan(y[i * k + j]);
        d->left_out[2] += (size_t)y_missing;
        if (out || y_missing)
            continue;
        if (kept < i) {
            memcpy(x + kept * width, x + i * width, width * sizeof *x);
            if (y)
                memcpy(y + kept * k, y + i * k, k * sizeof *y);
        }
        kept++;
    }
    d->rows_read = n;
    d->x->shape[0] = kept;
    if (d->y)
        d->y->shape[0] = kept;
    if (kept)
        return 0;
    dl_str cols = {0};
    char *text;
    size_t len;
    put_missing_columns(&cols, d, 0);
    if (dl_str_take(&cols, &text, &len, e))
        return e->code;
    int rc = dl_fail(e, DL_EDATA, "%s: no row to draw: each has a missing cell in %s",
                     d->label, text);
    free(text);
    return rc;
}

/* How many rows were left out and for which columns, when any was. */
static void note_left_out(const pl_data *d, dl_str *note)
{
    size_t drawn = (size_t)d->x->shape[0];
    if (!note || drawn == d->rows_read)
        return;
    dl_str_printf(note, "%s: %zu of %zu rows left out: a missing cell in ", d->label,
                  d->rows_read - drawn, d->rows_read);
    put_missing_columns(note, d, 1);
}

/* Empty, for data_free whether or not load_data ran. */
static void data_init(pl_data *d)
{
    dl_set_init(&d->set);
    pp_meta_init(&d->x_columns);
    cm_names_init(&d->y_names);
    cm_categories_init(&d->y_categories);
    d->held = NULL;
    d->x = d->y = NULL;
    d->ndrawn = d->drawn[0] = d->drawn[1] = 0;
    d->ydrawn = d->rows_read = 0;
    memset(d->left_out, 0, sizeof d->left_out);
}

/* The data of fit (y's first column drawn) or regions (y's every column
 * makes a point's class), its rows cut to those drawn: DATA read into d,
 * as data_init left it, for model m.  The figure draws m over raw inputs,
 * which m's design (when it has one) turns into columns. */
static int load_data(pl_data *d, const mdl_model *m, const char *path, size_t want_dims,
                     const char *inputs, int whole_y, dl_err *e)
{
    d->label = dl_err_label(path);
    if (st_read_set(path, &d->set, e))
        return e->code;
    if (d->set.count == 0)
        return st_fail_empty(d->label, e);
    if (mdl_design(m) && dl_set_find(&d->set, "design"))
        return dl_fail(e, DL_EDATA, "%s: 'x' went through a design already (its 'design' "
                       "record), but the figure draws the model over its raw inputs, which "
                       "the model's design expands: give the data as it was before dl-design",
                       d->label);
    d->x = dl_set_find(&d->set, "x");
    d->y = dl_set_find(&d->set, "y");
    if (!d->x)
        return dl_fail(e, DL_EDATA, "%s: no 'x' tensor", d->label);
    if (dl_tensor_as_matrix(d->x, e) || dl_tensor_convert(d->x, DL_F64, e) ||
        (d->y && (dl_tensor_as_matrix(d->y, e) || dl_tensor_convert(d->y, DL_F64, e))))
        return dl_err_wrap(e, "%s", d->label);
    if (d->y && d->y->shape[0] != d->x->shape[0])
        return dl_fail(e, DL_EDATA, "%s: 'x' has %llu row%s but 'y' has %llu", d->label,
                       (unsigned long long)d->x->shape[0],
                       dl_plural((unsigned long long)d->x->shape[0]),
                       (unsigned long long)d->y->shape[0]);
    if (d->x->shape[0] == 0)
        return dl_fail(e, DL_EDATA, "%s: 'x' has no rows", d->label);
    if (x_columns_load(d, e) ||
        (d->y && (cm_names_load(&d->y_names, &d->set, "y", d->y->shape[1], e) ||
                  cm_categories_load(&d->y_categories, &d->set, "y", d->y->shape[1], e))))
        return dl_err_wrap(e, "%s", d->label);
    if (refuse_infinite(d, d->x, &d->x_columns.names, e) ||
        (d->y && refuse_infinite(d, d->y, &d->y_names, e)))
        return e->code;
    if (d->y)
        d->ydrawn = whole_y ? (size_t)d->y->shape[1] : 1;
    return pick_inputs(d, inputs, want_dims, e) || held_values(d, e) ||
                   leave_out_missing(d, e) ? e->code : 0;
}

/* A grid of g rows as wide as x, for the drawn columns to be filled in; the
 * others at their held values. */
static int grid_held(const pl_data *d, size_t g, dl_tensor *grid, dl_err *e)
{
    size_t width = (size_t)d->x->shape[1];
    if (dl_tensor_alloc2(grid, "x", DL_F64, g, width, e))
        return e->code;
    double *gx = grid->data;
    for (size_t i = 0; i < g; i++)
        memcpy(gx + i * width, d->held, width * sizeof *gx);
    return 0;
}

/* A comment line "# held COL VALUE NAME" for each column not drawn (COL
 * 0-based as --inputs takes it, VALUE a categorical column's code, NAME
 * from x.names, else x_COL as on an axis): where the model sees it. */
static void put_held(dl_str *s, const pl_data *d)
{
    for (size_t c = 0; c < (size_t)d->x->shape[1]; c++) {
        if (is_drawn(d, c))
            continue;
        const char *name = cm_names_at(&d->x_columns.names, c);
        dl_str_printf(s, "# held %zu %.17g ", c, d->held[c]);
        if (name)
            dl_str_printf(s, "%s\n", name);
        else
            dl_str_printf(s, "x_%zu\n", c);
    }
}

/* The figure's default title, saying where the inputs not drawn are held. */
static const char *held_title(const pl_data *d, const char *what, char *buf, size_t len)
{
    size_t width = (size_t)d->x->shape[1], categorical = 0;
    for (size_t c = 0; c < width; c++)
        categorical += cm_categories_column(&d->x_columns.cats, c) != NULL;
    size_t held = width - d->ndrawn, numeric = held - categorical;
    snprintf(buf, len, "%s%s%s%s%s", what, held ? " (the other inputs at their " : "",
             numeric ? "means" : "", numeric && categorical ? " or " : "",
             categorical ? "most frequent levels" : "");
    if (held)
        snprintf(buf + strlen(buf), len - strlen(buf), ")");
    return buf;
}

/* [lo, hi] widened by `share` of its span on each side; a single value by
 * 5% of its size (0.5 near 0), since 0.5 is lost in the rounding of 1e20
 * and leaves gnuplot an empty range.  The span is taken in shares and the
 * ends kept finite: hi - lo of -1e308 and 1e308 overflows. */
static void widen_by(double *lo, double *hi, double share)
{
    double pad = share * *hi - share * *lo;
    if (!(pad > 0))
        pad = fmax(0.5, 0.05 * fmax(fabs(*lo), fabs(*hi)));
    *lo = fmax(*lo - pad, -DBL_MAX);
    *hi = fmin(*hi + pad, DBL_MAX);
}

/* 5% on each side, so that no point sits on the border. */
static void widen_range(double *lo, double *hi) { widen_by(lo, hi, 0.05); }

/* The least and the greatest of n values `stride` apart. */
static void extent_of(const double *v, size_t n, size_t stride, double *lo, double *hi)
{
    *lo = INFINITY;
    *hi = -INFINITY;
    for (size_t i = 0; i < n; i++) {
        *lo = fmin(*lo, v[i * stride]);
        *hi = fmax(*hi, v[i * stride]);
    }
}

static void range_of(const double *v, size_t n, size_t stride, double *lo, double *hi)
{
    extent_of(v, n, stride, lo, hi);
    widen_range(lo, hi);
}

/* Predictions of the model for the rows of grid (f64 G x D): yhat and, when
 * wanted and available, ystd, both converted to f64.  thresholded: a
 * --threshold will decide the classes, which needs a model of one output
 * (the largest of several is the class): refused before the grid is run.
 * Errors name the model's file, label. */
static int predict_grid(mdl_model *m, const char *label, const dl_tensor *grid,
                        const pp_columns *cols, int thresholded, dl_tensor *yhat,
                        dl_tensor *ystd, dl_err *e)
{
    int rc = 0;
    if (thresholded && mdl_output_dim(m) > 1)
        rc = dl_fail(e, DL_EUSAGE, "%s: --threshold goes with a model of one output, not "
                     "of %zu", label, mdl_output_dim(m));
    if (rc == 0 && mdl_input_dim(m) != cols->count)
        rc = dl_fail(e, DL_EDATA, "%s: the model takes %zu input%s but the data's 'x' has %zu",
                     label, mdl_input_dim(m), dl_plural(mdl_input_dim(m)), cols->count);
    /* the data's codes mean its own levels, as in dl-predict */
    if (rc == 0 && mdl_bind_input(m, cols, e))
        rc = dl_err_wrap(e, "%s: the data's 'x'", label);
    int with_std = ystd && mdl_has_std(m);
    if (rc == 0 && mdl_predict(m, grid, 0, yhat, with_std ? ystd : NULL, e))
        rc = dl_err_wrap(e, "%s: on the plot's grid", label);
    rc = rc ? rc : dl_tensor_convert(yhat, DL_F64, e);
    if (rc == 0 && with_std)
        rc = dl_tensor_convert(ystd, DL_F64, e);
    int64_t bad = rc ? -1 : dl_tensor_find_nonfinite(yhat);
    if (bad < 0 && rc == 0 && with_std)
        bad = dl_tensor_find_nonfinite(ystd);
    if (bad >= 0)
        rc = dl_fail(e, DL_ENUM, "%s: the model predicts NaN or Inf on the plot's grid", label);
    return rc;
}

/* ================================= fit ================================ */

/* w_j phi_j(x) on the grid, for output 0 of a linear checkpoint: comps
 * (G x P), allocated here.  From the model already read: MODEL may be
 * standard input, which gives its bytes once. */
static int basis_components(const mdl_model *m, const char *label, const dl_tensor *grid,
                            double **comps, size_t *ncomp, dl_err *e)
{
    const struct lm_model *l = mdl_linear(m);
    const struct bf_design *d = mdl_design(m);
    if (!l || !d)
        return dl_fail(e, DL_EDATA, "%s: --basis needs a linear checkpoint with a 'design' "
                       "record and weights 'w'", label);
    size_t g = (size_t)grid->shape[0], p = bf_output_dim(d), k = lm_output_dim(l);
    if (lm_input_dim(l) != p)
        return dl_fail(e, DL_EDATA, "%s: 'w' has %zu row%s but the design has %zu column%s",
                       label, lm_input_dim(l), dl_plural(lm_input_dim(l)), p, dl_plural(p));
    double *phi = NULL;
    if (dl_mem_array(&phi, g, p * sizeof *phi, "plot", e) || bf_apply(d, grid->data, g, phi, e)) {
        free(phi);
        return e->code;
    }
    const double *wv = lm_weights(l);
    for (size_t i = 0; i < g; i++)
        for (size_t j = 0; j < p; j++)
            phi[i * p + j] *= wv[j * k];
    *comps = phi;
    *ncomp = p;
    return 0;
}

static void write_fit(dl_str *s, const pl_opts *o, const pl_data *d, const dl_tensor *grid,
                      const dl_tensor *yhat, const dl_tensor *ystd, const double *comps,
                      size_t ncomp)
{
    size_t n = (size_t)d->x->shape[0], g = (size_t)grid->shape[0];
    size_t width = (size_t)d->x->shape[1], c = d->drawn[0];
    const double *x = d->x->data, *gx = grid->data, *py = yhat->data;
    size_t k = (size_t)yhat->shape[1];
    char title[128];
    put_title(s, o, held_title(d, "Fit", title, sizeof title));
    dl_str_printf(s, "%s", COMMON);
    const char *yname = cm_names_at(&d->y_names, 0);
    put_axis_labels(s, o, d->axis[0], yname ? yname : "y");
    dl_str_printf(s, "%s", "set key top left\n");
    put_range(s, 'x', gx[c], gx[(g - 1) * width + c]);
    if (d->y) {
        double lo, hi;
        extent_of(d->y->data, n, (size_t)d->y->shape[1], &lo, &hi);
        /* wild fits (overfitting) must not squash the data into a line */
        widen_by(&lo, &hi, 0.6);
        put_range(s, 'y', lo, hi);
        dl_str_printf(s, "%s", "$points << EOD\n# x y\n");
        for (size_t i = 0; i < n; i++) {
            put_value(s, x[i * width + c]);
            dl_str_printf(s, " ");
            put_value(s, ((const double *)d->y->data)[i * d->y->shape[1]]);
            dl_str_printf(s, "\n");
        }
        dl_str_printf(s, "%s", "EOD\n");
    }
    dl_str_printf(s, "$fit << EOD\n# x yhat%s%s\n", ystd->data ? " ystd" : "",
                  ncomp ? " w_j*phi_j(x)..." : "");
    put_held(s, d);
    for (size_t i = 0; i < g; i++) {
        put_value(s, gx[i * width + c]);
        dl_str_printf(s, " ");
        put_value(s, py[i * k]);
        if (ystd->data) {
            dl_str_printf(s, " ");
            put_value(s, ((const double *)ystd->data)[i * k]);
        }
        for (size_t j = 0; j < ncomp; j++) {
            dl_str_printf(s, " ");
            put_value(s, comps[i * ncomp + j]);
        }
        dl_str_printf(s, "%c", '\n');
    }
    dl_str_printf(s, "%s", "EOD\nplot ");
    int col = ystd->data ? 4 : 3;
    if (ystd->data)
        dl_str_printf(s, "$fit using 1:($2-2*$3):($2+2*$3) with filledcurves fc rgb '%s' "
                   "fs transparent solid 0.5 title 'model ± 2 sd', \\\n     ",
                LIGHT[0]);
    for (size_t j = 0; j < ncomp; j++)
        dl_str_printf(s, "$fit using 1:%zu with lines dt 2 lw 1 lc rgb '%s' %s, \\\n     ",
                (size_t)col + j, COLOR[2 + j % 4],
                j == 0 ? "title 'basis functions, weighted: w_j φ_j(x)'" : "notitle");
    if (d->y)
        dl_str_printf(s, "$points using 1:2 with points pt 7 ps 0.9 lc rgb '%s' title 'data', "
                   "\\\n     ", COLOR[1]);
    dl_str_printf(s, "$fit using 1:2 with lines lw 2.5 lc rgb '%s' title 'model'\n", COLOR[0]);
}

int pl_fit_script(const char *model_path, const char *data_path, const pl_opts *o,
                  dl_str *s, dl_str *note, dl_err *e)
{
    pl_data d;
    dl_tensor grid = {0}, yhat = {0}, ystd = {0};
    double *comps = NULL;
    size_t ncomp = 0, g = o->grid ? o->grid : 400;
    mdl_model *m = NULL;
    const char *label = dl_err_label(model_path);
    data_init(&d);
    /* the model first: its errors before a whole DATA stream is read */
    int rc = mdl_load(&m, model_path, e) || load_data(&d, m, data_path, 1, o->inputs, 0, e)
                 ? e->code : 0;
    rc = rc ? rc : grid_held(&d, g, &grid, e);
    size_t width = rc ? 0 : (size_t)d.x->shape[1], c = d.drawn[0];
    if (rc == 0) {
        double lo, hi, *gx = grid.data;
        range_of((const double *)d.x->data + c, (size_t)d.x->shape[0], width, &lo, &hi);
        for (size_t i = 0; i < g; i++)
            gx[i * width + c] = lo + (hi - lo) * (double)i / (double)(g > 1 ? g - 1 : 1);
    }
    rc = rc ? rc : predict_grid(m, label, &grid, &d.x_columns.cols, 0, &yhat, &ystd, e);
    if (rc == 0 && o->basis)
        rc = basis_components(m, label, &grid, &comps, &ncomp, e);
    if (rc == 0) {
        write_fit(s, o, &d, &grid, &yhat, &ystd, comps, ncomp);
        note_left_out(&d, note);
    }
    free(comps);
    dl_tensor_free(&grid);
    dl_tensor_free(&yhat);
    dl_tensor_free(&ystd);
    data_free(&d);
    mdl_free(m);
    return rc;
}

/* =============================== regions ============================== */

/* The class of each row: argmax of several outputs or columns, or one value
 * (an integer label; for predictions, compared with the threshold). */
static int classes_of(const dl_tensor *t, int thresholded, double threshold, int *out,
                      const char *label, dl_err *e)
{
    size_t n = (size_t)t->shape[0], k = (size_t)t->shape[1];
    const double *v = t->data;
    for (size_t i = 0; i < n; i++) {
        if (k > 1) {
            size_t best = 0;
            for (size_t j = 1; j < k; j++)
                if (v[i * k + j] > v[i * k + best])
                    best = j;
            out[i] = (int)best;
        } else if (thresholded) {
            out[i] = v[i] >= threshold;
        } else if (v[i] != floor(v[i]) || v[i] < 0 || v[i] >= 1000) {
            return dl_fail(e, DL_EDATA, "%s: 'y' row %zu: %g is not a class label 0..999",
                           label, i + 1, v[i]);
        } else {
            out[i] = (int)v[i];
        }
    }
    return 0;
}

static void write_regions(dl_str *s, const pl_opts *o, const pl_data *d, const double *box,
                          size_t g, const int *grid_class, const int *point_class,
                          int nclasses)
{
    size_t width = (size_t)d->x->shape[1], c0 = d->drawn[0], c1 = d->drawn[1];
    char title[128];
    put_title(s, o, held_title(d, "Decision regions", title, sizeof title));
    dl_str_printf(s, "%s", COMMON);
    put_axis_labels(s, o, d->axis[0], d->axis[1]);
    dl_str_printf(s, "%s", "set key outside right top\nunset colorbox\n");
    put_range(s, 'x', box[0], box[1]);
    put_range(s, 'y', box[2], box[3]);
    dl_str_printf(s, "set cbrange [-0.5:%d.5]\nset palette maxcolors %d\nset palette defined (",
            nclasses - 1, nclasses);
    for (int c = 0; c < nclasses; c++)
        dl_str_printf(s, "%s%d '%s'", c ? ", " : "", c, LIGHT[c % NCOLORS]);
    dl_str_printf(s, "%s", ")\n$grid << EOD\n# x y class\n");
    put_held(s, d);
    for (size_t i = 0; i < g; i++) {
        for (size_t j = 0; j < g; j++)
            put_point(s, box[0] + (box[1] - box[0]) * (double)j / (double)(g - 1),
                      box[2] + (box[3] - box[2]) * (double)i / (double)(g - 1),
                      grid_class[i * g + j]);
        dl_str_printf(s, "%c", '\n');
    }
    dl_str_printf(s, "%s", "EOD\n$points << EOD\n# x y class\n");
    const double *x = d->x->data;
    for (size_t i = 0; i < (size_t)d->x->shape[0]; i++)
        put_point(s, x[i * width + c0], x[i * width + c1], point_class[i]);
    dl_str_printf(s, "%s", "EOD\nplot $grid using 1:2:3 with image notitle");
    for (int c = 0; c < nclasses; c++) {
        const char *name = d->y ? class_name(&d->y_names, &d->y_categories,
                                             (size_t)d->y->shape[1], c)
                                : NULL;
        char fallback[32];
        snprintf(fallback, sizeof fallback, "class %d", c);
        dl_str_printf(s, ", \\\n     $points using 1:($3 == %d ? $2 : NaN) with points pt %d ps 1.1 "
                         "lc rgb '%s' title ",
                      c, 5 + 2 * (c % 4), COLOR[c % NCOLORS]);
        put_quoted(s, name ? name : fallback);
    }
    dl_str_printf(s, "%c", '\n');
}

static int regions_predict(mdl_model *m, const char *label, const pl_data *d, const pl_opts *o,
                           const double *box, size_t g, int *grid_class, int *nclasses,
                           dl_err *e)
{
    dl_tensor grid = {0}, yhat = {0};
    int rc = grid_held(d, g * g, &grid, e);
    if (rc)
        return rc;
    size_t width = (size_t)d->x->shape[1], c0 = d->drawn[0], c1 = d->drawn[1];
    double *gx = grid.data;
    for (size_t i = 0; i < g; i++)
        for (size_t j = 0; j < g; j++) {
            gx[(i * g + j) * width + c0] =
                box[0] + (box[1] - box[0]) * (double)j / (double)(g - 1);
            gx[(i * g + j) * width + c1] =
                box[2] + (box[3] - box[2]) * (double)i / (double)(g - 1);
        }
    rc = predict_grid(m, label, &grid, &d->x_columns.cols, o->threshold_given, &yhat, NULL, e);
    rc = rc ? rc : classes_of(&yhat, 1, o->threshold, grid_class, label, e);
    if (rc == 0 && yhat.shape[1] > 1)
        *nclasses = (int)(yhat.shape[1] < 1000 ? yhat.shape[1] : 1000);
    dl_tensor_free(&grid);
    dl_tensor_free(&yhat);
    return rc;
}

int pl_regions_script(const char *model_path, const char *data_path, const pl_opts *o,
                      dl_str *s, dl_str *note, dl_err *e)
{
    pl_data d;
    size_t g = o->grid ? o->grid : 200;
    int *grid_class = NULL, *point_class = NULL, nclasses = 2;
    mdl_model *m = NULL;
    const char *label = dl_err_label(model_path);
    if (g < PL_GRID_MIN || g > PL_REGIONS_GRID_MAX) /* a usage error, before any input is read */
        return dl_fail(e, DL_EUSAGE, "--grid: %zu points per axis, expected %d..%d", g,
                       PL_GRID_MIN, PL_REGIONS_GRID_MAX);
    data_init(&d);
    /* the model first: its errors before a whole DATA stream is read */
    int rc = mdl_load(&m, model_path, e) || load_data(&d, m, data_path, 2, o->inputs, 1, e)
                 ? e->code : 0;
    size_t n = rc ? 0 : (size_t)d.x->shape[0];
    if (rc == 0) {
        rc = dl_mem_array(&grid_class, g * g, sizeof *grid_class, "regions", e) ||
                     dl_mem_array(&point_class, n, sizeof *point_class, "regions", e) ? e->code : 0;
    }
    double box[4];
    if (rc == 0) {
        size_t width = (size_t)d.x->shape[1];
        range_of((const double *)d.x->data + d.drawn[0], n, width, &box[0], &box[1]);
        range_of((const double *)d.x->data + d.drawn[1], n, width, &box[2], &box[3]);
        rc = regions_predict(m, label, &d, o, box, g, grid_class, &nclasses, e);
    }
    if (rc == 0 && d.y)
        rc = classes_of(d.y, 0, 0, point_class, d.label, e);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if (point_class[i] >= nclasses)
            nclasses = point_class[i] + 1;
    if (rc == 0) {
        write_regions(s, o, &d, box, g, grid_class, point_class, nclasses);
        note_left_out(&d, note);
    }
    free(grid_class);
    free(point_class);
    data_free(&d);
    mdl_free(m);
    return rc;
}

/* ============================ predictions ============================= */

/* A prediction stream with what it says of y's and yhat's columns. */
typedef struct pl_pred {
    mio_pair pair;
    mio_labels y, yhat;
} pl_pred;

static void pred_free(pl_pred *p)
{
    mio_pair_free(&p->pair);
    mio_labels_free(&p->y);
    mio_labels_free(&p->yhat);
}

/* One prediction stream, its matrices checked as dl-eval checks them. */
static int read_predictions(const char *path, const pl_opts *o, pl_pred *p, mt_data *md,
                            dl_err *e)
{
    mio_labels_init(&p->y);
    mio_labels_init(&p->yhat);
    if (mio_read_pair(path, o->truth, &p->pair, e))
        return e->code;
    *md = mio_pair_data(&p->pair);
    if (mt_check_data(md, e))
        return dl_err_wrap(e, "%s", mio_pair_blame(&p->pair, e->msg));
    return mio_pair_labels(&p->pair, 0, &p->y, e) || mio_pair_labels(&p->pair, 1, &p->yhat, e)
               ? e->code
               : 0;
}

/* The 0/1 truth of score column j: y itself beside one score column, y's
 * column j beside as many (one-hot or multilabel), else y == j for class
 * labels 0..K-1. */
static int positives_of(const mio_pair *p, const mt_data *md, size_t j, double *pos,
                        dl_err *e)
{
    if (md->ky != md->kyhat && md->ky != 1)
        return dl_fail(e, DL_EDATA, "%s: 'y' has %zu columns but 'yhat' has %zu", p->y_label,
                       md->ky, md->kyhat);
    for (size_t i = 0; i < md->n; i++) {
        double v = md->ky == 1 ? md->y[i] : md->y[i * md->ky + j];
        if (md->ky == md->kyhat && v != 0 && v != 1)
            return dl_fail(e, DL_EDATA,
                           "%s: 'y' row %zu: %.17g is not a 0/1 label (a curve needs a "
                           "score per class)",
                           p->y_label, i + 1, v);
        if (md->ky != md->kyhat && (v != floor(v) || v < 0 || v >= (double)md->kyhat))
            return dl_fail(e, DL_EDATA, "%s: 'y' row %zu: %.17g is not a class label 0..%zu",
                           p->y_label, i + 1, v, md->kyhat - 1);
        pos[i] = md->ky == md->kyhat ? v : v == (double)j;
    }
    return 0;
}

/* The name of class c in a prediction stream: from y's records, else
 * yhat's; NULL when neither names it. */
static const char *pair_class_name(const pl_pred *p, const mt_data *md, long long c)
{
    const char *name = class_name(&p->y.outputs, &p->y.classes, md->ky, c);
    return name ? name : class_name(&p->yhat.outputs, &p->yhat.classes, md->kyhat, c);
}

/* The name of output j of a regression: y's column name, else yhat's. */
static const char *pair_output_name(const pl_pred *p, size_t j)
{
    const char *name = cm_names_at(&p->y.outputs, j);
    return name ? name : cm_names_at(&p->yhat.outputs, j);
}

typedef int (*curve_fn)(const double *y, size_t ystride, const double *score, size_t sstride,
                        const double *w, size_t n, mt_curve *c, dl_err *e);

/* The curves of one stream, a datablock $curveN each, and their plot
 * clauses (legend: the stream, the class when there are several, the area)
 * in *plot; *count curves so far. */
static int stream_curves(const char *path, const pl_opts *o, curve_fn fn, const char *area,
                         int several, dl_str *s, dl_str *plot, size_t *count, dl_err *e)
{
    pl_pred p;
    mt_data md;
    int rc = read_predictions(path, o, &p, &md, e);
    double *pos = NULL;
    rc = rc || dl_mem_array(&pos, md.n, sizeof *pos, "plot", e) ? e->code : 0;
    for (size_t j = 0; rc == 0 && j < md.kyhat; j++) {
        mt_curve c;
        rc = positives_of(&p.pair, &md, j, pos, e);
        if (rc == 0 && (rc = fn(pos, 1, md.yhat + j, md.kyhat, md.w, md.n, &c, e)) != 0) {
            if (md.kyhat > 1)
                dl_err_wrap(e, "class %zu", j);
            dl_err_wrap(e, "%s", p.pair.y_label);
        }
        if (rc)
            break;
        dl_str_printf(s, "$curve%zu << EOD\n# %s %s threshold\n# %s %.17g\n", *count,
                      fn == mt_roc_curve ? "fpr" : "recall",
                      fn == mt_roc_curve ? "tpr" : "precision", area, c.area);
        for (size_t i = 0; i < c.count; i++) {
            put_value(s, c.x[i]);
            dl_str_printf(s, " ");
            put_value(s, c.y[i]);
            dl_str_printf(s, " ");
            put_value(s, c.threshold[i]);
            dl_str_printf(s, "\n");
        }
        dl_str_printf(s, "EOD\n");
        dl_str legend = {0};
        if (several)
            dl_str_printf(&legend, "%s%s", p.pair.yhat_label, md.kyhat > 1 ? ": " : " ");
        const char *cname = md.kyhat > 1 ? pair_class_name(&p, &md, (long long)j) : NULL;
        if (cname)
            dl_str_printf(&legend, "%s ", cname);
        else if (md.kyhat > 1)
            dl_str_printf(&legend, "class %zu ", j);
        dl_str_printf(&legend, several || md.kyhat > 1 ? "(%s = %.4f)" : "%s = %.4f", area,
                      c.area);
        dl_str_printf(plot, ", \\\n     $curve%zu using 1:2 with %s lw 2 lc rgb '%s' dt %zu title ",
                      *count, fn == mt_roc_curve ? "lines" : "steps", COLOR[*count % NCOLORS],
                      1 + *count / NCOLORS % 5);
        put_quoted_str(plot, &legend);
        ++*count;
        mt_curve_free(&c);
    }
    free(pos);
    pred_free(&p);
    return rc;
}

static int curves_script(const char *const *paths, size_t npaths, const pl_opts *o,
                         curve_fn fn, dl_str *s, dl_err *e)
{
    int roc = fn == mt_roc_curve;
    const char *none[] = {NULL};
    if (npaths == 0) {
        paths = none;
        npaths = 1;
    }
    dl_str plot = {0};
    size_t count = 0;
    int rc = 0;
    for (size_t f = 0; f < npaths && rc == 0; f++)
        rc = stream_curves(paths[f], o, fn, roc ? "AUC" : "AP", npaths > 1, s, &plot, &count,
                           e);
    if (rc == 0) {
        put_title(s, o, roc ? "ROC curve" : "Precision-recall curve");
        dl_str_printf(s, "%s", COMMON);
        put_axis_labels(s, o, roc ? "false positive rate" : "recall",
                        roc ? "true positive rate" : "precision");
        dl_str_printf(s, "set xrange [0:1]\nset yrange [0:1.02]\nset size ratio -1\n"
                         "set key %s\nplot %s%s\n",
                      roc ? "bottom right" : "bottom left",
                      roc ? "x with lines dt 2 lc rgb '#999999' title 'chance'"
                          : "NaN notitle",
                      dl_str_text(&plot));
        if (plot.failed)
            s->failed = 1;
    }
    dl_str_free(&plot);
    return rc;
}

int pl_roc_script(const char *const *paths, size_t npaths, const pl_opts *o, dl_str *s,
                  dl_err *e)
{
    return curves_script(paths, npaths, o, mt_roc_curve, s, e);
}

int pl_pr_script(const char *const *paths, size_t npaths, const pl_opts *o, dl_str *s,
                 dl_err *e)
{
    return curves_script(paths, npaths, o, mt_pr_curve, s, e);
}

/* ============================== confusion ============================= */

static const char *const NORM_TEXT[] = {"over true classes", "over predicted classes",
                                        "over all", ""};

/* Fraction of cell (t, p) of the k x k counts as o->normalize says;
 * 0 for an empty row or column, as sklearn. */
static double cell_fraction(const double *cm, size_t k, size_t t, size_t p, int normalize)
{
    double total = 0;
    for (size_t i = 0; i < k; i++)
        for (size_t j = 0; j < k; j++)
            if ((normalize == PL_NORM_TRUE && i == t) || (normalize == PL_NORM_PRED && j == p) ||
                normalize == PL_NORM_ALL || normalize == PL_NORM_NONE)
                total += cm[i * k + j];
    if (normalize == PL_NORM_NONE) { /* colour by the largest count */
        total = 0;
        for (size_t i = 0; i < k * k; i++)
            total = fmax(total, cm[i]);
    }
    return total > 0 ? cm[t * k + p] / total : 0;
}

static void write_confusion(dl_str *s, const pl_opts *o, const mt_report *r,
                            const pl_pred *pair, const mt_data *md)
{
    size_t k = r->ncm;
    char title[128];
    snprintf(title, sizeof title, "Confusion matrix%s%s",
             o->normalize == PL_NORM_NONE ? "" : ", fractions ", NORM_TEXT[o->normalize]);
    put_title(s, o, title);
    put_axis_labels(s, o, "predicted class", "true class");
    dl_str_printf(s, "set border lc rgb '#444444'\nunset key\nset size ratio -1\n"
                     "set xrange [-0.5:%zu.5]\nset yrange [%zu.5:-0.5]\nset cbrange [0:1]\n"
                     "set palette defined (0 '#FFFFFF', 1 '%s')\nset tics scale 0\n",
                  k - 1, k - 1, COLOR[0]);
    for (int axis = 0; axis < 2; axis++) {
        dl_str_printf(s, "set %stics (", axis ? "y" : "x");
        for (size_t c = 0; c < k; c++) {
            char number[32];
            snprintf(number, sizeof number, "%lld", (long long)r->cm_labels[c]);
            const char *name = pair_class_name(pair, md, (long long)r->cm_labels[c]);
            dl_str_printf(s, "%s", c ? ", " : "");
            put_quoted(s, name ? name : number);
            dl_str_printf(s, " %zu", c);
        }
        dl_str_printf(s, ")\n");
    }
    dl_str_printf(s, "$cm << EOD\n# true predicted count fraction\n");
    for (size_t t = 0; t < k; t++)
        for (size_t p = 0; p < k; p++) {
            dl_str_printf(s, "%zu %zu ", t, p);
            put_value(s, r->cm[t * k + p]);
            dl_str_printf(s, " ");
            put_value(s, cell_fraction(r->cm, k, t, p, o->normalize));
            dl_str_printf(s, "\n");
        }
    /* boxes, not "with image": gnuplot draws no image of fewer than 2 x 2
     * points, which would leave the one cell of a single class blank.  A
     * count is written whole, as dl-eval's table does (%g made 1000546 read
     * 1.00055e+06), sums of weights to six digits.  From 2^53 every double
     * is whole, and gnuplot's floor(), an integer, gives NaN beyond 2^63:
     * its || does not evaluate floor there. */
    static const char count[] = "($3 >= 2**53 || $3 == floor($3) ? sprintf('%.0f', $3) : "
                                "sprintf('%g', $3))";
    dl_str_printf(s, "EOD\nplot $cm using 2:1:(0.5):(0.5):4 with boxxyerror fs solid 1.0 "
                     "noborder fc palette, \\\n     $cm using 2:1:(%s%s):"
                     "($4 > 0.55 ? 0xFFFFFF : 0x000000) with labels tc rgb variable\n",
                  count, o->normalize == PL_NORM_NONE ? "" : ".\"\\n\".sprintf('%.2f', $4)");
}

int pl_confusion_script(const char *path, const pl_opts *o, dl_str *s, dl_err *e)
{
    pl_pred p;
    mt_data md;
    mt_report r;
    mt_report_init(&r);
    int rc = read_predictions(path, o, &p, &md, e);
    int task = MT_AUTO;
    if (rc == 0 && o->threshold_given && (rc = mt_infer_task(&md, &task, e)) != 0)
        dl_err_wrap(e, "%s", mio_pair_blame(&p.pair, e->msg));
    /* classes by the largest score or by label: no threshold decides them */
    if (rc == 0 && task == MT_MULTICLASS)
        rc = dl_fail(e, DL_EUSAGE, "%s: --threshold goes with one score column (a binary "
                     "task): the task is multiclass", p.pair.yhat_label);
    if (rc == 0) {
        mt_opts mt;
        mt_opts_defaults(&mt);
        mt.threshold = o->threshold;
        mt.task = task; /* inferred above with --threshold: not again */
        rc = mt_evaluate(&md, &mt, &r, e);
        if (rc)
            dl_err_wrap(e, "%s", mio_pair_blame(&p.pair, e->msg));
    }
    if (rc == 0 && (r.ncm == 0 || r.ncm > 100))
        rc = dl_fail(e, DL_EDATA, "%s: %s", p.pair.yhat_label,
                     r.ncm ? "more than 100 classes: too many for a figure"
                           : "not class labels or scores: 'y' and 'yhat' look like a "
                             "regression or a multilabel task");
    if (rc == 0)
        write_confusion(s, o, &r, &p, &md);
    mt_report_free(&r);
    pred_free(&p);
    return rc;
}

/* ========================== parity, residuals ========================= */

/* R^2 of the regression (sklearn's r2_score, outputs averaged), and per
 * output when there are several. */
static int regression_r2(const mio_pair *p, const mt_data *md, mt_report *r, dl_err *e)
{
    int task = MT_AUTO;
    if (md->ky == 1 && md->kyhat > 1 && !mt_infer_task(md, &task, e) && task == MT_MULTICLASS)
        return dl_fail(e, DL_EDATA, "%s: 'yhat' holds %zu class scores a row: parity and "
                       "residuals draw a regression's predictions, not a classifier's "
                       "(confusion, roc and pr draw these)", p->yhat_label, md->kyhat);
    dl_err_clear(e);
    mt_opts mt;
    mt_opts_defaults(&mt);
    mt.task = MT_REGRESSION;
    if (mt_evaluate(md, &mt, r, e))
        return dl_err_wrap(e, "%s", p->yhat_label);
    return 0;
}

/* R^2 `name` of the report; an undefined one (overflowed sums: inf / inf)
 * as nan, the sign the division leaves it dropped, never "-nan". */
static double report_r2(const mt_report *r, const char *name)
{
    return nt_unsigned_nan(mt_report_get(r, name, NULL));
}

static int regression_script(const char *path, const pl_opts *o, int parity, dl_str *s,
                             dl_err *e)
{
    pl_pred p;
    mt_data md;
    mt_report r;
    mt_report_init(&r);
    int rc = read_predictions(path, o, &p, &md, e);
    rc = rc ? rc : regression_r2(&p.pair, &md, &r, e);
    if (rc) {
        mt_report_free(&r);
        pred_free(&p);
        return rc;
    }
    size_t k = md.ky;
    /* parity's axes, equal, span y and yhat; residuals' x axis is yhat's
     * alone (an outlier of y is a residual, high on the y axis) */
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < md.n * k; i++) {
        lo = fmin(lo, parity ? fmin(md.y[i], md.yhat[i]) : md.yhat[i]);
        hi = fmax(hi, parity ? fmax(md.y[i], md.yhat[i]) : md.yhat[i]);
    }
    widen_range(&lo, &hi);
    double r2 = report_r2(&r, "r2");
    dl_str title = {0};
    dl_str_printf(&title, "%s (R² = %.4f)",
                  o->title ? o->title : parity ? "Predicted against actual" : "Residuals", r2);
    dl_str_printf(s, "# r2 %.17g\nset title ", r2);
    put_quoted_str(s, &title);
    dl_str_printf(s, "\n%s", COMMON);
    const char *axis_name = k == 1 ? pair_output_name(&p, 0) : NULL;
    dl_str xl = {0}, yl = {0};
    dl_str_printf(&xl, "%s %s", parity ? "actual" : "predicted",
                  axis_name ? axis_name : parity ? "y" : "yhat");
    if (parity)
        dl_str_printf(&yl, "predicted %s", axis_name ? axis_name : "yhat");
    else
        dl_str_printf(&yl, "residual %s", axis_name ? axis_name : "y - yhat");
    put_axis_labels(s, o, dl_str_text(&xl), dl_str_text(&yl));
    if (xl.failed || yl.failed)
        s->failed = 1;
    dl_str_free(&xl);
    dl_str_free(&yl);
    dl_str_printf(s, "set key top left\n");
    put_range(s, 'x', lo, hi);
    if (parity) {
        put_range(s, 'y', lo, hi);
        dl_str_printf(s, "set size ratio -1\n");
    }
    for (size_t j = 0; j < k; j++) {
        char name[32];
        snprintf(name, sizeof name, "r2[%zu]", j);
        double r2_j = k > 1 ? report_r2(&r, name) : r2;
        dl_str_printf(s, "$output%zu << EOD\n# %s\n# r2 %.17g\n", j,
                      parity ? "y yhat" : "yhat residual", r2_j);
        for (size_t i = 0; i < md.n; i++) {
            double y = md.y[i * k + j], yhat = md.yhat[i * k + j];
            put_value(s, parity ? y : yhat);
            dl_str_printf(s, " ");
            put_value(s, parity ? yhat : y - yhat);
            dl_str_printf(s, "\n");
        }
        dl_str_printf(s, "EOD\n");
    }
    dl_str_printf(s, "plot %s", parity ? "x with lines dt 2 lc rgb '#777777' title 'yhat = y'"
                                       : "0 with lines dt 2 lc rgb '#777777' title 'zero'");
    for (size_t j = 0; j < k; j++) {
        char name[32];
        snprintf(name, sizeof name, "r2[%zu]", j);
        const char *output = pair_output_name(&p, j);
        dl_str legend = {0};
        if (k > 1 && output)
            dl_str_printf(&legend, "%s (R² = %.4f)", output, report_r2(&r, name));
        else if (k > 1)
            dl_str_printf(&legend, "output %zu (R² = %.4f)", j, report_r2(&r, name));
        else
            dl_str_printf(&legend, "predictions");
        dl_str_printf(s, ", \\\n     $output%zu using 1:2 with points pt 7 ps 0.7 lc rgb '%s' "
                         "title ",
                      j, COLOR[j % NCOLORS]);
        put_quoted_str(s, &legend);
    }
    dl_str_printf(s, "\n");
    mt_report_free(&r);
    pred_free(&p);
    return 0;
}

int pl_parity_script(const char *path, const pl_opts *o, dl_str *s, dl_err *e)
{
    return regression_script(path, o, 1, s, e);
}

int pl_residuals_script(const char *path, const pl_opts *o, dl_str *s, dl_err *e)
{
    return regression_script(path, o, 0, s, e);
}

/* ============================== rendering ============================= */

static const char *extension(const char *path)
{
    const char *dot = strrchr(path, '.'), *slash = strrchr(path, '/');
    return dot && (!slash || dot > slash) ? dot + 1 : "";
}

int pl_terminal_for(const char *output, const char **terminal, dl_err *e)
{
    if (dl_outfile_named(output, e))
        return e->code;
    const char *ext = extension(output);
    if (strcasecmp(ext, "png") == 0)
        *terminal = "pngcairo";
    else if (strcasecmp(ext, "svg") == 0)
        *terminal = "svg";
    else
        return dl_fail(e, DL_EUSAGE, "-o %s: the name must end in .png or .svg", output);
    return 0;
}

int pl_write_preamble(dl_str *s, const char *output, const char *image_path,
                      const pl_opts *o, dl_err *e)
{
    const char *term;
    if (pl_terminal_for(output, &term, e))
        return e->code;
    dl_str_printf(s, "set terminal %s size %d,%d noenhanced font 'sans,%d'%s\nset output", term,
            o->width, o->height, strcmp(term, "svg") == 0 ? 11 : 10,
            strcmp(term, "svg") == 0 ? " dynamic background rgb 'white'"
                                     : " background rgb 'white'");
    if (image_path) {
        dl_str_printf(s, "%c", ' ');
        put_quoted_bytes(s, image_path, 1);
    }
    dl_str_printf(s, "%c", '\n');
    return 0;
}

/* Starts gnuplot with its standard input and output on pipes: *script_fd
 * takes the script, *image_fd gives the image.  The child is the signal
 * handler's to kill (sig_hold_child) from before a signal can act. */
static int spawn_gnuplot(pid_t *pid, int *script_fd, int *image_fd, dl_err *e)
{
    int in[2], out[2];
    if (pipe(in) != 0)
        return dl_fail_errno(e, "gnuplot: cannot make a pipe");
    if (pipe(out) != 0) {
        int rc = dl_fail_errno(e, "gnuplot: cannot make a pipe");
        close(in[0]);
        close(in[1]);
        return rc;
    }
    posix_spawn_file_actions_t fa;
    /* each action is stored in memory the call allocates: one that fails
     * would leave gnuplot reading the tool's own standard input */
    int err = posix_spawn_file_actions_init(&fa);
    if (err == 0) {
        /* -d: the user's ~/.gnuplot and the system's gnuplotrc are not read,
         * so that a setting of theirs cannot change what the script draws */
        char *argv[] = {"gnuplot", "-d", NULL};
        err = posix_spawn_file_actions_adddup2(&fa, in[0], STDIN_FILENO);
        if (!err)
            err = posix_spawn_file_actions_adddup2(&fa, out[1], STDOUT_FILENO);
        for (int i = 0; i < 2 && !err; i++)
            if (!(err = posix_spawn_file_actions_addclose(&fa, in[i])))
                err = posix_spawn_file_actions_addclose(&fa, out[i]);
        posix_spawnattr_t attr;
        if (!err && !(err = posix_spawnattr_init(&attr))) {
            sigset_t old;
            sig_block(&old);
            posix_spawnattr_setsigmask(&attr, &old);
            posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK);
            err = posix_spawnp(pid, "gnuplot", &fa, &attr, argv, environ);
            if (err == 0)
                sig_hold_child(*pid);
            sig_unblock(&old);
            posix_spawnattr_destroy(&attr);
        }
        posix_spawn_file_actions_destroy(&fa);
    }
    close(in[0]);
    close(out[1]);
    if (err != 0) {
        close(in[1]);
        close(out[0]);
        if (err == ENOENT)
            return dl_fail(e, DL_EIO, "gnuplot is not installed (on Debian/Ubuntu: "
                                      "apt-get install gnuplot-nox)");
        errno = err;
        return dl_fail_errno(e, "cannot run gnuplot");
    }
    *script_fd = in[1];
    *image_fd = out[0];
    return 0;
}

/* What is left to send gnuplot: the preamble, then the script. */
typedef struct gp_feed {
    const char *part[2];
    size_t left[2];
    int fd; /* -1 once all is sent, or gnuplot stopped reading */
} gp_feed;

/* Sends what the pipe takes now; closes it when all is sent.  A gnuplot
 * that dies early closes the pipe: the write fails (EPIPE, SIGPIPE ignored
 * by the tool) and its exit status tells why. */
static void feed_some(gp_feed *f)
{
    int p = f->left[0] ? 0 : 1;
    ssize_t w = f->left[p] ? write(f->fd, f->part[p], f->left[p]) : 0;
    if (w > 0) {
        f->part[p] += w;
        f->left[p] -= (size_t)w;
    }
    if ((w < 0 && errno != EINTR && errno != EAGAIN) || (!f->left[0] && !f->left[1])) {
        close(f->fd);
        f->fd = -1;
    }
}

/* Feeds gnuplot its script while copying its standard output, the image,
 * into out: both at once, since gnuplot may write before it has read all
 * and a pipe holds only so much.  *bytes: the image's size.  After a failed
 * write of the image (the error), the rest is read and dropped, so that
 * gnuplot ends as it would have. */
static int feed_and_copy(gp_feed *f, int image_fd, const dl_outfile *out, size_t *bytes,
                         dl_err *e)
{
    char buf[1 << 16];
    int rc = 0;
    fcntl(f->fd, F_SETFL, fcntl(f->fd, F_GETFL) | O_NONBLOCK);
    for (;;) {
        struct pollfd pf[2] = {{.fd = image_fd, .events = POLLIN},
                               {.fd = f->fd, .events = POLLOUT}};
        if (poll(pf, f->fd >= 0 ? 2 : 1, -1) < 0) {
            if (errno == EINTR)
                continue;
            rc = rc ? rc : dl_fail_errno(e, "gnuplot: cannot wait for its output");
            break;
        }
        if (f->fd >= 0 && pf[1].revents)
            feed_some(f);
        if (!pf[0].revents)
            continue;
        ssize_t n = read(image_fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            rc = rc ? rc : dl_fail_errno(e, "gnuplot: cannot read its output");
        if (n <= 0)
            break;
        *bytes += (size_t)n;
        if (!rc)
            rc = dl_outfile_write(out, buf, (size_t)n, e);
    }
    if (f->fd >= 0)
        close(f->fd);
    close(image_fd);
    return rc;
}

/* Runs gnuplot on the preamble and script, its image copied into out, and
 * waits for it.  gnuplot's failure (its message is above ours) comes before
 * a failed write of the image. */
static int run_gnuplot(const char *preamble, size_t plen, const char *script, size_t len,
                       const dl_outfile *out, size_t *bytes, dl_err *e)
{
    pid_t pid;
    gp_feed f = {{preamble, script}, {plen, len}, -1};
    int image_fd = -1;
    if (spawn_gnuplot(&pid, &f.fd, &image_fd, e))
        return e->code;
    int rc = feed_and_copy(&f, image_fd, out, bytes, e);
    int status, waited;
    while ((waited = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
        ;
    sig_hold_child(0);
    if (waited < 0)
        return dl_fail_errno(e, "gnuplot: cannot wait");
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return dl_fail(e, DL_EIO, "gnuplot failed (%s %d); its message is above",
                       WIFEXITED(status) ? "exit status" : "signal",
                       WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
    return rc;
}

int pl_render(const char *script, size_t len, const char *output, const pl_opts *o,
              dl_err *e)
{
    /* gnuplot is given no file name: it writes the image on its standard
     * output, which goes into output by the one rule of lib/outfile */
    dl_str ps = {0};
    char *pre = NULL;
    size_t plen = 0;
    int rc = pl_write_preamble(&ps, output, NULL, o, e);
    rc = rc ? (dl_str_free(&ps), rc) : dl_str_take(&ps, &pre, &plen, e);
    const char *term = NULL;
    dl_outfile file;
    if (rc || pl_terminal_for(output, &term, e) || dl_outfile_open(&file, output, e)) {
        free(pre);
        return e->code;
    }
    if (strcmp(term, "svg") != 0 && /* a link to /dev/tty, written in place */
        dl_tty_refuse_output(file.fd, output, "a PNG image",
                             "name a file (an .svg image is text)", e)) {
        dl_outfile_close(&file, 0, NULL);
        free(pre);
        return e->code;
    }
    size_t bytes = 0;
    rc = run_gnuplot(pre, plen, script, len, &file, &bytes, e);
    if (rc == 0 && bytes == 0)
        rc = dl_fail(e, DL_EIO, "gnuplot wrote no image");
    int closed = dl_outfile_close(&file, rc == 0, e);
    free(pre);
    return rc ? rc : closed;
}

/* ------------------------------ a figure ------------------------------ */

static const char *const STREAM_COMMANDS[] = {"confusion", "parity", "residuals", NULL};

static int is_one_of(const char *command, const char *const *names)
{
    for (; *names; names++)
        if (strcmp(command, *names) == 0)
            return 1;
    return 0;
}

int pl_command_inputs(const char *command, int *min, int *max)
{
    static const char *const models[] = {"fit", "regions", NULL},
                             *const curves[] = {"roc", "pr", NULL};
    if (strcmp(command, "curves") == 0)
        *min = 1, *max = PL_MAX_INPUTS;
    else if (strcmp(command, "layers") == 0)
        *min = *max = 1;
    else if (is_one_of(command, models))
        *min = 1, *max = 2;
    else if (is_one_of(command, curves))
        *min = 0, *max = PL_MAX_INPUTS;
    else if (is_one_of(command, STREAM_COMMANDS))
        *min = 0, *max = 1;
    else
        return -1;
    return 0;
}

/* curves and layers: every table read (none given: standard input), and
 * checked as the figure reads it, before a line of the script is kept. */
static int tables_script(const char *command, const char *const *paths, size_t npaths,
                         const pl_opts *o, dl_str *s, dl_str *note, dl_err *e)
{
    const char *none[] = {NULL};
    if (npaths == 0) {
        paths = none;
        npaths = 1;
    }
    tsv_table *t;
    if (dl_mem_array(&t, npaths, sizeof *t, "plot", e))
        return e->code;
    size_t nread = 0;
    int rc = 0;
    while (rc == 0 && nread < npaths)
        if ((rc = tsv_read(&t[nread], paths[nread], e)) == 0)
            nread++;
    if (rc == 0)
        rc = strcmp(command, "curves") == 0 ? pl_curves_script(t, npaths, o, s, note, e)
                                            : pl_layers_script(&t[0], o, s, note, e);
    for (size_t i = 0; i < nread; i++)
        tsv_free(&t[i]);
    free(t);
    return rc;
}

static int build_script(const char *command, const char *const *inputs, size_t ninputs,
                        const pl_opts *o, dl_str *s, dl_str *note, dl_err *e)
{
    const char *first = ninputs ? inputs[0] : NULL, *second = ninputs > 1 ? inputs[1] : NULL;
    if (strcmp(command, "fit") == 0)
        return pl_fit_script(first, second, o, s, note, e);
    if (strcmp(command, "regions") == 0)
        return pl_regions_script(first, second, o, s, note, e);
    if (strcmp(command, "roc") == 0)
        return pl_roc_script(inputs, ninputs, o, s, e);
    if (strcmp(command, "pr") == 0)
        return pl_pr_script(inputs, ninputs, o, s, e);
    if (strcmp(command, "confusion") == 0)
        return pl_confusion_script(first, o, s, e);
    if (strcmp(command, "parity") == 0)
        return pl_parity_script(first, o, s, e);
    if (strcmp(command, "residuals") == 0)
        return pl_residuals_script(first, o, s, e);
    return tables_script(command, inputs, ninputs, o, s, note, e);
}

int pl_draw(const char *command, const char *const *inputs, size_t ninputs,
            const char *output, int script_only, const pl_opts *o, dl_err *e)
{
    dl_str s = {0}, n = {0};
    char *script = NULL, *note = NULL;
    size_t len = 0, note_len = 0;
    /* --script: the lines that choose the terminal first, as pl_render sends them;
     * else an image that cannot be made is refused before the inputs are read */
    int in_place;
    int rc = script_only ? pl_write_preamble(&s, output, output, o, e)
                         : dl_outfile_check(output, &in_place, e);
    rc = rc ? rc : build_script(command, inputs, ninputs, o, &s, &n, e);
    rc = rc ? (dl_str_free(&s), rc) : dl_str_take(&s, &script, &len, e);
    rc = rc ? (dl_str_free(&n), rc) : dl_str_take(&n, &note, &note_len, e);
    if (rc == 0 && script_only) {
        fwrite(script, 1, len, stdout);
        if (fflush(stdout) != 0 || ferror(stdout))
            rc = dl_fail_errno(e, "standard output: write failed");
    } else if (rc == 0) {
        rc = pl_render(script, len, output, o, e);
    }
    /* once the figure is made: a failed run says only what failed */
    if (rc == 0 && note_len && o->log)
        fprintf(o->log, "%s: %s\n", o->tool, note);
    free(script);
    free(note);
    return rc;
}
