/* test_predict.c - lib/predict: a fitted model applied to a stream. */
#include "filter_fixture.h"
#include "predict.h"

static void test_predict_applies_the_fitted_model(void)
{
    double x[N * P], y[N * K];
    dl_err e = {0};
    make_data(x, y, 16);
    CHECK(write_interleaved(tmp_path("xy.dlt"), x, y, &e) == 0);
    fit_opts f = {0};
    ls_opts_defaults(&f.ls);
    f.quiet = 1;
    CHECK(run_fit(&f, tmp_path("xy.dlt"), tmp_path("m.ckpt"), &e) == 0);
    predict_opts o = {tmp_path("m.ckpt"), 0, 0, 0.5, 0};
    cli_filter_io io = {tmp_path("xy.dlt"), tmp_path("yhat.dlt"), 0};
    CHECK(cli_run_filter(&io, predict_filter, &o, &e) == 0);
    dl_tensor_set ck, out;
    dl_set_init(&ck);
    dl_set_init(&out);
    CHECK(st_read_set(tmp_path("m.ckpt"), &ck, &e) == 0);
    CHECK(st_read_set(io.output, &out, &e) == 0);
    dl_tensor *w = dl_set_find(&ck, "w"), *yhat = dl_set_find(&out, "yhat");
    CHECK(dl_set_find(&out, "y") != NULL && dl_set_find(&out, "x") == NULL);
    CHECK(w && yhat && yhat->shape[0] == N && yhat->shape[1] == K);
    for (int i = 0; w && yhat && i < N; i++)
        for (int k = 0; k < K; k++) {
            double want = 0;
            for (int j = 0; j < P; j++)
                want += x[i * P + j] * ((double *)w->data)[j * K + k];
            CHECK_NEAR(((double *)yhat->data)[i * K + k], want, 1e-12);
        }
    dl_set_free(&ck);
    dl_set_free(&out);
    unlink(tmp_path("xy.dlt"));
    unlink(tmp_path("m.ckpt"));
    unlink(tmp_path("yhat.dlt"));
}

int main(void)
{
    if (fixture_setup("predict"))
        return 1;
    UNIT_RUN(test_predict_applies_the_fitted_model);
    fixture_cleanup();
    return UNIT_DONE();
}
