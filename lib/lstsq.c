/* lstsq.c - the least-squares solvers, statistics and posterior (see
 * lstsq.h); the method names and the options are lstsq_opts.c's. */
#include "lstsq.h"

#include <cblas.h>
#include <float.h>
#include <lapacke.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "blasmem.h"
#include "buf.h"
#include "worker.h"

/* The normal equations refuse X^T X whose reciprocal condition number is
 * below this: cond(X) above ~2e6 would lose more than half the digits. */
#define LS_NORMAL_RCOND_MIN (1e3 * DBL_EPSILON)

/* a x b doubles, zeroed; a count that overflows is refused as too large. */
static int alloc_doubles(double **p, size_t a, size_t b, dl_err *e)
{
    return dl_mem_array(p, b && a > SIZE_MAX / b ? SIZE_MAX : a * b, sizeof(double), "lstsq", e);
}

/* A chunk of rows x cols that the folds fill before they read it: neither
 * zeroed nor on huge pages, so the rows a short input never reaches take
 * no memory (20 rows of 4,000 columns touch a page a column, not the
 * chunk's 16,000 rows). */
static int alloc_chunk(double **p, size_t rows, size_t cols, dl_err *e)
{
    size_t n = cols && rows > SIZE_MAX / cols ? SIZE_MAX : rows * cols;
    *p = n > DL_MEM_ARRAY_MAX / sizeof(double) ? NULL : malloc(n * sizeof(double));
    return *p ? 0
              : dl_fail(e, DL_ENOMEM, "lstsq: out of memory for a chunk of %zu rows of %zu "
                        "columns", rows, cols);
}

int ls_stats_init(ls_stats *s, size_t p, size_t k, dl_err *e)
{
    memset(s, 0, sizeof *s);
    s->p = p;
    s->k = k;
    if (alloc_doubles(&s->xtx, p, p, e) || alloc_doubles(&s->xty, p, k, e) ||
        alloc_doubles(&s->yty, k, 1, e) || alloc_doubles(&s->ysum, k, 1, e) ||
        alloc_doubles(&s->ycss, k, 1, e) || alloc_doubles(&s->ymean, k, 1, e)) {
        ls_stats_free(s);
        return e->code;
    }
    return 0;
}

void ls_stats_free(ls_stats *s)
{
    free(s->xtx);
    free(s->xty);
    free(s->yty);
    free(s->ysum);
    free(s->ycss);
    free(s->ymean);
    free(s->sv);
    free(s->r);
    memset(s, 0, sizeof *s);
}

void ls_ymean_merge(double *css_a, double *mean_a, double wa, double css_b, double mean_b,
                    double wb)
{
    if (!(wb > 0))
        return;
    if (!(wa > 0)) {
        *css_a = css_b;
        *mean_a = mean_b;
        return;
    }
    double d = mean_b - *mean_a;
    *css_a += css_b + d * d * (wa / (wa + wb)) * wb;
    *mean_a += d * (wb / (wa + wb));
}

/* ls_ymean_merge with the means taken from the sums (the same bits). */
void ls_ycss_merge(double *ycss_a, const double *ysum_a, double wa, const double *ycss_b,
                   const double *ysum_b, double wb, size_t k)
{
    for (size_t j = 0; j < k; j++) {
        double mean_a = wa > 0 ? ysum_a[j] / wa : 0.0;
        ls_ymean_merge(ycss_a + j, &mean_a, wa, ycss_b[j], wb > 0 ? ysum_b[j] / wb : 0.0, wb);
    }
}

/* The y sums of n rows (weights c; NULL: 1) added to ysum, yty, ycss and
 * ymean as one group: its own sum of squares about its own mean, both
 * gathered about its first value (identical values give exact zeros, so a
 * constant y's total sum of squares is 0, as scikit-learn's r2_score
 * needs), then merged; *wsum, the weights before them, gets theirs. */
static void add_y_group(double *ysum, double *yty, double *ycss, double *ymean, double *wsum,
                        const double *y, const double *c, size_t n, size_t k)
{
    double gw = 0;
    for (size_t i = 0; i < n; i++)
        gw += c ? c[i] : 1.0;
    for (size_t j = 0; j < k && n > 0; j++) {
        double gsum = 0, gdev = 0, gss = 0, shift = y[j];
        for (size_t i = 0; i < n; i++) {
            double ci = c ? c[i] : 1.0, v = y[i * k + j];
            gsum += ci * v;
            gdev += ci * (v - shift);
            yty[j] += ci * v * v;
        }
        double m = gw > 0 ? gdev / gw : 0.0; /* the group's mean, less shift */
        for (size_t i = 0; gw > 0 && i < n; i++) {
            double d = (y[i * k + j] - shift) - m;
            gss += (c ? c[i] : 1.0) * d * d;
        }
        ls_ymean_merge(ycss + j, ymean + j, *wsum, gss, shift + m, gw);
        ysum[j] += gsum;
    }
    *wsum += gw;
}

/* BLAS takes int sizes: longer chunks go in pieces. */
#define LS_BLAS_ROWS ((size_t)1 << 20)

void ls_stats_add(ls_stats *s, const double *x, const double *y, size_t n)
{
    for (; n > LS_BLAS_ROWS; n -= LS_BLAS_ROWS) {
        ls_stats_add(s, x, y, LS_BLAS_ROWS);
        x += LS_BLAS_ROWS * s->p;
        y += LS_BLAS_ROWS * s->k;
    }
    if (n == 0)
        return;
    int p = (int)s->p, k = (int)s->k, rows = (int)n;
    cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, p, rows, 1.0, x, p, 1.0, s->xtx, p);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, p, k, rows, 1.0, x, p, y, k, 1.0,
                s->xty, k);
    add_y_group(s->ysum, s->yty, s->ycss, s->ymean, &s->wsum, y, NULL, n, s->k);
    s->n += n;
}

int ls_stats_merge(ls_stats *dst, const ls_stats *src, dl_err *e)
{
    if (dst->p != src->p || dst->k != src->k)
        return dl_fail(e, DL_EDATA, "partial statistics disagree: %zu x %zu against %zu x %zu",
                       src->p, src->k, dst->p, dst->k);
    if (dst->ycss && src->ycss)
        for (size_t j = 0; j < dst->k; j++)
            ls_ymean_merge(dst->ycss + j, dst->ymean + j, dst->wsum, src->ycss[j],
                           src->ymean[j], src->wsum);
    else {
        free(dst->ycss);
        dst->ycss = NULL;
    }
    cblas_daxpy((int)(dst->p * dst->p), 1.0, src->xtx, 1, dst->xtx, 1);
    cblas_daxpy((int)(dst->p * dst->k), 1.0, src->xty, 1, dst->xty, 1);
    cblas_daxpy((int)dst->k, 1.0, src->yty, 1, dst->yty, 1);
    cblas_daxpy((int)dst->k, 1.0, src->ysum, 1, dst->ysum, 1);
    dst->n += src->n;
    dst->wsum += src->wsum;
    free(dst->sv); /* the singular values of one part are not those of the sum */
    dst->sv = NULL;
    free(dst->r); /* nor is its factor */
    dst->r = NULL;
    return 0;
}

void ls_stats_symmetrize(ls_stats *s)
{
    for (size_t i = 0; i < s->p; i++)
        for (size_t j = 0; j < i; j++)
            s->xtx[i * s->p + j] = s->xtx[j * s->p + i];
}

void ls_result_free(ls_result *r)
{
    free(r->w);
    free(r->sv);
    free(r->mse);
    free(r->r2);
    free(r->bound);
    free(r->w_cov);
    free(r->sigma2);
    memset(r, 0, sizeof *r);
}

static int result_init(ls_result *r, uint64_t n, double wsum, size_t p, size_t k, dl_err *e)
{
    memset(r, 0, sizeof *r);
    r->n = n;
    r->wsum = wsum;
    r->p = p;
    r->k = k;
    r->rank = r->rank_kept = (int)p;
    r->converged = 1;
    if (alloc_doubles(&r->w, p, k, e) || alloc_doubles(&r->mse, k, 1, e) ||
        alloc_doubles(&r->r2, k, 1, e)) {
        ls_result_free(r);
        return e->code;
    }
    if (!(r->bound = calloc(k ? k : 1, 1))) {
        ls_result_free(r);
        return dl_fail(e, DL_ENOMEM, "lstsq: out of memory for %zu outputs", k);
    }
    return 0;
}

/* Overflowing data or statistics must not become a checkpoint of NaNs. */
static int check_weights(const ls_result *r, dl_err *e)
{
    for (size_t i = 0; i < r->p * r->k; i++)
        if (!isfinite(r->w[i]))
            return dl_fail(e, DL_ENUM, "the solution is not finite (weight %zu of output %zu): "
                                       "the data or the statistics overflow",
                           i / r->k + 1, i % r->k + 1);
    return 0;
}

/* R^2 as scikit-learn's r2_score (and dl-eval): 1 - RSS/TSS, for constant
 * y 1 (perfect) or 0, and NaN (undefined) for fewer than two rows, whatever
 * the method fitted them. */
static double r2_score(double rss, double tss, uint64_t n)
{
    if (n < 2)
        return NAN;
    if (tss > 0)
        return 1.0 - rss / tss;
    return rss > 0 ? 0.0 : 1.0;
}

/* w^T G w for column j of w (G symmetric p x p); tmp has p doubles. */
static double quad_form(const double *g, const double *w, size_t p, size_t k, size_t j,
                        double *tmp)
{
    cblas_dsymv(CblasRowMajor, CblasUpper, (int)p, 1.0, g, (int)p, w + j, (int)k, 0.0, tmp, 1);
    return cblas_ddot((int)p, tmp, 1, w + j, (int)k);
}

/* The total sum of squares of output j: about the mean when the groups
 * gave it, else from y'y (partials written without ycss). */
static double total_ss(const double *ycss, const double *yty, const double *ysum, double m,
                       size_t j)
{
    double tss = ycss ? ycss[j] : yty[j] - ysum[j] * ysum[j] / m;
    return tss > 0 ? tss : 0;
}

/* Below this many epsilons of its terms' magnitudes, an RSS from the
 * statistics has fewer than about 5 right digits (a fit of y = 1e9 + 3x +
 * N(0, 1e-3) from two partials: 3 epsilons, 15% off; y = 1.7e9 + 10x +
 * N(0, 1): 2e6, 1e-6 off; usual data: 1e12 and more).  It is then given as
 * a bound: the sum plus RSS_ERROR_EPS p epsilons of those magnitudes (the
 * errors seen were 0.6 and 2.5 epsilons). */
#define RSS_DIGITS_MIN 1e5
#define RSS_ERROR_EPS 64.0

/* Residual sum of squares per output, y'y - 2 w'X'y + w'X'Xw (clamped at
 * 0).  With a column of ones (ones_col) and y's sum of squares about its
 * mean u, the same sum about u instead: the ones column's weight takes u
 * off, and X'(y - u) = X'y - u X'1, X'1 being that column of X'X.  y'y
 * itself would cancel every digit of a good fit when u is large against
 * the residuals; X'y still cancels when u is very large (NaN, as above). */
static int rss_from_stats(const ls_stats *s, long ones_col, const double *w, double *rss,
                          unsigned char *bound, dl_err *e)
{
    size_t p = s->p, k = s->k;
    int about_mean = s->ycss && ones_col >= 0 && (size_t)ones_col < p && s->wsum > 0;
    double *tmp, *wj, *b;
    if (alloc_doubles(&tmp, p, 3, e))
        return e->code;
    wj = tmp + p;
    b = wj + p;
    for (size_t j = 0; j < k; j++) {
        double u = about_mean ? s->ysum[j] / s->wsum : 0.0;
        for (size_t i = 0; i < p; i++) {
            wj[i] = w[i * k + j];
            b[i] = s->xty[i * k + j];
            if (about_mean)
                b[i] -= u * s->xtx[i * p + (size_t)ones_col];
        }
        if (about_mean)
            wj[ones_col] -= u;
        double c = about_mean ? s->ycss[j] : s->yty[j];
        double v = c - 2.0 * cblas_ddot((int)p, wj, 1, b, 1) + quad_form(s->xtx, wj, p, 1, 0, tmp);
        /* what rounding can make of those sums: their terms' magnitudes */
        double scale = fabs(c);
        for (size_t i = 0; i < p; i++) {
            double g = about_mean ? fabs(u * s->xtx[i * p + (size_t)ones_col]) : 0.0;
            scale += 2.0 * fabs(wj[i]) * (fabs(s->xty[i * k + j]) + g);
            for (size_t l = 0; l < p; l++)
                scale += fabs(wj[i]) * fabs(s->xtx[i * p + l]) * fabs(wj[l]);
        }
        bound[j] = v < RSS_DIGITS_MIN * DBL_EPSILON * scale;
        v = v > 0 ? v : 0;
        rss[j] = bound[j] ? v + RSS_ERROR_EPS * (double)p * DBL_EPSILON * scale : v;
    }
    free(tmp);
    return 0;
}

int ls_fit_metrics_stats(const ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e)
{
    if (rss_from_stats(s, o->ones_col, r->w, r->mse, r->bound, e))
        return e->code;
    for (size_t j = 0; j < s->k; j++) {
        r->r2[j] = r2_score(r->mse[j], total_ss(s->ycss, s->yty, s->ysum, s->wsum, j), s->n);
        r->mse[j] /= s->wsum;
    }
    return 0;
}

/* LAPACKE reports a bad argument or a failed allocation by printing a line
 * of its own (LAPACKE_xerbla) and returning a code; lapack_error turns the
 * code into the tool's one message, so the line printed here is dropped.
 * Defining LAPACKE_xerbla is the replacement LAPACKE provides for this. */
void LAPACKE_xerbla(const char *name, lapack_int info);
void LAPACKE_xerbla(const char *name, lapack_int info)
{
    (void)name;
    (void)info;
}

static int lapack_error(const char *what, lapack_int info, dl_err *e)
{
    if (info == LAPACK_WORK_MEMORY_ERROR || info == LAPACK_TRANSPOSE_MEMORY_ERROR)
        return dl_fail(e, DL_ENOMEM, "%s: out of memory for LAPACK's workspace", what);
    if (info < 0)
        return dl_fail(e, DL_ENUM, "%s: bad argument %d (a bug)", what, (int)-info);
    return dl_fail(e, DL_ENOMEM, "%s: LAPACK could not allocate its workspace", what);
}

/* ------------------------- streaming QR of [X | Y] ------------------------- */

/* Rows per fold: about 512 KiB, a core's level-2 cache here, where
 * dgeqrt's recursive passes over the chunk then stay (with 2 MiB chunks,
 * dl-lstsq took 25% longer on 1,000,000 rows of 17 columns); at least 4
 * rows a column, so that merging the chunk's triangle stays small beside
 * factoring it. */
static size_t qr_chunk_rows(size_t cols)
{
    size_t rows = (size_t)(512u << 10) / sizeof(double) / cols;
    return rows < 4 * cols ? 4 * cols : rows;
}

/* The refusal of a QR that memory cannot hold, saying what it takes: two
 * triangles of cols^2 and two chunks of `chunk` rows (a column count from
 * the input, so said in GiB rather than as the one allocation that
 * failed).  Every method starts from the rows' QR.  Fewer columns help
 * only when the QR takes half of what the process may hold or more; a
 * smaller one was refused for want of room the rest of the process took:
 * at its memory limit, or on a machine out of memory. */
static int qr_memory_error(size_t cols, size_t chunk, dl_err *e)
{
    double bytes = 8.0 * (2.0 * (double)cols * (double)cols + 2.0 * (double)chunk * (double)cols);
    const char *limit;
    uint64_t most = dl_mem_most(&limit);
    char raise[96] = "";
    if (limit)
        snprintf(raise, sizeof raise, ", or raise the memory limit (%s %llu KiB)", limit,
                 (unsigned long long)most >> 10);
    if (most == 0 || 2 * bytes >= (double)most)
        return dl_fail(e, DL_ENOMEM, "out of memory: the QR of %zu columns (x and y), which every "
                       "method starts from, takes about %.3g GiB (its triangles and the chunks "
                       "of rows it folds): fewer columns%s", cols, bytes / (1 << 30), raise);
    if (limit)
        return dl_fail(e, DL_ENOMEM, "out of memory: the process is at its memory limit (%s "
                       "%llu KiB), which leaves no room for the %.3g MiB of the QR of %zu "
                       "columns (x and y), which every method starts from (its triangles and "
                       "the chunks of rows it folds): raise the limit", limit,
                       (unsigned long long)most >> 10, bytes / (1 << 20), cols);
    return dl_fail(e, DL_ENOMEM, "out of memory: the system has no room left for the %.3g MiB "
                   "of the QR of %zu columns (x and y), which every method starts from (its "
                   "triangles and the chunks of rows it folds)", bytes / (1 << 20), cols);
}

int ls_qr_init(ls_qr *q, size_t p, size_t k, dl_err *e)
{
    return ls_qr_init_chunk(q, p, k, 0, e);
}

int ls_qr_init_chunk(ls_qr *q, size_t p, size_t k, size_t chunk_rows, dl_err *e)
{
    memset(q, 0, sizeof *q);
    q->p = p;
    q->k = k;
    q->cols = p + k;
    q->chunk = chunk_rows ? chunk_rows : qr_chunk_rows(q->cols);
    q->nb = q->cols < 32 ? (int)q->cols : 32;
    /* cols^2 elements are indexed by LAPACK's 32-bit integers */
    if (q->cols > 46340)
        return dl_fail(e, DL_ENOMEM, "lstsq: %zu column%s (x and y) is too many: LAPACK "
                       "indexes a square of at most 46340", q->cols, dl_plural(q->cols));
    int failed = 0;
    for (int i = 0; i < 2 && !failed; i++) {
        ls_qr_tri *tri = &q->tri[i];
        failed = alloc_doubles(&tri->r, q->cols, q->cols, e) ||
                 alloc_chunk(&tri->b, q->chunk, q->cols, e) ||
                 alloc_doubles(&tri->t, (size_t)q->nb, q->cols, e) ||
                 alloc_doubles(&tri->work, (size_t)q->nb, q->cols, e);
    }
    if (failed || alloc_doubles(&q->yty, k, 1, e) ||
        alloc_doubles(&q->ysum, k, 1, e) || alloc_doubles(&q->ycss, k, 1, e) ||
        alloc_doubles(&q->ymean, k, 1, e)) {
        size_t cols = q->cols, chunk = q->chunk;
        ls_qr_free(q);
        return qr_memory_error(cols, chunk, e);
    }
    return 0;
}

static void qr_threads_back(ls_qr *q);
static lapack_int qr_helper_stop(ls_qr *q);

void ls_qr_free(ls_qr *q)
{
    qr_helper_stop(q);
    qr_threads_back(q);
    for (int i = 0; i < 2; i++) {
        free(q->tri[i].r);
        free(q->tri[i].b);
        free(q->tri[i].t);
        free(q->tri[i].work);
    }
    free(q->yty);
    free(q->ysum);
    free(q->ycss);
    free(q->ymean);
    memset(q, 0, sizeof *q);
}

/* A chunk of `rows` rows to fold into its triangle. */
typedef struct qr_fold_job {
    size_t cols, chunk, rows;
    int nb;
    ls_qr_tri *tri;
    lapack_int info;
} qr_fold_job;

/* R <- the triangular factor of [R; B].  A chunk of at least as many rows
 * as columns is factored on its own by dgeqrt (recursive, so nearly all of
 * its flops are matrix products, where dtpqrt's were matrix-vector ones),
 * and its triangle then merged into R by dtpqrt on the two triangles (L =
 * cols: O(cols^3), small beside the chunk's O(rows cols^2)); the first
 * chunk's triangle is R.  A shorter chunk goes into R by dtpqrt directly,
 * but for the first: its trapezoid, from dgeqrt too, holds every nonzero
 * in its `rows` rows, where dtpqrt into a triangle of zeros could leave
 * them in rows beyond (a column of the chunk in the span of those before
 * it, as a bias beside a one-hot, has a reflector of rounding noise that
 * moves the later columns down a row).  So R has at most n nonzero rows,
 * which the minimum-norm solution takes alone. */
static void qr_fold_chunk(qr_fold_job *j)
{
    lapack_int c = (lapack_int)j->cols, ldb = (lapack_int)j->chunk;
    size_t cols = j->cols, top = j->rows < cols ? j->rows : cols;
    ls_qr_tri *tri = j->tri;
    j->info = 0;
    if (j->rows == 0)
        return;
    if (j->rows < cols && tri->factored) {
        j->info = LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, (lapack_int)j->rows, c, 0, j->nb, tri->r, c,
                                      tri->b, ldb, tri->t, j->nb, tri->work);
        return;
    }
    int nb = (size_t)j->nb < top ? j->nb : (int)top;
    j->info = LAPACKE_dgeqrt_work(LAPACK_COL_MAJOR, (lapack_int)j->rows, c, nb, tri->b, ldb,
                                  tri->t, j->nb, tri->work);
    if (j->info)
        return;
    for (size_t col = 0; col < cols; col++) /* the chunk's triangle; Householder vectors below */
        for (size_t i = 0; i < top; i++)
            tri->b[col * j->chunk + i] = i <= col ? tri->b[col * j->chunk + i] : 0.0;
    if (!tri->factored) {
        for (size_t col = 0; col < cols; col++)
            for (size_t i = 0; i < cols; i++)
                tri->r[col * cols + i] = i < top ? tri->b[col * j->chunk + i] : 0.0;
        tri->factored = 1;
        return;
    }
    j->info = LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, c, c, c, j->nb, tri->r, c, tri->b, ldb, tri->t,
                                  j->nb, tri->work);
}

/* The thread that folds one triangle's chunks, one at a time, and the
 * fold it was handed: it holds that chunk and triangle until waited for.
 * Its thread is started at its first fold, and tried only then. */
typedef struct ls_qr_helper {
    wk_worker *worker; /* NULL when none could be had */
    int tried;
    qr_fold_job job;
} ls_qr_helper;

static void qr_fold_run(void *job) { qr_fold_chunk(job); }

/* Waits until helper i is done with its chunk and triangle; its fold's
 * LAPACK status (0 without helper i). */
static lapack_int qr_helper_wait(ls_qr *q, int i)
{
    ls_qr_helper *h = q->helper[i];
    if (!h)
        return 0;
    wk_wait(h->worker);
    lapack_int info = h->job.info;
    h->job.info = 0;
    return info;
}

/* The helpers ended (their last folds waited for); the first nonzero
 * LAPACK status. */
static lapack_int qr_helper_stop(ls_qr *q)
{
    lapack_int first = 0;
    for (int i = 0; i < 2; i++) {
        ls_qr_helper *h = q->helper[i];
        if (!h)
            continue;
        lapack_int info = qr_helper_wait(q, i);
        first = first ? first : info;
        wk_stop(h->worker);
        free(h);
        q->helper[i] = NULL;
    }
    return first;
}

/* Triangle i's helper, its thread running, when BLAS had two threads or
 * more; NULL otherwise or when no thread can be had: that triangle's
 * folds then stay on this thread, in the same order. */
static ls_qr_helper *qr_helper(ls_qr *q, int i)
{
    if (q->blas_threads < 2)
        return NULL;
    if (!q->helper[i] && (q->helper[i] = calloc(1, sizeof *q->helper[i])) == NULL)
        return NULL;
    ls_qr_helper *h = q->helper[i];
    return wk_start_once(&h->worker, &h->tried) ? h : NULL;
}

/* The chunk of `rows` rows just filled folded into its triangle: handed
 * to the triangle's helper, or here without one. */
static int qr_fold_filled(ls_qr *q, size_t rows, dl_err *e)
{
    qr_fold_job job = {q->cols, q->chunk, rows, q->nb, &q->tri[q->odd], 0};
    ls_qr_helper *h = qr_helper(q, q->odd);
    if (h) {
        h->job = job;
        wk_run(h->worker, qr_fold_run, &h->job);
    } else {
        qr_fold_chunk(&job);
    }
    q->odd = !q->odd;
    q->fill = 0;
    return job.info ? lapack_error("qr", job.info, e) : 0;
}

/* The chunks' products are small (a chunk is ~512 KiB): shared between BLAS
 * threads, the threads spun and waited several times longer than they
 * worked (five times the CPU time of one thread for 200,000 rows of 17
 * columns).  So each fold runs BLAS on one thread, and BLAS's idle workers
 * are parked meanwhile (dl_blas_park), leaving their cores to the helpers
 * that fold the even and the odd chunks, and to the tools upstream: this
 * thread only reads and fills chunks, so that the folds, most of the
 * work, go on two cores whatever else runs (folding the even chunks here
 * left a core idle while this thread read, and kept the tools upstream
 * waiting on a full pipe while it folded).  The count comes back when the
 * rows are solved. */
static int qr_fold(ls_qr *q, dl_err *e)
{
    if (!q->blas_threads) {
        q->blas_threads = dl_blas_set_threads(1);
        dl_blas_park();
    }
    int rc = qr_fold_filled(q, q->fill, e);
    /* the next chunk's buffer must be its helper's no more */
    lapack_int info = qr_helper_wait(q, q->odd);
    return rc ? rc : info ? lapack_error("qr", info, e) : 0;
}

/* BLAS's thread count as before the folds. */
static void qr_threads_back(ls_qr *q)
{
    if (q->blas_threads)
        dl_blas_set_threads(q->blas_threads);
    q->blas_threads = 0;
}

/* The rows still waiting folded, the helpers ended, R' merged into R
 * (dtpqrt on the two triangles) and cleared, and BLAS's thread count back. */
static int qr_fold_last(ls_qr *q, dl_err *e)
{
    int rc = q->fill ? qr_fold(q, e) : 0;
    lapack_int info = qr_helper_stop(q);
    if (!rc && info)
        rc = lapack_error("qr", info, e);
    ls_qr_tri *r = &q->tri[0], *r2 = &q->tri[1];
    if (!rc && r2->factored) {
        lapack_int c = (lapack_int)q->cols;
        info = LAPACKE_dtpqrt_work(LAPACK_COL_MAJOR, c, c, c, q->nb, r->r, c, r2->r, c, r->t, q->nb,
                                   r->work);
        memset(r2->r, 0, q->cols * q->cols * sizeof *r2->r);
        r2->factored = 0;
        rc = info ? lapack_error("qr", info, e) : 0;
    }
    q->odd = 0;
    qr_threads_back(q);
    return rc;
}

/* Rows copied into a chunk at a time. */
#define QR_FILL_BLOCK 32

int ls_qr_add(ls_qr *q, const double *x, const double *y, size_t n, dl_err *e)
{
    return ls_qr_add_weighted(q, x, y, NULL, n, e);
}

/* n rows into the chunks, folded as they fill: x's rows xs apart, y's ys
 * apart; with their y into q's sums (with_sums), or not (rows of another
 * factor, whose sums come with it). */
static int qr_take_rows(ls_qr *q, const double *x, size_t xs, const double *y, size_t ys,
                        const double *c, size_t n, int with_sums, dl_err *e)
{
    for (size_t i = 0; i < n;) {
        /* A block of rows at a time, column by column: each column's part of
         * the chunk is then written in one run, not one element per page. */
        size_t rows = n - i < QR_FILL_BLOCK ? n - i : QR_FILL_BLOCK;
        if (rows > q->chunk - q->fill)
            rows = q->chunk - q->fill;
        double *to = q->tri[q->odd].b + q->fill, scale[QR_FILL_BLOCK];
        for (size_t r = 0; r < rows; r++)
            scale[r] = c ? sqrt(c[i + r]) : 1.0;
        if (with_sums)
            add_y_group(q->ysum, q->yty, q->ycss, q->ymean, &q->wsum, y + i * q->k,
                        c ? c + i : NULL, rows, q->k);
        /* eight columns at a time: each row's eight values are one read */
        for (size_t j0 = 0; j0 < q->p; j0 += 8) {
            size_t cols = q->p - j0 < 8 ? q->p - j0 : 8;
            double *col = to + j0 * q->chunk;
            for (size_t r = 0; r < rows; r++) {
                const double *src = x + (i + r) * xs + j0;
                for (size_t j = 0; j < cols; j++)
                    col[j * q->chunk + r] = scale[r] * src[j];
            }
        }
        for (size_t j = 0; j < q->k; j++)
            for (size_t r = 0; r < rows; r++)
                to[(q->p + j) * q->chunk + r] = scale[r] * y[(i + r) * ys + j];
        i += rows;
        q->fill += rows;
        if (q->fill == q->chunk && qr_fold(q, e))
            return e->code;
    }
    return 0;
}

int ls_qr_add_weighted(ls_qr *q, const double *x, const double *y, const double *c, size_t n,
                       dl_err *e)
{
    if (qr_take_rows(q, x, q->p, y, q->k, c, n, 1, e))
        return e->code;
    q->n += n;
    return 0;
}

int ls_qr_factor(ls_qr *q, double *r, dl_err *e)
{
    size_t c = q->cols;
    if (qr_fold_last(q, e))
        return e->code;
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < c; j++)
            r[i * c + j] = i <= j ? q->tri[0].r[j * c + i] : 0.0;
    return 0;
}

/* The factor's rows of zeros change nothing and are left out: the rows of
 * a factor of fewer rows than columns then stay as few, so that R keeps
 * its nonzero rows as few as the data's (qr_fold_chunk) and short, wide
 * partials combine in an SVD of their rows. */
int ls_qr_add_factor(ls_qr *q, const double *r, dl_err *e)
{
    size_t c = q->cols;
    for (size_t i = 0, from = 0; i <= c; i++) {
        int zero = i < c;
        for (size_t j = i; j < c && zero; j++)
            zero = r[i * c + j] == 0.0;
        if (!zero && i < c)
            continue;
        /* rows [from, i) hold a nonzero each: taken together */
        if (i > from && qr_take_rows(q, r + from * c, c, r + from * c + q->p, c, NULL, i - from,
                                     0, e))
            return e->code;
        from = i + 1;
    }
    return 0;
}

/* R11 (p x p) and z (p x k) copied out of R: the small system R11 w = z;
 * with rows, only R11's rows rows[0..m) and z's, in that order, on top of
 * r11 (leading dimension p still) and z (its rows m..p zero). */
static void qr_small_system(const ls_qr *q, const size_t *rows, size_t m, double *r11,
                            double *z)
{
    size_t p = q->p, c = q->cols;
    const double *rr = q->tri[0].r;
    for (size_t j = 0; j < p + q->k; j++) {
        double *to = j < p ? r11 + j * p : z + (j - p) * p;
        for (size_t i = 0; i < p; i++) {
            size_t from = !rows ? i : i < m ? rows[i] : p;
            to[i] = from < p && (from <= j || j >= p) ? rr[j * c + from] : 0.0;
        }
    }
}

/* r->w (p x k, row-major) from the solution z (p x k, column-major). */
static void weights_from(const double *z, size_t p, size_t k, ls_result *r)
{
    for (size_t i = 0; i < p; i++)
        for (size_t j = 0; j < k; j++)
            r->w[i * k + j] = z[j * p + i];
}

/* s_max / s_min over the min(n, p) singular values a matrix of n rows has,
 * as numpy.linalg.cond; inf when singular. */
static double cond_from_sv(const double *sv, size_t p, uint64_t n)
{
    size_t count = n < p ? (size_t)n : p;
    return count && sv[count - 1] > 0 ? sv[0] / sv[count - 1] : INFINITY;
}

/* The rows of R11 holding a nonzero, into rows in order; their count, at
 * least 1 (R11 of zeros is then its first row, which LAPACK takes for the
 * zero matrix it is).  A zero row changes neither the singular values nor
 * the minimum-norm solution, and R of n < cols rows has n rows at most
 * that are not zero (qr_fold_chunk): short, wide data (20 rows of 4,000
 * columns) takes an SVD of its 20 rows, not of 4,000. */
static size_t r11_nonzero_rows(const ls_qr *q, size_t *rows)
{
    size_t p = q->p, c = q->cols, m = 0;
    const double *rr = q->tri[0].r;
    for (size_t i = 0; i < p; i++)
        rows[i] = 0;
    for (size_t j = 0; j < p; j++)
        for (size_t i = 0; i <= j; i++)
            rows[i] |= rr[j * c + i] != 0.0;
    for (size_t i = 0; i < p; i++) /* m <= i: rows[m] is read already */
        if (rows[i])
            rows[m++] = i;
    if (m == 0)
        rows[m++] = 0;
    return m;
}

/* The small system of R11's nonzero rows (r11_nonzero_rows), m of them:
 * qr_small_system's a (p x p) and z (p x k), allocated here (NULL both on
 * failure). */
static int r11_compact(const ls_qr *q, double **a, double **z, lapack_int *m, dl_err *e)
{
    size_t p = q->p, *rows = NULL;
    *a = *z = NULL;
    if (dl_mem_array(&rows, p, sizeof *rows, "lstsq", e) || alloc_doubles(a, p, p, e) ||
        alloc_doubles(z, p, q->k, e)) {
        free(rows);
        free(*a);
        *a = NULL;
        return e->code;
    }
    size_t count = r11_nonzero_rows(q, rows);
    qr_small_system(q, rows, count, *a, *z);
    *m = (lapack_int)count;
    free(rows);
    return 0;
}

/* X's singular values, largest first, from R11 (X = Q R11 keeps them);
 * those beyond R11's nonzero rows are 0. */
static int r11_singular_values(const ls_qr *q, double *sv, dl_err *e)
{
    double *a, *z;
    lapack_int rows;
    if (r11_compact(q, &a, &z, &rows, e))
        return e->code;
    lapack_int info = LAPACKE_dgesdd(LAPACK_COL_MAJOR, 'N', rows, (lapack_int)q->p, a,
                                     (lapack_int)q->p, sv, NULL, 1, NULL, 1);
    free(a);
    free(z);
    if (info > 0)
        return dl_fail(e, DL_ENUM, "svd of R did not converge");
    return info ? lapack_error("svd of R", info, e) : 0;
}

/* The singular values above tol s_max, as numpy.linalg.matrix_rank
 * counts them (sv sorted largest first; at most min(n, p) count). */
static int rank_of(const double *sv, size_t p, uint64_t n, double tol)
{
    size_t most = n < p ? (size_t)n : p, rank = 0;
    while (rank < most && sv[rank] > tol * sv[0])
        rank++;
    return (int)rank;
}

/* numpy.linalg.matrix_rank's tolerance of X's singular values, relative to
 * the largest: machine epsilon times max(n, p). */
static double rank_tol(uint64_t n, size_t p)
{
    return DBL_EPSILON * (double)(n > p ? n : p);
}

/* The minimum-norm solution by dgelsd of R11's nonzero rows, with
 * o->rcond's cut-off (numpy's tolerance by default), into r->w; r->rank is
 * X's rank all the same, and r->rank_kept the singular values the solution
 * kept. */
static int solve_svd(const ls_qr *q, const ls_opts *o, ls_result *r, dl_err *e)
{
    size_t p = q->p;
    double rcond = o->rcond >= 0 ? o->rcond : rank_tol(q->n, p), *a, *z;
    lapack_int rank = 0, rows;
    if (alloc_doubles(&r->sv, p, 1, e) || r11_compact(q, &a, &z, &rows, e))
        return e->code;
    r->nsv = p;
    lapack_int info = LAPACKE_dgelsd(LAPACK_COL_MAJOR, rows, (lapack_int)p, (lapack_int)q->k, a,
                                     (lapack_int)p, z, (lapack_int)p, r->sv, rcond, &rank);
    if (info == 0)
        weights_from(z, p, q->k, r);
    free(a);
    free(z);
    if (info > 0)
        return dl_fail(e, DL_ENUM, "svd did not converge (%d superdiagonals)", (int)info);
    if (info != 0)
        return lapack_error("svd", info, e);
    r->rank = rank_of(r->sv, p, q->n, rank_tol(q->n, p));
    r->rank_kept = (int)rank;
    r->cond = cond_from_sv(r->sv, p, q->n);
    return 0;
}

static int solve_qr(const ls_qr *q, ls_result *r, dl_err *e)
{
    lapack_int p = (lapack_int)q->p;
    double rc = 0, *a, *z = NULL;
    if (alloc_doubles(&a, q->p, q->p, e) || alloc_doubles(&z, q->p, q->k, e)) {
        free(a);
        return e->code;
    }
    qr_small_system(q, NULL, q->p, a, z);
    lapack_int info = LAPACKE_dtrcon(LAPACK_COL_MAJOR, '1', 'U', 'N', p, a, p, &rc);
    int deficient = info == 0 && !(rc > DBL_EPSILON * (double)q->n);
    if (info == 0 && !deficient)
        info = LAPACKE_dtrtrs(LAPACK_COL_MAJOR, 'U', 'N', 'N', p, (lapack_int)q->k, a, p, z, p);
    if (info == 0 && !deficient)
        weights_from(z, q->p, q->k, r);
    free(a);
    free(z);
    if (deficient)
        return dl_fail(e, DL_ENUM, "qr: X is rank deficient (a column is a combination of "
                                   "others); use --method svd for the minimum-norm solution");
    if (info != 0)
        return info > 0 ? dl_fail(e, DL_ENUM, "qr: X is singular; use --method svd")
                        : lapack_error("qr", info, e);
    if (alloc_doubles(&r->sv, q->p, 1, e) || r11_singular_values(q, r->sv, e))
        return e->code;
    r->nsv = q->p;
    r->cond = cond_from_sv(r->sv, q->p, q->n);
    return 0;
}

/* RSS_j = |R11 w_j - z_j|^2 + |t_j|^2, from R = [R11 z; 0 t] (t from R's
 * last k columns; X = QR keeps lengths), for any w: no sum that cancels. */
void ls_qr_metrics(const ls_qr *q, ls_result *r)
{
    size_t p = q->p, c = q->cols;
    const double *rr = q->tri[0].r;
    for (size_t j = 0; j < q->k; j++) {
        double rss = 0;
        for (size_t i = 0; i <= j; i++)
            rss += rr[(p + j) * c + p + i] * rr[(p + j) * c + p + i];
        for (size_t i = 0; i < p; i++) {
            double fit = 0;
            for (size_t m = i; m < p; m++)
                fit += rr[m * c + i] * r->w[m * q->k + j];
            double z = rr[(p + j) * c + i];
            rss += (fit - z) * (fit - z);
        }
        r->mse[j] = rss / q->wsum;
        r->bound[j] = 0;
        r->r2[j] = r2_score(rss, total_ss(q->ycss, q->yty, q->ysum, q->wsum, j), q->n);
    }
}

int ls_qr_solve(ls_qr *q, const ls_opts *o, ls_result *r, dl_err *e)
{
    size_t p = q->p, k = q->k;
    if (q->n == 0)
        return dl_fail(e, DL_EDATA, "no rows to fit");
    if (q->n < p && o->method != LS_SVD)
        return dl_fail(e, DL_EDATA, "%llu row%s cannot determine %zu weight%s by %s: --method svd "
                                    "gives the minimum-norm solution (as numpy.linalg.lstsq), "
                                    "or regularize (--ridge, --lasso)",
                       (unsigned long long)q->n, dl_plural((unsigned long long)q->n), p,
                       dl_plural(p), ls_method_name(o->method));
    if (!(q->wsum > 0))
        return dl_fail(e, DL_EDATA, "every row has weight 0");
    if (qr_fold_last(q, e) || result_init(r, q->n, q->wsum, p, k, e))
        return e->code;
    int rc = o->method == LS_QR ? solve_qr(q, r, e) : solve_svd(q, o, r, e);
    if (!rc)
        rc = check_weights(r, e);
    if (!rc)
        ls_qr_metrics(q, r);
    if (rc)
        ls_result_free(r);
    return rc ? e->code : 0;
}

int ls_qr_stats(ls_qr *q, ls_stats *s, dl_err *e)
{
    size_t p = q->p, k = q->k, c = q->cols;
    double *g;
    if (qr_fold_last(q, e) || ls_stats_init(s, p, k, e))
        return e->code;
    if (alloc_doubles(&g, c, c, e) || alloc_doubles(&s->sv, p, 1, e) ||
        r11_singular_values(q, s->sv, e) || alloc_doubles(&s->r, c, c, e)) {
        free(g);
        ls_stats_free(s);
        return e->code;
    }
    /* [X Y]^T [X Y] = R^T R (R's strict lower triangle is zero): its blocks
     * are X^T X and X^T Y; column-major G, upper triangle */
    cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)c, (int)c, 1.0, q->tri[0].r, (int)c,
                0.0, g, (int)c);
    for (size_t j = 0; j < c; j++)
        for (size_t i = 0; i <= j && i < p; i++) {
            if (j < p)
                s->xtx[i * p + j] = s->xtx[j * p + i] = g[j * c + i];
            else
                s->xty[i * k + (j - p)] = g[j * c + i];
        }
    free(g);
    for (size_t i = 0; i < c; i++)
        for (size_t j = i; j < c; j++)
            s->r[i * c + j] = q->tri[0].r[j * c + i];
    memcpy(s->yty, q->yty, k * sizeof *s->yty);
    memcpy(s->ysum, q->ysum, k * sizeof *s->ysum);
    memcpy(s->ycss, q->ycss, k * sizeof *s->ycss);
    memcpy(s->ymean, q->ymean, k * sizeof *s->ymean);
    s->n = q->n;
    s->wsum = q->wsum;
    return 0;
}

int ls_solve_dense(const double *x, const double *y, size_t n, size_t p, size_t k,
                   const ls_opts *o, ls_result *r, dl_err *e)
{
    ls_qr q;
    if (ls_qr_init(&q, p, k, e))
        return e->code;
    int rc = ls_qr_add(&q, x, y, n, e) || ls_qr_solve(&q, o, r, e) ? e->code : 0;
    ls_qr_free(&q);
    return rc ? e->code : 0;
}

/* The norm of column j of an upper triangular factor whose entry (i, j)
 * is t[i * rs + j * cs], its entries divided by the largest first, so that
 * no square under- or overflows. */
static double tri_col_norm(const double *t, size_t rs, size_t cs, size_t j)
{
    double big = 0, ss = 0;
    for (size_t i = 0; i <= j; i++)
        big = fmax(big, fabs(t[i * rs + j * cs]));
    if (!(big > 0) || !isfinite(big))
        return big;
    for (size_t i = 0; i <= j; i++) {
        double v = t[i * rs + j * cs] / big;
        ss += v * v;
    }
    return big * sqrt(ss);
}

/* X^T X and X^T y keep their digits while the products of the norms of
 * the columns they pair are normal doubles; below DBL_MIN (cells below
 * about 1e-154) the sums lose them, down to 0, and the normal equations
 * solve for what is left: nothing, which a penalty turns into weights 0
 * (with an R^2 of 1).  norm: the norms of X's p columns, then of y's k;
 * skip: a column of X left out of them (eliminated), which their numbers
 * in messages count, or -1; centered: they are about their means. */
static int gram_underflow(const double *norm, size_t p, size_t k, long skip, int centered,
                          dl_err *e)
{
    size_t least = p;
    for (size_t j = 0; j < p; j++)
        if (norm[j] > 0 && (least == p || norm[j] < norm[least]))
            least = j;
    if (least == p)
        return 0; /* every column zero: nothing to lose */
    size_t col = skip >= 0 && least >= (size_t)skip ? least + 2 : least + 1;
    const char *about = centered ? ", about its mean," : "";
    if (norm[least] * norm[least] < DBL_MIN)
        return dl_fail(e, DL_ENUM, "X^T X underflows: column %zu of X%s has norm %.3g, whose "
                       "square is below the least normal double (%.3g): scale the data "
                       "(dl-design --standardize)", col, about, norm[least], DBL_MIN);
    for (size_t j = 0; j < k; j++)
        if (norm[p + j] > 0 && norm[least] * norm[p + j] < DBL_MIN)
            return dl_fail(e, DL_ENUM, "X^T y underflows: column %zu of X%s and output %zu "
                           "have norms %.3g and %.3g, whose product is below the least normal "
                           "double (%.3g): scale x (dl-design --standardize) or y", col, about,
                           j + 1, norm[least], norm[p + j], DBL_MIN);
    return 0;
}

/* gram_underflow of the statistics' columns: their norms from the rows'
 * factor R when they came from it, else from X^T X's diagonal and y'y
 * (which may have lost a column whole, to 0: that is not seen). */
static int stats_underflow(const ls_stats *s, dl_err *e)
{
    size_t p = s->p, k = s->k, c = p + k;
    double *norm;
    if (alloc_doubles(&norm, c, 1, e))
        return e->code;
    for (size_t j = 0; j < c; j++)
        norm[j] = s->r ? tri_col_norm(s->r, c, 1, j)
                       : sqrt(j < p ? s->xtx[j * p + j] : s->yty[j - p]);
    int rc = gram_underflow(norm, p, k, -1, 0, e);
    free(norm);
    return rc;
}

/* X^T X that overflows (cells beyond about 1e154), named by the first
 * column whose norm squared is beyond the largest double: a column whose
 * product with another overflows has its own square overflow too.  Its
 * norm from the rows' factor R when the statistics came from it (X^T X
 * alone holds only inf). */
static int gram_overflow(const ls_stats *s, dl_err *e)
{
    size_t p = s->p, c = p + s->k, bad = p * p, col = p;
    for (size_t i = 0; i < p * p && bad == p * p; i++)
        if (!isfinite(s->xtx[i]))
            bad = i;
    if (bad == p * p)
        return 0;
    double norm = INFINITY;
    for (size_t j = 0; j < p && col == p; j++)
        if (!isfinite(s->xtx[j * p + j])) {
            col = j;
            norm = s->r ? tri_col_norm(s->r, c, 1, j) : INFINITY;
        }
    if (col == p) /* no square overflowed: the entry's own row */
        col = bad / p;
    if (isfinite(norm))
        return dl_fail(e, DL_ENUM, "X^T X overflows: column %zu of X has norm %.3g, whose "
                       "square is beyond the largest double (%.3g): scale the data "
                       "(dl-design --standardize)", col + 1, norm, DBL_MAX);
    return dl_fail(e, DL_ENUM, "X^T X overflows at column %zu of X (beyond the largest "
                   "double, %.3g): scale the data (dl-design --standardize)", col + 1, DBL_MAX);
}

/* Whether o leaves a column of s's out of the penalty. */
static int free_col_of(const ls_stats *s, const ls_opts *o)
{
    return o->free_col >= 0 && (size_t)o->free_col < s->p;
}

/* Why X^T X + ridge D could not be factored, and what helps (never the
 * method in use): a well-conditioned X (r's condition number) whose X^T X
 * fails lost it to the range of a double; with a flat prior the posterior
 * of a rank-deficient X does not exist, whichever method solved it. */
static int singular_error(const ls_stats *s, const ls_opts *o, const ls_result *r, int posterior,
                          dl_err *e)
{
    const char *about = r->cond_bound ? "above" : "about";
    if (!r->cond_bound && r->cond < 0.1 / sqrt(LS_NORMAL_RCOND_MIN))
        return dl_fail(e, DL_ENUM, "X^T X underflows or overflows though X is well "
                                   "conditioned (condition number about %.3g): scale the data "
                                   "(dl-design --standardize)", r->cond);
    if (o->ridge > 0)
        return dl_fail(e, DL_ENUM, "X^T X + ridge is singular or nearly so (condition number "
                                   "of X %s %.3g): %s", about, r->cond,
                       /* the fit eliminated the unpenalized column and passed: it is
                        * that column, which no --ridge reaches */
                       free_col_of(s, o) ? "scale the columns (dl-design --standardize)"
                                         : "raise --ridge, or scale the columns (dl-design "
                                           "--standardize)");
    if (!posterior)
        return dl_fail(e, DL_ENUM, "X^T X is singular or nearly so (condition number of X "
                                   "%s %.3g): use --method svd, or --ridge", about, r->cond);
    if (r->rank < (int)r->p)
        return dl_fail(e, DL_ENUM, "X has rank %d of %zu column%s, so a flat prior leaves the "
                                   "weights' posterior improper: --ridge gives a proper "
                                   "(Gaussian) prior", r->rank, r->p, dl_plural(r->p));
    /* X has full rank: the posterior exists, but X^T X has too few digits
     * left to invert, most often for a column far from 0 beside the bias */
    return dl_fail(e, DL_ENUM, "X^T X is singular or nearly so (condition number of X %s "
                               "%.3g), too near to invert for the weights' covariance: scale "
                               "the columns (dl-design --standardize), or give a Gaussian "
                               "prior (--ridge)", about, r->cond);
}

/* Cholesky factor of S (X^T X + ridge D) S into f (D the identity without
 * o->free_col) and the diagonal of S into scale: S scales the matrix to
 * a unit diagonal, so the conditioning check and the factor are those of
 * the columns' directions, not of their scales (van der Sluis: no
 * diagonal scaling does much better), and a ridge that dwarfs an
 * unpenalized column (--ridge 1e16 beside the bias) or columns of
 * unlike units lose no digits.  r's condition number and rank of X go in
 * the message (singular_error; posterior: for the posterior, not the
 * weights). */
static int cholesky(const ls_stats *s, const ls_opts *o, double *f, double *scale,
                    const ls_result *r, int posterior, dl_err *e)
{
    size_t n = s->p;
    lapack_int p = (lapack_int)n;
    double anorm = 0, rc = 0;
    memcpy(f, s->xtx, n * n * sizeof *f);
    for (size_t i = 0; i < n; i++) {
        if ((long)i != o->free_col)
            f[i * n + i] += o->ridge;
        /* a zero (or lost) diagonal is singular whatever its scale */
        scale[i] = f[i * n + i] > 0 && isfinite(f[i * n + i]) ? 1.0 / sqrt(f[i * n + i]) : 1.0;
    }
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            f[i * n + j] *= scale[i] * scale[j];
    for (size_t j = 0; j < n; j++) { /* 1-norm of a symmetric matrix */
        double col = 0;
        for (size_t i = 0; i < n; i++)
            col += fabs(f[i * n + j]);
        anorm = col > anorm ? col : anorm;
    }
    lapack_int info = LAPACKE_dpotrf(LAPACK_ROW_MAJOR, 'U', p, f, p);
    if (info == 0)
        info = LAPACKE_dpocon(LAPACK_ROW_MAJOR, 'U', p, f, p, anorm, &rc);
    if (info > 0 || (info == 0 && rc < LS_NORMAL_RCOND_MIN))
        return singular_error(s, o, r, posterior, e);
    return info ? lapack_error("cholesky", info, e) : 0;
}

/* X^T y of the statistics a solver is about to use (the bias column
 * eliminated, they are about y's mean): a y far larger than x overflows
 * it alone, which LAPACK would take for a bad argument and coordinate
 * descent for weights. */
static int xty_overflow(const ls_stats *s, dl_err *e)
{
    for (size_t i = 0; i < s->p * s->k; i++)
        if (!isfinite(s->xty[i]))
            return dl_fail(e, DL_ENUM, "X^T y overflows: scale x (dl-design --standardize) "
                                       "or y");
    return 0;
}

static int solve_normal(ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e)
{
    double *f, *scale = NULL;
    if (xty_overflow(s, e))
        return e->code;
    if (alloc_doubles(&f, s->p, s->p, e))
        return e->code;
    int rc = alloc_doubles(&scale, s->p, 1, e) || cholesky(s, o, f, scale, r, 0, e) ? e->code : 0;
    if (!rc) { /* w = S (S A S)^-1 S X^T y */
        for (size_t i = 0; i < s->p; i++)
            for (size_t j = 0; j < s->k; j++)
                r->w[i * s->k + j] = scale[i] * s->xty[i * s->k + j];
        lapack_int info = LAPACKE_dpotrs(LAPACK_ROW_MAJOR, 'U', (lapack_int)s->p,
                                         (lapack_int)s->k, f, (lapack_int)s->p, r->w,
                                         (lapack_int)s->k);
        rc = info ? lapack_error("cholesky solve", info, e) : 0;
        for (size_t i = 0; !rc && i < s->p; i++)
            for (size_t j = 0; j < s->k; j++)
                r->w[i * s->k + j] *= scale[i];
    }
    free(scale);
    free(f);
    return rc;
}

static double soft_threshold(double v, double t)
{
    return v > t ? v - t : v < -t ? v + t : 0.0;
}

/* One output by cyclic coordinate descent on the Gram matrix (scikit-learn's
 * update with precomputed Gram): q = G w is kept current as w changes. */
static void cd_output(const ls_stats *s, const ls_opts *o, size_t j, double *w, double *q,
                      ls_result *r)
{
    size_t p = s->p, k = s->k;
    /* the ratio first, as scikit-learn: a strength whose product with m
     * overflows is then an infinite penalty (weight 0), never inf * 0 */
    double m = s->wsum, l1 = o->alpha * o->l1_ratio * m;
    double l2 = o->alpha * (1.0 - o->l1_ratio) * m;
    memset(q, 0, p * sizeof *q);
    long it;
    for (it = 1; it <= o->max_iter; it++) {
        double max_dw = 0, max_w = 0;
        for (size_t c = 0; c < p; c++) {
            double gcc = s->xtx[c * p + c], old = w[c * k + j];
            if (gcc <= 0)
                continue; /* an all-zero column keeps weight 0 */
            double rho = s->xty[c * k + j] - q[c] + gcc * old;
            double nw = soft_threshold(rho, l1) / (gcc + l2);
            if (nw != old) {
                cblas_daxpy((int)p, nw - old, s->xtx + c * p, 1, q, 1);
                w[c * k + j] = nw;
            }
            max_dw = fmax(max_dw, fabs(nw - old));
            max_w = fmax(max_w, fabs(nw));
        }
        if (max_w == 0 || max_dw <= o->tol * max_w)
            break;
    }
    if (it > o->max_iter) { /* the loop ran every sweep, and one count more */
        it = o->max_iter;
        r->converged = 0;
    }
    r->iterations = it > r->iterations ? it : r->iterations;
}

/* The problem with column f eliminated: the other columns and y made
 * orthogonal to it (centred on their means when f is the column of ones,
 * as scikit-learn centres X and y before it fits with an intercept).
 * red holds their statistics; given the other weights w, f's is
 * (row[p - 1 + j] - row[0..p-2] . w_j) / rho, its least-squares value. */
typedef struct ls_elim {
    ls_stats red;
    double rho;
    double *row; /* [p - 1 + k] */
} ls_elim;

static void elim_free(ls_elim *el)
{
    ls_stats_free(&el->red);
    free(el->row);
    el->row = NULL;
}

/* From R: R with column f moved first, triangularized again (a QR of
 * (p + k)^2), is [rho row; 0 R22], and R22^T R22 is the Gram matrix of the
 * columns made orthogonal to f.  No sum of X^T X is formed, so nothing
 * cancels: a column of timestamps keeps its spread. */
static int elim_from_factor(const ls_stats *s, size_t f, ls_elim *el, dl_err *e)
{
    size_t p = s->p, k = s->k, c = p + k, m = c - 1;
    double *a = NULL, *tau = NULL, *g = NULL, *norm = NULL;
    int rc = alloc_doubles(&a, c, c, e) || alloc_doubles(&tau, c, 1, e) ||
             alloc_doubles(&norm, m, 1, e) ||
             alloc_doubles(&g, m, m, e) ? e->code : 0;
    for (size_t j = 0; !rc && j < c; j++) { /* column-major, f first */
        size_t from = j == 0 ? f : j <= f ? j - 1 : j;
        for (size_t i = 0; i < c; i++)
            a[j * c + i] = s->r[i * c + from];
    }
    if (!rc) {
        lapack_int info = LAPACKE_dgeqrf(LAPACK_COL_MAJOR, (lapack_int)c, (lapack_int)c, a,
                                         (lapack_int)c, tau);
        rc = info ? lapack_error("qr", info, e) : 0;
    }
    if (!rc) {
        for (size_t j = 0; j < c; j++) /* the Householder vectors go */
            for (size_t i = j + 1; i < c; i++)
                a[j * c + i] = 0.0;
        /* R22's columns, the others made orthogonal to f, may be far
         * smaller than X's own (a spread far below the mean) */
        for (size_t j = 0; j < m; j++)
            norm[j] = tri_col_norm(a + c + 1, 1, c, j);
        rc = gram_underflow(norm, p - 1, k, (long)f, 1, e);
    }
    if (!rc) {
        el->rho = a[0];
        for (size_t j = 1; j < c; j++)
            el->row[j - 1] = a[j * c];
        cblas_dsyrk(CblasColMajor, CblasUpper, CblasTrans, (int)m, (int)m, 1.0, a + c + 1,
                    (int)c, 0.0, g, (int)m);
        for (size_t i = 0; i + 1 < p; i++) {
            for (size_t l = 0; l + 1 < p; l++)
                el->red.xtx[i * (p - 1) + l] = i <= l ? g[l * m + i] : g[i * m + l];
            for (size_t j = 0; j < k; j++)
                el->red.xty[i * k + j] = g[(p - 1 + j) * m + i];
        }
    }
    free(a);
    free(tau);
    free(g);
    free(norm);
    return rc;
}

/* From X^T X alone (partials without their factor): its Schur complement,
 * which cancels the digits of a column whose mean is large against its
 * spread.  Where fewer than about 3 are left (the complement's diagonal
 * below LS_NORMAL_RCOND_MIN of the column's own: a mean beyond about 2e6
 * standard deviations), the fit is refused, not returned wrong. */
static int elim_from_gram(const ls_stats *s, size_t f, ls_elim *el, dl_err *e)
{
    size_t p = s->p, k = s->k;
    double gff = s->xtx[f * p + f];
    el->rho = sqrt(gff);
    for (size_t a = 0, ra = 0; a < p; a++) {
        if (a == f)
            continue;
        el->row[ra] = s->xtx[f * p + a] / el->rho;
        for (size_t b = 0, rb = 0; b < p; b++)
            if (b != f)
                el->red.xtx[ra * (p - 1) + rb++] = s->xtx[a * p + b] -
                                                   s->xtx[a * p + f] * s->xtx[f * p + b] / gff;
        for (size_t j = 0; j < k; j++)
            el->red.xty[ra * k + j] = s->xty[a * k + j] -
                                      s->xtx[a * p + f] * s->xty[f * k + j] / gff;
        double gaa = s->xtx[a * p + a], raa = el->red.xtx[ra * (p - 1) + ra];
        if (gaa > 0 && raa < LS_NORMAL_RCOND_MIN * gaa)
            return dl_fail(e, DL_ENUM, "column %zu: its mean is too large against its spread "
                           "for the intercept to be eliminated from X^T X (the digits "
                           "cancel), and the partials carry no factor 'r': scale the "
                           "columns (dl-design --standardize)", a + 1);
        ra++;
    }
    for (size_t j = 0; j < k; j++)
        el->row[p - 1 + j] = s->xty[f * k + j] / el->rho;
    return 0;
}

/* Column f eliminated, from R when the statistics came from it. */
static int eliminate_column(const ls_stats *s, size_t f, ls_elim *el, dl_err *e)
{
    size_t p = s->p, k = s->k;
    memset(el, 0, sizeof *el);
    if (!(s->xtx[f * p + f] > 0))
        return dl_fail(e, DL_EDATA, "the intercept column %zu is all zero", f + 1);
    int rc = ls_stats_init(&el->red, p - 1, k, e) || alloc_doubles(&el->row, p - 1 + k, 1, e) ||
             (s->r ? elim_from_factor(s, f, el, e) : elim_from_gram(s, f, el, e)) ? e->code : 0;
    if (rc) {
        elim_free(el);
        return rc;
    }
    el->red.n = s->n;
    el->red.wsum = s->wsum;
    return 0;
}

/* r's weights from those of the eliminated problem (w, [(p - 1) x k]):
 * the others as they are, column f's given them. */
static void elim_weights(const ls_elim *el, size_t f, const double *w, ls_result *r)
{
    size_t p = r->p, k = r->k;
    for (size_t j = 0; j < k; j++) {
        double b = el->row[p - 1 + j];
        for (size_t a = 0, ra = 0; a < p; a++)
            if (a != f) {
                r->w[a * k + j] = w[ra * k + j];
                b -= el->row[ra] * w[ra * k + j];
                ra++;
            }
        r->w[f * k + j] = b / el->rho;
    }
}

/* Coordinate descent with column f unpenalized: the others on the
 * eliminated problem, then f's weight as the least-squares value given
 * them. */
static int solve_cd_free(ls_stats *s, const ls_opts *o, size_t f, ls_result *r, dl_err *e)
{
    size_t p = s->p, k = s->k;
    ls_elim el;
    double *q = NULL, *w = NULL;
    if (eliminate_column(s, f, &el, e))
        return e->code;
    int rc = xty_overflow(&el.red, e) || alloc_doubles(&q, p, 1, e) ||
             alloc_doubles(&w, p - 1, k, e) ? e->code : 0;
    for (size_t j = 0; !rc && j < k; j++)
        cd_output(&el.red, o, j, w, q, r);
    if (!rc)
        elim_weights(&el, f, w, r);
    free(q);
    free(w);
    elim_free(&el);
    return rc;
}

/* Ridge with column f unpenalized: the others' closed form on the
 * eliminated problem, where the penalty touches every column, then f's
 * weight given them (scikit-learn's Ridge on centred data). */
static int solve_ridge_free(ls_stats *s, const ls_opts *o, size_t f, ls_result *r, dl_err *e)
{
    ls_elim el;
    ls_opts all = *o;
    ls_result sub = *r;
    double *w = NULL;
    if (eliminate_column(s, f, &el, e))
        return e->code;
    all.free_col = -1;
    int rc = alloc_doubles(&w, s->p - 1, s->k, e) ? e->code : 0;
    sub.w = w;
    if (!rc)
        rc = solve_normal(&el.red, &all, &sub, e);
    if (!rc)
        elim_weights(&el, f, w, r);
    free(w);
    elim_free(&el);
    return rc;
}

static int solve_cd(ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e)
{
    double *q;
    if (free_col_of(s, o))
        return solve_cd_free(s, o, (size_t)o->free_col, r, e);
    if (xty_overflow(s, e) || alloc_doubles(&q, s->p, 1, e))
        return e->code;
    for (size_t j = 0; j < s->k; j++)
        cd_output(s, o, j, r->w, q, r);
    free(q);
    return 0;
}

/* sqrt of the eigenvalues of X^T X, largest first: X's singular values to
 * about sqrt(eps) * s_max; the condition number only where X^T X resolves
 * it (s_min^2 above LS_NORMAL_RCOND_MIN s_max^2), else that bound. */
static int sv_from_gram(const ls_stats *s, ls_result *r, dl_err *e)
{
    size_t p = s->p;
    double *g = NULL, *ev = NULL;
    int rc = alloc_doubles(&g, p, p, e) || alloc_doubles(&ev, p, 1, e) ? e->code : 0;
    if (!rc) {
        memcpy(g, s->xtx, p * p * sizeof *g);
        lapack_int info = LAPACKE_dsyev(LAPACK_ROW_MAJOR, 'N', 'U', (lapack_int)p, g,
                                        (lapack_int)p, ev);
        rc = info ? lapack_error("eigenvalues", info, e) : 0;
    }
    for (size_t i = 0; !rc && i < p; i++)
        ev[i] = ev[i] > 0 ? sqrt(ev[i]) : 0;
    for (size_t i = 0; !rc && i < p / 2; i++) {
        double t = ev[i];
        ev[i] = ev[p - 1 - i];
        ev[p - 1 - i] = t;
    }
    free(g);
    if (rc) {
        free(ev);
        return e->code;
    }
    r->sv = ev;
    r->nsv = p;
    size_t last = s->n < p ? (size_t)s->n - 1 : p - 1;
    r->cond_bound = !(ev[last] * ev[last] > LS_NORMAL_RCOND_MIN * ev[0] * ev[0]);
    r->cond = r->cond_bound ? 1.0 / sqrt(LS_NORMAL_RCOND_MIN) : ev[0] / ev[last];
    return 0;
}

/* X's singular values, condition number and rank: exact from the rows'
 * factor R when the statistics came from it, else from X^T X
 * (sv_from_gram).  The singular values stay in r only when asked for. */
static int stats_condition(const ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e)
{
    double tol = rank_tol(s->n, s->p);
    if (!s->sv) {
        if (sv_from_gram(s, r, e))
            return e->code;
        /* X^T X resolves singular values down to about sqrt(eps) s_max */
        r->rank = rank_of(r->sv, s->p, s->n, fmax(tol, sqrt(LS_NORMAL_RCOND_MIN)));
    } else {
        if (alloc_doubles(&r->sv, s->p, 1, e))
            return e->code;
        memcpy(r->sv, s->sv, s->p * sizeof *r->sv);
        r->nsv = s->p;
        r->cond = cond_from_sv(s->sv, s->p, s->n);
        r->rank = rank_of(s->sv, s->p, s->n, tol);
    }
    if (!o->want_sv) {
        free(r->sv);
        r->sv = NULL;
        r->nsv = 0;
    }
    return 0;
}

int ls_solve_stats(ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e)
{
    if (s->n == 0)
        return dl_fail(e, DL_EDATA, "no rows to fit");
    if (s->n < s->p && o->ridge <= 0 && o->alpha <= 0)
        return dl_fail(e, DL_EDATA, "%llu row%s cannot determine %zu weight%s by the normal "
                                    "equations: --method svd gives the minimum-norm solution "
                                    "(as numpy.linalg.lstsq), or regularize (--ridge, --lasso)",
                       (unsigned long long)s->n, dl_plural((unsigned long long)s->n), s->p,
                       dl_plural(s->p));
    if (gram_overflow(s, e) || stats_underflow(s, e))
        return e->code;
    if (!(s->wsum > 0))
        return dl_fail(e, DL_EDATA, "every row has weight 0");
    if (result_init(r, s->n, s->wsum, s->p, s->k, e))
        return e->code;
    ls_stats_symmetrize(s);
    int rc = stats_condition(s, o, r, e);
    if (!rc && o->alpha > 0)
        rc = solve_cd(s, o, r, e);
    else if (!rc && o->ridge > 0 && free_col_of(s, o))
        rc = solve_ridge_free(s, o, (size_t)o->free_col, r, e);
    else if (!rc)
        rc = solve_normal(s, o, r, e);
    if (!rc)
        rc = check_weights(r, e) || ls_fit_metrics_stats(s, o, r, e) ? e->code : 0;
    if (rc)
        ls_result_free(r);
    return rc;
}

/* The effective number of parameters, tr(A^-1 G) for A = G + L D, as
 * p - L tr(A^-1 D): exactly p for a flat prior, where the trace of the
 * product carries the rounding of the inverse (up to about a thousandth
 * of p for the X^T X Cholesky takes), so that rows as many as the
 * columns leave none, and a ridge's fraction of one is kept. */
static double effective_params(const double *ainv, size_t p, const ls_opts *o)
{
    double t = 0;
    for (size_t i = 0; o->ridge > 0 && i < p; i++)
        if ((long)i != o->free_col)
            t += ainv[i * p + i];
    return (double)p - o->ridge * t;
}

static int noise_variances(ls_stats *s, const ls_opts *o, const double *ainv,
                           ls_result *r, dl_err *e)
{
    if (o->noise_var > 0) {
        for (size_t j = 0; j < s->k; j++)
            r->sigma2[j] = o->noise_var;
        return 0;
    }
    /* rounding aside: weights that sum to the parameters leave none */
    double params = effective_params(ainv, s->p, o), dof = s->wsum - params;
    int none = !(dof > 64 * DBL_EPSILON * (s->wsum + params));
    if (none && s->wsum != (double)s->n) /* the weights, not the rows, are short */
        return dl_fail(e, DL_EDATA, "cannot estimate the noise variance: the weights sum to "
                                    "%.6g, which leaves no residual degrees of freedom beside "
                                    "%.3g effective parameters (a weight of c counts as c "
                                    "rows); give --noise-var", s->wsum, params);
    if (none)
        return dl_fail(e, DL_EDATA, "cannot estimate the noise variance: %llu row%s leave%s no "
                                    "residual degrees of freedom; give --noise-var",
                       (unsigned long long)s->n, dl_plural((unsigned long long)s->n),
                       s->n == 1 ? "s" : "");
    for (size_t j = 0; j < s->k; j++) { /* RSS as the fit measured it: from R when it could */
        if (r->bound[j])
            return dl_fail(e, DL_EDATA, "cannot estimate the noise variance of output %zu from "
                           "the statistics: y's mean is too large against its residuals "
                           "(a one-pass fit estimates it; or give --noise-var)", j + 1);
        r->sigma2[j] = r->mse[j] * r->wsum / dof;
    }
    return 0;
}

int ls_posterior(ls_stats *s, const ls_opts *o, ls_result *r, dl_err *e)
{
    size_t p = s->p;
    double *ainv = NULL, *scale = NULL;
    if (s->n < p && o->ridge <= 0) /* X^T X is singular, whatever its numbers */
        return dl_fail(e, DL_EDATA, "posterior: %llu row%s cannot determine %zu weight%s with a "
                       "flat prior: give --ridge (a Gaussian prior)",
                       (unsigned long long)s->n, dl_plural((unsigned long long)s->n), p,
                       dl_plural(p));
    /* the fit solved from R may not have needed X^T X, which can overflow */
    if (gram_overflow(s, e) || stats_underflow(s, e))
        return dl_err_wrap(e, "posterior");
    ls_stats_symmetrize(s);
    int rc = alloc_doubles(&ainv, p, p, e) || alloc_doubles(&scale, p, 1, e) ||
             alloc_doubles(&r->sigma2, s->k, 1, e) || alloc_doubles(&r->w_cov, s->k, p * p, e)
                 ? e->code
                 : 0;
    if (!rc && cholesky(s, o, ainv, scale, r, 1, e))
        rc = dl_err_wrap(e, "posterior");
    if (!rc) {
        lapack_int info = LAPACKE_dpotri(LAPACK_ROW_MAJOR, 'U', (lapack_int)p, ainv,
                                         (lapack_int)p);
        rc = info ? lapack_error("posterior inverse", info, e) : 0;
    }
    if (!rc) { /* A^-1 = S (S A S)^-1 S */
        for (size_t i = 0; i < p; i++)
            for (size_t j = i; j < p; j++)
                ainv[i * p + j] *= scale[i] * scale[j];
        for (size_t i = 0; i < p; i++)
            for (size_t j = 0; j < i; j++)
                ainv[i * p + j] = ainv[j * p + i];
        rc = noise_variances(s, o, ainv, r, e);
    }
    for (size_t j = 0; !rc && j < s->k; j++)
        for (size_t i = 0; i < p * p; i++)
            r->w_cov[j * p * p + i] = r->sigma2[j] * ainv[i];
    free(scale);
    free(ainv);
    return rc;
}
