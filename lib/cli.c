#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

int cli_double(const char *opt, const char *s, double *out, dl_err *e)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno == ERANGE || !isfinite(v))
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a finite number", opt, s);
    *out = v;
    return 0;
}

int cli_long(const char *opt, const char *s, long min, long max, long *out, dl_err *e)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || errno == ERANGE || v < min || v > max)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a whole number from %ld to %ld", opt,
                       s, min, max);
    *out = v;
    return 0;
}

int cli_u64(const char *opt, const char *s, uint64_t *out, dl_err *e)
{
    char *end;
    errno = 0;
    if (*s == '-' || *s == '\0')
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a non-negative whole number", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0' || errno == ERANGE)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a non-negative whole number", opt, s);
    *out = (uint64_t)v;
    return 0;
}

void cli_version(const char *tool) { printf("%s (dl toolkit) %s\n", tool, DL_VERSION); }

int cli_usage_error(const char *tool, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", tool);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", tool);
    return DL_EUSAGE;
}

int cli_exit(const char *tool, const dl_err *e)
{
    dl_err_print(tool, e);
    if (e->code == DL_EUSAGE)
        fprintf(stderr, "Try '%s --help' for more information.\n", tool);
    return e->code ? e->code : 1;
}

int cli_parse_options(int argc, char **argv, const char *shorts, const struct option *longs,
                      const char *tool, void (*usage)(void),
                      int (*parse)(int c, const char *arg, void *ctx, dl_err *e), void *ctx,
                      dl_err *e)
{
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h' || c == 'V') {
            c == 'h' ? usage() : cli_version(tool);
            return 1;
        }
        if (c == '?' || c == ':')
            return dl_fail(e, DL_EUSAGE, "unknown option or missing value: '%s'",
                           argv[optind - 1]);
        if (parse(c, optarg, ctx, e))
            return e->code;
    }
    return 0;
}
