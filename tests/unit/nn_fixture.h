/* nn_fixture.h - reads the text fixtures of tests/fixtures/nn (made by
 * gen_torch.py there) for test_nn.c and test_optim.c. */
#ifndef DL_NN_FIXTURE_H
#define DL_NN_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIX_MAX 512

/* Line `line` (0-based) of tests/fixtures/nn/<name>, as numbers into out
 * (at most FIX_MAX); returns the count, or -1 when the file or line is missing. */
static int fixture_line(const char *name, int line, double *out)
{
    const char *root = getenv("DL_TEST_ROOT");
    char path[1024], buf[65536];
    snprintf(path, sizeof path, "%s/tests/fixtures/nn/%s", root ? root : ".", name);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "cannot open fixture %s\n", path);
        return -1;
    }
    int n = -1;
    for (int i = 0; i <= line; i++)
        if (!fgets(buf, sizeof buf, f))
            goto done;
    n = 0;
    for (char *p = buf, *end; n < FIX_MAX; p = end) {
        double v = strtod(p, &end);
        if (end == p)
            break;
        out[n++] = v;
    }
done:
    fclose(f);
    return n;
}

/* The same as floats. */
static int fixture_floats(const char *name, int line, float *out)
{
    double tmp[FIX_MAX];
    int n = fixture_line(name, line, tmp);
    for (int i = 0; i < n; i++)
        out[i] = (float)tmp[i];
    return n;
}

#endif
