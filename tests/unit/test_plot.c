/* test_plot.c - lib/plot: the scripts' content (best epoch,
 * panels, log-scale refusals) and output format choice.  Rendering itself is
 * tested through dl-plot in tests/bats/dl-plot.bats. */
#include <stdlib.h>
#include <unistd.h>

#include "colmeta.h"
#include "filter_fixture.h"
#include "plot.h"
#include "unit.h"

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *temp_table(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_plot_%ld.tsv", (long)getpid());
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

/* Reads a table from text (through a temporary file, removed). */
static int table_of(const char *text, tsv_table *t, dl_err *e)
{
    const char *path = temp_table(text);
    int rc = tsv_read(t, path, e);
    unlink(path);
    return rc;
}

/* Builds a script from a table with the given builder; returns malloc'd
 * text or NULL (the error in e). */
static char *script_of(const char *table,
                       int (*build)(const tsv_table *, const pl_opts *, dl_str *, dl_err *),
                       int log_scale, dl_err *e)
{
    tsv_table t;
    int rc = table_of(table, &t, e);
    if (rc)
        return NULL;
    pl_opts o;
    pl_opts_defaults(&o);
    o.log_scale = log_scale;
    char *text = NULL;
    size_t len = 0;
    dl_str s = {0};
    rc = build(&t, &o, &s, e);
    tsv_free(&t);
    if (rc) {
        dl_str_free(&s);
        return NULL;
    }
    return dl_str_take(&s, &text, &len, e) ? NULL : text;
}

/* The learning curves of one log, as script_of builds them. */
static int curves_of_one(const tsv_table *t, const pl_opts *o, dl_str *s, dl_err *e)
{
    return pl_curves_script(t, 1, o, s, NULL, e);
}

/* The layers of a diagnostics table, as script_of builds them. */
static int layers_of(const tsv_table *t, const pl_opts *o, dl_str *s, dl_err *e)
{
    return pl_layers_script(t, o, s, NULL, e);
}

static void test_curves_best_epoch(void)
{
    dl_err e = {0};
    /* dl-train's flag wins over the raw minimum (min_delta) */
    char *s = script_of("epoch\ttrain_loss\tval_loss\tbest\n1\t1\t0.9\t1\n2\t0.8\t0.5\t1\n"
                        "3\t0.7\t0.49\t0\n",
                        curves_of_one, 0, &e);
    CHECK(s && strstr(s, "best epoch 2 (validation loss 0.5)"));
    free(s);
    s = script_of("epoch\ttrain_loss\tval_loss\n1\t1\t0.9\n2\t0.8\t0.5\n3\t0.7\t0.49\n",
                  curves_of_one, 1, &e);
    CHECK(s && strstr(s, "best epoch 3 (validation loss 0.49)") && strstr(s, "set logscale y"));
    free(s);
    s = script_of("epoch\tloss\n1\t-1\n", curves_of_one, 1, &e);
    CHECK(s == NULL && strstr(e.msg, "log scale"));
    s = script_of("epoch\tval_loss\n1\tnan\n", curves_of_one, 0, &e);
    CHECK(s == NULL && strstr(e.msg, "no finite values"));
}

static void test_curves_several(void)
{
    dl_err e = {0};
    tsv_table t[2];
    pl_opts o;
    pl_opts_defaults(&o);
    dl_str s = {0};
    CHECK(table_of("epoch\ttrain_loss\tval_loss\n1\t1\t0.9\n2\t0.8\t0.5\n", &t[0], &e) == 0);
    CHECK(table_of("epoch\tlr\n1\t0.1\n", &t[1], &e) == 0);
    /* the second is no dl-train log: refused before a line is written */
    CHECK(pl_curves_script(t, 2, &o, &s, NULL, &e) == DL_EDATA && strstr(e.msg, "no loss column"));
    CHECK(s.len == 0);
    tsv_free(&t[1]);
    /* a resumed run's, without validation */
    CHECK(table_of("epoch\ttrain_loss\n3\t0.7\n4\t0.6\n", &t[1], &e) == 0);
    CHECK(pl_curves_script(t, 2, &o, &s, NULL, &e) == 0);
    const char *text = dl_str_text(&s);
    CHECK(strstr(text, "$curve0 << EOD\n# epoch train_loss val_loss\n1 1 0.9\n2 0.8 0.5\nEOD\n"));
    CHECK(strstr(text, "$curve1 << EOD\n# epoch train_loss val_loss\n3 0.7 NaN\n4 0.6 NaN\nEOD\n"));
    CHECK(strstr(text, " validation (best epoch 2, 0.5)\""));
    CHECK(strstr(text, " training (best epoch 4, 0.6)\""));
    CHECK(!strstr(text, "$curve1 using 1:3"));
    dl_str_free(&s);
    tsv_free(&t[0]);
    tsv_free(&t[1]);
}

static void test_layers_panels(void)
{
    dl_err e = {0};
    const char *diag = "epoch\tlayer\tunits\tactivation\tz_mean\ta_std\tgrad_w_norm\n"
                       "1\t1\t4\trelu\t-0.5\t1\t0.1\n1\t2\t1\tidentity\t0.2\t2\t0.2\n"
                       "2\t1\t4\trelu\t-0.4\t1.5\t0.05\n2\t2\t1\tidentity\t0.1\t2.5\t0.3\n";
    char *s = script_of(diag, layers_of, 1, &e);
    CHECK(s != NULL);
    /* amplitudes only: a_std and grad_w_norm, not the mean */
    CHECK(s && strstr(s, "set multiplot layout 1, 2"));
    CHECK(s && strstr(s, "activations a: standard deviation"));
    CHECK(s && !strstr(s, "pre-activations z: mean"));
    CHECK(s && strstr(s, "\"layer 2: identity, 1 unit\""));
    CHECK(s && strstr(s, "$layer1 << EOD\n# epoch a_std grad_w_norm\n1 2 0.2\n2 2.5 0.3\nEOD"));
    free(s);
    s = script_of("epoch\tloss\n1\t1\n", layers_of, 0, &e);
    CHECK(s == NULL && strstr(e.msg, "'layer'"));
}

static void test_terminal_choice(void)
{
    const char *term;
    dl_err e = {0};
    CHECK(pl_terminal_for("a/b.png", &term, &e) == 0);
    CHECK_STR(term, "pngcairo");
    CHECK(pl_terminal_for("x.svg", &term, &e) == 0);
    CHECK_STR(term, "svg");
    CHECK(pl_terminal_for("x.Png", &term, &e) == 0); /* any case */
    CHECK_STR(term, "pngcairo");
    CHECK(pl_terminal_for("x.sVG", &term, &e) == 0);
    CHECK_STR(term, "svg");
    CHECK(pl_terminal_for("x.pdf", &term, &e) == DL_EUSAGE);
    CHECK(pl_terminal_for("dir.png/x", &term, &e) == DL_EUSAGE);
}

/* A stream of the tensors given (NULL-ended), written to path. */
static int write_stream(const char *path, dl_tensor *const *t, dl_err *e)
{
    st_writer *w;
    if (st_writer_open(&w, path, 0, e))
        return e->code;
    for (; *t; t++)
        if (st_write(w, *t, e)) {
            st_writer_abort(w);
            return e->code;
        }
    return st_writer_close(w, e);
}

static int matrix(dl_tensor *t, const char *name, const double *v, size_t rows, size_t cols,
                  dl_err *e)
{
    if (dl_tensor_alloc2(t, name, DL_F64, rows, cols, e))
        return e->code;
    memcpy(t->data, v, rows * cols * sizeof *v);
    return 0;
}

/* Builds a figure's script with pl_draw's builders; malloc'd text or NULL. */
static char *figure(int (*build)(const char *, const pl_opts *, dl_str *, dl_err *),
                    const char *path, const pl_opts *o, dl_err *e)
{
    dl_str s = {0};
    char *text = NULL;
    size_t len;
    if (build(path, o, &s, e)) {
        dl_str_free(&s);
        return NULL;
    }
    return dl_str_take(&s, &text, &len, e) ? NULL : text;
}

static int roc_of(const char *path, const pl_opts *o, dl_str *s, dl_err *e)
{
    return pl_roc_script(&path, 1, o, s, e);
}

/* Class names from y.categories (codes) on the confusion matrix's axes and
 * in the curves' legends; output names from y.names on parity's axes. */
static void test_names_of_predictions(void)
{
    dl_err e = {0};
    const char *path = tmp_path("pred.dlt");
    double codes[] = {0, 1, 2, 1}, probs[] = {0.8, 0.1, 0.1, 0.2, 0.5, 0.3,
                                              0.1, 0.2, 0.7, 0.3, 0.4, 0.3};
    const char *species[] = {"setosa", "versicolor", "virginica"},
               *scored[] = {"species=setosa", "species=versicolor", "species=virginica"};
    cm_column col = {0, 3, (char **)species};
    dl_tensor y = {0}, yhat = {0}, cats = {0}, names = {0}, hnames = {0};
    CHECK(matrix(&y, "y", codes, 4, 1, &e) == 0);
    CHECK(matrix(&yhat, "yhat", probs, 4, 3, &e) == 0);
    CHECK(cm_categories_make(&col, 1, 1, "y.categories", &cats, &e) == 0);
    /* the scores name their classes, as dl-predict names them */
    CHECK(cm_names_make(scored, 3, "yhat.names", &hnames, &e) == 0);
    dl_tensor *recs[] = {&y, &cats, &hnames, &yhat, NULL};
    CHECK(write_stream(path, recs, &e) == 0);
    pl_opts o;
    pl_opts_defaults(&o);
    char *s = figure(pl_confusion_script, path, &o, &e);
    CHECK(s && strstr(s, "set xtics (\"setosa\" 0, \"versicolor\" 1, \"virginica\" 2)"));
    free(s);
    s = figure(roc_of, path, &o, &e);
    CHECK(s && strstr(s, "title \"virginica (AUC = 1.0000)\""));
    free(s);
    const char *price[] = {"price"};
    double v[] = {1, 2, 3, 4}, p[] = {1.5, 2, 2.5, 4};
    dl_tensor_free(&y);
    dl_tensor_free(&yhat);
    CHECK(matrix(&y, "y", v, 4, 1, &e) == 0);
    CHECK(matrix(&yhat, "yhat", p, 4, 1, &e) == 0);
    CHECK(cm_names_make(price, 1, "y.names", &names, &e) == 0);
    dl_tensor *reg[] = {&y, &names, &yhat, NULL};
    CHECK(write_stream(path, reg, &e) == 0);
    s = figure(pl_parity_script, path, &o, &e);
    CHECK(s && strstr(s, "set xlabel \"actual price\"\nset ylabel \"predicted price\""));
    free(s);
    o.xlabel = "mine";
    s = figure(pl_residuals_script, path, &o, &e);
    CHECK(s && strstr(s, "set xlabel \"mine\"\nset ylabel \"residual price\""));
    free(s);
    dl_tensor_free(&y);
    dl_tensor_free(&yhat);
    dl_tensor_free(&cats);
    dl_tensor_free(&names);
    dl_tensor_free(&hnames);
}

/* --inputs by the names in x.names; axis labels and class names from the
 * data's records. */
static void test_names_of_inputs(void)
{
    dl_err e = {0};
    double x[N * P], y[N * K], labels[N];
    make_data(x, y, 7);
    const char *in = tmp_path("data.dlt"), *ckpt = tmp_path("m.ckpt"),
               *data = tmp_path("named.dlt");
    CHECK(write_interleaved(in, x, y, &e) == 0);
    fit_opts fo = {0};
    ls_opts_defaults(&fo.ls);
    fo.quiet = 1;
    CHECK(run_fit(&fo, in, ckpt, &e) == 0);
    for (size_t i = 0; i < N; i++)
        labels[i] = i % 2;
    const char *cols[] = {"one", "a", "b", "c"}, *levels[] = {"no", "yes"};
    cm_column col = {0, 2, (char **)levels};
    dl_tensor tx = {0}, ty = {0}, xn = {0}, yc = {0};
    CHECK(matrix(&tx, "x", x, N, P, &e) == 0);
    CHECK(matrix(&ty, "y", labels, N, 1, &e) == 0);
    CHECK(cm_names_make(cols, P, "x.names", &xn, &e) == 0);
    CHECK(cm_categories_make(&col, 1, 1, "y.categories", &yc, &e) == 0);
    dl_tensor *recs[] = {&tx, &xn, &ty, &yc, NULL};
    CHECK(write_stream(data, recs, &e) == 0);
    pl_opts o;
    pl_opts_defaults(&o);
    o.grid = 5;
    o.inputs = "c,a";
    dl_str s = {0};
    CHECK(pl_regions_script(ckpt, data, &o, &s, NULL, &e) == 0);
    const char *text = dl_str_text(&s);
    CHECK(strstr(text, "set xlabel \"c\"\nset ylabel \"a\""));
    CHECK(strstr(text, "title \"no\"") && strstr(text, "title \"yes\""));
    dl_str_free(&s);
    o.inputs = "b";
    CHECK(pl_fit_script(ckpt, data, &o, &s, NULL, &e) == 0);
    CHECK(strstr(dl_str_text(&s), "set xlabel \"b\""));
    dl_str_free(&s);
    o.inputs = "2";
    CHECK(pl_fit_script(ckpt, data, &o, &s, NULL, &e) == 0);
    CHECK(strstr(dl_str_text(&s), "set xlabel \"b\""));
    dl_str_free(&s);
    o.inputs = "d";
    CHECK(pl_fit_script(ckpt, data, &o, &s, NULL, &e) == DL_EUSAGE);
    CHECK(strstr(e.msg, "'d' is not a column") && strstr(e.msg, "x.names"));
    dl_str_free(&s);
    dl_tensor_free(&tx);
    dl_tensor_free(&ty);
    dl_tensor_free(&xn);
    dl_tensor_free(&yc);
}

int main(void)
{
    if (fixture_setup("plot") != 0)
        return 1;
    UNIT_RUN(test_curves_best_epoch);
    UNIT_RUN(test_curves_several);
    UNIT_RUN(test_layers_panels);
    UNIT_RUN(test_terminal_choice);
    UNIT_RUN(test_names_of_predictions);
    UNIT_RUN(test_names_of_inputs);
    fixture_cleanup();
    return UNIT_DONE();
}
