#include "predict.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "buf.h"
#include "colmeta.h"
#include "filter.h"
#include "model.h"

/* The names of yhat's columns and, for --labels, the class names, taken
 * from the checkpoint's y.names and y.categories (colmeta.h). */
typedef struct out_meta {
    uint64_t cols;          /* of yhat */
    cm_categories classes;  /* parsed y.categories when --labels uses it */
    dl_tensor names, cats;  /* yhat.names, yhat.categories to write (or empty) */
} out_meta;

static void meta_free(out_meta *om)
{
    cm_categories_free(&om->classes);
    dl_tensor_free(&om->names);
    dl_tensor_free(&om->cats);
}

/* The name of the column of scores of class `level` of the target named
 * `yname`: "NAME=CLASS" (dl-stream(5)). */
static int class_column(const char *yname, const char *level, char **out, dl_err *e)
{
    size_t len = strlen(yname) + 1 + strlen(level);
    if (len > CM_COLNAME_MAX)
        return dl_fail(e, DL_EDATA, "the scores of class '%s' of the target '%s' cannot be named "
                       "TARGET=CLASS in 'yhat.names': %zu bytes, where a column name holds %d "
                       "(shorten the target's name or its class names and train again)",
                       level, yname, len, CM_COLNAME_MAX);
    dl_str b = {0};
    dl_str_printf(&b, "%s=%s", yname, level);
    return dl_str_take(&b, out, &len, e);
}

/* The name of y's one column when the checkpoint keeps no y.names (its
 * data had no header): as dl-tensor export --header calls it. */
#define UNNAMED_TARGET "y0"

/* The width of yhat, of the model's class labels with `labels`: asked of
 * the model on no rows (DL_EUSAGE when it has no labels). */
static int output_width(const mdl_model *m, int labels, double threshold, uint64_t *cols,
                        dl_err *e)
{
    dl_tensor no_rows;
    memset(&no_rows, 0, sizeof no_rows);
    no_rows.dtype = DL_F32;
    no_rows.rank = 2;
    no_rows.shape[1] = mdl_output_dim(m);
    if (labels && mdl_labels(m, &no_rows, threshold, e))
        return e->code;
    *cols = no_rows.shape[1];
    return 0;
}

/* y's width: the lines of the checkpoint's y.names; without them, the
 * width of the model's class labels (a softmax's one column of classes),
 * or of its outputs when it has none. */
static uint64_t target_width(const mdl_model *m, const dl_tensor *names)
{
    uint64_t cols = 0; /* a name a line (checked by the parse) */
    for (uint64_t i = 0; names && names->dtype == DL_U8 && names->rank == 1 &&
                         i < names->shape[0]; i++)
        cols += ((const char *)names->data)[i] == '\n';
    dl_err not_a_classifier;
    if (!names && output_width(m, 1, 0.5, &cols, &not_a_classifier))
        cols = mdl_output_dim(m);
    return cols;
}

/* yhat's columns named as y's when they match one for one; scores of the
 * classes of one string target are "NAME=CLASS", a column each, or one
 * column of the second of two classes (whose code, 1, the model scores).
 * Those scores are named even when the checkpoint keeps no y.names
 * (NAME is then UNNAMED_TARGET): dl-eval matches them to y's classes by
 * these names, and refuses scores without them, so a checkpoint whose
 * classes are not one a column is refused. */
static int yhat_names(const mdl_model *m, out_meta *om, int labels, dl_err *e)
{
    const dl_tensor *rec = mdl_target_names(m), *crec = mdl_target_categories(m);
    if (!rec && (!crec || labels))
        return 0;
    cm_names yn;
    cm_names_init(&yn);
    uint64_t ycols = target_width(m, rec);
    if (rec && cm_names_parse(&yn, rec, ycols, e))
        return dl_err_wrap(e, "checkpoint");
    const char *yname = rec ? yn.name[0] : UNNAMED_TARGET;
    cm_categories yc;
    cm_categories_init(&yc);
    int rc = crec ? cm_categories_parse(&yc, crec, ycols, e) : 0;
    const char **names = calloc((size_t)om->cols + 1, sizeof *names);
    char **made = calloc((size_t)om->cols + 1, sizeof *made);
    if (!rc && (!names || !made))
        rc = dl_fail(e, DL_ENOMEM, "out of memory");
    int have = 0;
    const cm_column *k = rc ? NULL : cm_categories_column(&yc, 0);
    int scores = !labels && ycols == 1 && k;
    if (scores && om->cols == 1 && k->count == 2) {
        rc = class_column(yname, k->level[1], &made[0], e);
        names[0] = made[0];
        have = 1;
    } else if (!rc && rec && ycols == om->cols) {
        for (uint64_t j = 0; j < om->cols; j++)
            names[j] = yn.name[j];
        have = 1;
    } else if (scores && k->count == om->cols) {
        for (uint64_t j = 0; j < om->cols && !rc; j++) {
            rc = class_column(yname, k->level[j], &made[j], e);
            names[j] = made[j];
        }
        have = 1;
    } else if (scores && om->cols > 1) {
        /* scores without their names, which dl-eval would refuse */
        rc = dl_fail(e, DL_EDATA, "the model scores %llu classes but 'y.categories' names %llu: "
                     "their scores cannot be named TARGET=CLASS in 'yhat.names'",
                     (unsigned long long)om->cols, (unsigned long long)k->count);
    }
    if (!rc && have)
        rc = cm_names_make(names, om->cols, "yhat.names", &om->names, e);
    for (uint64_t j = 0; made && j < om->cols; j++)
        free(made[j]);
    free(made);
    free(names);
    cm_categories_free(&yc);
    cm_names_free(&yn);
    return rc ? dl_err_wrap(e, "checkpoint") : 0;
}

/* --labels of a string target: the class codes with the class names of
 * y.categories as yhat.categories. */
static int yhat_classes(const mdl_model *m, out_meta *om, dl_err *e)
{
    const dl_tensor *crec = mdl_target_categories(m);
    if (!crec)
        return 0;
    if (cm_categories_parse(&om->classes, crec, om->cols, e))
        return dl_err_wrap(e, "checkpoint: --labels gives %llu column%s of classes",
                           (unsigned long long)om->cols, dl_plural(om->cols));
    dl_tensor copy;
    if (dl_tensor_copy(&copy, crec, e))
        return e->code;
    dl_tensor_free(&om->cats);
    om->cats = copy;
    return dl_tensor_rename(&om->cats, "yhat.categories", e);
}

/* A label with no class name: the checkpoint's classes and its outputs
 * disagree.  yhat's rows are x's from row `first` (0-based) of its first
 * chunk, as messages count them. */
static int check_classes(const out_meta *om, const dl_tensor *yhat, uint64_t first, dl_err *e)
{
    if (!om->classes.count)
        return 0;
    const float *v = yhat->data;
    for (uint64_t i = 0; i < yhat->shape[0]; i++)
        for (size_t k = 0; k < om->classes.count; k++) {
            const cm_column *c = &om->classes.column[k];
            float code = v[i * om->cols + c->col];
            if (!cm_column_level(c, code))
                return dl_fail(e, DL_EDATA, "row %llu: class %g has no name among the %llu of "
                               "the checkpoint's 'y.categories'",
                               (unsigned long long)(first + i + 1), (double)code,
                               (unsigned long long)c->count);
        }
    return 0;
}

/* A chunk of x, whole or in pieces (st_ahead_start's piece_rows): the
 * predictions of the passes its pieces complete (mdl_passes) gathered in
 * order, and written once the last piece has come without an error, the
 * chunk's sum checked.  So nothing of a damaged chunk goes out, and a piece
 * that fails is reported only then: a checksum mismatch is named as such,
 * not by what it did to a row.  The rows of a pass the chunk leaves
 * incomplete go out with the chunk that completes it, or at the end. */
typedef struct gathered {
    mdl_passes *passes;
    dl_tensor yhat, ystd;
    int rc; /* of the first piece that failed */
    dl_err err;
    uint64_t x_rows; /* x's rows in the chunks before: messages count rows from x's first */
    uint64_t predicted; /* rows of yhat made so far (written, or gathered) */
    int written; /* a yhat went out */
} gathered;

static void gathered_free(gathered *g)
{
    dl_tensor_free(&g->yhat);
    dl_tensor_free(&g->ystd);
    g->rc = 0;
}

/* part's rows after all's; the first part is taken as it is. */
static int append_rows(dl_tensor *all, dl_tensor *part, dl_err *e)
{
    if (all->data)
        return dl_tensor_append_rows(all, part, e);
    *all = *part;
    memset(part, 0, sizeof *part);
    return 0;
}

/* The predictions of rows from g->predicted on, as labels with --labels,
 * after those gathered. */
static int gather(mdl_model *m, const predict_opts *o, const out_meta *om, gathered *g,
                  dl_tensor *yhat, dl_tensor *ystd, dl_err *e)
{
    uint64_t first = g->predicted;
    g->predicted += yhat->shape[0];
    /* scores become labels at once: the chunk holds one column a row, not
     * one per class (10,000 classes) */
    if (o->labels && (mdl_labels(m, yhat, o->threshold, e) || check_classes(om, yhat, first, e)))
        return e->code;
    if (append_rows(&g->yhat, yhat, e) || append_rows(&g->ystd, ystd, e))
        return e->code == DL_ENOMEM
                   ? dl_err_wrap(e, "the predictions of a chunk are held until its checksum is "
                                 "checked (import x in chunks of fewer rows: dl-tensor import "
                                 "--chunk-rows N)")
                   : e->code;
    return 0;
}

/* The predictions gathered to the output (the last, with `always`, even of
 * no rows: x of no rows has a yhat of none); both are freed. */
static int write_gathered(st_writer *w, gathered *g, int want_std, int always, dl_err *e)
{
    int rc = 0;
    if (g->yhat.data && (g->yhat.shape[0] || (always && !g->written))) {
        rc = st_write(w, &g->yhat, e) || (want_std && st_write(w, &g->ystd, e)) ? e->code : 0;
        g->written = 1;
    }
    gathered_free(g);
    return rc;
}

static int predict_piece(mdl_model *m, st_reader *r, const st_header *h, const st_piece *p,
                         st_writer *w, const dl_tensor *x, int want_std, const predict_opts *o,
                         const out_meta *om, gathered *g, dl_err *e)
{
    if (p->first == 0)
        gathered_free(g);
    if (!g->rc) {
        dl_tensor yhat, ystd;
        memset(&ystd, 0, sizeof ystd);
        g->rc = mdl_passes_add(g->passes, x, g->x_rows + p->first, &yhat,
                               want_std ? &ystd : NULL, &g->err) ||
                        gather(m, o, om, g, &yhat, &ystd, &g->err)
                    ? g->err.code
                    : 0;
        dl_tensor_free(&yhat); /* what was not taken */
        dl_tensor_free(&ystd);
    }
    if (!p->last)
        return 0;
    g->x_rows += h->rank == 0 ? 1 : h->shape[0];
    if (g->rc) {
        *e = g->err;
        gathered_free(g);
        return flt_record_error(r, h, e);
    }
    return write_gathered(w, g, want_std, 0, e);
}

/* At the end of the input, the rows of x that no pass completed: named as
 * the last chunk of x, whose rows they are. */
static int predict_rest(mdl_model *m, st_reader *r, const st_header *last_x, st_writer *w,
                        int want_std, const predict_opts *o, const out_meta *om, gathered *g,
                        dl_err *e)
{
    dl_tensor yhat, ystd;
    memset(&ystd, 0, sizeof ystd);
    int rc = mdl_passes_finish(g->passes, &yhat, want_std ? &ystd : NULL, e) ||
             gather(m, o, om, g, &yhat, &ystd, e) ? flt_record_error(r, last_x, e) : 0;
    dl_tensor_free(&yhat);
    dl_tensor_free(&ystd);
    return rc ? rc : write_gathered(w, g, want_std, 1, e);
}

/* Input that already went through the checkpoint's own design is accepted. */
static int input_design(mdl_model *m, st_reader *r, const st_header *h, dl_err *e)
{
    dl_tensor rec;
    if (st_read_payload(r, h, &rec, e))
        return e->code;
    int rc = mdl_accept_design(m, &rec, e);
    dl_tensor_free(&rec);
    return rc ? flt_record_error(r, h, e) : 0;
}

/* x.names and x.categories are kept for the design, and do not pass
 * through: they describe x, which is not copied, and a stale copy would
 * clash with another file's (its own codes) in the predictions of both. */
static int input_columns(pp_meta *meta, st_reader *r, const st_header *h, int seen_x,
                         dl_err *e)
{
    dl_tensor t;
    if (st_read_payload(r, h, &t, e))
        return e->code;
    int rc = pp_meta_take(meta, &t, seen_x, e) ? e->code : 0;
    dl_tensor_free(&t);
    return rc ? flt_record_error(r, h, e) : 0;
}

/* The input's y passes through with the checkpoint's class codes: each
 * file codes its own string classes (y.categories), so y's codes are
 * mapped by name to the checkpoint's, and its y.categories goes out as the
 * checkpoint's; where both are the same, y's codes go out as they are,
 * checked as the mapping checks them.  y.names pass through as they are. */
typedef struct targets {
    pp_meta meta;   /* the input's y.names and y.categories (parsed at the first y when
                       they are the checkpoint's: meta.cats.count) */
    pp_prep *map;   /* its codes to the checkpoint's (made at the first y); NULL: none needed */
    int seen_y;
    uint64_t y_rows; /* y's rows in the chunks before: messages count from y's first */
} targets;

/* y.names and y.categories: the input's checked as every record passed on
 * (pass), then written, y.categories as the checkpoint's when it has them. */
static int input_target_meta(const mdl_model *m, targets *tg, cm_passthrough *pass,
                             st_reader *r, const st_header *h, st_writer *w, dl_err *e)
{
    dl_tensor t;
    if (st_read_payload(r, h, &t, e))
        return e->code;
    const dl_tensor *out = &t, *ckpt = mdl_target_categories(m);
    int cats = strcmp(h->name, "y" CM_CATEGORIES_SUFFIX) == 0;
    if (cats && ckpt)
        out = ckpt;
    int rc = cm_passthrough_meta(pass, &t, e) || st_write(w, out, e) ||
                     pp_meta_take(&tg->meta, &t, tg->seen_y, e) ? e->code : 0;
    dl_tensor_free(&t);
    return rc ? flt_record_error(r, h, e) : 0;
}

/* Labels with no names beside a y of as many named columns as the
 * checkpoint's (a softmax's labels over one-hot targets): a label is a
 * column of the checkpoint's y, and dl-eval takes a one-hot row's class as
 * the column of its 1, with no name of yhat's to check that by; so y's
 * columns must be the checkpoint's, in the same order. */
static int labels_columns(const mdl_model *m, const out_meta *om, targets *tg, uint64_t cols,
                          dl_err *e)
{
    const dl_tensor *want = mdl_target_names(m);
    if (om->names.data || !want || !tg->meta.names_rec.data)
        return 0;
    cm_names have, ckpt;
    cm_names_init(&have);
    cm_names_init(&ckpt);
    int rc = cm_names_parse(&ckpt, want, target_width(m, want), e) ? dl_err_wrap(e, "checkpoint")
             : cm_names_parse(&have, &tg->meta.names_rec, cols, e) ? e->code : 0;
    if (!rc && ckpt.count == cols &&
        cm_names_agree((const char *const *)have.name, (const char *const *)ckpt.name, cols,
                       "checkpoint", e))
        rc = dl_err_wrap(e, "--labels of one-hot classes");
    cm_names_free(&have);
    cm_names_free(&ckpt);
    return rc;
}

/* String classes in both files are matched column by column: a y of
 * another width than the checkpoint's targets has no column to match. */
static int classes_width(const mdl_model *m, const targets *tg, uint64_t cols, dl_err *e)
{
    uint64_t want = target_width(m, mdl_target_names(m));
    if (!mdl_target_categories(m) || !tg->meta.cats_rec.data || cols == want)
        return 0;
    return dl_fail(e, DL_EDATA, "y has %llu column%s but the checkpoint's targets have %llu: its "
                   "string classes cannot be matched to the checkpoint's column by column",
                   (unsigned long long)cols, dl_plural((unsigned long long)cols),
                   (unsigned long long)want);
}

/* The input's y.categories are the checkpoint's, byte for byte: y's codes
 * need no mapping, but must still be codes of those classes. */
static int same_classes(const mdl_model *m, const targets *tg)
{
    return tg->meta.cats_rec.data && mdl_target_categories(m);
}

/* A chunk of y (f64) in the input's class codes: moved to the
 * checkpoint's, or, where those are the input's own, checked as they are;
 * either way a code that is no class is an error naming its row. */
static int target_codes(const targets *tg, dl_tensor *t, uint64_t first, dl_err *e)
{
    if (tg->map)
        return pp_recode(tg->map, t->data, (size_t)t->shape[0], first, e);
    return cm_check_codes(t, &tg->meta.cats, &tg->meta.names, first, e);
}

static int input_targets(const mdl_model *m, const predict_opts *o, const out_meta *om,
                         targets *tg, st_reader *r, const st_header *h, st_writer *w,
                         dl_err *e)
{
    uint64_t cols = h->rank >= 2 ? h->shape[1] : 1, first = tg->y_rows;
    tg->y_rows += h->rank == 0 ? 1 : h->shape[0];
    if (!tg->seen_y) {
        tg->seen_y = 1;
        if (classes_width(m, tg, cols, e) || (o->labels && labels_columns(m, om, tg, cols, e)) ||
            pp_bind_targets(&tg->map, mdl_target_names(m), mdl_target_categories(m),
                            tg->meta.cats_rec.data ? &tg->meta.cats_rec : NULL, cols, e) ||
            (!tg->map && same_classes(m, tg) && pp_meta_columns(&tg->meta, cols, e)))
            return flt_record_error(r, h, e);
    }
    if (!tg->map && !tg->meta.cats.count)
        return st_copy_record(r, h, w, e) ? e->code : 0;
    /* the checkpoint's y.categories went out already: y's codes must be its */
    size_t want = tg->map ? pp_input_dim(tg->map) : tg->meta.cols.count;
    if (h->rank < 1 || h->rank > 2 || cols != want) {
        dl_fail(e, DL_EDATA, "y has %llu column%s here but %zu before",
                (unsigned long long)cols, dl_plural((unsigned long long)cols), want);
        return flt_record_error(r, h, e);
    }
    dl_tensor t;
    if (st_read_payload(r, h, &t, e))
        return e->code;
    int dtype = t.dtype;
    int rc = dl_tensor_convert(&t, DL_F64, e) || target_codes(tg, &t, first, e) ||
             dl_tensor_convert(&t, dtype, e) ? flt_record_error(r, h, e) : 0;
    if (!rc && st_write(w, &t, e))
        rc = e->code;
    dl_tensor_free(&t);
    return rc;
}

static int bind_columns(mdl_model *m, pp_meta *meta, st_reader *r, const st_header *h, dl_err *e)
{
    if (pp_meta_columns(meta, h->rank >= 2 ? h->shape[1] : 1, e) ||
        mdl_bind_input(m, &meta->cols, e))
        return flt_record_error(r, h, e);
    return 0;
}

/* x's column metadata again after x starts another stream joined on (cat
 * of two files): after x that went through the checkpoint's design, one
 * without the design record before it holds raw x, which would be taken as
 * designed (and with a design of as many columns as its inputs, without an
 * error about its width). */
static int raw_after_designed(const mdl_model *m, st_reader *r, const st_header *h, int seen_x,
                              int designed_part, dl_err *e)
{
    if (!seen_x || !mdl_design_upstream(m) || designed_part)
        return 0;
    dl_fail(e, DL_EDATA, "another stream begins here without the checkpoint's design record, "
                         "after x that went through the design: its x is raw (give every part "
                         "raw, or every part through the design)");
    return flt_record_error(r, h, e);
}

/* The chunks of x are read ahead, on a thread, while the one before is
 * predicted (where a core is left beside BLAS's threads: else the reading
 * would only slow the products down); every other record is left in the
 * reader for the loop below. */
static int predict_keeps(const char *name)
{
    return strcmp(name, "x") == 0 ? ST_AHEAD_READ : ST_AHEAD_LEAVE;
}

static int predict_stream(mdl_model *m, st_reader *r, st_writer *w, int want_std,
                          const predict_opts *o, const out_meta *om, dl_err *e)
{
    st_header h;
    int found = 0, rc = 0, seen_x = 0;
    int designed_part = 0; /* a design record came since the last x */
    if ((om->names.data && st_write(w, &om->names, e)) ||
        (om->cats.data && st_write(w, &om->cats, e)))
        return e->code;
    pp_meta meta;
    pp_meta_init(&meta);
    cm_passthrough pass; /* what goes on as it came, y's records included */
    cm_passthrough_init(&pass);
    targets tg;
    memset(&tg, 0, sizeof tg);
    pp_meta_init(&tg.meta);
    st_ahead *ahead = NULL;
    dl_tensor x;
    st_piece piece;
    st_header last_x;
    gathered g;
    memset(&g, 0, sizeof g);
    if (mdl_passes_new(&g.passes, m, e))
        return e->code;
    /* With a core free, the input is read on a thread of its own; else on
     * this one between the products, and then on BLAS's threads too.  A
     * large chunk comes in pieces of the rows the model takes at a time:
     * the same predictions, from buffers that stay in the cache. */
    int own_thread = dl_blas_core_free();
    st_reader_share_reads(r, !own_thread);
    rc = st_ahead_start(&ahead, r, predict_keeps, own_thread, mdl_rows_per_pass(m), e);
    while (!rc && !(rc = st_ahead_next(ahead, &h, &x, &piece, &found, e)) && found) {
        if (strcmp(h.name, "x") == 0) {
            designed_part = 0;
            rc = !seen_x++ && bind_columns(m, &meta, r, &h, e) ? e->code : 0;
            last_x = h;
            if (!rc)
                rc = predict_piece(m, r, &h, &piece, w, &x, want_std, o, om, &g, e);
            st_ahead_recycle(ahead, &x);
        } else if (pp_meta_is(h.name)) {
            rc = raw_after_designed(m, r, &h, seen_x, designed_part, e) ||
                         input_columns(&meta, r, &h, seen_x, e)
                     ? e->code
                     : 0;
        } else if (strcmp(h.name, "y" CM_NAMES_SUFFIX) == 0 ||
                   strcmp(h.name, "y" CM_CATEGORIES_SUFFIX) == 0) {
            rc = input_target_meta(m, &tg, &pass, r, &h, w, e);
        } else if (strcmp(h.name, "y") == 0) {
            rc = flt_pass_chunk(r, &h, &pass, e) || input_targets(m, o, om, &tg, r, &h, w, e)
                     ? e->code
                     : 0;
        } else if (strcmp(h.name, "design") == 0) {
            rc = seen_x && !mdl_design_upstream(m)
                     ? dl_fail(e, DL_EDATA, "%s: record %llu: a design record after raw x",
                               st_reader_label(r), (unsigned long long)h.index)
                     : input_design(m, r, &h, e);
            designed_part = !rc;
        } else if (strcmp(h.name, "yhat") == 0 || strcmp(h.name, "ystd") == 0 ||
                   strcmp(h.name, "yhat.names") == 0 || strcmp(h.name, "yhat.categories") == 0) {
            rc = dl_fail(e, DL_EDATA, "%s: record %llu: the input already has '%s'",
                         st_reader_label(r), (unsigned long long)h.index, h.name);
        } else {
            rc = flt_pass_record(r, &h, w, &pass, e);
        }
    }
    if (!rc && seen_x)
        rc = predict_rest(m, r, &last_x, w, want_std, o, om, &g, e);
    st_ahead_stop(ahead);
    gathered_free(&g);
    mdl_passes_free(g.passes);
    pp_meta_free(&meta);
    cm_passthrough_free(&pass);
    pp_meta_free(&tg.meta);
    pp_free(tg.map);
    return flt_loop_end(r, rc, seen_x, e);
}

/* Whether --labels applies, and --threshold with it, is a property of the
 * model alone: refused before any input is read, naming the checkpoint
 * rather than the data.  A softmax's labels are its largest probability's
 * class: a threshold would be ignored. */
static int labels_apply(const mdl_model *m, const predict_opts *o, dl_err *e)
{
    uint64_t cols;
    if (!o->labels)
        return 0;
    if (output_width(m, 1, o->threshold, &cols, e) == 0) {
        if (!o->threshold_given || mdl_labels_thresholded(m))
            return 0;
        dl_fail(e, DL_EUSAGE, "--threshold goes with sigmoid (bce) outputs: this network's "
                              "labels are the class of the largest softmax probability");
    }
    return dl_err_wrap(e, "%s", dl_err_label(o->checkpoint));
}

/* yhat's width, with --labels too, and its names and classes. */
static int output_meta(const mdl_model *m, const predict_opts *o, out_meta *om, dl_err *e)
{
    if (output_width(m, o->labels, o->threshold, &om->cols, e))
        return e->code;
    int rc = yhat_names(m, om, o->labels, e) || (o->labels && yhat_classes(m, om, e));
    return rc ? dl_err_wrap(e, "%s", dl_err_label(o->checkpoint))
              : 0;
}

int predict_run(st_reader *r, st_writer *w, const predict_opts *o, dl_err *e)
{
    mdl_model *m = NULL;
    out_meta om;
    memset(&om, 0, sizeof om);
    int rc = mdl_load(&m, o->checkpoint, e) || labels_apply(m, o, e) ||
             output_meta(m, o, &om, e) ||
             predict_stream(m, r, w, mdl_has_std(m) && !o->no_std, o, &om, e) ? e->code : 0;
    meta_free(&om);
    mdl_free(m);
    return rc ? e->code : 0;
}

int predict_filter(st_reader *r, st_writer *w, const void *opt, dl_err *e)
{
    return predict_run(r, w, opt, e);
}
