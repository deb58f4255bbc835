#include "basis.h"

#include <float.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "kvtext.h"
#include "rng.h"

#define NO_PARENT SIZE_MAX
#define KMEANS_MAX_ITER 100
#define TWO_PI 6.283185307179586

struct bf_design {
    pp_prep *prep;        /* raw columns -> the inputs below (impute, one-hot) */
    size_t inputs, cols;  /* inputs: of the basis, after prep */
    int bias, standardize, poly, fourier, legendre;
    double *mean, *scale; /* [inputs], when standardize */
    double *lo, *hi;      /* range of z, when fourier or legendre */
    size_t nrbf;          /* centers */
    double *centers;      /* [nrbf x inputs] */
    double alpha;
    size_t npoly;         /* poly columns: column j = poly[parent[j]] * z[var[j]] */
    size_t *poly_parent, *poly_var;
    size_t *poly_power, *poly_before; /* for names: var[j]'s power in column j, and the
                                         column of the factors before them (or NO_PARENT) */
};

void bf_opts_defaults(bf_opts *o)
{
    memset(o, 0, sizeof *o);
    o->bias = 1;
}

int bf_opts_empty(const bf_opts *o)
{
    return o->poly == 0 && o->rbf == 0 && o->fourier == 0 && o->legendre == 0;
}

int bf_opts_need_data(const bf_opts *o)
{
    return o->standardize || bf_opts_need_rows(o);
}

int bf_opts_need_rows(const bf_opts *o) { return o->rbf || o->fourier || o->legendre; }

/* a + b and a * b with a 64-bit overflow check. */
static int add_u64(uint64_t *a, uint64_t b)
{
    if (*a > UINT64_MAX - b)
        return -1;
    *a += b;
    return 0;
}

static int mul_u64(uint64_t *a, uint64_t b)
{
    if (b != 0 && *a > UINT64_MAX / b)
        return -1;
    *a *= b;
    return 0;
}

/* C(n + D, D) - 1 monomials of degree 1..D, from C(n+d, d) = C(n+d-1, d-1) * (n+d) / d,
 * which divides exactly at every step. */
static int poly_columns(uint64_t inputs, int degree, uint64_t *out)
{
    uint64_t c = 1;
    for (uint64_t d = 1; d <= (uint64_t)degree; d++) {
        if (inputs > UINT64_MAX - d || mul_u64(&c, inputs + d))
            return -1;
        c /= d;
    }
    *out = c - 1;
    return 0;
}

static int rbf_centers_count(const bf_opts *o, uint64_t inputs, uint64_t *out)
{
    uint64_t c = (uint64_t)o->rbf;
    if (o->rbf_centers == BF_CENTERS_GRID)
        for (uint64_t d = 1; d < inputs; d++)
            if (mul_u64(&c, (uint64_t)o->rbf))
                return -1;
    *out = c;
    return 0;
}

int bf_count_columns(const bf_opts *o, uint64_t inputs, uint64_t *cols, dl_err *e)
{
    uint64_t n = o->bias ? 1 : 0, part = 0;
    int bad = 0;
    if (o->poly > 0)
        bad |= poly_columns(inputs, o->poly, &part) || add_u64(&n, part);
    if (o->rbf > 0)
        bad |= rbf_centers_count(o, inputs, &part) || add_u64(&n, part);
    part = inputs;
    if (o->fourier > 0)
        bad |= mul_u64(&part, 2 * (uint64_t)o->fourier) || add_u64(&n, part);
    part = inputs;
    if (o->legendre > 0)
        bad |= mul_u64(&part, (uint64_t)o->legendre) || add_u64(&n, part);
    if (bad)
        return dl_fail(e, DL_ENOMEM, "the design has more than 2^64 columns for %llu input%s",
                       (unsigned long long)inputs, dl_plural((unsigned long long)inputs));
    if (n == 0)
        return dl_fail(e, DL_EUSAGE, "the design has no columns (no bias and no basis)");
    *cols = n;
    return 0;
}

void bf_free(bf_design *d)
{
    if (!d)
        return;
    pp_free(d->prep);
    free(d->mean);
    free(d->scale);
    free(d->lo);
    free(d->hi);
    free(d->centers);
    free(d->poly_parent);
    free(d->poly_var);
    free(d->poly_power);
    free(d->poly_before);
    free(d);
}

size_t bf_input_dim(const bf_design *d) { return pp_input_dim(d->prep); }
size_t bf_output_dim(const bf_design *d) { return d->cols; }

long bf_bias_column(const bf_design *d)
{
    return d->bias ? 0 : -1; /* the bias block always comes first */
}

/* Column j: column `parent` (or 1) times variable v. */
static void add_monomial(bf_design *d, size_t j, size_t parent, size_t v)
{
    int same = parent != NO_PARENT && d->poly_var[parent] == v;
    d->poly_parent[j] = parent;
    d->poly_var[j] = v;
    d->poly_power[j] = same ? d->poly_power[parent] + 1 : 1;
    d->poly_before[j] = same ? d->poly_before[parent] : parent;
}

/* The monomial table in combinations-with-replacement order: a degree-d
 * monomial is a degree-(d-1) one times a variable no smaller than its last. */
static int build_poly(bf_design *d, dl_err *e)
{
    uint64_t count;
    if (poly_columns(d->inputs, d->poly, &count) || count > SIZE_MAX / 2)
        return dl_fail(e, DL_ENOMEM, "design: too many polynomial columns");
    d->npoly = (size_t)count;
    if (dl_mem_array(&d->poly_parent, d->npoly, sizeof(size_t), "design", e) ||
        dl_mem_array(&d->poly_var, d->npoly, sizeof(size_t), "design", e) ||
        dl_mem_array(&d->poly_power, d->npoly, sizeof(size_t), "design", e) ||
        dl_mem_array(&d->poly_before, d->npoly, sizeof(size_t), "design", e))
        return e->code;
    size_t j = 0, prev_begin = 0, prev_end = 0;
    for (size_t v = 0; v < d->inputs; v++)
        add_monomial(d, j++, NO_PARENT, v);
    prev_end = j;
    for (int deg = 2; deg <= d->poly; deg++) {
        for (size_t p = prev_begin; p < prev_end; p++)
            for (size_t v = d->poly_var[p]; v < d->inputs; v++)
                add_monomial(d, j++, p, v);
        prev_begin = prev_end;
        prev_end = j;
    }
    return 0;
}

static double z_value(const bf_design *d, const double *x, size_t k)
{
    if (!d->standardize)
        return x[k];
    double t = x[k] - d->mean[k];
    if (isinf(t)) /* x and the mean far apart near the largest double: in halves */
        return (0.5 * x[k] - 0.5 * d->mean[k]) / (0.5 * d->scale[k]);
    return t / d->scale[k];
}

void bf_moments_init(bf_moments *m)
{
    memset(m, 0, sizeof *m);
    m->lo = INFINITY;
    m->hi = -INFINITY;
}

void bf_moments_add(bf_moments *m, double v)
{
    pp_mean_add(&m->values, v);
    m->lo = v < m->lo ? v : m->lo;
    m->hi = v > m->hi ? v : m->hi;
}

/* The mean of the values, kept within their range, which a last place off
 * could leave. */
void bf_moments_mean(bf_moments *m)
{
    if (m->values.n == 0) {
        m->mean = 0;
        m->unit = 1;
        return;
    }
    double mean = pp_mean_value(&m->values);
    m->mean = mean < m->lo ? m->lo : mean > m->hi ? m->hi : mean;
    double big = fmax(fabs(m->lo), fabs(m->hi));
    m->unit = big > 0 ? ldexp(1.0, ilogb(big)) : 1.0; /* big / unit in [1, 2) */
}

/* In units, each deviation is below 4 and its square below 16: no
 * overflow. */
void bf_moments_add_dev(bf_moments *m, double v)
{
    double t = v / m->unit - m->mean / m->unit;
    pp_mean_add(&m->dev, t);
    pp_mean_add(&m->square, t * t);
}

/* The mean square of the deviations from the exact mean: theirs from
 * m->mean less the square of their mean, m->mean's distance from it. */
double bf_moments_sd(const bf_moments *m)
{
    double shift = pp_mean_value(&m->dev), var = pp_mean_value(&m->square) - shift * shift;
    double sd = var > 0 ? m->unit * sqrt(var) : 0;
    return sd > DBL_MAX ? DBL_MAX : sd; /* at most max |value|, but for rounding */
}

/* 1 when the deviations are within the rounding error of computing them
 * about the mean of n values (Chan, Golub and LeVeque's bound for the two
 * passes, as scikit-learn's StandardScaler applies it): var <= n eps var +
 * (n eps mean)^2, compared as standard deviations. */
static int moments_constant(const bf_moments *m)
{
    double sd = bf_moments_sd(m), neps = (double)m->values.n * DBL_EPSILON;
    return m->lo == m->hi || neps >= 1 || sd * sqrt(1 - neps) <= neps * fabs(m->mean);
}

/* Mean and scale of input k from its moments; one-hot and indicator
 * columns keep their 0/1 (scale 1, no centering), a constant input stays
 * finite (scale 1). */
static void set_moments(bf_design *d, size_t k, const bf_moments *m)
{
    int binary = pp_output_binary(d->prep, k);
    d->mean[k] = binary ? 0 : m->mean;
    d->scale[k] = binary || moments_constant(m) ? 1.0 : bf_moments_sd(m);
}

static void fit_moments(bf_design *d, const double *x, size_t n)
{
    for (size_t k = 0; k < d->inputs; k++) {
        bf_moments m;
        bf_moments_init(&m);
        for (size_t i = 0; i < n; i++)
            bf_moments_add(&m, x[i * d->inputs + k]);
        bf_moments_mean(&m);
        for (size_t i = 0; i < n; i++)
            bf_moments_add_dev(&m, x[i * d->inputs + k]);
        set_moments(d, k, &m);
    }
}

/* Input k's training range, too wide for the Fourier or Legendre block,
 * named as every input is ("input 1 ('speed')"). */
static int fail_wide(const bf_design *d, size_t k, dl_err *e)
{
    dl_str name = {0};
    pp_output_name(d->prep, k, &name);
    int rc = dl_fail(e, DL_EDATA, "design: input %zu ('%s') spans %g to %g, wider than a double "
                                  "holds, for the %s block: scale x (--standardize)",
                     k + 1, name.failed ? "?" : dl_str_text(&name), d->lo[k], d->hi[k],
                     d->fourier ? "fourier" : "legendre");
    dl_str_free(&name);
    return rc;
}

/* Range of z per input; a constant input gets a unit range, or one of a
 * few units in its last place where 1 would vanish beside it (above 2^53),
 * up from it (down from the largest double).
 * The Fourier and Legendre blocks divide by the range: one wider than a
 * double holds would make every value NaN, so it is refused here, where
 * the input can be named. */
static int fit_range(bf_design *d, const double *x, size_t n, dl_err *e)
{
    for (size_t k = 0; k < d->inputs; k++) {
        double lo = INFINITY, hi = -INFINITY;
        for (size_t i = 0; i < n; i++) {
            double z = z_value(d, x + i * d->inputs, k);
            lo = z < lo ? z : lo;
            hi = z > hi ? z : hi;
        }
        if (!(hi > lo)) {
            double unit = fmax(1.0, fabs(lo) * 0x1p-50);
            hi = lo + unit;
            if (isinf(hi)) /* below the largest double instead */
                hi = lo, lo -= unit;
        }
        d->lo[k] = lo;
        d->hi[k] = hi;
        if ((d->fourier || d->legendre) && !isfinite(hi - lo))
            return fail_wide(d, k, e);
    }
    return 0;
}

static double grid_spacing(const bf_design *d, size_t k, int per_axis)
{
    return per_axis > 1 ? (d->hi[k] - d->lo[k]) / (per_axis - 1) : (d->hi[k] - d->lo[k]);
}

/* K points per axis; center c has axis-k index (c / K^k) % K. */
static double fit_grid_centers(bf_design *d, int per_axis)
{
    double spacing = 0;
    for (size_t c = 0; c < d->nrbf; c++) {
        size_t rest = c;
        for (size_t k = 0; k < d->inputs; k++) {
            size_t idx = rest % (size_t)per_axis;
            rest /= (size_t)per_axis;
            double mid = 0.5 * (d->lo[k] + d->hi[k]);
            if (isinf(mid)) /* lo + hi overflows near the largest double: in halves */
                mid = 0.5 * d->lo[k] + 0.5 * d->hi[k];
            d->centers[c * d->inputs + k] =
                per_axis > 1 ? d->lo[k] + (double)idx * grid_spacing(d, k, per_axis) : mid;
        }
    }
    for (size_t k = 0; k < d->inputs; k++)
        spacing += grid_spacing(d, k, per_axis);
    return spacing / (double)d->inputs;
}

static double sq_dist(const double *a, const double *b, size_t dim)
{
    double s = 0;
    for (size_t k = 0; k < dim; k++)
        s += (a[k] - b[k]) * (a[k] - b[k]);
    return s;
}

static size_t nearest_center(const bf_design *d, const double *z, double *dist)
{
    size_t best = 0;
    double bd = INFINITY;
    for (size_t c = 0; c < d->nrbf; c++) {
        double s = sq_dist(z, d->centers + c * d->inputs, d->inputs);
        if (s < bd) {
            bd = s;
            best = c;
        }
    }
    if (dist)
        *dist = bd;
    return best;
}

/* Means of the assigned points; an empty cluster keeps its center. */
static void kmeans_update(bf_design *d, const double *z, size_t n, const size_t *assign,
                          double *sums, size_t *counts)
{
    size_t dim = d->inputs;
    memset(sums, 0, d->nrbf * dim * sizeof *sums);
    memset(counts, 0, d->nrbf * sizeof *counts);
    for (size_t i = 0; i < n; i++) {
        counts[assign[i]]++;
        for (size_t k = 0; k < dim; k++)
            sums[assign[i] * dim + k] += z[i * dim + k];
    }
    for (size_t c = 0; c < d->nrbf; c++)
        for (size_t k = 0; counts[c] && k < dim; k++)
            d->centers[c * dim + k] = sums[c * dim + k] / (double)counts[c];
}

/* 1 when row z equals one of the first c centers. */
static int is_center(const bf_design *d, const double *z, size_t c)
{
    for (size_t o = 0; o < c; o++) {
        const double *mu = d->centers + o * d->inputs;
        size_t k = 0;
        while (k < d->inputs && mu[k] == z[k])
            k++;
        if (k == d->inputs)
            return 1;
    }
    return 0;
}

/* K distinct rows of z drawn with the seed (a partial Fisher-Yates over idx,
 * n entries, that drops a row equal to a center already drawn): rows
 * idx[0..c) are the centers, idx[c..end) the rows still to draw from.  With
 * all rows distinct the draws are those of a plain partial shuffle. */
static int kmeans_seed_centers(bf_design *d, const double *z, size_t n, uint64_t seed,
                               uint64_t *idx, dl_err *e)
{
    dl_rng rng;
    size_t end = n;
    dl_rng_seed(&rng, seed);
    for (size_t i = 0; i < n; i++)
        idx[i] = i;
    for (size_t c = 0; c < d->nrbf; c++) {
        for (;;) {
            if (c == end) /* every row left repeats a center: c distinct rows */
                return dl_fail(e, DL_EDATA, "design: k-means needs %zu distinct rows but the "
                               "data has %zu (of %zu row%s): give fewer centers",
                               d->nrbf, c, n, dl_plural(n));
            size_t j = c + (size_t)dl_rng_below(&rng, end - c);
            uint64_t t = idx[c];
            idx[c] = idx[j];
            idx[j] = t;
            if (!is_center(d, z + idx[c] * d->inputs, c))
                break;
            t = idx[c]; /* a repeat: it leaves the rows to draw from */
            idx[c] = idx[--end];
            idx[end] = t;
        }
        memcpy(d->centers + c * d->inputs, z + idx[c] * d->inputs, d->inputs * sizeof(double));
    }
    return 0;
}

/* Lloyd's algorithm from K distinct seeded rows, until no point moves. */
static int kmeans_lloyd(bf_design *d, const double *z, size_t n, uint64_t seed, dl_err *e)
{
    size_t *assign = NULL, *counts = NULL;
    uint64_t *idx = NULL;
    double *sums = NULL;
    int rc = dl_mem_array(&assign, n, sizeof *assign, "design", e) ||
             dl_mem_array(&counts, d->nrbf, sizeof *counts, "design", e) ||
             dl_mem_array(&idx, n, sizeof *idx, "design", e) ||
             dl_mem_array(&sums, d->nrbf * d->inputs, sizeof *sums, "design", e) ? e->code : 0;
    if (!rc) {
        rc = kmeans_seed_centers(d, z, n, seed, idx, e);
        for (size_t i = 0; i < n; i++)
            assign[i] = SIZE_MAX;
        for (int it = 0; !rc && it < KMEANS_MAX_ITER; it++) {
            size_t moved = 0;
            for (size_t i = 0; i < n; i++) {
                size_t c = nearest_center(d, z + i * d->inputs, NULL);
                moved += c != assign[i];
                assign[i] = c;
            }
            if (!moved)
                break;
            kmeans_update(d, z, n, assign, sums, counts);
        }
    }
    free(assign);
    free(counts);
    free(idx);
    free(sums);
    return rc ? e->code : 0;
}

/* Mean distance from each center to its nearest neighbour (two centers at
 * least). */
static double kmeans_spacing(bf_design *d)
{
    double total = 0;
    for (size_t c = 0; c < d->nrbf; c++) {
        double best = INFINITY;
        for (size_t o = 0; o < d->nrbf; o++)
            if (o != c) {
                double s = sq_dist(d->centers + c * d->inputs, d->centers + o * d->inputs,
                                   d->inputs);
                best = s < best ? s : best;
            }
        total += sqrt(best);
    }
    return total / (double)d->nrbf;
}

/* The width of one k-means center, which has no neighbour: half the
 * training range, averaged over the inputs (each weighs the same, as in the
 * grid's mean step). */
static double half_mean_range(const bf_design *d)
{
    double spacing = 0;
    for (size_t k = 0; k < d->inputs; k++)
        spacing += 0.5 * (d->hi[k] - d->lo[k]) / (double)d->inputs;
    return spacing;
}

static int fit_kmeans(bf_design *d, const double *x, size_t n, uint64_t seed, double *spacing,
                      dl_err *e)
{
    if (n < d->nrbf)
        return dl_fail(e, DL_EDATA, "design: k-means needs at least %zu row%s, got %zu",
                       d->nrbf, dl_plural(d->nrbf), n);
    double *z = NULL;
    if (dl_mem_array(&z, n * d->inputs, sizeof *z, "design", e))
        return e->code; /* n * inputs already fits: x exists */
    /* Lloyd runs in units of a power of 2 near the largest |z|, where the
     * sums of rows cannot overflow nor squared distances underflow, at
     * either end of the double range; dividing by a power of 2 is exact, so
     * other data find the same centers to the bit. */
    double big = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t k = 0; k < d->inputs; k++) {
            z[i * d->inputs + k] = z_value(d, x + i * d->inputs, k);
            big = fmax(big, fabs(z[i * d->inputs + k]));
        }
    int unit = big > 0 ? ilogb(big) : 0;
    for (size_t i = 0; i < n * d->inputs; i++)
        z[i] = ldexp(z[i], -unit);
    int rc = kmeans_lloyd(d, z, n, seed, e);
    free(z);
    *spacing = d->nrbf < 2 ? half_mean_range(d) : ldexp(kmeans_spacing(d), unit);
    for (size_t i = 0; i < d->nrbf * d->inputs; i++)
        d->centers[i] = ldexp(d->centers[i], unit);
    return rc;
}

static int fit_rbf(bf_design *d, const bf_opts *o, const double *x, size_t n, dl_err *e)
{
    uint64_t count;
    if (rbf_centers_count(o, d->inputs, &count) || count > SIZE_MAX / 2 / (d->inputs + 1))
        return dl_fail(e, DL_ENOMEM, "design: too many rbf centers");
    d->nrbf = (size_t)count;
    if (dl_mem_array(&d->centers, d->nrbf * d->inputs, sizeof(double), "design", e))
        return e->code;
    double spacing = 0;
    if (o->rbf_centers == BF_CENTERS_KMEANS) {
        if (fit_kmeans(d, x, n, o->seed, &spacing, e))
            return e->code;
    } else {
        spacing = fit_grid_centers(d, o->rbf);
    }
    d->alpha = o->rbf_alpha;
    if (o->rbf_alpha > 0)
        return 0;
    double sigma = o->rbf_width > 0 ? o->rbf_width : spacing;
    if (!(sigma > 0))
        return dl_fail(e, DL_EDATA, "design: rbf width is zero (all centers coincide); "
                                    "give --width or --alpha");
    if (bf_rbf_alpha(sigma, &d->alpha))
        return dl_fail(e, DL_EDATA, "design: rbf width %g%s gives alpha = 1/(2 width^2) "
                                    "outside a double's range (width from about 1e-154 to "
                                    "1e153): %s", sigma,
                       o->rbf_width > 0 ? "" : " (the centers' spacing)",
                       o->rbf_width > 0 ? "give another --width, or --alpha"
                                        : "scale x (--standardize), or give --width or --alpha");
    return 0;
}

int bf_rbf_alpha(double width, double *alpha)
{
    *alpha = 1.0 / (2.0 * width * width);
    return isnormal(*alpha) ? 0 : -1;
}

static int check_options(const bf_opts *o, size_t n, size_t inputs, dl_err *e)
{
    if (inputs == 0)
        return dl_fail(e, DL_EDATA, "design: x has no columns");
    if (n == 0 && bf_opts_need_data(o))
        return dl_fail(e, DL_EDATA, "design: fitting needs at least one row of x");
    if (o->poly < 0 || o->rbf < 0 || o->fourier < 0 || o->legendre < 0)
        return dl_fail(e, DL_EUSAGE, "design: negative basis size");
    if (o->rbf_width < 0 || o->rbf_alpha < 0)
        return dl_fail(e, DL_EUSAGE, "design: negative rbf width or alpha");
    return 0;
}

static int design_alloc(bf_design **out, const bf_opts *o, size_t inputs, dl_err *e)
{
    bf_design *d = calloc(1, sizeof *d);
    if (!d)
        return dl_fail(e, DL_ENOMEM, "design: out of memory");
    d->inputs = inputs;
    d->bias = o->bias;
    d->standardize = o->standardize;
    d->poly = o->poly;
    d->fourier = o->fourier;
    d->legendre = o->legendre;
    *out = d;
    uint64_t cols;
    if (bf_count_columns(o, inputs, &cols, e))
        return e->code;
    if (cols > SIZE_MAX / sizeof(double))
        return dl_fail(e, DL_ENOMEM, "design: too many columns");
    d->cols = (size_t)cols;
    if (d->standardize && (dl_mem_array(&d->mean, inputs, sizeof(double), "design", e) ||
                           dl_mem_array(&d->scale, inputs, sizeof(double), "design", e)))
        return e->code;
    if (dl_mem_array(&d->lo, inputs, sizeof(double), "design", e) ||
        dl_mem_array(&d->hi, inputs, sizeof(double), "design", e))
        return e->code;
    if (d->poly && build_poly(d, e))
        return e->code;
    return 0;
}

int bf_fit(bf_design **out, const bf_opts *o, const double *x, size_t n, size_t inputs,
           dl_err *e)
{
    pp_prep *prep;
    *out = NULL;
    if (pp_identity(&prep, inputs, NULL, e))
        return e->code;
    return bf_fit_prep(out, o, prep, x, n, e);
}

int bf_fit_prep(bf_design **out, const bf_opts *o, pp_prep *prep, const double *x, size_t n,
                dl_err *e)
{
    *out = NULL;
    bf_design *d = NULL;
    size_t inputs = pp_output_dim(prep);
    if (check_options(o, n, inputs, e) || design_alloc(&d, o, inputs, e)) {
        if (d)
            d->prep = prep;
        else
            pp_free(prep);
        goto fail;
    }
    d->prep = prep;
    if (d->standardize)
        fit_moments(d, x, n);
    if (n > 0 && fit_range(d, x, n, e))
        goto fail;
    if (o->rbf > 0 && fit_rbf(d, o, x, n, e))
        goto fail;
    *out = d;
    return 0;
fail:
    bf_free(d);
    return e->code;
}

int bf_fit_moments(bf_design **out, const bf_opts *o, pp_prep *prep, const bf_moments *m,
                   dl_err *e)
{
    size_t n = pp_output_dim(prep) ? (size_t)m[0].values.n : 0;
    bf_opts plain = *o;
    plain.standardize = 0;
    if (bf_opts_need_rows(o)) {
        pp_free(prep);
        return dl_fail(e, DL_EUSAGE, "design: this basis needs the rows, not their moments");
    }
    if (check_options(o, n, pp_output_dim(prep), e)) {
        pp_free(prep);
        return e->code;
    }
    bf_design *d = NULL;
    if (bf_fit_prep(&d, &plain, prep, NULL, 0, e))
        return e->code;
    d->standardize = o->standardize;
    if (d->standardize && (dl_mem_array(&d->mean, d->inputs, sizeof(double), "design", e) ||
                           dl_mem_array(&d->scale, d->inputs, sizeof(double), "design", e))) {
        bf_free(d);
        return e->code;
    }
    for (size_t k = 0; d->standardize && k < d->inputs; k++)
        set_moments(d, k, &m[k]);
    *out = d;
    return 0;
}

/* ------------------------------ applying ------------------------------ */

static double *apply_poly(const bf_design *d, const double *z, double *out)
{
    for (size_t j = 0; j < d->npoly; j++) {
        double parent = d->poly_parent[j] == NO_PARENT ? 1.0 : out[d->poly_parent[j]];
        out[j] = parent * z[d->poly_var[j]];
    }
    return out + d->npoly;
}

static double *apply_rbf(const bf_design *d, const double *z, double *out)
{
    for (size_t c = 0; c < d->nrbf; c++)
        out[c] = exp(-d->alpha * sq_dist(z, d->centers + c * d->inputs, d->inputs));
    return out + d->nrbf;
}

/* Input k's place in its training range: 0 at lo, 1 at hi.  z - lo
 * overflows for an input far out beyond one end of a wide range, where
 * the place itself is finite (2 for 1e308 over [-1e308, 0]): then in
 * halves, which only that case takes, so other inputs keep their bits. */
static double range_place(const bf_design *d, const double *z, size_t k)
{
    double u = (z[k] - d->lo[k]) / (d->hi[k] - d->lo[k]);
    if (isfinite(u))
        return u;
    return (0.5 * z[k] - 0.5 * d->lo[k]) / (0.5 * (d->hi[k] - d->lo[k]));
}

/* Input k mapped to [-1, 1] over its training range.  2 (z - lo)
 * overflows far out of the range where t itself is finite (1e308 - 2 for
 * 1e308 over [1, 3]): then from the middle of the range, in halves, which
 * only that case takes, so other inputs keep their bits. */
static double range_t(const bf_design *d, const double *z, size_t k)
{
    double t = 2.0 * (z[k] - d->lo[k]) / (d->hi[k] - d->lo[k]) - 1.0;
    if (isfinite(t))
        return t;
    double mid = 0.5 * d->lo[k] + 0.5 * d->hi[k], half = 0.5 * (d->hi[k] - d->lo[k]);
    return (0.5 * z[k] - 0.5 * mid) / (0.5 * half);
}

static double *apply_fourier(const bf_design *d, const double *z, double *out)
{
    for (size_t k = 0; k < d->inputs; k++) {
        double u = range_place(d, z, k);
        for (int f = 1; f <= d->fourier; f++) {
            *out++ = sin(TWO_PI * f * u);
            *out++ = cos(TWO_PI * f * u);
        }
    }
    return out;
}

/* Bonnet's recurrence: (k+1) P_{k+1} = (2k+1) t P_k - k P_{k-1}.  Its
 * (2k+1) t P_k is up to k+1 times P_{k+1}, and overflows where P_{k+1}
 * does not (P2(1e154) = 1.5e308): then divided first, which only that
 * case takes, so other values keep their bits. */
static double *apply_legendre(const bf_design *d, const double *z, double *out)
{
    for (size_t k = 0; k < d->inputs; k++) {
        double t = range_t(d, z, k);
        double prev = 1.0, cur = t;
        *out++ = cur;
        for (int m = 1; m < d->legendre; m++) {
            double next = ((2.0 * m + 1.0) * t * cur - m * prev) / (m + 1.0);
            if (!isfinite(next))
                next = (2.0 * m + 1.0) / (m + 1.0) * (t * cur) - m / (m + 1.0) * prev;
            prev = cur;
            cur = next;
            *out++ = cur;
        }
    }
    return out;
}

static void apply_row(const bf_design *d, const double *x, double *z, double *out)
{
    for (size_t k = 0; k < d->inputs; k++)
        z[k] = z_value(d, x, k);
    if (d->bias)
        *out++ = 1.0;
    if (d->poly)
        out = apply_poly(d, z, out);
    if (d->nrbf)
        out = apply_rbf(d, z, out);
    if (d->fourier)
        out = apply_fourier(d, z, out);
    if (d->legendre)
        apply_legendre(d, z, out);
}

int bf_apply_rows(const bf_design *d, const double *x, size_t n, uint64_t first_row,
                  double *out, dl_err *e)
{
    double *z = NULL, *in = NULL;
    size_t raw = pp_input_dim(d->prep);
    int rc = dl_mem_array(&z, d->inputs, sizeof *z, "design", e) ||
             dl_mem_array(&in, d->inputs, sizeof *in, "design", e) ? e->code : 0;
    for (size_t i = 0; !rc && i < n; i++) {
        rc = pp_apply(d->prep, x + i * raw, 1, first_row + i, in, e);
        if (!rc)
            apply_row(d, in, z, out + i * d->cols);
    }
    free(z);
    free(in);
    return rc;
}

int bf_apply(const bf_design *d, const double *x, size_t n, double *out, dl_err *e)
{
    return bf_apply_rows(d, x, n, 0, out, e);
}

/* A design value that is not finite, named by its row (0-based here) and
 * its column's name, with what may help: a polynomial's or Legendre
 * polynomial's value grows with the degree; a sine, cosine or Gaussian
 * only fails on an input too far out for its mapping. */
static int overflow_error(const bf_design *d, uint64_t row, size_t col, dl_err *e)
{
    dl_str name = {0};
    bf_output_name(d, col, &name);
    size_t j = col - (d->bias != 0);
    int by_degree = j < d->npoly || j >= d->npoly + d->nrbf + 2 * (size_t)d->fourier * d->inputs;
    const char *hint = by_degree ? d->standardize
                                       ? "try a lower degree: the inputs are standardized already"
                                       : "try --standardize or a lower degree"
                       : d->standardize ? "the input is too far out for this basis"
                                        : "the input is too far out for this basis: scale x, "
                                          "--standardize";
    int rc = dl_fail(e, DL_EDATA, "design row %llu column %zu ('%s') overflows to infinity (%s)",
                     (unsigned long long)row + 1, col + 1, name.failed ? "?" : dl_str_text(&name),
                     hint);
    dl_str_free(&name);
    return rc;
}

/* A standardized input that is itself infinite (an input near the largest
 * double, a training scale below 1): no degree or basis is to blame, the
 * value is too far from the training rows.  0 when row `row` (0-based) of x
 * has none. */
static int standardize_overflow(const bf_design *d, const double *x, uint64_t row, dl_err *e)
{
    double *in = NULL;
    dl_err ignored = {0};
    if (!d->standardize || dl_mem_array(&in, d->inputs, sizeof *in, "design", &ignored) ||
        pp_apply(d->prep, x, 1, row, in, &ignored)) {
        free(in);
        return 0;
    }
    size_t k = 0;
    while (k < d->inputs && isfinite(z_value(d, in, k)))
        k++;
    int rc = 0;
    if (k < d->inputs) {
        dl_str name = {0};
        pp_output_name(d->prep, k, &name);
        rc = dl_fail(e, DL_EDATA, "design row %llu, input %zu ('%s'): %.17g is too far out of the "
                                  "training rows (mean %.17g, standard deviation %.17g) to "
                                  "standardize: it overflows to infinity",
                     (unsigned long long)row + 1, k + 1, name.failed ? "?" : dl_str_text(&name),
                     in[k], d->mean[k], d->scale[k]);
        dl_str_free(&name);
    }
    free(in);
    return rc;
}

int bf_apply_tensor(const bf_design *d, const dl_tensor *x_raw, uint64_t first_row,
                    const char *name, dl_tensor *out, dl_err *e)
{
    size_t raw = pp_input_dim(d->prep);
    dl_tensor x;
    memset(out, 0, sizeof *out);
    if (dl_tensor_copy(&x, x_raw, e))
        return e->code;
    int rc = dl_tensor_as_matrix(&x, e) || dl_tensor_convert(&x, DL_F64, e) ? e->code : 0;
    if (!rc && x.shape[1] != raw)
        rc = dl_fail(e, DL_EDATA, "x has %llu column%s but the design takes %zu input%s",
                     (unsigned long long)x.shape[1], dl_plural((unsigned long long)x.shape[1]),
                     raw, dl_plural(raw));
    if (!rc)
        rc = dl_tensor_alloc2(out, name, DL_F64, x.shape[0], d->cols, e) ||
             bf_apply_rows(d, x.data, (size_t)x.shape[0], first_row, out->data, e) ? e->code : 0;
    int64_t bad = rc ? -1 : dl_tensor_find_nonfinite(out);
    if (bad >= 0) {
        uint64_t i = (uint64_t)bad / d->cols;
        rc = standardize_overflow(d, (const double *)x.data + i * raw, i + first_row, e) ||
             overflow_error(d, i + first_row, (size_t)(bad % (int64_t)d->cols), e) ? e->code : 0;
    }
    dl_tensor_free(&x);
    if (rc)
        dl_tensor_free(out);
    return rc ? e->code : 0;
}

/* ------------------------------ the record ------------------------------ */

/* Appends "key: v1 v2 ..."; *bad becomes the key of the first values with
 * one that is not finite (which the record never holds). */
static void tb_numbers(dl_str *b, const char *key, const double *v, size_t n, const char **bad)
{
    dl_str_printf(b, "%s:", key);
    for (size_t i = 0; i < n; i++) {
        dl_str_printf(b, " %.17g", v[i]);
        if (!isfinite(v[i]) && !*bad)
            *bad = key;
    }
    dl_str_printf(b, "\n");
}

int bf_to_record(const bf_design *d, dl_tensor *rec, dl_err *e)
{
    dl_str b = {0};
    const char *bad = NULL;
    dl_str_printf(&b, "inputs: %zu\ncolumns: %zu\nbias: %d\nstandardize: %d\n",
                  pp_input_dim(d->prep), d->cols, d->bias, d->standardize);
    if (d->standardize) {
        tb_numbers(&b, "mean", d->mean, d->inputs, &bad);
        tb_numbers(&b, "scale", d->scale, d->inputs, &bad);
    }
    dl_str_printf(&b, "poly: %d\nrbf: %zu\n", d->poly, d->nrbf);
    if (d->nrbf) {
        tb_numbers(&b, "rbf_alpha", &d->alpha, 1, &bad);
        tb_numbers(&b, "rbf_centers", d->centers, d->nrbf * d->inputs, &bad);
    }
    dl_str_printf(&b, "fourier: %d\nlegendre: %d\n", d->fourier, d->legendre);
    if (d->fourier || d->legendre) {
        tb_numbers(&b, "lo", d->lo, d->inputs, &bad);
        tb_numbers(&b, "hi", d->hi, d->inputs, &bad);
    }
    if (bad) {
        dl_str_free(&b);
        return dl_fail(e, DL_EDATA, "design: the fitted '%s' overflows to infinity (the inputs "
                                    "are too far apart for this basis: scale them down)", bad);
    }
    pp_write_text(d->prep, &b);
    char *text;
    size_t n;
    if (dl_str_take(&b, &text, &n, e))
        return dl_err_wrap(e, "design record");
    uint64_t len = n;
    int rc = dl_tensor_alloc(rec, "design", DL_U8, 1, &len, e);
    if (!rc)
        memcpy(rec->data, text, n);
    free(text);
    return rc;
}

/* The record's lines, looked up by key. */
#define BF_KEYS 22
static const char *const bf_keys[BF_KEYS] = {
    "inputs", "columns", "bias", "standardize", "mean", "scale", "poly",
    "rbf", "rbf_alpha", "rbf_centers", "fourier", "legendre", "lo", "hi",
    "impute", "fill", "indicator", "missing", "unseen", "names", "categories", "onehot"};

typedef struct bf_text {
    char *copy;
    const char *value[BF_KEYS];
} bf_text;

static int split_lines(bf_text *t, const dl_tensor *rec, dl_err *e)
{
    uint64_t len = dl_tensor_nelem(rec);
    if (rec->dtype != DL_U8 || rec->rank != 1)
        return dl_fail(e, DL_EDATA, "design record must be u8 text of rank 1");
    if (dl_mem_array(&t->copy, (size_t)len + 1, 1, "design", e))
        return e->code;
    memcpy(t->copy, rec->data, (size_t)len);
    return kv_split(t->copy, bf_keys, BF_KEYS, t->value, "design record", e);
}

static int parse_doubles(const bf_text *t, int key, double *out, size_t n, dl_err *e)
{
    const char *s = t->value[key];
    if (!s)
        return dl_fail(e, DL_EDATA, "design record: missing '%s'", bf_keys[key]);
    for (size_t i = 0; i < n; i++) {
        char *end;
        out[i] = strtod(s, &end);
        if (end == s || !isfinite(out[i]))
            return dl_fail(e, DL_EDATA, "design record: '%s' needs %zu finite numbers",
                           bf_keys[key], n);
        s = end;
    }
    while (*s == ' ')
        s++;
    if (*s)
        return dl_fail(e, DL_EDATA, "design record: '%s' has more than %zu numbers",
                       bf_keys[key], n);
    return 0;
}

static int parse_count(const bf_text *t, int key, uint64_t max, uint64_t *out, dl_err *e)
{
    const char *s = t->value[key];
    if (!s)
        return dl_fail(e, DL_EDATA, "design record: missing '%s'", bf_keys[key]);
    char *end;
    while (*s == ' ')
        s++;
    unsigned long long v = strtoull(s, &end, 10);
    if (end == s || *end || *s == '-' || v > max)
        return dl_fail(e, DL_EDATA, "design record: '%s' is not a count up to %llu",
                       bf_keys[key], (unsigned long long)max);
    *out = v;
    return 0;
}

enum { K_INPUTS, K_COLUMNS, K_BIAS, K_STD, K_MEAN, K_SCALE, K_POLY, K_RBF, K_ALPHA,
       K_CENTERS, K_FOURIER, K_LEGENDRE, K_LO, K_HI, K_IMPUTE, K_FILL, K_INDICATOR, K_MISSING,
       K_UNSEEN, K_NAMES, K_CATEGORIES, K_ONEHOT };

/* The input stage's lines (prep.h). */
static int parse_prep(const bf_text *t, uint64_t inputs, pp_prep **prep, dl_err *e)
{
    pp_text pt = {t->value[K_IMPUTE], t->value[K_FILL], t->value[K_INDICATOR],
                  t->value[K_MISSING], t->value[K_UNSEEN], t->value[K_NAMES],
                  t->value[K_CATEGORIES], t->value[K_ONEHOT]};
    return pp_parse_text(prep, (size_t)inputs, &pt, e);
}

#define BF_COUNT_MAX 100000000ULL

static int parse_options(const bf_text *t, bf_opts *o, uint64_t *inputs, uint64_t *nrbf,
                         dl_err *e)
{
    uint64_t v[6];
    const int keys[6] = {K_BIAS, K_STD, K_POLY, K_FOURIER, K_LEGENDRE, K_RBF};
    if (parse_count(t, K_INPUTS, BF_COUNT_MAX, inputs, e))
        return e->code;
    for (int i = 0; i < 6; i++)
        if (parse_count(t, keys[i], i < 2 ? 1 : BF_COUNT_MAX, &v[i], e))
            return e->code;
    bf_opts_defaults(o);
    o->bias = (int)v[0];
    o->standardize = (int)v[1];
    o->poly = (int)v[2];
    o->fourier = (int)v[3];
    o->legendre = (int)v[4];
    *nrbf = v[5];
    /* k-means: exactly nrbf centers, whatever the input count */
    o->rbf = (int)v[5];
    o->rbf_centers = BF_CENTERS_KMEANS;
    return 0;
}

static int check_ranges(const bf_design *d, dl_err *e)
{
    for (size_t k = 0; k < d->inputs; k++) {
        if (d->standardize && !(d->scale[k] > 0))
            return dl_fail(e, DL_EDATA, "design record: scale %zu is not positive", k + 1);
        if ((d->fourier || d->legendre) && !(d->hi[k] > d->lo[k]))
            return dl_fail(e, DL_EDATA, "design record: hi %zu is not above lo", k + 1);
    }
    return 0;
}

static int parse_values(bf_design *d, const bf_text *t, dl_err *e)
{
    if (d->standardize && (parse_doubles(t, K_MEAN, d->mean, d->inputs, e) ||
                           parse_doubles(t, K_SCALE, d->scale, d->inputs, e)))
        return e->code;
    if (d->nrbf && (dl_mem_array(&d->centers, d->nrbf * d->inputs, sizeof(double), "design", e) ||
                    parse_doubles(t, K_ALPHA, &d->alpha, 1, e) ||
                    parse_doubles(t, K_CENTERS, d->centers, d->nrbf * d->inputs, e)))
        return e->code;
    if (d->nrbf && !(d->alpha > 0))
        return dl_fail(e, DL_EDATA, "design record: rbf_alpha is not positive");
    if ((d->fourier || d->legendre) && (parse_doubles(t, K_LO, d->lo, d->inputs, e) ||
                                        parse_doubles(t, K_HI, d->hi, d->inputs, e)))
        return e->code;
    return check_ranges(d, e);
}

int bf_from_record(bf_design **out, const dl_tensor *rec, dl_err *e)
{
    bf_text t;
    bf_opts o;
    bf_design *d = NULL;
    pp_prep *prep = NULL;
    uint64_t inputs = 0, nrbf = 0, cols = 0;
    memset(&t, 0, sizeof t);
    *out = NULL;
    int rc = split_lines(&t, rec, e) || parse_options(&t, &o, &inputs, &nrbf, e) ||
             parse_count(&t, K_COLUMNS, UINT64_MAX, &cols, e) ? e->code : 0;
    if (!rc && inputs == 0)
        rc = dl_fail(e, DL_EDATA, "design record: inputs must be at least 1");
    if (!rc && !(rc = parse_prep(&t, inputs, &prep, e)))
        inputs = pp_output_dim(prep); /* the basis's inputs */
    uint64_t expect = 0; /* checked before any allocation sized by the record */
    if (!rc)
        rc = bf_count_columns(&o, inputs, &expect, e);
    if (!rc && expect != cols)
        rc = dl_fail(e, DL_EDATA, "design record: says %llu column%s but its blocks make %llu",
                     (unsigned long long)cols, dl_plural((unsigned long long)cols),
                     (unsigned long long)expect);
    if (!rc)
        rc = design_alloc(&d, &o, (size_t)inputs, e);
    if (d) {
        d->prep = prep;
        prep = NULL;
    }
    if (!rc) {
        d->nrbf = (size_t)nrbf;
        rc = parse_values(d, &t, e);
    }
    free(t.copy);
    pp_free(prep);
    if (rc) {
        bf_free(d);
        return e->code;
    }
    *out = d;
    return 0;
}

int bf_design_equal(const dl_tensor *a, const dl_tensor *b)
{
    uint64_t len = dl_tensor_nbytes(a);
    return a->dtype == b->dtype && dl_tensor_nbytes(b) == len &&
           (len == 0 || memcmp(a->data, b->data, (size_t)len) == 0);
}

/* "a^2*b": the variables of poly column j with their powers, smallest
 * first.  Its chain of factors holds them largest first, one link of
 * poly_before per variable: the k-th from the end is found by walking. */
static void poly_name(const bf_design *d, size_t j, dl_str *b)
{
    size_t vars = 0;
    for (size_t c = j; c != NO_PARENT; c = d->poly_before[c])
        vars++;
    while (vars-- > 0) {
        size_t c = j;
        for (size_t k = 0; k < vars; k++)
            c = d->poly_before[c];
        pp_output_name(d->prep, d->poly_var[c], b);
        if (d->poly_power[c] > 1)
            dl_str_printf(b, "^%zu", d->poly_power[c]);
        if (vars > 0)
            dl_str_printf(b, "*");
    }
}

void bf_output_name(const bf_design *d, size_t j, dl_str *b)
{
    if (d->bias && j-- == 0) {
        dl_str_printf(b, "bias");
        return;
    }
    if (j < d->npoly) {
        poly_name(d, j, b);
        return;
    }
    j -= d->npoly;
    if (j < d->nrbf) {
        dl_str_printf(b, "rbf%zu", j);
        return;
    }
    j -= d->nrbf;
    size_t per = 2 * (size_t)d->fourier;
    if (per && j < per * d->inputs) {
        dl_str_printf(b, "%s%zu(", j % 2 ? "cos" : "sin", j % per / 2 + 1);
        pp_output_name(d->prep, j / per, b);
        dl_str_printf(b, ")");
        return;
    }
    j -= per * d->inputs;
    dl_str_printf(b, "P%zu(", j % (size_t)d->legendre + 1);
    pp_output_name(d->prep, j / (size_t)d->legendre, b);
    dl_str_printf(b, ")");
}

const pp_prep *bf_prep(const bf_design *d) { return d->prep; }
pp_prep *bf_prep_mut(bf_design *d) { return d->prep; }

/* The report line in buf; DL_ENOMEM (buf then says only "design: N
 * columns from M inputs") when building it ran out of memory. */
int bf_describe(const bf_design *d, char *buf, size_t len, dl_err *e)
{
    dl_str b = {0};
    pp_describe(d->prep, &b);
    dl_str_printf(&b, "%s", d->standardize ? "standardized inputs; " : "");
    dl_str_printf(&b, "%s", d->bias ? "bias" : "no bias");
    if (d->poly)
        dl_str_printf(&b, " + poly %d", d->poly);
    if (d->nrbf)
        dl_str_printf(&b, " + rbf %zu (alpha %.6g)", d->nrbf, d->alpha);
    if (d->fourier)
        dl_str_printf(&b, " + fourier %d", d->fourier);
    if (d->legendre)
        dl_str_printf(&b, " + legendre %d", d->legendre);
    int failed = b.failed;
    snprintf(buf, len, "%s: %zu column%s from %zu input%s", failed ? "design" : dl_str_text(&b),
             d->cols, dl_plural(d->cols), d->inputs, dl_plural(d->inputs));
    dl_str_free(&b);
    return failed ? dl_fail(e, DL_ENOMEM, "out of memory describing the design") : 0;
}
