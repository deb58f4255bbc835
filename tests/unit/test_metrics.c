/* test_metrics.c - lib/metrics against sklearn.metrics values made by
 * tests/fixtures/metrics/gen_metrics.py (cases.txt), plus the checks and
 * edge cases that need no reference. */
#include <float.h>
#include <stdlib.h>

#include "metrics.h"
#include "unit.h"

#define CASES "tests/fixtures/metrics/cases.txt"

/* One case of cases.txt, read into owned arrays. */
typedef struct fixture {
    char name[64], task[32];
    double threshold, q, eps;
    size_t n, ky, kyhat;
    double *y, *yhat;
    size_t nexpect;
    mt_metric *expect;
} fixture;

static void fixture_free(fixture *f)
{
    free(f->y);
    free(f->yhat);
    free(f->expect);
    memset(f, 0, sizeof *f);
}

static double *read_matrix(FILE *in, const char *label, size_t *n, size_t *k)
{
    char word[16];
    if (fscanf(in, "%15s %zu %zu", word, n, k) != 3 || strcmp(word, label) != 0)
        return NULL;
    double *a = calloc(*n * *k, sizeof *a);
    for (size_t i = 0; a && i < *n * *k; i++)
        if (fscanf(in, "%lf", &a[i]) != 1) {
            free(a);
            return NULL;
        }
    return a;
}

/* 1 when a case was read, 0 at the end, -1 on a malformed file. */
static int read_fixture(FILE *in, fixture *f)
{
    memset(f, 0, sizeof *f);
    int got = fscanf(in, " case %63s %31s %lf %lf %lf", f->name, f->task, &f->threshold,
                     &f->q, &f->eps);
    if (got == EOF)
        return 0;
    if (got != 5)
        return -1;
    size_t n2;
    f->y = read_matrix(in, "y", &f->n, &f->ky);
    f->yhat = f->y ? read_matrix(in, "yhat", &n2, &f->kyhat) : NULL;
    if (!f->yhat || n2 != f->n || fscanf(in, " expect %zu", &f->nexpect) != 1)
        return -1;
    f->expect = calloc(f->nexpect, sizeof *f->expect);
    for (size_t i = 0; f->expect && i < f->nexpect; i++)
        if (fscanf(in, "%47s %lf", f->expect[i].name, &f->expect[i].value) != 2)
            return -1;
    return f->expect ? 1 : -1;
}

static void check_fixture(const fixture *f, int force_task)
{
    mt_opts o;
    mt_opts_defaults(&o);
    o.threshold = f->threshold;
    o.q = f->q;
    o.eps = f->eps;
    o.task = force_task ? mt_task_parse(f->task) : MT_AUTO;
    mt_data d = {f->y, f->yhat, f->n, f->ky, f->kyhat, NULL};
    mt_report r;
    mt_report_init(&r);
    dl_err e = {0};
    int rc = mt_evaluate(&d, &o, &r, &e);
    if (rc) {
        fprintf(stderr, "%s: %s\n", f->name, e.msg);
        CHECK(rc == 0);
        return;
    }
    CHECK_STR(mt_task_name(r.task), f->task);
    CHECK(r.count == f->nexpect);
    for (size_t i = 0; i < f->nexpect; i++) {
        int found;
        double got = mt_report_get(&r, f->expect[i].name, &found);
        if (!found)
            fprintf(stderr, "%s: no metric '%s'\n", f->name, f->expect[i].name);
        CHECK(found);
        if (isnan(f->expect[i].value)) {
            CHECK(isnan(got));
            CHECK(r.note[0] != '\0');
        } else if (!(fabs(got - f->expect[i].value) <= 1e-9)) {
            fprintf(stderr, "%s: %s = %.17g, sklearn %.17g\n", f->name, f->expect[i].name, got,
                    f->expect[i].value);
            CHECK(0);
        }
    }
    mt_report_free(&r);
}

/* Every fixture, with the task inferred and again forced. */
static void test_sklearn_fixtures(void)
{
    FILE *in = fopen(CASES, "r");
    CHECK(in != NULL);
    if (!in)
        return;
    fixture f;
    int got, cases = 0;
    while ((got = read_fixture(in, &f)) == 1) {
        check_fixture(&f, 0);
        check_fixture(&f, 1);
        fixture_free(&f);
        cases++;
    }
    CHECK(got == 0);
    fixture_free(&f);
    CHECK(cases >= 12);
    fclose(in);
}

static int eval_simple(const double *y, const double *yhat, size_t n, size_t ky, size_t kyhat,
                       int task, mt_report *r, dl_err *e)
{
    mt_opts o;
    mt_opts_defaults(&o);
    o.task = task;
    mt_data d = {y, yhat, n, ky, kyhat, NULL};
    return mt_evaluate(&d, &o, r, e);
}

static void test_rejects_nan_and_bad_labels(void)
{
    mt_report r;
    mt_report_init(&r);
    dl_err e = {0};
    double y[] = {0, 1, 1}, nan_hat[] = {0.1, NAN, 0.9};
    CHECK(eval_simple(y, nan_hat, 3, 1, 1, MT_AUTO, &r, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "'yhat' row 2") != NULL);
    CHECK(strstr(e.msg, "NaN") != NULL);

    double frac[] = {0, 1.5, 2}, labels[] = {0, 1, 2};
    CHECK(eval_simple(frac, labels, 3, 1, 1, MT_MULTICLASS, &r, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "'y' row 2: 1.5 is not an integer class label") != NULL);

    double two[] = {0, 2, 1};
    CHECK(eval_simple(two, labels, 3, 1, 1, MT_BINARY, &r, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "not a 0/1 label") != NULL);

    double probs[] = {0.2, 0.8, 0.5, 0.5, 1, 0};
    double out_of_range[] = {0, 2, 1};
    CHECK(eval_simple(out_of_range, probs, 3, 1, 2, MT_AUTO, &r, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "outside 0..1") != NULL);

    double wide_y[] = {1, 2, 3, 4, 5, 6};
    CHECK(eval_simple(wide_y, probs, 2, 3, 2, MT_AUTO, &r, &e) == DL_EDATA);
    CHECK(eval_simple(wide_y, probs, 3, 2, 2, MT_MULTILABEL, &r, &e) == DL_EDATA);
    CHECK(eval_simple(y, probs, 0, 1, 1, MT_AUTO, &r, &e) == DL_EDATA);
    mt_report_free(&r);
}

static void test_infers_tasks(void)
{
    static const double y01[] = {0, 1, 0}, y3[] = {0, 2, 1}, yreal[] = {0.5, 1, 2};
    static const double p[] = {0.2, 0.7, 0.4}, lab[] = {0, 2, 2};
    static const double onehot[] = {1, 0, 0, 1}, multi[] = {1, 1, 0, 1}, p2[] = {.3, .7, .6, .4};
    static const struct {
        mt_data d;
        int task;
    } cases[] = {
        {{y01, p, 3, 1, 1, NULL}, MT_BINARY},       {{y3, lab, 3, 1, 1, NULL}, MT_MULTICLASS},
        {{y3, p, 3, 1, 1, NULL}, MT_REGRESSION},    {{yreal, lab, 3, 1, 1, NULL}, MT_REGRESSION},
        {{onehot, p2, 2, 2, 2, NULL}, MT_MULTICLASS}, {{multi, p2, 2, 2, 2, NULL}, MT_MULTILABEL},
        {{p2, p2, 2, 2, 2, NULL}, MT_REGRESSION},   {{y01, p2, 2, 1, 2, NULL}, MT_MULTICLASS},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int task = -1;
        dl_err e = {0};
        CHECK(mt_infer_task(&cases[i].d, &task, &e) == 0);
        if (task != cases[i].task)
            fprintf(stderr, "case %zu: inferred %s, expected %s\n", i, mt_task_name(task),
                    mt_task_name(cases[i].task));
        CHECK(task == cases[i].task);
    }
    CHECK(mt_task_parse("multilabel") == MT_MULTILABEL);
    CHECK(mt_task_parse("bogus") == -1);
}

/* AUC counts a tied positive/negative pair as half right. */
static void test_roc_auc_ties(void)
{
    dl_err e = {0};
    double y[] = {0, 1, 0, 1}, s[] = {0.5, 0.5, 0.2, 0.9}, auc;
    CHECK(mt_roc_auc(y, 1, s, 1, NULL, 4, &auc, &e) == 0);
    CHECK_NEAR(auc, (1 + 1 + 0.5 + 1) / 4.0, 1e-15);
    double all0[] = {0, 0, 0, 0};
    CHECK(mt_roc_auc(all0, 1, s, 1, NULL, 4, &auc, &e) == 0);
    CHECK(isnan(auc));
}

/* A ranking of every positive above every negative has an area of 1, not
 * 1 and a few units in the last place: rates added up row by row (1/20
 * twenty times) drift past 1.  A partial ranking is its ratio of pairs. */
static void test_roc_auc_whole_ratio(void)
{
    dl_err e = {0};
    double y[40], s[40], auc;
    for (size_t i = 0; i < 40; i++) {
        y[i] = i >= 20;
        s[i] = 0.01 * (double)i;
    }
    CHECK(mt_roc_auc(y, 1, s, 1, NULL, 40, &auc, &e) == 0);
    CHECK(auc == 1.0);
    mt_curve c;
    CHECK(mt_roc_curve(y, 1, s, 1, NULL, 40, &c, &e) == 0);
    CHECK(c.area == 1.0);
    mt_curve_free(&c);
    /* negatives 13..19 rise just above positives 20..26: negative 13 + i
     * is then below 19 - i positives, the other 13 below all 20, so 13 * 20
     * + 19 + 18 + ... + 13 of the 400 pairs are ranked right */
    for (size_t i = 0; i < 7; i++)
        s[13 + i] = s[20 + i] + 0.001;
    CHECK(mt_roc_auc(y, 1, s, 1, NULL, 40, &auc, &e) == 0);
    CHECK(auc == (13.0 * 20 + 19 + 18 + 17 + 16 + 15 + 14 + 13) / 400);
}

/* A multilabel column with one class only: its AUC and the macro are NaN,
 * with a note; the rest is still computed. */
static void test_multilabel_one_class_label(void)
{
    double y[] = {0, 1, 0, 0, 0, 1}, p[] = {0.1, 0.9, 0.4, 0.2, 0.3, 0.8};
    mt_report r;
    mt_report_init(&r);
    dl_err e = {0};
    CHECK(eval_simple(y, p, 3, 2, 2, MT_MULTILABEL, &r, &e) == 0);
    CHECK(isnan(mt_report_get(&r, "roc_auc[0]", NULL)));
    CHECK_NEAR(mt_report_get(&r, "roc_auc[1]", NULL), 1.0, 0);
    CHECK(isnan(mt_report_get(&r, "roc_auc_macro", NULL)));
    CHECK_NEAR(mt_report_get(&r, "subset_accuracy", NULL), 1.0, 0);
    CHECK(strstr(r.note, "one class") != NULL);
    mt_report_free(&r);
}

/* The examples of sklearn's precision_recall_curve and roc_curve
 * docstrings (scikit-learn 1.2), and a curve without both classes. */
static void test_curves_sklearn_examples(void)
{
    dl_err e = {0};
    double y[] = {0, 0, 1, 1}, s[] = {0.1, 0.4, 0.35, 0.8};
    mt_curve c;
    CHECK(mt_pr_curve(y, 1, s, 1, NULL, 4, &c, &e) == 0);
    double precision[] = {0.5, 2.0 / 3, 0.5, 1, 1}, recall[] = {1, 1, 0.5, 0.5, 0},
           thr[] = {0.1, 0.35, 0.4, 0.8};
    CHECK(c.count == 5);
    for (size_t i = 0; c.count == 5 && i < 5; i++) {
        CHECK_NEAR(c.y[i], precision[i], 1e-15);
        CHECK_NEAR(c.x[i], recall[i], 1e-15);
        CHECK(i == 4 ? isnan(c.threshold[i]) : c.threshold[i] == thr[i]);
    }
    CHECK_NEAR(c.area, 0.8333333333333333, 1e-15); /* average_precision_score */
    mt_curve_free(&c);
    double y2[] = {1, 1, 2, 2}; /* roc_curve(y, scores, pos_label=2) */
    for (size_t i = 0; i < 4; i++)
        y2[i] -= 1;
    CHECK(mt_roc_curve(y2, 1, s, 1, NULL, 4, &c, &e) == 0);
    double fpr[] = {0, 0, 0.5, 0.5, 1}, tpr[] = {0, 0.5, 0.5, 1, 1},
           rthr[] = {NAN, 0.8, 0.4, 0.35, 0.1};
    CHECK(c.count == 5);
    for (size_t i = 0; c.count == 5 && i < 5; i++) {
        CHECK_NEAR(c.x[i], fpr[i], 0);
        CHECK_NEAR(c.y[i], tpr[i], 0);
        CHECK(i == 0 ? isnan(c.threshold[i]) : c.threshold[i] == rthr[i]);
    }
    CHECK_NEAR(c.area, 0.75, 1e-15);
    mt_curve_free(&c);
    double ones[] = {1, 1, 1, 1};
    CHECK(mt_roc_curve(ones, 1, s, 1, NULL, 4, &c, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "positives only") != NULL);
}

static void test_confusion_matrix_layout(void)
{
    double y[] = {2, 0, 2, 7}, yhat[] = {2, 2, 0, 7};
    mt_report r;
    mt_report_init(&r);
    dl_err e = {0};
    CHECK(eval_simple(y, yhat, 4, 1, 1, MT_AUTO, &r, &e) == 0);
    CHECK(r.task == MT_MULTICLASS);
    CHECK(r.ncm == 3);
    CHECK(r.ncm == 3 && r.cm_labels[0] == 0 && r.cm_labels[1] == 2 && r.cm_labels[2] == 7);
    /* rows: truth 0, 2, 7; columns: predicted 0, 2, 7 */
    double want[] = {0, 1, 0, 1, 1, 0, 0, 0, 1};
    for (size_t i = 0; r.cm && i < 9; i++)
        CHECK(r.cm[i] == want[i]);
    mt_report_free(&r);
}

int main(void)
{
    UNIT_RUN(test_sklearn_fixtures);
    UNIT_RUN(test_rejects_nan_and_bad_labels);
    UNIT_RUN(test_infers_tasks);
    UNIT_RUN(test_roc_auc_ties);
    UNIT_RUN(test_roc_auc_whole_ratio);
    UNIT_RUN(test_multilabel_one_class_label);
    UNIT_RUN(test_confusion_matrix_layout);
    UNIT_RUN(test_curves_sklearn_examples);
    return UNIT_DONE();
}
