/* lstsq.h - linear least squares in float64: min ||y - X w||^2 and its
 * regularized and Bayesian variants.
 *
 * Two ways in:
 *  - dense: the whole X (n x p) and Y (n x k) in memory, solved by LAPACK
 *    dgelsd (SVD, minimum-norm, rank from rcond) or dgels (QR, full rank);
 *  - sufficient statistics: X^T X, X^T Y, y^T y, sum y and n, accumulated
 *    chunk by chunk (so n may exceed memory), merged across shards, and
 *    solved by Cholesky (normal equations, ridge, posterior) or coordinate
 *    descent (lasso, elastic net).
 *
 * Rows may carry weights c_i >= 0 (scikit-learn's sample_weight, read as
 * frequencies: a weight of 2 is the row twice).  With C = diag(c) and
 * m = sum c_i (m = n unweighted), the objectives (w for one output; outputs
 * are independent) are:
 *   ols / svd / qr / normal   (y - Xw)^T C (y - Xw)
 *   ridge L                   (y - Xw)^T C (y - Xw) + L |w|^2
 *   lasso / elastic net       1/(2m) (y - Xw)^T C (y - Xw) + a r |w|_1 + a (1 - r)/2 |w|^2
 *                             (scikit-learn's Ridge/Lasso/ElasticNet; lasso is r = 1)
 * where the penalties leave out the column o->free_col (the intercept, as
 * scikit-learn's fit_intercept=True), or none when it is -1.
 * Posterior: prior w ~ N(0, sigma^2 / L I) (flat on free_col) and noise
 * N(0, sigma^2 / c_i) give the ridge mean and covariance sigma^2 (X^T C X +
 * L D)^-1, D the identity without free_col; sigma^2 per output is given or
 * estimated as RSS / (m - tr((X^T C X + L D)^-1 X^T C X)).
 * Weighted statistics are those of the rows scaled by sqrt(c_i): X^T C X,
 * X^T C y, sum c y^2, sum c y and m. */
#ifndef DL_LSTSQ_H
#define DL_LSTSQ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

enum ls_method { LS_SVD = 0, LS_QR = 1, LS_NORMAL = 2 };

/* Parses "svd", "qr", "normal"; -1 when unknown. */
int ls_method_parse(const char *s);
const char *ls_method_name(int method);

typedef struct ls_opts {
    int method;          /* enum ls_method */
    double rcond;        /* svd: singular values below rcond * s_max are 0; <0 = eps * max(n, p) */
    double ridge;        /* L >= 0 */
    double alpha;        /* lasso / elastic-net strength a; 0 = no coordinate descent */
    double l1_ratio;     /* r in [0, 1]; 1 = lasso */
    double tol;          /* coordinate descent: stop when max |dw| <= tol * max |w| */
    long max_iter;       /* coordinate descent sweeps */
    int posterior;       /* keep the posterior covariance */
    double noise_var;    /* sigma^2 for the posterior; <= 0 = estimate */
    int want_sv;         /* statistics: also the singular values of X (from X^T X) */
    long free_col;       /* the column no penalty touches (the intercept); -1: none */
    long ones_col;       /* X's column of ones (the intercept, penalized or not); -1: none */
} ls_opts;

void ls_opts_defaults(ls_opts *o);

/* Sufficient statistics of n rows: xtx [p x p] (upper triangle while
 * accumulating; ls_stats_symmetrize fills the rest), xty [p x k], yty [k],
 * ysum [k]; row-major.  sv: X's singular values [p], largest first, when
 * the statistics come from the rows' factor R (ls_qr_stats), else NULL:
 * X^T X alone cannot resolve a condition number of X beyond about 1e6. */
typedef struct ls_stats {
    size_t p, k;
    uint64_t n;
    double wsum;  /* sum of the row weights (n when unweighted) */
    double *xtx, *xty, *yty, *ysum;
    /* [k]: sum c (y - mean y)^2, the total sum of squares, gathered group by
     * group about each group's mean (Chan, Golub and LeVeque): y'y -
     * (sum y)^2 / m loses every digit when y's mean is large against its
     * spread.  NULL after merging a partial written without it. */
    double *ycss;
    double *ymean; /* [k]: y's weighted mean, kept as a mean (exact for a constant y) */
    double *sv;
    /* R of [X | Y] itself, row-major [(p + k) x (p + k)], when the
     * statistics come from it (ls_qr_stats), else NULL: the unpenalized
     * column is eliminated from R exactly, where X^T X would cancel the
     * digits of a column whose mean is large against its spread. */
    double *r;
} ls_stats;

int ls_stats_init(ls_stats *s, size_t p, size_t k, dl_err *e);
void ls_stats_free(ls_stats *s);
/* Adds n rows of x (n x p) and y (n x k), both row-major, each of weight 1
 * (BLAS dsyrk/dgemm). */
void ls_stats_add(ls_stats *s, const double *x, const double *y, size_t n);
/* dst += src; shapes must agree. */
int ls_stats_merge(ls_stats *dst, const ls_stats *src, dl_err *e);
/* Group b (its weight sum wb, mean mean_b and sum of squares about it
 * css_b) joins group a, of one output: css_a += css_b + d^2 wa wb /
 * (wa + wb), d the difference of their means, and a's mean kept a mean:
 * the same value in both leaves it exactly, where a mean from sums would
 * be off by their rounding and give a constant y a sum of squares of that
 * noise. */
void ls_ymean_merge(double *css_a, double *mean_a, double wa, double css_b, double mean_b,
                    double wb);
/* The same for k outputs with the means taken from y's sums (ysum_a,
 * ysum_b), for partials written without their mean.  Call before adding
 * b's sums to a's. */
void ls_ycss_merge(double *ycss_a, const double *ysum_a, double wa, const double *ycss_b,
                   const double *ysum_b, double wb, size_t k);
void ls_stats_symmetrize(ls_stats *s);

typedef struct ls_result {
    size_t p, k;
    uint64_t n;
    double wsum;        /* sum of the row weights */
    double *w;          /* [p x k] */
    int rank;           /* X's, as numpy.linalg.matrix_rank */
    int rank_kept;      /* svd: the singular values above its cut-off (rcond s_max), which
                           the solution kept (numpy.linalg.lstsq's rank) */
    double cond;        /* condition number of X, s_max/s_min as numpy.linalg.cond (inf
                           when singular) */
    int cond_bound;     /* cond is only a lower bound: from X^T X alone (--combine) */
    double *sv;         /* singular values (svd), nsv of them, else NULL */
    size_t nsv;
    double *mse, *r2;   /* [k], on the training rows */
    unsigned char *bound; /* [k]: 1 when mse and r2 are only bounds (mse at most,
                             r2 at least), all the statistics resolve (--combine
                             with y's mean far larger than its residuals) */
    double *w_cov;      /* posterior: [k x p x p], else NULL */
    double *sigma2;     /* posterior: [k] */
    long iterations;    /* coordinate descent sweeps */
    int converged;      /* coordinate descent reached tol */
} ls_result;

void ls_result_free(ls_result *r);

/* SVD and QR stream too: rows are folded, a chunk at a time, into the
 * triangular factor R of [X | Y] (LAPACK dgeqrt on cache-sized chunks,
 * their triangles merged into R by dtpqrt), so
 * memory stays O((p + k)^2) whatever n is.  X = QR keeps the singular
 * values of X, and min |Xw - y| = min |R11 w - z| + |t|, so solving the
 * small system by gelsd (svd) or a triangular solve (qr) gives the
 * least-squares solution of the whole data.
 * Chunks go in turn into two triangles, R (even chunks) and R' (odd),
 * merged when the rows are solved: with two BLAS threads each triangle's
 * chunks are folded on a thread of its own while the next chunk is
 * filled, and the structure, so the bits, is the same with one. */
/* One triangle, the chunk that folds into it, and their workspace. */
typedef struct ls_qr_tri {
    double *r;           /* [cols x cols] upper triangular, column-major */
    double *b;           /* [chunk x cols] waiting rows, column-major */
    double *t, *work;    /* dgeqrt and dtpqrt workspace */
    int factored;        /* rows are folded into r already */
} ls_qr_tri;

typedef struct ls_qr {
    size_t p, k, cols;   /* cols = p + k */
    size_t chunk, fill;  /* rows per fold, rows waiting in the chunk being filled */
    uint64_t n;
    ls_qr_tri tri[2];    /* R (even chunks; the whole factor once solved) and R' (odd) */
    int odd;             /* the rows being filled are an odd chunk's, tri[1]'s */
    int nb;
    struct ls_qr_helper *helper[2]; /* the threads folding tri[0]'s and tri[1]'s
                                       chunks, or NULL */
    int blas_threads;    /* BLAS's count while the folds run on one; 0 when not */
    double *yty, *ysum;  /* [k], weighted */
    double *ycss;        /* [k], weighted: the total sum of squares, as ls_stats' */
    double *ymean;       /* [k], weighted: y's mean, as ls_stats' */
    double wsum;         /* sum of the row weights */
} ls_qr;

int ls_qr_init(ls_qr *q, size_t p, size_t k, dl_err *e);
/* The same with a given number of rows per fold (0: the default, ~512 KiB). */
int ls_qr_init_chunk(ls_qr *q, size_t p, size_t k, size_t chunk_rows, dl_err *e);
void ls_qr_free(ls_qr *q);
/* Adds n rows of x (n x p) and y (n x k), row-major, each of weight 1. */
int ls_qr_add(ls_qr *q, const double *x, const double *y, size_t n, dl_err *e);
/* The same with row weights c (n values, finite and >= 0; NULL: all 1):
 * row i enters the factor scaled by sqrt(c_i). */
int ls_qr_add_weighted(ls_qr *q, const double *x, const double *y, const double *c, size_t n,
                       dl_err *e);
/* R of [X | Y] so far, row-major [cols x cols] into r (its strict lower
 * triangle zero); folds q, which stays usable. */
int ls_qr_factor(ls_qr *q, double *r, dl_err *e);
/* Another factor's rows (row-major [cols x cols], as ls_qr_factor gives)
 * folded into q, but for its rows of zeros: R of their rows stacked on
 * q's, as if q had taken those rows themselves (--combine).  The row
 * count, weight sum and y's sums are not touched: the caller sets them
 * from the factor's own. */
int ls_qr_add_factor(ls_qr *q, const double *r, dl_err *e);
/* o->method LS_SVD or LS_QR; q is folded and stays usable.  Fewer rows
 * than columns: svd gives the minimum-norm solution (numpy.linalg.lstsq),
 * qr refuses (DL_EDATA, naming svd). */
int ls_qr_solve(ls_qr *q, const ls_opts *o, ls_result *r, dl_err *e);
/* The statistics X^T X = R11^T R11, X^T y = R11^T z (the normal equations,
 * ridge, lasso, the posterior, --partial), X's singular values and R
 * itself; folds q. */
int ls_qr_stats(ls_qr *q, ls_stats *s, dl_err *e);

/* SVD or QR on the whole data at once (x and y are not modified); fewer
 * rows than columns as ls_qr_solve. */
int ls_solve_dense(const double *x, const double *y, size_t n, size_t p, size_t k,
                   const ls_opts *o, ls_result *r, dl_err *e);
/* Normal equations (Cholesky, with ridge) or coordinate descent from
 * sufficient statistics (symmetrized here; s is modified).  X^T X that
 * overflows, or whose sums of products underflow (a column's norm squared,
 * or its norm times y's, below DBL_MIN, from R when s has it; also with
 * free_col eliminated), is DL_ENUM naming the column: those sums lost
 * their digits, and a penalty would solve them to weights 0. */
int ls_solve_stats(ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e);
/* Training MSE and R^2 from the statistics (when the rows are gone),
 * about y's mean when o->ones_col names X's column of ones. */
int ls_fit_metrics_stats(const ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e);
/* Training MSE and R^2 of r's weights from q's factor R (folded), exactly
 * (no y'y that cancels): what a fit from statistics that came from q
 * reports. */
void ls_qr_metrics(const ls_qr *q, ls_result *r);
/* Posterior covariance and noise variance for the weights in r (the RSS
 * from r's training MSE). */
int ls_posterior(ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e);

#endif
