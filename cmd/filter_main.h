/* filter_main.h - the frame dl-design, dl-lstsq and dl-predict share: the
 * getopt loop with its usage errors, and opening the input and output
 * streams around the tool's work, committing the output only on success. */
#ifndef DL_FILTER_MAIN_H
#define DL_FILTER_MAIN_H

#include <getopt.h>
#include <stdio.h>

#include "cli.h"
#include "stream.h"

/* Applies one parsed option (getopt's c and optarg) to the tool's arguments. */
typedef int (*filter_option_fn)(int c, const char *arg, void *args, dl_err *e);
/* The tool's work between an open reader and writer. */
typedef int (*filter_body_fn)(st_reader *r, st_writer *w, void *args, dl_err *e);

/* Runs getopt_long over argv with -h/--help and -V/--version built in,
 * then takes the operands: `required` (named required_name, if not NULL)
 * and then an optional input FILE.  Returns 1 to go on, 0 after help or
 * version, or minus the exit status after printing a usage error. */
static inline int filter_getopt(const char *tool, int argc, char **argv, const char *shorts,
                                const struct option *longs, filter_option_fn apply,
                                void *args, void (*usage)(void), const char *required_name,
                                const char **required, const char **input)
{
    int c;
    dl_err e;
    opterr = 0;
    while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
        if (c == 'h' || c == 'V') {
            c == 'h' ? usage() : cli_version(tool);
            return 0;
        }
        if (c == '?' || c == ':')
            return -cli_usage_error(tool, "%s '%s'",
                                    c == ':' ? "missing value for" : "unknown option",
                                    argv[optind - 1]);
        if (apply(c, optarg, args, &e))
            return -cli_usage_error(tool, "%s", e.msg);
    }
    if (required && optind >= argc)
        return -cli_usage_error(tool, "missing the %s argument", required_name);
    if (required)
        *required = argv[optind++];
    if (optind < argc)
        *input = argv[optind++];
    if (optind < argc)
        return -cli_usage_error(tool, "unexpected argument '%s'", argv[optind]);
    return 1;
}

/* The end of a record loop: a read error (got < 0) or no x at all. */
static inline int filter_loop_end(st_reader *r, int rc, int got, int seen_x, dl_err *e)
{
    if (!rc && got < 0)
        rc = e->code;
    if (!rc && !seen_x)
        rc = dl_fail(e, DL_EDATA, "%s: no 'x' record", st_reader_label(r));
    return rc;
}

/* Opens input (NULL: stdin) and output (NULL: stdout, atomically for a
 * file), runs body, and commits the output or discards it on error. */
static inline int filter_run(const char *input, const char *output, int flags,
                             filter_body_fn body, void *args, dl_err *e)
{
    st_reader *r = NULL;
    st_writer *w = NULL;
    int rc = st_reader_open(&r, input, e) || st_writer_open(&w, output, flags, e) ||
             body(r, w, args, e);
    if (!rc)
        rc = st_writer_close(w, e);
    else
        st_writer_abort(w);
    st_reader_close(r);
    return rc ? (e->code ? e->code : 1) : 0;
}

/* Where a filter reads and writes: the first member of each tool's arguments. */
typedef struct filter_io {
    const char *input, *output;
    int flags; /* st_writer_open flags (--zlib) */
} filter_io;

/* A whole main: parse (1 go on, 0 done, <0 minus a usage status), run body
 * between the streams, print the error once, return the exit status. */
static inline int filter_main(const char *tool, int argc, char **argv,
                              int (*parse)(int, char **, void *), filter_body_fn body,
                              void *args, const filter_io *io)
{
    dl_err e;
    int p = parse(argc, argv, args);
    if (p <= 0)
        return -p;
    dl_err_clear(&e);
    if (filter_run(io->input, io->output, io->flags, body, args, &e))
        return cli_exit(tool, &e);
    return 0;
}

#endif
