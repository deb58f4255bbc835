/* cli.h - what every dl-* main shares: version, strict number parsing,
 * the option loop, and the frame of a filter tool (open the input and
 * output streams, run, commit the output or discard it).  Nothing here
 * prints except the usage and version texts and the one error line. */
#ifndef DL_CLI_H
#define DL_CLI_H

#include <stdint.h>

#include "err.h"
#include "stream.h"

#define DL_VERSION "0.1.0"

/* Strict parsers for option values: the whole string must be a number in
 * range, without blanks around it (strtod and strtol would skip leading
 * ones), else DL_EUSAGE naming the option; a count may have a + sign. */
int cli_double(const char *opt, const char *s, double *out, dl_err *e);
int cli_long(const char *opt, const char *s, long min, long max, long *out, dl_err *e);
int cli_u64(const char *opt, const char *s, uint64_t *out, dl_err *e);
/* The first call of every main: a closed standard descriptor (`>&-`) is
 * reopened on /dev/null the wrong way round, so that using it fails instead
 * of writing into whatever file would get its number; the signal handlers
 * are installed (sig.h: exit 6, temporaries removed); and at exit standard
 * output is flushed and closed: a failed write (a full disk, a closed
 * descriptor) ends the process with status 3 and one line, instead of
 * success with the output lost. */
void cli_start(const char *tool);
/* Prints the error and ends the process at once with its code, without
 * exit handlers: for a failure that may leave a library thread stuck (a
 * BLAS worker without memory), which exit() would wait for forever. */
void cli_abandon(const char *tool, const dl_err *e);
/* 1 when a file operand reads standard input: absent (NULL), "-", or, when
 * standard input is a pipe, FIFO or socket (read once), another name of it
 * (/dev/stdin, /dev/fd/0, that FIFO's path). */
int cli_is_stdin(const char *path);
/* Two file operands a and b that would both read standard input, which
 * can be read once: DL_EUSAGE "A and B cannot both be standard input"
 * (a_name, b_name), before anything is read.  Else 0. */
int cli_stdin_once(const char *a_name, const char *a, const char *b_name, const char *b,
                   dl_err *e);
/* Of the n file operands files[0..n-1], each called name, two that would
 * both read standard input: DL_EUSAGE "NAME i and NAME j cannot both be
 * standard input" (counted from 1), before anything is read.  Else 0. */
int cli_stdin_once_each(const char *name, const char *const *files, size_t n, dl_err *e);
/* Prints "tool (dl toolkit) version" on stdout, and on a second line the
 * BLAS that runs the products (dl_blas_describe): its kernels are most of
 * a run's speed. */
void cli_version(const char *tool);
/* Prints "tool: message" and a hint to run --help, returns DL_EUSAGE. */
int cli_usage_error(const char *tool, const char *fmt, ...) DL_PRINTF(2, 3);
/* Prints the error: its one line, and for a usage error (DL_EUSAGE) the
 * line "Try 'tool --help' for more information." after it. */
void cli_report(const char *tool, const dl_err *e);
/* Prints the error once (cli_report) and returns its code, for
 * `return cli_exit(...)`. */
int cli_exit(const char *tool, const dl_err *e);

/* What a main's option loop needs: its name and --help text, getopt's
 * tables, and where each parsed option goes. */
struct option;
typedef struct cli_spec {
    const char *tool;
    void (*usage)(void);
    const char *shorts;
    const struct option *longs;
    int (*parse)(int c, const char *arg, void *ctx, dl_err *e);
} cli_spec;

/* The getopt_long loop of every main: 'h' calls usage(), 'V' prints the
 * version (both then return 1, or DL_EIO when standard output failed, the
 * reason named); every other option goes to
 * parse(c, optarg, ctx, e).  An unknown option ("unknown option 'X'"), an
 * abbreviation of several ("ambiguous option '--X' (--XA, --XB)"), a value
 * given to an option without one ("'--X' takes no value ('--X=V')"), a
 * missing value ("missing value for 'X'") or an option parse refuses is
 * DL_EUSAGE (cli_exit adds the --help hint).  0 when all options were
 * taken; optind then indexes the first operand. */
int cli_parse_options(int argc, char **argv, const cli_spec *spec, void *ctx, dl_err *e);

/* A tool of several commands (dl-tensor's, dl-plot's figures) names them in
 * commands[0..n-1]; a set of them is a mask, commands[i] its bit 1 << i. */
/* The bit of cmd, 0 when it is none of them. */
unsigned cli_command_bit(const char *cmd, const char *const *commands, int n);
/* Option c, which the commands of mask `uses` take, given to cmd (of bit
 * cmd_bit) that does not take it: DL_EUSAGE "CMD: -c/--long does not apply
 * (an option of A, B)" (-c/ when c is one of spec's short options), rather
 * than the option ignored.  Else 0. */
int cli_refuse_option(const cli_spec *spec, const char *cmd, unsigned cmd_bit, int c,
                      unsigned uses, const char *const *commands, int n, dl_err *e);

/* --------------------------- filter tools ---------------------------- */
/* dl-design, dl-lstsq and dl-predict: a stream in, a stream out. */

/* cli_parse_options, then the operands: `required` (when not NULL; called
 * required_name in the error) and an optional input FILE, nothing more.  0 to run, 1 after --help or
 * --version, or DL_EUSAGE. */
int cli_parse_filter(int argc, char **argv, const cli_spec *spec, void *ctx,
                     const char *required_name, const char **required, const char **input,
                     dl_err *e);

/* Where a filter reads and writes. */
typedef struct cli_filter_io {
    const char *input, *output; /* NULL: standard input / output */
    int flags;                  /* st_writer_open flags (--zlib) */
} cli_filter_io;

/* The tool's work between an open reader and writer. */
typedef int (*cli_filter_fn)(st_reader *r, st_writer *w, const void *args, dl_err *e);

/* Opens io's input and output (a file is written atomically), runs body,
 * and commits the output, or discards it on any error.  0 or the error's
 * code. */
int cli_run_filter(const cli_filter_io *io, cli_filter_fn body, const void *args, dl_err *e);

/* The rest of a filter's main once its option parsing returned `parsed` (0
 * to run, 1 after --help or --version, else the error in e): runs body
 * between io's streams and prints the error, if any, once.  The exit
 * status. */
int cli_filter_main(const char *tool, int parsed, const cli_filter_io *io, cli_filter_fn body,
                    const void *args, dl_err *e);

#endif
