/* matfile.h - reads the small reference matrices written by
 * tests/fixtures/linear/gen_linear.py: a line "rows cols", then the values
 * row by row (%.17g, so they read back exactly).  For unit tests only. */
#ifndef DL_TEST_MATFILE_H
#define DL_TEST_MATFILE_H

#include <stdio.h>
#include <stdlib.h>

typedef struct test_mat {
    size_t rows, cols;
    double *v; /* rows x cols, row-major; NULL when the file is missing */
} test_mat;

static test_mat mat_load(const char *name)
{
    char path[512];
    test_mat m = {0, 0, NULL};
    snprintf(path, sizeof path, "tests/fixtures/linear/%s.txt", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        return m;
    }
    if (fscanf(f, "%zu %zu", &m.rows, &m.cols) == 2 && m.rows * m.cols > 0) {
        m.v = malloc(m.rows * m.cols * sizeof *m.v);
        for (size_t i = 0; m.v && i < m.rows * m.cols; i++)
            if (fscanf(f, "%lf", &m.v[i]) != 1) {
                free(m.v);
                m.v = NULL;
            }
    }
    fclose(f);
    return m;
}

#endif
