/* test_tsv.c - lib/tsv: a table with comments, blank lines and CR line
 * ends read by column name; missing cells are NaN; ragged rows, a header
 * alone, a name twice and an empty file are refused with the line. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "tsv.h"
#include "unit.h"

/* Writes text to a temporary file; returns its path (static buffer). */
static const char *temp_table(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/test_tsv_%ld.tsv", (long)getpid());
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
    return path;
}

static void test_table_reading(void)
{
    tsv_table t;
    dl_err e = {0};
    const char *path = temp_table("# a comment\nepoch\tloss\tname\n\n1\t0.5\ta\r\n2\t\tb\n");
    CHECK(tsv_read(&t, path, &e) == 0);
    CHECK(t.rows == 2 && t.cols == 3);
    const char *const names[] = {"missing", "name", NULL};
    CHECK(tsv_find(&t, names) == 2);
    CHECK_STR(tsv_cell(&t, 1, 2), "b");
    double v;
    CHECK(tsv_number(&t, 0, 1, &v, &e) == 0 && v == 0.5);
    CHECK(tsv_number(&t, 1, 1, &v, &e) == 0 && isnan(v));
    CHECK(tsv_number(&t, 0, 2, &v, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "data row 1, column 'name': 'a' is not a number") != NULL);
    tsv_free(&t);
    /* an infinity: a statistic's, returned; an epoch's, refused */
    CHECK(tsv_read(&t, temp_table("epoch\tloss\n1\t-inf\ninf\tnan\n"), &e) == 0);
    CHECK(tsv_statistic(&t, 0, 1, &v, &e) == 0 && isinf(v) && v < 0);
    CHECK(tsv_statistic(&t, 1, 1, &v, &e) == 0 && isnan(v));
    CHECK(tsv_number(&t, 1, 1, &v, &e) == 0 && isnan(v));
    CHECK(tsv_number(&t, 1, 0, &v, &e) == DL_EDATA);
    CHECK(strstr(e.msg, "data row 2, column 'epoch': 'inf' is infinite") != NULL);
    tsv_free(&t);

    CHECK(tsv_read(&t, temp_table("a\tb\n1\t2\n3\n"), &e) == DL_EDATA);
    CHECK(strstr(e.msg, "line 3: 1 field, the header has 2") != NULL);
    CHECK(tsv_read(&t, temp_table("a\tb\n"), &e) == DL_EDATA);
    CHECK(strstr(e.msg, "no data rows") != NULL);
    CHECK(tsv_read(&t, temp_table("\n# only\n"), &e) == DL_EDATA);
    CHECK(tsv_read(&t, "/nonexistent/t.tsv", &e) == DL_EIO);
    /* read by name: a name twice would find its first column only */
    CHECK(tsv_read(&t, temp_table("# two runs\nepoch\tloss\tepoch\tloss\n1\t2\t1\t3\n"), &e) ==
          DL_EDATA);
    CHECK(strstr(e.msg, "line 2: column 3 is named 'epoch', as column 1 is") != NULL);
    CHECK(tsv_read(&t, temp_table("a\t\t\n1\t2\t3\n"), &e) == DL_EDATA);
    CHECK(strstr(e.msg, "line 1: column 3 is named '', as column 2 is") != NULL);
    unlink(path);
}

int main(void)
{
    UNIT_RUN(test_table_reading);
    return UNIT_DONE();
}
