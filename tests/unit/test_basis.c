/* Design matrices: columns against direct evaluation and scikit-learn's
 * PolynomialFeatures (tests/fixtures/linear/gen_linear.py), the design
 * record round trip, and bad records. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "basis.h"
#include "matfile.h"
#include "unit.h"

static const double xs1[6] = {-1.0, -0.25, 0.0, 0.5, 1.5, 2.0};

static bf_design *fit(const bf_opts *o, const double *x, size_t n, size_t dim)
{
    bf_design *d = NULL;
    dl_err e;
    if (bf_fit(&d, o, x, n, dim, &e))
        fprintf(stderr, "bf_fit: %s\n", e.msg);
    return d;
}

/* Fits o on xs1 (one input), checks the column count, writes the design
 * of all six rows into out. */
static void design_xs1(const bf_opts *o, size_t cols, double *out)
{
    dl_err e;
    bf_design *d = fit(o, xs1, 6, 1);
    CHECK(d && bf_output_dim(d) == cols);
    if (d && bf_output_dim(d) == cols)
        CHECK(bf_apply(d, xs1, 6, out, &e) == 0);
    bf_free(d);
}

static void test_poly_matches_sklearn(void)
{
    test_mat x = mat_load("poly_x"), phi = mat_load("poly_phi");
    bf_opts o;
    bf_opts_defaults(&o);
    o.poly = 3;
    bf_design *d = fit(&o, x.v, x.rows, x.cols);
    CHECK(d && bf_output_dim(d) == 10 && phi.cols == 10);
    double *out = calloc(x.rows * 10, sizeof *out);
    dl_err e;
    CHECK(d && bf_apply(d, x.v, x.rows, out, &e) == 0);
    for (size_t i = 0; phi.v && i < x.rows * 10; i++)
        CHECK_NEAR(out[i], phi.v[i], 1e-14);
    free(out);
    bf_free(d);
    free(x.v), free(phi.v);
}

static void test_poly_one_input_direct(void)
{
    bf_opts o;
    bf_opts_defaults(&o);
    o.poly = 15;
    double out[6 * 16];
    design_xs1(&o, 16, out);
    for (size_t i = 0; i < 6; i++)
        for (int p = 0; p <= 15; p++)
            CHECK_NEAR(out[i * 16 + (size_t)p], pow(xs1[i], p), 1e-13);
}

static void test_column_counts(void)
{
    bf_opts o;
    uint64_t cols;
    dl_err e;
    bf_opts_defaults(&o);
    o.poly = 3;
    CHECK(bf_count_columns(&o, 8, &cols, &e) == 0 && cols == 165); /* C(11, 3) */
    o.poly = 15;
    CHECK(bf_count_columns(&o, 1, &cols, &e) == 0 && cols == 16);
    o.poly = 10;
    CHECK(bf_count_columns(&o, 100, &cols, &e) == 0 && cols == 46897636623981ULL);
    o.poly = 60;
    CHECK(bf_count_columns(&o, 1000, &cols, &e) == DL_ENOMEM);
    bf_opts_defaults(&o);
    o.rbf = 5;
    o.fourier = 2;
    o.legendre = 3;
    o.bias = 0;
    CHECK(bf_count_columns(&o, 2, &cols, &e) == 0 && cols == 25 + 8 + 6);
    bf_opts_defaults(&o);
    o.bias = 0;
    CHECK(bf_count_columns(&o, 2, &cols, &e) == DL_EUSAGE);
}

static void test_rbf_grid_direct(void)
{
    bf_opts o;
    bf_opts_defaults(&o);
    o.bias = 0;
    o.rbf = 4;
    o.rbf_width = 0.3;
    double out[6 * 4];
    design_xs1(&o, 4, out);
    for (size_t i = 0; i < 6; i++)
        for (size_t c = 0; c < 4; c++) {
            double mu = -1.0 + (double)c; /* grid over [-1, 2] */
            double want = exp(-(xs1[i] - mu) * (xs1[i] - mu) / (2 * 0.3 * 0.3));
            CHECK_NEAR(out[i * 4 + c], want, 1e-15);
        }
    /* derived width: the grid spacing, so alpha = 1 / (2 * 1^2) */
    o.rbf_width = 0;
    design_xs1(&o, 4, out);
    CHECK_NEAR(out[1], exp(-0.5), 1e-15);
}

static void test_rbf_kmeans_seeded(void)
{
    double x[40];
    for (int i = 0; i < 20; i++) {
        x[2 * i] = i < 10 ? 0.1 * i : 5 + 0.1 * i;
        x[2 * i + 1] = i < 10 ? 1.0 : -1.0;
    }
    bf_opts o;
    bf_opts_defaults(&o);
    o.rbf = 2;
    o.rbf_centers = BF_CENTERS_KMEANS;
    o.rbf_alpha = 0.5;
    o.seed = 7;
    bf_design *a = fit(&o, x, 20, 2), *b = fit(&o, x, 20, 2);
    dl_tensor ra, rb;
    dl_err e;
    CHECK(a && b && bf_output_dim(a) == 3);
    CHECK(bf_to_record(a, &ra, &e) == 0 && bf_to_record(b, &rb, &e) == 0);
    CHECK(ra.shape[0] == rb.shape[0] && memcmp(ra.data, rb.data, ra.shape[0]) == 0);
    /* the two clusters' means are the centers */
    double out[3];
    double c1[2] = {0.45, 1.0};
    CHECK(bf_apply(a, c1, 1, out, &e) == 0);
    CHECK(fabs(out[1] - 1.0) < 1e-12 || fabs(out[2] - 1.0) < 1e-12);
    dl_tensor_free(&ra);
    dl_tensor_free(&rb);
    bf_free(a);
    bf_free(b);
    o.rbf = 30; /* more centers than rows */
    CHECK(bf_fit(&a, &o, x, 20, 2, &e) == DL_EDATA);
}

/* k-means starts from distinct rows, whatever the seed; fewer distinct rows
 * than centers is an error that counts them. */
static void test_rbf_kmeans_distinct_rows(void)
{
    double x[5] = {1, 1, 1, 2, 3}, out[3];
    bf_opts o;
    bf_opts_defaults(&o);
    o.bias = 0;
    o.rbf = 3;
    o.rbf_centers = BF_CENTERS_KMEANS;
    o.rbf_alpha = 1;
    for (uint64_t seed = 0; seed < 40; seed++) {
        o.seed = seed;
        bf_design *d = fit(&o, x, 5, 1);
        CHECK(d != NULL);
        for (int v = 1; d && v <= 3; v++) { /* each value is a center: one column is 1 */
            double row = v;
            dl_err e;
            CHECK(bf_apply(d, &row, 1, out, &e) == 0);
            CHECK(out[0] == 1.0 || out[1] == 1.0 || out[2] == 1.0);
        }
        bf_free(d);
    }
    bf_design *d = NULL;
    dl_err e;
    CHECK(bf_fit(&d, &o, x, 4, 1, &e) == DL_EDATA && d == NULL);
    CHECK_STR(e.msg, "design: k-means needs 3 distinct rows but the data has 2 (of 4 rows): "
                     "give fewer centers");
}

static void test_fourier_legendre_standardize(void)
{
    bf_opts o;
    bf_opts_defaults(&o);
    o.bias = 0;
    o.fourier = 2;
    o.legendre = 3;
    double out[6 * 7];
    design_xs1(&o, 7, out);
    for (size_t i = 0; i < 6; i++) {
        double u = (xs1[i] + 1.0) / 3.0, t = 2 * u - 1;
        CHECK_NEAR(out[i * 7 + 0], sin(2 * M_PI * u), 1e-14);
        CHECK_NEAR(out[i * 7 + 3], cos(4 * M_PI * u), 1e-14);
        CHECK_NEAR(out[i * 7 + 4], t, 1e-14);
        CHECK_NEAR(out[i * 7 + 5], 0.5 * (3 * t * t - 1), 1e-14);
        CHECK_NEAR(out[i * 7 + 6], 0.5 * (5 * t * t * t - 3 * t), 1e-14);
    }
    bf_opts_defaults(&o);
    o.standardize = 1;
    o.poly = 1;
    double z[12], sum = 0, ss = 0;
    design_xs1(&o, 2, z);
    for (int i = 0; i < 6; i++)
        sum += z[2 * i + 1], ss += z[2 * i + 1] * z[2 * i + 1];
    CHECK_NEAR(sum, 0, 1e-14);
    CHECK_NEAR(ss / 6, 1, 1e-14);
}

/* An input constant within rounding keeps scale 1: three times 0.1 sum to
 * a mean of 0.10000000000000002 before it is kept within the range, which
 * left a deviation of 1.4e-17 as the scale. */
static void test_standardize_constant(void)
{
    double up = nextafter(0.1, 1.0);
    double rows[2][3] = {{0.1, 0.1, 0.1}, {0.1, up, 0.1}};
    bf_opts o;
    bf_opts_defaults(&o);
    o.bias = 0;
    o.poly = 1;
    o.standardize = 1;
    for (int r = 0; r < 2; r++) {
        bf_design *d = fit(&o, rows[r], 3, 1);
        double z[3], v = 0.2, w;
        dl_err e;
        CHECK(d && bf_apply(d, rows[r], 3, z, &e) == 0 && bf_apply(d, &v, 1, &w, &e) == 0);
        for (int i = 0; d && i < 3; i++)
            CHECK(fabs(z[i]) <= 1e-16);
        CHECK(d && fabs(w - 0.1) <= 1e-16);
        bf_free(d);
    }
    bf_moments m;
    bf_moments_init(&m);
    for (int i = 0; i < 3; i++)
        bf_moments_add(&m, 0.1);
    bf_moments_mean(&m);
    for (int i = 0; i < 3; i++)
        bf_moments_add_dev(&m, 0.1);
    CHECK(m.mean == 0.1 && bf_moments_sd(&m) == 0);
}

/* Inputs near the largest double standardize as the same inputs scaled
 * down, and the design record holds finite numbers. */
static void test_standardize_large(void)
{
    const double small[3][4] = {{1, 1.5, 3, 0}, {1.7, 1.7, 1.7, 1.0}, {1.7, 1.7, -1.7, 0}};
    const double big[3] = {1e200, 1e308, 1e308};
    const size_t rows[3] = {3, 4, 3};
    bf_opts o;
    bf_opts_defaults(&o);
    o.bias = 0;
    o.poly = 1;
    o.standardize = 1;
    for (int c = 0; c < 3; c++) {
        double x[4], zs[4], zb[4];
        dl_err e;
        dl_tensor rec;
        for (size_t i = 0; i < rows[c]; i++)
            x[i] = small[c][i] * big[c];
        bf_design *ds = fit(&o, small[c], rows[c], 1), *db = fit(&o, x, rows[c], 1);
        CHECK(ds && db && bf_apply(ds, small[c], rows[c], zs, &e) == 0 &&
              bf_apply(db, x, rows[c], zb, &e) == 0);
        for (size_t i = 0; ds && db && i < rows[c]; i++)
            CHECK_NEAR(zb[i], zs[i], 1e-14);
        CHECK(db && bf_to_record(db, &rec, &e) == 0);
        if (db && rec.data) {
            char *text = calloc(rec.shape[0] + 1, 1);
            memcpy(text, rec.data, rec.shape[0]);
            CHECK(strstr(text, "inf") == NULL && strstr(text, "nan") == NULL);
            free(text);
            dl_tensor_free(&rec);
        }
        bf_free(ds);
        bf_free(db);
    }
}

/* Inputs far from 0: x = (B + m) / 2^22 for integers m < 2^22 and B =
 * 1.7e9 * 2^22, whose last place is 1 / 2^22.  The exact mean, (B + S/n)
 * / 2^22 for S the sum of the m, rounded once, is the integer B + S/n
 * rounded (to even at a tie); the population variance is sum (m - q)^2 / n
 * - (r/n)^2 in units of 2^-44, for S = q n + r.  A plain sum of the x was
 * tens of places off the mean, and the deviations from that mean took its
 * error squared into the variance. */
static void test_standardize_offset(void)
{
    enum { N = 200000 };
    const uint64_t base = (uint64_t)1700000000 << 22;
    uint64_t *m = malloc(N * sizeof *m), s = 0, ss = 0, r = 88172645463325252ULL;
    CHECK(m != NULL);
    if (!m)
        return;
    for (size_t i = 0; i < N; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        m[i] = r % ((uint64_t)1 << 22);
        s += m[i];
    }
    uint64_t q = s / N, rem = s % N;
    for (size_t i = 0; i < N; i++) {
        uint64_t d = m[i] > q ? m[i] - q : q - m[i];
        ss += d * d;
    }
    uint64_t round_up = 2 * rem > N || (2 * rem == N && q % 2);
    double mean = ldexp((double)(base + q + round_up), -22);
    double sd = ldexp(sqrt((double)ss / N - ((double)rem / N) * ((double)rem / N)), -22);
    /* and the same values times 2^991, near the largest double: their sum overflows */
    for (int scale = -22; scale <= 969; scale += 991) {
        bf_moments mo;
        bf_moments_init(&mo);
        for (size_t i = 0; i < N; i++)
            bf_moments_add(&mo, ldexp((double)(base + m[i]), scale));
        bf_moments_mean(&mo);
        for (size_t i = 0; i < N; i++)
            bf_moments_add_dev(&mo, ldexp((double)(base + m[i]), scale));
        CHECK(mo.mean == ldexp(mean, scale + 22));
        CHECK_NEAR(bf_moments_sd(&mo) / ldexp(sd, scale + 22), 1, 1e-15);
    }
    free(m);
}

/* Every block, fitted, written, read back: the same columns bit for bit. */
static void test_record_round_trip(void)
{
    double x[12] = {0.1, 2, 0.7, -3, 0.3, 1, 0.9, 0.5, -0.2, 4, 0.4, 0};
    bf_opts o;
    bf_opts_defaults(&o);
    o.standardize = 1;
    o.poly = 2;
    o.rbf = 3;
    o.fourier = 1;
    o.legendre = 2;
    bf_design *d = fit(&o, x, 6, 2), *back = NULL;
    dl_tensor rec, phi_a, phi_b, xt;
    dl_err e;
    CHECK(d && bf_to_record(d, &rec, &e) == 0);
    CHECK(bf_from_record(&back, &rec, &e) == 0);
    CHECK(back && bf_output_dim(back) == bf_output_dim(d) && bf_input_dim(back) == 2);
    CHECK(dl_tensor_alloc2(&xt, "x", DL_F64, 6, 2, &e) == 0);
    memcpy(xt.data, x, sizeof x);
    CHECK(bf_apply_tensor(d, &xt, 0, "x", &phi_a, &e) == 0);
    CHECK(back && bf_apply_tensor(back, &xt, 0, "x", &phi_b, &e) == 0);
    CHECK(memcmp(phi_a.data, phi_b.data, dl_tensor_nbytes(&phi_a)) == 0);
    ((double *)xt.data)[3] = NAN;
    dl_tensor bad;
    CHECK(bf_apply_tensor(d, &xt, 0, "x", &bad, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "row 2, column 2: missing value") != NULL);
    dl_tensor_free(&xt);
    dl_tensor_free(&phi_a);
    dl_tensor_free(&phi_b);
    dl_tensor_free(&rec);
    bf_free(d);
    bf_free(back);
}

/* The same design written twice is the same record; another basis, a
 * shorter text or another dtype is not. */
static void test_design_equal(void)
{
    bf_opts o;
    bf_opts_defaults(&o);
    o.poly = 2;
    bf_design *a = fit(&o, xs1, 6, 1), *b = fit(&o, xs1, 6, 1);
    o.poly = 3;
    bf_design *c = fit(&o, xs1, 6, 1);
    dl_tensor ra, rb, rc, cut;
    dl_err e;
    CHECK(a && b && c);
    if (!a || !b || !c)
        return;
    CHECK(bf_to_record(a, &ra, &e) == 0 && bf_to_record(b, &rb, &e) == 0 &&
          bf_to_record(c, &rc, &e) == 0);
    CHECK(bf_design_equal(&ra, &rb) && bf_design_equal(&rb, &ra));
    CHECK(!bf_design_equal(&ra, &rc));
    uint64_t shorter = dl_tensor_nelem(&ra) - 1;
    CHECK(dl_tensor_alloc(&cut, "design", DL_U8, 1, &shorter, &e) == 0);
    memcpy(cut.data, ra.data, (size_t)shorter);
    CHECK(!bf_design_equal(&ra, &cut) && !bf_design_equal(&cut, &ra));
    cut.dtype = DL_I32; /* 4 bytes an element: no longer text */
    CHECK(!bf_design_equal(&ra, &cut));
    cut.dtype = DL_U8;
    dl_tensor_free(&cut);
    dl_tensor_free(&ra);
    dl_tensor_free(&rb);
    dl_tensor_free(&rc);
    bf_free(a);
    bf_free(b);
    bf_free(c);
}

static int parse_text(const char *text, dl_err *e)
{
    dl_tensor rec;
    uint64_t len = strlen(text);
    bf_design *d = NULL;
    if (dl_tensor_alloc(&rec, "design", DL_U8, 1, &len, e))
        return -1;
    memcpy(rec.data, text, len);
    int rc = bf_from_record(&d, &rec, e);
    bf_free(d);
    dl_tensor_free(&rec);
    return rc;
}

static void test_bad_records(void)
{
    dl_err e;
    const char *ok = "inputs: 1\ncolumns: 3\nbias: 1\nstandardize: 0\npoly: 2\nrbf: 0\n"
                     "fourier: 0\nlegendre: 0\n";
    CHECK(parse_text(ok, &e) == 0);
    CHECK(parse_text("inputs: 1\ncolumns: 4\nbias: 1\nstandardize: 0\npoly: 2\nrbf: 0\n"
                     "fourier: 0\nlegendre: 0\n", &e) == DL_EDATA);
    CHECK(strstr(e.msg, "columns") != NULL);
    CHECK(parse_text("inputs: 1\ncolumns: 3\nbias: 1\ncolour: red\n", &e) == DL_EDATA);
    CHECK(strstr(e.msg, "unknown key 'colour'") != NULL);
    CHECK(parse_text("inputs: 1\ncolumns: 2\nbias: 1\nstandardize: 1\nmean: 0\nscale: nan\n"
                     "poly: 1\nrbf: 0\nfourier: 0\nlegendre: 0\n", &e) == DL_EDATA);
    CHECK(parse_text("inputs: 1\ncolumns: 2\nbias: 1\nstandardize: 0\npoly: 0\nrbf: 1\n"
                     "rbf_alpha: 1\nrbf_centers: 0 1\nfourier: 0\nlegendre: 0\n", &e) ==
          DL_EDATA);
    CHECK(strstr(e.msg, "more than 1 numbers") != NULL);
    CHECK(parse_text("no colon here\n", &e) == DL_EDATA);
}

int main(void)
{
    UNIT_RUN(test_poly_matches_sklearn);
    UNIT_RUN(test_poly_one_input_direct);
    UNIT_RUN(test_column_counts);
    UNIT_RUN(test_rbf_grid_direct);
    UNIT_RUN(test_rbf_kmeans_seeded);
    UNIT_RUN(test_rbf_kmeans_distinct_rows);
    UNIT_RUN(test_fourier_legendre_standardize);
    UNIT_RUN(test_standardize_constant);
    UNIT_RUN(test_standardize_large);
    UNIT_RUN(test_standardize_offset);
    UNIT_RUN(test_record_round_trip);
    UNIT_RUN(test_design_equal);
    UNIT_RUN(test_bad_records);
    return UNIT_DONE();
}
