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
 * z is the input, standardized first when `standardize` is on (training mean
 * and population standard deviation; a constant input keeps scale 1).
 *
 * Fitting (bf_fit) turns options plus training data into a fitted design;
 * every fitted value (means, scales, ranges, centers, alpha) is stored in the
 * `design` record (u8 text, "key: values" lines, %.17g numbers) so the
 * identical basis is applied to new data by bf_apply. */
#ifndef DL_BASIS_H
#define DL_BASIS_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"
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
/* Number of design columns for `inputs` inputs, or DL_ENOMEM when it does
 * not fit in 64 bits (the curse of dimensionality made concrete). */
int bf_count_columns(const bf_opts *o, uint64_t inputs, uint64_t *cols, dl_err *e);

typedef struct bf_design bf_design;

/* Fits the design on x (n rows of `inputs` f64 values, row-major). */
int bf_fit(bf_design **d, const bf_opts *o, const double *x, size_t n, size_t inputs,
           dl_err *e);
void bf_free(bf_design *d);
size_t bf_input_dim(const bf_design *d);
size_t bf_output_dim(const bf_design *d);

/* Writes phi for n rows of x into out (n x bf_output_dim, row-major). */
int bf_apply(const bf_design *d, const double *x, size_t n, double *out, dl_err *e);
/* Tensor form: x_raw (any float or integer dtype, N x D or N) -> out, a
 * newly allocated f64 [N x P] called `name`.  Checks D and finiteness. */
int bf_apply_tensor(const bf_design *d, const dl_tensor *x_raw, const char *name,
                    dl_tensor *out, dl_err *e);

/* The `design` record: u8 rank-1 text.  bf_to_record allocates rec. */
int bf_to_record(const bf_design *d, dl_tensor *rec, dl_err *e);
int bf_from_record(bf_design **d, const dl_tensor *rec, dl_err *e);
/* 1 when two `design` records are the same design (the same bytes: the
 * record is written with %.17g, so the same basis gives the same text). */
int bf_design_equal(const dl_tensor *a, const dl_tensor *b);
/* One line for reports: "bias + poly 3 (20 columns from 3 inputs)". */
void bf_describe(const bf_design *d, char *buf, size_t len);

#endif
