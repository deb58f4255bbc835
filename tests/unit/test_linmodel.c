/* test_linmodel.c - lib/linmodel: a solution written by lm_write reads
 * back through lm_open into the same predictions (yhat = phi w by hand, and
 * ystd = sqrt(sigma2 + phi^T C phi) by hand), and bad shapes are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "linmodel.h"
#include "unit.h"

static char path[64];

/* p = 2, k = 1: w = (2, -1), C = [[1, 0.5], [0.5, 2]], sigma2 0.25. */
static int write_checkpoint(int posterior, dl_err *e)
{
    double w[2] = {2, -1}, cov[4] = {1, 0.5, 0.5, 2}, s2[1] = {0.25};
    ls_result r = {.p = 2, .k = 1, .n = 10, .w = w, .rank = 2};
    if (posterior) {
        r.w_cov = cov;
        r.sigma2 = s2;
    }
    ls_opts o;
    ls_opts_defaults(&o);
    o.posterior = posterior;
    lm_fit how = {0, 0};
    dl_tensor no_design;
    memset(&no_design, 0, sizeof no_design);
    st_writer *wr;
    if (st_writer_open(&wr, path, 0, e))
        return e->code;
    if (lm_write(wr, &o, &how, &r, &no_design, e)) {
        st_writer_abort(wr);
        return e->code;
    }
    return st_writer_close(wr, e);
}

static lm_model *read_back(dl_tensor_set *set, dl_err *e)
{
    lm_model *m = NULL;
    dl_set_init(set);
    if (st_read_set(path, set, e) == 0)
        lm_open(&m, set, e);
    return m;
}

static void test_round_trip_predicts_by_hand(void)
{
    dl_err e = {0};
    dl_tensor_set set;
    CHECK(write_checkpoint(1, &e) == 0);
    lm_model *m = read_back(&set, &e);
    CHECK(m != NULL);
    if (!m)
        return;
    dl_tensor *rec = dl_set_find(&set, "model");
    CHECK(rec && strncmp(rec->data, "kind: linear\nsolver: ", 21) == 0);
    CHECK(lm_input_dim(m) == 2 && lm_output_dim(m) == 1 && lm_has_std(m));
    double phi[6] = {1, 0, 0, 1, 3, 2}, yhat[3], ystd[3], t[6];
    lm_predict(m, phi, 3, yhat, ystd, t);
    for (int i = 0; i < 3; i++) {
        double a = phi[2 * i], b = phi[2 * i + 1];
        CHECK_NEAR(yhat[i], 2 * a - b, 1e-15);
        CHECK_NEAR(ystd[i], sqrt(0.25 + a * a + a * b + 2 * b * b), 1e-15);
    }
    lm_free(m);
    dl_set_free(&set);
}

static void test_without_posterior_no_std(void)
{
    dl_err e = {0};
    dl_tensor_set set;
    CHECK(write_checkpoint(0, &e) == 0);
    lm_model *m = read_back(&set, &e);
    CHECK(m && !lm_has_std(m) && dl_set_find(&set, "w_cov") == NULL);
    lm_free(m);
    dl_set_free(&set);
}

static void test_bad_shapes_refused(void)
{
    dl_err e = {0};
    dl_tensor_set set;
    CHECK(write_checkpoint(1, &e) == 0);
    dl_set_init(&set);
    CHECK(st_read_set(path, &set, &e) == 0);
    dl_tensor *s2 = dl_set_find(&set, "sigma2");
    CHECK(s2 != NULL);
    if (s2)
        s2->shape[0] = 0; /* sigma2 [0] for k = 1 */
    lm_model *m = NULL;
    CHECK(lm_open(&m, &set, &e) == DL_EDATA && m == NULL);
    CHECK(strstr(e.msg, "w_cov must be [1, 2, 2] and sigma2 [1]") != NULL);
    dl_set_free(&set);
    dl_set_init(&set);
    CHECK(lm_open(&m, &set, &e) == DL_EDATA);
    CHECK_STR(e.msg, "checkpoint has no 'w' tensor");
    dl_set_free(&set);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/test_linmodel.%ld.dlt", (long)getpid());
    UNIT_RUN(test_round_trip_predicts_by_hand);
    UNIT_RUN(test_without_posterior_no_std);
    UNIT_RUN(test_bad_shapes_refused);
    unlink(path);
    return UNIT_DONE();
}
