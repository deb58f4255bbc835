/* cli.h - what every dl-* main shares: version, strict number parsing,
 * the binary-to-terminal guard.  Nothing here prints except cli_die. */
#ifndef DL_CLI_H
#define DL_CLI_H

#include <stdint.h>

#include "err.h"

#define DL_VERSION "0.1.0"

/* Strict parsers for option values: the whole string must be a number in
 * range, else DL_EUSAGE naming the option. */
int cli_double(const char *opt, const char *s, double *out, dl_err *e);
int cli_long(const char *opt, const char *s, long min, long max, long *out, dl_err *e);
int cli_u64(const char *opt, const char *s, uint64_t *out, dl_err *e);
/* Prints "tool version" on stdout. */
void cli_version(const char *tool);
/* Prints "tool: message" and a hint to run --help, returns DL_EUSAGE. */
int cli_usage_error(const char *tool, const char *fmt, ...) DL_PRINTF(2, 3);
/* Prints the error once and returns its code, for `return cli_exit(...)`. */
int cli_exit(const char *tool, const dl_err *e);

/* The getopt_long loop of a main: 'h' calls usage(), 'V' prints the version
 * (both then return 1); every other option goes to parse(c, optarg, ctx, e);
 * an unknown option or a missing value is DL_EUSAGE.  0 when all options
 * were taken; optind then indexes the first operand. */
struct option;
int cli_parse_options(int argc, char **argv, const char *shorts, const struct option *longs,
                      const char *tool, void (*usage)(void),
                      int (*parse)(int c, const char *arg, void *ctx, dl_err *e), void *ctx,
                      dl_err *e);

#endif
