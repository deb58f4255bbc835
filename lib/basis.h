/* basis.h - design matrices for models linear in their parameters.
 *
 * A design maps a raw input row x (D values) to a row of basis functions
 * phi(x) (P values).  Its blocks, always in this order:
 *   bias      one column of 1
 *   poly D    every monomial of total degree 1..D over all inputs, in
 *             scikit-learn's PolynomialFeatures order (C(n+D, D) - 1 columns)
 *   rbf K     Gaussian bumps exp(-alpha * |z - mu_j|^2), centers on a grid
 *             (K per input axis, K^D centers) or by seeded k-means (K centers)
 *   fourier K per input: sin(2 pi k u), cos(2 pi k u), k = 1..K, with u the
 *             input mapped to [0, 1] from the training range
 *   legendre D per input: P_1..P_D of the input mapped to [-1, 1]
 * The inputs are the raw columns of x after the input stage (prep.h: missing
 * cells imputed, categorical columns one-hot encoded, indicator columns).
 * z is the input, standardized first when `standardize` is on (training mean
 * and population standard deviation; an input constant within rounding, as
 * scikit-learn's StandardScaler judges it, keeps scale 1; one-hot and
 * indicator columns stay 0/1).
 *
 * Fitting (bf_fit) turns options plus training data into a fitted design;
 * every fitted value (means, scales, ranges, centers, alpha) is stored in the
 * `design` record (u8 text, "key: values" lines, %.17g numbers) so the
 * identical basis is applied to new data by bf_apply. */
#ifndef DL_BASIS_H
#define DL_BASIS_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "err.h"
#include "prep.h"
#include "tensor.h"

enum bf_centers { BF_CENTERS_GRID = 0, BF_CENTERS_KMEANS = 1 };

/* What the user asked for; zero means "block off" (bias excepted). */
typedef struct bf_opts {
    int bias;          /* 1 by default */
    int standardize;
    int poly;          /* total degree, 0 = none */
    int rbf;           /* centers per axis (grid) or in all (k-means) */
    int rbf_centers;   /* enum bf_centers */
    double rbf_width;  /* sigma; 0 = derived from the center spacing */
    double rbf_alpha;  /* 1/(2 sigma^2); 0 = from the width */
    uint64_t seed;     /* k-means initialisation */
    int fourier;       /* frequencies per input */
    int legendre;      /* degree per input */
} bf_opts;

/* The defaults: bias on, everything else off. */
void bf_opts_defaults(bf_opts *o);
/* 1 when no basis block was chosen (then dl-design uses poly 1: x itself). */
int bf_opts_empty(const bf_opts *o);
/* 1 when fitting needs the training data (ranges, moments, centers). */
int bf_opts_need_data(const bf_opts *o);
/* 1 when fitting needs the rows themselves (ranges, centers), not just the
 * moments that --standardize takes. */
int bf_opts_need_rows(const bf_opts *o);
/* alpha = 1/(2 width^2) into *alpha, or -1 when that is not a normal
 * double (a width beyond about 1e-154 to 1e153): 0 or inf would make every
 * rbf column 1 or 0 whatever the data. */
int bf_rbf_alpha(double width, double *alpha);
/* Number of design columns for `inputs` inputs, or DL_ENOMEM when it does
 * not fit in 64 bits (the curse of dimensionality made concrete). */
int bf_count_columns(const bf_opts *o, uint64_t inputs, uint64_t *cols, dl_err *e);

typedef struct bf_design bf_design;

/* Fits the design on x (n rows of `inputs` f64 values, row-major), with
 * no input stage (the identity). */
int bf_fit(bf_design **d, const bf_opts *o, const double *x, size_t n, size_t inputs,
           dl_err *e);
/* Fits the design after a fitted input stage, which it takes (freed on
 * failure too); z is n rows already through the stage (pp_apply). */
int bf_fit_prep(bf_design **d, const bf_opts *o, pp_prep *prep, const double *z, size_t n,
                dl_err *e);

/* The moments of one input for standardizing: two passes over its values
 * in the same order, the values (bf_moments_add), then, after
 * bf_moments_mean, their deviations from the mean (bf_moments_add_dev).
 * The mean is --impute mean's (pp_mean: the exact mean rounded once but
 * for a rare last place), kept within the values' range (a constant
 * input's mean is its value); the standard deviation is that of the
 * population, from the deviations' squares less their own mean squared
 * (what the mean's last place leaves in them), both summed as pp_mean
 * sums.  Neither overflows for finite values: the deviations are taken in
 * units of a power of 2 near the largest value.  The fit in memory and
 * dl-design's streamed one both use it, so they agree bit for bit. */
typedef struct bf_moments {
    pp_mean values;      /* the first pass */
    double lo, hi;       /* the values' range */
    double mean, unit;   /* unit: a power of 2 near the largest |value| */
    pp_mean dev, square; /* the second pass: deviations in units, and their squares */
} bf_moments;
void bf_moments_init(bf_moments *m);
void bf_moments_add(bf_moments *m, double v);
void bf_moments_mean(bf_moments *m);
void bf_moments_add_dev(bf_moments *m, double v);
double bf_moments_sd(const bf_moments *m);

/* The same for a basis that needs no rows (!bf_opts_need_rows), from the
 * moments of each column of z (pp_output_dim(prep) of them, both passes
 * done), found by the caller (dl-design streams them). */
int bf_fit_moments(bf_design **d, const bf_opts *o, pp_prep *prep, const bf_moments *m,
                   dl_err *e);
/* The design's input stage (to bind an input's categories: pp_bind). */
const pp_prep *bf_prep(const bf_design *d);
pp_prep *bf_prep_mut(bf_design *d);
void bf_free(bf_design *d);
size_t bf_input_dim(const bf_design *d);
size_t bf_output_dim(const bf_design *d);
/* The index of the bias column (the intercept) in the output, or -1. */
long bf_bias_column(const bf_design *d);

/* Writes phi for n raw rows of x into out (n x bf_output_dim, row-major).
 * Errors name a row counted from first_row (0-based) and a column. */
int bf_apply_rows(const bf_design *d, const double *x, size_t n, uint64_t first_row,
                  double *out, dl_err *e);
/* bf_apply_rows from row 0. */
int bf_apply(const bf_design *d, const double *x, size_t n, double *out, dl_err *e);
/* Tensor form: x_raw (any float or integer dtype, N x D or N, its first row
 * being row first_row of the whole x) -> out, a newly allocated f64 [N x P]
 * called `name`.  Checks D, missing cells and finiteness. */
int bf_apply_tensor(const bf_design *d, const dl_tensor *x_raw, uint64_t first_row,
                    const char *name, dl_tensor *out, dl_err *e);
/* Appends the name of design column j: "bias", the input names through
 * the stage ("speed", "color=red", "missing(depth)"), monomials
 * "speed^2*depth", "rbf3" (0-based), "sin2(speed)", "cos2(speed)",
 * "P3(speed)". */
void bf_output_name(const bf_design *d, size_t j, dl_str *b);

/* The `design` record: u8 rank-1 text.  bf_to_record allocates rec. */
int bf_to_record(const bf_design *d, dl_tensor *rec, dl_err *e);
int bf_from_record(bf_design **d, const dl_tensor *rec, dl_err *e);
/* 1 when two `design` records are the same design (the same bytes: the
 * record is written with %.17g, so the same basis gives the same text). */
int bf_design_equal(const dl_tensor *a, const dl_tensor *b);
/* One line for reports: "bias + poly 3: 20 columns from 3 inputs".
 * DL_ENOMEM when it cannot be built (buf then holds a shorter line). */
int bf_describe(const bf_design *d, char *buf, size_t len, dl_err *e);

#endif
