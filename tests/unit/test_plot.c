/* test_plot.c - lib/plot: the scripts' content (best epoch,
 * panels, log-scale refusals) and output format choice.  Rendering itself is
 * tested through dl-plot in tests/bats/dl-plot.bats. */
#include <stdlib.h>
#include <unistd.h>

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

/* Builds a script from a table with the given builder; returns malloc'd
 * text or NULL (the error in e). */
static char *script_of(const char *table,
                       int (*build)(const tsv_table *, const pl_opts *, dl_str *, dl_err *),
                       int log_scale, dl_err *e)
{
    tsv_table t;
    const char *path = temp_table(table);
    int rc = tsv_read(&t, path, e);
    unlink(path);
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

static void test_curves_best_epoch(void)
{
    dl_err e = {0};
    /* dl-train's flag wins over the raw minimum (min_delta) */
    char *s = script_of("epoch\ttrain_loss\tval_loss\tbest\n1\t1\t0.9\t1\n2\t0.8\t0.5\t1\n"
                        "3\t0.7\t0.49\t0\n",
                        pl_curves_script, 0, &e);
    CHECK(s && strstr(s, "best epoch 2 (validation loss 0.5)"));
    free(s);
    s = script_of("epoch\ttrain_loss\tval_loss\n1\t1\t0.9\n2\t0.8\t0.5\n3\t0.7\t0.49\n",
                  pl_curves_script, 1, &e);
    CHECK(s && strstr(s, "best epoch 3 (validation loss 0.49)") && strstr(s, "set logscale y"));
    free(s);
    s = script_of("epoch\tloss\n1\t-1\n", pl_curves_script, 1, &e);
    CHECK(s == NULL && strstr(e.msg, "log scale"));
    s = script_of("epoch\tval_loss\n1\tnan\n", pl_curves_script, 0, &e);
    CHECK(s == NULL && strstr(e.msg, "no values"));
}

static void test_layers_panels(void)
{
    dl_err e = {0};
    const char *diag = "epoch\tlayer\tunits\tactivation\tz_mean\ta_std\tgrad_w_norm\n"
                       "1\t1\t4\trelu\t-0.5\t1\t0.1\n1\t2\t1\tidentity\t0.2\t2\t0.2\n"
                       "2\t1\t4\trelu\t-0.4\t1.5\t0.05\n2\t2\t1\tidentity\t0.1\t2.5\t0.3\n";
    char *s = script_of(diag, pl_layers_script, 1, &e);
    CHECK(s != NULL);
    /* amplitudes only: a_std and grad_w_norm, not the mean */
    CHECK(s && strstr(s, "set multiplot layout 1, 2"));
    CHECK(s && strstr(s, "activations a: standard deviation"));
    CHECK(s && !strstr(s, "pre-activations z: mean"));
    CHECK(s && strstr(s, "\"layer 2: identity, 1 unit\""));
    CHECK(s && strstr(s, "$layer1 << EOD\n# epoch a_std grad_w_norm\n1 2 0.2\n2 2.5 0.3\nEOD"));
    free(s);
    s = script_of("epoch\tloss\n1\t1\n", pl_layers_script, 0, &e);
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
    CHECK(pl_terminal_for("x.pdf", &term, &e) == DL_EUSAGE);
    CHECK(pl_terminal_for("dir.png/x", &term, &e) == DL_EUSAGE);
}

int main(void)
{
    UNIT_RUN(test_curves_best_epoch);
    UNIT_RUN(test_layers_panels);
    UNIT_RUN(test_terminal_choice);
    return UNIT_DONE();
}
