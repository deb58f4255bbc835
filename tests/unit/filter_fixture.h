/* filter_fixture.h - what the unit tests of the filter modules (cli, fit,
 * partial, design_stream, predict, metrics_io) share: a temporary
 * directory, small streams of x and y, and a fit through the filter frame.
 * References are computed by the dense solver or by hand, never taken from
 * the code under test. */
#ifndef DL_FILTER_FIXTURE_H
#define DL_FILTER_FIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "fit.h"
#include "rng.h"
#include "stream.h"
#include "unit.h"

static char dir[64];

static inline const char *tmp_path(const char *name)
{
    static char buf[4][128];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "%s/%s", dir, name);
    return p;
}

static inline int starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline size_t dir_entries(void)
{
    size_t n = 0;
    DIR *d = opendir(dir);
    for (struct dirent *ent; d && (ent = readdir(d));)
        n += ent->d_name[0] != '.';
    if (d)
        closedir(d);
    return n;
}

static inline int write_x(const char *path, const double *x, uint64_t rows, uint64_t cols, dl_err *e)
{
    st_writer *w;
    uint64_t shape[2] = {rows, cols};
    if (st_writer_open(&w, path, 0, e))
        return e->code;
    if (st_write_data(w, "x", DL_F64, 2, shape, x, e)) {
        st_writer_abort(w);
        return e->code;
    }
    return st_writer_close(w, e);
}

enum { N = 50, P = 4, K = 2 };

/* y = x w + small noise, x with a column of ones. */
static inline void make_data(double *x, double *y, uint64_t seed)
{
    dl_rng g;
    dl_rng_seed(&g, seed);
    for (int i = 0; i < N; i++) {
        x[i * P] = 1.0;
        for (int j = 1; j < P; j++)
            x[i * P + j] = 2 * dl_rng_uniform(&g) - 1;
        for (int k = 0; k < K; k++)
            y[i * K + k] = x[i * P + 1] * (k + 1) - x[i * P + 2] + 0.5 * x[i * P + 3] + 0.3 * k +
                           0.01 * (dl_rng_uniform(&g) - 0.5);
    }
}

static inline int put(st_writer *w, const char *name, const double *v, uint64_t rows, uint64_t cols,
               dl_err *e)
{
    uint64_t shape[2] = {rows, cols};
    return st_write_data(w, name, DL_F64, 2, shape, v, e);
}

/* x and y chunks interleaved unevenly: x 0..19, y 0..9, x 20..49, y 10..49. */
static inline int write_interleaved(const char *path, const double *x, const double *y, dl_err *e)
{
    st_writer *w;
    if (st_writer_open(&w, path, 0, e))
        return e->code;
    int rc = put(w, "x", x, 20, P, e) || put(w, "y", y, 10, K, e) ||
             put(w, "x", x + 20 * P, 30, P, e) || put(w, "y", y + 10 * K, 40, K, e);
    if (rc) {
        st_writer_abort(w);
        return e->code;
    }
    return st_writer_close(w, e);
}

static inline int run_fit(const fit_opts *o, const char *in, const char *out, dl_err *e)
{
    cli_filter_io io = {in, out, 0};
    return cli_run_filter(&io, fit_filter, o, e);
}

static inline void check_w(const char *ckpt, const double *want)
{
    dl_tensor_set set;
    dl_err e = {0};
    dl_set_init(&set);
    CHECK(st_read_set(ckpt, &set, &e) == 0);
    dl_tensor *w = dl_set_find(&set, "w");
    CHECK(w && w->rank == 2 && w->shape[0] == P && w->shape[1] == K);
    for (int i = 0; w && i < P * K; i++)
        CHECK_NEAR(((double *)w->data)[i], want[i], 1e-9);
    dl_set_free(&set);
}

/* Makes the temporary directory; 0 on success. */
static inline int fixture_setup(const char *name)
{
    snprintf(dir, sizeof dir, "/tmp/dl-test-%s-XXXXXX", name);
    return mkdtemp(dir) ? 0 : -1;
}

/* Removes the temporary directory and whatever a test left in it. */
static inline void fixture_cleanup(void)
{
    DIR *d = opendir(dir);
    for (struct dirent *ent; d && (ent = readdir(d));)
        if (strcmp(ent->d_name, ".") != 0 && strcmp(ent->d_name, "..") != 0) {
            char path[sizeof dir + sizeof ent->d_name + 1];
            snprintf(path, sizeof path, "%s/%s", dir, ent->d_name);
            unlink(path);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

#endif
