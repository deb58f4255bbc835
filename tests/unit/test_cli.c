/* test_cli.c - lib/cli: the one option parser (usage errors, operands) and the filter frame (an output committed whole or not at all). */
#include <getopt.h>

#include "filter_fixture.h"

static int parse_num(int c, const char *arg, void *ctx, dl_err *e)
{
    if (c != 'n')
        return dl_fail(e, DL_EUSAGE, "unknown option");
    if (strcmp(arg, "bad") == 0)
        return dl_fail(e, DL_EDATA, "--num: 'bad' is not a number");
    *(int *)ctx = atoi(arg);
    return 0;
}

static void no_usage(void) {}

static const struct option num_longs[] = {{"num", required_argument, 0, 'n'},
                                          {"help", no_argument, 0, 'h'},
                                          {"version", no_argument, 0, 'V'},
                                          {0, 0, 0, 0}};
static const cli_spec num_spec = {"dl-test", no_usage, ":n:hV", num_longs, parse_num};

typedef struct parsed {
    int rc, num;
    const char *model, *input;
    dl_err e;
} parsed;

/* argv is NULL-terminated; getopt starts afresh (optind 0). */
static parsed parse_filter(char **argv)
{
    parsed p = {0};
    int argc = 0;
    while (argv[argc])
        argc++;
    optind = 0;
    p.rc = cli_parse_filter(argc, argv, &num_spec, &p.num, "MODEL", &p.model, &p.input, &p.e);
    return p;
}

static void test_parse_filter_takes_options_and_operands(void)
{
    char *ok[] = {"t", "-n", "3", "M.ckpt", "in.dlt", NULL};
    parsed p = parse_filter(ok);
    CHECK(p.rc == 0);
    CHECK(p.num == 3);
    CHECK(p.model && strcmp(p.model, "M.ckpt") == 0);
    CHECK(p.input && strcmp(p.input, "in.dlt") == 0);
    char *no_input[] = {"t", "--num=4", "M.ckpt", NULL};
    p = parse_filter(no_input);
    CHECK(p.rc == 0 && p.num == 4 && p.input == NULL);
}

static void test_parse_filter_errors_are_usage_errors(void)
{
    static const struct {
        char *argv[6];
        const char *msg;
    } cases[] = {
        {{"t", "--bogus", "M", NULL}, "unknown option '--bogus'"},
        {{"t", "M", "--num", NULL}, "missing value for '--num'"},
        {{"t", "--num", "bad", "M", NULL}, "--num: 'bad' is not a number"},
        {{"t", NULL}, "missing the MODEL argument"},
        {{"t", "M", "in", "extra", NULL}, "unexpected argument 'extra'"},
        {{"t", "-", NULL}, "MODEL and FILE cannot both be standard input"},
        {{"t", "-", "-", NULL}, "MODEL and FILE cannot both be standard input"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[6];
        memcpy(argv, cases[i].argv, sizeof argv);
        parsed p = parse_filter(argv);
        CHECK(p.rc == DL_EUSAGE); /* also when parse said DL_EDATA */
        CHECK(p.e.code == DL_EUSAGE);
        CHECK_STR(p.e.msg, cases[i].msg);
    }
}

/* Every main's loop, also with a table that does not start with ':': the
 * option is named as typed, a short one by its letter even inside a
 * cluster. */
static void test_parse_options_names_the_refused_option(void)
{
    static const cli_spec plain = {"dl-test", no_usage, "n:hV", num_longs, parse_num};
    static const struct {
        char *argv[4];
        const char *msg;
    } cases[] = {
        {{"t", "--bogus", NULL}, "unknown option '--bogus'"},
        {{"t", "-x", NULL}, "unknown option '-x'"},
        {{"t", "-xn3", NULL}, "unknown option '-x'"},
        {{"t", "--num", NULL}, "missing value for '--num'"},
        {{"t", "-n", NULL}, "missing value for '-n'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *argv[4];
        memcpy(argv, cases[i].argv, sizeof argv);
        int num = 0;
        dl_err e = {0};
        optind = 0;
        CHECK(cli_parse_options(argv[2] ? 3 : 2, argv, &plain, &num, &e) == DL_EUSAGE);
        CHECK_STR(e.msg, cases[i].msg);
    }
}

static int copy_all(st_reader *r, st_writer *w, const void *args, dl_err *e)
{
    st_header h;
    int found, rc;
    (void)args;
    while (!(rc = st_next_header(r, &h, &found, e)) && found)
        if ((rc = st_copy_record(r, &h, w, e)) != 0)
            break;
    return rc;
}

static int copy_then_fail(st_reader *r, st_writer *w, const void *args, dl_err *e)
{
    return copy_all(r, w, args, e) ? e->code : dl_fail(e, DL_EDATA, "refused after writing");
}

/* Numbers out of range say which way, not that they are not numbers. */
static void test_numbers_out_of_range_say_so(void)
{
    dl_err e = {0};
    double d = 7;
    uint64_t u = 7;
    CHECK(cli_double("--x", "1e-400", &d, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "--x: '1e-400' is too small for a double (below about 2.2e-308)");
    CHECK(cli_double("--x", "-1e400", &d, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "--x: '-1e400' is too large for a double (above about 1.8e308)");
    CHECK(cli_double("--x", "nan", &d, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "--x: 'nan' is not a finite number");
    CHECK(cli_double("--x", "1e5x", &d, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "--x: '1e5x' is not a finite number");
    CHECK(d == 7 && cli_double("--x", "0", &d, &e) == 0 && d == 0);
    CHECK(cli_u64("-n", "18446744073709551616", &u, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "-n: '18446744073709551616' is too large (at most 18446744073709551615)");
    CHECK(cli_u64("-n", "12a", &u, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "-n: '12a' is not a non-negative whole number");
    /* strtoull would skip the blank and wrap the minus round to 2^64 - 1 */
    CHECK(cli_u64("-n", " -1", &u, &e) == DL_EUSAGE);
    CHECK_STR(e.msg, "-n: ' -1' is not a non-negative whole number");
    CHECK(cli_u64("-n", " 5", &u, &e) == DL_EUSAGE);
    CHECK(u == 7 && cli_u64("-n", "18446744073709551615", &u, &e) == 0 && u == UINT64_MAX);
}

static void test_run_filter_commits_or_leaves_nothing(void)
{
    double x[4] = {1, 2, 3, 4};
    dl_err e = {0};
    CHECK(write_x(tmp_path("in.dlt"), x, 2, 2, &e) == 0);
    cli_filter_io io = {tmp_path("in.dlt"), tmp_path("out.dlt"), 0};
    CHECK(cli_run_filter(&io, copy_then_fail, NULL, &e) == DL_EDATA);
    CHECK_STR(e.msg, "refused after writing");
    CHECK(access(io.output, F_OK) != 0);
    CHECK(dir_entries() == 1); /* no temporary left beside it */
    dl_err_clear(&e);
    CHECK(cli_run_filter(&io, copy_all, NULL, &e) == 0);
    dl_tensor_set set;
    dl_set_init(&set);
    CHECK(st_read_set(io.output, &set, &e) == 0);
    dl_tensor *got = dl_set_find(&set, "x");
    CHECK(got && got->shape[0] == 2 && memcmp(got->data, x, sizeof x) == 0);
    dl_set_free(&set);
    io.input = tmp_path("missing.dlt");
    CHECK(cli_run_filter(&io, copy_all, NULL, &e) == DL_EIO);
    unlink(tmp_path("in.dlt"));
    unlink(tmp_path("out.dlt"));
}

int main(void)
{
    if (fixture_setup("cli"))
        return 1;
    UNIT_RUN(test_parse_filter_takes_options_and_operands);
    UNIT_RUN(test_parse_filter_errors_are_usage_errors);
    UNIT_RUN(test_parse_options_names_the_refused_option);
    UNIT_RUN(test_numbers_out_of_range_say_so);
    UNIT_RUN(test_run_filter_commits_or_leaves_nothing);
    fixture_cleanup();
    return UNIT_DONE();
}
