/* The input stage of a design: exact medians by radix selection, the most
 * frequent value and level, one-hot layout and names, binding an input's
 * own levels, the record lines, and bad records. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "prep.h"
#include "unit.h"

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Fits one numeric column of n values (NaN = missing) with `how`. */
static double fill_of(int how, const double *v, size_t n, int *rc)
{
    pp_opts o;
    pp_columns c = {1, NULL, NULL, NULL};
    pp_fitter *f;
    pp_prep *p = NULL;
    dl_err e;
    pp_opts_defaults(&o);
    o.impute = how;
    int again = 1;
    *rc = pp_fit_begin(&f, &o, &c, &e);
    if (!*rc)
        *rc = pp_fit_rows(f, v, n, 0, &e);
    while (!*rc && again && !(*rc = pp_fit_pass_done(f, &again, &e)) && again)
        *rc = pp_fit_rows(f, v, n, 0, &e);
    if (!*rc)
        *rc = pp_fit_end(f, &p, &e);
    else
        pp_fitter_free(f);
    double out[2] = {NAN, NAN}, nan = NAN;
    if (!*rc)
        *rc = pp_apply(p, &nan, 1, 0, out, &e);
    pp_free(p);
    return out[0];
}

static double median_of(double *v, size_t n)
{
    qsort(v, n, sizeof *v, cmp_double);
    return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static void test_median_is_exact(void)
{
    double v[1001], s[1001];
    unsigned long long r = 88172645463325252ULL;
    for (size_t n = 1; n <= 1001; n += n < 10 ? 1 : 97) {
        for (size_t i = 0; i < n; i++) { /* xorshift: negatives, ties, tiny and huge */
            r ^= r << 13, r ^= r >> 7, r ^= r << 17;
            double u = (double)(r % 2001) - 1000.0;
            v[i] = i % 3 ? u * 1e-300 : i % 5 ? u : u * 1e300;
            s[i] = v[i];
        }
        int rc;
        double got = fill_of(PP_IMPUTE_MEDIAN, v, n, &rc);
        CHECK(rc == 0);
        CHECK(got == median_of(s, n));
    }
    double zeros[4] = {-0.0, 0.0, NAN, -0.0};
    int rc;
    CHECK(fill_of(PP_IMPUTE_MEDIAN, zeros, 4, &rc) == 0.0 && rc == 0);
    double two[2] = {-3.5, 1e308};
    CHECK(fill_of(PP_IMPUTE_MEDIAN, two, 2, &rc) == (-3.5 + 1e308) / 2);
}

static void test_most_frequent_and_mean(void)
{
    double v[7] = {3, 1, NAN, 3, 1, 2, -0.0};
    int rc;
    CHECK(fill_of(PP_IMPUTE_MOST_FREQUENT, v, 7, &rc) == 1 && rc == 0); /* tie: the smallest */
    CHECK_NEAR(fill_of(PP_IMPUTE_MEAN, v, 7, &rc), 10.0 / 6, 1e-15);
    double all_missing[2] = {NAN, NAN};
    fill_of(PP_IMPUTE_MEAN, all_missing, 2, &rc);
    CHECK(rc == DL_EDATA);
}

/* The mean and the median of finite values lie within their range, however
 * large: a sum, or the sum of the two middle values, that overflows must not
 * make the fill infinite or NaN (the design record holds finite numbers). */
static void test_fill_of_huge_values(void)
{
    double v[5] = {1.5e308, 1.7e308, NAN, 1.6e308, 1.7e308};
    double neg[2] = {-1.6e308, -1.7e308}, mixed[3] = {1.7e308, 1.7e308, -1.7e308};
    int rc;
    CHECK_NEAR(fill_of(PP_IMPUTE_MEAN, v, 5, &rc), 1.625e308, 1e-15);
    CHECK(rc == 0);
    CHECK_NEAR(fill_of(PP_IMPUTE_MEDIAN, v, 5, &rc), 1.65e308, 1e-15);
    CHECK(rc == 0);
    CHECK_NEAR(fill_of(PP_IMPUTE_MEDIAN, neg, 2, &rc), -1.65e308, 1e-15);
    CHECK(rc == 0);
    CHECK_NEAR(fill_of(PP_IMPUTE_MEAN, mixed, 3, &rc), 1.7e308 / 3, 1e-15);
    CHECK(rc == 0);
}

/* Two columns: speed (numeric), color (blue, green, red). */
static pp_prep *fit_color(const pp_opts *o, const double *x, size_t n)
{
    static const char *const names[2] = {"speed", "color"};
    static const char *const colors[3] = {"blue", "green", "red"};
    static const size_t nlevels[2] = {0, 3};
    static const char *const *levels[2] = {NULL, colors};
    pp_columns c = {2, names, nlevels, levels};
    pp_fitter *f;
    pp_prep *p = NULL;
    dl_err e;
    int again;
    if (pp_fit_begin(&f, o, &c, &e) || pp_fit_rows(f, x, n, 0, &e) ||
        pp_fit_pass_done(f, &again, &e) || pp_fit_end(f, &p, &e))
        fprintf(stderr, "fit: %s\n", e.msg);
    return p;
}

static void test_onehot_layout_names_and_binding(void)
{
    double x[10] = {1.0, 2, 2.0, 0, NAN, 2, 3.0, 1, 4.0, NAN};
    pp_opts o;
    pp_opts_defaults(&o);
    o.impute = PP_IMPUTE_MEAN;
    o.indicator = 1;
    o.onehot_all = 1;
    pp_prep *p = fit_color(&o, x, 5);
    CHECK(p && pp_output_dim(p) == 6); /* speed, 3 colors, 2 indicators */
    if (!p)
        return;
    const char *want[6] = {"speed", "color=blue", "color=green", "color=red", "missing(speed)",
                           "missing(color)"};
    for (size_t j = 0; j < 6; j++) {
        dl_str b = {0};
        pp_output_name(p, j, &b);
        CHECK_STR(dl_str_text(&b), want[j]);
        dl_str_free(&b);
        CHECK(pp_output_binary(p, j) == (j > 0));
    }
    double out[6];
    dl_err e;
    CHECK(pp_apply(p, x + 8, 1, 0, out, &e) == 0); /* speed 4, color missing: red */
    CHECK(out[0] == 4 && out[3] == 1 && out[1] == 0 && out[4] == 0 && out[5] == 1);
    /* An input whose levels are (green, purple): green is code 0 there. */
    static const char *const names[2] = {"speed", "color"};
    static const char *const theirs[2] = {"green", "purple"};
    static const size_t nlevels[2] = {0, 2};
    static const char *const *levels[2] = {NULL, theirs};
    /* an input without x.categories has only numeric columns: color binds
     * to no level (a column of missing cells has none), its missing cells
     * are imputed, and a number in it is refused */
    pp_columns numeric = {2, names, NULL, NULL};
    CHECK(pp_bind(p, &numeric, &e) == 0);
    double unknown[2] = {5, NAN}, number[2] = {5, 1};
    CHECK(pp_apply(p, unknown, 1, 0, out, &e) == 0 && out[3] == 1 && out[1] == 0 && out[5] == 1);
    CHECK(pp_apply(p, number, 1, 2, out, &e) == DL_EDATA);
    CHECK_STR(e.msg, "row 3, column 2 ('color'): 1: the column is numeric in the input but "
                     "categorical in the design (dl-tensor import --categorical color reads "
                     "its cells as strings)");
    pp_columns c = {2, names, nlevels, levels};
    CHECK(pp_bind(p, &c, &e) == 0);
    double green[2] = {5, 0}, purple[2] = {5, 1};
    CHECK(pp_apply(p, green, 1, 0, out, &e) == 0 && out[2] == 1 && out[1] == 0);
    CHECK(pp_apply(p, purple, 1, 6, out, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 7, column 2 ('color'): level 'purple' was not in the training data"));
    /* the record lines give the same stage back */
    dl_str b = {0};
    pp_write_text(p, &b);
    CHECK(strstr(dl_str_text(&b), "categories:\t1\t3\tblue\tgreen\tred\n") != NULL);
    dl_str_free(&b);
    pp_free(p);
}

/* Levels that x.categories lists but no fitting row has get no column:
 * they are unseen, and the rows' codes map to the levels kept. */
static void test_onehot_levels_of_the_rows(void)
{
    double x[8] = {1.0, 2, 2.0, 0, 3.0, 2, 4.0, NAN}; /* blue and red, no green */
    pp_opts o;
    pp_opts_defaults(&o);
    o.impute = PP_IMPUTE_MOST_FREQUENT;
    o.onehot_all = 1;
    pp_prep *p = fit_color(&o, x, 4);
    CHECK(p && pp_output_dim(p) == 3); /* speed, color=blue, color=red */
    if (!p)
        return;
    const char *want[3] = {"speed", "color=blue", "color=red"};
    for (size_t j = 0; j < 3; j++) {
        dl_str b = {0};
        pp_output_name(p, j, &b);
        CHECK_STR(dl_str_text(&b), want[j]);
        dl_str_free(&b);
    }
    double out[3];
    dl_err e;
    CHECK(pp_apply(p, x, 1, 0, out, &e) == 0 && out[1] == 0 && out[2] == 1); /* red */
    CHECK(pp_apply(p, x + 6, 1, 0, out, &e) == 0 && out[1] == 0 && out[2] == 1); /* filled */
    double green[2] = {5, 1};
    CHECK(pp_apply(p, green, 1, 0, out, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "column 2 ('color'): level 'green' was not in the training data"));
    dl_str b = {0};
    pp_write_text(p, &b);
    /* speed's 1 (ties: the smallest), color's red: the second level kept */
    CHECK(strstr(dl_str_text(&b), "fill: 1 1\n") != NULL);
    CHECK(strstr(dl_str_text(&b), "categories:\t1\t2\tblue\tred\n") != NULL);
    dl_str_free(&b);
    pp_free(p);
    o.unseen_zero = 1;
    p = fit_color(&o, x, 4);
    CHECK(p && pp_apply(p, green, 1, 0, out, &e) == 0 && out[0] == 5 && out[1] == 0 &&
          out[2] == 0);
    pp_free(p);
}

static void test_bad_record_lines(void)
{
    pp_prep *p;
    dl_err e;
    pp_text t = {" median", " 1 2", " 0", " 0 0", " error", "\ta\tb", NULL, NULL};
    CHECK(pp_parse_text(&p, 2, &t, &e) == 0);
    pp_free(p);
    pp_text bad[] = {
        {" mode", NULL, NULL, NULL, NULL, NULL, NULL, NULL},
        {" mean", " 1", " 0", " 0 0", NULL, NULL, NULL, NULL},          /* one fill */
        {" mean", " 1 nan", " 0", " 0 0", NULL, NULL, NULL, NULL},      /* not finite */
        {" none", NULL, " 1", NULL, NULL, NULL, NULL, NULL},            /* indicator alone */
        {NULL, NULL, NULL, NULL, NULL, "\ta\ta\tb", NULL, NULL},        /* 3 names */
        {NULL, NULL, NULL, NULL, NULL, NULL, "\t1\t2\tred\tblue", NULL}, /* not sorted */
        {NULL, NULL, NULL, NULL, NULL, NULL, "\t5\t1\tred", NULL},      /* no such column */
        {NULL, NULL, NULL, NULL, NULL, NULL, "\t1\t9\tred", NULL},      /* too few levels */
        {NULL, NULL, NULL, NULL, NULL, NULL, NULL, " 0"},               /* numeric one-hot */
        {" mean", " 1 7", " 0 0", NULL, NULL, NULL, "\t1\t2\ta\tb", NULL}, /* fill no code */
        {NULL, NULL, NULL, NULL, " maybe", NULL, NULL, NULL},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        p = NULL;
        int rc = pp_parse_text(&p, 2, &bad[i], &e);
        if (rc != DL_EDATA)
            fprintf(stderr, "bad record %zu accepted\n", i);
        CHECK(rc == DL_EDATA && p == NULL);
    }
}

/* A stage for 2^40 columns (a record of no rows claims them without a
 * byte) fails at once as out of memory, with and without imputation:
 * nothing loops over columns it never allocated (that took hours). */
static void test_absurd_width_fails_at_once(void)
{
    pp_opts o;
    pp_columns c = {(size_t)1 << 40, NULL, NULL, NULL};
    pp_fitter *f = NULL;
    dl_err e;
    for (int how = 0; how < 2; how++) {
        pp_opts_defaults(&o);
        if (how)
            o.impute = PP_IMPUTE_MEDIAN;
        dl_err_clear(&e);
        CHECK(pp_fit_begin(&f, &o, &c, &e) == DL_ENOMEM);
        CHECK(f == NULL);
    }
}

int main(void)
{
    UNIT_RUN(test_median_is_exact);
    UNIT_RUN(test_absurd_width_fails_at_once);
    UNIT_RUN(test_most_frequent_and_mean);
    UNIT_RUN(test_fill_of_huge_values);
    UNIT_RUN(test_onehot_layout_names_and_binding);
    UNIT_RUN(test_onehot_levels_of_the_rows);
    UNIT_RUN(test_bad_record_lines);
    return UNIT_DONE();
}
