#include "cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <float.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <stdio_ext.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blasmem.h"
#include "sig.h"

/* strtod and strtol skip leading blanks, where trailing ones are refused:
 * " 3" is as much a quoting mistake as "3 ". */
static int blank_first(const char *s) { return isspace((unsigned char)*s); }

int cli_double(const char *opt, const char *s, double *out, dl_err *e)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (blank_first(s))
        end = (char *)s;
    if (end != s && *end == '\0' && errno == ERANGE && fabs(v) <= DBL_MIN)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is too small for a double (below about 2.2e-308)",
                       opt, s);
    if (end != s && *end == '\0' && errno == ERANGE)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is too large for a double (above about 1.8e308)",
                       opt, s);
    if (end == s || *end != '\0' || !isfinite(v))
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a finite number", opt, s);
    *out = v;
    return 0;
}

int cli_long(const char *opt, const char *s, long min, long max, long *out, dl_err *e)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || blank_first(s) || *end != '\0' || errno == ERANGE || v < min || v > max)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a whole number from %ld to %ld", opt,
                       s, min, max);
    *out = v;
    return 0;
}

int cli_u64(const char *opt, const char *s, uint64_t *out, dl_err *e)
{
    char *end;
    errno = 0;
    /* digits, maybe after a '+', as cli_long takes them: strtoull would
     * take " -1" as 2^64 - 1 */
    if (!isdigit((unsigned char)s[*s == '+']))
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a non-negative whole number", opt, s);
    unsigned long long v = strtoull(s, &end, 10);
    if (*end != '\0')
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is not a non-negative whole number", opt, s);
    if (errno == ERANGE)
        return dl_fail(e, DL_EUSAGE, "%s: '%s' is too large (at most %llu)", opt, s,
                       (unsigned long long)UINT64_MAX);
    *out = (uint64_t)v;
    return 0;
}

/* Output nobody will read is an error, as gnulib's close_stdout has it; a
 * closed descriptor is one only when something was written to it. */
static void check_stdout(void)
{
    int pending = __fpending(stdout) > 0, failed = ferror(stdout);
    errno = 0;
    if (fclose(stdout) != 0 && (pending || errno != EBADF))
        failed = 1;
    if (!failed)
        return;
    int saved = errno;
    fprintf(stderr, "%s: standard output: write failed%s%s\n", sig_tool(), saved ? ": " : "",
            saved ? strerror(saved) : "");
    _exit(DL_EIO); /* exit() again from an exit handler is undefined */
}

void cli_start(const char *tool)
{
    for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
        if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
            continue;
        int got = open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
        if (got >= 0 && got != fd) {
            dup2(got, fd);
            close(got);
        }
    }
    sig_install(tool);
    atexit(check_stdout);
}

void cli_report(const char *tool, const dl_err *e)
{
    dl_err_print(tool, e);
    if (e->code == DL_EUSAGE)
        fprintf(stderr, "Try '%s --help' for more information.\n", tool);
}

void cli_abandon(const char *tool, const dl_err *e)
{
    cli_report(tool, e);
    _exit(e->code ? e->code : 1);
}

void cli_version(const char *tool)
{
    char blas[256];
    dl_blas_describe(blas, sizeof blas);
    printf("%s (dl toolkit) %s\nBLAS: %s\n", tool, DL_VERSION, blas);
}

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

unsigned cli_command_bit(const char *cmd, const char *const *commands, int n)
{
    for (int i = 0; cmd && i < n; i++)
        if (strcmp(cmd, commands[i]) == 0)
            return 1u << i;
    return 0;
}

int cli_refuse_option(const cli_spec *spec, const char *cmd, unsigned cmd_bit, int c,
                      unsigned uses, const char *const *commands, int n, dl_err *e)
{
    if (uses & cmd_bit)
        return 0;
    char name[48] = "", users[128] = "";
    int len = c < 128 && strchr(spec->shorts, c) ? snprintf(name, sizeof name, "-%c", c) : 0;
    for (const struct option *o = spec->longs; o->name; o++)
        if (o->val == c)
            snprintf(name + len, sizeof name - (size_t)len, "%s--%s", len ? "/" : "", o->name);
    for (int i = 0, k = 0; i < n; i++)
        if (uses & (1u << i)) {
            size_t at = strlen(users);
            snprintf(users + at, sizeof users - at, "%s%s", k++ ? ", " : "", commands[i]);
        }
    return dl_fail(e, DL_EUSAGE, "%s: %s does not apply (an option of %s)", cmd, name, users);
}

int cli_exit(const char *tool, const dl_err *e)
{
    cli_report(tool, e);
    /* the tool failed and said why, often that standard output failed: its
     * rest is dropped, so that check_stdout adds no second line */
    if (ferror(stdout)) {
        __fpurge(stdout);
        clearerr(stdout);
    }
    return e->code ? e->code : 1;
}

/* The long option of spec that the word "--NAME[=VALUE]" names in full or
 * abbreviated with value val (any value when val is 0), skipping the first
 * `skip` of them; NULL when there is none more.  len is NAME's length. */
static const struct option *long_named(const cli_spec *s, const char *name, size_t len, int val,
                                       int skip)
{
    for (const struct option *o = s->longs; len && o->name; o++)
        if (strncmp(o->name, name, len) == 0 && (!val || o->val == val) && skip-- == 0)
            return o;
    return NULL;
}

/* The refusal of the option getopt returned c (':' or '?') for.  The word
 * that holds it is argv[optind - 1] for a long option, whose optopt is 0
 * when its name is unknown or ambiguous and its value when it was given
 * "=VALUE" but takes none; a short option is optopt's letter (also inside a
 * cluster such as -qx, where argv[optind - 1] is the word before it). */
static int refuse_option(const cli_spec *s, char **argv, int c, dl_err *e)
{
    const char *word = argv[optind - 1];
    int dashes = strncmp(word, "--", 2) == 0; /* else word may be shorter than 2 */
    const char *name = dashes ? word + 2 : word, *eq = dashes ? strchr(word, '=') : NULL;
    size_t len = eq ? (size_t)(eq - name) : strlen(name);
    int is_long = dashes && (c == ':' || optopt == 0 || (eq && long_named(s, name, len, optopt, 0)));
    if (!is_long)
        return dl_fail(e, DL_EUSAGE, "%s '-%c'",
                       c == ':' ? "missing value for" : "unknown option", optopt);
    if (c == ':')
        return dl_fail(e, DL_EUSAGE, "missing value for '%s'", word);
    if (optopt)
        return dl_fail(e, DL_EUSAGE, "'--%s' takes no value ('%s')",
                       long_named(s, name, len, optopt, 0)->name, word);
    if (!long_named(s, name, len, 0, 1)) /* fewer than two options start with it */
        return dl_fail(e, DL_EUSAGE, "unknown option '%s'", word);
    char names[256] = "";
    for (int i = 0, at = 0; long_named(s, name, len, 0, i) && at < (int)sizeof names; i++)
        at += snprintf(names + at, sizeof names - (size_t)at, "%s--%s", i ? ", " : "",
                       long_named(s, name, len, 0, i)->name);
    return dl_fail(e, DL_EUSAGE, "ambiguous option '%.*s' (%s)", (int)(len + 2), word, names);
}

/* --help or --version printed: 1, or DL_EIO when standard output failed.
 * Checked here, where errno still holds the reason: a printf whose write
 * fails drops the rest of its text, so the exit's check of standard output
 * would find nothing left to write and no reason to name. */
static int print_help(const cli_spec *s, int c, dl_err *e)
{
    errno = 0;
    c == 'h' ? s->usage() : cli_version(s->tool);
    if (!ferror(stdout) && fflush(stdout) == 0)
        return 1;
    return dl_fail_errno(e, "standard output: write failed");
}

/* getopt tells a missing value (':') from an unknown option ('?') only
 * when the short options start with ':', so that is added when the table
 * lacks it. */
int cli_parse_options(int argc, char **argv, const cli_spec *s, void *ctx, dl_err *e)
{
    char shorts[128];
    snprintf(shorts, sizeof shorts, "%s%s", s->shorts[0] == ':' ? "" : ":", s->shorts);
    opterr = 0;
    int c;
    while ((c = getopt_long(argc, argv, shorts, s->longs, NULL)) != -1) {
        if (c == 'h' || c == 'V')
            return print_help(s, c, e);
        if (c == '?' || c == ':')
            return refuse_option(s, argv, c, e);
        if (s->parse(c, optarg, ctx, e))
            return e->code = DL_EUSAGE;
    }
    return 0;
}

int cli_is_stdin(const char *path)
{
    if (!path || strcmp(path, "-") == 0)
        return 1;
    /* another name of it (/dev/stdin, /dev/fd/0, the FIFO it is), when it
     * is a pipe, FIFO or socket, whose bytes go to one reader: a file or a
     * device opened again reads as a second file */
    struct stat in, named;
    return fstat(STDIN_FILENO, &in) == 0 && (S_ISFIFO(in.st_mode) || S_ISSOCK(in.st_mode)) &&
           stat(path, &named) == 0 &&
           in.st_dev == named.st_dev && in.st_ino == named.st_ino;
}

int cli_stdin_once(const char *a_name, const char *a, const char *b_name, const char *b,
                   dl_err *e)
{
    if (cli_is_stdin(a) && cli_is_stdin(b))
        return dl_fail(e, DL_EUSAGE, "%s and %s cannot both be standard input", a_name, b_name);
    return 0;
}

int cli_stdin_once_each(const char *name, const char *const *files, size_t n, dl_err *e)
{
    for (size_t i = 0, first = 0; i < n; i++) {
        if (!cli_is_stdin(files[i]))
            continue;
        if (first)
            return dl_fail(e, DL_EUSAGE, "%s %zu and %s %zu cannot both be standard input", name,
                           first, name, i + 1);
        first = i + 1;
    }
    return 0;
}

int cli_parse_filter(int argc, char **argv, const cli_spec *spec, void *ctx,
                     const char *required_name, const char **required, const char **input,
                     dl_err *e)
{
    int rc = cli_parse_options(argc, argv, spec, ctx, e);
    if (rc)
        return rc;
    if (required && optind >= argc)
        return dl_fail(e, DL_EUSAGE, "missing the %s argument", required_name);
    if (required)
        *required = argv[optind++];
    if (optind < argc)
        *input = argv[optind++];
    if (optind < argc)
        return dl_fail(e, DL_EUSAGE, "unexpected argument '%s'", argv[optind]);
    return required ? cli_stdin_once(required_name, *required, "FILE", *input, e) : 0;
}

int cli_run_filter(const cli_filter_io *io, cli_filter_fn body, const void *args, dl_err *e)
{
    st_reader *r = NULL;
    st_writer *w = NULL;
    int rc = dl_outfile_not_input("-o", io->output, "FILE", io->input, e) ||
             st_reader_open(&r, io->input, e) || st_writer_open(&w, io->output, io->flags, e) ||
             body(r, w, args, e) ? e->code : 0;
    if (!rc)
        rc = st_writer_close(w, e);
    else
        st_writer_abort(w);
    st_reader_close(r);
    return rc;
}

int cli_filter_main(const char *tool, int parsed, const cli_filter_io *io, cli_filter_fn body,
                    const void *args, dl_err *e)
{
    if (parsed == 1)
        return 0; /* --help or --version */
    if (parsed == 0)
        parsed = cli_run_filter(io, body, args, e);
    return parsed ? cli_exit(tool, e) : 0;
}
