/* test_metrics_io.c - lib/metrics_io: dl-eval's reading and rendering (formats, tags, TSV and JSON records). */
#include "filter_fixture.h"
#include "metrics_io.h"

static void test_format_and_tags(void)
{
    CHECK(mio_format_parse("table") == MIO_TABLE);
    CHECK(mio_format_parse("tsv") == MIO_TSV);
    CHECK(mio_format_parse("json") == MIO_JSON);
    CHECK(mio_format_parse("xml") == -1);
    CHECK(mio_tag_fault("lr=0.1") == NULL);
    CHECK(mio_tag_fault("a=b=c") == NULL);
    CHECK(mio_tag_fault("lr=\xc3\xa9t\xc3\xa9") == NULL); /* UTF-8 */
    CHECK(mio_tag_fault("=x") != NULL);
    CHECK(mio_tag_fault("novalue") != NULL);
    CHECK(mio_tag_fault("a\tb=c") != NULL);
    CHECK(mio_tag_fault("a=\"b\"") != NULL);
    CHECK(mio_tag_fault("a=b\\c") != NULL);
    CHECK(mio_tag_fault("a=b\x01") != NULL);
    CHECK(mio_tag_fault("a=\xff") != NULL);
}

/* mse of (1.5, 2, 3) against (1.5, 2, 4) is 1/3: written shortest round-trip. */
static void test_tsv_and_json_records(void)
{
    double y[3] = {1.5, 2, 3}, yhat[3] = {1.5, 2, 4};
    const char *tags[] = {"run=7"};
    mio_opts o = {0};
    mt_report r;
    dl_err e = {0};
    char buf[1024];
    mt_opts_defaults(&o.mt);
    o.tags = tags;
    o.ntags = 1;
    o.header = 1;
    mt_report_init(&r);
    mt_data d = {y, yhat, 3, 1, 1, NULL};
    CHECK(mt_evaluate(&d, &o.mt, &r, &e) == 0);
    FILE *f = tmpfile();
    o.format = MIO_TSV;
    mio_write(f, &o, &r, NULL);
    o.format = MIO_JSON;
    mio_write(f, &o, &r, NULL);
    rewind(f);
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    CHECK_STR(buf, "run\ttask\tn\tmse\trmse\tmae\tr2\tmax_error\n");
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    CHECK(starts_with(buf, "7\tregression\t3\t0.3333333333333333\t"));
    CHECK(fgets(buf, sizeof buf, f) != NULL);
    CHECK(starts_with(buf, "{\"run\": \"7\", \"task\": \"regression\", \"n\": 3, "
                           "\"mse\": 0.3333333333333333, "));
    fclose(f);
    mt_report_free(&r);
}

int main(void)
{
    if (fixture_setup("metrics_io"))
        return 1;
    UNIT_RUN(test_format_and_tags);
    UNIT_RUN(test_tsv_and_json_records);
    fixture_cleanup();
    return UNIT_DONE();
}
