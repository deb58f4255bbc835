/* test_design_stream.c - lib/design_stream: x goes through the fitted design, other records pass through. */
#include "filter_fixture.h"
#include "design_stream.h"

static void test_design_streams_x_and_passes_the_rest(void)
{
    double x[6] = {1, 2, 3, 4, 5, 6}, y[3] = {7, 8, 9};
    dl_err e = {0};
    st_writer *w;
    CHECK(st_writer_open(&w, tmp_path("raw.dlt"), 0, &e) == 0);
    CHECK(put(w, "x", x, 3, 2, &e) == 0 && put(w, "y", y, 3, 1, &e) == 0);
    CHECK(st_writer_close(w, &e) == 0);
    design_opts o = {0};
    bf_opts_defaults(&o.basis);
    o.basis.poly = 1;
    o.quiet = 1;
    cli_filter_io io = {tmp_path("raw.dlt"), tmp_path("phi.dlt"), 0};
    CHECK(cli_run_filter(&io, design_filter, &o, &e) == 0);
    dl_tensor_set set;
    dl_set_init(&set);
    CHECK(st_read_set(io.output, &set, &e) == 0);
    dl_tensor *phi = dl_set_find(&set, "x"), *yy = dl_set_find(&set, "y");
    CHECK(dl_set_find(&set, "design") != NULL);
    CHECK(phi && phi->shape[0] == 3 && phi->shape[1] == 3);
    for (int i = 0; phi && i < 3; i++) {
        const double *row = (const double *)phi->data + 3 * i;
        CHECK(row[0] == 1.0 && row[1] == x[2 * i] && row[2] == x[2 * i + 1]);
    }
    CHECK(yy && memcmp(yy->data, y, sizeof y) == 0);
    dl_set_free(&set);
    /* designs do not stack */
    io.input = tmp_path("phi.dlt");
    io.output = tmp_path("phi2.dlt");
    CHECK(cli_run_filter(&io, design_filter, &o, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "designs do not stack") != NULL);
    unlink(tmp_path("raw.dlt"));
    unlink(tmp_path("phi.dlt"));
}

int main(void)
{
    if (fixture_setup("design_stream"))
        return 1;
    UNIT_RUN(test_design_streams_x_and_passes_the_rest);
    fixture_cleanup();
    return UNIT_DONE();
}
